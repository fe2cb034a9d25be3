//! A symmetric-deletion index over a token vocabulary.
//!
//! Edits are counted as the optimal string alignment distance: Levenshtein
//! (insert, delete, substitute one character) plus the swap of two adjacent
//! characters, the commonest typing slip. Two tokens are within `d` edits
//! only if deleting at most `d` characters from each gives the same string:
//! a substitution or a swap is one deletion on each side, an insertion or
//! deletion one on one side. So each
//! vocabulary token is stored under the hashes of every string reachable by
//! deleting up to `k` of its characters, and a query token looks up the
//! hashes of its own deletions. Every token within the edit budget is found;
//! hash collisions and deletion coincidences that are not real neighbours
//! are removed by computing the true distance ([`within`]).
//!
//! The table is a sorted array of packed `(hash, token)` entries with a
//! directory on the top bits of the hash, so a lookup costs about two cache
//! misses and the whole index is 8 bytes a deletion plus the directory.

use rapidfuzz::distance::osa;
use rayon::prelude::*;

/// Longest token, in characters, that is matched with edits; longer tokens
/// only match exactly. Company-name words are far shorter; the limit bounds
/// the work a hostile input can cause (a token of n characters has about
/// n²/2 two-character deletions).
pub const MAX_FUZZY_CHARS: usize = 24;

/// The edit budget of a token of `chars` characters: 0 up to 4 characters,
/// 1 up to 8, 2 up to [`MAX_FUZZY_CHARS`], 0 beyond. Han tokens carry more
/// per character: 0 up to 3 characters, 1 from 4.
pub fn max_edits(chars: usize, han: bool) -> usize {
    if han {
        return usize::from(chars >= 4);
    }
    match chars {
        0..=4 => 0,
        5..=8 => 1,
        9..=MAX_FUZZY_CHARS => 2,
        _ => 0,
    }
}

/// The budget two tokens share: the smaller of their budgets.
pub fn pair_budget(a: &str, b: &str) -> usize {
    shared_budget(measure(a), measure(b))
}

/// [`pair_budget`] of two tokens already measured.
pub fn shared_budget((la, ha): (usize, bool), (lb, hb): (usize, bool)) -> usize {
    max_edits(la, ha).min(max_edits(lb, hb))
}

/// Character count and whether the token is Han.
pub fn measure(token: &str) -> (usize, bool) {
    if token.is_ascii() {
        (token.len(), false)
    } else {
        let n = token.chars().count();
        (
            n,
            token.chars().next().is_some_and(crate::normalize::is_han),
        )
    }
}

/// The edit distance between two tokens if it is at most `budget`.
pub fn within(a: &str, b: &str, budget: usize) -> Option<usize> {
    if a == b {
        return Some(0);
    }
    if budget == 0 {
        return None;
    }
    if a.is_ascii() && b.is_ascii() {
        if a.len().abs_diff(b.len()) > budget {
            return None;
        }
        if a.len() <= SHORT && b.len() <= SHORT {
            return osa_short(a.as_bytes(), b.as_bytes(), budget);
        }
        let args = osa::Args::default().score_cutoff(budget);
        osa::distance_with_args(a.bytes(), b.bytes(), &args)
    } else {
        let args = osa::Args::default().score_cutoff(budget);
        osa::distance_with_args(a.chars(), b.chars(), &args)
    }
}

/// Longest byte string [`osa_short`] takes: every token that has an edit
/// budget ([`MAX_FUZZY_CHARS`]).
const SHORT: usize = MAX_FUZZY_CHARS;

/// The optimal string alignment distance of two short ASCII strings if it
/// is at most `budget`. Bit-parallel, after Hyyrö's extension of Myers'
/// algorithm to adjacent transpositions (H. Hyyrö, "A bit-vector algorithm
/// for computing Levenshtein and Damerau edit distances", Nordic Journal of
/// Computing 10, 2003): one machine word holds a column of the table.
/// The scorer verifies about a thousand token pairs per query; rapidfuzz
/// clears a 2 KiB table for each, which cost more than the comparison.
fn osa_short(a: &[u8], b: &[u8], budget: usize) -> Option<usize> {
    let m = a.len();
    if m == 0 {
        return (b.len() <= budget).then_some(b.len());
    }
    // Where each byte occurs in `a`, one bit a position.
    let mut pm = [0u32; 128];
    for (i, &c) in a.iter().enumerate() {
        pm[usize::from(c & 0x7f)] |= 1 << i;
    }
    let last = 1u32 << (m - 1);
    let ones = if m == 32 { u32::MAX } else { (1u32 << m) - 1 };
    let (mut vp, mut vn, mut d0, mut pm_prev) = (ones, 0u32, 0u32, 0u32);
    let mut dist = m;
    for (j, &c) in b.iter().enumerate() {
        let pm_j = pm[usize::from(c & 0x7f)];
        let tr = (((!d0) & pm_j) << 1) & pm_prev;
        d0 = ((((pm_j & vp).wrapping_add(vp)) ^ vp) | pm_j | vn | tr) & ones;
        let hp = (vn | !(d0 | vp)) & ones;
        let hn = d0 & vp;
        if hp & last != 0 {
            dist += 1;
        } else if hn & last != 0 {
            dist -= 1;
        }
        let hp = (hp << 1) | 1;
        let hn = hn << 1;
        vp = (hn | !(d0 | hp)) & ones;
        vn = hp & d0;
        pm_prev = pm_j;
        // Each remaining byte of `b` lowers the distance by one at most.
        if dist > budget + (b.len() - j - 1) {
            return None;
        }
    }
    (dist <= budget).then_some(dist)
}

/// Calls `f` with the hash of every string reachable from `chars` by
/// deleting at most `k` (≤ 2) characters. The same hash may come more than
/// once ("aab" minus either "a").
///
/// The hash is polynomial, `Σ cₚ·Bᵖ` over the characters that remain
/// (wrapping), so that with prefix sums each deletion costs a few
/// multiplications instead of a pass over the token: the characters after
/// a deleted one move down a position, which is a multiplication by the
/// inverse of `B`. A final mix spreads the bits.
pub fn for_each_deletion(chars: &[char], k: usize, mut f: impl FnMut(u64)) {
    let n = chars.len();
    let mut stack = [0u64; MAX_FUZZY_CHARS + 2];
    let mut heap = Vec::new();
    let pre: &mut [u64] = if n < stack.len() {
        &mut stack[..=n]
    } else {
        heap.resize(n + 1, 0);
        &mut heap
    };
    let mut power = 1u64;
    for (i, &c) in chars.iter().enumerate() {
        pre[i + 1] = pre[i].wrapping_add((u64::from(c) + 1).wrapping_mul(power));
        power = power.wrapping_mul(POLY_BASE);
    }
    let total = pre[n];
    f(finish(total, n));
    if k >= 1 {
        for i in 0..n {
            let tail = total.wrapping_sub(pre[i + 1]).wrapping_mul(POLY_BASE_INV);
            f(finish(pre[i].wrapping_add(tail), n - 1));
        }
    }
    if k >= 2 {
        for i in 0..n {
            for j in i + 1..n {
                let middle = pre[j].wrapping_sub(pre[i + 1]).wrapping_mul(POLY_BASE_INV);
                let tail = total.wrapping_sub(pre[j + 1]).wrapping_mul(POLY_BASE_INV2);
                f(finish(
                    pre[i].wrapping_add(middle).wrapping_add(tail),
                    n - 2,
                ));
            }
        }
    }
}

/// An odd base, so that it has an inverse modulo 2⁶⁴.
const POLY_BASE: u64 = 0x0000_0100_0000_01b3;
const POLY_BASE_INV: u64 = inverse(POLY_BASE);
const POLY_BASE_INV2: u64 = POLY_BASE_INV.wrapping_mul(POLY_BASE_INV);

/// The inverse of odd `b` modulo 2⁶⁴, by Newton's iteration (each step
/// doubles the correct low bits: 3, 6, 12, 24, 48, 96).
const fn inverse(b: u64) -> u64 {
    let mut x = b;
    let mut i = 0;
    while i < 5 {
        x = x.wrapping_mul(2u64.wrapping_sub(b.wrapping_mul(x)));
        i += 1;
    }
    x
}

/// Mixes the polynomial and the length so that the top bits, which the
/// directory uses, are spread.
fn finish(poly: u64, len: usize) -> u64 {
    let mut h = poly ^ (len as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The deletion table: for each hash, the vocabulary tokens it came from.
///
/// Each entry is one `u64`: the top bits of the deletion's hash with the
/// token id in the low bits, so a token of a vocabulary below 2^`id_bits`
/// keeps `64 − id_bits` (at least 32) bits of its hash as a fingerprint.
/// Sorting the entries groups them by hash; a directory over the top bits
/// points at about four entries each.
#[derive(Debug, Default)]
pub struct DeletionIndex {
    dir: Vec<u32>,
    entries: Vec<u64>,
    shift: u32,
    id_bits: u32,
}

/// Tokens whose deletions are computed in one parallel step while the
/// table is filled, so that the transient buffers stay small.
const BUILD_CHUNK: usize = 1 << 16;

impl DeletionIndex {
    /// Builds the table for the tokens `(id, text)`.
    pub fn build(tokens: &[(u32, &str)]) -> DeletionIndex {
        let max_id = tokens.iter().map(|t| t.0).max().unwrap_or(0);
        let id_bits = (u32::BITS - max_id.leading_zeros()).max(1);
        let id_mask = (1u64 << id_bits) - 1;
        let total: usize = tokens
            .par_iter()
            .map(|(_, text)| deletion_count(text))
            .sum();
        let mut entries: Vec<u64> = Vec::with_capacity(total);
        for chunk in tokens.chunks(BUILD_CHUNK) {
            let parts: Vec<Vec<u64>> = chunk
                .par_chunks(1024)
                .map(|part| {
                    let mut acc = Vec::new();
                    let mut chars = Vec::new();
                    for &(id, text) in part {
                        chars.clear();
                        chars.extend(text.chars());
                        let (len, han) = measure(text);
                        for_each_deletion(&chars, max_edits(len, han), |h| {
                            acc.push((h & !id_mask) | u64::from(id))
                        });
                    }
                    acc
                })
                .collect();
            for p in parts {
                entries.extend_from_slice(&p);
            }
        }
        entries.par_sort_unstable();
        entries.dedup();
        entries.shrink_to_fit();
        let log2 = usize::BITS - entries.len().max(1).leading_zeros();
        let bits = log2.saturating_sub(2).clamp(4, 30);
        let shift = 64 - bits;
        let mut dir = vec![0u32; (1usize << bits) + 1];
        for &e in &entries {
            dir[(e >> shift) as usize + 1] += 1;
        }
        for i in 1..dir.len() {
            dir[i] += dir[i - 1];
        }
        DeletionIndex {
            dir,
            entries,
            shift,
            id_bits,
        }
    }

    /// The tokens stored under `hash` (and, rarely, under another hash
    /// with the same fingerprint: callers verify).
    pub fn get(&self, hash: u64) -> impl Iterator<Item = u32> + '_ {
        let (lo, hi) = if self.dir.is_empty() {
            (0, 0)
        } else {
            let b = (hash >> self.shift) as usize;
            (self.dir[b] as usize, self.dir[b + 1] as usize)
        };
        let id_bits = self.id_bits;
        let fingerprint = hash >> id_bits;
        self.entries[lo..hi]
            .iter()
            .filter(move |&&e| e >> id_bits == fingerprint)
            .map(move |&e| (e & ((1u64 << id_bits) - 1)) as u32)
    }

    /// The directory, entries, shift and id width, for storing.
    pub(crate) fn parts(&self) -> (&[u32], &[u64], u32, u32) {
        (&self.dir, &self.entries, self.shift, self.id_bits)
    }

    /// A table from stored parts, checked so that [`DeletionIndex::get`]
    /// cannot index outside it and yields only ids below `vocabulary`.
    pub(crate) fn from_parts(
        dir: Vec<u32>,
        entries: Vec<u64>,
        shift: u32,
        id_bits: u32,
        vocabulary: usize,
    ) -> Result<DeletionIndex, String> {
        let bits = 64u32.wrapping_sub(shift);
        if !(4..=30).contains(&bits) || !(1..=32).contains(&id_bits) {
            return Err(format!(
                "deletion table shift {shift} or id width {id_bits} out of range"
            ));
        }
        if dir.len() != (1usize << bits) + 1
            || dir[0] != 0
            || dir.windows(2).any(|w| w[0] > w[1])
            || dir[dir.len() - 1] as usize != entries.len()
        {
            return Err("deletion table directory does not cover its entries".into());
        }
        let mask = (1u64 << id_bits) - 1;
        if entries.iter().any(|&e| (e & mask) as usize >= vocabulary) {
            return Err("deletion table names a token outside the vocabulary".into());
        }
        Ok(DeletionIndex {
            dir,
            entries,
            shift,
            id_bits,
        })
    }

    /// Number of stored deletions.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.dir.len() * 4 + self.entries.len() * 8
    }
}

/// How many deletions [`for_each_deletion`] yields for `text` at its
/// budget.
fn deletion_count(text: &str) -> usize {
    let (n, han) = measure(text);
    match max_edits(n, han) {
        0 => 1,
        1 => 1 + n,
        _ => 1 + n + n * n.saturating_sub(1) / 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_follow_length() {
        assert_eq!(max_edits(3, false), 0);
        assert_eq!(max_edits(4, false), 0);
        assert_eq!(max_edits(5, false), 1);
        assert_eq!(max_edits(8, false), 1);
        assert_eq!(max_edits(9, false), 2);
        assert_eq!(max_edits(25, false), 0);
        assert_eq!(max_edits(3, true), 0);
        assert_eq!(max_edits(4, true), 1);
        assert_eq!(pair_budget("zte", "ztek"), 0);
        assert_eq!(pair_budget("hikvison", "hikvision"), 1);
    }

    #[test]
    fn short_distance_agrees_with_rapidfuzz() {
        // Every pair of strings over a small alphabet with lengths that
        // allow swaps, insertions and deletions near each other.
        let alphabet = b"abc";
        let mut words: Vec<Vec<u8>> = vec![Vec::new()];
        for len in 1..=5 {
            let mut next = Vec::new();
            for w in words.iter().filter(|w| w.len() == len - 1) {
                for &c in alphabet {
                    let mut v = w.clone();
                    v.push(c);
                    next.push(v);
                }
            }
            words.extend(next);
        }
        let mut checked = 0;
        for a in &words {
            for b in &words {
                for budget in 0..=2 {
                    let args = osa::Args::default().score_cutoff(budget);
                    let expected =
                        osa::distance_with_args(a.iter().copied(), b.iter().copied(), &args);
                    assert_eq!(osa_short(a, b, budget), expected, "{a:?} {b:?} {budget}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 364 * 364 * 3);
        // Long words near the 24-byte limit, each against a copy with up
        // to three random edits.
        let mut rng = crate::synth::Rng::new(7);
        for _ in 0..20_000 {
            let len = 12 + rng.below(13);
            let a: Vec<u8> = (0..len).map(|_| b"aeinrst"[rng.below(7)]).collect();
            let mut b = a.clone();
            for _ in 0..rng.below(4) {
                let i = rng.below(b.len());
                match rng.below(4) {
                    0 => b[i] = b"aeinrstx"[rng.below(8)],
                    1 if b.len() > 1 => {
                        b.remove(i);
                    }
                    2 if b.len() < SHORT => b.insert(i, b"aeinrst"[rng.below(7)]),
                    _ if i + 1 < b.len() => b.swap(i, i + 1),
                    _ => {}
                }
            }
            for budget in 0..=2 {
                let args = osa::Args::default().score_cutoff(budget);
                let expected = osa::distance_with_args(a.iter().copied(), b.iter().copied(), &args);
                assert_eq!(osa_short(&a, &b, budget), expected, "{a:?} {b:?} {budget}");
            }
        }
        assert_eq!(osa_short(b"hikvision", b"hikvsiion", 2), Some(1));
        assert_eq!(
            osa_short(b"ca", b"abc", 3),
            Some(3),
            "OSA edits no substring twice"
        );
    }

    #[test]
    fn a_deletion_hashes_like_the_shorter_string() {
        assert_eq!(POLY_BASE.wrapping_mul(POLY_BASE_INV), 1);
        let all = |s: &str, k| {
            let chars: Vec<char> = s.chars().collect();
            let mut v = Vec::new();
            for_each_deletion(&chars, k, |h| v.push(h));
            v
        };
        let whole = |s: &str| all(s, 0)[0];
        // "hikvision" minus "k" and minus "k", "s" are the strings below.
        assert!(all("hikvision", 1).contains(&whole("hivision")));
        assert!(all("hikvision", 2).contains(&whole("hivsion")));
        assert!(all("海康威视", 1).contains(&whole("海威视")));
        assert_eq!(all("hikvision", 2).len(), 1 + 9 + 36);
        assert_ne!(whole("ab"), whole("ba"));
        assert_ne!(whole("a"), whole("aa"));
        // A token longer than the stack buffer.
        let long = "x".repeat(40);
        assert!(all(&long, 1).contains(&whole(&"x".repeat(39))));
    }

    #[test]
    fn finds_every_neighbour() {
        let vocab = [
            "hikvision",
            "nuctech",
            "dahua",
            "huawei",
            "hytera",
            "海康威视",
        ];
        let idx = DeletionIndex::build(
            &vocab
                .iter()
                .enumerate()
                .map(|(i, t)| (i as u32, *t))
                .collect::<Vec<_>>(),
        );
        let hits = |q: &str| {
            let chars: Vec<char> = q.chars().collect();
            let (len, han) = measure(q);
            let mut found = Vec::new();
            for_each_deletion(&chars, max_edits(len, han), |h| found.extend(idx.get(h)));
            found.sort();
            found.dedup();
            found
                .into_iter()
                .filter(|&v| {
                    within(q, vocab[v as usize], pair_budget(q, vocab[v as usize])).is_some()
                })
                .map(|v| vocab[v as usize])
                .collect::<Vec<_>>()
        };
        assert_eq!(hits("hikvison"), ["hikvision"]);
        assert_eq!(hits("hikvsiion"), ["hikvision"]);
        assert_eq!(hits("nutech"), ["nuctech"]);
        assert_eq!(hits("huawey"), ["huawei"]);
        assert_eq!(hits("海康卫视"), ["海康威视"]);
        assert_eq!(hits("dahau"), ["dahua"], "a swap is one edit");
        assert!(hits("dxhxa").is_empty(), "5 letters allow one edit");
        assert!(hits("cisco").is_empty());
    }
}
