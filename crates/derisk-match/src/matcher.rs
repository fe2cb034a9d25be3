//! The candidate index and the scorer.
//!
//! # Which names are candidates (the recall guarantee)
//!
//! Each indexed name has **anchor tokens**: its distinctive tokens, or, for a
//! name with none ("China Mobile": a place and a descriptor), the one of its
//! tokens that is rarest in the index (stop words never). A name `R` is a
//! candidate for a query `Q` exactly when one of these holds:
//!
//! 1. an anchor of `R` (or, for an anchor that took a canonical form, the
//!    word as written: "Tanshan" for `tangshan`) and a token of `Q` are
//!    within their shared edit budget ([`crate::index::max_edits`]: 0 edits
//!    up to 4 characters, 1 up to 8, 2 up to 24, exact beyond; Han: 0 up to
//!    3 characters, 1 from 4), edits counted as optimal string alignment
//!    distance;
//! 2. the same, with the pinyin key of a Han anchor or of a Han query token
//!    standing for it (Latin budget);
//! 3. an anchor of `R` equals 2–4 adjacent `Q` tokens written together
//!    ("Hik Vision" → `hikvision`), or a `Q` token equals 2–4 adjacent `R`
//!    tokens that include an anchor written together ("van der bilt");
//!    tokens written together keep the letters they were written with
//!    before taking a canonical form ([`crate::normalize::Token::join_text`]:
//!    "Nuc-Tech" is `nuctech`, though "tech" alone reads `technology`);
//! 4. an anchor of `R` and a token of `Q`, both Latin and of five or more
//!    letters, have the same transliteration key
//!    ([`crate::normalize::skeleton`], or the token itself where it has
//!    none): "Iandeks" and "Yandex";
//! 5. the English gloss of a Han anchor equals a token of `Q`, or the gloss
//!    of a Han token of `Q` equals an anchor (集团 and `group`);
//! 6. a token of `Q` of 3–8 letters equals the initials of `R` (see
//!    below: "PLA" and "People's Liberation Army"), or an anchor of `R` of
//!    4–8 letters equals the initials of `Q` ("CNOOC" and "China National
//!    Offshore Oil Corporation").
//!
//! The *initials* of a name are the first letters of its tokens other than
//! stop words and numbers; also without its leading places ("China
//! National Offshore Oil" → `cnoo` and `noo`), with its stop words, and
//! followed by the first letters of its legal-form words ("... Oil
//! Corporation" → `cnooc`).
//!
//! [`Matcher::candidates`] finds exactly these names through a
//! symmetric-deletion index and exact keys; [`Matcher::candidates_brute_force`]
//! checks the same definition name by name and is the test oracle. A name
//! that is not a candidate is never scored: [`Matcher::score`] returns
//! `None` for it.
//!
//! # How a candidate is scored
//!
//! Units of both names (tokens; 2–4 adjacent Latin tokens written together;
//! the initials of the leading tokens and of the whole name) are aligned
//! one to one, best pairs first: equal text, equal pinyin, equal gloss
//! (similarity 1), equal when written together (1), the same
//! transliteration key (0.9), initials (0.9), then edits. A pair of tokens
//! `d` edits apart, the longer of `n` characters, has similarity
//! 1 − 1.6 d / n; when the query's token is itself an ordinary word of a
//! language (the lexicon's word list) the slip is less likely and the
//! similarity is multiplied by 0.85, or by 0.6 when the registry's token is
//! an ordinary word too (two words a letter apart are two words). Scoring accepts one edit from four
//! characters and two from nine, beyond the candidate budget; such a pair
//! counts only when an anchor is aligned within the candidate definition.
//!
//! Distinctive tokens weigh 1, descriptors and places 0.3, stop words
//! nothing. The name similarity is the weighted similarity of the aligned
//! pairs divided by their weight plus the weight of what is left over:
//! registry tokens the query lacks count fully if distinctive coined words,
//! 0.6 if distinctive ordinary words, and 0.15 of their weight if
//! descriptors or places (suppliers drop "Hangzhou" and
//! "Digital Technology"); query tokens the registry name lacks count 0.6
//! of their weight if distinctive coined words and 0.45 if distinctive
//! ordinary words ("Scanner", "Maintenance": a subsidiary or a reseller
//! describes itself), half for descriptors, a quarter for places. Beside
//! a registry short form ("CTT", "PLA") an extra distinctive word counts
//! its whole weight: with other words around it the short form is likelier
//! another body's acronym. A name's own abbreviation in parentheses
//! ("Petroiran Development Company (PEDCO)") counts when aligned and costs
//! nothing when the other side lacks it.
//!
//! Adjustments follow, each shown as a part of the score:
//! - legal forms: the same or equivalent (+0.02), or different (−0.02);
//! - two legal entities: legal forms of different classes in one country
//!   ("AG" and "GmbH"), local forms of countries that share none ("GmbH"
//!   and "Oy"), a place qualifying the registry name that the query lacks
//!   ("Banco Santander México" against "Banco Santander") or two different
//!   qualifying places ("(France)", "(Germany)"), and descriptors or
//!   places in the same position that each side has in place of the
//!   other's ("Nuclear" and "Communications", "Barnaul" and "Novosibirsk"),
//!   and a word naming a kind of body that one side has alone ("Holding",
//!   "Group", "Institute", "Foundation")
//!   take the score down to
//!   0.80 if it is higher: out of `match`, still `review`, since the names
//!   may be one group's. A place the query adds is a subsidiary's or a
//!   branch's (the lists derisk screens against cover subsidiaries), and
//!   costs only its weight;
//! - numbers on both sides that differ: −0.20;
//! - countries agree (+0.03) or differ (−0.05); the aligned tokens are in a
//!   different order (−0.02);
//! - a rare word: when a distinctive registry token of five or more
//!   letters that is not an ordinary word of any of the listed languages
//!   (a coined name: Hikvision, Nuctech, Hytera) is aligned exactly, by
//!   pinyin, by transliteration or written together, and the query holds
//!   every distinctive word of the registry name that is not an ordinary
//!   word, the score is raised to [`RARE_WORD_FLOOR`] if it is lower,
//!   whatever else the query holds;
//! - caps: a name that is only a short form of three letters or fewer
//!   ("ZTE", "CTT"), or a match that rests on initials (a name and an
//!   acronym of it are evidence for a look, not proof), reaches
//!   [`SHORT_FORM_CAP`] at most.
//!
//! A name with no anchor aligned within the candidate definition, or a
//! name without distinctive tokens that is not aligned in full, scores
//! nothing.

use std::collections::HashMap;
use std::ops::Range;

use derisk_core::CountryCode;
use rayon::prelude::*;

use crate::index::{
    DeletionIndex, for_each_deletion, max_edits, measure, pair_budget, shared_budget, within,
};
use crate::lexicon;
use crate::normalize::{Class, Normalized, normalize};
use crate::vocab::Vocab;

mod score;
mod stored;

pub use score::{Adjustment, Leftover, Pair, PairKind, Scored};

const NONE: u32 = u32::MAX;
const MAX_JOIN: usize = 4;
/// Registry joins live in the vocabulary under this prefix, apart from
/// tokens, because they are reached only by equality.
const JOIN_MARK: char = '\u{1}';
/// Transliteration keys of anchors, reached by equality.
const KEY_MARK: char = '\u{2}';
/// English glosses of Han anchors, reached by equality.
const GLOSS_MARK: char = '\u{3}';
/// Initials of whole names, reached by equality.
const INITIALS_MARK: char = '\u{4}';
/// Names normalised in one parallel step while the index is built, so that
/// the normalised forms of a whole registry are never held at once.
const BUILD_CHUNK: usize = 1 << 16;
/// Initials of 3–8 letters take part in candidates and scoring.
const INITIALS: std::ops::RangeInclusive<usize> = 3..=8;
/// Most initials kept for one name.
const MAX_INITIALS: usize = 4;
/// The initials of a query meet a registry token only from four letters:
/// any three words spell some three-letter acronym.
const QUERY_INITIALS: usize = 4;

/// The weights and thresholds of scoring. [`Default`] gives the values
/// chosen from the evaluation sets (see `docs/PERFORMANCE.md`).
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

/// The highest score a name can reach through a short form of at most
/// three letters: below the default `match` threshold, so that it asks for
/// review.
pub const SHORT_FORM_CAP: f64 = 0.80;

/// The lowest score of a candidate that shares a rare, coined word of the
/// registry name: above the default `review` threshold.
pub const RARE_WORD_FLOOR: f64 = 0.65;

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

/// Token flags.
const F_NUMBER: u8 = 1;
const F_QUALIFIER: u8 = 2;
const F_ALIAS: u8 = 4;

#[derive(Clone, Copy, Debug)]
struct RTok {
    text: u32,
    /// Han: the pinyin key; Latin: the transliteration key when it differs
    /// from the text.
    alt: u32,
    /// Han descriptors and places: the English gloss.
    gloss: u32,
    class: Class,
    /// Characters in `text`, at most 255 (only tokens of up to
    /// [`crate::index::MAX_FUZZY_CHARS`] are compared by length).
    chars: u8,
    han: bool,
    flags: u8,
    /// How ordinary a word the text is ([`crate::lexicon::zipf`]).
    zipf: u8,
    /// The word as written when it took a canonical form
    /// ([`crate::normalize::Token::join_text`]), else [`NONE`].
    written: u32,
}

impl RTok {
    /// The vocabulary id of the letters compared when the token is written
    /// together with its neighbours.
    fn join_text(&self) -> u32 {
        if self.written == NONE {
            self.text
        } else {
            self.written
        }
    }

    fn number(&self) -> bool {
        self.flags & F_NUMBER != 0
    }
    fn qualifier(&self) -> bool {
        self.flags & F_QUALIFIER != 0
    }

    fn alias(&self) -> bool {
        self.flags & F_ALIAS != 0
    }
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
    /// The initials of the name (see the module documentation): vocabulary
    /// ids of the keys under [`INITIALS_MARK`], [`NONE`] where unused.
    initials: [u32; MAX_INITIALS],
}

impl IndexedName {
    fn is_anchor(&self, position: usize) -> bool {
        self.anchors >> position & 1 == 1
    }
}

/// What adding names to a [`Matcher`] remembers between names.
#[derive(Debug, Default)]
struct PushState {
    /// The index of each distinct set of legal forms in
    /// `Matcher::legal_sets`.
    legal_ids: HashMap<Box<[u32]>, u32>,
    /// How ordinary each vocabulary entry is ([`u8::MAX`]: not looked up).
    zipf_of: Vec<u8>,
    key: String,
}

/// How a vocabulary entry may be reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyKind {
    /// Not an anchor of any name.
    None,
    /// An anchor: reached within the edit budget.
    Fuzzy,
    /// Adjacent registry tokens written together, keys and initials:
    /// reached only exactly.
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
    /// The distinct sets of legal forms (lexicon ids); 0 is the empty set.
    legal_sets: Vec<Box<[u32]>>,
    /// The legal forms as the registry wrote them, per set: for the
    /// initials that include them.
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

/// A query prepared once and scored against many candidates.
#[derive(Clone, Debug)]
pub struct PreparedQuery {
    /// The normalised name.
    pub normalized: Normalized,
    /// The country given with it.
    pub country: Option<CountryCode>,
    units: std::sync::OnceLock<score::Units>,
    /// The initials of the whole name (see the module documentation).
    initials: Vec<String>,
    /// How ordinary a word each token is, once asked.
    zipf: std::sync::OnceLock<Vec<u8>>,
    legal: Vec<u32>,
}

impl PreparedQuery {
    /// Normalises `name` for scoring.
    pub fn new(name: &str, country: Option<CountryCode>) -> PreparedQuery {
        PreparedQuery::from_normalized(normalize(name), country)
    }

    /// Wraps an already normalised name.
    pub fn from_normalized(normalized: Normalized, country: Option<CountryCode>) -> PreparedQuery {
        let initials = name_initials(
            normalized
                .tokens
                .iter()
                .map(|t| (t.text.as_str(), t.class, t.number)),
            normalized.legal_forms.iter().map(|l| l.written.as_str()),
        );
        let legal = normalized.legal_forms.iter().map(|l| l.id).collect();
        PreparedQuery {
            normalized,
            country,
            units: std::sync::OnceLock::new(),
            initials,
            zipf: std::sync::OnceLock::new(),
            legal,
        }
    }

    /// The units, built when first scored: a query without candidates
    /// needs none.
    fn units(&self) -> &score::Units {
        self.units
            .get_or_init(|| score::query_units(&self.normalized, &self.initials))
    }

    fn zipf(&self) -> &[u8] {
        self.zipf.get_or_init(|| {
            self.normalized
                .tokens
                .iter()
                .map(|t| {
                    if t.is_han() || t.class != Class::Distinctive {
                        0
                    } else {
                        lexicon::zipf(&t.text)
                    }
                })
                .collect()
        })
    }
}

/// The initials of a name (see the module documentation), each of
/// [`INITIALS`] letters, without repeats.
fn name_initials<'a, 'b>(
    tokens: impl Iterator<Item = (&'a str, Class, bool)> + Clone,
    legal_written: impl Iterator<Item = &'b str>,
) -> Vec<String> {
    let first = |t: &str| t.chars().next().filter(char::is_ascii_lowercase);
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: String| {
        if INITIALS.contains(&s.len()) && !out.contains(&s) {
            out.push(s);
        }
    };
    let kept = || tokens.clone().filter(|(_, c, n)| *c != Class::Stop && !n);
    let Some(all): Option<String> = kept().map(|(t, _, _)| first(t)).collect() else {
        return out;
    };
    push(all.clone());
    let no_lead: Option<String> = kept()
        .skip_while(|(_, c, _)| *c == Class::Location)
        .map(|(t, _, _)| first(t))
        .collect();
    if let Some(s) = no_lead {
        push(s);
    }
    let with_stops: Option<String> = tokens
        .clone()
        .filter(|(_, _, n)| !n)
        .map(|(t, _, _)| first(t))
        .collect();
    if let Some(s) = with_stops {
        push(s);
    }
    let legal: String = legal_written
        .flat_map(|w| w.split(' '))
        .filter_map(first)
        .collect();
    if !legal.is_empty() {
        push(format!("{all}{legal}"));
    }
    out
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
    best: Vec<(u32, f64, f64, u32)>,
    gathered: Vec<IndexedName>,
    gathered_toks: Vec<RTok>,
    score: score::ScoreScratch,
    /// The [`Matcher::serial`] the remembered lookups belong to.
    serial: u64,
    lookups: hashbrown::HashMap<Box<str>, (u32, u32)>,
    pool: Vec<u32>,
    join: String,
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

/// The transliteration key of a token: its skeleton, or its text.
fn translit_key(text: &str, skeleton: Option<&str>) -> Option<String> {
    if text.len() < 5 || !text.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    Some(skeleton.map_or_else(|| text.to_string(), str::to_string))
}

impl Matcher {
    /// Indexes `names`. Normalisation and the deletion table are built on
    /// all cores.
    pub fn build(names: &[NameInput<'_>]) -> Matcher {
        Matcher::build_with(names, true)
    }

    /// Indexes one name without its candidate tables, for scoring pairs
    /// ([`Matcher::score`] works; candidates and search do not).
    pub fn single(name: &NameInput<'_>) -> Matcher {
        Matcher::build_with(std::slice::from_ref(name), false)
    }

    /// An index of no names.
    fn empty() -> Matcher {
        Matcher {
            serial: SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            vocab: Vocab::default(),
            kinds: Vec::new(),
            names: Vec::new(),
            tokens: Vec::new(),
            legal_sets: vec![Box::default()],
            post_off: vec![0],
            postings: Vec::new(),
            deletions: DeletionIndex::default(),
        }
    }

    /// Adds normalised name `n` to the names (without its anchors, which
    /// depend on the other names, and without candidate tables).
    fn push_name(&mut self, state: &mut PushState, input: &NameInput<'_>, n: &Normalized) {
        let (vocab, tokens) = (&mut self.vocab, &mut self.tokens);
        let first = tokens.len() as u32;
        for t in &n.tokens {
            let (chars, han) = measure(&t.text);
            let alt = match (&t.pinyin, &t.skeleton) {
                (Some(p), _) => vocab.intern(p),
                (None, Some(s)) => vocab.intern(s),
                _ => NONE,
            };
            let text = vocab.intern(&t.text);
            let written = if t.join_text() == t.text {
                NONE
            } else {
                vocab.intern(t.join_text())
            };
            // Only distinctive words are weighed by how ordinary they are;
            // the word list is asked once per word, whatever class the word
            // takes in this name ("number" is a stop word before a number,
            // distinctive elsewhere).
            let zipf = if han || t.class != Class::Distinctive {
                0
            } else {
                let zipf_of = &mut state.zipf_of;
                if zipf_of.len() <= text as usize {
                    zipf_of.resize(text as usize + 1, u8::MAX);
                }
                if zipf_of[text as usize] == u8::MAX {
                    zipf_of[text as usize] = lexicon::zipf(&t.text);
                }
                zipf_of[text as usize]
            };
            tokens.push(RTok {
                text,
                alt,
                gloss: t.gloss.map_or(NONE, |g| vocab.intern(g)),
                class: t.class,
                chars: chars.min(255) as u8,
                han,
                flags: (u8::from(t.number) * F_NUMBER)
                    | (u8::from(t.qualifier) * F_QUALIFIER)
                    | (u8::from(t.alias) * F_ALIAS),
                zipf,
                written,
            });
        }
        let legal = if n.legal_forms.is_empty() {
            0
        } else {
            let ids: Box<[u32]> = n.legal_forms.iter().map(|l| l.id).collect();
            let sets = &mut self.legal_sets;
            *state.legal_ids.entry(ids).or_insert_with_key(|k| {
                sets.push(k.clone());
                sets.len() as u32 - 1
            })
        };
        let weak = !n.tokens.iter().any(|t| t.class == Class::Distinctive);
        let mut initials = [NONE; MAX_INITIALS];
        let key = &mut state.key;
        for (slot, s) in initials.iter_mut().zip(name_initials(
            n.tokens
                .iter()
                .map(|t| (t.text.as_str(), t.class, t.number)),
            n.legal_forms.iter().map(|l| l.written.as_str()),
        )) {
            key.clear();
            key.push(INITIALS_MARK);
            key.push_str(&s);
            *slot = vocab.intern(key);
        }
        self.names.push(IndexedName {
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
            initials,
        });
    }

    fn build_with(names: &[NameInput<'_>], index: bool) -> Matcher {
        let mut m = Matcher::empty();
        m.names.reserve(names.len());
        let mut state = PushState::default();
        if names.len() == 1 {
            let n = normalize(names[0].name);
            m.push_name(&mut state, &names[0], &n);
        } else {
            for chunk in names.chunks(BUILD_CHUNK) {
                let normalized: Vec<Normalized> =
                    chunk.par_iter().map(|n| normalize(n.name)).collect();
                for (input, n) in chunk.iter().zip(&normalized) {
                    m.push_name(&mut state, input, n);
                }
            }
        }
        drop(state);
        let Matcher {
            serial,
            mut vocab,
            names: mut indexed,
            mut tokens,
            legal_sets,
            ..
        } = m;
        // How many names each token occurs in, to pick the anchor of names
        // without distinctive tokens.
        let mut freq = vec![0u32; vocab.len()];
        for t in &tokens {
            freq[t.text as usize] += 1;
        }
        for n in &mut indexed {
            n.anchors = anchor_mask(n, name_tokens(&tokens, n), |t| freq[t as usize]);
        }
        drop(freq);
        let mut kinds = vec![KeyKind::None; vocab.len()];
        let mut posts: Vec<(u32, u32)> = Vec::new();
        let mut deletions = DeletionIndex::default();
        if index {
            let mut buf = String::new();
            let mut ranges = Vec::new();
            let exact = |key: &str,
                         ni: u32,
                         vocab: &mut Vocab,
                         kinds: &mut Vec<KeyKind>,
                         posts: &mut Vec<(u32, u32)>| {
                let id = vocab.intern(key);
                if id as usize >= kinds.len() {
                    kinds.push(KeyKind::Exact);
                } else if kinds[id as usize] == KeyKind::None {
                    kinds[id as usize] = KeyKind::Exact;
                }
                posts.push((id, ni));
            };
            for (ni, n) in indexed.iter().enumerate() {
                let ni = ni as u32;
                let toks = name_tokens(&tokens, n);
                for (i, t) in toks.iter().enumerate() {
                    if !n.is_anchor(i) {
                        continue;
                    }
                    posts.push((t.text, ni));
                    kinds[t.text as usize] = KeyKind::Fuzzy;
                    if t.written != NONE {
                        posts.push((t.written, ni));
                        kinds[t.written as usize] = KeyKind::Fuzzy;
                    }
                    if t.han {
                        posts.push((t.alt, ni));
                        kinds[t.alt as usize] = KeyKind::Fuzzy;
                        if t.gloss != NONE {
                            buf.clear();
                            buf.push(GLOSS_MARK);
                            buf.push_str(vocab.text(t.gloss));
                            let key = buf.clone();
                            exact(&key, ni, &mut vocab, &mut kinds, &mut posts);
                        }
                    } else {
                        let skel = (t.alt != NONE).then(|| vocab.text(t.alt));
                        if let Some(k) = translit_key(vocab.text(t.text), skel) {
                            buf.clear();
                            buf.push(KEY_MARK);
                            buf.push_str(&k);
                            let key = buf.clone();
                            exact(&key, ni, &mut vocab, &mut kinds, &mut posts);
                        }
                    }
                }
                registry_joins(n, toks, &vocab, &mut buf, &mut ranges);
                let joins: Vec<String> =
                    ranges.iter().map(|r| buf[r.clone()].to_string()).collect();
                for j in &joins {
                    exact(j, ni, &mut vocab, &mut kinds, &mut posts);
                }
                for &id in n.initials.iter().filter(|&&id| id != NONE) {
                    let key = vocab.text(id).to_string();
                    exact(&key, ni, &mut vocab, &mut kinds, &mut posts);
                }
            }
            posts.par_sort_unstable();
            posts.dedup();
            let fuzzy: Vec<(u32, &str)> = vocab
                .iter()
                .filter(|(i, _)| kinds[*i as usize] == KeyKind::Fuzzy)
                .collect();
            deletions = DeletionIndex::build(&fuzzy);
        }
        kinds.resize(vocab.len(), KeyKind::None);
        let mut post_off = vec![0u32; vocab.len() + 1];
        for &(v, _) in &posts {
            post_off[v as usize + 1] += 1;
        }
        for i in 1..post_off.len() {
            post_off[i] += post_off[i - 1];
        }
        let postings = posts.into_iter().map(|(_, n)| n).collect();
        tokens.shrink_to_fit();
        Matcher {
            serial,
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

    fn exact_lookup(&self, mark: Option<char>, text: &str, scratch: &mut Scratch, kind: KeyKind) {
        let id = match mark {
            Some(m) => {
                scratch.key.clear();
                scratch.key.push(m);
                scratch.key.push_str(text);
                self.vocab.get(&scratch.key)
            }
            None => self.vocab.get(text),
        };
        if let Some(v) = id
            && self.kinds[v as usize] == kind
        {
            let lo = self.post_off[v as usize] as usize;
            let hi = self.post_off[v as usize + 1] as usize;
            scratch.found.extend_from_slice(&self.postings[lo..hi]);
        }
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
            if t.class == Class::Stop {
                continue;
            }
            self.fuzzy_lookup(&t.text, scratch);
            if let Some(p) = &t.pinyin {
                self.fuzzy_lookup(p, scratch);
            }
            if let Some(g) = t.gloss {
                self.exact_lookup(None, g, scratch, KeyKind::Fuzzy);
            } else {
                self.exact_lookup(Some(GLOSS_MARK), &t.text, scratch, KeyKind::Exact);
            }
            if let Some(k) = translit_key(&t.text, t.skeleton.as_deref()) {
                self.exact_lookup(Some(KEY_MARK), &k, scratch, KeyKind::Exact);
            }
            if INITIALS.contains(&t.text.len()) && t.text.bytes().all(|b| b.is_ascii_lowercase()) {
                self.exact_lookup(Some(INITIALS_MARK), &t.text, scratch, KeyKind::Exact);
            }
        }
        for s in q.initials.iter().filter(|s| s.len() >= QUERY_INITIALS) {
            self.exact_lookup(None, s, scratch, KeyKind::Fuzzy);
        }
        let toks = &q.normalized.tokens;
        let mut join = std::mem::take(&mut scratch.join);
        for (i, t) in toks.iter().enumerate() {
            if t.is_han() {
                continue;
            }
            // A query token equal to registry tokens written together.
            self.exact_lookup(Some(JOIN_MARK), &t.text, scratch, KeyKind::Exact);
            // Query tokens written together (as written), equal to an
            // anchor or to registry tokens written together.
            join.clear();
            join.push_str(t.join_text());
            for u in toks.iter().skip(i + 1).take(MAX_JOIN - 1) {
                if u.is_han() {
                    break;
                }
                join.push_str(u.join_text());
                self.exact_lookup(None, &join, scratch, KeyKind::Fuzzy);
                self.exact_lookup(Some(JOIN_MARK), &join, scratch, KeyKind::Exact);
            }
        }
        scratch.join = join;
        scratch.found.sort_unstable();
        scratch.found.dedup();
    }

    fn fuzzy_lookup(&self, token: &str, scratch: &mut Scratch) {
        let (len, han) = measure(token);
        let k = max_edits(len, han);
        if k == 0 {
            // Only the token itself: no need for the deletion table.
            self.exact_lookup(None, token, scratch, KeyKind::Fuzzy);
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

    /// Whether indexed name `ni` is a candidate for `q`, by the written
    /// definition, checked directly.
    fn is_candidate(
        &self,
        q: &PreparedQuery,
        n: &IndexedName,
        buf: &mut String,
        ranges: &mut Vec<Range<usize>>,
    ) -> bool {
        let toks = self.toks(n);
        let q_tokens = || {
            q.normalized
                .tokens
                .iter()
                .filter(|t| t.class != Class::Stop)
        };
        let anchor_hit = toks.iter().enumerate().any(|(i, t)| {
            if !n.is_anchor(i) {
                return false;
            }
            let text = self.vocab.text(t.text);
            let mut keys = vec![text];
            if t.han {
                keys.push(self.vocab.text(t.alt));
            }
            if t.written != NONE {
                keys.push(self.vocab.text(t.written));
            }
            let fuzzy = keys.iter().any(|key| {
                q_tokens().any(|qt| {
                    std::iter::once(qt.text.as_str())
                        .chain(qt.pinyin.as_deref())
                        .any(|qk| within(qk, key, pair_budget(qk, key)).is_some())
                }) || q
                    .units()
                    .list
                    .iter()
                    .any(|u| u.len > 1 && !u.initials && q.units().text(u) == *key)
            });
            let translit = !t.han
                && translit_key(text, (t.alt != NONE).then(|| self.vocab.text(t.alt))).is_some_and(
                    |k| {
                        q_tokens().any(|qt| {
                            translit_key(&qt.text, qt.skeleton.as_deref()).as_deref()
                                == Some(k.as_str())
                        })
                    },
                );
            let gloss = (t.han
                && t.gloss != NONE
                && q_tokens().any(|qt| qt.text == self.vocab.text(t.gloss)))
                || q_tokens().any(|qt| qt.gloss == Some(text));
            let initials = q
                .initials
                .iter()
                .any(|s| s.len() >= QUERY_INITIALS && s == text);
            fuzzy || translit || gloss || initials
        });
        if anchor_hit {
            return true;
        }
        // A query token (or join) equal to an anchor-bearing run.
        registry_joins(n, toks, &self.vocab, buf, ranges);
        if ranges.iter().any(|r| {
            let run = &buf[r.start + JOIN_MARK.len_utf8()..r.end];
            q.units()
                .list
                .iter()
                .any(|u| !u.initials && !u.han && q.units().text(u) == run)
        }) {
            return true;
        }
        // A query token equal to the registry name's initials.
        let r_initials: Vec<&str> = n
            .initials
            .iter()
            .filter(|&&id| id != NONE)
            .map(|&id| &self.vocab.text(id)[INITIALS_MARK.len_utf8()..])
            .collect();
        q_tokens().any(|qt| {
            INITIALS.contains(&qt.text.len())
                && qt.text.bytes().all(|b| b.is_ascii_lowercase())
                && r_initials.contains(&qt.text.as_str())
        })
    }

    /// The initials of `n` (vocabulary ids of the marked keys).
    fn initials_of(n: &IndexedName) -> impl Iterator<Item = u32> + '_ {
        n.initials.iter().copied().filter(|&id| id != NONE)
    }

    /// The same set as [`Matcher::candidates`], found by checking every
    /// indexed name against the definition. Slow; the test oracle.
    pub fn candidates_brute_force(&self, q: &PreparedQuery) -> Vec<u32> {
        let mut buf = String::new();
        let mut ranges = Vec::new();
        (0..self.names.len() as u32)
            .filter(|&ni| self.is_candidate(q, &self.names[ni as usize], &mut buf, &mut ranges))
            .collect()
    }

    /// Scores indexed name `name` against `q`; `None` when it is not a
    /// candidate or does not qualify (no anchor aligned, or a name without
    /// distinctive tokens not aligned in full).
    ///
    /// A name that scores is always a candidate: the anchor the score needs
    /// is aligned by one of the candidate rules (`tests/recall.rs` checks
    /// it), so no separate check is made.
    pub fn score(&self, q: &PreparedQuery, name: u32) -> Option<Scored> {
        self.score_with(q, name, &mut score::ScoreScratch::default())
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
                scratch
                    .best
                    .push((n.owner, e.score, e.name_similarity, name));
            }
        }
        // The best name per owner; among equal scores the closer name
        // (before caps and adjustments), then the first indexed.
        scratch.best.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then(b.1.total_cmp(&a.1))
                .then(b.2.total_cmp(&a.2))
                .then(a.3.cmp(&b.3))
        });
        scratch.best.dedup_by_key(|b| b.0);
        scratch
            .best
            .sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut out = Vec::with_capacity(scratch.best.len());
        for &(_, _, _, name) in &scratch.best {
            out.extend(self.score_with(q, name, &mut scratch.score));
        }
        out
    }
}

fn name_tokens<'a>(tokens: &'a [RTok], n: &IndexedName) -> &'a [RTok] {
    &tokens[n.first as usize..n.first as usize + n.len as usize]
}

/// The anchors of a name: its distinctive tokens, or, without any, its
/// rarest token that is not a stop word (the first among equals).
fn anchor_mask(n: &IndexedName, toks: &[RTok], freq: impl Fn(u32) -> u32) -> u32 {
    if !n.weak {
        return toks
            .iter()
            .enumerate()
            .filter(|(_, t)| t.class == Class::Distinctive)
            .fold(0, |m, (i, _)| m | 1 << i);
    }
    (0..toks.len())
        .filter(|&i| toks[i].class != Class::Stop)
        .min_by_key(|&i| (freq(toks[i].text), i))
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
        if run.iter().any(|t| t.han) || !(start..start + len).any(|i| n.is_anchor(i)) {
            return;
        }
        let from = buf.len();
        buf.push(JOIN_MARK);
        for t in run {
            buf.push_str(vocab.text(t.join_text()));
        }
        ranges.push(from..buf.len());
    });
}

/// Scores `query` against `reference` exactly as a screened name is
/// scored against a registry name: `reference` is indexed alone (without
/// the candidate tables, which one name does not need) and `query` scored
/// against it. When the pair is not a candidate or does not qualify, the
/// error says what was compared ([`crate::explain_none`]).
pub fn score_pair(query: &PreparedQuery, reference: &str) -> Result<Scored, String> {
    PairScorer::default().score(query, reference)
}

/// Scores many pairs: remembers the references it has indexed (lists of
/// pairs repeat their reference names: registry names, list entries) in one
/// growing index without candidate tables, so that a new reference costs
/// its normalisation and a few vocabulary entries, and reuses its buffers.
#[derive(Debug)]
pub struct PairScorer {
    names: Matcher,
    state: PushState,
    /// The index of each remembered reference among `names`.
    references: hashbrown::HashMap<Box<str>, u32>,
    scratch: score::ScoreScratch,
}

impl Default for PairScorer {
    fn default() -> PairScorer {
        PairScorer {
            names: Matcher::empty(),
            state: PushState::default(),
            references: hashbrown::HashMap::new(),
            scratch: score::ScoreScratch::default(),
        }
    }
}

/// References a [`PairScorer`] remembers before it starts again.
const PAIR_CACHE: usize = 1 << 16;

impl PairScorer {
    /// As [`score_pair`].
    pub fn score(&mut self, query: &PreparedQuery, reference: &str) -> Result<Scored, String> {
        let id = match self.references.get(reference) {
            Some(&id) => id,
            None => self.add(reference),
        };
        let m = &self.names;
        m.score_with(query, id, &mut self.scratch).ok_or_else(|| {
            crate::screen::explain_none(query, &m.name_tokens(id), &m.name_legal_forms(id))
        })
    }

    /// Indexes `reference` as [`Matcher::single`] would, and remembers it.
    fn add(&mut self, reference: &str) -> u32 {
        if self.references.len() >= PAIR_CACHE {
            self.references.clear();
            self.names = Matcher::empty();
            self.state = PushState::default();
        }
        let n = normalize(reference);
        let input = NameInput {
            owner: 0,
            name: reference,
            country: None,
            short_form: false,
        };
        let m = &mut self.names;
        m.push_name(&mut self.state, &input, &n);
        let id = m.names.len() as u32 - 1;
        // Anchors as in an index of this name alone: a token's frequency
        // is how often it occurs in this name.
        let name = m.names[id as usize];
        let toks = name_tokens(&m.tokens, &name);
        m.names[id as usize].anchors = anchor_mask(&name, toks, |t| {
            toks.iter().filter(|u| u.text == t).count() as u32
        });
        self.references.insert(reference.into(), id);
        id
    }
}

impl Matcher {
    /// The tokens of indexed name `name` and their classes, for an
    /// explanation of why it did not score.
    pub fn name_tokens(&self, name: u32) -> Vec<(&str, Class)> {
        self.toks(&self.names[name as usize])
            .iter()
            .map(|t| (self.vocab.text(t.text), t.class))
            .collect()
    }

    /// The labels of the legal forms of indexed name `name`.
    pub fn name_legal_forms(&self, name: u32) -> Vec<&'static str> {
        self.legal_sets[self.names[name as usize].legal as usize]
            .iter()
            .map(|&id| lexicon::legal(id).label)
            .collect()
    }
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
            "中国移动",
            "Hik Vision Trading",
            "Nuctech Company Limited",
            "People's Liberation Army",
            "Rosoboronexport",
            "Van der Bilt Holding",
            "CNOOC",
        ]);
        for q in [
            "Hikvison",
            "hikvision",
            "Hai Kang Wei Shi",
            "China Mobile",
            "Mobile China",
            "中国移动通信集团",
            "Nutech Solutions",
            "Huawei",
            "HikVision Trading",
            "海康卫视",
            "Digital Technology Group BV",
            "PLA",
            "Rosoboroneksport",
            "Vanderbilt",
            "China National Offshore Oil Corporation",
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
        assert_eq!(best(&m, "中国移动通信集团有限公司").map(|b| b.0), Some(4));
    }
}
