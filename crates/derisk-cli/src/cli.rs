//! Command-line definitions. `--help` text lives here, next to the flags.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use derisk_app::assets::AssetsInput;
use derisk_app::bench::{
    BenchAssetsArgs, BenchAuditArgs, BenchCaptureArgs, BenchImportArgs, BenchNmapArgs,
    BenchProcurementArgs, BenchScreenArgs,
};
use derisk_app::procurement::ProcurementInput;

const ABOUT: &str =
    "Find and measure dependence on high-risk technology vendors, with a source for every finding.";

const AFTER_HELP: &str = "\
Exit codes:
  0  success, nothing to report
  1  the command found something: validation errors, findings, registries that
     differ, monitored changes that need attention
  2  usage error, unreadable input or another failure

Examples:
  derisk screen suppliers.csv             which suppliers are, or belong to, high-risk vendors
  derisk screen names.txt --format jsonl  the same, one JSON object per input line
  derisk compare --pairs pairs.csv        score labelled name pairs, for evaluation
  derisk registry show hikvision          who owns Hikvision, where it is listed, and why
  derisk registry list --format jsonl     every entity, one JSON object per line
  derisk registry validate --registry my-registry/
  derisk runs list                        the screening runs recorded, newest first
  derisk decide 3fa2c1d0 dismiss --reason \"a namesake\"   an analyst's decision on a finding
  derisk monitor                          what today's registry changes for earlier runs";

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
///
/// The options that have an environment variable (DERISK_REGISTRY,
/// DERISK_OVERLAY, DERISK_SNAPSHOT, DERISK_DB, DERISK_DB_WAIT) read it in
/// [`Global::with_environment`], not through clap: clap prints an option
/// taken from the environment as required in every usage line.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// Use the registry files (*.toml) in DIR instead of the registry built
    /// into derisk [env: DERISK_REGISTRY].
    #[arg(long, global = true, value_name = "DIR")]
    pub registry: Option<PathBuf>,
    /// Add the registry files (*.toml) in DIR to the registry: your own
    /// entities, names, owners, designations and sources, in the same
    /// format, linked to the shipped ones by id. Repeatable [env:
    /// DERISK_OVERLAY, directories separated by ':'].
    #[arg(long, global = true, value_name = "DIR", value_delimiter = ':')]
    pub overlay: Vec<PathBuf>,
    /// Import FollowTheMoney entities (JSON lines, as OpenSanctions and
    /// Aleph publish them) into the registry for this run: companies,
    /// people, public bodies, ownership, directorships, sanctions and
    /// addresses, each citing the file, its SHA-256, the import date and
    /// its line. DATASET names the source (default: the file's name).
    /// Repeatable.
    #[arg(long, global = true, value_name = "[DATASET=]FILE")]
    pub ftm: Vec<String>,
    /// Import the US Consolidated Screening List (consolidated.csv or
    /// consolidated.json, as the US trade administration publishes it) for
    /// this run: one list per source list (Entity List, Military End User
    /// list, NS-CMIC, SDN, ...), a designation per row with its Federal
    /// Register notice and dates, alternative names as aliases. Repeatable.
    #[arg(long, global = true, value_name = "FILE")]
    pub csl: Vec<String>,
    /// Import an IEEE MAC address registry for this run: oui.csv, mam.csv,
    /// oui36.csv or iab.csv (from the IEEE or Debian's ieee-data), the
    /// matching .txt listings, or npm oui-data's index.json. Every
    /// assignment names the maker of a MAC; an assignee whose name is a
    /// registry entity's gives that entity a block. Repeatable.
    #[arg(long, global = true, value_name = "FILE")]
    pub ieee: Vec<String>,
    /// Use a compiled registry snapshot (made by `derisk registry build`)
    /// instead of the registry files: one file, hashed, fast to load.
    /// Imports given with --ftm, --csl and --ieee are layered over it [env:
    /// DERISK_SNAPSHOT].
    #[arg(long, global = true, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
    /// The database of runs, findings and decisions (SQLite; created on
    /// first use). Default: $DERISK_DB, else $XDG_DATA_HOME/derisk/derisk.db,
    /// or ~/.local/share/derisk/derisk.db.
    #[arg(long, global = true, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// How long to wait for another derisk process that is writing to the
    /// database before giving up [env: DERISK_DB_WAIT] [default: 5].
    #[arg(long, global = true, value_name = "SECONDS")]
    pub db_wait: Option<f64>,
}

impl Global {
    /// The options not given on the command line, from their environment
    /// variables (an empty variable counts as unset).
    pub(crate) fn with_environment(mut self) -> Result<Global, String> {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        if self.registry.is_none() {
            self.registry = var("DERISK_REGISTRY").map(PathBuf::from);
        }
        if self.overlay.is_empty()
            && let Some(v) = var("DERISK_OVERLAY")
        {
            self.overlay = std::env::split_paths(&v).collect();
        }
        if self.snapshot.is_none() {
            self.snapshot = var("DERISK_SNAPSHOT").map(PathBuf::from);
        }
        if self.db.is_none() {
            self.db = var("DERISK_DB").map(PathBuf::from);
        }
        if self.db_wait.is_none()
            && let Some(v) = var("DERISK_DB_WAIT")
        {
            self.db_wait = Some(v.to_string_lossy().trim().parse().map_err(|_| {
                format!(
                    "DERISK_DB_WAIT={:?}: expected a number of seconds",
                    v.to_string_lossy()
                )
            })?);
        }
        Ok(self)
    }

    /// The wait in effect: --db-wait, else DERISK_DB_WAIT, else 5 seconds.
    pub(crate) fn db_wait(&self) -> f64 {
        self.db_wait.unwrap_or(5.0)
    }

    /// The store the options name.
    pub(crate) fn db(&self) -> derisk_app::session::Db {
        derisk_app::session::Db {
            path: self.db.clone(),
            wait: self.db_wait(),
        }
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Screen organisation names (suppliers, tenderers, participants)
    /// against the registry.
    ///
    /// Each name is normalised (legal forms, places, abbreviations, scripts),
    /// compared with every registry name it could be, and scored from
    /// explainable parts. A score at or above the match threshold is a
    /// `match`; at or above the review threshold, `review`. Each match names
    /// the registry entity, the path of owners, parents or makers behind it,
    /// and the designations reached, with sources. In the table and the CSV
    /// path column, `→?` is a link the sources do not fully support and a
    /// label ending in `?` an unverified designation; stakes that are not
    /// control follow in parentheses ("not control: ... 35% minority").
    ///
    /// Inputs: CSV or TSV with a header row, JSON lines, spreadsheets (XLSX,
    /// XLS, ODS; first sheet, header row) and plain text with one name per
    /// line; `-` reads standard input. The format comes from the file
    /// extension, or from the first line for standard input. The name column
    /// is the first header called name, supplier, company, vendor,
    /// organisation, tenderer (and a few more) unless --column names it.
    ///
    /// Rows that cannot be read are reported on standard error with their
    /// line and skipped; the rest is screened.
    ///
    /// Each run is recorded in the database (see --db; --no-record to skip):
    /// inputs with their SHA-256, options, registry, records and findings.
    /// Every finding has an id (FINDING) that stays the same for that name
    /// and entity in later runs; `derisk decide ID dismiss --reason ...`
    /// dismisses it, and it stays dismissed while its evidence is unchanged.
    ///
    /// Exit status: 1 if any record is a `match` (dismissed findings do not
    /// count); otherwise 2 if any row or file could not be read; otherwise 0.
    #[command(after_help = SCREEN_EXAMPLES)]
    Screen(ScreenArgs),
    /// Score pairs of names with the screening scorer alone, for evaluation
    /// against labelled pairs.
    ///
    /// FILE is CSV with the header `name1,name2` (a `schema` column and any
    /// others are allowed and ignored). Prints one JSON object per pair:
    /// `{"name1", "name2", "score", "decision", "explanation"}`, where decision is
    /// `match`, `review` or `none`.
    #[command(
        after_help = "Examples:\n  derisk compare --pairs pairs.csv\n  derisk compare --pairs pairs.csv | jq 'select(.decision == \"match\")'"
    )]
    Compare(CompareArgs),
    /// Name the real maker of each device in an inventory, scan or bill of
    /// materials: from fingerprints of what it answers, the IEEE block of
    /// its MAC address and the brand the records declare, with relabelled
    /// (OEM) devices recognised.
    ///
    /// Inputs: the device observation format (JSON lines, one device a line,
    /// docs/formats/device-observation.md), CSV, TSV and spreadsheet
    /// inventories, nmap XML, packet captures, DHCP lease files, `ip neigh`
    /// and `arp -a` output, CycloneDX HBOMs; `-` reads standard input. Each device gets
    /// its maker (a registry entity, or a vendor outside the registry, or
    /// none), model and firmware, the confidence, the bases (`fingerprint`,
    /// `nmap-service` for what nmap -sV named, `banner-name` for a maker's
    /// name or product line written in a banner, `oui`, `declared`, `oem`),
    /// every piece of evidence, and the path and
    /// designations behind the maker. A device sold under one brand and
    /// made by a registry vendor is reported as made by that vendor, basis
    /// `oem`.
    ///
    /// Lines, rows or fields that cannot be read are reported with file,
    /// line and field, and left out. Exit status: 1 if any device is made
    /// by a registry entity; otherwise 2 if anything could not be read;
    /// otherwise 0.
    #[command(after_help = ASSETS_EXAMPLES)]
    Assets(AssetsArgs),
    /// Screen procurement and programme data: who won which award, which
    /// winners are, or belong to, high-risk vendors, what was withheld, and
    /// how concentrated each buyer's or category's purchases are.
    ///
    /// Reads EU eForms notices (XML; a file of one or many notices, or a
    /// directory of them), legacy TED XML (R2.0.9, contract awards), OCDS
    /// (release or record packages of any size, releases, JSON lines of
    /// compiled releases), CORDIS organisation tables (Horizon Europe,
    /// H2020; semicolon-separated) and plain CSV tables of awards (buyer,
    /// supplier, cpv, value, currency, date). The format is found from the
    /// content (`--input-format` to force it). Every supplier is screened
    /// against the registry; awards are flagged (designated-vendor,
    /// subsidiary-or-brand, state-controlled, possible-high-risk,
    /// winner-withheld, value-withheld, no-supplier, high-risk-category),
    /// and a concentration table gives, per group, each supplier's share,
    /// the high-risk share and the Herfindahl-Hirschman index.
    ///
    /// Exit code: 1 when an award went to a high-risk vendor; otherwise 2
    /// if anything could not be read; otherwise 0.
    #[command(after_help = PROCUREMENT_EXAMPLES)]
    Procurement(ProcurementArgs),
    /// Audit an organisation: everything it has (suppliers, assets, scans,
    /// captures, procurement notices) in one run, one report.
    ///
    /// Give files or directories; each file's kind is found from its
    /// content: a table with a supplier name column is a supplier list, a
    /// table with MAC, IP, model or serial columns an asset inventory, nmap
    /// XML a scan, pcap or pcapng a capture, eForms or TED XML, OCDS or an
    /// award table procurement notices (`--kind FILE=KIND` forces one).
    /// Files of other kinds in a directory are skipped with a note; a file
    /// `organisation.toml` gives the organisation's name, sector and
    /// frameworks (`name = "..."`, `sector = "..."`, `frameworks = [...]`).
    /// The
    /// suppliers are screened, the devices identified, the awards screened,
    /// and the results measured: exposure per category, site and
    /// criticality (shares, HHI of maker families, single sourcing), the
    /// purchases behind the devices and the devices no purchase explains,
    /// verdicts under the policy frameworks that apply (by --sector, or
    /// --framework), and a ranked de-risking plan with alternative vendors.
    ///
    /// The report is one self-contained HTML file (--out report.html), JSON
    /// with the same content, CSV of the findings, or Markdown (the
    /// default on standard output). Every finding names where it was read,
    /// its path of owners and makers and the designations reached, with
    /// sources. The run is recorded in the database (--no-record to skip).
    ///
    /// Exit status: 1 when a rule is broken or puts the organisation at
    /// risk, or a designated vendor is found; 2 when nothing could be read;
    /// otherwise 0.
    #[command(after_help = AUDIT_EXAMPLES)]
    Audit(AuditArgs),
    /// List and inspect recorded runs: what was screened, with which
    /// registry and options, and what was found.
    #[command(subcommand)]
    Runs(RunsCommand),
    /// Record an analyst's decision on a finding: confirm it, or dismiss it
    /// (a namesake, a false positive), with the reason.
    ///
    /// FINDING is the id `derisk screen` and `derisk runs show` print (at
    /// least four of its hexadecimal digits). The decision holds for that
    /// supplier and entity in every later run, as long as the evidence is
    /// the same: a new designation, a delisting, a changed owner or a
    /// review that became a match opens the finding again.
    #[command(after_help = DECIDE_EXAMPLES)]
    Decide(DecideArgs),
    /// Re-evaluate recorded runs against the current registry and report
    /// what changed: new matches, changed ownership paths, new designations
    /// and delistings, each with the registry changes behind it.
    ///
    /// By default the newest run of each set of inputs is re-evaluated, with
    /// the options it was screened with; the stored records are used, so the
    /// input files need not be at hand. The result is recorded as a new run,
    /// so the next monitor reports only what is newer. Exit status 1 when
    /// something needs attention (a new or changed finding that is not
    /// dismissed, a finding that disappeared), so it can run from cron.
    #[command(after_help = MONITOR_EXAMPLES)]
    Monitor(MonitorArgs),
    /// Measure speed, memory and recall on generated data.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Inspect and check the registry of high-risk vendors: entities, owners,
    /// brands, designations and their sources.
    #[command(subcommand)]
    Registry(RegistryCommand),
}

const SCREEN_EXAMPLES: &str = "\
Examples:
  derisk screen suppliers.csv
  derisk screen suppliers.csv --column \"Name des Auftragnehmers\" --country-column Sitzstaat
  derisk screen awards.jsonl --format jsonl --only-matches > hits.jsonl
  derisk screen register.xlsx --format csv > screened.csv
  cut -d, -f2 suppliers.csv | derisk screen - --format jsonl";

const PROCUREMENT_EXAMPLES: &str = "\
Examples:
  derisk procurement notices/ --format table
  derisk procurement awards.jsonl --group buyer --cpv-level 5
  derisk procurement organization.csv --format jsonl | jq 'select(.flags != [])'
  derisk procurement notices/ --summary jsonl > concentration.jsonl
  derisk procurement awards.csv --rates rates.csv        (currency,eur_per_unit)";

const ASSETS_EXAMPLES: &str = "\
Examples:
  derisk assets devices.jsonl
  derisk assets cctv-register.csv --map \"Hardware Addr=mac\" --format csv > makers.csv
  derisk assets devices.jsonl --format jsonl | jq 'select(.maker != null)'
  nmap -sV --script banner,http-server-header,ssl-cert,snmp-sysdescr -oX scan.xml 192.0.2.0/24 && derisk assets scan.xml
  ip neigh | derisk assets -
  derisk assets scan.xml --recog ~/src/recog/xml
  derisk --ieee oui.csv assets /var/lib/dhcp/dhcpd.leases   every MAC named, with the whole IEEE registry";

const AUDIT_EXAMPLES: &str = "\
Examples:
  derisk audit examples/westerhaven-port --out report.html
  derisk audit suppliers.csv assets.xlsx scan.xml notices/ --org \"Port of Westerhaven\" --sector transport
  derisk audit data/ --sector telecom --framework eu-5g-toolbox,nis2 --format json > audit.json
  derisk audit data/ --format csv > findings.csv
  derisk audit data/ --kind data/export.txt=suppliers
  derisk audit --list-frameworks";

const DECIDE_EXAMPLES: &str = "\
Examples:
  derisk decide 3fa2c1d0 dismiss --reason \"a namesake: Hikvision Trading Ltd of Lyon, not the PRC group\"
  derisk decide 3fa2c1d0 confirm --reason \"registry extract 2026-10: subsidiary of Hikvision\" --by ana";

const MONITOR_EXAMPLES: &str = "\
Examples:
  derisk monitor                                  every set of inputs, against the shipped registry
  derisk monitor --snapshot registry-2026-12.snap against a newer compiled registry
  derisk monitor --csl consolidated.csv           against the registry plus today's US screening list
  derisk monitor --run 12 --format jsonl          one run, one JSON object per change";

/// The control rules, shared by the commands that follow ownership.
#[derive(Clone, Copy, Debug, Args)]
pub(crate) struct ControlArgs {
    /// A share above this percentage gives control, held directly or added
    /// up with the shares of entities the holder controls (the idea of the
    /// US "50 percent rule").
    #[arg(long, value_name = "PERCENT", default_value_t = 50.0)]
    pub control_above: f64,
    /// A share from this percentage up to the control line is reported as
    /// significant influence, a smaller one as a minority stake.
    #[arg(long, value_name = "PERCENT", default_value_t = 25.0)]
    pub influence_from: f64,
}

impl ControlArgs {
    /// The rules, checked: 0 ≤ influence ≤ control < 100.
    pub(crate) fn rules(&self) -> anyhow::Result<derisk_registry::ControlRules> {
        let (c, i) = (self.control_above, self.influence_from);
        if !(0.0..100.0).contains(&c) || !(0.0..=c).contains(&i) {
            anyhow::bail!(
                "--control-above {c} and --influence-from {i}: expected percentages with \
                 0 ≤ influence-from ≤ control-above < 100"
            );
        }
        Ok(derisk_registry::ControlRules {
            control_above: c,
            influence_from: i,
            as_of: Some(crate::today()),
        })
    }
}

/// Options of `derisk screen`.
#[derive(Debug, Args)]
pub(crate) struct ScreenArgs {
    /// Files to screen; `-` for standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// The column (CSV, TSV, spreadsheet) or field (JSON lines) with the
    /// organisation name. Default: the first header such as "name",
    /// "supplier", "supplier name", "company", "vendor", "tenderer", or the
    /// same in another EU language ("Lieferant", "leverancier",
    /// "fournisseur", "fornitore", "proveedor", "dostawca", …).
    #[arg(long, value_name = "NAME")]
    pub column: Option<String>,
    /// A column with ISO 3166 two-letter country codes (other values are
    /// ignored); agreement with the registry adds to the score, disagreement takes
    /// from it. Default: a header such as "country", "country code" or
    /// "land", if there is one.
    #[arg(long, value_name = "C")]
    pub country_column: Option<String>,
    /// A column with a registration number, LEI, VAT number, stock code or
    /// web domain; equality with a registry identifier is a match.
    #[arg(long, value_name = "I")]
    pub id_column: Option<String>,
    /// Read the inputs as this format instead of guessing from the name.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<derisk_app::input::InputFormat>,
    /// Output format. `auto` is a table on a terminal and JSON lines
    /// otherwise.
    #[arg(long, value_enum, default_value_t = ScreenFormat::Auto)]
    pub format: ScreenFormat,
    /// Scores at or above this are `match`.
    #[arg(long, value_name = "X", default_value_t = derisk_match::ScoreConfig::default().match_threshold)]
    pub match_threshold: f64,
    /// Scores at or above this (and below the match threshold) are `review`.
    #[arg(long, value_name = "Y", default_value_t = derisk_match::ScoreConfig::default().review_threshold)]
    pub review_threshold: f64,
    /// Report every registry entity a record reaches the review threshold
    /// with, not only the best three.
    #[arg(long)]
    pub all: bool,
    /// The rules that decide which owners control a matched entity; its
    /// path and designations follow control only.
    #[command(flatten, next_help_heading = "Control rules")]
    pub control: ControlArgs,
    /// Leave out records without matches (JSON lines and CSV).
    #[arg(long)]
    pub only_matches: bool,
    /// Do not record this run in the database. Earlier decisions are still
    /// applied if the database exists.
    #[arg(long)]
    pub no_record: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RunsCommand {
    /// The recorded runs, newest first.
    #[command(
        after_help = "Examples:\n  derisk runs list\n  derisk runs list --limit 5 --format jsonl"
    )]
    List(RunsListArgs),
    /// One run: its inputs and their hashes, registry, options, counts and
    /// findings with the analysts' decisions.
    #[command(
        after_help = "Examples:\n  derisk runs show\n  derisk runs show 12\n  derisk runs show 12 --format jsonl | jq 'select(.status == \"open\")'"
    )]
    Show(RunsShowArgs),
}

/// Options of `derisk runs list`.
#[derive(Debug, Args)]
pub(crate) struct RunsListArgs {
    /// Show at most this many runs.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DataFormat::Text)]
    pub format: DataFormat,
}

/// Options of `derisk runs show`.
#[derive(Debug, Args)]
pub(crate) struct RunsShowArgs {
    /// The run's number; default: the newest.
    #[arg(value_name = "RUN")]
    pub run: Option<i64>,
    /// Output format: text, or JSON lines (the run, then one object per
    /// finding).
    #[arg(long, value_enum, default_value_t = DataFormat::Text)]
    pub format: DataFormat,
}

/// Options of `derisk assets`.
#[derive(Debug, Args)]
pub(crate) struct AssetsArgs {
    /// Device observation files (JSON lines), inventories (CSV, TSV, XLSX,
    /// ODS), nmap XML scans, packet captures (pcap, pcapng), DHCP lease
    /// files (dhcpd, dnsmasq), `ip neigh` or `arp -a` output, CycloneDX
    /// HBOMs (JSON); `-` for standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Read the inputs as this format instead of guessing from the name
    /// and the first bytes.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<AssetsInput>,
    /// Map an inventory column to a field of the observation format
    /// (`--map "Hardware Addr=mac"`, `--map "Tag=id"`); repeatable. Usual
    /// headers (MAC Address, IP Address, Manufacturer, Model, Serial No,
    /// Asset Tag, Location, Device Type) are mapped without it.
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    pub map: Vec<String>,
    /// Also apply the Rapid7 Recog fingerprints in DIR (its `xml/`
    /// directory, BSD-2-Clause data; read at run time, not shipped). Ruby
    /// patterns are translated to Rust; what cannot be used is counted.
    #[arg(long, value_name = "DIR")]
    pub recog: Option<std::path::PathBuf>,
    /// Output format. `auto` is a table on a terminal and JSON lines
    /// otherwise.
    #[arg(long, value_enum, default_value_t = ScreenFormat::Auto)]
    pub format: ScreenFormat,
    /// Do not record this run in the database (by default every device and
    /// each one a registry vendor made are recorded, for `derisk runs` and
    /// `derisk decide`).
    #[arg(long)]
    pub no_record: bool,
    /// The rules that decide which owners control a maker; its path and
    /// designations follow control only.
    #[command(flatten, next_help_heading = "Control rules")]
    pub control: ControlArgs,
}

/// Options of `derisk audit`.
#[derive(Debug, Args)]
pub(crate) struct AuditArgs {
    /// The organisation's files and directories (read recursively, in
    /// name order; hidden files are passed over).
    #[arg(
        value_name = "DIR-OR-FILE",
        required_unless_present = "list_frameworks"
    )]
    pub inputs: Vec<String>,
    /// The organisation's name, for the report.
    #[arg(long, value_name = "NAME")]
    pub org: Option<String>,
    /// The organisation's sector; it decides the frameworks applied when
    /// --framework is not given: telecom, transport, customs, energy,
    /// water, health, public-administration, education, finance, defence,
    /// other.
    #[arg(long, value_name = "SECTOR")]
    pub sector: Option<String>,
    /// The frameworks to apply, by id (comma-separated or repeated);
    /// default: those of the sector. `--list-frameworks` lists them.
    #[arg(long = "framework", value_name = "ID", value_delimiter = ',')]
    pub frameworks: Vec<String>,
    /// List the frameworks and their rules, and exit.
    #[arg(long)]
    pub list_frameworks: bool,
    /// Add the frameworks and rules of a policy file of your own
    /// (docs/formats/policies.md). Repeatable.
    #[arg(long = "policies", value_name = "FILE")]
    pub policies: Vec<std::path::PathBuf>,
    /// Write the report to FILE; its format follows the extension (.html,
    /// .json, .csv, .md) unless --format says otherwise.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
    /// The report's format; default: from --out's extension, else Markdown.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<ReportFormat>,
    /// Read FILE as KIND (suppliers, assets, scan, capture, notices)
    /// instead of finding its kind from its content. Repeatable.
    #[arg(long = "kind", value_name = "FILE=KIND")]
    pub kinds: Vec<String>,
    /// Exchange rates to the euro for award values: a CSV of
    /// `currency,eur_per_unit` (`GBP,1.17`). Without one, only euro
    /// amounts are added up. Device values with no currency are taken as
    /// euro.
    #[arg(long, value_name = "FILE")]
    pub rates: Option<std::path::PathBuf>,
    /// Do not record the run in the database.
    #[arg(long)]
    pub no_record: bool,
    /// The rules that decide which owners control a maker or supplier.
    #[command(flatten, next_help_heading = "Control rules")]
    pub control: ControlArgs,
}

/// The formats of the audit report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportFormat {
    /// One self-contained HTML page with charts (SVG), for people and
    /// printing.
    Html,
    /// The whole report as one JSON document.
    Json,
    /// The findings, one row each.
    Csv,
    /// The report as Markdown.
    Md,
}

/// Options of `derisk procurement`.
#[derive(Debug, Args)]
pub(crate) struct ProcurementArgs {
    /// Notice files (eForms or TED XML), directories of them, OCDS files,
    /// CORDIS organisation tables or CSV award tables; `-` for standard
    /// input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Read the inputs as this format instead of guessing from the first
    /// bytes.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<ProcurementInput>,
    /// Output format of the awards. `auto` is a table of the flagged awards
    /// and the concentration table on a terminal, and JSON lines (one award
    /// a line) otherwise.
    #[arg(long, value_enum, default_value_t = ScreenFormat::Auto)]
    pub format: ScreenFormat,
    /// Write the concentration rows as JSON lines to standard output
    /// instead of the awards.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub summary: Option<SummaryFormat>,
    /// Group the concentration table by buyer, CPV code, buyer country or
    /// year.
    #[arg(long, value_enum, default_value_t = GroupArg::Cpv)]
    pub group: GroupArg,
    /// Digits of the CPV code that make a category: 2 (division), 3
    /// (group), 5 (class) or 8 (the code).
    #[arg(long, default_value_t = 3, value_parser = cpv_level)]
    pub cpv_level: usize,
    /// Flag a group where high-risk suppliers won more than this share of
    /// the value (of the awards, when no value is known).
    #[arg(long, default_value_t = 0.5, value_name = "SHARE")]
    pub threshold: f64,
    /// Exchange rates to the euro: a CSV of `currency,eur_per_unit`
    /// (`GBP,1.17`). Without one, only amounts in euro are added up.
    #[arg(long, value_name = "FILE")]
    pub rates: Option<std::path::PathBuf>,
    /// Do not record this run in the database (by default every award and
    /// each one to a registry entity are recorded, for `derisk runs` and
    /// `derisk decide`).
    #[arg(long)]
    pub no_record: bool,
    /// The rules that decide which owners control a supplier.
    #[command(flatten, next_help_heading = "Control rules")]
    pub control: ControlArgs,
}

fn cpv_level(s: &str) -> Result<usize, String> {
    match s {
        "2" | "3" | "5" | "8" => Ok(s.parse().unwrap_or(3)),
        _ => Err(format!(
            "{s:?}: expected 2 (division), 3 (group), 5 (class) or 8 (the whole code)"
        )),
    }
}

/// How the concentration table is grouped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum GroupArg {
    /// By buyer.
    Buyer,
    /// By CPV code at `--cpv-level`.
    Cpv,
    /// By the buyer's country.
    Country,
    /// By year.
    Year,
}

/// Formats of the concentration rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum SummaryFormat {
    /// One JSON object a row.
    Jsonl,
}

/// Options of `derisk decide`.
#[derive(Debug, Args)]
pub(crate) struct DecideArgs {
    /// The finding's id (at least four hexadecimal digits).
    #[arg(value_name = "FINDING")]
    pub finding: String,
    /// `confirm` (the finding is right) or `dismiss` (it is not).
    #[arg(value_enum, value_name = "VERDICT")]
    pub verdict: VerdictArg,
    /// Why: the evidence checked, the register consulted. Required, and
    /// shown wherever the decision is.
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// Who decides. Default: DERISK_USER, else the login name (USER).
    #[arg(long, value_name = "NAME", env = "DERISK_USER")]
    pub by: Option<String>,
}

/// A verdict on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum VerdictArg {
    /// The finding is right.
    Confirm,
    /// The finding is wrong or does not matter.
    Dismiss,
}

/// Options of `derisk monitor`.
#[derive(Debug, Args)]
pub(crate) struct MonitorArgs {
    /// Re-evaluate this run (repeatable). Default: the newest run of each
    /// set of inputs.
    #[arg(long = "run", value_name = "RUN")]
    pub runs: Vec<i64>,
    /// Report only; do not record the re-evaluation as a new run.
    #[arg(long)]
    pub no_record: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DataFormat::Text)]
    pub format: DataFormat,
}

/// Options of `derisk compare`.
#[derive(Debug, Args)]
pub(crate) struct CompareArgs {
    /// CSV file with the header `name1,name2`; `-` for standard input.
    #[arg(long, value_name = "FILE")]
    pub pairs: String,
    /// Scores at or above this are `match`.
    #[arg(long, value_name = "X", default_value_t = derisk_match::ScoreConfig::default().match_threshold)]
    pub match_threshold: f64,
    /// Scores at or above this (and below the match threshold) are `review`.
    #[arg(long, value_name = "Y", default_value_t = derisk_match::ScoreConfig::default().review_threshold)]
    pub review_threshold: f64,
}

#[derive(Debug, Subcommand)]
pub(crate) enum BenchCommand {
    /// Index generated organisation names, screen generated queries (half of
    /// them planted variants: a typing slip, another legal form, swapped
    /// words, a dropped place, upper case) and report index build time,
    /// throughput, peak memory, the recall of the planted variants, and the
    /// agreement of the index with the brute-force oracle on a sample.
    /// Exits 2 if recall is below 100%.
    #[command(
        after_help = "Examples:\n  derisk bench screen\n  derisk bench screen --names 100000 --queries 100000 --sample 20\n  derisk bench screen --queries 1000000 --write-queries queries.csv\n  derisk bench screen --names 10000 --queries 20000 --write-pairs pairs.csv"
    )]
    Screen(BenchScreenArgs),
    /// Generate a FollowTheMoney file (companies, people, addresses,
    /// ownership and sanctions, as OpenSanctions publishes them), import
    /// it, layer it over the shipped registry, and report records per
    /// second and peak memory.
    #[command(
        after_help = "Examples:\n  derisk bench import\n  derisk bench import --entities 100000\n  derisk bench import --entities 1000 --keep entities.ftm.json"
    )]
    Import(BenchImportArgs),
    /// Generate device observations (MACs of registry vendors and others,
    /// randomised MACs, web and SNMP banners, Dahua system info, declared
    /// brands), then read and identify them on all cores, and report
    /// devices per second and peak memory.
    #[command(
        after_help = "Examples:\n  derisk bench assets\n  derisk bench assets --devices 100000 --keep devices.jsonl"
    )]
    Assets(BenchAssetsArgs),
    /// Write a synthetic Ethernet capture (pcap) of the size given, then
    /// read it as `derisk assets` does, and report megabytes per second.
    #[command(
        after_help = "Examples:\n  derisk bench capture\n  derisk bench capture --megabytes 100 --runs 5\n  derisk bench capture --compare        (also times tcpdump and tshark on the same file)\n  derisk bench capture --keep lan.pcap"
    )]
    Capture(BenchCaptureArgs),
    /// Write a synthetic `nmap -sV` scan in nmap's XML (service names,
    /// versions, CPEs, raw answers in servicefp, script output) of the size
    /// given, then read it as `derisk assets` does, and report megabytes per
    /// second for reading alone and for reading and identifying
    #[command(
        after_help = "Examples:\n  derisk bench nmap\n  derisk bench nmap --megabytes 500 --runs 5\n  derisk bench nmap --keep scan.xml   (keep the generated scan)"
    )]
    Nmap(BenchNmapArgs),
    /// Write generated eForms notices and OCDS releases (JSON lines) of the
    /// size given, read and analyse them as `derisk procurement` does, and
    /// report megabytes and notices per second; with `--compare`, time
    /// ocdscardinal's indicators on the same OCDS file
    #[command(
        after_help = "Examples:\n  derisk bench procurement\n  derisk bench procurement --megabytes 100 --runs 3\n  derisk bench procurement --compare --cardinal ~/src/cardinal-rs/target/release/ocdscardinal"
    )]
    Procurement(BenchProcurementArgs),
    /// Generate an organisation (an asset register of devices, a supplier
    /// list, eForms notices) and time `derisk audit` on it, end to end in a
    /// child process that records its run in a fresh store, with its peak
    /// memory; the demo organisation too.
    #[command(
        after_help = "Examples:\n  derisk bench audit\n  derisk bench audit --assets 10000 --suppliers 5000 --notices 1000 --runs 3\n  derisk bench audit --keep /tmp/org   (keep the generated files and the reports)"
    )]
    Audit(BenchAuditArgs),
}

/// Output formats of `derisk screen`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ScreenFormat {
    /// A table on a terminal, JSON lines otherwise.
    Auto,
    /// A table of the records with matches.
    Table,
    /// One JSON object per input record.
    Jsonl,
    /// One CSV row per match (and per record without one).
    Csv,
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
    /// Who controls an entity, by explicit rules, with the path and the
    /// sources of every link.
    ///
    /// Subsidiary, brand and former-identity links give control; so does
    /// an ownership the sources say controls (a state group with about
    /// 40%), and a share above --control-above, held directly or added up
    /// with the shares of entities the holder controls. Smaller shares are
    /// reported as significant influence (from --influence-from) or as
    /// minority stakes, with the state organ behind the holder if there is
    /// one. Disagreeing sources, shares not given and cycles are shown.
    #[command(
        after_help = "Examples:\n  derisk registry path \"Hikvision Europe\"\n  derisk registry path dahua --influence-from 10\n  derisk registry path nuctech --format json"
    )]
    Path {
        /// An entity id or a name in any script.
        #[arg(value_name = "ID-OR-NAME")]
        query: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = DocFormat::Text)]
        format: DocFormat,
        /// The thresholds.
        #[command(flatten)]
        control: ControlArgs,
    },
    /// Name the maker of devices by MAC address, from the IEEE blocks the
    /// registry holds (its vendors, bundled) and any --ieee registries.
    ///
    /// Each address gets a verdict: `registry` (the block belongs to a
    /// registry entity, shown with its designations in force), `assigned`
    /// (an imported IEEE assignment of another organisation), `local`
    /// (locally administered or randomised: names no maker), `group`
    /// (multicast or broadcast), `unknown` or `invalid`. The longest
    /// prefix wins (MA-S and IAB, then MA-M, then MA-L). Exit code 1 when
    /// any address belongs to a registry entity.
    #[command(
        after_help = "Examples:\n  derisk registry mac 44:19:b6:00:00:01\n  derisk --ieee oui.csv --ieee mam.csv --ieee oui36.csv registry mac 00:40:8c:12:34:56\n  cut -d' ' -f2 leases.txt | derisk registry mac --format jsonl"
    )]
    Mac {
        /// MAC addresses (any of 44:19:B6:.., 44-19-b6-.., 4419.b6..); none
        /// or `-` reads one a line from standard input.
        #[arg(value_name = "MAC")]
        macs: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = DataFormat::Text)]
        format: DataFormat,
    },
    /// Read IEEE MAC registry files against the registry: the blocks that
    /// link to registry entities, the unlinked assignees that look like
    /// registry entities (screened by name, for a curator to decide), or
    /// the linked blocks as registry TOML (how the shipped extract is made).
    ///
    /// An assignee links to an entity only when its name, with case,
    /// punctuation and legal form ignored ("Co.,Ltd" = "Co., Ltd." =
    /// "Company Limited"), is a name of exactly that entity; similar names
    /// ("Shanghai Dahua Scale Factory") are reported, never linked.
    #[command(
        after_help = "Examples:\n  derisk registry ieee oui.csv mam.csv oui36.csv\n  derisk registry ieee node_modules/oui-data/index.json --output toml --source ieee-oui-data-2026-08"
    )]
    Ieee {
        /// IEEE registry files (.csv, .txt, or oui-data .json).
        #[arg(value_name = "FILE", required = true)]
        files: Vec<String>,
        /// What to print.
        #[arg(long, value_enum, default_value_t = IeeeOutput::Report)]
        output: IeeeOutput,
        /// The source id the TOML blocks cite (a [[source]] describing the
        /// extract, which you add).
        #[arg(long, default_value = "ieee-import")]
        source: String,
    },
    /// Compile the registry (shipped or --registry files, overlays, and
    /// the --ftm, --csl and --ieee imports) into one immutable snapshot
    /// file with a content hash, for fast loading with --snapshot and for
    /// `registry diff`.
    #[command(
        after_help = "Examples:\n  derisk registry build --out registry.snap\n  derisk --csl consolidated.csv --ieee oui.csv registry build --out 2026-11.snap\n  derisk --snapshot 2026-11.snap screen suppliers.csv"
    )]
    Build {
        /// The snapshot file to write (replaced whole: written to a
        /// temporary file first, then renamed).
        #[arg(long, short, value_name = "FILE")]
        out: PathBuf,
    },
    /// List what changed between two registries: added, removed and
    /// changed entities, names, identifiers, relations, designations
    /// (a new end date is a delisting), lists and MAC blocks.
    ///
    /// OLD and NEW are snapshot files or directories of registry files;
    /// `shipped` is the registry built into derisk. Exit code 1 when they
    /// differ.
    #[command(
        after_help = "Examples:\n  derisk registry diff 2026-10.snap 2026-11.snap\n  derisk registry diff shipped my-registry/ --format jsonl"
    )]
    Diff {
        /// The older registry.
        old: PathBuf,
        /// The newer registry.
        new: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = DataFormat::Text)]
        format: DataFormat,
    },
    /// How fresh the registry is, per list and per family.
    ///
    /// For each list: its designations, the newest date they carry (a
    /// start or an end), the newest publication date among the sources
    /// they cite, how many rest only on sources more than a year old
    /// (stale) or undated, and how many start after today (upcoming, not
    /// in force). For each family (an entity and those it controls): the
    /// same over every fact about its entities. Exits 0.
    #[command(
        after_help = "Examples:\n  derisk registry freshness\n  derisk registry freshness --format json | jq '.families[] | select(.stale > 0)'\n  derisk registry freshness --today 2026-06-30   (as of another day)"
    )]
    Freshness {
        /// Output format.
        #[arg(long, value_enum, default_value_t = DocFormat::Text)]
        format: DocFormat,
        /// The day to measure from (YYYY-MM-DD); default today.
        #[arg(long, value_name = "DATE")]
        today: Option<String>,
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

/// What `registry ieee` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum IeeeOutput {
    /// Linked blocks per entity, notes, and look-alike assignees.
    Report,
    /// The linked blocks as `[[mac_block]]` records.
    Toml,
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
