//! `derisk screen` and `derisk compare`.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::atomic::Ordering;

use anyhow::{Context as _, bail};
use derisk_core::{CountryCode, Decision, NameKind};
use derisk_match::{
    Hit, PreparedQuery, Query, ScoreConfig, Scratch, evidence_hash, finding_key, round3,
};
use derisk_registry::{ControlRules, Registry};
use derisk_store::{Decision as StoredDecision, NewFinding, Status};
use rayon::prelude::*;
use serde_json::{Value, json};

use crate::Outcome;
use crate::cli::{CompareArgs, Global, ScreenArgs, ScreenFormat};
use crate::input::{Columns, Item, Reader, Record, size_of};
use crate::output::{json_line, stdout};
use crate::registry_cmd::{count, load_for_screening};
use crate::store_cmd::Recorder;

/// Records screened together on all cores.
const CHUNK: usize = 16_384;
/// Problems printed per file before they are only counted.
const MAX_PROBLEMS_SHOWN: usize = 20;

fn thresholds(match_threshold: f64, review_threshold: f64) -> anyhow::Result<ScoreConfig> {
    if !(0.0..=1.0).contains(&match_threshold) || !(0.0..=1.0).contains(&review_threshold) {
        bail!("--match-threshold and --review-threshold: expected numbers between 0 and 1");
    }
    if review_threshold > match_threshold {
        bail!(
            "--review-threshold {review_threshold} is above --match-threshold {match_threshold}; \
             expected review ≤ match"
        );
    }
    Ok(ScoreConfig {
        match_threshold,
        review_threshold,
    })
}

/// The options a run is screened with; recorded with the run (as JSON) so
/// that `derisk monitor` screens its records the same way.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct RunOptions {
    pub match_threshold: f64,
    pub review_threshold: f64,
    /// Every entity at the review threshold, not only the best three.
    pub all: bool,
    pub control_above: f64,
    pub influence_from: f64,
}

impl RunOptions {
    pub(crate) fn config(&self) -> anyhow::Result<ScoreConfig> {
        thresholds(self.match_threshold, self.review_threshold)
    }

    pub(crate) fn rules(&self) -> ControlRules {
        ControlRules {
            control_above: self.control_above,
            influence_from: self.influence_from,
            as_of: Some(crate::today()),
        }
    }

    pub(crate) fn limit(&self) -> Option<usize> {
        if self.all { None } else { Some(3) }
    }
}

/// What a record came to, once earlier decisions are applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RecordOutcome {
    /// No finding.
    None,
    /// The best finding not dismissed is a match.
    Match,
    /// The best finding not dismissed is a review.
    Review,
    /// Every finding was dismissed before, on the same evidence.
    Dismissed,
}

/// A record's hits as findings: key, evidence and status of each, in the
/// hits' order.
pub(crate) struct Keyed<'d> {
    pub keys: Vec<String>,
    pub evidence: Vec<String>,
    pub status: Vec<Status<'d>>,
}

impl<'d> Keyed<'d> {
    pub(crate) fn new(
        q: &Query<'_>,
        hits: &[Hit<'_>],
        decisions: &'d HashMap<String, StoredDecision>,
    ) -> Keyed<'d> {
        let keys: Vec<String> = hits
            .iter()
            .map(|h| finding_key(q, h.entity.id.as_str()))
            .collect();
        let evidence: Vec<String> = hits.iter().map(evidence_hash).collect();
        let status = keys
            .iter()
            .zip(&evidence)
            .map(|(k, e)| Status::of(decisions, k, e))
            .collect();
        Keyed {
            keys,
            evidence,
            status,
        }
    }

    /// The record's outcome: dismissed findings do not count.
    pub(crate) fn outcome(&self, hits: &[Hit<'_>]) -> RecordOutcome {
        let open = hits
            .iter()
            .zip(&self.status)
            .filter(|(_, s)| !matches!(s, Status::Dismissed(_)));
        let mut outcome = if hits.is_empty() {
            RecordOutcome::None
        } else {
            RecordOutcome::Dismissed
        };
        for (h, _) in open {
            match h.decision {
                Decision::Match => return RecordOutcome::Match,
                Decision::Review => outcome = RecordOutcome::Review,
            }
        }
        outcome
    }

    /// The findings to record for record `seq`; `details` are the hits as
    /// JSON ([`hit_details`]).
    pub(crate) fn findings(
        &self,
        hits: &[Hit<'_>],
        details: &[Value],
        seq: u64,
    ) -> Vec<NewFinding> {
        hits.iter()
            .enumerate()
            .map(|(i, h)| NewFinding {
                record: seq,
                key: self.keys[i].clone(),
                entity: h.entity.id.as_str().to_owned(),
                decision: h.decision.as_str().to_owned(),
                score: round3(h.score),
                evidence: self.evidence[i].clone(),
                detail: details[i].to_string(),
            })
            .collect()
    }
}

/// Each hit as JSON: what is recorded as a finding's detail and what
/// `--format jsonl` prints, built once.
pub(crate) fn hit_details(r: &Registry, hits: &[Hit<'_>]) -> Vec<Value> {
    hits.iter().map(|h| match_json(r, h)).collect()
}

/// The status of a finding and the decision behind it, for JSON output.
pub(crate) fn status_json(v: &mut Value, status: &Status<'_>) {
    v["status"] = json!(status.as_str());
    if let Some(d) = status.decision() {
        v["analyst"] = json!({
            "verdict": d.verdict.as_str(),
            "reason": d.reason,
            "by": d.by,
            "at": d.at,
            "run": d.run,
        });
    }
}

/// A record as a query.
pub(crate) fn query_of<'a>(name: &'a str, country: Option<&str>, id: Option<&'a str>) -> Query<'a> {
    Query {
        name,
        country: country.and_then(parse_country),
        identifier: id,
    }
}

#[derive(Default)]
struct Tally {
    records: u64,
    matched: u64,
    review: u64,
    dismissed: u64,
    empty: u64,
    skipped: u64,
    warnings: u64,
    failed_files: u64,
}

struct Rendered {
    text: String,
    table: Vec<Vec<String>>,
    outcome: RecordOutcome,
    findings: Vec<NewFinding>,
}

pub(crate) fn screen(global: &Global, args: &ScreenArgs) -> anyhow::Result<Outcome> {
    let config = thresholds(args.match_threshold, args.review_threshold)?;
    let format = match args.format {
        ScreenFormat::Auto if std::io::stdout().is_terminal() => ScreenFormat::Table,
        ScreenFormat::Auto => ScreenFormat::Jsonl,
        f => f,
    };
    let options = RunOptions {
        match_threshold: config.match_threshold,
        review_threshold: config.review_threshold,
        all: args.all,
        control_above: args.control.rules()?.control_above,
        influence_from: args.control.rules()?.influence_from,
    };
    // The store is opened (and migrated) before any work, so a database
    // that cannot be written stops the run before it starts.
    let mut recorder = Recorder::open(global, !args.no_record, derisk_store::RunKind::Screen)?;
    let decisions = recorder.decisions()?;
    let (registry, snapshot_hash, index) = load_for_screening(global)?;
    let screener = crate::snapshot_cmd::screener(&registry, index, config, options.rules());
    let columns = Columns {
        name: args.column.clone(),
        country: args.country_column.clone(),
        id: args.id_column.clone(),
    };
    let limit = options.limit();
    let total: u64 = args.files.iter().filter_map(|f| size_of(f)).sum();
    let progress = progress_bar(total);

    let mut out = stdout();
    if format == ScreenFormat::Csv {
        writeln!(
            out,
            "file,row,input,decision,score,entity_id,entity,matched_name,designations,path,explanation,finding,status"
        )?;
    }
    let mut table_rows: Vec<Vec<String>> = Vec::new();
    let mut tally = Tally::default();
    let mut done_bytes = 0u64;
    for file in &args.files {
        let mut reader = match Reader::open(file, args.input_format, &columns) {
            Ok(r) => r,
            Err(e) => {
                progress.suspend(|| eprintln!("derisk: error: {e:#}"));
                tally.failed_files += 1;
                continue;
            }
        };
        let mut shown = 0usize;
        let mut bad_country_warned = false;
        loop {
            let mut chunk: Vec<Record> = Vec::with_capacity(CHUNK);
            let mut ended = false;
            while chunk.len() < CHUNK {
                let item = match reader.next_item() {
                    Ok(Some(item)) => item,
                    Ok(None) => {
                        ended = true;
                        break;
                    }
                    Err(e) => {
                        progress.suspend(|| eprintln!("derisk: error: {e:#}"));
                        tally.failed_files += 1;
                        ended = true;
                        break;
                    }
                };
                let problem = match item {
                    Item::Record(r, caveat) => {
                        chunk.push(r);
                        caveat
                    }
                    Item::Empty => {
                        tally.empty += 1;
                        None
                    }
                    Item::Problem(p) => Some(p),
                };
                if let Some(p) = problem {
                    if p.skipped {
                        tally.skipped += 1;
                    } else {
                        tally.warnings += 1;
                    }
                    shown += 1;
                    if shown <= MAX_PROBLEMS_SHOWN {
                        progress.suspend(|| eprintln!("derisk: warning: {}", p.message));
                    }
                }
            }
            if !bad_country_warned
                && let Some(c) = chunk
                    .iter()
                    .filter_map(|r| r.country.as_deref())
                    .find(|c| parse_country(c).is_none())
            {
                bad_country_warned = true;
                progress.suspend(|| {
                    eprintln!(
                        "derisk: warning: {}: country {c:?} is not an ISO 3166 two-letter code; \
                         such values are ignored",
                        reader.file()
                    )
                });
            }
            let file_name = reader.file().to_string();
            let rendered: Vec<Rendered> = chunk
                .par_iter()
                .map_init(Scratch::default, |scratch, rec| {
                    let q = query_of(&rec.name, rec.country.as_deref(), rec.id.as_deref());
                    let screened = screener.screen(&q, limit, scratch);
                    render(
                        &registry,
                        &file_name,
                        rec,
                        &q,
                        &screened.matches,
                        (format, args.only_matches, !args.no_record),
                        &decisions,
                    )
                })
                .collect();
            for (r, rec) in rendered.into_iter().zip(chunk) {
                tally.records += 1;
                match r.outcome {
                    RecordOutcome::Match => tally.matched += 1,
                    RecordOutcome::Review => tally.review += 1,
                    RecordOutcome::Dismissed => tally.dismissed += 1,
                    RecordOutcome::None => {}
                }
                out.write_all(r.text.as_bytes())?;
                table_rows.extend(r.table);
                recorder.add(&file_name, &rec, r.findings);
            }
            progress.set_position(done_bytes + reader.consumed.load(Ordering::Relaxed));
            if ended {
                break;
            }
        }
        recorder.input(&reader);
        if shown > MAX_PROBLEMS_SHOWN {
            progress.suspend(|| {
                eprintln!(
                    "derisk: warning: {file}: {} more problems not shown",
                    shown - MAX_PROBLEMS_SHOWN
                )
            });
        }
        done_bytes += reader.consumed.load(Ordering::Relaxed);
    }
    progress.finish_and_clear();
    if format == ScreenFormat::Table {
        write_table(&mut out, table_rows)?;
    }
    out.flush()?;
    drop(out);

    let mut summary = format!(
        "derisk: screened {}: {} match, {} review, {} no match",
        count(tally.records as usize, "record"),
        tally.matched,
        tally.review,
        tally.records - tally.matched - tally.review - tally.dismissed
    );
    if tally.dismissed > 0 {
        summary.push_str(&format!(
            "; {} dismissed before, evidence unchanged",
            tally.dismissed
        ));
    }
    if tally.empty > 0 {
        summary.push_str(&format!(
            "; {} without a name",
            count(tally.empty as usize, "row")
        ));
    }
    if tally.skipped > 0 {
        summary.push_str(&format!(
            "; {} could not be read",
            count(tally.skipped as usize, "row")
        ));
    }
    eprintln!("{summary}");
    recorder.finish(
        &registry,
        snapshot_hash,
        &serde_json::to_string(&options)?,
        derisk_store::RunTotals {
            records: tally.records,
            matched: tally.matched,
            review: tally.review,
            dismissed: tally.dismissed,
            skipped: tally.skipped,
        },
    )?;
    if tally.matched > 0 {
        return Ok(Outcome::Findings);
    }
    if tally.skipped > 0 || tally.failed_files > 0 {
        bail!(
            "some input could not be read ({}, {}); see the messages above",
            count(tally.skipped as usize, "row"),
            count(tally.failed_files as usize, "file")
        );
    }
    Ok(Outcome::Clean)
}

fn parse_country(c: &str) -> Option<CountryCode> {
    CountryCode::new(&c.trim().to_ascii_uppercase()).ok()
}

fn progress_bar(total: u64) -> indicatif::ProgressBar {
    let target = if std::io::stderr().is_terminal() && total > 1 << 20 {
        indicatif::ProgressDrawTarget::stderr()
    } else {
        indicatif::ProgressDrawTarget::hidden()
    };
    let bar = indicatif::ProgressBar::with_draw_target(Some(total), target);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "screening {bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}

fn entity_name<'r>(r: &'r Registry, id: &'r str, compact: bool) -> &'r str {
    let Some(e) = r.entity(id) else {
        return id;
    };
    if compact && let Some(short) = e.names.iter().find(|n| n.kind == NameKind::Abbreviation) {
        return &short.value;
    }
    &e.caption
}

/// Designations shown per entity in the compact (table) form.
const COMPACT_LABELS: usize = 5;

/// "Hangzhou EZVIZ Network → Hikvision [889 2019-08-13, EL 2019-10-09] →
/// CETC [...]"; `compact` (the table) names the owners up the chain by
/// their short form, drops the dates and shows at most five designations
/// an entity.
fn path_text(r: &Registry, h: &Hit<'_>, compact: bool) -> String {
    let mut text = format!(
        "{}{}",
        h.entity.caption,
        designation_labels(r, h, h.entity.id.as_str(), compact)
    );
    for step in &h.path {
        // A share is printed so that a minority stake does not read as
        // control: "→ China Mobile (8.9%)" holds 8.9% of the name before.
        let share = match (step.basis, step.share) {
            ("sum", Some(s)) => format!(" (sum {s})"),
            ("maker", _) => " (maker)".to_owned(),
            (_, Some(s)) => format!(" ({s})"),
            _ => String::new(),
        };
        // A link the sources do not fully support is marked on its
        // arrow, as an unverified designation is on its label.
        let arrow = if step.verification.is_verified() {
            " → "
        } else {
            " →? "
        };
        text.push_str(&format!(
            "{arrow}{}{share}{}",
            entity_name(r, step.entity.as_str(), compact),
            designation_labels(r, h, step.entity.as_str(), compact)
        ));
    }
    // Ties that are not control, said as such: "(influence, not control:
    // COSCO SHIPPING Ports 35%)".
    if !h.ties.is_empty() {
        let ties: Vec<String> = h
            .ties
            .iter()
            .map(|t| {
                let share = t.share.map_or_else(String::new, |s| format!(" {s}"));
                format!(
                    "{}{share} {}",
                    entity_name(r, t.holder.as_str(), compact),
                    t.tie
                )
            })
            .collect();
        text.push_str(&format!(" (not control: {})", ties.join(", ")));
    }
    text
}

fn designation_labels(r: &Registry, h: &Hit<'_>, entity: &str, compact: bool) -> String {
    let mut labels: Vec<String> = h
        .designations
        .iter()
        .filter(|d| d.entity.as_str() == entity)
        .map(|d| {
            let short = r
                .list(d.list.as_str())
                .map_or(d.list.as_str(), |l| l.short.as_str());
            let mark = if d.verification.is_verified() {
                ""
            } else {
                "?"
            };
            match d.start {
                Some(s) if !compact => format!("{short}{mark} {s}"),
                _ => format!("{short}{mark}"),
            }
        })
        .collect();
    if compact && labels.len() > COMPACT_LABELS {
        let more = labels.len() - COMPACT_LABELS;
        labels.truncate(COMPACT_LABELS);
        labels.push(format!("+{more}"));
    }
    if labels.is_empty() {
        String::new()
    } else {
        format!(" [{}]", labels.join(", "))
    }
}

/// A path of controllers and makers as JSON, with sources.
pub(crate) fn path_json(r: &Registry, path: &[derisk_core::PathStep]) -> Vec<Value> {
    path.iter()
        .map(|s| {
            let mut v = json!({
                "entity_id": s.entity,
                "name": entity_name(r, s.entity.as_str(), false),
                "relation": s.via.as_str(),
                "control": s.basis,
            });
            if let Some(share) = s.share {
                v["share"] = json!(share.to_string());
            }
            v["sources"] = json!(s.sources);
            v["verification"] = json!(s.verification);
            v
        })
        .collect()
}

/// Designations as JSON, with their lists and sources.
pub(crate) fn designations_json(
    r: &Registry,
    designations: &[derisk_core::DesignationRef],
) -> Vec<Value> {
    designations
        .iter()
        .map(|d| {
            let list = r.list(d.list.as_str());
            json!({
                "entity_id": d.entity,
                "entity": entity_name(r, d.entity.as_str(), false),
                "list": d.list,
                "list_name": list.map(|l| l.name.as_str()),
                "start": d.start.map(|s| s.to_string()),
                "sources": d.sources,
                "verification": d.verification,
            })
        })
        .collect()
}

fn match_json(r: &Registry, h: &Hit<'_>) -> Value {
    let path = path_json(r, &h.path);
    let designations = designations_json(r, &h.designations);
    let mut v = json!({
        "entity_id": h.entity.id,
        "name": h.name.value,
        "caption": h.entity.caption,
        "score": round3(h.score),
        "decision": h.decision.as_str(),
        "explanation": h.explanation,
        "path": path,
        "designations": designations,
        "score_parts": h.parts,
    });
    if !h.ties.is_empty() {
        v["ties"] = json!(
            h.ties
                .iter()
                .map(|t| json!({
                    "held": t.held,
                    "holder": t.holder,
                    "holder_name": entity_name(r, t.holder.as_str(), false),
                    "tie": t.tie,
                    "control": false,
                    "relation": t.via.as_str(),
                    "share": t.share.map(|s| s.to_string()),
                    "start": t.start.map(|d| d.to_string()),
                    "state": t.state,
                    "sources": t.sources,
                }))
                .collect::<Vec<_>>()
        );
    }
    if let Some(id) = h.identifier {
        v["identifier"] = json!(id);
    }
    v
}

fn render(
    r: &Registry,
    file: &str,
    rec: &Record,
    q: &Query<'_>,
    matches: &[Hit<'_>],
    (format, only_matches, record): (ScreenFormat, bool, bool),
    decisions: &HashMap<String, StoredDecision>,
) -> Rendered {
    let keyed = Keyed::new(q, matches, decisions);
    let outcome = keyed.outcome(matches);
    let jsonl = matches!(format, ScreenFormat::Jsonl | ScreenFormat::Auto);
    let details = if record || jsonl {
        hit_details(r, matches)
    } else {
        Vec::new()
    };
    let findings = if record {
        keyed.findings(matches, &details, 0)
    } else {
        Vec::new()
    };
    let mut text = String::new();
    let mut table = Vec::new();
    match format {
        ScreenFormat::Jsonl | ScreenFormat::Auto => {
            if !(only_matches && matches.is_empty()) {
                let mut v = json!({
                    "file": file,
                    "row": rec.row,
                    "input": rec.name,
                });
                if let Some(c) = &rec.country {
                    v["country"] = json!(c);
                }
                if let Some(id) = &rec.id {
                    v["id"] = json!(id);
                }
                v["matches"] = Value::Array(
                    details
                        .into_iter()
                        .enumerate()
                        .map(|(i, detail)| {
                            let mut m = json!({"finding": keyed.keys[i]});
                            if let (Value::Object(m), Value::Object(rest)) = (&mut m, detail) {
                                m.extend(rest);
                            }
                            status_json(&mut m, &keyed.status[i]);
                            m
                        })
                        .collect(),
                );
                v["registry"] = json!(r.short_hash());
                text = v.to_string();
                text.push('\n');
            }
        }
        ScreenFormat::Csv => {
            let mut w = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(Vec::new());
            if matches.is_empty() {
                if !only_matches {
                    let mut row = vec![file.to_owned(), rec.row.to_string(), rec.name.clone()];
                    row.resize(13, String::new());
                    let _ = w.write_record(&row);
                }
            } else {
                for (i, h) in matches.iter().enumerate() {
                    let designations: Vec<String> = h
                        .designations
                        .iter()
                        .map(|d| format!("{}:{}", d.entity, d.list))
                        .collect();
                    let _ = w.write_record([
                        file,
                        &rec.row.to_string(),
                        &rec.name,
                        h.decision.as_str(),
                        &format!("{:.3}", h.score),
                        h.entity.id.as_str(),
                        &h.entity.caption,
                        &h.name.value,
                        &designations.join(" "),
                        &path_text(r, h, false),
                        &h.explanation,
                        &keyed.keys[i],
                        keyed.status[i].as_str(),
                    ]);
                }
            }
            text = String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default();
        }
        ScreenFormat::Table => {
            for (i, h) in matches.iter().enumerate() {
                let decision = match &keyed.status[i] {
                    Status::Open => h.decision.as_str().to_string(),
                    s => format!("{}, {}", h.decision.as_str(), s.as_str()),
                };
                table.push(vec![
                    if i == 0 {
                        rec.row.to_string()
                    } else {
                        String::new()
                    },
                    if i == 0 {
                        rec.name.clone()
                    } else {
                        String::new()
                    },
                    keyed.keys[i][..8].to_string(),
                    decision,
                    format!("{:.2}", h.score),
                    path_text(r, h, true),
                ]);
            }
        }
    }
    Rendered {
        text,
        table,
        outcome,
        findings,
    }
}

fn write_table(out: &mut impl Write, rows: Vec<Vec<String>>) -> anyhow::Result<()> {
    crate::output::table(
        out,
        &[
            "ROW",
            "INPUT",
            "FINDING",
            "DECISION",
            "SCORE",
            "MATCHED → BEHIND IT (SHARE) [DESIGNATIONS]",
        ],
        rows,
    )?;
    Ok(())
}

// ------------------------------------------------------------------- compare

pub(crate) fn compare(args: &CompareArgs) -> anyhow::Result<Outcome> {
    let config = thresholds(args.match_threshold, args.review_threshold)?;
    let file = &args.pairs;
    let raw: Box<dyn std::io::Read> = if file == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(file).with_context(|| format!("{file}: cannot open"))?)
    };
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(raw);
    let headers: Vec<String> = reader
        .headers()
        .with_context(|| format!("{file}:1: cannot read the header row"))?
        .iter()
        .map(|h| derisk_table::header_cell(h).to_ascii_lowercase())
        .collect();
    let col = |n: &str| headers.iter().position(|h| h == n);
    let (Some(c1), Some(c2)) = (col("name1"), col("name2")) else {
        bail!(
            "{file}:1: expected a header with name1 and name2; the header has {}",
            headers
                .iter()
                .map(|h| format!("{h:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    let mut out = stdout();
    let mut bad = 0usize;
    let mut scorer = derisk_match::PairScorer::default();
    for rec in reader.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                eprintln!("derisk: warning: {file}:{line}: {e}; pair skipped");
                bad += 1;
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| p.line());
        let (Some(a), Some(b)) = (rec.get(c1), rec.get(c2)) else {
            eprintln!(
                "derisk: warning: {file}:{line}: expected name1 and name2 fields; pair skipped"
            );
            bad += 1;
            continue;
        };
        let (score, explanation) = pair_score(&mut scorer, a, b);
        let decision = if score >= config.match_threshold && score > 0.0 {
            "match"
        } else if score >= config.review_threshold && score > 0.0 {
            "review"
        } else {
            "none"
        };
        json_line(
            &mut out,
            &PairLine {
                name1: a,
                name2: b,
                score: round3(score),
                decision,
                explanation: &explanation,
            },
        )?;
    }
    out.flush()?;
    if bad > 0 {
        bail!("{}: {} could not be read", file, count(bad, "pair"));
    }
    Ok(Outcome::Clean)
}

/// One line of `derisk compare`'s output.
#[derive(serde::Serialize)]
struct PairLine<'a> {
    name1: &'a str,
    name2: &'a str,
    score: f64,
    decision: &'static str,
    explanation: &'a str,
}

/// The scorer on one pair: `name2` is indexed alone and `name1` scored
/// against it, exactly as a screened name is scored against a registry name.
pub(crate) fn pair_score(
    scorer: &mut derisk_match::PairScorer,
    name1: &str,
    name2: &str,
) -> (f64, String) {
    let q = PreparedQuery::new(name1, None);
    match scorer.score(&q, name2) {
        Ok(s) => {
            let sentence = derisk_match::explain_sentence(&s, &q);
            (s.score, sentence)
        }
        Err(why) => (0.0, why),
    }
}
