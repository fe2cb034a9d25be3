//! What derisk observes in a user's data and what it concludes.
//!
//! An [`Observation`] is one record read from an input: a supplier row, a
//! device in a scan. Resolving it against the registry yields zero or more
//! [`Finding`]s. A finding is never a bare verdict: it carries the
//! [`Basis`] of the link, the [`ScorePart`]s of its score, the ownership
//! [`PathStep`]s to designated parties, the designations reached and the
//! [`Evidence`] with sources, plus the hash of the registry snapshot used.

use crate::{
    CountryCode, EntityId, Identifier, ListId, MacPrefix, PartialDate, RelationKind, Share,
    SourceId, Verification, vocabulary,
};

/// Where in an input a record was read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Provenance {
    /// The input file as the user named it (`-` for standard input).
    pub file: String,
    /// The position of the record in it.
    pub location: Location,
}

/// A position in an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "kebab-case", tag = "kind", content = "at")
)]
pub enum Location {
    /// A 1-based line of a text file.
    Line(u64),
    /// A 1-based data row of a table (header excluded).
    Row(u64),
    /// A byte offset in a binary file.
    Offset(u64),
    /// A 1-based packet number in a capture.
    Packet(u64),
}

/// An organisation as named in an input (a supplier, tenderer, participant).
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ObservedOrganisation {
    /// The name as written.
    pub name: String,
    /// The country given with it, if any.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub country: Option<CountryCode>,
    /// Registration numbers given with it.
    pub identifiers: Vec<Identifier>,
}

/// A device as seen in an inventory, scan or capture.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct DeviceObservation {
    /// The MAC address, if seen.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub mac: Option<String>,
    /// The vendor the input declares (which may be a relabelling brand).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub declared_vendor: Option<String>,
    /// The model the input declares.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub declared_model: Option<String>,
    /// Protocol evidence as (field, text) pairs: banners, headers, sysDescr.
    pub banners: Vec<(String, String)>,
}

/// What an observation is about.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case", tag = "type"))]
pub enum Subject {
    /// An organisation.
    Organisation(ObservedOrganisation),
    /// A device.
    Device(DeviceObservation),
}

/// One record read from an input.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Observation {
    /// The record's id in the input (an id column) or one derived from its
    /// position.
    pub id: String,
    /// Where it was read.
    pub provenance: Provenance,
    /// What it is about.
    pub subject: Subject,
}

/// How an observation was linked to a registry entity.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case", tag = "type"))]
pub enum Basis {
    /// The observed name resembles a registry name.
    NameMatch {
        /// The registry name that matched.
        matched: String,
    },
    /// A registration number or code is equal.
    Identifier {
        /// The identifier that is equal on both sides.
        identifier: Identifier,
    },
    /// The MAC address lies in a block assigned to the entity.
    MacBlock {
        /// The block's prefix.
        prefix: MacPrefix,
        /// The IEEE assignee of the block.
        assignee: String,
    },
    /// A fingerprint rule recognised a banner or protocol field.
    Fingerprint {
        /// The rule's id.
        rule: String,
        /// The observation field the rule matched.
        field: String,
    },
    /// A relabelling (OEM) rule links a brand's product to its maker.
    Oem {
        /// The brand as observed.
        brand: String,
    },
}

/// One explainable component of a score.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ScorePart {
    /// What was measured ("distinctive tokens", "legal form", "country").
    pub feature: String,
    /// Its contribution, positive or negative.
    pub value: f64,
    /// A human-readable explanation.
    pub detail: String,
}

vocabulary! {
    /// What a finding asks of the user.
    pub enum Decision {
        /// The link is established.
        Match => "match",
        /// The link is plausible and needs a human to confirm it.
        Review => "review",
    }
}

/// One step of a path from the matched entity towards those behind it.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PathStep {
    /// The entity reached by this step.
    pub entity: EntityId,
    /// The relation followed to reach it.
    pub via: RelationKind,
    /// Why the step counts, in the words of the control rules:
    /// `subsidiary`, `brand`, `former-identity`, `stated-control`,
    /// `majority`, `sum` (stakes added up) or `maker`.
    pub basis: &'static str,
    /// The share, for ownership (for `sum`, the total).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub share: Option<Share>,
    /// The sources of the relation.
    pub sources: Vec<SourceId>,
    /// Whether those sources support the relation.
    pub verification: Verification,
}

/// A designation reached by a finding, directly or through its path.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct DesignationRef {
    /// The designated entity (the matched one or one on its path).
    pub entity: EntityId,
    /// The list.
    pub list: ListId,
    /// When the designation took effect.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub start: Option<PartialDate>,
    /// The sources of the designation.
    pub sources: Vec<SourceId>,
    /// Whether those sources support the designation.
    pub verification: Verification,
}

/// A statement supporting a finding, with the sources that back it.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Evidence {
    /// What was seen or concluded.
    pub statement: String,
    /// The sources behind it (empty for evidence taken from the input itself).
    pub sources: Vec<SourceId>,
}

/// A conclusion about one observation.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Finding {
    /// The observation's id.
    pub observation: String,
    /// Where the observation was read.
    pub provenance: Provenance,
    /// The registry entity it was linked to.
    pub entity: EntityId,
    /// How.
    pub basis: Basis,
    /// Confidence in [0, 1].
    pub score: f64,
    /// The parts the score was built from.
    pub score_parts: Vec<ScorePart>,
    /// Match or review.
    pub decision: Decision,
    /// The path from the entity to the parties behind it.
    pub path: Vec<PathStep>,
    /// Designations reached along the path.
    pub designations: Vec<DesignationRef>,
    /// Supporting statements.
    pub evidence: Vec<Evidence>,
    /// The content hash of the registry snapshot the finding was made with.
    pub registry: String,
}
