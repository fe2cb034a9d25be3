//! Sources and the verification status of facts.

use crate::{PartialDate, SourceId, vocabulary};

vocabulary! {
    /// How close a [`Source`] stands to what it reports.
    pub enum Standing {
        /// The document that makes or records the fact: the list publisher's
        /// notice, the gazette, the court, the register, the company's own
        /// filing or site.
        Primary => "primary",
        /// A primary document read in a copy that is not its publisher's (a
        /// reprint, an archive, a mirror); the source's note names the
        /// original.
        Reprint => "reprint",
        /// A report about the fact: news, a law firm's alert, an analysis.
        Secondary => "secondary",
        /// A dataset that transcribes a primary document (OpenSanctions'
        /// copy of a list): cited beside the primary document.
        Transcription => "transcription",
    }
}

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
    /// How close it stands to the facts it reports; `None` where the data
    /// does not say.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub standing: Option<Standing>,
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
