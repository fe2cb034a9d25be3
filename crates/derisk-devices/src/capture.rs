//! Packet captures (pcap and pcapng, Ethernet): the devices that speak in
//! them, by their MAC address, with what they said.
//!
//! Read per packet, without TCP reassembly (only what one segment holds):
//!
//! - ARP: the sender's MAC and IPv4 address;
//! - DHCP requests (UDP to port 67): the client's hardware address, option
//!   12 (`dhcp_hostname`) and option 60 (`dhcp_vendor_class`);
//! - HTTP responses (a TCP segment from port 80, 8000 or 8080 that starts
//!   with `HTTP/1.`): `Server`, `WWW-Authenticate` and an HTML `<title>` if
//!   the segment holds it;
//! - RTSP responses (from TCP port 554): `Server`;
//! - Hikvision SADP replies (UDP from port 37020): the XML (`sadp`);
//! - Dahua DHIP replies (UDP from port 37810): the JSON after the 32-byte
//!   header (`dhip`);
//! - WS-Discovery ProbeMatches (UDP from port 3702): the scopes;
//! - SSDP (UDP port 1900): the `SERVER` header of a device's `NOTIFY`
//!   announcement or of its answer to a search (`ssdp_server`); searches
//!   are not devices' answers and are left out;
//! - mDNS responses (UDP port 5353, parsed with `simple-dns`): the host
//!   name of an A or AAAA record whose address is the sender's own
//!   (`hostname`, without `.local`), the service instances it announces
//!   (PTR targets and SRV names, `mdns_services`) and the strings of its
//!   TXT records (`mdns_txt`). Records about other hosts, as a sleep
//!   proxy sends them, are not the sender's and are left out.
//!
//! The device is the packet's Ethernet source (the client hardware address
//! for DHCP), its IP the packet's IPv4 source. A capture cut short keeps
//! every packet before the cut; the problem says at which packet.

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use pcap_parser::{Linktype, PcapBlockOwned, PcapError};

use crate::observation::{Device, Field, Item, Problem};

/// Devices by MAC, in the order first seen.
#[derive(Default)]
struct Seen {
    devices: Vec<Device>,
    index: std::collections::HashMap<[u8; 6], usize>,
}

impl Seen {
    fn add(
        &mut self,
        mac: [u8; 6],
        packet: u64,
        ip: Option<String>,
        field: Option<(Field, String)>,
    ) {
        if mac[0] & 1 == 1 || mac == [0; 6] {
            return;
        }
        let i = match self.index.get(&mac) {
            Some(&i) => i,
            None => {
                let id = mac
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<Vec<_>>()
                    .join(":");
                self.devices.push(Device {
                    id: id.clone(),
                    line: packet,
                    values: vec![(Field::Mac, id)],
                });
                self.index.insert(mac, self.devices.len() - 1);
                self.devices.len() - 1
            }
        };
        let d = &mut self.devices[i];
        if let Some(ip) = ip
            && d.get(Field::Ip).is_none()
        {
            d.values.push((Field::Ip, ip));
        }
        if let Some((f, v)) = field
            && !d.values.iter().any(|(g, w)| *g == f && *w == v)
        {
            d.values.push((f, v));
        }
    }
}

/// Whether `head`, a file's first bytes, starts like a pcap (either byte
/// order, microsecond or nanosecond timestamps) or pcapng capture.
pub fn is_capture(head: &[u8]) -> bool {
    const MAGIC: [[u8; 4]; 5] = [
        [0xd4, 0xc3, 0xb2, 0xa1],
        [0xa1, 0xb2, 0xc3, 0xd4],
        [0x4d, 0x3c, 0xb2, 0xa1],
        [0xa1, 0xb2, 0x3c, 0x4d],
        [0x0a, 0x0d, 0x0d, 0x0a],
    ];
    MAGIC.iter().any(|m| head.starts_with(m))
}

/// Reads a capture; `file` names it in problems.
pub fn read_capture(reader: impl Read + Send, file: &str) -> Vec<Item> {
    let problem = |message: String| {
        Item::Skipped(Problem {
            file: file.to_owned(),
            line: 0,
            field: None,
            message,
            skipped: true,
        })
    };
    let mut reader = match pcap_parser::create_reader(1 << 20, reader) {
        Ok(r) => r,
        Err(e) => return vec![problem(format!("not a pcap or pcapng capture ({e:?})"))],
    };
    let mut seen = Seen::default();
    let mut packets = 0u64;
    let mut linktypes: Vec<Linktype> = Vec::new();
    let mut legacy = Linktype::ETHERNET;
    let mut problems = Vec::new();
    loop {
        match reader.next() {
            Ok((offset, block)) => {
                let data = match block {
                    PcapBlockOwned::LegacyHeader(h) => {
                        legacy = h.network;
                        None
                    }
                    PcapBlockOwned::Legacy(b) => Some((legacy, b.data)),
                    PcapBlockOwned::NG(pcap_parser::Block::InterfaceDescription(idb)) => {
                        linktypes.push(idb.linktype);
                        None
                    }
                    PcapBlockOwned::NG(pcap_parser::Block::EnhancedPacket(epb)) => linktypes
                        .get(epb.if_id as usize)
                        .map(|&l| (l, &epb.data[..(epb.caplen as usize).min(epb.data.len())])),
                    PcapBlockOwned::NG(pcap_parser::Block::SimplePacket(spb)) => {
                        linktypes.first().map(|&l| (l, spb.data))
                    }
                    PcapBlockOwned::NG(_) => None,
                };
                if let Some((linktype, data)) = data {
                    packets += 1;
                    if linktype == Linktype::ETHERNET {
                        packet(data, packets, &mut seen);
                    }
                }
                reader.consume(offset);
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::Incomplete(_)) => {
                if reader.refill().is_err() {
                    problems.push(problem(format!(
                        "the capture is cut short after packet {packets}; the packets before it are kept"
                    )));
                    break;
                }
            }
            Err(PcapError::UnexpectedEof) => {
                problems.push(problem(format!(
                    "the capture is cut short after packet {packets}; the packets before it are kept"
                )));
                break;
            }
            Err(e) => {
                problems.push(problem(format!(
                    "unreadable block after packet {packets} ({e:?}); the packets before it are kept"
                )));
                break;
            }
        }
    }
    let mut items: Vec<Item> = seen
        .devices
        .into_iter()
        .map(|d| Item::Device(d, Vec::new()))
        .collect();
    items.extend(problems);
    items
}

/// One Ethernet frame.
fn packet(data: &[u8], n: u64, seen: &mut Seen) {
    if data.len() >= 42 && data[12..14] == [0x08, 0x06] {
        // ARP over Ethernet and IPv4: sender hardware and protocol address.
        let arp = &data[14..];
        if arp[0..2] == [0, 1] && arp[2..4] == [8, 0] && arp[4] == 6 && arp[5] == 4 {
            let mac: [u8; 6] = arp[8..14].try_into().expect("6 bytes");
            let ip = format!("{}.{}.{}.{}", arp[14], arp[15], arp[16], arp[17]);
            seen.add(mac, n, Some(ip), None);
        }
        return;
    }
    let Ok(p) = SlicedPacket::from_ethernet(data) else {
        return;
    };
    let Some(etherparse::LinkSlice::Ethernet2(eth)) = &p.link else {
        return;
    };
    let src = eth.source();
    let ip = match &p.net {
        Some(NetSlice::Ipv4(v4)) => Some(v4.header().source_addr().to_string()),
        _ => None,
    };
    match &p.transport {
        Some(TransportSlice::Udp(udp)) => {
            let payload = udp.payload();
            match (udp.source_port(), udp.destination_port()) {
                (_, 67) => dhcp(payload, n, seen),
                (37020, _) => {
                    if let Ok(text) = std::str::from_utf8(payload)
                        && text.contains("<ProbeMatch>")
                    {
                        seen.add(src, n, ip, Some((Field::Sadp, text.trim().to_owned())));
                    }
                }
                (37810, _) if payload.len() > 32 && &payload[4..8] == b"DHIP" => {
                    if let Ok(text) = std::str::from_utf8(&payload[32..]) {
                        seen.add(src, n, ip, Some((Field::Dhip, text.trim().to_owned())));
                    }
                }
                (3702, _) => {
                    let text = String::from_utf8_lossy(payload);
                    for scope in scopes(&text) {
                        seen.add(src, n, ip.clone(), Some((Field::WsDiscoveryScopes, scope)));
                    }
                }
                (1900, _) | (_, 1900) => {
                    if let Some(server) = ssdp_server(payload) {
                        seen.add(src, n, ip, Some((Field::SsdpServer, server)));
                    }
                }
                (5353, _) | (_, 5353) => {
                    let own = match &p.net {
                        Some(NetSlice::Ipv4(v4)) => Some(IpAddr::V4(v4.header().source_addr())),
                        Some(NetSlice::Ipv6(v6)) => Some(IpAddr::V6(v6.header().source_addr())),
                        _ => None,
                    };
                    for value in mdns(payload, own) {
                        seen.add(src, n, ip.clone(), Some(value));
                    }
                }
                _ => {}
            }
        }
        Some(TransportSlice::Tcp(tcp)) => {
            let payload = tcp.payload();
            let port = tcp.source_port();
            let rtsp = port == 554 && payload.starts_with(b"RTSP/1.0 ");
            let http = matches!(port, 80 | 8000 | 8080) && payload.starts_with(b"HTTP/1.");
            if !(rtsp || http) {
                return;
            }
            let text = String::from_utf8_lossy(payload);
            let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
            for line in head.lines().skip(1) {
                let Some((name, value)) = line.split_once(':') else {
                    continue;
                };
                let field = match (name.trim().to_ascii_lowercase().as_str(), rtsp) {
                    ("server", true) => Field::RtspServer,
                    ("server", false) => Field::HttpServer,
                    ("www-authenticate", false) => Field::HttpWwwAuthenticate,
                    _ => continue,
                };
                seen.add(src, n, ip.clone(), Some((field, value.trim().to_owned())));
            }
            let lower = body.to_ascii_lowercase();
            if let (Some(a), Some(b)) = (lower.find("<title>"), lower.find("</title>"))
                && a + 7 <= b
            {
                let title = body[a + 7..b].trim();
                if !title.is_empty() {
                    seen.add(src, n, ip, Some((Field::HttpTitle, title.to_owned())));
                }
            }
        }
        _ => {}
    }
}

/// A DHCP message from a client: hardware address and options 12 and 60.
fn dhcp(payload: &[u8], n: u64, seen: &mut Seen) {
    if payload.len() < 240 || payload[0] != 1 || payload[1] != 1 || payload[2] != 6 {
        return;
    }
    if payload[236..240] != [99, 130, 83, 99] {
        return;
    }
    let mac: [u8; 6] = payload[28..34].try_into().expect("6 bytes");
    let mut at = 240;
    let mut found = false;
    while at < payload.len() {
        let code = payload[at];
        if code == 255 {
            break;
        }
        if code == 0 {
            at += 1;
            continue;
        }
        let Some(&len) = payload.get(at + 1) else {
            break;
        };
        let Some(value) = payload.get(at + 2..at + 2 + len as usize) else {
            break;
        };
        let field = match code {
            12 => Some(Field::DhcpHostname),
            60 => Some(Field::DhcpVendorClass),
            _ => None,
        };
        if let Some(f) = field {
            let text = String::from_utf8_lossy(value)
                .trim_matches('\0')
                .trim()
                .to_owned();
            if !text.is_empty() {
                seen.add(mac, n, None, Some((f, text)));
                found = true;
            }
        }
        at += 2 + len as usize;
    }
    if !found {
        seen.add(mac, n, None, None);
    }
}

/// The `SERVER` header of an SSDP announcement (`NOTIFY`) or search
/// response (`HTTP/1.1 200`); `None` for a search or anything else.
fn ssdp_server(payload: &[u8]) -> Option<String> {
    if !(payload.starts_with(b"NOTIFY * HTTP/1.") || payload.starts_with(b"HTTP/1.1 200")) {
        return None;
    }
    let text = String::from_utf8_lossy(payload);
    let head = text.split("\r\n\r\n").next().unwrap_or_default();
    head.lines().skip(1).find_map(|line| {
        let (name, value) = line.split_once(':')?;
        let value = value.trim();
        (name.trim().eq_ignore_ascii_case("server") && !value.is_empty()).then(|| value.to_owned())
    })
}

/// What an mDNS response says about its sender, whose address is `own`.
fn mdns(payload: &[u8], own: Option<IpAddr>) -> Vec<(Field, String)> {
    use simple_dns::rdata::RData;
    // A response (QR set) with answers or additional records; anything
    // else is not worth parsing.
    let counts = |at: usize| {
        payload
            .get(at..at + 2)
            .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]))
    };
    if payload.len() < 12 || payload[2] & 0x80 == 0 || counts(6) == 0 && counts(10) == 0 {
        return Vec::new();
    }
    let Ok(packet) = simple_dns::Packet::parse(payload) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut push = |f: Field, v: String| {
        if !v.is_empty() && !out.iter().any(|(g, w)| *g == f && *w == v) {
            out.push((f, v));
        }
    };
    for rr in packet.answers.iter().chain(&packet.additional_records) {
        let name = || rr.name.to_string();
        match &rr.rdata {
            RData::A(a) if own == Some(IpAddr::V4(Ipv4Addr::from(a.address))) => {
                push(Field::Hostname, local_host(&name()));
            }
            RData::AAAA(a) if own == Some(IpAddr::V6(Ipv6Addr::from(a.address))) => {
                push(Field::Hostname, local_host(&name()));
            }
            RData::PTR(target) => {
                let name = name();
                if is_service(&name) && name != SERVICES {
                    push(Field::MdnsServices, target.0.to_string());
                }
            }
            RData::SRV(_) => {
                let name = name();
                if is_service(&name) {
                    push(Field::MdnsServices, name);
                }
            }
            RData::TXT(txt) if is_service(&name()) => {
                for (key, value) in txt.iter_raw() {
                    let key = String::from_utf8_lossy(key);
                    let item = match value {
                        Some(v) => format!("{key}={}", String::from_utf8_lossy(v)),
                        None => key.into_owned(),
                    };
                    push(Field::MdnsTxt, item);
                }
            }
            _ => {}
        }
    }
    out
}

/// The DNS-SD name that lists service types, not instances.
const SERVICES: &str = "_services._dns-sd._udp.local";

/// Whether `name` is under a DNS-SD service type (`._tcp.local` or
/// `._udp.local`).
fn is_service(name: &str) -> bool {
    let tail = |t: &str| {
        name.len() >= t.len()
            && name.as_bytes()[name.len() - t.len()..].eq_ignore_ascii_case(t.as_bytes())
    };
    tail("._tcp.local") || tail("._udp.local")
}

/// A `.local` host name without the domain.
fn local_host(name: &str) -> String {
    let trimmed = name.trim_end_matches('.');
    match trimmed
        .len()
        .checked_sub(6)
        .and_then(|i| Some((i, trimmed.get(i..)?)))
    {
        Some((i, tail)) if tail.eq_ignore_ascii_case(".local") => trimmed[..i].to_owned(),
        _ => trimmed.to_owned(),
    }
}

/// The scopes of a WS-Discovery ProbeMatch.
fn scopes(xml: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find("Scopes") {
        let after = &rest[i + 6..];
        // An opening tag: `Scopes>` or `Scopes MatchBy="...">`.
        let Some(gt) = after.find('>') else { break };
        if after[..gt].contains('<') || rest[..i].ends_with('/') {
            rest = &after[gt..];
            continue;
        }
        let content = &after[gt + 1..];
        let Some(end) = content.find('<') else { break };
        out.extend(content[..end].split_whitespace().map(str::to_owned));
        rest = &content[end..];
    }
    out
}

/// Writes a synthetic Ethernet pcap of about `target` bytes for
/// benchmarks: HTTP and RTSP responses, SADP replies, SSDP announcements,
/// mDNS responses and plain TCP segments (half the packets) from MAC
/// addresses in Hikvision, Dahua, Axis and other blocks (up to a million
/// in each). Returns the number of packets.
pub fn write_synthetic(
    out: &mut impl std::io::Write,
    target: u64,
    seed: u64,
) -> std::io::Result<u64> {
    use etherparse::PacketBuilder;
    let mut next = crate::observation::splitmix(seed);
    let header = [
        0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0,
    ];
    out.write_all(&header)?;
    let prefixes: [[u8; 3]; 4] = [
        [0x44, 0x19, 0xb6],
        [0x3c, 0xef, 0x8c],
        [0x00, 0x40, 0x8c],
        [0x00, 0x1b, 0x54],
    ];
    let filler = vec![b'x'; 900];
    let ssdp: &[u8] = b"NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\nLOCATION: http://10.0.0.9:49152/rootDesc.xml\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\nSERVER: Linux/3.10, UPnP/1.0, Portable SDK for UPnP devices/1.6.22\r\nUSN: uuid:00000000-0000-0000-0000-000000000000::upnp:rootdevice\r\n\r\n";
    let mdns = synthetic_mdns();
    let (mut written, mut packets) = (24u64, 0u64);
    let mut frame = Vec::with_capacity(1600);
    while written < target {
        let r = next();
        let p = prefixes[(r % 4) as usize];
        let mac = [
            p[0],
            p[1],
            p[2],
            (r >> 8) as u8 & 0x0f,
            (r >> 16) as u8,
            (r >> 24) as u8,
        ];
        let ip = [10, (r >> 32) as u8, (r >> 40) as u8 & 0x0f, (r >> 48) as u8];
        frame.clear();
        let b =
            PacketBuilder::ethernet2(mac, [0x02, 0, 0x5e, 0x10, 0, 1]).ipv4(ip, [10, 0, 0, 1], 64);
        let result = match (r >> 56) % 10 {
            0 => b.udp(37020, 37020).write(&mut frame, b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><ProbeMatch><DeviceDescription>DS-2CD2143G2-I</DeviceDescription></ProbeMatch>"),
            1 => b.tcp(554, 50000, 1, 64240).write(&mut frame, b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: Dahua Rtsp Server\r\n\r\n"),
            2 => b.tcp(80, 50000, 1, 64240).write(&mut frame, b"HTTP/1.1 200 OK\r\nServer: DNVRS-Webs\r\nContent-Length: 0\r\n\r\n"),
            3 => b.udp(1900, 1900).write(&mut frame, ssdp),
            4 => b.udp(5353, 5353).write(&mut frame, &mdns),
            _ => b.tcp(50000, 443, 1, 64240).write(&mut frame, &filler),
        };
        result.map_err(|e| std::io::Error::other(e.to_string()))?;
        let len = frame.len() as u32;
        out.write_all(&(packets as u32).to_le_bytes())?;
        out.write_all(&0u32.to_le_bytes())?;
        out.write_all(&len.to_le_bytes())?;
        out.write_all(&len.to_le_bytes())?;
        out.write_all(&frame)?;
        written += 16 + u64::from(len);
        packets += 1;
    }
    Ok(packets)
}

/// An mDNS response for the synthetic capture: a camera's service
/// instance with its TXT record.
fn synthetic_mdns() -> Vec<u8> {
    use simple_dns::rdata::{PTR, RData, TXT};
    use simple_dns::{CLASS, Name, Packet, ResourceRecord};
    let instance = "Camera 0A1B2C._http._tcp.local";
    let mut p = Packet::new_reply(0);
    p.answers.push(ResourceRecord::new(
        Name::new_unchecked("_http._tcp.local"),
        CLASS::IN,
        4500,
        RData::PTR(PTR(Name::new_unchecked(instance))),
    ));
    if let Ok(txt) = TXT::new().with_string("path=/index.html") {
        p.additional_records.push(ResourceRecord::new(
            Name::new_unchecked(instance),
            CLASS::IN,
            4500,
            RData::TXT(txt),
        ));
    }
    p.build_bytes_vec().unwrap_or_default()
}
