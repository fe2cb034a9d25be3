//! Assembling the registry a run uses.
//!
//! A run's registry is one of: the registry built into derisk, the files of
//! a directory (`--registry`), either with overlay directories layered over
//! it (`--overlay`), or a compiled snapshot (`--snapshot`) that already holds
//! its files and overlays. Imports of public data files (`--ftm`, `--csl`,
//! `--ieee`) are layered over whichever it is. [`assemble`] does all of it,
//! telling its caller what happens on the way as it happens ([`Event`]s,
//! so that an import's report shows when it is done and warnings before a
//! later failure are not lost); errors name the file and the flag that gave
//! it.

use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Instant;

use derisk_core::PartialDate;
use derisk_match::{Matcher, ScoreConfig, Screener};
use derisk_registry::{ControlRules, Import, Loaded, Registry};

/// Where a run's registry comes from.
#[derive(Clone, Debug)]
pub struct Sources {
    /// The registry files of this directory instead of the shipped ones.
    pub directory: Option<PathBuf>,
    /// Directories of registry files layered over it, in order.
    pub overlays: Vec<PathBuf>,
    /// A compiled snapshot instead of registry files.
    pub snapshot: Option<PathBuf>,
    /// FollowTheMoney files, each `[DATASET=]FILE`.
    pub ftm: Vec<String>,
    /// US Consolidated Screening List files (CSV or JSON).
    pub csl: Vec<String>,
    /// IEEE MAC registry files.
    pub ieee: Vec<String>,
    /// The day imports are dated.
    pub today: PartialDate,
}

impl Sources {
    /// The shipped registry alone; imports dated `today`.
    pub fn shipped(today: PartialDate) -> Sources {
        Sources {
            directory: None,
            overlays: Vec::new(),
            snapshot: None,
            ftm: Vec::new(),
            csl: Vec::new(),
            ieee: Vec::new(),
            today,
        }
    }

    fn imports(&self) -> bool {
        !(self.ftm.is_empty() && self.csl.is_empty() && self.ieee.is_empty())
    }
}

/// A registry ready for a run.
#[derive(Debug)]
pub struct Assembled {
    /// The registry.
    pub registry: Registry,
    /// The content hash of the snapshot file, when one was read (recorded
    /// with runs).
    pub snapshot_hash: Option<String>,
    /// The snapshot's name index, when one was asked for, the snapshot has
    /// one that fits, and no import changed the registry.
    pub index: Option<Matcher>,
}

/// Something a user should hear about while the registry was assembled.
#[derive(Debug)]
pub enum Event {
    /// The registry files had errors; the records at fault were left out.
    LeftOut {
        /// How many errors.
        errors: usize,
    },
    /// A snapshot's name index cannot be used; screening builds it again.
    IndexUnusable {
        /// The snapshot file.
        file: PathBuf,
        /// Why.
        why: String,
    },
    /// An import was read and layered over the registry.
    Imported(ImportReport),
}

/// What one import brought.
#[derive(Debug)]
pub struct ImportReport {
    /// The file read.
    pub file: String,
    /// What kind of import, for the summary ("dataset \"x\", ", "3 MAC
    /// assignments, 1 of registry entities; ").
    pub label: String,
    /// Entities, relations and designations imported.
    pub entities: usize,
    /// Relations imported.
    pub relations: usize,
    /// Designations imported.
    pub designations: usize,
    /// Records read.
    pub records: u64,
    /// Lines read.
    pub lines: u64,
    /// Kinds of record read but not imported, with their counts.
    pub skipped_kinds: Vec<(String, u64)>,
    /// Problems: records of the file that could not be read, and imported
    /// records the registry refused.
    pub problems: Vec<String>,
    /// How long it took, in seconds.
    pub seconds: f64,
}

/// "1 entity", "2 entities", "0 MAC blocks".
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else if let Some(stem) = noun.strip_suffix('y') {
        format!("{n} {stem}ies")
    } else {
        format!("{n} {noun}s")
    }
}

impl fmt::Display for ImportReport {
    /// The one-line summary: "imported 3 entities, 2 relations and 1
    /// designation from FILE (... of N lines read) in 0.01 s".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "imported {}, {} and {} from {} ({}{} of {} lines read) in {:.2} s",
            count(self.entities, "entity"),
            count(self.relations, "relation"),
            count(self.designations, "designation"),
            self.file,
            self.label,
            count(self.records as usize, "record"),
            self.lines,
            self.seconds,
        )?;
        if !self.skipped_kinds.is_empty() {
            let kinds: Vec<String> = self
                .skipped_kinds
                .iter()
                .map(|(s, n)| format!("{s} {n}"))
                .collect();
            write!(f, "; kinds not imported: {}", kinds.join(", "))?;
        }
        if !self.problems.is_empty() {
            write!(f, "; {} skipped", count(self.problems.len(), "problem"))?;
        }
        Ok(())
    }
}

/// Why the registry could not be assembled.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A snapshot was given with registry files.
    #[error(
        "--snapshot replaces --registry and --overlay (a snapshot already holds the registry and overlays it was built from); give one or the other"
    )]
    SnapshotWithFiles,
    /// The registry files could not be read.
    #[error(transparent)]
    Files(#[from] derisk_registry::ReadError),
    /// The snapshot could not be read.
    #[error(transparent)]
    Snapshot(#[from] derisk_registry::SnapshotError),
    /// An import file could not be opened.
    #[error("{flag}: {file}: cannot open the file")]
    Open {
        /// The flag that named it (`--ftm`).
        flag: &'static str,
        /// The file.
        file: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// An import file could not be read.
    #[error("{flag}: {file}: cannot read the file")]
    Read {
        /// The flag that named it.
        flag: &'static str,
        /// The file.
        file: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// The registry files `sources` names (the shipped files or its directory,
/// then its overlays), with every problem found; not for a snapshot.
pub fn load_files(sources: &Sources) -> Result<Loaded, Error> {
    let (files, dirs) = match &sources.directory {
        Some(dir) => (Vec::new(), vec![dir.clone()]),
        None => (derisk_registry::bundled_files(), Vec::new()),
    };
    let dirs: Vec<PathBuf> = dirs
        .into_iter()
        .chain(sources.overlays.iter().cloned())
        .collect();
    Ok(derisk_registry::load_layered(files, &dirs)?)
}

/// The registry `sources` names, with the imports layered over it; with
/// `with_index`, a snapshot's name index is read too (unless imports change
/// the registry it was built for). `on_event` hears what happens, in order,
/// as it happens.
pub fn assemble(
    sources: &Sources,
    with_index: bool,
    on_event: &mut dyn FnMut(Event),
) -> Result<Assembled, Error> {
    let mut snapshot_hash = None;
    let mut index = None;
    let mut registry = match &sources.snapshot {
        Some(file) => {
            if sources.directory.is_some() || !sources.overlays.is_empty() {
                return Err(Error::SnapshotWithFiles);
            }
            let (snapshot, section) =
                derisk_registry::read_snapshot_file(file, with_index && !sources.imports())?;
            let mut unusable = |why: String| {
                on_event(Event::IndexUnusable {
                    file: file.clone(),
                    why,
                });
                None
            };
            index = match section {
                Ok(None) => None,
                Ok(Some(bytes)) => match Matcher::from_bytes(&bytes, snapshot.registry.hash()) {
                    Ok(m) => Some(m),
                    Err(e) => unusable(e),
                },
                Err(e) => unusable(e.to_string()),
            };
            snapshot_hash = Some(snapshot.content_hash);
            snapshot.registry
        }
        None => {
            let loaded = load_files(sources)?;
            let errors = loaded.error_count();
            if errors > 0 {
                on_event(Event::LeftOut { errors });
            }
            loaded.registry
        }
    };
    let today = sources.today;
    for spec in &sources.ftm {
        let (dataset, file) = ftm_spec(spec);
        let started = Instant::now();
        let import = read_ftm(&file, &dataset, today)?;
        let label = format!("dataset {dataset:?}, ");
        registry = layer(registry, import, &file, label, started, on_event);
    }
    for file in &sources.csl {
        let started = Instant::now();
        let import = read_import("--csl", file, |r| {
            derisk_registry::import_csl(r, file, derisk_registry::CslFormat::from_path(file), today)
        })?;
        registry = layer(registry, import, file, String::new(), started, on_event);
    }
    for file in &sources.ieee {
        let started = Instant::now();
        let import = read_ieee(file, &registry, today)?;
        let (assignments, blocks) = (import.assignments.len(), import.mac_blocks.len());
        let label = format!("{assignments} MAC assignments, {blocks} of registry entities; ");
        registry = layer(registry, import, file, label, started, on_event);
    }
    Ok(Assembled {
        registry,
        snapshot_hash,
        index,
    })
}

/// A screener for `registry`, from a snapshot's `index` when it fits, else
/// built; the second value says why an index was not used.
pub fn screener(
    registry: &Registry,
    index: Option<Matcher>,
    config: ScoreConfig,
    rules: ControlRules,
) -> (Screener<'_>, Option<String>) {
    if let Some(m) = index {
        match Screener::with_index(registry, m, config.clone(), rules) {
            Ok(s) => return (s, None),
            Err(e) => {
                return (
                    Screener::with_rules(registry, config, rules),
                    Some(format!(
                        "the snapshot's name index does not fit its registry ({e}); building it again"
                    )),
                );
            }
        }
    }
    (Screener::with_rules(registry, config, rules), None)
}

/// Reads a FollowTheMoney file as dataset `dataset`.
pub fn read_ftm(file: &str, dataset: &str, today: PartialDate) -> Result<Import, Error> {
    read_import("--ftm", file, |r| {
        derisk_registry::import_ftm(r, file, dataset, today)
    })
}

/// Reads an IEEE MAC registry file (CSV, text or oui-data JSON by its
/// extension) and links its assignees to `registry`'s entities.
pub fn read_ieee(file: &str, registry: &Registry, today: PartialDate) -> Result<Import, Error> {
    read_import("--ieee", file, |r| {
        derisk_registry::import_ieee(
            r,
            file,
            derisk_registry::IeeeFormat::from_path(file),
            today,
            registry,
        )
    })
}

/// `[DATASET=]FILE`: the dataset given, or the file name up to its first
/// dot.
fn ftm_spec(spec: &str) -> (String, String) {
    match spec.split_once('=') {
        Some((d, f)) if !d.is_empty() && !f.is_empty() => (d.to_owned(), f.to_owned()),
        _ => {
            let name = std::path::Path::new(spec)
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| spec.to_owned());
            let stem = name.split('.').next().unwrap_or(&name).to_owned();
            (stem, spec.to_owned())
        }
    }
}

/// Opens `file` and runs one importer on it; both failures name the flag
/// and the file.
fn read_import(
    flag: &'static str,
    file: &str,
    import: impl FnOnce(BufReader<File>) -> std::io::Result<Import>,
) -> Result<Import, Error> {
    let f = File::open(file).map_err(|source| Error::Open {
        flag,
        file: file.to_owned(),
        source,
    })?;
    import(BufReader::with_capacity(1 << 20, f)).map_err(|source| Error::Read {
        flag,
        file: file.to_owned(),
        source,
    })
}

/// Layers one import over `registry`, noting what it brought.
fn layer(
    registry: Registry,
    mut import: Import,
    file: &str,
    label: String,
    started: Instant,
    on_event: &mut dyn FnMut(Event),
) -> Registry {
    let stats = std::mem::take(&mut import.stats);
    let problems = std::mem::take(&mut import.diagnostics);
    let (entities, relations, designations) = (
        import.entities.len(),
        import.relations.len(),
        import.designations.len(),
    );
    let (registry, refused) = registry.with_import(import);
    on_event(Event::Imported(ImportReport {
        file: file.to_owned(),
        label,
        entities,
        relations,
        designations,
        records: stats.imported.values().sum::<u64>(),
        lines: stats.lines,
        skipped_kinds: stats
            .skipped_schemas
            .iter()
            .map(|(s, n)| (s.to_string(), *n))
            .collect(),
        problems: problems
            .iter()
            .chain(&refused)
            .map(ToString::to_string)
            .collect(),
        seconds: started.elapsed().as_secs_f64(),
    }));
    registry
}

/// A snapshot written by [`build_snapshot`].
#[derive(Clone, Debug)]
pub struct Built {
    /// The snapshot file's content hash.
    pub hash: String,
    /// Names in the screening index stored with it.
    pub names: usize,
    /// Seconds it took.
    pub seconds: f64,
}

/// Writes `registry`, with its screening name index, as a snapshot at
/// `out`: through a temporary file in the same directory, renamed into
/// place, so that a reader never sees half a snapshot and a failed build
/// leaves the old one.
pub fn build_snapshot(registry: &Registry, out: &Path) -> anyhow::Result<Built> {
    let started = std::time::Instant::now();
    // The screening name index goes in too, so that screening against the
    // snapshot does not build it again.
    let screener = Screener::new(registry, ScoreConfig::default());
    let (index, names) = (
        screener.matcher().to_bytes(registry.hash()),
        screener.matcher().len(),
    );
    drop(screener);
    let hash = crate::files::replace(out, &out.display().to_string(), |mut w| {
        Ok(derisk_registry::write_snapshot_with_index(
            registry,
            Some(&index),
            &mut w,
        )?)
    })?;
    Ok(Built {
        hash,
        names,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// A registry named by a user: `shipped`, a snapshot file or a directory
/// of registry files (records with errors left out, with a warning).
pub fn open_named(path: &Path, say: &mut dyn FnMut(crate::Message)) -> anyhow::Result<Registry> {
    if path.as_os_str() == "shipped" {
        return Ok(derisk_registry::bundled().registry);
    }
    if path.is_dir() {
        let loaded = derisk_registry::load_layered(Vec::new(), &[path.to_path_buf()])?;
        let errors = loaded.error_count();
        if errors > 0 {
            say(crate::Message::warning(format!(
                "{} has {}; the records at fault are left out",
                path.display(),
                count(errors, "error")
            )));
        }
        return Ok(loaded.registry);
    }
    Ok(derisk_registry::read_snapshot_file(path, false)?.0.registry)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> PartialDate {
        "2026-12-03".parse().unwrap()
    }

    #[test]
    fn an_ftm_spec_names_its_dataset_or_takes_the_file_name() {
        assert_eq!(
            ftm_spec("sanctions=data/x.json"),
            ("sanctions".to_owned(), "data/x.json".to_owned())
        );
        assert_eq!(
            ftm_spec("data/entities.ftm.json"),
            ("entities".to_owned(), "data/entities.ftm.json".to_owned())
        );
        assert_eq!(ftm_spec("=x.json"), ("=x".to_owned(), "=x.json".to_owned()));
    }

    #[test]
    fn the_shipped_registry_assembles_without_events() {
        let mut events = Vec::new();
        let a = assemble(&Sources::shipped(day()), true, &mut |e| events.push(e)).unwrap();
        assert!(events.is_empty(), "{events:?}");
        assert!(a.snapshot_hash.is_none() && a.index.is_none());
        assert!(a.registry.entity("hikvision").is_some());
    }

    #[test]
    fn what_happened_before_a_failure_is_told() {
        let dir = std::env::temp_dir().join(format!("derisk-app-events-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ftm = dir.join("one.ftm.json");
        std::fs::write(
            &ftm,
            "{\"id\": \"c1\", \"schema\": \"Company\", \"properties\": {\"name\": [\"Acme Ltd\"]}}\n",
        )
        .unwrap();
        let sources = Sources {
            ftm: vec![
                ftm.display().to_string(),
                dir.join("missing.json").display().to_string(),
            ],
            ..Sources::shipped(day())
        };
        let mut events = Vec::new();
        let e = assemble(&sources, false, &mut |e| events.push(e)).unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(e.to_string().starts_with("--ftm: "), "{e}");
        let [Event::Imported(report)] = &events[..] else {
            panic!("{events:?}");
        };
        assert_eq!(report.entities, 1, "{report}");
        assert!(
            report
                .to_string()
                .starts_with("imported 1 entity, 0 relations and 0 designations from ")
        );
    }

    #[test]
    fn a_snapshot_with_registry_files_is_refused_and_a_missing_import_named() {
        let both = Sources {
            snapshot: Some("r.snap".into()),
            overlays: vec!["mine".into()],
            ..Sources::shipped(day())
        };
        assert!(matches!(
            assemble(&both, false, &mut |_| {}),
            Err(Error::SnapshotWithFiles)
        ));
        let missing = Sources {
            csl: vec!["/nonexistent/consolidated.csv".to_owned()],
            ..Sources::shipped(day())
        };
        let e = assemble(&missing, false, &mut |_| {}).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--csl: /nonexistent/consolidated.csv: cannot open the file"
        );
    }
}
