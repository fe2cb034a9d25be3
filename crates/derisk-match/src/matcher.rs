//! The candidate index and the scorer.
//!
//! # Which names are candidates (the recall guarantee)
//!
//! Each indexed name has **anchor tokens**: its distinctive tokens, or, for a
//! name with none ("China Mobile": a place and a descriptor), the one of its
//! tokens that is rarest in the index. A name `R` is a candidate for a query
//! `Q` exactly when one of these holds:
//!
//! 1. an anchor of `R` and a token of `Q` are within their shared edit
//!    budget ([`crate::index::max_edits`]: 0 edits up to 4 characters, 1 up
//!    to 8, 2 up to 24, exact beyond; Han: 0 up to 3 characters, 1 from 4),
//!    edits counted as optimal string alignment distance;
//! 2. the same, with the pinyin key of a Han anchor or of a Han query token
//!    standing for it (Latin budget);
//! 3. an anchor of `R` equals 2–4 adjacent `Q` tokens written together
//!    ("Hik Vision" → `hikvision`), or a `Q` token equals 2–4 adjacent `R`
//!    tokens that include an anchor written together.
//!
//! [`Matcher::candidates`] finds exactly these names through a
//! symmetric-deletion index; [`Matcher::candidates_brute_force`] checks the
//! same definition name by name and is the test oracle.
//!
//! # How a candidate is scored
//!
//! Tokens of both names are aligned one to one, best pairs first (equal
//! text, equal pinyin, equal when written together, then within the edit
//! budget). Distinctive tokens weigh 1, descriptors and places 0.3. The name
//! similarity is the weighted similarity of the aligned pairs divided by
//! their weight plus the weight of what is left over: registry tokens the
//! query lacks count fully if distinctive and 0.15 of their weight if
//! descriptors or places (suppliers drop "Hangzhou" and "Digital
//! Technology"); query tokens the registry name lacks count 0.6 of their
//! weight if distinctive (a subsidiary adds a word: "Hytera Mobilfunk"),
//! half for descriptors, a quarter for places. A pair that is
//! not equal but within the edit budget counts at 0.9 of its similarity
//! (1 − edits / length), so a misspelt name alone stays below `match`
//! unless the rest of the name corroborates it. Small adjustments follow:
//! legal forms agree (+0.02) or differ (−0.02); countries agree (+0.03) or
//! differ (−0.05); the aligned tokens are in a different order (−0.02).
//! A name with no anchor aligned, or a name without distinctive tokens that
//! is not aligned in full, scores nothing.

use std::collections::HashMap;
use std::ops::Range;

use derisk_core::CountryCode;
use rayon::prelude::*;

use crate::index::{
    DeletionIndex, for_each_deletion, max_edits, measure, pair_budget, shared_budget, within,
};
use crate::normalize::{Class, Normalized, normalize};
use crate::vocab::Vocab;

mod stored;

const NONE: u32 = u32::MAX;
const MAX_JOIN: usize = 4;
/// Registry joins live in the vocabulary under this prefix, apart from
/// tokens, because they are reached only by equality.
const JOIN_MARK: char = '\u{1}';
/// Names normalised in one parallel step while the index is built, so that
/// the normalised forms of a whole registry are never held at once.
const BUILD_CHUNK: usize = 1 << 16;

/// The weights and thresholds of scoring. [`Default`] gives the values
/// chosen from the evaluation set (see `docs/PERFORMANCE.md`).
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreConfig {
    /// Scores at or above this are `match`.
    pub match_threshold: f64,
    /// Scores at or above this (and below `match_threshold`) are `review`.
    pub review_threshold: f64,
}

impl Default for ScoreConfig {
    fn default() -> Self {
        ScoreConfig {
            match_threshold: 0.85,
            review_threshold: 0.60,
        }
    }
}

const W_DISTINCTIVE: f64 = 1.0;
const W_WEAK: f64 = 0.3;
const TYPO_FACTOR: f64 = 0.9;
const LEGAL_AGREE: f64 = 0.02;
const LEGAL_DIFFER: f64 = -0.02;
const COUNTRY_AGREE: f64 = 0.03;
const COUNTRY_DIFFER: f64 = -0.05;
const REORDERED: f64 = -0.02;

fn weight(class: Class) -> f64 {
    match class {
        Class::Distinctive => W_DISTINCTIVE,
        Class::Generic | Class::Location => W_WEAK,
    }
}

/// Share of its weight a registry token counts for when the query lacks it.
fn missing_factor(class: Class) -> f64 {
    match class {
        Class::Distinctive => 1.0,
        Class::Generic | Class::Location => 0.15,
    }
}

/// Share of its weight a query token counts for when the registry name
/// lacks it.
fn extra_factor(class: Class) -> f64 {
    match class {
        Class::Distinctive => 0.6,
        Class::Generic => 0.5,
        Class::Location => 0.25,
    }
}

/// One name to index.
#[derive(Clone, Debug)]
pub struct NameInput<'a> {
    /// The caller's id for the organisation the name belongs to.
    pub owner: u32,
    /// The name.
    pub name: &'a str,
    /// The organisation's country, if known.
    pub country: Option<CountryCode>,
    /// The registry gives this name as a short form or acronym. One of at
    /// most three letters ("PPA", "CTT") is shared by many organisations:
    /// alone it reaches [`SHORT_FORM_CAP`] at most.
    pub short_form: bool,
}

/// The highest score a name can reach through a short form of at most
/// three letters: below the default `match` threshold, so that it asks for
/// review.
pub const SHORT_FORM_CAP: f64 = 0.80;

impl<'a> NameInput<'a> {
    /// One input per name, each its own owner numbered from 0, without
    /// countries: for generated data and pairwise comparison.
    pub fn numbered<S: AsRef<str>>(names: &'a [S]) -> Vec<NameInput<'a>> {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| NameInput {
                owner: i as u32,
                name: n.as_ref(),
                country: None,
                short_form: false,
            })
            .collect()
    }
}

#[derive(Clone, Copy, Debug)]
struct RTok {
    text: u32,
    pinyin: u32,
    class: Class,
    /// Characters in `text`, at most 255 (only tokens of up to
    /// [`crate::index::MAX_FUZZY_CHARS`] are compared by length).
    chars: u8,
    han: bool,
}

/// One indexed name. Its tokens are `Matcher::tokens[first..first + len]`.
#[derive(Clone, Copy, Debug)]
struct IndexedName {
    owner: u32,
    first: u32,
    len: u8,
    /// No distinctive token: every token must align.
    weak: bool,
    /// A short form of at most three letters: capped at [`SHORT_FORM_CAP`].
    capped: bool,
    country: Option<CountryCode>,
    /// The anchor tokens (see the module documentation), one bit per
    /// position; names keep at most [`crate::normalize::MAX_TOKENS`] (32)
    /// tokens.
    anchors: u32,
    /// Index into `Matcher::legal_sets`.
    legal: u32,
}

impl IndexedName {
    fn is_anchor(&self, position: usize) -> bool {
        self.anchors >> position & 1 == 1
    }
}

/// How a vocabulary entry may be reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyKind {
    /// Not an anchor of any name.
    None,
    /// An anchor: reached within the edit budget.
    Fuzzy,
    /// Adjacent registry tokens written together: reached only exactly.
    Exact,
}

/// The screening index over a set of names.
#[derive(Debug)]
pub struct Matcher {
    serial: u64,
    vocab: Vocab,
    kinds: Vec<KeyKind>,
    names: Vec<IndexedName>,
    tokens: Vec<RTok>,
    /// The distinct sets of legal-form labels; 0 is the empty set.
    legal_sets: Vec<Box<[&'static str]>>,
    post_off: Vec<u32>,
    postings: Vec<u32>,
    deletions: DeletionIndex,
}

/// Sizes of a built index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexStats {
    /// Names indexed.
    pub names: usize,
    /// Distinct tokens and joined keys.
    pub vocabulary: usize,
    /// Entries in the deletion table.
    pub deletions: usize,
    /// Approximate bytes held by the whole index.
    pub index_bytes: usize,
}

/// How two aligned units compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PairKind {
    /// Same text.
    Equal,
    /// Same pinyin (a Han token against a Latin spelling or another Han
    /// writing).
    Pinyin,
    /// Same text once adjacent tokens are written together.
    Joined,
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
}

/// One adjustment after the name similarity.
#[derive(Clone, Debug, PartialEq)]
pub struct Adjustment {
    /// Which signal ("legal form", "country", "token order").
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
    /// Registry tokens the query lacks.
    pub missing: Vec<Leftover>,
    /// Query tokens the registry name lacks.
    pub extra: Vec<Leftover>,
    /// Adjustments applied.
    pub adjustments: Vec<Adjustment>,
}

/// A query prepared once and scored against many candidates.
#[derive(Clone, Debug)]
pub struct PreparedQuery {
    /// The normalised name.
    pub normalized: Normalized,
    /// The country given with it.
    pub country: Option<CountryCode>,
    units: Vec<Unit>,
}

/// A query unit: one token, or 2–4 adjacent Latin tokens written together.
#[derive(Clone, Debug)]
struct Unit {
    start: usize,
    len: usize,
    text: String,
    pinyin: Option<String>,
    class: Class,
    chars: usize,
    han: bool,
}

impl Unit {
    fn view(&self) -> UnitView<'_> {
        UnitView {
            len: self.len,
            text: &self.text,
            pinyin: self.pinyin.as_deref(),
            chars: self.chars,
            han: self.han,
        }
    }
}

impl PreparedQuery {
    /// Normalises `name` for scoring.
    pub fn new(name: &str, country: Option<CountryCode>) -> PreparedQuery {
        PreparedQuery::from_normalized(normalize(name), country)
    }

    /// Wraps an already normalised name.
    pub fn from_normalized(normalized: Normalized, country: Option<CountryCode>) -> PreparedQuery {
        let toks = &normalized.tokens;
        let mut units: Vec<Unit> = toks
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let (chars, han) = measure(&t.text);
                Unit {
                    start: i,
                    len: 1,
                    text: t.text.clone(),
                    pinyin: t.pinyin.clone(),
                    class: t.class,
                    chars,
                    han,
                }
            })
            .collect();
        for_each_run(toks.len(), |start, len| {
            let run = &toks[start..start + len];
            if run.iter().any(|t| t.pinyin.is_some()) {
                return;
            }
            let text: String = run.iter().map(|t| t.text.as_str()).collect();
            units.push(Unit {
                start,
                len,
                chars: measure(&text).0,
                text,
                pinyin: None,
                class: run.iter().map(|t| t.class).min().unwrap_or(Class::Generic),
                han: false,
            });
        });
        PreparedQuery {
            normalized,
            country,
            units,
        }
    }
}

/// Calls `f(start, len)` for every run of 2–[`MAX_JOIN`] adjacent positions
/// among `n`, shorter runs first.
fn for_each_run(n: usize, mut f: impl FnMut(usize, usize)) {
    for len in 2..=MAX_JOIN.min(n) {
        for start in 0..=n - len {
            f(start, len);
        }
    }
}

/// A unit of either side, borrowed.
#[derive(Clone, Copy, Debug)]
struct UnitView<'a> {
    len: usize,
    text: &'a str,
    pinyin: Option<&'a str>,
    chars: usize,
    han: bool,
}

/// A registry unit inside [`ScoreScratch`]: its text is a vocabulary entry
/// (one token) or a range of the scratch buffer (a join).
#[derive(Clone, Debug)]
struct RUnit {
    start: usize,
    len: usize,
    text: Range<usize>,
    single: u32,
    pinyin: u32,
    class: Class,
    chars: usize,
    han: bool,
}

/// An aligned pair while scoring: similarity, weight, query unit,
/// registry unit, kind.
type RawPair = (f64, f64, usize, usize, PairKind);

/// Reusable buffers of the scorer.
#[derive(Debug, Default)]
struct ScoreScratch {
    buf: String,
    r_units: Vec<RUnit>,
    pairs: Vec<RawPair>,
    chosen: Vec<RawPair>,
}

/// Per-thread scratch space for candidate generation and scoring.
///
/// It also remembers, for the index it was last used with, which
/// vocabulary entries each recent query token reached through the deletion
/// table: supplier lists repeat their words ("technology",
/// "international", city names), and a long word costs a hundred table
/// probes.
#[derive(Debug, Default)]
pub struct Scratch {
    found: Vec<u32>,
    hits: Vec<u32>,
    chars: Vec<char>,
    key: String,
    best: Vec<(u32, f64, u32)>,
    gathered: Vec<IndexedName>,
    gathered_toks: Vec<RTok>,
    score: ScoreScratch,
    /// The [`Matcher::serial`] the remembered lookups belong to.
    serial: u64,
    lookups: hashbrown::HashMap<Box<str>, (u32, u32)>,
    pool: Vec<u32>,
}

/// Remembered lookup results are dropped when they hold this many
/// vocabulary ids.
const LOOKUP_POOL_LIMIT: usize = 1 << 20;

/// Numbers each built [`Matcher`], so that a [`Scratch`] knows whose
/// vocabulary ids it remembers.
static SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl Scratch {
    /// The candidates of the last [`Matcher::search`] or
    /// [`Matcher::candidates`] made with this scratch, in index order.
    pub fn last_candidates(&self) -> &[u32] {
        &self.found
    }
}

/// How the legal forms of the two names compare.
#[derive(Clone, Copy, Debug, PartialEq)]
enum LegalCmp {
    /// One side has none.
    Unknown,
    /// This form is on both sides.
    Shared(&'static str),
    /// Both sides have forms, none shared.
    Differ,
}

/// The numbers a score is made of; [`Matcher::score`] turns them into
/// words.
#[derive(Clone, Copy, Debug)]
struct Evaluation {
    score: f64,
    name_similarity: f64,
    q_used: u64,
    r_used: u64,
    legal: LegalCmp,
    /// Whether the countries agree, when both are known.
    country: Option<bool>,
    reordered: bool,
    /// What the short-form cap took off (zero or negative).
    cap: f64,
}

fn span(start: usize, len: usize) -> u64 {
    ((1u64 << len) - 1) << start
}

impl Matcher {
    /// Indexes `names`. Normalisation and the deletion table are built on
    /// all cores.
    pub fn build(names: &[NameInput<'_>]) -> Matcher {
        let mut vocab = Vocab::default();
        let mut tokens: Vec<RTok> = Vec::new();
        let mut indexed: Vec<IndexedName> = Vec::with_capacity(names.len());
        let mut legal_sets: Vec<Box<[&'static str]>> = vec![Box::default()];
        let mut legal_ids: HashMap<Box<[&'static str]>, u32> = HashMap::new();
        for chunk in names.chunks(BUILD_CHUNK) {
            let normalized: Vec<Normalized> = chunk.par_iter().map(|n| normalize(n.name)).collect();
            for (input, n) in chunk.iter().zip(normalized) {
                let first = tokens.len() as u32;
                for t in &n.tokens {
                    let (chars, han) = measure(&t.text);
                    tokens.push(RTok {
                        text: vocab.intern(&t.text),
                        pinyin: t.pinyin.as_deref().map_or(NONE, |p| vocab.intern(p)),
                        class: t.class,
                        chars: chars.min(255) as u8,
                        han,
                    });
                }
                let labels: Box<[&'static str]> = n.legal_forms.iter().map(|l| l.label).collect();
                let legal = if labels.is_empty() {
                    0
                } else {
                    *legal_ids.entry(labels).or_insert_with_key(|k| {
                        legal_sets.push(k.clone());
                        legal_sets.len() as u32 - 1
                    })
                };
                let weak = !n.tokens.iter().any(|t| t.class == Class::Distinctive);
                indexed.push(IndexedName {
                    owner: input.owner,
                    first,
                    len: n.tokens.len() as u8,
                    weak,
                    capped: input.short_form
                        && !weak
                        && tokens[first as usize..]
                            .iter()
                            .filter(|t| t.class == Class::Distinctive)
                            .all(|t| t.chars <= 3),
                    country: input.country,
                    anchors: 0,
                    legal,
                });
            }
        }
        // How many names each token occurs in, to pick the anchor of names
        // without distinctive tokens.
        let mut freq = vec![0u32; vocab.len()];
        for t in &tokens {
            freq[t.text as usize] += 1;
        }
        for n in &mut indexed {
            n.anchors = anchor_mask(n, name_tokens(&tokens, n), &freq);
        }
        drop(freq);
        let mut kinds = vec![KeyKind::None; vocab.len()];
        let mut posts: Vec<(u32, u32)> = Vec::new();
        let mut buf = String::new();
        let mut ranges = Vec::new();
        for (ni, n) in indexed.iter().enumerate() {
            let ni = ni as u32;
            let toks = name_tokens(&tokens, n);
            for (i, t) in toks.iter().enumerate() {
                if !n.is_anchor(i) {
                    continue;
                }
                posts.push((t.text, ni));
                kinds[t.text as usize] = KeyKind::Fuzzy;
                if t.pinyin != NONE {
                    posts.push((t.pinyin, ni));
                    kinds[t.pinyin as usize] = KeyKind::Fuzzy;
                }
            }
            registry_joins(n, toks, &vocab, &mut buf, &mut ranges);
            for r in &ranges {
                let id = vocab.intern(&buf[r.clone()]);
                if id as usize >= kinds.len() {
                    kinds.push(KeyKind::Exact);
                } else if kinds[id as usize] == KeyKind::None {
                    kinds[id as usize] = KeyKind::Exact;
                }
                posts.push((id, ni));
            }
        }
        posts.par_sort_unstable();
        posts.dedup();
        let mut post_off = vec![0u32; vocab.len() + 1];
        for &(v, _) in &posts {
            post_off[v as usize + 1] += 1;
        }
        for i in 1..post_off.len() {
            post_off[i] += post_off[i - 1];
        }
        let postings = posts.into_iter().map(|(_, n)| n).collect();
        let fuzzy: Vec<(u32, &str)> = vocab
            .iter()
            .filter(|(i, _)| kinds[*i as usize] == KeyKind::Fuzzy)
            .collect();
        let deletions = DeletionIndex::build(&fuzzy);
        drop(fuzzy);
        tokens.shrink_to_fit();
        Matcher {
            serial: SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            vocab,
            kinds,
            names: indexed,
            tokens,
            legal_sets,
            post_off,
            postings,
            deletions,
        }
    }

    /// Sizes of the index.
    pub fn stats(&self) -> IndexStats {
        IndexStats {
            names: self.names.len(),
            vocabulary: self.vocab.len(),
            deletions: self.deletions.len(),
            index_bytes: self.deletions.heap_bytes()
                + self.vocab.heap_bytes()
                + self.kinds.len()
                + self.names.len() * std::mem::size_of::<IndexedName>()
                + self.tokens.len() * std::mem::size_of::<RTok>()
                + self.postings.len() * 4
                + self.post_off.len() * 4,
        }
    }

    /// Number of indexed names.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no name is indexed.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The owner of indexed name `name`.
    pub fn owner_of(&self, name: u32) -> u32 {
        self.names[name as usize].owner
    }

    fn toks(&self, n: &IndexedName) -> &[RTok] {
        name_tokens(&self.tokens, n)
    }

    fn postings_of(&self, v: u32) -> &[u32] {
        let (lo, hi) = (
            self.post_off[v as usize] as usize,
            self.post_off[v as usize + 1] as usize,
        );
        &self.postings[lo..hi]
    }

    /// Every indexed name that is a candidate for `q` under the definition
    /// in the module documentation, in index order.
    pub fn candidates(&self, q: &PreparedQuery, scratch: &mut Scratch) -> Vec<u32> {
        self.collect_candidates(q, scratch);
        scratch.found.clone()
    }

    /// Leaves the candidates of `q`, sorted, in `scratch.found`.
    fn collect_candidates(&self, q: &PreparedQuery, scratch: &mut Scratch) {
        scratch.found.clear();
        if scratch.serial != self.serial || scratch.pool.len() > LOOKUP_POOL_LIMIT {
            scratch.serial = self.serial;
            scratch.lookups.clear();
            scratch.pool.clear();
        }
        for t in &q.normalized.tokens {
            self.fuzzy_lookup(&t.text, scratch);
            if let Some(p) = &t.pinyin {
                self.fuzzy_lookup(p, scratch);
            }
        }
        for u in &q.units {
            // Query tokens written together equal to an anchor.
            if u.len > 1
                && let Some(v) = self.vocab.get(&u.text)
                && self.kinds[v as usize] == KeyKind::Fuzzy
            {
                scratch.found.extend_from_slice(self.postings_of(v));
            }
            // A query token, or tokens written together, equal to registry
            // tokens written together.
            scratch.key.clear();
            scratch.key.push(JOIN_MARK);
            scratch.key.push_str(&u.text);
            if let Some(v) = self.vocab.get(&scratch.key) {
                scratch.found.extend_from_slice(self.postings_of(v));
            }
        }
        scratch.found.sort_unstable();
        scratch.found.dedup();
    }

    fn fuzzy_lookup(&self, token: &str, scratch: &mut Scratch) {
        let (len, han) = measure(token);
        let k = max_edits(len, han);
        if k == 0 {
            // Only the token itself: no need for the deletion table.
            if let Some(v) = self.vocab.get(token)
                && self.kinds[v as usize] == KeyKind::Fuzzy
            {
                scratch.found.extend_from_slice(self.postings_of(v));
            }
            return;
        }
        if let Some(&(lo, hi)) = scratch.lookups.get(token) {
            for &v in &scratch.pool[lo as usize..hi as usize] {
                scratch.found.extend_from_slice(self.postings_of(v));
            }
            return;
        }
        scratch.chars.clear();
        scratch.chars.extend(token.chars());
        let hits = &mut scratch.hits;
        hits.clear();
        for_each_deletion(&scratch.chars, k, |h| hits.extend(self.deletions.get(h)));
        hits.sort_unstable();
        hits.dedup();
        let lo = scratch.pool.len() as u32;
        for &v in hits.iter() {
            let cand = self.vocab.text(v);
            if within(token, cand, shared_budget((len, han), measure(cand))).is_some() {
                scratch.found.extend_from_slice(self.postings_of(v));
                scratch.pool.push(v);
            }
        }
        scratch
            .lookups
            .insert(token.into(), (lo, scratch.pool.len() as u32));
    }

    /// The same set as [`Matcher::candidates`], found by checking every
    /// indexed name against the definition. Slow; the test oracle.
    pub fn candidates_brute_force(&self, q: &PreparedQuery) -> Vec<u32> {
        let mut out = Vec::new();
        let mut buf = String::new();
        let mut ranges = Vec::new();
        for (ni, n) in self.names.iter().enumerate() {
            let toks = self.toks(n);
            let hit = toks.iter().enumerate().any(|(i, t)| {
                if !n.is_anchor(i) {
                    return false;
                }
                let mut keys = vec![self.vocab.text(t.text)];
                if t.pinyin != NONE {
                    keys.push(self.vocab.text(t.pinyin));
                }
                keys.iter().any(|key| {
                    q.normalized.tokens.iter().any(|qt| {
                        std::iter::once(qt.text.as_str())
                            .chain(qt.pinyin.as_deref())
                            .any(|qk| within(qk, key, pair_budget(qk, key)).is_some())
                    }) || q.units.iter().any(|u| u.len > 1 && u.text == *key)
                })
            }) || {
                // A query token (or join) equal to an anchor-bearing run.
                registry_joins(n, toks, &self.vocab, &mut buf, &mut ranges);
                ranges.iter().any(|r| {
                    let run = &buf[r.start + JOIN_MARK.len_utf8()..r.end];
                    q.units.iter().any(|u| u.text == run)
                })
            };
            if hit {
                out.push(ni as u32);
            }
        }
        out
    }

    /// Scores indexed name `name` against `q`; `None` when it does not
    /// qualify (no anchor aligned, or a name without distinctive tokens not
    /// aligned in full).
    pub fn score(&self, q: &PreparedQuery, name: u32) -> Option<Scored> {
        self.score_with(q, name, &mut ScoreScratch::default())
    }

    fn score_with(&self, q: &PreparedQuery, name: u32, sc: &mut ScoreScratch) -> Option<Scored> {
        let n = &self.names[name as usize];
        let toks = self.toks(n);
        let e = self.evaluate(q, n, toks, sc)?;
        let pairs = sc
            .chosen
            .iter()
            .map(|&(sim, _, qi, ri, kind)| {
                let (qu, ru) = (&q.units[qi], &sc.r_units[ri]);
                Pair {
                    query: join_tokens(
                        q.normalized.tokens[qu.start..qu.start + qu.len]
                            .iter()
                            .map(|t| t.text.as_str()),
                    ),
                    registry: join_tokens(
                        toks[ru.start..ru.start + ru.len]
                            .iter()
                            .map(|t| self.vocab.text(t.text)),
                    ),
                    class: qu.class.min(ru.class),
                    kind,
                    similarity: sim,
                }
            })
            .collect();
        let missing = toks
            .iter()
            .enumerate()
            .filter(|&(i, _)| e.r_used >> i & 1 == 0)
            .map(|(_, t)| Leftover {
                text: self.vocab.text(t.text).to_string(),
                class: t.class,
            })
            .collect();
        let extra = q
            .normalized
            .tokens
            .iter()
            .enumerate()
            .filter(|&(i, _)| e.q_used >> i & 1 == 0)
            .map(|(_, t)| Leftover {
                text: t.text.clone(),
                class: t.class,
            })
            .collect();
        let mut adjustments = Vec::new();
        match e.legal {
            LegalCmp::Unknown => {}
            LegalCmp::Shared(shared) => adjustments.push(agreement(
                "legal form",
                LEGAL_AGREE,
                format!("{shared} on both sides"),
            )),
            LegalCmp::Differ => {
                let q_legal: Vec<&str> = q.normalized.legal_forms.iter().map(|l| l.label).collect();
                adjustments.push(agreement(
                    "legal form",
                    LEGAL_DIFFER,
                    format!(
                        "{} in the query, {} in the registry",
                        q_legal.join(", "),
                        self.legal_sets[n.legal as usize].join(", ")
                    ),
                ));
            }
        }
        if let (Some(agree), Some(qc), Some(rc)) = (e.country, q.country, n.country) {
            adjustments.push(if agree {
                agreement("country", COUNTRY_AGREE, format!("{qc} on both sides"))
            } else {
                agreement(
                    "country",
                    COUNTRY_DIFFER,
                    format!("{qc} in the query, {rc} in the registry"),
                )
            });
        }
        if e.reordered {
            adjustments.push(agreement(
                "token order",
                REORDERED,
                "the matched words come in a different order".to_string(),
            ));
        }
        if e.cap < 0.0 {
            adjustments.push(agreement(
                "short form",
                e.cap,
                format!(
                    "\"{}\" is a short form that many organisations share; alone it reaches {SHORT_FORM_CAP} at most",
                    join_tokens(toks.iter().map(|t| self.vocab.text(t.text)))
                ),
            ));
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

    /// Fills `sc.r_units` with the units of a registry name: its tokens,
    /// then its runs of 2–4 Latin tokens written together.
    fn registry_units(&self, toks: &[RTok], sc: &mut ScoreScratch) {
        sc.buf.clear();
        sc.r_units.clear();
        for (i, t) in toks.iter().enumerate() {
            sc.r_units.push(RUnit {
                start: i,
                len: 1,
                text: 0..0,
                single: t.text,
                pinyin: t.pinyin,
                class: t.class,
                chars: usize::from(t.chars),
                han: t.han,
            });
        }
        for_each_run(toks.len(), |start, len| {
            let run = &toks[start..start + len];
            if run.iter().any(|t| t.pinyin != NONE) {
                return;
            }
            let from = sc.buf.len();
            for t in run {
                sc.buf.push_str(self.vocab.text(t.text));
            }
            sc.r_units.push(RUnit {
                start,
                len,
                text: from..sc.buf.len(),
                single: NONE,
                pinyin: NONE,
                class: run.iter().map(|t| t.class).min().unwrap_or(Class::Generic),
                chars: measure(&sc.buf[from..]).0,
                han: false,
            });
        });
    }

    fn view<'a>(&'a self, u: &RUnit, buf: &'a str) -> UnitView<'a> {
        UnitView {
            len: u.len,
            text: if u.single == NONE {
                &buf[u.text.clone()]
            } else {
                self.vocab.text(u.single)
            },
            pinyin: (u.pinyin != NONE).then(|| self.vocab.text(u.pinyin)),
            chars: u.chars,
            han: u.han,
        }
    }

    /// The score of `name` against `q` as numbers, with the chosen pairs
    /// left in `sc.chosen`; no allocation once the scratch has grown.
    fn evaluate(
        &self,
        q: &PreparedQuery,
        n: &IndexedName,
        toks: &[RTok],
        sc: &mut ScoreScratch,
    ) -> Option<Evaluation> {
        self.registry_units(toks, sc);
        sc.pairs.clear();
        for (ri, ru) in sc.r_units.iter().enumerate() {
            let rv = self.view(ru, &sc.buf);
            for (qi, qu) in q.units.iter().enumerate() {
                if let Some((sim, kind)) = compare_units(&qu.view(), &rv) {
                    let w = weight(qu.class.min(ru.class));
                    sc.pairs.push((sim, w, qi, ri, kind));
                }
            }
        }
        // Best pairs first; among equals, heavier, then shorter joins,
        // then in query order and registry order.
        let r_units = &sc.r_units;
        sc.pairs.sort_unstable_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then(b.1.total_cmp(&a.1))
                .then(
                    (q.units[a.2].len + r_units[a.3].len)
                        .cmp(&(q.units[b.2].len + r_units[b.3].len)),
                )
                .then((a.2, a.3).cmp(&(b.2, b.3)))
        });
        let (mut q_used, mut r_used) = (0u64, 0u64);
        sc.chosen.clear();
        for &p in &sc.pairs {
            let (qu, ru) = (&q.units[p.2], &r_units[p.3]);
            let (qs, rs) = (span(qu.start, qu.len), span(ru.start, ru.len));
            if q_used & qs != 0 || r_used & rs != 0 {
                continue;
            }
            q_used |= qs;
            r_used |= rs;
            sc.chosen.push(p);
        }
        let anchored = if n.weak {
            r_used == span(0, toks.len())
        } else {
            toks.iter()
                .enumerate()
                .any(|(i, t)| r_used >> i & 1 == 1 && t.class == Class::Distinctive)
        };
        if !anchored || sc.chosen.is_empty() {
            return None;
        }
        let mut num = 0.0;
        let mut den = 0.0;
        for &(sim, w, _, _, kind) in &sc.chosen {
            let eff = if matches!(kind, PairKind::Edits(_)) {
                sim * TYPO_FACTOR
            } else {
                sim
            };
            num += w * eff;
            den += w;
        }
        for (i, t) in toks.iter().enumerate() {
            if r_used >> i & 1 == 0 {
                den += weight(t.class) * missing_factor(t.class);
            }
        }
        for (i, t) in q.normalized.tokens.iter().enumerate() {
            if q_used >> i & 1 == 0 {
                den += weight(t.class) * extra_factor(t.class);
            }
        }
        let name_similarity = if den > 0.0 { num / den } else { 0.0 };
        let r_legal = &self.legal_sets[n.legal as usize];
        let q_legal = &q.normalized.legal_forms;
        let legal = if q_legal.is_empty() || r_legal.is_empty() {
            LegalCmp::Unknown
        } else {
            match q_legal.iter().find(|l| r_legal.contains(&l.label)) {
                Some(shared) => LegalCmp::Shared(shared.label),
                None => LegalCmp::Differ,
            }
        };
        let country = match (q.country, n.country) {
            (Some(qc), Some(rc)) => Some(qc == rc),
            _ => None,
        };
        // The chosen pairs in query order must be in registry order too.
        let mut reordered = false;
        let mut last: Option<(usize, usize)> = None;
        for qs in 0..q.normalized.tokens.len() {
            if let Some(&(_, _, _, ri, _)) = sc.chosen.iter().find(|p| q.units[p.2].start == qs) {
                let rs = r_units[ri].start;
                if last.is_some_and(|(_, prev)| rs < prev) {
                    reordered = true;
                }
                last = Some((qs, rs));
            }
        }
        let adjust = match legal {
            LegalCmp::Unknown => 0.0,
            LegalCmp::Shared(_) => LEGAL_AGREE,
            LegalCmp::Differ => LEGAL_DIFFER,
        } + match country {
            None => 0.0,
            Some(true) => COUNTRY_AGREE,
            Some(false) => COUNTRY_DIFFER,
        } + if reordered { REORDERED } else { 0.0 };
        let uncapped = (name_similarity + adjust).clamp(0.0, 1.0);
        let score = if n.capped {
            uncapped.min(SHORT_FORM_CAP)
        } else {
            uncapped
        };
        Some(Evaluation {
            score,
            cap: score - uncapped,
            name_similarity,
            q_used,
            r_used,
            legal,
            country,
            reordered,
        })
    }

    /// Candidates of `q` scored, the best name per owner, best first;
    /// only scores at or above `floor` are kept. Only the kept names are
    /// explained.
    pub fn search(&self, q: &PreparedQuery, floor: f64, scratch: &mut Scratch) -> Vec<Scored> {
        self.collect_candidates(q, scratch);
        // Copy the candidates' records, then their tokens, before scoring:
        // each is a cache miss in a large index, and in a loop that does
        // nothing else the misses overlap instead of stalling each
        // evaluation in turn.
        scratch.gathered.clear();
        scratch
            .gathered
            .extend(scratch.found.iter().map(|&c| self.names[c as usize]));
        scratch.gathered_toks.clear();
        for n in &scratch.gathered {
            scratch.gathered_toks.extend_from_slice(self.toks(n));
        }
        scratch.best.clear();
        let mut at = 0;
        for (&name, n) in scratch.found.iter().zip(&scratch.gathered) {
            let toks = &scratch.gathered_toks[at..at + usize::from(n.len)];
            at += usize::from(n.len);
            if let Some(e) = self.evaluate(q, n, toks, &mut scratch.score)
                && e.score >= floor
            {
                scratch.best.push((n.owner, e.score, name));
            }
        }
        // The best name per owner; among equal scores the first indexed.
        scratch
            .best
            .sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
        scratch.best.dedup_by_key(|b| b.0);
        scratch
            .best
            .sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut out = Vec::with_capacity(scratch.best.len());
        for &(_, _, name) in &scratch.best {
            out.extend(self.score_with(q, name, &mut scratch.score));
        }
        out
    }
}

fn name_tokens<'a>(tokens: &'a [RTok], n: &IndexedName) -> &'a [RTok] {
    &tokens[n.first as usize..n.first as usize + n.len as usize]
}

/// The anchors of a name: its distinctive tokens, or, without any, its
/// rarest token (the first among equals).
fn anchor_mask(n: &IndexedName, toks: &[RTok], freq: &[u32]) -> u32 {
    if !n.weak {
        return toks
            .iter()
            .enumerate()
            .filter(|(_, t)| t.class == Class::Distinctive)
            .fold(0, |m, (i, _)| m | 1 << i);
    }
    (0..toks.len())
        .min_by_key(|&i| (freq[toks[i].text as usize], i))
        .map_or(0, |i| 1 << i)
}

/// Writes every run of 2–4 adjacent Latin tokens of a name that includes
/// an anchor, written together after [`JOIN_MARK`], into `buf`, one range
/// each in `ranges`.
fn registry_joins(
    n: &IndexedName,
    toks: &[RTok],
    vocab: &Vocab,
    buf: &mut String,
    ranges: &mut Vec<Range<usize>>,
) {
    buf.clear();
    ranges.clear();
    for_each_run(toks.len(), |start, len| {
        let run = &toks[start..start + len];
        if run.iter().any(|t| t.pinyin != NONE) || !(start..start + len).any(|i| n.is_anchor(i)) {
            return;
        }
        let from = buf.len();
        buf.push(JOIN_MARK);
        for t in run {
            buf.push_str(vocab.text(t.text));
        }
        ranges.push(from..buf.len());
    });
}

fn agreement(feature: &'static str, value: f64, detail: String) -> Adjustment {
    Adjustment {
        feature,
        value,
        detail,
    }
}

fn join_tokens<'a>(it: impl Iterator<Item = &'a str>) -> String {
    it.collect::<Vec<_>>().join(" ")
}

fn compare_units(q: &UnitView<'_>, r: &UnitView<'_>) -> Option<(f64, PairKind)> {
    let joined = q.len > 1 || r.len > 1;
    if joined && q.pinyin.is_none() && r.pinyin.is_none() && q.text.len() != r.text.len() {
        // Joins only compare equal, and these cannot be.
        return None;
    }
    if q.text == r.text {
        return Some((
            1.0,
            if joined {
                PairKind::Joined
            } else {
                PairKind::Equal
            },
        ));
    }
    if q.pinyin.is_some() || r.pinyin.is_some() {
        let qk = q.pinyin.unwrap_or(q.text);
        let rk = r.pinyin.unwrap_or(r.text);
        if qk == rk {
            return Some((1.0, PairKind::Pinyin));
        }
        if joined {
            return None;
        }
        // Han against Han is compared in characters; through pinyin only
        // when one side is Latin.
        if q.pinyin.is_some() && r.pinyin.is_some() {
            return edits(q.text, (q.chars, q.han), r.text, (r.chars, r.han));
        }
        return edits(qk, measure(qk), rk, measure(rk));
    }
    if joined {
        return None;
    }
    edits(q.text, (q.chars, q.han), r.text, (r.chars, r.han))
}

/// Similarity and edit count of two tokens within their shared budget;
/// each comes with its (characters, Han) measure.
fn edits(a: &str, ma: (usize, bool), b: &str, mb: (usize, bool)) -> Option<(f64, PairKind)> {
    let budget = shared_budget(ma, mb);
    if budget == 0 || ma.0.abs_diff(mb.0) > budget {
        return None;
    }
    let d = within(a, b, budget)?;
    let longest = ma.0.max(mb.0).max(1);
    Some((1.0 - d as f64 / longest as f64, PairKind::Edits(d)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(names: &[&str]) -> Matcher {
        Matcher::build(&NameInput::numbered(names))
    }

    fn matcher_of(names: &[(u32, &str)]) -> Matcher {
        let inputs: Vec<NameInput> = names
            .iter()
            .map(|&(owner, name)| NameInput {
                owner,
                name,
                country: None,
                short_form: false,
            })
            .collect();
        Matcher::build(&inputs)
    }

    fn best(m: &Matcher, q: &str) -> Option<(u32, f64)> {
        let q = PreparedQuery::new(q, None);
        m.search(&q, 0.0, &mut Scratch::default())
            .first()
            .map(|s| (s.owner, (s.score * 1000.0).round() / 1000.0))
    }

    #[test]
    fn candidates_equal_the_oracle() {
        let m = matcher(&[
            "Hangzhou Hikvision Digital Technology Co., Ltd.",
            "海康威视",
            "China Mobile Communications Group Co., Ltd.",
            "Hik Vision Trading",
            "Nuctech Company Limited",
        ]);
        for q in [
            "Hikvison",
            "hikvision",
            "Hai Kang Wei Shi",
            "China Mobile",
            "Mobile China",
            "Nutech Solutions",
            "Huawei",
            "HikVision Trading",
            "海康卫视",
            "Digital Technology Group BV",
        ] {
            let pq = PreparedQuery::new(q, None);
            assert_eq!(
                m.candidates(&pq, &mut Scratch::default()),
                m.candidates_brute_force(&pq),
                "{q}"
            );
        }
    }

    #[test]
    fn remembered_lookups_belong_to_one_index() {
        let hik = matcher(&["Hikvision Digital", "Uniview"]);
        let other = matcher(&["Zhejiang Uniview Technologies", "Hikvision Europe"]);
        let mut scratch = Scratch::default();
        let q = PreparedQuery::new("Hikvisoin", None);
        assert_eq!(hik.candidates(&q, &mut scratch), [0]);
        assert_eq!(hik.candidates(&q, &mut scratch), [0], "from memory");
        assert_eq!(other.candidates(&q, &mut scratch), [1]);
        assert_eq!(hik.candidates(&q, &mut scratch), [0]);
    }

    #[test]
    fn scores_tell_names_apart() {
        let m = matcher_of(&[
            (0, "Hangzhou Hikvision Digital Technology Co., Ltd."),
            (1, "Nuctech Company Limited"),
            (2, "China COSCO Shipping Corporation Limited"),
            (3, "ZTE Corporation"),
            (4, "China Mobile Communications Group Co., Ltd."),
            (4, "China Mobile"),
        ]);
        // 1 / (1 + 3 × 0.3 × 0.15): three descriptor or place words missing.
        assert_eq!(best(&m, "Hikvision"), Some((0, 0.881)));
        assert_eq!(
            best(&m, "HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO LTD"),
            Some((0, 1.0))
        );
        assert!(best(&m, "Hikvison").unwrap().1 < 0.85);
        assert!(best(&m, "Nutech Solutions").unwrap().1 < 0.85);
        assert!(best(&m, "Costco").is_none_or(|(_, s)| s < 0.85));
        assert_eq!(best(&m, "ZTEK"), None);
        assert_eq!(best(&m, "Technologies Co. Ltd"), None);
        assert_eq!(best(&m, "Digital Technology Group BV"), None);
        assert_eq!(best(&m, "China Mobile").map(|b| b.0), Some(4));
        assert_eq!(best(&m, "Mobile Communications"), None);
    }
}
