//! The registry that ships with derisk, and loading one from a directory.

use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Severity};
use crate::load::{Loaded, RegistryFile, load, load_ordered};

include!(concat!(env!("OUT_DIR"), "/bundled_files.rs"));

/// Where the shipped registry lives in the source tree; bundled file names
/// start with it.
pub const BUNDLED_DIR: &str = "data/registry";

/// The shipped registry files, compiled into the binary.
pub fn bundled_files() -> Vec<RegistryFile> {
    FILES
        .iter()
        .map(|(name, text)| RegistryFile {
            name: (*name).to_owned(),
            text: (*text).to_owned(),
        })
        .collect()
}

/// Loads the shipped registry.
pub fn bundled() -> Loaded {
    load(bundled_files())
}

/// A directory could not be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the registry at {}", path.display())]
pub struct ReadError {
    /// The file or directory that failed.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

/// Loads every `*.toml` file directly inside `dir` (sub-directories are not
/// read). File names in diagnostics are `dir/name.toml`. A file that is not
/// UTF-8 is skipped with an error diagnostic; only an unreadable directory or
/// file is an `Err`.
pub fn load_dir(dir: &Path) -> Result<Loaded, ReadError> {
    let (files, not_utf8) = read_dir_files(dir)?;
    Ok(finish(load(files), not_utf8))
}

/// Loads `base` (the shipped files, or a directory's) together with the
/// `*.toml` files of each overlay directory, as one registry: an overlay
/// adds entities, names, relations, designations and sources, and may cite
/// or link to anything in the base. An id defined twice is an error that
/// names both places; the first definition (the base's) stays.
pub fn load_layered(
    mut base: Vec<RegistryFile>,
    overlays: &[PathBuf],
) -> Result<Loaded, ReadError> {
    base.sort_by(|a, b| a.name.cmp(&b.name));
    let mut files = base;
    let mut not_utf8 = Vec::new();
    for dir in overlays {
        let (more, bad) = read_dir_files(dir)?;
        files.extend(more);
        not_utf8.extend(bad);
    }
    Ok(finish(load_ordered(files), not_utf8))
}

fn finish(mut loaded: Loaded, not_utf8: Vec<Diagnostic>) -> Loaded {
    if !not_utf8.is_empty() {
        loaded.diagnostics.extend(not_utf8);
        loaded
            .diagnostics
            .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    }
    loaded
}

/// The `*.toml` files directly inside `dir`, sorted by name, and a
/// diagnostic for each that is not UTF-8.
fn read_dir_files(dir: &Path) -> Result<(Vec<RegistryFile>, Vec<Diagnostic>), ReadError> {
    let fail = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ReadError { path, source }
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(fail(dir))? {
        let path = entry.map_err(fail(dir))?.path();
        if path.extension().is_some_and(|e| e == "toml") && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    let mut files = Vec::with_capacity(paths.len());
    let mut not_utf8 = Vec::new();
    for path in paths {
        let bytes = std::fs::read(&path).map_err(fail(&path))?;
        let name = path.display().to_string();
        match String::from_utf8(bytes) {
            Ok(text) => files.push(RegistryFile { name, text }),
            Err(e) => not_utf8.push(not_utf8_diagnostic(
                name,
                e.as_bytes(),
                e.utf8_error().valid_up_to(),
            )),
        }
    }
    Ok((files, not_utf8))
}

/// Points at the first byte that is not UTF-8.
fn not_utf8_diagnostic(file: String, bytes: &[u8], valid_up_to: usize) -> Diagnostic {
    // The prefix is valid UTF-8 by definition of `valid_up_to`.
    let prefix = std::str::from_utf8(&bytes[..valid_up_to]).unwrap_or_default();
    let line = prefix.matches('\n').count() + 1;
    let column = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Diagnostic {
        severity: Severity::Error,
        file,
        line,
        column,
        field: String::new(),
        message: format!(
            "not valid UTF-8 at byte {valid_up_to}, file skipped: registry files must be UTF-8 text"
        ),
    }
}
