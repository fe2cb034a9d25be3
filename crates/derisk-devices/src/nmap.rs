//! nmap XML output (`nmap -oX`), read as a stream: each `<host>` becomes a
//! device when its element closes, so a scan cut short keeps every host it
//! finished, and the error names the byte where the XML broke.
//!
//! What is read, per host: the IPv4 or IPv6 address (`ip`), the MAC address
//! (`mac`; nmap's own vendor name for it is not used, derisk looks the
//! block up itself), the first host name, and the output of these NSE
//! scripts: `http-server-header` (`http_server`), `http-title`
//! (`http_title`), `banner` on ports 21, 22 and 23 (`ftp_banner`,
//! `ssh_banner`, `telnet_banner`), `snmp-sysdescr` (`snmp_sysdescr`),
//! `ssl-cert` (`tls_subject`, `tls_issuer`, written `CN=…,O=…`),
//! `snmp-info` (`snmp_enterprise`, and the MAC address of an engine ID
//! built from one when the scan saw no MAC), `http-headers` (`http_server` and `http_www_authenticate` from its
//! `Server:` and `WWW-Authenticate:` lines), `http-favicon`
//! (`http_favicon_md5`) and `fingerprint-strings` (the responses it shows,
//! read as below). `banner` is read on any port whose service nmap calls
//! `ftp`, `ssh` or `telnet`, and on 21, 22 and 23. `ssh-hostkey`,
//! `rtsp-methods` and `sip-methods` are not read: key fingerprints and
//! method lists name no maker.
//!
//! Service detection (`nmap -sV`): each `<service>`'s `product`,
//! `version`, `extrainfo` and `devicetype` (`nmap_product`,
//! `nmap_version`, `nmap_extrainfo`, `nmap_devicetype`) and its `<cpe>`
//! names (`cpe`). nmap names these from its own probe database
//! (`nmap-service-probes`); [`crate::identify`] counts them as evidence of
//! their own. A service nmap could not name keeps the raw answers to its
//! probes in `servicefp` (`SF-Port554-TCP:V=7.94%…%r(RTSPRequest,6F,"RTSP/1\.0…")`):
//! derisk undoes nmap's escaping (`\xHH`, `\r`, `\n`, `\0`, `\` before
//! any other character) and reads each answer as a banner: HTTP `Server`,
//! `WWW-Authenticate` and `<title>`, RTSP `Server`, SIP `Server` and
//! `User-Agent`, an SSH identification line, an FTP `220` greeting and, on
//! a telnet port, the printable text of the greeting. A broken escape is a
//! problem naming the port and the character; what came before it is
//! read.
//!
//! A host nmap reports down (`<status state="down">`, which some scans
//! list for every address they tried) is no device and is left out;
//! [`NmapDevices::down`] counts them, and [`NmapDevices::summary`] keeps
//! nmap's own count from the end of the scan, so that a scan that gives no
//! device can say why.
//!
//! The id is the IP address, else the MAC, else `host N`.

use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::observation::{Device, Field, Item, Problem};

/// Reads devices from nmap XML.
pub struct NmapDevices<R> {
    reader: Reader<R>,
    file: String,
    buf: Vec<u8>,
    hosts: u64,
    /// Hosts nmap reported down, left out.
    down: u64,
    /// nmap's own count at the end of the scan: hosts up and scanned.
    summary: Option<(u64, u64)>,
    done: bool,
}

/// The host being read.
#[derive(Default)]
struct Host {
    ip: Option<String>,
    mac: Option<String>,
    hostname: Option<String>,
    port: Option<u32>,
    /// The service nmap named for the port being read.
    service: Option<String>,
    /// Inside a `<cpe>` element.
    in_cpe: bool,
    values: Vec<(Field, String)>,
    problems: Vec<String>,
    line: u64,
    /// nmap found no sign of it (`<status state="down">`).
    down: bool,
}

impl<R: BufRead> NmapDevices<R> {
    /// Reads `reader`; `file` names it in problems.
    pub fn new(reader: R, file: &str) -> NmapDevices<R> {
        let mut reader = Reader::from_reader(reader);
        reader.config_mut().trim_text(true);
        NmapDevices {
            reader,
            file: file.to_owned(),
            buf: Vec::new(),
            hosts: 0,
            down: 0,
            summary: None,
            done: false,
        }
    }

    /// How many hosts nmap reported down and were left out, so far.
    pub fn down(&self) -> u64 {
        self.down
    }

    /// Hosts read as devices so far.
    pub fn devices(&self) -> u64 {
        self.hosts - self.down
    }

    /// nmap's own count from the end of the scan (`<runstats><hosts up=
    /// total=>`): hosts up, and addresses scanned; `None` before it is
    /// read or when the scan was cut short.
    pub fn summary(&self) -> Option<(u64, u64)> {
        self.summary
    }

    /// The next host as a device, or the problem that ended the input;
    /// `None` at the end.
    pub fn next_item(&mut self) -> Option<Item> {
        let mut host: Option<Host> = None;
        loop {
            if self.done {
                return None;
            }
            self.buf.clear();
            let at = self.reader.buffer_position();
            let event = match self.reader.read_event_into(&mut self.buf) {
                Ok(e) => e,
                Err(e) => {
                    self.done = true;
                    let kept = if host.is_some() {
                        "; the host being read is left out, the hosts before it are kept"
                    } else {
                        ""
                    };
                    return Some(Item::Skipped(Problem {
                        file: self.file.clone(),
                        line: 0,
                        field: None,
                        message: format!(
                            "malformed XML at byte {}: {e}{kept}",
                            self.reader.error_position()
                        ),
                        skipped: true,
                    }));
                }
            };
            match event {
                Event::Eof => {
                    self.done = true;
                    if host.is_some() {
                        return Some(Item::Skipped(Problem {
                            file: self.file.clone(),
                            line: 0,
                            field: None,
                            message: format!(
                                "the file ends inside a <host> element (byte {at}): the scan was cut short; the hosts before it are kept"
                            ),
                            skipped: true,
                        }));
                    }
                    return None;
                }
                Event::Start(e) | Event::Empty(e) => {
                    let name = e.local_name();
                    match name.as_ref() {
                        "hosts" if host.is_none() => {
                            let n = |k| attribute(&e, k).and_then(|v| v.parse::<u64>().ok());
                            if let (Some(up), Some(total)) = (n("up"), n("total")) {
                                self.summary = Some((up, total));
                            }
                        }
                        "host" => {
                            self.hosts += 1;
                            host = Some(Host {
                                line: self.hosts,
                                ..Host::default()
                            });
                        }
                        _ => {
                            if let Some(h) = host.as_mut() {
                                read_element(h, &e);
                            }
                        }
                    }
                }
                Event::Text(t) => {
                    if let Some(h) = host.as_mut().filter(|h| h.in_cpe) {
                        let cpe = t.xml10_content();
                        let cpe = cpe.trim();
                        if !cpe.is_empty() {
                            push(h, Field::Cpe, cpe);
                        }
                    }
                }
                Event::End(e) if e.local_name().as_ref() == "host" => {
                    if let Some(h) = host.take() {
                        if h.down {
                            self.down += 1;
                            continue;
                        }
                        let file = self.file.clone();
                        let id = h.ip.clone().or_else(|| h.mac.clone()).unwrap_or_default();
                        let problems = h
                            .problems
                            .iter()
                            .map(|message| Problem {
                                file: file.clone(),
                                line: 0,
                                field: Some("servicefp".into()),
                                message: format!("host {} ({id}), {message}", h.line),
                                skipped: false,
                            })
                            .collect();
                        return Some(Item::Device(device(h), problems));
                    }
                }
                Event::End(e) if e.local_name().as_ref() == "port" => {
                    if let Some(h) = host.as_mut() {
                        h.port = None;
                        h.service = None;
                    }
                }
                Event::End(e) if e.local_name().as_ref() == "cpe" => {
                    if let Some(h) = host.as_mut() {
                        h.in_cpe = false;
                    }
                }
                _ => {}
            }
        }
    }
}

fn attribute(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok())
        .map(|v| v.into_owned())
}

fn read_element(h: &mut Host, e: &BytesStart<'_>) {
    match e.local_name().as_ref() {
        "address" => {
            let addr = attribute(e, "addr");
            match attribute(e, "addrtype").as_deref() {
                Some("ipv4") => h.ip = h.ip.take().or(addr),
                Some("ipv6") => h.ip = h.ip.take().or(addr),
                Some("mac") => h.mac = addr,
                _ => {}
            }
        }
        "status" => h.down = attribute(e, "state").as_deref() == Some("down"),
        "hostname" => h.hostname = h.hostname.take().or_else(|| attribute(e, "name")),
        "port" => h.port = attribute(e, "portid").and_then(|p| p.parse().ok()),
        "service" => service(h, e),
        "cpe" => h.in_cpe = true,
        "script" => {
            let (Some(id), Some(output)) = (attribute(e, "id"), attribute(e, "output")) else {
                return;
            };
            script(h, &id, output.trim());
        }
        _ => {}
    }
}

fn script(h: &mut Host, id: &str, output: &str) {
    if output.is_empty() {
        return;
    }
    match id {
        "http-server-header" => {
            for line in output.lines().map(str::trim).filter(|l| !l.is_empty()) {
                push(h, Field::HttpServer, line);
            }
        }
        "http-title" if !output.starts_with("Site doesn't have a title") => {
            push(h, Field::HttpTitle, output);
        }
        "banner" => {
            let field = match (h.service.as_deref(), h.port) {
                (Some("ftp"), _) | (None, Some(21)) => Field::FtpBanner,
                (Some("ssh"), _) | (None, Some(22)) => Field::SshBanner,
                (Some("telnet"), _) | (None, Some(23)) => Field::TelnetBanner,
                _ if output.starts_with("SSH-") => Field::SshBanner,
                _ => return,
            };
            push(h, field, output);
        }
        "http-favicon" => {
            // "Unknown favicon MD5: 6944F7C4…" or "Hikvision camera (MD5 …)"
            // in older versions: the 32 hexadecimal digits.
            if let Some(md5) = output
                .split(|c: char| !c.is_ascii_hexdigit())
                .find(|w| w.len() == 32)
            {
                push(h, Field::HttpFaviconMd5, &md5.to_ascii_lowercase());
            }
        }
        "fingerprint-strings" => fingerprint_strings(h, output),
        "snmp-sysdescr" => {
            // nmap appends "System uptime: …" lines.
            let text: Vec<&str> = output
                .lines()
                .take_while(|l| !l.trim_start().starts_with("System uptime:"))
                .collect();
            push(h, Field::SnmpSysdescr, text.join("\n").trim());
        }
        "snmp-info" => {
            // "enterprise: ciscoSystems", "engineIDFormat: mac",
            // "engineIDData: 00:d4:8c:00:11:22", ...
            let mut format = None;
            for line in output.lines() {
                let Some((key, value)) = line.split_once(':') else {
                    continue;
                };
                let value = value.trim();
                match key.trim() {
                    "enterprise" if !value.is_empty() => push(h, Field::SnmpEnterprise, value),
                    "engineIDFormat" => format = Some(value.to_owned()),
                    // An engine ID built from a MAC address: the device's
                    // own, where the scan saw none (it crossed a router).
                    "engineIDData" if format.as_deref() == Some("mac") && h.mac.is_none() => {
                        h.mac = Some(value.to_ascii_uppercase());
                    }
                    _ => {}
                }
            }
        }
        "ssl-cert" => {
            for line in output.lines() {
                if let Some(subject) = line.strip_prefix("Subject: ") {
                    push(h, Field::TlsSubject, &distinguished(subject));
                } else if let Some(issuer) = line.strip_prefix("Issuer: ") {
                    push(h, Field::TlsIssuer, &distinguished(issuer));
                }
            }
        }
        "http-headers" => {
            for line in output.lines().map(str::trim) {
                let Some((name, value)) = line.split_once(':') else {
                    continue;
                };
                let field = match name.trim().to_ascii_lowercase().as_str() {
                    "server" => Field::HttpServer,
                    "www-authenticate" => Field::HttpWwwAuthenticate,
                    _ => continue,
                };
                let value = value.trim();
                if !value.is_empty() {
                    push(h, field, value);
                }
            }
        }
        _ => {}
    }
}

/// A value, once per field.
fn push(h: &mut Host, field: Field, value: &str) {
    if !h.values.iter().any(|(f, v)| *f == field && v == value) {
        h.values.push((field, value.to_owned()));
    }
}

/// A `<service>` element: nmap's names for the port, and the raw answers
/// of a service it could not name.
fn service(h: &mut Host, e: &BytesStart<'_>) {
    h.service = attribute(e, "name");
    let product = attribute(e, "product");
    for (key, field) in [
        ("product", Field::NmapProduct),
        ("version", Field::NmapVersion),
        ("extrainfo", Field::NmapExtrainfo),
        ("devicetype", Field::NmapDevicetype),
    ] {
        // Version and the rest only say something beside a product.
        if field != Field::NmapProduct && product.is_none() {
            continue;
        }
        if let Some(v) = attribute(e, key).filter(|v| !v.trim().is_empty()) {
            push(h, field, v.trim());
        }
    }
    if let Some(fp) = attribute(e, "servicefp") {
        for (probe, answer, broken) in servicefp(&fp) {
            if let Some(at) = broken {
                let port = h.port.map_or_else(|| "?".to_owned(), |p| p.to_string());
                h.problems.push(format!(
                    "port {port}: servicefp: the answer to probe {probe} breaks at character {at} of the answer (expected \\xHH, \\r, \\n, \\0 or \\ before a character, and a closing quote); the answer is read up to there, the host kept"
                ));
            }
            response(h, &String::from_utf8_lossy(&answer));
        }
    }
}

/// The answers kept in a `servicefp`: (probe name, the bytes unescaped,
/// the character where a broken escape stopped the decoding).
fn servicefp(fp: &str) -> Vec<(String, Vec<u8>, Option<usize>)> {
    // Continuation lines start with "SF:".
    let text: String = fp
        .lines()
        .map(|l| l.strip_prefix("SF:").unwrap_or(l))
        .collect();
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("%r(") {
        rest = &rest[at + 3..];
        let Some((probe, after)) = rest.split_once(',') else {
            break;
        };
        // The length in hexadecimal, then the quoted answer.
        let Some((_, after)) = after.split_once(",\"") else {
            break;
        };
        let (bytes, end, broken) = unescape(after);
        out.push((probe.to_owned(), bytes, broken));
        rest = &after[end.min(after.len())..];
    }
    out
}

/// nmap's escaping undone up to the closing quote: the bytes, where the
/// text after the quote starts, and the character of a broken escape.
fn unescape(text: &str) -> (Vec<u8>, usize, Option<usize>) {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => return (out, i + 1, None),
            b'\\' => {
                let Some(&c) = b.get(i + 1) else {
                    return (out, b.len(), Some(i));
                };
                let byte = match c {
                    b'x' => {
                        let hex = b
                            .get(i + 2..i + 4)
                            .and_then(|h| std::str::from_utf8(h).ok());
                        match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                            Some(v) => {
                                out.push(v);
                                i += 4;
                                continue;
                            }
                            None => {
                                let end = text[i..].find('"').map_or(b.len(), |q| i + q + 1);
                                return (out, end, Some(i));
                            }
                        }
                    }
                    b'0' => 0,
                    b'a' => 7,
                    b'b' => 8,
                    b't' => b'\t',
                    b'n' => b'\n',
                    b'v' => 11,
                    b'f' => 12,
                    b'r' => b'\r',
                    other => other,
                };
                out.push(byte);
                i += 2;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    // No closing quote: the fingerprint was cut.
    (out, b.len(), Some(b.len()))
}

/// One answer read as a banner, by the protocol its first line shows.
fn response(h: &mut Host, text: &str) {
    let first = text.lines().next().unwrap_or("").trim();
    let protocol = if first.starts_with("HTTP/") {
        "http"
    } else if first.starts_with("RTSP/") {
        "rtsp"
    } else if first.starts_with("SIP/2.0") {
        "sip"
    } else if first.starts_with("SSH-") {
        push(h, Field::SshBanner, first);
        return;
    } else if (first.starts_with("220 ") || first.starts_with("220-"))
        && matches!(h.service.as_deref(), Some("ftp") | None)
    {
        push(h, Field::FtpBanner, first);
        return;
    } else if h.service.as_deref() == Some("telnet") {
        let printable = telnet_text(text);
        if !printable.is_empty() {
            push(h, Field::TelnetBanner, &printable);
        }
        return;
    } else {
        return;
    };
    for line in text.lines().skip(1).map(str::trim) {
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let field = match (protocol, name.trim().to_ascii_lowercase().as_str()) {
            ("http", "server") => Field::HttpServer,
            ("http", "www-authenticate") => Field::HttpWwwAuthenticate,
            ("rtsp", "server") => Field::RtspServer,
            ("sip", "server") => Field::SipServer,
            ("sip", "user-agent") => Field::SipUserAgent,
            _ => continue,
        };
        push(h, field, value);
    }
    if protocol == "http"
        && let Some(title) = html_title(text)
    {
        push(h, Field::HttpTitle, &title);
    }
}

/// The text of a `<title>` element.
fn html_title(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<title")?;
    let open = start + lower[start..].find('>')? + 1;
    let close = open + lower[open..].find("</title")?;
    let title = text.get(open..close)?.trim();
    (!title.is_empty()).then(|| title.to_owned())
}

/// The printable text of a telnet greeting: option negotiation (IAC and
/// the two bytes after it) and control characters left out, lines kept.
fn telnet_text(text: &str) -> String {
    let mut out = String::new();
    let mut skip = 0;
    for c in text.chars() {
        if skip > 0 {
            skip -= 1;
            continue;
        }
        match c {
            // 0xFF decoded lossily, or as the Latin-1 character.
            '\u{fffd}' | '\u{ff}' => skip = 2,
            '\n' => out.push('\n'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The output of `fingerprint-strings`: a probe name, then its answer
/// indented below it, for each probe.
fn fingerprint_strings(h: &mut Host, output: &str) {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let probe_indent = output
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(indent)
        .min()
        .unwrap_or(0);
    let mut answer = String::new();
    for line in output.lines() {
        if line.trim().is_empty() {
            answer.push('\n');
            continue;
        }
        if indent(line) == probe_indent && line.trim_end().ends_with(':') {
            if !answer.trim().is_empty() {
                response(h, answer.trim_start());
            }
            answer.clear();
            continue;
        }
        answer.push_str(line.trim());
        answer.push('\n');
    }
    if !answer.trim().is_empty() {
        response(h, answer.trim_start());
    }
}

/// nmap's `commonName=x/organizationName=y` as `CN=x,O=y`.
fn distinguished(text: &str) -> String {
    text.split('/')
        .map(|part| {
            let (key, value) = part.split_once('=').unwrap_or(("", part));
            let short = match key.trim() {
                "commonName" => "CN",
                "organizationName" => "O",
                "organizationalUnitName" => "OU",
                "countryName" => "C",
                "stateOrProvinceName" => "ST",
                "localityName" => "L",
                other => other,
            };
            format!("{short}={}", value.trim())
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn device(h: Host) -> Device {
    let mut values = Vec::new();
    if let Some(mac) = &h.mac {
        values.push((Field::Mac, mac.clone()));
    }
    if let Some(ip) = &h.ip {
        values.push((Field::Ip, ip.clone()));
    }
    if let Some(name) = &h.hostname {
        values.push((Field::Hostname, name.clone()));
    }
    values.extend(h.values);
    Device {
        id: h.ip.or(h.mac).unwrap_or_else(|| format!("host {}", h.line)),
        line: h.line,
        values,
    }
}

/// Writes a synthetic `nmap -sV` scan of about `target` bytes, for the
/// benchmark: hosts of five kinds in turn, each with the service names,
/// versions and CPEs nmap gives, a service nmap could not name with its raw
/// answer in `servicefp` (escaped as nmap escapes), and `http-title`,
/// `http-server-header` and `ssh-hostkey` script output. Addresses are
/// from 10.0.0.0/8, MAC addresses from registry vendors' blocks and others.
/// Returns the number of hosts written.
pub fn write_synthetic(
    out: &mut impl std::io::Write,
    target: u64,
    seed: u64,
) -> std::io::Result<u64> {
    const HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>\n<nmaprun scanner=\"nmap\" args=\"nmap -sV -sC -oX bench.xml 10.0.0.0/8\" start=\"1796032918\" version=\"7.95\" xmloutputversion=\"1.05\">\n<scaninfo type=\"syn\" protocol=\"tcp\" numservices=\"1000\" services=\"1-1000\"/>\n";
    const PORT: &str = "<port protocol=\"tcp\" portid=\"";
    const OPEN: &str = "\"><state state=\"open\" reason=\"syn-ack\" reason_ttl=\"64\"/>";
    // One kind of host: its MAC prefix and its ports' XML after the port
    // number's opening.
    let kinds: [(&str, &[(u32, &str)]); 5] = [
        (
            "44:19:B6",
            &[
                (
                    80,
                    "<service name=\"http\" product=\"Hikvision IP camera httpd\" devicetype=\"webcam\" method=\"probed\" conf=\"10\"/><script id=\"http-title\" output=\"Document Moved\"><elem key=\"title\">Document Moved</elem></script><script id=\"http-server-header\" output=\"App-webs/\"><elem>App-webs/</elem></script>",
                ),
                (
                    554,
                    "<service name=\"rtsp\" servicefp=\"SF-Port554-TCP:V=7.95%I=7%D=11/30%Time=692C1A3F%P=x86_64-pc-linux-gnu%r(RTSPRequ&#xa;SF:est,A4,&quot;RTSP/1\\.0\\x20401\\x20Unauthorized\\r\\nCSeq:\\x201\\r\\nWWW-Authenticate:\\x&#xa;SF:20Digest\\x20realm=\\&quot;4419b62a1007\\&quot;\\r\\nServer:\\x20Hikvision-Webs\\r\\n\\r\\n&quot;);\" method=\"table\" conf=\"3\"/>",
                ),
            ],
        ),
        (
            "3C:EF:8C",
            &[
                (
                    80,
                    "<service name=\"http\" product=\"Dahua IP camera httpd\" devicetype=\"webcam\" method=\"probed\" conf=\"10\"/><script id=\"http-title\" output=\"WEB SERVICE\"><elem key=\"title\">WEB SERVICE</elem></script>",
                ),
                (
                    554,
                    "<service name=\"rtsp\" product=\"Dahua IP camera rtspd\" devicetype=\"webcam\" method=\"probed\" conf=\"10\"/>",
                ),
                (
                    37777,
                    "<service name=\"unknown\" method=\"table\" conf=\"3\"/>",
                ),
            ],
        ),
        (
            "00:E0:FC",
            &[
                (
                    22,
                    "<service name=\"ssh\" product=\"Huawei VRP sshd\" extrainfo=\"protocol 2.0\" devicetype=\"router\" ostype=\"VRP 5.170\" method=\"probed\" conf=\"10\"><cpe>cpe:/o:huawei:vrp:5.170</cpe></service><script id=\"ssh-hostkey\" output=\"&#xa;  2048 6f:2c:8a:1d:94:3e:b7:50:0c:9a:e1:2f:44:71:d8:0b (RSA)\"/>",
                ),
                (
                    23,
                    "<service name=\"telnet\" product=\"Huawei VRP telnetd\" devicetype=\"router\" method=\"probed\" conf=\"10\"><cpe>cpe:/o:huawei:vrp</cpe></service>",
                ),
                (
                    161,
                    "<service name=\"snmp\" product=\"Huawei SNMP service\" method=\"probed\" conf=\"10\"/>",
                ),
            ],
        ),
        (
            "00:40:8C",
            &[
                (
                    21,
                    "<service name=\"ftp\" product=\"Axis P3265-LVE Network Camera ftpd\" version=\"10.12.165\" method=\"probed\" conf=\"10\"><cpe>cpe:/h:axis:p3265-lve</cpe></service>",
                ),
                (
                    80,
                    "<service name=\"http\" product=\"Apache httpd\" method=\"probed\" conf=\"10\"><cpe>cpe:/a:apache:http_server</cpe></service><script id=\"http-title\" output=\"AXIS\"><elem key=\"title\">AXIS</elem></script>",
                ),
                (
                    443,
                    "<service name=\"http\" product=\"Apache httpd\" tunnel=\"ssl\" method=\"probed\" conf=\"10\"><cpe>cpe:/a:apache:http_server</cpe></service>",
                ),
            ],
        ),
        (
            "00:1B:54",
            &[
                (
                    22,
                    "<service name=\"ssh\" product=\"Cisco SSH\" version=\"1.25\" extrainfo=\"protocol 2.0\" ostype=\"IOS\" method=\"probed\" conf=\"10\"><cpe>cpe:/a:cisco:ssh:1.25</cpe><cpe>cpe:/o:cisco:ios</cpe></service>",
                ),
                (
                    80,
                    "<service name=\"http\" servicefp=\"SF-Port80-TCP:V=7.95%I=7%D=11/30%Time=692C1A3F%P=x86_64-pc-linux-gnu%r(GetReques&#xa;SF:t,5A,&quot;HTTP/1\\.1\\x20200\\x20OK\\r\\nServer:\\x20cisco-IOS\\r\\nContent-Type:\\x20text/html\\r\\n\\r\\n&lt;title&gt;Cisco&lt;/title&gt;&quot;);\" method=\"table\" conf=\"3\"/>",
                ),
            ],
        ),
    ];
    let mut next = crate::observation::splitmix(seed);
    out.write_all(HEAD.as_bytes())?;
    let (mut written, mut hosts) = (HEAD.len() as u64, 0u64);
    let mut host = String::with_capacity(4096);
    while written < target {
        let r = next();
        let (prefix, ports) = kinds[(hosts % 5) as usize];
        host.clear();
        use std::fmt::Write as _;
        let _ = write!(
            host,
            "<host starttime=\"1796032920\" endtime=\"1796033011\"><status state=\"up\" reason=\"arp-response\" reason_ttl=\"0\"/>\n<address addr=\"10.{}.{}.{}\" addrtype=\"ipv4\"/>\n<address addr=\"{prefix}:{:02X}:{:02X}:{:02X}\" addrtype=\"mac\"/>\n<hostnames>\n</hostnames>\n<ports>",
            (r >> 8) as u8,
            (r >> 16) as u8,
            (r >> 24) as u8,
            (r >> 32) as u8,
            (r >> 40) as u8,
            (r >> 48) as u8
        );
        for (port, xml) in ports {
            let _ = writeln!(host, "{PORT}{port}{OPEN}{xml}</port>");
        }
        host.push_str("</ports>\n<times srtt=\"412\" rttvar=\"118\" to=\"100000\"/>\n</host>\n");
        out.write_all(host.as_bytes())?;
        written += host.len() as u64;
        hosts += 1;
    }
    out.write_all(
        b"<runstats><finished time=\"1796033100\" exit=\"success\"/></runstats>\n</nmaprun>\n",
    )?;
    Ok(hosts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servicefp_of_an_old_nmap_is_decoded_across_its_wrapped_lines() {
        // nmap 4.76 wrapped inside the probe's header.
        let fp = "SF-Port22-TCP:V=4.76%I=7%D=11/12%Time=4AFCCA7D%P=i686-pc-linux-gnu%r(NULL,\nSF:27,\"SSH-2\\.0-OpenSSH_5\\.1p1\\x20Debian-5ubuntu1\\r\\n\");";
        let got = servicefp(fp);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "NULL");
        assert_eq!(got[0].1, b"SSH-2.0-OpenSSH_5.1p1 Debian-5ubuntu1\r\n");
        assert_eq!(got[0].2, None);
    }

    #[test]
    fn escapes_are_undone_and_broken_ones_named() {
        assert_eq!(
            unescape("a\\0\\x41\\\"b\"rest"),
            (b"a\0A\"b".to_vec(), 11, None)
        );
        assert_eq!(unescape("ab\\xZ1\"x"), (b"ab".to_vec(), 7, Some(2)));
        assert_eq!(unescape("ab\\"), (b"ab".to_vec(), 3, Some(2)));
        assert_eq!(unescape("no quote"), (b"no quote".to_vec(), 8, Some(8)));
    }

    #[test]
    fn the_synthetic_scan_reads_back_whole() {
        let mut buf = Vec::new();
        let hosts = write_synthetic(&mut buf, 20_000, 7).unwrap();
        let mut r = NmapDevices::new(buf.as_slice(), "bench.xml");
        let mut devices = Vec::new();
        while let Some(item) = r.next_item() {
            match item {
                Item::Device(d, problems) => {
                    assert!(problems.is_empty(), "{problems:?}");
                    devices.push(d);
                }
                Item::Skipped(p) => panic!("{p}"),
            }
        }
        assert_eq!(devices.len() as u64, hosts);
        let hik = &devices[0];
        assert_eq!(
            hik.get(Field::NmapProduct),
            Some("Hikvision IP camera httpd")
        );
        assert_eq!(hik.get(Field::RtspServer), Some("Hikvision-Webs"));
        assert_eq!(hik.get(Field::HttpServer), Some("App-webs/"));
        let cisco = &devices[4];
        assert_eq!(cisco.get(Field::HttpServer), Some("cisco-IOS"));
        assert_eq!(cisco.get(Field::HttpTitle), Some("Cisco"));
    }

    #[test]
    fn snmp_info_gives_the_enterprise_and_the_engine_mac() {
        let xml = r#"<nmaprun><host><status state="up"/><address addr="198.51.100.7" addrtype="ipv4"/>
<ports><port protocol="udp" portid="161"><state state="open"/><service name="snmp" product="Huawei SNMP service" method="probed" conf="10"/>
<script id="snmp-info" output="&#xa;  enterprise: Huawei Technologies Co.,Ltd.&#xa;  engineIDFormat: mac&#xa;  engineIDData: 00:e0:fc:12:34:56&#xa;  snmpEngineBoots: 6&#xa;  snmpEngineTime: 358d01h13m46s"><elem key="enterprise">Huawei Technologies Co.,Ltd.</elem></script></port></ports></host></nmaprun>"#;
        let mut r = NmapDevices::new(xml.as_bytes(), "snmp.xml");
        let Some(Item::Device(d, problems)) = r.next_item() else {
            panic!("no device")
        };
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(d.get(Field::Mac), Some("00:E0:FC:12:34:56"));
        assert_eq!(
            d.get(Field::SnmpEnterprise),
            Some("Huawei Technologies Co.,Ltd.")
        );
    }

    #[test]
    fn a_host_with_hundreds_of_ports_is_read_whole() {
        let mut xml = String::from(
            "<nmaprun><host><status state=\"up\"/><address addr=\"198.51.100.9\" addrtype=\"ipv4\"/><ports>",
        );
        for port in 1..=600 {
            xml.push_str(&format!(
                "<port protocol=\"tcp\" portid=\"{port}\"><state state=\"open\"/><service name=\"http\" product=\"Product {port} httpd\" method=\"probed\" conf=\"10\"/><script id=\"http-server-header\" output=\"Server {}\"/></port>",
                port % 7
            ));
        }
        xml.push_str("</ports></host></nmaprun>");
        let mut r = NmapDevices::new(xml.as_bytes(), "wide.xml");
        let Some(Item::Device(d, problems)) = r.next_item() else {
            panic!("no device")
        };
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(d.all(Field::NmapProduct).count(), 600);
        assert_eq!(d.all(Field::NmapProduct).last(), Some("Product 600 httpd"));
        // The same header on many ports is one value.
        assert_eq!(d.all(Field::HttpServer).count(), 7);
        assert!(r.next_item().is_none());
    }

    #[test]
    fn hosts_nmap_reports_down_are_left_out() {
        let xml = r#"<nmaprun><host><status state="down" reason="no-response"/><address addr="198.51.100.1" addrtype="ipv4"/></host>
<host><status state="up" reason="arp-response"/><address addr="198.51.100.2" addrtype="ipv4"/></host>
<host><status state="down" reason="no-response"/><address addr="198.51.100.3" addrtype="ipv4"/></host></nmaprun>"#;
        let mut r = NmapDevices::new(xml.as_bytes(), "sweep.xml");
        let mut ids = Vec::new();
        while let Some(item) = r.next_item() {
            if let Item::Device(d, _) = item {
                ids.push(d.id);
            }
        }
        assert_eq!(ids, ["198.51.100.2"]);
        assert_eq!(r.down(), 2);
        assert_eq!(r.devices(), 1);
    }

    #[test]
    fn a_scan_that_found_no_host_keeps_nmaps_own_count() {
        // nmap 4.90's layout when no host answered: only the summary.
        let xml = r#"<nmaprun scanner="nmap" version="4.90RC2"><scaninfo type="syn" protocol="tcp" numservices="100" services="1-100"/>
<runstats><finished time="1247268099" elapsed="2.33"/><hosts up="0" down="1" total="1"/></runstats></nmaprun>"#;
        let mut r = NmapDevices::new(xml.as_bytes(), "down.xml");
        assert!(r.next_item().is_none());
        assert_eq!((r.devices(), r.summary()), (0, Some((0, 1))));
    }
}
