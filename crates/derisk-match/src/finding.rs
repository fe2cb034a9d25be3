//! Stable names for findings, so that an analyst's decision on one can be
//! found again in a later run.
//!
//! A finding is one record linked to one registry entity. Its **key** is a
//! hash of the record as screened (the name with case and runs of spaces
//! folded, the country, the identifier) and the entity id: the same
//! supplier reaching the same entity has the same key in every run and in
//! every file, whatever its row. Its **evidence** is a hash of what the
//! finding claims: the registry name or identifier it matched, the
//! decision, the path of controllers and makers (entity, relation, basis,
//! share, verification) and the designations in force along it. A new
//! designation, a delisting, a changed owner or a match that became a
//! review changes the evidence; a new scorer giving 0.93 instead of 0.92
//! does not.

use sha2::{Digest, Sha256};

use crate::{Hit, Query};

/// Hex digits in a finding key: 64 bits, short enough to type.
pub const KEY_LEN: usize = 16;

/// The key of the finding linking the record `q` to `entity`.
pub fn finding_key(q: &Query<'_>, entity: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"derisk finding 1\0");
    let name = q.name.split_whitespace().collect::<Vec<_>>().join(" ");
    h.update(name.to_lowercase().as_bytes());
    h.update(b"\0");
    h.update(q.country.as_ref().map_or("", |c| c.as_str()).as_bytes());
    h.update(b"\0");
    h.update(q.identifier.map_or("", str::trim).as_bytes());
    h.update(b"\0");
    h.update(entity.as_bytes());
    let mut key = hex(&h.finalize());
    key.truncate(KEY_LEN);
    key
}

/// What a finding claims, as its evidence hash reads it: the one scheme
/// every engine's findings are hashed by (screening hits, device makers,
/// award suppliers, audit parties), so that a decision taken on one kind
/// of run is found again by another.
#[derive(Clone, Debug, Default)]
pub struct Claim<'a> {
    /// The registry entity the finding links to.
    pub entity: &'a str,
    /// How it was reached: the registry name matched (its kind and value)
    /// for a name match, or the basis of a finding not made by name and
    /// what it rests on (`asset`, `supplier`, `purchase` with the party's
    /// name).
    pub matched: (&'a str, &'a str),
    /// The identifier matched (scheme, value), if one was.
    pub identifier: Option<(&'a str, &'a str)>,
    /// `match` or `review`.
    pub decision: &'a str,
    /// The controllers and makers behind the entity, in order.
    pub path: Vec<ClaimStep<'a>>,
    /// The designations in force along the path.
    pub designations: Vec<ClaimListing<'a>>,
}

/// One step of a [`Claim`]'s path.
#[derive(Clone, Debug, Default)]
pub struct ClaimStep<'a> {
    /// The entity reached.
    pub entity: &'a str,
    /// The relation followed (empty when the finding does not say).
    pub via: &'a str,
    /// Why the step counts (`subsidiary`, `majority`, `maker`, ...).
    pub basis: &'a str,
    /// The share, for ownership (empty for none).
    pub share: String,
    /// Whether the sources fully support the step (`None`: not said).
    pub verified: Option<bool>,
}

/// One designation of a [`Claim`].
#[derive(Clone, Debug, Default)]
pub struct ClaimListing<'a> {
    /// The entity designated.
    pub entity: &'a str,
    /// The list.
    pub list: &'a str,
    /// When it took effect (empty when undated).
    pub start: String,
    /// Whether the sources fully support it.
    pub verified: bool,
}

fn verified(v: bool) -> &'static str {
    if v { "verified" } else { "unverified" }
}

impl Claim<'_> {
    /// The evidence hash: SHA-256 (hex) of the claim's fields, each ended
    /// by a NUL byte, under a version tag.
    pub fn evidence(&self) -> String {
        let mut text = String::with_capacity(256);
        let mut field = |s: &str| {
            text.push_str(s);
            text.push('\0');
        };
        field("derisk evidence 1");
        field(self.entity);
        field(self.matched.0);
        field(self.matched.1);
        match self.identifier {
            Some((scheme, value)) => {
                field(scheme);
                field(value);
            }
            None => field("-"),
        }
        field(self.decision);
        for step in &self.path {
            field("step");
            field(step.entity);
            field(step.via);
            field(step.basis);
            field(&step.share);
            field(step.verified.map_or("", verified));
        }
        for d in &self.designations {
            field("designation");
            field(d.entity);
            field(d.list);
            field(&d.start);
            field(verified(d.verified));
        }
        hex(&Sha256::digest(text.as_bytes()))
    }
}

/// The hash of what a hit claims (see the module documentation and
/// [`Claim`]).
pub fn evidence_hash(hit: &Hit<'_>) -> String {
    Claim {
        entity: hit.entity.id.as_str(),
        matched: (hit.name.kind.as_str(), &hit.name.value),
        identifier: hit
            .identifier
            .map(|i| (i.scheme.as_str(), i.value.as_str())),
        decision: hit.decision.as_str(),
        path: hit
            .path
            .iter()
            .map(|step| ClaimStep {
                entity: step.entity.as_str(),
                via: step.via.as_str(),
                basis: step.basis,
                share: step.share.map(|s| s.to_string()).unwrap_or_default(),
                verified: Some(step.verification.is_verified()),
            })
            .collect(),
        designations: hit
            .designations
            .iter()
            .map(|d| ClaimListing {
                entity: d.entity.as_str(),
                list: d.list.as_str(),
                start: d.start.map(|s| s.to_string()).unwrap_or_default(),
                verified: d.verification.is_verified(),
            })
            .collect(),
    }
    .evidence()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use derisk_core::CountryCode;

    use super::*;

    fn q<'a>(name: &'a str, country: Option<&str>, id: Option<&'a str>) -> Query<'a> {
        Query {
            name,
            country: country.map(|c| CountryCode::new(c).unwrap()),
            identifier: id,
        }
    }

    #[test]
    fn keys_fold_case_and_spacing_but_not_content() {
        let base = finding_key(
            &q("Hangzhou Hikvision Digital Technology", None, None),
            "hikvision",
        );
        assert_eq!(base.len(), KEY_LEN);
        assert_eq!(
            base,
            finding_key(
                &q("  HANGZHOU  hikvision digital\tTechnology ", None, None),
                "hikvision"
            )
        );
        assert_ne!(
            base,
            finding_key(
                &q("Hangzhou Hikvision Digital Technology", None, None),
                "cetc"
            )
        );
        assert_ne!(
            base,
            finding_key(
                &q("Hangzhou Hikvision Digital Technology", Some("CN"), None),
                "hikvision"
            )
        );
        assert_ne!(
            base,
            finding_key(
                &q(
                    "Hangzhou Hikvision Digital Technology",
                    None,
                    Some("002415")
                ),
                "hikvision"
            )
        );
        assert_ne!(
            base,
            finding_key(&q("Hangzhou Hikvision Digital", None, None), "hikvision")
        );
    }
}
