//! Lease files, neighbour tables and ARP caches as devices.

use derisk_devices::{Field, Item, NeighbourFormat, read_neighbours};

fn read(file: &str) -> (NeighbourFormat, Vec<String>) {
    let text = std::fs::read_to_string(format!("tests/fixtures/{file}")).unwrap();
    let format = NeighbourFormat::sniff(&text).expect("a known format");
    let out = read_neighbours(&text, file, format)
        .into_iter()
        .map(|item| match item {
            Item::Device(d, _) => format!(
                "{} @{}: {}",
                d.id,
                d.line,
                d.values
                    .iter()
                    .filter(|(f, _)| *f != Field::Mac)
                    .map(|(f, v)| format!("{}={v}", f.as_str()))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            Item::Skipped(p) => p.to_string(),
        })
        .collect();
    (format, out)
}

#[test]
fn dhcpd_leases_keep_the_last_lease_of_each_device() {
    assert_eq!(
        read("dhcpd.leases"),
        (
            NeighbourFormat::DhcpdLeases,
            vec![
                "3c:ef:8c:41:00:12 @21: ip=192.0.2.51 dhcp_hostname=IPC".to_owned(),
                "dhcpd.leases:28: lease 192.0.2.52 has no hardware address; line skipped".to_owned(),
                "dhcpd.leases:31: hardware ethernet \"00:40:8c:zz:5b:22\": expected a MAC address; line skipped".to_owned(),
                "44:19:b6:2a:10:07 @33: ip=192.0.2.50 dhcp_vendor_class=udhcp 1.19.4 dhcp_hostname=cam-depot-gate".to_owned(),
                "dhcpd.leases:41: lease 192.0.2.53 is not closed (the file is cut short); line skipped".to_owned(),
            ]
        )
    );
}

#[test]
fn dnsmasq_ip_neigh_and_windows_arp() {
    assert_eq!(
        read("dnsmasq.leases"),
        (
            NeighbourFormat::DnsmasqLeases,
            vec![
                "44:19:b6:2a:10:07 @1: ip=192.0.2.60 dhcp_hostname=cam-kiosk".to_owned(),
                "da:a1:19:55:02:7e @2: ip=192.0.2.61".to_owned(),
                "dnsmasq.leases:3: expected \"EXPIRY MAC IP HOSTNAME [CLIENT-ID]\" (a dnsmasq lease); line skipped".to_owned(),
            ]
        )
    );
    assert_eq!(
        read("ip-neigh.txt"),
        (
            NeighbourFormat::IpNeigh,
            vec![
                "c0:56:e3:00:10:01 @1: ip=192.0.2.70".to_owned(),
                "00:40:8c:e1:5b:22 @2: ip=192.0.2.71".to_owned(),
                "44:19:b6:2a:10:07 @4: ip=fe80::4619:b6ff:fe2a:1007".to_owned(),
            ]
        )
    );
    assert_eq!(
        read("arp-windows.txt"),
        (
            NeighbourFormat::Arp,
            vec![
                "00:1b:54:aa:01:02 @4: ip=192.0.2.1".to_owned(),
                "e4:24:6c:5b:00:31 @5: ip=192.0.2.80".to_owned(),
            ]
        )
    );
    let linux = "? (192.0.2.90) at 58:50:ed:1f:e3:85 [ether] on eth0\ngw.example.org (192.0.2.1) at <incomplete> on eth0\n";
    assert_eq!(NeighbourFormat::sniff(linux), Some(NeighbourFormat::Arp));
    let items = read_neighbours(linux, "arp.txt", NeighbourFormat::Arp);
    assert_eq!(items.len(), 1);
    assert!(matches!(&items[0], Item::Device(d, _) if d.get(Field::Ip) == Some("192.0.2.90")));
}
