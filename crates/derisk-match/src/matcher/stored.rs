//! A built index as bytes, so that a compiled registry snapshot can carry
//! it and screening need not build it again.
//!
//! Layout (little-endian, fixed widths): the magic `DRSKNIX3`, the binding
//! (the registry hash the index was built from, length-prefixed), then the
//! names, tokens, legal-form sets, vocabulary (text and entry ends), key
//! kinds, postings and the deletion table. Token lengths are measured
//! again from the vocabulary, not stored. Reading checks every number
//! that is later used as a position (token ranges, vocabulary ids, posting
//! offsets, the deletion directory), so a damaged or crafted index is
//! refused with a reason instead of failing later.

use derisk_core::CountryCode;

use super::{IndexedName, KeyKind, Matcher, NONE, RTok, SERIAL};
use crate::index::{DeletionIndex, measure};
use crate::normalize::{Class, MAX_TOKENS};
use crate::vocab::Vocab;

const MAGIC: &[u8; 8] = b"DRSKNIX3";

impl Matcher {
    /// The index as bytes, bound to `binding` (the registry hash).
    pub fn to_bytes(&self, binding: &str) -> Vec<u8> {
        let mut w = Vec::with_capacity(self.stats().index_bytes);
        w.extend_from_slice(MAGIC);
        put_bytes(&mut w, binding.as_bytes());
        put_u32(&mut w, self.names.len());
        for n in &self.names {
            w.extend_from_slice(&n.owner.to_le_bytes());
            w.extend_from_slice(&n.first.to_le_bytes());
            w.push(n.len);
            w.push(u8::from(n.weak) | u8::from(n.capped) << 1);
            let country = n.country.as_ref().map_or("--", |c| c.as_str());
            w.extend_from_slice(country.as_bytes());
            w.extend_from_slice(&n.anchors.to_le_bytes());
            w.extend_from_slice(&n.legal.to_le_bytes());
            for id in n.initials {
                w.extend_from_slice(&id.to_le_bytes());
            }
        }
        put_u32(&mut w, self.tokens.len());
        for t in &self.tokens {
            w.extend_from_slice(&t.text.to_le_bytes());
            w.extend_from_slice(&t.alt.to_le_bytes());
            w.extend_from_slice(&t.gloss.to_le_bytes());
            w.push(match t.class {
                Class::Distinctive => 0,
                Class::Generic => 1,
                Class::Location => 2,
                Class::Stop => 3,
            });
            w.push(t.flags);
            w.push(t.zipf);
            w.extend_from_slice(&t.written.to_le_bytes());
        }
        put_u32(&mut w, self.legal_sets.len());
        for set in &self.legal_sets {
            put_u32(&mut w, set.len());
            for &id in set.iter() {
                put_bytes(&mut w, crate::lexicon::legal(id).text.as_bytes());
            }
        }
        let (text, ends) = self.vocab.parts();
        put_bytes(&mut w, text.as_bytes());
        put_u32(&mut w, ends.len());
        for &e in ends {
            w.extend_from_slice(&(e as u64).to_le_bytes());
        }
        w.extend(self.kinds.iter().map(|k| match k {
            KeyKind::None => 0u8,
            KeyKind::Fuzzy => 1,
            KeyKind::Exact => 2,
        }));
        put_u32s(&mut w, &self.post_off);
        put_u32s(&mut w, &self.postings);
        let (dir, entries, shift, id_bits) = self.deletions.parts();
        put_u32(&mut w, shift as usize);
        put_u32(&mut w, id_bits as usize);
        put_u32s(&mut w, dir);
        w.extend_from_slice(&(entries.len() as u64).to_le_bytes());
        for &e in entries {
            w.extend_from_slice(&e.to_le_bytes());
        }
        w
    }

    /// Reads an index written by [`Matcher::to_bytes`] for `binding`.
    pub fn from_bytes(bytes: &[u8], binding: &str) -> Result<Matcher, String> {
        let mut r = Reader { b: bytes, at: 0 };
        if r.take(8)? != MAGIC {
            return Err("not a derisk name index".into());
        }
        let bound = r.bytes()?;
        if bound != binding.as_bytes() {
            return Err(format!(
                "built for registry {}, not this one",
                String::from_utf8_lossy(&bound[..bound.len().min(12)])
            ));
        }
        let n_names = r.count(36)?;
        let mut names = Vec::with_capacity(n_names);
        for _ in 0..n_names {
            let owner = r.u32()?;
            let first = r.u32()?;
            let len = r.u8()?;
            let flags = r.u8()?;
            let country = match r.take(2)? {
                b"--" => None,
                c => Some(
                    std::str::from_utf8(c)
                        .ok()
                        .and_then(|c| CountryCode::new(c).ok())
                        .ok_or("a name with a bad country code")?,
                ),
            };
            names.push(IndexedName {
                owner,
                first,
                len,
                weak: flags & 1 != 0,
                capped: flags & 2 != 0,
                country,
                anchors: r.u32()?,
                legal: r.u32()?,
                initials: [r.u32()?, r.u32()?, r.u32()?, r.u32()?],
            });
        }
        let n_tokens = r.count(19)?;
        let mut tokens = Vec::with_capacity(n_tokens);
        for _ in 0..n_tokens {
            tokens.push(RTok {
                text: r.u32()?,
                alt: r.u32()?,
                gloss: r.u32()?,
                class: match r.u8()? {
                    0 => Class::Distinctive,
                    1 => Class::Generic,
                    2 => Class::Location,
                    3 => Class::Stop,
                    c => return Err(format!("token class {c}")),
                },
                flags: r.u8()?,
                zipf: r.u8()?,
                written: r.u32()?,
                // Measured again from the text below, never trusted.
                chars: 0,
                han: false,
            });
        }
        let n_sets = r.count(4)?;
        let mut legal_sets = Vec::with_capacity(n_sets);
        for _ in 0..n_sets {
            let n = r.count(4)?;
            let mut set = Vec::with_capacity(n);
            for _ in 0..n {
                let text = r.bytes()?;
                let id = std::str::from_utf8(text)
                    .ok()
                    .and_then(crate::lexicon::legal_id)
                    .ok_or("an unknown legal form")?;
                set.push(id);
            }
            legal_sets.push(set.into_boxed_slice());
        }
        let text = String::from_utf8(r.bytes()?.to_vec()).map_err(|_| "vocabulary not UTF-8")?;
        let n_ends = r.count(8)?;
        let mut ends = Vec::with_capacity(n_ends);
        for _ in 0..n_ends {
            ends.push(usize::try_from(r.u64()?).map_err(|_| "a vocabulary end too large")?);
        }
        let vocab = Vocab::from_parts(text, ends)?;
        let kinds = r
            .take(vocab.len())?
            .iter()
            .map(|&k| match k {
                0 => Ok(KeyKind::None),
                1 => Ok(KeyKind::Fuzzy),
                2 => Ok(KeyKind::Exact),
                k => Err(format!("key kind {k}")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let post_off = r.u32s()?;
        let postings = r.u32s()?;
        let shift = r.u32()?;
        let id_bits = r.u32()?;
        let dir = r.u32s()?;
        let n_entries = usize::try_from(r.u64()?).map_err(|_| "too many deletions")?;
        if n_entries > (bytes.len() - r.at) / 8 {
            return Err("the deletion table is cut short".into());
        }
        let mut entries = Vec::with_capacity(n_entries);
        for _ in 0..n_entries {
            entries.push(r.u64()?);
        }
        if r.at != bytes.len() {
            return Err(format!("{} bytes after the index", bytes.len() - r.at));
        }
        let deletions = DeletionIndex::from_parts(dir, entries, shift, id_bits, vocab.len())?;

        // Every number used as a position must point inside its table.
        let in_vocab = |id: u32| (id as usize) < vocab.len();
        if tokens.iter().any(|t| {
            !in_vocab(t.text)
                || (t.alt != NONE && !in_vocab(t.alt))
                || (t.gloss != NONE && !in_vocab(t.gloss))
                || (t.written != NONE && !in_vocab(t.written))
        }) {
            return Err("a token outside the vocabulary".into());
        }
        for t in &mut tokens {
            let (chars, han) = measure(vocab.text(t.text));
            t.chars = chars.min(255) as u8;
            t.han = han;
            if han && t.alt == NONE {
                return Err("a Han token without its pinyin".into());
            }
        }
        if names.iter().any(|n| {
            n.initials.iter().any(|&id| {
                id != NONE && (!in_vocab(id) || !vocab.text(id).starts_with(super::INITIALS_MARK))
            })
        }) {
            return Err("a name whose initials are outside the vocabulary".into());
        }
        if names.iter().any(|n| {
            n.len as usize > MAX_TOKENS
                || n.first as usize + n.len as usize > tokens.len()
                || n.legal as usize >= legal_sets.len()
        }) {
            return Err("a name whose tokens or legal forms are outside the index".into());
        }
        if legal_sets.first().is_none_or(|s| !s.is_empty()) {
            return Err("the first legal-form set must be the empty one".into());
        }
        if post_off.len() != vocab.len() + 1
            || post_off.first() != Some(&0)
            || post_off.windows(2).any(|w| w[0] > w[1])
            || post_off.last().copied() != Some(postings.len() as u32)
            || postings.iter().any(|&n| n as usize >= names.len())
        {
            return Err("postings that do not match the vocabulary and names".into());
        }
        Ok(Matcher {
            serial: SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            vocab,
            kinds,
            names,
            tokens,
            legal_sets,
            post_off,
            postings,
            deletions,
        })
    }

    /// The owner of each indexed name, in order.
    pub fn owners(&self) -> impl Iterator<Item = u32> + '_ {
        self.names.iter().map(|n| n.owner)
    }
}

fn put_u32(w: &mut Vec<u8>, n: usize) {
    w.extend_from_slice(&(n as u32).to_le_bytes());
}

fn put_bytes(w: &mut Vec<u8>, b: &[u8]) {
    put_u32(w, b.len());
    w.extend_from_slice(b);
}

fn put_u32s(w: &mut Vec<u8>, v: &[u32]) {
    put_u32(w, v.len());
    for &x in v {
        w.extend_from_slice(&x.to_le_bytes());
    }
}

struct Reader<'b> {
    b: &'b [u8],
    at: usize,
}

impl<'b> Reader<'b> {
    fn take(&mut self, n: usize) -> Result<&'b [u8], String> {
        if n > self.b.len() - self.at {
            return Err(format!(
                "the index ends at byte {} inside a record",
                self.b.len()
            ));
        }
        let out = &self.b[self.at..self.at + n];
        self.at += n;
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    /// A count of records of at least `width` bytes each that can fit in
    /// the rest of the data (so a bad count cannot reserve memory).
    fn count(&mut self, width: usize) -> Result<usize, String> {
        let n = self.u32()? as usize;
        if n.saturating_mul(width) > self.b.len() - self.at {
            return Err(format!(
                "a count of {n} cannot fit in the rest of the index"
            ));
        }
        Ok(n)
    }
    fn bytes(&mut self) -> Result<&'b [u8], String> {
        let n = self.count(1)?;
        self.take(n)
    }
    fn u32s(&mut self) -> Result<Vec<u32>, String> {
        let n = self.count(4)?;
        let raw = self.take(n * 4)?;
        Ok(raw
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect())
    }
}
