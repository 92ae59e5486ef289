//! Prints, for each given PGLib-UC instance, the root LP value beside the Lagrangian bound at
//! the root LP's prices (every unit's own MIP solved alone) and, with `ASCENT=N`, the best
//! bound of N subgradient steps from there towards the reference: how much of the root gap
//! any per-unit tightening could close, and the units where the formulation is loosest.
//!
//! `[ASCENT=N] cargo run -p gridsim-models --example uc_lagrange -- FILE[=REFERENCE_USD] ...`

use std::process::ExitCode;

mod uc_args;

use gridsim_models::uc::{lagrangian_bound, pglib, Ascent, UcSettings};

fn main() -> ExitCode {
    let files = match uc_args::from_env("[ASCENT=N] uc_lagrange FILE[=REFERENCE_USD]...") {
        Ok(f) => f,
        Err(code) => return code,
    };
    let steps = match std::env::var("ASCENT").map(|v| v.parse::<usize>()) {
        Ok(Ok(n)) => n,
        Ok(Err(_)) => {
            eprintln!("ASCENT: expected a number of steps");
            return ExitCode::from(2);
        }
        Err(_) => 0,
    };
    println!(
        "instance\tlp_usd\tlp_check_usd\tat_lp_prices_usd\tbest_usd\treference_usd\tlp_gap\tlagrangian_gap\ts\tloosest_units_usd"
    );
    let mut code = ExitCode::SUCCESS;
    for (file, reference) in files {
        let file = file.as_str();
        let inst = match pglib::read_file(std::path::Path::new(file)) {
            Ok(i) => i,
            Err(e) => {
                eprintln!("{e}");
                code = ExitCode::from(2);
                continue;
            }
        };
        let ascent = reference.filter(|_| steps > 0).map(|r| Ascent {
            target_usd: r,
            iterations: steps,
        });
        match lagrangian_bound(&inst, &UcSettings::default(), ascent) {
            Ok(Some(b)) => {
                let gap = |x: f64| {
                    reference.map_or("-".into(), |r| format!("{:.4}%", 100.0 * (r - x) / r))
                };
                let mut loosest: Vec<(usize, f64)> =
                    b.unit_gain_usd.iter().copied().enumerate().collect();
                loosest.sort_by(|x, y| y.1.total_cmp(&x.1));
                let loosest: Vec<String> = loosest
                    .iter()
                    .take(5)
                    .map(|(g, v)| format!("{}:{v:.2}", inst.thermal[*g].name))
                    .collect();
                println!(
                    "{file}\t{:.2}\t{:.2}\t{:.2}\t{:.2}\t{}\t{}\t{}\t{:.1}\t{}",
                    b.lp_usd,
                    b.lp_check_usd,
                    b.at_lp_prices_usd,
                    b.bound_usd,
                    reference.map_or("-".into(), |r| format!("{r:.2}")),
                    gap(b.lp_usd),
                    gap(b.bound_usd),
                    b.solve_s,
                    loosest.join(",")
                );
            }
            Ok(None) => println!("{file}\troot LP not solved"),
            Err(e) => {
                eprintln!("{file}: {e}");
                code = ExitCode::from(1);
            }
        }
    }
    code
}
