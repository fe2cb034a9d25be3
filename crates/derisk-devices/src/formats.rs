//! Every format of device evidence this crate reads, as descriptors (name,
//! file extensions, a content sniff) beside one reader trait, so
//! that a command, the audit and a fuzzer all find and open a format the
//! same way.

use std::io::{BufRead, Read};

use crate::observation::Item;
use crate::{CsvDevices, JsonlDevices, NeighbourFormat, NmapDevices};

/// A reader of device evidence in one format: devices (or skipped
/// records) one at a time.
pub trait DeviceReader {
    /// The next device or skipped record; `None` at the end.
    fn next_item(&mut self) -> std::io::Result<Option<Item>>;

    /// What the reader says of the input once opened (columns it does not
    /// read).
    fn notes(&self, _file: &str) -> Vec<String> {
        Vec::new()
    }

    /// What the reader passed over that was no device, and why a scan
    /// gave none, once the input is read ("252 hosts nmap reported down
    /// left out").
    fn left_out(&self, _file: &str) -> Option<String> {
        None
    }
}

impl<R: BufRead> DeviceReader for JsonlDevices<R> {
    fn next_item(&mut self) -> std::io::Result<Option<Item>> {
        JsonlDevices::next_item(self)
    }
}

impl<R: Read> DeviceReader for CsvDevices<R> {
    fn next_item(&mut self) -> std::io::Result<Option<Item>> {
        Ok(CsvDevices::next_item(self))
    }

    fn notes(&self, file: &str) -> Vec<String> {
        let ignored = &self.mapping().ignored;
        if ignored.is_empty() {
            return Vec::new();
        }
        let names: Vec<String> = ignored.iter().map(|h| format!("{h:?}")).collect();
        vec![format!("{file}: columns not read: {}", names.join(", "))]
    }
}

impl<R: BufRead> DeviceReader for NmapDevices<R> {
    fn next_item(&mut self) -> std::io::Result<Option<Item>> {
        Ok(NmapDevices::next_item(self))
    }

    fn left_out(&self, file: &str) -> Option<String> {
        let mut said = Vec::new();
        if self.down() > 0 {
            let hosts = if self.down() == 1 { "host" } else { "hosts" };
            said.push(format!(
                "{} {hosts} nmap reported down left out",
                self.down()
            ));
        }
        if self.devices() == 0 {
            said.push(match self.summary() {
                Some((up, total)) => format!(
                    "the scan holds no host that was up (nmap's own count: {up} up of {total} scanned)"
                ),
                None => "the scan holds no host".to_owned(),
            });
        }
        (!said.is_empty()).then(|| format!("{file}: {}", said.join("; ")))
    }
}

impl DeviceReader for std::vec::IntoIter<Item> {
    fn next_item(&mut self) -> std::io::Result<Option<Item>> {
        Ok(self.next())
    }
}

/// A format of device evidence.
#[derive(Debug)]
pub struct DeviceFormat {
    /// Its name, as `--input-format` takes it.
    pub name: &'static str,
    /// File name extensions that name it (lower case, without the dot).
    pub extensions: &'static [&'static str],
    /// Whether a file's first bytes (without a byte-order mark) look like
    /// this format.
    pub sniff: fn(&[u8]) -> bool,
    kind: Kind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Jsonl,
    Csv,
    Tsv,
    Nmap,
    Neighbours(NeighbourFormat),
    Cyclonedx,
    Pcap,
}

/// The first byte that is not white space.
fn first(head: &[u8]) -> Option<u8> {
    head.iter().copied().find(|b| !b.is_ascii_whitespace())
}

/// The first line.
fn first_line(head: &[u8]) -> &[u8] {
    head.split(|&b| b == b'\n').next().unwrap_or_default()
}

fn neighbours(head: &[u8], kind: NeighbourFormat) -> bool {
    NeighbourFormat::sniff(&String::from_utf8_lossy(head)) == Some(kind)
}

/// Every format, in the order their sniffs are tried: the first that
/// fits a file's first bytes is its format (CSV, last, fits any text).
pub const FORMATS: &[DeviceFormat] = &[
    DeviceFormat {
        name: "pcap",
        extensions: &["pcap", "pcapng", "cap"],
        sniff: crate::is_capture,
        kind: Kind::Pcap,
    },
    DeviceFormat {
        name: "cyclonedx",
        extensions: &[],
        sniff: |h| matches!(first(h), Some(b'{' | b'[')) && is_bom(h),
        kind: Kind::Cyclonedx,
    },
    DeviceFormat {
        name: "jsonl",
        extensions: &["jsonl", "ndjson", "json"],
        sniff: |h| first(h) == Some(b'{'),
        kind: Kind::Jsonl,
    },
    DeviceFormat {
        name: "nmap",
        extensions: &["xml"],
        sniff: |h| first(h) == Some(b'<'),
        kind: Kind::Nmap,
    },
    DeviceFormat {
        name: "dhcpd",
        extensions: &[],
        sniff: |h| neighbours(h, NeighbourFormat::DhcpdLeases),
        kind: Kind::Neighbours(NeighbourFormat::DhcpdLeases),
    },
    DeviceFormat {
        name: "dnsmasq",
        extensions: &[],
        sniff: |h| neighbours(h, NeighbourFormat::DnsmasqLeases),
        kind: Kind::Neighbours(NeighbourFormat::DnsmasqLeases),
    },
    DeviceFormat {
        name: "neigh",
        extensions: &[],
        sniff: |h| neighbours(h, NeighbourFormat::IpNeigh),
        kind: Kind::Neighbours(NeighbourFormat::IpNeigh),
    },
    DeviceFormat {
        name: "arp",
        extensions: &[],
        sniff: |h| neighbours(h, NeighbourFormat::Arp),
        kind: Kind::Neighbours(NeighbourFormat::Arp),
    },
    DeviceFormat {
        name: "tsv",
        extensions: &["tsv", "tab"],
        sniff: |h| first_line(h).contains(&b'\t'),
        kind: Kind::Tsv,
    },
    DeviceFormat {
        name: "csv",
        extensions: &["csv"],
        sniff: |_| true,
        kind: Kind::Csv,
    },
];

/// Whether the first bytes of a JSON document say it is a CycloneDX BOM.
fn is_bom(head: &[u8]) -> bool {
    head.windows(11).any(|w| w == b"\"bomFormat\"")
}

impl DeviceFormat {
    /// The format named `name`.
    pub fn named(name: &str) -> Option<&'static DeviceFormat> {
        FORMATS.iter().find(|f| f.name == name)
    }

    /// The format a file name's extension names, if any. A `.json` or
    /// `.jsonl` file whose first bytes say it is a CycloneDX BOM is one.
    pub fn by_extension(path: &str, head: &[u8]) -> Option<&'static DeviceFormat> {
        let ext = std::path::Path::new(path)
            .extension()?
            .to_str()?
            .to_ascii_lowercase();
        let f = FORMATS
            .iter()
            .find(|f| f.extensions.contains(&ext.as_str()))?;
        if f.kind == Kind::Jsonl && is_bom(head) {
            return DeviceFormat::named("cyclonedx");
        }
        Some(f)
    }

    /// The format of a file from its first bytes: the first whose sniff
    /// fits (CSV when nothing else does). A head without a byte-order
    /// mark is expected.
    pub fn sniff(head: &[u8]) -> &'static DeviceFormat {
        FORMATS
            .iter()
            .find(|f| (f.sniff)(head))
            .unwrap_or(&FORMATS[FORMATS.len() - 1])
    }

    /// Opens `reader` (named `file` in problems) in this format. `map`
    /// gives column overrides for inventory tables. Formats read whole
    /// (captures, BOMs, neighbour tables) are read here.
    pub fn open(
        &self,
        mut reader: Box<dyn BufRead + Send>,
        file: &str,
        map: &[(String, String)],
    ) -> Result<Box<dyn DeviceReader>, String> {
        let cannot = |e: std::io::Error| format!("{file}: cannot read: {e}");
        Ok(match self.kind {
            Kind::Jsonl => {
                let head = reader.fill_buf().map_err(cannot)?;
                let head = derisk_table::strip_bom(head);
                if first(head).is_some_and(|b| b != b'{') {
                    return Err(format!(
                        "{file}: not in the device observation format (JSON lines, one object a \
                         device, docs/formats/device-observation.md); for an inventory table use \
                         --input-format csv"
                    ));
                }
                Box::new(JsonlDevices::new(reader, file))
            }
            Kind::Nmap => Box::new(NmapDevices::new(reader, file)),
            Kind::Pcap => Box::new(crate::read_capture(reader, file).into_iter()),
            Kind::Cyclonedx => {
                let mut text = String::new();
                reader
                    .read_to_string(&mut text)
                    .map_err(|e| format!("{file}: cannot read as UTF-8 text: {e}"))?;
                Box::new(crate::read_cyclonedx(&text, file).into_iter())
            }
            Kind::Neighbours(kind) => {
                let mut bytes = Vec::new();
                reader.read_to_end(&mut bytes).map_err(cannot)?;
                let text = String::from_utf8_lossy(&bytes);
                Box::new(crate::read_neighbours(&text, file, kind).into_iter())
            }
            Kind::Csv | Kind::Tsv => {
                let delimiter = if self.kind == Kind::Tsv {
                    b'\t'
                } else {
                    let head = reader.fill_buf().map_err(cannot)?;
                    derisk_table::delimiter(first_line(derisk_table::strip_bom(head)))
                };
                Box::new(CsvDevices::new(reader, file, delimiter, map)?)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_pick_the_first_format_that_fits() {
        let name = |head: &[u8]| DeviceFormat::sniff(head).name;
        assert_eq!(
            name(b"{\"id\":\"cam-1\",\"mac\":\"44:19:b6:00:00:01\"}\n"),
            "jsonl"
        );
        assert_eq!(
            name(b"{\"bomFormat\":\"CycloneDX\",\"components\":[]}"),
            "cyclonedx"
        );
        assert_eq!(name(b"<?xml version=\"1.0\"?><nmaprun>"), "nmap");
        assert_eq!(
            name(b"id\tmac\tip\ncam-1\t44:19:b6:00:00:01\t10.0.0.2\n"),
            "tsv"
        );
        assert_eq!(name(b"id,mac\ncam-1,44:19:b6:00:00:01\n"), "csv");
        assert_eq!(name(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0]), "pcap");
        assert_eq!(
            name(b"10.0.0.2 dev eth0 lladdr 44:19:b6:00:00:01 REACHABLE\n"),
            "neigh"
        );
        let ext = |path: &str, head: &[u8]| DeviceFormat::by_extension(path, head).map(|f| f.name);
        assert_eq!(ext("scan.XML", b""), Some("nmap"));
        assert_eq!(
            ext("bom.json", b"{\"bomFormat\":\"CycloneDX\"}"),
            Some("cyclonedx")
        );
        assert_eq!(ext("devices.json", b"{\"id\":\"a\"}"), Some("jsonl"));
        assert_eq!(ext("leases", b""), None);
        assert!(
            FORMATS
                .iter()
                .all(|f| DeviceFormat::named(f.name).is_some())
        );
    }

    #[test]
    fn every_format_opens_arbitrary_bytes_without_panicking() {
        let inputs: [&[u8]; 5] = [
            b"",
            b"\xff\xfe\x00garbage",
            b"{\"id\":",
            b"<nmaprun><host>",
            b"a,b\n\"unclosed",
        ];
        for f in FORMATS {
            for bytes in inputs {
                let reader: Box<dyn BufRead + Send> =
                    Box::new(std::io::Cursor::new(bytes.to_vec()));
                if let Ok(mut r) = f.open(reader, "test", &[]) {
                    let mut n = 0;
                    while let Ok(Some(_)) = r.next_item() {
                        n += 1;
                        assert!(n < 1000, "{} does not end", f.name);
                    }
                }
            }
        }
    }
}
