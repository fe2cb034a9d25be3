//! What every importer shares: the result of one imported file, and the
//! helpers that give imported facts their ids, names and diagnostics.

use std::collections::{BTreeMap, HashSet};

use derisk_core::{
    Designation, Entity, EntityId, List, MacAssignment, MacBlock, Name, NameKind, Relation, Source,
    SourceId, Verification,
};
use sha2::{Digest, Sha256};

use crate::diagnostic::{Diagnostic, Severity};

/// One imported file: the facts, counts and problems.
#[derive(Debug, Default)]
pub struct Import {
    /// The source every fact cites.
    pub source: Option<Source>,
    /// Entities, including the authorities of imported lists.
    pub entities: Vec<Entity>,
    /// Ownership and directorship links.
    pub relations: Vec<Relation>,
    /// One list per authority and programme.
    pub lists: Vec<List>,
    /// Sanctions.
    pub designations: Vec<Designation>,
    /// MAC blocks whose assignee is a registry entity.
    pub mac_blocks: Vec<MacBlock>,
    /// Every MAC assignment read, linked or not, for naming the maker of
    /// any address.
    pub assignments: Vec<MacAssignment>,
    /// What was read.
    pub stats: ImportStats,
    /// Lines that could not be imported, and links that lead nowhere.
    pub diagnostics: Vec<Diagnostic>,
}

/// Counts of an import.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportStats {
    /// Lines read, blank ones included.
    pub lines: u64,
    /// Records imported, by schema.
    pub imported: BTreeMap<String, u64>,
    /// Records skipped because their schema is not mapped, by schema.
    pub skipped_schemas: BTreeMap<String, u64>,
    /// Properties not read, as `Schema.property`, with how often they
    /// occurred.
    pub ignored_properties: BTreeMap<String, u64>,
    /// Records with the id of an earlier one, merged into it.
    pub merged_duplicates: u64,
    /// Things a curator should look at that are not errors in the file
    /// (an IEEE assignee that shares a distinctive word with a registry
    /// entity but was not linked to it).
    pub notes: Vec<String>,
}

pub(crate) fn diag(
    file: &str,
    line: u64,
    column: usize,
    field: &str,
    message: String,
) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        file: file.to_owned(),
        line: line as usize,
        column: column.max(1),
        field: field.to_owned(),
        message,
    }
}

pub(crate) fn plain_name(value: &str, kind: NameKind, source: &SourceId) -> Name {
    Name {
        value: value.to_owned(),
        kind,
        lang: None,
        start: None,
        end: None,
        sources: vec![source.clone()],
        verification: Verification::Verified,
    }
}

pub(crate) fn append_note(e: &mut Entity, text: &str) {
    match &mut e.note {
        Some(n) => {
            n.push_str("; ");
            n.push_str(text);
        }
        None => e.note = Some(text.to_owned()),
    }
}

/// A registry id for an id in an imported file: the dataset slug and the id
/// folded to lower-case letters, digits and single hyphens; a hash suffix
/// when that is too long or already taken.
pub(crate) fn entity_id(slug: &str, ftm_id: &str, used: &mut HashSet<String>) -> EntityId {
    let folded = slugify(ftm_id, 64);
    let mut candidate = format!("{slug}-{folded}");
    if candidate.len() > 64 || folded.is_empty() || used.contains(&candidate) {
        let digest = Sha256::digest(ftm_id.as_bytes());
        let short = hex(&digest[..6]);
        let keep = 64 - slug.len() - short.len() - 2;
        let head: String = folded.chars().take(keep).collect();
        let head = head.trim_end_matches('-');
        candidate = if head.is_empty() {
            format!("{slug}-{short}")
        } else {
            format!("{slug}-{head}-{short}")
        };
    }
    used.insert(candidate.clone());
    EntityId::new(&candidate).expect("built from the id alphabet")
}

/// Lower-case ASCII letters and digits, other runs as one hyphen, at most
/// `max` bytes.
pub(crate) fn slugify(text: &str, max: usize) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            if out.len() >= max {
                break;
            }
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') || out.len() > max {
        out.pop();
    }
    out
}

/// A short label: the capitals and digits of a programme name ("SDN",
/// "CMIC"), or its first word.
pub(crate) fn short_label(text: &str) -> String {
    let t = text.trim();
    if t.len() <= 12 {
        return t.to_owned();
    }
    let caps: String = t
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        .collect();
    if caps.len() >= 2 {
        caps
    } else {
        t.chars().take(12).collect()
    }
}

/// Lower-case hexadecimal of a digest.
pub(crate) fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The source every fact of an imported file cites: the file by its path,
/// with the import date, the number of lines and the file's SHA-256 in the
/// note.
pub(crate) fn file_source(
    id: SourceId,
    file: &str,
    title: String,
    publisher: &str,
    today: derisk_core::PartialDate,
    lines: u64,
    sha256: &[u8],
) -> Source {
    let path = std::fs::canonicalize(file)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| file.to_owned());
    Source {
        id,
        url: format!("file://{path}"),
        title,
        publisher: publisher.to_owned(),
        published: None,
        note: Some(format!(
            "Imported {today} from {file}, {lines} lines, SHA-256 {}.",
            hex(sha256)
        )),
        standing: None,
    }
}

/// Adds `value` to the names of `e` unless it is empty or already there. A
/// name written in Chinese characters alone is of kind `chinese`.
pub(crate) fn push_name(e: &mut Entity, value: &str, kind: NameKind, src: &SourceId) {
    let v = value.trim();
    if v.is_empty() || e.names.iter().any(|n| n.value == v) {
        return;
    }
    let mut n = plain_name(v, kind, src);
    if n.script() == derisk_core::Script::Han {
        n.kind = NameKind::Chinese;
    }
    e.names.push(n);
}

/// The id of the source of an imported file: `prefix` and the file's name
/// ("ieee-oui-csv"), so that two files of one kind can be imported
/// together.
pub(crate) fn file_source_id(prefix: &str, file: &str) -> SourceId {
    let name = std::path::Path::new(file)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let slug = slugify(&name, 48);
    SourceId::new(&format!("{prefix}-{slug}"))
        .or_else(|_| SourceId::new(prefix))
        .expect("a slug is an id")
}

/// The header of a CSV file, raw and folded (BOM and spaces trimmed, lower
/// case); an unreadable header is a diagnostic and `None`.
pub(crate) fn csv_header(
    rdr: &mut csv::Reader<&[u8]>,
    file: &str,
    imp: &mut Import,
) -> Option<(csv::ByteRecord, Vec<String>)> {
    match rdr.byte_headers() {
        Ok(h) => {
            let names = h
                .iter()
                .map(|f| {
                    String::from_utf8_lossy(f)
                        .trim_start_matches('\u{feff}')
                        .trim()
                        .to_ascii_lowercase()
                })
                .collect();
            Some((h.clone(), names))
        }
        Err(e) => {
            imp.diagnostics
                .push(diag(file, 1, 1, "", format!("unreadable CSV header: {e}")));
            None
        }
    }
}

/// Reads the next CSV row into `record` and returns its line; rows that
/// cannot be read are reported and skipped; `None` at the end.
pub(crate) fn next_csv_row(
    rdr: &mut csv::Reader<&[u8]>,
    record: &mut csv::ByteRecord,
    file: &str,
    imp: &mut Import,
) -> Option<u64> {
    loop {
        let line = rdr.position().line();
        match rdr.read_byte_record(record) {
            Ok(false) => return None,
            Ok(true) => return Some(record.position().map_or(line, |p| p.line())),
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line());
                imp.diagnostics
                    .push(diag(file, line, 1, "", format!("{e}; row skipped")));
            }
        }
    }
}

/// A whole input file with what its source records about it.
pub(crate) struct WholeFile {
    pub bytes: Vec<u8>,
    pub sha256: [u8; 32],
    /// Lines, a last line without a newline included.
    pub lines: u64,
}

/// Reads all of `reader`, hashing and counting lines (importers whose
/// formats need the whole file: CSV with quoted newlines, one JSON
/// document).
pub(crate) fn read_whole(mut reader: impl std::io::Read) -> std::io::Result<WholeFile> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes)?;
    let sha256 = Sha256::digest(&bytes).into();
    let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64
        + u64::from(!bytes.is_empty() && !bytes.ends_with(b"\n"));
    Ok(WholeFile {
        bytes,
        sha256,
        lines,
    })
}

/// Lower case, runs of white space as one space: how two spellings of one
/// name are told apart only by case and spacing.
pub(crate) fn spaced(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}
