//! The labelled evaluation of real banners (`data/eval/banners/`, each row
//! with its source; see its README): with the bundled rules alone, banners
//! of designated families are attributed to their family, and no banner of
//! another maker is attributed to a registry entity.

mod common;

use std::collections::BTreeMap;

use derisk_devices::{Device, Field, Identifier, Verdict};

struct Row {
    file: &'static str,
    line: u64,
    field: Field,
    value: String,
    maker: String,
    /// The registry id of the row's family; `None` for another maker.
    family: Option<String>,
    source: String,
}

/// The rows of `file`; `labelled` files have a `family` column, the
/// others hold only other makers.
fn rows(file: &'static str) -> Vec<Row> {
    let path = format!(
        "{}/../../data/eval/banners/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut r = csv::Reader::from_path(&path).unwrap();
    let headers = r.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (family, source) = (col("family"), col("source").unwrap());
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.unwrap_or_else(|e| panic!("{path}: {e}"));
        let line = rec.position().map_or(0, |p| p.line());
        let field = Field::parse(&rec[0])
            .unwrap_or_else(|| panic!("{path}:{line}: unknown field {:?}", &rec[0]));
        out.push(Row {
            file,
            line,
            field,
            value: rec[1].to_owned(),
            maker: rec[2].to_owned(),
            family: family.map(|i| rec[i].to_owned()).filter(|f| !f.is_empty()),
            source: rec[source].to_owned(),
        });
    }
    out
}

/// Whether the verdict names `family`: the maker is it, or it is on the
/// path from the maker to its controller.
fn names(v: &Verdict<'_>, family: &str) -> bool {
    v.maker.is_some_and(|m| m.id.as_str() == family)
        || v.path().iter().any(|s| s.entity.as_str() == family)
}

/// What one set gives: per family (attributed, rows), the misses, the
/// rows attributed to the wrong family, and other makers' rows
/// attributed to a registry entity.
#[derive(Default)]
struct Outcome {
    by_family: BTreeMap<String, (usize, usize)>,
    by_source: BTreeMap<String, (usize, usize)>,
    /// Model numbers typed or reported (`declared_model`) against what
    /// devices answer (every other field).
    by_kind: BTreeMap<&'static str, (usize, usize)>,
    missed: Vec<String>,
    wrong_family: Vec<String>,
    false_attributions: Vec<String>,
    others: usize,
}

impl Outcome {
    fn recall(&self) -> f64 {
        let (found, n) = self
            .by_family
            .values()
            .fold((0, 0), |(a, b), (x, y)| (a + x, b + y));
        found as f64 / n as f64
    }

    fn report(&self, name: &str) {
        let total: usize = self.by_family.values().map(|c| c.1).sum();
        eprintln!(
            "{name}: recall {:.3} on {total} rows of designated families ({}; {}); by source: {}; {} of {} rows of other makers attributed to a registry entity",
            self.recall(),
            self.by_kind
                .iter()
                .map(|(f, (a, n))| format!("{f} {a}/{n}"))
                .collect::<Vec<_>>()
                .join(", "),
            self.by_family
                .iter()
                .map(|(f, (a, n))| format!("{f} {a}/{n}"))
                .collect::<Vec<_>>()
                .join(", "),
            self.by_source
                .iter()
                .map(|(f, (a, n))| format!("{f} {a}/{n}"))
                .collect::<Vec<_>>()
                .join(", "),
            self.false_attributions.len(),
            self.others
        );
        eprintln!("{name}: missed\n  {}", self.missed.join("\n  "));
    }
}

fn evaluate(id: &Identifier<'_>, rows: &[Row]) -> Outcome {
    evaluate_by(id, rows, |_| true)
}

/// As [`evaluate`], counting only verdicts that `counts` accepts.
fn evaluate_by(
    id: &Identifier<'_>,
    rows: &[Row],
    counts: impl Fn(&Verdict<'_>) -> bool,
) -> Outcome {
    let mut o = Outcome::default();
    for row in rows {
        let d = Device {
            id: format!("{} line {}", row.file, row.line),
            values: vec![(row.field, row.value.clone())],
            ..Device::default()
        };
        let mut v = id.identify(&d);
        if !counts(&v) {
            v.maker = None;
        }
        let at = format!(
            "{} line {} ({}): {} {:?}",
            row.file,
            row.line,
            row.maker,
            row.field.as_str(),
            row.value
        );
        match &row.family {
            Some(family) => {
                let hit = names(&v, family);
                let kind = if row.field == Field::DeclaredModel {
                    "model numbers"
                } else {
                    "answers"
                };
                for entry in [
                    o.by_family.entry(family.clone()).or_default(),
                    o.by_source.entry(row.source.clone()).or_default(),
                    o.by_kind.entry(kind).or_default(),
                ] {
                    entry.1 += 1;
                    entry.0 += usize::from(hit);
                }
                if !hit {
                    if let Some(m) = v.maker {
                        o.wrong_family.push(format!("{at} named {}", m.id));
                    }
                    o.missed.push(at);
                }
            }
            None => {
                o.others += 1;
                if let Some(m) = v.maker {
                    o.false_attributions.push(format!(
                        "{at} named {} ({})",
                        m.id,
                        v.basis.join(", ")
                    ));
                }
            }
        }
    }
    o
}

#[test]
fn real_banners_of_designated_families_are_attributed_and_others_are_not() {
    let mut set = rows("designated.csv");
    set.extend(rows("others.csv"));
    common::with_identifier(|id| {
        let o = evaluate(id, &set);
        o.report("designated.csv + others.csv");
        assert!(o.by_family.values().map(|c| c.1).sum::<usize>() >= 250);
        assert!(o.others >= 345, "{}", o.others);
        assert_eq!(o.false_attributions, Vec::<String>::new());
        assert_eq!(o.wrong_family, Vec::<String>::new());
        // The target is 0.90; the rows missed are listed by the
        // report above (most name no maker in the one field given). The
        // floor is the measured recall, rounded down.
        assert!(
            o.recall() >= MAIN_FLOOR,
            "recall {:.3} below {MAIN_FLOOR}",
            o.recall()
        );
    });
}

/// The main set's recall when the rules were last changed, rounded down:
/// 0.881, then 0.872 when TP-Link joined the designated families (the
/// 1260H list of 2026-06-08) and its six rows moved from `others.csv`,
/// three of them named by banner.
const MAIN_FLOOR: f64 = 0.87;

/// The held-out set, gathered from sources the rules were not written
/// from and run after the rules were settled (its first figures are in
/// the README; the floor below is that run's recall, rounded down).
#[test]
fn the_held_out_banners_keep_their_figures() {
    let set = rows("holdout.csv");
    common::with_identifier(|id| {
        let o = evaluate(id, &set);
        o.report("holdout.csv");
        assert!(o.others >= 45, "{}", o.others);
        assert_eq!(o.false_attributions, Vec::<String>::new());
        assert_eq!(o.wrong_family, Vec::<String>::new());
        // First run, 2026-12-03: 29 of 46 (0.630); every banner row was
        // attributed, the misses are model numbers typed by people. With
        // TP-Link designated, 29 of 48 (0.604): its two rows are Tapo model
        // numbers no rule knows.
        assert!(o.recall() >= 0.60, "recall {:.3} below 0.60", o.recall());
    });
}

/// The reference: Rapid7 Recog's fingerprints alone (read as `--recog`
/// reads them), on the same sets, against the bundled rules alone. Recog's
/// XML is not shipped, so this runs only when asked, with its `xml/`
/// directory in `DERISK_RECOG_XML` (`bench/eval_banners.py` runs it).
#[test]
#[ignore = "needs Recog's xml directory in DERISK_RECOG_XML"]
fn recog_alone_on_the_same_banners() {
    use derisk_devices::{Relabels, Rules, load_recog};
    use derisk_registry::{ControlRules, bundled};
    let dir = std::env::var("DERISK_RECOG_XML").expect("DERISK_RECOG_XML: Recog's xml directory");
    let recog = load_recog(std::path::Path::new(&dir)).unwrap().rules;
    assert!(
        recog.rules.len() > 1000,
        "{dir}: {} Recog fingerprints read; expected Recog's xml directory",
        recog.rules.len()
    );
    let registry = bundled().registry;
    let mut main = rows("designated.csv");
    main.extend(rows("others.csv"));
    let holdout = rows("holdout.csv");
    let not_recog: Vec<Row> = rows("designated.csv")
        .into_iter()
        .chain(rows("others.csv"))
        .filter(|r| r.source != "recog")
        .collect();
    for (name, rules) in [
        (
            "bundled rules",
            derisk_registry::curated::clean(Rules::bundled()).unwrap(),
        ),
        ("recog alone", recog),
    ] {
        let id = Identifier::new(&registry, ControlRules::default(), rules)
            .with_relabels(derisk_registry::curated::clean(Relabels::bundled()).unwrap());
        for (set, rows) in [
            ("main", &main),
            ("main, rows not from recog", &not_recog),
            ("holdout", &holdout),
        ] {
            // Recog's share: what its fingerprints name, not derisk's own
            // readings of names and nmap's products around them.
            let o = if name == "recog alone" {
                evaluate_by(&id, rows, |v| v.basis.contains(&"fingerprint"))
            } else {
                evaluate(&id, rows)
            };
            let n: usize = o.by_family.values().map(|c| c.1).sum();
            // Neither names a registry entity for another maker's banner.
            assert_eq!(
                o.false_attributions,
                Vec::<String>::new(),
                "{name} on {set}"
            );
            eprintln!(
                "{name:14} {set:26} recall {:.3} of {n}; wrong family {}; other makers attributed {} of {}",
                o.recall(),
                o.wrong_family.len(),
                o.false_attributions.len(),
                o.others
            );
        }
    }
}
