//! Screening organisation names against the derisk registry.
//!
//! `derisk-match` turns a name as a user wrote it into tokens
//! ([`normalize`]), finds the registry names it could be with exact recall
//! inside a written definition ([`Matcher::candidates`]), scores each from
//! explainable parts and decides `match`, `review` or nothing.

pub mod finding;
mod fold;
pub mod index;
mod legal;
mod lexicon;
pub mod matcher;
pub mod normalize;
pub mod screen;
pub mod synth;
mod vocab;

pub use finding::{Claim, ClaimListing, ClaimStep, KEY_LEN, evidence_hash, finding_key};
pub use matcher::{
    Adjustment, IndexStats, Leftover, Matcher, NameInput, Pair, PairKind, PairScorer,
    PreparedQuery, RARE_WORD_FLOOR, SHORT_FORM_CAP, ScoreConfig, Scored, Scratch, score_pair,
};
pub use normalize::{Class, LegalForm, Normalized, Token, normalize};
pub use screen::{
    Hit, Query, Screened, Screener, TieRef, behind, explain, explain_none, explain_sentence,
    fold_identifier, round3,
};
