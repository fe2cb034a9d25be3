//! From a name as written to the tokens that are compared.
//!
//! The steps, in order:
//! 1. Unicode NFKC (full-width and compatibility forms become plain ones),
//!    then per character: Han characters are kept; Latin letters lose their
//!    diacritics (`é`→`e`, `ł`→`l`, `ß`→`ss`); other scripts are
//!    transliterated (`deunicode`); everything is lower-cased.
//! 2. Tokens are runs of letters and digits. Apostrophes vanish
//!    ("People's" is `peoples`); `&` is the word `and`; single letters
//!    joined by dots or slashes are one token ("B.V." is `bv`, "A/S" is
//!    `as`).
//! 3. Abbreviations and spelling variants take one canonical form
//!    ("Tech", "Technologies" → `technology`).
//! 4. Stop words (`and`, `of`, `de`, …) are dropped; legal forms are
//!    detected and removed: at the end of the name, at its start for the
//!    Nordic and Baltic prefix forms, and anywhere for forms that cannot be
//!    ordinary words. What was removed is kept for the explanation.
//! 5. Each remaining token gets a class: generic (a descriptor such as
//!    "technology" or "group"), location (a place name) or distinctive.
//! 6. Han text is segmented against the same lists in Chinese (legal forms,
//!    places, descriptors); what is left between known words is one
//!    distinctive token. Every Han token carries a pinyin key
//!    (海康威视 → `haikangweishi`) so that it can meet a Latin spelling.

use std::collections::HashMap;
use std::sync::LazyLock;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

use crate::lexicon;

/// Longest name read, in characters. Longer input is cut here: company names
/// are short, and a runaway field must not cost more than a name.
pub const MAX_NAME_CHARS: usize = 512;

/// Most tokens kept from one name.
pub const MAX_TOKENS: usize = 32;

/// How much a token says about which organisation is meant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// A word that names this organisation ("hikvision", "nuctech").
    Distinctive,
    /// A descriptor many organisations share ("technology", "group").
    Generic,
    /// A place name ("hangzhou", "europe").
    Location,
}

impl Class {
    /// The word used in explanations.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Distinctive => "distinctive",
            Class::Generic => "generic",
            Class::Location => "place",
        }
    }
}

/// One token of a normalised name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// The folded text (ASCII, or Han characters for a Han token).
    pub text: String,
    /// Its class.
    pub class: Class,
    /// For a Han token: the toneless pinyin of its characters, run together.
    pub pinyin: Option<String>,
    /// The word as written before an abbreviation was expanded ("tech").
    pub expanded_from: Option<String>,
}

impl Token {
    /// Whether the token is written in Han characters.
    pub fn is_han(&self) -> bool {
        self.pinyin.is_some()
    }
}

/// A legal form found in a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegalForm {
    /// The canonical label ("BV", "Co Ltd", "Ltd (有限公司)").
    pub label: &'static str,
    /// The tokens it was read from ("b v", "co ltd").
    pub written: String,
}

/// A name ready to be compared.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Normalized {
    /// The kept tokens, in order.
    pub tokens: Vec<Token>,
    /// Legal forms removed.
    pub legal_forms: Vec<LegalForm>,
    /// Stop words removed.
    pub stop_words: Vec<String>,
    /// The input was longer than [`MAX_NAME_CHARS`] or had more than
    /// [`MAX_TOKENS`] tokens and was cut.
    pub truncated: bool,
}

impl Normalized {
    /// The tokens as text, space-separated: a compact view for tests and
    /// explanations.
    pub fn key(&self) -> String {
        let mut s = String::new();
        for t in &self.tokens {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(&t.text);
        }
        s
    }

    /// Whether the name has at least one distinctive token.
    pub fn has_distinctive(&self) -> bool {
        self.tokens.iter().any(|t| t.class == Class::Distinctive)
    }
}

struct Lexicon {
    legal: HashMap<&'static str, &'static str>,
    legal_max_tokens: usize,
    ambiguous: Vec<&'static str>,
    prefix: Vec<&'static str>,
    abbreviations: HashMap<&'static str, &'static str>,
    classes: HashMap<&'static str, Class>,
    stop: Vec<&'static str>,
    han_words: HashMap<&'static str, HanWord>,
    han_max_chars: usize,
}

#[derive(Clone, Copy)]
enum HanWord {
    Legal(&'static str),
    Class(Class),
}

static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| {
    let mut han_words = HashMap::new();
    for &(w, label) in lexicon::HAN_LEGAL_FORMS {
        han_words.insert(w, HanWord::Legal(label));
    }
    for &w in lexicon::HAN_LOCATIONS {
        han_words.insert(w, HanWord::Class(Class::Location));
    }
    for &w in lexicon::HAN_GENERIC {
        han_words.entry(w).or_insert(HanWord::Class(Class::Generic));
    }
    let han_max_chars = han_words
        .keys()
        .map(|w| w.chars().count())
        .max()
        .unwrap_or(1);
    let mut classes = HashMap::new();
    for &w in lexicon::GENERIC_WORDS {
        classes.insert(w, Class::Generic);
    }
    for &w in lexicon::LOCATION_WORDS {
        classes.insert(w, Class::Location);
    }
    for &w in lexicon::LEGAL_WORDS {
        classes.entry(w).or_insert(Class::Generic);
    }
    Lexicon {
        legal: lexicon::LEGAL_FORMS.iter().copied().collect(),
        legal_max_tokens: lexicon::LEGAL_FORMS
            .iter()
            .map(|(w, _)| w.split(' ').count())
            .max()
            .unwrap_or(1),
        ambiguous: lexicon::AMBIGUOUS_LEGAL_FORMS.to_vec(),
        prefix: lexicon::PREFIX_LEGAL_FORMS.to_vec(),
        abbreviations: lexicon::ABBREVIATIONS.iter().copied().collect(),
        classes,
        stop: lexicon::STOP_WORDS.to_vec(),
        han_words,
        han_max_chars,
    }
});

/// The class of a folded Latin-script word, as the lexicon gives it.
/// A plural of a listed descriptor ("cameras", "partners") is a
/// descriptor too.
pub fn class_of(word: &str) -> Class {
    let classes = &LEXICON.classes;
    if let Some(&c) = classes.get(word) {
        return c;
    }
    if word.len() > 4
        && let Some(stem) = word.strip_suffix('s')
        && classes.get(stem) == Some(&Class::Generic)
    {
        return Class::Generic;
    }
    Class::Distinctive
}

/// Whether `c` is a Han (CJK ideograph) character.
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2A6DF | 0x2A700..=0x2EBEF | 0x2F800..=0x2FA1F)
}

/// A raw token before classification: folded text, whether it is Han, and
/// the separator that followed it.
struct Raw {
    text: String,
    han: bool,
    sep: char,
    /// A run of initials ("b", "b.v"): another initial may join it.
    joinable: bool,
}

/// Normalises one name. Never fails: a name with nothing usable gives no
/// tokens.
pub fn normalize(name: &str) -> Normalized {
    let mut out = Normalized::default();
    let raws = split(name, &mut out.truncated);
    let raws = join_initials(raws);
    let lex = &*LEXICON;

    // Latin tokens are processed in runs between Han runs, so a legal form
    // never spans scripts; Han runs are segmented on their own.
    let mut latin: Vec<(String, Option<String>)> = Vec::new();
    for raw in raws {
        if raw.han {
            finish_latin(&mut latin, &mut out, lex);
            segment_han(&raw.text, &mut out, lex);
        } else {
            let (text, from) = match lex.abbreviations.get(raw.text.as_str()) {
                Some(&canon) => (canon.to_string(), Some(raw.text)),
                None => (raw.text, None),
            };
            latin.push((text, from));
        }
    }
    finish_latin(&mut latin, &mut out, lex);
    if out.tokens.len() > MAX_TOKENS {
        out.tokens.truncate(MAX_TOKENS);
        out.truncated = true;
    }
    out
}

/// Step 1 and 2: fold characters and cut into raw tokens.
fn split(name: &str, truncated: &mut bool) -> Vec<Raw> {
    let mut raws: Vec<Raw> = Vec::new();
    let mut cur = String::new();
    let mut cur_han = false;
    let mut count = 0usize;

    fn flush(raws: &mut Vec<Raw>, cur: &mut String, han: bool, sep: char) {
        if !cur.is_empty() {
            raws.push(Raw {
                text: std::mem::take(cur),
                han,
                sep,
                joinable: false,
            });
        } else if let Some(last) = raws.last_mut()
            && sep != ' '
            && last.sep == ' '
        {
            // Keep the more telling separator: "B. V." reads as "B.V.".
            last.sep = sep;
        }
    }

    let feed = |c: char, raws: &mut Vec<Raw>, cur: &mut String, cur_han: &mut bool| {
        if is_han(c) {
            if !*cur_han {
                flush(raws, cur, false, ' ');
                *cur_han = true;
            }
            cur.push(c);
            return;
        }
        if *cur_han {
            flush(raws, cur, true, ' ');
            *cur_han = false;
        }
        if c.is_ascii_alphanumeric() {
            cur.push(c.to_ascii_lowercase());
        } else if matches!(
            c,
            '\'' | '\u{2019}' | '\u{2018}' | '`' | '\u{2bc}' | '\u{b4}'
        ) {
            // apostrophes join: "People's" → "peoples"
        } else if c == '&' || c == '+' {
            flush(raws, cur, false, ' ');
            raws.push(Raw {
                text: "and".to_string(),
                han: false,
                sep: ' ',
                joinable: false,
            });
        } else if c.is_ascii() {
            let sep = if c == '.' || c == '/' { c } else { ' ' };
            flush(raws, cur, false, sep);
        } else {
            fold_char(c, cur, raws);
        }
    };

    if name.is_ascii() {
        for c in name.chars() {
            count += 1;
            if count > MAX_NAME_CHARS {
                *truncated = true;
                break;
            }
            feed(c, &mut raws, &mut cur, &mut cur_han);
        }
    } else {
        for c in name.nfkc() {
            count += 1;
            if count > MAX_NAME_CHARS {
                *truncated = true;
                break;
            }
            feed(c, &mut raws, &mut cur, &mut cur_han);
        }
    }
    flush(&mut raws, &mut cur, cur_han, ' ');
    raws
}

/// Folds one non-ASCII, non-Han character into `cur`: letters lose their
/// diacritics, other scripts are transliterated, anything else separates.
fn fold_char(c: char, cur: &mut String, raws: &mut Vec<Raw>) {
    let special = match c {
        'ß' | 'ẞ' => Some("ss"),
        'æ' | 'Æ' => Some("ae"),
        'œ' | 'Œ' => Some("oe"),
        'ø' | 'Ø' => Some("o"),
        'ł' | 'Ł' => Some("l"),
        'đ' | 'Đ' | 'ð' | 'Ð' => Some("d"),
        'þ' | 'Þ' => Some("th"),
        'ı' => Some("i"),
        _ => None,
    };
    if let Some(s) = special {
        cur.push_str(s);
        return;
    }
    if c.is_alphabetic() || c.is_numeric() {
        let mut base = String::new();
        decompose_canonical(c, |d| {
            if !is_combining_mark(d) {
                base.push(d);
            }
        });
        if !base.is_empty() && base.is_ascii() {
            cur.extend(base.chars().map(|b| b.to_ascii_lowercase()));
            return;
        }
        if let Some(t) = deunicode::deunicode_char(c) {
            for b in t.chars() {
                if b.is_ascii_alphanumeric() {
                    cur.push(b.to_ascii_lowercase());
                } else if !cur.is_empty() {
                    raws.push(Raw {
                        text: std::mem::take(cur),
                        han: false,
                        sep: ' ',
                        joinable: false,
                    });
                }
            }
            return;
        }
    }
    if is_combining_mark(c) {
        return;
    }
    if !cur.is_empty() {
        raws.push(Raw {
            text: std::mem::take(cur),
            han: false,
            sep: ' ',
            joinable: false,
        });
    }
}

/// Joins single letters separated by dots or slashes: "b.v." → `bv`,
/// "a/s" → `as`, "sp. z o.o." → `sp z oo`.
fn join_initials(raws: Vec<Raw>) -> Vec<Raw> {
    let single =
        |r: &Raw| !r.han && r.text.len() == 1 && r.text.as_bytes()[0].is_ascii_alphabetic();
    let mut out: Vec<Raw> = Vec::with_capacity(raws.len());
    for raw in raws {
        if let Some(last) = out.last_mut()
            && single(&raw)
            && matches!(last.sep, '.' | '/')
            && last.joinable
        {
            last.text.push_str(&raw.text);
            last.sep = raw.sep;
            continue;
        }
        let joinable = single(&raw);
        out.push(Raw { joinable, ..raw });
    }
    out
}

/// Steps 4 and 5 for one run of Latin tokens.
fn finish_latin(run: &mut Vec<(String, Option<String>)>, out: &mut Normalized, lex: &Lexicon) {
    if run.is_empty() {
        return;
    }
    let mut words: Vec<(String, Option<String>)> = Vec::with_capacity(run.len());
    for (w, from) in run.drain(..) {
        if lex.stop.contains(&w.as_str()) {
            out.stop_words.push(w);
        } else {
            words.push((w, from));
        }
    }
    let mut legal: Vec<LegalForm> = Vec::new();
    let mut buf = String::new();
    let matches_at =
        |words: &[(String, Option<String>)], start: usize, len: usize, buf: &mut String| {
            buf.clear();
            for (i, (w, from)) in words[start..start + len].iter().enumerate() {
                if i > 0 {
                    buf.push(' ');
                }
                // Legal forms are spelt as written ("co", not "company").
                buf.push_str(from.as_deref().unwrap_or(w));
            }
            lex.legal.get(buf.as_str()).copied()
        };

    // At the end: repeatedly strip the longest legal form ending there.
    let mut end = words.len();
    'outer: while end > 0 {
        for len in (1..=lex.legal_max_tokens.min(end)).rev() {
            if let Some(label) = matches_at(&words, end - len, len, &mut buf) {
                legal.push(LegalForm {
                    label,
                    written: buf.clone(),
                });
                end -= len;
                continue 'outer;
            }
        }
        break;
    }
    legal.reverse();
    words.truncate(end);

    // At the start: Nordic and Baltic prefix forms ("AB Volvo", "UAB ...").
    if words.len() > 1 && lex.prefix.contains(&words[0].0.as_str()) {
        let (w, _) = words.remove(0);
        let label = lex.legal.get(w.as_str()).copied().unwrap_or("AB");
        legal.insert(0, LegalForm { label, written: w });
    }

    // Anywhere: forms that cannot be ordinary words.
    let mut i = 0;
    while i < words.len() {
        let mut hit = None;
        for len in (1..=lex.legal_max_tokens.min(words.len() - i)).rev() {
            if let Some(label) = matches_at(&words, i, len, &mut buf)
                && !lex.ambiguous.contains(&buf.as_str())
            {
                hit = Some((label, len, buf.clone()));
                break;
            }
        }
        match hit {
            Some((label, len, written)) => {
                legal.push(LegalForm { label, written });
                words.drain(i..i + len);
            }
            None => i += 1,
        }
    }
    out.legal_forms.extend(legal);

    for (text, from) in words {
        let class = class_of(&text);
        out.tokens.push(Token {
            text,
            class,
            pinyin: None,
            expanded_from: from,
        });
    }
}

/// Step 6: segments a run of Han characters.
fn segment_han(run: &str, out: &mut Normalized, lex: &Lexicon) {
    let chars: Vec<char> = run.chars().collect();
    let mut unknown = String::new();
    let mut i = 0;
    let mut word = String::new();
    while i < chars.len() {
        let mut hit = None;
        for len in (1..=lex.han_max_chars.min(chars.len() - i)).rev() {
            word.clear();
            word.extend(&chars[i..i + len]);
            if let Some(&w) = lex.han_words.get(word.as_str()) {
                hit = Some((w, len));
                break;
            }
        }
        match hit {
            Some((w, len)) => {
                push_han(&mut unknown, Class::Distinctive, out);
                match w {
                    HanWord::Legal(label) => out.legal_forms.push(LegalForm {
                        label,
                        written: word.clone(),
                    }),
                    HanWord::Class(class) => {
                        let mut text = word.clone();
                        push_han(&mut text, class, out);
                    }
                }
                i += len;
            }
            None => {
                unknown.push(chars[i]);
                i += 1;
            }
        }
    }
    push_han(&mut unknown, Class::Distinctive, out);
}

fn push_han(text: &mut String, class: Class, out: &mut Normalized) {
    if text.is_empty() {
        return;
    }
    let text = std::mem::take(text);
    out.tokens.push(Token {
        pinyin: Some(pinyin_key(&text)),
        text,
        class,
        expanded_from: None,
    });
}

/// The toneless pinyin of Han text, syllables run together
/// (海康威视 → `haikangweishi`). Characters without a reading are skipped.
pub fn pinyin_key(text: &str) -> String {
    use pinyin::ToPinyin;
    let mut key = String::new();
    for p in text.to_pinyin().flatten() {
        key.push_str(p.plain());
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> String {
        normalize(s).key()
    }

    fn legal(s: &str) -> Vec<&'static str> {
        normalize(s).legal_forms.iter().map(|l| l.label).collect()
    }

    #[test]
    fn folds_width_case_and_diacritics() {
        assert_eq!(key("ＨＵＡＷＥＩ"), "huawei");
        assert_eq!(key("Société Générale"), "societe generale");
        assert_eq!(key("Łódź Straße"), "lodz strasse");
        assert_eq!(key("People's Liberation Army"), "peoples liberation army");
    }

    #[test]
    fn removes_legal_forms_and_keeps_them() {
        assert_eq!(key("Hikvision Europe B.V."), "hikvision europe");
        assert_eq!(legal("Hikvision Europe B.V."), ["BV"]);
        assert_eq!(key("Huawei Technologies Co., Ltd."), "huawei technology");
        assert_eq!(legal("Huawei Technologies Co., Ltd."), ["Co Ltd"]);
        assert_eq!(key("Nuctech Warsaw Company Limited"), "nuctech warsaw");
        assert_eq!(key("Dahua Polska Sp. z o.o."), "dahua polska");
        assert_eq!(legal("Dahua Polska Sp. z o.o."), ["Sp z oo"]);
        assert_eq!(
            key("Dahua Polska spółka z ograniczoną odpowiedzialnością"),
            "dahua polska"
        );
        assert_eq!(key("Hytera Mobilfunk GmbH"), "hytera mobilfunk");
        assert_eq!(key("Siemens AG"), "siemens");
        assert_eq!(key("Telefónica, S.A."), "telefonica");
        assert_eq!(key("Leonardo S.p.A."), "leonardo");
        assert_eq!(key("AB Volvo (publ)"), "volvo");
        assert_eq!(legal("AB Volvo (publ)"), ["AB", "AB"]);
        assert_eq!(key("Vestas Wind Systems A/S"), "vestas wind systems");
        assert_eq!(key("ZTE Corporation"), "zte");
        assert_eq!(key("Müller GmbH & Co. KG"), "muller");
        // Ambiguous forms stay when they are part of the name.
        assert_eq!(key("SA Power Networks"), "sa power network");
        assert_eq!(key("Co-operative Bank Limited"), "co operative bank");
    }

    #[test]
    fn expands_abbreviations_and_drops_stop_words() {
        assert_eq!(
            key("Guangzhou Haige Comm Grp"),
            "guangzhou haige communications group"
        );
        assert_eq!(
            key("Huawei Investment & Holding"),
            "huawei investment holding"
        );
        assert_eq!(normalize("Huawei Investment & Holding").stop_words, ["and"]);
        assert_eq!(key("Intl Tech Svcs"), "international technology services");
    }

    #[test]
    fn classifies_tokens() {
        let n = normalize("Hangzhou Hikvision Digital Technology Co., Ltd.");
        let classes: Vec<_> = n
            .tokens
            .iter()
            .map(|t| (t.text.as_str(), t.class))
            .collect();
        assert_eq!(
            classes,
            [
                ("hangzhou", Class::Location),
                ("hikvision", Class::Distinctive),
                ("digital", Class::Generic),
                ("technology", Class::Generic)
            ]
        );
        assert!(!normalize("Digital Technology Group BV").has_distinctive());
        assert!(
            normalize("Technologies Co. Ltd")
                .tokens
                .iter()
                .all(|t| t.class != Class::Distinctive)
        );
    }

    #[test]
    fn segments_han_names() {
        let n = normalize("杭州海康威视数字技术股份有限公司");
        let toks: Vec<_> = n
            .tokens
            .iter()
            .map(|t| (t.text.as_str(), t.class, t.pinyin.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            toks,
            [
                ("杭州", Class::Location, "hangzhou"),
                ("海康威视", Class::Distinctive, "haikangweishi"),
                ("数字", Class::Generic, "shuzi"),
                ("技术", Class::Generic, "jishu")
            ]
        );
        assert_eq!(n.legal_forms[0].label, "JSC (股份有限公司)");
        assert_eq!(key("华为技术有限公司"), "华为 技术");
        assert_eq!(key("中兴通讯股份有限公司"), "中兴 通讯");
    }

    #[test]
    fn transliterates_other_scripts() {
        assert_eq!(key("Касперский"), "kasperskii");
    }

    #[test]
    fn survives_hostile_input() {
        let long = "x".repeat(10_000_000);
        let n = normalize(&long);
        assert!(n.truncated);
        assert_eq!(n.tokens[0].text.len(), MAX_NAME_CHARS);
        assert_eq!(normalize("").tokens, []);
        assert_eq!(normalize("... --- ,,,").tokens, []);
        let many = "a b c d e f g h i j k l m n o p q r s t u v w x y z aa bb cc dd ee ff gg hh";
        let n = normalize(many);
        assert_eq!(n.tokens.len(), MAX_TOKENS);
        assert!(n.truncated);
    }
}
