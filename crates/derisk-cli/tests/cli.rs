//! Command-line tests: each `tests/cmd/*.toml` runs `derisk` with arguments
//! and compares its exit code, standard output and standard error with the
//! `.stdout` and `.stderr` files beside it, exactly. The README's console
//! examples run the same way, so the documentation cannot drift from the
//! program. After an intended change of output, regenerate the expected
//! files with `TRYCMD=overwrite cargo test -p derisk-cli --test cli` and
//! review the diff.

#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .env("COLUMNS", "100")
        .case("tests/cmd/*.toml")
        .case("../../README.md")
        .case("../../docs/*.md");
}
