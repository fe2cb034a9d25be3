//! Writing to standard output: buffered, and an error when the reader has
//! gone (which `main` turns into a quiet success).

use std::io::{self, BufWriter, StdoutLock, Write};

/// A buffered, locked standard output.
pub(crate) fn stdout() -> BufWriter<StdoutLock<'static>> {
    BufWriter::new(io::stdout().lock())
}

/// Writes one value as a JSON line.
///
/// JSON errors are turned into `io::Error`s, which keep the kind of an
/// underlying write error, so a closed pipe is recognised as one.
pub(crate) fn json_line<W: Write, T: serde::Serialize>(out: &mut W, value: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

/// Writes one value as an indented JSON document.
pub(crate) fn json_document<W: Write, T: serde::Serialize>(
    out: &mut W,
    value: &T,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

/// Writes `rows` as an aligned table under `header`: no borders, two
/// spaces between columns, no trailing spaces. Nothing for no rows.
pub(crate) fn table<W: Write>(
    out: &mut W,
    header: &[&str],
    rows: Vec<Vec<String>>,
) -> io::Result<()> {
    use comfy_table::{ContentArrangement, Table, presets};
    if rows.is_empty() {
        return Ok(());
    }
    let mut table = Table::new();
    table
        .load_style(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.to_vec());
    for col in table.column_iter_mut() {
        col.set_padding((0, 2));
    }
    for row in rows {
        table.add_row(row);
    }
    for line in table.to_string().lines() {
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}
