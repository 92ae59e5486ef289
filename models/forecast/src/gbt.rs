//! Gradient-boosted trees (forust-ml, an XGBoost-style booster in pure Rust) for day-ahead load, solar and wind, with out-of-sample residual quantiles.
//!
//! **Load** ([`Gbt`]). //! Features of hour `t` (local clock): hour of day, day of week, month, day of year,
//! holiday flag, temperature `T_t`, `T_{t−1}`, `T_{t−2}`, `T_{t−3}`, the mean temperature of
//! the 24 hours ending at `t` and of the 24 hours before those, the load `y_{t−24}` and
//! `y_{t−168}`, and `y_{t−24} − y_{t−48}`. Lagged load makes it a day-ahead model (`h ≤ 24`).
//! Squared loss, `iterations` trees of depth `max_depth`, learning rate `learning_rate`,
//! single-threaded (`parallel = false`) and without subsampling, so a fit is deterministic.
//!
//! Trees fitted on the same data they are scored on give residuals that are far too small;
//! quantiles therefore come from **out-of-sample** errors: the first fit is made on the
//! history less its last `holdout_h` hours, scored on them, then refitted on everything; at
//! each update the new hours are scored by the model fitted before them. The last
//! `residual_window_h` such errors, per hour of day, give `ŷ + Q_τ(e)`.

use forust_ml::objective::ObjectiveType;
use forust_ml::{GradientBooster, Matrix};

use crate::model::{Forecast, Forecaster, View};
use crate::quantile::{quantile_sorted, sorted_finite, BinnedResiduals};
use crate::renewable::{wind_cols, wind_inputs, SolarRegression, WIND_NAMES};
use crate::ForecastError;

/// Settings of the booster.
#[derive(Debug, Clone, PartialEq)]
pub struct GbtSettings {
    /// Exogenous temperature series (°F).
    pub temperature: String,
    /// Number of trees.
    pub iterations: usize,
    /// Learning rate (shrinkage).
    pub learning_rate: f32,
    /// Depth of each tree.
    pub max_depth: usize,
    /// Refit after this many new hours.
    pub refit_every_h: usize,
    /// Hours held out at the first fit to start the out-of-sample residuals.
    pub holdout_h: usize,
    /// Out-of-sample residuals kept for the quantiles.
    pub residual_window_h: usize,
}

impl GbtSettings {
    fn booster(&self) -> BoosterSettings {
        BoosterSettings {
            iterations: self.iterations,
            learning_rate: self.learning_rate,
            max_depth: self.max_depth,
        }
    }
}

/// Tree-ensemble settings shared by the load, solar and wind boosters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoosterSettings {
    /// Number of trees.
    pub iterations: usize,
    /// Learning rate (shrinkage).
    pub learning_rate: f32,
    /// Depth of each tree.
    pub max_depth: usize,
}

/// Fits a squared-loss booster on `rows` (one feature array per observation), single-threaded
/// and without subsampling (deterministic). Fewer than `min_rows` rows is a short history.
fn boost<const F: usize>(
    rows: &[[f64; F]],
    target: &[f64],
    s: &BoosterSettings,
    model: &str,
    min_rows: usize,
) -> Result<GradientBooster, ForecastError> {
    let n = target.len();
    if n < min_rows {
        return Err(ForecastError::ShortHistory {
            model: model.into(),
            needed: min_rows,
            got: n,
        });
    }
    let data: Vec<f64> = (0..F)
        .flat_map(|f| rows.iter().map(move |r| r[f]))
        .collect();
    let matrix = Matrix::new(&data, n, F);
    let mut b = GradientBooster::default()
        .set_objective_type(ObjectiveType::SquaredLoss)
        .set_iterations(s.iterations)
        .set_learning_rate(s.learning_rate)
        .set_max_depth(s.max_depth)
        .set_parallel(false);
    b.fit(&matrix, target, &vec![1.0; n], None).map_err(|e| {
        ForecastError::Setting(format!("{model}: the booster refused the data: {e}"))
    })?;
    Ok(b)
}

/// Predictions of a fitted booster for `rows`.
fn predict_rows<const F: usize>(b: &GradientBooster, rows: &[[f64; F]]) -> Vec<f64> {
    let n = rows.len();
    let data: Vec<f64> = (0..F)
        .flat_map(|f| rows.iter().map(move |r| r[f]))
        .collect();
    b.predict(&Matrix::new(&data, n, F), false)
}

impl Default for GbtSettings {
    fn default() -> Self {
        Self {
            temperature: "temperature_f".into(),
            iterations: 300,
            learning_rate: 0.1,
            max_depth: 6,
            refit_every_h: 24 * 91,
            holdout_h: 24 * 91,
            residual_window_h: 8760,
        }
    }
}

const N_FEATURES: usize = 14;

/// Day-ahead load booster.
pub struct Gbt {
    /// Settings.
    pub settings: GbtSettings,
    booster: Option<GradientBooster>,
    fitted_at: usize,
    scored_until: usize,
    /// Out-of-sample residuals `(hour of day, error)`, oldest first.
    resid: Vec<(usize, f64)>,
}

impl Gbt {
    /// An unfitted booster.
    pub fn new(settings: GbtSettings) -> Self {
        Self {
            settings,
            booster: None,
            fitted_at: 0,
            scored_until: 0,
            resid: vec![],
        }
    }

    fn features(view: &View<'_>, temp: &[f64], y: &[f64], t: usize) -> Option<[f64; N_FEATURES]> {
        let at = |s: &[f64], j: Option<usize>| {
            j.and_then(|j| s.get(j).copied()).filter(|v| v.is_finite())
        };
        let mean24 = |end: Option<usize>| -> Option<f64> {
            let end = end?;
            let start = end.checked_sub(23)?;
            let mut sum = 0.0;
            for j in start..=end {
                sum += at(temp, Some(j))?;
            }
            Some(sum / 24.0)
        };
        let c = view.timeline.calendar(t);
        let l24 = at(y, t.checked_sub(24))?;
        Some([
            c.hour as f64,
            c.weekday as f64,
            c.month as f64,
            c.day_of_year as f64,
            if c.holiday { 1.0 } else { 0.0 },
            at(temp, Some(t))?,
            at(temp, t.checked_sub(1))?,
            at(temp, t.checked_sub(2))?,
            at(temp, t.checked_sub(3))?,
            mean24(Some(t))?,
            mean24(t.checked_sub(24))?,
            l24,
            at(y, t.checked_sub(168))?,
            l24 - at(y, t.checked_sub(48))?,
        ])
    }

    fn train(
        &self,
        view: &View<'_>,
        temp: &[f64],
        end: usize,
    ) -> Result<GradientBooster, ForecastError> {
        let y = view.target;
        let mut rows = Vec::new();
        let mut target = Vec::new();
        for t in 0..end.min(y.len()) {
            if !y[t].is_finite() {
                continue;
            }
            if let Some(x) = Self::features(view, temp, y, t) {
                rows.push(x);
                target.push(y[t]);
            }
        }
        boost(&rows, &target, &self.settings.booster(), "gbt", 24 * 60)
    }

    /// Scores hours `from..to` with the current booster and keeps their errors.
    fn score_new(&mut self, view: &View<'_>, temp: &[f64], from: usize, to: usize) {
        let Some(b) = self.booster.as_ref() else {
            return;
        };
        let y = view.target;
        let mut rows = Vec::new();
        let mut meta = Vec::new();
        for t in from..to.min(y.len()) {
            if let (true, Some(x)) = (y[t].is_finite(), Self::features(view, temp, y, t)) {
                rows.push(x);
                meta.push((view.timeline.calendar(t).hour as usize, y[t]));
            }
        }
        if rows.is_empty() {
            return;
        }
        for (p, (h, yt)) in predict_rows(b, &rows).into_iter().zip(meta) {
            self.resid.push((h, yt - p));
        }
        let excess = self
            .resid
            .len()
            .saturating_sub(self.settings.residual_window_h);
        self.resid.drain(..excess);
    }
}

impl Forecaster for Gbt {
    fn name(&self) -> String {
        "gbt".into()
    }

    fn fit(&mut self, view: &View<'_>) -> Result<(), ForecastError> {
        let temp = view.exog_named(&self.settings.temperature, "gbt")?;
        let t0 = view.issue();
        let split = t0.saturating_sub(self.settings.holdout_h);
        self.resid.clear();
        self.booster = Some(self.train(view, temp, split)?);
        self.score_new(view, temp, split, t0);
        self.booster = Some(self.train(view, temp, t0)?);
        self.fitted_at = t0;
        self.scored_until = t0;
        Ok(())
    }

    fn update(&mut self, view: &View<'_>) -> Result<(), ForecastError> {
        if self.booster.is_none() || view.issue() < self.scored_until {
            return self.fit(view);
        }
        let temp = view.exog_named(&self.settings.temperature, "gbt")?;
        self.score_new(view, temp, self.scored_until, view.issue());
        self.scored_until = view.issue();
        if view.issue() >= self.fitted_at + self.settings.refit_every_h {
            self.booster = Some(self.train(view, temp, view.issue())?);
            self.fitted_at = view.issue();
        }
        Ok(())
    }

    fn predict(
        &self,
        view: &View<'_>,
        horizon: usize,
        levels: &[f64],
    ) -> Result<Forecast, ForecastError> {
        let b = self
            .booster
            .as_ref()
            .ok_or_else(|| ForecastError::NotFitted(self.name()))?;
        if horizon > 24 {
            return Err(ForecastError::Setting(format!("gbt uses the load 24 h earlier and forecasts at most 24 h ahead, asked for {horizon}")));
        }
        let temp = view.exog_named(&self.settings.temperature, "gbt")?;
        let issue = view.issue();
        let mut rows = Vec::with_capacity(horizon);
        for t in issue..issue + horizon {
            match Self::features(view, temp, view.target, t) {
                Some(x) => rows.push(x),
                None => {
                    return Err(ForecastError::MissingExogenous {
                        name: format!("{} or lagged load", self.settings.temperature),
                        index: t,
                        time: view
                            .timeline
                            .label(t.min(view.timeline.len.saturating_sub(1))),
                    })
                }
            }
        }
        let point = predict_rows(b, &rows);
        let mut by_hour: Vec<Vec<f64>> = vec![Vec::new(); 24];
        for (h, e) in &self.resid {
            if let Some(v) = by_hour.get_mut(*h) {
                v.push(*e);
            }
        }
        let by_hour: Vec<Vec<f64>> = by_hour.into_iter().map(sorted_finite).collect();
        let quantiles = (issue..issue + horizon)
            .zip(&point)
            .map(|(t, p)| {
                let r = &by_hour[view.timeline.calendar(t).hour as usize % 24];
                levels
                    .iter()
                    .map(|&tau| p + quantile_sorted(r, tau))
                    .collect()
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

/// Which weather features a [`RenewableGbt`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenewableKind {
    /// Solar plant: the 12 ECMWF variables de-accumulated to hourly means, the clear-sky
    /// index, neighbouring hours' irradiance and the sun's position.
    Solar,
    /// Wind farm: speed and direction at 10 m and 100 m, shear, neighbouring hours' speed.
    Wind,
}

/// Settings of a [`RenewableGbt`].
#[derive(Debug, Clone, PartialEq)]
pub struct RenewableGbtSettings {
    /// Trees.
    pub booster: BoosterSettings,
    /// Refit after this many new hours.
    pub refit_every_h: usize,
    /// Length in hours of the alternating blocks of the two-fold cross-fit that gives the
    /// out-of-sample residuals.
    pub fold_block_h: usize,
}

impl Default for RenewableGbtSettings {
    fn default() -> Self {
        Self {
            booster: BoosterSettings {
                iterations: 200,
                learning_rate: 0.05,
                max_depth: 5,
            },
            refit_every_h: 24 * 7,
            fold_block_h: 24 * 7,
        }
    }
}

const SOLAR_F: usize = 17;
const WIND_F: usize = 12;

/// Gradient-boosted trees from weather-model forecasts to normalised power in [0, 1].
///
/// **Solar** features of hour `t` (UTC): hourly means of `ssrd`, `strd`, `tsr` (W/m², from
/// the accumulated fields, reset at 01:00 UTC) and `tp`, the clear-sky index `ssrd / tsr`,
/// `ssrd` of the hours before and after, `tcc`, `tclw`, `tciw`, `rh`, `t2`, `sp`, `u10`,
/// `v10`, and the sun's position as (UTC hour of day, day of year): GEFCom2014 does not
/// publish the plants' coordinates, so the elevation cannot be computed, but at a fixed
/// site it is a function of those two, which the trees split on; `tsr` (top-of-atmosphere
/// net solar) carries the same information as an irradiance. Hours of day whose power
/// never exceeded 0.001 in the history are forecast as 0.
///
/// **Wind** features: speed at 100 m and 10 m (`√(u² + v²)`), sine and cosine of both
/// directions, the shear ratio `v₁₀/v₁₀₀`, the 100 m speed one hour before and after,
/// `u₁₀₀`, `v₁₀₀` and the UTC hour of day.
///
/// Quantiles: `P̂ + Q_τ(e)` with **out-of-sample** residuals binned by `P̂` (20 bins),
/// clipped to [0, 1]. The residuals come from a two-fold cross-fit: the history is cut
/// into alternating blocks of `fold_block_h` hours, each fold is predicted by trees fitted
/// on the other, and the final trees are fitted on everything (three fits per refit).
pub struct RenewableGbt {
    /// Feature set.
    pub kind: RenewableKind,
    /// Settings.
    pub settings: RenewableGbtSettings,
    booster: Option<GradientBooster>,
    resid: BinnedResiduals,
    dark: Vec<bool>,
    fitted_at: usize,
}

/// Features of one hour, solar or wind.
#[derive(Debug, Clone, Copy)]
enum Row {
    Solar([f64; SOLAR_F]),
    Wind([f64; WIND_F]),
}

impl RenewableGbt {
    /// An unfitted model.
    pub fn new(kind: RenewableKind, settings: RenewableGbtSettings) -> Self {
        Self {
            kind,
            settings,
            booster: None,
            resid: BinnedResiduals::default(),
            dark: vec![],
            fitted_at: 0,
        }
    }

    fn solar_row(
        view: &View<'_>,
        cols: &[&[f64]],
        i: usize,
    ) -> Result<[f64; SOLAR_F], ForecastError> {
        let hourly =
            |k: usize, name: &str, j: usize| SolarRegression::hourly(view, cols[k], name, j);
        let inst = |k: usize, name: &str| view.exog_at(cols[k], i, name);
        let ssrd = hourly(0, SOLAR_GBT_NAMES[0], i)?;
        let strd = hourly(1, SOLAR_GBT_NAMES[1], i)?;
        let tsr = hourly(2, SOLAR_GBT_NAMES[2], i)?;
        let tp = hourly(3, SOLAR_GBT_NAMES[3], i)? * 3600.0;
        let near = |j: Option<usize>| {
            j.and_then(|j| hourly(0, SOLAR_GBT_NAMES[0], j).ok())
                .unwrap_or(ssrd)
        };
        let c = view.timeline.calendar(i);
        Ok([
            ssrd,
            strd,
            tsr,
            tp,
            if tsr > 10.0 {
                (ssrd / tsr).min(1.5)
            } else {
                0.0
            },
            near(i.checked_sub(1)),
            near(Some(i + 1)),
            inst(4, SOLAR_GBT_NAMES[4])?,
            inst(5, SOLAR_GBT_NAMES[5])?,
            inst(6, SOLAR_GBT_NAMES[6])?,
            inst(7, SOLAR_GBT_NAMES[7])?,
            inst(8, SOLAR_GBT_NAMES[8])?,
            inst(9, SOLAR_GBT_NAMES[9])?,
            inst(10, SOLAR_GBT_NAMES[10])?,
            inst(11, SOLAR_GBT_NAMES[11])?,
            c.hour as f64,
            c.day_of_year as f64,
        ])
    }

    fn wind_row(
        view: &View<'_>,
        cols: &[&[f64]; 4],
        i: usize,
    ) -> Result<[f64; WIND_F], ForecastError> {
        let v = |k: usize| view.exog_at(cols[k], i, WIND_NAMES[k]);
        let (u10, v10, u100, v100) = (v(0)?, v(1)?, v(2)?, v(3)?);
        let (s10, s100) = (u10.hypot(v10), u100.hypot(v100));
        let (d10, d100) = (v10.atan2(u10), v100.atan2(u100));
        let near = |j: Option<usize>| {
            j.and_then(|j| wind_inputs(view, cols, &WIND_NAMES, j).ok())
                .map_or(s100, |w| w.0)
        };
        Ok([
            s100,
            s10,
            d100.sin(),
            d100.cos(),
            d10.sin(),
            d10.cos(),
            if s100 > 0.1 { s10 / s100 } else { 1.0 },
            near(i.checked_sub(1)),
            near(Some(i + 1)),
            u100,
            v100,
            view.timeline.calendar(i).hour as f64,
        ])
    }

    /// Features of hours `from..to` that have them, with their indices.
    fn rows(
        &self,
        view: &View<'_>,
        from: usize,
        to: usize,
    ) -> Result<Vec<(usize, Row)>, ForecastError> {
        let mut out = Vec::new();
        match self.kind {
            RenewableKind::Solar => {
                let cols = solar_cols(view)?;
                for i in from..to {
                    if let Ok(r) = Self::solar_row(view, &cols, i) {
                        out.push((i, Row::Solar(r)));
                    }
                }
            }
            RenewableKind::Wind => {
                let cols = wind_cols(view)?;
                for i in from..to {
                    if let Ok(r) = Self::wind_row(view, &cols, i) {
                        out.push((i, Row::Wind(r)));
                    }
                }
            }
        }
        Ok(out)
    }

    /// The same as [`Self::rows`] for one hour, with the located error if it has none.
    fn row(&self, view: &View<'_>, i: usize) -> Result<Row, ForecastError> {
        Ok(match self.kind {
            RenewableKind::Solar => Row::Solar(Self::solar_row(view, &solar_cols(view)?, i)?),
            RenewableKind::Wind => Row::Wind(Self::wind_row(view, &wind_cols(view)?, i)?),
        })
    }

    fn name_str(&self) -> &'static str {
        match self.kind {
            RenewableKind::Solar => "gbt_solar",
            RenewableKind::Wind => "gbt_wind",
        }
    }

    fn fit_rows(&self, rows: &[(Row, f64)]) -> Result<GradientBooster, ForecastError> {
        let y: Vec<f64> = rows.iter().map(|r| r.1).collect();
        let (s, name, min) = (&self.settings.booster, self.name_str(), 24 * 30);
        match rows.first().map(|r| r.0) {
            Some(Row::Wind(_)) => {
                let x: Vec<[f64; WIND_F]> = rows
                    .iter()
                    .filter_map(|r| {
                        if let Row::Wind(x) = r.0 {
                            Some(x)
                        } else {
                            None
                        }
                    })
                    .collect();
                boost(&x, &y, s, name, min)
            }
            _ => {
                let x: Vec<[f64; SOLAR_F]> = rows
                    .iter()
                    .filter_map(|r| {
                        if let Row::Solar(x) = r.0 {
                            Some(x)
                        } else {
                            None
                        }
                    })
                    .collect();
                boost(&x, &y, s, name, min)
            }
        }
    }

    fn predict_many(b: &GradientBooster, rows: &[Row]) -> Vec<f64> {
        let solar: Vec<[f64; SOLAR_F]> = rows
            .iter()
            .filter_map(|r| {
                if let Row::Solar(x) = r {
                    Some(*x)
                } else {
                    None
                }
            })
            .collect();
        let wind: Vec<[f64; WIND_F]> = rows
            .iter()
            .filter_map(|r| if let Row::Wind(x) = r { Some(*x) } else { None })
            .collect();
        let p = if wind.is_empty() {
            predict_rows(b, &solar)
        } else {
            predict_rows(b, &wind)
        };
        p.into_iter().map(|v| v.clamp(0.0, 1.0)).collect()
    }

    fn is_dark(&self, view: &View<'_>, i: usize) -> bool {
        self.kind == RenewableKind::Solar
            && self
                .dark
                .get(view.timeline.calendar(i).hour as usize % 24)
                .copied()
                .unwrap_or(false)
    }

    fn refit(&mut self, view: &View<'_>) -> Result<(), ForecastError> {
        let y = view.target;
        if self.kind == RenewableKind::Solar {
            let mut max_by_hour = [0.0f64; 24];
            for (i, v) in y.iter().enumerate() {
                if v.is_finite() {
                    let h = view.timeline.calendar(i).hour as usize % 24;
                    max_by_hour[h] = max_by_hour[h].max(*v);
                }
            }
            self.dark = max_by_hour.iter().map(|m| *m <= 0.001).collect();
        }
        let all: Vec<(usize, Row, f64)> = self
            .rows(view, 0, y.len())?
            .into_iter()
            .filter(|(i, _)| y[*i].is_finite() && !self.is_dark(view, *i))
            .map(|(i, r)| (i, r, y[i]))
            .collect();
        let block = self.settings.fold_block_h.max(1);
        let mut pairs = Vec::with_capacity(all.len());
        for fold in 0..2 {
            let train: Vec<(Row, f64)> = all
                .iter()
                .filter(|(i, _, _)| (i / block) % 2 != fold)
                .map(|(_, r, v)| (*r, *v))
                .collect();
            let test: Vec<&(usize, Row, f64)> = all
                .iter()
                .filter(|(i, _, _)| (i / block) % 2 == fold)
                .collect();
            let b = self.fit_rows(&train)?;
            let rows: Vec<Row> = test.iter().map(|t| t.1).collect();
            for (p, t) in Self::predict_many(&b, &rows).into_iter().zip(&test) {
                pairs.push((p, t.2 - p));
            }
        }
        self.resid = BinnedResiduals::new(&pairs, 20, 100);
        let rows: Vec<(Row, f64)> = all.iter().map(|(_, r, v)| (*r, *v)).collect();
        self.booster = Some(self.fit_rows(&rows)?);
        self.fitted_at = view.issue();
        Ok(())
    }
}

/// The ECMWF variables of the solar track, in the order [`RenewableGbt`] reads them.
const SOLAR_GBT_NAMES: [&str; 12] = [
    "ssrd_j_per_m2",
    "strd_j_per_m2",
    "tsr_j_per_m2",
    "tp_m",
    "tcc",
    "tclw",
    "tciw",
    "rh_pct",
    "t2_k",
    "sp_pa",
    "u10_m_per_s",
    "v10_m_per_s",
];

fn solar_cols<'a>(view: &View<'a>) -> Result<Vec<&'a [f64]>, ForecastError> {
    SOLAR_GBT_NAMES
        .iter()
        .map(|n| view.exog_named(n, "gbt_solar"))
        .collect()
}

impl Forecaster for RenewableGbt {
    fn name(&self) -> String {
        "gbt".into()
    }

    fn fit(&mut self, view: &View<'_>) -> Result<(), ForecastError> {
        self.refit(view)
    }

    fn update(&mut self, view: &View<'_>) -> Result<(), ForecastError> {
        if self.booster.is_none()
            || view.issue() < self.fitted_at
            || view.issue() >= self.fitted_at + self.settings.refit_every_h
        {
            return self.refit(view);
        }
        Ok(())
    }

    fn predict(
        &self,
        view: &View<'_>,
        horizon: usize,
        levels: &[f64],
    ) -> Result<Forecast, ForecastError> {
        let b = self
            .booster
            .as_ref()
            .ok_or_else(|| ForecastError::NotFitted(self.name()))?;
        let issue = view.issue();
        let mut rows = Vec::with_capacity(horizon);
        for i in issue..issue + horizon {
            rows.push(self.row(view, i)?);
        }
        let pts = Self::predict_many(b, &rows);
        let (mut point, mut quantiles) = (Vec::with_capacity(horizon), Vec::with_capacity(horizon));
        for (i, p) in (issue..issue + horizon).zip(pts) {
            if self.is_dark(view, i) {
                point.push(0.0);
                quantiles.push(vec![0.0; levels.len()]);
            } else {
                point.push(p);
                quantiles.push(self.resid.quantiles(p, levels, 0.0, 1.0));
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
    use crate::backtest::{rolling_origin, score, BacktestSettings};
    use crate::model::Dataset;
    use crate::naive::LagNaive;

    /// Shipped load 2011-01-01 – 2012-03-01 and the index of 2012-01-01.
    fn load_slice() -> (Dataset, usize) {
        crate::backtest::tests::slice()
    }

    fn small() -> GbtSettings {
        GbtSettings {
            iterations: 100,
            ..GbtSettings::default()
        }
    }

    #[test]
    fn load_gbt_beats_seasonal_naive_and_is_deterministic() {
        let (d, first) = load_slice();
        let s = BacktestSettings {
            first_issue: first,
            end: first + 24 * 14,
            step_h: 24,
            horizon: 24,
            levels: vec![0.1, 0.5, 0.9],
        };
        let a = rolling_origin(&d, &mut Gbt::new(small()), &s).unwrap();
        let b = rolling_origin(&d, &mut Gbt::new(small()), &s).unwrap();
        assert_eq!(a, b);
        let naive =
            rolling_origin(&d, &mut LagNaive::new("seasonal_naive", 168, 8760), &s).unwrap();
        let (g, n) = (
            score(&[(&d, &a)], &s.levels),
            score(&[(&d, &naive)], &s.levels),
        );
        let (gm, nm) = (g.point.mape_pct.unwrap(), n.point.mape_pct.unwrap());
        assert!(
            gm < nm && gm < 6.0,
            "gbt MAPE {gm} %, seasonal naive {nm} %"
        );
        // Out-of-sample residuals give intervals that are not degenerate.
        let f = &a[0];
        assert!(f.quantiles.iter().all(|q| q[0] < q[1] && q[1] < q[2]));
    }

    #[test]
    fn load_gbt_refuses_long_horizons_and_locates_missing_temperature() {
        let (mut d, first) = load_slice();
        let mut m = Gbt::new(small());
        assert!(matches!(
            m.predict(&d.view(first, 24), 24, &[0.5]),
            Err(ForecastError::NotFitted(_))
        ));
        m.fit(&d.view(first, 24)).unwrap();
        assert!(matches!(
            m.predict(&d.view(first, 48), 48, &[0.5]),
            Err(ForecastError::Setting(_))
        ));
        d.exog[0][first + 3] = f64::NAN;
        match m.predict(&d.view(first, 24), 24, &[0.5]) {
            Err(ForecastError::MissingExogenous { index, .. }) => assert_eq!(index, first + 3),
            other => panic!("expected MissingExogenous, got {other:?}"),
        }
        let short = d.slice(0, 24 * 100);
        assert!(matches!(
            Gbt::new(small()).fit(&short.view(24 * 100, 24)),
            Err(ForecastError::ShortHistory { .. })
        ));
    }
}
