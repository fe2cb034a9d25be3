//! Open Contracting Data Standard: release packages, record packages,
//! single releases, arrays of releases, and JSON lines of compiled
//! releases (one a line, as data.open-contracting.org publishes them).
//!
//! Packages are read as a stream: one release is in memory at a time, so a
//! package of several gigabytes that is one JSON document is read in
//! constant memory. From each release, every award that is `active` (or
//! has no status): its suppliers, resolved through `parties` by id (name,
//! identifier, country), the buyer, the value (else the value of the
//! contract that implements the award), the CPV codes of the award's items
//! (else the tender's items), and the date (the award's, else the
//! release's). A record gives its `compiledRelease`, else its embedded
//! releases.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashMap;
use std::fmt;
use std::io::{BufRead, Read as _};
use std::rc::Rc;

use rayon::prelude::*;
use serde::Deserialize;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::award::{Award, Format, Money, Party, Problem, Read};
use crate::cpv;

/// JSON lines are parsed in chunks of about this many bytes, on all
/// cores.
const CHUNK: usize = 8 << 20;

/// Reads OCDS in any of its shapes; `file` names it in awards and
/// problems.
pub fn read(mut input: impl BufRead, file: &str) -> Read {
    let mut out = Read::default();
    // The first line tells JSON lines (a whole release on it) from a
    // document.
    let mut first = Vec::new();
    if let Err(e) = input.read_until(b'\n', &mut first) {
        out.problems
            .push(fatal(file, None, format!("cannot read: {e}")));
        return out;
    }
    if first.is_empty() {
        return out;
    }
    let trimmed = trim_bom(&first);
    let is_release = serde_json::from_slice::<Release<'_>>(trimmed).is_ok_and(|r| r.ocid.is_some())
        && trimmed.iter().rev().find(|b| !b.is_ascii_whitespace()) == Some(&b'}');
    if is_release {
        json_lines(first, input, file, &mut out);
        return out;
    }
    // A document: stream it.
    let consumed = Rc::new(Cell::new(0u64));
    let counting = Counting {
        inner: std::io::Cursor::new(first).chain(input),
        count: consumed.clone(),
    };
    let mut de = serde_json::Deserializer::from_reader(counting);
    let mut sink = Sink {
        file,
        out: &mut out,
        consumed: consumed.clone(),
    };
    let result = DocumentSeed { sink: &mut sink }.deserialize(&mut de);
    match result {
        Ok(()) => {
            if let Err(e) = de.end() {
                out.problems.push(Problem {
                    file: file.to_owned(),
                    line: Some(e.line() as u64),
                    offset: None,
                    notice_id: None,
                    message: format!("after the document: {e}"),
                    skipped: false,
                });
            }
        }
        Err(e) => out.problems.push(Problem {
            file: file.to_owned(),
            line: Some(e.line() as u64),
            offset: None,
            notice_id: None,
            message: format!(
                "the JSON breaks at column {}: {e}; the releases before it are kept",
                e.column()
            ),
            skipped: true,
        }),
    }
    out
}

/// JSON lines, one release a line: read in chunks cut at line ends, each
/// chunk parsed on its own thread, results kept in file order.
fn json_lines(first: Vec<u8>, mut input: impl BufRead, file: &str, out: &mut Read) {
    let mut pending = first;
    let mut line_base = 0u64;
    let mut eof = false;
    while !eof {
        // A batch of chunks, each ending at a line end.
        let mut chunks: Vec<Vec<u8>> = Vec::new();
        while chunks.len() < 2 * rayon::current_num_threads().max(1) && !eof {
            let mut chunk = std::mem::take(&mut pending);
            while chunk.len() < CHUNK {
                match input.read_until(b'\n', &mut chunk) {
                    Ok(0) => {
                        eof = true;
                        break;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        out.problems
                            .push(fatal(file, None, format!("cannot read: {e}")));
                        eof = true;
                        break;
                    }
                }
            }
            if !chunk.is_empty() {
                chunks.push(chunk);
            }
        }
        let results: Vec<(Read, u64)> = chunks
            .par_iter()
            .map(|chunk| {
                let mut r = Read::default();
                let mut lines = 0u64;
                for line in chunk.split(|&b| b == b'\n') {
                    lines += 1;
                    if line.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    let line_no = Some(lines);
                    r.notices += 1;
                    if let Err(e) = release_text(trim_bom(line), file, line_no, None, &mut r) {
                        r.notices -= 1;
                        r.problems.push(fatal(
                            file,
                            line_no,
                            format!(
                                "not a release ({e}); expected one JSON object a line; line skipped"
                            ),
                        ));
                    }
                }
                // A chunk ends with a line end, which split counts once more.
                (r, lines - u64::from(chunk.last() == Some(&b'\n')))
            })
            .collect();
        for (mut r, lines) in results {
            for a in &mut r.awards {
                a.line = a.line.map(|l| l + line_base);
            }
            for p in &mut r.problems {
                p.line = p.line.map(|l| l + line_base);
            }
            out.notices += r.notices;
            out.awards.append(&mut r.awards);
            out.problems.append(&mut r.problems);
            line_base += lines;
        }
    }
}

fn trim_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xef\xbb\xbf").unwrap_or(b)
}

fn fatal(file: &str, line: Option<u64>, message: String) -> Problem {
    Problem {
        file: file.to_owned(),
        line,
        offset: None,
        notice_id: None,
        message,
        skipped: true,
    }
}

/// Counts the bytes the JSON parser has taken, to place releases.
struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: std::io::Read> std::io::Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Where releases go as they are parsed.
struct Sink<'a, 'f> {
    file: &'f str,
    out: &'a mut Read,
    consumed: Rc<Cell<u64>>,
}

impl Sink<'_, '_> {
    fn release(&mut self, r: &Release<'_>) {
        self.out.notices += 1;
        let at = self.consumed.get();
        release_awards(r, self.file, None, Some(at), self.out);
    }

    fn record(&mut self, record: Record<'_>) {
        if let Some(c) = &record.compiled {
            self.release(c);
            return;
        }
        let embedded: Vec<&Release<'_>> = record
            .releases
            .iter()
            .filter(|r| r.ocid.is_some())
            .collect();
        if embedded.is_empty() {
            self.out.problems.push(Problem {
                file: self.file.to_owned(),
                line: None,
                offset: Some(self.consumed.get()),
                notice_id: text(&record.ocid),
                message: "a record with neither a compiledRelease nor embedded releases (only linked ones); record skipped".into(),
                skipped: true,
            });
        }
        for r in embedded {
            self.release(r);
        }
    }
}

/// A record of a record package: its compiled release, else its
/// embedded releases (linked ones have no ocid and are passed over).
#[derive(Deserialize, Default)]
#[serde(default)]
struct Record<'a> {
    #[serde(borrow)]
    ocid: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "compiledRelease")]
    compiled: Option<Release<'a>>,
    #[serde(borrow)]
    releases: Vec<Release<'a>>,
}

/// The whole document: a package (object with `releases` or `records`),
/// a single release, or an array of releases.
struct DocumentSeed<'s, 'a, 'f> {
    sink: &'s mut Sink<'a, 'f>,
}

impl<'de> DeserializeSeed<'de> for DocumentSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DocumentSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an OCDS release package, record package, release, or list of releases")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        Items {
            sink: self.sink,
            records: false,
        }
        .visit_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut rest = Map::new();
        let mut packaged = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "releases" | "records" => {
                    packaged = true;
                    map.next_value_seed(Items {
                        sink: &mut *self.sink,
                        records: key == "records",
                    })?;
                }
                _ => {
                    let v: Value = map.next_value()?;
                    rest.insert(key, v);
                }
            }
        }
        if !packaged {
            let v = Value::Object(rest);
            match Release::deserialize(&v) {
                Ok(r) if r.ocid.is_some() => self.sink.release(&r),
                _ => self.sink.out.problems.push(Problem {
                    file: self.sink.file.to_owned(),
                    line: None,
                    offset: None,
                    notice_id: None,
                    message: "not OCDS: an object without releases, records or ocid".into(),
                    skipped: true,
                }),
            }
        }
        Ok(())
    }
}

/// The `releases` or `records` array, one element at a time.
struct Items<'s, 'a, 'f> {
    sink: &'s mut Sink<'a, 'f>,
    records: bool,
}

impl<'de> DeserializeSeed<'de> for Items<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Items<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of releases or records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if self.records {
            while let Some(r) = seq.next_element::<Record<'_>>()? {
                self.sink.record(r);
            }
        } else {
            while let Some(r) = seq.next_element::<Release<'_>>()? {
                self.sink.release(&r);
            }
        }
        Ok(())
    }
}

/// The parts of a release derisk reads; everything else is skipped
/// without being kept.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Release<'a> {
    #[serde(borrow)]
    ocid: Option<Cow<'a, str>>,
    #[serde(borrow)]
    date: Option<Cow<'a, str>>,
    #[serde(borrow)]
    parties: Vec<OcdsParty<'a>>,
    #[serde(borrow)]
    buyer: Option<Reference<'a>>,
    #[serde(borrow)]
    tender: Option<Tender<'a>>,
    #[serde(borrow)]
    awards: Vec<OcdsAward<'a>>,
    #[serde(borrow)]
    contracts: Vec<Contract<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OcdsParty<'a> {
    #[serde(borrow)]
    id: Option<Scalar<'a>>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    identifier: Option<OcdsIdentifier<'a>>,
    #[serde(borrow)]
    address: Option<Address<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OcdsIdentifier<'a> {
    #[serde(borrow)]
    id: Option<Scalar<'a>>,
    #[serde(borrow, rename = "legalName")]
    legal_name: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Address<'a> {
    #[serde(borrow, rename = "countryName")]
    country_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    country: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Reference<'a> {
    #[serde(borrow)]
    id: Option<Scalar<'a>>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Tender<'a> {
    #[serde(borrow)]
    items: Vec<Item<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Item<'a> {
    #[serde(borrow)]
    classification: Option<Classification<'a>>,
    #[serde(borrow, rename = "additionalClassifications")]
    additional: Vec<Classification<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Classification<'a> {
    #[serde(borrow)]
    scheme: Option<Cow<'a, str>>,
    #[serde(borrow)]
    id: Option<Scalar<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OcdsAward<'a> {
    #[serde(borrow)]
    id: Option<Scalar<'a>>,
    #[serde(borrow)]
    status: Option<Cow<'a, str>>,
    #[serde(borrow)]
    date: Option<Cow<'a, str>>,
    #[serde(borrow)]
    value: Option<OcdsValue<'a>>,
    #[serde(borrow)]
    suppliers: Vec<Reference<'a>>,
    #[serde(borrow)]
    items: Vec<Item<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Contract<'a> {
    #[serde(borrow, rename = "awardID")]
    award_id: Option<Scalar<'a>>,
    #[serde(borrow)]
    value: Option<OcdsValue<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OcdsValue<'a> {
    #[serde(borrow)]
    amount: Option<Scalar<'a>>,
    #[serde(borrow)]
    currency: Option<Cow<'a, str>>,
}

/// A JSON string or number (OCDS ids and amounts come as either).
#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar<'a> {
    #[serde(borrow)]
    Text(Cow<'a, str>),
    Number(serde_json::Number),
    Other(IgnoredAny),
}

impl Scalar<'_> {
    fn text(&self) -> Option<String> {
        match self {
            Scalar::Text(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Scalar::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

fn text(v: &Option<Cow<'_, str>>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn scalar(v: &Option<Scalar<'_>>) -> Option<String> {
    v.as_ref().and_then(Scalar::text)
}

/// A party of the release: name, identifier, country.
fn party(p: &OcdsParty<'_>) -> Party {
    let identifier = p.identifier.as_ref();
    Party {
        local_id: scalar(&p.id),
        name: text(&p.name).or_else(|| identifier.and_then(|i| text(&i.legal_name))),
        registration: identifier.and_then(|i| scalar(&i.id)),
        country: p
            .address
            .as_ref()
            .and_then(|a| text(&a.country_name).or_else(|| text(&a.country))),
    }
}

/// The CPV codes of some items (`classification` and
/// `additionalClassifications` with scheme CPV).
fn item_codes(items: &[Item<'_>], out: &mut Vec<String>) {
    for item in items {
        for c in item.classification.iter().chain(&item.additional) {
            if c.scheme
                .as_deref()
                .is_some_and(|s| s.trim().eq_ignore_ascii_case("cpv"))
                && let Some(id) = scalar(&c.id)
                && !out.contains(&id)
            {
                out.push(id);
            }
        }
    }
}

/// An amount as written: its number (if it is one), currency and text.
fn amount(v: Option<&OcdsValue<'_>>) -> Option<(Option<f64>, Option<String>, String)> {
    let v = v?;
    let written = match v.amount.as_ref()? {
        Scalar::Text(s) => s.to_string(),
        Scalar::Number(n) => n.to_string(),
        Scalar::Other(_) => return Some((None, text(&v.currency), "(not a number)".into())),
    };
    Some((written.trim().parse().ok(), text(&v.currency), written))
}

/// The awards of one release, parsed from its JSON text.
fn release_text(
    json: &[u8],
    file: &str,
    line: Option<u64>,
    offset: Option<u64>,
    out: &mut Read,
) -> Result<(), serde_json::Error> {
    let r: Release<'_> = serde_json::from_slice(json)?;
    release_awards(&r, file, line, offset, out);
    Ok(())
}

/// The awards of one release.
fn release_awards(
    v: &Release<'_>,
    file: &str,
    line: Option<u64>,
    offset: Option<u64>,
    out: &mut Read,
) {
    let ocid = text(&v.ocid);
    let problem = |message: String, skipped: bool| Problem {
        file: file.to_owned(),
        line,
        offset,
        notice_id: ocid.clone(),
        message,
        skipped,
    };
    if ocid.is_none() {
        out.problems
            .push(problem("a release without an ocid; skipped".into(), true));
        return;
    }
    let parties: HashMap<String, Party> = v
        .parties
        .iter()
        .map(party)
        .filter_map(|p| Some((p.local_id.clone()?, p)))
        .collect();
    let resolve = |r: &Reference<'_>, what: &str, problems: &mut Vec<Problem>| -> Party {
        let id = scalar(&r.id);
        if let Some(p) = id.as_ref().and_then(|id| parties.get(id)) {
            return p.clone();
        }
        if let Some(id) = &id {
            problems.push(problem(
                format!("{what} {id} is referred to but not in parties; its name as given is kept"),
                false,
            ));
        }
        Party {
            local_id: id,
            name: text(&r.name),
            ..Party::default()
        }
    };
    let buyer = v
        .buyer
        .as_ref()
        .map(|b| resolve(b, "the buyer", &mut out.problems));
    let release_date = text(&v.date);
    let mut tender_codes = Vec::new();
    if let Some(t) = &v.tender {
        item_codes(&t.items, &mut tender_codes);
    }
    for a in &v.awards {
        let status = text(&a.status);
        if status.as_deref().is_some_and(|s| s != "active") {
            continue;
        }
        let award_id = scalar(&a.id);
        let suppliers: Vec<Party> = a
            .suppliers
            .iter()
            .map(|s| resolve(s, "supplier", &mut out.problems))
            .collect();
        if suppliers.is_empty() {
            out.problems.push(problem(
                format!(
                    "award {} names no supplier; kept without one",
                    award_id.as_deref().unwrap_or("without id")
                ),
                false,
            ));
        }
        let written = amount(a.value.as_ref()).or_else(|| {
            v.contracts
                .iter()
                .filter(|c| award_id.is_some() && scalar(&c.award_id) == award_id)
                .find_map(|c| amount(c.value.as_ref()))
        });
        let value = match written {
            Some((Some(x), currency, w)) => {
                if currency.is_none() {
                    out.problems.push(problem(
                        format!("award value {w} has no currency; kept without one"),
                        false,
                    ));
                }
                Some(Money {
                    amount: x,
                    currency,
                })
            }
            Some((None, _, w)) => {
                out.problems.push(problem(
                    format!("award value {w} is not a number; the value is left out"),
                    false,
                ));
                None
            }
            None => None,
        };
        let mut codes = Vec::new();
        item_codes(&a.items, &mut codes);
        if codes.is_empty() {
            codes = tender_codes.clone();
        }
        let mut cpv_codes = Vec::new();
        for c in codes {
            match cpv::parse(&c) {
                Ok(code) => cpv_codes.push(code.full()),
                Err(e) => out
                    .problems
                    .push(problem(format!("{e}; the code is left out"), false)),
            }
        }
        out.awards.push(Award {
            file: file.to_owned(),
            line,
            offset,
            format: Some(Format::Ocds),
            notice_id: ocid.clone(),
            notice_type: Some("release".into()),
            buyer: buyer.clone(),
            suppliers,
            lot: award_id,
            cpv: cpv_codes,
            value,
            date: text(&a.date).or_else(|| release_date.clone()),
            withheld: Vec::new(),
            programme: None,
        });
    }
}
