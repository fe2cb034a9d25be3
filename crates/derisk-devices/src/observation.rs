//! The device observation format: JSON lines, one device a line.
//!
//! Every field but `id` is optional. Text fields take a string (a number
//! is taken as its text); `onvif` is an object of five text fields;
//! `ws_discovery_scopes` is a list of scopes (or one string of scopes
//! separated by spaces, as WS-Discovery writes them); `mdns_services` and
//! `mdns_txt` are lists of text (one string is a list of one). A line that cannot be
//! read (not UTF-8, not JSON, not an object, no `id`) is skipped with a
//! [`Problem`] naming the line; a field that is unknown or of the wrong type
//! is left out with a warning and the rest of the device is kept.

use std::io::{self, BufRead};

use serde_json::Value;

macro_rules! fields {
    ($( $(#[$meta:meta])* $variant:ident => $text:literal, )+) => {
        /// A field of the observation format.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Field {
            $( $(#[$meta])* $variant, )+
        }

        impl Field {
            /// Every field, in the order of the format's documentation.
            pub const ALL: &'static [Field] = &[$(Field::$variant),+];

            /// The name in the format (`onvif.model` for a field of the
            /// `onvif` object).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Field::$variant => $text,)+
                }
            }

            /// The field with this name.
            pub fn parse(text: &str) -> Option<Field> {
                match text {
                    $($text => Some(Field::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

fields! {
    /// The MAC address, in any usual notation.
    Mac => "mac",
    /// An IP address of the device.
    Ip => "ip",
    /// Its host name (DNS, NetBIOS, mDNS).
    Hostname => "hostname",
    /// Where it is: a site, building or network.
    Site => "site",
    /// What it is for: camera, recorder, router, radio, scanner.
    Role => "role",
    /// How critical it is, in the operator's words: core, edge,
    /// critical, sensitive, low.
    Criticality => "criticality",
    /// What it cost or is worth, a number, optionally with a currency
    /// code ("1450", "1450 EUR", "EUR 1,450.00").
    Value => "value",
    /// The purchase that put it there: an order, contract or notice id.
    Purchase => "purchase",
    /// The maker or brand the operator's records give.
    DeclaredVendor => "declared_vendor",
    /// The model the operator's records give.
    DeclaredModel => "declared_model",
    /// The serial number.
    Serial => "serial",
    /// The firmware version.
    Firmware => "firmware",
    /// The HTTP `Server` response header.
    HttpServer => "http_server",
    /// The HTTP `WWW-Authenticate` response header.
    HttpWwwAuthenticate => "http_www_authenticate",
    /// The HTML title of the web interface.
    HttpTitle => "http_title",
    /// The MD5 of `/favicon.ico`, in hexadecimal.
    HttpFaviconMd5 => "http_favicon_md5",
    /// The RTSP `Server` header.
    RtspServer => "rtsp_server",
    /// The SSH identification string.
    SshBanner => "ssh_banner",
    /// The telnet greeting.
    TelnetBanner => "telnet_banner",
    /// The FTP greeting.
    FtpBanner => "ftp_banner",
    /// The SIP `User-Agent` header.
    SipUserAgent => "sip_user_agent",
    /// The SIP `Server` header.
    SipServer => "sip_server",
    /// SNMP sysDescr (1.3.6.1.2.1.1.1.0).
    SnmpSysdescr => "snmp_sysdescr",
    /// SNMP sysObjectID (1.3.6.1.2.1.1.2.0).
    SnmpSysobjectid => "snmp_sysobjectid",
    /// The organisation whose enterprise number heads the SNMP engine ID
    /// (SNMPv3), as a name ("ciscoSystems", from nmap's `snmp-info`) or
    /// the number.
    SnmpEnterprise => "snmp_enterprise",
    /// The subject of the TLS certificate.
    TlsSubject => "tls_subject",
    /// The issuer of the TLS certificate.
    TlsIssuer => "tls_issuer",
    /// DHCP option 60, the vendor class identifier.
    DhcpVendorClass => "dhcp_vendor_class",
    /// DHCP option 12, the host name the device asked for.
    DhcpHostname => "dhcp_hostname",
    /// ONVIF GetDeviceInformation: Manufacturer.
    OnvifManufacturer => "onvif.manufacturer",
    /// ONVIF GetDeviceInformation: Model.
    OnvifModel => "onvif.model",
    /// ONVIF GetDeviceInformation: FirmwareVersion.
    OnvifFirmware => "onvif.firmware",
    /// ONVIF GetDeviceInformation: SerialNumber.
    OnvifSerial => "onvif.serial",
    /// ONVIF GetDeviceInformation: HardwareId.
    OnvifHardwareId => "onvif.hardware_id",
    /// One scope of a WS-Discovery ProbeMatch (repeated for each).
    WsDiscoveryScopes => "ws_discovery_scopes",
    /// The XML of a Hikvision ISAPI `/ISAPI/System/deviceInfo` answer.
    IsapiDeviceInfo => "isapi_device_info",
    /// The `key=value` text of a Dahua `magicBox.cgi?action=getSystemInfo`
    /// answer.
    DahuaSystemInfo => "dahua_system_info",
    /// The XML of a Hikvision SADP `ProbeMatch` reply.
    Sadp => "sadp",
    /// The JSON of a Dahua DHIP discovery reply.
    Dhip => "dhip",
    /// The `SERVER` header of an SSDP (UPnP discovery) announcement or
    /// search response.
    SsdpServer => "ssdp_server",
    /// One service instance a device announces over mDNS, as
    /// `instance._service._proto.local` (repeated for each).
    MdnsServices => "mdns_services",
    /// One `key=value` string of an mDNS TXT record (repeated for each).
    MdnsTxt => "mdns_txt",
    /// The product nmap's service detection (`nmap -sV`) named for one
    /// port ("Hikvision IP camera httpd"), from its own probe database
    /// (repeated for each port).
    NmapProduct => "nmap_product",
    /// The version nmap's service detection read with the product.
    NmapVersion => "nmap_version",
    /// nmap's extra information on the service ("protocol 2.0").
    NmapExtrainfo => "nmap_extrainfo",
    /// nmap's device type for the service ("webcam", "broadband router").
    NmapDevicetype => "nmap_devicetype",
    /// A CPE name nmap's service detection gave ("cpe:/h:huawei:hg532e"),
    /// repeated for each.
    Cpe => "cpe",
}

/// The fields that hold a list, each item one value; `ws_discovery_scopes`
/// also takes one string of scopes separated by spaces.
const LISTS: &[Field] = &[
    Field::WsDiscoveryScopes,
    Field::MdnsServices,
    Field::MdnsTxt,
    Field::NmapProduct,
    Field::Cpe,
];

/// The fields of the `onvif` object, by their name inside it.
const ONVIF: &[(&str, Field)] = &[
    ("manufacturer", Field::OnvifManufacturer),
    ("model", Field::OnvifModel),
    ("firmware", Field::OnvifFirmware),
    ("serial", Field::OnvifSerial),
    ("hardware_id", Field::OnvifHardwareId),
];

/// One observed device.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Device {
    /// Its id in the input.
    pub id: String,
    /// The 1-based line it was read from.
    pub line: u64,
    /// Its fields, in the order read; a field may repeat
    /// (`ws_discovery_scopes`, one entry a scope).
    pub values: Vec<(Field, String)>,
}

impl Device {
    /// The first value of `field`.
    pub fn get(&self, field: Field) -> Option<&str> {
        self.values
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `field`.
    pub fn all(&self, field: Field) -> impl Iterator<Item = &str> {
        self.values
            .iter()
            .filter(move |(f, _)| *f == field)
            .map(|(_, v)| v.as_str())
    }
}

/// Something wrong in one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The input.
    pub file: String,
    /// The 1-based line (0 when the input has no lines to name; the
    /// message then gives the byte offset).
    pub line: u64,
    /// The field at fault, if one is.
    pub field: Option<String>,
    /// What was wrong and what was expected.
    pub message: String,
    /// Whether the whole line was left out (else only the field).
    pub skipped: bool,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Line 0: the input has no lines to name (a byte offset is in the
        // message, which says what was kept).
        if self.line == 0 {
            return write!(f, "{}: {}", self.file, self.message);
        }
        write!(f, "{}:{}: ", self.file, self.line)?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.message)?;
        f.write_str(if self.skipped {
            "; line skipped"
        } else {
            "; field left out"
        })
    }
}

/// What one line gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// A device, with warnings about the fields left out.
    Device(Device, Vec<Problem>),
    /// A line that could not be read.
    Skipped(Problem),
}

/// Reads devices from JSON lines, one line at a time.
#[derive(Debug)]
pub struct JsonlDevices<R> {
    reader: R,
    file: String,
    line: u64,
    buf: Vec<u8>,
}

impl<R: BufRead> JsonlDevices<R> {
    /// Reads `reader`; `file` names it in problems.
    pub fn new(reader: R, file: &str) -> JsonlDevices<R> {
        JsonlDevices {
            reader,
            file: file.to_owned(),
            line: 0,
            buf: Vec::new(),
        }
    }

    /// The next device or skipped line; `None` at the end. Blank lines are
    /// passed over. An I/O error ends the input.
    pub fn next_item(&mut self) -> io::Result<Option<Item>> {
        loop {
            self.buf.clear();
            if self.reader.read_until(b'\n', &mut self.buf)? == 0 {
                return Ok(None);
            }
            self.line += 1;
            let raw = self.buf.strip_suffix(b"\n").unwrap_or(&self.buf);
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            let raw = if self.line == 1 {
                derisk_table::strip_bom(raw)
            } else {
                raw
            };
            if raw.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Ok(Some(self.parse(raw)));
        }
    }

    fn problem(&self, field: Option<&str>, message: String, skipped: bool) -> Problem {
        Problem {
            file: self.file.clone(),
            line: self.line,
            field: field.map(str::to_owned),
            message,
            skipped,
        }
    }

    fn parse(&self, raw: &[u8]) -> Item {
        let text = match std::str::from_utf8(raw) {
            Ok(t) => t,
            Err(e) => {
                return Item::Skipped(self.problem(
                    None,
                    format!(
                        "not UTF-8 text at byte {} of the line (binary data?); expected one JSON object",
                        e.valid_up_to() + 1
                    ),
                    true,
                ));
            }
        };
        let object = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(o)) => o,
            Ok(other) => {
                return Item::Skipped(self.problem(
                    None,
                    format!("expected a JSON object, found {}", kind(&other)),
                    true,
                ));
            }
            Err(e) => {
                return Item::Skipped(self.problem(
                    None,
                    format!(
                        "not valid JSON at column {}: {}; expected one JSON object",
                        e.column(),
                        strip_position(&e.to_string())
                    ),
                    true,
                ));
            }
        };
        let mut warnings = Vec::new();
        let id = match object.get("id") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
            Some(Value::Number(n)) => n.to_string(),
            Some(other) => {
                return Item::Skipped(self.problem(
                    Some("id"),
                    format!(
                        "expected a non-empty string or number, found {}",
                        kind(other)
                    ),
                    true,
                ));
            }
            None => {
                return Item::Skipped(self.problem(
                    Some("id"),
                    "missing; every device needs an id".into(),
                    true,
                ));
            }
        };
        let mut device = Device {
            id,
            line: self.line,
            values: Vec::new(),
        };
        for (key, value) in &object {
            if key == "id" {
                continue;
            }
            match key.as_str() {
                "onvif" => self.onvif(value, &mut device, &mut warnings),
                _ => match Field::parse(key) {
                    Some(f) if LISTS.contains(&f) => {
                        self.list(key, f, value, &mut device, &mut warnings)
                    }
                    Some(f) if !key.contains('.') => {
                        self.text(key, f, value, &mut device, &mut warnings)
                    }
                    _ => warnings.push(self.problem(Some(key), unknown(key), false)),
                },
            }
        }
        Item::Device(device, warnings)
    }

    fn text(
        &self,
        name: &str,
        field: Field,
        value: &Value,
        device: &mut Device,
        warnings: &mut Vec<Problem>,
    ) {
        match value {
            Value::String(s) if s.trim().is_empty() => {}
            Value::String(s) => device.values.push((field, s.clone())),
            Value::Number(n) => device.values.push((field, n.to_string())),
            Value::Null => {}
            other => warnings.push(self.problem(
                Some(name),
                format!("expected text, found {}", kind(other)),
                false,
            )),
        }
    }

    fn onvif(&self, value: &Value, device: &mut Device, warnings: &mut Vec<Problem>) {
        let object = match value {
            Value::Object(o) => o,
            Value::Null => return,
            other => {
                warnings.push(self.problem(
                    Some("onvif"),
                    format!(
                        "expected an object with manufacturer, model, firmware, serial, hardware_id; found {}",
                        kind(other)
                    ),
                    false,
                ));
                return;
            }
        };
        for (key, v) in object {
            let name = format!("onvif.{key}");
            match ONVIF.iter().find(|(k, _)| k == key) {
                Some(&(_, field)) => self.text(&name, field, v, device, warnings),
                None => warnings.push(self.problem(
                    Some(&name),
                    format!(
                        "unknown field; expected one of {}",
                        ONVIF.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
                    ),
                    false,
                )),
            }
        }
    }

    fn list(
        &self,
        name: &str,
        field: Field,
        value: &Value,
        device: &mut Device,
        warnings: &mut Vec<Problem>,
    ) {
        let split = field == Field::WsDiscoveryScopes;
        let mut add = |s: &str| {
            if split {
                for scope in s.split_whitespace() {
                    device.values.push((field, scope.to_owned()));
                }
            } else if !s.trim().is_empty() {
                device.values.push((field, s.to_owned()));
            }
        };
        match value {
            Value::String(s) => add(s),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::String(s) => add(s),
                        other => warnings.push(self.problem(
                            Some(&format!("{name}[{i}]")),
                            format!("expected text, found {}", kind(other)),
                            false,
                        )),
                    }
                }
            }
            Value::Null => {}
            other => warnings.push(self.problem(
                Some(name),
                format!("expected a list of text items, found {}", kind(other)),
                false,
            )),
        }
    }
}

/// "a number", "a list" and so on, for messages.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// serde_json's message without its own " at line L column C".
fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |i| &message[..i])
}

/// The message for an unknown field, with the nearest known name.
fn unknown(key: &str) -> String {
    if let Some(inner) = key.strip_prefix("onvif.") {
        return format!(
            "ONVIF fields go inside the `onvif` object: {{\"onvif\": {{\"{inner}\": ...}}}}"
        );
    }
    let lower = key.to_ascii_lowercase();
    let nearest = Field::ALL
        .iter()
        .map(|f| f.as_str())
        .chain(["onvif", "id"])
        .filter(|name| !name.contains('.'))
        .map(|name| {
            (
                rapidfuzz::distance::levenshtein::distance(lower.chars(), name.chars()),
                name,
            )
        })
        .min();
    match nearest {
        Some((d, name)) if d <= 2 || lower == name => {
            format!("unknown field (did you mean `{name}`?)")
        }
        _ => "unknown field; the known fields are listed in docs/formats/device-observation.md"
            .into(),
    }
}

/// The generator of the synthetic inputs the benchmarks write
/// (splitmix64): the same seed gives the same numbers.
pub(crate) fn splitmix(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_name_round_trips() {
        for &f in Field::ALL {
            assert_eq!(Field::parse(f.as_str()), Some(f));
        }
        assert_eq!(Field::ALL.len(), 47);
    }
}
