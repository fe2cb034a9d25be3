//! The award model every reader produces.

use std::fmt;

/// The format an award was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// An eForms notice.
    Eforms,
    /// A legacy TED XML notice.
    Ted,
    /// An OCDS release.
    Ocds,
    /// A CORDIS organisation row.
    Cordis,
    /// A row of a plain award table.
    Table,
}

impl Format {
    /// Its name in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Eforms => "eforms",
            Format::Ted => "ted",
            Format::Ocds => "ocds",
            Format::Cordis => "cordis",
            Format::Table => "csv",
        }
    }
}

/// An organisation as a notice names it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Party {
    /// Its id inside the notice (`ORG-0001`, an OCDS party id).
    pub local_id: Option<String>,
    /// Its name as written; `None` when the notice refers to it without
    /// defining it.
    pub name: Option<String>,
    /// A registration or VAT number.
    pub registration: Option<String>,
    /// Its country as written (ISO alpha-2 or alpha-3, or a name).
    pub country: Option<String>,
}

/// An amount with its currency.
#[derive(Clone, Debug, PartialEq)]
pub struct Money {
    /// The amount.
    pub amount: f64,
    /// ISO 4217 code; `None` when the notice gives none.
    pub currency: Option<String>,
}

/// A field the publisher withheld (eForms `FieldsPrivacy`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Withheld {
    /// The field's code (`win-cho` winner chosen, `win-ten-val` winning
    /// tender value, `not-val` notice value, ...).
    pub field: String,
    /// The justification code.
    pub reason: Option<String>,
    /// When it may be published.
    pub until: Option<String>,
}

/// Participation in an EU research programme (CORDIS).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Programme {
    /// The project's acronym.
    pub acronym: Option<String>,
    /// The participant's role (coordinator, participant, ...).
    pub role: Option<String>,
    /// The programme (Horizon Europe, H2020, ...), from the file's name
    /// or columns when known.
    pub programme: Option<String>,
}

/// One award: a buyer, the suppliers that won, what and for how much.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Award {
    /// The file it came from.
    pub file: String,
    /// Where in the file: a line (1-based) for line formats.
    pub line: Option<u64>,
    /// Where in the file: a byte offset for XML and JSON documents.
    pub offset: Option<u64>,
    /// The format.
    pub format: Option<Format>,
    /// The notice or release id (eForms publication number or notice id,
    /// TED document id, OCDS ocid, CORDIS project id).
    pub notice_id: Option<String>,
    /// The notice's form or subtype (eForms subtype `29`, TED `F03`).
    pub notice_type: Option<String>,
    /// The buyer.
    pub buyer: Option<Party>,
    /// The winners (several for a consortium).
    pub suppliers: Vec<Party>,
    /// The lot, when the notice has lots.
    pub lot: Option<String>,
    /// CPV codes, main first, as written (8 digits, with or without check
    /// digit).
    pub cpv: Vec<String>,
    /// The value awarded (or the EU contribution for a programme).
    pub value: Option<Money>,
    /// The date (of the contract, the award, or the notice).
    pub date: Option<String>,
    /// Fields withheld from publication.
    pub withheld: Vec<Withheld>,
    /// For programme participation: the project.
    pub programme: Option<Programme>,
}

impl Award {
    /// Where it was read, for messages: `file:line` or `file, byte N`.
    pub fn location(&self) -> String {
        match (self.line, self.offset) {
            (Some(l), _) => format!("{}:{l}", self.file),
            (None, Some(o)) => format!("{}, byte {o}", self.file),
            (None, None) => self.file.clone(),
        }
    }
}

/// Something a reader could not read, or read with doubt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The file.
    pub file: String,
    /// The line (1-based), for line formats.
    pub line: Option<u64>,
    /// The byte offset, for documents.
    pub offset: Option<u64>,
    /// The notice it concerns, when known.
    pub notice_id: Option<String>,
    /// What is wrong and what was expected.
    pub message: String,
    /// Whether the record was left out (an error) or kept (a warning).
    pub skipped: bool,
}

impl Problem {
    /// A problem at a line of a file (or at its start), for no
    /// particular notice.
    pub fn at_line(file: &str, line: Option<u64>, message: String, skipped: bool) -> Problem {
        Problem {
            file: file.to_owned(),
            line,
            offset: None,
            notice_id: None,
            message,
            skipped,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        } else if let Some(o) = self.offset {
            write!(f, ", byte {o}")?;
        }
        if let Some(n) = &self.notice_id {
            write!(f, ": notice {n}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// What reading one input gave.
#[derive(Debug, Default)]
pub struct Read {
    /// The awards.
    pub awards: Vec<Award>,
    /// The problems, in the order met.
    pub problems: Vec<Problem>,
    /// Notices (or releases, rows) read.
    pub notices: u64,
}

impl Read {
    /// Appends what a part of the input gave, its lines and byte
    /// offsets shifted by where the part starts.
    pub fn absorb(&mut self, mut part: Read, line_shift: u64, offset_shift: u64) {
        for a in &mut part.awards {
            a.line = a.line.map(|l| l + line_shift);
            a.offset = a.offset.map(|o| o + offset_shift);
        }
        for p in &mut part.problems {
            p.line = p.line.map(|l| l + line_shift);
            p.offset = p.offset.map(|o| o + offset_shift);
        }
        self.notices += part.notices;
        self.awards.append(&mut part.awards);
        self.problems.append(&mut part.problems);
    }
}
