//! The conformance suite every [`Store`] backend runs: the same checks on
//! the same data, written against the trait alone, so that a second
//! backend (PostgreSQL) behaves as the embedded one does. A backend's test
//! calls [`check`] with a way to open a new, empty store of its own.
//!
//! The checks panic on failure, as tests do; this module is for tests.

use crate::{
    NewDecision, NewFinding, NewRun, Record, RunInput, RunKind, RunTotals, Status, Store,
    StoreError, Verdict,
};

/// Runs every check, each on a new, empty store from `open`.
pub fn check(mut open: impl FnMut() -> Box<dyn Store>) {
    runs_round_trip(&mut *open());
    decisions_follow_the_evidence(&mut *open());
    kinds_round_trip(&mut *open());
}

/// Every kind of run is recorded and read back as itself.
pub fn kinds_round_trip(store: &mut dyn Store) {
    for (i, kind) in RunKind::ALL.iter().enumerate() {
        let mut r = run(None);
        r.command = *kind;
        r.subject = format!("/data/input-{i}");
        let id = store.record_run(&r, &records(), &[]).unwrap();
        assert_eq!(store.run(id).unwrap().command, *kind);
    }
    let latest = store.latest_by_subject(&[RunKind::Audit]).unwrap();
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0].command, RunKind::Audit);
}

/// A run of `derisk screen` (or, with a base, of `derisk monitor`).
pub fn run(base: Option<i64>) -> NewRun {
    NewRun {
        command: if base.is_some() {
            RunKind::Monitor
        } else {
            RunKind::Screen
        },
        subject: "/data/suppliers.csv".into(),
        inputs: vec![RunInput {
            path: "suppliers.csv".into(),
            sha256: "ab".repeat(32),
            bytes: 120,
        }],
        options: r#"{"match_threshold":0.85}"#.into(),
        registry_hash: "11".repeat(32),
        registry_snapshot: Some(b"DRSKSNAP...".to_vec()),
        snapshot_file_hash: None,
        base_run: base,
        started_at: "2026-11-22T10:00:00Z".into(),
        tool_version: "0.1.0".into(),
        totals: RunTotals {
            records: 2,
            matched: 1,
            review: 0,
            dismissed: 0,
            skipped: 0,
        },
    }
}

/// Two records: a Hikvision name and a utility.
pub fn records() -> Vec<Record> {
    vec![
        Record {
            seq: 0,
            file: "suppliers.csv".into(),
            row: 2,
            name: "Hangzhou Hikvision Digital Technology Co., Ltd.".into(),
            country: Some("CN".into()),
            identifier: None,
        },
        Record {
            seq: 1,
            file: "suppliers.csv".into(),
            row: 3,
            name: "Stadtwerke Musterstadt GmbH".into(),
            country: None,
            identifier: None,
        },
    ]
}

/// A finding on the first record.
pub fn finding(key: &str, evidence: &str) -> NewFinding {
    NewFinding {
        record: 0,
        key: key.into(),
        entity: "hikvision".into(),
        decision: "match".into(),
        score: 0.97,
        evidence: evidence.into(),
        detail: r#"{"entity_id":"hikvision"}"#.into(),
    }
}

/// A run round-trips with its inputs, records, findings and registry;
/// a monitoring run reuses its base run's records; runs are listed newest
/// first and by subject.
pub fn runs_round_trip(store: &mut dyn Store) {
    assert!(!store.has_registry(&"11".repeat(32)).unwrap());
    let id = store
        .record_run(&run(None), &records(), &[finding("3fa2c1d0e4b59a61", "e1")])
        .unwrap();
    assert_eq!(id, 1);
    assert!(store.has_registry(&"11".repeat(32)).unwrap());
    assert_eq!(
        store.registry_snapshot(&"11".repeat(32)).unwrap().unwrap(),
        b"DRSKSNAP..."
    );

    let got = store.run(1).unwrap();
    assert_eq!(got.command, RunKind::Screen);
    assert_eq!(got.records_of, 1);
    assert_eq!(got.inputs.len(), 1);
    assert_eq!(got.input_hash.len(), 64);
    assert_eq!(got.totals.matched, 1);
    assert!(got.finished_at.ends_with('Z'), "{}", got.finished_at);
    assert_eq!(store.records(1).unwrap(), records());

    let mut monitor = run(Some(1));
    monitor.registry_snapshot = None;
    monitor.registry_hash = "11".repeat(32);
    let id2 = store
        .record_run(&monitor, &[], &[finding("3fa2c1d0e4b59a61", "e2")])
        .unwrap();
    assert_eq!(store.run(id2).unwrap().records_of, 1);
    assert_eq!(store.records(id2).unwrap(), records());
    let f = store.findings(id2).unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].record.name, records()[0].name);
    assert_eq!(f[0].found.evidence, "e2");

    let latest = store.latest_by_subject(RunKind::ALL).unwrap();
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0].id, id2);
    assert_eq!(store.runs(None).unwrap().len(), 2);
    assert_eq!(store.runs(Some(1)).unwrap()[0].id, id2);
    assert!(matches!(store.run(9), Err(StoreError::NoSuchRun(9))));
}

/// Findings resolve by a unique prefix of four or more hexadecimal
/// digits; decisions are appended, follow the evidence they were made on
/// (a finding with other evidence is reopened), and a blank reason is
/// refused without recording anything.
pub fn decisions_follow_the_evidence(store: &mut dyn Store) {
    let mut second = finding("3fa2ffff00001111", "x");
    second.record = 1;
    store
        .record_run(
            &run(None),
            &records(),
            &[finding("3fa2c1d0e4b59a61", "e1"), second],
        )
        .unwrap();

    assert_eq!(
        store.resolve_finding("3FA2C1").unwrap().found.key,
        "3fa2c1d0e4b59a61"
    );
    match store.resolve_finding("3fa2") {
        Err(StoreError::Ambiguous { keys, .. }) => {
            assert_eq!(keys, ["3fa2c1d0e4b59a61", "3fa2ffff00001111"])
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        store.resolve_finding("3fa"),
        Err(StoreError::BadFindingId(_))
    ));
    assert!(matches!(
        store.resolve_finding("zzzz"),
        Err(StoreError::BadFindingId(_))
    ));
    assert!(matches!(
        store.resolve_finding("0000"),
        Err(StoreError::NoSuchFinding(_))
    ));

    let f = store.resolve_finding("3fa2c1").unwrap();
    let d = store
        .decide(&NewDecision {
            finding: f.id,
            verdict: Verdict::Dismissed,
            reason: "  a namesake: a Hikvision reseller in Lyon  ".into(),
            by: "ana".into(),
            at: "2026-11-22T11:00:00Z".into(),
        })
        .unwrap();
    assert_eq!(d.reason, "a namesake: a Hikvision reseller in Lyon");
    assert_eq!(d.run, 1);
    assert_eq!(d.evidence, "e1");

    let decisions = store.decisions().unwrap();
    assert_eq!(
        Status::of(&decisions, "3fa2c1d0e4b59a61", "e1").as_str(),
        "dismissed"
    );
    assert_eq!(
        Status::of(&decisions, "3fa2c1d0e4b59a61", "e2").as_str(),
        "reopened"
    );
    assert_eq!(
        Status::of(&decisions, "3fa2ffff00001111", "x").as_str(),
        "open"
    );

    store
        .decide(&NewDecision {
            finding: f.id,
            verdict: Verdict::Confirmed,
            reason: "checked the register: it is the Hikvision subsidiary".into(),
            by: "ben".into(),
            at: "2026-11-22T12:00:00Z".into(),
        })
        .unwrap();
    let decisions = store.decisions().unwrap();
    assert_eq!(
        Status::of(&decisions, "3fa2c1d0e4b59a61", "e1").as_str(),
        "confirmed"
    );
    let history = store.history("3fa2c1d0e4b59a61").unwrap();
    assert_eq!(
        history.iter().map(|d| d.by.as_str()).collect::<Vec<_>>(),
        ["ana", "ben"]
    );

    // An empty reason is refused, and nothing is recorded.
    let refused = store.decide(&NewDecision {
        finding: f.id,
        verdict: Verdict::Dismissed,
        reason: "   ".into(),
        by: "ana".into(),
        at: "2026-11-22T13:00:00Z".into(),
    });
    assert!(refused.is_err(), "{refused:?}");
    assert_eq!(store.history("3fa2c1d0e4b59a61").unwrap().len(), 2);
}
