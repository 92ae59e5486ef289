//! Solar and wind forecasters on normalised power in [0, 1]: climatology, a fitted wind power curve, a solar regression.
//!
//! - **Climatology**: the empirical distribution of the power observed in the history,
//!   per hour of day (solar) or over all hours (wind); the point is its mean, quantile τ
//!   its type-7 quantile.
//! - **Wind power curve**: wind speed from the forecast components, `v = √(u² + v²)`, at
//!   10 m and 100 m; a logistic curve `P(v) = 1 / (1 + exp(−(v − c)/s))` in the 100 m speed
//!   is fitted by Gauss–Newton least squares (start `c` = the speed of median power,
//!   `s = 1.5` m/s), then corrected by a linear regression of the residual on
//!   `[1, P, v₁₀/v₁₀₀ (shear), sin φ, cos φ]` (φ the 100 m direction). Quantiles are
//!   `P̂ + Q_τ(e)` with residuals binned by `P̂` (ten bins of equal count), clipped to [0, 1].
//! - **Solar regression**: hourly irradiance from the accumulated ECMWF fields (reset each
//!   day at 01:00 UTC: `x_t = X_t − X_{t−1}`, or `X_t` at 01:00), `ssrd` (surface solar
//!   down) and `tsr` (top net solar, a clear-sky proxy that carries the sun's position);
//!   clear-sky index `k = ssrd / tsr`. Least squares of power on per-hour-of-day
//!   coefficients of `[1, ssrd, ssrd², tsr, ssrd·tcc]` plus global `[tcc, rh, t2, k·ssrd]`; quantiles from residuals binned by
//!   the point, clipped to [0, 1]. At hours where the sun is below the horizon in every
//!   training day (power always 0) the forecast is 0.

use crate::linalg::{dot_sparse, NormalEquations};
use crate::model::{Forecast, Forecaster, View};
use crate::quantile::{quantile_sorted, sorted_finite, BinnedResiduals};
use crate::ForecastError;

/// Empirical distribution of past power, per hour of day or over all hours.
#[derive(Debug, Clone)]
pub struct Climatology {
    /// Separate distributions per hour of day.
    pub per_hour: bool,
    sorted: Vec<Vec<f64>>,
    mean: Vec<f64>,
}

impl Climatology {
    /// Climatology per hour of day (`per_hour`) or over all hours.
    pub fn new(per_hour: bool) -> Self {
        Self {
            per_hour,
            sorted: vec![],
            mean: vec![],
        }
    }

    fn slot(&self, view: &View<'_>, i: usize) -> usize {
        if self.per_hour {
            view.timeline.calendar(i).hour as usize
        } else {
            0
        }
    }
}

impl Forecaster for Climatology {
    fn name(&self) -> String {
        "climatology".into()
    }

    fn fit(&mut self, view: &View<'_>) -> Result<(), ForecastError> {
        let n_slots = if self.per_hour { 24 } else { 1 };
        let mut by: Vec<Vec<f64>> = vec![Vec::new(); n_slots];
        for (i, y) in view.target.iter().enumerate() {
            let s = self.slot(view, i);
            if let Some(b) = by.get_mut(s) {
                b.push(*y);
            }
        }
        self.sorted = by.into_iter().map(sorted_finite).collect();
        if self.sorted.iter().any(Vec::is_empty) {
            return Err(ForecastError::ShortHistory {
                model: self.name(),
                needed: n_slots,
                got: view.target.len(),
            });
        }
        self.mean = self
            .sorted
            .iter()
            .map(|s| s.iter().sum::<f64>() / s.len() as f64)
            .collect();
        Ok(())
    }

    fn predict(
        &self,
        view: &View<'_>,
        horizon: usize,
        levels: &[f64],
    ) -> Result<Forecast, ForecastError> {
        if self.sorted.is_empty() {
            return Err(ForecastError::NotFitted(self.name()));
        }
        let issue = view.issue();
        let slots: Vec<usize> = (issue..issue + horizon)
            .map(|i| self.slot(view, i))
            .collect();
        let point = slots
            .iter()
            .map(|&s| self.mean.get(s).copied().unwrap_or(f64::NAN))
            .collect();
        let quantiles = slots
            .iter()
            .map(|&s| {
                let v = self.sorted.get(s).map(Vec::as_slice).unwrap_or(&[]);
                levels.iter().map(|&t| quantile_sorted(v, t)).collect()
            })
            .collect();
        Ok(Forecast {
            issue,
            point,
            levels: levels.to_vec(),
            quantiles,
        })
    }
}

/// Regression with quantiles from residuals binned by the point, on a target in [0, 1].
#[derive(Debug, Clone, Default)]
struct BoundedRegression {
    beta: Vec<f64>,
    resid: BinnedResiduals,
}

impl BoundedRegression {
    fn fit(
        rows: &[(Vec<(usize, f64)>, f64, f64)],
        p: usize,
        model: &str,
    ) -> Result<Self, ForecastError> {
        // rows: (x, target, offset) — the regression is of target − offset on x.
        let mut ne = NormalEquations::new(p);
        for (x, y, off) in rows {
            ne.add_row(x, y - off);
        }
        let beta = ne.solve(1e-8, model)?;
        let pairs: Vec<(f64, f64)> = rows
            .iter()
            .map(|(x, y, off)| {
                let pt = (off + dot_sparse(x, &beta)).clamp(0.0, 1.0);
                (pt, y - pt)
            })
            .collect();
        Ok(Self {
            beta,
            resid: BinnedResiduals::new(&pairs, 20, 100),
        })
    }

    fn predict(&self, x: &[(usize, f64)], offset: f64, levels: &[f64]) -> (f64, Vec<f64>) {
        let pt = (offset + dot_sparse(x, &self.beta)).clamp(0.0, 1.0);
        (pt, self.resid.quantiles(pt, levels, 0.0, 1.0))
    }
}

/// Wind: a fitted logistic power curve in the 100 m speed, corrected by shear and direction.
#[derive(Debug, Clone, Default)]
pub struct WindPowerCurve {
    /// Curve centre `c` (m/s) and scale `s` (m/s) after fitting.
    pub curve: Option<(f64, f64)>,
    reg: Option<BoundedRegression>,
}

/// Speed, shear ratio and direction of one hour: `(v100_m_per_s, v10/v100, sin φ, cos φ)`.
pub(crate) fn wind_inputs(
    view: &View<'_>,
    cols: &[&[f64]; 4],
    names: &[&str; 4],
    i: usize,
) -> Result<(f64, f64, f64, f64), ForecastError> {
    let mut v = [0.0; 4];
    for k in 0..4 {
        v[k] = view.exog_at(cols[k], i, names[k])?;
    }
    let s10 = v[0].hypot(v[1]);
    let s100 = v[2].hypot(v[3]);
    let dir = v[3].atan2(v[2]);
    Ok((
        s100,
        if s100 > 0.1 { s10 / s100 } else { 1.0 },
        dir.sin(),
        dir.cos(),
    ))
}

pub(crate) fn wind_cols<'a>(view: &View<'a>) -> Result<[&'a [f64]; 4], ForecastError> {
    Ok([
        view.exog_named(WIND_NAMES[0], "power_curve")?,
        view.exog_named(WIND_NAMES[1], "power_curve")?,
        view.exog_named(WIND_NAMES[2], "power_curve")?,
        view.exog_named(WIND_NAMES[3], "power_curve")?,
    ])
}

pub(crate) const WIND_NAMES: [&str; 4] =
    ["u10_m_per_s", "v10_m_per_s", "u100_m_per_s", "v100_m_per_s"];

fn logistic(v: f64, c: f64, s: f64) -> f64 {
    1.0 / (1.0 + (-(v - c) / s).exp())
}

fn logistic_sse(pairs: &[(f64, f64)], c: f64, s: f64) -> f64 {
    pairs
        .iter()
        .map(|&(v, y)| (y - logistic(v, c, s)).powi(2))
        .sum()
}

/// Least-squares fit of the logistic curve to `(speed, power)` pairs: the best point of a
/// coarse grid (`c` = 2…20 m/s by 1, `s` = 0.5…4 m/s by 0.5), then damped Gauss–Newton steps
/// (halved until the sum of squares decreases). Returns `(c, s)`.
pub fn fit_logistic(pairs: &[(f64, f64)]) -> (f64, f64) {
    let (mut c, mut s) = (8.0, 1.5);
    let mut best = f64::INFINITY;
    for ci in 2..=20 {
        for si in 1..=8 {
            let (cc, ss) = (ci as f64, si as f64 * 0.5);
            let e = logistic_sse(pairs, cc, ss);
            if e < best {
                (best, c, s) = (e, cc, ss);
            }
        }
    }
    for _ in 0..50 {
        let mut ne = NormalEquations::new(2);
        for &(v, y) in pairs {
            let f = logistic(v, c, s);
            let d = f * (1.0 - f);
            // ∂f/∂c = −d/s, ∂f/∂s = −d (v − c)/s².
            ne.add_row(&[(0, -d / s), (1, -d * (v - c) / (s * s))], y - f);
        }
        let Ok(step) = ne.solve(1e-9, "power curve") else {
            break;
        };
        let mut a = 1.0;
        let mut improved = false;
        while a > 1e-4 {
            let (cn, sn) = (c + a * step[0], (s + a * step[1]).clamp(0.2, 10.0));
            let e = logistic_sse(pairs, cn, sn);
            if e < best {
                (best, c, s, improved) = (e, cn, sn, true);
                break;
            }
            a *= 0.5;
        }
        if !improved || (a * step[0]).abs() < 1e-9 && (a * step[1]).abs() < 1e-9 {
            break;
        }
    }
    (c, s)
}

impl WindPowerCurve {
    fn x(curve: (f64, f64), inp: (f64, f64, f64, f64)) -> (Vec<(usize, f64)>, f64) {
        let p = logistic(inp.0, curve.0, curve.1);
        (
            vec![(0, 1.0), (1, p), (2, inp.1), (3, inp.2), (4, inp.3)],
            p,
        )
    }
}

impl Forecaster for WindPowerCurve {
    fn name(&self) -> String {
        "power_curve".into()
    }

    fn fit(&mut self, view: &View<'_>) -> Result<(), ForecastError> {
        let cols = wind_cols(view)?;
        let mut obs = Vec::new();
        for (i, y) in view.target.iter().enumerate() {
            if let (true, Ok(inp)) = (y.is_finite(), wind_inputs(view, &cols, &WIND_NAMES, i)) {
                obs.push((inp, *y));
            }
        }
        if obs.len() < 500 {
            return Err(ForecastError::ShortHistory {
                model: self.name(),
                needed: 500,
                got: obs.len(),
            });
        }
        let curve = fit_logistic(&obs.iter().map(|(inp, y)| (inp.0, *y)).collect::<Vec<_>>());
        let rows: Vec<_> = obs
            .iter()
            .map(|(inp, y)| (Self::x(curve, *inp).0, *y, 0.0))
            .collect();
        self.reg = Some(BoundedRegression::fit(&rows, 5, "power_curve")?);
        self.curve = Some(curve);
        Ok(())
    }

    fn predict(
        &self,
        view: &View<'_>,
        horizon: usize,
        levels: &[f64],
    ) -> Result<Forecast, ForecastError> {
        let (Some(curve), Some(reg)) = (self.curve, self.reg.as_ref()) else {
            return Err(ForecastError::NotFitted(self.name()));
        };
        let cols = wind_cols(view)?;
        let issue = view.issue();
        let (mut point, mut quantiles) = (Vec::new(), Vec::new());
        for i in issue..issue + horizon {
            let (x, _) = Self::x(curve, wind_inputs(view, &cols, &WIND_NAMES, i)?);
            let (p, q) = reg.predict(&x, 0.0, levels);
            point.push(p);
            quantiles.push(q);
        }
        Ok(Forecast {
            issue,
            point,
            levels: levels.to_vec(),
            quantiles,
        })
    }
}

/// Solar: regression of normalised power on de-accumulated ECMWF irradiance and cloud.
#[derive(Debug, Clone, Default)]
pub struct SolarRegression {
    reg: Option<BoundedRegression>,
    /// Hours of day (UTC) whose power was never above 0.001 in the history.
    dark: Vec<bool>,
}

pub(crate) const SOLAR_NAMES: [&str; 5] =
    ["ssrd_j_per_m2", "tsr_j_per_m2", "tcc", "rh_pct", "t2_k"];
/// Per-hour block: 5 columns × 24 hours, then 7 global columns.
const SOLAR_COLS: usize = 5 * 24 + 7;

impl SolarRegression {
    /// Hourly increment of an accumulated field (reset at 01:00 UTC), in W/m².
    pub(crate) fn hourly(
        view: &View<'_>,
        col: &[f64],
        name: &str,
        i: usize,
    ) -> Result<f64, ForecastError> {
        let now = view.exog_at(col, i, name)?;
        let reset = view.timeline.calendar(i).hour == 1 || i == 0;
        let prev = if reset {
            0.0
        } else {
            view.exog_at(col, i - 1, name)?
        };
        Ok(((now - prev) / 3600.0).max(0.0))
    }

    fn x(
        view: &View<'_>,
        cols: &[&[f64]],
        i: usize,
    ) -> Result<(Vec<(usize, f64)>, usize), ForecastError> {
        let ssrd = Self::hourly(view, cols[0], SOLAR_NAMES[0], i)? / 1000.0;
        let tsr = Self::hourly(view, cols[1], SOLAR_NAMES[1], i)? / 1000.0;
        let tcc = view.exog_at(cols[2], i, SOLAR_NAMES[2])?;
        let rh = view.exog_at(cols[3], i, SOLAR_NAMES[3])? / 100.0;
        let t2 = (view.exog_at(cols[4], i, SOLAR_NAMES[4])? - 288.15) / 10.0;
        let k = if tsr > 0.01 {
            (ssrd / tsr).min(1.5)
        } else {
            0.0
        };
        // Neighbouring hours' irradiance (the accumulation windows and the power stamps
        // need not line up); missing at the ends of the data counts as the hour itself.
        let near = |j: Option<usize>| {
            j.and_then(|j| Self::hourly(view, cols[0], SOLAR_NAMES[0], j).ok())
                .map_or(ssrd, |v| v / 1000.0)
        };
        let (prev, next) = (near(i.checked_sub(1)), near(Some(i + 1)));
        let h = view.timeline.calendar(i).hour as usize % 24;
        let b = 5 * h;
        let g = 5 * 24;
        Ok((
            vec![
                (b, 1.0),
                (b + 1, ssrd),
                (b + 2, ssrd * ssrd),
                (b + 3, tsr),
                (b + 4, ssrd * tcc),
                (g, tcc),
                (g + 1, rh),
                (g + 2, t2),
                (g + 3, k * ssrd),
                (g + 4, prev),
                (g + 5, next),
                (g + 6, tcc * tcc),
            ],
            h,
        ))
    }

    pub(crate) fn cols<'a>(view: &View<'a>) -> Result<Vec<&'a [f64]>, ForecastError> {
        SOLAR_NAMES
            .iter()
            .map(|n| view.exog_named(n, "solar_regression"))
            .collect()
    }
}

impl Forecaster for SolarRegression {
    fn name(&self) -> String {
        "solar_regression".into()
    }

    fn fit(&mut self, view: &View<'_>) -> Result<(), ForecastError> {
        let cols = Self::cols(view)?;
        let mut max_by_hour = [0.0f64; 24];
        let mut rows = Vec::new();
        for (i, y) in view.target.iter().enumerate() {
            if !y.is_finite() {
                continue;
            }
            if let Ok((x, h)) = Self::x(view, &cols, i) {
                max_by_hour[h] = max_by_hour[h].max(*y);
                rows.push((x, *y, h));
            }
        }
        if rows.len() < 24 * 60 {
            return Err(ForecastError::ShortHistory {
                model: self.name(),
                needed: 24 * 60,
                got: rows.len(),
            });
        }
        self.dark = max_by_hour.iter().map(|m| *m <= 0.001).collect();
        let lit: Vec<_> = rows
            .into_iter()
            .filter(|(_, _, h)| !self.dark[*h])
            .map(|(x, y, _)| (x, y, 0.0))
            .collect();
        // Dark hours have no data: their columns get an identity row so the system stays regular.
        let mut lit = lit;
        for (h, d) in self.dark.iter().enumerate() {
            if *d {
                for k in 0..5 {
                    lit.push((vec![(5 * h + k, 1.0)], 0.0, 0.0));
                }
            }
        }
        self.reg = Some(BoundedRegression::fit(
            &lit,
            SOLAR_COLS,
            "solar_regression",
        )?);
        Ok(())
    }

    fn predict(
        &self,
        view: &View<'_>,
        horizon: usize,
        levels: &[f64],
    ) -> Result<Forecast, ForecastError> {
        let reg = self
            .reg
            .as_ref()
            .ok_or_else(|| ForecastError::NotFitted(self.name()))?;
        let cols = Self::cols(view)?;
        let issue = view.issue();
        let (mut point, mut quantiles) = (Vec::new(), Vec::new());
        for i in issue..issue + horizon {
            let (x, h) = Self::x(view, &cols, i)?;
            if self.dark.get(h).copied().unwrap_or(false) {
                point.push(0.0);
                quantiles.push(vec![0.0; levels.len()]);
            } else {
                let (p, q) = reg.predict(&x, 0.0, levels);
                point.push(p);
                quantiles.push(q);
            }
        }
        Ok(Forecast {
            issue,
            point,
            levels: levels.to_vec(),
            quantiles,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logistic_fit_recovers_a_known_curve() {
        // Noise-free P(v) = 1/(1 + exp(−(v − 9)/1.8)) on v = 0, 0.1, …, 25.
        let pairs: Vec<(f64, f64)> = (0..=250)
            .map(|k| k as f64 / 10.0)
            .map(|v| (v, logistic(v, 9.0, 1.8)))
            .collect();
        let (c, s) = fit_logistic(&pairs);
        assert!(
            (c - 9.0).abs() < 1e-6 && (s - 1.8).abs() < 1e-6,
            "c = {c}, s = {s}"
        );
    }
}

/// Which weather features an [`AnalogEnsemble`] compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnalogKind {
    /// Solar: hourly `ssrd`, `tsr`, `tcc` and the neighbouring hours' `ssrd`; analogs
    /// searched among the same UTC hour of day (sun position).
    Solar,
    /// Wind: 100 m speed (weight 4), 10 m speed, sine and cosine of the 100 m direction.
    Wind,
}

/// Analog ensemble (Delle Monache et al. 2013): the `k` past hours whose weather forecast
/// is nearest to the forecast hour's give the predictive distribution of power.
///
/// Distance `d(i, j)² = Σ_f w_f (x_{f,i} − x_{f,j})² / σ_f²` over the features (σ_f their
/// standard deviation in the history); the point forecast is the mean power of the `k`
/// nearest hours, quantile τ the type-7 quantile of their powers.
#[derive(Debug, Clone)]
pub struct AnalogEnsemble {
    /// Feature set.
    pub kind: AnalogKind,
    /// Number of analogs.
    pub k: usize,
    past: Vec<(usize, Vec<f64>, f64)>,
    scale: Vec<f64>,
}

impl AnalogEnsemble {
    /// An analog ensemble of `k` members.
    pub fn new(kind: AnalogKind, k: usize) -> Self {
        Self {
            kind,
            k,
            past: vec![],
            scale: vec![],
        }
    }

    fn weights(&self) -> &'static [f64] {
        match self.kind {
            AnalogKind::Solar => &[1.0, 1.0, 1.0, 0.5, 0.5],
            AnalogKind::Wind => &[4.0, 1.0, 0.5, 0.5],
        }
    }

    fn features(&self, view: &View<'_>, i: usize) -> Result<(usize, Vec<f64>), ForecastError> {
        match self.kind {
            AnalogKind::Solar => {
                let cols = SolarRegression::cols(view)?;
                let h = |j: usize| SolarRegression::hourly(view, cols[0], SOLAR_NAMES[0], j);
                let ssrd = h(i)?;
                let tsr = SolarRegression::hourly(view, cols[1], SOLAR_NAMES[1], i)?;
                let tcc = view.exog_at(cols[2], i, SOLAR_NAMES[2])?;
                let prev = i.checked_sub(1).and_then(|j| h(j).ok()).unwrap_or(ssrd);
                let next = h(i + 1).unwrap_or(ssrd);
                Ok((
                    view.timeline.calendar(i).hour as usize,
                    vec![ssrd, tsr, tcc, prev, next],
                ))
            }
            AnalogKind::Wind => {
                let cols = wind_cols(view)?;
                let (s100, shear, sn, cs) = wind_inputs(view, &cols, &WIND_NAMES, i)?;
                Ok((0, vec![s100, s100 * shear, sn, cs]))
            }
        }
    }
}

impl Forecaster for AnalogEnsemble {
    fn name(&self) -> String {
        "analog".into()
    }

    fn fit(&mut self, view: &View<'_>) -> Result<(), ForecastError> {
        self.past.clear();
        for (i, y) in view.target.iter().enumerate() {
            if !y.is_finite() {
                continue;
            }
            if let Ok((h, x)) = self.features(view, i) {
                self.past.push((h, x, *y));
            }
        }
        if self.past.len() < self.k.max(1) * 24 {
            return Err(ForecastError::ShortHistory {
                model: self.name(),
                needed: self.k * 24,
                got: self.past.len(),
            });
        }
        let nf = self.weights().len();
        let n = self.past.len() as f64;
        self.scale = (0..nf)
            .map(|f| {
                let m = self.past.iter().map(|p| p.1[f]).sum::<f64>() / n;
                let v = self.past.iter().map(|p| (p.1[f] - m).powi(2)).sum::<f64>() / n;
                if v > 0.0 {
                    1.0 / v
                } else {
                    0.0
                }
            })
            .collect();
        Ok(())
    }

    fn predict(
        &self,
        view: &View<'_>,
        horizon: usize,
        levels: &[f64],
    ) -> Result<Forecast, ForecastError> {
        if self.past.is_empty() {
            return Err(ForecastError::NotFitted(self.name()));
        }
        let w: Vec<f64> = self
            .weights()
            .iter()
            .zip(&self.scale)
            .map(|(a, b)| a * b)
            .collect();
        let issue = view.issue();
        let (mut point, mut quantiles) = (Vec::new(), Vec::new());
        for i in issue..issue + horizon {
            let (h, x) = self.features(view, i)?;
            let mut d: Vec<(f64, f64)> = self
                .past
                .iter()
                .filter(|p| self.kind != AnalogKind::Solar || p.0 == h)
                .map(|p| {
                    (
                        p.1.iter()
                            .zip(&x)
                            .zip(&w)
                            .map(|((a, b), wf)| wf * (a - b) * (a - b))
                            .sum::<f64>(),
                        p.2,
                    )
                })
                .collect();
            let k = self.k.min(d.len()).max(1);
            if d.len() > k {
                d.select_nth_unstable_by(k - 1, |a, b| {
                    a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1))
                });
            }
            let ys = sorted_finite(d.iter().take(k).map(|p| p.1));
            point.push(ys.iter().sum::<f64>() / ys.len().max(1) as f64);
            quantiles.push(levels.iter().map(|&t| quantile_sorted(&ys, t)).collect());
        }
        Ok(Forecast {
            issue,
            point,
            levels: levels.to_vec(),
            quantiles,
        })
    }
}

#[cfg(test)]
mod shipped_tests {
    use super::*;
    use crate::backtest::{rolling_origin, score, BacktestSettings};
    use crate::data::{read_solar, read_wind, shipped_dir};
    use crate::gbt::{RenewableGbt, RenewableKind};
    use crate::metrics::percentiles_99;
    use crate::model::Dataset;

    fn pinball_of(d: &Dataset, m: &mut dyn Forecaster, first: usize, days: usize) -> f64 {
        let s = BacktestSettings {
            first_issue: first,
            end: first + 24 * days,
            step_h: 24,
            horizon: 24,
            levels: percentiles_99(),
        };
        let f = rolling_origin(d, m, &s).unwrap();
        score(&[(d, &f)], &s.levels).pinball
    }

    #[test]
    fn wind_models_beat_climatology_on_a_week_of_farm_1() {
        // Farm 1, history 2012-01-01 – 2012-08-31, issues 1–7 September 2012.
        let d = read_wind(&shipped_dir().join("wind.csv.gz"))
            .unwrap()
            .remove(0);
        let d = d.slice(0, 24 * 260);
        let first = 24 * 244; // 2012-09-01 01:00 UTC (the file starts at 01:00)
        let clim = pinball_of(&d, &mut Climatology::new(false), first, 7);
        let curve = pinball_of(&d, &mut WindPowerCurve::default(), first, 7);
        let analog = pinball_of(&d, &mut AnalogEnsemble::new(AnalogKind::Wind, 80), first, 7);
        let gbt = pinball_of(
            &d,
            &mut RenewableGbt::new(RenewableKind::Wind, Default::default()),
            first,
            7,
        );
        assert!(
            curve < 0.9 * clim && analog < 0.9 * clim && gbt < 0.9 * clim,
            "climatology {clim}, curve {curve}, analog {analog}, gbt {gbt}"
        );
    }

    #[test]
    fn solar_models_beat_climatology_on_a_week_of_zone_1() {
        // Zone 1, history April 2012 – January 2013, issues 1–7 February 2013.
        let d = read_solar(&shipped_dir().join("solar.csv.gz"))
            .unwrap()
            .remove(0);
        let first = 24 * 306; // 2013-02-01 01:00 UTC
        let d = d.slice(0, first + 24 * 7);
        let clim = pinball_of(&d, &mut Climatology::new(true), first, 7);
        let reg = pinball_of(&d, &mut SolarRegression::default(), first, 7);
        let analog = pinball_of(
            &d,
            &mut AnalogEnsemble::new(AnalogKind::Solar, 40),
            first,
            7,
        );
        let gbt = pinball_of(
            &d,
            &mut RenewableGbt::new(RenewableKind::Solar, Default::default()),
            first,
            7,
        );
        assert!(
            reg < clim && analog < clim && gbt < clim,
            "climatology {clim}, regression {reg}, analog {analog}, gbt {gbt}"
        );
    }
}
