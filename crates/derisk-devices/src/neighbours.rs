//! What a network already knows about its devices, as text: ISC dhcpd
//! lease files, dnsmasq lease files, `ip neigh` and `arp -a` output
//! (Linux and Windows). Each gives MAC and IP addresses, and the lease
//! files the host name and vendor class the device sent.
//!
//! A line that does not fit the format is reported with its number and
//! left out; an entry without a MAC address (an incomplete neighbour) is
//! passed over, as are multicast and broadcast entries. A device seen
//! several times (a lease renewed) is reported once, with its last values.

use crate::observation::{Device, Field, Item, Problem};

/// The text formats read here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NeighbourFormat {
    /// ISC dhcpd `dhcpd.leases`.
    DhcpdLeases,
    /// dnsmasq `dnsmasq.leases`.
    DnsmasqLeases,
    /// `ip neigh` (iproute2).
    IpNeigh,
    /// `arp -a` (Linux net-tools or Windows).
    Arp,
}

impl NeighbourFormat {
    /// The format the text looks like, if any of these.
    pub fn sniff(text: &str) -> Option<NeighbourFormat> {
        let lines = || {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .take(20)
        };
        if lines().any(|l| l.starts_with("lease ") && l.ends_with('{')) {
            return Some(NeighbourFormat::DhcpdLeases);
        }
        if lines()
            .any(|l| l.contains(" lladdr ") || l.ends_with(" FAILED") || l.ends_with(" INCOMPLETE"))
        {
            return Some(NeighbourFormat::IpNeigh);
        }
        if lines().any(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.len() >= 4 && f[0].bytes().all(|b| b.is_ascii_digit()) && is_mac(f[1])
        }) {
            return Some(NeighbourFormat::DnsmasqLeases);
        }
        if lines().any(|l| {
            (l.contains(" at ")
                && l.starts_with(|c: char| c == '?' || c.is_ascii_alphanumeric())
                && l.contains('('))
                || l.starts_with("Interface:")
        }) {
            return Some(NeighbourFormat::Arp);
        }
        None
    }
}

/// Six hexadecimal pairs separated by `:` or `-`.
fn is_mac(s: &str) -> bool {
    let parts: Vec<&str> = s.split([':', '-']).collect();
    parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Reads `text` in `format`; `file` names it in problems.
pub fn read_neighbours(text: &str, file: &str, format: NeighbourFormat) -> Vec<Item> {
    let mut devices: Vec<Device> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut problems: Vec<Problem> = Vec::new();
    let mut problem = |line: usize, message: String| {
        problems.push(Problem {
            file: file.to_owned(),
            line: line as u64,
            field: None,
            message,
            skipped: true,
        })
    };
    let mut add = |line: usize, mac: &str, values: Vec<(Field, String)>| {
        let mac = mac.to_ascii_lowercase().replace('-', ":");
        // Multicast and broadcast entries (ff:ff:ff:ff:ff:ff, 01:00:5e:…)
        // are not devices.
        if u8::from_str_radix(&mac[..2], 16).is_ok_and(|b| b & 1 == 1) {
            return;
        }
        let mut device = Device {
            id: mac.clone(),
            line: line as u64,
            values: vec![(Field::Mac, mac.clone())],
        };
        device.values.extend(values);
        match index.get(&mac) {
            Some(&i) => devices[i] = device,
            None => {
                index.insert(mac, devices.len());
                devices.push(device);
            }
        }
    };
    match format {
        NeighbourFormat::DhcpdLeases => {
            let mut block: Option<Lease> = None;
            for (i, raw) in text.lines().enumerate() {
                let n = i + 1;
                let line = raw.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                if let Some(rest) = line.strip_prefix("lease ") {
                    let ip = rest.trim_end_matches('{').trim().to_owned();
                    block = Some(Lease {
                        line: n,
                        ip,
                        values: Vec::new(),
                        mac: None,
                    });
                    continue;
                }
                if line == "}" {
                    match block.take().map(|l| (l.line, l.ip, l.values, l.mac)) {
                        Some((start, ip, mut values, Some(mac))) => {
                            values.insert(0, (Field::Ip, ip));
                            add(start, &mac, values);
                        }
                        Some((start, ip, _, None)) => {
                            problem(start, format!("lease {ip} has no hardware address"))
                        }
                        None => problem(n, "a closing brace outside a lease".into()),
                    }
                    continue;
                }
                let Some(Lease { values, mac, .. }) = block.as_mut() else {
                    // Statements outside leases (server-duid, authoring-byte-order).
                    continue;
                };
                let statement = line.trim_end_matches(';');
                if let Some(hw) = statement.strip_prefix("hardware ethernet ") {
                    if is_mac(hw.trim()) {
                        *mac = Some(hw.trim().to_owned());
                    } else {
                        problem(
                            n,
                            format!("hardware ethernet {hw:?}: expected a MAC address"),
                        );
                    }
                } else if let Some(name) = statement.strip_prefix("client-hostname ") {
                    values.push((Field::DhcpHostname, unquote(name)));
                } else if let Some(class) = statement
                    .strip_prefix("set vendor-class-identifier = ")
                    .or_else(|| statement.strip_prefix("option vendor-class-identifier "))
                {
                    values.push((Field::DhcpVendorClass, unquote(class)));
                }
            }
            if let Some(Lease {
                line: start, ip, ..
            }) = block
            {
                problem(
                    start,
                    format!("lease {ip} is not closed (the file is cut short)"),
                );
            }
        }
        NeighbourFormat::DnsmasqLeases => {
            for (i, line) in text.lines().enumerate() {
                let f: Vec<&str> = line.split_whitespace().collect();
                if f.is_empty() || line.trim_start().starts_with('#') {
                    continue;
                }
                // "duid ..." lines describe the server (DHCPv6).
                if f[0] == "duid" {
                    continue;
                }
                if f.len() < 4 || !is_mac(f[1]) {
                    problem(
                        i + 1,
                        "expected \"EXPIRY MAC IP HOSTNAME [CLIENT-ID]\" (a dnsmasq lease)".into(),
                    );
                    continue;
                }
                let mut values = vec![(Field::Ip, f[2].to_owned())];
                if f[3] != "*" {
                    values.push((Field::DhcpHostname, f[3].to_owned()));
                }
                add(i + 1, f[1], values);
            }
        }
        NeighbourFormat::IpNeigh => {
            for (i, line) in text.lines().enumerate() {
                let f: Vec<&str> = line.split_whitespace().collect();
                if f.is_empty() {
                    continue;
                }
                match f.iter().position(|w| *w == "lladdr") {
                    Some(at) if f.get(at + 1).is_some_and(|m| is_mac(m)) => {
                        add(i + 1, f[at + 1], vec![(Field::Ip, f[0].to_owned())])
                    }
                    Some(_) => problem(i + 1, "lladdr without a MAC address after it".into()),
                    // FAILED, INCOMPLETE: no MAC to read.
                    None => {}
                }
            }
        }
        NeighbourFormat::Arp => {
            for (i, line) in text.lines().enumerate() {
                let f: Vec<&str> = line.split_whitespace().collect();
                if f.is_empty() || line.starts_with("Interface:") || f[0] == "Internet" {
                    continue;
                }
                // Linux: "? (192.0.2.10) at 44:19:b6:2a:10:07 [ether] on eth0".
                if let Some(at) = f.iter().position(|w| *w == "at") {
                    let ip = f
                        .get(at.wrapping_sub(1))
                        .map(|s| s.trim_matches(|c| c == '(' || c == ')'))
                        .unwrap_or_default();
                    match f.get(at + 1) {
                        Some(m) if is_mac(m) => add(i + 1, m, vec![(Field::Ip, ip.to_owned())]),
                        Some(m) if m.starts_with('<') => {} // <incomplete>
                        _ => problem(i + 1, "expected a MAC address after \"at\"".into()),
                    }
                    continue;
                }
                // Windows: "  192.0.2.10    44-19-b6-2a-10-07     dynamic".
                if f.len() >= 2 && is_mac(f[1]) {
                    add(i + 1, f[1], vec![(Field::Ip, f[0].to_owned())]);
                } else {
                    problem(
                        i + 1,
                        "expected \"IP MAC type\" or \"? (IP) at MAC\" (arp -a)".into(),
                    );
                }
            }
        }
    }
    let mut items: Vec<(u64, Item)> = devices
        .into_iter()
        .map(|d| (d.line, Item::Device(d, Vec::new())))
        .chain(problems.into_iter().map(|p| (p.line, Item::Skipped(p))))
        .collect();
    items.sort_by_key(|(line, _)| *line);
    items.into_iter().map(|(_, item)| item).collect()
}

/// A dhcpd lease being read.
struct Lease {
    line: usize,
    ip: String,
    values: Vec<(Field, String)>,
    mac: Option<String>,
}

/// A dhcpd string value without its quotes.
fn unquote(s: &str) -> String {
    s.trim().trim_matches('"').to_owned()
}
