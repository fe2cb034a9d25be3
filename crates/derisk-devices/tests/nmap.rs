//! nmap XML: hosts with their addresses and script output become devices;
//! a scan cut short keeps the hosts it finished.

use derisk_devices::{Field, Item, NmapDevices};

fn read(file: &str) -> (Vec<derisk_devices::Device>, Vec<String>) {
    let bytes = std::fs::read(file).unwrap();
    let mut r = NmapDevices::new(bytes.as_slice(), file);
    let (mut devices, mut problems) = (Vec::new(), Vec::new());
    while let Some(item) = r.next_item() {
        match item {
            Item::Device(d, _) => devices.push(d),
            Item::Skipped(p) => problems.push(p.message),
        }
    }
    (devices, problems)
}

#[test]
fn hosts_and_their_script_output_become_devices() {
    let (devices, problems) = read("tests/fixtures/scan.xml");
    assert!(problems.is_empty(), "{problems:?}");
    let ids: Vec<&str> = devices.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["192.0.2.5", "192.0.2.6", "192.0.2.9", "192.0.2.12"]);
    let nvr = &devices[0];
    assert_eq!(nvr.get(Field::Mac), Some("C0:56:E3:00:10:01"));
    assert_eq!(nvr.get(Field::Hostname), Some("nvr-depot.example.org"));
    assert_eq!(nvr.get(Field::HttpServer), Some("DNVRS-Webs"));
    assert_eq!(
        nvr.get(Field::HttpTitle),
        None,
        "nmap's 'no title' is not a title"
    );
    assert_eq!(
        nvr.get(Field::TlsSubject),
        Some("CN=www.hikvision.com,O=HIKVISION,ST=ZheJiang,C=CN")
    );
    assert_eq!(devices[1].get(Field::HttpTitle), Some("WEB SERVICE"));
    let sw = &devices[2];
    assert_eq!(sw.get(Field::SshBanner), Some("SSH-2.0-HUAWEI-1.5"));
    let sysdescr = sw.get(Field::SnmpSysdescr).unwrap();
    assert!(sysdescr.starts_with("Huawei Versatile Routing Platform Software"));
    assert!(sysdescr.contains("VRP (R) software, Version 5.170 (S5720 V200R019C10SPC500)"));
    assert!(!sysdescr.contains("System uptime"));
    assert_eq!(
        devices[3].get(Field::FtpBanner),
        Some("220 AXIS P3265-LVE Dome Camera 10.12.165 (2022) ready.")
    );
}

#[test]
fn a_scan_cut_short_keeps_the_finished_hosts() {
    let (devices, problems) = read("tests/fixtures/scan-cut.xml");
    assert_eq!(
        devices.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        ["192.0.2.5", "192.0.2.6"]
    );
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        problems[0],
        "malformed XML at byte 3015: syntax error: attribute value not closed: `\"` not found before end of input; the host being read is left out, the hosts before it are kept"
    );
}
