//! A day-ahead load LSTM: one week of hourly history in, 24 hours out, trained by backpropagation through time with Adam — by candle's autograd or by hand.
//!
//! **Sequence.** For an issue index `t0` the network reads the `history_h` hours
//! `t0 − history_h … t0 − 1` and then runs on through the `24` target hours. Step `t` has
//! the inputs (load normalised by the training mean and standard deviation, temperature
//! likewise): `m_t y_t` and the flag `m_t` (1 before the issue, 0 after: the load of a
//! target hour is unknown), `y_{t−24}` and `y_{t−168}` (both known for every step, since
//! `t − 24 < t0` for the 24 target hours), the temperature `T_t` (actual temperature for
//! the target hours, as in the other load models), `sin`/`cos` of the hour of day and of
//! the day of week, and the holiday flag. The forecast of a target hour is a linear read-out
//! `ŷ_t = v·h_t + c` of the hidden state there, mapped back to MW.
//!
//! **Cell.** One LSTM layer of `hidden` units, gates `i, f, g, o`:
//! `a = W [x_t; h_{t−1}] + b`, `c_t = σ(a_f) c_{t−1} + σ(a_i) tanh(a_g)`,
//! `h_t = σ(a_o) tanh(c_t)`, `h_0 = c_0 = 0`. Weights start uniform in `±1/√hidden`
//! (forget bias 1) from a ChaCha8 stream seeded by `seed`; mini-batches are shuffled from
//! the same stream, so a fit is bit-for-bit reproducible.
//!
//! **Engines** ([`LstmEngine`]). The forward pass and the gradients of a mini-batch are
//! computed either by [`candle`] (the default, `--model lstm`: the batch's windows as
//! tensors, the 192 steps unrolled, candle's autograd; f32 by default — on the 2013–2014
//! backtest its forecasts are within 5·10⁻⁴ MW of f64's and the fit takes about two thirds
//! of the time — or f64) or by [`plain`] (the hand-written reference, `--model lstm_plain`:
//! f64, one window at a time). Everything else — windows, scaling, initial weights, batch
//! order, the optimiser, early stopping, quantiles — is this module's and shared, and tests
//! check that both engines give the same outputs and gradients for the same weights.
//!
//! **Training.** Mean squared error of the 24 outputs, Adam (`β₁ = 0.9`, `β₂ = 0.999`,
//! `ε = 10⁻⁸`, on the flat f64 parameter vector), gradients clipped to norm `clip`. One
//! window per day (issues at the same hour of day as the fit's issue). The last
//! `validation_h` hours before the issue (at most a quarter of the history) are the
//! validation period — 2012 for the GEFCom2014 split — and early stopping keeps the weights
//! of the epoch with the lowest validation MSE (`patience` epochs without improvement end
//! training). Quantiles are `ŷ + Q_τ(e_k)` with `e_k` the validation errors of horizon
//! hour `k`. The model is fitted once; [`Forecaster::update`] does not retrain.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::model::{Forecast, Forecaster, View};
use crate::quantile::{quantile_sorted, sorted_finite};
use crate::ForecastError;

pub mod candle;
pub mod plain;

/// Hours forecast per window (the read-out steps).
const OUT_H: usize = 24;
/// Inputs per step.
const N_IN: usize = 10;

/// Floating-point precision of the candle engine's tensors (the optimiser's parameter
/// vector is f64 in both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// Single precision.
    F32,
    /// Double precision.
    F64,
}

/// Which code computes the forward pass and the gradients of a mini-batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LstmEngine {
    /// candle tensors and autograd ([`candle`]); the model is named `lstm`.
    Candle(Precision),
    /// The hand-written backpropagation through time in f64 ([`plain`]); named `lstm_plain`.
    Plain,
}

/// Settings of the LSTM.
#[derive(Debug, Clone, PartialEq)]
pub struct LstmSettings {
    /// The engine of the forward and backward passes (candle in f32).
    pub engine: LstmEngine,
    /// Exogenous temperature series (°F).
    pub temperature: String,
    /// Hours of history read before the issue (one week).
    pub history_h: usize,
    /// Hidden units.
    pub hidden: usize,
    /// Most epochs.
    pub epochs: usize,
    /// Epochs without a better validation loss before stopping.
    pub patience: usize,
    /// Windows per mini-batch.
    pub batch: usize,
    /// Adam step size.
    pub learning_rate: f64,
    /// Largest gradient norm (larger gradients are scaled down to it).
    pub clip: f64,
    /// Hours before the issue held out for early stopping and the quantiles.
    pub validation_h: usize,
    /// Seed of the initial weights and the batch order.
    pub seed: u64,
}

impl Default for LstmSettings {
    fn default() -> Self {
        Self {
            engine: LstmEngine::Candle(Precision::F32),
            temperature: "temperature_f".into(),
            history_h: 168,
            hidden: 32,
            epochs: 40,
            patience: 6,
            batch: 32,
            learning_rate: 3e-3,
            clip: 5.0,
            validation_h: 8760,
            seed: 2014,
        }
    }
}

impl LstmSettings {
    /// A small, fast configuration for tests (8 units, a few epochs).
    pub fn tiny() -> Self {
        Self {
            hidden: 8,
            epochs: 4,
            patience: 2,
            batch: 16,
            learning_rate: 1e-2,
            ..Self::default()
        }
    }

    /// The hand-written reference engine with the same settings.
    pub fn plain(self) -> Self {
        Self {
            engine: LstmEngine::Plain,
            ..self
        }
    }

    /// Checks the ranges.
    pub fn validate(&self) -> Result<(), ForecastError> {
        if self.hidden == 0 || self.epochs == 0 || self.batch == 0 || self.history_h < 168 {
            return Err(ForecastError::Setting(
                "lstm: hidden, epochs and batch must be positive and history_h at least 168".into(),
            ));
        }
        if !(self.learning_rate > 0.0 && self.clip > 0.0) {
            return Err(ForecastError::Setting(
                "lstm: learning rate and clip must be positive".into(),
            ));
        }
        Ok(())
    }
}

/// The parameters: gate weights `w` (`4H × (N_IN + H)`, row-major, gates i, f, g, o),
/// gate biases `b` (`4H`), read-out `v` (`H`) and `c` — kept as one flat vector for Adam.
#[derive(Debug, Clone, PartialEq)]
struct Params {
    hidden: usize,
    theta: Vec<f64>,
}

impl Params {
    fn cols(&self) -> usize {
        N_IN + self.hidden
    }
    fn n_w(&self) -> usize {
        4 * self.hidden * self.cols()
    }
    fn len_for(hidden: usize) -> usize {
        4 * hidden * (N_IN + hidden) + 4 * hidden + hidden + 1
    }

    fn init(hidden: usize, rng: &mut ChaCha8Rng) -> Self {
        let r = 1.0 / (hidden as f64).sqrt();
        let mut p = Self {
            hidden,
            theta: vec![0.0; Self::len_for(hidden)],
        };
        let (n_w, h) = (p.n_w(), hidden);
        for v in p.theta[..n_w].iter_mut() {
            *v = rng.random_range(-r..r);
        }
        // Forget-gate bias 1: remember by default.
        for v in p.theta[n_w + h..n_w + 2 * h].iter_mut() {
            *v = 1.0;
        }
        for v in p.theta[n_w + 4 * h..n_w + 5 * h].iter_mut() {
            *v = rng.random_range(-r..r);
        }
        p
    }
}

/// One training or validation window: inputs per step and the normalised targets.
struct Window {
    xs: Vec<[f64; N_IN]>,
    y: [f64; OUT_H],
}

/// Normalisation of load and temperature.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Scale {
    y_mean: f64,
    y_sd: f64,
    t_mean: f64,
    t_sd: f64,
}

fn mean_sd(v: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut n, mut s, mut s2) = (0.0f64, 0.0f64, 0.0f64);
    for x in v.filter(|x| x.is_finite()) {
        n += 1.0;
        s += x;
        s2 += x * x;
    }
    let m = s / n.max(1.0);
    (m, (s2 / n.max(1.0) - m * m).max(1e-12).sqrt())
}

/// Day-ahead load LSTM.
pub struct Lstm {
    /// Settings.
    pub settings: LstmSettings,
    params: Option<Params>,
    scale: Option<Scale>,
    /// Sorted validation errors (MW) per horizon hour.
    resid: Vec<Vec<f64>>,
    /// Epochs run and the best validation MSE (normalised), for reports.
    pub trained: Option<(usize, f64)>,
}

impl Lstm {
    /// An unfitted LSTM.
    pub fn new(settings: LstmSettings) -> Self {
        Self {
            settings,
            params: None,
            scale: None,
            resid: vec![],
            trained: None,
        }
    }

    /// The inputs of the window issued at `t0` (steps `t0 − history_h … t0 + 23`), `None` if
    /// a value is missing. `y` is the load known at the issue (it may extend past `t0` in
    /// training; values at or after `t0` are never read).
    fn inputs(
        &self,
        view: &View<'_>,
        temp: &[f64],
        y: &[f64],
        t0: usize,
        sc: &Scale,
    ) -> Option<Vec<[f64; N_IN]>> {
        let start = t0.checked_sub(self.settings.history_h)?;
        start.checked_sub(168)?;
        let ny = |t: usize| {
            y.get(t)
                .copied()
                .filter(|v| v.is_finite())
                .map(|v| (v - sc.y_mean) / sc.y_sd)
        };
        let tau = std::f64::consts::TAU;
        (start..t0 + OUT_H)
            .map(|t| {
                let c = view.timeline.calendar(t);
                let known = t < t0;
                let (h, d) = (tau * c.hour as f64 / 24.0, tau * c.weekday as f64 / 7.0);
                Some([
                    if known { ny(t)? } else { 0.0 },
                    if known { 1.0 } else { 0.0 },
                    ny(t - 24)?,
                    ny(t - 168)?,
                    (temp.get(t).copied().filter(|v| v.is_finite())? - sc.t_mean) / sc.t_sd,
                    h.sin(),
                    h.cos(),
                    d.sin(),
                    d.cos(),
                    if c.holiday { 1.0 } else { 0.0 },
                ])
            })
            .collect()
    }

    /// Windows issued at `t0 − 24 k` with all 24 targets before `end`, from `from` on.
    fn windows(
        &self,
        view: &View<'_>,
        temp: &[f64],
        sc: &Scale,
        from: usize,
        end: usize,
    ) -> Vec<Window> {
        let y = view.target;
        let t0 = view.issue();
        let mut out = Vec::new();
        let mut s = t0 % 24;
        while s + OUT_H <= end {
            if s >= from {
                let ys: Option<Vec<f64>> = (s..s + OUT_H)
                    .map(|t| {
                        y.get(t)
                            .copied()
                            .filter(|v| v.is_finite())
                            .map(|v| (v - sc.y_mean) / sc.y_sd)
                    })
                    .collect();
                if let (Some(xs), Some(ys)) = (self.inputs(view, temp, &y[..s], s, sc), ys) {
                    let mut yy = [0.0; OUT_H];
                    yy.copy_from_slice(&ys);
                    out.push(Window { xs, y: yy });
                }
            }
            s += 24;
        }
        out
    }

    /// The normalised read-outs of `ws`, by the settings' engine.
    fn outputs(&self, p: &Params, ws: &[&Window]) -> Result<Vec<[f64; OUT_H]>, ForecastError> {
        match self.settings.engine {
            LstmEngine::Candle(precision) => candle::outputs(p, ws, precision),
            LstmEngine::Plain => Ok(plain::outputs(p, ws)),
        }
    }

    /// Sets `grad` to the gradient of the batch's mean squared error, by the settings' engine.
    fn batch_gradient(
        &self,
        p: &Params,
        batch: &[&Window],
        grad: &mut [f64],
    ) -> Result<(), ForecastError> {
        match self.settings.engine {
            LstmEngine::Candle(precision) => {
                candle::batch_gradient(p, batch, grad, precision).map(|_| ())
            }
            LstmEngine::Plain => {
                plain::batch_gradient(p, batch, grad);
                Ok(())
            }
        }
    }

    /// Mean squared error of the normalised read-outs over `ws`.
    fn mse(&self, p: &Params, ws: &[&Window]) -> Result<f64, ForecastError> {
        let s: f64 = self
            .outputs(p, ws)?
            .iter()
            .zip(ws)
            .map(|(o, w)| {
                o.iter()
                    .zip(&w.y)
                    .map(|(a, b)| (a - b).powi(2))
                    .sum::<f64>()
            })
            .sum();
        Ok(s / (ws.len() * OUT_H).max(1) as f64)
    }

    /// Adam with early stopping; returns the best parameters, epochs run and best loss.
    fn train(
        &self,
        train: &[Window],
        valid: &[&Window],
    ) -> Result<(Params, usize, f64), ForecastError> {
        let s = &self.settings;
        let mut rng = ChaCha8Rng::seed_from_u64(s.seed);
        let mut p = Params::init(s.hidden, &mut rng);
        let n = p.theta.len();
        let (mut m1, mut m2) = (vec![0.0; n], vec![0.0; n]);
        let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8);
        let mut step = 0i32;
        let mut best = (p.clone(), self.mse(&p, valid)?);
        let (mut since, mut epochs) = (0, 0);
        let mut order: Vec<usize> = (0..train.len()).collect();
        let mut grad = vec![0.0; n];
        let mut batch = Vec::with_capacity(s.batch);
        for _ in 0..s.epochs {
            epochs += 1;
            order.shuffle(&mut rng);
            for chunk in order.chunks(s.batch) {
                batch.clear();
                batch.extend(chunk.iter().map(|&k| &train[k]));
                self.batch_gradient(&p, &batch, &mut grad)?;
                let norm = grad.iter().map(|g| g * g).sum::<f64>().sqrt();
                let shrink = if norm > s.clip { s.clip / norm } else { 1.0 };
                step += 1;
                let (c1, c2) = (1.0 - b1.powi(step), 1.0 - b2.powi(step));
                for k in 0..n {
                    let g = grad[k] * shrink;
                    m1[k] = b1 * m1[k] + (1.0 - b1) * g;
                    m2[k] = b2 * m2[k] + (1.0 - b2) * g * g;
                    p.theta[k] -= s.learning_rate * (m1[k] / c1) / ((m2[k] / c2).sqrt() + eps);
                }
            }
            let loss = self.mse(&p, valid)?;
            if loss < best.1 {
                best = (p.clone(), loss);
                since = 0;
            } else {
                since += 1;
                if since >= s.patience {
                    break;
                }
            }
        }
        Ok((best.0, epochs, best.1))
    }
}

impl Forecaster for Lstm {
    fn name(&self) -> String {
        match self.settings.engine {
            LstmEngine::Candle(_) => "lstm".into(),
            LstmEngine::Plain => "lstm_plain".into(),
        }
    }

    fn fit(&mut self, view: &View<'_>) -> Result<(), ForecastError> {
        self.settings.validate()?;
        let temp = view.exog_named(&self.settings.temperature, "lstm")?;
        let t0 = view.issue();
        let needed = self.settings.history_h + 168 + 24 * 28;
        if t0 < needed {
            return Err(ForecastError::ShortHistory {
                model: self.name(),
                needed,
                got: t0,
            });
        }
        let split = t0 - self.settings.validation_h.min(t0 / 4);
        let (y_mean, y_sd) = mean_sd(view.target[..split].iter().copied());
        let (t_mean, t_sd) = mean_sd(temp[..split].iter().copied());
        let sc = Scale {
            y_mean,
            y_sd,
            t_mean,
            t_sd,
        };
        let train = self.windows(view, temp, &sc, 0, split);
        let valid = self.windows(view, temp, &sc, split, t0);
        if train.len() < 8 || valid.is_empty() {
            return Err(ForecastError::ShortHistory {
                model: self.name(),
                needed,
                got: train.len() * 24,
            });
        }
        let valid: Vec<&Window> = valid.iter().collect();
        let (p, epochs, loss) = self.train(&train, &valid)?;
        let mut by_h: Vec<Vec<f64>> = (0..OUT_H)
            .map(|_| Vec::with_capacity(valid.len()))
            .collect();
        for (o, w) in self.outputs(&p, &valid)?.iter().zip(&valid) {
            for (k, (a, b)) in o.iter().zip(&w.y).enumerate() {
                by_h[k].push((b - a) * sc.y_sd);
            }
        }
        self.resid = by_h.into_iter().map(sorted_finite).collect();
        self.params = Some(p);
        self.scale = Some(sc);
        self.trained = Some((epochs, loss));
        Ok(())
    }

    fn update(&mut self, view: &View<'_>) -> Result<(), ForecastError> {
        match self.params {
            Some(_) => Ok(()),
            None => self.fit(view),
        }
    }

    fn predict(
        &self,
        view: &View<'_>,
        horizon: usize,
        levels: &[f64],
    ) -> Result<Forecast, ForecastError> {
        let (Some(p), Some(sc)) = (self.params.as_ref(), self.scale.as_ref()) else {
            return Err(ForecastError::NotFitted(self.name()));
        };
        if horizon > OUT_H {
            return Err(ForecastError::Setting(format!(
                "lstm forecasts at most {OUT_H} h ahead, asked for {horizon}"
            )));
        }
        let temp = view.exog_named(&self.settings.temperature, "lstm")?;
        let issue = view.issue();
        // Temperatures past the view's horizon are not seen: hold the last one.
        let mut t_ext = temp.to_vec();
        let last = t_ext.last().copied().unwrap_or(f64::NAN);
        t_ext.resize(issue + OUT_H, last);
        let xs = self
            .inputs(view, &t_ext, view.target, issue, sc)
            .ok_or_else(|| ForecastError::MissingExogenous {
                name: format!(
                    "{} or the load of the last two weeks",
                    self.settings.temperature
                ),
                index: issue,
                time: view
                    .timeline
                    .label(issue.min(view.timeline.len.saturating_sub(1))),
            })?;
        let window = Window {
            xs,
            y: [0.0; OUT_H],
        };
        // One window in, one row of read-outs out.
        let o = self
            .outputs(p, &[&window])?
            .pop()
            .ok_or_else(|| ForecastError::Tensor {
                model: self.name(),
                message: "no read-out for the window".into(),
            })?;
        let point: Vec<f64> = o[..horizon]
            .iter()
            .map(|v| v * sc.y_sd + sc.y_mean)
            .collect();
        let quantiles = point
            .iter()
            .zip(&self.resid)
            .map(|(pt, r)| {
                levels
                    .iter()
                    .map(|&tau| pt + quantile_sorted(r, tau))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Dataset;

    /// 120 days of a daily and weekly pattern driven by temperature, with noise.
    fn synthetic() -> Dataset {
        let n = 24 * 120;
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let temp: Vec<f64> = (0..n)
            .map(|t| {
                let d = t as f64 / 24.0;
                50.0 + 20.0 * (d / 20.0).sin()
                    + 8.0 * ((t % 24) as f64 / 24.0 * std::f64::consts::TAU).sin()
            })
            .collect();
        let target = (0..n)
            .map(|t| {
                let h = (t % 24) as f64;
                let wd = (t / 24) % 7;
                let base =
                    1000.0 + 300.0 * ((h - 6.0) / 24.0 * std::f64::consts::TAU).sin().max(-0.5);
                let week = if wd >= 5 { -150.0 } else { 0.0 };
                base + week + 4.0 * (temp[t] - 50.0).abs() + rng.random_range(-20.0..20.0)
            })
            .collect();
        crate::backtest::tests::hourly_with_temperature(target, temp)
    }

    /// `n` windows of `steps` steps, inputs and targets uniform in ±1.
    pub(super) fn random_windows(n: usize, steps: usize, rng: &mut ChaCha8Rng) -> Vec<Window> {
        (0..n)
            .map(|_| Window {
                xs: (0..steps)
                    .map(|_| std::array::from_fn(|_| rng.random_range(-1.0..1.0)))
                    .collect(),
                y: std::array::from_fn(|_| rng.random_range(-1.0..1.0)),
            })
            .collect()
    }

    fn tiny() -> LstmSettings {
        LstmSettings {
            epochs: 12,
            patience: 4,
            validation_h: 24 * 14,
            ..LstmSettings::tiny()
        }
    }

    /// Fits on 100 days, checks the forecasts of the next 20 beat persistence, and that a
    /// second fit gives identical forecasts; returns the first forecast.
    fn assert_beats_persistence_and_is_deterministic(settings: LstmSettings) -> Forecast {
        let d = synthetic();
        let issue = 24 * 100;
        let view = d.view(issue, 24);
        let mut m = Lstm::new(settings.clone());
        m.fit(&view).unwrap();
        let mut sse = 0.0;
        let mut sse_pers = 0.0;
        for day in 0..20 {
            let v = d.view(issue + 24 * day, 24);
            let f = m.predict(&v, 24, &[0.1, 0.5, 0.9]).unwrap();
            for k in 0..24 {
                let t = v.issue() + k;
                sse += (f.point[k] - d.target[t]).powi(2);
                sse_pers += (d.target[t - 24] - d.target[t]).powi(2);
                assert!(f.quantiles[k][0] <= f.quantiles[k][2]);
            }
        }
        assert!(
            sse < sse_pers,
            "{} {sse} vs persistence {sse_pers}",
            m.name()
        );
        let mut m2 = Lstm::new(settings);
        m2.fit(&view).unwrap();
        let a = m.predict(&view, 24, &[0.1, 0.5, 0.9]).unwrap();
        let b = m2.predict(&view, 24, &[0.1, 0.5, 0.9]).unwrap();
        assert_eq!(a, b);
        a
    }

    fn candle(precision: Precision) -> LstmSettings {
        LstmSettings {
            engine: LstmEngine::Candle(precision),
            ..tiny()
        }
    }

    #[test]
    fn tiny_lstm_beats_persistence_and_is_deterministic() {
        assert_eq!(tiny().engine, LstmEngine::Candle(Precision::F32));
        assert_beats_persistence_and_is_deterministic(tiny());
        assert_beats_persistence_and_is_deterministic(candle(Precision::F64));
    }

    #[test]
    fn tiny_plain_lstm_beats_persistence_and_is_deterministic() {
        assert_beats_persistence_and_is_deterministic(tiny().plain());
    }

    #[test]
    fn candle_and_plain_engines_fit_the_same_model() {
        // The same windows, weights, batch order and optimiser: the engines differ only by
        // rounding, which 12 epochs of Adam carry through.
        let d = synthetic();
        let view = d.view(24 * 100, 24);
        let fit = |s: LstmSettings| {
            let mut m = Lstm::new(s);
            m.fit(&view).unwrap();
            let f = m.predict(&view, 24, &[0.1, 0.5, 0.9]).unwrap();
            (m.trained.map(|t| t.0), f)
        };
        let (epochs, reference) = fit(tiny().plain());
        // Tolerances in MW on a load of about 1000 MW: f64 differs from the hand-written
        // sums in the last bits only; f32 by single-precision rounding.
        for (precision, tol_mw) in [(Precision::F64, 1e-9), (Precision::F32, 0.05)] {
            let (e, f) = fit(candle(precision));
            assert_eq!(e, epochs, "{precision:?}");
            for (x, y) in f.point.iter().chain(f.quantiles.iter().flatten()).zip(
                reference
                    .point
                    .iter()
                    .chain(reference.quantiles.iter().flatten()),
            ) {
                assert!((x - y).abs() < tol_mw, "{precision:?}: {x} vs {y}");
            }
        }
    }

    /// Environment variable that makes [`fit_does_not_depend_on_the_thread_count`] the child
    /// process that prints its forecast.
    const CHILD: &str = "GRIDSIM_LSTM_THREADS_CHILD";

    #[test]
    fn fit_does_not_depend_on_the_thread_count() {
        // candle reads RAYON_NUM_THREADS at each matmul, so the work runs in child processes
        // (this test binary, this test only) at one and at two threads. The tiny fit's
        // products are below gemm's threading threshold (48·48·256 multiply-adds), so the
        // child also runs the full-size model (32 units) on 256 windows, whose products are
        // above it and are split over the threads.
        let name = "lstm::tests::fit_does_not_depend_on_the_thread_count";
        if std::env::var_os(CHILD).is_some() {
            let d = synthetic();
            let view = d.view(24 * 100, 24);
            let mut m = Lstm::new(tiny());
            m.fit(&view).unwrap();
            let f = m.predict(&view, 24, &[0.1, 0.5, 0.9]).unwrap();
            let mut rng = ChaCha8Rng::seed_from_u64(5);
            let p = Params::init(32, &mut rng);
            let ws = random_windows(256, 192, &mut rng);
            let refs: Vec<&Window> = ws.iter().collect();
            let mut grad = vec![0.0; p.theta.len()];
            let precision = Precision::F32;
            candle::batch_gradient(&p, &refs, &mut grad, precision).unwrap();
            let outputs = candle::outputs(&p, &refs, precision).unwrap();
            // FNV-1a of the bits of every number.
            let hash = f
                .point
                .iter()
                .chain(&grad)
                .chain(outputs.iter().flatten())
                .fold(0xcbf2_9ce4_8422_2325u64, |h, v| {
                    (h ^ v.to_bits()).wrapping_mul(0x0100_0000_01b3)
                });
            println!("result-hash {hash:016x}");
            return;
        }
        let exe = std::env::current_exe().unwrap();
        let run = |threads: &str| -> String {
            let out = std::process::Command::new(&exe)
                .args(["--exact", name, "--nocapture", "--test-threads", "1"])
                .env(CHILD, "1")
                .env("RAYON_NUM_THREADS", threads)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            // The harness prints the test's name on the same line.
            text.lines()
                .find_map(|l| l.split_once("result-hash ").map(|(_, b)| b.to_string()))
                .unwrap_or_else(|| panic!("no result in the child's output: {text}"))
        };
        assert_eq!(run("1"), run("2"));
    }

    #[test]
    fn bad_settings_and_short_history_are_errors() {
        let d = synthetic();
        let mut m = Lstm::new(LstmSettings {
            hidden: 0,
            ..tiny()
        });
        assert!(matches!(
            m.fit(&d.view(24 * 100, 24)),
            Err(ForecastError::Setting(_))
        ));
        let mut m = Lstm::new(tiny());
        assert!(matches!(
            m.fit(&d.view(24 * 20, 24)),
            Err(ForecastError::ShortHistory { .. })
        ));
        assert!(matches!(
            m.predict(&d.view(24 * 100, 24), 24, &[0.5]),
            Err(ForecastError::NotFitted(_))
        ));
    }
}
