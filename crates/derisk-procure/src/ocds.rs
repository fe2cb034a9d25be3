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

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt;
use std::io::{BufRead, Read as _};
use std::rc::Rc;

use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::award::{Award, Format, Money, Party, Problem, Read};
use crate::cpv;

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
    let trimmed = trim_bom(&first);
    if trimmed.iter().all(u8::is_ascii_whitespace) && first.is_empty() {
        return out;
    }
    if let Ok(Value::Object(release)) = serde_json::from_slice::<Value>(trimmed)
        && release.contains_key("ocid")
    {
        let mut line = 1;
        out.notices += 1;
        release_awards(&Value::Object(release), file, Some(line), None, &mut out);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match input.read_until(b'\n', &mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    out.problems
                        .push(fatal(file, Some(line + 1), format!("cannot read: {e}")));
                    break;
                }
            }
            line += 1;
            if buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<Value>(&buf) {
                Ok(v @ Value::Object(_)) => {
                    out.notices += 1;
                    release_awards(&v, file, Some(line), None, &mut out);
                }
                Ok(other) => out.problems.push(fatal(
                    file,
                    Some(line),
                    format!(
                        "expected one release (a JSON object) on the line, found {}",
                        kind(&other)
                    ),
                )),
                Err(e) => out.problems.push(fatal(
                    file,
                    Some(line),
                    format!("not JSON ({e}); expected one release a line; line skipped"),
                )),
            }
        }
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

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
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
    fn release(&mut self, v: &Value) {
        self.out.notices += 1;
        let at = self.consumed.get();
        release_awards(v, self.file, None, Some(at), self.out);
    }

    fn record(&mut self, v: &Value) {
        if let Some(c) = v.get("compiledRelease").filter(|c| c.is_object()) {
            self.release(c);
            return;
        }
        let embedded: Vec<&Value> = v
            .get("releases")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter(|r| r.get("ocid").is_some()).collect())
            .unwrap_or_default();
        if embedded.is_empty() {
            self.out.problems.push(Problem {
                file: self.file.to_owned(),
                line: None,
                offset: Some(self.consumed.get()),
                notice_id: v.get("ocid").and_then(Value::as_str).map(str::to_owned),
                message: "a record with neither a compiledRelease nor embedded releases (only linked ones); record skipped".into(),
                skipped: true,
            });
        }
        for r in embedded {
            self.release(r);
        }
    }
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
            if rest.contains_key("ocid") {
                self.sink.release(&Value::Object(rest));
            } else {
                self.sink.out.problems.push(Problem {
                    file: self.sink.file.to_owned(),
                    line: None,
                    offset: None,
                    notice_id: None,
                    message: "not OCDS: an object without releases, records or ocid".into(),
                    skipped: true,
                });
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
        while let Some(v) = seq.next_element::<Value>()? {
            if self.records {
                self.sink.record(&v);
            } else {
                self.sink.release(&v);
            }
        }
        Ok(())
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A party of the release: name, identifier, country.
fn party(v: &Value) -> Party {
    let identifier = v.get("identifier");
    let registration = text(identifier.and_then(|i| i.get("id")));
    let address = v.get("address");
    Party {
        local_id: text(v.get("id")),
        name: text(v.get("name")).or_else(|| text(identifier.and_then(|i| i.get("legalName")))),
        registration,
        country: text(address.and_then(|a| a.get("countryName")))
            .or_else(|| text(address.and_then(|a| a.get("country")))),
    }
}

/// The CPV codes of some items (`classification` and
/// `additionalClassifications` with scheme CPV).
fn item_codes(items: Option<&Value>, out: &mut Vec<String>) {
    for item in items.and_then(Value::as_array).into_iter().flatten() {
        let classes = item.get("classification").into_iter().chain(
            item.get("additionalClassifications")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
        for c in classes {
            let scheme = text(c.get("scheme")).unwrap_or_default();
            if scheme.eq_ignore_ascii_case("cpv")
                && let Some(id) = text(c.get("id"))
                && !out.contains(&id)
            {
                out.push(id);
            }
        }
    }
}

fn amount(v: Option<&Value>) -> Option<(Option<f64>, Option<String>, String)> {
    let v = v?;
    let raw = v.get("amount")?;
    let written = match raw {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return Some((None, text(v.get("currency")), raw.to_string())),
    };
    Some((
        written.trim().parse().ok(),
        text(v.get("currency")),
        written,
    ))
}

/// The awards of one release.
fn release_awards(v: &Value, file: &str, line: Option<u64>, offset: Option<u64>, out: &mut Read) {
    let ocid = text(v.get("ocid"));
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
        .get("parties")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(party)
        .filter_map(|p| Some((p.local_id.clone()?, p)))
        .collect();
    let resolve = |r: &Value, what: &str, problems: &mut Vec<Problem>| -> Party {
        let id = text(r.get("id"));
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
            name: text(r.get("name")),
            ..Party::default()
        }
    };
    let buyer = v
        .get("buyer")
        .filter(|b| b.is_object())
        .map(|b| resolve(b, "the buyer", &mut out.problems));
    let release_date = text(v.get("date"));
    let mut tender_codes = Vec::new();
    item_codes(
        v.get("tender").and_then(|t| t.get("items")),
        &mut tender_codes,
    );
    let contracts: Vec<&Value> = v
        .get("contracts")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    for a in v
        .get("awards")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let status = text(a.get("status"));
        if status.as_deref().is_some_and(|s| s != "active") {
            continue;
        }
        let award_id = text(a.get("id"));
        let suppliers: Vec<Party> = a
            .get("suppliers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
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
        let written = amount(a.get("value")).or_else(|| {
            contracts
                .iter()
                .filter(|c| text(c.get("awardID")) == award_id && award_id.is_some())
                .find_map(|c| amount(c.get("value")))
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
        item_codes(a.get("items"), &mut codes);
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
            date: text(a.get("date")).or_else(|| release_date.clone()),
            withheld: Vec::new(),
            programme: None,
        });
    }
}
