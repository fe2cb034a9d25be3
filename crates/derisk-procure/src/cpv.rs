//! The Common Procurement Vocabulary (CPV 2008): codes, check digits,
//! labels, and the categories derisk reports on.
//!
//! The vocabulary ships in `data/cpv/cpv-2008-en.tsv` (Regulation (EC)
//! No 213/2008). A code is eight digits and a check digit (`35125300-2`);
//! eForms writes the eight digits alone. The check digit is checked
//! against the published list, not computed: no formula reproduces every
//! published digit.

use std::collections::HashMap;
use std::sync::OnceLock;

const VOCABULARY: &str = include_str!("../../../data/cpv/cpv-2008-en.tsv");

/// The categories derisk names, by code prefix (most specific first when
/// they overlap).
pub const CATEGORIES: &[(&str, &str)] = &[
    ("3858", "scanning"),
    ("351", "surveillance"),
    ("3223", "surveillance"),
    ("3232", "surveillance"),
    ("324", "telecom"),
    ("325", "telecom"),
];

/// The vocabulary: eight digits → (check digit, label).
fn vocabulary() -> &'static HashMap<&'static str, (u8, &'static str)> {
    static V: OnceLock<HashMap<&'static str, (u8, &'static str)>> = OnceLock::new();
    V.get_or_init(|| {
        VOCABULARY
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .filter_map(|l| {
                let (code, label) = l.split_once('\t')?;
                let check = code.as_bytes().get(9)?.checked_sub(b'0')?;
                Some((code.get(..8)?, (check, label)))
            })
            .collect()
    })
}

/// A code read and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Code {
    /// The eight digits.
    pub digits: String,
    /// The check digit of the vocabulary, when the code is in it.
    pub check: Option<u8>,
    /// Its label, when the code is in the vocabulary.
    pub label: Option<&'static str>,
}

impl Code {
    /// `35125300-2` when the check digit is known, else the digits.
    pub fn full(&self) -> String {
        match self.check {
            Some(c) => format!("{}-{c}", self.digits),
            None => self.digits.clone(),
        }
    }

    /// The first `level` digits (2, 3, 5 or 8 in reports), zero-padded
    /// back to eight: the code of the division, group, class or the code
    /// itself.
    pub fn at_level(&self, level: usize) -> String {
        let level = level.clamp(2, 8);
        format!("{:0<8}", &self.digits[..level])
    }

    /// The category derisk names for it, if any.
    pub fn category(&self) -> Option<&'static str> {
        category(&self.digits)
    }
}

/// The category of a code (or code prefix).
pub fn category(digits: &str) -> Option<&'static str> {
    CATEGORIES
        .iter()
        .find(|(prefix, _)| digits.starts_with(prefix))
        .map(|(_, c)| *c)
}

/// The label of eight digits, if they are a CPV 2008 code.
pub fn label(digits: &str) -> Option<&'static str> {
    vocabulary().get(digits).map(|(_, l)| *l)
}

/// Reads a CPV code as notices write it: eight digits, optionally a dash
/// and the check digit. Spaces around it are ignored. An error says what
/// is wrong: not a code, an unknown code, or a check digit that is not the
/// published one (with the right one).
pub fn parse(text: &str) -> Result<Code, String> {
    let t = text.trim();
    let (digits, check) = match t.split_once('-') {
        Some((d, c)) => (d, Some(c)),
        None if t.len() == 9 && t.bytes().all(|b| b.is_ascii_digit()) => (&t[..8], Some(&t[8..])),
        None => (t, None),
    };
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "CPV code {t:?}: expected eight digits, optionally a dash and a check digit (35125300-2)"
        ));
    }
    let check = match check {
        Some(c) if c.len() == 1 && c.as_bytes()[0].is_ascii_digit() => Some(c.as_bytes()[0] - b'0'),
        Some(c) => {
            return Err(format!(
                "CPV code {t:?}: the check digit {c:?} is not one digit"
            ));
        }
        None => None,
    };
    match vocabulary().get(digits) {
        Some(&(published, label)) => {
            if let Some(c) = check
                && c != published
            {
                return Err(format!(
                    "CPV code {t}: bad check digit {c}; CPV 2008 publishes {digits}-{published} ({label})"
                ));
            }
            Ok(Code {
                digits: digits.to_owned(),
                check: Some(published),
                label: Some(label),
            })
        }
        None => Err(format!(
            "CPV code {t}: not in the CPV 2008 vocabulary (Regulation (EC) No 213/2008)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_checked_against_the_published_vocabulary() {
        let c = parse("35125300-2").unwrap();
        assert_eq!(c.label, Some("Security cameras"));
        assert_eq!(c.category(), Some("surveillance"));
        assert_eq!(c.at_level(3), "35100000");
        assert_eq!(parse(" 38581000 ").unwrap().full(), "38581000-1");
        assert_eq!(parse("385810001").unwrap().category(), Some("scanning"));
        assert_eq!(parse("32412100-5").unwrap().category(), Some("telecom"));
        assert_eq!(
            parse("35125300-9").unwrap_err(),
            "CPV code 35125300-9: bad check digit 9; CPV 2008 publishes 35125300-2 (Security cameras)"
        );
        assert_eq!(
            parse("35125399").unwrap_err(),
            "CPV code 35125399: not in the CPV 2008 vocabulary (Regulation (EC) No 213/2008)"
        );
        assert!(
            parse("3512-2")
                .unwrap_err()
                .contains("expected eight digits")
        );
        assert_eq!(vocabulary().len(), 9454);
    }
}
