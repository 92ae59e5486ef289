//! The `gridsim` command line: power flow, OPF, contingency analysis and validation.
//!
//! Exit codes: 0 solved (or all checks passed), 1 not converged / infeasible / a check failed,
//! 2 input error. Data goes to stdout (or `--out`), diagnostics to stderr. Each subcommand
//! lives in its own `cmd_*` module with its clap arguments and a `run` function.

use std::fmt::Display;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use gridsim_networks::output::SolutionDocument;
use gridsim_networks::{matpower, Case, Network};

mod cmd_forecast;
mod cmd_n1;
mod cmd_opf;
mod cmd_pf;
mod cmd_run;
mod cmd_uc;
mod cmd_validate;
mod pf_snapshots;
mod study;

#[derive(Parser)]
#[command(
    name = "gridsim",
    version,
    about = "Power grid simulation: power flow, OPF, N-1, Monte Carlo studies"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Power flow of a MATPOWER case (AC Newton–Raphson, or DC).
    Pf(cmd_pf::PfArgs),
    /// Optimal power flow of a MATPOWER case (DC, on HiGHS), with locational marginal prices.
    Opf(cmd_opf::OpfArgs),
    /// N-1 contingency analysis: every single-branch outage (or a list), DC screening or AC.
    N1(cmd_n1::N1Args),
    /// Load, solar and wind forecasting: backtests on GEFCom2014.
    #[command(subcommand)]
    Forecast(cmd_forecast::ForecastCommand),
    /// Unit commitment of a PGLib-UC instance (tight MILP on HiGHS), with prices.
    Uc(cmd_uc::Args),
    /// Runs the validation suite against MATPOWER's reference solutions; exit 1 on a mismatch.
    Validate(cmd_validate::ValidateArgs),
    /// Runs a Monte Carlo study of a scenario file, comparing its strategies.
    Run(cmd_run::RunArgs),
    /// Checks a scenario file without running it; every problem with its line and column.
    Check(cmd_run::CheckArgs),
    /// Merges the replications.csv of several shards of one study; writes the summary.
    Merge(cmd_run::MergeArgs),
}

fn main() -> ExitCode {
    let outcome = match Cli::parse().command {
        Command::Pf(args) => cmd_pf::run(&args),
        Command::Opf(args) => cmd_opf::run(&args),
        Command::N1(args) => cmd_n1::run(&args),
        Command::Uc(args) => Ok(cmd_uc::run(args)),
        Command::Forecast(c) => Ok(cmd_forecast::run(c)),
        Command::Validate(args) => Ok(cmd_validate::run(&args)),
        Command::Run(args) => cmd_run::run(&args),
        Command::Check(args) => cmd_run::check(&args),
        Command::Merge(args) => cmd_run::merge(&args),
    };
    outcome.unwrap_or_else(|e| {
        eprintln!("error: {}", e.0);
        ExitCode::from(2)
    })
}

/// An input error (unreadable or invalid file, bad option): printed as `error: …`, exit 2.
pub(crate) struct InputError(pub String);

impl<E: Display> From<E> for InputError {
    fn from(e: E) -> Self {
        InputError(e.to_string())
    }
}

/// What a subcommand returns: an exit code (0 ok, 1 failed) or an input error (2).
pub(crate) type Outcome = Result<ExitCode, InputError>;

/// Exit code 0 when `ok`, else 1.
pub(crate) fn exit_code(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// A case read from `path` and compiled to a network, with the parse time in ms.
pub(crate) fn load_network(path: &Path) -> Result<(Case, Network, f64), InputError> {
    let t0 = Instant::now();
    let case = matpower::read(path)?;
    let parse_ms = t0.elapsed().as_secs_f64() * 1e3;
    let net =
        Network::from_case(&case).map_err(|e| InputError(format!("{}: {e}", path.display())))?;
    Ok((case, net, parse_ms))
}

/// Prints `value` as one line of JSON on stdout.
pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> Result<(), InputError> {
    println!("{}", serde_json::to_string(value)?);
    Ok(())
}

/// Writes a solution document as CSV into `out` (if given) and as JSON on stdout (if `json`);
/// returns whether the caller should still print its text summary.
pub(crate) fn emit_document(
    doc: &SolutionDocument,
    out: Option<&Path>,
    json: bool,
) -> Result<bool, InputError> {
    if let Some(dir) = out {
        doc.write_csv(dir)?;
    }
    if json {
        print_json(doc)?;
    }
    Ok(!json)
}
