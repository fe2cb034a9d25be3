//! What derisk's readers of delimited tables (supplier lists,
//! inventories, award tables) share: the delimiter of a file taken from
//! its header line, since spreadsheet programs in much of Europe save
//! "CSV" with semicolons (the comma is their decimal mark); and [`Lf`],
//! which turns CRLF line ends into LF so the `csv` crate numbers the rows
//! of a file saved on Windows right; and the byte-order mark that Excel and
//! Notepad put before "UTF-8" text, which every reader sets aside
//! ([`strip_bom`], [`header_cell`]).

/// `bytes` without a leading UTF-8 byte-order mark.
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)
}

/// A header cell as a reader compares it: trimmed, without the byte-order
/// mark the first cell of a file can carry.
pub fn header_cell(cell: &str) -> &str {
    cell.trim().trim_start_matches('\u{feff}')
}

/// The delimiter of a delimited text table, from its header line: of
/// comma, semicolon, tab and vertical bar, the one found most often
/// outside double quotes; a comma when there is none, or on a tie with it.
pub fn delimiter(first_line: &[u8]) -> u8 {
    const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];
    let mut counts = [0usize; 4];
    let mut quoted = false;
    for &b in first_line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(i) = CANDIDATES.iter().position(|&c| c == b) {
            counts[i] += 1;
        }
    }
    let mut best = 0;
    for i in 1..CANDIDATES.len() {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    CANDIDATES[best]
}

/// A reader that turns CRLF line ends into LF, for the `csv` crate: it
/// counts lines by LF and, after a record that ends in CRLF, reports the
/// next record's line one too low (rust-csv issue 395), so every row of a
/// file saved on Windows would be named by the line before it. A CR not
/// followed by LF is kept.
pub struct Lf<R> {
    inner: R,
    cr: bool,
}

impl<R: std::io::BufRead> Lf<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Lf<R> {
        Lf { inner, cr: false }
    }
}

impl<R: std::io::BufRead> std::io::Read for Lf<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let mut n = 0;
        while n < out.len() {
            let chunk = self.inner.fill_buf()?;
            if chunk.is_empty() {
                if self.cr {
                    out[n] = b'\r';
                    n += 1;
                    self.cr = false;
                }
                break;
            }
            let mut used = 0;
            for &b in chunk {
                if n == out.len() {
                    break;
                }
                if self.cr {
                    self.cr = false;
                    if b != b'\n' {
                        out[n] = b'\r';
                        n += 1;
                        if n == out.len() {
                            break;
                        }
                    }
                }
                used += 1;
                if b == b'\r' {
                    self.cr = true;
                } else {
                    out[n] = b;
                    n += 1;
                }
            }
            self.inner.consume(used);
            if n > 0 {
                break;
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::{Lf, delimiter, header_cell, strip_bom};
    use std::io::Read;

    #[test]
    fn the_byte_order_mark_is_set_aside_once() {
        assert_eq!(strip_bom(b"\xef\xbb\xbfname,country"), b"name,country");
        assert_eq!(strip_bom(b"name"), b"name");
        assert_eq!(strip_bom(b""), b"");
        assert_eq!(header_cell("\u{feff}Supplier"), "Supplier");
        assert_eq!(header_cell("  Land "), "Land");
    }

    #[test]
    fn crlf_becomes_lf_and_a_lone_cr_stays() {
        for size in [1, 2, 3, 7, 64] {
            // A reader that hands out `size` bytes at a time, so CR and LF
            // fall on either side of a chunk's end.
            let input: &[u8] = b"a;b\r\nc;d\re\r\n\r\nf\r";
            let buffered = std::io::BufReader::with_capacity(size, input);
            let mut out = Vec::new();
            let mut lf = Lf::new(buffered);
            let mut buf = vec![0u8; size];
            loop {
                let n = lf.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&buf[..n]);
            }
            assert_eq!(out, b"a;b\nc;d\re\n\nf\r", "chunks of {size}");
        }
    }

    #[test]
    fn csv_rows_keep_their_lines_after_crlf() {
        let input: &[u8] = b"name,country\r\nHikvision Europe B.V.,NL\r\nDahua Europe B.V.,NL\r\n";
        let mut reader = csv::ReaderBuilder::new().from_reader(Lf::new(input));
        let lines: Vec<u64> = reader
            .records()
            .map(|r| r.unwrap().position().unwrap().line())
            .collect();
        assert_eq!(lines, [2, 3]);
    }

    #[test]
    fn the_delimiter_is_the_most_frequent_outside_quotes() {
        assert_eq!(delimiter(b"Supplier,Name 1,Country"), b',');
        assert_eq!(delimiter(b"Crediteurnummer;Naam;Land;KvK-nummer"), b';');
        assert_eq!(delimiter(b"name\tcountry"), b'\t');
        assert_eq!(delimiter(b"name|country|id"), b'|');
        // Inside quotes a separator is text.
        assert_eq!(delimiter(b"\"Name; legal\",Country,Id"), b',');
        assert_eq!(delimiter(b"\"Smith, Jones & Co\";Land"), b';');
        // Nothing to split on, or a tie: a comma.
        assert_eq!(delimiter(b"name"), b',');
        assert_eq!(delimiter(b"a,b;c"), b',');
    }
}
