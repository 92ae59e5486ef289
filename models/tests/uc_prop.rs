//! Property test over generated small instances: every solve either returns a schedule the
//! independent checker accepts (at the cost the solver claims) or is infeasible with a
//! diagnosis; the penalised mode always returns a schedule, never dearer than the strict one;
//! the root relaxation and the best bound never exceed the schedule's cost; and the optimum
//! equals a brute-force search over every commitment, each dispatched by its own LP
//! (`uc::dispatch_commitment`), on instances of up to 3 units × 4 periods. Generated units
//! have two-segment convex cost curves and three startup categories, next to one curtailable
//! renewable unit. With identical units (twins of the same generated unit, in the same initial
//! state), the MILP with each group merged into one integer unit (`uc::aggregate`, the default)
//! reaches the same optimum as the MILP over the individual units, and its members' schedule
//! passes the checker.

mod uc_common;

use gridsim_models::uc::{
    CostPoint, RenewableUnit, StartupCategory, UcInstance, UcPenalties, UcResult, UcSettings,
    UcStatus,
};
use proptest::prelude::*;
use uc_common::{instance, solve_checked, unit};

#[derive(Debug, Clone)]
struct Gen {
    p_min: f64,
    p_max: f64,
    marginal: f64,
    cost_at_min: f64,
    /// Where the second, steeper cost segment starts, as a fraction of P̄ − P̲.
    bend: f64,
    /// Slope added by the second segment ($/MWh).
    steep: f64,
    /// Ramp limit as a fraction of P̄.
    ramp: f64,
    /// Startup/shutdown capability as a fraction of P̄ − P̲ above P̲.
    su: f64,
    up: u32,
    down: u32,
    on: bool,
    t0: u32,
    hot: f64,
    cold: f64,
    must_run: bool,
}

fn gen() -> impl Strategy<Value = Gen> {
    (
        (
            0.0..40.0f64,
            10.0..80.0f64,
            5.0..50.0f64,
            0.0..300.0f64,
            0.2..0.8f64,
            0.0..30.0f64,
        ),
        (0.3..1.0f64, 0.5..1.0f64, 1u32..4, 1u32..4),
        (
            any::<bool>(),
            1u32..5,
            0.0..200.0f64,
            0.0..400.0f64,
            prop::bool::weighted(0.1),
        ),
    )
        .prop_map(
            |(
                (p_min, extra, marginal, cost_at_min, bend, steep),
                (ramp, su, up, down),
                (on, t0, hot, cold, must_run),
            )| Gen {
                p_min,
                p_max: p_min + extra,
                marginal,
                cost_at_min,
                bend,
                steep,
                ramp,
                su,
                up,
                down,
                on,
                t0,
                hot,
                cold,
                must_run,
            },
        )
}

fn build(gens: &[Gen], demand: &[f64], reserve: &[f64], wind_mw: &[f64]) -> UcInstance {
    let thermal = gens
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let mut u = unit(
                &format!("G{i}"),
                g.p_min,
                g.p_max,
                g.cost_at_min,
                g.marginal,
                g.on.then_some(g.p_min),
                g.hot,
            );
            u.ramp_up_mw_per_h = g.ramp * g.p_max;
            u.ramp_down_mw_per_h = g.ramp * g.p_max;
            u.startup_limit_mw = g.p_min + g.su * (g.p_max - g.p_min);
            u.shutdown_limit_mw = u.startup_limit_mw;
            u.min_up_h = g.up;
            u.min_down_h = g.down;
            u.up_t0_h = if g.on { g.t0 } else { 0 };
            u.down_t0_h = if g.on { 0 } else { g.t0 };
            u.startup = vec![
                StartupCategory {
                    lag_h: g.down,
                    cost_usd: g.hot,
                },
                StartupCategory {
                    lag_h: g.down + 1,
                    cost_usd: g.hot + 0.5 * g.cold,
                },
                StartupCategory {
                    lag_h: g.down + 3,
                    cost_usd: g.hot + g.cold,
                },
            ];
            let span = g.p_max - g.p_min;
            let knee_mw = g.p_min + g.bend * span;
            let knee_usd_per_h = g.cost_at_min + g.marginal * g.bend * span;
            u.cost_curve = vec![
                CostPoint {
                    p_mw: g.p_min,
                    cost_usd_per_h: g.cost_at_min,
                },
                CostPoint {
                    p_mw: knee_mw,
                    cost_usd_per_h: knee_usd_per_h,
                },
                CostPoint {
                    p_mw: g.p_max,
                    cost_usd_per_h: knee_usd_per_h + (g.marginal + g.steep) * (g.p_max - knee_mw),
                },
            ];
            u.must_run = g.must_run;
            u
        })
        .collect();
    let mut inst = instance(demand, reserve, thermal);
    // Curtailable down to a tenth of what is available.
    inst.renewable.push(RenewableUnit {
        name: "W".into(),
        p_min_mw: wind_mw.iter().map(|p| 0.1 * p).collect(),
        p_max_mw: wind_mw.to_vec(),
    });
    inst
}

/// An instance whose demand and available renewable output per period are the given fractions
/// of the installed thermal capacity (so most are feasible), with reserve a fraction of demand.
fn scaled(gens: &[Gen], periods: &[(f64, f64)], reserve_frac: f64) -> UcInstance {
    let cap: f64 = gens.iter().map(|g| g.p_max).sum();
    let demand: Vec<f64> = periods.iter().map(|f| f.0 * cap).collect();
    let wind: Vec<f64> = periods.iter().map(|f| f.1 * cap).collect();
    let reserve: Vec<f64> = demand.iter().map(|d| d * reserve_frac).collect();
    build(gens, &demand, &reserve, &wind)
}

/// The bounds a solve reports lie below its schedule's cost, the best bound above the root LP.
fn bounds_below_cost(r: &UcResult) -> Result<(), TestCaseError> {
    if let Some(obj) = r.objective_usd {
        let tol = 1e-6 * obj.abs().max(1.0);
        if let Some(b) = r.bound_usd {
            prop_assert!(b <= obj + tol, "bound {b} above objective {obj}");
        }
        let root = r.root_lp_usd.expect("a root LP value with a schedule");
        prop_assert!(root <= obj + tol, "root LP {root} above objective {obj}");
        if let Some(b) = r.bound_usd {
            prop_assert!(b >= root - tol, "bound {b} below the root LP {root}");
        }
        prop_assert!(r.root_gap.expect("root gap") >= -1e-9);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]
    #[test]
    fn every_solve_checks_or_is_diagnosed(
        gens in prop::collection::vec(gen(), 2..4),
        periods in prop::collection::vec((0.1..0.8f64, 0.0..0.3f64), 3..6),
        reserve_frac in 0.0..0.2f64,
    ) {
        let inst = scaled(&gens, &periods, reserve_frac);
        let strict = solve_checked(&inst, &UcSettings { mip_rel_gap: 0.0, ..UcSettings::default() });
        bounds_below_cost(&strict)?;
        match strict.status {
            UcStatus::Optimal => {}
            UcStatus::Infeasible => prop_assert!(!strict.diagnostics.is_empty()),
            other => prop_assert!(false, "unexpected status {other:?}"),
        }
        let pen = solve_checked(&inst, &UcSettings {
            mip_rel_gap: 0.0,
            penalties: Some(UcPenalties::default()),
            ..UcSettings::default()
        });
        bounds_below_cost(&pen)?;
        // Must-run units off at t0 within their minimum down time have no schedule at all.
        let contradictory = inst.thermal.iter().any(|g| g.must_run && !g.on_t0 && g.down_t0_h < g.min_down_h);
        if contradictory {
            prop_assert_eq!(pen.status, UcStatus::Infeasible);
        } else {
            prop_assert_eq!(pen.status, UcStatus::Optimal, "{:?}", pen.diagnostics);
            if let (Some(a), Some(b)) = (pen.objective_usd, strict.objective_usd) {
                prop_assert!(a <= b + 1e-6 * b.abs().max(1.0), "penalised {a} > strict {b}");
            }
        }
    }

    #[test]
    fn the_optimum_equals_a_brute_force_search_over_every_commitment(
        gens in prop::collection::vec(gen(), 2..4),
        periods in prop::collection::vec((0.1..0.8f64, 0.0..0.3f64), 3..5),
        reserve_frac in 0.0..0.2f64,
    ) {
        // At most 3 units × 4 periods: 4,096 commitments, each dispatched by its own LP
        // (infeasible ones — minimum times, ramps, capacity — have none). The MILP at gap 0
        // must find the cheapest, to 1e-6 relative.
        let inst = scaled(&gens, &periods, reserve_frac);
        let settings = UcSettings { mip_rel_gap: 0.0, ..UcSettings::default() };
        let (ng, nt) = (inst.thermal.len(), inst.periods);
        let mut best: Option<f64> = None;
        for bits in 0u32..(1u32 << (ng * nt)) {
            let commitment: Vec<Vec<bool>> = (0..ng)
                .map(|g| (0..nt).map(|t| bits >> (g * nt + t) & 1 == 1).collect())
                .collect();
            if let Some((_, cost)) =
                gridsim_models::uc::dispatch_commitment(&inst, &commitment, &settings).unwrap()
            {
                best = Some(best.map_or(cost, |b: f64| b.min(cost)));
            }
        }
        let r = solve_checked(&inst, &settings);
        match best {
            None => prop_assert_eq!(r.status, UcStatus::Infeasible, "{:?}", r.objective_usd),
            Some(b) => {
                prop_assert_eq!(r.status, UcStatus::Optimal);
                let obj = r.objective_usd.unwrap();
                prop_assert!((obj - b).abs() <= 1e-6 * b.abs().max(1.0), "MILP {obj} vs brute force {b}");
            }
        }
    }

    #[test]
    fn merging_identical_units_keeps_the_optimum(
        a in gen(),
        b in gen(),
        twins in (2usize..5, 1usize..3),
        periods in prop::collection::vec((0.1..0.9f64, 0.0..0.3f64), 4..9),
        reserve_frac in 0.0..0.2f64,
    ) {
        // Twins of `a` and of `b`, each group in one initial state: the merged MILP has one
        // integer unit per group, whose counts are split back into the members' commitments.
        let mut gens = vec![a; twins.0];
        gens.extend(std::iter::repeat_n(b, twins.1));
        let inst = scaled(&gens, &periods, reserve_frac);
        let groups = gridsim_models::uc::aggregate::identical_groups(&inst);
        prop_assert!(groups.merged() >= 1);
        let merged = solve_checked(&inst, &UcSettings { mip_rel_gap: 0.0, ..UcSettings::default() });
        let apart = solve_checked(&inst, &UcSettings {
            mip_rel_gap: 0.0,
            aggregate_identical_units: false,
            ..UcSettings::default()
        });
        bounds_below_cost(&merged)?;
        prop_assert_eq!(merged.status, apart.status, "{:?}", merged.diagnostics);
        if let (Some(m), Some(s)) = (merged.objective_usd, apart.objective_usd) {
            prop_assert!((m - s).abs() <= 1e-6 * s.abs().max(1.0), "merged {m} vs apart {s}: {:?}", merged.diagnostics);
        }
        // The root LP is solved on the merged model: its optimum is the individual LP's
        // (each member takes 1/n of its group's solution), to solver tolerance.
        if let (Some(m), Some(s)) = (merged.root_lp_usd, apart.root_lp_usd) {
            prop_assert!((m - s).abs() <= 1e-7 * s.abs().max(1.0), "root LP merged {m} vs apart {s}");
        }
    }
}

#[test]
fn penalised_solve_from_a_start_finds_the_strict_optimum() {
    // Found by `every_solve_checks_or_is_diagnosed`: the penalised solve handed its 630.55 $
    // warm start to HiGHS, whose presolve aggregator mapped it into the reduced space with a
    // wrong objective and pruned everything cheaper, so the start came back "optimal" while
    // the strict solve's 590.51 $ schedule (no shedding) was feasible. Both solves must reach
    // 590.514374 $ (gap 0; 1e-6 relative), from a start that is dearer.
    let g = |p_min, p_max, marginal, cost_at_min, bend, steep, ramp, up, down, on, hot, cold| Gen {
        p_min,
        p_max,
        marginal,
        cost_at_min,
        bend,
        steep,
        ramp,
        su: 0.5,
        up,
        down,
        on,
        t0: 1,
        hot,
        cold,
        must_run: false,
    };
    let gens = [
        g(
            1.469271613719064,
            43.81198956691743,
            43.2764000744286,
            77.63311499199428,
            0.20544999075706763,
            13.049629116972826,
            0.4122807035362276,
            1,
            1,
            true,
            183.5229242058573,
            0.0,
        ),
        g(
            11.869621373710343,
            61.47541843188522,
            30.67422681754701,
            0.0,
            0.26340047709634073,
            18.183315562858077,
            0.9918686849606199,
            2,
            1,
            false,
            0.0,
            226.69210596482904,
        ),
        g(
            2.7343880677032777,
            40.99180572038449,
            19.03229489069497,
            0.0,
            0.6395297361708366,
            0.0,
            0.9493758696634356,
            2,
            2,
            false,
            0.0,
            183.70219319518077,
        ),
    ];
    let periods = [
        (0.19821740145751685, 0.0),
        (0.24086939629516987, 0.1956101829432307),
        (0.1, 0.06692642400406848),
    ];
    let inst = scaled(&gens, &periods, 0.014252976543965692);
    let expected = 590.5143735648336;
    for penalties in [None, Some(UcPenalties::default())] {
        let r = solve_checked(
            &inst,
            &UcSettings {
                mip_rel_gap: 0.0,
                penalties,
                ..UcSettings::default()
            },
        );
        let obj = r.objective_usd.unwrap();
        assert_eq!(r.status, UcStatus::Optimal);
        assert!(
            (obj - expected).abs() <= 1e-6 * expected,
            "{obj} vs {expected}: {:?}",
            r.diagnostics
        );
        assert!(
            r.warm_start_usd.unwrap() > obj + 1.0,
            "{:?}",
            r.warm_start_usd
        );
    }
}
