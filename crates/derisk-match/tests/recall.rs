//! Exact recall on generated data: the deletion index finds exactly the
//! names the brute-force oracle finds, and every planted variant finds the
//! name it was made from.

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
