//! `derisk registry …`: validate, list, show and count the registry.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;

use anyhow::Context as _;
use comfy_table::{ContentArrangement, Table, presets};
use derisk_core::{
    Designation, Entity, EntityKind, Relation, RelationKind, SourceId, Verification,
};
use derisk_registry::{Chain, Loaded, Lookup, Registry, Severity};
use serde_json::{Value, json};

use crate::Outcome;
use crate::cli::{DataFormat, DocFormat, Global, RegistryCommand, TableFormat};
use crate::output::{json_document, json_line, stdout};

pub(crate) fn run(global: &Global, cmd: &RegistryCommand) -> anyhow::Result<Outcome> {
    match cmd {
        RegistryCommand::Validate { format, strict } => validate(global, *format, *strict),
        RegistryCommand::List {
            format,
            kind,
            designated,
        } => list(
            &load_for_use(global)?,
            *format,
            kind.as_deref(),
            *designated,
        ),
        RegistryCommand::Show { query, format } => show(&load_for_use(global)?, query, *format),
        RegistryCommand::Stats { format } => stats(&load_for_use(global)?, *format),
        RegistryCommand::Freshness { format, today } => {
            freshness(&load_for_use(global)?, *format, today.as_deref())
        }
        RegistryCommand::Build { out } => crate::snapshot_cmd::build(&load_for_use(global)?, out),
        RegistryCommand::Diff { old, new, format } => crate::snapshot_cmd::diff(old, new, *format),
        RegistryCommand::Mac { macs, format } => {
            crate::mac_cmd::mac(&load_for_use(global)?, macs, *format)
        }
        RegistryCommand::Ieee {
            files,
            output,
            source,
        } => crate::mac_cmd::ieee(&load_for_use(global)?, files, *output, source),
        RegistryCommand::Path {
            query,
            format,
            control,
        } => crate::path_cmd::path(&load_for_use(global)?, query, *format, control.rules()?),
    }
}

/// Where the global flags say the registry comes from.
pub(crate) fn sources(global: &Global) -> derisk_app::registry::Sources {
    derisk_app::registry::Sources {
        directory: global.registry.clone(),
        overlays: global.overlay.clone(),
        snapshot: global.snapshot.clone(),
        ftm: global.ftm.clone(),
        csl: global.csl.clone(),
        ieee: global.ieee.clone(),
        today: crate::today(),
    }
}

fn load(global: &Global) -> anyhow::Result<Loaded> {
    Ok(derisk_app::registry::load_files(&sources(global))?)
}

/// Loads the registry for a command that uses it. Records with errors are
/// left out; say so once on standard error so the user knows to validate.
pub(crate) fn load_for_use(global: &Global) -> anyhow::Result<Registry> {
    load_for_run(global).map(|(registry, _)| registry)
}

/// [`load_for_use`], with the content hash of the snapshot file when one
/// was loaded (recorded with runs).
pub(crate) fn load_for_run(global: &Global) -> anyhow::Result<(Registry, Option<String>)> {
    load_registry(global, false).map(|(r, hash, _)| (r, hash))
}

/// [`load_for_run`], with the name index of a snapshot used as it is
/// (no imports layered over it), for screening.
pub(crate) fn load_for_screening(
    global: &Global,
) -> anyhow::Result<(Registry, Option<String>, Option<derisk_match::Matcher>)> {
    load_registry(global, true)
}

fn load_registry(
    global: &Global,
    with_index: bool,
) -> anyhow::Result<(Registry, Option<String>, Option<derisk_match::Matcher>)> {
    let assembled = derisk_app::registry::assemble(&sources(global), with_index, &mut |e| {
        report(&e);
    })?;
    Ok((assembled.registry, assembled.snapshot_hash, assembled.index))
}

/// How many problems of one import are printed before the rest are
/// counted.
const SHOWN_PROBLEMS: usize = 20;

/// Says on standard error what happened while the registry was assembled.
fn report(event: &derisk_app::registry::Event) {
    use derisk_app::registry::Event;
    match event {
        Event::LeftOut { errors } => eprintln!(
            "derisk: warning: the registry has {}; the records at fault are left out \
             (run `derisk registry validate` for details)",
            count(*errors, "error")
        ),
        Event::IndexUnusable { file, why } => eprintln!(
            "derisk: warning: {}: the name index cannot be used ({why}); building it again",
            file.display()
        ),
        Event::Imported(import) => {
            for p in import.problems.iter().take(SHOWN_PROBLEMS) {
                eprintln!("derisk: {p}");
            }
            if import.problems.len() > SHOWN_PROBLEMS {
                eprintln!(
                    "derisk: … and {} more problems in {}",
                    import.problems.len() - SHOWN_PROBLEMS,
                    import.file
                );
            }
            eprintln!("derisk: {import}");
        }
    }
}

pub(crate) use derisk_app::registry::count;

// ------------------------------------------------------------------ validate

fn validate(global: &Global, format: DataFormat, strict: bool) -> anyhow::Result<Outcome> {
    let loaded = load(global)?;
    let mut out = stdout();
    for d in &loaded.diagnostics {
        match format {
            DataFormat::Text => writeln!(out, "{d}")?,
            DataFormat::Jsonl => json_line(
                &mut out,
                &json!({
                    "severity": d.severity.as_str(),
                    "file": d.file,
                    "line": d.line,
                    "column": d.column,
                    "field": d.field,
                    "message": d.message,
                }),
            )?,
        }
    }
    out.flush()?;
    let r = &loaded.registry;
    let (errors, warnings) = (loaded.error_count(), loaded.warning_count());
    eprintln!(
        "registry {}: {}, {}, {}, {}, {}, {}; {}, {}",
        r.short_hash(),
        count(r.files().len(), "file"),
        count(r.entities().len(), "entity"),
        count(r.relations().len(), "relation"),
        count(r.designations().len(), "designation"),
        count(r.sources().len(), "source"),
        count(r.mac_blocks().len(), "MAC block"),
        count(errors, "error"),
        count(warnings, "warning"),
    );
    let failed = errors > 0
        || (strict
            && loaded
                .diagnostics
                .iter()
                .any(|d| d.severity == Severity::Warning));
    Ok(if failed {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

// ---------------------------------------------------------------------- list

fn list(
    r: &Registry,
    format: TableFormat,
    kind: Option<&str>,
    designated: bool,
) -> anyhow::Result<Outcome> {
    let kind = kind.map(|k| EntityKind::parse(k).context("clap checked the kind"));
    let kind = kind.transpose()?;
    let entities = r
        .entities()
        .iter()
        .filter(|e| kind.is_none_or(|k| e.kind == k))
        .filter(|e| {
            !designated
                || r.designations_of(e.id.as_str())
                    .any(Designation::is_current)
        });
    let mut out = stdout();
    match format {
        TableFormat::Jsonl => {
            for e in entities {
                let designations: Vec<Value> = r
                    .designations_of(e.id.as_str())
                    .map(|d| designation_json(r, d))
                    .collect();
                let mut doc = json!({
                    "id": e.id,
                    "kind": e.kind,
                    "name": e.caption,
                    "country": e.country,
                    "state": e.state,
                    "designations": designations,
                });
                if let Verification::Unverified(reason) = &e.verification {
                    doc["unverified"] = json!(reason);
                }
                json_line(&mut out, &doc)?;
            }
        }
        TableFormat::Table => {
            let mut table = Table::new();
            table
                .load_style(presets::NOTHING)
                .set_content_arrangement(ContentArrangement::Disabled);
            table.set_header(["ID", "KIND", "CC", "NAME", "LISTS (current)"]);
            for e in entities {
                let mut name = e.caption.clone();
                if !e.verification.is_verified() {
                    name.push_str(" [unverified]");
                }
                table.add_row([
                    e.id.to_string(),
                    e.kind.to_string(),
                    e.country.map(|c| c.to_string()).unwrap_or_default(),
                    name,
                    current_labels(r, e),
                ]);
            }
            for column in table.column_iter_mut() {
                column.set_padding((0, 2));
            }
            for line in table.lines() {
                writeln!(out, "{}", line.trim_end())?;
            }
        }
    }
    out.flush()?;
    Ok(Outcome::Clean)
}

/// Short labels of the lists an entity is on without an end date; `?` marks
/// an unverified designation, `(from DATE)` one that starts after today.
pub(crate) fn current_labels(r: &Registry, e: &Entity) -> String {
    let today = crate::today();
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

fn designation_json(r: &Registry, d: &Designation) -> Value {
    let list = r.list(d.list.as_str());
    let mut doc = serde_json::to_value(d).unwrap_or(Value::Null);
    doc["list_name"] = json!(list.map(|l| &l.name));
    doc["list_short"] = json!(list.map(|l| &l.short));
    doc["authority"] = json!(list.map(|l| &l.authority));
    doc["jurisdiction"] = json!(list.map(|l| l.jurisdiction));
    doc
}

// ---------------------------------------------------------------------- show

fn show(r: &Registry, query: &str, format: DocFormat) -> anyhow::Result<Outcome> {
    let e = find(r, query)?;
    let mut out = stdout();
    match format {
        DocFormat::Text => out.write_all(show_text(r, e).as_bytes())?,
        DocFormat::Json => {
            json_document(&mut out, &show_json(r, e))?;
        }
    }
    out.flush()?;
    Ok(Outcome::Clean)
}

/// The entity a command's `<ID-OR-NAME>` names; an error that lists the
/// candidates when several fit.
pub(crate) fn find<'r>(r: &'r Registry, query: &str) -> anyhow::Result<&'r Entity> {
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
pub(crate) struct Citations {
    order: Vec<SourceId>,
    index: HashMap<SourceId, usize>,
}

impl Citations {
    pub(crate) fn cite(&mut self, ids: &[SourceId]) -> String {
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

fn show_text(r: &Registry, e: &Entity) -> String {
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
pub(crate) fn sources_block(r: &Registry, cites: &Citations, w: &mut impl FnMut(String)) {
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

fn show_json(r: &Registry, e: &Entity) -> Value {
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

// --------------------------------------------------------------------- stats

fn freshness(r: &Registry, format: DocFormat, today: Option<&str>) -> anyhow::Result<Outcome> {
    let today = match today {
        Some(t) => t
            .parse::<derisk_core::PartialDate>()
            .map_err(|e| anyhow::anyhow!("--today: {e}"))?,
        None => crate::today(),
    };
    let f = r.freshness(today, derisk_registry::ControlRules::default());
    let mut out = stdout();
    let date =
        |d: Option<derisk_core::PartialDate>| d.map_or_else(|| "-".to_owned(), |d| d.to_string());
    match format {
        DocFormat::Json => {
            let rows = |rows: &[derisk_registry::Fresh]| -> Vec<Value> {
                rows.iter()
                    .map(|x| {
                        json!({
                            "id": x.id,
                            "name": x.name,
                            "facts": x.facts,
                            "newest_fact": x.newest_fact.map(|d| d.to_string()),
                            "newest_source": x.newest_source.map(|d| d.to_string()),
                            "newest_source_id": x.newest_source_id.as_ref().map(|s| s.as_str()),
                            "stale": x.stale,
                            "undated": x.undated,
                            "upcoming": x.upcoming,
                        })
                    })
                    .collect()
            };
            let doc = json!({
                "registry": r.hash(),
                "today": f.today.to_string(),
                "stale_before": f.cutoff.to_string(),
                "lists": rows(&f.lists),
                "families": rows(&f.families),
            });
            json_document(&mut out, &doc)?;
        }
        DocFormat::Text => {
            writeln!(
                out,
                "registry {} on {}: a fact is stale when its newest source is from before {}",
                r.short_hash(),
                f.today,
                f.cutoff
            )?;
            writeln!(out)?;
            let table = |rows: &[derisk_registry::Fresh], what: &str| -> Vec<Vec<String>> {
                rows.iter()
                    .filter(|x| x.facts > 0 || what == "LIST")
                    .map(|x| {
                        vec![
                            x.id.clone(),
                            x.facts.to_string(),
                            date(x.newest_fact),
                            date(x.newest_source),
                            x.stale.to_string(),
                            x.undated.to_string(),
                            x.upcoming.to_string(),
                        ]
                    })
                    .collect()
            };
            crate::output::table(
                &mut out,
                &[
                    "LIST",
                    "DESIGNATIONS",
                    "NEWEST FACT",
                    "NEWEST SOURCE",
                    "STALE",
                    "UNDATED",
                    "UPCOMING",
                ],
                table(&f.lists, "LIST"),
            )?;
            writeln!(out)?;
            crate::output::table(
                &mut out,
                &[
                    "FAMILY",
                    "FACTS",
                    "NEWEST FACT",
                    "NEWEST SOURCE",
                    "STALE",
                    "UNDATED",
                    "UPCOMING",
                ],
                table(&f.families, "FAMILY"),
            )?;
            let t = f.total();
            writeln!(
                out,
                "\n{} facts: {} rest on sources from before {}, {} on undated sources only",
                t.facts, t.stale, f.cutoff, t.undated
            )?;
        }
    }
    Ok(Outcome::Clean)
}

fn stats(r: &Registry, format: DocFormat) -> anyhow::Result<Outcome> {
    let s = r.stats();
    let mut out = stdout();
    match format {
        DocFormat::Json => {
            let doc = json!({
                "registry": r.hash(),
                "files": s.files,
                "entities": s.entities,
                "names": s.names,
                "relations": s.relations,
                "designations": s.designations,
                "lists": s.lists,
                "sources": s.sources,
                "sources_by_standing": s.sources_by_standing,
                "designations_citing_primary": s.designations_primary,
                "mac_blocks": s.mac_blocks,
                "unverified": s.unverified,
            });
            json_document(&mut out, &doc)?;
        }
        DocFormat::Text => {
            let total = |m: &std::collections::BTreeMap<&str, usize>| m.values().sum::<usize>();
            let parts = |m: &std::collections::BTreeMap<&str, usize>| {
                m.iter()
                    .filter(|(_, n)| **n > 0)
                    .map(|(k, n)| format!("{k} {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            writeln!(out, "registry {} ({} files)", r.short_hash(), s.files)?;
            writeln!(
                out,
                "entities      {:>5}  ({})",
                total(&s.entities),
                parts(&s.entities)
            )?;
            writeln!(
                out,
                "names         {:>5}  ({})",
                total(&s.names),
                parts(&s.names)
            )?;
            writeln!(
                out,
                "relations     {:>5}  ({})",
                total(&s.relations),
                parts(&s.relations)
            )?;
            let designations = s.designations.values().sum::<usize>();
            writeln!(
                out,
                "designations  {designations:>5}  on {} lists; {} cite a primary source ({}%)",
                s.lists,
                s.designations_primary,
                (s.designations_primary * 100)
                    .checked_div(designations)
                    .unwrap_or(0)
            )?;
            writeln!(
                out,
                "sources       {:>5}  ({})",
                s.sources,
                parts(&s.sources_by_standing)
            )?;
            writeln!(
                out,
                "MAC blocks    {:>5}  ({})",
                total(&s.mac_blocks),
                parts(&s.mac_blocks)
            )?;
            writeln!(
                out,
                "unverified    {:>5}  facts shown as UNVERIFIED wherever they appear",
                s.unverified
            )?;
            writeln!(out)?;
            writeln!(out, "designations by list")?;
            let mut by_list: Vec<(&String, &usize)> = s.designations.iter().collect();
            by_list.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            for (list, n) in by_list {
                let short = r.list(list).map_or("", |l| l.short.as_str());
                writeln!(out, "  {n:>4}  {short:<8} {list}")?;
            }
        }
    }
    out.flush()?;
    Ok(Outcome::Clean)
}
