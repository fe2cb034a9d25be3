//! Just enough JSON scanning to cut a file into its records before each is
//! parsed: strings and nesting are followed, nothing else is checked. A
//! truncated or broken file so still yields every complete record before
//! the break, with byte offsets for line and column in diagnostics.

/// A serde_json error without its " at line L column C", which counts
/// from the record, not the file.
pub(crate) fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rsplit_once(" at line ") {
        Some((head, _)) => head.to_owned(),
        None => text,
    }
}

/// Line and column of offsets met in increasing order, counted once
/// through the text (asking [`line_col`] for each record of a large file
/// would rescan it from the start every time).
pub(crate) struct LineCounter<'b> {
    bytes: &'b [u8],
    pos: usize,
    line: u64,
    line_start: usize,
}

impl<'b> LineCounter<'b> {
    pub(crate) fn new(bytes: &'b [u8]) -> Self {
        LineCounter {
            bytes,
            pos: 0,
            line: 1,
            line_start: 0,
        }
    }

    /// 1-based line and column of byte `at`.
    pub(crate) fn at(&mut self, at: usize) -> (u64, usize) {
        let at = at.min(self.bytes.len());
        if at < self.pos {
            return line_col(self.bytes, at);
        }
        for (i, &b) in self.bytes[self.pos..at].iter().enumerate() {
            if b == b'\n' {
                self.line += 1;
                self.line_start = self.pos + i + 1;
            }
        }
        self.pos = at;
        (self.line, at - self.line_start + 1)
    }
}

/// 1-based line and column of byte `at`.
pub(crate) fn line_col(bytes: &[u8], at: usize) -> (u64, usize) {
    let before = &bytes[..at.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    (line, at - start + 1)
}

/// Records with their byte offsets, and the problem that ended the scan
/// early with its offset.
pub(crate) type Records<'t> = (Vec<(usize, &'t str)>, Option<(usize, String)>);

/// The records of a CSL JSON text, each with its byte offset: the elements
/// of the `results` array of the top-level object, of a top-level array,
/// or the objects of JSON lines. Elements are delimited by a scan that
/// follows strings and nesting, so a truncated or broken file still gives
/// every complete record before the break, and the problem with its
/// offset.
pub(crate) fn records(text: &str) -> Records<'_> {
    let b = text.as_bytes();
    let start = skip(b, 0, false);
    if start == b.len() {
        return (Vec::new(), None);
    }
    match b[start] {
        b'[' => array_elements(text, start),
        b'{' => {
            // One object with a `results` array, or JSON lines.
            match find_key(text, start, "results") {
                Some(at) if b.get(at) == Some(&b'[') => array_elements(text, at),
                Some(at) => (
                    Vec::new(),
                    Some((at, "expected `results` to be an array of records".into())),
                ),
                None => json_lines(text),
            }
        }
        _ => (
            Vec::new(),
            Some((
                start,
                "expected a CSL JSON file: an object with `results`, an array of records, \
                 or one record a line; nothing imported"
                    .into(),
            )),
        ),
    }
}

/// The end (exclusive) of the JSON value starting at `i`, or `None` if the
/// text ends first. Only strings and nesting are followed; the value itself
/// is parsed later.
pub(crate) fn value_end(b: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let scalar = !matches!(b.get(i), Some(b'{' | b'[' | b'"'));
    while i < b.len() {
        let c = b[i];
        if in_string {
            match c {
                b'\\' => i += 1,
                b'"' => {
                    in_string = false;
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
                _ => {}
            }
        } else {
            match c {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth > 0 => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
                b',' | b'}' | b']' if scalar => return Some(i),
                c if scalar && c.is_ascii_whitespace() => return Some(i),
                _ => {}
            }
        }
        i += 1;
    }
    scalar.then_some(i)
}

/// The offset of the value of `key` in the object starting at `open`.
fn find_key(text: &str, open: usize, key: &str) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = open + 1;
    while let Ok(Some((key_at, key_end, value_at))) = next_key(b, i) {
        let name: String = serde_json::from_str(&text[key_at..key_end]).ok()?;
        if name == key {
            return Some(value_at);
        }
        i = value_end(b, value_at)?;
    }
    None
}

/// The first offset at or after `i` that is not white space (nor a comma,
/// with `commas`).
fn skip(b: &[u8], mut i: usize, commas: bool) -> usize {
    while i < b.len() && (b[i].is_ascii_whitespace() || (commas && b[i] == b',')) {
        i += 1;
    }
    i
}

/// A member's key start, key end and value start.
type KeySpan = (usize, usize, usize);

/// The next member of an object from `i` (separators skipped): the key's
/// start and end and where its value starts; `None` at the closing brace.
fn next_key(b: &[u8], i: usize) -> Result<Option<KeySpan>, (usize, String)> {
    let key_at = skip(b, i, true);
    match b.get(key_at) {
        None => {
            return Err((
                key_at,
                "the file ends inside the object (truncated?); the complete entries before \
                 this point were read"
                    .into(),
            ));
        }
        Some(b'}') => return Ok(None),
        Some(b'"') => {}
        Some(_) => return Err((key_at, "expected a string key".into())),
    }
    let key_end = value_end(b, key_at)
        .ok_or_else(|| (key_at, "the file ends inside a key (truncated?)".to_owned()))?;
    let colon = skip(b, key_end, false);
    if b.get(colon) != Some(&b':') {
        return Err((colon, "expected `:` after the key".into()));
    }
    Ok(Some((key_at, key_end, skip(b, colon + 1, false))))
}

fn array_elements(text: &str, open: usize) -> Records<'_> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = open + 1;
    loop {
        i = skip(b, i, true);
        match b.get(i) {
            None => {
                return (
                    out,
                    Some((
                        i,
                        "the file ends inside the array of records (truncated?); \
                         the complete records before this point were read"
                            .into(),
                    )),
                );
            }
            Some(b']') => return (out, None),
            Some(_) => match value_end(b, i) {
                Some(end) => {
                    out.push((i, &text[i..end]));
                    i = end;
                }
                None => {
                    return (
                        out,
                        Some((
                            i,
                            "the file ends inside this record (truncated?); record skipped, \
                             the records before it were read"
                                .into(),
                        )),
                    );
                }
            },
        }
    }
}

fn json_lines(text: &str) -> Records<'_> {
    let mut out = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if !trimmed.trim().is_empty() {
            out.push((at + line.len() - trimmed.len(), trimmed.trim_end()));
        }
        at += line.len();
    }
    (out, None)
}

/// The members of the object starting at `open`: byte offset of each key,
/// the key's JSON text and the value's JSON text.
pub(crate) fn object_members(text: &str, open: usize) -> Members<'_> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = open + 1;
    loop {
        let (key_at, key_end, value_at) = match next_key(b, i) {
            Ok(Some(k)) => k,
            Ok(None) => return (out, None),
            Err(problem) => return (out, Some(problem)),
        };
        match value_end(b, value_at) {
            Some(end) if end > value_at => {
                out.push((key_at, &text[key_at..key_end], &text[value_at..end]));
                i = end;
            }
            _ => {
                return (
                    out,
                    Some((
                        key_at,
                        "the file ends inside this entry (truncated?); entry skipped, the \
                         entries before it were read"
                            .into(),
                    )),
                );
            }
        }
    }
}

/// Object members with their key offsets, and the problem that ended the
/// scan early.
pub(crate) type Members<'t> = (Vec<(usize, &'t str, &'t str)>, Option<(usize, String)>);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_survive_truncation() {
        let text =
            r#"{"total": 3, "results": [{"name": "A", "x": "]}"}, {"name": "B"}, {"name": "C"#;
        let (recs, problem) = records(text);
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[1].1, r#"{"name": "B"}"#);
        assert!(problem.unwrap().1.contains("truncated"));
        let (recs, problem) = records("[{\"a\": [1, {\"b\": \"}\"}]}]");
        assert_eq!(recs.len(), 1);
        assert!(problem.is_none());
        let (recs, _) = records("{\"name\": \"A\"}\n{\"name\": \"B\"}\n");
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[1].0, 14);
    }

    #[test]
    fn members_survive_truncation() {
        let (m, problem) = object_members(r#"{"00A0C8": "A\nB", "402C761": "Shan"#, 0);
        assert_eq!(m, [(1, r#""00A0C8""#, r#""A\nB""#)]);
        assert!(problem.unwrap().1.contains("truncated"));
    }
}
