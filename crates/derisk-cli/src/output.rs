//! Writing to standard output: buffered, and an error when the reader has
//! gone (which `main` turns into a quiet success).

use std::io::{self, BufWriter, StdoutLock, Write};

/// A buffered, locked standard output.
pub(crate) fn stdout() -> BufWriter<StdoutLock<'static>> {
    BufWriter::new(io::stdout().lock())
}

/// Writes one value as a JSON line.
pub(crate) fn json_line<W: Write, T: serde::Serialize>(out: &mut W, value: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")
}
