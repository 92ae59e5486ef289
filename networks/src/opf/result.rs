//! OPF outcomes: [`OpfStatus`] next to the objective, and the dispatch and prices in user units.

use serde::Serialize;

/// How an OPF solve ended. Only `Optimal` carries a dispatch and prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OpfStatus {
    /// Solved to optimality (within the settings' tolerances).
    Optimal,
    /// No dispatch meets every requirement; `diagnostics` says which cannot be met.
    Infeasible,
    /// The cost falls without bound (e.g. an unlimited generator with a negative price).
    Unbounded,
    /// The time limit was reached first.
    TimeLimit,
    /// HiGHS failed (numerical trouble, iteration or null-space limit); see `diagnostics`.
    SolverError,
    /// The network given to `solve` cannot be used (other dimensions than at setup, or a
    /// non-finite number); see `diagnostics`. Nothing was solved.
    InvalidInput,
}

impl OpfStatus {
    /// True for `Optimal`.
    pub fn is_optimal(self) -> bool {
        self == OpfStatus::Optimal
    }
}

/// A DC OPF (or economic dispatch) solution. Per-bus vectors follow the case's bus order,
/// per-generator and per-branch vectors its gen and branch order.
///
/// Signs: generator output positive when injected; `branch_pf_mw` is the flow into the branch
/// at its from end (the to-end flow is its negative in the DC model); prices are the cost of
/// serving one more MW of load at the bus for one hour. Out-of-service generators and branches,
/// and de-energised buses, report zero flow, output and angle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DcOpfResult {
    /// Outcome.
    pub status: OpfStatus,
    /// Objective, $/h: generation cost (constant terms of every connected generator included,
    /// as MATPOWER's `f`) plus, in penalised mode, the penalties. NaN unless `Optimal`.
    pub objective_usd_per_h: f64,
    /// Generation cost alone, $/h. NaN unless `Optimal`.
    pub generation_cost_usd_per_h: f64,
    /// Penalties (shedding, curtailment, overload), $/h; 0 in strict mode.
    pub penalty_usd_per_h: f64,
    /// Generator active output, MW (0 when out of service or de-energised).
    pub pg_mw: Vec<f64>,
    /// Bus voltage angle, degrees (0 when de-energised).
    pub va_deg: Vec<f64>,
    /// Locational marginal price, $/MWh (MATPOWER's `LAM_P`). In penalised mode a
    /// de-energised bus is priced at the value of lost load.
    pub lmp_usd_per_mwh: Vec<f64>,
    /// Branch flow at the from end, MW.
    pub branch_pf_mw: Vec<f64>,
    /// Shadow price of each branch rating, $/MWh per MW of extra rating: positive when the
    /// limit binds from→to (MATPOWER's `MU_SF`), negative when it binds to→from (−`MU_ST`),
    /// 0 when slack or unrated.
    pub branch_mu_usd_per_mwh: Vec<f64>,
    /// Flow above the rating, MW (penalised mode with an overload price; else 0).
    pub branch_overload_mw: Vec<f64>,
    /// Load shed per bus, MW (penalised mode, and de-energised islands there; else 0).
    pub load_shed_mw: Vec<f64>,
    /// Surplus injection spilled per bus, MW: generation forced by `Pmin`, or negative load,
    /// that could not be absorbed (penalised mode; else 0).
    pub curtailed_mw: Vec<f64>,
    /// One price per island (islands in [`crate::topology::Topology`] order): the LMP at the
    /// island's first reference bus, the system lambda of an economic dispatch, $/MWh; NaN for
    /// a de-energised island.
    pub system_lambda_usd_per_mwh: Vec<f64>,
    /// Human-readable notes: the infeasibility diagnosis, shed load, solver messages.
    pub diagnostics: Vec<String>,
    /// Wall-clock time of the solve (assembly, HiGHS, extraction), milliseconds.
    pub solve_ms: f64,
    /// HiGHS iterations (simplex, QP and interior point together).
    pub iterations: usize,
    /// Whether HiGHS started from the previous solve's basis.
    pub warm_started: bool,
}

impl DcOpfResult {
    /// A result without a solution: zeros everywhere, NaN objective.
    pub(crate) fn empty(
        status: OpfStatus,
        nb: usize,
        ng: usize,
        nl: usize,
        diagnostics: Vec<String>,
    ) -> Self {
        DcOpfResult {
            status,
            objective_usd_per_h: f64::NAN,
            generation_cost_usd_per_h: f64::NAN,
            penalty_usd_per_h: 0.0,
            pg_mw: vec![0.0; ng],
            va_deg: vec![0.0; nb],
            lmp_usd_per_mwh: vec![0.0; nb],
            branch_pf_mw: vec![0.0; nl],
            branch_mu_usd_per_mwh: vec![0.0; nl],
            branch_overload_mw: vec![0.0; nl],
            load_shed_mw: vec![0.0; nb],
            curtailed_mw: vec![0.0; nb],
            system_lambda_usd_per_mwh: Vec::new(),
            diagnostics,
            solve_ms: 0.0,
            iterations: 0,
            warm_started: false,
        }
    }

    /// Total load shed, MW.
    pub fn total_shed_mw(&self) -> f64 {
        self.load_shed_mw.iter().sum()
    }
}
