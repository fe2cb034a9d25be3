//! Reading organisation names from the files users have: CSV, TSV, JSON
//! lines, plain text (one name a line) and spreadsheets (XLSX, XLS, ODS).
//!
//! A reader yields records one at a time, so inputs of millions of rows
//! stream. A row that cannot be read becomes a [`Problem`] naming the file,
//! the line or row and what was expected; the rows around it are kept.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use anyhow::{Context as _, bail};

/// The formats `derisk screen` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum InputFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
    /// One JSON object per line.
    Jsonl,
    /// One name per line, no header.
    Text,
    /// A spreadsheet (XLSX, XLSM, XLS or ODS); the first sheet, with a header row.
    Xlsx,
}

/// A format of supplier names: what it is called, the file name
/// extensions that name it, and how its first line looks. The one list of
/// them, in the order their sniffs are tried (plain text, last, fits any).
#[derive(Debug)]
pub struct NameFormat {
    /// Its name, as `--input-format` takes it.
    pub name: &'static str,
    /// File name extensions that name it (lower case, without the dot).
    pub extensions: &'static [&'static str],
    /// Whether a first line (without a byte-order mark) looks like it;
    /// `None` for formats known only by their extension.
    pub sniff: Option<fn(&[u8]) -> bool>,
    /// The format.
    pub format: InputFormat,
}

/// Every format of supplier names.
pub const FORMATS: &[NameFormat] = &[
    NameFormat {
        name: "jsonl",
        extensions: &["jsonl", "ndjson", "json"],
        sniff: Some(|line| line.trim_ascii_start().starts_with(b"{")),
        format: InputFormat::Jsonl,
    },
    NameFormat {
        name: "tsv",
        extensions: &["tsv", "tab"],
        sniff: Some(|line| line.contains(&b'\t')),
        format: InputFormat::Tsv,
    },
    NameFormat {
        name: "csv",
        extensions: &["csv"],
        sniff: Some(looks_like_header),
        format: InputFormat::Csv,
    },
    NameFormat {
        name: "xlsx",
        extensions: &["xlsx", "xlsm", "xls", "xlsb", "ods"],
        sniff: None,
        format: InputFormat::Xlsx,
    },
    NameFormat {
        name: "text",
        extensions: &["txt", "lst", "list"],
        sniff: Some(|_| true),
        format: InputFormat::Text,
    },
];

impl InputFormat {
    /// The format a file name suggests.
    pub fn from_path(path: &str) -> Option<InputFormat> {
        let ext = Path::new(path).extension()?.to_str()?.to_ascii_lowercase();
        FORMATS
            .iter()
            .find(|f| f.extensions.contains(&ext.as_str()))
            .map(|f| f.format)
    }

    /// The format the first bytes of an unnamed input suggest.
    fn sniff(head: &[u8]) -> InputFormat {
        let first = head.split(|&b| b == b'\n').next().unwrap_or_default();
        let first = derisk_table::strip_bom(first);
        FORMATS
            .iter()
            .find(|f| f.sniff.is_some_and(|sniff| sniff(first)))
            .map_or(InputFormat::Text, |f| f.format)
    }
}

/// Whether a first line is a header row: cells split by a delimiter
/// (comma, semicolon, bar), one of them a known name column.
fn looks_like_header(line: &[u8]) -> bool {
    let delimiter = derisk_table::delimiter(line);
    if !line.contains(&delimiter) {
        return false;
    }
    let line = String::from_utf8_lossy(line);
    line.split(char::from(delimiter))
        .any(|f| NAME_COLUMNS.contains(&f.trim().trim_matches('"').to_ascii_lowercase().as_str()))
}

pub use crate::detect::{Foreign, NAME_COLUMNS};

/// Header names taken as the country column when `--country-column` is not
/// given (compared case-insensitively). Values that are not ISO 3166
/// two-letter codes are ignored.
pub const COUNTRY_COLUMNS: &[&str] = &[
    "country",
    "country_code",
    "country code",
    "countrycode",
    "country_iso",
    "iso_country",
    "supplier_country",
    "supplier country",
    "vendor_country",
    "vendor country",
    "country/region",
    "country key",
    "land",
    "landcode",
    "pays",
    "paese",
    "pais",
    "país",
    "kraj",
];

/// Which columns to read.
#[derive(Clone, Debug, Default)]
pub struct Columns {
    /// The column of names (else the first of [`NAME_COLUMNS`]).
    pub name: Option<String>,
    /// The column of countries (else the first of [`COUNTRY_COLUMNS`]).
    pub country: Option<String>,
    /// The column of the user's own identifiers for each record.
    pub id: Option<String>,
}

/// One record read from an input.
#[derive(Clone, Debug)]
pub struct Record {
    /// 1-based line (text, CSV, TSV, JSON lines) or row (spreadsheets,
    /// header excluded).
    pub row: u64,
    /// The organisation name as read.
    pub name: String,
    /// The country as read, if there is a country column.
    pub country: Option<String>,
    /// The user's identifier for the record, if there is one.
    pub id: Option<String>,
}

/// Something wrong with one row; the row is skipped.
#[derive(Clone, Debug)]
pub struct Problem {
    /// What is wrong, naming the file and the line or row.
    pub message: String,
    /// Whether the row was left out (an error) or read with a caveat (a
    /// warning, such as a Windows-1252 decoding).
    pub skipped: bool,
}

/// What a reader yields.
pub enum Item {
    /// A record, with a warning if it was read with a caveat.
    Record(Record, Option<Problem>),
    /// A line or row with no name: counted, not screened.
    Empty,
    /// A line or row that could not be read.
    Problem(Problem),
}

/// A streaming reader over one input.
pub struct Reader {
    inner: Inner,
    file: String,
    /// Bytes consumed so far, for progress.
    pub consumed: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// SHA-256 of the bytes consumed so far: at the end, of the input.
    digest: Digest,
}

/// A running SHA-256 shared with the reader deep inside the CSV parser.
type Digest = std::sync::Arc<std::sync::Mutex<sha2::Sha256>>;

enum Inner {
    Lines {
        lines: Box<dyn BufRead + Send>,
        jsonl: bool,
        line: u64,
        offset: u64,
        columns: Columns,
        buf: Vec<u8>,
    },
    Delimited {
        reader: csv::Reader<Box<dyn Read + Send>>,
        name: usize,
        country: Option<usize>,
        id: Option<usize>,
        width: usize,
        record: csv::ByteRecord,
    },
    Rows {
        rows: std::vec::IntoIter<Vec<String>>,
        name: usize,
        country: Option<usize>,
        id: Option<usize>,
        row: u64,
    },
}

/// Counts and hashes the bytes read through it.
struct Counting<R> {
    inner: R,
    count: std::sync::Arc<std::sync::atomic::AtomicU64>,
    digest: Option<Digest>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use sha2::Digest as _;
        let n = self.inner.read(buf)?;
        self.count
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        if let Some(Ok(mut d)) = self.digest.as_ref().map(|d| d.lock()) {
            d.update(&buf[..n]);
        }
        Ok(n)
    }
}

/// What a reader made by [`ReadSoFar::reader`] has read so far: its length
/// and SHA-256, for the run's record of its inputs (standard input
/// included, which cannot be read twice).
#[derive(Clone)]
pub struct ReadSoFar {
    count: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// None when only the length is wanted (a run not recorded).
    digest: Option<Digest>,
}

impl ReadSoFar {
    /// Counts what is read, and hashes it when `hash` is set (hashing
    /// costs a tenth of a procurement read, so a run that is not recorded
    /// does not pay for it).
    pub fn new(hash: bool) -> ReadSoFar {
        ReadSoFar {
            count: Default::default(),
            digest: hash.then(Digest::default),
        }
    }

    /// `inner`, counted and hashed into this as it is read.
    pub fn reader<R: Read>(&self, inner: R) -> impl Read + use<R> {
        Counting {
            inner,
            count: self.count.clone(),
            digest: self.digest.clone(),
        }
    }

    /// The SHA-256 (hex) and length of what was read.
    pub fn sha256(&self) -> (String, u64) {
        use sha2::Digest as _;
        let hash = self
            .digest
            .as_ref()
            .and_then(|d| d.lock().ok().map(|d| d.clone().finalize()))
            .unwrap_or_default();
        let hex = hash.iter().map(|b| format!("{b:02x}")).collect();
        (hex, self.count.load(std::sync::atomic::Ordering::Relaxed))
    }
}

/// The first sheet of a workbook: its name, its header row (trimmed) and
/// its other rows, cells as text. `per_row` says what a row is, for the
/// message about an empty sheet.
pub fn first_sheet(
    path: &str,
    per_row: &str,
) -> anyhow::Result<(String, Vec<String>, Vec<Vec<String>>)> {
    use calamine::{Reader as _, open_workbook_auto};
    let mut book = open_workbook_auto(path)
        .with_context(|| format!("{path}: cannot open as a spreadsheet"))?;
    let sheet = book
        .sheet_names()
        .first()
        .cloned()
        .with_context(|| format!("{path}: the workbook has no sheets"))?;
    let range = book
        .worksheet_range(&sheet)
        .with_context(|| format!("{path}: cannot read sheet {sheet:?}"))?;
    let mut rows = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<String>>());
    let Some(headers) = rows.next() else {
        bail!("{path}: sheet {sheet:?} is empty; expected a header row and {per_row} per row");
    };
    let headers = headers.iter().map(|h| h.trim().to_string()).collect();
    Ok((sheet, headers, rows.collect()))
}

/// Feeds written bytes to a digest.
struct HashWriter<'d>(&'d Digest);

impl io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        use sha2::Digest as _;
        if let Ok(mut d) = self.0.lock() {
            d.update(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The size of a file, for a progress bar (`None` for standard input).
pub fn size_of(path: &str) -> Option<u64> {
    if path == "-" {
        None
    } else {
        std::fs::metadata(path).ok().map(|m| m.len())
    }
}

impl Reader {
    /// Opens `path` (`-` for standard input) in `format`, or the format its
    /// name or first bytes suggest.
    pub fn open(
        path: &str,
        format: Option<InputFormat>,
        columns: &Columns,
    ) -> anyhow::Result<Reader> {
        let consumed = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let digest = Digest::default();
        let by_name = format.is_none();
        let format = format.or_else(|| InputFormat::from_path(path));
        if format == Some(InputFormat::Xlsx) {
            if path == "-" {
                bail!(
                    "-: spreadsheets cannot be read from standard input; save the sheet as a file or as CSV"
                );
            }
            return Reader::spreadsheet(path, columns, consumed);
        }
        let raw: Box<dyn Read + Send> = if path == "-" {
            Box::new(io::stdin())
        } else {
            Box::new(File::open(path).with_context(|| format!("{path}: cannot open"))?)
        };
        let mut buffered: Box<dyn BufRead + Send> = Box::new(BufReader::with_capacity(
            1 << 16,
            Counting {
                inner: raw,
                count: consumed.clone(),
                digest: Some(digest.clone()),
            },
        ));
        let head = buffered
            .fill_buf()
            .with_context(|| format!("{path}: cannot read"))?;
        if head.is_empty() {
            bail!(
                "{path}: the file is empty; expected names, one per line, or a table with a header row"
            );
        }
        // Markup or a capture is never a list of names, whatever the format
        // asked for: screening its lines would report every tag as a name.
        if let Some(foreign) = Foreign::sniff(head) {
            bail!("{path}: not a list of names but {}", foreign.describe());
        }
        let format = match format {
            // A ".txt" whose first line is a header row is a table.
            Some(InputFormat::Text) if by_name && InputFormat::sniff(head) == InputFormat::Csv => {
                InputFormat::Csv
            }
            Some(f) => f,
            None => InputFormat::sniff(head),
        };
        let file = path.to_string();
        let inner = match format {
            InputFormat::Text | InputFormat::Jsonl => Inner::Lines {
                lines: buffered,
                jsonl: format == InputFormat::Jsonl,
                line: 0,
                offset: 0,
                columns: columns.clone(),
                buf: Vec::new(),
            },
            InputFormat::Csv | InputFormat::Tsv => {
                let delimiter = if format == InputFormat::Tsv {
                    b'\t'
                } else {
                    derisk_table::delimiter(head.split(|&b| b == b'\n').next().unwrap_or_default())
                };
                let mut reader = csv::ReaderBuilder::new()
                    .delimiter(delimiter)
                    .flexible(true)
                    .has_headers(true)
                    .from_reader(Box::new(derisk_table::Lf::new(buffered)) as Box<dyn Read + Send>);
                let headers: Vec<String> = reader
                    .byte_headers()
                    .with_context(|| format!("{path}:1: cannot read the header row"))?
                    .iter()
                    .map(|h| derisk_table::header_cell(&decode(h).0).to_string())
                    .collect();
                let (name, country, id) = pick_columns(path, &headers, columns)?;
                Inner::Delimited {
                    reader,
                    name,
                    country,
                    id,
                    width: headers.len(),
                    record: csv::ByteRecord::new(),
                }
            }
            InputFormat::Xlsx => unreachable!("handled above"),
        };
        Ok(Reader {
            inner,
            file,
            consumed,
            digest,
        })
    }

    fn spreadsheet(
        path: &str,
        columns: &Columns,
        consumed: std::sync::Arc<std::sync::atomic::AtomicU64>,
    ) -> anyhow::Result<Reader> {
        let (_, headers, rows) = first_sheet(path, "one organisation")?;
        let (name, country, id) = pick_columns(path, &headers, columns)?;
        // calamine reads the workbook itself; hash the same bytes once more.
        let digest = Digest::default();
        let bytes = std::io::copy(
            &mut File::open(path).with_context(|| format!("{path}: cannot open"))?,
            &mut HashWriter(&digest),
        )
        .with_context(|| format!("{path}: cannot read"))?;
        consumed.store(bytes, std::sync::atomic::Ordering::Relaxed);
        Ok(Reader {
            inner: Inner::Rows {
                rows: rows.into_iter(),
                name,
                country,
                id,
                row: 0,
            },
            file: path.to_string(),
            consumed,
            digest,
        })
    }

    /// The SHA-256 (hex) and length of the bytes read so far; at the end,
    /// of the whole input.
    pub fn sha256(&self) -> (String, u64) {
        ReadSoFar {
            count: self.consumed.clone(),
            digest: Some(self.digest.clone()),
        }
        .sha256()
    }

    /// The input's name as the user gave it.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The next item, or `None` at the end. I/O errors end the input.
    pub fn next_item(&mut self) -> anyhow::Result<Option<Item>> {
        let file = &self.file;
        match &mut self.inner {
            Inner::Lines {
                lines,
                jsonl,
                line,
                offset,
                columns,
                buf,
            } => {
                buf.clear();
                let n = lines
                    .read_until(b'\n', buf)
                    .with_context(|| format!("{file}:{}: cannot read", *line + 1))?;
                if n == 0 {
                    return Ok(None);
                }
                *line += 1;
                let start = *offset;
                *offset += n as u64;
                let mut bytes = &buf[..];
                if *line == 1 {
                    bytes = derisk_table::strip_bom(bytes);
                }
                let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
                let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
                if bytes.trim_ascii().is_empty() {
                    return Ok(Some(Item::Empty));
                }
                let (text, bad) = decode(bytes);
                let caveat = bad.map(|at| Problem {
                    message: format!(
                        "{file}:{line}: byte {} (offset {}) is not UTF-8; the line was read as Windows-1252",
                        at + 1,
                        start + at as u64
                    ),
                    skipped: false,
                });
                if !*jsonl {
                    let name = text.trim().to_string();
                    return Ok(Some(Item::Record(
                        Record {
                            row: *line,
                            name,
                            country: None,
                            id: None,
                        },
                        caveat,
                    )));
                }
                Ok(Some(json_record(file, *line, &text, columns, caveat)))
            }
            Inner::Delimited {
                reader,
                name,
                country,
                id,
                width,
                record,
            } => match reader.read_byte_record(record) {
                Ok(false) => Ok(None),
                Ok(true) => {
                    let line = record.position().map_or(0, |p| p.line());
                    if record.len() != *width {
                        return Ok(Some(Item::Problem(Problem {
                            message: format!(
                                "{file}:{line}: expected {width} fields as in the header, found {}; row skipped",
                                record.len()
                            ),
                            skipped: true,
                        })));
                    }
                    let field = |i: usize| record.get(i).map(decode);
                    let (name_text, bad) = field(*name).unwrap_or_default();
                    if name_text.trim().is_empty() {
                        return Ok(Some(Item::Empty));
                    }
                    let caveat = bad.map(|at| Problem {
                            message: format!(
                                "{file}:{line}: byte {} of the name field is not UTF-8; the field was read as Windows-1252",
                                at + 1
                            ),
                            skipped: false,
                        });
                    let opt = |i: Option<usize>| {
                        i.and_then(|i| record.get(i))
                            .map(|b| decode(b).0.trim().to_string())
                            .filter(|s| !s.is_empty())
                    };
                    Ok(Some(Item::Record(
                        Record {
                            row: line,
                            name: name_text.trim().to_string(),
                            country: opt(*country),
                            id: opt(*id),
                        },
                        caveat,
                    )))
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    if let csv::ErrorKind::Io(_) = e.kind() {
                        return Err(
                            anyhow::Error::new(e).context(format!("{file}:{line}: cannot read"))
                        );
                    }
                    Ok(Some(Item::Problem(Problem {
                        message: format!("{file}:{line}: {e}; row skipped"),
                        skipped: true,
                    })))
                }
            },
            Inner::Rows {
                rows,
                name,
                country,
                id,
                row,
            } => {
                let Some(cells) = rows.next() else {
                    return Ok(None);
                };
                *row += 1;
                let get = |i: Option<usize>| {
                    i.and_then(|i| cells.get(i))
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                };
                match get(Some(*name)) {
                    None => Ok(Some(Item::Empty)),
                    Some(n) => Ok(Some(Item::Record(
                        Record {
                            row: *row,
                            name: n,
                            country: get(*country),
                            id: get(*id),
                        },
                        None,
                    ))),
                }
            }
        }
    }
}

fn json_record(
    file: &str,
    line: u64,
    text: &str,
    columns: &Columns,
    caveat: Option<Problem>,
) -> Item {
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return Item::Problem(Problem {
                message: format!(
                    "{file}:{line}:{}: not valid JSON ({e}); line skipped",
                    e.column()
                ),
                skipped: true,
            });
        }
    };
    let Some(obj) = value.as_object() else {
        return Item::Problem(Problem {
            message: format!(
                "{file}:{line}: expected a JSON object with a name field; line skipped"
            ),
            skipped: true,
        });
    };
    let key = match &columns.name {
        Some(k) => Some(k.as_str()),
        None => NAME_COLUMNS.iter().copied().find(|k| obj.contains_key(*k)),
    };
    let text_of = |k: &str| match obj.get(k) {
        Some(serde_json::Value::String(s)) => Some(s.trim().to_string()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let Some(key) = key else {
        let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        return Item::Problem(Problem {
            message: format!(
                "{file}:{line}: no name field (looked for {}); the object has: {}; use --column; line skipped",
                NAME_COLUMNS[..4].join(", "),
                keys.join(", ")
            ),
            skipped: true,
        });
    };
    let Some(name) = text_of(key) else {
        if obj.get(key).is_none_or(serde_json::Value::is_null) {
            return Item::Empty;
        }
        return Item::Problem(Problem {
            message: format!("{file}:{line}: field {key:?}: expected a string; line skipped"),
            skipped: true,
        });
    };
    if name.is_empty() {
        return Item::Empty;
    }
    Item::Record(
        Record {
            row: line,
            name,
            country: match &columns.country {
                Some(k) => text_of(k),
                None => COUNTRY_COLUMNS.iter().find_map(|k| text_of(k)),
            },
            id: columns.id.as_deref().and_then(text_of),
        },
        caveat,
    )
}

/// The name, country and identifier columns of a header row: the ones
/// asked for, or the usual ones.
fn pick_columns(
    path: &str,
    headers: &[String],
    columns: &Columns,
) -> anyhow::Result<(usize, Option<usize>, Option<usize>)> {
    let name = pick(
        path,
        headers,
        columns.name.as_deref(),
        "--column",
        NAME_COLUMNS,
        true,
    )?;
    let country = pick(
        path,
        headers,
        columns.country.as_deref(),
        "--country-column",
        COUNTRY_COLUMNS,
        false,
    )?;
    let id = pick(
        path,
        headers,
        columns.id.as_deref(),
        "--id-column",
        &[],
        false,
    )?;
    let name = name.ok_or_else(|| anyhow::anyhow!("{path}:1: no name column"))?;
    Ok((name, country, id))
}

/// Finds a column by name (case-insensitive), or without one the first
/// header among `usual` (the usual names of such a column). A column asked
/// for by name that is missing, or a missing required column, is an error
/// that lists the columns there are.
fn pick(
    file: &str,
    headers: &[String],
    wanted: Option<&str>,
    flag: &str,
    usual: &[&str],
    required: bool,
) -> anyhow::Result<Option<usize>> {
    let found = match wanted {
        Some(w) => headers.iter().position(|h| h.eq_ignore_ascii_case(w)),
        // The usual name that comes first in `usual`, wherever its column.
        None => usual
            .iter()
            .find_map(|u| headers.iter().position(|h| h.trim().to_lowercase() == *u)),
    };
    match found {
        Some(i) => Ok(Some(i)),
        None if wanted.is_none() && !required => Ok(None),
        None => {
            let have = headers
                .iter()
                .map(|h| format!("{h:?}"))
                .collect::<Vec<_>>()
                .join(", ");
            match wanted {
                Some(w) => bail!("{file}:1: {flag} {w:?}: no such column; the header has {have}"),
                None => bail!(
                    "{file}:1: no name column found (looked for \"name\", \"supplier\", \"company\", \"vendor\" and others); \
                     the header has {have}; choose one with {flag}"
                ),
            }
        }
    }
}

/// Decodes UTF-8, or Windows-1252 if the bytes are not UTF-8; gives the
/// offset of the first invalid byte in that case.
fn decode(bytes: &[u8]) -> (String, Option<usize>) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), None),
        Err(e) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            (text.into_owned(), Some(e.valid_up_to()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{FORMATS, InputFormat};

    #[test]
    fn every_name_format_is_found_by_its_extensions_and_named_as_its_flag() {
        for f in FORMATS {
            for ext in f.extensions {
                assert_eq!(InputFormat::from_path(&format!("x.{ext}")), Some(f.format));
                assert_eq!(
                    InputFormat::from_path(&format!("x.{}", ext.to_uppercase())),
                    Some(f.format)
                );
            }
            assert_eq!(format!("{:?}", f.format).to_lowercase(), f.name);
        }
        assert_eq!(InputFormat::from_path("suppliers"), None);
        assert_eq!(InputFormat::sniff(b"Hikvision\n"), InputFormat::Text);
    }

    #[test]
    fn a_header_row_makes_a_table_whatever_its_delimiter() {
        assert_eq!(
            InputFormat::sniff(b"name,country\nHuawei,CN\n"),
            InputFormat::Csv
        );
        assert_eq!(
            InputFormat::sniff(b"Naam;Land\r\nHikvision Europe B.V.;NL\r\n"),
            InputFormat::Csv
        );
        assert_eq!(
            InputFormat::sniff(b"\xef\xbb\xbfSupplier|Country\n"),
            InputFormat::Csv
        );
        assert_eq!(InputFormat::sniff(b"name\tcountry\n"), InputFormat::Tsv);
        // Names, one a line, even with a comma or semicolon in them.
        assert_eq!(
            InputFormat::sniff(b"Smith, Jones & Co\nAxis AB\n"),
            InputFormat::Text
        );
        assert_eq!(InputFormat::sniff(b"Huawei; ZTE\n"), InputFormat::Text);
        // A known column name alone is a name, not a header row.
        assert_eq!(InputFormat::sniff(b"Vendor\n"), InputFormat::Text);
    }
}
