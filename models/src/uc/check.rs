//! Independent schedule checker: verifies every constraint of PGLib-UC's MODEL.tex for a given
//! schedule and recomputes its cost from the instance alone (shares no code with the solver).
//!
//! With `û_g(t)` the commitment, `P_g(t)` the total output, `p_g(t) = P_g(t) − P̲_g û_g(t)` the
//! output above minimum, `r_g(t)` the reserve, `v_g(t) = max(û_g(t) − û_g(t−1), 0)` and
//! `w_g(t) = max(û_g(t−1) − û_g(t), 0)` derived from the commitment (with `û_g(0) = U_g⁰`):
//! demand balance (with the penalised slacks when given), reserve, initial up/down requirement,
//! must-run, minimum up/down times as spells (a start at `t` keeps the unit on through
//! `min(t + UT − 1, T)`, likewise for shutdowns), the initial ramp and shutdown conditions, the
//! two output limits with startup and shutdown capability, ramping, output within
//! `[P̲, P̄]` while on and zero while off, and renewable bounds. Tolerance: `1e-5 MW` plus
//! `1e-7` of the quantity's size.
//!
//! Cost: `CP¹_g` per committed period, the cost curve interpolated at `P_g(t)` minus `CP¹_g`
//! (the curve is convex, so this equals MODEL.tex's optimal λ split), and per start the cost of
//! the category `s` with `TS^s ≤ off < TS^{s+1}`, else the coldest, where `off` is the number
//! of periods since the last shutdown (`DT⁰ + t − 1` for a unit off since before the horizon).

use super::model::{CostBreakdown, UcInstance, UcSchedule};
use super::settings::UcPenalties;

/// What the checker found.
#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    /// One message per violated constraint (empty when the schedule is feasible).
    pub violations: Vec<String>,
    /// The schedule's cost recomputed from the instance.
    pub cost: CostBreakdown,
}

impl CheckReport {
    /// True when no constraint is violated.
    pub fn is_ok(&self) -> bool {
        self.violations.is_empty()
    }
}

fn tol(x: f64) -> f64 {
    1e-5 + 1e-7 * x.abs()
}

/// Checks `s` against `inst`; `penalties` prices the slacks of a penalised schedule.
pub fn check_schedule(
    inst: &UcInstance,
    s: &UcSchedule,
    penalties: Option<&UcPenalties>,
) -> CheckReport {
    let mut rep = CheckReport::default();
    if let Err(e) = inst.validate() {
        rep.violations
            .push(format!("the instance itself is invalid: {e}"));
        return rep;
    }
    let nt = inst.periods;
    let ng = inst.thermal.len();
    let bad = |v: &mut Vec<String>, m: String| v.push(m);
    let dims_ok = s.commitment.len() == ng
        && s.thermal_mw.len() == ng
        && s.reserve_mw.len() == ng
        && s.renewable_mw.len() == inst.renewable.len()
        && s.commitment.iter().all(|x| x.len() == nt)
        && s.thermal_mw.iter().all(|x| x.len() == nt)
        && s.reserve_mw.iter().all(|x| x.len() == nt)
        && s.renewable_mw.iter().all(|x| x.len() == nt)
        && [&s.shed_mw, &s.surplus_mw, &s.reserve_shortfall_mw]
            .iter()
            .all(|v| v.is_empty() || v.len() == nt);
    if !dims_ok {
        bad(
            &mut rep.violations,
            "schedule dimensions do not match the instance".into(),
        );
        return rep;
    }
    let slack = |v: &Vec<f64>, t: usize| v.get(t).copied().unwrap_or(0.0);
    // System constraints.
    for t in 0..nt {
        let supply: f64 = s.thermal_mw.iter().map(|x| x[t]).sum::<f64>()
            + s.renewable_mw.iter().map(|x| x[t]).sum::<f64>();
        let d = inst.demand_mw[t];
        let served = supply + slack(&s.shed_mw, t) - slack(&s.surplus_mw, t);
        if (served - d).abs() > tol(d) {
            bad(
                &mut rep.violations,
                format!("period {}: supply {served} MW != demand {d} MW", t + 1),
            );
        }
        let res: f64 =
            s.reserve_mw.iter().map(|x| x[t]).sum::<f64>() + slack(&s.reserve_shortfall_mw, t);
        if res < inst.reserve_mw[t] - tol(inst.reserve_mw[t]) {
            bad(
                &mut rep.violations,
                format!(
                    "period {}: reserve {res} MW < requirement {} MW",
                    t + 1,
                    inst.reserve_mw[t]
                ),
            );
        }
        for (name, v) in [
            ("shed", &s.shed_mw),
            ("surplus", &s.surplus_mw),
            ("reserve shortfall", &s.reserve_shortfall_mw),
        ] {
            if slack(v, t) < -1e-9 {
                bad(
                    &mut rep.violations,
                    format!("period {}: negative {name}", t + 1),
                );
            }
        }
        if let Some(p) = penalties {
            rep.cost.penalty_usd += p.shed_usd_per_mwh
                * (slack(&s.shed_mw, t) + slack(&s.surplus_mw, t))
                + p.reserve_shortfall_usd_per_mwh * slack(&s.reserve_shortfall_mw, t);
        }
    }
    for (w, (unit, out)) in inst.renewable.iter().zip(&s.renewable_mw).enumerate() {
        for t in 0..nt {
            let (lo, hi) = (unit.p_min_mw[t], unit.p_max_mw[t]);
            if out[t] < lo - tol(lo) || out[t] > hi + tol(hi) {
                bad(
                    &mut rep.violations,
                    format!(
                        "renewable {} ({w}) period {}: {} MW outside [{lo}, {hi}]",
                        unit.name,
                        t + 1,
                        out[t]
                    ),
                );
            }
        }
    }
    // Unit constraints.
    for (gi, g) in inst.thermal.iter().enumerate() {
        let on = &s.commitment[gi];
        let out = &s.thermal_mw[gi];
        let res = &s.reserve_mw[gi];
        let n = &g.name;
        let mut m = |msg: String| rep.violations.push(format!("unit {n}: {msg}"));
        let span = g.p_max_mw - g.p_min_mw;
        let uu = |t: usize| if on[t] { 1.0 } else { 0.0 };
        let u_prev = |t: usize| if t == 0 { g.on_t0 } else { on[t - 1] };
        let v = |t: usize| on[t] && !u_prev(t);
        let w = |t: usize| !on[t] && u_prev(t);
        let above = |t: usize| out[t] - g.p_min_mw * uu(t);
        let su_red = (g.p_max_mw - g.startup_limit_mw).max(0.0);
        let sd_red = (g.p_max_mw - g.shutdown_limit_mw).max(0.0);
        let p0_above = if g.on_t0 { g.p_t0_mw - g.p_min_mw } else { 0.0 };
        for t in 0..nt {
            if !out[t].is_finite() || !res[t].is_finite() || res[t] < -tol(0.0) {
                m(format!(
                    "period {}: output or reserve not a finite non-negative number",
                    t + 1
                ));
                continue;
            }
            if on[t] {
                if out[t] < g.p_min_mw - tol(g.p_min_mw) || out[t] > g.p_max_mw + tol(g.p_max_mw) {
                    m(format!(
                        "period {}: output {} MW outside [{}, {}]",
                        t + 1,
                        out[t],
                        g.p_min_mw,
                        g.p_max_mw
                    ));
                }
            } else if out[t].abs() > tol(0.0) || res[t] > tol(0.0) {
                m(format!(
                    "period {}: off but output {} MW, reserve {} MW",
                    t + 1,
                    out[t],
                    res[t]
                ));
            }
            if g.must_run && !on[t] {
                m(format!("period {}: must-run unit off", t + 1));
            }
            // MaxOutput1 / MaxOutput2.
            let head = above(t) + res[t];
            let lim1 = span * uu(t) - su_red * if v(t) { 1.0 } else { 0.0 };
            if head > lim1 + tol(lim1) {
                m(format!(
                    "period {}: output+reserve above minimum {head} MW > startup-limited {lim1} MW",
                    t + 1
                ));
            }
            if t + 1 < nt {
                let lim2 = span * uu(t) - sd_red * if w(t + 1) { 1.0 } else { 0.0 };
                if head > lim2 + tol(lim2) {
                    m(format!("period {}: output+reserve above minimum {head} MW > shutdown-limited {lim2} MW", t + 1));
                }
            }
            // Ramping (with the t = 1 versions using P⁰).
            let prev = if t == 0 { p0_above } else { above(t - 1) };
            if head - prev > g.ramp_up_mw_per_h + tol(g.ramp_up_mw_per_h) {
                m(format!(
                    "period {}: ramp up {} MW > {} MW",
                    t + 1,
                    head - prev,
                    g.ramp_up_mw_per_h
                ));
            }
            if prev - above(t) > g.ramp_down_mw_per_h + tol(g.ramp_down_mw_per_h) {
                m(format!(
                    "period {}: ramp down {} MW > {} MW",
                    t + 1,
                    prev - above(t),
                    g.ramp_down_mw_per_h
                ));
            }
        }
        // MaxOutput2Init.
        if g.on_t0 && nt > 0 && w(0) && p0_above > span - sd_red + tol(span) {
            m(format!(
                "shuts down in period 1 from {} MW, above its shutdown capability",
                g.p_t0_mw
            ));
        }
        // Initial up/down requirements.
        if g.on_t0 {
            let k = (g.min_up_h.saturating_sub(g.up_t0_h) as usize).min(nt);
            if let Some(t) = (0..k).find(|&t| !on[t]) {
                m(format!(
                    "off in period {} within its initial minimum up time",
                    t + 1
                ));
            }
        } else {
            let k = (g.min_down_h.saturating_sub(g.down_t0_h) as usize).min(nt);
            if let Some(t) = (0..k).find(|&t| on[t]) {
                m(format!(
                    "on in period {} within its initial minimum down time",
                    t + 1
                ));
            }
        }
        // Minimum up/down spells, and startup categories.
        let mut last_shutdown: Option<i64> = if g.on_t0 {
            None
        } else {
            Some(1 - g.down_t0_h as i64)
        };
        for t in 0..nt {
            if v(t) {
                let end = (t + g.min_up_h as usize).min(nt);
                if let Some(k) = (t..end).find(|&k| !on[k]) {
                    m(format!(
                        "started in period {} but off in period {} (minimum up {} h)",
                        t + 1,
                        k + 1,
                        g.min_up_h
                    ));
                }
                let off = last_shutdown.map(|sd| (t as i64 + 1) - sd);
                let cat = off.and_then(|off| {
                    g.startup
                        .windows(2)
                        .position(|c| off >= c[0].lag_h as i64 && off < c[1].lag_h as i64)
                });
                let cost = match cat {
                    Some(c) => g.startup[c].cost_usd,
                    None => g.startup.last().map_or(0.0, |c| c.cost_usd),
                };
                rep.cost.startup_usd += cost;
            }
            if w(t) {
                let end = (t + g.min_down_h as usize).min(nt);
                if let Some(k) = (t..end).find(|&k| on[k]) {
                    m(format!(
                        "shut down in period {} but on in period {} (minimum down {} h)",
                        t + 1,
                        k + 1,
                        g.min_down_h
                    ));
                }
                last_shutdown = Some(t as i64 + 1);
            }
        }
        // Production and no-load cost.
        let c = &g.cost_curve;
        let cp1 = c.first().map_or(0.0, |p| p.cost_usd_per_h);
        for t in (0..nt).filter(|&t| on[t]) {
            rep.cost.no_load_usd += cp1;
            let p = out[t].clamp(g.p_min_mw, g.p_max_mw);
            let mut cost = c.last().map_or(0.0, |q| q.cost_usd_per_h);
            for k in c.windows(2) {
                if p <= k[1].p_mw {
                    let f = if k[1].p_mw > k[0].p_mw {
                        (p - k[0].p_mw) / (k[1].p_mw - k[0].p_mw)
                    } else {
                        0.0
                    };
                    cost = k[0].cost_usd_per_h
                        + f.clamp(0.0, 1.0) * (k[1].cost_usd_per_h - k[0].cost_usd_per_h);
                    break;
                }
            }
            if c.len() == 1 {
                cost = cp1;
            }
            rep.cost.production_usd += cost - cp1;
        }
    }
    rep
}
