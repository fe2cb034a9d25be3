//! Deterministic synthetic organisation names and query variants, for
//! benchmarks and recall tests at sizes no curated registry reaches.
//!
//! A name is an optional place, one or two invented distinctive words made
//! of two to four syllables, up to two descriptors and a legal form:
//! "Ningbo Kavoredu Lintasco Systems Group GmbH". A planted query takes a
//! generated name and changes it the way supplier lists do, within the
//! candidate definition of [`crate::matcher`]: one typing slip in a
//! distinctive word of six or more letters (so that it keeps at least five
//! and its edit budget), a different legal form, two
//! words swapped, the place dropped, or the case changed.

/// A small, fast, seeded generator (xorshift64*), so runs are repeatable.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (0 is replaced by a fixed odd constant).
    pub fn new(seed: u64) -> Rng {
        Rng(if seed == 0 {
            0x9e37_79b9_7f4a_7c15
        } else {
            seed
        })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const ONSETS: &[&str] = &[
    "b", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "ch", "sh",
    "zh", "tr", "br", "kr", "st", "x", "q", "w",
];
const VOWELS: &[&str] = &[
    "a", "e", "i", "o", "u", "ai", "ao", "ei", "ia", "ou", "an", "en", "in", "on",
];
const PLACES: &[&str] = &[
    "Hangzhou",
    "Shenzhen",
    "Ningbo",
    "Beijing",
    "Shanghai",
    "Wuhan",
    "Chengdu",
    "Europe",
    "Deutschland",
    "Polska",
    "Italia",
    "Nederland",
    "Nordic",
    "Iberia",
];
const DESCRIPTORS: &[&str] = &[
    "Technology",
    "Digital",
    "Systems",
    "Group",
    "Electronics",
    "Network",
    "Security",
    "Solutions",
    "International",
    "Holding",
    "Communications",
    "Software",
    "Industry",
    "Energy",
];
const LEGAL: &[&str] = &[
    "Co., Ltd.",
    "GmbH",
    "B.V.",
    "S.A.",
    "S.r.l.",
    "Sp. z o.o.",
    "AB",
    "Oy",
    "A/S",
    "Ltd",
    "Limited",
    "Inc.",
    "LLC",
    "SAS",
    "Kft.",
    "s.r.o.",
];

fn word(rng: &mut Rng) -> String {
    let syllables = 2 + rng.below(3);
    let mut w = String::new();
    for _ in 0..syllables {
        w.push_str(rng.pick(ONSETS));
        w.push_str(rng.pick(VOWELS));
    }
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => w,
    }
}

/// `n` organisation names.
pub fn names(n: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            let mut parts: Vec<String> = Vec::new();
            if rng.chance(0.5) {
                parts.push(rng.pick(PLACES).to_string());
            }
            parts.push(word(&mut rng));
            if rng.chance(0.3) {
                parts.push(word(&mut rng));
            }
            for _ in 0..rng.below(3) {
                parts.push(rng.pick(DESCRIPTORS).to_string());
            }
            parts.push(rng.pick(LEGAL).to_string());
            parts.join(" ")
        })
        .collect()
}

/// How a planted query was made from its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// One slip (substitution, insertion, deletion or swap) in a
    /// distinctive word of six or more letters.
    Typo,
    /// A different legal form.
    LegalForm,
    /// Two words swapped.
    Reorder,
    /// The place dropped (or, without one, the descriptors).
    DropPlace,
    /// Upper case.
    Case,
}

/// A query: the text, and for a planted one the index of the name it was
/// made from and how.
#[derive(Clone, Debug)]
pub struct SynthQuery {
    /// The query name.
    pub text: String,
    /// The source name and the change, for planted queries.
    pub planted: Option<(usize, Variant)>,
}

/// `n` queries over `names`: a share `planted` of them are variants of
/// names, the rest fresh names that are almost never in the index.
pub fn queries(names: &[String], n: usize, planted: f64, seed: u64) -> Vec<SynthQuery> {
    let mut rng = Rng::new(seed ^ 0x5bd1_e995);
    let fresh = self::names(n, seed.wrapping_add(0x1234_5678));
    (0..n)
        .map(|i| {
            if names.is_empty() || !rng.chance(planted) {
                return SynthQuery {
                    text: fresh[i].clone(),
                    planted: None,
                };
            }
            let src = rng.below(names.len());
            let variant = match rng.below(5) {
                0 => Variant::Typo,
                1 => Variant::LegalForm,
                2 => Variant::Reorder,
                // A generated word can be a place or descriptor itself
                // ("Xian"); a name with no distinctive word is found only
                // through its rarest word, which may be the place, so
                // dropping it would leave the candidate definition.
                3 if crate::normalize(&names[src]).has_distinctive() => Variant::DropPlace,
                _ => Variant::Case,
            };
            SynthQuery {
                text: vary(&names[src], variant, &mut rng),
                planted: Some((src, variant)),
            }
        })
        .collect()
}

fn vary(name: &str, variant: Variant, rng: &mut Rng) -> String {
    let mut words: Vec<String> = name.split(' ').map(str::to_string).collect();
    // The legal form is the tail: everything from the first word that is
    // part of one ("Co.,", "Sp.") to the end.
    let legal_at = words
        .iter()
        .position(|w| {
            LEGAL
                .iter()
                .any(|l| l.split(' ').next() == Some(w.as_str()))
        })
        .unwrap_or(words.len());
    match variant {
        Variant::Typo => {
            let distinctive: Vec<usize> = (0..legal_at)
                .filter(|&i| {
                    let w = &words[i];
                    w.len() >= 6
                        && !PLACES.contains(&w.as_str())
                        && !DESCRIPTORS.contains(&w.as_str())
                })
                .collect();
            if let Some(&i) = distinctive.get(rng.below(distinctive.len().max(1))) {
                // A slip that happens to spell a known word ("Techen" →
                // "Techn", an abbreviation of "technology") is a different
                // word, not a misspelling: slip again.
                for _ in 0..16 {
                    let w = slip(&words[i], rng);
                    let n = crate::normalize(&w);
                    if n.tokens.len() == 1 && n.has_distinctive() && n.legal_forms.is_empty() {
                        words[i] = w;
                        break;
                    }
                }
            }
        }
        Variant::LegalForm => {
            words.truncate(legal_at);
            words.push(rng.pick(LEGAL).to_string());
        }
        Variant::Reorder => {
            if legal_at >= 2 {
                let i = rng.below(legal_at - 1);
                words.swap(i, i + 1);
            }
        }
        Variant::DropPlace => {
            if PLACES.contains(&words[0].as_str()) && legal_at > 1 {
                words.remove(0);
            } else {
                words.retain(|w| !DESCRIPTORS.contains(&w.as_str()));
            }
        }
        Variant::Case => return name.to_uppercase(),
    }
    words.join(" ")
}

/// One slip inside a word (never its first letter, so case is kept).
fn slip(w: &str, rng: &mut Rng) -> String {
    let mut c: Vec<char> = w.chars().collect();
    let i = 1 + rng.below(c.len() - 1);
    match rng.below(4) {
        0 => c[i] = if c[i] == 'x' { 'y' } else { 'x' },
        1 => {
            c.remove(i);
        }
        2 => c.insert(i, 'k'),
        _ => {
            if i + 1 < c.len() {
                c.swap(i, i + 1);
            } else {
                c.swap(i - 1, i);
            }
        }
    }
    c.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeatable() {
        assert_eq!(names(5, 7), names(5, 7));
        assert_ne!(names(5, 7), names(5, 8));
        let n = names(100, 1);
        let q = queries(&n, 100, 0.5, 1);
        assert!(q.iter().any(|q| q.planted.is_some()));
        assert!(q.iter().any(|q| q.planted.is_none()));
    }
}
