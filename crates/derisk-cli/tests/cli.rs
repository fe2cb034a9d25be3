//! Command-line tests: each `tests/cmd/*.toml` runs `derisk` with arguments
//! and compares its exit code, standard output and standard error with the
//! `.stdout` and `.stderr` files beside it, exactly. The README's console
//! examples run the same way, so the documentation cannot drift from the
//! program. After an intended change of output, regenerate the expected
//! files with `TRYCMD=overwrite cargo test -p derisk-cli --test cli` and
//! review the diff.
//!
//! Every case runs from the repository root, where the README's reader
//! stands, so paths in examples are the paths a user types. Runs are
//! recorded in a database of the test's own (`DERISK_DB`), never in the
//! user's; their numbers depend on the order the cases run in, so the
//! expected output writes them as `[..]`.

#[test]
fn cli_cases() {
    // The only test in this binary, so changing the directory is safe.
    std::env::set_current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .expect("the repository root exists");
    let db = tempfile::tempdir().expect("a temporary directory");
    trycmd::TestCases::new()
        .env("COLUMNS", "100")
        // Designations in force, and provenance dates, as on this day.
        .env("DERISK_TODAY", "2026-12-03")
        .env(
            "DERISK_DB",
            db.path().join("derisk.db").display().to_string(),
        )
        .case("crates/derisk-cli/tests/cmd/*.toml")
        .case("README.md")
        .case("docs/**/*.md")
        .run();
    drop(db);
}
