//! N-1 contingency analysis of single-branch outages: DC screening by LODF and AC Newton–Raphson re-solves, in parallel, reported in MW/MVA with external bus numbers.
//!
//! # DC screening ([`DcContingencyAnalysis`], [`dc_n1`])
//!
//! The base case is a DC power flow ([`DcPowerFlow`], flows `f`). With the reduced
//! susceptance matrix factorised once ([`DcSensitivities`]), the outage of branch `o` costs one
//! sparse solve `B_r y = e_f − e_t` and one pass over the monitored branches:
//!
//! ```text
//! f'_m = f_m + LODF[m, o] f_o,      LODF[m, o] = PTDF_mo / (1 − PTDF_oo),   PTDF_xo = b_x (y_fx − y_tx)
//! ```
//!
//! — the full `n_branch × n_branch` LODF is never formed. An outage of a *bridge* (its removal
//! splits an island; `1 − PTDF_oo = 0`) is solved as the DC power flow of the split network,
//! still with the base factorisation. Let `p` be the end of `o` on the side of the island's
//! reference bus, `c` the other end, `S` the buses on `c`'s side and `g_p` the pre-outage flow
//! leaving `p` into `o`. After the outage `p` keeps `g_p` (absorbed by the reference bus) and
//! `c` loses it; if `S` holds a connected generator it becomes an island with its own
//! reference bus `s` (chosen as [`crate::topology`] chooses: its first type-2 bus with a
//! generator, else the bus of its first generator), which takes up the difference:
//!
//! ```text
//! f' = f + Bf B_r⁻¹ g_p (e_p − e_c + e_s)         (S energised)
//! f' = f + Bf B_r⁻¹ g_p e_p,  f'_S = 0,  unserved = Σ_{i∈S} Pd_i     (S de-energised)
//! ```
//!
//! Both are exact: a transfer inside one side never crosses the bridge. The few outages these
//! formulas do not cover (an island with several reference buses split between the sides, or
//! `|1 − PTDF_oo| <` [`crate::sensitivity::ISLANDING_TOL`] without a topological bridge) are
//! re-solved with a new [`DcPowerFlow`]; [`DcOutageMethod`] says which way each outage went.
//!
//! # AC ([`AcContingencyAnalysis`], [`ac_n1`])
//!
//! The base case is solved once from the case's voltages. Each outage then clones the base
//! solver — Ybus pattern, Jacobian pattern and the LU's symbolic analysis and pivot order are
//! reused whenever the outage keeps the islands — switches the branch out
//! ([`AcPowerFlow::update_network`]) and runs Newton–Raphson warm-started from the base
//! solution, whose angles are first moved by the outage's DC angle change (the solve of the
//! DC screening above, `Δθ = B_r⁻¹ (e_f − e_t) P_o / (1 − PTDF_oo)` with `P_o` the base AC
//! flow, or the split-island right-hand side) unless [`AcN1Settings::dc_warm_start`] is off:
//! on case1354pegase this takes the mean Newton iterations per outage from 2.8 to 2.4. An
//! outage that splits an island is solved too: the solver's topology gives the new island a
//! reference bus or de-energises it (its load is reported as unserved); the solver then
//! builds a new Jacobian pattern and symbolic analysis for that outage.
//!
//! # Ratings, limits and units
//!
//! A branch is overloaded when its loading, `|P| / RATE_A` (DC) or `max(|S_from|, |S_to|) /
//! RATE_A` (AC), exceeds `overload_threshold_pct`; `RATE_A = 0` means unlimited. A bus
//! violates its voltage limits when `vm < VMIN − tol` or `vm > VMAX + tol`. Reports carry the
//! external bus numbers, branch indices (0-based rows of the case's branch table), MW, MVA and
//! %. Unserved load is the load (MW) de-energised *by the outage*, beyond the base case's.
//!
//! # Determinism
//!
//! Every outage starts from the same base state (the read-only factorisation in DC; a fresh
//! clone of the base solver in AC), so results are bit-identical whatever the number of
//! threads, and reports follow the order of the outage list.
//!
//! ```
//! use gridsim_networks::contingency::{dc_n1, DcN1Settings};
//! use gridsim_networks::{matpower, Network};
//! let case = matpower::parse_str(include_str!("../cases/matpower/case9.m"), "case9.m").unwrap();
//! let net = Network::from_case(&case).unwrap();
//! let report = dc_n1(&net, None, &DcN1Settings::default()).unwrap();
//! assert_eq!(report.outages.len(), 9);
//! assert_eq!(report.summary.n_islanding, 3); // the three generator transformers
//! ```

use rayon::prelude::*;
use serde::Serialize;

use crate::acpf::{AcPfSettings, AcPowerFlow, Start};
use crate::case::{BusId, BusType};
use crate::dcpf::DcPowerFlow;
use crate::error::NetworkError;
use crate::network::{Network, PerUnit};
use crate::results::{PfStatus, PowerFlowResult};
use crate::sensitivity::{branch_list, DcSensitivities, Dfs, ISLANDING_TOL, NONE};
use crate::topology::{BusRole, Topology};

/// How the solve of one outage ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutageStatus {
    /// Solved (DC: always, unless the DC matrix is singular; AC: mismatch below tolerance).
    Converged,
    /// AC: iteration limit reached.
    MaxIterations,
    /// AC: the iterate blew up.
    Diverged,
    /// The Jacobian or B matrix was singular.
    Singular,
    /// AC: reactive limits cannot all be met.
    QLimitsInfeasible,
    /// No island with generation is left.
    NoEnergizedIsland,
    /// The branch is not connected in the base case: nothing to take out, not solved.
    NotInService,
}

impl From<PfStatus> for OutageStatus {
    fn from(s: PfStatus) -> Self {
        match s {
            PfStatus::Converged => OutageStatus::Converged,
            PfStatus::MaxIterations => OutageStatus::MaxIterations,
            PfStatus::Diverged => OutageStatus::Diverged,
            PfStatus::Singular => OutageStatus::Singular,
            PfStatus::QLimitsInfeasible => OutageStatus::QLimitsInfeasible,
            PfStatus::NoEnergizedIsland => OutageStatus::NoEnergizedIsland,
        }
    }
}

impl OutageStatus {
    /// True for `Converged`.
    pub fn is_converged(self) -> bool {
        self == OutageStatus::Converged
    }
}

/// How a DC outage was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DcOutageMethod {
    /// `f + LODF f_o` (the outage keeps the islands).
    Lodf,
    /// The split-island formulas with the base factorisation (a bridge).
    IslandSplit,
    /// A new DC power flow of the network without the branch.
    Resolved,
    /// Nothing to compute: the branch is not connected, or lies in a de-energised island.
    Unchanged,
}

/// An overloaded branch in the DC screening.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DcOverload {
    /// Branch index (0-based row of the case's branch table).
    pub branch_idx: usize,
    /// From-bus external number.
    pub from_bus: BusId,
    /// To-bus external number.
    pub to_bus: BusId,
    /// Active flow at the from end, MW (positive from → to).
    pub flow_mw: f64,
    /// Rating `RATE_A`, MVA (compared with |flow| in MW).
    pub rate_a_mva: f64,
    /// `|flow_mw| / rate_a_mva`, %.
    pub loading_pct: f64,
}

/// The worst branch loading found over a set of outages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorstLoading {
    /// Outaged branch index.
    pub outage_branch_idx: usize,
    /// Outaged branch from-bus.
    pub outage_from_bus: BusId,
    /// Outaged branch to-bus.
    pub outage_to_bus: BusId,
    /// Most loaded branch index.
    pub branch_idx: usize,
    /// Its from-bus.
    pub from_bus: BusId,
    /// Its to-bus.
    pub to_bus: BusId,
    /// Its loading, % of `RATE_A`.
    pub loading_pct: f64,
}

/// Settings of the DC screening.
#[derive(Debug, Clone, PartialEq)]
pub struct DcN1Settings {
    /// Branches checked after each outage (indices into the branch table). Default `None`:
    /// every connected branch with a rating.
    pub monitored: Option<Vec<usize>>,
    /// A branch is overloaded above this loading, % of `RATE_A`. Default 100.
    pub overload_threshold_pct: f64,
}

impl Default for DcN1Settings {
    fn default() -> Self {
        DcN1Settings {
            monitored: None,
            overload_threshold_pct: 100.0,
        }
    }
}

impl DcN1Settings {
    /// Checks the settings; returns what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.overload_threshold_pct.is_finite() && self.overload_threshold_pct > 0.0) {
            return Err(format!(
                "overload_threshold_pct must be positive and finite, got {}",
                self.overload_threshold_pct
            ));
        }
        Ok(())
    }
}

/// The DC result of one outage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DcOutageReport {
    /// Outaged branch index (0-based row of the case's branch table).
    pub branch_idx: usize,
    /// Its from-bus external number.
    pub from_bus: BusId,
    /// Its to-bus external number.
    pub to_bus: BusId,
    /// Outcome.
    pub status: OutageStatus,
    /// How it was computed.
    pub method: DcOutageMethod,
    /// The outage splits an island.
    pub islanding: bool,
    /// Pre-outage flow on the outaged branch, MW (from end).
    pub pre_flow_mw: f64,
    /// Load de-energised by the outage, MW.
    pub unserved_mw: f64,
    /// Number of overloaded monitored branches.
    pub n_overloads: usize,
    /// Highest loading among the monitored rated branches, % (0 when none is rated).
    pub max_loading_pct: f64,
    /// The branch with that loading.
    pub max_loading_branch_idx: Option<usize>,
    /// The overloaded branches, in branch order.
    pub overloads: Vec<DcOverload>,
}

/// Totals of a DC screening.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DcN1Summary {
    /// Outages in the list.
    pub n_outages: usize,
    /// Of which not connected in the base case (not screened).
    pub n_not_in_service: usize,
    /// Of which could not be solved (singular).
    pub n_failed: usize,
    /// Of which split an island.
    pub n_islanding: usize,
    /// Of which overload at least one branch.
    pub n_with_overloads: usize,
    /// Overloaded branches summed over the outages.
    pub n_overloads: usize,
    /// Largest unserved load of one outage, MW.
    pub max_unserved_mw: f64,
    /// Highest branch loading over all outages.
    pub worst: Option<WorstLoading>,
}

/// The `gridsim n1 --dc` report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DcN1Report {
    /// Case name.
    pub case: String,
    /// System base, MVA.
    pub base_mva: f64,
    /// Outcome of the base-case DC power flow.
    pub base_status: PfStatus,
    /// Threshold used, % of `RATE_A`.
    pub overload_threshold_pct: f64,
    /// Monitored branches overloaded before any outage.
    pub base_overloads: Vec<DcOverload>,
    /// Load in de-energised islands before any outage, MW.
    pub base_unserved_mw: f64,
    /// One entry per outage, in the order of the outage list.
    pub outages: Vec<DcOutageReport>,
    /// Totals.
    pub summary: DcN1Summary,
}

/// Post-outage DC flows of one outage on every branch.
#[derive(Debug, Clone, PartialEq)]
pub struct DcOutageFlows {
    /// Outcome.
    pub status: OutageStatus,
    /// How it was computed.
    pub method: DcOutageMethod,
    /// The outage splits an island.
    pub islanding: bool,
    /// Active flow at the from end of every branch, MW (0 for the outaged branch, branches
    /// not connected and de-energised ones).
    pub pf_mw: Vec<f64>,
    /// Load de-energised by the outage, MW.
    pub unserved_mw: f64,
}

/// Per search subtree: what the split-island formulas need.
#[derive(Debug, Clone)]
struct Subtrees {
    /// Load, MW.
    pd_mw: Vec<f64>,
    /// Reference buses.
    n_ref: Vec<usize>,
    /// Lowest type-2 bus with a connected generator, or `NONE`.
    min_pv_bus: Vec<usize>,
    /// Lowest connected generator, or `NONE`.
    min_gen: Vec<usize>,
}

impl Subtrees {
    fn build(net: &Network, topo: &Topology, dfs: &Dfs) -> Subtrees {
        let nb = net.n_bus();
        let mut s = Subtrees {
            pd_mw: (0..nb)
                .map(|i| net.per_unit().to_mw(net.pd_pu[i]))
                .collect(),
            n_ref: topo
                .role
                .iter()
                .map(|&r| usize::from(r == BusRole::Ref))
                .collect(),
            min_pv_bus: vec![NONE; nb],
            min_gen: vec![NONE; nb],
        };
        for g in 0..net.n_gen() {
            if net.gen_connected(g) {
                let b = net.gen_bus[g];
                s.min_gen[b] = s.min_gen[b].min(g);
                if net.bus_type[b] == BusType::Pv {
                    s.min_pv_bus[b] = b;
                }
            }
        }
        for &v in dfs.order.iter().rev() {
            let p = dfs.parent[v];
            if p != NONE {
                s.pd_mw[p] += s.pd_mw[v];
                s.n_ref[p] += s.n_ref[v];
                s.min_pv_bus[p] = s.min_pv_bus[p].min(s.min_pv_bus[v]);
                s.min_gen[p] = s.min_gen[p].min(s.min_gen[v]);
            }
        }
        s
    }
}

/// Internal outcome of one DC outage (flows are written to a buffer).
struct DcCore {
    status: OutageStatus,
    method: DcOutageMethod,
    islanding: bool,
    unserved_mw: f64,
}

/// The DC change an outage causes, as computed by [`OutageModel::shift`].
enum Shift {
    /// Nothing changes: the branch is not connected, or lies in a de-energised island.
    Unchanged { connected: bool, islanding: bool },
    /// The islands stay: angles change by `scale · w`.
    Lodf { scale: f64 },
    /// A bridge: angles change by `w`; `dead_root` is the search-tree root of the side left
    /// without generation, if any.
    Split { dead_root: Option<usize> },
    /// Not covered by the formulas (see the module documentation): re-solve.
    NotCovered,
}

/// The base factorisation with the subtree data of the split-island formulas.
#[derive(Debug, Clone)]
struct OutageModel {
    sens: DcSensitivities,
    sub: Subtrees,
}

impl OutageModel {
    fn new(net: &Network) -> Result<OutageModel, NetworkError> {
        let sens = DcSensitivities::new(net)?;
        let sub = Subtrees::build(net, &sens.topo, &sens.dfs);
        Ok(OutageModel { sens, sub })
    }

    /// Solves in `w` the DC angle change caused by the outage of `o`, whose pre-outage flows
    /// leaving its from and to ends are `g_from` and `g_to` (angles come out in radians per
    /// p.u. of these flows: p.u. flows give radians, MW give MW-scaled radians).
    fn shift(&self, net: &Network, o: usize, g_from: f64, g_to: f64, w: &mut [f64]) -> Shift {
        let s = &self.sens;
        if !net.branch_connected(o) {
            return Shift::Unchanged {
                connected: false,
                islanding: false,
            };
        }
        let (f, t) = (net.br_from[o], net.br_to[o]);
        let energized = s.topo.island_of_bus[f]
            .and_then(|i| s.topo.islands.get(i))
            .is_some_and(|i| i.energized);
        let bridge = s.dfs.is_bridge[o];
        if !energized {
            return Shift::Unchanged {
                connected: true,
                islanding: bridge,
            };
        }
        if bridge {
            let c = s.dfs.child[o];
            if self.sub.n_ref[c] > 0 {
                return Shift::NotCovered;
            }
            let p = if c == t { f } else { t };
            // Flow leaving p into the bridge.
            let g_p = if p == f { g_from } else { g_to };
            w.iter_mut().for_each(|x| *x = 0.0);
            s.add(w, p, g_p);
            let dead = self.sub.min_gen[c] == NONE;
            if !dead {
                let new_ref = if self.sub.min_pv_bus[c] != NONE {
                    self.sub.min_pv_bus[c]
                } else {
                    net.gen_bus[self.sub.min_gen[c]]
                };
                s.add(w, c, -g_p);
                s.add(w, new_ref, g_p);
            }
            if s.solve(w).is_err() {
                return Shift::NotCovered;
            }
            return Shift::Split {
                dead_root: dead.then_some(c),
            };
        }
        let Ok(ptdf_oo) = s.transfer(w, o) else {
            return Shift::NotCovered;
        };
        let denom = 1.0 - ptdf_oo;
        if denom.abs() < ISLANDING_TOL {
            return Shift::NotCovered;
        }
        Shift::Lodf {
            scale: g_from / denom,
        }
    }
}

/// Branches whose post-outage flows are computed, laid out for the inner loop.
#[derive(Debug, Clone)]
struct BranchSet {
    /// Branch indices, ascending, no repeats.
    idx: Vec<usize>,
    /// Work-vector slots of the from and to buses.
    slot_f: Vec<usize>,
    slot_t: Vec<usize>,
    /// Series susceptance, p.u. (0 when not connected).
    b_pu: Vec<f64>,
    /// Base-case flow, MW.
    base_mw: Vec<f64>,
    /// `RATE_A`, MVA (infinite when unlimited).
    rate_mva: Vec<f64>,
    /// `100 / RATE_A` in %/MW, 0 when unlimited.
    pct_per_mw: Vec<f64>,
    /// Position of each branch of the case in `idx`, or `NONE`.
    pos: Vec<usize>,
}

impl BranchSet {
    fn new(
        mut idx: Vec<usize>,
        net: &Network,
        sens: &DcSensitivities,
        base: &PowerFlowResult,
    ) -> BranchSet {
        idx.sort_unstable();
        idx.dedup();
        let mut pos = vec![NONE; net.n_branch()];
        for (j, &k) in idx.iter().enumerate() {
            pos[k] = j;
        }
        let rate = |k: usize| net.per_unit().to_mw(net.br_rate_a_pu[k]);
        BranchSet {
            slot_f: idx.iter().map(|&k| sens.var[net.br_from[k]]).collect(),
            slot_t: idx.iter().map(|&k| sens.var[net.br_to[k]]).collect(),
            b_pu: idx.iter().map(|&k| sens.b_branch[k]).collect(),
            base_mw: idx.iter().map(|&k| base.pf_mw[k]).collect(),
            pct_per_mw: idx
                .iter()
                .map(|&k| {
                    if rate(k).is_finite() && rate(k) > 0.0 {
                        100.0 / rate(k)
                    } else {
                        0.0
                    }
                })
                .collect(),
            rate_mva: idx.iter().map(|&k| rate(k)).collect(),
            pos,
            idx,
        }
    }

    /// `flows ← base + scale · b (w_f − w_t)`.
    fn update(&self, w: &[f64], scale: f64, flows: &mut [f64]) {
        for (j, x) in flows.iter_mut().enumerate() {
            *x = self.base_mw[j] + scale * self.b_pu[j] * (w[self.slot_f[j]] - w[self.slot_t[j]]);
        }
    }
}

/// A prepared DC N-1 screening: the base-case DC power flow and the factorised reduced B.
#[derive(Debug, Clone)]
pub struct DcContingencyAnalysis<'a> {
    net: &'a Network,
    settings: DcN1Settings,
    model: OutageModel,
    base: PowerFlowResult,
    monitored: BranchSet,
}

impl<'a> DcContingencyAnalysis<'a> {
    /// Solves the base case and factorises the reduced B of `net`. Fails on invalid settings
    /// or monitored indices ([`NetworkError::InvalidData`]) and on a singular B
    /// ([`NetworkError::Lu`]). A monitored list is sorted and its repeats dropped.
    pub fn new(net: &'a Network, settings: DcN1Settings) -> Result<Self, NetworkError> {
        settings
            .validate()
            .map_err(|e| NetworkError::InvalidData(vec![e]))?;
        let nl = net.n_branch();
        let monitored = match &settings.monitored {
            Some(l) => branch_list(Some(l), nl, "monitored")?,
            None => (0..nl)
                .filter(|&k| net.branch_connected(k) && net.br_rate_a_pu[k].is_finite())
                .collect(),
        };
        let model = OutageModel::new(net)?;
        let base = DcPowerFlow::new(net).solve(net);
        let monitored = BranchSet::new(monitored, net, &model.sens, &base);
        Ok(DcContingencyAnalysis {
            net,
            settings,
            model,
            base,
            monitored,
        })
    }

    /// The base-case DC power flow.
    pub fn base(&self) -> &PowerFlowResult {
        &self.base
    }

    /// The factorised sensitivities of the base network.
    pub fn sensitivities(&self) -> &DcSensitivities {
        &self.model.sens
    }

    /// The monitored branches (ascending).
    pub fn monitored(&self) -> &[usize] {
        &self.monitored.idx
    }

    /// Post-outage flows on every branch for the outage of branch `o`.
    pub fn post_outage_flows(&self, o: usize) -> Result<DcOutageFlows, NetworkError> {
        branch_list(Some(&[o]), self.net.n_branch(), "outaged")?;
        let all = BranchSet::new(
            (0..self.net.n_branch()).collect(),
            self.net,
            &self.model.sens,
            &self.base,
        );
        let mut w = vec![0.0; self.model.sens.work_len()];
        let mut pf_mw = vec![0.0; all.idx.len()];
        let c = self.outage_core(o, &all, &mut w, &mut pf_mw);
        Ok(DcOutageFlows {
            status: c.status,
            method: c.method,
            islanding: c.islanding,
            pf_mw,
            unserved_mw: c.unserved_mw,
        })
    }

    /// Screens the outage of each branch of `outages` (default: every connected branch), in
    /// parallel. Fails only for a branch index out of range.
    pub fn run(&self, outages: Option<&[usize]>) -> Result<DcN1Report, NetworkError> {
        let net = self.net;
        let list = match outages {
            Some(l) => branch_list(Some(l), net.n_branch(), "outaged")?,
            None => (0..net.n_branch())
                .filter(|&k| net.branch_connected(k))
                .collect(),
        };
        let mon = &self.monitored;
        let work_len = self.model.sens.work_len();
        let outages: Vec<DcOutageReport> = list
            .par_iter()
            .map_init(
                || (vec![0.0; work_len], vec![0.0; mon.idx.len()]),
                |(w, flows), &o| {
                    let c = self.outage_core(o, mon, w, flows);
                    let (overloads, max_loading_pct, max_loading_branch_idx) =
                        self.overloads(flows, o);
                    DcOutageReport {
                        branch_idx: o,
                        from_bus: net.bus_id[net.br_from[o]],
                        to_bus: net.bus_id[net.br_to[o]],
                        status: c.status,
                        method: c.method,
                        islanding: c.islanding,
                        pre_flow_mw: self.base.pf_mw[o],
                        unserved_mw: c.unserved_mw,
                        n_overloads: overloads.len(),
                        max_loading_pct,
                        max_loading_branch_idx,
                        overloads,
                    }
                },
            )
            .collect();
        let (base_overloads, _, _) = self.overloads(&mon.base_mw, NONE);
        let mut summary = DcN1Summary {
            n_outages: outages.len(),
            n_not_in_service: 0,
            n_failed: 0,
            n_islanding: 0,
            n_with_overloads: 0,
            n_overloads: 0,
            max_unserved_mw: 0.0,
            worst: None,
        };
        for r in &outages {
            match r.status {
                OutageStatus::NotInService => summary.n_not_in_service += 1,
                OutageStatus::Converged => {}
                _ => summary.n_failed += 1,
            }
            summary.n_islanding += usize::from(r.islanding);
            summary.n_with_overloads += usize::from(r.n_overloads > 0);
            summary.n_overloads += r.n_overloads;
            summary.max_unserved_mw = summary.max_unserved_mw.max(r.unserved_mw);
            if let Some(m) = r.max_loading_branch_idx {
                update_worst(&mut summary.worst, net, r.branch_idx, m, r.max_loading_pct);
            }
        }
        Ok(DcN1Report {
            case: net.name.clone(),
            base_mva: net.base_mva,
            base_status: self.base.status,
            overload_threshold_pct: self.settings.overload_threshold_pct,
            base_overloads,
            base_unserved_mw: self.base.unserved_mw,
            outages,
            summary,
        })
    }

    /// Overloads among the monitored branches for `flows` (aligned with them), the highest
    /// loading and its branch; `skip` is the outaged branch.
    fn overloads(&self, flows: &[f64], skip: usize) -> (Vec<DcOverload>, f64, Option<usize>) {
        let net = self.net;
        let mon = &self.monitored;
        let threshold = self.settings.overload_threshold_pct;
        let mut out = Vec::new();
        let mut max_pct = -1.0;
        let mut arg = NONE;
        for (j, &flow_mw) in flows.iter().enumerate() {
            let pct = flow_mw.abs() * mon.pct_per_mw[j];
            if pct > max_pct && mon.pct_per_mw[j] > 0.0 && mon.idx[j] != skip {
                max_pct = pct;
                arg = j;
            }
            if pct > threshold && mon.idx[j] != skip {
                let m = mon.idx[j];
                out.push(DcOverload {
                    branch_idx: m,
                    from_bus: net.bus_id[net.br_from[m]],
                    to_bus: net.bus_id[net.br_to[m]],
                    flow_mw,
                    rate_a_mva: mon.rate_mva[j],
                    loading_pct: pct,
                });
            }
        }
        if arg == NONE {
            (out, 0.0, None)
        } else {
            (out, max_pct, Some(mon.idx[arg]))
        }
    }

    /// Post-outage flows (MW) of the branches of `set` into `flows`, for the outage of `o`.
    fn outage_core(&self, o: usize, set: &BranchSet, w: &mut [f64], flows: &mut [f64]) -> DcCore {
        let zero_outaged = |flows: &mut [f64]| {
            if let Some(&j) = set.pos.get(o).filter(|&&j| j != NONE) {
                flows[j] = 0.0;
            }
        };
        let shift = self
            .model
            .shift(self.net, o, self.base.pf_mw[o], self.base.pt_mw[o], w);
        let (method, islanding, unserved_mw) = match shift {
            Shift::Unchanged {
                connected,
                islanding,
            } => {
                flows.copy_from_slice(&set.base_mw);
                zero_outaged(flows);
                let status = if connected {
                    OutageStatus::Converged
                } else {
                    OutageStatus::NotInService
                };
                return DcCore {
                    status,
                    method: DcOutageMethod::Unchanged,
                    islanding,
                    unserved_mw: 0.0,
                };
            }
            Shift::NotCovered => return self.resolve(o, set, flows),
            Shift::Lodf { scale } => {
                set.update(w, scale, flows);
                (DcOutageMethod::Lodf, false, 0.0)
            }
            Shift::Split { dead_root } => {
                set.update(w, 1.0, flows);
                let mut unserved_mw = 0.0;
                if let Some(c) = dead_root {
                    for (x, &m) in flows.iter_mut().zip(&set.idx) {
                        if self.model.sens.dfs.in_subtree(self.net.br_from[m], c) {
                            *x = 0.0;
                        }
                    }
                    unserved_mw = self.model.sub.pd_mw[c];
                }
                (DcOutageMethod::IslandSplit, true, unserved_mw)
            }
        };
        zero_outaged(flows);
        DcCore {
            status: OutageStatus::Converged,
            method,
            islanding,
            unserved_mw,
        }
    }

    /// A new DC power flow without branch `o`.
    fn resolve(&self, o: usize, set: &BranchSet, flows: &mut [f64]) -> DcCore {
        let mut n = self.net.clone();
        n.br_in_service[o] = false;
        let res = DcPowerFlow::new(&n).solve(&n);
        for (x, &m) in flows.iter_mut().zip(&set.idx) {
            *x = res.pf_mw[m];
        }
        DcCore {
            status: res.status.into(),
            method: DcOutageMethod::Resolved,
            islanding: res.n_islands > self.base.n_islands,
            unserved_mw: (res.unserved_mw - self.base.unserved_mw).max(0.0),
        }
    }
}

/// Keeps the highest loading (the first one found on ties, so the order of the list decides).
fn update_worst(worst: &mut Option<WorstLoading>, net: &Network, o: usize, m: usize, pct: f64) {
    if worst.as_ref().is_some_and(|w| w.loading_pct >= pct) {
        return;
    }
    *worst = Some(WorstLoading {
        outage_branch_idx: o,
        outage_from_bus: net.bus_id[net.br_from[o]],
        outage_to_bus: net.bus_id[net.br_to[o]],
        branch_idx: m,
        from_bus: net.bus_id[net.br_from[m]],
        to_bus: net.bus_id[net.br_to[m]],
        loading_pct: pct,
    });
}

/// DC N-1 screening of `net`: [`DcContingencyAnalysis::new`] then
/// [`DcContingencyAnalysis::run`] over `outages` (default: every connected branch).
pub fn dc_n1(
    net: &Network,
    outages: Option<&[usize]>,
    settings: &DcN1Settings,
) -> Result<DcN1Report, NetworkError> {
    DcContingencyAnalysis::new(net, settings.clone())?.run(outages)
}

/// Settings of the AC contingency analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct AcN1Settings {
    /// The power flow settings (tolerance, iterations, reactive limits). Default
    /// [`AcPfSettings::default`].
    pub pf: AcPfSettings,
    /// A branch is overloaded above this loading, % of `RATE_A`. Default 100.
    pub overload_threshold_pct: f64,
    /// Voltage limits are violated beyond this margin, p.u. Default 1e-6.
    pub voltage_tol_pu: f64,
    /// Start each outage from the base solution with its angles moved by the DC angle change
    /// of the outage (the LODF or split-island solve of the DC screening, one sparse solve),
    /// which saves Newton iterations; otherwise from the base solution as it is. Default true.
    pub dc_warm_start: bool,
}

impl Default for AcN1Settings {
    fn default() -> Self {
        AcN1Settings {
            pf: AcPfSettings::default(),
            overload_threshold_pct: 100.0,
            voltage_tol_pu: 1e-6,
            dc_warm_start: true,
        }
    }
}

impl AcN1Settings {
    /// Checks the settings; returns what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        self.pf.validate()?;
        if !(self.overload_threshold_pct.is_finite() && self.overload_threshold_pct > 0.0) {
            return Err(format!(
                "overload_threshold_pct must be positive and finite, got {}",
                self.overload_threshold_pct
            ));
        }
        if !(self.voltage_tol_pu.is_finite() && self.voltage_tol_pu >= 0.0) {
            return Err(format!(
                "voltage_tol_pu must be non-negative and finite, got {}",
                self.voltage_tol_pu
            ));
        }
        Ok(())
    }
}

/// A bus outside its voltage limits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VoltageViolation {
    /// External bus number.
    pub bus: BusId,
    /// Voltage magnitude, p.u.
    pub vm_pu: f64,
    /// Lower limit `VMIN`, p.u.
    pub vmin_pu: f64,
    /// Upper limit `VMAX`, p.u.
    pub vmax_pu: f64,
}

/// An overloaded branch in the AC analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AcOverload {
    /// Branch index (0-based row of the case's branch table).
    pub branch_idx: usize,
    /// From-bus external number.
    pub from_bus: BusId,
    /// To-bus external number.
    pub to_bus: BusId,
    /// Apparent power at the from end, MVA.
    pub sf_mva: f64,
    /// Apparent power at the to end, MVA.
    pub st_mva: f64,
    /// Rating `RATE_A`, MVA.
    pub rate_a_mva: f64,
    /// `max(sf, st) / rate_a`, %.
    pub loading_pct: f64,
}

/// Voltages and loadings of one AC solution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AcMetrics {
    /// Lowest voltage magnitude over energised buses, p.u.
    pub vm_min_pu: Option<f64>,
    /// Its bus.
    pub vm_min_bus: Option<BusId>,
    /// Highest voltage magnitude over energised buses, p.u.
    pub vm_max_pu: Option<f64>,
    /// Its bus.
    pub vm_max_bus: Option<BusId>,
    /// Buses outside `[VMIN − tol, VMAX + tol]`, in bus order.
    pub voltage_violations: Vec<VoltageViolation>,
    /// Highest loading among the rated branches, % (0 when none is rated).
    pub max_loading_pct: f64,
    /// The branch with that loading.
    pub max_loading_branch_idx: Option<usize>,
    /// Overloaded branches, in branch order.
    pub overloads: Vec<AcOverload>,
}

impl AcMetrics {
    /// Voltages and loadings of `res` (a solution of `net`).
    pub fn of(net: &Network, res: &PowerFlowResult, settings: &AcN1Settings) -> AcMetrics {
        let mut m = AcMetrics {
            vm_min_pu: None,
            vm_min_bus: None,
            vm_max_pu: None,
            vm_max_bus: None,
            voltage_violations: Vec::new(),
            max_loading_pct: 0.0,
            max_loading_branch_idx: None,
            overloads: Vec::new(),
        };
        let tol = settings.voltage_tol_pu;
        for i in 0..net.n_bus().min(res.vm_pu.len()) {
            if !res.energized.get(i).copied().unwrap_or(false) {
                continue;
            }
            let vm = res.vm_pu[i];
            if m.vm_min_pu.is_none_or(|x| vm < x) {
                m.vm_min_pu = Some(vm);
                m.vm_min_bus = Some(net.bus_id[i]);
            }
            if m.vm_max_pu.is_none_or(|x| vm > x) {
                m.vm_max_pu = Some(vm);
                m.vm_max_bus = Some(net.bus_id[i]);
            }
            if vm < net.vmin_pu[i] - tol || vm > net.vmax_pu[i] + tol {
                m.voltage_violations.push(VoltageViolation {
                    bus: net.bus_id[i],
                    vm_pu: vm,
                    vmin_pu: net.vmin_pu[i],
                    vmax_pu: net.vmax_pu[i],
                });
            }
        }
        let pu = net.per_unit();
        let nk = [
            res.pf_mw.len(),
            res.qf_mvar.len(),
            res.pt_mw.len(),
            res.qt_mvar.len(),
        ]
        .into_iter()
        .fold(net.n_branch(), usize::min);
        for k in 0..nk {
            let rate = pu.to_mw(net.br_rate_a_pu[k]);
            if !net.branch_connected(k) || !rate.is_finite() || rate <= 0.0 {
                continue;
            }
            let sf = res.pf_mw[k].hypot(res.qf_mvar[k]);
            let st = res.pt_mw[k].hypot(res.qt_mvar[k]);
            let pct = sf.max(st) / rate * 100.0;
            if m.max_loading_branch_idx.is_none() || pct > m.max_loading_pct {
                m.max_loading_pct = pct;
                m.max_loading_branch_idx = Some(k);
            }
            if pct > settings.overload_threshold_pct {
                m.overloads.push(AcOverload {
                    branch_idx: k,
                    from_bus: net.bus_id[net.br_from[k]],
                    to_bus: net.bus_id[net.br_to[k]],
                    sf_mva: sf,
                    st_mva: st,
                    rate_a_mva: rate,
                    loading_pct: pct,
                });
            }
        }
        m
    }
}

/// The AC result of one outage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AcOutageReport {
    /// Outaged branch index (0-based row of the case's branch table).
    pub branch_idx: usize,
    /// Its from-bus external number.
    pub from_bus: BusId,
    /// Its to-bus external number.
    pub to_bus: BusId,
    /// Outcome of the power flow.
    pub status: OutageStatus,
    /// Newton iterations.
    pub iterations: usize,
    /// Largest power mismatch at the end, p.u.
    pub max_mismatch_pu: f64,
    /// The outage splits an island.
    pub islanding: bool,
    /// Load de-energised by the outage, MW.
    pub unserved_mw: f64,
    /// Number of overloaded branches (0 unless converged).
    pub n_overloads: usize,
    /// Voltages and loadings; `None` unless converged.
    pub metrics: Option<AcMetrics>,
}

/// Totals of an AC contingency analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AcN1Summary {
    /// Outages in the list.
    pub n_outages: usize,
    /// Of which not connected in the base case (not solved).
    pub n_not_in_service: usize,
    /// Of which converged.
    pub n_converged: usize,
    /// Of which were solved without converging.
    pub n_not_converged: usize,
    /// Of which split an island.
    pub n_islanding: usize,
    /// Of which overload at least one branch.
    pub n_with_overloads: usize,
    /// Of which violate a voltage limit.
    pub n_with_voltage_violations: usize,
    /// Overloaded branches summed over the outages.
    pub n_overloads: usize,
    /// Largest unserved load of one outage, MW.
    pub max_unserved_mw: f64,
    /// Highest branch loading over the converged outages.
    pub worst: Option<WorstLoading>,
    /// Lowest voltage over the converged outages.
    pub lowest_vm: Option<LowestVoltage>,
}

/// The lowest voltage found over a set of outages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LowestVoltage {
    /// Outaged branch index.
    pub outage_branch_idx: usize,
    /// Outaged branch from-bus.
    pub outage_from_bus: BusId,
    /// Outaged branch to-bus.
    pub outage_to_bus: BusId,
    /// Bus with the lowest voltage.
    pub bus: BusId,
    /// Its voltage magnitude, p.u.
    pub vm_pu: f64,
}

/// The `gridsim n1` (AC) report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AcN1Report {
    /// Case name.
    pub case: String,
    /// System base, MVA.
    pub base_mva: f64,
    /// Outcome of the base case.
    pub base_status: PfStatus,
    /// Newton iterations of the base case.
    pub base_iterations: usize,
    /// Threshold used, % of `RATE_A`.
    pub overload_threshold_pct: f64,
    /// Base-case voltages and loadings (`None` unless converged).
    pub base_metrics: Option<AcMetrics>,
    /// Load in de-energised islands before any outage, MW.
    pub base_unserved_mw: f64,
    /// One entry per outage, in the order of the outage list.
    pub outages: Vec<AcOutageReport>,
    /// Totals.
    pub summary: AcN1Summary,
}

/// A prepared AC N-1 analysis: the base-case solution and its solver.
#[derive(Debug, Clone)]
pub struct AcContingencyAnalysis<'a> {
    net: &'a Network,
    settings: AcN1Settings,
    solver: AcPowerFlow,
    base: PowerFlowResult,
    /// Warm start (magnitudes p.u., angles rad) when the base case converged.
    warm: Option<(Vec<f64>, Vec<f64>)>,
    bridges: Vec<bool>,
    /// DC model for the angle correction of the warm start (`None` when disabled or when
    /// the DC matrix cannot be factorised).
    model: Option<OutageModel>,
}

/// Work space of one rayon worker of the AC analysis.
struct AcWork {
    /// The worker's solver: a clone of the base solver, re-cloned before an outage whenever a
    /// previous outage changed its structure (new pattern, new pivot order), so that every
    /// outage starts from the base solver's structure whatever the worker solved before.
    solver: AcPowerFlow,
    /// A copy of the network, where the outaged branch is switched out and back.
    net: Network,
    /// DC work vector.
    w: Vec<f64>,
    /// Start angles, rad.
    va_rad: Vec<f64>,
}

impl<'a> AcContingencyAnalysis<'a> {
    /// Solves the base case of `net` from the case's voltages. Fails only on invalid
    /// settings; a base case that does not converge is reported by its status, and the
    /// outages then start from the case's voltages instead of the base solution.
    pub fn new(net: &'a Network, settings: AcN1Settings) -> Result<Self, NetworkError> {
        settings
            .validate()
            .map_err(|e| NetworkError::InvalidData(vec![e]))?;
        let mut solver = AcPowerFlow::new(net, settings.pf.clone());
        let base = solver.solve(net, Start::Case);
        let warm = base.status.is_converged().then(|| {
            (
                base.vm_pu.clone(),
                base.va_deg
                    .iter()
                    .map(|&d| PerUnit::deg_to_rad(d))
                    .collect(),
            )
        });
        let bridges = Dfs::build(net, &Topology::analyze(net)).is_bridge;
        let model = if settings.dc_warm_start {
            OutageModel::new(net).ok()
        } else {
            None
        };
        Ok(AcContingencyAnalysis {
            net,
            settings,
            solver,
            base,
            warm,
            bridges,
            model,
        })
    }

    /// The base-case solution.
    pub fn base(&self) -> &PowerFlowResult {
        &self.base
    }

    /// The full solution of the outage of branch `o`, computed exactly as [`Self::run`] does.
    /// `None` when the branch is not connected.
    pub fn solve_outage(&self, o: usize) -> Result<Option<PowerFlowResult>, NetworkError> {
        branch_list(Some(&[o]), self.net.n_branch(), "outaged")?;
        if !self.net.branch_connected(o) {
            return Ok(None);
        }
        let mut work = self.work();
        Ok(Some(self.solve_in(&mut work, o)))
    }

    fn work(&self) -> AcWork {
        AcWork {
            solver: self.solver.clone(),
            net: self.net.clone(),
            w: vec![0.0; self.model.as_ref().map_or(0, |m| m.sens.work_len())],
            va_rad: vec![0.0; self.net.n_bus()],
        }
    }

    /// Solves with branch `o` out in `work.net` (restored afterwards).
    fn solve_in(&self, work: &mut AcWork, o: usize) -> PowerFlowResult {
        work.net.br_in_service[o] = false;
        if work.solver.structure_stamp() != self.solver.structure_stamp() {
            work.solver = self.solver.clone();
        }
        let solver = &mut work.solver;
        solver.update_network(&work.net);
        let start = match &self.warm {
            Some((vm, va)) => {
                work.va_rad.copy_from_slice(va);
                if let Some(model) = &self.model {
                    let pu = self.net.per_unit();
                    let (pf, pt) = (pu.to_pu(self.base.pf_mw[o]), pu.to_pu(self.base.pt_mw[o]));
                    let scale = match model.shift(self.net, o, pf, pt, &mut work.w) {
                        Shift::Lodf { scale } => scale,
                        Shift::Split { .. } => 1.0,
                        Shift::Unchanged { .. } | Shift::NotCovered => 0.0,
                    };
                    if scale != 0.0 {
                        for (va, &v) in work.va_rad.iter_mut().zip(&model.sens.var) {
                            *va += scale * work.w[v];
                        }
                    }
                }
                Start::Warm {
                    vm_pu: vm,
                    va_rad: &work.va_rad,
                }
            }
            None => Start::Case,
        };
        let res = solver.solve(&work.net, start);
        work.net.br_in_service[o] = true;
        res
    }

    /// Solves the outage of each branch of `outages` (default: every connected branch), in
    /// parallel. Fails only for a branch index out of range.
    pub fn run(&self, outages: Option<&[usize]>) -> Result<AcN1Report, NetworkError> {
        let net = self.net;
        let list = match outages {
            Some(l) => branch_list(Some(l), net.n_branch(), "outaged")?,
            None => (0..net.n_branch())
                .filter(|&k| net.branch_connected(k))
                .collect(),
        };
        let outages: Vec<AcOutageReport> = list
            .par_iter()
            .map_init(|| self.work(), |work, &o| self.outage_report(work, o))
            .collect();
        let mut s = AcN1Summary {
            n_outages: outages.len(),
            n_not_in_service: 0,
            n_converged: 0,
            n_not_converged: 0,
            n_islanding: 0,
            n_with_overloads: 0,
            n_with_voltage_violations: 0,
            n_overloads: 0,
            max_unserved_mw: 0.0,
            worst: None,
            lowest_vm: None,
        };
        for r in &outages {
            match r.status {
                OutageStatus::NotInService => s.n_not_in_service += 1,
                OutageStatus::Converged => s.n_converged += 1,
                _ => s.n_not_converged += 1,
            }
            s.n_islanding += usize::from(r.islanding);
            s.max_unserved_mw = s.max_unserved_mw.max(r.unserved_mw);
            let Some(m) = &r.metrics else { continue };
            s.n_with_overloads += usize::from(!m.overloads.is_empty());
            s.n_with_voltage_violations += usize::from(!m.voltage_violations.is_empty());
            s.n_overloads += m.overloads.len();
            if let Some(b) = m.max_loading_branch_idx {
                update_worst(&mut s.worst, net, r.branch_idx, b, m.max_loading_pct);
            }
            if let (Some(vm), Some(bus)) = (m.vm_min_pu, m.vm_min_bus) {
                if s.lowest_vm.as_ref().is_none_or(|l| vm < l.vm_pu) {
                    s.lowest_vm = Some(LowestVoltage {
                        outage_branch_idx: r.branch_idx,
                        outage_from_bus: r.from_bus,
                        outage_to_bus: r.to_bus,
                        bus,
                        vm_pu: vm,
                    });
                }
            }
        }
        Ok(AcN1Report {
            case: net.name.clone(),
            base_mva: net.base_mva,
            base_status: self.base.status,
            base_iterations: self.base.iterations,
            overload_threshold_pct: self.settings.overload_threshold_pct,
            base_metrics: self
                .base
                .status
                .is_converged()
                .then(|| AcMetrics::of(net, &self.base, &self.settings)),
            base_unserved_mw: self.base.unserved_mw,
            outages,
            summary: s,
        })
    }

    /// The report of one outage, solved in `work`.
    fn outage_report(&self, work: &mut AcWork, o: usize) -> AcOutageReport {
        let net = self.net;
        let mut r = AcOutageReport {
            branch_idx: o,
            from_bus: net.bus_id[net.br_from[o]],
            to_bus: net.bus_id[net.br_to[o]],
            status: OutageStatus::NotInService,
            iterations: 0,
            max_mismatch_pu: 0.0,
            islanding: false,
            unserved_mw: 0.0,
            n_overloads: 0,
            metrics: None,
        };
        if !net.branch_connected(o) {
            return r;
        }
        let res = self.solve_in(work, o);
        r.status = res.status.into();
        r.iterations = res.iterations;
        r.max_mismatch_pu = res.max_mismatch_pu;
        r.islanding = self.bridges[o];
        r.unserved_mw = (res.unserved_mw - self.base.unserved_mw).max(0.0);
        if res.status.is_converged() {
            let m = AcMetrics::of(net, &res, &self.settings);
            r.n_overloads = m.overloads.len();
            r.metrics = Some(m);
        }
        r
    }
}

/// AC N-1 analysis of `net`: [`AcContingencyAnalysis::new`] then
/// [`AcContingencyAnalysis::run`] over `outages` (default: every connected branch).
pub fn ac_n1(
    net: &Network,
    outages: Option<&[usize]>,
    settings: &AcN1Settings,
) -> Result<AcN1Report, NetworkError> {
    AcContingencyAnalysis::new(net, settings.clone())?.run(outages)
}
