//! Solves the LP relaxation of each given PGLib-UC instance (no MIP) and prints its value, the
//! model size and, against a reference objective, the root gap: the formulation's tightness.
//!
//! `cargo run -p gridsim-models --example uc_root_lp -- FILE[=REFERENCE_USD] ...`

use std::process::ExitCode;

mod uc_args;

use gridsim_models::uc::{lp_relaxation, pglib, UcSettings};

fn main() -> ExitCode {
    let files = match uc_args::from_env("uc_root_lp FILE[=REFERENCE_USD]...") {
        Ok(f) => f,
        Err(code) => return code,
    };
    println!("instance\tcols\trows\tintegers\tlp_usd\treference_usd\troot_gap\tlp_s");
    let mut code = ExitCode::SUCCESS;
    for (file, reference) in files {
        let file = file.as_str();
        let r = pglib::read_file(std::path::Path::new(file))
            .and_then(|inst| lp_relaxation(&inst, &UcSettings::default()));
        match r {
            Ok(r) => {
                let gap = match (r.lp_usd, reference) {
                    (Some(lp), Some(rf)) => format!("{:.4}%", 100.0 * (rf - lp) / rf),
                    _ => "-".into(),
                };
                println!(
                    "{file}\t{}\t{}\t{}\t{}\t{}\t{gap}\t{:.2}",
                    r.size.0,
                    r.size.1,
                    r.size.2,
                    r.lp_usd.map_or("-".into(), |x| format!("{x:.2}")),
                    reference.map_or("-".into(), |x| format!("{x:.2}")),
                    r.solve_s
                );
            }
            Err(e) => {
                eprintln!("{file}: {e}");
                code = ExitCode::from(1);
            }
        }
    }
    code
}
