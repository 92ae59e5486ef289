//! Battery storage with power/energy limits, efficiencies, SOC bounds, and rule controllers.
//!
//! Sign convention: `p_mw > 0` discharges (injects into the bus), `p_mw < 0` charges.
//! Over a step of Δt = dt_s/3600 h with constant power, the stored energy E (MWh) moves by
//!
//!   E' = E + η_c P_c Δt − P_d Δt / η_d,   P_c = max(−p, 0), P_d = max(p, 0),
//!
//! and a request is limited so that E' stays in [soc_min·E_cap, soc_max·E_cap]:
//!   P_d ≤ min(P_d,max, (E − E_min) η_d / Δt),   P_c ≤ min(P_c,max, (E_max − E) / (η_c Δt)).
//! Losses of the step are P_c Δt (1 − η_c) + P_d Δt (1/η_d − 1) ≥ 0, so that
//! grid energy in − grid energy out = ΔE + losses.
//!
//! Controllers turn observations into a power request:
//! - **price threshold**: charge at full power when the price ≤ `charge_below_usd_per_mwh`,
//!   discharge at full power when ≥ `discharge_above_usd_per_mwh`, else idle;
//! - **peak shaving** against a feeder limit L_max with net feeder import L (MW, before the
//!   battery): discharge L − L_max when L > L_max; charge min(P_c,max, L_charge − L) when
//!   L < L_charge (`charge_below_mw` ≤ L_max), so recharging never creates a new peak above
//!   L_charge; else idle. The feeder then imports L − p.

use crate::common::{AgentError, Validator};
use serde::Deserialize;

/// Parameters of a battery, in physical units.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatteryParams {
    /// Largest charging power, MW (≥ 0).
    pub p_charge_max_mw: f64,
    /// Largest discharging power, MW (≥ 0).
    pub p_discharge_max_mw: f64,
    /// Usable energy capacity E_cap, MWh (> 0).
    pub energy_capacity_mwh: f64,
    /// Charging efficiency η_c in (0, 1].
    pub eta_charge: f64,
    /// Discharging efficiency η_d in (0, 1].
    pub eta_discharge: f64,
    /// Lowest state of charge, fraction of E_cap (default 0.1).
    #[serde(default = "default_soc_min")]
    pub soc_min_frac: f64,
    /// Highest state of charge, fraction of E_cap (default 0.9).
    #[serde(default = "default_soc_max")]
    pub soc_max_frac: f64,
    /// Initial state of charge, fraction of E_cap (default 0.5).
    #[serde(default = "default_soc_init")]
    pub soc_init_frac: f64,
}

fn default_soc_min() -> f64 {
    0.1
}
fn default_soc_max() -> f64 {
    0.9
}
fn default_soc_init() -> f64 {
    0.5
}

impl BatteryParams {
    /// Reports every physically impossible value, naming the field.
    pub fn validate(&self) -> Result<(), AgentError> {
        let mut v = Validator::new("battery");
        v.non_negative("p_charge_max_mw", self.p_charge_max_mw);
        v.non_negative("p_discharge_max_mw", self.p_discharge_max_mw);
        v.positive("energy_capacity_mwh", self.energy_capacity_mwh);
        v.efficiency("eta_charge", self.eta_charge);
        v.efficiency("eta_discharge", self.eta_discharge);
        v.in_range("soc_min_frac", self.soc_min_frac, 0.0, 1.0);
        v.in_range("soc_max_frac", self.soc_max_frac, 0.0, 1.0);
        v.ordered(
            "soc_min_frac",
            self.soc_min_frac,
            "soc_max_frac",
            self.soc_max_frac,
        );
        v.check(
            self.soc_init_frac >= self.soc_min_frac && self.soc_init_frac <= self.soc_max_frac,
            "soc_init_frac",
            self.soc_init_frac,
            "a value between soc_min_frac and soc_max_frac",
        );
        v.finish()
    }
}

/// What the battery did over one step.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BatteryOutput {
    /// Power delivered at the bus, MW (discharge positive).
    pub p_mw: f64,
    /// Reactive power, MVAr (0: the converter runs at unity power factor).
    pub q_mvar: f64,
    /// State of charge after the step, fraction of capacity.
    pub soc_frac: f64,
    /// Stored energy after the step, MWh.
    pub energy_mwh: f64,
    /// Energy taken from the grid in the step, MWh.
    pub charged_mwh: f64,
    /// Energy delivered to the grid in the step, MWh.
    pub discharged_mwh: f64,
    /// Conversion losses in the step, MWh.
    pub losses_mwh: f64,
    /// The request was reduced by a power or energy limit.
    pub limited: bool,
}

/// A battery: parameters plus stored energy.
#[derive(Debug, Clone)]
pub struct Battery {
    params: BatteryParams,
    energy_mwh: f64,
}

impl Battery {
    /// A battery at its initial state of charge.
    pub fn new(params: BatteryParams) -> Result<Self, AgentError> {
        params.validate()?;
        let energy_mwh = params.soc_init_frac * params.energy_capacity_mwh;
        Ok(Self { params, energy_mwh })
    }

    /// Parameters.
    pub fn params(&self) -> &BatteryParams {
        &self.params
    }

    /// Stored energy, MWh.
    pub fn energy_mwh(&self) -> f64 {
        self.energy_mwh
    }

    /// State of charge, fraction of capacity.
    pub fn soc_frac(&self) -> f64 {
        self.energy_mwh / self.params.energy_capacity_mwh
    }

    /// Range of feasible power for a step of `dt_s`: (most negative = charge, most positive = discharge), MW.
    pub fn feasible_range_mw(&self, dt_s: f64) -> (f64, f64) {
        let p = &self.params;
        let dt_h = dt_s / 3600.0;
        if dt_h <= 0.0 {
            return (0.0, 0.0);
        }
        let e_min = p.soc_min_frac * p.energy_capacity_mwh;
        let e_max = p.soc_max_frac * p.energy_capacity_mwh;
        let d = p
            .p_discharge_max_mw
            .min(((self.energy_mwh - e_min) * p.eta_discharge / dt_h).max(0.0));
        let c = p
            .p_charge_max_mw
            .min(((e_max - self.energy_mwh) / (p.eta_charge * dt_h)).max(0.0));
        (-c, d)
    }

    /// Applies a power request (discharge positive) for `dt_s` seconds, limited to what is feasible.
    pub fn step(&mut self, request_p_mw: f64, dt_s: f64) -> BatteryOutput {
        let p = &self.params;
        let (lo, hi) = self.feasible_range_mw(dt_s);
        let req = if request_p_mw.is_finite() {
            request_p_mw
        } else {
            0.0
        };
        let p_mw = req.clamp(lo, hi);
        let dt_h = dt_s.max(0.0) / 3600.0;
        let (charged, discharged) = (((-p_mw).max(0.0)) * dt_h, p_mw.max(0.0) * dt_h);
        let stored_in = p.eta_charge * charged;
        let stored_out = discharged / p.eta_discharge;
        let e_min = p.soc_min_frac * p.energy_capacity_mwh;
        let e_max = p.soc_max_frac * p.energy_capacity_mwh;
        // The clamp guards against rounding at the bounds only; the limits above keep E' inside.
        self.energy_mwh = (self.energy_mwh + stored_in - stored_out)
            .clamp(e_min.min(self.energy_mwh), e_max.max(self.energy_mwh));
        BatteryOutput {
            p_mw,
            q_mvar: 0.0,
            soc_frac: self.soc_frac(),
            energy_mwh: self.energy_mwh,
            charged_mwh: charged,
            discharged_mwh: discharged,
            losses_mwh: (charged - stored_in) + (stored_out - discharged),
            limited: (p_mw - req).abs() > 1e-12,
        }
    }
}

/// What a battery controller observes at a step.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BatteryObservation {
    /// Energy price at the battery's bus, $/MWh.
    pub price_usd_per_mwh: f64,
    /// Net import of the feeder the battery sits on, before the battery, MW.
    pub feeder_load_mw: f64,
}

/// Rule controllers for a battery (equations in the module docs).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum BatteryRule {
    /// Charge when cheap, discharge when dear.
    PriceThreshold {
        /// Charge at full power at or below this price, $/MWh.
        charge_below_usd_per_mwh: f64,
        /// Discharge at full power at or above this price, $/MWh.
        discharge_above_usd_per_mwh: f64,
    },
    /// Keep the feeder import at or below a limit.
    PeakShaving {
        /// Feeder import limit L_max, MW.
        feeder_limit_mw: f64,
        /// Recharge only while the feeder import is below this, MW (≤ L_max).
        charge_below_mw: f64,
    },
}

impl BatteryRule {
    /// Reports inconsistent thresholds.
    pub fn validate(&self) -> Result<(), AgentError> {
        let mut v = Validator::new("battery_rule");
        match self {
            Self::PriceThreshold {
                charge_below_usd_per_mwh: c,
                discharge_above_usd_per_mwh: d,
            } => {
                v.finite("charge_below_usd_per_mwh", *c);
                v.finite("discharge_above_usd_per_mwh", *d);
                v.ordered(
                    "charge_below_usd_per_mwh",
                    *c,
                    "discharge_above_usd_per_mwh",
                    *d,
                );
            }
            Self::PeakShaving {
                feeder_limit_mw: l,
                charge_below_mw: c,
            } => {
                v.finite("feeder_limit_mw", *l);
                v.finite("charge_below_mw", *c);
                v.ordered("charge_below_mw", *c, "feeder_limit_mw", *l);
            }
        }
        v.finish()
    }

    /// Power request (discharge positive), MW, before the battery's own limits.
    pub fn request_mw(&self, obs: &BatteryObservation, battery: &Battery) -> f64 {
        let p = battery.params();
        match *self {
            Self::PriceThreshold {
                charge_below_usd_per_mwh,
                discharge_above_usd_per_mwh,
            } => {
                if obs.price_usd_per_mwh <= charge_below_usd_per_mwh {
                    -p.p_charge_max_mw
                } else if obs.price_usd_per_mwh >= discharge_above_usd_per_mwh {
                    p.p_discharge_max_mw
                } else {
                    0.0
                }
            }
            Self::PeakShaving {
                feeder_limit_mw,
                charge_below_mw,
            } => {
                let l = obs.feeder_load_mw;
                if l > feeder_limit_mw {
                    l - feeder_limit_mw
                } else if l < charge_below_mw {
                    -(charge_below_mw - l).min(p.p_charge_max_mw)
                } else {
                    0.0
                }
            }
        }
    }

    /// Requests, then steps the battery.
    pub fn control(
        &self,
        obs: &BatteryObservation,
        battery: &mut Battery,
        dt_s: f64,
    ) -> BatteryOutput {
        let r = self.request_mw(obs, battery);
        battery.step(r, dt_s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> BatteryParams {
        BatteryParams {
            p_charge_max_mw: 1.0,
            p_discharge_max_mw: 1.0,
            energy_capacity_mwh: 4.0,
            eta_charge: 0.95,
            eta_discharge: 0.9,
            soc_min_frac: 0.1,
            soc_max_frac: 0.9,
            soc_init_frac: 0.5,
        }
    }

    #[test]
    fn one_hour_charge_and_discharge_hand_values() {
        let mut b = Battery::new(params()).unwrap_or_else(|e| panic!("{e}"));
        // Charge 1 MW for 1 h: E = 2 + 0.95 = 2.95 MWh, losses 0.05 MWh.
        let o = b.step(-1.0, 3600.0);
        assert!((o.energy_mwh - 2.95).abs() < 1e-12 && (o.losses_mwh - 0.05).abs() < 1e-12);
        // Discharge 1 MW for 1 h: E = 2.95 − 1/0.9 = 1.838888… MWh.
        let o = b.step(1.0, 3600.0);
        assert!((o.energy_mwh - (2.95 - 1.0 / 0.9)).abs() < 1e-12);
        // Discharge 1 MW for 2 h needs 2.22 MWh but only 1.4389 MWh is above E_min = 0.4:
        // the power is limited to (1.838889 − 0.4)·0.9/2 = 0.6475 MW and E ends at E_min.
        let o = b.step(1.0, 7200.0);
        assert!(o.limited);
        assert!((o.p_mw - (2.95 - 1.0 / 0.9 - 0.4) * 0.9 / 2.0).abs() < 1e-12);
        assert!((o.energy_mwh - 0.4).abs() < 1e-12);
    }

    #[test]
    fn peak_shaving_holds_the_limit_while_energy_lasts() {
        let mut b = Battery::new(params()).unwrap_or_else(|e| panic!("{e}"));
        let rule = BatteryRule::PeakShaving {
            feeder_limit_mw: 5.0,
            charge_below_mw: 4.0,
        };
        // 5.6 MW load → discharge 0.6 MW → feeder at 5.0 MW.
        let o = rule.control(
            &BatteryObservation {
                feeder_load_mw: 5.6,
                ..Default::default()
            },
            &mut b,
            900.0,
        );
        assert!((o.p_mw - 0.6).abs() < 1e-12);
        // 3.7 MW load → charge 0.3 MW, feeder at 4.0 MW (≤ charge_below).
        let o = rule.control(
            &BatteryObservation {
                feeder_load_mw: 3.7,
                ..Default::default()
            },
            &mut b,
            900.0,
        );
        assert!((o.p_mw + 0.3).abs() < 1e-12);
        // 4.5 MW: between thresholds, idle.
        let o = rule.control(
            &BatteryObservation {
                feeder_load_mw: 4.5,
                ..Default::default()
            },
            &mut b,
            900.0,
        );
        assert_eq!(o.p_mw, 0.0);
    }

    #[test]
    fn price_threshold_rule() {
        let mut b = Battery::new(params()).unwrap_or_else(|e| panic!("{e}"));
        let rule = BatteryRule::PriceThreshold {
            charge_below_usd_per_mwh: 20.0,
            discharge_above_usd_per_mwh: 60.0,
        };
        let obs = |p| BatteryObservation {
            price_usd_per_mwh: p,
            ..Default::default()
        };
        assert_eq!(rule.control(&obs(10.0), &mut b, 900.0).p_mw, -1.0);
        assert_eq!(rule.control(&obs(40.0), &mut b, 900.0).p_mw, 0.0);
        assert_eq!(rule.control(&obs(80.0), &mut b, 900.0).p_mw, 1.0);
    }

    #[test]
    fn validate_names_fields() {
        let mut p = params();
        p.eta_charge = 1.1;
        p.soc_min_frac = 0.95;
        p.energy_capacity_mwh = -1.0;
        let e = crate::common::err_text(p.validate());
        for f in [
            "battery.eta_charge",
            "battery.energy_capacity_mwh",
            "battery.soc_min_frac/soc_max_frac",
            "battery.soc_init_frac",
        ] {
            assert!(e.contains(f), "{f} missing in {e}");
        }
        let r: Result<BatteryRule, _> = serde_json::from_str(
            r#"{"kind": "peak_shaving", "feeder_limit_mw": 5, "charge_below_mw": 6}"#,
        );
        let r = r.unwrap_or_else(|e| panic!("{e}"));
        assert!(r.validate().is_err());
        let r: Result<BatteryParams, _> = serde_json::from_str(
            r#"{"p_charge_max_mw": 1, "p_discharge_max_mw": 1, "energy_capacity_mwh": 1, "eta_charge": 1, "eta_discharge": 1, "capacity": 2}"#,
        );
        assert!(crate::common::err_text(r).contains("unknown field `capacity`"));
    }
}
