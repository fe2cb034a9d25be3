//! A reader that goes away (`derisk … | head`) is not an error: derisk stops
//! quietly with exit code 0 instead of printing "Broken pipe".

use std::process::{Command, Stdio};

fn closed_pipe(args: &[&str]) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_derisk"))
        .args(args)
        .env_remove("DERISK_REGISTRY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("derisk starts");
    // Close the reading end before derisk has loaded its registry and written.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("derisk finishes");
    assert!(out.status.success(), "{args:?}: {:?}", out.status);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{args:?}");
}

#[test]
fn regression_broken_pipe_is_success_for_text_and_json() {
    closed_pipe(&["registry", "show", "hikvision"]);
    closed_pipe(&["registry", "show", "hikvision", "--format", "json"]);
    closed_pipe(&["registry", "list", "--format", "jsonl"]);
    closed_pipe(&["registry", "stats", "--format", "json"]);
}

/// A closed standard error (`derisk … 2>&1 >/dev/null | head -0`) loses the
/// messages but not the work: derisk does not panic (exit 101) and exits as
/// it would have, 1 for findings.
#[test]
fn regression_closed_standard_error_does_not_panic() {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    // The reading end is closed before derisk writes its first message.
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_derisk"))
        .args(["screen", "examples/suppliers.csv", "--no-record"])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .env_remove("DERISK_REGISTRY")
        .stdout(Stdio::piped())
        .stderr(writer)
        .output()
        .expect("derisk runs");
    assert_eq!(out.status.code(), Some(1), "{:?}", out.status);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("\"entity_id\":\"hikvision\""),
        "the screening was done"
    );
}
