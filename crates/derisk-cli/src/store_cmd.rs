//! The store from the command line: opening it for the commands that
//! record, recording a screening run, `derisk runs` and `derisk decide`.

use std::io::Write;

use anyhow::bail;
use derisk_app::session::{Recorded, Recorder, open, open_existing};
use derisk_store::{Finding, NewDecision, OpenMode, Run, Status, StoreError, Verdict};
use serde_json::{Value, json};

use crate::Outcome;
use crate::cli::{DataFormat, DecideArgs, Global, RunsListArgs, RunsShowArgs, VerdictArg};
use crate::output::{json_line, stdout};

/// Opens the run session, with a warning when the store
/// cannot be read for earlier decisions.
pub(crate) fn recorder(global: &Global, write: bool) -> anyhow::Result<Recorder> {
    let (recorder, warning) = Recorder::open(&global.db(), write)?;
    if let Some(w) = warning {
        eprintln!("derisk: warning: {w}");
    }
    Ok(recorder)
}

/// Says where a run was recorded.
pub(crate) fn recorded(recorded: Option<Recorded>) {
    if let Some(Recorded { id, location }) = recorded {
        eprintln!("derisk: recorded run {id} in {location} (derisk runs show {id})");
    }
}

// ---------------------------------------------------------------- runs list

pub(crate) fn list(global: &Global, args: &RunsListArgs) -> anyhow::Result<Outcome> {
    let store = open(&global.db(), OpenMode::Read, "")?;
    let runs = store.runs(args.limit)?;
    let mut out = stdout();
    match args.format {
        DataFormat::Jsonl => {
            for run in &runs {
                json_line(&mut out, &run_json(run))?;
            }
        }
        DataFormat::Text => {
            let rows = runs
                .iter()
                .map(|run| {
                    vec![
                        run.id.to_string(),
                        run.command.to_string(),
                        run.started_at.clone(),
                        run.totals.records.to_string(),
                        run.totals.matched.to_string(),
                        run.totals.review.to_string(),
                        run.totals.dismissed.to_string(),
                        run.registry_hash[..12].to_string(),
                        inputs_text(run),
                    ]
                })
                .collect();
            crate::output::table(
                &mut out,
                &[
                    "RUN",
                    "COMMAND",
                    "STARTED",
                    "RECORDS",
                    "MATCH",
                    "REVIEW",
                    "DISMISSED",
                    "REGISTRY",
                    "INPUTS",
                ],
                rows,
            )?;
        }
    }
    out.flush()?;
    Ok(Outcome::Clean)
}

fn inputs_text(run: &Run) -> String {
    let files: Vec<&str> = run.inputs.iter().map(|i| i.path.as_str()).collect();
    let mut text = files.join(" ");
    if let Some(base) = run.base_run {
        text.push_str(&format!(" (re-evaluates run {base})"));
    }
    text
}

fn run_json(run: &Run) -> Value {
    json!({
        "run": run.id,
        "command": run.command.as_str(),
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "inputs": run.inputs.iter().map(|i| json!({
            "path": i.path, "sha256": i.sha256, "bytes": i.bytes,
        })).collect::<Vec<_>>(),
        "input_hash": run.input_hash,
        "options": serde_json::from_str::<Value>(&run.options).unwrap_or(Value::Null),
        "registry": run.registry_hash,
        "snapshot": run.snapshot_file_hash,
        "base_run": run.base_run,
        "records": run.totals.records,
        "match": run.totals.matched,
        "review": run.totals.review,
        "dismissed": run.totals.dismissed,
        "skipped": run.totals.skipped,
        "derisk": run.tool_version,
    })
}

// ---------------------------------------------------------------- runs show

pub(crate) fn show(global: &Global, args: &RunsShowArgs) -> anyhow::Result<Outcome> {
    let store = open(&global.db(), OpenMode::Read, "")?;
    let run = match args.run {
        Some(id) => store.run(id)?,
        None => store
            .runs(Some(1))?
            .pop()
            .ok_or_else(|| StoreError::NoRuns(store.location().into()))?,
    };
    let findings = store.findings(run.id)?;
    let decisions = store.decisions()?;
    let mut out = stdout();
    match args.format {
        DataFormat::Jsonl => {
            let mut head = run_json(&run);
            head["type"] = json!("run");
            json_line(&mut out, &head)?;
            for f in &findings {
                let mut v = finding_json(f);
                v["type"] = json!("finding");
                derisk_app::screen::status_json(
                    &mut v,
                    &Status::of(&decisions, &f.found.key, &f.found.evidence),
                );
                json_line(&mut out, &v)?;
            }
        }
        DataFormat::Text => {
            writeln!(
                out,
                "run {}: {}, {} to {}, derisk {}",
                run.id, run.command, run.started_at, run.finished_at, run.tool_version
            )?;
            if let Some(base) = run.base_run {
                if base == run.records_of {
                    writeln!(out, "re-evaluates: run {base}")?;
                } else {
                    writeln!(
                        out,
                        "re-evaluates: run {base} (the records of run {})",
                        run.records_of
                    )?;
                }
            }
            for i in &run.inputs {
                writeln!(
                    out,
                    "input: {} ({} bytes, sha256 {})",
                    i.path, i.bytes, i.sha256
                )?;
            }
            writeln!(out, "registry: {}", run.registry_hash)?;
            if let Some(s) = &run.snapshot_file_hash {
                writeln!(out, "snapshot file: sha256 {s}")?;
            }
            writeln!(out, "options: {}", options_text(run.command, &run.options))?;
            let t = run.totals;
            writeln!(
                out,
                "records: {} ({} match, {} review, {} dismissed before, {} no match; {} unreadable)",
                t.records,
                t.matched,
                t.review,
                t.dismissed,
                t.records - t.matched - t.review - t.dismissed,
                t.skipped
            )?;
            if !findings.is_empty() {
                writeln!(out)?;
            }
            for f in &findings {
                write_finding(
                    &mut out,
                    f,
                    &Status::of(&decisions, &f.found.key, &f.found.evidence),
                )?;
            }
        }
    }
    out.flush()?;
    Ok(Outcome::Clean)
}

/// "match ≥ 0.85, review ≥ 0.6, best 3; control above 50%, influence from 25%".
/// A run's options in words, read as its kind's; the recorded JSON when
/// they cannot be read.
pub(crate) fn options_text(kind: derisk_store::RunKind, options: &str) -> String {
    use derisk_app::session::KindOptions;
    let control = |above: f64, from: f64| format!("control above {above}%, influence from {from}%");
    match KindOptions::parse(kind, options) {
        Ok(KindOptions::Screen(o)) => format!(
            "match at {}, review at {}, {}; {}",
            o.match_threshold,
            o.review_threshold,
            if o.all {
                "every entity"
            } else {
                "best 3 entities"
            },
            control(o.control_above, o.influence_from)
        ),
        Ok(KindOptions::Audit(o)) => format!(
            "organisation {}, sector {}, frameworks {}",
            o.organisation.as_deref().unwrap_or("not named"),
            o.sector.as_deref().unwrap_or("not given"),
            if o.frameworks.is_empty() {
                "none".to_owned()
            } else {
                o.frameworks.join(", ")
            }
        ),
        Ok(KindOptions::Assets(o)) => {
            let mut text = control(o.control_above, o.influence_from);
            if let Some(dir) = &o.recog {
                text.push_str(&format!("; Recog fingerprints from {dir}"));
            }
            if !o.map.is_empty() {
                text.push_str(&format!("; columns mapped {}", o.map.join(", ")));
            }
            text
        }
        Ok(KindOptions::Procurement(o)) => {
            let mut text = format!(
                "high-risk share above {} by {}{}; {}",
                o.threshold,
                o.group,
                if o.group == "cpv" {
                    format!(" (level {})", o.cpv_level)
                } else {
                    String::new()
                },
                control(o.control_above, o.influence_from)
            );
            if let Some(rates) = &o.rates {
                text.push_str(&format!("; rates from {rates}"));
            }
            text
        }
        Err(_) => options.to_owned(),
    }
}

fn finding_json(f: &Finding) -> Value {
    let detail: Value = serde_json::from_str(&f.found.detail).unwrap_or(Value::Null);
    json!({
        "finding": f.found.key,
        "run": f.run,
        "file": f.record.file,
        "row": f.record.row,
        "input": f.record.name,
        "entity_id": f.found.entity,
        "decision": f.found.decision,
        "score": f.found.score,
        "detail": detail,
    })
}

/// A finding in two or three lines: id, where, what, and the decision.
pub(crate) fn write_finding(
    out: &mut impl Write,
    f: &Finding,
    status: &Status<'_>,
) -> std::io::Result<()> {
    let detail: Value = serde_json::from_str(&f.found.detail).unwrap_or(Value::Null);
    let caption = detail["caption"].as_str().unwrap_or(&f.found.entity);
    writeln!(
        out,
        "{}  {}:{}  {:?}  {} {:.3} → {caption} ({})  [{}]",
        f.found.key,
        f.record.file,
        f.record.row,
        f.record.name,
        f.found.decision,
        f.found.score,
        f.found.entity,
        status.as_str()
    )?;
    if let Some(d) = status.decision() {
        let on = if matches!(status, Status::Reopened(_)) {
            ", on other evidence"
        } else {
            ""
        };
        writeln!(
            out,
            "    {} by {} at {} (run {}{on}): {}",
            d.verdict.as_str(),
            d.by,
            d.at,
            d.run,
            d.reason
        )?;
    }
    Ok(())
}

// ------------------------------------------------------------------- decide

pub(crate) fn decide(global: &Global, args: &DecideArgs) -> anyhow::Result<Outcome> {
    let reason = args.reason.trim();
    if reason.is_empty() {
        bail!("--reason: expected why (the evidence checked, the register consulted); it is empty");
    }
    let by = args
        .by
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .filter(|b| !b.trim().is_empty());
    let Some(by) = by else {
        bail!("who decides? give --by NAME (or set DERISK_USER)");
    };
    let mut store = open_existing(
        &global.db(),
        OpenMode::Write,
        "the decision was not recorded; run the command again",
    )?;
    let finding = store.resolve_finding(&args.finding)?;
    let before = store.history(&finding.found.key)?.pop();
    let verdict = match args.verdict {
        VerdictArg::Confirm => Verdict::Confirmed,
        VerdictArg::Dismiss => Verdict::Dismissed,
    };
    let d = store.decide(&NewDecision {
        finding: finding.id,
        verdict,
        reason: reason.to_owned(),
        by: by.trim().to_owned(),
        at: derisk_core::utc_timestamp(crate::unix_now()),
    })?;
    let detail: Value = serde_json::from_str(&finding.found.detail).unwrap_or(Value::Null);
    eprintln!(
        "derisk: {} finding {} ({:?} at {}:{} → {}, {} in run {}) by {}",
        d.verdict.as_str(),
        d.key,
        finding.record.name,
        finding.record.file,
        finding.record.row,
        detail["caption"].as_str().unwrap_or(&finding.found.entity),
        finding.found.decision,
        finding.run,
        d.by
    );
    if let Some(b) = before {
        eprintln!(
            "derisk: this replaces the decision of {} at {}: {} ({})",
            b.by,
            b.at,
            b.verdict.as_str(),
            b.reason
        );
    }
    Ok(Outcome::Clean)
}
