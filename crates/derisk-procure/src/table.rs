//! A plain table of awards, for data in no standard format: CSV (commas,
//! semicolons or tabs, found from the header) with a header row naming at
//! least `buyer` and `supplier`; also read are `cpv`, `value`,
//! `currency`, `date`, `notice_id`, `lot`, `buyer_country`,
//! `supplier_country` and `supplier_id`. Several CPV codes in one cell are
//! separated by `|` or spaces.

use std::io::{BufRead, Read as _};

use crate::award::{Award, Format, Money, Party, Problem, Read};
use crate::cpv;

/// The columns read, as the header names them.
pub const COLUMNS: &[&str] = &[
    "buyer",
    "supplier",
    "cpv",
    "value",
    "currency",
    "date",
    "notice_id",
    "lot",
    "buyer_country",
    "supplier_country",
    "supplier_id",
];

/// Reads a table of awards; `file` names it in awards and problems.
pub fn read(mut input: impl BufRead, file: &str) -> Read {
    let mut out = Read::default();
    let mut head = Vec::new();
    if let Err(e) = input.read_until(b'\n', &mut head) {
        out.problems
            .push(problem(file, None, None, format!("cannot read: {e}"), true));
        return out;
    }
    let first =
        String::from_utf8_lossy(head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&head)).into_owned();
    let delimiter = [b'\t', b';', b',']
        .into_iter()
        .max_by_key(|d| first.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(std::io::Cursor::new(first.into_bytes()).chain(input));
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            out.problems.push(problem(
                file,
                Some(1),
                None,
                format!("cannot read the header: {e}"),
                true,
            ));
            return out;
        }
    };
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().to_ascii_lowercase().replace([' ', '-'], "_") == name)
    };
    let (Some(buyer), Some(supplier)) = (col("buyer"), col("supplier")) else {
        out.problems.push(problem(
            file,
            Some(1),
            None,
            format!(
                "no buyer and supplier columns: expected a header naming {}; found {}",
                COLUMNS.join(", "),
                headers.iter().collect::<Vec<_>>().join(", ")
            ),
            true,
        ));
        return out;
    };
    let [
        cpv_col,
        value,
        currency,
        date,
        notice,
        lot,
        buyer_country,
        supplier_country,
        supplier_id,
    ] = [
        "cpv",
        "value",
        "currency",
        "date",
        "notice_id",
        "lot",
        "buyer_country",
        "supplier_country",
        "supplier_id",
    ]
    .map(col);
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line());
                out.problems.push(problem(
                    file,
                    line,
                    None,
                    format!("unreadable row ({e}); skipped"),
                    true,
                ));
                continue;
            }
        };
        let line = record.position().map(|p| p.line());
        out.notices += 1;
        let get = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let notice_id = get(notice);
        let Some(supplier_name) = get(Some(supplier)) else {
            out.problems.push(problem(
                file,
                line,
                notice_id,
                "no supplier; row skipped".into(),
                true,
            ));
            continue;
        };
        let value = match get(value) {
            Some(v) => match v.replace([' ', '_'], "").parse::<f64>() {
                Ok(x) => {
                    let currency = get(currency);
                    if currency.is_none() {
                        out.problems.push(problem(
                            file,
                            line,
                            notice_id.clone(),
                            format!("value {v} has no currency; kept without one"),
                            false,
                        ));
                    }
                    Some(Money {
                        amount: x,
                        currency,
                    })
                }
                Err(_) => {
                    out.problems.push(problem(
                        file,
                        line,
                        notice_id.clone(),
                        format!("value {v:?} is not a number; kept without a value"),
                        false,
                    ));
                    None
                }
            },
            None => None,
        };
        let mut codes = Vec::new();
        for c in get(cpv_col)
            .unwrap_or_default()
            .split(['|', ' '])
            .filter(|c| !c.is_empty())
        {
            match cpv::parse(c) {
                Ok(code) => codes.push(code.full()),
                Err(e) => out.problems.push(problem(
                    file,
                    line,
                    notice_id.clone(),
                    format!("{e}; the code is left out"),
                    false,
                )),
            }
        }
        out.awards.push(Award {
            file: file.to_owned(),
            line,
            offset: None,
            format: Some(Format::Table),
            notice_id,
            notice_type: None,
            buyer: get(Some(buyer)).map(|name| Party {
                name: Some(name),
                country: get(buyer_country),
                ..Party::default()
            }),
            suppliers: vec![Party {
                local_id: None,
                name: Some(supplier_name),
                registration: get(supplier_id),
                country: get(supplier_country),
            }],
            lot: get(lot),
            cpv: codes,
            value,
            date: get(date),
            withheld: Vec::new(),
            programme: None,
        });
    }
    out
}

fn problem(
    file: &str,
    line: Option<u64>,
    notice_id: Option<String>,
    message: String,
    skipped: bool,
) -> Problem {
    Problem {
        file: file.to_owned(),
        line,
        offset: None,
        notice_id,
        message,
        skipped,
    }
}
