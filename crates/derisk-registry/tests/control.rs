//! The control rules on a small registry written for them, and on the
//! shipped one.

use derisk_registry::{Control, ControlRules, RegistryFile, Step, Tie, bundled, load};

/// A registry with one case of each rule. Names are invented; the single
/// source is a placeholder that the loader requires.
const GRAPH: &str = r#"
[[source]]
id = "s"
url = "https://example.org/filing"
title = "Shareholder filing"
publisher = "Example"

[[entity]]
id = "state"
kind = "public-body"
name = "State Assets Commission"
state = "CN"
sources = ["s"]

[[entity]]
id = "group"
kind = "company"
name = "State Group"
sources = ["s"]

[[relation]]
subject = "group"
kind = "subsidiary-of"
object = "state"
sources = ["s"]

# Stated control with a minority share.
[[entity]]
id = "listed"
kind = "company"
name = "Listed Co"
sources = ["s"]

[[relation]]
subject = "listed"
kind = "owned-by"
object = "group"
share = 40
approximate = true
control = true
indirect = true
sources = ["s"]

[[entity]]
id = "unit"
kind = "company"
name = "Group Unit"
sources = ["s"]

[[relation]]
subject = "unit"
kind = "owned-by"
object = "group"
share = 100
sources = ["s"]

# The unit's own 38% of the listed company is part of the group's 40%
# (indirect), so it is not added again.
[[relation]]
subject = "listed"
kind = "owned-by"
object = "unit"
share = 38
sources = ["s"]

[[entity]]
id = "europe"
kind = "company"
name = "Listed Europe B.V."
sources = ["s"]

[[relation]]
subject = "europe"
kind = "subsidiary-of"
object = "listed"
sources = ["s"]

# Stakes that add up: 30% direct and 25% through a controlled company.
[[entity]]
id = "investor"
kind = "company"
name = "Investor"
sources = ["s"]

[[entity]]
id = "vehicle"
kind = "company"
name = "Investor Vehicle"
sources = ["s"]

[[relation]]
subject = "vehicle"
kind = "owned-by"
object = "investor"
share = 60
sources = ["s"]

[[entity]]
id = "target"
kind = "company"
name = "Target"
sources = ["s"]

[[relation]]
subject = "target"
kind = "owned-by"
object = "investor"
share = 30
sources = ["s"]

[[relation]]
subject = "target"
kind = "owned-by"
object = "vehicle"
share = 25
sources = ["s"]

# Influence, a minority state stake and an unknown share.
[[entity]]
id = "founder"
kind = "person"
name = "Founder"
sources = ["s"]

[[entity]]
id = "maker"
kind = "company"
name = "Camera Maker"
sources = ["s"]

[[relation]]
subject = "maker"
kind = "owned-by"
object = "founder"
share = 33
sources = ["s"]

[[relation]]
subject = "maker"
kind = "owned-by"
object = "group"
share = 10
sources = ["s"]

[[relation]]
subject = "maker"
kind = "owned-by"
object = "investor"
sources = ["s"]

# Two filings that disagree.
[[entity]]
id = "port"
kind = "company"
name = "Port Terminal"
sources = ["s"]

[[relation]]
subject = "port"
kind = "owned-by"
object = "group"
share = 49
sources = ["s"]

[[relation]]
subject = "port"
kind = "owned-by"
object = "group"
share = 51
sources = ["s"]

# A berth of the port whose two filings disagree too.
[[entity]]
id = "berth"
kind = "company"
name = "Port Berth"
sources = ["s"]

[[relation]]
subject = "berth"
kind = "subsidiary-of"
object = "port"
sources = ["s"]

[[relation]]
subject = "berth"
kind = "owned-by"
object = "founder"
share = 20
sources = ["s"]

[[relation]]
subject = "berth"
kind = "owned-by"
object = "founder"
share = 30
sources = ["s"]

# A cycle.
[[entity]]
id = "a"
kind = "company"
name = "Cross A"
sources = ["s"]

[[entity]]
id = "b"
kind = "company"
name = "Cross B"
sources = ["s"]

[[relation]]
subject = "a"
kind = "owned-by"
object = "b"
share = 60
sources = ["s"]

[[relation]]
subject = "b"
kind = "owned-by"
object = "a"
share = 60
sources = ["s"]
"#;

fn graph() -> derisk_registry::Registry {
    let loaded = load(vec![RegistryFile {
        name: "graph.toml".into(),
        text: GRAPH.into(),
    }]);
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    loaded.registry
}

/// `id (path)` for each controller, the path as `tie>upper` steps.
fn controllers(c: &Control<'_>) -> Vec<String> {
    c.controllers
        .iter()
        .map(|k| {
            let path: Vec<String> = k
                .path
                .iter()
                .map(|s| match s {
                    Step::Link(h) => format!("{}>{}", h.tie.as_str(), h.to.id),
                    Step::Sum { by, total, .. } => format!("sum {total}%>{}", by.id),
                })
                .collect();
            let ultimate = if k.ultimate { " ultimate" } else { "" };
            format!("{} ({}){ultimate}", k.entity.id, path.join(" "))
        })
        .collect()
}

fn holdings(c: &Control<'_>) -> Vec<String> {
    c.holdings
        .iter()
        .map(|h| {
            let state = h
                .state
                .map(|s| format!(" state {}", s.id))
                .unwrap_or_default();
            format!(
                "{} in {}: {}{state}",
                h.hop.to.id,
                h.hop.from.id,
                h.hop.tie.as_str()
            )
        })
        .collect()
}

#[test]
fn stated_control_reaches_the_state_without_double_counting() {
    let r = graph();
    let c = r.control("europe", ControlRules::default()).unwrap();
    assert_eq!(
        controllers(&c),
        [
            "listed (subsidiary>listed)",
            "group (subsidiary>listed stated-control>group)",
            "state (subsidiary>listed stated-control>group subsidiary>state) ultimate",
        ]
    );
    assert_eq!(c.state().map(|e| e.id.as_str()), Some("state"));
    // The unit's 38% is influence over the listed company, and the unit is
    // state-owned; it is not added to the group's 40%.
    assert_eq!(holdings(&c), ["unit in listed: influence state state"]);
}

#[test]
fn stakes_held_directly_and_through_a_controlled_company_add_up() {
    let r = graph();
    let c = r.control("target", ControlRules::default()).unwrap();
    assert_eq!(controllers(&c), ["investor (sum 55%>investor) ultimate"]);
    let Step::Sum { stakes, .. } = &c.controllers[0].path[0] else {
        panic!("expected a sum");
    };
    assert_eq!(stakes.len(), 2);
    // The two stakes themselves are reported as ties that alone do not
    // control.
    assert_eq!(
        holdings(&c),
        [
            "investor in target: influence",
            "vehicle in target: influence"
        ]
    );
    // With the line at 60%, 55% is not control.
    let strict = ControlRules {
        control_above: 60.0,
        influence_from: 25.0,
        ..ControlRules::default()
    };
    assert!(r.control("target", strict).unwrap().controllers.is_empty());
}

#[test]
fn influence_minority_state_stake_and_unknown_share_are_not_control() {
    let r = graph();
    let c = r.control("maker", ControlRules::default()).unwrap();
    assert!(c.controllers.is_empty());
    assert_eq!(c.state(), None);
    assert_eq!(
        holdings(&c),
        [
            "founder in maker: influence",
            "group in maker: minority state state",
            "investor in maker: unknown-share",
        ]
    );
    // Thresholds are the caller's: at 30% the founder's 33% is control,
    // and from 5% the group's 10% is influence.
    let low = ControlRules {
        control_above: 30.0,
        influence_from: 5.0,
        ..ControlRules::default()
    };
    let c = r.control("maker", low).unwrap();
    assert_eq!(controllers(&c), ["founder (majority>founder) ultimate"]);
    assert_eq!(
        holdings(&c),
        [
            "group in maker: influence state state",
            "investor in maker: unknown-share",
        ]
    );
}

#[test]
fn disagreeing_shares_are_reported_and_the_larger_is_used() {
    let r = graph();
    let c = r.control("port", ControlRules::default()).unwrap();
    assert_eq!(
        controllers(&c),
        [
            "group (majority>group)",
            "state (majority>group subsidiary>state) ultimate",
        ]
    );
    assert_eq!(c.conflicts.len(), 1);
    let shares: Vec<f64> = c.conflicts[0]
        .relations
        .iter()
        .filter_map(|r| r.share.map(|s| s.percent))
        .collect();
    assert_eq!(shares, [49.0, 51.0]);
    // Each disagreement is reported once, however often the walk meets it.
    let c = r.control("berth", ControlRules::default()).unwrap();
    let pairs: Vec<(&str, &str)> = c
        .conflicts
        .iter()
        .map(|k| (k.held.id.as_str(), k.holder.id.as_str()))
        .collect();
    assert_eq!(pairs, [("berth", "founder"), ("port", "group")]);
}

#[test]
fn a_cycle_is_cut_and_reported() {
    let r = graph();
    let c = r.control("a", ControlRules::default()).unwrap();
    assert_eq!(controllers(&c), ["b (majority>b)"]);
    let cycle: Vec<&str> = c.cycles[0].iter().map(|e| e.id.as_str()).collect();
    assert_eq!(cycle, ["a", "b", "a"]);
}

#[test]
fn unknown_entity_has_no_answer() {
    assert!(graph().control("nobody", ControlRules::default()).is_none());
}

#[test]
fn shipped_registry_control_of_main_vendors() {
    let r = bundled().registry;
    let rules = ControlRules::default();
    let top = |id: &str| -> Vec<String> {
        r.control(id, rules)
            .unwrap()
            .ultimate()
            .map(|c| c.entity.id.to_string())
            .collect()
    };
    // Hikvision: CETC's stated control leads to SASAC.
    assert_eq!(top("hikvision-europe"), ["sasac"]);
    assert_eq!(
        r.control("hikvision", rules)
            .unwrap()
            .state()
            .map(|e| e.id.as_str()),
        Some("sasac")
    );
    // Dahua: no controller by the rules; its founder's third is
    // influence and China Mobile's tenth a minority state stake.
    let dahua = r.control("dahua", rules).unwrap();
    assert!(dahua.controllers.is_empty());
    let ties: Vec<(&str, Tie, Option<&str>)> = dahua
        .holdings
        .iter()
        .filter(|h| h.hop.relation.kind == derisk_core::RelationKind::OwnedBy)
        .map(|h| {
            (
                h.hop.to.id.as_str(),
                h.hop.tie,
                h.state.map(|s| s.id.as_str()),
            )
        })
        .collect();
    assert_eq!(
        ties,
        [
            ("fu-liquan", Tie::Influence, None),
            ("china-mobile-group", Tie::Minority, Some("sasac")),
        ]
    );
    // Nuctech reaches the state through Tongfang and CNNC.
    assert_eq!(top("nuctech-warsaw"), ["sasac"]);
}
