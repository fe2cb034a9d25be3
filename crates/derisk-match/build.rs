//! Compiles the word lists of `data/lexicon/` into tables the matcher
//! reads without parsing anything at run time: legal forms (the ISO 20275
//! code list and `legal-forms.toml`), descriptors and places (with their
//! Chinese forms) and the list of ordinary words. Every entry is folded
//! with `src/fold.rs`, the module names are folded with, so the two always
//! agree. A malformed or contradictory list stops the build with the file,
//! the entry and what is wrong.

#[path = "src/fold.rs"]
#[allow(dead_code)]
mod fold;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceRec {
    id: String,
    title: String,
    url: String,
    date: String,
    #[serde(default)]
    publisher: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LegalFile {
    source: Vec<SourceRec>,
    class: Vec<ClassRule>,
    exclude: Vec<String>,
    prefix: Vec<String>,
    unambiguous: Vec<String>,
    form: Vec<FormRec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassRule {
    class: String,
    keywords: Vec<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FormRec {
    forms: Vec<String>,
    label: String,
    class: String,
    countries: Vec<String>,
    #[serde(default)]
    prefix: bool,
    #[serde(default)]
    ambiguous: bool,
    sources: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DescriptorFile {
    source: Vec<SourceRec>,
    descriptor: Vec<DescriptorRec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DescriptorRec {
    canonical: String,
    #[serde(default)]
    forms: Vec<String>,
    #[serde(default)]
    zh: Vec<String>,
    sources: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlaceFile {
    source: Vec<SourceRec>,
    place: Vec<PlaceRec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlaceRec {
    canonical: String,
    kind: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    forms: Vec<String>,
    #[serde(default)]
    zh: Vec<String>,
    sources: Vec<String>,
}

/// The legal-form classes, in the order of `legal::LegalClass`.
const CLASSES: &[(&str, &str)] = &[
    ("private-limited", "PrivateLimited"),
    ("joint-stock", "JointStock"),
    ("simplified-joint-stock", "SimplifiedJointStock"),
    ("limited-partnership", "LimitedPartnership"),
    ("share-partnership", "SharePartnership"),
    ("general-partnership", "GeneralPartnership"),
    (
        "limited-liability-partnership",
        "LimitedLiabilityPartnership",
    ),
    ("european-company", "EuropeanCompany"),
    ("cooperative", "Cooperative"),
    ("association", "Association"),
    ("state-enterprise", "StateEnterprise"),
    ("generic", "Generic"),
];

const PLACE_KINDS: &[(&str, &str)] = &[
    ("country", "Country"),
    ("region", "Region"),
    ("city", "City"),
    ("continent", "Continent"),
];

struct Errors(Vec<String>);

impl Errors {
    fn push(&mut self, e: String) {
        self.0.push(e);
    }

    fn finish(self) {
        if !self.0.is_empty() {
            panic!(
                "data/lexicon has {} problem(s):\n  {}",
                self.0.len(),
                self.0.join("\n  ")
            );
        }
    }
}

fn read(path: &Path) -> String {
    println!("cargo:rerun-if-changed={}", path.display());
    fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn parse<T: for<'de> Deserialize<'de>>(path: &Path) -> T {
    let text = read(path);
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn check_sources(
    file: &str,
    sources: &[SourceRec],
    cited: &[(String, &[String])],
    err: &mut Errors,
) {
    let known: HashSet<&str> = sources.iter().map(|s| s.id.as_str()).collect();
    for s in sources {
        if s.title.trim().is_empty() || s.url.trim().is_empty() || s.date.trim().is_empty() {
            err.push(format!(
                "{file}: source {} needs a title, url and date",
                s.id
            ));
        }
        let _ = (&s.publisher, &s.note);
    }
    for (what, ids) in cited {
        if ids.is_empty() {
            err.push(format!("{file}: {what} cites no source"));
        }
        for id in ids.iter() {
            if !known.contains(id.as_str()) {
                err.push(format!("{file}: {what} cites unknown source {id:?}"));
            }
        }
    }
}

/// Folded words of `text`, joined by single spaces.
fn folded(text: &str) -> String {
    fold::fold_words(text).join(" ")
}

/// Whether `rule` occurs in `words` as consecutive word starts.
fn rule_matches(words: &[String], rule: &[String]) -> bool {
    if rule.is_empty() || rule.len() > words.len() {
        return false;
    }
    (0..=words.len() - rule.len()).any(|i| {
        rule.iter()
            .zip(&words[i..])
            .all(|(k, w)| w.starts_with(k.as_str()))
    })
}

struct Form {
    text: String,
    label: String,
    kinds: BTreeSet<([u8; 2], usize)>,
    /// The records it comes from: a code-list entry in one language, or a
    /// [[form]] of legal-forms.toml. Two spellings of one record are one
    /// form.
    entries: BTreeSet<u32>,
    prefix: bool,
    ambiguous: bool,
}

fn country_code(c: &str) -> Option<[u8; 2]> {
    let b = c.as_bytes();
    if c == "*" {
        Some(*b"**")
    } else if b.len() == 2 && b.iter().all(u8::is_ascii_uppercase) {
        Some([b[0], b[1]])
    } else {
        None
    }
}

fn rust_str(s: &str) -> String {
    format!("{s:?}")
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let dir = manifest.join("../../data/lexicon");
    let mut err = Errors(Vec::new());

    // Ordinary words (folded, sorted), used to tell which one-word legal
    // forms are also words.
    let words_path = dir.join("word-frequency.txt");
    let words_text = read(&words_path);
    let ordinary: HashSet<&str> = words_text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.split('\t').next())
        .collect();

    // Legal forms.
    let legal_path = dir.join("legal-forms.toml");
    let legal: LegalFile = parse(&legal_path);
    let class_index = |name: &str| CLASSES.iter().position(|(c, _)| *c == name);
    let cited: Vec<(String, &[String])> = legal
        .form
        .iter()
        .map(|f| (format!("form {:?}", f.label), f.sources.as_slice()))
        .collect();
    check_sources("legal-forms.toml", &legal.source, &cited, &mut err);
    let rules: Vec<(Option<usize>, Vec<String>)> = legal
        .class
        .iter()
        .flat_map(|r| {
            let class = if r.class == "none" {
                None
            } else {
                match class_index(&r.class) {
                    Some(c) => Some(c),
                    None => {
                        err.push(format!("legal-forms.toml: unknown class {:?}", r.class));
                        None
                    }
                }
            };
            r.keywords
                .iter()
                .map(move |k| (class, k.iter().map(|w| folded(w)).collect::<Vec<String>>()))
        })
        .collect();
    let exclude: HashSet<String> = legal.exclude.iter().map(|e| folded(e)).collect();
    let prefix: HashSet<String> = legal.prefix.iter().map(|e| folded(e)).collect();
    let unambiguous: HashSet<String> = legal.unambiguous.iter().map(|e| folded(e)).collect();
    let mut forms: Vec<Form> = Vec::new();
    let mut by_text: HashMap<String, usize> = HashMap::new();
    let mut add = |text: String,
                   label: &str,
                   kind: ([u8; 2], usize),
                   entry: u32,
                   prefix: bool,
                   ambiguous: bool,
                   forms: &mut Vec<Form>| {
        if text.is_empty() {
            return;
        }
        let i = *by_text.entry(text.clone()).or_insert_with(|| {
            forms.push(Form {
                text,
                label: label.trim().to_string(),
                kinds: BTreeSet::new(),
                entries: BTreeSet::new(),
                prefix: false,
                ambiguous: false,
            });
            forms.len() - 1
        });
        let f = &mut forms[i];
        // The label as most lists write it: "AB" over a list's "ab".
        let label = label.trim();
        if !f.label.chars().any(char::is_uppercase) && label.chars().any(char::is_uppercase) {
            f.label = label.to_string();
        }
        f.kinds.insert(kind);
        f.entries.insert(entry);
        f.prefix |= prefix;
        f.ambiguous |= ambiguous;
    };
    let mut entry_ids: HashMap<String, u32> = HashMap::new();
    let mut entry_of = |key: String| {
        let n = entry_ids.len() as u32;
        *entry_ids.entry(key).or_insert(n)
    };
    for (record, f) in legal.form.iter().enumerate() {
        let entry = entry_of(format!("form {record}"));
        let Some(class) = class_index(&f.class) else {
            err.push(format!(
                "legal-forms.toml: form {:?}: unknown class {:?}",
                f.label, f.class
            ));
            continue;
        };
        for c in &f.countries {
            let Some(cc) = country_code(c) else {
                err.push(format!(
                    "legal-forms.toml: form {:?}: country {c:?} is not an ISO 3166-1 alpha-2 code or \"*\"",
                    f.label
                ));
                continue;
            };
            for w in &f.forms {
                add(
                    folded(w),
                    &f.label,
                    (cc, class),
                    entry,
                    f.prefix,
                    f.ambiguous,
                    &mut forms,
                );
            }
        }
    }
    // A form the file says only means "company" gets no classes from the
    // code list ("Co" is a form of some US states there).
    let generic_only: HashSet<String> = forms
        .iter()
        .filter(|f| f.kinds.iter().all(|k| CLASSES[k.1].0 == "generic"))
        .map(|f| f.text.clone())
        .collect();
    let elf_path = dir.join("elf-code-list-v1.5.csv");
    let elf_text = read(&elf_path);
    let mut reader = csv::Reader::from_reader(elf_text.trim_start_matches('\u{feff}').as_bytes());
    let mut elf_rows = 0usize;
    let mut elf_kept = 0usize;
    for (line, rec) in reader.records().enumerate() {
        let Ok(rec) = rec else {
            err.push(format!(
                "elf-code-list-v1.5.csv: row {} is not CSV",
                line + 2
            ));
            continue;
        };
        elf_rows += 1;
        let country = rec.get(2).unwrap_or("");
        let Some(cc) = country_code(country) else {
            continue;
        };
        let names: Vec<&str> = [rec.get(5), rec.get(8)]
            .into_iter()
            .flatten()
            .filter(|n| !n.trim().is_empty())
            .collect();
        let mut best: Option<(Option<usize>, usize)> = None;
        for n in &names {
            let words = fold::fold_words(n);
            for (class, rule) in &rules {
                if rule_matches(&words, rule) && best.is_none_or(|(_, len)| rule.len() > len) {
                    best = Some((*class, rule.len()));
                }
            }
        }
        let Some((Some(class), _)) = best else {
            continue;
        };
        elf_kept += 1;
        let entry = entry_of(format!(
            "elf {} {}",
            rec.get(0).unwrap_or(""),
            rec.get(7).unwrap_or("")
        ));
        let abbrevs: Vec<&str> = [rec.get(9), rec.get(10)]
            .into_iter()
            .flatten()
            .flat_map(|a| a.split(';'))
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .collect();
        let label = abbrevs.first().copied().unwrap_or(names[0]);
        for n in &names {
            let words = fold::fold_words(n);
            let text = words.join(" ");
            if (words.len() >= 2 || words.first().is_some_and(|w| w.len() >= 8))
                && !generic_only.contains(&text)
            {
                add(text, label, (cc, class), entry, false, false, &mut forms);
            }
        }
        for a in abbrevs {
            let text = folded(a);
            let words = text.split(' ').count();
            if text.len() < 2
                || words > 5
                || exclude.contains(&text)
                || generic_only.contains(&text)
            {
                continue;
            }
            add(text, a, (cc, class), entry, false, false, &mut forms);
        }
    }
    for f in &mut forms {
        let one_word = !f.text.contains(' ');
        f.prefix |= prefix.contains(&f.text) || !one_word;
        if one_word && (f.text.len() <= 3 || ordinary.contains(f.text.as_str())) {
            f.ambiguous = true;
        }
        if unambiguous.contains(&f.text) {
            f.ambiguous = false;
        }
    }
    forms.sort_by(|a, b| a.text.cmp(&b.text));

    // Descriptors and places.
    let desc_path = dir.join("descriptors.toml");
    let desc: DescriptorFile = parse(&desc_path);
    let cited: Vec<(String, &[String])> = desc
        .descriptor
        .iter()
        .map(|d| {
            (
                format!("descriptor {:?}", d.canonical),
                d.sources.as_slice(),
            )
        })
        .collect();
    check_sources("descriptors.toml", &desc.source, &cited, &mut err);
    let place_path = dir.join("places.toml");
    let places: PlaceFile = parse(&place_path);
    let cited: Vec<(String, &[String])> = places
        .place
        .iter()
        .map(|p| (format!("place {:?}", p.canonical), p.sources.as_slice()))
        .collect();
    check_sources("places.toml", &places.source, &cited, &mut err);

    // Folded phrase -> (canonical, place kind or none, country).
    let mut phrases: BTreeMap<String, (String, Option<usize>, String, String)> = BTreeMap::new();
    let mut han: BTreeMap<String, (bool, String, String)> = BTreeMap::new();
    let canonical_ok = |c: &str| {
        !c.is_empty()
            && c.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    let mut put_phrase =
        |text: String, value: (String, Option<usize>, String), whence: String, err: &mut Errors| {
            if text.is_empty() {
                return;
            }
            if text.chars().any(fold::is_han) {
                return;
            }
            match phrases.get(&text) {
                Some(prev) if prev.0 != value.0 || prev.1 != value.1 => err.push(format!(
                    "{whence}: {text:?} is already {} in {}",
                    prev.0, prev.3
                )),
                Some(_) => {}
                None => {
                    phrases.insert(text, (value.0, value.1, value.2, whence));
                }
            }
        };
    let mut put_han =
        |text: &str, place: bool, canonical: &str, whence: String, err: &mut Errors| {
            let text = text.trim().to_string();
            if text.is_empty() {
                err.push(format!("{whence}: an empty zh form"));
                return;
            }
            if !text.chars().all(fold::is_han) {
                // Names are cut at any other character ("巴登-符腾堡"), so such a
                // form is never met whole.
                return;
            }
            match han.get(&text) {
                Some(prev) if prev.1 != canonical => err.push(format!(
                    "{whence}: Chinese {text:?} is already {} in {}",
                    prev.1, prev.2
                )),
                Some(_) => {}
                None => {
                    han.insert(text, (place, canonical.to_string(), whence));
                }
            }
        };
    for d in &desc.descriptor {
        let whence = format!("descriptors.toml: descriptor {:?}", d.canonical);
        if !canonical_ok(&d.canonical) {
            err.push(format!(
                "{whence}: canonical must be lower-case ASCII letters or digits"
            ));
            continue;
        }
        for f in std::iter::once(&d.canonical).chain(&d.forms) {
            put_phrase(
                folded(f),
                (d.canonical.clone(), None, String::new()),
                whence.clone(),
                &mut err,
            );
        }
        for z in &d.zh {
            put_han(z, false, &d.canonical, whence.clone(), &mut err);
        }
    }
    for p in &places.place {
        let whence = format!("places.toml: place {:?}", p.canonical);
        if !canonical_ok(&p.canonical) {
            err.push(format!(
                "{whence}: canonical must be lower-case ASCII letters or digits"
            ));
            continue;
        }
        let Some(kind) = PLACE_KINDS.iter().position(|(k, _)| *k == p.kind) else {
            err.push(format!(
                "{whence}: kind {:?} is not country, region, city or continent",
                p.kind
            ));
            continue;
        };
        if !p.country.is_empty() && country_code(&p.country).is_none_or(|c| c == *b"**") {
            err.push(format!(
                "{whence}: country {:?} is not an ISO 3166-1 alpha-2 code",
                p.country
            ));
        }
        for f in std::iter::once(&p.canonical).chain(&p.forms) {
            put_phrase(
                folded(f),
                (p.canonical.clone(), Some(kind), p.country.clone()),
                whence.clone(),
                &mut err,
            );
        }
        for z in &p.zh {
            put_han(z, true, &p.canonical, whence.clone(), &mut err);
        }
    }
    err.finish();

    // The generated tables.
    let mut out = String::new();
    writeln!(
        out,
        "// Generated by build.rs from data/lexicon: {elf_rows} code-list rows, {elf_kept} of them company forms; {} legal forms, {} phrases, {} Chinese words.\n",
        forms.len(),
        phrases.len(),
        han.len()
    )
    .unwrap();
    out.push_str("pub(crate) static LEGAL: &[LegalData] = &[\n");
    for f in &forms {
        let kinds: Vec<String> = f
            .kinds
            .iter()
            .map(|(cc, c)| {
                format!(
                    "(*b\"{}{}\", LegalClass::{})",
                    cc[0] as char, cc[1] as char, CLASSES[*c].1
                )
            })
            .collect();
        let entries: Vec<String> = f.entries.iter().map(u32::to_string).collect();
        writeln!(
            out,
            "    LegalData {{ text: {}, label: {}, kinds: &[{}], entries: &[{}], prefix: {}, ambiguous: {} }},",
            rust_str(&f.text),
            rust_str(&f.label),
            kinds.join(", "),
            entries.join(", "),
            f.prefix,
            f.ambiguous
        )
        .unwrap();
    }
    out.push_str("];\n\n");
    out.push_str("pub(crate) static PHRASES: &[PhraseData] = &[\n");
    for (text, (canonical, kind, country, _)) in &phrases {
        let kind = match kind {
            Some(k) => format!("Some(PlaceKind::{})", PLACE_KINDS[*k].1),
            None => "None".to_string(),
        };
        writeln!(
            out,
            "    PhraseData {{ text: {}, canonical: {}, place: {kind}, country: {} }},",
            rust_str(text),
            rust_str(canonical),
            rust_str(country)
        )
        .unwrap();
    }
    out.push_str("];\n\n");
    out.push_str("pub(crate) static HAN_WORDS: &[HanData] = &[\n");
    for (text, (place, canonical, _)) in &han {
        writeln!(
            out,
            "    HanData {{ text: {}, place: {place}, gloss: {} }},",
            rust_str(text),
            rust_str(canonical)
        )
        .unwrap();
    }
    out.push_str("];\n\n");
    writeln!(
        out,
        "pub(crate) static ORDINARY_WORDS: &str = include_str!({:?});",
        words_path
            .canonicalize()
            .expect("the file was read")
            .display()
            .to_string()
    )
    .unwrap();
    // The ordinary words in an open-addressing table, at most half full:
    // each slot the offset (plus one) of the word's line.
    let mut lines: Vec<(usize, &str)> = Vec::new();
    let mut offset = 0;
    for line in words_text.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        if !body.starts_with('#')
            && let Some((w, z)) = body.split_once('\t')
        {
            if z.parse::<u8>().is_err() {
                panic!(
                    "word-frequency.txt: {body:?}: expected a word, a tab and a number up to 255"
                );
            }
            lines.push((offset, w));
        }
        offset += line.len();
    }
    let slots = (lines.len() * 2).next_power_of_two().max(1);
    let mut table = vec![0u32; slots];
    for &(off, w) in &lines {
        let mut at = (fold::word_hash(w.as_bytes()) as usize) & (slots - 1);
        while table[at] != 0 {
            at = (at + 1) & (slots - 1);
        }
        table[at] = u32::try_from(off + 1).expect("the word list is under 4 GiB");
    }
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let bytes: Vec<u8> = table.iter().flat_map(|v| v.to_le_bytes()).collect();
    fs::write(out_dir.join("ordinary.bin"), bytes).expect("OUT_DIR is writable");
    out.push_str(
        "pub(crate) static ORDINARY_TABLE: &[u8] = include_bytes!(concat!(env!(\"OUT_DIR\"), \"/ordinary.bin\"));\n",
    );
    fs::write(out_dir.join("lexicon.rs"), out).expect("OUT_DIR is writable");
}
