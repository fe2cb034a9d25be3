//! Device evidence: opening an input of any format the device engine
//! reads (found from its name or first bytes), the identifier with the
//! shipped fingerprint rules and relabels, and each device's verdict on
//! the wire.

use std::io::{BufRead, BufReader, Read};

use anyhow::{Context as _, bail};
use derisk_devices::{Identifier, Item, JsonlDevices, Verdict};
use derisk_registry::Registry;
use serde_json::{Value, json};

use crate::Message;
use crate::registry::count;
use crate::screen::{designations_json, path_json};

/// The inputs `derisk assets` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum AssetsInput {
    /// The device observation format, JSON lines.
    Jsonl,
    /// An inventory as comma-separated values with a header row.
    Csv,
    /// An inventory as tab-separated values with a header row.
    Tsv,
    /// nmap XML output (`nmap -oX`): addresses, host names and the output
    /// of the banner, http-server-header, http-title, http-headers,
    /// ssl-cert and snmp-sysdescr scripts.
    Nmap,
    /// An ISC dhcpd lease file (`dhcpd.leases`).
    Dhcpd,
    /// A dnsmasq lease file (`dnsmasq.leases`).
    Dnsmasq,
    /// `ip neigh` output.
    Neigh,
    /// `arp -a` output, Linux or Windows.
    Arp,
    /// A CycloneDX bill of materials (JSON): its `device` components.
    Cyclonedx,
    /// A packet capture (pcap or pcapng, Ethernet): ARP, DHCP, HTTP and
    /// RTSP responses, SADP, DHIP and WS-Discovery replies, SSDP and mDNS.
    Pcap,
}

/// The device identifier: the shipped fingerprint rules (with Recog's
/// from `recog` when given) and relabel relationships, over `registry`.
pub fn identifier<'r>(
    registry: &'r Registry,
    rules: derisk_registry::ControlRules,
    recog: Option<&std::path::Path>,
    say: &mut dyn FnMut(Message),
) -> anyhow::Result<Identifier<'r>> {
    let mut fingerprints = derisk_devices::Rules::bundled().map_err(|problems| {
        anyhow::anyhow!(
            "the shipped fingerprint rules are broken: {}",
            problems.join("; ")
        )
    })?;
    if let Some(dir) = recog {
        let load = derisk_devices::load_recog(dir)
            .with_context(|| format!("{}: cannot read the Recog directory", dir.display()))?;
        for p in &load.problems {
            say(Message::warning(p));
        }
        say(Message::new(
            "recog",
            format!(
                "{} from {} ({} of kinds no observation field holds); left out: {} Rust cannot compile, {} without a vendor, {} whose own examples fail",
                count(load.rules.rules.len(), "fingerprint"),
                count(load.files, "file"),
                load.files_skipped,
                load.not_compiled,
                load.without_vendor,
                load.examples_failed
            ),
        ));
        fingerprints.extend(load.rules);
    }
    let relabels = derisk_devices::Relabels::bundled().map_err(|problems| {
        anyhow::anyhow!(
            "the shipped relabel list is broken: {}",
            problems.join("; ")
        )
    })?;
    for p in relabels.unknown_makers(registry) {
        say(Message::warning(format!("data/oem/relabels.toml: {p}")));
    }
    Ok(Identifier::new(registry, rules, fingerprints).with_relabels(relabels))
}

/// A device input of any format read.
pub enum Source {
    /// Device observations, one JSON object a line.
    Jsonl(JsonlDevices<Box<dyn BufRead>>),
    /// An inventory table (CSV, TSV).
    Table(derisk_devices::CsvDevices<Box<dyn BufRead>>),
    /// An nmap XML scan, read as it streams.
    Nmap(derisk_devices::NmapDevices<Box<dyn BufRead>>),
    /// Devices read whole (captures, spreadsheets, BOMs, neighbour tables).
    Items(std::vec::IntoIter<Item>),
}

impl Source {
    /// The next device or skipped record.
    pub fn next_item(&mut self) -> std::io::Result<Option<Item>> {
        match self {
            Source::Jsonl(r) => r.next_item(),
            Source::Table(r) => Ok(r.next_item()),
            Source::Nmap(r) => Ok(r.next_item()),
            Source::Items(items) => Ok(items.next()),
        }
    }

    /// What the reader passed over that was no device, and why a scan
    /// gave none, said once the input is read ("252 hosts nmap reported
    /// down left out").
    pub fn left_out(&self, file: &str) -> Option<String> {
        let Source::Nmap(r) = self else { return None };
        let mut said = Vec::new();
        if r.down() > 0 {
            said.push(format!(
                "{} nmap reported down left out",
                count(r.down() as usize, "host")
            ));
        }
        if r.devices() == 0 {
            said.push(match r.summary() {
                Some((up, total)) => format!(
                    "the scan holds no host that was up (nmap's own count: {up} up of {total} scanned)"
                ),
                None => "the scan holds no host".to_owned(),
            });
        }
        (!said.is_empty()).then(|| format!("{file}: {}", said.join("; ")))
    }
}

/// `COLUMN=FIELD` pairs of `--map`.
pub fn overrides(map: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    map.iter()
        .map(|m| match m.rsplit_once('=') {
            Some((column, field)) if !column.trim().is_empty() && !field.trim().is_empty() => {
                Ok((column.trim().to_owned(), field.trim().to_owned()))
            }
            _ => bail!("--map {m:?}: expected COLUMN=FIELD, such as --map \"Hardware Addr=mac\""),
        })
        .collect()
}

/// Opens a device input in the format given, named by its extension, or
/// shown by its first bytes.
pub fn open(
    file: &str,
    format: Option<AssetsInput>,
    map: &[(String, String)],
    say: &mut dyn FnMut(Message),
) -> anyhow::Result<Source> {
    let raw: Box<dyn Read> = if file == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(file).with_context(|| format!("{file}: cannot open"))?)
    };
    let mut reader: Box<dyn BufRead> = Box::new(BufReader::with_capacity(1 << 16, raw));
    let head = reader
        .fill_buf()
        .with_context(|| format!("{file}: cannot read"))?;
    let head = derisk_table::strip_bom(head);
    let is_capture = derisk_devices::is_capture(head);
    let Some(&first) = head.iter().find(|b| !b.is_ascii_whitespace()) else {
        bail!(
            "{file}: the file is empty; expected devices, one JSON object a line, or an inventory with a header row"
        );
    };
    let by_name = match std::path::Path::new(file)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("jsonl" | "ndjson" | "json") => Some(AssetsInput::Jsonl),
        Some("csv") => Some(AssetsInput::Csv),
        Some("tsv" | "tab") => Some(AssetsInput::Tsv),
        Some("xml") => Some(AssetsInput::Nmap),
        Some("xlsx" | "xlsm" | "xls" | "xlsb" | "ods") if file != "-" => {
            return spreadsheet(file, map);
        }
        Some("pcap" | "pcapng" | "cap") => Some(AssetsInput::Pcap),
        _ => None,
    };
    let first_line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let sniffed = derisk_devices::NeighbourFormat::sniff(&String::from_utf8_lossy(head));
    // A CycloneDX BOM is one JSON document that says what it is.
    let by_name = match by_name {
        None | Some(AssetsInput::Jsonl) if head.windows(11).any(|w| w == b"\"bomFormat\"") => {
            Some(AssetsInput::Cyclonedx)
        }
        other => other,
    };
    let format = format.or(by_name).unwrap_or(if is_capture {
        AssetsInput::Pcap
    } else if first == b'{' {
        AssetsInput::Jsonl
    } else if first == b'<' {
        AssetsInput::Nmap
    } else if let Some(kind) = sniffed {
        match kind {
            derisk_devices::NeighbourFormat::DhcpdLeases => AssetsInput::Dhcpd,
            derisk_devices::NeighbourFormat::DnsmasqLeases => AssetsInput::Dnsmasq,
            derisk_devices::NeighbourFormat::IpNeigh => AssetsInput::Neigh,
            derisk_devices::NeighbourFormat::Arp => AssetsInput::Arp,
        }
    } else if first_line.contains(&b'\t') {
        AssetsInput::Tsv
    } else {
        AssetsInput::Csv
    });
    // XML that another command reads is sent there, not read as a scan
    // with no hosts.
    if format == AssetsInput::Nmap
        && let Some(
            foreign @ (crate::input::Foreign::TedNotice
            | crate::input::Foreign::EformsNotice
            | crate::input::Foreign::Html),
        ) = crate::input::Foreign::sniff(head)
    {
        bail!("{file}: not device evidence but {}", foreign.describe());
    }
    if format == AssetsInput::Jsonl && first != b'{' {
        bail!(
            "{file}: not in the device observation format (JSON lines, one object a device, \
             docs/formats/device-observation.md); for an inventory table use --input-format csv"
        );
    }
    Ok(match format {
        AssetsInput::Jsonl => Source::Jsonl(JsonlDevices::new(reader, file)),
        AssetsInput::Nmap => Source::Nmap(derisk_devices::NmapDevices::new(reader, file)),
        AssetsInput::Pcap => capture(file, reader)?,
        AssetsInput::Cyclonedx => {
            let mut text = String::new();
            reader
                .read_to_string(&mut text)
                .with_context(|| format!("{file}: cannot read as UTF-8 text"))?;
            Source::Items(derisk_devices::read_cyclonedx(&text, file).into_iter())
        }
        AssetsInput::Dhcpd | AssetsInput::Dnsmasq | AssetsInput::Neigh | AssetsInput::Arp => {
            use derisk_devices::NeighbourFormat as N;
            let kind = match format {
                AssetsInput::Dhcpd => N::DhcpdLeases,
                AssetsInput::Dnsmasq => N::DnsmasqLeases,
                AssetsInput::Neigh => N::IpNeigh,
                _ => N::Arp,
            };
            let mut bytes = Vec::new();
            reader
                .read_to_end(&mut bytes)
                .with_context(|| format!("{file}: cannot read"))?;
            let text = String::from_utf8_lossy(&bytes);
            Source::Items(derisk_devices::read_neighbours(&text, file, kind).into_iter())
        }
        AssetsInput::Csv | AssetsInput::Tsv => {
            let delimiter = if format == AssetsInput::Tsv {
                b'\t'
            } else {
                derisk_table::delimiter(first_line)
            };
            let table = derisk_devices::CsvDevices::new(reader, file, delimiter, map)
                .map_err(|e| anyhow::anyhow!(e))?;
            if !table.mapping().ignored.is_empty() {
                say(Message::new(
                    "",
                    format!(
                        "{file}: columns not read: {}",
                        table
                            .mapping()
                            .ignored
                            .iter()
                            .map(|h| format!("{h:?}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            Source::Table(table)
        }
    })
}

/// A packet capture. A file is read straight from disk; standard input is
/// read into memory first.
fn capture(file: &str, mut reader: Box<dyn BufRead>) -> anyhow::Result<Source> {
    let items = if file == "-" {
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .with_context(|| format!("{file}: cannot read"))?;
        derisk_devices::read_capture(bytes.as_slice(), file)
    } else {
        drop(reader);
        let f = std::fs::File::open(file).with_context(|| format!("{file}: cannot open"))?;
        derisk_devices::read_capture(f, file)
    };
    Ok(Source::Items(items.into_iter()))
}

/// The first sheet of a workbook as an inventory.
fn spreadsheet(file: &str, map: &[(String, String)]) -> anyhow::Result<Source> {
    let (sheet, headers, rows) = crate::input::first_sheet(file, "one device")?;
    let items = derisk_devices::table_devices(&headers, &rows, map)
        .map_err(|e| anyhow::anyhow!("{file}: sheet {sheet:?}: {e}"))?;
    Ok(Source::Items(items.into_iter()))
}

/// A device and its verdict as a JSON line (`derisk assets --format jsonl`).
pub fn device_json(r: &Registry, file: &str, d: &derisk_devices::Device, v: &Verdict<'_>) -> Value {
    json!({
        "file": file,
        "line": d.line,
        "id": d.id,
        "maker": v.maker.map(|m| json!({"entity_id": m.id, "name": m.caption})),
        "vendor": v.vendor,
        "model": v.model,
        "firmware": v.firmware,
        "confidence": v.confidence,
        "basis": v.basis,
        "evidence": v.evidence.iter().map(|e| json!({
            "basis": e.basis,
            "field": e.field.as_str(),
            "value": e.value,
            "entity_id": e.entity,
            "statement": e.statement,
        })).collect::<Vec<_>>(),
        "path": path_json(r, v.path()),
        "designations": designations_json(r, v.designations()),
        "registry": r.short_hash(),
    })
}
