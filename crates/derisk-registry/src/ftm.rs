//! Imports FollowTheMoney entities (one JSON object a line, the format
//! OpenSanctions and Aleph publish) as registry facts.
//!
//! Mapping, by schema:
//!
//! - `Company`, `Organization`, `LegalEntity`, `PublicBody`, `Person`:
//!   entities. `name` gives the caption and legal names, `alias`,
//!   `weakAlias` and `abbreviation` more names, `previousName` former
//!   names; `country`, `jurisdiction` or `mainCountry` the country;
//!   `leiCode`, `vatCode`, `dunsCode`, `website` and (for Chinese
//!   companies) an 18-character `registrationNumber` the identifiers;
//!   `addressEntity` and `address` the address, kept in the note.
//! - `Ownership`: `asset owned-by owner`, with `percentage` as the share.
//! - `Directorship`: `director affiliated-with organization`, the role in
//!   the note (reported, never followed as control).
//! - `Sanction`: a designation of `entity` on a list per authority and
//!   programme, in force from `listingDate` or `startDate` to `endDate`.
//! - `Address`: the full text of an address that entities point to.
//!
//! Other schemas are counted and skipped; properties this mapping does not
//! read are counted per schema. Every fact cites one source that names the
//! dataset, the file, its SHA-256 and the import date; the note of every
//! entity, relation and designation names the line it came from.
//!
//! Bad lines (not JSON, no `id` or `schema`, a link to an entity that is
//! not in the file) become diagnostics with file, line and column; the
//! rest of the file is imported.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::BufRead;

use derisk_core::{
    CountryCode, Coverage, Designation, Entity, EntityId, EntityKind, Identifier, IdentifierScheme,
    List, ListId, ListKind, NameKind, PartialDate, Relation, RelationKind, Share, SourceId,
    Verification,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::import::{
    Import, append_note, diag, entity_id, file_source, plain_name, push_name, short_label, slugify,
};

/// A line as FollowTheMoney writes it; property values are strings.
#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    schema: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    properties: HashMap<Cow<'a, str>, Vec<Cow<'a, str>>>,
}

/// An edge or sanction waiting for the entities it links.
struct Pending {
    line: u64,
    schema: &'static str,
    props: HashMap<String, Vec<String>>,
}

/// Reads FollowTheMoney JSON lines from `reader`. `file` names the input in
/// diagnostics and provenance; `dataset` names the dataset (ids of imported
/// entities start with its slug); `today` is the import date.
pub fn import_ftm(
    reader: impl BufRead,
    file: &str,
    dataset: &str,
    today: PartialDate,
) -> std::io::Result<Import> {
    let mut imp = Import::default();
    let slug = slugify(dataset, 24);
    let slug = if slug.is_empty() {
        "ftm".to_owned()
    } else {
        slug
    };
    let source_id =
        SourceId::new(&format!("{slug}-import")).expect("a slug with a suffix is an id");
    let mut hasher = Sha256::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut used_ids: HashSet<String> = HashSet::new();
    let mut pending: Vec<Pending> = Vec::new();
    let mut addresses: HashMap<String, String> = HashMap::new();
    let mut address_refs: Vec<(usize, String)> = Vec::new();
    let mut buf = Vec::new();
    let mut reader = reader;
    let mut line_no = 0u64;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        hasher.update(&buf);
        line_no += 1;
        let text = match std::str::from_utf8(&buf) {
            Ok(t) => t.trim(),
            Err(e) => {
                imp.diagnostics.push(diag(
                    file,
                    line_no,
                    e.valid_up_to() + 1,
                    "",
                    format!("byte {} is not UTF-8; line skipped", e.valid_up_to() + 1),
                ));
                continue;
            }
        };
        if text.is_empty() {
            continue;
        }
        let parsed: Line<'_> = match serde_json::from_str(text) {
            Ok(l) => l,
            Err(e) => {
                let what = if e.is_eof() {
                    "the line ends inside a JSON value (truncated?)".to_owned()
                } else {
                    e.to_string()
                };
                imp.diagnostics.push(diag(
                    file,
                    line_no,
                    e.column(),
                    "",
                    format!("not a FollowTheMoney entity: {what}; line skipped"),
                ));
                continue;
            }
        };
        let (Some(id), Some(schema)) = (parsed.id, parsed.schema) else {
            imp.diagnostics.push(diag(
                file,
                line_no,
                1,
                "id",
                "expected an object with \"id\" and \"schema\"; line skipped".into(),
            ));
            continue;
        };
        let props = parsed.properties;
        let Some(schema) = known_schema(&schema) else {
            *imp.stats
                .skipped_schemas
                .entry(schema.into_owned())
                .or_default() += 1;
            continue;
        };
        for key in props.keys() {
            if !reads(schema, key) {
                *imp.stats
                    .ignored_properties
                    .entry(format!("{schema}.{key}"))
                    .or_default() += 1;
            }
        }
        let get = |k: &str| values(&props, k);
        match schema {
            "Address" => {
                let full = get("full").first().map(|s| s.to_string()).or_else(|| {
                    let parts: Vec<&str> = ["street", "postalCode", "city", "country"]
                        .iter()
                        .flat_map(|k| get(k).first().map(|s| s.as_ref()))
                        .collect();
                    (!parts.is_empty()).then(|| parts.join(", "))
                });
                if let Some(full) = full {
                    addresses.insert(id.into_owned(), full);
                }
            }
            "Ownership" | "Directorship" | "Sanction" => {
                pending.push(Pending {
                    line: line_no,
                    schema,
                    props: props
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
                        .collect(),
                });
            }
            _ => {
                if let Some(&at) = index.get(id.as_ref()) {
                    imp.stats.merged_duplicates += 1;
                    let e: &mut Entity = &mut imp.entities[at];
                    add_names(e, &props, &source_id);
                    continue;
                }
                let names = get("name");
                let Some(caption) = names.first() else {
                    imp.diagnostics.push(diag(
                        file,
                        line_no,
                        1,
                        "properties.name",
                        format!("{schema} {id:?} has no name; line skipped"),
                    ));
                    continue;
                };
                let eid = entity_id(&slug, &id, &mut used_ids);
                let kind = match schema {
                    "Person" => EntityKind::Person,
                    "PublicBody" => EntityKind::PublicBody,
                    "Organization" => EntityKind::Organisation,
                    _ => EntityKind::Company,
                };
                let country = ["country", "jurisdiction", "mainCountry"]
                    .iter()
                    .flat_map(|k| get(k).iter())
                    .find_map(|c| CountryCode::new(&c.to_ascii_uppercase()).ok());
                let mut e = Entity {
                    id: eid,
                    kind,
                    caption: caption.to_string(),
                    country,
                    state: None,
                    names: Vec::new(),
                    identifiers: Vec::new(),
                    note: Some(format!("{file} line {line_no} ({schema} {id})")),
                    sources: vec![source_id.clone()],
                    verification: Verification::Verified,
                };
                add_names(&mut e, &props, &source_id);
                add_identifiers(&mut e, &props, &source_id);
                if let Some(a) = get("address").first() {
                    append_note(&mut e, &format!("address: {a}"));
                }
                let at = imp.entities.len();
                for a in get("addressEntity") {
                    address_refs.push((at, a.to_string()));
                }
                index.insert(id.into_owned(), at);
                imp.entities.push(e);
            }
        }
        *imp.stats.imported.entry(schema.to_owned()).or_default() += 1;
    }
    imp.stats.lines = line_no;
    for (at, a) in address_refs {
        if let Some(full) = addresses.get(&a) {
            let e = &mut imp.entities[at];
            append_note(e, &format!("address: {full}"));
        }
    }
    let mut lists: HashMap<String, usize> = HashMap::new();
    for p in pending {
        let one = |k: &str| p.props.get(k).and_then(|v| v.first()).map(String::as_str);
        let entity = |k: &str, imp: &mut Import| -> Option<EntityId> {
            let Some(target) = one(k) else {
                imp.diagnostics.push(diag(
                    file,
                    p.line,
                    1,
                    &format!("properties.{k}"),
                    format!("{} without {k}; skipped", p.schema),
                ));
                return None;
            };
            match index.get(target) {
                Some(&i) => Some(imp.entities[i].id.clone()),
                None => {
                    imp.diagnostics.push(diag(
                        file,
                        p.line,
                        1,
                        &format!("properties.{k}"),
                        format!(
                            "{} links to {target:?}, which is not an entity in this file; skipped",
                            p.schema
                        ),
                    ));
                    None
                }
            }
        };
        let note = format!("{file} line {}", p.line);
        let date = |k: &str| one(k).and_then(ftm_date);
        match p.schema {
            "Ownership" => {
                let (Some(asset), Some(owner)) =
                    (entity("asset", &mut imp), entity("owner", &mut imp))
                else {
                    continue;
                };
                if asset == owner {
                    continue;
                }
                let share = one("percentage")
                    .and_then(parse_percent)
                    .map(|percent| Share {
                        percent,
                        approximate: false,
                    });
                imp.relations.push(Relation {
                    subject: asset,
                    kind: RelationKind::OwnedBy,
                    object: owner,
                    share,
                    control: None,
                    indirect: false,
                    start: date("startDate"),
                    end: date("endDate"),
                    note: Some(note),
                    sources: vec![source_id.clone()],
                    verification: Verification::Verified,
                });
            }
            "Directorship" => {
                let (Some(director), Some(org)) = (
                    entity("director", &mut imp),
                    entity("organization", &mut imp),
                ) else {
                    continue;
                };
                if director == org {
                    continue;
                }
                let role = one("role").unwrap_or("director");
                imp.relations.push(Relation {
                    subject: director,
                    kind: RelationKind::AffiliatedWith,
                    object: org,
                    share: None,
                    control: None,
                    indirect: false,
                    start: date("startDate"),
                    end: date("endDate"),
                    note: Some(format!("{role}; {note}")),
                    sources: vec![source_id.clone()],
                    verification: Verification::Verified,
                });
            }
            _ => {
                let Some(target) = entity("entity", &mut imp) else {
                    continue;
                };
                let authority = one("authority").unwrap_or(dataset);
                let program = one("program").or(one("programId"));
                let Some(jurisdiction) =
                    one("country").and_then(|c| CountryCode::new(&c.to_ascii_uppercase()).ok())
                else {
                    imp.diagnostics.push(diag(
                        file,
                        p.line,
                        1,
                        "properties.country",
                        "Sanction without a country (ISO code of the sanctioning state); skipped"
                            .into(),
                    ));
                    continue;
                };
                let key = format!("{authority}\u{0}{}", program.unwrap_or(""));
                let list_at = match lists.get(&key) {
                    Some(&i) => i,
                    None => {
                        let auth_id = entity_id(
                            &slug,
                            &format!("authority-{}", slugify(authority, 32)),
                            &mut used_ids,
                        );
                        imp.entities.push(Entity {
                            id: auth_id.clone(),
                            kind: EntityKind::Authority,
                            caption: authority.to_owned(),
                            country: Some(jurisdiction),
                            state: None,
                            names: vec![plain_name(authority, NameKind::Legal, &source_id)],
                            identifiers: Vec::new(),
                            note: None,
                            sources: vec![source_id.clone()],
                            verification: Verification::Verified,
                        });
                        let name = match program {
                            Some(p) => format!("{authority}: {p}"),
                            None => authority.to_owned(),
                        };
                        let list_id = ListId::new(&format!(
                            "{}-l{}",
                            slugify(&name, 40),
                            imp.lists.len() + 1
                        ))
                        .or_else(|_| ListId::new(&format!("{slug}-l{}", imp.lists.len() + 1)))
                        .expect("a slug with a number is an id");
                        imp.lists.push(List {
                            id: list_id,
                            short: short_label(program.unwrap_or(authority)),
                            name,
                            authority: auth_id,
                            jurisdiction,
                            kind: ListKind::Sanctions,
                            coverage: Coverage::NamedEntities,
                            basis: None,
                            note: Some(format!("imported from {dataset}")),
                            sources: vec![source_id.clone()],
                        });
                        lists.insert(key, imp.lists.len() - 1);
                        imp.lists.len() - 1
                    }
                };
                imp.designations.push(Designation {
                    entity: target,
                    list: imp.lists[list_at].id.clone(),
                    start: date("listingDate").or_else(|| date("startDate")),
                    end: date("endDate"),
                    reference: one("unscId").or(one("programId")).map(str::to_owned),
                    program: program.map(str::to_owned),
                    note: Some(match one("reason") {
                        Some(r) => format!("{r} ({note})"),
                        None => note,
                    }),
                    sources: vec![source_id.clone()],
                    verification: Verification::Verified,
                });
            }
        }
    }
    imp.diagnostics.sort_by_key(|d| (d.line, d.column));
    imp.source = Some(file_source(
        source_id,
        file,
        format!("{dataset}: FollowTheMoney entities ({file})"),
        dataset,
        today,
        imp.stats.lines,
        &hasher.finalize(),
    ));
    Ok(imp)
}

const SCHEMAS: &[&str] = &[
    "Company",
    "Organization",
    "LegalEntity",
    "PublicBody",
    "Person",
    "Ownership",
    "Directorship",
    "Sanction",
    "Address",
];

fn known_schema(schema: &str) -> Option<&'static str> {
    SCHEMAS.iter().copied().find(|s| *s == schema)
}

/// Whether the mapping reads `prop` of `schema`.
fn reads(schema: &str, prop: &str) -> bool {
    let read: &[&str] = match schema {
        "Ownership" => &["owner", "asset", "percentage", "startDate", "endDate"],
        "Directorship" => &["director", "organization", "role", "startDate", "endDate"],
        "Sanction" => &[
            "entity",
            "authority",
            "program",
            "programId",
            "country",
            "listingDate",
            "startDate",
            "endDate",
            "reason",
            "unscId",
        ],
        "Address" => &["full", "street", "postalCode", "city", "country"],
        _ => &[
            "name",
            "alias",
            "weakAlias",
            "abbreviation",
            "previousName",
            "country",
            "jurisdiction",
            "mainCountry",
            "leiCode",
            "vatCode",
            "dunsCode",
            "website",
            "registrationNumber",
            "address",
            "addressEntity",
        ],
    };
    read.contains(&prop)
}

/// The values of property `key`, none if it is absent.
fn values<'p, 'a>(
    props: &'p HashMap<Cow<'a, str>, Vec<Cow<'a, str>>>,
    key: &str,
) -> &'p [Cow<'a, str>] {
    props.get(key).map_or(&[], Vec::as_slice)
}

/// Adds the names of `props` that `e` does not have yet.
fn add_names(e: &mut Entity, props: &HashMap<Cow<'_, str>, Vec<Cow<'_, str>>>, src: &SourceId) {
    for (key, kind) in [
        ("name", NameKind::Legal),
        ("alias", NameKind::Alias),
        ("weakAlias", NameKind::Alias),
        ("abbreviation", NameKind::Abbreviation),
        ("previousName", NameKind::Former),
    ] {
        for v in values(props, key) {
            push_name(e, v, kind, src);
        }
    }
}

fn add_identifiers(
    e: &mut Entity,
    props: &HashMap<Cow<'_, str>, Vec<Cow<'_, str>>>,
    src: &SourceId,
) {
    let mut add = |scheme, value: &str| {
        e.identifiers.push(Identifier {
            scheme,
            value: value.trim().to_owned(),
            sources: vec![src.clone()],
            verification: Verification::Verified,
        })
    };
    let get = |k: &str| values(props, k);
    for v in get("leiCode") {
        add(IdentifierScheme::Lei, v);
    }
    for v in get("vatCode") {
        add(IdentifierScheme::Vat, v);
    }
    for v in get("dunsCode") {
        add(IdentifierScheme::Duns, v);
    }
    for v in get("website") {
        add(IdentifierScheme::Website, v);
    }
    if e.country.is_some_and(|c| c.as_str() == "CN") {
        for v in get("registrationNumber") {
            let v = v.trim();
            if v.len() == 18 && v.bytes().all(|b| b.is_ascii_alphanumeric()) {
                add(IdentifierScheme::Uscc, v);
            }
        }
    }
}

/// A FollowTheMoney date ("2019-10-09", "2019-10", "2019",
/// "2019-10-09T00:00:00").
fn ftm_date(text: &str) -> Option<PartialDate> {
    let t = text.trim();
    let t = t.get(..10.min(t.len())).unwrap_or(t);
    t.parse()
        .ok()
        .or_else(|| t.get(..7).and_then(|m| m.parse().ok()))
}

/// "51", "51.5%", "51,5" → a percentage in (0, 100].
fn parse_percent(text: &str) -> Option<f64> {
    let t = text.trim().trim_end_matches('%').trim().replace(',', ".");
    let v: f64 = t.parse().ok()?;
    (v > 0.0 && v <= 100.0).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_folded_and_kept_unique() {
        let mut used = HashSet::new();
        let a = entity_id("os", "NK-2b5XqZ", &mut used);
        assert_eq!(a.as_str(), "os-nk-2b5xqz");
        let b = entity_id("os", "nk-2b5xqz", &mut used);
        assert_ne!(a, b);
        assert!(b.as_str().starts_with("os-nk-2b5xqz-"));
        let long = entity_id("os", &"x".repeat(200), &mut used);
        assert!(long.as_str().len() <= 64);
    }

    #[test]
    fn dates_and_percentages() {
        assert_eq!(
            ftm_date("2019-10-09T00:00:00").unwrap().to_string(),
            "2019-10-09"
        );
        assert_eq!(ftm_date("2021").unwrap().to_string(), "2021");
        assert_eq!(parse_percent("51,5 %"), Some(51.5));
        assert_eq!(parse_percent("0"), None);
        assert_eq!(parse_percent("many"), None);
    }
}
