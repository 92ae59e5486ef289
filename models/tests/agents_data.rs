//! Shipped RTS-GMLC profiles read and replayed (values checked against the source files).

use chrono::{TimeZone, Utc};
use gridsim_models::common::StepTime;
use gridsim_models::profile::{Alignment, Profile, ProfileReplay, ReplayParams};
use std::path::Path;
use std::sync::Arc;

fn data(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/rts-gmlc")
        .join(name)
}

#[test]
fn shipped_load_profile_matches_source_rows() {
    let p = Profile::read(&data("load_regional_2020_hourly.csv.gz"), 0.0)
        .unwrap_or_else(|e| panic!("{e}"));
    // 2020 is a leap year: 366 days × 24 h.
    assert_eq!(p.len(), 8784);
    assert_eq!(p.step_s, 3600.0);
    assert_eq!(p.columns, ["1", "2", "3"]);
    // First row of DAY_AHEAD_regional_Load.csv: 985.0197922, 1102.675901, 1249.636191 MW.
    assert_eq!(p.values[0][0], 985.0197922);
    assert_eq!(p.values[2][0], 1249.636191);
    assert_eq!(
        p.start,
        Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0)
            .single()
            .unwrap_or_default()
    );
}

#[test]
fn shipped_pv_profile_replays_by_calendar() {
    let p = Arc::new(
        Profile::read(&data("pv_2020_hourly.csv.gz"), 0.0).unwrap_or_else(|e| panic!("{e}")),
    );
    let params = ReplayParams {
        column: "215_PV_1".into(),
        scale: 1.0,
        alignment: Alignment::Calendar,
        interpolate: false,
    };
    let r = ProfileReplay::new(params, p.clone()).unwrap_or_else(|e| panic!("{e}"));
    // Midnight is dark.
    let t = StepTime::new(
        Utc.with_ymd_and_hms(2020, 7, 1, 0, 0, 0)
            .single()
            .unwrap_or_default(),
        0.0,
    );
    assert_eq!(r.value(&t), 0.0);
    // 2020-07-01 period 12 (11:00–12:00) of 215_PV_1 is 62.1 MW in DAY_AHEAD_pv.csv.
    let t = StepTime::new(
        Utc.with_ymd_and_hms(2020, 7, 1, 11, 30, 0)
            .single()
            .unwrap_or_default(),
        0.0,
    );
    assert_eq!(r.value(&t), 62.1);
    // Plant 101_PV_1 has PMax 25.9 MW (gen.csv); its profile never exceeds it.
    let c = p.column("101_PV_1").unwrap_or(usize::MAX);
    assert!(p.peak(c) > 0.0 && p.peak(c) <= 25.9);
}

/// case24_ieee_rts with its four areas mapped onto the three RTS-GMLC regions: under
/// `share_of_region` the buses of a region add up to the regional profile at every step
/// (to 1e-9 MW), and a bus keeps its case power factor.
#[test]
fn profile_loads_share_the_regional_load() {
    use gridsim_models::load::{LoadScaling, ProfileLoad};
    let case_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../networks/cases/matpower/case24_ieee_rts.m");
    let case = gridsim_networks::matpower::read(&case_path).unwrap_or_else(|e| panic!("{e}"));
    let p = Arc::new(
        Profile::read(&data("load_regional_2020_hourly.csv.gz"), 0.0)
            .unwrap_or_else(|e| panic!("{e}")),
    );
    let areas: std::collections::BTreeMap<u32, String> = [(1, "1"), (2, "2"), (3, "3"), (4, "3")]
        .into_iter()
        .map(|(a, c)| (a, c.to_string()))
        .collect();
    let mut loads = ProfileLoad::per_bus(&case, p.clone(), &areas, LoadScaling::ShareOfRegion)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        loads.len(),
        case.bus.pd_mw.iter().filter(|&&x| x != 0.0).count()
    );
    for hour in [0usize, 4000, 8783] {
        let t = StepTime::new(
            p.start + chrono::Duration::hours(hour as i64),
            hour as f64 * 3600.0,
        );
        let mut by_region = [0.0f64; 3];
        for l in loads.iter_mut() {
            let k = case.bus.id.iter().position(|&b| b == l.bus).unwrap_or(0);
            let region = match case.bus.area[k] {
                1 => 0,
                2 => 1,
                _ => 2,
            };
            let o = l.step(&t, 3600.0);
            by_region[region] += o.p_mw;
            assert!((o.q_mvar * l.base_p_mw - o.p_mw * l.base_q_mvar).abs() < 1e-9);
        }
        for (r, total) in by_region.iter().enumerate() {
            assert!(
                (total - p.values[r][hour]).abs() < 1e-9,
                "region {r} hour {hour}"
            );
        }
    }
    let bad: std::collections::BTreeMap<u32, String> = [(1, "9".to_string())].into_iter().collect();
    let e = ProfileLoad::per_bus(&case, p, &bad, LoadScaling::PeakEqualsCase)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("load_profile.areas[1]"), "{e}");
}

#[test]
fn shipped_wind_profile_replays_by_elapsed_time() {
    let p = Arc::new(
        Profile::read(&data("wind_2020_hourly.csv.gz"), 0.0).unwrap_or_else(|e| panic!("{e}")),
    );
    let params = ReplayParams {
        column: "309_WIND_1".into(),
        scale: 0.5,
        alignment: Alignment::Elapsed,
        interpolate: true,
    };
    let r = ProfileReplay::new(params, p).unwrap_or_else(|e| panic!("{e}"));
    let t0 = StepTime::new(
        Utc.with_ymd_and_hms(2030, 5, 5, 0, 0, 0)
            .single()
            .unwrap_or_default(),
        0.0,
    );
    // DAY_AHEAD_wind.csv, 309_WIND_1: 142.8 MW then 139.1 MW; halfway and scaled by 0.5.
    assert_eq!(r.value(&t0), 71.4);
    assert!((r.value(&t0.advanced(1800.0)) - 0.5 * (142.8 + 139.1) / 2.0).abs() < 1e-12);
}
