//! Workloads shared by the kernel benches and examples.
pub mod phold;
