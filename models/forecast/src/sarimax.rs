//! SARIMAX-class load model: regression on temperature and calendar with seasonal ARMA errors.
//!
//! `y_t = x_tᵀβ + e_t`, where `x_t` is the design of Hong's regression with holidays and
//! the recency effect ([`MlrSettings::recency`]) and the error follows a subset ARMA
//!
//! `e_t = Σ_{l∈P} φ_l e_{t−l} + ε_t + Σ_{m∈Q} θ_m ε_{t−m}`,
//!
//! with AR lags `P = {1, 2, 24, 25, 168}` and MA lags `Q = {1, 24}` by default: the
//! unrestricted (additive) form of a multiplicative SARMA(2, 1)(1, 1)₂₄ error with a weekly
//! AR term. β is fitted by least squares ([`Mlr`]); the ARMA by **Hannan–Rissanen**
//! (Hannan & Rissanen 1982): a long autoregression of `e` (lags 1…48 and 166…170) by least
//! squares estimates the innovations `ε̂`, then `e_t` is regressed on `e_{t−l}` (l ∈ P) and
//! `ε̂_{t−m}` (m ∈ Q). Both are linear least squares, so a fit is fast and deterministic.
//!
//! Forecast: `ŷ_{T+k} = x_{T+k}ᵀβ + ê_{T+k}`, with `ê` from the ARMA recursion (future
//! innovations 0, future errors replaced by their forecasts); the state (past `e` and `ε`)
//! is rebuilt at each issue from the last `state_window_h` hours with the current β.
//! Quantiles are `ŷ_{T+k} + Q_τ(r_k)`, where `r_k` are the errors of the same recursion at
//! step `k` from daily origins over the last `error_origins` days of the history (the
//! regression part in-sample), so intervals widen with the step as the ARMA's do.

use crate::linalg::NormalEquations;
use crate::mlr::{Mlr, MlrSettings};
use crate::model::{Forecast, Forecaster, View};
use crate::quantile::{quantile_sorted, sorted_finite};
use crate::ForecastError;

/// ARMA of a zero-mean series with subset AR and MA lags.
#[derive(Debug, Clone, PartialEq)]
pub struct SubsetArma {
    /// AR lags (hours).
    pub ar_lags: Vec<usize>,
    /// MA lags (hours).
    pub ma_lags: Vec<usize>,
    /// AR coefficients, one per AR lag.
    pub phi: Vec<f64>,
    /// MA coefficients, one per MA lag.
    pub theta: Vec<f64>,
    /// Standard deviation of the innovations (in-sample).
    pub sigma: f64,
}

/// Value of `s` at `t − lag` as a number (0 before the start or where not finite).
fn lagged(s: &[f64], t: usize, lag: usize) -> f64 {
    t.checked_sub(lag)
        .and_then(|j| s.get(j))
        .copied()
        .filter(|v| v.is_finite())
        .unwrap_or(0.0)
}

impl SubsetArma {
    fn max_lag(&self) -> usize {
        self.ar_lags
            .iter()
            .chain(&self.ma_lags)
            .copied()
            .max()
            .unwrap_or(0)
    }

    /// Hannan–Rissanen estimate on `e` (non-finite values are skipped as targets and read
    /// as 0 when lagged). `long_ar` are the lags of the first-stage autoregression.
    pub fn fit_hannan_rissanen(
        e: &[f64],
        ar_lags: &[usize],
        ma_lags: &[usize],
        long_ar: &[usize],
        model: &str,
    ) -> Result<Self, ForecastError> {
        let m1 = long_ar.iter().copied().max().unwrap_or(0);
        let mut ne = NormalEquations::new(long_ar.len());
        for t in m1..e.len() {
            if e[t].is_finite() {
                let x: Vec<(usize, f64)> = long_ar
                    .iter()
                    .enumerate()
                    .map(|(k, &l)| (k, lagged(e, t, l)))
                    .collect();
                ne.add_row(&x, e[t]);
            }
        }
        let needed = 10 * (long_ar.len() + ar_lags.len() + ma_lags.len()) + m1;
        if ne.rows < needed {
            return Err(ForecastError::ShortHistory {
                model: model.into(),
                needed,
                got: ne.rows,
            });
        }
        let a = ne.solve(1e-10, model)?;
        let eps: Vec<f64> = (0..e.len())
            .map(|t| {
                if t < m1 || !e[t].is_finite() {
                    return 0.0;
                }
                e[t] - long_ar
                    .iter()
                    .zip(&a)
                    .map(|(&l, c)| c * lagged(e, t, l))
                    .sum::<f64>()
            })
            .collect();
        let p = ar_lags.len() + ma_lags.len();
        let start = m1 + ma_lags.iter().copied().max().unwrap_or(0);
        let mut ne = NormalEquations::new(p);
        let row = |t: usize| -> Vec<(usize, f64)> {
            ar_lags
                .iter()
                .map(|&l| lagged(e, t, l))
                .chain(ma_lags.iter().map(|&m| lagged(&eps, t, m)))
                .enumerate()
                .collect()
        };
        for t in start..e.len() {
            if e[t].is_finite() {
                ne.add_row(&row(t), e[t]);
            }
        }
        let b = ne.solve(1e-10, model)?;
        let mut fit = Self {
            ar_lags: ar_lags.to_vec(),
            ma_lags: ma_lags.to_vec(),
            phi: b[..ar_lags.len()].to_vec(),
            theta: b[ar_lags.len()..].to_vec(),
            sigma: 0.0,
        };
        let inn = fit.innovations(e);
        let tail: Vec<f64> = inn[start.min(inn.len())..]
            .iter()
            .copied()
            .filter(|v| *v != 0.0)
            .collect();
        fit.sigma = (tail.iter().map(|v| v * v).sum::<f64>() / tail.len().max(1) as f64).sqrt();
        Ok(fit)
    }

    /// Innovations `ε_t = e_t − Σ φ_l e_{t−l} − Σ θ_m ε_{t−m}`, with values before the start
    /// taken as 0 and ε = 0 where `e` is not finite.
    pub fn innovations(&self, e: &[f64]) -> Vec<f64> {
        let mut eps = Vec::with_capacity(e.len());
        for t in 0..e.len() {
            let v = if e[t].is_finite() {
                e[t] - self.one_step(e, &eps, t)
            } else {
                0.0
            };
            eps.push(v);
        }
        eps
    }

    /// The conditional mean of `e_t` given everything before `t`.
    fn one_step(&self, e: &[f64], eps: &[f64], t: usize) -> f64 {
        self.ar_lags
            .iter()
            .zip(&self.phi)
            .map(|(&l, c)| c * lagged(e, t, l))
            .sum::<f64>()
            + self
                .ma_lags
                .iter()
                .zip(&self.theta)
                .map(|(&m, c)| c * lagged(eps, t, m))
                .sum::<f64>()
    }

    /// Forecasts `h` steps after the end of `e` (with its innovations `eps`, same length).
    pub fn forecast(&self, e: &[f64], eps: &[f64], h: usize) -> Vec<f64> {
        let keep = self.max_lag().min(e.len());
        let mut ee = e[e.len() - keep..].to_vec();
        let mut ep = eps[eps.len().saturating_sub(keep)..].to_vec();
        ep.resize(ee.len(), 0.0);
        for _ in 0..h {
            let t = ee.len();
            let v = self.one_step(&ee, &ep, t);
            ee.push(v);
            ep.push(0.0);
        }
        ee[keep..].to_vec()
    }
}

/// Settings of [`Sarimax`].
#[derive(Debug, Clone, PartialEq)]
pub struct SarimaxSettings {
    /// The regression (its `refit_every_h` also paces the ARMA refits).
    pub regression: MlrSettings,
    /// AR lags of the error (hours).
    pub ar_lags: Vec<usize>,
    /// MA lags of the error (hours).
    pub ma_lags: Vec<usize>,
    /// Lags of the first-stage autoregression of Hannan–Rissanen.
    pub long_ar: Vec<usize>,
    /// Hours of regression errors the ARMA is fitted on.
    pub arma_window_h: usize,
    /// Hours of past errors from which the state is rebuilt at each issue.
    pub state_window_h: usize,
    /// Daily origins whose forecast errors give the quantiles.
    pub error_origins: usize,
    /// Steps for which error distributions are kept (longer horizons reuse the last).
    pub max_steps: usize,
}

impl Default for SarimaxSettings {
    fn default() -> Self {
        Self {
            regression: MlrSettings {
                name: "sarimax".into(),
                ..MlrSettings::recency()
            },
            ar_lags: vec![1, 2, 24, 25, 168],
            ma_lags: vec![1, 24],
            long_ar: (1..=48).chain(166..=170).collect(),
            arma_window_h: 2 * 8760,
            state_window_h: 24 * 28,
            error_origins: 365,
            max_steps: 168,
        }
    }
}

/// Regression with seasonal ARMA errors (see the module documentation).
#[derive(Debug, Clone)]
pub struct Sarimax {
    /// Settings.
    pub settings: SarimaxSettings,
    reg: Mlr,
    arma: Option<SubsetArma>,
    arma_for: usize,
    /// Sorted forecast errors per step.
    errors: Vec<Vec<f64>>,
}

impl Sarimax {
    /// An unfitted model.
    pub fn new(settings: SarimaxSettings) -> Self {
        let reg = Mlr::new(settings.regression.clone());
        Self {
            settings,
            reg,
            arma: None,
            arma_for: usize::MAX,
            errors: vec![],
        }
    }

    /// Regression errors `y − x ᵀβ` of hours `from..view.issue()` (NaN where undefined).
    fn errors_of(&self, view: &View<'_>, temp: &[f64], from: usize) -> Vec<f64> {
        (from..view.issue())
            .map(|i| match self.reg.fitted_value(view, temp, i) {
                Some(f) => view.target[i] - f,
                None => f64::NAN,
            })
            .collect()
    }

    fn refit_arma(&mut self, view: &View<'_>) -> Result<(), ForecastError> {
        let s = &self.settings;
        let temp = view.exog_named(&s.regression.temperature, &s.regression.name)?;
        let from = view.issue().saturating_sub(s.arma_window_h);
        let e = self.errors_of(view, temp, from);
        let arma = SubsetArma::fit_hannan_rissanen(
            &e,
            &s.ar_lags,
            &s.ma_lags,
            &s.long_ar,
            &s.regression.name,
        )?;
        let eps = arma.innovations(&e);
        let mut by_step: Vec<Vec<f64>> = vec![Vec::new(); s.max_steps.max(1)];
        let n = e.len();
        let warm = s.state_window_h.min(n);
        for j in 1..=s.error_origins {
            let Some(o) = n.checked_sub(24 * j) else {
                break;
            };
            if o < warm {
                break;
            }
            let steps = (n - o).min(by_step.len());
            let f = arma.forecast(&e[..o], &eps[..o], steps);
            for (k, fk) in f.iter().enumerate() {
                by_step[k].push(e[o + k] - fk);
            }
        }
        self.errors = by_step.into_iter().map(sorted_finite).collect();
        self.arma = Some(arma);
        self.arma_for = self.reg.fitted_at();
        Ok(())
    }
}

impl Forecaster for Sarimax {
    fn name(&self) -> String {
        self.settings.regression.name.clone()
    }

    fn fit(&mut self, view: &View<'_>) -> Result<(), ForecastError> {
        self.reg.fit(view)?;
        self.refit_arma(view)
    }

    fn update(&mut self, view: &View<'_>) -> Result<(), ForecastError> {
        if self.arma.is_none() {
            return self.fit(view);
        }
        self.reg.update(view)?;
        if self.reg.fitted_at() != self.arma_for {
            self.refit_arma(view)?;
        }
        Ok(())
    }

    fn predict(
        &self,
        view: &View<'_>,
        horizon: usize,
        levels: &[f64],
    ) -> Result<Forecast, ForecastError> {
        let arma = self
            .arma
            .as_ref()
            .ok_or_else(|| ForecastError::NotFitted(self.name()))?;
        let reg = self.reg.predict(view, horizon, &[])?;
        let s = &self.settings;
        let temp = view.exog_named(&s.regression.temperature, &s.regression.name)?;
        let e = self.errors_of(view, temp, view.issue().saturating_sub(s.state_window_h));
        let eps = arma.innovations(&e);
        let ef = arma.forecast(&e, &eps, horizon);
        let point: Vec<f64> = reg.point.iter().zip(&ef).map(|(r, e)| r + e).collect();
        let quantiles = point
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let r = self
                    .errors
                    .get(k)
                    .or(self.errors.last())
                    .map_or(&[][..], Vec::as_slice);
                levels.iter().map(|&t| p + quantile_sorted(r, t)).collect()
            })
            .collect();
        Ok(Forecast {
            issue: view.issue(),
            point,
            levels: levels.to_vec(),
            quantiles,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arma(ar: &[(usize, f64)], ma: &[(usize, f64)]) -> SubsetArma {
        SubsetArma {
            ar_lags: ar.iter().map(|a| a.0).collect(),
            phi: ar.iter().map(|a| a.1).collect(),
            ma_lags: ma.iter().map(|a| a.0).collect(),
            theta: ma.iter().map(|a| a.1).collect(),
            sigma: 1.0,
        }
    }

    #[test]
    fn arma_forecast_matches_hand_computation() {
        // e_t = 0.5 e_{t−1} + ε_t + 0.4 ε_{t−1}; e_T = 2, ε_T = 1:
        // ê_{T+1} = 0.5·2 + 0.4·1 = 1.4, ê_{T+2} = 0.7, ê_{T+3} = 0.35.
        let m = arma(&[(1, 0.5)], &[(1, 0.4)]);
        let f = m.forecast(&[0.0, 3.0, 2.0], &[0.0, 0.0, 1.0], 3);
        for (a, b) in f.iter().zip([1.4, 0.7, 0.35]) {
            assert!((a - b).abs() < 1e-12, "{f:?}");
        }
        // Seasonal: e_t = 0.8 e_{t−2}: the forecast repeats the last two values × 0.8.
        let m = arma(&[(2, 0.8)], &[]);
        let f = m.forecast(&[5.0, 1.0, -1.0], &[0.0; 3], 4);
        for (a, b) in f.iter().zip([0.8, -0.8, 0.64, -0.64]) {
            assert!((a - b).abs() < 1e-12, "{f:?}");
        }
        // Innovations invert the recursion: ε_0 = e_0, ε_1 = e_1 − 0.5 e_0 − 0.4 ε_0.
        let m = arma(&[(1, 0.5)], &[(1, 0.4)]);
        let eps = m.innovations(&[1.0, 2.0, f64::NAN]);
        assert_eq!(eps, vec![1.0, 2.0 - 0.5 - 0.4, 0.0]);
    }

    /// Standard normal draws from a fixed LCG (Box–Muller).
    fn normals(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        let mut u = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        (0..n)
            .map(|_| {
                let (a, b) = (u(), u());
                (-2.0 * a.ln()).sqrt() * (2.0 * std::f64::consts::PI * b).cos()
            })
            .collect()
    }

    #[test]
    fn hannan_rissanen_recovers_a_seasonal_arma() {
        // e_t = 0.6 e_{t−1} + 0.3 e_{t−24} + ε_t + 0.4 ε_{t−1}, σ = 1, 40 000 hours.
        let eps = normals(40_000, 7);
        let mut e = vec![0.0; eps.len()];
        for t in 0..e.len() {
            e[t] = 0.6 * lagged(&e, t, 1)
                + 0.3 * lagged(&e, t, 24)
                + eps[t]
                + 0.4 * lagged(&eps, t, 1);
        }
        let long: Vec<usize> = (1..=60).collect();
        let m = SubsetArma::fit_hannan_rissanen(&e[1000..], &[1, 24], &[1], &long, "test").unwrap();
        let close = |a: f64, b: f64| (a - b).abs() < 0.03;
        assert!(
            close(m.phi[0], 0.6) && close(m.phi[1], 0.3) && close(m.theta[0], 0.4),
            "{m:?}"
        );
        assert!(close(m.sigma, 1.0), "{m:?}");
        // Too short a series is a located error, not a panic.
        assert!(matches!(
            SubsetArma::fit_hannan_rissanen(&e[..50], &[1], &[1], &long, "test"),
            Err(ForecastError::ShortHistory { .. })
        ));
    }

    #[test]
    fn sarimax_beats_its_own_regression_on_two_winter_weeks() {
        use crate::backtest::{rolling_origin, score, BacktestSettings};
        let (d, first) = crate::backtest::tests::slice();
        let s = BacktestSettings {
            first_issue: first,
            end: first + 24 * 14,
            step_h: 24,
            horizon: 24,
            levels: vec![0.1, 0.5, 0.9],
        };
        let a = rolling_origin(&d, &mut Sarimax::new(SarimaxSettings::default()), &s).unwrap();
        let b = rolling_origin(&d, &mut Sarimax::new(SarimaxSettings::default()), &s).unwrap();
        assert_eq!(a, b);
        let reg = rolling_origin(&d, &mut Mlr::new(MlrSettings::recency()), &s).unwrap();
        let (m_s, m_r) = (
            score(&[(&d, &a)], &s.levels).point.mape_pct.unwrap(),
            score(&[(&d, &reg)], &s.levels).point.mape_pct.unwrap(),
        );
        assert!(m_s < m_r, "sarimax MAPE {m_s} %, regression {m_r} %");
        // Intervals widen with the step (ARMA errors accumulate).
        let w = |k: usize| a[0].quantiles[k][2] - a[0].quantiles[k][0];
        assert!(w(23) > w(0), "{} vs {}", w(23), w(0));
    }
}
