//! Turning one registry file into model records, with every problem
//! reported and references kept for later resolution.
//!
//! A record with an error is dropped; the rest of the file still loads.
//! References (source, entity and list ids) are not checked here because
//! they may point into other files; they are collected as [`Ref`]s and
//! resolved in [`crate::load`].

use derisk_core::{
    CountryCode, Coverage, Designation, Entity, EntityId, EntityKind, Identifier, IdentifierScheme,
    List, ListId, ListKind, MacPrefix, MacRegistry, Name, NameKind, PartialDate, Relation,
    RelationKind, Script, Share, Source, SourceId, Standing, Verification,
};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diagnostic::Loc;
use crate::fields::{Record, Sink, closest, type_name};

/// What owns a reference: the part of the data dropped if it dangles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Owner {
    /// A record that failed to parse: its references are still checked so
    /// that every problem is reported, but there is nothing left to drop.
    Failed,
    /// Used only to drop a duplicate source.
    Source(usize),
    Entity(usize),
    Name(usize, usize),
    Identifier(usize, usize),
    List(usize),
    Relation(usize),
    Designation(usize),
    MacBlock(usize),
}

/// The namespace a reference points into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    Source,
    Entity,
    List,
}

impl Target {
    /// The record type, as in `[[source]]`.
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Source => "source",
            Target::Entity => "entity",
            Target::List => "list",
        }
    }
}

/// A record type whose records can be dropped: it knows the [`Owner`] of
/// the record at an index.
pub(crate) trait Owned {
    fn owner(index: usize) -> Owner;
}

/// A record type that other records refer to by id.
pub(crate) trait Identified: Owned {
    const TARGET: Target;
    fn id(&self) -> &str;
}

macro_rules! owned {
    ($($ty:ty => $owner:ident),+ $(,)?) => {
        $(impl Owned for $ty {
            fn owner(index: usize) -> Owner {
                Owner::$owner(index)
            }
        })+
    };
}
owned!(Source => Source, List => List, Entity => Entity, Relation => Relation, Designation => Designation, MacAssignment => MacBlock);

macro_rules! identified {
    ($($ty:ty => $target:ident),+ $(,)?) => {
        $(impl Identified for $ty {
            const TARGET: Target = Target::$target;
            fn id(&self) -> &str {
                self.id.as_str()
            }
        })+
    };
}
identified!(Source => Source, List => List, Entity => Entity);

/// A reference to a record by id, with where it was written.
#[derive(Clone, Debug)]
pub(crate) struct Ref {
    pub target: Target,
    pub id: String,
    pub at: Loc,
    pub field: String,
    pub owner: Owner,
}

/// A parsed record with the location of its definition.
#[derive(Clone, Debug)]
pub(crate) struct Def<T> {
    pub item: T,
    pub at: Loc,
    pub path: String,
}

/// A group of MAC prefixes registered under one assignee name.
#[derive(Clone, Debug)]
pub(crate) struct MacAssignment {
    pub entity: EntityId,
    pub registry: MacRegistry,
    pub assignee: String,
    pub prefixes: Vec<Spanned<MacPrefix>>,
    pub sources: Vec<SourceId>,
}

/// Everything parsed from all files, before references are resolved.
#[derive(Default)]
pub(crate) struct Parsed {
    pub sources: Vec<Def<Source>>,
    pub lists: Vec<Def<List>>,
    pub entities: Vec<Def<Entity>>,
    pub relations: Vec<Def<Relation>>,
    pub designations: Vec<Def<Designation>>,
    pub mac_blocks: Vec<Def<MacAssignment>>,
    pub refs: Vec<Ref>,
    /// Ids of records that were defined but failed to parse; references to
    /// them are dropped without a second error.
    pub failed: Vec<(Target, String)>,
}

const TOP_LEVEL: &[&str] = &[
    "designation",
    "entity",
    "list",
    "mac_block",
    "relation",
    "source",
];

impl Parsed {
    /// Parses one file's table of records.
    pub fn file(&mut self, file: usize, doc: &Spanned<DeTable<'_>>, sink: &mut Sink) {
        for (key, value) in doc.get_ref().iter() {
            let name: &str = key.get_ref();
            let Some(kind) = TOP_LEVEL.iter().find(|k| **k == name) else {
                let hint = closest(name, TOP_LEVEL)
                    .map(|k| format!(" (did you mean `{k}`?)"))
                    .unwrap_or_default();
                sink.error(
                    Loc {
                        file,
                        span: key.span(),
                    },
                    "",
                    format!(
                        "unknown record type `{name}`{hint}; expected arrays of tables named: {}",
                        TOP_LEVEL.join(", ")
                    ),
                );
                continue;
            };
            let DeValue::Array(items) = value.get_ref() else {
                sink.error(
                    Loc {
                        file,
                        span: value.span(),
                    },
                    name,
                    format!(
                        "expected an array of tables (`[[{name}]]`), found {}",
                        type_name(value.get_ref())
                    ),
                );
                continue;
            };
            for (i, item) in items.iter().enumerate() {
                let path = record_path(kind, i, item);
                let Some(rec) = Record::open(file, item, path, sink) else {
                    continue;
                };
                match *kind {
                    "source" => self.source(rec, sink),
                    "list" => self.list(rec, sink),
                    "entity" => self.entity(rec, sink),
                    "relation" => self.relation(rec, sink),
                    "designation" => self.designation(rec, sink),
                    _ => self.mac_block(rec, sink),
                }
            }
        }
    }

    fn source(&mut self, mut r: Record<'_, '_>, sink: &mut Sink) {
        let id = r.parsed(sink, "id", true, SourceId::new);
        let url = r.string(sink, "url", true);
        if let Some(u) = &url {
            let u_ok = u.get_ref().starts_with("https://") || u.get_ref().starts_with("http://");
            if !u_ok || u.get_ref().contains(char::is_whitespace) {
                r.fail(
                    sink,
                    u.span(),
                    "url",
                    "expected an absolute http:// or https:// URL without spaces",
                );
            }
        }
        let title = r.string(sink, "title", true);
        let publisher = r.string(sink, "publisher", true);
        let published = r.date(sink, "published");
        let note = r.string(sink, "note", false);
        let standing = r.word(
            sink,
            "standing",
            false,
            "standing",
            Standing::parse,
            Standing::expected,
        );
        let (at, path) = (r.loc(), r.path.clone());
        let ok = r.finish(sink);
        let failed_id = id
            .as_ref()
            .map(|i| (Target::Source, i.get_ref().to_string()));
        let item = match (ok, id, url, title, publisher) {
            (true, Some(id), Some(url), Some(title), Some(publisher)) => Some(Source {
                id: id.into_inner(),
                url: url.into_inner(),
                title: title.into_inner(),
                publisher: publisher.into_inner(),
                published,
                note: note.map(Spanned::into_inner),
                standing,
            }),
            _ => None,
        };
        self.settle(|p| &mut p.sources, item, Vec::new(), (at, path), failed_id);
    }

    fn list(&mut self, mut r: Record<'_, '_>, sink: &mut Sink) {
        let owner = Owner::List(self.lists.len());
        let mut refs = Vec::new();
        let id = r.parsed(sink, "id", true, ListId::new);
        let name = r.string(sink, "name", true);
        let short = r.string(sink, "short", true);
        let authority = entity_ref(&mut r, sink, "authority", true, owner, &mut refs);
        let jurisdiction = r.parsed(sink, "jurisdiction", true, CountryCode::new);
        let kind = r.word(
            sink,
            "kind",
            true,
            "list kind",
            ListKind::parse,
            ListKind::expected,
        );
        let coverage = r.word(
            sink,
            "coverage",
            false,
            "coverage",
            Coverage::parse,
            Coverage::expected,
        );
        let basis = r.string(sink, "basis", false);
        let note = r.string(sink, "note", false);
        let sources = source_refs(&mut r, sink, owner, &mut refs);
        let (at, path) = (r.loc(), r.path.clone());
        let ok = r.finish(sink);
        let failed_id = id.as_ref().map(|i| (Target::List, i.get_ref().to_string()));
        let item = match (ok, id, name, short, authority, jurisdiction, kind, sources) {
            (
                true,
                Some(id),
                Some(name),
                Some(short),
                Some(authority),
                Some(jurisdiction),
                Some(kind),
                Some(sources),
            ) => Some(List {
                id: id.into_inner(),
                name: name.into_inner(),
                short: short.into_inner(),
                authority,
                jurisdiction: jurisdiction.into_inner(),
                kind,
                coverage: coverage.unwrap_or(Coverage::NamedEntities),
                basis: basis.map(Spanned::into_inner),
                note: note.map(Spanned::into_inner),
                sources,
            }),
            _ => None,
        };
        self.settle(|p| &mut p.lists, item, refs, (at, path), failed_id);
    }

    fn entity(&mut self, mut r: Record<'_, '_>, sink: &mut Sink) {
        let index = self.entities.len();
        let owner = Owner::Entity(index);
        let mut refs = Vec::new();
        let id = r.parsed(sink, "id", true, EntityId::new);
        let kind = r.word(
            sink,
            "kind",
            true,
            "entity kind",
            EntityKind::parse,
            EntityKind::expected,
        );
        let caption = r.string(sink, "name", true);
        let country = r.parsed(sink, "country", false, CountryCode::new);
        let state = r.parsed(sink, "state", false, CountryCode::new);
        let note = r.string(sink, "note", false);
        let sources = source_refs(&mut r, sink, owner, &mut refs);
        let verification = read_verification(&mut r, sink);

        let mut names = Vec::new();
        for (path, value) in r.tables(sink, "names") {
            // The caption becomes name 0 once the entity is complete.
            let owner = Owner::Name(index, names.len() + 1);
            let Some(mut nr) = Record::open(r.file, value, path, sink) else {
                continue;
            };
            let mut name_refs = Vec::new();
            let text = nr.string(sink, "name", true);
            let kind = nr.word(
                sink,
                "kind",
                true,
                "name kind",
                NameKind::parse,
                NameKind::expected,
            );
            let lang = nr.string(sink, "lang", false);
            let start = nr.date(sink, "start");
            let end = nr.date(sink, "end");
            check_order(&mut nr, sink, start, end);
            let sources = source_refs(&mut nr, sink, owner, &mut name_refs);
            let verification = read_verification(&mut nr, sink);
            if let (Some(t), Some(NameKind::Chinese)) = (&text, kind)
                && !matches!(Script::detect(t.get_ref()), Script::Han)
            {
                nr.fail(
                    sink,
                    t.span(),
                    "name",
                    "a name of kind `chinese` must be written in Chinese characters only",
                );
            }
            if let (true, Some(text), Some(kind), Some(sources)) =
                (nr.finish(sink), text, kind, sources)
            {
                refs.extend(name_refs);
                names.push(Name {
                    value: text.into_inner(),
                    kind,
                    lang: lang.map(Spanned::into_inner),
                    start,
                    end,
                    sources,
                    verification,
                });
            }
        }

        let mut identifiers = Vec::new();
        for (path, value) in r.tables(sink, "identifiers") {
            let owner = Owner::Identifier(index, identifiers.len());
            let Some(mut ir) = Record::open(r.file, value, path, sink) else {
                continue;
            };
            let mut id_refs = Vec::new();
            let scheme = ir.word(
                sink,
                "scheme",
                true,
                "identifier scheme",
                IdentifierScheme::parse,
                IdentifierScheme::expected,
            );
            let value = ir.string(sink, "value", true);
            let sources = source_refs(&mut ir, sink, owner, &mut id_refs);
            let verification = read_verification(&mut ir, sink);
            if let (true, Some(scheme), Some(value), Some(sources)) =
                (ir.finish(sink), scheme, value, sources)
            {
                refs.extend(id_refs);
                identifiers.push(Identifier {
                    scheme,
                    value: value.into_inner(),
                    sources,
                    verification,
                });
            }
        }

        let (at, path) = (r.loc(), r.path.clone());
        let ok = r.finish(sink);
        let failed_id = id
            .as_ref()
            .map(|i| (Target::Entity, i.get_ref().to_string()));
        let item = match (ok, id, kind, caption, sources) {
            (true, Some(id), Some(kind), Some(caption), Some(sources)) => {
                let caption = caption.into_inner();
                let first = Name {
                    value: caption.clone(),
                    kind: if kind == EntityKind::Brand {
                        NameKind::Brand
                    } else {
                        NameKind::Legal
                    },
                    lang: None,
                    start: None,
                    end: None,
                    sources: sources.clone(),
                    verification: verification.clone(),
                };
                names.insert(0, first);
                Some(Entity {
                    id: id.into_inner(),
                    kind,
                    caption,
                    country: country.map(Spanned::into_inner),
                    state: state.map(Spanned::into_inner),
                    names,
                    identifiers,
                    note: note.map(Spanned::into_inner),
                    sources,
                    verification,
                })
            }
            _ => None,
        };
        self.settle(|p| &mut p.entities, item, refs, (at, path), failed_id);
    }

    fn relation(&mut self, mut r: Record<'_, '_>, sink: &mut Sink) {
        let owner = Owner::Relation(self.relations.len());
        let mut refs = Vec::new();
        let subject = entity_ref(&mut r, sink, "subject", true, owner, &mut refs);
        let kind = r.word(
            sink,
            "kind",
            true,
            "relation kind",
            RelationKind::parse,
            RelationKind::expected,
        );
        let object = entity_ref(&mut r, sink, "object", true, owner, &mut refs);
        let share = r.number(sink, "share");
        let approximate = r.boolean(sink, "approximate");
        let control = r.boolean(sink, "control");
        let indirect = r.boolean(sink, "indirect");
        let start = r.date(sink, "start");
        let end = r.date(sink, "end");
        check_order(&mut r, sink, start, end);
        let note = r.string(sink, "note", false);
        let sources = source_refs(&mut r, sink, owner, &mut refs);
        let verification = read_verification(&mut r, sink);
        if let Some(s) = &share {
            if !(*s.get_ref() > 0.0 && *s.get_ref() <= 100.0) {
                r.fail(
                    sink,
                    s.span(),
                    "share",
                    "expected a percentage greater than 0 and at most 100",
                );
            }
            if kind.is_some_and(|k| k != RelationKind::OwnedBy) {
                r.fail(
                    sink,
                    s.span(),
                    "share",
                    "a share is only meaningful for kind `owned-by`",
                );
            }
        } else if approximate.is_some() {
            let at = r.loc().span;
            r.fail(
                sink,
                at,
                "approximate",
                "`approximate` qualifies a share; give `share` too",
            );
        }
        if kind.is_some_and(|k| k != RelationKind::OwnedBy) {
            for (field, given) in [
                ("control", control.is_some()),
                ("indirect", indirect.is_some()),
            ] {
                if given {
                    let at = r.loc().span;
                    r.fail(
                        sink,
                        at,
                        field,
                        "only meaningful for kind `owned-by`; the other kinds state control or none by themselves",
                    );
                }
            }
        }
        if indirect == Some(true) && share.is_none() {
            let at = r.loc().span;
            r.fail(
                sink,
                at,
                "indirect",
                "`indirect` qualifies a share; give `share` too",
            );
        }
        if let (Some(s), Some(o)) = (&subject, &object)
            && s == o
        {
            let at = r.loc().span;
            r.fail(
                sink,
                at,
                "object",
                "a relation must link two different entities",
            );
        }
        let (at, path) = (r.loc(), r.path.clone());
        let ok = r.finish(sink);
        let item = match (ok, subject, kind, object, sources) {
            (true, Some(subject), Some(kind), Some(object), Some(sources)) => Some(Relation {
                subject,
                kind,
                object,
                share: share.map(|s| Share {
                    percent: s.into_inner(),
                    approximate: approximate.unwrap_or(false),
                }),
                control,
                indirect: indirect.unwrap_or(false),
                start,
                end,
                note: note.map(Spanned::into_inner),
                sources,
                verification,
            }),
            _ => None,
        };
        self.settle(|p| &mut p.relations, item, refs, (at, path), None);
    }

    fn designation(&mut self, mut r: Record<'_, '_>, sink: &mut Sink) {
        let owner = Owner::Designation(self.designations.len());
        let mut refs = Vec::new();
        let entity = entity_ref(&mut r, sink, "entity", true, owner, &mut refs);
        let list = r.parsed(sink, "list", true, ListId::new);
        if let Some(l) = &list {
            refs.push(Ref {
                target: Target::List,
                id: l.get_ref().to_string(),
                at: r.loc_of(l.span()),
                field: r.field("list"),
                owner,
            });
        }
        // In force from when? Without a start a designation would count
        // as in force forever.
        let start = r.required_date(
            sink,
            "start",
            "the date it took effect, as precise as the source gives it (2019-10-09, \"2019-10\" or \"2019\")",
        );
        let end = r.date(sink, "end");
        check_order(&mut r, sink, start, end);
        let reference = r.string(sink, "reference", false);
        let program = r.string(sink, "program", false);
        let note = r.string(sink, "note", false);
        let sources = source_refs(&mut r, sink, owner, &mut refs);
        let verification = read_verification(&mut r, sink);
        let (at, path) = (r.loc(), r.path.clone());
        let ok = r.finish(sink);
        let item = match (ok, entity, list, sources) {
            (true, Some(entity), Some(list), Some(sources)) => Some(Designation {
                entity,
                list: list.into_inner(),
                start,
                end,
                reference: reference.map(Spanned::into_inner),
                program: program.map(Spanned::into_inner),
                note: note.map(Spanned::into_inner),
                sources,
                verification,
            }),
            _ => None,
        };
        self.settle(|p| &mut p.designations, item, refs, (at, path), None);
    }

    fn mac_block(&mut self, mut r: Record<'_, '_>, sink: &mut Sink) {
        let owner = Owner::MacBlock(self.mac_blocks.len());
        let mut refs = Vec::new();
        let entity = entity_ref(&mut r, sink, "entity", true, owner, &mut refs);
        let registry = r.word(
            sink,
            "registry",
            true,
            "MAC registry",
            MacRegistry::parse,
            MacRegistry::expected,
        );
        let assignee = r.string(sink, "assignee", true);
        let raw = r.strings(sink, "prefixes", true, "[\"08A189\", \"1012FB\"]");
        let sources = source_refs(&mut r, sink, owner, &mut refs);
        let mut prefixes = Vec::new();
        if let (Some(raw), Some(registry)) = (raw, registry) {
            for (i, p) in raw.into_iter().enumerate() {
                match MacPrefix::new(p.get_ref(), registry) {
                    Ok(prefix) => prefixes.push(Spanned::new(p.span(), prefix)),
                    Err(e) => r.fail(sink, p.span(), &format!("prefixes[{i}]"), e.to_string()),
                }
            }
        }
        let (at, path) = (r.loc(), r.path.clone());
        let ok = r.finish(sink);
        let item = match (ok, entity, registry, assignee, sources) {
            (true, Some(entity), Some(registry), Some(assignee), Some(sources)) => {
                Some(MacAssignment {
                    entity,
                    registry,
                    assignee: assignee.into_inner(),
                    prefixes,
                    sources,
                })
            }
            _ => None,
        };
        self.settle(|p| &mut p.mac_blocks, item, refs, (at, path), None);
    }

    /// Files a parsed record with its references, or, when it failed,
    /// keeps its references for reporting only and remembers its id so that
    /// references to it stay quiet.
    fn settle<T>(
        &mut self,
        records: fn(&mut Self) -> &mut Vec<Def<T>>,
        item: Option<T>,
        refs: Vec<Ref>,
        (at, path): (Loc, String),
        failed_id: Option<(Target, String)>,
    ) {
        match item {
            Some(item) => {
                self.refs.extend(refs);
                records(self).push(Def { item, at, path });
            }
            None => {
                self.failed_refs(refs);
                self.failed.extend(failed_id);
            }
        }
    }

    /// Keeps the references of a part that failed, for reporting only.
    fn failed_refs(&mut self, refs: Vec<Ref>) {
        self.refs.extend(refs.into_iter().map(|r| Ref {
            owner: Owner::Failed,
            ..r
        }));
    }
}

/// `entity[hikvision]` when the record has a readable id, else `entity[3]`.
fn record_path(kind: &str, index: usize, item: &Spanned<DeValue<'_>>) -> String {
    if let DeValue::Table(t) = item.get_ref()
        && let Some(DeValue::String(id)) = t.get("id").map(|v| v.get_ref())
        && derisk_core::Id::is_valid(id)
    {
        return format!("{kind}[{id}]");
    }
    format!("{kind}[{index}]")
}

/// Reads a required `sources` array and records a reference per id.
fn source_refs(
    r: &mut Record<'_, '_>,
    sink: &mut Sink,
    owner: Owner,
    refs: &mut Vec<Ref>,
) -> Option<Vec<SourceId>> {
    let items = r.strings(
        sink,
        "sources",
        true,
        "sources = [\"source-id\"]; every fact needs a source",
    )?;
    let mut ids = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        match SourceId::new(item.get_ref()) {
            Ok(id) => {
                refs.push(Ref {
                    target: Target::Source,
                    id: id.as_str().to_owned(),
                    at: r.loc_of(item.span()),
                    field: r.field(&format!("sources[{i}]")),
                    owner,
                });
                ids.push(id);
            }
            Err(e) => r.fail(sink, item.span(), &format!("sources[{i}]"), e.to_string()),
        }
    }
    Some(ids)
}

/// Reads an entity id field and records a reference to it.
fn entity_ref(
    r: &mut Record<'_, '_>,
    sink: &mut Sink,
    key: &'static str,
    required: bool,
    owner: Owner,
    refs: &mut Vec<Ref>,
) -> Option<EntityId> {
    let id = r.parsed(sink, key, required, EntityId::new)?;
    refs.push(Ref {
        target: Target::Entity,
        id: id.get_ref().as_str().to_owned(),
        at: r.loc_of(id.span()),
        field: r.field(key),
        owner,
    });
    Some(id.into_inner())
}

/// `unverified = "reason"` marks a fact as unverified.
fn read_verification(r: &mut Record<'_, '_>, sink: &mut Sink) -> Verification {
    match r.string(sink, "unverified", false) {
        Some(reason) => Verification::Unverified(reason.into_inner()),
        None => Verification::Verified,
    }
}

fn check_order(
    r: &mut Record<'_, '_>,
    sink: &mut Sink,
    start: Option<PartialDate>,
    end: Option<PartialDate>,
) {
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        let at = r.loc().span;
        r.fail(
            sink,
            at,
            "end",
            format!("ends ({e}) before it starts ({s})"),
        );
    }
}
