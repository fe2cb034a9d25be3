//! MAC addresses and the IEEE registries: who made the device with a MAC
//! address, and what IEEE registry files hold against the registry (the
//! blocks linked to its entities, as registry TOML, and the unlinked
//! assignees that look like them).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use derisk_core::{MacAssignment as Assignment, MacBlock};
use derisk_match::{Query, ScoreConfig, Scratch, Screener};
use derisk_registry::{MacLookup, Registry};
use serde_json::{Value, json};

use crate::Message;

/// What a MAC address says of its maker.
#[derive(Clone, Debug)]
pub struct Described {
    /// `registry`, `assigned`, `local`, `group`, `unknown` or `invalid`.
    pub verdict: &'static str,
    /// The verdict in words.
    pub text: String,
    /// The verdict's fields on the wire (an object).
    pub fields: Value,
}

/// Names the maker of a MAC address: a registry entity (with its
/// designations in force), an IEEE assignee outside the registry, or why
/// the address names none.
pub fn describe(registry: &Registry, mac: &str) -> Described {
    let (verdict, text, fields) = match registry.mac_lookup(mac) {
        MacLookup::Entity(b, e) => {
            let lists: Vec<&str> = registry
                .designations_of(e.id.as_str())
                .filter(|d| d.end.is_none())
                .filter_map(|d| registry.list(d.list.as_str()).map(|l| l.short.as_str()))
                .collect();
            (
                "registry",
                format!(
                    "{} {} {:?} = {} ({}){}",
                    b.registry,
                    b.prefix,
                    b.assignee,
                    e.id,
                    e.caption,
                    if lists.is_empty() {
                        String::new()
                    } else {
                        format!(" [{}]", lists.join(", "))
                    }
                ),
                json!({"registry": b.registry.as_str(), "prefix": b.prefix.as_str(),
                    "assignee": b.assignee, "entity": e.id.as_str(), "caption": e.caption,
                    "sources": b.sources.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
                    "designations": lists}),
            )
        }
        MacLookup::Assigned(a) => (
            "assigned",
            format!(
                "{} {} {:?} (not in the registry)",
                a.registry, a.prefix, a.assignee
            ),
            json!({"registry": a.registry.as_str(), "prefix": a.prefix.as_str(),
                "assignee": a.assignee, "address": a.address}),
        ),
        MacLookup::Local => (
            "local",
            "locally administered (set by its owner or randomised): names no maker".into(),
            json!({}),
        ),
        MacLookup::Group => (
            "group",
            "a multicast or broadcast address: names no device".into(),
            json!({}),
        ),
        MacLookup::Unknown => (
            "unknown",
            "no known block (import the IEEE registries with --ieee to name any maker)".into(),
            json!({}),
        ),
        MacLookup::Invalid => {
            (
                "invalid",
                "not a MAC address: expected 12 hexadecimal digits, separated by ':', '-' or '.' or not at all".into(),
                json!({}),
            )
        }
    };
    Described {
        verdict,
        text,
        fields,
    }
}

/// What IEEE registry files hold, read against the registry.
#[derive(Debug, Default)]
pub struct Ieee {
    /// Every assignment read.
    pub assignments: Vec<Assignment>,
    /// The blocks whose assignee is a registry entity's name.
    pub blocks: Vec<MacBlock>,
    /// Notes of the reading (assignees linked by more than one name, ...).
    pub notes: Vec<String>,
}

/// Reads IEEE registry files (CSV or text listings, or npm oui-data's
/// JSON), linking assignees to registry entities by name.
pub fn read_ieee(
    registry: &Registry,
    files: &[String],
    say: &mut dyn FnMut(Message),
) -> anyhow::Result<Ieee> {
    let mut out = Ieee::default();
    for file in files {
        let imp = crate::registry::read_ieee(file, registry, crate::clock::today())?;
        for d in &imp.diagnostics {
            say(Message::new("", d.to_string()));
        }
        say(Message::new(
            "",
            format!(
                "{file}: {} assignments, {} linked to registry entities",
                imp.assignments.len(),
                imp.mac_blocks.len()
            ),
        ));
        out.assignments.extend(imp.assignments);
        out.blocks.extend(imp.mac_blocks);
        out.notes.extend(imp.stats.notes);
    }
    Ok(out)
}

impl Ieee {
    /// The linked blocks as registry TOML (`[[mac_block]]` tables grouped
    /// by entity, registry and assignee), each citing `source_id`; `files`
    /// are named in the header comment.
    pub fn toml(&self, files: &[String], source_id: &str) -> String {
        let mut out = String::new();
        // Grouped by entity, registry and assignee, as the registry
        // files write them.
        let mut groups: BTreeMap<(String, &str, String), Vec<&str>> = BTreeMap::new();
        for b in &self.blocks {
            groups
                .entry((
                    b.entity.as_str().to_owned(),
                    b.registry.as_str(),
                    b.assignee.clone(),
                ))
                .or_default()
                .push(b.prefix.as_str());
        }
        let _ = writeln!(
            out,
            "# IEEE MAC blocks of registry entities, generated by\n# `derisk registry ieee --output toml --source {source_id} {}`.\n# Assignees are linked to entities by name (docs/formats/registry.md).",
            files.join(" ")
        );
        for ((entity, reg, assignee), mut prefixes) in groups {
            prefixes.sort_unstable();
            let _ = writeln!(out, "\n[[mac_block]]");
            let _ = writeln!(out, "entity = {}", toml_string(&entity));
            let _ = writeln!(out, "registry = {}", toml_string(reg));
            let _ = writeln!(out, "assignee = {}", toml_string(&assignee));
            let _ = writeln!(out, "prefixes = [");
            for chunk in prefixes.chunks(6) {
                let items: Vec<String> = chunk.iter().map(|p| toml_string(p)).collect();
                let _ = writeln!(out, "  {},", items.join(", "));
            }
            let _ = writeln!(out, "]");
            let _ = writeln!(out, "sources = [{}]", toml_string(source_id));
        }
        out
    }

    /// Unlinked assignees that screen like registry entities, best first:
    /// score, assignee, its blocks, the entity.
    pub fn lookalikes<'s>(&'s self, registry: &'s Registry) -> Vec<(f64, &'s str, usize, &'s str)> {
        let linked: HashSet<&str> = self.blocks.iter().map(|b| b.assignee.as_str()).collect();
        let mut unlinked: HashMap<&str, Vec<&str>> = HashMap::new();
        for a in &self.assignments {
            if !linked.contains(a.assignee.as_str()) {
                unlinked
                    .entry(a.assignee.as_str())
                    .or_default()
                    .push(a.prefix.as_str());
            }
        }
        let screener = Screener::new(registry, ScoreConfig::default());
        let mut scratch = Scratch::default();
        let mut lookalikes = Vec::new();
        for (name, prefixes) in &unlinked {
            let screened = screener.screen(
                &Query {
                    name,
                    country: None,
                    identifier: None,
                },
                Some(1),
                &mut scratch,
            );
            if let Some(h) = screened.matches.first() {
                lookalikes.push((h.score, *name, prefixes.len(), h.entity.id.as_str()));
            }
        }
        lookalikes.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        lookalikes
    }

    /// Linked blocks per entity.
    pub fn per_entity(&self) -> BTreeMap<&str, usize> {
        let mut per_entity: BTreeMap<&str, usize> = BTreeMap::new();
        for b in &self.blocks {
            *per_entity.entry(b.entity.as_str()).or_default() += 1;
        }
        per_entity
    }
}

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
