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

use derisk_core::CountryCode;
use rayon::prelude::*;

use crate::index::{self, DeletionIndex, for_each_deletion, max_edits, measure, within};
use crate::normalize::{Class, Normalized, normalize};

const NONE: u32 = u32::MAX;
const MAX_JOIN: usize = 4;
/// Registry joins live in the vocabulary under this prefix, apart from
/// tokens, because they are reached only by equality.
const JOIN_MARK: char = '\u{1}';

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
}

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
            })
            .collect()
    }
}

#[derive(Clone, Copy, Debug)]
struct RTok {
    text: u32,
    pinyin: u32,
    class: Class,
}

#[derive(Debug)]
struct IndexedName {
    owner: u32,
    country: Option<CountryCode>,
    tokens: Box<[RTok]>,
    legal: Box<[&'static str]>,
    /// No distinctive token: every token must align.
    weak: bool,
    /// Positions of the anchor tokens (see the module documentation).
    anchors: Box<[u8]>,
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
    vocab: Vec<Box<str>>,
    ids: HashMap<Box<str>, u32>,
    kinds: Vec<KeyKind>,
    names: Vec<IndexedName>,
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
    /// Approximate bytes held by the deletion table and postings.
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

#[derive(Clone, Debug)]
struct Unit {
    start: usize,
    len: usize,
    text: String,
    pinyin: Option<String>,
    class: Class,
}

impl PreparedQuery {
    /// Normalises `name` for scoring.
    pub fn new(name: &str, country: Option<CountryCode>) -> PreparedQuery {
        PreparedQuery::from_normalized(normalize(name), country)
    }

    /// Wraps an already normalised name.
    pub fn from_normalized(normalized: Normalized, country: Option<CountryCode>) -> PreparedQuery {
        let units = units_of(
            normalized
                .tokens
                .iter()
                .map(|t| (t.text.as_str(), t.pinyin.as_deref(), t.class)),
        );
        PreparedQuery {
            normalized,
            country,
            units,
        }
    }
}

/// Single tokens, then runs of 2–4 adjacent Latin tokens written together.
fn units_of<'a>(tokens: impl Iterator<Item = (&'a str, Option<&'a str>, Class)>) -> Vec<Unit> {
    let toks: Vec<_> = tokens.collect();
    let mut units: Vec<Unit> = toks
        .iter()
        .enumerate()
        .map(|(i, (t, p, c))| Unit {
            start: i,
            len: 1,
            text: (*t).to_string(),
            pinyin: p.map(str::to_string),
            class: *c,
        })
        .collect();
    for len in 2..=MAX_JOIN.min(toks.len()) {
        for start in 0..=toks.len() - len {
            let run = &toks[start..start + len];
            if run.iter().any(|(_, p, _)| p.is_some()) {
                continue;
            }
            units.push(Unit {
                start,
                len,
                text: run.iter().map(|(t, _, _)| *t).collect(),
                pinyin: None,
                class: run
                    .iter()
                    .map(|(_, _, c)| *c)
                    .min()
                    .unwrap_or(Class::Generic),
            });
        }
    }
    units
}

/// Per-thread scratch space for candidate generation.
#[derive(Debug, Default)]
pub struct Scratch {
    found: Vec<u32>,
    hits: Vec<u32>,
    chars: Vec<char>,
    key: String,
}

impl Matcher {
    /// Indexes `names`. Normalisation and the deletion table are built on
    /// all cores.
    pub fn build(names: &[NameInput<'_>]) -> Matcher {
        let normalized: Vec<Normalized> = names.par_iter().map(|n| normalize(n.name)).collect();
        let mut vocab: Vec<Box<str>> = Vec::new();
        let mut ids: HashMap<Box<str>, u32> = HashMap::new();
        let mut intern = |s: &str, vocab: &mut Vec<Box<str>>| -> u32 {
            if let Some(&id) = ids.get(s) {
                return id;
            }
            let id = vocab.len() as u32;
            vocab.push(s.into());
            ids.insert(s.into(), id);
            id
        };
        let mut indexed = Vec::with_capacity(names.len());
        for (input, n) in names.iter().zip(&normalized) {
            let tokens: Box<[RTok]> = n
                .tokens
                .iter()
                .map(|t| RTok {
                    text: intern(&t.text, &mut vocab),
                    pinyin: t.pinyin.as_deref().map_or(NONE, |p| intern(p, &mut vocab)),
                    class: t.class,
                })
                .collect();
            indexed.push(IndexedName {
                owner: input.owner,
                country: input.country,
                weak: !tokens.iter().any(|t| t.class == Class::Distinctive),
                tokens,
                legal: n.legal_forms.iter().map(|l| l.label).collect(),
                anchors: Box::default(),
            });
        }
        // How many names each token occurs in, to pick the anchor of names
        // without distinctive tokens.
        let mut freq = vec![0u32; vocab.len()];
        for n in &indexed {
            for t in n.tokens.iter() {
                freq[t.text as usize] += 1;
            }
        }
        for n in &mut indexed {
            n.anchors = anchor_positions(n, &freq);
        }
        let mut kinds = vec![KeyKind::None; vocab.len()];
        let mut posts: Vec<(u32, u32)> = Vec::new();
        for (ni, n) in indexed.iter().enumerate() {
            let ni = ni as u32;
            for &a in n.anchors.iter() {
                let t = n.tokens[a as usize];
                posts.push((t.text, ni));
                kinds[t.text as usize] = KeyKind::Fuzzy;
                if t.pinyin != NONE {
                    posts.push((t.pinyin, ni));
                    kinds[t.pinyin as usize] = KeyKind::Fuzzy;
                }
            }
            for joined in registry_joins(n, &vocab) {
                let id = intern(&format!("{JOIN_MARK}{joined}"), &mut vocab);
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
            .enumerate()
            .filter(|(i, _)| kinds[*i] == KeyKind::Fuzzy)
            .map(|(i, t)| (i as u32, &**t))
            .collect();
        let deletions = DeletionIndex::build(fuzzy);
        Matcher {
            vocab,
            ids,
            kinds,
            names: indexed,
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
        scratch.found.clear();
        for t in &q.normalized.tokens {
            self.fuzzy_lookup(&t.text, scratch);
            if let Some(p) = &t.pinyin {
                self.fuzzy_lookup(p, scratch);
            }
        }
        for u in &q.units {
            // Query tokens written together equal to an anchor.
            if u.len > 1
                && let Some(&v) = self.ids.get(u.text.as_str())
                && self.kinds[v as usize] == KeyKind::Fuzzy
            {
                scratch.found.extend_from_slice(self.postings_of(v));
            }
            // A query token, or tokens written together, equal to registry
            // tokens written together.
            scratch.key.clear();
            scratch.key.push(JOIN_MARK);
            scratch.key.push_str(&u.text);
            if let Some(&v) = self.ids.get(scratch.key.as_str()) {
                scratch.found.extend_from_slice(self.postings_of(v));
            }
        }
        let mut out = std::mem::take(&mut scratch.found);
        out.sort_unstable();
        out.dedup();
        out
    }

    fn fuzzy_lookup(&self, token: &str, scratch: &mut Scratch) {
        let (len, han) = measure(token);
        let k = max_edits(len, han);
        scratch.chars.clear();
        scratch.chars.extend(token.chars());
        let hits = &mut scratch.hits;
        hits.clear();
        for_each_deletion(&scratch.chars, k, |h| hits.extend(self.deletions.get(h)));
        hits.sort_unstable();
        hits.dedup();
        for &v in hits.iter() {
            let cand = &self.vocab[v as usize];
            if within(token, cand, index::pair_budget(token, cand)).is_some() {
                scratch.found.extend_from_slice(self.postings_of(v));
            }
        }
    }

    /// The same set as [`Matcher::candidates`], found by checking every
    /// indexed name against the definition. Slow; the test oracle.
    pub fn candidates_brute_force(&self, q: &PreparedQuery) -> Vec<u32> {
        let mut out = Vec::new();
        for (ni, n) in self.names.iter().enumerate() {
            let hit = n.anchors.iter().any(|&a| {
                let t = n.tokens[a as usize];
                let mut keys = vec![&*self.vocab[t.text as usize]];
                if t.pinyin != NONE {
                    keys.push(&self.vocab[t.pinyin as usize]);
                }
                keys.iter().any(|key| {
                    q.normalized.tokens.iter().any(|qt| {
                        std::iter::once(qt.text.as_str())
                            .chain(qt.pinyin.as_deref())
                            .any(|qk| within(qk, key, index::pair_budget(qk, key)).is_some())
                    }) || q.units.iter().any(|u| u.len > 1 && u.text == **key)
                })
            }) || {
                // A query token (or join) equal to an anchor-bearing run.
                let runs = registry_joins(n, &self.vocab);
                q.units.iter().any(|u| runs.contains(&u.text))
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
        let n = &self.names[name as usize];
        let r_units = units_of(n.tokens.iter().map(|t| {
            (
                &*self.vocab[t.text as usize],
                (t.pinyin != NONE).then(|| &*self.vocab[t.pinyin as usize]),
                t.class,
            )
        }));
        let mut pairs: Vec<(f64, f64, usize, usize, PairKind)> = Vec::new();
        for (qi, qu) in q.units.iter().enumerate() {
            for (ri, ru) in r_units.iter().enumerate() {
                if let Some((sim, kind)) = compare_units(qu, ru) {
                    let w = weight(qu.class.min(ru.class));
                    pairs.push((sim, w, qi, ri, kind));
                }
            }
        }
        // Best pairs first; among equals, heavier, then shorter joins.
        pairs.sort_by(|a, b| {
            b.0.total_cmp(&a.0).then(b.1.total_cmp(&a.1)).then(
                (q.units[a.2].len + r_units[a.3].len).cmp(&(q.units[b.2].len + r_units[b.3].len)),
            )
        });
        let mut q_used = vec![false; q.normalized.tokens.len()];
        let mut r_used = vec![false; n.tokens.len()];
        let mut chosen: Vec<(f64, f64, usize, usize, PairKind)> = Vec::new();
        for p in pairs {
            let (qu, ru) = (&q.units[p.2], &r_units[p.3]);
            let q_span = qu.start..qu.start + qu.len;
            let r_span = ru.start..ru.start + ru.len;
            if q_span.clone().any(|i| q_used[i]) || r_span.clone().any(|i| r_used[i]) {
                continue;
            }
            q_span.for_each(|i| q_used[i] = true);
            r_span.for_each(|i| r_used[i] = true);
            chosen.push(p);
        }
        let anchored = if n.weak {
            r_used.iter().all(|&u| u)
        } else {
            n.tokens
                .iter()
                .zip(&r_used)
                .any(|(t, &u)| u && t.class == Class::Distinctive)
        };
        if !anchored || chosen.is_empty() {
            return None;
        }
        let mut num = 0.0;
        let mut den = 0.0;
        let mut out_pairs = Vec::with_capacity(chosen.len());
        for &(sim, w, qi, ri, kind) in &chosen {
            let eff = if matches!(kind, PairKind::Edits(_)) {
                sim * TYPO_FACTOR
            } else {
                sim
            };
            num += w * eff;
            den += w;
            let (qu, ru) = (&q.units[qi], &r_units[ri]);
            out_pairs.push(Pair {
                query: join_tokens(
                    q.normalized.tokens[qu.start..qu.start + qu.len]
                        .iter()
                        .map(|t| t.text.as_str()),
                ),
                registry: join_tokens(
                    n.tokens[ru.start..ru.start + ru.len]
                        .iter()
                        .map(|t| &*self.vocab[t.text as usize]),
                ),
                class: qu.class.min(ru.class),
                kind,
                similarity: sim,
            });
        }
        let mut missing = Vec::new();
        for (t, &used) in n.tokens.iter().zip(&r_used) {
            if !used {
                den += weight(t.class) * missing_factor(t.class);
                missing.push(Leftover {
                    text: self.vocab[t.text as usize].to_string(),
                    class: t.class,
                });
            }
        }
        let mut extra = Vec::new();
        for (t, &used) in q.normalized.tokens.iter().zip(&q_used) {
            if !used {
                den += weight(t.class) * extra_factor(t.class);
                extra.push(Leftover {
                    text: t.text.clone(),
                    class: t.class,
                });
            }
        }
        let name_similarity = if den > 0.0 { num / den } else { 0.0 };
        let mut adjustments = Vec::new();
        let q_legal: Vec<&str> = q.normalized.legal_forms.iter().map(|l| l.label).collect();
        if !q_legal.is_empty() && !n.legal.is_empty() {
            adjustments.push(match q_legal.iter().find(|l| n.legal.contains(l)) {
                Some(shared) => agreement("legal form", 0.02, format!("{shared} on both sides")),
                None => agreement(
                    "legal form",
                    -0.02,
                    format!(
                        "{} in the query, {} in the registry",
                        q_legal.join(", "),
                        n.legal.join(", ")
                    ),
                ),
            });
        }
        if let (Some(qc), Some(rc)) = (q.country, n.country) {
            adjustments.push(if qc == rc {
                agreement("country", 0.03, format!("{qc} on both sides"))
            } else {
                agreement(
                    "country",
                    -0.05,
                    format!("{qc} in the query, {rc} in the registry"),
                )
            });
        }
        let mut order: Vec<(usize, usize)> = chosen
            .iter()
            .map(|&(_, _, qi, ri, _)| (q.units[qi].start, r_units[ri].start))
            .collect();
        order.sort_unstable();
        if order.windows(2).any(|w| w[1].1 < w[0].1) {
            adjustments.push(Adjustment {
                feature: "token order",
                value: -0.02,
                detail: "the matched words come in a different order".to_string(),
            });
        }
        let score =
            (name_similarity + adjustments.iter().map(|a| a.value).sum::<f64>()).clamp(0.0, 1.0);
        Some(Scored {
            name,
            owner: n.owner,
            score,
            name_similarity,
            pairs: out_pairs,
            missing,
            extra,
            adjustments,
        })
    }

    /// Candidates of `q` scored, the best name per owner, best first;
    /// only scores at or above `floor` are kept.
    pub fn search(&self, q: &PreparedQuery, floor: f64, scratch: &mut Scratch) -> Vec<Scored> {
        let mut best: Vec<Scored> = Vec::new();
        for name in self.candidates(q, scratch) {
            let Some(s) = self.score(q, name) else {
                continue;
            };
            if s.score < floor {
                continue;
            }
            match best.iter_mut().find(|b| b.owner == s.owner) {
                Some(b) if b.score >= s.score => {}
                Some(b) => *b = s,
                None => best.push(s),
            }
        }
        best.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.owner.cmp(&b.owner)));
        best
    }
}

/// Token positions fit in a byte: names keep at most
/// [`crate::normalize::MAX_TOKENS`] tokens.
fn anchor_positions(n: &IndexedName, freq: &[u32]) -> Box<[u8]> {
    if !n.weak {
        return (0..n.tokens.len())
            .filter(|&i| n.tokens[i].class == Class::Distinctive)
            .map(|i| i as u8)
            .collect();
    }
    (0..n.tokens.len())
        .min_by_key(|&i| (freq[n.tokens[i].text as usize], i))
        .map(|i| i as u8)
        .into_iter()
        .collect()
}

/// Runs of 2–4 adjacent Latin tokens that include an anchor, written
/// together.
fn registry_joins(n: &IndexedName, vocab: &[Box<str>]) -> Vec<String> {
    let mut out = Vec::new();
    for len in 2..=MAX_JOIN.min(n.tokens.len()) {
        for start in 0..=n.tokens.len() - len {
            let run = &n.tokens[start..start + len];
            if run.iter().any(|t| t.pinyin != NONE)
                || !n
                    .anchors
                    .iter()
                    .any(|&a| (start..start + len).contains(&(a as usize)))
            {
                continue;
            }
            out.push(
                run.iter()
                    .map(|t| &*vocab[t.text as usize])
                    .collect::<String>(),
            );
        }
    }
    out
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

fn compare_units(q: &Unit, r: &Unit) -> Option<(f64, PairKind)> {
    let joined = q.len > 1 || r.len > 1;
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
    let q_key = q.pinyin.as_deref();
    let r_key = r.pinyin.as_deref();
    if q_key.is_some() || r_key.is_some() {
        let qk = q_key.unwrap_or(&q.text);
        let rk = r_key.unwrap_or(&r.text);
        if qk == rk {
            return Some((1.0, PairKind::Pinyin));
        }
        if joined {
            return None;
        }
        // Han against Han is compared in characters above; through pinyin
        // only when one side is Latin.
        if q_key.is_some() && r_key.is_some() {
            return edits(&q.text, &r.text);
        }
        return edits(qk, rk);
    }
    if joined {
        return None;
    }
    edits(&q.text, &r.text)
}

fn edits(a: &str, b: &str) -> Option<(f64, PairKind)> {
    let d = within(a, b, index::pair_budget(a, b))?;
    let longest = measure(a).0.max(measure(b).0).max(1);
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
