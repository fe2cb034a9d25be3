//! The labelled evaluation set: screening quality at the default thresholds
//! must not fall below the floors measured when they were chosen.
//!
//! `tests/eval/positives.csv` holds names that must be found (with the
//! registry entities that are acceptable answers, `|`-separated);
//! `tests/eval/negatives.csv` holds names that must not be: European, Korean,
//! Taiwanese, US and Japanese vendors, near-miss names, generic names and
//! buyers. Run with `--nocapture` to see the precision/recall curve.

mod common;

use common::Metrics;
use derisk_match::{Query, ScoreConfig, Scratch, Screener};

struct Case {
    query: String,
    country: Option<derisk_core::CountryCode>,
    expected: Vec<String>,
    kind: String,
}

fn cases(file: &str) -> Vec<Case> {
    let path = format!("{}/tests/eval/{file}", env!("CARGO_MANIFEST_DIR"));
    let mut reader = csv::Reader::from_path(&path).expect("evaluation file");
    reader
        .records()
        .map(|r| {
            let r = r.expect("well-formed evaluation row");
            Case {
                query: r[0].to_string(),
                country: derisk_core::CountryCode::new(&r[1]).ok(),
                expected: r[2]
                    .split('|')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
                kind: r[3].to_string(),
            }
        })
        .collect()
}

/// Per case: every (entity, score) the screener returns above 0.3.
fn run(screener: &Screener<'_>, cases: &[Case]) -> Vec<Vec<(String, f64)>> {
    let mut scratch = Scratch::default();
    cases
        .iter()
        .map(|c| {
            let q = Query {
                name: &c.query,
                country: c.country,
                identifier: None,
            };
            screener
                .screen(&q, None, &mut scratch)
                .matches
                .iter()
                .map(|h| (h.entity.id.to_string(), h.score))
                .collect()
        })
        .collect()
}

fn measure(
    pos: &[Case],
    pos_hits: &[Vec<(String, f64)>],
    neg_hits: &[Vec<(String, f64)>],
    t: f64,
) -> Metrics {
    let mut m = Metrics::default();
    for (c, hits) in pos.iter().zip(pos_hits) {
        let flagged: Vec<&String> = hits.iter().filter(|h| h.1 >= t).map(|h| &h.0).collect();
        if flagged.iter().any(|e| c.expected.contains(e)) {
            m.tp += 1;
        } else {
            m.fn_ += 1;
            if !flagged.is_empty() {
                m.fp += 1;
            }
        }
    }
    for hits in neg_hits {
        if hits.iter().any(|h| h.1 >= t) {
            m.fp += 1;
        }
    }
    m
}

#[test]
fn evaluation_set_floors() {
    let registry = derisk_registry::bundled().registry;
    let defaults = ScoreConfig::default();
    let screener = Screener::new(
        &registry,
        ScoreConfig {
            review_threshold: 0.3,
            ..defaults.clone()
        },
    );
    let pos = cases("positives.csv");
    let neg = cases("negatives.csv");
    assert!(
        pos.len() + neg.len() >= 300,
        "the set has at least 300 cases"
    );
    for c in &pos {
        for e in &c.expected {
            assert!(
                registry.entity(e).is_some(),
                "{}: unknown entity {e}",
                c.query
            );
        }
    }
    let pos_hits = run(&screener, &pos);
    let neg_hits = run(&screener, &neg);

    println!("threshold  precision  recall  f1");
    let mut t = 0.50;
    while t <= 1.0001 {
        let m = measure(&pos, &pos_hits, &neg_hits, t);
        println!(
            "{t:9.2}  {:9.3}  {:6.3}  {:.3}",
            m.precision(),
            m.recall(),
            m.f1()
        );
        t += 0.025;
    }
    let at_match = measure(&pos, &pos_hits, &neg_hits, defaults.match_threshold);
    let at_review = measure(&pos, &pos_hits, &neg_hits, defaults.review_threshold);
    println!(
        "match  ≥ {:.3}: {at_match:?} P {:.3} R {:.3} F1 {:.3}",
        defaults.match_threshold,
        at_match.precision(),
        at_match.recall(),
        at_match.f1()
    );
    println!(
        "review ≥ {:.3}: {at_review:?} P {:.3} R {:.3} F1 {:.3}",
        defaults.review_threshold,
        at_review.precision(),
        at_review.recall(),
        at_review.f1()
    );
    for (c, hits) in pos.iter().zip(&pos_hits) {
        if !hits
            .iter()
            .any(|h| h.1 >= defaults.review_threshold && c.expected.contains(&h.0))
        {
            println!("missed ({}): {:?} → {:?}", c.kind, c.query, hits.first());
        }
    }
    for (c, hits) in neg.iter().zip(&neg_hits) {
        if let Some(h) = hits.iter().find(|h| h.1 >= defaults.review_threshold) {
            let level = if h.1 >= defaults.match_threshold {
                "MATCH"
            } else {
                "review"
            };
            println!(
                "false {level} ({}): {:?} → {} {:.3}",
                c.kind, c.query, h.0, h.1
            );
        }
    }

    // No negative may reach `match`: near misses and generic names included.
    let neg_matches: Vec<&str> = neg
        .iter()
        .zip(&neg_hits)
        .filter(|(_, hits)| hits.iter().any(|h| h.1 >= defaults.match_threshold))
        .map(|(c, _)| c.query.as_str())
        .collect();
    assert_eq!(neg_matches, Vec::<&str>::new(), "negatives reaching match");
    // Generic names match nothing at all.
    for (c, hits) in neg.iter().zip(&neg_hits) {
        if c.kind == "generic" {
            assert!(
                hits.iter().all(|h| h.1 < defaults.review_threshold),
                "{}: {hits:?}",
                c.query
            );
        }
    }
    // Floors measured when the defaults were chosen (docs/PERFORMANCE.md).
    assert!(
        at_review.recall() >= FLOOR_REVIEW_RECALL,
        "recall at review {:.3}",
        at_review.recall()
    );
    assert!(
        at_review.precision() >= FLOOR_REVIEW_PRECISION,
        "precision at review {:.3}",
        at_review.precision()
    );
    assert!(
        at_match.recall() >= FLOOR_MATCH_RECALL,
        "recall at match {:.3}",
        at_match.recall()
    );
    assert!(
        at_match.precision() >= FLOOR_MATCH_PRECISION,
        "precision at match {:.3}",
        at_match.precision()
    );
}

// Measured at 0.85 / 0.60 on 279 positives and 209 negatives:
// match P 1.000 R 0.932; match-or-review P 0.949 R 1.000. The review floor
// was 0.95 (P 0.955 before the scorer of data/eval/names): the false
// reviews left are near misses this set labels negative but the scorer is
// asked to bring to review (a coined registry word inside a longer name,
// "Hytera Street Cafe"; one slip in a distinctive word, "Hyteria"; a
// pinyin name split, "Hua Wei Restaurant"). docs/PERFORMANCE.md lists them.
const FLOOR_REVIEW_RECALL: f64 = 0.99;
const FLOOR_REVIEW_PRECISION: f64 = 0.94;
const FLOOR_MATCH_RECALL: f64 = 0.92;
const FLOOR_MATCH_PRECISION: f64 = 0.99;
