//! The de-risking plan: what to do first.
//!
//! Each rule that fires (non-compliant, at risk, review) and names an
//! action contributes that action; rules with the same action are merged.
//! An action removes the findings its rules cite. Actions are ranked by
//! the most severe verdict behind them (non-compliant before at risk
//! before review, then critical before high before medium before low),
//! then by how many of their devices are at core sites, then by how many
//! findings they remove. An action of rules that name categories lists,
//! for the categories of its findings, the alternative vendors the data
//! file gives, with sources.

use serde::Serialize;

use crate::category::{Category, Criticality};
use crate::policy::{Alternative, Alternatives, Policies, Severity, Status};
use crate::report::{Finding, Verdict};

/// One action of the plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Action {
    /// 1 is first.
    pub rank: usize,
    /// What to do.
    pub action: String,
    /// The most severe verdict behind it.
    pub status: Status,
    /// The rules' highest severity.
    pub severity: Severity,
    /// The rules behind it.
    pub rules: Vec<String>,
    /// The findings it removes (F-numbers) and groups it addresses.
    pub removes: Vec<String>,
    /// Of those, devices at core sites.
    pub core: usize,
    /// The categories concerned.
    pub categories: Vec<Category>,
    /// Alternative vendors for those categories.
    pub alternatives: Vec<Alternative>,
}

fn rank_of(s: Status) -> u8 {
    match s {
        Status::NonCompliant => 0,
        Status::AtRisk => 1,
        Status::Review => 2,
        _ => 3,
    }
}

/// The finding numbered `id` (F1 is the first).
fn finding<'f>(findings: &'f [Finding], id: &str) -> Option<&'f Finding> {
    let n: usize = id.strip_prefix('F')?.parse().ok()?;
    findings.get(n.checked_sub(1)?)
}

/// Builds the plan from the verdicts.
pub fn plan(
    verdicts: &[Verdict],
    policies: &Policies,
    findings: &[Finding],
    alternatives: &Alternatives,
) -> Vec<Action> {
    let mut actions: Vec<Action> = Vec::new();
    // Per action, what it removes already (the vector keeps the order).
    let mut removes: Vec<std::collections::HashSet<String>> = Vec::new();
    for v in verdicts.iter().filter(|v| {
        matches!(
            v.status,
            Status::NonCompliant | Status::AtRisk | Status::Review
        )
    }) {
        let Some(rule) = policies.rules.iter().find(|r| r.id == v.rule) else {
            continue;
        };
        let Some(text) = &rule.action else { continue };
        let i = match actions.iter().position(|a| &a.action == text) {
            Some(i) => i,
            None => {
                actions.push(Action {
                    rank: 0,
                    action: text.clone(),
                    status: v.status,
                    severity: v.severity,
                    rules: Vec::new(),
                    removes: Vec::new(),
                    core: 0,
                    categories: Vec::new(),
                    alternatives: Vec::new(),
                });
                removes.push(Default::default());
                actions.len() - 1
            }
        };
        let a = &mut actions[i];
        if rank_of(v.status) < rank_of(a.status) {
            a.status = v.status;
        }
        a.severity = a.severity.min(v.severity);
        a.rules.push(v.rule.clone());
        // Alternatives go with actions that replace equipment of named
        // categories, not with assessments of everything.
        let replaces = !rule.categories.is_empty();
        for e in &v.evidence {
            if removes[i].insert(e.clone()) {
                a.removes.push(e.clone());
            }
            let category = match e.strip_prefix("category:") {
                Some(c) => Category::parse(c),
                None => finding(findings, e).and_then(|f| f.category),
            };
            if let Some(c) = category
                && replaces
                && !a.categories.contains(&c)
            {
                a.categories.push(c);
            }
        }
    }
    for a in &mut actions {
        a.core = a
            .removes
            .iter()
            .filter_map(|e| finding(findings, e))
            .filter(|f| f.criticality == Some(Criticality::Core))
            .count();
        a.categories.sort();
        for c in &a.categories {
            for alt in alternatives.for_category(*c) {
                a.alternatives.push(alt.clone());
            }
        }
    }
    actions.sort_by(|x, y| {
        rank_of(x.status)
            .cmp(&rank_of(y.status))
            .then(x.severity.cmp(&y.severity))
            .then(y.core.cmp(&x.core))
            .then(y.removes.len().cmp(&x.removes.len()))
            .then(x.action.cmp(&y.action))
    });
    for (i, a) in actions.iter_mut().enumerate() {
        a.rank = i + 1;
    }
    actions
}
