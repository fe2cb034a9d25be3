//! The store from the command line: a screening run is recorded, an
//! analyst dismisses a finding, the registry changes (a delisting, a new
//! subsidiary, a removed one, a changed share) and `derisk monitor` reports
//! exactly what changed and why; then the ways the database can refuse.
//!
//! The registries are the `registry diff` fixtures (`diff/old`, `diff/new`);
//! each test has a database of its own. Times and the temporary directory
//! are replaced by `<time>` and `<db>` before outputs are compared.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn derisk(db: &Path, args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_derisk"))
        .current_dir(FIXTURES)
        .args(args)
        .env("DERISK_DB", db)
        .env("DERISK_DB_WAIT", "0.2")
        .env_remove("DERISK_REGISTRY")
        .env_remove("DERISK_SNAPSHOT")
        .env_remove("DERISK_OVERLAY")
        .env_remove("DERISK_USER")
        .output()
        .expect("derisk runs");
    let clean = |b: &[u8]| {
        let text = String::from_utf8_lossy(b).replace(&db.display().to_string(), "<db>");
        without_times(&text)
    };
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: clean(&out.stdout),
        stderr: clean(&out.stderr),
    }
}

/// Replaces every `2026-11-22T10:04:05Z` by `<time>`.
fn without_times(text: &str) -> String {
    let shape = b"dddd-dd-ddTdd:dd:ddZ";
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let fits = bytes.len() - i >= shape.len()
            && shape.iter().zip(&bytes[i..]).all(|(s, b)| match s {
                b'd' => b.is_ascii_digit(),
                s => s == b,
            });
        if fits {
            out.push_str("<time>");
            i += shape.len();
        } else {
            let ch = text[i..].chars().next().expect("a char boundary");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

const SCREEN: &[&str] = &[
    "--registry",
    "diff/old",
    "screen",
    "monitor/suppliers.csv",
    "--format",
    "table",
];

#[test]
fn screen_decide_monitor() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("derisk.db");

    let out = derisk(&db, SCREEN);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "\
ROW  INPUT                                            FINDING   DECISION  SCORE  MATCHED → BEHIND IT (SHARE) [DESIGNATIONS]
2    Hangzhou Hikvision Digital Technology Co., Ltd.  086fc48e  match     1.00   Hangzhou Hikvision Digital Technology Co., Ltd. [EL]
                                                      31d17b89  review    0.67   Hikvision Europe B.V. → Hangzhou Hikvision Digital Technology Co., Ltd. [EL]
4    Hikvision Europe B.V.                            38666e0e  match     1.00   Hikvision Europe B.V. → Hangzhou Hikvision Digital Technology Co., Ltd. [EL]
                                                      e057a47d  review    0.80   Hangzhou Hikvision Digital Technology Co., Ltd. [EL]
"
    );
    assert_eq!(
        out.stderr,
        "derisk: screened 4 records: 2 match, 0 review, 2 no match\n\
         derisk: recorded run 1 in <db> (derisk runs show 1)\n"
    );

    // Without a name for who decides, nothing is recorded.
    let out = derisk(&db, &["decide", "e057a47d", "dismiss", "--reason", "x"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "derisk: error: who decides? give --by NAME (or set DERISK_USER)\n"
    );
    let out = derisk(
        &db,
        &[
            "decide",
            "e057a47d",
            "dismiss",
            "--reason",
            "the Dutch subsidiary is the supplier; its parent has a finding of its own",
            "--by",
            "ana",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        "derisk: dismissed finding e057a47debc650d2 (\"Hikvision Europe B.V.\" at \
         monitor/suppliers.csv:4 → Hangzhou Hikvision Digital Technology Co., Ltd., review in \
         run 1) by ana\n"
    );

    // The same input again: the dismissal holds, the rest is unchanged.
    let out = derisk(&db, SCREEN);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains("e057a47d  review, dismissed  0.80"),
        "{}",
        out.stdout
    );

    // Nothing changed in the registry: nothing to report, exit 0.
    let out = derisk(&db, &["--registry", "diff/old", "monitor"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""));
    assert_eq!(
        out.stderr,
        "derisk: run 2: screened with this registry (f026daa050e9); nothing to re-evaluate\n\
         derisk: monitor: 0 runs re-evaluated against registry f026daa050e9: 0 new, 0 changed, \
         0 gone; 0 need attention\n"
    );

    // The monthly update: Hikvision's Entity List designation ends, CETC's
    // stake becomes control, EZVIZ arrives, Hikvision Europe goes.
    let out = derisk(&db, &["--registry", "diff/new", "monitor"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        r#"run 2 (screen monitor/suppliers.csv, <time>; match at 0.85, review at 0.6, best 3 entities; control above 50%, influence from 25%), registry f026daa050e9 → 18b50aa06971: 5 changes
  changed  086fc48eeefdaa10  monitor/suppliers.csv:2  "Hangzhou Hikvision Digital Technology Co., Ltd."  match 1.000 → Hangzhou Hikvision Digital Technology Co., Ltd. (hikvision)  [open]
           - designation hikvision on US Entity List since 2019-10-09 (no longer in force)
           path hikvision ⇒ hikvision → cetc (~40%)
           registry: + name abbreviation name "CETC" of cetc
           registry: ~ relation hikvision owned-by cetc: ~36% → ~40% (control)
           registry: ~ designation hikvision on us-entity-list since 2019-10-09: end none → 2026-11-01
  gone     31d17b89121d33ba  monitor/suppliers.csv:2  "Hangzhou Hikvision Digital Technology Co., Ltd."  review 0.674 → Hikvision Europe B.V. (hikvision-europe)  [open]
           registry: - entity company "Hikvision Europe B.V." (hikvision-europe)
           registry: ~ relation hikvision owned-by cetc: ~36% → ~40% (control)
           registry: - relation hikvision-europe subsidiary-of hikvision
           registry: ~ designation hikvision on us-entity-list since 2019-10-09: end none → 2026-11-01
  new      ce14d8cb13e879b6  monitor/suppliers.csv:3  "EZVIZ Network Co., Ltd."  match 1.000 → EZVIZ Network Co., Ltd. (ezviz)  [open]
           registry: + entity company "EZVIZ Network Co., Ltd." (ezviz)
           registry: + name abbreviation name "CETC" of cetc
           registry: + relation ezviz subsidiary-of hikvision
           registry: ~ relation hikvision owned-by cetc: ~36% → ~40% (control)
           registry: ~ designation hikvision on us-entity-list since 2019-10-09: end none → 2026-11-01
  changed  e057a47debc650d2  monitor/suppliers.csv:4  "Hikvision Europe B.V."  review 0.796 → Hangzhou Hikvision Digital Technology Co., Ltd. (hikvision)  [reopened]
           was dismissed by ana at <time>: the Dutch subsidiary is the supplier; its parent has a finding of its own
           - designation hikvision on US Entity List since 2019-10-09 (no longer in force)
           path hikvision ⇒ hikvision → cetc (~40%)
           registry: + name abbreviation name "CETC" of cetc
           registry: ~ relation hikvision owned-by cetc: ~36% → ~40% (control)
           registry: ~ designation hikvision on us-entity-list since 2019-10-09: end none → 2026-11-01
  gone     38666e0e0322f51f  monitor/suppliers.csv:4  "Hikvision Europe B.V."  match 1.000 → Hikvision Europe B.V. (hikvision-europe)  [open]
           registry: - entity company "Hikvision Europe B.V." (hikvision-europe)
           registry: ~ relation hikvision owned-by cetc: ~36% → ~40% (control)
           registry: - relation hikvision-europe subsidiary-of hikvision
           registry: ~ designation hikvision on us-entity-list since 2019-10-09: end none → 2026-11-01
"#
    );
    assert_eq!(
        out.stderr,
        "derisk: monitor: 1 run re-evaluated against registry 18b50aa06971: 1 new, 2 changed, \
         2 gone; 5 need attention; recorded as run 3\n"
    );

    // The re-evaluation is the new baseline: the next monitor is quiet.
    let out = derisk(&db, &["--registry", "diff/new", "monitor"]);
    assert_eq!(out.code, 0, "{}", out.stderr);

    let out = derisk(&db, &["runs", "list"]);
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stdout,
        "\
RUN  COMMAND  STARTED               RECORDS  MATCH  REVIEW  DISMISSED  REGISTRY      INPUTS
3    monitor  <time>  4        2      1       0          18b50aa06971  monitor/suppliers.csv (re-evaluates run 2)
2    screen   <time>  4        2      0       0          f026daa050e9  monitor/suppliers.csv
1    screen   <time>  4        2      0       0          f026daa050e9  monitor/suppliers.csv
"
    );

    let out = derisk(&db, &["runs", "show", "3"]);
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stdout,
        "\
run 3: monitor, <time> to <time>, derisk 0.1.0
re-evaluates: run 2
input: monitor/suppliers.csv (155 bytes, sha256 9e8d4bd295b44aa96e74d1091adf295abc6bdc7df6c6276629aa71ca4d47bf4d)
registry: 18b50aa0697128c228e744a9a8cd5cb570a259c9da13ad5edecd69f9481939da
options: match at 0.85, review at 0.6, best 3 entities; control above 50%, influence from 25%
records: 4 (2 match, 1 review, 0 dismissed before, 1 no match; 0 unreadable)

086fc48eeefdaa10  monitor/suppliers.csv:2  \"Hangzhou Hikvision Digital Technology Co., Ltd.\"  match 1.000 → Hangzhou Hikvision Digital Technology Co., Ltd. (hikvision)  [open]
ce14d8cb13e879b6  monitor/suppliers.csv:3  \"EZVIZ Network Co., Ltd.\"  match 1.000 → EZVIZ Network Co., Ltd. (ezviz)  [open]
e057a47debc650d2  monitor/suppliers.csv:4  \"Hikvision Europe B.V.\"  review 0.796 → Hangzhou Hikvision Digital Technology Co., Ltd. (hikvision)  [reopened]
    dismissed by ana at <time> (run 1, on other evidence): the Dutch subsidiary is the supplier; its parent has a finding of its own
"
    );

    // JSON lines for the next tool: the run, then its findings.
    let out = derisk(&db, &["runs", "show", "3", "--format", "jsonl"]);
    let lines: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["type"], "run");
    assert_eq!(lines[0]["base_run"], 2);
    assert_eq!(lines[3]["finding"], "e057a47debc650d2");
    assert_eq!(lines[3]["status"], "reopened");
    assert_eq!(lines[3]["analyst"]["by"], "ana");
    assert_eq!(lines[3]["detail"]["path"][0]["entity_id"], "cetc");
}

#[test]
fn monitor_reports_in_json_lines_without_recording() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("derisk.db");
    assert_eq!(derisk(&db, SCREEN).code, 1);
    let out = derisk(
        &db,
        &[
            "--registry",
            "diff/new",
            "monitor",
            "--run",
            "1",
            "--no-record",
            "--format",
            "jsonl",
        ],
    );
    assert_eq!(out.code, 1);
    let changes: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<(&str, &str)> = changes
        .iter()
        .map(|c| {
            (
                c["change"].as_str().unwrap(),
                c["finding"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("changed", "086fc48eeefdaa10"),
            ("gone", "31d17b89121d33ba"),
            ("new", "ce14d8cb13e879b6"),
            ("changed", "e057a47debc650d2"),
            ("gone", "38666e0e0322f51f"),
        ]
    );
    let delisting = &changes[0];
    assert_eq!(
        delisting["differences"][0],
        "- designation hikvision on US Entity List since 2019-10-09 (no longer in force)"
    );
    assert_eq!(delisting["registry_changes"][2]["fact"], "designation");
    assert_eq!(
        delisting["registry_changes"][2]["detail"],
        "end none → 2026-11-01"
    );
    assert_eq!(changes[2]["before"], serde_json::Value::Null);
    assert_eq!(changes[2]["after"]["path"][0]["entity_id"], "hikvision");
    assert!(out.stderr.ends_with("5 need attention\n"), "{}", out.stderr);
    // Not recorded: still one run.
    let out = derisk(&db, &["runs", "list", "--format", "jsonl"]);
    assert_eq!(out.stdout.lines().count(), 1);
}

#[test]
fn a_read_only_database_is_read_but_not_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("derisk.db");
    assert_eq!(derisk(&db, SCREEN).code, 1);
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();

    let out = derisk(&db, SCREEN);
    assert_eq!((out.code, out.stdout.as_str()), (2, ""));
    assert_eq!(
        out.stderr,
        "derisk: error: <db>: the database is read-only (the file's permissions forbid \
         writing); nothing was written; add --no-record to run without recording, or --db FILE \
         to record elsewhere\n"
    );
    let mut no_record = SCREEN.to_vec();
    no_record.push("--no-record");
    let out = derisk(&db, &no_record);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "derisk: screened 4 records: 2 match, 0 review, 2 no match\n"
    );
    let out = derisk(&db, &["runs", "list", "--format", "jsonl"]);
    assert_eq!((out.code, out.stdout.lines().count()), (0, 1));
    let out = derisk(
        &db,
        &[
            "decide", "086fc48e", "confirm", "--reason", "listed", "--by", "ana",
        ],
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("the database is read-only"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_locked_database_waits_then_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("derisk.db");
    assert_eq!(derisk(&db, SCREEN).code, 1);
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let out = derisk(
        &db,
        &[
            "decide", "086fc48e", "confirm", "--reason", "listed", "--by", "ana",
        ],
    );
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "derisk: error: <db>: the database is locked by another process (waited 200 ms); \
         nothing was written, try again when it has finished; the decision was not recorded; \
         run the command again\n"
    );
    // Readers do not wait for the writer.
    assert_eq!(derisk(&db, &["runs", "list"]).code, 0);
    holder.execute_batch("ROLLBACK").unwrap();
    assert_eq!(
        derisk(
            &db,
            &[
                "decide", "086fc48e", "confirm", "--reason", "listed", "--by", "ana"
            ]
        )
        .code,
        0
    );
}

#[test]
fn foreign_newer_and_missing_databases_are_refused() {
    let dir = tempfile::tempdir().unwrap();

    let missing = dir.path().join("missing.db");
    let out = derisk(&missing, &["runs", "list"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "derisk: error: <db>: no runs recorded yet; `derisk screen FILE` records one\n"
    );
    assert!(!missing.exists());

    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, "supplier,country\n".repeat(300)).unwrap();
    let out = derisk(&junk, SCREEN);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "derisk: error: <db>: not a derisk database (the file is not a SQLite database)\n"
    );
    assert_eq!(
        std::fs::read_to_string(&junk).unwrap(),
        "supplier,country\n".repeat(300)
    );

    let newer = dir.path().join("newer.db");
    assert_eq!(derisk(&newer, SCREEN).code, 1);
    rusqlite::Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", 2)
        .unwrap();
    for args in [&["runs", "list"][..], SCREEN] {
        let out = derisk(&newer, args);
        assert_eq!(out.code, 2);
        assert_eq!(
            out.stderr,
            "derisk: error: <db>: the database has schema version 2, newer than this derisk \
             knows (1); use a newer derisk, nothing was changed\n"
        );
    }

    let db = dir.path().join("derisk.db");
    assert_eq!(derisk(&db, SCREEN).code, 1);
    for (reference, message) in [
        (
            "zz",
            "\"zz\" is not a finding id: expected at least 4 of the hexadecimal digits that `derisk screen` prints",
        ),
        (
            "ffff",
            "no finding \"ffff\" in the store (finding ids are printed by `derisk screen` and `derisk runs show`)",
        ),
    ] {
        let out = derisk(
            &db,
            &[
                "decide", reference, "dismiss", "--reason", "x", "--by", "ana",
            ],
        );
        assert_eq!(out.code, 2);
        assert_eq!(out.stderr, format!("derisk: error: {message}\n"));
    }
    let out = derisk(&db, &["runs", "show", "7"]);
    assert_eq!(
        out.stderr,
        "derisk: error: no run 7 in the store (see `derisk runs list`)\n"
    );
}

#[test]
fn monitor_without_the_old_registry_still_reports_the_findings() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("derisk.db");
    assert_eq!(derisk(&db, SCREEN).code, 1);
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("UPDATE registries SET snapshot = x'00'", [])
        .unwrap();
    let out = derisk(&db, &["--registry", "diff/new", "monitor", "--no-record"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr.lines().next().unwrap(),
        "derisk: warning: the registry kept with run 1: not a derisk registry snapshot (expected \
         the bytes `DRSKSNAP` at offset 0; build one with `derisk registry build`); its changes \
         are not shown"
    );
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[1],
        "  (the registry run 1 was screened with cannot be read from the store, so the registry \
         changes behind these are not shown)"
    );
    assert_eq!(
        out.stdout
            .lines()
            .filter(|l| l.starts_with("  changed")
                || l.starts_with("  new")
                || l.starts_with("  gone"))
            .count(),
        5
    );
    assert!(!out.stdout.contains("registry: "));
}

/// An audit recorded in the store is not read as a screening run: monitor
/// says it leaves audits to `derisk audit` (it used to fail on the audit's
/// options), refuses one asked for by number, and still re-evaluates a
/// screening run of the same file recorded before the audit.
#[test]
fn regression_monitor_leaves_audit_runs_to_the_audit() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("derisk.db");
    let audit = derisk(&db, &["--registry", "diff/old", "audit", "audit/stake"]);
    assert_eq!(audit.code, 0, "{}", audit.stderr);
    let out = derisk(&db, &["--registry", "diff/new", "monitor", "--no-record"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        "derisk: 1 audit run left to `derisk audit` (monitor re-evaluates screening runs; run \
         the audit again on the same inputs to see what changed)\n"
    );
    let out = derisk(&db, &["--registry", "diff/new", "monitor", "--run", "1"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "derisk: error: run 1: a `derisk audit` run, which monitor does not re-evaluate; run \
         `derisk audit` again on the same inputs to see what changed\n"
    );
    // A screening of a file, then an audit of the same file: the screening
    // is still the one monitored.
    let db = dir.path().join("both.db");
    assert_eq!(derisk(&db, SCREEN).code, 1);
    let audit = derisk(
        &db,
        &["--registry", "diff/old", "audit", "monitor/suppliers.csv"],
    );
    assert!(audit.code <= 1, "{}", audit.stderr);
    let out = derisk(&db, &["--registry", "diff/new", "monitor", "--no-record"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout
            .starts_with("run 1 (screen monitor/suppliers.csv"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr
            .starts_with("derisk: 1 audit run left to `derisk audit`"),
        "{}",
        out.stderr
    );
}
