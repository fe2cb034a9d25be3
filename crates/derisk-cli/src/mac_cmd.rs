//! `derisk registry mac` (who made the device with this MAC address) and
//! `derisk registry ieee` (read IEEE registry files: links, look-alikes,
//! and the TOML extract the shipped registry bundles).

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, Write};

use anyhow::Context as _;
use derisk_match::{Query, ScoreConfig, Scratch, Screener};
use derisk_registry::{MacLookup, Registry};
use serde_json::json;

use crate::Outcome;
use crate::cli::{DataFormat, IeeeOutput};
use crate::output::{json_line, stdout};

/// Names the maker of each MAC address. A finding (exit 1) is an address
/// whose block belongs to a registry entity.
pub(crate) fn mac(
    registry: &Registry,
    macs: &[String],
    format: DataFormat,
) -> anyhow::Result<Outcome> {
    let mut list: Vec<String> = macs.to_vec();
    if list.is_empty() || list == ["-"] {
        list.clear();
        for line in std::io::stdin().lock().lines() {
            let line = line.context("reading MAC addresses from standard input")?;
            let t = line.trim();
            if !t.is_empty() && !t.starts_with('#') {
                list.push(t.to_owned());
            }
        }
    }
    let mut out = stdout();
    let mut found = false;
    let mut invalid = 0;
    for m in &list {
        let hit = registry.mac_lookup(m);
        let (verdict, text, value) = match hit {
            MacLookup::Entity(b, e) => {
                found = true;
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
                invalid += 1;
                (
                    "invalid",
                    "not a MAC address: expected 12 hexadecimal digits, separated by ':', '-' or '.' or not at all".into(),
                    json!({}),
                )
            }
        };
        match format {
            DataFormat::Text => writeln!(out, "{m}  {verdict}  {text}")?,
            DataFormat::Jsonl => {
                let mut v = json!({"mac": m, "verdict": verdict});
                if let (Some(o), Some(extra)) = (v.as_object_mut(), value.as_object()) {
                    o.extend(extra.clone());
                }
                json_line(&mut out, &v)?;
            }
        }
    }
    out.flush()?;
    if invalid > 0 {
        eprintln!(
            "derisk: {invalid} of {} inputs are not MAC addresses",
            list.len()
        );
    }
    Ok(if found {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// Reads IEEE registry files against the registry: how many assignments
/// link to which entities, which unlinked assignees look like registry
/// entities (screened by name), or the linked blocks as registry TOML.
pub(crate) fn ieee(
    registry: &Registry,
    files: &[String],
    output: IeeeOutput,
    source_id: &str,
) -> anyhow::Result<Outcome> {
    let mut assignments = Vec::new();
    let mut blocks = Vec::new();
    let mut notes = Vec::new();
    for file in files {
        let imp = derisk_app::registry::read_ieee(file, registry, crate::today())?;
        for d in &imp.diagnostics {
            eprintln!("derisk: {d}");
        }
        eprintln!(
            "derisk: {file}: {} assignments, {} linked to registry entities",
            imp.assignments.len(),
            imp.mac_blocks.len()
        );
        assignments.extend(imp.assignments);
        blocks.extend(imp.mac_blocks);
        notes.extend(imp.stats.notes);
    }
    let mut out = stdout();
    match output {
        IeeeOutput::Toml => {
            // Grouped by entity, registry and assignee, as the registry
            // files write them.
            let mut groups: BTreeMap<(String, &str, String), Vec<&str>> = BTreeMap::new();
            for b in &blocks {
                groups
                    .entry((
                        b.entity.as_str().to_owned(),
                        b.registry.as_str(),
                        b.assignee.clone(),
                    ))
                    .or_default()
                    .push(b.prefix.as_str());
            }
            writeln!(
                out,
                "# IEEE MAC blocks of registry entities, generated by\n# `derisk registry ieee --output toml --source {source_id} {}`.\n# Assignees are linked to entities by name (docs/formats/registry.md).",
                files.join(" ")
            )?;
            for ((entity, reg, assignee), mut prefixes) in groups {
                prefixes.sort_unstable();
                writeln!(out, "\n[[mac_block]]")?;
                writeln!(out, "entity = {}", toml_string(&entity))?;
                writeln!(out, "registry = {}", toml_string(reg))?;
                writeln!(out, "assignee = {}", toml_string(&assignee))?;
                writeln!(out, "prefixes = [")?;
                for chunk in prefixes.chunks(6) {
                    let items: Vec<String> = chunk.iter().map(|p| toml_string(p)).collect();
                    writeln!(out, "  {},", items.join(", "))?;
                }
                writeln!(out, "]")?;
                writeln!(out, "sources = [{}]", toml_string(source_id))?;
            }
        }
        IeeeOutput::Report => {
            let mut per_entity: BTreeMap<&str, usize> = BTreeMap::new();
            for b in &blocks {
                *per_entity.entry(b.entity.as_str()).or_default() += 1;
            }
            writeln!(out, "Linked blocks by entity:")?;
            for (e, n) in &per_entity {
                writeln!(out, "  {e:<28} {n}")?;
            }
            for n in &notes {
                writeln!(out, "note: {n}")?;
            }
            // Unlinked assignees that screen like registry entities.
            let linked: std::collections::HashSet<&str> =
                blocks.iter().map(|b| b.assignee.as_str()).collect();
            let mut unlinked: HashMap<&str, Vec<&str>> = HashMap::new();
            for a in &assignments {
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
            writeln!(
                out,
                "Unlinked assignees that resemble registry entities ({}; link one by adding its exact name to the entity in an overlay):",
                lookalikes.len()
            )?;
            for (score, name, n, entity) in lookalikes {
                writeln!(out, "  {score:.2}  {name:?} ({n} blocks) ~ {entity}")?;
            }
        }
    }
    out.flush()?;
    Ok(Outcome::Clean)
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
