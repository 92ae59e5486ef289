//! The tight three-binary MILP (Knueven–Ostrowski–Watson / EGRET "tight") assembled for HiGHS.
//!
//! Column and row layout, bounds from initial conditions and must-run, and the map back from a
//! solution vector to a [`UcSchedule`]. The equations are written in the module doc of
//! [`crate::uc`].

use gridsim_networks::opf::highs::ModelData;

use super::model::{ThermalUnit, UcInstance, UcSchedule};
use super::settings::UcPenalties;

/// Columns of one thermal unit in one period.
#[derive(Debug, Clone, Default)]
pub(crate) struct UnitCols {
    pub u: usize,
    pub v: usize,
    pub w: usize,
    pub p: usize,
    pub r: usize,
    /// One column per cost segment.
    pub seg: Vec<usize>,
}

/// A (shutdown, startup) pairing of the matching startup-cost formulation: the column, the
/// startup period and the cost saved against a cold start ($, ≤ 0).
#[derive(Debug, Clone)]
pub(crate) struct StartMatch {
    pub col: usize,
    pub cost_usd: f64,
    /// Period of the shutdown (`None`: the one before the horizon).
    pub shutdown: Option<usize>,
    /// Period of the startup.
    pub startup: usize,
}

/// The assembled model with its index maps.
#[derive(Debug, Clone)]
pub(crate) struct Formulation {
    pub md: ModelData,
    pub integer: Vec<bool>,
    /// `cols[g][t]`.
    pub cols: Vec<Vec<UnitCols>>,
    /// Startup pairings of each unit.
    pub matches: Vec<Vec<StartMatch>>,
    /// Total renewable output of period `t` (`ren[t]`): one column per period between the
    /// sums of the units' bounds, since renewables cost nothing and meet only the balance.
    pub ren: Vec<usize>,
    /// (shed, surplus, reserve shortfall) per period, penalised mode.
    pub slack: Option<Vec<(usize, usize, usize)>>,
    /// Demand-balance row of each period.
    pub demand_row: Vec<usize>,
    /// Reserve row of each period.
    pub reserve_row: Vec<usize>,
}

/// Convex cost curve data of a unit: segment lengths (MW) and slopes ($/MWh), no-load cost.
pub(crate) fn segments(g: &ThermalUnit) -> (Vec<f64>, Vec<f64>) {
    let mut len = Vec::new();
    let mut slope = Vec::new();
    for w in g.cost_curve.windows(2) {
        let dp = w[1].p_mw - w[0].p_mw;
        if dp > 0.0 {
            len.push(dp);
            slope.push((w[1].cost_usd_per_h - w[0].cost_usd_per_h) / dp);
        }
    }
    (len, slope)
}

struct Builder {
    cost: Vec<f64>,
    lo: Vec<f64>,
    hi: Vec<f64>,
    integer: Vec<bool>,
    /// Entries per column: (row, value).
    col_entries: Vec<Vec<(usize, f64)>>,
    row_lo: Vec<f64>,
    row_hi: Vec<f64>,
}

impl Builder {
    fn col(&mut self, cost: f64, lo: f64, hi: f64, integer: bool) -> usize {
        self.cost.push(cost);
        self.lo.push(lo);
        self.hi.push(hi);
        self.integer.push(integer);
        self.col_entries.push(Vec::new());
        self.cost.len() - 1
    }
    fn row(&mut self, entries: &[(usize, f64)], lo: f64, hi: f64) -> usize {
        let r = self.row_lo.len();
        self.row_lo.push(lo);
        self.row_hi.push(hi);
        for &(c, v) in entries {
            if v != 0.0 {
                self.col_entries[c].push((r, v));
            }
        }
        r
    }
    fn finish(self) -> (ModelData, Vec<bool>) {
        let mut md = ModelData {
            col_cost: self.cost,
            col_lower: self.lo,
            col_upper: self.hi,
            row_lower: self.row_lo,
            row_upper: self.row_hi,
            ..ModelData::default()
        };
        md.a_start.push(0);
        for e in self.col_entries {
            // Merge duplicate rows within a column.
            let mut e = e;
            e.sort_by_key(|x| x.0);
            let mut last: Option<usize> = None;
            for (r, v) in e {
                if last == Some(r) {
                    if let Some(x) = md.a_value.last_mut() {
                        *x += v;
                    }
                } else {
                    md.a_index.push(r);
                    md.a_value.push(v);
                    last = Some(r);
                }
            }
            md.a_start.push(md.a_index.len());
        }
        (md, self.integer)
    }
}

const INF: f64 = f64::INFINITY;

/// Assembles the MILP for `inst`; with `penalties`, demand and reserve slacks are added.
pub(crate) fn build(inst: &UcInstance, penalties: Option<&UcPenalties>) -> Formulation {
    build_with_counts(inst, penalties, None)
}

/// As [`build`], where thermal unit `g` stands for `counts[g]` identical units (same data and
/// the same initial state): its commitment, startup, shutdown and matching columns count units
/// (general integers), its output columns sum the group's output, and the constants of its
/// rows (initial state, `1` of the minimum down time, the pre-horizon shutdown) are scaled by
/// the count. Every other row is homogeneous in the unit's columns, so each aggregated row is
/// the sum of the group's own rows.
pub(crate) fn build_with_counts(
    inst: &UcInstance,
    penalties: Option<&UcPenalties>,
    counts: Option<&[u32]>,
) -> Formulation {
    let nt = inst.periods;
    let count = |g: usize| counts.and_then(|c| c.get(g)).map_or(1.0, |&n| f64::from(n));
    let mut b = Builder {
        cost: Vec::new(),
        lo: Vec::new(),
        hi: Vec::new(),
        integer: Vec::new(),
        col_entries: Vec::new(),
        row_lo: Vec::new(),
        row_hi: Vec::new(),
    };
    let mut cols: Vec<Vec<UnitCols>> = Vec::with_capacity(inst.thermal.len());
    for (gi, g) in inst.thermal.iter().enumerate() {
        let n = count(gi);
        let (len, slope) = segments(g);
        let cold = g.startup.last().map_or(0.0, |s| s.cost_usd);
        let no_load = g.cost_curve.first().map_or(0.0, |p| p.cost_usd_per_h);
        let (forced_on, forced_off) = g.initial_forced_periods(nt);
        let span = g.p_max_mw - g.p_min_mw;
        let mut gc = Vec::with_capacity(nt);
        for t in 0..nt {
            let on_lo = if g.must_run || t < forced_on { n } else { 0.0 };
            let on_hi = if t < forced_off { 0.0 } else { n };
            let u = b.col(no_load, on_lo, on_hi, true);
            let v = b.col(cold, 0.0, on_hi, true);
            let w = b.col(0.0, 0.0, n, true);
            let p = b.col(0.0, 0.0, span * on_hi, false);
            let r = b.col(0.0, 0.0, span * on_hi, false);
            let seg = len
                .iter()
                .zip(&slope)
                .map(|(&l, &s)| b.col(s, 0.0, l * on_hi, false))
                .collect();
            gc.push(UnitCols { u, v, w, p, r, seg });
        }
        cols.push(gc);
    }
    let ren: Vec<usize> = (0..nt)
        .map(|t| {
            let lo = inst.renewable.iter().map(|w| w.p_min_mw[t]).sum();
            let hi = inst.renewable.iter().map(|w| w.p_max_mw[t]).sum();
            b.col(0.0, lo, hi, false)
        })
        .collect();
    let slack = penalties.map(|pen| {
        (0..nt)
            .map(|t| {
                (
                    b.col(pen.shed_usd_per_mwh, 0.0, inst.demand_mw[t], false),
                    b.col(pen.shed_usd_per_mwh, 0.0, INF, false),
                    b.col(
                        pen.reserve_shortfall_usd_per_mwh,
                        0.0,
                        inst.reserve_mw[t],
                        false,
                    ),
                )
            })
            .collect::<Vec<_>>()
    });

    // System rows.
    let mut demand_row = Vec::with_capacity(nt);
    let mut reserve_row = Vec::with_capacity(nt);
    for t in 0..nt {
        let mut e: Vec<(usize, f64)> = Vec::new();
        for (g, gc) in inst.thermal.iter().zip(&cols) {
            e.push((gc[t].p, 1.0));
            e.push((gc[t].u, g.p_min_mw));
        }
        if !inst.renewable.is_empty() {
            e.push((ren[t], 1.0));
        }
        if let Some(s) = &slack {
            e.push((s[t].0, 1.0));
            e.push((s[t].1, -1.0));
        }
        demand_row.push(b.row(&e, inst.demand_mw[t], inst.demand_mw[t]));
        let mut e: Vec<(usize, f64)> = cols.iter().map(|gc| (gc[t].r, 1.0)).collect();
        if let Some(s) = &slack {
            e.push((s[t].2, 1.0));
        }
        reserve_row.push(b.row(&e, inst.reserve_mw[t], INF));
    }

    // Unit rows.
    let mut matches = Vec::with_capacity(cols.len());
    for (gi, (g, gc)) in inst.thermal.iter().zip(&cols).enumerate() {
        unit_rows(&mut b, g, gc, nt, count(gi));
        matches.push(startup_matching(&mut b, g, gc, nt, count(gi)));
    }
    let (md, integer) = b.finish();
    Formulation {
        md,
        integer,
        cols,
        matches,
        ren,
        slack,
        demand_row,
        reserve_row,
    }
}

/// The rows of one unit (or of `n` identical ones, see [`build_with_counts`]).
fn unit_rows(b: &mut Builder, g: &ThermalUnit, gc: &[UnitCols], nt: usize, n: f64) {
    let pmin = g.p_min_mw;
    let span = g.p_max_mw - pmin;
    let su = g.startup_limit_mw.min(g.p_max_mw);
    let sd = g.shutdown_limit_mw.min(g.p_max_mw);
    let a = g.p_max_mw - su;
    let bb = g.p_max_mw - sd;
    let u0 = if g.on_t0 { n } else { 0.0 };
    let p0 = if g.on_t0 {
        n * (g.p_t0_mw - pmin).max(0.0)
    } else {
        0.0
    };
    let ut = g.min_up_h.max(1) as usize;
    let dt = g.min_down_h.max(1) as usize;
    let ru = g.ramp_up_mw_per_h;
    let rd = g.ramp_down_mw_per_h;
    let k_up = ru.min(su - pmin);
    let k_dn = rd.min(sd - pmin);
    let (len, _) = segments(g);
    for t in 0..nt {
        let c = &gc[t];
        // Logical: u_t − u_{t−1} − v_t + w_t = 0 (u_0 = U⁰).
        if t == 0 {
            b.row(&[(c.u, 1.0), (c.v, -1.0), (c.w, 1.0)], u0, u0);
        } else {
            b.row(
                &[(c.u, 1.0), (gc[t - 1].u, -1.0), (c.v, -1.0), (c.w, 1.0)],
                0.0,
                0.0,
            );
        }
        // Minimum up / down time (Rajan–Takriti), window truncated at the horizon start.
        let mut e: Vec<(usize, f64)> = ((t + 1).saturating_sub(ut)..=t)
            .map(|i| (gc[i].v, 1.0))
            .collect();
        e.push((c.u, -1.0));
        b.row(&e, -INF, 0.0);
        let mut e: Vec<(usize, f64)> = ((t + 1).saturating_sub(dt)..=t)
            .map(|i| (gc[i].w, 1.0))
            .collect();
        e.push((c.u, 1.0));
        b.row(&e, -INF, n);
        // Generation limits on p + r (Morales-España et al.; Gentile et al. when UT = 1).
        let next_w = (t + 1 < nt).then(|| gc[t + 1].w);
        let base = [(c.p, 1.0), (c.r, 1.0), (c.u, -span)];
        // Earlier starts still inside the startup ramp (Pan and Guan; KOW): a unit started in
        // t − i holds p + r ≤ SU' − P̲ + i·RU in t. With the w(t+1) term the window stays below
        // UT so that no on spell holds two of these events.
        let ramp_starts = |last: usize| -> Vec<(usize, f64)> {
            (1..=last.min(t))
                .map(|i| (gc[t - i].v, span - span.min(su - pmin + i as f64 * ru)))
                .take_while(|&(_, k)| k > 1e-9)
                .collect()
        };
        match next_w {
            Some(nw) if ut > 1 => {
                let mut e = vec![base[0], base[1], base[2], (c.v, a), (nw, bb)];
                e.extend(ramp_starts(ut - 2));
                b.row(&e, -INF, 0.0);
                // Later shutdowns inside the shutdown ramp: a unit that shuts down in t + j
                // holds p ≤ SD' − P̲ + (j − 1)·RD in t (output only: reserve is not ramped down).
                let downs: Vec<(usize, f64)> = (2..ut.min(nt - t))
                    .map(|j| {
                        (
                            gc[t + j].w,
                            span - span.min(sd - pmin + (j - 1) as f64 * rd),
                        )
                    })
                    .take_while(|&(_, k)| k > 1e-9)
                    .collect();
                if !downs.is_empty() {
                    let mut e = vec![(c.p, 1.0), base[2], (c.v, a), (nw, bb)];
                    e.extend(downs);
                    b.row(&e, -INF, 0.0);
                }
            }
            Some(nw) => {
                b.row(
                    &[
                        base[0],
                        base[1],
                        base[2],
                        (c.v, a),
                        (nw, (su - sd).max(0.0)),
                    ],
                    -INF,
                    0.0,
                );
                b.row(
                    &[
                        base[0],
                        base[1],
                        base[2],
                        (nw, bb),
                        (c.v, (sd - su).max(0.0)),
                    ],
                    -INF,
                    0.0,
                );
            }
            None => {
                let mut e = vec![base[0], base[1], base[2], (c.v, a)];
                e.extend(ramp_starts(ut - 1));
                b.row(&e, -INF, 0.0);
            }
        }
        // Cost segments: p = Σ seg, each segment limited by u and, at startup/shutdown, by
        // the part of it below SU / SD.
        let mut e: Vec<(usize, f64)> = c.seg.iter().map(|&s| (s, -1.0)).collect();
        e.push((c.p, 1.0));
        b.row(&e, 0.0, 0.0);
        let mut lo_mw = pmin;
        for (l, &s) in c.seg.iter().enumerate() {
            let lmw = len.get(l).copied().unwrap_or(0.0);
            let av = lmw - (su - lo_mw).clamp(0.0, lmw);
            let aw = lmw - (sd - lo_mw).clamp(0.0, lmw);
            // Part of the segment above an output cap (MW above P̲).
            let above = |cap: f64| lmw - (cap - (lo_mw - pmin)).clamp(0.0, lmw);
            match next_w {
                Some(nw) if ut > 1 => {
                    // As for p + r: starts in t − i (ramping up from SU') and shutdowns in
                    // t + j (ramping down to SD') with i + j < UT, so at most one holds.
                    let ups: Vec<(usize, f64)> = (1..=(ut - 2).min(t))
                        .map(|i| (gc[t - i].v, above(su - pmin + i as f64 * ru)))
                        .take_while(|&(_, k)| k > 1e-9)
                        .collect();
                    let downs: Vec<(usize, f64)> = (2..(ut - ups.len()).min(nt - t))
                        .map(|j| (gc[t + j].w, above(sd - pmin + (j - 1) as f64 * rd)))
                        .take_while(|&(_, k)| k > 1e-9)
                        .collect();
                    let mut e = vec![(s, 1.0), (c.u, -lmw), (c.v, av), (nw, aw)];
                    e.extend(ups);
                    e.extend(downs);
                    b.row(&e, -INF, 0.0);
                }
                Some(nw) => {
                    b.row(&[(s, 1.0), (c.u, -lmw), (c.v, av)], -INF, 0.0);
                    b.row(&[(s, 1.0), (c.u, -lmw), (nw, aw)], -INF, 0.0);
                }
                None => {
                    b.row(&[(s, 1.0), (c.u, -lmw), (c.v, av)], -INF, 0.0);
                }
            }
            lo_mw += lmw;
        }
        // Ramping (Damcı-Kurt et al. form): p_t + r_t − p_{t−1} ≤ RU u_t − (RU − k_up) v_t and
        // p_{t−1} − p_t ≤ RD u_{t−1} − (RD − k_dn) w_t, with p_0 = U⁰(P⁰ − P), u_0 = U⁰. When
        // UT > 1 a start and the next shutdown are two periods apart at least, so the ramp up
        // into a period before a shutdown is at most SD' − P̲ (term in w_{t+1}) and the ramp
        // down out of a startup period at most SU' − P̲ (term in v_{t−1}). Inside the horizon a
        // row whose limit is at least P̄ − P̲ is implied by the generation limits and left out.
        let up_next = match next_w {
            Some(nw) if ut > 1 => Some((nw, (ru - (sd - pmin)).max(0.0))),
            _ => None,
        };
        if t == 0 {
            let mut e = vec![(c.p, 1.0), (c.r, 1.0), (c.u, -ru), (c.v, ru - k_up)];
            e.extend(up_next);
            b.row(&e, -INF, p0);
            b.row(&[(c.p, -1.0), (c.w, rd - k_dn)], -INF, rd * u0 - p0);
        } else {
            let pc = &gc[t - 1];
            if ru < span {
                let mut e = vec![
                    (c.p, 1.0),
                    (c.r, 1.0),
                    (pc.p, -1.0),
                    (c.u, -ru),
                    (c.v, ru - k_up),
                ];
                e.extend(up_next);
                b.row(&e, -INF, 0.0);
            }
            if rd < span {
                let mut e = vec![(pc.p, 1.0), (c.p, -1.0), (pc.u, -rd), (c.w, rd - k_dn)];
                if ut > 1 {
                    e.push((pc.v, (rd - (su - pmin)).max(0.0)));
                }
                b.row(&e, -INF, 0.0);
            }
        }
    }
}

/// Startup category cost for `off` periods offline: the hottest category whose window
/// `[TS^s, TS^{s+1})` holds `off`, else the coldest.
fn start_cost(g: &ThermalUnit, off: usize) -> f64 {
    g.startup
        .windows(2)
        .find(|c| off >= c[0].lag_h as usize && off < c[1].lag_h as usize)
        .or_else(|| g.startup.last().map(std::slice::from_ref))
        .and_then(|c| c.first())
        .map_or(0.0, |c| c.cost_usd)
}

/// Matching startup costs (Knueven, Ostrowski and Watson): a column `x(t', t)` pairs a shutdown
/// in period `t'` (or the one before the horizon, at `1 − DT⁰`) with the next startup in `t`
/// when `t − t'` is below the coldest lag; `Σ_{t'} x(t', t) ≤ v(t)`, `Σ_t x(t', t) ≤ w(t')`,
/// and each pairing saves `CS^{s(t − t')} − CS^S` against the cold start priced on `v`.
fn startup_matching(
    b: &mut Builder,
    g: &ThermalUnit,
    gc: &[UnitCols],
    nt: usize,
    n: f64,
) -> Vec<StartMatch> {
    let cold = g.startup.last().map_or(0.0, |s| s.cost_usd);
    let cold_lag = g.startup.last().map_or(0, |s| s.lag_h as usize);
    let dt = g.min_down_h.max(1) as usize;
    let mut out = Vec::new();
    let mut by_start: Vec<Vec<(usize, f64)>> = vec![Vec::new(); nt];
    // Shutdowns inside the horizon.
    for tp in 0..nt {
        let mut row: Vec<(usize, f64)> = Vec::new();
        for t in (tp + dt)..nt {
            let off = t - tp;
            if off >= cold_lag {
                break;
            }
            let save = start_cost(g, off) - cold;
            if save >= 0.0 {
                continue;
            }
            let c = b.col(save, 0.0, n, false);
            row.push((c, 1.0));
            by_start[t].push((c, 1.0));
            out.push(StartMatch {
                col: c,
                cost_usd: save,
                shutdown: Some(tp),
                startup: t,
            });
        }
        if !row.is_empty() {
            row.push((gc[tp].w, -1.0));
            b.row(&row, -INF, 0.0);
        }
    }
    // The shutdown before the horizon of a unit off at t0.
    if !g.on_t0 {
        let mut row: Vec<(usize, f64)> = Vec::new();
        for (t, bs) in by_start.iter_mut().enumerate() {
            let off = g.down_t0_h as usize + t;
            if off >= cold_lag {
                break;
            }
            let save = start_cost(g, off) - cold;
            if off < dt || save >= 0.0 {
                continue;
            }
            let c = b.col(save, 0.0, n, false);
            row.push((c, 1.0));
            bs.push((c, 1.0));
            out.push(StartMatch {
                col: c,
                cost_usd: save,
                shutdown: None,
                startup: t,
            });
        }
        if !row.is_empty() {
            b.row(&row, -INF, n);
        }
    }
    for (t, mut row) in by_start.into_iter().enumerate() {
        if !row.is_empty() {
            row.push((gc[t].v, -1.0));
            b.row(&row, -INF, 0.0);
        }
    }
    out
}

impl Formulation {
    /// Columns, rows and integer columns.
    pub fn size(&self) -> (usize, usize, usize) {
        (
            self.md.num_col(),
            self.md.num_row(),
            self.integer.iter().filter(|&&i| i).count(),
        )
    }

    /// Reads a schedule out of a solution vector (commitment rounded to the nearest integer).
    pub fn schedule(&self, inst: &UcInstance, x: &[f64]) -> UcSchedule {
        let val = |c: usize| x.get(c).copied().unwrap_or(0.0);
        let commitment: Vec<Vec<bool>> = self
            .cols
            .iter()
            .map(|gc| gc.iter().map(|c| val(c.u) > 0.5).collect())
            .collect();
        let thermal_mw = self
            .cols
            .iter()
            .zip(&inst.thermal)
            .zip(&commitment)
            .map(|((gc, g), on)| {
                gc.iter()
                    .zip(on)
                    .map(|(c, &o)| {
                        if o {
                            g.p_min_mw + val(c.p).max(0.0)
                        } else {
                            0.0
                        }
                    })
                    .collect()
            })
            .collect();
        let reserve_mw = self
            .cols
            .iter()
            .map(|gc| gc.iter().map(|c| val(c.r).max(0.0)).collect())
            .collect();
        // The total is shared out in proportion to each unit's range above its minimum.
        let share: Vec<f64> = (0..inst.periods)
            .map(|t| {
                let lo: f64 = inst.renewable.iter().map(|w| w.p_min_mw[t]).sum();
                let hi: f64 = inst.renewable.iter().map(|w| w.p_max_mw[t]).sum();
                let total = self.ren.get(t).map_or(lo, |&c| val(c));
                if hi > lo {
                    ((total - lo) / (hi - lo)).clamp(0.0, 1.0)
                } else {
                    0.0
                }
            })
            .collect();
        let renewable_mw = inst
            .renewable
            .iter()
            .map(|w| {
                (0..inst.periods)
                    .map(|t| w.p_min_mw[t] + share[t] * (w.p_max_mw[t] - w.p_min_mw[t]))
                    .collect()
            })
            .collect();
        let (shed_mw, surplus_mw, reserve_shortfall_mw) = match &self.slack {
            Some(s) => (
                s.iter().map(|x| val(x.0)).collect(),
                s.iter().map(|x| val(x.1)).collect(),
                s.iter().map(|x| val(x.2)).collect(),
            ),
            None => (Vec::new(), Vec::new(), Vec::new()),
        };
        UcSchedule {
            commitment,
            thermal_mw,
            reserve_mw,
            renewable_mw,
            shed_mw,
            surplus_mw,
            reserve_shortfall_mw,
        }
    }

    /// A copy of the model with every commitment, startup and shutdown fixed to the 0/1
    /// values of `commitment` and no integer column: the economic dispatch LP.
    pub fn fixed_commitment(&self, inst: &UcInstance, commitment: &[Vec<bool>]) -> ModelData {
        let mut md = self.md.clone();
        for ((gc, g), on) in self.cols.iter().zip(&inst.thermal).zip(commitment) {
            let mut prev = g.on_t0;
            for (c, &o) in gc.iter().zip(on) {
                let f = |b: bool| if b { 1.0 } else { 0.0 };
                for (col, x) in [(c.u, f(o)), (c.v, f(o && !prev)), (c.w, f(!o && prev))] {
                    md.col_lower[col] = x;
                    md.col_upper[col] = x;
                }
                prev = o;
            }
        }
        md
    }
}
