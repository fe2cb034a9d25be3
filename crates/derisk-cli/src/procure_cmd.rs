//! `derisk procurement`: awards read from procurement and programme data,
//! their suppliers screened, flags and concentration.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};

use anyhow::bail;
use derisk_app::procurement::{Event, Gathered, rates, read_all, row_json};
use derisk_match::ScoreConfig;
use derisk_procure::analysis::{self, Flagged, Group, Options, Row};
use derisk_registry::Registry;

use crate::Outcome;
use crate::cli::{Global, GroupArg, ProcurementArgs, ScreenFormat};
use crate::output::stdout;
use crate::registry_cmd::count;

/// At most this many problems are shown per file.
const MAX_PROBLEMS_SHOWN: usize = 20;

pub(crate) fn procurement(global: &Global, args: &ProcurementArgs) -> anyhow::Result<Outcome> {
    let format = match args.format {
        ScreenFormat::Auto if std::io::stdout().is_terminal() => ScreenFormat::Table,
        ScreenFormat::Auto => ScreenFormat::Jsonl,
        f => f,
    };
    if !(0.0..=1.0).contains(&args.threshold) {
        bail!(
            "--threshold {}: expected a share between 0 and 1",
            args.threshold
        );
    }
    let options = Options {
        cpv_level: args.cpv_level,
        group: match args.group {
            GroupArg::Buyer => Group::Buyer,
            GroupArg::Cpv => Group::Cpv,
            GroupArg::Country => Group::Country,
            GroupArg::Year => Group::Year,
        },
        threshold: args.threshold,
        rates: match &args.rates {
            Some(p) => rates(p)?,
            None => HashMap::new(),
        },
    };
    let rules = args.control.rules()?;
    // The store is opened before any work, so a database that cannot be
    // written stops the run before it starts.
    let mut recorder = crate::store_cmd::recorder(global, !args.no_record)?;
    let (registry, snapshot_hash, index) = crate::registry_cmd::load_for_screening(global)?;
    let screener = crate::snapshot_cmd::screener(&registry, index, ScoreConfig::default(), rules);

    let mut shown = 0;
    let Gathered {
        awards,
        notices,
        skipped,
        failed,
    } = read_all(
        &args.files,
        args.input_format,
        &mut recorder,
        |event| match event {
            Event::Failed(e) => eprintln!("derisk: error: {e:#}"),
            Event::PassedOver { file, why } => {
                eprintln!("derisk: note: {file}: skipped, not procurement data ({why})")
            }
            Event::Problem(p) => {
                shown += 1;
                if shown <= MAX_PROBLEMS_SHOWN {
                    eprintln!(
                        "derisk: {}: {p}",
                        if p.skipped { "error" } else { "warning" }
                    );
                }
            }
            Event::FileDone { file } => {
                if shown > MAX_PROBLEMS_SHOWN {
                    eprintln!(
                        "derisk: warning: {file}: {} more problems not shown",
                        shown - MAX_PROBLEMS_SHOWN
                    );
                }
                shown = 0;
            }
        },
    );

    let mut flagged = analysis::flag(&screener, &awards, &options);
    let rows = analysis::concentration(&mut flagged, &options);
    let programmes = analysis::programmes(&registry, &flagged);
    derisk_app::procurement::record(&mut recorder, &registry, &flagged);
    let mut out = stdout();
    if args.summary.is_some() {
        for r in &rows {
            crate::output::json_line(&mut out, &row_json(r, options.cpv_level))?;
        }
    } else {
        match format {
            ScreenFormat::Table => tables(&mut out, &registry, &flagged, &rows, &programmes)?,
            ScreenFormat::Csv => csv(&mut out, &flagged)?,
            _ => {
                for f in &flagged {
                    crate::output::json_line(&mut out, &derisk_app::wire::award(&registry, f))?;
                }
            }
        }
    }
    out.flush()?;
    drop(out);

    let high_risk = flagged.iter().filter(|f| f.high_risk).count();
    let withheld = flagged
        .iter()
        .filter(|f| f.flags.iter().any(|x| x.ends_with("-withheld")))
        .count();
    eprintln!(
        "derisk: {} from {}: {} to high-risk vendors, {} with the winner or value withheld; {} of {} above the high-risk share of {}",
        count(flagged.len(), "award"),
        count(notices as usize, "notice"),
        high_risk,
        withheld,
        rows.iter()
            .filter(|r| r.flags.contains(&"high-risk-share"))
            .count(),
        count(rows.len(), &format!("{} group", options.group.as_str())),
        options.threshold,
    );
    crate::store_cmd::recorded(recorder.finish(
        &registry,
        snapshot_hash,
        &derisk_app::session::KindOptions::Procurement(
            derisk_app::procurement::ProcurementOptions {
                threshold: options.threshold,
                cpv_level: options.cpv_level,
                group: options.group.as_str().to_owned(),
                control_above: rules.control_above,
                influence_from: rules.influence_from,
                rates: args.rates.as_ref().map(|p| p.display().to_string()),
            },
        ),
        derisk_store::RunTotals {
            records: flagged.len() as u64,
            matched: high_risk as u64,
            review: 0,
            dismissed: 0,
            skipped: skipped as u64,
        },
    )?);
    if high_risk > 0 {
        return Ok(Outcome::Findings);
    }
    if skipped > 0 || failed > 0 {
        bail!(
            "some input could not be read ({}, {}); see the messages above",
            count(skipped, "record"),
            count(failed, "file")
        );
    }
    Ok(Outcome::Clean)
}

fn money(f: &Flagged<'_, '_>) -> String {
    match &f.award.value {
        Some(m) => format!(
            "{:.0} {}",
            m.amount,
            m.currency.as_deref().unwrap_or("(no currency)")
        ),
        None => "-".into(),
    }
}

fn supplier_cell(r: &Registry, f: &Flagged<'_, '_>) -> String {
    if f.award.suppliers.is_empty() {
        return "-".into();
    }
    f.award
        .suppliers
        .iter()
        .zip(&f.matches)
        .map(|(s, hits)| {
            let name = s
                .name
                .clone()
                .unwrap_or_else(|| format!("({} undefined)", s.local_id.as_deref().unwrap_or("?")));
            match hits.first() {
                Some(h) => {
                    let top = h
                        .path
                        .last()
                        .and_then(|p| r.entity(p.entity.as_str()))
                        .map(|e| format!(" < {}", e.caption))
                        .unwrap_or_default();
                    format!("{name} [{} {}{top}]", h.decision.as_str(), h.entity.caption)
                }
                None => name,
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn tables<W: Write>(
    out: &mut W,
    r: &Registry,
    flagged: &[Flagged<'_, '_>],
    rows: &[Row],
    programmes: &[analysis::Participation],
) -> anyhow::Result<()> {
    let shown: Vec<Vec<String>> = flagged
        .iter()
        .filter(|f| !f.flags.is_empty())
        .map(|f| {
            vec![
                f.award.notice_id.clone().unwrap_or_else(|| "-".into()),
                f.award
                    .buyer
                    .as_ref()
                    .and_then(|b| b.name.clone())
                    .unwrap_or_else(|| "-".into()),
                supplier_cell(r, f),
                money(f),
                f.award.cpv.first().cloned().unwrap_or_else(|| "-".into()),
                f.flags.join(", "),
            ]
        })
        .collect();
    if shown.is_empty() {
        writeln!(out, "No flagged awards.")?;
    } else {
        crate::output::table(
            out,
            &[
                "NOTICE",
                "BUYER",
                "SUPPLIER [MATCH < CONTROLLER]",
                "VALUE",
                "CPV",
                "FLAGS",
            ],
            shown,
        )?;
    }
    writeln!(out)?;
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let top = row
                .suppliers
                .first()
                .map(|s| {
                    format!(
                        "{} ({:.0}%)",
                        s.name,
                        100.0 * s.share_value.unwrap_or(s.share_count)
                    )
                })
                .unwrap_or_default();
            let key = match &row.label {
                Some(l) if !l.is_empty() => format!("{} {l}", row.key),
                _ => row.key.clone(),
            };
            vec![
                key,
                row.awards.to_string(),
                format!("{:.0}", row.value_eur),
                top,
                format!(
                    "{:.0}%",
                    100.0
                        * row
                            .high_risk_share_value
                            .unwrap_or(row.high_risk_share_count)
                ),
                format!("{:.0}", row.hhi),
                row.flags.join(", "),
            ]
        })
        .collect();
    crate::output::table(
        out,
        &[
            "GROUP",
            "AWARDS",
            "VALUE EUR",
            "TOP SUPPLIER",
            "HIGH-RISK",
            "HHI",
            "FLAGS",
        ],
        table,
    )?;
    if !programmes.is_empty() {
        writeln!(out)?;
        let rows = programmes
            .iter()
            .map(|p| {
                vec![
                    r.entity(&p.entity)
                        .map_or(p.entity.clone(), |e| e.caption.clone()),
                    p.projects.len().to_string(),
                    format!("{:.0}", p.contribution_eur),
                    p.participants.join("; "),
                ]
            })
            .collect();
        crate::output::table(
            out,
            &[
                "PROGRAMME PARTICIPANT FAMILY",
                "PROJECTS",
                "EU CONTRIBUTION EUR",
                "AS",
            ],
            rows,
        )?;
    }
    Ok(())
}

fn csv<W: Write>(out: &mut W, flagged: &[Flagged<'_, '_>]) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "file",
        "line",
        "offset",
        "notice_id",
        "source",
        "buyer",
        "suppliers",
        "matches",
        "cpv",
        "value",
        "currency",
        "value_eur",
        "date",
        "withheld",
        "flags",
    ])?;
    for f in flagged {
        let a = f.award;
        let matches: Vec<String> = f
            .matches
            .iter()
            .flat_map(|m| m.iter())
            .map(|h| format!("{}:{}", h.entity.id, h.decision.as_str()))
            .collect();
        w.write_record([
            a.file.clone(),
            a.line.map(|l| l.to_string()).unwrap_or_default(),
            a.offset.map(|o| o.to_string()).unwrap_or_default(),
            a.notice_id.clone().unwrap_or_default(),
            a.format.map(|x| x.as_str().to_owned()).unwrap_or_default(),
            a.buyer
                .as_ref()
                .and_then(|b| b.name.clone())
                .unwrap_or_default(),
            a.suppliers
                .iter()
                .filter_map(|s| s.name.clone())
                .collect::<Vec<_>>()
                .join(" + "),
            matches.join(" "),
            a.cpv.join(" "),
            a.value
                .as_ref()
                .map(|m| m.amount.to_string())
                .unwrap_or_default(),
            a.value
                .as_ref()
                .and_then(|m| m.currency.clone())
                .unwrap_or_default(),
            f.value_eur.map(|v| v.to_string()).unwrap_or_default(),
            a.date.clone().unwrap_or_default(),
            a.withheld
                .iter()
                .map(|w| w.field.clone())
                .collect::<Vec<_>>()
                .join(" "),
            f.flags.join(" "),
        ])?;
    }
    w.flush()?;
    Ok(())
}
