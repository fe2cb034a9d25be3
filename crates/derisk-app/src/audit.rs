//! The audit: everything an organisation has, in one run, one report.
//!
//! A [`Plan`] finds each input's kind; [`Plan::run`] runs the engine that
//! reads it (names, devices, procurement), turns the results into
//! `derisk-exposure`'s records (devices merged by MAC, else IP; criticality
//! by site; earlier decisions applied), and has `derisk-exposure` measure
//! and judge them. Rendering the report is `derisk-exposure`'s too.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use derisk_core::Decision;
use derisk_devices::{Field, Item as DeviceItem};
use derisk_exposure::category::{categorise, criticality, of_cpv};
use derisk_exposure::policy::Known;
use derisk_exposure::{
    Alternatives, Asset, Audit, InputFile, Location, Party, Policies, Purchase, Report, Sector,
    SourceRef, Supplier,
};
use derisk_match::{Scratch, Screener};
use derisk_registry::Registry;
use derisk_store::RunTotals;

use crate::Message;
use crate::assets::AssetsInput;
use crate::findings::{identity, outside, party_of_hit};
use crate::input::{Columns, Item, Reader, Record};
use crate::procurement::ProcurementInput;
use crate::registry::count;
use crate::screen::query_of;
use crate::session::Recorder;

/// Problems printed per file before they are only counted.
const MAX_PROBLEMS_SHOWN: usize = 10;

use crate::detect::Kind;

/// An input file, and whether it was found inside a directory.
struct Input {
    path: String,
    in_dir: bool,
}

/// The files of the inputs: files as given, directories walked in name
/// order, hidden entries passed over.
fn walk(inputs: &[String]) -> anyhow::Result<Vec<Input>> {
    fn dir(path: &Path, out: &mut Vec<Input>) -> anyhow::Result<()> {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("{}: cannot read the directory", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                !p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'))
            })
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                dir(&p, out)?;
            } else {
                out.push(Input {
                    path: p.to_string_lossy().into_owned(),
                    in_dir: true,
                });
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    for i in inputs {
        let p = Path::new(i);
        if p.is_dir() {
            dir(p, &mut out)?;
        } else if p.exists() {
            out.push(Input {
                path: i.clone(),
                in_dir: false,
            });
        } else {
            bail!("{i}: no such file or directory");
        }
    }
    Ok(out)
}

/// Finds a file's kind from its name and first bytes.
fn detect(path: &str) -> Result<(Kind, &'static str), String> {
    let ext = Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if matches!(ext.as_str(), "xlsx" | "xlsm" | "xls" | "xlsb" | "ods") {
        let (_, headers, _) =
            crate::input::first_sheet(path, "one record").map_err(|e| format!("{e:#}"))?;
        return crate::detect::table_kind(&headers);
    }
    let mut head = vec![0u8; 1 << 16];
    let n = std::fs::File::open(path)
        .and_then(|mut f| {
            let mut n = 0;
            loop {
                let m = std::io::Read::read(&mut f, &mut head[n..])?;
                if m == 0 || n + m == head.len() {
                    return Ok(n + m);
                }
                n += m;
            }
        })
        .map_err(|e| format!("cannot read: {e}"))?;
    head.truncate(n);
    crate::detect::detect(&head)
}

/// A value in euro from an inventory cell: a number, optionally with a
/// currency code; with none, euro.
fn euro(text: &str) -> Option<f64> {
    let upper = text.trim().to_ascii_uppercase();
    let (number, currency) = match upper.split_once(char::is_whitespace) {
        Some((a, b)) if a.chars().all(|c| c.is_ascii_alphabetic()) => (b.trim(), Some(a)),
        Some((a, b)) if b.trim().chars().all(|c| c.is_ascii_alphabetic()) => (a, Some(b.trim())),
        _ => (upper.trim(), None),
    };
    let number = number.trim_start_matches('€');
    if currency.is_some_and(|c| c != "EUR") {
        return None;
    }
    number
        .replace(',', "")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
}

/// What the engines read.
#[derive(Default)]
struct Gathered {
    assets: Vec<Asset>,
    suppliers: Vec<Supplier>,
    awards: Vec<derisk_procure::Award>,
    inputs: Vec<InputFile>,
    problems: usize,
}

/// The organisation file a directory may hold (`organisation.toml`):
/// its name, sector and frameworks, which the command line overrides.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct OrgFile {
    name: Option<String>,
    sector: Option<String>,
    #[serde(default)]
    frameworks: Vec<String>,
    /// Sites whose devices are core when the inventory gives no
    /// criticality.
    #[serde(default)]
    core_sites: Vec<String>,
    /// Sites whose devices are edge when the inventory gives none.
    #[serde(default)]
    edge_sites: Vec<String>,
    /// A remark for people; not read.
    #[allow(dead_code)]
    note: Option<String>,
}

fn is_org_file(path: &str) -> bool {
    Path::new(path)
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n == "organisation.toml" || n == "organization.toml")
}

fn read_org_file(path: &str) -> anyhow::Result<OrgFile> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{path}: cannot read"))?;
    toml::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{path}: {}; expected name = \"...\", sector = \"...\", frameworks = [\"...\"]",
            e.to_string().trim()
        )
    })
}

/// What an audit is asked to read and judge.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// Files and directories (walked in name order, hidden entries passed
    /// over).
    pub inputs: Vec<String>,
    /// The organisation's name (else the organisation file's).
    pub organisation: Option<String>,
    /// The organisation's sector (else the organisation file's).
    pub sector: Option<String>,
    /// `FILE=KIND` pairs that override detection.
    pub kinds: Vec<String>,
    /// The frameworks to judge by (else the organisation file's, else the
    /// sector's defaults).
    pub frameworks: Vec<String>,
    /// Currency rates (`currency,eur_per_unit`) for award values.
    pub rates: Option<PathBuf>,
    /// Control and influence rules.
    pub rules: derisk_registry::ControlRules,
}

/// An audit whose inputs are found and whose options are checked, ready
/// to run against a registry.
pub struct Plan {
    request: Request,
    files: Vec<Input>,
    org: OrgFile,
    sector: Option<Sector>,
    forced: HashMap<String, Kind>,
}

/// What an audit came to.
pub struct Audited {
    /// The report: exposure, findings, compliance, plan.
    pub report: Report,
    /// Whether no input gave a single record.
    pub nothing_read: bool,
    /// Records and files that could not be read.
    pub problems: usize,
}

impl Plan {
    /// Finds the inputs' files, reads the organisation files among them
    /// and checks the options, before any registry is loaded.
    pub fn new(request: Request, say: &mut dyn FnMut(Message)) -> anyhow::Result<Plan> {
        let files = walk(&request.inputs)?;
        let mut org = OrgFile::default();
        for f in files.iter().filter(|f| is_org_file(&f.path)) {
            let o = read_org_file(&f.path)?;
            say(Message::new(
                "audit",
                format!("{}: the organisation's name, sector and frameworks", f.path),
            ));
            org = OrgFile {
                name: org.name.or(o.name),
                sector: org.sector.or(o.sector),
                frameworks: if org.frameworks.is_empty() {
                    o.frameworks
                } else {
                    org.frameworks
                },
                core_sites: [org.core_sites, o.core_sites].concat(),
                edge_sites: [org.edge_sites, o.edge_sites].concat(),
                note: None,
            };
        }
        let sector = match request.sector.as_ref().or(org.sector.as_ref()) {
            None => None,
            Some(s) => Some(Sector::parse(&s.to_ascii_lowercase()).with_context(|| {
                format!(
                    "--sector {s:?}: expected one of {}",
                    Sector::ALL
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?),
        };
        let mut forced: HashMap<String, Kind> = HashMap::new();
        for k in &request.kinds {
            let Some((file, kind)) = k.rsplit_once('=') else {
                bail!("--kind {k:?}: expected FILE=KIND, such as --kind export.txt=suppliers");
            };
            let kind = Kind::parse(kind.trim()).with_context(|| {
                format!(
                    "--kind {k:?}: the kind is one of suppliers, assets, scan, capture, notices"
                )
            })?;
            forced.insert(file.trim().to_owned(), kind);
        }
        Ok(Plan {
            request,
            files,
            org,
            sector,
            forced,
        })
    }

    /// Reads every input with its engine, screens and identifies, applies
    /// earlier decisions from `recorder`'s store, and judges the whole by
    /// `policies`. Each input is added to the run; the findings are added
    /// to it when the run is recorded ([`Recorder::records`]).
    pub fn run(
        self,
        registry: &Registry,
        screener: &Screener<'_>,
        policies: &Policies,
        recorder: &mut Recorder,
        say: &mut dyn FnMut(Message),
    ) -> anyhow::Result<Audited> {
        let Plan {
            request,
            files,
            org,
            sector,
            forced,
        } = self;
        let rules = request.rules;
        let organisation = request.organisation.clone().or(org.name);
        let chosen = if request.frameworks.is_empty() {
            &org.frameworks
        } else {
            &request.frameworks
        };
        let frameworks = if chosen.is_empty() {
            policies.defaults_for(sector)
        } else {
            for f in chosen {
                if policies.framework(f).is_none() {
                    bail!(
                        "--framework {f:?}: no such framework; derisk audit --list-frameworks lists them ({})",
                        policies
                            .frameworks
                            .iter()
                            .map(|f| f.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
            }
            chosen.clone()
        };
        let known = Known {
            source: &|s| registry.source(s).is_some(),
            list: &|l| registry.list(l).is_some(),
        };
        let (mut alternatives, problems) = Alternatives::bundled(&known)
            .map_err(|e| anyhow::anyhow!("the shipped alternatives: {e}"))?;
        for p in problems {
            say(Message::warning(p));
        }
        let mut scratch = Scratch::default();
        for note in alternatives.without(|vendor| {
            let q = query_of(vendor, None, None);
            screener
                .screen(&q, Some(1), &mut scratch)
                .matches
                .first()
                .filter(|h| h.decision == Decision::Match && !h.designations.is_empty())
                .map(|h| format!("it matches {}, which is designated", h.entity.caption))
        }) {
            say(Message::warning(format!(
                "data/alternatives/vendors.toml: {note}"
            )));
        }
        let identifier = crate::assets::identifier(registry, rules, None, say)?;
        let mut g = Gathered::default();
        for input in &files {
            let path = input.path.as_str();
            if is_org_file(path) {
                continue;
            }
            let forced_kind = forced.get(path).copied().or_else(|| {
                Path::new(path)
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| forced.get(n).copied())
            });
            let (kind, format) = match forced_kind {
                Some(k) => (k, "as given"),
                None => match detect(path) {
                    Ok(d) => d,
                    Err(why) => {
                        let level = if input.in_dir { "note" } else { "error" };
                        say(Message::new(
                            level,
                            format!(
                                "{path}: skipped: {why}; to read it, give --kind {path}=KIND (suppliers, assets, scan, capture, notices)"
                            ),
                        ));
                        if !input.in_dir {
                            g.problems += 1;
                        }
                        g.inputs.push(InputFile {
                            path: path.to_owned(),
                            kind: "skipped".to_owned(),
                            format: "-".to_owned(),
                            records: 0,
                            problems: 0,
                            note: Some(why),
                        });
                        continue;
                    }
                },
            };
            let before = (g.assets.len(), g.suppliers.len(), g.awards.len());
            let read = match kind {
                Kind::Suppliers => suppliers(path, registry, screener, &mut g, say),
                Kind::Assets | Kind::Scan | Kind::Capture => {
                    let as_format = match (forced_kind, kind) {
                        (Some(_), Kind::Scan) => Some(AssetsInput::Nmap),
                        (Some(_), Kind::Capture) => Some(AssetsInput::Pcap),
                        _ => None,
                    };
                    devices(path, as_format, registry, &identifier, &mut g, say)
                }
                Kind::Notices => notices(path, &mut g, say),
            };
            let problems = match read {
                Ok(p) => p,
                Err(e) => {
                    say(Message::error(format!("{e:#}")));
                    g.problems += 1;
                    g.inputs.push(InputFile {
                        path: path.to_owned(),
                        kind: kind.as_str().to_owned(),
                        format: format.to_owned(),
                        records: 0,
                        problems: 1,
                        note: Some(format!("{:#}", e.root_cause())),
                    });
                    continue;
                }
            };
            let records = (g.assets.len() - before.0)
                + (g.suppliers.len() - before.1)
                + (g.awards.len() - before.2);
            let what = match kind {
                Kind::Suppliers => "supplier",
                Kind::Notices => "award",
                _ => "device",
            };
            say(Message::new(
                "audit",
                format!(
                    "{path}: {} ({format}), {}{}",
                    kind.as_str(),
                    count(records, what),
                    if problems > 0 {
                        format!(", {} not read", count(problems, "record"))
                    } else {
                        String::new()
                    }
                ),
            ));
            g.problems += problems;
            g.inputs.push(InputFile {
                path: path.to_owned(),
                kind: kind.as_str().to_owned(),
                format: format.to_owned(),
                records: records as u64,
                problems: problems as u64,
                note: None,
            });
            if let Err(e) = recorder.input_file(path) {
                say(Message::warning(format!(
                    "{e:#}; the run is recorded without this input"
                )));
            }
        }

        // Awards: screened and flagged by the procurement engine.
        let options = derisk_procure::analysis::Options {
            rates: match &request.rates {
                Some(p) => crate::procurement::rates(p)?,
                None => HashMap::new(),
            },
            ..derisk_procure::analysis::Options::default()
        };
        let flagged = derisk_procure::analysis::flag(screener, &g.awards, &options);
        let mut purchases: Vec<Purchase> = flagged.iter().map(|f| purchase(registry, f)).collect();

        let resolve = |id: &str| -> Option<SourceRef> {
            registry.source(id).map(|s| SourceRef {
                id: s.id.to_string(),
                title: s.title.clone(),
                url: s.url.clone(),
                publisher: Some(s.publisher.clone()).filter(|p| !p.is_empty()),
                published: s.published.as_ref().map(ToString::to_string),
            })
        };
        let nothing_read = g.inputs.iter().all(|i| i.records == 0);
        let (mut assets, merged) = derisk_exposure::merge::merge(std::mem::take(&mut g.assets));
        // Criticality the inventory does not give: by the organisation's site
        // lists, else by the category's rule.
        let fold_site = |s: &str| s.trim().to_lowercase();
        let core_sites: Vec<String> = org.core_sites.iter().map(|s| fold_site(s)).collect();
        let edge_sites: Vec<String> = org.edge_sites.iter().map(|s| fold_site(s)).collect();
        for a in assets
            .iter_mut()
            .filter(|a| a.criticality == derisk_exposure::Criticality::Unknown)
        {
            let site = a.site.as_deref().map(fold_site);
            a.criticality = if site.as_ref().is_some_and(|s| core_sites.contains(s)) {
                derisk_exposure::Criticality::Core
            } else if site.as_ref().is_some_and(|s| edge_sites.contains(s)) {
                derisk_exposure::Criticality::Edge
            } else {
                derisk_exposure::category::criticality_of_category(a.category)
            };
        }
        if merged > 0 {
            say(Message::new(
                "audit",
                format!(
                    "{} seen in more than one input merged (same MAC, else same IP): {} in all",
                    count(merged, "device record"),
                    count(assets.len(), "device")
                ),
            ));
        }
        let decisions = recorder.decisions()?;
        let mut dismissed = 0;
        if !decisions.is_empty() {
            for a in &mut assets {
                if let Some(p) = a.maker.as_mut() {
                    dismissed += apply_decisions(&decisions, "asset", &a.id, p);
                }
            }
            for s in &mut g.suppliers {
                if let Some(p) = s.party.as_mut() {
                    dismissed += apply_decisions(&decisions, "supplier", &s.name, p);
                }
            }
            for pu in &mut purchases {
                let subject = derisk_exposure::report::purchase_subject(pu);
                if let Some(p) = pu.party.as_mut() {
                    dismissed += apply_decisions(&decisions, "purchase", &subject, p);
                }
            }
        }
        if dismissed > 0 {
            say(Message::new(
                "audit",
                format!(
                    "{} dismissed in earlier runs on the same evidence left out (listed in the report)",
                    count(dismissed, "finding")
                ),
            ));
        }
        let report = derisk_exposure::audit(Audit {
            organisation,
            sector,
            frameworks,
            generated: derisk_core::utc_timestamp(crate::clock::unix_now()),
            registry: registry.short_hash().to_owned(),
            freshness: Some(freshness(registry, rules)),
            tool: format!("derisk {}", env!("CARGO_PKG_VERSION")),
            assets,
            suppliers: std::mem::take(&mut g.suppliers),
            purchases,
            inputs: std::mem::take(&mut g.inputs),
            policies,
            alternatives: &alternatives,
            resolve: &resolve,
        });
        if recorder.records() {
            record(recorder, &report);
        }
        Ok(Audited {
            report,
            nothing_read,
            problems: g.problems,
        })
    }
}

/// The policies: the shipped frameworks and rules, with the user's files
/// layered over them; problems in them are warnings.
pub fn policies(
    registry: &Registry,
    files: &[PathBuf],
    say: &mut dyn FnMut(Message),
) -> anyhow::Result<Policies> {
    let known = Known {
        source: &|s| registry.source(s).is_some(),
        list: &|l| registry.list(l).is_some(),
    };
    let (mut policies, problems) =
        Policies::bundled(&known).map_err(|e| anyhow::anyhow!("the shipped policies: {e}"))?;
    for p in &problems {
        say(Message::diagnostic(p));
    }
    for file in files {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("{}: cannot read", file.display()))?;
        let (mine, problems) = Policies::parse(&text, &file.display().to_string(), &known)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        for p in &problems {
            say(Message::diagnostic(p));
        }
        for p in policies.extend(mine) {
            say(Message::warning(format!("{}: {p}", file.display())));
        }
    }
    Ok(policies)
}

/// The options an audit run is recorded with.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AuditOptions {
    /// The organisation's name.
    pub organisation: Option<String>,
    /// Its sector.
    pub sector: Option<String>,
    /// The frameworks judged by.
    pub frameworks: Vec<String>,
}

/// The options an audit run is recorded with.
pub fn run_options(report: &Report) -> crate::session::KindOptions {
    crate::session::KindOptions::Audit(AuditOptions {
        organisation: report.organisation.clone(),
        sector: report.sector.map(|s| s.as_str().to_owned()),
        frameworks: report.frameworks.iter().map(|f| f.id.clone()).collect(),
    })
}

/// An audit run's totals as the store records them.
pub fn totals(audited: &Audited) -> RunTotals {
    let (report, h) = (&audited.report, &audited.report.headline);
    RunTotals {
        records: (h.devices + h.suppliers + h.purchases) as u64,
        // Recorded findings that are matches: the designated, and the
        // influence findings (a name match of a party a designated or
        // state party holds a stake in), so that the totals agree with
        // the findings listed.
        matched: report
            .findings
            .iter()
            .filter(|f| f.status.contains(&"high-risk") || f.status.contains(&"influence"))
            .count() as u64,
        review: report
            .findings
            .iter()
            .filter(|f| f.status.contains(&"possible"))
            .count() as u64,
        dismissed: 0,
        skipped: audited.problems as u64,
    }
}
/// Writes `bytes` to `path`, replacing an earlier report whole or not at
/// all ([`crate::files::replace`]).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    crate::files::replace(path, &format!("--out {}", path.display()), |w| {
        Ok(w.write_all(bytes)?)
    })
}

/// Applies analysts' earlier decisions: a party dismissed on the same
/// evidence is marked dismissed; a confirmed one says so in its evidence;
/// one whose evidence changed since the decision says it was reopened.
/// Returns how many were dismissed.
fn apply_decisions(
    decisions: &HashMap<String, derisk_store::Decision>,
    kind: &str,
    subject: &str,
    party: &mut Party,
) -> usize {
    if party.designations.is_empty() {
        return 0;
    }
    let (_, key, evidence) = identity(kind, subject, party);
    match derisk_store::Status::of(decisions, &key, &evidence) {
        derisk_store::Status::Dismissed(d) => {
            party.dismissed = Some(format!(
                "dismissed by {} at {} (run {}): {}",
                d.by, d.at, d.run, d.reason
            ));
            1
        }
        derisk_store::Status::Confirmed(d) => {
            party.evidence.push(format!(
                "confirmed by {} at {} (run {}): {}",
                d.by, d.at, d.run, d.reason
            ));
            0
        }
        derisk_store::Status::Reopened(d) => {
            party.evidence.push(format!(
                "reopened: {} by {} at {} (run {}) on other evidence: {}",
                d.verdict.as_str(),
                d.by,
                d.at,
                d.run,
                d.reason
            ));
            0
        }
        derisk_store::Status::Open => 0,
    }
}

/// Records the findings with the run: one record a finding.
fn record(recorder: &mut Recorder, report: &Report) {
    for f in &report.findings {
        let rec = Record {
            row: f.at.line.unwrap_or(0),
            name: f.subject.clone(),
            country: None,
            id: None,
        };
        let detail = serde_json::to_value(f).unwrap_or_default();
        recorder.add(
            &f.at.file,
            &rec,
            vec![crate::findings::new_finding(
                f.kind, &f.subject, &f.party, detail,
            )],
        );
    }
}

/// Screens a supplier list; returns the rows that could not be read.
fn suppliers(
    path: &str,
    registry: &Registry,
    screener: &Screener<'_>,
    g: &mut Gathered,
    say: &mut dyn FnMut(Message),
) -> anyhow::Result<usize> {
    let mut reader = Reader::open(path, None, &Columns::default())?;
    let mut scratch = Scratch::default();
    let mut problems = 0;
    while let Some(item) = reader.next_item()? {
        let rec = match item {
            Item::Record(r, caveat) => {
                if let Some(p) = caveat {
                    say(Message::warning(&p.message));
                }
                r
            }
            Item::Empty => continue,
            Item::Problem(p) => {
                problems += 1;
                if problems <= MAX_PROBLEMS_SHOWN {
                    say(Message::warning(&p.message));
                }
                continue;
            }
        };
        let q = query_of(&rec.name, rec.country.as_deref(), rec.id.as_deref());
        let screened = screener.screen(&q, Some(3), &mut scratch);
        // The hit that matters most: a designated match, else the best.
        let best = screened
            .matches
            .iter()
            .find(|h| h.decision == Decision::Match && !h.designations.is_empty())
            .or_else(|| screened.matches.first());
        g.suppliers.push(Supplier {
            name: rec.name.clone(),
            at: Location {
                file: path.to_owned(),
                line: Some(rec.row),
                offset: None,
            },
            country: rec.country.clone(),
            party: best.map(|h| party_of_hit(registry, h)),
        });
    }
    Ok(problems)
}

/// Identifies the devices of an inventory, scan or capture; returns the
/// records that could not be read.
fn devices(
    path: &str,
    format: Option<AssetsInput>,
    registry: &Registry,
    identifier: &derisk_devices::Identifier<'_>,
    g: &mut Gathered,
    say: &mut dyn FnMut(Message),
) -> anyhow::Result<usize> {
    let mut source = crate::assets::open(path, format, &[], false, say)?;
    let mut problems = 0;
    let mut shown = 0;
    while let Some(item) = source
        .next_item()
        .with_context(|| format!("{path}: cannot read"))?
    {
        let (device, warnings) = match item {
            DeviceItem::Device(d, w) => (d, w),
            DeviceItem::Skipped(p) => {
                problems += 1;
                shown += 1;
                if shown <= MAX_PROBLEMS_SHOWN {
                    say(Message::warning(p));
                }
                continue;
            }
        };
        for w in warnings {
            shown += 1;
            if shown <= MAX_PROBLEMS_SHOWN {
                say(Message::warning(w));
            }
        }
        let v = identifier.identify(&device);
        let evidence: Vec<String> = v.evidence.iter().map(|e| e.statement.clone()).collect();
        let basis: Vec<String> = v.basis.iter().map(|b| (*b).to_owned()).collect();
        let maker = match (crate::findings::maker_party(registry, &v), &v.vendor) {
            (Some(p), _) => Some(p),
            (None, Some(vendor)) => Some(outside(
                vendor,
                derisk_match::round3(v.confidence),
                basis,
                evidence,
            )),
            // A brand the records give but no evidence ties to a maker:
            // the brand counts as the maker, on the records' word.
            (None, None) => device
                .get(Field::DeclaredVendor)
                .or_else(|| device.get(Field::OnvifManufacturer))
                .map(str::trim)
                .filter(|b| !derisk_devices::placeholder(b))
                .map(|brand| {
                    outside(
                        brand,
                        0.3,
                        vec!["declared".to_owned()],
                        vec![format!(
                            "declared {brand:?}; no fingerprint, MAC block or registry entity names the maker"
                        )],
                    )
                }),
        };
        let role = device.get(Field::Role).map(str::to_owned);
        let model = v
            .model
            .clone()
            .or_else(|| device.get(Field::DeclaredModel).map(str::to_owned));
        let (mut category, mut series) = categorise(
            role.as_deref(),
            model.as_deref(),
            maker.as_ref().map(|m| m.family_name.as_str()),
        );
        // A product line its banners named, when nothing else told.
        if category == derisk_exposure::Category::Other
            && let Some(line) = v.line
        {
            (category, series) = (line.category, Some(line));
        }
        g.assets.push(Asset {
            id: device.id.clone(),
            at: Location {
                file: path.to_owned(),
                line: Some(device.line).filter(|l| *l > 0),
                offset: None,
            },
            mac: device.get(Field::Mac).map(str::to_owned),
            ip: device.get(Field::Ip).map(str::to_owned),
            also_seen: Vec::new(),
            site: device.get(Field::Site).map(str::to_owned),
            role,
            category,
            series,
            criticality: criticality(device.get(Field::Criticality)),
            value_eur: device.get(Field::Value).and_then(euro),
            declared: device
                .get(Field::DeclaredVendor)
                .or_else(|| device.get(Field::OnvifManufacturer))
                .map(str::to_owned),
            model,
            relabelled: v.basis.contains(&"oem"),
            maker,
            purchase: device.get(Field::Purchase).map(str::to_owned),
        });
    }
    if let Some(note) = source.left_out(path) {
        say(Message::new("audit", note));
    }
    Ok(problems)
}

/// Reads procurement notices; returns the problems that left a record
/// out.
fn notices(path: &str, g: &mut Gathered, say: &mut dyn FnMut(Message)) -> anyhow::Result<usize> {
    let file = std::fs::File::open(path).with_context(|| format!("{path}: cannot open"))?;
    let reader: Box<dyn BufRead> = Box::new(BufReader::with_capacity(1 << 16, file));
    let read = crate::procurement::read_one(path, reader, None::<ProcurementInput>)?;
    let mut shown = 0;
    for p in &read.problems {
        shown += 1;
        if shown <= MAX_PROBLEMS_SHOWN {
            say(Message::new(
                if p.skipped { "error" } else { "warning" },
                p.to_string(),
            ));
        }
    }
    let programme = read.awards.iter().filter(|a| a.programme.is_some()).count();
    if programme > 0 {
        say(Message::note(format!(
            "{path}: {} of programme participation left out of the audit's purchases (derisk procurement reports them)",
            count(programme, "row")
        )));
    }
    g.awards
        .extend(read.awards.into_iter().filter(|a| a.programme.is_none()));
    Ok(read.problems.iter().filter(|p| p.skipped).count())
}

/// An award as a purchase: its notice, buyer, suppliers, the registry
/// party behind them, category and value.
pub fn purchase(registry: &Registry, f: &derisk_procure::analysis::Flagged<'_, '_>) -> Purchase {
    let a = f.award;
    let hits = || f.matches.iter().flat_map(|m| m.iter());
    let best = hits()
        .find(|h| h.decision == Decision::Match && !h.designations.is_empty())
        .or_else(|| hits().find(|h| h.decision == Decision::Match))
        .or_else(|| hits().next());
    let supplier = a
        .suppliers
        .iter()
        .map(|p| p.name.clone().unwrap_or_else(|| "(not named)".to_owned()))
        .collect::<Vec<_>>()
        .join(" + ");
    Purchase {
        notice: a.notice_id.clone(),
        lot: a.lot.clone(),
        at: Location {
            file: a.file.clone(),
            line: a.line,
            offset: a.offset,
        },
        buyer: a.buyer.as_ref().and_then(|b| b.name.clone()),
        supplier: if supplier.is_empty() {
            "(no supplier)".to_owned()
        } else {
            supplier
        },
        party: best.map(|h| party_of_hit(registry, h)),
        category: a
            .cpv
            .first()
            .map_or(derisk_exposure::Category::Other, |c| of_cpv(c)),
        cpv: a.cpv.clone(),
        value_eur: f.value_eur,
        date: a.date.clone(),
        flags: f.flags.iter().map(|x| (*x).to_owned()).collect(),
    }
}

/// How fresh the registry is, for the report's header.
fn freshness(
    registry: &Registry,
    rules: derisk_registry::ControlRules,
) -> derisk_exposure::report::Freshness {
    let f = registry.freshness(crate::clock::today(), rules);
    let t = f.total();
    derisk_exposure::report::Freshness {
        newest_source: t.newest_source.map(|d| d.to_string()),
        facts: t.facts,
        stale: t.stale,
        stale_before: f.cutoff.to_string(),
        undated: t.undated,
    }
}
