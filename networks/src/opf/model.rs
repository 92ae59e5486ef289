//! Assembly of the DC OPF as a HiGHS model: the column and row layout, the matrix (rebuilt only
//! when the structure changes) and the bounds (refreshed on every solve).

use super::cost::Cost;
use super::highs::ModelData;
use super::settings::DcOpfSettings;
use crate::network::Network;
use crate::ybus::DcMatrices;

/// Marks "no such column/row".
pub(crate) const NONE: usize = usize::MAX;

/// MATPOWER ignores ratings at or above this, MVA.
const RATE_IGNORED_MVA: f64 = 1e10;

/// What the model is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// The OPF itself: generation cost (and penalties).
    Dispatch,
    /// Infeasibility diagnosis: no generation cost, every rating and angle limit relaxed by a
    /// slack of cost 1 (per p.u. or radian); the optimum names the limits that cannot hold.
    Diagnose,
}

/// Everything that fixes the constraint matrix, the costs and the Hessian. Two solves with
/// equal plans differ only in bounds, so the second one only changes bounds in HiGHS.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    pub purpose: Purpose,
    /// Bus is in the model (in service, in an energised island).
    pub bus_in: Vec<bool>,
    /// Branch is in the model (connected, both ends in the model).
    pub branch_in: Vec<bool>,
    /// Series susceptance bits of each branch in the model (0 otherwise).
    pub b_bits: Vec<u64>,
    /// Branches with a rating row.
    pub rated: Vec<usize>,
    /// Branches with an angle-difference row, with their (lower, upper) limits in radians.
    pub angle: Vec<(usize, f64, f64)>,
    /// Penalised mode: shedding and spill columns; overload slacks on rating rows.
    pub shed: bool,
    pub overload: bool,
}

/// Where each quantity sits in the model.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub nb: usize,
    pub ng: usize,
    /// Epigraph column of each piecewise-linear generator (NONE otherwise).
    pub y_col: Vec<usize>,
    /// Shedding and spill columns per bus (NONE when not penalised or not in the model).
    pub shed_col: Vec<usize>,
    pub spill_col: Vec<usize>,
    /// Nodal balance row of each bus (NONE when not in the model).
    pub bal_row: Vec<usize>,
    /// (branch, row, up-slack column, down-slack column) of each rating row.
    pub flow: Vec<(usize, usize, usize, usize)>,
    /// (branch, row, up-slack column, down-slack column) of each angle row.
    pub ang: Vec<(usize, usize, usize, usize)>,
    /// (generator, first row, number of segments) of each piecewise-linear cost.
    pub pwl: Vec<(usize, usize, usize)>,
    pub n_col: usize,
    pub n_row: usize,
    /// Column scale of each angle: the model's variable is `φ_i = d_i θ_i` with `d_i` the
    /// bus's total series susceptance (at least 1), so that every angle column has
    /// coefficients of order one.
    pub theta_scale: Vec<f64>,
    /// The model's objective is `obj_scale` times the cost in $/h: `1/baseMVA`, so that cost
    /// coefficients are in $/MWh (10–100 for generators, VOLL 10⁴), well within HiGHS's
    /// dual tolerances, and a balance-row dual is minus the LMP in $/MWh.
    pub obj_scale: f64,
}

impl Layout {
    pub fn pg_col(&self, g: usize) -> usize {
        self.nb + g
    }
}

/// MATPOWER's angle-difference rule (`makeAang`): a branch is limited when
/// `ANGMIN ≠ 0 && ANGMIN > −360` or `ANGMAX ≠ 0 && ANGMAX < 360`; a side that is exactly 0 is
/// unlimited, the other side is taken as given. Returns (lower, upper) in radians.
pub(crate) fn angle_limit(angmin_deg: f64, angmax_deg: f64) -> Option<(f64, f64)> {
    let lo_set = angmin_deg != 0.0 && angmin_deg > -360.0;
    let hi_set = angmax_deg != 0.0 && angmax_deg < 360.0;
    if !(lo_set || hi_set) {
        return None;
    }
    let rad = crate::network::PerUnit::deg_to_rad;
    let lo = if angmin_deg != 0.0 {
        rad(angmin_deg)
    } else {
        f64::NEG_INFINITY
    };
    let hi = if angmax_deg != 0.0 {
        rad(angmax_deg)
    } else {
        f64::INFINITY
    };
    Some((lo, hi))
}

/// Inputs that decide a plan.
pub(crate) struct PlanInputs<'a> {
    pub net: &'a Network,
    pub dc: &'a DcMatrices,
    pub bus_in: Vec<bool>,
    pub angle_limits_deg: Option<(&'a [f64], &'a [f64])>,
    pub settings: &'a DcOpfSettings,
    pub purpose: Purpose,
}

impl Plan {
    pub fn new(inp: PlanInputs<'_>) -> Plan {
        let net = inp.net;
        let nl = net.n_branch();
        let branch_in: Vec<bool> = (0..nl)
            .map(|k| {
                net.branch_connected(k) && inp.bus_in[net.br_from[k]] && inp.bus_in[net.br_to[k]]
            })
            .collect();
        let b_bits = (0..nl)
            .map(|k| {
                if branch_in[k] {
                    inp.dc.b_branch[k].to_bits()
                } else {
                    0
                }
            })
            .collect();
        let diagnose = inp.purpose == Purpose::Diagnose;
        let rated = if inp.settings.enforce_branch_limits {
            (0..nl)
                .filter(|&k| {
                    let rate_mva = net.br_rate_a_pu[k] * net.base_mva;
                    branch_in[k] && rate_mva != 0.0 && rate_mva < RATE_IGNORED_MVA
                })
                .collect()
        } else {
            Vec::new()
        };
        let angle = match (inp.settings.enforce_angle_limits, inp.angle_limits_deg) {
            (true, Some((amin, amax))) => (0..nl)
                .filter(|&k| branch_in[k])
                .filter_map(|k| angle_limit(amin[k], amax[k]).map(|(lo, hi)| (k, lo, hi)))
                .collect(),
            _ => Vec::new(),
        };
        let penalised = inp.settings.penalized.is_some() && !diagnose;
        let overload = diagnose
            || inp
                .settings
                .penalized
                .as_ref()
                .is_some_and(|p| p.overload_usd_per_mwh.is_some());
        Plan {
            purpose: inp.purpose,
            bus_in: inp.bus_in,
            branch_in,
            b_bits,
            rated,
            angle,
            shed: penalised,
            overload,
        }
    }

    /// The column and row layout of this plan.
    pub fn layout(&self, net: &Network, costs: &[Cost]) -> Layout {
        let nb = net.n_bus();
        let ng = net.n_gen();
        let mut n_col = nb + ng;
        let mut n_row = 0;
        let mut bal_row = vec![NONE; nb];
        for i in 0..nb {
            if self.bus_in[i] {
                bal_row[i] = n_row;
                n_row += 1;
            }
        }
        let mut flow = Vec::with_capacity(self.rated.len());
        for &k in &self.rated {
            let (up, dn) = if self.overload {
                n_col += 2;
                (n_col - 2, n_col - 1)
            } else {
                (NONE, NONE)
            };
            flow.push((k, n_row, up, dn));
            n_row += 1;
        }
        let diagnose = self.purpose == Purpose::Diagnose;
        let mut ang = Vec::with_capacity(self.angle.len());
        for &(k, _, _) in &self.angle {
            let (up, dn) = if diagnose {
                n_col += 2;
                (n_col - 2, n_col - 1)
            } else {
                (NONE, NONE)
            };
            ang.push((k, n_row, up, dn));
            n_row += 1;
        }
        let mut y_col = vec![NONE; ng];
        let mut pwl = Vec::new();
        if !diagnose {
            for g in 0..ng {
                if let (Cost::Pwl { lines }, true) = (&costs[g], self.bus_in[net.gen_bus[g]]) {
                    y_col[g] = n_col;
                    n_col += 1;
                    pwl.push((g, n_row, lines.len()));
                    n_row += lines.len();
                }
            }
        }
        let mut shed_col = vec![NONE; nb];
        let mut spill_col = vec![NONE; nb];
        if self.shed {
            for i in 0..nb {
                if self.bus_in[i] {
                    shed_col[i] = n_col;
                    spill_col[i] = n_col + 1;
                    n_col += 2;
                }
            }
        }
        let mut theta_scale = vec![1.0; nb];
        let mut d = vec![0.0; nb];
        for k in 0..net.n_branch() {
            if self.branch_in[k] {
                let b = f64::from_bits(self.b_bits[k]).abs();
                d[net.br_from[k]] += b;
                d[net.br_to[k]] += b;
            }
        }
        for i in 0..nb {
            theta_scale[i] = d[i].max(1.0);
        }
        Layout {
            nb,
            ng,
            y_col,
            shed_col,
            spill_col,
            bal_row,
            flow,
            ang,
            pwl,
            n_col,
            n_row,
            theta_scale,
            obj_scale: 1.0 / net.base_mva,
        }
    }
}

/// Builds the matrix, costs and Hessian of a plan (bounds are left empty: see [`bounds`]).
pub(crate) fn build_matrix(
    plan: &Plan,
    lay: &Layout,
    net: &Network,
    dc: &DcMatrices,
    costs: &[Cost],
    settings: &DcOpfSettings,
) -> ModelData {
    let base = net.base_mva;
    let mut cols: Vec<Vec<(usize, f64)>> = vec![Vec::new(); lay.n_col];
    // Nodal balance: Σ_j B[i,j] θ_j − Σ_{g at i} Pg_g − shed_i + spill_i = −(Pd_i + Gs_i) − Pbusinj_i.
    for k in 0..net.n_branch() {
        if !plan.branch_in[k] {
            continue;
        }
        let (f, t) = (net.br_from[k], net.br_to[k]);
        let b = dc.b_branch[k];
        let (rf, rt) = (lay.bal_row[f], lay.bal_row[t]);
        cols[f].push((rf, b));
        cols[f].push((rt, -b));
        cols[t].push((rf, -b));
        cols[t].push((rt, b));
    }
    for g in 0..net.n_gen() {
        let r = lay.bal_row[net.gen_bus[g]];
        if r != NONE {
            cols[lay.pg_col(g)].push((r, -1.0));
        }
    }
    for i in 0..lay.nb {
        if lay.shed_col[i] != NONE {
            cols[lay.shed_col[i]].push((lay.bal_row[i], -1.0));
            cols[lay.spill_col[i]].push((lay.bal_row[i], 1.0));
        }
    }
    // Ratings: b (θf − θt) − s⁺ + s⁻ within [−rate − Pfinj, rate − Pfinj].
    for &(k, row, up, dn) in &lay.flow {
        let (f, t) = (net.br_from[k], net.br_to[k]);
        let b = dc.b_branch[k];
        cols[f].push((row, b));
        cols[t].push((row, -b));
        if up != NONE {
            cols[up].push((row, -1.0));
            cols[dn].push((row, 1.0));
        }
    }
    // Angle differences: θf − θt (− s⁺ + s⁻ when diagnosing) within [angmin, angmax].
    for &(k, row, up, dn) in &lay.ang {
        let (f, t) = (net.br_from[k], net.br_to[k]);
        cols[f].push((row, 1.0));
        cols[t].push((row, -1.0));
        if up != NONE {
            cols[up].push((row, -1.0));
            cols[dn].push((row, 1.0));
        }
    }
    // Piecewise-linear costs (MATPOWER's constrained cost variable), with y in the model's
    // objective units (y = obj_scale · cost): m·baseMVA·s·Pg − y ≤ s·(m·x − c) per segment.
    for &(g, first, nseg) in &lay.pwl {
        if let Cost::Pwl { lines } = &costs[g] {
            for (s, &(m, _, _)) in lines.iter().enumerate().take(nseg) {
                cols[lay.pg_col(g)].push((first + s, m * base * lay.obj_scale));
                cols[lay.y_col[g]].push((first + s, -1.0));
            }
        }
    }
    for (i, c) in cols.iter_mut().enumerate().take(lay.nb) {
        let d = lay.theta_scale[i];
        if d != 1.0 {
            c.iter_mut().for_each(|e| e.1 /= d);
        }
    }
    let mut md = ModelData {
        col_cost: vec![0.0; lay.n_col],
        ..ModelData::default()
    };
    md.a_start.reserve(lay.n_col + 1);
    md.a_start.push(0);
    for c in cols.iter_mut() {
        c.sort_by_key(|e| e.0);
        let mut last = NONE;
        for &(r, v) in c.iter() {
            if r == last {
                if let Some(x) = md.a_value.last_mut() {
                    *x += v;
                }
            } else {
                md.a_index.push(r);
                md.a_value.push(v);
                last = r;
            }
        }
        md.a_start.push(md.a_index.len());
    }
    // Costs, $/h with powers in p.u.
    match plan.purpose {
        Purpose::Dispatch => {
            let mut hess: Vec<(usize, f64)> = Vec::new();
            for g in 0..lay.ng {
                if !plan.bus_in[net.gen_bus[g]] {
                    continue;
                }
                match &costs[g] {
                    Cost::Poly { c2, c1, .. } => {
                        md.col_cost[lay.pg_col(g)] = c1 * base * lay.obj_scale;
                        if *c2 != 0.0 {
                            hess.push((lay.pg_col(g), 2.0 * c2 * base * base * lay.obj_scale));
                        }
                    }
                    Cost::Pwl { .. } => md.col_cost[lay.y_col[g]] = 1.0,
                }
            }
            if let Some(p) = &settings.penalized {
                for i in 0..lay.nb {
                    if lay.shed_col[i] != NONE {
                        md.col_cost[lay.shed_col[i]] = p.voll_usd_per_mwh * base * lay.obj_scale;
                        md.col_cost[lay.spill_col[i]] =
                            p.curtailment_usd_per_mwh * base * lay.obj_scale;
                    }
                }
                if let Some(o) = p.overload_usd_per_mwh {
                    for &(_, _, up, dn) in &lay.flow {
                        if up != NONE {
                            md.col_cost[up] = o * base * lay.obj_scale;
                            md.col_cost[dn] = o * base * lay.obj_scale;
                        }
                    }
                }
            }
            if !hess.is_empty() {
                let mut q_col = vec![None; lay.n_col];
                for (c, v) in hess {
                    q_col[c] = Some(v);
                }
                md.q_start.push(0);
                for v in q_col.iter().enumerate() {
                    if let (c, Some(v)) = v {
                        md.q_index.push(c);
                        md.q_value.push(*v);
                    }
                    md.q_start.push(md.q_index.len());
                }
            }
        }
        Purpose::Diagnose => {
            for &(_, _, up, dn) in lay.flow.iter().chain(lay.ang.iter()) {
                if up != NONE {
                    md.col_cost[up] = 1.0;
                    md.col_cost[dn] = 1.0;
                }
            }
        }
    }
    md.col_lower = vec![0.0; lay.n_col];
    md.col_upper = vec![0.0; lay.n_col];
    md.row_lower = vec![0.0; lay.n_row];
    md.row_upper = vec![0.0; lay.n_row];
    md
}

/// What the bounds depend on besides the network.
pub(crate) struct BoundInputs<'a> {
    /// Generator is dispatchable now (connected, in an energised island).
    pub gen_on: &'a [bool],
    /// Bus angle is fixed at the case's angle (island reference).
    pub is_ref: &'a [bool],
}

/// Fills every column and row bound for the network as it now is.
pub(crate) fn bounds(
    md: &mut ModelData,
    plan: &Plan,
    lay: &Layout,
    net: &Network,
    dc: &DcMatrices,
    costs: &[Cost],
    inp: &BoundInputs<'_>,
) {
    let inf = f64::INFINITY;
    for i in 0..lay.nb {
        let (lo, hi) = if !plan.bus_in[i] {
            (0.0, 0.0)
        } else if inp.is_ref[i] {
            (
                net.va0_rad[i] * lay.theta_scale[i],
                net.va0_rad[i] * lay.theta_scale[i],
            )
        } else {
            (-inf, inf)
        };
        md.col_lower[i] = lo;
        md.col_upper[i] = hi;
    }
    for g in 0..lay.ng {
        let c = lay.pg_col(g);
        if inp.gen_on[g] {
            md.col_lower[c] = net.pmin_pu[g];
            md.col_upper[c] = net.pmax_pu[g];
        } else {
            md.col_lower[c] = 0.0;
            md.col_upper[c] = 0.0;
        }
        if lay.y_col[g] != NONE {
            let (lo, hi) = if inp.gen_on[g] {
                (-inf, inf)
            } else {
                (0.0, 0.0)
            };
            md.col_lower[lay.y_col[g]] = lo;
            md.col_upper[lay.y_col[g]] = hi;
        }
    }
    for i in 0..lay.nb {
        let r = lay.bal_row[i];
        if r == NONE {
            continue;
        }
        let rhs = -(net.pd_pu[i] + net.gs_pu[i]) - dc.pbus_inj[i];
        md.row_lower[r] = rhs;
        md.row_upper[r] = rhs;
        if lay.shed_col[i] != NONE {
            let d = net.pd_pu[i] + net.gs_pu[i];
            let forced: f64 = (0..lay.ng)
                .filter(|&g| inp.gen_on[g] && net.gen_bus[g] == i)
                .map(|g| net.pmin_pu[g].max(0.0))
                .sum();
            md.col_lower[lay.shed_col[i]] = 0.0;
            md.col_upper[lay.shed_col[i]] = d.max(0.0);
            md.col_lower[lay.spill_col[i]] = 0.0;
            md.col_upper[lay.spill_col[i]] = forced + (-d).max(0.0);
        }
    }
    for &(k, row, up, dn) in &lay.flow {
        let rate = net.br_rate_a_pu[k];
        md.row_lower[row] = -rate - dc.pf_inj[k];
        md.row_upper[row] = rate - dc.pf_inj[k];
        if up != NONE {
            md.col_lower[up] = 0.0;
            md.col_upper[up] = inf;
            md.col_lower[dn] = 0.0;
            md.col_upper[dn] = inf;
        }
    }
    for (&(_, row, up, dn), &(_, lo, hi)) in lay.ang.iter().zip(&plan.angle) {
        md.row_lower[row] = lo;
        md.row_upper[row] = hi;
        if up != NONE {
            md.col_lower[up] = 0.0;
            md.col_upper[up] = inf;
            md.col_lower[dn] = 0.0;
            md.col_upper[dn] = inf;
        }
    }
    for &(g, first, nseg) in &lay.pwl {
        if let Cost::Pwl { lines } = &costs[g] {
            for (s, &(m, x, c)) in lines.iter().enumerate().take(nseg) {
                md.row_lower[first + s] = -inf;
                md.row_upper[first + s] = if inp.gen_on[g] {
                    (m * x - c) * lay.obj_scale
                } else {
                    inf
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn angle_limits_follow_matpowers_zero_means_unlimited_rule() {
        assert_eq!(angle_limit(-360.0, 360.0), None);
        assert_eq!(angle_limit(0.0, 0.0), None);
        let (lo, hi) = angle_limit(0.0, 30.0).expect("upper only");
        assert!(lo == f64::NEG_INFINITY && (hi - 30f64.to_radians()).abs() < 1e-15);
        let (lo, hi) = angle_limit(-30.0, 360.0).expect("lower only, upper kept as given");
        assert!(
            (lo + 30f64.to_radians()).abs() < 1e-15
                && (hi - 2.0 * std::f64::consts::PI).abs() < 1e-12
        );
    }
}
