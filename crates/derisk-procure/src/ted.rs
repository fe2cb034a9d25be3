//! Legacy TED XML (schema R2.0.9, root `TED_EXPORT`): contract award
//! notices (form F03, and any form with an `AWARD_CONTRACT` section), as
//! TED published them until eForms.
//!
//! Elements are matched by local name within the form. Only the original
//! language version of the form is read (`CATEGORY="ORIGINAL"`, else the
//! first). From it: the buyer (`CONTRACTING_BODY/ADDRESS_CONTRACTING_BODY`:
//! `OFFICIALNAME`, `NATIONALID`, `COUNTRY/@VALUE`), the CPV codes
//! (`CPV_MAIN` and `CPV_ADDITIONAL`), and per `AWARD_CONTRACT` with an
//! `AWARDED_CONTRACT`: the lot, the contractors (only inside
//! `ADDRESS_CONTRACTOR`, since `OFFICIALNAME` also names the buyer and the
//! review body), the total value with its currency and the date the
//! contract was concluded. The notice id is the root's `DOC_ID`. The
//! pre-2014 layout (`AWARD_OF_CONTRACT`) is not read.

use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::award::{Award, Format, Money, Party, Problem, Read};
use crate::cpv;

#[derive(Default)]
struct Contract {
    lot: Option<String>,
    awarded: bool,
    contractors: Vec<Party>,
    value: Option<(String, Option<String>)>,
    date: Option<String>,
}

#[derive(Default)]
struct Notice {
    offset: u64,
    doc_id: Option<String>,
    form: Option<String>,
    form_depth: Option<usize>,
    skip_form: bool,
    forms_seen: usize,
    buyer: Party,
    cpv: Vec<String>,
    contracts: Vec<Contract>,
    contract: Option<Contract>,
    contractor: Option<Party>,
}

/// Reads every `TED_EXPORT` notice of a file; `file` names it in awards
/// and problems.
pub fn read(input: impl BufRead, file: &str) -> Read {
    let mut out = Read::default();
    let mut reader = Reader::from_reader(input);
    let mut buf = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut notice: Option<Notice> = None;
    let mut text = String::new();
    let mut currency: Option<String> = None;
    loop {
        buf.clear();
        let at = reader.buffer_position();
        let event = match reader.read_event_into(&mut buf) {
            Ok(e) => e,
            Err(e) => {
                out.problems.push(Problem {
                    file: file.to_owned(),
                    line: None,
                    offset: Some(reader.error_position()),
                    notice_id: notice.as_ref().and_then(|n| n.doc_id.clone()),
                    message: format!("malformed XML: {e}; the notices before it are kept"),
                    skipped: true,
                });
                return out;
            }
        };
        match event {
            Event::Start(e) => {
                let name = e.local_name().as_ref().to_owned();
                text.clear();
                if name == "TED_EXPORT" {
                    notice = Some(Notice {
                        offset: at,
                        doc_id: attribute(&e, "DOC_ID"),
                        ..Notice::default()
                    });
                    stack.clear();
                }
                stack.push(name);
                if let Some(n) = notice.as_mut() {
                    open(n, &stack, &e);
                    currency = attribute(&e, "CURRENCY");
                }
            }
            Event::Empty(e) => {
                let name = e.local_name().as_ref().to_owned();
                stack.push(name);
                if let Some(n) = notice.as_mut() {
                    open(n, &stack, &e);
                    close(n, &stack, "", None);
                }
                stack.pop();
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::CData(t) => text.push_str(&t),
            Event::GeneralRef(r) => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    text.push(c);
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&r) {
                    text.push_str(s);
                }
            }
            Event::End(_) => {
                if stack.len() == 1 && stack[0] == "TED_EXPORT" {
                    if let Some(n) = notice.take() {
                        out.notices += 1;
                        finish(n, file, &mut out);
                    }
                } else if let Some(n) = notice.as_mut() {
                    close(n, &stack, text.trim(), currency.take());
                }
                stack.pop();
                text.clear();
            }
            Event::Eof => {
                if let Some(n) = notice {
                    out.problems.push(Problem {
                        file: file.to_owned(),
                        line: None,
                        offset: Some(n.offset),
                        notice_id: n.doc_id,
                        message: "the file ends inside this notice: it was cut short; the notice is left out, the notices before it are kept".into(),
                        skipped: true,
                    });
                }
                return out;
            }
            _ => {}
        }
    }
}

fn attribute(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == key)
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The path below the form element, when inside the form being read.
fn in_form<'s>(n: &Notice, stack: &'s [String]) -> Option<&'s [String]> {
    let d = n.form_depth?;
    if n.skip_form {
        return None;
    }
    stack.get(d + 1..)
}

fn is(path: &[String], tail: &[&str]) -> bool {
    path.len() >= tail.len()
        && path[path.len() - tail.len()..]
            .iter()
            .zip(tail)
            .all(|(a, b)| a == b)
}

fn open(n: &mut Notice, stack: &[String], e: &BytesStart<'_>) {
    // A form: a child of FORM_SECTION.
    if stack.len() >= 2 && stack[stack.len() - 2] == "FORM_SECTION" {
        n.forms_seen += 1;
        let original = attribute(e, "CATEGORY").is_none_or(|c| c == "ORIGINAL");
        n.form_depth = Some(stack.len() - 1);
        n.skip_form = n.form.is_some() || !original;
        if !n.skip_form {
            n.form = stack.last().cloned();
        }
        return;
    }
    let Some(path) = in_form(n, stack) else {
        return;
    };
    if path.len() == 1 && path[0] == "AWARD_CONTRACT" {
        n.contract = Some(Contract::default());
    } else if is(path, &["AWARD_CONTRACT", "AWARDED_CONTRACT"]) {
        if let Some(c) = n.contract.as_mut() {
            c.awarded = true;
        }
    } else if is(path, &["CONTRACTOR", "ADDRESS_CONTRACTOR"]) {
        n.contractor = Some(Party::default());
    } else if is(path, &["ADDRESS_CONTRACTING_BODY", "COUNTRY"]) && path.len() == 3 {
        n.buyer.country = attribute(e, "VALUE");
    } else if is(path, &["ADDRESS_CONTRACTOR", "COUNTRY"]) {
        if let Some(p) = n.contractor.as_mut() {
            p.country = attribute(e, "VALUE");
        }
    } else if (is(path, &["CPV_MAIN", "CPV_CODE"]) || is(path, &["CPV_ADDITIONAL", "CPV_CODE"]))
        && let Some(code) = attribute(e, "CODE")
        && !n.cpv.contains(&code)
    {
        if is(path, &["CPV_MAIN", "CPV_CODE"]) && path.len() == 3 {
            n.cpv.insert(0, code);
        } else {
            n.cpv.push(code);
        }
    }
}

fn close(n: &mut Notice, stack: &[String], value: &str, currency: Option<String>) {
    if n.form_depth == Some(stack.len() - 1) {
        n.form_depth = None;
        n.skip_form = false;
        return;
    }
    let Some(path) = in_form(n, stack) else {
        return;
    };
    let some = || (!value.is_empty()).then(|| value.to_owned());
    if path.len() == 3
        && is(
            path,
            &[
                "CONTRACTING_BODY",
                "ADDRESS_CONTRACTING_BODY",
                "OFFICIALNAME",
            ],
        )
    {
        n.buyer.name = some();
    } else if path.len() == 3
        && is(
            path,
            &["CONTRACTING_BODY", "ADDRESS_CONTRACTING_BODY", "NATIONALID"],
        )
    {
        n.buyer.registration = some();
    } else if is(path, &["ADDRESS_CONTRACTOR", "OFFICIALNAME"]) {
        if let Some(p) = n.contractor.as_mut() {
            p.name = some();
        }
    } else if is(path, &["ADDRESS_CONTRACTOR", "NATIONALID"]) {
        if let Some(p) = n.contractor.as_mut() {
            p.registration = some();
        }
    } else if is(path, &["CONTRACTOR", "ADDRESS_CONTRACTOR"]) {
        if let (Some(p), Some(c)) = (n.contractor.take(), n.contract.as_mut()) {
            c.contractors.push(p);
        }
    } else if is(path, &["AWARD_CONTRACT", "LOT_NO"]) {
        if let Some(c) = n.contract.as_mut() {
            c.lot = some();
        }
    } else if is(path, &["AWARDED_CONTRACT", "DATE_CONCLUSION_CONTRACT"]) {
        if let Some(c) = n.contract.as_mut() {
            c.date = some();
        }
    } else if is(path, &["AWARDED_CONTRACT", "VALUES", "VAL_TOTAL"]) {
        if let Some(c) = n.contract.as_mut() {
            c.value = some().map(|v| (v, currency));
        }
    } else if path.len() == 1
        && path[0] == "AWARD_CONTRACT"
        && let Some(c) = n.contract.take()
    {
        n.contracts.push(c);
    }
}

fn finish(n: Notice, file: &str, out: &mut Read) {
    let problem = |message: String| Problem {
        file: file.to_owned(),
        line: None,
        offset: Some(n.offset),
        notice_id: n.doc_id.clone(),
        message,
        skipped: false,
    };
    let mut codes = Vec::new();
    for c in &n.cpv {
        match cpv::parse(c) {
            Ok(code) => codes.push(code.full()),
            Err(e) => out
                .problems
                .push(problem(format!("{e}; the code is left out"))),
        }
    }
    let buyer = n.buyer.name.is_some().then(|| n.buyer.clone());
    for c in n.contracts.iter().filter(|c| c.awarded) {
        if c.contractors.iter().all(|p| p.name.is_none()) {
            out.problems.push(problem(format!(
                "an awarded contract{} names no contractor (ADDRESS_CONTRACTOR/OFFICIALNAME); kept without a supplier",
                c.lot.as_deref().map(|l| format!(" (lot {l})")).unwrap_or_default()
            )));
        }
        let value = c.value.as_ref().and_then(|(v, cur)| {
            let amount = v
                .replace([' ', '\u{a0}'], "")
                .replace(',', ".")
                .parse::<f64>();
            match amount {
                Ok(a) => {
                    if cur.is_none() {
                        out.problems.push(problem(format!(
                            "VAL_TOTAL {v} has no CURRENCY; kept without one"
                        )));
                    }
                    Some(Money {
                        amount: a,
                        currency: cur.clone(),
                    })
                }
                Err(_) => {
                    out.problems.push(problem(format!(
                        "VAL_TOTAL {v:?} is not a number; the value is left out"
                    )));
                    None
                }
            }
        });
        out.awards.push(Award {
            file: file.to_owned(),
            line: None,
            offset: Some(n.offset),
            format: Some(Format::Ted),
            notice_id: n.doc_id.clone(),
            notice_type: n.form.clone(),
            buyer: buyer.clone(),
            suppliers: c
                .contractors
                .iter()
                .filter(|p| p.name.is_some())
                .cloned()
                .collect(),
            lot: c.lot.clone(),
            cpv: codes.clone(),
            value,
            date: c.date.clone(),
            withheld: Vec::new(),
            programme: None,
        });
    }
}
