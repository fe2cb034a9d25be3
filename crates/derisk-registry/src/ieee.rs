//! Imports the IEEE Registration Authority's MAC address registries and
//! links their assignees to registry entities.
//!
//! Three packagings of the same public listings are read:
//!
//! - The IEEE's CSV files (`oui.csv` for MA-L, `mam.csv` for MA-M,
//!   `oui36.csv` for MA-S, `iab.csv` for IAB): a header
//!   `Registry,Assignment,Organization Name,Organization Address`, one
//!   assignment a row. Debian's `ieee-data` package ships the same files.
//! - The IEEE's text files (`oui.txt`, `mam.txt`, `oui36.txt`, `iab.txt`),
//!   also in `ieee-data`: a `(hex)` line, a `(base 16)` line with the
//!   organisation (for MA-M, MA-S and IAB the `(base 16)` line gives the
//!   range inside the 24-bit prefix, which fixes the longer prefix), then
//!   the address lines.
//! - The npm package `oui-data` (`index.json`): one object whose keys are
//!   prefixes of 6, 7 or 9 hexadecimal digits (MA-L, MA-M, MA-S) and whose
//!   values are the organisation and its address lines joined by newlines.
//!
//! Every assignment read goes into the import's directory, so that the
//! maker of any MAC address can be named. An assignment becomes a MAC
//! block of a registry entity when its assignee, folded, equals a folded
//! name of exactly one entity. Folding keeps letters and digits only, in
//! lower case, and then strips trailing legal forms, so "Co.,Ltd",
//! "Co., Ltd." and "Company Limited" agree, and so do the IEEE's glued
//! spellings ("TECHNOLOGYCO.,LTD"). The rule is equality, never
//! similarity: "Shanghai Dahua Scale Factory" folds to
//! `shanghaidahuascalefactory`, which is no name of Zhejiang Dahua
//! Technology, and is left unlinked. An assignee written exactly as one
//! entity's name links to it even when its folded form is shared; one
//! that folds to names of several entities is noted, not linked. Finding
//! look-alikes among the unlinked assignees is the screening engine's job
//! (`derisk registry ieee` runs it).

use std::collections::{HashMap, HashSet};
use std::io::Read;

use derisk_core::{
    EntityKind, MacAssignment, MacBlock, MacPrefix, MacRegistry, PartialDate, SourceId,
};

use crate::Registry;
use crate::diagnostic::Severity;
use crate::import::{
    Import, WholeFile, csv_header, diag, file_source, next_csv_row, read_whole, spaced,
};
use crate::jsonscan::{LineCounter, line_col, object_members};

/// The packaging of an IEEE registry file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IeeeFormat {
    /// `oui.csv`, `mam.csv`, `oui36.csv`, `iab.csv`.
    Csv,
    /// `oui.txt`, `mam.txt`, `oui36.txt`, `iab.txt`.
    Text,
    /// npm `oui-data`'s `index.json`.
    OuiDataJson,
}

impl IeeeFormat {
    /// The format a file name suggests: `.json` is `oui-data`, `.txt` the
    /// text listing, anything else CSV.
    pub fn from_path(path: &str) -> IeeeFormat {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".json") {
            IeeeFormat::OuiDataJson
        } else if lower.ends_with(".txt") {
            IeeeFormat::Text
        } else {
            IeeeFormat::Csv
        }
    }
}

/// Legal forms stripped from the end of a folded name, longest first so
/// that "coltd" goes before "co". Both sides of a comparison are folded
/// alike, so stripping never makes two different names equal unless they
/// differ only by legal form.
const LEGAL_TAILS: &[&str] = &[
    "incorporated",
    "corporation",
    "company",
    "limited",
    "gmbh",
    "coltd",
    "corp",
    "ltd",
    "inc",
    "llc",
    "plc",
    "co",
    "sa",
    "ag",
    "bv",
    "oy",
    "ab",
];

/// A name as assignee names are compared: letters and digits only, lower
/// case, trailing legal forms removed (never below three characters).
pub fn fold_assignee(name: &str) -> String {
    let mut s = crate::registry::fold(name);
    while let Some(tail) = LEGAL_TAILS
        .iter()
        .find(|t| s.ends_with(**t) && s.len() - t.len() >= 3)
    {
        s.truncate(s.len() - tail.len());
    }
    s
}

/// Reads one IEEE registry file and links its assignees to `registry`'s
/// entities. `file` names the input in diagnostics and provenance; a
/// file name containing "iab" marks 36-bit prefixes as IAB rather than
/// MA-S.
pub fn import_ieee(
    reader: impl Read,
    file: &str,
    format: IeeeFormat,
    today: PartialDate,
    registry: &Registry,
) -> std::io::Result<Import> {
    let WholeFile {
        bytes,
        sha256,
        lines,
    } = read_whole(reader)?;
    let mut imp = Import::default();
    let iab = file.to_ascii_lowercase().contains("iab");
    let read = match format {
        IeeeFormat::Csv => read_csv(&bytes, file, &mut imp),
        IeeeFormat::Text => read_text(&bytes, file, &mut imp),
        IeeeFormat::OuiDataJson => read_oui_data(&bytes, file, &mut imp),
    };
    imp.stats.lines = lines;
    let source = crate::import::file_source_id("ieee", file);
    let mut seen = HashSet::new();
    for (line, mut a) in read {
        if iab && a.registry == MacRegistry::MaS {
            a.registry = MacRegistry::Iab;
        }
        if !seen.insert(a.prefix.clone()) {
            let mut d = diag(
                file,
                line,
                1,
                "assignment",
                format!("prefix {} is listed twice; the first is kept", a.prefix),
            );
            d.severity = Severity::Warning;
            imp.diagnostics.push(d);
            continue;
        }
        *imp.stats
            .imported
            .entry(a.registry.as_str().to_owned())
            .or_default() += 1;
        imp.assignments.push(a);
    }
    link(&mut imp, registry, &source);
    imp.diagnostics.sort_by_key(|d| (d.line, d.column));
    imp.source = Some(file_source(
        source,
        file,
        format!("IEEE Registration Authority MAC address registry ({file})"),
        "IEEE Registration Authority",
        today,
        imp.stats.lines,
        &sha256,
    ));
    Ok(imp)
}

/// Links assignments whose assignee is a name of exactly one entity:
/// first by the name as written (case and spacing aside), then folded.
/// Assignees that fold to a name of several entities are noted, not
/// linked.
fn link(imp: &mut Import, registry: &Registry, source: &SourceId) {
    let mut exact: HashMap<String, Vec<usize>> = HashMap::new();
    let mut folded: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, e) in registry.entities().iter().enumerate() {
        if matches!(e.kind, EntityKind::Person | EntityKind::Authority) {
            continue;
        }
        for n in &e.names {
            for (map, key) in [
                (&mut exact, spaced(&n.value)),
                (&mut folded, fold_assignee(&n.value)),
            ] {
                if key.len() >= 3 {
                    let v = map.entry(key).or_default();
                    if !v.contains(&i) {
                        v.push(i);
                    }
                }
            }
        }
    }
    let mut noted: HashSet<&str> = HashSet::new();
    for a in &imp.assignments {
        let hit = match exact.get(&spaced(&a.assignee)).map(Vec::as_slice) {
            Some([i]) => Ok(*i),
            _ => match folded.get(&fold_assignee(&a.assignee)).map(Vec::as_slice) {
                Some([i]) => Ok(*i),
                Some(many) => Err(many),
                None => continue,
            },
        };
        match hit {
            Ok(i) => imp.mac_blocks.push(MacBlock {
                registry: a.registry,
                prefix: a.prefix.clone(),
                assignee: a.assignee.clone(),
                entity: registry.entities()[i].id.clone(),
                sources: vec![source.clone()],
            }),
            Err(many) => {
                if noted.insert(&a.assignee) {
                    let ids: Vec<&str> = many
                        .iter()
                        .map(|&i| registry.entities()[i].id.as_str())
                        .collect();
                    imp.stats.notes.push(format!(
                        "{:?} ({} {}) is a name of several entities ({}); not linked",
                        a.assignee,
                        a.registry,
                        a.prefix,
                        ids.join(", ")
                    ));
                }
            }
        }
    }
}

fn registry_for(digits: usize) -> Option<MacRegistry> {
    match digits {
        6 => Some(MacRegistry::MaL),
        7 => Some(MacRegistry::MaM),
        9 => Some(MacRegistry::MaS),
        _ => None,
    }
}

fn read_csv(bytes: &[u8], file: &str, imp: &mut Import) -> Vec<(u64, MacAssignment)> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let Some((_, header)) = csv_header(&mut rdr, file, imp) else {
        return Vec::new();
    };
    let col = |n: &str| header.iter().position(|h| h == n);
    let (Some(reg_col), Some(asg_col), Some(org_col)) =
        (col("registry"), col("assignment"), col("organization name"))
    else {
        imp.diagnostics.push(diag(
            file,
            1,
            1,
            "header",
            format!(
                "expected the IEEE header `Registry,Assignment,Organization Name,Organization \
                 Address`; found {}; nothing imported",
                header.join(",")
            ),
        ));
        return Vec::new();
    };
    let addr_col = col("organization address");
    let mut out = Vec::new();
    let mut record = csv::ByteRecord::new();
    while let Some(line) = next_csv_row(&mut rdr, &mut record, file, imp) {
        let get = |i: usize| {
            String::from_utf8_lossy(record.get(i).unwrap_or(b""))
                .trim()
                .to_owned()
        };
        let reg_text = get(reg_col);
        let Some(registry) = MacRegistry::parse(&reg_text) else {
            imp.diagnostics.push(diag(
                file,
                line,
                1,
                "Registry",
                format!("{reg_text:?} is not an IEEE registry (expected MA-L, MA-M, MA-S or IAB); row skipped"),
            ));
            continue;
        };
        let prefix = match MacPrefix::new(&get(asg_col), registry) {
            Ok(p) => p,
            Err(e) => {
                imp.diagnostics.push(diag(
                    file,
                    line,
                    1,
                    "Assignment",
                    format!("{e}; row skipped"),
                ));
                continue;
            }
        };
        let assignee = get(org_col);
        if assignee.is_empty() {
            imp.diagnostics.push(diag(
                file,
                line,
                1,
                "Organization Name",
                "no organisation name; row skipped".into(),
            ));
            continue;
        }
        out.push((
            line,
            MacAssignment {
                registry,
                prefix,
                assignee: assignee.to_owned(),
                address: addr_col.map(|i| get(i).to_owned()).unwrap_or_default(),
            },
        ));
    }
    out
}

fn read_text(bytes: &[u8], file: &str, imp: &mut Import) -> Vec<(u64, MacAssignment)> {
    let text = String::from_utf8_lossy(bytes);
    let mut out: Vec<(u64, MacAssignment)> = Vec::new();
    let mut current: Option<(u64, MacAssignment)> = None;
    let mut pending_hex: Option<(u64, String)> = None;
    for (n, line) in text.lines().enumerate() {
        let line_no = n as u64 + 1;
        if let Some((head, _)) = line.split_once("(hex)") {
            if let Some(done) = current.take() {
                out.push(done);
            }
            let hex: String = head.chars().filter(|c| c.is_ascii_hexdigit()).collect();
            if hex.len() == 6 {
                pending_hex = Some((line_no, hex));
            } else {
                imp.diagnostics.push(diag(
                    file,
                    line_no,
                    1,
                    "(hex)",
                    format!(
                        "expected six hexadecimal digits before (hex); found {:?}",
                        head.trim()
                    ),
                ));
            }
        } else if let Some((head, org)) = line.split_once("(base 16)") {
            let Some((hex_line, hex)) = pending_hex.take() else {
                imp.diagnostics.push(diag(
                    file,
                    line_no,
                    1,
                    "(base 16)",
                    "a (base 16) line without the (hex) line before it; skipped".into(),
                ));
                continue;
            };
            let head = head.trim();
            let digits = match head.split_once('-') {
                // MA-M, MA-S, IAB: the range inside the 24-bit prefix.
                Some((start, end)) => {
                    let common = start
                        .chars()
                        .zip(end.chars())
                        .take_while(|(a, b)| a == b)
                        .map(|(a, _)| a)
                        .collect::<String>();
                    format!("{hex}{common}")
                }
                None => hex,
            };
            let registry = match registry_for(digits.len()) {
                Some(r) => r,
                None => {
                    imp.diagnostics.push(diag(
                        file,
                        line_no,
                        1,
                        "(base 16)",
                        format!("range {head:?} gives no MA-L, MA-M or MA-S prefix; skipped"),
                    ));
                    continue;
                }
            };
            let prefix = MacPrefix::new(&digits, registry).expect("hex digits of the right length");
            let assignee = org.trim().to_owned();
            if assignee.is_empty() {
                imp.diagnostics.push(diag(
                    file,
                    line_no,
                    1,
                    "(base 16)",
                    "no organisation name; skipped".into(),
                ));
                continue;
            }
            current = Some((
                hex_line,
                MacAssignment {
                    registry,
                    prefix,
                    assignee,
                    address: String::new(),
                },
            ));
        } else if let Some((_, a)) = &mut current {
            let t = line.trim();
            if t.is_empty() {
                if let Some(done) = current.take() {
                    out.push(done);
                }
            } else {
                if !a.address.is_empty() {
                    a.address.push_str(", ");
                }
                a.address
                    .push_str(&t.split_whitespace().collect::<Vec<_>>().join(" "));
            }
        }
    }
    if let Some(done) = current.take() {
        out.push(done);
    }
    out
}

fn read_oui_data(bytes: &[u8], file: &str, imp: &mut Import) -> Vec<(u64, MacAssignment)> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        imp.diagnostics.push(diag(
            file,
            1,
            1,
            "",
            "not UTF-8; oui-data's index.json is UTF-8; nothing imported".into(),
        ));
        return Vec::new();
    };
    let start = text.len() - text.trim_start().len();
    if !text[start..].starts_with('{') {
        imp.diagnostics.push(diag(
            file,
            1,
            1,
            "",
            "expected oui-data's index.json: one object of prefixes and organisations; nothing imported"
                .into(),
        ));
        return Vec::new();
    }
    let (members, problem) = object_members(text, start);
    if let Some((at, what)) = problem {
        let (line, column) = line_col(bytes, at);
        imp.diagnostics.push(diag(file, line, column, "", what));
    }
    let mut out = Vec::new();
    let mut lines = LineCounter::new(bytes);
    for (at, key, value) in members {
        let (line, column) = lines.at(at);
        let (Ok(key), Ok(value)) = (
            serde_json::from_str::<String>(key),
            serde_json::from_str::<String>(value),
        ) else {
            imp.diagnostics.push(diag(
                file,
                line,
                column,
                "",
                "expected \"PREFIX\": \"Organisation\\naddress lines\"; entry skipped".into(),
            ));
            continue;
        };
        let prefix = registry_for(key.len())
            .and_then(|registry| MacPrefix::new(&key, registry).ok().map(|p| (registry, p)));
        let Some((registry, prefix)) = prefix else {
            imp.diagnostics.push(diag(
                file,
                line,
                column,
                &key,
                "expected a prefix of 6, 7 or 9 hexadecimal digits; entry skipped".into(),
            ));
            continue;
        };
        let mut parts = value.lines().map(str::trim).filter(|l| !l.is_empty());
        let Some(assignee) = parts.next() else {
            imp.diagnostics.push(diag(
                file,
                line,
                column,
                &key,
                "no organisation name; entry skipped".into(),
            ));
            continue;
        };
        out.push((
            line,
            MacAssignment {
                registry,
                prefix,
                assignee: assignee.to_owned(),
                address: parts.collect::<Vec<_>>().join(", "),
            },
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_agrees_on_legal_form_spellings_only() {
        let f = fold_assignee;
        assert_eq!(
            f("Hangzhou Hikvision Digital Technology Co.,Ltd."),
            f("Hangzhou Hikvision Digital Technology Co., Ltd.")
        );
        assert_eq!(
            f("ZHEJIANG DAHUA TECHNOLOGYCO.,LTD"),
            f("Zhejiang Dahua Technology Co., Ltd.")
        );
        assert_eq!(
            f("Hytera Communications Co .,ltd"),
            f("Hytera Communications Corporation Limited")
        );
        assert_eq!(f("zte corporation"), "zte");
        assert_ne!(
            f("Shanghai Dahua Scale Factory"),
            f("Zhejiang Dahua Technology Co., Ltd.")
        );
    }
}
