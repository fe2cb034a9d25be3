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
//! The table is a sorted array of `(hash, token)` pairs with a directory on
//! the top bits of the hash, so a lookup costs about two cache misses and the
//! whole index is 12 bytes a deletion plus the directory.

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
    let (la, ha) = measure(a);
    let (lb, hb) = measure(b);
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
    let args = osa::Args::default().score_cutoff(budget);
    if a.is_ascii() && b.is_ascii() {
        if a.len().abs_diff(b.len()) > budget {
            return None;
        }
        osa::distance_with_args(a.bytes(), b.bytes(), &args)
    } else {
        osa::distance_with_args(a.chars(), b.chars(), &args)
    }
}

/// Calls `f` with the hash of every string reachable from `chars` by
/// deleting at most `k` (≤ 2) characters. The same hash may come more than
/// once ("aab" minus either "a").
pub fn for_each_deletion(chars: &[char], k: usize, mut f: impl FnMut(u64)) {
    let n = chars.len();
    f(hash_skipping(chars, usize::MAX, usize::MAX));
    if k >= 1 {
        for i in 0..n {
            f(hash_skipping(chars, i, usize::MAX));
        }
    }
    if k >= 2 {
        for i in 0..n {
            for j in i + 1..n {
                f(hash_skipping(chars, i, j));
            }
        }
    }
}

fn hash_skipping(chars: &[char], a: usize, b: usize) -> u64 {
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15;
    for (i, &c) in chars.iter().enumerate() {
        if i != a && i != b {
            h = (h.rotate_left(5) ^ u64::from(c)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
    // Final mix so that the top bits, which the directory uses, are spread.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The deletion table: for each hash, the vocabulary tokens it came from.
#[derive(Debug, Default)]
pub struct DeletionIndex {
    dir: Vec<u32>,
    keys: Vec<u64>,
    vals: Vec<u32>,
    shift: u32,
}

impl DeletionIndex {
    /// Builds the table for the tokens `(id, text)`.
    pub fn build<'a>(tokens: impl IntoParallelIterator<Item = (u32, &'a str)>) -> DeletionIndex {
        let mut pairs: Vec<(u64, u32)> = tokens
            .into_par_iter()
            .fold(Vec::new, |mut acc, (id, text)| {
                let chars: Vec<char> = text.chars().collect();
                let (len, han) = measure(text);
                for_each_deletion(&chars, max_edits(len, han), |h| acc.push((h, id)));
                acc
            })
            .reduce(Vec::new, |mut a, mut b| {
                if a.len() < b.len() {
                    std::mem::swap(&mut a, &mut b);
                }
                a.extend(b);
                a
            });
        pairs.par_sort_unstable();
        pairs.dedup();
        let bits = (usize::BITS - pairs.len().max(16).leading_zeros()).min(30);
        let shift = 64 - bits;
        let mut dir = vec![0u32; (1usize << bits) + 1];
        for &(h, _) in &pairs {
            dir[(h >> shift) as usize + 1] += 1;
        }
        for i in 1..dir.len() {
            dir[i] += dir[i - 1];
        }
        let (keys, vals) = pairs.into_iter().unzip();
        DeletionIndex {
            dir,
            keys,
            vals,
            shift,
        }
    }

    /// The tokens stored under `hash`.
    pub fn get(&self, hash: u64) -> impl Iterator<Item = u32> + '_ {
        let (lo, hi) = if self.dir.is_empty() {
            (0, 0)
        } else {
            let b = (hash >> self.shift) as usize;
            (self.dir[b] as usize, self.dir[b + 1] as usize)
        };
        self.keys[lo..hi]
            .iter()
            .zip(&self.vals[lo..hi])
            .filter(move |(k, _)| **k == hash)
            .map(|(_, v)| *v)
    }

    /// Number of stored deletions.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.dir.len() * 4 + self.keys.len() * 8 + self.vals.len() * 4
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
            vocab
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
