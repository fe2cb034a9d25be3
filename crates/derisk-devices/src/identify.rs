//! Who made a device: from fingerprints of what it answers, the IEEE
//! block of its MAC address, and the brand the operator declared.
//!
//! The evidence, each item with its basis:
//!
//! - **`fingerprint`**: a rule of `data/fingerprints/` matched one of the
//!   device's banners or answers (an ISAPI answer in Hikvision's namespace,
//!   a Dahua `updateSerial`, a VRP sysDescr, an enterprise number), naming a
//!   vendor and, with its captures, the model and firmware.
//! - **`nmap-service`**: nmap's service detection (`nmap -sV`) named the
//!   product on a port ("Hikvision IP camera httpd", `nmap_product`) or
//!   gave a CPE name (`cpe:/h:huawei:hg532e`, `cpe`) from nmap's own probe
//!   database. The product's first one to three words, or the CPE's vendor
//!   part, are linked to a registry entity as an announced brand is (below).
//!   It ranks after a derisk fingerprint and before a MAC block, and the
//!   finding says that nmap named it.
//! - **`banner-name`**: a banner, header, sysDescr, certificate, nmap
//!   product or model writes the name of one of the registry's device
//!   makers ("SSH-2.0-HUAWEI-1.5", "ZTE Corporation") or a product line
//!   that is that maker's own ("ZXR10", "EchoLife"), outside a known
//!   look-alike ("Huawei-3Com"); see [`crate::banner_names`] for what
//!   counts. A field a rule or nmap already read as naming the same family
//!   adds nothing. It ranks after nmap's service detection.
//! - **`oui`**: the MAC address's longest IEEE prefix (MA-S, MA-M, MA-L)
//!   in the registry's MAC blocks (or an imported IEEE registry). A block
//!   held by a registry entity names that entity; a block held by another
//!   organisation names it without linking it; a locally administered
//!   (randomised) or group address names no one.
//! - **`declared`**: `declared_vendor` and `onvif.manufacturer`, linked to a
//!   registry entity when the name, folded (case, punctuation and legal
//!   forms ignored), is one of that entity's names, and only then: a
//!   brand the registry does not know stays a brand. The brand a device
//!   announces itself (the name scope of its WS-Discovery reply, the
//!   `Vendor` of its DHIP reply) counts the same way, its first one to
//!   three words compared ("HIKVISION DS-2CD2385G1-I" is Hikvision).
//!   Placeholders ("Unknown", "N/A", "Generic", "General", "OEM") are no
//!   brand and are passed over.
//! - **`oem`**: the maker found above is not the declared brand, nor the
//!   holder of the MAC block, nor in their control family: the device is
//!   sold (or fitted with a network card) under another name. Also: the
//!   declared brand, or the holder of the MAC block, is a brand known to
//!   relabel a registry vendor's devices (`data/oem/relabels.toml`, each
//!   relationship with its sources).
//!
//! The maker is the registry entity named by the strongest fingerprint,
//! else by nmap's service detection, else by a name in a banner, else by
//! the MAC block, else by a known relabel relationship of the declared
//! brand, else by the declared brand. A MAC block held by the
//! relabelling brand itself ranks below the relationship: relabellers
//! often register their own blocks, which says who sold the device, not
//! who made it. A relationship that covers only some of a brand's lines
//! names no maker alone; it supports one other evidence names.
//!
//! The maker's confidence is that of the strongest evidence naming it (a
//! rule's own confidence; 0.92 for nmap's service detection; 0.85 for a
//! maker's name in a banner and 0.8 for its product line; 0.9 for a MAC
//! block; 0.5 for a current relabel relationship, 0.4 for a former one;
//! 0.6 for a declared brand alone), plus 0.05 for each other basis that
//! names the same control family, at most 0.99, in hundredths. A device whose evidence names only vendors outside the
//! registry gets no maker but the vendor's name.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use derisk_core::{DesignationRef, Entity, EntityKind, PathStep};
use derisk_exposure::category::{ModelSeries, Series};
use derisk_registry::{ControlRules, MacLookup, Registry, fold_assignee};

use crate::banner_names::{BannerNames, Lookalikes};
use crate::fingerprint::Rules;
use crate::observation::{Device, Field};
use crate::relabel::{Extent, Relabel, Relabels, Status};

/// Confidence of a MAC block naming its holder.
pub const OUI: f64 = 0.9;
/// Confidence of nmap's service detection naming a product or a CPE
/// vendor: above a MAC block (it read what the device answers), below
/// derisk's strongest rules (nmap's probe database is not sourced rule by
/// rule).
pub const NMAP_SERVICE: f64 = 0.92;
/// The fields whose text may name a maker or its product line: banners,
/// headers, descriptions, certificates, nmap's names, and the model as
/// declared or reported. Only device makers' names are looked for (see
/// [`crate::banner_names`]), so a certificate that names its operator (a
/// port, a carrier) names no maker.
pub const BANNERS: &[Field] = &[
    Field::HttpServer,
    Field::HttpWwwAuthenticate,
    Field::HttpTitle,
    Field::RtspServer,
    Field::SshBanner,
    Field::TelnetBanner,
    Field::FtpBanner,
    Field::SipUserAgent,
    Field::SipServer,
    Field::SnmpSysdescr,
    Field::SnmpEnterprise,
    Field::TlsSubject,
    Field::TlsIssuer,
    Field::SsdpServer,
    Field::DhcpVendorClass,
    Field::NmapProduct,
    Field::NmapExtrainfo,
    Field::DeclaredModel,
    Field::OnvifModel,
];
/// Confidence of a declared brand alone.
pub const DECLARED: f64 = 0.6;
/// Added for each further basis naming the same control family.
pub const AGREEMENT: f64 = 0.05;
/// The highest confidence.
pub const MAX: f64 = 0.99;

/// One piece of evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct Evidence {
    /// `fingerprint`, `nmap-service`, `oui`, `declared` or `oem`.
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
    /// The vendor's name when no registry entity is named but a
    /// fingerprint or an IEEE assignment names one.
    pub vendor: Option<String>,
    /// The model, from a fingerprint's capture, else as declared.
    pub model: Option<String>,
    /// The firmware version, from a fingerprint's capture.
    pub firmware: Option<String>,
    /// The maker's product line a banner named ("ZXHN", "EchoLife"), a
    /// model series of `data/categories/model-series.toml`: what kind of
    /// equipment it is when no model says so.
    pub line: Option<&'static Series>,
    /// Confidence in the maker, 0 without one.
    pub confidence: f64,
    /// The bases the maker rests on, strongest first.
    pub basis: Vec<&'static str>,
    /// Every piece of evidence, including what names no one.
    pub evidence: Vec<Evidence>,
    /// What is behind the maker (shared by every device it made).
    behind: Option<Arc<Behind>>,
}

impl Verdict<'_> {
    /// The path from the maker to its ultimate controller.
    pub fn path(&self) -> &[PathStep] {
        self.behind.as_ref().map_or(&[], |b| &b.path)
    }

    /// The designations in force on the maker and along the path.
    pub fn designations(&self) -> &[DesignationRef] {
        self.behind.as_ref().map_or(&[], |b| &b.designations)
    }
}

/// Identifies devices against one registry.
#[derive(Debug)]
pub struct Identifier<'r> {
    registry: &'r Registry,
    rules: ControlRules,
    fingerprints: Rules,
    relabels: Relabels,
    /// Per relationship: its maker, and what it says ("Lorex is a brand
    /// that sells devices made by …; source: …"), written once.
    relabel_said: Vec<Option<(&'r Entity, String)>>,
    /// The relationships of MAC block holders, by the block's assignee
    /// name (found once here, not per device).
    block_relabels: HashMap<&'r str, Vec<usize>>,
    /// Folded names to the entities that carry them.
    names: HashMap<String, Vec<&'r Entity>>,
    /// The names and product lines of designated families, for banners.
    banner_names: BannerNames<'r>,
    /// Per entity: its controllers' ids, and the path and designations
    /// behind it, computed once (a million devices have few makers).
    behind: Mutex<HashMap<String, Arc<Behind>>>,
}

/// What the control rules say about one entity.
#[derive(Debug)]
struct Behind {
    controllers: Vec<String>,
    path: Vec<PathStep>,
    designations: Vec<DesignationRef>,
}

impl<'r> Identifier<'r> {
    /// Indexes `registry`'s names for declared brands; `fingerprints` are
    /// the rules applied to banners and answers.
    pub fn new(registry: &'r Registry, rules: ControlRules, fingerprints: Rules) -> Identifier<'r> {
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
        let mut id = Identifier {
            registry,
            rules,
            fingerprints,
            relabels: Relabels::default(),
            relabel_said: Vec::new(),
            block_relabels: HashMap::new(),
            names,
            banner_names: BannerNames::default(),
            behind: Mutex::default(),
        };
        id.banner_names = id.index_banner_names();
        id
    }

    /// The names of designated families' companies and brands, and the
    /// product lines that name their makers, for [`BANNERS`].
    fn index_banner_names(&self) -> BannerNames<'r> {
        let registry = self.registry;
        let series: Vec<_> = ModelSeries::bundled()
            .series
            .iter()
            .filter(|s| s.names_maker)
            .filter_map(|s| Some((s, self.declared(&s.family)?)))
            .collect();
        // The registry's device makers: MAC block holders, and the
        // entities a fingerprint rule, a product line or a relabel
        // relationship names.
        let mut makers: std::collections::HashSet<&str> = registry
            .mac_blocks()
            .iter()
            .map(|b| b.entity.as_str())
            .collect();
        makers.extend(
            self.fingerprints
                .rules
                .iter()
                .filter_map(|r| r.entity.as_deref()),
        );
        makers.extend(series.iter().map(|(_, e)| e.id.as_str()));
        makers.extend(self.relabels.relabels.iter().map(|r| r.maker.as_str()));
        // Their names, their subsidiaries' and the brands of designated
        // families; not their owners' (a state holding's name in a
        // banner says nothing about who made the device).
        let entities = registry.entities().iter().filter_map(|e| {
            let behind = self.behind(e);
            if behind.designations.is_empty() {
                return None;
            }
            let maker = makers.contains(e.id.as_str());
            let under_maker = behind
                .controllers
                .iter()
                .any(|c| makers.contains(c.as_str()));
            (maker || under_maker || e.kind == EntityKind::Brand).then_some((e, maker))
        });
        // The shipped look-alikes are checked by the tests; a broken file
        // would leave none, never fail identification.
        let lookalikes = Lookalikes::bundled().map(|(l, _)| l).unwrap_or_default();
        BannerNames::new(entities, series, &lookalikes)
    }

    /// Uses these known relabel relationships; those whose maker is not a
    /// registry entity are never used (see [`Relabels::unknown_makers`]).
    pub fn with_relabels(mut self, relabels: Relabels) -> Identifier<'r> {
        self.relabel_said = relabels
            .relabels
            .iter()
            .map(|r| {
                let maker = self.registry.entity(&r.maker)?;
                Some((maker, relabel_statement(&relabels, r, maker)))
            })
            .collect();
        let registry = self.registry;
        let assignees = registry
            .mac_blocks()
            .iter()
            .map(|b| b.assignee.as_str())
            .chain(
                registry
                    .mac_assignments()
                    .iter()
                    .map(|a| a.assignee.as_str()),
            );
        for a in assignees {
            let found = relabels.positions(a);
            if !found.is_empty() {
                self.block_relabels.insert(a, found.to_vec());
            }
        }
        self.relabels = relabels;
        self.banner_names = self.index_banner_names();
        self
    }

    /// The registry entity a declared name is, when exactly one entity
    /// carries it.
    fn declared(&self, name: &str) -> Option<&'r Entity> {
        match self.names.get(&fold_assignee(name)).map(Vec::as_slice) {
            Some([one]) => Some(one),
            _ => None,
        }
    }

    /// The registry entity a name a device announces for itself starts
    /// with ("HIKVISION DS-2CD2385G1-I" is Hikvision): its first three,
    /// two or one words, the longest that is exactly one entity's name.
    fn announced(&self, name: &str) -> Option<&'r Entity> {
        let words: Vec<&str> = name.split_whitespace().collect();
        (1..=words.len().min(3))
            .rev()
            .find_map(|k| self.declared(&words[..k].join(" ")))
    }

    /// What the control rules say about `e`, from the cache.
    fn behind(&self, e: &Entity) -> Arc<Behind> {
        if let Some(b) = self
            .behind
            .lock()
            .ok()
            .and_then(|m| m.get(e.id.as_str()).cloned())
        {
            return b;
        }
        let controllers = self
            .registry
            .control(e.id.as_str(), self.rules)
            .map(|c| {
                c.controllers
                    .iter()
                    .map(|k| k.entity.id.to_string())
                    .collect()
            })
            .unwrap_or_default();
        let (path, designations) = derisk_match::behind(self.registry, e, self.rules);
        let b = Arc::new(Behind {
            controllers,
            path,
            designations,
        });
        if let Ok(mut m) = self.behind.lock() {
            m.insert(e.id.to_string(), b.clone());
        }
        b
    }

    /// Whether `a` and `b` are one entity, or one controls the other.
    fn same_family(&self, a: &Entity, b: &Entity) -> bool {
        a.id == b.id
            || self
                .behind(a)
                .controllers
                .iter()
                .any(|c| c == b.id.as_str())
            || self
                .behind(b)
                .controllers
                .iter()
                .any(|c| c == a.id.as_str())
    }

    /// The verdict on one device.
    pub fn identify(&self, device: &Device) -> Verdict<'r> {
        let mut evidence = Vec::new();
        // (entity, confidence, basis) of everything that names a registry entity.
        let mut named: Vec<(&'r Entity, f64, &'static str)> = Vec::new();
        let mut outside: Option<String> = None;
        let (mut model, mut firmware) = (None, None);

        let mut matches = self.fingerprints.matches(device);
        matches.sort_by(|a, b| b.rule.confidence.total_cmp(&a.rule.confidence));
        for m in &matches {
            let entity = match m.rule.entity.as_deref() {
                Some(id) => self.registry.entity(id),
                None => self.declared(&m.vendor),
            };
            let mut statement = format!("rule {}: {}", m.rule.id, m.rule.description);
            if let Some(x) = &m.model {
                statement.push_str(&format!("; model {x}"));
            }
            if let Some(x) = &m.firmware {
                statement.push_str(&format!("; firmware {x}"));
            }
            match entity {
                Some(e) => {
                    named.push((e, m.rule.confidence, "fingerprint"));
                    model = model.or_else(|| m.model.clone());
                    firmware = firmware.or_else(|| m.firmware.clone());
                }
                None => {
                    outside = outside.or_else(|| Some(m.vendor.clone()));
                }
            }
            evidence.push(Evidence {
                basis: "fingerprint",
                field: m.field,
                value: clip(m.value),
                entity: entity.map(|e| e.id.to_string()),
                statement,
            });
        }

        // What nmap's service detection named.
        for (field, value) in &device.values {
            // A CPE's vendor is a maker's name even when the registry does
            // not hold it; a product name alone is not.
            let (entity, said, cpe_vendor) = match field {
                Field::NmapProduct => (
                    self.announced(value),
                    format!("nmap's service detection named the product {value:?}"),
                    None,
                ),
                Field::Cpe => {
                    // cpe:/h:vendor:product…, or CPE 2.3 cpe:2.3:h:vendor:…
                    let parts: Vec<&str> = value.split(':').collect();
                    let vendor = match parts.get(1) {
                        Some(&"2.3") => parts.get(3),
                        _ => parts.get(2),
                    };
                    let Some(vendor) = vendor.filter(|v| !v.is_empty()) else {
                        continue;
                    };
                    let vendor = vendor.replace('_', " ");
                    (
                        self.declared(&vendor),
                        format!(
                            "nmap's service detection gave the CPE {value} (vendor {vendor:?})"
                        ),
                        Some(vendor),
                    )
                }
                _ => continue,
            };
            match entity {
                Some(e) => named.push((e, NMAP_SERVICE, "nmap-service")),
                None => outside = outside.or(cpe_vendor),
            }
            evidence.push(Evidence {
                basis: "nmap-service",
                field: *field,
                value: clip(value),
                entity: entity.map(|e| e.id.to_string()),
                statement: match entity {
                    Some(e) => format!("{said}, that is {}", e.caption),
                    None => format!("{said}, a name the registry does not hold"),
                },
            });
        }

        // Makers' names and product lines in banners, where no rule or
        // nmap name already read that field as naming the same family.
        let mut lines: Vec<(&'r Entity, &'static Series)> = Vec::new();
        for (field, value) in &device.values {
            if !BANNERS.contains(field) {
                continue;
            }
            let Some(hit) = self.banner_names.find(value) else {
                continue;
            };
            let read = evidence.iter().any(|x| {
                x.field == *field
                    && x.entity
                        .as_deref()
                        .and_then(|id| self.registry.entity(id))
                        .is_some_and(|e| self.same_family(e, hit.entity))
            });
            if read {
                continue;
            }
            named.push((hit.entity, hit.confidence, "banner-name"));
            if let Some(series) = hit.series {
                lines.push((hit.entity, series));
            }
            let statement = match hit.series {
                Some(s) => format!(
                    "its {} {value:?} names {}'s product line {} ({})",
                    field.as_str(),
                    hit.entity.caption,
                    s.prefix,
                    s.what
                ),
                None => format!(
                    "its {} {value:?} says {:?}, a name of {}",
                    field.as_str(),
                    hit.name,
                    hit.entity.caption
                ),
            };
            evidence.push(Evidence {
                basis: "banner-name",
                field: *field,
                value: clip(value),
                entity: Some(hit.entity.id.to_string()),
                statement,
            });
        }

        let mut block_holder = None;
        let mut block_assignee = None;
        let mut by_block: Option<(&'r Entity, f64, &'static str)> = None;
        if let Some(mac) = device.get(Field::Mac) {
            let (entity, statement) = match self.registry.mac_lookup(mac) {
                MacLookup::Entity(block, e) => {
                    block_holder = Some(e);
                    block_assignee = Some(block.assignee.as_str());
                    by_block = Some((e, OUI, "oui"));
                    (
                        Some(e.id.to_string()),
                        format!(
                            "{} {} is assigned to {:?}, that is {}",
                            block.registry, block.prefix, block.assignee, e.caption
                        ),
                    )
                }
                MacLookup::Assigned(a) => {
                    outside = outside.or_else(|| Some(a.assignee.clone()));
                    block_assignee = Some(a.assignee.as_str());
                    (
                        None,
                        format!(
                            "{} {} is assigned to {:?}, not a registry entity",
                            a.registry, a.prefix, a.assignee
                        ),
                    )
                }
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
        let mut declared_brand = None;
        let mut by_declared = Vec::new();
        let brands = brands(device);
        for (field, name) in &brands {
            let announced = matches!(field, Field::WsDiscoveryScopes | Field::Dhip);
            let e = if announced {
                self.announced(name)
            } else {
                self.declared(name)
            };
            declared_brand = declared_brand.or_else(|| Some(name.to_string()));
            if let Some(e) = e {
                declared_entity = declared_entity.or(Some(e));
                by_declared.push((e, DECLARED, "declared"));
            }
            let said = match field {
                Field::WsDiscoveryScopes => {
                    format!("announces itself as {name:?} (its WS-Discovery name scope)")
                }
                Field::Dhip => format!("announces the vendor {name:?} (its DHIP reply)"),
                _ => format!("declared {name:?}"),
            };
            evidence.push(Evidence {
                basis: "declared",
                field: *field,
                value: name.to_string(),
                entity: e.map(|e| e.id.to_string()),
                statement: match e {
                    Some(e) => format!("{said}, that is {}", e.caption),
                    None => format!("{said}, a brand the registry does not hold"),
                },
            });
        }

        // Known relabel relationships of the declared brand and of the
        // holder of the MAC block.
        let mut by_relabel = Vec::new();
        let mut support = Vec::new();
        let mut relabel_named = Vec::new();
        let mut block_relabels = false;
        let candidates = brands
            .iter()
            .map(|(f, n)| (*f, n.as_ref(), self.relabels.positions(n)))
            .chain(block_assignee.map(|a| {
                let found = self.block_relabels.get(a).map_or(&[][..], Vec::as_slice);
                (Field::Mac, a, found)
            }));
        for (field, name, found) in candidates {
            for &i in found {
                let r = &self.relabels.relabels[i];
                let Some((e, said)) = &self.relabel_said[i] else {
                    continue;
                };
                let e: &'r Entity = e;
                if field == Field::Mac {
                    block_relabels = true;
                }
                if relabel_named.contains(&(r.brand.as_str(), e.id.as_str())) {
                    continue;
                }
                relabel_named.push((r.brand.as_str(), e.id.as_str()));
                match r.confidence() {
                    Some(c) => by_relabel.push((e, c, "oem")),
                    None => support.push(e),
                }
                evidence.push(Evidence {
                    basis: "oem",
                    field,
                    value: name.to_owned(),
                    entity: Some(e.id.to_string()),
                    statement: said.clone(),
                });
            }
        }

        // A current relationship before a former one.
        by_relabel.sort_by(|a: &(&Entity, f64, &str), b| b.1.total_cmp(&a.1));

        // The maker: the first named entity, strongest basis first
        // (fingerprints sorted by confidence, then the MAC block, then a
        // relabel relationship, then the declared brand; a block held by
        // the relabelling brand itself after the relationship).
        named.extend(by_block.filter(|_| !block_relabels));
        named.extend(by_relabel.iter().copied());
        named.extend(by_block.filter(|_| block_relabels));
        named.extend(by_declared);
        let Some(&(maker, _, _)) = named.first() else {
            return Verdict {
                maker: None,
                vendor: outside,
                model: device.get(Field::DeclaredModel).map(str::to_owned),
                firmware,
                line: None,
                confidence: 0.0,
                basis: Vec::new(),
                evidence,
                behind: None,
            };
        };
        let mut basis: Vec<&'static str> = Vec::new();
        let supporting = support.iter().map(|&e| (e, 0.0, "oem"));
        for (e, _, b) in named.iter().copied().chain(supporting) {
            if !basis.contains(&b) && self.same_family(e, maker) {
                basis.push(b);
            }
        }
        // A relabel relationship of this maker explains the brand itself.
        let explained = by_relabel
            .iter()
            .map(|&(e, _, _)| e)
            .chain(support.iter().copied())
            .any(|e| self.same_family(e, maker));
        // The strongest evidence naming the maker's family: a weaker rule
        // ranked first (fingerprints come before a MAC block) does not
        // lower what the block says.
        let best = named
            .iter()
            .filter(|&&(e, _, _)| self.same_family(e, maker))
            .map(|&(_, c, _)| c)
            .fold(0.0, f64::max);
        // In hundredths, as the confidences it is made of (0.9 + 0.05 is
        // not 0.95 in binary).
        let confidence =
            ((best + AGREEMENT * (basis.len() as f64 - 1.0)).min(MAX) * 100.0).round() / 100.0;
        // Relabelled: the declared brand, or the holder of the MAC block, is
        // outside the maker's family.
        let declared_other = declared_brand
            .as_ref()
            .filter(|_| declared_entity.is_none_or(|d| !self.same_family(d, maker)));
        let block_other = block_holder.filter(|h| !self.same_family(h, maker));
        let disagreement = (declared_other.is_some() || block_other.is_some())
            && (basis.contains(&"fingerprint")
                || basis.contains(&"nmap-service")
                || basis.contains(&"banner-name")
                || basis.contains(&"oui"));
        if disagreement {
            let mut labels = Vec::new();
            if let Some(brand) = declared_other {
                labels.push(format!("sold as {brand:?}"));
            }
            if let Some(h) = block_other {
                labels.push(format!("its MAC block is {}'s", h.caption));
            }
            let shown_by = if basis.contains(&"fingerprint") {
                "what it answers shows"
            } else if basis.contains(&"nmap-service") {
                "nmap's service detection shows"
            } else if basis.contains(&"banner-name") {
                "its banners show"
            } else {
                "its MAC block shows"
            };
            evidence.push(Evidence {
                basis: "oem",
                field: if declared_other.is_some() {
                    Field::DeclaredVendor
                } else {
                    Field::Mac
                },
                value: declared_other
                    .cloned()
                    .unwrap_or_else(|| device.get(Field::Mac).unwrap_or_default().to_owned()),
                entity: Some(maker.id.to_string()),
                statement: format!(
                    "{}, but {shown_by} {} made it: a device relabelled for another brand",
                    labels.join(" and "),
                    maker.caption
                ),
            });
        }
        if (disagreement || explained) && !basis.contains(&"oem") {
            basis.push("oem");
        }
        let behind = self.behind(maker);
        let line = lines
            .iter()
            .find(|(e, _)| self.same_family(e, maker))
            .map(|&(_, s)| s);
        Verdict {
            maker: Some(maker),
            vendor: None,
            model: model.or_else(|| device.get(Field::DeclaredModel).map(str::to_owned)),
            firmware,
            line,
            confidence,
            basis,
            evidence,
            behind: Some(behind),
        }
    }
}

/// What a relabel relationship says: the brand, the maker, how much of
/// the brand, and the first source.
fn relabel_statement(relabels: &Relabels, r: &Relabel, maker: &Entity) -> String {
    let when = match r.status {
        Status::Current => "sells",
        Status::Former => "sold",
    };
    let lines = match r.extent {
        Extent::Brand => "",
        Extent::SomeLines => " (some lines only)",
    };
    let mut s = format!(
        "{} is a brand that {when} devices made by {}{lines}",
        r.brand, maker.caption
    );
    if let Some(src) = r.sources.first().and_then(|id| relabels.source(id)) {
        s.push_str(&format!(
            "; source: {}, {} ({})",
            src.title, src.published, src.url
        ));
    }
    s
}

/// The brands a device carries: as declared in the records
/// (`declared_vendor`, `onvif.manufacturer`), and as it announces itself
/// (the name scope of a WS-Discovery reply, percent-decoded; the `Vendor`
/// of a DHIP reply). Relabelled devices often announce their seller's
/// brand, so these are brands, not makers.
fn brands(device: &Device) -> Vec<(Field, Cow<'_, str>)> {
    let mut out: Vec<(Field, Cow<'_, str>)> = Vec::new();
    for field in [Field::DeclaredVendor, Field::OnvifManufacturer] {
        if let Some(v) = device.get(field).filter(|v| !placeholder(v)) {
            out.push((field, Cow::Borrowed(v)));
        }
    }
    for scopes in device.all(Field::WsDiscoveryScopes) {
        for scope in scopes.split_whitespace() {
            let Some(rest) = scope
                .get(..27)
                .filter(|p| p.eq_ignore_ascii_case("onvif://www.onvif.org/name/"))
                .map(|_| &scope[27..])
            else {
                continue;
            };
            let name = percent_decode(rest).replace('_', " ");
            let name = name.trim();
            if !placeholder(name) && !out.iter().any(|(_, v)| v == name) {
                out.push((Field::WsDiscoveryScopes, Cow::Owned(name.to_owned())));
            }
        }
    }
    if let Some(vendor) = device.get(Field::Dhip).and_then(dhip_vendor) {
        out.push((Field::Dhip, Cow::Owned(vendor)));
    }
    out
}

/// The `Vendor` of a DHIP reply's `deviceInfo`, if the reply is JSON.
fn dhip_vendor(text: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let info = v
        .pointer("/params/deviceInfo")
        .or_else(|| v.get("deviceInfo"))?;
    let vendor = info.get("Vendor")?.as_str()?.trim();
    (!placeholder(vendor)).then(|| vendor.to_owned())
}

/// Words that stand where a brand is not known or not given ("Unknown",
/// "N/A", "Generic", Dahua's unbranded "General"): not brands.
pub fn placeholder(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "", "na", "none", "unknown", "unk", "tbc", "tbd", "other", "various", "generic", "general",
        "oem", "default", "null", "nil",
    ];
    let folded: String = name
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    WORDS.contains(&folded.as_str())
}

/// `%XX` escapes decoded; anything malformed is kept as it is.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A value as shown in evidence: at most 200 characters.
fn clip(value: &str) -> String {
    match value.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &value[..i]),
        None => value.to_owned(),
    }
}
