//! `derisk registry mac` (who made the device with this MAC address) and
//! `derisk registry ieee` (read IEEE registry files: links, look-alikes,
//! and the TOML extract the shipped registry bundles), over
//! [`derisk_app::mac`].

use std::io::{BufRead, Write};

use anyhow::Context as _;
use derisk_registry::Registry;
use serde_json::json;

use crate::Outcome;
use crate::cli::{DataFormat, IeeeOutput};
use crate::output::{json_line, stdout};

/// Names the maker of each MAC address. A finding (exit 1) is an address
/// whose block belongs to a registry entity.
pub(crate) fn mac(
    registry: &Registry,
    macs: &[String],
    format: DataFormat,
) -> anyhow::Result<Outcome> {
    let mut list: Vec<String> = macs.to_vec();
    if list.is_empty() || list == ["-"] {
        list.clear();
        for line in std::io::stdin().lock().lines() {
            let line = line.context("reading MAC addresses from standard input")?;
            let t = line.trim();
            if !t.is_empty() && !t.starts_with('#') {
                list.push(t.to_owned());
            }
        }
    }
    let mut out = stdout();
    let mut found = false;
    let mut invalid = 0;
    for m in &list {
        let d = derisk_app::mac::describe(registry, m);
        found |= d.verdict == "registry";
        invalid += usize::from(d.verdict == "invalid");
        match format {
            DataFormat::Text => writeln!(out, "{m}  {}  {}", d.verdict, d.text)?,
            DataFormat::Jsonl => {
                let mut v = json!({"mac": m, "verdict": d.verdict});
                if let (Some(o), Some(extra)) = (v.as_object_mut(), d.fields.as_object()) {
                    o.extend(extra.clone());
                }
                json_line(&mut out, &v)?;
            }
        }
    }
    out.flush()?;
    if invalid > 0 {
        eprintln!(
            "derisk: {invalid} of {} inputs are not MAC addresses",
            list.len()
        );
    }
    Ok(if found {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// Reads IEEE registry files against the registry: how many assignments
/// link to which entities, which unlinked assignees look like registry
/// entities (screened by name), or the linked blocks as registry TOML.
pub(crate) fn ieee(
    registry: &Registry,
    files: &[String],
    output: IeeeOutput,
    source_id: &str,
) -> anyhow::Result<Outcome> {
    let ieee = derisk_app::mac::read_ieee(registry, files, &mut crate::say)?;
    let mut out = stdout();
    match output {
        IeeeOutput::Toml => out.write_all(ieee.toml(files, source_id).as_bytes())?,
        IeeeOutput::Report => {
            writeln!(out, "Linked blocks by entity:")?;
            for (e, n) in &ieee.per_entity() {
                writeln!(out, "  {e:<28} {n}")?;
            }
            for n in &ieee.notes {
                writeln!(out, "note: {n}")?;
            }
            let lookalikes = ieee.lookalikes(registry);
            writeln!(
                out,
                "Unlinked assignees that resemble registry entities ({}; link one by adding its exact name to the entity in an overlay):",
                lookalikes.len()
            )?;
            for (score, name, n, entity) in lookalikes {
                writeln!(out, "  {score:.2}  {name:?} ({n} blocks) ~ {entity}")?;
            }
        }
    }
    out.flush()?;
    Ok(Outcome::Clean)
}
