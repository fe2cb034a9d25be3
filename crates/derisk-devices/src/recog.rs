//! Rapid7 Recog fingerprint files (`xml/*.xml`, BSD-2-Clause data), read
//! at run time from a directory the user names (`--recog DIR`), never
//! shipped.
//!
//! Each `<fingerprints matches="…">` file applies to one kind of value; the
//! ones that correspond to a field of the observation format are read
//! ([`field_of`]), the others are counted and skipped. Each
//! `<fingerprint>` becomes a [`Rule`]: its pattern translated from Ruby to
//! Rust regular expressions, its vendor from the `hw.vendor`, `os.vendor`
//! or `service.vendor` parameter (fixed or captured), its model from
//! `hw.product` and its firmware from `hw.version` or `os.version` when
//! they are captures.
//!
//! Ruby and Rust read patterns differently, so the translation is explicit:
//! Ruby's `^` and `$` always match at line ends (Rust `(?m)`); Ruby's `m`
//! flag and the `REG_DOT_NEWLINE`, `REG_MULTILINE` and `REG_LINE_ANY_CRLF`
//! attributes let `.` match a newline (Rust `(?s)`); `REG_ICASE` is
//! `(?i)`; inline `(?m:…)` groups become `(?s:…)`; Ruby's `\h` (a
//! hexadecimal digit) becomes `[0-9A-Fa-f]` and `\Z` becomes `\n?\z`.
//! Patterns that still do not compile (look-around, back-references) are
//! counted and skipped. Recog's own examples are run: a rule whose plain
//! examples do not match is skipped and counted.

use std::path::Path;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::fingerprint::{Example, Rule, Rules, Source};
use crate::observation::Field;

/// The observation field a Recog `matches` value applies to.
pub fn field_of(matches: &str) -> Option<Field> {
    Some(match matches {
        "http_header.server" => Field::HttpServer,
        "http_header.wwwauth" => Field::HttpWwwAuthenticate,
        "html_title" => Field::HttpTitle,
        "favicon.md5" => Field::HttpFaviconMd5,
        "rtsp_header.server" => Field::RtspServer,
        "ssh.banner" => Field::SshBanner,
        "telnet.banner" => Field::TelnetBanner,
        "ftp.banner" => Field::FtpBanner,
        "sip_header.user_agent" => Field::SipUserAgent,
        "sip_header.server" => Field::SipServer,
        "snmp.sys_description" => Field::SnmpSysdescr,
        "snmp.sys_object_id" => Field::SnmpSysobjectid,
        "x509.subject" => Field::TlsSubject,
        "x509.issuer" => Field::TlsIssuer,
        "dhcp_vendor_class" => Field::DhcpVendorClass,
        "mdns.device-info.txt" | "mdns.workstation.txt" => Field::MdnsTxt,
        _ => return None,
    })
}

/// What reading a Recog directory gave.
#[derive(Debug, Default)]
pub struct RecogLoad {
    /// The rules.
    pub rules: Rules,
    /// Files read.
    pub files: usize,
    /// Files whose `matches` is not a field of the observation format.
    pub files_skipped: usize,
    /// Fingerprints without a vendor parameter.
    pub without_vendor: usize,
    /// Patterns that do not compile in Rust.
    pub not_compiled: usize,
    /// Fingerprints whose own examples do not match after translation.
    pub examples_failed: usize,
    /// Problems that name a file (unreadable, malformed XML).
    pub problems: Vec<String>,
}

/// Translates a Recog (Ruby) pattern with its `flags` attribute into a
/// Rust pattern.
pub fn translate(pattern: &str, flags: &str) -> String {
    let mut prefix = String::from("(?m");
    if flags.contains("REG_ICASE") {
        prefix.push('i');
    }
    if ["REG_DOT_NEWLINE", "REG_MULTILINE", "REG_LINE_ANY_CRLF"]
        .iter()
        .any(|f| flags.contains(f))
    {
        prefix.push('s');
    }
    prefix.push(')');
    let mut out = String::with_capacity(pattern.len() + 8);
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            let next = chars[i + 1];
            match next {
                'h' => out.push_str(if in_class { "0-9A-Fa-f" } else { "[0-9A-Fa-f]" }),
                'Z' => out.push_str("\\n?\\z"),
                _ => {
                    out.push(c);
                    out.push(next);
                }
            }
            i += 2;
            continue;
        }
        if in_class {
            if c == ']' {
                in_class = false;
            }
            out.push(c);
            i += 1;
            continue;
        }
        if c == '[' {
            in_class = true;
            out.push(c);
            i += 1;
            // A `]` right after `[` or `[^` is literal.
            if chars.get(i) == Some(&'^') {
                out.push('^');
                i += 1;
            }
            if chars.get(i) == Some(&']') {
                out.push(']');
                i += 1;
            }
            continue;
        }
        if c == '(' && chars.get(i + 1) == Some(&'?') {
            // An inline flag group: Ruby's m is Rust's s.
            let mut j = i + 2;
            let mut flags = String::new();
            while j < chars.len() && matches!(chars[j], 'i' | 'm' | 'x' | '-') {
                flags.push(if chars[j] == 'm' { 's' } else { chars[j] });
                j += 1;
            }
            if !flags.is_empty() && j < chars.len() && matches!(chars[j], ':' | ')') {
                out.push_str("(?");
                out.push_str(&flags);
                i = j;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    format!("{prefix}{out}")
}

/// Reads every `*.xml` file of `dir`.
pub fn load_recog(dir: &Path) -> std::io::Result<RecogLoad> {
    let mut load = RecogLoad::default();
    let mut paths: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    paths.sort();
    for path in paths {
        let name = path.display().to_string();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                load.problems.push(format!("{name}: cannot read: {e}"));
                continue;
            }
        };
        load.files += 1;
        read_file(&text, &name, &mut load);
    }
    Ok(load)
}

/// A fingerprint being read.
#[derive(Default)]
struct Pending {
    pattern: String,
    flags: String,
    description: String,
    examples: Vec<String>,
    vendor: Option<(usize, String)>,
    vendor_rank: u8,
    model: Option<usize>,
    firmware: Option<usize>,
}

fn attr(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok())
        .map(|v| v.into_owned())
}

fn read_file(text: &str, file: &str, load: &mut RecogLoad) {
    let mut reader = Reader::from_str(text);
    let mut field = None;
    let mut current: Option<Pending> = None;
    let mut in_description = false;
    let mut in_example = None::<bool>; // Some(plain?)
    let source_id = format!(
        "recog-{}",
        Path::new(file)
            .file_name()
            .map_or(file.into(), |f| f.to_string_lossy())
    );
    loop {
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                load.problems.push(format!(
                    "{file}: malformed XML at byte {}: {e}; the fingerprints before it are kept",
                    reader.error_position()
                ));
                return;
            }
        };
        match event {
            Event::Eof => return,
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "fingerprints" => {
                    field = attr(&e, "matches").as_deref().and_then(field_of);
                    if field.is_none() {
                        load.files_skipped += 1;
                        return;
                    }
                    load.rules.sources.push(Source {
                        id: source_id.clone(),
                        url: file.to_owned(),
                        title: format!(
                            "Recog fingerprints ({})",
                            attr(&e, "matches").unwrap_or_default()
                        ),
                        publisher: "Rapid7 Recog (read at run time)".into(),
                        published: String::new(),
                        note: None,
                    });
                }
                "fingerprint" => {
                    current = Some(Pending {
                        pattern: attr(&e, "pattern").unwrap_or_default(),
                        flags: attr(&e, "flags").unwrap_or_default(),
                        ..Pending::default()
                    });
                }
                "description" => in_description = true,
                "example" => {
                    let plain = attr(&e, "_encoding").is_none();
                    in_example = Some(plain);
                    if let (true, Some(p)) = (plain, current.as_mut()) {
                        p.examples.push(String::new());
                    }
                }
                "param" => {
                    let Some(p) = current.as_mut() else { continue };
                    let pos: usize = attr(&e, "pos").and_then(|v| v.parse().ok()).unwrap_or(0);
                    let name = attr(&e, "name").unwrap_or_default();
                    let value = attr(&e, "value").unwrap_or_default();
                    let rank = match name.as_str() {
                        "hw.vendor" => 3,
                        "os.vendor" => 2,
                        "service.vendor" => 1,
                        _ => 0,
                    };
                    if rank > p.vendor_rank && (pos > 0 || !value.is_empty()) {
                        p.vendor = Some((pos, value));
                        p.vendor_rank = rank;
                    }
                    if name == "hw.product" && pos > 0 {
                        p.model = Some(pos);
                    }
                    if (name == "hw.version" || name == "os.version")
                        && pos > 0
                        && p.firmware.is_none()
                    {
                        p.firmware = Some(pos);
                    }
                }
                _ => {}
            },
            Event::Text(t) => {
                let Some(p) = current.as_mut() else { continue };
                let value = t.xml10_content().into_owned();
                if in_description {
                    p.description.push_str(value.trim());
                } else if in_example == Some(true)
                    && let Some(last) = p.examples.last_mut()
                {
                    last.push_str(&value);
                }
            }
            Event::GeneralRef(r) => {
                // Entities inside text (&amp; and the like).
                let Some(p) = current.as_mut() else { continue };
                let resolved = r.resolve_char_ref().ok().flatten().map(String::from);
                let name = r.xml10_content();
                let ch = resolved.unwrap_or_else(|| {
                    match name.as_ref() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    }
                    .to_owned()
                });
                let ch = ch.as_str();
                if in_description {
                    p.description.push_str(ch);
                } else if in_example == Some(true)
                    && let Some(last) = p.examples.last_mut()
                {
                    last.push_str(ch);
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                "description" => in_description = false,
                "example" => in_example = None,
                "fingerprint" => {
                    if let (Some(p), Some(f)) = (current.take(), field) {
                        finish(p, f, &source_id, load);
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
}

fn finish(p: Pending, field: Field, source: &str, load: &mut RecogLoad) {
    let Some((vendor_pos, vendor_value)) = p.vendor else {
        load.without_vendor += 1;
        return;
    };
    let pattern = translate(&p.pattern, &p.flags);
    let Ok(regex) = regex::RegexBuilder::new(&pattern)
        .size_limit(1 << 24)
        .build()
    else {
        load.not_compiled += 1;
        return;
    };
    let groups = regex.captures_len() - 1;
    if vendor_pos > groups
        || p.model.is_some_and(|m| m > groups)
        || p.firmware.is_some_and(|m| m > groups)
    {
        load.not_compiled += 1;
        return;
    }
    if p.examples.iter().any(|e| !regex.is_match(e)) {
        load.examples_failed += 1;
        return;
    }
    let id = format!("{source}#{}", load.rules.rules.len() + 1);
    load.rules.rules.push(Rule {
        id,
        description: if p.description.is_empty() {
            "a Recog fingerprint".into()
        } else {
            p.description
        },
        field,
        also: Vec::new(),
        regex,
        vendor: vendor_value,
        vendor_group: (vendor_pos > 0).then_some(vendor_pos),
        entity: None,
        model: p.model,
        firmware: p.firmware,
        confidence: 0.85,
        sources: vec![source.to_owned()],
        examples: p
            .examples
            .into_iter()
            .map(|value| Example {
                value,
                model: None,
                firmware: None,
            })
            .collect(),
        counterexamples: Vec::new(),
    });
}
