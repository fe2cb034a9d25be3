//! What the registry says of one entity, as documents that cite their
//! sources: its names, designations, owners and what it owns, the chains
//! up to its ultimate owners (`derisk registry show`), and who controls it
//! by the control rules (`derisk registry path`), as text or JSON.

use std::collections::HashMap;
use std::fmt::Write as _;

use derisk_core::{Designation, Entity, Relation, RelationKind, SourceId, Verification};
use derisk_registry::{Chain, Control, ControlRules, Lookup, Registry, Step, Tie};
use serde_json::{Value, json};

/// Short labels of the lists an entity is on without an end date; `?` marks
/// an unverified designation, `(from DATE)` one that starts after today.
pub fn current_labels(r: &Registry, e: &Entity) -> String {
    let today = crate::clock::today();
    let mut labels: Vec<String> = Vec::new();
    for d in r.designations_of(e.id.as_str()).filter(|d| d.is_current()) {
        let short = r
            .list(d.list.as_str())
            .map_or(d.list.as_str(), |l| l.short.as_str());
        let mut label = if d.verification.is_verified() {
            short.to_owned()
        } else {
            format!("{short}?")
        };
        if let Some(start) = d.start.filter(|s| *s > today) {
            label.push_str(&format!("(from {start})"));
        }
        if !labels.contains(&label) {
            labels.push(label);
        }
    }
    labels.join(" ")
}

/// A designation with its list's name, short form, authority and
/// jurisdiction.
pub fn designation_json(r: &Registry, d: &Designation) -> Value {
    let list = r.list(d.list.as_str());
    let mut doc = serde_json::to_value(d).unwrap_or(Value::Null);
    doc["list_name"] = json!(list.map(|l| &l.name));
    doc["list_short"] = json!(list.map(|l| &l.short));
    doc["authority"] = json!(list.map(|l| &l.authority));
    doc["jurisdiction"] = json!(list.map(|l| l.jurisdiction));
    doc
}

/// The entity a command's `<ID-OR-NAME>` names; an error that lists the
/// candidates when several fit.
pub fn find<'r>(r: &'r Registry, query: &str) -> anyhow::Result<&'r Entity> {
    Ok(match r.lookup(query) {
        Lookup::Found(e) => e,
        Lookup::NotFound => anyhow::bail!(
            "no entity has the id or a name matching {query:?}; `derisk registry list` shows them all"
        ),
        Lookup::Ambiguous(candidates) => {
            let mut msg = format!(
                "{} entities match {query:?}; name one by its id:",
                candidates.len()
            );
            for c in candidates.iter().take(20) {
                let _ = write!(msg, "\n  {:<28} {}", c.id, c.caption);
            }
            if candidates.len() > 20 {
                let _ = write!(msg, "\n  … and {} more", candidates.len() - 20);
            }
            anyhow::bail!(msg)
        }
    })
}

/// Numbers sources in the order a document first cites them.
#[derive(Default)]
pub struct Citations {
    order: Vec<SourceId>,
    index: HashMap<SourceId, usize>,
}

impl Citations {
    /// The citation marks (`[1][2]`) of `ids`, numbering new ones.
    pub fn cite(&mut self, ids: &[SourceId]) -> String {
        let mut s = String::new();
        for id in ids {
            let n = *self.index.entry(id.clone()).or_insert_with(|| {
                self.order.push(id.clone());
                self.order.len()
            });
            let _ = write!(s, "[{n}]");
        }
        s
    }
}

/// A relation as seen from one of its ends.
struct Seen<'r> {
    /// How it reads from this end ("owned ~40% by", "parent of").
    phrase: String,
    relation: &'r Relation,
    /// The id of the entity at the other end.
    other: &'r str,
}

/// How a relation reads from its subject's end (`forward`) or its
/// object's: "owned ~40% by", "owns ~40% of", "brand of".
fn phrase(rel: &Relation, forward: bool) -> String {
    let controls = rel.control == Some(true);
    match (rel.kind, rel.share, forward) {
        (RelationKind::OwnedBy, Some(share), true) if controls => {
            format!("owned {share} and controlled by")
        }
        (RelationKind::OwnedBy, Some(share), false) if controls => {
            format!("owns {share} of and controls")
        }
        (RelationKind::OwnedBy, Some(share), true) => format!("owned {share} by"),
        (RelationKind::OwnedBy, Some(share), false) => format!("owns {share} of"),
        (kind, _, true) => kind.forward_phrase().to_owned(),
        (kind, _, false) => kind.backward_phrase().to_owned(),
    }
}

/// An entity's relations split into those pointing up (its owners,
/// controllers, brand owners and makers) and those pointing down.
fn split_relations<'r>(r: &'r Registry, e: &Entity) -> (Vec<Seen<'r>>, Vec<Seen<'r>>) {
    let mut up = Vec::new();
    let mut down = Vec::new();
    for relation in r.relations_from(e.id.as_str()) {
        let seen = Seen {
            phrase: phrase(relation, true),
            relation,
            other: relation.object.as_str(),
        };
        if relation.kind.object_is_behind_subject() {
            up.push(seen)
        } else {
            down.push(seen)
        }
    }
    for relation in r.relations_to(e.id.as_str()) {
        let seen = Seen {
            phrase: phrase(relation, false),
            relation,
            other: relation.subject.as_str(),
        };
        if relation.kind == RelationKind::OemOf {
            up.push(seen)
        } else {
            down.push(seen)
        }
    }
    (up, down)
}

/// What the registry says of an entity, as a cited text document
/// (`derisk registry show`).
pub fn show_text(r: &Registry, e: &Entity) -> String {
    let mut cites = Citations::default();
    let mut s = String::new();
    let mut w = |line: String| {
        s.push_str(line.trim_end());
        s.push('\n');
    };

    w(format!("{}  {}", e.caption, cites.cite(&e.sources)));
    let mut facts = vec![format!("id {}", e.id), e.kind.to_string()];
    if let Some(c) = e.country {
        facts.push(format!("country {c}"));
    }
    if let Some(st) = e.state {
        facts.push(format!("organ of the state {st}"));
    }
    w(format!("  {}", facts.join(" · ")));
    unverified_line(&mut w, "  ", &e.verification);
    if let Some(note) = &e.note {
        w(format!("  {note}"));
    }

    w(String::new());
    w("Names".into());
    let width = e
        .names
        .iter()
        .map(|n| n.kind.as_str().len())
        .max()
        .unwrap_or(0);
    for n in &e.names {
        let mut line = format!("  {:<width$}  {}", n.kind.as_str(), n.value);
        if let Some(lang) = &n.lang {
            let _ = write!(line, " ({lang})");
        }
        if let Some(range) = date_range(n.start, n.end) {
            let _ = write!(line, " {range}");
        }
        let _ = write!(line, "  {}", cites.cite(&n.sources));
        w(line);
        unverified_line(&mut w, "      ", &n.verification);
    }

    if !e.identifiers.is_empty() {
        w(String::new());
        w("Identifiers".into());
        for i in &e.identifiers {
            w(format!(
                "  {:<8} {}  {}",
                i.scheme.as_str(),
                i.value,
                cites.cite(&i.sources)
            ));
            unverified_line(&mut w, "      ", &i.verification);
        }
    }

    let designations: Vec<&Designation> = r.designations_of(e.id.as_str()).collect();
    if !designations.is_empty() {
        w(String::new());
        w("Designations".into());
        for d in designations {
            let list = r.list(d.list.as_str());
            let name = list.map_or(d.list.as_str(), |l| l.name.as_str());
            let short = list.map_or("", |l| l.short.as_str());
            let authority = list
                .and_then(|l| r.entity(l.authority.as_str()))
                .map_or(String::new(), |a| format!(" · {}", a.caption));
            let mut line = format!("  {:<10}  {name} [{short}]{authority}", start_text(d));
            if let Some(end) = d.end {
                let _ = write!(line, " · ended {end}");
            }
            let _ = write!(line, "  {}", cites.cite(&d.sources));
            w(line);
            for (label, value) in [
                ("reference", &d.reference),
                ("program", &d.program),
                ("note", &d.note),
            ] {
                if let Some(v) = value {
                    w(format!("              {label}: {v}"));
                }
            }
            unverified_line(&mut w, "              ", &d.verification);
        }
    }

    let (up, down) = split_relations(r, e);
    for (title, rels) in [
        ("Owned, controlled or made by", up),
        ("Owns, controls or makes for", down),
    ] {
        if rels.is_empty() {
            continue;
        }
        w(String::new());
        w(title.into());
        for Seen {
            phrase,
            relation: rel,
            other,
        } in rels
        {
            let other = r
                .entity(other)
                .map_or_else(|| other.to_owned(), |o| format!("{} ({})", o.caption, o.id));
            let mut line = format!("  {phrase} {other}");
            if let Some(range) = date_range(rel.start, rel.end) {
                let _ = write!(line, " {range}");
            }
            let _ = write!(line, "  {}", cites.cite(&rel.sources));
            w(line);
            if let Some(note) = &rel.note {
                w(format!("      {note}"));
            }
            unverified_line(&mut w, "      ", &rel.verification);
        }
    }

    let chains = r.chains_up(e.id.as_str());
    if !chains.is_empty() {
        w(String::new());
        w("Chains to the top (current links; ? = unverified link; [lists] = designations in force)".into());
        for chain in &chains {
            w(format!("  {}", chain_text(r, e, chain)));
        }
        // The evidence for every step beyond the entity's own links (shown
        // above), and the affiliations of the parties on the way.
        let nodes = chain_nodes(&chains);
        let mut links: Vec<&Relation> = Vec::new();
        for rel in chains
            .iter()
            .flat_map(|c| c.links.iter().map(|l| l.relation))
        {
            let own = rel.subject == e.id || rel.object == e.id;
            if !own && !links.iter().any(|l| std::ptr::eq(*l, rel)) {
                links.push(rel);
            }
        }
        for node in &nodes {
            links.extend(
                r.relations_from(node.id.as_str())
                    .filter(|rel| rel.kind == RelationKind::AffiliatedWith && rel.is_current()),
            );
        }
        if !links.is_empty() {
            w(String::new());
            w("Links along these chains".into());
            for rel in links {
                w(format!(
                    "  {} {} {}  {}",
                    rel.subject,
                    phrase(rel, true),
                    rel.object,
                    cites.cite(&rel.sources)
                ));
                unverified_line(&mut w, "      ", &rel.verification);
            }
        }
        let reached: Vec<(&Entity, &Designation)> = nodes
            .iter()
            .flat_map(|n| {
                r.designations_of(n.id.as_str())
                    .filter(|d| d.is_current())
                    .map(move |d| (*n, d))
            })
            .collect();
        if !reached.is_empty() {
            w(String::new());
            w("Designations in force along these chains".into());
            let width = reached
                .iter()
                .map(|(n, _)| n.id.as_str().len())
                .max()
                .unwrap_or(0);
            for (node, d) in reached {
                let list = r.list(d.list.as_str());
                w(format!(
                    "  {:<width$}  {:<10}  {} [{}]  {}",
                    node.id,
                    start_text(d),
                    list.map_or(d.list.as_str(), |l| l.name.as_str()),
                    list.map_or("", |l| l.short.as_str()),
                    cites.cite(&d.sources)
                ));
                unverified_line(&mut w, "      ", &d.verification);
            }
        }
    }

    let blocks: Vec<_> = r.mac_blocks_of(e.id.as_str()).collect();
    if !blocks.is_empty() {
        w(String::new());
        w("IEEE MAC address blocks".into());
        let mut groups: Vec<(String, Vec<&derisk_core::MacBlock>)> = Vec::new();
        for b in blocks {
            let key = format!("{} \"{}\"", b.registry, b.assignee);
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => v.push(b),
                None => groups.push((key, vec![b])),
            }
        }
        for (key, group) in groups {
            let prefixes: Vec<&str> = group.iter().take(6).map(|b| b.prefix.as_str()).collect();
            let more = if group.len() > 6 {
                format!(" … ({} in all)", group.len())
            } else {
                String::new()
            };
            w(format!(
                "  {key}: {}{more}  {}",
                prefixes.join(" "),
                cites.cite(&group[0].sources)
            ));
        }
    }

    sources_block(r, &cites, &mut w);
    s
}

/// The numbered sources a text document cited, and the registry version.
pub fn sources_block(r: &Registry, cites: &Citations, w: &mut impl FnMut(String)) {
    w(String::new());
    w("Sources".into());
    for (i, id) in cites.order.iter().enumerate() {
        match r.source(id.as_str()) {
            Some(src) => {
                let date = src
                    .published
                    .map_or_else(|| "undated".to_owned(), |d| d.to_string());
                let standing = src
                    .standing
                    .map_or_else(String::new, |s| format!(" ({})", s.as_str()));
                w(format!(
                    "  [{}] {} — {}, {date}{standing}",
                    i + 1,
                    src.title,
                    src.publisher
                ));
                w(format!("      {}", src.url));
                if let Some(note) = &src.note {
                    w(format!("      {note}"));
                }
            }
            None => w(format!("  [{}] {id} (not in the registry)", i + 1)),
        }
    }
    w(String::new());
    w(format!(
        "registry {} ({} files)",
        r.short_hash(),
        r.files().len()
    ));
}

/// When a designation took effect, or "undated".
fn start_text(d: &Designation) -> String {
    d.start
        .map_or_else(|| "undated".to_owned(), |s| s.to_string())
}

fn unverified_line(w: &mut impl FnMut(String), indent: &str, v: &Verification) {
    if let Verification::Unverified(reason) = v {
        w(format!("{indent}UNVERIFIED: {reason}"));
    }
}

fn date_range(
    start: Option<derisk_core::PartialDate>,
    end: Option<derisk_core::PartialDate>,
) -> Option<String> {
    match (start, end) {
        (None, None) => None,
        (Some(s), None) => Some(format!("(since {s})")),
        (None, Some(e)) => Some(format!("(until {e})")),
        (Some(s), Some(e)) => Some(format!("({s} to {e})")),
    }
}

/// The distinct entities on `chains` above the start, in order of first
/// appearance.
fn chain_nodes<'r>(chains: &[Chain<'r>]) -> Vec<&'r Entity> {
    let mut nodes: Vec<&Entity> = Vec::new();
    for link in chains.iter().flat_map(|c| &c.links) {
        if !nodes.iter().any(|n| n.id == link.entity.id) {
            nodes.push(link.entity);
        }
    }
    nodes
}

fn chain_text(r: &Registry, start: &Entity, chain: &Chain<'_>) -> String {
    let mut s = start.id.to_string();
    for link in &chain.links {
        let rel = link.relation;
        let mut label = rel.kind.as_str().to_owned();
        if rel.kind == RelationKind::OemOf {
            label = "made-by".into();
        }
        if let Some(share) = rel.share {
            let _ = write!(label, " {share}");
        }
        if !rel.verification.is_verified() {
            label.push('?');
        }
        let _ = write!(s, " —{label}→ {}", link.entity.id);
        let lists = current_labels(r, link.entity);
        if !lists.is_empty() {
            let _ = write!(s, " [{lists}]");
        }
        if let Some(state) = link.entity.state {
            let _ = write!(s, " (state organ, {state})");
        }
    }
    if chain.cycle {
        s.push_str(" (cycle)");
    }
    s
}

/// What the registry says of an entity, as a JSON document with every
/// source it cites resolved (`derisk registry show --format json`).
pub fn show_json(r: &Registry, e: &Entity) -> Value {
    let relation_json = |phrase: &str, rel: &Relation, other: &str| {
        let mut v = serde_json::to_value(rel).unwrap_or(Value::Null);
        v["phrase"] = json!(phrase);
        v["other"] = json!(other);
        v["other_name"] = json!(r.entity(other).map(|o| &o.caption));
        v
    };
    let (up, down) = split_relations(r, e);
    // Each link carries the relation followed (with its sources), and the
    // entity reached with its current designations and affiliations: the
    // same evidence the text output cites.
    let chains: Vec<Value> = r
        .chains_up(e.id.as_str())
        .iter()
        .map(|c| {
            let links: Vec<Value> = c
                .links
                .iter()
                .map(|l| {
                    let id = l.entity.id.as_str();
                    json!({
                        "relation": l.relation,
                        "entity": id,
                        "name": l.entity.caption,
                        "state": l.entity.state,
                        "designations": r
                            .designations_of(id)
                            .filter(|d| d.is_current())
                            .map(|d| designation_json(r, d))
                            .collect::<Vec<_>>(),
                        "affiliations": r
                            .relations_from(id)
                            .filter(|rel| rel.kind == RelationKind::AffiliatedWith && rel.is_current())
                            .collect::<Vec<_>>(),
                    })
                })
                .collect();
            json!({ "cycle": c.cycle, "links": links })
        })
        .collect();
    let mut doc = json!({
        "registry": r.hash(),
        "entity": e,
        "designations": r.designations_of(e.id.as_str()).map(|d| designation_json(r, d)).collect::<Vec<_>>(),
        "upward": up.iter().map(|s| relation_json(&s.phrase, s.relation, s.other)).collect::<Vec<_>>(),
        "downward": down.iter().map(|s| relation_json(&s.phrase, s.relation, s.other)).collect::<Vec<_>>(),
        "chains": chains,
        "mac_blocks": r.mac_blocks_of(e.id.as_str()).collect::<Vec<_>>(),
    });
    // Resolve every source the document cites, wherever it cites it.
    let mut cited = Vec::new();
    cited_sources(&doc, &mut cited);
    let mut sources = serde_json::Map::new();
    for id in cited {
        if let Some(src) = r.source(&id) {
            sources.insert(id, serde_json::to_value(src).unwrap_or(Value::Null));
        }
    }
    doc["sources"] = Value::Object(sources);
    doc
}

/// Every source id in a `sources` array anywhere in `v`, in document
/// order, without repeats.
fn cited_sources(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("sources", Value::Array(ids)) => {
                        for id in ids.iter().filter_map(Value::as_str) {
                            if !out.iter().any(|s| s == id) {
                                out.push(id.to_owned());
                            }
                        }
                    }
                    _ => cited_sources(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| cited_sources(i, out)),
        _ => {}
    }
}

// ---------------------------------------------------------------------- path

/// The rules in one sentence.
fn rules_text(rules: ControlRules) -> String {
    format!(
        "control: subsidiary, brand and former-identity links, ownership the sources say controls, \
         and shares above {}% held directly or added up through controlled holders; \
         significant influence from {}%",
        rules.control_above, rules.influence_from
    )
}

/// How a step reads on a chain: "subsidiary", "~40% stated control",
/// "sum 55% (30% investor, 25% vehicle)"; `?` marks an unverified link.
fn step_label(s: &Step<'_>) -> String {
    match s {
        Step::Link(h) => link_label(h.tie, h.relation),
        Step::Sum { total, stakes, .. } => {
            let parts: Vec<String> = stakes
                .iter()
                .map(|r| {
                    let share = r.share.map(|s| s.to_string()).unwrap_or_default();
                    format!("{share} {}{}", r.object, mark(r))
                })
                .collect();
            format!("sum {total}% ({})", parts.join(", "))
        }
    }
}

fn link_label(tie: Tie, r: &Relation) -> String {
    let share = r.share.map(|s| format!("{s} ")).unwrap_or_default();
    let label = match tie {
        Tie::StatedControl => format!("{share}stated control"),
        Tie::Majority | Tie::Influence | Tie::Minority => share.trim_end().to_owned(),
        Tie::UnknownShare => "share not given".to_owned(),
        t => t.as_str().replace('-', " "),
    };
    format!("{label}{}", mark(r))
}

fn mark(r: &Relation) -> &'static str {
    if r.verification.is_verified() {
        ""
    } else {
        "?"
    }
}

/// Who controls an entity, as a cited text document (`derisk registry path`).
pub fn path_text(r: &Registry, c: &Control<'_>) -> String {
    let mut cites = Citations::default();
    let mut s = String::new();
    let mut w = |line: String| {
        s.push_str(&line);
        s.push('\n');
    };
    let e = c.entity;
    w(format!("{} ({})", e.caption, e.id));
    w(format!("  rules: {}", rules_text(c.rules)));
    w(String::new());
    if c.controllers.is_empty() {
        w("Controlled by: no one, by these rules and the registry's links".into());
    } else {
        w("Controlled by (nearest first)".into());
        for k in &c.controllers {
            let mut head = format!("  {}  {}", k.entity.id, k.entity.caption);
            let lists = current_labels(r, k.entity);
            if !lists.is_empty() {
                let _ = write!(head, " [{lists}]");
            }
            if k.ultimate {
                head.push_str(" · ultimate");
            }
            if let Some(state) = k.entity.state {
                let _ = write!(head, " · state organ ({state})");
            }
            w(head);
            let mut chain = e.id.to_string();
            for step in &k.path {
                let _ = write!(chain, " —{}→ {}", step_label(step), step.to().id);
            }
            w(format!(
                "    {chain}  {}",
                cites.cite(&Step::sources(&k.path))
            ));
        }
    }
    w(String::new());
    match c.state() {
        Some(state) => w(format!(
            "State control: yes, through {} ({})",
            state.id,
            state.state.map(|s| s.to_string()).unwrap_or_default()
        )),
        None => w("State control: none found in the registry".into()),
    }
    if !c.holdings.is_empty() {
        w(String::new());
        w("Other ties (not control)".into());
        for h in &c.holdings {
            let hop = &h.hop;
            let mut line = format!(
                "  {} ← {} ({}): {}",
                hop.from.id,
                hop.to.id,
                hop.to.caption,
                tie_sentence(hop.tie, hop.relation)
            );
            if let Some(state) = h.state {
                if state.id == hop.to.id {
                    line.push_str("; a state organ");
                } else {
                    let _ = write!(line, "; state-owned through {}", state.id);
                }
            }
            let _ = write!(line, "  {}", cites.cite(&hop.relation.sources));
            w(line);
            if let Verification::Unverified(reason) = &hop.relation.verification {
                w(format!("      unverified: {reason}"));
            }
        }
    }
    if !c.conflicts.is_empty() {
        w(String::new());
        w("Sources that disagree (the larger share is used)".into());
        for k in &c.conflicts {
            let parts: Vec<String> = k
                .relations
                .iter()
                .map(|rel| {
                    let share = rel.share.map(|s| s.to_string()).unwrap_or_default();
                    format!("{share} {}", cites.cite(&rel.sources))
                })
                .collect();
            w(format!(
                "  {} ← {}: {}",
                k.held.id,
                k.holder.id,
                parts.join(" vs ")
            ));
        }
    }
    if !c.cycles.is_empty() {
        w(String::new());
        w("Cycles (cut where they close)".into());
        for cycle in &c.cycles {
            let ids: Vec<&str> = cycle.iter().map(|e| e.id.as_str()).collect();
            w(format!("  {}", ids.join(" → ")));
        }
    }
    sources_block(r, &cites, &mut w);
    s
}

/// "38.88% significant influence", "shareholder, share not given".
fn tie_sentence(tie: Tie, r: &Relation) -> String {
    let share = r.share.map(|s| format!("{s} ")).unwrap_or_default();
    let unverified = if r.verification.is_verified() {
        ""
    } else {
        " (unverified)"
    };
    match tie {
        Tie::Influence | Tie::Minority => format!("{share}{}{unverified}", tie.phrase()),
        t => format!("{}{unverified}", t.phrase()),
    }
}

fn entity_json(e: &Entity) -> Value {
    json!({ "entity_id": e.id, "name": e.caption })
}

fn relation_json(r: &Relation) -> Value {
    let mut v = json!({
        "subject": r.subject,
        "relation": r.kind.as_str(),
        "object": r.object,
    });
    if let Some(share) = r.share {
        v["share"] = json!(share.percent);
        v["approximate"] = json!(share.approximate);
    }
    if let Some(control) = r.control {
        v["stated_control"] = json!(control);
    }
    if r.indirect {
        v["indirect"] = json!(true);
    }
    v["sources"] = json!(r.sources);
    v["verification"] = json!(r.verification);
    v
}

fn step_json(s: &Step<'_>) -> Value {
    match s {
        Step::Link(h) => json!({
            "to": entity_json(h.to),
            "control": h.tie.as_str(),
            "relation": relation_json(h.relation),
        }),
        Step::Sum {
            by, total, stakes, ..
        } => json!({
            "to": entity_json(by),
            "control": "sum",
            "total": total,
            "stakes": stakes.iter().map(|r| relation_json(r)).collect::<Vec<_>>(),
        }),
    }
}

/// Who controls an entity, as a JSON document (`derisk registry path --format json`).
pub fn path_document(r: &Registry, c: &Control<'_>) -> Value {
    let controllers: Vec<Value> = c
        .controllers
        .iter()
        .map(|k| {
            let mut v = entity_json(k.entity);
            v["ultimate"] = json!(k.ultimate);
            v["state"] = json!(k.entity.state.map(|s| s.to_string()));
            v["path"] = json!(k.path.iter().map(step_json).collect::<Vec<_>>());
            v
        })
        .collect();
    let holdings: Vec<Value> = c
        .holdings
        .iter()
        .map(|h| {
            json!({
                "held": entity_json(h.hop.from),
                "holder": entity_json(h.hop.to),
                "tie": h.hop.tie.as_str(),
                "state": h.state.map(|s| s.id.as_str()),
                "relation": relation_json(h.hop.relation),
            })
        })
        .collect();
    let conflicts: Vec<Value> = c
        .conflicts
        .iter()
        .map(|k| {
            json!({
                "held": k.held.id,
                "holder": k.holder.id,
                "relations": k.relations.iter().map(|r| relation_json(r)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let cycles: Vec<Vec<&str>> = c
        .cycles
        .iter()
        .map(|cy| cy.iter().map(|e| e.id.as_str()).collect())
        .collect();
    json!({
        "entity": entity_json(c.entity),
        "rules": {
            "control_above": c.rules.control_above,
            "influence_from": c.rules.influence_from,
        },
        "controllers": controllers,
        "state": c.state().map(|s| s.id.as_str()),
        "holdings": holdings,
        "conflicts": conflicts,
        "cycles": cycles,
        "registry": r.hash(),
    })
}
