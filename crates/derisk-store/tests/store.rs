//! The SQLite store: the conformance suite every backend runs (round
//! trips, decisions), and every way opening or writing a file can fail
//! without losing what was there.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use derisk_store::conformance::{self, finding, records, run};
use derisk_store::{Location, NewDecision, OpenMode, SqliteStore, Store, StoreError, Verdict};

const WAIT: Duration = Duration::from_millis(200);

fn open(path: &Path) -> SqliteStore {
    SqliteStore::open(path, OpenMode::Write, WAIT).unwrap()
}

#[test]
fn the_sqlite_store_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    conformance::check(|| {
        n += 1;
        // A directory that does not exist yet: the store creates it.
        Box::new(open(&dir.path().join(format!("sub/dir/{n}.db"))))
    });
}

#[test]
fn a_blank_reason_is_refused_by_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir.path().join("derisk.db"));
    store
        .record_run(&run(None), &records(), &[finding("3fa2c1d0e4b59a61", "e1")])
        .unwrap();
    let f = store.resolve_finding("3fa2c1").unwrap();
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
}

#[test]
fn locations_name_the_backend() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.db");
    for text in [
        path.display().to_string(),
        format!("sqlite:{}", path.display()),
        format!("sqlite://{}", path.display()),
    ] {
        assert_eq!(Location::parse(&text), Location::Sqlite(path.clone()));
    }
    let store = derisk_store::open(
        &Location::parse(&format!("sqlite:{}", path.display())),
        OpenMode::Write,
        WAIT,
    )
    .unwrap();
    assert_eq!(store.location(), path.display().to_string());
    let pg = Location::parse("postgres://derisk@localhost/derisk");
    match derisk_store::open(&pg, OpenMode::Write, WAIT) {
        Err(StoreError::Unsupported { location, why }) => {
            assert_eq!(location, "postgres://derisk@localhost/derisk");
            assert!(why.contains("SQLite only"), "{why}");
        }
        other => panic!("{:?}", other.map(|s| s.location())),
    }
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
