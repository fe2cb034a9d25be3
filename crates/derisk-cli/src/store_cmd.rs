//! The store from the command line: opening it for the commands that
//! record, recording a screening run, `derisk runs` and `derisk decide`.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use derisk_registry::Registry;
use derisk_store::{
    Decision, Finding, NewDecision, NewFinding, NewRun, OpenMode, Run, RunInput, RunTotals,
    SqliteStore, Status, Store, StoreError, Verdict,
};
use serde_json::{Value, json};

use crate::Outcome;
use crate::cli::{DataFormat, DecideArgs, Global, RunsListArgs, RunsShowArgs, VerdictArg};
use crate::input::{Reader, Record};
use crate::output::{json_line, stdout};

/// The database file: --db, DERISK_DB, or the XDG default.
pub(crate) fn db_path(global: &Global) -> anyhow::Result<PathBuf> {
    match &global.db {
        Some(p) => Ok(p.clone()),
        None => Ok(derisk_store::default_path()?),
    }
}

/// Opens the store. `hint` is added to the errors a user can act on
/// (locked, read-only).
pub(crate) fn open(global: &Global, mode: OpenMode, hint: &str) -> anyhow::Result<SqliteStore> {
    let wait = global.db_wait();
    if !(0.0..=86_400.0).contains(&wait) {
        bail!("--db-wait {wait}: expected a number of seconds from 0 to 86400");
    }
    let wait = Duration::from_secs_f64(wait);
    SqliteStore::open(&db_path(global)?, mode, wait).map_err(|e| with_hint(e, hint))
}

/// Opens an existing store for a command that writes to it but has
/// nothing to say without runs (`decide`, `monitor`): a missing file is
/// [`StoreError::NoRuns`], not a new empty database.
pub(crate) fn open_existing(
    global: &Global,
    mode: OpenMode,
    hint: &str,
) -> anyhow::Result<SqliteStore> {
    let path = db_path(global)?;
    if !path.exists() {
        return Err(StoreError::NoRuns(path).into());
    }
    open(global, mode, hint)
}

/// The error, with advice for the errors a user can act on.
pub(crate) fn with_hint(e: StoreError, hint: &str) -> anyhow::Error {
    match e {
        StoreError::ReadOnly { .. } | StoreError::Locked { .. } | StoreError::Open { .. }
            if !hint.is_empty() =>
        {
            anyhow::anyhow!("{e}; {hint}")
        }
        e => e.into(),
    }
}

/// Collects a run's inputs, records and findings while it runs, and
/// records them in one transaction at the end.
pub(crate) struct Recorder {
    store: Option<SqliteStore>,
    write: bool,
    command: derisk_store::RunKind,
    started_at: String,
    inputs: Vec<RunInput>,
    subject: Vec<String>,
    records: Vec<derisk_store::Record>,
    findings: Vec<NewFinding>,
}

impl Recorder {
    /// Opens the store for `command`. With `write` false the run is not
    /// recorded; the store is read for earlier decisions if it exists.
    pub(crate) fn open(
        global: &Global,
        write: bool,
        command: derisk_store::RunKind,
    ) -> anyhow::Result<Recorder> {
        let store = if write {
            Some(open(
                global,
                OpenMode::Write,
                "add --no-record to run without recording, or --db FILE to record elsewhere",
            )?)
        } else {
            match open(global, OpenMode::Read, "") {
                Ok(s) => Some(s),
                Err(e)
                    if matches!(
                        e.downcast_ref(),
                        Some(StoreError::NoRuns(_) | StoreError::NoLocation)
                    ) =>
                {
                    None
                }
                Err(e) => {
                    eprintln!("derisk: warning: {e:#}; earlier decisions are not applied");
                    None
                }
            }
        };
        Ok(Recorder {
            store,
            write,
            command,
            started_at: derisk_core::utc_timestamp(crate::unix_now()),
            inputs: Vec::new(),
            subject: Vec::new(),
            records: Vec::new(),
            findings: Vec::new(),
        })
    }

    /// The latest decision on each finding key (none without a store).
    pub(crate) fn decisions(&self) -> anyhow::Result<HashMap<String, Decision>> {
        match &self.store {
            Some(s) => Ok(s.decisions()?),
            None => Ok(HashMap::new()),
        }
    }

    /// Adds a screened record and its findings.
    pub(crate) fn add(&mut self, file: &str, rec: &Record, mut findings: Vec<NewFinding>) {
        if !self.write {
            return;
        }
        let seq = self.records.len() as u64;
        self.records.push(derisk_store::Record {
            seq,
            file: file.to_owned(),
            row: rec.row,
            name: rec.name.clone(),
            country: rec.country.clone(),
            identifier: rec.id.clone(),
        });
        for f in &mut findings {
            f.record = seq;
        }
        self.findings.append(&mut findings);
    }

    /// Adds an input, read to its end.
    pub(crate) fn input(&mut self, reader: &Reader) {
        let (sha256, bytes) = reader.sha256();
        let path = reader.file().to_owned();
        self.subject.push(if path == "-" {
            path.clone()
        } else {
            std::fs::canonicalize(&path).map_or_else(|_| path.clone(), |p| p.display().to_string())
        });
        self.inputs.push(RunInput {
            path,
            sha256,
            bytes,
        });
    }

    /// Adds an input read by another engine than the screening reader:
    /// its SHA-256 and size are computed from the file.
    pub(crate) fn input_file(&mut self, path: &str) -> anyhow::Result<()> {
        use sha2::Digest as _;
        if !self.write {
            return Ok(());
        }
        let mut file = std::fs::File::open(path).with_context(|| format!("{path}: cannot open"))?;
        let mut hasher = sha2::Sha256::new();
        let mut bytes = 0u64;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = std::io::Read::read(&mut file, &mut buf)
                .with_context(|| format!("{path}: cannot read"))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            bytes += n as u64;
        }
        let sha256 = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        self.subject.push(
            std::fs::canonicalize(path)
                .map_or_else(|_| path.to_owned(), |p| p.display().to_string()),
        );
        self.inputs.push(RunInput {
            path: path.to_owned(),
            sha256,
            bytes,
        });
        Ok(())
    }

    /// Records the run, if it is to be recorded, and says where.
    pub(crate) fn finish(
        self,
        registry: &Registry,
        snapshot_file_hash: Option<String>,
        options: &str,
        totals: RunTotals,
    ) -> anyhow::Result<()> {
        // Nothing read (every input failed to open) is nothing to record.
        let (Some(mut store), true, false) = (self.store, self.write, self.inputs.is_empty())
        else {
            return Ok(());
        };
        let run = NewRun {
            command: self.command,
            subject: self.subject.join("\n"),
            inputs: self.inputs,
            options: options.to_owned(),
            registry_hash: registry.hash().to_owned(),
            registry_snapshot: kept_registry(&store, registry)?,
            snapshot_file_hash,
            base_run: None,
            started_at: self.started_at,
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            totals,
        };
        let id = store
            .record_run(&run, &self.records, &self.findings)
            .map_err(|e| {
                with_hint(
                    e,
                    "the results above were not recorded; run the command again",
                )
            })?;
        eprintln!(
            "derisk: recorded run {id} in {} (derisk runs show {id})",
            store.location()
        );
        Ok(())
    }
}

/// The registry as a snapshot, if the store does not keep it yet.
pub(crate) fn kept_registry(
    store: &SqliteStore,
    registry: &Registry,
) -> anyhow::Result<Option<Vec<u8>>> {
    if store.has_registry(registry.hash())? {
        return Ok(None);
    }
    let mut bytes = Vec::new();
    derisk_registry::write_snapshot(registry, &mut bytes)?;
    Ok(Some(bytes))
}

// ---------------------------------------------------------------- runs list

pub(crate) fn list(global: &Global, args: &RunsListArgs) -> anyhow::Result<Outcome> {
    let store = open(global, OpenMode::Read, "")?;
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
    let store = open(global, OpenMode::Read, "")?;
    let run = match args.run {
        Some(id) => store.run(id)?,
        None => store
            .runs(Some(1))?
            .pop()
            .ok_or_else(|| StoreError::NoRuns(store.path().to_path_buf()))?,
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
                crate::screen_cmd::status_json(
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
            writeln!(out, "options: {}", options_text(&run.options))?;
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
pub(crate) fn options_text(options: &str) -> String {
    match serde_json::from_str::<crate::screen_cmd::RunOptions>(options) {
        Ok(o) => format!(
            "match at {}, review at {}, {}; control above {}%, influence from {}%",
            o.match_threshold,
            o.review_threshold,
            if o.all {
                "every entity"
            } else {
                "best 3 entities"
            },
            o.control_above,
            o.influence_from
        ),
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
        global,
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
