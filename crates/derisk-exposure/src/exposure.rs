//! Shares and concentration of the organisation's devices, and the
//! purchases that put them there.
//!
//! Devices are grouped by category, by site and by criticality. In each
//! group:
//!
//! - a device counts for its maker's **family** (the nearest designated
//!   entity on the maker's path, else the maker; a vendor outside the
//!   registry counts as itself); devices whose maker no evidence names
//!   are counted as unattributed and left out of the shares;
//! - `share_count` is the high-risk devices' share of the attributed
//!   devices, `share_value` the same by value when values are given;
//! - `hhi` is the Herfindahl-Hirschman index of the families' shares by
//!   count, in percent squared (0 to 10,000; 10,000 is one family);
//! - `single_source` is set when one family makes every attributed device
//!   of a group of two or more.
//!
//! A device is **traced** to a purchase when its record names the
//! purchase (an order, contract or notice id equal to the award's notice
//! id, or to the notice id followed by the lot), else **inferred** when an
//! award of a fitting category ([`fits`]) went to a supplier of the same family as the
//! device's maker, or to a supplier whose name starts with the device's
//! declared brand. A high-risk device with neither is **untraced**: no
//! purchase the organisation gave explains how it got there. Without any
//! procurement data nothing is called untraced.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::category::{Category, Criticality};
use crate::model::{Asset, Purchase};

/// One maker family's part of a group.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FamilyShare {
    /// The family's key (registry id, or `vendor:NAME`).
    pub family: String,
    /// Its name.
    pub name: String,
    /// Its devices.
    pub devices: usize,
    /// Its share of the attributed devices.
    pub share: f64,
    /// The value of its devices, in euro.
    pub value_eur: f64,
    /// Whether the family is designated.
    pub high_risk: bool,
}

/// One group of devices.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Group {
    /// The category, site or criticality.
    pub key: String,
    /// A label for people.
    pub label: String,
    /// Devices in the group.
    pub devices: usize,
    /// Devices whose maker no evidence names.
    pub unattributed: usize,
    /// Devices of designated makers.
    pub high_risk: usize,
    /// High-risk devices' share of the attributed ones.
    pub share_count: f64,
    /// Value of the devices with a value, in euro.
    pub value_eur: f64,
    /// Value of the high-risk ones.
    pub high_risk_value_eur: f64,
    /// High-risk share by value, when any device has a value.
    pub share_value: Option<f64>,
    /// Herfindahl-Hirschman index of the families (0 to 10,000).
    pub hhi: f64,
    /// Whether one family makes all attributed devices (two or more).
    pub single_source: bool,
    /// High-risk devices no purchase explains.
    pub untraced: usize,
    /// The families, largest first.
    pub families: Vec<FamilyShare>,
}

/// How a device is tied to a purchase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Link {
    /// The device's record names the purchase.
    Named,
    /// A purchase of the same family and category.
    Inferred,
}

/// The purchase of each device.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Traces {
    /// Per device (index into the assets), its purchase (index into the
    /// purchases) and how it is tied.
    pub of_asset: Vec<Option<(usize, Link)>>,
    /// Whether any purchase was given.
    pub judged: bool,
}

impl Traces {
    /// Whether the device at `i` is high-risk with no purchase.
    pub fn untraced(&self, assets: &[Asset], i: usize) -> bool {
        self.judged
            && self.of_asset[i].is_none()
            && assets[i].maker.as_ref().is_some_and(|m| m.high_risk())
    }
}

/// Folds a name or id for comparison: lower case letters and digits.
fn fold(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether a purchase of category `bought` can have put a device of
/// category `device` there: the same category, a purchase of no known
/// category, or network equipment for the network's parts (CPV has no
/// codes of its own for radio access and core networks).
pub fn fits(bought: Category, device: Category) -> bool {
    bought == device
        || bought == Category::Other
        || (bought == Category::Network
            && matches!(device, Category::RadioAccess | Category::CoreNetwork))
}

/// Ties each device to a purchase, as the module documentation says.
pub fn trace(assets: &[Asset], purchases: &[Purchase]) -> Traces {
    // A reference to a notice of several lots names its first lot.
    let mut by_ref: BTreeMap<String, usize> = BTreeMap::new();
    for (i, p) in purchases.iter().enumerate() {
        if let Some(n) = &p.notice {
            let mut keys = vec![fold(n)];
            if let Some(l) = &p.lot {
                keys.push(fold(&format!("{n}{l}")));
            }
            for k in keys.into_iter().filter(|k| !k.is_empty()) {
                by_ref.entry(k).or_insert(i);
            }
        }
    }
    // Purchases by the family of their supplier (matches only), and by
    // their supplier's folded name, sorted, for the brand prefix test.
    let mut by_family: std::collections::HashMap<&str, Vec<usize>> =
        std::collections::HashMap::new();
    for (i, p) in purchases.iter().enumerate() {
        if let Some(s) = p.party.as_ref().filter(|s| s.decision == "match") {
            by_family.entry(s.family.as_str()).or_default().push(i);
        }
    }
    let mut by_name: Vec<(String, usize)> = purchases
        .iter()
        .enumerate()
        .map(|(i, p)| (fold(&p.supplier), i))
        .collect();
    by_name.sort();
    let of_asset = assets
        .iter()
        .map(|a| {
            if let Some(r) = &a.purchase
                && let Some(&i) = by_ref.get(&fold(r))
            {
                return Some((i, Link::Named));
            }
            let maker = a.maker.as_ref()?;
            let fitting = |&i: &usize| fits(purchases[i].category, a.category);
            let by_family = by_family
                .get(maker.family.as_str())
                .and_then(|list| list.iter().copied().find(fitting));
            let by_brand = a
                .declared
                .as_deref()
                .map(fold)
                .filter(|b| b.len() >= 3)
                .and_then(|b| {
                    let from = by_name.partition_point(|(n, _)| n.as_str() < b.as_str());
                    by_name[from..]
                        .iter()
                        .take_while(|(n, _)| n.starts_with(b.as_str()))
                        .map(|(_, i)| *i)
                        .filter(fitting)
                        .min()
                });
            // The first purchase, in the order given, of either kind.
            match (by_family, by_brand) {
                (Some(x), Some(y)) => Some(x.min(y)),
                (x, y) => x.or(y),
            }
            .map(|i| (i, Link::Inferred))
        })
        .collect();
    Traces {
        of_asset,
        judged: !purchases.is_empty(),
    }
}

/// Groups of devices by category, site and criticality.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Exposure {
    /// By category, in the category order.
    pub by_category: Vec<Group>,
    /// By site, most high-risk devices first.
    pub by_site: Vec<Group>,
    /// By criticality: core, edge, not given.
    pub by_criticality: Vec<Group>,
}

/// Builds one group from the devices at `members`.
fn group(
    key: String,
    label: String,
    assets: &[Asset],
    members: &[usize],
    traces: &Traces,
) -> Group {
    let mut families: BTreeMap<String, FamilyShare> = BTreeMap::new();
    let mut g = Group {
        key,
        label,
        devices: members.len(),
        unattributed: 0,
        high_risk: 0,
        share_count: 0.0,
        value_eur: 0.0,
        high_risk_value_eur: 0.0,
        share_value: None,
        hhi: 0.0,
        single_source: false,
        untraced: 0,
        families: Vec::new(),
    };
    let mut valued = false;
    for &i in members {
        let a = &assets[i];
        let Some(m) = &a.maker else {
            g.unattributed += 1;
            continue;
        };
        let high = m.high_risk();
        let value = a.value_eur.unwrap_or(0.0);
        valued |= a.value_eur.is_some();
        g.value_eur += value;
        if high {
            g.high_risk += 1;
            g.high_risk_value_eur += value;
        }
        if traces.untraced(assets, i) {
            g.untraced += 1;
        }
        let f = families
            .entry(m.family.clone())
            .or_insert_with(|| FamilyShare {
                family: m.family.clone(),
                name: m.family_name.clone(),
                devices: 0,
                share: 0.0,
                value_eur: 0.0,
                high_risk: false,
            });
        f.devices += 1;
        f.value_eur += value;
        f.high_risk |= high;
    }
    let attributed = g.devices - g.unattributed;
    if attributed > 0 {
        g.share_count = g.high_risk as f64 / attributed as f64;
        let mut list: Vec<FamilyShare> = families.into_values().collect();
        for f in &mut list {
            f.share = f.devices as f64 / attributed as f64;
        }
        g.hhi = list.iter().map(|f| (f.share * 100.0).powi(2)).sum::<f64>();
        list.sort_by(|a, b| b.devices.cmp(&a.devices).then(a.name.cmp(&b.name)));
        g.single_source = list.len() == 1 && attributed >= 2;
        g.families = list;
    }
    if valued && g.value_eur > 0.0 {
        g.share_value = Some(g.high_risk_value_eur / g.value_eur);
    }
    g
}

/// Groups the devices.
pub fn exposure(assets: &[Asset], traces: &Traces) -> Exposure {
    let mut by_category: BTreeMap<Category, Vec<usize>> = BTreeMap::new();
    let mut by_site: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut by_criticality: BTreeMap<Criticality, Vec<usize>> = BTreeMap::new();
    for (i, a) in assets.iter().enumerate() {
        by_category.entry(a.category).or_default().push(i);
        by_site
            .entry(a.site.clone().unwrap_or_default())
            .or_default()
            .push(i);
        by_criticality.entry(a.criticality).or_default().push(i);
    }
    let mut sites: Vec<Group> = by_site
        .into_iter()
        .map(|(site, members)| {
            let label = if site.is_empty() {
                "(no site given)".to_owned()
            } else {
                site.clone()
            };
            group(site, label, assets, &members, traces)
        })
        .collect();
    sites.sort_by(|a, b| {
        b.high_risk
            .cmp(&a.high_risk)
            .then(b.devices.cmp(&a.devices))
            .then(a.key.cmp(&b.key))
    });
    let named = |key: &str, label: &str, members: Vec<usize>| {
        group(key.to_owned(), label.to_owned(), assets, &members, traces)
    };
    Exposure {
        by_category: by_category
            .into_iter()
            .map(|(c, members)| named(c.as_str(), c.label(), members))
            .collect(),
        by_site: sites,
        by_criticality: by_criticality
            .into_iter()
            .map(|(c, members)| named(c.as_str(), c.label(), members))
            .collect(),
    }
}
