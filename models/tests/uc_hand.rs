//! Hand-checked unit-commitment instances in which one constraint binds; every expected cost is
//! worked out in the comment above it (tolerance 1e-6 $, the MIP gap is 0 on these).

mod uc_common;

use gridsim_models::uc::{UcPenalties, UcSettings, UcStatus};
use uc_common::{instance, on, solve_checked, unit};

fn exact() -> UcSettings {
    UcSettings {
        mip_rel_gap: 0.0,
        ..UcSettings::default()
    }
}

fn assert_cost(r: &gridsim_models::uc::UcResult, expected: f64) {
    assert_eq!(r.status, UcStatus::Optimal, "{:?}", r.diagnostics);
    let got = r.objective_usd.unwrap();
    assert!(
        (got - expected).abs() < 1e-6,
        "objective {got}, expected {expected}"
    );
}

#[test]
fn min_up_time_holds_a_unit_on() {
    // A: 0–100 MW at 10 $/MWh, on. B: 20–100 MW, 500 $/h at 20 MW then 20 $/MWh, off, UT = 3.
    // Demand 50, 120, 50, 50: B must be on in period 2 (120 > 100) and, started at no cost,
    // stays on three periods at 20 MW: 1–3 or 2–4, which tie. Costs of 2–4: t1 A50 = 500;
    // t2 A100 + B20 = 1000 + 500; t3, t4 A30 + B20 = 800 each. Total 3,600 (3,000 if B could
    // leave after period 2).
    let mut b = unit("B", 20.0, 100.0, 500.0, 20.0, None, 0.0);
    b.min_up_h = 3;
    let inst = instance(
        &[50.0, 120.0, 50.0, 50.0],
        &[0.0; 4],
        vec![unit("A", 0.0, 100.0, 0.0, 10.0, Some(50.0), 0.0), b],
    );
    let r = solve_checked(&inst, &exact());
    assert_cost(&r, 3600.0);
    let b_on = on(&r, 1);
    assert!(
        b_on == [0, 1, 1, 1] || b_on == [1, 1, 1, 0],
        "B on {b_on:?}: expected three periods around period 2"
    );
}

#[test]
fn binding_ramp_limits_the_cheap_unit() {
    // A: 0–200 MW at 10 $/MWh, at 50 MW before the horizon, RU = 30 MW/h. B: 0–200 MW at
    // 50 $/MWh, on at 0 MW. Demand 100, 150: A reaches 80 then 110; B covers 20 then 40.
    // Cost 10·(80 + 110) + 50·(20 + 40) = 1,900 + 3,000 = 4,900. Price = B's 50 $/MWh.
    let mut a = unit("A", 0.0, 200.0, 0.0, 10.0, Some(50.0), 0.0);
    a.ramp_up_mw_per_h = 30.0;
    let inst = instance(
        &[100.0, 150.0],
        &[0.0; 2],
        vec![a, unit("B", 0.0, 200.0, 0.0, 50.0, Some(0.0), 0.0)],
    );
    let r = solve_checked(&inst, &exact());
    assert_cost(&r, 4900.0);
    let s = r.schedule.as_ref().unwrap();
    assert!((s.thermal_mw[0][0] - 80.0).abs() < 1e-6 && (s.thermal_mw[0][1] - 110.0).abs() < 1e-6);
    for p in &r.energy_price_usd_per_mwh {
        assert!((p - 50.0).abs() < 1e-6, "price {p}");
    }
}

/// A: 0–100 MW at 10 $/MWh, on. B: 10–100 MW, 300 $/h at 10 MW then 20 $/MWh, off for 1 h
/// before the horizon, starts hot (100 $) after 1 h off and cold (1,000 $) after `cold_lag` h.
/// Demand 120, 50, 50, 50, 120.
fn lag_instance(cold_lag: u32) -> gridsim_models::uc::UcInstance {
    let mut b = unit("B", 10.0, 100.0, 300.0, 20.0, None, 100.0);
    b.down_t0_h = 1;
    b.startup.push(gridsim_models::uc::StartupCategory {
        lag_h: cold_lag,
        cost_usd: 1000.0,
    });
    instance(
        &[120.0, 50.0, 50.0, 50.0, 120.0],
        &[0.0; 5],
        vec![unit("A", 0.0, 100.0, 0.0, 10.0, Some(50.0), 0.0), b],
    )
}

#[test]
fn startup_lag_changes_the_startup_cost() {
    // Periods 1 and 5 need B (120 > 100); B starts in period 1 hot (off 1 h): 100 $.
    // Per period: A100 + B20 = 1,500; A40 + B10 = 700; A50 alone = 500.
    // (a) B on throughout: 1,500 + 3·700 + 1,500 + 100 = 5,200.
    // (b) B off in 2–3, back in 4 (off 2 h, hot): 1,500 + 2·500 + 700 + 1,500 + 200 = 4,900;
    //     as dear: B off in 3–4 instead (700 in period 2, 500 in 3 and 4).
    // (c) B off in 2–4, back in 5 after 3 h: 1,500 + 3·500 + 1,500 + 100 + restart.
    // Cold lag 3 h: the restart in (c) is cold (1,000) → 5,600, so (b) wins at 4,900.
    let r = solve_checked(&lag_instance(3), &exact());
    assert_cost(&r, 4900.0);
    let b_on = on(&r, 1);
    assert!(
        b_on == [1, 0, 0, 1, 1] || b_on == [1, 1, 0, 0, 1],
        "{b_on:?}"
    );
    assert!((r.cost.startup_usd - 200.0).abs() < 1e-6);
    // Cold lag 4 h: the restart in (c) is hot (100) → 4,700, the optimum.
    let r = solve_checked(&lag_instance(4), &exact());
    assert_cost(&r, 4700.0);
    assert_eq!(on(&r, 1), [1, 0, 0, 0, 1]);
    // The checker prices schedule (c) under the 3 h lag with the cold start: 100 + 1,000.
    let mut s = r.schedule.clone().unwrap();
    s.reserve_mw = vec![vec![0.0; 5]; 2];
    let rep = gridsim_models::uc::check_schedule(&lag_instance(3), &s, None);
    assert!(rep.is_ok(), "{:?}", rep.violations);
    assert!((rep.cost.startup_usd - 1100.0).abs() < 1e-9);
    assert!((rep.cost.total_usd() - 5600.0).abs() < 1e-6);
}

#[test]
fn must_run_unit_stays_on() {
    // A: 0–100 MW at 10 $/MWh. M: 30–100 MW, 900 $/h at 30 MW, 30 $/MWh above, must-run.
    // Demand 60, 60: M at 30 MW (900) + A 30 MW (300) per period = 2,400; without must-run
    // A alone would serve it for 1,200.
    let mut m = unit("M", 30.0, 100.0, 900.0, 30.0, Some(30.0), 0.0);
    m.must_run = true;
    let inst = instance(
        &[60.0, 60.0],
        &[0.0; 2],
        vec![unit("A", 0.0, 100.0, 0.0, 10.0, Some(60.0), 0.0), m.clone()],
    );
    let r = solve_checked(&inst, &exact());
    assert_cost(&r, 2400.0);
    assert_eq!(on(&r, 1), [1, 1]);
    m.must_run = false;
    let inst = instance(
        &[60.0, 60.0],
        &[0.0; 2],
        vec![unit("A", 0.0, 100.0, 0.0, 10.0, Some(60.0), 0.0), m],
    );
    assert_cost(&solve_checked(&inst, &exact()), 1200.0);
}

fn reserve_instance(reserve: f64) -> gridsim_models::uc::UcInstance {
    // A: 0–100 MW at 10 $/MWh, on. B: 10–50 MW, 200 $/h at 10 MW, 20 $/MWh above, off,
    // startup 50 $. Demand 90.
    instance(
        &[90.0],
        &[reserve],
        vec![
            unit("A", 0.0, 100.0, 0.0, 10.0, Some(90.0), 0.0),
            unit("B", 10.0, 50.0, 200.0, 20.0, None, 50.0),
        ],
    )
}

#[test]
fn reserve_forces_an_extra_unit() {
    // Reserve 30 MW: A alone leaves 10 MW of headroom, so B starts (50 $) at 10 MW (200 $) and
    // A serves 80 MW (800 $): 1,050. Energy price: A's 10 $/MWh; reserve not binding: 0.
    let r = solve_checked(&reserve_instance(30.0), &exact());
    assert_cost(&r, 1050.0);
    assert_eq!(on(&r, 1), [1]);
    assert!((r.energy_price_usd_per_mwh[0] - 10.0).abs() < 1e-6);
    assert!(r.reserve_price_usd_per_mwh[0].abs() < 1e-6);
    // Without a reserve requirement B stays off: 900.
    assert_cost(&solve_checked(&reserve_instance(0.0), &exact()), 900.0);
}

#[test]
fn infeasible_reserve_is_diagnosed_and_penalised_mode_prices_it() {
    // Reserve 70 MW with 150 MW of capacity and 90 MW of demand: infeasible.
    let r = solve_checked(&reserve_instance(70.0), &exact());
    assert_eq!(r.status, UcStatus::Infeasible);
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.contains("period 1") && d.contains("reserve")),
        "{:?}",
        r.diagnostics
    );
    // Penalised: both units on, 10 MW short at 1,000 $/MWh = 10,000 + 1,050 = 11,050.
    // Reserve price 1,000 $/MWh; energy price 10 + 1,000 (one more MW of demand is served by A
    // and removes one MW of headroom).
    let s = UcSettings {
        penalties: Some(UcPenalties::default()),
        ..exact()
    };
    let r = solve_checked(&reserve_instance(70.0), &s);
    assert_cost(&r, 11050.0);
    assert!((r.reserve_price_usd_per_mwh[0] - 1000.0).abs() < 1e-6);
    assert!((r.energy_price_usd_per_mwh[0] - 1010.0).abs() < 1e-6);
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.contains("reserve shortfall 10.000 MW")),
        "{:?}",
        r.diagnostics
    );
}

#[test]
fn demand_above_capacity_is_diagnosed_before_solving() {
    // 150 MW of capacity, 200 MW of demand in period 2.
    let inst = instance(
        &[90.0, 200.0],
        &[0.0; 2],
        vec![
            unit("A", 0.0, 100.0, 0.0, 10.0, Some(90.0), 0.0),
            unit("B", 10.0, 50.0, 200.0, 20.0, None, 50.0),
        ],
    );
    let r = solve_checked(&inst, &exact());
    assert_eq!(r.status, UcStatus::Infeasible);
    assert!(
        r.diagnostics[0]
            .starts_with("period 2: demand 200.000 MW above available capacity 150.000 MW"),
        "{:?}",
        r.diagnostics
    );
    // Penalised: 50 MW shed at 10,000 $/MWh, the rest at cost: t1 A 90 = 900; t2 A 100 + B 50
    // (start 50 + 200 + 20·40) = 1,000 + 1,050; shed 500,000. Total 502,950.
    let s = UcSettings {
        penalties: Some(UcPenalties::default()),
        ..exact()
    };
    let r = solve_checked(&inst, &s);
    assert_cost(&r, 502_950.0);
}

#[test]
fn ramp_infeasibility_is_found_by_the_penalised_model() {
    // A: 0–200 MW, at 0 MW before the horizon, RU = 50 MW/h, the only unit. Demand 40, 120:
    // capacity suffices in every period, but A is held at 40 MW in period 1 by the balance and
    // reaches at most 90 MW in period 2: 30 MW short.
    let mut a = unit("A", 0.0, 200.0, 0.0, 10.0, Some(0.0), 0.0);
    a.ramp_up_mw_per_h = 50.0;
    let inst = instance(&[40.0, 120.0], &[0.0; 2], vec![a]);
    let r = solve_checked(&inst, &exact());
    assert_eq!(r.status, UcStatus::Infeasible);
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d == "period 2: demand not served 30.000 MW"),
        "{:?}",
        r.diagnostics
    );
}

#[test]
fn settings_out_of_range_are_errors() {
    let inst = reserve_instance(0.0);
    for s in [
        UcSettings {
            mip_rel_gap: -1.0,
            ..UcSettings::default()
        },
        UcSettings {
            time_limit_s: Some(0.0),
            ..UcSettings::default()
        },
        UcSettings {
            threads: 0,
            ..UcSettings::default()
        },
    ] {
        assert!(gridsim_models::uc::solve(&inst, &s).is_err());
    }
}

/// A two-unit, three-period schedule built by hand: A (0–100 MW, 10 $/MWh, on at 50 MW) and
/// B (20–100 MW, 500 $/h at 20 MW, 20 $/MWh, off, startup 30 $, UT = DT = 2, RU = 40 MW/h).
fn hand_schedule() -> (
    gridsim_models::uc::UcInstance,
    gridsim_models::uc::UcSchedule,
) {
    let mut b = unit("B", 20.0, 100.0, 500.0, 20.0, None, 30.0);
    b.min_up_h = 2;
    b.min_down_h = 2;
    b.ramp_up_mw_per_h = 40.0;
    b.startup[0].lag_h = 2;
    let inst = instance(
        &[60.0, 130.0, 150.0],
        &[10.0, 10.0, 10.0],
        vec![unit("A", 0.0, 100.0, 0.0, 10.0, Some(50.0), 0.0), b],
    );
    let s = gridsim_models::uc::UcSchedule {
        commitment: vec![vec![true; 3], vec![false, true, true]],
        thermal_mw: vec![vec![60.0, 90.0, 100.0], vec![0.0, 40.0, 50.0]],
        reserve_mw: vec![vec![10.0, 10.0, 0.0], vec![0.0, 0.0, 10.0]],
        renewable_mw: Vec::new(),
        ..Default::default()
    };
    (inst, s)
}

#[test]
fn checker_recomputes_a_hand_schedule() {
    // A: 600 + 900 + 1,000 = 2,500 production, no no-load. B: no-load 2 × 500, production
    // 20·(20 + 30) = 1,000, one start 30 $. Total 4,530.
    let (inst, s) = hand_schedule();
    let rep = gridsim_models::uc::check_schedule(&inst, &s, None);
    assert!(rep.is_ok(), "{:?}", rep.violations);
    assert!((rep.cost.production_usd - 3500.0).abs() < 1e-9);
    assert!((rep.cost.no_load_usd - 1000.0).abs() < 1e-9);
    assert!((rep.cost.startup_usd - 30.0).abs() < 1e-9);
}

#[test]
fn checker_catches_each_kind_of_violation() {
    let (inst, s0) = hand_schedule();
    let viol = |f: &dyn Fn(&mut gridsim_models::uc::UcSchedule),
                inst: &gridsim_models::uc::UcInstance| {
        let mut s = s0.clone();
        f(&mut s);
        gridsim_models::uc::check_schedule(inst, &s, None)
            .violations
            .join("\n")
    };
    // Demand balance: A 10 MW short in period 1.
    assert!(viol(&|s| s.thermal_mw[0][0] = 50.0, &inst)
        .contains("period 1: supply 50 MW != demand 60 MW"));
    // Reserve: none held in period 3.
    assert!(viol(&|s| s.reserve_mw[1][2] = 0.0, &inst)
        .contains("period 3: reserve 0 MW < requirement 10 MW"));
    // Ramp: B from 40 to 90 MW (above minimum 20 → 70, +50 > 40) with A lowered to match.
    let v = viol(
        &|s| {
            s.thermal_mw[1][2] = 90.0;
            s.thermal_mw[0][2] = 60.0;
            s.reserve_mw[1][2] = 10.0
        },
        &inst,
    );
    assert!(v.contains("unit B: period 3: ramp up"), "{v}");
    // Minimum up time: B on in period 2 only (its 2 h minimum is cut by the horizon at 3).
    let v = viol(
        &|s| {
            s.commitment[1][2] = false;
            s.thermal_mw[1][2] = 0.0;
            s.reserve_mw[1][2] = 0.0
        },
        &inst,
    );
    assert!(
        v.contains("unit B: started in period 2 but off in period 3 (minimum up 2 h)"),
        "{v}"
    );
    // Must-run: the same schedule with A must-run and off in period 1 (output moved to nowhere).
    let mut inst_mr = inst.clone();
    inst_mr.thermal[0].must_run = true;
    let v = viol(
        &|s| {
            s.commitment[0][0] = false;
            s.thermal_mw[0][0] = 0.0;
            s.reserve_mw[0][0] = 0.0
        },
        &inst_mr,
    );
    assert!(v.contains("unit A: period 1: must-run unit off"), "{v}");
    // Startup capability: B may produce at most 30 MW in its first period.
    let mut inst_su = inst.clone();
    inst_su.thermal[1].startup_limit_mw = 30.0;
    let v = viol(&|_| {}, &inst_su);
    assert!(
        v.contains("unit B: period 2: output+reserve above minimum 20 MW > startup-limited 10 MW"),
        "{v}"
    );
    // Output while off.
    let v = viol(&|s| s.commitment[1][1] = false, &inst);
    assert!(v.contains("unit B: period 2: off but output 40 MW"), "{v}");
}

#[test]
fn initial_conditions_force_units_on_and_off() {
    // A: 0–100 MW at 10 $/MWh, off for 1 h before the horizon with DT = 3: off in periods 1–2.
    // C: 40–100 MW, 1,000 $/h at 40 MW then 30 $/MWh, on for 1 h with UT = 3: on in 1–2.
    // B: 0–100 MW at 50 $/MWh, on. Demand 60 throughout. Periods 1–2: C 60 = 1,600 each
    // (cheaper than C 40 + B 20 = 2,000); periods 3–4: A 60 = 600 each. Total 4,400.
    let mut a = unit("A", 0.0, 100.0, 0.0, 10.0, None, 0.0);
    a.min_down_h = 3;
    a.down_t0_h = 1;
    let mut c = unit("C", 40.0, 100.0, 1000.0, 30.0, Some(60.0), 0.0);
    c.min_up_h = 3;
    c.up_t0_h = 1;
    let b = unit("B", 0.0, 100.0, 0.0, 50.0, Some(0.0), 0.0);
    let inst = instance(&[60.0; 4], &[0.0; 4], vec![a, b, c]);
    let r = solve_checked(&inst, &exact());
    assert_cost(&r, 4400.0);
    assert_eq!(on(&r, 0), [0, 0, 1, 1]);
    assert_eq!(on(&r, 2), [1, 1, 0, 0]);
    // Long enough in their states before the horizon, A serves everything: 4 × 600.
    let mut free = inst.clone();
    free.thermal[0].down_t0_h = 10;
    free.thermal[2].up_t0_h = 10;
    let r = solve_checked(&free, &exact());
    assert_cost(&r, 2400.0);
    assert_eq!(on(&r, 2), [0, 0, 0, 0]);
}

/// Three units: A (0–100 MW at 10 $/MWh, on at `a_t0_mw`), the unit `b` under test, and a
/// peaker C (0–100 MW at `peaker_usd_per_mwh`, on at 0 MW); no reserve.
fn cheap_b_and_peaker(
    demand: &[f64],
    a_t0_mw: f64,
    b: gridsim_models::uc::ThermalUnit,
    peaker_usd_per_mwh: f64,
) -> gridsim_models::uc::UcInstance {
    instance(
        demand,
        &vec![0.0; demand.len()],
        vec![
            unit("A", 0.0, 100.0, 0.0, 10.0, Some(a_t0_mw), 0.0),
            b,
            unit("C", 0.0, 100.0, 0.0, peaker_usd_per_mwh, Some(0.0), 0.0),
        ],
    )
}

#[test]
fn min_down_time_keeps_a_unit_on_through_a_valley() {
    // A: 0–100 MW at 10 $/MWh, on. B: 20–100 MW, 300 $/h at 20 MW then 20 $/MWh, on, free
    // start. C: 0–100 MW at 80 $/MWh. Demand 120, 50, 120, 120. Peaks: A 100 + B 20 = 1,300.
    // Valley: A alone 500, or A 30 + B 20 = 600. With DT = 1, B leaves for the valley:
    // 3 × 1,300 + 500 = 4,400. With DT = 3, leaving would put C in periods 3–4 (A 100 + C 20
    // = 2,600 each), so B stays on: 3 × 1,300 + 600 = 4,500.
    let build = |dt: u32| {
        let mut b = unit("B", 20.0, 100.0, 300.0, 20.0, Some(20.0), 0.0);
        b.min_down_h = dt;
        cheap_b_and_peaker(&[120.0, 50.0, 120.0, 120.0], 50.0, b, 80.0)
    };
    let r = solve_checked(&build(1), &exact());
    assert_cost(&r, 4400.0);
    assert_eq!(on(&r, 1), [1, 0, 1, 1]);
    let r = solve_checked(&build(3), &exact());
    assert_cost(&r, 4500.0);
    assert_eq!(on(&r, 1), [1, 1, 1, 1]);
}

#[test]
fn startup_limit_makes_a_unit_start_early() {
    // A: 0–100 MW at 10 $/MWh, on at 100 MW. B: 20–100 MW, 400 $/h at 20 MW then 20 $/MWh,
    // off, free start. C: 0–100 MW at 60 $/MWh. Demand 100, 180.
    // SU = 100: B starts in period 2 at 80 MW: 1,000 + (1,000 + 400 + 1,200) = 3,600.
    // SU = 40: starting in period 2 caps B at 40 MW (C 40 = 2,400 more: 5,200), so B starts in
    // period 1 at 20 MW: (800 + 400) + 2,600 = 3,800.
    let build = |su: f64| {
        let mut b = unit("B", 20.0, 100.0, 400.0, 20.0, None, 0.0);
        b.startup_limit_mw = su;
        cheap_b_and_peaker(&[100.0, 180.0], 100.0, b, 60.0)
    };
    let r = solve_checked(&build(100.0), &exact());
    assert_cost(&r, 3600.0);
    assert_eq!(on(&r, 1), [0, 1]);
    let r = solve_checked(&build(40.0), &exact());
    assert_cost(&r, 3800.0);
    assert_eq!(on(&r, 1), [1, 1]);
}

#[test]
fn shutdown_limit_keeps_a_unit_on() {
    // A: 0–100 MW at 10 $/MWh, on. B: 20–100 MW, 400 $/h at 20 MW then 20 $/MWh, on at
    // 100 MW. C: 0–100 MW at 60 $/MWh. Demand 150, 50: period 1 needs B at 50 MW
    // (A 100 + B 50 = 2,000). Period 2: A alone 500, or A 30 + B 20 = 700.
    // SD = 100: B shuts down for period 2: 2,500. SD = 40: B may leave only from ≤ 40 MW, which
    // costs C 10 MW in period 1 (2,400 + 500 = 2,900), so B stays on: 2,000 + 700 = 2,700.
    let build = |sd: f64| {
        let mut b = unit("B", 20.0, 100.0, 400.0, 20.0, Some(100.0), 0.0);
        b.shutdown_limit_mw = sd;
        cheap_b_and_peaker(&[150.0, 50.0], 50.0, b, 60.0)
    };
    let r = solve_checked(&build(100.0), &exact());
    assert_cost(&r, 2500.0);
    assert_eq!(on(&r, 1), [1, 0]);
    let r = solve_checked(&build(40.0), &exact());
    assert_cost(&r, 2700.0);
    assert_eq!(on(&r, 1), [1, 1]);
}

#[test]
fn convex_cost_segments_split_the_dispatch() {
    // A: 10–100 MW, 100 $/h at 10 MW, 10 $/MWh to 50 MW (500 $/h), 20 $/MWh to 100 MW
    // (1,500 $/h), on. B: 0–100 MW at 15 $/MWh, on. Demand 80: A's first segment (to 50 MW)
    // then B (15 < 20): A 50 = 500, B 30 = 450, total 950; price 15 $/MWh.
    let mut a = unit("A", 10.0, 100.0, 100.0, 10.0, Some(50.0), 0.0);
    a.cost_curve = vec![
        gridsim_models::uc::CostPoint {
            p_mw: 10.0,
            cost_usd_per_h: 100.0,
        },
        gridsim_models::uc::CostPoint {
            p_mw: 50.0,
            cost_usd_per_h: 500.0,
        },
        gridsim_models::uc::CostPoint {
            p_mw: 100.0,
            cost_usd_per_h: 1500.0,
        },
    ];
    let inst = instance(
        &[80.0],
        &[0.0],
        vec![a, unit("B", 0.0, 100.0, 0.0, 15.0, Some(0.0), 0.0)],
    );
    let r = solve_checked(&inst, &exact());
    assert_cost(&r, 950.0);
    let s = r.schedule.as_ref().unwrap();
    assert!(
        (s.thermal_mw[0][0] - 50.0).abs() < 1e-6,
        "{:?}",
        s.thermal_mw
    );
    assert!((r.cost.no_load_usd - 100.0).abs() < 1e-6);
    assert!((r.cost.production_usd - 850.0).abs() < 1e-6);
    assert!((r.energy_price_usd_per_mwh[0] - 15.0).abs() < 1e-6);
}

#[test]
fn renewable_output_is_curtailed_above_the_must_run_minimum() {
    // M: 40–100 MW, 400 $/h at 40 MW then 20 $/MWh, must-run. W: 0 to 50 then 150 MW, free.
    // Demand 100, 100: period 1 W 50 + M 50 = 600; period 2 M at its 40 MW minimum and W
    // curtailed to 60 MW = 400. Total 1,000; period 2's price is W's 0 $/MWh.
    let mut m = unit("M", 40.0, 100.0, 400.0, 20.0, Some(40.0), 0.0);
    m.must_run = true;
    let mut inst = instance(&[100.0, 100.0], &[0.0; 2], vec![m]);
    inst.renewable.push(gridsim_models::uc::RenewableUnit {
        name: "W".into(),
        p_min_mw: vec![0.0, 0.0],
        p_max_mw: vec![50.0, 150.0],
    });
    let r = solve_checked(&inst, &exact());
    assert_cost(&r, 1000.0);
    let s = r.schedule.as_ref().unwrap();
    assert!(
        (s.renewable_mw[0][0] - 50.0).abs() < 1e-6 && (s.renewable_mw[0][1] - 60.0).abs() < 1e-6
    );
    assert!((r.energy_price_usd_per_mwh[0] - 20.0).abs() < 1e-6);
    assert!(r.energy_price_usd_per_mwh[1].abs() < 1e-6);
}
