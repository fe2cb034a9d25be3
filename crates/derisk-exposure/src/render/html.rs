//! The report as one self-contained HTML file: styles inline, charts as
//! inline SVG, no script, nothing fetched; every finding has an anchor
//! (`#F3`) that verdicts and the plan link to, and every source one
//! (`#src-…`) that findings link to. The first thousand findings are shown
//! in full, the rest as rows of a table. Printing (to paper or PDF) uses A4
//! pages, keeps tables and findings whole where they fit, and prints
//! link targets of sources.

use std::fmt::Write as _;

use crate::policy::Status;
use crate::report::{Report, pct};

use super::{capitalise, exposure_tables, group_cells, summary_lines, svg, title};

/// Escapes text for HTML content and attribute values.
pub(crate) fn esc(text: &str) -> String {
    let mut o = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

const STYLE: &str = r#"
:root { --ink: #1d2430; --muted: #5c6675; --line: #dde2e8; --risk: #b42318; --risk-bg: #fdecea;
  --warn: #b35c00; --warn-bg: #fff4e5; --ok: #2b8a3e; --ok-bg: #ebfbee; --info: #1c7ed6; --info-bg: #e7f5ff; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 "Helvetica Neue", Arial, "Liberation Sans", sans-serif; color: var(--ink); background: #f6f7f9; }
header { background: #14213d; color: #fff; padding: 28px 40px 22px; }
header h1 { margin: 0 0 6px; font-size: 26px; font-weight: 600; }
header .meta { color: #c5cbe0; font-size: 12.5px; }
main { max-width: 1080px; margin: 0 auto; padding: 8px 40px 48px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 18px 22px; margin: 18px 0; }
h2 { font-size: 18px; margin: 0 0 12px; font-weight: 600; }
h3 { font-size: 15px; margin: 18px 0 6px; }
section > h3:first-of-type, .finding h3 { margin-top: 0; }
.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; margin: 18px 0 4px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card .n { font-size: 26px; font-weight: 700; }
.card .t { color: var(--muted); font-size: 12.5px; }
.card.risk .n { color: var(--risk); }
ul.summary { margin: 0; padding-left: 18px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .02em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.non-compliant { background: var(--risk-bg); color: var(--risk); }
.at-risk { background: var(--warn-bg); color: var(--warn); }
.review { background: var(--info-bg); color: var(--info); }
.info, .not-applicable { background: #f1f3f5; color: var(--muted); }
.clear { background: var(--ok-bg); color: var(--ok); }
.sev { color: var(--muted); font-size: 12px; }
.muted { color: var(--muted); }
.finding { border-top: 1px solid var(--line); padding: 12px 0; }
.finding:first-of-type { border-top: 0; }
.finding dl { display: grid; grid-template-columns: 130px 1fr; gap: 2px 12px; margin: 8px 0 0; font-size: 13px; }
.finding dt { color: var(--muted); }
.finding dd { margin: 0; }
svg.chart { width: 100%; height: auto; display: block; margin: 6px 0 10px; }
svg.path { max-width: 100%; height: auto; display: block; margin: 6px 0; }
svg text { font-family: "Helvetica Neue", Arial, "Liberation Sans", sans-serif; }
svg .lbl { font-size: 12px; fill: #1d2430; }
svg .val { font-size: 11px; fill: #5c6675; }
svg .leg { font-size: 11px; fill: #5c6675; }
svg .in { font-size: 11px; fill: #fff; }
svg .node { font-size: 12px; fill: #1d2430; }
svg .via { font-size: 10.5px; fill: #5c6675; }
.alts { margin: 4px 0 0; padding-left: 18px; font-size: 13px; }
a { color: #1c5bb8; text-decoration: none; }
a:hover { text-decoration: underline; }
ol.sources { font-size: 12.5px; padding-left: 22px; }
ol.sources li { margin: 3px 0; word-break: break-word; }
.missing { background: var(--warn-bg); border-color: #f3d19e; }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 0 0 30px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { background: #fff; font-size: 11.5px; }
  header { padding: 14px 0 10px; background: #fff; color: var(--ink); border-bottom: 2px solid #14213d; }
  header .meta { color: var(--muted); }
  main { padding: 0; max-width: none; }
  section { border: 0; padding: 6px 0; margin: 10px 0; }
  .cards { grid-template-columns: repeat(4, 1fr); }
  /* Long tables break between rows (their header repeats); a chart or a
     card stays whole; a finding may continue on the next page, but its
     title, summary and path stay together and no line of it is split. */
  tr, svg, .card, .finding dd, .finding dt { break-inside: avoid; }
  .finding h3, .finding > p, .finding svg.path { break-after: avoid; }
  thead { display: table-header-group; }
  .finding dl { font-size: 10.5px; }
  h2 { break-after: avoid; }
  ol.sources a::after { content: " " attr(href); color: var(--muted); }
}
"#;

/// Findings shown in full, with their path diagram; the rest are rows of
/// a table (every one in full in JSON and CSV).
const DETAILED: usize = 1000;

fn badge(s: Status) -> String {
    format!(
        r#"<span class="badge {}">{}</span>"#,
        s.as_str(),
        esc(s.label())
    )
}

/// Links `F3` to its finding and `category:…` to the exposure table.
fn evidence_links(ids: &[String]) -> String {
    let shown: Vec<String> = ids
        .iter()
        .take(12)
        .map(|e| match e.strip_prefix("category:") {
            Some(c) => format!(r##"<a href="#exposure">{}</a>"##, esc(c)),
            None => format!(r##"<a href="#{0}">{0}</a>"##, esc(e)),
        })
        .collect();
    let mut out = shown.join(", ");
    if ids.len() > 12 {
        let _ = write!(out, " and {} more", ids.len() - 12);
    }
    out
}

fn source_links(ids: &[String]) -> String {
    ids.iter()
        .map(|s| format!(r##"<a href="#src-{0}">[{0}]</a>"##, esc(s)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The report as one HTML page.
pub fn html(r: &Report) -> String {
    let mut o = String::new();
    let t = title(r);
    let _ = write!(
        o,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="{}">
<title>{}</title>
<style>{STYLE}</style>
</head>
<body>
<header>
<h1>{}</h1>
<div class="meta">Sector: {} · Generated {} · Registry {} · {}</div>{}
</header>
<main>
"#,
        esc(&r.tool),
        esc(&t),
        esc(&t),
        esc(r.sector.map(|s| s.label()).unwrap_or("not given")),
        esc(&r.generated),
        esc(&r.registry),
        esc(&r.tool),
        r.freshness.as_ref().map_or_else(String::new, |f| format!(
            "\n<div class=\"meta\">Registry freshness: {}.</div>",
            esc(&f.sentence())
        ))
    );
    let h = &r.headline;
    let _ = write!(
        o,
        r#"<div class="cards">
<div class="card risk"><div class="n">{}</div><div class="t">devices of designated makers, of {} ({})</div></div>
<div class="card risk"><div class="n">{}</div><div class="t">designated suppliers, of {} screened</div></div>
<div class="card"><div class="n">{}</div><div class="t">high-risk devices with no traceable purchase</div></div>
<div class="card risk"><div class="n">{}</div><div class="t">rules broken; {} more at risk</div></div>
</div>
"#,
        h.high_risk_devices,
        h.devices,
        pct(h.high_risk_share),
        h.high_risk_suppliers,
        h.suppliers,
        h.untraced,
        h.non_compliant,
        h.at_risk
    );
    o.push_str("<section id=\"summary\"><h2>Summary</h2><ul class=\"summary\">");
    for l in summary_lines(r) {
        let _ = write!(o, "<li>{}</li>", esc(&l));
    }
    o.push_str("</ul></section>\n");
    if !r.missing.is_empty() {
        o.push_str("<section class=\"missing\" id=\"missing\"><h2>What the audit could not look at</h2><ul>");
        for m in &r.missing {
            let _ = write!(o, "<li>{}</li>", esc(m));
        }
        o.push_str("</ul></section>\n");
    }
    // Plan.
    o.push_str("<section id=\"plan\"><h2>De-risking plan</h2>");
    if r.plan.is_empty() {
        o.push_str("<p class=\"muted\">No rule that applies calls for an action.</p>");
    } else {
        o.push_str("<table><thead><tr><th class=\"num\">#</th><th>Action</th><th>Verdict</th><th class=\"num\">Removes</th><th class=\"num\">At core sites</th><th>Findings</th></tr></thead><tbody>");
        for a in &r.plan {
            let _ = write!(
                o,
                "<tr><td class=\"num\">{}</td><td><strong>{}</strong><div class=\"sev\">rules: {}</div>",
                a.rank,
                esc(&a.action),
                esc(&a.rules.join(", "))
            );
            if !a.alternatives.is_empty() {
                o.push_str("<ul class=\"alts\">");
                for alt in &a.alternatives {
                    let _ = write!(
                        o,
                        "<li>Alternative for {}: <strong>{}</strong> ({}), {} {}</li>",
                        esc(&alt.category.label().to_lowercase()),
                        esc(&alt.vendor),
                        esc(&alt.country),
                        esc(&alt.note),
                        source_links(&alt.sources)
                    );
                }
                o.push_str("</ul>");
            }
            let _ = write!(
                o,
                "</td><td>{} <span class=\"sev\">{}</span></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                badge(a.status),
                a.severity.as_str(),
                a.removes.len(),
                a.core,
                evidence_links(&a.removes)
            );
        }
        o.push_str("</tbody></table>");
    }
    o.push_str("</section>\n");
    // Verdicts.
    o.push_str("<section id=\"verdicts\"><h2>Policy verdicts</h2><table><thead><tr><th>Verdict</th><th>Rule</th><th>Evidence</th><th>Why</th></tr></thead><tbody>");
    for v in &r.verdicts {
        let _ = write!(
            o,
            "<tr><td>{}<div class=\"sev\">{}</div></td><td><strong>{}</strong><div class=\"sev\"><a href=\"{}\">{}</a>{}</div></td><td>{}</td><td>{}</td></tr>",
            badge(v.status),
            v.severity.as_str(),
            esc(&v.title),
            esc(&v.url),
            esc(&v.reference),
            v.unverified
                .as_ref()
                .map(|u| format!(" · unverified: {}", esc(u)))
                .unwrap_or_default(),
            evidence_links(&v.evidence),
            esc(&v.note)
        );
    }
    o.push_str("</tbody></table></section>\n");
    // Exposure.
    o.push_str("<section id=\"exposure\"><h2>Exposure</h2>");
    if r.exposure.by_category.is_empty() {
        o.push_str("<p class=\"muted\">No devices were given.</p>");
    } else {
        o.push_str("<h3>Devices by category</h3>");
        o.push_str(&svg::group_bars(
            &r.exposure.by_category,
            "Devices per category",
        ));
        o.push_str("<h3>Maker families and concentration</h3>");
        o.push_str(&svg::family_stacks(&r.exposure.by_category));
        for (name, groups) in exposure_tables(r) {
            let _ = write!(
                o,
                "<h3>By {name}</h3><table><thead><tr><th>{}</th><th class=\"num\">Devices</th><th class=\"num\">High-risk</th><th class=\"num\">Share</th><th class=\"num\">By value</th><th class=\"num\">HHI</th><th>Single source</th><th class=\"num\">Untraced</th><th>Largest maker families</th></tr></thead><tbody>",
                capitalise(name)
            );
            // Columns 1 to 5 and 7 are numbers.
            for g in groups {
                o.push_str("<tr>");
                for (i, cell) in group_cells(g).iter().enumerate() {
                    let class = if matches!(i, 1..=5 | 7) {
                        " class=\"num\""
                    } else {
                        ""
                    };
                    let _ = write!(o, "<td{class}>{}</td>", esc(cell));
                }
                o.push_str("</tr>");
            }
            o.push_str("</tbody></table>");
        }
    }
    if !r.by_year.is_empty() {
        o.push_str("<h3>Purchases over time</h3>");
        o.push_str(&svg::years(&r.by_year));
    }
    o.push_str("</section>\n");
    // Findings.
    o.push_str("<section id=\"findings\"><h2>Findings</h2>");
    if r.findings.is_empty() {
        o.push_str("<p class=\"muted\">None.</p>");
    }
    for f in r.findings.iter().take(DETAILED) {
        let _ = write!(
            o,
            "<div class=\"finding\" id=\"{}\"><h3>{} · {}: {}</h3><div>{}.</div>",
            esc(&f.id),
            esc(&f.id),
            f.kind,
            esc(&f.subject),
            esc(&capitalise(&f.summary))
        );
        o.push_str(&svg::path(f));
        o.push_str("<dl>");
        let _ = write!(o, "<dt>Read at</dt><dd>{}</dd>", esc(&f.at.to_string()));
        let _ = write!(o, "<dt>Status</dt><dd>{}</dd>", esc(&f.status.join(", ")));
        if let Some(s) = &f.site {
            let _ = write!(o, "<dt>Site</dt><dd>{}</dd>", esc(s));
        }
        if let Some(c) = f.criticality {
            let _ = write!(o, "<dt>Criticality</dt><dd>{}</dd>", esc(c.label()));
        }
        let _ = write!(
            o,
            "<dt>Resolved by</dt><dd>{} (confidence {:.2})</dd>",
            esc(&f.party.basis.join(", ")),
            f.party.confidence
        );
        // One line per designated entity, its lists after it.
        let mut entities: Vec<&str> = Vec::new();
        for d in &f.party.designations {
            if !entities.contains(&d.entity.as_str()) {
                entities.push(&d.entity);
            }
        }
        for e in entities {
            let lists: Vec<&crate::model::Listed> = f
                .party
                .designations
                .iter()
                .filter(|d| d.entity == e)
                .collect();
            let items: Vec<String> = lists
                .iter()
                .map(|d| {
                    format!(
                        "<em>{}</em>{}{} {}",
                        esc(&d.list_name),
                        d.since
                            .as_ref()
                            .map(|s| format!(" ({})", esc(s)))
                            .unwrap_or_default(),
                        if d.unverified { " (unverified)" } else { "" },
                        source_links(&d.sources)
                    )
                })
                .collect();
            let _ = write!(
                o,
                "<dt>Listed</dt><dd><strong>{}</strong> on {}: {}</dd>",
                esc(&lists[0].entity_name),
                if lists.len() == 1 {
                    "1 list".to_owned()
                } else {
                    format!("{} lists", lists.len())
                },
                items.join("; ")
            );
        }
        for st in &f.party.path {
            let _ = write!(
                o,
                "<dt>Path</dt><dd>{} ({}{}) {}</dd>",
                esc(&st.name),
                esc(&st.basis),
                st.share
                    .as_ref()
                    .map(|s| format!(", {}", esc(s)))
                    .unwrap_or_default(),
                source_links(&st.sources)
            );
        }
        for e in &f.party.evidence {
            let _ = write!(o, "<dt>Evidence</dt><dd>{}</dd>", esc(e));
        }
        if let Some(p) = &f.purchase {
            // "F30 (named; …)": the purchase's own finding, linked.
            let linked = match p.split_once(' ') {
                Some((id, rest))
                    if id.starts_with('F') && id[1..].bytes().all(|b| b.is_ascii_digit()) =>
                {
                    format!(r##"<a href="#{0}">{0}</a> {1}"##, esc(id), esc(rest))
                }
                _ => esc(p),
            };
            let _ = write!(o, "<dt>Purchase</dt><dd>{linked}</dd>");
        } else if f.kind == "asset" {
            o.push_str("<dt>Purchase</dt><dd class=\"muted\">none found</dd>");
        }
        if !f.devices.is_empty() {
            let _ = write!(o, "<dt>Devices</dt><dd>{}</dd>", evidence_links(&f.devices));
        }
        if !f.rules.is_empty() {
            let _ = write!(o, "<dt>Rules</dt><dd>{}</dd>", esc(&f.rules.join(", ")));
        }
        o.push_str("</dl></div>");
    }
    if r.findings.len() > DETAILED {
        let _ = write!(
            o,
            "<h3>Findings {} to {}, in short</h3><p class=\"muted\">The JSON and CSV formats of the report carry every finding in full.</p><table><thead><tr><th>#</th><th>Kind</th><th>Subject</th><th>Status</th><th>Category</th><th>Site</th><th>Maker or supplier</th><th>Read at</th></tr></thead><tbody>",
            DETAILED + 1,
            r.findings.len()
        );
        for f in &r.findings[DETAILED..] {
            let _ = write!(
                o,
                "<tr id=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&f.id),
                esc(&f.id),
                f.kind,
                esc(&f.subject),
                esc(&f.status.join(", ")),
                f.category.map(|c| c.as_str()).unwrap_or(""),
                esc(f.site.as_deref().unwrap_or("")),
                esc(&f.party.name),
                esc(&f.at.to_string())
            );
        }
        o.push_str("</tbody></table>");
    }
    o.push_str("</section>\n");
    if !r.dismissed.is_empty() {
        o.push_str("<section id=\"dismissed\"><h2>Dismissed earlier</h2><p class=\"muted\">Findings an analyst dismissed in an earlier run, on the same evidence; left out of the exposure, the verdicts and the plan.</p><table><thead><tr><th>Kind</th><th>Subject</th><th>Resolved to</th><th>Read at</th><th>Decision</th></tr></thead><tbody>");
        for d in &r.dismissed {
            let _ = write!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                d.kind,
                esc(&d.subject),
                esc(&d.party),
                esc(&d.at.to_string()),
                esc(&d.reason)
            );
        }
        o.push_str("</tbody></table></section>\n");
    }
    // Inputs, frameworks, sources.
    o.push_str("<section id=\"inputs\"><h2>Inputs</h2><table><thead><tr><th>File</th><th>Kind</th><th>Format</th><th class=\"num\">Records</th><th class=\"num\">Problems</th><th>Note</th></tr></thead><tbody>");
    for i in &r.inputs {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&i.path),
            esc(&i.kind),
            esc(&i.format),
            i.records,
            i.problems,
            esc(i.note.as_deref().unwrap_or(""))
        );
    }
    o.push_str("</tbody></table></section>\n");
    o.push_str("<section id=\"frameworks\"><h2>Frameworks applied</h2><ul>");
    for fw in &r.frameworks {
        let _ = write!(
            o,
            "<li><strong>{}</strong> ({}): {} {}</li>",
            esc(&fw.name),
            esc(&fw.jurisdiction),
            esc(&fw.summary),
            source_links(&fw.sources)
        );
    }
    o.push_str("</ul></section>\n");
    o.push_str("<section id=\"sources\"><h2>Sources</h2><ol class=\"sources\">");
    for s in &r.sources {
        let _ = write!(
            o,
            "<li id=\"src-{}\"><strong>[{}]</strong> ",
            esc(&s.id),
            esc(&s.id)
        );
        if s.url.is_empty() {
            o.push_str(&esc(&s.title));
        } else {
            let _ = write!(o, "<a href=\"{}\">{}</a>", esc(&s.url), esc(&s.title));
        }
        if let Some(p) = &s.publisher {
            let _ = write!(o, ". {}", esc(p));
        }
        if let Some(d) = &s.published {
            let _ = write!(o, ", {}", esc(d));
        }
        o.push_str("</li>");
    }
    o.push_str("</ol></section>\n</main>\n");
    let _ = write!(
        o,
        "<footer>Made by {} with registry {}. Verdicts are a screening aid that cites its rules and evidence; they are not legal advice.</footer>\n</body>\n</html>\n",
        esc(&r.tool),
        esc(&r.registry)
    );
    o
}
