//! Curated TOML data files other than the registry (fingerprint rules,
//! relabels, look-alike names, policy frameworks, alternatives, model
//! series): arrays of tables, each record read into a typed value with
//! serde, every problem a [`Diagnostic`] at the line and column of the
//! value at fault, the same shape the registry's own problems have.
//!
//! One convention for every such file: a file that is not TOML, or has a
//! table the format does not know, fails whole with one diagnostic; a
//! record with a mistake is left out with a diagnostic naming it
//! (`rule[hik-http-server].pattern`) and the others load. Shipped files
//! must load [`clean`]ly.
//!
//! ```
//! use derisk_registry::curated::Curated;
//!
//! #[derive(serde::Deserialize)]
//! #[serde(deny_unknown_fields)]
//! struct Series { id: String, prefix: String }
//!
//! let text = "[[series]]\nid = \"ds\"\nprefix = \"DS\"\n\n[[series]]\nid = \"ipc\"\nprefx = \"IPC\"\n";
//! let file = Curated::parse(text, "series.toml", &["series"]).unwrap();
//! let (mut ok, mut problems) = (Vec::new(), Vec::new());
//! for record in file.records("series") {
//!     match file.read::<Series>(&record) {
//!         Ok(s) => ok.push(s.prefix),
//!         Err(d) => problems.push(d.to_string()),
//!     }
//! }
//! assert_eq!(ok, ["DS"]);
//! assert!(problems[0].starts_with("series.toml:7:1: error: series[ipc]: unknown field `prefx`"));
//! ```

use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use crate::diagnostic::{Diagnostic, LineIndex, Severity};

/// A curated file, parsed and checked for unknown tables.
pub struct Curated<'t> {
    file: String,
    text: &'t str,
    lines: LineIndex,
    root: DeTable<'t>,
}

/// One record of a curated file: the `n`th (1-based) table of an array.
pub struct Record<'c, 't> {
    /// Its position in its array, from 1.
    pub n: usize,
    /// Its name in messages: the array's name and the record's `id` (or
    /// `vendor`, or its number), as in `rule[hik-http-server]`.
    pub name: String,
    value: &'c Spanned<DeValue<'t>>,
}

impl Record<'_, '_> {
    /// The text of a string field, if the record has one.
    pub fn text(&self, key: &str) -> Option<&str> {
        match self.value.get_ref() {
            DeValue::Table(t) => t.get(key).and_then(|v| v.get_ref().as_str()),
            _ => None,
        }
    }

    /// Where a field's value is, or the whole record when it has none.
    fn span_of(&self, key: &str) -> Range<usize> {
        match self.value.get_ref() {
            DeValue::Table(t) => t.get(key).map_or_else(|| self.value.span(), |v| v.span()),
            _ => self.value.span(),
        }
    }
}

impl<'t> Curated<'t> {
    /// Parses `text` (named `file` in messages; a byte-order mark at its
    /// start is passed over) whose top level may hold only arrays of the
    /// tables in `tables`.
    pub fn parse(text: &'t str, file: &str, tables: &[&str]) -> Result<Curated<'t>, Diagnostic> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let lines = LineIndex::new(text);
        let at = |span: Range<usize>, field: &str, message: String| {
            let (line, column) = lines.position(text, span.start);
            Diagnostic {
                severity: Severity::Error,
                file: file.to_owned(),
                line,
                column,
                field: field.to_owned(),
                message,
            }
        };
        let root = DeTable::parse(text).map_err(|e| {
            at(
                e.span().unwrap_or(0..0),
                "",
                format!("not TOML: {}", e.message().trim_end()),
            )
        })?;
        let expected = || {
            tables
                .iter()
                .map(|k| format!("[[{k}]]"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        for (key, value) in root.get_ref() {
            let name = key.get_ref().as_ref();
            if !tables.contains(&name) {
                return Err(at(
                    key.span(),
                    "",
                    format!("unknown table {name:?}; expected {}", expected()),
                ));
            }
            if !matches!(value.get_ref(), DeValue::Array(_)) {
                return Err(at(
                    key.span(),
                    name,
                    format!("expected an array of tables, written [[{name}]]"),
                ));
            }
        }
        let file = file.to_owned();
        Ok(Curated {
            file,
            text,
            lines,
            root: root.into_inner(),
        })
    }

    /// The file's name as given.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The records of the array `kind`, in file order.
    pub fn records(&self, kind: &str) -> Vec<Record<'_, 't>> {
        let Some(DeValue::Array(items)) = self.root.get(kind).map(Spanned::get_ref) else {
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .map(|(i, value)| {
                let mut record = Record {
                    n: i + 1,
                    name: String::new(),
                    value,
                };
                let label = ["id", "vendor", "brand", "phrase", "prefix"]
                    .iter()
                    .find_map(|k| record.text(k).map(str::to_owned))
                    .unwrap_or_else(|| (i + 1).to_string());
                record.name = format!("{kind}[{label}]");
                record
            })
            .collect()
    }

    /// The record read as a `T`, or a diagnostic at what serde refused
    /// (an unknown field, a missing one, a value of the wrong type).
    pub fn read<T: DeserializeOwned>(&self, record: &Record<'_, 't>) -> Result<T, Diagnostic> {
        T::deserialize(ValueDeserializer::from(record.value.clone())).map_err(|e| {
            let span = e.span().unwrap_or_else(|| record.value.span());
            self.diagnostic(
                Severity::Error,
                span,
                record.name.clone(),
                e.message().trim_end().to_owned(),
            )
        })
    }

    /// An error in `record`'s field `key` (empty for the record as a
    /// whole), located at the field's value.
    pub fn error(
        &self,
        record: &Record<'_, 't>,
        key: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.problem(Severity::Error, record, key, message)
    }

    /// A warning in `record`'s field `key`: the record still loads.
    pub fn warning(
        &self,
        record: &Record<'_, 't>,
        key: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.problem(Severity::Warning, record, key, message)
    }

    fn problem(
        &self,
        severity: Severity,
        record: &Record<'_, 't>,
        key: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        let field = if key.is_empty() {
            record.name.clone()
        } else {
            format!("{}.{key}", record.name)
        };
        self.diagnostic(severity, record.span_of(key), field, message.into())
    }

    fn diagnostic(
        &self,
        severity: Severity,
        span: Range<usize>,
        field: String,
        message: String,
    ) -> Diagnostic {
        let (line, column) = self.lines.position(self.text, span.start);
        Diagnostic {
            severity,
            file: self.file.clone(),
            line,
            column,
            field,
            message,
        }
    }
}

/// A parsed file that must have loaded without a problem (a shipped one,
/// whose tests keep it clean): the value, or every problem.
pub fn clean<T>(parsed: Result<(T, Vec<Diagnostic>), Diagnostic>) -> Result<T, Vec<Diagnostic>> {
    match parsed {
        Ok((value, problems)) if problems.is_empty() => Ok(value),
        Ok((_, problems)) => Err(problems),
        Err(e) => Err(vec![e]),
    }
}

/// Every diagnostic on its own line, for an error that carries them.
pub fn lines(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Rule {
        id: String,
        confidence: f64,
    }

    #[test]
    fn a_file_that_is_not_toml_fails_at_its_position() {
        let e = Curated::parse("[[rule]\nid = 1\n", "r.toml", &["rule"])
            .err()
            .unwrap();
        assert_eq!((e.file.as_str(), e.line), ("r.toml", 1));
        assert!(e.message.starts_with("not TOML: "), "{e}");
    }

    #[test]
    fn an_unknown_table_is_named_with_those_expected() {
        let e = Curated::parse(
            "[[rule]]\nid = \"a\"\n[[rules]]\nid = \"b\"\n",
            "r.toml",
            &["rule", "source"],
        )
        .err()
        .unwrap();
        assert_eq!(
            e.to_string(),
            "r.toml:3:3: error: unknown table \"rules\"; expected [[rule]], [[source]]"
        );
        let e = Curated::parse("rule = 3\n", "r.toml", &["rule"])
            .err()
            .unwrap();
        assert_eq!(
            e.to_string(),
            "r.toml:1:1: error: rule: expected an array of tables, written [[rule]]"
        );
    }

    #[test]
    fn problems_point_at_the_value_and_name_the_record() {
        let text = "[[rule]]\nid = \"a\"\nconfidence = 0.5\n\n[[rule]]\nid = \"b\"\nconfidence = \"high\"\n\n[[rule]]\nconfidence = 2.0\n";
        let f = Curated::parse(text, "r.toml", &["rule"]).unwrap();
        let records = f.records("rule");
        assert_eq!(records.len(), 3);
        assert_eq!(f.read::<Rule>(&records[0]).unwrap().confidence, 0.5);
        let wrong = f.read::<Rule>(&records[1]).unwrap_err();
        assert_eq!((wrong.line, wrong.column), (7, 14));
        assert_eq!(wrong.field, "rule[b]");
        let missing = f.read::<Rule>(&records[2]).unwrap_err();
        assert_eq!(missing.field, "rule[3]");
        assert!(missing.message.contains("missing field `id`"), "{missing}");
        let bad = f.error(&records[0], "confidence", "expected a number in (0, 1]");
        assert_eq!(
            bad.to_string(),
            "r.toml:3:14: error: rule[a].confidence: expected a number in (0, 1]"
        );
        assert_eq!(f.error(&records[0], "absent", "x").line, 1);
    }

    #[test]
    fn a_byte_order_mark_is_passed_over() {
        let f = Curated::parse(
            "\u{feff}[[rule]]\nid = \"a\"\nconfidence = 7\n",
            "r.toml",
            &["rule"],
        )
        .unwrap();
        let r = &f.records("rule")[0];
        let d = f.error(r, "confidence", "too high");
        assert_eq!((d.line, d.column), (3, 14));
    }
}
