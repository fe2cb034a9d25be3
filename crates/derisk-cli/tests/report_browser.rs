//! The audit report as a browser shows and prints it: headless Chromium
//! opens the demo organisation's HTML report from a file, with the network
//! switched off, and
//!
//! - renders it to a screenshot (a PNG of the width asked for, far from
//!   blank: a report with charts has thousands of colours' worth of
//!   distinct bytes),
//! - parses it into the same document (title, charts, path diagrams,
//!   every finding's anchor) with no script run,
//! - prints it to PDF on A4 pages, more than one.
//!
//! `scripts/test` installs Chromium (Debian's `chromium`) and sets
//! `DERISK_REQUIRE_CHROMIUM=1`, so in CI a missing browser fails the test;
//! elsewhere the test says it was skipped.

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| {
            std::env::var_os("PATH")
                .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
                .unwrap_or_default()
                .into_iter()
                .map(move |d| d.join(name))
        })
        .find(|p| p.is_file())
}

/// Runs headless Chromium with the flags that keep it off the network.
fn browser(exe: &Path, profile: &Path, args: &[&str]) -> std::process::Output {
    Command::new(exe)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("Chromium runs")
}

#[test]
fn the_report_renders_and_prints_in_headless_chromium() {
    let Some(exe) = chromium() else {
        if std::env::var_os("DERISK_REQUIRE_CHROMIUM").is_some() {
            panic!(
                "Chromium is not installed; scripts/test installs it (apt-get install chromium)"
            );
        }
        eprintln!("skipped: Chromium is not installed (scripts/test installs it)");
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let report = dir.path().join("report.html");
    let out = Command::new(env!("CARGO_BIN_EXE_derisk"))
        .current_dir(&root)
        .args(["audit", "examples/westerhaven-port", "--no-record", "--out"])
        .arg(&report)
        .output()
        .expect("derisk runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&report).expect("the report was written");
    let url = format!("file://{}", report.display());
    let profile = dir.path().join("profile");

    // The document as Chromium parsed it.
    let dom = browser(&exe, &profile, &["--dump-dom", &url]);
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("<title>High-risk vendor exposure: Port of Westerhaven Authority</title>"),
        "{}",
        &dom[..dom.len().min(400)]
    );
    let findings = html.matches("<div class=\"finding\" id=\"F").count();
    assert!(findings >= 30, "{findings} findings");
    assert_eq!(
        dom.matches("<div class=\"finding\" id=\"F").count(),
        findings
    );
    assert_eq!(dom.matches("<svg class=\"path\"").count(), findings);
    assert_eq!(dom.matches("<svg class=\"chart\"").count(), 3);

    // A screenshot of the first screen.
    let png = dir.path().join("report.png");
    browser(
        &exe,
        &profile,
        &[
            "--window-size=1280,2000",
            &format!("--screenshot={}", png.display()),
            &url,
        ],
    );
    let bytes = std::fs::read(&png).expect("the screenshot was written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    // IHDR: width and height, big-endian, at bytes 16..24.
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((width, height), (1280, 2000));
    // A blank page compresses to a few kilobytes; this one has text,
    // tables and charts.
    assert!(bytes.len() > 100_000, "{} bytes", bytes.len());

    // Printed to PDF: A4 pages, several of them.
    let pdf = dir.path().join("report.pdf");
    browser(
        &exe,
        &profile,
        &[
            "--no-pdf-header-footer",
            &format!("--print-to-pdf={}", pdf.display()),
            &url,
        ],
    );
    let bytes = std::fs::read(&pdf).expect("the PDF was written");
    assert!(bytes.starts_with(b"%PDF-"));
    let text = String::from_utf8_lossy(&bytes);
    // Page objects: "/Type /Page" not followed by "s" (that is "/Pages").
    let pages = text
        .match_indices("/Type /Page")
        .chain(text.match_indices("/Type/Page"))
        .filter(|(at, m)| !text[at + m.len()..].starts_with('s'))
        .count();
    assert!(pages >= 3, "{pages} pages");
    // Findings run on from page to page rather than one to a page (the
    // demo printed 46 pages for 34 findings when each was kept whole).
    assert!(pages < findings, "{pages} pages for {findings} findings");
    // A4 is 595 by 842 points.
    let media: Vec<(f64, f64)> = text
        .match_indices("/MediaBox [0 0 ")
        .filter_map(|(at, m)| {
            let rest = &text[at + m.len()..];
            let end = rest.find(']')?;
            let mut it = rest[..end].split_whitespace().map(|n| n.parse::<f64>());
            Some((it.next()?.ok()?, it.next()?.ok()?))
        })
        .collect();
    assert!(!media.is_empty(), "no page size in the PDF");
    for (w, h) in media {
        assert!(
            (w - 595.0).abs() < 1.0 && (h - 842.0).abs() < 1.0,
            "{w} x {h} is not A4"
        );
    }
}
