//! Analysts' decisions carry from one audit to the next: a finding
//! dismissed with `derisk decide` is left out of the next audit's
//! exposure, verdicts and plan while its evidence is unchanged, and listed
//! with who dismissed it and why; a confirmed one says so in its evidence.

use std::path::Path;
use std::process::{Command, Output};

fn derisk(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_derisk"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .env("DERISK_DB", db)
        .env("DERISK_USER", "auditor@westerhaven.example")
        .args(args)
        .output()
        .expect("derisk runs")
}

const AUDIT: &[&str] = &[
    "audit",
    "crates/derisk-cli/tests/fixtures/audit/tenderers.txt",
    "--kind",
    "tenderers.txt=suppliers",
    "--format",
    "json",
];

fn report(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)))
}

/// The store's finding key of the finding whose subject is `subject`.
fn key_of(db: &Path, subject: &str) -> String {
    let out = derisk(db, &["runs", "show", "--format", "jsonl"]);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["input"] == subject)
        .and_then(|v| v["finding"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no finding for {subject}"))
}

#[test]
fn dismissed_and_confirmed_findings_carry_to_the_next_audit() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("derisk.db");
    let first = derisk(&db, AUDIT);
    assert_eq!(first.status.code(), Some(1));
    let r = report(&first);
    assert_eq!(r["headline"]["high_risk_suppliers"], 2);
    assert_eq!(r["dismissed"].as_array().unwrap().len(), 0);

    let nuctech = key_of(&db, "Nuctech Co Ltd");
    let hytera = key_of(&db, "Hytera Communications Corporation Limited");
    let out = derisk(
        &db,
        &[
            "decide",
            &nuctech,
            "dismiss",
            "--reason",
            "a namesake: Nuctech Co Ltd of Leeds, a lab supplier, not the PRC scanner maker",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = derisk(
        &db,
        &[
            "decide",
            &hytera,
            "confirm",
            "--reason",
            "radios bought in 2021",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let second = derisk(&db, AUDIT);
    assert_eq!(second.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains(
            "derisk: audit: 1 finding dismissed in earlier runs on the same evidence left out (listed in the report)"
        ),
        "{stderr}"
    );
    let r = report(&second);
    assert_eq!(r["headline"]["high_risk_suppliers"], 1);
    let subjects: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, vec!["Hytera Communications Corporation Limited"]);
    let dismissed = &r["dismissed"][0];
    assert_eq!(dismissed["subject"], "Nuctech Co Ltd");
    assert_eq!(dismissed["party"], "Nuctech Company Limited");
    let reason = dismissed["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("dismissed by auditor@westerhaven.example at ")
            && reason.ends_with(
                "(run 1): a namesake: Nuctech Co Ltd of Leeds, a lab supplier, not the PRC scanner maker"
            ),
        "{reason}"
    );
    let evidence = r["findings"][0]["party"]["evidence"].as_array().unwrap();
    let last = evidence.last().unwrap().as_str().unwrap();
    assert!(
        last.starts_with("confirmed by auditor@westerhaven.example at ")
            && last.ends_with("(run 1): radios bought in 2021"),
        "{last}"
    );
    // The NIS2 verdict cites only the finding left.
    let v = r["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["rule"] == "nis2-high-risk-supplier")
        .unwrap();
    assert_eq!(v["evidence"], serde_json::json!(["F1"]));
}
