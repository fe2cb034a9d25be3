//! The word lists normalisation works from.
//!
//! Most of them are data files under `data/lexicon/`, compiled by the build
//! script into the tables included below (folded exactly as names are):
//!
//! - legal forms: the ISO 20275 Entity Legal Forms code list published by
//!   GLEIF (version 1.5, 2023-09-28), the entries whose names are company
//!   forms, with what `legal-forms.toml` adds (abbreviations the code list
//!   lacks, English renderings of foreign forms, forms shared by many
//!   jurisdictions); each form has a class and the countries it belongs to;
//! - descriptors (`descriptors.toml`: words that say what an organisation
//!   does or how it is organised, each with one canonical English token and
//!   its spellings and translations, Chinese ones included) and places
//!   (`places.toml`: countries, regions, cities and continents, with their
//!   names in other languages and in Chinese);
//! - ordinary words (`word-frequency.txt`: words at least about once in
//!   three million words of text in one of the EU languages, Russian,
//!   Ukrainian, Bulgarian or Turkish, from the wordfreq project's lists),
//!   which tell a coined name ("Hikvision") from a word of the language
//!   ("delta", "scanner").
//!
//! Stop words and number words are short and live here.

use hashbrown::HashMap;
use std::sync::LazyLock;

include!(concat!(env!("OUT_DIR"), "/lexicon.rs"));

/// A legal form as the build script compiled it.
#[derive(Debug)]
pub(crate) struct LegalData {
    /// Folded words, joined by single spaces ("sp z oo").
    pub text: &'static str,
    /// What explanations show ("Sp z oo", "GmbH").
    pub label: &'static str,
    /// The countries it belongs to (`**` for any) with its class there.
    pub kinds: &'static [([u8; 2], LegalClass)],
    /// The records it comes from (a code-list entry in one language, or a
    /// record of `legal-forms.toml`): two spellings of one record are one
    /// form ("Sp. z o.o." and "spółka z ograniczoną odpowiedzialnością").
    pub entries: &'static [u32],
    /// It may stand before the name.
    pub prefix: bool,
    /// It is also a word or initials: it counts only at the end of a name
    /// (or at its start, if `prefix`).
    pub ambiguous: bool,
}

/// A descriptor or place phrase as the build script compiled it.
#[derive(Debug)]
pub(crate) struct PhraseData {
    /// Folded words, joined by single spaces.
    pub text: &'static str,
    /// The token it becomes.
    pub canonical: &'static str,
    /// `Some` for a place.
    pub place: Option<PlaceKind>,
    /// A place's country (ISO 3166-1), or empty.
    #[allow(dead_code)]
    pub country: &'static str,
}

/// A Chinese descriptor or place word.
#[derive(Debug)]
pub(crate) struct HanData {
    /// The characters.
    pub text: &'static str,
    /// A place rather than a descriptor.
    pub place: bool,
    /// The canonical English token with the same meaning.
    pub gloss: &'static str,
}

/// What kind of company a legal form makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LegalClass {
    /// Private company limited by shares or quotas (GmbH, BV, SARL, OOO).
    PrivateLimited,
    /// Joint-stock or public limited company (AG, SA, NV, PLC, AO).
    JointStock,
    /// Simplified joint-stock company (SAS, PSA).
    SimplifiedJointStock,
    /// Limited partnership (KG, SCS, LP).
    LimitedPartnership,
    /// Partnership limited by shares (KGaA, SCA).
    SharePartnership,
    /// General partnership (OHG, SNC, VOF).
    GeneralPartnership,
    /// Limited liability partnership (LLP, PartG).
    LimitedLiabilityPartnership,
    /// European company (SE).
    EuropeanCompany,
    /// Cooperative (eG, SCRL).
    Cooperative,
    /// Registered association (e.V., ASBL).
    Association,
    /// State or municipal unitary enterprise (FGUP, MUP).
    StateEnterprise,
    /// A word that only says "company" ("Co", "Corp", 公司).
    Generic,
}

impl LegalClass {
    /// The class as explanations name it.
    pub fn as_str(self) -> &'static str {
        match self {
            LegalClass::PrivateLimited => "private limited company",
            LegalClass::JointStock => "joint-stock company",
            LegalClass::SimplifiedJointStock => "simplified joint-stock company",
            LegalClass::LimitedPartnership => "limited partnership",
            LegalClass::SharePartnership => "partnership limited by shares",
            LegalClass::GeneralPartnership => "general partnership",
            LegalClass::LimitedLiabilityPartnership => "limited liability partnership",
            LegalClass::EuropeanCompany => "European company",
            LegalClass::Cooperative => "cooperative",
            LegalClass::Association => "association",
            LegalClass::StateEnterprise => "state enterprise",
            LegalClass::Generic => "company",
        }
    }
}

/// What kind of place a place name is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PlaceKind {
    Country,
    Region,
    City,
    Continent,
}

/// Words that join parts of a name and carry nothing ("Huawei Investment
/// & Holding", "Banco de ..."). `&` is read as `and`. They are kept as
/// tokens of no weight, so that "van der bilt" can still meet
/// "vanderbilt" and "Bank of China" its initials.
pub(crate) const STOP_WORDS: &[&str] = &[
    "and", "und", "et", "en", "og", "och", "ja", "of", "the", "de", "der", "die", "das", "des",
    "la", "le", "les", "van", "von", "del", "della", "for", "fur", "voor", "per", "pour",
    // Greek της, του, των, και as folded
    "tes", "tou", "ton", "kai",
];

/// Descriptors (canonical tokens) that name a kind of body of its own: a
/// name that has one of them where the other lacks it is another legal
/// entity (a holding and its operating company, a group and a member, an
/// institute or a foundation and the company behind it).
pub(crate) const ENTITY_WORDS: &[&str] = &[
    "holding",
    "group",
    "foundation",
    "association",
    "institute",
    "union",
    "committee",
    "council",
    "fund",
    "trust",
    "university",
    "academy",
    "school",
    "hospital",
];

/// Number words, and the value each stands for. English, German, French,
/// Dutch, Spanish, Italian and Portuguese cardinals and ordinals as Unicode
/// CLDR's number spell-out rules give them
/// (<https://cldr.unicode.org/index/cldr-spec/plural-rules>, CLDR 44,
/// 2023-10-31), without those that are also common words or names in
/// organisation names ("elf", "otto", "due", "dos", "sei", and the
/// articles "un", "une", "uno", "een", "ein").
const NUMBER_WORDS: &[(&str, u32)] = &[
    ("zero", 0),
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("thirteen", 13),
    ("fourteen", 14),
    ("fifteen", 15),
    ("sixteen", 16),
    ("seventeen", 17),
    ("eighteen", 18),
    ("nineteen", 19),
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("fourty", 40),
    ("fifty", 50),
    ("sixty", 60),
    ("seventy", 70),
    ("eighty", 80),
    ("ninety", 90),
    ("first", 1),
    ("second", 2),
    ("third", 3),
    ("fourth", 4),
    ("fifth", 5),
    ("sixth", 6),
    ("seventh", 7),
    ("eighth", 8),
    ("ninth", 9),
    ("tenth", 10),
    ("eins", 1),
    ("zwei", 2),
    ("drei", 3),
    ("vier", 4),
    ("funf", 5),
    ("sechs", 6),
    ("sieben", 7),
    ("acht", 8),
    ("neun", 9),
    ("zehn", 10),
    ("zwolf", 12),
    ("zwanzig", 20),
    ("dreissig", 30),
    ("erste", 1),
    ("erster", 1),
    ("erstes", 1),
    ("zweite", 2),
    ("dritte", 3),
    ("deux", 2),
    ("trois", 3),
    ("quatre", 4),
    ("cinq", 5),
    ("huit", 8),
    ("neuf", 9),
    ("dix", 10),
    ("douze", 12),
    ("vingt", 20),
    ("premier", 1),
    ("premiere", 1),
    ("deuxieme", 2),
    ("troisieme", 3),
    ("twee", 2),
    ("drie", 3),
    ("vijf", 5),
    ("zes", 6),
    ("zeven", 7),
    ("negen", 9),
    ("tien", 10),
    ("twaalf", 12),
    ("eerste", 1),
    ("tweede", 2),
    ("derde", 3),
    ("tres", 3),
    ("cuatro", 4),
    ("cinco", 5),
    ("seis", 6),
    ("siete", 7),
    ("ocho", 8),
    ("nueve", 9),
    ("diez", 10),
    ("primero", 1),
    ("primera", 1),
    ("segundo", 2),
    ("tercero", 3),
    ("quattro", 4),
    ("cinque", 5),
    ("sette", 7),
    ("nove", 9),
    ("dieci", 10),
    ("primo", 1),
    ("prima", 1),
    ("secondo", 2),
    ("terzo", 3),
    ("dois", 2),
    ("quatro", 4),
    ("oito", 8),
    ("dez", 10),
    // Roman numerals, but not the single letters I, V and X, which are as
    // often initials or a name.
    ("ii", 2),
    ("iii", 3),
    ("iv", 4),
    ("vi", 6),
    ("vii", 7),
    ("viii", 8),
    ("ix", 9),
    ("xi", 11),
    ("xii", 12),
    ("xiii", 13),
    ("xiv", 14),
    ("xv", 15),
    ("xvi", 16),
    ("xvii", 17),
    ("xviii", 18),
    ("xix", 19),
    ("xx", 20),
];

/// The value of a number word or a number written in digits (with an
/// ordinal ending: "1st", "2nd", "3rd", "4th"), if `word` is one.
pub(crate) fn number_value(word: &str) -> Option<u64> {
    let first = *word.as_bytes().first()?;
    if !first.is_ascii_digit() && (NUMBER_INITIALS >> (first.wrapping_sub(b'a') & 31)) & 1 == 0 {
        return None;
    }
    let digits = word.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        let suffix = &word[digits.len()..];
        if suffix.is_empty() || matches!(suffix, "st" | "nd" | "rd" | "th") {
            return digits.parse().ok();
        }
        return None;
    }
    LEXICON.info.get(word).and_then(|i| i.number).map(u64::from)
}

/// The first letters of the number words, one bit each (a = bit 0).
const NUMBER_INITIALS: u32 = {
    let mut mask = 0u32;
    let mut i = 0;
    while i < NUMBER_WORDS.len() {
        mask |= 1 << (NUMBER_WORDS[i].0.as_bytes()[0] - b'a');
        i += 1;
    }
    mask
};

/// The multipliers of number words ("hundred", "thousand").
pub(crate) fn number_scale(word: &str) -> Option<u64> {
    match word {
        "hundred" | "hundert" | "cent" | "honderd" => Some(100),
        "thousand" | "tausend" | "mille" | "duizend" => Some(1000),
        _ => None,
    }
}

/// Legal-form words of one length and end letter, with their letter masks.
pub type LongForms = Vec<(&'static str, u32)>;

/// The tables of [`LEGAL`], [`PHRASES`] and [`HAN_WORDS`] indexed for
/// lookup, built on first use.
pub(crate) struct Lexicon {
    /// Everything the lexicon knows of a folded Latin word, found with one
    /// lookup: what normalisation asks of every word of every name.
    pub info: HashMap<&'static str, WordInfo>,
    /// The words of each form (by id), split once.
    pub legal_split: Vec<Box<[&'static str]>>,
    /// The words of seven or more letters of legal forms, by length and
    /// first letter and by length and last letter: a word one edit from
    /// one of them has a length one apart and keeps its first or its last
    /// letter, so a misspelling is looked for among a few dozen words.
    pub legal_long: HashMap<(u8, bool, u8), LongForms>,
    /// Chinese words: descriptors and places with their gloss, legal forms
    /// with their form id.
    pub han: HashMap<&'static str, HanWord>,
    /// Most characters in a Chinese word.
    pub han_max_chars: usize,
}

/// What the lexicon knows of one word.
#[derive(Debug, Default)]
pub(crate) struct WordInfo {
    /// Forms (ids into [`LEGAL`]) that start with it, most words first.
    pub by_first: Vec<u32>,
    /// Forms that end with it, most words first.
    pub by_last: Vec<u32>,
    /// Phrases (ids into [`PHRASES`]) that start with it, most words first.
    pub phrases: Vec<u32>,
    /// It is a word of some legal form.
    pub form_word: bool,
    /// It is a legal form of one word (such a word left inside a name
    /// describes: "ZTE Corporation Sverige AB").
    pub one_word_form: bool,
    /// Its class if the lexicon fixes it: a stop word, or a one-word legal
    /// form left inside a name (a descriptor).
    pub class: Option<crate::normalize::Class>,
    /// Its value, if it is a number word.
    pub number: Option<u32>,
}

/// A Chinese word of the lexicon.
#[derive(Clone, Copy, Debug)]
pub(crate) enum HanWord {
    /// A legal form (id into [`LEGAL`]).
    Legal(u32),
    /// A descriptor or a place, with its canonical English token.
    Word { place: bool, gloss: &'static str },
}

/// Word lengths from which misspelt legal-form words are recognised.
pub(crate) const MIN_LEGAL_CORRECTION: usize = 7;

/// Which letters a word holds, one bit each: one edit changes at most two
/// bits, so words further apart need no distance computed.
pub(crate) fn letter_mask(w: &str) -> u32 {
    w.bytes()
        .filter(u8::is_ascii_lowercase)
        .fold(0, |m, b| m | 1 << (b - b'a'))
}

/// The indexed lexicon.
pub(crate) static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| {
    let mut info: HashMap<&'static str, WordInfo> = HashMap::new();
    let mut legal_long: HashMap<(u8, bool, u8), LongForms> = HashMap::new();
    let mut han = HashMap::new();
    let legal_split: Vec<Box<[&'static str]>> =
        LEGAL.iter().map(|f| f.text.split(' ').collect()).collect();
    for (i, (f, words)) in LEGAL.iter().zip(&legal_split).enumerate() {
        let i = i as u32;
        if f.text.chars().any(crate::fold::is_han) {
            han.insert(f.text, HanWord::Legal(i));
            continue;
        }
        info.entry(words[0]).or_default().by_first.push(i);
        info.entry(words[words.len() - 1])
            .or_default()
            .by_last
            .push(i);
        if words.len() == 1 {
            let e = info.entry(f.text).or_default();
            e.one_word_form = true;
            e.class = Some(crate::normalize::Class::Generic);
        }
        for &w in words.iter() {
            let e = info.entry(w).or_default();
            if !e.form_word
                && w.len() >= MIN_LEGAL_CORRECTION
                && w.bytes().all(|b| b.is_ascii_lowercase())
            {
                let b = w.as_bytes();
                let len = b.len().min(255) as u8;
                let m = letter_mask(w);
                legal_long
                    .entry((len, true, b[0]))
                    .or_default()
                    .push((w, m));
                legal_long
                    .entry((len, false, b[b.len() - 1]))
                    .or_default()
                    .push((w, m));
            }
            e.form_word = true;
        }
    }
    for (i, p) in PHRASES.iter().enumerate() {
        let first = p.text.split(' ').next().unwrap_or(p.text);
        info.entry(first).or_default().phrases.push(i as u32);
    }
    for w in STOP_WORDS {
        info.entry(w).or_default().class = Some(crate::normalize::Class::Stop);
    }
    for &(w, v) in NUMBER_WORDS {
        info.entry(w).or_default().number = Some(v);
    }
    let words_of = |i: &u32| legal_split[*i as usize].len();
    for e in info.values_mut() {
        e.by_first.sort_by_key(|i| std::cmp::Reverse(words_of(i)));
        e.by_last.sort_by_key(|i| std::cmp::Reverse(words_of(i)));
        e.phrases
            .sort_by_key(|&i| std::cmp::Reverse(PHRASES[i as usize].text.split(' ').count()));
    }
    for h in HAN_WORDS {
        han.entry(h.text).or_insert(HanWord::Word {
            place: h.place,
            gloss: h.gloss,
        });
    }
    let han_max_chars = han.keys().map(|w| w.chars().count()).max().unwrap_or(1);
    Lexicon {
        info,
        legal_split,
        legal_long,
        han,
        han_max_chars,
    }
});

/// How common `word` is as a word of a language: its Zipf frequency
/// times ten (35 is about once in 300,000 words) in the language where it
/// is commonest, or 0 if it is rarer than the list records
/// (`data/lexicon/word-frequency.txt`). The build script lays the words out in an
/// open-addressing table (`ORDINARY_TABLE`: one little-endian `u32` per
/// slot, the offset of a line of `ORDINARY_WORDS` plus one, 0 for empty),
/// placed by [`crate::fold::word_hash`]; a lookup probes from the word's
/// slot until it meets the word or an empty slot.
pub(crate) fn zipf(word: &str) -> u8 {
    let slots = ORDINARY_TABLE.len() / 4;
    if slots == 0 {
        return 0;
    }
    let text = ORDINARY_WORDS.as_bytes();
    let mut at = (crate::fold::word_hash(word.as_bytes()) as usize) & (slots - 1);
    loop {
        let b = &ORDINARY_TABLE[at * 4..at * 4 + 4];
        let off = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
        if off == 0 {
            return 0;
        }
        let line = &text[off - 1..];
        let w = word.as_bytes();
        if line.len() > w.len() && &line[..w.len()] == w && line[w.len()] == b'\t' {
            return line[w.len() + 1..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .fold(0u8, |z, &c| z.saturating_mul(10).saturating_add(c - b'0'));
        }
        at = (at + 1) & (slots - 1);
    }
}

/// The legal form with id `id`.
pub(crate) fn legal(id: u32) -> &'static LegalData {
    &LEGAL[id as usize]
}

/// The id of the legal form whose folded text is `text`, for an index read
/// back from a file.
pub(crate) fn legal_id(text: &str) -> Option<u32> {
    LEGAL
        .binary_search_by(|f| f.text.cmp(text))
        .ok()
        .map(|i| i as u32)
}
