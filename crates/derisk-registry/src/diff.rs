//! What changed between two registries: entities, names, identifiers,
//! relations, designations, lists and MAC blocks, each keyed so that an
//! edit reads as a change, not as a removal and an addition.
//!
//! Keys: entities and lists by id; names by kind and value; identifiers by
//! scheme and value; relations by subject, kind and object; designations by
//! entity, list and start date; MAC blocks by prefix.

use std::collections::{BTreeMap, BTreeSet};

use derisk_core::{Designation, Relation};

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

/// Every difference from `old` to `new`, entities first, in a stable
/// order.
pub fn diff(old: &Registry, new: &Registry) -> Vec<Change> {
    let mut out = Vec::new();
    let mut push = |change, fact, entity: &str, what: String, detail: Option<String>| {
        out.push(Change {
            change,
            fact,
            entity: entity.to_owned(),
            what,
            detail,
        })
    };
    // Entities, names, identifiers.
    for e in new.entities() {
        match old.entity(e.id.as_str()) {
            None => push(
                ChangeKind::Added,
                "entity",
                e.id.as_str(),
                format!("{} {:?} ({})", e.kind, e.caption, e.id),
                None,
            ),
            Some(o) => {
                let mut fields = Vec::new();
                if o.caption != e.caption {
                    fields.push(format!("caption {:?} → {:?}", o.caption, e.caption));
                }
                if o.kind != e.kind {
                    fields.push(format!("kind {} → {}", o.kind, e.kind));
                }
                if o.country != e.country {
                    fields.push(format!(
                        "country {} → {}",
                        o.country.as_ref().map_or("-", |c| c.as_str()),
                        e.country.as_ref().map_or("-", |c| c.as_str())
                    ));
                }
                if o.verification != e.verification {
                    fields.push(format!(
                        "verification {} → {}",
                        verification(&o.verification),
                        verification(&e.verification)
                    ));
                }
                if !fields.is_empty() {
                    push(
                        ChangeKind::Changed,
                        "entity",
                        e.id.as_str(),
                        format!("{} ({})", e.caption, e.id),
                        Some(fields.join("; ")),
                    );
                }
                let names = |x: &derisk_core::Entity| -> BTreeSet<(String, String)> {
                    x.names
                        .iter()
                        .map(|n| (n.kind.as_str().to_owned(), n.value.clone()))
                        .collect()
                };
                let (on, nn) = (names(o), names(e));
                for (kind, value) in nn.difference(&on) {
                    push(
                        ChangeKind::Added,
                        "name",
                        e.id.as_str(),
                        format!("{kind} name {value:?} of {}", e.id),
                        None,
                    );
                }
                for (kind, value) in on.difference(&nn) {
                    push(
                        ChangeKind::Removed,
                        "name",
                        e.id.as_str(),
                        format!("{kind} name {value:?} of {}", e.id),
                        None,
                    );
                }
                let idents = |x: &derisk_core::Entity| -> BTreeSet<(String, String)> {
                    x.identifiers
                        .iter()
                        .map(|i| (i.scheme.as_str().to_owned(), i.value.clone()))
                        .collect()
                };
                let (oi, ni) = (idents(o), idents(e));
                for (scheme, value) in ni.difference(&oi) {
                    push(
                        ChangeKind::Added,
                        "identifier",
                        e.id.as_str(),
                        format!("{scheme} {value} of {}", e.id),
                        None,
                    );
                }
                for (scheme, value) in oi.difference(&ni) {
                    push(
                        ChangeKind::Removed,
                        "identifier",
                        e.id.as_str(),
                        format!("{scheme} {value} of {}", e.id),
                        None,
                    );
                }
            }
        }
    }
    for o in old.entities() {
        if new.entity(o.id.as_str()).is_none() {
            push(
                ChangeKind::Removed,
                "entity",
                o.id.as_str(),
                format!("{} {:?} ({})", o.kind, o.caption, o.id),
                None,
            );
        }
    }
    // Lists.
    for l in new.lists() {
        match old.list(l.id.as_str()) {
            None => push(
                ChangeKind::Added,
                "list",
                l.authority.as_str(),
                format!("list {} ({})", l.name, l.id),
                None,
            ),
            Some(o) if o.name != l.name || o.kind != l.kind => push(
                ChangeKind::Changed,
                "list",
                l.authority.as_str(),
                format!("list {}", l.id),
                Some(format!(
                    "{:?} ({}) → {:?} ({})",
                    o.name, o.kind, l.name, l.kind
                )),
            ),
            Some(_) => {}
        }
    }
    for o in old.lists() {
        if new.list(o.id.as_str()).is_none() {
            push(
                ChangeKind::Removed,
                "list",
                o.authority.as_str(),
                format!("list {} ({})", o.name, o.id),
                None,
            );
        }
    }
    // Relations.
    let (or, nr) = (rels(old), rels(new));
    for (k, n) in &nr {
        let what = format!("{} {} {}", k.0, k.1, k.2);
        match or.get(k) {
            None => push(
                ChangeKind::Added,
                "relation",
                &k.0,
                format!("{what}{}", relation_terms(n[0])),
                None,
            ),
            Some(o) => {
                let (a, b) = (relation_terms(o[0]), relation_terms(n[0]));
                if a != b || o[0].verification != n[0].verification {
                    push(
                        ChangeKind::Changed,
                        "relation",
                        &k.0,
                        what,
                        Some(format!(
                            "{} → {}",
                            describe(&a, &o[0].verification),
                            describe(&b, &n[0].verification)
                        )),
                    );
                }
            }
        }
    }
    for (k, o) in &or {
        if !nr.contains_key(k) {
            push(
                ChangeKind::Removed,
                "relation",
                &k.0,
                format!("{} {} {}{}", k.0, k.1, k.2, relation_terms(o[0])),
                None,
            );
        }
    }
    // Designations.
    let (od, nd) = (des(old), des(new));
    let since = |s: &str| {
        if s.is_empty() {
            String::new()
        } else {
            format!(" since {s}")
        }
    };
    for (k, n) in &nd {
        let what = format!("{} on {}{}", k.0, k.1, since(&k.2));
        match od.get(k) {
            None => push(ChangeKind::Added, "designation", &k.0, what, None),
            Some(o) if o.end != n.end => push(
                ChangeKind::Changed,
                "designation",
                &k.0,
                what,
                Some(format!(
                    "end {} → {}",
                    o.end.map_or("none".into(), |d| d.to_string()),
                    n.end.map_or("none".into(), |d| d.to_string())
                )),
            ),
            Some(_) => {}
        }
    }
    for k in od.keys() {
        if !nd.contains_key(k) {
            push(
                ChangeKind::Removed,
                "designation",
                &k.0,
                format!("{} on {}{}", k.0, k.1, since(&k.2)),
                None,
            );
        }
    }
    // MAC blocks.
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
    let (ob, nb) = (blocks(old), blocks(new));
    for (p, (e, a)) in &nb {
        match ob.get(p) {
            None => push(
                ChangeKind::Added,
                "mac-block",
                e,
                format!("MAC block {p} {a:?} of {e}"),
                None,
            ),
            Some((oe, oa)) if oe != e || oa != a => push(
                ChangeKind::Changed,
                "mac-block",
                e,
                format!("MAC block {p}"),
                Some(format!("{oe} ({oa:?}) → {e} ({a:?})")),
            ),
            Some(_) => {}
        }
    }
    for (p, (e, a)) in &ob {
        if !nb.contains_key(p) {
            push(
                ChangeKind::Removed,
                "mac-block",
                e,
                format!("MAC block {p} {a:?} of {e}"),
                None,
            );
        }
    }
    out
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
