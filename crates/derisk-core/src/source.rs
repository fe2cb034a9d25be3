//! Sources and the verification status of facts.

use crate::{PartialDate, SourceId};

/// A document a fact rests on: a rule in the Federal Register, a court
/// ruling, a company filing, a news report, a registry extract.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Source {
    /// Stable id that facts cite.
    pub id: SourceId,
    /// Where the document was read. When that is a mirror or reprint, the
    /// [`note`](Self::note) names the original.
    pub url: String,
    /// The document's title.
    pub title: String,
    /// Who published it.
    pub publisher: String,
    /// When it was published, as precisely as known; `None` when undated.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub published: Option<PartialDate>,
    /// Caveats: mirror of what, which parts are weaker.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub note: Option<String>,
}

/// Whether the cited sources were read and support a fact.
///
/// Unverified facts are kept only when they are useful for screening and are
/// shown as unverified, with the reason, in every output.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "kebab-case", tag = "status", content = "reason")
)]
pub enum Verification {
    /// The sources were read and support the fact.
    #[default]
    Verified,
    /// Plausible but not confirmed; the text says why.
    Unverified(String),
}

impl Verification {
    /// Whether the fact is verified.
    pub fn is_verified(&self) -> bool {
        matches!(self, Verification::Verified)
    }

    /// The reason a fact is unverified.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Verification::Verified => None,
            Verification::Unverified(reason) => Some(reason),
        }
    }
}
