//! Policy frameworks, their rules and alternative vendors, as data
//! (`data/policies/frameworks.toml`, `data/alternatives/vendors.toml`;
//! the format is in `docs/formats/policies.md`).
//!
//! They load the way every curated file does ([`derisk_registry::curated`]):
//! a file that is not TOML is refused with the line and column of the
//! mistake; inside a readable file, a record with a mistake (an unknown
//! field, a framework, category or list that does not exist, a source no
//! one defines) is left out alone, with a [`Diagnostic`] at the value at
//! fault naming the record and the field; the rest loads.

use derisk_registry::Diagnostic;
use derisk_registry::curated::Curated;
use serde::Deserialize;

use crate::category::{Category, Criticality, Sector};
use crate::model::SourceRef;

const BUNDLED_POLICIES: &str = include_str!("../../../data/policies/frameworks.toml");
const BUNDLED_ALTERNATIVES: &str = include_str!("../../../data/alternatives/vendors.toml");

vocabulary! {
    /// What a rule looks for.
    When {
        /// A record whose party is designated (on one of the rule's lists,
        /// or on any list when it names none).
        Designated => "designated", "designated",
        /// A record whose party only resembles a designated one.
        Possible => "possible", "resembles a designated entity",
        /// A device of a designated maker that no purchase explains.
        Untraced => "untraced", "no traceable purchase",
        /// A category in which one maker family holds more than
        /// `share_above` of the devices.
        Concentration => "concentration", "concentrated",
        /// A category in which designated makers hold more than
        /// `share_above` of the devices.
        HighRiskShare => "high-risk-share", "high-risk share",
    }
}

vocabulary! {
    /// The outcome of a rule.
    Status {
        /// The findings break the rule.
        NonCompliant => "non-compliant", "Non-compliant",
        /// The findings put the organisation at risk under the rule.
        AtRisk => "at-risk", "At risk",
        /// The findings need a person's review under the rule.
        Review => "review", "Review",
        /// Worth knowing; no obligation follows for most organisations.
        Info => "info", "For information",
        /// Records were in scope and none was found.
        Clear => "clear", "No finding",
        /// Nothing in scope, or the data to judge is missing.
        NotApplicable => "not-applicable", "Not applicable",
    }
}

vocabulary! {
    /// How much a rule's outcome matters.
    Severity {
        /// First.
        Critical => "critical", "Critical",
        /// Second.
        High => "high", "High",
        /// Third.
        Medium => "medium", "Medium",
        /// Last.
        Low => "low", "Low",
    }
}

vocabulary! {
    /// The kinds of records a rule looks at.
    Kind {
        /// Devices.
        Assets => "assets", "assets",
        /// Suppliers screened by name.
        Suppliers => "suppliers", "suppliers",
        /// Awards of procurement notices.
        Purchases => "purchases", "purchases",
    }
}

/// A policy framework.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Framework {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Whose law or policy it is.
    pub jurisdiction: String,
    /// What it asks, in our words.
    pub summary: String,
    /// Sectors it applies to when the user chooses none (`all`: every
    /// sector, and an organisation with no sector given).
    pub default_for: Vec<String>,
    /// Its sources.
    pub sources: Vec<String>,
    /// Why its sources do not fully support it, if they do not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unverified: Option<String>,
}

/// One rule of a framework.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Rule {
    /// Its id.
    pub id: String,
    /// Its framework.
    pub framework: String,
    /// What it flags, in a line.
    pub title: String,
    /// The kinds of records it looks at.
    pub applies_to: Vec<Kind>,
    /// The categories in scope (all when empty).
    pub categories: Vec<Category>,
    /// The criticality in scope (any when empty).
    pub criticality: Vec<Criticality>,
    /// The sectors in scope (any when empty).
    pub sectors: Vec<Sector>,
    /// What it looks for.
    pub when: When,
    /// For `designated`: the lists that count (any when empty).
    pub lists: Vec<String>,
    /// For `concentration` and `high-risk-share`: the share above which
    /// the rule fires.
    pub share_above: Option<f64>,
    /// The outcome when it fires.
    pub verdict: Status,
    /// How much that matters.
    pub severity: Severity,
    /// The legal or policy text it rests on.
    pub reference: String,
    /// Where to read that text.
    pub url: String,
    /// The action that removes its findings, for the plan.
    pub action: Option<String>,
    /// Its sources.
    pub sources: Vec<String>,
    /// Why its sources do not fully support it, if they do not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unverified: Option<String>,
}

impl Rule {
    /// Whether a record of `kind`, `category` and `criticality` is in
    /// scope. A record with no category (a supplier) is in scope only of
    /// rules that name no category and no criticality.
    pub fn in_scope(
        &self,
        kind: Kind,
        category: Option<Category>,
        criticality: Option<Criticality>,
    ) -> bool {
        if !self.applies_to.contains(&kind) {
            return false;
        }
        let category_ok = match category {
            Some(c) => self.categories.is_empty() || self.categories.contains(&c),
            None => self.categories.is_empty(),
        };
        let criticality_ok = match criticality {
            Some(c) => self.criticality.is_empty() || self.criticality.contains(&c),
            None => self.criticality.is_empty(),
        };
        category_ok && criticality_ok
    }
}

/// The frameworks and rules.
#[derive(Clone, Debug, Default)]
pub struct Policies {
    /// The sources the files define.
    pub sources: Vec<SourceRef>,
    /// The frameworks.
    pub frameworks: Vec<Framework>,
    /// The rules, in the files' order.
    pub rules: Vec<Rule>,
}

/// An alternative vendor for a category.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Alternative {
    /// The category.
    pub category: Category,
    /// The vendor.
    pub vendor: String,
    /// Its country (ISO 3166 alpha-2).
    pub country: String,
    /// What the sources say it supplies.
    pub note: String,
    /// Its sources.
    pub sources: Vec<String>,
}

/// Alternative vendors per category.
#[derive(Clone, Debug, Default)]
pub struct Alternatives {
    /// The sources the file defines.
    pub sources: Vec<SourceRef>,
    /// The vendors.
    pub vendors: Vec<Alternative>,
}

impl Alternatives {
    /// The vendors for `category`.
    pub fn for_category(&self, category: Category) -> impl Iterator<Item = &Alternative> {
        self.vendors.iter().filter(move |a| a.category == category)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSource {
    id: String,
    url: String,
    title: String,
    publisher: Option<String>,
    published: Option<toml::Value>,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFramework {
    id: String,
    name: String,
    jurisdiction: String,
    summary: String,
    #[serde(default)]
    default_for: Vec<String>,
    sources: Vec<String>,
    unverified: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    framework: String,
    title: String,
    applies_to: Vec<String>,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    criticality: Vec<String>,
    #[serde(default)]
    sectors: Vec<String>,
    when: String,
    #[serde(default)]
    lists: Vec<String>,
    share_above: Option<f64>,
    verdict: String,
    severity: String,
    reference: String,
    url: String,
    action: Option<String>,
    sources: Vec<String>,
    unverified: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlternative {
    category: String,
    vendor: String,
    country: String,
    note: String,
    sources: Vec<String>,
}

/// What a loader needs to know of the registry: which source ids and
/// list ids exist there.
pub struct Known<'a> {
    /// Whether the registry defines this source.
    pub source: &'a dyn Fn(&str) -> bool,
    /// Whether the registry defines this list.
    pub list: &'a dyn Fn(&str) -> bool,
}

/// The `[[source]]` records of a curated file; a bad or repeated one is
/// left out with a problem.
pub(crate) fn sources_of(file: &Curated<'_>, problems: &mut Vec<Diagnostic>) -> Vec<SourceRef> {
    let mut out: Vec<SourceRef> = Vec::new();
    for record in file.records("source") {
        match file.read::<RawSource>(&record) {
            Ok(s) if out.iter().any(|o| o.id == s.id) => {
                problems.push(file.error(
                    &record,
                    "id",
                    "the id is defined twice; the first is kept",
                ));
            }
            Ok(s) => out.push(SourceRef {
                id: s.id,
                url: s.url,
                title: s.title,
                publisher: s.publisher,
                published: s.published.map(|p| match p {
                    toml::Value::String(s) => s,
                    toml::Value::Datetime(d) => d.to_string(),
                    other => format!("{other:?}"),
                }),
            }),
            Err(e) => problems.push(e),
        }
    }
    out
}

/// Whether every source a record cites is defined in its file or in the
/// registry; what is wrong otherwise.
fn cited(sources: &[String], own: &[SourceRef], known: &Known<'_>) -> Result<(), String> {
    if sources.is_empty() {
        return Err("at least one source is needed".to_owned());
    }
    for s in sources {
        if !own.iter().any(|o| &o.id == s) && !(known.source)(s) {
            return Err(format!(
                "{s:?} is defined neither in the file nor in the registry"
            ));
        }
    }
    Ok(())
}

/// Each text of `texts` as a value of a vocabulary, or what is wrong.
fn parse_all<T>(
    texts: &[String],
    parse: fn(&str) -> Option<T>,
    all: &[&str],
) -> Result<Vec<T>, String> {
    texts
        .iter()
        .map(|t| parse(t).ok_or_else(|| format!("{t:?} is not one of {}", all.join(", "))))
        .collect()
}

fn spellings<T: Copy>(all: &[T], f: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| f(*v)).collect()
}

impl Policies {
    /// The shipped frameworks and rules.
    pub fn bundled(known: &Known<'_>) -> Result<(Policies, Vec<Diagnostic>), Diagnostic> {
        Policies::parse(BUNDLED_POLICIES, "data/policies/frameworks.toml", known)
    }

    /// Parses a policy file. A file that is not TOML is an error; a bad
    /// record is left out with a problem.
    pub fn parse(
        text: &str,
        file: &str,
        known: &Known<'_>,
    ) -> Result<(Policies, Vec<Diagnostic>), Diagnostic> {
        let c = Curated::parse(text, file, &["source", "framework", "rule"])?;
        let mut problems = Vec::new();
        let sources = sources_of(&c, &mut problems);
        let mut frameworks: Vec<Framework> = Vec::new();
        for record in c.records("framework") {
            let f = match c.read::<RawFramework>(&record) {
                Ok(f) => f,
                Err(e) => {
                    problems.push(e);
                    continue;
                }
            };
            let sectors_ok = f
                .default_for
                .iter()
                .find(|s| s.as_str() != "all" && Sector::parse(s).is_none());
            let problem = if let Some(s) = sectors_ok {
                Some((
                    "default_for",
                    format!(
                        "{s:?} is not \"all\" nor one of {}",
                        spellings(Sector::ALL, Sector::as_str).join(", ")
                    ),
                ))
            } else if frameworks.iter().any(|o| o.id == f.id) {
                Some((
                    "id",
                    "the id is defined twice; the first is kept".to_owned(),
                ))
            } else {
                cited(&f.sources, &sources, known)
                    .err()
                    .map(|m| ("sources", m))
            };
            if let Some((field, message)) = problem {
                problems.push(c.error(&record, field, message));
                continue;
            }
            frameworks.push(Framework {
                id: f.id,
                name: f.name,
                jurisdiction: f.jurisdiction,
                summary: f.summary,
                default_for: f.default_for,
                sources: f.sources,
                unverified: f.unverified,
            });
        }
        let mut rules: Vec<Rule> = Vec::new();
        for record in c.records("rule") {
            let r = match c.read::<RawRule>(&record) {
                Ok(r) => r,
                Err(e) => {
                    problems.push(e);
                    continue;
                }
            };
            match rule(r, &frameworks, &rules, &sources, known) {
                Ok(r) => rules.push(r),
                Err((field, message)) => problems.push(c.error(&record, field, message)),
            }
        }
        Ok((
            Policies {
                sources,
                frameworks,
                rules,
            },
            problems,
        ))
    }

    /// Adds the frameworks, rules and sources of `other` (a user's file)
    /// after these; a clashing id keeps the first.
    pub fn extend(&mut self, other: Policies) -> Vec<String> {
        let mut problems = Vec::new();
        for s in other.sources {
            if !self.sources.iter().any(|o| o.id == s.id) {
                self.sources.push(s);
            }
        }
        for f in other.frameworks {
            if self.frameworks.iter().any(|o| o.id == f.id) {
                problems.push(format!(
                    "framework {:?} is defined already; the first definition is kept",
                    f.id
                ));
            } else {
                self.frameworks.push(f);
            }
        }
        for r in other.rules {
            if self.rules.iter().any(|o| o.id == r.id) {
                problems.push(format!(
                    "rule {:?} is defined already; the first definition is kept",
                    r.id
                ));
            } else {
                self.rules.push(r);
            }
        }
        problems
    }

    /// The framework with this id.
    pub fn framework(&self, id: &str) -> Option<&Framework> {
        self.frameworks.iter().find(|f| f.id == id)
    }

    /// The ids of the frameworks that apply by default to `sector`.
    pub fn defaults_for(&self, sector: Option<Sector>) -> Vec<String> {
        self.frameworks
            .iter()
            .filter(|f| {
                f.default_for.iter().any(|s| {
                    s == "all" || sector.is_some_and(|sector| s.as_str() == sector.as_str())
                })
            })
            .map(|f| f.id.clone())
            .collect()
    }
}

/// A rule checked against the file's frameworks, the rules before it,
/// the vocabularies and the sources; the field at fault and what is wrong
/// otherwise.
fn rule(
    r: RawRule,
    frameworks: &[Framework],
    earlier: &[Rule],
    sources: &[SourceRef],
    known: &Known<'_>,
) -> Result<Rule, (&'static str, String)> {
    if !frameworks.iter().any(|f| f.id == r.framework) {
        return Err((
            "framework",
            format!("{:?} is not a framework of the file", r.framework),
        ));
    }
    if earlier.iter().any(|o| o.id == r.id) {
        return Err((
            "id",
            "the id is defined twice; the first is kept".to_owned(),
        ));
    }
    let vocabulary = |field: &'static str| move |m: String| (field, m);
    let applies_to = parse_all(
        &r.applies_to,
        Kind::parse,
        &spellings(Kind::ALL, Kind::as_str),
    )
    .map_err(vocabulary("applies_to"))?;
    if applies_to.is_empty() {
        return Err((
            "applies_to",
            "name at least one of assets, suppliers, purchases".to_owned(),
        ));
    }
    let categories = parse_all(
        &r.categories,
        Category::parse,
        &spellings(Category::ALL, Category::as_str),
    )
    .map_err(vocabulary("categories"))?;
    let criticality = parse_all(
        &r.criticality,
        Criticality::parse,
        &spellings(Criticality::ALL, Criticality::as_str),
    )
    .map_err(vocabulary("criticality"))?;
    let sectors = parse_all(
        &r.sectors,
        Sector::parse,
        &spellings(Sector::ALL, Sector::as_str),
    )
    .map_err(vocabulary("sectors"))?;
    let when = When::parse(&r.when).ok_or_else(|| {
        (
            "when",
            format!(
                "{:?} is not one of {}",
                r.when,
                spellings(When::ALL, When::as_str).join(", ")
            ),
        )
    })?;
    let verdict = Status::parse(&r.verdict)
        .filter(|s| !matches!(s, Status::Clear | Status::NotApplicable))
        .ok_or_else(|| {
            (
                "verdict",
                format!(
                    "{:?} is not one of non-compliant, at-risk, review, info",
                    r.verdict
                ),
            )
        })?;
    let severity = Severity::parse(&r.severity).ok_or_else(|| {
        (
            "severity",
            format!(
                "{:?} is not one of {}",
                r.severity,
                spellings(Severity::ALL, Severity::as_str).join(", ")
            ),
        )
    })?;
    if let Some(l) = r.lists.iter().find(|l| !(known.list)(l)) {
        return Err(("lists", format!("{l:?} is not a list of the registry")));
    }
    match (when, r.share_above) {
        (When::Concentration | When::HighRiskShare, None) => {
            return Err((
                "share_above",
                format!(
                    "a {} rule needs the share above which it fires (0 to 1)",
                    when.as_str()
                ),
            ));
        }
        (_, Some(s)) if !(0.0..=1.0).contains(&s) => {
            return Err(("share_above", format!("{s} is not a share between 0 and 1")));
        }
        _ => {}
    }
    cited(&r.sources, sources, known).map_err(vocabulary("sources"))?;
    Ok(Rule {
        id: r.id,
        framework: r.framework,
        title: r.title,
        applies_to,
        categories,
        criticality,
        sectors,
        when,
        lists: r.lists,
        share_above: r.share_above,
        verdict,
        severity,
        reference: r.reference,
        url: r.url,
        action: r.action,
        sources: r.sources,
        unverified: r.unverified,
    })
}

impl Alternatives {
    /// The shipped alternative vendors.
    pub fn bundled(known: &Known<'_>) -> Result<(Alternatives, Vec<Diagnostic>), Diagnostic> {
        Alternatives::parse(
            BUNDLED_ALTERNATIVES,
            "data/alternatives/vendors.toml",
            known,
        )
    }

    /// Parses a file of alternative vendors.
    pub fn parse(
        text: &str,
        file: &str,
        known: &Known<'_>,
    ) -> Result<(Alternatives, Vec<Diagnostic>), Diagnostic> {
        let c = Curated::parse(text, file, &["source", "alternative"])?;
        let mut problems = Vec::new();
        let sources = sources_of(&c, &mut problems);
        let mut vendors = Vec::new();
        for record in c.records("alternative") {
            let a = match c.read::<RawAlternative>(&record) {
                Ok(a) => a,
                Err(e) => {
                    problems.push(e);
                    continue;
                }
            };
            let Some(category) = Category::parse(&a.category) else {
                problems.push(c.error(
                    &record,
                    "category",
                    format!(
                        "{:?} is not one of {}",
                        a.category,
                        spellings(Category::ALL, Category::as_str).join(", ")
                    ),
                ));
                continue;
            };
            if let Err(m) = cited(&a.sources, &sources, known) {
                problems.push(c.error(&record, "sources", m));
                continue;
            }
            vendors.push(Alternative {
                category,
                vendor: a.vendor,
                country: a.country,
                note: a.note,
                sources: a.sources,
            });
        }
        Ok((Alternatives { sources, vendors }, problems))
    }

    /// Leaves out the vendors `designated` says are designated, and says
    /// which.
    pub fn without(&mut self, mut designated: impl FnMut(&str) -> Option<String>) -> Vec<String> {
        let mut notes = Vec::new();
        self.vendors.retain(|a| match designated(&a.vendor) {
            Some(why) => {
                notes.push(format!("alternative vendor {:?} left out: {why}", a.vendor));
                false
            }
            None => true,
        });
        notes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Known<'static> {
        Known {
            source: &|s| s.starts_with("reg-"),
            list: &|l| l == "eu-5g-toolbox-hrv",
        }
    }

    #[test]
    fn shipped_files_load_cleanly_against_their_own_sources() {
        let k = Known {
            source: &|_| true,
            list: &|_| true,
        };
        let (p, problems) = Policies::bundled(&k).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(p.frameworks.len(), 7);
        assert!(p.rules.len() >= 10);
        let (a, problems) = Alternatives::bundled(&k).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert!(a.for_category(Category::Scanners).count() >= 2);
    }

    #[test]
    fn a_bad_record_is_left_out_alone() {
        let text = r#"
[[source]]
id = "s1"
url = "https://example.org/law"
title = "A law"

[[framework]]
id = "f"
name = "F"
jurisdiction = "EU"
summary = "..."
sources = ["s1"]

[[rule]]
id = "good"
framework = "f"
title = "ok"
applies_to = ["assets"]
when = "designated"
lists = ["eu-5g-toolbox-hrv"]
verdict = "at-risk"
severity = "high"
reference = "Art. 1"
url = "https://example.org/law"
sources = ["s1", "reg-x"]

[[rule]]
id = "typo"
framework = "f"
title = "bad"
applies_to = ["asets"]
when = "designated"
verdict = "at-risk"
severity = "high"
reference = "Art. 1"
url = "https://example.org/law"
sources = ["s1"]

[[rule]]
id = "nolist"
framework = "f"
title = "bad"
applies_to = ["assets"]
when = "designated"
lists = ["no-such-list"]
verdict = "at-risk"
severity = "high"
reference = "Art. 1"
url = "https://example.org/law"
sources = ["s1"]

[[rule]]
id = "uncited"
framework = "f"
title = "bad"
applies_to = ["assets"]
when = "concentration"
share_above = 0.5
verdict = "review"
severity = "low"
reference = "Art. 2"
url = "https://example.org/law"
sources = ["nowhere"]
colour = "red"
"#;
        let (p, problems) = Policies::parse(text, "mine.toml", &known()).unwrap();
        let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(p.rules.len(), 1);
        assert_eq!(p.rules[0].id, "good");
        assert_eq!(
            problems,
            vec![
                "mine.toml:31:14: error: rule[typo].applies_to: \"asets\" is not one of assets, suppliers, purchases",
                "mine.toml:45:9: error: rule[nolist].lists: \"no-such-list\" is not a list of the registry",
                "mine.toml:64:1: error: rule[uncited]: unknown field `colour`, expected one of `id`, `framework`, `title`, `applies_to`, `categories`, `criticality`, `sectors`, `when`, `lists`, `share_above`, `verdict`, `severity`, `reference`, `url`, `action`, `sources`, `unverified`",
            ]
        );
        let err = Policies::parse("[[rule]\nid=1", "x.toml", &known())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("x.toml:1:8: error: not TOML: "), "{err}");
    }
}
