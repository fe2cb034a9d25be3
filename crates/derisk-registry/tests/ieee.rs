//! IEEE registry import: the three packagings, links from assignees to
//! entities (and look-alikes left alone), and MAC lookups.

use derisk_core::PartialDate;
use derisk_registry::{IeeeFormat, Import, MacLookup, Registry, bundled, import_ieee};

const DIR: &str = "tests/fixtures/ieee";

fn import(name: &str, registry: &Registry) -> Import {
    let file = format!("{DIR}/{name}");
    let f = std::fs::File::open(&file).unwrap();
    let today: PartialDate = "2026-11-22".parse().unwrap();
    import_ieee(f, &file, IeeeFormat::from_path(&file), today, registry).unwrap()
}

/// Blocks, then assignments, then notes and diagnostics, one a line.
fn render(imp: &Import) -> Vec<String> {
    let mut out: Vec<String> = imp
        .mac_blocks
        .iter()
        .map(|b| {
            format!(
                "block {} {} {} = {}",
                b.registry, b.prefix, b.assignee, b.entity
            )
        })
        .collect();
    out.extend(imp.assignments.iter().map(|a| {
        format!(
            "assignment {} {} {} | {}",
            a.registry, a.prefix, a.assignee, a.address
        )
    }));
    out.extend(imp.stats.notes.iter().map(|n| format!("note {n}")));
    out.extend(imp.diagnostics.iter().map(|d| d.to_string()));
    out
}

fn prefixes(imp: &Import) -> Vec<String> {
    imp.assignments
        .iter()
        .map(|a| format!("{} {} {}", a.registry, a.prefix, a.assignee))
        .collect()
}

#[test]
fn the_ieee_csv_links_registry_vendors_and_keeps_every_assignment() {
    let reg = bundled().registry;
    let imp = import("oui.csv", &reg);
    let blocks: Vec<String> = imp
        .mac_blocks
        .iter()
        .map(|b| format!("{} {} = {}", b.prefix, b.assignee, b.entity))
        .collect();
    assert_eq!(
        blocks,
        [
            "00BC99 Hangzhou Hikvision Digital Technology Co.,Ltd. = hikvision",
            "08EDED Zhejiang Dahua Technology Co., Ltd. = dahua",
            "0015EB zte corporation = zte",
            "0CA64C Hangzhou Ezviz Software Co.,Ltd. = ezviz",
            "003DE1 Huawei Device Co., Ltd. = huawei-device",
            "30DDAA ZHEJIANG DAHUA TECHNOLOGYCO.,LTD = dahua",
            "6469BC Hytera Communications Co .,ltd = hytera",
            "24B105 Prama Hikvision India Private Limited = prama-hikvision-india",
            "48EA63 Zhejiang Uniview Technologies Co., Ltd. = uniview",
        ]
    );
    assert_eq!(imp.assignments.len(), 11);
    assert_eq!(
        imp.assignments[3].address, "SCHEELEVAGEN 16 SE",
        "Axis is kept for naming, not linked"
    );
    let problems: Vec<String> = imp.diagnostics.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        problems,
        [
            "tests/fixtures/ieee/oui.csv:12:1: error: Assignment: invalid MA-L prefix \"ZZZZZZ\": expected 6 hexadecimal digits, optionally separated by ':' or '-'; row skipped"
        ]
    );
    let source = imp.source.as_ref().unwrap();
    assert!(
        source.note.as_deref().unwrap().starts_with(
            "Imported 2026-11-22 from tests/fixtures/ieee/oui.csv, 13 lines, SHA-256 "
        )
    );
}

#[test]
fn a_look_alike_assignee_is_not_linked() {
    let reg = bundled().registry;
    let imp = import("mam.csv", &reg);
    assert_eq!(
        render(&imp),
        [
            "block MA-M C09BF4B NUCTECH COMPANY LIMITED = nuctech",
            "assignment MA-M 402C761 Shanghai Dahua Scale Factory | No.1013 Wangqiao Road,Pudong New District Shanghai Shanghai 201201 CN",
            "assignment MA-M C09BF4B NUCTECH COMPANY LIMITED | 2/F Block A,Tongfang Building,Shuangqinglu,Haidian District Beijing Beijing 100084 CN",
        ]
    );
}

#[test]
fn ma_s_and_iab_files_keep_their_registry() {
    let reg = bundled().registry;
    assert_eq!(
        prefixes(&import("oui36.csv", &reg)),
        ["MA-S 001BC5000 Converging Systems Inc."]
    );
    assert_eq!(
        prefixes(&import("iab.csv", &reg)),
        ["IAB 0050C2DD6 Transas Marine Limited"]
    );
}

#[test]
fn text_listings_and_oui_data_read_like_the_csv() {
    let reg = bundled().registry;
    let csv = import("oui.csv", &reg);
    let txt = import("oui.txt", &reg);
    assert_eq!(prefixes(&txt), prefixes(&csv)[..6]);
    assert_eq!(
        txt.assignments[0].address,
        "No.555 Qianmo Road, Hangzhou Zhejiang 310052, CN"
    );
    assert_eq!(
        prefixes(&import("mam.txt", &reg)),
        prefixes(&import("mam.csv", &reg))
    );
    let json = import("oui-data.json", &reg);
    let mut all = prefixes(&csv);
    all.extend(prefixes(&import("mam.csv", &reg)));
    all.extend(prefixes(&import("oui36.csv", &reg)));
    let mut got = prefixes(&json);
    got.sort();
    all.sort();
    assert_eq!(got, all);
    assert!(json.diagnostics.is_empty());
}

#[test]
fn a_truncated_oui_data_file_keeps_the_entries_before_the_break() {
    let reg = bundled().registry;
    let imp = import("oui-data-truncated.json", &reg);
    assert_eq!(imp.assignments.len(), 11);
    let problems: Vec<String> = imp.diagnostics.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        problems,
        [
            "tests/fixtures/ieee/oui-data-truncated.json:13:2: error: the file ends inside this entry (truncated?); entry skipped, the entries before it were read"
        ]
    );
}

#[test]
fn lookups_take_the_longest_prefix_and_refuse_local_addresses() {
    let mut reg = bundled().registry;
    for f in ["oui-data.json", "iab.csv"] {
        let imp = import(f, &reg);
        let problems;
        (reg, problems) = reg.with_import(imp);
        assert!(problems.is_empty(), "{problems:?}");
    }
    let say = |mac: &str| match reg.mac_lookup(mac) {
        MacLookup::Entity(b, e) => format!("{} {} {}", b.registry, b.prefix, e.id),
        MacLookup::Assigned(a) => format!("{} {} {:?}", a.registry, a.prefix, a.assignee),
        other => format!("{other:?}"),
    };
    assert_eq!(say("00:bc:99:12:34:56"), "MA-L 00BC99 hikvision");
    assert_eq!(say("C0-9B-F4-B1-22-33"), "MA-M C09BF4B nuctech");
    assert_eq!(
        say("40:2C:76:10:00:01"),
        "MA-M 402C761 \"Shanghai Dahua Scale Factory\""
    );
    assert_eq!(
        say("0040.8c12.3456"),
        "MA-L 00408C \"Axis Communications AB\""
    );
    assert_eq!(
        say("00:50:C2:DD:60:01"),
        "IAB 0050C2DD6 \"Transas Marine Limited\""
    );
    assert_eq!(say("02:42:ac:11:00:02"), "Local");
    assert_eq!(say("da:a1:19:00:00:01"), "Local");
    assert_eq!(say("01:00:5e:00:00:fb"), "Group");
    assert_eq!(say("ff:ff:ff:ff:ff:ff"), "Group");
    assert_eq!(say("00:bc:99"), "Invalid");
    assert_eq!(say("00:00:5E:00:01:01"), "Unknown");
}
