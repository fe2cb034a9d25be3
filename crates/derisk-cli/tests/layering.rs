//! The command line stays a command line: it parses arguments, calls the
//! application layer (`derisk-app`) and prints. These checks fail when
//! pipeline work grows back into it.

use std::path::Path;

/// Non-test lines the CLI may have (argument definitions and printing).
const MAX_LINES: usize = 4_000;

/// Crates whose use in the CLI would mean it does a pipeline's work:
/// parallel screening, reading spreadsheets or foreign encodings, hashing
/// inputs, reading organisation files, talking to a database.
const PIPELINE_CRATES: &[&str] = &[
    "rayon",
    "calamine",
    "encoding_rs",
    "sha2",
    "toml",
    "rusqlite",
    "tokio-postgres",
    "sqlx",
];

/// The CLI's normal (not dev) dependencies, from `cargo metadata`.
fn dependencies() -> Vec<String> {
    let output = std::process::Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--no-deps",
            "--offline",
            "--format-version",
            "1",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let meta: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let cli = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|p| p["name"] == "derisk-cli")
        .expect("derisk-cli is a workspace member");
    cli["dependencies"]
        .as_array()
        .expect("dependencies")
        .iter()
        .filter(|d| d["kind"].is_null())
        .map(|d| d["name"].as_str().expect("a name").to_owned())
        .collect()
}

/// Lines of each source file before its `#[cfg(test)]` module.
fn non_test_lines() -> Vec<(String, usize)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files: Vec<_> = std::fs::read_dir(&src)
        .expect("src/ is readable")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).expect("a source file");
            let lines = text
                .lines()
                .take_while(|l| !l.starts_with("#[cfg(test)]"))
                .count();
            (p.file_name().unwrap().to_string_lossy().into_owned(), lines)
        })
        .collect()
}

#[test]
fn the_cli_depends_on_the_application_layer_and_no_pipeline_crate() {
    let deps = dependencies();
    assert!(deps.iter().any(|d| d == "derisk-app"), "{deps:?}");
    let found: Vec<&String> = deps
        .iter()
        .filter(|d| PIPELINE_CRATES.contains(&d.as_str()))
        .collect();
    assert!(
        found.is_empty(),
        "derisk-cli depends on {found:?}: the work they do belongs in derisk-app"
    );
}

#[test]
fn the_cli_stays_small() {
    let files = non_test_lines();
    let total: usize = files.iter().map(|(_, n)| n).sum();
    assert!(
        total < MAX_LINES,
        "derisk-cli has {total} non-test lines (at most {MAX_LINES}): {files:?}; \
         move the logic that grew into derisk-app"
    );
}

#[test]
fn the_cli_neither_screens_in_parallel_nor_opens_a_database_itself() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for (file, _) in non_test_lines() {
        let text = std::fs::read_to_string(src.join(&file)).expect("a source file");
        for word in [
            "par_iter",
            "SqliteStore::open",
            "Recorder {",
            "read_snapshot(",
        ] {
            assert!(
                !text.contains(word),
                "{file} uses {word}: that is pipeline work, which belongs in derisk-app"
            );
        }
    }
}
