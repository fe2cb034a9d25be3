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

/// A device input of any format, open.
pub struct Source {
    devices: Devices,
    /// What was read of standard input, when the input is standard input.
    stdin: Option<crate::input::ReadSoFar>,
}

/// The reader of each format.
enum Devices {
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
    fn new(devices: Devices) -> Source {
        Source {
            devices,
            stdin: None,
        }
    }

    /// The next device or skipped record.
    pub fn next_item(&mut self) -> std::io::Result<Option<Item>> {
        match &mut self.devices {
            Devices::Jsonl(r) => r.next_item(),
            Devices::Table(r) => Ok(r.next_item()),
            Devices::Nmap(r) => Ok(r.next_item()),
            Devices::Items(items) => Ok(items.next()),
        }
    }

    /// What was read of standard input, when this input is standard input.
    pub fn stdin(&self) -> Option<&crate::input::ReadSoFar> {
        self.stdin.as_ref()
    }

    /// What the reader passed over that was no device, and why a scan
    /// gave none, said once the input is read ("252 hosts nmap reported
    /// down left out").
    pub fn left_out(&self, file: &str) -> Option<String> {
        let Devices::Nmap(r) = &self.devices else {
            return None;
        };
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
    let stdin = (file == "-").then(crate::input::ReadSoFar::default);
    let raw: Box<dyn Read> = if let Some(read) = &stdin {
        Box::new(read.reader(std::io::stdin()))
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
    let mut source = match format {
        AssetsInput::Jsonl => Source::new(Devices::Jsonl(JsonlDevices::new(reader, file))),
        AssetsInput::Nmap => Source::new(Devices::Nmap(derisk_devices::NmapDevices::new(
            reader, file,
        ))),
        AssetsInput::Pcap => capture(file, reader)?,
        AssetsInput::Cyclonedx => {
            let mut text = String::new();
            reader
                .read_to_string(&mut text)
                .with_context(|| format!("{file}: cannot read as UTF-8 text"))?;
            Source::new(Devices::Items(
                derisk_devices::read_cyclonedx(&text, file).into_iter(),
            ))
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
            Source::new(Devices::Items(
                derisk_devices::read_neighbours(&text, file, kind).into_iter(),
            ))
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
            Source::new(Devices::Table(table))
        }
    };
    source.stdin = stdin;
    Ok(source)
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
    Ok(Source::new(Devices::Items(items.into_iter())))
}

/// The first sheet of a workbook as an inventory.
fn spreadsheet(file: &str, map: &[(String, String)]) -> anyhow::Result<Source> {
    let (sheet, headers, rows) = crate::input::first_sheet(file, "one device")?;
    let items = derisk_devices::table_devices(&headers, &rows, map)
        .map_err(|e| anyhow::anyhow!("{file}: sheet {sheet:?}: {e}"))?;
    Ok(Source::new(Devices::Items(items.into_iter())))
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

/// One device identified, as the caller's renderer sees it.
pub struct Identified<'s, 'r> {
    /// The file it was read from (`-` for standard input).
    pub file: &'s str,
    /// The device as observed.
    pub device: &'s derisk_devices::Device,
    /// Who made it, on what evidence.
    pub verdict: &'s Verdict<'r>,
}

/// What happens during an identification run that a user should hear of.
#[derive(Debug)]
pub enum Event<'a> {
    /// A file could not be opened or read to its end.
    Failed(anyhow::Error),
    /// A record was skipped or read with a caveat.
    Problem(&'a str),
    /// Something the reader says of an input (columns it does not read).
    Said(Message),
    /// A file has been read: what was passed over in it, if anything.
    FileDone {
        /// The file.
        file: &'a str,
        /// What the reader left out ("252 hosts nmap reported down").
        left_out: Option<String>,
    },
}

/// What an identification run counted.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tally {
    /// Devices read.
    pub devices: usize,
    /// Devices whose maker is a registry entity.
    pub made_by_registry: usize,
    /// Of those, devices whose maker has designations in force.
    pub designated: usize,
    /// Devices sold under another brand than their maker's.
    pub oem: usize,
    /// Records that could not be read.
    pub skipped: usize,
    /// Files that could not be opened or read to their end.
    pub failed_files: usize,
}

/// How an identification run reads its inputs.
pub struct Identification<'a, 'r> {
    /// The registry the makers are found in.
    pub registry: &'r Registry,
    /// The identifier over it.
    pub identifier: &'a Identifier<'r>,
    /// The input format, or `None` for the one each file suggests.
    pub format: Option<AssetsInput>,
    /// `COLUMN=FIELD` overrides for inventory tables.
    pub map: &'a [(String, String)],
}

impl Identification<'_, '_> {
    /// Identifies the maker of every device of every file, in order, and
    /// hands each to `each`. Each input, device and registry-made finding
    /// (keyed as `derisk audit` keys it, so decisions carry over) is added
    /// to `recorder`.
    pub fn run(
        &self,
        files: &[String],
        recorder: &mut crate::session::Recorder,
        mut each: impl FnMut(Identified<'_, '_>) -> anyhow::Result<()>,
        mut on_event: impl FnMut(Event<'_>),
    ) -> anyhow::Result<Tally> {
        let mut tally = Tally::default();
        for file in files {
            let mut said = Vec::new();
            let opened = open(file, self.format, self.map, &mut |m| said.push(m));
            for m in said {
                on_event(Event::Said(m));
            }
            let mut reader = match opened {
                Ok(r) => r,
                Err(e) => {
                    on_event(Event::Failed(e));
                    tally.failed_files += 1;
                    continue;
                }
            };
            loop {
                let item = match reader.next_item() {
                    Ok(Some(item)) => item,
                    Ok(None) => break,
                    Err(e) => {
                        on_event(Event::Failed(anyhow::anyhow!("{file}: cannot read: {e}")));
                        tally.failed_files += 1;
                        break;
                    }
                };
                let (device, problems) = match item {
                    Item::Device(d, warnings) => (Some(d), warnings),
                    Item::Skipped(p) => {
                        tally.skipped += 1;
                        (None, vec![p])
                    }
                };
                for p in problems {
                    on_event(Event::Problem(&p.to_string()));
                }
                let Some(device) = device else { continue };
                let v = self.identifier.identify(&device);
                tally.devices += 1;
                if v.maker.is_some() {
                    tally.made_by_registry += 1;
                }
                if !v.designations().is_empty() {
                    tally.designated += 1;
                }
                if v.basis.contains(&"oem") {
                    tally.oem += 1;
                }
                if recorder.records() {
                    let findings = crate::findings::maker_party(self.registry, &v)
                        .map(|party| {
                            let detail = device_json(self.registry, file, &device, &v);
                            crate::findings::new_finding("asset", &device.id, &party, &detail)
                        })
                        .into_iter()
                        .collect();
                    let record = crate::input::Record {
                        row: device.line,
                        name: device.id.clone(),
                        country: None,
                        id: None,
                    };
                    recorder.add(file, &record, findings);
                }
                each(Identified {
                    file,
                    device: &device,
                    verdict: &v,
                })?;
            }
            match reader.stdin() {
                Some(read) => recorder.input_read(file, read),
                None => {
                    if let Err(e) = recorder.input_file(file) {
                        on_event(Event::Problem(&format!(
                            "{e:#}; the run is recorded without this input"
                        )));
                    }
                }
            }
            on_event(Event::FileDone {
                file,
                left_out: reader.left_out(file),
            });
        }
        Ok(tally)
    }
}
