//! The embedded store: one SQLite file.
//!
//! Opened for writing, the file and its directory are created, the schema
//! is migrated in one transaction, and the journal is a write-ahead log, so
//! readers (`derisk runs list`) never wait for a writer. A writer waits for
//! another writer up to the busy timeout, then gives up with
//! [`StoreError::Locked`]. A file whose permissions forbid writing is
//! refused for writing before SQLite is asked, and can still be opened for
//! reading.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{
    Connection, ErrorCode, OpenFlags, OptionalExtension, Row, TransactionBehavior, params,
};

use crate::schema::{APPLICATION_ID, MIGRATIONS};
use crate::{
    Decision, Finding, NewDecision, NewFinding, NewRun, Record, Run, RunId, RunInput, RunKind,
    RunTotals, Store, StoreError, Verdict, input_hash,
};

/// How a store is opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    /// Create the file if needed, migrate it, and allow writing.
    Write,
    /// Read an existing file; never create, migrate or write.
    Read,
}

/// The SQLite implementation of [`Store`].
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    wait: Duration,
}

/// The current time as SQLite writes it: RFC 3339 UTC to the second.
const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')";

impl SqliteStore {
    /// Opens the store at `path`. Writers wait up to `wait` for another
    /// writer's lock.
    pub fn open(path: &Path, mode: OpenMode, wait: Duration) -> Result<SqliteStore, StoreError> {
        let open_err = |reason: String| StoreError::Open {
            path: path.to_path_buf(),
            reason,
        };
        let flags = match mode {
            OpenMode::Write => {
                match std::fs::metadata(path) {
                    Ok(m) if m.permissions().readonly() => {
                        return Err(StoreError::ReadOnly {
                            path: path.to_path_buf(),
                            why: "the file's permissions forbid writing".into(),
                        });
                    }
                    Ok(m) if !m.is_file() => return Err(open_err("not a regular file".into())),
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                            std::fs::create_dir_all(dir).map_err(|e| {
                                open_err(format!("cannot create {}: {e}", dir.display()))
                            })?;
                        }
                    }
                    Err(e) => return Err(open_err(e.to_string())),
                }
                OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_CREATE
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX
            }
            OpenMode::Read => {
                match std::fs::metadata(path) {
                    Ok(m) if !m.is_file() => return Err(open_err("not a regular file".into())),
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        return Err(StoreError::NoRuns(path.to_path_buf()));
                    }
                    Err(e) => return Err(open_err(e.to_string())),
                }
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
            }
        };
        let conn = Connection::open_with_flags(path, flags).map_err(|e| open_err(e.to_string()))?;
        let mut store = SqliteStore {
            conn,
            path: path.to_path_buf(),
            wait,
        };
        store.conn.busy_timeout(wait).map_err(|e| store.error(e))?;
        store.check_kind()?;
        if mode == OpenMode::Write {
            store.use_wal()?;
            store
                .conn
                .pragma_update(None, "synchronous", "NORMAL")
                .map_err(|e| store.error(e))?;
            store.migrate()?;
        } else {
            let version = store.user_version()?;
            if version < MIGRATIONS.len() as i64 {
                return Err(open_err(format!(
                    "schema version {version} is older than this derisk's ({}); \
                     any recording command (derisk screen, derisk decide) upgrades it",
                    MIGRATIONS.len()
                )));
            }
        }
        store
            .conn
            .pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| store.error(e))?;
        Ok(store)
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the file.
    pub fn user_version(&self) -> Result<i64, StoreError> {
        self.conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| self.error(e))
    }

    /// Switches a new file to the write-ahead log (the mode is kept in the
    /// file). SQLite answers "busy" at once, without waiting, when another
    /// connection is using the file at that moment (two first runs at the
    /// same time), so this retries until the wait is over.
    fn use_wal(&self) -> Result<(), StoreError> {
        let deadline = std::time::Instant::now() + self.wait;
        loop {
            let mode = self
                .conn
                .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0));
            match mode {
                Ok(_) => return Ok(()),
                Err(e)
                    if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy)
                        && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => return Err(self.error(e)),
            }
        }
    }

    /// Refuses a file that is not SQLite, is another program's database,
    /// or was made by a newer derisk.
    fn check_kind(&self) -> Result<(), StoreError> {
        // One statement, so one consistent reading even while another
        // process is migrating the file.
        let (app, version, tables): (i64, i64, i64) = self
            .conn
            .query_row(
                "SELECT (SELECT application_id FROM pragma_application_id),
                        (SELECT user_version FROM pragma_user_version),
                        (SELECT count(*) FROM sqlite_schema)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .map_err(|e| self.error(e))?;
        if app != 0 && app != APPLICATION_ID {
            return Err(StoreError::NotADatabase {
                path: self.path.clone(),
                reason: format!("a SQLite database of another program, application id {app:#x}"),
            });
        }
        if app == 0 && tables > 0 {
            return Err(StoreError::NotADatabase {
                path: self.path.clone(),
                reason: format!(
                    "a SQLite database with {tables} tables or indexes but no derisk mark"
                ),
            });
        }
        if version > MIGRATIONS.len() as i64 {
            return Err(StoreError::NewerSchema {
                path: self.path.clone(),
                found: version,
                known: MIGRATIONS.len() as i64,
            });
        }
        Ok(())
    }

    /// Applies the migrations the file lacks, all in one transaction.
    fn migrate(&mut self) -> Result<(), StoreError> {
        let path = self.path.clone();
        self.in_transaction(|tx, err| {
            let version: i64 = tx
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .map_err(err)?;
            if version > MIGRATIONS.len() as i64 {
                return Err(StoreError::NewerSchema {
                    path,
                    found: version,
                    known: MIGRATIONS.len() as i64,
                });
            }
            for sql in &MIGRATIONS[version as usize..] {
                tx.execute_batch(sql).map_err(err)?;
            }
            if version < MIGRATIONS.len() as i64 {
                tx.pragma_update(None, "user_version", MIGRATIONS.len() as i64)
                    .map_err(err)?;
                tx.pragma_update(None, "application_id", APPLICATION_ID)
                    .map_err(err)?;
            }
            Ok(())
        })
    }

    /// Runs `body` in one write transaction (taken at once, waiting for
    /// another writer up to the busy timeout) and commits; an error from
    /// `body` rolls everything back. `body` gets the error mapper.
    fn in_transaction<T>(
        &mut self,
        body: impl FnOnce(
            &rusqlite::Transaction<'_>,
            &dyn Fn(rusqlite::Error) -> StoreError,
        ) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let (path, wait) = (self.path.clone(), self.wait);
        let err = move |e| map_error(&path, wait, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        let out = body(&tx, &err)?;
        tx.commit().map_err(&err)?;
        Ok(out)
    }

    fn error(&self, e: rusqlite::Error) -> StoreError {
        map_error(&self.path, self.wait, e)
    }

    fn inputs(&self, run: RunId) -> Result<Vec<RunInput>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT path, sha256, bytes FROM run_inputs WHERE run = ?1 ORDER BY position",
            )
            .map_err(|e| self.error(e))?;
        stmt.query_map([run], |r| {
            Ok(RunInput {
                path: r.get(0)?,
                sha256: r.get(1)?,
                bytes: r.get::<_, i64>(2)? as u64,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(|e| self.error(e))
    }

    fn query_runs(&self, condition: &str, limit: Option<usize>) -> Result<Vec<Run>, StoreError> {
        let sql = format!(
            "SELECT id, command, subject, input_hash, options, registry_hash, snapshot_hash,
                    base_run, COALESCE(records_of, id), started_at, finished_at, tool_version,
                    records, matched, review, dismissed, skipped
             FROM runs {condition} LIMIT ?1"
        );
        let limit = limit.map_or(-1, |l| l as i64);
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.error(e))?;
        let runs: Vec<Run> = stmt
            .query_map([limit], run_row)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.error(e))?;
        runs.into_iter()
            .map(|mut run| {
                run.inputs = self.inputs(run.id)?;
                Ok(run)
            })
            .collect()
    }

    fn query_findings(
        &self,
        condition: &str,
        param: &dyn rusqlite::ToSql,
    ) -> Result<Vec<Finding>, StoreError> {
        let sql = format!(
            "SELECT f.id, f.run, f.key, f.entity, f.decision, f.score, f.evidence, f.detail,
                    rec.seq, rec.file, rec.row, rec.name, rec.country, rec.identifier
             FROM findings f
             JOIN runs r ON r.id = f.run
             JOIN records rec ON rec.run = COALESCE(r.records_of, r.id) AND rec.seq = f.record
             {condition}"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.error(e))?;
        stmt.query_map([param], finding_row)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.error(e))
    }

    fn query_decisions(
        &self,
        condition: &str,
        param: &dyn rusqlite::ToSql,
    ) -> Result<Vec<Decision>, StoreError> {
        let sql = format!(
            "SELECT d.id, d.key, d.evidence, d.finding, f.run, d.verdict, d.reason,
                    d.decided_by, d.decided_at
             FROM decisions d JOIN findings f ON f.id = d.finding
             {condition}"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.error(e))?;
        stmt.query_map([param], decision_row)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.error(e))
    }
}

fn run_row(r: &Row<'_>) -> rusqlite::Result<Run> {
    let command: String = r.get(1)?;
    Ok(Run {
        id: r.get(0)?,
        command: RunKind::parse(&command).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                1,
                rusqlite::types::Type::Text,
                format!(
                    "run command {command:?}: expected one of {}",
                    RunKind::ALL
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
                .into(),
            )
        })?,
        subject: r.get(2)?,
        input_hash: r.get(3)?,
        inputs: Vec::new(),
        options: r.get(4)?,
        registry_hash: r.get(5)?,
        snapshot_file_hash: r.get(6)?,
        base_run: r.get(7)?,
        records_of: r.get(8)?,
        started_at: r.get(9)?,
        finished_at: r.get(10)?,
        tool_version: r.get(11)?,
        totals: RunTotals {
            records: r.get::<_, i64>(12)? as u64,
            matched: r.get::<_, i64>(13)? as u64,
            review: r.get::<_, i64>(14)? as u64,
            dismissed: r.get::<_, i64>(15)? as u64,
            skipped: r.get::<_, i64>(16)? as u64,
        },
    })
}

fn finding_row(r: &Row<'_>) -> rusqlite::Result<Finding> {
    let record = record_row(r, 8)?;
    Ok(Finding {
        id: r.get(0)?,
        run: r.get(1)?,
        found: NewFinding {
            record: record.seq,
            key: r.get(2)?,
            entity: r.get(3)?,
            decision: r.get(4)?,
            score: r.get(5)?,
            evidence: r.get(6)?,
            detail: r.get(7)?,
        },
        record,
    })
}

/// A record from the six columns seq, file, row, name, country,
/// identifier, the first at `at`.
fn record_row(r: &Row<'_>, at: usize) -> rusqlite::Result<Record> {
    Ok(Record {
        seq: r.get::<_, i64>(at)? as u64,
        file: r.get(at + 1)?,
        row: r.get::<_, i64>(at + 2)? as u64,
        name: r.get(at + 3)?,
        country: r.get(at + 4)?,
        identifier: r.get(at + 5)?,
    })
}

fn decision_row(r: &Row<'_>) -> rusqlite::Result<Decision> {
    let verdict: String = r.get(5)?;
    Ok(Decision {
        id: r.get(0)?,
        key: r.get(1)?,
        evidence: r.get(2)?,
        finding: r.get(3)?,
        run: r.get(4)?,
        verdict: Verdict::parse(&verdict).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                5,
                rusqlite::types::Type::Text,
                format!("verdict {verdict:?}: expected confirmed or dismissed").into(),
            )
        })?,
        reason: r.get(6)?,
        by: r.get(7)?,
        at: r.get(8)?,
    })
}

/// SQLite's error, in the terms of the store.
fn map_error(path: &Path, wait: Duration, e: rusqlite::Error) -> StoreError {
    let path = path.to_path_buf();
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Locked {
            path,
            waited_ms: wait.as_millis() as u64,
        },
        Some(ErrorCode::ReadOnly) => StoreError::ReadOnly {
            path,
            why: "opened for reading only, or the file or its directory cannot be written".into(),
        },
        Some(ErrorCode::NotADatabase) => StoreError::NotADatabase {
            path,
            reason: "the file is not a SQLite database".into(),
        },
        Some(ErrorCode::CannotOpen) => StoreError::Open {
            path,
            reason: e.to_string(),
        },
        _ => StoreError::Database {
            path,
            message: e.to_string(),
        },
    }
}

impl Store for SqliteStore {
    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn has_registry(&self, hash: &str) -> Result<bool, StoreError> {
        self.conn
            .query_row("SELECT 1 FROM registries WHERE hash = ?1", [hash], |_| {
                Ok(())
            })
            .optional()
            .map(|r| r.is_some())
            .map_err(|e| self.error(e))
    }

    fn registry_snapshot(&self, hash: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.conn
            .query_row(
                "SELECT snapshot FROM registries WHERE hash = ?1",
                [hash],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.error(e))
    }

    fn record_run(
        &mut self,
        run: &NewRun,
        records: &[Record],
        findings: &[NewFinding],
    ) -> Result<RunId, StoreError> {
        self.in_transaction(|tx, err| {
            if let Some(snapshot) = &run.registry_snapshot {
                tx.execute(
                    &format!(
                        "INSERT OR IGNORE INTO registries (hash, snapshot, stored_at) \
                         VALUES (?1, ?2, {NOW})"
                    ),
                    params![run.registry_hash, snapshot],
                )
                .map_err(err)?;
            }
            tx.execute(
                &format!(
                    "INSERT INTO runs (command, subject, input_hash, options, registry_hash,
                         snapshot_hash, base_run, records_of, started_at, finished_at, tool_version,
                         records, matched, review, dismissed, skipped)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,
                         (SELECT COALESCE(records_of, id) FROM runs WHERE id = ?7),
                         ?8, {NOW}, ?9, ?10, ?11, ?12, ?13, ?14)"
                ),
                params![
                    run.command.as_str(),
                    run.subject,
                    input_hash(&run.inputs),
                    run.options,
                    run.registry_hash,
                    run.snapshot_file_hash,
                    run.base_run,
                    run.started_at,
                    run.tool_version,
                    run.totals.records as i64,
                    run.totals.matched as i64,
                    run.totals.review as i64,
                    run.totals.dismissed as i64,
                    run.totals.skipped as i64,
                ],
            )
            .map_err(err)?;
            let id = tx.last_insert_rowid();
            {
                let mut stmt = tx
                    .prepare("INSERT INTO run_inputs (run, position, path, sha256, bytes) VALUES (?1, ?2, ?3, ?4, ?5)")
                    .map_err(err)?;
                for (i, input) in run.inputs.iter().enumerate() {
                    stmt.execute(params![
                        id,
                        i as i64,
                        input.path,
                        input.sha256,
                        input.bytes as i64
                    ])
                    .map_err(err)?;
                }
                let mut stmt = tx
                    .prepare(
                        "INSERT INTO records (run, seq, file, row, name, country, identifier)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    )
                    .map_err(err)?;
                for r in records {
                    stmt.execute(params![
                        id,
                        r.seq as i64,
                        r.file,
                        r.row as i64,
                        r.name,
                        r.country,
                        r.identifier
                    ])
                    .map_err(err)?;
                }
                let mut stmt = tx
                    .prepare(
                        "INSERT INTO findings (run, record, key, entity, decision, score, evidence, detail)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    )
                    .map_err(err)?;
                for f in findings {
                    stmt.execute(params![
                        id,
                        f.record as i64,
                        f.key,
                        f.entity,
                        f.decision,
                        f.score,
                        f.evidence,
                        f.detail
                    ])
                    .map_err(err)?;
                }
            }
            Ok(id)
        })
    }

    fn runs(&self, limit: Option<usize>) -> Result<Vec<Run>, StoreError> {
        self.query_runs("ORDER BY id DESC", limit)
    }

    fn run(&self, id: RunId) -> Result<Run, StoreError> {
        self.query_runs(&format!("WHERE id = {id}"), Some(1))?
            .pop()
            .ok_or(StoreError::NoSuchRun(id))
    }

    fn latest_by_subject(&self, kinds: &[RunKind]) -> Result<Vec<Run>, StoreError> {
        // The kinds are a closed vocabulary of fixed spellings, so they are
        // written into the query as they are.
        let kinds: Vec<String> = kinds.iter().map(|k| format!("'{}'", k.as_str())).collect();
        self.query_runs(
            &format!(
                "WHERE id IN (SELECT max(id) FROM runs WHERE command IN ({}) GROUP BY subject) ORDER BY id",
                kinds.join(", ")
            ),
            None,
        )
    }

    fn records(&self, run: RunId) -> Result<Vec<Record>, StoreError> {
        let run = self.run(run)?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT seq, file, row, name, country, identifier FROM records
                 WHERE run = ?1 ORDER BY seq",
            )
            .map_err(|e| self.error(e))?;
        stmt.query_map([run.records_of], |r| record_row(r, 0))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.error(e))
    }

    fn findings(&self, run: RunId) -> Result<Vec<Finding>, StoreError> {
        self.run(run)?;
        self.query_findings(
            "WHERE f.run = ?1 ORDER BY f.record, f.score DESC, f.id",
            &run,
        )
    }

    fn resolve_finding(&self, reference: &str) -> Result<Finding, StoreError> {
        let prefix = reference.trim().to_ascii_lowercase();
        if prefix.len() < 4 || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::BadFindingId(reference.to_string()));
        }
        // Hex digits sort below 'g', so [prefix, prefix + "g") is every key
        // that starts with it, and the key index answers it.
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT key FROM findings WHERE key >= ?1 AND key < ?2 LIMIT 4")
            .map_err(|e| self.error(e))?;
        let keys: Vec<String> = stmt
            .query_map(params![prefix, format!("{prefix}g")], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.error(e))?;
        match keys.as_slice() {
            [] => Err(StoreError::NoSuchFinding(reference.to_string())),
            [key] => self
                .query_findings("WHERE f.key = ?1 ORDER BY f.id DESC LIMIT 1", key)?
                .pop()
                .ok_or_else(|| StoreError::NoSuchFinding(reference.to_string())),
            _ => Err(StoreError::Ambiguous {
                reference: reference.to_string(),
                keys,
            }),
        }
    }

    fn decide(&mut self, d: &NewDecision) -> Result<Decision, StoreError> {
        let id = self.in_transaction(|tx, err| {
            let inserted = tx
                .execute(
                    "INSERT INTO decisions (key, evidence, finding, verdict, reason, decided_by, decided_at)
                     SELECT key, evidence, id, ?2, ?3, ?4, ?5 FROM findings WHERE id = ?1",
                    params![d.finding, d.verdict.as_str(), d.reason.trim(), d.by.trim(), d.at],
                )
                .map_err(err)?;
            if inserted == 0 {
                return Err(StoreError::NoSuchFinding(d.finding.to_string()));
            }
            Ok(tx.last_insert_rowid())
        })?;
        self.query_decisions("WHERE d.id = ?1", &id)?
            .pop()
            .ok_or_else(|| StoreError::NoSuchFinding(d.finding.to_string()))
    }

    fn decisions(&self) -> Result<HashMap<String, Decision>, StoreError> {
        Ok(self
            .query_decisions(
                "WHERE d.id IN (SELECT max(id) FROM decisions GROUP BY key) AND ?1",
                &1,
            )?
            .into_iter()
            .map(|d| (d.key.clone(), d))
            .collect())
    }

    fn history(&self, key: &str) -> Result<Vec<Decision>, StoreError> {
        self.query_decisions("WHERE d.key = ?1 ORDER BY d.id", &key)
    }
}
