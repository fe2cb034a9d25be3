//! Generated procurement data for benchmarks: eForms contract award
//! notices and OCDS compiled releases, of a given size, from a seed.
//!
//! Buyers, suppliers, lots, CPV codes (surveillance, scanning, telecom and
//! others), values and dates vary; about one supplier in ten is a name of
//! a registry vendor, the rest are two thousand made-up European firms, so
//! screening meets both, and each distinct name is screened once.

use std::io::{self, Write};

use derisk_match::synth::Rng;

const VENDORS: &[&str] = &[
    "Hikvision Europe B.V.",
    "Zhejiang Dahua Technology Co., Ltd.",
    "Huawei Technologies Co., Ltd.",
    "ZTE Corporation",
    "Nuctech Company Limited",
];
const STEMS: &[&str] = &[
    "Westmark",
    "Nordlicht",
    "Havenzicht",
    "Alpenwacht",
    "Baltic",
    "Iberia",
    "Danubia",
    "Rhein",
    "Vltava",
    "Lusitania",
    "Adria",
    "Carpathia",
    "Scaldis",
    "Tagus",
    "Vistula",
    "Oder",
];
const KINDS: &[&str] = &[
    "Security",
    "Systems",
    "Networks",
    "Telecom",
    "Vision",
    "Integrators",
    "Technik",
    "Services",
];
const FORMS: &[&str] = &[
    "B.V.",
    "GmbH",
    "S.A.",
    "Sp. z o.o.",
    "S.r.l.",
    "AB",
    "Oy",
    "a.s.",
];
const CPV: &[&str] = &[
    "35125300", "32323500", "32234000", "38581000", "38582000", "32510000", "32412100", "32500000",
    "72000000", "45000000", "50000000", "30200000",
];
const COUNTRIES: &[(&str, &str)] = &[
    ("NLD", "Netherlands"),
    ("DEU", "Germany"),
    ("FRA", "France"),
    ("POL", "Poland"),
    ("ITA", "Italy"),
    ("ESP", "Spain"),
    ("SWE", "Sweden"),
    ("CZE", "Czechia"),
];

/// Picks one of `xs`.
fn pick<'a>(rng: &mut Rng, xs: &[&'a str]) -> &'a str {
    xs[rng.below(xs.len())]
}

/// A supplier's name and country: a registry vendor one time in ten.
fn supplier(rng: &mut Rng) -> (String, &'static str) {
    if rng.next_u64().is_multiple_of(10) {
        (pick(rng, VENDORS).to_owned(), "CHN")
    } else {
        let n = rng.next_u64() % 2000;
        let c = COUNTRIES[(n % COUNTRIES.len() as u64) as usize].0;
        (
            format!(
                "{} {} {} {}",
                STEMS[(n % 16) as usize],
                KINDS[((n / 16) % 8) as usize],
                n,
                FORMS[((n / 128) % 8) as usize]
            ),
            c,
        )
    }
}

fn buyer(rng: &mut Rng) -> (String, &'static str) {
    let n = rng.next_u64() % 300;
    let (c, _) = COUNTRIES[(n % COUNTRIES.len() as u64) as usize];
    (
        format!("Public Authority {n} of {}", STEMS[(n % 16) as usize]),
        c,
    )
}

/// XML text with `&`, `<` and `>` escaped.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Writes eForms contract award notices, each its own XML document, until
/// about `target` bytes; returns the number of notices.
pub fn write_eforms(out: &mut impl Write, target: u64, seed: u64) -> io::Result<u64> {
    eforms(out, seed, |written, _| written >= target)
}

/// Writes `count` eForms contract award notices, numbered from
/// `00000001-2026`; returns the bytes written.
pub fn write_eforms_notices(out: &mut impl Write, count: u64, seed: u64) -> io::Result<u64> {
    let mut bytes = 0;
    eforms(out, seed, |written, notices| {
        bytes = written;
        notices >= count
    })?;
    Ok(bytes)
}

/// Writes notices until `done(bytes written, notices written)`.
fn eforms(
    out: &mut impl Write,
    seed: u64,
    mut done: impl FnMut(u64, u64) -> bool,
) -> io::Result<u64> {
    let mut rng = Rng::new(seed);
    let (mut written, mut notices) = (0u64, 0u64);
    let mut doc = String::with_capacity(16 << 10);
    while !done(written, notices) {
        doc.clear();
        let lots = 1 + rng.next_u64() % 3;
        let (buyer, bc) = buyer(&mut rng);
        let mut orgs = format!(
            "<efac:Organization><efac:Company><cac:PartyIdentification><cbc:ID schemeName=\"organization\">ORG-0001</cbc:ID></cac:PartyIdentification><cac:PartyName><cbc:Name languageID=\"ENG\">{}</cbc:Name></cac:PartyName><cac:PostalAddress><cac:Country><cbc:IdentificationCode listName=\"country\">{bc}</cbc:IdentificationCode></cac:Country></cac:PostalAddress></efac:Company></efac:Organization>\n",
            esc(&buyer)
        );
        let (mut results, mut tenders, mut parties, mut lot_xml) =
            (String::new(), String::new(), String::new(), String::new());
        for l in 1..=lots {
            let (name, c) = supplier(&mut rng);
            let cpv = pick(&mut rng, CPV);
            let value = 10_000 + rng.next_u64() % 5_000_000;
            orgs.push_str(&format!(
                "<efac:Organization><efac:Company><cac:PartyIdentification><cbc:ID schemeName=\"organization\">ORG-{:04}</cbc:ID></cac:PartyIdentification><cac:PartyName><cbc:Name languageID=\"ENG\">{}</cbc:Name></cac:PartyName><cac:PostalAddress><cac:Country><cbc:IdentificationCode listName=\"country\">{c}</cbc:IdentificationCode></cac:Country></cac:PostalAddress><cac:PartyLegalEntity><cbc:CompanyID>REG-{}</cbc:CompanyID></cac:PartyLegalEntity></efac:Company></efac:Organization>\n",
                l + 1,
                esc(&name),
                rng.next_u64() % 100_000_000
            ));
            results.push_str(&format!(
                "<efac:LotResult><cbc:ID schemeName=\"result\">RES-{l:04}</cbc:ID><cbc:TenderResultCode listName=\"winner-selection-status\">selec-w</cbc:TenderResultCode><efac:LotTender><cbc:ID schemeName=\"tender\">TEN-{l:04}</cbc:ID></efac:LotTender><efac:ReceivedSubmissionsStatistics><efbc:StatisticsCode listName=\"received-submission-type\">tenders</efbc:StatisticsCode><efbc:StatisticsNumeric>{}</efbc:StatisticsNumeric></efac:ReceivedSubmissionsStatistics><efac:TenderLot><cbc:ID schemeName=\"Lot\">LOT-{l:04}</cbc:ID></efac:TenderLot></efac:LotResult>\n",
                1 + rng.next_u64() % 6
            ));
            tenders.push_str(&format!(
                "<efac:LotTender><cbc:ID schemeName=\"tender\">TEN-{l:04}</cbc:ID><cbc:RankCode>1</cbc:RankCode><cac:LegalMonetaryTotal><cbc:PayableAmount currencyID=\"EUR\">{value}.00</cbc:PayableAmount></cac:LegalMonetaryTotal><efac:TenderingParty><cbc:ID schemeName=\"tendering-party\">TPA-{l:04}</cbc:ID></efac:TenderingParty><efac:TenderLot><cbc:ID schemeName=\"Lot\">LOT-{l:04}</cbc:ID></efac:TenderLot></efac:LotTender>\n"
            ));
            parties.push_str(&format!(
                "<efac:TenderingParty><cbc:ID schemeName=\"tendering-party\">TPA-{l:04}</cbc:ID><efac:Tenderer><cbc:ID schemeName=\"organization\">ORG-{:04}</cbc:ID></efac:Tenderer></efac:TenderingParty>\n",
                l + 1
            ));
            lot_xml.push_str(&format!(
                "<cac:ProcurementProjectLot><cbc:ID schemeName=\"Lot\">LOT-{l:04}</cbc:ID><cac:TenderingTerms><cac:CallForTendersDocumentReference><cbc:ID>DOC-{l}</cbc:ID></cac:CallForTendersDocumentReference></cac:TenderingTerms><cac:ProcurementProject><cbc:ID>P-{l}</cbc:ID><cbc:Name languageID=\"ENG\">Lot {l} of the framework for equipment, installation and maintenance over four years</cbc:Name><cbc:Description languageID=\"ENG\">Supply, installation, commissioning and maintenance of equipment at the buyer's sites, with training of staff and spare parts for the duration of the contract.</cbc:Description><cbc:ProcurementTypeCode listName=\"contract-nature\">supplies</cbc:ProcurementTypeCode><cac:MainCommodityClassification><cbc:ItemClassificationCode listName=\"cpv\">{cpv}</cbc:ItemClassificationCode></cac:MainCommodityClassification><cac:RealizedLocation><cac:Address><cbc:CountrySubentityCode listName=\"nuts\">NL329</cbc:CountrySubentityCode><cac:Country><cbc:IdentificationCode listName=\"country\">{bc}</cbc:IdentificationCode></cac:Country></cac:Address></cac:RealizedLocation><cac:PlannedPeriod><cbc:DurationMeasure unitCode=\"MONTH\">48</cbc:DurationMeasure></cac:PlannedPeriod></cac:ProcurementProject></cac:ProcurementProjectLot>\n"
            ));
        }
        let day = 1 + rng.next_u64() % 28;
        let month = 1 + rng.next_u64() % 12;
        doc.push_str(&format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ContractAwardNotice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:ContractAwardNotice-2\" xmlns:cac=\"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2\" xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\" xmlns:ext=\"urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2\" xmlns:efac=\"http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1\" xmlns:efext=\"http://data.europa.eu/p27/eforms-ubl-extensions/1\" xmlns:efbc=\"http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1\">\n<ext:UBLExtensions><ext:UBLExtension><ext:ExtensionContent><efext:EformsExtension>\n<efac:NoticeResult>\n{results}{tenders}{parties}</efac:NoticeResult>\n<efac:NoticeSubType><cbc:SubTypeCode listName=\"notice-subtype\">29</cbc:SubTypeCode></efac:NoticeSubType>\n<efac:Organizations>\n{orgs}</efac:Organizations>\n<efac:Publication><efbc:NoticePublicationID schemeName=\"ojs-notice-id\">{:08}-2026</efbc:NoticePublicationID></efac:Publication>\n</efext:EformsExtension></ext:ExtensionContent></ext:UBLExtension></ext:UBLExtensions>\n<cbc:UBLVersionID>2.3</cbc:UBLVersionID><cbc:CustomizationID>eforms-sdk-1.13</cbc:CustomizationID><cbc:ID schemeName=\"notice-id\">{:016x}</cbc:ID><cbc:IssueDate>2026-{month:02}-{day:02}+01:00</cbc:IssueDate><cbc:RegulatoryDomain>32014L0024</cbc:RegulatoryDomain><cbc:NoticeTypeCode listName=\"result\">can-standard</cbc:NoticeTypeCode>\n<cac:ContractingParty><cac:Party><cac:PartyIdentification><cbc:ID schemeName=\"organization\">ORG-0001</cbc:ID></cac:PartyIdentification></cac:Party></cac:ContractingParty>\n<cac:TenderingProcess><cbc:ProcedureCode listName=\"procurement-procedure-type\">open</cbc:ProcedureCode></cac:TenderingProcess>\n<cac:ProcurementProject><cbc:ID>PROC-{notices}</cbc:ID><cbc:Name languageID=\"ENG\">Framework agreement</cbc:Name><cbc:ProcurementTypeCode listName=\"contract-nature\">supplies</cbc:ProcurementTypeCode></cac:ProcurementProject>\n{lot_xml}</ContractAwardNotice>\n",
            notices + 1,
            rng.next_u64()
        ));
        out.write_all(doc.as_bytes())?;
        written += doc.len() as u64;
        notices += 1;
    }
    Ok(notices)
}

/// Writes OCDS compiled releases as JSON lines until about `target` bytes;
/// returns the number of releases.
pub fn write_ocds(out: &mut impl Write, target: u64, seed: u64) -> io::Result<u64> {
    write_releases(out, target, seed, false)
}

/// Writes the same releases as one release package: a single JSON
/// document whose `releases` array holds them all.
pub fn write_ocds_package(out: &mut impl Write, target: u64, seed: u64) -> io::Result<u64> {
    write_releases(out, target, seed, true)
}

fn write_releases(out: &mut impl Write, target: u64, seed: u64, package: bool) -> io::Result<u64> {
    let mut rng = Rng::new(seed ^ 0x5eed);
    let (mut written, mut releases) = (0u64, 0u64);
    if package {
        let head = "{\"uri\":\"https://example.org/packages/all.json\",\"version\":\"1.1\",\"publishedDate\":\"2026-11-01T00:00:00Z\",\"releases\":[\n";
        out.write_all(head.as_bytes())?;
        written += head.len() as u64;
    }
    while written < target {
        let (buyer, _) = buyer(&mut rng);
        let (name, c) = supplier(&mut rng);
        let country = COUNTRIES
            .iter()
            .find(|(a, _)| *a == c)
            .map_or("China", |(_, n)| n);
        let cpv = pick(&mut rng, CPV);
        let value = 10_000 + rng.next_u64() % 5_000_000;
        let supplier_id = format!("XX-REG-{}", hash(&name));
        let line = serde_json::json!({
            "ocid": format!("ocds-b5fd17-{releases:09}"),
            "id": format!("{releases}-award"),
            "date": format!("2026-{:02}-{:02}T09:00:00Z", 1 + rng.next_u64() % 12, 1 + rng.next_u64() % 28),
            "tag": ["compiled"],
            "initiationType": "tender",
            "parties": [
                {"id": "BUYER-1", "name": buyer, "roles": ["buyer"], "address": {"countryName": "Netherlands"}},
                {"id": supplier_id, "name": name, "identifier": {"scheme": "XX-REG", "id": supplier_id}, "roles": ["supplier", "tenderer"], "address": {"countryName": country}},
            ],
            "buyer": {"id": "BUYER-1", "name": buyer},
            "tender": {
                "id": format!("T-{releases}"),
                "status": "complete",
                "procurementMethod": "open",
                "items": [{"id": "1", "description": "Equipment and services", "classification": {"scheme": "CPV", "id": cpv}}],
                "tenderPeriod": {"startDate": "2026-01-10T00:00:00Z", "endDate": "2026-02-20T00:00:00Z"},
            },
            "bids": {"details": [{"id": "B-1", "status": "valid", "tenderers": [{"id": supplier_id, "name": name}], "value": {"amount": value, "currency": "EUR"}}]},
            "awards": [{"id": "A-1", "status": "active", "date": "2026-03-01T00:00:00Z", "value": {"amount": value, "currency": "EUR"}, "suppliers": [{"id": supplier_id, "name": name}], "items": [{"id": "1", "classification": {"scheme": "CPV", "id": cpv}}]}],
            "contracts": [{"id": "C-1", "awardID": "A-1", "status": "active", "value": {"amount": value, "currency": "EUR"}, "dateSigned": "2026-03-15T00:00:00Z"}],
        });
        let mut text = line.to_string();
        if package && releases > 0 {
            text.insert(0, ',');
        }
        text.push('\n');
        out.write_all(text.as_bytes())?;
        written += text.len() as u64;
        releases += 1;
    }
    if package {
        out.write_all(b"]}\n")?;
    }
    Ok(releases)
}

/// A short stable number for a name (FNV-1a), for made-up identifiers.
fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    }) % 1_000_000_000
}
