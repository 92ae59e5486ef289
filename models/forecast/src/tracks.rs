//! The three GEFCom2014 tracks as reproducible backtests: data splits, the models of each track, scores.
//!
//! Splits (issue 5): **load** — history from 2006, rolling daily issues at local midnight
//! over the test years 2013–2014 (the years 2006–2012 are the first fit's history; 2012 is
//! the validation year of the issue, used by nothing here yet); **solar** — history April
//! 2012 – March 2013, daily issues at 01:00 UTC through April 2013, all three zones;
//! **wind** — history January 2012 – November 2013, daily issues at 01:00 UTC through
//! December 2013, all ten farms. Every model is refitted or updated at each issue with
//! the data up to it ([`crate::backtest::rolling_origin`]); 99 quantile levels.

use std::time::Instant;

use chrono::NaiveDate;
use serde::Serialize;

use crate::backtest::{rolling_origin, score, BacktestSettings, Scores};
use crate::ensemble::{Ensemble, EnsembleLoss};
use crate::fleet::{aggregate, fleet_actual, FleetSettings};
use crate::gbt::{Gbt, GbtSettings, RenewableGbt, RenewableKind};
use crate::lstm::{Lstm, LstmSettings};
use crate::metrics::percentiles_99;
use crate::mlr::{Mlr, MlrSettings};
use crate::model::{Dataset, Forecast, Forecaster};
use crate::mstl::{MstlEts, MstlSettings};
use crate::naive::LagNaive;
use crate::prophet::{ProphetLoad, ProphetSettings};
use crate::renewable::{AnalogEnsemble, AnalogKind, Climatology, SolarRegression, WindPowerCurve};
use crate::sarimax::{Sarimax, SarimaxSettings};
use crate::ForecastError;

/// A forecasting track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// Hourly load of GEFCom2014-E.
    Load,
    /// Three solar plants.
    Solar,
    /// Ten wind farms.
    Wind,
}

impl Target {
    /// Models available for this track, baselines first.
    pub fn models(self) -> &'static [&'static str] {
        match self {
            Target::Load => &[
                "persistence",
                "seasonal_naive",
                "mlr_vanilla",
                "mlr_recency",
                "mlr_arx",
                "mstl_ets",
                "prophet",
                "sarimax",
                "gbt",
                "lstm",
                "ensemble",
            ],
            Target::Solar => &[
                "persistence",
                "climatology",
                "solar_regression",
                "analog",
                "gbt",
                "ensemble",
            ],
            Target::Wind => &[
                "persistence",
                "climatology",
                "power_curve",
                "analog",
                "gbt",
                "ensemble",
            ],
        }
    }

    /// Models run only when named, not by `all`: for load, `lstm_plain` (the hand-written
    /// reference of the candle `lstm`, which `all` would otherwise train twice).
    pub fn extra_models(self) -> &'static [&'static str] {
        match self {
            Target::Load => &["lstm_plain"],
            _ => &[],
        }
    }

    /// Whether `name` is a model of this track (in [`Target::models`] or [`Target::extra_models`]).
    pub fn has_model(self, name: &str) -> bool {
        self.models().contains(&name) || self.extra_models().contains(&name)
    }

    /// The reference of the probabilistic skill score (persistence for load, climatology otherwise).
    pub fn reference(self) -> &'static str {
        match self {
            Target::Load => "persistence",
            _ => "climatology",
        }
    }

    /// A fresh model by name. `ensemble` combines, for load, SARIMAX, GBT, the ARX and
    /// recency regressions and MSTL + ETS (weights on the MSE of the validation year 2012),
    /// and every other model for solar and wind (weights on the pinball loss of the last
    /// 61 / 91 days before the test month).
    pub fn model(self, name: &str) -> Result<Box<dyn Forecaster>, ForecastError> {
        if self == Target::Load && name == "ensemble" {
            // Diverse members: regression with ARMA errors, trees, the lagged-load and the
            // recency regressions, and the univariate MSTL + ETS.
            let members = ["sarimax", "gbt", "mlr_arx", "mlr_recency", "mstl_ets"]
                .iter()
                .map(|m| self.model(m))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(Box::new(Ensemble::new(
                "ensemble",
                members,
                8760,
                24,
                EnsembleLoss::Mse,
            )));
        }
        if name == "ensemble" {
            let (skip, validation_h, loss) = match self {
                Target::Load => ("persistence", 8760, EnsembleLoss::Mse),
                Target::Solar => ("", 24 * 61, EnsembleLoss::Pinball),
                Target::Wind => ("", 24 * 91, EnsembleLoss::Pinball),
            };
            let members = self
                .models()
                .iter()
                .filter(|m| **m != "ensemble" && **m != skip)
                .map(|m| self.model(m))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(Box::new(Ensemble::new(
                "ensemble",
                members,
                validation_h,
                24,
                loss,
            )));
        }
        let bounded = |n: &str, p| {
            Box::new(LagNaive::bounded(n, p, 24 * 90, (0.0, 1.0), 10)) as Box<dyn Forecaster>
        };
        Ok(match (self, name) {
            (Target::Load, "persistence") => Box::new(LagNaive::new("persistence", 24, 8760)),
            (Target::Load, "seasonal_naive") => {
                Box::new(LagNaive::new("seasonal_naive", 168, 8760))
            }
            (Target::Load, "mlr_vanilla") => Box::new(Mlr::new(MlrSettings::vanilla())),
            (Target::Load, "mlr_recency") => Box::new(Mlr::new(MlrSettings::recency())),
            (Target::Load, "mlr_arx") => Box::new(Mlr::new(MlrSettings::arx())),
            (Target::Load, "mstl_ets") => Box::new(MstlEts::new(MstlSettings::default())),
            (Target::Load, "sarimax") => Box::new(Sarimax::new(SarimaxSettings::default())),
            (Target::Load, "gbt") => Box::new(Gbt::new(GbtSettings::default())),
            (Target::Load, "prophet") => Box::new(ProphetLoad::new(ProphetSettings::default())),
            (Target::Load, "lstm") => Box::new(Lstm::new(LstmSettings::default())),
            (Target::Load, "lstm_plain") => Box::new(Lstm::new(LstmSettings::default().plain())),
            (Target::Solar, "gbt") => {
                Box::new(RenewableGbt::new(RenewableKind::Solar, Default::default()))
            }
            (Target::Wind, "gbt") => {
                Box::new(RenewableGbt::new(RenewableKind::Wind, Default::default()))
            }
            (Target::Solar | Target::Wind, "persistence") => bounded("persistence", 24),
            (Target::Solar, "climatology") => Box::new(Climatology::new(true)),
            (Target::Wind, "climatology") => Box::new(Climatology::new(false)),
            (Target::Solar, "solar_regression") => Box::new(SolarRegression::default()),
            (Target::Wind, "power_curve") => Box::new(WindPowerCurve::default()),
            (Target::Solar, "analog") => Box::new(AnalogEnsemble::new(AnalogKind::Solar, 40)),
            (Target::Wind, "analog") => Box::new(AnalogEnsemble::new(AnalogKind::Wind, 80)),
            _ => {
                return Err(ForecastError::Setting(format!(
                    "unknown model `{name}` for this target; expected one of: {}",
                    self.models()
                        .iter()
                        .chain(self.extra_models())
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
        })
    }

    /// The backtest of one data set of this track with the given horizon.
    pub fn split(self, data: &Dataset, horizon: usize) -> Result<BacktestSettings, ForecastError> {
        let at = |y, m, d, h| {
            NaiveDate::from_ymd_opt(y, m, d)
                .and_then(|d| d.and_hms_opt(h, 0, 0))
                .and_then(|t| data.timeline.index_at_or_after(t))
                .ok_or_else(|| {
                    ForecastError::Setting(format!(
                        "{} does not cover {y}-{m:02}-{d:02}",
                        data.name
                    ))
                })
        };
        let (first_issue, end) = match self {
            Target::Load => (at(2013, 1, 1, 0)?, data.timeline.len),
            Target::Solar => (at(2013, 4, 1, 1)?, data.timeline.len),
            Target::Wind => (at(2013, 12, 1, 1)?, data.timeline.len),
        };
        Ok(BacktestSettings {
            first_issue,
            end,
            step_h: 24,
            horizon,
            levels: percentiles_99(),
        })
    }
}

/// The backtest of one model over every data set of a track.
#[derive(Debug, Clone, Serialize)]
pub struct ModelRun {
    /// Model name.
    pub model: String,
    /// Scores pooled over the data sets.
    pub scores: Scores,
    /// Wall-clock seconds for all fits, updates and predictions (informative only).
    pub elapsed_s: f64,
    /// Forecasts per data set (same order as the data sets).
    #[serde(skip)]
    pub forecasts: Vec<Vec<Forecast>>,
}

/// Runs the backtest of `model` over every data set of the track.
pub fn run_model(
    target: Target,
    model: &str,
    data: &[Dataset],
    horizon: usize,
) -> Result<ModelRun, ForecastError> {
    let t0 = Instant::now();
    let mut forecasts = Vec::with_capacity(data.len());
    let mut levels = percentiles_99();
    for d in data {
        let s = target.split(d, horizon)?;
        levels = s.levels.clone();
        let mut m = target.model(model)?;
        forecasts.push(rolling_origin(d, m.as_mut(), &s)?);
    }
    let elapsed_s = t0.elapsed().as_secs_f64();
    let runs: Vec<(&Dataset, &[Forecast])> = data
        .iter()
        .zip(&forecasts)
        .map(|(d, f)| (d, f.as_slice()))
        .collect();
    Ok(ModelRun {
        model: model.to_string(),
        scores: score(&runs, &levels),
        elapsed_s,
        forecasts,
    })
}

/// The forecasts of the `days` days before the test period (issues every day up to the
/// first test issue), one list per data set: the lead a fleet needs to estimate the
/// plants' dependence before its first test issue.
pub fn lead_forecasts(
    target: Target,
    model: &str,
    data: &[Dataset],
    horizon: usize,
    days: usize,
) -> Result<Vec<Vec<Forecast>>, ForecastError> {
    data.iter()
        .map(|d| {
            let mut s = target.split(d, horizon)?;
            s.end = s.first_issue;
            s.first_issue = s.first_issue.checked_sub(days * 24).ok_or_else(|| {
                ForecastError::Setting(format!(
                    "{} has no {days} days before its test period",
                    d.name
                ))
            })?;
            let mut m = target.model(model)?;
            rolling_origin(d, m.as_mut(), &s)
        })
        .collect()
}

/// Scores of the fleet forecast of one model by each way of joining the plants.
#[derive(Debug, Clone, Serialize)]
pub struct FleetRun {
    /// Model of the plants' forecasts.
    pub model: String,
    /// Plants in the fleet.
    pub plants: usize,
    /// Per method (`sum_of_quantiles`, `independent`, `gaussian_copula`): scores of the
    /// fleet's forecasts, in per unit of the fleet's capacity (the sum divided by `plants`).
    pub methods: Vec<(String, Scores)>,
    /// Mean over test issues of the mean off-diagonal estimated correlation.
    pub mean_correlation: f64,
}

/// Fleet forecasts of a track's plants from one model's test forecasts (`run`) and its
/// lead forecasts, scored on the test period.
pub fn fleet_run(
    run: &ModelRun,
    lead: &[Vec<Forecast>],
    data: &[Dataset],
    settings: &FleetSettings,
) -> Result<FleetRun, ForecastError> {
    let n = data.len();
    let first = data
        .first()
        .ok_or_else(|| ForecastError::Setting("no plant".into()))?;
    if data.iter().any(|d| d.timeline != first.timeline) {
        return Err(ForecastError::Setting(
            "the plants of a fleet must share one timeline".into(),
        ));
    }
    let test_from = run
        .forecasts
        .first()
        .and_then(|f| f.first())
        .map_or(0, |f| f.issue);
    let all: Vec<Vec<Forecast>> = lead
        .iter()
        .zip(&run.forecasts)
        .map(|(a, b)| a.iter().chain(b).cloned().collect())
        .collect();
    let f: Vec<&[Forecast]> = all.iter().map(|v| v.as_slice()).collect();
    let y: Vec<&[f64]> = data.iter().map(|d| d.target.as_slice()).collect();
    let out = aggregate(&f, &y, test_from, settings)?;
    // Per unit of the fleet's capacity: the sum over plants divided by their number.
    let per_unit = |v: f64| v / n as f64;
    let mut fleet = first.clone();
    fleet.name = format!("fleet of {n}");
    fleet.target = fleet_actual(&y).into_iter().map(per_unit).collect();
    let methods = out
        .by_method
        .iter()
        .map(|(dep, fc)| {
            let scaled: Vec<Forecast> = fc
                .iter()
                .map(|f| Forecast {
                    issue: f.issue,
                    point: f.point.iter().copied().map(per_unit).collect(),
                    levels: f.levels.clone(),
                    quantiles: f
                        .quantiles
                        .iter()
                        .map(|q| q.iter().copied().map(per_unit).collect())
                        .collect(),
                })
                .collect();
            let levels = scaled.first().map(|f| f.levels.clone()).unwrap_or_default();
            (dep.name().to_string(), score(&[(&fleet, &scaled)], &levels))
        })
        .collect();
    let off: Vec<f64> = out
        .correlations
        .iter()
        .map(|r| {
            let s: f64 = (0..n * n).filter(|k| k / n != k % n).map(|k| r[k]).sum();
            s / (n * n - n).max(1) as f64
        })
        .collect();
    Ok(FleetRun {
        model: run.model.clone(),
        plants: n,
        methods,
        mean_correlation: off.iter().sum::<f64>() / off.len().max(1) as f64,
    })
}
