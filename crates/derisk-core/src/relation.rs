//! Relations between entities: ownership, control, brands, OEM supply and
//! former identities.

use crate::{EntityId, PartialDate, SourceId, Verification, vocabulary};

vocabulary! {
    /// How the subject of a [`Relation`] is linked to its object.
    ///
    /// Each kind reads as a sentence from subject to object: "EZVIZ
    /// `subsidiary-of` Hikvision", "HiWatch `brand-of` Hikvision".
    pub enum RelationKind {
        /// The subject is (partly) owned by the object; a share may be given.
        OwnedBy => "owned-by",
        /// The subject is a subsidiary controlled by the object.
        SubsidiaryOf => "subsidiary-of",
        /// The subject is a brand of the object.
        BrandOf => "brand-of",
        /// The subject makes products that the object sells under its own
        /// name (original equipment manufacturer).
        OemOf => "oem-of",
        /// The subject is an earlier identity of the object (renamed or
        /// reorganised).
        FormerNameOf => "former-name-of",
        /// A weaker tie than control: a state body the subject is affiliated
        /// with, the institute it grew out of, a joint-venture partner.
        AffiliatedWith => "affiliated-with",
    }
}

impl RelationKind {
    /// Whether risk flows from the object to the subject: the object stands
    /// behind the subject (owns, controls, brands, renamed it). For
    /// [`OemOf`](Self::OemOf) it is the other way round: the subject (the
    /// maker) stands behind the object (the brand it makes for).
    pub fn object_is_behind_subject(self) -> bool {
        !matches!(self, RelationKind::OemOf)
    }

    /// Whether the link puts one party behind the other strongly enough to
    /// follow in a chain towards the controlling parties: ownership,
    /// control, brand, OEM supply and former identity do; an affiliation
    /// does not (it is reported, not followed).
    pub fn is_chain_link(self) -> bool {
        !matches!(self, RelationKind::AffiliatedWith)
    }

    /// How the relation reads from its subject's side ("owned by").
    pub fn forward_phrase(self) -> &'static str {
        match self {
            RelationKind::OwnedBy => "owned by",
            RelationKind::SubsidiaryOf => "subsidiary of",
            RelationKind::BrandOf => "brand of",
            RelationKind::OemOf => "makes products for",
            RelationKind::FormerNameOf => "former identity of",
            RelationKind::AffiliatedWith => "affiliated with",
        }
    }

    /// How the relation reads from its object's side ("owns").
    pub fn backward_phrase(self) -> &'static str {
        match self {
            RelationKind::OwnedBy => "owns",
            RelationKind::SubsidiaryOf => "parent of",
            RelationKind::BrandOf => "owns brand",
            RelationKind::OemOf => "products made by",
            RelationKind::FormerNameOf => "formerly",
            RelationKind::AffiliatedWith => "affiliated with",
        }
    }
}

/// A percentage of shares or votes.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Share {
    /// Percent, in (0, 100].
    pub percent: f64,
    /// The source gives an approximate figure ("about 40%").
    pub approximate: bool,
}

impl std::fmt::Display for Share {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.approximate {
            f.write_str("~")?;
        }
        write!(f, "{}%", self.percent)
    }
}

/// A sourced link between two entities.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Relation {
    /// The entity the sentence is about.
    pub subject: EntityId,
    /// How it is linked.
    pub kind: RelationKind,
    /// The entity it is linked to.
    pub object: EntityId,
    /// For ownership: the share held by the object.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub share: Option<Share>,
    /// For ownership: what the sources say about control, whatever the
    /// share. `Some(true)`: the object controls the subject (a state
    /// shareholder that controls with 40%); `Some(false)`: it does not
    /// (a majority held without votes). `None`: the share decides.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub control: Option<bool>,
    /// For ownership: the share is the object's total stake, including
    /// what it holds through entities it controls, so it is not added to
    /// those entities' stakes again.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "std::ops::Not::not"))]
    pub indirect: bool,
    /// When the link began, if known.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub start: Option<PartialDate>,
    /// When it ended, if it did.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub end: Option<PartialDate>,
    /// Context in the registry's own words.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub note: Option<String>,
    /// The sources that state it.
    pub sources: Vec<SourceId>,
    /// Whether the sources support it.
    pub verification: Verification,
}

impl Relation {
    /// Whether the relation still holds (it has no end date).
    pub fn is_current(&self) -> bool {
        self.end.is_none()
    }
}
