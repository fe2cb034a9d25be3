//! Every reader on realistic fixtures (the CLI's, written for derisk in
//! the shapes of eForms, TED R2.0.9, OCDS and CORDIS), checked exactly.

use derisk_procure::{Award, Read, cordis, eforms, ocds, table, ted};

const DIR: &str = "../derisk-cli/tests/fixtures/procurement";

fn open(name: &str) -> std::io::BufReader<std::fs::File> {
    std::io::BufReader::new(std::fs::File::open(format!("{DIR}/{name}")).unwrap())
}

fn show(a: &Award) -> String {
    let suppliers: Vec<String> = a
        .suppliers
        .iter()
        .map(|s| {
            format!(
                "{} ({}, {})",
                s.name.as_deref().unwrap_or("?"),
                s.registration.as_deref().unwrap_or("-"),
                s.country.as_deref().unwrap_or("-")
            )
        })
        .collect();
    format!(
        "{} | {} | {} | {} | lot {} | {:?} | {} | {} | withheld {:?}",
        a.notice_id.as_deref().unwrap_or("-"),
        a.buyer
            .as_ref()
            .and_then(|b| b.name.as_deref())
            .unwrap_or("-"),
        a.notice_type.as_deref().unwrap_or("-"),
        suppliers.join(" + "),
        a.lot.as_deref().unwrap_or("-"),
        a.cpv,
        a.value
            .as_ref()
            .map(|m| format!("{} {}", m.amount, m.currency.as_deref().unwrap_or("?")))
            .unwrap_or_else(|| "-".into()),
        a.date.as_deref().unwrap_or("-"),
        a.withheld
            .iter()
            .map(|w| w.field.as_str())
            .collect::<Vec<_>>(),
    )
}

fn problems(r: &Read) -> Vec<String> {
    r.problems.iter().map(ToString::to_string).collect()
}

#[test]
fn eforms_contract_award_notice_lots_consortium_and_withheld_winner() {
    let r = eforms::read(open("westerhaven-cctv.xml"), "cctv.xml");
    assert_eq!(r.notices, 1);
    assert_eq!(
        r.awards.iter().map(show).collect::<Vec<_>>(),
        [
            "00412876-2026 | Port of Westerhaven Authority | 29 | Hikvision Europe B.V. (NL-KVK-65327415, NLD) | lot LOT-0001 | [\"35125300-2\", \"32323500-8\"] | 1284500 EUR | 2026-06-12+02:00 | withheld []",
            "00412876-2026 | Port of Westerhaven Authority | 29 | Bosch Security Systems B.V. (NL-KVK-17058541, NLD) + Van Dijk Beveiliging B.V. (NL-KVK-30219876, NLD) | lot LOT-0002 | [\"32323500-8\"] | 412000 EUR | 2026-06-15+02:00 | withheld []",
            "00412876-2026 | Port of Westerhaven Authority | 29 |  | lot LOT-0003 | [\"35125300-2\"] | - | 2026-06-24+02:00 | withheld [\"win-cho\"]",
        ]
    );
    assert_eq!(problems(&r), Vec::<String>::new());
    assert_eq!(r.awards[0].offset, Some(39));
}

#[test]
fn eforms_bad_notice_is_read_with_every_problem_named() {
    let r = eforms::read(open("customs-scanners.xml"), "scanners.xml");
    assert_eq!(
        r.awards.iter().map(show).collect::<Vec<_>>(),
        [
            "00433102-2026 | Customs Administration of Westerland | 99 | Nuctech Warsaw Company Limited Sp. z o.o. (PL-KRS-0000252396, POL) | lot LOT-0001 | [\"38581000-1\"] | 18750000 EUR | 2026-06-30+02:00 | withheld []",
            "00433102-2026 | Customs Administration of Westerland | 99 | ? (-, -) | lot LOT-0002 | [\"50000000-5\"] | 2100000 ? | 2026-07-02+02:00 | withheld []",
        ]
    );
    assert_eq!(
        problems(&r),
        [
            "scanners.xml, byte 39: notice 00433102-2026: notice subtype \"99\" is not an eForms subtype (1-40, E1-E6, T01-T02, X01-X02, CEI); its results are read all the same",
            "scanners.xml, byte 39: notice 00433102-2026: CPV code 38582000-3: bad check digit 3; CPV 2008 publishes 38582000-8 (X-ray inspection equipment); the code is left out",
            "scanners.xml, byte 39: notice 00433102-2026: ORG-0007 (a tenderer of TPA-0002) is referred to but not defined in efac:Organizations; kept without a name",
            "scanners.xml, byte 39: notice 00433102-2026: tender TEN-0002: value (BT-720) 2100000 has no currency (currencyID); kept without one",
        ]
    );
}

#[test]
fn eforms_several_notices_a_cut_and_broken_xml() {
    let one = std::fs::read(format!("{DIR}/westerhaven-cctv.xml")).unwrap();
    let two = std::fs::read(format!("{DIR}/customs-scanners.xml")).unwrap();
    let mut both = one.clone();
    both.extend_from_slice(&two);
    let r = eforms::read(both.as_slice(), "both.xml");
    assert_eq!((r.notices, r.awards.len()), (2, 5));
    // Cut inside the second notice: the first is kept.
    let cut = &both[..one.len() + two.len() / 2];
    let r = eforms::read(cut, "cut.xml");
    assert_eq!((r.notices, r.awards.len()), (1, 3));
    let last = problems(&r).pop().unwrap();
    assert!(
        last.ends_with("the file ends inside this notice: it was cut short; the notice is left out, the notices before it are kept")
            || last.contains("malformed XML"),
        "{last}"
    );
    let broken = String::from_utf8(one)
        .unwrap()
        .replace("</cbc:Name>", "</cbc:Nam>");
    let r = eforms::read(broken.as_bytes(), "broken.xml");
    assert_eq!(r.awards.len(), 0);
    assert!(
        problems(&r)[0].starts_with("broken.xml, byte "),
        "{:?}",
        problems(&r)
    );
    assert!(
        problems(&r)[0].contains("malformed XML"),
        "{:?}",
        problems(&r)
    );
}

#[test]
fn eforms_sdk_examples_are_read() {
    // The Publications Office's own examples (CC BY 4.0), beside the
    // project; read when present.
    let dir = std::path::Path::new("../../../shared/fixtures/eforms");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut awards = 0;
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "xml") {
            let r = eforms::read(
                std::io::BufReader::new(std::fs::File::open(&p).unwrap()),
                "sdk",
            );
            assert_eq!(r.notices, 1, "{}", p.display());
            awards += r.awards.len();
        }
    }
    assert!(awards >= 4, "{awards}");
}

#[test]
fn ted_f03_reads_the_original_form_and_its_contractors_only() {
    let r = ted::read(open("ted-f03.xml"), "ted.xml");
    assert_eq!(
        r.awards.iter().map(show).collect::<Vec<_>>(),
        [
            "512345-2021 | Westerhaven Airport Operations B.V. | F03_2014 | Nuctech Company Limited (-, CN) | lot 1 | [\"38581000-1\", \"38582000-8\"] | 6420000 EUR | 2021-09-14 | withheld []"
        ]
    );
    assert_eq!(problems(&r), Vec::<String>::new());
}

#[test]
fn ocds_json_lines() {
    let r = ocds::read(open("telecom-releases.jsonl"), "r.jsonl");
    assert_eq!(r.notices, 4);
    assert_eq!(
        r.awards.iter().map(show).collect::<Vec<_>>(),
        [
            "ocds-w7x2a9-2026-0041 | Port of Westerhaven Authority | release | Huawei Technologies Co., Ltd. (914403001922038216, China) | lot A-41-1 | [\"32510000-1\"] | 3450000 EUR | 2026-03-12T00:00:00Z | withheld []",
            "ocds-w7x2a9-2026-0042 | Port of Westerhaven Authority | release | Telefonaktiebolaget LM Ericsson (-, Sweden) | lot A-42-1 | [\"32412100-5\"] | 1250000.5 EUR | 2026-04-02T09:00:00Z | withheld []",
            "ocds-w7x2a9-2026-0043 | Port of Westerhaven Authority | release | ZTE Corporation (-, -) | lot A-43-1 | [\"32500000-8\"] | 88000 ? | 2026-05-20T09:00:00Z | withheld []",
            "ocds-w7x2a9-2026-0044 | Port of Westerhaven Authority | release | Vodafone Limited (-, -) | lot A-44-1 | [\"32500000-8\"] | 410000 GBP | 2026-06-01T09:00:00Z | withheld []",
        ]
    );
    assert_eq!(
        problems(&r),
        [
            "r.jsonl:3: notice ocds-w7x2a9-2026-0043: supplier CN-USCC-91440300279583285 is referred to but not in parties; its name as given is kept",
            "r.jsonl:3: notice ocds-w7x2a9-2026-0043: award value 88000 has no currency; kept without one",
            "r.jsonl:4: not a release (expected ident at line 1 column 2); expected one JSON object a line; line skipped",
        ]
    );
}

/// The JSON lines fixture's valid releases, as one document of another
/// shape.
fn releases() -> Vec<serde_json::Value> {
    std::fs::read_to_string(format!("{DIR}/telecom-releases.jsonl"))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

#[test]
fn ocds_packages_of_every_shape_are_streamed() {
    let rel = releases();
    let release_package = serde_json::json!({
        "uri": "https://example.org/westerhaven/2026.json",
        "publishedDate": "2026-07-01T00:00:00Z",
        "version": "1.1",
        "releases": rel,
    });
    let record_package = serde_json::json!({
        "version": "1.1",
        "records": rel.iter().map(|r| serde_json::json!({
            "ocid": r["ocid"],
            "releases": [{"url": "https://example.org/r.json", "date": r["date"], "tag": ["award"]}],
            "compiledRelease": r,
        })).collect::<Vec<_>>(),
    });
    for (doc, name) in [
        (
            serde_json::to_string_pretty(&release_package).unwrap(),
            "release package",
        ),
        (
            serde_json::to_string_pretty(&record_package).unwrap(),
            "record package",
        ),
        (serde_json::to_string(&rel).unwrap(), "array"),
    ] {
        let r = ocds::read(doc.as_bytes(), name);
        assert_eq!((r.notices, r.awards.len()), (4, 4), "{name}");
    }
    let single = serde_json::to_string_pretty(&rel[0]).unwrap();
    assert_eq!(ocds::read(single.as_bytes(), "one").awards.len(), 1);
    // A package broken after its second release keeps the first two.
    let text = serde_json::to_string_pretty(&release_package).unwrap();
    let third = text.find("ocds-w7x2a9-2026-0043").unwrap();
    let third = text[..third].rfind('{').unwrap();
    let broken = format!("{}#{}", &text[..third], &text[third..]);
    let r = ocds::read(broken.as_bytes(), "broken.json");
    assert_eq!(r.awards.len(), 2);
    let p = problems(&r).pop().unwrap();
    assert!(p.starts_with("broken.json:"), "{p}");
    assert!(p.ends_with("the releases before it are kept"), "{p}");
}

#[test]
fn cordis_semicolons_decimal_commas_and_a_file_saved_with_commas() {
    let r = cordis::read(
        open("organization.csv"),
        "organization.csv",
        Some("Horizon Europe"),
    );
    assert_eq!(
        r.awards.iter().map(show).collect::<Vec<_>>(),
        [
            "101070000 | - | participation | HUAWEI TECHNOLOGIES DUSSELDORF GMBH (DE811234567, DE) | lot - | [] | 612500 EUR | - | withheld []",
            "101070000 | - | participation | STICHTING WESTERHAVEN RESEARCH (NL001234567B01, NL) | lot - | [] | 1450000 EUR | - | withheld []",
            "101081234 | - | participation | Huawei Technologies France SASU (-, FR) | lot - | [] | 398000.5 EUR | - | withheld []",
            "101081234 | - | participation | Universitaet Alpenstadt (ATU12345678, AT) | lot - | [] | 902000 EUR | - | withheld []",
        ]
    );
    let p = r.awards[0].programme.as_ref().unwrap();
    assert_eq!(
        (
            p.acronym.as_deref(),
            p.role.as_deref(),
            p.programme.as_deref()
        ),
        (Some("PORT6G"), Some("participant"), Some("Horizon Europe"))
    );
    let r = cordis::read(open("organization-commas.csv"), "commas.csv", None);
    assert_eq!(
        problems(&r)[0],
        "commas.csv:1: the file is separated by commas; CORDIS publishes semicolons (was it saved from a spreadsheet?); read with commas"
    );
    assert_eq!(r.awards.len(), 2);
    let r = cordis::read(&b"id;title\n1;x\n"[..], "x.csv", None);
    assert!(problems(&r)[0].starts_with(
        "x.csv:1: not a CORDIS organisation table: expected the columns projectID and name"
    ));
}

#[test]
fn award_tables() {
    let r = table::read(open("awards.csv"), "awards.csv");
    assert_eq!(r.awards.len(), 4);
    assert_eq!(
        show(&r.awards[3]),
        "WH-2025-104 | Westerland Ferries Ltd | - | Genetec Europe SARL (-, FR) | lot - | [\"32323500-8\"] | 18000 GBP | 2025-10-14 | withheld []"
    );
    assert_eq!(
        problems(&r),
        ["awards.csv:6: notice WH-2025-105: no supplier; row skipped"]
    );
    // Saved on Windows with semicolons: every row keeps its own line.
    let r = table::read(
        &b"buyer;supplier;cpv;value;currency;date\r\n\
           Gemeente Westerhaven;Hikvision Europe B.V.;35125300-2;120000;EUR;2025-03-01\r\n\
           Gemeente Westerhaven;;35125300-2;8000;EUR;2025-04-01\r\n\
           Gemeente Westerhaven;Axis Communications AB;35125300-2;n/a;EUR;2025-05-01\r\n"[..],
        "crlf.csv",
    );
    assert_eq!(r.awards.len(), 2);
    assert_eq!(
        problems(&r),
        [
            "crlf.csv:3: no supplier; row skipped",
            "crlf.csv:4: value \"n/a\" is not a number; kept without a value"
        ]
    );
    let r = table::read(&b"name;amount\nx;1\n"[..], "t.csv");
    assert_eq!(
        problems(&r),
        [
            "t.csv:1: no buyer and supplier columns: expected a header naming buyer, supplier, cpv, value, currency, date, notice_id, lot, buyer_country, supplier_country, supplier_id; found name, amount"
        ]
    );
}

#[test]
fn eforms_a_large_file_is_read_in_parallel_and_a_broken_notice_stops_only_itself() {
    let one = std::fs::read_to_string(format!("{DIR}/westerhaven-cctv.xml")).unwrap();
    let broken = one.replacen("</cbc:Name>", "</cbc:Nam>", 1);
    let mut text = String::new();
    for i in 0..1800 {
        text.push_str(if i == 700 { &broken } else { &one });
    }
    assert!(text.len() > 16 << 20, "{}", text.len());
    let r = eforms::read(text.as_bytes(), "big.xml");
    assert_eq!((r.notices, r.awards.len()), (1799, 1799 * 3));
    let p = problems(&r);
    assert_eq!(p.len(), 1, "{p:?}");
    let at = 700 * one.len();
    assert!(p[0].starts_with("big.xml, byte "), "{}", p[0]);
    assert!(
        p[0].ends_with(&format!(
            "the notice being read is left out, the notices before it, and from byte {} on, are kept",
            at + broken.len()
        )),
        "{}",
        p[0]
    );
    // Offsets are the file's, not the chunk's.
    assert_eq!(
        r.awards.last().unwrap().offset,
        Some((1799 * one.len() - 1 + 39) as u64)
    );
}

#[test]
fn ocds_a_bad_release_in_a_package_stops_only_itself_and_a_cut_package_keeps_the_rest() {
    let rel = releases();
    let mut text = String::from("{\"version\": \"1.1\",\n \"releases\": [\n");
    for (i, r) in rel.iter().enumerate() {
        if i > 0 {
            text.push_str(",\n");
        }
        let one = serde_json::to_string(r).unwrap();
        // The second release has a value that is not JSON.
        if i == 1 {
            text.push_str(&one.replace("\"amount\":\"1250000.50\"", "\"amount\":1250000,50,"));
        } else {
            text.push_str(&one);
        }
    }
    text.push_str("\n]}\n");
    let r = ocds::read(text.as_bytes(), "p.json");
    assert_eq!((r.notices, r.awards.len()), (3, 3));
    let p = problems(&r);
    assert_eq!(p.len(), 3, "{p:?}");
    assert!(
        p.iter().any(
            |m| m.starts_with("p.json:4: this release is not readable (")
                && m.ends_with("skipped, the others are read")
        ),
        "{p:?}"
    );
    // Cut in the middle of the third release: two are read.
    let cut = &text[..text.find("ocds-w7x2a9-2026-0043").unwrap() + 10];
    let r = ocds::read(cut.as_bytes(), "cut.json");
    assert_eq!(r.awards.len(), 1, "{:?}", problems(&r));
    assert!(problems(&r).last().unwrap().ends_with(
        "the document ends before it is closed: it was cut short; the releases before the cut are kept"
    ));
}
