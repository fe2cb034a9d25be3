//! The audit on a small organisation built by hand: shares, HHI, purchase
//! tracing, every kind of rule, the plan's order and the formats.

use derisk_exposure::policy::Known;
use derisk_exposure::{
    Alternatives, Asset, Audit, Category, Criticality, Listed, Location, Party, Policies, Purchase,
    Report, Sector, SourceRef, Supplier, audit, render,
};

fn listed(entity: &str, list: &str) -> Listed {
    Listed {
        list: list.to_owned(),
        list_name: format!("List {list}"),
        entity: entity.to_owned(),
        entity_name: entity.to_uppercase(),
        since: Some("2020-01-01".to_owned()),
        sources: vec![format!("src-{list}")],
        unverified: false,
    }
}

fn maker(id: &str, lists: &[&str]) -> Party {
    Party {
        entity: Some(id.to_owned()),
        name: id.to_uppercase(),
        family: id.to_owned(),
        family_name: id.to_uppercase(),
        confidence: 0.95,
        basis: vec!["oui".to_owned()],
        decision: "match".to_owned(),
        path: Vec::new(),
        designations: lists.iter().map(|l| listed(id, l)).collect(),
        evidence: vec![format!("MAC block of {id}")],
        influenced: false,
        dismissed: None,
    }
}

fn asset(id: &str, category: Category, crit: Criticality, m: Option<Party>) -> Asset {
    Asset {
        id: id.to_owned(),
        at: Location {
            file: "assets.csv".to_owned(),
            line: Some(2),
            offset: None,
        },
        mac: None,
        ip: None,
        also_seen: Vec::new(),
        site: Some("Gate".to_owned()),
        role: None,
        category,
        series: None,
        criticality: crit,
        value_eur: Some(100.0),
        declared: None,
        model: None,
        maker: m,
        relabelled: false,
        purchase: None,
    }
}

fn purchase(notice: &str, category: Category, m: Party) -> Purchase {
    Purchase {
        notice: Some(notice.to_owned()),
        lot: None,
        at: Location {
            file: "awards.csv".to_owned(),
            line: Some(2),
            offset: None,
        },
        buyer: Some("Port".to_owned()),
        supplier: m.name.clone(),
        party: Some(m),
        cpv: vec!["35125300-2".to_owned()],
        category,
        value_eur: Some(1000.0),
        date: Some("2024-05-01".to_owned()),
        flags: Vec::new(),
    }
}

fn policies() -> (Policies, Alternatives) {
    let known = Known {
        source: &|_| true,
        list: &|_| true,
    };
    let (p, problems) = Policies::bundled(&known).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let (a, problems) = Alternatives::bundled(&known).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    (p, a)
}

fn run(
    assets: Vec<Asset>,
    suppliers: Vec<Supplier>,
    purchases: Vec<Purchase>,
    frameworks: &[&str],
    sector: Option<Sector>,
) -> Report {
    let (p, a) = policies();
    let resolve = |id: &str| {
        Some(SourceRef {
            id: id.to_owned(),
            title: format!("Title of {id}"),
            url: format!("https://example.org/{id}"),
            publisher: None,
            published: None,
        })
    };
    audit(Audit {
        organisation: Some("Port".to_owned()),
        sector,
        frameworks: frameworks.iter().map(|f| (*f).to_owned()).collect(),
        generated: "2026-11-23T00:00:00Z".to_owned(),
        registry: "abc".to_owned(),
        freshness: None,
        tool: "derisk test".to_owned(),
        assets,
        suppliers,
        purchases,
        inputs: Vec::new(),
        policies: &p,
        alternatives: &a,
        resolve: &resolve,
    })
}

#[test]
fn shares_hhi_and_single_sourcing() {
    let hik = || Some(maker("hikvision", &["us-ndaa-889"]));
    let axis = || Some(maker("axis", &[]));
    let r = run(
        vec![
            asset("c1", Category::Cameras, Criticality::Core, hik()),
            asset("c2", Category::Cameras, Criticality::Core, hik()),
            asset("c3", Category::Cameras, Criticality::Edge, hik()),
            asset("c4", Category::Cameras, Criticality::Edge, axis()),
            asset("c5", Category::Cameras, Criticality::Edge, None),
            asset("s1", Category::Scanners, Criticality::Core, axis()),
            asset("s2", Category::Scanners, Criticality::Core, axis()),
        ],
        Vec::new(),
        Vec::new(),
        &["nis2"],
        None,
    );
    let cams = &r.exposure.by_category[0];
    assert_eq!(cams.key, "cameras");
    assert_eq!((cams.devices, cams.unattributed, cams.high_risk), (5, 1, 3));
    assert_eq!(cams.share_count, 0.75);
    // 75% and 25%: 5625 + 625.
    assert_eq!(cams.hhi, 6250.0);
    assert!(!cams.single_source);
    assert_eq!(cams.share_value, Some(0.75));
    let scanners = &r.exposure.by_category[1];
    assert_eq!((scanners.hhi, scanners.single_source), (10000.0, true));
    let core = &r.exposure.by_criticality[0];
    assert_eq!(
        (core.key.as_str(), core.devices, core.high_risk),
        ("core", 4, 2)
    );
    assert_eq!(r.headline.high_risk_devices, 3);
    // Without procurement data nothing is untraced.
    assert_eq!(r.headline.untraced, 0);
    let untraced = r
        .verdicts
        .iter()
        .find(|v| v.rule == "nis2-untraced")
        .unwrap();
    assert_eq!(untraced.status.as_str(), "not-applicable");
    assert_eq!(
        untraced.note,
        "No procurement data was given, so no device can be called untraced."
    );
}

#[test]
fn devices_are_traced_named_inferred_or_not_at_all() {
    let hik = || maker("hikvision", &["us-ndaa-889"]);
    let dahua = || maker("dahua", &["us-ndaa-889"]);
    let mut named = asset("c1", Category::Cameras, Criticality::Core, Some(hik()));
    named.purchase = Some("po-2024 0007".to_owned());
    let inferred = asset("c2", Category::Cameras, Criticality::Core, Some(hik()));
    let untraced = asset("c3", Category::Cameras, Criticality::Edge, Some(dahua()));
    // A Dahua purchase of scanners does not explain a Dahua camera.
    let r = run(
        vec![named, inferred, untraced],
        Vec::new(),
        vec![
            purchase("PO-2024-0007", Category::Cameras, hik()),
            purchase("PO-2024-0100", Category::Scanners, dahua()),
        ],
        &["nis2"],
        None,
    );
    let by_subject = |s: &str| r.findings.iter().find(|f| f.subject == s).unwrap();
    assert_eq!(
        by_subject("c1").purchase.as_deref(),
        Some("F4 (named; PO-2024-0007)")
    );
    assert_eq!(
        by_subject("c2").purchase.as_deref(),
        Some("F4 (inferred; PO-2024-0007)")
    );
    assert_eq!(by_subject("c3").purchase, None);
    assert_eq!(by_subject("c3").status, vec!["high-risk", "untraced"]);
    assert_eq!(by_subject("PO-2024-0007").devices, vec!["F1", "F2"]);
    assert_eq!(r.headline.untraced, 1);
    let v = r
        .verdicts
        .iter()
        .find(|v| v.rule == "nis2-untraced")
        .unwrap();
    assert_eq!(
        (v.status.as_str(), v.evidence.clone()),
        ("review", vec!["F3".to_owned()])
    );
    assert_eq!(r.by_year.len(), 1);
    assert_eq!(r.by_year[0].high_risk_value_eur, 2000.0);
}

#[test]
fn rules_fire_by_list_category_and_criticality_and_the_plan_ranks_them() {
    let huawei = || maker("huawei", &["eu-5g-toolbox-hrv", "us-fcc-covered-list"]);
    let hik = || maker("hikvision", &["uk-sensitive-sites-2022"]);
    let mut possible = maker("dahua", &["us-ndaa-889"]);
    possible.decision = "review".to_owned();
    let r = run(
        vec![
            asset(
                "core-1",
                Category::CoreNetwork,
                Criticality::Core,
                Some(huawei()),
            ),
            asset(
                "ran-1",
                Category::RadioAccess,
                Criticality::Edge,
                Some(huawei()),
            ),
            asset(
                "ran-2",
                Category::RadioAccess,
                Criticality::Edge,
                Some(maker("ericsson", &[])),
            ),
            asset(
                "cam-core",
                Category::Cameras,
                Criticality::Core,
                Some(hik()),
            ),
            asset(
                "cam-edge",
                Category::Cameras,
                Criticality::Edge,
                Some(hik()),
            ),
        ],
        vec![Supplier {
            name: "Dahua-ish Ltd".to_owned(),
            at: Location {
                file: "suppliers.csv".to_owned(),
                line: Some(3),
                offset: None,
            },
            country: None,
            party: Some(possible),
        }],
        Vec::new(),
        &["eu-5g-toolbox", "nis2", "uk-sensitive-sites", "ccei"],
        Some(Sector::Telecom),
    );
    let status = |rule: &str| {
        let v = r.verdicts.iter().find(|v| v.rule == rule).unwrap();
        (v.status.as_str(), v.evidence.join(" "))
    };
    assert_eq!(
        status("5g-core-high-risk"),
        ("non-compliant", "F1".to_owned())
    );
    assert_eq!(status("5g-ran-high-risk"), ("at-risk", "F2".to_owned()));
    // Huawei makes one of two radio units and the only core function.
    assert_eq!(
        status("5g-supplier-diversity"),
        ("review", "category:core-network".to_owned())
    );
    // Only the camera at a core site.
    assert_eq!(
        status("uk-sensitive-site-cameras"),
        ("non-compliant", "F3".to_owned())
    );
    assert_eq!(
        status("nis2-possible-high-risk"),
        ("review", "F5".to_owned())
    );
    assert_eq!(status("ccei-scanner-risk").0, "not-applicable");
    // Every finding with a designation, the possible one left out.
    assert_eq!(
        status("nis2-high-risk-supplier"),
        ("at-risk", "F1 F2 F3 F4".to_owned())
    );
    let plan: Vec<(usize, &str, &str)> = r
        .plan
        .iter()
        .map(|a| (a.rank, a.status.as_str(), a.action.as_str()))
        .collect();
    assert_eq!(
        plan,
        vec![
            (
                1,
                "non-compliant",
                "Replace core network equipment of high-risk suppliers"
            ),
            (
                2,
                "non-compliant",
                "Take Chinese surveillance cameras off core and sensitive sites and off the core network"
            ),
            (
                3,
                "at-risk",
                "Assess and document the supply-chain risk of designated suppliers and makers"
            ),
            (
                4,
                "at-risk",
                "Replace radio access network equipment of high-risk suppliers"
            ),
            (
                5,
                "review",
                "Bring a second supplier into the mobile network"
            ),
            (
                6,
                "review",
                "Check the suppliers that resemble designated entities"
            ),
        ]
    );
    // Alternatives go with replacements of categories only.
    let vendors = |rank: usize| -> Vec<String> {
        r.plan[rank - 1]
            .alternatives
            .iter()
            .map(|a| a.vendor.clone())
            .collect()
    };
    assert_eq!(
        vendors(1),
        vec![
            "Telefonaktiebolaget LM Ericsson",
            "Nokia Solutions and Networks"
        ]
    );
    assert!(vendors(3).is_empty());
    assert_eq!(r.headline.non_compliant, 2);
    // The CSV has one row per finding and names its rules.
    let csv = render::csv(&r);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + r.findings.len());
    assert!(
        lines[1].starts_with(
            "F1,asset,core-1,assets.csv,2,,high-risk,core-network,Gate,core,huawei,HUAWEI,HUAWEI,0.95,huawei:eu-5g-toolbox-hrv huawei:us-fcc-covered-list,HUAWEI,,5g-core-high-risk nis2-high-risk-supplier,"
        ),
        "{}",
        lines[1]
    );
}

#[test]
fn an_empty_organisation_still_renders_and_says_what_is_missing() {
    let r = run(Vec::new(), Vec::new(), Vec::new(), &["nis2", "cer"], None);
    assert!(r.findings.is_empty() && r.plan.is_empty());
    // Devices, suppliers, procurement data and the sector; the name is given.
    assert_eq!(r.missing.len(), 4);
    assert!(
        r.verdicts
            .iter()
            .all(|v| v.status.as_str() == "not-applicable")
    );
    let md = render::markdown(&r);
    assert!(
        md.contains("## What the audit could not look at\n\n- No devices: give an asset inventory")
    );
    assert!(md.contains("## Plan\n\nNo rule that applies calls for an action.\n"));
    let html = render::html(&r);
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.contains("<p class=\"muted\">No devices were given.</p>"));
    assert!(html.ends_with("</html>\n"));
    // Nothing is fetched: no script, no external style or image.
    for bad in ["<script", "<link", "<img", "@import", "url(http"] {
        assert!(!html.contains(bad), "{bad}");
    }
    let json: serde_json::Value = serde_json::from_str(&render::json(&r)).unwrap();
    assert_eq!(json["headline"]["devices"], 0);
    assert_eq!(json["organisation"], "Port");
}

#[test]
fn html_escapes_what_the_inputs_say() {
    let mut a = asset(
        "<script>alert(1)</script>",
        Category::Cameras,
        Criticality::Core,
        Some(maker("hikvision", &["us-ndaa-889"])),
    );
    a.site = Some("Gate \"A\" & <B>".to_owned());
    let r = run(vec![a], Vec::new(), Vec::new(), &["nis2"], None);
    let html = render::html(&r);
    assert!(!html.contains("<script>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("Gate &quot;A&quot; &amp; &lt;B&gt;"));
}

#[test]
fn a_category_from_a_model_series_says_so_and_cites_the_series() {
    // An inventory row that gives only the maker and the model.
    let mut fw = asset(
        "NET-004",
        Category::Other,
        Criticality::Core,
        Some(maker("huawei", &["us-ndaa-889"])),
    );
    fw.model = Some("USG6525E".to_owned());
    (fw.category, fw.series) =
        derisk_exposure::category::categorise(None, fw.model.as_deref(), Some("HUAWEI"));
    assert_eq!(fw.category, Category::Network);
    let r = run(vec![fw], Vec::new(), Vec::new(), &["nis2"], None);
    let f = &r.findings[0];
    assert_eq!(
        f.summary,
        "Network equipment (USG series: firewalls) made by HUAWEI (confidence 0.95); \
         listed: List us-ndaa-889"
    );
    assert!(
        f.sources.iter().any(|s| s == "huawei-usg6000-description"),
        "{:?}",
        f.sources
    );
    // The report's source list carries the series' document, not the
    // fallback every unknown id gets here.
    let s = r
        .sources
        .iter()
        .find(|s| s.id == "huawei-usg6000-description")
        .unwrap();
    assert_eq!(
        s.title,
        "HUAWEI USG6000 Next-Generation Firewall V100R001 Product Description, Issue 01"
    );
}

#[test]
fn exposure_tallied_in_partitions_and_merged_is_the_exposure_of_the_whole() {
    use derisk_exposure::exposure::{Partial, Traces, exposure};
    // 60 devices over makers, categories, sites and criticalities, some
    // unattributed and some without a value.
    let makers = [
        Some(maker("hikvision", &["us-entity-list"])),
        Some(maker("dahua", &["us-entity-list", "us-fcc-covered-list"])),
        Some(maker("axis", &[])),
        None,
    ];
    let categories = [Category::Cameras, Category::Network, Category::Scanners];
    let crits = [Criticality::Core, Criticality::Edge, Criticality::Unknown];
    let sites = [Some("Gate"), Some("Quay 3"), None];
    let assets: Vec<Asset> = (0..60)
        .map(|i| {
            let mut a = asset(
                &format!("dev-{i}"),
                categories[i % 3],
                crits[(i / 3) % 3],
                makers[(i * 7) % 4].clone(),
            );
            a.site = sites[(i / 2) % 3].map(str::to_owned);
            a.value_eur = (i % 5 != 0).then_some((i * 100) as f64);
            a
        })
        .collect();
    let traces = Traces {
        of_asset: vec![None; assets.len()],
        judged: true,
    };
    let whole = exposure(&assets, &traces);

    // Three partitions of unequal size, tallied apart and merged in two
    // orders.
    let cuts = [0, 7, 31, 60];
    let parts: Vec<Partial> = cuts
        .windows(2)
        .map(|w| Partial::of(&assets[w[0]..w[1]], |i| traces.untraced(&assets, w[0] + i)))
        .collect();
    let mut forward = Partial::default();
    for p in parts.iter().cloned() {
        forward.merge(p);
    }
    let mut backward = Partial::default();
    for p in parts.iter().rev().cloned() {
        backward.merge(p);
    }
    assert_eq!(forward.clone().finish(), whole);
    assert_eq!(backward.finish(), whole);

    // A partial travels between workers as JSON.
    let wire = serde_json::to_string(&forward).unwrap();
    let back: Partial = serde_json::from_str(&wire).unwrap();
    assert_eq!(back.finish(), whole);
    let cameras = &whole.by_category[0];
    assert_eq!(cameras.key, "cameras");
    assert_eq!(cameras.devices, 20);
    assert!(cameras.hhi > 0.0 && cameras.untraced > 0);
}
