//! The `gridsim` command line: power flow, OPF, contingency analysis and validation.
//!
//! Exit codes: 0 solved (or all checks passed), 1 not converged / infeasible / a check failed,
//! 2 input error. Data goes to stdout (or `--out`), diagnostics to stderr.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

mod cmd_forecast;
use gridsim_networks::acpf::{AcPfSettings, AcPowerFlow, Start};
use gridsim_networks::contingency::{ac_n1, dc_n1, AcN1Settings, DcN1Settings};
use gridsim_networks::dcpf::DcPowerFlow;
use gridsim_networks::opf::{DcOpf, DcOpfSettings, Penalties};
use gridsim_networks::output::{BranchColumns, BusColumns, GenColumns, SolutionDocument, Timing};
use gridsim_networks::{matpower, Case, Network, PowerFlowResult};

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
    Pf {
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
        /// Start from 1∠0 instead of the case's voltages.
        #[arg(long)]
        flat_start: bool,
        /// Write bus.csv, gen.csv and branch.csv into this folder.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Optimal power flow of a MATPOWER case (DC, on HiGHS), with locational marginal prices.
    Opf {
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
    },
    /// N-1 contingency analysis: every single-branch outage (or a list), DC screening or AC.
    N1 {
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
    },
    /// Runs the validation suite against MATPOWER's reference solutions; exit 1 on a mismatch.
    Validate {
        /// Only these cases (default: every case with a reference).
        #[arg(long = "case")]
        cases: Vec<String>,
    },
    /// Load, solar and wind forecasting: backtests on GEFCom2014.
    #[command(subcommand)]
    Forecast(cmd_forecast::ForecastCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Pf {
            case,
            dc,
            enforce_q_lims,
            json,
            repeat,
            flat_start,
            out,
        } => cmd_pf(
            &case,
            dc,
            enforce_q_lims,
            json,
            repeat,
            flat_start,
            out.as_deref(),
        ),
        Command::Opf {
            case,
            dc,
            economic_dispatch,
            voll,
            json,
            out,
        } => cmd_opf(&case, dc, economic_dispatch, voll, json, out.as_deref()),
        Command::N1 {
            case,
            dc,
            outages,
            enforce_q_lims,
            threads,
            json,
        } => {
            if let Some(t) = threads {
                if let Err(e) = rayon::ThreadPoolBuilder::new()
                    .num_threads(t)
                    .build_global()
                {
                    eprintln!("error: --threads {t}: {e}");
                    return ExitCode::from(2);
                }
            }
            cmd_n1(&case, dc, &outages, enforce_q_lims, json)
        }
        Command::Validate { cases } => cmd_validate(&cases),
        Command::Forecast(c) => cmd_forecast::run(c),
    }
}

fn read_case(path: &Path) -> Result<(Case, f64), ExitCode> {
    let t0 = Instant::now();
    match matpower::read(path) {
        Ok(c) => Ok((c, t0.elapsed().as_secs_f64() * 1e3)),
        Err(e) => {
            eprintln!("error: {e}");
            Err(ExitCode::from(2))
        }
    }
}

fn median(xs: &mut [f64]) -> f64 {
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

fn cmd_pf(
    path: &Path,
    dc: bool,
    qlim: bool,
    json: bool,
    repeat: usize,
    flat: bool,
    out: Option<&Path>,
) -> ExitCode {
    let (case, parse_ms) = match read_case(path) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let net = match Network::from_case(&case) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("error: {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    let mut times = Vec::with_capacity(repeat + 1);
    let res: PowerFlowResult = if dc {
        let mut pf = DcPowerFlow::new(&net);
        let mut res = None;
        for _ in 0..=repeat {
            let t0 = Instant::now();
            let r = pf.solve(&net);
            times.push(t0.elapsed().as_secs_f64() * 1e3);
            res = Some(r);
        }
        res.expect("at least one solve")
    } else {
        let settings = AcPfSettings {
            enforce_q_lims: qlim,
            ..AcPfSettings::default()
        };
        let mut pf = AcPowerFlow::new(&net, settings);
        let start = if flat { Start::Flat } else { Start::Case };
        let mut res = None;
        for _ in 0..=repeat {
            let t0 = Instant::now();
            let r = pf.solve(&net, start);
            times.push(t0.elapsed().as_secs_f64() * 1e3);
            res = Some(r);
        }
        res.expect("at least one solve")
    };
    // With --repeat, the first (cold: symbolic analysis) solve is excluded from the statistics.
    let warm: Vec<f64> = if times.len() > 1 {
        times[1..].to_vec()
    } else {
        times.clone()
    };
    let solve_ms_min = warm.iter().copied().fold(f64::INFINITY, f64::min);
    let timing = Timing {
        parse_ms,
        solve_ms_median: median(&mut warm.clone()),
        solve_ms_min,
    };
    let doc = SolutionDocument::from_pf(&case, &res, timing);
    for d in &res.diagnostics {
        eprintln!("note: {d}");
    }
    if let Some(dir) = out {
        if let Err(e) = doc.write_csv(dir) {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    }
    if json {
        match serde_json::to_string(&doc) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        print_pf_summary(&case, &res, &doc.timing, dc);
    }
    if res.status.is_converged() {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "power flow did not converge: {:?} after {} iterations, mismatch {:.3e} p.u.",
            res.status, res.iterations, res.max_mismatch_pu
        );
        ExitCode::from(1)
    }
}

fn cmd_opf(
    path: &Path,
    dc: bool,
    ed: bool,
    voll: Option<f64>,
    json: bool,
    out: Option<&Path>,
) -> ExitCode {
    if !dc {
        eprintln!("error: only the DC OPF is available: run `gridsim opf CASE --dc`");
        return ExitCode::from(2);
    }
    let (case, parse_ms) = match read_case(path) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let net = match Network::from_case(&case) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("error: {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    let mut settings = if ed {
        DcOpfSettings::economic_dispatch()
    } else {
        DcOpfSettings::default()
    };
    if let Some(v) = voll {
        settings.penalized = Some(Penalties {
            voll_usd_per_mwh: v,
            ..Penalties::default()
        });
    }
    if let Err(problems) = settings.validate() {
        eprintln!("error: {}", problems.join("; "));
        return ExitCode::from(2);
    }
    let mut opf = match DcOpf::for_case(&case, &net, settings) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    let t0 = Instant::now();
    let res = opf.solve(&net);
    let solve_ms = t0.elapsed().as_secs_f64() * 1e3;
    for d in &res.diagnostics {
        eprintln!("note: {d}");
    }
    let nl = case.branch.len();
    let doc = SolutionDocument {
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
        timing: Timing {
            parse_ms,
            solve_ms_median: solve_ms,
            solve_ms_min: solve_ms,
        },
    };
    if let Some(dir) = out {
        if let Err(e) = doc.write_csv(dir) {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    }
    if json {
        match serde_json::to_string(&doc) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
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
        if let (Some(lo), Some(hi)) = (
            lmp.iter()
                .copied()
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(&b.1)),
            lmp.iter()
                .copied()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(&b.1)),
        ) {
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
        println!("parse           {parse_ms:.3} ms");
        println!("solve           {solve_ms:.3} ms");
    }
    if res.status.is_optimal() {
        ExitCode::SUCCESS
    } else {
        eprintln!("OPF not solved: {:?}", res.status);
        ExitCode::from(1)
    }
}

fn cmd_n1(path: &Path, dc: bool, outages_1based: &[usize], qlim: bool, json: bool) -> ExitCode {
    let (case, _) = match read_case(path) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let net = match Network::from_case(&case) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("error: {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    if let Some(&bad) = outages_1based
        .iter()
        .find(|&&k| k == 0 || k > case.branch.len())
    {
        eprintln!(
            "error: --outages: branch {bad} does not exist (the case has {} branches)",
            case.branch.len()
        );
        return ExitCode::from(2);
    }
    let list: Vec<usize> = outages_1based.iter().map(|k| k - 1).collect();
    let outages = if list.is_empty() {
        None
    } else {
        Some(list.as_slice())
    };
    let t0 = Instant::now();
    if dc {
        let report = match dc_n1(&net, outages, &DcN1Settings::default()) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        let secs = t0.elapsed().as_secs_f64();
        if json {
            return print_json(&report, report.base_status.is_converged());
        }
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
        if let Some(w) = &s.worst {
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
        println!("time              {secs:.3} s");
        return if report.base_status.is_converged() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        };
    }
    let settings = AcN1Settings {
        pf: AcPfSettings {
            enforce_q_lims: qlim,
            ..AcPfSettings::default()
        },
        ..AcN1Settings::default()
    };
    let report = match ac_n1(&net, outages, &settings) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let secs = t0.elapsed().as_secs_f64();
    if json {
        return print_json(&report, report.base_status.is_converged());
    }
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
    if let Some(w) = &s.worst {
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
    println!("time              {secs:.3} s");
    if report.base_status.is_converged() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn print_json<T: serde::Serialize>(value: &T, ok: bool) -> ExitCode {
    match serde_json::to_string(value) {
        Ok(s) => {
            println!("{s}");
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn print_pf_summary(case: &Case, res: &PowerFlowResult, t: &Timing, dc: bool) {
    println!("case            {}", case.name);
    println!(
        "model           {}",
        if dc {
            "DC"
        } else {
            "AC Newton-Raphson (polar)"
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

fn cmd_validate(cases: &[String]) -> ExitCode {
    let t0 = Instant::now();
    let checks = if cases.is_empty() {
        gridsim_validation::run_all()
    } else {
        cases
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
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
