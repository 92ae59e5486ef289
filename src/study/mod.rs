//! Studies: scenario files, the co-simulation of the grid with its agents, and the Monte Carlo
//! runner that compares strategies (see `ARCHITECTURE.md`).

pub mod runner;
pub mod scenario;
pub mod world;
