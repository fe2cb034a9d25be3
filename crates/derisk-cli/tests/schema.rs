//! `derisk screen --format jsonl` and `derisk assets --format jsonl` write
//! what their documented JSON Schema (docs/formats/findings.schema.json)
//! says, on inputs in the shapes users have: supplier lists with countries
//! and VAT numbers, plain names in several scripts, 1260H companies, a
//! terminal a state company holds a minority of; inventories, device
//! observations, nmap scans, captures and spreadsheets; eForms, TED, OCDS,
//! CORDIS and award tables.

use std::io::Write;
use std::process::{Command, Stdio};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn screen(args: &[&str], stdin: &str) -> Vec<serde_json::Value> {
    run(&["screen", "--format", "jsonl", "--no-record"], args, stdin)
}

fn run(command: &[&str], args: &[&str], stdin: &str) -> Vec<serde_json::Value> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_derisk"))
        .current_dir(ROOT)
        .args(command)
        .args(args)
        .env_remove("DERISK_REGISTRY")
        .env_remove("DERISK_SNAPSHOT")
        .env_remove("DERISK_OVERLAY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("derisk runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.code().is_some_and(|c| c <= 2), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object a line"))
        .collect()
}

/// Fails with every error when a line does not follow the schema.
fn follows(validator: &jsonschema::Validator, lines: &[serde_json::Value]) {
    for line in lines {
        let errors: Vec<String> = validator
            .iter_errors(line)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{line}\n{}", errors.join("\n"));
    }
}

/// The files of a fixture directory, as paths from the repository root.
fn fixtures(dir: &str) -> Vec<String> {
    let mut files: Vec<String> =
        std::fs::read_dir(format!("{ROOT}/crates/derisk-cli/tests/fixtures/{dir}"))
            .unwrap()
            .map(|e| {
                format!(
                    "crates/derisk-cli/tests/fixtures/{dir}/{}",
                    e.unwrap().file_name().to_string_lossy()
                )
            })
            .collect();
    files.sort();
    files
}

#[test]
fn screening_device_and_award_lines_follow_their_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{ROOT}/docs/formats/findings.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema is a valid schema");
    let f = "crates/derisk-cli/tests/fixtures/screen";
    let mut lines = Vec::new();
    lines.extend(screen(
        &[
            &format!("{f}/suppliers.csv"),
            "--column",
            "Supplier name",
            "--country-column",
            "Country",
            "--id-column",
            "VAT number",
        ],
        "",
    ));
    lines.extend(screen(&[&format!("{f}/names.txt")], ""));
    lines.extend(screen(&[&format!("{f}/1260h-suppliers.csv")], ""));
    lines.extend(screen(
        &["-"],
        "Euromax Terminal Rotterdam B.V.\nDJI Europe B.V.\n杭州海康威视数字技术股份有限公司\n",
    ));
    assert!(lines.len() >= 25, "{} lines", lines.len());
    follows(&validator, &lines);
    // Every optional part of a match occurs, so the schema is exercised.
    let matches: Vec<&serde_json::Value> = lines
        .iter()
        .flat_map(|l| l["matches"].as_array().unwrap())
        .collect();
    assert!(matches.iter().any(|m| m.get("ties").is_some()));
    assert!(
        matches
            .iter()
            .any(|m| !m["path"].as_array().unwrap().is_empty())
    );
    assert!(matches.iter().any(|m| m["decision"] == "review"));
    assert!(lines.iter().any(|l| l.get("country").is_some()));
    // And the schema holds the line to it: a line without its registry, or
    // with a field it does not document, is refused.
    let mut bad = lines[0].clone();
    bad.as_object_mut().unwrap().remove("registry");
    assert!(!validator.is_valid(&bad));
    let mut extra = lines[0].clone();
    extra["undocumented"] = serde_json::json!(1);
    assert!(!validator.is_valid(&extra));

    // Devices, from every kind of asset input the fixtures hold.
    let mut devices = Vec::new();
    for path in fixtures("assets") {
        devices.extend(run(
            &["assets", "--format", "jsonl", "--no-record"],
            &[&path],
            "",
        ));
    }
    assert!(devices.len() >= 100, "{} devices", devices.len());
    follows(&validator, &devices);
    assert!(devices.iter().any(|d| d["maker"].is_null()));
    assert!(
        devices
            .iter()
            .any(|d| !d["designations"].as_array().unwrap().is_empty())
    );
    let mut bad = devices[0].clone();
    bad["confidence"] = serde_json::json!("high");
    assert!(!validator.is_valid(&bad));

    // Awards, from every kind of notice the fixtures hold.
    let mut awards = Vec::new();
    for path in fixtures("procurement") {
        awards.extend(run(
            &["procurement", "--format", "jsonl", "--no-record"],
            &[&path],
            "",
        ));
    }
    assert!(awards.len() >= 15, "{} awards", awards.len());
    follows(&validator, &awards);
    // And the concentration rows of the notices, by every grouping.
    for group in ["cpv", "buyer", "country", "year"] {
        let rows = run(
            &[
                "procurement",
                "--summary",
                "jsonl",
                "--group",
                group,
                "--no-record",
            ],
            &[
                "crates/derisk-cli/tests/fixtures/procurement/westerhaven-cctv.xml",
                "crates/derisk-cli/tests/fixtures/procurement/ted-f03.xml",
                "crates/derisk-cli/tests/fixtures/procurement/telecom-releases.jsonl",
            ],
            "",
        );
        assert!(rows.len() >= 2, "{group}: {} rows", rows.len());
        assert!(rows.iter().all(|r| r["group"] == group), "{group}");
        follows(&validator, &rows);
        let mut bad = rows[0].clone();
        bad["hhi"] = serde_json::json!(20000);
        assert!(!validator.is_valid(&bad), "{group}");
    }
    assert!(awards.iter().any(|a| {
        a["suppliers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| !s["matches"].as_array().unwrap().is_empty())
    }));
}
