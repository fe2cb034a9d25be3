//! Units, their comparison and the score of one candidate (the formula is
//! in the documentation of [`crate::matcher`]).

use std::ops::Range;

use super::{
    F_NUMBER, INITIALS_MARK, IndexedName, Matcher, NONE, PreparedQuery, RARE_WORD_FLOOR, RTok,
    SHORT_FORM_CAP, for_each_run, translit_key,
};
use crate::index::{measure, shared_budget, within};
use crate::legal::{self, LegalCmp};
use crate::lexicon;
use crate::normalize::{Class, Normalized};

const W_DISTINCTIVE: f64 = 1.0;
const W_WEAK: f64 = 0.3;
/// How much an edit costs, per character of the longer token.
const EDIT_COST: f64 = 1.6;
/// A slip that turns one ordinary word into another is less likely.
const ORDINARY_SLIP: f64 = 0.85;
/// An edit between two ordinary words (both are words of a language).
const TWO_WORDS: f64 = 0.6;
const SOUNDS_SIM: f64 = 0.9;
const INITIALS_SIM: f64 = 0.9;
const ABBREVIATED_SIM: f64 = 0.8;
const LEGAL_AGREE: f64 = 0.02;
const LEGAL_DIFFER: f64 = -0.02;
/// Where the names are of two legal entities (legal forms that cannot be
/// one company's, a qualifier only one side has): the score goes no higher
/// than this, below `match`.
pub(crate) const OTHER_ENTITY_CEILING: f64 = 0.80;
const NUMBER_CONFLICT: f64 = -0.20;
const COUNTRY_AGREE: f64 = 0.03;
const COUNTRY_DIFFER: f64 = -0.05;
const REORDERED: f64 = -0.02;
/// A word is ordinary when the lexicon's Zipf frequency (× 10) reaches
/// this: about once in 300,000 words of some language (the list holds no
/// rarer words).
const ORDINARY: u8 = 35;

fn weight(class: Class) -> f64 {
    match class {
        Class::Distinctive => W_DISTINCTIVE,
        Class::Generic | Class::Location => W_WEAK,
        Class::Stop => 0.0,
    }
}

/// Share of its weight a registry token counts for when the query lacks it.
fn missing_factor(class: Class, ordinary: bool) -> f64 {
    match class {
        Class::Distinctive if ordinary => 0.6,
        Class::Distinctive => 1.0,
        Class::Generic | Class::Location => 0.15,
        Class::Stop => 0.0,
    }
}

/// Share of its weight a query token counts for when the registry name
/// lacks it.
fn extra_factor(class: Class, ordinary: bool) -> f64 {
    match class {
        Class::Distinctive if ordinary => 0.45,
        Class::Distinctive => 0.6,
        Class::Generic => 0.5,
        Class::Location => 0.25,
        Class::Stop => 0.0,
    }
}

/// How two aligned units compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PairKind {
    /// Same text.
    Equal,
    /// Same pinyin (a Han token against a Latin spelling or another Han
    /// writing).
    Pinyin,
    /// Same English meaning (a Chinese descriptor or place and its
    /// translation).
    Gloss,
    /// Same text once adjacent tokens are written together.
    Joined,
    /// Same transliteration key: two romanisations of one name.
    Sounds,
    /// One side is the initials of the other's words.
    Initials,
    /// One side is a descriptor the other abbreviates ("Constr" and
    /// "construction").
    Abbreviated,
    /// Within the edit budget: this many edits.
    Edits(usize),
}

/// One aligned pair of a scored candidate.
#[derive(Clone, Debug, PartialEq)]
pub struct Pair {
    /// The query side, as normalised (joined tokens with spaces).
    pub query: String,
    /// The registry side.
    pub registry: String,
    /// The highest class on either side.
    pub class: Class,
    /// How they compare.
    pub kind: PairKind,
    /// Similarity in [0, 1] before weighting.
    pub similarity: f64,
}

/// A token left over on one side.
#[derive(Clone, Debug, PartialEq)]
pub struct Leftover {
    /// The token.
    pub text: String,
    /// Its class.
    pub class: Class,
    /// An ordinary word of a language (it costs less as an extra word).
    pub ordinary: bool,
    /// The name's abbreviation of itself, in parentheses: it costs nothing.
    pub alias: bool,
}

/// One adjustment after the name similarity.
#[derive(Clone, Debug, PartialEq)]
pub struct Adjustment {
    /// Which signal ("legal form", "qualifier", "numbers", "country",
    /// "token order", "rare word", "short form").
    pub feature: &'static str,
    /// Added to the score.
    pub value: f64,
    /// What was seen.
    pub detail: String,
}

/// A candidate with its score and everything the score was made of.
#[derive(Clone, Debug, PartialEq)]
pub struct Scored {
    /// The index of the matched name (in indexing order).
    pub name: u32,
    /// The owner of that name.
    pub owner: u32,
    /// The final score in [0, 1].
    pub score: f64,
    /// The weighted name similarity before adjustments.
    pub name_similarity: f64,
    /// Aligned pairs.
    pub pairs: Vec<Pair>,
    /// Registry tokens the query lacks (stop words left out).
    pub missing: Vec<Leftover>,
    /// Query tokens the registry name lacks (stop words left out).
    pub extra: Vec<Leftover>,
    /// Adjustments applied, in order; the score is the name similarity plus
    /// their values.
    pub adjustments: Vec<Adjustment>,
}

/// A query unit: one token, 2–4 adjacent Latin tokens written together, or
/// the initials of a run of tokens.
#[derive(Clone, Debug)]
pub(super) struct Unit {
    pub start: usize,
    pub len: usize,
    /// The text, in [`Units::buf`].
    pub text: Range<usize>,
    pub pinyin: Option<Range<usize>>,
    pub key: Option<Range<usize>>,
    pub gloss: Option<&'static str>,
    pub class: Class,
    pub chars: usize,
    pub han: bool,
    pub number: bool,
    pub initials: bool,
    /// Initials of the whole name (a candidate rule).
    pub whole: bool,
}

/// The units of a query, their texts in one buffer.
#[derive(Clone, Debug, Default)]
pub(super) struct Units {
    pub list: Vec<Unit>,
    pub buf: String,
}

impl Units {
    /// The text of unit `u`.
    pub fn text(&self, u: &Unit) -> &str {
        &self.buf[u.text.clone()]
    }

    fn put(&mut self, s: &str) -> Range<usize> {
        let from = self.buf.len();
        self.buf.push_str(s);
        from..self.buf.len()
    }
}

impl Unit {
    fn view<'a>(&self, buf: &'a str) -> UnitView<'a> {
        UnitView {
            len: self.len,
            text: &buf[self.text.clone()],
            written: None,
            pinyin: self.pinyin.clone().map(|r| &buf[r]),
            key: self.key.clone().map(|r| &buf[r]),
            gloss: self.gloss,
            class: self.class,
            chars: self.chars,
            han: self.han,
            number: self.number,
            initials: self.initials,
            whole: self.whole,
        }
    }
}

/// The span of a name's initials: from its first to its last token that
/// is neither a stop word nor a number.
fn initials_span(kept: impl Iterator<Item = (usize, bool)>) -> Option<(usize, usize)> {
    let mut first = None;
    let mut last = 0;
    for (i, counts) in kept {
        if counts {
            first.get_or_insert(i);
            last = i;
        }
    }
    first.map(|f| (f, last + 1 - f))
}

/// The units of a query.
pub(super) fn query_units(n: &Normalized, initials: &[String]) -> Units {
    let toks = &n.tokens;
    let mut u = Units {
        list: Vec::with_capacity(toks.len() * 4),
        buf: String::with_capacity(toks.iter().map(|t| t.text.len()).sum::<usize>() * 6),
    };
    for (i, t) in toks.iter().enumerate() {
        let (chars, han) = measure(&t.text);
        let key = if han {
            None
        } else {
            translit_key(&t.text, t.skeleton.as_deref()).map(|k| u.put(&k))
        };
        let pinyin = t.pinyin.as_deref().map(|p| u.put(p));
        let text = u.put(&t.text);
        u.list.push(Unit {
            start: i,
            len: 1,
            key,
            text,
            pinyin,
            gloss: t.gloss,
            class: t.class,
            chars,
            han,
            number: t.number,
            initials: false,
            whole: false,
        });
    }
    for_each_run(toks.len(), |start, len| {
        let run = &toks[start..start + len];
        if run.iter().any(|t| t.pinyin.is_some()) {
            return;
        }
        let from = u.buf.len();
        for t in run {
            u.buf.push_str(t.join_text());
        }
        let text = from..u.buf.len();
        u.list.push(Unit {
            start,
            len,
            chars: text.len(),
            text,
            pinyin: None,
            key: None,
            gloss: None,
            class: run.iter().map(|t| t.class).min().unwrap_or(Class::Generic),
            han: false,
            number: false,
            initials: false,
            whole: false,
        });
    });
    if let Some((start, len)) = initials_span(
        toks.iter()
            .enumerate()
            .map(|(i, t)| (i, t.class != Class::Stop && !t.number)),
    ) {
        let class = toks[start..start + len]
            .iter()
            .map(|t| t.class)
            .min()
            .unwrap_or(Class::Generic);
        for w in initials {
            let text = u.put(w);
            u.list.push(Unit {
                start,
                len,
                chars: text.len(),
                text,
                pinyin: None,
                key: None,
                gloss: None,
                class,
                han: false,
                number: false,
                initials: true,
                whole: true,
            });
        }
    }
    u
}

/// A unit of either side, borrowed.
#[derive(Clone, Copy, Debug)]
struct UnitView<'a> {
    len: usize,
    text: &'a str,
    /// A registry token as written, where it took a canonical form.
    written: Option<&'a str>,
    pinyin: Option<&'a str>,
    key: Option<&'a str>,
    gloss: Option<&'a str>,
    class: Class,
    chars: usize,
    han: bool,
    number: bool,
    initials: bool,
    whole: bool,
}

/// A registry unit inside [`ScoreScratch`]: its text is a vocabulary entry
/// (one token) or a range of the scratch buffer (a join, initials).
#[derive(Clone, Debug)]
struct RUnit {
    start: usize,
    len: usize,
    text: Range<usize>,
    single: u32,
    /// The token as written where it took a canonical form, else NONE.
    written: u32,
    alt: u32,
    gloss: u32,
    key: u32,
    class: Class,
    chars: usize,
    han: bool,
    number: bool,
    initials: bool,
    whole: bool,
}

impl RUnit {
    /// A unit of several tokens (`start..start + len`) whose text is in the
    /// scratch buffer: tokens written together, or the name's initials.
    fn run(
        start: usize,
        len: usize,
        text: Range<usize>,
        class: Class,
        chars: usize,
        initials: bool,
    ) -> RUnit {
        RUnit {
            start,
            len,
            text,
            single: NONE,
            written: NONE,
            alt: NONE,
            gloss: NONE,
            key: NONE,
            class,
            chars,
            han: false,
            number: false,
            initials,
            whole: initials,
        }
    }
}

/// An aligned pair while scoring: similarity, weight, query unit,
/// registry unit, kind, loose (beyond the candidate definition).
type RawPair = (f64, f64, usize, usize, PairKind, bool);

/// Reusable buffers of the scorer.
#[derive(Debug, Default)]
pub(super) struct ScoreScratch {
    buf: String,
    r_units: Vec<RUnit>,
    pairs: Vec<RawPair>,
    chosen: Vec<RawPair>,
}

/// How a legal comparison, qualifiers and numbers came out, for the
/// explanation.
#[derive(Clone, Debug)]
pub(super) struct Evaluation {
    pub(super) score: f64,
    pub(super) name_similarity: f64,
    q_used: u64,
    r_used: u64,
    legal: LegalCmp,
    country: Option<bool>,
    reordered: bool,
    qualifier: bool,
    numbers: bool,
    /// What the rare-word floor added (zero or positive).
    floor: f64,
    /// The rare registry word behind the floor.
    rare: Option<usize>,
    /// What a cap took off (zero or negative), and whether it was the
    /// initials cap.
    cap: f64,
    initials_cap: bool,
    /// What keeping the score within [0, 1] took off or added.
    bound: f64,
    /// What being two legal entities took off (zero or negative).
    entity: f64,
    /// The legal forms say two legal entities.
    legal_entity: bool,
    /// Each side has descriptors or places where the other has others.
    substituted: bool,
    /// A word naming a kind of body that one side has alone.
    kind_word: Option<String>,
}

fn span(start: usize, len: usize) -> u64 {
    ((1u64 << len) - 1) << start
}

/// Similarity of two tokens `d` edits apart, the longer of `longest`
/// characters.
fn edit_similarity(d: usize, longest: usize) -> f64 {
    (1.0 - EDIT_COST * d as f64 / longest.max(1) as f64).max(0.0)
}

/// The edit budget of scoring: one from four characters, two from nine
/// (Han: as candidates).
fn scoring_budget(a: (usize, bool), b: (usize, bool)) -> usize {
    if a.1 || b.1 {
        return shared_budget(a, b);
    }
    let shorter = a.0.min(b.0);
    let longer = a.0.max(b.0);
    if shorter < 3 || longer > crate::index::MAX_FUZZY_CHARS {
        return 0;
    }
    match longer {
        0..=3 => 0,
        4..=8 => 1,
        _ => 2,
    }
}

/// Edits between two tokens within the scoring budget: similarity, kind,
/// and whether they are beyond the candidate budget.
fn edits(a: &str, ma: (usize, bool), b: &str, mb: (usize, bool)) -> Option<(f64, PairKind, bool)> {
    let budget = scoring_budget(ma, mb);
    if budget == 0 || ma.0.abs_diff(mb.0) > budget {
        return None;
    }
    let d = within(a, b, budget)?;
    let loose = d > shared_budget(ma, mb);
    Some((
        edit_similarity(d, ma.0.max(mb.0)),
        PairKind::Edits(d),
        loose,
    ))
}

fn compare_units(q: &UnitView<'_>, r: &UnitView<'_>) -> Option<(f64, PairKind, bool)> {
    if q.initials || r.initials {
        // Initials meet one token of 3–8 letters with the same text.
        let (init, tok) = if q.initials { (q, r) } else { (r, q) };
        if tok.initials
            || tok.len != 1
            || tok.han
            || tok.number
            || init.text != tok.text
            || (q.initials && init.chars < super::QUERY_INITIALS)
        {
            return None;
        }
        return Some((INITIALS_SIM, PairKind::Initials, !init.whole));
    }
    let joined = q.len > 1 || r.len > 1;
    if joined {
        // Joins only compare equal; a join on both sides is beyond the
        // candidate definition.
        if q.pinyin.is_none() && r.pinyin.is_none() && q.text == r.text {
            return Some((1.0, PairKind::Joined, q.len > 1 && r.len > 1));
        }
        return None;
    }
    if q.text == r.text {
        return Some((1.0, PairKind::Equal, false));
    }
    if q.class == Class::Stop || r.class == Class::Stop || q.number || r.number {
        return None;
    }
    // Chinese descriptors and places meet their English gloss.
    let gloss = match (q.han, r.han) {
        (true, true) => q.gloss.is_some() && q.gloss == r.gloss,
        (true, false) => q.gloss == Some(r.text),
        (false, true) => r.gloss == Some(q.text),
        (false, false) => false,
    };
    if gloss {
        return Some((1.0, PairKind::Gloss, false));
    }
    if q.pinyin.is_some() || r.pinyin.is_some() {
        let qk = q.pinyin.unwrap_or(q.text);
        let rk = r.pinyin.unwrap_or(r.text);
        if qk == rk {
            return Some((1.0, PairKind::Pinyin, false));
        }
        // Han against Han is compared in characters; through pinyin only
        // when one side is Latin.
        if q.pinyin.is_some() && r.pinyin.is_some() {
            return edits(q.text, (q.chars, q.han), r.text, (r.chars, r.han));
        }
        return edits(qk, measure(qk), rk, measure(rk));
    }
    // A descriptor cut short: three letters or more of it, two or more
    // left out. Only descriptors, whose abbreviations are conventional; a
    // name cut short is another name.
    let (short, long) = if q.chars < r.chars { (q, r) } else { (r, q) };
    if long.class == Class::Generic
        && short.chars >= 3
        && long.chars >= short.chars + 2
        && !short.han
        && !long.han
        && long.text.starts_with(short.text)
    {
        return Some((ABBREVIATED_SIM, PairKind::Abbreviated, true));
    }
    if let (Some(a), Some(b)) = (q.key, r.key)
        && a == b
    {
        // Counted like one edit, and never more than a plain edit would give.
        let sim = edit_similarity(1, q.chars.max(r.chars)).min(SOUNDS_SIM);
        return Some((sim, PairKind::Sounds, false));
    }
    // A slip in a place or descriptor is a slip in the word as the
    // registry writes it ("Tanshakn" and "Tanshan", read `tangshan`).
    edits(q.text, (q.chars, q.han), r.text, (r.chars, r.han)).or_else(|| {
        r.written
            .and_then(|w| edits(q.text, (q.chars, q.han), w, measure(w)))
    })
}

impl Matcher {
    /// Fills `sc.r_units` with the units of a registry name: its tokens,
    /// its runs of 2–4 Latin tokens written together, and its initials.
    fn registry_units(&self, n: &IndexedName, toks: &[RTok], sc: &mut ScoreScratch) {
        sc.buf.clear();
        sc.r_units.clear();
        for (i, t) in toks.iter().enumerate() {
            // The transliteration key: the skeleton, or the token itself.
            let key = if t.han {
                NONE
            } else if t.alt != NONE {
                t.alt
            } else if translit_key(self.vocab.text(t.text), None).is_some() {
                t.text
            } else {
                NONE
            };
            sc.r_units.push(RUnit {
                start: i,
                len: 1,
                text: 0..0,
                single: t.text,
                written: if t.han { NONE } else { t.written },
                alt: if t.han { t.alt } else { NONE },
                gloss: t.gloss,
                key,
                class: t.class,
                chars: usize::from(t.chars),
                han: t.han,
                number: t.flags & F_NUMBER != 0,
                initials: false,
                whole: false,
            });
        }
        for_each_run(toks.len(), |start, len| {
            let run = &toks[start..start + len];
            if run.iter().any(|t| t.han) {
                return;
            }
            let from = sc.buf.len();
            for t in run {
                sc.buf.push_str(self.vocab.text(t.join_text()));
            }
            sc.r_units.push(RUnit::run(
                start,
                len,
                from..sc.buf.len(),
                run.iter().map(|t| t.class).min().unwrap_or(Class::Generic),
                measure(&sc.buf[from..]).0,
                false,
            ));
        });
        if let Some((start, len)) = initials_span(
            toks.iter()
                .enumerate()
                .map(|(i, t)| (i, t.class != Class::Stop && !t.number())),
        ) {
            let class = toks[start..start + len]
                .iter()
                .map(|t| t.class)
                .min()
                .unwrap_or(Class::Generic);
            for id in Matcher::initials_of(n) {
                let text = &self.vocab.text(id)[INITIALS_MARK.len_utf8()..];
                let from = sc.buf.len();
                sc.buf.push_str(text);
                sc.r_units.push(RUnit::run(
                    start,
                    len,
                    from..sc.buf.len(),
                    class,
                    text.len(),
                    true,
                ));
            }
        }
    }

    fn view<'a>(&'a self, u: &RUnit, buf: &'a str) -> UnitView<'a> {
        UnitView {
            len: u.len,
            text: if u.single == NONE {
                &buf[u.text.clone()]
            } else {
                self.vocab.text(u.single)
            },
            written: (u.written != NONE).then(|| self.vocab.text(u.written)),
            pinyin: (u.alt != NONE).then(|| self.vocab.text(u.alt)),
            key: (u.key != NONE).then(|| self.vocab.text(u.key)),
            gloss: (u.gloss != NONE).then(|| self.vocab.text(u.gloss)),
            class: u.class,
            chars: u.chars,
            han: u.han,
            number: u.number,
            initials: u.initials,
            whole: u.whole,
        }
    }

    /// The score of `name` against `q` as numbers, with the chosen pairs
    /// left in `sc.chosen`; few allocations once the scratch has grown.
    pub(super) fn evaluate(
        &self,
        q: &PreparedQuery,
        n: &IndexedName,
        toks: &[RTok],
        sc: &mut ScoreScratch,
    ) -> Option<Evaluation> {
        self.registry_units(n, toks, sc);
        sc.pairs.clear();
        let zipf = q.zipf();
        let units = q.units();
        for (ri, ru) in sc.r_units.iter().enumerate() {
            let rv = self.view(ru, &sc.buf);
            for (qi, qu) in units.list.iter().enumerate() {
                if let Some((mut sim, kind, loose)) = compare_units(&qu.view(&units.buf), &rv) {
                    if let PairKind::Edits(_) = kind
                        && qu.len == 1
                        && zipf.get(qu.start).is_some_and(|&z| z >= ORDINARY)
                    {
                        // Two words of a language a letter apart are two
                        // words; a word a letter from a coined name, a
                        // likelier slip.
                        sim *= if ru.len == 1 && toks[ru.start].zipf >= ORDINARY {
                            TWO_WORDS
                        } else {
                            ORDINARY_SLIP
                        };
                    }
                    let w = weight(qu.class.min(ru.class));
                    sc.pairs.push((sim, w, qi, ri, kind, loose));
                }
            }
        }
        // Best pairs first; among equals, heavier, then shorter joins,
        // then in query order and registry order.
        let r_units = &sc.r_units;
        sc.pairs.sort_unstable_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then(b.1.total_cmp(&a.1))
                .then(a.5.cmp(&b.5))
                .then(
                    (units.list[a.2].len + r_units[a.3].len)
                        .cmp(&(units.list[b.2].len + r_units[b.3].len)),
                )
                .then((a.2, a.3).cmp(&(b.2, b.3)))
        });
        let (mut q_used, mut r_used) = (0u64, 0u64);
        sc.chosen.clear();
        for &p in &sc.pairs {
            let (qu, ru) = (&units.list[p.2], &r_units[p.3]);
            let (qs, rs) = (span(qu.start, qu.len), span(ru.start, ru.len));
            if q_used & qs != 0 || r_used & rs != 0 {
                continue;
            }
            q_used |= qs;
            r_used |= rs;
            sc.chosen.push(p);
        }
        // An anchor aligned within the candidate definition.
        let anchored = sc.chosen.iter().any(|&(_, _, _, ri, _, loose)| {
            let ru = &r_units[ri];
            !loose && (ru.start..ru.start + ru.len).any(|i| n.is_anchor(i))
        });
        let complete = !n.weak
            || toks
                .iter()
                .enumerate()
                .all(|(i, t)| t.class == Class::Stop || r_used >> i & 1 == 1);
        if !anchored || !complete || sc.chosen.is_empty() {
            return None;
        }
        let mut num = 0.0;
        let mut den = 0.0;
        for &(sim, w, _, _, _, _) in &sc.chosen {
            num += w * sim;
            den += w;
        }
        for (i, t) in toks.iter().enumerate() {
            if r_used >> i & 1 == 0 && !t.alias() {
                den += weight(t.class) * missing_factor(t.class, t.zipf >= ORDINARY);
            }
        }
        for (i, t) in q.normalized.tokens.iter().enumerate() {
            if q_used >> i & 1 == 0 && !t.alias {
                let ordinary = zipf.get(i).is_some_and(|&z| z >= ORDINARY);
                // Beside a registry short form ("CTT", "PLA"), another
                // distinctive word makes it likelier another body's
                // acronym: it costs its whole weight.
                let factor = if n.capped && t.class == Class::Distinctive {
                    1.0
                } else {
                    extra_factor(t.class, ordinary)
                };
                den += weight(t.class) * factor;
            }
        }
        let name_similarity = if den > 0.0 { num / den } else { 0.0 };
        let legal = legal::compare(&q.legal, &self.legal_sets[n.legal as usize]);
        let country = match (q.country, n.country) {
            (Some(qc), Some(rc)) => Some(qc == rc),
            _ => None,
        };
        // The chosen pairs in query order must be in registry order too.
        let mut reordered = false;
        let mut last: Option<usize> = None;
        for qs in 0..q.normalized.tokens.len() {
            if q.normalized.tokens[qs].class == Class::Stop {
                continue;
            }
            if let Some(&(_, _, _, ri, _, _)) =
                sc.chosen.iter().find(|p| units.list[p.2].start == qs)
            {
                let rs = r_units[ri].start;
                if last.is_some_and(|prev| rs < prev) {
                    reordered = true;
                }
                last = Some(rs);
            }
        }
        let r_qual_missing = toks
            .iter()
            .enumerate()
            .any(|(i, t)| t.qualifier() && r_used >> i & 1 == 0);
        let qualifier = r_qual_missing;
        // Words that one side has in place of the other's: descriptors
        // ("Communications" where the other says "Nuclear") or places in the
        // same position ("Barnaul" where the other says "Novosibirsk").
        let left = |class: Class, lead: Option<bool>| {
            let r = toks.iter().enumerate().any(|(i, t)| {
                t.class == class && r_used >> i & 1 == 0 && lead.is_none_or(|l| l != t.qualifier())
            });
            let qs = q.normalized.tokens.iter().enumerate().any(|(i, t)| {
                t.class == class && q_used >> i & 1 == 0 && lead.is_none_or(|l| l != t.qualifier)
            });
            r && qs
        };
        let substituted = left(Class::Generic, None) || left(Class::Location, Some(true));
        // A kind of body on one side only ("Holding", "Group", "Institute").
        let entity_word = |text: &str| lexicon::ENTITY_WORDS.contains(&text);
        let kind_word = toks
            .iter()
            .enumerate()
            .find(|(i, t)| r_used >> i & 1 == 0 && entity_word(self.vocab.text(t.text)))
            .map(|(_, t)| self.vocab.text(t.text).to_string())
            .or_else(|| {
                q.normalized
                    .tokens
                    .iter()
                    .enumerate()
                    .find(|(i, t)| q_used >> i & 1 == 0 && entity_word(&t.text))
                    .map(|(_, t)| t.text.clone())
            });
        let q_num_left = q
            .normalized
            .tokens
            .iter()
            .enumerate()
            .any(|(i, t)| t.number && q_used >> i & 1 == 0);
        let r_num_left = toks
            .iter()
            .enumerate()
            .any(|(i, t)| t.number() && r_used >> i & 1 == 0);
        let numbers = q_num_left && r_num_left;
        let legal_entity = matches!(legal, LegalCmp::Conflict(..) | LegalCmp::Foreign(..));
        let adjust = match legal {
            LegalCmp::Shared(_) | LegalCmp::Equivalent(..) => LEGAL_AGREE,
            LegalCmp::Differ => LEGAL_DIFFER,
            _ => 0.0,
        } + if numbers { NUMBER_CONFLICT } else { 0.0 }
            + match country {
                None => 0.0,
                Some(true) => COUNTRY_AGREE,
                Some(false) => COUNTRY_DIFFER,
            }
            + if reordered { REORDERED } else { 0.0 };
        // Two legal entities: down to the ceiling, not further (the names
        // may still be one group's).
        let entity = if legal_entity || qualifier || substituted || kind_word.is_some() {
            (OTHER_ENTITY_CEILING - (name_similarity + adjust)).min(0.0)
        } else {
            0.0
        };
        let unbounded = name_similarity + adjust + entity;
        let adjusted = unbounded.clamp(0.0, 1.0);
        // A rare, coined registry word aligned closely.
        let rare = sc.chosen.iter().find_map(|&(_, _, _, ri, kind, loose)| {
            let ru = &r_units[ri];
            if loose || ru.len != 1 || ru.initials {
                return None;
            }
            let t = &toks[ru.start];
            let long = if t.han { t.chars >= 3 } else { t.chars >= 5 };
            let close = matches!(
                kind,
                PairKind::Equal | PairKind::Pinyin | PairKind::Joined | PairKind::Sounds
            );
            (t.class == Class::Distinctive
                && !t.number()
                && long
                && close
                && t.zipf < ORDINARY
                && n.is_anchor(ru.start))
            .then_some(ru.start)
        });
        // The query must hold the registry name's every distinctive word;
        // what else it holds does not matter.
        let core = toks.iter().enumerate().all(|(i, t)| {
            t.class != Class::Distinctive || t.zipf >= ORDINARY || t.alias() || r_used >> i & 1 == 1
        });
        let floor = if rare.is_some() && core && !n.capped && adjusted < RARE_WORD_FLOOR {
            RARE_WORD_FLOOR - adjusted
        } else {
            0.0
        };
        let floored = adjusted + floor;
        // A match resting on initials.
        let initials_only = sc.chosen.iter().any(|p| p.4 == PairKind::Initials)
            && !sc
                .chosen
                .iter()
                .any(|&(_, w, _, _, kind, _)| kind != PairKind::Initials && w >= W_DISTINCTIVE);
        let score = if n.capped || initials_only {
            floored.min(SHORT_FORM_CAP)
        } else {
            floored
        };
        Some(Evaluation {
            score,
            name_similarity,
            q_used,
            r_used,
            legal,
            country,
            reordered,
            qualifier,
            numbers,
            floor,
            rare,
            cap: score - floored,
            initials_cap: initials_only && !n.capped,
            bound: adjusted - unbounded,
            entity,
            legal_entity,
            substituted,
            kind_word,
        })
    }

    pub(super) fn score_with(
        &self,
        q: &PreparedQuery,
        name: u32,
        sc: &mut ScoreScratch,
    ) -> Option<Scored> {
        let n = &self.names[name as usize];
        let toks = self.toks(n);
        let e = self.evaluate(q, n, toks, sc)?;
        let text = |t: &RTok| self.vocab.text(t.text);
        let pairs = sc
            .chosen
            .iter()
            .map(|&(sim, _, qi, ri, kind, _)| {
                let (qu, ru) = (&q.units().list[qi], &sc.r_units[ri]);
                Pair {
                    query: join_tokens(
                        q.normalized.tokens[qu.start..qu.start + qu.len]
                            .iter()
                            .filter(|t| qu.len == 1 || t.class != Class::Stop)
                            .map(|t| {
                                if qu.len == 1 {
                                    t.text.as_str()
                                } else {
                                    t.join_text()
                                }
                            }),
                    ),
                    registry: join_tokens(
                        toks[ru.start..ru.start + ru.len]
                            .iter()
                            .filter(|t| ru.len == 1 || t.class != Class::Stop)
                            .map(|t| {
                                if ru.len == 1 {
                                    text(t)
                                } else {
                                    self.vocab.text(t.join_text())
                                }
                            }),
                    ),
                    class: qu.class.min(ru.class),
                    kind,
                    similarity: sim,
                }
            })
            .filter(|p| p.class != Class::Stop)
            .collect();
        let zipf = q.zipf();
        let missing = toks
            .iter()
            .enumerate()
            .filter(|&(i, t)| e.r_used >> i & 1 == 0 && t.class != Class::Stop)
            .map(|(_, t)| Leftover {
                text: text(t).to_string(),
                class: t.class,
                ordinary: t.zipf >= ORDINARY,
                alias: t.alias(),
            })
            .collect();
        let extra = q
            .normalized
            .tokens
            .iter()
            .enumerate()
            .filter(|&(i, t)| e.q_used >> i & 1 == 0 && t.class != Class::Stop)
            .map(|(i, t)| Leftover {
                text: t.text.clone(),
                class: t.class,
                ordinary: zipf.get(i).is_some_and(|&z| z >= ORDINARY),
                alias: t.alias,
            })
            .collect();
        let mut adjustments = Vec::new();
        let label = |id: u32| lexicon::legal(id).label;
        let set = &self.legal_sets[n.legal as usize];
        match e.legal {
            LegalCmp::Unknown => {}
            LegalCmp::Shared(id) => adjustments.push(adjust(
                "legal form",
                LEGAL_AGREE,
                format!("{} on both sides", label(id)),
            )),
            LegalCmp::Equivalent(a, b) => adjustments.push(adjust(
                "legal form",
                LEGAL_AGREE,
                format!(
                    "{} and {} are the same kind of company ({})",
                    label(a),
                    label(b),
                    legal::class_in(a, *b"**").as_str()
                ),
            )),
            LegalCmp::Conflict(a, b, c) => adjustments.push(adjust(
                "legal form",
                e.entity,
                format!(
                    "{} ({}) and {} ({}) are different forms in {}: two legal entities, at most {OTHER_ENTITY_CEILING}",
                    label(a),
                    legal::class_in(a, c).as_str(),
                    label(b),
                    legal::class_in(b, c).as_str(),
                    String::from_utf8_lossy(&c)
                ),
            )),
            LegalCmp::Foreign(a, b) => adjustments.push(adjust(
                "legal form",
                e.entity,
                format!(
                    "{} ({}) and {} ({}) are different registrations: two legal entities, at most {OTHER_ENTITY_CEILING}",
                    label(a),
                    legal::countries(a),
                    label(b),
                    legal::countries(b)
                ),
            )),
            LegalCmp::Differ => adjustments.push(adjust(
                "legal form",
                LEGAL_DIFFER,
                format!(
                    "{} in the query, {} in the registry",
                    q.normalized
                        .legal_forms
                        .iter()
                        .map(|l| l.label)
                        .collect::<Vec<_>>()
                        .join(", "),
                    set.iter().map(|&id| label(id)).collect::<Vec<_>>().join(", ")
                ),
            )),
        }
        if e.qualifier {
            let r_quals: Vec<&str> = toks
                .iter()
                .enumerate()
                .filter(|(i, t)| t.qualifier() && e.r_used >> i & 1 == 0)
                .map(|(_, t)| text(t))
                .collect();
            let q_quals: Vec<&str> = q
                .normalized
                .tokens
                .iter()
                .enumerate()
                .filter(|(i, t)| t.qualifier && e.q_used >> i & 1 == 0)
                .map(|(_, t)| t.text.as_str())
                .collect();
            let detail = if q_quals.is_empty() {
                format!(
                    "the registry name is qualified by \"{}\" and the query is not: another entity of the group, at most {OTHER_ENTITY_CEILING}",
                    r_quals.join(" ")
                )
            } else {
                format!(
                    "qualified by \"{}\" in the query and \"{}\" in the registry: another entity of the group, at most {OTHER_ENTITY_CEILING}",
                    q_quals.join(" "),
                    r_quals.join(" ")
                )
            };
            // The legal forms took the score down already when they too say
            // two entities.
            let value = if e.legal_entity { 0.0 } else { e.entity };
            adjustments.push(adjust("qualifier", value, detail));
        }
        if e.substituted {
            let words = |left: Vec<&str>| {
                left.iter()
                    .map(|w| format!("\"{w}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let r_left: Vec<&str> = toks
                .iter()
                .enumerate()
                .filter(|(i, t)| {
                    matches!(t.class, Class::Generic | Class::Location) && e.r_used >> i & 1 == 0
                })
                .map(|(_, t)| text(t))
                .collect();
            let q_left: Vec<&str> = q
                .normalized
                .tokens
                .iter()
                .enumerate()
                .filter(|(i, t)| {
                    matches!(t.class, Class::Generic | Class::Location) && e.q_used >> i & 1 == 0
                })
                .map(|(_, t)| t.text.as_str())
                .collect();
            // Taken down already if the legal forms or a qualifier said so.
            let value = if e.legal_entity || e.qualifier {
                0.0
            } else {
                e.entity
            };
            adjustments.push(adjust(
                "substituted words",
                value,
                format!(
                    "the query says {} where the registry name says {}: another organisation of that kind, at most {OTHER_ENTITY_CEILING}",
                    words(q_left),
                    words(r_left)
                ),
            ));
        }
        if let Some(word) = &e.kind_word {
            let value = if e.legal_entity || e.qualifier || e.substituted {
                0.0
            } else {
                e.entity
            };
            adjustments.push(adjust(
                "kind of body",
                value,
                format!(
                    "\"{word}\" on one side only: a {word} and the organisation it is named after are two legal entities, at most {OTHER_ENTITY_CEILING}"
                ),
            ));
        }
        if e.numbers {
            let qn: Vec<&str> = q
                .normalized
                .tokens
                .iter()
                .enumerate()
                .filter(|(i, t)| t.number && e.q_used >> i & 1 == 0)
                .map(|(_, t)| t.text.as_str())
                .collect();
            let rn: Vec<&str> = toks
                .iter()
                .enumerate()
                .filter(|(i, t)| t.number() && e.r_used >> i & 1 == 0)
                .map(|(_, t)| text(t))
                .collect();
            adjustments.push(adjust(
                "numbers",
                NUMBER_CONFLICT,
                format!(
                    "{} in the query, {} in the registry",
                    qn.join(" "),
                    rn.join(" ")
                ),
            ));
        }
        if let (Some(agree), Some(qc), Some(rc)) = (e.country, q.country, n.country) {
            adjustments.push(if agree {
                adjust("country", COUNTRY_AGREE, format!("{qc} on both sides"))
            } else {
                adjust(
                    "country",
                    COUNTRY_DIFFER,
                    format!("{qc} in the query, {rc} in the registry"),
                )
            });
        }
        if e.reordered {
            adjustments.push(adjust(
                "token order",
                REORDERED,
                "the matched words come in a different order".to_string(),
            ));
        }
        if e.bound != 0.0 {
            adjustments.push(adjust(
                "bounds",
                e.bound,
                format!(
                    "scores stay between 0 and 1 (the parts add up to {:.3})",
                    e.score - e.cap - e.floor - e.bound
                ),
            ));
        }
        if e.floor > 0.0
            && let Some(at) = e.rare
        {
            adjustments.push(adjust(
                "rare word",
                e.floor,
                format!(
                    "\"{}\" is a coined word, not a word of a language: a query that holds it reaches {RARE_WORD_FLOOR} at least",
                    text(&toks[at])
                ),
            ));
        }
        if e.cap < 0.0 {
            let detail = if e.initials_cap {
                format!(
                    "the match rests on initials, which other names can spell too; they reach {SHORT_FORM_CAP} at most"
                )
            } else {
                format!(
                    "\"{}\" is a short form that many organisations share; alone it reaches {SHORT_FORM_CAP} at most",
                    join_tokens(toks.iter().map(text))
                )
            };
            adjustments.push(adjust("short form", e.cap, detail));
        }
        Some(Scored {
            name,
            owner: n.owner,
            score: e.score,
            name_similarity: e.name_similarity,
            pairs,
            missing,
            extra,
            adjustments,
        })
    }
}

fn adjust(feature: &'static str, value: f64, detail: String) -> Adjustment {
    Adjustment {
        feature,
        value,
        detail,
    }
}

fn join_tokens<'a>(it: impl Iterator<Item = &'a str>) -> String {
    crate::normalize::join_words(it)
}
