//! `gridsim uc`: unit commitment of a PGLib-UC instance on HiGHS, checked independently.

use std::path::PathBuf;
use std::process::ExitCode;

use gridsim_models::uc::{
    check_schedule, pglib, solve, RootLpSolver, UcPenalties, UcResult, UcSettings, UcStatus,
    WarmStart,
};
use serde_json::{json, Map, Value};

/// Arguments of `gridsim uc`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// PGLib-UC instance (.json or .json.gz).
    pub instance: PathBuf,
    /// Relative MIP gap at which to stop.
    #[arg(long, default_value_t = 1e-4)]
    pub gap: f64,
    /// Time limit for the whole solve (s).
    #[arg(long)]
    pub time_limit: Option<f64>,
    /// HiGHS threads.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Branch-and-bound node limit (the same result on every machine, unlike --time-limit).
    #[arg(long)]
    pub max_nodes: Option<u32>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Penalised mode: shed load and reserve at 10,000 and 1,000 $/MWh rather than fail.
    #[arg(long)]
    pub penalised: bool,
    /// Starting solution for HiGHS: `sub-mip` (the MIP with the commitments the LP holds at 1
    /// fixed on, at most 10 s of a time-limited solve), `rounded-lp`, `priority-list` (needs no LP; also what the first two fall back
    /// to when the root LP does not finish in half the time limit), or `none`.
    #[arg(long, default_value = "sub-mip", value_parser = ["sub-mip", "rounded-lp", "priority-list", "none"])]
    pub warm_start: String,
    /// Algorithm of the root LP relaxation: `choose` (HiGHS's choice, dual simplex) or `ipm`
    /// (interior point with crossover).
    #[arg(long, default_value = "choose", value_parser = ["choose", "ipm"])]
    pub root_lp: String,
    /// Write HiGHS's MIP log to this file.
    #[arg(long)]
    pub log: Option<PathBuf>,
    /// A further HiGHS option for the MIP, `NAME=VALUE` (repeatable), e.g.
    /// `--highs-option mip_heuristic_effort=0.3`.
    #[arg(long = "highs-option", value_name = "NAME=VALUE")]
    pub highs_options: Vec<String>,
    /// Keep identical units apart in the MIP (by default each group of units with the same
    /// data and initial state is one integer unit there; see `gridsim_models::uc::aggregate`).
    #[arg(long)]
    pub no_aggregate: bool,
    /// Start from the commitment of a schedule written by `gridsim uc --json` (its
    /// `commitment` object, unit name → [0/1 per period]), dispatched and handed to HiGHS
    /// instead of the --warm-start (which is used when that commitment admits no dispatch).
    #[arg(long, value_name = "SCHEDULE.json")]
    pub start: Option<PathBuf>,
}

/// Reads the `commitment` of a `gridsim uc --json` document for the units of `inst`.
fn read_start(
    path: &std::path::Path,
    inst: &gridsim_models::uc::UcInstance,
) -> Result<Vec<Vec<bool>>, String> {
    let at = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{at}: {e}"))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{at}:{}:{}: {e} (expected the JSON that `gridsim uc --json` writes)",
            e.line(),
            e.column()
        )
    })?;
    let c = v
        .get("commitment")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            format!("{at}: expected an object `commitment` (unit name → [0/1 per period])")
        })?;
    if let Some(extra) = c
        .keys()
        .find(|k| !inst.thermal.iter().any(|g| &g.name == *k))
    {
        return Err(format!(
            "{at}: commitment: unit {extra:?} is not a thermal unit of the instance"
        ));
    }
    inst.thermal
        .iter()
        .map(|g| {
            let row = c
                .get(&g.name)
                .and_then(Value::as_array)
                .ok_or_else(|| format!("{at}: commitment: no array for unit {:?}", g.name))?;
            if row.len() != inst.periods {
                return Err(format!(
                    "{at}: commitment of {:?}: expected {} periods, found {}",
                    g.name,
                    inst.periods,
                    row.len()
                ));
            }
            row.iter()
                .enumerate()
                .map(|(t, x)| match x.as_f64() {
                    Some(x) if x == 0.0 || x == 1.0 => Ok(x == 1.0),
                    _ => Err(format!(
                        "{at}: commitment of {:?}, period {}: expected 0 or 1, found {x}",
                        g.name,
                        t + 1
                    )),
                })
                .collect()
        })
        .collect()
}

fn series(names: &[&str], rows: &[Vec<f64>]) -> Value {
    let mut m = Map::new();
    for (n, r) in names.iter().zip(rows) {
        m.insert((*n).to_string(), json!(r));
    }
    Value::Object(m)
}

fn document(inst: &gridsim_models::uc::UcInstance, r: &UcResult) -> Value {
    let thermal: Vec<&str> = inst.thermal.iter().map(|g| g.name.as_str()).collect();
    let renewable: Vec<&str> = inst.renewable.iter().map(|w| w.name.as_str()).collect();
    let (commitment, dispatch, reserve) = match &r.schedule {
        Some(s) => {
            let mut commitment = Map::new();
            for (n, u) in thermal.iter().zip(&s.commitment) {
                let v: Vec<u8> = u.iter().map(|&b| u8::from(b)).collect();
                commitment.insert((*n).to_string(), json!(v));
            }
            let mut d = series(&thermal, &s.thermal_mw);
            if let (Value::Object(d), Value::Object(w)) =
                (&mut d, series(&renewable, &s.renewable_mw))
            {
                d.extend(w);
            }
            (
                Value::Object(commitment),
                d,
                series(&thermal, &s.reserve_mw),
            )
        }
        None => (json!({}), json!({}), json!({})),
    };
    json!({
        "status": r.status.as_str(),
        "objective_usd": r.objective_usd,
        "bound_usd": r.bound_usd,
        "gap": r.gap,
        "solve_s": r.solve_s,
        "root_lp_s": r.root_lp_s,
        "warm_start_s": r.warm_start_s,
        "mip_s": r.mip_s,
        "cost_usd": {
            "production": r.cost.production_usd,
            "no_load": r.cost.no_load_usd,
            "startup": r.cost.startup_usd,
        },
        "commitment": commitment,
        "dispatch_mw": dispatch,
        "reserve_mw": reserve,
        "price_usd_per_mwh": r.energy_price_usd_per_mwh,
    })
}

fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), |v| format!("{v:.6}"))
}

/// Runs `gridsim uc`; exit 0 with a schedule the checker accepts, 1 without one (infeasible,
/// time limit, solver failure) or when the checker rejects it, 2 on an input error.
pub fn run(args: Args) -> ExitCode {
    let inst = match pglib::read_file(&args.instance) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut highs_options = Vec::new();
    for o in &args.highs_options {
        match o.split_once('=') {
            Some((n, v)) if !n.is_empty() => highs_options.push((n.to_string(), v.to_string())),
            _ => {
                eprintln!("error: --highs-option: expected NAME=VALUE, found {o:?}");
                return ExitCode::from(2);
            }
        }
    }
    let start_commitment = match &args.start {
        Some(p) => match read_start(p, &inst) {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!("error: --start {e}");
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    let settings = UcSettings {
        mip_rel_gap: args.gap,
        time_limit_s: args.time_limit,
        threads: args.threads,
        mip_max_nodes: args.max_nodes,
        penalties: args.penalised.then(UcPenalties::default),
        warm_start: match args.warm_start.as_str() {
            "none" => WarmStart::None,
            "rounded-lp" => WarmStart::RoundedLp,
            "priority-list" => WarmStart::PriorityList,
            _ => WarmStart::LpFixedSubMip,
        },
        root_lp_solver: match args.root_lp.as_str() {
            "ipm" => RootLpSolver::Ipm,
            _ => RootLpSolver::Choose,
        },
        log_file: args.log.clone(),
        highs_options,
        aggregate_identical_units: !args.no_aggregate,
        start_commitment,
        ..UcSettings::default()
    };
    let r = match solve(&inst, &settings) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    for d in &r.diagnostics {
        eprintln!("{d}");
    }
    let mut code = match r.status {
        UcStatus::Optimal | UcStatus::FeasibleWithGap => 0,
        _ => 1,
    };
    if let Some(s) = &r.schedule {
        let rep = check_schedule(&inst, s, settings.penalties.as_ref());
        let diff = (rep.cost.total_usd() - r.objective_usd.unwrap_or(f64::NAN)).abs();
        let cost_ok = diff <= 1e-6 * rep.cost.total_usd().abs().max(1.0);
        if rep.is_ok() && cost_ok {
            eprintln!(
                "checker: every constraint holds; recomputed cost {:.6} $",
                rep.cost.total_usd()
            );
        } else {
            for v in rep.violations.iter().take(20) {
                eprintln!("checker: {v}");
            }
            if !cost_ok {
                eprintln!(
                    "checker: recomputed cost {:.6} $ differs from the solver's",
                    rep.cost.total_usd()
                );
            }
            code = 1;
        }
    }
    eprintln!(
        "uc: status={} objective_usd={} bound_usd={} gap={} root_lp_usd={} root_gap={} warm_start_usd={} nodes={} cols={} rows={} int={} solve_s={:.3} root_lp_s={:.3} warm_start_s={:.3} mip_s={:.3}",
        r.status.as_str(),
        opt(r.objective_usd),
        opt(r.bound_usd),
        opt(r.gap),
        opt(r.root_lp_usd),
        opt(r.root_gap),
        opt(r.warm_start_usd),
        r.mip_nodes,
        r.size.0,
        r.size.1,
        r.size.2,
        r.solve_s,
        r.root_lp_s,
        r.warm_start_s,
        r.mip_s
    );
    if args.json {
        println!("{}", document(&inst, &r));
    } else {
        println!("status       {}", r.status.as_str());
        println!("objective    {} $", opt(r.objective_usd));
        println!("bound        {} $", opt(r.bound_usd));
        println!("gap          {}", opt(r.gap));
        println!(
            "cost         production {:.2} $, no-load {:.2} $, startup {:.2} $",
            r.cost.production_usd, r.cost.no_load_usd, r.cost.startup_usd
        );
        if let Some(s) = &r.schedule {
            let on: Vec<usize> = (0..inst.periods)
                .map(|t| s.commitment.iter().filter(|u| u[t]).count())
                .collect();
            println!("units on     {on:?}");
            let p: Vec<String> = r
                .energy_price_usd_per_mwh
                .iter()
                .map(|x| format!("{x:.2}"))
                .collect();
            println!("price $/MWh  [{}]", p.join(", "));
        }
        println!(
            "solve        {:.3} s (root LP {:.3} s, warm start {:.3} s, MIP {:.3} s)",
            r.solve_s, r.root_lp_s, r.warm_start_s, r.mip_s
        );
    }
    ExitCode::from(code)
}
