//! US Consolidated Screening List import: both published formats, the
//! mapping of source lists to designations, and bad rows.

use derisk_core::PartialDate;
use derisk_registry::{CslFormat, Import, bundled, import_csl};

fn import(file: &str) -> Import {
    let f = std::fs::File::open(file).unwrap();
    let today: PartialDate = "2026-11-22".parse().unwrap();
    import_csl(f, file, CslFormat::from_path(file), today).unwrap()
}

/// One line per entity, list and designation, and the diagnostics.
fn render(imp: &Import) -> Vec<String> {
    let mut out = Vec::new();
    for e in &imp.entities {
        let names: Vec<String> = e
            .names
            .iter()
            .map(|n| format!("{}={}", n.kind.as_str(), n.value))
            .collect();
        out.push(format!(
            "entity {} {} {} [{}]",
            e.id,
            e.kind.as_str(),
            e.country.as_ref().map_or("-", |c| c.as_str()),
            names.join(" | ")
        ));
    }
    for l in &imp.lists {
        out.push(format!(
            "list {} {} {} by {}: {}",
            l.id,
            l.short,
            l.kind.as_str(),
            l.authority,
            l.name
        ));
    }
    for d in &imp.designations {
        out.push(format!(
            "designation {} on {} from {} ref {} prog {} note {}",
            d.entity,
            d.list,
            d.start.as_ref().map_or("-".into(), |s| s.to_string()),
            d.reference.as_deref().unwrap_or("-"),
            d.program.as_deref().unwrap_or("-"),
            d.note.as_deref().unwrap_or("-"),
        ));
    }
    for d in &imp.diagnostics {
        out.push(d.to_string());
    }
    out
}

#[test]
fn csv_rows_become_entities_lists_and_designations() {
    let file = "tests/fixtures/csl/consolidated.csv";
    let imp = import(file);
    let got = render(&imp);
    let expected = [
        "entity csl-7d3c6f0b1a company CN [legal=Huawei Technologies Co., Ltd. | alias=Huawei | chinese=华为技术有限公司]",
        "entity csl-authority-bureau-of-industry-and-security authority US [legal=Bureau of Industry and Security]",
        "entity csl-8e4a2c9d3f company CN [legal=Hangzhou Hikvision Digital Technology Co., Ltd. | alias=Hikvision | chinese=杭州海康威视数字技术股份有限公司]",
        "entity csl-authority-treasury-department authority US [legal=Treasury Department]",
        "entity csl-c93d10a4e2 company CN [legal=Zhejiang Dahua Technology Co., Ltd. | alias=Dahua]",
        "entity csl-f7a1d2c3b4 company CN [legal=China Electronics Technology Group Corporation 14th Research Institute | alias=CETC 14 | alias=Nanjing Research Institute of Electronics Technology]",
        "entity csl-a4b5c6d7e8 company CN [legal=SZ DJI Technology Co., Ltd. | alias=DJI | alias=Shenzhen Dajiang Innovation Sciences and Technology Company Limited]",
        "list csl-el EL export-control by csl-authority-bureau-of-industry-and-security: Entity List (EL)",
        "list csl-cmic CMIC investment-ban by csl-authority-treasury-department: Non-SDN Chinese Military-Industrial Complex Companies List (CMIC)",
        "list csl-meu MEU export-control by csl-authority-bureau-of-industry-and-security: Military End User (MEU) List",
        "designation csl-7d3c6f0b1a on csl-el from 2019-05-16 ref 84 FR 22963 prog - note licence requirement: For all items subject to the EAR.; licence policy: Presumption of denial.; tests/fixtures/csl/consolidated.csv line 2",
        "designation csl-8e4a2c9d3f on csl-el from 2019-10-09 ref 84 FR 54002 prog - note licence requirement: For all items subject to the EAR.; licence policy: Presumption of denial.; tests/fixtures/csl/consolidated.csv line 3",
        "designation csl-8e4a2c9d3f on csl-cmic from 2021-06-03 ref 31945 prog CMIC-EO13959 note Executive Order 13959 information: Effective Date (EO 13959) 03 Aug 2021.; tests/fixtures/csl/consolidated.csv line 4",
        "designation csl-c93d10a4e2 on csl-el from 2019-10-09 ref 84 FR 54002 prog - note licence requirement: For all items subject to the EAR.; licence policy: Presumption of denial.; tests/fixtures/csl/consolidated.csv line 5",
        "designation csl-f7a1d2c3b4 on csl-meu from 2020-12-23 ref 85 FR 83793 prog - note licence requirement: Items listed in Supplement No. 2 to part 744.; licence policy: Presumption of denial.; tests/fixtures/csl/consolidated.csv line 8",
        "designation csl-a4b5c6d7e8 on csl-el from - ref 85 FR 83416 prog - note licence requirement: For all items subject to the EAR.; licence policy: Presumption of denial.; tests/fixtures/csl/consolidated.csv line 9",
        "tests/fixtures/csl/consolidated.csv:7:1: error: name: listing without a name; skipped",
        "tests/fixtures/csl/consolidated.csv:9:1: warning: start_date: \"22/12/2020\" is not a date (expected YYYY-MM-DD); left out",
    ];
    assert_eq!(got, expected, "\n{}", got.join("\n"));
    assert_eq!(imp.stats.merged_duplicates, 1);
    assert_eq!(imp.stats.skipped_schemas.get("Vessel"), Some(&1));
    assert_eq!(imp.stats.imported.get("Entity"), Some(&6));
    let source = imp.source.as_ref().unwrap();
    assert!(source.url.starts_with("file:///"));
    assert!(source.url.ends_with("tests/fixtures/csl/consolidated.csv"));
    let note = source.note.as_deref().unwrap();
    assert!(note.starts_with(
        "Imported 2026-11-22 from tests/fixtures/csl/consolidated.csv, 9 lines, SHA-256 "
    ));
}

#[test]
fn json_records_read_like_csv_rows() {
    let file = "tests/fixtures/csl/consolidated.json";
    let imp = import(file);
    let got = render(&imp);
    let expected = [
        "entity csl-7d3c6f0b1a company CN [legal=Huawei Technologies Co., Ltd. | alias=Huawei | chinese=华为技术有限公司]",
        "entity csl-authority-bureau-of-industry-and-security authority US [legal=Bureau of Industry and Security]",
        "entity csl-b51f0e77aa company CN [legal=HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO., LTD. | alias=Hikvision]",
        "entity csl-authority-treasury-department authority US [legal=Treasury Department]",
        "entity csl-f7a1d2c3b4 company CN [legal=China Electronics Technology Group Corporation 14th Research Institute | alias=CETC 14]",
        "list csl-el EL export-control by csl-authority-bureau-of-industry-and-security: Entity List (EL)",
        "list csl-cmic CMIC investment-ban by csl-authority-treasury-department: Non-SDN Chinese Military-Industrial Complex Companies List (CMIC)",
        "list csl-meu MEU export-control by csl-authority-bureau-of-industry-and-security: Military End User (MEU) List",
        "designation csl-7d3c6f0b1a on csl-el from 2019-05-16 ref 84 FR 22963 prog - note licence requirement: For all items subject to the EAR.; licence policy: Presumption of denial.; tests/fixtures/csl/consolidated.json line 5",
        "designation csl-b51f0e77aa on csl-cmic from 2021-06-03 ref 31945 prog CMIC-EO13959 note tests/fixtures/csl/consolidated.json line 6",
        "designation csl-f7a1d2c3b4 on csl-meu from 2020-12-23 ref 85 FR 83793 prog - note tests/fixtures/csl/consolidated.json line 8",
        "tests/fixtures/csl/consolidated.json:7:109: error: not a CSL record: invalid type: integer `12`, expected a string; record skipped",
    ];
    assert_eq!(got, expected, "\n{}", got.join("\n"));
    assert_eq!(imp.stats.ignored_properties.get("field fax"), Some(&1));
}

#[test]
fn a_truncated_json_file_keeps_the_records_before_the_break() {
    let file = "tests/fixtures/csl/truncated.json";
    let imp = import(file);
    let ids: Vec<&str> = imp.designations.iter().map(|d| d.entity.as_str()).collect();
    assert_eq!(ids, ["csl-7d3c6f0b1a", "csl-b51f0e77aa"]);
    let problems: Vec<String> = imp.diagnostics.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        problems,
        [
            "tests/fixtures/csl/truncated.json:7:109: error: not a CSL record: invalid type: integer `12`, expected a string; record skipped",
            "tests/fixtures/csl/truncated.json:8:5: error: the file ends inside this record (truncated?); record skipped, the records before it were read",
        ]
    );
}

#[test]
fn a_changed_header_is_one_clear_error() {
    let file = "tests/fixtures/csl/renamed-header.csv";
    let imp = import(file);
    assert!(imp.entities.is_empty());
    let problems: Vec<String> = imp.diagnostics.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        problems,
        [
            "tests/fixtures/csl/renamed-header.csv:1:1: error: header: expected the CSL header with at least the columns `name` and `source` (and usually _id, entity_number, type, programs, addresses, start_date, end_date, alt_names, ...); found id, list, entity_number, type, programs, entity_name, addresses; nothing imported"
        ]
    );
}

#[test]
fn csl_designations_reach_screening_through_the_layered_registry() {
    let imp = import("tests/fixtures/csl/consolidated.csv");
    let (reg, problems) = bundled().registry.with_import(imp);
    assert!(problems.is_empty(), "{problems:?}");
    let dji = reg.entity("csl-a4b5c6d7e8").unwrap();
    assert_eq!(dji.caption, "SZ DJI Technology Co., Ltd.");
    let lists: Vec<&str> = reg
        .designations_of(dji.id.as_str())
        .map(|d| d.list.as_str())
        .collect();
    assert_eq!(lists, ["csl-el"]);
}
