//! DC OPF against MATPOWER's `rundcopf`: objective, dispatch, prices, flows and rating
//! shadow prices, with alternative optima recognised rather than failed.
//!
//! Tolerances (next to the quantity they bound): objective 1e-6 relative
//! ([`TOL_DCOPF_OBJ_REL`]), Pg and branch flows 1e-4 MW ([`TOL_DCOPF_PG_MW`]), LMPs and
//! rating shadow prices 1e-3 $/MWh ([`TOL_DCOPF_LMP_USD_PER_MWH`]).
//!
//! Several reference cases have linear costs, some of them all equal (the PEGASE cases cost
//! 1 $/MWh everywhere): their optimal dispatch, and sometimes their prices, are not unique, and
//! MATPOWER (GLPK or MIPS) and HiGHS may return different optima. A difference is accepted
//! only when it is *proved* to be one between optima:
//!
//! - dispatch: MATPOWER's `Pg` and `Va` are checked to be feasible in our model (limits,
//!   nodal balance, ratings, angle limits; 1e-6 p.u.) and to cost what our optimum costs
//!   (1e-6 relative); then both dispatches are optimal;
//! - prices: MATPOWER's multipliers (`lam_P`, `mu_Sf`, `mu_St`, `mu_Pmax`, `mu_Pmin`,
//!   `mu_angmin`, `mu_angmax`) are checked to satisfy the KKT conditions together with *our*
//!   dispatch (stationarity in `Pg` and `θ`, complementary slackness, signs; 1e-5 $/MWh);
//!   then both price vectors are optimal duals.
//!
//! Such a check passes with the largest difference still reported, and `worst` says why.

use std::io::Read;

use gridsim_networks::case::CostCurve;
use gridsim_networks::opf::{DcOpf, DcOpfResult, DcOpfSettings};
use gridsim_networks::ybus::DcMatrices;
use gridsim_networks::{BusType, Case, Network};
use serde::Deserialize;

use crate::{load_case, max_err, reference_dir, Check};

/// Objective tolerance, relative.
pub const TOL_DCOPF_OBJ_REL: f64 = 1e-6;
/// Dispatch and branch flow tolerance, MW.
pub const TOL_DCOPF_PG_MW: f64 = 1e-4;
/// Price tolerance (LMP, rating shadow price), $/MWh.
pub const TOL_DCOPF_LMP_USD_PER_MWH: f64 = 1e-3;
/// Feasibility tolerance of the alternative-optimum proof, p.u.
const TOL_ALT_FEAS_PU: f64 = 1e-6;
/// KKT tolerance of the alternative-dual proof, $/MWh.
const TOL_ALT_KKT_USD_PER_MWH: f64 = 1e-5;

/// The cases with a shipped DC OPF reference.
pub const DCOPF_CASES: [&str; 16] = [
    "case5",
    "case9",
    "case14",
    "case30",
    "case39",
    "case57",
    "case118",
    "case300",
    "case24_ieee_rts",
    "case6ww",
    "case33bw",
    "case69",
    "case1354pegase",
    "case2383wp",
    "case9241pegase",
    "case_ACTIVSg2000",
];

/// A MATPOWER DC OPF reference (keys as written by the reference generator).
#[derive(Debug, Clone, Deserialize)]
pub struct DcOpfReference {
    /// Case name.
    pub case: String,
    /// Whether MATPOWER succeeded.
    pub success: bool,
    /// The solver MATPOWER used (MIPS for QPs, GLPK for LPs).
    #[serde(default)]
    pub solver: String,
    /// Objective, $/h.
    pub f: f64,
    /// Bus results.
    pub bus: DcOpfRefBus,
    /// Generator results.
    pub gen: DcOpfRefGen,
    /// Branch results.
    pub branch: DcOpfRefBranch,
}

/// Bus columns.
#[derive(Debug, Clone, Deserialize)]
pub struct DcOpfRefBus {
    /// External bus numbers.
    pub id: Vec<u32>,
    /// Angles, degrees.
    #[serde(rename = "Va_deg")]
    pub va_deg: Vec<f64>,
    /// LMPs, $/MWh.
    #[serde(rename = "lam_P")]
    pub lam_p: Vec<f64>,
}

/// Generator columns.
#[derive(Debug, Clone, Deserialize)]
pub struct DcOpfRefGen {
    /// Output, MW.
    #[serde(rename = "Pg")]
    pub pg: Vec<f64>,
    /// Multiplier of Pmax, $/MWh.
    #[serde(rename = "mu_Pmax")]
    pub mu_pmax: Vec<f64>,
    /// Multiplier of Pmin, $/MWh.
    #[serde(rename = "mu_Pmin")]
    pub mu_pmin: Vec<f64>,
}

/// Branch columns.
#[derive(Debug, Clone, Deserialize)]
pub struct DcOpfRefBranch {
    /// From-end flow, MW.
    #[serde(rename = "Pf")]
    pub pf: Vec<f64>,
    /// Multiplier of the from-end rating, $/MWh per MW.
    #[serde(rename = "mu_Sf")]
    pub mu_sf: Vec<f64>,
    /// Multiplier of the to-end rating, $/MWh per MW.
    #[serde(rename = "mu_St")]
    pub mu_st: Vec<f64>,
    /// Multiplier of the lower angle-difference limit, $/h per degree.
    #[serde(rename = "mu_angmin")]
    pub mu_angmin: Vec<f64>,
    /// Multiplier of the upper angle-difference limit, $/h per degree.
    #[serde(rename = "mu_angmax")]
    pub mu_angmax: Vec<f64>,
}

/// Reads `<case>__dcopf.json.gz`.
pub fn load_dcopf_reference(case: &str) -> Result<DcOpfReference, String> {
    let path = reference_dir().join(format!("{case}__dcopf.json.gz"));
    let file = std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Marginal cost interval `[left, right]` of generator `g` at `p_mw`, $/MWh.
fn marginal_cost(case: &Case, g: usize, p_mw: f64) -> (f64, f64) {
    match case.gencost.get(g).map(|c| &c.curve) {
        Some(CostCurve::Polynomial { coeffs_high_first }) => {
            let n = coeffs_high_first.len();
            let mut d = 0.0;
            for (k, c) in coeffs_high_first.iter().enumerate() {
                let power = n - 1 - k;
                if power >= 1 {
                    d += *c * power as f64 * p_mw.powi(power as i32 - 1);
                }
            }
            (d, d)
        }
        Some(CostCurve::PiecewiseLinear { points }) if points.len() >= 2 => {
            let slopes: Vec<(f64, f64, f64)> = points
                .windows(2)
                .map(|w| (w[0].0, w[1].0, (w[1].1 - w[0].1) / (w[1].0 - w[0].0)))
                .collect();
            let tol = 1e-7 * (1.0 + p_mw.abs());
            let mut left = f64::INFINITY;
            let mut right = f64::NEG_INFINITY;
            for (i, &(x0, x1, m)) in slopes.iter().enumerate() {
                let first = i == 0;
                let last = i + 1 == slopes.len();
                if (first || p_mw >= x0 - tol) && (last || p_mw <= x1 + tol) {
                    left = left.min(m);
                    right = right.max(m);
                }
            }
            (left, right)
        }
        _ => (0.0, 0.0),
    }
}

fn cost_usd_per_h(case: &Case, g: usize, p_mw: f64) -> f64 {
    match case.gencost.get(g).map(|c| &c.curve) {
        Some(CostCurve::PiecewiseLinear { points }) if points.len() >= 2 => points
            .windows(2)
            .map(|w| {
                let m = (w[1].1 - w[0].1) / (w[1].0 - w[0].0);
                m * (p_mw - w[0].0) + w[0].1
            })
            .fold(f64::NEG_INFINITY, f64::max),
        Some(_) => case.gencost[g].cost_usd_per_h(p_mw),
        None => 0.0,
    }
}

/// MATPOWER's angle-difference rule, radians (see `gridsim_networks::opf`).
fn angle_limit(amin: f64, amax: f64) -> Option<(f64, f64)> {
    let lo_set = amin != 0.0 && amin > -360.0;
    let hi_set = amax != 0.0 && amax < 360.0;
    if !(lo_set || hi_set) {
        return None;
    }
    let lo = if amin != 0.0 {
        amin.to_radians()
    } else {
        f64::NEG_INFINITY
    };
    let hi = if amax != 0.0 {
        amax.to_radians()
    } else {
        f64::INFINITY
    };
    Some((lo, hi))
}

fn rated(net: &Network, k: usize) -> Option<f64> {
    let r = net.br_rate_a_pu[k] * net.base_mva;
    (net.branch_connected(k) && r != 0.0 && r < 1e10).then_some(net.br_rate_a_pu[k])
}

/// Is MATPOWER's dispatch an optimum of our model? `Err` says what fails.
fn reference_dispatch_is_optimal(
    case: &Case,
    net: &Network,
    ours: &DcOpfResult,
    r: &DcOpfReference,
) -> Result<(), String> {
    let base = net.base_mva;
    let dc = DcMatrices::build(net);
    let theta: Vec<f64> = r.bus.va_deg.iter().map(|d| d.to_radians()).collect();
    let tol = TOL_ALT_FEAS_PU;
    for g in 0..net.n_gen() {
        let p = r.gen.pg[g] / base;
        if net.gen_connected(g) && (p < net.pmin_pu[g] - tol || p > net.pmax_pu[g] + tol) {
            return Err(format!("gen {} outside its limits", g + 1));
        }
    }
    let mut mis = vec![0.0; net.n_bus()];
    for i in 0..net.n_bus() {
        if net.bus_type[i] != BusType::Isolated {
            mis[i] = net.pd_pu[i] + net.gs_pu[i] + dc.pbus_inj[i];
        }
    }
    for (i, v) in dc.bbus.mul_vec(&theta).into_iter().enumerate() {
        mis[i] += v;
    }
    for g in 0..net.n_gen() {
        if net.gen_connected(g) {
            mis[net.gen_bus[g]] -= r.gen.pg[g] / base;
        }
    }
    if let Some((i, m)) = mis.iter().enumerate().find(|e| e.1.abs() > tol) {
        return Err(format!("bus {} unbalanced by {m:.2e} p.u.", net.bus_id[i]));
    }
    for k in 0..net.n_branch() {
        if !net.branch_connected(k) {
            continue;
        }
        let (f, t) = (net.br_from[k], net.br_to[k]);
        let pf = dc.b_branch[k] * (theta[f] - theta[t]) + dc.pf_inj[k];
        if let Some(rate) = rated(net, k) {
            if pf.abs() > rate + tol {
                return Err(format!("branch {} over its rating", k + 1));
            }
        }
        if let Some((lo, hi)) = angle_limit(case.branch.angmin_deg[k], case.branch.angmax_deg[k]) {
            let d = theta[f] - theta[t];
            if d < lo - tol || d > hi + tol {
                return Err(format!("branch {} outside its angle limits", k + 1));
            }
        }
    }
    let cost: f64 = (0..net.n_gen())
        .filter(|&g| net.gen_connected(g))
        .map(|g| cost_usd_per_h(case, g, r.gen.pg[g]))
        .sum();
    let rel = (cost - ours.objective_usd_per_h).abs() / ours.objective_usd_per_h.abs().max(1.0);
    if rel > TOL_DCOPF_OBJ_REL {
        return Err(format!(
            "it costs {cost} $/h against our {} $/h",
            ours.objective_usd_per_h
        ));
    }
    Ok(())
}

/// Are MATPOWER's multipliers optimal duals for *our* dispatch (KKT conditions)? `Err` says
/// which condition fails.
fn reference_duals_are_optimal(
    case: &Case,
    net: &Network,
    ours: &DcOpfResult,
    r: &DcOpfReference,
) -> Result<(), String> {
    let base = net.base_mva;
    let dc = DcMatrices::build(net);
    let tol = TOL_ALT_KKT_USD_PER_MWH;
    let ptol = 1e-6; // MW, "at its limit"
    let lam = &r.bus.lam_p;
    // Generators: mc ∈ λ − μmax + μmin, with μ only at an active limit.
    for g in 0..net.n_gen() {
        if !net.gen_connected(g) {
            continue;
        }
        let p = ours.pg_mw[g];
        let (mumax, mumin) = (r.gen.mu_pmax[g], r.gen.mu_pmin[g]);
        if mumax < -tol || mumin < -tol {
            return Err(format!("gen {}: negative limit multiplier", g + 1));
        }
        if mumax > tol && (p - net.pmax_pu[g] * base).abs() > ptol {
            return Err(format!(
                "gen {}: μ_Pmax > 0 but our output is below Pmax",
                g + 1
            ));
        }
        if mumin > tol && (p - net.pmin_pu[g] * base).abs() > ptol {
            return Err(format!(
                "gen {}: μ_Pmin > 0 but our output is above Pmin",
                g + 1
            ));
        }
        let (left, right) = marginal_cost(case, g, p);
        let v = lam[net.gen_bus[g]] - mumax + mumin;
        if v < left - tol || v > right + tol {
            return Err(format!(
                "gen {}: marginal cost [{left}, {right}] ≠ λ − μmax + μmin = {v}",
                g + 1
            ));
        }
    }
    // Angles (non-reference buses): base·(Bbusᵀλ + Bfᵀ(μSf − μSt)) + (180/π)·Aangᵀ(μmax − μmin) = 0.
    let mut grad = vec![0.0; net.n_bus()];
    let bbus = &dc.bbus;
    for j in 0..bbus.ncols {
        for p in bbus.col_ptr[j]..bbus.col_ptr[j + 1] {
            grad[j] += base * bbus.values[p] * lam[bbus.row_idx[p]];
        }
    }
    for k in 0..net.n_branch() {
        if !net.branch_connected(k) {
            continue;
        }
        let (f, t) = (net.br_from[k], net.br_to[k]);
        let mu = r.branch.mu_sf[k] - r.branch.mu_st[k];
        let b = dc.b_branch[k];
        grad[f] += base * b * mu;
        grad[t] -= base * b * mu;
        let pf = ours.branch_pf_mw[k];
        if r.branch.mu_sf[k] > tol || r.branch.mu_st[k] > tol {
            let Some(rate) = rated(net, k) else {
                return Err(format!(
                    "branch {}: rating multiplier on an unrated branch",
                    k + 1
                ));
            };
            let limit = if r.branch.mu_sf[k] > tol {
                rate * base
            } else {
                -rate * base
            };
            if (pf - limit).abs() > ptol {
                return Err(format!(
                    "branch {}: rating multiplier > 0 but our flow {pf} MW is not at {limit} MW",
                    k + 1
                ));
            }
        }
        let ma = r.branch.mu_angmax[k] - r.branch.mu_angmin[k];
        if ma.abs() > 0.0 {
            let m_rad = ma * 180.0 / std::f64::consts::PI;
            grad[f] += m_rad;
            grad[t] -= m_rad;
        }
    }
    for i in 0..net.n_bus() {
        if net.bus_type[i] == BusType::Ref || net.bus_type[i] == BusType::Isolated {
            continue;
        }
        if grad[i].abs() > tol * base {
            return Err(format!(
                "bus {}: angle stationarity residual {:.3e} $/h per rad",
                net.bus_id[i], grad[i]
            ));
        }
    }
    Ok(())
}

/// Compares our DC OPF of `case` with MATPOWER's, quantity by quantity (see the module docs
/// for what counts as unique).
pub fn compare_dcopf(
    case: &Case,
    net: &Network,
    ours: &DcOpfResult,
    reference: &DcOpfReference,
) -> Vec<Check> {
    let run = "dcopf";
    let mut out = Vec::new();
    let mut push = |quantity: &str, err: f64, tol: f64, worst: String, passed: bool| {
        out.push(Check {
            case: case.name.clone(),
            run: run.into(),
            quantity: quantity.into(),
            max_abs_err: err,
            tol,
            worst,
            passed,
        });
    };
    let bus_at = |k: usize| format!("bus {}", case.bus.id.get(k).copied().unwrap_or(0));
    let gen_at = |k: usize| {
        format!(
            "gen {} at bus {}",
            k + 1,
            case.gen.bus.get(k).copied().unwrap_or(0)
        )
    };
    let br_at = |k: usize| {
        format!(
            "branch {} ({}-{})",
            k + 1,
            case.branch.from_bus.get(k).copied().unwrap_or(0),
            case.branch.to_bus.get(k).copied().unwrap_or(0)
        )
    };
    let rel = (ours.objective_usd_per_h - reference.f).abs() / reference.f.abs().max(1.0);
    push(
        "objective_rel",
        if rel.is_nan() { f64::INFINITY } else { rel },
        TOL_DCOPF_OBJ_REL,
        format!("{} vs {} $/h", ours.objective_usd_per_h, reference.f),
        rel <= TOL_DCOPF_OBJ_REL,
    );
    // Dispatch and flows.
    let (e_pg, k_pg) = max_err(&ours.pg_mw, &reference.gen.pg);
    let (e_pf, k_pf) = max_err(&ours.branch_pf_mw, &reference.branch.pf);
    let (e_va, k_va) = max_err(&ours.va_deg, &reference.bus.va_deg);
    let primal_ok = e_pg <= TOL_DCOPF_PG_MW && e_pf <= TOL_DCOPF_PG_MW;
    let alt = if primal_ok {
        None
    } else {
        Some(reference_dispatch_is_optimal(case, net, ours, reference))
    };
    let note = |what: String| match &alt {
        Some(Ok(())) => format!(
            "{what}; optimum not unique: MATPOWER's dispatch is feasible in our model at our cost"
        ),
        Some(Err(e)) => format!("{what}; MATPOWER's dispatch is not an alternative optimum: {e}"),
        None => what,
    };
    let alt_ok = matches!(alt, Some(Ok(())));
    push(
        "pg_mw",
        e_pg,
        TOL_DCOPF_PG_MW,
        note(gen_at(k_pg)),
        e_pg <= TOL_DCOPF_PG_MW || alt_ok,
    );
    push(
        "branch_pf_mw",
        e_pf,
        TOL_DCOPF_PG_MW,
        note(br_at(k_pf)),
        e_pf <= TOL_DCOPF_PG_MW || alt_ok,
    );
    // Angles follow the flows; report them, held to the same proof.
    push(
        "va_deg",
        e_va,
        1e-6,
        note(bus_at(k_va)),
        e_va <= 1e-6 || alt_ok || primal_ok,
    );
    // Prices.
    let mu_ref: Vec<f64> = reference
        .branch
        .mu_sf
        .iter()
        .zip(&reference.branch.mu_st)
        .map(|(a, b)| a - b)
        .collect();
    let (e_lmp, k_lmp) = max_err(&ours.lmp_usd_per_mwh, &reference.bus.lam_p);
    let (e_mu, k_mu) = max_err(&ours.branch_mu_usd_per_mwh, &mu_ref);
    let dual_ok = e_lmp <= TOL_DCOPF_LMP_USD_PER_MWH && e_mu <= TOL_DCOPF_LMP_USD_PER_MWH;
    let alt_dual = if dual_ok {
        None
    } else {
        Some(reference_duals_are_optimal(case, net, ours, reference))
    };
    let note_d = |what: String| match &alt_dual {
        Some(Ok(())) => format!(
            "{what}; prices not unique: MATPOWER's multipliers are optimal duals of our dispatch"
        ),
        Some(Err(e)) => {
            format!("{what}; MATPOWER's multipliers are not optimal duals of our dispatch: {e}")
        }
        None => what,
    };
    let alt_dual_ok = matches!(alt_dual, Some(Ok(())));
    push(
        "lmp_usd_per_mwh",
        e_lmp,
        TOL_DCOPF_LMP_USD_PER_MWH,
        note_d(bus_at(k_lmp)),
        e_lmp <= TOL_DCOPF_LMP_USD_PER_MWH || alt_dual_ok,
    );
    push(
        "branch_mu_usd_per_mwh",
        e_mu,
        TOL_DCOPF_LMP_USD_PER_MWH,
        note_d(br_at(k_mu)),
        e_mu <= TOL_DCOPF_LMP_USD_PER_MWH || alt_dual_ok,
    );
    out
}

fn failed(case: &str, why: String) -> Vec<Check> {
    vec![Check {
        case: case.into(),
        run: "dcopf".into(),
        quantity: "solve".into(),
        max_abs_err: f64::INFINITY,
        tol: 0.0,
        worst: why,
        passed: false,
    }]
}

/// DC OPF of `case_name` against MATPOWER, with the default settings.
pub fn validate_dcopf(case_name: &str) -> Vec<Check> {
    let (case, reference) = match (load_case(case_name), load_dcopf_reference(case_name)) {
        (Ok(c), Ok(r)) => (c, r),
        (Err(e), _) | (_, Err(e)) => return failed(case_name, e),
    };
    let net = match Network::from_case(&case) {
        Ok(n) => n,
        Err(e) => return failed(case_name, e.to_string()),
    };
    let mut opf = match DcOpf::for_case(&case, &net, DcOpfSettings::default()) {
        Ok(o) => o,
        Err(e) => return failed(case_name, e.to_string()),
    };
    let res = opf.solve(&net);
    if !res.status.is_optimal() {
        return failed(
            case_name,
            format!("{:?}: {}", res.status, res.diagnostics.join("; ")),
        );
    }
    if !reference.success {
        return failed(case_name, "the reference did not succeed".into());
    }
    compare_dcopf(&case, &net, &res, &reference)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case5() -> (Case, Network, DcOpfResult, DcOpfReference) {
        let case = load_case("case5").expect("case5");
        let net = Network::from_case(&case).expect("compiles");
        let res = DcOpf::for_case(&case, &net, DcOpfSettings::default())
            .expect("setup")
            .solve(&net);
        let reference = load_dcopf_reference("case5").expect("reference");
        (case, net, res, reference)
    }

    /// case5 has two binding limits (a rating and generator limits): MATPOWER's multipliers
    /// pass the KKT check with our dispatch, and its dispatch passes the feasibility check.
    #[test]
    fn matpower_case5_passes_both_alternative_optimum_checks() {
        let (case, net, res, reference) = case5();
        assert_eq!(
            reference_duals_are_optimal(&case, &net, &res, &reference),
            Ok(())
        );
        assert_eq!(
            reference_dispatch_is_optimal(&case, &net, &res, &reference),
            Ok(())
        );
        assert!(compare_dcopf(&case, &net, &res, &reference)
            .iter()
            .all(|c| c.passed));
    }

    /// The checks are not vacuous: a price moved by 1 $/MWh, or 1 MW moved between two
    /// generators, is refused, and the comparison fails.
    #[test]
    fn perturbed_references_are_refused() {
        let (case, net, res, mut reference) = case5();
        reference.bus.lam_p[1] += 1.0;
        assert!(reference_duals_are_optimal(&case, &net, &res, &reference).is_err());
        assert!(compare_dcopf(&case, &net, &res, &reference)
            .iter()
            .any(|c| !c.passed && c.quantity == "lmp_usd_per_mwh"));
        let (case, net, res, mut reference) = case5();
        reference.gen.pg[2] += 1.0;
        reference.gen.pg[4] -= 1.0;
        assert!(reference_dispatch_is_optimal(&case, &net, &res, &reference).is_err());
        assert!(compare_dcopf(&case, &net, &res, &reference)
            .iter()
            .any(|c| !c.passed && c.quantity == "pg_mw"));
    }
}
