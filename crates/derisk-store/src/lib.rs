//! What derisk remembers between runs: screening runs, their records and
//! findings, and analysts' decisions on findings.
//!
//! [`Store`] is the interface; [`SqliteStore`] the embedded default, one
//! SQLite file (WAL mode, schema migrations, one transaction per run or
//! decision). Every SQL statement lives in this crate, so that another
//! database can implement the trait without touching the callers.
//!
//! # The model
//!
//! - A **run** screened some inputs (each with its SHA-256) with some
//!   options against one registry (its hash; the compiled registry itself
//!   is kept once per hash, so a later run can say what changed since).
//! - A run's **records** are the rows it screened: file, row, name, country,
//!   identifier. A monitoring run re-evaluates another run's records and
//!   points to them instead of copying them.
//! - A **finding** links one record to one registry entity (`match` or
//!   `review`), with a stable key, a hash of its evidence and the full
//!   detail as JSON (path, designations, score parts).
//! - A **decision** confirms or dismisses a finding key, with a reason, who
//!   decided and the evidence it was made on. It holds for every later
//!   finding with the same key and the same evidence; when the evidence
//!   changes, the finding is open again ([`Status::Reopened`]).

mod schema;
mod sqlite;

use std::collections::HashMap;
use std::path::PathBuf;

pub use sqlite::{OpenMode, SqliteStore};

pub mod conformance;

/// Where a store is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// An SQLite file (the embedded default).
    Sqlite(PathBuf),
    /// A PostgreSQL server (`postgres://...`), for a later backend.
    Postgres(String),
}

impl Location {
    /// Reads a location: `sqlite:PATH`, `sqlite://PATH`, a
    /// `postgres://` or `postgresql://` URL, or a plain file path.
    pub fn parse(text: &str) -> Location {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Location::Postgres(text.to_owned());
        }
        let path = text
            .strip_prefix("sqlite://")
            .or_else(|| text.strip_prefix("sqlite:"))
            .unwrap_or(text);
        Location::Sqlite(PathBuf::from(path))
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(p) => write!(f, "{}", p.display()),
            Location::Postgres(url) => f.write_str(url),
        }
    }
}

/// Opens the store at `location` in `mode`, waiting up to `wait` for
/// another writer, as a backend-neutral [`Store`]: what every caller
/// outside this crate uses, so that a second backend needs no change
/// there.
pub fn open(
    location: &Location,
    mode: OpenMode,
    wait: std::time::Duration,
) -> Result<Box<dyn Store + Send>, StoreError> {
    match location {
        Location::Sqlite(path) => Ok(Box::new(SqliteStore::open(path, mode, wait)?)),
        Location::Postgres(url) => Err(StoreError::Unsupported {
            location: url.clone(),
            why: "this derisk stores runs in SQLite only (a file path, or sqlite:PATH); \
                  PostgreSQL arrives with its own backend"
                .to_owned(),
        }),
    }
}

/// A run's number, counted from 1 in each store.
pub type RunId = i64;

/// Something the store cannot do, with the file and the reason.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No location was given and none can be derived from the environment.
    #[error(
        "no place for the database: set --db FILE or DERISK_DB, or HOME or XDG_DATA_HOME \
         (the default is $XDG_DATA_HOME/derisk/derisk.db); `derisk screen --no-record` \
         needs none"
    )]
    NoLocation,
    /// The file or its directory cannot be created or opened.
    #[error("{path}: cannot open the database: {reason}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The file exists but is not a SQLite database made by derisk.
    #[error("{path}: not a derisk database ({reason})")]
    NotADatabase {
        /// The database file.
        path: PathBuf,
        /// What was found instead.
        reason: String,
    },
    /// Another process holds the write lock longer than the wait allows.
    #[error(
        "{path}: the database is locked by another process (waited {waited_ms} ms); \
         nothing was written, try again when it has finished"
    )]
    Locked {
        /// The database file.
        path: PathBuf,
        /// How long derisk waited for the lock.
        waited_ms: u64,
    },
    /// The file cannot be written (permissions or a read-only opening).
    #[error("{path}: the database is read-only ({why}); nothing was written")]
    ReadOnly {
        /// The database file.
        path: PathBuf,
        /// Why it is read-only.
        why: String,
    },
    /// The file was made by a newer derisk with a schema this one does not
    /// know.
    #[error(
        "{path}: the database has schema version {found}, newer than this derisk knows \
         ({known}); use a newer derisk, nothing was changed"
    )]
    NewerSchema {
        /// The database file.
        path: PathBuf,
        /// The file's schema version.
        found: i64,
        /// The newest this code knows.
        known: i64,
    },
    /// No run with that number.
    #[error("no run {0} in the store (see `derisk runs list`)")]
    NoSuchRun(RunId),
    /// The location names a kind of store this build does not hold.
    #[error("{location}: {why}")]
    Unsupported {
        /// The location as given.
        location: String,
        /// Why it cannot be opened, and what can.
        why: String,
    },
    /// The store holds no runs yet (or the file does not exist).
    #[error("{}: no runs recorded yet; `derisk screen FILE` records one", .0.display())]
    NoRuns(PathBuf),
    /// No finding whose key starts so.
    #[error(
        "no finding {0:?} in the store (finding ids are printed by `derisk screen` and `derisk runs show`)"
    )]
    NoSuchFinding(String),
    /// A finding id that is not hexadecimal or too short.
    #[error(
        "{0:?} is not a finding id: expected at least 4 of the hexadecimal digits that `derisk screen` prints"
    )]
    BadFindingId(String),
    /// More than one finding key starts so.
    #[error("finding id {reference:?} is ambiguous: it starts {}; give more digits", .keys.join(", "))]
    Ambiguous {
        /// What was given.
        reference: String,
        /// Some of the keys it could be.
        keys: Vec<String>,
    },
    /// Any other database failure.
    #[error("{path}: {message}")]
    Database {
        /// The database file.
        path: PathBuf,
        /// The database's message.
        message: String,
    },
}

/// One input file of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunInput {
    /// The path as given (`-` for standard input).
    pub path: String,
    /// SHA-256 of the bytes read, hex.
    pub sha256: String,
    /// Bytes read.
    pub bytes: u64,
}

/// A run to record.
#[derive(Clone, Debug)]
pub struct NewRun {
    /// The command that ran.
    pub command: RunKind,
    /// What was screened, for grouping runs of the same inputs: the
    /// inputs' absolute paths, one a line.
    pub subject: String,
    /// The inputs.
    pub inputs: Vec<RunInput>,
    /// The options, as JSON (the caller's format).
    pub options: String,
    /// `Registry::hash` of the registry used.
    pub registry_hash: String,
    /// The registry compiled as a snapshot, if the store may not have it
    /// yet ([`Store::has_registry`]); kept once per hash.
    pub registry_snapshot: Option<Vec<u8>>,
    /// The SHA-256 of the snapshot file, when the run loaded one.
    pub snapshot_file_hash: Option<String>,
    /// For a monitoring run: the run re-evaluated; its records are used.
    pub base_run: Option<RunId>,
    /// When the run started, RFC 3339 UTC.
    pub started_at: String,
    /// The derisk version.
    pub tool_version: String,
    /// Counts.
    pub totals: RunTotals,
}

/// What a run counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunTotals {
    /// Records screened.
    pub records: u64,
    /// Records whose best open finding is a match.
    pub matched: u64,
    /// Records whose best open finding is a review.
    pub review: u64,
    /// Records whose findings were all dismissed before, evidence unchanged.
    pub dismissed: u64,
    /// Rows that could not be read.
    pub skipped: u64,
}

/// A screened record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Its number in the run, from 0.
    pub seq: u64,
    /// The input it came from.
    pub file: String,
    /// Its line or row there.
    pub row: u64,
    /// The name.
    pub name: String,
    /// The country, as written.
    pub country: Option<String>,
    /// The identifier, as written.
    pub identifier: Option<String>,
}

/// A finding to record.
#[derive(Clone, Debug, PartialEq)]
pub struct NewFinding {
    /// The record's `seq` (in the base run for a monitoring run).
    pub record: u64,
    /// The stable key (`derisk_match::finding_key`).
    pub key: String,
    /// The registry entity.
    pub entity: String,
    /// `match` or `review`.
    pub decision: String,
    /// The score.
    pub score: f64,
    /// The evidence hash (`derisk_match::evidence_hash`).
    pub evidence: String,
    /// The finding in full, as JSON (the caller's format).
    pub detail: String,
}

/// A recorded run.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    /// Its number.
    pub id: RunId,
    /// The command that ran.
    pub command: RunKind,
    /// The inputs' absolute paths, one a line.
    pub subject: String,
    /// SHA-256 over the inputs' hashes.
    pub input_hash: String,
    /// The inputs.
    pub inputs: Vec<RunInput>,
    /// The options, as JSON.
    pub options: String,
    /// The registry's hash.
    pub registry_hash: String,
    /// The snapshot file's hash, if one was loaded.
    pub snapshot_file_hash: Option<String>,
    /// The run re-evaluated, for a monitoring run.
    pub base_run: Option<RunId>,
    /// The run whose records these are (itself for a screening run).
    pub records_of: RunId,
    /// RFC 3339 UTC.
    pub started_at: String,
    /// RFC 3339 UTC.
    pub finished_at: String,
    /// The derisk version.
    pub tool_version: String,
    /// Counts.
    pub totals: RunTotals,
}

/// A recorded finding.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// Its row id in the store.
    pub id: i64,
    /// The run.
    pub run: RunId,
    /// The record.
    pub record: Record,
    /// What was found, as recorded (`found.record` is `record.seq`).
    pub found: NewFinding,
}

/// The command a run recorded: what its options, records and findings
/// are, and so how it can be re-evaluated. Stored by its spelling; a
/// database with a kind this build does not know is refused, so adding a
/// kind comes with a schema migration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunKind {
    /// `derisk screen`: names screened; its options are screening options.
    Screen,
    /// `derisk monitor`: a screening run re-evaluated against a newer
    /// registry (its records are its base run's).
    Monitor,
    /// `derisk audit`: suppliers, devices and purchases measured together;
    /// its options are the audit's.
    Audit,
    /// `derisk assets`: devices identified; a finding is a device a
    /// registry entity made.
    Assets,
    /// `derisk procurement`: awards read and screened; a finding is an
    /// award to a registry entity.
    Procurement,
}

impl RunKind {
    /// Every kind.
    pub const ALL: &[RunKind] = &[
        RunKind::Screen,
        RunKind::Monitor,
        RunKind::Audit,
        RunKind::Assets,
        RunKind::Procurement,
    ];

    /// Its name, as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::Screen => "screen",
            RunKind::Monitor => "monitor",
            RunKind::Audit => "audit",
            RunKind::Assets => "assets",
            RunKind::Procurement => "procurement",
        }
    }

    /// The kind named `s`.
    pub fn parse(s: &str) -> Option<RunKind> {
        RunKind::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    /// Whether `derisk monitor` re-evaluates runs of this kind: screening
    /// runs and its own re-evaluations of them.
    pub fn monitored(self) -> bool {
        matches!(self, RunKind::Screen | RunKind::Monitor)
    }
}

impl std::fmt::Display for RunKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Confirmed or dismissed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The finding is right.
    Confirmed,
    /// The finding is wrong (a false positive) or does not matter.
    Dismissed,
}

impl Verdict {
    /// `confirmed` or `dismissed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Confirmed => "confirmed",
            Verdict::Dismissed => "dismissed",
        }
    }

    fn parse(s: &str) -> Option<Verdict> {
        match s {
            "confirmed" => Some(Verdict::Confirmed),
            "dismissed" => Some(Verdict::Dismissed),
            _ => None,
        }
    }
}

/// A decision to record, on a recorded finding.
#[derive(Clone, Debug)]
pub struct NewDecision {
    /// The finding decided on (its evidence is the decision's).
    pub finding: i64,
    /// Confirmed or dismissed.
    pub verdict: Verdict,
    /// Why.
    pub reason: String,
    /// Who.
    pub by: String,
    /// When, RFC 3339 UTC.
    pub at: String,
}

/// A recorded decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Its number.
    pub id: i64,
    /// The finding key it holds for.
    pub key: String,
    /// The evidence it was made on.
    pub evidence: String,
    /// The finding it was made on.
    pub finding: i64,
    /// The run of that finding.
    pub run: RunId,
    /// Confirmed or dismissed.
    pub verdict: Verdict,
    /// Why.
    pub reason: String,
    /// Who.
    pub by: String,
    /// When, RFC 3339 UTC.
    pub at: String,
}

/// Where a finding stands with the analysts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status<'d> {
    /// Nobody has decided on it.
    Open,
    /// Confirmed on the same evidence.
    Confirmed(&'d Decision),
    /// Dismissed on the same evidence: it stays dismissed.
    Dismissed(&'d Decision),
    /// Decided on other evidence; the evidence changed, so it is open again.
    Reopened(&'d Decision),
}

impl<'d> Status<'d> {
    /// The status of a finding with `key` and `evidence`, given the latest
    /// decisions by key.
    pub fn of(decisions: &'d HashMap<String, Decision>, key: &str, evidence: &str) -> Status<'d> {
        match decisions.get(key) {
            None => Status::Open,
            Some(d) if d.evidence != evidence => Status::Reopened(d),
            Some(d) => match d.verdict {
                Verdict::Confirmed => Status::Confirmed(d),
                Verdict::Dismissed => Status::Dismissed(d),
            },
        }
    }

    /// `open`, `confirmed`, `dismissed` or `reopened`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Confirmed(_) => "confirmed",
            Status::Dismissed(_) => "dismissed",
            Status::Reopened(_) => "reopened",
        }
    }

    /// The decision behind it, if any.
    pub fn decision(&self) -> Option<&'d Decision> {
        match *self {
            Status::Open => None,
            Status::Confirmed(d) | Status::Dismissed(d) | Status::Reopened(d) => Some(d),
        }
    }
}

/// Runs, findings and decisions, kept between invocations.
///
/// Writing methods are atomic: a run is recorded with all its records and
/// findings or not at all, and a failure leaves what was there before.
pub trait Store {
    /// Where the store is, for messages.
    fn location(&self) -> String;

    /// Whether the compiled registry with this hash is kept already.
    fn has_registry(&self, hash: &str) -> Result<bool, StoreError>;

    /// The compiled registry with this hash, if kept.
    fn registry_snapshot(&self, hash: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Records a run with its records (none for a monitoring run, which
    /// uses its base run's) and findings, in one transaction; returns its
    /// number.
    fn record_run(
        &mut self,
        run: &NewRun,
        records: &[Record],
        findings: &[NewFinding],
    ) -> Result<RunId, StoreError>;

    /// Runs, newest first; at most `limit`.
    fn runs(&self, limit: Option<usize>) -> Result<Vec<Run>, StoreError>;

    /// One run.
    fn run(&self, id: RunId) -> Result<Run, StoreError>;

    /// The newest run of one of `kinds` for each subject, oldest subject
    /// first (an audit and a screening of the same file are runs of one
    /// subject; monitoring asks for the screening ones).
    fn latest_by_subject(&self, kinds: &[RunKind]) -> Result<Vec<Run>, StoreError>;

    /// The run's records (its base run's, for a monitoring run), in order.
    fn records(&self, run: RunId) -> Result<Vec<Record>, StoreError>;

    /// The run's findings, in record order, best score first.
    fn findings(&self, run: RunId) -> Result<Vec<Finding>, StoreError>;

    /// The newest finding whose key starts with `reference` (at least four
    /// hexadecimal digits).
    fn resolve_finding(&self, reference: &str) -> Result<Finding, StoreError>;

    /// Records a decision.
    fn decide(&mut self, decision: &NewDecision) -> Result<Decision, StoreError>;

    /// The latest decision for each finding key.
    fn decisions(&self) -> Result<HashMap<String, Decision>, StoreError>;

    /// Every decision on one key, oldest first.
    fn history(&self, key: &str) -> Result<Vec<Decision>, StoreError>;
}

/// The default database file: `$XDG_DATA_HOME/derisk/derisk.db`, or
/// `$HOME/.local/share/derisk/derisk.db` when XDG_DATA_HOME is unset or
/// not absolute (the XDG Base Directory rule).
pub fn default_path() -> Result<PathBuf, StoreError> {
    let from = |var: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    if let Some(data) = from("XDG_DATA_HOME") {
        return Ok(data.join("derisk").join("derisk.db"));
    }
    from("HOME")
        .map(|home| home.join(".local/share/derisk/derisk.db"))
        .ok_or(StoreError::NoLocation)
}

/// The hash that names a set of inputs: SHA-256 over the inputs' own
/// hashes, in order, one a line. Two runs over the same bytes have the
/// same input hash, whatever the files were called.
pub fn input_hash(inputs: &[RunInput]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for i in inputs {
        h.update(i.sha256.as_bytes());
        h.update(b"\n");
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
