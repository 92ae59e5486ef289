//! gridsim-models: agents and controllers plugged into the kernel (loads, PV, wind, batteries,
//! EV fleets, failures, forecasters, optimizers). Depends on `gridsim-sim` and
//! `gridsim-networks`.
//!
//! Agents are kernel-agnostic state machines: parameters (serde, `deny_unknown_fields`,
//! `validate()`), state, and `step(&StepTime, dt_s, &mut rng)` returning outputs in physical
//! units. See [`common`] for the shared types.

pub mod battery;
pub mod common;
pub mod ev;
pub mod failure;
pub mod load;
pub mod profile;
pub mod solar;
pub mod wind;
