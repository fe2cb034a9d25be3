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
//! `ssl-cert` (`tls_subject`, `tls_issuer`, written `CN=…,O=…`) and
//! `http-headers` (`http_server` and `http_www_authenticate` from its
//! `Server:` and `WWW-Authenticate:` lines). The id is the IP address,
//! else the MAC, else `host N`. nmap's service guesses (`product`,
//! `version`) are not read: they come from nmap's own probe database.

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
    done: bool,
}

/// The host being read.
#[derive(Default)]
struct Host {
    ip: Option<String>,
    mac: Option<String>,
    hostname: Option<String>,
    port: Option<u32>,
    values: Vec<(Field, String)>,
    line: u64,
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
            done: false,
        }
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
                Event::End(e) if e.local_name().as_ref() == "host" => {
                    if let Some(h) = host.take() {
                        return Some(Item::Device(device(h), Vec::new()));
                    }
                }
                Event::End(e) if e.local_name().as_ref() == "port" => {
                    if let Some(h) = host.as_mut() {
                        h.port = None;
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
        "hostname" => h.hostname = h.hostname.take().or_else(|| attribute(e, "name")),
        "port" => h.port = attribute(e, "portid").and_then(|p| p.parse().ok()),
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
                h.values.push((Field::HttpServer, line.to_owned()));
            }
        }
        "http-title" if !output.starts_with("Site doesn't have a title") => {
            h.values.push((Field::HttpTitle, output.to_owned()));
        }
        "banner" => {
            let field = match h.port {
                Some(21) => Field::FtpBanner,
                Some(22) => Field::SshBanner,
                Some(23) => Field::TelnetBanner,
                _ => return,
            };
            h.values.push((field, output.to_owned()));
        }
        "snmp-sysdescr" => {
            // nmap appends "System uptime: …" lines.
            let text: Vec<&str> = output
                .lines()
                .take_while(|l| !l.trim_start().starts_with("System uptime:"))
                .collect();
            h.values
                .push((Field::SnmpSysdescr, text.join("\n").trim().to_owned()));
        }
        "ssl-cert" => {
            for line in output.lines() {
                if let Some(subject) = line.strip_prefix("Subject: ") {
                    h.values.push((Field::TlsSubject, distinguished(subject)));
                } else if let Some(issuer) = line.strip_prefix("Issuer: ") {
                    h.values.push((Field::TlsIssuer, distinguished(issuer)));
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
                if !value.is_empty() && !h.values.iter().any(|(f, v)| *f == field && v == value) {
                    h.values.push((field, value.to_owned()));
                }
            }
        }
        _ => {}
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
