//! What changed between two registries: entities, names, identifiers,
//! relations, designations, lists and MAC blocks, each keyed so that an
//! edit reads as a change, not as a removal and an addition.
//!
//! Keys: entities and lists by id; names by kind and value; identifiers by
//! scheme and value; relations by subject, kind and object; designations by
//! entity, list and start date; MAC blocks by prefix.

use std::collections::{BTreeMap, BTreeSet};

use derisk_core::{Designation, Entity, List, Relation};

use crate::Registry;

/// Whether a fact was added, removed or changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    /// In the new registry only.
    Added,
    /// In the old registry only.
    Removed,
    /// In both, different.
    Changed,
}

impl ChangeKind {
    /// "added", "removed", "changed".
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
        }
    }

    /// "+", "-", "~".
    pub fn sign(self) -> char {
        match self {
            ChangeKind::Added => '+',
            ChangeKind::Removed => '-',
            ChangeKind::Changed => '~',
        }
    }
}

/// One difference.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// Added, removed or changed.
    pub change: ChangeKind,
    /// What kind of fact: `entity`, `name`, `identifier`, `relation`,
    /// `designation`, `list`, `mac-block`.
    pub fact: &'static str,
    /// The entity the fact belongs to (the subject of a relation, the
    /// designated entity, the entity a MAC block is assigned to).
    pub entity: String,
    /// The fact, in words.
    pub what: String,
    /// For a change: old → new.
    pub detail: Option<String>,
}

/// Every difference from `old` to `new`: entities, names and identifiers,
/// lists, relations, designations, MAC blocks, each in key order.
pub fn diff(old: &Registry, new: &Registry) -> Vec<Change> {
    let mut out = Changes(Vec::new());
    let (oe, ne) = (entities(old), entities(new));
    out.keyed(
        "entity",
        &oe,
        &ne,
        |id, _| id.clone(),
        |id, e| format!("{} {:?} ({id})", e.kind, e.caption),
        |id, e| format!("{} ({id})", e.caption),
        |o, e| {
            let mut fields = Vec::new();
            if o.caption != e.caption {
                fields.push(format!("caption {:?} → {:?}", o.caption, e.caption));
            }
            if o.kind != e.kind {
                fields.push(format!("kind {} → {}", o.kind, e.kind));
            }
            if o.country != e.country {
                let code = |c: &Option<derisk_core::CountryCode>| {
                    c.as_ref().map_or("-", |c| c.as_str()).to_owned()
                };
                fields.push(format!(
                    "country {} → {}",
                    code(&o.country),
                    code(&e.country)
                ));
            }
            if o.verification != e.verification {
                fields.push(format!(
                    "verification {} → {}",
                    verification(&o.verification),
                    verification(&e.verification)
                ));
            }
            (!fields.is_empty()).then(|| fields.join("; "))
        },
    );
    for (id, e) in &ne {
        let Some(o) = oe.get(id) else { continue };
        let names = |x: &Entity| -> BTreeSet<(&'static str, String)> {
            x.names
                .iter()
                .map(|n| (n.kind.as_str(), n.value.clone()))
                .collect()
        };
        out.sets("name", id, &names(o), &names(e), |(kind, value)| {
            format!("{kind} name {value:?} of {id}")
        });
        let idents = |x: &Entity| -> BTreeSet<(&'static str, String)> {
            x.identifiers
                .iter()
                .map(|i| (i.scheme.as_str(), i.value.clone()))
                .collect()
        };
        out.sets(
            "identifier",
            id,
            &idents(o),
            &idents(e),
            |(scheme, value)| format!("{scheme} {value} of {id}"),
        );
    }
    out.keyed(
        "list",
        &lists(old),
        &lists(new),
        |_, l| l.authority.as_str().to_owned(),
        |id, l| format!("list {} ({id})", l.name),
        |id, _| format!("list {id}"),
        |o, l| {
            (o.name != l.name || o.kind != l.kind)
                .then(|| format!("{:?} ({}) → {:?} ({})", o.name, o.kind, l.name, l.kind))
        },
    );
    let key = |k: &RelKey| format!("{} {} {}", k.0, k.1, k.2);
    out.keyed(
        "relation",
        &rels(old),
        &rels(new),
        |k, _| k.0.clone(),
        |k, r| format!("{}{}", key(k), relation_terms(r[0])),
        |k, _| key(k),
        |o, n| {
            let (a, b) = (relation_terms(o[0]), relation_terms(n[0]));
            (a != b || o[0].verification != n[0].verification).then(|| {
                format!(
                    "{} → {}",
                    describe(&a, &o[0].verification),
                    describe(&b, &n[0].verification)
                )
            })
        },
    );
    let since = |k: &(String, String, String)| {
        let s = if k.2.is_empty() {
            String::new()
        } else {
            format!(" since {}", k.2)
        };
        format!("{} on {}{s}", k.0, k.1)
    };
    out.keyed(
        "designation",
        &des(old),
        &des(new),
        |k, _| k.0.clone(),
        |k, _| since(k),
        |k, _| since(k),
        |o, n| {
            let end = |d: &Designation| d.end.map_or("none".into(), |d| d.to_string());
            (o.end != n.end).then(|| format!("end {} → {}", end(o), end(n)))
        },
    );
    let blocks = |reg: &Registry| -> BTreeMap<String, (String, String)> {
        reg.mac_blocks()
            .iter()
            .map(|b| {
                (
                    b.prefix.as_str().to_owned(),
                    (b.entity.as_str().to_owned(), b.assignee.clone()),
                )
            })
            .collect()
    };
    out.keyed(
        "mac-block",
        &blocks(old),
        &blocks(new),
        |_, (e, _)| e.clone(),
        |p, (e, a)| format!("MAC block {p} {a:?} of {e}"),
        |p, _| format!("MAC block {p}"),
        |(oe, oa), (e, a)| (oe != e || oa != a).then(|| format!("{oe} ({oa:?}) → {e} ({a:?})")),
    );
    out.0
}

struct Changes(Vec<Change>);

impl Changes {
    /// Facts keyed alike in both registries: those only in `new` are added,
    /// those only in `old` removed (both described by `full`), and those in
    /// both changed when `changed` says how (described by `short`).
    #[allow(clippy::too_many_arguments)]
    fn keyed<K: Ord, V>(
        &mut self,
        fact: &'static str,
        old: &BTreeMap<K, V>,
        new: &BTreeMap<K, V>,
        entity: impl Fn(&K, &V) -> String,
        full: impl Fn(&K, &V) -> String,
        short: impl Fn(&K, &V) -> String,
        changed: impl Fn(&V, &V) -> Option<String>,
    ) {
        let mut push = |change, k: &K, v: &V, what: String, detail| {
            self.0.push(Change {
                change,
                fact,
                entity: entity(k, v),
                what,
                detail,
            })
        };
        for (k, v) in new {
            match old.get(k) {
                None => push(ChangeKind::Added, k, v, full(k, v), None),
                Some(o) => {
                    if let Some(detail) = changed(o, v) {
                        push(ChangeKind::Changed, k, v, short(k, v), Some(detail));
                    }
                }
            }
        }
        for (k, v) in old {
            if !new.contains_key(k) {
                push(ChangeKind::Removed, k, v, full(k, v), None);
            }
        }
    }

    /// Members of one entity's set only in `new` (added) or only in `old`
    /// (removed).
    fn sets<T: Ord>(
        &mut self,
        fact: &'static str,
        entity: &str,
        old: &BTreeSet<T>,
        new: &BTreeSet<T>,
        what: impl Fn(&T) -> String,
    ) {
        for (change, items) in [
            (ChangeKind::Added, new.difference(old)),
            (ChangeKind::Removed, old.difference(new)),
        ] {
            for t in items {
                self.0.push(Change {
                    change,
                    fact,
                    entity: entity.to_owned(),
                    what: what(t),
                    detail: None,
                });
            }
        }
    }
}

fn entities(reg: &Registry) -> BTreeMap<String, &Entity> {
    reg.entities()
        .iter()
        .map(|e| (e.id.as_str().to_owned(), e))
        .collect()
}

fn lists(reg: &Registry) -> BTreeMap<String, &List> {
    reg.lists()
        .iter()
        .map(|l| (l.id.as_str().to_owned(), l))
        .collect()
}

type RelKey = (String, &'static str, String);

fn rels(reg: &Registry) -> BTreeMap<RelKey, Vec<&Relation>> {
    let mut m: BTreeMap<RelKey, Vec<&Relation>> = BTreeMap::new();
    for r in reg.relations() {
        let k = (
            r.subject.as_str().to_owned(),
            r.kind.as_str(),
            r.object.as_str().to_owned(),
        );
        m.entry(k).or_default().push(r);
    }
    m
}

fn des(reg: &Registry) -> BTreeMap<(String, String, String), &Designation> {
    reg.designations()
        .iter()
        .map(|d| {
            (
                (
                    d.entity.as_str().to_owned(),
                    d.list.as_str().to_owned(),
                    d.start.map(|s| s.to_string()).unwrap_or_default(),
                ),
                d,
            )
        })
        .collect()
}

fn verification(v: &derisk_core::Verification) -> &'static str {
    if v.is_verified() {
        "verified"
    } else {
        "unverified"
    }
}

/// Share, control and dates of a relation, as words after its key.
fn relation_terms(r: &Relation) -> String {
    let mut t = String::new();
    if let Some(s) = r.share {
        t.push_str(&format!(
            " {}{}%",
            if s.approximate { "~" } else { "" },
            s.percent
        ));
    }
    match r.control {
        Some(true) => t.push_str(" (control)"),
        Some(false) => t.push_str(" (no control)"),
        None => {}
    }
    if let Some(e) = r.end {
        t.push_str(&format!(" until {e}"));
    }
    t
}

fn describe(terms: &str, v: &derisk_core::Verification) -> String {
    let t = terms.trim();
    format!(
        "{}{}",
        if t.is_empty() { "no share" } else { t },
        if v.is_verified() { "" } else { " [unverified]" }
    )
}
