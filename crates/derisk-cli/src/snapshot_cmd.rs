//! `derisk registry build` and `derisk registry diff`, and the screener a
//! command uses (from a snapshot's name index when it fits).

use std::io::Write;
use std::path::Path;

use derisk_match::{Matcher, ScoreConfig, Screener};
use derisk_registry::{ChangeKind, ControlRules, Registry};
use serde_json::json;

use crate::Outcome;
use crate::cli::DataFormat;
use crate::output::{json_line, stdout};

/// A screener for `registry`, from `index` when it fits, else built.
pub(crate) fn screener(
    registry: &Registry,
    index: Option<Matcher>,
    config: ScoreConfig,
    rules: ControlRules,
) -> Screener<'_> {
    let (screener, why) = derisk_app::registry::screener(registry, index, config, rules);
    if let Some(why) = why {
        eprintln!("derisk: warning: {why}");
    }
    screener
}

/// `derisk registry build`: the snapshot written, and what it holds.
pub(crate) fn build(registry: &Registry, out: &Path) -> anyhow::Result<Outcome> {
    let built = derisk_app::registry::build_snapshot(registry, out)?;
    let size = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "derisk: wrote {} ({:.1} MiB, {} entities, {} designations, {} MAC blocks, {} MAC assignments; name index of {} names) in {:.2} s",
        out.display(),
        size as f64 / (1 << 20) as f64,
        registry.entities().len(),
        registry.designations().len(),
        registry.mac_blocks().len(),
        registry.mac_assignments().len(),
        built.names,
        built.seconds
    );
    let mut o = stdout();
    writeln!(o, "snapshot {}", built.hash)?;
    writeln!(o, "registry {}", registry.hash())?;
    o.flush()?;
    Ok(Outcome::Clean)
}

pub(crate) fn diff(old: &Path, new: &Path, format: DataFormat) -> anyhow::Result<Outcome> {
    let open = |p: &Path| derisk_app::registry::open_named(p, &mut crate::say);
    let (a, b) = (open(old)?, open(new)?);
    let changes = derisk_registry::diff(&a, &b);
    let mut out = stdout();
    for c in &changes {
        match format {
            DataFormat::Text => {
                write!(out, "{} {:<11} {}", c.change.sign(), c.fact, c.what)?;
                if let Some(d) = &c.detail {
                    write!(out, ": {d}")?;
                }
                writeln!(out)?;
            }
            DataFormat::Jsonl => json_line(
                &mut out,
                &json!({"change": c.change.as_str(), "fact": c.fact, "entity": c.entity,
                    "what": c.what, "detail": c.detail}),
            )?,
        }
    }
    out.flush()?;
    let n = |k: ChangeKind| changes.iter().filter(|c| c.change == k).count();
    eprintln!(
        "derisk: {} → {}: {} added, {} removed, {} changed (registry {} → {})",
        old.display(),
        new.display(),
        n(ChangeKind::Added),
        n(ChangeKind::Removed),
        n(ChangeKind::Changed),
        a.short_hash(),
        b.short_hash()
    );
    Ok(if changes.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}
