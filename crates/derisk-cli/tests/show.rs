//! `registry show` gives the same evidence in text and in JSON: every
//! source the text cites is resolved in the JSON document, and no other.

use std::collections::BTreeSet;
use std::process::Command;

fn derisk(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_derisk"))
        .args(args)
        .env_remove("DERISK_REGISTRY")
        .output()
        .expect("derisk runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// The source URLs listed under "Sources" in the text output.
fn text_urls(text: &str) -> BTreeSet<String> {
    let sources = text.split("\nSources\n").nth(1).expect("a Sources section");
    sources
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("http://") || l.starts_with("https://"))
        .map(str::to_owned)
        .collect()
}

fn json_urls(json: &str) -> BTreeSet<String> {
    let doc: serde_json::Value = serde_json::from_str(json).expect("valid JSON");
    doc["sources"]
        .as_object()
        .expect("a sources map")
        .values()
        .map(|s| s["url"].as_str().expect("a url").to_owned())
        .collect()
}

#[test]
fn text_and_json_cite_the_same_sources() {
    // A parent with many facts, a subsidiary whose evidence is all up its
    // chain, an entity with an ended and an alleged link, and a long chain.
    for id in ["hikvision", "hikvision-europe", "lorex", "nuctech-warsaw"] {
        let text = text_urls(&derisk(&["registry", "show", id]));
        let json = json_urls(&derisk(&["registry", "show", id, "--format", "json"]));
        assert!(!text.is_empty(), "{id}");
        assert_eq!(text, json, "{id}");
    }
}
