//! Captures: a pcap written here from packets built with etherparse, as
//! the devices of a camera network send them; then the same file cut short.

use derisk_devices::{Field, Item, read_capture};
use etherparse::PacketBuilder;

const HIK_NVR: [u8; 6] = [0xc0, 0x56, 0xe3, 0x00, 0x10, 0x01];
const HIK_CAM: [u8; 6] = [0x44, 0x19, 0xb6, 0x2a, 0x10, 0x07];
const DAHUA: [u8; 6] = [0x3c, 0xef, 0x8c, 0x41, 0x00, 0x12];
const HONEYWELL: [u8; 6] = [0xe4, 0x24, 0x6c, 0x5b, 0x00, 0x31];
const HILOOK: [u8; 6] = [0x4c, 0xbd, 0x8f, 0x10, 0x20, 0x30];
const VMS: [u8; 6] = [0x02, 0x00, 0x5e, 0x10, 0x00, 0x01];

fn udp(
    src: [u8; 6],
    src_ip: [u8; 4],
    dst_ip: [u8; 4],
    ports: (u16, u16),
    payload: &[u8],
) -> Vec<u8> {
    let mut out = Vec::new();
    PacketBuilder::ethernet2(src, [0xff; 6])
        .ipv4(src_ip, dst_ip, 64)
        .udp(ports.0, ports.1)
        .write(&mut out, payload)
        .unwrap();
    out
}

fn tcp(src: [u8; 6], src_ip: [u8; 4], sport: u16, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    PacketBuilder::ethernet2(src, VMS)
        .ipv4(src_ip, [192, 0, 2, 200], 64)
        .tcp(sport, 50123, 1000, 64240)
        .write(&mut out, payload)
        .unwrap();
    out
}

fn arp(src: [u8; 6], ip: [u8; 4]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&[0xff; 6]);
    out.extend_from_slice(&src);
    out.extend_from_slice(&[0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 2]);
    out.extend_from_slice(&src);
    out.extend_from_slice(&ip);
    out.extend_from_slice(&VMS);
    out.extend_from_slice(&[192, 0, 2, 200]);
    out
}

fn dhcp_request(mac: [u8; 6], hostname: &str, vendor: &str) -> Vec<u8> {
    let mut b = vec![0u8; 240];
    b[0] = 1;
    b[1] = 1;
    b[2] = 6;
    b[28..34].copy_from_slice(&mac);
    b[236..240].copy_from_slice(&[99, 130, 83, 99]);
    b.extend_from_slice(&[53, 1, 3]);
    b.extend_from_slice(&[12, hostname.len() as u8]);
    b.extend_from_slice(hostname.as_bytes());
    b.extend_from_slice(&[60, vendor.len() as u8]);
    b.extend_from_slice(vendor.as_bytes());
    b.push(255);
    udp(mac, [0, 0, 0, 0], [255, 255, 255, 255], (68, 67), &b)
}

fn pcap(packets: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    for (i, p) in packets.iter().enumerate() {
        out.extend_from_slice(&(1_794_820_323 + i as u32).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(p.len() as u32).to_le_bytes());
        out.extend_from_slice(&(p.len() as u32).to_le_bytes());
        out.extend_from_slice(p);
    }
    out
}

fn network() -> Vec<u8> {
    let sadp = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ProbeMatch><Uuid>0A1B2C3D-0000-0000-0000-000000000001</Uuid><Types>inquiry</Types><DeviceType>138153</DeviceType><DeviceDescription>DS-7608NI-K2</DeviceDescription><MAC>c0-56-e3-00-10-01</MAC><IPv4Address>192.0.2.5</IPv4Address></ProbeMatch>";
    let json = r#"{"method":"client.notifyDevInfo","params":{"deviceInfo":{"DeviceType":"IPC-HDW2431T-AS-S2","Vendor":"General","Version":"2.800.0000000.13.R"}}}"#;
    let mut dhip = vec![0x20, 0, 0, 0];
    dhip.extend_from_slice(b"DHIP");
    dhip.extend_from_slice(&[0; 8]);
    dhip.extend_from_slice(&(json.len() as u32).to_le_bytes());
    dhip.extend_from_slice(&[0; 4]);
    dhip.extend_from_slice(&(json.len() as u32).to_le_bytes());
    dhip.extend_from_slice(&[0; 4]);
    dhip.extend_from_slice(json.as_bytes());
    let wsd = "<?xml version=\"1.0\" encoding=\"utf-8\"?><env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\"><env:Body><d:ProbeMatches><d:ProbeMatch><d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>onvif://www.onvif.org/hardware/IPC-B140H onvif://www.onvif.org/name/HiLook</d:Scopes><d:XAddrs>http://192.0.2.41/onvif/device_service</d:XAddrs></d:ProbeMatch></d:ProbeMatches></env:Body></env:Envelope>";
    pcap(&[
        arp(HIK_NVR, [192, 0, 2, 5]),
        dhcp_request(HIK_CAM, "HIKVISION", "udhcp 1.19.4"),
        tcp(HIK_CAM, [192, 0, 2, 10], 80, b"HTTP/1.1 401 Unauthorized\r\nDate: Mon, 16 Nov 2026 09:12:04 GMT\r\nServer: DNVRS-Webs\r\nWWW-Authenticate: Digest realm=\"Hikvision\", qop=\"auth\", nonce=\"4e5749344e\"\r\nContent-Length: 0\r\n\r\n"),
        tcp(DAHUA, [192, 0, 2, 6], 554, b"RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\nWWW-Authenticate: Basic realm=\"device\"\r\nServer: Dahua Rtsp Server\r\n\r\n"),
        udp(HIK_NVR, [192, 0, 2, 5], [239, 255, 255, 250], (37020, 37020), sadp.as_bytes()),
        udp(HONEYWELL, [192, 0, 2, 31], [192, 0, 2, 200], (37810, 5050), &dhip),
        udp(HILOOK, [192, 0, 2, 41], [192, 0, 2, 200], (3702, 3702), wsd.as_bytes()),
    ])
}

fn show(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .map(|i| match i {
            Item::Device(d, _) => format!(
                "{} @{}: {}",
                d.id,
                d.line,
                d.values
                    .iter()
                    .filter(|(f, _)| !matches!(f, Field::Mac | Field::Sadp | Field::Dhip))
                    .map(|(f, v)| format!("{}={v}", f.as_str()))
                    .collect::<Vec<_>>()
                    .join(" | ")
            ),
            Item::Skipped(p) => p.to_string(),
        })
        .collect()
}

#[test]
fn a_camera_network_capture() {
    let items = read_capture(network().as_slice(), "cctv.pcap");
    assert_eq!(
        show(&items),
        [
            "c0:56:e3:00:10:01 @1: ip=192.0.2.5",
            "44:19:b6:2a:10:07 @2: dhcp_hostname=HIKVISION | dhcp_vendor_class=udhcp 1.19.4 | ip=192.0.2.10 | http_server=DNVRS-Webs | http_www_authenticate=Digest realm=\"Hikvision\", qop=\"auth\", nonce=\"4e5749344e\"",
            "3c:ef:8c:41:00:12 @4: ip=192.0.2.6 | rtsp_server=Dahua Rtsp Server",
            "e4:24:6c:5b:00:31 @6: ip=192.0.2.31",
            "4c:bd:8f:10:20:30 @7: ip=192.0.2.41 | ws_discovery_scopes=onvif://www.onvif.org/hardware/IPC-B140H | ws_discovery_scopes=onvif://www.onvif.org/name/HiLook",
        ]
    );
    let Item::Device(nvr, _) = &items[0] else {
        panic!()
    };
    assert!(
        nvr.get(Field::Sadp)
            .unwrap()
            .contains("<DeviceDescription>DS-7608NI-K2</DeviceDescription>")
    );
    let Item::Device(hw, _) = &items[3] else {
        panic!()
    };
    assert!(
        hw.get(Field::Dhip)
            .unwrap()
            .starts_with("{\"method\":\"client.notifyDevInfo\"")
    );
}

#[test]
fn a_capture_cut_short_keeps_its_packets() {
    let bytes = network();
    let cut = &bytes[..bytes.len() - 100];
    let items = read_capture(cut, "cut.pcap");
    let shown = show(&items);
    assert_eq!(shown.len(), 5, "{shown:#?}");
    assert_eq!(
        shown[4],
        "cut.pcap: the capture is cut short after packet 6; the packets before it are kept"
    );
    let items = read_capture(&b"name,mac\n"[..], "x.pcap");
    assert!(
        matches!(&items[..], [Item::Skipped(p)] if p.message.starts_with("not a pcap or pcapng capture"))
    );
}

/// An mDNS response from an Axis camera at 192.0.2.50: its video service,
/// the SRV and TXT of the instance, its own A record, and an A record for
/// another host (as a sleep proxy answers), which is not the camera's.
fn axis_mdns() -> Vec<u8> {
    use simple_dns::rdata::{A, PTR, RData, SRV, TXT};
    use simple_dns::{CLASS, Name, Packet, ResourceRecord};
    let instance = "AXIS M3045-V - ACCC8E123456._axis-video._tcp.local";
    let mut p = Packet::new_reply(0);
    p.answers.push(ResourceRecord::new(
        Name::new_unchecked("_axis-video._tcp.local"),
        CLASS::IN,
        4500,
        RData::PTR(PTR(Name::new_unchecked(instance))),
    ));
    p.additional_records.push(ResourceRecord::new(
        Name::new_unchecked(instance),
        CLASS::IN,
        120,
        RData::SRV(SRV {
            priority: 0,
            weight: 0,
            port: 80,
            target: Name::new_unchecked("axis-accc8e123456.local"),
        }),
    ));
    p.additional_records.push(ResourceRecord::new(
        Name::new_unchecked(instance),
        CLASS::IN,
        4500,
        RData::TXT(
            TXT::new()
                .with_string("macaddress=ACCC8E123456")
                .unwrap()
                .with_string("path=/index.html")
                .unwrap(),
        ),
    ));
    p.additional_records.push(ResourceRecord::new(
        Name::new_unchecked("axis-accc8e123456.local"),
        CLASS::IN,
        120,
        RData::A(A {
            address: u32::from_be_bytes([192, 0, 2, 50]),
        }),
    ));
    p.additional_records.push(ResourceRecord::new(
        Name::new_unchecked("printer-3f.local"),
        CLASS::IN,
        120,
        RData::A(A {
            address: u32::from_be_bytes([192, 0, 2, 99]),
        }),
    ));
    p.build_bytes_vec().unwrap()
}

#[test]
fn ssdp_announcements_and_mdns_responses() {
    const AXIS: [u8; 6] = [0xac, 0xcc, 0x8e, 0x12, 0x34, 0x56];
    const GATEWAY: [u8; 6] = [0x00, 0xe0, 0xfc, 0x12, 0x34, 0x56];
    let notify = "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\nLOCATION: http://192.0.2.5:49152/rootDesc.xml\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\nSERVER: Linux/3.10, UPnP/1.0, Portable SDK for UPnP devices/1.6.22\r\nUSN: uuid:2b9b1a00-0000-0000-0000-c056e3001001::upnp:rootdevice\r\n\r\n";
    let search = "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 2\r\nST: ssdp:all\r\nUSER-AGENT: derisk-test/1.0 UPnP/1.1\r\n\r\n";
    let answer = "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: upnp:rootdevice\r\nUSN: uuid:00e0fc12-3456::upnp:rootdevice\r\nEXT:\r\nSERVER: Huawei-HG8245H UPnP/1.0 MiniUPnPd/1.9\r\nLOCATION: http://192.0.2.1:37215/rootDesc.xml\r\n\r\n";
    let mut query = simple_dns::Packet::new_query(7);
    query.questions.push(simple_dns::Question::new(
        simple_dns::Name::new_unchecked("_axis-video._tcp.local"),
        simple_dns::QTYPE::TYPE(simple_dns::TYPE::PTR),
        simple_dns::QCLASS::CLASS(simple_dns::CLASS::IN),
        false,
    ));
    let capture = pcap(&[
        udp(
            HIK_NVR,
            [192, 0, 2, 5],
            [239, 255, 255, 250],
            (1900, 1900),
            notify.as_bytes(),
        ),
        udp(
            VMS,
            [192, 0, 2, 200],
            [239, 255, 255, 250],
            (50400, 1900),
            search.as_bytes(),
        ),
        udp(
            GATEWAY,
            [192, 0, 2, 1],
            [192, 0, 2, 200],
            (1900, 50400),
            answer.as_bytes(),
        ),
        udp(
            VMS,
            [192, 0, 2, 200],
            [224, 0, 0, 251],
            (5353, 5353),
            &query.build_bytes_vec().unwrap(),
        ),
        udp(
            AXIS,
            [192, 0, 2, 50],
            [224, 0, 0, 251],
            (5353, 5353),
            &axis_mdns(),
        ),
        udp(
            AXIS,
            [192, 0, 2, 50],
            [224, 0, 0, 251],
            (5353, 5353),
            b"\x00\x00\x84\x00\x00\x00\x00\x05junk",
        ),
    ]);
    assert_eq!(
        show(&read_capture(capture.as_slice(), "lan.pcap")),
        [
            "c0:56:e3:00:10:01 @1: ip=192.0.2.5 | ssdp_server=Linux/3.10, UPnP/1.0, Portable SDK for UPnP devices/1.6.22",
            "00:e0:fc:12:34:56 @3: ip=192.0.2.1 | ssdp_server=Huawei-HG8245H UPnP/1.0 MiniUPnPd/1.9",
            "ac:cc:8e:12:34:56 @5: ip=192.0.2.50 | mdns_services=AXIS M3045-V - ACCC8E123456._axis-video._tcp.local | mdns_txt=macaddress=ACCC8E123456 | mdns_txt=path=/index.html | hostname=axis-accc8e123456",
        ]
    );
}
