//! `derisk assets` and `derisk procurement` record their runs as `screen`
//! and `audit` do, and take `--no-record`: every device or award is a
//! record, each one a registry entity made or won is a finding, keyed and
//! hashed as the audit keys and hashes it, so that a decision taken on a
//! device or a purchase in one command holds in `derisk audit` too.
//!
//! The inputs are the demo organisation's (`examples/westerhaven-port`).

use std::path::Path;
use std::process::{Command, Output};

fn derisk(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_derisk"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .env("DERISK_DB", db)
        .env("DERISK_USER", "auditor@westerhaven.example")
        .env_remove("DERISK_REGISTRY")
        .env_remove("DERISK_SNAPSHOT")
        .env_remove("DERISK_OVERLAY")
        .args(args)
        .output()
        .expect("derisk runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The lines of `derisk runs show RUN --format jsonl`.
fn shown(db: &Path, run: &str) -> Vec<serde_json::Value> {
    let out = derisk(db, &["runs", "show", run, "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object a line"))
        .collect()
}

const ASSETS: &str = "examples/westerhaven-port/assets/asset-register.csv";
const ORDERS: &str = "examples/westerhaven-port/procurement/purchase-orders.csv";

#[test]
fn an_assets_run_is_recorded_and_its_decisions_hold_in_the_audit() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("derisk.db");
    let out = derisk(&db, &["assets", ASSETS, "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("derisk: recorded run 1 in "),
        "{}",
        stderr(&out)
    );
    let lines = shown(&db, "1");
    let run = &lines[0];
    assert_eq!(run["command"], "assets");
    assert_eq!(run["records"], 33);
    assert_eq!(run["match"], 24);
    assert_eq!(run["inputs"].as_array().unwrap().len(), 1);
    let findings: Vec<&serde_json::Value> =
        lines.iter().filter(|l| l["type"] == "finding").collect();
    assert_eq!(findings.len(), 24);
    let cam = findings
        .iter()
        .find(|f| f["input"] == "CAM-001")
        .expect("CAM-001 is a finding");
    assert_eq!(cam["entity_id"], "hikvision");
    assert_eq!(
        cam["detail"]["caption"],
        "Hangzhou Hikvision Digital Technology Co., Ltd."
    );
    let key = cam["finding"].as_str().unwrap();

    let out = derisk(
        &db,
        &[
            "decide",
            key,
            "dismiss",
            "--reason",
            "decommissioned in 2025; still in the register",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // The audit of the same register finds the decision by the same key
    // and evidence: the camera is listed as dismissed.
    let out = derisk(&db, &["audit", ASSETS, "--format", "json", "--no-record"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stderr(&out)));
    let dismissed = report["dismissed"].as_array().expect("a dismissed list");
    assert_eq!(dismissed.len(), 1, "{dismissed:?}");
    assert_eq!(dismissed[0]["subject"], "CAM-001");
    assert!(
        stderr(&out).contains("derisk: audit: 1 finding dismissed in earlier runs"),
        "{}",
        stderr(&out)
    );

    // The input hashed as the assets run read it is the file the audit
    // hashes from disk.
    let out = derisk(&db, &["audit", ASSETS, "--format", "json"]);
    assert!(
        stderr(&out).contains("derisk: recorded run 2 in "),
        "{}",
        stderr(&out)
    );
    let audited = &shown(&db, "2")[0]["inputs"][0];
    assert_eq!(run["inputs"][0]["sha256"], audited["sha256"]);
    assert_eq!(run["inputs"][0]["bytes"], audited["bytes"]);
    assert_eq!(run["inputs"][0]["bytes"], 3772);
}

#[test]
fn a_procurement_run_is_recorded_and_no_record_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("derisk.db");
    let out = derisk(
        &db,
        &["procurement", ORDERS, "--format", "jsonl", "--no-record"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!stderr(&out).contains("recorded run"), "{}", stderr(&out));
    assert!(!db.exists(), "--no-record created the database");

    let out = derisk(&db, &["procurement", ORDERS, "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let lines = shown(&db, "1");
    assert_eq!(lines[0]["command"], "procurement");
    let findings: Vec<&serde_json::Value> =
        lines.iter().filter(|l| l["type"] == "finding").collect();
    let mut entities: Vec<&str> = findings
        .iter()
        .map(|f| f["entity_id"].as_str().unwrap())
        .collect();
    entities.sort_unstable();
    assert_eq!(entities, ["huawei", "huawei", "hytera", "nuctech"]);

    // A purchase dismissed here is dismissed in the audit of the orders.
    let nuctech = findings
        .iter()
        .find(|f| f["entity_id"] == "nuctech")
        .and_then(|f| f["finding"].as_str())
        .unwrap();
    let out = derisk(
        &db,
        &["decide", nuctech, "dismiss", "--reason", "order cancelled"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = derisk(&db, &["audit", ORDERS, "--format", "json", "--no-record"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stderr(&out)));
    let dismissed = report["dismissed"].as_array().expect("a dismissed list");
    assert_eq!(dismissed.len(), 1, "{dismissed:?}");
    assert_eq!(dismissed[0]["party"], "Nuctech Company Limited");
    assert_eq!(dismissed[0]["subject"], "WH-PO-2024-0107");

    // Monitor leaves these runs to their commands.
    let out = derisk(&db, &["monitor", "--no-record"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "derisk: 1 procurement run left to `derisk procurement` (monitor re-evaluates \
         screening runs; run `derisk procurement` again on the same inputs to see what changed)\n"
    );
}
