//! `derisk procurement`: awards read from procurement and programme data,
//! their suppliers screened, flags and concentration.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, IsTerminal, Read as _, Write};
use std::path::Path;

use anyhow::{Context as _, bail};
use derisk_match::{Hit, ScoreConfig, round3};
use derisk_procure::analysis::{self, Flagged, Group, Options, Row};
use derisk_procure::{Award, Read};
use derisk_registry::Registry;
use serde_json::{Value, json};

use crate::Outcome;
use crate::cli::{Global, GroupArg, ProcurementArgs, ProcurementInput, ScreenFormat};
use crate::output::stdout;
use crate::registry_cmd::count;
use derisk_app::screen::{designations_json, path_json};

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
    let (registry, _, index) = crate::registry_cmd::load_for_screening(global)?;
    let screener = crate::snapshot_cmd::screener(
        &registry,
        index,
        ScoreConfig::default(),
        args.control.rules()?,
    );

    let mut awards: Vec<Award> = Vec::new();
    let (mut notices, mut skipped, mut failed) = (0u64, 0usize, 0usize);
    for input in inputs(&args.files) {
        let (name, read, in_dir) = match input {
            Ok(x) => x,
            Err(e) => {
                eprintln!("derisk: error: {e:#}");
                failed += 1;
                continue;
            }
        };
        let read = match read_one(&name, read, args.input_format) {
            Ok(r) => r,
            Err(e) if in_dir && e.root_cause().is::<UnknownFormat>() => {
                eprintln!(
                    "derisk: note: {name}: skipped, not procurement data ({})",
                    e.root_cause()
                );
                continue;
            }
            Err(e) => {
                eprintln!("derisk: error: {e:#}");
                failed += 1;
                continue;
            }
        };
        for (i, p) in read.problems.iter().enumerate() {
            if p.skipped {
                skipped += 1;
            }
            if i < MAX_PROBLEMS_SHOWN {
                eprintln!(
                    "derisk: {}: {p}",
                    if p.skipped { "error" } else { "warning" }
                );
            }
        }
        if read.problems.len() > MAX_PROBLEMS_SHOWN {
            eprintln!(
                "derisk: warning: {name}: {} more problems not shown",
                read.problems.len() - MAX_PROBLEMS_SHOWN
            );
        }
        notices += read.notices;
        awards.extend(read.awards);
    }

    let mut flagged = analysis::flag(&screener, &awards, &options);
    let rows = analysis::concentration(&mut flagged, &options);
    let programmes = analysis::programmes(&registry, &flagged);
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
                    crate::output::json_line(&mut out, &award_json(&registry, f))?;
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

/// An input: its name, its reader, and whether it was found in a
/// directory (then a file of another kind is passed over with a note).
type Input = anyhow::Result<(String, Box<dyn BufRead>, bool)>;

/// The inputs: files, the files of directories (sorted), or standard
/// input.
fn inputs(files: &[String]) -> Vec<Input> {
    let mut out: Vec<Input> = Vec::new();
    for f in files {
        if f == "-" {
            out.push(Ok((
                "-".into(),
                Box::new(BufReader::new(std::io::stdin())),
                false,
            )));
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
                out.push(open(&p.to_string_lossy(), true));
            }
        } else {
            out.push(open(f, false));
        }
    }
    out
}

fn open(f: &str, in_dir: bool) -> Input {
    let file = std::fs::File::open(f).with_context(|| format!("{f}: cannot open"))?;
    Ok((
        f.to_owned(),
        Box::new(BufReader::with_capacity(1 << 16, file)),
        in_dir,
    ))
}

/// Reads one input in its format (given, or found from its first bytes).
pub(crate) fn read_one(
    name: &str,
    mut input: Box<dyn BufRead>,
    forced: Option<ProcurementInput>,
) -> anyhow::Result<Read> {
    let kind = match forced {
        Some(k) => k,
        None => {
            let head = input
                .fill_buf()
                .with_context(|| format!("{name}: cannot read"))?;
            sniff(head).with_context(|| format!("{name}: cannot tell the format"))?
        }
    };
    Ok(match kind {
        ProcurementInput::Eforms => derisk_procure::eforms::read(input, name),
        ProcurementInput::Ted => derisk_procure::ted::read(input, name),
        ProcurementInput::Ocds => derisk_procure::ocds::read(input, name),
        ProcurementInput::Cordis => {
            let lower = name.to_ascii_lowercase();
            let programme = if lower.contains("horizon") {
                Some("Horizon Europe")
            } else if lower.contains("h2020") {
                Some("H2020")
            } else if lower.contains("fp7") {
                Some("FP7")
            } else {
                None
            };
            derisk_procure::cordis::read(input, name, programme)
        }
        ProcurementInput::Csv => derisk_procure::table::read(input, name),
    })
}

/// A start that is none of the formats read.
#[derive(Debug)]
struct UnknownFormat(&'static str);

impl std::fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for UnknownFormat {}

/// The format of a buffer's start.
fn sniff(head: &[u8]) -> anyhow::Result<ProcurementInput> {
    let head = derisk_table::strip_bom(head);
    let text = String::from_utf8_lossy(&head[..head.len().min(1 << 16)]);
    let t = text.trim_start();
    if t.starts_with('<') {
        if t.contains("TED_EXPORT") {
            return Ok(ProcurementInput::Ted);
        }
        if t.contains("urn:oasis:names:specification:ubl:schema:xsd:") {
            return Ok(ProcurementInput::Eforms);
        }
        return Err(UnknownFormat(
            "XML that is neither an eForms notice (UBL namespaces) nor TED XML (TED_EXPORT); use --input-format eforms or ted to force one",
        )
        .into());
    }
    if t.starts_with('{') || t.starts_with('[') {
        return Ok(ProcurementInput::Ocds);
    }
    let first = t.lines().next().unwrap_or_default().to_ascii_lowercase();
    if first.contains("projectid") {
        return Ok(ProcurementInput::Cordis);
    }
    if first.contains("buyer") && first.contains("supplier") {
        return Ok(ProcurementInput::Csv);
    }
    Err(UnknownFormat(
        "not XML, JSON, a CORDIS table (projectID;name;...) or an award table (buyer,supplier,cpv,value,currency,date); use --input-format to force one",
    )
    .into())
}

/// Reads `currency,eur_per_unit` rows.
pub(crate) fn rates(path: &Path) -> anyhow::Result<HashMap<String, f64>> {
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

fn party_json(p: &derisk_procure::Party) -> Value {
    json!({
        "name": p.name,
        "id": p.local_id,
        "registration": p.registration,
        "country": p.country,
    })
}

fn hit_json(r: &Registry, h: &Hit<'_>) -> Value {
    json!({
        "entity_id": h.entity.id,
        "caption": h.entity.caption,
        "name": h.name.value,
        "score": round3(h.score),
        "decision": h.decision.as_str(),
        "explanation": h.explanation,
        "path": path_json(r, &h.path),
        "designations": designations_json(r, &h.designations),
    })
}

fn award_json(r: &Registry, f: &Flagged<'_, '_>) -> Value {
    let a = f.award;
    let suppliers: Vec<Value> = a
        .suppliers
        .iter()
        .zip(&f.matches)
        .map(|(s, hits)| {
            let mut v = party_json(s);
            v["matches"] = Value::Array(hits.iter().map(|h| hit_json(r, h)).collect());
            v
        })
        .collect();
    let mut v = json!({
        "notice_id": a.notice_id,
        "source": a.format.map(|f| f.as_str()),
        "notice_type": a.notice_type,
        "file": a.file,
        "line": a.line,
        "offset": a.offset,
        "buyer": a.buyer.as_ref().map(|b| {
            let mut v = party_json(b);
            v["matches"] = Value::Array(f.buyer_matches.iter().map(|h| hit_json(r, h)).collect());
            v
        }),
        "suppliers": suppliers,
        "lot": a.lot,
        "cpv": a.cpv,
        "value": a.value.as_ref().map(|m| m.amount),
        "currency": a.value.as_ref().and_then(|m| m.currency.clone()),
        "value_eur": f.value_eur,
        "date": a.date,
        "withheld": a.withheld.iter().map(|w| json!({
            "field": w.field, "reason": w.reason, "until": w.until,
        })).collect::<Vec<_>>(),
        "flags": f.flags,
    });
    if let Some(p) = &a.programme {
        v["programme"] = json!({
            "programme": p.programme, "acronym": p.acronym, "role": p.role,
        });
    }
    v
}

fn row_json(r: &Row, level: usize) -> Value {
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

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
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
