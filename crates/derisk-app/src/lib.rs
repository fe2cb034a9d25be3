//! The application layer of derisk: the work a command does between
//! reading its arguments and printing its results, as functions over typed
//! inputs and typed results, so that the command line, a server and a batch
//! job drive the same code.
//!
//! What lives here so far:
//!
//! - [`registry`]: assembling the registry a run uses (the shipped files or
//!   a directory, overlays, or a compiled snapshot with its name index, and
//!   the FollowTheMoney, Consolidated Screening List and IEEE imports
//!   layered over it), with what happened on the way as [`registry::Event`]s
//!   for the caller to show;
//! - [`detect`]: what kind of file an input is (supplier names, device
//!   evidence, a scan, a capture, notices), from its first bytes, and what
//!   a file that no command reads as given is instead ([`detect::Foreign`]).
//!
//! **Invariant:** nothing here prints. Messages a user should see are
//! returned as values; the caller decides where they go.

pub mod assets;
pub mod audit;
pub mod bench;
pub mod clock;
pub mod detect;
pub mod engine;
pub mod entity;
pub mod files;
pub mod findings;
pub mod input;
pub mod mac;
pub mod monitor;
pub mod procurement;
pub mod registry;
pub mod screen;
pub mod session;
pub mod wire;

/// Something a pipeline says on the way that a user should see: a
/// warning, a note, progress. Pipelines hand these to the caller, which
/// decides where they go (the command line prints them as
/// `derisk: LABEL: TEXT`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// What kind of message: `warning`, `error`, `note`, or the stage
    /// speaking (`audit`, `recog`); empty for none.
    pub label: &'static str,
    /// The message, naming the file, line or field it is about.
    pub text: String,
}

impl Message {
    /// A message with a label.
    pub fn new(label: &'static str, text: impl Into<String>) -> Message {
        Message {
            label,
            text: text.into(),
        }
    }

    /// A warning: the work goes on without what it is about.
    pub fn warning(text: impl ToString) -> Message {
        Message::new("warning", text.to_string())
    }

    /// An error: what it is about could not be done.
    pub fn error(text: impl ToString) -> Message {
        Message::new("error", text.to_string())
    }

    /// A problem in a data file, as the file's loader located it
    /// (`file:line:column: error: field: message`; an error there leaves
    /// the record out, not the work).
    pub fn diagnostic(d: &derisk_registry::Diagnostic) -> Message {
        Message::new("", d.to_string())
    }

    /// A note: worth knowing, nothing wrong.
    pub fn note(text: impl ToString) -> Message {
        Message::new("note", text.to_string())
    }
}

impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.label.is_empty() {
            f.write_str(&self.text)
        } else {
            write!(f, "{}: {}", self.label, self.text)
        }
    }
}
