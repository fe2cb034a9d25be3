//! What the CORDIS and award-table readers share: the first line read to
//! choose the delimiter, a CSV reader over the whole input, rows with
//! their line numbers, and trimmed cells.

use std::io::{BufRead, Chain, Cursor, Read as _};

use csv::StringRecord;
use derisk_table::Lf;

use crate::award::Problem;

/// A table being read.
pub(crate) struct Table<R> {
    /// The header row.
    pub headers: StringRecord,
    reader: csv::Reader<Lf<Chain<Cursor<Vec<u8>>, R>>>,
    file: String,
}

/// The first line of `input` (without a byte order mark), read so the
/// caller can choose a delimiter; the line is given back to [`open`].
pub(crate) fn first_line(input: &mut impl BufRead) -> std::io::Result<String> {
    let mut head = Vec::new();
    input.read_until(b'\n', &mut head)?;
    let head = derisk_table::strip_bom(&head);
    Ok(String::from_utf8_lossy(head).into_owned())
}

/// A table over `first` and the rest of `input`, its header read; a
/// header that cannot be read is a problem naming line 1.
pub(crate) fn open<R: BufRead>(
    first: String,
    input: R,
    delimiter: u8,
    file: &str,
) -> Result<Table<R>, Problem> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(Lf::new(Cursor::new(first.into_bytes()).chain(input)));
    match reader.headers() {
        Ok(h) => Ok(Table {
            headers: h.clone(),
            reader,
            file: file.to_owned(),
        }),
        Err(e) => Err(Problem {
            file: file.to_owned(),
            line: Some(1),
            offset: None,
            notice_id: None,
            message: format!("cannot read the header: {e}"),
            skipped: true,
        }),
    }
}

impl<R: BufRead> Table<R> {
    /// The position of a column, by its name (case ignored; spaces and
    /// dashes count as underscores).
    pub fn column(&self, name: &str) -> Option<usize> {
        let key = |s: &str| s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        self.headers.iter().position(|h| key(h) == key(name))
    }

    /// The header, for messages.
    pub fn header_text(&self) -> String {
        self.headers.iter().collect::<Vec<_>>().join(", ")
    }

    /// The next row with its line, skipping (and reporting in `problems`)
    /// rows that cannot be read; `None` at the end.
    pub fn next_row(&mut self, problems: &mut Vec<Problem>) -> Option<(Option<u64>, StringRecord)> {
        let mut record = StringRecord::new();
        loop {
            match self.reader.read_record(&mut record) {
                Ok(true) => return Some((record.position().map(|p| p.line()), record)),
                Ok(false) => return None,
                Err(e) => problems.push(Problem {
                    file: self.file.clone(),
                    line: e.position().map(|p| p.line()),
                    offset: None,
                    notice_id: None,
                    message: format!("unreadable row ({e}); skipped"),
                    skipped: true,
                }),
            }
        }
    }
}

/// A cell, trimmed; `None` when the column is absent or the cell empty.
pub(crate) fn cell(record: &StringRecord, column: Option<usize>) -> Option<String> {
    column
        .and_then(|i| record.get(i))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}
