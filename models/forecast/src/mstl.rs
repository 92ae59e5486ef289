//! MSTL + ETS load model (augurs): seasonal decomposition with daily and weekly periods, ETS on the rest.
//!
//! At each issue the last `window_h` hours of load are decomposed by MSTL (Bandara,
//! Hyndman & Bergmeir 2021; `augurs-mstl`, repeated STL with LOESS) into daily and weekly
//! seasonal components, a trend and a remainder. The deseasonalised series (trend +
//! remainder) is forecast by an automatically selected non-seasonal ETS model with
//! additive errors (`augurs-ets` `AutoETS`, spec `AZN`: additive error, any trend, no
//! season, chosen by AICc); the seasonal components repeat their last period.
//! This is a univariate model: it uses no temperature, and is the issue's "double-seasonal
//! exponential smoothing or MSTL + ETS" benchmark.
//!
//! Quantiles are Gaussian around the point: the ETS model's 95 % prediction interval at
//! step `k` gives `σ_k = (upper_k − ŷ_k) / z_{0.975}` and `q_τ = ŷ_k + z_τ σ_k`.

use augurs_core::{Fit, Predict};
use augurs_ets::AutoETS;
use augurs_mstl::MSTLModel;

use crate::model::{Forecast, Forecaster, View};
use crate::ForecastError;

/// Settings of [`MstlEts`].
#[derive(Debug, Clone, PartialEq)]
pub struct MstlSettings {
    /// Seasonal periods in hours.
    pub periods: Vec<usize>,
    /// Hours of history decomposed at each issue.
    pub window_h: usize,
}

impl Default for MstlSettings {
    fn default() -> Self {
        Self {
            periods: vec![24, 168],
            window_h: 24 * 7 * 8,
        }
    }
}

/// MSTL decomposition with an ETS forecast of the deseasonalised load.
#[derive(Debug, Clone)]
pub struct MstlEts {
    /// Settings.
    pub settings: MstlSettings,
    /// Point and 95 % upper bound for the next `cached_h` hours after `issue`.
    cache: Option<(usize, Vec<f64>, Vec<f64>)>,
}

/// Hours forecast at each fit (a week: predictions up to this horizon reuse the fit).
const CACHED_H: usize = 168;

impl MstlEts {
    /// An unfitted model.
    pub fn new(settings: MstlSettings) -> Self {
        Self {
            settings,
            cache: None,
        }
    }
}

fn augurs_error(e: impl std::fmt::Display) -> ForecastError {
    ForecastError::Setting(format!("mstl_ets: {e}"))
}

impl Forecaster for MstlEts {
    fn name(&self) -> String {
        "mstl_ets".into()
    }

    fn fit(&mut self, view: &View<'_>) -> Result<(), ForecastError> {
        let y = view.target;
        let longest = self.settings.periods.iter().copied().max().unwrap_or(1);
        let needed = self.settings.window_h.max(2 * longest + 1);
        if y.len() < needed {
            return Err(ForecastError::ShortHistory {
                model: self.name(),
                needed,
                got: y.len(),
            });
        }
        let w = &y[y.len() - needed..];
        if let Some(k) = w.iter().position(|v| !v.is_finite()) {
            let i = y.len() - needed + k;
            return Err(ForecastError::MissingExogenous {
                name: "target (load in the MSTL window)".into(),
                index: i,
                time: view.timeline.label(i),
            });
        }
        let ets = AutoETS::new(1, "AZN")
            .map_err(augurs_error)?
            .into_trend_model();
        let model = MSTLModel::new(self.settings.periods.clone(), ets);
        let fitted = model.fit(w).map_err(augurs_error)?;
        let f = fitted.predict(CACHED_H, 0.95).map_err(augurs_error)?;
        let upper = match f.intervals {
            Some(iv) => iv.upper,
            None => f.point.clone(),
        };
        self.cache = Some((view.issue(), f.point, upper));
        Ok(())
    }

    fn predict(
        &self,
        view: &View<'_>,
        horizon: usize,
        levels: &[f64],
    ) -> Result<Forecast, ForecastError> {
        let (issue, point, upper) = self
            .cache
            .as_ref()
            .ok_or_else(|| ForecastError::NotFitted(self.name()))?;
        if *issue != view.issue() {
            return Err(ForecastError::Setting(format!(
                "mstl_ets was fitted at index {issue} and asked to forecast from {}: update it first",
                view.issue()
            )));
        }
        if horizon > point.len() {
            return Err(ForecastError::Setting(format!(
                "mstl_ets forecasts at most {} h ahead, asked for {horizon}",
                point.len()
            )));
        }
        let z975 = distrs::Normal::ppf(0.975, 0.0, 1.0);
        let z: Vec<f64> = levels
            .iter()
            .map(|&t| distrs::Normal::ppf(t, 0.0, 1.0))
            .collect();
        let quantiles = (0..horizon)
            .map(|k| {
                let sigma = ((upper[k] - point[k]) / z975).max(0.0);
                z.iter().map(|zt| point[k] + zt * sigma).collect()
            })
            .collect();
        Ok(Forecast {
            issue: *issue,
            point: point[..horizon].to_vec(),
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

    /// Daily and weekly cycles on a level: the forecast continues them.
    #[test]
    fn mstl_continues_daily_and_weekly_cycles() {
        let len = 24 * 7 * 10;
        let y: Vec<f64> = (0..len)
            .map(|t| {
                let (h, d) = ((t % 24) as f64, ((t / 24) % 7) as f64);
                1000.0 + 100.0 * (2.0 * std::f64::consts::PI * h / 24.0).sin() + 20.0 * d
            })
            .collect();
        let timeline = Timeline {
            start_utc: Utc.with_ymd_and_hms(2013, 1, 1, 0, 0, 0).unwrap(),
            len,
            clock: Clock::Utc,
        };
        let d = Dataset {
            name: "cycles".into(),
            timeline,
            target: y,
            exog_names: vec![],
            exog: vec![],
        };
        let issue = len - 48;
        let mut m = MstlEts::new(MstlSettings::default());
        m.fit(&d.view(issue, 48)).unwrap();
        let f = m.predict(&d.view(issue, 48), 48, &[0.1, 0.5, 0.9]).unwrap();
        for k in 0..48 {
            assert!(
                (f.point[k] - d.target[issue + k]).abs() < 5.0,
                "step {k}: {} vs {}",
                f.point[k],
                d.target[issue + k]
            );
            assert!(
                f.quantiles[k][0] <= f.quantiles[k][1] && f.quantiles[k][1] <= f.quantiles[k][2]
            );
        }
        // A forecast from another issue than the fit is refused, not silently wrong.
        assert!(matches!(
            m.predict(&d.view(issue + 24, 24), 24, &[0.5]),
            Err(ForecastError::Setting(_))
        ));
        assert!(matches!(
            MstlEts::new(MstlSettings::default()).fit(&d.view(100, 24)),
            Err(ForecastError::ShortHistory { .. })
        ));
    }
}
