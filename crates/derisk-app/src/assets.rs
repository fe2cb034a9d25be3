//! Device evidence: opening an input of any format the device engine
//! reads (found from its name or first bytes), the identifier with the
//! shipped fingerprint rules and relabels, and each device's verdict on
//! the wire.

use std::io::{BufRead, BufReader, Read};

use anyhow::{Context as _, bail};
use derisk_devices::{DeviceFormat, DeviceReader, Identifier, Item, Verdict};
use derisk_registry::Registry;
use derisk_registry::curated::{clean, lines};
use serde_json::Value;

use crate::Message;
use crate::registry::count;

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
    let mut fingerprints = clean(derisk_devices::Rules::bundled()).map_err(|problems| {
        anyhow::anyhow!(
            "the shipped fingerprint rules are broken:\n{}",
            lines(&problems)
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
    let relabels = clean(derisk_devices::Relabels::bundled()).map_err(|problems| {
        anyhow::anyhow!("the shipped relabel list is broken:\n{}", lines(&problems))
    })?;
    for p in relabels.unknown_makers(registry) {
        say(Message::warning(format!("data/oem/relabels.toml: {p}")));
    }
    Ok(Identifier::new(registry, rules, fingerprints).with_relabels(relabels))
}

/// A device input of any format, open.
pub struct Source {
    devices: Box<dyn DeviceReader>,
    /// What was read of the input, as read (none for a workbook, which
    /// its reader opens itself).
    read: Option<crate::input::ReadSoFar>,
}

impl Source {
    /// The next device or skipped record.
    pub fn next_item(&mut self) -> std::io::Result<Option<Item>> {
        self.devices.next_item()
    }

    /// What was read of the input so far, with its hash (none for a
    /// workbook).
    pub fn read(&self) -> Option<&crate::input::ReadSoFar> {
        self.read.as_ref()
    }

    /// What the reader passed over that was no device, and why a scan
    /// gave none, said once the input is read ("252 hosts nmap reported
    /// down left out").
    pub fn left_out(&self, file: &str) -> Option<String> {
        self.devices.left_out(file)
    }
}

impl AssetsInput {
    /// The format's descriptor.
    pub fn format(self) -> &'static DeviceFormat {
        let name = match self {
            AssetsInput::Jsonl => "jsonl",
            AssetsInput::Csv => "csv",
            AssetsInput::Tsv => "tsv",
            AssetsInput::Nmap => "nmap",
            AssetsInput::Dhcpd => "dhcpd",
            AssetsInput::Dnsmasq => "dnsmasq",
            AssetsInput::Neigh => "neigh",
            AssetsInput::Arp => "arp",
            AssetsInput::Cyclonedx => "cyclonedx",
            AssetsInput::Pcap => "pcap",
        };
        DeviceFormat::named(name).expect("every input format has a descriptor")
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
/// shown by its first bytes ([`derisk_devices::FORMATS`], the one list of
/// formats and their sniffs); a spreadsheet is read by its extension.
/// With `hash`, the input is hashed as it is read ([`Source::read`]).
pub fn open(
    file: &str,
    format: Option<AssetsInput>,
    map: &[(String, String)],
    hash: bool,
    say: &mut dyn FnMut(Message),
) -> anyhow::Result<Source> {
    // Hashed as it is read (when `hash` is set, for a recorded run), so
    // that recording the run reads it once.
    let read = crate::input::ReadSoFar::new(hash);
    let raw: Box<dyn Read + Send> = if file == "-" {
        Box::new(read.reader(std::io::stdin()))
    } else {
        let f = std::fs::File::open(file).with_context(|| format!("{file}: cannot open"))?;
        Box::new(read.reader(f))
    };
    let mut reader: Box<dyn BufRead + Send> = Box::new(BufReader::with_capacity(1 << 16, raw));
    let head = reader
        .fill_buf()
        .with_context(|| format!("{file}: cannot read"))?;
    let head = derisk_table::strip_bom(head);
    if !head.iter().any(|b| !b.is_ascii_whitespace()) {
        bail!(
            "{file}: the file is empty; expected devices, one JSON object a line, or an inventory with a header row"
        );
    }
    let spreadsheet_named = std::path::Path::new(file)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .is_some_and(|e| matches!(e.as_str(), "xlsx" | "xlsm" | "xls" | "xlsb" | "ods"));
    // A workbook is read as one whatever format is asked for (a table's
    // format names how the sheet's cells are laid out, not the file's).
    if spreadsheet_named && file != "-" {
        return spreadsheet(file, map);
    }
    let chosen = match format {
        Some(f) => f.format(),
        None => DeviceFormat::by_extension(file, head).unwrap_or_else(|| DeviceFormat::sniff(head)),
    };
    // XML that another command reads is sent there, not read as a scan
    // with no hosts.
    if chosen.name == "nmap"
        && let Some(
            foreign @ (crate::input::Foreign::TedNotice
            | crate::input::Foreign::EformsNotice
            | crate::input::Foreign::Html),
        ) = crate::input::Foreign::sniff(head)
    {
        bail!("{file}: not device evidence but {}", foreign.describe());
    }
    let devices = chosen
        .open(reader, file, map)
        .map_err(|e| anyhow::anyhow!(e))?;
    for note in devices.notes(file) {
        say(Message::new("", note));
    }
    Ok(Source {
        devices,
        read: Some(read),
    })
}

/// The first sheet of a workbook as an inventory.
fn spreadsheet(file: &str, map: &[(String, String)]) -> anyhow::Result<Source> {
    let (sheet, headers, rows) = crate::input::first_sheet(file, "one device")?;
    let items = derisk_devices::table_devices(&headers, &rows, map)
        .map_err(|e| anyhow::anyhow!("{file}: sheet {sheet:?}: {e}"))?;
    Ok(Source {
        devices: Box::new(items.into_iter()),
        read: None,
    })
}

/// A device and its verdict as a JSON line (`derisk assets --format jsonl`).
pub fn device_json(r: &Registry, file: &str, d: &derisk_devices::Device, v: &Verdict<'_>) -> Value {
    serde_json::to_value(crate::wire::device(r, file, d, v)).unwrap_or_default()
}

/// The options an identification run is recorded with.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AssetsOptions {
    /// The share above which a holder controls.
    pub control_above: f64,
    /// The share from which a holding is influence.
    pub influence_from: f64,
    /// The Recog directory whose fingerprints were applied, if any.
    pub recog: Option<String>,
    /// The `COLUMN=FIELD` overrides given.
    pub map: Vec<String>,
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
            let opened = open(file, self.format, self.map, recorder.records(), &mut |m| {
                said.push(m)
            });
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
                            crate::findings::new_finding("asset", &device.id, &party, detail)
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
            if let Err(e) = recorder.input_opened(file, reader.read()) {
                on_event(Event::Problem(&format!(
                    "{e:#}; the run is recorded without this input"
                )));
            }
            on_event(Event::FileDone {
                file,
                left_out: reader.left_out(file),
            });
        }
        Ok(tally)
    }
}
