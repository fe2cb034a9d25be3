//! A plain table of awards, for data in no standard format: CSV (commas,
//! semicolons or tabs, found from the header) with a header row naming at
//! least `buyer` and `supplier`; also read are `cpv`, `value`,
//! `currency`, `date`, `notice_id`, `lot`, `buyer_country`,
//! `supplier_country` and `supplier_id`. Several CPV codes in one cell are
//! separated by `|` or spaces.

use std::io::BufRead;

use crate::award::{Award, Format, Money, Party, Problem, Read};
use crate::{cpv, tabular};

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
    let first = match tabular::first_line(&mut input) {
        Ok(f) => f,
        Err(e) => {
            out.problems
                .push(problem(file, None, None, format!("cannot read: {e}"), true));
            return out;
        }
    };
    let delimiter = derisk_table::delimiter(first.as_bytes());
    let mut table = match tabular::open(first, input, delimiter, file) {
        Ok(t) => t,
        Err(p) => {
            out.problems.push(p);
            return out;
        }
    };
    let (Some(buyer), Some(supplier)) = (table.column("buyer"), table.column("supplier")) else {
        out.problems.push(problem(
            file,
            Some(1),
            None,
            format!(
                "no buyer and supplier columns: expected a header naming {}; found {}",
                COLUMNS.join(", "),
                table.header_text()
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
    ] = std::array::from_fn(|i| table.column(COLUMNS[i + 2]));
    while let Some((line, record)) = table.next_row(&mut out.problems) {
        out.notices += 1;
        let get = |i: Option<usize>| tabular::cell(&record, i);
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
