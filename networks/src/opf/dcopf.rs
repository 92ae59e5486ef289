//! [`DcOpf`]: the reusable DC OPF object (build once, solve after every change) and
//! [`EconomicDispatch`], the same without network limits.

use std::time::Instant;

use super::cost::{compile, Cost};
use super::highs::{Highs, HighsOptionValue, ModelData, RunOutcome};
use super::ipm::solve_qp;
use super::model::{bounds, build_matrix, BoundInputs, Layout, Plan, PlanInputs, Purpose, NONE};
use super::polish::{active_set_from_basis, active_set_from_values, polish, Polished};
use super::result::{DcOpfResult, OpfStatus};
use super::settings::{DcOpfSettings, QpMethod};
use crate::case::{BusType, Case, GenCost};
use crate::error::NetworkError;
use crate::network::{Network, PerUnit};
use crate::topology::Topology;
use crate::ybus::DcMatrices;

/// A DC optimal power flow for one network structure, reused across solves.
///
/// Build it once from a [`Network`] and the case's generator costs (and, with
/// [`DcOpf::set_angle_limits_deg`] or [`DcOpf::for_case`], its angle-difference limits); then
/// call [`DcOpf::solve`] after changing loads, generator limits, ratings or in-service flags.
/// While the model's structure holds (same energised buses, branches, rated branches and
/// reactances) a solve only changes bounds in HiGHS, which then hot-starts from its last basis;
/// otherwise the matrix is rebuilt and, if the model kept its size, the old basis is offered.
///
/// ```
/// use gridsim_networks::{matpower, Network};
/// use gridsim_networks::opf::{DcOpf, DcOpfSettings};
/// let case = matpower::parse_str(include_str!("../../cases/matpower/case9.m"), "case9.m").unwrap();
/// let mut net = Network::from_case(&case).unwrap();
/// let mut opf = DcOpf::for_case(&case, &net, DcOpfSettings::default()).unwrap();
/// let r = opf.solve(&net);
/// assert!(r.status.is_optimal());
/// assert!((r.objective_usd_per_h - 5216.03).abs() < 0.01);
/// net.pd_pu[4] *= 1.1; // 10 % more load at bus 5: only bounds change
/// let r2 = opf.solve(&net);
/// assert!(r2.objective_usd_per_h > r.objective_usd_per_h);
/// ```
#[derive(Debug)]
pub struct DcOpf {
    settings: DcOpfSettings,
    costs: Vec<Cost>,
    angle_limits_deg: Option<(Vec<f64>, Vec<f64>)>,
    dims: (usize, usize, usize),
    cache: Option<Cache>,
}

#[derive(Debug)]
struct Cache {
    plan: Plan,
    layout: Layout,
    model: ModelData,
    highs: Highs,
    solved: bool,
}

/// The energised part of the network as it now is.
struct Islands {
    topo: Topology,
    /// Bus belongs to an energised island (it is in the model).
    bus_in: Vec<bool>,
    /// Bus angle fixed at the case's angle.
    is_ref: Vec<bool>,
    /// Generator dispatchable (connected: then its island is energised).
    gen_on: Vec<bool>,
}

impl Islands {
    fn new(net: &Network) -> Islands {
        let topo = Topology::analyze(net);
        let nb = net.n_bus();
        let mut bus_in = vec![false; nb];
        let mut is_ref = vec![false; nb];
        for isl in topo.islands.iter().filter(|i| i.energized) {
            // MATPOWER fixes the angle of every type-3 bus; an island without one gets the
            // reference the topology chose for it.
            let type3: Vec<usize> = isl
                .buses
                .iter()
                .copied()
                .filter(|&i| net.bus_type[i] == BusType::Ref)
                .collect();
            let refs = if type3.is_empty() {
                isl.ref_buses.clone()
            } else {
                type3
            };
            for &i in &isl.buses {
                bus_in[i] = true;
            }
            for i in refs {
                is_ref[i] = true;
            }
        }
        let gen_on = (0..net.n_gen())
            .map(|g| net.gen_connected(g) && bus_in[net.gen_bus[g]])
            .collect();
        Islands {
            topo,
            bus_in,
            is_ref,
            gen_on,
        }
    }
}

/// MW with thousands separators and at most one decimal: `3,100 MW`, `12.5 MW`.
pub(crate) fn fmt_mw(mw: f64) -> String {
    let r = (mw * 10.0).round() / 10.0;
    let neg = r < 0.0;
    let a = r.abs();
    let int = a.trunc() as u64;
    let frac = ((a - a.trunc()) * 10.0).round() as u64;
    let digits = int.to_string();
    let mut grouped = String::new();
    for (n, ch) in digits.chars().enumerate() {
        if n > 0 && (digits.len() - n) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if neg { "-" } else { "" };
    if frac == 0 {
        format!("{sign}{grouped} MW")
    } else {
        format!("{sign}{grouped}.{frac} MW")
    }
}

/// "island of buses 5, 6" (all numbers up to 8 buses, then the first ones and the count).
fn island_name(net: &Network, buses: &[usize]) -> String {
    let ids: Vec<String> = buses
        .iter()
        .take(8)
        .map(|&i| net.bus_id[i].to_string())
        .collect();
    if buses.len() == 1 {
        format!("island of bus {}", ids[0])
    } else if buses.len() <= 8 {
        format!("island of buses {}", ids.join(", "))
    } else {
        format!("island of {} buses ({}, …)", buses.len(), ids.join(", "))
    }
}

fn branch_name(net: &Network, k: usize) -> String {
    format!(
        "branch {} ({}–{})",
        k + 1,
        net.bus_id[net.br_from[k]],
        net.bus_id[net.br_to[k]]
    )
}

/// Requirements that cannot be met whatever the network: per island, load against the sum of
/// the connected generators' limits; per generator, Pmin above Pmax.
fn capacity_problems(net: &Network, isl: &Islands) -> Vec<String> {
    let base = net.base_mva;
    let tol_pu = 1e-7;
    let mut out = Vec::new();
    for g in 0..net.n_gen() {
        if isl.gen_on[g] && net.pmin_pu[g] > net.pmax_pu[g] + tol_pu {
            out.push(format!(
                "generator {} at bus {}: Pmin {} above Pmax {}",
                g + 1,
                net.bus_id[net.gen_bus[g]],
                fmt_mw(net.pmin_pu[g] * base),
                fmt_mw(net.pmax_pu[g] * base)
            ));
        }
    }
    for island in &isl.topo.islands {
        let load: f64 = island
            .buses
            .iter()
            .map(|&i| net.pd_pu[i] + net.gs_pu[i])
            .sum();
        let name = island_name(net, &island.buses);
        if !island.energized {
            if load > tol_pu {
                out.push(format!(
                    "{name}: load {}, no generation",
                    fmt_mw(load * base)
                ));
            } else if load < -tol_pu {
                out.push(format!(
                    "{name}: net injection {} (negative load), no generation to absorb it",
                    fmt_mw(-load * base)
                ));
            }
            continue;
        }
        let (mut pmin, mut pmax) = (0.0, 0.0);
        for g in 0..net.n_gen() {
            if isl.gen_on[g]
                && isl.topo.island_of_bus[net.gen_bus[g]]
                    .is_some_and(|j| isl.topo.islands[j].buses == island.buses)
            {
                pmin += net.pmin_pu[g];
                pmax += net.pmax_pu[g];
            }
        }
        if load > pmax + tol_pu {
            out.push(format!(
                "{name}: load {} above capacity {}",
                fmt_mw(load * base),
                fmt_mw(pmax * base)
            ));
        } else if load < pmin - tol_pu {
            out.push(format!(
                "{name}: load {} below the minimum generation {}",
                fmt_mw(load * base),
                fmt_mw(pmin * base)
            ));
        }
    }
    out
}

/// Numbers the model cannot take; empty when the network is usable.
fn input_problems(net: &Network, dims: (usize, usize, usize)) -> Vec<String> {
    let mut p = Vec::new();
    if (net.n_bus(), net.n_gen(), net.n_branch()) != dims {
        p.push(format!(
            "the network has {} buses, {} generators and {} branches; this OPF was built for {}, {} and {}",
            net.n_bus(),
            net.n_gen(),
            net.n_branch(),
            dims.0,
            dims.1,
            dims.2
        ));
        return p;
    }
    for i in 0..net.n_bus() {
        if !(net.pd_pu[i].is_finite() && net.gs_pu[i].is_finite() && net.va0_rad[i].is_finite()) {
            p.push(format!(
                "bus {}: non-finite load, shunt or angle",
                net.bus_id[i]
            ));
        }
    }
    for g in 0..net.n_gen() {
        if net.pmin_pu[g].is_nan()
            || net.pmax_pu[g].is_nan()
            || net.pmin_pu[g] == f64::INFINITY
            || net.pmax_pu[g] == f64::NEG_INFINITY
        {
            p.push(format!(
                "generator {} at bus {}: unusable Pmin/Pmax",
                g + 1,
                net.bus_id[net.gen_bus[g]]
            ));
        }
    }
    for k in 0..net.n_branch() {
        if net.branch_connected(k)
            && !(net.br_x_pu[k].is_finite()
                && net.br_x_pu[k] != 0.0
                && net.br_tap[k].is_finite()
                && net.br_tap[k] != 0.0
                && net.br_shift_rad[k].is_finite())
        {
            p.push(format!(
                "{}: reactance, tap or shift unusable in the DC model",
                branch_name(net, k)
            ));
        }
        if net.br_rate_a_pu[k].is_nan() || net.br_rate_a_pu[k] < 0.0 {
            p.push(format!("{}: negative or NaN rating", branch_name(net, k)));
        }
    }
    p.truncate(20);
    p
}

impl DcOpf {
    /// Prepares a DC OPF for `net` with the active-power costs `gencost` (the first
    /// `n_gen` rows are used). Fails when a cost cannot be used (missing, a polynomial of
    /// degree above 2, a non-convex quadratic, bad piecewise-linear points) or the settings are
    /// invalid, listing every problem.
    pub fn new(
        net: &Network,
        gencost: &[GenCost],
        settings: DcOpfSettings,
    ) -> Result<DcOpf, NetworkError> {
        let mut problems = settings.validate().err().unwrap_or_default();
        let gen_bus_id: Vec<u32> = net
            .gen_bus
            .iter()
            .map(|&i| net.bus_id.get(i).copied().unwrap_or(0))
            .collect();
        let costs = match compile(gencost, &gen_bus_id) {
            Ok(c) => c,
            Err(e) => {
                problems.extend(e);
                Vec::new()
            }
        };
        if !problems.is_empty() {
            return Err(NetworkError::InvalidData(problems));
        }
        Ok(DcOpf {
            settings,
            costs,
            angle_limits_deg: None,
            dims: (net.n_bus(), net.n_gen(), net.n_branch()),
            cache: None,
        })
    }

    /// Prepares a DC OPF of `case` compiled as `net`: its costs and its branch angle-difference
    /// limits (`ANGMIN`/`ANGMAX`), as MATPOWER's `rundcopf` uses them.
    pub fn for_case(
        case: &Case,
        net: &Network,
        settings: DcOpfSettings,
    ) -> Result<DcOpf, NetworkError> {
        let mut opf = DcOpf::new(net, &case.gencost, settings)?;
        opf.set_angle_limits_deg(&case.branch.angmin_deg, &case.branch.angmax_deg)?;
        Ok(opf)
    }

    /// Sets the branch angle-difference limits `ANGMIN ≤ θf − θt ≤ ANGMAX`, degrees, one per
    /// branch (MATPOWER's rule: exactly 0 or beyond ±360° is no limit).
    pub fn set_angle_limits_deg(
        &mut self,
        angmin_deg: &[f64],
        angmax_deg: &[f64],
    ) -> Result<(), NetworkError> {
        let nl = self.dims.2;
        if angmin_deg.len() != nl || angmax_deg.len() != nl {
            return Err(NetworkError::InvalidData(vec![format!(
                "angle limits: expected {nl} values each, found {} and {}",
                angmin_deg.len(),
                angmax_deg.len()
            )]));
        }
        if angmin_deg.iter().chain(angmax_deg).any(|a| a.is_nan()) {
            return Err(NetworkError::InvalidData(vec!["angle limits: NaN".into()]));
        }
        self.angle_limits_deg = Some((angmin_deg.to_vec(), angmax_deg.to_vec()));
        self.cache = None;
        Ok(())
    }

    /// Replaces the generator costs (e.g. new fuel prices; the first `n_gen` rows of
    /// `gencost` are used); the next solve rebuilds the model. On error the old costs stay.
    pub fn set_costs(&mut self, net: &Network, gencost: &[GenCost]) -> Result<(), NetworkError> {
        if net.n_gen() != self.dims.1 {
            return Err(NetworkError::InvalidData(vec![format!(
                "expected {} generators, found {}",
                self.dims.1,
                net.n_gen()
            )]));
        }
        let gen_bus_id: Vec<u32> = net
            .gen_bus
            .iter()
            .map(|&i| net.bus_id.get(i).copied().unwrap_or(0))
            .collect();
        self.costs = compile(gencost, &gen_bus_id).map_err(NetworkError::InvalidData)?;
        self.cache = None;
        Ok(())
    }

    /// The settings in use.
    pub fn settings(&self) -> &DcOpfSettings {
        &self.settings
    }

    fn angle_limits(&self) -> Option<(&[f64], &[f64])> {
        self.angle_limits_deg
            .as_ref()
            .map(|(a, b)| (a.as_slice(), b.as_slice()))
    }

    /// Solves the OPF of `net` as it now is. Never panics: every outcome is a status, with
    /// diagnostics (for `Infeasible`, which requirement cannot be met).
    pub fn solve(&mut self, net: &Network) -> DcOpfResult {
        let t0 = Instant::now();
        let (nb, ng, nl) = self.dims;
        let problems = input_problems(net, self.dims);
        if !problems.is_empty() {
            return DcOpfResult::empty(OpfStatus::InvalidInput, nb, ng, nl, problems);
        }
        let dc = DcMatrices::build(net);
        let isl = Islands::new(net);
        let mut diagnostics = Vec::new();
        if self.settings.penalized.is_none() {
            let cap = capacity_problems(net, &isl);
            if !cap.is_empty() {
                let mut r = DcOpfResult::empty(OpfStatus::Infeasible, nb, ng, nl, cap);
                r.solve_ms = t0.elapsed().as_secs_f64() * 1e3;
                return r;
            }
        } else {
            for g in 0..ng {
                if isl.gen_on[g] && net.pmin_pu[g] > net.pmax_pu[g] {
                    diagnostics.push(format!(
                        "generator {} at bus {}: Pmin above Pmax",
                        g + 1,
                        net.bus_id[net.gen_bus[g]]
                    ));
                }
            }
        }
        let plan = Plan::new(PlanInputs {
            net,
            dc: &dc,
            bus_in: isl.bus_in.clone(),
            angle_limits_deg: self.angle_limits(),
            settings: &self.settings,
            purpose: Purpose::Dispatch,
        });
        let bound_inputs = BoundInputs {
            gen_on: &isl.gen_on,
            is_ref: &isl.is_ref,
        };
        let warm_allowed = self.settings.warm_start;

        // Reuse the model when its structure holds; otherwise rebuild (offering the old basis).
        let mut warm_started = false;
        let reuse = self.cache.as_ref().is_some_and(|c| c.plan == plan);
        let cache = if reuse {
            match self.cache.as_mut() {
                Some(c) => c,
                None => {
                    return DcOpfResult::empty(
                        OpfStatus::SolverError,
                        nb,
                        ng,
                        nl,
                        vec!["internal error: lost cache".into()],
                    )
                }
            }
        } else {
            let layout = plan.layout(net, &self.costs);
            let model = build_matrix(&plan, &layout, net, &dc, &self.costs, &self.settings);
            let (highs, old_basis) = match self.cache.take() {
                Some(c) => {
                    let basis = if c.solved && warm_allowed {
                        c.highs.basis()
                    } else {
                        None
                    };
                    (Some(c.highs), basis)
                }
                None => (None, None),
            };
            let highs = match highs {
                Some(h) => h,
                None => match Highs::new() {
                    Ok(h) => h,
                    Err(e) => {
                        return DcOpfResult::empty(OpfStatus::SolverError, nb, ng, nl, vec![e])
                    }
                },
            };
            self.cache = Some(Cache {
                plan,
                layout,
                model,
                highs,
                solved: false,
            });
            let Some(c) = self.cache.as_mut() else {
                return DcOpfResult::empty(
                    OpfStatus::SolverError,
                    nb,
                    ng,
                    nl,
                    vec!["internal error: lost cache".into()],
                );
            };
            bounds(
                &mut c.model,
                &c.plan,
                &c.layout,
                net,
                &dc,
                &self.costs,
                &bound_inputs,
            );
            if let Err(e) = c.highs.pass_model(&c.model) {
                self.cache = None;
                return DcOpfResult::empty(OpfStatus::SolverError, nb, ng, nl, vec![e]);
            }
            if let Some((cb, rb)) = old_basis {
                warm_started = c.highs.set_basis(&cb, &rb);
            }
            c
        };
        if reuse {
            bounds(
                &mut cache.model,
                &cache.plan,
                &cache.layout,
                net,
                &dc,
                &self.costs,
                &bound_inputs,
            );
            if let Err(e) = cache.highs.change_bounds(&cache.model) {
                self.cache = None;
                return DcOpfResult::empty(OpfStatus::SolverError, nb, ng, nl, vec![e]);
            }
            if cache.solved && warm_allowed {
                warm_started = true;
            } else {
                cache.highs.clear_solver();
            }
        }
        if let Err(e) = configure(&self.settings, &mut cache.highs) {
            return DcOpfResult::empty(OpfStatus::SolverError, nb, ng, nl, vec![e]);
        }
        let is_qp = !cache.model.q_start.is_empty();
        let (outcome, iterations, solution) = run_and_polish(
            &mut cache.highs,
            &cache.model,
            is_qp,
            &self.settings,
            &mut diagnostics,
        );
        cache.solved = outcome == RunOutcome::Optimal;
        if is_qp {
            // The active-set QP solver does not hot-start (HiGHS's `qp_allow_hot_start` is off).
            warm_started = false;
        }
        let status = match outcome {
            RunOutcome::Optimal => OpfStatus::Optimal,
            RunOutcome::Infeasible | RunOutcome::UnboundedOrInfeasible => OpfStatus::Infeasible,
            RunOutcome::Unbounded => OpfStatus::Unbounded,
            RunOutcome::TimeLimit => OpfStatus::TimeLimit,
            RunOutcome::IterationLimit => {
                diagnostics.push("HiGHS reached its iteration limit".into());
                OpfStatus::SolverError
            }
            RunOutcome::Other(code) => {
                diagnostics.push(format!(
                    "HiGHS ended with model status {code} (solve error)"
                ));
                OpfStatus::SolverError
            }
        };
        let solution = match (status, solution) {
            (OpfStatus::Optimal, Some(s)) => s,
            (status, _) => {
                let status = if status == OpfStatus::Optimal {
                    OpfStatus::SolverError
                } else {
                    status
                };
                if status == OpfStatus::Infeasible && self.settings.diagnose_infeasibility {
                    diagnostics.extend(self.diagnose(net, &dc, &isl));
                }
                if status == OpfStatus::Unbounded {
                    diagnostics.push(
                        "the cost falls without bound: a generator with unlimited output (Pmax = ∞ or Pmin = −∞) \
                         and a cost that keeps falling"
                            .into(),
                    );
                }
                let mut r = DcOpfResult::empty(status, nb, ng, nl, diagnostics);
                r.iterations = iterations;
                r.warm_started = warm_started;
                r.solve_ms = t0.elapsed().as_secs_f64() * 1e3;
                return r;
            }
        };
        let Some(cache) = self.cache.as_ref() else {
            return DcOpfResult::empty(
                OpfStatus::SolverError,
                nb,
                ng,
                nl,
                vec!["internal error: lost cache".into()],
            );
        };
        let mut r = self.extract(net, &dc, &isl, cache, solution, diagnostics);
        r.iterations = iterations;
        r.warm_started = warm_started;
        r.solve_ms = t0.elapsed().as_secs_f64() * 1e3;
        r
    }

    /// Reads the solution out of HiGHS into user units and the case's order.
    fn extract(
        &self,
        net: &Network,
        dc: &DcMatrices,
        isl: &Islands,
        cache: &Cache,
        solution: Polished,
        mut diagnostics: Vec<String>,
    ) -> DcOpfResult {
        let (nb, ng, nl) = self.dims;
        let base = net.base_mva;
        let lay = &cache.layout;
        // A dual is ∂(s·f)/∂(p.u.): divide by s·baseMVA for $/MWh.
        let to_price = 1.0 / (lay.obj_scale * base);
        let Polished {
            mut x,
            row_dual: rd,
            objective: model_objective,
        } = solution;
        for i in 0..nb {
            x[i] /= lay.theta_scale[i];
        }
        let mut res = DcOpfResult::empty(OpfStatus::Optimal, nb, ng, nl, Vec::new());
        let voll = self.settings.penalized.as_ref().map(|p| p.voll_usd_per_mwh);
        for i in 0..nb {
            if isl.bus_in[i] {
                res.va_deg[i] = PerUnit::rad_to_deg(x[i]);
                res.lmp_usd_per_mwh[i] = -rd[lay.bal_row[i]] * to_price;
            } else if let (Some(v), Some(_)) = (voll, isl.topo.island_of_bus[i]) {
                res.lmp_usd_per_mwh[i] = v;
            }
            if lay.shed_col[i] != NONE {
                res.load_shed_mw[i] = x[lay.shed_col[i]] * base;
                res.curtailed_mw[i] = x[lay.spill_col[i]] * base;
            }
        }
        let mut offset = 0.0;
        let mut gen_cost = 0.0;
        for g in 0..ng {
            if isl.gen_on[g] {
                let p = x[lay.pg_col(g)] * base;
                res.pg_mw[g] = p;
                gen_cost += self.costs[g].at(p);
                if let Cost::Poly { c0, .. } = self.costs[g] {
                    offset += c0;
                }
            }
        }
        for k in 0..nl {
            if cache.plan.branch_in[k] {
                let (f, t) = (net.br_from[k], net.br_to[k]);
                res.branch_pf_mw[k] = (dc.b_branch[k] * (x[f] - x[t]) + dc.pf_inj[k]) * base;
            }
        }
        for &(k, row, up, dn) in &lay.flow {
            res.branch_mu_usd_per_mwh[k] = -rd[row] * to_price;
            if up != NONE {
                res.branch_overload_mw[k] = (x[up] + x[dn]) * base;
            }
        }
        // De-energised islands in penalised mode: their load is shed, their injection spilled.
        if self.settings.penalized.is_some() {
            for island in isl.topo.islands.iter().filter(|i| !i.energized) {
                for &i in &island.buses {
                    let d = (net.pd_pu[i] + net.gs_pu[i]) * base;
                    res.load_shed_mw[i] = d.max(0.0);
                    res.curtailed_mw[i] = (-d).max(0.0);
                }
            }
        }
        let mut penalty = 0.0;
        if let Some(p) = &self.settings.penalized {
            let shed: f64 = res.load_shed_mw.iter().sum();
            let spill: f64 = res.curtailed_mw.iter().sum();
            let over: f64 = res.branch_overload_mw.iter().sum();
            penalty = shed * p.voll_usd_per_mwh
                + spill * p.curtailment_usd_per_mwh
                + over * p.overload_usd_per_mwh.unwrap_or(0.0);
            let tol = 1e-6;
            if shed > tol {
                diagnostics.push(shed_summary("load shed", &res.load_shed_mw, net));
            }
            if spill > tol {
                diagnostics.push(shed_summary("injection curtailed", &res.curtailed_mw, net));
            }
            if over > tol {
                let mut v: Vec<(usize, f64)> = res
                    .branch_overload_mw
                    .iter()
                    .copied()
                    .enumerate()
                    .filter(|e| e.1 > tol)
                    .collect();
                v.sort_by(|a, b| b.1.total_cmp(&a.1));
                let items: Vec<String> = v
                    .iter()
                    .take(10)
                    .map(|&(k, o)| format!("{} by {}", branch_name(net, k), fmt_mw(o)))
                    .collect();
                diagnostics.push(format!(
                    "ratings exceeded at the overload price: {}",
                    items.join(", ")
                ));
            }
        }
        // The objective as HiGHS has it, plus the constant cost terms kept out of the model;
        // the penalties of de-energised islands are added here.
        let mut objective = model_objective / lay.obj_scale + offset;
        if let Some(p) = &self.settings.penalized {
            for island in isl.topo.islands.iter().filter(|i| !i.energized) {
                for &i in &island.buses {
                    objective += res.load_shed_mw[i] * p.voll_usd_per_mwh
                        + res.curtailed_mw[i] * p.curtailment_usd_per_mwh;
                }
            }
        }
        res.objective_usd_per_h = objective;
        res.generation_cost_usd_per_h = gen_cost;
        res.penalty_usd_per_h = penalty;
        res.system_lambda_usd_per_mwh = isl
            .topo
            .islands
            .iter()
            .map(|island| {
                island
                    .buses
                    .iter()
                    .find(|&&i| isl.is_ref[i])
                    .map_or(f64::NAN, |&i| res.lmp_usd_per_mwh[i])
            })
            .collect();
        res.diagnostics = diagnostics;
        res
    }

    /// Why a strict OPF with enough capacity in every island is infeasible: re-solves with
    /// every rating and angle limit relaxed by a slack of cost 1 and no generation cost, and
    /// names the limits whose slack is needed.
    fn diagnose(&self, net: &Network, dc: &DcMatrices, isl: &Islands) -> Vec<String> {
        let mut out = capacity_problems(net, isl);
        if !out.is_empty() {
            return out;
        }
        let plan = Plan::new(PlanInputs {
            net,
            dc,
            bus_in: isl.bus_in.clone(),
            angle_limits_deg: self.angle_limits(),
            settings: &self.settings,
            purpose: Purpose::Diagnose,
        });
        let lay = plan.layout(net, &self.costs);
        let mut md = build_matrix(&plan, &lay, net, dc, &self.costs, &self.settings);
        bounds(
            &mut md,
            &plan,
            &lay,
            net,
            dc,
            &self.costs,
            &BoundInputs {
                gen_on: &isl.gen_on,
                is_ref: &isl.is_ref,
            },
        );
        let mut h = match Highs::new() {
            Ok(h) => h,
            Err(e) => return vec![e],
        };
        if let Err(e) = configure(&self.settings, &mut h).and_then(|_| h.pass_model(&md)) {
            return vec![format!("diagnosis failed: {e}")];
        }
        if h.run_with_threads(self.settings.threads) != RunOutcome::Optimal {
            return vec![
                "infeasible, and still infeasible with every rating and angle limit relaxed: check generator \
                 limits and phase shifters"
                    .into(),
            ];
        }
        let (mut x, _, _, _) = h.solution();
        for i in 0..lay.nb {
            x[i] /= lay.theta_scale[i];
        }
        let base = net.base_mva;
        let tol = 1e-6;
        let mut items: Vec<(f64, String)> = Vec::new();
        for &(k, _, up, dn) in &lay.flow {
            let s = x[up] + x[dn];
            if s > tol {
                let (f, t) = (net.br_from[k], net.br_to[k]);
                let flow = (dc.b_branch[k] * (x[f] - x[t]) + dc.pf_inj[k]) * base;
                items.push((
                    s,
                    format!(
                        "{}: rating {}, the load needs {} through it",
                        branch_name(net, k),
                        fmt_mw(net.br_rate_a_pu[k] * base),
                        fmt_mw(flow.abs())
                    ),
                ));
            }
        }
        for (&(k, _, up, dn), &(_, lo, hi)) in lay.ang.iter().zip(&plan.angle) {
            let s = x[up] + x[dn];
            if s > tol {
                let (f, t) = (net.br_from[k], net.br_to[k]);
                let d = PerUnit::rad_to_deg(x[f] - x[t]);
                items.push((
                    s,
                    format!(
                        "{}: angle difference limits [{:.1}°, {:.1}°], the load needs {:.2}°",
                        branch_name(net, k),
                        PerUnit::rad_to_deg(lo),
                        PerUnit::rad_to_deg(hi),
                        d
                    ),
                ));
            }
        }
        items.sort_by(|a, b| b.0.total_cmp(&a.0));
        if items.is_empty() {
            out.push("infeasible, but no single limit could be named (numerical trouble?)".into());
        } else {
            out.push(format!(
                "every island has the capacity for its load, but these transfer limits cannot all hold ({} in all):",
                items.len()
            ));
            out.extend(items.into_iter().take(20).map(|(_, s)| s));
        }
        out
    }
}

/// Solves the model HiGHS holds and returns the outcome, the iterations and the solution.
///
/// An LP goes to HiGHS's simplex and its solution is taken as it is. A QP goes to the
/// interior-point method of [`super::ipm`] and is then polished (see [`super::polish`]): one
/// exact KKT solve on the active set the interior point identifies, accepted only when every
/// optimality condition holds. If the interior point fails (an infeasible model stalls it),
/// HiGHS's active-set QP solver decides, with an iteration cap; its answer is polished too.
fn run_and_polish(
    h: &mut Highs,
    md: &ModelData,
    is_qp: bool,
    settings: &DcOpfSettings,
    diagnostics: &mut Vec<String>,
) -> (RunOutcome, usize, Option<Polished>) {
    let objective_of = |x: &[f64]| -> f64 {
        let mut f: f64 = x.iter().zip(&md.col_cost).map(|(x, c)| x * c).sum();
        if md.q_start.len() == md.num_col() + 1 {
            for j in 0..md.num_col() {
                for p in md.q_start[j]..md.q_start[j + 1] {
                    f += 0.5 * md.q_value[p] * x[j] * x[md.q_index[p]];
                }
            }
        }
        f
    };
    let tol = (POLISH_TOL, POLISH_TOL);
    let highs_tol = (
        settings.primal_feasibility_tol,
        settings.dual_feasibility_tol,
    );
    let threads = settings.threads;
    let mut iterations = 0;
    let mut notes = Vec::new();
    if is_qp && settings.qp_method == QpMethod::InteriorPoint {
        match solve_qp(md) {
            Ok(s) => {
                iterations += s.iterations;
                // A degenerate optimum (ties between shedding variables, say) leaves the active
                // set ambiguous, and the interior point, which meets the KKT conditions to
                // 1e-10 (relative), is kept as it is.
                let pol = if s.degenerate {
                    Err(String::new())
                } else {
                    polish(md, &s.col_active, &s.row_active, &s.x, tol)
                };
                match pol {
                    Ok(p) => return (RunOutcome::Optimal, iterations, Some(p)),
                    Err(_) => {
                        let objective = objective_of(&s.x);
                        let p = Polished {
                            x: s.x,
                            row_dual: s.row_dual,
                            objective,
                        };
                        return (RunOutcome::Optimal, iterations, Some(p));
                    }
                }
            }
            Err(why) => notes.push(why),
        }
    }
    if is_qp {
        let cap = i32::try_from(10_000 + 10 * (md.num_col() + md.num_row())).unwrap_or(i32::MAX);
        let _ = h.set_option("qp_iteration_limit", &HighsOptionValue::Int(cap));
        // HiGHS's QP solver only has to find the active set; the polish makes the solution
        // exact. At tighter tolerances than its defaults it declares solve errors over 1e-9.
        let _ = h.set_option(
            "primal_feasibility_tolerance",
            &HighsOptionValue::Double(QP_FEASIBILITY_TOL.max(highs_tol.0)),
        );
        let _ = h.set_option(
            "dual_feasibility_tolerance",
            &HighsOptionValue::Double(QP_FEASIBILITY_TOL.max(highs_tol.1)),
        );
    }
    let mut outcome = h.run_with_threads(threads);
    iterations += h.iterations();
    if outcome == RunOutcome::UnboundedOrInfeasible {
        // Presolve could not tell which: solve the full model from scratch to find out.
        h.clear_solver();
        let _ = h.set_option("presolve", &HighsOptionValue::Str("off".into()));
        outcome = h.run_with_threads(threads);
        iterations += h.iterations();
        let _ = h.set_option("presolve", &HighsOptionValue::Str("choose".into()));
    }
    let solve_error = matches!(outcome, RunOutcome::Other(code) if code == highs_sys::kHighsModelStatusSolveError);
    if !is_qp {
        if outcome == RunOutcome::Optimal {
            let (x, _, _, rd) = h.solution();
            let objective = h.objective() - md.offset;
            return (
                outcome,
                iterations,
                Some(Polished {
                    x,
                    row_dual: rd,
                    objective,
                }),
            );
        }
        return (outcome, iterations, None);
    }
    if !(outcome == RunOutcome::Optimal || solve_error) {
        // An infeasible or unbounded model is what stalled the interior point: no note.
        if !matches!(outcome, RunOutcome::Infeasible | RunOutcome::Unbounded) {
            diagnostics.extend(notes);
        }
        return (outcome, iterations, None);
    }
    let (x0, _, _, rd0) = h.solution();
    if x0.len() != md.num_col() || x0.iter().any(|v| !v.is_finite()) {
        notes.push("no solution from HiGHS's QP solver".into());
        diagnostics.extend(notes);
        return (outcome, iterations, None);
    }
    let (cols, rows) = match h.basis() {
        Some((cb, rb)) => active_set_from_basis(md, &cb, &rb),
        None => active_set_from_values(md, &x0),
    };
    match polish(md, &cols, &rows, &x0, tol) {
        Ok(p) => {
            if !notes.is_empty() {
                diagnostics.push(format!(
                    "QP solved by HiGHS's active-set solver ({})",
                    notes.join("; ")
                ));
            }
            (RunOutcome::Optimal, iterations, Some(p))
        }
        Err(why) if outcome == RunOutcome::Optimal => {
            notes.push(format!("HiGHS's QP solution kept unpolished ({why})"));
            diagnostics.extend(notes);
            let objective = objective_of(&x0);
            (
                RunOutcome::Optimal,
                iterations,
                Some(Polished {
                    x: x0,
                    row_dual: rd0,
                    objective,
                }),
            )
        }
        Err(why) => {
            notes.push(format!("HiGHS's active set refused: {why}"));
            diagnostics.extend(notes);
            (outcome, iterations, None)
        }
    }
}

/// Tolerances (relative) at which a polished QP solution must meet every bound and sign
/// condition: it comes from an exact solve, so they are tight.
const POLISH_TOL: f64 = 1e-9;

/// HiGHS feasibility tolerances while it looks for a QP's active set (its defaults).
const QP_FEASIBILITY_TOL: f64 = 1e-7;

/// Applies the settings to a HiGHS instance.
fn configure(s: &DcOpfSettings, h: &mut Highs) -> Result<(), String> {
    h.set_option("output_flag", &HighsOptionValue::Bool(s.solver_log))?;
    h.set_option(
        "simplex_primal_edge_weight_strategy",
        &HighsOptionValue::Int(-1),
    )?;
    h.set_option(
        "primal_feasibility_tolerance",
        &HighsOptionValue::Double(s.primal_feasibility_tol),
    )?;
    h.set_option(
        "dual_feasibility_tolerance",
        &HighsOptionValue::Double(s.dual_feasibility_tol),
    )?;
    h.set_option("time_limit", &HighsOptionValue::Double(s.time_limit_s))?;
    if s.threads > 0 {
        h.set_option(
            "threads",
            &HighsOptionValue::Int(i32::try_from(s.threads).unwrap_or(i32::MAX)),
        )?;
    }
    for (name, value) in &s.highs_options {
        h.set_option(name, value)?;
    }
    Ok(())
}

fn shed_summary(what: &str, per_bus_mw: &[f64], net: &Network) -> String {
    let mut v: Vec<(usize, f64)> = per_bus_mw
        .iter()
        .copied()
        .enumerate()
        .filter(|e| e.1 > 1e-6)
        .collect();
    let total: f64 = v.iter().map(|e| e.1).sum();
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    let items: Vec<String> = v
        .iter()
        .take(10)
        .map(|&(i, s)| format!("bus {} {}", net.bus_id[i], fmt_mw(s)))
        .collect();
    let more = if v.len() > 10 {
        format!(", … ({} buses)", v.len())
    } else {
        String::new()
    };
    format!("{what}: {} ({}{more})", fmt_mw(total), items.join(", "))
}

/// Economic dispatch: the DC OPF without branch ratings or angle limits, i.e. one copper
/// plate per island. `system_lambda_usd_per_mwh` of its result holds each island's price.
#[derive(Debug)]
pub struct EconomicDispatch {
    inner: DcOpf,
}

impl EconomicDispatch {
    /// Prepares an economic dispatch; `settings.enforce_branch_limits` and
    /// `enforce_angle_limits` are overridden to `false`.
    pub fn new(
        net: &Network,
        gencost: &[GenCost],
        settings: DcOpfSettings,
    ) -> Result<EconomicDispatch, NetworkError> {
        let settings = DcOpfSettings {
            enforce_branch_limits: false,
            enforce_angle_limits: false,
            ..settings
        };
        Ok(EconomicDispatch {
            inner: DcOpf::new(net, gencost, settings)?,
        })
    }

    /// Dispatches `net` as it now is.
    pub fn solve(&mut self, net: &Network) -> DcOpfResult {
        self.inner.solve(net)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mw_are_written_with_thousands_separators() {
        assert_eq!(fmt_mw(3100.0), "3,100 MW");
        assert_eq!(fmt_mw(90.0), "90 MW");
        assert_eq!(fmt_mw(12.46), "12.5 MW");
        assert_eq!(fmt_mw(1_234_567.0), "1,234,567 MW");
        assert_eq!(fmt_mw(-5.0), "-5 MW");
    }
}
