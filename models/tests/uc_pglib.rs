//! PGLib-UC instances shipped in `models/data/pglib-uc`: import, solve, independent check.

mod uc_common;

use std::path::PathBuf;

use gridsim_models::uc::{
    check_schedule, lagrangian_bound, pglib, solve, Ascent, RootLpSolver, UcError, UcSettings,
    UcStatus, WarmStart,
};
use uc_common::solve_checked;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data/pglib-uc")
        .join(name)
}

#[test]
fn every_shipped_instance_imports() {
    // (file, periods, thermal, renewable, first thermal unit, demand in period 1 MW).
    for (file, periods, thermal, renewable, first, demand_mw) in [
        (
            "rts_gmlc_2020-01-27.json.gz",
            48,
            73,
            81,
            "115_STEAM_1",
            3262.31,
        ),
        (
            "rts_gmlc_2020-01-27_6h.json.gz",
            6,
            73,
            81,
            "115_STEAM_1",
            3262.31,
        ),
        (
            "ca_2015-03-01_reserves_0.json.gz",
            48,
            610,
            0,
            "GEN9903",
            20478.9,
        ),
        (
            "ca_2015-03-01_reserves_0_4h.json.gz",
            4,
            610,
            0,
            "GEN9903",
            20478.9,
        ),
        ("ferc_2015-01-01_hw.json.gz", 48, 934, 1, "GEN421", 93984.0),
    ] {
        let i = pglib::read_file(&data(file)).unwrap();
        assert_eq!(
            (i.periods, i.thermal.len(), i.renewable.len()),
            (periods, thermal, renewable),
            "{file}"
        );
        assert_eq!(i.thermal[0].name, first, "{file}");
        assert!((i.demand_mw[0] - demand_mw).abs() < 1e-9, "{file}");
    }
    // And every file shipped, whatever its name.
    let mut n = 0;
    for e in std::fs::read_dir(data("")).unwrap() {
        let p = e.unwrap().path();
        if p.to_string_lossy().ends_with(".json.gz") {
            let i = pglib::read_file(&p).unwrap_or_else(|e| panic!("{e}"));
            assert!(i.periods > 0 && !i.thermal.is_empty(), "{}", p.display());
            n += 1;
        }
    }
    assert_eq!(n, 5);
}

#[test]
fn rts_gmlc_six_hours_solves_and_checks() {
    let inst = pglib::read_file(&data("rts_gmlc_2020-01-27_6h.json.gz")).unwrap();
    let r = solve_checked(&inst, &UcSettings::default());
    assert_eq!(r.status, UcStatus::Optimal);
    let (obj, bound, root) = (
        r.objective_usd.unwrap(),
        r.bound_usd.unwrap(),
        r.root_lp_usd.unwrap(),
    );
    assert!(bound <= obj + 1e-6 && root <= obj + 1e-6);
    assert!(r.gap.unwrap() <= 1e-4 + 1e-9);
    assert!(r.root_gap.unwrap() >= -1e-9);
    assert_eq!(r.energy_price_usd_per_mwh.len(), 6);

    // Tampering is caught: switch off a unit that is on in period 3 without changing its output.
    let mut s = r.schedule.clone().unwrap();
    let g = s.commitment.iter().position(|u| u[2]).expect("a unit on");
    s.commitment[g][2] = false;
    let rep = check_schedule(&inst, &s, None);
    assert!(!rep.is_ok());
    assert!(
        rep.violations
            .iter()
            .any(|v| v.contains(&inst.thermal[g].name) && v.contains("period 3")),
        "{:?}",
        rep.violations
    );
}

#[test]
fn ca_four_hours_solves_and_checks() {
    let inst = pglib::read_file(&data("ca_2015-03-01_reserves_0_4h.json.gz")).unwrap();
    let r = solve_checked(&inst, &UcSettings::default());
    assert_eq!(r.status, UcStatus::Optimal);
    assert!(r.gap.unwrap() <= 1e-4 + 1e-9);
}

#[test]
fn malformed_file_gives_a_located_error() {
    let dir = std::env::temp_dir().join(format!("gridsim-uc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("broken.json");
    std::fs::write(&p, "{\"time_periods\": 2,\n \"demand\": [1, 2,]\n}").unwrap();
    match pglib::read_file(&p).unwrap_err() {
        UcError::Syntax {
            line,
            column,
            message,
            file,
        } => {
            // The stray "]" after "2," is at line 2, column 18 (trailing comma).
            assert_eq!((line, column), (2, 18), "{message}");
            assert!(file.ends_with("broken.json"));
        }
        e => panic!("unexpected {e}"),
    }
    // Values that parse but make no sense: every problem listed at once, each naming its unit
    // and field, under the file's name.
    let tiny = |p_max: &str, curve: &str| {
        format!(
            r#"{{"time_periods": 2, "demand": [10, 20, 30], "reserves": [0, 0],
 "thermal_generators": {{"a": {{"must_run": 0, "power_output_minimum": 5, "power_output_maximum": {p_max},
  "ramp_up_limit": 30, "ramp_down_limit": 30, "ramp_startup_limit": 30, "ramp_shutdown_limit": 30,
  "time_up_minimum": 1, "time_down_minimum": 1, "power_output_t0": 0, "unit_on_t0": 0,
  "time_up_t0": 0, "time_down_t0": 2, "startup": [{{"lag": 1, "cost": 5}}],
  "piecewise_production": {curve}}}}},
 "renewable_generators": {{}}}}"#
        )
    };
    let p = dir.join("meaningless.json");
    std::fs::write(
        &p,
        tiny(
            "30",
            r#"[{"mw": 5, "cost": 50}, {"mw": 20, "cost": 500}, {"mw": 30, "cost": 510}]"#,
        ),
    )
    .unwrap();
    match pglib::read_file(&p).unwrap_err() {
        UcError::Invalid {
            file,
            count,
            details,
        } => {
            assert!(file.ends_with("meaningless.json"));
            assert_eq!(count, 2, "{details}");
            assert!(
                details.contains("demand: expected 2 values (one per period), found 3"),
                "{details}"
            );
            assert!(
                details
                    .contains("thermal unit a: piecewise_production[2]: expected a convex curve"),
                "{details}"
            );
        }
        e => panic!("unexpected {e}"),
    }
    std::fs::write(&p, tiny("-30", r#"[{"mw": 5, "cost": 50}]"#)).unwrap();
    let e = pglib::read_file(&p).unwrap_err().to_string();
    assert!(
        e.contains(
            "thermal unit a: power_output_maximum: expected a finite value >= 0 MW, found -30"
        ),
        "{e}"
    );
    let missing = dir.join("absent.json");
    assert!(matches!(
        pglib::read_file(&missing),
        Err(UcError::Io { .. })
    ));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn same_instance_and_settings_give_the_same_schedule() {
    // Without a time limit HiGHS's search is deterministic for a given thread count and seed.
    let inst = pglib::read_file(&data("rts_gmlc_2020-01-27_6h.json.gz")).unwrap();
    let s = UcSettings::default();
    let a = gridsim_models::uc::solve(&inst, &s).unwrap();
    let b = gridsim_models::uc::solve(&inst, &s).unwrap();
    assert_eq!(a.schedule, b.schedule);
    assert_eq!(
        a.objective_usd.map(f64::to_bits),
        b.objective_usd.map(f64::to_bits)
    );
    assert_eq!(a.energy_price_usd_per_mwh, b.energy_price_usd_per_mwh);
}

#[test]
fn time_limit_before_any_schedule_is_a_status() {
    // 1 ms cannot hold the root LP of the full day, let alone a schedule: TimeLimit, no
    // schedule, a reason; not an error.
    let inst = pglib::read_file(&data("rts_gmlc_2020-01-27.json.gz")).unwrap();
    let s = UcSettings {
        time_limit_s: Some(1e-3),
        warm_start: WarmStart::None,
        ..UcSettings::default()
    };
    let r = solve_checked(&inst, &s);
    assert_eq!(r.status, UcStatus::TimeLimit, "{:?}", r.diagnostics);
    assert!(r.schedule.is_none() && r.objective_usd.is_none());
    assert!(r.diagnostics.iter().any(|d| d.contains("time limit")));
}

#[test]
fn node_limit_with_a_schedule_reports_its_gap() {
    // The six-hour day needs 71 nodes to prove optimality at gap 0; stopped after one, the
    // warm start (or a better incumbent) is returned, checked, with its gap to the bound.
    let inst = pglib::read_file(&data("rts_gmlc_2020-01-27_6h.json.gz")).unwrap();
    let s = UcSettings {
        mip_rel_gap: 0.0,
        mip_max_nodes: Some(1),
        ..UcSettings::default()
    };
    let r = solve_checked(&inst, &s);
    assert_eq!(r.status, UcStatus::FeasibleWithGap, "{:?}", r.diagnostics);
    let (obj, bound) = (r.objective_usd.unwrap(), r.bound_usd.unwrap());
    assert!(bound <= obj);
    assert!(r.gap.unwrap() > 0.0, "{:?}", r.gap);
    assert!((r.gap.unwrap() - (obj - bound) / obj).abs() < 1e-12);
}

#[test]
fn interior_point_root_lp_gives_the_same_relaxation() {
    // The root LP by interior point (with crossover) has the simplex's optimal value, so the
    // root gap and the solve agree.
    let inst = pglib::read_file(&data("rts_gmlc_2020-01-27_6h.json.gz")).unwrap();
    let simplex = solve_checked(&inst, &UcSettings::default());
    let ipm = solve_checked(
        &inst,
        &UcSettings {
            root_lp_solver: RootLpSolver::Ipm,
            ..UcSettings::default()
        },
    );
    assert_eq!(ipm.status, UcStatus::Optimal);
    let (a, b) = (simplex.root_lp_usd.unwrap(), ipm.root_lp_usd.unwrap());
    assert!((a - b).abs() <= 1e-7 * a.abs(), "{a} vs {b}");
    let (a, b) = (simplex.objective_usd.unwrap(), ipm.objective_usd.unwrap());
    assert!((a - b).abs() <= 1e-4 * a.abs(), "{a} vs {b}");
}

#[test]
fn priority_list_needs_no_lp_and_its_schedule_checks() {
    // The start for instances whose root LP does not finish: checked on its own by the
    // independent checker, then handed to HiGHS, which ends at or below its cost. The
    // merit-order bound sits below the optimum on every shipped instance that solves here.
    for file in [
        "rts_gmlc_2020-01-27_6h.json.gz",
        "ca_2015-03-01_reserves_0_4h.json.gz",
    ] {
        let inst = pglib::read_file(&data(file)).unwrap();
        let (sched, cost) = gridsim_models::uc::priority_list(&inst, &UcSettings::default())
            .unwrap()
            .expect("a feasible priority-list schedule");
        let rep = check_schedule(&inst, &sched, None);
        assert!(rep.is_ok(), "{file}: {:?}", rep.violations);
        assert!(
            (rep.cost.total_usd() - cost).abs() <= 1e-6 * cost,
            "{file}: checker {} vs {cost}",
            rep.cost.total_usd()
        );
        let s = UcSettings {
            warm_start: WarmStart::PriorityList,
            ..UcSettings::default()
        };
        let r = solve_checked(&inst, &s);
        assert_eq!(r.status, UcStatus::Optimal, "{file}");
        let obj = r.objective_usd.unwrap();
        assert!(
            (r.warm_start_usd.unwrap() - cost).abs() <= 1e-6 * cost,
            "{file}"
        );
        assert!(obj <= cost + 1e-6 * cost, "{file}: {obj} > start {cost}");
        let lb = gridsim_models::uc::merit_order_bound(&inst, None);
        assert!(lb > 0.0 && lb <= obj, "{file}: bound {lb} vs optimum {obj}");
    }
}

#[test]
fn identical_units_are_grouped_as_the_model_sees_them() {
    use gridsim_models::uc::aggregate::identical_groups;
    let mut inst = pglib::read_file(&data("rts_gmlc_2020-01-27_6h.json.gz")).unwrap();
    let groups = identical_groups(&inst);
    // 73 units; 56 of them in 22 groups of two to six (counted from the JSON with a script:
    // equal data, status and output before the horizon, hours on before it clamped at the
    // minimum up time, hours off at the larger of the minimum down time and the coldest lag).
    assert_eq!(groups.members.iter().map(Vec::len).sum::<usize>(), 73);
    assert_eq!((groups.merged(), groups.merged_units()), (22, 56));
    let pair = groups
        .members
        .iter()
        .find(|m| m.len() >= 2 && inst.thermal[m[0]].on_t0)
        .expect("a group of committed units")
        .clone();
    let (a, b) = (pair[0], pair[1]);
    // Hours on before the horizon beyond the minimum up time change nothing the model reads.
    let ut = inst.thermal[a].min_up_h;
    inst.thermal[a].up_t0_h = ut + 7;
    inst.thermal[b].up_t0_h = ut + 40;
    assert!(identical_groups(&inst)
        .members
        .iter()
        .any(|m| m.contains(&a) && m.contains(&b)));
    // A different output before the horizon does.
    inst.thermal[b].p_t0_mw += 1.0;
    assert!(!identical_groups(&inst)
        .members
        .iter()
        .any(|m| m.contains(&a) && m.contains(&b)));
}

#[test]
fn merging_identical_units_keeps_the_rts_gmlc_optimum() {
    // Six hours of rts_gmlc/2020-01-27 at gap 0, with and without the merged groups: the same
    // optimum (to 1e-7 relative), and the merged solve's schedule passes the checker.
    let inst = pglib::read_file(&data("rts_gmlc_2020-01-27_6h.json.gz")).unwrap();
    let base = UcSettings {
        mip_rel_gap: 0.0,
        ..UcSettings::default()
    };
    let merged = solve_checked(&inst, &base);
    let apart = solve_checked(
        &inst,
        &UcSettings {
            aggregate_identical_units: false,
            ..base
        },
    );
    assert_eq!(merged.status, UcStatus::Optimal, "{:?}", merged.diagnostics);
    assert_eq!(apart.status, UcStatus::Optimal);
    let (m, a) = (merged.objective_usd.unwrap(), apart.objective_usd.unwrap());
    assert!((m - a).abs() <= 1e-7 * a, "merged {m} vs apart {a}");
    // The merged solve's root LP is the merged model's, the other's the individual units':
    // one optimum (each member takes 1/n of its group's LP solution), to 1e-9 relative.
    let (m, a) = (merged.root_lp_usd.unwrap(), apart.root_lp_usd.unwrap());
    assert!((m - a).abs() <= 1e-9 * a, "root LP merged {m} vs apart {a}");
    for r in [&merged, &apart] {
        assert!(r.root_lp_s > 0.0 && r.warm_start_s > 0.0 && r.mip_s > 0.0);
        assert!(r.root_lp_s + r.warm_start_s + r.mip_s <= r.solve_s);
    }
    assert!(merged
        .diagnostics
        .iter()
        .any(|d| d.starts_with("56 identical units merged into 22 groups")));
}

#[test]
fn rounded_lp_start_fills_each_group_count() {
    // The rounded-LP start on the six-hour day: from the merged LP, a group's count is filled
    // member by member before rounding (equal shares would commit all members or none). With
    // and without merging the start is 80,920.72 $, 0.97 % above the optimum 80,144.38 $
    // (measured 2026-11-25); checked here to within 1.5 %.
    let inst = pglib::read_file(&data("rts_gmlc_2020-01-27_6h.json.gz")).unwrap();
    for aggregate in [true, false] {
        let s = UcSettings {
            warm_start: WarmStart::RoundedLp,
            aggregate_identical_units: aggregate,
            ..UcSettings::default()
        };
        let r = solve_checked(&inst, &s);
        let (start, obj) = (r.warm_start_usd.unwrap(), r.objective_usd.unwrap());
        assert_eq!(r.status, UcStatus::Optimal);
        assert!(
            start >= obj - 1e-6 * obj && start <= 1.015 * obj,
            "aggregate {aggregate}: start {start}, optimum {obj}"
        );
    }
}

#[test]
fn lagrangian_bound_lies_between_the_root_lp_and_the_optimum() {
    // Six hours of rts_gmlc/2020-01-27: the root LP's prices moved into the costs give back
    // the LP value when each unit's subproblem is an LP (1e-7 relative: LP tolerances), at
    // least it when each is a MIP, and never more than the optimum 80,144.379301 $ (gap 0,
    // `merging_identical_units_keeps_the_rts_gmlc_optimum`), also along a short ascent.
    let inst = pglib::read_file(&data("rts_gmlc_2020-01-27_6h.json.gz")).unwrap();
    let optimum = 80_144.379301;
    let b = lagrangian_bound(
        &inst,
        &UcSettings::default(),
        Some(Ascent {
            target_usd: optimum,
            iterations: 3,
        }),
    )
    .unwrap()
    .unwrap();
    let tol = 1e-7 * optimum;
    assert!((b.lp_check_usd - b.lp_usd).abs() <= tol, "{b:?}");
    assert!(b.at_lp_prices_usd >= b.lp_usd - tol, "{b:?}");
    assert_eq!(b.trace_usd.len(), 4);
    assert_eq!(b.trace_usd[0], b.at_lp_prices_usd);
    assert!(
        b.bound_usd >= b.at_lp_prices_usd && b.bound_usd <= optimum + tol,
        "{b:?}"
    );
    assert_eq!(b.unit_gain_usd.len(), inst.thermal.len());
    assert!(b.unit_gain_usd.iter().all(|&g| g >= -tol), "{b:?}");
}

#[test]
fn start_commitment_is_dispatched_and_handed_to_the_mip() {
    // Six hours of rts_gmlc/2020-01-27: the optimum's own commitment as the start is the warm
    // start (to 1e-9: the same dispatch LP) and the solve ends optimal on the same value; a
    // commitment the initial conditions forbid (every unit off) falls back to the configured
    // warm start with a diagnostic; a commitment of the wrong shape is a settings error.
    let inst = pglib::read_file(&data("rts_gmlc_2020-01-27_6h.json.gz")).unwrap();
    let first = solve_checked(&inst, &UcSettings::default());
    let obj = first.objective_usd.unwrap();
    let given = UcSettings {
        start_commitment: Some(first.schedule.as_ref().unwrap().commitment.clone()),
        ..UcSettings::default()
    };
    let again = solve_checked(&inst, &given);
    assert_eq!(again.status, UcStatus::Optimal);
    let warm = again.warm_start_usd.unwrap();
    assert!((warm - obj).abs() <= 1e-9 * obj, "start {warm} vs {obj}");
    assert!(again.objective_usd.unwrap() <= obj * (1.0 + 1e-9));
    let off = UcSettings {
        start_commitment: Some(vec![vec![false; inst.periods]; inst.thermal.len()]),
        ..UcSettings::default()
    };
    let r = solve_checked(&inst, &off);
    assert_eq!(r.status, UcStatus::Optimal);
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.starts_with("the start commitment admits no dispatch")),
        "{:?}",
        r.diagnostics
    );
    let short = UcSettings {
        start_commitment: Some(vec![vec![true; inst.periods - 1]; inst.thermal.len()]),
        ..UcSettings::default()
    };
    match solve(&inst, &short) {
        Err(UcError::Settings(m)) => assert!(
            m.starts_with("start_commitment: expected 73 units × 6 periods"),
            "{m}"
        ),
        other => panic!("{other:?}"),
    }
}
