//! Reading typed fields out of a spanned TOML table while collecting every
//! problem instead of stopping at the first.

use std::ops::Range;

use derisk_core::PartialDate;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diagnostic::{Loc, RawDiagnostic, Severity};

/// Collects diagnostics for one load.
#[derive(Default)]
pub(crate) struct Sink {
    pub diagnostics: Vec<RawDiagnostic>,
}

impl Sink {
    pub fn error(&mut self, at: Loc, field: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Error, at, field, message);
    }

    pub fn warning(&mut self, at: Loc, field: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Warning, at, field, message);
    }

    fn push(
        &mut self,
        severity: Severity,
        at: Loc,
        field: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.diagnostics.push(RawDiagnostic {
            severity,
            at,
            field: field.into(),
            message: message.into(),
        });
    }
}

/// The TOML type of a value, as named in error messages.
pub(crate) fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// One table (a record, or an inline table inside one) being read.
///
/// Every accessor records the key as known; [`Record::finish`] then reports
/// the keys nobody asked for. Any error marks the record as failed, so the
/// caller can drop it while still reporting everything else wrong with it.
pub(crate) struct Record<'a, 'i> {
    pub file: usize,
    table: &'a DeTable<'i>,
    span: Range<usize>,
    /// Where the record is, for messages: `entity[hikvision]`.
    pub path: String,
    known: Vec<&'static str>,
    pub failed: bool,
}

impl<'a, 'i> Record<'a, 'i> {
    /// Starts reading `value`, which must be a table.
    pub fn open(
        file: usize,
        value: &'a Spanned<DeValue<'i>>,
        path: String,
        sink: &mut Sink,
    ) -> Option<Self> {
        match value.get_ref() {
            DeValue::Table(table) => Some(Record {
                file,
                table,
                span: value.span(),
                path,
                known: Vec::new(),
                failed: false,
            }),
            other => {
                sink.error(
                    Loc {
                        file,
                        span: value.span(),
                    },
                    path,
                    format!("expected a table, found {}", type_name(other)),
                );
                None
            }
        }
    }

    /// Location of the whole record.
    pub fn loc(&self) -> Loc {
        Loc {
            file: self.file,
            span: self.span.clone(),
        }
    }

    /// Location of a value inside this record.
    pub fn loc_of(&self, span: Range<usize>) -> Loc {
        Loc {
            file: self.file,
            span,
        }
    }

    /// `path.key`, for messages.
    pub fn field(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    /// Reports an error against `key` and marks the record failed.
    pub fn fail(
        &mut self,
        sink: &mut Sink,
        span: Range<usize>,
        key: &str,
        message: impl Into<String>,
    ) {
        self.failed = true;
        sink.error(self.loc_of(span), self.field(key), message);
    }

    /// Reports a value of the wrong TOML type: "expected …, found an array".
    fn wrong_type(&mut self, sink: &mut Sink, v: &Spanned<DeValue<'_>>, key: &str, expected: &str) {
        let found = type_name(v.get_ref());
        self.fail(
            sink,
            v.span(),
            key,
            format!("expected {expected}, found {found}"),
        );
    }

    /// Looks up a key without interpreting it.
    pub fn raw(&mut self, key: &'static str) -> Option<&'a Spanned<DeValue<'i>>> {
        self.known.push(key);
        self.table.get(key)
    }

    /// A string field. `required` reports a missing key.
    pub fn string(
        &mut self,
        sink: &mut Sink,
        key: &'static str,
        required: bool,
    ) -> Option<Spanned<String>> {
        match self.raw(key) {
            None => {
                if required {
                    self.missing(sink, key, "a string");
                }
                None
            }
            Some(v) => match v.get_ref() {
                DeValue::String(s) if s.trim().is_empty() => {
                    self.fail(sink, v.span(), key, "must not be empty");
                    None
                }
                DeValue::String(s) => Some(Spanned::new(v.span(), s.to_string())),
                _ => {
                    self.wrong_type(sink, v, key, "a string");
                    None
                }
            },
        }
    }

    /// A string field parsed by `parse`, whose error explains what is
    /// expected.
    pub fn parsed<T, E: std::fmt::Display>(
        &mut self,
        sink: &mut Sink,
        key: &'static str,
        required: bool,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<Spanned<T>> {
        let text = self.string(sink, key, required)?;
        match parse(text.get_ref()) {
            Ok(value) => Some(Spanned::new(text.span(), value)),
            Err(e) => {
                self.fail(sink, text.span(), key, e.to_string());
                None
            }
        }
    }

    /// A closed-vocabulary field: `parse` returns `None` for unknown text and
    /// `expected` lists the accepted values.
    pub fn word<T>(
        &mut self,
        sink: &mut Sink,
        key: &'static str,
        required: bool,
        what: &str,
        parse: impl FnOnce(&str) -> Option<T>,
        expected: impl FnOnce() -> String,
    ) -> Option<T> {
        if required && !self.table.contains_key(key) {
            self.known.push(key);
            self.missing(sink, key, &format!("one of: {}", expected()));
            return None;
        }
        let text = self.string(sink, key, false)?;
        match parse(text.get_ref()) {
            Some(v) => Some(v),
            None => {
                let message = format!(
                    "unknown {what} {:?}; expected one of: {}",
                    text.get_ref(),
                    expected()
                );
                self.fail(sink, text.span(), key, message);
                None
            }
        }
    }

    /// A date: a TOML local date (`2019-10-09`) or a string with the
    /// precision the source gives (`"2019-10"`, `"2019"`).
    /// A date that must be there: reported as missing otherwise.
    pub fn required_date(
        &mut self,
        sink: &mut Sink,
        key: &'static str,
        why: &str,
    ) -> Option<PartialDate> {
        if self.raw(key).is_none() {
            self.missing(sink, key, why);
            return None;
        }
        self.date(sink, key)
    }

    pub fn date(&mut self, sink: &mut Sink, key: &'static str) -> Option<PartialDate> {
        let v = self.raw(key)?;
        let expected = "a date: YYYY-MM-DD, or a string \"YYYY-MM\" or \"YYYY\"";
        match v.get_ref() {
            DeValue::String(s) => match s.parse::<PartialDate>() {
                Ok(d) => Some(d),
                Err(e) => {
                    self.fail(sink, v.span(), key, e.to_string());
                    None
                }
            },
            DeValue::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
                let date = dt.date?;
                match PartialDate::new(date.year, Some(date.month), Some(date.day)) {
                    Ok(d) => Some(d),
                    Err(e) => {
                        self.fail(sink, v.span(), key, e.to_string());
                        None
                    }
                }
            }
            DeValue::Datetime(_) => {
                self.fail(
                    sink,
                    v.span(),
                    key,
                    format!("expected {expected}; a time of day is not allowed"),
                );
                None
            }
            _ => {
                self.wrong_type(sink, v, key, expected);
                None
            }
        }
    }

    /// A number (integer or float).
    pub fn number(&mut self, sink: &mut Sink, key: &'static str) -> Option<Spanned<f64>> {
        let v = self.raw(key)?;
        let parsed = match v.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                .ok()
                .map(|i| i as f64),
            DeValue::Float(f) => f.as_str().parse::<f64>().ok().filter(|f| f.is_finite()),
            _ => None,
        };
        match (parsed, v.get_ref()) {
            (Some(n), _) => Some(Spanned::new(v.span(), n)),
            (None, DeValue::Integer(i)) => {
                self.fail(
                    sink,
                    v.span(),
                    key,
                    format!("expected a finite number, found {i}, which is out of range"),
                );
                None
            }
            (None, DeValue::Float(f)) => {
                self.fail(
                    sink,
                    v.span(),
                    key,
                    format!("expected a finite number, found {f}"),
                );
                None
            }
            (None, _) => {
                self.wrong_type(sink, v, key, "a finite number");
                None
            }
        }
    }

    /// A boolean.
    pub fn boolean(&mut self, sink: &mut Sink, key: &'static str) -> Option<bool> {
        let v = self.raw(key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.wrong_type(sink, v, key, "true or false");
                None
            }
        }
    }

    /// An array of non-empty strings. `example` shows the expected form.
    pub fn strings(
        &mut self,
        sink: &mut Sink,
        key: &'static str,
        required: bool,
        example: &str,
    ) -> Option<Vec<Spanned<String>>> {
        let Some(v) = self.raw(key) else {
            if required {
                self.missing(sink, key, example);
            }
            return None;
        };
        let DeValue::Array(items) = v.get_ref() else {
            self.wrong_type(sink, v, key, &format!("an array such as {example}"));
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match item.get_ref() {
                DeValue::String(s) if !s.trim().is_empty() => {
                    out.push(Spanned::new(item.span(), s.to_string()))
                }
                other => {
                    let what = if matches!(other, DeValue::String(_)) {
                        "an empty string"
                    } else {
                        type_name(other)
                    };
                    self.fail(
                        sink,
                        item.span(),
                        &format!("{key}[{i}]"),
                        format!("expected a non-empty string, found {what}"),
                    );
                }
            }
        }
        if items.is_empty() && required {
            self.fail(
                sink,
                v.span(),
                key,
                format!("must not be empty; expected {example}"),
            );
        }
        Some(out)
    }

    /// An array of tables (inline or not); each element with its path.
    pub fn tables(
        &mut self,
        sink: &mut Sink,
        key: &'static str,
    ) -> Vec<(String, &'a Spanned<DeValue<'i>>)> {
        let Some(v) = self.raw(key) else {
            return Vec::new();
        };
        match v.get_ref() {
            DeValue::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| (format!("{}.{key}[{i}]", self.path), item))
                .collect(),
            _ => {
                self.wrong_type(sink, v, key, "an array of tables");
                Vec::new()
            }
        }
    }

    fn missing(&mut self, sink: &mut Sink, key: &str, expected: &str) {
        self.failed = true;
        sink.error(
            self.loc(),
            self.field(key),
            format!("missing required field; expected {expected}"),
        );
    }

    /// Reports keys that no accessor asked for, suggesting the closest known
    /// one. Returns whether the record is free of errors.
    pub fn finish(mut self, sink: &mut Sink) -> bool {
        let mut known = std::mem::take(&mut self.known);
        known.sort_unstable();
        known.dedup();
        for (key, _) in self.table.iter() {
            let name: &str = key.get_ref();
            if known.binary_search(&name).is_ok() {
                continue;
            }
            let hint = closest(name, &known)
                .map(|k| format!(" (did you mean `{k}`?)"))
                .unwrap_or_default();
            let message = format!(
                "unknown field `{name}`{hint}; expected one of: {}",
                known.join(", ")
            );
            self.fail(sink, key.span(), name, message);
        }
        !self.failed
    }
}

/// The known key within edit distance 2 of `key`, if any.
pub(crate) fn closest<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (edit_distance(key, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k)
}

/// Levenshtein distance over characters; only used for short keys.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys() {
        assert_eq!(
            closest("sorces", &["id", "sources", "kind"]),
            Some("sources")
        );
        assert_eq!(closest("colour", &["id", "sources", "kind"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
