//! A name index written to bytes and read back screens exactly as the one
//! built from the registry; an index for another registry, or damaged
//! bytes, are refused with a reason and never cause a panic.

use derisk_match::{Matcher, Query, ScoreConfig, Scratch, Screener};
use derisk_registry::{ControlRules, bundled};

const QUERIES: &[&str] = &[
    "Hikvision Deutschland GmbH",
    "Hangzhou Hik-Vision Digital Tech Co Ltd",
    "杭州海康威视数字技术股份有限公司",
    "Dahua Technology Poland Sp. z o.o.",
    "Nutech Solutions Ltd",
    "ZTE",
    "Huawei Technologies Italia S.r.l.",
    "Stadtwerke Musterstadt GmbH",
];

fn results(s: &Screener<'_>) -> Vec<Vec<(String, String, String)>> {
    let mut scratch = Scratch::default();
    QUERIES
        .iter()
        .map(|name| {
            let q = Query {
                name,
                country: None,
                identifier: None,
            };
            s.screen(&q, None, &mut scratch)
                .matches
                .iter()
                .map(|h| {
                    (
                        h.entity.id.to_string(),
                        format!("{:.6}", h.score),
                        h.explanation.clone(),
                    )
                })
                .collect()
        })
        .collect()
}

#[test]
fn a_stored_index_screens_as_the_built_one() {
    let registry = bundled().registry;
    let built = Screener::new(&registry, ScoreConfig::default());
    let bytes = built.matcher().to_bytes(registry.hash());
    let matcher = Matcher::from_bytes(&bytes, registry.hash()).unwrap();
    let (a, b) = (matcher.stats(), built.matcher().stats());
    assert_eq!(
        (a.names, a.vocabulary, a.deletions),
        (b.names, b.vocabulary, b.deletions)
    );
    let stored = Screener::with_index(
        &registry,
        matcher,
        ScoreConfig::default(),
        ControlRules::default(),
    )
    .unwrap();
    let expected = results(&built);
    assert!(expected[0].iter().any(|m| m.0 == "hikvision"));
    assert_eq!(results(&stored), expected);
    // Written again, the same bytes.
    assert_eq!(stored.matcher().to_bytes(registry.hash()), bytes);
}

#[test]
fn an_index_for_another_registry_or_other_names_is_refused() {
    let registry = bundled().registry;
    let bytes = Screener::new(&registry, ScoreConfig::default())
        .matcher()
        .to_bytes(registry.hash());
    let err = Matcher::from_bytes(&bytes, "0000").unwrap_err();
    assert!(err.starts_with("built for registry "), "{err}");
    // Bound to this hash but built from other names: the owners differ.
    let other = Matcher::build(&derisk_match::NameInput::numbered(&["Acme Trading Ltd"]));
    let forged = Matcher::from_bytes(&other.to_bytes(registry.hash()), registry.hash()).unwrap();
    let err = Screener::with_index(
        &registry,
        forged,
        ScoreConfig::default(),
        ControlRules::default(),
    )
    .err()
    .unwrap();
    assert!(err.starts_with("the index holds 1 names"), "{err}");
}

#[test]
fn damaged_indexes_are_refused_or_harmless_never_a_panic() {
    let registry = bundled().registry;
    let bytes = Screener::new(&registry, ScoreConfig::default())
        .matcher()
        .to_bytes(registry.hash());
    for cut in (0..bytes.len()).step_by(bytes.len() / 97 + 1) {
        assert!(
            Matcher::from_bytes(&bytes[..cut], registry.hash()).is_err(),
            "cut at {cut}"
        );
    }
    // Flip bytes all through the index: each copy is refused, or, where
    // the flip only changes a weight or a letter, still screens.
    let mut checked = 0;
    for at in (80..bytes.len()).step_by(bytes.len() / 301 + 1) {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0xa5;
        if let Ok(m) = Matcher::from_bytes(&damaged, registry.hash())
            && let Ok(s) = Screener::with_index(
                &registry,
                m,
                ScoreConfig::default(),
                ControlRules::default(),
            )
        {
            results(&s);
            checked += 1;
        }
    }
    assert!(checked > 0, "some flips leave a usable index");
}
