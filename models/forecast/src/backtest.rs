//! Rolling-origin backtests: at each issue time fit or update on the past only, predict the horizon, score.
//!
//! Issue indices run from `first_issue` to `end` (exclusive) every `step_h` hours. At the
//! first the model is fitted on the view cut there; at each later one it is updated with the
//! view cut there; then it predicts `horizon` hours. Views are cut by [`Dataset::view`], so
//! the model holds no target at or after the issue index and no exogenous value at or after
//! `issue + horizon` (tested by poisoning those values with NaN).

use crate::metrics::{mean_pinball, point_scores, PointScores};
use crate::model::{Dataset, Forecast, Forecaster};
use crate::ForecastError;
use serde::Serialize;

/// Settings of a rolling-origin backtest.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestSettings {
    /// First issue index.
    pub first_issue: usize,
    /// Issue indices stop before this index, and forecasts are cut at it.
    pub end: usize,
    /// Hours between issues.
    pub step_h: usize,
    /// Hours forecast from each issue.
    pub horizon: usize,
    /// Quantile levels (ascending, in (0, 1)).
    pub levels: Vec<f64>,
}

impl BacktestSettings {
    /// Checks ranges and the quantile levels.
    pub fn validate(&self, len: usize) -> Result<(), ForecastError> {
        if self.step_h == 0 || self.horizon == 0 {
            return Err(ForecastError::Setting(
                "step and horizon must be at least one hour".into(),
            ));
        }
        if self.first_issue >= self.end || self.end > len {
            return Err(ForecastError::Setting(format!(
                "issues from {} to {} do not fit in {len} hours of data",
                self.first_issue, self.end
            )));
        }
        if self.levels.iter().any(|t| !(*t > 0.0 && *t < 1.0))
            || self.levels.windows(2).any(|w| w[0] >= w[1])
        {
            return Err(ForecastError::Setting(
                "quantile levels must be ascending and inside (0, 1)".into(),
            ));
        }
        Ok(())
    }
}

/// Runs the backtest and returns every forecast, in issue order.
pub fn rolling_origin(
    data: &Dataset,
    model: &mut dyn Forecaster,
    s: &BacktestSettings,
) -> Result<Vec<Forecast>, ForecastError> {
    s.validate(data.timeline.len)?;
    let mut out = Vec::new();
    for issue in (s.first_issue..s.end).step_by(s.step_h) {
        let h = s.horizon.min(s.end - issue);
        let view = data.view(issue, h);
        if issue == s.first_issue {
            model.fit(&view)?;
        } else {
            model.update(&view)?;
        }
        out.push(model.predict(&view, h, &s.levels)?);
    }
    Ok(out)
}

/// Scores of a set of forecasts against the data.
#[derive(Debug, Clone, Serialize)]
pub struct Scores {
    /// Point scores.
    pub point: PointScores,
    /// Mean pinball loss over the levels.
    pub pinball: f64,
}

/// Actuals, points and quantiles of forecasts, flattened in issue then step order.
pub fn flatten(data: &Dataset, forecasts: &[Forecast]) -> (Vec<f64>, Vec<f64>, Vec<Vec<f64>>) {
    let (mut y, mut p, mut q) = (Vec::new(), Vec::new(), Vec::new());
    for f in forecasts {
        for (k, (pt, qs)) in f.point.iter().zip(&f.quantiles).enumerate() {
            y.push(data.target.get(f.issue + k).copied().unwrap_or(f64::NAN));
            p.push(*pt);
            q.push(qs.clone());
        }
    }
    (y, p, q)
}

/// For each hour of `from..to`, the forecast (its index in `forecasts`, which are in issue
/// order) and step of the latest issue that covers it: day-ahead forecasts issued daily
/// tile the span; `None` where no forecast covers an hour.
pub fn tile(forecasts: &[Forecast], from: usize, to: usize) -> Vec<Option<(usize, usize)>> {
    let mut out = vec![None; to.saturating_sub(from)];
    for (n, f) in forecasts.iter().enumerate() {
        for k in 0..f.point.len() {
            let i = f.issue + k;
            if i >= from && i < to {
                out[i - from] = Some((n, k));
            }
        }
    }
    out
}

/// The point forecasts of `from..to` tiled by [`tile`] (NaN where none covers an hour).
pub fn tiled_points(forecasts: &[Forecast], from: usize, to: usize) -> Vec<f64> {
    tile(forecasts, from, to)
        .into_iter()
        .map(|c| c.map_or(f64::NAN, |(n, k)| forecasts[n].point[k]))
        .collect()
}

/// Scores forecasts (pooled over several data sets, e.g. the zones of a track).
pub fn score(runs: &[(&Dataset, &[Forecast])], levels: &[f64]) -> Scores {
    let (mut y, mut p, mut q) = (Vec::new(), Vec::new(), Vec::new());
    for (d, f) in runs {
        let (a, b, c) = flatten(d, f);
        y.extend(a);
        p.extend(b);
        q.extend(c);
    }
    // Pairs whose forecast is missing are dropped from the pinball as from the point scores.
    let keep: Vec<bool> = p
        .iter()
        .zip(&q)
        .map(|(a, qs)| a.is_finite() && qs.iter().all(|v| v.is_finite()))
        .collect();
    let yq: Vec<f64> = y
        .iter()
        .zip(&keep)
        .map(|(v, k)| if *k { *v } else { f64::NAN })
        .collect();
    Scores {
        point: point_scores(&y, &p),
        pinball: mean_pinball(&yq, &q, levels),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::data::{read_load_e, shipped_dir};
    use crate::lstm::{Lstm, LstmSettings};
    use crate::tracks::Target;
    use chrono::NaiveDate;

    /// A synthetic hourly series from 2013-01-07 00:00 UTC with one exogenous column,
    /// `temperature_f` (the fixture of the LSTM and Prophet tests).
    pub(crate) fn hourly_with_temperature(target: Vec<f64>, temp: Vec<f64>) -> Dataset {
        use crate::calendar::{Clock, Timeline};
        use chrono::{TimeZone, Utc};
        Dataset {
            name: "synthetic".into(),
            timeline: Timeline {
                start_utc: Utc.with_ymd_and_hms(2013, 1, 7, 0, 0, 0).unwrap(),
                len: target.len(),
                clock: Clock::Utc,
            },
            target,
            exog_names: vec!["temperature_f".into()],
            exog: vec![temp],
        }
    }

    /// Load from 2011-01-01 to 2012-03-01 (shipped data) and the index of 2012-01-01.
    pub(crate) fn slice() -> (Dataset, usize) {
        let d = read_load_e(&shipped_dir().join("load_e.csv.gz")).unwrap();
        let at = |y, m, dd| {
            d.timeline
                .index_at_or_after(
                    NaiveDate::from_ymd_opt(y, m, dd)
                        .unwrap()
                        .and_hms_opt(0, 0, 0)
                        .unwrap(),
                )
                .unwrap()
        };
        let (a, b) = (at(2011, 1, 1), at(2012, 3, 1));
        let c = at(2012, 1, 1) - a;
        (d.slice(a, b), c)
    }

    fn settings(first_issue: usize, end: usize) -> BacktestSettings {
        BacktestSettings {
            first_issue,
            end,
            step_h: 24,
            horizon: 24,
            levels: vec![0.1, 0.5, 0.9],
        }
    }

    /// Poisons every target value at or after the issue time and every exogenous value
    /// after the forecast horizon, and checks the forecast at that issue is unchanged; if
    /// `uses_recent_load`, also checks that changing the last hour before the issue changes it.
    fn assert_no_look_ahead(
        name: &str,
        make: &dyn Fn() -> Box<dyn Forecaster>,
        uses_recent_load: bool,
    ) {
        let (data, first) = slice();
        let issue = first + 24 * 40; // 2012-02-10 00:00
        let clean =
            rolling_origin(&data, make().as_mut(), &settings(first, data.timeline.len)).unwrap();
        let clean_f = clean.iter().find(|f| f.issue == issue).unwrap();
        let mut poisoned = data.clone();
        poisoned.target[issue..]
            .iter_mut()
            .for_each(|v| *v = f64::NAN);
        poisoned.exog[0][issue + 24..]
            .iter_mut()
            .for_each(|v| *v = f64::NAN);
        let p = rolling_origin(&poisoned, make().as_mut(), &settings(first, issue + 24)).unwrap();
        let pf = p.last().unwrap();
        assert_eq!(pf.issue, issue);
        assert_eq!(pf.point, clean_f.point, "{name}");
        assert_eq!(pf.quantiles, clean_f.quantiles, "{name}");
        assert!(pf.point.iter().all(|v| v.is_finite()));
        // The test has teeth: changing the last hour *before* the issue changes the
        // forecast of the models that use recent load.
        if uses_recent_load {
            let mut touched = data.clone();
            touched.target[issue - 1] += 500.0;
            let t =
                rolling_origin(&touched, make().as_mut(), &settings(first, issue + 24)).unwrap();
            assert_ne!(t.last().unwrap().point, clean_f.point, "{name}");
        }
    }

    #[test]
    fn no_look_ahead_poisoning_the_future_leaves_the_forecast_unchanged() {
        for name in [
            "persistence",
            "seasonal_naive",
            "mlr_vanilla",
            "mlr_recency",
            "mlr_arx",
            "mstl_ets",
            "sarimax",
            "gbt",
            "prophet",
        ] {
            let recent = ["persistence", "mlr_arx", "mstl_ets", "sarimax", "gbt"].contains(&name);
            assert_no_look_ahead(name, &|| Target::Load.model(name).unwrap(), recent);
        }
    }

    #[test]
    fn no_look_ahead_holds_for_the_lstm() {
        // The full LSTM trains for minutes: the tiny configuration runs the same code, with
        // either engine.
        assert_no_look_ahead("lstm", &|| Box::new(Lstm::new(LstmSettings::tiny())), true);
        assert_no_look_ahead(
            "lstm_plain",
            &|| Box::new(Lstm::new(LstmSettings::tiny().plain())),
            true,
        );
    }

    #[test]
    fn backtest_is_deterministic_and_scores_pool() {
        let (data, first) = slice();
        let s = settings(first, first + 24 * 14);
        let mut m = Target::Load.model("mlr_vanilla").unwrap();
        let a = rolling_origin(&data, m.as_mut(), &s).unwrap();
        let mut m = Target::Load.model("mlr_vanilla").unwrap();
        let b = rolling_origin(&data, m.as_mut(), &s).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 14);
        let sc = score(&[(&data, &a)], &s.levels);
        assert_eq!(sc.point.n, 14 * 24);
        // Vanilla MLR on two winter weeks of 2012: MAPE well under the 10 % of a bad fit.
        assert!(sc.point.mape_pct.unwrap() < 10.0);
        let sc2 = score(&[(&data, &a), (&data, &a)], &s.levels);
        assert_eq!(sc2.point.n, 2 * 14 * 24);
        assert!((sc2.pinball - sc.pinball).abs() < 1e-9);
    }

    #[test]
    fn bad_settings_are_errors() {
        let (data, first) = slice();
        let mut m = Target::Load.model("persistence").unwrap();
        let mut s = settings(first, first + 48);
        s.levels = vec![0.5, 0.1];
        assert!(matches!(
            rolling_origin(&data, m.as_mut(), &s),
            Err(ForecastError::Setting(_))
        ));
        let s = settings(first, data.timeline.len + 1);
        assert!(matches!(
            rolling_origin(&data, m.as_mut(), &s),
            Err(ForecastError::Setting(_))
        ));
    }
}
