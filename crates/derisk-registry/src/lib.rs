//! The curated registry of high-risk technology vendors.
//!
//! The registry is a directory of TOML files (`data/registry/` ships with
//! derisk and is compiled into the binary). Each file holds arrays of
//! `[[source]]`, `[[list]]`, `[[entity]]`, `[[relation]]`, `[[designation]]`
//! and `[[mac_block]]` records; the format is described in
//! `docs/formats/registry.md`.
//!
//! Loading never stops at the first problem. Every error in every file is
//! reported as a [`Diagnostic`] naming the file, line, column and field and
//! saying what was expected; the record at fault is left out and everything
//! else loads. In particular a fact without a source, or citing a source
//! that does not exist, never loads.
//!
//! ```
//! use derisk_registry::{load, RegistryFile};
//!
//! let text = r#"
//! [[source]]
//! id = "ieee-oui"
//! url = "https://standards-oui.ieee.org/oui/oui.csv"
//! title = "IEEE MA-L public listing"
//! publisher = "IEEE Registration Authority"
//!
//! [[entity]]
//! id = "example"
//! kind = "company"
//! name = "Example Co., Ltd."
//! sources = ["ieee-oui"]
//!
//! [[entity]]
//! id = "broken"
//! kind = "company"
//! name = "No Source Ltd."
//! "#;
//! let loaded = load(vec![RegistryFile { name: "example.toml".into(), text: text.into() }]);
//! assert_eq!(loaded.registry.entities().len(), 1);
//! assert_eq!(
//!     loaded.diagnostics[0].to_string(),
//!     "example.toml:14:1: error: entity[broken].sources: missing required field; \
//!      expected sources = [\"source-id\"]; every fact needs a source"
//! );
//! ```

mod bundled;
mod control;
mod csl;
pub mod curated;
mod diagnostic;
mod diff;
mod fields;
mod freshness;
mod ftm;
mod ieee;
mod import;
mod jsonscan;
mod load;
mod parse;
mod registry;
mod snapshot;

pub use bundled::{BUNDLED_DIR, ReadError, bundled, bundled_files, load_dir, load_layered};
pub use control::{Conflict, Control, ControlRules, Controller, Holding, Hop, Step, Tie};
pub use csl::{CslFormat, import_csl};
pub use diagnostic::{Diagnostic, Severity};
pub use diff::{Change, ChangeKind, diff};
pub use freshness::{Fresh, Freshness};
pub use ftm::import_ftm;
pub use ieee::{IeeeFormat, fold_assignee, import_ieee};
pub use import::{Import, ImportStats};
pub use load::{Loaded, RegistryFile, load};
pub use registry::{Chain, Link, Lookup, MacLookup, Registry, Stats};
pub use snapshot::{
    IndexSection, SNAPSHOT_VERSION, Snapshot, SnapshotError, is_snapshot, read_snapshot,
    read_snapshot_file, snapshot_index, write_snapshot, write_snapshot_with_index,
};
