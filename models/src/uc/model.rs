//! Unit-commitment instance and schedule types, independent of any file format and of the kernel.

use std::fmt::Write as _;

use super::error::UcError;

/// One point of a production-cost curve: at `p_mw` the unit costs `cost_usd_per_h`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CostPoint {
    /// Output (MW).
    pub p_mw: f64,
    /// Cost of running one hour at that output ($/h).
    pub cost_usd_per_h: f64,
}

/// A startup category: after at least `lag_h` hours offline, a start costs `cost_usd`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StartupCategory {
    /// Hours offline after which this category applies (`TS^s`).
    pub lag_h: u32,
    /// Cost of one start in this category (`CS^s`, $).
    pub cost_usd: f64,
}

/// A thermal unit (MODEL.tex symbols in brackets).
#[derive(Debug, Clone, PartialEq)]
pub struct ThermalUnit {
    /// Unit name, used in every output and message.
    pub name: String,
    /// Must-run (`U_g`): committed in every period.
    pub must_run: bool,
    /// Minimum output when committed (`P_g` under-bar, MW).
    pub p_min_mw: f64,
    /// Maximum output (`P_g` over-bar, MW).
    pub p_max_mw: f64,
    /// Ramp-up limit between consecutive committed periods (`RU_g`, MW/h).
    pub ramp_up_mw_per_h: f64,
    /// Ramp-down limit between consecutive committed periods (`RD_g`, MW/h).
    pub ramp_down_mw_per_h: f64,
    /// Highest output in the period a unit starts (`SU_g`, MW).
    pub startup_limit_mw: f64,
    /// Highest output in the period before a unit shuts down (`SD_g`, MW).
    pub shutdown_limit_mw: f64,
    /// Minimum up time (`UT_g`, h).
    pub min_up_h: u32,
    /// Minimum down time (`DT_g`, h).
    pub min_down_h: u32,
    /// Committed in the period before the horizon (`U_g^0`).
    pub on_t0: bool,
    /// Periods on before the horizon (`UT_g^0`), 0 if off.
    pub up_t0_h: u32,
    /// Periods off before the horizon (`DT_g^0`), 0 if on.
    pub down_t0_h: u32,
    /// Output in the period before the horizon (`P_g^0`, MW).
    pub p_t0_mw: f64,
    /// Startup categories, hottest first, lags strictly increasing (`TS_g^s`, `CS_g^s`).
    pub startup: Vec<StartupCategory>,
    /// Convex piecewise-linear cost curve from `p_min_mw` to `p_max_mw` (`P_g^l`, `CP_g^l`);
    /// the first point's cost is the no-load cost.
    pub cost_curve: Vec<CostPoint>,
}

/// A renewable (curtailable) unit with per-period output bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct RenewableUnit {
    /// Unit name.
    pub name: String,
    /// Lowest output per period (`P_w(t)` under-bar, MW).
    pub p_min_mw: Vec<f64>,
    /// Highest output per period (`P_w(t)` over-bar, MW).
    pub p_max_mw: Vec<f64>,
}

/// A unit-commitment instance: hourly periods, demand, reserve requirement and units.
#[derive(Debug, Clone, PartialEq)]
pub struct UcInstance {
    /// Number of hourly periods `T`.
    pub periods: usize,
    /// Demand per period (`D(t)`, MW).
    pub demand_mw: Vec<f64>,
    /// Spinning-reserve requirement per period (`R(t)`, MW).
    pub reserve_mw: Vec<f64>,
    /// Thermal units.
    pub thermal: Vec<ThermalUnit>,
    /// Renewable units.
    pub renewable: Vec<RenewableUnit>,
}

impl ThermalUnit {
    /// Number of periods at the start of the horizon in which the unit is forced on by its
    /// minimum up time (`min(UT − UT⁰, T)` when on at t0), or forced off by its minimum down
    /// time (when off): `(forced_on, forced_off)`.
    pub fn initial_forced_periods(&self, periods: usize) -> (usize, usize) {
        if self.on_t0 {
            let n = self.min_up_h.saturating_sub(self.up_t0_h) as usize;
            (n.min(periods), 0)
        } else {
            let n = self.min_down_h.saturating_sub(self.down_t0_h) as usize;
            (0, n.min(periods))
        }
    }
}

fn finite_nonneg(v: f64) -> bool {
    v.is_finite() && v >= 0.0
}

impl UcInstance {
    /// Demand of period `t` (0-based) less the renewables' maximum, at least 0: what thermal
    /// units must cover when every renewable runs at its limit.
    pub fn net_demand_mw(&self, t: usize) -> f64 {
        let renewable: f64 = self.renewable.iter().map(|r| r.p_max_mw[t]).sum();
        (self.demand_mw[t] - renewable).max(0.0)
    }

    /// Checks the instance's meaning (not its syntax): lengths, signs, ordering of curves and
    /// lags, initial conditions. Every problem found is listed, each naming the unit and field.
    pub fn validate(&self) -> Result<(), UcError> {
        let mut msgs: Vec<String> = Vec::new();
        let t = self.periods;
        if t == 0 {
            msgs.push("time_periods: expected at least 1 period".into());
        }
        for (what, v) in [("demand", &self.demand_mw), ("reserves", &self.reserve_mw)] {
            if v.len() != t {
                msgs.push(format!(
                    "{what}: expected {t} values (one per period), found {}",
                    v.len()
                ));
            }
            if let Some((i, x)) = v.iter().enumerate().find(|(_, x)| !finite_nonneg(**x)) {
                msgs.push(format!(
                    "{what}[{i}]: expected a finite value >= 0, found {x}"
                ));
            }
        }
        let mut names = std::collections::BTreeSet::new();
        for g in &self.thermal {
            let n = &g.name;
            if !names.insert(n.clone()) {
                msgs.push(format!("unit {n}: name used twice"));
            }
            let mut e = |m: String| msgs.push(format!("thermal unit {n}: {m}"));
            for (f, v) in [
                ("power_output_minimum", g.p_min_mw),
                ("power_output_maximum", g.p_max_mw),
                ("ramp_up_limit", g.ramp_up_mw_per_h),
                ("ramp_down_limit", g.ramp_down_mw_per_h),
                ("ramp_startup_limit", g.startup_limit_mw),
                ("ramp_shutdown_limit", g.shutdown_limit_mw),
                ("power_output_t0", g.p_t0_mw),
            ] {
                if !finite_nonneg(v) {
                    e(format!("{f}: expected a finite value >= 0 MW, found {v}"));
                }
            }
            if g.p_min_mw > g.p_max_mw {
                e(format!(
                    "power_output_minimum {} MW above power_output_maximum {} MW",
                    g.p_min_mw, g.p_max_mw
                ));
            }
            if g.on_t0 && (g.p_t0_mw < g.p_min_mw - 1e-6 || g.p_t0_mw > g.p_max_mw + 1e-6) {
                e(format!(
                    "power_output_t0 {} MW outside [{}, {}] MW of a unit on at t0",
                    g.p_t0_mw, g.p_min_mw, g.p_max_mw
                ));
            }
            if !g.on_t0 && g.p_t0_mw != 0.0 {
                e(format!(
                    "power_output_t0 {} MW for a unit off at t0 (expected 0)",
                    g.p_t0_mw
                ));
            }
            if g.on_t0 && (g.up_t0_h == 0 || g.down_t0_h != 0) {
                e("unit_on_t0 = 1 needs time_up_t0 >= 1 and time_down_t0 = 0".into());
            }
            if !g.on_t0 && (g.down_t0_h == 0 || g.up_t0_h != 0) {
                e("unit_on_t0 = 0 needs time_down_t0 >= 1 and time_up_t0 = 0".into());
            }
            if g.min_up_h == 0 || g.min_down_h == 0 {
                e("time_up_minimum and time_down_minimum: expected at least 1 h".into());
            }
            if g.startup.is_empty() {
                e("startup: expected at least one category".into());
            }
            for (i, s) in g.startup.iter().enumerate() {
                if !finite_nonneg(s.cost_usd) {
                    e(format!(
                        "startup[{i}].cost: expected a finite value >= 0, found {}",
                        s.cost_usd
                    ));
                }
                if i > 0 && s.lag_h <= g.startup[i - 1].lag_h {
                    e(format!(
                        "startup[{i}].lag: expected lags strictly increasing (hottest first)"
                    ));
                }
            }
            let c = &g.cost_curve;
            if c.is_empty() {
                e("piecewise_production: expected at least one point".into());
            } else {
                let tol = |x: f64| 1e-6 * x.abs().max(1.0);
                if (c[0].p_mw - g.p_min_mw).abs() > tol(g.p_min_mw) {
                    e(format!(
                        "piecewise_production[0].mw {} differs from power_output_minimum {}",
                        c[0].p_mw, g.p_min_mw
                    ));
                }
                let last = c[c.len() - 1].p_mw;
                if (last - g.p_max_mw).abs() > tol(g.p_max_mw) {
                    e(format!(
                        "piecewise_production[{}].mw {last} differs from power_output_maximum {}",
                        c.len() - 1,
                        g.p_max_mw
                    ));
                }
                if c.len() == 1 && g.p_max_mw - g.p_min_mw > tol(g.p_max_mw) {
                    e(
                        "piecewise_production: one point, but minimum and maximum output differ"
                            .into(),
                    );
                }
                let mut prev_slope = f64::NEG_INFINITY;
                for (i, w) in c.windows(2).enumerate() {
                    let dp = w[1].p_mw - w[0].p_mw;
                    if dp <= 0.0 {
                        e(format!(
                            "piecewise_production[{}].mw: expected increasing outputs",
                            i + 1
                        ));
                        break;
                    }
                    let slope = (w[1].cost_usd_per_h - w[0].cost_usd_per_h) / dp;
                    if slope < prev_slope - 1e-9 * prev_slope.abs().max(1.0) {
                        e(format!(
                            "piecewise_production[{}]: expected a convex curve (slope {slope} after {prev_slope})",
                            i + 1
                        ));
                    }
                    prev_slope = slope;
                }
                if c.iter().any(|p| !p.cost_usd_per_h.is_finite()) {
                    e("piecewise_production: a cost is not finite".into());
                }
            }
        }
        for w in &self.renewable {
            let n = &w.name;
            if !names.insert(n.clone()) {
                msgs.push(format!("unit {n}: name used twice"));
            }
            if w.p_min_mw.len() != t || w.p_max_mw.len() != t {
                msgs.push(format!(
                    "renewable unit {n}: expected {t} values per output bound"
                ));
                continue;
            }
            for (i, (lo, hi)) in w.p_min_mw.iter().zip(&w.p_max_mw).enumerate() {
                if !finite_nonneg(*lo) || !finite_nonneg(*hi) || lo > hi {
                    msgs.push(format!(
                        "renewable unit {n}: period {i}: expected 0 <= minimum <= maximum, found [{lo}, {hi}] MW"
                    ));
                    break;
                }
            }
        }
        if msgs.is_empty() {
            Ok(())
        } else {
            let mut s = String::new();
            for m in &msgs {
                let _ = writeln!(s, "  {m}");
            }
            Err(UcError::Invalid {
                file: "instance".into(),
                count: msgs.len(),
                details: s.trim_end().to_string(),
            })
        }
    }
}

/// A schedule: what a solver (or anyone) proposes for an instance, checked by
/// [`crate::uc::check::check_schedule`]. Indices follow the instance's unit order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UcSchedule {
    /// Commitment per thermal unit and period.
    pub commitment: Vec<Vec<bool>>,
    /// Total output per thermal unit and period (MW, including the minimum output).
    pub thermal_mw: Vec<Vec<f64>>,
    /// Spinning reserve held per thermal unit and period (MW).
    pub reserve_mw: Vec<Vec<f64>>,
    /// Output per renewable unit and period (MW).
    pub renewable_mw: Vec<Vec<f64>>,
    /// Demand not served per period (MW), penalised mode only (empty otherwise).
    pub shed_mw: Vec<f64>,
    /// Generation above demand per period (MW), penalised mode only (empty otherwise).
    pub surplus_mw: Vec<f64>,
    /// Reserve requirement not met per period (MW), penalised mode only (empty otherwise).
    pub reserve_shortfall_mw: Vec<f64>,
}

/// Operating cost of a schedule, split as in MODEL.tex's objective.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CostBreakdown {
    /// Σ c_g(t): cost above the no-load cost, from the piecewise-linear curves ($).
    pub production_usd: f64,
    /// Σ CP_g¹ u_g(t): no-load cost ($).
    pub no_load_usd: f64,
    /// Σ CS_g^s δ_g^s(t): startup cost ($).
    pub startup_usd: f64,
    /// Penalties for shed load, surplus and reserve shortfall ($; 0 in strict mode).
    pub penalty_usd: f64,
}

impl CostBreakdown {
    /// Total cost ($).
    pub fn total_usd(&self) -> f64 {
        self.production_usd + self.no_load_usd + self.startup_usd + self.penalty_usd
    }
}
