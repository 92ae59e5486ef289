//! PGLib-UC instances shipped in `models/data/pglib-uc`: import, solve, independent check.

mod uc_common;

use std::path::PathBuf;

use gridsim_models::uc::{check_schedule, pglib, UcError, UcSettings, UcStatus};
use uc_common::solve_checked;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data/pglib-uc")
        .join(name)
}

#[test]
fn every_shipped_instance_imports() {
    // Unit counts of the PGLib-UC files: rts_gmlc 73 thermal + 81 renewable, ca 610 thermal.
    let full = pglib::read_file(&data("rts_gmlc_2020-01-27.json.gz")).unwrap();
    assert_eq!(
        (full.periods, full.thermal.len(), full.renewable.len()),
        (48, 73, 81)
    );
    assert_eq!(full.thermal[0].name, "115_STEAM_1");
    assert!((full.demand_mw[0] - 3262.31).abs() < 1e-9);
    let cut = pglib::read_file(&data("rts_gmlc_2020-01-27_6h.json.gz")).unwrap();
    assert_eq!((cut.periods, cut.thermal.len()), (6, 73));
    let ca = pglib::read_file(&data("ca_2015-03-01_reserves_0_4h.json.gz")).unwrap();
    assert_eq!(
        (ca.periods, ca.thermal.len(), ca.renewable.len()),
        (4, 610, 0)
    );
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
