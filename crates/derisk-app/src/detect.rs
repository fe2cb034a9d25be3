//! What kind of file an input is, from its first bytes (and, for a table,
//! its header): one detection step that every command asks, so that a file
//! given to the wrong command is named for what it is.

use derisk_devices::Field;

/// The kinds of input an audit reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Organisation names: supplier lists, tenderers.
    Suppliers,
    /// Device inventories, CycloneDX, neighbour tables.
    Assets,
    /// nmap XML scans.
    Scan,
    /// Packet captures.
    Capture,
    /// Procurement notices and award tables.
    Notices,
}

impl Kind {
    /// Every kind, in the order the help lists them.
    pub const ALL: &[Kind] = &[
        Kind::Suppliers,
        Kind::Assets,
        Kind::Scan,
        Kind::Capture,
        Kind::Notices,
    ];

    /// Its name, as `--kind FILE=KIND` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Suppliers => "suppliers",
            Kind::Assets => "assets",
            Kind::Scan => "scan",
            Kind::Capture => "capture",
            Kind::Notices => "notices",
        }
    }

    /// The kind named `text`.
    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.as_str() == text)
    }
}

/// Header names taken as the name column when `--column` is not given.
pub const NAME_COLUMNS: &[&str] = &[
    // Columns that say they hold a name come first: an ERP export often
    // has a "Supplier" or "Vendor" column of numbers beside "Name 1".
    "name",
    "name 1",
    "name1",
    "supplier_name",
    "supplier name",
    "vendor_name",
    "vendor name",
    "company_name",
    "company name",
    "organisation_name",
    "organization_name",
    "legal_name",
    "legal name",
    "naam",
    "nom",
    "raison sociale",
    "firmenname",
    "ragione sociale",
    "razón social",
    "razao social",
    "nazwa",
    "namn",
    "navn",
    "nimi",
    // Then columns that name the party's role.
    "supplier",
    "vendor",
    "company",
    "organisation",
    "organization",
    "tenderer",
    "bidder",
    "contractor",
    "manufacturer",
    "participant",
    "entity",
    "caption",
    // The same in other EU languages.
    "lieferant",
    "firma",
    "unternehmen",
    "auftragnehmer",
    "leverancier",
    "bedrijf",
    "fournisseur",
    "entreprise",
    "titulaire",
    "fornitore",
    "ditta",
    "aggiudicatario",
    "proveedor",
    "empresa",
    "adjudicatario",
    "fornecedor",
    "dostawca",
    "wykonawca",
    "leverantor",
    "leverandor",
    "toimittaja",
];

/// What a file that is not a table or a list is, from its first bytes, for
/// the commands that must turn it away or send it elsewhere: every command
/// asks this one function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Foreign {
    /// An nmap XML scan (`<nmaprun>`): `derisk assets` reads it.
    NmapScan,
    /// A TED XML export of notices: `derisk procurement` reads it.
    TedNotice,
    /// An eForms (UBL) notice: `derisk procurement` reads it.
    EformsNotice,
    /// A web page.
    Html,
    /// Other XML.
    Xml,
    /// A packet capture (pcap or pcapng): `derisk assets` reads it.
    Capture,
}

impl Foreign {
    /// The kind of markup or capture `head` (a file's first bytes) starts,
    /// if it starts one.
    pub fn sniff(head: &[u8]) -> Option<Foreign> {
        if derisk_devices::is_capture(head) {
            return Some(Foreign::Capture);
        }
        let head = derisk_table::strip_bom(head);
        let t = String::from_utf8_lossy(&head[..head.len().min(1 << 16)]);
        Foreign::markup(head, t.trim_start())
    }

    /// The kind of markup `t` starts, if it starts with a tag: `head` is
    /// the same text as bytes (without a byte-order mark), `t` as text
    /// with leading white space trimmed.
    fn markup(head: &[u8], t: &str) -> Option<Foreign> {
        if !t.starts_with('<') {
            return None;
        }
        // The first 4 KiB as bytes: a character may straddle the cut.
        let start = head.len() - head.trim_ascii_start().len();
        let lower = head[start..head.len().min(start + 4096)].to_ascii_lowercase();
        let lower = String::from_utf8_lossy(&lower);
        Some(if t.contains("<nmaprun") {
            Foreign::NmapScan
        } else if t.contains("TED_EXPORT") {
            Foreign::TedNotice
        } else if t.contains("urn:oasis:names:specification:ubl:schema:xsd:") {
            Foreign::EformsNotice
        } else if lower.starts_with("<!doctype html") || lower.contains("<html") {
            Foreign::Html
        } else {
            Foreign::Xml
        })
    }

    /// What it is and which command reads it, for an error message.
    pub fn describe(self) -> &'static str {
        match self {
            Foreign::NmapScan => "an nmap XML scan; `derisk assets` reads scans",
            Foreign::TedNotice => "a TED XML export of notices; `derisk procurement` reads notices",
            Foreign::EformsNotice => "an eForms notice; `derisk procurement` reads notices",
            Foreign::Html => "a web page (HTML); save its table as CSV or a spreadsheet",
            Foreign::Xml => "XML that derisk does not read",
            Foreign::Capture => "a packet capture; `derisk assets` reads captures",
        }
    }
}

/// The header cells of a table's first line.
fn header_cells(first_line: &str) -> Vec<String> {
    let delimiter = char::from(derisk_table::delimiter(first_line.as_bytes()));
    first_line
        .split(delimiter)
        .map(|c| c.trim().trim_matches('"').trim().to_owned())
        .collect()
}

/// The kind of a table from its header.
pub fn table_kind(headers: &[String]) -> Result<(Kind, &'static str), String> {
    let lower: Vec<String> = headers.iter().map(|h| h.to_ascii_lowercase()).collect();
    if lower.iter().any(|h| h == "projectid") {
        return Ok((Kind::Notices, "cordis"));
    }
    if lower.iter().any(|h| h == "buyer") && lower.iter().any(|h| h == "supplier") {
        return Ok((Kind::Notices, "award table"));
    }
    if let Ok(m) = derisk_devices::Mapping::new(headers, &[]) {
        let device_field = m.columns.iter().flatten().any(|t| {
            matches!(
                t,
                derisk_devices::Target::Field(
                    Field::Mac | Field::Ip | Field::DeclaredModel | Field::Serial | Field::Hostname
                )
            )
        });
        if device_field {
            return Ok((Kind::Assets, "inventory"));
        }
    }
    if lower.iter().any(|h| NAME_COLUMNS.contains(&h.as_str())) {
        return Ok((Kind::Suppliers, "table"));
    }
    Err(format!(
        "a table whose header ({}) names no device column (MAC, IP, model, serial, host name), no supplier name column (name, supplier, company, vendor, ...) and no award columns (buyer, supplier)",
        headers.join(", ")
    ))
}

/// The kind and format of a file from its first bytes (a spreadsheet's
/// header is read by the caller and given to [`table_kind`]); the error
/// says what the bytes are instead.
pub fn detect(head: &[u8]) -> Result<(Kind, &'static str), String> {
    if derisk_devices::is_capture(head) {
        return Ok((Kind::Capture, "pcap"));
    }
    let head = derisk_table::strip_bom(head);
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start();
    if t.is_empty() {
        return Err("the file is empty".to_owned());
    }
    match Foreign::markup(head, t) {
        Some(Foreign::NmapScan) => return Ok((Kind::Scan, "nmap")),
        Some(Foreign::TedNotice) => return Ok((Kind::Notices, "ted")),
        Some(Foreign::EformsNotice) => return Ok((Kind::Notices, "eforms")),
        Some(Foreign::Html) => {
            return Err(Foreign::Html.describe().to_owned());
        }
        Some(Foreign::Xml) => {
            return Err("XML that is neither an nmap scan (nmaprun), an eForms notice (UBL namespaces) nor TED XML (TED_EXPORT)".to_owned());
        }
        Some(Foreign::Capture) | None => {}
    }
    if t.starts_with('{') || t.starts_with('[') {
        if t.contains("\"bomFormat\"") {
            return Ok((Kind::Assets, "cyclonedx"));
        }
        if t.contains("\"ocid\"") || t.contains("\"releases\"") || t.contains("\"records\"") {
            return Ok((Kind::Notices, "ocds"));
        }
        let first = t.lines().next().unwrap_or_default();
        if let Ok(serde_json::Value::Object(o)) = serde_json::from_str(first) {
            if o.keys().any(|k| {
                k != "id"
                    && (Field::parse(k).is_some() || k == "onvif")
                    && !matches!(k.as_str(), "site" | "role" | "value")
            }) {
                return Ok((Kind::Assets, "jsonl"));
            }
            if o.keys()
                .any(|k| NAME_COLUMNS.contains(&k.to_ascii_lowercase().as_str()))
            {
                return Ok((Kind::Suppliers, "jsonl"));
            }
        }
        return Err("JSON that is neither device observations, a CycloneDX BOM, OCDS nor JSON lines of named suppliers".to_owned());
    }
    if derisk_devices::NeighbourFormat::sniff(&text).is_some() {
        return Ok((Kind::Assets, "neighbour table"));
    }
    let first = t.lines().next().unwrap_or_default();
    let cells = header_cells(first);
    // A header row is short cells, not prose that happens to hold a comma.
    if cells.len() < 2 || cells.iter().any(|c| c.chars().count() > 48) {
        return Err(
            "text that is not a table with a header row, XML, JSON or a capture".to_owned(),
        );
    }
    table_kind(&cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_captures_are_told_apart() {
        let sniff = |b: &[u8]| Foreign::sniff(b);
        assert_eq!(
            sniff(b"<?xml version=\"1.0\"?>\n<!DOCTYPE nmaprun>\n<nmaprun scanner=\"nmap\">"),
            Some(Foreign::NmapScan)
        );
        assert_eq!(
            sniff(b"\xef\xbb\xbf<?xml version=\"1.0\"?><TED_EXPORT>"),
            Some(Foreign::TedNotice)
        );
        assert_eq!(
            sniff(b"<ContractAwardNotice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:ContractAwardNotice-2\">"),
            Some(Foreign::EformsNotice)
        );
        assert_eq!(sniff(b"  <!DOCTYPE HTML>\n<html>"), Some(Foreign::Html));
        assert_eq!(sniff(b"<rss version=\"2.0\">"), Some(Foreign::Xml));
        assert_eq!(
            sniff(&[
                0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0,
                0, 0
            ]),
            Some(Foreign::Capture)
        );
        assert_eq!(sniff(b"name,country\n<Acme> Ltd,NL\n"), None);
        assert_eq!(sniff(b"Huawei Technologies\n"), None);
    }

    #[test]
    fn a_character_across_the_sniffed_prefix_is_no_panic() {
        // "é" takes bytes 4095 and 4096 of a notice in another script.
        let mut xml = b"<notice>".to_vec();
        xml.resize(4095, b'a');
        xml.extend("é</notice>".as_bytes());
        assert_eq!(Foreign::sniff(&xml), Some(Foreign::Xml));
        let mut html = b"<!DOCTYPE html>".to_vec();
        html.resize(4094, b' ');
        html.extend("αβ".as_bytes());
        assert_eq!(Foreign::sniff(&html), Some(Foreign::Html));
    }

    #[test]
    fn each_kind_is_found_from_its_first_bytes() {
        let kind = |b: &str| detect(b.as_bytes()).map(|(k, f)| (k.as_str(), f));
        assert_eq!(kind("<nmaprun scanner=\"nmap\">"), Ok(("scan", "nmap")));
        assert_eq!(
            kind("{\"bomFormat\": \"CycloneDX\", \"components\": []}"),
            Ok(("assets", "cyclonedx"))
        );
        assert_eq!(
            kind("{\"uri\": \"x\", \"releases\": []}"),
            Ok(("notices", "ocds"))
        );
        assert_eq!(
            kind("{\"mac\": \"44:19:b6:2a:10:07\"}\n"),
            Ok(("assets", "jsonl"))
        );
        assert_eq!(
            kind("{\"name\": \"Huawei Technologies\"}\n"),
            Ok(("suppliers", "jsonl"))
        );
        assert_eq!(
            kind("Supplier;Country\nHikvision Europe B.V.;NL\n"),
            Ok(("suppliers", "table"))
        );
        assert_eq!(
            kind("MAC Address,IP Address,Model\n44:19:b6:2a:10:07,10.0.0.5,DS-2CD2143G2-I\n"),
            Ok(("assets", "inventory"))
        );
        assert_eq!(
            kind("buyer,supplier,value\nPort of X,Nuctech,100\n"),
            Ok(("notices", "award table"))
        );
        assert_eq!(
            kind("<!DOCTYPE html><html>"),
            Err(Foreign::Html.describe().to_owned())
        );
        assert_eq!(kind("   "), Err("the file is empty".to_owned()));
        assert!(kind("Dear supplier, thank you for your offer.").is_err());
    }
}
