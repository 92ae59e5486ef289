//! The one forecaster interface: fit on a history, update as data arrive, predict a horizon with quantiles.
//!
//! A [`Dataset`] holds a target and exogenous series on one hourly [`Timeline`]. A
//! forecaster sees it only through a [`View`] cut at an *issue index* `t0`: the target up to
//! `t0` (exclusive) and the exogenous series up to `t0 + h` (their future values are the
//! weather forecasts — or, for the load benchmark, the actual temperatures — that a
//! forecaster may use). The view holds slices of exactly those lengths, so a model cannot
//! read past them; the backtest's poisoning test checks that end to end.

use crate::calendar::Timeline;
use crate::ForecastError;

/// A target series with exogenous series on one hourly timeline.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Name (e.g. `load_E`, `solar zone 1`).
    pub name: String,
    /// The hours.
    pub timeline: Timeline,
    /// The target (NaN where missing), `timeline.len` values.
    pub target: Vec<f64>,
    /// Names of the exogenous series, unit-suffixed.
    pub exog_names: Vec<String>,
    /// Exogenous series, each `timeline.len` values (NaN where missing).
    pub exog: Vec<Vec<f64>>,
}

impl Dataset {
    /// The view at issue index `issue` with exogenous data for `horizon` hours ahead
    /// (truncated at the end of the data).
    pub fn view(&self, issue: usize, horizon: usize) -> View<'_> {
        let n = issue.min(self.timeline.len);
        let m = (issue + horizon).min(self.timeline.len);
        View {
            timeline: &self.timeline,
            target: &self.target[..n],
            exog_names: &self.exog_names,
            exog: self.exog.iter().map(|c| &c[..m.min(c.len())]).collect(),
        }
    }

    /// The hours `from..to` as a data set of their own (clamped to the data).
    pub fn slice(&self, from: usize, to: usize) -> Dataset {
        let to = to.min(self.timeline.len);
        let from = from.min(to);
        let mut timeline = self.timeline.clone();
        timeline.start_utc = self.timeline.instant(from);
        timeline.len = to - from;
        Dataset {
            name: self.name.clone(),
            timeline,
            target: self.target[from..to].to_vec(),
            exog_names: self.exog_names.clone(),
            exog: self
                .exog
                .iter()
                .map(|c| c[from.min(c.len())..to.min(c.len())].to_vec())
                .collect(),
        }
    }

    /// Index of an exogenous series by name.
    pub fn exog_index(&self, name: &str) -> Option<usize> {
        self.exog_names.iter().position(|n| n == name)
    }
}

/// What a forecaster may see at one issue time.
#[derive(Debug, Clone)]
pub struct View<'a> {
    /// The whole timeline (times and calendar only, no data).
    pub timeline: &'a Timeline,
    /// Target up to the issue index (exclusive): `target.len()` *is* the issue index.
    pub target: &'a [f64],
    /// Names of the exogenous series.
    pub exog_names: &'a [String],
    /// Exogenous series up to the issue index plus the horizon.
    pub exog: Vec<&'a [f64]>,
}

impl<'a> View<'a> {
    /// The issue index: the first hour to forecast.
    pub fn issue(&self) -> usize {
        self.target.len()
    }

    /// The exogenous series `name`, or an error naming the model that needs it.
    pub fn exog_named(&self, name: &str, model: &str) -> Result<&'a [f64], ForecastError> {
        match self.exog_names.iter().position(|n| n == name) {
            Some(k) => Ok(self.exog[k]),
            None => Err(ForecastError::NoSuchExogenous {
                model: model.to_string(),
                name: name.to_string(),
                available: self.exog_names.join(", "),
            }),
        }
    }

    /// Value `i` of exogenous series `col` (named `name`), which must be finite.
    pub fn exog_at(&self, col: &[f64], i: usize, name: &str) -> Result<f64, ForecastError> {
        match col.get(i) {
            Some(v) if v.is_finite() => Ok(*v),
            _ => Err(ForecastError::MissingExogenous {
                name: name.to_string(),
                index: i,
                time: self
                    .timeline
                    .label(i.min(self.timeline.len.saturating_sub(1))),
            }),
        }
    }
}

/// A forecast of `h` hours from an issue index: point values and quantiles.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// Index of the first forecast hour.
    pub issue: usize,
    /// Point forecast, one per step.
    pub point: Vec<f64>,
    /// Quantile levels τ (ascending).
    pub levels: Vec<f64>,
    /// `quantiles[step][k]` is the forecast of level `levels[k]` (non-decreasing in k).
    pub quantiles: Vec<Vec<f64>>,
}

/// A forecaster: fit on a history, update as new data arrive, predict `h` steps ahead.
pub trait Forecaster {
    /// Short name used in tables and file names (e.g. `seasonal_naive`).
    fn name(&self) -> String;

    /// Fits on everything the view holds (target up to its issue index).
    fn fit(&mut self, view: &View<'_>) -> Result<(), ForecastError>;

    /// Takes in the data that arrived since the last fit or update (the view extends the
    /// earlier one). The default refits from scratch.
    fn update(&mut self, view: &View<'_>) -> Result<(), ForecastError> {
        self.fit(view)
    }

    /// Predicts `horizon` hours from the view's issue index, with quantiles at `levels`
    /// (ascending, in (0, 1)).
    fn predict(
        &self,
        view: &View<'_>,
        horizon: usize,
        levels: &[f64],
    ) -> Result<Forecast, ForecastError>;
}
