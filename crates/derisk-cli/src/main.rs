//! The `derisk` command-line tool.
//!
//! This crate only parses arguments, calls the library crates and prints
//! their results; it holds no business logic.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Messages on standard error, as `std::eprintln!` writes them, except
/// that a closed standard error (`derisk ... 2>&1 >/dev/null | head -0`)
/// loses the message instead of panicking: warnings and progress are not
/// worth failing the work for. Defined before the modules, so that it is
/// the `eprintln!` of the whole crate.
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod assets_cmd;
mod audit_cmd;
mod cli;
mod mac_cmd;
mod monitor_cmd;
mod output;
mod path_cmd;
mod procure_cmd;
mod registry_cmd;
mod screen_cmd;
mod snapshot_cmd;
mod store_cmd;

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
    let mut cli = Cli::parse();
    cli.global = match cli.global.with_environment() {
        Ok(g) => g,
        Err(e) => {
            eprintln!("derisk: error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = derisk_app::clock::check_today() {
        eprintln!("derisk: error: {e}");
        return ExitCode::from(2);
    }
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
        Command::Assets(args) => assets_cmd::assets(&cli.global, args),
        Command::Procurement(args) => procure_cmd::procurement(&cli.global, args),
        Command::Audit(args) => audit_cmd::audit(&cli.global, args),
        Command::Runs(cli::RunsCommand::List(args)) => store_cmd::list(&cli.global, args),
        Command::Runs(cli::RunsCommand::Show(args)) => store_cmd::show(&cli.global, args),
        Command::Decide(args) => store_cmd::decide(&cli.global, args),
        Command::Monitor(args) => monitor_cmd::monitor(&cli.global, args),
        Command::Bench(b) => bench(|o| {
            use cli::BenchCommand as B;
            use derisk_app::bench;
            match b {
                B::Screen(args) => bench::screen(args, o),
                B::Import(args) => bench::import(args, o),
                B::Assets(args) => bench::assets(args, o),
                B::Capture(args) => bench::capture(args, o),
                B::Nmap(args) => bench::nmap(args, o),
                B::Procurement(args) => bench::procurement(args, o),
                B::Audit(args) => bench::audit(args, o),
            }
        }),
    }
}

pub(crate) use derisk_app::clock::{today, unix_now};

/// Prints a pipeline's message on standard error.
pub(crate) fn say(m: derisk_app::Message) {
    eprintln!("derisk: {m}");
}

/// Runs a benchmark, its report on standard output.
fn bench(
    run: impl FnOnce(&mut dyn std::io::Write) -> anyhow::Result<()>,
) -> anyhow::Result<Outcome> {
    let mut out = output::stdout();
    run(&mut out)?;
    std::io::Write::flush(&mut out)?;
    Ok(Outcome::Clean)
}
