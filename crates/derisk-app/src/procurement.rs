//! Procurement inputs: the files and directories given, each one's format
//! (given or found from its first bytes), read by the procurement engine;
//! currency rates; and awards, their parties and concentration rows on the
//! wire.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read as _};
use std::path::Path;

use anyhow::{Context as _, bail};
use derisk_match::round3;
use derisk_procure::analysis::{Flagged, Row};
use derisk_procure::{NoticeFormat, Read, UnknownFormat};
use derisk_registry::Registry;
use serde_json::{Value, json};

/// The inputs `derisk procurement` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum ProcurementInput {
    /// eForms notices (UBL XML).
    Eforms,
    /// Legacy TED XML (R2.0.9).
    Ted,
    /// OCDS JSON or JSON lines.
    Ocds,
    /// A CORDIS organisation table.
    Cordis,
    /// A CSV table of awards.
    Csv,
}

/// An input opened: its name, its reader, whether it was found in a
/// directory (then a file of another kind is passed over with a note),
/// and, for standard input, what was read of it.
pub struct Opened {
    /// The file, or `-`.
    pub name: String,
    /// Its bytes.
    pub reader: Box<dyn BufRead>,
    /// Whether it was found in a directory given.
    pub in_dir: bool,
    /// Its length and hash as read.
    pub read: crate::input::ReadSoFar,
}

/// Each input opened, in order (hashed as read when `hash` is set): files, the files of directories (sorted),
/// or standard input; errors in place, for the caller to report.
pub fn inputs(files: &[String], hash: bool) -> Vec<anyhow::Result<Opened>> {
    let mut out = Vec::new();
    for f in files {
        if f == "-" {
            let read = crate::input::ReadSoFar::new(hash);
            out.push(Ok(Opened {
                name: "-".into(),
                reader: Box::new(BufReader::new(read.reader(std::io::stdin()))),
                in_dir: false,
                read,
            }));
            continue;
        }
        let path = Path::new(f);
        if path.is_dir() {
            let mut entries: Vec<_> = match std::fs::read_dir(path) {
                Ok(rd) => rd
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.is_file())
                    .collect(),
                Err(e) => {
                    out.push(Err(anyhow::anyhow!("{f}: cannot read the directory: {e}")));
                    continue;
                }
            };
            entries.sort();
            for p in entries {
                out.push(open(&p.to_string_lossy(), true, hash));
            }
        } else {
            out.push(open(f, false, hash));
        }
    }
    out
}

/// Opens one file, hashed as it is read when `hash` is set; `in_dir` says
/// it was found in a directory.
pub fn open(f: &str, in_dir: bool, hash: bool) -> anyhow::Result<Opened> {
    let file = std::fs::File::open(f).with_context(|| format!("{f}: cannot open"))?;
    let read = crate::input::ReadSoFar::new(hash);
    Ok(Opened {
        name: f.to_owned(),
        reader: Box::new(BufReader::with_capacity(1 << 16, read.reader(file))),
        in_dir,
        read,
    })
}

/// The options a procurement run is recorded with.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProcurementOptions {
    /// The high-risk share above which a group is flagged.
    pub threshold: f64,
    /// The CPV level groups are taken at.
    pub cpv_level: usize,
    /// What groups are by (`buyer`, `cpv`, `country`, `year`).
    pub group: String,
    /// The share above which a holder controls.
    pub control_above: f64,
    /// The share from which a holding is influence.
    pub influence_from: f64,
    /// The currency rates file, if one was given.
    pub rates: Option<String>,
}

/// What happens while procurement inputs are read that a user should
/// hear of.
#[derive(Debug)]
pub enum Event<'a> {
    /// An input could not be opened or read.
    Failed(anyhow::Error),
    /// A file found in a directory is not procurement data: passed over.
    PassedOver {
        /// The file.
        file: &'a str,
        /// What it looks like instead.
        why: String,
    },
    /// A record left out (`skipped`) or read with a caveat.
    Problem(&'a derisk_procure::Problem),
    /// A file has been read.
    FileDone {
        /// The file.
        file: &'a str,
    },
}

/// The awards of every input, and what could not be read.
#[derive(Debug, Default)]
pub struct Gathered {
    /// Every award (and programme participation) read.
    pub awards: Vec<derisk_procure::Award>,
    /// Notices (or releases, rows) read.
    pub notices: u64,
    /// Records left out.
    pub skipped: usize,
    /// Inputs that could not be opened or read.
    pub failed: usize,
}

/// Reads every input in its format (`forced`, or found from its first
/// bytes), adding each to `recorder`'s inputs.
pub fn read_all(
    files: &[String],
    forced: Option<ProcurementInput>,
    recorder: &mut crate::session::Recorder,
    mut on_event: impl FnMut(Event<'_>),
) -> Gathered {
    let mut g = Gathered::default();
    for input in inputs(files, recorder.records()) {
        let Opened {
            name,
            reader,
            in_dir,
            read: so_far,
        } = match input {
            Ok(x) => x,
            Err(e) => {
                on_event(Event::Failed(e));
                g.failed += 1;
                continue;
            }
        };
        let read = match read_one(&name, reader, forced) {
            Ok(r) => r,
            Err(e) if in_dir && e.root_cause().is::<UnknownFormat>() => {
                on_event(Event::PassedOver {
                    file: &name,
                    why: e.root_cause().to_string(),
                });
                continue;
            }
            Err(e) => {
                on_event(Event::Failed(e));
                g.failed += 1;
                continue;
            }
        };
        for p in &read.problems {
            if p.skipped {
                g.skipped += 1;
            }
            on_event(Event::Problem(p));
        }
        if let Err(e) = recorder.input_read(&name, &so_far) {
            on_event(Event::Failed(
                e.context("the run is recorded without this input"),
            ));
        }
        on_event(Event::FileDone { file: &name });
        g.notices += read.notices;
        g.awards.extend(read.awards);
    }
    g
}

/// Adds the flagged awards to `recorder`: one record an award, a finding
/// for each whose supplier is a registry entity, keyed as `derisk audit`
/// keys the purchase, so that decisions carry over.
pub fn record(
    recorder: &mut crate::session::Recorder,
    registry: &Registry,
    flagged: &[Flagged<'_, '_>],
) {
    if !recorder.records() {
        return;
    }
    for f in flagged {
        let purchase = crate::audit::purchase(registry, f);
        let subject = derisk_exposure::report::purchase_subject(&purchase);
        let findings = purchase
            .party
            .as_ref()
            .filter(|p| p.entity.is_some())
            .map(|party| {
                crate::findings::new_finding("purchase", &subject, party, award_json(registry, f))
            })
            .into_iter()
            .collect();
        let record = crate::input::Record {
            row: f.award.line.unwrap_or(0),
            name: purchase.supplier.clone(),
            country: None,
            id: f.award.notice_id.clone(),
        };
        recorder.add(&f.award.file, &record, findings);
    }
}

/// Reads one input in its format (given, or found from its first bytes
/// by [`derisk_procure::FORMATS`]' sniffs).
pub fn read_one(
    name: &str,
    mut input: Box<dyn BufRead>,
    forced: Option<ProcurementInput>,
) -> anyhow::Result<Read> {
    let format = match forced {
        Some(k) => k.format(),
        None => {
            let head = input
                .fill_buf()
                .with_context(|| format!("{name}: cannot read"))?;
            NoticeFormat::sniff(head).with_context(|| format!("{name}: cannot tell the format"))?
        }
    };
    Ok(format.read(input, name))
}

impl ProcurementInput {
    /// The format's descriptor.
    pub fn format(self) -> &'static NoticeFormat {
        let name = match self {
            ProcurementInput::Eforms => "eforms",
            ProcurementInput::Ted => "ted",
            ProcurementInput::Ocds => "ocds",
            ProcurementInput::Cordis => "cordis",
            ProcurementInput::Csv => "csv",
        };
        NoticeFormat::named(name).expect("every input format has a descriptor")
    }
}

/// Reads `currency,eur_per_unit` rows.
pub fn rates(path: &Path) -> anyhow::Result<HashMap<String, f64>> {
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_string(&mut text))
        .with_context(|| format!("{}: cannot read the rates", path.display()))?;
    let mut out = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((c, r)) = line.split_once([',', ';', '\t']) else {
            bail!(
                "{}:{}: expected currency,eur_per_unit (GBP,1.17), found {line:?}",
                path.display(),
                i + 1
            );
        };
        let c = c.trim().to_ascii_uppercase();
        if i == 0 && r.trim().parse::<f64>().is_err() {
            continue; // a header
        }
        let r: f64 = r
            .trim()
            .parse()
            .ok()
            .filter(|r: &f64| *r > 0.0)
            .with_context(|| {
                format!(
                    "{}:{}: the rate {:?} is not a positive number",
                    path.display(),
                    i + 1,
                    r.trim()
                )
            })?;
        if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_alphabetic()) {
            bail!(
                "{}:{}: {c:?} is not an ISO 4217 currency code",
                path.display(),
                i + 1
            );
        }
        out.insert(c, r);
    }
    Ok(out)
}

/// An award, its flags and matches, as a JSON line (`derisk procurement --format jsonl`).
pub fn award_json(r: &Registry, f: &Flagged<'_, '_>) -> Value {
    serde_json::to_value(crate::wire::award(r, f)).unwrap_or_default()
}

/// A concentration row (`--summary jsonl`) on the wire.
pub fn row_json(r: &Row, level: usize) -> Value {
    json!({
        "group": r.group,
        "key": r.key,
        "cpv_level": (r.group == "cpv").then_some(level),
        "label": r.label,
        "awards": r.awards,
        "value_eur": round2(r.value_eur),
        "values_left_out": r.values_left_out,
        "hhi": r.hhi.round(),
        "high_risk_share_value": r.high_risk_share_value.map(round3),
        "high_risk_share_count": round3(r.high_risk_share_count),
        "flags": r.flags,
        "suppliers": r.suppliers.iter().map(|s| json!({
            "name": s.name,
            "awards": s.awards,
            "value_eur": round2(s.value_eur),
            "share_value": s.share_value.map(round3),
            "share_count": round3(s.share_count),
            "high_risk": s.high_risk,
        })).collect::<Vec<_>>(),
    })
}

/// Rounded to two decimals (money, shares).
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
