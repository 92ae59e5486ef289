//! gridsim-models: agents and controllers plugged into the kernel (loads, PV, wind, batteries,
//! EV fleets, failures, forecasters, optimizers). Depends on `gridsim-sim` and
//! `gridsim-networks`. Built under the co-simulation issue.
pub mod uc;
