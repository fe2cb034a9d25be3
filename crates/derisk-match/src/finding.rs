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

/// The hash of what a hit claims (see the module documentation).
pub fn evidence_hash(hit: &Hit<'_>) -> String {
    let mut text = String::with_capacity(256);
    let mut field = |s: &str| {
        text.push_str(s);
        text.push('\0');
    };
    field("derisk evidence 1");
    field(hit.entity.id.as_str());
    field(hit.name.kind.as_str());
    field(&hit.name.value);
    match hit.identifier {
        Some(i) => {
            field(i.scheme.as_str());
            field(&i.value);
        }
        None => field("-"),
    }
    field(hit.decision.as_str());
    for step in &hit.path {
        field("step");
        field(step.entity.as_str());
        field(step.via.as_str());
        field(step.basis);
        field(&step.share.map(|s| s.to_string()).unwrap_or_default());
        field(if step.verification.is_verified() {
            "verified"
        } else {
            "unverified"
        });
    }
    for d in &hit.designations {
        field("designation");
        field(d.entity.as_str());
        field(d.list.as_str());
        field(&d.start.map(|s| s.to_string()).unwrap_or_default());
        field(if d.verification.is_verified() {
            "verified"
        } else {
            "unverified"
        });
    }
    hex(&Sha256::digest(text.as_bytes()))
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
