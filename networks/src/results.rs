//! Power flow outcomes: a status next to the solution, in user units and the case's order.

use serde::Serialize;

/// How a power flow ended. Only `Converged` carries a solution; the others carry the last
/// iterate and diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PfStatus {
    /// Mismatch below tolerance (every energised island).
    Converged,
    /// The iteration limit was reached before the tolerance.
    MaxIterations,
    /// The iterate blew up (non-finite or huge mismatch).
    Diverged,
    /// The Jacobian (or B matrix) was singular.
    Singular,
    /// Reactive limits cannot all be met: every remaining voltage-controlling generator
    /// violates the same limit (MATPOWER's "INFEASIBLE PROBLEM").
    QLimitsInfeasible,
    /// No island has generation: nothing to solve.
    NoEnergizedIsland,
}

impl PfStatus {
    /// True for `Converged`.
    pub fn is_converged(self) -> bool {
        self == PfStatus::Converged
    }
}

/// A power flow solution (AC or DC). Per-bus vectors follow the case's bus order, per-generator
/// and per-branch vectors the case's gen and branch order.
///
/// Signs: `pf_mw`/`qf_mvar` flow into the branch at its from end, `pt_mw`/`qt_mvar` at its to
/// end (both positive when power leaves the bus); generator output positive when injected.
/// Out-of-service elements and de-energised buses report zeros.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PowerFlowResult {
    /// Outcome.
    pub status: PfStatus,
    /// Newton iterations (summed over reactive-limit rounds); 1 for a DC power flow.
    pub iterations: usize,
    /// Largest absolute power mismatch at the end, p.u.
    pub max_mismatch_pu: f64,
    /// Voltage magnitude per bus, p.u. (1 in DC, 0 when de-energised).
    pub vm_pu: Vec<f64>,
    /// Voltage angle per bus, degrees.
    pub va_deg: Vec<f64>,
    /// Whether each bus is energised.
    pub energized: Vec<bool>,
    /// Generator active output, MW.
    pub pg_mw: Vec<f64>,
    /// Generator reactive output, MVAr.
    pub qg_mvar: Vec<f64>,
    /// Branch active flow at the from end, MW.
    pub pf_mw: Vec<f64>,
    /// Branch reactive flow at the from end, MVAr.
    pub qf_mvar: Vec<f64>,
    /// Branch active flow at the to end, MW.
    pub pt_mw: Vec<f64>,
    /// Branch reactive flow at the to end, MVAr.
    pub qt_mvar: Vec<f64>,
    /// Generators held at a reactive limit (indices into the gen table).
    pub q_limited_gens: Vec<usize>,
    /// Load in de-energised islands, MW.
    pub unserved_mw: f64,
    /// Number of islands, and how many of them are energised.
    pub n_islands: usize,
    /// Number of energised islands.
    pub n_energized_islands: usize,
    /// Human-readable notes (new slack buses, generators switched to PQ, dead islands).
    pub diagnostics: Vec<String>,
}
