//! The `derisk` command-line tool.
//!
//! This crate only parses arguments, calls the library crates and prints
//! their results; it holds no business logic.

mod bench_cmd;
mod cli;
mod input;
mod output;
mod path_cmd;
mod registry_cmd;
mod screen_cmd;

use std::io::ErrorKind;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

/// What a command concluded, mapped to the documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Exit 0: done, nothing to report.
    Clean,
    /// Exit 1: the command found something (validation errors, findings).
    Findings,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(err) => {
            // A closed pipe (`derisk registry list | head`) is not an error.
            if err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("derisk: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<Outcome> {
    match &cli.command {
        Command::Registry(cmd) => registry_cmd::run(&cli.global, cmd),
        Command::Screen(args) => screen_cmd::screen(&cli.global, args),
        Command::Compare(args) => screen_cmd::compare(args),
        Command::Bench(cli::BenchCommand::Screen(args)) => bench_cmd::screen(args),
    }
}
