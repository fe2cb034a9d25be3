//! Findings on the wire: the typed shape of what `derisk screen`, `derisk
//! assets` and `derisk procurement` print as JSON lines and record as a
//! finding's detail, serialised by serde in the field order
//! `docs/formats/findings.md` documents (and
//! `docs/formats/findings.schema.json` checks). Each type borrows from the
//! registry and the engine's result it describes, so writing a line builds
//! no intermediate JSON tree.

use derisk_core::{
    DesignationRef, EntityId, Identifier, PathStep, ScorePart, SourceId, Verification,
};
use derisk_match::{Hit, round3};
use derisk_registry::Registry;
use derisk_store::Status;
use serde::Serialize;

use crate::screen::entity_name;

/// A step of a path of controllers and makers.
#[derive(Clone, Debug, Serialize)]
pub struct Step<'a> {
    /// The entity reached.
    pub entity_id: &'a EntityId,
    /// Its caption.
    pub name: &'a str,
    /// The relation followed.
    pub relation: &'static str,
    /// Why it counts (`subsidiary`, `majority`, `maker`, ...).
    pub control: &'static str,
    /// The share, for ownership.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share: Option<String>,
    /// The relation's sources.
    pub sources: &'a [SourceId],
    /// Whether the sources fully support it.
    pub verification: &'a Verification,
}

/// A designation in force along a path.
#[derive(Clone, Debug, Serialize)]
pub struct Designation<'a> {
    /// The entity designated.
    pub entity_id: &'a EntityId,
    /// Its caption.
    pub entity: &'a str,
    /// The list.
    pub list: &'a derisk_core::ListId,
    /// The list's name, when the registry has the list.
    pub list_name: Option<&'a str>,
    /// When it took effect.
    pub start: Option<String>,
    /// Its sources.
    pub sources: &'a [SourceId],
    /// Whether the sources fully support it.
    pub verification: &'a Verification,
}

/// A stake that is not control, held in the entity or a controller.
#[derive(Clone, Debug, Serialize)]
pub struct Tie<'a> {
    /// The party held.
    pub held: &'a EntityId,
    /// The holder.
    pub holder: &'a EntityId,
    /// The holder's caption.
    pub holder_name: &'a str,
    /// `influence`, `minority` or `unknown-share`.
    pub tie: &'static str,
    /// Always false: a tie is not control.
    pub control: bool,
    /// The relation.
    pub relation: &'static str,
    /// The share, when known.
    pub share: Option<String>,
    /// Since when, when known.
    pub start: Option<String>,
    /// The state organ behind the holder, if any.
    pub state: Option<&'a EntityId>,
    /// The relation's sources.
    pub sources: &'a [SourceId],
}

/// A screening hit: the entity, the name that matched, the score with its
/// parts and sentence, and what is behind the entity.
#[derive(Clone, Debug, Serialize)]
pub struct Match<'a> {
    /// The entity.
    pub entity_id: &'a EntityId,
    /// The registry name that matched.
    pub name: &'a str,
    /// The entity's caption.
    pub caption: &'a str,
    /// The score, to three decimals.
    pub score: f64,
    /// `match` or `review`.
    pub decision: &'static str,
    /// The score's parts in one sentence.
    pub explanation: &'a str,
    /// Controllers and makers behind the entity.
    pub path: Vec<Step<'a>>,
    /// Designations in force along the path.
    pub designations: Vec<Designation<'a>>,
    /// The score's parts.
    pub score_parts: &'a [ScorePart],
    /// Stakes that are not control.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ties: Vec<Tie<'a>>,
    /// The identifier equal on both sides, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<&'a Identifier>,
}

/// The analyst's decision behind a finding's status.
#[derive(Clone, Debug, Serialize)]
pub struct Analyst<'a> {
    /// `confirmed` or `dismissed`.
    pub verdict: &'static str,
    /// Why.
    pub reason: &'a str,
    /// Who.
    pub by: &'a str,
    /// When.
    pub at: &'a str,
    /// The run the decision was taken on.
    pub run: i64,
}

/// A finding of a screened record: its key, the hit, its status.
#[derive(Clone, Debug, Serialize)]
pub struct Finding<'a> {
    /// The finding's key.
    pub finding: &'a str,
    /// The hit.
    #[serde(flatten)]
    pub hit: Match<'a>,
    /// `open`, `confirmed`, `dismissed` or `reopened`.
    pub status: &'static str,
    /// The decision behind the status, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analyst: Option<Analyst<'a>>,
}

/// A screened record's line (`derisk screen --format jsonl`).
#[derive(Clone, Debug, Serialize)]
pub struct Screened<'a> {
    /// The file (`-` for standard input).
    pub file: &'a str,
    /// Its line or row.
    pub row: u64,
    /// The name as read.
    pub input: &'a str,
    /// The country as read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<&'a str>,
    /// The user's identifier of the record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<&'a str>,
    /// Its findings, best first.
    pub matches: Vec<Finding<'a>>,
    /// The registry's short hash.
    pub registry: &'a str,
}

/// A path on the wire.
pub fn path<'a>(r: &'a Registry, path: &'a [PathStep]) -> Vec<Step<'a>> {
    path.iter()
        .map(|s| Step {
            entity_id: &s.entity,
            name: entity_name(r, s.entity.as_str(), false),
            relation: s.via.as_str(),
            control: s.basis,
            share: s.share.map(|share| share.to_string()),
            sources: &s.sources,
            verification: &s.verification,
        })
        .collect()
}

/// Designations on the wire.
pub fn designations<'a>(
    r: &'a Registry,
    designations: &'a [DesignationRef],
) -> Vec<Designation<'a>> {
    designations
        .iter()
        .map(|d| Designation {
            entity_id: &d.entity,
            entity: entity_name(r, d.entity.as_str(), false),
            list: &d.list,
            list_name: r.list(d.list.as_str()).map(|l| l.name.as_str()),
            start: d.start.map(|s| s.to_string()),
            sources: &d.sources,
            verification: &d.verification,
        })
        .collect()
}

/// A hit on the wire.
pub fn hit<'a>(r: &'a Registry, h: &'a Hit<'_>) -> Match<'a> {
    Match {
        entity_id: &h.entity.id,
        name: &h.name.value,
        caption: &h.entity.caption,
        score: round3(h.score),
        decision: h.decision.as_str(),
        explanation: &h.explanation,
        path: path(r, &h.path),
        designations: designations(r, &h.designations),
        score_parts: &h.parts,
        ties: h
            .ties
            .iter()
            .map(|t| Tie {
                held: &t.held,
                holder: &t.holder,
                holder_name: entity_name(r, t.holder.as_str(), false),
                tie: t.tie,
                control: false,
                relation: t.via.as_str(),
                share: t.share.map(|s| s.to_string()),
                start: t.start.map(|d| d.to_string()),
                state: t.state.as_ref(),
                sources: &t.sources,
            })
            .collect(),
        identifier: h.identifier,
    }
}

/// The decision behind a status, on the wire.
pub fn analyst<'a>(status: &Status<'a>) -> Option<Analyst<'a>> {
    status.decision().map(|d| Analyst {
        verdict: d.verdict.as_str(),
        reason: &d.reason,
        by: &d.by,
        at: &d.at,
        run: d.run,
    })
}
