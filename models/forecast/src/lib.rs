//! gridsim-forecast: load, solar and wind forecasters behind one interface, scored by rolling-origin backtests on GEFCom2014.
//!
//! - [`model`]: the [`Forecaster`] trait (fit, update, predict `h` hours with quantiles),
//!   [`Dataset`] and the [`View`] a model sees at an issue time;
//! - [`calendar`]: UTC timelines, local clocks with daylight saving, US federal holidays;
//! - [`metrics`]: MAPE, RMSE, MAE, R², pinball loss, skill;
//! - [`naive`]: persistence and seasonal naive; [`mlr`]: Hong's vanilla regression and
//!   its recency / lagged-load extensions; [`renewable`]: climatology, a fitted wind power
//!   curve and a solar regression, with quantiles from binned residuals; [`gbt`]:
//!   gradient-boosted trees for load, solar and wind; [`sarimax`]: regression with seasonal
//!   ARMA errors; [`mstl`]: MSTL + ETS (augurs); [`prophet`]: Prophet (augurs) with
//!   temperature regressors, fitted by a pure-Rust L-BFGS; [`lstm`]: a one-layer LSTM (a week
//!   of history in, 24 hours out) trained with Adam on gradients from candle's autograd
//!   (or from the hand-written backpropagation through time kept as its reference);
//!   [`ensemble`]: weighted combinations;
//! - [`backtest`]: rolling-origin backtests; [`plot`]: forecast against actual as SVG;
//!   [`ramp`]: ramp-event detection and its scores (POD, FAR, CSI); [`fleet`]: fleet
//!   forecasts from the plants' quantiles joined by a copula; [`data`]: readers of the shipped GEFCom2014 copies.
//!
//! This crate depends on neither the kernel nor the network crates.
//!
//! ```
//! use gridsim_forecast::{calendar::{Clock, Timeline}, model::Dataset, naive::LagNaive, Forecaster};
//! use chrono::{TimeZone, Utc};
//! let y: Vec<f64> = (0..96).map(|t| (t % 24) as f64).collect();
//! let timeline = Timeline { start_utc: Utc.with_ymd_and_hms(2013, 1, 1, 0, 0, 0).unwrap(), len: 96, clock: Clock::Utc };
//! let data = Dataset { name: "toy".into(), timeline, target: y, exog_names: vec![], exog: vec![] };
//! let mut m = LagNaive::new("persistence", 24, 48);
//! m.fit(&data.view(72, 24)).unwrap();
//! let f = m.predict(&data.view(72, 24), 24, &[0.1, 0.5, 0.9]).unwrap();
//! assert_eq!(f.point[5], 5.0);
//! ```

pub mod backtest;
pub mod calendar;
pub mod data;
pub mod ensemble;
mod error;
pub mod fleet;
pub mod gbt;
pub mod linalg;
pub mod lstm;
pub mod metrics;
pub mod mlr;
pub mod model;
pub mod mstl;
pub mod naive;
pub mod plot;
pub mod prophet;
pub mod quantile;
pub mod ramp;
pub mod renewable;
pub mod sarimax;
pub mod tracks;

pub use error::ForecastError;
pub use model::{Dataset, Forecast, Forecaster, View};
