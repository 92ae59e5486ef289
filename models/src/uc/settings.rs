//! Settings of a unit-commitment solve, with documented defaults.

use super::error::UcError;

/// Prices of the penalised mode's slacks (EGRET's defaults).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UcPenalties {
    /// Price of demand not served and of generation above demand ($/MWh). Default 10,000.
    pub shed_usd_per_mwh: f64,
    /// Price of reserve requirement not met ($/MWh). Default 1,000.
    pub reserve_shortfall_usd_per_mwh: f64,
}

impl Default for UcPenalties {
    fn default() -> Self {
        UcPenalties {
            shed_usd_per_mwh: 10_000.0,
            reserve_shortfall_usd_per_mwh: 1_000.0,
        }
    }
}

/// How a starting solution is built for HiGHS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarmStart {
    /// No starting solution: HiGHS finds its own incumbents.
    None,
    /// Round the root LP's commitment (several thresholds), repair minimum up/down times,
    /// dispatch it with an LP and pass the best feasible one to HiGHS.
    RoundedLp,
    /// Fix on every commitment the root LP holds at 1 (with identical units merged: every
    /// group count it holds at a positive integer), leave the rest free, solve that MIP to a
    /// 0.5% gap within a quarter of the time budget (at most 10 s; 200 nodes when the solve
    /// has no time limit, so the result stays deterministic), and pass its schedule
    /// (falling back to [`WarmStart::RoundedLp`] when it finds none).
    LpFixedSubMip,
    /// Commit units in order of their cheapest average cost until each period's capacity
    /// covers net demand and reserve with a margin, repair minimum up/down times and dispatch
    /// by an LP: needs no LP relaxation. The two LP-based starts fall back to it when the root
    /// LP does not finish within half the time limit.
    PriorityList,
}

/// HiGHS algorithm for the root LP relaxation (the other LPs use HiGHS's default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootLpSolver {
    /// HiGHS's choice (`solver = "choose"`: dual simplex for these models).
    Choose,
    /// Interior point with crossover (`solver = "ipm"`), for very large instances.
    Ipm,
}

/// Settings of [`crate::uc::solve`].
#[derive(Debug, Clone, PartialEq)]
pub struct UcSettings {
    /// Relative MIP gap at which HiGHS stops (`mip_rel_gap`). Default 1e-4.
    pub mip_rel_gap: f64,
    /// Wall-clock limit for the whole solve (s); `None` = none. Default none. With a limit the
    /// schedule found may depend on the machine's speed; without one, on nothing but the input,
    /// the seed and the thread count.
    pub time_limit_s: Option<f64>,
    /// Branch-and-bound node limit of the MIP (`mip_max_nodes`); `None` = none. Default none.
    /// Unlike the time limit it stops every machine at the same schedule.
    pub mip_max_nodes: Option<u32>,
    /// HiGHS threads. Default 1.
    pub threads: usize,
    /// Penalised mode: shedding and reserve-shortfall slacks, so a schedule always exists
    /// (when the units' own initial conditions are consistent). Default off (strict).
    pub penalties: Option<UcPenalties>,
    /// Starting solution. Default [`WarmStart::LpFixedSubMip`].
    pub warm_start: WarmStart,
    /// Algorithm of the root LP relaxation. Default [`RootLpSolver::Choose`].
    pub root_lp_solver: RootLpSolver,
    /// HiGHS `random_seed`. Default 0.
    pub random_seed: i32,
    /// Append HiGHS's MIP log to this file (never to the console). Default none.
    pub log_file: Option<std::path::PathBuf>,
    /// Further HiGHS options for the MIP, as (name, value in text form), set after gridsim's
    /// own and so overriding them (e.g. `("mip_heuristic_effort", "0.3")`). Default none.
    pub highs_options: Vec<(String, String)>,
    /// Solve the MIP with identical units merged into one integer unit per group
    /// ([`crate::uc::aggregate`]), then split the counts back into each unit's commitment and
    /// dispatch the original units (the individual MIP continues when that dispatch costs
    /// more). Default on.
    pub aggregate_identical_units: bool,
    /// A commitment to start from, `[g][t]` in the instance's unit order (the previous run's
    /// plan, a schedule from another tool): dispatched by an LP and handed to HiGHS instead of
    /// the [`WarmStart`], which is then not computed. When it admits no dispatch (minimum
    /// times, ramps, initial conditions, must-run, capacity) the `warm_start` is used and a
    /// diagnostic says so. Default none.
    pub start_commitment: Option<Vec<Vec<bool>>>,
}

impl Default for UcSettings {
    fn default() -> Self {
        UcSettings {
            mip_rel_gap: 1e-4,
            time_limit_s: None,
            mip_max_nodes: None,
            threads: 1,
            penalties: None,
            warm_start: WarmStart::LpFixedSubMip,
            root_lp_solver: RootLpSolver::Choose,
            random_seed: 0,
            log_file: None,
            highs_options: Vec::new(),
            aggregate_identical_units: true,
            start_commitment: None,
        }
    }
}

impl UcSettings {
    /// Checks every field's range.
    pub fn validate(&self) -> Result<(), UcError> {
        if !(self.mip_rel_gap.is_finite() && (0.0..1.0).contains(&self.mip_rel_gap)) {
            return Err(UcError::Settings(format!(
                "mip_rel_gap: expected 0 <= gap < 1, found {}",
                self.mip_rel_gap
            )));
        }
        if let Some(t) = self.time_limit_s {
            if !(t.is_finite() && t > 0.0) {
                return Err(UcError::Settings(format!(
                    "time_limit_s: expected a positive number of seconds, found {t}"
                )));
            }
        }
        if self.threads == 0 {
            return Err(UcError::Settings("threads: expected at least 1".into()));
        }
        if let Some(p) = &self.penalties {
            for (n, v) in [
                ("shed_usd_per_mwh", p.shed_usd_per_mwh),
                (
                    "reserve_shortfall_usd_per_mwh",
                    p.reserve_shortfall_usd_per_mwh,
                ),
            ] {
                if !(v.is_finite() && v > 0.0) {
                    return Err(UcError::Settings(format!(
                        "{n}: expected a positive price, found {v}"
                    )));
                }
            }
        }
        Ok(())
    }
}
