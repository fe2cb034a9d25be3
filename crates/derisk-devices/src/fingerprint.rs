//! Fingerprint rules: a field of the observation format, a regular
//! expression, the vendor it names (and the registry entity, when the
//! vendor is one), optional captures for the model and firmware, the
//! sources of the fact, and examples that must match and counterexamples
//! that must not. The shipped rules are `data/fingerprints/rules.toml`;
//! the format is in `docs/formats/fingerprints.md`.

use derisk_registry::Diagnostic;
use derisk_registry::curated::Curated;
use regex::Regex;
use serde::Deserialize;

use crate::observation::{Device, Field};

/// The shipped rules, embedded at build time.
const BUNDLED: &str = include_str!("../../../data/fingerprints/rules.toml");

/// Where a rule file's facts come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// Its id, cited by rules.
    pub id: String,
    /// Where it was read.
    pub url: String,
    /// Its title.
    pub title: String,
    /// Who published it.
    pub publisher: String,
    /// When (as precise as known).
    pub published: String,
    /// What it states, in our words.
    pub note: Option<String>,
}

impl Source {
    /// Whether an entry (a `what`) cites sources, all defined in its file.
    pub(crate) fn check_cited(
        sources: &[Source],
        cited: &[String],
        what: &str,
    ) -> Result<(), String> {
        if cited.is_empty() {
            return Err(format!("none: every {what} names the sources of its fact"));
        }
        match cited.iter().find(|s| !sources.iter().any(|x| &x.id == *s)) {
            Some(s) => Err(format!("{s:?} is not defined in the file")),
            None => Ok(()),
        }
    }

    /// The `[[source]]` records of a data file; one with a mistake, or
    /// whose id is taken, is left out with a problem.
    pub(crate) fn read_all(file: &Curated<'_>, problems: &mut Vec<Diagnostic>) -> Vec<Source> {
        let mut out: Vec<Source> = Vec::new();
        for record in file.records("source") {
            match file.read::<SourceDef>(&record) {
                Ok(s) if out.iter().any(|o| o.id == s.id) => problems.push(file.error(
                    &record,
                    "id",
                    "the id is defined twice; the first is kept",
                )),
                Ok(s) => out.push(Source {
                    id: s.id,
                    url: s.url,
                    title: s.title,
                    publisher: s.publisher,
                    published: match s.published {
                        toml::Value::String(s) => s,
                        toml::Value::Datetime(d) => d.to_string(),
                        other => format!("{other:?}"),
                    },
                    note: s.note,
                }),
                Err(e) => problems.push(e),
            }
        }
        out
    }
}

/// One example value of a rule, with the captures it must give.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// The value.
    pub value: String,
    /// The model it must capture.
    pub model: Option<String>,
    /// The firmware it must capture.
    pub firmware: Option<String>,
}

/// A compiled rule.
#[derive(Clone, Debug)]
pub struct Rule {
    /// Its id.
    pub id: String,
    /// What it recognises.
    pub description: String,
    /// The field it reads.
    pub field: Field,
    /// Other fields it reads the same way (a model number written in an
    /// inventory, an ONVIF reply or a sysDescr).
    pub also: Vec<Field>,
    /// The expression.
    pub regex: Regex,
    /// The vendor it names (when `vendor_group` is set, the capture gives
    /// it and this is empty).
    pub vendor: String,
    /// Capture group of the vendor, for rules that read it from the value.
    pub vendor_group: Option<usize>,
    /// The registry entity of that vendor, if the rule names one; else the
    /// vendor's name is looked up in the registry when the rule matches.
    pub entity: Option<String>,
    /// Capture group of the model.
    pub model: Option<usize>,
    /// Capture group of the firmware version.
    pub firmware: Option<usize>,
    /// How strongly a match names the maker, in (0, 1].
    pub confidence: f64,
    /// The ids of its sources.
    pub sources: Vec<String>,
    /// Values it must match.
    pub examples: Vec<Example>,
    /// Values it must not match.
    pub counterexamples: Vec<String>,
}

/// A rule that matched a device.
#[derive(Clone, Debug)]
pub struct Match<'a> {
    /// The rule.
    pub rule: &'a Rule,
    /// The field of the value it matched.
    pub field: Field,
    /// The value it matched.
    pub value: &'a str,
    /// The vendor named (the rule's, or captured).
    pub vendor: String,
    /// The model captured, if any.
    pub model: Option<String>,
    /// The firmware captured, if any.
    pub firmware: Option<String>,
}

/// Model, firmware and vendor captured by a match.
type Captured = (Option<String>, Option<String>, Option<String>);

/// A set of rules with their sources.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    /// The rules, in file order.
    pub rules: Vec<Rule>,
    /// The sources they cite.
    pub sources: Vec<Source>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SourceDef {
    id: String,
    url: String,
    title: String,
    publisher: String,
    published: toml::Value,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    id: String,
    description: String,
    field: String,
    #[serde(default)]
    also: Vec<String>,
    pattern: String,
    vendor: String,
    entity: Option<String>,
    model: Option<usize>,
    firmware: Option<usize>,
    confidence: f64,
    sources: Vec<String>,
    examples: Vec<Example>,
    #[serde(default)]
    counterexamples: Vec<String>,
}

/// A rule checked (its id, fields, pattern, captures, confidence,
/// sources and examples); the field at fault and what is wrong otherwise.
fn rule(r: RuleDef, earlier: &[Rule], sources: &[Source]) -> Result<Rule, (&'static str, String)> {
    if earlier.iter().any(|x| x.id == r.id) {
        return Err(("id", "the id is used twice".into()));
    }
    let Some(field) = Field::parse(&r.field) else {
        return Err((
            "field",
            format!("{:?} is not a field of the observation format", r.field),
        ));
    };
    let also: Vec<Option<Field>> = r.also.iter().map(|f| Field::parse(f)).collect();
    if let Some(bad_field) = r.also.iter().zip(&also).find(|(_, f)| f.is_none()) {
        return Err((
            "also",
            format!("{:?} is not a field of the observation format", bad_field.0),
        ));
    }
    let regex = regex::RegexBuilder::new(&r.pattern)
        .size_limit(1 << 24)
        .build()
        .map_err(|e| ("pattern", format!("does not compile: {e}")))?;
    let groups = regex.captures_len() - 1;
    for (key, group) in [("model", r.model), ("firmware", r.firmware)] {
        if let Some(g) = group.filter(|&g| g == 0 || g > groups) {
            return Err((
                key,
                format!("capture group {g} does not exist (the pattern has {groups})"),
            ));
        }
    }
    if !(r.confidence > 0.0 && r.confidence <= 1.0) {
        return Err((
            "confidence",
            format!("{}: expected a number in (0, 1]", r.confidence),
        ));
    }
    Source::check_cited(sources, &r.sources, "rule").map_err(|m| ("sources", m))?;
    if r.examples.is_empty() {
        return Err((
            "examples",
            "none: every rule carries values it must match".into(),
        ));
    }
    Ok(Rule {
        id: r.id,
        description: r.description,
        field,
        also: also.into_iter().flatten().collect(),
        regex,
        vendor: r.vendor,
        vendor_group: None,
        entity: r.entity,
        model: r.model,
        firmware: r.firmware,
        confidence: r.confidence,
        sources: r.sources,
        examples: r.examples,
        counterexamples: r.counterexamples,
    })
}

impl Rules {
    /// The shipped rules, and the problems of the shipped file (none:
    /// the tests check).
    pub fn bundled() -> Result<(Rules, Vec<Diagnostic>), Diagnostic> {
        Rules::parse(BUNDLED, "data/fingerprints/rules.toml")
    }

    /// Parses a rule file. A file that is not TOML fails whole; a rule
    /// with a problem is left out with a diagnostic naming it and the
    /// field at fault.
    pub fn parse(text: &str, file: &str) -> Result<(Rules, Vec<Diagnostic>), Diagnostic> {
        let c = Curated::parse(text, file, &["source", "rule"])?;
        let mut problems = Vec::new();
        let sources = Source::read_all(&c, &mut problems);
        let mut rules: Vec<Rule> = Vec::new();
        for record in c.records("rule") {
            let r = match c.read::<RuleDef>(&record) {
                Ok(r) => r,
                Err(e) => {
                    problems.push(e);
                    continue;
                }
            };
            match rule(r, &rules, &sources) {
                Ok(r) => rules.push(r),
                Err((field, message)) => problems.push(c.error(&record, field, message)),
            }
        }
        Ok((Rules { rules, sources }, problems))
    }

    /// Adds another set's rules and sources after these.
    pub fn extend(&mut self, other: Rules) {
        self.rules.extend(other.rules);
        self.sources.extend(other.sources);
    }

    /// Runs every rule on its examples and counterexamples; returns what
    /// failed.
    pub fn check_examples(&self) -> Vec<String> {
        let mut failures = Vec::new();
        for rule in &self.rules {
            for ex in &rule.examples {
                match rule.apply(&ex.value) {
                    None => failures.push(format!(
                        "rule {}: example {:?} does not match",
                        rule.id, ex.value
                    )),
                    Some((model, firmware, _)) => {
                        if ex.model.is_some() && model != ex.model {
                            failures.push(format!(
                                "rule {}: example {:?} gives model {model:?}, expected {:?}",
                                rule.id, ex.value, ex.model
                            ));
                        }
                        if ex.firmware.is_some() && firmware != ex.firmware {
                            failures.push(format!(
                                "rule {}: example {:?} gives firmware {firmware:?}, expected {:?}",
                                rule.id, ex.value, ex.firmware
                            ));
                        }
                    }
                }
            }
            for value in &rule.counterexamples {
                if rule.regex.is_match(value) {
                    failures.push(format!(
                        "rule {}: counterexample {value:?} matches",
                        rule.id
                    ));
                }
            }
        }
        failures
    }

    /// Every rule that matches one of the device's values.
    pub fn matches<'a>(&'a self, device: &'a Device) -> Vec<Match<'a>> {
        let mut out = Vec::new();
        for rule in &self.rules {
            let fields = std::iter::once(rule.field).chain(rule.also.iter().copied());
            let values = fields.flat_map(|f| device.all(f).map(move |v| (f, v)));
            for (field, value) in values {
                if let Some((model, firmware, vendor)) = rule.apply(value) {
                    out.push(Match {
                        rule,
                        field,
                        value,
                        vendor: vendor.unwrap_or_else(|| rule.vendor.clone()),
                        model,
                        firmware,
                    });
                    break;
                }
            }
        }
        out
    }
}

impl Rule {
    /// The model, firmware and vendor captured, if the rule matches
    /// `value`.
    fn apply(&self, value: &str) -> Option<Captured> {
        if self.model.is_none() && self.firmware.is_none() && self.vendor_group.is_none() {
            return self.regex.is_match(value).then_some((None, None, None));
        }
        let caps = self.regex.captures(value)?;
        let group = |g: Option<usize>| {
            g.and_then(|g| caps.get(g))
                .map(|m| m.as_str().trim().to_owned())
                .filter(|s| !s.is_empty())
        };
        Some((
            group(self.model),
            group(self.firmware),
            group(self.vendor_group),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_rules_load_and_pass_their_examples() {
        let rules = derisk_registry::curated::clean(Rules::bundled()).unwrap();
        assert!(rules.rules.len() >= 18, "{}", rules.rules.len());
        assert_eq!(rules.check_examples(), Vec::<String>::new());
    }

    #[test]
    fn broken_rules_are_each_named() {
        let text = r#"
[[source]]
id = "s"
url = "https://example.org/"
title = "t"
publisher = "p"
published = 2026-01-01

[[rule]]
id = "a"
description = "d"
field = "http_sever"
pattern = "x"
vendor = "V"
confidence = 0.5
sources = ["s"]
examples = [{ value = "x" }]

[[rule]]
id = "b"
description = "d"
field = "http_server"
pattern = "(x"
vendor = "V"
confidence = 0.5
sources = ["s"]
examples = [{ value = "x" }]

[[rule]]
id = "c"
description = "d"
field = "http_server"
pattern = "(x)"
vendor = "V"
model = 2
confidence = 0.5
sources = ["t"]
examples = [{ value = "x" }]
"#;
        let problems: Vec<String> = Rules::parse(text, "my.toml")
            .unwrap()
            .1
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert_eq!(
            problems[0],
            "my.toml:12:9: error: rule[a].field: \"http_sever\" is not a field of the observation format"
        );
        assert!(
            problems[1].starts_with("my.toml:23:11: error: rule[b].pattern: does not compile: "),
            "{}",
            problems[1]
        );
        assert_eq!(
            problems[2],
            "my.toml:35:9: error: rule[c].model: capture group 2 does not exist (the pattern has 1)"
        );
        let wrong = text.replace(
            "vendor = \"V\"\nconfidence",
            "vendor = \"V\"\ncolour = 1\nconfidence",
        );
        let (rules, problems) = Rules::parse(&wrong, "my.toml").unwrap();
        assert_eq!(rules.rules.len(), 0);
        let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(
            problems[0].contains("unknown field `colour`"),
            "{problems:?}"
        );
    }
}
