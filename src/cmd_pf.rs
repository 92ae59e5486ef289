//! `gridsim pf`: power flow of a MATPOWER case (AC Newton–Raphson or DC).

use std::path::PathBuf;
use std::time::Instant;

use gridsim_networks::acpf::{AcPfSettings, AcPowerFlow, PfAlgorithm, Start};
use gridsim_networks::dcpf::DcPowerFlow;
use gridsim_networks::output::{SolutionDocument, Timing};
use gridsim_networks::FdVariant;
use gridsim_networks::{Case, PowerFlowResult};

use crate::{emit_document, exit_code, load_network, Outcome};

/// Arguments of `gridsim pf`.
#[derive(clap::Args)]
pub(crate) struct PfArgs {
    /// MATPOWER case file (.m or .m.gz).
    case: PathBuf,
    /// DC power flow instead of AC.
    #[arg(long)]
    dc: bool,
    /// Enforce generator reactive limits (PV buses turn PQ, MATPOWER enforce_q_lims = 1).
    #[arg(long)]
    enforce_q_lims: bool,
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
    /// Solve N more times from the same start (symbolic analysis reused) and report
    /// the median and minimum solve time.
    #[arg(long, default_value_t = 0)]
    repeat: usize,
    /// AC iteration: `nr` (Newton–Raphson), `fdxb` or `fdbx` (fast-decoupled, MATPOWER's FDXB
    /// and FDBX).
    #[arg(long, default_value = "nr", value_parser = ["nr", "fdxb", "fdbx"])]
    algorithm: String,
    /// Start from 1∠0 instead of the case's voltages.
    #[arg(long)]
    flat_start: bool,
    /// Write bus.csv, gen.csv and branch.csv into this folder (with --snapshots:
    /// snapshot_results.csv, one row per snapshot).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Solve a time series: one power flow per row of this CSV file (columns `pd_mw:<bus>`,
    /// `qd_mvar:<bus>`, `pg_mw:<gen row>`, as `gridsim run --snapshots` writes), each
    /// warm-started from the previous solution.
    #[arg(long, conflicts_with_all = ["repeat", "flat_start"])]
    snapshots: Option<PathBuf>,
}

/// Runs `gridsim pf`: exit 0 converged, 1 not converged.
pub(crate) fn run(a: &PfArgs) -> Outcome {
    let (case, net, parse_ms) = load_network(&a.case)?;
    if let Some(file) = &a.snapshots {
        let settings = AcPfSettings {
            enforce_q_lims: a.enforce_q_lims,
            algorithm: algorithm(&a.algorithm),
            ..AcPfSettings::default()
        };
        let (report, all_converged) =
            crate::pf_snapshots::run(&case, net, parse_ms, file, a.dc, settings, a.out.as_ref())?;
        if a.json {
            crate::print_json(&report)?;
        } else {
            report.print();
        }
        return Ok(exit_code(all_converged));
    }
    let net = &net;
    let mut solve: Box<dyn FnMut() -> PowerFlowResult> = if a.dc {
        let mut pf = DcPowerFlow::new(net);
        Box::new(move || pf.solve(net))
    } else {
        let settings = AcPfSettings {
            enforce_q_lims: a.enforce_q_lims,
            algorithm: algorithm(&a.algorithm),
            ..AcPfSettings::default()
        };
        let mut pf = AcPowerFlow::new(net, settings);
        let start = if a.flat_start {
            Start::Flat
        } else {
            Start::Case
        };
        Box::new(move || pf.solve(net, start))
    };
    // Solves `repeat + 1` times, timing each solve in ms. With --repeat, the first (cold:
    // symbolic analysis) solve is left out of the statistics.
    let ms_since = |t0: Instant| t0.elapsed().as_secs_f64() * 1e3;
    let t0 = Instant::now();
    let mut res = solve();
    let mut times = vec![ms_since(t0)];
    for _ in 0..a.repeat {
        let t0 = Instant::now();
        res = solve();
        times.push(ms_since(t0));
    }
    if a.repeat > 0 {
        times.remove(0);
    }
    let timing = Timing {
        parse_ms,
        solve_ms_min: times.iter().copied().fold(f64::INFINITY, f64::min),
        solve_ms_median: median(&mut times),
    };
    let doc = SolutionDocument::from_pf(&case, &res, timing);
    for d in &res.diagnostics {
        eprintln!("note: {d}");
    }
    if emit_document(&doc, a.out.as_deref(), a.json)? {
        print_summary(&case, &res, &doc.timing, a.dc, &a.algorithm);
    }
    if !res.status.is_converged() {
        eprintln!(
            "power flow did not converge: {:?} after {} iterations, mismatch {:.3e} p.u.",
            res.status, res.iterations, res.max_mismatch_pu
        );
    }
    Ok(exit_code(res.status.is_converged()))
}

/// The AC iteration named on the command line.
fn algorithm(name: &str) -> PfAlgorithm {
    match name {
        "fdxb" => PfAlgorithm::FastDecoupled(FdVariant::Xb),
        "fdbx" => PfAlgorithm::FastDecoupled(FdVariant::Bx),
        _ => PfAlgorithm::NewtonRaphson,
    }
}

/// Median of `xs` (sorted in place); NaN when empty.
pub(crate) fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        xs[n / 2]
    } else {
        0.5 * (xs[n / 2 - 1] + xs[n / 2])
    }
}

fn print_summary(case: &Case, res: &PowerFlowResult, t: &Timing, dc: bool, algorithm: &str) {
    println!("case            {}", case.name);
    println!(
        "model           {}",
        match (dc, algorithm) {
            (true, _) => "DC",
            (false, "fdxb") => "AC fast-decoupled (XB)",
            (false, "fdbx") => "AC fast-decoupled (BX)",
            _ => "AC Newton-Raphson (polar)",
        }
    );
    println!("status          {:?}", res.status);
    println!("iterations      {}", res.iterations);
    println!("max mismatch    {:.3e} p.u.", res.max_mismatch_pu);
    println!(
        "buses/gens/brs  {} / {} / {}",
        case.bus.len(),
        case.gen.len(),
        case.branch.len()
    );
    println!(
        "islands         {} ({} energised)",
        res.n_islands, res.n_energized_islands
    );
    let (mut vmin, mut vmax) = ((f64::INFINITY, 0u32), (f64::NEG_INFINITY, 0u32));
    for (i, &v) in res.vm_pu.iter().enumerate() {
        if !res.energized[i] {
            continue;
        }
        if v < vmin.0 {
            vmin = (v, case.bus.id[i]);
        }
        if v > vmax.0 {
            vmax = (v, case.bus.id[i]);
        }
    }
    println!(
        "vm min / max    {:.5} p.u. (bus {}) / {:.5} p.u. (bus {})",
        vmin.0, vmin.1, vmax.0, vmax.1
    );
    let pg: f64 = res.pg_mw.iter().sum();
    let qg: f64 = res.qg_mvar.iter().sum();
    let losses: f64 = res.pf_mw.iter().zip(&res.pt_mw).map(|(a, b)| a + b).sum();
    println!("generation      {pg:.3} MW, {qg:.3} MVAr");
    println!("losses          {losses:.3} MW");
    if res.unserved_mw > 0.0 {
        println!("unserved load   {:.3} MW", res.unserved_mw);
    }
    if !res.q_limited_gens.is_empty() {
        println!("at Q limits     {} generator(s)", res.q_limited_gens.len());
    }
    println!("parse           {:.3} ms", t.parse_ms);
    println!(
        "solve           {:.3} ms (median), {:.3} ms (min)",
        t.solve_ms_median, t.solve_ms_min
    );
}
