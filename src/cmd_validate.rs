//! `gridsim validate`: the validation suite against MATPOWER's reference solutions.

use std::process::ExitCode;
use std::time::Instant;

use crate::exit_code;

/// Arguments of `gridsim validate`.
#[derive(clap::Args)]
pub(crate) struct ValidateArgs {
    /// Only these cases (default: every case with a reference).
    #[arg(long = "case")]
    cases: Vec<String>,
}

/// Runs the checks, prints one row per check; exit 1 if any failed.
pub(crate) fn run(a: &ValidateArgs) -> ExitCode {
    let t0 = Instant::now();
    let checks = if a.cases.is_empty() {
        gridsim_validation::run_all()
    } else {
        a.cases
            .iter()
            .flat_map(|c| gridsim_validation::validate_case(c))
            .collect()
    };
    println!(
        "{:<18} {:<10} {:<16} {:>12} {:>9}  {:<6} worst at",
        "case", "run", "quantity", "max |err|", "tol", "result"
    );
    for c in &checks {
        println!(
            "{:<18} {:<10} {:<16} {:>12.3e} {:>9.0e}  {:<6} {}",
            c.case,
            c.run,
            c.quantity,
            c.max_abs_err,
            c.tol,
            if c.passed { "ok" } else { "FAIL" },
            c.worst
        );
    }
    let failed = checks.iter().filter(|c| !c.passed).count();
    println!(
        "validate: {} passed, {} failed ({:.1} s)",
        checks.len() - failed,
        failed,
        t0.elapsed().as_secs_f64()
    );
    exit_code(failed == 0)
}
