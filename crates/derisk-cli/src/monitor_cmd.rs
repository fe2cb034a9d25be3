//! `derisk monitor`: recorded runs re-evaluated against the current
//! registry ([`derisk_app::monitor`]), with what changed and the registry
//! changes behind it, as text or JSON lines.

use std::io::Write;

use derisk_app::monitor::{Current, Item, Kind, Reevaluation, differences};
use derisk_app::screen::status_json;
use derisk_store::OpenMode;
use serde_json::{Value, json};

use crate::Outcome;
use crate::cli::{DataFormat, Global, MonitorArgs};
use crate::output::{json_line, stdout};
use crate::registry_cmd::{count, load_for_screening};
use crate::store_cmd::options_text;

pub(crate) fn monitor(global: &Global, args: &MonitorArgs) -> anyhow::Result<Outcome> {
    let mode = if args.no_record {
        OpenMode::Read
    } else {
        OpenMode::Write
    };
    let mut store = derisk_app::session::open_existing(
        &global.db(),
        mode,
        "add --no-record to report without recording, or wait for the other process",
    )?;
    let bases = derisk_app::monitor::bases(&*store, &args.runs, &mut crate::say)?;
    if bases.is_empty() {
        return Ok(Outcome::Clean);
    }
    let (registry, snapshot_hash, index) = load_for_screening(global)?;
    let mut out = stdout();
    let summary = derisk_app::monitor::run(
        &mut *store,
        &bases,
        Current {
            registry: &registry,
            snapshot_hash,
            index,
        },
        !args.no_record,
        &mut crate::say,
        |r| write_run(&mut out, args.format, &registry, r),
    )?;
    out.flush()?;
    let mut line = format!(
        "derisk: monitor: {} re-evaluated against registry {}: {} new, {} changed, {} gone; {} need attention",
        count(summary.evaluated, "run"),
        registry.short_hash(),
        summary.tally[Kind::New as usize],
        summary.tally[Kind::Changed as usize],
        summary.tally[Kind::Gone as usize],
        summary.attention
    );
    if !summary.recorded.is_empty() {
        let ids: Vec<String> = summary.recorded.iter().map(|i| i.to_string()).collect();
        line.push_str(&format!("; recorded as run {}", ids.join(", ")));
    }
    eprintln!("{line}");
    Ok(if summary.attention > 0 {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

fn summary_line(v: &Value) -> String {
    format!(
        "{} {:.3} → {} ({})",
        v["decision"].as_str().unwrap_or("?"),
        v["score"].as_f64().unwrap_or(0.0),
        v["caption"].as_str().unwrap_or("?"),
        v["entity_id"].as_str().unwrap_or("?")
    )
}

fn write_run(
    out: &mut impl Write,
    format: DataFormat,
    registry: &derisk_registry::Registry,
    r: Reevaluation<'_>,
) -> anyhow::Result<()> {
    let (base, items, changes, have_old) = (r.base, r.items, r.changes, r.have_old);
    let related = |item: &Item<'_>| -> Vec<&derisk_registry::Change> {
        let ids = item.entities();
        changes.iter().filter(|c| ids.contains(&c.entity)).collect()
    };
    match format {
        DataFormat::Text => {
            writeln!(
                out,
                "run {} ({} {}, {}; {}), registry {} → {}: {}",
                base.id,
                base.command,
                base.inputs
                    .iter()
                    .map(|i| i.path.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                base.started_at,
                options_text(base.command, &base.options),
                &base.registry_hash[..12],
                registry.short_hash(),
                if items.is_empty() {
                    "no finding changed".to_owned()
                } else {
                    count(items.len(), "change")
                }
            )?;
            if !have_old {
                writeln!(
                    out,
                    "  (the registry run {} was screened with cannot be read from the store, so the registry changes behind these are not shown)",
                    base.id
                )?;
            }
            for item in items {
                let shown = item.after.as_ref().or(item.before.as_ref());
                writeln!(
                    out,
                    "  {:<8} {}  {}:{}  {:?}  {}  [{}]",
                    item.kind.as_str(),
                    item.key,
                    item.record.file,
                    item.record.row,
                    item.record.name,
                    shown.map(summary_line).unwrap_or_default(),
                    item.status.as_str()
                )?;
                if let Some(d) = item.status.decision() {
                    writeln!(
                        out,
                        "           was {} by {} at {}: {}",
                        d.verdict.as_str(),
                        d.by,
                        d.at,
                        d.reason
                    )?;
                }
                for d in differences(item.before.as_ref(), item.after.as_ref()) {
                    writeln!(out, "           {d}")?;
                }
                for c in related(item) {
                    write!(
                        out,
                        "           registry: {} {} {}",
                        c.change.sign(),
                        c.fact,
                        c.what
                    )?;
                    if let Some(d) = &c.detail {
                        write!(out, ": {d}")?;
                    }
                    writeln!(out)?;
                }
            }
        }
        DataFormat::Jsonl => {
            for item in items {
                let mut v = json!({
                    "run": base.id,
                    "change": item.kind.as_str(),
                    "finding": item.key,
                    "file": item.record.file,
                    "row": item.record.row,
                    "input": item.record.name,
                    "before": item.before,
                    "after": item.after,
                    "differences": differences(item.before.as_ref(), item.after.as_ref()),
                    "registry_changes": related(item).iter().map(|c| json!({
                        "change": c.change.as_str(), "fact": c.fact, "entity": c.entity,
                        "what": c.what, "detail": c.detail,
                    })).collect::<Vec<_>>(),
                    "registry": {"before": base.registry_hash, "after": registry.hash()},
                });
                status_json(&mut v, &item.status);
                v["attention"] = json!(item.needs_attention());
                json_line(out, &v)?;
            }
        }
    }
    Ok(())
}
