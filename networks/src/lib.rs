//! gridsim-networks: grid data, network equations and steady-state solvers.
//!
//! - [`case`]: the case tables as given (MW, MVAr, p.u., degrees), read and written by [`matpower`].
//! - [`network`]: a case compiled to per-unit, densely indexed form, with topology (islands).
//! - [`ybus`]: bus admittance (AC) and susceptance (DC) matrices.
//! - [`dcpf`], [`acpf`]: DC and Newton–Raphson AC power flow.
//! - [`sensitivity`], [`contingency`]: PTDF/LODF and N-1 contingency analysis (DC and AC).
//! - [`sparse`]: CSC matrices and the sparse LU with symbolic reuse.
//! - [`opf`]: DC optimal power flow and economic dispatch on HiGHS.
//! - [`dispatch`]: fast lossless economic dispatch per island (equal incremental cost, no LP).
//! - [`results`], [`output`]: power flow results with a status; CSV and JSON writers.
//!
//! ```
//! use gridsim_networks::matpower;
//! let case = matpower::parse_str(include_str!("../cases/matpower/case9.m"), "case9.m").unwrap();
//! assert_eq!(case.bus.len(), 9);
//! ```

pub mod acpf;
pub mod case;
pub mod contingency;
pub mod dcpf;
pub mod dispatch;
pub mod error;
pub mod fdpf;
pub mod matpower;
pub mod network;
pub mod opf;
pub mod output;
pub mod results;
pub mod sensitivity;
pub mod sparse;
pub mod topology;
pub mod ybus;

pub use acpf::{AcPfSettings, AcPowerFlow, PfAlgorithm, Start};
pub use case::{BusId, BusType, Case};
pub use dcpf::DcPowerFlow;
pub use error::NetworkError;
pub use fdpf::FdVariant;
pub use network::Network;
pub use results::{PfStatus, PowerFlowResult};
