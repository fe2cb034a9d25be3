//! Monitoring: recorded screening runs screened again against the current
//! registry, each finding compared with what the run found (new, changed,
//! gone), with the registry changes behind it, and the re-evaluation
//! recorded as a run of its own.

use std::collections::{BTreeSet, HashMap};

use anyhow::bail;
use derisk_match::{Matcher, Scratch, Screener};
use derisk_registry::{Change, Registry};
use derisk_store::{
    Decision, Finding, NewFinding, NewRun, Run, RunId, RunKind, RunTotals, Status, Store,
    StoreError,
};
use rayon::prelude::*;
use serde_json::Value;

use crate::Message;
use crate::registry::count;
use crate::screen::{Keyed, RecordOutcome, RunOptions, hit_details, query_of};
use crate::session::kept_registry;

/// How a finding differs from the run re-evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A finding the run did not have.
    New,
    /// The same supplier and entity, other evidence.
    Changed,
    /// A finding of the run that is no longer made.
    Gone,
}

impl Kind {
    /// The kind as a word: `new`, `changed`, `gone`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::New => "new",
            Kind::Changed => "changed",
            Kind::Gone => "gone",
        }
    }
}

/// One reported difference.
pub struct Item<'a> {
    /// New, changed or gone.
    pub kind: Kind,
    /// The finding's key.
    pub key: String,
    /// The record screened.
    pub record: &'a derisk_store::Record,
    /// The finding's detail as the run recorded it (none when new).
    pub before: Option<Value>,
    /// The finding's detail now (none when gone).
    pub after: Option<Value>,
    /// Its status against the analysts' decisions.
    pub status: Status<'a>,
}

impl Item<'_> {
    /// Whether someone should look: anything not dismissed on this very
    /// evidence.
    pub fn needs_attention(&self) -> bool {
        !matches!(self.status, Status::Dismissed(_))
    }

    /// Every entity the finding touches, before and after: the matched one,
    /// those on its path and those designated.
    pub fn entities(&self) -> BTreeSet<String> {
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

/// Which runs to re-evaluate: those named, or the newest screening (or
/// monitoring) run of each subject. Audit runs are refused by name and
/// left out with a note otherwise: an audit is re-run with `derisk audit`.
pub fn bases(
    store: &dyn Store,
    runs: &[RunId],
    say: &mut dyn FnMut(Message),
) -> anyhow::Result<Vec<Run>> {
    let bases: Vec<Run> = if runs.is_empty() {
        let bases = store.latest_by_subject(&[RunKind::Screen, RunKind::Monitor])?;
        // Runs of the other commands are left to them, with a note.
        let mut others = 0;
        for kind in RunKind::ALL.iter().filter(|k| !k.monitored()) {
            let runs = store.latest_by_subject(&[*kind])?;
            others += runs.len();
            if !runs.is_empty() {
                let again = match kind {
                    RunKind::Audit => "the audit".to_owned(),
                    kind => format!("`derisk {kind}`"),
                };
                say(Message::new(
                    "",
                    format!(
                        "{} left to `derisk {kind}` (monitor re-evaluates screening runs; run {again} again on the same inputs to see what changed)",
                        count(runs.len(), &format!("{kind} run"))
                    ),
                ));
            }
        }
        if bases.is_empty() && others > 0 {
            return Ok(Vec::new());
        }
        if bases.is_empty() {
            return Err(StoreError::NoRuns(store.location().into()).into());
        }
        bases
    } else {
        let runs: Vec<Run> = runs
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
    Ok(bases)
}

/// One run re-evaluated, as the caller's reporter sees it.
pub struct Reevaluation<'a> {
    /// The run re-evaluated.
    pub base: &'a Run,
    /// What differs, in record order.
    pub items: &'a [Item<'a>],
    /// The registry's changes since the run's registry.
    pub changes: &'a [Change],
    /// Whether the run's registry could be read (else `changes` is empty
    /// for that reason).
    pub have_old: bool,
}

/// What a monitoring pass came to.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Runs re-evaluated.
    pub evaluated: usize,
    /// New, changed and gone findings (indexed by [`Kind`]).
    pub tally: [usize; 3],
    /// Differences not dismissed on the same evidence.
    pub attention: usize,
    /// The runs recorded for the re-evaluations.
    pub recorded: Vec<RunId>,
}

/// The registry a monitoring pass screens with.
pub struct Current<'r> {
    /// The registry.
    pub registry: &'r Registry,
    /// The hash of the snapshot file it came from, if it did.
    pub snapshot_hash: Option<String>,
    /// The snapshot's name index, used by the first screener built.
    pub index: Option<Matcher>,
}

/// Re-evaluates each of `bases` against the current registry, hands each
/// to `report`, and records it when `record` is set.
pub fn run(
    store: &mut dyn Store,
    bases: &[Run],
    current: Current<'_>,
    record: bool,
    say: &mut dyn FnMut(Message),
    mut report: impl FnMut(Reevaluation<'_>) -> anyhow::Result<()>,
) -> anyhow::Result<Summary> {
    let Current {
        registry,
        snapshot_hash,
        mut index,
    } = current;
    let started_at = derisk_core::utc_timestamp(crate::clock::unix_now());
    // One screener per set of options (runs usually share one): the name
    // index and every entity's control path are built once, and a
    // snapshot's stored index is used by the first.
    let mut screeners: HashMap<String, Screener<'_>> = HashMap::new();
    let decisions = store.decisions()?;
    let mut summary = Summary::default();
    for base in bases {
        if base.registry_hash == registry.hash() {
            say(Message::new(
                "",
                format!(
                    "run {}: screened with this registry ({}); nothing to re-evaluate",
                    base.id,
                    registry.short_hash()
                ),
            ));
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
                        say(Message::warning(format!("{e}; its changes are not shown")));
                        None
                    }
                }
            }
            None => None,
        };
        let changes = old
            .as_ref()
            .map(|old| derisk_registry::diff(old, registry))
            .unwrap_or_default();
        // Only screening runs reach here ([`bases`]); the options say so
        // by their type.
        let options: RunOptions =
            match crate::session::KindOptions::parse(base.command, &base.options) {
                Ok(crate::session::KindOptions::Screen(o)) => o,
                Ok(_) => bail!(
                    "run {}: a `derisk {}` run, which monitor does not re-evaluate",
                    base.id,
                    base.command
                ),
                Err(e) => bail!("run {}: {e}", base.id),
            };
        let config = options.config()?;
        let screener = match screeners.entry(base.options.clone()) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let (screener, why) =
                    crate::registry::screener(registry, index.take(), config, options.rules());
                if let Some(why) = why {
                    say(Message::warning(why));
                }
                e.insert(screener)
            }
        };
        let records = store.records(base.id)?;
        let old_findings = store.findings(base.id)?;
        let evaluated_now = reevaluate(registry, screener, &records, options, &decisions);
        summary.evaluated += 1;

        let items = compare(&records, &old_findings, &evaluated_now.findings, &decisions);
        for item in &items {
            summary.tally[item.kind as usize] += 1;
            summary.attention += usize::from(item.needs_attention());
        }
        report(Reevaluation {
            base,
            items: &items,
            changes: &changes,
            have_old: old.is_some(),
        })?;

        if record {
            let run = NewRun {
                command: RunKind::Monitor,
                subject: base.subject.clone(),
                inputs: base.inputs.clone(),
                options: base.options.clone(),
                registry_hash: registry.hash().to_owned(),
                registry_snapshot: kept_registry(store, registry)?,
                snapshot_file_hash: snapshot_hash.clone(),
                base_run: Some(base.id),
                started_at: started_at.clone(),
                tool_version: env!("CARGO_PKG_VERSION").to_owned(),
                totals: evaluated_now.totals,
            };
            let id = store
                .record_run(&run, &[], &evaluated_now.findings)
                .map_err(|e| crate::session::with_hint(e, "this re-evaluation was not recorded"))?;
            summary.recorded.push(id);
        }
    }
    Ok(summary)
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
pub fn differences(before: Option<&Value>, after: Option<&Value>) -> Vec<String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
