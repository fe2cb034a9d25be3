//! The labelled name pairs of `data/eval/names` (real names from public
//! lists, registers and filings; see its README): the files are well
//! formed, and the scorer keeps the quality measured when the defaults were
//! set. `scripts/bench-nomenklatura` scores the same pairs with
//! nomenklatura's logic-v2 beside derisk; the figures are in
//! `docs/PERFORMANCE.md`. Run with `--nocapture` for the table per
//! phenomenon.

use std::collections::BTreeMap;

mod common;

use common::Metrics;
use derisk_match::{PairScorer, PreparedQuery, ScoreConfig};

const LABELS: &[&str] = &["same", "related", "different"];
const RELATIONS: &[&str] = &["same", "none", "subsidiary", "parent", "sister", "other"];
const PHENOMENA: &[&str] = &[
    "exact-or-case",
    "legal-form",
    "legal-form-glued",
    "legal-form-misspelt",
    "legal-form-translated",
    "typo",
    "transliteration-variant",
    "numeral",
    "acronym",
    "split-join",
    "word-order",
    "abbreviation",
    "extra-words",
    "former-name",
    "translation",
    "script-cyrillic",
    "script-greek",
    "script-han",
    "script-other",
    "qualifier",
    "shared-word",
    "near-miss",
    "generic-words",
];

struct Pair {
    file: String,
    line: u64,
    name1: String,
    name2: String,
    label: String,
    phenomenon: String,
    source: String,
    relation: String,
}

fn pairs() -> Vec<Pair> {
    let dir = format!("{}/../../data/eval/names", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("data/eval/names exists")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut reader = csv::Reader::from_path(&path).expect("readable CSV");
        let headers = reader.headers().expect("a header").clone();
        assert_eq!(
            headers.iter().collect::<Vec<_>>(),
            [
                "name1",
                "name2",
                "label",
                "phenomenon",
                "source",
                "note",
                "relation"
            ],
            "{file}: header"
        );
        for rec in reader.records() {
            let rec = rec.unwrap_or_else(|e| panic!("{file}: {e}"));
            let line = rec.position().map_or(0, |p| p.line());
            out.push(Pair {
                file: file.clone(),
                line,
                name1: rec[0].to_string(),
                name2: rec[1].to_string(),
                label: rec[2].to_string(),
                phenomenon: rec[3].to_string(),
                source: rec[4].to_string(),
                relation: rec[6].to_string(),
            });
        }
    }
    out
}

#[test]
fn the_labelled_pairs_are_well_formed() {
    let pairs = pairs();
    assert!(pairs.len() >= 1500, "{} pairs", pairs.len());
    let mut seen = std::collections::HashSet::new();
    let mut hand = 0;
    for p in &pairs {
        let at = format!("{}:{}", p.file, p.line);
        assert!(
            !p.name1.trim().is_empty() && !p.name2.trim().is_empty(),
            "{at}: empty name"
        );
        assert_eq!(p.name1.trim(), p.name1, "{at}: untrimmed name1");
        assert_eq!(p.name2.trim(), p.name2, "{at}: untrimmed name2");
        assert!(
            LABELS.contains(&p.label.as_str()),
            "{at}: label {:?}",
            p.label
        );
        assert!(
            RELATIONS.contains(&p.relation.as_str()),
            "{at}: relation {:?}",
            p.relation
        );
        assert!(
            PHENOMENA.contains(&p.phenomenon.as_str()),
            "{at}: phenomenon {:?}",
            p.phenomenon
        );
        match p.label.as_str() {
            "same" => assert_eq!(p.relation, "same", "{at}"),
            "different" => assert_eq!(p.relation, "none", "{at}"),
            _ => assert!(!matches!(p.relation.as_str(), "same" | "none"), "{at}"),
        }
        let key = (p.name1.to_lowercase(), p.name2.to_lowercase());
        let back = (key.1.clone(), key.0.clone());
        assert!(
            !seen.contains(&back) && seen.insert(key),
            "{at}: duplicate pair"
        );
        hand += usize::from(p.source == "hand-variant");
    }
    // Most pairs are real names as their sources write them.
    assert!(hand * 10 <= pairs.len(), "{hand} hand-made variants");
}

#[test]
fn quality_on_the_labelled_pairs() {
    let pairs = pairs();
    let config = ScoreConfig::default();
    let mut scorer = PairScorer::default();
    let scores: Vec<f64> = pairs
        .iter()
        .map(|p| {
            scorer
                .score(&PreparedQuery::new(&p.name1, None), &p.name2)
                .map_or(0.0, |s| s.score)
        })
        .collect();
    // "Look": should an analyst look at the pair (same or related)?
    // "Covered": what a `match` claims, the organisation or a subsidiary of
    // it (the lists screened against cover subsidiaries).
    let (mut look_review, mut look_match, mut covered, mut strict) = (
        Metrics::default(),
        Metrics::default(),
        Metrics::default(),
        Metrics::default(),
    );
    let mut by: BTreeMap<&str, (usize, usize, usize, usize)> = BTreeMap::new();
    for (p, &s) in pairs.iter().zip(&scores) {
        let look = p.label != "different";
        let is_covered = p.label == "same" || p.relation == "subsidiary";
        let review = s >= config.review_threshold && s > 0.0;
        let matched = s >= config.match_threshold;
        look_review.add(look, review);
        look_match.add(look, matched);
        covered.add(is_covered, matched);
        strict.add(p.label == "same", matched);
        let e = by.entry(&p.phenomenon).or_default();
        if look {
            e.0 += 1;
            e.1 += usize::from(review);
        } else {
            e.2 += 1;
            e.3 += usize::from(review);
        }
    }
    println!("phenomenon               positives found  negatives flagged");
    for (k, (pos, found, neg, flagged)) in &by {
        println!("{k:24} {pos:9} {found:5}  {neg:9} {flagged:7}");
    }
    println!(
        "review (look): P {:.3} R {:.3} F1 {:.3}",
        look_review.precision(),
        look_review.recall(),
        look_review.f1()
    );
    println!(
        "match: covered P {:.3} R {:.3}; look P {:.3}; same only P {:.3}",
        covered.precision(),
        covered.recall(),
        look_match.precision(),
        strict.precision()
    );
    for (p, &s) in pairs.iter().zip(&scores) {
        if s >= config.match_threshold && !(p.label == "same" || p.relation == "subsidiary") {
            println!(
                "false match ({}, {}): {:?} | {:?} {s:.3}",
                p.relation, p.phenomenon, p.name1, p.name2
            );
        }
    }
    // Floors measured when the defaults were set (docs/PERFORMANCE.md).
    assert!(
        look_review.f1() >= FLOOR_REVIEW_F1,
        "F1 at review {:.3}",
        look_review.f1()
    );
    assert!(
        look_review.precision() >= FLOOR_REVIEW_PRECISION,
        "precision at review {:.3}",
        look_review.precision()
    );
    assert!(
        look_match.precision() >= FLOOR_MATCH_LOOK_PRECISION,
        "precision at match (look) {:.3}",
        look_match.precision()
    );
    assert!(
        covered.precision() >= FLOOR_MATCH_COVERED_PRECISION,
        "precision at match (covered) {:.3}",
        covered.precision()
    );
}

const FLOOR_REVIEW_F1: f64 = 0.74;
const FLOOR_REVIEW_PRECISION: f64 = 0.87;
const FLOOR_MATCH_LOOK_PRECISION: f64 = 0.97;
const FLOOR_MATCH_COVERED_PRECISION: f64 = 0.91;

/// Names that are only a legal form, digits or punctuation, very long or in
/// mixed scripts get a score and an explanation of what was compared.
#[test]
fn bad_names_get_a_score_and_an_explanation() {
    let mut scorer = PairScorer::default();
    let mut score = |q: &str, r: &str| {
        let pq = PreparedQuery::new(q, None);
        match scorer.score(&pq, r) {
            Ok(s) => (derisk_match::screen::round3(s.score), String::new()),
            Err(why) => (0.0, why),
        }
    };
    assert_eq!(
        score("GmbH", "Siemens GmbH"),
        (
            0.0,
            "nothing compared: the query has no words to compare (legal form GmbH set aside); \
             the reference has \"siemens\" (legal form GmbH set aside)"
                .to_string()
        )
    );
    assert_eq!(
        score("!!! ---, ...", "Huawei"),
        (
            0.0,
            "nothing compared: the query has no words to compare; the reference has \"huawei\""
                .to_string()
        )
    );
    assert_eq!(
        score("12345", "Huawei Technologies Co. Ltd."),
        (
            0.0,
            "no distinctive word in common: the query has \"12345\"; the reference has \
             \"huawei\", \"technology\" (legal form Co Ltd set aside)"
                .to_string()
        )
    );
    assert_eq!(score("12345", "12345").0, 1.0);
    let long = format!("Huawei {}", "x".repeat(10_000));
    let pq = PreparedQuery::new(&long, None);
    let s = scorer.score(&pq, "Huawei").expect("a score");
    let (_, sentence) = derisk_match::screen::explain(&s, &pq);
    assert!(
        sentence
            .ends_with("; the query was cut: only its first 512 characters and 32 words are read"),
        "{sentence}"
    );
    let unread = format!("Nothing {}", "y".repeat(10_000));
    let why = scorer
        .score(&PreparedQuery::new(&unread, None), "Huawei")
        .expect_err("no score");
    assert!(
        why.contains(" (cut: only its first 512 characters and 32 words are read)"),
        "{why}"
    );
    let mixed = PreparedQuery::new("Huawei 华为 Хуавей Χουάουεϊ", None);
    let s = scorer
        .score(&mixed, "Huawei Technologies Co. Ltd.")
        .expect("a score");
    let (_, sentence) = derisk_match::screen::explain(&s, &mixed);
    assert_eq!(
        sentence,
        "name 0.351: \"huawei\" = \"huawei\"; registry name also has \"technology\" (generic); \
         query also has \"华为\", \"khuavei\", \"khouaouei\""
    );
}

/// One [`PairScorer`] reused over every labelled pair (its references share
/// one index) scores and explains each pair exactly as the reference
/// indexed alone ([`derisk_match::Matcher::single`]) does, whatever came
/// before it; and [`derisk_match::explain_sentence`] is the sentence of
/// [`derisk_match::explain`]. The pairs include a word that is a stop word
/// in one name and distinctive in another ("Number").
#[test]
fn a_reused_scorer_scores_as_the_reference_alone() {
    let mut pairs: Vec<(String, String)> = vec![
        ("Acme Number 9 Holdings".into(), "Acme No 9 Holdings".into()),
        ("Stars Trading".into(), "Number Stars Trading".into()),
        ("nume Stars Trading".into(), "num Stars Trading".into()),
    ];
    pairs.extend(pairs_of_the_set());
    let mut reused = PairScorer::default();
    let mut scored = 0;
    for (name1, name2) in &pairs {
        let q = PreparedQuery::new(name1, None);
        let alone = derisk_match::Matcher::single(&derisk_match::NameInput {
            owner: 0,
            name: name2,
            country: None,
            short_form: false,
        });
        let again = reused.score(&q, name2);
        match (alone.score(&q, 0), &again) {
            (Some(a), Ok(b)) => {
                assert_eq!(a.score, b.score, "{name1} / {name2}");
                let (_, sentence) = derisk_match::explain(&a, &q);
                assert_eq!(sentence, derisk_match::explain_sentence(b, &q));
                scored += 1;
            }
            (None, Err(_)) => {}
            (a, b) => panic!("{name1} / {name2}: {a:?} against {b:?}"),
        }
    }
    assert!(
        scored * 2 > pairs.len(),
        "{scored} of {} scored",
        pairs.len()
    );
}

fn pairs_of_the_set() -> Vec<(String, String)> {
    pairs().into_iter().map(|p| (p.name1, p.name2)).collect()
}
