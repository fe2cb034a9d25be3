//! `derisk assets`: the maker of each observed device.

use std::io::{BufRead, BufReader, IsTerminal, Read, Write};

use anyhow::{Context as _, bail};
use derisk_devices::{Identifier, Item, JsonlDevices, Verdict};
use derisk_registry::Registry;
use serde_json::{Value, json};

use crate::Outcome;
use crate::cli::{AssetsArgs, AssetsInput, Global, ScreenFormat};
use crate::output::stdout;
use crate::registry_cmd::{count, load_for_use};
use derisk_app::screen::{designations_json, path_json};

/// Problems printed per file before they are only counted.
const MAX_PROBLEMS_SHOWN: usize = 20;

#[derive(Default)]
struct Tally {
    devices: usize,
    made_by_registry: usize,
    designated: usize,
    oem: usize,
    skipped: usize,
    failed_files: usize,
}

pub(crate) fn assets(global: &Global, args: &AssetsArgs) -> anyhow::Result<Outcome> {
    let format = match args.format {
        ScreenFormat::Auto if std::io::stdout().is_terminal() => ScreenFormat::Table,
        ScreenFormat::Auto => ScreenFormat::Jsonl,
        f => f,
    };
    let registry = load_for_use(global)?;
    let identifier = identifier(&registry, args.control.rules()?, args.recog.as_deref())?;
    let map = overrides(&args.map)?;
    let mut out = stdout();
    if format == ScreenFormat::Csv {
        writeln!(
            out,
            "file,line,id,maker_id,maker,vendor,model,firmware,confidence,basis,designations,evidence"
        )?;
    }
    let mut rows = Vec::new();
    let mut tally = Tally::default();
    for file in &args.files {
        let mut reader = match open(file, args.input_format, &map) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("derisk: error: {e:#}");
                tally.failed_files += 1;
                continue;
            }
        };
        let mut shown = 0;
        loop {
            let item = match reader.next_item() {
                Ok(Some(item)) => item,
                Ok(None) => break,
                Err(e) => {
                    eprintln!("derisk: error: {file}: cannot read: {e}");
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
                shown += 1;
                if shown <= MAX_PROBLEMS_SHOWN {
                    eprintln!("derisk: warning: {p}");
                }
            }
            let Some(device) = device else { continue };
            let v = identifier.identify(&device);
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
            match format {
                ScreenFormat::Table => rows.push(table_row(&registry, &device, &v)),
                ScreenFormat::Csv => {
                    let mut w = csv::WriterBuilder::new()
                        .has_headers(false)
                        .from_writer(Vec::new());
                    w.write_record(csv_row(file, &device, &v))?;
                    out.write_all(&w.into_inner().map_err(|e| e.into_error())?)?;
                }
                _ => {
                    let mut line = device_json(&registry, file, &device, &v).to_string();
                    line.push('\n');
                    out.write_all(line.as_bytes())?;
                }
            }
        }
        if shown > MAX_PROBLEMS_SHOWN {
            eprintln!(
                "derisk: warning: {file}: {} more problems not shown",
                shown - MAX_PROBLEMS_SHOWN
            );
        }
        if let Some(note) = reader.left_out(file) {
            eprintln!("derisk: {note}");
        }
    }
    if format == ScreenFormat::Table {
        crate::output::table(
            &mut out,
            &[
                "ID",
                "MAKER",
                "MODEL",
                "CONF",
                "BASIS",
                "SEEN AS",
                "DESIGNATIONS",
            ],
            rows,
        )?;
    }
    out.flush()?;
    drop(out);
    let mut summary = format!(
        "derisk: {}: {} made by registry vendors ({} with designations in force, {} relabelled), {} not attributed",
        count(tally.devices, "device"),
        tally.made_by_registry,
        tally.designated,
        tally.oem,
        tally.devices - tally.made_by_registry
    );
    if tally.skipped > 0 {
        summary.push_str(&format!(
            "; {} could not be read",
            count(tally.skipped, "record")
        ));
    }
    eprintln!("{summary}");
    if tally.made_by_registry > 0 {
        return Ok(Outcome::Findings);
    }
    if tally.skipped > 0 || tally.failed_files > 0 {
        bail!(
            "some input could not be read ({}, {}); see the messages above",
            count(tally.skipped, "record"),
            count(tally.failed_files, "file")
        );
    }
    Ok(Outcome::Clean)
}

/// The device identifier: the shipped fingerprint rules (with Recog's
/// from `recog` when given) and relabel relationships, over `registry`.
pub(crate) fn identifier<'r>(
    registry: &'r Registry,
    rules: derisk_registry::ControlRules,
    recog: Option<&std::path::Path>,
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
            eprintln!("derisk: warning: {p}");
        }
        eprintln!(
            "derisk: recog: {} from {} ({} of kinds no observation field holds); left out: {} Rust cannot compile, {} without a vendor, {} whose own examples fail",
            count(load.rules.rules.len(), "fingerprint"),
            count(load.files, "file"),
            load.files_skipped,
            load.not_compiled,
            load.without_vendor,
            load.examples_failed
        );
        fingerprints.extend(load.rules);
    }
    let relabels = derisk_devices::Relabels::bundled().map_err(|problems| {
        anyhow::anyhow!(
            "the shipped relabel list is broken: {}",
            problems.join("; ")
        )
    })?;
    for p in relabels.unknown_makers(registry) {
        eprintln!("derisk: warning: data/oem/relabels.toml: {p}");
    }
    Ok(Identifier::new(registry, rules, fingerprints).with_relabels(relabels))
}

/// A device input of any format read.
pub(crate) enum Source {
    Jsonl(JsonlDevices<Box<dyn BufRead>>),
    Table(derisk_devices::CsvDevices<Box<dyn BufRead>>),
    Nmap(derisk_devices::NmapDevices<Box<dyn BufRead>>),
    Items(std::vec::IntoIter<Item>),
}

impl Source {
    pub(crate) fn next_item(&mut self) -> std::io::Result<Option<Item>> {
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
    pub(crate) fn left_out(&self, file: &str) -> Option<String> {
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
pub(crate) fn overrides(map: &[String]) -> anyhow::Result<Vec<(String, String)>> {
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
pub(crate) fn open(
    file: &str,
    format: Option<AssetsInput>,
    map: &[(String, String)],
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
            foreign @ (derisk_app::input::Foreign::TedNotice
            | derisk_app::input::Foreign::EformsNotice
            | derisk_app::input::Foreign::Html),
        ) = derisk_app::input::Foreign::sniff(head)
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
                eprintln!(
                    "derisk: {file}: columns not read: {}",
                    table
                        .mapping()
                        .ignored
                        .iter()
                        .map(|h| format!("{h:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
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
    let (sheet, headers, rows) = derisk_app::input::first_sheet(file, "one device")?;
    let items = derisk_devices::table_devices(&headers, &rows, map)
        .map_err(|e| anyhow::anyhow!("{file}: sheet {sheet:?}: {e}"))?;
    Ok(Source::Items(items.into_iter()))
}

/// The maker, or the vendor outside the registry in brackets, or "-".
fn maker_name(v: &Verdict<'_>) -> String {
    match (v.maker, &v.vendor) {
        (Some(m), _) => m.caption.clone(),
        (None, Some(vendor)) => format!("({vendor})"),
        (None, None) => "-".to_owned(),
    }
}

/// Short labels of the lists, for the table.
fn labels(r: &Registry, v: &Verdict<'_>) -> String {
    let mut out: Vec<&str> = Vec::new();
    for d in v.designations() {
        let short = r
            .list(d.list.as_str())
            .map_or(d.list.as_str(), |l| l.short.as_str());
        if !out.contains(&short) {
            out.push(short);
        }
    }
    if out.len() > 5 {
        let more = out.len() - 5;
        out.truncate(5);
        return format!("{}, +{more}", out.join(", "));
    }
    out.join(", ")
}

fn table_row(r: &Registry, d: &derisk_devices::Device, v: &Verdict<'_>) -> Vec<String> {
    let seen: Vec<&str> = v
        .evidence
        .iter()
        .filter(|e| e.basis == "declared")
        .map(|e| e.value.as_str())
        .take(1)
        .collect();
    vec![
        d.id.clone(),
        maker_name(v),
        v.model.clone().unwrap_or_default(),
        if v.maker.is_some() {
            format!("{:.2}", v.confidence)
        } else {
            String::new()
        },
        v.basis.join(", "),
        seen.join(""),
        labels(r, v),
    ]
}

fn csv_row(file: &str, d: &derisk_devices::Device, v: &Verdict<'_>) -> Vec<String> {
    vec![
        file.to_owned(),
        d.line.to_string(),
        d.id.clone(),
        v.maker.map(|m| m.id.to_string()).unwrap_or_default(),
        v.maker.map(|m| m.caption.clone()).unwrap_or_default(),
        v.vendor.clone().unwrap_or_default(),
        v.model.clone().unwrap_or_default(),
        v.firmware.clone().unwrap_or_default(),
        if v.maker.is_some() {
            format!("{:.2}", v.confidence)
        } else {
            String::new()
        },
        v.basis.join(" "),
        v.designations()
            .iter()
            .map(|x| format!("{}:{}", x.entity, x.list))
            .collect::<Vec<_>>()
            .join(" "),
        v.evidence
            .iter()
            .map(|e| format!("{}: {}", e.basis, e.statement))
            .collect::<Vec<_>>()
            .join("; "),
    ]
}

fn device_json(r: &Registry, file: &str, d: &derisk_devices::Device, v: &Verdict<'_>) -> Value {
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
