//! `gridsim n1`: N-1 contingency analysis, DC screening (LODF) or AC Newton–Raphson.

use std::path::PathBuf;
use std::time::Instant;

use gridsim_networks::acpf::AcPfSettings;
use gridsim_networks::contingency::{
    ac_n1, dc_n1, AcN1Report, AcN1Settings, DcN1Report, DcN1Settings, WorstLoading,
};

use crate::{exit_code, load_network, print_json, InputError, Outcome};

/// Arguments of `gridsim n1`.
#[derive(clap::Args)]
pub(crate) struct N1Args {
    /// MATPOWER case file (.m or .m.gz).
    case: PathBuf,
    /// DC screening (LODF-based, islanding outages re-solved) instead of AC Newton–Raphson.
    #[arg(long)]
    dc: bool,
    /// Only these outages: 1-based branch rows of the case file, comma-separated.
    #[arg(long, value_delimiter = ',')]
    outages: Vec<usize>,
    /// Enforce generator reactive limits in the AC power flows.
    #[arg(long)]
    enforce_q_lims: bool,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Print the whole report as one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

/// Runs `gridsim n1`: exit 0 when the base case solved, 1 otherwise.
pub(crate) fn run(a: &N1Args) -> Outcome {
    if let Some(t) = a.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build_global()
            .map_err(|e| InputError(format!("--threads {t}: {e}")))?;
    }
    let (case, net, _) = load_network(&a.case)?;
    if let Some(&bad) = a.outages.iter().find(|&&k| k == 0 || k > case.branch.len()) {
        return Err(InputError(format!(
            "--outages: branch {bad} does not exist (the case has {} branches)",
            case.branch.len()
        )));
    }
    let list: Vec<usize> = a.outages.iter().map(|k| k - 1).collect();
    let outages = (!list.is_empty()).then_some(list.as_slice());
    let t0 = Instant::now();
    let base_ok = if a.dc {
        let report = dc_n1(&net, outages, &DcN1Settings::default())?;
        if a.json {
            print_json(&report)?;
        } else {
            print_dc(&report);
        }
        report.base_status.is_converged()
    } else {
        let settings = AcN1Settings {
            pf: AcPfSettings {
                enforce_q_lims: a.enforce_q_lims,
                ..AcPfSettings::default()
            },
            ..AcN1Settings::default()
        };
        let report = ac_n1(&net, outages, &settings)?;
        if a.json {
            print_json(&report)?;
        } else {
            print_ac(&report);
        }
        report.base_status.is_converged()
    };
    if !a.json {
        println!("time              {:.3} s", t0.elapsed().as_secs_f64());
    }
    Ok(exit_code(base_ok))
}

fn print_worst(worst: Option<&WorstLoading>) {
    if let Some(w) = worst {
        println!(
            "worst loading     {:.1}% on branch {} ({}-{}) after outage of branch {} ({}-{})",
            w.loading_pct,
            w.branch_idx + 1,
            w.from_bus,
            w.to_bus,
            w.outage_branch_idx + 1,
            w.outage_from_bus,
            w.outage_to_bus
        );
    }
}

fn print_dc(report: &DcN1Report) {
    let s = &report.summary;
    println!("case              {}", report.case);
    println!(
        "analysis          DC N-1 screening (LODF; islanding outages by split-island formulas)"
    );
    println!(
        "outages           {} ({} not in service, {} islanding, {} failed)",
        s.n_outages, s.n_not_in_service, s.n_islanding, s.n_failed
    );
    println!(
        "with overloads    {} ({} overloads in all)",
        s.n_with_overloads, s.n_overloads
    );
    println!("max unserved      {:.3} MW", s.max_unserved_mw);
    print_worst(s.worst.as_ref());
    let mut worst: Vec<_> = report
        .outages
        .iter()
        .filter(|o| o.n_overloads > 0)
        .collect();
    worst.sort_by(|a, b| {
        b.max_loading_pct
            .total_cmp(&a.max_loading_pct)
            .then(a.branch_idx.cmp(&b.branch_idx))
    });
    if !worst.is_empty() {
        println!(
            "\n{:>8} {:>8} {:>8} {:>10} {:>10}",
            "outage", "from", "to", "overloads", "max load %"
        );
        for o in worst.iter().take(20) {
            println!(
                "{:>8} {:>8} {:>8} {:>10} {:>10.1}",
                o.branch_idx + 1,
                o.from_bus,
                o.to_bus,
                o.n_overloads,
                o.max_loading_pct
            );
        }
    }
}

fn print_ac(report: &AcN1Report) {
    let s = &report.summary;
    println!("case              {}", report.case);
    println!("analysis          AC N-1 (warm-started Newton-Raphson per outage)");
    println!(
        "base case         {:?} in {} iterations",
        report.base_status, report.base_iterations
    );
    println!(
        "outages           {} ({} not in service, {} islanding)",
        s.n_outages, s.n_not_in_service, s.n_islanding
    );
    println!(
        "converged         {} ({} not converged)",
        s.n_converged, s.n_not_converged
    );
    println!(
        "with overloads    {} ({} overloads in all)",
        s.n_with_overloads, s.n_overloads
    );
    println!(
        "voltage limits    violated in {} outage(s)",
        s.n_with_voltage_violations
    );
    println!("max unserved      {:.3} MW", s.max_unserved_mw);
    print_worst(s.worst.as_ref());
    if let Some(l) = &s.lowest_vm {
        println!(
            "lowest voltage    {:.4} p.u. at bus {} after outage of branch {} ({}-{})",
            l.vm_pu,
            l.bus,
            l.outage_branch_idx + 1,
            l.outage_from_bus,
            l.outage_to_bus
        );
    }
}
