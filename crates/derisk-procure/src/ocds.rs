//! Open Contracting Data Standard: release packages, record packages,
//! single releases, arrays of releases, and JSON lines of compiled
//! releases (one a line, as data.open-contracting.org publishes them).
//!
//! Packages are read as a stream: a byte scanner (strings, escapes,
//! depth) cuts the `releases` or `records` array (or a top-level array)
//! into its elements, which are parsed in batches on all cores, so a
//! package of several gigabytes that is one JSON document is read in
//! bounded memory, and a release that cannot be parsed is skipped alone. From each release, every award that is `active` (or
//! has no status): its suppliers, resolved through `parties` by id (name,
//! identifier, country), the buyer, the value (else the value of the
//! contract that implements the award), the CPV codes of the award's items
//! (else the tender's items), and the date (the award's, else the
//! release's). A record gives its `compiledRelease`, else its embedded
//! releases.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{BufRead, Read as _};

use rayon::prelude::*;
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::award::{Award, Format, Money, Party, Problem, Read};
use crate::cpv;

/// JSON lines are parsed in chunks of about this many bytes, on all
/// cores.
const CHUNK: usize = 8 << 20;

/// A first line longer than this is not one release: the file is read as
/// a document.
const FIRST_LINE: u64 = 16 << 20;

/// Reads OCDS in any of its shapes; `file` names it in awards and
/// problems.
pub fn read(mut input: impl BufRead, file: &str) -> Read {
    let mut out = Read::default();
    // The first line tells JSON lines (a whole release on it) from a
    // document; a document that starts with `[`, or whose first line is
    // longer than any release (a package on one line), is not read whole
    // to find out.
    let starts_array = match input.fill_buf() {
        Ok(head) => trim_bom(head)
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|&b| b == b'['),
        Err(e) => {
            out.problems
                .push(fatal(file, None, format!("cannot read: {e}")));
            return out;
        }
    };
    let mut first = Vec::new();
    if !starts_array && let Err(e) = (&mut input).take(FIRST_LINE).read_until(b'\n', &mut first) {
        out.problems
            .push(fatal(file, None, format!("cannot read: {e}")));
        return out;
    }
    if first.is_empty() && !starts_array {
        return out;
    }
    let trimmed = trim_bom(&first);
    let is_release = !starts_array
        && first.ends_with(b"\n")
        && serde_json::from_slice::<Release<'_>>(trimmed).is_ok_and(|r| r.ocid.is_some())
        && trimmed.iter().rev().find(|b| !b.is_ascii_whitespace()) == Some(&b'}');
    if is_release {
        json_lines(first, input, file, &mut out);
        return out;
    }
    // A document: packages and arrays are cut into their releases (or
    // records) by a scanner and parsed on all cores; anything else (a
    // single release) is small and parsed whole.
    document(std::io::Cursor::new(first).chain(input), file, &mut out);
    out
}

/// One release or record of a package, with where it starts.
struct Element {
    bytes: Vec<u8>,
    line: u64,
    offset: u64,
}

/// Reads a JSON document: the elements of its top-level array, or of its
/// `releases` or `records` array, are parsed in batches on all cores;
/// everything else is kept and, when no such array was found, parsed as
/// one release at the end.
fn document(mut input: impl BufRead, file: &str, out: &mut Read) {
    let mut rest: Vec<u8> = Vec::new();
    let (mut depth, mut in_str, mut esc) = (0usize, false, false);
    let (mut line, mut offset) = (1u64, 0u64);
    // The last string closed at depth 1 (the key before an array there).
    let mut key: Vec<u8> = Vec::new();
    let mut key_open = false;
    // Inside the array of elements: its depth, whether records, and the
    // element being collected.
    let mut array: Option<(usize, bool)> = None;
    let mut element: Option<Element> = None;
    let mut batch: Vec<Element> = Vec::new();
    let mut batch_bytes = 0usize;
    let mut found = false;
    let mut in_records = false;
    let mut problem: Option<Problem> = None;
    'read: loop {
        let buf = match input.fill_buf() {
            Ok([]) => break,
            Ok(b) => b,
            Err(e) => {
                problem = Some(fatal(file, Some(line), format!("cannot read: {e}")));
                break;
            }
        };
        let n = buf.len();
        let mut copy_from = 0usize;
        for (i, &c) in buf.iter().enumerate() {
            let at = offset + i as u64;
            if c == b'\n' {
                line += 1;
            }
            if in_str {
                if esc {
                    esc = false;
                } else if c == b'\\' {
                    esc = true;
                } else if c == b'"' {
                    in_str = false;
                    key_open = false;
                } else if key_open && key.len() < 16 {
                    key.push(c);
                }
                continue;
            }
            match c {
                b'"' => {
                    in_str = true;
                    if depth == 1 && array.is_none() {
                        key.clear();
                        key_open = true;
                    }
                }
                b'{' | b'[' => {
                    if let Some((d, _)) = array
                        && depth == d
                    {
                        if c != b'{' {
                            problem =
                                Some(structure(file, line, at, "a release or record (an object)"));
                            break 'read;
                        }
                        element = Some(Element {
                            bytes: Vec::with_capacity(4096),
                            line,
                            offset: at,
                        });
                        copy_from = i;
                    }
                    depth += 1;
                    if array.is_none() && c == b'[' {
                        let top = depth == 1;
                        let named =
                            depth == 2 && matches!(key.as_slice(), b"releases" | b"records");
                        if top || named {
                            in_records = key.as_slice() == b"records" && !top;
                            array = Some((depth, in_records));
                            found = true;
                            // Keep the document around the array well-formed.
                            rest.extend_from_slice(&buf[copy_from..=i]);
                            rest.push(b']');
                            copy_from = i + 1;
                        }
                    }
                }
                b'}' | b']' => {
                    if depth == 0 {
                        problem = Some(structure(file, line, at, "no closing bracket here"));
                        break 'read;
                    }
                    depth -= 1;
                    if let Some((d, records)) = array {
                        if depth == d
                            && let Some(mut e) = element.take()
                        {
                            e.bytes.extend_from_slice(&buf[copy_from..=i]);
                            copy_from = i + 1;
                            batch_bytes += e.bytes.len();
                            batch.push(e);
                            if batch_bytes >= CHUNK * 2 * rayon::current_num_threads().max(1) {
                                parse_batch(std::mem::take(&mut batch), records, file, out);
                                batch_bytes = 0;
                            }
                        } else if depth + 1 == d {
                            // The array closed: what follows is kept.
                            array = None;
                            copy_from = i + 1;
                        }
                    }
                }
                b',' | b' ' | b'\t' | b'\r' | b'\n' => {}
                _ => {
                    if let Some((d, _)) = array
                        && depth == d
                    {
                        problem =
                            Some(structure(file, line, at, "a release or record (an object)"));
                        break 'read;
                    }
                }
            }
        }
        // What this buffer adds to the element being read, or to the rest.
        if let Some(e) = element.as_mut() {
            e.bytes.extend_from_slice(&buf[copy_from..]);
        } else if array.is_none() {
            rest.extend_from_slice(&buf[copy_from..]);
        }
        offset += n as u64;
        input.consume(n);
    }
    parse_batch(std::mem::take(&mut batch), in_records, file, out);
    if let Some(p) = problem {
        out.problems.push(p);
        return;
    }
    if depth != 0 || in_str {
        out.problems.push(Problem {
            file: file.to_owned(),
            line: Some(line),
            offset: Some(offset),
            notice_id: None,
            message: "the document ends before it is closed: it was cut short; the releases before the cut are kept".into(),
            skipped: true,
        });
        return;
    }
    if !found {
        let trimmed = trim_bom(&rest);
        match serde_json::from_slice::<Release<'_>>(trimmed) {
            Ok(r) if r.ocid.is_some() => {
                out.notices += 1;
                release_awards(&r, file, None, Some(0), out);
            }
            Ok(_) => out.problems.push(fatal(
                file,
                None,
                "not OCDS: an object without releases, records or ocid".into(),
            )),
            Err(e) => out.problems.push(fatal(
                file,
                Some(e.line() as u64),
                format!("not OCDS JSON ({e})"),
            )),
        }
    }
}

fn structure(file: &str, line: u64, at: u64, expected: &str) -> Problem {
    Problem {
        file: file.to_owned(),
        line: Some(line),
        offset: Some(at),
        notice_id: None,
        message: format!(
            "the JSON breaks at byte {at}: expected {expected}; the releases before it are kept"
        ),
        skipped: true,
    }
}

/// Parses a batch of elements on all cores and adds them in order.
fn parse_batch(batch: Vec<Element>, records: bool, file: &str, out: &mut Read) {
    let results: Vec<Read> = batch
        .par_iter()
        .map(|e| {
            let mut r = Read::default();
            let (line, offset) = (Some(e.line), Some(e.offset));
            let parsed = if records {
                serde_json::from_slice::<Record<'_>>(&e.bytes)
                    .map(|rec| record(rec, file, line, offset, &mut r))
            } else {
                serde_json::from_slice::<Release<'_>>(&e.bytes).map(|rel| {
                    r.notices += 1;
                    release_awards(&rel, file, line, offset, &mut r);
                })
            };
            if let Err(err) = parsed {
                r.problems.push(Problem {
                    file: file.to_owned(),
                    line,
                    offset,
                    notice_id: None,
                    message: format!(
                        "this release is not readable ({err}); skipped, the others are read"
                    ),
                    skipped: true,
                });
            }
            r
        })
        .collect();
    for mut r in results {
        out.notices += r.notices;
        out.awards.append(&mut r.awards);
        out.problems.append(&mut r.problems);
    }
}

/// The releases of a record: its compiled release, else its embedded ones.
fn record(record: Record<'_>, file: &str, line: Option<u64>, offset: Option<u64>, out: &mut Read) {
    if let Some(c) = &record.compiled {
        out.notices += 1;
        release_awards(c, file, line, offset, out);
        return;
    }
    let embedded: Vec<&Release<'_>> = record
        .releases
        .iter()
        .filter(|r| r.ocid.is_some())
        .collect();
    if embedded.is_empty() {
        out.problems.push(Problem {
            file: file.to_owned(),
            line,
            offset,
            notice_id: text(&record.ocid),
            message: "a record with neither a compiledRelease nor embedded releases (only linked ones); record skipped".into(),
            skipped: true,
        });
    }
    for r in embedded {
        out.notices += 1;
        release_awards(r, file, line, offset, out);
    }
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
        for (r, lines) in results {
            out.absorb(r, line_base, 0);
            line_base += lines;
        }
    }
}

fn trim_bom(b: &[u8]) -> &[u8] {
    derisk_table::strip_bom(b)
}

fn fatal(file: &str, line: Option<u64>, message: String) -> Problem {
    Problem::at_line(file, line, message, true)
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
