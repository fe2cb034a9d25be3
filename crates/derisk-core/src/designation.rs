//! Lists kept by authorities and the designations of entities on them.

use crate::{CountryCode, EntityId, ListId, PartialDate, SourceId, Verification, vocabulary};

vocabulary! {
    /// The legal nature of a [`List`].
    pub enum ListKind {
        /// Export-control listing or denial order (US Entity List).
        ExportControl => "export-control",
        /// Ban on buying or holding securities (US NS-CMIC list).
        InvestmentBan => "investment-ban",
        /// Designation as a military or military-linked company (US 1260H).
        MilitaryCompany => "military-company",
        /// Ban or exclusion in public procurement (NDAA section 889).
        ProcurementBan => "procurement-ban",
        /// Telecommunications security restriction: covered equipment,
        /// licence conditions, 5G network rules.
        TelecomSecurity => "telecom-security",
        /// Ban on an application or service on devices or in a market.
        ApplicationBan => "application-ban",
        /// Ordered closure or exit under investment screening.
        InvestmentScreening => "investment-screening",
        /// An open regulatory investigation.
        Investigation => "investigation",
        /// A court ruling on a restriction.
        CourtRuling => "court-ruling",
        /// A decision of a regulator (data protection, competition).
        RegulatoryDecision => "regulatory-decision",
        /// A resolution, report or statement of a parliament or government
        /// that names or describes high-risk vendors without binding effect.
        PoliticalStatement => "political-statement",
        /// A rating published by a research institute.
        RiskRating => "risk-rating",
        /// An ethical exclusion or divestment by an investor.
        InvestorExclusion => "investor-exclusion",
        /// Sanctions of unspecified nature (asset freeze, trade ban), as
        /// imported from a sanctions dataset that does not say more.
        Sanctions => "sanctions",
    }
}

vocabulary! {
    /// Which entities a listing reaches according to the list's own terms.
    pub enum Coverage {
        /// Only the entities named on the list.
        NamedEntities => "named-entities",
        /// The named entities and their subsidiaries and affiliates
        /// (FCC Covered List, NDAA section 889).
        SubsidiariesAndAffiliates => "subsidiaries-and-affiliates",
        /// The list sets criteria rather than naming entities (UK
        /// sensitive-sites statement, Portugal's 5G deliberation).
        Criteria => "criteria",
    }
}

/// A list, measure or statement kept by an authority.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct List {
    /// Stable id.
    pub id: ListId,
    /// Full name.
    pub name: String,
    /// A short label for tables ("EL", "1260H").
    pub short: String,
    /// The authority that keeps it.
    pub authority: EntityId,
    /// Where it applies.
    pub jurisdiction: CountryCode,
    /// Its legal nature.
    pub kind: ListKind,
    /// Which entities it reaches.
    pub coverage: Coverage,
    /// The legal basis or instrument (statute, regulation, decision number).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub basis: Option<String>,
    /// What being on it means, in the registry's own words.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub note: Option<String>,
    /// The sources that describe the list.
    pub sources: Vec<SourceId>,
}

/// An entity's presence on a list, with its dates and reference.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Designation {
    /// The designated entity.
    pub entity: EntityId,
    /// The list.
    pub list: ListId,
    /// When the designation took effect, as precisely as known.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub start: Option<PartialDate>,
    /// When it ended (removal, withdrawal), if it did.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub end: Option<PartialDate>,
    /// The official reference: Federal Register document, order or case
    /// number, press release id.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub reference: Option<String>,
    /// The programme or ground within the list (e.g. "Xinjiang surveillance").
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub program: Option<String>,
    /// Context in the registry's own words.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub note: Option<String>,
    /// The sources that state it.
    pub sources: Vec<SourceId>,
    /// Whether the sources support it.
    pub verification: Verification,
}

impl Designation {
    /// Whether the designation is in force on `date` (inclusive start,
    /// exclusive end). A designation without a start date counts as in
    /// force since forever.
    pub fn in_force_on(&self, date: PartialDate) -> bool {
        self.start.is_none_or(|s| s <= date) && self.end.is_none_or(|e| date < e)
    }

    /// Whether the designation has no end date.
    pub fn is_current(&self) -> bool {
        self.end.is_none()
    }
}
