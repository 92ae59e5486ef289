//! Wind farm: autocorrelated wind speed with a Weibull marginal, shear to hub height, power curve.
//!
//! **Wind speed.** A latent Gaussian AR(1) process z (stationary N(0, 1)),
//! z ← φ z + √(1 − φ²) ε, φ = exp(−Δt/τ), ε ~ N(0, 1), is mapped through the normal CDF to the
//! Weibull law at the reference height h_ref:
//!
//!   v_ref = λ (−ln(1 − Φ(z)))^(1/k) = λ (−ln Φ(−z))^(1/k),
//!
//! so every step's speed is exactly Weibull(k, λ) and consecutive speeds are correlated through z.
//! **Shear** (power law): v_hub = v_ref (h_hub/h_ref)^α, which is Weibull(k, λ (h_hub/h_ref)^α).
//!
//! **Power curve** of one turbine, rated P_r: 0 below cut-in v_ci and at or above cut-out v_co;
//! P_r from rated speed v_r to v_co; between v_ci and v_r either the table given (speed, fraction
//! of P_r), interpolated linearly, or the cubic P_r (v³ − v_ci³)/(v_r³ − v_ci³). The farm injects
//! n_turbines × P × (1 − losses).

use crate::common::{interp, normal_cdf, AgentError, StepTime, Validator};
use rand::Rng;
use rand_distr::StandardNormal;
use serde::Deserialize;

/// Turbine power curve (module docs).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PowerCurve {
    /// Rated power of one turbine P_r, MW.
    pub rated_mw: f64,
    /// Cut-in speed v_ci, m/s (default 3).
    #[serde(default = "default_cut_in")]
    pub cut_in_m_per_s: f64,
    /// Rated speed v_r, m/s (default 12).
    #[serde(default = "default_rated")]
    pub rated_m_per_s: f64,
    /// Cut-out speed v_co, m/s (default 25).
    #[serde(default = "default_cut_out")]
    pub cut_out_m_per_s: f64,
    /// Optional table of (speed m/s, fraction of P_r) between cut-in and rated speed.
    #[serde(default)]
    pub table: Vec<(f64, f64)>,
}

fn default_cut_in() -> f64 {
    3.0
}
fn default_rated() -> f64 {
    12.0
}
fn default_cut_out() -> f64 {
    25.0
}

impl PowerCurve {
    /// Output of one turbine at hub speed `v_m_per_s`, MW.
    pub fn power_mw(&self, v_m_per_s: f64) -> f64 {
        let (ci, r, co) = (
            self.cut_in_m_per_s,
            self.rated_m_per_s,
            self.cut_out_m_per_s,
        );
        if !(v_m_per_s >= ci) || v_m_per_s >= co {
            0.0
        } else if v_m_per_s >= r {
            self.rated_mw
        } else if self.table.is_empty() {
            self.rated_mw * (v_m_per_s.powi(3) - ci.powi(3)) / (r.powi(3) - ci.powi(3))
        } else {
            let xs: Vec<f64> = self.table.iter().map(|p| p.0).collect();
            let ys: Vec<f64> = self.table.iter().map(|p| p.1).collect();
            self.rated_mw * interp(&xs, &ys, v_m_per_s).clamp(0.0, 1.0)
        }
    }

    fn validate_into(&self, v: &mut Validator) {
        v.non_negative("curve.rated_mw", self.rated_mw);
        v.non_negative("curve.cut_in_m_per_s", self.cut_in_m_per_s);
        v.ordered(
            "curve.cut_in_m_per_s",
            self.cut_in_m_per_s,
            "curve.rated_m_per_s",
            self.rated_m_per_s,
        );
        v.ordered(
            "curve.rated_m_per_s",
            self.rated_m_per_s,
            "curve.cut_out_m_per_s",
            self.cut_out_m_per_s,
        );
        for (i, (s, f)) in self.table.iter().enumerate() {
            v.in_range(&format!("curve.table[{i}].fraction"), *f, 0.0, 1.0);
            v.non_negative(&format!("curve.table[{i}].speed"), *s);
        }
        v.check(
            self.table.windows(2).all(|w| w[0].0 < w[1].0),
            "curve.table",
            "speeds not increasing",
            "strictly increasing speeds",
        );
    }
}

/// Parameters of a wind farm.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindParams {
    /// Weibull shape k at the reference height (default 2).
    #[serde(default = "default_k")]
    pub weibull_shape: f64,
    /// Weibull scale λ at the reference height, m/s.
    pub weibull_scale_m_per_s: f64,
    /// Reference (measurement) height h_ref, m (default 10).
    #[serde(default = "default_ref_height")]
    pub reference_height_m: f64,
    /// Hub height h_hub, m (default 100).
    #[serde(default = "default_hub")]
    pub hub_height_m: f64,
    /// Shear exponent α (default 1/7).
    #[serde(default = "default_alpha")]
    pub shear_exponent: f64,
    /// Correlation time τ of the latent process, s (default 7200).
    #[serde(default = "default_tau")]
    pub tau_s: f64,
    /// Number of turbines (default 1).
    #[serde(default = "default_turbines")]
    pub turbines: u32,
    /// Farm losses (wakes, electrical), fraction (default 0).
    #[serde(default)]
    pub losses_frac: f64,
    /// Turbine power curve.
    pub curve: PowerCurve,
}

fn default_k() -> f64 {
    2.0
}
fn default_ref_height() -> f64 {
    10.0
}
fn default_hub() -> f64 {
    100.0
}
fn default_alpha() -> f64 {
    1.0 / 7.0
}
fn default_tau() -> f64 {
    7200.0
}
fn default_turbines() -> u32 {
    1
}

impl WindParams {
    /// Reports every impossible value, naming the field.
    pub fn validate(&self) -> Result<(), AgentError> {
        let mut v = Validator::new("wind");
        v.positive("weibull_shape", self.weibull_shape);
        v.positive("weibull_scale_m_per_s", self.weibull_scale_m_per_s);
        v.positive("reference_height_m", self.reference_height_m);
        v.positive("hub_height_m", self.hub_height_m);
        v.in_range("shear_exponent", self.shear_exponent, 0.0, 1.0);
        v.positive("tau_s", self.tau_s);
        v.in_range("losses_frac", self.losses_frac, 0.0, 1.0);
        self.curve.validate_into(&mut v);
        v.finish()
    }

    /// Weibull scale at hub height, λ (h_hub/h_ref)^α, m/s.
    pub fn hub_scale_m_per_s(&self) -> f64 {
        self.weibull_scale_m_per_s
            * (self.hub_height_m / self.reference_height_m).powf(self.shear_exponent)
    }
}

/// What a wind farm produced over one step.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct WindOutput {
    /// Active power injected, MW.
    pub p_mw: f64,
    /// Reactive power, MVAr (0).
    pub q_mvar: f64,
    /// Hub-height wind speed, m/s.
    pub hub_speed_m_per_s: f64,
}

/// A wind farm with its wind-speed state.
#[derive(Debug, Clone)]
pub struct WindFarm {
    params: WindParams,
    latent: Option<f64>,
}

impl WindFarm {
    /// A farm from validated parameters.
    pub fn new(params: WindParams) -> Result<Self, AgentError> {
        params.validate()?;
        Ok(Self {
            params,
            latent: None,
        })
    }

    /// Advances the wind by `dt_s` and returns the hub-height speed, m/s.
    pub fn next_hub_speed(&mut self, dt_s: f64, rng: &mut impl Rng) -> f64 {
        let eps: f64 = rng.sample(StandardNormal);
        let z = match self.latent {
            None => eps,
            Some(z) => {
                let phi = (-dt_s.max(0.0) / self.params.tau_s).exp();
                phi * z + (1.0 - phi * phi).sqrt() * eps
            }
        };
        self.latent = Some(z);
        let tail = normal_cdf(-z).max(f64::MIN_POSITIVE);
        self.params.hub_scale_m_per_s()
            * (-tail.ln()).max(0.0).powf(1.0 / self.params.weibull_shape)
    }

    /// One step: new wind speed, then power.
    pub fn step(&mut self, _t: &StepTime, dt_s: f64, rng: &mut impl Rng) -> WindOutput {
        let v = self.next_hub_speed(dt_s, rng);
        let p = &self.params;
        WindOutput {
            p_mw: p.turbines as f64 * p.curve.power_mw(v) * (1.0 - p.losses_frac),
            q_mvar: 0.0,
            hub_speed_m_per_s: v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn params() -> WindParams {
        serde_json::from_str(
            r#"{"weibull_scale_m_per_s": 6.0, "turbines": 10, "curve": {"rated_mw": 2.0}}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn power_curve_by_hand() {
        let c = params().curve;
        assert_eq!(c.power_mw(2.9), 0.0);
        assert_eq!(c.power_mw(25.0), 0.0);
        assert_eq!(c.power_mw(12.0), 2.0);
        // Cubic: 2 (8³ − 3³)/(12³ − 3³) = 2·485/1701.
        assert!((c.power_mw(8.0) - 2.0 * 485.0 / 1701.0).abs() < 1e-12);
        let t = PowerCurve {
            table: vec![(3.0, 0.0), (8.0, 0.3), (12.0, 1.0)],
            ..c
        };
        assert!((t.power_mw(10.0) - 2.0 * 0.65).abs() < 1e-12);
    }

    /// Kolmogorov–Smirnov distance between 20,000 hub speeds and Weibull(2, 6·10^(1/7)).
    /// Steps of 3τ make consecutive draws nearly independent (φ = e^−3 ≈ 0.05), so the 1 %
    /// critical value 1.63/√n = 0.0115 applies; the bound is 0.0115.
    #[test]
    fn marginal_is_weibull_at_hub_height() {
        let p = params();
        let (k, lam) = (p.weibull_shape, p.hub_scale_m_per_s());
        assert!((lam - 6.0 * 10f64.powf(1.0 / 7.0)).abs() < 1e-12);
        let mut f = WindFarm::new(p).unwrap_or_else(|e| panic!("{e}"));
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        let n = 20_000;
        let mut v: Vec<f64> = (0..n)
            .map(|_| f.next_hub_speed(3.0 * 7200.0, &mut rng))
            .collect();
        v.sort_by(f64::total_cmp);
        let mut d = 0.0f64;
        for (i, x) in v.iter().enumerate() {
            let cdf = 1.0 - (-(x / lam).powf(k)).exp();
            d = d
                .max((cdf - i as f64 / n as f64).abs())
                .max(((i + 1) as f64 / n as f64 - cdf).abs());
        }
        assert!(d < 0.0115, "KS distance {d}");
    }

    /// Lag-one correlation of the latent process at Δt = τ/4 is e^−0.25 = 0.7788; the speed
    /// series is strongly autocorrelated (its lag-one correlation is above 0.7).
    #[test]
    fn speeds_are_autocorrelated() {
        let mut f = WindFarm::new(params()).unwrap_or_else(|e| panic!("{e}"));
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let v: Vec<f64> = (0..50_000)
            .map(|_| f.next_hub_speed(1800.0, &mut rng))
            .collect();
        let m = v.iter().sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>();
        let cov = v.windows(2).map(|w| (w[0] - m) * (w[1] - m)).sum::<f64>();
        assert!(cov / var > 0.7, "{}", cov / var);
    }

    #[test]
    fn validate_names_fields() {
        let mut p = params();
        p.curve.cut_out_m_per_s = 10.0;
        p.weibull_shape = 0.0;
        let e = crate::common::err_text(p.validate());
        assert!(
            e.contains("wind.curve.rated_m_per_s/curve.cut_out_m_per_s")
                && e.contains("wind.weibull_shape"),
            "{e}"
        );
    }
}
