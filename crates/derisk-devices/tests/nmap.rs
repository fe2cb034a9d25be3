//! nmap XML: hosts with their addresses and script output become devices;
//! a scan cut short keeps the hosts it finished.

mod common;

use derisk_devices::{Field, Item, NmapDevices};

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
        "tests/fixtures/scan-cut.xml: malformed XML at byte 3015: syntax error: attribute value not closed: `\"` not found before end of input; the host being read is left out, the hosts before it are kept"
    );
}

fn fields(d: &derisk_devices::Device) -> Vec<String> {
    d.values
        .iter()
        .map(|(f, v)| format!("{}={v}", f.as_str()))
        .collect()
}

/// The devices of a scan and every problem, as the CLI prints them.
fn read(file: &str) -> (Vec<derisk_devices::Device>, Vec<String>) {
    let bytes = std::fs::read(file).unwrap();
    let mut r = NmapDevices::new(bytes.as_slice(), file);
    let (mut devices, mut problems) = (Vec::new(), Vec::new());
    while let Some(item) = r.next_item() {
        match item {
            Item::Device(d, p) => {
                devices.push(d);
                problems.extend(p.into_iter().map(|p| p.to_string()));
            }
            Item::Skipped(p) => problems.push(p.to_string()),
        }
    }
    (devices, problems)
}

/// An `nmap -sV` scan (answers shaped on the match lines of nmap's
/// nmap-service-probes, as the fixture's comment says): nmap's names, CPEs and
/// the raw answers of services it could not name become fields.
#[test]
fn service_detection_and_raw_answers_become_fields() {
    let (devices, problems) = read("tests/fixtures/scan-sv.xml");
    let got: Vec<Vec<String>> = devices.iter().map(fields).collect();
    let want: Vec<Vec<&str>> = vec![
        vec![
            "ip=192.0.2.21",
            "nmap_product=Hikvision IP camera httpd",
            "nmap_devicetype=webcam",
        ],
        // Unnamed: the Server header from servicefp and fingerprint-strings, once.
        vec!["ip=192.0.2.22", "http_server=DNVRS-Webs"],
        vec![
            "ip=192.0.2.23",
            "http_title=WEB SERVICE",
            "nmap_product=Dahua IP camera rtspd",
            "nmap_devicetype=webcam",
        ],
        vec![
            "ip=192.0.2.24",
            "nmap_product=Huawei VRP sshd",
            "nmap_extrainfo=protocol 2.0",
            "nmap_devicetype=router",
            "cpe=cpe:/o:huawei:vrp:5.170",
            "sip_user_agent=Huawei eSpace IAD132E(T) V300R001C07",
        ],
        vec![
            "ip=192.0.2.25",
            "nmap_product=ZTE F660 router telnetd",
            "nmap_devicetype=router",
            "cpe=cpe:/h:zte:f660",
        ],
        vec![
            "ip=192.0.2.26",
            "nmap_product=Cisco SSH",
            "nmap_version=1.25",
            "nmap_extrainfo=protocol 2.0",
            "cpe=cpe:/a:cisco:ssh:1.25",
            "cpe=cpe:/o:cisco:ios",
        ],
        vec![
            "ip=192.0.2.27",
            "nmap_product=Axis P3265-LVE Network Camera ftpd",
            "nmap_version=10.12.165",
            "nmap_devicetype=webcam",
            "cpe=cpe:/h:axis:p3265-lve_network_camera",
        ],
        // A broken escape: what came before it is read.
        vec!["ip=192.0.2.28", "http_server=Webs"],
    ];
    assert_eq!(got, want);
    assert_eq!(
        problems,
        [
            "tests/fixtures/scan-sv.xml: host 8 (192.0.2.28), port 8081: servicefp: the answer to probe GetRequest breaks at character 47 of the answer (expected \\xHH, \\r, \\n, \\0 or \\ before a character, and a closing quote); the answer is read up to there, the host kept"
        ]
    );
}

/// nmap's service names count as their own evidence; other makers' CPEs
/// name a vendor but no registry entity.
#[test]
fn nmap_names_the_maker_with_its_own_basis() {
    let (devices, _) = read("tests/fixtures/scan-sv.xml");
    common::with_identifier(|id| {
        let got: Vec<String> = devices
            .iter()
            .map(|d| {
                let v = id.identify(d);
                format!(
                    "{} {} {} {:.2} [{}]",
                    d.id,
                    v.maker.map_or("-", |m| m.id.as_str()),
                    v.vendor.as_deref().unwrap_or("-"),
                    v.confidence,
                    v.basis.join(", ")
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                "192.0.2.21 hikvision - 0.92 [nmap-service]",
                "192.0.2.22 hikvision - 0.90 [fingerprint]",
                "192.0.2.23 dahua - 0.92 [nmap-service]",
                "192.0.2.24 huawei - 0.97 [nmap-service, banner-name]",
                "192.0.2.25 zte - 0.92 [nmap-service]",
                "192.0.2.26 - cisco 0.00 []",
                "192.0.2.27 - axis 0.00 []",
                "192.0.2.28 - - 0.00 []",
            ]
        );
        let hik = id.identify(&devices[0]);
        assert_eq!(
            hik.evidence[0].statement,
            "nmap's service detection named the product \"Hikvision IP camera httpd\", that is Hangzhou Hikvision Digital Technology Co., Ltd."
        );
    });
}
