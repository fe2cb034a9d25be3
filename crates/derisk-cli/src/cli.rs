//! Command-line definitions. `--help` text lives here, next to the flags.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const ABOUT: &str =
    "Find and measure dependence on high-risk technology vendors, with a source for every finding.";

const AFTER_HELP: &str = "\
Exit codes:
  0  success, nothing to report
  1  the command found something: validation errors, findings
  2  usage error, unreadable input or another failure

Examples:
  derisk registry show hikvision          who owns Hikvision, where it is listed, and why
  derisk registry list --format jsonl     every entity, one JSON object per line
  derisk registry validate --registry my-registry/";

/// derisk: high-risk vendor exposure, proven with sources.
#[derive(Debug, Parser)]
#[command(name = "derisk", version, about = ABOUT, after_help = AFTER_HELP, max_term_width = 100)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// Use the registry files (*.toml) in DIR instead of the registry built
    /// into derisk.
    #[arg(long, global = true, value_name = "DIR", env = "DERISK_REGISTRY")]
    pub registry: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Inspect and check the registry of high-risk vendors: entities, owners,
    /// brands, designations and their sources.
    #[command(subcommand)]
    Registry(RegistryCommand),
}

#[derive(Debug, Subcommand)]
pub(crate) enum RegistryCommand {
    /// Check every registry file and report all problems at once.
    ///
    /// Each problem names the file, line, column and field and says what was
    /// expected. Records with errors are left out of every other command, so
    /// a broken addition never hides the rest of the registry. Exits 1 if
    /// there are errors (or warnings, with --strict).
    #[command(
        after_help = "Examples:\n  derisk registry validate\n  derisk registry validate --registry my-registry/ --strict\n  derisk registry validate --format jsonl > problems.jsonl"
    )]
    Validate {
        /// Output format: `text` (file:line:column: message) or `jsonl`
        /// (one JSON object per problem).
        #[arg(long, value_enum, default_value_t = DataFormat::Text)]
        format: DataFormat,
        /// Treat warnings (such as an uncited source) as errors.
        #[arg(long)]
        strict: bool,
    },
    /// List entities with their current designations.
    ///
    /// Entities appear family by family, in the order of the registry files.
    /// The table shows the short label of each list an entity is on without
    /// an end date; a label ending in `?` is an unverified designation.
    /// `--format jsonl` prints every designation, with dates, references and
    /// sources, as one JSON object per entity.
    #[command(
        after_help = "Examples:\n  derisk registry list --designated\n  derisk registry list --kind brand\n  derisk registry list --format jsonl > entities.jsonl"
    )]
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
        /// Only entities of this kind.
        #[arg(long, value_name = "KIND", value_parser = entity_kinds())]
        kind: Option<String>,
        /// Only entities with at least one designation in force.
        #[arg(long)]
        designated: bool,
    },
    /// Show one entity: its names, owners and subsidiaries, the chains up to
    /// the state, its designations, and the source of every fact.
    ///
    /// Names are matched ignoring case, spaces and punctuation; a part of a
    /// name works when only one entity contains it.
    #[command(
        after_help = "Examples:\n  derisk registry show hikvision\n  derisk registry show \"Hikvision Europe B.V.\"\n  derisk registry show 同方威视 --format json"
    )]
    Show {
        /// An entity id (`hikvision`) or a name in any script
        /// (`"Hikvision Europe"`, `海康威视`).
        #[arg(value_name = "ID-OR-NAME")]
        query: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = DocFormat::Text)]
        format: DocFormat,
    },
    /// Count what the registry holds, by kind.
    Stats {
        /// Output format.
        #[arg(long, value_enum, default_value_t = DocFormat::Text)]
        format: DocFormat,
    },
}

fn entity_kinds() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(
        derisk_core::EntityKind::ALL.iter().map(|k| k.as_str()),
    )
}

/// Formats for a stream of records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DataFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Jsonl,
}

/// Formats for a list of entities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TableFormat {
    /// An aligned table.
    Table,
    /// One JSON object per line.
    Jsonl,
}

/// Formats for a single document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DocFormat {
    /// Human-readable text.
    Text,
    /// One JSON document.
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
