//! The token vocabulary of an index: every distinct string once, in one
//! arena, numbered in order of first appearance.
//!
//! A million-name registry has a few million distinct tokens and joined
//! keys; a `Vec<String>` plus a `HashMap<String, u32>` held each twice with
//! two allocations apiece. Here the text lives in one `String`, the ends in
//! one `Vec`, and the lookup table holds only the numbers.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

/// An interner: `&str` ↔ dense `u32` ids.
#[derive(Debug, Default)]
pub(crate) struct Vocab {
    text: String,
    ends: Vec<usize>,
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl Vocab {
    /// The id of `s`, if interned.
    pub(crate) fn get(&self, s: &str) -> Option<u32> {
        let h = self.hasher.hash_one(s);
        self.table.find(h, |&id| self.text(id) == s).copied()
    }

    /// The id of `s`, interning it if new.
    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        let h = self.hasher.hash_one(s);
        if let Some(&id) = self
            .table
            .find(h, |&id| text_of(&self.text, &self.ends, id) == s)
        {
            return id;
        }
        let id = u32::try_from(self.ends.len()).expect("fewer than 2^32 distinct tokens");
        self.text.push_str(s);
        self.ends.push(self.text.len());
        let (text, ends, hasher) = (&self.text, &self.ends, &self.hasher);
        self.table
            .insert_unique(h, id, |&other| hasher.hash_one(text_of(text, ends, other)));
        id
    }

    /// The text of `id`.
    pub(crate) fn text(&self, id: u32) -> &str {
        text_of(&self.text, &self.ends, id)
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Every entry with its id, in id order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, &str)> {
        (0..self.ends.len() as u32).map(|id| (id, self.text(id)))
    }

    /// Bytes held on the heap (text, ends and table).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + self.ends.capacity() * std::mem::size_of::<usize>()
            + self.table.capacity() * (std::mem::size_of::<u32>() + 1)
    }
}

impl Vocab {
    /// The arena and the end of each entry, for storing.
    pub(crate) fn parts(&self) -> (&str, &[usize]) {
        (&self.text, &self.ends)
    }

    /// A vocabulary from stored parts; the ends must rise, stay inside the
    /// text and fall on character boundaries.
    pub(crate) fn from_parts(text: String, ends: Vec<usize>) -> Result<Vocab, String> {
        let mut start = 0;
        for (i, &end) in ends.iter().enumerate() {
            if end < start || end > text.len() || !text.is_char_boundary(end) {
                return Err(format!(
                    "vocabulary entry {i} ends at {end}, outside its text"
                ));
            }
            start = end;
        }
        let mut v = Vocab {
            text,
            ends,
            ..Vocab::default()
        };
        let (text, ends, hasher) = (&v.text, &v.ends, &v.hasher);
        v.table
            .reserve(ends.len(), |&id| hasher.hash_one(text_of(text, ends, id)));
        for id in 0..ends.len() as u32 {
            let h = hasher.hash_one(text_of(text, ends, id));
            v.table
                .insert_unique(h, id, |&other| hasher.hash_one(text_of(text, ends, other)));
        }
        Ok(v)
    }
}

fn text_of<'a>(text: &'a str, ends: &[usize], id: u32) -> &'a str {
    let i = id as usize;
    let start = if i == 0 { 0 } else { ends[i - 1] };
    &text[start..ends[i]]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_each_string_once() {
        let mut v = Vocab::default();
        let a = v.intern("hikvision");
        let b = v.intern("dahua");
        assert_eq!(v.intern("hikvision"), a);
        assert_eq!((a, b), (0, 1));
        assert_eq!(v.get("dahua"), Some(1));
        assert_eq!(v.get("huawei"), None);
        assert_eq!(v.text(0), "hikvision");
        assert_eq!(v.intern(""), 2);
        assert_eq!(v.text(2), "");
        assert_eq!(v.len(), 3);
        assert_eq!(
            v.iter().collect::<Vec<_>>(),
            [(0, "hikvision"), (1, "dahua"), (2, "")]
        );
    }
}
