//! From a name as written to the tokens that are compared.
//!
//! The steps, in order:
//! 1. Characters are folded and the name cut into raw tokens
//!    ([`crate::fold`]): NFKC, no diacritics, other scripts transliterated,
//!    lower case; Han runs kept; "B.V." is `bv`.
//! 2. A legal form written onto the last word is cut off: after a change
//!    of case ("SiemensAG", "DahuaGmbH"), or, for forms that end no word of
//!    a language ("gmbh", "ltd", "llc", "srl", ...), whatever the case
//!    ("HUAWEIGMBH").
//! 3. Legal forms are detected and removed (kept for the explanation): at
//!    the end of the name, repeatedly ("GmbH & Co. KG"); at its start for
//!    the forms that stand before names ("AB Volvo", "OOO Romashka", "Joint
//!    Stock Company Gazprom"); anywhere for forms that cannot be ordinary
//!    words. The forms come from the ISO 20275 code list and
//!    `data/lexicon/legal-forms.toml` ([`crate::lexicon`]). A long word one
//!    edit from a legal-form word counts as that word when the result is a
//!    whole form ("Aktiengeselschaft", "Limitied").
//! 4. Descriptor and place phrases take their canonical token ("Tech",
//!    "Technologies", "Technologie" and "технологии" are `technology`;
//!    "Hong Kong" is `hongkong`, "Deutschland" is `germany`); stop words
//!    stay as tokens of no weight; number words and ordinals become digits
//!    ("Forty-Four" and "44", "First" and "1st" are `44` and `1`).
//! 5. Each token gets a class: generic (a descriptor such as "technology"
//!    or "group", or a legal-form word left inside a name), location (a
//!    place name), stop, or distinctive. A place after the first word that
//!    is not a place, or inside parentheses, is a *qualifier* ("Banco
//!    Santander México", "Bowne Global Solutions (France)"): it may make
//!    another legal entity of the same group.
//! 6. Han text is segmented against the Chinese words of the same lists
//!    (legal forms, places, descriptors); what is left between known words
//!    is one distinctive token. Every Han token carries a pinyin key
//!    (海康威视 → `haikangweishi`) so that it can meet a Latin spelling,
//!    and Han descriptors and places their English gloss (集团 → `group`).
//! 7. Distinctive Latin tokens of five or more letters carry a
//!    transliteration key
//!    ([`skeleton`]) under which the usual romanisations of one Cyrillic or
//!    Greek name agree ("Yandex" and "Iandeks", "Rosoboronexport" and
//!    "Rosoboroneksport").

use crate::fold::{self, Raw};
use crate::lexicon::{self, HanWord, LEXICON, Lexicon, MIN_LEGAL_CORRECTION, WordInfo};

pub use crate::fold::{MAX_NAME_CHARS, fold_words, is_han};

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
    /// A word that joins others and says nothing ("of", "and", "de").
    Stop,
}

impl Class {
    /// The word used in explanations.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Distinctive => "distinctive",
            Class::Generic => "generic",
            Class::Location => "place",
            Class::Stop => "stop word",
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
    /// For a Han descriptor or place: its canonical English token.
    pub gloss: Option<&'static str>,
    /// For a distinctive Latin token of five or more letters: its
    /// transliteration key,
    /// when it differs from the text.
    pub skeleton: Option<String>,
    /// The words as written before they took the canonical form ("tech",
    /// "hong kong", "forty four").
    pub expanded_from: Option<String>,
    /// A number (the text is its digits).
    pub number: bool,
    /// A place that qualifies the name (after its first word that is not a
    /// place, or inside parentheses).
    pub qualifier: bool,
    /// The name's abbreviation of itself, in parentheses ("(PEDCO)"): it
    /// counts when matched and costs nothing when the other side lacks it.
    pub alias: bool,
}

impl Token {
    fn latin(text: String, class: Class) -> Token {
        Token {
            text,
            class,
            pinyin: None,
            gloss: None,
            skeleton: None,
            expanded_from: None,
            number: false,
            qualifier: false,
            alias: false,
        }
    }

    /// Whether the token is written in Han characters.
    pub fn is_han(&self) -> bool {
        self.pinyin.is_some()
    }

    /// The token as written, where it is one word that took a canonical
    /// form ("tech" for `technology`, "nord" for `north`); otherwise its
    /// text. Words written together are compared by these letters:
    /// "Nuc-Tech" is "nuctech", "Nord Gold" is "nordgold".
    pub fn join_text(&self) -> &str {
        match &self.expanded_from {
            Some(w) if !self.number && !w.contains(' ') => w,
            _ => &self.text,
        }
    }
}

/// A legal form found in a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegalForm {
    /// The form's id in the lexicon.
    pub(crate) id: u32,
    /// What explanations show ("BV", "Co Ltd", "Ltd (有限公司)").
    pub label: &'static str,
    /// The tokens it was read from ("b v", "co ltd").
    pub written: String,
    /// How it was found when not as written: a misspelling read as the
    /// form, or a form written onto the name.
    pub how: Option<&'static str>,
}

/// A name ready to be compared.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Normalized {
    /// The kept tokens, in order.
    pub tokens: Vec<Token>,
    /// Legal forms removed.
    pub legal_forms: Vec<LegalForm>,
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

    /// The stop words kept (of no weight).
    pub fn stop_words(&self) -> impl Iterator<Item = &str> {
        self.tokens
            .iter()
            .filter(|t| t.class == Class::Stop)
            .map(|t| t.text.as_str())
    }
}

/// The class of a folded Latin-script word, as the lexicon gives it.
pub fn class_of(word: &str) -> Class {
    let lex = &*LEXICON;
    let info = lex.info.get(word);
    if let Some(&id) = info
        .into_iter()
        .flat_map(|i| i.phrases.iter())
        .find(|&&i| lexicon::PHRASES[i as usize].text == word)
    {
        return if lexicon::PHRASES[id as usize].place.is_some() {
            Class::Location
        } else {
            Class::Generic
        };
    }
    info.and_then(|i| i.class).unwrap_or(Class::Distinctive)
}

/// Normalises one name. Never fails: a name with nothing usable gives no
/// tokens.
pub fn normalize(name: &str) -> Normalized {
    let mut out = Normalized::default();
    let raws = fold::split(name, &mut out.truncated);
    let lex = &*LEXICON;

    // Latin tokens are processed in runs between Han runs, so a legal form
    // never spans scripts; Han runs are segmented on their own.
    let mut latin: Vec<Raw> = Vec::new();
    let mut paren_of: Vec<bool> = Vec::new();
    for raw in raws {
        if raw.han {
            finish_latin(&mut latin, &mut out, &mut paren_of, lex);
            segment_han(&raw.text, raw.paren, &mut out, &mut paren_of, lex);
        } else {
            latin.push(raw);
        }
    }
    finish_latin(&mut latin, &mut out, &mut paren_of, lex);
    mark_qualifiers(&mut out.tokens, &paren_of);
    mark_aliases(&mut out.tokens, &paren_of);
    if out.tokens.len() > MAX_TOKENS {
        out.tokens.truncate(MAX_TOKENS);
        out.truncated = true;
    }
    out
}

/// A word of a Latin run while legal forms are found.
struct Word {
    text: String,
    /// What the lexicon knows of it.
    info: Option<&'static WordInfo>,
    /// The legal-form word it is, when it is one or one edit from one.
    legal: Option<&'static str>,
    /// What the lexicon knows of that legal-form word, when it is another.
    legal_info: Option<&'static WordInfo>,
    paren: bool,
}

/// The legal-form word `w` is, or is one edit away from (when long enough
/// that a slip is more likely than another word).
fn legal_spelling(
    w: &str,
    info: Option<(&'static str, &'static WordInfo)>,
    lex: &Lexicon,
    correct: bool,
) -> Option<&'static str> {
    if let Some((key, i)) = info {
        if i.form_word {
            return Some(key);
        }
        // A word the lexicon knows otherwise is no misspelling.
        return None;
    }
    if !correct || w.len() < MIN_LEGAL_CORRECTION || !w.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    // A word one edit from a legal-form word has a length one apart and
    // keeps its first or its last letter; the true distance decides.
    let b = w.as_bytes();
    let len = b.len();
    let mask = lexicon::letter_mask(w);
    let mut found = None;
    'search: for l in len - 1..=len + 1 {
        let l = l.min(255) as u8;
        for key in [(l, true, b[0]), (l, false, b[len - 1])] {
            for &(c, m) in lex.legal_long.get(&key).into_iter().flatten() {
                if (mask ^ m).count_ones() <= 2 && crate::index::within(w, c, 1).is_some() {
                    found = Some(c);
                    break 'search;
                }
            }
        }
    }
    // An ordinary word of a language is no misspelling.
    found.filter(|_| lexicon::zipf(w) == 0)
}

/// Whether `words` are the words `form` of a legal form, each as written
/// or as its legal spelling.
fn form_matches(words: &[Word], form: &[&str]) -> bool {
    words.len() == form.len()
        && words
            .iter()
            .zip(form)
            .all(|(w, p)| w.text == *p || w.legal == Some(*p))
}

/// The longest form ending at `end` (exclusive): its id and length.
fn form_ending(words: &[Word], end: usize, lex: &Lexicon) -> Option<(u32, usize)> {
    let last = &words[end - 1];
    for info in [last.info, last.legal_info].into_iter().flatten() {
        for &id in info.by_last.iter() {
            let form = &lex.legal_split[id as usize];
            let n = form.len();
            if n <= end && form_matches(&words[end - n..end], form) {
                return Some((id, n));
            }
        }
    }
    None
}

/// The longest form starting at `start`: its id and length.
fn form_starting(words: &[Word], start: usize, lex: &Lexicon) -> Option<(u32, usize)> {
    let first = &words[start];
    for info in [first.info, first.legal_info].into_iter().flatten() {
        for &id in info.by_first.iter() {
            let form = &lex.legal_split[id as usize];
            let n = form.len();
            if start + n <= words.len() && form_matches(&words[start..start + n], form) {
                return Some((id, n));
            }
        }
    }
    None
}

/// How a legal form was read: as written, or through a misspelling.
fn how_read(words: &[Word]) -> Option<&'static str> {
    words
        .iter()
        .any(|w| w.legal.is_some_and(|l| l != w.text))
        .then_some("misspelt")
}

/// Forms that end no word of a language, so that they may be cut off the
/// end of a word whatever its case.
const GLUE_ANY_CASE: &[&str] = &[
    "gmbh", "ltd", "llc", "plc", "srl", "sarl", "sprl", "bvba", "kft", "zrt", "nyrt", "ojsc",
    "cjsc", "pjsc", "kgaa",
];

/// Where a legal form written onto `raw` starts, if one is: after a change
/// of case; for forms that end no word of a language, whatever the case;
/// or where what is left is a descriptor ("TECHNOLOGYCO" is "technology"
/// and "co").
fn glued_at(raw: &Raw, lex: &Lexicon) -> Option<usize> {
    let text = &raw.text;
    for at in raw.camel_offsets() {
        if at >= 3 && at < text.len() && one_word_form(&text[at..], lex) {
            return Some(at);
        }
    }
    for suffix in GLUE_ANY_CASE {
        if text.len() >= suffix.len() + 3 && text.ends_with(suffix) {
            return Some(text.len() - suffix.len());
        }
    }
    (2..=4)
        .filter_map(|tail| text.len().checked_sub(tail))
        .find(|&at| {
            at >= 4
                && text.is_char_boundary(at)
                && one_word_form(&text[at..], lex)
                // After a descriptor or place of six letters or more
                // ("TECHNOLOGYCO"): after a shorter one the form is too
                // often the end of a word ("Manxou" is no "Manx OÜ",
                // "Krainao" no "Krai NAO").
                && at >= 6
                && one_word_phrase(&text[..at], lex)
        })
}

/// Whether `text` is a legal form of one word.
fn one_word_form(text: &str, lex: &Lexicon) -> bool {
    lex.info.get(text).is_some_and(|i| i.one_word_form)
}

/// Cuts `run[i]` at byte `at` into two raw tokens; the case changes
/// recorded in it are dropped (they have served).
fn cut(run: &mut Vec<Raw>, i: usize, at: usize) {
    let mut tail = run[i].clone();
    tail.text = run[i].text.split_off(at);
    tail.camel = [0; fold::MAX_CAMEL];
    run[i].camel = [0; fold::MAX_CAMEL];
    run[i].sep = ' ';
    run.insert(i + 1, tail);
}

/// Whether `text` is a descriptor or a place of one word.
fn one_word_phrase(text: &str, lex: &Lexicon) -> bool {
    lex.info.get(text).is_some_and(|i| {
        i.phrases
            .iter()
            .any(|&p| lexicon::PHRASES[p as usize].text == text)
    })
}

/// Step 1b: cuts a word where a descriptor or place starts with a capital
/// after a lower-case letter and four or more letters: "HesaiTechnology" is
/// "Hesai Technology"; "HikVision" stays one word (and words written
/// together meet it either way).
fn split_camel(run: &mut Vec<Raw>, lex: &Lexicon) {
    let mut i = 0;
    while i < run.len() {
        let at = run[i].camel_offsets().find(|&at| {
            at >= 4 && at + 3 <= run[i].text.len() && one_word_phrase(&run[i].text[at..], lex)
        });
        if let Some(at) = at {
            cut(run, i, at);
        }
        i += 1;
    }
}

/// Step 2: cuts a legal form written onto the last word of a run (or onto
/// the word before a last word that is itself a form: "TECHNOLOGYCO.,LTD").
fn unglue(run: &mut Vec<Raw>, lex: &Lexicon) -> Option<&'static str> {
    let n = run.len();
    let before_last = (n >= 2 && one_word_form(&run[n - 1].text, lex))
        .then(|| glued_at(&run[n - 2], lex))
        .flatten();
    let (which, at) = match before_last {
        Some(at) => (n - 2, at),
        None => (n.checked_sub(1)?, glued_at(run.last()?, lex)?),
    };
    cut(run, which, at);
    Some("written onto the name")
}

/// Steps 2 to 5 for one run of Latin tokens.
fn finish_latin(
    run: &mut Vec<Raw>,
    out: &mut Normalized,
    paren_of: &mut Vec<bool>,
    lex: &'static Lexicon,
) {
    if run.is_empty() {
        return;
    }
    split_camel(run, lex);
    let glued = unglue(run, lex);
    let n = run.len();
    let mut words: Vec<Word> = run
        .drain(..)
        .enumerate()
        .map(|(i, r)| {
            // Correction is tried where forms stand: the last two words, the
            // first, and next to an exact form word.
            let correct = i + 2 >= n || i == 0;
            let known = lex.info.get_key_value(r.text.as_str());
            let legal = legal_spelling(&r.text, known.map(|(k, v)| (*k, v)), lex, correct);
            Word {
                info: known.map(|(_, v)| v),
                legal_info: legal.filter(|l| *l != r.text).and_then(|l| lex.info.get(l)),
                legal,
                text: r.text,
                paren: r.paren,
            }
        })
        .collect();
    // Within two words of an exact legal word, long words may be misspelt
    // form words too ("Gesellschaft mit beschrenkter Haftung").
    let exact: Vec<bool> = words.iter().map(|w| w.legal.is_some()).collect();
    for i in 0..words.len() {
        if words[i].legal.is_none() && words[i].info.is_none() {
            let near = (i.saturating_sub(2)..(i + 3).min(words.len())).any(|j| j != i && exact[j]);
            if near {
                let legal = legal_spelling(&words[i].text, None, lex, true);
                words[i].legal_info = legal.and_then(|l| lex.info.get(l));
                words[i].legal = legal;
            }
        }
    }
    let mut legal: Vec<LegalForm> = Vec::new();
    let form_of = |id: u32, ws: &[Word], glued: Option<&'static str>| LegalForm {
        id,
        label: lexicon::legal(id).label,
        written: join_words(ws.iter().map(|w| w.text.as_str())),
        how: how_read(ws).or(glued),
    };

    // At the end: repeatedly strip the longest form ending there.
    let mut end = words.len();
    let mut glue_note = glued;
    while end > 0 {
        match form_ending(&words, end, lex) {
            Some((id, len)) => {
                legal.push(form_of(id, &words[end - len..end], glue_note.take()));
                end -= len;
            }
            None => break,
        }
    }
    legal.reverse();
    words.truncate(end);

    // At the start: forms that stand before names.
    let mut before = 0;
    while words.len() > 1 {
        match form_starting(&words, 0, lex) {
            Some((id, len)) if lexicon::legal(id).prefix && len < words.len() => {
                legal.insert(before, form_of(id, &words[..len], None));
                before += 1;
                words.drain(..len);
            }
            _ => break,
        }
    }

    // Anywhere: forms that cannot be ordinary words.
    let mut i = 0;
    while i < words.len() {
        match form_starting(&words, i, lex) {
            Some((id, len)) if !lexicon::legal(id).ambiguous => {
                legal.push(form_of(id, &words[i..i + len], None));
                words.drain(i..i + len);
            }
            _ => i += 1,
        }
    }
    out.legal_forms.extend(legal);

    // Descriptor and place phrases, then numbers.
    let mut i = 0;
    let start = out.tokens.len();
    while i < words.len() {
        if let Some((canonical, place, len)) = phrase_at(&words, i) {
            let class = if place {
                Class::Location
            } else {
                Class::Generic
            };
            let mut t = Token::latin(canonical.to_string(), class);
            if len > 1 || words[i].text != canonical {
                t.expanded_from = Some(join_words(
                    words[i..i + len].iter().map(|w| w.text.as_str()),
                ));
            }
            out.tokens.push(t);
            paren_of.push(words[i].paren);
            i += len;
            continue;
        }
        let w = &mut words[i];
        let class = w.info.and_then(|i| i.class).unwrap_or(Class::Distinctive);
        let mut t = Token::latin(std::mem::take(&mut w.text), class);
        if class == Class::Distinctive && t.text.len() >= 5 {
            t.skeleton = skeleton(&t.text);
        }
        out.tokens.push(t);
        paren_of.push(w.paren);
        i += 1;
    }
    merge_numbers(&mut out.tokens, paren_of, start);
}

/// `words` with a space between each two.
pub(crate) fn join_words<'a>(words: impl Iterator<Item = &'a str>) -> String {
    let mut s = String::new();
    for (i, w) in words.enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(w);
    }
    s
}

/// The longest descriptor or place phrase starting at `i`: its canonical
/// token, whether it is a place, and its length in words.
fn phrase_at(words: &[Word], i: usize) -> Option<(&'static str, bool, usize)> {
    let ids = &words[i].info?.phrases;
    for &id in ids.iter() {
        let p = &lexicon::PHRASES[id as usize];
        let mut n = 0;
        let ok = p.text.split(' ').all(|part| {
            let hit = words.get(i + n).is_some_and(|w| w.text == part);
            n += 1;
            hit
        });
        if ok {
            return Some((p.canonical, p.place.is_some(), n));
        }
    }
    None
}

/// Words that announce a number ("No. 9"); `№` folds to "no".
const NUMBER_SIGNS: &[&str] = &["n", "no", "nr", "num", "number", "nummer", "numero"];

/// The number of a number sign glued to its digits: "N9", "No9", "Nr.9".
fn signed_number(text: &str) -> Option<u64> {
    let digits = ["nr", "no", "n"]
        .iter()
        .find_map(|p| text.strip_prefix(p))
        .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))?;
    digits.parse().ok()
}

/// Turns runs of number words ("forty four", "one hundred", "1st") into one
/// token of digits, from `start` on.
fn merge_numbers(tokens: &mut Vec<Token>, paren_of: &mut Vec<bool>, start: usize) {
    let mut i = start;
    while i < tokens.len() {
        let Some(first) =
            lexicon::number_value(&tokens[i].text).or_else(|| signed_number(&tokens[i].text))
        else {
            i += 1;
            continue;
        };
        // "No. 9", "Nr 9", "№ 9", "Number 9": the sign says what follows.
        if i > start && NUMBER_SIGNS.contains(&tokens[i - 1].text.as_str()) {
            tokens[i - 1].class = Class::Stop;
        }
        let mut value = first;
        let mut j = i + 1;
        while j < tokens.len() {
            let t = &tokens[j].text;
            if let Some(scale) = lexicon::number_scale(t) {
                value = value.saturating_mul(scale);
            } else if let Some(v) = lexicon::number_value(t)
                .filter(|&v| v < 10 && value >= 20 && value % 10 == 0 && value < 100)
            {
                value += v;
            } else {
                break;
            }
            j += 1;
        }
        let written: Vec<&str> = tokens[i..j].iter().map(|t| t.text.as_str()).collect();
        let text = value.to_string();
        let expanded = (written.len() > 1 || written[0] != text).then(|| written.join(" "));
        let mut t = Token::latin(text, Class::Distinctive);
        t.number = true;
        t.expanded_from = expanded;
        tokens.splice(i..j, [t]);
        paren_of.drain(i + 1..j);
        i += 1;
    }
}

/// Marks the places that qualify a name: after the first token that is
/// neither a place nor a stop word, or inside parentheses.
fn mark_qualifiers(tokens: &mut [Token], paren_of: &[bool]) {
    let mut stem_seen = false;
    for (t, &paren) in tokens.iter_mut().zip(paren_of) {
        if t.class == Class::Location {
            t.qualifier = stem_seen || paren;
        } else if t.class != Class::Stop {
            stem_seen = true;
        }
    }
}

/// Marks the abbreviations a name gives of itself in parentheses:
/// "Petroiran Development Company (PEDCO)", "China Electronics Technology
/// Group Corp. (CETC)". A parenthesised Latin word of 2–8 letters is one
/// when its letters appear in order in the words before it, from the start
/// of one of them, two of them at the start of a word (after Schwartz and
/// Hearst, "A simple algorithm for identifying abbreviation definitions in
/// biomedical text", 2003). The other side of a pair need not repeat it.
fn mark_aliases(tokens: &mut [Token], paren_of: &[bool]) {
    for i in 1..tokens.len() {
        let t = &tokens[i];
        if !paren_of[i]
            || t.class != Class::Distinctive
            || t.number
            || !(2..=8).contains(&t.text.len())
            || !t.text.bytes().all(|b| b.is_ascii_lowercase())
        {
            continue;
        }
        let words: Vec<&str> = tokens[..i]
            .iter()
            .zip(paren_of)
            .filter(|(w, p)| !**p && !w.number && !w.is_han() && w.class != Class::Stop)
            .map(|(w, _)| w.join_text())
            .collect();
        let short = t.text.as_bytes();
        let alias = words.len() >= 2
            && !words.contains(&t.text.as_str())
            && (0..words.len()).any(|k| abbreviates(short, &words[k..]));
        tokens[i].alias = alias;
    }
}

/// Whether the letters of `short` appear in order in `words`, the first at
/// the start of `words[0]` and at least two at the start of a word.
fn abbreviates(short: &[u8], words: &[&str]) -> bool {
    if words.len() < 2 || words[0].as_bytes().first() != short.first() {
        return false;
    }
    let mut at = 0;
    let mut initial = 0;
    for w in words {
        for (j, b) in w.bytes().enumerate() {
            if at < short.len() && b == short[at] {
                initial += usize::from(j == 0);
                at += 1;
            }
        }
        if at == short.len() {
            return initial >= 2;
        }
    }
    false
}

/// Step 6: segments a run of Han characters.
fn segment_han(
    run: &str,
    paren: bool,
    out: &mut Normalized,
    paren_of: &mut Vec<bool>,
    lex: &Lexicon,
) {
    let chars: Vec<char> = run.chars().collect();
    let mut unknown = String::new();
    let mut i = 0;
    let mut word = String::new();
    while i < chars.len() {
        let mut hit = None;
        for len in (1..=lex.han_max_chars.min(chars.len() - i)).rev() {
            word.clear();
            word.extend(&chars[i..i + len]);
            if let Some(&w) = lex.han.get(word.as_str()) {
                hit = Some((w, len));
                break;
            }
        }
        match hit {
            Some((w, len)) => {
                push_han(&mut unknown, Class::Distinctive, None, paren, out, paren_of);
                match w {
                    HanWord::Legal(id) => out.legal_forms.push(LegalForm {
                        id,
                        label: lexicon::legal(id).label,
                        written: word.clone(),
                        how: None,
                    }),
                    HanWord::Word { place, gloss } => {
                        let class = if place {
                            Class::Location
                        } else {
                            Class::Generic
                        };
                        let mut text = word.clone();
                        push_han(&mut text, class, Some(gloss), paren, out, paren_of);
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
    push_han(&mut unknown, Class::Distinctive, None, paren, out, paren_of);
}

fn push_han(
    text: &mut String,
    class: Class,
    gloss: Option<&'static str>,
    paren: bool,
    out: &mut Normalized,
    paren_of: &mut Vec<bool>,
) {
    if text.is_empty() {
        return;
    }
    let text = std::mem::take(text);
    out.tokens.push(Token {
        pinyin: Some(pinyin_key(&text)),
        gloss,
        text,
        class,
        skeleton: None,
        expanded_from: None,
        number: false,
        qualifier: false,
        alias: false,
    });
    paren_of.push(paren);
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

/// The transliteration key of a folded Latin token of four or more
/// letters, when it differs from the token: the spellings that the common
/// romanisations of Cyrillic and Greek (and German, French and English
/// habits) give one sound are written one way. `shch`, `sch` and `sh` are
/// one letter; `ch`, `tsch` and `tch` another; `ts`, `tz`, `cz` and `c`
/// before `e`, `i` or `y` a third; `zh`, `kh` (as `h`), `ph` (as `f`), `th`
/// (as `t`), `ck` and other `c` (as `k`), `x` (as `ks`), `q` (as `k`), `w`
/// (as `v`), `y` and `j` (as `i`), `ou` and `oo` (as `u`) likewise; double
/// letters are single. So "Yandex" and "Iandeks", "Tsentr" and "Centr",
/// "Obshchestvo" and "Obschestvo" have one key. Digits keep the token as it
/// is.
pub fn skeleton(token: &str) -> Option<String> {
    let b = token.as_bytes();
    if b.len() < 4 || b.len() > 64 || !b.iter().all(u8::is_ascii_lowercase) {
        return None;
    }
    let mut out = [0u8; 130];
    let mut n = 0;
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut i = 0;
    while i < b.len() {
        let (c1, c2, c3) = (at(i + 1), at(i + 2), at(i + 3));
        let (sound, used): (&[u8], usize) = match b[i] {
            b's' if c1 == b'h' && c2 == b'c' && c3 == b'h' => (b"S", 4),
            b's' if c1 == b'c' && c2 == b'h' => (b"S", 3),
            b's' if c1 == b'h' => (b"S", 2),
            b't' if c1 == b's' && c2 == b'c' && c3 == b'h' => (b"C", 4),
            b't' if c1 == b'c' && c2 == b'h' => (b"C", 3),
            b't' if c1 == b'h' => (b"t", 2),
            b't' if c1 == b's' || c1 == b'z' => (b"T", 2),
            b'c' if c1 == b'h' => (b"C", 2),
            b'c' if c1 == b'k' => (b"k", 2),
            b'c' if c1 == b'z' => (b"T", 2),
            b'c' if matches!(c1, b'e' | b'i' | b'y') => (b"T", 1),
            b'c' | b'q' if c1 != b'u' || b[i] == b'c' => (b"k", 1),
            b'q' => (b"kv", 2),
            b'z' if c1 == b'h' => (b"Z", 2),
            b'k' if c1 == b'h' => (b"h", 2),
            b'p' if c1 == b'h' => (b"f", 2),
            b'o' if c1 == b'u' || c1 == b'o' => (b"u", 2),
            b'x' => (b"ks", 1),
            b'w' => (b"v", 1),
            b'y' | b'j' => (b"i", 1),
            _ => (std::slice::from_ref(&b[i]), 1),
        };
        for &c in sound {
            if n == 0 || out[n - 1] != c {
                out[n] = c;
                n += 1;
            }
        }
        i += used;
    }
    let key = &out[..n];
    (key != b).then(|| String::from_utf8_lossy(key).into_owned())
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
        assert_eq!(key("Łódź Straße"), "lodz strasse");
        assert_eq!(key("People's Liberation Army"), "peoples liberation army");
        // Quotes glued to a word are quotes, apostrophes inside one join.
        assert_eq!(key("OOO'ANTARES'"), "antares");
        assert_eq!(key("AO'AVTOVAZ'"), "avtovaz");
        assert_eq!(key("O'Brien Ma'aden"), "obrien maaden");
    }

    #[test]
    fn marks_the_names_own_abbreviation() {
        let aliases = |s: &str| -> Vec<String> {
            normalize(s)
                .tokens
                .into_iter()
                .filter(|t| t.alias)
                .map(|t| t.text)
                .collect()
        };
        assert_eq!(
            aliases("Petroiran Development Company (PEDCO) Limited"),
            ["pedco"]
        );
        assert_eq!(
            aliases("China Electronics Technology Group Corp. (CETC) 54th Research Institute"),
            ["cetc"]
        );
        // A word of the name, a place or an unrelated word is no abbreviation.
        assert!(aliases("Bowne Global Solutions (France)").is_empty());
        assert!(aliases("Hikvision Digital (Hikvision)").is_empty());
        assert!(aliases("Acme Trading (Zeta)").is_empty());
    }

    #[test]
    fn removes_legal_forms_and_keeps_them() {
        assert_eq!(key("Hikvision Europe B.V."), "hikvision europe");
        assert_eq!(legal("Hikvision Europe B.V."), ["BV"]);
        assert_eq!(key("Huawei Technologies Co., Ltd."), "huawei technology");
        assert_eq!(legal("Huawei Technologies Co., Ltd."), ["Co Ltd"]);
        assert_eq!(key("Dahua Polska Sp. z o.o."), "dahua poland");
        assert_eq!(legal("Dahua Polska Sp. z o.o."), ["Sp z oo"]);
        assert_eq!(
            key("Dahua Polska spółka z ograniczoną odpowiedzialnością"),
            "dahua poland"
        );
        assert_eq!(key("Hytera Mobilfunk GmbH"), "hytera mobilfunk");
        assert_eq!(key("Siemens AG"), "siemens");
        assert_eq!(key("Telefónica, S.A."), "telefonica");
        assert_eq!(key("Leonardo S.p.A."), "leonardo");
        assert_eq!(key("AB Volvo (publ)"), "volvo");
        assert_eq!(key("Müller GmbH & Co. KG"), "muller");
        assert_eq!(legal("Müller GmbH & Co. KG"), ["GmbH & Co KG"]);
        // Ambiguous forms stay when they are part of the name.
        assert_eq!(key("SA Power Networks"), "sa power network");
    }

    #[test]
    fn reads_glued_misspelt_and_translated_forms() {
        assert_eq!(key("SiemensAG"), "siemens");
        assert_eq!(legal("SiemensAG"), ["AG"]);
        assert_eq!(key("DAHUAGMBH"), "dahua");
        assert_eq!(
            key("ZHEJIANG DAHUA TECHNOLOGYCO.,LTD"),
            "zhejiang dahua technology"
        );
        assert_eq!(key("Tesco"), "tesco");
        assert_eq!(key("HesaiTechnology"), "hesai technology");
        assert_eq!(key("HikVision"), "hikvision");
        assert_eq!(key("Wuhan Manxou Limited"), "wuhan manxou");
        assert_eq!(key("Kraise B.V."), "kraise");
        assert_eq!(key("Network Krainao AB"), "network krainao");
        assert_eq!(key("Siemens Aktiengeselschaft"), "siemens");
        assert_eq!(
            normalize("Siemens Aktiengeselschaft").legal_forms[0].how,
            Some("misspelt")
        );
        assert_eq!(key("OAO Gazprom"), "gazprom");
        assert_eq!(key("Open Joint Stock Company Gazprom"), "gazprom");
        assert_eq!(legal("Open Joint Stock Company Gazprom"), ["OJSC"]);
        assert_eq!(key("ООО «Ромашка»"), "romashka");
        assert_eq!(legal("ООО «Ромашка»"), ["OOO"]);
        assert_eq!(key("Petrom Societatea cu Raspundere Limitata"), "petrom");
        // A word that happens to end like a form keeps it.
        assert_eq!(key("Verlag"), "verlag");
    }

    #[test]
    fn numbers_become_digits() {
        assert_eq!(key("Zavod N9"), "zavod 9");
        assert_eq!(key("Zavod № 9"), "zavod no 9");
        assert_eq!(normalize("Zavod No. 9").tokens[1].class, Class::Stop);
        assert_eq!(key("DSV II Express"), key("DSV 2 Express"));
        assert_eq!(key("Forty-Four Holdings"), "44 holding");
        assert_eq!(key("1st National Bank"), key("First National Bank"));
        assert_eq!(key("Three"), "3");
    }

    #[test]
    fn stop_words_stay_without_weight() {
        let n = normalize("Bank of China");
        assert_eq!(n.key(), "bank of china");
        assert_eq!(n.tokens[1].class, Class::Stop);
        assert_eq!(n.stop_words().collect::<Vec<_>>(), ["of"]);
    }

    #[test]
    fn marks_qualifiers() {
        let q: Vec<bool> = normalize("Banco Santander México")
            .tokens
            .iter()
            .map(|t| t.qualifier)
            .collect();
        assert_eq!(q, [false, false, true]);
        let lead: Vec<bool> = normalize("Hangzhou Hikvision Digital")
            .tokens
            .iter()
            .map(|t| t.qualifier)
            .collect();
        assert_eq!(lead, [false, false, false]);
        assert!(normalize("Bowne Global Solutions (France)").tokens[3].qualifier);
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
        assert_eq!(n.tokens[3].gloss, Some("technology"));
        assert_eq!(key("华为技术有限公司"), "华为 技术");
        assert_eq!(key("中兴通讯股份有限公司"), "中兴 通讯");
    }

    #[test]
    fn transliteration_keys_agree() {
        let k = |t: &str| skeleton(t).unwrap_or_else(|| t.to_string());
        assert_eq!(k("yandex"), k("iandeks"));
        assert_eq!(k("rosoboronexport"), k("rosoboroneksport"));
        assert_eq!(k("tsentr"), k("centr"));
        assert_eq!(k("obshchestvo"), k("obschestvo"));
        assert_eq!(k("ogranichennoy"), k("ogranichennoi"));
        assert_ne!(k("hikvision"), k("nuctech"));
        assert_eq!(skeleton("abc"), None);
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
        assert_eq!(normalize("GmbH").tokens, []);
        assert_eq!(legal("GmbH"), ["GmbH"]);
        let many = "a b c d e f g h i j k l m n o p q r s t u v w x y z aa bb cc dd ee ff gg hh";
        let n = normalize(many);
        assert_eq!(n.tokens.len(), MAX_TOKENS);
        assert!(n.truncated);
    }
}
