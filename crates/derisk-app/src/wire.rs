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

// ------------------------------------------------------------ procurement

/// A supplier's (or buyer's) registry match.
#[derive(Clone, Debug, Serialize)]
pub struct PartyMatch<'a> {
    /// The entity.
    pub entity_id: &'a EntityId,
    /// Its caption.
    pub caption: &'a str,
    /// The registry name that matched.
    pub name: &'a str,
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
}

/// A party of an award (buyer, supplier) with its matches.
#[derive(Clone, Debug, Serialize)]
pub struct AwardParty<'a> {
    /// Its name as the notice gives it.
    pub name: &'a Option<String>,
    /// Its id within the notice.
    pub id: &'a Option<String>,
    /// Its registration number.
    pub registration: &'a Option<String>,
    /// Its country.
    pub country: &'a Option<String>,
    /// The registry entities it matched.
    pub matches: Vec<PartyMatch<'a>>,
}

/// A field a notice withholds.
#[derive(Clone, Debug, Serialize)]
pub struct Withheld<'a> {
    /// The field.
    pub field: &'a str,
    /// Why.
    pub reason: &'a Option<String>,
    /// Until when.
    pub until: &'a Option<String>,
}

/// Programme participation (CORDIS).
#[derive(Clone, Debug, Serialize)]
pub struct Programme<'a> {
    /// The programme.
    pub programme: &'a Option<String>,
    /// The project's acronym.
    pub acronym: &'a Option<String>,
    /// The participant's role.
    pub role: &'a Option<String>,
}

/// An award's line (`derisk procurement --format jsonl`).
#[derive(Clone, Debug, Serialize)]
pub struct Award<'a> {
    /// The notice.
    pub notice_id: &'a Option<String>,
    /// The format it was read from.
    pub source: Option<&'static str>,
    /// The notice type.
    pub notice_type: &'a Option<String>,
    /// The file.
    pub file: &'a str,
    /// Its line, for line formats.
    pub line: Option<u64>,
    /// Its byte offset, for documents.
    pub offset: Option<u64>,
    /// The buyer.
    pub buyer: Option<AwardParty<'a>>,
    /// The suppliers.
    pub suppliers: Vec<AwardParty<'a>>,
    /// The lot.
    pub lot: &'a Option<String>,
    /// CPV codes.
    pub cpv: &'a [String],
    /// The amount.
    pub value: Option<f64>,
    /// Its currency.
    pub currency: Option<&'a str>,
    /// The amount in euro.
    pub value_eur: Option<f64>,
    /// The date.
    pub date: &'a Option<String>,
    /// Fields withheld.
    pub withheld: Vec<Withheld<'a>>,
    /// The flags raised.
    pub flags: &'a [&'static str],
    /// Programme participation, for CORDIS rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub programme: Option<Programme<'a>>,
}

fn party_match<'a>(r: &'a Registry, h: &'a Hit<'_>) -> PartyMatch<'a> {
    PartyMatch {
        entity_id: &h.entity.id,
        caption: &h.entity.caption,
        name: &h.name.value,
        score: round3(h.score),
        decision: h.decision.as_str(),
        explanation: &h.explanation,
        path: path(r, &h.path),
        designations: designations(r, &h.designations),
    }
}

fn award_party<'a>(
    r: &'a Registry,
    p: &'a derisk_procure::Party,
    hits: &'a [Hit<'_>],
) -> AwardParty<'a> {
    AwardParty {
        name: &p.name,
        id: &p.local_id,
        registration: &p.registration,
        country: &p.country,
        matches: hits.iter().map(|h| party_match(r, h)).collect(),
    }
}

/// An award on the wire.
pub fn award<'a>(r: &'a Registry, f: &'a derisk_procure::analysis::Flagged<'_, '_>) -> Award<'a> {
    let a = f.award;
    Award {
        notice_id: &a.notice_id,
        source: a.format.map(|f| f.as_str()),
        notice_type: &a.notice_type,
        file: &a.file,
        line: a.line,
        offset: a.offset,
        buyer: a
            .buyer
            .as_ref()
            .map(|b| award_party(r, b, &f.buyer_matches)),
        suppliers: a
            .suppliers
            .iter()
            .zip(&f.matches)
            .map(|(s, hits)| award_party(r, s, hits))
            .collect(),
        lot: &a.lot,
        cpv: &a.cpv,
        value: a.value.as_ref().map(|m| m.amount),
        currency: a.value.as_ref().and_then(|m| m.currency.as_deref()),
        value_eur: f.value_eur,
        date: &a.date,
        withheld: a
            .withheld
            .iter()
            .map(|w| Withheld {
                field: &w.field,
                reason: &w.reason,
                until: &w.until,
            })
            .collect(),
        flags: &f.flags,
        programme: a.programme.as_ref().map(|p| Programme {
            programme: &p.programme,
            acronym: &p.acronym,
            role: &p.role,
        }),
    }
}

// ----------------------------------------------------------------- devices

/// A device's maker in the registry.
#[derive(Clone, Debug, Serialize)]
pub struct Maker<'a> {
    /// The entity.
    pub entity_id: &'a EntityId,
    /// Its caption.
    pub name: &'a str,
}

/// One piece of evidence of a device's maker.
#[derive(Clone, Debug, Serialize)]
pub struct Evidence<'a> {
    /// How it was found (`fingerprint`, `oui`, `declared`, ...).
    pub basis: &'a str,
    /// The observation field it was read from.
    pub field: &'static str,
    /// The value read.
    pub value: &'a str,
    /// The registry entity it names, if any.
    pub entity_id: &'a Option<String>,
    /// What it says, with its rule or block and source.
    pub statement: &'a str,
}

/// A device's line (`derisk assets --format jsonl`).
#[derive(Clone, Debug, Serialize)]
pub struct Device<'a> {
    /// The file.
    pub file: &'a str,
    /// The line or row.
    pub line: u64,
    /// The device's id in the input.
    pub id: &'a str,
    /// Its maker, when a registry entity.
    pub maker: Option<Maker<'a>>,
    /// The vendor the evidence names outside the registry.
    pub vendor: &'a Option<String>,
    /// The model.
    pub model: &'a Option<String>,
    /// The firmware.
    pub firmware: &'a Option<String>,
    /// Confidence in the maker.
    pub confidence: f64,
    /// The bases of the verdict.
    pub basis: &'a [&'static str],
    /// The evidence.
    pub evidence: Vec<Evidence<'a>>,
    /// Controllers and makers behind the maker.
    pub path: Vec<Step<'a>>,
    /// Designations in force along the path.
    pub designations: Vec<Designation<'a>>,
    /// The registry's short hash.
    pub registry: &'a str,
}

/// A device and its verdict on the wire.
pub fn device<'a>(
    r: &'a Registry,
    file: &'a str,
    d: &'a derisk_devices::Device,
    v: &'a derisk_devices::Verdict<'_>,
) -> Device<'a> {
    Device {
        file,
        line: d.line,
        id: &d.id,
        maker: v.maker.map(|m| Maker {
            entity_id: &m.id,
            name: &m.caption,
        }),
        vendor: &v.vendor,
        model: &v.model,
        firmware: &v.firmware,
        confidence: v.confidence,
        basis: &v.basis,
        evidence: v
            .evidence
            .iter()
            .map(|e| Evidence {
                basis: e.basis,
                field: e.field.as_str(),
                value: &e.value,
                entity_id: &e.entity,
                statement: &e.statement,
            })
            .collect(),
        path: path(r, v.path()),
        designations: designations(r, v.designations()),
        registry: r.short_hash(),
    }
}
