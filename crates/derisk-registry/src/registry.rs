//! The loaded registry and the questions it answers.

use std::collections::BTreeMap;

use hashbrown::HashMap;

use derisk_core::{
    Designation, Entity, EntityId, EntityKind, List, ListId, MacAssignment, MacBlock, MacRegistry,
    NameKind, Relation, RelationKind, Source, SourceId, Standing,
};

/// The curated registry: sources, lists, entities, relations, designations
/// and MAC blocks, indexed for lookups. Immutable once built.
#[derive(Debug)]
pub struct Registry {
    sources: Vec<Source>,
    lists: Vec<List>,
    pub(crate) entities: Vec<Entity>,
    pub(crate) relations: Vec<Relation>,
    designations: Vec<Designation>,
    mac_blocks: Vec<MacBlock>,
    /// Every imported IEEE assignment, linked or not.
    assignments: Vec<MacAssignment>,
    hash: String,
    files: Vec<String>,
    /// MAC blocks and assignments by prefix.
    block_index: HashMap<String, usize>,
    assignment_index: HashMap<String, usize>,
    /// Ids to positions. Keys share the records' reference-counted ids,
    /// so building an index copies no text.
    pub(crate) entity_index: HashMap<EntityId, usize>,
    list_index: HashMap<ListId, usize>,
    source_index: HashMap<SourceId, usize>,
    /// Per entity: relations where it is the subject.
    pub(crate) outgoing: Adjacency,
    /// Per entity: relations where it is the object.
    pub(crate) incoming: Adjacency,
    /// Per entity: its designations.
    designated: Adjacency,
}

/// The answer to [`Registry::lookup`].
#[derive(Debug)]
pub enum Lookup<'r> {
    /// Exactly one entity fits.
    Found(&'r Entity),
    /// Several fit; the caller should ask which.
    Ambiguous(Vec<&'r Entity>),
    /// None fits.
    NotFound,
}

/// One step up a chain: the relation followed and the entity reached.
#[derive(Clone, Copy, Debug)]
pub struct Link<'r> {
    /// The relation followed.
    pub relation: &'r Relation,
    /// The entity it leads to.
    pub entity: &'r Entity,
}

/// A path from an entity to one of the parties at the top of its
/// ownership, control, brand or OEM links.
#[derive(Clone, Debug)]
pub struct Chain<'r> {
    /// The steps, nearest first.
    pub links: Vec<Link<'r>>,
    /// The path stopped because it came back to an entity already on it.
    pub cycle: bool,
}

/// What the registry says about a MAC address: [`Registry::mac_lookup`].
#[derive(Clone, Copy, Debug)]
pub enum MacLookup<'r> {
    /// Not a MAC address (12 hexadecimal digits, with or without
    /// separators).
    Invalid,
    /// A locally administered address (the second-lowest bit of the first
    /// byte set): assigned by its owner or randomised, never by the IEEE,
    /// so it names no maker.
    Local,
    /// A multicast or broadcast address: names no device.
    Group,
    /// The longest IEEE prefix that covers it belongs to a registry entity.
    Entity(&'r MacBlock, &'r Entity),
    /// The longest prefix is an imported assignment of an organisation that
    /// is not in the registry.
    Assigned(&'r MacAssignment),
    /// No known prefix covers it.
    Unknown,
}

/// Counts of what the registry holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Number of files loaded.
    pub files: usize,
    /// Entities by kind.
    pub entities: BTreeMap<&'static str, usize>,
    /// Names by kind (captions included).
    pub names: BTreeMap<&'static str, usize>,
    /// Relations by kind.
    pub relations: BTreeMap<&'static str, usize>,
    /// Designations by list id.
    pub designations: BTreeMap<String, usize>,
    /// Number of lists.
    pub lists: usize,
    /// Number of sources.
    pub sources: usize,
    /// MAC blocks by IEEE registry.
    pub mac_blocks: BTreeMap<&'static str, usize>,
    /// Facts (names, identifiers, relations, designations, entities) marked
    /// unverified.
    pub unverified: usize,
    /// Sources by standing (`primary`, `reprint`, `secondary`,
    /// `transcription`, and `not marked`).
    pub sources_by_standing: BTreeMap<&'static str, usize>,
    /// Designations that cite at least one primary source.
    pub designations_primary: usize,
}

/// How [`Stats::sources_by_standing`] counts a source without a standing.
pub const NOT_MARKED: &str = "not marked";

/// Upward chains are cut at this depth and count; real ownership trees are
/// far smaller, so hitting either means the data has a problem.
const MAX_CHAIN_DEPTH: usize = 16;
const MAX_CHAINS: usize = 256;

/// The facts a registry is built from, before indexing.
pub(crate) struct Facts {
    pub sources: Vec<Source>,
    pub lists: Vec<List>,
    pub entities: Vec<Entity>,
    pub relations: Vec<Relation>,
    pub designations: Vec<Designation>,
    pub mac_blocks: Vec<MacBlock>,
    pub assignments: Vec<MacAssignment>,
}

impl Registry {
    /// Indexes facts whose references the caller has already resolved.
    pub(crate) fn new(facts: Facts, hash: String, files: Vec<String>) -> Registry {
        Registry::checked(facts, hash, files).expect("references resolved before indexing")
    }

    /// Indexes facts, refusing a relation or designation that names an
    /// entity or list that is not among them (a snapshot is checked this
    /// way, while its indexes are built, not in a pass of its own).
    pub(crate) fn checked(
        facts: Facts,
        hash: String,
        files: Vec<String>,
    ) -> Result<Registry, String> {
        let entity_index = entity_index(&facts.entities);
        Registry::checked_with(facts, entity_index, hash, files)
    }

    /// [`Registry::checked`] with the entity index built already (a
    /// snapshot builds it while it decodes the other sections).
    pub(crate) fn checked_with(
        facts: Facts,
        entity_index: HashMap<EntityId, usize>,
        hash: String,
        files: Vec<String>,
    ) -> Result<Registry, String> {
        let Facts {
            sources,
            lists,
            entities,
            relations,
            designations,
            mac_blocks,
            assignments,
        } = facts;
        // Earlier wins: the curated blocks come first.
        let mut block_index = HashMap::new();
        for (i, b) in mac_blocks.iter().enumerate() {
            block_index.entry(b.prefix.as_str().to_owned()).or_insert(i);
        }
        let mut assignment_index = HashMap::new();
        for (i, a) in assignments.iter().enumerate() {
            assignment_index
                .entry(a.prefix.as_str().to_owned())
                .or_insert(i);
        }
        let list_index: HashMap<ListId, usize> = lists
            .iter()
            .enumerate()
            .map(|(i, l)| (l.id.clone(), i))
            .collect();
        let source_index = sources
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        let entity_at = |id: &derisk_core::EntityId, what: &str| {
            entity_index
                .get(id.as_str())
                .copied()
                .ok_or_else(|| format!("{what} names entity `{id}`, which is not in the registry"))
        };
        let mut ends = Vec::with_capacity(relations.len());
        for r in &relations {
            ends.push((
                entity_at(&r.subject, "a relation")?,
                entity_at(&r.object, "a relation")?,
            ));
        }
        let outgoing = Adjacency::new(entities.len(), ends.iter().map(|&(s, _)| s));
        let incoming = Adjacency::new(entities.len(), ends.iter().map(|&(_, o)| o));
        let mut owners = Vec::with_capacity(designations.len());
        for d in &designations {
            owners.push(entity_at(&d.entity, "a designation")?);
            if !list_index.contains_key(d.list.as_str()) {
                return Err(format!(
                    "a designation names list `{}`, which is not in the registry",
                    d.list
                ));
            }
        }
        let mut designated = Adjacency::new(entities.len(), owners.into_iter());
        designated.sort_each_by_key(|i| designations[i].start);
        Ok(Registry {
            sources,
            lists,
            entities,
            relations,
            designations,
            mac_blocks,
            assignments,
            hash,
            files,
            block_index,
            assignment_index,
            entity_index,
            list_index,
            source_index,
            outgoing,
            incoming,
            designated,
        })
    }

    /// This registry with an import's facts added. Imported entities and
    /// lists whose id is already taken are left out with a diagnostic, as
    /// are relations and designations that need them; an import whose
    /// source id is taken (the same dataset twice) is left out whole. The
    /// new hash covers the old one and the import's source, which names
    /// the imported file's SHA-256.
    pub fn with_import(self, import: crate::Import) -> (Registry, Vec<crate::Diagnostic>) {
        use sha2::{Digest, Sha256};
        let mut problems = Vec::new();
        let Some(source) = import.source else {
            return (self, problems);
        };
        let file = source.title.clone();
        let problem = |message: String| crate::Diagnostic {
            severity: crate::Severity::Error,
            file: file.clone(),
            line: 0,
            column: 0,
            field: String::new(),
            message,
        };
        if self.source(source.id.as_str()).is_some() {
            problems.push(problem(format!(
                "source id `{}` is already in the registry (the same dataset imported twice?); import left out",
                source.id
            )));
            return (self, problems);
        }
        let Registry {
            mut sources,
            mut lists,
            mut entities,
            mut relations,
            mut designations,
            mut mac_blocks,
            mut assignments,
            hash,
            mut files,
            mut entity_index,
            mut list_index,
            ..
        } = self;
        let mut hasher = Sha256::new();
        hasher.update(hash.as_bytes());
        hasher.update(source.id.as_str().as_bytes());
        hasher.update(source.note.as_deref().unwrap_or("").as_bytes());
        let hash = crate::import::hex(&hasher.finalize());
        files.push(source.url.clone());
        sources.push(source);
        let mut refused = Vec::new();
        append_new(
            import.entities,
            |e| &e.id,
            &mut entity_index,
            &mut entities,
            &mut refused,
        );
        let refused_entities = refused.len();
        append_new(
            import.lists,
            |l| &l.id,
            &mut list_index,
            &mut lists,
            &mut refused,
        );
        for (i, id) in refused.into_iter().enumerate() {
            let what = if i < refused_entities {
                "entity"
            } else {
                "list"
            };
            problems.push(problem(format!(
                "{what} id `{id}` is already in the registry; the imported one is left out"
            )));
        }
        relations.extend(import.relations.into_iter().filter(|r| {
            entity_index.contains_key(r.subject.as_str())
                && entity_index.contains_key(r.object.as_str())
        }));
        designations.extend(import.designations.into_iter().filter(|d| {
            entity_index.contains_key(d.entity.as_str()) && list_index.contains_key(d.list.as_str())
        }));
        if !import.mac_blocks.is_empty() {
            let known: std::collections::HashSet<(&str, &str)> = mac_blocks
                .iter()
                .map(|b| (b.prefix.as_str(), b.entity.as_str()))
                .collect();
            let new: Vec<MacBlock> = import
                .mac_blocks
                .into_iter()
                .filter(|b| {
                    entity_index.contains_key(b.entity.as_str())
                        && !known.contains(&(b.prefix.as_str(), b.entity.as_str()))
                })
                .collect();
            mac_blocks.extend(new);
        }
        assignments.extend(import.assignments);
        (
            Registry::new(
                Facts {
                    sources,
                    lists,
                    entities,
                    relations,
                    designations,
                    mac_blocks,
                    assignments,
                },
                hash,
                files,
            ),
            problems,
        )
    }

    /// SHA-256 over the names and contents of the files loaded: the version
    /// of the registry that findings cite.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// The first 12 hex digits of [`Self::hash`], for display.
    pub fn short_hash(&self) -> &str {
        &self.hash[..12.min(self.hash.len())]
    }

    /// The files loaded, by name.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// All entities, in file order.
    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }

    /// All lists.
    pub fn lists(&self) -> &[List] {
        &self.lists
    }

    /// All sources.
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// All relations.
    pub fn relations(&self) -> &[Relation] {
        &self.relations
    }

    /// All designations.
    pub fn designations(&self) -> &[Designation] {
        &self.designations
    }

    /// All MAC blocks.
    pub fn mac_blocks(&self) -> &[MacBlock] {
        &self.mac_blocks
    }

    /// The entity with this id.
    pub fn entity(&self, id: &str) -> Option<&Entity> {
        self.entity_index.get(id).map(|&i| &self.entities[i])
    }

    /// The list with this id.
    pub fn list(&self, id: &str) -> Option<&List> {
        self.list_index.get(id).map(|&i| &self.lists[i])
    }

    /// The source with this id.
    pub fn source(&self, id: &str) -> Option<&Source> {
        self.source_index.get(id).map(|&i| &self.sources[i])
    }

    /// Relations in which `id` is the subject ("X owned-by …").
    pub fn relations_from(&self, id: &str) -> impl Iterator<Item = &Relation> {
        self.index_of(id)
            .into_iter()
            .flat_map(|e| self.outgoing[e].iter().map(|&r| &self.relations[r]))
    }

    /// Relations in which `id` is the object ("… owned-by X").
    pub fn relations_to(&self, id: &str) -> impl Iterator<Item = &Relation> {
        self.index_of(id)
            .into_iter()
            .flat_map(|e| self.incoming[e].iter().map(|&r| &self.relations[r]))
    }

    /// The designations of `id`, oldest first.
    pub fn designations_of(&self, id: &str) -> impl Iterator<Item = &Designation> {
        self.index_of(id)
            .into_iter()
            .flat_map(|e| self.designated[e].iter().map(|&d| &self.designations[d]))
    }

    /// Every imported IEEE assignment (empty unless an IEEE file was
    /// imported).
    pub fn mac_assignments(&self) -> &[MacAssignment] {
        &self.assignments
    }

    /// Who made the device with this MAC address, as far as the IEEE
    /// registries say: the longest prefix (MA-S and IAB, then MA-M, then
    /// MA-L) among the registry's blocks and the imported assignments.
    /// Any separators are accepted (`44:19:B6:..`, `4419.b6..`,
    /// `44-19-B6-..`).
    pub fn mac_lookup(&self, mac: &str) -> MacLookup<'_> {
        let digits: String = mac
            .chars()
            .filter(|c| !matches!(c, ':' | '-' | '.' | ' '))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if digits.len() != 12 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return MacLookup::Invalid;
        }
        let first = u8::from_str_radix(&digits[..2], 16).expect("hex digits");
        if digits == "FFFFFFFFFFFF" || first & 1 == 1 {
            return MacLookup::Group;
        }
        if first & 2 == 2 {
            return MacLookup::Local;
        }
        for len in [9, 7, 6] {
            let p = &digits[..len];
            if let Some(&i) = self.block_index.get(p) {
                let b = &self.mac_blocks[i];
                if let Some(e) = self.entity(b.entity.as_str()) {
                    return MacLookup::Entity(b, e);
                }
            }
            if let Some(&i) = self.assignment_index.get(p) {
                return MacLookup::Assigned(&self.assignments[i]);
            }
        }
        MacLookup::Unknown
    }

    /// The MAC blocks assigned to `id`.
    pub fn mac_blocks_of<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a MacBlock> + 'a {
        self.mac_blocks
            .iter()
            .filter(move |b| b.entity.as_str() == id)
    }

    pub(crate) fn index_of(&self, id: &str) -> Option<usize> {
        self.entity_index.get(id).copied()
    }

    /// Finds an entity by id or by name, for commands that take
    /// `<id-or-name>`.
    ///
    /// Tries, in order: the id; a name equal to the query once case,
    /// spaces and punctuation are ignored; names containing the query.
    /// This is a lookup for people who know what they want, not the
    /// screening engine, which matches misspelt and foreign names.
    pub fn lookup(&self, query: &str) -> Lookup<'_> {
        let query = query.trim();
        if let Some(e) = self
            .entity(query)
            .or_else(|| self.entity(&query.to_lowercase()))
        {
            return Lookup::Found(e);
        }
        let folded = fold(query);
        if folded.is_empty() {
            return Lookup::NotFound;
        }
        let exact: Vec<&Entity> = self.entities_where(|name| name == folded);
        match exact.len() {
            1 => return Lookup::Found(exact[0]),
            n if n > 1 => return Lookup::Ambiguous(exact),
            _ => {}
        }
        let partial: Vec<&Entity> = self.entities_where(|name| name.contains(&folded));
        match partial.len() {
            0 => Lookup::NotFound,
            1 => Lookup::Found(partial[0]),
            _ => Lookup::Ambiguous(partial),
        }
    }

    fn entities_where(&self, keep: impl Fn(&str) -> bool) -> Vec<&Entity> {
        self.entities
            .iter()
            .filter(|e| e.names.iter().any(|n| keep(&fold(&n.value))))
            .collect()
    }

    /// Every path from `id` up its current (not ended) ownership, control,
    /// brand, former-identity and OEM links to the parties at the top.
    /// Affiliations are not followed (see
    /// [`RelationKind::is_chain_link`]). An entity with no such links has no
    /// chains.
    pub fn chains_up(&self, id: &str) -> Vec<Chain<'_>> {
        let mut out = Vec::new();
        if let Some(start) = self.index_of(id) {
            let mut path = Vec::new();
            let mut on_path = vec![start];
            self.walk_up(start, &mut path, &mut on_path, &mut out);
        }
        out
    }

    fn walk_up<'r>(
        &'r self,
        at: usize,
        path: &mut Vec<Link<'r>>,
        on_path: &mut Vec<usize>,
        out: &mut Vec<Chain<'r>>,
    ) {
        if out.len() >= MAX_CHAINS {
            return;
        }
        let steps: Vec<(usize, &Relation)> = self.outgoing[at]
            .iter()
            .map(|&r| &self.relations[r])
            .filter(|r| {
                r.is_current() && r.kind.is_chain_link() && r.kind.object_is_behind_subject()
            })
            .map(|r| (self.entity_index[r.object.as_str()], r))
            .chain(
                self.incoming[at]
                    .iter()
                    .map(|&r| &self.relations[r])
                    .filter(|r| r.is_current() && r.kind == RelationKind::OemOf)
                    .map(|r| (self.entity_index[r.subject.as_str()], r)),
            )
            .collect();
        if steps.is_empty() || path.len() >= MAX_CHAIN_DEPTH {
            if !path.is_empty() {
                out.push(Chain {
                    links: path.clone(),
                    cycle: false,
                });
            }
            return;
        }
        for (next, relation) in steps {
            path.push(Link {
                relation,
                entity: &self.entities[next],
            });
            if on_path.contains(&next) {
                out.push(Chain {
                    links: path.clone(),
                    cycle: true,
                });
            } else {
                on_path.push(next);
                self.walk_up(next, path, on_path, out);
                on_path.pop();
            }
            path.pop();
        }
    }

    /// Counts by kind.
    pub fn stats(&self) -> Stats {
        let mut s = Stats {
            files: self.files.len(),
            lists: self.lists.len(),
            sources: self.sources.len(),
            ..Stats::default()
        };
        for k in EntityKind::ALL {
            s.entities.insert(k.as_str(), 0);
        }
        for k in NameKind::ALL {
            s.names.insert(k.as_str(), 0);
        }
        for k in RelationKind::ALL {
            s.relations.insert(k.as_str(), 0);
        }
        for k in MacRegistry::ALL {
            s.mac_blocks.insert(k.as_str(), 0);
        }
        for k in Standing::ALL {
            s.sources_by_standing.insert(k.as_str(), 0);
        }
        s.sources_by_standing.insert(NOT_MARKED, 0);
        for src in &self.sources {
            let k = src.standing.map_or(NOT_MARKED, Standing::as_str);
            *s.sources_by_standing.entry(k).or_default() += 1;
        }
        for e in &self.entities {
            *s.entities.entry(e.kind.as_str()).or_default() += 1;
            s.unverified += usize::from(!e.verification.is_verified());
            for n in &e.names[1..] {
                s.unverified += usize::from(!n.verification.is_verified());
            }
            for n in &e.names {
                *s.names.entry(n.kind.as_str()).or_default() += 1;
            }
            s.unverified += e
                .identifiers
                .iter()
                .filter(|i| !i.verification.is_verified())
                .count();
        }
        for r in &self.relations {
            *s.relations.entry(r.kind.as_str()).or_default() += 1;
            s.unverified += usize::from(!r.verification.is_verified());
        }
        for l in &self.lists {
            s.designations.insert(l.id.as_str().to_owned(), 0);
        }
        for d in &self.designations {
            *s.designations
                .entry(d.list.as_str().to_owned())
                .or_default() += 1;
            s.unverified += usize::from(!d.verification.is_verified());
            s.designations_primary += usize::from(d.sources.iter().any(|id| {
                self.source(id.as_str())
                    .is_some_and(|src| src.standing == Some(Standing::Primary))
            }));
        }
        for b in &self.mac_blocks {
            *s.mac_blocks.entry(b.registry.as_str()).or_default() += 1;
        }
        s
    }
}

/// Appends the items whose id `index` does not hold yet, indexing them;
/// the ids of the others go to `refused`.
/// Entity ids to positions; the keys share the entities' ids.
pub(crate) fn entity_index(entities: &[Entity]) -> HashMap<EntityId, usize> {
    entities
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id.clone(), i))
        .collect()
}

/// For each entity, the positions of its relations or designations, in
/// one flat array (compressed rows): two allocations for a million
/// entities instead of one per entity.
#[derive(Debug, Default)]
pub(crate) struct Adjacency {
    /// `starts[e]..starts[e + 1]` is entity `e`'s range in `items`.
    starts: Vec<usize>,
    items: Vec<usize>,
}

impl Adjacency {
    /// From the entity of each item, in item order.
    fn new(entities: usize, owner_of_each: impl Iterator<Item = usize> + Clone) -> Adjacency {
        let mut starts = vec![0usize; entities + 1];
        for e in owner_of_each.clone() {
            starts[e + 1] += 1;
        }
        for e in 0..entities {
            starts[e + 1] += starts[e];
        }
        let mut next = starts.clone();
        let mut items = vec![0usize; starts[entities]];
        for (i, e) in owner_of_each.enumerate() {
            items[next[e]] = i;
            next[e] += 1;
        }
        Adjacency { starts, items }
    }

    /// Sorts each entity's items by `key` (stable).
    fn sort_each_by_key<K: Ord>(&mut self, key: impl Fn(usize) -> K) {
        for e in 0..self.starts.len().saturating_sub(1) {
            self.items[self.starts[e]..self.starts[e + 1]].sort_by_key(|&i| key(i));
        }
    }
}

impl std::ops::Index<usize> for Adjacency {
    type Output = [usize];

    fn index(&self, entity: usize) -> &[usize] {
        &self.items[self.starts[entity]..self.starts[entity + 1]]
    }
}

fn append_new<T, K: std::hash::Hash + Eq + Clone + std::fmt::Display>(
    items: Vec<T>,
    id: impl Fn(&T) -> &K,
    index: &mut HashMap<K, usize>,
    into: &mut Vec<T>,
    refused: &mut Vec<String>,
) {
    for item in items {
        let key = id(&item);
        if index.contains_key(key) {
            refused.push(key.to_string());
            continue;
        }
        index.insert(key.clone(), into.len());
        into.push(item);
    }
}

/// Lower-case letters and digits only: "Co.,Ltd" and "co ltd" fold alike.
pub(crate) fn fold(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}
