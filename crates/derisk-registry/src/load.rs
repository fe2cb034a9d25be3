//! Loading registry files: parse each file, resolve references across
//! files, check what cannot be checked per record, and build the
//! [`Registry`] from everything that is sound.

use std::collections::{HashMap, HashSet};

use derisk_core::{EntityKind, MacBlock, Name, NameKind, Verification};
use sha2::{Digest, Sha256};
use toml::de::DeTable;

use crate::diagnostic::{Diagnostic, LineIndex, Loc, Severity};
use crate::fields::{Sink, closest};
use crate::parse::{Def, Identified, Owned, Owner, Parsed, Target};
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
    load_ordered(files)
}

/// Loads files in the order given: where an id is defined twice, the
/// earlier file's definition stays (layers put the base first).
pub(crate) fn load_ordered(files: Vec<RegistryFile>) -> Loaded {
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

fn resolve(p: Parsed, sink: &mut Sink, files: &[RegistryFile]) -> Registry {
    let mut dropped: HashSet<Owner> = HashSet::new();
    let here = |loc: &Loc| location(files, loc);

    // Duplicate ids: the first definition wins.
    drop_duplicates(&p.sources, &mut dropped, sink, &here);
    drop_duplicates(&p.lists, &mut dropped, sink, &here);
    drop_duplicates(&p.entities, &mut dropped, sink, &here);

    // References in dependency order: sources depend on nothing, entities
    // only on sources, lists on sources and their authority entity.
    let mut used_sources = HashSet::new();
    let sources = Namespace::new(&p, &p.sources, &dropped);
    check_refs(&p, &sources, &mut dropped, sink, &mut used_sources);
    let entities = Namespace::new(&p, &p.entities, &dropped);
    check_refs(&p, &entities, &mut dropped, sink, &mut used_sources);
    check_authorities(&p, &mut dropped, sink);
    let lists = Namespace::new(&p, &p.lists, &dropped);
    check_refs(&p, &lists, &mut dropped, sink, &mut used_sources);
    check_mac_prefixes(&p, &mut dropped, sink, &here);

    // Every source should be cited; an unused one is probably a typo elsewhere.
    for (i, d) in p.sources.iter().enumerate() {
        if !dropped.contains(&Owner::Source(i)) && !used_sources.contains(d.item.id.as_str()) {
            sink.warning(
                d.at.clone(),
                d.path.clone(),
                format!("source `{}` is not cited by any fact", d.item.id),
            );
        }
    }

    assemble(p, &dropped, sink, files)
}

/// Drops every definition of an id after the first, with an error.
fn drop_duplicates<T: Identified>(
    defs: &[Def<T>],
    dropped: &mut HashSet<Owner>,
    sink: &mut Sink,
    here: &dyn Fn(&Loc) -> String,
) {
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (i, d) in defs.iter().enumerate() {
        let key = d.item.id();
        match first.get(key) {
            Some(&f) => {
                let message = format!(
                    "duplicate {} id `{key}`; first defined at {}",
                    T::TARGET.as_str(),
                    here(&defs[f].at)
                );
                sink.error(d.at.clone(), d.path.clone() + ".id", message);
                dropped.insert(T::owner(i));
            }
            None => {
                first.insert(key, i);
            }
        }
    }
}

/// The ids one kind of reference can resolve to.
struct Namespace<'p> {
    target: Target,
    /// Ids of records that loaded.
    valid: HashSet<&'p str>,
    /// Ids of records that were defined but failed; references to them are
    /// dropped without a second error.
    failed: HashSet<String>,
    /// `valid`, for "did you mean" suggestions.
    ids: Vec<&'p str>,
}

impl<'p> Namespace<'p> {
    fn new<T: Identified>(p: &'p Parsed, defs: &'p [Def<T>], dropped: &HashSet<Owner>) -> Self {
        let mut valid = HashSet::new();
        let mut failed: HashSet<String> = p
            .failed
            .iter()
            .filter(|(t, _)| *t == T::TARGET)
            .map(|(_, id)| id.clone())
            .collect();
        for (i, d) in defs.iter().enumerate() {
            if dropped.contains(&T::owner(i)) {
                failed.insert(d.item.id().to_owned());
            } else {
                valid.insert(d.item.id());
            }
        }
        failed.retain(|id| !valid.contains(id.as_str()));
        let ids = valid.iter().copied().collect();
        Namespace {
            target: T::TARGET,
            valid,
            failed,
            ids,
        }
    }
}

/// Resolves every reference into one namespace; a dangling one drops its
/// owner and is reported, unless it points at a record that failed itself.
fn check_refs(
    p: &Parsed,
    ns: &Namespace<'_>,
    dropped: &mut HashSet<Owner>,
    sink: &mut Sink,
    used_sources: &mut HashSet<String>,
) {
    let what = ns.target.as_str();
    for r in p.refs.iter().filter(|r| r.target == ns.target) {
        let failed_record = r.owner == Owner::Failed;
        if !failed_record && (dropped.contains(&r.owner) || owner_parent_dropped(r.owner, dropped))
        {
            continue;
        }
        if ns.valid.contains(r.id.as_str()) {
            if ns.target == Target::Source {
                used_sources.insert(r.id.clone());
            }
            continue;
        }
        if !failed_record {
            dropped.insert(r.owner);
        }
        if ns.failed.contains(&r.id) {
            continue;
        }
        let hint = closest(&r.id, &ns.ids)
            .map(|k| format!(" (did you mean `{k}`?)"))
            .unwrap_or_default();
        let consequence = match r.owner {
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

/// A list's authority must be able to keep a list.
fn check_authorities(p: &Parsed, dropped: &mut HashSet<Owner>, sink: &mut Sink) {
    let entities: HashMap<&str, &derisk_core::Entity> = p
        .entities
        .iter()
        .enumerate()
        .filter(|(i, _)| !dropped.contains(&Owner::Entity(*i)))
        .map(|(_, d)| (d.item.id.as_str(), &d.item))
        .collect();
    for (i, d) in p.lists.iter().enumerate() {
        if dropped.contains(&Owner::List(i)) {
            continue;
        }
        if let Some(a) = entities.get(d.item.authority.as_str())
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
}

/// A MAC prefix belongs to one assignee only.
fn check_mac_prefixes(
    p: &Parsed,
    dropped: &mut HashSet<Owner>,
    sink: &mut Sink,
    here: &dyn Fn(&Loc) -> String,
) {
    let mut prefixes: HashMap<&str, Loc> = HashMap::new();
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
                prefixes.insert(prefix.get_ref().as_str(), at);
            }
        }
    }
}

/// Builds the registry from every record not dropped.
fn assemble(
    p: Parsed,
    dropped: &HashSet<Owner>,
    sink: &mut Sink,
    files: &[RegistryFile],
) -> Registry {
    let kept = |o: Owner| !dropped.contains(&o);
    let mut entity_list = Vec::new();
    let mut entity_index: HashMap<String, usize> = HashMap::new();
    for (i, d) in p
        .entities
        .iter()
        .enumerate()
        .filter(|(i, _)| kept(Owner::Entity(*i)))
    {
        let mut e = d.item.clone();
        let mut n = 0..;
        e.names
            .retain(|_| kept(Owner::Name(i, n.next().unwrap_or_default())));
        let mut n = 0..;
        e.identifiers
            .retain(|_| kept(Owner::Identifier(i, n.next().unwrap_or_default())));
        let mut seen_names: HashSet<(&str, NameKind)> = HashSet::new();
        for name in &e.names {
            if !seen_names.insert((name.value.as_str(), name.kind)) {
                let message = format!("name {:?} is listed twice as `{}`", name.value, name.kind);
                sink.warning(d.at.clone(), d.path.clone() + ".names", message);
            }
        }
        entity_index.insert(e.id.as_str().to_owned(), entity_list.len());
        entity_list.push(e);
    }
    let mut mac_blocks = Vec::new();
    for (_, d) in p
        .mac_blocks
        .iter()
        .enumerate()
        .filter(|(i, _)| kept(Owner::MacBlock(*i)))
    {
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
    // The hash names the registry by its files' names and contents, not by
    // where they lie: `--registry data/` and `--registry ../x/data/` are
    // the same registry.
    let mut hasher = Sha256::new();
    for f in files {
        let name = std::path::Path::new(&f.name)
            .file_name()
            .map_or(f.name.as_str(), |n| n.to_str().unwrap_or(&f.name));
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(f.text.as_bytes());
        hasher.update([0]);
    }
    let hash = crate::import::hex(&hasher.finalize());
    Registry::new(
        crate::registry::Facts {
            sources: keep(p.sources, dropped),
            lists: keep(p.lists, dropped),
            entities: entity_list,
            relations: keep(p.relations, dropped),
            designations: keep(p.designations, dropped),
            mac_blocks,
            assignments: Vec::new(),
        },
        hash,
        files.iter().map(|f| f.name.clone()).collect(),
    )
}

/// The records whose owner was not dropped.
fn keep<T: Owned>(defs: Vec<Def<T>>, dropped: &HashSet<Owner>) -> Vec<T> {
    defs.into_iter()
        .enumerate()
        .filter(|(i, _)| !dropped.contains(&T::owner(*i)))
        .map(|(_, d)| d.item)
        .collect()
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
