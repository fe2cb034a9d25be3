//! Exact recall on generated data: the deletion index finds exactly the
//! names the brute-force oracle finds, every planted variant finds the name
//! it was made from, and no name outside the candidates scores (a score
//! needs an anchor aligned by one of the candidate rules).

use derisk_match::synth::{self, Variant};
use derisk_match::{Matcher, NameInput, PreparedQuery, Scratch};

#[test]
fn index_equals_oracle_and_finds_every_planted_variant() {
    let names = synth::names(10_000, 11);
    let m = Matcher::build(&NameInput::numbered(&names));
    let queries = synth::queries(&names, 300, 0.75, 11);
    let mut scratch = Scratch::default();
    let mut planted = 0;
    let mut typos = 0;
    for q in &queries {
        let pq = PreparedQuery::new(&q.text, None);
        let fast = m.candidates(&pq, &mut scratch);
        assert_eq!(fast, m.candidates_brute_force(&pq), "{}", q.text);
        if let Some((src, variant)) = q.planted {
            planted += 1;
            typos += usize::from(variant == Variant::Typo);
            assert!(
                fast.contains(&(src as u32)),
                "{:?} made from {:?} ({variant:?}) is not a candidate",
                q.text,
                names[src]
            );
        }
    }
    assert!(
        planted > 180 && typos > 30,
        "{planted} planted, {typos} typos"
    );
}

/// Names that exercise every candidate rule: typos, pinyin, joins,
/// transliteration keys, glosses and initials.
const NAMES: &[&str] = &[
    "Hangzhou Hikvision Digital Technology Co., Ltd.",
    "海康威视",
    "China Mobile Communications Group Co., Ltd.",
    "中国移动",
    "People's Liberation Army",
    "PLA",
    "CNOOC",
    "China National Offshore Oil Corporation",
    "Rosoboronexport",
    "Yandex LLC",
    "Van der Bilt Holding",
    "Hik Vision Trading",
    "Nuctech Company Limited",
    "Siemens AG",
    "Deutsche Bank AG",
    "Banco Santander México",
    "Bowne Global Solutions (Germany)",
    "44 Holdings Ltd",
    "First National Bank",
    "Nord Gold PLC",
];

const QUERIES: &[&str] = &[
    "Hikvison",
    "Hai Kang Wei Shi",
    "中国移动通信集团有限公司",
    "China Mobile",
    "PLA",
    "People Liberation Army",
    "China National Offshore Oil Corp",
    "CNOOC Limited",
    "Rosoboroneksport",
    "OOO Iandeks",
    "Vanderbilt",
    "HikVision Trading",
    "Nuctech Scanner Maintenance BV",
    "SiemensAG",
    "Deutsche Bank GmbH",
    "Banco Santander",
    "Bowne Global Solutions (France)",
    "Forty-Four Holdings",
    "1st National Bank",
    "Mobile Communications",
    "Digital Technology Group BV",
    "Nordgold",
    "Nuc-Tech Co Ltd",
];

#[test]
fn only_candidates_score() {
    let m = Matcher::build(&NameInput::numbered(NAMES));
    let names = synth::names(2_000, 7);
    let g = Matcher::build(&NameInput::numbered(&names));
    let generated = synth::queries(&names, 60, 0.75, 7);
    let mut scratch = Scratch::default();
    let check = |m: &Matcher, q: &str, scratch: &mut Scratch| {
        let pq = PreparedQuery::new(q, None);
        let cands = m.candidates(&pq, scratch);
        assert_eq!(cands, m.candidates_brute_force(&pq), "{q}");
        for name in 0..m.len() as u32 {
            if m.score(&pq, name).is_some() {
                assert!(
                    cands.contains(&name),
                    "{q:?} scores name {name} without being a candidate"
                );
            }
        }
    };
    for q in QUERIES {
        check(&m, q, &mut scratch);
    }
    for q in &generated {
        check(&g, &q.text, &mut scratch);
    }
}

/// Tokens written together keep the letters they were written with: "tech"
/// reads `technology` alone, but "Nuc-Tech" is `nuctech`.
#[test]
fn written_joins_are_candidates() {
    let m = Matcher::build(&NameInput::numbered(NAMES));
    let mut scratch = Scratch::default();
    let find = |q: &str, scratch: &mut Scratch| {
        let pq = PreparedQuery::new(q, None);
        m.candidates(&pq, scratch)
            .into_iter()
            .filter(|&n| m.score(&pq, n).is_some_and(|s| s.score >= 0.85))
            .map(|n| NAMES[n as usize])
            .collect::<Vec<_>>()
    };
    assert_eq!(
        find("Nuc-Tech Co Ltd", &mut scratch),
        ["Nuctech Company Limited"]
    );
    assert_eq!(find("Nordgold", &mut scratch), ["Nord Gold PLC"]);
}

/// A slip in a place or descriptor is looked for in the word as written:
/// "Tanshakn" is one edit from "Tanshan", which reads `tangshan`.
#[test]
fn slips_in_canonical_words_are_candidates() {
    let names = [
        "Deutschland Tanshan Industry International S.r.l.",
        "Deutschland Industry International GmbH",
        "Industry International Partners",
    ];
    let m = Matcher::build(&NameInput::numbered(&names));
    let pq = PreparedQuery::new("Deutschland Tanshakn Industry International S.r.l.", None);
    let mut scratch = Scratch::default();
    let cands = m.candidates(&pq, &mut scratch);
    assert_eq!(cands, m.candidates_brute_force(&pq));
    assert!(cands.contains(&0), "{cands:?}");
    let s = m.score(&pq, 0).expect("a score");
    assert!(s.score >= 0.6, "{}", s.score);
}
