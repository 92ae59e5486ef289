//! `gridsim opf`: DC optimal power flow or economic dispatch on HiGHS, with LMPs.

use std::path::PathBuf;
use std::time::Instant;

use gridsim_networks::opf::{DcOpf, DcOpfResult, DcOpfSettings, Penalties};
use gridsim_networks::output::{BranchColumns, BusColumns, GenColumns, SolutionDocument, Timing};
use gridsim_networks::Case;

use crate::{emit_document, exit_code, load_network, InputError, Outcome};

/// Arguments of `gridsim opf`.
#[derive(clap::Args)]
pub(crate) struct OpfArgs {
    /// MATPOWER case file (.m or .m.gz).
    case: PathBuf,
    /// DC OPF (the only formulation so far; AC OPF is planned).
    #[arg(long)]
    dc: bool,
    /// Economic dispatch: ignore branch ratings and angle limits (one price per island).
    #[arg(long)]
    economic_dispatch: bool,
    /// Penalised mode: shed load at this value of lost load ($/MWh) rather than fail.
    #[arg(long)]
    voll: Option<f64>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
    /// Write bus.csv, gen.csv and branch.csv into this folder.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs `gridsim opf`: exit 0 optimal, 1 infeasible or not solved.
pub(crate) fn run(a: &OpfArgs) -> Outcome {
    if !a.dc {
        return Err(InputError(
            "only the DC OPF is available: run `gridsim opf CASE --dc`".into(),
        ));
    }
    let (case, net, parse_ms) = load_network(&a.case)?;
    let mut settings = if a.economic_dispatch {
        DcOpfSettings::economic_dispatch()
    } else {
        DcOpfSettings::default()
    };
    if let Some(v) = a.voll {
        settings.penalized = Some(Penalties {
            voll_usd_per_mwh: v,
            ..Penalties::default()
        });
    }
    settings
        .validate()
        .map_err(|problems| InputError(problems.join("; ")))?;
    let mut opf = DcOpf::for_case(&case, &net, settings)
        .map_err(|e| InputError(format!("{}: {e}", a.case.display())))?;
    let t0 = Instant::now();
    let res = opf.solve(&net);
    let solve_ms = t0.elapsed().as_secs_f64() * 1e3;
    for d in &res.diagnostics {
        eprintln!("note: {d}");
    }
    let timing = Timing {
        parse_ms,
        solve_ms_median: solve_ms,
        solve_ms_min: solve_ms,
    };
    let doc = document(&case, &res, timing);
    if emit_document(&doc, a.out.as_deref(), a.json)? {
        print_summary(&case, &res, a.economic_dispatch, &doc.timing);
    }
    if !res.status.is_optimal() {
        eprintln!("OPF not solved: {:?}", res.status);
    }
    Ok(exit_code(res.status.is_optimal()))
}

/// The OPF solution in the power-flow document's shape (flat voltages, no reactive power).
fn document(case: &Case, res: &DcOpfResult, timing: Timing) -> SolutionDocument {
    let nl = case.branch.len();
    SolutionDocument {
        case: case.name.clone(),
        converged: res.status.is_optimal(),
        iterations: res.iterations,
        base_mva: case.base_mva,
        objective_usd_per_h: Some(res.objective_usd_per_h),
        bus: BusColumns {
            id: case.bus.id.clone(),
            vm_pu: vec![1.0; case.bus.len()],
            va_deg: res.va_deg.clone(),
            lmp_usd_per_mwh: Some(res.lmp_usd_per_mwh.clone()),
        },
        gen: GenColumns {
            bus: case.gen.bus.clone(),
            pg_mw: res.pg_mw.clone(),
            qg_mvar: vec![0.0; case.gen.len()],
        },
        branch: BranchColumns {
            from: case.branch.from_bus.clone(),
            to: case.branch.to_bus.clone(),
            pf_mw: res.branch_pf_mw.clone(),
            qf_mvar: vec![0.0; nl],
            pt_mw: res.branch_pf_mw.iter().map(|p| -p).collect(),
            qt_mvar: vec![0.0; nl],
        },
        timing,
    }
}

fn print_summary(case: &Case, res: &DcOpfResult, ed: bool, t: &Timing) {
    println!("case            {}", case.name);
    println!(
        "model           {}",
        if ed {
            "economic dispatch (copper plate per island)"
        } else {
            "DC OPF"
        }
    );
    println!("status          {:?}", res.status);
    println!("objective       {:.6} $/h", res.objective_usd_per_h);
    if res.penalty_usd_per_h > 0.0 {
        println!(
            "penalties       {:.3} $/h (load shed {:.3} MW)",
            res.penalty_usd_per_h,
            res.total_shed_mw()
        );
    }
    let lmp = &res.lmp_usd_per_mwh;
    let by_value = |a: &(usize, f64), b: &(usize, f64)| a.1.total_cmp(&b.1);
    let lo = lmp.iter().copied().enumerate().min_by(by_value);
    let hi = lmp.iter().copied().enumerate().max_by(by_value);
    if let (Some(lo), Some(hi)) = (lo, hi) {
        println!(
            "LMP min / max   {:.4} $/MWh (bus {}) / {:.4} $/MWh (bus {})",
            lo.1, case.bus.id[lo.0], hi.1, case.bus.id[hi.0]
        );
    }
    let binding = res
        .branch_mu_usd_per_mwh
        .iter()
        .filter(|m| **m != 0.0)
        .count();
    println!("binding limits  {binding} branch(es)");
    println!("generation      {:.3} MW", res.pg_mw.iter().sum::<f64>());
    println!("iterations      {}", res.iterations);
    println!("parse           {:.3} ms", t.parse_ms);
    println!("solve           {:.3} ms", t.solve_ms_median);
}
