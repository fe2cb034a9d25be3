//! The `derisk` command-line tool.
//!
//! This crate only parses arguments, calls the library crates and prints
//! their results; it holds no business logic.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod bench_cmd;
mod cli;
mod input;
mod mac_cmd;
mod output;
mod path_cmd;
mod registry_cmd;
mod screen_cmd;
mod snapshot_cmd;

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
        Command::Bench(cli::BenchCommand::Import(args)) => bench_cmd::import(args),
    }
}

/// Today's date (UTC) from the system clock, for provenance.
pub(crate) fn today() -> derisk_core::PartialDate {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    derisk_core::PartialDate::new(y as u16, Some(m as u8), Some(d as u8))
        .unwrap_or_else(|_| derisk_core::PartialDate::year(1970).expect("a valid year"))
}

/// The proleptic Gregorian date of a count of days since 1970-01-01, after
/// Howard Hinnant's `civil_from_days` ("chrono-Compatible Low-Level Date
/// Algorithms", <https://howardhinnant.github.io/date_algorithms.html>).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn days_to_dates() {
        assert_eq!(super::civil_from_days(0), (1970, 1, 1));
        assert_eq!(super::civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(super::civil_from_days(20_779), (2026, 11, 22));
    }
}
