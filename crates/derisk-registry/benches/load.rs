//! How long loading and validating a registry takes.
//!
//! Run with `cargo bench -p derisk-registry --bench load`. Two inputs:
//! the registry that ships with derisk, and a generated one with many
//! times more entities (same shape: names, ownership, designations, MAC
//! blocks, every fact sourced) to show how the loader scales. Prints the
//! median, minimum and maximum of repeated runs; the figures go to
//! docs/PERFORMANCE.md.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

use derisk_registry::{RegistryFile, bundled_files, load};

fn main() {
    let shipped = bundled_files();
    report("shipped registry (data/registry)", &shipped, 50);
    snapshot_report(&shipped, 50);
    for entities in [1_000, 10_000] {
        let files = generated(entities);
        report(
            &format!("generated registry, {entities} entities"),
            &files,
            10,
        );
    }
}

fn report(label: &str, files: &[RegistryFile], runs: usize) {
    let bytes: usize = files.iter().map(|f| f.text.len()).sum();
    let first = load(files.to_vec());
    assert_eq!(
        first.error_count(),
        0,
        "{label}: the benchmark input must be valid"
    );
    let entities = first.registry.entities().len();
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let input = files.to_vec();
            let start = Instant::now();
            black_box(load(black_box(input)));
            start.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "{label}: {} files, {:.0} KiB, {entities} entities; load+validate median {:.2} ms (min {:.2}, max {:.2}) over {runs} runs",
        files.len(),
        bytes as f64 / 1024.0,
        ms(times[runs / 2]),
        ms(times[0]),
        ms(times[runs - 1]),
    );
}

/// Loading the shipped registry from a compiled snapshot in memory: verify
/// the hash, decode, build the indexes.
fn snapshot_report(files: &[RegistryFile], runs: usize) {
    let registry = load(files.to_vec()).registry;
    let mut bytes = Vec::new();
    derisk_registry::write_snapshot(&registry, &mut bytes).unwrap();
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            black_box(derisk_registry::read_snapshot(black_box(&bytes), "bench").unwrap());
            start.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "shipped registry as a snapshot: {:.0} KiB; load median {:.2} ms (min {:.2}, max {:.2}) over {runs} runs",
        bytes.len() as f64 / 1024.0,
        ms(times[runs / 2]),
        ms(times[0]),
        ms(times[runs - 1]),
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A valid registry of `n` companies in families of ten: each has two
/// names, a parent, a designation and a MAC block, all sourced.
fn generated(n: usize) -> Vec<RegistryFile> {
    let mut sources = String::new();
    for s in 0..100 {
        let _ = writeln!(
            sources,
            "[[source]]\nid = \"src-{s}\"\nurl = \"https://example.org/{s}\"\ntitle = \"Generated source {s}\"\npublisher = \"Benchmark\"\npublished = 2024-01-{:02}\n",
            s % 28 + 1
        );
    }
    let mut lists = String::from(
        "[[entity]]\nid = \"authority\"\nkind = \"authority\"\nname = \"Generated Authority\"\nsources = [\"src-0\"]\n\n",
    );
    for l in 0..10 {
        let _ = writeln!(
            lists,
            "[[list]]\nid = \"list-{l}\"\nname = \"Generated list {l}\"\nshort = \"L{l}\"\nauthority = \"authority\"\njurisdiction = \"US\"\nkind = \"export-control\"\nsources = [\"src-{l}\"]\n"
        );
    }
    let mut files = vec![
        RegistryFile {
            name: "generated/sources.toml".into(),
            text: sources,
        },
        RegistryFile {
            name: "generated/lists.toml".into(),
            text: lists,
        },
    ];
    for chunk in 0..n.div_ceil(1000) {
        let mut text = String::new();
        for i in chunk * 1000..((chunk + 1) * 1000).min(n) {
            let s = i % 100;
            let _ = writeln!(
                text,
                "[[entity]]\nid = \"company-{i}\"\nkind = \"company\"\nname = \"Generated Vision Technology {i} Co., Ltd.\"\ncountry = \"CN\"\n\
                 names = [\n  {{ name = \"GenVision {i}\", kind = \"alias\", sources = [\"src-{s}\"] }},\n  \
                 {{ name = \"生成视觉{i}\", kind = \"chinese\", sources = [\"src-{s}\"] }},\n]\nsources = [\"src-{s}\"]\n"
            );
            if i % 10 != 0 {
                let _ = writeln!(
                    text,
                    "[[relation]]\nsubject = \"company-{i}\"\nkind = \"owned-by\"\nobject = \"company-{}\"\nshare = {}\nsources = [\"src-{s}\"]\n",
                    i - i % 10,
                    50 + i % 50
                );
            }
            let _ = writeln!(
                text,
                "[[designation]]\nentity = \"company-{i}\"\nlist = \"list-{}\"\nstart = \"2020-{:02}\"\nsources = [\"src-{s}\"]\n",
                i % 10,
                i % 12 + 1
            );
            let _ = writeln!(
                text,
                "[[mac_block]]\nentity = \"company-{i}\"\nregistry = \"MA-L\"\nassignee = \"Generated Vision {i}\"\nprefixes = [\"{:06X}\"]\nsources = [\"src-{s}\"]\n",
                i
            );
        }
        files.push(RegistryFile {
            name: format!("generated/family-{chunk}.toml"),
            text,
        });
    }
    files
}
