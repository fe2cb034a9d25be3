//! Every format of procurement and programme data this crate reads, as
//! descriptors (name, a content sniff, the reader),
//! so that `derisk procurement`, the audit and a fuzzer find and read a
//! format the same way.

use std::io::BufRead;

use crate::Read;

/// A format of procurement data.
#[derive(Debug)]
pub struct NoticeFormat {
    /// Its name, as `--input-format` takes it.
    pub name: &'static str,
    /// Whether a file's start (as text, without a byte-order mark and
    /// leading white space; the first line lower-cased for tables) looks
    /// like this format.
    pub sniff: fn(&Head<'_>) -> bool,
    read: fn(Box<dyn BufRead>, &str) -> Read,
}

/// A file's start as the sniffs read it.
#[derive(Debug)]
pub struct Head<'a> {
    /// The text, leading white space trimmed.
    pub text: &'a str,
    /// Its first line, lower case.
    pub first_line: String,
}

/// The start of a file that is none of the formats.
#[derive(Debug)]
pub struct UnknownFormat(pub &'static str);

impl std::fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for UnknownFormat {}

/// Which framework programme a CORDIS file is of, from its name.
fn programme_of(file: &str) -> Option<&'static str> {
    let lower = file.to_ascii_lowercase();
    if lower.contains("horizon") {
        Some("Horizon Europe")
    } else if lower.contains("h2020") {
        Some("H2020")
    } else if lower.contains("fp7") {
        Some("FP7")
    } else {
        None
    }
}

/// Every format, in the order their sniffs are tried.
pub const FORMATS: &[NoticeFormat] = &[
    NoticeFormat {
        name: "ted",
        sniff: |h| h.text.starts_with('<') && h.text.contains("TED_EXPORT"),
        read: |input, file| crate::ted::read(input, file),
    },
    NoticeFormat {
        name: "eforms",
        sniff: |h| {
            h.text.starts_with('<')
                && h.text
                    .contains("urn:oasis:names:specification:ubl:schema:xsd:")
        },
        read: |input, file| crate::eforms::read(input, file),
    },
    NoticeFormat {
        name: "ocds",
        sniff: |h| h.text.starts_with('{') || h.text.starts_with('['),
        read: |input, file| crate::ocds::read(input, file),
    },
    NoticeFormat {
        name: "cordis",
        sniff: |h| !h.text.starts_with('<') && h.first_line.contains("projectid"),
        read: |input, file| crate::cordis::read(input, file, programme_of(file)),
    },
    NoticeFormat {
        name: "csv",
        sniff: |h| {
            !h.text.starts_with('<')
                && h.first_line.contains("buyer")
                && h.first_line.contains("supplier")
        },
        read: |input, file| crate::table::read(input, file),
    },
];

impl NoticeFormat {
    /// The format named `name`.
    pub fn named(name: &str) -> Option<&'static NoticeFormat> {
        FORMATS.iter().find(|f| f.name == name)
    }

    /// The format of a buffer's start; the error says what it is not.
    pub fn sniff(head: &[u8]) -> Result<&'static NoticeFormat, UnknownFormat> {
        let head = derisk_table::strip_bom(head);
        let text = String::from_utf8_lossy(&head[..head.len().min(1 << 16)]);
        let t = text.trim_start();
        let h = Head {
            text: t,
            first_line: t.lines().next().unwrap_or_default().to_ascii_lowercase(),
        };
        if let Some(f) = FORMATS.iter().find(|f| (f.sniff)(&h)) {
            return Ok(f);
        }
        Err(UnknownFormat(if t.starts_with('<') {
            "XML that is neither an eForms notice (UBL namespaces) nor TED XML (TED_EXPORT); use --input-format eforms or ted to force one"
        } else {
            "not XML, JSON, a CORDIS table (projectID;name;...) or an award table (buyer,supplier,cpv,value,currency,date); use --input-format to force one"
        }))
    }

    /// Reads `input` (named `file` in problems and awards) in this format.
    pub fn read(&self, input: Box<dyn BufRead>, file: &str) -> Read {
        (self.read)(input, file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_name_each_format_and_say_what_a_file_is_not() {
        let name = |head: &[u8]| NoticeFormat::sniff(head).map(|f| f.name).map_err(|e| e.0);
        assert_eq!(name(b"\xef\xbb\xbf<TED_EXPORT xmlns=\"x\">"), Ok("ted"));
        assert_eq!(
            name(b"<ContractAwardNotice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:ContractAwardNotice-2\">"),
            Ok("eforms")
        );
        assert_eq!(name(b"  {\"ocid\":\"ocds-1\"}"), Ok("ocds"));
        assert_eq!(
            name(b"projectID;projectAcronym;organisationID\n"),
            Ok("cordis")
        );
        assert_eq!(name(b"buyer,supplier,cpv,value\n"), Ok("csv"));
        assert!(
            name(b"<html>")
                .unwrap_err()
                .starts_with("XML that is neither")
        );
        assert!(
            name(b"name\nHikvision\n")
                .unwrap_err()
                .starts_with("not XML, JSON")
        );
        assert_eq!(programme_of("cordis-h2020organizations.csv"), Some("H2020"));
    }

    #[test]
    fn every_format_reads_arbitrary_bytes_without_panicking() {
        let inputs: [&[u8]; 4] = [
            b"",
            b"\xff\xfe<\x00",
            b"{\"releases\":[",
            b"buyer,supplier\n\"x",
        ];
        for f in FORMATS {
            for bytes in inputs {
                let read = f.read(Box::new(std::io::Cursor::new(bytes.to_vec())), "test");
                assert!(read.awards.len() < 10, "{}", f.name);
            }
        }
    }
}
