//! Newton–Raphson AC power flow in polar coordinates, MATPOWER's `runpf` semantics.
//!
//! Unknowns: the angle θᵢ of every energised non-reference bus and the magnitude |Vᵢ| of every
//! PQ bus. Equations: `ΔPᵢ = Re(Vᵢ conj(Iᵢ)) − Pᵢ` at the same buses as θᵢ and `ΔQᵢ` at the PQ
//! buses, with `I = Ybus V` and the specified injection `S = Cg (Pg + jQg) − (Pd + jQd)`.
//! Each Newton step solves `J Δx = −F` with the Jacobian from MATPOWER's `dSbus_dV`:
//!
//! ```text
//! ∂S/∂θ = j diag(V) conj(diag(I) − Ybus diag(V))
//! ∂S/∂|V| = diag(V) conj(Ybus diag(V/|V|)) + conj(diag(I)) diag(V/|V|)
//! ```
//!
//! Convergence when `‖F‖∞ < tol` (default 1e-8 p.u.), at most `max_iter` (10) iterations.
//!
//! Reuse: [`AcPowerFlow`] keeps the Ybus, the Jacobian's sparsity pattern with a map from every
//! Ybus entry to its (up to four) Jacobian positions, and the sparse LU's symbolic analysis. All
//! are kept while the bus roles (ref/PV/PQ/dead) stay the same: across iterations, repeated
//! solves, time steps with new loads and branch outages that do not change the islands.
//! They are also kept when the new roles need a *subset* of the pattern's unknowns — an outage
//! that de-energises part of the network (PV/PQ → dead) or gives a split-off island its own
//! reference (PV → ref): the unknowns no longer needed are *fixed* by an identity row and column
//! (`Δxₖ = 0`, `Fₖ = 0`), which leaves the Newton iterates of the other unknowns exactly those
//! of the reduced system, while the LU keeps its ordering and patterns (only a numeric
//! refactorisation). A role change that needs an unknown the pattern lacks (a PV bus turned
//! PQ by a reactive limit) builds a new pattern.
//!
//! Reactive limits (`enforce_q_lims`) follow MATPOWER's `enforce_q_lims = 1`: after each
//! converged solve, every generator outside its limits (by more than 5e-6 MVAr) is fixed at the
//! limit, its bus turned PQ (the slack included, in which case a new slack is picked), and the
//! flow re-solved, until no limit is violated; if all remaining voltage-controlling generators
//! violate the same limit the status is [`PfStatus::QLimitsInfeasible`]. Angles are finally
//! shifted so that the original reference bus keeps its angle. Each re-solve starts from the
//! previous solution.
//!
//! Reactive output at a bus with several generators is shared as MATPOWER's `pfsoln` shares it:
//! in proportion to each generator's reactive range (finite proxies for infinite limits).

use num_complex::Complex64;

use crate::case::BusType;
use crate::fdpf::{FdMatrices, FdVariant};
use crate::network::{Network, PerUnit};
use crate::results::{PfStatus, PowerFlowResult};
use crate::sparse::{CscMatrix, LuError, SparseLu};
use crate::topology::{BusRole, Topology, TopologyCache};
use crate::ybus::Ybus;

const NONE: u32 = u32::MAX;
/// `JacobianPattern::active` bit: θᵢ is an unknown under the current roles.
const ACTIVE_VA: u8 = 1;
/// `JacobianPattern::active` bit: |Vᵢ| is an unknown under the current roles.
const ACTIVE_VM: u8 = 2;

/// The unknowns a bus of role `r` has (`ACTIVE_VA | ACTIVE_VM` bits).
fn unknowns_of(r: BusRole) -> u8 {
    match r {
        BusRole::Pq => ACTIVE_VA | ACTIVE_VM,
        BusRole::Pv => ACTIVE_VA,
        BusRole::Ref | BusRole::Dead => 0,
    }
}

/// Settings of the AC power flow.
#[derive(Debug, Clone, PartialEq)]
pub struct AcPfSettings {
    /// Convergence tolerance on the largest power mismatch, p.u. Default 1e-8.
    pub tol_pu: f64,
    /// Newton iteration limit per solve. Default 10.
    pub max_iter: usize,
    /// Enforce generator reactive limits (MATPOWER `pf.enforce_q_lims = 1`). Default false.
    pub enforce_q_lims: bool,
    /// A generator violates a reactive limit when beyond it by more than this, MVAr.
    /// Default 5e-6 (MATPOWER `opf.violation`).
    pub q_lim_tol_mvar: f64,
    /// A mismatch above this (p.u.) or a non-finite one ends the solve as diverged. Default 1e10.
    pub divergence_pu: f64,
    /// The iteration: Newton–Raphson (default) or fast-decoupled ([`crate::fdpf`]).
    pub algorithm: PfAlgorithm,
    /// Iteration limit of the fast-decoupled method (MATPOWER `pf.fd.max_it`). Default 30.
    pub fd_max_iter: usize,
}

/// The AC power-flow iteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PfAlgorithm {
    /// Newton–Raphson in polar coordinates (quadratic convergence). Default.
    #[default]
    NewtonRaphson,
    /// Fast-decoupled, XB or BX (linear convergence, two constant matrices).
    FastDecoupled(FdVariant),
}

impl Default for AcPfSettings {
    fn default() -> Self {
        AcPfSettings {
            tol_pu: 1e-8,
            max_iter: 10,
            enforce_q_lims: false,
            q_lim_tol_mvar: 5e-6,
            divergence_pu: 1e10,
            algorithm: PfAlgorithm::NewtonRaphson,
            fd_max_iter: 30,
        }
    }
}

impl AcPfSettings {
    /// Checks the settings; returns what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.tol_pu > 0.0 && self.tol_pu.is_finite()) {
            return Err(format!("tol_pu must be positive, got {}", self.tol_pu));
        }
        if self.max_iter == 0 || self.fd_max_iter == 0 {
            return Err("max_iter and fd_max_iter must be at least 1".into());
        }
        if !(self.q_lim_tol_mvar >= 0.0) {
            return Err(format!(
                "q_lim_tol_mvar must be non-negative, got {}",
                self.q_lim_tol_mvar
            ));
        }
        Ok(())
    }
}

/// Where a solve starts.
#[derive(Debug, Clone, Copy)]
pub enum Start<'a> {
    /// The case's voltages, with generator setpoints at voltage-controlled buses (MATPOWER).
    Case,
    /// 1∠0 everywhere, generator setpoints at voltage-controlled buses.
    Flat,
    /// A previous solution: magnitudes (p.u.) and angles (rad) per bus.
    Warm { vm_pu: &'a [f64], va_rad: &'a [f64] },
}

/// The Jacobian's structure for one assignment of bus roles.
#[derive(Debug, Clone)]
struct JacobianPattern {
    /// The roles the structure was built for.
    roles: Vec<BusRole>,
    /// Per bus, which of its unknowns are active under the current roles (`ACTIVE_VA`,
    /// `ACTIVE_VM`); a structural unknown that is not active is fixed (identity row/column).
    active: Vec<u8>,
    /// Whether some structural unknown is fixed under the current roles.
    any_fixed: bool,
    /// Unknown index of θᵢ (also the row of ΔPᵢ), or NONE.
    var_va: Vec<u32>,
    /// Unknown index of |Vᵢ| (also the row of ΔQᵢ), or NONE.
    var_vm: Vec<u32>,
    /// The Jacobian (values overwritten each iteration).
    jac: CscMatrix,
    /// For each Ybus entry: positions in `jac.values` of (Pθ, PV, Qθ, QV), or NONE.
    pos: Vec<[u32; 4]>,
    lu: SparseLu,
}

impl JacobianPattern {
    fn build(y: &Ybus, roles: &[BusRole]) -> Result<Self, LuError> {
        let n = roles.len();
        let mut var_va = vec![NONE; n];
        let mut var_vm = vec![NONE; n];
        let mut nx = 0u32;
        for i in 0..n {
            if matches!(roles[i], BusRole::Pv | BusRole::Pq) {
                var_va[i] = nx;
                nx += 1;
            }
            if roles[i] == BusRole::Pq {
                var_vm[i] = nx;
                nx += 1;
            }
        }
        let mut trip = Vec::new();
        for i in 0..n {
            for p in y.row_ptr[i]..y.row_ptr[i + 1] {
                let j = y.col_idx[p];
                for r in [var_va[i], var_vm[i]] {
                    for c in [var_va[j], var_vm[j]] {
                        if r != NONE && c != NONE {
                            trip.push((r as usize, c as usize, 0.0));
                        }
                    }
                }
            }
        }
        let jac = CscMatrix::from_triplets(nx as usize, nx as usize, &trip);
        let at = |r: u32, c: u32| -> u32 {
            if r == NONE || c == NONE {
                NONE
            } else {
                jac.position(r as usize, c as usize)
                    .map_or(NONE, |p| p as u32)
            }
        };
        let mut pos = vec![[NONE; 4]; y.col_idx.len()];
        for i in 0..n {
            for p in y.row_ptr[i]..y.row_ptr[i + 1] {
                let j = y.col_idx[p];
                pos[p] = [
                    at(var_va[i], var_va[j]),
                    at(var_va[i], var_vm[j]),
                    at(var_vm[i], var_va[j]),
                    at(var_vm[i], var_vm[j]),
                ];
            }
        }
        let lu = SparseLu::analyze(&jac)?;
        Ok(JacobianPattern {
            roles: roles.to_vec(),
            active: roles.iter().map(|&r| unknowns_of(r)).collect(),
            any_fixed: false,
            var_va,
            var_vm,
            jac,
            pos,
            lu,
        })
    }

    fn n_unknowns(&self) -> usize {
        self.jac.ncols
    }

    /// Makes the pattern serve `roles` if every unknown they need is in the structure (the
    /// others are fixed); `false` (pattern unchanged) otherwise.
    fn adopt(&mut self, roles: &[BusRole]) -> bool {
        if roles.len() != self.roles.len() {
            return false;
        }
        let fits = roles
            .iter()
            .zip(&self.roles)
            .all(|(&new, &built)| unknowns_of(new) & !unknowns_of(built) == 0);
        if fits {
            for (a, &r) in self.active.iter_mut().zip(roles) {
                *a = unknowns_of(r);
            }
            self.any_fixed = roles != self.roles.as_slice();
        }
        fits
    }
}

/// Outcome of one Newton solve (internal).
struct NewtonOutcome {
    status: PfStatus,
    iterations: usize,
    max_mismatch_pu: f64,
}

/// A reusable AC power flow for one network structure (same buses and branches).
#[derive(Debug, Clone)]
pub struct AcPowerFlow {
    settings: AcPfSettings,
    ybus: Ybus,
    pattern: Option<JacobianPattern>,
    /// Patterns built so far (see [`Self::structure_stamp`]).
    pattern_builds: u64,
    /// The islands and roles of the last network solved (without reactive limits).
    topo: TopologyCache,
    /// Fast-decoupled matrices for the current network values and roles.
    fd: Option<FdMatrices>,
    // Work vectors, reused across solves.
    v: Vec<Complex64>,
    i_bus: Vec<Complex64>,
    s_spec: Vec<Complex64>,
    f: Vec<f64>,
}

impl AcPowerFlow {
    /// Prepares a power flow for `net` (builds its Ybus).
    pub fn new(net: &Network, settings: AcPfSettings) -> AcPowerFlow {
        let n = net.n_bus();
        AcPowerFlow {
            settings,
            ybus: Ybus::build(net),
            pattern: None,
            pattern_builds: 0,
            topo: TopologyCache::default(),
            fd: None,
            v: vec![Complex64::new(0.0, 0.0); n],
            i_bus: vec![Complex64::new(0.0, 0.0); n],
            s_spec: vec![Complex64::new(0.0, 0.0); n],
            f: Vec::new(),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &AcPfSettings {
        &self.settings
    }

    /// The bus admittance matrix in use.
    pub fn ybus(&self) -> &Ybus {
        &self.ybus
    }

    /// Identifies the solver's structural state — the Jacobian pattern and the LU's pivot order,
    /// the only state a solve carries over to the next besides Ybus values. Two solvers with
    /// the same stamp, cloned from one another, give bit-identical results on the same input;
    /// the N-1 analysis uses it to reuse one solver per worker thread and still not depend on
    /// which outages a worker solved before.
    pub(crate) fn structure_stamp(&self) -> (u64, usize) {
        let pivoting = self
            .pattern
            .as_ref()
            .map_or(0, |p| p.lu.stats().pivoting_factorizations);
        (self.pattern_builds, pivoting)
    }

    /// Recomputes Ybus values after branch in-service flags, taps or shunts changed
    /// (same buses and branches). The Jacobian pattern is kept if the roles do not change.
    pub fn update_network(&mut self, net: &Network) {
        self.ybus.update(net);
        self.fd = None;
    }

    /// Solves the power flow of `net` from `start`.
    pub fn solve(&mut self, net: &Network, start: Start<'_>) -> PowerFlowResult {
        if !self.settings.enforce_q_lims {
            let mut cache = std::mem::take(&mut self.topo);
            let topo = cache.get(net);
            self.initial_voltage(net, topo, start);
            let out = self.newton(net, topo);
            let res = self.finish(net, topo, out, Vec::new(), Vec::new());
            self.topo = cache;
            return res;
        }
        self.solve_with_q_limits(net, start)
    }

    fn solve_with_q_limits(&mut self, net: &Network, start: Start<'_>) -> PowerFlowResult {
        let pu = net.per_unit();
        let mut work = net.clone();
        let topo0 = Topology::analyze(&work);
        self.initial_voltage(&work, &topo0, start);
        let ref0: Vec<usize> = topo0
            .islands
            .iter()
            .flat_map(|isl| isl.ref_buses.iter().copied())
            .collect();
        let va_ref0: Vec<f64> = ref0.iter().map(|&r| net.va0_rad[r]).collect();
        let mut limited: Vec<usize> = Vec::new();
        let mut fixed_qg_pu = vec![0.0; net.n_gen()];
        let mut diagnostics = Vec::new();
        let mut iterations = 0;
        let mut topo = topo0;
        loop {
            let out = self.newton(&work, &topo);
            iterations += out.iterations;
            if out.status != PfStatus::Converged {
                let mut res = self.finish(&work, &topo, out, limited.clone(), diagnostics);
                res.iterations = iterations;
                return self.restore_limited(net, res, &limited, &fixed_qg_pu, &work.pg_pu);
            }
            // As MATPOWER's pfsoln, the solution's outputs become the generators' values: a slack
            // generator that is then fixed at a reactive limit keeps the P it had, and the other
            // generators at a bus turned PQ keep their share of Q as an injection.
            let (pg, qg) = self.gen_outputs(&work, &topo);
            for g in 0..work.n_gen() {
                if work.gen_connected(g) && topo.role[work.gen_bus[g]] != BusRole::Dead {
                    work.pg_pu[g] = pg[g];
                    work.qg_pu[g] = qg[g];
                }
            }
            let tol = pu.to_pu(self.settings.q_lim_tol_mvar);
            let mut mx = Vec::new();
            let mut mn = Vec::new();
            for g in 0..work.n_gen() {
                if !work.gen_connected(g) || topo.role[work.gen_bus[g]] == BusRole::Dead {
                    continue;
                }
                if qg[g] > work.qmax_pu[g] + tol {
                    mx.push(g);
                } else if qg[g] < work.qmin_pu[g] - tol {
                    mn.push(g);
                }
            }
            if mx.is_empty() && mn.is_empty() {
                let out = NewtonOutcome {
                    status: PfStatus::Converged,
                    iterations,
                    max_mismatch_pu: out.max_mismatch_pu,
                };
                let mut res = self.finish(&work, &topo, out, limited.clone(), diagnostics);
                // Keep the original reference bus at its angle (MATPOWER).
                if let (Some(&r0), Some(&a0)) = (ref0.first(), va_ref0.first()) {
                    if topo.role[r0] != BusRole::Ref && res.energized[r0] {
                        let shift = PerUnit::rad_to_deg(a0) - res.va_deg[r0];
                        let isl = topo.island_of_bus[r0];
                        for i in 0..res.va_deg.len() {
                            if res.energized[i] && topo.island_of_bus[i] == isl {
                                res.va_deg[i] += shift;
                            }
                        }
                    }
                }
                return self.restore_limited(net, res, &limited, &fixed_qg_pu, &work.pg_pu);
            }
            let remaining: Vec<usize> = (0..work.n_gen())
                .filter(|&g| {
                    work.gen_connected(g)
                        && matches!(topo.role[work.gen_bus[g]], BusRole::Ref | BusRole::Pv)
                })
                .collect();
            let mut infeas: Vec<usize> = mx.iter().chain(mn.iter()).copied().collect();
            infeas.sort_unstable();
            if infeas == remaining && (mx.is_empty() || mn.is_empty()) {
                diagnostics.push(format!(
                    "all {} remaining voltage-controlling generators exceed their reactive limits",
                    infeas.len()
                ));
                let out = NewtonOutcome {
                    status: PfStatus::QLimitsInfeasible,
                    iterations,
                    max_mismatch_pu: out.max_mismatch_pu,
                };
                let res = self.finish(&work, &topo, out, limited.clone(), diagnostics);
                return self.restore_limited(net, res, &limited, &fixed_qg_pu, &work.pg_pu);
            }
            for &g in &mx {
                fixed_qg_pu[g] = work.qmax_pu[g];
            }
            for &g in &mn {
                fixed_qg_pu[g] = work.qmin_pu[g];
            }
            let hit: Vec<usize> = mx.iter().chain(mn.iter()).copied().collect();
            let old_refs: Vec<usize> = topo
                .islands
                .iter()
                .flat_map(|i| i.ref_buses.iter().copied())
                .collect();
            for &g in &hit {
                let b = work.gen_bus[g];
                work.gen_in_service[g] = false;
                work.pd_pu[b] -= work.pg_pu[g];
                work.qd_pu[b] -= fixed_qg_pu[g];
                work.bus_type[b] = BusType::Pq;
                diagnostics.push(format!(
                    "generator {} at bus {} held at its {} reactive limit {} MVAr; bus {} now PQ",
                    g + 1,
                    net.bus_id[b],
                    if mx.contains(&g) { "upper" } else { "lower" },
                    pu.to_mw(fixed_qg_pu[g]),
                    net.bus_id[b]
                ));
            }
            limited.extend_from_slice(&hit);
            topo = Topology::analyze(&work);
            for isl in &topo.islands {
                for &r in &isl.ref_buses {
                    if !old_refs.contains(&r) {
                        work.bus_type[r] = BusType::Ref;
                        diagnostics.push(format!("bus {} is the new slack bus", net.bus_id[r]));
                    }
                }
            }
            // Continue from the last solution.
            let (vm, va): (Vec<f64>, Vec<f64>) = self.v.iter().map(|v| (v.norm(), v.arg())).unzip();
            self.initial_voltage(
                &work,
                &topo,
                Start::Warm {
                    vm_pu: &vm,
                    va_rad: &va,
                },
            );
        }
    }

    /// Puts generators held at a limit back in the result with their fixed Q and their P.
    fn restore_limited(
        &self,
        net: &Network,
        mut res: PowerFlowResult,
        limited: &[usize],
        fixed_qg_pu: &[f64],
        pg_at_limit_pu: &[f64],
    ) -> PowerFlowResult {
        let pu = net.per_unit();
        for &g in limited {
            if res.energized[net.gen_bus[g]] {
                res.qg_mvar[g] = pu.to_mw(fixed_qg_pu[g]);
                res.pg_mw[g] = pu.to_mw(pg_at_limit_pu[g]);
            }
        }
        res.q_limited_gens = limited.to_vec();
        res
    }

    /// Sets `self.v` from the start option: MATPOWER's V0.
    fn initial_voltage(&mut self, net: &Network, topo: &Topology, start: Start<'_>) {
        let n = net.n_bus();
        for i in 0..n {
            self.v[i] = match start {
                Start::Case => Complex64::from_polar(net.vm0_pu[i], net.va0_rad[i]),
                Start::Flat => Complex64::new(1.0, 0.0),
                Start::Warm { vm_pu, va_rad } => Complex64::from_polar(vm_pu[i], va_rad[i]),
            };
        }
        if matches!(start, Start::Warm { .. }) {
            // A warm start keeps its magnitudes except where a generator now sets them.
            for g in 0..net.n_gen() {
                let b = net.gen_bus[g];
                if net.gen_connected(g) && matches!(topo.role[b], BusRole::Ref | BusRole::Pv) {
                    let m = self.v[b].norm();
                    if m > 0.0 {
                        self.v[b] *= net.vg_pu[g] / m;
                    } else {
                        self.v[b] = Complex64::new(net.vg_pu[g], 0.0);
                    }
                }
            }
            return;
        }
        for g in 0..net.n_gen() {
            let b = net.gen_bus[g];
            if net.gen_connected(g) && matches!(topo.role[b], BusRole::Ref | BusRole::Pv) {
                let m = self.v[b].norm();
                self.v[b] = if m > 0.0 {
                    self.v[b] * (net.vg_pu[g] / m)
                } else {
                    Complex64::new(net.vg_pu[g], 0.0)
                };
            }
        }
    }

    /// Specified injections `S = Cg (Pg + jQg) − (Pd + jQd)`, p.u.
    fn specified_injections(&mut self, net: &Network) {
        for i in 0..net.n_bus() {
            self.s_spec[i] = Complex64::new(-net.pd_pu[i], -net.qd_pu[i]);
        }
        for g in 0..net.n_gen() {
            if net.gen_connected(g) {
                self.s_spec[net.gen_bus[g]] += Complex64::new(net.pg_pu[g], net.qg_pu[g]);
            }
        }
    }

    /// Mismatch vector F and its infinity norm at the current `self.v`.
    fn mismatch(&mut self, pat: &JacobianPattern) -> f64 {
        self.ybus.mul(&self.v, &mut self.i_bus);
        let mut norm = 0.0f64;
        for i in 0..self.v.len() {
            let (ra, rm) = (pat.var_va[i], pat.var_vm[i]);
            if ra == NONE {
                continue;
            }
            let act = pat.active[i];
            if act & ACTIVE_VA == 0 {
                // A fixed bus (dead, or a new reference): its rows are identity rows.
                self.f[ra as usize] = 0.0;
                if rm != NONE {
                    self.f[rm as usize] = 0.0;
                }
                continue;
            }
            let mis = self.v[i] * self.i_bus[i].conj() - self.s_spec[i];
            self.f[ra as usize] = mis.re;
            let mut m = mis.re.abs();
            if rm != NONE {
                if act & ACTIVE_VM != 0 {
                    self.f[rm as usize] = mis.im;
                    m = m.max(mis.im.abs());
                } else {
                    self.f[rm as usize] = 0.0;
                }
            }
            if m > norm || m.is_nan() {
                norm = if m.is_nan() { f64::NAN } else { m };
            }
        }
        norm
    }

    /// Fills the Jacobian values at the current `self.v` (requires `self.i_bus` current).
    fn fill_jacobian(
        y: &Ybus,
        v: &[Complex64],
        vn: &[Complex64],
        i_bus: &[Complex64],
        pat: &mut JacobianPattern,
    ) {
        let vals = &mut pat.jac.values;
        let j1 = Complex64::new(0.0, 1.0);
        for i in 0..y.n {
            if pat.var_va[i] == NONE {
                continue;
            }
            let vi = v[i];
            for p in y.row_ptr[i]..y.row_ptr[i + 1] {
                let ps = pat.pos[p];
                if ps == [NONE; 4] {
                    continue;
                }
                let j = y.col_idx[p];
                let yij = Complex64::new(y.g[p], y.b[p]);
                let vj = v[j];
                let vnj = vn[j];
                let (ds_dva, ds_dvm) = if i == j {
                    (
                        j1 * vi * (i_bus[i] - yij * vi).conj(),
                        vi * (yij * vnj).conj() + i_bus[i].conj() * vnj,
                    )
                } else {
                    (-j1 * vi * (yij * vj).conj(), vi * (yij * vnj).conj())
                };
                let [pa, pm, qa, qm] = ps;
                if pa != NONE {
                    vals[pa as usize] = ds_dva.re;
                }
                if pm != NONE {
                    vals[pm as usize] = ds_dvm.re;
                }
                if qa != NONE {
                    vals[qa as usize] = ds_dva.im;
                }
                if qm != NONE {
                    vals[qm as usize] = ds_dvm.im;
                }
            }
        }
        if pat.any_fixed {
            Self::fix_unknowns(y, pat);
        }
    }

    /// Turns the rows and columns of fixed unknowns into identity rows and columns: entries in
    /// them become 0, their diagonal 1.
    fn fix_unknowns(y: &Ybus, pat: &mut JacobianPattern) {
        let vals = &mut pat.jac.values;
        for i in 0..y.n {
            let ai = pat.active[i];
            for p in y.row_ptr[i]..y.row_ptr[i + 1] {
                let j = y.col_idx[p];
                let aj = pat.active[j];
                let [pa, pm, qa, qm] = pat.pos[p];
                for (at, row, col) in [
                    (pa, ACTIVE_VA, ACTIVE_VA),
                    (pm, ACTIVE_VA, ACTIVE_VM),
                    (qa, ACTIVE_VM, ACTIVE_VA),
                    (qm, ACTIVE_VM, ACTIVE_VM),
                ] {
                    if at != NONE && (ai & row == 0 || aj & col == 0) {
                        vals[at as usize] = if i == j && row == col { 1.0 } else { 0.0 };
                    }
                }
            }
        }
    }

    /// Newton–Raphson (or the fast-decoupled iteration, as set) from `self.v` for the roles in
    /// `topo`.
    fn newton(&mut self, net: &Network, topo: &Topology) -> NewtonOutcome {
        if topo.n_energized() == 0 {
            return NewtonOutcome {
                status: PfStatus::NoEnergizedIsland,
                iterations: 0,
                max_mismatch_pu: 0.0,
            };
        }
        if let PfAlgorithm::FastDecoupled(variant) = self.settings.algorithm {
            return self.fast_decoupled(net, topo, variant);
        }
        let reused = self
            .pattern
            .take()
            .and_then(|mut p| p.adopt(&topo.role).then_some(p));
        let mut pat = match reused {
            Some(p) => p,
            None => match JacobianPattern::build(&self.ybus, &topo.role) {
                Ok(p) => {
                    self.pattern_builds += 1;
                    p
                }
                Err(_) => {
                    return NewtonOutcome {
                        status: PfStatus::Singular,
                        iterations: 0,
                        max_mismatch_pu: f64::NAN,
                    }
                }
            },
        };
        self.specified_injections(net);
        self.f.resize(pat.n_unknowns(), 0.0);
        let mut norm = self.mismatch(&pat);
        let mut it = 0;
        let mut status = PfStatus::MaxIterations;
        let mut dx = vec![0.0; pat.n_unknowns()];
        // Polar state kept alongside V so that an iteration needs one sin/cos per bus and no
        // magnitude or angle extraction.
        let mut vm: Vec<f64> = self.v.iter().map(|v| v.norm()).collect();
        let mut va: Vec<f64> = self.v.iter().map(|v| v.arg()).collect();
        let mut vn: Vec<Complex64> = self
            .v
            .iter()
            .zip(&vm)
            .map(|(v, &m)| {
                if m > 0.0 {
                    v / m
                } else {
                    Complex64::new(1.0, 0.0)
                }
            })
            .collect();
        loop {
            if norm < self.settings.tol_pu {
                status = PfStatus::Converged;
                break;
            }
            if !norm.is_finite() || norm > self.settings.divergence_pu {
                status = PfStatus::Diverged;
                break;
            }
            if it >= self.settings.max_iter {
                break;
            }
            it += 1;
            Self::fill_jacobian(&self.ybus, &self.v, &vn, &self.i_bus, &mut pat);
            if pat.lu.factor(&pat.jac).is_err() {
                status = PfStatus::Singular;
                break;
            }
            for (d, f) in dx.iter_mut().zip(&self.f) {
                *d = -f;
            }
            if pat.lu.solve_in_place(&mut dx).is_err() {
                status = PfStatus::Singular;
                break;
            }
            for i in 0..self.v.len() {
                let (ra, rm) = (pat.var_va[i], pat.var_vm[i]);
                if ra == NONE || pat.active[i] & ACTIVE_VA == 0 {
                    continue;
                }
                va[i] += dx[ra as usize];
                if rm != NONE && pat.active[i] & ACTIVE_VM != 0 {
                    vm[i] += dx[rm as usize];
                    if vm[i] < 0.0 {
                        // As MATPOWER's |V|, ∠V after the update: a negative magnitude flips the angle.
                        vm[i] = -vm[i];
                        va[i] += std::f64::consts::PI;
                    }
                }
                let (sin, cos) = va[i].sin_cos();
                vn[i] = Complex64::new(cos, sin);
                self.v[i] = vn[i] * vm[i];
            }
            norm = self.mismatch(&pat);
        }
        self.pattern = Some(pat);
        NewtonOutcome {
            status,
            iterations: it,
            max_mismatch_pu: norm,
        }
    }

    /// The fast-decoupled iteration ([`crate::fdpf`]) from `self.v` for the roles in `topo`.
    fn fast_decoupled(
        &mut self,
        net: &Network,
        topo: &Topology,
        variant: FdVariant,
    ) -> NewtonOutcome {
        let singular = NewtonOutcome {
            status: PfStatus::Singular,
            iterations: 0,
            max_mismatch_pu: f64::NAN,
        };
        let fd = match self.fd.take() {
            Some(fd) if fd.roles == topo.role => fd,
            _ => match FdMatrices::build(net, &topo.role, variant) {
                Ok(fd) => fd,
                Err(_) => return singular,
            },
        };
        self.specified_injections(net);
        let n = self.v.len();
        let mut vm: Vec<f64> = self.v.iter().map(|v| v.norm()).collect();
        let mut va: Vec<f64> = self.v.iter().map(|v| v.arg()).collect();
        let mut dp = vec![0.0; fd.bp.len()];
        let mut dq = vec![0.0; fd.bpp.len()];
        // Scaled mismatches ΔP/|V| at B′'s buses and ΔQ/|V| at B″'s, and their ∞-norms.
        let scaled = |this: &mut Self, vm: &[f64], dp: &mut [f64], dq: &mut [f64]| {
            this.ybus.mul(&this.v, &mut this.i_bus);
            let (mut np, mut nq) = (0.0f64, 0.0f64);
            for i in 0..n {
                let (rp, rq) = (fd.bp.var[i], fd.bpp.var[i]);
                if rp == NONE {
                    continue;
                }
                let mis = (this.v[i] * this.i_bus[i].conj() - this.s_spec[i]) / vm[i];
                dp[rp as usize] = mis.re;
                np = if mis.re.is_nan() {
                    f64::NAN
                } else {
                    np.max(mis.re.abs())
                };
                if rq != NONE {
                    dq[rq as usize] = mis.im;
                    nq = if mis.im.is_nan() {
                        f64::NAN
                    } else {
                        nq.max(mis.im.abs())
                    };
                }
            }
            (np, nq)
        };
        let tol = self.settings.tol_pu;
        let (mut np, mut nq) = scaled(self, &vm, &mut dp, &mut dq);
        let mut it = 0;
        let mut status = PfStatus::MaxIterations;
        let mut half = 0;
        loop {
            if np < tol && nq < tol {
                status = PfStatus::Converged;
                break;
            }
            let worst = np.max(nq);
            if np.is_nan() || nq.is_nan() || worst > self.settings.divergence_pu {
                status = PfStatus::Diverged;
                break;
            }
            if half == 0 {
                if it >= self.settings.fd_max_iter {
                    break;
                }
                it += 1;
            }
            // Half-iteration: P (angles) then Q (magnitudes).
            let (b, rhs) = if half == 0 {
                (&fd.bp, &mut dp)
            } else {
                (&fd.bpp, &mut dq)
            };
            if b.solve_in_place(rhs).is_err() {
                status = PfStatus::Singular;
                break;
            }
            for i in 0..n {
                let r = b.var[i];
                if r == NONE {
                    continue;
                }
                if half == 0 {
                    va[i] -= rhs[r as usize];
                } else {
                    vm[i] -= rhs[r as usize];
                }
                self.v[i] = Complex64::from_polar(vm[i], va[i]);
            }
            half = 1 - half;
            (np, nq) = scaled(self, &vm, &mut dp, &mut dq);
        }
        self.fd = Some(fd);
        // Report the unscaled mismatch, as Newton–Raphson does.
        let mut norm = 0.0f64;
        for i in 0..n {
            if matches!(topo.role[i], BusRole::Pv | BusRole::Pq) {
                let mis = self.v[i] * self.i_bus[i].conj() - self.s_spec[i];
                norm = norm.max(mis.re.abs());
                if topo.role[i] == BusRole::Pq {
                    norm = norm.max(mis.im.abs());
                }
            }
        }
        NewtonOutcome {
            status,
            iterations: it,
            max_mismatch_pu: if norm.is_nan() { f64::NAN } else { norm },
        }
    }

    /// Generator (P, Q) in p.u. after a solve, as MATPOWER's `pfsoln` assigns them.
    fn gen_outputs(&self, net: &Network, topo: &Topology) -> (Vec<f64>, Vec<f64>) {
        let ng = net.n_gen();
        let mut pg = vec![0.0; ng];
        let mut qg = vec![0.0; ng];
        // Injections at the buses of the voltage-controlling generators.
        let mut on_at_bus: Vec<Vec<usize>> = vec![Vec::new(); net.n_bus()];
        for g in 0..ng {
            if !net.gen_connected(g) || topo.role[net.gen_bus[g]] == BusRole::Dead {
                continue;
            }
            pg[g] = net.pg_pu[g];
            qg[g] = net.qg_pu[g];
            if matches!(topo.role[net.gen_bus[g]], BusRole::Ref | BusRole::Pv) {
                on_at_bus[net.gen_bus[g]].push(g);
            }
        }
        for (b, gens) in on_at_bus.iter().enumerate() {
            if gens.is_empty() {
                continue;
            }
            let s = self.v[b] * self.i_bus[b].conj();
            let q_tot = s.im + net.qd_pu[b];
            if gens.len() == 1 {
                qg[gens[0]] = q_tot;
            } else {
                share_q(net, gens, q_tot, &mut qg);
            }
            if topo.role[b] == BusRole::Ref {
                let others: f64 = gens[1..].iter().map(|&g| net.pg_pu[g]).sum();
                pg[gens[0]] = s.re + net.pd_pu[b] - others;
            }
        }
        (pg, qg)
    }

    /// Builds the result from `self.v` after a Newton solve.
    fn finish(
        &mut self,
        net: &Network,
        topo: &Topology,
        out: NewtonOutcome,
        limited: Vec<usize>,
        mut diagnostics: Vec<String>,
    ) -> PowerFlowResult {
        let pu = net.per_unit();
        self.ybus.mul(&self.v, &mut self.i_bus);
        let (pg, qg) = self.gen_outputs(net, topo);
        let nb = net.n_bus();
        let energized: Vec<bool> = (0..nb).map(|i| topo.role[i] != BusRole::Dead).collect();
        let mut vm = vec![0.0; nb];
        let mut va = vec![0.0; nb];
        for i in 0..nb {
            if energized[i] {
                vm[i] = self.v[i].norm();
                va[i] = PerUnit::rad_to_deg(self.v[i].arg());
            }
        }
        let nl = net.n_branch();
        let (mut pf, mut qf, mut pt, mut qt) =
            (vec![0.0; nl], vec![0.0; nl], vec![0.0; nl], vec![0.0; nl]);
        for k in 0..nl {
            let (f, t) = (net.br_from[k], net.br_to[k]);
            if !net.branch_connected(k) || !energized[f] {
                continue;
            }
            let y = &self.ybus.branch_y[k];
            let (vf, vt) = (self.v[f], self.v[t]);
            let sf = vf * (y.ff * vf + y.ft * vt).conj();
            let st = vt * (y.tf * vf + y.tt * vt).conj();
            pf[k] = pu.to_mw(sf.re);
            qf[k] = pu.to_mw(sf.im);
            pt[k] = pu.to_mw(st.re);
            qt[k] = pu.to_mw(st.im);
        }
        let mut unserved = 0.0;
        for isl in topo.islands.iter().filter(|i| !i.energized) {
            let load: f64 = isl.buses.iter().map(|&i| net.pd_pu[i]).sum();
            unserved += load;
            let ids: Vec<String> = isl
                .buses
                .iter()
                .take(10)
                .map(|&i| net.bus_id[i].to_string())
                .collect();
            diagnostics.push(format!(
                "island of {} bus(es) [{}{}] has no generation: de-energised, {:.3} MW unserved",
                isl.buses.len(),
                ids.join(", "),
                if isl.buses.len() > 10 { ", …" } else { "" },
                pu.to_mw(load)
            ));
        }
        PowerFlowResult {
            status: out.status,
            iterations: out.iterations,
            max_mismatch_pu: out.max_mismatch_pu,
            vm_pu: vm,
            va_deg: va,
            energized,
            pg_mw: pg.iter().map(|&x| pu.to_mw(x)).collect(),
            qg_mvar: qg.iter().map(|&x| pu.to_mw(x)).collect(),
            pf_mw: pf,
            qf_mvar: qf,
            pt_mw: pt,
            qt_mvar: qt,
            q_limited_gens: limited,
            unserved_mw: pu.to_mw(unserved),
            n_islands: topo.islands.len(),
            n_energized_islands: topo.n_energized(),
            diagnostics,
        }
    }
}

/// Shares a bus's total reactive output among its generators as MATPOWER's `pfsoln` does:
/// in proportion to their reactive ranges, infinite limits replaced by a finite proxy; when the
/// bus's total range is zero, the violation is shared equally.
fn share_q(net: &Network, gens: &[usize], q_tot: f64, qg: &mut [f64]) {
    let n = gens.len() as f64;
    // MATPOWER first splits equally, then builds the proxy M from |Qg| (equal share) and the
    // finite limits, summed over the bus.
    let q_each = q_tot / n;
    let mut m = 0.0;
    for &g in gens {
        let mut mg = q_each.abs();
        if net.qmax_pu[g].is_finite() {
            mg += net.qmax_pu[g].abs();
        }
        if net.qmin_pu[g].is_finite() {
            mg += net.qmin_pu[g].abs();
        }
        m += mg;
    }
    let lim = |x: f64| -> f64 {
        if x == f64::INFINITY {
            m
        } else if x == f64::NEG_INFINITY {
            -m
        } else {
            x
        }
    };
    let qmin: Vec<f64> = gens.iter().map(|&g| lim(net.qmin_pu[g])).collect();
    let qmax: Vec<f64> = gens.iter().map(|&g| lim(net.qmax_pu[g])).collect();
    let qg_min: f64 = qmin.iter().sum();
    let qg_max: f64 = qmax.iter().sum();
    // Sum of equal shares, as MATPOWER recomputes it.
    let q_total: f64 = gens.iter().map(|_| q_each).sum();
    if (qg_min - qg_max).abs() < 10.0 * f64::EPSILON {
        for (k, &g) in gens.iter().enumerate() {
            qg[g] = qmin[k] + (q_total - qg_min) / n;
        }
    } else {
        let frac = (q_total - qg_min) / (qg_max - qg_min + f64::EPSILON);
        for (k, &g) in gens.iter().enumerate() {
            qg[g] = qmin[k] + frac * (qmax[k] - qmin[k]);
        }
    }
}
