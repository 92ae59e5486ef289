//! gridsim-networks: grid data, network equations and steady-state solvers.
//!
//! - [`case`]: the case tables as given (MW, MVAr, p.u., degrees), read and written by [`matpower`].
//! - [`network`]: a case compiled to per-unit, densely indexed form, with topology (islands).
//! - [`ybus`]: bus admittance (AC) and susceptance (DC) matrices.
//! - [`dcpf`], [`acpf`]: DC and Newton–Raphson AC power flow.
//! - [`sparse`]: CSC matrices and the sparse LU with symbolic reuse.
//!
//! ```
//! use gridsim_networks::matpower;
//! let case = matpower::parse_str(include_str!("../cases/matpower/case9.m"), "case9.m").unwrap();
//! assert_eq!(case.bus.len(), 9);
//! ```

pub mod case;
pub mod error;
pub mod matpower;
pub mod sparse;

pub use case::{BusId, BusType, Case};
pub use error::NetworkError;
pub mod network;
pub mod topology;
pub mod ybus;
pub mod acpf;
pub mod dcpf;
pub mod opf;
pub mod results;

pub use acpf::{AcPfSettings, AcPowerFlow, Start};
pub use dcpf::DcPowerFlow;
pub use network::Network;
pub use results::{PfStatus, PowerFlowResult};
pub mod output;
