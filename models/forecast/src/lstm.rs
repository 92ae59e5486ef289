//! A day-ahead load LSTM written in plain Rust: one week of hourly history in, 24 hours out, trained by backpropagation through time with Adam.
//!
//! **Sequence.** For an issue index `t0` the network reads the `history_h` hours
//! `t0 − history_h … t0 − 1` and then runs on through the `24` target hours. Step `t` has
//! the inputs (load normalised by the training mean and standard deviation, temperature
//! likewise): `m_t y_t` and the flag `m_t` (1 before the issue, 0 after: the load of a
//! target hour is unknown), `y_{t−24}` and `y_{t−168}` (both known for every step, since
//! `t − 24 < t0` for the 24 target hours), the temperature `T_t` (actual temperature for
//! the target hours, as in the other load models), `sin`/`cos` of the hour of day and of
//! the day of week, and the holiday flag. The forecast of a target hour is a linear read-out
//! `ŷ_t = w·h_t + b` of the hidden state there, mapped back to MW.
//!
//! **Cell.** One LSTM layer of `hidden` units, gates `i, f, g, o`:
//! `a = W [x_t; h_{t−1}] + b`, `c_t = σ(a_f) c_{t−1} + σ(a_i) tanh(a_g)`,
//! `h_t = σ(a_o) tanh(c_t)`. Weights start uniform in `±1/√hidden` (forget bias 1) from a
//! ChaCha8 stream seeded by `seed`; mini-batches are shuffled from the same stream, and
//! everything runs on one thread, so a fit is bit-for-bit reproducible.
//!
//! **Training.** Mean squared error of the 24 outputs, Adam, gradients clipped to norm
//! `clip`. One window per day (issues at the same hour of day as the fit's issue). The last
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

/// Hours forecast per window (the read-out steps).
const OUT_H: usize = 24;
/// Inputs per step.
const N_IN: usize = 10;

/// Settings of the LSTM.
#[derive(Debug, Clone, PartialEq)]
pub struct LstmSettings {
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

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// What the backward pass needs of one step.
struct Step {
    xh: Vec<f64>,
    c_prev: Vec<f64>,
    /// Activated gates i, f, g, o (4H).
    gates: Vec<f64>,
    tanh_c: Vec<f64>,
    h: Vec<f64>,
}

/// Runs the cell over `xs` (steps of `N_IN` inputs); returns the read-outs of the last
/// `OUT_H` steps and, if `keep`, the per-step state for backpropagation.
fn forward(p: &Params, xs: &[[f64; N_IN]], keep: bool) -> (Vec<f64>, Vec<Step>) {
    let hd = p.hidden;
    let cols = p.cols();
    let n_w = p.n_w();
    let (w, rest) = p.theta.split_at(n_w);
    let (b, rest) = rest.split_at(4 * hd);
    let (v, c_out) = rest.split_at(hd);
    let mut h = vec![0.0; hd];
    let mut c = vec![0.0; hd];
    let mut out = Vec::with_capacity(OUT_H);
    let mut steps = Vec::with_capacity(if keep { xs.len() } else { 0 });
    let first_out = xs.len().saturating_sub(OUT_H);
    let mut xh = vec![0.0; cols];
    let mut gates = vec![0.0; 4 * hd];
    for (t, x) in xs.iter().enumerate() {
        xh[..N_IN].copy_from_slice(x);
        xh[N_IN..].copy_from_slice(&h);
        for (r, g) in gates.iter_mut().enumerate() {
            let row = &w[r * cols..(r + 1) * cols];
            let a = b[r] + row.iter().zip(&xh).map(|(a, b)| a * b).sum::<f64>();
            *g = if r / hd == 2 { a.tanh() } else { sigmoid(a) };
        }
        let c_prev = if keep { c.clone() } else { Vec::new() };
        let mut tanh_c = vec![0.0; hd];
        for k in 0..hd {
            c[k] = gates[hd + k] * c[k] + gates[k] * gates[2 * hd + k];
            tanh_c[k] = c[k].tanh();
            h[k] = gates[3 * hd + k] * tanh_c[k];
        }
        if t >= first_out {
            out.push(c_out[0] + v.iter().zip(&h).map(|(a, b)| a * b).sum::<f64>());
        }
        if keep {
            steps.push(Step {
                xh: xh.clone(),
                c_prev,
                gates: gates.clone(),
                tanh_c,
                h: h.clone(),
            });
        }
    }
    (out, steps)
}

/// Adds to `grad` the gradient of `Σ_k dy_k ŷ_k` (the read-outs of the last `OUT_H` steps).
fn backward(p: &Params, steps: &[Step], dy: &[f64], grad: &mut [f64]) {
    let hd = p.hidden;
    let cols = p.cols();
    let n_w = p.n_w();
    let w = &p.theta[..n_w];
    let v = &p.theta[n_w + 4 * hd..n_w + 5 * hd];
    let first_out = steps.len().saturating_sub(OUT_H);
    let mut dh_next = vec![0.0; hd];
    let mut dc_next = vec![0.0; hd];
    let mut da = vec![0.0; 4 * hd];
    for (t, s) in steps.iter().enumerate().rev() {
        let mut dh = dh_next.clone();
        if t >= first_out {
            let d = dy[t - first_out];
            for k in 0..hd {
                dh[k] += d * v[k];
                grad[n_w + 4 * hd + k] += d * s.h[k];
            }
            grad[n_w + 5 * hd] += d;
        }
        for k in 0..hd {
            let (i, f, g, o) = (
                s.gates[k],
                s.gates[hd + k],
                s.gates[2 * hd + k],
                s.gates[3 * hd + k],
            );
            let tc = s.tanh_c[k];
            let dc = dc_next[k] + dh[k] * o * (1.0 - tc * tc);
            da[k] = dc * g * i * (1.0 - i);
            da[hd + k] = dc * s.c_prev[k] * f * (1.0 - f);
            da[2 * hd + k] = dc * i * (1.0 - g * g);
            da[3 * hd + k] = dh[k] * tc * o * (1.0 - o);
            dc_next[k] = dc * f;
        }
        dh_next.iter_mut().for_each(|x| *x = 0.0);
        for (r, &d) in da.iter().enumerate() {
            if d == 0.0 {
                continue;
            }
            let row = &w[r * cols..(r + 1) * cols];
            let grow = &mut grad[r * cols..(r + 1) * cols];
            for (gk, x) in grow.iter_mut().zip(&s.xh) {
                *gk += d * x;
            }
            for (dn, wk) in dh_next.iter_mut().zip(&row[N_IN..]) {
                *dn += d * wk;
            }
            grad[n_w + r] += d;
        }
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

    fn mse(p: &Params, ws: &[Window]) -> f64 {
        let mut s = 0.0;
        for w in ws {
            let (o, _) = forward(p, &w.xs, false);
            s += o
                .iter()
                .zip(&w.y)
                .map(|(a, b)| (a - b).powi(2))
                .sum::<f64>();
        }
        s / (ws.len() * OUT_H).max(1) as f64
    }

    /// Adam with early stopping; returns the best parameters, epochs run and best loss.
    fn train(&self, train: &[Window], valid: &[Window]) -> (Params, usize, f64) {
        let s = &self.settings;
        let mut rng = ChaCha8Rng::seed_from_u64(s.seed);
        let mut p = Params::init(s.hidden, &mut rng);
        let n = p.theta.len();
        let (mut m1, mut m2) = (vec![0.0; n], vec![0.0; n]);
        let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8);
        let mut step = 0i32;
        let mut best = (p.clone(), Self::mse(&p, valid));
        let (mut since, mut epochs) = (0, 0);
        let mut order: Vec<usize> = (0..train.len()).collect();
        let mut grad = vec![0.0; n];
        for _ in 0..s.epochs {
            epochs += 1;
            order.shuffle(&mut rng);
            for batch in order.chunks(s.batch) {
                grad.iter_mut().for_each(|g| *g = 0.0);
                let scale = 2.0 / (batch.len() * OUT_H) as f64;
                for &k in batch {
                    let w = &train[k];
                    let (o, steps) = forward(&p, &w.xs, true);
                    let dy: Vec<f64> = o.iter().zip(&w.y).map(|(a, b)| scale * (a - b)).collect();
                    backward(&p, &steps, &dy, &mut grad);
                }
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
            let loss = Self::mse(&p, valid);
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
        (best.0, epochs, best.1)
    }
}

impl Forecaster for Lstm {
    fn name(&self) -> String {
        "lstm".into()
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
        let (p, epochs, loss) = self.train(&train, &valid);
        let mut by_h: Vec<Vec<f64>> = (0..OUT_H)
            .map(|_| Vec::with_capacity(valid.len()))
            .collect();
        for w in &valid {
            let (o, _) = forward(&p, &w.xs, false);
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
        let (o, _) = forward(p, &xs, false);
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
    use crate::calendar::{Clock, Timeline};
    use crate::model::Dataset;
    use chrono::{TimeZone, Utc};

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
        Dataset {
            name: "synthetic".into(),
            timeline: Timeline {
                start_utc: Utc.with_ymd_and_hms(2013, 1, 7, 0, 0, 0).unwrap(),
                len: n,
                clock: Clock::Utc,
            },
            target,
            exog_names: vec!["temperature_f".into()],
            exog: vec![temp],
        }
    }

    fn tiny() -> LstmSettings {
        LstmSettings {
            epochs: 12,
            patience: 4,
            validation_h: 24 * 14,
            ..LstmSettings::tiny()
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let p = Params::init(3, &mut rng);
        let xs: Vec<[f64; N_IN]> = (0..30)
            .map(|_| std::array::from_fn(|_| rng.random_range(-1.0..1.0)))
            .collect();
        let dy: Vec<f64> = (0..OUT_H).map(|k| (k as f64 * 0.3).sin()).collect();
        let f = |p: &Params| -> f64 {
            forward(p, &xs, false)
                .0
                .iter()
                .zip(&dy)
                .map(|(a, b)| a * b)
                .sum()
        };
        let (_, steps) = forward(&p, &xs, true);
        let mut g = vec![0.0; p.theta.len()];
        backward(&p, &steps, &dy, &mut g);
        for k in (0..p.theta.len()).step_by(7) {
            let (mut a, mut b) = (p.clone(), p.clone());
            a.theta[k] += 1e-6;
            b.theta[k] -= 1e-6;
            let num = (f(&a) - f(&b)) / 2e-6;
            assert!(
                (num - g[k]).abs() < 1e-6 * (1.0 + num.abs()),
                "{k}: {num} vs {}",
                g[k]
            );
        }
    }

    #[test]
    fn tiny_lstm_beats_persistence_and_is_deterministic() {
        let d = synthetic();
        let issue = 24 * 100;
        let view = d.view(issue, 24);
        let mut m = Lstm::new(tiny());
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
        assert!(sse < sse_pers, "lstm {sse} vs persistence {sse_pers}");
        let mut m2 = Lstm::new(tiny());
        m2.fit(&view).unwrap();
        let a = m.predict(&view, 24, &[0.1, 0.5, 0.9]).unwrap();
        let b = m2.predict(&view, 24, &[0.1, 0.5, 0.9]).unwrap();
        assert_eq!(a, b);
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
