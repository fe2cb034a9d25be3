//! The registry that ships with derisk: it loads cleanly and says what the
//! fact base says about the vendors users ask about first.

use std::sync::OnceLock;

use derisk_core::{Designation, EntityKind, NameKind, PartialDate, RelationKind};
use derisk_registry::{Lookup, Registry, bundled};

fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(|| {
        let loaded = bundled();
        let problems: Vec<String> = loaded.diagnostics.iter().map(ToString::to_string).collect();
        assert!(
            problems.is_empty(),
            "the shipped registry must load without errors or warnings:\n{}",
            problems.join("\n")
        );
        loaded.registry
    })
}

/// The designation of `entity` on `list`; fails the test if there is none.
fn designation<'r>(r: &'r Registry, entity: &str, list: &str) -> &'r Designation {
    r.designations_of(entity)
        .find(|d| d.list.as_str() == list)
        .unwrap_or_else(|| panic!("{entity} is not on {list}"))
}

fn date(text: &str) -> Option<PartialDate> {
    Some(text.parse().unwrap())
}

#[test]
fn the_families_and_lists_the_issue_names_are_all_there() {
    let r = registry();
    for id in [
        "hikvision",
        "ezviz",
        "hikmicro",
        "hikrobot",
        "hikvision-europe",
        "cetc",
        "dahua",
        "dahua-europe",
        "nuctech",
        "tongfang",
        "cnnc-capital",
        "huawei",
        "hmn",
        "hengtong",
        "zte",
        "hytera",
        "uniview",
        "tiandy",
        "dji",
        "bytedance",
        "tiktok",
        "cosco",
        "cosco-shipping-ports",
        "china-mobile-group",
        "china-telecom-group",
        "china-unicom-group",
        "inspur",
        "quectel",
        "hesai",
        "catl",
        "cnnc",
        "sasac",
    ] {
        assert!(r.entity(id).is_some(), "missing entity {id}");
    }
    for id in [
        "us-entity-list",
        "us-fcc-covered-list",
        "us-ndaa-889",
        "us-dod-1260h",
        "us-ns-cmic",
        "lt-nuctech-2021",
        "ca-gac-nuctech",
        "be-nuctech-2023",
        "eu-5g-toolbox-hrv",
        "de-5g-2024",
        "se-pts-5g-2020",
        "uk-sensitive-sites-2022",
        "eu-fsr-investigation",
        "ep-resolution-2024-0028",
    ] {
        assert!(r.list(id).is_some(), "missing list {id}");
    }
}

#[test]
fn hikvision_is_owned_by_cetc_which_sasac_controls() {
    let r = registry();
    let owners: Vec<(&str, Option<f64>)> = r
        .relations_from("hikvision")
        .filter(|rel| rel.kind == RelationKind::OwnedBy)
        .map(|rel| (rel.object.as_str(), rel.share.map(|s| s.percent)))
        .collect();
    assert_eq!(owners, [("cetc", Some(40.0)), ("cethik", Some(38.88))]);
    let chains = r.chains_up("hikvision");
    let tops: Vec<&str> = chains
        .iter()
        .map(|c| c.links.last().unwrap().entity.id.as_str())
        .collect();
    assert_eq!(tops, ["sasac", "sasac"]);
    assert_eq!(r.entity("sasac").unwrap().state.unwrap().as_str(), "CN");
    // The 38.88% figure comes from a tertiary source and says so.
    let cethik = r
        .relations_from("hikvision")
        .find(|rel| rel.object.as_str() == "cethik")
        .unwrap();
    assert!(
        cethik
            .verification
            .reason()
            .unwrap()
            .contains("Tertiary source")
    );
}

#[test]
fn hikvision_designations_carry_dates_references_and_sources() {
    let r = registry();
    let el = designation(r, "hikvision", "us-entity-list");
    assert_eq!(el.start, date("2019-10-09"));
    assert!(
        el.reference
            .as_deref()
            .unwrap()
            .starts_with("FR Doc 2019-22210")
    );
    let source = r.source(el.sources[0].as_str()).unwrap();
    assert!(source.url.starts_with("https://"));
    assert_eq!(source.published, date("2019-10-09"));
    let lists: Vec<&str> = r
        .designations_of("hikvision")
        .map(|d| d.list.as_str())
        .collect();
    for expected in [
        "us-entity-list",
        "us-fcc-covered-list",
        "us-ndaa-889",
        "us-dod-1260h",
        "us-ns-cmic",
        "uk-sensitive-sites-2022",
    ] {
        assert!(lists.contains(&expected), "hikvision is not on {expected}");
    }
    // Norway's recommendation was withdrawn: the designation has an end.
    let gpfg = designation(r, "hikvision", "no-gpfg-exclusion");
    assert_eq!(gpfg.end, date("2020-09-15"));
    assert!(!gpfg.is_current());
}

#[test]
fn subsidiaries_and_brands_lead_up_to_their_designated_parent() {
    let r = registry();
    for (child, kind) in [
        ("ezviz", RelationKind::SubsidiaryOf),
        ("hikrobot", RelationKind::SubsidiaryOf),
        ("hikvision-europe", RelationKind::SubsidiaryOf),
        ("hiwatch", RelationKind::BrandOf),
    ] {
        let rel = r
            .relations_from(child)
            .find(|rel| rel.object.as_str() == "hikvision")
            .unwrap();
        assert_eq!(rel.kind, kind, "{child}");
        let chain = &r.chains_up(child)[0];
        let path: Vec<&str> = chain.links.iter().map(|l| l.entity.id.as_str()).collect();
        assert_eq!(path, ["hikvision", "cetc", "sasac"], "{child}");
    }
    // Lorex left Dahua in 2022: the ended link is not followed, the alleged
    // OEM supply is, and is marked unverified.
    let chain = &r.chains_up("lorex");
    let paths: Vec<Vec<&str>> = chain
        .iter()
        .map(|c| c.links.iter().map(|l| l.entity.id.as_str()).collect())
        .collect();
    assert_eq!(
        paths,
        [
            vec!["skywatch"],
            vec!["dahua", "fu-liquan"],
            vec!["dahua", "china-mobile-group", "sasac"]
        ]
    );
    assert!(!chain[1].links[0].relation.verification.is_verified());
}

#[test]
fn nuctech_is_owned_through_tongfang_and_cnnc_up_to_sasac() {
    let r = registry();
    let path: Vec<&str> = r.chains_up("nuctech-warsaw")[0]
        .links
        .iter()
        .map(|l| l.entity.id.as_str())
        .collect();
    assert_eq!(
        path,
        ["nuctech", "tongfang", "cnnc-capital", "cnnc", "sasac"]
    );
    // The weakly sourced US Entity List claim about Nuctech is left out.
    assert!(
        !r.designations_of("nuctech")
            .any(|d| d.list.as_str() == "us-entity-list")
    );
}

#[test]
fn unverified_facts_load_marked_as_unverified() {
    let r = registry();
    let hmn_el = designation(r, "hmn", "us-entity-list");
    assert!(!hmn_el.verification.is_verified());
    let former = r
        .entity("hmn")
        .unwrap()
        .names
        .iter()
        .find(|n| n.value == "Huawei Marine Networks Co., Ltd.")
        .unwrap();
    assert_eq!(former.kind, NameKind::Former);
    assert!(!former.verification.is_verified());
    assert!(r.stats().unverified > 0);
}

#[test]
fn ieee_assignee_names_and_blocks_come_with_the_registry() {
    let r = registry();
    let hik = r.entity("hikvision").unwrap();
    let assignee = hik
        .names
        .iter()
        .find(|n| n.kind == NameKind::IeeeAssignee)
        .unwrap();
    assert_eq!(
        assignee.value,
        "Hangzhou Hikvision Digital Technology Co.,Ltd."
    );
    assert_eq!(r.mac_blocks_of("hikvision").count(), 84);
    assert!(
        r.mac_blocks_of("hikvision")
            .any(|b| b.prefix.covers("08:A1:89:01:02:03"))
    );
    assert_eq!(
        r.mac_blocks_of("nuctech").next().unwrap().prefix.as_str(),
        "C09BF4B"
    );
    // The oui-data 2.1.9 extract (2026-08): the 1,556 blocks of the
    // 2023-11 snapshot, those assigned since under the same names, and
    // those of the 1260H companies (TP-Link's 174 among them).
    assert_eq!(r.mac_blocks().len(), 3116);
    assert_eq!(r.mac_blocks_of("tp-link-technologies").count(), 174);
    // Inspur EII's blocks, renamed IEIT SYSTEMS by the IEEE, stay linked.
    assert!(
        r.mac_blocks_of("inspur-eii")
            .any(|b| b.prefix.as_str() == "6C92BF" && b.assignee == "IEIT SYSTEMS Co., Ltd.")
    );
    // A look-alike assignee is no block of Dahua.
    assert!(matches!(
        r.mac_lookup("40:2C:76:10:00:01"),
        derisk_registry::MacLookup::Unknown
    ));
}

#[test]
fn lookups_find_entities_by_id_or_any_name() {
    let r = registry();
    let found = |q: &str| match r.lookup(q) {
        Lookup::Found(e) => e.id.as_str().to_owned(),
        other => panic!("{q}: {other:?}"),
    };
    assert_eq!(found("hikvision"), "hikvision");
    assert_eq!(found("Hikvision"), "hikvision");
    assert_eq!(found("海康威视"), "hikvision");
    assert_eq!(
        found("hangzhou hikvision digital technology co.,ltd"),
        "hikvision"
    );
    assert_eq!(found("Hikvision Europe"), "hikvision-europe");
    assert_eq!(found("Huawei Marine"), "hmn");
    assert!(matches!(r.lookup("Hik"), Lookup::Ambiguous(v) if v.len() > 3));
    assert!(matches!(r.lookup("Bosch"), Lookup::NotFound));
    assert!(matches!(r.lookup("  "), Lookup::NotFound));
}

#[test]
fn every_list_authority_is_an_authority_or_public_body() {
    let r = registry();
    for l in r.lists() {
        let a = r.entity(l.authority.as_str()).unwrap();
        assert!(
            matches!(a.kind, EntityKind::Authority | EntityKind::PublicBody),
            "{}",
            l.id
        );
    }
}

/// Every edition of the 1260H list holds as many entities in force on its
/// day as the DoD published (2025: 134 printed, one company printed twice
/// under its old and new name, recorded once), and the companies the 2026
/// edition added are on it.
#[test]
fn the_1260h_list_holds_every_edition() {
    let r = registry();
    let on = |day: &str| {
        let day: PartialDate = day.parse().unwrap();
        r.designations()
            .iter()
            .filter(|d| d.list.as_str() == "us-dod-1260h" && d.in_force_on(day))
            .count()
    };
    assert_eq!(on("2021-06-03"), 47);
    assert_eq!(on("2022-10-05"), 60);
    assert_eq!(on("2024-01-31"), 73);
    assert_eq!(on("2025-01-07"), 133);
    assert_eq!(on("2026-06-08"), 188);
    for name in [
        "TP-Link Technologies Co., Ltd.",
        "Tencent Holdings Limited",
        "Alibaba Group Holding Limited",
        "Zhongji Innolight Co., Ltd.",
        "ZPMC North America, Inc.",
    ] {
        let Lookup::Found(e) = r.lookup(name) else {
            panic!("{name}: {:?}", r.lookup(name));
        };
        let d = designation(r, e.id.as_str(), "us-dod-1260h");
        assert!(d.end.is_none(), "{name}: {d:?}");
    }
    // Delisted in the 2025 edition: the designation ends there.
    let Lookup::Found(crcc) = r.lookup("China Railway Construction Corporation Limited") else {
        panic!("CRCC is not in the registry");
    };
    assert_eq!(
        designation(r, crcc.id.as_str(), "us-dod-1260h").end,
        date("2025-01-07")
    );
}
