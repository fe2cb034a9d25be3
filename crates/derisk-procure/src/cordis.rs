//! CORDIS organisation tables: who took part in EU research projects
//! (Horizon Europe, H2020, FP7), from `organization.csv` of the CORDIS
//! bulk downloads.
//!
//! The file is semicolon-separated with a header row; the columns read are
//! `projectID` and `name` (required), `projectAcronym`, `country`, `role`,
//! `ecContribution` (else `netEcContribution`), `vatNumber` and
//! `activityType`. A file saved with commas instead (a spreadsheet's
//! doing) is read all the same, with a warning. Each row is one
//! participation: the participant is the supplier, the EU contribution its
//! value in euro, the project id its notice id.

use std::io::BufRead;

use crate::award::{Award, Format, Money, Party, Problem, Programme, Read};
use crate::tabular;

/// Reads a CORDIS organisation table; `programme` names the programme
/// when the caller knows it (from the file name).
pub fn read(mut input: impl BufRead, file: &str, programme: Option<&str>) -> Read {
    let mut out = Read::default();
    let first = match tabular::first_line(&mut input) {
        Ok(f) => f,
        Err(e) => {
            out.problems.push(Problem::at_line(
                file,
                None,
                format!("cannot read: {e}"),
                true,
            ));
            return out;
        }
    };
    let delimiter = if first.contains(';') {
        b';'
    } else if first.contains(',') {
        out.problems.push(Problem::at_line(
            file,
            Some(1),
            "the file is separated by commas; CORDIS publishes semicolons (was it saved from a spreadsheet?); read with commas".into(),
            false,
        ));
        b','
    } else if first.contains('\t') {
        b'\t'
    } else {
        b';'
    };
    let mut table = match tabular::open(first, input, delimiter, file) {
        Ok(t) => t,
        Err(p) => {
            out.problems.push(p);
            return out;
        }
    };
    let (Some(project), Some(name)) = (table.column("projectID"), table.column("name")) else {
        out.problems.push(Problem::at_line(
            file,
            Some(1),
            format!(
                "not a CORDIS organisation table: expected the columns projectID and name (with projectAcronym, country, role, ecContribution); found {}",
                table.header_text()
            ),
            true,
        ));
        return out;
    };
    let acronym = table.column("projectAcronym");
    let country = table.column("country");
    let role = table.column("role");
    let contribution = table
        .column("ecContribution")
        .or_else(|| table.column("netEcContribution"));
    let vat = table.column("vatNumber");
    while let Some((line, record)) = table.next_row(&mut out.problems) {
        out.notices += 1;
        let get = |i: Option<usize>| tabular::cell(&record, i);
        let Some(participant) = get(Some(name)) else {
            out.problems.push(Problem::at_line(
                file,
                line,
                "no organisation name; row skipped".into(),
                true,
            ));
            continue;
        };
        let value = match get(contribution) {
            Some(v) => match number(&v) {
                Some(x) => Some(Money {
                    amount: x,
                    currency: Some("EUR".into()),
                }),
                None => {
                    out.problems.push(Problem::at_line(
                        file,
                        line,
                        format!("ecContribution {v:?} is not a number; kept without a value"),
                        false,
                    ));
                    None
                }
            },
            None => None,
        };
        out.awards.push(Award {
            file: file.to_owned(),
            line,
            offset: None,
            format: Some(Format::Cordis),
            notice_id: get(Some(project)),
            notice_type: Some("participation".into()),
            buyer: None,
            suppliers: vec![Party {
                local_id: None,
                name: Some(participant),
                registration: get(vat),
                country: get(country),
            }],
            lot: None,
            cpv: Vec::new(),
            value,
            date: None,
            withheld: Vec::new(),
            programme: Some(Programme {
                acronym: get(acronym),
                role: get(role),
                programme: programme.map(str::to_owned),
            }),
        });
    }
    out
}

/// A number as CORDIS writes it: `1234567.5`, or with a decimal comma.
fn number(v: &str) -> Option<f64> {
    let v = v.replace(' ', "");
    v.parse().ok().or_else(|| {
        (!v.contains('.'))
            .then(|| v.replace(',', "."))
            .and_then(|w| w.parse().ok())
    })
}
