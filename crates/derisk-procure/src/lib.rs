//! Procurement and programme data: who bought what from whom.
//!
//! Every reader turns its format into [`Award`]s, keeping the notice id and
//! where in the file each came from, and reports what it could not read as
//! a [`Problem`] without stopping: [`eforms`] (EU eForms notices, UBL 2.3
//! with the eForms extensions), [`ted`] (legacy TED XML R2.0.9, form F03),
//! [`ocds`] (Open Contracting release and record packages, compiled
//! releases, JSON lines), [`cordis`] (CORDIS organisation tables of EU
//! research programmes) and [`table`] (a plain CSV of awards).
//! [`cpv`] knows the CPV 2008 vocabulary. [`analysis`] screens the parties,
//! flags awards and measures concentration. [`synth`] writes generated
//! notices and releases for benchmarks.

pub mod analysis;
pub mod award;
pub mod cordis;
pub mod cpv;
pub mod eforms;
pub mod formats;
pub mod ocds;
pub mod synth;
pub mod table;
mod tabular;
pub mod ted;

pub use award::{Award, Format, Money, Party, Problem, Programme, Read, Withheld};
pub use formats::{FORMATS, NoticeFormat, UnknownFormat};
