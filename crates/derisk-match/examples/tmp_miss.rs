use derisk_match::{Matcher, NameInput, PreparedQuery, Scratch, normalize};
fn main() {
    let names = [
        "Deutschland Tanshan Industry International S.r.l.",
        "Tanshan Holding",
    ];
    let m = Matcher::build(&NameInput::numbered(&names));
    for q in [
        "Deutschland Tanshakn Industry International S.r.l.",
        "Tanshakn",
    ] {
        let n = normalize(q);
        println!(
            "{q}: {:?}",
            n.tokens
                .iter()
                .map(|t| (t.text.clone(), t.class))
                .collect::<Vec<_>>()
        );
        let pq = PreparedQuery::new(q, None);
        println!(
            "  cands {:?} brute {:?}",
            m.candidates(&pq, &mut Scratch::default()),
            m.candidates_brute_force(&pq)
        );
    }
    let n = normalize(names[0]);
    println!(
        "{:?}",
        n.tokens
            .iter()
            .map(|t| (t.text.clone(), t.class))
            .collect::<Vec<_>>()
    );
}
