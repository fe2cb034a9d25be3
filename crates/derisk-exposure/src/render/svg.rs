//! Charts as inline SVG: no script, no fonts or files fetched, so the
//! report opens offline and prints as it shows.

use std::fmt::Write as _;

use crate::exposure::Group;
use crate::report::{Finding, YearShare, pct, thousands};

use super::html::esc;

/// Colour of designated makers.
const RISK: &str = "#b42318";
/// Colour of other attributed makers.
const OTHER: &str = "#4e79a7";
/// Colour of devices no evidence attributes.
const UNKNOWN: &str = "#c9ced6";
/// Colours of designated families, then of others, in the stacked bars.
const RISK_SHADES: &[&str] = &["#b42318", "#d9480f", "#e8590c", "#f08c00", "#c2255c"];
const OTHER_SHADES: &[&str] = &[
    "#1c7ed6", "#0ca678", "#5f3dc4", "#1098ad", "#74b816", "#868e96",
];

/// Horizontal bars: devices per group, split into designated makers,
/// other makers and unattributed.
pub(crate) fn group_bars(groups: &[Group], caption: &str) -> String {
    let max = groups.iter().map(|g| g.devices).max().unwrap_or(0).max(1);
    let row = 26;
    let left = 190;
    let width = 420;
    let h = 34 + row * groups.len();
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 760 {h}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        esc(caption)
    );
    for (i, g) in groups.iter().enumerate() {
        let y = 8 + i * row;
        let scale = |n: usize| n as f64 * width as f64 / max as f64;
        let high = scale(g.high_risk);
        let other = scale(g.devices - g.unattributed - g.high_risk);
        let unknown = scale(g.unattributed);
        row_label(&mut s, left, y, &g.label);
        let mut x = left as f64;
        for (w, colour, what) in [
            (high, RISK, "designated makers"),
            (other, OTHER, "other makers"),
            (unknown, UNKNOWN, "maker not known"),
        ] {
            if w > 0.0 {
                let _ = write!(
                    s,
                    r#"<rect x="{x:.1}" y="{y}" width="{w:.1}" height="18" fill="{colour}"><title>{}: {}</title></rect>"#,
                    esc(&g.label),
                    what
                );
                x += w;
            }
        }
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{}" class="val">{} of {} ({})</text>"#,
            x + 6.0,
            y + 14,
            g.high_risk,
            g.devices,
            pct(g.share_count)
        );
    }
    let ly = h - 12;
    legend(
        &mut s,
        left,
        ly,
        &[
            (RISK, "designated makers"),
            (OTHER, "other makers"),
            (UNKNOWN, "maker not known"),
        ],
    );
    s.push_str("</svg>");
    s
}

fn legend(s: &mut String, x0: usize, y: usize, items: &[(&str, &str)]) {
    let mut x = x0;
    for (colour, text) in items {
        let _ = write!(
            s,
            r#"<rect x="{x}" y="{}" width="10" height="10" fill="{colour}"/><text x="{}" y="{}" class="leg">{}</text>"#,
            y - 9,
            x + 14,
            y,
            esc(text)
        );
        x += 24 + text.len() * 6;
    }
}

/// One bar of 100% per group, split by maker family (the five largest,
/// then the rest), with the HHI at the right.
pub(crate) fn family_stacks(groups: &[Group]) -> String {
    let groups: Vec<&Group> = groups.iter().filter(|g| !g.families.is_empty()).collect();
    let row = 30;
    let left = 190;
    let width = 400.0;
    let h = 20 + row * groups.len();
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 760 {h}" role="img" aria-label="Maker families per category" xmlns="http://www.w3.org/2000/svg">"#
    );
    for (i, g) in groups.iter().enumerate() {
        let y = 6 + i * row;
        row_label(&mut s, left, y, &g.label);
        let mut x = left as f64;
        let (mut r, mut o) = (0, 0);
        let shown = g.families.len().min(5);
        for f in &g.families[..shown] {
            let colour = if f.high_risk {
                r += 1;
                RISK_SHADES[(r - 1) % RISK_SHADES.len()]
            } else {
                o += 1;
                OTHER_SHADES[(o - 1) % OTHER_SHADES.len()]
            };
            let w = f.share * width;
            let _ = write!(
                s,
                r##"<rect x="{x:.1}" y="{y}" width="{w:.1}" height="20" fill="{colour}" stroke="#fff" stroke-width="1"><title>{}: {} devices, {}</title></rect>"##,
                esc(&f.name),
                f.devices,
                pct(f.share)
            );
            if w > 60.0 {
                let _ = write!(
                    s,
                    r#"<text x="{:.1}" y="{}" class="in">{}</text>"#,
                    x + 4.0,
                    y + 14,
                    esc(&truncate(&f.name, (w / 6.5) as usize))
                );
            }
            x += w;
        }
        let rest: f64 = g.families[shown..].iter().map(|f| f.share).sum();
        if rest > 0.0 {
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{y}" width="{:.1}" height="20" fill="{UNKNOWN}"><title>{} other families</title></rect>"#,
                rest * width,
                g.families.len() - shown
            );
        }
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" class="val">HHI {}{}</text>"#,
            left as f64 + width + 8.0,
            y + 14,
            thousands(g.hhi),
            if g.single_source {
                ", single source"
            } else {
                ""
            }
        );
    }
    s.push_str("</svg>");
    s
}

/// Purchases per year: value (or count) from designated suppliers and
/// from others, as columns, with the high-risk share above each.
pub(crate) fn years(years: &[YearShare]) -> String {
    let by_value = years.iter().any(|y| y.value_eur > 0.0);
    let total = |y: &YearShare| {
        if by_value {
            y.value_eur
        } else {
            y.purchases as f64
        }
    };
    let high = |y: &YearShare| {
        if by_value {
            y.high_risk_value_eur
        } else {
            y.high_risk as f64
        }
    };
    let max = years.iter().map(total).fold(0.0, f64::max).max(1.0);
    // Columns share 680 units of width, at most 70 each.
    let col = (680.0 / years.len().max(1) as f64).min(70.0);
    let bar = (col * 0.64).min(40.0);
    let base = 170.0;
    let plot = 130.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 760 220" role="img" aria-label="Purchases per year" xmlns="http://www.w3.org/2000/svg">"#
    );
    let _ = write!(
        s,
        r##"<line x1="40" y1="{base}" x2="{:.0}" y2="{base}" stroke="#888"/>"##,
        50.0 + col * years.len() as f64
    );
    for (i, y) in years.iter().enumerate() {
        let x = 50.0 + col * i as f64 + (col - bar) / 2.0;
        let th = total(y) / max * plot;
        let hh = high(y) / max * plot;
        let _ = write!(
            s,
            r#"<rect x="{x:.1}" y="{:.1}" width="{bar:.1}" height="{:.1}" fill="{OTHER}"><title>{}: {}</title></rect>"#,
            base - th,
            th - hh,
            y.year,
            if by_value {
                format!("EUR {}", thousands(y.value_eur))
            } else {
                format!("{} purchases", y.purchases)
            }
        );
        if hh > 0.0 {
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{:.1}" width="{bar:.1}" height="{hh:.1}" fill="{RISK}"/>"#,
                base - hh
            );
        }
        let share = if total(y) > 0.0 {
            high(y) / total(y)
        } else {
            0.0
        };
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" class="val">{}</text><text x="{:.1}" y="{}" text-anchor="middle" class="lbl">{}</text>"#,
            x + bar / 2.0,
            base - th - 6.0,
            pct(share),
            x + bar / 2.0,
            base + 16.0,
            esc(&y.year)
        );
    }
    legend(
        &mut s,
        40,
        212,
        &[
            (
                RISK,
                if by_value {
                    "value from designated suppliers"
                } else {
                    "purchases from designated suppliers"
                },
            ),
            (OTHER, "others"),
        ],
    );
    s.push_str("</svg>");
    s
}

/// The ownership path of a finding: the record, the party, and each step
/// up to the ultimate controller, designated entities outlined in red.
pub(crate) fn path(f: &Finding) -> String {
    let mut nodes: Vec<(String, String, bool)> = Vec::new();
    let designated =
        |id: Option<&str>| id.is_some_and(|id| f.party.designations.iter().any(|d| d.entity == id));
    nodes.push((truncate(&f.subject, 22), f.kind.to_owned(), false));
    nodes.push((
        truncate(&f.party.name, 22),
        f.party.basis.first().cloned().unwrap_or_default(),
        designated(f.party.entity.as_deref()),
    ));
    for st in &f.party.path {
        let via = match &st.share {
            Some(sh) => format!("{} {sh}", st.basis),
            None => st.basis.clone(),
        };
        nodes.push((truncate(&st.name, 22), via, designated(Some(&st.entity))));
    }
    let bw = 150.0;
    let gap = 34.0;
    let w = nodes.len() as f64 * (bw + gap);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="path" viewBox="0 0 {w:.0} 66" width="{w:.0}" height="66" role="img" aria-label="Path of {}" xmlns="http://www.w3.org/2000/svg">"#,
        esc(&f.id)
    );
    for (i, (name, via, risky)) in nodes.iter().enumerate() {
        let x = i as f64 * (bw + gap) + 2.0;
        let (stroke, fill) = if *risky {
            (RISK, "#fdecea")
        } else if i == 0 {
            ("#868e96", "#f1f3f5")
        } else {
            ("#4e79a7", "#eef3f8")
        };
        let _ = write!(
            s,
            r#"<rect x="{x:.1}" y="8" width="{bw}" height="40" rx="6" fill="{fill}" stroke="{stroke}" stroke-width="{}"/><text x="{:.1}" y="32" text-anchor="middle" class="node">{}</text>"#,
            if *risky { 2.5 } else { 1.2 },
            x + bw / 2.0,
            esc(name)
        );
        if i > 0 {
            let x0 = x - gap + 2.0;
            let _ = write!(
                s,
                r##"<line x1="{x0:.1}" y1="28" x2="{:.1}" y2="28" stroke="#555" stroke-width="1.2" marker-end="url(#arrow)"/><text x="{:.1}" y="62" text-anchor="middle" class="via">{}</text>"##,
                x - 4.0,
                x - gap / 2.0,
                esc(&truncate(via, 24))
            );
        }
    }
    s.push_str(r##"<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>"##);
    s.push_str("</svg>");
    s
}

/// The label of a bar chart's row, right-aligned before the bars that
/// start at `left`, for the row whose top is `y`.
fn row_label(s: &mut String, left: usize, y: usize, label: &str) {
    let _ = write!(
        s,
        r#"<text x="{}" y="{}" text-anchor="end" class="lbl">{}</text>"#,
        left - 8,
        y + 15,
        esc(&truncate(label, 28))
    );
}

/// At most `n` characters, with an ellipsis when cut.
fn truncate(text: &str, n: usize) -> String {
    let n = n.max(4);
    if text.chars().count() <= n {
        text.to_owned()
    } else {
        let mut t: String = text.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}
