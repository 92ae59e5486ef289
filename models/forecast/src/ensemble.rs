//! A weighted ensemble whose weights are chosen on a validation backtest inside the history.
//!
//! At `fit` with issue index `t0`, each member is backtested (rolling origin, daily issues,
//! the ensemble's horizon) over the last `validation_h` hours of the history,
//! `[t0 − validation_h, t0)`, having been fitted on the data before that; the weights `w`
//! (non-negative, `Σ w = 1`, on a grid of step 1/20 over the simplex) minimise the
//! validation loss of the combination — mean squared error of the point (`Mse`) or mean
//! pinball loss of the combined quantiles (`Pinball`). Every member is then refitted on the
//! whole history and updated as usual. The combined forecast is `Σ w_m ŷ_m` and, level by
//! level, `Σ w_m q_{m,τ}` (quantile averaging keeps the quantiles non-decreasing).
//! Members with zero weight are still updated, so the ensemble stays one object.

use crate::backtest::{flatten, rolling_origin, BacktestSettings};
use crate::metrics::mean_pinball;
use crate::model::{Dataset, Forecast, Forecaster, View};
use crate::ForecastError;

/// What the weights minimise on the validation period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnsembleLoss {
    /// Mean squared error of the point forecast.
    Mse,
    /// Mean pinball loss of the quantiles.
    Pinball,
}

/// A weighted combination of forecasters.
pub struct Ensemble {
    name: String,
    members: Vec<Box<dyn Forecaster>>,
    /// Hours of history used to choose the weights.
    pub validation_h: usize,
    /// Hours forecast at each validation issue.
    pub horizon: usize,
    /// The loss minimised.
    pub loss: EnsembleLoss,
    /// Weights after fitting, in member order.
    pub weights: Vec<f64>,
}

/// All weight vectors on the simplex with steps of `1/n`, for `k` members.
fn simplex_grid(k: usize, n: usize) -> Vec<Vec<usize>> {
    if k == 1 {
        return vec![vec![n]];
    }
    let mut out = Vec::new();
    for a in 0..=n {
        for mut rest in simplex_grid(k - 1, n - a) {
            rest.insert(0, a);
            out.push(rest);
        }
    }
    out
}

fn combine(fs: &[&Forecast], w: &[f64]) -> Forecast {
    let first = fs[0];
    let h = first.point.len();
    let nl = first.levels.len();
    let mut point = vec![0.0; h];
    let mut quantiles = vec![vec![0.0; nl]; h];
    for (f, wi) in fs.iter().zip(w) {
        if *wi == 0.0 {
            continue;
        }
        for s in 0..h {
            point[s] += wi * f.point[s];
            for k in 0..nl {
                quantiles[s][k] += wi * f.quantiles[s][k];
            }
        }
    }
    Forecast {
        issue: first.issue,
        point,
        levels: first.levels.clone(),
        quantiles,
    }
}

impl Ensemble {
    /// An ensemble of `members` named `name`.
    pub fn new(
        name: &str,
        members: Vec<Box<dyn Forecaster>>,
        validation_h: usize,
        horizon: usize,
        loss: EnsembleLoss,
    ) -> Self {
        let n = members.len().max(1);
        Self {
            name: name.to_string(),
            members,
            validation_h,
            horizon,
            loss,
            weights: vec![1.0 / n as f64; n],
        }
    }

    /// Member names, in weight order.
    pub fn member_names(&self) -> Vec<String> {
        self.members.iter().map(|m| m.name()).collect()
    }
}

impl Forecaster for Ensemble {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn fit(&mut self, view: &View<'_>) -> Result<(), ForecastError> {
        if self.members.is_empty() {
            return Err(ForecastError::Setting(
                "an ensemble needs at least one member".into(),
            ));
        }
        let t0 = view.issue();
        let first = t0
            .checked_sub(self.validation_h)
            .ok_or(ForecastError::ShortHistory {
                model: self.name(),
                needed: self.validation_h,
                got: t0,
            })?;
        // The history as a data set of its own: nothing at or after t0.
        let mut timeline = view.timeline.clone();
        timeline.len = t0;
        let hist = Dataset {
            name: "validation".into(),
            timeline,
            target: view.target.to_vec(),
            exog_names: view.exog_names.to_vec(),
            exog: view
                .exog
                .iter()
                .map(|c| c[..t0.min(c.len())].to_vec())
                .collect(),
        };
        let levels = vec![0.05, 0.25, 0.5, 0.75, 0.95];
        let s = BacktestSettings {
            first_issue: first,
            end: t0,
            step_h: 24,
            horizon: self.horizon,
            levels: levels.clone(),
        };
        let mut val = Vec::new();
        for m in self.members.iter_mut() {
            val.push(rolling_origin(&hist, m.as_mut(), &s)?);
        }
        let flat: Vec<_> = val.iter().map(|f| flatten(&hist, f)).collect();
        let y = &flat[0].0;
        let n_grid = 20;
        let mut best = (f64::INFINITY, self.weights.clone());
        for g in simplex_grid(self.members.len(), n_grid) {
            let w: Vec<f64> = g.iter().map(|&a| a as f64 / n_grid as f64).collect();
            let loss = match self.loss {
                EnsembleLoss::Mse => {
                    let (mut se, mut n) = (0.0, 0usize);
                    for (i, yi) in y.iter().enumerate() {
                        let p: f64 = flat.iter().zip(&w).map(|(f, wi)| wi * f.1[i]).sum();
                        if yi.is_finite() && p.is_finite() {
                            se += (yi - p) * (yi - p);
                            n += 1;
                        }
                    }
                    se / n.max(1) as f64
                }
                EnsembleLoss::Pinball => {
                    let q: Vec<Vec<f64>> = (0..y.len())
                        .map(|i| {
                            (0..levels.len())
                                .map(|k| flat.iter().zip(&w).map(|(f, wi)| wi * f.2[i][k]).sum())
                                .collect()
                        })
                        .collect();
                    mean_pinball(y, &q, &levels)
                }
            };
            if loss < best.0 {
                best = (loss, w);
            }
        }
        self.weights = best.1;
        for m in self.members.iter_mut() {
            m.fit(view)?;
        }
        Ok(())
    }

    fn update(&mut self, view: &View<'_>) -> Result<(), ForecastError> {
        for m in self.members.iter_mut() {
            m.update(view)?;
        }
        Ok(())
    }

    fn predict(
        &self,
        view: &View<'_>,
        horizon: usize,
        levels: &[f64],
    ) -> Result<Forecast, ForecastError> {
        let fs: Vec<Forecast> = self
            .members
            .iter()
            .map(|m| m.predict(view, horizon, levels))
            .collect::<Result<_, _>>()?;
        let refs: Vec<&Forecast> = fs.iter().collect();
        Ok(combine(&refs, &self.weights))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simplex_grid_counts_and_sums() {
        // C(n + k − 1, k − 1) points: k = 3, n = 4 → C(6, 2) = 15.
        let g = simplex_grid(3, 4);
        assert_eq!(g.len(), 15);
        assert!(g.iter().all(|w| w.iter().sum::<usize>() == 4));
    }

    #[test]
    fn validation_picks_the_member_that_is_exact() {
        use crate::calendar::{Clock, Timeline};
        use crate::naive::LagNaive;
        use chrono::{TimeZone, Utc};
        // A weekly-periodic series: seasonal naive (168 h) is exact, persistence (24 h) is not.
        let len = 24 * 7 * 12;
        let y: Vec<f64> = (0..len)
            .map(|t| ((t % 24) as f64) + 10.0 * ((t / 24) % 7) as f64)
            .collect();
        let timeline = Timeline {
            start_utc: Utc.with_ymd_and_hms(2013, 1, 1, 0, 0, 0).unwrap(),
            len,
            clock: Clock::Utc,
        };
        let d = Dataset {
            name: "weekly".into(),
            timeline,
            target: y,
            exog_names: vec![],
            exog: vec![],
        };
        for loss in [EnsembleLoss::Mse, EnsembleLoss::Pinball] {
            let members: Vec<Box<dyn Forecaster>> = vec![
                Box::new(LagNaive::new("persistence", 24, 24 * 28)),
                Box::new(LagNaive::new("seasonal_naive", 168, 24 * 28)),
            ];
            let mut e = Ensemble::new("e", members, 24 * 28, 24, loss);
            let v = d.view(24 * 7 * 10, 24);
            e.fit(&v).unwrap();
            assert_eq!(e.weights, vec![0.0, 1.0]);
            let f = e.predict(&v, 24, &[0.5]).unwrap();
            assert_eq!(f.point, d.target[24 * 70..24 * 71].to_vec());
        }
    }

    #[test]
    fn combination_is_the_weighted_mean_of_points_and_quantiles() {
        let a = Forecast {
            issue: 0,
            point: vec![10.0],
            levels: vec![0.1, 0.9],
            quantiles: vec![vec![8.0, 12.0]],
        };
        let b = Forecast {
            issue: 0,
            point: vec![20.0],
            levels: vec![0.1, 0.9],
            quantiles: vec![vec![14.0, 30.0]],
        };
        let c = combine(&[&a, &b], &[0.25, 0.75]);
        // 0.25·10 + 0.75·20 = 17.5; 0.25·8 + 0.75·14 = 12.5; 0.25·12 + 0.75·30 = 25.5
        assert_eq!(c.point, vec![17.5]);
        assert_eq!(c.quantiles, vec![vec![12.5, 25.5]]);
    }
}
