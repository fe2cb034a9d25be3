//! Makers' names and product lines in banners: a Server header, a realm,
//! an SSH identification line or a sysDescr that says "Huawei", "ZTE" or
//! "ZXR10" names its maker, whatever the rest of the banner says.
//!
//! The names are those the registry gives the companies and brands of a
//! designated family (its entities with a designation in force on them or
//! on their controllers), in every kind the registry records (legal name,
//! alias, brand, short form, former name, Chinese name). A banner is cut
//! into words at every character that is not a letter or a digit, and a
//! word written in camel case is also read as its parts
//! ("HuaweiHomeGateway" holds "Huawei"). A name matches whole words only,
//! case ignored, legal forms left off ("Huawei Technologies" fits
//! "Huawei Technologies Co., Ltd."); a Chinese name matches as written,
//! anywhere in the banner.
//!
//! Short forms are held to more, as in name screening: a name the registry
//! gives as an abbreviation, or any name of at most three letters, matches
//! only written exactly as the registry writes it ("ZTE", not "zte" or
//! "Zte"), and one of at most three letters counts only for a family known
//! to make devices (it holds a MAC block, or a fingerprint rule, relabel
//! relationship or model series names it): "PPA", a port operator's short
//! form, names no device.
//!
//! Product lines are the model series of `data/categories/model-series.toml`
//! marked `names_maker`: names that belong to one maker's products
//! ("ZXR10", "CloudEngine", "EchoLife"), not generic ones ("S5720", "HG8245",
//! which other makers' numbers share). A word of a banner that fits such a
//! series names the series' maker.
//!
//! Look-alikes (`data/fingerprints/lookalikes.toml`) are phrases that hold
//! a name without naming the family as the maker ("Huawei-3Com", the joint
//! venture that became H3C); a name inside one is passed over.

use std::collections::HashMap;

use aho_corasick::AhoCorasick;

use derisk_core::{Entity, EntityKind, NameKind};
use derisk_exposure::category::Series;
use derisk_registry::fold_assignee;
use serde::Deserialize;

use derisk_registry::Diagnostic;
use derisk_registry::curated::Curated;

use crate::fingerprint::Source;

/// The shipped look-alikes, embedded at build time.
const BUNDLED_LOOKALIKES: &str = include_str!("../../../data/fingerprints/lookalikes.toml");

/// Confidence of a maker's name in a banner.
pub const NAME: f64 = 0.85;
/// Confidence of a maker's product line in a banner or a model: a model
/// name is read by people and may be kept by a relabeller, as with the
/// model-number rules.
pub const PRODUCT_LINE: f64 = 0.8;

/// A phrase of a banner that holds a registry name without naming its
/// family as the device's maker.
#[derive(Clone, Debug, PartialEq)]
pub struct Lookalike {
    /// The phrase as written ("Huawei-3Com").
    pub phrase: String,
    /// Its words, folded.
    words: Vec<String>,
    /// The registry entity whose name it holds.
    pub entity: String,
    /// Why it does not name that entity.
    pub why: String,
    /// The sources of the fact.
    pub sources: Vec<String>,
    /// Banners that hold it, run by the tests.
    pub examples: Vec<String>,
}

/// The look-alikes of a file, with the sources they cite.
#[derive(Clone, Debug, Default)]
pub struct Lookalikes {
    /// In file order.
    pub lookalikes: Vec<Lookalike>,
    /// The sources they cite.
    pub sources: Vec<Source>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LookalikeDef {
    phrase: String,
    entity: String,
    why: String,
    sources: Vec<String>,
    examples: Vec<String>,
}

impl Lookalikes {
    /// The shipped look-alikes, and the problems of the shipped file
    /// (none: the tests check).
    pub fn bundled() -> Result<(Lookalikes, Vec<Diagnostic>), Diagnostic> {
        Lookalikes::parse(BUNDLED_LOOKALIKES, "data/fingerprints/lookalikes.toml")
    }

    /// Parses a file of look-alikes. A file that is not TOML fails whole;
    /// a look-alike with a problem is left out with a diagnostic naming
    /// it and the field at fault.
    pub fn parse(text: &str, file: &str) -> Result<(Lookalikes, Vec<Diagnostic>), Diagnostic> {
        let c = Curated::parse(text, file, &["source", "lookalike"])?;
        let mut problems = Vec::new();
        let sources = Source::read_all(&c, &mut problems);
        let mut lookalikes = Vec::new();
        for record in c.records("lookalike") {
            let l = match c.read::<LookalikeDef>(&record) {
                Ok(l) => l,
                Err(e) => {
                    problems.push(e);
                    continue;
                }
            };
            let words: Vec<String> = runs(&l.phrase).map(str::to_lowercase).collect();
            let problem = if words.len() < 2 {
                Some((
                    "phrase",
                    "expected two words or more (a name and what makes it another's)".to_owned(),
                ))
            } else if let Err(m) = Source::check_cited(&sources, &l.sources, "lookalike") {
                Some(("sources", m))
            } else if l.examples.is_empty() {
                Some((
                    "examples",
                    "none: every look-alike carries banners that hold it".to_owned(),
                ))
            } else {
                None
            };
            if let Some((field, message)) = problem {
                problems.push(c.error(&record, field, message));
                continue;
            }
            lookalikes.push(Lookalike {
                phrase: l.phrase,
                words,
                entity: l.entity,
                why: l.why,
                sources: l.sources,
                examples: l.examples,
            });
        }
        Ok((
            Lookalikes {
                lookalikes,
                sources,
            },
            problems,
        ))
    }
}

/// The runs of letters and digits of `text`.
fn runs(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// The words of a registry name that a banner must hold, as written and
/// folded: its runs of letters and digits without the legal form at the
/// end ("Huawei Technologies Co., Ltd.": Huawei Technologies).
fn name_words(name: &str) -> (Vec<&str>, Vec<String>) {
    let kept: Vec<&str> = runs(name).collect();
    let lower: Vec<String> = kept.iter().map(|w| w.to_lowercase()).collect();
    // `fold_assignee` glues the words and drops the legal form: keep the
    // words that make up what it keeps.
    let glued = fold_assignee(name);
    let mut joined = String::new();
    for (i, w) in lower.iter().enumerate() {
        joined.push_str(w);
        if joined == glued {
            return (kept[..=i].to_vec(), lower[..=i].to_vec());
        }
    }
    (kept, lower)
}

/// The camel-case parts of a run ("HuaweiHomeGateway": Huawei, Home,
/// Gateway; "ZTEWebs": ZTE, Webs); one part when it has no such breaks.
fn camel_parts(run: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = run.char_indices().collect();
    let mut cuts = vec![0];
    for i in 1..chars.len() {
        let (prev, cur) = (chars[i - 1].1, chars[i].1);
        let next = chars.get(i + 1).map(|&(_, c)| c);
        let lower_upper = prev.is_lowercase() && cur.is_uppercase();
        let acronym_end =
            prev.is_uppercase() && cur.is_uppercase() && next.is_some_and(char::is_lowercase);
        if lower_upper || acronym_end {
            cuts.push(chars[i].0);
        }
    }
    cuts.push(run.len());
    cuts.windows(2).map(|w| &run[w[0]..w[1]]).collect()
}

/// A name indexed by its first word.
#[derive(Debug)]
struct Phrase<'r> {
    /// The words after the first, folded.
    rest: Vec<String>,
    /// The words a banner must hold, as the registry writes them.
    shown: String,
    /// Written exactly so, when case counts (short forms).
    exact: Option<Vec<&'r str>>,
    entity: &'r Entity,
}

/// What a banner names.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Hit<'r, 'n> {
    pub entity: &'r Entity,
    /// The registry's words found, or the series' prefix.
    pub name: &'n str,
    /// The series, for a product line.
    pub series: Option<&'static Series>,
    pub confidence: f64,
}

/// The names and product lines of designated families, ready to find in
/// banners.
#[derive(Debug, Default)]
pub(crate) struct BannerNames<'r> {
    /// Every first word, product-line prefix and Chinese name, case
    /// ignored: a banner that holds none of them names no one, and most
    /// banners are passed over at this one pass.
    any: Option<AhoCorasick>,
    by_first: HashMap<String, Vec<Phrase<'r>>>,
    chinese: Vec<(&'r str, &'r Entity)>,
    series: Vec<(&'static Series, &'r Entity)>,
    lookalikes: Vec<Vec<String>>,
}

impl<'r> BannerNames<'r> {
    /// Indexes the names of `entities` (each a company or brand of a
    /// designated family; `maker` says whether it is known to make
    /// devices), `series` whose maker is one of them, and the
    /// look-alikes.
    pub fn new(
        entities: impl IntoIterator<Item = (&'r Entity, bool)>,
        series: Vec<(&'static Series, &'r Entity)>,
        lookalikes: &Lookalikes,
    ) -> BannerNames<'r> {
        let mut by_first: HashMap<String, Vec<Phrase<'r>>> = HashMap::new();
        let mut chinese = Vec::new();
        for (e, maker) in entities {
            if !matches!(e.kind, EntityKind::Company | EntityKind::Brand) {
                continue;
            }
            let names = e.names.iter().map(|n| (n.value.as_str(), n.kind));
            for (name, kind) in names {
                if kind == NameKind::Chinese {
                    if name.chars().count() >= 2 && !chinese.iter().any(|&(n, _)| n == name) {
                        chinese.push((name, e));
                    }
                    continue;
                }
                let (kept, lower) = name_words(name);
                let Some((first, rest)) = lower.split_first() else {
                    continue;
                };
                let rest = rest.to_vec();
                let letters: usize = lower.iter().map(|w| w.chars().count()).sum();
                let short = rest.is_empty() && letters <= 3;
                // An IEEE assignee is written as registered, often in one
                // case throughout: no guide to how the short form is written.
                if short && (!maker || kind == NameKind::IeeeAssignee) {
                    continue;
                }
                if rest.is_empty() && letters < 3 {
                    continue;
                }
                let shown = kept.join(" ");
                let exact = (short || kind == NameKind::Abbreviation).then_some(kept);
                let first = first.clone();
                let list = by_first.entry(first).or_default();
                if !list
                    .iter()
                    .any(|p| p.entity.id == e.id && p.rest == rest && p.exact == exact)
                {
                    list.push(Phrase {
                        rest,
                        shown,
                        exact,
                        entity: e,
                    });
                }
            }
        }
        // Longer names first, so "China Mobile" is tried before "China".
        for list in by_first.values_mut() {
            list.sort_by_key(|p| std::cmp::Reverse(p.rest.len()));
        }
        let needles: Vec<&str> = by_first
            .keys()
            .map(String::as_str)
            .chain(series.iter().map(|(s, _)| s.prefix.as_str()))
            .chain(chinese.iter().map(|&(n, _)| n))
            .collect();
        let any = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&needles)
            .ok();
        BannerNames {
            any,
            by_first,
            chinese,
            series,
            lookalikes: lookalikes
                .lookalikes
                .iter()
                .map(|l| l.words.clone())
                .collect(),
        }
    }

    /// The first name or product line `banner` holds, outside look-alikes.
    pub fn find(&self, banner: &str) -> Option<Hit<'r, '_>> {
        if !self.any.as_ref()?.is_match(banner) {
            return None;
        }
        let runs: Vec<&str> = runs(banner).collect();
        let folded: Vec<String> = runs.iter().map(|r| r.to_lowercase()).collect();
        let covered = self.covered(&folded);
        for (i, run) in runs.iter().enumerate() {
            if covered[i] {
                continue;
            }
            if let Some(hit) = self.phrase_at(&runs, &folded, i) {
                return Some(hit);
            }
            // A camel-case run: its parts, as words of their own.
            let parts = camel_parts(run);
            if parts.len() > 1 {
                let lower: Vec<String> = parts.iter().map(|p| p.to_lowercase()).collect();
                for j in 0..parts.len() {
                    if let Some(hit) = self.phrase_at(&parts, &lower, j) {
                        return Some(hit);
                    }
                }
            }
            if let Some(&(s, e)) = self.series.iter().find(|(s, _)| s.fits_word(run)) {
                return Some(Hit {
                    entity: e,
                    name: &s.prefix,
                    series: Some(s),
                    confidence: PRODUCT_LINE,
                });
            }
        }
        self.chinese
            .iter()
            .find(|(n, _)| banner.contains(n))
            .map(|&(name, entity)| Hit {
                entity,
                name,
                series: None,
                confidence: NAME,
            })
    }

    /// Which words are inside a look-alike.
    fn covered(&self, folded: &[String]) -> Vec<bool> {
        let mut covered = vec![false; folded.len()];
        for l in &self.lookalikes {
            for start in 0..folded.len().saturating_sub(l.len() - 1) {
                if folded[start..start + l.len()] == l[..] {
                    covered[start..start + l.len()].fill(true);
                }
            }
        }
        covered
    }

    /// The name that starts at word `i`, if any.
    fn phrase_at(&self, words: &[&str], folded: &[String], i: usize) -> Option<Hit<'r, '_>> {
        let list = self.by_first.get(&folded[i])?;
        list.iter().find_map(|p| {
            let end = i + 1 + p.rest.len();
            if end > folded.len() || folded[i + 1..end] != p.rest[..] {
                return None;
            }
            if p.exact
                .as_ref()
                .is_some_and(|exact| words[i..end] != exact[..])
            {
                return None;
            }
            Some(Hit {
                entity: p.entity,
                name: &p.shown,
                series: None,
                confidence: NAME,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(parsed: Result<(Lookalikes, Vec<Diagnostic>), Diagnostic>) -> Vec<String> {
        parsed.unwrap().1.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn camel_case_runs_split_into_their_words() {
        assert_eq!(
            camel_parts("HuaweiHomeGateway"),
            ["Huawei", "Home", "Gateway"]
        );
        assert_eq!(camel_parts("ZTEWebs"), ["ZTE", "Webs"]);
        assert_eq!(camel_parts("ZXR10"), ["ZXR10"]);
        assert_eq!(camel_parts("hikvision"), ["hikvision"]);
        assert_eq!(camel_parts("iPolis"), ["i", "Polis"]);
    }

    #[test]
    fn the_shipped_lookalikes_parse() {
        let l = derisk_registry::curated::clean(Lookalikes::bundled()).unwrap();
        assert!(!l.lookalikes.is_empty());
    }

    #[test]
    fn a_lookalike_needs_two_words_sources_and_examples() {
        let text = r#"
[[source]]
id = "s"
url = "https://example.org/"
title = "t"
publisher = "p"
published = 2020-01-01

[[lookalike]]
phrase = "Huawei"
entity = "huawei"
why = "w"
sources = ["s"]
examples = ["Huawei"]

[[lookalike]]
phrase = "Huawei 3Com"
entity = "huawei"
why = "w"
sources = ["nowhere"]
examples = ["x"]

[[lookalike]]
phrase = "Huawei 3Com"
entity = "huawei"
why = "w"
sources = ["s"]
examples = []
"#;
        assert_eq!(
            problems(Lookalikes::parse(text, "l.toml")),
            [
                "l.toml:10:10: error: lookalike[Huawei].phrase: expected two words or more (a name and what makes it another's)",
                "l.toml:20:11: error: lookalike[Huawei 3Com].sources: \"nowhere\" is not defined in the file",
                "l.toml:28:12: error: lookalike[Huawei 3Com].examples: none: every look-alike carries banners that hold it",
            ]
        );
    }
}
