//! The benchmarks (`derisk bench ...`): each generates data of the size
//! asked in a real format, runs the engine on it as the command would, and
//! writes what it measured (speed, memory, recall) as lines of text to the
//! writer it is given.

use std::io::{BufWriter, Write};
use std::time::Instant;

use anyhow::Context as _;
use derisk_match::synth;
use derisk_match::{Matcher, NameInput, PreparedQuery, ScoreConfig, Scratch};
use rayon::prelude::*;
use serde_json::{Value, json};

/// Options of `derisk bench procurement`.
#[derive(Debug)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
pub struct BenchProcurementArgs {
    /// Size of each generated file (eForms, OCDS), in MiB.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 1024))]
    pub megabytes: u64,
    /// Seed of the generator.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 1))]
    pub seed: u64,
    /// Times to read each file; the median is reported.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..)))]
    pub runs: u32,
    /// Also time Open Contracting's ocdscardinal (`indicators` with every
    /// indicator of its default settings) on the same OCDS file.
    #[cfg_attr(feature = "clap", arg(long))]
    pub compare: bool,
    /// The ocdscardinal program (default: found on PATH).
    #[cfg_attr(
        feature = "clap",
        arg(long, value_name = "PROGRAM", default_value = "ocdscardinal")
    )]
    pub cardinal: std::path::PathBuf,
    /// Keep the generated files in this directory (default: temporary
    /// files, removed afterwards).
    #[cfg_attr(feature = "clap", arg(long, value_name = "DIR"))]
    pub keep: Option<std::path::PathBuf>,
}

/// Options of `derisk bench audit`.
#[derive(Debug)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
pub struct BenchAuditArgs {
    /// Devices in the generated asset register.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 100_000))]
    pub assets: usize,
    /// Names in the generated supplier list.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 50_000))]
    pub suppliers: usize,
    /// Generated eForms contract award notices.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 10_000))]
    pub notices: u64,
    /// Seed of the generators.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 1))]
    pub seed: u64,
    /// Times to run each audit; the median is reported.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..)))]
    pub runs: u32,
    /// Also audit this directory (the demo organisation), when it exists.
    #[cfg_attr(
        feature = "clap",
        arg(long, value_name = "DIR", default_value = "examples/westerhaven-port")
    )]
    pub demo: Option<std::path::PathBuf>,
    /// Keep the generated organisation and the reports in this directory
    /// (default: a temporary directory, removed afterwards).
    #[cfg_attr(feature = "clap", arg(long, value_name = "DIR"))]
    pub keep: Option<std::path::PathBuf>,
}

/// Options of `derisk bench nmap`.
#[derive(Debug)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
pub struct BenchNmapArgs {
    /// Size of the scan to write and read, in MiB.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 100))]
    pub megabytes: u64,
    /// Seed of the generator.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 1))]
    pub seed: u64,
    /// Times to read the scan; the median is reported.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..)))]
    pub runs: u32,
    /// Write the generated scan here and keep it (default: a temporary
    /// file, removed afterwards).
    #[cfg_attr(feature = "clap", arg(long, value_name = "FILE"))]
    pub keep: Option<std::path::PathBuf>,
}

/// Options of `derisk bench capture`.
#[derive(Debug)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
pub struct BenchCaptureArgs {
    /// Size of the capture to write and read, in MiB.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 1024))]
    pub megabytes: u64,
    /// Seed of the generator.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 1))]
    pub seed: u64,
    /// Times to read the capture; the median is reported.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..)))]
    pub runs: u32,
    /// Also time tcpdump (`tcpdump -n -r`, every packet decoded to text)
    /// and tshark (`tshark -n -r -T fields` with the fields derisk reads,
    /// as near as tshark names them) on the same file, when they are
    /// installed, and give the ratios. Both take minutes on large files.
    #[cfg_attr(feature = "clap", arg(long))]
    pub compare: bool,
    /// Write the generated capture here and keep it (default: a temporary
    /// file, removed afterwards).
    #[cfg_attr(feature = "clap", arg(long, value_name = "FILE"))]
    pub keep: Option<std::path::PathBuf>,
}

/// Options of `derisk bench assets`.
#[derive(Debug)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
pub struct BenchAssetsArgs {
    /// Devices to generate.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 1_000_000))]
    pub devices: usize,
    /// Seed of the generator; the same seed gives the same devices.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 1))]
    pub seed: u64,
    /// Also write the generated observations here (JSON lines).
    #[cfg_attr(feature = "clap", arg(long, value_name = "FILE"))]
    pub keep: Option<std::path::PathBuf>,
}

/// Options of `derisk bench import`.
#[derive(Debug)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
pub struct BenchImportArgs {
    /// Entities to generate (companies and people); ownership, sanction and
    /// address records come on top.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 1_000_000))]
    pub entities: usize,
    /// Seed of the generator; the same seed gives the same file.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 1))]
    pub seed: u64,
    /// Write the generated file here and keep it (default: a temporary
    /// file, removed afterwards).
    #[cfg_attr(feature = "clap", arg(long, value_name = "FILE"))]
    pub keep: Option<std::path::PathBuf>,
}

/// Options of `derisk bench screen`.
#[derive(Debug)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
pub struct BenchScreenArgs {
    /// Names to index.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 1_000_000))]
    pub names: usize,
    /// Queries to screen.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 1_000_000))]
    pub queries: usize,
    /// Queries checked against the brute-force oracle.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 100))]
    pub sample: usize,
    /// Seed of the generator; the same seed gives the same data.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = 1))]
    pub seed: u64,
    /// Only write the generated queries to FILE as CSV (column `name`), for
    /// timing `derisk screen` end to end.
    #[cfg_attr(
        feature = "clap",
        arg(long, value_name = "FILE", conflicts_with = "write_pairs")
    )]
    pub write_queries: Option<String>,
    /// Only write one pair a query to FILE as CSV (columns `name1,name2`,
    /// what `derisk compare` reads): a planted query with the name it was
    /// made from, a fresh one with a generated name. For comparing pair
    /// scorers on the same pairs (`scripts/bench-nomenklatura`).
    #[cfg_attr(feature = "clap", arg(long, value_name = "FILE"))]
    pub write_pairs: Option<String>,
}

/// Peak resident memory of this process, from `/proc/self/status`.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Per query: candidates, whether the planted name was a candidate, and
/// whether its owner came out at or above the review threshold.
type Outcome1 = (usize, bool, bool);

/// `derisk bench screen`: generated names and queries, the index built,
/// screened on all cores, with speed, memory and planted recall.
pub fn screen(args: &BenchScreenArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let t = Instant::now();
    let names = synth::names(args.names, args.seed);
    let queries = synth::queries(&names, args.queries, 0.5, args.seed);
    if let Some(path) = &args.write_queries {
        let mut w =
            csv::Writer::from_path(path).with_context(|| format!("{path}: cannot create"))?;
        w.write_record(["name"])?;
        for q in &queries {
            w.write_record([&q.text])?;
        }
        w.flush()?;
        writeln!(out, "wrote {} queries to {path}", queries.len())?;
        return Ok(());
    }
    if let Some(path) = &args.write_pairs {
        anyhow::ensure!(!names.is_empty(), "--write-pairs needs --names above 0");
        let mut w =
            csv::Writer::from_path(path).with_context(|| format!("{path}: cannot create"))?;
        w.write_record(["name1", "name2"])?;
        for (i, q) in queries.iter().enumerate() {
            let other = q.planted.map_or(i % names.len(), |(src, _)| src);
            w.write_record([&q.text, &names[other]])?;
        }
        w.flush()?;
        writeln!(out, "wrote {} pairs to {path}", queries.len())?;
        return Ok(());
    }
    writeln!(
        out,
        "generated {} names and {} queries in {:.2} s",
        names.len(),
        queries.len(),
        t.elapsed().as_secs_f64()
    )?;

    let t = Instant::now();
    let matcher = Matcher::build(&NameInput::numbered(&names));
    let build = t.elapsed().as_secs_f64();
    let s = matcher.stats();
    writeln!(
        out,
        "index: {} names, {} vocabulary entries, {} deletions, {:.0} MiB; built in {build:.2} s",
        s.names,
        s.vocabulary,
        s.deletions,
        s.index_bytes as f64 / (1 << 20) as f64
    )?;

    let review = ScoreConfig::default().review_threshold;
    let t = Instant::now();
    let results: Vec<Outcome1> = queries
        .par_iter()
        .map_init(Scratch::default, |scratch, q| {
            // What `derisk screen` does per record: normalise, find the
            // candidates, score them and explain those that are kept.
            let pq = PreparedQuery::new(&q.text, None);
            let kept = matcher.search(&pq, review, scratch);
            let candidates = scratch.last_candidates();
            let planted = q.planted.map(|(src, _)| src as u32);
            (
                candidates.len(),
                planted.is_some_and(|src| candidates.binary_search(&src).is_ok()),
                planted.is_some_and(|src| kept.iter().any(|s| s.owner == src)),
            )
        })
        .collect();
    let elapsed = t.elapsed().as_secs_f64();
    let candidates: usize = results.iter().map(|r| r.0).sum();
    writeln!(
        out,
        "screened {} queries in {elapsed:.2} s: {:.0} names/s on {} threads; {:.2} candidates per query",
        queries.len(),
        queries.len() as f64 / elapsed,
        rayon::current_num_threads(),
        candidates as f64 / queries.len().max(1) as f64
    )?;

    let planted: Vec<(usize, &synth::SynthQuery)> = queries
        .iter()
        .enumerate()
        .filter(|(_, q)| q.planted.is_some())
        .collect();
    let found = planted.iter().filter(|(i, _)| results[*i].1).count();
    let flagged = planted.iter().filter(|(i, _)| results[*i].2).count();
    writeln!(
        out,
        "planted variants: {} ; source name among the candidates: {found} ({:.2}%); scored ≥ {review} (review or match): {flagged} ({:.2}%)",
        planted.len(),
        100.0 * found as f64 / planted.len().max(1) as f64,
        100.0 * flagged as f64 / planted.len().max(1) as f64,
    )?;

    if let Some((_, q)) = planted.iter().find(|(i, _)| !results[*i].1)
        && let Some((src, variant)) = q.planted
    {
        writeln!(
            out,
            "first miss: {:?} made from {:?} ({variant:?})",
            q.text, names[src]
        )?;
    }
    let t = Instant::now();
    let sample = args.sample.min(queries.len());
    let agree = queries[..sample]
        .par_iter()
        .map_init(Scratch::default, |scratch, q| {
            let pq = PreparedQuery::new(&q.text, None);
            matcher.candidates(&pq, scratch) == matcher.candidates_brute_force(&pq)
        })
        .filter(|&same| same)
        .count();
    writeln!(
        out,
        "brute-force oracle on the first {sample} queries: {agree} identical candidate sets ({:.2} s)",
        t.elapsed().as_secs_f64()
    )?;
    if let Some(mib) = peak_rss_mib() {
        writeln!(out, "peak RSS: {mib:.0} MiB")?;
    }
    out.flush()?;
    if agree != sample || found != planted.len() {
        anyhow::bail!("recall below 100%: the index and the oracle disagree");
    }
    Ok(())
}

/// Writes `n` generated entities as FollowTheMoney JSON lines: companies
/// (nine in ten) and people, every tenth company with an address record,
/// every fourth with an owner among the earlier entities and a share, every
/// twentieth sanctioned. Returns the number of lines.
fn write_ftm(path: &std::path::Path, n: usize, seed: u64) -> anyhow::Result<u64> {
    let names = synth::names(n, seed);
    let mut rng = synth::Rng::new(seed ^ 0x5eed);
    let f = std::fs::File::create(path)
        .with_context(|| format!("{}: cannot create", path.display()))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
    let countries = ["cn", "hk", "de", "nl", "pl", "fr", "it", "us", "gb", "se"];
    let mut lines = 0u64;
    for (i, name) in names.iter().enumerate() {
        let country = countries[rng.below(countries.len())];
        if i % 10 == 9 {
            let v = serde_json::json!({
                "id": format!("p{i}"), "schema": "Person",
                "properties": { "name": [name], "nationality": [country] },
            });
            writeln!(w, "{v}")?;
            lines += 1;
            continue;
        }
        let mut props = serde_json::json!({
            "name": [name],
            "country": [country],
            "registrationNumber": [format!("{:018}", rng.next_u64() % 1_000_000_000_000_000_000)],
        });
        if i % 3 == 0 {
            props["alias"] = serde_json::json!([name.to_uppercase()]);
        }
        if i % 10 == 0 {
            props["addressEntity"] = serde_json::json!([format!("a{i}")]);
            let a = serde_json::json!({
                "id": format!("a{i}"), "schema": "Address",
                "properties": { "full": [format!("{} Street {}, {country}", i % 997, i % 89)], "country": [country] },
            });
            writeln!(w, "{a}")?;
            lines += 1;
        }
        let v =
            serde_json::json!({ "id": format!("c{i}"), "schema": "Company", "properties": props });
        writeln!(w, "{v}")?;
        lines += 1;
        if i % 4 == 0 && i > 0 {
            let owner = rng.below(i);
            let owner = if owner % 10 == 9 {
                format!("p{owner}")
            } else {
                format!("c{owner}")
            };
            let v = serde_json::json!({
                "id": format!("o{i}"), "schema": "Ownership",
                "properties": { "owner": [owner], "asset": [format!("c{i}")], "percentage": [format!("{}", 1 + rng.below(100))] },
            });
            writeln!(w, "{v}")?;
            lines += 1;
        }
        if i % 20 == 0 {
            let v = serde_json::json!({
                "id": format!("s{i}"), "schema": "Sanction",
                "properties": { "entity": [format!("c{i}")], "authority": ["Bureau of Industry and Security"],
                                "program": ["Entity List"], "country": ["us"], "listingDate": ["2021-06-03"] },
            });
            writeln!(w, "{v}")?;
            lines += 1;
        }
    }
    w.flush()?;
    Ok(lines)
}

/// `derisk bench import`: a generated FollowTheMoney file imported, written
/// as a snapshot and read back, with speed and memory.
pub fn import(args: &BenchImportArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let temp = std::env::temp_dir().join(format!("derisk-bench-{}.ftm.json", std::process::id()));
    let path = args.keep.clone().unwrap_or_else(|| temp.clone());
    let t = Instant::now();
    let lines = write_ftm(&path, args.entities, args.seed)?;
    let size = std::fs::metadata(&path).map_or(0, |m| m.len());
    writeln!(
        out,
        "generated {} entities in {lines} lines ({:.0} MiB) in {:.2} s",
        args.entities,
        size as f64 / (1 << 20) as f64,
        t.elapsed().as_secs_f64()
    )?;
    let t = Instant::now();
    let imported =
        crate::registry::read_ftm(&path.display().to_string(), "bench", crate::clock::today())?;
    let secs = t.elapsed().as_secs_f64();
    let records: u64 = imported.stats.imported.values().sum();
    writeln!(
        out,
        "imported {} entities, {} relations, {} designations from {records} records in {secs:.2} s: {:.0} records/s, {:.0} entities/s; {} problems",
        imported.entities.len(),
        imported.relations.len(),
        imported.designations.len(),
        records as f64 / secs,
        imported.entities.len() as f64 / secs,
        imported.diagnostics.len()
    )?;
    let t = Instant::now();
    let (registry, refused) = derisk_registry::bundled().registry.with_import(imported);
    writeln!(
        out,
        "layered over the shipped registry in {:.2} s: {} entities, {} relations; {} refused",
        t.elapsed().as_secs_f64(),
        registry.entities().len(),
        registry.relations().len(),
        refused.len()
    )?;
    if let Some(rss) = peak_rss_mib() {
        writeln!(out, "peak RSS: {rss:.0} MiB")?;
    }
    if args.keep.is_none() {
        let _ = std::fs::remove_file(&temp);
    }
    // The same registry as a compiled snapshot: write once, load several
    // times (the page cache holds the file, as on a machine that loads it
    // often).
    let snap = std::env::temp_dir().join(format!("derisk-bench-{}.snap", std::process::id()));
    let t = Instant::now();
    let mut w = std::io::BufWriter::new(std::fs::File::create(&snap)?);
    derisk_registry::write_snapshot(&registry, &mut w)?;
    w.flush()?;
    drop(w);
    let size = std::fs::metadata(&snap).map_or(0, |m| m.len());
    writeln!(
        out,
        "snapshot written in {:.2} s ({:.0} MiB)",
        t.elapsed().as_secs_f64(),
        size as f64 / (1 << 20) as f64
    )?;
    drop(registry);
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let loaded = derisk_registry::read_snapshot_file(&snap, false)?.0;
        times.push(t.elapsed().as_secs_f64());
        std::hint::black_box(loaded);
    }
    times.sort_by(f64::total_cmp);
    writeln!(
        out,
        "snapshot load (read, verify SHA-256, decode, index): median {:.3} s (min {:.3}, max {:.3}) over 5 runs",
        times[2], times[0], times[4]
    )?;
    let _ = std::fs::remove_file(&snap);
    out.flush()?;
    Ok(())
}

// ------------------------------------------------------------------- assets

/// SplitMix64: a small deterministic generator for benchmark data.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// Generated observations, one JSON object a line.
fn device_lines(registry: &derisk_registry::Registry, n: usize, seed: u64) -> Vec<u8> {
    device_lines_with(registry, n, seed, None)
}

/// What an asset register adds to an observation: site, role,
/// criticality, value and, for some, the purchase (a notice number below
/// `notices`).
struct Register {
    notices: u64,
}

fn device_lines_with(
    registry: &derisk_registry::Registry,
    n: usize,
    seed: u64,
    register: Option<&Register>,
) -> Vec<u8> {
    let blocks: Vec<String> = registry
        .mac_blocks()
        .iter()
        .filter(|b| b.prefix.as_str().len() == 6)
        .map(|b| b.prefix.as_str().to_owned())
        .collect();
    let mut rng = Mix(seed);
    let mut out = Vec::with_capacity(n * 160);
    let mac = |prefix: &str, rng: &mut Mix| {
        let tail = rng.next();
        format!(
            "{}:{}:{}:{:02x}:{:02x}:{:02x}",
            &prefix[0..2],
            &prefix[2..4],
            &prefix[4..6],
            tail & 0xff,
            (tail >> 8) & 0xff,
            (tail >> 16) & 0xff
        )
    };
    for i in 0..n {
        let mut v = serde_json::Map::new();
        v.insert("id".into(), json!(format!("dev-{i}")));
        let r = rng.next();
        v.insert(
            "ip".into(),
            json!(format!(
                "10.{}.{}.{}",
                (r >> 8) & 0xff,
                (r >> 16) & 0xff,
                (r >> 24) & 0xff
            )),
        );
        match r % 10 {
            0..=2 => {
                let block = &blocks[(rng.next() % blocks.len() as u64) as usize];
                v.insert("mac".into(), json!(mac(block, &mut rng)));
                let brand = rng.pick(&[
                    "",
                    "Hikvision",
                    "Annke",
                    "Honeywell",
                    "Lorex",
                    "Axis",
                    "Dahua",
                ]);
                if !brand.is_empty() {
                    v.insert("declared_vendor".into(), json!(brand));
                }
            }
            3 | 4 => {
                let first = (rng.next() % 64) as u8 & 0xfc;
                v.insert(
                    "mac".into(),
                    json!(mac(&format!("{first:02x}a0c9"), &mut rng)),
                );
            }
            5 => {
                let first = ((rng.next() % 64) as u8 & 0xfc) | 0x02;
                v.insert(
                    "mac".into(),
                    json!(mac(&format!("{first:02x}1b2c"), &mut rng)),
                );
            }
            6 => {
                let server = rng.pick(&[
                    "Hikvision-Webs",
                    "nginx",
                    "Apache/2.4.57 (Debian)",
                    "DNVRS-Webs",
                    "lighttpd/1.4.59",
                ]);
                v.insert("http_server".into(), json!(server));
            }
            7 => {
                if rng.next().is_multiple_of(2) {
                    v.insert("snmp_sysdescr".into(), json!("Huawei Versatile Routing Platform Software\r\nVRP (R) software, Version 5.170 (S5720 V200R019C10SPC500)"));
                    v.insert(
                        "snmp_sysobjectid".into(),
                        json!("1.3.6.1.4.1.2011.2.23.398"),
                    );
                } else {
                    v.insert("snmp_sysdescr".into(), json!("Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E8"));
                    v.insert("snmp_sysobjectid".into(), json!("1.3.6.1.4.1.9.1.2066"));
                }
            }
            8 => {
                let model = rng.pick(&[
                    "IPC-HDW3849H-AS-PV",
                    "DHI-NVR4108HS-8P-4KS2",
                    "IPC-HFW2431S-S-S2",
                ]);
                v.insert(
                    "declared_vendor".into(),
                    json!(rng.pick(&["Lorex", "Amcrest", "Dahua"])),
                );
                v.insert(
                    "dahua_system_info".into(),
                    json!(format!(
                        "deviceType=X\nprocessor=SSC335\nupdateSerial={model}"
                    )),
                );
            }
            _ => {
                v.insert(
                    "declared_vendor".into(),
                    json!(rng.pick(&["Hytera", "Motorola Solutions", "ZTE", "Bosch"])),
                );
            }
        }
        if let Some(reg) = register {
            v.insert("site".into(), json!(format!("Site {}", rng.next() % 200)));
            v.insert(
                "role".into(),
                json!(rng.pick(&[
                    "IP camera",
                    "NVR",
                    "Access switch",
                    "Core router",
                    "Radio unit",
                    "TETRA handheld",
                    "Baggage X-ray scanner",
                    "Thermal camera",
                    "",
                ])),
            );
            v.insert(
                "criticality".into(),
                json!(rng.pick(&["core", "edge", "edge", ""])),
            );
            v.insert(
                "value".into(),
                json!(format!("{}", 100 + rng.next() % 20_000)),
            );
            if rng.next().is_multiple_of(3) && reg.notices > 0 {
                v.insert(
                    "purchase".into(),
                    json!(format!("{:08}-2026", 1 + rng.next() % reg.notices)),
                );
            }
        }
        out.extend_from_slice(Value::Object(v).to_string().as_bytes());
        out.push(b'\n');
    }
    out
}

/// `derisk bench assets`: generated device evidence identified, with speed
/// and memory.
pub fn assets(args: &BenchAssetsArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let registry = derisk_registry::bundled().registry;
    let t = Instant::now();
    let lines = device_lines(&registry, args.devices, args.seed);
    writeln!(
        out,
        "generated {} device observations ({:.0} MiB) in {:.2} s",
        args.devices,
        lines.len() as f64 / (1 << 20) as f64,
        t.elapsed().as_secs_f64()
    )?;
    if let Some(path) = &args.keep {
        std::fs::write(path, &lines)?;
    }
    let (rules, relabels) = shipped_device_rules()?;
    let identifier =
        derisk_devices::Identifier::new(&registry, derisk_registry::ControlRules::default(), rules)
            .with_relabels(relabels);
    // Cut the buffer into chunks at line ends; each chunk is read and
    // identified on its own thread.
    let mut chunks = Vec::new();
    let mut start = 0;
    while start < lines.len() {
        let mut end = (start + (1 << 20)).min(lines.len());
        while end < lines.len() && lines[end - 1] != b'\n' {
            end += 1;
        }
        chunks.push(&lines[start..end]);
        start = end;
    }
    let t = Instant::now();
    let (devices, made, oem, problems) = chunks
        .par_iter()
        .map(|chunk| {
            let mut reader = derisk_devices::JsonlDevices::new(*chunk, "bench");
            let (mut devices, mut made, mut oem, mut problems) = (0u64, 0u64, 0u64, 0u64);
            while let Ok(Some(item)) = reader.next_item() {
                match item {
                    derisk_devices::Item::Device(d, _) => {
                        let v = identifier.identify(&d);
                        devices += 1;
                        made += u64::from(v.maker.is_some());
                        oem += u64::from(v.basis.contains(&"oem"));
                    }
                    derisk_devices::Item::Skipped(_) => problems += 1,
                }
            }
            (devices, made, oem, problems)
        })
        .reduce(
            || (0, 0, 0, 0),
            |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2, a.3 + b.3),
        );
    let secs = t.elapsed().as_secs_f64();
    writeln!(
        out,
        "read and identified {devices} devices in {secs:.2} s on {} threads: {:.0} devices/s; {made} made by registry vendors ({oem} relabelled); {problems} problems",
        rayon::current_num_threads(),
        devices as f64 / secs
    )?;
    if let Some(rss) = peak_rss_mib() {
        writeln!(out, "peak RSS: {rss:.0} MiB")?;
    }
    out.flush()?;
    Ok(())
}

// ------------------------------------------------------------------ capture

/// Writes a generated input to `keep`, or to a temporary file
/// `derisk-bench-PID.EXT`: its path, what `write` returned, its size in
/// bytes and the seconds it took.
fn write_input<T>(
    keep: Option<&std::path::Path>,
    ext: &str,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<T>,
) -> anyhow::Result<(std::path::PathBuf, T, u64, f64)> {
    let path = keep.map(std::path::Path::to_path_buf).unwrap_or_else(|| {
        std::env::temp_dir().join(format!("derisk-bench-{}.{ext}", std::process::id()))
    });
    let t = Instant::now();
    let mut w = std::io::BufWriter::new(
        std::fs::File::create(&path)
            .with_context(|| format!("{}: cannot create", path.display()))?,
    );
    let made = write(&mut w).with_context(|| format!("{}: cannot write", path.display()))?;
    w.flush()?;
    drop(w);
    let size = std::fs::metadata(&path).map_or(0, |m| m.len());
    Ok((path, made, size, t.elapsed().as_secs_f64()))
}

/// `derisk bench capture`: a generated packet capture read and identified,
/// optionally against tcpdump and tshark.
pub fn capture(args: &BenchCaptureArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let (path, packets, size, secs) = write_input(args.keep.as_deref(), "pcap", |w| {
        derisk_devices::capture::write_synthetic(w, args.megabytes << 20, args.seed)
    })?;
    writeln!(
        out,
        "wrote {packets} packets ({:.0} MiB) in {secs:.2} s",
        size as f64 / (1 << 20) as f64,
    )?;
    let mut times = Vec::new();
    let mut devices = 0;
    for _ in 0..args.runs {
        let t = Instant::now();
        let items = derisk_devices::read_capture(std::fs::File::open(&path)?, "bench.pcap");
        times.push(t.elapsed().as_secs_f64());
        devices = items.len();
    }
    let secs = median(&mut times);
    writeln!(
        out,
        "read {devices} devices from {packets} packets in {secs:.2} s (median of {}): {:.0} MB/s ({:.0} MiB/s), {:.0} packets/s",
        args.runs,
        size as f64 / 1e6 / secs,
        size as f64 / (1 << 20) as f64 / secs,
        packets as f64 / secs
    )?;
    if let Some(rss) = peak_rss_mib() {
        writeln!(out, "peak RSS: {rss:.0} MiB")?;
    }
    out.flush()?;
    if args.compare {
        let file = path.to_string_lossy().into_owned();
        let tools: [(&str, Vec<&str>); 2] = [
            ("tcpdump", vec!["-n", "-r", &file]),
            (
                "tshark",
                vec![
                    "-n",
                    "-r",
                    &file,
                    "-T",
                    "fields",
                    "-e",
                    "eth.src",
                    "-e",
                    "ip.src",
                    "-e",
                    "http.server",
                    "-e",
                    "http.www_authenticate",
                    "-e",
                    "rtsp.response",
                    "-e",
                    "dhcp.option.hostname",
                    "-e",
                    "dhcp.option.vendor_class_id",
                    "-e",
                    "dns.ptr.domain_name",
                    "-e",
                    "dns.txt",
                ],
            ),
        ];
        for (tool, tool_args) in tools {
            let t = Instant::now();
            let status = std::process::Command::new(tool)
                .args(&tool_args)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status();
            let tool_secs = t.elapsed().as_secs_f64();
            match status {
                Ok(s) if s.success() => writeln!(
                    out,
                    "{tool} {}: {tool_secs:.2} s, {:.0} MB/s; derisk {:.1}x its speed",
                    tool_args.join(" "),
                    size as f64 / 1e6 / tool_secs,
                    tool_secs / secs
                )?,
                Ok(s) => writeln!(out, "{tool}: exited with {s}; not compared")?,
                Err(e) => writeln!(
                    out,
                    "{tool}: cannot run it ({e}); install it (Debian: apt install {tool}) to compare"
                )?,
            }
            out.flush()?;
        }
    }
    if args.keep.is_none() {
        let _ = std::fs::remove_file(&path);
    } else {
        writeln!(out, "kept {}", path.display())?;
    }
    Ok(())
}

// --------------------------------------------------------------------- nmap

/// `derisk bench nmap`: a generated `nmap -sV` XML scan read and identified.
pub fn nmap(args: &BenchNmapArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let (path, hosts, size, secs) = write_input(args.keep.as_deref(), "xml", |w| {
        derisk_devices::nmap::write_synthetic(w, args.megabytes << 20, args.seed)
    })?;
    writeln!(
        out,
        "wrote an nmap -sV scan of {hosts} hosts ({:.0} MiB) in {secs:.2} s",
        size as f64 / (1 << 20) as f64,
    )?;
    let bundled = derisk_registry::bundled();
    let (rules, relabels) = shipped_device_rules()?;
    let id = derisk_devices::Identifier::new(
        &bundled.registry,
        derisk_registry::ControlRules::default(),
        rules,
    )
    .with_relabels(relabels);
    let (mut read_times, mut all_times) = (Vec::new(), Vec::new());
    let (mut devices, mut attributed, mut problems) = (0, 0, 0);
    for _ in 0..args.runs {
        for identify in [false, true] {
            let file = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(&path)?);
            let mut reader = derisk_devices::NmapDevices::new(file, "bench.xml");
            let t = Instant::now();
            let (mut n, mut made, mut bad) = (0, 0, 0);
            while let Some(item) = reader.next_item() {
                match item {
                    derisk_devices::Item::Device(d, p) => {
                        n += 1;
                        bad += p.len();
                        if identify && id.identify(&d).maker.is_some() {
                            made += 1;
                        }
                    }
                    derisk_devices::Item::Skipped(_) => bad += 1,
                }
            }
            let secs = t.elapsed().as_secs_f64();
            if identify {
                all_times.push(secs);
                attributed = made;
            } else {
                read_times.push(secs);
            }
            devices = n;
            problems = bad;
        }
    }
    let read = median(&mut read_times);
    let all = median(&mut all_times);
    writeln!(
        out,
        "read {devices} hosts in {read:.2} s (median of {}): {:.0} MB/s ({:.0} MiB/s); {problems} problems",
        args.runs,
        size as f64 / 1e6 / read,
        size as f64 / (1 << 20) as f64 / read
    )?;
    writeln!(
        out,
        "read and identified them in {all:.2} s on one thread: {:.0} MB/s, {:.0} hosts/s; {attributed} made by registry vendors",
        size as f64 / 1e6 / all,
        devices as f64 / all
    )?;
    if let Some(rss) = peak_rss_mib() {
        writeln!(out, "peak RSS: {rss:.0} MiB")?;
    }
    if args.keep.is_none() {
        let _ = std::fs::remove_file(&path);
    } else {
        writeln!(out, "kept {}", path.display())?;
    }
    Ok(())
}

// -------------------------------------------------------------- procurement

/// `derisk bench procurement`: generated eForms and OCDS read and analysed,
/// optionally against ocdscardinal.
pub fn procurement(args: &BenchProcurementArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    use derisk_procure::analysis::{self, Options};
    let dir = match &args.keep {
        Some(d) => {
            std::fs::create_dir_all(d)
                .with_context(|| format!("{}: cannot create", d.display()))?;
            d.clone()
        }
        None => std::env::temp_dir(),
    };
    let tag = if args.keep.is_some() {
        String::new()
    } else {
        format!("-{}", std::process::id())
    };
    let eforms = dir.join(format!("derisk-bench-notices{tag}.xml"));
    let ocds = dir.join(format!("derisk-bench-releases{tag}.jsonl"));
    let target = args.megabytes << 20;
    let t = Instant::now();
    let notices = {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&eforms)?);
        let n = derisk_procure::synth::write_eforms(&mut w, target, args.seed)?;
        w.flush()?;
        n
    };
    let releases = {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&ocds)?);
        let n = derisk_procure::synth::write_ocds(&mut w, target, args.seed)?;
        w.flush()?;
        n
    };
    let package = dir.join(format!("derisk-bench-package{tag}.json"));
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&package)?);
        derisk_procure::synth::write_ocds_package(&mut w, target, args.seed)?;
        w.flush()?;
    }
    writeln!(
        out,
        "wrote {notices} eForms notices and {releases} OCDS releases, as JSON lines and as one package ({} MiB each) in {:.1} s",
        args.megabytes,
        t.elapsed().as_secs_f64()
    )?;
    let registry = derisk_registry::bundled().registry;
    let screener = derisk_match::Screener::new(&registry, ScoreConfig::default());
    let options = Options::default();
    let mut ocds_secs = 0.0;
    for (name, path, count) in [
        ("eForms", &eforms, notices),
        ("OCDS", &ocds, releases),
        ("OCDS package (one JSON document)", &package, releases),
    ] {
        let size = std::fs::metadata(path).map_or(0, |m| m.len()) as f64;
        let (mut parse, mut total) = (Vec::new(), Vec::new());
        let mut summary = String::new();
        for _ in 0..args.runs {
            let t = Instant::now();
            let input = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(path)?);
            let read = if name.starts_with("OCDS") {
                derisk_procure::ocds::read(input, "bench")
            } else {
                derisk_procure::eforms::read(input, "bench")
            };
            parse.push(t.elapsed().as_secs_f64());
            let mut flagged = analysis::flag(&screener, &read.awards, &options);
            let rows = analysis::concentration(&mut flagged, &options);
            total.push(t.elapsed().as_secs_f64());
            summary = format!(
                "{} notices, {} awards, {} to high-risk vendors, {} problems, {} groups",
                read.notices,
                read.awards.len(),
                flagged.iter().filter(|f| f.high_risk).count(),
                read.problems.len(),
                rows.len()
            );
        }
        let (p, e) = (median(&mut parse), median(&mut total));
        if name == "OCDS" {
            ocds_secs = e;
        }
        writeln!(
            out,
            "{name}: {summary}\n  read {p:.2} s: {:.0} MB/s, {:.0} notices/s\n  read, screen and analyse {e:.2} s: {:.0} MB/s, {:.0} notices/s (median of {})",
            size / 1e6 / p,
            count as f64 / p,
            size / 1e6 / e,
            count as f64 / e,
            args.runs
        )?;
        out.flush()?;
    }
    if let Some(rss) = peak_rss_mib() {
        writeln!(out, "peak RSS: {rss:.0} MiB")?;
    }
    if args.compare {
        let settings = dir.join(format!("derisk-bench-cardinal{tag}.ini"));
        let init = std::process::Command::new(&args.cardinal)
            .arg("init")
            .arg("--force")
            .arg(&settings)
            .output();
        match init {
            Ok(o) if o.status.success() => {
                let t = Instant::now();
                let run = std::process::Command::new(&args.cardinal)
                    .args(["indicators", "-s"])
                    .arg(&settings)
                    .arg(&ocds)
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .status();
                let secs = t.elapsed().as_secs_f64();
                let size = std::fs::metadata(&ocds).map_or(0, |m| m.len()) as f64;
                match run {
                    Ok(s) if s.success() => writeln!(
                        out,
                        "ocdscardinal indicators (every indicator of its default settings): {secs:.2} s, {:.0} MB/s, {:.0} releases/s; derisk {:.2}x its time",
                        size / 1e6 / secs,
                        releases as f64 / secs,
                        ocds_secs / secs
                    )?,
                    Ok(s) => writeln!(out, "ocdscardinal: exited with {s}; not compared")?,
                    Err(e) => writeln!(out, "ocdscardinal: cannot run it ({e})")?,
                }
            }
            Ok(o) => writeln!(
                out,
                "ocdscardinal init: exited with {}; not compared",
                o.status
            )?,
            Err(e) => writeln!(
                out,
                "{}: cannot run it ({e}); build open-contracting/cardinal-rs and pass --cardinal PROGRAM to compare",
                args.cardinal.display()
            )?,
        }
        let _ = std::fs::remove_file(&settings);
    }
    if args.keep.is_none() {
        let _ = std::fs::remove_file(&eforms);
        let _ = std::fs::remove_file(&ocds);
        let _ = std::fs::remove_file(&package);
    } else {
        writeln!(
            out,
            "kept {}, {} and {}",
            eforms.display(),
            ocds.display(),
            package.display()
        )?;
    }
    Ok(())
}

/// The median of some timings (the lower middle one for an even count).
fn median(times: &mut [f64]) -> f64 {
    times.sort_by(f64::total_cmp);
    times[(times.len() - 1) / 2]
}

// -------------------------------------------------------------------- audit

/// Runs `derisk audit` as a child process on `args`; returns the seconds
/// it took and its peak resident memory in MiB, sampled from
/// /proc/PID/status every 10 ms (the high-water mark only grows, so the
/// last sample is the peak but for the last 10 ms).
fn timed_child(
    args: &[&std::ffi::OsStr],
    db: &std::path::Path,
) -> anyhow::Result<(f64, Option<f64>, String)> {
    let exe = std::env::current_exe()?;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let t = Instant::now();
    let mut child = std::process::Command::new(exe)
        .args(args)
        .env("DERISK_DB", db)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = None;
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break s;
        }
        if let Ok(text) = std::fs::read_to_string(&status_file)
            && let Some(kib) = text
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<f64>().ok())
        {
            peak = Some(kib / 1024.0);
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let secs = t.elapsed().as_secs_f64();
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        std::io::Read::read_to_string(&mut e, &mut stderr)?;
    }
    if !matches!(status.code(), Some(0 | 1)) {
        anyhow::bail!("derisk audit failed ({status}):\n{stderr}");
    }
    let last = stderr
        .lines()
        .rfind(|l| l.starts_with("derisk: audit: ") && l.contains(" findings"))
        .unwrap_or_default()
        .to_owned();
    Ok((secs, peak, last))
}

/// `derisk bench audit`: a generated organisation audited end to end in a
/// child process.
pub fn audit(args: &BenchAuditArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let tmp;
    let dir: std::path::PathBuf = match &args.keep {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            d.clone()
        }
        None => {
            tmp = tempfile_dir()?;
            tmp.0.clone()
        }
    };
    let org = dir.join("organisation");
    std::fs::create_dir_all(&org)?;
    let registry = derisk_registry::bundled().registry;
    let t = Instant::now();
    // Notices: eForms contract awards, numbered 00000001-2026 onwards.
    let mut notices = BufWriter::new(std::fs::File::create(org.join("notices.xml"))?);
    let notice_bytes =
        derisk_procure::synth::write_eforms_notices(&mut notices, args.notices, args.seed)?;
    notices.flush()?;
    drop(notices);
    // Devices: an asset register as device observations.
    let lines = device_lines_with(
        &registry,
        args.assets,
        args.seed,
        Some(&Register {
            notices: args.notices,
        }),
    );
    std::fs::write(org.join("assets.jsonl"), &lines)?;
    // Suppliers: registry names with slips, other legal forms and swapped
    // words among fresh names.
    let names: Vec<String> = registry
        .entities()
        .iter()
        .map(|e| e.caption.clone())
        .collect();
    let queries = derisk_match::synth::queries(&names, args.suppliers, 0.05, args.seed);
    let mut w = csv::Writer::from_path(org.join("suppliers.csv"))?;
    w.write_record(["Supplier ID", "Supplier name"])?;
    for (i, q) in queries.iter().enumerate() {
        w.write_record([format!("S-{i:06}"), q.text.clone()])?;
    }
    w.flush()?;
    drop(w);
    std::fs::write(
        org.join("organisation.toml"),
        "name = \"Generated organisation\"\nsector = \"transport\"\nframeworks = [\"eu-5g-toolbox\", \"nis2\", \"cer\", \"ccei\"]\n",
    )?;
    writeln!(
        out,
        "generated {} assets ({:.0} MiB), {} suppliers, {} eForms notices ({:.0} MiB) in {:.2} s",
        args.assets,
        lines.len() as f64 / (1 << 20) as f64,
        args.suppliers,
        args.notices,
        notice_bytes as f64 / (1 << 20) as f64,
        t.elapsed().as_secs_f64()
    )?;
    drop(lines);
    let mut cases: Vec<(String, std::path::PathBuf)> = vec![("generated".to_owned(), org.clone())];
    if let Some(demo) = &args.demo
        && demo.is_dir()
    {
        cases.insert(0, ("demo".to_owned(), demo.clone()));
    }
    for (name, input) in cases {
        for format in ["html", "json"] {
            let report = dir.join(format!("report-{name}.{format}"));
            let db = dir.join(format!("runs-{name}.db"));
            let mut times = Vec::new();
            let mut peaks = Vec::new();
            let mut summary = String::new();
            for _ in 0..args.runs {
                let (secs, peak, last) = timed_child(
                    &[
                        "audit".as_ref(),
                        input.as_os_str(),
                        "--out".as_ref(),
                        report.as_os_str(),
                    ],
                    &db,
                )?;
                times.push(secs);
                peaks.extend(peak);
                summary = last;
            }
            let size = std::fs::metadata(&report).map(|m| m.len()).unwrap_or(0);
            let db_size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
            writeln!(
                out,
                "audit {name} ({format}, {:.1} MiB report, run recorded in a {:.1} MiB store): median {:.2} s of {} runs ({}); peak RSS {}",
                size as f64 / (1 << 20) as f64,
                db_size as f64 / (1 << 20) as f64,
                median(&mut times),
                args.runs,
                times
                    .iter()
                    .map(|t| format!("{t:.2}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                peaks
                    .iter()
                    .copied()
                    .reduce(f64::max)
                    .map_or_else(|| "not measured".to_owned(), |p| format!("{p:.0} MiB"))
            )?;
            writeln!(out, "  {}", summary.trim_start_matches("derisk: audit: "))?;
        }
    }
    out.flush()?;
    Ok(())
}

/// A temporary directory removed when dropped.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempfile_dir() -> anyhow::Result<TempDir> {
    let d = std::env::temp_dir().join(format!(
        "derisk-bench-audit-{}-{}",
        std::process::id(),
        crate::clock::unix_now()
    ));
    std::fs::create_dir_all(&d)?;
    Ok(TempDir(d))
}

/// The shipped fingerprint rules and relabel list, which must load clean.
fn shipped_device_rules() -> anyhow::Result<(derisk_devices::Rules, derisk_devices::Relabels)> {
    use derisk_registry::curated::{clean, lines};
    let rules = clean(derisk_devices::Rules::bundled())
        .map_err(|p| anyhow::anyhow!("the shipped fingerprint rules:\n{}", lines(&p)))?;
    let relabels = clean(derisk_devices::Relabels::bundled())
        .map_err(|p| anyhow::anyhow!("the shipped relabel list:\n{}", lines(&p)))?;
    Ok((rules, relabels))
}
