//! Who made a device, from its MAC address and the brand the operator
//! declared.
//!
//! The evidence, each item with its basis:
//!
//! - **`oui`**: the MAC address's longest IEEE prefix (MA-S, MA-M, MA-L)
//!   in the registry's MAC blocks (or an imported IEEE registry). A block
//!   held by a registry entity names that entity; a block held by another
//!   organisation names it without linking it; a locally administered
//!   (randomised) or group address names no one.
//! - **`declared`**: `declared_vendor` and `onvif.manufacturer`, linked to a
//!   registry entity when the name, folded (case, punctuation and legal
//!   forms ignored), is one of that entity's names, and only then: a
//!   brand the registry does not know stays a brand.
//! - **`oem`**: the IEEE block's holder is a registry vendor, and the
//!   declared brand is neither that vendor nor one it controls or that
//!   controls it: the device is sold under another brand (white label).
//!
//! The maker is the IEEE block's registry holder when there is one, else
//! the declared entity. Confidence: 0.95 when a block and the declared
//! brand agree (same entity or same control family), 0.9 for a block
//! alone or against another brand (`oem`), 0.6 for a declared brand
//! alone. Fingerprint rules on banners and device answers come with the
//! rest of the device-identification issue.

use std::collections::HashMap;

use derisk_core::{DesignationRef, Entity, PathStep};
use derisk_registry::{ControlRules, MacLookup, Registry, fold_assignee};

use crate::observation::{Device, Field};

/// Confidence when the IEEE block and the declared brand agree.
pub const AGREE: f64 = 0.95;
/// Confidence from the IEEE block alone, or against another brand.
pub const OUI: f64 = 0.9;
/// Confidence from a declared brand alone.
pub const DECLARED: f64 = 0.6;

/// One piece of evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct Evidence {
    /// `oui`, `declared` or `oem`.
    pub basis: &'static str,
    /// The field it was read from.
    pub field: Field,
    /// The value as read.
    pub value: String,
    /// The registry entity it names, if any.
    pub entity: Option<String>,
    /// What it says, in words.
    pub statement: String,
}

/// What derisk concludes about one device.
#[derive(Clone, Debug)]
pub struct Verdict<'r> {
    /// The maker, if the evidence names a registry entity.
    pub maker: Option<&'r Entity>,
    /// Confidence in the maker, 0 without one.
    pub confidence: f64,
    /// The bases the maker rests on, strongest first.
    pub basis: Vec<&'static str>,
    /// Every piece of evidence, including what names no one.
    pub evidence: Vec<Evidence>,
    /// The path from the maker to its ultimate controller.
    pub path: Vec<PathStep>,
    /// The designations in force on the maker and along the path.
    pub designations: Vec<DesignationRef>,
}

/// Identifies devices against one registry.
#[derive(Debug)]
pub struct Identifier<'r> {
    registry: &'r Registry,
    rules: ControlRules,
    /// Folded names to the entities that carry them.
    names: HashMap<String, Vec<&'r Entity>>,
}

impl<'r> Identifier<'r> {
    /// Indexes `registry`'s names for declared brands.
    pub fn new(registry: &'r Registry, rules: ControlRules) -> Identifier<'r> {
        let mut names: HashMap<String, Vec<&Entity>> = HashMap::new();
        for e in registry.entities() {
            for n in &e.names {
                let key = fold_assignee(&n.value);
                if key.len() >= 3 {
                    let list = names.entry(key).or_default();
                    if !list.iter().any(|x| x.id == e.id) {
                        list.push(e);
                    }
                }
            }
        }
        Identifier {
            registry,
            rules,
            names,
        }
    }

    /// The registry entity a declared name is, when exactly one entity
    /// carries it.
    fn declared(&self, name: &str) -> Option<&'r Entity> {
        match self.names.get(&fold_assignee(name)).map(Vec::as_slice) {
            Some([one]) => Some(one),
            _ => None,
        }
    }

    /// Whether `a` and `b` are one entity, or one controls the other.
    fn same_family(&self, a: &Entity, b: &Entity) -> bool {
        if a.id == b.id {
            return true;
        }
        let controls = |x: &Entity, y: &Entity| {
            self.registry
                .control(x.id.as_str(), self.rules)
                .is_some_and(|c| c.controllers.iter().any(|k| k.entity.id == y.id))
        };
        controls(a, b) || controls(b, a)
    }

    /// The verdict on one device.
    pub fn identify(&self, device: &Device) -> Verdict<'r> {
        let mut evidence = Vec::new();
        let mut block_holder = None;
        if let Some(mac) = device.get(Field::Mac) {
            let (entity, statement) = match self.registry.mac_lookup(mac) {
                MacLookup::Entity(block, e) => {
                    block_holder = Some(e);
                    (
                        Some(e.id.to_string()),
                        format!(
                            "{} {} is assigned to {:?}, that is {}",
                            block.registry, block.prefix, block.assignee, e.caption
                        ),
                    )
                }
                MacLookup::Assigned(a) => (
                    None,
                    format!(
                        "{} {} is assigned to {:?}, not a registry entity",
                        a.registry, a.prefix, a.assignee
                    ),
                ),
                MacLookup::Local => (
                    None,
                    "locally administered (set by its owner or randomised): names no maker".into(),
                ),
                MacLookup::Group => (None, "a multicast or broadcast address: names no device".into()),
                MacLookup::Invalid => (None, "not a MAC address (12 hexadecimal digits expected)".into()),
                MacLookup::Unknown => (
                    None,
                    "no IEEE assignment known for it (the built-in blocks cover the registry's vendors; add a whole IEEE registry with --ieee)".into(),
                ),
            };
            evidence.push(Evidence {
                basis: "oui",
                field: Field::Mac,
                value: mac.to_owned(),
                entity,
                statement,
            });
        }
        let mut declared_entity = None;
        for field in [Field::DeclaredVendor, Field::OnvifManufacturer] {
            let Some(name) = device.get(field) else {
                continue;
            };
            let e = self.declared(name);
            declared_entity = declared_entity.or(e);
            evidence.push(Evidence {
                basis: "declared",
                field,
                value: name.to_owned(),
                entity: e.map(|e| e.id.to_string()),
                statement: match e {
                    Some(e) => format!("declared {name:?}, that is {}", e.caption),
                    None => format!("declared {name:?}, a brand the registry does not hold"),
                },
            });
        }
        let declared_brand = evidence
            .iter()
            .find(|e| e.basis == "declared")
            .map(|e| e.value.clone());
        let (maker, confidence, basis) = match (block_holder, declared_entity, declared_brand) {
            (Some(h), Some(d), _) if self.same_family(h, d) => {
                (Some(h), AGREE, vec!["oui", "declared"])
            }
            (Some(h), _, Some(brand)) => {
                evidence.push(Evidence {
                    basis: "oem",
                    field: Field::DeclaredVendor,
                    value: brand.clone(),
                    entity: Some(h.id.to_string()),
                    statement: format!(
                        "sold as {brand:?}, but its MAC block is {}'s: made by {} under another brand",
                        h.caption, h.caption
                    ),
                });
                (Some(h), OUI, vec!["oui", "oem"])
            }
            (Some(h), _, None) => (Some(h), OUI, vec!["oui"]),
            (None, Some(d), _) => (Some(d), DECLARED, vec!["declared"]),
            (None, None, _) => (None, 0.0, Vec::new()),
        };
        let (path, designations) = maker
            .map(|m| derisk_match::behind(self.registry, m, self.rules))
            .unwrap_or_default();
        Verdict {
            maker,
            confidence,
            basis,
            evidence,
            path,
            designations,
        }
    }
}
