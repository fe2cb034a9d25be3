//! EU eForms notices (UBL 2.3 with the eForms extensions; TED's format
//! since 2023), read as a stream.
//!
//! Elements are matched by namespace URI and local name, never by prefix.
//! A file may hold one notice or many (concatenated, or inside any wrapper
//! element). From each contract award notice:
//!
//! - the notice: its publication number (`efbc:NoticePublicationID`), else
//!   its id (`cbc:ID` under the root); subtype (`efac:NoticeSubType`);
//!   issue date;
//! - the buyer: the organisation `cac:ContractingParty` refers to;
//! - organisations (`efac:Organizations`): name (BT-500), registration
//!   number (BT-501), country (BT-514);
//! - lots: main and additional CPV codes (BT-262, BT-263), else the
//!   procedure's;
//! - results: per lot result (`efac:LotResult`) with a winner
//!   (`selec-w`), each winning tender (`efac:LotTender`): its value
//!   (BT-720, with currency), its tendering party and that party's
//!   tenderers (consortium members), the date of the contract that
//!   settled it (`efac:SettledContract`);
//! - withheld fields (`efac:FieldsPrivacy`: the field code, reason,
//!   publication date) of the notice, the lot result and the tender.
//!
//! Contract notices and prior information notices give no award and are
//! counted. A problem names the file, the byte where the notice starts and
//! the notice id.

use std::collections::HashMap;
use std::io::{BufRead, Read as _};

use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

use crate::award::{Award, Format, Money, Party, Problem, Read, Withheld};
use crate::cpv;

const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const EFAC: &str = "http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1";
const EFBC: &str = "http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1";
const UBL_DOC: &str = "urn:oasis:names:specification:ubl:schema:xsd:";

/// The elements the reader looks at; everything else is `Other`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sym {
    Notice,
    Other,
    // cbc
    Id,
    IssueDate,
    Name,
    CompanyId,
    IdentificationCode,
    ItemClassificationCode,
    TenderResultCode,
    PayableAmount,
    TotalAmount,
    ReasonCode,
    SubTypeCode,
    // cac
    ContractingParty,
    Party,
    PartyIdentification,
    PartyName,
    PartyLegalEntity,
    PostalAddress,
    Country,
    ProcurementProjectLot,
    ProcurementProject,
    MainCommodityClassification,
    AdditionalCommodityClassification,
    LegalMonetaryTotal,
    // efac
    NoticeResult,
    LotResult,
    LotTender,
    TenderingParty,
    Tenderer,
    TenderLot,
    Organizations,
    Organization,
    Company,
    NoticeSubType,
    FieldsPrivacy,
    SettledContract,
    Publication,
    // efbc
    FieldIdentifierCode,
    PublicationDate,
    NoticePublicationId,
}

fn sym(ns: &str, local: &str) -> Sym {
    use Sym::*;
    if ns == CBC {
        match local {
            "ID" => Id,
            "IssueDate" => IssueDate,
            "Name" => Name,
            "CompanyID" => CompanyId,
            "IdentificationCode" => IdentificationCode,
            "ItemClassificationCode" => ItemClassificationCode,
            "TenderResultCode" => TenderResultCode,
            "PayableAmount" => PayableAmount,
            "TotalAmount" => TotalAmount,
            "ReasonCode" => ReasonCode,
            "SubTypeCode" => SubTypeCode,
            _ => Other,
        }
    } else if ns == CAC {
        match local {
            "ContractingParty" => ContractingParty,
            "Party" => Party,
            "PartyIdentification" => PartyIdentification,
            "PartyName" => PartyName,
            "PartyLegalEntity" => PartyLegalEntity,
            "PostalAddress" => PostalAddress,
            "Country" => Country,
            "ProcurementProjectLot" => ProcurementProjectLot,
            "ProcurementProject" => ProcurementProject,
            "MainCommodityClassification" => MainCommodityClassification,
            "AdditionalCommodityClassification" => AdditionalCommodityClassification,
            "LegalMonetaryTotal" => LegalMonetaryTotal,
            _ => Other,
        }
    } else if ns == EFAC {
        match local {
            "NoticeResult" => NoticeResult,
            "LotResult" => LotResult,
            "LotTender" => LotTender,
            "TenderingParty" => TenderingParty,
            "Tenderer" => Tenderer,
            "TenderLot" => TenderLot,
            "Organizations" => Organizations,
            "Organization" => Organization,
            "Company" => Company,
            "NoticeSubType" => NoticeSubType,
            "FieldsPrivacy" => FieldsPrivacy,
            "SettledContract" => SettledContract,
            "Publication" => Publication,
            _ => Other,
        }
    } else if ns == EFBC {
        match local {
            "FieldIdentifierCode" => FieldIdentifierCode,
            "PublicationDate" => PublicationDate,
            "NoticePublicationID" => NoticePublicationId,
            _ => Other,
        }
    } else {
        Other
    }
}

/// Whether an element starts a notice: a UBL document element whose name
/// ends in `Notice` (ContractAwardNotice, ContractNotice,
/// PriorInformationNotice).
fn is_notice(ns: &str, local: &str) -> bool {
    ns.starts_with(UBL_DOC) && local.ends_with("Notice")
}

#[derive(Default)]
struct Tender {
    value: Option<(String, Option<String>)>,
    party: Option<String>,
    lot: Option<String>,
    withheld: Vec<Withheld>,
}

#[derive(Default)]
struct LotResult {
    id: Option<String>,
    code: Option<String>,
    tenders: Vec<String>,
    lot: Option<String>,
    withheld: Vec<Withheld>,
}

#[derive(Default)]
struct Org {
    id: Option<String>,
    party: Party,
}

/// One notice being read.
#[derive(Default)]
struct Notice {
    kind: String,
    offset: u64,
    id: Option<String>,
    publication_id: Option<String>,
    subtype: Option<String>,
    issue_date: Option<String>,
    buyers: Vec<String>,
    orgs: HashMap<String, Party>,
    org: Option<Org>,
    lot: Option<(Option<String>, Vec<String>)>,
    lots: Vec<(Option<String>, Vec<String>)>,
    procedure_cpv: Vec<String>,
    result_total: Option<(String, Option<String>)>,
    notice_withheld: Vec<Withheld>,
    lot_results: Vec<LotResult>,
    lot_result: Option<LotResult>,
    tenders: HashMap<String, Tender>,
    tender: Option<(Option<String>, Tender)>,
    parties: HashMap<String, Vec<String>>,
    party: Option<(Option<String>, Vec<String>)>,
    contract: Option<(Option<String>, Vec<String>)>,
    contract_dates: HashMap<String, String>,
    privacy: Option<Withheld>,
}

/// Notices are parsed in chunks of about this many bytes, on all cores.
const CHUNK: usize = 8 << 20;

/// Reads every notice of an eForms file. `file` names it in awards and
/// problems.
///
/// A file of many notices, each its own XML document (with its `<?xml`
/// declaration, as notices are concatenated), is cut at declarations into
/// chunks of about 8 MiB that are parsed on all cores, a few chunks at a
/// time; each chunk's problems stay its own, so one broken notice never
/// stops the others. A file with one declaration (a single notice, or
/// notices inside a wrapper element) is parsed as one stream.
pub fn read(mut input: impl BufRead, file: &str) -> Read {
    use rayon::prelude::*;
    let mut out = Read::default();
    let mut pending: Vec<u8> = Vec::new();
    let mut base = 0u64;
    let mut eof = false;
    while !eof {
        let mut chunks: Vec<(u64, Vec<u8>)> = Vec::new();
        while chunks.len() < 2 * rayon::current_num_threads().max(1) && !eof {
            // Fill to the chunk size, then cut at the last declaration.
            let mut buf = std::mem::take(&mut pending);
            while buf.len() < CHUNK {
                let have = buf.len();
                match (&mut input)
                    .take((CHUNK - have) as u64 + 1)
                    .read_to_end(&mut buf)
                {
                    Ok(0) => {
                        eof = true;
                        break;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        out.problems.push(Problem {
                            file: file.to_owned(),
                            line: None,
                            offset: Some(base + buf.len() as u64),
                            notice_id: None,
                            message: format!("cannot read: {e}"),
                            skipped: true,
                        });
                        eof = true;
                        break;
                    }
                }
            }
            if !eof {
                match last_declaration(&buf) {
                    Some(cut) => pending = buf.split_off(cut),
                    // No place to cut: the whole rest is one document.
                    None => {
                        if let Err(e) = input.read_to_end(&mut buf) {
                            out.problems.push(Problem {
                                file: file.to_owned(),
                                line: None,
                                offset: Some(base + buf.len() as u64),
                                notice_id: None,
                                message: format!("cannot read: {e}"),
                                skipped: true,
                            });
                        }
                        eof = true;
                    }
                }
            }
            let len = buf.len() as u64;
            if !buf.is_empty() {
                chunks.push((base, buf));
            }
            base += len;
        }
        let results: Vec<Read> = chunks
            .par_iter()
            .map(|(at, chunk)| {
                // After broken XML, go on from the next declaration.
                let mut all = Read::default();
                let mut start = 0usize;
                while start < chunk.len() {
                    let (r, broken) = read_stream(&chunk[start..], file);
                    all.absorb(r, 0, at + start as u64);
                    let Some(b) = broken else { break };
                    let from = start + b as usize + 1;
                    match next_declaration(chunk, from) {
                        Some(next) => {
                            if let Some(p) = all.problems.last_mut() {
                                p.message = p.message.replace(
                                    "the notices before it are kept",
                                    &format!(
                                        "the notices before it, and from byte {} on, are kept",
                                        at + next as u64
                                    ),
                                );
                            }
                            start = next;
                        }
                        None => break,
                    }
                }
                all
            })
            .collect();
        for mut r in results {
            out.notices += r.notices;
            out.awards.append(&mut r.awards);
            out.problems.append(&mut r.problems);
        }
    }
    out
}

/// Where the last `<?xml` declaration after the start of `buf` begins.
fn last_declaration(buf: &[u8]) -> Option<usize> {
    const DECL: &[u8] = b"<?xml";
    (1..buf.len().saturating_sub(DECL.len() - 1))
        .rev()
        .find(|&i| &buf[i..i + DECL.len()] == DECL)
}

/// Where the next `<?xml` declaration at or after `from` begins.
fn next_declaration(buf: &[u8], from: usize) -> Option<usize> {
    const DECL: &[u8] = b"<?xml";
    (from..buf.len().saturating_sub(DECL.len() - 1)).find(|&i| &buf[i..i + DECL.len()] == DECL)
}

/// Reads the notices of one stream (a whole file, or a chunk of one);
/// with the offset where the XML broke, if it did.
fn read_stream(input: impl BufRead, file: &str) -> (Read, Option<u64>) {
    let mut out = Read::default();
    let mut reader = NsReader::from_reader(input);
    let mut buf = Vec::new();
    let mut stack: Vec<Sym> = Vec::new();
    // Depth of the notice element in the document, when inside one.
    let mut base: Option<usize> = None;
    let mut depth = 0usize;
    let mut notice = Notice::default();
    let mut text = String::new();
    let mut currency: Option<String> = None;
    loop {
        buf.clear();
        let at = reader.buffer_position();
        let (ns, event) = match reader.read_resolved_event_into(&mut buf) {
            Ok(x) => x,
            Err(e) => {
                let pos = reader.error_position();
                out.problems.push(Problem {
                    file: file.to_owned(),
                    line: None,
                    offset: Some(pos),
                    notice_id: base.and(notice.id.clone()),
                    message: format!(
                        "malformed XML: {e}; {}the notices before it are kept",
                        if base.is_some() {
                            "the notice being read is left out, "
                        } else {
                            ""
                        }
                    ),
                    skipped: true,
                });
                return (out, Some(pos));
            }
        };
        let ns: &str = match ns {
            ResolveResult::Bound(n) => n.into_inner(),
            _ => "",
        };
        match event {
            Event::Start(e) => {
                let local = e.local_name();
                let local = local.as_ref();
                if base.is_none() && is_notice(ns, local) {
                    base = Some(depth);
                    notice = Notice {
                        kind: local.to_owned(),
                        offset: at,
                        ..Notice::default()
                    };
                    stack.clear();
                    stack.push(Sym::Notice);
                } else if base.is_some() {
                    let s = sym(ns, local);
                    stack.push(s);
                    open(&mut notice, &stack);
                    currency = if matches!(s, Sym::PayableAmount | Sym::TotalAmount) {
                        attribute(&e, "currencyID")
                    } else {
                        None
                    };
                }
                depth += 1;
                text.clear();
            }
            // An empty element carries no text; only its opening matters
            // for the structures that start with it.
            Event::Empty(e) if base.is_some() => {
                let local = e.local_name();
                stack.push(sym(ns, local.as_ref()));
                open(&mut notice, &stack);
                close(&mut notice, &stack, "", None, file, &mut out.problems);
                stack.pop();
            }
            Event::Text(t) if base.is_some() => text.push_str(&t.xml10_content()),
            Event::CData(t) if base.is_some() => text.push_str(&t),
            Event::GeneralRef(r) if base.is_some() => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    text.push(c);
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&r) {
                    text.push_str(s);
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if let Some(b) = base {
                    if depth == b {
                        out.notices += 1;
                        let n = std::mem::take(&mut notice);
                        finish(n, file, &mut out);
                        base = None;
                        stack.clear();
                    } else {
                        let value = text.trim();
                        close(
                            &mut notice,
                            &stack,
                            value,
                            currency.take(),
                            file,
                            &mut out.problems,
                        );
                        stack.pop();
                    }
                }
                text.clear();
            }
            Event::Eof => {
                if base.is_some() {
                    out.problems.push(Problem {
                        file: file.to_owned(),
                        line: None,
                        offset: Some(notice.offset),
                        notice_id: notice.publication_id.clone().or(notice.id.clone()),
                        message: "the file ends inside this notice: it was cut short; the notice is left out, the notices before it are kept".into(),
                        skipped: true,
                    });
                }
                return (out, None);
            }
            _ => {}
        }
    }
}

fn attribute(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == key)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.trim().to_owned())
        })
        .filter(|v| !v.is_empty())
}

fn ends(stack: &[Sym], tail: &[Sym]) -> bool {
    stack.ends_with(tail)
}

/// An element opened: start the structure it begins.
fn open(n: &mut Notice, stack: &[Sym]) {
    use Sym::*;
    match stack.last() {
        Some(Company) if ends(stack, &[Organizations, Organization, Company]) => {
            n.org = Some(Org::default());
        }
        Some(ProcurementProjectLot) if stack.len() == 2 => n.lot = Some((None, Vec::new())),
        Some(LotResult) if ends(stack, &[NoticeResult, LotResult]) => {
            n.lot_result = Some(self::LotResult::default());
        }
        Some(LotTender) if ends(stack, &[NoticeResult, LotTender]) => {
            n.tender = Some((None, Tender::default()));
        }
        Some(TenderingParty) if ends(stack, &[NoticeResult, TenderingParty]) => {
            n.party = Some((None, Vec::new()));
        }
        Some(SettledContract) if ends(stack, &[NoticeResult, SettledContract]) => {
            n.contract = Some((None, Vec::new()));
        }
        Some(FieldsPrivacy) => {
            n.privacy = Some(Withheld {
                field: String::new(),
                reason: None,
                until: None,
            });
        }
        _ => {}
    }
}

/// An element closed with its text: record it, or finish the structure
/// it ends.
fn close(
    n: &mut Notice,
    stack: &[Sym],
    value: &str,
    currency: Option<String>,
    file: &str,
    problems: &mut Vec<Problem>,
) {
    use Sym::*;
    let some = || (!value.is_empty()).then(|| value.to_owned());
    let Some(&last) = stack.last() else { return };
    match last {
        Id if stack.len() == 2 => n.id = some(),
        IssueDate if stack.len() == 2 => n.issue_date = some(),
        NoticePublicationId if ends(stack, &[Publication, NoticePublicationId]) => {
            n.publication_id = some();
        }
        SubTypeCode if ends(stack, &[NoticeSubType, SubTypeCode]) => n.subtype = some(),
        Id if stack.len() == 5
            && ends(stack, &[ContractingParty, Party, PartyIdentification, Id]) =>
        {
            n.buyers.extend(some());
        }
        // Organisations.
        Id if ends(stack, &[Company, PartyIdentification, Id]) => {
            if let Some(o) = n.org.as_mut() {
                o.id = some();
            }
        }
        Name if ends(stack, &[Company, PartyName, Name]) => {
            if let Some(o) = n.org.as_mut()
                && o.party.name.is_none()
            {
                o.party.name = some();
            }
        }
        CompanyId if ends(stack, &[Company, PartyLegalEntity, CompanyId]) => {
            if let Some(o) = n.org.as_mut() {
                o.party.registration = some();
            }
        }
        IdentificationCode
            if ends(
                stack,
                &[Company, PostalAddress, Country, IdentificationCode],
            ) =>
        {
            if let Some(o) = n.org.as_mut() {
                o.party.country = some();
            }
        }
        Company if ends(stack, &[Organizations, Organization, Company]) => {
            if let Some(mut o) = n.org.take() {
                match o.id.take() {
                    Some(id) => {
                        o.party.local_id = Some(id.clone());
                        n.orgs.insert(id, o.party);
                    }
                    None => problems.push(problem(
                        n,
                        file,
                        "an organisation (efac:Company) has no id (cac:PartyIdentification/cbc:ID); it cannot be referred to and is left out",
                        false,
                    )),
                }
            }
        }
        // Lots and CPV codes.
        Id if stack.len() == 3 && ends(stack, &[ProcurementProjectLot, Id]) => {
            if let Some(l) = n.lot.as_mut() {
                l.0 = some();
            }
        }
        ItemClassificationCode
            if ends(
                stack,
                &[
                    ProcurementProject,
                    MainCommodityClassification,
                    ItemClassificationCode,
                ],
            ) || ends(
                stack,
                &[
                    ProcurementProject,
                    AdditionalCommodityClassification,
                    ItemClassificationCode,
                ],
            ) =>
        {
            if value.is_empty() {
                return;
            }
            let main = stack[stack.len() - 2] == MainCommodityClassification;
            let list = match (stack.len(), n.lot.as_mut()) {
                (5, Some(l)) if stack[1] == ProcurementProjectLot => &mut l.1,
                (4, _) => &mut n.procedure_cpv,
                _ => return,
            };
            if main {
                list.insert(0, value.to_owned());
            } else {
                list.push(value.to_owned());
            }
        }
        ProcurementProjectLot if stack.len() == 2 => {
            if let Some(l) = n.lot.take() {
                n.lots.push(l);
            }
        }
        // Results.
        TotalAmount if ends(stack, &[NoticeResult, TotalAmount]) => {
            n.result_total = some().map(|v| (v, currency));
        }
        Id if ends(stack, &[NoticeResult, LotResult, Id]) => {
            if let Some(r) = n.lot_result.as_mut() {
                r.id = some();
            }
        }
        TenderResultCode if ends(stack, &[LotResult, TenderResultCode]) => {
            if let Some(r) = n.lot_result.as_mut() {
                r.code = some();
            }
        }
        Id if ends(stack, &[NoticeResult, LotResult, LotTender, Id]) => {
            if let Some(r) = n.lot_result.as_mut() {
                r.tenders.extend(some());
            }
        }
        Id if ends(stack, &[NoticeResult, LotResult, TenderLot, Id]) => {
            if let Some(r) = n.lot_result.as_mut() {
                r.lot = some();
            }
        }
        LotResult if ends(stack, &[NoticeResult, LotResult]) => {
            if let Some(r) = n.lot_result.take() {
                n.lot_results.push(r);
            }
        }
        Id if ends(stack, &[NoticeResult, LotTender, Id]) => {
            if let Some(t) = n.tender.as_mut() {
                t.0 = some();
            }
        }
        PayableAmount
            if ends(
                stack,
                &[NoticeResult, LotTender, LegalMonetaryTotal, PayableAmount],
            ) =>
        {
            if let Some(t) = n.tender.as_mut() {
                t.1.value = some().map(|v| (v, currency));
            }
        }
        Id if ends(stack, &[NoticeResult, LotTender, TenderingParty, Id]) => {
            if let Some(t) = n.tender.as_mut() {
                t.1.party = some();
            }
        }
        Id if ends(stack, &[NoticeResult, LotTender, TenderLot, Id]) => {
            if let Some(t) = n.tender.as_mut() {
                t.1.lot = some();
            }
        }
        LotTender if ends(stack, &[NoticeResult, LotTender]) => {
            if let Some((id, t)) = n.tender.take() {
                match id {
                    Some(id) => {
                        n.tenders.insert(id, t);
                    }
                    None => problems.push(problem(
                        n,
                        file,
                        "a tender (efac:LotTender) has no id (cbc:ID); it cannot be referred to and is left out",
                        false,
                    )),
                }
            }
        }
        Id if ends(stack, &[NoticeResult, TenderingParty, Id]) => {
            if let Some(p) = n.party.as_mut() {
                p.0 = some();
            }
        }
        Id if ends(stack, &[NoticeResult, TenderingParty, Tenderer, Id]) => {
            if let Some(p) = n.party.as_mut() {
                p.1.extend(some());
            }
        }
        TenderingParty if ends(stack, &[NoticeResult, TenderingParty]) => {
            if let Some((Some(id), members)) = n.party.take() {
                n.parties.insert(id, members);
            }
        }
        IssueDate if ends(stack, &[NoticeResult, SettledContract, IssueDate]) => {
            if let Some(c) = n.contract.as_mut() {
                c.0 = some();
            }
        }
        Id if ends(stack, &[NoticeResult, SettledContract, LotTender, Id]) => {
            if let Some(c) = n.contract.as_mut() {
                c.1.extend(some());
            }
        }
        SettledContract if ends(stack, &[NoticeResult, SettledContract]) => {
            if let Some((Some(date), tenders)) = n.contract.take() {
                for t in tenders {
                    n.contract_dates.insert(t, date.clone());
                }
            }
        }
        // Withheld fields, attached to what encloses them.
        FieldIdentifierCode if ends(stack, &[FieldsPrivacy, FieldIdentifierCode]) => {
            if let Some(p) = n.privacy.as_mut() {
                p.field = value.to_owned();
            }
        }
        ReasonCode if ends(stack, &[FieldsPrivacy, ReasonCode]) => {
            if let Some(p) = n.privacy.as_mut() {
                p.reason = some();
            }
        }
        PublicationDate if ends(stack, &[FieldsPrivacy, PublicationDate]) => {
            if let Some(p) = n.privacy.as_mut() {
                p.until = some();
            }
        }
        FieldsPrivacy => {
            let Some(p) = n.privacy.take().filter(|p| !p.field.is_empty()) else {
                return;
            };
            match stack.get(stack.len().wrapping_sub(2)) {
                Some(LotResult) => {
                    if let Some(r) = n.lot_result.as_mut() {
                        r.withheld.push(p);
                    }
                }
                Some(LotTender) => {
                    if let Some(t) = n.tender.as_mut() {
                        t.1.withheld.push(p);
                    }
                }
                Some(NoticeResult) => n.notice_withheld.push(p),
                _ => {}
            }
        }
        _ => {}
    }
}

fn problem(n: &Notice, file: &str, message: &str, skipped: bool) -> Problem {
    Problem {
        file: file.to_owned(),
        line: None,
        offset: Some(n.offset),
        notice_id: n.publication_id.clone().or_else(|| n.id.clone()),
        message: message.to_owned(),
        skipped,
    }
}

/// Whether a subtype is one eForms defines: 1–40, E1–E6, T01–T02,
/// X01–X02, CEI.
fn known_subtype(s: &str) -> bool {
    s.parse::<u32>().is_ok_and(|n| (1..=40).contains(&n))
        || matches!(
            s,
            "E1" | "E2" | "E3" | "E4" | "E5" | "E6" | "T01" | "T02" | "X01" | "X02" | "CEI"
        )
}

/// The value of an amount as written, with its currency; a problem when
/// it is not a number or has no currency.
fn money(
    n: &Notice,
    file: &str,
    what: &str,
    value: &(String, Option<String>),
    problems: &mut Vec<Problem>,
) -> Option<Money> {
    let Ok(amount) = value.0.parse::<f64>() else {
        problems.push(problem(
            n,
            file,
            &format!(
                "{what} {:?} is not a number; the value is left out",
                value.0
            ),
            false,
        ));
        return None;
    };
    if value.1.is_none() {
        problems.push(problem(
            n,
            file,
            &format!(
                "{what} {} has no currency (currencyID); kept without one",
                value.0
            ),
            false,
        ));
    }
    Some(Money {
        amount,
        currency: value.1.clone(),
    })
}

/// The CPV codes of a lot (else the procedure's), checked.
fn codes(n: &Notice, lot: Option<&str>, file: &str, problems: &mut Vec<Problem>) -> Vec<String> {
    let raw = lot
        .and_then(|id| n.lots.iter().find(|(l, _)| l.as_deref() == Some(id)))
        .map(|(_, c)| c)
        .filter(|c| !c.is_empty())
        .unwrap_or(&n.procedure_cpv);
    let mut out = Vec::new();
    for c in raw {
        match cpv::parse(c) {
            Ok(code) => out.push(code.full()),
            Err(e) => problems.push(problem(
                n,
                file,
                &format!("{e}; the code is left out"),
                false,
            )),
        }
    }
    out
}

/// The awards of a finished notice.
fn finish(n: Notice, file: &str, out: &mut Read) {
    let notice_id = n.publication_id.clone().or_else(|| n.id.clone());
    if let Some(s) = &n.subtype
        && !known_subtype(s)
    {
        out.problems.push(problem(
            &n,
            file,
            &format!(
                "notice subtype {s:?} is not an eForms subtype (1-40, E1-E6, T01-T02, X01-X02, CEI); its results are read all the same"
            ),
            false,
        ));
    }
    if n.lot_results.is_empty() {
        return;
    }
    let party = |id: &str, what: String, problems: &mut Vec<Problem>| -> Party {
        match n.orgs.get(id) {
            Some(p) => p.clone(),
            None => {
                problems.push(problem(
                    &n,
                    file,
                    &format!(
                        "{id} ({what}) is referred to but not defined in efac:Organizations; kept without a name"
                    ),
                    false,
                ));
                Party {
                    local_id: Some(id.to_owned()),
                    ..Party::default()
                }
            }
        }
    };
    let buyer = n
        .buyers
        .first()
        .map(|b| party(b, "the buyer".into(), &mut out.problems));
    for r in &n.lot_results {
        let code = r.code.as_deref();
        // No winner: the lot was closed without one, or is still open.
        if matches!(code, Some("clos-nw" | "open-nw")) {
            continue;
        }
        let result = r.id.as_deref().unwrap_or("without id");
        let mut withheld: Vec<Withheld> = n.notice_withheld.clone();
        withheld.extend(r.withheld.iter().cloned());
        let winner_withheld = withheld.iter().any(|w| w.field == "win-cho");
        if r.tenders.is_empty() {
            if !winner_withheld {
                out.problems.push(problem(
                    &n,
                    file,
                    &format!(
                        "lot result {result}{}: a winner is selected but no winning tender (efac:LotTender) is named; the award is kept without a supplier",
                        r.lot.as_deref().map(|l| format!(" (lot {l})")).unwrap_or_default()
                    ),
                    false,
                ));
            }
            let lot = r.lot.clone();
            let cpv = codes(&n, lot.as_deref(), file, &mut out.problems);
            out.awards.push(Award {
                file: file.to_owned(),
                offset: Some(n.offset),
                format: Some(Format::Eforms),
                notice_id: notice_id.clone(),
                notice_type: n.subtype.clone().or(Some(n.kind.clone())),
                buyer: buyer.clone(),
                lot,
                cpv,
                date: n.issue_date.clone(),
                withheld,
                ..Award::default()
            });
            continue;
        }
        for t in &r.tenders {
            let Some(tender) = n.tenders.get(t) else {
                out.problems.push(problem(
                    &n,
                    file,
                    &format!(
                        "lot result {result} names tender {t}, which is not defined (efac:NoticeResult/efac:LotTender); the award is kept without a supplier"
                    ),
                    false,
                ));
                continue;
            };
            let mut suppliers = Vec::new();
            match tender.party.as_deref() {
                Some(tpa) => match n.parties.get(tpa) {
                    Some(members) if !members.is_empty() => {
                        for m in members {
                            suppliers.push(party(
                                m,
                                format!("a tenderer of {tpa}"),
                                &mut out.problems,
                            ));
                        }
                    }
                    _ => out.problems.push(problem(
                        &n,
                        file,
                        &format!(
                            "tender {t} names tendering party {tpa}, which is not defined or names no tenderer (efac:TenderingParty/efac:Tenderer); the award is kept without a supplier"
                        ),
                        false,
                    )),
                },
                None if !winner_withheld => out.problems.push(problem(
                    &n,
                    file,
                    &format!(
                        "tender {t} names no tendering party (efac:TenderingParty); the award is kept without a supplier"
                    ),
                    false,
                )),
                None => {}
            }
            let lot = tender.lot.clone().or_else(|| r.lot.clone());
            let cpv = codes(&n, lot.as_deref(), file, &mut out.problems);
            let value = tender.value.as_ref().and_then(|v| {
                money(
                    &n,
                    file,
                    &format!("tender {t}: value (BT-720)"),
                    v,
                    &mut out.problems,
                )
            });
            let mut w = withheld.clone();
            w.extend(tender.withheld.iter().cloned());
            out.awards.push(Award {
                file: file.to_owned(),
                offset: Some(n.offset),
                format: Some(Format::Eforms),
                notice_id: notice_id.clone(),
                notice_type: n.subtype.clone().or(Some(n.kind.clone())),
                buyer: buyer.clone(),
                suppliers,
                lot,
                cpv,
                value,
                date: n.contract_dates.get(t).cloned().or(n.issue_date.clone()),
                withheld: w,
                programme: None,
                line: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtypes() {
        assert!(known_subtype("29"));
        assert!(known_subtype("E3"));
        assert!(!known_subtype("41"));
        assert!(!known_subtype("99"));
    }
}
