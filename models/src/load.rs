//! Loads: per-bus replay of regional profiles scaled to a case, and a synthetic load model.
//!
//! **Profile loads.** A bus b in a region with profile v(t) draws
//! P_b(t) = P_b,case · v(t)/V and Q_b(t) = Q_b,case · v(t)/V (constant power factor), where the
//! divisor V is either the region's total case load Σ P_case over its buses (a region is a
//! profile column; several areas may map to one) (`share_of_region`,
//! RTS-GMLC's rule: a bus takes its share of the regional load) or the peak of v
//! (`peak_equals_case`: the case's load is reached at the profile's peak).
//!
//! **Synthetic load.** With local time (UTC + offset) giving the hour of day h (fractional), the
//! weekday w and the day of year n:
//!
//!   P(t) = P_base · D(h) · W(w) · S(n) · F(T) · (1 + ν_t), clipped at 0, Q = P · Q_base/P_base,
//!
//! - D(h): daily shape, 24 hourly values interpolated linearly (value k at h = k, wrapping);
//! - W(w): weekly factor, Monday … Sunday;
//! - S(n) = 1 + a_s cos(2π (n − n_peak)/365.25): seasonal swing;
//! - F(T) = 1 + k_h max(T_h − T, 0) + k_c max(T − T_c, 0): heating and cooling response to the
//!   temperature T, either supplied each step or synthetic:
//!   T = T̄ + A_y cos(2π (n − n_T)/365.25) + A_d cos(2π (h − h_T)/24);
//! - ν: AR(1) noise, ν ← φ ν + σ √(1 − φ²) ε, φ = exp(−Δt/τ), ε ~ N(0, 1), started from its
//!   stationary law N(0, σ²) (so its variance is σ² at every step and lag-k correlation φᵏ).

use crate::common::{AgentError, StepTime, Validator};
use crate::profile::Profile;
use chrono::{Datelike, Timelike};
use gridsim_networks::Case;
use rand::Rng;
use rand_distr::StandardNormal;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Demand of a load for one step (positive = consumption).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LoadOutput {
    /// Active demand, MW.
    pub p_mw: f64,
    /// Reactive demand, MVAr.
    pub q_mvar: f64,
}

/// How a regional profile is scaled to a bus (module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LoadScaling {
    /// V = Σ case load of the region's buses.
    #[default]
    ShareOfRegion,
    /// V = peak of the profile column.
    PeakEqualsCase,
}

/// A bus load that follows one column of a profile.
#[derive(Debug, Clone)]
pub struct ProfileLoad {
    /// Case bus number.
    pub bus: u32,
    /// Active load of the bus in the case, MW.
    pub base_p_mw: f64,
    /// Reactive load of the bus in the case, MVAr.
    pub base_q_mvar: f64,
    column: usize,
    divisor: f64,
    profile: Arc<Profile>,
    alignment: crate::profile::Alignment,
}

impl ProfileLoad {
    /// One load per bus with non-zero demand whose area is mapped to a profile column by
    /// `column_of_area`; buses of unmapped areas keep no profile load (they are not returned).
    /// Rows are in case order. An unknown column or a region without load is an error.
    pub fn per_bus(
        case: &Case,
        profile: Arc<Profile>,
        column_of_area: &BTreeMap<u32, String>,
        scaling: LoadScaling,
    ) -> Result<Vec<Self>, AgentError> {
        let mut v = Validator::new("load_profile");
        let mut cols = BTreeMap::new();
        for (area, name) in column_of_area {
            match profile.column(name) {
                Some(c) => {
                    cols.insert(*area, c);
                }
                None => v.check(
                    false,
                    &format!("areas[{area}]"),
                    format!("`{name}`"),
                    &format!("one of {:?}", profile.columns),
                ),
            }
        }
        let b = &case.bus;
        // Region = profile column: several areas may share one.
        let mut region_total: BTreeMap<usize, f64> = BTreeMap::new();
        for k in 0..b.len() {
            if let Some(c) = cols.get(&b.area[k]) {
                *region_total.entry(*c).or_insert(0.0) += b.pd_mw[k];
            }
        }
        for (area, c) in &cols {
            let d = match scaling {
                LoadScaling::ShareOfRegion => region_total.get(c).copied().unwrap_or(0.0),
                LoadScaling::PeakEqualsCase => profile.peak(*c),
            };
            v.check(
                d > 0.0,
                &format!("areas[{area}]"),
                d,
                "a region with positive load and profile",
            );
        }
        v.finish()?;
        let mut out = Vec::new();
        for k in 0..b.len() {
            let Some(&column) = cols.get(&b.area[k]) else {
                continue;
            };
            if b.pd_mw[k] == 0.0 && b.qd_mvar[k] == 0.0 {
                continue;
            }
            let divisor = match scaling {
                LoadScaling::ShareOfRegion => region_total.get(&column).copied().unwrap_or(1.0),
                LoadScaling::PeakEqualsCase => profile.peak(column),
            };
            out.push(Self {
                bus: b.id[k],
                base_p_mw: b.pd_mw[k],
                base_q_mvar: b.qd_mvar[k],
                column,
                divisor,
                profile: profile.clone(),
                alignment: crate::profile::Alignment::Elapsed,
            });
        }
        Ok(out)
    }

    /// The same load played with `alignment`: by elapsed time from the simulation start,
    /// repeating (the default), or by calendar (the row containing the step's UTC instant, the
    /// ends held).
    pub fn with_alignment(mut self, alignment: crate::profile::Alignment) -> Self {
        self.alignment = alignment;
        self
    }

    /// Demand for the step starting at `t` (see [`ProfileLoad::with_alignment`]).
    pub fn step(&mut self, t: &StepTime, _dt_s: f64) -> LoadOutput {
        let p = &self.profile;
        let v = match self.alignment {
            crate::profile::Alignment::Elapsed => {
                p.at_position(self.column, t.t_s / p.step_s, true, false)
            }
            crate::profile::Alignment::Calendar => {
                let pos = (t.utc - p.start).num_milliseconds() as f64 / 1000.0 / p.step_s;
                p.at_position(self.column, pos, false, false)
            }
        };
        let f = v / self.divisor;
        LoadOutput {
            p_mw: self.base_p_mw * f,
            q_mvar: self.base_q_mvar * f,
        }
    }
}

/// Parameters of the synthetic load (module docs). Defaults give a summer-peaking system load.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyntheticLoadParams {
    /// P_base, MW.
    pub base_p_mw: f64,
    /// Q_base, MVAr (default 0).
    #[serde(default)]
    pub base_q_mvar: f64,
    /// D: 24 hourly factors (default: night trough 0.72, evening peak 1.21, mean 1).
    #[serde(default = "default_daily")]
    pub daily_shape: Vec<f64>,
    /// W: 7 factors Monday…Sunday (default weekdays 1.0, Saturday 0.92, Sunday 0.88).
    #[serde(default = "default_weekly")]
    pub weekly_shape: Vec<f64>,
    /// a_s: seasonal amplitude (default 0.05).
    #[serde(default = "default_season_amp")]
    pub seasonal_amplitude: f64,
    /// n_peak: day of year of the seasonal peak (default 200).
    #[serde(default = "default_peak_doy")]
    pub seasonal_peak_day: f64,
    /// T̄: mean temperature, °C (default 15).
    #[serde(default = "default_t_mean")]
    pub temp_mean_c: f64,
    /// A_y: yearly temperature amplitude, °C (default 10).
    #[serde(default = "default_t_year")]
    pub temp_yearly_amplitude_c: f64,
    /// n_T: warmest day of year (default 200).
    #[serde(default = "default_peak_doy")]
    pub temp_peak_day: f64,
    /// A_d: daily temperature amplitude, °C (default 5).
    #[serde(default = "default_t_day")]
    pub temp_daily_amplitude_c: f64,
    /// h_T: warmest hour (default 15).
    #[serde(default = "default_t_hour")]
    pub temp_peak_hour: f64,
    /// T_h: heating threshold, °C (default 15).
    #[serde(default = "default_heat_base")]
    pub heating_base_c: f64,
    /// T_c: cooling threshold, °C (default 22).
    #[serde(default = "default_cool_base")]
    pub cooling_base_c: f64,
    /// k_h: demand increase per °C below T_h, 1/°C (default 0.01).
    #[serde(default = "default_k_heat")]
    pub heating_per_c: f64,
    /// k_c: demand increase per °C above T_c, 1/°C (default 0.02).
    #[serde(default = "default_k_cool")]
    pub cooling_per_c: f64,
    /// σ: noise standard deviation, fraction of the load (default 0.02).
    #[serde(default = "default_noise_sigma")]
    pub noise_sigma_frac: f64,
    /// τ: noise correlation time, s (default 3600).
    #[serde(default = "default_noise_tau")]
    pub noise_tau_s: f64,
    /// Local time = UTC + this, hours (default 0).
    #[serde(default)]
    pub utc_offset_h: f64,
}

fn default_daily() -> Vec<f64> {
    vec![
        0.78, 0.74, 0.72, 0.72, 0.74, 0.80, 0.90, 1.00, 1.05, 1.07, 1.08, 1.08, 1.07, 1.06, 1.05,
        1.05, 1.08, 1.15, 1.21, 1.20, 1.15, 1.06, 0.95, 0.85,
    ]
}
fn default_weekly() -> Vec<f64> {
    vec![1.0, 1.0, 1.0, 1.0, 1.0, 0.92, 0.88]
}
fn default_season_amp() -> f64 {
    0.05
}
fn default_peak_doy() -> f64 {
    200.0
}
fn default_t_mean() -> f64 {
    15.0
}
fn default_t_year() -> f64 {
    10.0
}
fn default_t_day() -> f64 {
    5.0
}
fn default_t_hour() -> f64 {
    15.0
}
fn default_heat_base() -> f64 {
    15.0
}
fn default_cool_base() -> f64 {
    22.0
}
fn default_k_heat() -> f64 {
    0.01
}
fn default_k_cool() -> f64 {
    0.02
}
fn default_noise_sigma() -> f64 {
    0.02
}
fn default_noise_tau() -> f64 {
    3600.0
}

impl SyntheticLoadParams {
    /// Reports every impossible value, naming the field.
    pub fn validate(&self) -> Result<(), AgentError> {
        let mut v = Validator::new("synthetic_load");
        v.non_negative("base_p_mw", self.base_p_mw);
        v.finite("base_q_mvar", self.base_q_mvar);
        v.check(
            self.daily_shape.len() == 24,
            "daily_shape",
            format!("{} values", self.daily_shape.len()),
            "24 values",
        );
        v.check(
            self.weekly_shape.len() == 7,
            "weekly_shape",
            format!("{} values", self.weekly_shape.len()),
            "7 values",
        );
        for (i, x) in self.daily_shape.iter().enumerate() {
            v.non_negative(&format!("daily_shape[{i}]"), *x);
        }
        for (i, x) in self.weekly_shape.iter().enumerate() {
            v.non_negative(&format!("weekly_shape[{i}]"), *x);
        }
        v.in_range("seasonal_amplitude", self.seasonal_amplitude, 0.0, 1.0);
        v.finite("seasonal_peak_day", self.seasonal_peak_day);
        v.in_range("temp_mean_c", self.temp_mean_c, -60.0, 50.0);
        v.non_negative("temp_yearly_amplitude_c", self.temp_yearly_amplitude_c);
        v.non_negative("temp_daily_amplitude_c", self.temp_daily_amplitude_c);
        v.finite("temp_peak_day", self.temp_peak_day);
        v.finite("temp_peak_hour", self.temp_peak_hour);
        v.ordered(
            "heating_base_c",
            self.heating_base_c,
            "cooling_base_c",
            self.cooling_base_c,
        );
        v.non_negative("heating_per_c", self.heating_per_c);
        v.non_negative("cooling_per_c", self.cooling_per_c);
        v.non_negative("noise_sigma_frac", self.noise_sigma_frac);
        v.positive("noise_tau_s", self.noise_tau_s);
        v.in_range("utc_offset_h", self.utc_offset_h, -14.0, 14.0);
        v.finish()
    }
}

/// The synthetic load: parameters plus its noise state.
#[derive(Debug, Clone)]
pub struct SyntheticLoad {
    params: SyntheticLoadParams,
    noise: Option<f64>,
}

impl SyntheticLoad {
    /// A load from validated parameters.
    pub fn new(params: SyntheticLoadParams) -> Result<Self, AgentError> {
        params.validate()?;
        Ok(Self {
            params,
            noise: None,
        })
    }

    /// Deterministic part P_base · D · W · S · F(T) at the step start, MW, with temperature `temp_c`
    /// (or the synthetic temperature when `None`).
    pub fn expected_p_mw(&self, t: &StepTime, temp_c: Option<f64>) -> f64 {
        let p = &self.params;
        let local = t.utc + chrono::Duration::milliseconds((p.utc_offset_h * 3.6e6).round() as i64);
        let h = local.hour() as f64 + local.minute() as f64 / 60.0 + local.second() as f64 / 3600.0;
        let n = local.ordinal() as f64;
        let k = (h.floor() as usize) % 24;
        let (d0, d1) = (
            p.daily_shape.get(k).copied().unwrap_or(1.0),
            p.daily_shape.get((k + 1) % 24).copied().unwrap_or(1.0),
        );
        let daily = d0 + (d1 - d0) * (h - h.floor());
        let weekly = p
            .weekly_shape
            .get(local.weekday().num_days_from_monday() as usize)
            .copied()
            .unwrap_or(1.0);
        let tau = 2.0 * std::f64::consts::PI;
        let seasonal =
            1.0 + p.seasonal_amplitude * (tau * (n - p.seasonal_peak_day) / 365.25).cos();
        let temp = temp_c.unwrap_or_else(|| {
            p.temp_mean_c
                + p.temp_yearly_amplitude_c * (tau * (n - p.temp_peak_day) / 365.25).cos()
                + p.temp_daily_amplitude_c * (tau * (h - p.temp_peak_hour) / 24.0).cos()
        });
        let response = 1.0
            + p.heating_per_c * (p.heating_base_c - temp).max(0.0)
            + p.cooling_per_c * (temp - p.cooling_base_c).max(0.0);
        p.base_p_mw * daily * weekly * seasonal * response
    }

    fn next_noise(&mut self, dt_s: f64, rng: &mut impl Rng) -> f64 {
        let s = self.params.noise_sigma_frac;
        let eps: f64 = rng.sample(StandardNormal);
        let n = match self.noise {
            None => s * eps,
            Some(n) => {
                let phi = (-dt_s.max(0.0) / self.params.noise_tau_s).exp();
                phi * n + s * (1.0 - phi * phi).sqrt() * eps
            }
        };
        self.noise = Some(n);
        n
    }

    /// Demand for the step with the synthetic temperature.
    pub fn step(&mut self, t: &StepTime, dt_s: f64, rng: &mut impl Rng) -> LoadOutput {
        self.step_with_temperature(t, dt_s, None, rng)
    }

    /// Demand for the step with a given temperature, °C (`None`: synthetic).
    pub fn step_with_temperature(
        &mut self,
        t: &StepTime,
        dt_s: f64,
        temp_c: Option<f64>,
        rng: &mut impl Rng,
    ) -> LoadOutput {
        let nu = self.next_noise(dt_s, rng);
        let p_mw = (self.expected_p_mw(t, temp_c) * (1.0 + nu)).max(0.0);
        let pf = if self.params.base_p_mw > 0.0 {
            self.params.base_q_mvar / self.params.base_p_mw
        } else {
            0.0
        };
        LoadOutput {
            p_mw,
            q_mvar: p_mw * pf,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn params() -> SyntheticLoadParams {
        serde_json::from_str(r#"{"base_p_mw": 100.0, "base_q_mvar": 20.0}"#)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn synthetic_expected_value_by_hand() {
        let l = SyntheticLoad::new(params()).unwrap_or_else(|e| panic!("{e}"));
        // Saturday 2021-07-17 18:30 UTC (offset 0): day of year 198, h = 18.5.
        // D = (1.21 + 1.20)/2 = 1.205; W = 0.92; S = 1 + 0.05 cos(2π(−2)/365.25);
        // T = 15 + 10 cos(2π(−2)/365.25) + 5 cos(2π·3.5/24); F = 1 + 0.02 (T − 22).
        let t = StepTime::new(
            Utc.with_ymd_and_hms(2021, 7, 17, 18, 30, 0)
                .single()
                .unwrap_or_default(),
            0.0,
        );
        let tau = 2.0 * std::f64::consts::PI;
        let s = 1.0 + 0.05 * (tau * -2.0 / 365.25).cos();
        let temp = 15.0 + 10.0 * (tau * -2.0 / 365.25).cos() + 5.0 * (tau * 3.5 / 24.0).cos();
        let f = 1.0 + 0.02 * (temp - 22.0);
        let want = 100.0 * 1.205 * 0.92 * s * f;
        assert!((l.expected_p_mw(&t, None) - want).abs() < 1e-9);
        // With a supplied 10 °C: heating 1 + 0.01·5.
        assert!((l.expected_p_mw(&t, Some(10.0)) - 100.0 * 1.205 * 0.92 * s * 1.05).abs() < 1e-9);
    }

    /// AR(1) noise over 100,000 steps of 15 min (τ = 1 h, φ = e^−0.25 = 0.7788): sample s.d.
    /// within 5 % of σ = 0.02 and lag-1 correlation within 0.02 of φ (standard errors ≈ 0.4 %
    /// and 0.002 with an effective sample of ≈ 12,000).
    #[test]
    fn noise_has_its_stationary_variance_and_correlation() {
        let mut l = SyntheticLoad::new(params()).unwrap_or_else(|e| panic!("{e}"));
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let xs: Vec<f64> = (0..100_000)
            .map(|_| l.next_noise(900.0, &mut rng))
            .collect();
        let n = xs.len() as f64;
        let m = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n;
        let cov = xs.windows(2).map(|w| (w[0] - m) * (w[1] - m)).sum::<f64>() / (n - 1.0);
        assert!((var.sqrt() / 0.02 - 1.0).abs() < 0.05, "sd {}", var.sqrt());
        assert!(
            (cov / var - (-0.25f64).exp()).abs() < 0.02,
            "rho {}",
            cov / var
        );
    }

    #[test]
    fn validate_names_fields() {
        let mut p = params();
        p.base_p_mw = -5.0;
        p.daily_shape.pop();
        p.heating_base_c = 30.0;
        let e = crate::common::err_text(p.validate());
        for f in [
            "synthetic_load.base_p_mw",
            "synthetic_load.daily_shape",
            "synthetic_load.heating_base_c/cooling_base_c",
        ] {
            assert!(e.contains(f), "{f} in {e}");
        }
    }
}
