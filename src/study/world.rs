//! The co-simulation of one (replication, strategy): the grid as the kernel's shared world, the
//! agents and the grid solve as kernel models.
//!
//! At every dispatch interval `[t, t + Δt)`, at one instant and in the kernel's phase order:
//!
//! 1. **control** — loads, PV plants, wind farms and EV fleets step (each EV fleet runs its own
//!    charging controller) and add their injections at their buses;
//! 2. **dispatch** — batteries observe the feeder (the price signal and the net load of the
//!    step so far) and their rule sets their power;
//! 3. **solve** — the grid applies the injections to the case's base loads, dispatches the
//!    generators (economic dispatch, when the scenario asks for it), solves the power flow (AC
//!    warm-started from the previous step, or DC; the reference bus takes the difference) and
//!    accumulates the metrics.
//!
//! **Curtailment.** With economic dispatch, generation an island cannot absorb (demand net of
//! renewables below the units' minimum outputs) is curtailed from the island's renewable
//! injections (PV plants, wind farms and generation profiles), in proportion to each one's
//! output, before anything is reported as `excess_generation_mwh`; the curtailed energy is
//! `renewable_curtailed_mwh` (the agents' `pv_energy_mwh`, `wind_energy_mwh` and
//! `profile_generation_mwh` are what they could produce). **CO2** is Σ_g rate_g · P_g · Δt over
//! the generators' positive outputs, with the scenario's per-generator rates (`co2_t`).
//!
//! A power flow that fails is counted (`pf_failed_steps`) and the step is judged on the
//! previous step's solution, so no step is silently dropped.
//!
//! The price signal seen by batteries is SCE's TOU-EV-4 energy price (shipped with the EV
//! data) at the feeder's local time (UTC − 8 h), in $/MWh.

use std::fs::File;
use std::io::BufWriter;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use gridsim_models::battery::{Battery, BatteryObservation, BatteryRule};
use gridsim_models::common::StepTime;
use gridsim_models::ev::tariff::TouTariff;
use gridsim_models::ev::EvFleet;
use gridsim_models::load::{ProfileLoad, SyntheticLoad};
use gridsim_models::profile::ProfileReplay;
use gridsim_models::solar::spa::Ephemeris;
use gridsim_models::solar::{PvPlant, Weather};
use gridsim_models::wind::WindFarm;
use gridsim_networks::acpf::{AcPfSettings, AcPowerFlow, Start};
use gridsim_networks::dcpf::DcPowerFlow;
use gridsim_networks::dispatch::{DispatchStatus, EconomicDispatch};
use gridsim_networks::network::PerUnit;
use gridsim_networks::opf::DcOpf;
use gridsim_networks::topology::TopologyCache;
use gridsim_networks::{Case, Network, PowerFlowResult};
use gridsim_sim::{Context, Model, Periodic, Phase, SimDuration, SimResult, SimTime};

use gridsim_models::failure::{FailureParams, FailureProcess, InitialState};

use super::scenario::{FailingElement, PowerFlowKind};

/// The one event of this co-simulation: a dispatch interval begins.
#[derive(Debug, Clone, Copy)]
pub enum Tick {
    /// Step the model for the interval starting now.
    Step,
}

/// How a run dispatches its generators at each step.
pub enum Dispatcher {
    /// Closed-form lossless merit-order dispatch per island.
    MeritOrder(Box<EconomicDispatch>),
    /// Penalised DC optimal power flow with branch limits, and the merit-order dispatch that
    /// stands in for a step whose OPF the solver fails on (counted in
    /// `dispatch_failed_steps`).
    DcOpf(Box<DcOpf>, Box<EconomicDispatch>),
}

/// The power-flow solver of a run.
enum Solver {
    Ac(Box<AcPowerFlow>),
    Dc(Box<DcPowerFlow>),
}

/// The grid: the network, the injections of the current step, the last solution and the
/// accumulated metrics.
pub struct GridWorld {
    case: Arc<Case>,
    net: Network,
    base_pd_pu: Vec<f64>,
    base_qd_pu: Vec<f64>,
    /// Agents' net injection at each bus in this step, MW (generation positive).
    inj_p_mw: Vec<f64>,
    /// Agents' net reactive injection at each bus in this step, MVAr.
    inj_q_mvar: Vec<f64>,
    /// The renewable part of `inj_p_mw` (PV, wind, generation profiles), MW: what curtailment
    /// may take back.
    ren_p_mw: Vec<f64>,
    /// CO2 rate of every generator, t/MWh (case order).
    co2_t_per_mwh: Arc<Vec<f64>>,
    solver: Solver,
    /// Economic dispatch or DC OPF, when the scenario asks for one.
    dispatch: Option<Dispatcher>,
    /// Islands, for spreading shed load over an island's buses.
    topo: TopologyCache,
    /// Per-step time series of this run, streamed to CSV when asked for.
    series: Option<csv::Writer<BufWriter<File>>>,
    /// Per-step power-flow inputs (bus demand, generator outputs), streamed when asked for.
    snapshots: Option<csv::Writer<BufWriter<File>>>,
    /// The last sun ephemeris computed: (step, ΔT, ephemeris).
    ephemeris: Option<(SimTime, f64, Ephemeris)>,
    last: Option<PowerFlowResult>,
    last_va_rad: Vec<f64>,
    start: DateTime<Utc>,
    dt_s: f64,
    tariff: Arc<TouTariff>,
    /// Metrics, in insertion order of first use.
    metrics: Metrics,
}

/// Named metrics in a fixed order (first insertion), summed or maximised.
#[derive(Debug, Default, Clone)]
pub struct Metrics {
    names: Vec<String>,
    values: Vec<f64>,
}

impl Metrics {
    /// The grid's metrics, declared up front so that every run has the same columns in the same
    /// order whatever happens (a metric that is a minimum starts at +∞, sums and maxima of
    /// non-negative quantities at 0).
    fn grid() -> Metrics {
        let mut m = Metrics::default();
        for name in ["steps", "pf_failed_steps"] {
            m.add(name, 0.0);
        }
        m.min("vm_min_pu", f64::INFINITY);
        for name in [
            "voltage_violation_bus_h",
            "max_branch_loading_pct",
            "overload_branch_h",
            "load_mwh",
            "losses_mwh",
            "unserved_mwh",
            "loss_of_load_h",
            "excess_generation_mwh",
            "generation_mwh",
            "generation_peak_mw",
            "generation_cost_usd",
            "co2_t",
            "renewable_curtailed_mwh",
            "power_balance_max_abs_mw",
        ] {
            m.add(name, 0.0);
        }
        m
    }

    fn slot(&mut self, name: &str, init: f64) -> &mut f64 {
        let k = match self.names.iter().position(|n| n == name) {
            Some(k) => k,
            None => {
                self.names.push(name.to_string());
                self.values.push(init);
                self.names.len() - 1
            }
        };
        &mut self.values[k]
    }
    /// Adds `v` to `name`.
    pub fn add(&mut self, name: &str, v: f64) {
        *self.slot(name, 0.0) += v;
    }
    /// Keeps the largest value of `name`.
    pub fn max(&mut self, name: &str, v: f64) {
        let s = self.slot(name, f64::NEG_INFINITY);
        *s = s.max(v);
    }
    /// Keeps the smallest value of `name`.
    pub fn min(&mut self, name: &str, v: f64) {
        let s = self.slot(name, f64::INFINITY);
        *s = s.min(v);
    }
    /// Sets `name`.
    pub fn set(&mut self, name: &str, v: f64) {
        *self.slot(name, 0.0) = v;
    }
    /// The value of `name`, if any.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|k| self.values[k])
    }
    /// `(name, value)` in order.
    pub fn into_pairs(self) -> Vec<(String, f64)> {
        self.names.into_iter().zip(self.values).collect()
    }
}

impl GridWorld {
    /// The grid of `case` (compiled as `net`), solved with `kind`, for steps of `dt_s` from
    /// `start`.
    pub fn new(
        case: Arc<Case>,
        net: Network,
        kind: PowerFlowKind,
        dispatch: Option<Dispatcher>,
        start: DateTime<Utc>,
        dt_s: f64,
        tariff: Arc<TouTariff>,
    ) -> GridWorld {
        let solver = match kind {
            PowerFlowKind::Ac => {
                Solver::Ac(Box::new(AcPowerFlow::new(&net, AcPfSettings::default())))
            }
            PowerFlowKind::Dc => Solver::Dc(Box::new(DcPowerFlow::new(&net))),
        };
        let nb = net.n_bus();
        GridWorld {
            case,
            base_pd_pu: net.pd_pu.clone(),
            base_qd_pu: net.qd_pu.clone(),
            inj_p_mw: vec![0.0; nb],
            inj_q_mvar: vec![0.0; nb],
            ren_p_mw: vec![0.0; nb],
            co2_t_per_mwh: Arc::new(vec![0.0; net.n_gen()]),
            last_va_rad: net.va0_rad.clone(),
            net,
            solver,
            dispatch,
            topo: TopologyCache::default(),
            ephemeris: None,
            series: None,
            snapshots: None,
            last: None,
            start,
            dt_s,
            tariff,
            metrics: Metrics::grid(),
        }
    }

    /// Declares summed metrics (at 0) so that they have their columns in this order whether or
    /// not anything is added to them.
    pub fn declare_sums(&mut self, names: &[&str]) {
        for n in names {
            self.metrics.add(n, 0.0);
        }
    }

    /// The sun's ephemeris at the middle of the step starting at `now` for ΔT = `delta_t_s`,
    /// computed once per (step, ΔT) and shared by every PV plant.
    fn ephemeris(&mut self, now: SimTime, t: &StepTime, dt_s: f64, delta_t_s: f64) -> Ephemeris {
        match self.ephemeris {
            Some((at, dt, eph)) if at == now && dt.to_bits() == delta_t_s.to_bits() => eph,
            _ => {
                let eph = PvPlant::mid_step_ephemeris(t, dt_s, delta_t_s);
                self.ephemeris = Some((now, delta_t_s, eph));
                eph
            }
        }
    }

    /// The step time at `now`.
    fn step_time(&self, now: SimTime) -> StepTime {
        let t_s = now.as_ms() as f64 / 1000.0;
        StepTime::new(self.start, 0.0).advanced(t_s)
    }

    /// Sets the generators' CO2 rates, t/MWh (case order).
    pub fn set_co2_rates(&mut self, rates: Arc<Vec<f64>>) {
        self.co2_t_per_mwh = rates;
    }

    /// Puts a generator (case row) in or out of service from this step on.
    pub fn set_gen_in_service(&mut self, g: usize, up: bool) {
        self.net.gen_in_service[g] = up;
    }

    /// Puts a branch (case row) in or out of service from this step on.
    pub fn set_branch_in_service(&mut self, k: usize, up: bool) {
        self.net.br_in_service[k] = up;
    }

    /// Adds an injection (generation positive) at bus index `i`.
    fn inject(&mut self, i: usize, p_mw: f64, q_mvar: f64) {
        self.inj_p_mw[i] += p_mw;
        self.inj_q_mvar[i] += q_mvar;
    }

    /// Adds a renewable (curtailable) injection at bus index `i`.
    fn inject_renewable(&mut self, i: usize, p_mw: f64, q_mvar: f64) {
        self.inject(i, p_mw, q_mvar);
        self.ren_p_mw[i] += p_mw.max(0.0);
    }

    /// Energy price at the feeder at `t`, $/MWh (TOU tariff, local time UTC − 8 h).
    fn price_usd_per_mwh(&self, t: &StepTime) -> f64 {
        let local = (t.utc - chrono::Duration::hours(8)).naive_utc();
        self.tariff.price_usd_per_kwh(&local) * 1000.0
    }

    /// Net load of the system in this step so far (base load minus agents' injections), MW.
    fn net_load_mw(&self) -> f64 {
        let pu = self.net.per_unit();
        let base: f64 = self.base_pd_pu.iter().map(|&p| pu.to_mw(p)).sum();
        base - self.inj_p_mw.iter().sum::<f64>()
    }

    /// The metrics so far.
    pub fn into_metrics(self) -> Metrics {
        self.metrics
    }

    /// Dispatches the generators for the demand now in `net` (economic dispatch, when
    /// configured): curtails renewables where an island cannot absorb its generation (module
    /// docs), sets the units' outputs and spreads any shed load over the positive loads of its
    /// island. Returns (shed, excess, curtailed) in MW.
    fn dispatch_step(&mut self, now: SimTime) -> (f64, f64, f64) {
        if matches!(self.dispatch, Some(Dispatcher::DcOpf(..))) {
            if let Some(out) = self.opf_step(now) {
                return out;
            }
        }
        let ed = match self.dispatch.as_mut() {
            None => return (0.0, 0.0, 0.0),
            Some(Dispatcher::DcOpf(_, ed) | Dispatcher::MeritOrder(ed)) => ed,
        };
        let pu = self.net.per_unit();
        let mut r = ed.solve(&self.net, None);
        if r.status == DispatchStatus::InvalidInput {
            self.metrics.add("dispatch_failed_steps", 1.0);
            return (0.0, 0.0, 0.0);
        }
        let mut curtailed = 0.0;
        if r.total_excess_mw() > 0.0 && self.ren_p_mw.iter().any(|&p| p > 0.0) {
            let topo = self.topo.get(&self.net);
            for (k, isl) in topo.islands.iter().enumerate() {
                let excess = r.excess_mw.get(k).copied().unwrap_or(0.0);
                let ren: f64 = isl.buses.iter().map(|&i| self.ren_p_mw[i]).sum();
                if excess <= 0.0 || ren <= 0.0 {
                    continue;
                }
                let c = excess.min(ren);
                for &i in &isl.buses {
                    self.net.pd_pu[i] += pu.to_pu(self.ren_p_mw[i] * c / ren);
                }
                curtailed += c;
            }
            if curtailed > 0.0 {
                r = ed.solve(&self.net, None);
                if r.status == DispatchStatus::InvalidInput {
                    self.metrics.add("dispatch_failed_steps", 1.0);
                    return (0.0, 0.0, curtailed);
                }
            }
        }
        for (g, &p) in r.pg_mw.iter().enumerate() {
            if self.net.gen_connected(g) {
                self.net.pg_pu[g] = pu.to_pu(p);
            }
        }
        let (shed, excess) = (r.total_shed_mw(), r.total_excess_mw());
        if shed > 0.0 {
            let shed_by_island = r.shed_mw.clone();
            let topo = self.topo.get(&self.net);
            for (k, isl) in topo.islands.iter().enumerate() {
                let s = shed_by_island.get(k).copied().unwrap_or(0.0);
                if s <= 0.0 {
                    continue;
                }
                let positive_mw: f64 = isl
                    .buses
                    .iter()
                    .map(|&i| pu.to_mw(self.net.pd_pu[i].max(0.0)))
                    .sum();
                let keep = if positive_mw > 0.0 {
                    (1.0 - s / positive_mw).max(0.0)
                } else {
                    1.0
                };
                for &i in &isl.buses {
                    if self.net.pd_pu[i] > 0.0 {
                        self.net.pd_pu[i] *= keep;
                        self.net.qd_pu[i] *= keep;
                    }
                }
            }
        }
        (shed, excess, curtailed)
    }

    /// The DC OPF's dispatch (scenario docs): sets the units' outputs, sheds load and curtails
    /// renewables where it says, bus by bus. Returns (shed, excess, curtailed) in MW, or `None`
    /// (counted in `dispatch_failed_steps`) when the solver fails and the merit-order dispatch
    /// must stand in.
    fn opf_step(&mut self, now: SimTime) -> Option<(f64, f64, f64)> {
        let Some(Dispatcher::DcOpf(opf, _)) = self.dispatch.as_mut() else {
            return None;
        };
        let r = opf.solve(&self.net);
        if !r.status.is_optimal() {
            self.metrics.add("dispatch_failed_steps", 1.0);
            eprintln!(
                "warning: {}: DC OPF {:?} ({}); merit-order dispatch used for this step",
                self.time_label(now),
                r.status,
                r.diagnostics.join("; ")
            );
            return None;
        }
        let pu = self.net.per_unit();
        for (g, &p) in r.pg_mw.iter().enumerate() {
            if self.net.gen_connected(g) {
                self.net.pg_pu[g] = pu.to_pu(p);
            }
        }
        let (mut shed, mut excess, mut curtailed) = (0.0, 0.0, 0.0);
        for i in 0..self.net.n_bus() {
            let s = r.load_shed_mw.get(i).copied().unwrap_or(0.0);
            if s > 0.0 {
                let pd_mw = pu.to_mw(self.net.pd_pu[i]);
                let keep = if pd_mw > 0.0 {
                    (1.0 - s / pd_mw).max(0.0)
                } else {
                    1.0
                };
                self.net.pd_pu[i] -= pu.to_pu(s);
                self.net.qd_pu[i] *= keep;
                shed += s;
            }
            let c = r.curtailed_mw.get(i).copied().unwrap_or(0.0);
            if c > 0.0 {
                // Spilled renewable output leaves the bus; forced minimum output beyond it is
                // absorbed by the reference bus, as with the merit-order dispatch.
                let ren = c.min(self.ren_p_mw[i]);
                self.net.pd_pu[i] += pu.to_pu(ren);
                curtailed += ren;
                excess += c - ren;
            }
        }
        self.metrics
            .add("opf_penalty_usd", r.penalty_usd_per_h * self.dt_s / 3600.0);
        Some((shed, excess, curtailed))
    }

    /// Applies the injections, solves, accumulates the metrics, clears the injections.
    fn solve_step(&mut self, now: SimTime) -> Result<(), String> {
        let pu = self.net.per_unit();
        for i in 0..self.net.n_bus() {
            self.net.pd_pu[i] = self.base_pd_pu[i] - pu.to_pu(self.inj_p_mw[i]);
            self.net.qd_pu[i] = self.base_qd_pu[i] - pu.to_pu(self.inj_q_mvar[i]);
        }
        let renewable_mw: f64 = self.ren_p_mw.iter().sum();
        let (shed_mw, excess_mw, curtailed_mw) = self.dispatch_step(now);
        if self.snapshots.is_some() {
            self.write_snapshot(now)?;
        }
        let res = match &mut self.solver {
            Solver::Ac(pf) => match &self.last {
                Some(prev) if prev.status.is_converged() => pf.solve(
                    &self.net,
                    Start::Warm {
                        vm_pu: &prev.vm_pu,
                        va_rad: &self.last_va_rad,
                    },
                ),
                _ => pf.solve(&self.net, Start::Case),
            },
            Solver::Dc(pf) => pf.solve(&self.net),
        };
        let dt_h = self.dt_s / 3600.0;
        self.metrics.add("steps", 1.0);
        let converged = res.status.is_converged();
        if converged {
            self.last_va_rad = res.va_deg.iter().map(|&d| PerUnit::deg_to_rad(d)).collect();
            self.last = Some(res);
            self.metrics.add("pf_failed_steps", 0.0);
        } else {
            self.metrics.add("pf_failed_steps", 1.0);
        }
        let mut row = None;
        if let Some(res) = &self.last {
            let f = judge(
                &mut self.metrics,
                &self.case,
                &self.net,
                &self.co2_t_per_mwh,
                res,
                dt_h,
                converged,
            );
            let unserved_mw = res.unserved_mw + shed_mw;
            self.metrics.add("unserved_mwh", unserved_mw * dt_h);
            if unserved_mw > 1e-6 {
                self.metrics.add("loss_of_load_h", dt_h);
            }
            row = Some((f, unserved_mw));
        }
        self.metrics.add("excess_generation_mwh", excess_mw * dt_h);
        self.metrics
            .add("renewable_curtailed_mwh", curtailed_mw * dt_h);
        self.inj_p_mw.iter_mut().for_each(|x| *x = 0.0);
        self.ren_p_mw.iter_mut().for_each(|x| *x = 0.0);
        self.inj_q_mvar.iter_mut().for_each(|x| *x = 0.0);
        let time = if self.series.is_some() {
            self.time_label(now)
        } else {
            String::new()
        };
        if let (Some(w), Some((f, unserved_mw))) = (self.series.as_mut(), row) {
            let fields = [
                time,
                u8::from(converged).to_string(),
                f.load_mw.to_string(),
                f.generation_mw.to_string(),
                f.losses_mw.to_string(),
                unserved_mw.to_string(),
                excess_mw.to_string(),
                renewable_mw.to_string(),
                curtailed_mw.to_string(),
                f.vm_min_pu.to_string(),
                f.max_branch_loading_pct.to_string(),
                f.generation_cost_usd_per_h.to_string(),
                f.co2_t_per_h.to_string(),
            ];
            w.write_record(&fields).map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// The step's UTC time as written in the per-step files.
    fn time_label(&self, now: SimTime) -> String {
        (self.start + chrono::Duration::milliseconds(now.as_ms()))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    /// Streams this run's per-step series to `w` (header written now).
    pub fn stream_series(&mut self, mut w: csv::Writer<BufWriter<File>>) -> Result<(), String> {
        w.write_record(SERIES_HEADER).map_err(|e| e.to_string())?;
        self.series = Some(w);
        Ok(())
    }

    /// Streams this run's power-flow snapshots to `w`: per step, `time_utc`, then
    /// `pd_mw:<bus>` and `qd_mvar:<bus>` of every bus and `pg_mw:<row>` of every generator
    /// (1-based `mpc.gen` row; 0 when out of service) — the power flow's inputs after the
    /// agents, the dispatch, curtailment and shedding. Header written now.
    pub fn stream_snapshots(&mut self, mut w: csv::Writer<BufWriter<File>>) -> Result<(), String> {
        let mut header = vec!["time_utc".to_string()];
        header.extend(self.case.bus.id.iter().map(|b| format!("pd_mw:{b}")));
        header.extend(self.case.bus.id.iter().map(|b| format!("qd_mvar:{b}")));
        header.extend((1..=self.net.n_gen()).map(|g| format!("pg_mw:{g}")));
        w.write_record(&header).map_err(|e| e.to_string())?;
        self.snapshots = Some(w);
        Ok(())
    }

    fn write_snapshot(&mut self, now: SimTime) -> Result<(), String> {
        let time = self.time_label(now);
        let pu = self.net.per_unit();
        let net = &self.net;
        let Some(w) = self.snapshots.as_mut() else {
            return Ok(());
        };
        let mut row = Vec::with_capacity(1 + 2 * net.n_bus() + net.n_gen());
        row.push(time);
        row.extend(net.pd_pu.iter().map(|&p| pu.to_mw(p).to_string()));
        row.extend(net.qd_pu.iter().map(|&q| pu.to_mw(q).to_string()));
        row.extend((0..net.n_gen()).map(|g| {
            let p = if net.gen_connected(g) {
                pu.to_mw(net.pg_pu[g])
            } else {
                0.0
            };
            p.to_string()
        }));
        w.write_record(&row)
            .map_err(|e| format!("writing the snapshots: {e}"))
    }

    /// Flushes the per-step files, if any.
    pub fn finish_series(&mut self) -> Result<(), String> {
        for w in [self.series.as_mut(), self.snapshots.as_mut()]
            .into_iter()
            .flatten()
        {
            w.flush().map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// Accumulates the metrics of one step judged on `res` (this step's solution when `converged`,
/// else the last good one).
///
/// `load_mwh` is the demand served at energised buses (base loads net of the agents'
/// injections); `power_balance_max_abs_mw` is the largest |generation − load − shunt
/// consumption − losses| over converged steps, a check of the solution that a user can read.
fn judge(
    m: &mut Metrics,
    case: &Case,
    net: &Network,
    co2_t_per_mwh: &[f64],
    res: &PowerFlowResult,
    dt_h: f64,
    converged: bool,
) -> StepFigures {
    let pu = net.per_unit();
    let mut load_mw = 0.0;
    let mut shunt_mw = 0.0;
    for i in 0..net.n_bus() {
        if res.energized[i] {
            load_mw += pu.to_mw(net.pd_pu[i]);
            shunt_mw += pu.to_mw(net.gs_pu[i]) * res.vm_pu[i] * res.vm_pu[i];
        }
    }
    m.add("load_mwh", load_mw * dt_h);
    let mut vmin = f64::INFINITY;
    let mut viol = 0usize;
    for i in 0..net.n_bus() {
        if !res.energized[i] {
            continue;
        }
        let v = res.vm_pu[i];
        vmin = vmin.min(v);
        if v < net.vmin_pu[i] - 1e-9 || v > net.vmax_pu[i] + 1e-9 {
            viol += 1;
        }
    }
    m.min("vm_min_pu", vmin);
    m.add("voltage_violation_bus_h", viol as f64 * dt_h);
    let mut max_loading: f64 = 0.0;
    let mut overloaded = 0usize;
    for k in 0..net.n_branch() {
        let rate = net.br_rate_a_pu[k];
        if !net.branch_connected(k) || !rate.is_finite() || rate <= 0.0 {
            continue;
        }
        let s_from = res.pf_mw[k].hypot(res.qf_mvar[k]);
        let s_to = res.pt_mw[k].hypot(res.qt_mvar[k]);
        let pct = 100.0 * s_from.max(s_to) / pu.to_mw(rate);
        max_loading = max_loading.max(pct);
        if pct > 100.0 + 1e-9 {
            overloaded += 1;
        }
    }
    m.max("max_branch_loading_pct", max_loading);
    m.add("overload_branch_h", overloaded as f64 * dt_h);
    let losses_mw: f64 = res.pf_mw.iter().zip(&res.pt_mw).map(|(a, b)| a + b).sum();
    m.add("losses_mwh", losses_mw * dt_h);
    let mut cost = 0.0;
    let mut gen_mw = 0.0;
    let mut co2_t_per_h = 0.0;
    for (g, &p) in res.pg_mw.iter().enumerate() {
        gen_mw += p;
        co2_t_per_h += co2_t_per_mwh.get(g).copied().unwrap_or(0.0) * p.max(0.0);
        if let Some(c) = case.gencost.get(g) {
            if net.gen_connected(g) {
                cost += c.cost_usd_per_h(p);
            }
        }
    }
    m.add("generation_mwh", gen_mw * dt_h);
    if converged {
        m.max(
            "power_balance_max_abs_mw",
            (gen_mw - load_mw - shunt_mw - losses_mw).abs(),
        );
    }
    m.max("generation_peak_mw", gen_mw);
    m.add("generation_cost_usd", cost * dt_h);
    m.add("co2_t", co2_t_per_h * dt_h);
    StepFigures {
        co2_t_per_h,
        load_mw,
        generation_mw: gen_mw,
        losses_mw,
        vm_min_pu: vmin,
        max_branch_loading_pct: max_loading,
        generation_cost_usd_per_h: cost,
    }
}

/// One step's figures as written to the time series.
struct StepFigures {
    load_mw: f64,
    generation_mw: f64,
    losses_mw: f64,
    vm_min_pu: f64,
    max_branch_loading_pct: f64,
    generation_cost_usd_per_h: f64,
    co2_t_per_h: f64,
}

/// Header of a run's time series (one row per step).
pub const SERIES_HEADER: [&str; 13] = [
    "time_utc",
    "pf_converged",
    "load_mw",
    "generation_mw",
    "losses_mw",
    "unserved_mw",
    "excess_generation_mw",
    "renewable_mw",
    "renewable_curtailed_mw",
    "vm_min_pu",
    "max_branch_loading_pct",
    "generation_cost_usd_per_h",
    "co2_t_per_h",
];

/// The grid solve as a kernel model (phase `solve`, every step).
pub struct GridModel {
    /// Step length.
    pub every: SimDuration,
}

impl Model<GridWorld, Tick> for GridModel {
    fn init(&mut self, ctx: &mut Context<'_, GridWorld, Tick>) -> SimResult<()> {
        let me = ctx.me();
        ctx.every(
            Periodic::every(self.every).phase(Phase::SOLVE),
            me,
            Tick::Step,
        )?;
        Ok(())
    }
    fn handle(&mut self, _: Tick, ctx: &mut Context<'_, GridWorld, Tick>) -> SimResult<()> {
        let now = ctx.now();
        match ctx.world().solve_step(now) {
            Ok(()) => Ok(()),
            Err(e) => Err(ctx.error(format!("writing the time series: {e}"))),
        }
    }
}

/// One element's failure/repair process as a kernel model (phase `measure`, before the agents):
/// the element's state at the start of an interval holds for the whole interval; transitions
/// inside it take effect at the next one.
pub struct FailureModel {
    /// The element.
    pub element: FailingElement,
    /// Its figures.
    pub params: FailureParams,
    /// Its state at the start.
    pub initial: InitialState,
    /// The process (drawn in `init` from the model's own stream).
    pub process: Option<FailureProcess>,
    /// Step length.
    pub every: SimDuration,
}

impl Model<GridWorld, Tick> for FailureModel {
    fn init(&mut self, ctx: &mut Context<'_, GridWorld, Tick>) -> SimResult<()> {
        let p = match FailureProcess::starting(&self.params, 0.0, self.initial, ctx.rng()) {
            Ok(p) => p,
            Err(e) => return Err(ctx.error(e)),
        };
        self.process = Some(p);
        let me = ctx.me();
        ctx.every(
            Periodic::every(self.every).phase(Phase::MEASURE),
            me,
            Tick::Step,
        )?;
        Ok(())
    }

    fn handle(&mut self, _: Tick, ctx: &mut Context<'_, GridWorld, Tick>) -> SimResult<()> {
        let now = ctx.now();
        let Some(p) = self.process.as_mut() else {
            return Ok(());
        };
        let up = p.is_up();
        let t = ctx.world().step_time(now);
        let dt_s = ctx.world().dt_s;
        let dt_h = dt_s / 3600.0;
        p.step(&t, dt_s, ctx.rng());
        let w = ctx.world();
        match self.element {
            FailingElement::Gen(g) => {
                w.set_gen_in_service(g, up);
                if !up {
                    w.metrics.add("gen_outage_h", dt_h);
                    let pmax = w.case.gen.pmax_mw[g];
                    w.metrics.add("gen_outage_mwh", pmax * dt_h);
                }
            }
            FailingElement::Branch(k) => {
                w.set_branch_in_service(k, up);
                if !up {
                    w.metrics.add("branch_outage_h", dt_h);
                }
            }
        }
        Ok(())
    }
}

/// What an agent model wraps.
pub enum Agent {
    /// EV fleet.
    Ev(Box<EvFleet>),
    /// PV plant.
    Pv(Box<PvPlant>),
    /// Wind farm.
    Wind(Box<WindFarm>),
    /// Battery and its rule (`None`: idle).
    Battery(Box<Battery>, Option<BatteryRule>),
    /// Synthetic load.
    Load(Box<SyntheticLoad>),
    /// Profile replay: generation, or demand when the flag is set.
    Profile(Box<ProfileReplay>, bool),
    /// Base loads of the buses (index, load) that follow regional profiles.
    BaseLoads(Vec<(usize, ProfileLoad)>),
}

/// An agent at a bus as a kernel model.
pub struct AgentModel {
    /// Metric prefix (the agent kind): metrics are summed over agents of one kind.
    pub kind: &'static str,
    /// Bus index in the network.
    pub bus: usize,
    /// The agent.
    pub agent: Agent,
    /// Step length.
    pub every: SimDuration,
    /// Number of steps of the horizon (the last one closes the agent's books).
    pub n_steps: u64,
    /// Steps taken so far.
    pub taken: u64,
}

impl Model<GridWorld, Tick> for AgentModel {
    fn init(&mut self, ctx: &mut Context<'_, GridWorld, Tick>) -> SimResult<()> {
        let me = ctx.me();
        let phase = match self.agent {
            // Base loads are set before any agent reads the feeder's net load.
            Agent::BaseLoads(..) => Phase::MEASURE,
            Agent::Battery(..) => Phase::DISPATCH,
            _ => Phase::CONTROL,
        };
        ctx.every(Periodic::every(self.every).phase(phase), me, Tick::Step)?;
        Ok(())
    }

    fn handle(&mut self, _: Tick, ctx: &mut Context<'_, GridWorld, Tick>) -> SimResult<()> {
        let now = ctx.now();
        let t = ctx.world().step_time(now);
        let dt_s = ctx.world().dt_s;
        let dt_h = dt_s / 3600.0;
        self.taken += 1;
        let last = self.taken == self.n_steps;
        let bus = self.bus;
        let kind = self.kind;
        match &mut self.agent {
            Agent::Ev(fleet) => {
                let out = fleet.step(&t, dt_s, ctx.rng());
                let w = ctx.world();
                w.inject(bus, -out.p_mw, -out.q_mvar);
                if last {
                    let m = fleet.finish();
                    let mm = &mut w.metrics;
                    mm.add("ev_requested_kwh", m.energy_requested_kwh);
                    mm.add("ev_delivered_kwh", m.energy_delivered_kwh);
                    mm.add("ev_sessions", m.sessions as f64);
                    mm.add("ev_sessions_unmet", m.sessions_unmet as f64);
                    mm.add("ev_sessions_blocked", m.sessions_blocked as f64);
                    mm.max("ev_peak_kw", m.peak_kw);
                    mm.add("ev_energy_cost_usd", m.energy_cost_usd);
                }
            }
            Agent::Pv(pv) => {
                // The observer-independent part of the sun's position is computed once per
                // step for all plants (same ΔT), which is most of a PV step's cost.
                let p = pv.params();
                let weather = Weather {
                    temp_air_c: p.temp_air_c,
                    wind_speed_m_per_s: p.wind_speed_m_per_s,
                };
                let eph = ctx.world().ephemeris(now, &t, dt_s, p.delta_t_s);
                let out = pv.step_shared(&t, dt_s, &eph, &weather, ctx.rng());
                let w = ctx.world();
                w.inject_renewable(bus, out.p_mw, out.q_mvar);
                w.metrics.add("pv_energy_mwh", out.p_mw * dt_h);
                w.metrics.add("pv_clipped_mwh", out.clipped_mw * dt_h);
            }
            Agent::Wind(farm) => {
                let out = farm.step(&t, dt_s, ctx.rng());
                let w = ctx.world();
                w.inject_renewable(bus, out.p_mw, 0.0);
                w.metrics.add("wind_energy_mwh", out.p_mw * dt_h);
            }
            Agent::Load(load) => {
                let out = load.step(&t, dt_s, ctx.rng());
                let w = ctx.world();
                w.inject(bus, -out.p_mw, -out.q_mvar);
                w.metrics
                    .add(&format!("{kind}_energy_mwh"), out.p_mw * dt_h);
            }
            Agent::Profile(replay, demand) => {
                let v = replay.step(&t, dt_s);
                let w = ctx.world();
                if *demand {
                    w.inject(bus, -v, 0.0);
                    w.metrics.add("profile_demand_mwh", v * dt_h);
                } else {
                    w.inject_renewable(bus, v, 0.0);
                    w.metrics.add("profile_generation_mwh", v * dt_h);
                }
            }
            Agent::BaseLoads(loads) => {
                let w = ctx.world();
                let pu = w.net.per_unit();
                for (i, l) in loads.iter_mut() {
                    let out = l.step(&t, dt_s);
                    w.base_pd_pu[*i] = pu.to_pu(out.p_mw);
                    w.base_qd_pu[*i] = pu.to_pu(out.q_mvar);
                }
            }
            Agent::Battery(battery, rule) => {
                let w = ctx.world();
                let obs = BatteryObservation {
                    price_usd_per_mwh: w.price_usd_per_mwh(&t),
                    feeder_load_mw: w.net_load_mw(),
                };
                let out = match rule {
                    Some(r) => r.control(&obs, battery, dt_s),
                    None => battery.step(0.0, dt_s),
                };
                w.inject(bus, out.p_mw, out.q_mvar);
                w.metrics.add("battery_charged_mwh", out.charged_mwh);
                w.metrics.add("battery_discharged_mwh", out.discharged_mwh);
                w.metrics.add("battery_losses_mwh", out.losses_mwh);
                w.metrics.add(
                    "battery_energy_cost_usd",
                    (out.charged_mwh - out.discharged_mwh) * obs.price_usd_per_mwh,
                );
            }
        }
        Ok(())
    }
}
