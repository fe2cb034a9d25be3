//! What an audit is made of: the organisation's assets, suppliers and
//! purchases, each already resolved against the registry by the engine
//! that reads it (devices, names, procurement), in plain owned data.

use serde::Serialize;

use crate::category::{Category, Criticality};

/// Where a record was read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The file.
    pub file: String,
    /// The 1-based line (or row), when the format has lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The byte offset, for documents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.offset) {
            (Some(l), _) => write!(f, "{}:{l}", self.file),
            (None, Some(o)) => write!(f, "{}, byte {o}", self.file),
            _ => f.write_str(&self.file),
        }
    }
}

/// A designation in force on a party or on its path.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Listed {
    /// The list's id in the registry.
    pub list: String,
    /// The list's name.
    pub list_name: String,
    /// The designated entity's id.
    pub entity: String,
    /// The designated entity's name.
    pub entity_name: String,
    /// When it took effect, as precise as the source says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// The sources (ids into the report's sources).
    pub sources: Vec<String>,
    /// Whether the sources do not fully support it.
    pub unverified: bool,
}

/// One step of a control path.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Step {
    /// The entity reached.
    pub entity: String,
    /// Its name.
    pub name: String,
    /// Why the step counts (`subsidiary`, `brand`, `majority`, `maker`, …).
    pub basis: String,
    /// The share, for ownership.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share: Option<String>,
    /// The sources.
    pub sources: Vec<String>,
}

/// The registry party a record resolves to: a device's maker, a matched
/// supplier.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Party {
    /// Its registry id; `None` for a vendor the registry does not hold
    /// (named by a fingerprint or an IEEE assignment only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    /// Its name.
    pub name: String,
    /// The family it counts in for concentration: the nearest designated
    /// entity on its path (Hikvision for EZVIZ, Dahua for a Lorex
    /// relabel), else the party itself.
    pub family: String,
    /// The family's name.
    pub family_name: String,
    /// Confidence in the resolution, 0 to 1.
    pub confidence: f64,
    /// What the resolution rests on (`fingerprint`, `mac`, `oem`,
    /// `name`, `identifier`, …).
    pub basis: Vec<String>,
    /// `match` or `review` for names; `match` for devices.
    pub decision: String,
    /// The control path up to the ultimate controller.
    pub path: Vec<Step>,
    /// Designations in force on it and along its path.
    pub designations: Vec<Listed>,
    /// Statements of the evidence, one a line.
    pub evidence: Vec<String>,
    /// Stakes in it that are not control, held by a designated or state
    /// party (each stated in the evidence): influence, which the audit
    /// reports without counting it as designated.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub influenced: bool,
    /// Why an analyst dismissed this finding in an earlier run, on the
    /// same evidence (who, when, the reason); a dismissed party is neither
    /// high-risk nor possible.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dismissed: Option<String>,
}

impl Party {
    /// A party with a designation in force on it or its path, resolved
    /// with confidence (a `match`), and not dismissed.
    pub fn high_risk(&self) -> bool {
        self.dismissed.is_none() && self.decision == "match" && !self.designations.is_empty()
    }

    /// A party that only resembles a designated one (a `review`), not
    /// dismissed.
    pub fn possible(&self) -> bool {
        self.dismissed.is_none() && self.decision != "match" && !self.designations.is_empty()
    }

    /// A party resolved with confidence that is neither designated nor in
    /// a designated family but in which a designated or state party holds
    /// a stake that is not control (COSCO's 35% of a Rotterdam terminal),
    /// not dismissed.
    pub fn influence(&self) -> bool {
        self.dismissed.is_none()
            && self.decision == "match"
            && self.designations.is_empty()
            && self.influenced
    }

    /// Whether any designation is on one of `lists`.
    pub fn on_any(&self, lists: &[String]) -> bool {
        self.designations.iter().any(|d| lists.contains(&d.list))
    }
}

/// A device the organisation has.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Asset {
    /// Its id in the input.
    pub id: String,
    /// Where it was read.
    pub at: Location,
    /// Its MAC address, as read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// Its IP address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// Other inputs that saw the same device (same MAC, else same IP),
    /// merged into this record.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_seen: Vec<Location>,
    /// Its site, building or network.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// What it is for, as the input says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Its category.
    pub category: Category,
    /// The maker's model series that gave the category, when neither its
    /// role nor its model's words did.
    #[serde(skip)]
    pub series: Option<&'static crate::category::Series>,
    /// Core or edge.
    pub criticality: Criticality,
    /// Its value in euro, when the input gives one in euro.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_eur: Option<f64>,
    /// The brand the organisation's records or the device give.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declared: Option<String>,
    /// Its model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Its maker, when the evidence names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maker: Option<Party>,
    /// Whether it is sold under another brand than its maker's.
    pub relabelled: bool,
    /// The purchase the records name for it (order, contract, notice id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purchase: Option<String>,
}

/// A supplier of the organisation, screened by name.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Supplier {
    /// The name as given.
    pub name: String,
    /// Where it was read.
    pub at: Location,
    /// Its country, as given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The registry party it matches best, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party: Option<Party>,
}

/// A purchase: one award of a procurement notice.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Purchase {
    /// The notice or release id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
    /// The lot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lot: Option<String>,
    /// Where it was read.
    pub at: Location,
    /// The buyer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buyer: Option<String>,
    /// The suppliers as named (a consortium joined with " + ").
    pub supplier: String,
    /// The registry party of the supplier that matters most: a high-risk
    /// one if any, else the best match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party: Option<Party>,
    /// CPV codes, main first.
    pub cpv: Vec<String>,
    /// The category of its main CPV code.
    pub category: Category,
    /// Its value in euro, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_eur: Option<f64>,
    /// Its date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The procurement engine's flags (`winner-withheld`, …).
    pub flags: Vec<String>,
}

/// One input of the audit and what came of it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InputFile {
    /// Its path.
    pub path: String,
    /// Its kind: `suppliers`, `assets`, `scan`, `capture`, `notices`, or
    /// `skipped`.
    pub kind: String,
    /// The format read (`csv`, `nmap`, `pcap`, `eforms`, …).
    pub format: String,
    /// Records read (suppliers, devices, awards).
    pub records: u64,
    /// Records or fields that could not be read.
    pub problems: u64,
    /// Why it was skipped, or another remark.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A source, as the report lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceRef {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Where to read it.
    pub url: String,
    /// Who published it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// When.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
}
