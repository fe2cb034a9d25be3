//! `derisk assets`: the maker of each observed device.

use std::io::{IsTerminal, Write};

use anyhow::bail;
use derisk_app::assets::{Event, Identification, identifier, overrides};
use derisk_devices::Verdict;
use derisk_registry::Registry;

use crate::Outcome;
use crate::cli::{AssetsArgs, Global, ScreenFormat};
use crate::output::stdout;
use crate::registry_cmd::{count, load_for_run};

/// Problems printed per file before they are only counted.
const MAX_PROBLEMS_SHOWN: usize = 20;

pub(crate) fn assets(global: &Global, args: &AssetsArgs) -> anyhow::Result<Outcome> {
    let format = match args.format {
        ScreenFormat::Auto if std::io::stdout().is_terminal() => ScreenFormat::Table,
        ScreenFormat::Auto => ScreenFormat::Jsonl,
        f => f,
    };
    let rules = args.control.rules()?;
    let map = overrides(&args.map)?;
    // The store is opened before any work, so a database that cannot be
    // written stops the run before it starts.
    let mut recorder = crate::store_cmd::recorder(global, !args.no_record)?;
    let (registry, snapshot_hash) = load_for_run(global)?;
    let identifier = identifier(&registry, rules, args.recog.as_deref(), &mut crate::say)?;
    let mut out = stdout();
    if format == ScreenFormat::Csv {
        writeln!(
            out,
            "file,line,id,maker_id,maker,vendor,model,firmware,confidence,basis,designations,evidence"
        )?;
    }
    let mut rows = Vec::new();
    let mut shown = 0;
    let run = Identification {
        registry: &registry,
        identifier: &identifier,
        format: args.input_format,
        map: &map,
    };
    let tally = run.run(
        &args.files,
        &mut recorder,
        |d| {
            match format {
                ScreenFormat::Table => rows.push(table_row(&registry, d.device, d.verdict)),
                ScreenFormat::Csv => {
                    let mut w = csv::WriterBuilder::new()
                        .has_headers(false)
                        .from_writer(Vec::new());
                    w.write_record(csv_row(d.file, d.device, d.verdict))?;
                    out.write_all(&w.into_inner().map_err(|e| e.into_error())?)?;
                }
                _ => {
                    let line = derisk_app::wire::device(&registry, d.file, d.device, d.verdict);
                    crate::output::json_line(&mut out, &line)?;
                }
            }
            Ok(())
        },
        |event| match event {
            Event::Failed(e) => eprintln!("derisk: error: {e:#}"),
            Event::Said(m) => crate::say(m),
            Event::Problem(p) => {
                shown += 1;
                if shown <= MAX_PROBLEMS_SHOWN {
                    eprintln!("derisk: warning: {p}");
                }
            }
            Event::FileDone { file, left_out } => {
                if shown > MAX_PROBLEMS_SHOWN {
                    eprintln!(
                        "derisk: warning: {file}: {} more problems not shown",
                        shown - MAX_PROBLEMS_SHOWN
                    );
                }
                shown = 0;
                if let Some(note) = left_out {
                    eprintln!("derisk: {note}");
                }
            }
        },
    )?;
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
    crate::store_cmd::recorded(recorder.finish(
        &registry,
        snapshot_hash,
        &derisk_app::session::KindOptions::Assets(derisk_app::assets::AssetsOptions {
            control_above: rules.control_above,
            influence_from: rules.influence_from,
            recog: args.recog.as_ref().map(|p| p.display().to_string()),
            map: args.map.clone(),
        }),
        derisk_store::RunTotals {
            records: tally.devices as u64,
            matched: tally.made_by_registry as u64,
            review: 0,
            dismissed: 0,
            skipped: tally.skipped as u64,
        },
    )?);
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
