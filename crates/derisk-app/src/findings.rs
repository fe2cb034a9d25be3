//! Findings as the store keeps them: the registry party behind a name
//! match, a device's maker or an award's supplier, and the key and
//! evidence hash it is recorded and decided under. Every engine's findings
//! go through here, so a decision taken on a device in `derisk assets` is
//! found again by `derisk audit`, and one taken on a purchase in `derisk
//! procurement` too.

use derisk_core::Decision;
use derisk_exposure::{Listed, Party, Step};
use derisk_match::Hit;
use derisk_registry::Registry;
use derisk_store::NewFinding;
use serde_json::Value;

use crate::screen::query_of;

/// The registry party behind a name-screening hit.
pub fn party_of_hit(r: &Registry, h: &Hit<'_>) -> Party {
    let mut basis = vec!["name".to_owned()];
    if h.identifier.is_some() {
        basis.insert(0, "identifier".to_owned());
    }
    let mut p = party(
        r,
        h.entity.id.as_str(),
        &h.entity.caption,
        (h.score, h.decision, basis),
        &h.path,
        &h.designations,
        std::iter::once(h.explanation.clone())
            .chain(h.ties.iter().map(|t| t.sentence(r)))
            .collect(),
    );
    p.influenced = !h.ties.is_empty();
    p
}

/// A registry party with its path and designations.
pub fn party(
    r: &Registry,
    id: &str,
    caption: &str,
    (confidence, decision, basis): (f64, Decision, Vec<String>),
    path: &[derisk_core::PathStep],
    designations: &[derisk_core::DesignationRef],
    evidence: Vec<String>,
) -> Party {
    let name_of = |id: &str| {
        r.entity(id)
            .map_or_else(|| id.to_owned(), |e| e.caption.clone())
    };
    // The family: the nearest designated entity from the party up.
    let designated = |e: &str| designations.iter().any(|d| d.entity.as_str() == e);
    let family = std::iter::once(id)
        .chain(path.iter().map(|s| s.entity.as_str()))
        .find(|e| designated(e))
        .unwrap_or(id)
        .to_owned();
    Party {
        entity: Some(id.to_owned()),
        name: caption.to_owned(),
        family_name: name_of(&family),
        family,
        confidence: derisk_match::round3(confidence),
        basis,
        decision: decision.as_str().to_owned(),
        path: path
            .iter()
            .map(|s| Step {
                entity: s.entity.to_string(),
                name: name_of(s.entity.as_str()),
                basis: s.basis.to_owned(),
                share: s.share.as_ref().map(ToString::to_string),
                sources: s.sources.iter().map(ToString::to_string).collect(),
            })
            .collect(),
        designations: designations
            .iter()
            .map(|d| Listed {
                list: d.list.to_string(),
                list_name: r
                    .list(d.list.as_str())
                    .map_or_else(|| d.list.to_string(), |l| l.name.clone()),
                entity: d.entity.to_string(),
                entity_name: name_of(d.entity.as_str()),
                since: d.start.as_ref().map(ToString::to_string),
                sources: d.sources.iter().map(ToString::to_string).collect(),
                unverified: !matches!(d.verification, derisk_core::Verification::Verified),
            })
            .collect(),
        evidence,
        influenced: false,
        dismissed: None,
    }
}

/// The registry entity, key and evidence hash of the finding a record's
/// party makes: the same in the store and when earlier decisions are
/// applied. The evidence is what the finding claims (kind, entity,
/// decision, designations, path; [`derisk_match::Claim`], the scheme every
/// finding is hashed by), not what the run makes of it.
pub fn identity(kind: &str, subject: &str, party: &Party) -> (String, String, String) {
    let entity = party.entity.clone().unwrap_or_else(|| party.family.clone());
    let key = derisk_match::finding_key(&query_of(subject, None, None), &entity);
    let evidence = derisk_match::Claim {
        entity: &entity,
        matched: (kind, &party.name),
        identifier: None,
        decision: &party.decision,
        path: party
            .path
            .iter()
            .map(|s| derisk_match::ClaimStep {
                entity: &s.entity,
                via: "",
                basis: &s.basis,
                share: s.share.clone().unwrap_or_default(),
                verified: None,
            })
            .collect(),
        designations: party
            .designations
            .iter()
            .map(|d| derisk_match::ClaimListing {
                entity: &d.entity,
                list: &d.list,
                start: d.since.clone().unwrap_or_default(),
                verified: !d.unverified,
            })
            .collect(),
    }
    .evidence();
    (entity, key, evidence)
}

/// A maker outside the registry, named by the evidence or the records: its
/// own family, no owners, no designations.
pub fn outside(name: &str, confidence: f64, basis: Vec<String>, evidence: Vec<String>) -> Party {
    Party {
        entity: None,
        name: name.to_owned(),
        family: format!("vendor:{}", name.to_lowercase()),
        family_name: name.to_owned(),
        confidence,
        basis,
        decision: "match".to_owned(),
        path: Vec::new(),
        designations: Vec::new(),
        evidence,
        influenced: false,
        dismissed: None,
    }
}

/// The party of a device's maker when the maker is a registry entity.
pub fn maker_party(registry: &Registry, v: &derisk_devices::Verdict<'_>) -> Option<Party> {
    let m = v.maker?;
    Some(party(
        registry,
        m.id.as_str(),
        &m.caption,
        (
            v.confidence,
            Decision::Match,
            v.basis.iter().map(|b| (*b).to_owned()).collect(),
        ),
        v.path(),
        v.designations(),
        v.evidence.iter().map(|e| e.statement.clone()).collect(),
    ))
}

/// The finding `party` makes for the record `subject` of `kind` (`asset`,
/// `supplier`, `purchase`), with `detail` (the finding as the command
/// prints it, given the party's name as its `caption` when it has none)
/// kept beside it.
pub fn new_finding(kind: &str, subject: &str, party: &Party, mut detail: Value) -> NewFinding {
    let (entity, key, evidence) = identity(kind, subject, party);
    if let Some(fields) = detail.as_object_mut() {
        fields
            .entry("caption")
            .or_insert_with(|| Value::from(party.name.as_str()));
    }
    NewFinding {
        record: 0,
        key,
        entity,
        decision: party.decision.clone(),
        score: party.confidence,
        evidence,
        detail: detail.to_string(),
    }
}
