//! Helpers shared by the unit-commitment tests: small instances built in code, and a solve that
//! always runs the independent checker.
#![allow(dead_code)]

use gridsim_models::uc::{
    check_schedule, solve, CostPoint, StartupCategory, ThermalUnit, UcInstance, UcResult,
    UcSettings, UcStatus,
};

/// A unit with a linear cost from `cost_at_min` $/h at `p_min` with `marginal` $/MWh, unlimited
/// ramps, SU = SD = P̄, UT = DT = 1, one startup category (lag 1, `startup` $), on at t0 at
/// `p_t0` (or off for 10 h when `p_t0` is `None`).
pub fn unit(
    name: &str,
    p_min: f64,
    p_max: f64,
    cost_at_min: f64,
    marginal: f64,
    p_t0: Option<f64>,
    startup: f64,
) -> ThermalUnit {
    let mut curve = vec![CostPoint {
        p_mw: p_min,
        cost_usd_per_h: cost_at_min,
    }];
    if p_max > p_min {
        curve.push(CostPoint {
            p_mw: p_max,
            cost_usd_per_h: cost_at_min + marginal * (p_max - p_min),
        });
    }
    ThermalUnit {
        name: name.into(),
        must_run: false,
        p_min_mw: p_min,
        p_max_mw: p_max,
        ramp_up_mw_per_h: p_max,
        ramp_down_mw_per_h: p_max,
        startup_limit_mw: p_max,
        shutdown_limit_mw: p_max,
        min_up_h: 1,
        min_down_h: 1,
        on_t0: p_t0.is_some(),
        up_t0_h: if p_t0.is_some() { 10 } else { 0 },
        down_t0_h: if p_t0.is_some() { 0 } else { 10 },
        p_t0_mw: p_t0.unwrap_or(0.0),
        startup: vec![StartupCategory {
            lag_h: 1,
            cost_usd: startup,
        }],
        cost_curve: curve,
    }
}

/// An instance of thermal units only.
pub fn instance(demand: &[f64], reserve: &[f64], thermal: Vec<ThermalUnit>) -> UcInstance {
    UcInstance {
        periods: demand.len(),
        demand_mw: demand.to_vec(),
        reserve_mw: reserve.to_vec(),
        thermal,
        renewable: Vec::new(),
    }
}

/// Solves and, whenever there is a schedule, asserts the independent checker accepts it and
/// recomputes the same cost (1e-6 relative).
pub fn solve_checked(inst: &UcInstance, settings: &UcSettings) -> UcResult {
    let r = solve(inst, settings).expect("valid instance and settings");
    if let Some(s) = &r.schedule {
        let rep = check_schedule(inst, s, settings.penalties.as_ref());
        assert!(rep.is_ok(), "checker: {:?}", rep.violations);
        let obj = r.objective_usd.expect("objective with a schedule");
        let c = rep.cost.total_usd();
        assert!(
            (c - obj).abs() <= 1e-6 * c.abs().max(1.0),
            "checker cost {c} vs solver {obj}"
        );
        let split = r.cost;
        assert!((split.total_usd() - obj).abs() <= 1e-6 * obj.abs().max(1.0));
        for (a, b) in [
            (rep.cost.no_load_usd, split.no_load_usd),
            (rep.cost.startup_usd, split.startup_usd),
            (rep.cost.production_usd, split.production_usd),
        ] {
            assert!(
                (a - b).abs() <= 1e-6 * obj.abs().max(1.0),
                "cost split {a} vs {b}"
            );
        }
        // The status is the gap of the schedule returned: optimal exactly when it is within
        // the requested gap (relative, or 1e-6 $ absolute, as HiGHS's `mip_abs_gap`), up to
        // the 1e-7 relative cost tolerance of two HiGHS solves of one schedule.
        if let Some(b) = r.bound_usd {
            assert!(b <= obj, "bound {b} above the objective {obj}");
            let within = obj - b <= (settings.mip_rel_gap * obj.abs()).max(1e-6) + 1e-7 * obj.abs();
            assert_eq!(
                r.status == UcStatus::Optimal,
                within,
                "status {:?} with objective {obj}, bound {b}: {:?}",
                r.status,
                r.diagnostics
            );
        }
    } else {
        assert!(!matches!(
            r.status,
            UcStatus::Optimal | UcStatus::FeasibleWithGap
        ));
    }
    r
}

/// Commitment of unit `g` as 0/1.
pub fn on(r: &UcResult, g: usize) -> Vec<u8> {
    r.schedule.as_ref().expect("schedule").commitment[g]
        .iter()
        .map(|&b| u8::from(b))
        .collect()
}
