//! Makers from MAC blocks and declared brands, on the observation fixture
//! and the shipped registry.

mod common;

use derisk_devices::{Item, JsonlDevices};

fn verdicts(input: &[u8]) -> Vec<String> {
    common::with_identifier(|id| {
        let mut reader = JsonlDevices::new(input, "devices.jsonl");
        let mut out = Vec::new();
        while let Some(item) = reader.next_item().unwrap() {
            if let Item::Device(d, _) = item {
                let v = id.identify(&d);
                out.push(format!(
                    "{} → {} {:.2} [{}]{}{}",
                    d.id,
                    v.maker.map_or("unknown", |m| m.id.as_str()),
                    v.confidence,
                    v.basis.join(", "),
                    v.evidence
                        .iter()
                        .map(|e| format!("\n    {}: {}", e.basis, e.statement))
                        .collect::<String>(),
                    if v.designations().is_empty() {
                        String::new()
                    } else {
                        format!(
                            "\n    designated: {}",
                            v.designations()
                                .iter()
                                .map(|d| format!("{}:{}", d.entity, d.list))
                                .collect::<Vec<_>>()
                                .join(" ")
                        )
                    }
                ));
            }
        }
        out
    })
}

#[test]
fn makers_of_the_fixture_devices() {
    let got = verdicts(&std::fs::read("tests/fixtures/observations.jsonl").unwrap());
    let short: Vec<String> = got
        .iter()
        .map(|v| v.lines().next().unwrap().to_owned())
        .collect();
    assert_eq!(
        short,
        [
            "cam-001 → hikvision 0.99 [fingerprint, oui, declared]",
            "cam-002 → dahua 0.99 [fingerprint, oem]",
            "cam-003 → unknown 0.00 []",
            "rtr-004 → zte 0.95 [fingerprint, banner-name]",
            "sw-005 → huawei 0.95 [fingerprint]",
            "6 → hikvision 0.95 [oui, declared]",
            "cam-009 → unknown 0.00 []",
            "cam-012 → dahua 0.95 [fingerprint, oui]",
        ]
    );
    assert!(got[0].contains("\n    oui: MA-L 4419B6 is assigned to \"Hangzhou Hikvision Digital Technology Co.,Ltd.\", that is Hangzhou Hikvision Digital Technology Co., Ltd."));
    assert!(
        got[0].contains("\n    designated: hikvision:"),
        "{}",
        got[0]
    );
    assert!(got[2].contains("declared \"AXIS\", a brand the registry does not hold"));
    // A Lorex camera (Lorex's own MAC block) answers with a Dahua model.
    assert_eq!(
        got[1].lines().collect::<Vec<_>>()[1..6],
        [
            "    fingerprint: rule dahua-update-serial: Dahua's getSystemInfo answer: updateSerial names the Dahua model, also on devices sold under other brands (Amcrest, Lorex); model IPC-HDW3849H-AS-PV",
            "    oui: MA-L 001F54 is assigned to \"Lorex Technology Inc.\", that is Lorex Technology Inc.",
            "    declared: declared \"Lorex\", that is Lorex Technology Inc.",
            "    oem: Lorex is a brand that sells devices made by Zhejiang Dahua Technology Co., Ltd.; source: Amcrest Compatible Finder: README, section OEM Support (Dahua), Current and Former, 2024-08-17 (https://github.com/DeathCamel58/amcrest-compatible-finder/blob/9b500f98db5925fa737e1d220e2ceba4ac6751c1/README.md)",
            "    oem: sold as \"Lorex\" and its MAC block is Lorex Technology Inc.'s, but what it answers shows Zhejiang Dahua Technology Co., Ltd. made it: a device relabelled for another brand",
        ]
    );
    assert!(
        got[4].contains("model S5720; firmware V200R019C10SPC500"),
        "{}",
        got[4]
    );
    // HiLook is a Hikvision brand: the block and the brand agree.
    assert!(got[5].contains("declared \"HiLook\", that is HiLook"));
}

#[test]
fn relabelled_randomised_and_bad_addresses() {
    let input =
        br#"{"id":"nvr-1","mac":"c0:56:e3:00:10:01","declared_vendor":"Annke","role":"recorder"}
{"id":"cam-2","mac":"e4:24:6c:00:00:02","declared_vendor":"Honeywell Security"}
{"id":"phone-3","mac":"da:a1:19:55:02:7e","declared_vendor":"Huawei"}
{"id":"cam-4","mac":"zz:zz","declared_vendor":"Dahua"}
{"id":"cam-5","mac":"01:00:5e:00:00:fb"}
"#;
    let got = verdicts(input);
    let first: Vec<&str> = got.iter().map(|v| v.lines().next().unwrap()).collect();
    assert_eq!(
        first,
        [
            "nvr-1 → hikvision 0.95 [oui, oem]",
            "cam-2 → dahua 0.95 [oui, oem]",
            "phone-3 → huawei 0.60 [declared]",
            "cam-4 → dahua 0.60 [declared]",
            "cam-5 → unknown 0.00 []",
        ]
    );
    assert!(got[0].starts_with(
        "nvr-1 → hikvision 0.95 [oui, oem]\n    oui: MA-L C056E3 is assigned to \"Hangzhou Hikvision Digital Technology Co.,Ltd.\", that is Hangzhou Hikvision Digital Technology Co., Ltd.\n    declared: declared \"Annke\", a brand the registry does not hold\n    oem: Annke is a brand that sold devices made by Zhejiang Dahua Technology Co., Ltd.; source: Amcrest Compatible Finder: README, section OEM Support (Dahua), Current and Former, 2024-08-17 (https://github.com/DeathCamel58/amcrest-compatible-finder/blob/9b500f98db5925fa737e1d220e2ceba4ac6751c1/README.md)\n    oem: Annke is a brand that sells devices made by Hangzhou Hikvision Digital Technology Co., Ltd.; source: Amcrest Compatible Finder: README, section OEM Support (Dahua), Current and Former, 2024-08-17 (https://github.com/DeathCamel58/amcrest-compatible-finder/blob/9b500f98db5925fa737e1d220e2ceba4ac6751c1/README.md)\n    oem: sold as \"Annke\", but its MAC block shows Hangzhou Hikvision Digital Technology Co., Ltd. made it: a device relabelled for another brand\n    designated: hikvision:us-ndaa-889 hikvision:us-entity-list"
    ));
    assert!(
        got[2].contains("locally administered (set by its owner or randomised): names no maker")
    );
    assert!(got[3].contains("not a MAC address (12 hexadecimal digits expected)"));
    assert!(got[4].contains("a multicast or broadcast address: names no device"));
}

#[test]
fn known_relabel_brands_name_their_maker_with_less_confidence() {
    let input = br#"{"id":"a","declared_vendor":"Amcrest"}
{"id":"b","declared_vendor":"Q-See","declared_model":"QT454"}
{"id":"c","declared_vendor":"Bosch Security Systems"}
{"id":"d","declared_vendor":"Lorex Technology Inc.","mac":"00:1f:54:12:34:56"}
{"id":"e","declared_vendor":"Amcrest","mac":"40:2c:76:10:00:01"}
{"id":"f","onvif":{"manufacturer":"CP PLUS"},"mac":"e4:24:6c:00:00:09"}
"#;
    let got = verdicts(input);
    let first: Vec<&str> = got.iter().map(|v| v.lines().next().unwrap()).collect();
    assert_eq!(
        first,
        [
            // Listed without restriction: the brand alone names the maker.
            "a → dahua 0.50 [oem]",
            // A former relationship.
            "b → dahua 0.40 [oem]",
            // Only some of Bosch's lines: the brand alone names no one.
            "c → unknown 0.00 []",
            // Lorex's own block says who sold it, not who made it.
            "d → dahua 0.50 [oem]",
            // The Dahua Scale Factory's block is not Dahua's.
            "e → dahua 0.50 [oem]",
            // A Dahua block and a Dahua relabel brand agree.
            "f → dahua 0.95 [oui, oem]",
        ]
    );
    assert_eq!(
        got[0].lines().nth(2).unwrap(),
        "    oem: Amcrest is a brand that sells devices made by Zhejiang Dahua Technology Co., Ltd.; source: Amcrest Compatible Finder: README, section OEM Support (Dahua), Current and Former, 2024-08-17 (https://github.com/DeathCamel58/amcrest-compatible-finder/blob/9b500f98db5925fa737e1d220e2ceba4ac6751c1/README.md)"
    );
    assert!(got[1].contains("a brand that sold devices made by Zhejiang Dahua"));
    assert!(got[2].contains("Bosch is a brand that sells devices made by Zhejiang Dahua Technology Co., Ltd. (some lines only)"));
    assert!(got[3].contains("oui: MA-L 001F54 is assigned to \"Lorex Technology Inc.\""));
    assert!(got[3].contains("designated: dahua:"));
}

#[test]
fn brands_devices_announce_for_themselves() {
    let input = br#"{"id":"u","ws_discovery_scopes":["onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/name/Uniview%20IPC2124LB onvif://www.onvif.org/hardware/IPC2124LB-SF28KM-G"]}
{"id":"t","ws_discovery_scopes":["onvif://www.onvif.org/Profile/Streaming onvif://www.onvif.org/name/TIANDY_TC-C34XS"]}
{"id":"i","mac":"10:0a:0b:0c:0d:0e","dhip":"{\"method\":\"client.notifyDevInfo\",\"params\":{\"deviceInfo\":{\"DeviceType\":\"IPC-HDW1230S\",\"Vendor\":\"Intelbras\",\"Version\":\"2.800.0000000.13.R\"}}}"}
{"id":"a","ws_discovery_scopes":["onvif://www.onvif.org/name/AXIS%20P3265-LVE"]}
"#;
    let got = verdicts(input);
    let first: Vec<&str> = got.iter().map(|v| v.lines().next().unwrap()).collect();
    assert_eq!(
        first,
        [
            "u → uniview 0.60 [declared]",
            "t → tiandy 0.60 [declared]",
            // The DHIP reply names Dahua; its Vendor is a Dahua relabel brand.
            "i → dahua 0.99 [fingerprint, oem]",
            "a → unknown 0.00 []",
        ]
    );
    assert!(got[0].contains("declared: announces itself as \"Uniview IPC2124LB\" (its WS-Discovery name scope), that is "));
    assert!(got[1].contains("announces itself as \"TIANDY TC-C34XS\""));
    assert!(got[2].contains("declared: announces the vendor \"Intelbras\" (its DHIP reply), a brand the registry does not hold"));
    assert!(got[2].contains("oem: Intelbras is a brand that sells devices made by Zhejiang Dahua"));
    assert!(
        got[2].contains("oem: sold as \"Intelbras\", but what it answers shows Zhejiang Dahua")
    );
    assert!(got[3].contains("announces itself as \"AXIS P3265-LVE\" (its WS-Discovery name scope), a brand the registry does not hold"));
}

#[test]
fn placeholders_are_not_brands() {
    let input = br#"{"id":"p1","mac":"e4:24:6c:00:00:09","declared_vendor":"Unknown"}
{"id":"p2","mac":"e4:24:6c:00:00:0a","declared_vendor":"N/A","dhip":"{\"method\":\"client.notifyDevInfo\",\"params\":{\"deviceInfo\":{\"DeviceType\":\"IPC-HFW2431S\",\"Vendor\":\"General\"}}}"}
"#;
    let got = verdicts(input);
    let first: Vec<&str> = got.iter().map(|v| v.lines().next().unwrap()).collect();
    // A Dahua block and no brand: not relabelled.
    assert_eq!(
        first,
        [
            "p1 → dahua 0.90 [oui]",
            "p2 → dahua 0.99 [fingerprint, oui]"
        ]
    );
    assert!(!got.concat().contains("sold as"));
}
