//! `derisk monitor`: recorded runs re-evaluated against the current
//! registry, with what changed and the registry changes behind it.

use std::collections::{BTreeSet, HashMap};
use std::io::Write;

use anyhow::{Context as _, bail};
use derisk_match::{Scratch, Screener};
use derisk_registry::{Change, Registry};
use derisk_store::{
    Decision, Finding, NewFinding, NewRun, OpenMode, Run, RunKind, RunTotals, Status, Store,
    StoreError,
};
use rayon::prelude::*;
use serde_json::{Value, json};

use crate::Outcome;
use crate::cli::{DataFormat, Global, MonitorArgs};
use crate::output::{json_line, stdout};
use crate::registry_cmd::{count, load_for_screening};
use crate::store_cmd::options_text;
use derisk_app::screen::{Keyed, RecordOutcome, RunOptions, hit_details, query_of, status_json};
use derisk_app::session::{kept_registry, open_existing};

/// How a finding differs from the run re-evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A finding the run did not have.
    New,
    /// The same supplier and entity, other evidence.
    Changed,
    /// A finding of the run that is no longer made.
    Gone,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::New => "new",
            Kind::Changed => "changed",
            Kind::Gone => "gone",
        }
    }
}

/// One reported difference.
struct Item<'a> {
    kind: Kind,
    key: String,
    record: &'a derisk_store::Record,
    before: Option<Value>,
    after: Option<Value>,
    status: Status<'a>,
}

impl Item<'_> {
    /// Whether someone should look: anything not dismissed on this very
    /// evidence.
    fn needs_attention(&self) -> bool {
        !matches!(self.status, Status::Dismissed(_))
    }

    /// Every entity the finding touches, before and after: the matched one,
    /// those on its path and those designated.
    fn entities(&self) -> BTreeSet<String> {
        let mut ids = BTreeSet::new();
        for v in [&self.before, &self.after].into_iter().flatten() {
            ids.extend(v["entity_id"].as_str().map(str::to_owned));
            for key in ["path", "designations"] {
                for step in v[key].as_array().into_iter().flatten() {
                    ids.extend(step["entity_id"].as_str().map(str::to_owned));
                }
            }
        }
        ids
    }
}

pub(crate) fn monitor(global: &Global, args: &MonitorArgs) -> anyhow::Result<Outcome> {
    let mode = if args.no_record {
        OpenMode::Read
    } else {
        OpenMode::Write
    };
    let mut store = open_existing(
        &global.db(),
        mode,
        "add --no-record to report without recording, or wait for the other process",
    )?;
    // Monitoring re-evaluates screening runs (and its own re-evaluations
    // of them); an audit is re-run with `derisk audit`, whose report says
    // what changed.
    let bases: Vec<Run> = if args.runs.is_empty() {
        let bases = store.latest_by_subject(&[RunKind::Screen, RunKind::Monitor])?;
        let audits = store.latest_by_subject(&[RunKind::Audit])?;
        if !audits.is_empty() {
            eprintln!(
                "derisk: {} left to `derisk audit` (monitor re-evaluates screening runs; run the audit again on the same inputs to see what changed)",
                crate::registry_cmd::count(audits.len(), "audit run")
            );
        }
        if bases.is_empty() && !audits.is_empty() {
            return Ok(Outcome::Clean);
        }
        bases
    } else {
        let runs: Vec<Run> = args
            .runs
            .iter()
            .map(|id| store.run(*id))
            .collect::<Result<_, _>>()?;
        if let Some(run) = runs.iter().find(|r| !r.command.monitored()) {
            bail!(
                "run {}: a `derisk {}` run, which monitor does not re-evaluate; run `derisk {}` again on the same inputs to see what changed",
                run.id,
                run.command,
                run.command
            );
        }
        runs
    };
    if bases.is_empty() {
        return Err(StoreError::NoRuns(store.path().to_path_buf()).into());
    }
    let started_at = derisk_core::utc_timestamp(crate::unix_now());
    let (registry, snapshot_hash, mut index) = load_for_screening(global)?;
    // One screener per set of options (runs usually share one): the name
    // index and every entity's control path are built once, and a
    // snapshot's stored index is used by the first.
    let mut screeners: HashMap<String, Screener<'_>> = HashMap::new();
    let decisions = store.decisions()?;
    let mut out = stdout();
    let (mut attention, mut evaluated, mut recorded) = (0usize, 0usize, Vec::new());
    let mut tally = [0usize; 3];
    for base in &bases {
        if base.registry_hash == registry.hash() {
            eprintln!(
                "derisk: run {}: screened with this registry ({}); nothing to re-evaluate",
                base.id,
                registry.short_hash()
            );
            continue;
        }
        // The registry kept with the run, to say what changed since; one
        // that cannot be read (an older snapshot format) only costs that.
        let old = match store.registry_snapshot(&base.registry_hash)? {
            Some(bytes) => {
                match derisk_registry::read_snapshot(
                    &bytes,
                    &format!("the registry kept with run {}", base.id),
                ) {
                    Ok(s) => Some(s.registry),
                    Err(e) => {
                        eprintln!("derisk: warning: {e}; its changes are not shown");
                        None
                    }
                }
            }
            None => None,
        };
        let changes = old
            .as_ref()
            .map(|old| derisk_registry::diff(old, &registry))
            .unwrap_or_default();
        let options: RunOptions = serde_json::from_str(&base.options).with_context(|| {
            format!(
                "run {}: cannot read its recorded options {:?}",
                base.id, base.options
            )
        })?;
        let config = options.config()?;
        let screener = screeners.entry(base.options.clone()).or_insert_with(|| {
            crate::snapshot_cmd::screener(&registry, index.take(), config, options.rules())
        });
        let records = store.records(base.id)?;
        let old_findings = store.findings(base.id)?;
        let evaluated_now = reevaluate(&registry, screener, &records, options, &decisions);
        evaluated += 1;

        let items = compare(&records, &old_findings, &evaluated_now.findings, &decisions);
        for item in &items {
            tally[item.kind as usize] += 1;
            attention += usize::from(item.needs_attention());
        }
        write_run(
            &mut out,
            args.format,
            base,
            &registry,
            &items,
            &changes,
            old.is_some(),
        )?;

        if !args.no_record {
            let run = NewRun {
                command: RunKind::Monitor,
                subject: base.subject.clone(),
                inputs: base.inputs.clone(),
                options: base.options.clone(),
                registry_hash: registry.hash().to_owned(),
                registry_snapshot: kept_registry(&store, &registry)?,
                snapshot_file_hash: snapshot_hash.clone(),
                base_run: Some(base.id),
                started_at: started_at.clone(),
                tool_version: env!("CARGO_PKG_VERSION").to_owned(),
                totals: evaluated_now.totals,
            };
            let id = store
                .record_run(&run, &[], &evaluated_now.findings)
                .map_err(|e| {
                    derisk_app::session::with_hint(e, "this re-evaluation was not recorded")
                })?;
            recorded.push(id);
        }
    }
    out.flush()?;
    let mut summary = format!(
        "derisk: monitor: {} re-evaluated against registry {}: {} new, {} changed, {} gone; {} need attention",
        count(evaluated, "run"),
        registry.short_hash(),
        tally[Kind::New as usize],
        tally[Kind::Changed as usize],
        tally[Kind::Gone as usize],
        attention
    );
    if !recorded.is_empty() {
        let ids: Vec<String> = recorded.iter().map(|i| i.to_string()).collect();
        summary.push_str(&format!("; recorded as run {}", ids.join(", ")));
    }
    eprintln!("{summary}");
    Ok(if attention > 0 {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// The records screened again.
struct Evaluated {
    findings: Vec<NewFinding>,
    totals: RunTotals,
}

fn reevaluate(
    registry: &Registry,
    screener: &Screener<'_>,
    records: &[derisk_store::Record],
    options: RunOptions,
    decisions: &HashMap<String, Decision>,
) -> Evaluated {
    let per_record: Vec<(Vec<NewFinding>, RecordOutcome)> = records
        .par_iter()
        .map_init(Scratch::default, |scratch, rec| {
            let q = query_of(&rec.name, rec.country.as_deref(), rec.identifier.as_deref());
            let hits = screener.screen(&q, options.limit(), scratch).matches;
            let keyed = Keyed::new(&q, &hits, decisions);
            (
                keyed.findings(&hits, &hit_details(registry, &hits), rec.seq),
                keyed.outcome(&hits),
            )
        })
        .collect();
    let mut totals = RunTotals {
        records: records.len() as u64,
        ..RunTotals::default()
    };
    let mut findings = Vec::new();
    for (f, outcome) in per_record {
        match outcome {
            RecordOutcome::Match => totals.matched += 1,
            RecordOutcome::Review => totals.review += 1,
            RecordOutcome::Dismissed => totals.dismissed += 1,
            RecordOutcome::None => {}
        }
        findings.extend(f);
    }
    Evaluated { findings, totals }
}

/// New, changed and gone findings, in record order.
fn compare<'a>(
    records: &'a [derisk_store::Record],
    old: &'a [Finding],
    new: &'a [NewFinding],
    decisions: &'a HashMap<String, Decision>,
) -> Vec<Item<'a>> {
    let by_seq: HashMap<u64, &derisk_store::Record> = records.iter().map(|r| (r.seq, r)).collect();
    let old_by_key: HashMap<&str, &Finding> =
        old.iter().map(|f| (f.found.key.as_str(), f)).collect();
    let new_keys: BTreeSet<&str> = new.iter().map(|f| f.key.as_str()).collect();
    let parse = |s: &str| serde_json::from_str::<Value>(s).ok();
    let mut items: Vec<(u64, Item<'a>)> = Vec::new();
    for f in new {
        let Some(record) = by_seq.get(&f.record) else {
            continue;
        };
        let before = old_by_key.get(f.key.as_str());
        let kind = match before {
            None => Kind::New,
            Some(b) if b.found.evidence != f.evidence => Kind::Changed,
            Some(_) => continue,
        };
        items.push((
            f.record,
            Item {
                kind,
                key: f.key.clone(),
                record,
                before: before.and_then(|b| parse(&b.found.detail)),
                after: parse(&f.detail),
                status: Status::of(decisions, &f.key, &f.evidence),
            },
        ));
    }
    for f in old {
        if new_keys.contains(f.found.key.as_str()) {
            continue;
        }
        items.push((
            f.record.seq,
            Item {
                kind: Kind::Gone,
                key: f.found.key.clone(),
                record: &f.record,
                before: parse(&f.found.detail),
                after: None,
                status: Status::of(decisions, &f.found.key, &f.found.evidence),
            },
        ));
    }
    items.sort_by_key(|(seq, item)| (*seq, item.kind as u8));
    items.into_iter().map(|(_, i)| i).collect()
}

/// What differs between two findings' details, in words.
fn differences(before: Option<&Value>, after: Option<&Value>) -> Vec<String> {
    let mut out = Vec::new();
    let (Some(b), Some(a)) = (before, after) else {
        return out;
    };
    if b["decision"] != a["decision"] {
        out.push(format!(
            "decision {} → {} (score {} → {})",
            b["decision"].as_str().unwrap_or("?"),
            a["decision"].as_str().unwrap_or("?"),
            b["score"],
            a["score"]
        ));
    }
    if b["name"] != a["name"] {
        out.push(format!("matched name {} → {}", b["name"], a["name"]));
    }
    let designations = |v: &Value| -> BTreeSet<String> {
        v["designations"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| {
                let mut s = format!(
                    "{} on {}",
                    d["entity_id"].as_str().unwrap_or("?"),
                    d["list_name"]
                        .as_str()
                        .or(d["list"].as_str())
                        .unwrap_or("?")
                );
                if let Some(start) = d["start"].as_str() {
                    s.push_str(&format!(" since {start}"));
                }
                s
            })
            .collect()
    };
    let (db, da) = (designations(b), designations(a));
    for d in da.difference(&db) {
        out.push(format!("+ designation {d}"));
    }
    for d in db.difference(&da) {
        out.push(format!("- designation {d} (no longer in force)"));
    }
    let path = |v: &Value| -> Vec<String> {
        v["path"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| {
                let mut step = s["entity_id"].as_str().unwrap_or("?").to_owned();
                if let Some(share) = s["share"].as_str() {
                    step.push_str(&format!(" ({share})"));
                }
                step
            })
            .collect()
    };
    let (pb, pa) = (path(b), path(a));
    if pb != pa {
        let show = |p: &[String], v: &Value| {
            let mut all = vec![v["entity_id"].as_str().unwrap_or("?").to_owned()];
            all.extend(p.iter().cloned());
            all.join(" → ")
        };
        out.push(format!("path {} ⇒ {}", show(&pb, b), show(&pa, a)));
    }
    out
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
    base: &Run,
    registry: &Registry,
    items: &[Item<'_>],
    changes: &[Change],
    have_old: bool,
) -> anyhow::Result<()> {
    let related = |item: &Item<'_>| -> Vec<&Change> {
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
                options_text(&base.options),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_designations_paths_and_decisions() {
        let before = json!({
            "entity_id": "hikvision", "decision": "review", "score": 0.8, "name": "Hikvision",
            "path": [{"entity_id": "cetc", "share": "~36%"}],
            "designations": [{"entity_id": "hikvision", "list": "us-entity-list", "list_name": "US Entity List", "start": "2019-10-09"}],
        });
        let after = json!({
            "entity_id": "hikvision", "decision": "match", "score": 0.9, "name": "Hikvision",
            "path": [{"entity_id": "cetc", "share": "~40%"}],
            "designations": [{"entity_id": "hikvision", "list": "ns-cmic", "list_name": "NS-CMIC List"}],
        });
        assert_eq!(
            differences(Some(&before), Some(&after)),
            [
                "decision review → match (score 0.8 → 0.9)",
                "+ designation hikvision on NS-CMIC List",
                "- designation hikvision on US Entity List since 2019-10-09 (no longer in force)",
                "path hikvision → cetc (~36%) ⇒ hikvision → cetc (~40%)",
            ]
        );
        assert!(differences(Some(&before), None).is_empty());
    }
}
