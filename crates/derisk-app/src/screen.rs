//! Screening supplier names against the registry: the options a run is
//! screened with, the run over input files on all cores (records read in
//! chunks, screened in parallel, findings keyed against earlier decisions
//! and recorded), what each finding looks like on the wire, and scoring one
//! pair of names.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use anyhow::bail;
use derisk_core::{CountryCode, Decision, NameKind};
use derisk_match::{
    Hit, PreparedQuery, Query, ScoreConfig, Scratch, Screener, evidence_hash, finding_key, round3,
};
use derisk_registry::{ControlRules, Registry};
use derisk_store::{Decision as StoredDecision, NewFinding, Status};
use rayon::prelude::*;
use serde_json::{Value, json};

use crate::input::{Columns, InputFormat, Item, Reader, Record};
use crate::session::Recorder;

/// Records screened together on all cores.
const CHUNK: usize = 16_384;

/// The thresholds of a run, checked: both between 0 and 1, review at or
/// below match.
pub fn thresholds(match_threshold: f64, review_threshold: f64) -> anyhow::Result<ScoreConfig> {
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
pub struct RunOptions {
    /// The score at or above which a finding is a match.
    pub match_threshold: f64,
    /// The score at or above which a finding is a review.
    pub review_threshold: f64,
    /// Every entity at the review threshold, not only the best three.
    pub all: bool,
    /// The share above which a holder controls (see [`ControlRules`]).
    pub control_above: f64,
    /// The share from which a holding is influence.
    pub influence_from: f64,
}

impl RunOptions {
    /// The thresholds, checked.
    pub fn config(&self) -> anyhow::Result<ScoreConfig> {
        thresholds(self.match_threshold, self.review_threshold)
    }

    /// The control rules, as of today.
    pub fn rules(&self) -> ControlRules {
        ControlRules {
            control_above: self.control_above,
            influence_from: self.influence_from,
            as_of: Some(crate::clock::today()),
        }
    }

    /// Entities kept per record: three, or every one with `all`.
    pub fn limit(&self) -> Option<usize> {
        if self.all { None } else { Some(3) }
    }
}

/// What a record came to, once earlier decisions are applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordOutcome {
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
pub struct Keyed<'d> {
    /// Each finding's key ([`finding_key`]).
    pub keys: Vec<String>,
    /// Each finding's evidence hash ([`evidence_hash`]).
    pub evidence: Vec<String>,
    /// Each finding's status against earlier decisions.
    pub status: Vec<Status<'d>>,
}

impl<'d> Keyed<'d> {
    /// Keys the hits of query `q` and looks up their decisions.
    pub fn new(
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
    pub fn outcome(&self, hits: &[Hit<'_>]) -> RecordOutcome {
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

    /// The findings to record for record `seq`; `details` are the hits on
    /// the wire ([`hit_details`]), kept as each finding's detail.
    pub fn findings(
        &self,
        hits: &[Hit<'_>],
        details: &[crate::wire::Match<'_>],
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
                detail: serde_json::to_string(&details[i]).unwrap_or_default(),
            })
            .collect()
    }
}

/// Each hit on the wire: what is recorded as a finding's detail and what
/// `--format jsonl` prints, built once.
pub fn hit_details<'a>(r: &'a Registry, hits: &'a [Hit<'_>]) -> Vec<crate::wire::Match<'a>> {
    hits.iter().map(|h| crate::wire::hit(r, h)).collect()
}

/// The status of a finding and the decision behind it, for JSON output.
pub fn status_json(v: &mut Value, status: &Status<'_>) {
    v["status"] = json!(status.as_str());
    if let Some(d) = crate::wire::analyst(status) {
        v["analyst"] = json!(d);
    }
}

/// A record as a query.
pub fn query_of<'a>(name: &'a str, country: Option<&str>, id: Option<&'a str>) -> Query<'a> {
    Query {
        name,
        country: country.and_then(parse_country),
        identifier: id,
    }
}

/// A record's JSON line (`derisk screen --format jsonl`): the record, its
/// findings (each its key, its detail from [`hit_details`] and its status)
/// and the registry's short hash.
pub fn record_json<'a>(
    r: &'a Registry,
    file: &'a str,
    rec: &'a Record,
    keyed: &'a Keyed<'_>,
    details: Vec<crate::wire::Match<'a>>,
) -> crate::wire::Screened<'a> {
    crate::wire::Screened {
        file,
        row: rec.row,
        input: &rec.name,
        country: rec.country.as_deref(),
        id: rec.id.as_deref(),
        matches: details
            .into_iter()
            .enumerate()
            .map(|(i, hit)| crate::wire::Finding {
                finding: &keyed.keys[i],
                hit,
                status: keyed.status[i].as_str(),
                analyst: crate::wire::analyst(&keyed.status[i]),
            })
            .collect(),
        registry: r.short_hash(),
    }
}

/// How a screening run reads and screens its inputs.
pub struct Screening<'a> {
    /// The registry screened against.
    pub registry: &'a Registry,
    /// The screener over it.
    pub screener: &'a Screener<'a>,
    /// Earlier decisions, by finding key.
    pub decisions: &'a HashMap<String, StoredDecision>,
    /// Entities kept per record (`None`: every one at the review threshold).
    pub limit: Option<usize>,
    /// Which columns hold names, countries and identifiers.
    pub columns: Columns,
    /// The input format, or `None` for the one each file suggests.
    pub format: Option<InputFormat>,
    /// Whether each record's findings are wanted as JSON ([`hit_details`])
    /// even when the run is not recorded.
    pub details: bool,
}

/// One screened record, as the caller's renderer sees it (in parallel).
pub struct Screened<'s, 'r> {
    /// The file (`-` for standard input).
    pub file: &'s str,
    /// The record read.
    pub record: &'s Record,
    /// The entities it matched, best first.
    pub matches: &'s [Hit<'r>],
    /// The findings' keys, evidence and status.
    pub keyed: &'s Keyed<'s>,
    /// The findings on the wire, when asked for or recorded; else empty.
    pub details: Vec<crate::wire::Match<'s>>,
}

/// What happens during a screening run that a user should hear of.
#[derive(Debug)]
pub enum Event<'a> {
    /// A file could not be opened or read to its end.
    Failed(anyhow::Error),
    /// A row was skipped (`skipped`) or read with a caveat.
    Problem(&'a crate::input::Problem),
    /// A country value that is not an ISO 3166 code, once per file.
    BadCountry {
        /// The file.
        file: &'a str,
        /// The value.
        value: &'a str,
    },
    /// Bytes of all inputs read so far, for progress.
    Progress(u64),
    /// A file has been read to its end.
    FileDone {
        /// The file.
        file: &'a str,
    },
}

/// What a screening run counted.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tally {
    /// Records screened.
    pub records: u64,
    /// Records whose best open finding is a match.
    pub matched: u64,
    /// Records whose best open finding is a review.
    pub review: u64,
    /// Records whose every finding was dismissed before, evidence unchanged.
    pub dismissed: u64,
    /// Lines or rows without a name.
    pub empty: u64,
    /// Rows that could not be read.
    pub skipped: u64,
    /// Rows read with a caveat.
    pub warnings: u64,
    /// Files that could not be opened or read to their end.
    pub failed_files: u64,
}

impl Tally {
    /// The run's totals as the store records them.
    pub fn totals(&self) -> derisk_store::RunTotals {
        derisk_store::RunTotals {
            records: self.records,
            matched: self.matched,
            review: self.review,
            dismissed: self.dismissed,
            skipped: self.skipped,
        }
    }
}

impl Screening<'_> {
    /// Screens every file in turn: each chunk of records is screened and
    /// rendered (by `render`, in parallel), then handed to `emit` in input
    /// order and added to `recorder`. Problems and progress go to
    /// `on_event`; a file that cannot be read is counted and the next one
    /// read.
    pub fn run<T: Send>(
        &self,
        files: &[String],
        recorder: &mut Recorder,
        render: impl Fn(Screened<'_, '_>) -> T + Sync,
        mut emit: impl FnMut(T) -> anyhow::Result<()>,
        mut on_event: impl FnMut(Event<'_>),
    ) -> anyhow::Result<Tally> {
        let record = recorder.records();
        let mut tally = Tally::default();
        let mut done_bytes = 0u64;
        for file in files {
            let mut reader = match Reader::open(file, self.format, &self.columns) {
                Ok(r) => r,
                Err(e) => {
                    on_event(Event::Failed(e));
                    tally.failed_files += 1;
                    continue;
                }
            };
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
                            on_event(Event::Failed(e));
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
                        on_event(Event::Problem(&p));
                    }
                }
                if !bad_country_warned
                    && let Some(c) = chunk
                        .iter()
                        .filter_map(|r| r.country.as_deref())
                        .find(|c| parse_country(c).is_none())
                {
                    bad_country_warned = true;
                    on_event(Event::BadCountry {
                        file: reader.file(),
                        value: c,
                    });
                }
                let file_name = reader.file().to_string();
                let screened: Vec<(T, RecordOutcome, Vec<NewFinding>)> = chunk
                    .par_iter()
                    .map_init(Scratch::default, |scratch, rec| {
                        let q = query_of(&rec.name, rec.country.as_deref(), rec.id.as_deref());
                        let matches = self.screener.screen(&q, self.limit, scratch).matches;
                        let keyed = Keyed::new(&q, &matches, self.decisions);
                        let outcome = keyed.outcome(&matches);
                        let details = if record || self.details {
                            hit_details(self.registry, &matches)
                        } else {
                            Vec::new()
                        };
                        let findings = if record {
                            keyed.findings(&matches, &details, 0)
                        } else {
                            Vec::new()
                        };
                        let rendered = render(Screened {
                            file: &file_name,
                            record: rec,
                            matches: &matches,
                            keyed: &keyed,
                            details,
                        });
                        (rendered, outcome, findings)
                    })
                    .collect();
                for ((rendered, outcome, findings), rec) in screened.into_iter().zip(chunk) {
                    tally.records += 1;
                    match outcome {
                        RecordOutcome::Match => tally.matched += 1,
                        RecordOutcome::Review => tally.review += 1,
                        RecordOutcome::Dismissed => tally.dismissed += 1,
                        RecordOutcome::None => {}
                    }
                    emit(rendered)?;
                    recorder.add(&file_name, &rec, findings);
                }
                on_event(Event::Progress(
                    done_bytes + reader.consumed.load(Ordering::Relaxed),
                ));
                if ended {
                    break;
                }
            }
            recorder.input(&reader);
            on_event(Event::FileDone { file });
            done_bytes += reader.consumed.load(Ordering::Relaxed);
        }
        Ok(tally)
    }
}

/// A country as read, if it is an ISO 3166 two-letter code.
pub fn parse_country(c: &str) -> Option<CountryCode> {
    CountryCode::new(&c.trim().to_ascii_uppercase()).ok()
}

/// An entity's caption (`compact`: its abbreviation, if it has one), or
/// the id itself when the registry has no such entity.
pub fn entity_name<'r>(r: &'r Registry, id: &'r str, compact: bool) -> &'r str {
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
pub fn path_text(r: &Registry, h: &Hit<'_>, compact: bool) -> String {
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

// ------------------------------------------------------------------- compare

/// What a pair's score decides at `config`'s thresholds: `match`,
/// `review` or `none` (a zero score is never a finding).
pub fn pair_decision(score: f64, config: &ScoreConfig) -> &'static str {
    if score >= config.match_threshold && score > 0.0 {
        "match"
    } else if score >= config.review_threshold && score > 0.0 {
        "review"
    } else {
        "none"
    }
}

/// The scorer on one pair: `name2` is indexed alone and `name1` scored
/// against it, exactly as a screened name is scored against a registry name.
pub fn pair_score(
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
