//! Solving a unit commitment on HiGHS: root LP, warm start, MIP, then the economic dispatch LP
//! with the commitment fixed, which gives the dispatch, the cost split and the prices.

use std::time::Instant;

use gridsim_networks::opf::highs::{Highs, HighsOptionValue, ModelData, RunOutcome};

use super::aggregate::{
    aggregate_solution, disaggregate, filled_commitment, identical_groups, reduced_instance,
    UnitGroups,
};
use super::diagnose::capacity_diagnosis;
use super::error::UcError;
use super::formulation::{build, build_with_counts, segments, Formulation};
use super::model::{CostBreakdown, UcInstance, UcSchedule};
use super::settings::{RootLpSolver, UcSettings, WarmStart};

/// Outcome of a unit-commitment solve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UcStatus {
    /// A schedule within the requested relative gap of the best bound.
    Optimal,
    /// Stopped by the time or node limit with a schedule, whose gap is reported.
    FeasibleWithGap,
    /// No schedule exists; see the diagnostics.
    Infeasible,
    /// Stopped by the time or node limit before any schedule was found.
    TimeLimit,
    /// HiGHS stopped for another reason (reported in the diagnostics).
    SolverError,
}

impl UcStatus {
    /// Lower-case name used in the CLI's JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            UcStatus::Optimal => "optimal",
            UcStatus::FeasibleWithGap => "feasible_with_gap",
            UcStatus::Infeasible => "infeasible",
            UcStatus::TimeLimit => "time_limit",
            UcStatus::SolverError => "solver_error",
        }
    }
}

/// Result of [`solve`].
#[derive(Debug, Clone)]
pub struct UcResult {
    /// Outcome.
    pub status: UcStatus,
    /// Cost of the schedule ($), from the dispatch LP with its commitment fixed.
    pub objective_usd: Option<f64>,
    /// Best lower bound on the optimal cost ($): the larger of HiGHS's dual bound and the root
    /// LP value (the only one when HiGHS stops before its own root LP).
    pub bound_usd: Option<f64>,
    /// Relative gap `(objective − bound) / |objective|`.
    pub gap: Option<f64>,
    /// Cost of the schedule split as in MODEL.tex's objective.
    pub cost: CostBreakdown,
    /// The schedule, when one was found.
    pub schedule: Option<UcSchedule>,
    /// Marginal price of energy per period ($/MWh): dual of the demand balance of the
    /// dispatch LP with the commitment fixed.
    pub energy_price_usd_per_mwh: Vec<f64>,
    /// Marginal price of reserve per period ($/MWh): dual of the reserve requirement.
    pub reserve_price_usd_per_mwh: Vec<f64>,
    /// Optimal value of the LP relaxation ($).
    pub root_lp_usd: Option<f64>,
    /// Root relaxation gap `(objective − root LP) / |objective|`.
    pub root_gap: Option<f64>,
    /// Cost of the warm start handed to HiGHS ($), if one was built.
    pub warm_start_usd: Option<f64>,
    /// Wall-clock time of the whole solve (s): the three phases below, building the model
    /// and the final dispatch LP.
    pub solve_s: f64,
    /// Wall-clock time of the root LP relaxation (s).
    pub root_lp_s: f64,
    /// Wall-clock time of building the warm start (s).
    pub warm_start_s: f64,
    /// Wall-clock time of HiGHS's MIP, both runs when the individual units' MIP follows the
    /// merged one (s).
    pub mip_s: f64,
    /// Branch-and-bound nodes.
    pub mip_nodes: i64,
    /// Columns, rows and integer columns of the MILP.
    pub size: (usize, usize, usize),
    /// Why there is no schedule, or what the penalised mode had to shed, one line each.
    pub diagnostics: Vec<String>,
}

impl UcResult {
    fn empty(status: UcStatus, size: (usize, usize, usize), diagnostics: Vec<String>) -> Self {
        UcResult {
            status,
            objective_usd: None,
            bound_usd: None,
            gap: None,
            cost: CostBreakdown::default(),
            schedule: None,
            energy_price_usd_per_mwh: Vec::new(),
            reserve_price_usd_per_mwh: Vec::new(),
            root_lp_usd: None,
            root_gap: None,
            warm_start_usd: None,
            solve_s: 0.0,
            root_lp_s: 0.0,
            warm_start_s: 0.0,
            mip_s: 0.0,
            mip_nodes: 0,
            size,
            diagnostics,
        }
    }
}

pub(crate) fn new_highs(
    threads: usize,
    time_limit_s: Option<f64>,
    seed: i32,
) -> Result<Highs, UcError> {
    let mut h = Highs::new().map_err(UcError::Solver)?;
    let opts = [
        (
            "threads",
            HighsOptionValue::Int(threads.min(i32::MAX as usize) as i32),
        ),
        ("random_seed", HighsOptionValue::Int(seed)),
    ];
    for (n, v) in opts {
        h.set_option(n, &v).map_err(UcError::Solver)?;
    }
    if let Some(t) = time_limit_s {
        h.set_option("time_limit", &HighsOptionValue::Double(t.max(1e-3)))
            .map_err(UcError::Solver)?;
    }
    Ok(h)
}

/// An LP solved to optimality: primal values, row duals, objective.
#[derive(Debug, Clone)]
pub(crate) struct LpSolution {
    pub x: Vec<f64>,
    pub row_dual: Vec<f64>,
    pub objective: f64,
}

pub(crate) fn solve_lp(
    md: &ModelData,
    threads: usize,
    time_limit_s: Option<f64>,
) -> Result<Result<LpSolution, RunOutcome>, UcError> {
    solve_lp_with(md, threads, time_limit_s, RootLpSolver::Choose)
}

fn solve_lp_with(
    md: &ModelData,
    threads: usize,
    time_limit_s: Option<f64>,
    algorithm: RootLpSolver,
) -> Result<Result<LpSolution, RunOutcome>, UcError> {
    let mut h = new_highs(threads, time_limit_s, 0)?;
    if algorithm == RootLpSolver::Ipm {
        h.set_option("solver", &HighsOptionValue::Str("ipm".into()))
            .map_err(UcError::Solver)?;
    }
    h.pass_model(md).map_err(UcError::Solver)?;
    match h.run_with_threads(threads) {
        RunOutcome::Optimal => {
            let (x, _, _, row_dual) = h.solution();
            Ok(Ok(LpSolution {
                x,
                row_dual,
                objective: h.objective(),
            }))
        }
        other => Ok(Err(other)),
    }
}

/// Remaining time of a budget that started at `start`.
fn remaining(start: Instant, limit: Option<f64>) -> Option<f64> {
    limit.map(|l| (l - start.elapsed().as_secs_f64()).max(1e-3))
}

/// The LP relaxation of the formulation [`solve`] builds, alone (no MIP): the root bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UcRelaxation {
    /// Optimal value ($); `None` when the LP is infeasible or stopped by the time limit.
    pub lp_usd: Option<f64>,
    /// Columns, rows and integer columns of the MILP.
    pub size: (usize, usize, usize),
    /// Wall-clock time of building and solving it (s).
    pub solve_s: f64,
}

/// Solves the LP relaxation of `inst` (with `settings`' penalties, threads, time limit and
/// root LP algorithm): a cheap, deterministic measure of the formulation's tightness.
pub fn lp_relaxation(inst: &UcInstance, settings: &UcSettings) -> Result<UcRelaxation, UcError> {
    settings.validate()?;
    inst.validate()?;
    let start = Instant::now();
    let f = build(inst, settings.penalties.as_ref());
    let size = f.size();
    let lp = solve_lp_with(
        &f.md,
        settings.threads,
        settings.time_limit_s,
        settings.root_lp_solver,
    )?;
    Ok(UcRelaxation {
        lp_usd: lp.ok().map(|s| s.objective),
        size,
        solve_s: start.elapsed().as_secs_f64(),
    })
}

/// The priority-list schedule alone (the start [`WarmStart::PriorityList`] hands HiGHS): a
/// feasible schedule and its cost ($) from a merit-order commitment and one dispatch LP, or
/// `None` when no margin gives a feasible dispatch. A fast heuristic, not an optimum.
pub fn priority_list(
    inst: &UcInstance,
    settings: &UcSettings,
) -> Result<Option<(UcSchedule, f64)>, UcError> {
    settings.validate()?;
    inst.validate()?;
    let f = build(inst, settings.penalties.as_ref());
    let s = priority_list_start(
        &f,
        inst,
        settings.threads,
        Instant::now(),
        settings.time_limit_s,
    )?;
    Ok(s.map(|s| (f.schedule(inst, &s.x), s.objective)))
}

/// The economic dispatch of a given commitment (`commitment[g][t]`, units in the instance's
/// order): the cheapest schedule with those units on, and its cost ($), by one LP — or `None`
/// when the commitment admits no feasible dispatch (minimum up/down times, ramps, capacity).
/// The day-ahead commitment fixed, this is a real-time dispatch.
pub fn dispatch_commitment(
    inst: &UcInstance,
    commitment: &[Vec<bool>],
    settings: &UcSettings,
) -> Result<Option<(UcSchedule, f64)>, UcError> {
    settings.validate()?;
    inst.validate()?;
    check_commitment_shape(inst, commitment, "commitment")?;
    let f = build(inst, settings.penalties.as_ref());
    Ok(dispatch_of(
        &f,
        inst,
        commitment,
        settings.threads,
        settings.time_limit_s,
    )?
    .map(|lp| (f.schedule(inst, &lp.x), lp.objective)))
}

/// The dispatch LP of `f` under `commitment`, or `None` when the commitment admits none.
fn dispatch_of(
    f: &Formulation,
    inst: &UcInstance,
    commitment: &[Vec<bool>],
    threads: usize,
    time_limit_s: Option<f64>,
) -> Result<Option<LpSolution>, UcError> {
    // The initial conditions and must-run fix some commitments by column bounds, which the
    // fixed-commitment LP replaces: a commitment outside them has no dispatch.
    let md = f.fixed_commitment(inst, commitment);
    let outside = (0..md.col_lower.len()).any(|c| {
        md.col_lower[c] < f.md.col_lower[c] - 1e-9 || md.col_upper[c] > f.md.col_upper[c] + 1e-9
    });
    if outside {
        return Ok(None);
    }
    Ok(solve_lp(&md, threads, time_limit_s)?.ok())
}

/// Checks that `commitment` has one row of `inst.periods` values per thermal unit.
fn check_commitment_shape(
    inst: &UcInstance,
    commitment: &[Vec<bool>],
    what: &str,
) -> Result<(), UcError> {
    if commitment.len() != inst.thermal.len() || commitment.iter().any(|c| c.len() != inst.periods)
    {
        return Err(UcError::Settings(format!(
            "{what}: expected {} units × {} periods",
            inst.thermal.len(),
            inst.periods
        )));
    }
    Ok(())
}

/// Solves `inst` with `settings`. Input problems are errors; infeasibility and time limits are
/// statuses of the result.
pub fn solve(inst: &UcInstance, settings: &UcSettings) -> Result<UcResult, UcError> {
    settings.validate()?;
    inst.validate()?;
    if let Some(c) = &settings.start_commitment {
        check_commitment_shape(inst, c, "start_commitment")?;
    }
    let start = Instant::now();
    let f = build(inst, settings.penalties.as_ref());
    let size = f.size();
    let threads = settings.threads;
    let limit = settings.time_limit_s;
    let finish = |mut r: UcResult| {
        r.solve_s = start.elapsed().as_secs_f64();
        r
    };
    if settings.penalties.is_none() {
        let d = capacity_diagnosis(inst);
        if !d.is_empty() {
            return Ok(finish(UcResult::empty(UcStatus::Infeasible, size, d)));
        }
    }
    // The model with identical units merged, when asked for and there are any.
    let agg = if settings.aggregate_identical_units {
        let groups = identical_groups(inst);
        (groups.merged() > 0).then(|| {
            let (red, counts) = reduced_instance(inst, &groups);
            let fa = build_with_counts(&red, settings.penalties.as_ref(), Some(&counts));
            (groups, fa)
        })
    } else {
        None
    };
    let mut diagnostics = Vec::new();
    // Root LP relaxation: with a time limit, at most half of it, so that a start and the MIP
    // still get their turn when the LP is slow (the `ferc` instance). Solved on the merged
    // model when there is one: its LP has the same optimum (module doc, § Identical units)
    // and is smaller (rts_gmlc: 22,070 columns instead of 38,993).
    let phase = Instant::now();
    let root = solve_lp_with(
        agg.as_ref().map_or(&f.md, |(_, fa)| &fa.md),
        threads,
        limit.map(|l| 0.5 * l),
        settings.root_lp_solver,
    )?;
    // `root.x` is a solution of the model the LP was solved on (the merged one when there is
    // one): the sub-MIP start fixes on that model, the rounded start reads `u_lp`.
    let root = match root {
        Ok(s) => Some(s),
        Err(RunOutcome::Infeasible) | Err(RunOutcome::UnboundedOrInfeasible) => {
            let d = infeasibility_diagnosis(inst, settings)?;
            return Ok(finish(UcResult::empty(UcStatus::Infeasible, size, d)));
        }
        Err(RunOutcome::TimeLimit) => None,
        Err(other) => {
            return Ok(finish(UcResult::empty(
                UcStatus::SolverError,
                size,
                vec![format!("HiGHS stopped the LP relaxation with {other:?}")],
            )))
        }
    };
    let root_lp_s = phase.elapsed().as_secs_f64();
    // The LP's commitment per unit and period, for the rounded start: on the merged model,
    // each group's count filled member by member.
    let u_lp: Vec<Vec<f64>> = match (&root, &agg) {
        (Some(lp), Some((groups, fa))) => filled_commitment(inst, fa, groups, &lp.x),
        (Some(lp), None) => f
            .cols
            .iter()
            .map(|gc| gc.iter().map(|c| lp.x[c.u]).collect())
            .collect(),
        (None, _) => Vec::new(),
    };
    // Warm start: the given commitment's dispatch, else the configured start.
    let phase = Instant::now();
    let given = match &settings.start_commitment {
        Some(c) => {
            let lp = dispatch_of(&f, inst, c, threads, remaining(start, limit))?;
            if lp.is_none() {
                diagnostics.push(
                    "the start commitment admits no dispatch (minimum times, ramps, initial \
                     conditions, must-run or capacity; or its LP ran out of time): the warm \
                     start is used instead"
                        .to_string(),
                );
            }
            lp
        }
        None => None,
    };
    let warm = match (&root, settings.warm_start) {
        _ if given.is_some() => given,
        (Some(_), WarmStart::RoundedLp) => {
            rounded_lp_start(&f, inst, &u_lp, threads, start, limit)?
        }
        (Some(lp), WarmStart::LpFixedSubMip) => {
            let merged = agg.as_ref().map(|(g, fa)| (g, fa));
            match fixed_sub_mip_start(&f, inst, &lp.x, settings, start, merged)? {
                Some(s) => Some(s),
                None => rounded_lp_start(&f, inst, &u_lp, threads, start, limit)?,
            }
        }
        // Asked for, or the root LP did not finish: a start that needs none.
        (_, WarmStart::PriorityList) | (None, WarmStart::RoundedLp | WarmStart::LpFixedSubMip) => {
            priority_list_start(&f, inst, threads, start, limit)?
        }
        _ => None,
    };
    let warm_start_s = phase.elapsed().as_secs_f64();
    let mut mip_s = 0.0;
    // MIP: on the model with identical units merged when there is one.
    let mut nodes = 0;
    // The best schedule so far (commitment and its dispatch LP), HiGHS's status and bound.
    let mut found: Option<(Vec<Vec<bool>>, LpSolution)> = None;
    let mut status = UcStatus::TimeLimit;
    let mut mip_bound: Option<f64> = None;
    // When the root LP did not finish within half the time limit, the MIP's root LP (the same
    // relaxation, presolved) will not finish in the other half either, and HiGHS's presolve of
    // such a model does not stop at the limit (113 s of a 147-s budget on `ferc`, which ended
    // 27-81 s late): the start is the schedule.
    let skip_mip = root.is_none() && limit.is_some() && warm.is_some();
    if skip_mip {
        diagnostics.push(
            "the root LP did not finish within half the time limit: the MIP was skipped and \
             the warm start is the schedule"
                .to_string(),
        );
        found = warm
            .as_ref()
            .map(|w| (f.schedule(inst, &w.x).commitment, w.clone()));
    }
    if let (false, Some((groups, fa))) = (skip_mip, &agg) {
        diagnostics.push(format!(
            "{} identical units merged into {} groups: MIP of {} columns, {} rows",
            groups.merged_units(),
            groups.merged(),
            fa.md.num_col(),
            fa.md.num_row()
        ));
        let start_x = warm
            .as_ref()
            .map(|w| aggregate_solution(&f, fa, groups, &w.x));
        let phase = Instant::now();
        let mut run = match run_mip(fa, start_x.as_deref(), inst, settings, start, size)? {
            Ok(run) => run,
            Err(r) => return Ok(finish(r)),
        };
        mip_s += phase.elapsed().as_secs_f64();
        nodes += run.nodes;
        diagnostics.extend(run.note.take());
        mip_bound = run.bound;
        status = run.status;
        if let Some(xa) = &run.x {
            let merged_objective = run.objective;
            // The members' commitment and dispatch; kept when it costs what the merged
            // solution does.
            let split = match disaggregate(inst, fa, groups, xa) {
                Some(c) => match solve_lp(&f.fixed_commitment(inst, &c), threads, None)? {
                    Ok(lp) => Some((c, lp)),
                    Err(_) => None,
                },
                None => None,
            };
            let exact = split.as_ref().is_some_and(|(_, lp)| {
                lp.objective <= merged_objective + 1e-9 * merged_objective.abs().max(1.0)
            });
            if !exact {
                diagnostics.push(match &split {
                    Some((_, lp)) => format!(
                        "the members' dispatch of the merged solution costs {:.6} $ against \
                         its {:.6} $; the MIP over the individual units continues",
                        lp.objective, merged_objective
                    ),
                    None => "the merged solution has no dispatch of its members; the MIP \
                             over the individual units continues"
                        .to_string(),
                });
            }
            found = split;
            if !exact {
                // Better of the split and the warm start as the individual MIP's start.
                let from_warm = warm
                    .as_ref()
                    .map(|w| (f.schedule(inst, &w.x).commitment, w.clone()));
                found = match (found, from_warm) {
                    (Some(a), Some(b)) => Some(if b.1.objective < a.1.objective { b } else { a }),
                    (a, b) => a.or(b),
                };
                status = UcStatus::TimeLimit;
            }
        }
    }
    let individual = !skip_mip
        && (agg.is_none()
            || (status == UcStatus::TimeLimit && remaining(start, limit).is_none_or(|r| r > 0.0)));
    if individual {
        let start_x = match (&found, &warm) {
            (Some((_, lp)), _) => Some(lp.x.clone()),
            (None, Some(w)) => Some(w.x.clone()),
            (None, None) => None,
        };
        let phase = Instant::now();
        let mut run = match run_mip(&f, start_x.as_deref(), inst, settings, start, size)? {
            Ok(run) => run,
            Err(r) => return Ok(finish(r)),
        };
        mip_s += phase.elapsed().as_secs_f64();
        nodes += run.nodes;
        diagnostics.extend(run.note.take());
        mip_bound = max_bound(mip_bound, run.bound);
        status = run.status;
        if let Some(x) = &run.x {
            let commitment = f.schedule(inst, x).commitment;
            let known = found.as_ref().filter(|(c, _)| *c == commitment).is_some()
                || warm
                    .as_ref()
                    .is_some_and(|w| f.schedule(inst, &w.x).commitment == commitment);
            if !known {
                found = match solve_lp(&f.fixed_commitment(inst, &commitment), threads, None)? {
                    Ok(lp) => Some((commitment, lp)),
                    Err(o) => {
                        return Ok(finish(UcResult::empty(
                            UcStatus::SolverError,
                            size,
                            vec![format!(
                                "the dispatch LP of HiGHS's commitment ended with {o:?}"
                            )],
                        )))
                    }
                };
            } else if found.as_ref().is_none_or(|(c, _)| *c != commitment) {
                // HiGHS ended on the warm start's commitment, whose LP is already solved
                // (on `ferc` it takes minutes).
                found = warm.as_ref().map(|w| (commitment.clone(), w.clone()));
            }
        }
    }
    let Some((_, lp)) = found else {
        let mut r = UcResult::empty(
            UcStatus::TimeLimit,
            size,
            vec!["time limit (or node limit) reached before a schedule was found".into()],
        );
        r.root_lp_usd = root.as_ref().map(|l| l.objective);
        r.mip_nodes = nodes;
        (r.root_lp_s, r.warm_start_s, r.mip_s) = (root_lp_s, warm_start_s, mip_s);
        return Ok(finish(r));
    };
    if status == UcStatus::TimeLimit {
        status = UcStatus::FeasibleWithGap;
    }
    let objective = lp.objective;
    // The LP relaxation is a valid bound too, and the only one when HiGHS stops before its own
    // root LP (very large instances).
    let root_bound = root.as_ref().map(|l| l.objective);
    let bound = match (mip_bound.filter(|b| b.is_finite()), root_bound) {
        (Some(m), Some(r)) => Some(m.max(r)),
        (None, None) => Some(merit_order_bound(
            inst,
            settings.penalties.as_ref().map(|p| p.shed_usd_per_mwh),
        )),
        (m, r) => m.or(r),
    }
    .map(|b| b.min(objective));
    let rel = |lo: f64| (objective - lo) / objective.abs().max(1e-9);
    let schedule = f.schedule(inst, &lp.x);
    diagnostics.extend(penalised_diagnostics(&schedule));
    // The status follows the gap of the schedule returned, which is the dispatch LP of its
    // commitment, not HiGHS's incumbent: the members' own dispatch may cost more than the
    // merged units' (it never costs less than the bound), and HiGHS's continuous columns are
    // only optimal to within its gap, so the dispatch LP can close a gap HiGHS stopped short of
    // at the limit (rts_gmlc/2020-04-03: HiGHS above 0.1 % at 300 s, the schedule at 0.093 %).
    let within = |b: f64| {
        objective - b
            <= (settings.mip_rel_gap * objective.abs()).max(1e-6) + COST_REL_TOL * objective.abs()
    };
    let status = match (status, bound) {
        (UcStatus::Optimal, Some(b)) if !within(b) => {
            diagnostics.push(format!(
                "the units' dispatch ends {:.4}% above the bound, over the requested {:.4}%",
                100.0 * rel(b),
                100.0 * settings.mip_rel_gap
            ));
            UcStatus::FeasibleWithGap
        }
        (UcStatus::FeasibleWithGap, Some(b)) if within(b) => {
            diagnostics.push(format!(
                "HiGHS stopped at the limit; the dispatch of its commitment is within the \
                 requested gap ({:.4}% of the bound)",
                100.0 * rel(b)
            ));
            UcStatus::Optimal
        }
        (s, _) => s,
    };
    let mut r = UcResult {
        status,
        objective_usd: Some(objective),
        bound_usd: bound,
        gap: bound.map(rel),
        cost: cost_of(&f, inst, &lp.x, settings),
        energy_price_usd_per_mwh: f.demand_row.iter().map(|&i| lp.row_dual[i]).collect(),
        reserve_price_usd_per_mwh: f.reserve_row.iter().map(|&i| lp.row_dual[i]).collect(),
        schedule: Some(schedule),
        root_lp_usd: root.as_ref().map(|l| l.objective),
        root_gap: root.as_ref().map(|l| rel(l.objective)),
        warm_start_usd: warm.as_ref().map(|w| w.objective),
        solve_s: 0.0,
        root_lp_s,
        warm_start_s,
        mip_s,
        mip_nodes: nodes,
        size,
        diagnostics,
    };
    r = finish(r);
    Ok(r)
}

/// What one MIP run left: its status (`TimeLimit` when it has no solution), the solution and
/// its objective, HiGHS's dual bound, the nodes explored and what the caller should report.
struct MipRun {
    status: UcStatus,
    x: Option<Vec<f64>>,
    objective: f64,
    bound: Option<f64>,
    nodes: i64,
    note: Option<String>,
}

/// Relative tolerance on costs that two HiGHS solves of the same schedule may differ by: the
/// solutions are feasible to HiGHS's primal tolerance (1e-7), which penalty prices turn into
/// cost. A penalised MIP's `c·x` and the dispatch LP of its commitment were seen 1.0e-6 $
/// apart on an 863.69 $ schedule (`uc_prop` regression), over a 1e-9 relative slack.
const COST_REL_TOL: f64 = 1e-7;

/// The larger of two optional lower bounds.
fn max_bound(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// HiGHS's `presolve_rule_off` bit of its aggregator (`kPresolveRuleAggregator` = 12).
const PRESOLVE_RULE_AGGREGATOR: i32 = 1 << 12;

/// Runs HiGHS's MIP on `mf` with the optional start and the time left. `Ok(Err(result))` is a
/// finished solve without a schedule (infeasible, with its diagnosis, or a solver failure).
///
/// HiGHS 1.16's presolve aggregator can map a MIP start into the reduced space with a wrong
/// objective and then prune schedules cheaper than the start: a penalised solve declared its
/// 630.55 $ start optimal (HiGHS's own objective 446.85 $) where 590.51 $ was feasible
/// (`uc_prop`, `penalised_solve_from_a_start_finds_the_strict_optimum`). The signature is
/// HiGHS's objective disagreeing with the solution's `c·x`. Turning the aggregator off always
/// avoids it, but presolve then removes 800 rather than 4,200 rows of an RTS-GMLC day and the
/// time to 0.1 % moved both ways (better on 7 days of 12, worse on 5, 1,618 s against 1,316 s
/// summed; benches/README.md), so HiGHS's default stays, and an optimality claim that fails
/// the check is re-run with the aggregator off from the solution found, in the time left.
/// Without time left the claim is dropped and the bound HiGHS reports stands (still valid:
/// nodes pruned against a too-low incumbent value are bounded by it).
fn run_mip(
    mf: &Formulation,
    start_x: Option<&[f64]>,
    inst: &UcInstance,
    settings: &UcSettings,
    start: Instant,
    size: (usize, usize, usize),
) -> Result<Result<MipRun, UcResult>, UcError> {
    let mut attempt = match mip_attempt(mf, start_x, inst, settings, start, size, false)? {
        Ok(a) => a,
        Err(r) => return Ok(Err(r)),
    };
    let mut nodes = attempt.nodes;
    let mut note = None;
    if attempt.status == UcStatus::Optimal && !attempt.consistent() {
        let what = format!(
            "HiGHS declared optimal a solution of {:.6} $ it valued at {:.6} $",
            attempt.objective, attempt.highs_objective
        );
        if remaining(start, settings.time_limit_s).is_none_or(|r| r > 1e-3) {
            note = Some(format!(
                "{what}: solved again with its presolve aggregator off from that solution"
            ));
            let found = attempt.x.take();
            let again = match mip_attempt(mf, found.as_deref(), inst, settings, start, size, true)?
            {
                Ok(a) => a,
                Err(r) => return Ok(Err(r)),
            };
            nodes += again.nodes;
            if again.x.is_some() {
                attempt = again;
            } else {
                // Out of time before HiGHS took the start back: the first solution stands.
                attempt.x = found;
                attempt.status = UcStatus::FeasibleWithGap;
                attempt.reported_bound = max_bound(attempt.reported_bound, again.reported_bound);
            }
        } else {
            note = Some(format!(
                "{what}: no time left to check it; its gap is not claimed"
            ));
            attempt.status = UcStatus::FeasibleWithGap;
        }
    }
    // HiGHS declares optimality when its gap is within `mip_rel_gap` (or `mip_abs_gap`,
    // 1e-6): the objective less that gap is then a bound. The dual bound HiGHS reports can be
    // lower (the mis-mapped objective above, 183.7 $ low on the generated instance).
    let (status, objective) = (attempt.status, attempt.objective);
    let proven = (status == UcStatus::Optimal)
        .then(|| objective - (settings.mip_rel_gap * objective.abs()).max(1e-6));
    let bound = max_bound(attempt.reported_bound, proven);
    Ok(Ok(MipRun {
        status,
        x: attempt.x,
        objective,
        bound,
        nodes,
        note,
    }))
}

/// One HiGHS MIP run: its status, the solution (none at `TimeLimit`), `c·x` of it and HiGHS's
/// own value of it, HiGHS's dual bound and the nodes explored.
struct MipAttempt {
    status: UcStatus,
    x: Option<Vec<f64>>,
    objective: f64,
    highs_objective: f64,
    reported_bound: Option<f64>,
    nodes: i64,
}

impl MipAttempt {
    /// HiGHS's value of its solution agrees with the solution's cost.
    fn consistent(&self) -> bool {
        self.x.is_none()
            || (self.highs_objective - self.objective).abs()
                <= COST_REL_TOL * self.objective.abs().max(1.0)
    }
}

/// Runs HiGHS's MIP once on `mf` from `start_x` in the time left, with the presolve
/// aggregator off when `no_aggregator`. `Ok(Err(result))` as in [`run_mip`].
fn mip_attempt(
    mf: &Formulation,
    start_x: Option<&[f64]>,
    inst: &UcInstance,
    settings: &UcSettings,
    start: Instant,
    size: (usize, usize, usize),
    no_aggregator: bool,
) -> Result<Result<MipAttempt, UcResult>, UcError> {
    let mut h = new_highs(
        settings.threads,
        remaining(start, settings.time_limit_s),
        settings.random_seed,
    )?;
    h.set_option(
        "mip_rel_gap",
        &HighsOptionValue::Double(settings.mip_rel_gap),
    )
    .map_err(UcError::Solver)?;
    if let Some(n) = settings.mip_max_nodes {
        let n = i32::try_from(n).unwrap_or(i32::MAX);
        h.set_option("mip_max_nodes", &HighsOptionValue::Int(n))
            .map_err(UcError::Solver)?;
    }
    if let Some(path) = &settings.log_file {
        let opts = [
            ("output_flag", HighsOptionValue::Bool(true)),
            ("log_to_console", HighsOptionValue::Bool(false)),
            (
                "log_file",
                HighsOptionValue::Str(path.display().to_string()),
            ),
        ];
        for (n, v) in opts {
            h.set_option(n, &v).map_err(UcError::Solver)?;
        }
    }
    if no_aggregator {
        h.set_option(
            "presolve_rule_off",
            &HighsOptionValue::Int(PRESOLVE_RULE_AGGREGATOR),
        )
        .map_err(UcError::Solver)?;
    }
    for (n, v) in &settings.highs_options {
        h.set_option_text(n, v).map_err(UcError::Settings)?;
    }
    h.pass_model(&mf.md).map_err(UcError::Solver)?;
    h.set_integrality(&mf.integer).map_err(UcError::Solver)?;
    if let Some(x) = start_x {
        h.set_solution(x);
    }
    let outcome = h.run_with_threads(settings.threads);
    let status = match outcome {
        RunOutcome::Optimal => UcStatus::Optimal,
        RunOutcome::TimeLimit if h.has_solution() => UcStatus::FeasibleWithGap,
        RunOutcome::TimeLimit => UcStatus::TimeLimit,
        // HiGHS reports its node limit as "solution limit".
        RunOutcome::Other(_) if settings.mip_max_nodes.is_some() && !h.has_solution() => {
            UcStatus::TimeLimit
        }
        RunOutcome::Infeasible | RunOutcome::UnboundedOrInfeasible => {
            let d = infeasibility_diagnosis(inst, settings)?;
            return Ok(Err(UcResult::empty(UcStatus::Infeasible, size, d)));
        }
        _ if h.has_solution() => UcStatus::FeasibleWithGap,
        other => {
            return Ok(Err(UcResult::empty(
                UcStatus::SolverError,
                size,
                vec![format!("HiGHS stopped the MIP with {other:?}")],
            )))
        }
    };
    let x = (status != UcStatus::TimeLimit).then(|| h.solution().0);
    Ok(Ok(MipAttempt {
        status,
        // Recomputed from the solution: HiGHS's own value of it can be wrong (see [`run_mip`]).
        objective: x
            .as_ref()
            .map_or(f64::INFINITY, |x| mf.md.linear_objective(x)),
        x,
        highs_objective: h.objective(),
        reported_bound: h.double_info("mip_dual_bound").filter(|b| b.is_finite()),
        nodes: h.mip_nodes(),
    }))
}

fn penalised_diagnostics(s: &UcSchedule) -> Vec<String> {
    let mut d = Vec::new();
    for (what, v) in [
        ("demand not served", &s.shed_mw),
        ("generation above demand", &s.surplus_mw),
        ("reserve shortfall", &s.reserve_shortfall_mw),
    ] {
        for (t, &x) in v.iter().enumerate() {
            if x > 1e-6 {
                d.push(format!("period {}: {what} {x:.3} MW", t + 1));
            }
        }
    }
    d
}

/// Cost split of a solution vector of the formulation.
fn cost_of(f: &Formulation, inst: &UcInstance, x: &[f64], settings: &UcSettings) -> CostBreakdown {
    let val = |c: usize| x.get(c).copied().unwrap_or(0.0);
    let mut cb = CostBreakdown::default();
    for ((g, gc), ms) in inst.thermal.iter().zip(&f.cols).zip(&f.matches) {
        let (_, slope) = segments(g);
        cb.startup_usd += ms.iter().map(|m| m.cost_usd * val(m.col)).sum::<f64>();
        let no_load = g.cost_curve.first().map_or(0.0, |p| p.cost_usd_per_h);
        let cold = g.startup.last().map_or(0.0, |s| s.cost_usd);
        for c in gc {
            cb.production_usd += c
                .seg
                .iter()
                .zip(&slope)
                .map(|(&s, &k)| k * val(s))
                .sum::<f64>();
            cb.no_load_usd += no_load * val(c.u);
            cb.startup_usd += cold * val(c.v);
        }
    }
    if let (Some(sl), Some(p)) = (&f.slack, &settings.penalties) {
        for &(a, b, c) in sl {
            cb.penalty_usd +=
                p.shed_usd_per_mwh * (val(a) + val(b)) + p.reserve_shortfall_usd_per_mwh * val(c);
        }
    }
    cb
}

/// A complete starting solution: the dispatch LP of its commitment (reused when HiGHS ends on
/// the same commitment).
type Start = LpSolution;

/// Node limit of the warm-start sub-MIP when the solve has no time limit.
const SUB_MIP_NODES: i32 = 200;

/// Most the warm-start sub-MIP may take of a time-limited solve (s). With 60 s (a quarter of a
/// 300-s limit) it took 9–52 s on the `rts_gmlc` days, and its schedule was rarely the one the
/// solve ended with; with 10 s, time to a 0.1 % gap fell on six of seven hard days, side by side
/// (benches/README.md, "A 10-s sub-MIP").
const SUB_MIP_MAX_S: f64 = 10.0;

/// Solves the MIP with every commitment the root LP holds on fixed on (on the merged model,
/// every count it holds at a positive integer) — a small MIP — then dispatches its
/// commitment: a complete starting solution. `x_lp` is the root LP solution of the model
/// the sub-MIP is built on: the merged one when `merged` is given, else `f`.
fn fixed_sub_mip_start(
    f: &Formulation,
    inst: &UcInstance,
    x_lp: &[f64],
    settings: &UcSettings,
    start: Instant,
    merged: Option<(&UnitGroups, &Formulation)>,
) -> Result<Option<Start>, UcError> {
    // With a time limit: a quarter of what is left, at most `SUB_MIP_MAX_S`. Without one the
    // sub-MIP is bounded by nodes only, so that the result does not depend on the machine's
    // speed.
    let budget = remaining(start, settings.time_limit_s).map(|r| (0.25 * r).min(SUB_MIP_MAX_S));
    // On the merged model when there is one (smaller, and a count is fixed rather than each
    // member), which is also the model `x_lp` solves. Only what the LP commits is fixed:
    // fixing its zeros too left the sub-MIP almost nothing to choose, and its schedules
    // 0.8-3.4 % above the bound on rts_gmlc.
    let mf = merged.map_or(f, |(_, fa)| fa);
    let mut md = mf.md.clone();
    for gc in &mf.cols {
        for c in gc {
            let x = x_lp.get(c.u).copied().unwrap_or(0.5);
            let r = x.round();
            if (x - r).abs() <= 1e-6 && r >= 0.5 {
                md.col_lower[c.u] = r.clamp(md.col_lower[c.u], md.col_upper[c.u]);
                md.col_upper[c.u] = md.col_lower[c.u];
            }
        }
    }
    let mut h = new_highs(settings.threads, budget, settings.random_seed)?;
    h.set_option("mip_rel_gap", &HighsOptionValue::Double(5e-3))
        .map_err(UcError::Solver)?;
    if budget.is_none() {
        h.set_option("mip_max_nodes", &HighsOptionValue::Int(SUB_MIP_NODES))
            .map_err(UcError::Solver)?;
    }
    h.pass_model(&md).map_err(UcError::Solver)?;
    h.set_integrality(&mf.integer).map_err(UcError::Solver)?;
    h.run_with_threads(settings.threads);
    if !h.has_solution() {
        return Ok(None);
    }
    let (x, _, _, _) = h.solution();
    let commitment = match merged {
        Some((g, fa)) => match disaggregate(inst, fa, g, &x) {
            Some(c) => c,
            None => return Ok(None),
        },
        None => f.schedule(inst, &x).commitment,
    };
    Ok(solve_lp(
        &f.fixed_commitment(inst, &commitment),
        settings.threads,
        None,
    )?
    .ok())
}

/// Rounds the LP commitment at several thresholds, repairs minimum up/down times, dispatches
/// each candidate and keeps the cheapest feasible one.
fn rounded_lp_start(
    f: &Formulation,
    inst: &UcInstance,
    u_lp: &[Vec<f64>],
    threads: usize,
    start: Instant,
    limit: Option<f64>,
) -> Result<Option<Start>, UcError> {
    let mut best: Option<Start> = None;
    let mut seen: Vec<Vec<Vec<bool>>> = Vec::new();
    for theta in [0.5, 0.2, 0.05, 0.01] {
        let commitment: Vec<Vec<bool>> = f
            .cols
            .iter()
            .zip(&inst.thermal)
            .zip(u_lp)
            .map(|((gc, g), ug)| {
                let on: Vec<bool> = gc
                    .iter()
                    .zip(ug)
                    .map(|(c, &x)| {
                        let lo = f.md.col_lower[c.u];
                        let hi = f.md.col_upper[c.u];
                        lo > 0.5 || (hi > 0.5 && x >= theta)
                    })
                    .collect();
                repair_min_times(
                    g,
                    on,
                    &gc.iter()
                        .map(|c| f.md.col_upper[c.u] > 0.5)
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        if seen.contains(&commitment) {
            continue;
        }
        seen.push(commitment.clone());
        if limit.is_some_and(|l| start.elapsed().as_secs_f64() > 0.5 * l) {
            break;
        }
        if let Ok(lp) = solve_lp(
            &f.fixed_commitment(inst, &commitment),
            threads,
            remaining(start, limit),
        )? {
            if best.as_ref().is_none_or(|b| lp.objective < b.objective) {
                best = Some(lp);
            }
        }
    }
    Ok(best)
}

/// Cheapest average cost of a unit over its operating range, `min_q C(q)/q` ($/MWh) for `q`
/// in `[p_min, p_max]`: `C(q)/q` is monotone on each linear piece of the cost curve, so the
/// minimum is at a breakpoint.
fn best_average_cost(g: &super::model::ThermalUnit) -> f64 {
    g.cost_curve
        .iter()
        .filter(|c| c.p_mw > 0.0)
        .map(|c| c.cost_usd_per_h / c.p_mw)
        .fold(f64::INFINITY, f64::min)
}

/// A lower bound on the cost of any schedule that needs no LP: each period's demand net of
/// the renewables' maximum output is met by filling thermal capacity in order of each unit's
/// cheapest average cost (a fractional knapsack; in penalised mode shedding at its price is
/// one more item). It is valid because with the commitment relaxed to `[0, 1]` a unit's cost
/// is `u·C(q)` for an output `u·q`, at least that output times `min C(q)/q`, and dropping the
/// minimum outputs, minimum times, ramps, startup costs and the reserve only lowers it.
/// Weak (it ignores exactly what makes unit commitment hard), it is reported only when the
/// root LP did not finish and HiGHS has no bound of its own.
pub fn merit_order_bound(inst: &UcInstance, shed_usd_per_mwh: Option<f64>) -> f64 {
    let mut items: Vec<(f64, f64)> = inst
        .thermal
        .iter()
        .map(|g| (best_average_cost(g), g.p_max_mw))
        .filter(|(c, p)| c.is_finite() && *p > 0.0)
        .collect();
    if let Some(v) = shed_usd_per_mwh {
        items.push((v, f64::INFINITY));
    }
    items.sort_by(|a, b| a.0.total_cmp(&b.0));
    (0..inst.periods)
        .map(|t| {
            let mut need = inst.net_demand_mw(t);
            let mut cost = 0.0;
            for &(c, cap) in &items {
                if need <= 0.0 {
                    break;
                }
                let take = need.min(cap);
                cost += c * take;
                need -= take;
            }
            cost
        })
        .sum()
}

/// A start that needs no LP relaxation (for instances whose root LP does not finish in time):
/// in each period the units that must or may not be off are on, then the others in order of
/// their cheapest average cost until the committed capacity covers demand net of the
/// renewables' maximum plus the reserve, with a margin; minimum up and down times are
/// repaired and the commitment dispatched by an LP. The margin grows (3, 8, 15, 30 %) until
/// the dispatch is feasible — ramp and startup limits can make a bare-capacity commitment
/// fail.
fn priority_list_start(
    f: &Formulation,
    inst: &UcInstance,
    threads: usize,
    start: Instant,
    limit: Option<f64>,
) -> Result<Option<Start>, UcError> {
    let mut order: Vec<usize> = (0..inst.thermal.len()).collect();
    let avg: Vec<f64> = inst.thermal.iter().map(best_average_cost).collect();
    order.sort_by(|&a, &b| avg[a].total_cmp(&avg[b]).then(a.cmp(&b)));
    for margin in [0.03, 0.08, 0.15, 0.30] {
        if limit.is_some_and(|l| start.elapsed().as_secs_f64() > 0.8 * l) {
            break;
        }
        let mut on: Vec<Vec<bool>> = f
            .cols
            .iter()
            .zip(&inst.thermal)
            .map(|(gc, g)| {
                gc.iter()
                    .map(|c| f.md.col_lower[c.u] > 0.5 || (g.must_run && f.md.col_upper[c.u] > 0.5))
                    .collect()
            })
            .collect();
        for t in 0..inst.periods {
            let need = (inst.net_demand_mw(t) + inst.reserve_mw[t]) * (1.0 + margin);
            // What a unit can give in period t: its maximum if it was on before, else what its
            // startup ramp allows.
            let was_on = |on: &Vec<Vec<bool>>, g: usize| {
                if t == 0 {
                    inst.thermal[g].on_t0
                } else {
                    on[g][t - 1]
                }
            };
            let give = |on: &Vec<Vec<bool>>, g: usize| {
                let u = &inst.thermal[g];
                if was_on(on, g) {
                    u.p_max_mw
                } else {
                    u.p_max_mw.min(u.startup_limit_mw.max(u.p_min_mw))
                }
            };
            let mut cap: f64 = (0..inst.thermal.len())
                .filter(|&g| on[g][t])
                .map(|g| give(&on, g))
                .sum();
            for &g in &order {
                if cap >= need {
                    break;
                }
                if !on[g][t] && f.md.col_upper[f.cols[g][t].u] > 0.5 {
                    on[g][t] = true;
                    cap += give(&on, g);
                }
            }
        }
        let commitment: Vec<Vec<bool>> = on
            .into_iter()
            .zip(f.cols.iter().zip(&inst.thermal))
            .map(|(on, (gc, g))| {
                let allowed: Vec<bool> = gc.iter().map(|c| f.md.col_upper[c.u] > 0.5).collect();
                let on = repair_min_times(g, on, &allowed);
                keep_on_through_cheap_gaps(g, on, &allowed)
            })
            .collect();
        if let Ok(lp) = solve_lp(
            &f.fixed_commitment(inst, &commitment),
            threads,
            remaining(start, limit),
        )? {
            return Ok(Some(lp));
        }
    }
    Ok(None)
}

/// Fills an off spell between two on spells when running through it at minimum output costs
/// less than the start that ends it: `C(p_min) × hours < startup cost after that many hours
/// off` (the category with the largest lag not above the spell). Filling never breaks a
/// minimum up or down time.
fn keep_on_through_cheap_gaps(
    g: &super::model::ThermalUnit,
    mut on: Vec<bool>,
    allowed: &[bool],
) -> Vec<bool> {
    let idle_usd_per_h = g.cost_curve.first().map_or(0.0, |c| c.cost_usd_per_h);
    let start_cost = |off_h: usize| {
        g.startup
            .iter()
            .rev()
            .find(|c| c.lag_h as usize <= off_h)
            .or(g.startup.first())
            .map_or(0.0, |c| c.cost_usd)
    };
    fill_off_spells(g, &mut on, allowed, |len, off_h| {
        idle_usd_per_h * (len as f64) < start_cost(off_h)
    });
    on
}

/// Switches a unit on through every off spell that lies between two on periods (or follows
/// its initial on state), is allowed throughout, and for which `fill(length, hours off)`
/// holds (hours off include those before the horizon when the spell starts it). Returns
/// whether anything changed.
fn fill_off_spells(
    g: &super::model::ThermalUnit,
    on: &mut [bool],
    allowed: &[bool],
    fill: impl Fn(usize, usize) -> bool,
) -> bool {
    let nt = on.len();
    let mut changed = false;
    let mut t = 0;
    while t < nt {
        if on[t] {
            t += 1;
            continue;
        }
        let s = t;
        while t < nt && !on[t] {
            t += 1;
        }
        let before_on = if s == 0 { g.on_t0 } else { true };
        let pre_off = if s == 0 && !g.on_t0 {
            g.down_t0_h as usize
        } else {
            0
        };
        if before_on && t < nt && (s..t).all(|i| allowed[i]) && fill(t - s, t - s + pre_off) {
            on[s..t].iter_mut().for_each(|x| *x = true);
            changed = true;
        }
    }
    changed
}

/// Makes a commitment respect minimum up and down times by switching units on: off spells
/// shorter than the minimum down time are filled, and on spells shorter than the minimum up
/// time are extended, until neither happens. `allowed[t]` is false where the unit is forced off.
pub(crate) fn repair_min_times(
    g: &super::model::ThermalUnit,
    mut on: Vec<bool>,
    allowed: &[bool],
) -> Vec<bool> {
    let nt = on.len();
    let ut = g.min_up_h.max(1) as usize;
    let dt = g.min_down_h.max(1) as usize;
    for _ in 0..=nt {
        // Fill short off spells that lie between two on periods (or after the initial on state).
        let mut changed = fill_off_spells(g, &mut on, allowed, |_, off_h| off_h < dt);
        // Extend short on spells that start inside the horizon.
        let mut t = 0;
        while t < nt {
            if !on[t] {
                t += 1;
                continue;
            }
            let s = t;
            while t < nt && on[t] {
                t += 1;
            }
            let started_here = s > 0 || !g.on_t0;
            if started_here && t - s < ut && t < nt {
                let end = (s + ut).min(nt);
                if (t..end).all(|i| allowed[i]) {
                    on[t..end].iter_mut().for_each(|x| *x = true);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    on
}

/// Why a strict instance is infeasible: single-period capacity checks first, then the periods
/// in which the penalised model has to shed load or reserve.
fn infeasibility_diagnosis(
    inst: &UcInstance,
    settings: &UcSettings,
) -> Result<Vec<String>, UcError> {
    let d = capacity_diagnosis(inst);
    if !d.is_empty() || settings.penalties.is_some() {
        return Ok(if d.is_empty() {
            vec!["the units' initial conditions and must-run status cannot all hold".into()]
        } else {
            d
        });
    }
    let mut s = settings.clone();
    s.penalties = Some(Default::default());
    s.mip_rel_gap = s.mip_rel_gap.max(1e-3);
    let r = solve(inst, &s)?;
    let mut d = r.diagnostics;
    if d.is_empty() {
        d.push(
            "infeasible: no period-level shortfall found (ramping or initial conditions)".into(),
        );
    } else {
        d.insert(
            0,
            "infeasible; the penalised model (10,000 $/MWh shedding, 1,000 $/MWh reserve) needs:"
                .into(),
        );
    }
    Ok(d)
}
