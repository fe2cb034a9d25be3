//! CycloneDX HBOMs: device components at any depth become devices.

use derisk_devices::{Field, Item, read_cyclonedx};

#[test]
fn device_components_become_devices() {
    let text = std::fs::read_to_string("tests/fixtures/site-hbom.cdx.json").unwrap();
    let items = read_cyclonedx(&text, "site-hbom.cdx.json");
    let got: Vec<String> = items
        .iter()
        .map(|i| match i {
            Item::Device(d, _) => format!(
                "{}: {}",
                d.id,
                d.values
                    .iter()
                    .map(|(f, v)| format!("{}={v}", f.as_str()))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            Item::Skipped(p) => p.to_string(),
        })
        .collect();
    assert_eq!(
        got,
        [
            "site-north-cabinet: declared_vendor=Example Integrator Ltd declared_model=Depot North security cabinet",
            "nvr-north-01: declared_vendor=Annke declared_model=N46PCK mac=C0:56:E3:00:10:01 serial=N46PCK2022AAWR0001 firmware=V4.30.085 build 210520",
            "cam-north-01: declared_vendor=Hangzhou Hikvision Digital Technology Co., Ltd. declared_model=DS-2CD2143G2-I mac=44:19:B6:2A:10:07",
            "C2960X-48FPD-L #4: declared_vendor=Cisco Systems declared_model=C2960X-48FPD-L firmware=15.2(7)E8",
            "sfp-1: declared_vendor=Cisco Systems declared_model=GLC-LH-SMD",
            "site-hbom.cdx.json: device component \"mystery\" has no manufacturer, supplier, name or device properties; left out",
        ]
    );
    if let Item::Device(d, _) = &items[1] {
        assert_eq!(d.get(Field::Mac), Some("C0:56:E3:00:10:01"));
    }
}

#[test]
fn not_json_or_not_cyclonedx_is_one_problem() {
    let items = read_cyclonedx("{\"bomFormat\": \"SPDX\"}", "x.json");
    assert!(
        matches!(&items[..], [Item::Skipped(p)] if p.message == "not a CycloneDX BOM (expected \"bomFormat\": \"CycloneDX\")")
    );
    let items = read_cyclonedx("{\"bomFormat\": \"CycloneDX\", \"components\": [", "x.json");
    let [Item::Skipped(p)] = &items[..] else {
        panic!("{items:?}")
    };
    assert_eq!(
        p.message,
        "not valid JSON at line 1, column 42: EOF while parsing a list"
    );
}
