//! The SQLite store: round trips, decisions, and every way opening or
//! writing can fail without losing what was there.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use derisk_store::{
    NewDecision, NewFinding, NewRun, OpenMode, Record, RunInput, RunKind, RunTotals, SqliteStore,
    Status, Store, StoreError, Verdict,
};

const WAIT: Duration = Duration::from_millis(200);

fn open(path: &Path) -> SqliteStore {
    SqliteStore::open(path, OpenMode::Write, WAIT).unwrap()
}

fn run(base: Option<i64>) -> NewRun {
    NewRun {
        command: if base.is_some() {
            RunKind::Monitor
        } else {
            RunKind::Screen
        },
        subject: "/data/suppliers.csv".into(),
        inputs: vec![RunInput {
            path: "suppliers.csv".into(),
            sha256: "ab".repeat(32),
            bytes: 120,
        }],
        options: r#"{"match_threshold":0.85}"#.into(),
        registry_hash: "11".repeat(32),
        registry_snapshot: Some(b"DRSKSNAP...".to_vec()),
        snapshot_file_hash: None,
        base_run: base,
        started_at: "2026-11-22T10:00:00Z".into(),
        tool_version: "0.1.0".into(),
        totals: RunTotals {
            records: 2,
            matched: 1,
            review: 0,
            dismissed: 0,
            skipped: 0,
        },
    }
}

fn records() -> Vec<Record> {
    vec![
        Record {
            seq: 0,
            file: "suppliers.csv".into(),
            row: 2,
            name: "Hangzhou Hikvision Digital Technology Co., Ltd.".into(),
            country: Some("CN".into()),
            identifier: None,
        },
        Record {
            seq: 1,
            file: "suppliers.csv".into(),
            row: 3,
            name: "Stadtwerke Musterstadt GmbH".into(),
            country: None,
            identifier: None,
        },
    ]
}

fn finding(key: &str, evidence: &str) -> NewFinding {
    NewFinding {
        record: 0,
        key: key.into(),
        entity: "hikvision".into(),
        decision: "match".into(),
        score: 0.97,
        evidence: evidence.into(),
        detail: r#"{"entity_id":"hikvision"}"#.into(),
    }
}

#[test]
fn a_run_round_trips_and_monitoring_runs_reuse_its_records() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/dir/derisk.db");
    let mut store = open(&path);
    assert!(!store.has_registry(&"11".repeat(32)).unwrap());
    let id = store
        .record_run(&run(None), &records(), &[finding("3fa2c1d0e4b59a61", "e1")])
        .unwrap();
    assert_eq!(id, 1);
    assert!(store.has_registry(&"11".repeat(32)).unwrap());
    assert_eq!(
        store.registry_snapshot(&"11".repeat(32)).unwrap().unwrap(),
        b"DRSKSNAP..."
    );

    let got = store.run(1).unwrap();
    assert_eq!(got.command, RunKind::Screen);
    assert_eq!(got.records_of, 1);
    assert_eq!(got.inputs.len(), 1);
    assert_eq!(got.input_hash.len(), 64);
    assert_eq!(got.totals.matched, 1);
    assert!(got.finished_at.ends_with('Z'), "{}", got.finished_at);
    assert_eq!(store.records(1).unwrap(), records());

    let mut monitor = run(Some(1));
    monitor.registry_snapshot = None;
    monitor.registry_hash = "11".repeat(32);
    let id2 = store
        .record_run(&monitor, &[], &[finding("3fa2c1d0e4b59a61", "e2")])
        .unwrap();
    assert_eq!(store.run(id2).unwrap().records_of, 1);
    assert_eq!(store.records(id2).unwrap(), records());
    let f = store.findings(id2).unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].record.name, records()[0].name);
    assert_eq!(f[0].found.evidence, "e2");

    let latest = store.latest_by_subject(RunKind::ALL).unwrap();
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0].id, id2);
    assert_eq!(store.runs(None).unwrap().len(), 2);
    assert_eq!(store.runs(Some(1)).unwrap()[0].id, id2);
    assert!(matches!(store.run(9), Err(StoreError::NoSuchRun(9))));
}

#[test]
fn findings_resolve_by_prefix_and_decisions_follow_the_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir.path().join("derisk.db"));
    let mut second = finding("3fa2ffff00001111", "x");
    second.record = 1;
    store
        .record_run(
            &run(None),
            &records(),
            &[finding("3fa2c1d0e4b59a61", "e1"), second],
        )
        .unwrap();

    assert_eq!(
        store.resolve_finding("3FA2C1").unwrap().found.key,
        "3fa2c1d0e4b59a61"
    );
    match store.resolve_finding("3fa2") {
        Err(StoreError::Ambiguous { keys, .. }) => {
            assert_eq!(keys, ["3fa2c1d0e4b59a61", "3fa2ffff00001111"])
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        store.resolve_finding("3fa"),
        Err(StoreError::BadFindingId(_))
    ));
    assert!(matches!(
        store.resolve_finding("zzzz"),
        Err(StoreError::BadFindingId(_))
    ));
    assert!(matches!(
        store.resolve_finding("0000"),
        Err(StoreError::NoSuchFinding(_))
    ));

    let f = store.resolve_finding("3fa2c1").unwrap();
    let d = store
        .decide(&NewDecision {
            finding: f.id,
            verdict: Verdict::Dismissed,
            reason: "  a namesake: a Hikvision reseller in Lyon  ".into(),
            by: "ana".into(),
            at: "2026-11-22T11:00:00Z".into(),
        })
        .unwrap();
    assert_eq!(d.reason, "a namesake: a Hikvision reseller in Lyon");
    assert_eq!(d.run, 1);
    assert_eq!(d.evidence, "e1");

    let decisions = store.decisions().unwrap();
    assert_eq!(
        Status::of(&decisions, "3fa2c1d0e4b59a61", "e1").as_str(),
        "dismissed"
    );
    assert_eq!(
        Status::of(&decisions, "3fa2c1d0e4b59a61", "e2").as_str(),
        "reopened"
    );
    assert_eq!(
        Status::of(&decisions, "3fa2ffff00001111", "x").as_str(),
        "open"
    );

    store
        .decide(&NewDecision {
            finding: f.id,
            verdict: Verdict::Confirmed,
            reason: "checked the register: it is the Hikvision subsidiary".into(),
            by: "ben".into(),
            at: "2026-11-22T12:00:00Z".into(),
        })
        .unwrap();
    let decisions = store.decisions().unwrap();
    assert_eq!(
        Status::of(&decisions, "3fa2c1d0e4b59a61", "e1").as_str(),
        "confirmed"
    );
    let history = store.history("3fa2c1d0e4b59a61").unwrap();
    assert_eq!(
        history.iter().map(|d| d.by.as_str()).collect::<Vec<_>>(),
        ["ana", "ben"]
    );

    // An empty reason is refused by the schema, and nothing is recorded.
    let err = store
        .decide(&NewDecision {
            finding: f.id,
            verdict: Verdict::Dismissed,
            reason: "   ".into(),
            by: "ana".into(),
            at: "2026-11-22T13:00:00Z".into(),
        })
        .unwrap_err();
    assert!(err.to_string().contains("CHECK constraint failed"), "{err}");
    assert_eq!(store.history("3fa2c1d0e4b59a61").unwrap().len(), 2);
}

#[test]
fn a_failed_run_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("derisk.db");
    let mut store = open(&path);
    store
        .record_run(&run(None), &records(), &[finding("aaaa000000000000", "e")])
        .unwrap();
    let mut bad = finding("bbbb000000000000", "e");
    bad.decision = "maybe".into();
    let err = store
        .record_run(&run(None), &records(), &[bad])
        .unwrap_err();
    assert!(err.to_string().contains("CHECK constraint failed"), "{err}");
    assert_eq!(store.runs(None).unwrap().len(), 1);
    assert!(store.resolve_finding("bbbb").is_err());
    assert_eq!(store.findings(1).unwrap().len(), 1);
}

#[test]
fn a_locked_database_is_a_clear_error_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("derisk.db");
    let mut store = open(&path);
    store.record_run(&run(None), &records(), &[]).unwrap();

    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let err = store.record_run(&run(None), &records(), &[]).unwrap_err();
    assert!(
        matches!(err, StoreError::Locked { waited_ms: 200, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{}: the database is locked by another process (waited 200 ms); nothing was written, \
             try again when it has finished",
            path.display()
        )
    );
    // Readers are not blocked by the writer (write-ahead log).
    assert_eq!(store.runs(None).unwrap().len(), 1);
    other.execute_batch("ROLLBACK").unwrap();
    store.record_run(&run(None), &records(), &[]).unwrap();
    assert_eq!(store.runs(None).unwrap().len(), 2);
}

#[test]
fn a_read_only_file_can_be_read_but_not_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("derisk.db");
    open(&path).record_run(&run(None), &records(), &[]).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();

    let err = SqliteStore::open(&path, OpenMode::Write, WAIT).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: the database is read-only (the file's permissions forbid writing); nothing was written",
            path.display()
        )
    );
    let mut reader = SqliteStore::open(&path, OpenMode::Read, WAIT).unwrap();
    assert_eq!(reader.runs(None).unwrap().len(), 1);
    let err = reader.record_run(&run(None), &records(), &[]).unwrap_err();
    assert!(matches!(err, StoreError::ReadOnly { .. }), "{err:?}");
    assert_eq!(reader.runs(None).unwrap().len(), 1);
}

#[test]
fn foreign_newer_and_missing_files_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();

    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, "name,country\nHikvision,CN\n".repeat(100)).unwrap();
    let err = SqliteStore::open(&junk, OpenMode::Write, WAIT).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: not a derisk database (the file is not a SQLite database)",
            junk.display()
        )
    );
    assert_eq!(
        std::fs::read(&junk).unwrap(),
        "name,country\nHikvision,CN\n".repeat(100).as_bytes(),
        "the file is left as it was"
    );

    let foreign = dir.path().join("foreign.db");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE cameras (ip TEXT)")
        .unwrap();
    let err = SqliteStore::open(&foreign, OpenMode::Write, WAIT).unwrap_err();
    assert!(
        err.to_string().ends_with(
            "not a derisk database (a SQLite database with 1 tables or indexes but no derisk mark)"
        ),
        "{err}"
    );

    let newer = dir.path().join("newer.db");
    open(&newer)
        .record_run(&run(None), &records(), &[])
        .unwrap();
    rusqlite::Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", 7)
        .unwrap();
    for mode in [OpenMode::Write, OpenMode::Read] {
        let err = SqliteStore::open(&newer, mode, WAIT).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: the database has schema version 7, newer than this derisk knows (1); \
                 use a newer derisk, nothing was changed",
                newer.display()
            )
        );
    }

    let missing = dir.path().join("missing.db");
    assert!(matches!(
        SqliteStore::open(&missing, OpenMode::Read, WAIT),
        Err(StoreError::NoRuns(_))
    ));
    assert!(!missing.exists(), "reading creates nothing");
}

#[test]
fn first_runs_at_the_same_time_all_land() {
    // Several processes creating and migrating the same new file at once:
    // switching to the write-ahead log answers "busy" without waiting, so
    // the store retries within its wait.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("derisk.db");
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut store =
                    SqliteStore::open(&path, OpenMode::Write, Duration::from_secs(10)).unwrap();
                store.record_run(&run(None), &records(), &[]).unwrap()
            })
        })
        .collect();
    let mut ids: Vec<i64> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    ids.sort();
    assert_eq!(ids, [1, 2, 3, 4, 5, 6]);
}

/// A run's command is a closed vocabulary: a stored one derisk does not
/// know is an error naming it, not a run read as some other kind.
#[test]
fn an_unknown_run_command_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("derisk.db");
    let mut store = open(&path);
    store.record_run(&run(None), &records(), &[]).unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute("UPDATE runs SET command = 'scan'", [])
        .unwrap();
    let err = store.run(1).unwrap_err().to_string();
    assert!(
        err.contains(
            "run command \"scan\": expected one of screen, monitor, audit, assets, procurement"
        ),
        "{err}"
    );
}
