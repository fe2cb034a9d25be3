//! Flags and concentration on the award table fixture, against the
//! shipped registry.

use derisk_match::{ScoreConfig, Screener};
use derisk_procure::analysis::{self, Group, Options};

#[test]
fn flags_shares_and_hhi() {
    let registry = derisk_registry::bundled().registry;
    let screener = Screener::new(&registry, ScoreConfig::default());
    let file = std::fs::File::open("../derisk-cli/tests/fixtures/procurement/awards.csv").unwrap();
    let read = derisk_procure::table::read(std::io::BufReader::new(file), "awards.csv");
    let options = Options {
        rates: [("GBP".to_owned(), 1.2)].into_iter().collect(),
        ..Options::default()
    };
    let mut flagged = analysis::flag(&screener, &read.awards, &options);
    let rows = analysis::concentration(&mut flagged, &options);
    let flags: Vec<String> = flagged
        .iter()
        .map(|f| {
            format!(
                "{}: {}",
                f.award.notice_id.as_deref().unwrap_or("-"),
                f.flags.join(" ")
            )
        })
        .collect();
    assert_eq!(
        flags,
        [
            "WH-2025-101: designated-vendor state-controlled high-risk-category",
            "WH-2025-102: high-risk-category",
            "WH-2025-103: designated-vendor high-risk-category",
            "WH-2025-104: high-risk-category",
        ]
    );
    let summary: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{} {:?}: {} awards, {:.0} EUR, hhi {:.0}, high-risk {:.3}, {} | {}",
                r.key,
                r.label,
                r.awards,
                r.value_eur,
                r.hhi,
                r.high_risk_share_value.unwrap_or(r.high_risk_share_count),
                r.flags.join(" "),
                r.suppliers
                    .iter()
                    .map(|s| format!("{} {:.3}", s.name, s.share_value.unwrap_or(s.share_count)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            "32300000 Some(\"Television and radio receivers, and sound or video recording or reproducing apparatus\"): 2 awards, 45100 EUR, hhi 5009, high-risk 0.521, high-risk-share | Zhejiang Dahua Technology 0.521, Genetec Europe SARL 0.479",
            "35100000 Some(\"Emergency and security equipment (surveillance)\"): 2 awards, 137000 EUR, hhi 5806, high-risk 0.701, high-risk-share | Hangzhou Hikvision Digital Technology Co. Ltd 0.701, Axis Communications AB 0.299",
        ]
    );
    // By buyer: the port bought from three suppliers, the ferry company
    // from one (a single award is not single sourcing).
    let options = Options {
        group: Group::Buyer,
        threshold: 0.9,
        ..Options::default()
    };
    let mut flagged = analysis::flag(&screener, &read.awards, &options);
    let rows = analysis::concentration(&mut flagged, &options);
    assert_eq!(
        rows.iter()
            .map(|r| format!(
                "{}: {} {:?} {:?}",
                r.key, r.awards, r.values_left_out, r.flags
            ))
            .collect::<Vec<_>>(),
        [
            "Port of Westerhaven Authority: 3 0 []",
            "Westerland Ferries Ltd: 1 1 []"
        ]
    );
}
