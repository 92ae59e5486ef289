//! Naive baselines: persistence (the value one period earlier) with residual quantiles.
//!
//! For period `p` (24 h: "same hour yesterday"; 168 h: seasonal naive, "same hour last
//! week") and issue index `t0`, step `t ≥ t0` is forecast by the latest observed value at the
//! same phase: `ŷ_t = y_{t − m p}` with the smallest `m ≥ 1` such that `t − m p < t0` and
//! `y_{t − m p}` is finite. Quantiles are `ŷ_t + Q_τ(e)` with `e_s = y_s − y_{s−p}` over the
//! last `window_h` hours of history, binned by the point value (useful for bounded targets),
//! clipped to `[lo, hi]`.

use crate::model::{Forecast, Forecaster, View};
use crate::quantile::BinnedResiduals;
use crate::ForecastError;

/// Persistence at a period, with residual quantiles.
#[derive(Debug, Clone)]
pub struct LagNaive {
    name: String,
    /// The period in hours (24 = persistence, 168 = seasonal naive).
    pub period_h: usize,
    /// Hours of history whose errors give the quantiles.
    pub window_h: usize,
    /// Bins of the point forecast for the error distribution (1 = one distribution).
    pub bins: usize,
    /// Range of the target (quantiles and points are clipped to it).
    pub range: (f64, f64),
    resid: Option<BinnedResiduals>,
}

impl LagNaive {
    /// A naive forecaster named `name` at period `period_h`, errors over `window_h` hours.
    pub fn new(name: &str, period_h: usize, window_h: usize) -> Self {
        Self {
            name: name.to_string(),
            period_h,
            window_h,
            bins: 1,
            range: (f64::NEG_INFINITY, f64::INFINITY),
            resid: None,
        }
    }

    /// Same, for a bounded target (e.g. normalised power in [0, 1]) with errors binned by level.
    pub fn bounded(
        name: &str,
        period_h: usize,
        window_h: usize,
        range: (f64, f64),
        bins: usize,
    ) -> Self {
        Self {
            bins,
            range,
            ..Self::new(name, period_h, window_h)
        }
    }

    fn source(&self, y: &[f64], t: usize) -> f64 {
        let issue = y.len();
        let p = self.period_h.max(1);
        // First m with t − m p < issue.
        let m0 = (t + 1 - issue).div_ceil(p).max(1);
        (m0..m0 + 8)
            .filter_map(|m| t.checked_sub(m * p))
            .map(|s| y.get(s).copied().unwrap_or(f64::NAN))
            .find(|v| v.is_finite())
            .unwrap_or(f64::NAN)
    }
}

impl Forecaster for LagNaive {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn fit(&mut self, view: &View<'_>) -> Result<(), ForecastError> {
        let y = view.target;
        let p = self.period_h.max(1);
        if y.len() <= p {
            return Err(ForecastError::ShortHistory {
                model: self.name(),
                needed: p + 1,
                got: y.len(),
            });
        }
        let from = y.len().saturating_sub(self.window_h).max(p);
        let pairs: Vec<(f64, f64)> = (from..y.len())
            .map(|s| (y[s - p], y[s] - y[s - p]))
            .collect();
        self.resid = Some(BinnedResiduals::new(&pairs, self.bins, 200));
        Ok(())
    }

    fn predict(
        &self,
        view: &View<'_>,
        horizon: usize,
        levels: &[f64],
    ) -> Result<Forecast, ForecastError> {
        let resid = self
            .resid
            .as_ref()
            .ok_or_else(|| ForecastError::NotFitted(self.name()))?;
        let issue = view.issue();
        let (lo, hi) = self.range;
        let point: Vec<f64> = (issue..issue + horizon)
            .map(|t| self.source(view.target, t).clamp(lo, hi))
            .collect();
        let quantiles = point
            .iter()
            .map(|&p| resid.quantiles(p, levels, lo, hi))
            .collect();
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

    fn ds(y: Vec<f64>) -> Dataset {
        let timeline = Timeline {
            start_utc: Utc.with_ymd_and_hms(2013, 1, 1, 0, 0, 0).unwrap(),
            len: y.len(),
            clock: Clock::Utc,
        };
        Dataset {
            name: "t".into(),
            timeline,
            target: y,
            exog_names: vec![],
            exog: vec![],
        }
    }

    #[test]
    fn persistence_repeats_the_last_period_and_skips_gaps() {
        // y_t = t for 72 hours; issue at 48: step k repeats y_{24+k}, for 30 steps the second
        // day repeats again (t − 48).
        let mut y: Vec<f64> = (0..72).map(|t| t as f64).collect();
        y[30] = f64::NAN; // a gap: step 6 falls back one more period, to y_6 = 6
        let d = ds(y);
        let v = d.view(48, 30);
        let mut m = LagNaive::new("persistence", 24, 1000);
        m.fit(&v).unwrap();
        let f = m.predict(&v, 30, &[0.5]).unwrap();
        assert_eq!(f.point[0], 24.0);
        assert_eq!(f.point[6], 6.0);
        assert_eq!(f.point[23], 47.0);
        assert_eq!(f.point[24], 24.0); // t = 72 → 72 − 48
                                       // Every lag-24 error is 24 (y_t − y_{t−24} = 24): the median offset is 24.
        assert_eq!(f.quantiles[0][0], 48.0);
    }

    #[test]
    fn too_short_history_is_an_error() {
        let d = ds(vec![1.0; 10]);
        let mut m = LagNaive::new("seasonal_naive", 168, 1000);
        assert!(matches!(
            m.fit(&d.view(10, 24)),
            Err(ForecastError::ShortHistory { needed: 169, .. })
        ));
        assert!(matches!(
            m.predict(&d.view(10, 24), 24, &[0.5]),
            Err(ForecastError::NotFitted(_))
        ));
    }
}
