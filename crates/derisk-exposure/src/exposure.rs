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

/// One family's part of a partial tally.
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct FamilyTally {
    /// The family's name.
    pub name: String,
    /// Its devices.
    pub devices: usize,
    /// The value of its devices, in euro.
    pub value_eur: f64,
    /// Whether the family is designated.
    pub high_risk: bool,
}

/// What a group's devices add up to before shares are taken: counts,
/// values and per-family tallies, all of which merge by addition, so that
/// the devices can be tallied in partitions (files, shards, workers) and
/// merged in any order before [`Tally::finish`] takes the shares, the HHI
/// and the single-source flag.
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Tally {
    /// Devices.
    pub devices: usize,
    /// Devices whose maker no evidence names.
    pub unattributed: usize,
    /// Devices of designated makers.
    pub high_risk: usize,
    /// Value of the attributed devices with a value, in euro.
    pub value_eur: f64,
    /// Value of the high-risk ones.
    pub high_risk_value_eur: f64,
    /// Whether any attributed device has a value.
    pub valued: bool,
    /// High-risk devices no purchase explains.
    pub untraced: usize,
    /// Per family key (registry id, or `vendor:NAME`).
    pub families: BTreeMap<String, FamilyTally>,
}

impl Tally {
    /// Adds one device; `untraced` says whether it is high-risk with no
    /// purchase ([`Traces::untraced`]).
    pub fn add(&mut self, a: &Asset, untraced: bool) {
        self.devices += 1;
        let Some(m) = &a.maker else {
            self.unattributed += 1;
            return;
        };
        let high = m.high_risk();
        let value = a.value_eur.unwrap_or(0.0);
        self.valued |= a.value_eur.is_some();
        self.value_eur += value;
        if high {
            self.high_risk += 1;
            self.high_risk_value_eur += value;
        }
        if untraced {
            self.untraced += 1;
        }
        let f = self
            .families
            .entry(m.family.clone())
            .or_insert_with(|| FamilyTally {
                name: m.family_name.clone(),
                ..FamilyTally::default()
            });
        f.devices += 1;
        f.value_eur += value;
        f.high_risk |= high;
    }

    /// Adds another partition's tally of the same group.
    pub fn merge(&mut self, other: Tally) {
        self.devices += other.devices;
        self.unattributed += other.unattributed;
        self.high_risk += other.high_risk;
        self.value_eur += other.value_eur;
        self.high_risk_value_eur += other.high_risk_value_eur;
        self.valued |= other.valued;
        self.untraced += other.untraced;
        for (key, f) in other.families {
            let mine = self.families.entry(key).or_insert_with(|| FamilyTally {
                name: f.name.clone(),
                ..FamilyTally::default()
            });
            mine.devices += f.devices;
            mine.value_eur += f.value_eur;
            mine.high_risk |= f.high_risk;
        }
    }

    /// The group: shares of the attributed devices, by count and by value,
    /// the HHI of the families' shares and whether one family makes all.
    pub fn finish(self, key: String, label: String) -> Group {
        let mut g = Group {
            key,
            label,
            devices: self.devices,
            unattributed: self.unattributed,
            high_risk: self.high_risk,
            share_count: 0.0,
            value_eur: self.value_eur,
            high_risk_value_eur: self.high_risk_value_eur,
            share_value: None,
            hhi: 0.0,
            single_source: false,
            untraced: self.untraced,
            families: Vec::new(),
        };
        let attributed = g.devices - g.unattributed;
        if attributed > 0 {
            g.share_count = g.high_risk as f64 / attributed as f64;
            let mut list: Vec<FamilyShare> = self
                .families
                .into_iter()
                .map(|(family, f)| FamilyShare {
                    family,
                    name: f.name,
                    devices: f.devices,
                    share: f.devices as f64 / attributed as f64,
                    value_eur: f.value_eur,
                    high_risk: f.high_risk,
                })
                .collect();
            g.hhi = list.iter().map(|f| (f.share * 100.0).powi(2)).sum::<f64>();
            list.sort_by(|a, b| b.devices.cmp(&a.devices).then(a.name.cmp(&b.name)));
            g.single_source = list.len() == 1 && attributed >= 2;
            g.families = list;
        }
        if self.valued && g.value_eur > 0.0 {
            g.share_value = Some(g.high_risk_value_eur / g.value_eur);
        }
        g
    }
}

/// The exposure of a partition of the devices, before it is finished:
/// one [`Tally`] per category, site and criticality. Partials of disjoint
/// partitions merge ([`Partial::merge`]); the merged partial finishes
/// ([`Partial::finish`]) to the same exposure as the whole, so the
/// measuring can run per partition on a distributed engine.
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Partial {
    /// By category.
    pub by_category: BTreeMap<Category, Tally>,
    /// By site (the empty key for none given).
    pub by_site: BTreeMap<String, Tally>,
    /// By criticality.
    pub by_criticality: BTreeMap<Criticality, Tally>,
}

impl Partial {
    /// Tallies `assets`; `untraced(i)` says whether the device at `i` is
    /// high-risk with no purchase.
    pub fn of(assets: &[Asset], untraced: impl Fn(usize) -> bool) -> Partial {
        let mut p = Partial::default();
        for (i, a) in assets.iter().enumerate() {
            p.add(a, untraced(i));
        }
        p
    }

    /// Adds one device.
    pub fn add(&mut self, a: &Asset, untraced: bool) {
        self.by_category
            .entry(a.category)
            .or_default()
            .add(a, untraced);
        self.by_site
            .entry(a.site.clone().unwrap_or_default())
            .or_default()
            .add(a, untraced);
        self.by_criticality
            .entry(a.criticality)
            .or_default()
            .add(a, untraced);
    }

    /// Adds another partition's partial.
    pub fn merge(&mut self, other: Partial) {
        for (k, t) in other.by_category {
            self.by_category.entry(k).or_default().merge(t);
        }
        for (k, t) in other.by_site {
            self.by_site.entry(k).or_default().merge(t);
        }
        for (k, t) in other.by_criticality {
            self.by_criticality.entry(k).or_default().merge(t);
        }
    }

    /// The groups: categories and criticalities in their order, sites with
    /// the most high-risk devices first.
    pub fn finish(self) -> Exposure {
        let mut sites: Vec<Group> = self
            .by_site
            .into_iter()
            .map(|(site, t)| {
                let label = if site.is_empty() {
                    "(no site given)".to_owned()
                } else {
                    site.clone()
                };
                t.finish(site, label)
            })
            .collect();
        sites.sort_by(|a, b| {
            b.high_risk
                .cmp(&a.high_risk)
                .then(b.devices.cmp(&a.devices))
                .then(a.key.cmp(&b.key))
        });
        Exposure {
            by_category: self
                .by_category
                .into_iter()
                .map(|(c, t)| t.finish(c.as_str().to_owned(), c.label().to_owned()))
                .collect(),
            by_site: sites,
            by_criticality: self
                .by_criticality
                .into_iter()
                .map(|(c, t)| t.finish(c.as_str().to_owned(), c.label().to_owned()))
                .collect(),
        }
    }
}

/// Groups the devices: [`Partial::of`] the whole, finished.
pub fn exposure(assets: &[Asset], traces: &Traces) -> Exposure {
    Partial::of(assets, |i| traces.untraced(assets, i)).finish()
}
