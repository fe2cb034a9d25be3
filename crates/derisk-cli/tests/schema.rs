//! `derisk screen --format jsonl` writes what its documented JSON Schema
//! (docs/formats/screen-result.schema.json) says, on supplier lists in the
//! shapes users have: with countries and VAT numbers, plain names in
//! several scripts, 1260H companies, and a terminal a state company holds
//! a minority of.

use std::io::Write;
use std::process::{Command, Stdio};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn screen(args: &[&str], stdin: &str) -> Vec<serde_json::Value> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_derisk"))
        .current_dir(ROOT)
        .args(["screen", "--format", "jsonl", "--no-record"])
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
    assert!(out.status.code().is_some_and(|c| c <= 1), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object a line"))
        .collect()
}

#[test]
fn screening_output_follows_its_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{ROOT}/docs/formats/screen-result.schema.json")).unwrap(),
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
    for line in &lines {
        let errors: Vec<String> = validator
            .iter_errors(line)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{line}\n{}", errors.join("\n"));
    }
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
}
