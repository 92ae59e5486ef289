//! Same seed → same trace, for every stochastic agent (outputs compared bit for bit).

use chrono::{TimeZone, Utc};
use gridsim_models::common::StepTime;
use gridsim_models::ev::data::EvData;
use gridsim_models::ev::{EvFleet, EvFleetParams};
use gridsim_models::failure::{FailureParams, FailureProcess};
use gridsim_models::load::{SyntheticLoad, SyntheticLoadParams};
use gridsim_models::solar::{PvParams, PvPlant};
use gridsim_models::wind::{WindFarm, WindParams};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn trace(seed: u64) -> Vec<u64> {
    let pv: PvParams = serde_json::from_str(r#"{"lat_deg": 40, "lon_deg": -105, "tilt_deg": 25, "pdc0_mw": 5, "pac0_mw": 4, "clouds": {}}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    let wind: WindParams =
        serde_json::from_str(r#"{"weibull_scale_m_per_s": 7, "curve": {"rated_mw": 3}}"#)
            .unwrap_or_else(|e| panic!("{e}"));
    let load: SyntheticLoadParams =
        serde_json::from_str(r#"{"base_p_mw": 50}"#).unwrap_or_else(|e| panic!("{e}"));
    let fleet: EvFleetParams = serde_json::from_str(
        r#"{"chargers": 30, "feeder_limit_kw": 80, "controller": "least_laxity_first"}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let arrivals = serde_json::from_str(r#"{"site": "jpl"}"#).unwrap_or_else(|e| panic!("{e}"));
    let data = EvData::builtin().unwrap_or_else(|e| panic!("{e}"));
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut pv = PvPlant::new(pv).unwrap_or_else(|e| panic!("{e}"));
    let mut wind = WindFarm::new(wind).unwrap_or_else(|e| panic!("{e}"));
    let mut load = SyntheticLoad::new(load).unwrap_or_else(|e| panic!("{e}"));
    let mut ev = EvFleet::generated(fleet, arrivals, &data, None).unwrap_or_else(|e| panic!("{e}"));
    let fp = FailureParams {
        mttf_h: 100.0,
        mttr_h: 10.0,
        failure_shape: 1.0,
        repair_shape: 1.0,
    };
    let mut fail = FailureProcess::new(&fp, 0.0, &mut rng).unwrap_or_else(|e| panic!("{e}"));
    let mut t = StepTime::new(
        Utc.with_ymd_and_hms(2021, 6, 1, 0, 0, 0)
            .single()
            .unwrap_or_default(),
        0.0,
    );
    let mut out = Vec::new();
    for _ in 0..(7 * 96) {
        out.push(pv.step(&t, 900.0, &mut rng).p_mw.to_bits());
        out.push(wind.step(&t, 900.0, &mut rng).p_mw.to_bits());
        out.push(load.step(&t, 900.0, &mut rng).p_mw.to_bits());
        out.push(ev.step(&t, 900.0, &mut rng).p_mw.to_bits());
        out.push(fail.step(&t, 900.0, &mut rng).down_s.to_bits());
        t = t.advanced(900.0);
    }
    out
}

#[test]
fn same_seed_gives_the_same_trace() {
    let a = trace(2024);
    assert_eq!(a, trace(2024));
    assert_ne!(a, trace(2025));
}
