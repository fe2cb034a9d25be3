//! The audit: findings, exposure, verdicts and plan in one document.
//!
//! A **finding** is a record whose party is designated (`high-risk`), only
//! resembles a designated entity (`possible`), has a designated or state
//! party holding a stake in it that is not control (`influence`, reported
//! but breaking no rule), or is a designated maker's device that no
//! purchase explains. Findings are numbered F1, F2, … in
//! the order assets, suppliers, purchases, as the inputs gave them, and
//! verdicts and plan actions point at them by number.
//!
//! A rule's **verdict**: not applicable when the organisation's sector is
//! outside the rule's sectors, when nothing is in its scope, or (for
//! `untraced`) when no procurement data was given; its own verdict when a
//! record in scope matches; `clear` otherwise.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::category::{Category, Criticality, ModelSeries, Sector};
use crate::exposure::{Exposure, Link, Traces, exposure, trace};
use crate::model::{Asset, InputFile, Location, Party, Purchase, SourceRef, Supplier};
use crate::plan::{Action, plan};
use crate::policy::{Alternatives, Framework, Kind, Policies, Rule, Severity, Status, When};

/// What the audit is given.
pub struct Audit<'a> {
    /// The organisation's name.
    pub organisation: Option<String>,
    /// Its sector.
    pub sector: Option<Sector>,
    /// The frameworks that apply (ids).
    pub frameworks: Vec<String>,
    /// When the report is made (an ISO 8601 timestamp).
    pub generated: String,
    /// The registry's hash.
    pub registry: String,
    /// How fresh the registry is, when known.
    pub freshness: Option<Freshness>,
    /// The tool and its version.
    pub tool: String,
    /// The devices.
    pub assets: Vec<Asset>,
    /// The screened suppliers.
    pub suppliers: Vec<Supplier>,
    /// The purchases.
    pub purchases: Vec<Purchase>,
    /// The inputs and what came of them.
    pub inputs: Vec<InputFile>,
    /// The policies.
    pub policies: &'a Policies,
    /// The alternative vendors.
    pub alternatives: &'a Alternatives,
    /// Resolves a source id of the registry.
    pub resolve: &'a dyn Fn(&str) -> Option<SourceRef>,
}

/// How fresh the registry the audit used is: its newest source, and the
/// facts that rest only on sources more than a year old or undated.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Freshness {
    /// The newest publication date among the registry's sources.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newest_source: Option<String>,
    /// Facts counted.
    pub facts: usize,
    /// Facts whose newest source is from before `stale_before`.
    pub stale: usize,
    /// The day a year before the report.
    pub stale_before: String,
    /// Facts whose sources are all undated.
    pub undated: usize,
}

impl Freshness {
    /// In words, for the report's header.
    pub fn sentence(&self) -> String {
        format!(
            "newest source {}; {} of {} facts rest on sources from before {}, {} on undated sources only",
            self.newest_source.as_deref().unwrap_or("undated"),
            self.stale,
            self.facts,
            self.stale_before,
            self.undated
        )
    }
}

/// Counts at the top of the report.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Headline {
    /// Devices read.
    pub devices: usize,
    /// Devices of designated makers.
    pub high_risk_devices: usize,
    /// Their share of the attributed devices.
    pub high_risk_share: f64,
    /// Devices relabelled: sold under another brand than the maker's.
    pub relabelled: usize,
    /// Suppliers screened.
    pub suppliers: usize,
    /// Suppliers that are designated or belong to a designated family.
    pub high_risk_suppliers: usize,
    /// Suppliers to check by hand.
    pub possible_suppliers: usize,
    /// Suppliers in which a designated or state party holds a stake that
    /// is not control.
    pub influenced_suppliers: usize,
    /// Purchases read.
    pub purchases: usize,
    /// Purchases from designated suppliers.
    pub high_risk_purchases: usize,
    /// Value of those, in euro.
    pub high_risk_purchase_value_eur: f64,
    /// High-risk devices no purchase explains.
    pub untraced: usize,
    /// Rules broken (non-compliant).
    pub non_compliant: usize,
    /// Rules with the organisation at risk.
    pub at_risk: usize,
}

/// Purchases of one year.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct YearShare {
    /// The year.
    pub year: String,
    /// Purchases.
    pub purchases: usize,
    /// Of those, from designated suppliers.
    pub high_risk: usize,
    /// Their value in euro (those with a value).
    pub value_eur: f64,
    /// Of that, from designated suppliers.
    pub high_risk_value_eur: f64,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// F1, F2, …
    pub id: String,
    /// `asset`, `supplier` or `purchase`.
    pub kind: &'static str,
    /// The device id, supplier name or notice.
    pub subject: String,
    /// Where it was read.
    pub at: Location,
    /// `high-risk`, `possible` or `untraced`.
    pub status: Vec<&'static str>,
    /// Its category (devices and purchases).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    /// Its site (devices).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// Its criticality (devices).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub criticality: Option<Criticality>,
    /// The party.
    pub party: Party,
    /// What was found, in a sentence.
    pub summary: String,
    /// The purchase it is tied to, for a device: `named` or `inferred`
    /// with the purchase's notice, or none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purchase: Option<String>,
    /// For a purchase: the findings of the devices tied to it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<String>,
    /// The rules whose verdicts cite it.
    pub rules: Vec<String>,
    /// Every source behind it (designations and path).
    pub sources: Vec<String>,
}

/// A record whose finding an analyst dismissed earlier, on the same
/// evidence: left out of the exposure, the verdicts and the plan, and
/// listed so the dismissal stays visible.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Dismissal {
    /// `asset`, `supplier` or `purchase`.
    pub kind: &'static str,
    /// The device id, supplier name or notice.
    pub subject: String,
    /// Where it was read.
    pub at: Location,
    /// The party it resolved to.
    pub party: String,
    /// Who dismissed it, when and why.
    pub reason: String,
}

/// A rule's outcome.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    /// The rule.
    pub rule: String,
    /// Its framework.
    pub framework: String,
    /// Its title.
    pub title: String,
    /// The outcome.
    pub status: Status,
    /// The rule's severity.
    pub severity: Severity,
    /// The text it rests on.
    pub reference: String,
    /// Where to read it.
    pub url: String,
    /// Records in scope.
    pub in_scope: usize,
    /// The findings it cites (F-numbers), or the groups (`category:…`).
    pub evidence: Vec<String>,
    /// Why, in a sentence.
    pub note: String,
    /// Its sources.
    pub sources: Vec<String>,
    /// Why its sources do not fully support it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unverified: Option<String>,
}

/// The report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// The organisation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// Its sector.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sector: Option<Sector>,
    /// When it was made.
    pub generated: String,
    /// The registry's hash.
    pub registry: String,
    /// How fresh the registry is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub freshness: Option<Freshness>,
    /// The tool.
    pub tool: String,
    /// The inputs.
    pub inputs: Vec<InputFile>,
    /// What the audit could not look at, and why.
    pub missing: Vec<String>,
    /// The counts.
    pub headline: Headline,
    /// Shares and concentration of the devices.
    pub exposure: Exposure,
    /// Purchases per year, oldest first.
    pub by_year: Vec<YearShare>,
    /// The frameworks applied.
    pub frameworks: Vec<Framework>,
    /// The rules' outcomes, most severe first.
    pub verdicts: Vec<Verdict>,
    /// The plan, first action first.
    pub plan: Vec<Action>,
    /// The findings.
    pub findings: Vec<Finding>,
    /// Records whose findings were dismissed earlier.
    pub dismissed: Vec<Dismissal>,
    /// Every source the report cites.
    pub sources: Vec<SourceRef>,
}

/// A record of the audit, for rules and findings.
#[derive(Clone, Copy)]
enum Rec {
    Asset(usize),
    Supplier(usize),
    Purchase(usize),
}

struct Records<'a> {
    assets: &'a [Asset],
    suppliers: &'a [Supplier],
    purchases: &'a [Purchase],
}

impl Records<'_> {
    fn all(&self) -> impl Iterator<Item = Rec> + '_ {
        (0..self.assets.len())
            .map(Rec::Asset)
            .chain((0..self.suppliers.len()).map(Rec::Supplier))
            .chain((0..self.purchases.len()).map(Rec::Purchase))
    }

    fn kind(&self, r: Rec) -> Kind {
        match r {
            Rec::Asset(_) => Kind::Assets,
            Rec::Supplier(_) => Kind::Suppliers,
            Rec::Purchase(_) => Kind::Purchases,
        }
    }

    fn party(&self, r: Rec) -> Option<&Party> {
        match r {
            Rec::Asset(i) => self.assets[i].maker.as_ref(),
            Rec::Supplier(i) => self.suppliers[i].party.as_ref(),
            Rec::Purchase(i) => self.purchases[i].party.as_ref(),
        }
    }

    fn category(&self, r: Rec) -> Option<Category> {
        match r {
            Rec::Asset(i) => Some(self.assets[i].category),
            Rec::Supplier(_) => None,
            Rec::Purchase(i) => Some(self.purchases[i].category),
        }
    }

    fn criticality(&self, r: Rec) -> Option<Criticality> {
        match r {
            Rec::Asset(i) => Some(self.assets[i].criticality),
            _ => None,
        }
    }
}

/// Percent with no decimals.
pub(crate) fn pct(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// Builds the report.
pub fn audit(a: Audit<'_>) -> Report {
    let traces = trace(&a.assets, &a.purchases);
    let exposure = exposure(&a.assets, &traces);
    let recs = Records {
        assets: &a.assets,
        suppliers: &a.suppliers,
        purchases: &a.purchases,
    };
    // Findings, numbered.
    let mut findings: Vec<Finding> = Vec::new();
    let mut number: Vec<Option<usize>> = Vec::new();
    let mut asset_finding = vec![None; a.assets.len()];
    let mut purchase_finding = vec![None; a.purchases.len()];
    for r in recs.all() {
        let Some(party) = recs.party(r) else {
            number.push(None);
            continue;
        };
        let untraced = matches!(r, Rec::Asset(i) if traces.untraced(&a.assets, i));
        let mut status = Vec::new();
        if party.high_risk() {
            status.push("high-risk");
        } else if party.possible() {
            status.push("possible");
        } else if party.influence() {
            status.push("influence");
        }
        if untraced {
            status.push("untraced");
        }
        if status.is_empty() {
            number.push(None);
            continue;
        }
        let id = format!("F{}", findings.len() + 1);
        let f = finding(&recs, r, id, status, party, &traces);
        match r {
            Rec::Asset(i) => asset_finding[i] = Some(findings.len()),
            Rec::Purchase(i) => purchase_finding[i] = Some(findings.len()),
            Rec::Supplier(_) => {}
        }
        number.push(Some(findings.len()));
        findings.push(f);
    }
    // Devices tied to purchases, both ways.
    for (i, t) in traces.of_asset.iter().enumerate() {
        let Some((p, link)) = t else { continue };
        let notice = a.purchases[*p]
            .notice
            .clone()
            .unwrap_or_else(|| a.purchases[*p].at.to_string());
        let pf = purchase_finding[*p];
        if let Some(af) = asset_finding[i] {
            let how = match link {
                Link::Named => "named",
                Link::Inferred => "inferred",
            };
            findings[af].purchase = Some(match pf {
                Some(pf) => format!("{} ({how}; {notice})", findings[pf].id),
                None => format!("{notice} ({how})"),
            });
            if let Some(pf) = pf {
                let id = findings[af].id.clone();
                findings[pf].devices.push(id);
            }
        }
    }
    let index_of = |r: Rec| -> Option<usize> {
        let flat = match r {
            Rec::Asset(i) => i,
            Rec::Supplier(i) => a.assets.len() + i,
            Rec::Purchase(i) => a.assets.len() + a.suppliers.len() + i,
        };
        number[flat]
    };
    // Verdicts.
    let mut verdicts: Vec<Verdict> = Vec::new();
    for rule in a
        .policies
        .rules
        .iter()
        .filter(|r| a.frameworks.contains(&r.framework))
    {
        let v = evaluate(rule, &a, &recs, &traces, &exposure, &index_of);
        for id in &v.evidence {
            if let Some(n) = id.strip_prefix('F').and_then(|n| n.parse::<usize>().ok()) {
                findings[n - 1].rules.push(rule.id.clone());
            }
        }
        verdicts.push(v);
    }
    let order = |s: Status| match s {
        Status::NonCompliant => 0,
        Status::AtRisk => 1,
        Status::Review => 2,
        Status::Info => 3,
        Status::Clear => 4,
        Status::NotApplicable => 5,
    };
    verdicts.sort_by(|x, y| {
        order(x.status)
            .cmp(&order(y.status))
            .then(x.severity.cmp(&y.severity))
            .then(y.evidence.len().cmp(&x.evidence.len()))
    });
    let plan = plan(&verdicts, a.policies, &findings, a.alternatives);
    // Headline.
    let attributed = a.assets.iter().filter(|x| x.maker.is_some()).count();
    let high_devices = a
        .assets
        .iter()
        .filter(|x| x.maker.as_ref().is_some_and(Party::high_risk))
        .count();
    let high_purchases: Vec<&Purchase> = a
        .purchases
        .iter()
        .filter(|p| p.party.as_ref().is_some_and(Party::high_risk))
        .collect();
    let headline = Headline {
        devices: a.assets.len(),
        high_risk_devices: high_devices,
        high_risk_share: if attributed > 0 {
            high_devices as f64 / attributed as f64
        } else {
            0.0
        },
        relabelled: a.assets.iter().filter(|x| x.relabelled).count(),
        suppliers: a.suppliers.len(),
        high_risk_suppliers: a
            .suppliers
            .iter()
            .filter(|s| s.party.as_ref().is_some_and(Party::high_risk))
            .count(),
        possible_suppliers: a
            .suppliers
            .iter()
            .filter(|s| s.party.as_ref().is_some_and(Party::possible))
            .count(),
        influenced_suppliers: a
            .suppliers
            .iter()
            .filter(|s| s.party.as_ref().is_some_and(Party::influence))
            .count(),
        purchases: a.purchases.len(),
        high_risk_purchases: high_purchases.len(),
        high_risk_purchase_value_eur: high_purchases
            .iter()
            .filter_map(|p| p.value_eur)
            .fold(0.0, |a, b| a + b),
        untraced: (0..a.assets.len())
            .filter(|&i| traces.untraced(&a.assets, i))
            .count(),
        non_compliant: verdicts
            .iter()
            .filter(|v| v.status == Status::NonCompliant)
            .count(),
        at_risk: verdicts
            .iter()
            .filter(|v| v.status == Status::AtRisk)
            .count(),
    };
    let mut missing = Vec::new();
    let has = |k: &str| a.inputs.iter().any(|i| i.kind == k && i.records > 0);
    if !has("assets") && !has("scan") && !has("capture") {
        missing.push("No devices: give an asset inventory, a scan (nmap XML), a capture (pcap) or a neighbour table to measure the exposure of equipment.".to_owned());
    }
    if !has("suppliers") {
        missing.push(
            "No supplier list: give a table of suppliers (a name column) to screen them."
                .to_owned(),
        );
    }
    if !has("notices") {
        missing.push("No procurement data: give eForms or TED notices, OCDS releases or an award table to see which purchases put the devices there; no device is called untraced without it.".to_owned());
    }
    if a.organisation.is_none() {
        missing.push("No organisation name: give --org NAME.".to_owned());
    }
    if a.sector.is_none() {
        missing.push("No sector: give --sector (or sector in organisation.toml); without it only the frameworks chosen, or those for every sector, apply.".to_owned());
    }
    // Sources: frameworks, rules, findings, alternatives.
    let frameworks: Vec<Framework> = a
        .frameworks
        .iter()
        .filter_map(|id| a.policies.framework(id).cloned())
        .collect();
    let mut cited: BTreeSet<String> = BTreeSet::new();
    cited.extend(frameworks.iter().flat_map(|f| f.sources.iter().cloned()));
    cited.extend(verdicts.iter().flat_map(|v| v.sources.iter().cloned()));
    cited.extend(findings.iter().flat_map(|f| f.sources.iter().cloned()));
    cited.extend(
        plan.iter()
            .flat_map(|p| p.alternatives.iter())
            .flat_map(|x| x.sources.iter().cloned()),
    );
    let sources = cited
        .into_iter()
        .map(|id| {
            a.policies
                .sources
                .iter()
                .chain(&a.alternatives.sources)
                .chain(&ModelSeries::bundled().sources)
                .find(|s| s.id == id)
                .cloned()
                .or_else(|| (a.resolve)(&id))
                .unwrap_or(SourceRef {
                    title: "(source not found)".to_owned(),
                    url: String::new(),
                    publisher: None,
                    published: None,
                    id,
                })
        })
        .collect();
    let mut by_year: std::collections::BTreeMap<String, YearShare> = Default::default();
    for p in &a.purchases {
        let Some(year) = p
            .date
            .as_deref()
            .and_then(|d| d.get(..4))
            .filter(|y| y.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        let y = by_year.entry(year.to_owned()).or_insert_with(|| YearShare {
            year: year.to_owned(),
            purchases: 0,
            high_risk: 0,
            value_eur: 0.0,
            high_risk_value_eur: 0.0,
        });
        let high = p.party.as_ref().is_some_and(Party::high_risk);
        y.purchases += 1;
        y.value_eur += p.value_eur.unwrap_or(0.0);
        if high {
            y.high_risk += 1;
            y.high_risk_value_eur += p.value_eur.unwrap_or(0.0);
        }
    }
    let dismissed: Vec<Dismissal> = recs
        .all()
        .filter_map(|r| {
            let p = recs.party(r)?;
            let reason = p.dismissed.clone()?;
            let (kind, subject, at) = match r {
                Rec::Asset(i) => ("asset", a.assets[i].id.clone(), a.assets[i].at.clone()),
                Rec::Supplier(i) => (
                    "supplier",
                    a.suppliers[i].name.clone(),
                    a.suppliers[i].at.clone(),
                ),
                Rec::Purchase(i) => (
                    "purchase",
                    purchase_subject(&a.purchases[i]),
                    a.purchases[i].at.clone(),
                ),
            };
            Some(Dismissal {
                kind,
                subject,
                at,
                party: p.name.clone(),
                reason,
            })
        })
        .collect();
    Report {
        organisation: a.organisation,
        sector: a.sector,
        generated: a.generated,
        registry: a.registry,
        freshness: a.freshness,
        tool: a.tool,
        inputs: a.inputs,
        missing,
        headline,
        exposure,
        by_year: by_year.into_values().collect(),
        frameworks,
        verdicts,
        plan,
        findings,
        dismissed,
        sources,
    }
}

fn finding(
    recs: &Records<'_>,
    r: Rec,
    id: String,
    status: Vec<&'static str>,
    party: &Party,
    traces: &Traces,
) -> Finding {
    let lists: Vec<&str> = {
        let mut l: Vec<&str> = party
            .designations
            .iter()
            .map(|d| d.list_name.as_str())
            .collect();
        l.dedup();
        l
    };
    let listed = if lists.is_empty() {
        String::new()
    } else if lists.len() <= 2 {
        format!("; listed: {}", lists.join("; "))
    } else {
        format!("; listed on {} lists", lists.len())
    };
    let by = if party.family != party.entity.clone().unwrap_or_default() {
        format!("{} (family: {})", party.name, party.family_name)
    } else {
        party.name.clone()
    };
    let mut sources: BTreeSet<String> = BTreeSet::new();
    sources.extend(
        party
            .designations
            .iter()
            .flat_map(|d| d.sources.iter().cloned()),
    );
    sources.extend(party.path.iter().flat_map(|s| s.sources.iter().cloned()));
    let (kind, subject, at, category, site, criticality, summary) = match r {
        Rec::Asset(i) => {
            let a = &recs.assets[i];
            // A category that only the maker's model series gives says
            // so, with the series' sources.
            let series = a.series.filter(|s| s.category == a.category);
            if let Some(s) = series {
                sources.extend(s.sources.iter().cloned());
            }
            let what = match (&a.role, series) {
                (Some(role), _) => role.clone(),
                (None, Some(s)) => {
                    format!("{} ({} series: {})", a.category.label(), s.prefix, s.what)
                }
                (None, None) => a.category.label().to_owned(),
            };
            let brand = match (&a.declared, a.relabelled) {
                (Some(b), true) => format!(", sold as {b}"),
                _ => String::new(),
            };
            let untraced = if traces.untraced(recs.assets, i) {
                "; no purchase explains it"
            } else {
                ""
            };
            (
                "asset",
                a.id.clone(),
                a.at.clone(),
                Some(a.category),
                a.site.clone(),
                Some(a.criticality),
                format!(
                    "{what} made by {by}{brand} (confidence {:.2}){listed}{untraced}",
                    party.confidence
                ),
            )
        }
        Rec::Supplier(i) => {
            let s = &recs.suppliers[i];
            let how = if party.decision == "match" {
                "is"
            } else {
                "resembles"
            };
            (
                "supplier",
                s.name.clone(),
                s.at.clone(),
                None,
                None,
                None,
                format!(
                    "supplier {how} {by} (score {:.2}){listed}",
                    party.confidence
                ),
            )
        }
        Rec::Purchase(i) => {
            let p = &recs.purchases[i];
            let value = p
                .value_eur
                .map(|v| format!(", EUR {}", thousands(v)))
                .unwrap_or_default();
            (
                "purchase",
                purchase_subject(p),
                p.at.clone(),
                Some(p.category),
                None,
                None,
                format!(
                    "{} bought from {} ({by}){value}{listed}",
                    p.category.label(),
                    p.supplier
                ),
            )
        }
    };
    Finding {
        id,
        kind,
        subject,
        at,
        status,
        category,
        site,
        criticality,
        party: party.clone(),
        summary,
        purchase: None,
        devices: Vec::new(),
        rules: Vec::new(),
        sources: sources.into_iter().collect(),
    }
}

/// How a purchase is named in findings: its notice id, else where it was
/// read.
pub fn purchase_subject(p: &Purchase) -> String {
    p.notice.clone().unwrap_or_else(|| p.at.to_string())
}

/// A number with thousands separated by commas, no decimals.
pub(crate) fn thousands(v: f64) -> String {
    let n = v.round() as i64;
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

fn evaluate(
    rule: &Rule,
    a: &Audit<'_>,
    recs: &Records<'_>,
    traces: &Traces,
    exposure: &Exposure,
    index_of: &dyn Fn(Rec) -> Option<usize>,
) -> Verdict {
    let mut v = Verdict {
        rule: rule.id.clone(),
        framework: rule.framework.clone(),
        title: rule.title.clone(),
        status: Status::NotApplicable,
        severity: rule.severity,
        reference: rule.reference.clone(),
        url: rule.url.clone(),
        in_scope: 0,
        evidence: Vec::new(),
        note: String::new(),
        sources: rule.sources.clone(),
        unverified: rule.unverified.clone(),
    };
    if !rule.sectors.is_empty() && !a.sector.is_some_and(|s| rule.sectors.contains(&s)) {
        v.note = "The organisation's sector is outside the rule's scope.".to_owned();
        return v;
    }
    let scope: Vec<Rec> = recs
        .all()
        .filter(|&r| rule.in_scope(recs.kind(r), recs.category(r), recs.criticality(r)))
        .collect();
    v.in_scope = scope.len();
    if scope.is_empty() {
        let kinds: Vec<&str> = rule.applies_to.iter().map(|k| k.as_str()).collect();
        let cats: Vec<&str> = rule.categories.iter().map(|c| c.as_str()).collect();
        v.note = if cats.is_empty() {
            format!("Nothing in scope: no {} given.", kinds.join(" or "))
        } else {
            format!(
                "Nothing in scope: no {} in {}.",
                kinds.join(" or "),
                cats.join(", ")
            )
        };
        return v;
    }
    let fire = |v: &mut Verdict, evidence: Vec<String>, note: String| {
        if evidence.is_empty() {
            v.status = Status::Clear;
        } else {
            v.status = rule.verdict;
            v.evidence = evidence;
        }
        v.note = note;
    };
    match rule.when {
        When::Designated | When::Possible => {
            let hits: Vec<String> = scope
                .iter()
                .filter(|&&r| {
                    recs.party(r).is_some_and(|p| match rule.when {
                        When::Designated => {
                            p.high_risk() && (rule.lists.is_empty() || p.on_any(&rule.lists))
                        }
                        _ => p.possible(),
                    })
                })
                .filter_map(|&r| index_of(r).map(|n| format!("F{}", n + 1)))
                .collect();
            let what = if rule.when == When::Designated {
                if rule.lists.is_empty() {
                    "designated".to_owned()
                } else {
                    format!("on {}", rule.lists.join(", "))
                }
            } else {
                "resembling a designated entity".to_owned()
            };
            let note = format!("{} of {} records in scope {what}.", hits.len(), scope.len());
            fire(&mut v, hits, note);
        }
        When::Untraced => {
            if !traces.judged {
                v.note = "No procurement data was given, so no device can be called untraced."
                    .to_owned();
                return v;
            }
            let hits: Vec<String> = scope
                .iter()
                .filter(|&&r| matches!(r, Rec::Asset(i) if traces.untraced(recs.assets, i)))
                .filter_map(|&r| index_of(r).map(|n| format!("F{}", n + 1)))
                .collect();
            let note = format!(
                "{} devices of designated makers in scope have no traceable purchase.",
                hits.len()
            );
            fire(&mut v, hits, note);
        }
        When::Concentration | When::HighRiskShare => {
            let above = rule.share_above.unwrap_or(1.0);
            let mut hits = Vec::new();
            let mut notes = Vec::new();
            for g in &exposure.by_category {
                let Some(c) = Category::parse(&g.key) else {
                    continue;
                };
                if !rule.categories.is_empty() && !rule.categories.contains(&c) {
                    continue;
                }
                let attributed = g.devices - g.unattributed;
                if attributed == 0 {
                    continue;
                }
                let (share, who) = if rule.when == When::Concentration {
                    let top = &g.families[0];
                    (top.share, top.name.clone())
                } else {
                    (g.share_count, "designated makers".to_owned())
                };
                if share > above {
                    hits.push(format!("category:{}", g.key));
                    notes.push(format!(
                        "{} holds {} of {} ({} devices; HHI {:.0})",
                        who,
                        pct(share),
                        g.label.to_lowercase(),
                        attributed,
                        g.hhi
                    ));
                }
            }
            let note = if notes.is_empty() {
                format!("No category in scope above {}.", pct(above))
            } else {
                format!("{}; the rule's line is {}.", notes.join("; "), pct(above))
            };
            fire(&mut v, hits, note);
        }
    }
    v
}
