//! Character folding and raw tokens: the first two steps of normalisation.
//!
//! The build script compiles the word lists (legal forms, descriptors,
//! places, word frequencies) with this same module, so a list entry is
//! folded exactly as a name is. It therefore depends on nothing but
//! `unicode-normalization` and `deunicode`.
//!
//! 1. Unicode NFKC (full-width and compatibility forms become plain ones),
//!    then per character: Han characters are kept; Latin letters lose their
//!    diacritics (`é`→`e`, `ł`→`l`, `ß`→`ss`); other scripts are
//!    transliterated (`deunicode`); everything is lower-cased.
//! 2. Tokens are runs of letters and digits. Apostrophes vanish
//!    ("People's" is `peoples`); `&` and `+` are the word `and`; single
//!    letters joined by dots or slashes are one token ("B.V." is `bv`,
//!    "A/S" is `as`). Each token remembers whether it stood inside
//!    parentheses and where an upper-case letter followed a lower-case one
//!    ("SiemensAG"), so that a legal form written onto the name can be cut
//!    off again.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Longest name read, in characters. Longer input is cut here: company names
/// are short, and a runaway field must not cost more than a name.
pub const MAX_NAME_CHARS: usize = 512;

/// Most case changes remembered in one token.
pub const MAX_CAMEL: usize = 4;

/// A raw token before classification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Raw {
    /// The folded text: lower-case ASCII letters and digits, or Han
    /// characters.
    pub text: String,
    /// Whether the text is Han.
    pub han: bool,
    /// The separator that followed it: `.`, `/` or a space for anything
    /// else.
    pub sep: char,
    /// A run of initials ("b", "b.v"): another initial may join it.
    pub joinable: bool,
    /// It stood inside parentheses or brackets.
    pub paren: bool,
    /// Byte offsets into `text` where an upper-case letter followed a
    /// lower-case one in the name as written (`SiemensAG` → 7); 0 marks an
    /// unused slot.
    pub camel: [u8; MAX_CAMEL],
}

impl Raw {
    fn new(text: String, han: bool, sep: char, paren: bool) -> Raw {
        Raw {
            text,
            han,
            sep,
            joinable: false,
            paren,
            camel: [0; MAX_CAMEL],
        }
    }

    /// The case changes recorded, in order.
    pub fn camel_offsets(&self) -> impl Iterator<Item = usize> + '_ {
        self.camel
            .iter()
            .take_while(|&&o| o != 0)
            .map(|&o| usize::from(o))
    }
}

/// Whether `c` is a Han (CJK ideograph) character.
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2A6DF | 0x2A700..=0x2EBEF | 0x2F800..=0x2FA1F)
}

/// The state of [`split`] while it reads one name.
struct Splitter {
    raws: Vec<Raw>,
    cur: String,
    cur_han: bool,
    camel: [u8; MAX_CAMEL],
    camels: usize,
    prev_lower: bool,
    depth: u32,
    /// Where the current token's first apostrophe after a letter stood.
    quote: Option<usize>,
    /// The last character read was an apostrophe.
    after_quote: bool,
}

impl Splitter {
    fn flush(&mut self, sep: char) {
        // A token that ends in an apostrophe and had another inside was
        // quoted: OOO'ANTARES' is `ooo` and `antares`.
        if let Some(at) = self.quote.take()
            && std::mem::take(&mut self.after_quote)
            && self.cur.len() >= at + 2
        {
            let rest = self.cur.split_off(at);
            self.camel = [0; MAX_CAMEL];
            self.flush(' ');
            self.cur = rest;
        }
        self.after_quote = false;
        if !self.cur.is_empty() {
            let mut raw = Raw::new(
                std::mem::take(&mut self.cur),
                self.cur_han,
                sep,
                self.depth > 0,
            );
            raw.camel = self.camel;
            self.raws.push(raw);
        } else if let Some(last) = self.raws.last_mut()
            && sep != ' '
            && last.sep == ' '
        {
            // Keep the more telling separator: "B. V." reads as "B.V.".
            last.sep = sep;
        }
        self.camel = [0; MAX_CAMEL];
        self.camels = 0;
        self.prev_lower = false;
    }

    fn push_word(&mut self, text: &str) {
        self.flush(' ');
        self.raws
            .push(Raw::new(text.to_string(), false, ' ', self.depth > 0));
    }

    fn feed(&mut self, c: char) {
        if is_han(c) {
            if !self.cur_han {
                self.flush(' ');
                self.cur_han = true;
            }
            self.cur.push(c);
            return;
        }
        if self.cur_han {
            self.flush(' ');
            self.cur_han = false;
        }
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase()
                && self.prev_lower
                && self.camels < MAX_CAMEL
                && let Ok(at) = u8::try_from(self.cur.len())
            {
                self.camel[self.camels] = at;
                self.camels += 1;
            }
            self.prev_lower = c.is_ascii_lowercase();
            self.after_quote = false;
            self.cur.push(c.to_ascii_lowercase());
        } else if matches!(
            c,
            '\'' | '\u{2019}' | '\u{2018}' | '`' | '\u{2bc}' | '\u{b4}'
        ) {
            // apostrophes join: "People's" → "peoples" (but see `flush`)
            if !self.cur.is_empty() && !self.cur_han {
                self.quote.get_or_insert(self.cur.len());
                self.after_quote = true;
            }
        } else if c == '&' || c == '+' {
            self.push_word("and");
        } else if c.is_ascii() {
            let sep = if c == '.' || c == '/' { c } else { ' ' };
            if matches!(c, ')' | ']' | '}') {
                self.flush(sep);
                self.depth = self.depth.saturating_sub(1);
            } else {
                self.flush(sep);
                if matches!(c, '(' | '[' | '{') {
                    self.depth += 1;
                }
            }
        } else {
            if c.is_alphanumeric() {
                self.after_quote = false;
            }
            self.fold_char(c);
        }
    }

    /// Folds one non-ASCII, non-Han character into the current token:
    /// letters lose their diacritics, other scripts are transliterated,
    /// anything else separates.
    fn fold_char(&mut self, c: char) {
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
            self.cur.push_str(s);
            self.prev_lower = c.is_lowercase();
            return;
        }
        if c.is_alphabetic() || c.is_numeric() {
            let mut base = [0u8; 16];
            let mut n = 0;
            let mut ascii = true;
            decompose_canonical(c, |d| {
                if !is_combining_mark(d) {
                    if d.is_ascii() && n < base.len() {
                        base[n] = d as u8;
                        n += 1;
                    } else {
                        ascii = false;
                    }
                }
            });
            if ascii && n > 0 {
                self.cur
                    .extend(base[..n].iter().map(|b| b.to_ascii_lowercase() as char));
                self.prev_lower = c.is_lowercase();
                return;
            }
            if let Some(t) = deunicode::deunicode_char(c) {
                for b in t.chars() {
                    if b.is_ascii_alphanumeric() {
                        self.cur.push(b.to_ascii_lowercase());
                    } else if !self.cur.is_empty() {
                        self.flush(' ');
                    }
                }
                self.prev_lower = c.is_lowercase();
                return;
            }
        }
        if is_combining_mark(c) {
            return;
        }
        self.flush(' ');
    }
}

/// Steps 1 and 2 up to initials: folds `name` and cuts it into raw tokens.
/// Sets `truncated` when the name is longer than [`MAX_NAME_CHARS`].
pub fn split(name: &str, truncated: &mut bool) -> Vec<Raw> {
    let mut s = Splitter {
        raws: Vec::new(),
        cur: String::new(),
        cur_han: false,
        camel: [0; MAX_CAMEL],
        camels: 0,
        prev_lower: false,
        depth: 0,
        quote: None,
        after_quote: false,
    };
    let mut count = 0usize;
    if name.is_ascii() {
        for c in name.chars() {
            count += 1;
            if count > MAX_NAME_CHARS {
                *truncated = true;
                break;
            }
            s.feed(c);
        }
    } else {
        for c in name.nfkc() {
            count += 1;
            if count > MAX_NAME_CHARS {
                *truncated = true;
                break;
            }
            s.feed(c);
        }
    }
    s.flush(' ');
    join_initials(s.raws)
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

/// The folded tokens of `text`, as names are folded: what the word lists
/// are compiled with.
pub fn fold_words(text: &str) -> Vec<String> {
    let mut truncated = false;
    split(text, &mut truncated)
        .into_iter()
        .map(|r| r.text)
        .collect()
}

/// FNV-1a over bytes: the hash that places a word in the compiled table of
/// ordinary words, the same in the build script and at run time.
pub fn word_hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
