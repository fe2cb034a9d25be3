//! Imports the US Consolidated Screening List (CSL), the US trade
//! administration's merge of the export-screening lists of the Departments
//! of Commerce, State and the Treasury.
//!
//! Both published formats are read:
//!
//! - CSV (`consolidated.csv`): one row per listing, with a header naming
//!   the columns (`_id, source, entity_number, type, programs, name, ...,
//!   alt_names, ...`). Multi-valued cells (`programs`, `alt_names`,
//!   `addresses`) separate their values with `;`; each address ends with
//!   its country code.
//! - JSON (`consolidated.json` or an API answer): an object whose
//!   `results` array holds one object per listing, or a bare array, or one
//!   object a line. `programs` and `alt_names` are arrays of strings and
//!   `addresses` an array of objects with a `country`.
//!
//! Mapping:
//!
//! - A row of type `Entity` (or no type) is a company, `Individual` a
//!   person; vessels and aircraft are counted and skipped. Rows with the
//!   same name and kind are one entity with several designations (the CSL
//!   repeats an entity once per list).
//! - `name` is the legal name, every `alt_names` value an alias (a name in
//!   Chinese characters alone is of kind `chinese`). The country is the
//!   country of the first address that names one.
//! - `source` names the list, written "Name (CODE) - Authority" ("Entity
//!   List (EL) - Bureau of Industry and Security"). Each distinct source
//!   becomes one list of the United States with that authority; its kind
//!   follows the authority and name: the Commerce lists and the State
//!   Department's ITAR debarments are export control, the Treasury's
//!   Chinese military-industrial complex list an investment ban, and the
//!   rest sanctions.
//! - Each row is a designation on that list, from `start_date` to
//!   `end_date`, with the Federal Register notice (or the entity number)
//!   as its reference, the `programs` as its programme, and the licence
//!   requirement and policy and the remarks in its note.
//!
//! Every fact cites one source naming the file, its SHA-256 and the import
//! date; every note names the line it came from. A row or record that
//! cannot be read becomes a diagnostic with file, line and column, and the
//! rest of the file is imported; a header without the `name` or `source`
//! column stops the import with one error naming the columns expected.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use derisk_core::{
    CountryCode, Coverage, Designation, Entity, EntityKind, List, ListId, ListKind, NameKind,
    PartialDate, SourceId, Verification,
};
use serde::Deserialize;

use crate::diagnostic::Severity;
use crate::import::{
    Import, WholeFile, append_note, csv_header, diag, entity_id, file_source, next_csv_row,
    plain_name, push_name, read_whole, short_label, slugify, spaced,
};
use crate::jsonscan::{LineCounter, line_col, records, without_position};

/// The format of a CSL file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CslFormat {
    /// `consolidated.csv`.
    Csv,
    /// `consolidated.json`, an array of records, or JSON lines.
    Json,
}

impl CslFormat {
    /// The format a file name suggests: `.json` and `.jsonl` are JSON,
    /// everything else CSV.
    pub fn from_path(path: &str) -> CslFormat {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".json") || lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
            CslFormat::Json
        } else {
            CslFormat::Csv
        }
    }
}

/// The columns the importer reads; others are counted as ignored.
const COLUMNS: &[&str] = &[
    "_id",
    "id",
    "source",
    "entity_number",
    "type",
    "programs",
    "name",
    "addresses",
    "federal_register_notice",
    "start_date",
    "end_date",
    "license_requirement",
    "license_policy",
    "remarks",
    "source_list_url",
    "alt_names",
    "source_information_url",
];

/// Columns the CSL publishes that say nothing the registry keeps (vessel
/// details, personal data of individuals); they are not reported.
const UNUSED_COLUMNS: &[&str] = &[
    "title",
    "standard_order",
    "call_sign",
    "vessel_type",
    "gross_tonnage",
    "gross_registered_tonnage",
    "vessel_flag",
    "vessel_owner",
    "citizenships",
    "dates_of_birth",
    "nationalities",
    "places_of_birth",
    "ids",
];

/// One listing, from either format.
#[derive(Default)]
struct Row {
    line: u64,
    column: usize,
    id: String,
    source: String,
    entity_number: String,
    kind: String,
    programs: Vec<String>,
    name: String,
    countries: Vec<String>,
    federal_register_notice: String,
    start_date: String,
    end_date: String,
    license_requirement: String,
    license_policy: String,
    remarks: String,
    source_list_url: String,
    alt_names: Vec<String>,
}

/// Reads the CSL from `reader`. `file` names the input in diagnostics and
/// provenance; `today` is the import date.
pub fn import_csl(
    reader: impl Read,
    file: &str,
    format: CslFormat,
    today: PartialDate,
) -> std::io::Result<Import> {
    let WholeFile {
        bytes,
        sha256,
        lines,
    } = read_whole(reader)?;
    let mut imp = Import::default();
    let rows = match format {
        CslFormat::Csv => csv_rows(&bytes, file, &mut imp),
        CslFormat::Json => json_rows(&bytes, file, &mut imp),
    };
    imp.stats.lines = lines;
    let source_id = crate::import::file_source_id("csl", file);
    let mut builder = Builder {
        file,
        source: source_id.clone(),
        used: HashSet::new(),
        by_name: HashMap::new(),
        lists: HashMap::new(),
        authorities: HashMap::new(),
        imp,
    };
    for row in rows {
        builder.add(row);
    }
    let mut imp = builder.imp;
    imp.diagnostics.sort_by_key(|d| (d.line, d.column));
    imp.source = Some(file_source(
        source_id,
        file,
        format!("US Consolidated Screening List ({file})"),
        "International Trade Administration, US Department of Commerce",
        today,
        imp.stats.lines,
        &sha256,
    ));
    Ok(imp)
}

fn csv_rows(bytes: &[u8], file: &str, imp: &mut Import) -> Vec<Row> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let Some((header, names)) = csv_header(&mut rdr, file, imp) else {
        return Vec::new();
    };
    let col = |n: &str| names.iter().position(|h| h == n);
    let (Some(name_col), Some(source_col)) = (col("name"), col("source")) else {
        imp.diagnostics.push(diag(
            file,
            1,
            1,
            "header",
            format!(
                "expected the CSL header with at least the columns `name` and `source` \
                 (and usually _id, entity_number, type, programs, addresses, start_date, \
                 end_date, alt_names, ...); found {}; nothing imported",
                names.join(", ")
            ),
        ));
        return Vec::new();
    };
    for (i, n) in names.iter().enumerate() {
        if !COLUMNS.contains(&n.as_str()) && !UNUSED_COLUMNS.contains(&n.as_str()) {
            let mut d = diag(
                file,
                1,
                column_of(&header, i),
                n,
                format!("column `{n}` is not a CSL column; ignored"),
            );
            d.severity = Severity::Warning;
            imp.diagnostics.push(d);
            *imp.stats
                .ignored_properties
                .entry(format!("column {n}"))
                .or_default() += 1;
        }
    }
    let mut rows = Vec::new();
    let mut record = csv::ByteRecord::new();
    while let Some(line) = next_csv_row(&mut rdr, &mut record, file, imp) {
        let mut bad = None;
        let cell = |i: Option<usize>, bad: &mut Option<usize>| -> String {
            let Some(b) = i.and_then(|i| record.get(i)) else {
                return String::new();
            };
            match std::str::from_utf8(b) {
                Ok(s) => s.trim().to_owned(),
                Err(_) => {
                    *bad = i;
                    String::from_utf8_lossy(b).trim().to_owned()
                }
            }
        };
        let list = |text: String| -> Vec<String> {
            text.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let row = Row {
            line,
            column: 1,
            id: {
                let a = cell(col("_id"), &mut bad);
                if a.is_empty() {
                    cell(col("id"), &mut bad)
                } else {
                    a
                }
            },
            source: cell(Some(source_col), &mut bad),
            entity_number: cell(col("entity_number"), &mut bad),
            kind: cell(col("type"), &mut bad),
            programs: list(cell(col("programs"), &mut bad)),
            name: cell(Some(name_col), &mut bad),
            countries: list(cell(col("addresses"), &mut bad))
                .iter()
                .filter_map(|a| a.rsplit(',').next().map(|c| c.trim().to_owned()))
                .collect(),
            federal_register_notice: cell(col("federal_register_notice"), &mut bad),
            start_date: cell(col("start_date"), &mut bad),
            end_date: cell(col("end_date"), &mut bad),
            license_requirement: cell(col("license_requirement"), &mut bad),
            license_policy: cell(col("license_policy"), &mut bad),
            remarks: cell(col("remarks"), &mut bad),
            source_list_url: cell(col("source_list_url"), &mut bad),
            alt_names: list(cell(col("alt_names"), &mut bad)),
        };
        if let Some(i) = bad {
            let mut d = diag(
                file,
                line,
                1,
                &names[i],
                "not UTF-8; read with replacement characters".into(),
            );
            d.severity = Severity::Warning;
            imp.diagnostics.push(d);
        }
        rows.push(row);
    }
    rows
}

/// The 1-based byte column where header field `i` starts.
fn column_of(header: &csv::ByteRecord, i: usize) -> usize {
    header.iter().take(i).map(|f| f.len() + 1).sum::<usize>() + 1
}

/// A CSL record as the JSON files write it. Strings may be null; lists may
/// be missing.
#[derive(Deserialize)]
struct JsonRow {
    #[serde(default, alias = "_id")]
    id: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    entity_number: Option<serde_json::Value>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    programs: Option<StringOrList>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    addresses: Option<Vec<JsonAddress>>,
    #[serde(default)]
    federal_register_notice: Option<String>,
    #[serde(default)]
    start_date: Option<String>,
    #[serde(default)]
    end_date: Option<String>,
    #[serde(default)]
    license_requirement: Option<String>,
    #[serde(default)]
    license_policy: Option<String>,
    #[serde(default)]
    remarks: Option<String>,
    #[serde(default)]
    source_list_url: Option<String>,
    #[serde(default)]
    alt_names: Option<StringOrList>,
    #[serde(flatten)]
    rest: HashMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum StringOrList {
    One(String),
    Many(Vec<Option<String>>),
}

impl StringOrList {
    fn values(self) -> Vec<String> {
        match self {
            StringOrList::One(s) => s
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            StringOrList::Many(v) => v
                .into_iter()
                .flatten()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
        }
    }
}

#[derive(Deserialize)]
struct JsonAddress {
    #[serde(default)]
    country: Option<String>,
}

fn json_rows(bytes: &[u8], file: &str, imp: &mut Import) -> Vec<Row> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let (line, column) = line_col(bytes, e.valid_up_to());
            imp.diagnostics.push(diag(
                file,
                line,
                column,
                "",
                "not UTF-8; a CSL JSON file is UTF-8; nothing imported".into(),
            ));
            return Vec::new();
        }
    };
    let (elements, problem) = records(text);
    if let Some((at, what)) = problem {
        let (line, column) = line_col(bytes, at);
        imp.diagnostics.push(diag(file, line, column, "", what));
    }
    let mut rows = Vec::new();
    let mut lines = LineCounter::new(bytes);
    for (at, raw) in elements {
        let (line, column) = lines.at(at);
        let parsed: JsonRow = match serde_json::from_str(raw) {
            Ok(r) => r,
            Err(e) => {
                let (l, c) = if e.line() <= 1 {
                    (line, column + e.column().saturating_sub(1))
                } else {
                    (line + e.line() as u64 - 1, e.column())
                };
                imp.diagnostics.push(diag(
                    file,
                    l,
                    c,
                    "",
                    format!("not a CSL record: {}; record skipped", without_position(&e)),
                ));
                continue;
            }
        };
        for key in parsed.rest.keys() {
            if !UNUSED_COLUMNS.contains(&key.as_str()) {
                *imp.stats
                    .ignored_properties
                    .entry(format!("field {key}"))
                    .or_default() += 1;
            }
        }
        let s = |v: Option<String>| v.map(|s| s.trim().to_owned()).unwrap_or_default();
        rows.push(Row {
            line,
            column,
            id: s(parsed.id),
            source: s(parsed.source),
            entity_number: match parsed.entity_number {
                Some(serde_json::Value::String(s)) => s,
                Some(serde_json::Value::Number(n)) => n.to_string(),
                _ => String::new(),
            },
            kind: s(parsed.kind),
            programs: parsed
                .programs
                .map(StringOrList::values)
                .unwrap_or_default(),
            name: s(parsed.name),
            countries: parsed
                .addresses
                .unwrap_or_default()
                .into_iter()
                .filter_map(|a| a.country)
                .collect(),
            federal_register_notice: s(parsed.federal_register_notice),
            start_date: s(parsed.start_date),
            end_date: s(parsed.end_date),
            license_requirement: s(parsed.license_requirement),
            license_policy: s(parsed.license_policy),
            remarks: s(parsed.remarks),
            source_list_url: s(parsed.source_list_url),
            alt_names: parsed
                .alt_names
                .map(StringOrList::values)
                .unwrap_or_default(),
        });
    }
    rows
}

struct Builder<'a> {
    file: &'a str,
    source: SourceId,
    used: HashSet<String>,
    /// Entity index by kind and folded name, so a listing repeated on
    /// several lists is one entity.
    by_name: HashMap<(bool, String), usize>,
    /// List index by CSL source text.
    lists: HashMap<String, usize>,
    /// Authority entity index by name.
    authorities: HashMap<String, usize>,
    imp: Import,
}

impl Builder<'_> {
    fn add(&mut self, row: Row) {
        let file = self.file;
        let kind = match row.kind.to_ascii_lowercase().as_str() {
            "" | "entity" | "organization" | "organisation" | "company" => EntityKind::Company,
            "individual" | "person" => EntityKind::Person,
            _ => {
                *self
                    .imp
                    .stats
                    .skipped_schemas
                    .entry(row.kind.clone())
                    .or_default() += 1;
                return;
            }
        };
        if row.name.is_empty() {
            self.imp.diagnostics.push(diag(
                file,
                row.line,
                row.column,
                "name",
                "listing without a name; skipped".into(),
            ));
            return;
        }
        if row.source.is_empty() {
            self.imp.diagnostics.push(diag(
                file,
                row.line,
                row.column,
                "source",
                format!(
                    "listing {:?} without a source list (expected e.g. \"Entity List (EL) - \
                     Bureau of Industry and Security\"); skipped",
                    row.name
                ),
            ));
            return;
        }
        let person = kind == EntityKind::Person;
        let key = (person, spaced(&row.name));
        let at = match self.by_name.get(&key) {
            Some(&at) => {
                self.imp.stats.merged_duplicates += 1;
                at
            }
            None => {
                let local = if row.id.is_empty() {
                    format!("{}-{}", row.name, row.line)
                } else {
                    row.id.clone()
                };
                let country = row
                    .countries
                    .iter()
                    .find_map(|c| CountryCode::new(&c.trim().to_ascii_uppercase()).ok());
                let mut e = Entity {
                    id: entity_id("csl", &local, &mut self.used),
                    kind,
                    caption: row.name.clone(),
                    country,
                    state: None,
                    names: Vec::new(),
                    identifiers: Vec::new(),
                    note: None,
                    sources: vec![self.source.clone()],
                    verification: Verification::Verified,
                };
                push_name(&mut e, &row.name, NameKind::Legal, &self.source);
                self.imp.entities.push(e);
                self.by_name.insert(key, self.imp.entities.len() - 1);
                self.imp.entities.len() - 1
            }
        };
        let source = self.source.clone();
        let e = &mut self.imp.entities[at];
        for alt in &row.alt_names {
            push_name(e, alt, NameKind::Alias, &source);
        }
        append_note(e, &format!("{file} line {}", row.line));
        let entity = e.id.clone();
        let list = self.list(&row.source, &row.source_list_url);
        let mut note = Vec::new();
        if !row.license_requirement.is_empty() {
            note.push(format!("licence requirement: {}", row.license_requirement));
        }
        if !row.license_policy.is_empty() {
            note.push(format!("licence policy: {}", row.license_policy));
        }
        if !row.remarks.is_empty() {
            note.push(row.remarks.clone());
        }
        note.push(format!("{file} line {}", row.line));
        let date = |t: &str, field: &str, imp: &mut Import| -> Option<PartialDate> {
            if t.is_empty() {
                return None;
            }
            let parsed = t.get(..10).unwrap_or(t).parse().ok();
            if parsed.is_none() {
                let mut d = diag(
                    file,
                    row.line,
                    row.column,
                    field,
                    format!("{t:?} is not a date (expected YYYY-MM-DD); left out"),
                );
                d.severity = Severity::Warning;
                imp.diagnostics.push(d);
            }
            parsed
        };
        let start = date(&row.start_date, "start_date", &mut self.imp);
        let end = date(&row.end_date, "end_date", &mut self.imp);
        let reference = [&row.federal_register_notice, &row.entity_number]
            .into_iter()
            .find(|s| !s.is_empty())
            .cloned();
        self.imp.designations.push(Designation {
            entity,
            list,
            start,
            end,
            reference,
            program: (!row.programs.is_empty()).then(|| row.programs.join("; ")),
            note: Some(note.join("; ")),
            sources: vec![source],
            verification: Verification::Verified,
        });
        let kind = if person { "Individual" } else { "Entity" };
        *self.imp.stats.imported.entry(kind.into()).or_default() += 1;
    }

    /// The list for a CSL source text, made on first use.
    fn list(&mut self, source_text: &str, url: &str) -> ListId {
        if let Some(&i) = self.lists.get(source_text) {
            return self.imp.lists[i].id.clone();
        }
        let (name, code, authority) = split_source(source_text);
        let authority = authority.unwrap_or("US government");
        let auth_at = match self.authorities.get(authority) {
            Some(&i) => i,
            None => {
                let id = entity_id(
                    "csl",
                    &format!("authority-{}", slugify(authority, 40)),
                    &mut self.used,
                );
                self.imp.entities.push(Entity {
                    id,
                    kind: EntityKind::Authority,
                    caption: authority.to_owned(),
                    country: CountryCode::new("US").ok(),
                    state: None,
                    names: vec![plain_name(authority, NameKind::Legal, &self.source)],
                    identifiers: Vec::new(),
                    note: None,
                    sources: vec![self.source.clone()],
                    verification: Verification::Verified,
                });
                self.authorities
                    .insert(authority.to_owned(), self.imp.entities.len() - 1);
                self.imp.entities.len() - 1
            }
        };
        let short = code.map(str::to_owned).unwrap_or_else(|| short_label(name));
        let id = ListId::new(&format!("csl-{}", slugify(&short, 40)))
            .ok()
            .filter(|id| !self.imp.lists.iter().any(|l| &l.id == id))
            .unwrap_or_else(|| {
                ListId::new(&format!("csl-l{}", self.imp.lists.len() + 1)).expect("a valid id")
            });
        let lower = source_text.to_ascii_lowercase();
        let kind = if lower.contains("military-industrial") || short == "CMIC" {
            ListKind::InvestmentBan
        } else if lower.contains("bureau of industry") || lower.contains("itar") {
            ListKind::ExportControl
        } else {
            ListKind::Sanctions
        };
        let mut note = "imported from the US Consolidated Screening List".to_owned();
        if !url.is_empty() {
            note.push_str(&format!("; list published at {url}"));
        }
        self.imp.lists.push(List {
            id: id.clone(),
            short,
            name: name.to_owned(),
            authority: self.imp.entities[auth_at].id.clone(),
            jurisdiction: CountryCode::new("US").expect("a country code"),
            kind,
            coverage: Coverage::NamedEntities,
            basis: None,
            note: Some(note),
            sources: vec![self.source.clone()],
        });
        self.lists
            .insert(source_text.to_owned(), self.imp.lists.len() - 1);
        id
    }
}

/// "Entity List (EL) - Bureau of Industry and Security" → name, code,
/// authority.
fn split_source(text: &str) -> (&str, Option<&str>, Option<&str>) {
    let (head, authority) = match text.rsplit_once(" - ") {
        Some((h, a)) => (h.trim(), Some(a.trim())),
        None => (text.trim(), None),
    };
    let code = head
        .rfind('(')
        .and_then(|open| head[open + 1..].split_once(')'))
        .map(|(code, _)| code.trim())
        .filter(|c| !c.is_empty() && c.len() <= 16);
    (head, code, authority)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_split_into_name_code_and_authority() {
        assert_eq!(
            split_source("Entity List (EL) - Bureau of Industry and Security"),
            (
                "Entity List (EL)",
                Some("EL"),
                Some("Bureau of Industry and Security")
            )
        );
        assert_eq!(
            split_source(
                "Non-SDN Chinese Military-Industrial Complex Companies List (CMIC) - Treasury Department"
            )
            .1,
            Some("CMIC")
        );
        assert_eq!(split_source("Some list"), ("Some list", None, None));
    }
}
