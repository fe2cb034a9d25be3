//! What the awards say: each supplier (and buyer) screened against the
//! registry, each award flagged, and concentration per buyer, CPV category, country or
//! year.
//!
//! **Flags on an award:**
//!
//! - `designated-vendor`: a supplier is a registry entity with a
//!   designation in force on itself;
//! - `subsidiary-or-brand`: a supplier has no designation of its own but
//!   is controlled by, or is a brand of, a designated entity (the path says
//!   how);
//! - `state-controlled`: a supplier's ultimate controller is a state body
//!   in the registry (a public body at the top of its path);
//! - `possible-high-risk`: no supplier is high-risk, but one resembles a
//!   designated entity (a `review` match): check it;
//! - `winner-withheld`, `value-withheld`: the notice withholds the winner
//!   (`win-cho`) or the value (`win-ten-val`, `not-val`) from publication;
//! - `no-supplier`: the award names no supplier and does not say it is
//!   withheld;
//! - `high-risk-category`: the award falls in a group whose high-risk
//!   share exceeds the threshold.
//!
//! **Concentration:** awards are grouped (by buyer, CPV code at a level of
//! 2, 3, 5 or 8 digits, buyer country, or year); per group, each
//! supplier's share of the value and of the number of awards, the share of
//! high-risk suppliers (those with a designation in force, directly or
//! through their path), the Herfindahl-Hirschman index (the sum of squared
//! percentage shares, 0 to 10,000; of value shares when values are known,
//! else of counts) and single sourcing (one supplier, two awards or more).
//! Values are compared in euro: an amount in another currency counts only
//! with a rate the user supplies; otherwise the award counts by number and
//! the row says how many values were left out. A consortium is one
//! supplier, its members joined with " + ".

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use derisk_core::{CountryCode, EntityKind};
use derisk_match::{Hit, Query, Scratch, Screener};
use derisk_registry::Registry;

use crate::award::Award;
use crate::cpv;

/// How awards are grouped for concentration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// By buyer name.
    Buyer,
    /// By CPV code, cut to the CPV level.
    Cpv,
    /// By the buyer's country.
    Country,
    /// By the year of the award's date.
    Year,
}

impl Group {
    /// Its name in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Group::Buyer => "buyer",
            Group::Cpv => "cpv",
            Group::Country => "country",
            Group::Year => "year",
        }
    }
}

/// Options of the analysis.
#[derive(Clone, Debug)]
pub struct Options {
    /// Digits of the CPV code that make a category (2, 3, 5 or 8).
    pub cpv_level: usize,
    /// The grouping.
    pub group: Group,
    /// A group whose high-risk share (of value, else of count) is above
    /// this is flagged.
    pub threshold: f64,
    /// Euro per unit of each currency (`GBP` → 1.17), from the user.
    pub rates: HashMap<String, f64>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            cpv_level: 3,
            group: Group::Cpv,
            threshold: 0.5,
            rates: HashMap::new(),
        }
    }
}

/// One award with its screened suppliers and flags.
#[derive(Debug)]
pub struct Flagged<'a, 'r> {
    /// The award.
    pub award: &'a Award,
    /// Per supplier, in order: the registry entities it matches (shared
    /// by every award of that supplier).
    pub matches: Vec<Arc<[Hit<'r>]>>,
    /// The registry entities the buyer matches (a buyer that is, or
    /// belongs to, a listed entity).
    pub buyer_matches: Arc<[Hit<'r>]>,
    /// Its flags, in the order of the module documentation.
    pub flags: Vec<&'static str>,
    /// Whether a supplier is high-risk (a `match` with a designation in
    /// force on it or its path).
    pub high_risk: bool,
    /// Its value in euro, when known.
    pub value_eur: Option<f64>,
}

/// One supplier's part of a group.
#[derive(Clone, Debug, Default)]
pub struct Share {
    /// The supplier as named (members of a consortium joined).
    pub name: String,
    /// Awards won.
    pub awards: u64,
    /// Value won, in euro.
    pub value_eur: f64,
    /// Share of the group's value (of the values known in euro).
    pub share_value: Option<f64>,
    /// Share of the group's awards.
    pub share_count: f64,
    /// Whether it is high-risk.
    pub high_risk: bool,
}

/// One row of the concentration table.
#[derive(Clone, Debug, Default)]
pub struct Row {
    /// The grouping.
    pub group: &'static str,
    /// The group's key (buyer name, CPV code, country, year; `(none)` when
    /// the award does not say).
    pub key: String,
    /// For CPV groups: the code's label and derisk's category.
    pub label: Option<String>,
    /// Awards in the group.
    pub awards: u64,
    /// Their value in euro (of those known).
    pub value_eur: f64,
    /// Awards whose value could not be counted (no value, no currency, or
    /// no rate for it).
    pub values_left_out: u64,
    /// Suppliers, largest share first.
    pub suppliers: Vec<Share>,
    /// Herfindahl-Hirschman index, 0 to 10,000.
    pub hhi: f64,
    /// Share of value won by high-risk suppliers (when values are known).
    pub high_risk_share_value: Option<f64>,
    /// Share of awards won by high-risk suppliers.
    pub high_risk_share_count: f64,
    /// `high-risk-share`, `single-source`.
    pub flags: Vec<&'static str>,
}

/// EU research programme participation of a high-risk vendor family.
#[derive(Clone, Debug, Default)]
pub struct Participation {
    /// The family's head: the top of the participant's path, or the
    /// participant itself.
    pub entity: String,
    /// Distinct projects.
    pub projects: Vec<String>,
    /// EU contribution, in euro.
    pub contribution_eur: f64,
    /// The participants as named.
    pub participants: Vec<String>,
}

/// Alpha-3 codes of the countries procurement data most often names,
/// for the screening's country feature (eForms writes alpha-3). Others are
/// passed over: the name is screened without a country.
const ALPHA3: &[(&str, &str)] = &[
    ("AUT", "AT"),
    ("BEL", "BE"),
    ("BGR", "BG"),
    ("HRV", "HR"),
    ("CYP", "CY"),
    ("CZE", "CZ"),
    ("DNK", "DK"),
    ("EST", "EE"),
    ("FIN", "FI"),
    ("FRA", "FR"),
    ("DEU", "DE"),
    ("GRC", "GR"),
    ("HUN", "HU"),
    ("IRL", "IE"),
    ("ITA", "IT"),
    ("LVA", "LV"),
    ("LTU", "LT"),
    ("LUX", "LU"),
    ("MLT", "MT"),
    ("NLD", "NL"),
    ("POL", "PL"),
    ("PRT", "PT"),
    ("ROU", "RO"),
    ("SVK", "SK"),
    ("SVN", "SI"),
    ("ESP", "ES"),
    ("SWE", "SE"),
    ("ISL", "IS"),
    ("LIE", "LI"),
    ("NOR", "NO"),
    ("CHE", "CH"),
    ("GBR", "GB"),
    ("CHN", "CN"),
    ("HKG", "HK"),
    ("MAC", "MO"),
    ("TWN", "TW"),
    ("USA", "US"),
    ("CAN", "CA"),
    ("JPN", "JP"),
    ("KOR", "KR"),
    ("IND", "IN"),
    ("RUS", "RU"),
    ("TUR", "TR"),
    ("UKR", "UA"),
    ("SRB", "RS"),
    ("ALB", "AL"),
    ("MKD", "MK"),
    ("MNE", "ME"),
    ("BIH", "BA"),
    ("MDA", "MD"),
    ("ISR", "IL"),
    ("ARE", "AE"),
    ("SGP", "SG"),
    ("AUS", "AU"),
];

/// A party's country as a two-letter code, when it is one.
pub fn country(text: &str) -> Option<CountryCode> {
    let t = text.trim().to_ascii_uppercase();
    let t = match t.len() {
        3 => ALPHA3
            .iter()
            .find(|(a, _)| *a == t)
            .map(|(_, b)| (*b).to_owned())?,
        _ => t,
    };
    CountryCode::new(&t).ok()
}

/// A supplier as screened: name, registration number, country.
type SupplierKey<'a> = (&'a str, Option<&'a str>, Option<&'a str>);

/// Screens suppliers (each distinct name, registration and country once)
/// and flags the awards.
pub fn flag<'a, 'r>(
    screener: &Screener<'r>,
    awards: &'a [Award],
    options: &Options,
) -> Vec<Flagged<'a, 'r>> {
    let registry = screener.registry();
    let mut cache: HashMap<SupplierKey<'a>, Arc<[Hit<'r>]>> = HashMap::new();
    let none: Arc<[Hit<'r>]> = Arc::from(Vec::new());
    let mut scratch = Scratch::default();
    let mut out = Vec::with_capacity(awards.len());
    for a in awards {
        let mut screen = |p: &'a crate::Party| -> Arc<[Hit<'r>]> {
            let Some(name) = p.name.as_deref() else {
                return none.clone();
            };
            let key = (name, p.registration.as_deref(), p.country.as_deref());
            cache
                .entry(key)
                .or_insert_with(|| {
                    let q = Query {
                        name,
                        country: p.country.as_deref().and_then(country),
                        identifier: p.registration.as_deref(),
                    };
                    screener
                        .screen(&q, Some(3), &mut scratch)
                        .matches
                        .into_iter()
                        .filter(|h| !h.designations.is_empty() || !h.path.is_empty())
                        .collect::<Vec<_>>()
                        .into()
                })
                .clone()
        };
        let matches: Vec<Arc<[Hit<'r>]>> = a.suppliers.iter().map(&mut screen).collect();
        let buyer_matches = a.buyer.as_ref().map_or_else(|| none.clone(), &mut screen);
        let mut flags = Vec::new();
        let hits = || matches.iter().flat_map(|m| m.iter());
        let is_match = |h: &&Hit<'_>| h.decision == derisk_core::Decision::Match;
        if hits()
            .filter(is_match)
            .any(|h| h.designations.iter().any(|d| d.entity == h.entity.id))
        {
            flags.push("designated-vendor");
        }
        if hits().filter(is_match).any(|h| {
            !h.path.is_empty()
                && !h.designations.iter().any(|d| d.entity == h.entity.id)
                && !h.designations.is_empty()
        }) {
            flags.push("subsidiary-or-brand");
        }
        if hits().filter(is_match).any(|h| state_at_top(registry, h)) {
            flags.push("state-controlled");
        }
        let high_risk = hits().filter(is_match).any(|h| !h.designations.is_empty());
        if !high_risk
            && hits()
                .any(|h| h.decision != derisk_core::Decision::Match && !h.designations.is_empty())
        {
            flags.push("possible-high-risk");
        }
        let withheld =
            |codes: &[&str]| a.withheld.iter().any(|w| codes.contains(&w.field.as_str()));
        if withheld(&["win-cho"]) {
            flags.push("winner-withheld");
        }
        if withheld(&["win-ten-val", "not-val"]) {
            flags.push("value-withheld");
        }
        if a.suppliers.is_empty() && !withheld(&["win-cho"]) {
            flags.push("no-supplier");
        }
        out.push(Flagged {
            award: a,
            matches,
            buyer_matches,
            flags,
            high_risk,
            value_eur: value_eur(a, options),
        });
    }
    out
}

/// Whether the top of a hit's path (or the entity itself) is a state body.
fn state_at_top(registry: &Registry, h: &Hit<'_>) -> bool {
    let top = h
        .path
        .last()
        .and_then(|s| registry.entity(s.entity.as_str()))
        .unwrap_or(h.entity);
    top.kind == EntityKind::PublicBody
}

/// An award's value in euro, when its currency is the euro or has a rate.
pub fn value_eur(a: &Award, options: &Options) -> Option<f64> {
    let v = a.value.as_ref()?;
    let c = v.currency.as_deref()?.to_ascii_uppercase();
    if c == "EUR" {
        return Some(v.amount);
    }
    options.rates.get(&c).map(|r| v.amount * r)
}

/// The group key of an award.
fn key(a: &Award, options: &Options) -> String {
    let none = || "(none)".to_owned();
    match options.group {
        Group::Buyer => a
            .buyer
            .as_ref()
            .and_then(|b| b.name.clone())
            .unwrap_or_else(none),
        Group::Cpv => a
            .cpv
            .first()
            .and_then(|c| cpv::parse(c).ok())
            .map(|c| c.at_level(options.cpv_level))
            .unwrap_or_else(none),
        Group::Country => a
            .buyer
            .as_ref()
            .and_then(|b| b.country.clone())
            .unwrap_or_else(none),
        Group::Year => a
            .date
            .as_deref()
            .and_then(|d| d.get(..4))
            .filter(|y| y.bytes().all(|b| b.is_ascii_digit()))
            .map(str::to_owned)
            .unwrap_or_else(none),
    }
}

/// The supplier of an award as one name.
fn supplier_name(a: &Award) -> String {
    let names: Vec<String> = a
        .suppliers
        .iter()
        .map(|s| match (&s.name, &s.local_id) {
            (Some(n), _) => n.clone(),
            (None, Some(id)) => format!("({id}, not defined)"),
            (None, None) => "(unnamed)".into(),
        })
        .collect();
    if names.is_empty() {
        "(none)".into()
    } else {
        names.join(" + ")
    }
}

/// Concentration rows, and sets `high-risk-category` on the awards in
/// rows above the threshold. Programme participations (CORDIS) are not
/// purchases and are left out.
pub fn concentration(flagged: &mut [Flagged<'_, '_>], options: &Options) -> Vec<Row> {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, f) in flagged.iter().enumerate() {
        if f.award.programme.is_some() {
            continue;
        }
        groups.entry(key(f.award, options)).or_default().push(i);
    }
    let mut rows = Vec::new();
    for (k, members) in groups {
        let mut suppliers: BTreeMap<String, Share> = BTreeMap::new();
        let mut row = Row {
            group: options.group.as_str(),
            label: (options.group == Group::Cpv && k != "(none)").then(|| {
                let label = cpv::label(&k).unwrap_or("");
                match cpv::category(&k) {
                    Some(c) if label.is_empty() => c.to_owned(),
                    Some(c) => format!("{label} ({c})"),
                    None => label.to_owned(),
                }
            }),
            key: k,
            ..Row::default()
        };
        let (mut hr_value, mut hr_count) = (0.0, 0u64);
        for &i in &members {
            let f = &flagged[i];
            row.awards += 1;
            let s = suppliers
                .entry(supplier_name(f.award))
                .or_insert_with(|| Share {
                    name: supplier_name(f.award),
                    ..Share::default()
                });
            s.awards += 1;
            s.high_risk |= f.high_risk;
            match f.value_eur {
                Some(v) => {
                    row.value_eur += v;
                    s.value_eur += v;
                    if f.high_risk {
                        hr_value += v;
                    }
                }
                None => row.values_left_out += 1,
            }
            if f.high_risk {
                hr_count += 1;
            }
        }
        let n = row.awards as f64;
        let mut list: Vec<Share> = suppliers.into_values().collect();
        for s in &mut list {
            s.share_count = s.awards as f64 / n;
            s.share_value = (row.value_eur > 0.0).then(|| s.value_eur / row.value_eur);
        }
        list.sort_by(|a, b| {
            b.share_value
                .unwrap_or(b.share_count)
                .total_cmp(&a.share_value.unwrap_or(a.share_count))
                .then_with(|| a.name.cmp(&b.name))
        });
        row.hhi = list
            .iter()
            .map(|s| {
                let p = 100.0 * s.share_value.unwrap_or(s.share_count);
                p * p
            })
            .sum();
        row.high_risk_share_count = hr_count as f64 / n;
        row.high_risk_share_value = (row.value_eur > 0.0).then(|| hr_value / row.value_eur);
        let share = row
            .high_risk_share_value
            .unwrap_or(row.high_risk_share_count);
        if share > options.threshold {
            row.flags.push("high-risk-share");
            for &i in &members {
                flagged[i].flags.push("high-risk-category");
            }
        }
        if list.len() == 1 && row.awards >= 2 && list[0].name != "(none)" {
            row.flags.push("single-source");
        }
        row.suppliers = list;
        rows.push(row);
    }
    rows
}

/// Programme participation (CORDIS rows) per high-risk vendor family.
pub fn programmes(registry: &Registry, flagged: &[Flagged<'_, '_>]) -> Vec<Participation> {
    let mut by: BTreeMap<String, Participation> = BTreeMap::new();
    for f in flagged
        .iter()
        .filter(|f| f.award.programme.is_some() && f.high_risk)
    {
        let Some(h) = f
            .matches
            .iter()
            .flat_map(|m| m.iter())
            .find(|h| h.decision == derisk_core::Decision::Match && !h.designations.is_empty())
        else {
            continue;
        };
        let head = h
            .path
            .last()
            .and_then(|s| registry.entity(s.entity.as_str()))
            .filter(|e| e.kind != EntityKind::PublicBody)
            .unwrap_or(h.entity);
        let p = by
            .entry(head.id.to_string())
            .or_insert_with(|| Participation {
                entity: head.id.to_string(),
                ..Participation::default()
            });
        if let Some(id) = &f.award.notice_id
            && !p.projects.contains(id)
        {
            p.projects.push(id.clone());
        }
        p.contribution_eur += f.value_eur.unwrap_or(0.0);
        let name = supplier_name(f.award);
        if !p.participants.contains(&name) {
            p.participants.push(name);
        }
    }
    by.into_values().collect()
}
