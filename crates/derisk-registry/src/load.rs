//! Loading registry files: parse each file, resolve references across
//! files, check what cannot be checked per record, and build the
//! [`Registry`] from everything that is sound.

use std::collections::{HashMap, HashSet};

use derisk_core::{EntityKind, MacBlock, Name, NameKind, Verification};
use sha2::{Digest, Sha256};
use toml::de::DeTable;

use crate::diagnostic::{Diagnostic, LineIndex, Loc, Severity};
use crate::fields::{Sink, closest};
use crate::parse::{Owner, Parsed, Target};
use crate::registry::Registry;

/// One registry file's name (as shown in diagnostics) and text.
#[derive(Clone, Debug)]
pub struct RegistryFile {
    /// The name diagnostics use, e.g. `data/registry/hikvision.toml`.
    pub name: String,
    /// The file's contents.
    pub text: String,
}

/// A registry together with everything found wrong while loading it.
///
/// Records with errors are left out; everything else is loaded. A caller
/// that needs a fully valid registry checks [`Loaded::error_count`].
#[derive(Debug)]
pub struct Loaded {
    /// The records that loaded.
    pub registry: Registry,
    /// Errors and warnings, ordered by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    /// Number of errors (each dropped a record or a file).
    pub fn error_count(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    /// Number of warnings.
    pub fn warning_count(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }
}

/// Loads registry files. Never fails: problems become diagnostics and the
/// records at fault are left out.
pub fn load(mut files: Vec<RegistryFile>) -> Loaded {
    files.sort_by(|a, b| a.name.cmp(&b.name));
    let mut sink = Sink::default();
    let mut parsed = Parsed::default();
    for (i, file) in files.iter().enumerate() {
        let (doc, errors) = DeTable::parse_recoverable(&file.text);
        if errors.is_empty() {
            parsed.file(i, &doc, &mut sink);
        } else {
            for e in errors {
                let span = e.span().unwrap_or(0..0);
                let message = format!("not valid TOML, file skipped: {}", e.message().trim_end());
                sink.error(Loc { file: i, span }, "", message);
            }
        }
    }
    let registry = resolve(parsed, &mut sink, &files);
    let diagnostics = finish_diagnostics(sink, &files);
    Loaded {
        registry,
        diagnostics,
    }
}

fn resolve(mut p: Parsed, sink: &mut Sink, files: &[RegistryFile]) -> Registry {
    let mut dropped: HashSet<Owner> = HashSet::new();
    let here = |loc: &Loc| location(files, loc);

    // Duplicate ids: the first definition wins.
    let mut keep_source = vec![true; p.sources.len()];
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, d) in p.sources.iter().enumerate() {
        if let Some(&first) = seen.get(d.item.id.as_str()) {
            let message = format!(
                "duplicate source id `{}`; first defined at {}",
                d.item.id,
                here(&p.sources[first].at)
            );
            sink.error(d.at.clone(), d.path.clone() + ".id", message);
            keep_source[i] = false;
        } else {
            seen.insert(d.item.id.as_str().to_owned(), i);
        }
    }
    seen.clear();
    for (i, d) in p.lists.iter().enumerate() {
        if let Some(&first) = seen.get(d.item.id.as_str()) {
            let message = format!(
                "duplicate list id `{}`; first defined at {}",
                d.item.id,
                here(&p.lists[first].at)
            );
            sink.error(d.at.clone(), d.path.clone() + ".id", message);
            dropped.insert(Owner::List(i));
        } else {
            seen.insert(d.item.id.as_str().to_owned(), i);
        }
    }
    seen.clear();
    for (i, d) in p.entities.iter().enumerate() {
        if let Some(&first) = seen.get(d.item.id.as_str()) {
            let message = format!(
                "duplicate entity id `{}`; first defined at {}",
                d.item.id,
                here(&p.entities[first].at)
            );
            sink.error(d.at.clone(), d.path.clone() + ".id", message);
            dropped.insert(Owner::Entity(i));
        } else {
            seen.insert(d.item.id.as_str().to_owned(), i);
        }
    }

    let failed = |target: Target| -> HashSet<String> {
        p.failed
            .iter()
            .filter(|(t, _)| *t == target)
            .map(|(_, id)| id.clone())
            .collect()
    };

    // Sources first: they depend on nothing.
    let sources: HashSet<&str> = p
        .sources
        .iter()
        .zip(&keep_source)
        .filter(|(_, k)| **k)
        .map(|(d, _)| d.item.id.as_str())
        .collect();
    let failed_sources = failed(Target::Source);
    let mut used_sources: HashSet<String> = HashSet::new();
    let source_ids: Vec<&str> = sources.iter().copied().collect();
    check_refs(
        &p,
        Target::Source,
        &sources,
        &failed_sources,
        &source_ids,
        &mut dropped,
        sink,
        "source",
        &mut used_sources,
    );

    // Then entities, which only depend on sources.
    let entity_ok = |i: usize, dropped: &HashSet<Owner>| !dropped.contains(&Owner::Entity(i));
    let entities: HashSet<&str> = p
        .entities
        .iter()
        .enumerate()
        .filter(|(i, _)| entity_ok(*i, &dropped))
        .map(|(_, d)| d.item.id.as_str())
        .collect();
    let mut failed_entities = failed(Target::Entity);
    failed_entities.extend(
        p.entities
            .iter()
            .enumerate()
            .filter(|(i, _)| !entity_ok(*i, &dropped))
            .map(|(_, d)| d.item.id.as_str().to_owned()),
    );
    failed_entities.retain(|id| !entities.contains(id.as_str()));
    let entity_ids: Vec<&str> = entities.iter().copied().collect();
    check_refs(
        &p,
        Target::Entity,
        &entities,
        &failed_entities,
        &entity_ids,
        &mut dropped,
        sink,
        "entity",
        &mut used_sources,
    );

    // A list's authority must be able to keep a list.
    let by_id: HashMap<&str, &derisk_core::Entity> = p
        .entities
        .iter()
        .enumerate()
        .filter(|(i, _)| entity_ok(*i, &dropped))
        .map(|(_, d)| (d.item.id.as_str(), &d.item))
        .collect();
    for (i, d) in p.lists.iter().enumerate() {
        if dropped.contains(&Owner::List(i)) {
            continue;
        }
        if let Some(a) = by_id.get(d.item.authority.as_str())
            && !matches!(a.kind, EntityKind::Authority | EntityKind::PublicBody)
        {
            let message = format!(
                "authority `{}` is of kind `{}`; a list's authority must be of kind `authority` or `public-body`",
                a.id, a.kind
            );
            sink.error(d.at.clone(), d.path.clone() + ".authority", message);
            dropped.insert(Owner::List(i));
        }
    }

    // Then lists, which depend on sources and entities.
    let list_ok = |i: usize, dropped: &HashSet<Owner>| !dropped.contains(&Owner::List(i));
    let lists: HashSet<&str> = p
        .lists
        .iter()
        .enumerate()
        .filter(|(i, _)| list_ok(*i, &dropped))
        .map(|(_, d)| d.item.id.as_str())
        .collect();
    let mut failed_lists = failed(Target::List);
    failed_lists.extend(
        p.lists
            .iter()
            .enumerate()
            .filter(|(i, _)| !list_ok(*i, &dropped))
            .map(|(_, d)| d.item.id.as_str().to_owned()),
    );
    failed_lists.retain(|id| !lists.contains(id.as_str()));
    let list_ids: Vec<&str> = lists.iter().copied().collect();
    check_refs(
        &p,
        Target::List,
        &lists,
        &failed_lists,
        &list_ids,
        &mut dropped,
        sink,
        "list",
        &mut used_sources,
    );

    // A MAC prefix belongs to one assignee only.
    let mut prefixes: HashMap<String, Loc> = HashMap::new();
    for (i, d) in p.mac_blocks.iter().enumerate() {
        if dropped.contains(&Owner::MacBlock(i)) {
            continue;
        }
        for (n, prefix) in d.item.prefixes.iter().enumerate() {
            let at = Loc {
                file: d.at.file,
                span: prefix.span(),
            };
            if let Some(first) = prefixes.get(prefix.get_ref().as_str()) {
                let message = format!(
                    "MAC prefix {} is already assigned at {}",
                    prefix.get_ref(),
                    here(first)
                );
                sink.error(at, format!("{}.prefixes[{n}]", d.path), message);
                dropped.insert(Owner::MacBlock(i));
            } else {
                prefixes.insert(prefix.get_ref().as_str().to_owned(), at);
            }
        }
    }

    // Every source should be cited; an unused one is probably a typo elsewhere.
    for (d, keep) in p.sources.iter().zip(&keep_source) {
        if *keep && !used_sources.contains(d.item.id.as_str()) {
            sink.warning(
                d.at.clone(),
                d.path.clone(),
                format!("source `{}` is not cited by any fact", d.item.id),
            );
        }
    }

    // Assemble what survived.
    let mut entity_list = Vec::new();
    let mut entity_index: HashMap<String, usize> = HashMap::new();
    for (i, d) in p.entities.iter_mut().enumerate() {
        if dropped.contains(&Owner::Entity(i)) {
            continue;
        }
        let mut e = d.item.clone();
        let mut n = 0;
        e.names.retain(|_| {
            n += 1;
            !dropped.contains(&Owner::Name(i, n - 1))
        });
        let mut n = 0;
        e.identifiers.retain(|_| {
            n += 1;
            !dropped.contains(&Owner::Identifier(i, n - 1))
        });
        let mut seen_names: HashSet<(&str, NameKind)> = HashSet::new();
        for name in &e.names {
            if !seen_names.insert((name.value.as_str(), name.kind)) {
                sink.warning(
                    d.at.clone(),
                    d.path.clone() + ".names",
                    format!("name {:?} is listed twice as `{}`", name.value, name.kind),
                );
            }
        }
        entity_index.insert(e.id.as_str().to_owned(), entity_list.len());
        entity_list.push(e);
    }
    let mut mac_blocks = Vec::new();
    for (i, d) in p.mac_blocks.iter().enumerate() {
        if dropped.contains(&Owner::MacBlock(i)) {
            continue;
        }
        let Some(&e) = entity_index.get(d.item.entity.as_str()) else {
            continue;
        };
        let entity = &mut entity_list[e];
        if !entity.names.iter().any(|n| n.value == d.item.assignee) {
            entity.names.push(Name {
                value: d.item.assignee.clone(),
                kind: NameKind::IeeeAssignee,
                lang: None,
                start: None,
                end: None,
                sources: d.item.sources.clone(),
                verification: Verification::Verified,
            });
        }
        for prefix in &d.item.prefixes {
            mac_blocks.push(MacBlock {
                registry: d.item.registry,
                prefix: prefix.get_ref().clone(),
                assignee: d.item.assignee.clone(),
                entity: d.item.entity.clone(),
                sources: d.item.sources.clone(),
            });
        }
    }

    let keep = |dropped: &HashSet<Owner>, o: Owner| !dropped.contains(&o);
    let sources = p
        .sources
        .into_iter()
        .zip(keep_source)
        .filter(|(_, k)| *k)
        .map(|(d, _)| d.item)
        .collect();
    let lists = p
        .lists
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep(&dropped, Owner::List(*i)))
        .map(|(_, d)| d.item)
        .collect();
    let relations = p
        .relations
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep(&dropped, Owner::Relation(*i)))
        .map(|(_, d)| d.item)
        .collect();
    let designations = p
        .designations
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep(&dropped, Owner::Designation(*i)))
        .map(|(_, d)| d.item)
        .collect();

    let mut hasher = Sha256::new();
    for f in files {
        hasher.update(f.name.as_bytes());
        hasher.update([0]);
        hasher.update(f.text.as_bytes());
        hasher.update([0]);
    }
    let hash = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let names = files.iter().map(|f| f.name.clone()).collect();
    Registry::new(
        sources,
        lists,
        entity_list,
        relations,
        designations,
        mac_blocks,
        hash,
        names,
    )
}

/// Resolves every reference into `target`; a dangling one drops its owner.
#[allow(clippy::too_many_arguments)]
fn check_refs(
    p: &Parsed,
    target: Target,
    known: &HashSet<&str>,
    failed: &HashSet<String>,
    all: &[&str],
    dropped: &mut HashSet<Owner>,
    sink: &mut Sink,
    what: &str,
    used_sources: &mut HashSet<String>,
) {
    for r in p.refs.iter().filter(|r| r.target == target) {
        let failed_record = r.owner == Owner::Failed;
        if !failed_record && (dropped.contains(&r.owner) || owner_parent_dropped(r.owner, dropped))
        {
            continue;
        }
        if known.contains(r.id.as_str()) {
            if target == Target::Source {
                used_sources.insert(r.id.clone());
            }
            continue;
        }
        if !failed_record {
            dropped.insert(r.owner);
        }
        if failed.contains(&r.id) {
            // The record itself failed to load and has its own error.
            continue;
        }
        let hint = closest(&r.id, all)
            .map(|k| format!(" (did you mean `{k}`?)"))
            .unwrap_or_default();
        let consequence = match r.owner {
            Owner::Failed => "this record is not loaded",
            Owner::Name(..) => "this name is not loaded",
            Owner::Identifier(..) => "this identifier is not loaded",
            _ => "this record is not loaded",
        };
        let message = format!(
            "unknown {what} `{}`{hint}: no [[{what}]] has this id; {consequence}",
            r.id
        );
        sink.error(r.at.clone(), r.field.clone(), message);
    }
}

/// A name or identifier is gone with its entity.
fn owner_parent_dropped(owner: Owner, dropped: &HashSet<Owner>) -> bool {
    match owner {
        Owner::Name(e, _) | Owner::Identifier(e, _) => dropped.contains(&Owner::Entity(e)),
        _ => false,
    }
}

fn location(files: &[RegistryFile], loc: &Loc) -> String {
    let file = &files[loc.file];
    let (line, _) = LineIndex::new(&file.text).position(&file.text, loc.span.start);
    format!("{}:{line}", file.name)
}

fn finish_diagnostics(sink: Sink, files: &[RegistryFile]) -> Vec<Diagnostic> {
    let indexes: Vec<LineIndex> = files.iter().map(|f| LineIndex::new(&f.text)).collect();
    let mut raw = sink.diagnostics;
    raw.sort_by(|a, b| {
        (a.at.file, a.at.span.start, a.severity).cmp(&(b.at.file, b.at.span.start, b.severity))
    });
    raw.into_iter()
        .map(|d| {
            let file = &files[d.at.file];
            let (line, column) = indexes[d.at.file].position(&file.text, d.at.span.start);
            Diagnostic {
                severity: d.severity,
                file: file.name.clone(),
                line,
                column,
                field: d.field,
                message: d.message,
            }
        })
        .collect()
}
