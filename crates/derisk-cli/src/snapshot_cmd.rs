//! `derisk registry build` and `derisk registry diff`, and reading
//! snapshots for `--snapshot`.

use std::io::Write;
use std::path::Path;

use anyhow::Context as _;
use derisk_match::{Matcher, ScoreConfig, Screener};
use derisk_registry::{ChangeKind, ControlRules, Registry, Snapshot};
use serde_json::json;

use crate::Outcome;
use crate::cli::DataFormat;
use crate::output::{json_line, stdout};

/// Reads a snapshot file's registry (not its name index).
pub(crate) fn read(file: &Path) -> anyhow::Result<Snapshot> {
    Ok(derisk_registry::read_snapshot_file(file, false)?.0)
}

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

/// Writes `registry` to `out` through a temporary file in the same
/// directory, renamed into place, so that a reader never sees half a
/// snapshot and a failed build leaves the old one.
pub(crate) fn build(registry: &Registry, out: &Path) -> anyhow::Result<Outcome> {
    let started = std::time::Instant::now();
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = out
        .file_name()
        .with_context(|| format!("{}: not a file name", out.display()))?;
    let temp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    // The screening name index goes in too, so that screening against the
    // snapshot does not build it again.
    let screener = Screener::new(registry, ScoreConfig::default());
    let (index, names) = (
        screener.matcher().to_bytes(registry.hash()),
        screener.matcher().len(),
    );
    drop(screener);
    let result = (|| -> anyhow::Result<String> {
        let f = std::fs::File::create(&temp)
            .with_context(|| format!("{}: cannot create the file", temp.display()))?;
        let mut w = std::io::BufWriter::new(f);
        let hash = derisk_registry::write_snapshot_with_index(registry, Some(&index), &mut w)?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        std::fs::rename(&temp, out)
            .with_context(|| format!("{}: cannot replace the file", out.display()))?;
        Ok(hash)
    })();
    let hash = match result {
        Ok(h) => h,
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            return Err(e);
        }
    };
    let size = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "derisk: wrote {} ({:.1} MiB, {} entities, {} designations, {} MAC blocks, {} MAC assignments; name index of {} names) in {:.2} s",
        out.display(),
        size as f64 / (1 << 20) as f64,
        registry.entities().len(),
        registry.designations().len(),
        registry.mac_blocks().len(),
        registry.mac_assignments().len(),
        names,
        started.elapsed().as_secs_f64()
    );
    let mut o = stdout();
    writeln!(o, "snapshot {hash}")?;
    writeln!(o, "registry {}", registry.hash())?;
    o.flush()?;
    Ok(Outcome::Clean)
}

/// A registry named on the command line: `shipped`, a snapshot file or a
/// directory of registry files.
fn open(path: &Path) -> anyhow::Result<Registry> {
    if path.as_os_str() == "shipped" {
        return Ok(derisk_registry::bundled().registry);
    }
    if path.is_dir() {
        let loaded = derisk_registry::load_layered(Vec::new(), &[path.to_path_buf()])?;
        let errors = loaded.error_count();
        if errors > 0 {
            eprintln!(
                "derisk: warning: {} has {}; the records at fault are left out",
                path.display(),
                crate::registry_cmd::count(errors, "error")
            );
        }
        return Ok(loaded.registry);
    }
    Ok(read(path)?.registry)
}

pub(crate) fn diff(old: &Path, new: &Path, format: DataFormat) -> anyhow::Result<Outcome> {
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
