//! FollowTheMoney import: mapping, provenance, bad lines, and layering over
//! the curated registry.

use derisk_core::PartialDate;
use derisk_registry::{ControlRules, Tie, bundled, import_ftm};

const FILE: &str = "tests/fixtures/ftm/prc.ftm.json";

fn import() -> derisk_registry::Import {
    let f = std::fs::File::open(FILE).unwrap();
    let today: PartialDate = "2026-11-22".parse().unwrap();
    import_ftm(std::io::BufReader::new(f), FILE, "OpenSanctions PRC", today).unwrap()
}

#[test]
fn entities_edges_and_sanctions_are_mapped_with_provenance() {
    let imp = import();
    let ids: Vec<&str> = imp.entities.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "opensanctions-prc-nk-hik01",
            "opensanctions-prc-nk-cetc",
            "opensanctions-prc-nk-fuli",
            "opensanctions-prc-nk-dahua",
            "opensanctions-prc-authority-bureau-of-industry-and-security",
        ]
    );
    let hik = &imp.entities[0];
    let names: Vec<(&str, &str)> = hik
        .names
        .iter()
        .map(|n| (n.kind.as_str(), n.value.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("legal", "Hangzhou Hikvision Digital Technology Co., Ltd."),
            ("alias", "Hikvision"),
            ("chinese", "杭州海康威视数字技术股份有限公司"),
        ]
    );
    let idents: Vec<(&str, &str)> = hik
        .identifiers
        .iter()
        .map(|i| (i.scheme.as_str(), i.value.as_str()))
        .collect();
    assert_eq!(
        idents,
        [("website", "hikvision.com"), ("uscc", "91330000733796106P")]
    );
    assert_eq!(
        hik.note.as_deref(),
        Some(
            "tests/fixtures/ftm/prc.ftm.json line 1 (Company NK-hik01); address: No. 555 Qianmo Road, Binjiang District, Hangzhou 310052"
        )
    );
    // A repeated id adds its names to the first record.
    let dahua = &imp.entities[3];
    assert_eq!(dahua.names.len(), 2);
    assert_eq!(imp.stats.merged_duplicates, 1);

    let rels: Vec<String> = imp
        .relations
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {:?} {}",
                r.subject,
                r.kind.as_str(),
                r.object,
                r.share.map(|s| s.percent),
                r.note.as_deref().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        rels,
        [
            "opensanctions-prc-nk-hik01 owned-by opensanctions-prc-nk-cetc Some(40.0) tests/fixtures/ftm/prc.ftm.json line 4",
            "opensanctions-prc-nk-fuli affiliated-with opensanctions-prc-nk-dahua None Chairman; tests/fixtures/ftm/prc.ftm.json line 8",
        ]
    );
    assert_eq!(imp.lists.len(), 1);
    assert_eq!(
        imp.lists[0].name,
        "Bureau of Industry and Security: Entity List"
    );
    assert_eq!(imp.lists[0].jurisdiction.as_str(), "US");
    assert_eq!(imp.designations.len(), 1);
    let d = &imp.designations[0];
    assert_eq!(d.start.unwrap().to_string(), "2019-10-09");
    assert_eq!(
        d.note.as_deref(),
        Some(
            "Implicated in human rights violations in Xinjiang (tests/fixtures/ftm/prc.ftm.json line 5)"
        )
    );

    let src = imp.source.as_ref().unwrap();
    assert_eq!(src.id.as_str(), "opensanctions-prc-import");
    assert_eq!(src.publisher, "OpenSanctions PRC");
    let note = src.note.as_deref().unwrap();
    assert!(
        note.starts_with(
            "Imported 2026-11-22 from tests/fixtures/ftm/prc.ftm.json, 15 lines, SHA-256 "
        ),
        "{note}"
    );
    assert_eq!(
        note.len(),
        "Imported 2026-11-22 from tests/fixtures/ftm/prc.ftm.json, 15 lines, SHA-256 .".len() + 64
    );
}

#[test]
fn bad_lines_are_reported_and_the_rest_imported() {
    let imp = import();
    let got: Vec<String> = imp.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "tests/fixtures/ftm/prc.ftm.json:10:72: error: not a FollowTheMoney entity: the line ends inside a JSON value (truncated?); line skipped",
            "tests/fixtures/ftm/prc.ftm.json:11:1: error: properties.owner: Ownership links to \"NK-nowhere\", which is not an entity in this file; skipped",
            "tests/fixtures/ftm/prc.ftm.json:13:1: error: properties.country: Sanction without a country (ISO code of the sanctioning state); skipped",
            "tests/fixtures/ftm/prc.ftm.json:15:1: error: properties.name: Company \"NK-noname\" has no name; line skipped",
        ]
    );
    let s = &imp.stats;
    assert_eq!(s.lines, 15);
    assert_eq!(s.skipped_schemas.get("Vessel"), Some(&1));
    assert_eq!(s.ignored_properties.get("Company.topics"), Some(&1));
    assert_eq!(s.ignored_properties.get("Company.sector"), Some(&1));
    assert_eq!(s.ignored_properties.get("Person.nationality"), Some(&1));
    assert_eq!(s.imported.get("Company"), Some(&3));
}

#[test]
fn imported_facts_layer_over_the_curated_registry() {
    let base = bundled().registry;
    let before = base.entities().len();
    let base_hash = base.hash().to_owned();
    let (r, problems) = base.with_import(import());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(r.entities().len(), before + 5);
    assert_ne!(r.hash(), base_hash);
    // The imported ownership is followed by the control rules: 40% without
    // a statement of control is significant influence.
    let c = r
        .control("opensanctions-prc-nk-hik01", ControlRules::default())
        .unwrap();
    assert!(c.controllers.is_empty());
    assert_eq!(c.holdings[0].hop.tie, Tie::Influence);
    assert_eq!(r.designations_of("opensanctions-prc-nk-hik01").count(), 1);
    // The same dataset twice is refused whole.
    let (r, problems) = r.with_import(import());
    assert_eq!(r.entities().len(), before + 5);
    assert_eq!(problems.len(), 1);
    assert!(problems[0].message.contains("imported twice"));
}
