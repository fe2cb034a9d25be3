//! Compiled snapshots: a whole registry (curated files, overlays and
//! imports) in one immutable binary file that loads without parsing TOML
//! or re-reading imports.
//!
//! Layout (all integers little-endian):
//!
//! | bytes | content |
//! |---|---|
//! | 8 | magic `DRSKSNAP` |
//! | 4 | format version (this build writes and reads [`SNAPSHOT_VERSION`]) |
//! | 32 | SHA-256 of the body: the snapshot's content hash |
//! | 8 | body length |
//! | … | body |
//! | 8 | optional: magic `DRSKNIDX`, then the screening name index |
//! | 32 | SHA-256 of the index |
//! | 8 | index length |
//! | … | index (written and read by `derisk-match`; read only to screen) |
//!
//! The body holds the registry hash, the file names, then sources, lists,
//! entities, relations, designations, MAC blocks and MAC assignments, each
//! as a count and its records. The large sections (entities, relations,
//! designations, MAC assignments) are cut into chunks of 16,384 records,
//! each preceded by its length in bytes, so that a reader finds every
//! chunk at once and decodes them on all cores (since format version 2;
//! version 3 adds a source's standing; an older file is refused with a
//! request to rebuild it). Strings are a LEB128 length and UTF-8
//! bytes; optional fields have a presence byte; closed vocabularies are
//! written by their spelling, so adding a value to one does not change the
//! format. Reading checks the magic, the version (a newer one is refused
//! with a message saying so), the length and the hash before decoding, and
//! every id, date and code is validated again as it is read; a problem is
//! reported with its byte offset.
//!
//! The registry keeps the hash it was built with, so findings made from a
//! snapshot cite the same registry hash as findings made from the files.

use std::io::Write;

use derisk_core::{
    CountryCode, Coverage, Designation, Entity, EntityId, EntityKind, Identifier, IdentifierScheme,
    List, ListId, ListKind, MacAssignment, MacBlock, MacPrefix, MacRegistry, Name, NameKind,
    PartialDate, Relation, RelationKind, Share, Source, SourceId, Standing, Verification,
};
use sha2::{Digest, Sha256};

use crate::Registry;
use crate::registry::Facts;

/// The snapshot format version this build writes and reads.
pub const SNAPSHOT_VERSION: u32 = 3;

/// Records per chunk of the large sections (format version 2).
const CHUNK: usize = 16_384;

const MAGIC: &[u8; 8] = b"DRSKSNAP";
const HEADER: usize = 8 + 4 + 32 + 8;
/// The optional name index section after the registry: magic, SHA-256 of
/// the index, its length, the index.
const INDEX_MAGIC: &[u8; 8] = b"DRSKNIDX";
const INDEX_HEADER: usize = 8 + 32 + 8;

/// Why a snapshot cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// Reading the file failed.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Not a snapshot at all.
    #[error(
        "{file}: not a derisk registry snapshot (expected the bytes `DRSKSNAP` at offset 0; build one with `derisk registry build`)"
    )]
    NotASnapshot {
        /// The file.
        file: String,
    },
    /// Written by a newer derisk.
    #[error(
        "{file}: snapshot format version {found} is newer than this derisk reads (version {SNAPSHOT_VERSION}); upgrade derisk or rebuild the snapshot with this version"
    )]
    Newer {
        /// The file.
        file: String,
        /// The version in the file.
        found: u32,
    },
    /// Written by an older derisk in a format this one no longer reads.
    #[error(
        "{file}: snapshot format version {found} is older than this derisk reads (version {SNAPSHOT_VERSION}); rebuild it with `derisk registry build`"
    )]
    Older {
        /// The file.
        file: String,
        /// The version in the file.
        found: u32,
    },
    /// Damaged: wrong length, wrong hash or a bad record.
    #[error(
        "{file}: corrupt snapshot at byte {offset}: {what}; rebuild it with `derisk registry build`"
    )]
    Corrupt {
        /// The file.
        file: String,
        /// Byte offset of the problem.
        offset: u64,
        /// What was wrong.
        what: String,
    },
}

/// A loaded snapshot: the registry and the snapshot's content hash.
#[derive(Debug)]
pub struct Snapshot {
    /// The registry.
    pub registry: Registry,
    /// SHA-256 of the snapshot body, as lower-case hex.
    pub content_hash: String,
}

/// Writes `registry` as a snapshot; returns the content hash.
pub fn write_snapshot(registry: &Registry, out: &mut impl Write) -> std::io::Result<String> {
    write_snapshot_with_index(registry, None, out)
}

/// Writes `registry` as a snapshot followed by the screening engine's name
/// index (bytes the registry does not interpret), in a section of its own
/// with its own SHA-256: commands that only need the registry neither read
/// nor verify it. Returns the content hash of the registry part.
pub fn write_snapshot_with_index(
    registry: &Registry,
    index: Option<&[u8]>,
    out: &mut impl Write,
) -> std::io::Result<String> {
    let mut w = Enc(Vec::with_capacity(1 << 20));
    w.str(registry.hash());
    w.len(registry.files().len());
    for f in registry.files() {
        w.str(f);
    }
    w.len(registry.sources().len());
    for s in registry.sources() {
        w.str(s.id.as_str());
        w.str(&s.url);
        w.str(&s.title);
        w.str(&s.publisher);
        w.date(s.published);
        w.opt(s.note.as_deref());
        w.opt(s.standing.map(|s| s.as_str()));
    }
    w.len(registry.lists().len());
    for l in registry.lists() {
        w.str(l.id.as_str());
        w.str(&l.name);
        w.str(&l.short);
        w.str(l.authority.as_str());
        w.str(l.jurisdiction.as_str());
        w.str(l.kind.as_str());
        w.str(l.coverage.as_str());
        w.opt(l.basis.as_deref());
        w.opt(l.note.as_deref());
        w.ids(&l.sources);
    }
    w.chunked(registry.entities(), |w, e| {
        w.str(e.id.as_str());
        w.str(e.kind.as_str());
        w.str(&e.caption);
        w.opt(e.country.as_ref().map(CountryCode::as_str));
        w.opt(e.state.as_ref().map(CountryCode::as_str));
        w.len(e.names.len());
        for n in &e.names {
            w.str(&n.value);
            w.str(n.kind.as_str());
            w.opt(n.lang.as_deref());
            w.date(n.start);
            w.date(n.end);
            w.ids(&n.sources);
            w.verification(&n.verification);
        }
        w.len(e.identifiers.len());
        for i in &e.identifiers {
            w.str(i.scheme.as_str());
            w.str(&i.value);
            w.ids(&i.sources);
            w.verification(&i.verification);
        }
        w.opt(e.note.as_deref());
        w.ids(&e.sources);
        w.verification(&e.verification);
    });
    w.chunked(registry.relations(), |w, r| {
        w.str(r.subject.as_str());
        w.str(r.kind.as_str());
        w.str(r.object.as_str());
        match r.share {
            Some(s) => {
                w.0.push(1);
                w.0.extend_from_slice(&s.percent.to_le_bytes());
                w.0.push(u8::from(s.approximate));
            }
            None => w.0.push(0),
        }
        w.0.push(match r.control {
            None => 0,
            Some(false) => 1,
            Some(true) => 2,
        });
        w.0.push(u8::from(r.indirect));
        w.date(r.start);
        w.date(r.end);
        w.opt(r.note.as_deref());
        w.ids(&r.sources);
        w.verification(&r.verification);
    });
    w.chunked(registry.designations(), |w, d| {
        w.str(d.entity.as_str());
        w.str(d.list.as_str());
        w.date(d.start);
        w.date(d.end);
        w.opt(d.reference.as_deref());
        w.opt(d.program.as_deref());
        w.opt(d.note.as_deref());
        w.ids(&d.sources);
        w.verification(&d.verification);
    });
    w.len(registry.mac_blocks().len());
    for b in registry.mac_blocks() {
        w.str(b.registry.as_str());
        w.str(b.prefix.as_str());
        w.str(&b.assignee);
        w.str(b.entity.as_str());
        w.ids(&b.sources);
    }
    w.chunked(registry.mac_assignments(), |w, a| {
        w.str(a.registry.as_str());
        w.str(a.prefix.as_str());
        w.str(&a.assignee);
        w.str(&a.address);
    });
    let body = w.0;
    let hash: [u8; 32] = Sha256::digest(&body).into();
    out.write_all(MAGIC)?;
    out.write_all(&SNAPSHOT_VERSION.to_le_bytes())?;
    out.write_all(&hash)?;
    out.write_all(&(body.len() as u64).to_le_bytes())?;
    out.write_all(&body)?;
    if let Some(index) = index {
        out.write_all(INDEX_MAGIC)?;
        out.write_all(&Sha256::digest(index))?;
        out.write_all(&(index.len() as u64).to_le_bytes())?;
        out.write_all(index)?;
    }
    Ok(crate::import::hex(&hash))
}

/// The name index section after the registry, if the snapshot has one,
/// checked against its SHA-256. Call after [`read_snapshot`] accepted
/// `bytes`.
pub fn snapshot_index<'a>(bytes: &'a [u8], file: &str) -> Result<Option<&'a [u8]>, SnapshotError> {
    let corrupt = |offset: usize, what: &str| SnapshotError::Corrupt {
        file: file.to_owned(),
        offset: offset as u64,
        what: what.to_owned(),
    };
    if bytes.len() < HEADER {
        return Err(corrupt(bytes.len(), "the file ends inside the header"));
    }
    let len = u64::from_le_bytes(bytes[44..52].try_into().expect("8 bytes"));
    let start = usize::try_from(len)
        .ok()
        .and_then(|l| l.checked_add(HEADER))
        .filter(|&s| s <= bytes.len())
        .ok_or_else(|| corrupt(bytes.len(), "the file ends inside the registry"))?;
    index_section(&bytes[start..], start, file)
}

/// The name index section `rest`, found at byte `start` of the file.
fn index_section<'a>(
    rest: &'a [u8],
    start: usize,
    file: &str,
) -> Result<Option<&'a [u8]>, SnapshotError> {
    let corrupt = |offset: usize, what: &str| SnapshotError::Corrupt {
        file: file.to_owned(),
        offset: offset as u64,
        what: what.to_owned(),
    };
    if rest.is_empty() {
        return Ok(None);
    }
    if rest.len() < INDEX_HEADER || &rest[..8] != INDEX_MAGIC {
        return Err(corrupt(
            start,
            "data after the registry that is not a name index",
        ));
    }
    let n = u64::from_le_bytes(rest[40..48].try_into().expect("8 bytes"));
    let index = &rest[INDEX_HEADER..];
    if index.len() as u64 != n {
        return Err(corrupt(
            start + rest.len(),
            &format!(
                "the name index announces {n} bytes, the file has {} (truncated or appended to?)",
                index.len()
            ),
        ));
    }
    if Sha256::digest(index).as_slice() != &rest[8..40] {
        return Err(corrupt(
            start + 8,
            "the name index does not match its SHA-256 (the file was changed or damaged)",
        ));
    }
    Ok(Some(index))
}

/// Reads the snapshot in `bytes`; `file` names it in errors.
pub fn read_snapshot(bytes: &[u8], file: &str) -> Result<Snapshot, SnapshotError> {
    let corrupt = |offset: usize, what: String| SnapshotError::Corrupt {
        file: file.to_owned(),
        offset: offset as u64,
        what,
    };
    if bytes.len() < 8 || &bytes[..8] != MAGIC {
        return Err(SnapshotError::NotASnapshot {
            file: file.to_owned(),
        });
    }
    if bytes.len() < HEADER {
        return Err(corrupt(
            bytes.len(),
            format!("the header needs {HEADER} bytes; the file ends first"),
        ));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version > SNAPSHOT_VERSION {
        return Err(SnapshotError::Newer {
            file: file.to_owned(),
            found: version,
        });
    }
    if version == 0 {
        return Err(corrupt(8, "format version 0 does not exist".into()));
    }
    if version < SNAPSHOT_VERSION {
        return Err(SnapshotError::Older {
            file: file.to_owned(),
            found: version,
        });
    }
    let expected: [u8; 32] = bytes[12..44].try_into().expect("32 bytes");
    let len = u64::from_le_bytes(bytes[44..52].try_into().expect("8 bytes"));
    let after = &bytes[HEADER..];
    // A name index section may follow the registry; it is read apart.
    let body = match usize::try_from(len) {
        Ok(l) if l < after.len() && after[l..].starts_with(INDEX_MAGIC) => &after[..l],
        _ => after,
    };
    if body.len() as u64 != len {
        return Err(corrupt(
            bytes.len(),
            format!(
                "the header announces {len} bytes of data, the file has {} (truncated or appended to?)",
                body.len()
            ),
        ));
    }
    // The hash is checked on a second thread while this one decodes; a
    // mismatch wins over whatever the decoder made of damaged bytes (it
    // never panics, it only reports).
    let (actual, decoded) = std::thread::scope(|scope| {
        let hashing = scope.spawn(|| -> [u8; 32] { Sha256::digest(body).into() });
        let mut r = Dec {
            b: body,
            at: 0,
            base: HEADER,
            sources: Default::default(),
            lists: Default::default(),
        };
        let decoded = decode(&mut r).map(|registry| (registry, r.at));
        let actual = hashing
            .join()
            .unwrap_or_else(|_| Sha256::digest(body).into());
        (actual, decoded)
    });
    if actual != expected {
        return Err(corrupt(
            12,
            "the content does not match its SHA-256 (the file was changed or damaged)".into(),
        ));
    }
    let (registry, end) = decoded.map_err(|(offset, what)| corrupt(offset, what))?;
    if end != body.len() {
        return Err(corrupt(HEADER + end, "data after the last record".into()));
    }
    Ok(Snapshot {
        registry,
        content_hash: crate::import::hex(&actual),
    })
}

/// The name index section of a snapshot file: absent, present, or
/// present and unusable (the registry is still good).
pub type IndexSection = Result<Option<Vec<u8>>, SnapshotError>;

/// Reads a snapshot file: the registry and, when `with_index`, the bytes
/// of its name index section if it has one (checked against its SHA-256).
/// Without `with_index` the index section is not read at all, so a large
/// index does not slow commands that only need the registry.
pub fn read_snapshot_file(
    path: &std::path::Path,
    with_index: bool,
) -> Result<(Snapshot, IndexSection), SnapshotError> {
    use std::io::Read;
    let file = path.display().to_string();
    let io = |source| SnapshotError::Io {
        file: file.clone(),
        source,
    };
    let mut f = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::with_capacity(HEADER);
    (&mut f)
        .take(HEADER as u64)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() < HEADER || !bytes.starts_with(MAGIC) {
        f.read_to_end(&mut bytes).map_err(io)?;
        return Ok((read_snapshot(&bytes, &file)?, Ok(None)));
    }
    let len = u64::from_le_bytes(bytes[44..52].try_into().expect("8 bytes"));
    // Room for what the file holds, never more than its size (a damaged
    // length must not reserve memory).
    let size = f.metadata().map_or(0, |m| m.len());
    bytes.reserve(len.min(size) as usize);
    (&mut f).take(len).read_to_end(&mut bytes).map_err(io)?;
    // Whatever follows must be a name index; anything else is shown to the
    // reader, which refuses it.
    let mut next = Vec::with_capacity(INDEX_HEADER);
    (&mut f)
        .take(INDEX_HEADER as u64)
        .read_to_end(&mut next)
        .map_err(io)?;
    let has_index = next.starts_with(INDEX_MAGIC);
    if !next.is_empty() && !has_index {
        bytes.extend_from_slice(&next);
    }
    let snapshot = read_snapshot(&bytes, &file)?;
    if !with_index || !has_index {
        return Ok((snapshot, Ok(None)));
    }
    // The index is read after the registry's bytes are let go, and checked
    // on its own: a damaged index leaves a good registry.
    let start = bytes.len();
    drop(bytes);
    let mut rest = next;
    rest.reserve(size.saturating_sub(start as u64 + rest.len() as u64) as usize);
    f.read_to_end(&mut rest).map_err(io)?;
    let index = index_section(&rest, start, &file).map(|i| i.map(<[u8]>::to_vec));
    Ok((snapshot, index))
}

/// Whether `bytes` start like a snapshot.
pub fn is_snapshot(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

type DecResult<T> = Result<T, (usize, String)>;

fn decode(r: &mut Dec<'_>) -> DecResult<Registry> {
    let hash = r.string()?;
    let files = r.many(|r| r.string())?;
    let sources = r.many(|r| {
        Ok(Source {
            id: r.source_id()?,
            url: r.string()?,
            title: r.string()?,
            publisher: r.string()?,
            published: r.date()?,
            note: r.opt()?,
            standing: r.opt_word("standing", Standing::parse)?,
        })
    })?;
    let lists = r.many(|r| {
        Ok(List {
            id: r.list_id()?,
            name: r.string()?,
            short: r.string()?,
            authority: r.id(EntityId::new)?,
            jurisdiction: r.country()?,
            kind: r.word("list kind", ListKind::parse)?,
            coverage: r.word("coverage", Coverage::parse)?,
            basis: r.opt()?,
            note: r.opt()?,
            sources: r.ids()?,
        })
    })?;
    let entities = r.chunked(|r| {
        Ok(Entity {
            id: r.id(EntityId::new)?,
            kind: r.word("entity kind", EntityKind::parse)?,
            caption: r.string()?,
            country: r.opt_country()?,
            state: r.opt_country()?,
            names: r.many(|r| {
                Ok(Name {
                    value: r.string()?,
                    kind: r.word("name kind", NameKind::parse)?,
                    lang: r.opt()?,
                    start: r.date()?,
                    end: r.date()?,
                    sources: r.ids()?,
                    verification: r.verification()?,
                })
            })?,
            identifiers: r.many(|r| {
                Ok(Identifier {
                    scheme: r.word("identifier scheme", IdentifierScheme::parse)?,
                    value: r.string()?,
                    sources: r.ids()?,
                    verification: r.verification()?,
                })
            })?,
            note: r.opt()?,
            sources: r.ids()?,
            verification: r.verification()?,
        })
    })?;
    // The entity index is built on another thread while this one decodes
    // the remaining sections.
    let (index, rest) = std::thread::scope(|scope| {
        let indexing = scope.spawn(|| crate::registry::entity_index(&entities));
        let rest = decode_rest(r);
        let index = indexing
            .join()
            .unwrap_or_else(|_| crate::registry::entity_index(&entities));
        (index, rest)
    });
    let (relations, designations, mac_blocks, assignments) = rest?;
    // References must resolve; the registry checks them as it indexes.
    let at = r.base + r.at;
    Registry::checked_with(
        Facts {
            sources,
            lists,
            entities,
            relations,
            designations,
            mac_blocks,
            assignments,
        },
        index,
        hash,
        files,
    )
    .map_err(|what| (at, what))
}

/// The sections after the entities.
type Rest = (
    Vec<Relation>,
    Vec<Designation>,
    Vec<MacBlock>,
    Vec<MacAssignment>,
);

/// Relations, designations, MAC blocks and MAC assignments.
fn decode_rest(r: &mut Dec<'_>) -> DecResult<Rest> {
    let relations = r.chunked(|r| {
        Ok(Relation {
            subject: r.id(EntityId::new)?,
            kind: r.word("relation kind", RelationKind::parse)?,
            object: r.id(EntityId::new)?,
            share: match r.byte()? {
                0 => None,
                1 => {
                    let at = r.at;
                    let raw: [u8; 8] = r.take(8)?.try_into().expect("8 bytes");
                    let percent = f64::from_le_bytes(raw);
                    if !(0.0..=100.0).contains(&percent) {
                        return Err((r.base + at, format!("share {percent} is not a percentage")));
                    }
                    Some(Share {
                        percent,
                        approximate: r.flag()?,
                    })
                }
                b => {
                    return Err((
                        r.base + r.at - 1,
                        format!("share tag {b} (expected 0 or 1)"),
                    ));
                }
            },
            control: match r.byte()? {
                0 => None,
                1 => Some(false),
                2 => Some(true),
                b => return Err((r.base + r.at - 1, format!("control tag {b} (expected 0-2)"))),
            },
            indirect: r.flag()?,
            start: r.date()?,
            end: r.date()?,
            note: r.opt()?,
            sources: r.ids()?,
            verification: r.verification()?,
        })
    })?;
    let designations = r.chunked(|r| {
        Ok(Designation {
            entity: r.id(EntityId::new)?,
            list: r.list_id()?,
            start: r.date()?,
            end: r.date()?,
            reference: r.opt()?,
            program: r.opt()?,
            note: r.opt()?,
            sources: r.ids()?,
            verification: r.verification()?,
        })
    })?;
    let mac_blocks = r.many(|r| {
        let registry = r.word("MAC registry", MacRegistry::parse)?;
        Ok(MacBlock {
            registry,
            prefix: r.prefix(registry)?,
            assignee: r.string()?,
            entity: r.id(EntityId::new)?,
            sources: r.ids()?,
        })
    })?;
    let assignments = r.chunked(|r| {
        let registry = r.word("MAC registry", MacRegistry::parse)?;
        Ok(MacAssignment {
            registry,
            prefix: r.prefix(registry)?,
            assignee: r.string()?,
            address: r.string()?,
        })
    })?;
    Ok((relations, designations, mac_blocks, assignments))
}

struct Enc(Vec<u8>);

impl Enc {
    /// A large section: the count, then chunks of [`CHUNK`] records (the
    /// last one shorter), each preceded by its length in bytes, so that a
    /// reader can find every chunk without decoding and decode them in
    /// parallel.
    fn chunked<T>(&mut self, items: &[T], mut one: impl FnMut(&mut Enc, &T)) {
        self.len(items.len());
        let mut chunk = Enc(Vec::new());
        for part in items.chunks(CHUNK) {
            chunk.0.clear();
            for item in part {
                one(&mut chunk, item);
            }
            self.len(chunk.0.len());
            self.0.extend_from_slice(&chunk.0);
        }
    }

    fn len(&mut self, mut n: usize) {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.0.push(byte);
                break;
            }
            self.0.push(byte | 0x80);
        }
    }
    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }
    fn opt(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.0.push(1);
                self.str(s);
            }
            None => self.0.push(0),
        }
    }
    fn date(&mut self, d: Option<PartialDate>) {
        self.opt(d.map(|d| d.to_string()).as_deref());
    }
    fn ids(&mut self, ids: &[SourceId]) {
        self.len(ids.len());
        for id in ids {
            self.str(id.as_str());
        }
    }
    fn verification(&mut self, v: &Verification) {
        match v {
            Verification::Verified => self.0.push(0),
            Verification::Unverified(why) => {
                self.0.push(1);
                self.str(why);
            }
        }
    }
}

struct Dec<'b> {
    b: &'b [u8],
    at: usize,
    /// Offset of the body in the file, for error offsets.
    base: usize,
    /// Source and list ids already read, shared instead of allocated
    /// again (a few sources are cited by every imported fact).
    sources: hashbrown::HashMap<&'b str, SourceId>,
    lists: hashbrown::HashMap<&'b str, ListId>,
}

impl<'b> Dec<'b> {
    fn fail<T>(&self, what: String) -> DecResult<T> {
        Err((self.base + self.at, what))
    }
    fn byte(&mut self) -> DecResult<u8> {
        match self.b.get(self.at) {
            Some(&b) => {
                self.at += 1;
                Ok(b)
            }
            None => self.fail("the data ends inside a record".into()),
        }
    }
    fn take(&mut self, n: usize) -> DecResult<&'b [u8]> {
        if self.b.len() - self.at < n {
            return self.fail(format!("a field of {n} bytes runs past the end"));
        }
        let s = &self.b[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }
    fn len(&mut self) -> DecResult<usize> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return usize::try_from(n).or_else(|_| self.fail("a length too large".into()));
            }
        }
        self.fail("a length longer than 64 bits".into())
    }
    fn many<T>(&mut self, mut one: impl FnMut(&mut Self) -> DecResult<T>) -> DecResult<Vec<T>> {
        let n = self.len()?;
        if n > self.b.len() - self.at {
            return self.fail(format!(
                "a count of {n} records cannot fit in the rest of the data"
            ));
        }
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(one(self)?);
        }
        Ok(v)
    }
    /// A section written by [`Enc::chunked`]. The chunks are decoded on up
    /// to as many threads as the machine has cores, each with its own id
    /// cache; an error names its offset in the file.
    fn chunked<T: Send>(
        &mut self,
        one: impl Fn(&mut Dec<'b>) -> DecResult<T> + Sync,
    ) -> DecResult<Vec<T>> {
        let n = self.len()?;
        if n > self.b.len() - self.at {
            return self.fail(format!(
                "a count of {n} records cannot fit in the rest of the data"
            ));
        }
        let mut chunks = Vec::with_capacity(n.div_ceil(CHUNK));
        for first in (0..n).step_by(CHUNK) {
            let bytes = self.len()?;
            let start = self.at;
            let data = self.take(bytes)?;
            chunks.push((
                Dec {
                    b: data,
                    at: 0,
                    base: self.base + start,
                    sources: Default::default(),
                    lists: Default::default(),
                },
                CHUNK.min(n - first),
            ));
        }
        let threads = std::thread::available_parallelism()
            .map_or(1, |t| t.get())
            .min(chunks.len())
            .max(1);
        let per_thread = chunks.len().div_ceil(threads);
        let decode_chunks = |group: &mut [(Dec<'b>, usize)]| -> DecResult<Vec<T>> {
            let mut out = Vec::with_capacity(group.iter().map(|(_, c)| c).sum());
            for (dec, count) in group {
                for _ in 0..*count {
                    out.push(one(dec)?);
                }
                if dec.at != dec.b.len() {
                    return Err((
                        dec.base + dec.at,
                        format!(
                            "{} bytes left over at the end of a chunk",
                            dec.b.len() - dec.at
                        ),
                    ));
                }
            }
            Ok(out)
        };
        let parts: Vec<DecResult<Vec<T>>> = if threads == 1 {
            vec![decode_chunks(&mut chunks)]
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = chunks
                    .chunks_mut(per_thread)
                    .map(|group| scope.spawn(|| decode_chunks(group)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join()
                            .unwrap_or_else(|_| Err((self.base, "a decoding thread failed".into())))
                    })
                    .collect()
            })
        };
        let mut out = Vec::with_capacity(n);
        for part in parts {
            out.extend(part?);
        }
        Ok(out)
    }
    fn str(&mut self) -> DecResult<&'b str> {
        let n = self.len()?;
        let at = self.at;
        let raw = self.take(n)?;
        std::str::from_utf8(raw).map_err(|_| (self.base + at, "a string that is not UTF-8".into()))
    }
    fn string(&mut self) -> DecResult<String> {
        self.str().map(str::to_owned)
    }
    fn flag(&mut self) -> DecResult<bool> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err((
                self.base + self.at - 1,
                format!("flag {b} (expected 0 or 1)"),
            )),
        }
    }
    fn opt(&mut self) -> DecResult<Option<String>> {
        if self.flag()? {
            self.string().map(Some)
        } else {
            Ok(None)
        }
    }
    fn id<T, E: std::fmt::Display>(&mut self, make: impl Fn(&str) -> Result<T, E>) -> DecResult<T> {
        let at = self.at;
        let s = self.str()?;
        make(s).map_err(|e| (self.base + at, e.to_string()))
    }
    fn ids(&mut self) -> DecResult<Vec<SourceId>> {
        self.many(|r| r.source_id())
    }
    fn source_id(&mut self) -> DecResult<SourceId> {
        let at = self.at;
        let s = self.str()?;
        if let Some(id) = self.sources.get(s) {
            return Ok(id.clone());
        }
        let id = SourceId::new(s).map_err(|e| (self.base + at, e.to_string()))?;
        self.sources.insert(s, id.clone());
        Ok(id)
    }
    fn list_id(&mut self) -> DecResult<ListId> {
        let at = self.at;
        let s = self.str()?;
        if let Some(id) = self.lists.get(s) {
            return Ok(id.clone());
        }
        let id = ListId::new(s).map_err(|e| (self.base + at, e.to_string()))?;
        self.lists.insert(s, id.clone());
        Ok(id)
    }
    fn word<T>(&mut self, what: &str, parse: impl Fn(&str) -> Option<T>) -> DecResult<T> {
        let at = self.at;
        let s = self.str()?;
        parse(s).ok_or_else(|| (self.base + at, format!("unknown {what} {s:?}")))
    }
    fn country(&mut self) -> DecResult<CountryCode> {
        self.id(CountryCode::new)
    }
    fn opt_word<T>(
        &mut self,
        what: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> DecResult<Option<T>> {
        if self.flag()? {
            self.word(what, parse).map(Some)
        } else {
            Ok(None)
        }
    }
    fn opt_country(&mut self) -> DecResult<Option<CountryCode>> {
        if self.flag()? {
            self.country().map(Some)
        } else {
            Ok(None)
        }
    }
    fn date(&mut self) -> DecResult<Option<PartialDate>> {
        if !self.flag()? {
            return Ok(None);
        }
        let at = self.at;
        let s = self.str()?;
        s.parse()
            .map(Some)
            .map_err(|_| (self.base + at, format!("{s:?} is not a date")))
    }
    fn prefix(&mut self, registry: MacRegistry) -> DecResult<MacPrefix> {
        let at = self.at;
        let s = self.str()?;
        MacPrefix::new(s, registry).map_err(|e| (self.base + at, e.to_string()))
    }
    fn verification(&mut self) -> DecResult<Verification> {
        match self.byte()? {
            0 => Ok(Verification::Verified),
            1 => Ok(Verification::Unverified(self.string()?)),
            b => Err((
                self.base + self.at - 1,
                format!("verification tag {b} (expected 0 or 1)"),
            )),
        }
    }
}
