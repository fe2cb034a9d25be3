//! The registry that ships with derisk, and loading one from a directory.

use std::path::{Path, PathBuf};

use crate::load::{Loaded, RegistryFile, load};

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
/// read). File names in diagnostics are `dir/name.toml`.
pub fn load_dir(dir: &Path) -> Result<Loaded, ReadError> {
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
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(fail(&path))?;
        files.push(RegistryFile {
            name: path.display().to_string(),
            text,
        });
    }
    Ok(load(files))
}
