//! Hong's "vanilla" multiple linear regression for hourly load, with recency and lagged-load extensions.
//!
//! Vanilla (Hong, Wang & White 2014, *GEFCom2014* benchmark; Hong 2010):
//!
//! `L_t = β₀ + β₁·trend_t + β₂·M_t + β₃·W_t×H_t + f(T_t)`, with
//! `f(T) = β₄T + β₅T² + β₆T³ + β₇T·M + β₈T²·M + β₉T³·M + β₁₀T·H + β₁₁T²·H + β₁₂T³·H`,
//!
//! where `M` (month, 12 levels), `W` (day of week, 7), `H` (hour, 24) are class variables
//! (one-hot, first level dropped where a main effect is present), `trend_t` counts years
//! since the start of the data and `T` is the temperature, centred and scaled as
//! `(T_°F − 60) / 20` so the cubes stay well conditioned (the fit is the same up to
//! round-off). 285 coefficients, by least squares on accumulated normal equations
//! ([`crate::linalg`]).
//!
//! Extensions, each a setting:
//! - `holidays`: an observed US federal holiday takes Sunday's `W×H` profile;
//! - recency effect (Wang, Liu & Hong 2016): `f(T_{t−l})` for lags `l = 1…lag_hours` and
//!   `f(T̄_{t,k})` for the mean temperature of the 24 hours ending `24k` hours before `t`
//!   (`k = 0…daily_means−1`);
//! - `load_lags` (an ARX model, day-ahead only): `y_{t−24}·H` and `y_{t−168}·H`,
//!   scaled by the mean load; needs `h ≤ 24` so both lags are observed at the issue time.
//!
//! Quantiles are `ŷ + Q_τ(e)` from the in-sample residuals of the last `residual_window_h`
//! hours, binned by hour of day (errors grow through the day for the ARX model).

use crate::linalg::{dot_sparse, NormalEquations};
use crate::model::{Forecast, Forecaster, View};
use crate::quantile::quantile_sorted;
use crate::quantile::sorted_finite;
use crate::ForecastError;

/// Settings of the regression.
#[derive(Debug, Clone, PartialEq)]
pub struct MlrSettings {
    /// Name in tables.
    pub name: String,
    /// Exogenous temperature series (°F).
    pub temperature: String,
    /// Holidays take Sunday's profile.
    pub holidays: bool,
    /// Hourly lagged temperatures `T_{t−1} … T_{t−lag_hours}`.
    pub lag_hours: usize,
    /// Daily mean temperatures of the last `daily_means` days.
    pub daily_means: usize,
    /// Lagged load `y_{t−24}`, `y_{t−168}` interacted with hour (day-ahead only).
    pub load_lags: bool,
    /// Refit after this many new hours (the normal equations are always kept up to date).
    pub refit_every_h: usize,
    /// Hours of in-sample residuals for the quantiles.
    pub residual_window_h: usize,
}

impl MlrSettings {
    /// Hong's vanilla benchmark (default: refit every 7 days, one year of residuals).
    pub fn vanilla() -> Self {
        Self {
            name: "mlr_vanilla".into(),
            temperature: "temperature_f".into(),
            holidays: false,
            lag_hours: 0,
            daily_means: 0,
            load_lags: false,
            refit_every_h: 24 * 7,
            residual_window_h: 8760,
        }
    }

    /// Vanilla + holidays + recency (3 hourly lags, 2 daily means).
    pub fn recency() -> Self {
        Self {
            name: "mlr_recency".into(),
            holidays: true,
            lag_hours: 3,
            daily_means: 2,
            ..Self::vanilla()
        }
    }

    /// Recency + lagged load (day-ahead ARX).
    pub fn arx() -> Self {
        Self {
            name: "mlr_arx".into(),
            load_lags: true,
            ..Self::recency()
        }
    }
}

/// Columns of one temperature variable: T, T², T³; ×11 months; ×23 hours.
const TEMP_COLS: usize = 3 + 3 * 11 + 3 * 23;
/// Intercept, trend, 11 months, 167 day×hour.
const BASE_COLS: usize = 2 + 11 + 167;

/// The fitted regression.
#[derive(Debug, Clone)]
pub struct Mlr {
    /// Settings.
    pub settings: MlrSettings,
    ne: Option<NormalEquations>,
    rows_until: usize,
    fitted_at: usize,
    beta: Vec<f64>,
    load_scale: f64,
    /// Sorted residuals per hour of day.
    resid: Vec<Vec<f64>>,
}

impl Mlr {
    /// An unfitted regression.
    pub fn new(settings: MlrSettings) -> Self {
        Self {
            settings,
            ne: None,
            rows_until: 0,
            fitted_at: 0,
            beta: vec![],
            load_scale: 1.0,
            resid: vec![],
        }
    }

    fn n_temp_vars(&self) -> usize {
        1 + self.settings.lag_hours + self.settings.daily_means
    }

    fn cols(&self) -> usize {
        BASE_COLS + TEMP_COLS * self.n_temp_vars() + if self.settings.load_lags { 48 } else { 0 }
    }

    /// Temperature inputs of hour `i` (scaled), or None if one is missing.
    fn temps(&self, temp: &[f64], i: usize) -> Option<Vec<f64>> {
        let s = |v: f64| (v - 60.0) / 20.0;
        let at = |j: usize| temp.get(j).copied().filter(|v| v.is_finite());
        let mut out = vec![s(at(i)?)];
        for l in 1..=self.settings.lag_hours {
            out.push(s(at(i.checked_sub(l)?)?));
        }
        for k in 0..self.settings.daily_means {
            let end = i.checked_sub(24 * k)?;
            let start = end.checked_sub(23)?;
            let mut sum = 0.0;
            for j in start..=end {
                sum += at(j)?;
            }
            out.push(s(sum / 24.0));
        }
        Some(out)
    }

    /// The sparse design row of hour `i`; `y` is the target known so far (for load lags).
    fn row(&self, view: &View<'_>, temp: &[f64], y: &[f64], i: usize) -> Option<Vec<(usize, f64)>> {
        let c = view.timeline.calendar(i);
        let hour = c.hour as usize;
        let month = c.month as usize - 1;
        let wd = if self.settings.holidays && c.holiday {
            6
        } else {
            c.weekday as usize
        };
        let mut x = Vec::with_capacity(16 + 9 * self.n_temp_vars());
        x.push((0, 1.0));
        x.push((1, i as f64 / 8760.0));
        if month > 0 {
            x.push((1 + month, 1.0));
        }
        let wh = wd * 24 + hour;
        if wh > 0 {
            x.push((12 + wh, 1.0));
        }
        for (v, t) in self.temps(temp, i)?.into_iter().enumerate() {
            let base = BASE_COLS + v * TEMP_COLS;
            let pw = [t, t * t, t * t * t];
            for (k, p) in pw.iter().enumerate() {
                x.push((base + k, *p));
                if month > 0 {
                    x.push((base + 3 + k * 11 + month - 1, *p));
                }
                if hour > 0 {
                    x.push((base + 36 + k * 23 + hour - 1, *p));
                }
            }
        }
        if self.settings.load_lags {
            let base = BASE_COLS + TEMP_COLS * self.n_temp_vars();
            let l24 = y
                .get(i.checked_sub(24)?)
                .copied()
                .filter(|v| v.is_finite())?;
            let l168 = y
                .get(i.checked_sub(168)?)
                .copied()
                .filter(|v| v.is_finite())?;
            x.push((base + hour, l24 / self.load_scale));
            x.push((base + 24 + hour, l168 / self.load_scale));
        }
        Some(x)
    }

    fn add_rows(&mut self, view: &View<'_>, temp: &[f64]) {
        let y = view.target;
        let mut ne = self
            .ne
            .take()
            .unwrap_or_else(|| NormalEquations::new(self.cols()));
        for i in self.rows_until..y.len() {
            if !y[i].is_finite() {
                continue;
            }
            if let Some(x) = self.row(view, temp, y, i) {
                ne.add_row(&x, y[i]);
            }
        }
        self.rows_until = y.len();
        self.ne = Some(ne);
    }

    fn refit(&mut self, view: &View<'_>, temp: &[f64]) -> Result<(), ForecastError> {
        let ne = self
            .ne
            .as_ref()
            .ok_or_else(|| ForecastError::NotFitted(self.name()))?;
        self.beta = ne.solve(1e-10, &self.settings.name)?;
        self.fitted_at = view.issue();
        let y = view.target;
        let from = y.len().saturating_sub(self.settings.residual_window_h);
        let mut by_hour: Vec<Vec<f64>> = vec![Vec::new(); 24];
        for i in from..y.len() {
            if let Some(x) = self.row(view, temp, y, i) {
                let h = view.timeline.calendar(i).hour as usize;
                by_hour[h % 24].push(y[i] - dot_sparse(&x, &self.beta));
            }
        }
        self.resid = by_hour.into_iter().map(sorted_finite).collect();
        Ok(())
    }
}

impl Mlr {
    /// Issue index of the last solve of the coefficients (0 before the first fit).
    pub(crate) fn fitted_at(&self) -> usize {
        self.fitted_at
    }

    /// The regression's value at hour `i` with the current coefficients, if its inputs exist.
    pub(crate) fn fitted_value(&self, view: &View<'_>, temp: &[f64], i: usize) -> Option<f64> {
        if self.beta.is_empty() {
            return None;
        }
        self.row(view, temp, view.target, i)
            .map(|x| dot_sparse(&x, &self.beta))
    }
}

impl Forecaster for Mlr {
    fn name(&self) -> String {
        self.settings.name.clone()
    }

    fn fit(&mut self, view: &View<'_>) -> Result<(), ForecastError> {
        let temp = view.exog_named(&self.settings.temperature, &self.settings.name)?;
        let y = view.target;
        let finite: Vec<f64> = y.iter().copied().filter(|v| v.is_finite()).collect();
        if finite.len() < 24 * 7 * 4 {
            return Err(ForecastError::ShortHistory {
                model: self.name(),
                needed: 24 * 7 * 4,
                got: finite.len(),
            });
        }
        self.load_scale = finite.iter().sum::<f64>() / finite.len() as f64;
        self.ne = None;
        self.rows_until = 0;
        self.add_rows(view, temp);
        self.refit(view, temp)
    }

    fn update(&mut self, view: &View<'_>) -> Result<(), ForecastError> {
        if self.ne.is_none() || view.issue() < self.rows_until {
            return self.fit(view);
        }
        let temp = view.exog_named(&self.settings.temperature, &self.settings.name)?;
        self.add_rows(view, temp);
        if view.issue() >= self.fitted_at + self.settings.refit_every_h {
            self.refit(view, temp)?;
        }
        Ok(())
    }

    fn predict(
        &self,
        view: &View<'_>,
        horizon: usize,
        levels: &[f64],
    ) -> Result<Forecast, ForecastError> {
        if self.beta.is_empty() {
            return Err(ForecastError::NotFitted(self.name()));
        }
        if self.settings.load_lags && horizon > 24 {
            return Err(ForecastError::Setting(format!(
                "{} uses the load 24 h earlier and forecasts at most 24 h ahead, asked for {horizon}",
                self.name()
            )));
        }
        let temp = view.exog_named(&self.settings.temperature, &self.settings.name)?;
        let issue = view.issue();
        let mut point = Vec::with_capacity(horizon);
        let mut quantiles = Vec::with_capacity(horizon);
        for i in issue..issue + horizon {
            let x = match self.row(view, temp, view.target, i) {
                Some(x) => x,
                None => {
                    // Name the first missing input.
                    let lag = self.settings.lag_hours.max(24 * self.settings.daily_means);
                    let bad = (i.saturating_sub(lag)..=i)
                        .find(|&j| !temp.get(j).is_some_and(|v| v.is_finite()));
                    return Err(ForecastError::MissingExogenous {
                        name: if bad.is_some() {
                            self.settings.temperature.clone()
                        } else {
                            "target (lagged load)".into()
                        },
                        index: bad.unwrap_or(i),
                        time: view
                            .timeline
                            .label(bad.unwrap_or(i).min(view.timeline.len.saturating_sub(1))),
                    });
                }
            };
            let p = dot_sparse(&x, &self.beta);
            let h = view.timeline.calendar(i).hour as usize;
            let r = self.resid.get(h).map(Vec::as_slice).unwrap_or(&[]);
            quantiles.push(levels.iter().map(|&t| p + quantile_sorted(r, t)).collect());
            point.push(p);
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
    use crate::calendar::{Clock, Timeline};
    use crate::model::Dataset;
    use chrono::{TimeZone, Utc};

    /// Load that vanilla can represent exactly: a weekend step, an hourly profile, and a
    /// quadratic in temperature; 13 months so every month has data.
    fn synthetic() -> Dataset {
        let len = 24 * (366 + 31);
        let timeline = Timeline {
            start_utc: Utc.with_ymd_and_hms(2012, 1, 1, 5, 0, 0).unwrap(),
            len,
            clock: Clock::Fixed(-5 * 3600),
        };
        let temp: Vec<f64> = (0..len)
            .map(|i| {
                let x = i as f64;
                50.0 + 20.0 * (2.0 * std::f64::consts::PI * x / 24.0).sin()
                    + 10.0 * (x / 300.0).sin()
            })
            .collect();
        let load = (0..len)
            .map(|i| {
                let c = timeline.calendar(i);
                let t = temp[i] - 60.0;
                1000.0
                    + if c.weekend() { -100.0 } else { 0.0 }
                    + 5.0 * c.hour as f64
                    + 3.0 * t
                    + 0.05 * t * t
            })
            .collect();
        Dataset {
            name: "synthetic".into(),
            timeline,
            target: load,
            exog_names: vec!["temperature_f".into()],
            exog: vec![temp],
        }
    }

    #[test]
    fn vanilla_reproduces_load_inside_its_span() {
        let d = synthetic();
        let issue = 24 * 380;
        let v = d.view(issue, 48);
        let mut m = Mlr::new(MlrSettings::vanilla());
        m.fit(&v).unwrap();
        let f = m.predict(&v, 48, &[0.1, 0.5, 0.9]).unwrap();
        for (k, p) in f.point.iter().enumerate() {
            // Exact up to the guard ridge (λ = 1e-10 · mean diag XᵀX) and round-off:
            // |error| < 1e-4 MW on ~1000 MW.
            assert!(
                (p - d.target[issue + k]).abs() < 1e-4,
                "step {k}: {p} vs {}",
                d.target[issue + k]
            );
        }
        // Zero residuals: every quantile equals the point within the same tolerance.
        assert!(f.quantiles[0].iter().all(|q| (q - f.point[0]).abs() < 1e-4));
    }

    #[test]
    fn arx_refuses_horizons_beyond_a_day_and_missing_temperature_is_located() {
        let mut d = synthetic();
        // Noise (a fixed sequence) so that lagged load is not a combination of the other columns.
        // The same for temperature, whose lags are otherwise linearly dependent (two sines).
        let mut state = 12345u64;
        let mut noise = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as f64 / (1u64 << 31) as f64 - 0.5
        };
        for i in 0..d.target.len() {
            d.target[i] += 40.0 * noise();
            d.exog[0][i] += 4.0 * noise();
        }
        let issue = 24 * 380;
        let mut m = Mlr::new(MlrSettings::arx());
        m.fit(&d.view(issue, 24)).unwrap();
        assert!(matches!(
            m.predict(&d.view(issue, 48), 48, &[0.5]),
            Err(ForecastError::Setting(_))
        ));
        d.exog[0][issue + 5] = f64::NAN;
        match m.predict(&d.view(issue, 24), 24, &[0.5]) {
            Err(ForecastError::MissingExogenous { name, index, .. }) => {
                assert_eq!((name.as_str(), index), ("temperature_f", issue + 5));
            }
            other => panic!("expected MissingExogenous, got {other:?}"),
        }
    }
}
