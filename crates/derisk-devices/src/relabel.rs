//! Known relabel (OEM, white-label) relationships: brands that sell devices
//! made by a registry vendor under their own name, each with its sources.
//! The shipped list is `data/oem/relabels.toml`; the format is in
//! `docs/formats/relabels.md`.

use std::collections::HashMap;

use derisk_registry::Registry;
use serde::Deserialize;

use derisk_registry::Diagnostic;
use derisk_registry::curated::Curated;

use crate::fingerprint::Source;

/// The shipped list, embedded at build time.
const BUNDLED: &str = include_str!("../../../data/oem/relabels.toml");

/// Confidence in the maker when a brand listed without restriction is all
/// that names it, while the relationship is current.
pub const CURRENT: f64 = 0.5;
/// The same for a relationship the source lists as former.
pub const FORMER: f64 = 0.4;

/// Whether the relationship holds now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// The source lists it as current.
    Current,
    /// The source lists it as past.
    Former,
}

/// How much of the brand is relabelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extent {
    /// The brand is listed without restriction: the brand alone names the
    /// maker (with a relabel's confidence).
    Brand,
    /// Only some lines or countries: the brand supports a maker other
    /// evidence names, and names none alone.
    SomeLines,
}

/// One relationship.
#[derive(Clone, Debug)]
pub struct Relabel {
    /// The brand as usually written.
    pub brand: String,
    /// Other spellings and company names of the brand.
    pub names: Vec<String>,
    /// The registry entity that makes the devices.
    pub maker: String,
    /// Current or former.
    pub status: Status,
    /// The whole brand or some lines.
    pub extent: Extent,
    /// The ids of its sources.
    pub sources: Vec<String>,
    /// A remark.
    pub note: Option<String>,
}

impl Relabel {
    /// The confidence of this relationship naming the maker alone; `None`
    /// when it names none alone (some lines only).
    pub fn confidence(&self) -> Option<f64> {
        match (self.extent, self.status) {
            (Extent::SomeLines, _) => None,
            (Extent::Brand, Status::Current) => Some(CURRENT),
            (Extent::Brand, Status::Former) => Some(FORMER),
        }
    }
}

/// A list of relationships with their sources, indexed by folded name.
#[derive(Clone, Debug, Default)]
pub struct Relabels {
    /// The relationships, in file order.
    pub relabels: Vec<Relabel>,
    /// The sources they cite.
    pub sources: Vec<Source>,
    /// Folded brand names, each with the relationships carrying it.
    index: HashMap<String, Vec<usize>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RelabelDef {
    brand: String,
    #[serde(default)]
    names: Vec<String>,
    maker: String,
    status: String,
    extent: String,
    sources: Vec<String>,
    note: Option<String>,
}

/// An entry checked (its status, extent, brand and sources, and that the
/// brand is not listed twice for its maker); the field at fault and what
/// is wrong otherwise.
fn relabel(
    r: RelabelDef,
    earlier: &[Relabel],
    sources: &[Source],
) -> Result<Relabel, (&'static str, String)> {
    let status = match r.status.as_str() {
        "current" => Status::Current,
        "former" => Status::Former,
        other => {
            return Err((
                "status",
                format!("{other:?}: expected \"current\" or \"former\""),
            ));
        }
    };
    let extent = match r.extent.as_str() {
        "brand" => Extent::Brand,
        "some-lines" => Extent::SomeLines,
        other => {
            return Err((
                "extent",
                format!("{other:?}: expected \"brand\" or \"some-lines\""),
            ));
        }
    };
    if key(&r.brand).len() < 2 {
        return Err(("brand", "empty once folded".into()));
    }
    Source::check_cited(sources, &r.sources, "relationship").map_err(|m| ("sources", m))?;
    if earlier
        .iter()
        .any(|x| x.maker == r.maker && key(&x.brand) == key(&r.brand))
    {
        return Err(("brand", format!("listed twice for maker {:?}", r.maker)));
    }
    Ok(Relabel {
        brand: r.brand,
        names: r.names,
        maker: r.maker,
        status,
        extent,
        sources: r.sources,
        note: r.note,
    })
}

impl Relabels {
    /// The shipped list, and the problems of the shipped file (none: the
    /// tests check).
    pub fn bundled() -> Result<(Relabels, Vec<Diagnostic>), Diagnostic> {
        Relabels::parse(BUNDLED, "data/oem/relabels.toml")
    }

    /// Parses a list. A file that is not TOML fails whole; an entry with
    /// a problem is left out with a diagnostic naming it (by its brand)
    /// and the field at fault.
    pub fn parse(text: &str, file: &str) -> Result<(Relabels, Vec<Diagnostic>), Diagnostic> {
        let c = Curated::parse(text, file, &["source", "relabel"])?;
        let mut problems = Vec::new();
        let sources = Source::read_all(&c, &mut problems);
        let mut relabels: Vec<Relabel> = Vec::new();
        for record in c.records("relabel") {
            let r = match c.read::<RelabelDef>(&record) {
                Ok(r) => r,
                Err(e) => {
                    problems.push(e);
                    continue;
                }
            };
            match relabel(r, &relabels, &sources) {
                Ok(r) => relabels.push(r),
                Err((field, message)) => problems.push(c.error(&record, field, message)),
            }
        }
        let mut index: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, r) in relabels.iter().enumerate() {
            for name in std::iter::once(&r.brand).chain(&r.names) {
                let list = index.entry(key(name)).or_default();
                if !list.contains(&i) {
                    list.push(i);
                }
            }
        }
        Ok((
            Relabels {
                relabels,
                sources,
                index,
            },
            problems,
        ))
    }

    /// The relationships whose brand `name` is: the name, folded (case,
    /// punctuation, spacing and a trailing legal form ignored), is one of
    /// the brand's names, or its first words are ("Lorex Technology Inc."
    /// is Lorex, "CPPlus India" is CP Plus; "Lorexa" is not Lorex).
    pub fn find(&self, name: &str) -> Vec<&Relabel> {
        self.positions(name)
            .iter()
            .map(|&i| &self.relabels[i])
            .collect()
    }

    /// The same relationships as [`Relabels::find`], by their position in
    /// `relabels`.
    pub fn positions(&self, name: &str) -> &[usize] {
        if self.index.is_empty() {
            return &[];
        }
        let (joined, ends) = folded(name);
        // The longest leading run of words that is a brand.
        ends.iter()
            .rev()
            .find_map(|&end| self.index.get(&joined[..end]))
            .map_or(&[], Vec::as_slice)
    }

    /// The source with this id.
    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.id == id)
    }

    /// Relationships whose maker is not an entity of `registry`.
    pub fn unknown_makers(&self, registry: &Registry) -> Vec<String> {
        self.relabels
            .iter()
            .filter(|r| registry.entity(&r.maker).is_none())
            .map(|r| {
                format!(
                    "relabel {:?}: maker {:?} is not a registry entity; left out",
                    r.brand, r.maker
                )
            })
            .collect()
    }
}

/// Legal forms dropped from the end of a name.
const LEGAL: &[&str] = &[
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "co",
    "corp",
    "corporation",
    "company",
    "gmbh",
    "llc",
    "plc",
    "sa",
    "bv",
    "ag",
];

/// A name's words, lower-cased, split at anything not alphanumeric,
/// without trailing legal forms ("Co., Ltd." included), joined; with the
/// end of each word in the joined text.
fn folded(name: &str) -> (String, Vec<usize>) {
    let mut joined = String::with_capacity(name.len());
    let mut ends = Vec::new();
    for word in name.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        for c in word.chars() {
            joined.extend(c.to_lowercase());
        }
        ends.push(joined.len());
    }
    while ends.len() > 1 {
        let start = ends[ends.len() - 2];
        if !LEGAL.contains(&&joined[start..]) {
            break;
        }
        joined.truncate(start);
        ends.pop();
    }
    (joined, ends)
}

/// A name as compared: its words joined.
fn key(name: &str) -> String {
    folded(name).0
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
[[source]]
id = "s"
url = "https://example.org/list"
title = "A list"
publisher = "Someone"
published = 2024-08-17

[[relabel]]
brand = "Lorex"
names = ["Lorex Technology"]
maker = "dahua"
status = "current"
extent = "brand"
sources = ["s"]

[[relabel]]
brand = "Bosch"
maker = "dahua"
status = "current"
extent = "some-lines"
sources = ["s"]

[[relabel]]
brand = "Tyco Illustra Essentials"
names = ["Illustra Essentials"]
maker = "dahua"
status = "former"
extent = "brand"
sources = ["s"]
"#;

    #[test]
    fn names_are_found_folded_and_as_word_prefixes() {
        let r = derisk_registry::curated::clean(Relabels::parse(FILE, "t.toml")).unwrap();
        let brand = |n: &str| {
            r.find(n)
                .iter()
                .map(|x| x.brand.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(brand("LOREX"), ["Lorex"]);
        assert_eq!(brand("Lorex Technology Inc."), ["Lorex"]);
        assert_eq!(brand("lorex corp"), ["Lorex"]);
        assert_eq!(brand("Bosch Security Systems"), ["Bosch"]);
        assert_eq!(brand("Illustra Essentials"), ["Tyco Illustra Essentials"]);
        assert_eq!(brand("Lorex Technology Co., Ltd."), ["Lorex"]);
        assert!(brand("Lorexa").is_empty());
        assert!(brand("Lorexa Technology").is_empty());
        assert!(brand("Illustra Pro").is_empty());
        assert!(brand("Axis").is_empty());
        assert_eq!(r.find("Lorex")[0].confidence(), Some(CURRENT));
        assert_eq!(r.find("Bosch")[0].confidence(), None);
        assert_eq!(r.find("Illustra Essentials")[0].confidence(), Some(FORMER));
    }

    #[test]
    fn a_bad_entry_is_named_with_what_was_expected() {
        let text = FILE.replace("extent = \"some-lines\"", "extent = \"partly\"");
        let (head, tail) = text.rsplit_once("sources = [\"s\"]").unwrap();
        let text = format!("{head}sources = [\"t\"]{tail}");
        assert_eq!(
            Relabels::parse(&text, "t.toml")
                .unwrap()
                .1
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            [
                "t.toml:21:10: error: relabel[Bosch].extent: \"partly\": expected \"brand\" or \"some-lines\"",
                "t.toml:30:11: error: relabel[Tyco Illustra Essentials].sources: \"t\" is not defined in the file",
            ]
        );
    }

    #[test]
    fn the_shipped_list_reads_and_names_registry_makers() {
        let r = derisk_registry::curated::clean(Relabels::bundled()).unwrap();
        assert!(r.relabels.len() >= 70, "{}", r.relabels.len());
        let registry = derisk_registry::bundled().registry;
        assert_eq!(r.unknown_makers(&registry), Vec::<String>::new());
        for x in &r.relabels {
            for s in &x.sources {
                assert!(r.source(s).is_some(), "{s}");
            }
        }
    }
}
