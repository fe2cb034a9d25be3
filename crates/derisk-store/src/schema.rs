//! The database schema, as numbered migrations.
//!
//! `PRAGMA user_version` holds the number of migrations applied; each runs
//! in the same transaction as the version bump, so a database is always at
//! one version. `PRAGMA application_id` marks the file as derisk's.

/// "DRSK" as a big-endian number: the file is a derisk store.
pub(crate) const APPLICATION_ID: i64 = 0x4452_534B;

/// Migration `i` takes the schema from version `i` to `i + 1`. Append only:
/// never edit one that has shipped.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: runs, records, findings, decisions, kept registries.
    "
    CREATE TABLE registries (
        hash        TEXT PRIMARY KEY,      -- Registry::hash, SHA-256 hex
        snapshot    BLOB NOT NULL,         -- the `derisk registry build` format
        stored_at   TEXT NOT NULL
    );
    CREATE TABLE runs (
        id              INTEGER PRIMARY KEY,
        command         TEXT NOT NULL,
        subject         TEXT NOT NULL,
        input_hash      TEXT NOT NULL,
        options         TEXT NOT NULL,     -- JSON
        registry_hash   TEXT NOT NULL REFERENCES registries(hash),
        snapshot_hash   TEXT,
        base_run        INTEGER REFERENCES runs(id),
        records_of      INTEGER REFERENCES runs(id),  -- NULL: its own
        started_at      TEXT NOT NULL,
        finished_at     TEXT NOT NULL,
        tool_version    TEXT NOT NULL,
        records         INTEGER NOT NULL,
        matched         INTEGER NOT NULL,
        review          INTEGER NOT NULL,
        dismissed       INTEGER NOT NULL,
        skipped         INTEGER NOT NULL
    );
    CREATE INDEX runs_subject ON runs(subject, id);
    CREATE TABLE run_inputs (
        run         INTEGER NOT NULL REFERENCES runs(id),
        position    INTEGER NOT NULL,
        path        TEXT NOT NULL,
        sha256      TEXT NOT NULL,
        bytes       INTEGER NOT NULL,
        PRIMARY KEY (run, position)
    ) WITHOUT ROWID;
    CREATE TABLE records (
        run         INTEGER NOT NULL REFERENCES runs(id),
        seq         INTEGER NOT NULL,
        file        TEXT NOT NULL,
        row         INTEGER NOT NULL,
        name        TEXT NOT NULL,
        country     TEXT,
        identifier  TEXT,
        PRIMARY KEY (run, seq)
    ) WITHOUT ROWID;
    CREATE TABLE findings (
        id          INTEGER PRIMARY KEY,
        run         INTEGER NOT NULL REFERENCES runs(id),
        record      INTEGER NOT NULL,      -- records.seq in the run's records_of
        key         TEXT NOT NULL,
        entity      TEXT NOT NULL,
        decision    TEXT NOT NULL CHECK (decision IN ('match', 'review')),
        score       REAL NOT NULL,
        evidence    TEXT NOT NULL,
        detail      TEXT NOT NULL          -- JSON
    );
    CREATE INDEX findings_run ON findings(run, record);
    CREATE INDEX findings_key ON findings(key);
    CREATE TABLE decisions (
        id          INTEGER PRIMARY KEY,
        key         TEXT NOT NULL,
        evidence    TEXT NOT NULL,
        finding     INTEGER NOT NULL REFERENCES findings(id),
        verdict     TEXT NOT NULL CHECK (verdict IN ('confirmed', 'dismissed')),
        reason      TEXT NOT NULL CHECK (length(trim(reason)) > 0),
        decided_by  TEXT NOT NULL CHECK (length(trim(decided_by)) > 0),
        decided_at  TEXT NOT NULL
    );
    CREATE INDEX decisions_key ON decisions(key, id);
    ",
];
