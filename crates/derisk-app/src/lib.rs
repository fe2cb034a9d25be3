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

pub mod bench;
pub mod clock;
pub mod detect;
pub mod input;
pub mod registry;
pub mod screen;
pub mod session;
