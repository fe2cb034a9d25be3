//! The run session: opening the store of runs, findings and decisions,
//! and recording one run (its inputs, records and findings) in one
//! transaction at the end.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use derisk_registry::Registry;
use derisk_store::{
    Decision, Location, NewFinding, NewRun, OpenMode, RunInput, RunTotals, Store, StoreError,
};

use crate::input::{Reader, Record};

/// Where the store is and how long to wait for another writer.
#[derive(Clone, Debug, Default)]
pub struct Db {
    /// The database file; `None` for the default location
    /// ([`derisk_store::default_path`]).
    pub path: Option<PathBuf>,
    /// Seconds to wait for another process writing to the database.
    pub wait: f64,
}

/// A recorded run: its id and where it was recorded.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The run's id in the store.
    pub id: i64,
    /// The store's location, as a user names it.
    pub location: String,
}

/// The options a run was made with, typed by the kind of run: what the
/// store keeps (as JSON) and what `derisk monitor` reads back, so that each
/// kind of run is read as itself.
#[derive(Clone, Debug, PartialEq)]
pub enum KindOptions {
    /// A screening run's (and a monitoring run's, which repeats its base's).
    Screen(crate::screen::RunOptions),
    /// An audit's.
    Audit(crate::audit::AuditOptions),
    /// An identification run's.
    Assets(crate::assets::AssetsOptions),
    /// A procurement run's.
    Procurement(crate::procurement::ProcurementOptions),
}

impl KindOptions {
    /// The kind of run these are the options of.
    pub fn kind(&self) -> derisk_store::RunKind {
        use derisk_store::RunKind as K;
        match self {
            KindOptions::Screen(_) => K::Screen,
            KindOptions::Audit(_) => K::Audit,
            KindOptions::Assets(_) => K::Assets,
            KindOptions::Procurement(_) => K::Procurement,
        }
    }

    /// The options as the store keeps them.
    pub fn to_json(&self) -> String {
        match self {
            KindOptions::Screen(o) => serde_json::to_string(o),
            KindOptions::Audit(o) => serde_json::to_string(o),
            KindOptions::Assets(o) => serde_json::to_string(o),
            KindOptions::Procurement(o) => serde_json::to_string(o),
        }
        .unwrap_or_default()
    }

    /// Reads the options a run of `kind` was recorded with.
    pub fn parse(kind: derisk_store::RunKind, text: &str) -> Result<KindOptions, String> {
        use derisk_store::RunKind as K;
        let read = |e: serde_json::Error| format!("cannot read its recorded options {text:?}: {e}");
        Ok(match kind {
            K::Screen | K::Monitor => {
                KindOptions::Screen(serde_json::from_str(text).map_err(read)?)
            }
            K::Audit => KindOptions::Audit(serde_json::from_str(text).map_err(read)?),
            K::Assets => KindOptions::Assets(serde_json::from_str(text).map_err(read)?),
            K::Procurement => KindOptions::Procurement(serde_json::from_str(text).map_err(read)?),
        })
    }
}

/// A store's location: --db (a file, `sqlite:PATH`, or a `postgres://`
/// URL), DERISK_DB, or the XDG default file.
pub fn location(db: &Db) -> anyhow::Result<Location> {
    match &db.path {
        Some(p) => Ok(Location::parse(&p.to_string_lossy())),
        None => Ok(Location::Sqlite(derisk_store::default_path()?)),
    }
}

/// A backend-neutral store, as every command uses it.
pub type DynStore = Box<dyn Store + Send>;

/// Opens the store. `hint` is added to the errors a user can act on
/// (locked, read-only).
pub fn open(db: &Db, mode: OpenMode, hint: &str) -> anyhow::Result<DynStore> {
    let wait = db.wait;
    if !(0.0..=86_400.0).contains(&wait) {
        bail!("--db-wait {wait}: expected a number of seconds from 0 to 86400");
    }
    let wait = Duration::from_secs_f64(wait);
    derisk_store::open(&location(db)?, mode, wait).map_err(|e| with_hint(e, hint))
}

/// Opens an existing store for a command that writes to it but has
/// nothing to say without runs (`decide`, `monitor`): a missing file is
/// [`StoreError::NoRuns`], not a new empty database.
pub fn open_existing(db: &Db, mode: OpenMode, hint: &str) -> anyhow::Result<DynStore> {
    if let Location::Sqlite(path) = location(db)?
        && !path.exists()
    {
        return Err(StoreError::NoRuns(path).into());
    }
    open(db, mode, hint)
}

/// The error, with advice for the errors a user can act on.
pub fn with_hint(e: StoreError, hint: &str) -> anyhow::Error {
    match e {
        StoreError::ReadOnly { .. } | StoreError::Locked { .. } | StoreError::Open { .. }
            if !hint.is_empty() =>
        {
            anyhow::anyhow!("{e}; {hint}")
        }
        e => e.into(),
    }
}

/// Collects a run's inputs, records and findings while it runs, and
/// records them in one transaction at the end.
pub struct Recorder {
    store: Option<DynStore>,
    write: bool,
    started_at: String,
    inputs: Vec<RunInput>,
    subject: Vec<String>,
    records: Vec<derisk_store::Record>,
    findings: Vec<NewFinding>,
}

impl Recorder {
    /// Opens the store for a run. With `write` false the run is not
    /// recorded; the store is read for earlier decisions if it exists, and
    /// a store that cannot be read is a warning (returned beside the
    /// recorder), not an error.
    pub fn open(db: &Db, write: bool) -> anyhow::Result<(Recorder, Option<String>)> {
        let mut warning = None;
        let store = if write {
            Some(open(
                db,
                OpenMode::Write,
                "add --no-record to run without recording, or --db FILE to record elsewhere",
            )?)
        } else {
            match open(db, OpenMode::Read, "") {
                Ok(s) => Some(s),
                Err(e)
                    if matches!(
                        e.downcast_ref(),
                        Some(StoreError::NoRuns(_) | StoreError::NoLocation)
                    ) =>
                {
                    None
                }
                Err(e) => {
                    warning = Some(format!("{e:#}; earlier decisions are not applied"));
                    None
                }
            }
        };
        let recorder = Recorder {
            store,
            write,
            started_at: derisk_core::utc_timestamp(crate::clock::unix_now()),
            inputs: Vec::new(),
            subject: Vec::new(),
            records: Vec::new(),
            findings: Vec::new(),
        };
        Ok((recorder, warning))
    }

    /// Whether the run is recorded (records and findings kept).
    pub fn records(&self) -> bool {
        self.write
    }

    /// The latest decision on each finding key (none without a store).
    pub fn decisions(&self) -> anyhow::Result<HashMap<String, Decision>> {
        match &self.store {
            Some(s) => Ok(s.decisions()?),
            None => Ok(HashMap::new()),
        }
    }

    /// Adds a screened record and its findings.
    pub fn add(&mut self, file: &str, rec: &Record, mut findings: Vec<NewFinding>) {
        if !self.write {
            return;
        }
        let seq = self.records.len() as u64;
        self.records.push(derisk_store::Record {
            seq,
            file: file.to_owned(),
            row: rec.row,
            name: rec.name.clone(),
            country: rec.country.clone(),
            identifier: rec.id.clone(),
        });
        for f in &mut findings {
            f.record = seq;
        }
        self.findings.append(&mut findings);
    }

    /// Adds an input, read to its end by the screening reader.
    pub fn input(&mut self, reader: &Reader) {
        let (sha256, bytes) = reader.sha256();
        self.push_input(reader.file(), sha256, bytes);
    }

    /// Adds an input hashed as it was read (`read`). A file the reader
    /// did not read to its end is hashed whole from disk, so the run
    /// records the file, not the part read; standard input, which cannot
    /// be read again, is recorded as read.
    pub fn input_read(&mut self, path: &str, read: &crate::input::ReadSoFar) -> anyhow::Result<()> {
        if !self.write {
            return Ok(());
        }
        let (sha256, bytes) = read.sha256();
        if path != "-" && std::fs::metadata(path).is_ok_and(|m| m.len() != bytes) {
            return self.input_file(path);
        }
        self.push_input(path, sha256, bytes);
        Ok(())
    }

    /// Adds an input: hashed as read when a hashing reader read it
    /// ([`Recorder::input_read`]), else from the file
    /// ([`Recorder::input_file`]).
    pub fn input_opened(
        &mut self,
        path: &str,
        read: Option<&crate::input::ReadSoFar>,
    ) -> anyhow::Result<()> {
        match read {
            Some(read) => self.input_read(path, read),
            None => self.input_file(path),
        }
    }

    /// Adds an input that no hashing reader read (a workbook, which its
    /// reader opens itself): its SHA-256 and size are computed from the
    /// file.
    pub fn input_file(&mut self, path: &str) -> anyhow::Result<()> {
        if !self.write {
            return Ok(());
        }
        let file = std::fs::File::open(path).with_context(|| format!("{path}: cannot open"))?;
        let read = crate::input::ReadSoFar::new(true);
        std::io::copy(&mut read.reader(file), &mut std::io::sink())
            .with_context(|| format!("{path}: cannot read"))?;
        let (sha256, bytes) = read.sha256();
        self.push_input(path, sha256, bytes);
        Ok(())
    }

    /// Adds an input and its absolute path to the run's subject.
    fn push_input(&mut self, path: &str, sha256: String, bytes: u64) {
        self.subject.push(if path == "-" {
            path.to_owned()
        } else {
            std::fs::canonicalize(path)
                .map_or_else(|_| path.to_owned(), |p| p.display().to_string())
        });
        self.inputs.push(RunInput {
            path: path.to_owned(),
            sha256,
            bytes,
        });
    }

    /// Records the run, if it is to be recorded, and says where.
    pub fn finish(
        self,
        registry: &Registry,
        snapshot_file_hash: Option<String>,
        options: &KindOptions,
        totals: RunTotals,
    ) -> anyhow::Result<Option<Recorded>> {
        // Nothing read (every input failed to open) is nothing to record.
        let (Some(mut store), true, false) = (self.store, self.write, self.inputs.is_empty())
        else {
            return Ok(None);
        };
        let run = NewRun {
            command: options.kind(),
            subject: self.subject.join("\n"),
            inputs: self.inputs,
            options: options.to_json(),
            registry_hash: registry.hash().to_owned(),
            registry_snapshot: kept_registry(&*store, registry)?,
            snapshot_file_hash,
            base_run: None,
            started_at: self.started_at,
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            totals,
        };
        let id = store
            .record_run(&run, &self.records, &self.findings)
            .map_err(|e| {
                with_hint(
                    e,
                    "the results above were not recorded; run the command again",
                )
            })?;
        Ok(Some(Recorded {
            id,
            location: store.location().to_string(),
        }))
    }
}

/// The registry as a snapshot, if the store does not keep it yet.
pub fn kept_registry(store: &dyn Store, registry: &Registry) -> anyhow::Result<Option<Vec<u8>>> {
    if store.has_registry(registry.hash())? {
        return Ok(None);
    }
    let mut bytes = Vec::new();
    derisk_registry::write_snapshot(registry, &mut bytes)?;
    Ok(Some(bytes))
}

#[cfg(test)]
mod tests {
    use derisk_store::RunKind;

    use super::KindOptions;

    #[test]
    fn options_are_read_back_as_their_kind() {
        let screen = r#"{"match_threshold":0.85,"review_threshold":0.6,"all":false,"control_above":50.0,"influence_from":25.0}"#;
        let o = KindOptions::parse(RunKind::Screen, screen).unwrap();
        assert!(matches!(&o, KindOptions::Screen(s) if s.match_threshold == 0.85));
        assert_eq!(o.to_json(), screen);
        assert!(matches!(
            KindOptions::parse(RunKind::Monitor, screen),
            Ok(KindOptions::Screen(_))
        ));
        // An audit's options are no screening options: the bug of issue 21
        // (monitor read audit runs as screening runs) cannot come back.
        let audit = r#"{"organisation":"Port","sector":"ports","frameworks":["nis2"]}"#;
        assert!(matches!(
            KindOptions::parse(RunKind::Audit, audit),
            Ok(KindOptions::Audit(a)) if a.frameworks == ["nis2"]
        ));
        let err = KindOptions::parse(RunKind::Screen, audit).unwrap_err();
        assert!(err.starts_with("cannot read its recorded options"), "{err}");
        let assets = r#"{"control_above":50.0,"influence_from":25.0,"recog":null,"map":[]}"#;
        assert_eq!(
            KindOptions::parse(RunKind::Assets, assets)
                .unwrap()
                .to_json(),
            assets
        );
        let procurement = r#"{"threshold":0.5,"cpv_level":3,"group":"cpv","control_above":50.0,"influence_from":25.0,"rates":null}"#;
        assert_eq!(
            KindOptions::parse(RunKind::Procurement, procurement)
                .unwrap()
                .to_json(),
            procurement
        );
    }
}
