//! Shipped RTS-GMLC profiles read and replayed (values checked against the source files).

use chrono::{TimeZone, Utc};
use gridsim_models::common::StepTime;
use gridsim_models::profile::{Alignment, Profile, ProfileReplay, ReplayParams};
use std::path::Path;
use std::sync::Arc;

fn data(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/rts-gmlc").join(name)
}

#[test]
fn shipped_load_profile_matches_source_rows() {
    let p = Profile::read(&data("load_regional_2020_hourly.csv.gz"), 0.0).unwrap_or_else(|e| panic!("{e}"));
    // 2020 is a leap year: 366 days × 24 h.
    assert_eq!(p.len(), 8784);
    assert_eq!(p.step_s, 3600.0);
    assert_eq!(p.columns, ["1", "2", "3"]);
    // First row of DAY_AHEAD_regional_Load.csv: 985.0197922, 1102.675901, 1249.636191 MW.
    assert_eq!(p.values[0][0], 985.0197922);
    assert_eq!(p.values[2][0], 1249.636191);
    assert_eq!(p.start, Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).single().unwrap_or_default());
}

#[test]
fn shipped_pv_profile_replays_by_calendar() {
    let p = Arc::new(Profile::read(&data("pv_2020_hourly.csv.gz"), 0.0).unwrap_or_else(|e| panic!("{e}")));
    let params = ReplayParams { column: "215_PV_1".into(), scale: 1.0, alignment: Alignment::Calendar, interpolate: false };
    let r = ProfileReplay::new(params, p.clone()).unwrap_or_else(|e| panic!("{e}"));
    // Midnight is dark.
    let t = StepTime::new(Utc.with_ymd_and_hms(2020, 7, 1, 0, 0, 0).single().unwrap_or_default(), 0.0);
    assert_eq!(r.value(&t), 0.0);
    // 2020-07-01 period 12 (11:00–12:00) of 215_PV_1 is 62.1 MW in DAY_AHEAD_pv.csv.
    let t = StepTime::new(Utc.with_ymd_and_hms(2020, 7, 1, 11, 30, 0).single().unwrap_or_default(), 0.0);
    assert_eq!(r.value(&t), 62.1);
    // Plant 101_PV_1 has PMax 25.9 MW (gen.csv); its profile never exceeds it.
    let c = p.column("101_PV_1").unwrap_or(usize::MAX);
    assert!(p.peak(c) > 0.0 && p.peak(c) <= 25.9);
}
