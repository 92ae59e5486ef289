//! Lagrangian bound: the demand and reserve rows priced out, each unit's own MIP solved alone.
//!
//! With prices `λ(t)` on the balance and `μ(t) ≥ 0` on the reserve row,
//!
//! ```text
//! L(λ, μ) = Σ_t λ(t) D(t) + μ(t) R(t) + Σ_g min_{x_g ∈ X_g} (c_g − λ A_g − μ B_g) x_g
//!           + min_{p_w} (−λ) p_w
//! ```
//!
//! is a lower bound on the optimum for any such prices, where `X_g` is unit `g`'s integer
//! feasible set in the formulation (minimum times, ramps, startup categories, cost
//! segments). At the root LP's duals it is at least the LP value, and it is
//! higher by exactly what the formulation leaves between each unit's LP polytope and the
//! convex hull of its schedules: the measure of how much any per-unit tightening (cuts,
//! extended formulations) could still close. What it cannot close is the coupling of units
//! through the demand and reserve rows.

use std::time::Instant;

use gridsim_networks::opf::highs::{HighsOptionValue, ModelData, RunOutcome};

use super::error::UcError;
use super::formulation::{build, Formulation};
use super::model::UcInstance;
use super::settings::UcSettings;
use super::solve::{new_highs, solve_lp};

/// The Lagrangian bound at the root LP's prices (and, with an ascent, the best found from
/// there), beside the LP value.
#[derive(Debug, Clone, PartialEq)]
pub struct LagrangianBound {
    /// Root LP value ($).
    pub lp_usd: f64,
    /// The root LP's prices with every unit's subproblem solved as an LP ($): equals `lp_usd`
    /// up to the LP tolerances (a check of the pricing).
    pub lp_check_usd: f64,
    /// `L(λ, μ)` at the root LP's prices, every unit's subproblem solved as a MIP ($).
    pub at_lp_prices_usd: f64,
    /// The best `L(λ, μ)` found: at the LP prices or along the ascent ($).
    pub bound_usd: f64,
    /// `L(λ, μ)` at each evaluation, the LP prices first ($).
    pub trace_usd: Vec<f64>,
    /// Per thermal unit, at the LP prices: its subproblem's MIP value less its LP value
    /// ($, ≥ 0 up to tolerances): where the formulation is loosest.
    pub unit_gain_usd: Vec<f64>,
    /// Wall-clock time (s).
    pub solve_s: f64,
}

/// A subgradient ascent on `L(λ, μ)` from the root LP's prices: Polyak steps towards
/// `target_usd` (the cost of a known schedule), the step scaled by 0.7 whenever
/// an evaluation does not improve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ascent {
    /// Cost of a known schedule ($): the Polyak step's target.
    pub target_usd: f64,
    /// Evaluations after the one at the LP prices.
    pub iterations: usize,
}

/// Computes the Lagrangian bound of `inst` at its root LP's demand and reserve prices, and
/// with `ascent` the best bound found by a subgradient ascent from there. `Ok(None)` when
/// the root LP does not solve to optimality.
pub fn lagrangian_bound(
    inst: &UcInstance,
    settings: &UcSettings,
    ascent: Option<Ascent>,
) -> Result<Option<LagrangianBound>, UcError> {
    settings.validate()?;
    inst.validate()?;
    let start = Instant::now();
    let f = build(inst, settings.penalties.as_ref());
    let Ok(lp) = solve_lp(&f.md, settings.threads, settings.time_limit_s)? else {
        return Ok(None);
    };
    let mut y = lp.row_dual.clone();
    let mut current = evaluate(&f, &y, settings, true)?;
    let (lp_check_usd, unit_gain_usd) = current.relaxed.take().unwrap_or_default();
    let mut trace = vec![current.value];
    let mut theta = 1.0;
    for _ in 0..ascent.map_or(0, |a| a.iterations) {
        let norm2: f64 = current.subgradient.iter().map(|(_, g)| g * g).sum();
        let Some(a) = ascent.filter(|_| norm2 >= 1e-12) else {
            break;
        };
        let step = theta * (a.target_usd - current.value).max(0.0) / norm2;
        for &(r, g) in &current.subgradient {
            y[r] += step * g;
            if f.reserve_row.contains(&r) {
                // A ≥ row of a minimisation: its price is ≥ 0.
                y[r] = y[r].max(0.0);
            }
        }
        current = evaluate(&f, &y, settings, false)?;
        if trace.iter().any(|&b| current.value <= b) {
            theta *= 0.7;
        }
        trace.push(current.value);
    }
    Ok(Some(LagrangianBound {
        lp_usd: lp.objective,
        lp_check_usd,
        at_lp_prices_usd: trace[0],
        bound_usd: trace.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        trace_usd: trace,
        unit_gain_usd,
        solve_s: start.elapsed().as_secs_f64(),
    }))
}

/// `L` at some row prices: its value, its subgradient `b − A x` on each priced row (row,
/// value) at the subproblems' optima `x`, and on request the same prices with every
/// subproblem an LP: that value and each thermal unit's MIP value less its LP value.
struct Evaluation {
    value: f64,
    subgradient: Vec<(usize, f64)>,
    relaxed: Option<(f64, Vec<f64>)>,
}

/// Evaluates `L` at the row prices `y` (with the LP subproblems too when `relaxed`).
fn evaluate(
    f: &Formulation,
    y: &[f64],
    settings: &UcSettings,
    relaxed: bool,
) -> Result<Evaluation, UcError> {
    let md = &f.md;
    let priced = price_out(f, y)?;
    let mut value = priced.constant;
    let mut lp_value = priced.constant;
    let mut unit_gain = vec![0.0; f.cols.len()];
    let mut x = vec![0.0; md.col_cost.len()];
    for block in &priced.blocks {
        let (v, xb) = solve_block(&block.md, Some(&block.integer), settings)?;
        value += v;
        if relaxed {
            let lp = solve_block(&block.md, None, settings)?.0;
            lp_value += lp;
            if let Some(g) = block.unit {
                unit_gain[g] = v - lp;
            }
        }
        for (&j, &xj) in block.cols.iter().zip(&xb) {
            x[j] = xj;
        }
    }
    let ax = md.row_activity(&x);
    let subgradient = f
        .demand_row
        .iter()
        .chain(&f.reserve_row)
        .map(|&r| (r, active_bound(md, r) - ax[r]))
        .collect();
    Ok(Evaluation {
        value,
        subgradient,
        relaxed: relaxed.then_some((lp_value, unit_gain)),
    })
}

/// The bound of a priced row that holds at a price: the lower one of an equality or a ≥ row.
fn active_bound(md: &ModelData, r: usize) -> f64 {
    if md.row_lower[r].is_finite() {
        md.row_lower[r]
    } else {
        md.row_upper[r]
    }
}

/// One independent block of the priced-out model: a thermal unit's columns (or the
/// renewable and slack columns, `unit: None`) and the rows that touch only them.
struct Block {
    unit: Option<usize>,
    cols: Vec<usize>,
    md: ModelData,
    integer: Vec<bool>,
}

struct Priced {
    constant: f64,
    blocks: Vec<Block>,
}

/// Splits `f` into per-unit blocks with the coupling rows' duals `y` moved into the costs:
/// `c_j − Σ_{coupling i} y_i a_ij`, plus the constant `Σ_i y_i b_i` (`b_i` the row's active
/// bound) and the model's offset.
fn price_out(f: &Formulation, y: &[f64]) -> Result<Priced, UcError> {
    let md = &f.md;
    let nrow = md.row_lower.len();
    let mut coupling = vec![false; nrow];
    for &r in f.demand_row.iter().chain(&f.reserve_row) {
        coupling[r] = true;
    }
    let mut constant = md.offset;
    for r in 0..nrow {
        if coupling[r] {
            constant += y[r] * active_bound(md, r);
        }
    }
    // Block of each column: the unit it belongs to, or the last block for the rest.
    let nunit = f.cols.len();
    let ncol = md.col_cost.len();
    let mut block_of = vec![nunit; ncol];
    for (g, gc) in f.cols.iter().enumerate() {
        for c in gc {
            for col in [c.u, c.v, c.w, c.p, c.r]
                .into_iter()
                .chain(c.seg.iter().copied())
            {
                block_of[col] = g;
            }
        }
        for m in &f.matches[g] {
            block_of[m.col] = g;
        }
    }
    let mut row_block = vec![usize::MAX; nrow];
    let mut cost = md.col_cost.clone();
    for j in 0..ncol {
        for k in md.a_start[j]..md.a_start[j + 1] {
            let r = md.a_index[k];
            if coupling[r] {
                cost[j] -= y[r] * md.a_value[k];
            } else if row_block[r] == usize::MAX || row_block[r] == block_of[j] {
                row_block[r] = block_of[j];
            } else {
                return Err(UcError::Solver(format!(
                    "row {r} of the formulation couples two units besides the demand and \
                     reserve rows: it cannot be priced out"
                )));
            }
        }
    }
    let mut blocks = Vec::new();
    for blk in 0..=nunit {
        let cols: Vec<usize> = (0..ncol).filter(|&j| block_of[j] == blk).collect();
        if cols.is_empty() {
            continue;
        }
        let rows: Vec<usize> = (0..nrow).filter(|&r| row_block[r] == blk).collect();
        let mut row_new = vec![usize::MAX; nrow];
        for (i, &r) in rows.iter().enumerate() {
            row_new[r] = i;
        }
        let mut sub = ModelData {
            row_lower: rows.iter().map(|&r| md.row_lower[r]).collect(),
            row_upper: rows.iter().map(|&r| md.row_upper[r]).collect(),
            ..ModelData::default()
        };
        sub.a_start.push(0);
        for &j in &cols {
            sub.col_cost.push(cost[j]);
            sub.col_lower.push(md.col_lower[j]);
            sub.col_upper.push(md.col_upper[j]);
            for k in md.a_start[j]..md.a_start[j + 1] {
                let r = md.a_index[k];
                if !coupling[r] {
                    sub.a_index.push(row_new[r]);
                    sub.a_value.push(md.a_value[k]);
                }
            }
            sub.a_start.push(sub.a_index.len());
        }
        blocks.push(Block {
            unit: (blk < nunit).then_some(blk),
            integer: cols.iter().map(|&j| f.integer[j]).collect(),
            md: sub,
            cols,
        });
    }
    Ok(Priced { constant, blocks })
}

/// Optimal value and solution of one block, as an LP (`integer: None`) or a MIP solved to
/// optimality.
fn solve_block(
    md: &ModelData,
    integer: Option<&[bool]>,
    settings: &UcSettings,
) -> Result<(f64, Vec<f64>), UcError> {
    let mut h = new_highs(1, settings.time_limit_s, 0)?;
    h.set_option("mip_rel_gap", &HighsOptionValue::Double(0.0))
        .map_err(UcError::Solver)?;
    h.pass_model(md).map_err(UcError::Solver)?;
    if let Some(i) = integer {
        h.set_integrality(i).map_err(UcError::Solver)?;
    }
    match h.run_with_threads(1) {
        RunOutcome::Optimal => {
            let (x, ..) = h.solution();
            Ok((md.linear_objective(&x), x))
        }
        other => Err(UcError::Solver(format!(
            "a priced-out unit subproblem stopped with {other:?}"
        ))),
    }
}
