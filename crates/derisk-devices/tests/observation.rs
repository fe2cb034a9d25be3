//! Reading the device observation format: the fixture holds devices as
//! inventories and scans describe them, and one of each kind of bad line.

use derisk_devices::{Field, Item, JsonlDevices};

const FIXTURE: &str = "tests/fixtures/observations.jsonl";

fn read(bytes: &[u8]) -> (Vec<derisk_devices::Device>, Vec<String>) {
    let mut reader = JsonlDevices::new(bytes, FIXTURE);
    let (mut devices, mut problems) = (Vec::new(), Vec::new());
    while let Some(item) = reader.next_item().unwrap() {
        match item {
            Item::Device(d, warnings) => {
                problems.extend(warnings.iter().map(|w| w.to_string()));
                devices.push(d);
            }
            Item::Skipped(p) => problems.push(p.to_string()),
        }
    }
    (devices, problems)
}

#[test]
fn devices_are_read_and_every_bad_line_or_field_is_named() {
    let (devices, problems) = read(&std::fs::read(FIXTURE).unwrap());
    let ids: Vec<(&str, u64)> = devices.iter().map(|d| (d.id.as_str(), d.line)).collect();
    assert_eq!(
        ids,
        [
            ("cam-001", 1),
            ("cam-002", 2),
            ("cam-003", 3),
            ("rtr-004", 4),
            ("sw-005", 5),
            ("6", 6),
            ("cam-009", 10),
            ("cam-012", 13)
        ]
    );
    assert_eq!(
        problems,
        [
            "tests/fixtures/observations.jsonl:7: not valid JSON at column 40: EOF while parsing a string; expected one JSON object; line skipped",
            "tests/fixtures/observations.jsonl:9: id: missing; every device needs an id; line skipped",
            "tests/fixtures/observations.jsonl:10: http_sever: unknown field (did you mean `http_server`?); field left out",
            "tests/fixtures/observations.jsonl:10: onvif: expected an object with manufacturer, model, firmware, serial, hardware_id; found text; field left out",
            "tests/fixtures/observations.jsonl:10: onvif.model: ONVIF fields go inside the `onvif` object: {\"onvif\": {\"model\": ...}}; field left out",
            "tests/fixtures/observations.jsonl:10: firmware: expected text, found a list; field left out",
            "tests/fixtures/observations.jsonl:10: notes: unknown field; the known fields are listed in docs/formats/device-observation.md; field left out",
            "tests/fixtures/observations.jsonl:11: expected a JSON object, found a list; line skipped",
            "tests/fixtures/observations.jsonl:12: not UTF-8 text at byte 37 of the line (binary data?); expected one JSON object; line skipped",
        ]
    );

    let cam = &devices[0];
    assert_eq!(cam.get(Field::Mac), Some("44:19:B6:2A:10:07"));
    assert_eq!(cam.get(Field::OnvifManufacturer), Some("HIKVISION"));
    assert_eq!(cam.get(Field::OnvifHardwareId), Some("88"));
    assert!(
        cam.get(Field::IsapiDeviceInfo)
            .unwrap()
            .contains("xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"")
    );
    assert!(
        devices[1]
            .get(Field::DahuaSystemInfo)
            .unwrap()
            .ends_with("updateSerial=IPC-HDW3849H-AS-PV")
    );
    // Scopes: one string split at spaces, or a list.
    assert_eq!(devices[2].all(Field::WsDiscoveryScopes).count(), 3);
    assert_eq!(
        devices[5].all(Field::WsDiscoveryScopes).collect::<Vec<_>>(),
        [
            "onvif://www.onvif.org/hardware/IPC-B140H",
            "onvif://www.onvif.org/name/HiLook%20IPC-B140H"
        ]
    );
    // A number where text is expected is taken as its text.
    assert_eq!(devices[5].get(Field::Serial), Some("20231187"));
    // The bad fields of cam-009 are left out, nothing else is there.
    assert!(devices[6].values.is_empty());
    assert!(
        devices[4]
            .get(Field::SnmpSysdescr)
            .unwrap()
            .contains("VRP (R) software")
    );
}

#[test]
fn a_huge_banner_and_a_bom_and_crlf_are_read() {
    let banner = "A".repeat(1 << 20);
    let input = format!(
        "\u{feff}{{\"id\":\"big\",\"http_title\":\"{banner}\"}}\r\n\r\n{{\"id\":\"next\",\"ip\":\"192.0.2.99\"}}"
    );
    let (devices, problems) = read(input.as_bytes());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(devices.len(), 2);
    assert_eq!(
        devices[0].get(Field::HttpTitle).map(str::len),
        Some(1 << 20)
    );
    assert_eq!((devices[1].id.as_str(), devices[1].line), ("next", 3));
}
