//! Screening against the shipped registry: identifiers, limits and the
//! control path behind a match.

use derisk_core::Decision;
use derisk_match::{Query, ScoreConfig, Scratch, Screener};

#[test]
fn an_equal_identifier_is_a_match_whatever_the_name() {
    let registry = derisk_registry::bundled().registry;
    let screener = Screener::new(&registry, ScoreConfig::default());
    let q = Query {
        name: "ZJ DH Security Products",
        country: None,
        identifier: Some("https://www.DahuaSecurity.com"),
    };
    let hits = screener
        .screen(&q, Some(3), &mut Scratch::default())
        .matches;
    assert_eq!(hits[0].entity.id.as_str(), "dahua");
    assert_eq!(hits[0].score, 1.0);
    assert_eq!(hits[0].decision, Decision::Match);
    assert_eq!(hits[0].parts[0].feature, "identifier");
    assert_eq!(
        hits[0].parts[0].detail,
        "website dahuasecurity.com equal on both sides"
    );
    assert_eq!(
        hits[0].identifier.map(|i| i.value.as_str()),
        Some("dahuasecurity.com")
    );
}

#[test]
fn limit_caps_matches_and_none_keeps_all() {
    let registry = derisk_registry::bundled().registry;
    let screener = Screener::new(&registry, ScoreConfig::default());
    let q = Query {
        name: "Hikvision",
        ..Query::default()
    };
    let mut scratch = Scratch::default();
    let all = screener.screen(&q, None, &mut scratch).matches;
    let three = screener.screen(&q, Some(3), &mut scratch).matches;
    assert!(all.len() > 3, "{}", all.len());
    assert_eq!(three.len(), 3);
    let ids = |h: &[derisk_match::Hit<'_>]| {
        h.iter()
            .map(|h| h.entity.id.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&three), ids(&all)[..3]);
    assert!(all.windows(2).all(|w| w[0].score >= w[1].score));
}

#[test]
fn a_brand_reports_the_path_to_its_designated_owner() {
    let registry = derisk_registry::bundled().registry;
    let screener = Screener::new(&registry, ScoreConfig::default());
    let q = Query {
        name: "EZVIZ Europe B.V.",
        ..Query::default()
    };
    let hit = &screener
        .screen(&q, Some(1), &mut Scratch::default())
        .matches[0];
    assert_eq!(hit.entity.id.as_str(), "ezviz");
    let path: Vec<&str> = hit.path.iter().map(|s| s.entity.as_str()).collect();
    assert_eq!(path, ["hikvision", "cetc", "sasac"]);
    let lists: Vec<&str> = hit
        .designations
        .iter()
        .filter(|d| d.entity.as_str() == "hikvision")
        .map(|d| d.list.as_str())
        .collect();
    assert!(
        lists.contains(&"us-entity-list") && lists.contains(&"us-ndaa-889"),
        "{lists:?}"
    );
    assert!(hit.designations.iter().all(|d| !d.sources.is_empty()));
}

#[test]
fn a_three_letter_short_form_alone_asks_for_review() {
    let registry = derisk_registry::bundled().registry;
    let screener = Screener::new(&registry, ScoreConfig::default());
    let mut scratch = Scratch::default();
    let hit = |name: &str, scratch: &mut Scratch| {
        let q = Query {
            name,
            ..Query::default()
        };
        let m = screener.screen(&q, Some(1), scratch).matches;
        m.first().map(|h| {
            (
                h.entity.id.to_string(),
                h.score,
                h.decision,
                h.explanation.clone(),
            )
        })
    };
    // "CTT" is the registry's short form of Container Terminal Tollerort,
    // and the name of the Portuguese post.
    let (id, score, decision, why) = hit("CTT", &mut scratch).unwrap();
    assert_eq!(
        (id.as_str(), score, decision),
        ("container-terminal-tollerort", 0.8, Decision::Review)
    );
    assert!(
        why.ends_with(
            "short form -0.20 (\"ctt\" is a short form that many organisations share; alone it reaches 0.8 at most)"
        ),
        "{why}"
    );
    // The full name is not capped, nor is a short form of four letters.
    let (_, score, decision, _) = hit("Container Terminal Tollerort GmbH", &mut scratch).unwrap();
    assert_eq!((score, decision), (1.0, Decision::Match));
    let (id, _, decision, _) = hit("CETC", &mut scratch).unwrap();
    assert_eq!((id.as_str(), decision), ("cetc", Decision::Match));
}

/// Every Chinese name the registry holds, screened alone, is a `match` for
/// its own entity (a registry that gains one is checked the same way).
#[test]
fn every_chinese_registry_name_matches_its_entity() {
    let registry = derisk_registry::bundled().registry;
    let screener = Screener::new(&registry, ScoreConfig::default());
    let mut scratch = Scratch::default();
    let mut checked = 0;
    let mut failures = Vec::new();
    for e in registry.entities() {
        for n in &e.names {
            let han = n
                .value
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
            if !han {
                continue;
            }
            checked += 1;
            let q = Query {
                name: &n.value,
                ..Query::default()
            };
            let hits = screener.screen(&q, None, &mut scratch).matches;
            let own = hits.iter().find(|h| h.entity.id == e.id);
            if own.is_none_or(|h| h.decision != Decision::Match) {
                failures.push(format!(
                    "{} ({}): {:?}",
                    n.value,
                    e.id.as_str(),
                    own.map(|h| (h.score, h.decision))
                ));
            }
        }
    }
    assert!(
        checked >= 10,
        "only {checked} Chinese names in the registry"
    );
    assert_eq!(failures, Vec::<String>::new());
}
