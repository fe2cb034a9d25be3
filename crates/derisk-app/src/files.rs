//! Writing a file so that a reader sees the old one or the new one whole,
//! never half: the one way derisk replaces a report or a snapshot.

use std::io::Write;
use std::path::Path;

use anyhow::Context as _;

/// Writes `path` through `write` into a new file beside it (named for this
/// process), flushed to disk, then renamed over `path`; on any error the
/// new file is removed and `path` is left as it was. `what` names the
/// file in errors (`--out report.html`, `snapshot.drsk`).
pub fn replace<T>(
    path: &Path,
    what: &str,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .with_context(|| format!("{what}: not a file name"))?;
    let temp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| -> anyhow::Result<T> {
        let f = std::fs::File::create(&temp)
            .with_context(|| format!("{}: cannot create the file", temp.display()))?;
        let mut w = std::io::BufWriter::new(f);
        let value = write(&mut w)?;
        let f = w
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("{}: cannot write", temp.display()))?;
        f.sync_all()
            .with_context(|| format!("{}: cannot write", temp.display()))?;
        std::fs::rename(&temp, path)
            .with_context(|| format!("{}: cannot replace the file", path.display()))?;
        Ok(value)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::replace;

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile_dir();
        let path = dir.join("report.html");
        std::fs::write(&path, "old").unwrap();
        let err = replace::<()>(&path, "--out report.html", |w| {
            w.write_all(b"half")?;
            anyhow::bail!("the renderer failed")
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "the renderer failed");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        replace(&path, "--out report.html", |w| Ok(w.write_all(b"new")?)).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        let err = replace(std::path::Path::new("/"), "--out /", |_| Ok(())).unwrap_err();
        assert_eq!(err.to_string(), "--out /: not a file name");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("derisk-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
