//! Configuration of the DC OPF and economic dispatch: [`DcOpfSettings`] and [`Penalties`].

use super::highs::HighsOptionValue;

/// Prices of the slack that keeps a penalised OPF feasible, $/MWh.
///
/// With penalties the OPF returns a dispatch whenever shedding and curtailment can restore
/// feasibility, i.e. always unless phase shifters alone overload a branch (then set
/// `overload_usd_per_mwh`). It sheds load at `voll_usd_per_mwh`,
/// spills surplus injection at `curtailment_usd_per_mwh` (a generator held at its minimum
/// output `Pmin` that the system cannot absorb, or a negative load, i.e. embedded generation),
/// and, if `overload_usd_per_mwh` is set, lets branch flows exceed their rating at that price.
/// Keep `curtailment < voll < overload` so that the cheapest relief is used first.
#[derive(Debug, Clone, PartialEq)]
pub struct Penalties {
    /// Value of lost load: the price of shedding 1 MWh of demand. Default 10,000 $/MWh.
    pub voll_usd_per_mwh: f64,
    /// Price of spilling 1 MWh of forced injection (generation below `Pmin`, negative load).
    /// Default 1,000 $/MWh.
    pub curtailment_usd_per_mwh: f64,
    /// Price of 1 MWh of flow above a branch rating; `None` (default) keeps ratings hard, and
    /// shedding and curtailment relieve them. Set it (well above VOLL) only where phase
    /// shifters alone can overload a branch: very large prices make the LP badly scaled.
    pub overload_usd_per_mwh: Option<f64>,
}

impl Default for Penalties {
    fn default() -> Self {
        Penalties {
            voll_usd_per_mwh: 10_000.0,
            curtailment_usd_per_mwh: 1_000.0,
            overload_usd_per_mwh: None,
        }
    }
}

/// How a QP (quadratic costs) is solved. Either way the solution is polished: one exact KKT
/// solve on the active set found, accepted only when every optimality condition holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QpMethod {
    /// The crate's primal–dual interior-point method (default); if it fails (an infeasible
    /// model stalls it), HiGHS's active-set solver decides.
    #[default]
    InteriorPoint,
    /// HiGHS's active-set QP solver alone (iteration-capped). Exact and fast on small
    /// unpenalised cases; it can cycle on penalised ones (many tied shedding variables).
    HighsActiveSet,
}

/// Configuration of [`super::DcOpf`].
#[derive(Debug, Clone, PartialEq)]
pub struct DcOpfSettings {
    /// Enforce branch ratings `|Pf| ≤ RATE_A` (rated branches only: `0 < RATE_A < 1e10` MVA, as
    /// MATPOWER). Default `true`; `false` (with `enforce_angle_limits = false`) is an economic
    /// dispatch on a copper plate per island.
    pub enforce_branch_limits: bool,
    /// Enforce the angle-difference limits `ANGMIN ≤ θf − θt ≤ ANGMAX` (MATPOWER's rule: a
    /// limit of exactly 0, or beyond ±360°, is no limit). Default `true`.
    pub enforce_angle_limits: bool,
    /// `None` (default): strict, an impossible requirement gives [`super::OpfStatus::Infeasible`]
    /// with a diagnosis. `Some`: load shedding and curtailment at these prices keep it feasible.
    pub penalized: Option<Penalties>,
    /// Wall-clock limit of one solve, seconds. Default: unlimited (`f64::INFINITY`).
    pub time_limit_s: f64,
    /// Threads HiGHS may use; 0 (default) lets HiGHS choose. The simplex and QP solvers used
    /// here are serial, so results do not depend on it.
    pub threads: usize,
    /// HiGHS's `primal_feasibility_tolerance`, p.u. Default 1e-7 (HiGHS's own). A polished QP
    /// solution is held to 1e-9 instead.
    pub primal_feasibility_tol: f64,
    /// HiGHS's `dual_feasibility_tolerance`, $/MWh (the model's costs are per MW). Default
    /// 1e-7 (HiGHS's own): with the objective so scaled it gives prices exact to ~1e-8 $/MWh,
    /// and tighter values stall the dual simplex on penalised cases.
    pub dual_feasibility_tol: f64,
    /// How a QP is solved. Default [`QpMethod::InteriorPoint`].
    pub qp_method: QpMethod,
    /// Warm start an LP from the previous solve's basis when only bounds (loads, limits)
    /// changed, or when the rebuilt model kept its size. Default `true`. (QPs always start
    /// afresh in HiGHS's active-set solver.)
    pub warm_start: bool,
    /// When infeasible (strict mode), explain why: island capacity, then the transfer limits
    /// that cannot all hold (one extra solve). Default `true`.
    pub diagnose_infeasibility: bool,
    /// Print HiGHS's log to stdout. Default `false`.
    pub solver_log: bool,
    /// Extra HiGHS options (name, value), applied last: expert tuning, e.g. `("presolve",
    /// Str("off"))`. Default empty.
    pub highs_options: Vec<(String, HighsOptionValue)>,
}

impl Default for DcOpfSettings {
    fn default() -> Self {
        DcOpfSettings {
            enforce_branch_limits: true,
            enforce_angle_limits: true,
            penalized: None,
            time_limit_s: f64::INFINITY,
            threads: 0,
            primal_feasibility_tol: 1e-7,
            dual_feasibility_tol: 1e-7,
            qp_method: QpMethod::InteriorPoint,
            warm_start: true,
            diagnose_infeasibility: true,
            solver_log: false,
            highs_options: Vec::new(),
        }
    }
}

impl DcOpfSettings {
    /// Settings for an economic dispatch: no branch ratings, no angle limits.
    pub fn economic_dispatch() -> Self {
        DcOpfSettings {
            enforce_branch_limits: false,
            enforce_angle_limits: false,
            ..DcOpfSettings::default()
        }
    }

    /// Checks every field; returns all problems at once.
    pub fn validate(&self) -> Result<(), Vec<String>> {
        let mut p = Vec::new();
        if self.time_limit_s.is_nan() || self.time_limit_s < 0.0 {
            p.push(format!(
                "time_limit_s must be ≥ 0, found {}",
                self.time_limit_s
            ));
        }
        for (name, v) in [
            ("primal_feasibility_tol", self.primal_feasibility_tol),
            ("dual_feasibility_tol", self.dual_feasibility_tol),
        ] {
            if !(v.is_finite() && v > 0.0 && v <= 1e-3) {
                p.push(format!("{name} must be in (0, 1e-3], found {v}"));
            }
        }
        if self.threads > 1024 {
            p.push(format!("threads must be ≤ 1024, found {}", self.threads));
        }
        if let Some(pen) = &self.penalized {
            for (name, v) in [
                ("voll_usd_per_mwh", pen.voll_usd_per_mwh),
                ("curtailment_usd_per_mwh", pen.curtailment_usd_per_mwh),
            ] {
                if !(v.is_finite() && v > 0.0) {
                    p.push(format!(
                        "penalized.{name} must be finite and > 0, found {v}"
                    ));
                }
            }
            if let Some(v) = pen.overload_usd_per_mwh {
                if !(v.is_finite() && v > 0.0) {
                    p.push(format!(
                        "penalized.overload_usd_per_mwh must be finite and > 0, found {v}"
                    ));
                }
            }
        }
        for (name, _) in &self.highs_options {
            if name.is_empty() || name.contains('\0') {
                p.push(format!("highs_options: invalid option name {name:?}"));
            }
        }
        if p.is_empty() {
            Ok(())
        } else {
            Err(p)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_settings_validate() {
        assert!(DcOpfSettings::default().validate().is_ok());
        let s = DcOpfSettings {
            penalized: Some(Penalties::default()),
            ..DcOpfSettings::default()
        };
        assert!(s.validate().is_ok());
    }

    #[test]
    fn bad_settings_are_all_reported() {
        let s = DcOpfSettings {
            time_limit_s: -1.0,
            primal_feasibility_tol: 0.0,
            penalized: Some(Penalties {
                voll_usd_per_mwh: f64::NAN,
                ..Penalties::default()
            }),
            ..DcOpfSettings::default()
        };
        let e = s.validate().expect_err("invalid");
        assert_eq!(e.len(), 3, "{e:?}");
    }
}
