//! `derisk registry path`: who controls an entity, by the control rules.

use std::fmt::Write as _;
use std::io::Write as _;

use derisk_core::{Entity, Relation, Verification};
use derisk_registry::{Control, ControlRules, Registry, Step, Tie};
use serde_json::{Value, json};

use crate::Outcome;
use crate::cli::DocFormat;
use crate::output::{json_document, stdout};
use crate::registry_cmd::{Citations, current_labels, find, sources_block};

pub(crate) fn path(
    r: &Registry,
    query: &str,
    format: DocFormat,
    rules: ControlRules,
) -> anyhow::Result<Outcome> {
    let e = find(r, query)?;
    let c = r
        .control(e.id.as_str(), rules)
        .ok_or_else(|| anyhow::anyhow!("{}: not in the registry", e.id))?;
    let mut out = stdout();
    match format {
        DocFormat::Text => out.write_all(text(r, &c).as_bytes())?,
        DocFormat::Json => json_document(&mut out, &document(r, &c))?,
    }
    out.flush()?;
    Ok(Outcome::Clean)
}

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

fn text(r: &Registry, c: &Control<'_>) -> String {
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

fn document(r: &Registry, c: &Control<'_>) -> Value {
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
