//! `derisk screen` and `derisk compare`: options in, the screening run of
//! [`derisk_app::screen`], results out as JSON lines, CSV or a table.

use std::io::{IsTerminal, Write};

use anyhow::{Context as _, bail};
use derisk_app::input::{Columns, size_of};
use derisk_app::screen::{
    Event, RunOptions, Screened, Screening, pair_decision, pair_score, path_text, record_json,
    thresholds,
};
use derisk_match::round3;
use derisk_registry::Registry;
use derisk_store::Status;

use crate::Outcome;
use crate::cli::{CompareArgs, Global, ScreenArgs, ScreenFormat};
use crate::output::{json_line, stdout};
use crate::registry_cmd::{count, load_for_screening};

/// Problems printed per file before they are only counted.
const MAX_PROBLEMS_SHOWN: usize = 20;

/// A record as printed: its text (JSON line or CSV rows) or table rows.
struct Rendered {
    text: String,
    table: Vec<Vec<String>>,
}

pub(crate) fn screen(global: &Global, args: &ScreenArgs) -> anyhow::Result<Outcome> {
    let config = thresholds(args.match_threshold, args.review_threshold)?;
    let format = match args.format {
        ScreenFormat::Auto if std::io::stdout().is_terminal() => ScreenFormat::Table,
        ScreenFormat::Auto => ScreenFormat::Jsonl,
        f => f,
    };
    let options = RunOptions {
        match_threshold: config.match_threshold,
        review_threshold: config.review_threshold,
        all: args.all,
        control_above: args.control.rules()?.control_above,
        influence_from: args.control.rules()?.influence_from,
    };
    // The store is opened (and migrated) before any work, so a database
    // that cannot be written stops the run before it starts.
    let mut recorder = crate::store_cmd::recorder(global, !args.no_record)?;
    let decisions = recorder.decisions()?;
    let (registry, snapshot_hash, index) = load_for_screening(global)?;
    let screener = crate::snapshot_cmd::screener(&registry, index, config, options.rules());
    let screening = Screening {
        registry: &registry,
        screener: &screener,
        decisions: &decisions,
        limit: options.limit(),
        columns: Columns {
            name: args.column.clone(),
            country: args.country_column.clone(),
            id: args.id_column.clone(),
        },
        format: args.input_format,
        details: format == ScreenFormat::Jsonl,
    };
    let total: u64 = args.files.iter().filter_map(|f| size_of(f)).sum();
    let progress = progress_bar(total);

    let mut out = stdout();
    if format == ScreenFormat::Csv {
        writeln!(
            out,
            "file,row,input,decision,score,entity_id,entity,matched_name,designations,path,explanation,finding,status"
        )?;
    }
    let mut table_rows: Vec<Vec<String>> = Vec::new();
    let mut shown = 0usize;
    let tally = screening.run(
        &args.files,
        &mut recorder,
        |s| render(&registry, s, format, args.only_matches),
        |r| {
            out.write_all(r.text.as_bytes())?;
            table_rows.extend(r.table);
            Ok(())
        },
        |event| match event {
            Event::Failed(e) => progress.suspend(|| eprintln!("derisk: error: {e:#}")),
            Event::Problem(p) => {
                shown += 1;
                if shown <= MAX_PROBLEMS_SHOWN {
                    progress.suspend(|| eprintln!("derisk: warning: {}", p.message));
                }
            }
            Event::BadCountry { file, value } => progress.suspend(|| {
                eprintln!(
                    "derisk: warning: {file}: country {value:?} is not an ISO 3166 two-letter \
                     code; such values are ignored"
                )
            }),
            Event::Progress(bytes) => progress.set_position(bytes),
            Event::FileDone { file } => {
                if shown > MAX_PROBLEMS_SHOWN {
                    progress.suspend(|| {
                        eprintln!(
                            "derisk: warning: {file}: {} more problems not shown",
                            shown - MAX_PROBLEMS_SHOWN
                        )
                    });
                }
                shown = 0;
            }
        },
    )?;
    progress.finish_and_clear();
    if format == ScreenFormat::Table {
        write_table(&mut out, table_rows)?;
    }
    out.flush()?;
    drop(out);

    let mut summary = format!(
        "derisk: screened {}: {} match, {} review, {} no match",
        count(tally.records as usize, "record"),
        tally.matched,
        tally.review,
        tally.records - tally.matched - tally.review - tally.dismissed
    );
    if tally.dismissed > 0 {
        summary.push_str(&format!(
            "; {} dismissed before, evidence unchanged",
            tally.dismissed
        ));
    }
    if tally.empty > 0 {
        summary.push_str(&format!(
            "; {} without a name",
            count(tally.empty as usize, "row")
        ));
    }
    if tally.skipped > 0 {
        summary.push_str(&format!(
            "; {} could not be read",
            count(tally.skipped as usize, "row")
        ));
    }
    eprintln!("{summary}");
    crate::store_cmd::recorded(recorder.finish(
        &registry,
        snapshot_hash,
        &derisk_app::session::KindOptions::Screen(options),
        tally.totals(),
    )?);
    if tally.matched > 0 {
        return Ok(Outcome::Findings);
    }
    if tally.skipped > 0 || tally.failed_files > 0 {
        bail!(
            "some input could not be read ({}, {}); see the messages above",
            count(tally.skipped as usize, "row"),
            count(tally.failed_files as usize, "file")
        );
    }
    Ok(Outcome::Clean)
}

fn progress_bar(total: u64) -> indicatif::ProgressBar {
    let target = if std::io::stderr().is_terminal() && total > 1 << 20 {
        indicatif::ProgressDrawTarget::stderr()
    } else {
        indicatif::ProgressDrawTarget::hidden()
    };
    let bar = indicatif::ProgressBar::with_draw_target(Some(total), target);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "screening {bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// A screened record in the output format.
fn render(r: &Registry, s: Screened<'_, '_>, format: ScreenFormat, only_matches: bool) -> Rendered {
    let (file, rec, matches, keyed) = (s.file, s.record, s.matches, s.keyed);
    let mut text = String::new();
    let mut table = Vec::new();
    match format {
        ScreenFormat::Jsonl | ScreenFormat::Auto => {
            if !(only_matches && matches.is_empty()) {
                text = serde_json::to_string(&record_json(r, file, rec, keyed, s.details))
                    .unwrap_or_default();
                text.push('\n');
            }
        }
        ScreenFormat::Csv => {
            let mut w = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(Vec::new());
            if matches.is_empty() {
                if !only_matches {
                    let mut row = vec![file.to_owned(), rec.row.to_string(), rec.name.clone()];
                    row.resize(13, String::new());
                    let _ = w.write_record(&row);
                }
            } else {
                for (i, h) in matches.iter().enumerate() {
                    let designations: Vec<String> = h
                        .designations
                        .iter()
                        .map(|d| format!("{}:{}", d.entity, d.list))
                        .collect();
                    let _ = w.write_record([
                        file,
                        &rec.row.to_string(),
                        &rec.name,
                        h.decision.as_str(),
                        &format!("{:.3}", h.score),
                        h.entity.id.as_str(),
                        &h.entity.caption,
                        &h.name.value,
                        &designations.join(" "),
                        &path_text(r, h, false),
                        &h.explanation,
                        &keyed.keys[i],
                        keyed.status[i].as_str(),
                    ]);
                }
            }
            text = String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default();
        }
        ScreenFormat::Table => {
            for (i, h) in matches.iter().enumerate() {
                let decision = match &keyed.status[i] {
                    Status::Open => h.decision.as_str().to_string(),
                    s => format!("{}, {}", h.decision.as_str(), s.as_str()),
                };
                table.push(vec![
                    if i == 0 {
                        rec.row.to_string()
                    } else {
                        String::new()
                    },
                    if i == 0 {
                        rec.name.clone()
                    } else {
                        String::new()
                    },
                    keyed.keys[i][..8].to_string(),
                    decision,
                    format!("{:.2}", h.score),
                    path_text(r, h, true),
                ]);
            }
        }
    }
    Rendered { text, table }
}

fn write_table(out: &mut impl Write, rows: Vec<Vec<String>>) -> anyhow::Result<()> {
    crate::output::table(
        out,
        &[
            "ROW",
            "INPUT",
            "FINDING",
            "DECISION",
            "SCORE",
            "MATCHED → BEHIND IT (SHARE) [DESIGNATIONS]",
        ],
        rows,
    )?;
    Ok(())
}

// ------------------------------------------------------------------- compare

pub(crate) fn compare(args: &CompareArgs) -> anyhow::Result<Outcome> {
    let config = thresholds(args.match_threshold, args.review_threshold)?;
    let file = &args.pairs;
    let raw: Box<dyn std::io::Read> = if file == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(file).with_context(|| format!("{file}: cannot open"))?)
    };
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(raw);
    let headers: Vec<String> = reader
        .headers()
        .with_context(|| format!("{file}:1: cannot read the header row"))?
        .iter()
        .map(|h| derisk_table::header_cell(h).to_ascii_lowercase())
        .collect();
    let col = |n: &str| headers.iter().position(|h| h == n);
    let (Some(c1), Some(c2)) = (col("name1"), col("name2")) else {
        bail!(
            "{file}:1: expected a header with name1 and name2; the header has {}",
            headers
                .iter()
                .map(|h| format!("{h:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    let mut out = stdout();
    let mut bad = 0usize;
    let mut scorer = derisk_match::PairScorer::default();
    for rec in reader.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                eprintln!("derisk: warning: {file}:{line}: {e}; pair skipped");
                bad += 1;
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| p.line());
        let (Some(a), Some(b)) = (rec.get(c1), rec.get(c2)) else {
            eprintln!(
                "derisk: warning: {file}:{line}: expected name1 and name2 fields; pair skipped"
            );
            bad += 1;
            continue;
        };
        let (score, explanation) = pair_score(&mut scorer, a, b);
        let decision = pair_decision(score, &config);
        json_line(
            &mut out,
            &PairLine {
                name1: a,
                name2: b,
                score: round3(score),
                decision,
                explanation: &explanation,
            },
        )?;
    }
    out.flush()?;
    if bad > 0 {
        bail!("{}: {} could not be read", file, count(bad, "pair"));
    }
    Ok(Outcome::Clean)
}

/// One line of `derisk compare`'s output.
#[derive(serde::Serialize)]
struct PairLine<'a> {
    name1: &'a str,
    name2: &'a str,
    score: f64,
    decision: &'static str,
    explanation: &'a str,
}
