//! Categories of equipment and services, criticality and sectors, and how
//! a record is put in a category.
//!
//! A device's category comes from the words of its role (the inventory's
//! "Device Type" column, say) and model, tested in a fixed order so that
//! the more specific kind wins ("radio unit" is radio access network
//! before "radio" is a radio; "core router" is core network before
//! "router" is network equipment). A device with no telling words takes
//! the category of its maker's product line when the maker makes one
//! kind of thing (Nuctech scanners, Hytera radios, DJI drones, the camera
//! makers), else `other`. Between the two, a model of a maker that makes
//! many kinds of things is looked up in the maker's model series
//! (`data/categories/model-series.toml`: Huawei's BBU, S and USG series,
//! ZTE's ZXSDR and ZXR10, each with the product documents that show it),
//! so a row that says only "Huawei, S5735-L24T4X" is network equipment. A
//! purchase's category comes from its main CPV code. The word lists are
//! below; they are judgement, not facts, and can be overridden per record
//! by giving a category name as the role.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::model::SourceRef;
use crate::policy::sources_of;
use derisk_registry::Diagnostic;
use derisk_registry::curated::Curated;

vocabulary! {
    /// What a device or purchase is.
    Category {
        /// Video surveillance: cameras, recorders, thermal cameras.
        Cameras => "cameras", "Cameras and recorders",
        /// X-ray, radiation and inspection scanners.
        Scanners => "scanners", "Scanners",
        /// Mobile radio access network: base stations, radio units.
        RadioAccess => "radio-access-network", "Radio access network",
        /// Core network functions and core routers.
        CoreNetwork => "core-network", "Core network",
        /// Other network equipment: routers, switches, access points.
        Network => "network", "Network equipment",
        /// Land mobile radios (TETRA, DMR) and repeaters.
        Radios => "radios", "Radios",
        /// Drones.
        Drones => "drones", "Drones",
        /// Software and apps.
        Software => "software", "Software and apps",
        /// Services.
        Services => "services", "Services",
        /// Anything else.
        Other => "other", "Other",
    }
}

vocabulary! {
    /// How critical a device is to the organisation.
    Criticality {
        /// Core functions, critical or sensitive places.
        Core => "core", "Core",
        /// Edge and access.
        Edge => "edge", "Edge",
        /// Not said.
        Unknown => "unknown", "Not given",
    }
}

vocabulary! {
    /// The organisation's sector, which decides the frameworks that apply
    /// by default.
    Sector {
        /// Electronic communications.
        Telecom => "telecom", "Telecommunications",
        /// Ports, airports, rail, road and public transport.
        Transport => "transport", "Transport",
        /// Customs.
        Customs => "customs", "Customs",
        /// Electricity, gas, oil, district heating, hydrogen.
        Energy => "energy", "Energy",
        /// Drinking water and waste water.
        Water => "water", "Water",
        /// Hospitals and health care.
        Health => "health", "Health",
        /// Ministries, agencies, municipalities.
        PublicAdministration => "public-administration", "Public administration",
        /// Schools and universities.
        Education => "education", "Education",
        /// Banks and financial market infrastructure.
        Finance => "finance", "Finance",
        /// Defence.
        Defence => "defence", "Defence",
        /// Anything else.
        Other => "other", "Other",
    }
}

/// Words that name a category, tested in this order; a word matches at a
/// word boundary in the folded role and model.
const WORDS: &[(Category, &[&str])] = &[
    (
        Category::RadioAccess,
        &[
            "gnodeb",
            "enodeb",
            "nodeb",
            "base station",
            "bts",
            "radio unit",
            "remote radio",
            "rru",
            "aau",
            "bbu",
            "baseband",
            "ran",
            "small cell",
            "antenna",
        ],
    ),
    (
        Category::CoreNetwork,
        &[
            "core",
            "epc",
            "5gc",
            "upf",
            "amf",
            "smf",
            "mme",
            "hss",
            "udm",
            "ims",
            "msc",
            "packet core",
        ],
    ),
    (
        Category::Scanners,
        &[
            "scanner",
            "x-ray",
            "xray",
            "x ray",
            "baggage",
            "cargo inspection",
            "inspection system",
            "radiation portal",
            "radiation monitor",
            "body scanner",
            "trace detector",
            "explosive detector",
            "metal detector",
        ],
    ),
    (
        Category::Cameras,
        &[
            "camera",
            "cctv",
            "nvr",
            "dvr",
            "recorder",
            "video",
            "ipc",
            "dome",
            "bullet",
            "ptz",
            "thermal",
            "surveillance",
            "intercom",
            "door station",
            "anpr",
            "lpr",
        ],
    ),
    (Category::Drones, &["drone", "uav", "uas", "quadcopter"]),
    (
        Category::Radios,
        &[
            "radio", "tetra", "dmr", "handheld", "walkie", "two-way", "repeater", "pmr",
        ],
    ),
    (
        Category::Network,
        &[
            "router",
            "switch",
            "firewall",
            "gateway",
            "access point",
            "wifi",
            "wi-fi",
            "wlan",
            "ont",
            "olt",
            "modem",
            "cpe",
            "network",
            "optical",
            "transmission",
            "microwave link",
        ],
    ),
    (
        Category::Software,
        &[
            "software",
            "app",
            "application",
            "licence",
            "license",
            "saas",
        ],
    ),
    (
        Category::Services,
        &["service", "maintenance", "support", "consultancy", "cloud"],
    ),
];

/// Makers that make one kind of thing, by words of their family's name.
const MAKER_LINES: &[(&str, Category)] = &[
    ("nuctech", Category::Scanners),
    ("hytera", Category::Radios),
    ("dji", Category::Drones),
    ("autel", Category::Drones),
    ("hikvision", Category::Cameras),
    ("dahua", Category::Cameras),
    ("uniview", Category::Cameras),
    ("tiandy", Category::Cameras),
    ("ezviz", Category::Cameras),
    ("axis", Category::Cameras),
    ("mobotix", Category::Cameras),
    ("hanwha", Category::Cameras),
    ("smiths detection", Category::Scanners),
    ("rapiscan", Category::Scanners),
];

/// Lower case, every run of other characters than letters, digits and
/// hyphens one space, padded with spaces so words can be found by
/// `" word "`.
fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    for c in text.chars() {
        if c.is_alphanumeric() || c == '-' {
            out.extend(c.to_lowercase());
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
}

/// The category named by the words of `texts` (role, model), if any. A
/// text that is a category's own spelling (`radio-access-network`) is
/// that category.
pub fn from_words(texts: &[&str]) -> Option<Category> {
    for t in texts {
        if let Some(c) = Category::parse(t.trim().to_ascii_lowercase().as_str()) {
            return Some(c);
        }
    }
    // The words padded with spaces, made once.
    static PADDED: OnceLock<Vec<(Category, Vec<String>)>> = OnceLock::new();
    let padded = PADDED.get_or_init(|| {
        WORDS
            .iter()
            .map(|(c, words)| (*c, words.iter().map(|w| format!(" {w} ")).collect()))
            .collect()
    });
    let folded: String = texts.iter().map(|t| fold(t)).collect();
    // Plurals: "cameras", "scanners", "routers".
    let singular = folded.replace("s ", " ");
    padded
        .iter()
        .find(|(_, words)| {
            words
                .iter()
                .any(|w| folded.contains(w.as_str()) || singular.contains(w.as_str()))
        })
        .map(|(c, _)| *c)
}

/// The category of a device: from the words of its role and model, else
/// from its maker's model series, else from its maker's line, else
/// `other`.
pub fn of_device(role: Option<&str>, model: Option<&str>, maker_family: Option<&str>) -> Category {
    categorise(role, model, maker_family).0
}

/// A device's category as [`of_device`] finds it, with the model series
/// that decided it when only the series did (so the report can say so
/// and cite the series' sources).
pub fn categorise(
    role: Option<&str>,
    model: Option<&str>,
    maker_family: Option<&str>,
) -> (Category, Option<&'static Series>) {
    let texts: Vec<&str> = [role, model].into_iter().flatten().collect();
    if let Some(c) = from_words(&texts) {
        return (c, None);
    }
    if let (Some(family), Some(model)) = (maker_family, model)
        && let Some(s) = ModelSeries::bundled().find(family, model)
    {
        return (s.category, Some(s));
    }
    let line = maker_family.map(fold).and_then(|f| {
        // A word of the family's name that begins with the line's word.
        MAKER_LINES
            .iter()
            .find(|(w, _)| f.contains(&format!(" {w}")))
            .map(|(_, c)| *c)
    });
    (line.unwrap_or(Category::Other), None)
}

const BUNDLED_SERIES: &str = include_str!("../../../data/categories/model-series.toml");

/// A model series: the models of one maker family whose names begin with
/// one prefix, and the kind of equipment they are.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// A word of the maker family's name (`huawei`).
    pub family: String,
    /// The word folded and padded with spaces, to find it in a folded
    /// name.
    padded: String,
    /// How the models begin (`S`, `ZXSDR`).
    pub prefix: String,
    /// How many digits at least follow the prefix.
    pub digits: usize,
    /// The kind of equipment.
    pub category: Category,
    /// What the series is, in a few words.
    pub what: String,
    /// The ids of the sources that show it.
    pub sources: Vec<String>,
    /// Models of the series, run by the tests.
    pub examples: Vec<String>,
    /// The prefix is the maker's own name for a product line, used by no
    /// other maker ("ZXR10", "CloudEngine"; not "S5720"): a banner word of
    /// the series names the maker.
    pub names_maker: bool,
    /// Models of other makers that a banner rule on the series must pass
    /// over, run by the tests.
    pub near_misses: Vec<String>,
}

impl Series {
    /// Whether a word of `model` belongs to the series (words split at
    /// spaces and `/ , ; ( ) [ ]`).
    fn fits(&self, model: &str) -> bool {
        model
            .split(|c: char| c.is_whitespace() || "/,;()[]".contains(c))
            .any(|word| self.fits_word(word))
    }

    /// Whether one word belongs to the series: it begins with the prefix
    /// (case ignored) followed by at least `digits` digits, or, for a
    /// prefix of four letters or more, it is the prefix.
    pub fn fits_word(&self, word: &str) -> bool {
        let prefix = self.prefix.as_bytes();
        let w = word.as_bytes();
        if w.len() < prefix.len() || !w[..prefix.len()].eq_ignore_ascii_case(prefix) {
            return false;
        }
        let rest = &w[prefix.len()..];
        if rest.is_empty() {
            return prefix.len() >= 4;
        }
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        digits >= self.digits.max(1)
    }
}

/// The model series of makers that make many kinds of equipment.
#[derive(Clone, Debug, Default)]
pub struct ModelSeries {
    /// The sources the series cite.
    pub sources: Vec<SourceRef>,
    /// The series, in file order.
    pub series: Vec<Series>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSeries {
    family: String,
    prefix: String,
    digits: Option<usize>,
    category: String,
    what: String,
    sources: Vec<String>,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    names_maker: bool,
    #[serde(default)]
    near_misses: Vec<String>,
}

impl ModelSeries {
    /// The shipped series (`data/categories/model-series.toml`), read
    /// once; the tests check that the file has no problems.
    pub fn bundled() -> &'static ModelSeries {
        static BUNDLED: OnceLock<ModelSeries> = OnceLock::new();
        BUNDLED.get_or_init(|| {
            ModelSeries::parse(BUNDLED_SERIES, "data/categories/model-series.toml")
                .map(|(m, _)| m)
                .unwrap_or_default()
        })
    }

    /// Parses a file of model series. A file that is not TOML is an
    /// error; a record with a mistake is left out alone, with a problem
    /// naming the file, the record and the field.
    pub fn parse(text: &str, file: &str) -> Result<(ModelSeries, Vec<Diagnostic>), Diagnostic> {
        let c = Curated::parse(text, file, &["source", "series"])?;
        let mut problems = Vec::new();
        let sources = sources_of(&c, &mut problems);
        let mut series = Vec::new();
        for record in c.records("series") {
            let r = match c.read::<RawSeries>(&record) {
                Ok(r) => r,
                Err(e) => {
                    problems.push(e);
                    continue;
                }
            };
            let Some(category) = Category::parse(&r.category) else {
                let all: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
                let message = format!("{:?} is not one of {}", r.category, all.join(", "));
                problems.push(c.error(&record, "category", message));
                continue;
            };
            let problem =
                if r.prefix.is_empty() || !r.prefix.chars().all(|c| c.is_ascii_alphabetic()) {
                    Some((
                        "prefix",
                        format!("expected letters only, got {:?}", r.prefix),
                    ))
                } else if r.family.trim().is_empty() {
                    Some((
                        "family",
                        "expected a word of the maker family's name".to_owned(),
                    ))
                } else if r.sources.is_empty() {
                    Some(("sources", "at least one source is needed".to_owned()))
                } else {
                    r.sources
                        .iter()
                        .find(|s| !sources.iter().any(|o| &o.id == *s))
                        .map(|s| ("sources", format!("{s:?} is not defined in the file")))
                };
            if let Some((field, message)) = problem {
                problems.push(c.error(&record, field, message));
                continue;
            }
            let padded = fold(&r.family);
            series.push(Series {
                family: padded.trim().to_owned(),
                padded,
                prefix: r.prefix,
                digits: r.digits.unwrap_or(1),
                category,
                what: r.what,
                sources: r.sources,
                examples: r.examples,
                names_maker: r.names_maker,
                near_misses: r.near_misses,
            });
        }
        Ok((ModelSeries { sources, series }, problems))
    }

    /// The series `model` belongs to, for a maker whose family is named
    /// `maker_family`.
    pub fn find(&self, maker_family: &str, model: &str) -> Option<&Series> {
        let family = fold(maker_family);
        self.series
            .iter()
            .filter(|s| family.contains(&s.padded))
            .find(|s| s.fits(model))
    }
}

/// The category of a CPV code (eight digits, check digit optional), by
/// the CPV 2008 divisions and groups; `other` when none fits.
pub fn of_cpv(code: &str) -> Category {
    const PREFIXES: &[(&str, Category)] = &[
        // Inspection and testing equipment: X-ray and radiation.
        ("3858", Category::Scanners),
        ("38582", Category::Scanners),
        // Surveillance and security systems and devices.
        ("351", Category::Cameras),
        // Closed-circuit television apparatus, cameras and systems.
        ("32231", Category::Cameras),
        ("32234", Category::Cameras),
        ("32235", Category::Cameras),
        // Television and audio-visual equipment (video surveillance).
        ("3232", Category::Cameras),
        // Unmanned aerial vehicles.
        ("35613", Category::Drones),
        // Radio transmission apparatus: radio telephones, walkie-talkies.
        ("3223", Category::Radios),
        ("32344", Category::Radios),
        // Data-transmission equipment.
        ("3226", Category::Network),
        // Networks and telecommunications equipment.
        ("324", Category::Network),
        ("325", Category::Network),
        // Software packages and information systems.
        ("48", Category::Software),
        // IT, telecommunications, repair and maintenance services.
        ("72", Category::Services),
        ("64", Category::Services),
        ("50", Category::Services),
    ];
    let digits: String = code.chars().take_while(char::is_ascii_digit).collect();
    PREFIXES
        .iter()
        .filter(|(p, _)| digits.starts_with(p))
        .max_by_key(|(p, _)| p.len())
        .map_or(Category::Other, |(_, c)| *c)
}

/// Criticality in the operator's words: `core`, `critical`, `sensitive`,
/// `high`, `tier 1` are core; `edge`, `access`, `low`, `tier 3` edge.
pub fn criticality(text: Option<&str>) -> Criticality {
    let Some(t) = text else {
        return Criticality::Unknown;
    };
    let f = fold(t);
    let has = |w: &str| f.contains(&format!(" {w} "));
    if ["core", "critical", "sensitive", "high", "vital", "1"]
        .iter()
        .any(|w| has(w))
    {
        Criticality::Core
    } else if ["edge", "access", "low", "peripheral", "3", "medium", "2"]
        .iter()
        .any(|w| has(w))
    {
        Criticality::Edge
    } else {
        Criticality::Unknown
    }
}

/// The criticality a device's category implies when no one says:
/// core network functions are core (the 5G Toolbox's key assets); nothing
/// else is implied.
pub fn criticality_of_category(category: Category) -> Criticality {
    match category {
        Category::CoreNetwork => Criticality::Core,
        _ => Criticality::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_pick_the_specific_kind_first() {
        assert_eq!(
            from_words(&["Remote radio unit"]),
            Some(Category::RadioAccess)
        );
        assert_eq!(from_words(&["Core router"]), Some(Category::CoreNetwork));
        assert_eq!(from_words(&["Router"]), Some(Category::Network));
        assert_eq!(from_words(&["TETRA handheld"]), Some(Category::Radios));
        assert_eq!(from_words(&["Cameras"]), Some(Category::Cameras));
        assert_eq!(from_words(&["Baggage X-ray"]), Some(Category::Scanners));
        assert_eq!(from_words(&["NVR"]), Some(Category::Cameras));
        assert_eq!(
            from_words(&["radio-access-network"]),
            Some(Category::RadioAccess)
        );
        // Words inside other words do not count.
        assert_eq!(from_words(&["Scoreboard"]), None);
        assert_eq!(from_words(&["Transformer"]), None);
    }

    #[test]
    fn makers_lines_and_cpv() {
        assert_eq!(
            of_device(None, Some("MT1213DE"), Some("Nuctech Company Limited")),
            Category::Scanners
        );
        assert_eq!(of_device(None, None, None), Category::Other);
        assert_eq!(of_cpv("38582000-8"), Category::Scanners);
        assert_eq!(of_cpv("35125300"), Category::Cameras);
        assert_eq!(of_cpv("32234000-2"), Category::Cameras);
        assert_eq!(of_cpv("32237000"), Category::Radios);
        assert_eq!(of_cpv("32412000"), Category::Network);
        assert_eq!(of_cpv("45000000"), Category::Other);
    }

    #[test]
    fn the_bundled_model_series_load_and_their_examples_fit() {
        let text = include_str!("../../../data/categories/model-series.toml");
        let (m, problems) = ModelSeries::parse(text, "model-series.toml").unwrap();
        assert_eq!(problems, Vec::new());
        assert!(m.series.len() >= 20, "{}", m.series.len());
        for s in &m.series {
            assert!(
                !s.examples.is_empty(),
                "{} {} has no example",
                s.family,
                s.prefix
            );
            for e in &s.examples {
                assert_eq!(
                    of_device(None, Some(e), Some(&format!("{} Co., Ltd.", s.family))),
                    s.category,
                    "{e} of {}",
                    s.family
                );
            }
            // A series that names its maker must pass over other makers'
            // near misses; one without the mark lists those that show why.
            for n in &s.near_misses {
                assert_eq!(
                    s.fits(n),
                    !s.names_maker,
                    "{} {}: near miss {n}",
                    s.family,
                    s.prefix
                );
            }
        }
        assert!(m.series.iter().filter(|s| s.names_maker).count() >= 10);
    }

    #[test]
    fn model_series_need_the_maker_and_the_digits() {
        let huawei = Some("Huawei Technologies Co., Ltd.");
        let zte = Some("ZTE Corporation");
        // A model alone, no role: the series decides.
        assert_eq!(
            of_device(None, Some("S5735-L24T4X"), huawei),
            Category::Network
        );
        assert_eq!(
            of_device(None, Some("BBU5900"), huawei),
            Category::RadioAccess
        );
        assert_eq!(
            of_device(None, Some("UGW9811"), huawei),
            Category::CoreNetwork
        );
        assert_eq!(
            of_device(None, Some("IPC6325-WD-VRZ"), huawei),
            Category::Cameras
        );
        assert_eq!(
            of_device(None, Some("ZXSDR R8862A"), zte),
            Category::RadioAccess
        );
        assert_eq!(
            of_device(None, Some("zxr10 5960-52TM-HI"), zte),
            Category::Network
        );
        // The same model of another maker is not in Huawei's series.
        assert_eq!(
            of_device(None, Some("S5735"), Some("Acme Networks")),
            Category::Other
        );
        // Too few digits, or a short prefix standing alone, is no series:
        // a MediaPad S7 tablet, a phone.
        assert_eq!(
            of_device(None, Some("MediaPad S7-301u"), huawei),
            Category::Other
        );
        assert_eq!(of_device(None, Some("Mate S"), huawei), Category::Other);
        assert_eq!(of_device(None, Some("P30 Pro"), huawei), Category::Other);
        assert_eq!(of_device(None, None, huawei), Category::Other);
    }

    #[test]
    fn a_broken_series_is_left_out_alone() {
        let text = r#"
[[source]]
id = "doc"
url = "https://example.org/doc"
title = "A product document"

[[series]]
family = "huawei"
prefix = "AR"
digits = 3
category = "network"
what = "routers"
sources = ["doc"]

[[series]]
family = "huawei"
prefix = "X"
category = "gadgets"
what = "things"
sources = ["doc"]

[[series]]
family = "zte"
prefix = "ZX-1"
category = "network"
what = "things"
sources = ["doc"]

[[series]]
family = "zte"
prefix = "ZXV"
category = "network"
what = "set-top boxes"
sources = ["nowhere"]

[[series]]
family = "zte"
prefix = "ZXW"
category = "network"
sources = ["doc"]
"#;
        let (m, problems) = ModelSeries::parse(text, "own.toml").unwrap();
        let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(m.series.len(), 1);
        assert_eq!(
            problems,
            vec![
                "own.toml:18:12: error: series[X].category: \"gadgets\" is not one of \
                 cameras, scanners, radio-access-network, core-network, network, radios, drones, \
                 software, services, other"
                    .to_owned(),
                "own.toml:24:10: error: series[ZX-1].prefix: expected letters only, got \"ZX-1\""
                    .to_owned(),
                "own.toml:34:11: error: series[ZXV].sources: \"nowhere\" is not defined in the file"
                    .to_owned(),
                "own.toml:36:1: error: series[ZXW]: missing field `what`".to_owned(),
            ]
        );
        assert!(
            ModelSeries::parse("[[series]\n", "bad.toml")
                .unwrap_err()
                .to_string()
                .starts_with("bad.toml:1:")
        );
    }

    #[test]
    fn criticality_words() {
        assert_eq!(criticality(Some("Core")), Criticality::Core);
        assert_eq!(criticality(Some("sensitive site")), Criticality::Core);
        assert_eq!(criticality(Some("Tier 1")), Criticality::Core);
        assert_eq!(criticality(Some("edge")), Criticality::Edge);
        assert_eq!(criticality(Some("n/a")), Criticality::Unknown);
        assert_eq!(criticality(None), Criticality::Unknown);
    }
}
