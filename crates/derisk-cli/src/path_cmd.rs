//! `derisk registry path`: who controls an entity, by the control rules
//! ([`derisk_app::entity::path_text`] and [`derisk_app::entity::path_document`]).

use std::io::Write as _;

use derisk_app::entity::{find, path_document, path_text};
use derisk_registry::{ControlRules, Registry};

use crate::Outcome;
use crate::cli::DocFormat;
use crate::output::{json_document, stdout};

pub(crate) fn path(
    r: &Registry,
    query: &str,
    format: DocFormat,
    rules: ControlRules,
) -> anyhow::Result<Outcome> {
    let e = find(r, query)?;
    let c = r
        .control(e.id.as_str(), rules)
        .ok_or_else(|| anyhow::anyhow!("{}: not in the registry", e.id))?;
    let mut out = stdout();
    match format {
        DocFormat::Text => out.write_all(path_text(r, &c).as_bytes())?,
        DocFormat::Json => json_document(&mut out, &path_document(r, &c))?,
    }
    out.flush()?;
    Ok(Outcome::Clean)
}
