//! `derisk audit`: options in, the audit of [`derisk_app::audit`], the
//! report out (to a file, replaced whole, or standard output).

use std::io::Write;

use anyhow::bail;
use derisk_app::audit::{Plan, Request, policies, run_options, totals, write_atomically};
use derisk_exposure::Policies;
use derisk_match::ScoreConfig;

use crate::Outcome;
use crate::cli::{AuditArgs, Global, ReportFormat};
use crate::registry_cmd::count;

pub(crate) fn audit(global: &Global, args: &AuditArgs) -> anyhow::Result<Outcome> {
    let rules = args.control.rules()?;
    let request = Request {
        inputs: args.inputs.clone(),
        organisation: args.org.clone(),
        sector: args.sector.clone(),
        kinds: args.kinds.clone(),
        frameworks: args.frameworks.clone(),
        rates: args.rates.clone(),
        rules,
    };
    let say = &mut crate::say;
    let plan = if args.list_frameworks {
        None
    } else {
        Some(Plan::new(request, say)?)
    };
    let format = match (args.format, &args.out) {
        (Some(f), _) => f,
        (None, Some(out)) => match out
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("html" | "htm") => ReportFormat::Html,
            Some("json") => ReportFormat::Json,
            Some("csv") => ReportFormat::Csv,
            Some("md" | "markdown") => ReportFormat::Md,
            _ => bail!(
                "--out {}: cannot tell the format from the extension; name it .html, .json, .csv or .md, or give --format",
                out.display()
            ),
        },
        (None, None) => ReportFormat::Md,
    };
    let (registry, snapshot_hash, index) = crate::registry_cmd::load_for_screening(global)?;
    let policies = policies(&registry, &args.policies, say)?;
    let Some(plan) = plan else {
        return list_frameworks(&policies);
    };
    let screener = crate::snapshot_cmd::screener(&registry, index, ScoreConfig::default(), rules);
    let mut recorder = crate::store_cmd::recorder(global, !args.no_record)?;
    let audited = plan.run(&registry, &screener, &policies, &mut recorder, say)?;
    let report = &audited.report;
    let text = match format {
        ReportFormat::Html => derisk_exposure::render::html(report),
        ReportFormat::Json => derisk_exposure::render::json(report),
        ReportFormat::Csv => derisk_exposure::render::csv(report),
        ReportFormat::Md => derisk_exposure::render::markdown(report),
    };
    match &args.out {
        Some(path) => write_atomically(path, text.as_bytes())?,
        None => {
            let mut out = crate::output::stdout();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
    }
    let h = &report.headline;
    eprintln!(
        "derisk: audit: {}, {}, {}: {}; {} broken, {} at risk; {}{}",
        count(h.devices, "device"),
        count(h.suppliers, "supplier"),
        count(h.purchases, "purchase"),
        count(report.findings.len(), "finding"),
        count(h.non_compliant, "rule"),
        h.at_risk,
        count(report.plan.len(), "plan action"),
        args.out
            .as_ref()
            .map(|p| format!("; report written to {}", p.display()))
            .unwrap_or_default()
    );
    crate::store_cmd::recorded(recorder.finish(
        &registry,
        snapshot_hash,
        &run_options(report),
        totals(&audited),
    )?);
    if audited.nothing_read {
        bail!(
            "nothing could be read from the inputs; the report says what is missing{}",
            args.out
                .as_ref()
                .map(|p| format!(" ({})", p.display()))
                .unwrap_or_default()
        );
    }
    if h.non_compliant > 0
        || h.at_risk > 0
        || report
            .findings
            .iter()
            .any(|f| f.status.contains(&"high-risk"))
    {
        return Ok(Outcome::Findings);
    }
    Ok(Outcome::Clean)
}

/// `--list-frameworks`: the frameworks and their rules.
fn list_frameworks(p: &Policies) -> anyhow::Result<Outcome> {
    let mut out = crate::output::stdout();
    for f in &p.frameworks {
        let defaults = if f.default_for.is_empty() {
            "only when chosen".to_owned()
        } else {
            format!("by default for {}", f.default_for.join(", "))
        };
        writeln!(out, "{}  {} ({}; {defaults})", f.id, f.name, f.jurisdiction)?;
        for r in p.rules.iter().filter(|r| r.framework == f.id) {
            writeln!(
                out,
                "  {:<26} {:<13} {:<8} {}",
                r.id,
                r.verdict.as_str(),
                r.severity.as_str(),
                r.title
            )?;
        }
    }
    out.flush()?;
    Ok(Outcome::Clean)
}
