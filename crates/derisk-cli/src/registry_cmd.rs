//! `derisk registry …`: validate, list, show and count the registry.

use std::io::Write;

use anyhow::Context as _;
use comfy_table::{ContentArrangement, Table, presets};
use derisk_core::{Designation, EntityKind, Verification};
use derisk_registry::{Loaded, Registry, Severity};
use serde_json::{Value, json};

use derisk_app::entity::{current_labels, designation_json, find, show_json, show_text};

use crate::Outcome;
use crate::cli::{DataFormat, DocFormat, Global, RegistryCommand, TableFormat};
use crate::output::{json_document, json_line, stdout};

pub(crate) fn run(global: &Global, cmd: &RegistryCommand) -> anyhow::Result<Outcome> {
    match cmd {
        RegistryCommand::Validate { format, strict } => validate(global, *format, *strict),
        RegistryCommand::List {
            format,
            kind,
            designated,
        } => list(
            &load_for_use(global)?,
            *format,
            kind.as_deref(),
            *designated,
        ),
        RegistryCommand::Show { query, format } => show(&load_for_use(global)?, query, *format),
        RegistryCommand::Stats { format } => stats(&load_for_use(global)?, *format),
        RegistryCommand::Freshness { format, today } => {
            freshness(&load_for_use(global)?, *format, today.as_deref())
        }
        RegistryCommand::Build { out } => crate::snapshot_cmd::build(&load_for_use(global)?, out),
        RegistryCommand::Diff { old, new, format } => crate::snapshot_cmd::diff(old, new, *format),
        RegistryCommand::Mac { macs, format } => {
            crate::mac_cmd::mac(&load_for_use(global)?, macs, *format)
        }
        RegistryCommand::Ieee {
            files,
            output,
            source,
        } => crate::mac_cmd::ieee(&load_for_use(global)?, files, *output, source),
        RegistryCommand::Path {
            query,
            format,
            control,
        } => crate::path_cmd::path(&load_for_use(global)?, query, *format, control.rules()?),
    }
}

/// Where the global flags say the registry comes from.
pub(crate) fn sources(global: &Global) -> derisk_app::registry::Sources {
    derisk_app::registry::Sources {
        directory: global.registry.clone(),
        overlays: global.overlay.clone(),
        snapshot: global.snapshot.clone(),
        ftm: global.ftm.clone(),
        csl: global.csl.clone(),
        ieee: global.ieee.clone(),
        today: crate::today(),
    }
}

fn load(global: &Global) -> anyhow::Result<Loaded> {
    Ok(derisk_app::registry::load_files(&sources(global))?)
}

/// Loads the registry for a command that uses it. Records with errors are
/// left out; say so once on standard error so the user knows to validate.
pub(crate) fn load_for_use(global: &Global) -> anyhow::Result<Registry> {
    load_for_run(global).map(|(registry, _)| registry)
}

/// [`load_for_use`], with the content hash of the snapshot file when one
/// was loaded (recorded with runs).
pub(crate) fn load_for_run(global: &Global) -> anyhow::Result<(Registry, Option<String>)> {
    load_registry(global, false).map(|(r, hash, _)| (r, hash))
}

/// [`load_for_run`], with the name index of a snapshot used as it is
/// (no imports layered over it), for screening.
pub(crate) fn load_for_screening(
    global: &Global,
) -> anyhow::Result<(Registry, Option<String>, Option<derisk_match::Matcher>)> {
    load_registry(global, true)
}

fn load_registry(
    global: &Global,
    with_index: bool,
) -> anyhow::Result<(Registry, Option<String>, Option<derisk_match::Matcher>)> {
    let assembled = derisk_app::registry::assemble(&sources(global), with_index, &mut |e| {
        report(&e);
    })?;
    Ok((assembled.registry, assembled.snapshot_hash, assembled.index))
}

/// How many problems of one import are printed before the rest are
/// counted.
const SHOWN_PROBLEMS: usize = 20;

/// Says on standard error what happened while the registry was assembled.
fn report(event: &derisk_app::registry::Event) {
    use derisk_app::registry::Event;
    match event {
        Event::LeftOut { errors } => eprintln!(
            "derisk: warning: the registry has {}; the records at fault are left out \
             (run `derisk registry validate` for details)",
            count(*errors, "error")
        ),
        Event::IndexUnusable { file, why } => eprintln!(
            "derisk: warning: {}: the name index cannot be used ({why}); building it again",
            file.display()
        ),
        Event::Imported(import) => {
            for p in import.problems.iter().take(SHOWN_PROBLEMS) {
                eprintln!("derisk: {p}");
            }
            if import.problems.len() > SHOWN_PROBLEMS {
                eprintln!(
                    "derisk: … and {} more problems in {}",
                    import.problems.len() - SHOWN_PROBLEMS,
                    import.file
                );
            }
            eprintln!("derisk: {import}");
        }
    }
}

pub(crate) use derisk_app::registry::count;

// ------------------------------------------------------------------ validate

fn validate(global: &Global, format: DataFormat, strict: bool) -> anyhow::Result<Outcome> {
    let loaded = load(global)?;
    let mut out = stdout();
    for d in &loaded.diagnostics {
        match format {
            DataFormat::Text => writeln!(out, "{d}")?,
            DataFormat::Jsonl => json_line(
                &mut out,
                &json!({
                    "severity": d.severity.as_str(),
                    "file": d.file,
                    "line": d.line,
                    "column": d.column,
                    "field": d.field,
                    "message": d.message,
                }),
            )?,
        }
    }
    out.flush()?;
    let r = &loaded.registry;
    let (errors, warnings) = (loaded.error_count(), loaded.warning_count());
    eprintln!(
        "registry {}: {}, {}, {}, {}, {}, {}; {}, {}",
        r.short_hash(),
        count(r.files().len(), "file"),
        count(r.entities().len(), "entity"),
        count(r.relations().len(), "relation"),
        count(r.designations().len(), "designation"),
        count(r.sources().len(), "source"),
        count(r.mac_blocks().len(), "MAC block"),
        count(errors, "error"),
        count(warnings, "warning"),
    );
    let failed = errors > 0
        || (strict
            && loaded
                .diagnostics
                .iter()
                .any(|d| d.severity == Severity::Warning));
    Ok(if failed {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

// ---------------------------------------------------------------------- list

fn list(
    r: &Registry,
    format: TableFormat,
    kind: Option<&str>,
    designated: bool,
) -> anyhow::Result<Outcome> {
    let kind = kind.map(|k| EntityKind::parse(k).context("clap checked the kind"));
    let kind = kind.transpose()?;
    let entities = r
        .entities()
        .iter()
        .filter(|e| kind.is_none_or(|k| e.kind == k))
        .filter(|e| {
            !designated
                || r.designations_of(e.id.as_str())
                    .any(Designation::is_current)
        });
    let mut out = stdout();
    match format {
        TableFormat::Jsonl => {
            for e in entities {
                let designations: Vec<Value> = r
                    .designations_of(e.id.as_str())
                    .map(|d| designation_json(r, d))
                    .collect();
                let mut doc = json!({
                    "id": e.id,
                    "kind": e.kind,
                    "name": e.caption,
                    "country": e.country,
                    "state": e.state,
                    "designations": designations,
                });
                if let Verification::Unverified(reason) = &e.verification {
                    doc["unverified"] = json!(reason);
                }
                json_line(&mut out, &doc)?;
            }
        }
        TableFormat::Table => {
            let mut table = Table::new();
            table
                .load_style(presets::NOTHING)
                .set_content_arrangement(ContentArrangement::Disabled);
            table.set_header(["ID", "KIND", "CC", "NAME", "LISTS (current)"]);
            for e in entities {
                let mut name = e.caption.clone();
                if !e.verification.is_verified() {
                    name.push_str(" [unverified]");
                }
                table.add_row([
                    e.id.to_string(),
                    e.kind.to_string(),
                    e.country.map(|c| c.to_string()).unwrap_or_default(),
                    name,
                    current_labels(r, e),
                ]);
            }
            for column in table.column_iter_mut() {
                column.set_padding((0, 2));
            }
            for line in table.lines() {
                writeln!(out, "{}", line.trim_end())?;
            }
        }
    }
    out.flush()?;
    Ok(Outcome::Clean)
}

// ---------------------------------------------------------------------- show

fn show(r: &Registry, query: &str, format: DocFormat) -> anyhow::Result<Outcome> {
    let e = find(r, query)?;
    let mut out = stdout();
    match format {
        DocFormat::Text => out.write_all(show_text(r, e).as_bytes())?,
        DocFormat::Json => {
            json_document(&mut out, &show_json(r, e))?;
        }
    }
    out.flush()?;
    Ok(Outcome::Clean)
}

// --------------------------------------------------------------------- stats

fn freshness(r: &Registry, format: DocFormat, today: Option<&str>) -> anyhow::Result<Outcome> {
    let today = match today {
        Some(t) => t
            .parse::<derisk_core::PartialDate>()
            .map_err(|e| anyhow::anyhow!("--today: {e}"))?,
        None => crate::today(),
    };
    let f = r.freshness(today, derisk_registry::ControlRules::default());
    let mut out = stdout();
    let date =
        |d: Option<derisk_core::PartialDate>| d.map_or_else(|| "-".to_owned(), |d| d.to_string());
    match format {
        DocFormat::Json => {
            let rows = |rows: &[derisk_registry::Fresh]| -> Vec<Value> {
                rows.iter()
                    .map(|x| {
                        json!({
                            "id": x.id,
                            "name": x.name,
                            "facts": x.facts,
                            "newest_fact": x.newest_fact.map(|d| d.to_string()),
                            "newest_source": x.newest_source.map(|d| d.to_string()),
                            "newest_source_id": x.newest_source_id.as_ref().map(|s| s.as_str()),
                            "stale": x.stale,
                            "undated": x.undated,
                            "upcoming": x.upcoming,
                        })
                    })
                    .collect()
            };
            let doc = json!({
                "registry": r.hash(),
                "today": f.today.to_string(),
                "stale_before": f.cutoff.to_string(),
                "lists": rows(&f.lists),
                "families": rows(&f.families),
            });
            json_document(&mut out, &doc)?;
        }
        DocFormat::Text => {
            writeln!(
                out,
                "registry {} on {}: a fact is stale when its newest source is from before {}",
                r.short_hash(),
                f.today,
                f.cutoff
            )?;
            writeln!(out)?;
            let table = |rows: &[derisk_registry::Fresh], what: &str| -> Vec<Vec<String>> {
                rows.iter()
                    .filter(|x| x.facts > 0 || what == "LIST")
                    .map(|x| {
                        vec![
                            x.id.clone(),
                            x.facts.to_string(),
                            date(x.newest_fact),
                            date(x.newest_source),
                            x.stale.to_string(),
                            x.undated.to_string(),
                            x.upcoming.to_string(),
                        ]
                    })
                    .collect()
            };
            crate::output::table(
                &mut out,
                &[
                    "LIST",
                    "DESIGNATIONS",
                    "NEWEST FACT",
                    "NEWEST SOURCE",
                    "STALE",
                    "UNDATED",
                    "UPCOMING",
                ],
                table(&f.lists, "LIST"),
            )?;
            writeln!(out)?;
            crate::output::table(
                &mut out,
                &[
                    "FAMILY",
                    "FACTS",
                    "NEWEST FACT",
                    "NEWEST SOURCE",
                    "STALE",
                    "UNDATED",
                    "UPCOMING",
                ],
                table(&f.families, "FAMILY"),
            )?;
            let t = f.total();
            writeln!(
                out,
                "\n{} facts: {} rest on sources from before {}, {} on undated sources only",
                t.facts, t.stale, f.cutoff, t.undated
            )?;
        }
    }
    Ok(Outcome::Clean)
}

fn stats(r: &Registry, format: DocFormat) -> anyhow::Result<Outcome> {
    let s = r.stats();
    let mut out = stdout();
    match format {
        DocFormat::Json => {
            let doc = json!({
                "registry": r.hash(),
                "files": s.files,
                "entities": s.entities,
                "names": s.names,
                "relations": s.relations,
                "designations": s.designations,
                "lists": s.lists,
                "sources": s.sources,
                "sources_by_standing": s.sources_by_standing,
                "designations_citing_primary": s.designations_primary,
                "mac_blocks": s.mac_blocks,
                "unverified": s.unverified,
            });
            json_document(&mut out, &doc)?;
        }
        DocFormat::Text => {
            let total = |m: &std::collections::BTreeMap<&str, usize>| m.values().sum::<usize>();
            let parts = |m: &std::collections::BTreeMap<&str, usize>| {
                m.iter()
                    .filter(|(_, n)| **n > 0)
                    .map(|(k, n)| format!("{k} {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            writeln!(out, "registry {} ({} files)", r.short_hash(), s.files)?;
            writeln!(
                out,
                "entities      {:>5}  ({})",
                total(&s.entities),
                parts(&s.entities)
            )?;
            writeln!(
                out,
                "names         {:>5}  ({})",
                total(&s.names),
                parts(&s.names)
            )?;
            writeln!(
                out,
                "relations     {:>5}  ({})",
                total(&s.relations),
                parts(&s.relations)
            )?;
            let designations = s.designations.values().sum::<usize>();
            writeln!(
                out,
                "designations  {designations:>5}  on {} lists; {} cite a primary source ({}%)",
                s.lists,
                s.designations_primary,
                (s.designations_primary * 100)
                    .checked_div(designations)
                    .unwrap_or(0)
            )?;
            writeln!(
                out,
                "sources       {:>5}  ({})",
                s.sources,
                parts(&s.sources_by_standing)
            )?;
            writeln!(
                out,
                "MAC blocks    {:>5}  ({})",
                total(&s.mac_blocks),
                parts(&s.mac_blocks)
            )?;
            writeln!(
                out,
                "unverified    {:>5}  facts shown as UNVERIFIED wherever they appear",
                s.unverified
            )?;
            writeln!(out)?;
            writeln!(out, "designations by list")?;
            let mut by_list: Vec<(&String, &usize)> = s.designations.iter().collect();
            by_list.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            for (list, n) in by_list {
                let short = r.list(list).map_or("", |l| l.short.as_str());
                writeln!(out, "  {n:>4}  {short:<8} {list}")?;
            }
        }
    }
    out.flush()?;
    Ok(Outcome::Clean)
}
