//! The report's formats: JSON (the whole document), CSV (one row a
//! finding), Markdown, and one self-contained HTML file ([`html`]).

mod html;
mod svg;

pub use html::html;

use std::fmt::Write as _;

use crate::exposure::Group;
use crate::report::{Finding, Report, pct, thousands};

/// The report as pretty-printed JSON.
pub fn json(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(report).unwrap_or_else(|e| {
        // Serialising plain owned data cannot fail; say so if it does.
        format!("{{\"error\": \"the report could not be serialised: {e}\"}}")
    });
    s.push('\n');
    s
}

/// The columns of the CSV of findings.
pub const CSV_COLUMNS: &[&str] = &[
    "id",
    "kind",
    "subject",
    "file",
    "line",
    "offset",
    "status",
    "category",
    "site",
    "criticality",
    "party_id",
    "party",
    "family",
    "confidence",
    "designations",
    "path",
    "purchase",
    "rules",
    "sources",
    "summary",
];

/// The designations of a finding, `entity:list` separated by spaces.
fn designations(f: &Finding) -> String {
    f.party
        .designations
        .iter()
        .map(|d| format!("{}:{}", d.entity, d.list))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The path of a finding, `name (basis)` joined by ` > `.
fn path(f: &Finding) -> String {
    std::iter::once(f.party.name.clone())
        .chain(f.party.path.iter().map(|s| match &s.share {
            Some(share) => format!("{} ({}, {share})", s.name, s.basis),
            None => format!("{} ({})", s.name, s.basis),
        }))
        .collect::<Vec<_>>()
        .join(" > ")
}

/// The findings as CSV, with a header row.
pub fn csv(report: &Report) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut rows: Vec<Vec<String>> = vec![CSV_COLUMNS.iter().map(|c| (*c).to_owned()).collect()];
    for f in &report.findings {
        rows.push(vec![
            f.id.clone(),
            f.kind.to_owned(),
            f.subject.clone(),
            f.at.file.clone(),
            f.at.line.map(|l| l.to_string()).unwrap_or_default(),
            f.at.offset.map(|o| o.to_string()).unwrap_or_default(),
            f.status.join(" "),
            f.category
                .map(|c| c.as_str().to_owned())
                .unwrap_or_default(),
            f.site.clone().unwrap_or_default(),
            f.criticality
                .map(|c| c.as_str().to_owned())
                .unwrap_or_default(),
            f.party.entity.clone().unwrap_or_default(),
            f.party.name.clone(),
            f.party.family_name.clone(),
            format!("{:.2}", f.party.confidence),
            designations(f),
            path(f),
            f.purchase.clone().unwrap_or_default(),
            f.rules.join(" "),
            f.sources.join(" "),
            f.summary.clone(),
        ]);
    }
    for r in rows {
        // Writing to a vector cannot fail.
        let _ = w.write_record(&r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Escapes the characters Markdown tables and text give meaning to.
fn md(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('*', "\\*")
        .replace('_', "\\_")
        .replace('\n', " ")
}

fn share_value(s: Option<f64>) -> String {
    s.map(pct).unwrap_or_else(|| "-".to_owned())
}

/// The exposure tables, each with what its rows are grouped by.
fn exposure_tables(r: &Report) -> [(&'static str, &[Group]); 3] {
    [
        ("category", &r.exposure.by_category),
        ("site", &r.exposure.by_site),
        ("criticality", &r.exposure.by_criticality),
    ]
}

/// The cells of a group's row in an exposure table, as plain text (each
/// format escapes them its way): the group, devices, high-risk devices,
/// share, share by value, HHI, single source, untraced devices and the
/// three largest maker families.
fn group_cells(g: &Group) -> [String; 9] {
    let families: Vec<String> = g
        .families
        .iter()
        .take(3)
        .map(|f| format!("{} {}", f.name, pct(f.share)))
        .collect();
    [
        g.label.clone(),
        g.devices.to_string(),
        g.high_risk.to_string(),
        pct(g.share_count),
        share_value(g.share_value),
        thousands(g.hhi),
        if g.single_source { "yes" } else { "no" }.to_owned(),
        g.untraced.to_string(),
        families.join(", "),
    ]
}

/// The one-line title of the report.
pub(crate) fn title(r: &Report) -> String {
    match &r.organisation {
        Some(o) => format!("High-risk vendor exposure: {o}"),
        None => "High-risk vendor exposure".to_owned(),
    }
}

/// Sentences of the summary, shared by Markdown and HTML.
pub(crate) fn summary_lines(r: &Report) -> Vec<String> {
    let h = &r.headline;
    let mut out = Vec::new();
    if h.devices > 0 {
        let mut s = format!(
            "{}: {} ({}) made by designated vendors",
            plural(h.devices, "device"),
            h.high_risk_devices,
            pct(h.high_risk_share)
        );
        if h.relabelled > 0 {
            let _ = write!(s, "; {} sold under another brand", h.relabelled);
        }
        if h.untraced > 0 {
            let _ = write!(s, "; {} with no traceable purchase", h.untraced);
        }
        s.push('.');
        out.push(s);
    }
    if h.suppliers > 0 {
        let mut s = format!(
            "{} screened: {} designated or in a designated family, {} to check by hand",
            plural(h.suppliers, "supplier"),
            h.high_risk_suppliers,
            h.possible_suppliers
        );
        if h.influenced_suppliers > 0 {
            let _ = write!(
                s,
                ", {} with a stake held by a designated or state party that is not control",
                h.influenced_suppliers
            );
        }
        s.push('.');
        out.push(s);
    }
    if h.purchases > 0 {
        let mut s = format!(
            "{}: {} from designated suppliers",
            plural(h.purchases, "purchase"),
            h.high_risk_purchases
        );
        if h.high_risk_purchase_value_eur > 0.0 {
            let _ = write!(s, " (EUR {})", thousands(h.high_risk_purchase_value_eur));
        }
        s.push('.');
        out.push(s);
    }
    out.push(format!(
        "{} broken, {} with the organisation at risk, under {}.",
        plural(h.non_compliant, "rule"),
        h.at_risk,
        plural(r.frameworks.len(), "framework")
    ));
    out
}

/// The report as Markdown.
pub fn markdown(r: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# {}\n", md(&title(r)));
    let sector = r.sector.map(|s| s.label()).unwrap_or("not given");
    let _ = writeln!(
        o,
        "Sector: {sector} · generated {} · registry {} · {}\n",
        r.generated, r.registry, r.tool
    );
    if let Some(f) = &r.freshness {
        let _ = writeln!(o, "Registry freshness: {}.\n", md(&f.sentence()));
    }
    let _ = writeln!(o, "## Summary\n");
    for l in summary_lines(r) {
        let _ = writeln!(o, "- {}", md(&l));
    }
    o.push('\n');
    if !r.missing.is_empty() {
        let _ = writeln!(o, "## What the audit could not look at\n");
        for m in &r.missing {
            let _ = writeln!(o, "- {}", md(m));
        }
        o.push('\n');
    }
    let _ = writeln!(o, "## Plan\n");
    if r.plan.is_empty() {
        let _ = writeln!(o, "No rule that applies calls for an action.\n");
    } else {
        let _ = writeln!(
            o,
            "| # | Action | Verdict | Removes | At core sites | Rules |"
        );
        let _ = writeln!(o, "|---|---|---|---|---|---|");
        for a in &r.plan {
            let _ = writeln!(
                o,
                "| {} | {} | {} ({}) | {} | {} | {} |",
                a.rank,
                md(&a.action),
                a.status.label(),
                a.severity.as_str(),
                md(&ids(&a.removes)),
                a.core,
                md(&a.rules.join(", "))
            );
        }
        o.push('\n');
        for a in r.plan.iter().filter(|a| !a.alternatives.is_empty()) {
            let _ = writeln!(o, "Alternatives for action {}:\n", a.rank);
            for alt in &a.alternatives {
                let _ = writeln!(
                    o,
                    "- {} ({}, {}): {} [{}]",
                    md(&alt.vendor),
                    alt.category.label(),
                    alt.country,
                    md(&alt.note),
                    alt.sources.join("; ")
                );
            }
            o.push('\n');
        }
    }
    let _ = writeln!(o, "## Verdicts\n");
    let _ = writeln!(o, "| Verdict | Severity | Rule | Evidence | Why |");
    let _ = writeln!(o, "|---|---|---|---|---|");
    for v in &r.verdicts {
        let _ = writeln!(
            o,
            "| {} | {} | {} ({}; {}) | {} | {} |",
            v.status.label(),
            v.severity.as_str(),
            md(&v.title),
            v.rule,
            md(&v.reference),
            md(&ids(&v.evidence)),
            md(&v.note)
        );
    }
    o.push('\n');
    for (name, groups) in exposure_tables(r) {
        if groups.is_empty() {
            continue;
        }
        let _ = writeln!(o, "## Exposure by {name}\n");
        let _ = writeln!(
            o,
            "| {} | Devices | High-risk | Share | Share by value | HHI | Single source | Untraced | Largest maker families |",
            capitalise(name)
        );
        let _ = writeln!(o, "|---|---|---|---|---|---|---|---|---|");
        for g in groups {
            let cells: Vec<String> = group_cells(g).iter().map(|c| md(c)).collect();
            let _ = writeln!(o, "| {} |", cells.join(" | "));
        }
        o.push('\n');
    }
    let _ = writeln!(o, "## Findings\n");
    if r.findings.is_empty() {
        let _ = writeln!(o, "None.\n");
    }
    for f in &r.findings {
        let _ = writeln!(o, "### {} {}: {}\n", f.id, f.kind, md(&f.subject));
        let _ = writeln!(o, "{}.\n", md(&capitalise(&f.summary)));
        let _ = writeln!(o, "- Read at: {}", md(&f.at.to_string()));
        let _ = writeln!(o, "- Status: {}", f.status.join(", "));
        if let Some(s) = &f.site {
            let _ = writeln!(o, "- Site: {}", md(s));
        }
        let _ = writeln!(o, "- Path: {}", md(&path(f)));
        for d in &f.party.designations {
            let _ = writeln!(
                o,
                "- Listed: {} on {}{}{} [{}]",
                md(&d.entity_name),
                md(&d.list_name),
                d.since
                    .as_ref()
                    .map(|s| format!(" since {s}"))
                    .unwrap_or_default(),
                if d.unverified { " (unverified)" } else { "" },
                d.sources.join("; ")
            );
        }
        for e in &f.party.evidence {
            let _ = writeln!(o, "- Evidence: {}", md(e));
        }
        if let Some(p) = &f.purchase {
            let _ = writeln!(o, "- Purchase: {}", md(p));
        }
        if !f.devices.is_empty() {
            let _ = writeln!(o, "- Devices: {}", f.devices.join(", "));
        }
        if !f.rules.is_empty() {
            let _ = writeln!(o, "- Rules: {}", f.rules.join(", "));
        }
        o.push('\n');
    }
    if !r.dismissed.is_empty() {
        let _ = writeln!(o, "## Dismissed earlier\n");
        for d in &r.dismissed {
            let _ = writeln!(
                o,
                "- {} {} ({}): {}; {}",
                d.kind,
                md(&d.subject),
                md(&d.at.to_string()),
                md(&d.party),
                md(&d.reason)
            );
        }
        o.push('\n');
    }
    let _ = writeln!(o, "## Inputs\n");
    let _ = writeln!(o, "| File | Kind | Format | Records | Problems | Note |");
    let _ = writeln!(o, "|---|---|---|---|---|---|");
    for i in &r.inputs {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} |",
            md(&i.path),
            i.kind,
            i.format,
            i.records,
            i.problems,
            md(i.note.as_deref().unwrap_or(""))
        );
    }
    o.push('\n');
    let _ = writeln!(o, "## Frameworks\n");
    for fw in &r.frameworks {
        let _ = writeln!(
            o,
            "- {} ({}): {} [{}]",
            md(&fw.name),
            fw.jurisdiction,
            md(&fw.summary),
            fw.sources.join("; ")
        );
    }
    o.push('\n');
    let _ = writeln!(o, "## Sources\n");
    for s in &r.sources {
        let mut line = format!("- [{}] {}", s.id, md(&s.title));
        if let Some(p) = &s.publisher {
            let _ = write!(line, ". {}", md(p));
        }
        if let Some(d) = &s.published {
            let _ = write!(line, ", {d}");
        }
        if !s.url.is_empty() {
            // A publisher that ends with a full stop ("Co., Ltd.") needs
            // no second one.
            let stop = if line.ends_with('.') { "" } else { "." };
            let _ = write!(line, "{stop} <{}>", s.url);
        }
        let _ = writeln!(o, "{line}");
    }
    o
}

/// At most twelve ids, then how many more.
fn ids(list: &[String]) -> String {
    let mut out = list.iter().take(12).cloned().collect::<Vec<_>>().join(", ");
    if list.len() > 12 {
        let _ = write!(out, " and {} more", list.len() - 12);
    }
    out
}

/// "1 rule", "2 rules".
pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The text with its first letter in upper case.
pub(crate) fn capitalise(text: &str) -> String {
    let mut c = text.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
