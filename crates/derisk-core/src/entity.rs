//! Entities and their names and identifiers.

use std::fmt;

use crate::{EntityId, PartialDate, SourceId, Verification, vocabulary};

vocabulary! {
    /// What sort of thing an [`Entity`] is.
    pub enum EntityKind {
        /// A company or other commercial legal person.
        Company => "company",
        /// A non-commercial organisation: university, research institute, union.
        Organisation => "organisation",
        /// A government body, ministry, regulator, state-owned holding
        /// authority or armed force.
        PublicBody => "public-body",
        /// A natural person.
        Person => "person",
        /// A product or trade brand, not a legal person.
        Brand => "brand",
        /// A body that keeps a [`List`](crate::List) of designations.
        Authority => "authority",
    }
}

vocabulary! {
    /// The role a [`Name`] plays for its entity.
    pub enum NameKind {
        /// The registered legal name, in Latin script.
        Legal => "legal",
        /// Another name the entity is known by.
        Alias => "alias",
        /// A name the entity used before.
        Former => "former",
        /// A trade or product brand the entity sells under.
        Brand => "brand",
        /// A short form or acronym (CETC, UNV).
        Abbreviation => "abbreviation",
        /// A name written in Chinese characters (simplified or traditional).
        Chinese => "chinese",
        /// The organisation name under which the IEEE Registration Authority
        /// assigned MAC address blocks, exactly as registered.
        IeeeAssignee => "ieee-assignee",
    }
}

vocabulary! {
    /// The dominant writing system of a name, detected from its characters.
    pub enum Script {
        /// Latin letters (with or without diacritics).
        Latin => "latin",
        /// Chinese characters (Han), simplified or traditional.
        Han => "han",
        /// Cyrillic letters.
        Cyrillic => "cyrillic",
        /// Letters from two or more of the scripts above.
        Mixed => "mixed",
        /// No letters, or letters of another script.
        Other => "other",
    }
}

impl Script {
    /// Detects the script of `text` from its letters; digits and punctuation
    /// are ignored.
    pub fn detect(text: &str) -> Script {
        let (mut latin, mut han, mut cyrillic, mut other) = (false, false, false, false);
        for c in text.chars().filter(|c| c.is_alphabetic()) {
            match c as u32 {
                0x41..=0x5A
                | 0x61..=0x7A
                | 0xC0..=0x24F
                | 0x1E00..=0x1EFF
                | 0xFF21..=0xFF3A
                | 0xFF41..=0xFF5A => latin = true,
                0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F => {
                    han = true
                }
                0x400..=0x52F => cyrillic = true,
                _ => other = true,
            }
        }
        match (latin, han, cyrillic, other) {
            (true, false, false, false) => Script::Latin,
            (false, true, false, false) => Script::Han,
            (false, false, true, false) => Script::Cyrillic,
            (false, false, false, _) => Script::Other,
            _ => Script::Mixed,
        }
    }
}

/// An ISO 3166-1 alpha-2 country code, or `EU` for the European Union as a
/// jurisdiction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CountryCode([u8; 2]);

/// Why a string is not a [`CountryCode`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CountryError {
    /// The rejected text.
    pub text: String,
}

impl fmt::Display for CountryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hint = match self.text.as_str() {
            "UK" => " (the United Kingdom is GB)",
            "EL" => " (Greece is GR)",
            _ => "",
        };
        write!(
            f,
            "unknown country code {:?}{hint}: expected an ISO 3166-1 alpha-2 code such as CN, NL or \
             GB, or EU",
            self.text
        )
    }
}

impl std::error::Error for CountryError {}

/// ISO 3166-1 alpha-2 codes officially assigned, plus EU (used here for the
/// Union as a jurisdiction) and XK (Kosovo, user-assigned but in common use).
const COUNTRY_CODES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ \
BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK \
DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW \
GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB \
LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC \
NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC \
SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ \
UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW EU XK";

/// Index of a two-letter upper-case code in [`VALID_CODES`].
const fn code_index(a: u8, b: u8) -> usize {
    (a - b'A') as usize * 26 + (b - b'A') as usize
}

/// Which of the 676 two-letter codes are accepted, from [`COUNTRY_CODES`]
/// at compile time (a lookup instead of a scan of the list).
static VALID_CODES: [bool; 676] = {
    let list = COUNTRY_CODES.as_bytes();
    let mut table = [false; 676];
    let mut i = 0;
    while i + 1 < list.len() {
        let (a, b) = (list[i], list[i + 1]);
        if a.is_ascii_uppercase() && b.is_ascii_uppercase() {
            table[code_index(a, b)] = true;
            i += 2;
        } else {
            i += 1;
        }
    }
    table
};

impl CountryCode {
    /// Parses an upper-case two-letter code from the accepted set.
    pub fn new(text: &str) -> Result<Self, CountryError> {
        let bytes = text.as_bytes();
        if bytes.len() == 2
            && bytes.iter().all(u8::is_ascii_uppercase)
            && VALID_CODES[code_index(bytes[0], bytes[1])]
        {
            Ok(CountryCode([bytes[0], bytes[1]]))
        } else {
            Err(CountryError {
                text: text.to_owned(),
            })
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII upper-case letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for CountryCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

vocabulary! {
    /// The register or namespace an [`Identifier`] belongs to.
    pub enum IdentifierScheme {
        /// Legal Entity Identifier (ISO 17442), 20 characters.
        Lei => "lei",
        /// Netherlands Chamber of Commerce (KvK) registration number.
        Kvk => "kvk",
        /// PRC Unified Social Credit Code, 18 characters.
        Uscc => "uscc",
        /// EU VAT number with its country prefix.
        Vat => "vat",
        /// Dun & Bradstreet D-U-N-S number.
        Duns => "duns",
        /// Shenzhen Stock Exchange security code.
        Szse => "szse",
        /// Shanghai Stock Exchange security code.
        Sse => "sse",
        /// Hong Kong Exchanges stock code.
        Hkex => "hkex",
        /// New York Stock Exchange ticker.
        Nyse => "nyse",
        /// The entity's own web domain.
        Website => "website",
    }
}

/// A registration number, stock code or domain that identifies an entity.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Identifier {
    /// The register the value belongs to.
    pub scheme: IdentifierScheme,
    /// The value as the register writes it.
    pub value: String,
    /// The sources that state it.
    pub sources: Vec<SourceId>,
    /// Whether the sources support it.
    pub verification: Verification,
}

/// One name of an entity.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Name {
    /// The name exactly as the source writes it.
    pub value: String,
    /// Its role.
    pub kind: NameKind,
    /// A BCP 47 language tag when it matters (`zh-Hans`, `zh-Hant`).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub lang: Option<String>,
    /// When the name came into use, if known.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub start: Option<PartialDate>,
    /// When the name stopped being used, if known.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub end: Option<PartialDate>,
    /// The sources that state it.
    pub sources: Vec<SourceId>,
    /// Whether the sources support it.
    pub verification: Verification,
}

impl Name {
    /// The writing system of the name.
    pub fn script(&self) -> Script {
        Script::detect(&self.value)
    }
}

/// A company, public body, person, brand or authority.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Entity {
    /// Stable id.
    pub id: EntityId,
    /// What it is.
    pub kind: EntityKind,
    /// The name to show: the legal name, or the brand for a brand.
    pub caption: String,
    /// Country of registration or seat.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub country: Option<CountryCode>,
    /// Set when the entity is an organ of a state (a ministry, a
    /// state-asset commission, an armed force): the state it belongs to.
    /// Control chains end here.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub state: Option<CountryCode>,
    /// All names, the caption first.
    pub names: Vec<Name>,
    /// Registration numbers, stock codes and domains.
    pub identifiers: Vec<Identifier>,
    /// A short description in the registry's own words.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub note: Option<String>,
    /// The sources that establish the entity and its caption.
    pub sources: Vec<SourceId>,
    /// Whether the sources support it.
    pub verification: Verification,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_scripts() {
        assert_eq!(
            Script::detect("Hangzhou Hikvision Digital Technology Co.,Ltd."),
            Script::Latin
        );
        assert_eq!(
            Script::detect("杭州海康威视数字技术股份有限公司"),
            Script::Han
        );
        assert_eq!(Script::detect("ＨＵＡＷＥＩ"), Script::Latin);
        assert_eq!(Script::detect("Касперский"), Script::Cyrillic);
        assert_eq!(Script::detect("萤石 EZVIZ"), Script::Mixed);
        assert_eq!(Script::detect("002415"), Script::Other);
        assert_eq!(Script::detect("Nuctech Warszawa Spółka"), Script::Latin);
    }

    #[test]
    fn country_codes() {
        assert_eq!(CountryCode::new("CN").unwrap().as_str(), "CN");
        assert!(CountryCode::new("EU").is_ok());
        let err = CountryCode::new("UK").unwrap_err();
        assert!(
            err.to_string().contains("the United Kingdom is GB"),
            "{err}"
        );
        assert!(CountryCode::new("cn").is_err());
        assert!(CountryCode::new("CHN").is_err());
    }
}
