//! Lossless economic dispatch by equal incremental cost (merit order): closed form, no LP.
//!
//! # Problem
//!
//! For every energised island `I` of the network (see [`crate::topology`]) and its available
//! generators `G_I`, with `P` in MW and costs in $/h:
//!
//! ```text
//! minimise    Σ_{g ∈ G_I} c_g(P_g)
//! subject to  Σ_{g ∈ G_I} P_g = D_I                    (λ_I, the island's system lambda)
//!             Pmin_g ≤ P_g ≤ Pmax_g
//! D_I = Σ_{i ∈ I} (Pd_i + Gs_i) · baseMVA
//! ```
//!
//! i.e. the DC OPF of [`crate::opf`] without branch ratings or angle limits (a copper plate
//! per island; losses ignored). `D_I` counts the shunt conductance `Gs` at 1 p.u. voltage as
//! load, as MATPOWER's DC model (and [`crate::opf::DcOpf`]) does, and `Pd` may be negative
//! (embedded generation). Costs are the case's convex ones: `c_g(P) = c2 P² + c1 P + c0` with
//! `c2 ≥ 0` (linear when `c2 = 0`), or piecewise linear, read as the largest of its segment
//! lines (MATPOWER's constrained cost variable; a non-convex curve thereby becomes convex).
//!
//! # Method
//!
//! For a price `λ` ($/MWh) each generator's best response is the set of minimisers of
//! `c_g(P) − λ P` on `[Pmin_g, Pmax_g]`, an interval `[p_g⁻(λ), p_g⁺(λ)]`:
//!
//! - quadratic (`c2 > 0`): the point `clamp((λ − c1) / (2 c2), Pmin, Pmax)`;
//! - linear (`c2 = 0`): `Pmin` for `λ < c1`, `Pmax` for `λ > c1`, all of `[Pmin, Pmax]` at
//!   `λ = c1`;
//! - piecewise linear, with upper-envelope slopes `m_1 < … < m_K` and breakpoints
//!   `b_1 < … < b_{K−1}` (`b_0 = −∞`, `b_K = +∞`): `clamp(b_k)` for `m_k < λ < m_{k+1}`, and
//!   `[clamp(b_{k−1}), clamp(b_k)]` at `λ = m_k`.
//!
//! `S⁻(λ) = Σ p_g⁻(λ)` and `S⁺(λ) = Σ p_g⁺(λ)` are non-decreasing, and between consecutive
//! *breakpoints* — `c1 + 2 c2 Pmin` and `c1 + 2 c2 Pmax` of a quadratic unit, `c1` of a linear
//! one, every `m_k` of a piecewise-linear one — `S⁻ = S⁺` is affine. The optimum is the `λ*`
//! with `S⁻(λ*) ≤ D ≤ S⁺(λ*)` (the KKT conditions of the problem above), found exactly:
//!
//! 1. `Σ Pmax < D`: every unit at `Pmax`, `D − Σ Pmax` shed ([`IslandStatus::Shed`]);
//!    `Σ Pmin > D`: every unit at `Pmin`, `Σ Pmin − D` in excess ([`IslandStatus::Excess`]).
//! 2. Otherwise the island's breakpoints are sorted and bisected for the first `λ_k` with
//!    `S⁺(λ_k) ≥ D`.
//!    - If `S⁻(λ_k) ≤ D`, then `λ* = λ_k`: some units are *marginal* with an interval; the
//!      remainder `r = D − S⁻(λ*)` is shared among them in proportion to their free range
//!      `p_g⁺ − p_g⁻`, i.e. `P_g = p_g⁻ + (p_g⁺ − p_g⁻) · r / (S⁺ − S⁻)` (deterministic; the
//!      cost is the same for any split, since on those intervals every cost has slope `λ*`).
//!    - Otherwise `λ*` lies strictly between `λ_{k−1}` and `λ_k`, where the units on their
//!      quadratic ramp `R` respond linearly and the others are fixed at `P_f`:
//!      `λ* = (D − Σ_f P_f + Σ_{g∈R} c1_g / (2 c2_g)) / Σ_{g∈R} 1 / (2 c2_g)`.
//!
//! The result is the optimum of the DC OPF without branch limits (same cost, same λ, and the
//! same dispatch wherever that is unique); `networks/tests/dispatch.rs` checks it against
//! [`crate::opf::EconomicDispatch`] on the shipped cases. The cost is `O(n_g log n_g)` per
//! solve (one sort of the breakpoints, which depend on the current `Pmin`/`Pmax`), with no
//! allocation once the first solve of a topology has sized the buffers.
//!
//! Two prices are conventions, as in the penalised OPF ([`crate::opf::Penalties`]): a
//! shedding island is priced at the value of lost load, one with excess at minus the
//! curtailment price ([`DispatchSettings`]); an island without available generation gets NaN.
//!
//! Not to be confused with [`crate::opf::EconomicDispatch`], the same problem solved as a
//! DC OPF on HiGHS (general, slower, and the reference this one is tested against).

use crate::case::{BusId, Case};
use crate::error::NetworkError;
use crate::network::Network;
use crate::opf::cost::{compile, Cost};
use crate::topology::TopologyCache;

/// Configuration of [`EconomicDispatch`]: the prices reported where the demand cannot be
/// balanced.
#[derive(Debug, Clone, PartialEq)]
pub struct DispatchSettings {
    /// Price of an island that sheds load, $/MWh. Default 10,000 (as
    /// [`crate::opf::Penalties`]).
    pub voll_usd_per_mwh: f64,
    /// An island whose demand is below its units' `Σ Pmin` is priced at minus this, $/MWh.
    /// Default 1,000 (as [`crate::opf::Penalties`]).
    pub curtailment_usd_per_mwh: f64,
}

impl Default for DispatchSettings {
    fn default() -> Self {
        DispatchSettings {
            voll_usd_per_mwh: 10_000.0,
            curtailment_usd_per_mwh: 1_000.0,
        }
    }
}

impl DispatchSettings {
    /// Checks every field; returns all problems at once.
    pub fn validate(&self) -> Result<(), Vec<String>> {
        let mut p = Vec::new();
        for (name, v) in [
            ("voll_usd_per_mwh", self.voll_usd_per_mwh),
            ("curtailment_usd_per_mwh", self.curtailment_usd_per_mwh),
        ] {
            if !v.is_finite() {
                p.push(format!("{name} must be finite, found {v}"));
            }
        }
        if p.is_empty() {
            Ok(())
        } else {
            Err(p)
        }
    }
}

/// How a dispatch ended, over all islands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DispatchStatus {
    /// Every island with load or generation is balanced by its own available units within
    /// their limits.
    Balanced,
    /// Some island could not be balanced: see [`DispatchResult::island_status`],
    /// `shed_mw` and `excess_mw`. The dispatch is still the best one possible.
    Imbalanced,
    /// The network or the availability mask cannot be used (other dimensions than at setup,
    /// a non-finite load or limit, `Pmin > Pmax`); see `diagnostics`. Nothing was dispatched.
    InvalidInput,
}

/// How one island was dispatched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IslandStatus {
    /// Demand met exactly, every unit within its limits.
    Balanced,
    /// Demand above `Σ Pmax` of the available units: all at `Pmax`, the rest shed.
    Shed,
    /// Demand below `Σ Pmin` of the available units: all at `Pmin`, the surplus in excess.
    Excess,
    /// No available generator: a positive demand is all shed, a negative one all excess.
    NoGeneration,
}

/// The outcome of [`EconomicDispatch::solve`]. Per-generator vectors follow the case's gen
/// order; per-island vectors the islands of [`crate::topology::Topology`] (ordered by their
/// lowest bus index), or a single entry for [`EconomicDispatch::solve_copper_plate`].
///
/// Signs: output positive when injected; demand positive when consumed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DispatchResult {
    /// Outcome.
    pub status: DispatchStatus,
    /// Generator active output, MW; 0 for a unit disconnected, unavailable or in an island
    /// that is not dispatched.
    pub pg_mw: Vec<f64>,
    /// Per island: its first (lowest-index) bus, as the case numbers it.
    pub island_bus_id: Vec<BusId>,
    /// Per island: outcome.
    pub island_status: Vec<IslandStatus>,
    /// Per island: demand `Σ (Pd + Gs)`, MW.
    pub demand_mw: Vec<f64>,
    /// Per island: system lambda, $/MWh (VOLL when shedding, −curtailment price in excess,
    /// NaN without generation).
    pub lambda_usd_per_mwh: Vec<f64>,
    /// Per island: demand not served, MW (≥ 0).
    pub shed_mw: Vec<f64>,
    /// Per island: generation forced by `Pmin` (or negative demand) that the island cannot
    /// absorb, MW (≥ 0). Per island `Σ P_g + shed − excess = demand`.
    pub excess_mw: Vec<f64>,
    /// Generation cost of the dispatched units, `Σ c_g(P_g)` including constant terms, $/h.
    /// NaN for `InvalidInput`.
    pub cost_usd_per_h: f64,
    /// Why the input was refused (empty otherwise).
    pub diagnostics: Vec<String>,
}

impl DispatchResult {
    fn empty(ng: usize) -> Self {
        DispatchResult {
            status: DispatchStatus::InvalidInput,
            pg_mw: vec![0.0; ng],
            island_bus_id: Vec::new(),
            island_status: Vec::new(),
            demand_mw: Vec::new(),
            lambda_usd_per_mwh: Vec::new(),
            shed_mw: Vec::new(),
            excess_mw: Vec::new(),
            cost_usd_per_h: f64::NAN,
            diagnostics: Vec::new(),
        }
    }

    /// Total load shed, MW.
    pub fn total_shed_mw(&self) -> f64 {
        self.shed_mw.iter().sum()
    }

    /// Total excess, MW.
    pub fn total_excess_mw(&self) -> f64 {
        self.excess_mw.iter().sum()
    }

    /// Total demand, MW.
    pub fn total_demand_mw(&self) -> f64 {
        self.demand_mw.iter().sum()
    }
}

/// A unit's marginal-cost curve, as the dispatch uses it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Curve {
    /// `c2 P² + c1 P + c0`, `c2 ≥ 0`.
    Quad { c2: f64, c1: f64 },
    /// Upper-envelope segments `first .. first + len` of [`EconomicDispatch::seg`].
    Pwl { first: usize, len: usize },
}

/// One segment of a piecewise-linear upper envelope: slope `m`, $/MWh, active on
/// `[lo_mw, hi_mw]` (`−∞` and `+∞` at the ends).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Segment {
    m: f64,
    lo_mw: f64,
    hi_mw: f64,
}

/// A lossless economic dispatch of one network structure, reused at every step.
///
/// Build it once from the [`Network`] and its [`Case`] (for the costs); then, after changing
/// loads (`pd_pu`), limits (`pmin_pu`, `pmax_pu`) or in-service flags, call
/// [`EconomicDispatch::solve`]. The island search is redone only when branch or generator
/// in-service flags, generator buses or bus types change.
///
/// ```
/// use gridsim_networks::{matpower, Network};
/// use gridsim_networks::dispatch::{DispatchStatus, EconomicDispatch};
/// let case = matpower::parse_str(include_str!("../cases/matpower/case9.m"), "case9.m").unwrap();
/// let mut net = Network::from_case(&case).unwrap();
/// let mut ed = EconomicDispatch::new(&net, &case).unwrap();
/// let r = ed.solve(&net, None);
/// assert_eq!(r.status, DispatchStatus::Balanced);
/// assert!((r.pg_mw.iter().sum::<f64>() - 315.0).abs() < 1e-9); // case9's load
/// let lambda = r.lambda_usd_per_mwh[0];
/// net.pd_pu[4] += 0.1; // 10 MW more at bus 5
/// let r = ed.solve(&net, None);
/// assert!(r.lambda_usd_per_mwh[0] > lambda);
/// ```
#[derive(Debug, Clone)]
pub struct EconomicDispatch {
    settings: DispatchSettings,
    costs: Vec<Cost>,
    curves: Vec<Curve>,
    seg: Vec<Segment>,
    dims: (usize, usize, usize),
    topo: TopologyCache,
    // Scratch, sized at construction or at the first solve of a topology.
    gen_island: Vec<usize>,
    island_start: Vec<usize>,
    island_gens: Vec<usize>,
    breakpoints: Vec<f64>,
    result: DispatchResult,
}

const NO_ISLAND: usize = usize::MAX;

impl EconomicDispatch {
    /// Prepares a dispatch of `case` compiled as `net`, with default settings. Fails, listing
    /// every problem, when a cost cannot be used (missing, of degree above 2, `c2 < 0`,
    /// malformed piecewise-linear points) or `net` is not `case`'s size.
    pub fn new(net: &Network, case: &Case) -> Result<EconomicDispatch, NetworkError> {
        EconomicDispatch::with_settings(net, case, DispatchSettings::default())
    }

    /// As [`EconomicDispatch::new`], with `settings`.
    pub fn with_settings(
        net: &Network,
        case: &Case,
        settings: DispatchSettings,
    ) -> Result<EconomicDispatch, NetworkError> {
        let mut problems = settings.validate().err().unwrap_or_default();
        let ng = net.n_gen();
        if case.gen.len() != ng || case.bus.len() != net.n_bus() {
            problems.push(format!(
                "the network has {} buses and {ng} generators but the case {} and {}",
                net.n_bus(),
                case.bus.len(),
                case.gen.len()
            ));
            return Err(NetworkError::InvalidData(problems));
        }
        let gen_bus_id: Vec<BusId> = net.gen_bus.iter().map(|&b| net.bus_id[b]).collect();
        let costs = match compile(&case.gencost, &gen_bus_id) {
            Ok(c) => c,
            Err(mut p) => {
                problems.append(&mut p);
                return Err(NetworkError::InvalidData(problems));
            }
        };
        if !problems.is_empty() {
            return Err(NetworkError::InvalidData(problems));
        }
        let mut seg = Vec::new();
        let curves = costs
            .iter()
            .map(|c| match c {
                Cost::Poly { c2, c1, .. } => Curve::Quad { c2: *c2, c1: *c1 },
                Cost::Pwl { lines } => {
                    let first = seg.len();
                    upper_envelope(lines, &mut seg);
                    Curve::Pwl {
                        first,
                        len: seg.len() - first,
                    }
                }
            })
            .collect::<Vec<_>>();
        let n_bp: usize = curves
            .iter()
            .map(|c| match c {
                Curve::Quad { .. } => 2,
                Curve::Pwl { len, .. } => *len,
            })
            .sum();
        Ok(EconomicDispatch {
            settings,
            costs,
            curves,
            seg,
            dims: (net.n_bus(), ng, net.n_branch()),
            topo: TopologyCache::default(),
            gen_island: vec![NO_ISLAND; ng],
            island_start: Vec::new(),
            island_gens: Vec::with_capacity(ng),
            breakpoints: Vec::with_capacity(n_bp),
            result: DispatchResult::empty(ng),
        })
    }

    /// The settings.
    pub fn settings(&self) -> &DispatchSettings {
        &self.settings
    }

    /// The last result (as returned by the last solve).
    pub fn result(&self) -> &DispatchResult {
        &self.result
    }

    /// Dispatches every island of `net` as it now is against its own demand
    /// `Σ (Pd + Gs)`. A generator takes part when it is connected
    /// ([`Network::gen_connected`]) and, if `available` is given (one flag per generator,
    /// case order), flagged available. Never panics: bad input gives
    /// [`DispatchStatus::InvalidInput`].
    pub fn solve(&mut self, net: &Network, available: Option<&[bool]>) -> &DispatchResult {
        if self.check_input(net, available) {
            return &self.result;
        }
        let base = net.base_mva;
        let topo = self.topo.get(net);
        let n_isl = topo.islands.len();
        let r = &mut self.result;
        r.island_bus_id.clear();
        r.island_status.clear();
        r.demand_mw.clear();
        for isl in &topo.islands {
            r.island_bus_id.push(net.bus_id[isl.buses[0]]);
            r.demand_mw.push(
                isl.buses
                    .iter()
                    .map(|&i| net.pd_pu[i] + net.gs_pu[i])
                    .sum::<f64>()
                    * base,
            );
        }
        for (g, gi) in self.gen_island.iter_mut().enumerate() {
            *gi = match topo.island_of_bus[net.gen_bus[g]] {
                Some(k) if net.gen_connected(g) && available.is_none_or(|a| a[g]) => k,
                _ => NO_ISLAND,
            };
        }
        self.group_by_island(n_isl);
        self.dispatch_groups(net);
        &self.result
    }

    /// Dispatches all connected (and available) generators as one copper plate, ignoring
    /// the network's topology, against `demand_mw`; the result has a single island entry
    /// (its bus id the case's first bus). For markets cleared on a system-wide demand.
    pub fn solve_copper_plate(
        &mut self,
        net: &Network,
        demand_mw: f64,
        available: Option<&[bool]>,
    ) -> &DispatchResult {
        if self.check_input(net, available) {
            return &self.result;
        }
        if !demand_mw.is_finite() {
            self.result = DispatchResult::empty(self.dims.1);
            self.result
                .diagnostics
                .push(format!("demand must be finite, found {demand_mw} MW"));
            return &self.result;
        }
        let r = &mut self.result;
        r.island_bus_id.clear();
        r.island_status.clear();
        r.demand_mw.clear();
        r.island_bus_id
            .push(net.bus_id.first().copied().unwrap_or(0));
        r.demand_mw.push(demand_mw);
        for (g, gi) in self.gen_island.iter_mut().enumerate() {
            *gi = if net.gen_connected(g) && available.is_none_or(|a| a[g]) {
                0
            } else {
                NO_ISLAND
            };
        }
        self.group_by_island(1);
        self.dispatch_groups(net);
        &self.result
    }

    /// Checks dimensions and numbers; on a problem fills `result` as `InvalidInput` and
    /// returns true.
    fn check_input(&mut self, net: &Network, available: Option<&[bool]>) -> bool {
        let (nb, ng, nl) = self.dims;
        let usable = |g: usize| net.gen_connected(g) && available.is_none_or(|a| a[g]);
        let ok = (net.n_bus(), net.n_gen(), net.n_branch()) == self.dims
            && available.is_none_or(|a| a.len() == ng)
            && net.base_mva.is_finite()
            && net.base_mva > 0.0
            && net.pd_pu.iter().chain(&net.gs_pu).all(|x| x.is_finite())
            && (0..ng).all(|g| {
                let (lo, hi) = (net.pmin_pu[g], net.pmax_pu[g]);
                !usable(g) || (lo.is_finite() && hi.is_finite() && lo <= hi)
            });
        if ok {
            return false;
        }
        // The failure path may allocate: say everything that is wrong.
        let mut d = Vec::new();
        if (net.n_bus(), net.n_gen(), net.n_branch()) != self.dims {
            d.push(format!(
                "the network has {} buses, {} generators, {} branches; the dispatch was built for \
                 {nb}, {ng}, {nl}",
                net.n_bus(),
                net.n_gen(),
                net.n_branch()
            ));
        } else {
            if let Some(a) = available.filter(|a| a.len() != ng) {
                d.push(format!(
                    "availability mask has {} entries for {ng} generators",
                    a.len()
                ));
            }
            if !(net.base_mva.is_finite() && net.base_mva > 0.0) {
                d.push(format!("baseMVA must be positive, found {}", net.base_mva));
            }
            for i in 0..nb {
                if !(net.pd_pu[i].is_finite() && net.gs_pu[i].is_finite()) {
                    d.push(format!("bus {}: non-finite Pd or Gs", net.bus_id[i]));
                }
            }
            let avail = |g: usize| available.is_none_or(|a| a.get(g).copied().unwrap_or(true));
            for g in 0..ng {
                if net.gen_connected(g) && avail(g) {
                    let (lo, hi) = (net.pmin_pu[g], net.pmax_pu[g]);
                    if !(lo.is_finite() && hi.is_finite()) {
                        d.push(format!(
                            "generator {} at bus {}: Pmin and Pmax must be finite, found {} and {} MW",
                            g + 1,
                            net.bus_id[net.gen_bus[g]],
                            lo * net.base_mva,
                            hi * net.base_mva
                        ));
                    } else if lo > hi {
                        d.push(format!(
                            "generator {} at bus {}: Pmin {} MW above Pmax {} MW",
                            g + 1,
                            net.bus_id[net.gen_bus[g]],
                            lo * net.base_mva,
                            hi * net.base_mva
                        ));
                    }
                }
            }
        }
        self.result = DispatchResult::empty(ng);
        self.result.diagnostics = d;
        true
    }

    /// Counting sort of the participating generators by island (`gen_island`), in gen order
    /// within an island: `island_gens[island_start[k]..island_start[k + 1]]`.
    fn group_by_island(&mut self, n_isl: usize) {
        self.island_start.clear();
        self.island_start.resize(n_isl + 1, 0);
        for &k in &self.gen_island {
            if k != NO_ISLAND {
                self.island_start[k + 1] += 1;
            }
        }
        for k in 0..n_isl {
            self.island_start[k + 1] += self.island_start[k];
        }
        let n_on = self.island_start[n_isl];
        self.island_gens.clear();
        self.island_gens.resize(n_on, 0);
        // Fill with a moving cursor per island, kept in `island_start[k]` then restored.
        for (g, &k) in self.gen_island.iter().enumerate() {
            if k != NO_ISLAND {
                self.island_gens[self.island_start[k]] = g;
                self.island_start[k] += 1;
            }
        }
        for k in (1..=n_isl).rev() {
            self.island_start[k] = self.island_start[k - 1];
        }
        self.island_start[0] = 0;
    }

    /// Dispatches each group against `result.demand_mw`, filling the rest of `result`.
    fn dispatch_groups(&mut self, net: &Network) {
        let base = net.base_mva;
        let n_isl = self.result.demand_mw.len();
        let r = &mut self.result;
        r.status = DispatchStatus::Balanced;
        r.diagnostics.clear();
        r.pg_mw.iter_mut().for_each(|p| *p = 0.0);
        r.lambda_usd_per_mwh.clear();
        r.shed_mw.clear();
        r.excess_mw.clear();
        let mut cost = 0.0;
        let units = Units {
            curves: &self.curves,
            seg: &self.seg,
            pmin_pu: &net.pmin_pu,
            pmax_pu: &net.pmax_pu,
            base,
        };
        for k in 0..n_isl {
            let gens = &self.island_gens[self.island_start[k]..self.island_start[k + 1]];
            let d = r.demand_mw[k];
            let out = if gens.is_empty() {
                IslandOutcome {
                    status: IslandStatus::NoGeneration,
                    lambda: f64::NAN,
                    shed_mw: d.max(0.0),
                    excess_mw: (-d).max(0.0),
                }
            } else {
                units.balance(gens, d, &self.settings, &mut self.breakpoints, &mut r.pg_mw)
            };
            for &g in gens {
                cost += self.costs[g].at(r.pg_mw[g]);
            }
            let idle = gens.is_empty() && d == 0.0;
            if out.status != IslandStatus::Balanced && !idle {
                r.status = DispatchStatus::Imbalanced;
            }
            r.island_status.push(if idle {
                IslandStatus::Balanced
            } else {
                out.status
            });
            r.lambda_usd_per_mwh.push(out.lambda);
            r.shed_mw.push(out.shed_mw);
            r.excess_mw.push(out.excess_mw);
        }
        r.cost_usd_per_h = cost;
    }
}

struct IslandOutcome {
    status: IslandStatus,
    lambda: f64,
    shed_mw: f64,
    excess_mw: f64,
}

/// The units' curves and the network's current limits, MW.
struct Units<'a> {
    curves: &'a [Curve],
    seg: &'a [Segment],
    pmin_pu: &'a [f64],
    pmax_pu: &'a [f64],
    base: f64,
}

impl Units<'_> {
    fn limits_mw(&self, g: usize) -> (f64, f64) {
        (self.pmin_pu[g] * self.base, self.pmax_pu[g] * self.base)
    }

    /// The best-response interval `[p⁻(λ), p⁺(λ)]` of unit `g`, MW.
    fn response(&self, g: usize, lambda: f64) -> (f64, f64) {
        let (pmin, pmax) = self.limits_mw(g);
        let clamp = |p: f64| p.max(pmin).min(pmax);
        match self.curves[g] {
            Curve::Quad { c2, c1 } => {
                if c2 > 0.0 {
                    let p = clamp((lambda - c1) / (2.0 * c2));
                    (p, p)
                } else if lambda < c1 {
                    (pmin, pmin)
                } else if lambda > c1 {
                    (pmax, pmax)
                } else {
                    (pmin, pmax)
                }
            }
            Curve::Pwl { first, len } => {
                let segs = &self.seg[first..first + len];
                // Left end: start of the first segment with m ≥ λ; right end: end of the last
                // segment with m ≤ λ.
                let lo = segs
                    .iter()
                    .find(|s| s.m >= lambda)
                    .map_or(f64::INFINITY, |s| s.lo_mw);
                let hi = segs
                    .iter()
                    .rev()
                    .find(|s| s.m <= lambda)
                    .map_or(f64::NEG_INFINITY, |s| s.hi_mw);
                (clamp(lo), clamp(hi))
            }
        }
    }

    /// `(S⁻(λ), S⁺(λ))` over `gens`.
    fn sums(&self, gens: &[usize], lambda: f64) -> (f64, f64) {
        gens.iter().fold((0.0, 0.0), |(a, b), &g| {
            let (lo, hi) = self.response(g, lambda);
            (a + lo, b + hi)
        })
    }

    /// Balances `gens` against `d` MW, writing their outputs into `pg_mw`.
    fn balance(
        &self,
        gens: &[usize],
        d: f64,
        settings: &DispatchSettings,
        bp: &mut Vec<f64>,
        pg_mw: &mut [f64],
    ) -> IslandOutcome {
        let (mut cap_min, mut cap_max) = (0.0, 0.0);
        for &g in gens {
            let (lo, hi) = self.limits_mw(g);
            cap_min += lo;
            cap_max += hi;
        }
        if d > cap_max {
            for &g in gens {
                pg_mw[g] = self.limits_mw(g).1;
            }
            return IslandOutcome {
                status: IslandStatus::Shed,
                lambda: settings.voll_usd_per_mwh,
                shed_mw: d - cap_max,
                excess_mw: 0.0,
            };
        }
        if d < cap_min {
            for &g in gens {
                pg_mw[g] = self.limits_mw(g).0;
            }
            return IslandOutcome {
                status: IslandStatus::Excess,
                lambda: -settings.curtailment_usd_per_mwh,
                shed_mw: 0.0,
                excess_mw: cap_min - d,
            };
        }
        // Breakpoints of S(λ), sorted and deduplicated.
        bp.clear();
        for &g in gens {
            let (pmin, pmax) = self.limits_mw(g);
            match self.curves[g] {
                Curve::Quad { c2, c1 } => {
                    bp.push(c1 + 2.0 * c2 * pmin);
                    if c2 > 0.0 {
                        bp.push(c1 + 2.0 * c2 * pmax);
                    }
                }
                Curve::Pwl { first, len } => {
                    bp.extend(self.seg[first..first + len].iter().map(|s| s.m));
                }
            }
        }
        bp.sort_unstable_by(f64::total_cmp);
        bp.dedup();
        // First k with S⁺(λ_k) ≥ d; S⁺ at the last breakpoint is Σ Pmax ≥ d.
        let (mut lo, mut hi) = (0, bp.len() - 1);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.sums(gens, bp[mid]).1 >= d {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        let k = lo;
        let (s_lo, s_hi) = self.sums(gens, bp[k]);
        if s_lo <= d || k == 0 {
            // λ* = λ_k; share the remainder among the marginal units by free range.
            let lambda = bp[k];
            let free = s_hi - s_lo;
            let share = if free > 0.0 {
                ((d - s_lo) / free).clamp(0.0, 1.0)
            } else {
                0.0
            };
            for &g in gens {
                let (a, b) = self.response(g, lambda);
                pg_mw[g] = a + (b - a) * share;
            }
            return balanced(lambda);
        }
        // λ* strictly inside (λ_{k−1}, λ_k): ramping quadratic units respond linearly.
        let (l0, l1) = (bp[k - 1], bp[k]);
        let mid = 0.5 * (l0 + l1);
        let (mut fixed_mw, mut inv_sum, mut c1_over_sum) = (0.0, 0.0, 0.0);
        for &g in gens {
            match self.ramp(g, mid) {
                Some((c2, c1)) => {
                    inv_sum += 1.0 / (2.0 * c2);
                    c1_over_sum += c1 / (2.0 * c2);
                }
                None => fixed_mw += self.response(g, mid).0,
            }
        }
        let lambda = if inv_sum > 0.0 {
            ((d - fixed_mw + c1_over_sum) / inv_sum).clamp(l0, l1)
        } else {
            mid // unreachable in exact arithmetic: S would be flat on (λ_{k−1}, λ_k)
        };
        // The fixed units keep their value on the open interval (at `mid`), even where
        // rounding put λ on its end: a step there would unbalance the island.
        for &g in gens {
            pg_mw[g] = match self.ramp(g, mid) {
                Some((c2, c1)) => {
                    let (pmin, pmax) = self.limits_mw(g);
                    ((lambda - c1) / (2.0 * c2)).max(pmin).min(pmax)
                }
                None => self.response(g, mid).0,
            };
        }
        balanced(lambda)
    }

    /// `Some((c2, c1))` when unit `g` is quadratic and on its ramp at `lambda`
    /// (`c1 + 2 c2 Pmin < λ < c1 + 2 c2 Pmax`).
    fn ramp(&self, g: usize, lambda: f64) -> Option<(f64, f64)> {
        let (pmin, pmax) = self.limits_mw(g);
        match self.curves[g] {
            Curve::Quad { c2, c1 }
                if c2 > 0.0 && c1 + 2.0 * c2 * pmin < lambda && lambda < c1 + 2.0 * c2 * pmax =>
            {
                Some((c2, c1))
            }
            _ => None,
        }
    }
}

fn balanced(lambda: f64) -> IslandOutcome {
    IslandOutcome {
        status: IslandStatus::Balanced,
        lambda,
        shed_mw: 0.0,
        excess_mw: 0.0,
    }
}

/// Appends to `out` the upper envelope of the lines `m (P − x) + c` (`(m, x, c)`), by
/// increasing slope, each with the range of `P` where it is the largest.
fn upper_envelope(lines: &[(f64, f64, f64)], out: &mut Vec<Segment>) {
    // As y = m P + q, sorted by slope, the highest intercept last among equal slopes.
    let mut mq: Vec<(f64, f64)> = lines.iter().map(|&(m, x, c)| (m, c - m * x)).collect();
    mq.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut hull: Vec<(f64, f64)> = Vec::with_capacity(mq.len());
    for &(m, q) in &mq {
        if hull.last().is_some_and(|&(m_last, _)| m_last == m) {
            hull.pop(); // same slope, lower (or equal) intercept
        }
        while hull.len() >= 2 {
            let (m1, q1) = hull[hull.len() - 2];
            let (m2, q2) = hull[hull.len() - 1];
            // Line 2 never on top when line 3 overtakes line 1 no later than line 2 does:
            // (q1 − q) / (m − m1) ≤ (q1 − q2) / (m2 − m1).
            if (q1 - q) * (m2 - m1) <= (q1 - q2) * (m - m1) {
                hull.pop();
            } else {
                break;
            }
        }
        hull.push((m, q));
    }
    for j in 0..hull.len() {
        let lo_mw = if j == 0 {
            f64::NEG_INFINITY
        } else {
            (hull[j - 1].1 - hull[j].1) / (hull[j].0 - hull[j - 1].0)
        };
        let hi_mw = if j + 1 == hull.len() {
            f64::INFINITY
        } else {
            (hull[j].1 - hull[j + 1].1) / (hull[j + 1].0 - hull[j].0)
        };
        out.push(Segment {
            m: hull[j].0,
            lo_mw,
            hi_mw,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(lines: &[(f64, f64, f64)]) -> Vec<Segment> {
        let mut out = Vec::new();
        upper_envelope(lines, &mut out);
        out
    }

    #[test]
    fn convex_pwl_keeps_every_segment_with_its_breakpoints() {
        // Points (0, 0), (50, 500), (100, 1500): slopes 10 then 20, kink at 50 MW.
        let s = env(&[(10.0, 0.0, 0.0), (20.0, 50.0, 500.0)]);
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s[0].m, s[0].lo_mw, s[0].hi_mw),
            (10.0, f64::NEG_INFINITY, 50.0)
        );
        assert_eq!(
            (s[1].m, s[1].lo_mw, s[1].hi_mw),
            (20.0, 50.0, f64::INFINITY)
        );
    }

    #[test]
    fn non_convex_pwl_becomes_the_max_of_its_lines() {
        // Points (0, 0), (50, 1000), (100, 1500): slopes 20 then 10. The lines 20 P and
        // 10 P + 500 meet at 50 MW; the larger is 10 P + 500 below and 20 P above: the
        // envelope has slope 10 then 20, kink at 50 MW.
        let s = env(&[(20.0, 0.0, 0.0), (10.0, 50.0, 1000.0)]);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].m, 10.0);
        assert_eq!(s[1].m, 20.0);
        assert!((s[0].hi_mw - 50.0).abs() < 1e-12);
    }

    #[test]
    fn dominated_middle_line_is_dropped() {
        // y = 0, y = P − 10 (never on top of both others), y = 3 P − 30; y=0 and 3P−30 meet
        // at 10, where the middle line is 0: touches only, so it is dropped.
        let s = env(&[(0.0, 0.0, 0.0), (1.0, 10.0, 0.0), (3.0, 10.0, 0.0)]);
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].m, 3.0);
        assert!((s[0].hi_mw - 10.0).abs() < 1e-12);
    }
}
