//! `derisk assets`: the maker of each observed device.

use std::io::{IsTerminal, Write};

use anyhow::bail;
use derisk_app::assets::{device_json, identifier, open, overrides};
use derisk_devices::{Item, Verdict};
use derisk_registry::Registry;

use crate::Outcome;
use crate::cli::{AssetsArgs, Global, ScreenFormat};
use crate::output::stdout;
use crate::registry_cmd::{count, load_for_use};

/// Problems printed per file before they are only counted.
const MAX_PROBLEMS_SHOWN: usize = 20;

#[derive(Default)]
struct Tally {
    devices: usize,
    made_by_registry: usize,
    designated: usize,
    oem: usize,
    skipped: usize,
    failed_files: usize,
}

pub(crate) fn assets(global: &Global, args: &AssetsArgs) -> anyhow::Result<Outcome> {
    let format = match args.format {
        ScreenFormat::Auto if std::io::stdout().is_terminal() => ScreenFormat::Table,
        ScreenFormat::Auto => ScreenFormat::Jsonl,
        f => f,
    };
    let registry = load_for_use(global)?;
    let identifier = identifier(
        &registry,
        args.control.rules()?,
        args.recog.as_deref(),
        &mut crate::say,
    )?;
    let map = overrides(&args.map)?;
    let mut out = stdout();
    if format == ScreenFormat::Csv {
        writeln!(
            out,
            "file,line,id,maker_id,maker,vendor,model,firmware,confidence,basis,designations,evidence"
        )?;
    }
    let mut rows = Vec::new();
    let mut tally = Tally::default();
    for file in &args.files {
        let mut reader = match open(file, args.input_format, &map, &mut crate::say) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("derisk: error: {e:#}");
                tally.failed_files += 1;
                continue;
            }
        };
        let mut shown = 0;
        loop {
            let item = match reader.next_item() {
                Ok(Some(item)) => item,
                Ok(None) => break,
                Err(e) => {
                    eprintln!("derisk: error: {file}: cannot read: {e}");
                    tally.failed_files += 1;
                    break;
                }
            };
            let (device, problems) = match item {
                Item::Device(d, warnings) => (Some(d), warnings),
                Item::Skipped(p) => {
                    tally.skipped += 1;
                    (None, vec![p])
                }
            };
            for p in problems {
                shown += 1;
                if shown <= MAX_PROBLEMS_SHOWN {
                    eprintln!("derisk: warning: {p}");
                }
            }
            let Some(device) = device else { continue };
            let v = identifier.identify(&device);
            tally.devices += 1;
            if v.maker.is_some() {
                tally.made_by_registry += 1;
            }
            if !v.designations().is_empty() {
                tally.designated += 1;
            }
            if v.basis.contains(&"oem") {
                tally.oem += 1;
            }
            match format {
                ScreenFormat::Table => rows.push(table_row(&registry, &device, &v)),
                ScreenFormat::Csv => {
                    let mut w = csv::WriterBuilder::new()
                        .has_headers(false)
                        .from_writer(Vec::new());
                    w.write_record(csv_row(file, &device, &v))?;
                    out.write_all(&w.into_inner().map_err(|e| e.into_error())?)?;
                }
                _ => {
                    let mut line = device_json(&registry, file, &device, &v).to_string();
                    line.push('\n');
                    out.write_all(line.as_bytes())?;
                }
            }
        }
        if shown > MAX_PROBLEMS_SHOWN {
            eprintln!(
                "derisk: warning: {file}: {} more problems not shown",
                shown - MAX_PROBLEMS_SHOWN
            );
        }
        if let Some(note) = reader.left_out(file) {
            eprintln!("derisk: {note}");
        }
    }
    if format == ScreenFormat::Table {
        crate::output::table(
            &mut out,
            &[
                "ID",
                "MAKER",
                "MODEL",
                "CONF",
                "BASIS",
                "SEEN AS",
                "DESIGNATIONS",
            ],
            rows,
        )?;
    }
    out.flush()?;
    drop(out);
    let mut summary = format!(
        "derisk: {}: {} made by registry vendors ({} with designations in force, {} relabelled), {} not attributed",
        count(tally.devices, "device"),
        tally.made_by_registry,
        tally.designated,
        tally.oem,
        tally.devices - tally.made_by_registry
    );
    if tally.skipped > 0 {
        summary.push_str(&format!(
            "; {} could not be read",
            count(tally.skipped, "record")
        ));
    }
    eprintln!("{summary}");
    if tally.made_by_registry > 0 {
        return Ok(Outcome::Findings);
    }
    if tally.skipped > 0 || tally.failed_files > 0 {
        bail!(
            "some input could not be read ({}, {}); see the messages above",
            count(tally.skipped, "record"),
            count(tally.failed_files, "file")
        );
    }
    Ok(Outcome::Clean)
}

/// The maker, or the vendor outside the registry in brackets, or "-".
fn maker_name(v: &Verdict<'_>) -> String {
    match (v.maker, &v.vendor) {
        (Some(m), _) => m.caption.clone(),
        (None, Some(vendor)) => format!("({vendor})"),
        (None, None) => "-".to_owned(),
    }
}

/// Short labels of the lists, for the table.
fn labels(r: &Registry, v: &Verdict<'_>) -> String {
    let mut out: Vec<&str> = Vec::new();
    for d in v.designations() {
        let short = r
            .list(d.list.as_str())
            .map_or(d.list.as_str(), |l| l.short.as_str());
        if !out.contains(&short) {
            out.push(short);
        }
    }
    if out.len() > 5 {
        let more = out.len() - 5;
        out.truncate(5);
        return format!("{}, +{more}", out.join(", "));
    }
    out.join(", ")
}

fn table_row(r: &Registry, d: &derisk_devices::Device, v: &Verdict<'_>) -> Vec<String> {
    let seen: Vec<&str> = v
        .evidence
        .iter()
        .filter(|e| e.basis == "declared")
        .map(|e| e.value.as_str())
        .take(1)
        .collect();
    vec![
        d.id.clone(),
        maker_name(v),
        v.model.clone().unwrap_or_default(),
        if v.maker.is_some() {
            format!("{:.2}", v.confidence)
        } else {
            String::new()
        },
        v.basis.join(", "),
        seen.join(""),
        labels(r, v),
    ]
}

fn csv_row(file: &str, d: &derisk_devices::Device, v: &Verdict<'_>) -> Vec<String> {
    vec![
        file.to_owned(),
        d.line.to_string(),
        d.id.clone(),
        v.maker.map(|m| m.id.to_string()).unwrap_or_default(),
        v.maker.map(|m| m.caption.clone()).unwrap_or_default(),
        v.vendor.clone().unwrap_or_default(),
        v.model.clone().unwrap_or_default(),
        v.firmware.clone().unwrap_or_default(),
        if v.maker.is_some() {
            format!("{:.2}", v.confidence)
        } else {
            String::new()
        },
        v.basis.join(" "),
        v.designations()
            .iter()
            .map(|x| format!("{}:{}", x.entity, x.list))
            .collect::<Vec<_>>()
            .join(" "),
        v.evidence
            .iter()
            .map(|e| format!("{}: {}", e.basis, e.statement))
            .collect::<Vec<_>>()
            .join("; "),
    ]
}
