//! gridsim-models: agents and controllers plugged into the kernel (loads, PV, wind, batteries,
//! EV fleets, failures, forecasters, optimizers). Depends on `gridsim-sim` and
//! `gridsim-networks`.
//!
//! # Agents
//! Every agent is a kernel-agnostic state machine: parameters in physical units (serde with
//! `deny_unknown_fields`, and `validate()` naming each impossible field), a state, and a step
//! `step(&StepTime, dt_s, &mut rng)` returning outputs in MW, MVAr, kWh, fractions. Agents never
//! read the wall clock; their randomness comes only from the generator passed in, so the same
//! seed gives the same trace.
//!
//! | module | agent | main types |
//! |---|---|---|
//! | [`solar`] | PV plant: NREL SPA, Ineichen–Perez, clouds, Hay–Davies, PVWatts | [`solar::PvPlant`], [`solar::PvParams`] |
//! | [`wind`] | wind farm: AR(1)→Weibull speed, shear, power curve | [`wind::WindFarm`] |
//! | [`battery`] | storage and its rule controllers | [`battery::Battery`], [`battery::BatteryRule`] |
//! | [`ev`] | EV fleet: ACN-based arrivals, EDF/LLF under a feeder limit, metrics | [`ev::EvFleet`] |
//! | [`load`] | per-bus profile loads, synthetic load | [`load::ProfileLoad`], [`load::SyntheticLoad`] |
//! | [`failure`] | two-state failure/repair, RTS-GMLC table | [`failure::FailureProcess`] |
//! | [`profile`] | RTS-GMLC-layout time series and their replay (PV, wind, load) | [`profile::ProfileReplay`] |
//! | [`uc`] | unit commitment (PGLib-UC, tight three-binary MILP on HiGHS, prices, checker) | [`uc::solve`] |
//! | [`common`] | [`common::StepTime`], [`common::AgentError`], validation | |
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use gridsim_models::common::StepTime;
//! use gridsim_models::solar::{PvParams, PvPlant};
//! use rand::SeedableRng;
//!
//! let params: PvParams = serde_json::from_str(
//!     r#"{"lat_deg": 35.0, "lon_deg": -106.0, "tilt_deg": 30.0, "pdc0_mw": 1.2, "pac0_mw": 1.0,
//!         "clouds": {}}"#,
//! ).unwrap();
//! let mut pv = PvPlant::new(params).unwrap();
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
//! let t = StepTime::new(Utc.with_ymd_and_hms(2020, 6, 21, 19, 0, 0).unwrap(), 0.0);
//! let out = pv.step(&t, 900.0, &mut rng);
//! assert!(out.p_mw >= 0.0 && out.p_mw <= 1.0);
//! ```

pub mod battery;
pub mod common;
pub mod ev;
pub mod failure;
pub mod load;
pub mod profile;
pub mod reliability;
pub mod solar;
pub mod uc;
pub mod wind;
