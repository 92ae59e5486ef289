//! Imports every PGLib-UC instance (`.json`, `.json.gz`) under the given files or directories
//! and prints one line per instance; exit 1 if any fails (its located error is printed).
//!
//! `cargo run -p gridsim-models --example pglib_uc_import -- ../shared/data/pglib-uc`

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use gridsim_models::uc::pglib;

fn collect(p: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if p.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(p)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        entries.sort();
        for e in entries {
            collect(&e, out)?;
        }
    } else {
        let name = p.to_string_lossy();
        if name.ends_with(".json") || name.ends_with(".json.gz") {
            out.push(p.to_path_buf());
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        eprintln!("usage: pglib_uc_import FILE_OR_DIR...");
        return ExitCode::from(2);
    }
    let mut files = Vec::new();
    for a in &args {
        if let Err(e) = collect(Path::new(a), &mut files) {
            eprintln!("{a}: cannot read: {e}");
            return ExitCode::from(2);
        }
    }
    let mut failed = 0;
    println!("instance\tperiods\tthermal\trenewable\tpeak_demand_mw");
    for f in &files {
        match pglib::read_file(f) {
            Ok(i) => println!(
                "{}\t{}\t{}\t{}\t{:.1}",
                f.display(),
                i.periods,
                i.thermal.len(),
                i.renewable.len(),
                i.demand_mw.iter().copied().fold(0.0, f64::max)
            ),
            Err(e) => {
                failed += 1;
                eprintln!("{e}");
            }
        }
    }
    eprintln!(
        "{} of {} instances imported",
        files.len() - failed,
        files.len()
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
