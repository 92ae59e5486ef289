//! Cost of one step of each agent (criterion), fixed parameters and seeds.
//!
//! Run: `cargo bench -p gridsim-models --bench agents`.

use chrono::{TimeZone, Utc};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use gridsim_models::battery::{Battery, BatteryObservation, BatteryParams, BatteryRule};
use gridsim_models::common::StepTime;
use gridsim_models::ev::data::EvData;
use gridsim_models::ev::{EvFleet, EvFleetParams};
use gridsim_models::failure::{FailureParams, FailureProcess};
use gridsim_models::load::{SyntheticLoad, SyntheticLoadParams};
use gridsim_models::solar::{spa, PvParams, PvPlant, Weather};
use gridsim_models::wind::{WindFarm, WindParams};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn json<T: serde::de::DeserializeOwned>(s: &str) -> T {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("{e}"))
}

fn t0() -> StepTime {
    StepTime::new(
        Utc.with_ymd_and_hms(2020, 6, 21, 18, 0, 0)
            .single()
            .unwrap_or_default(),
        0.0,
    )
}

fn bench(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let obs = spa::Observer {
        lat_deg: 35.0,
        lon_deg: -106.0,
        elevation_m: 1500.0,
        pressure_mbar: 850.0,
        temp_c: 20.0,
        delta_t_s: 69.0,
    };
    let utc = t0().utc;
    c.bench_function("spa_full", |b| {
        b.iter(|| spa::sun_position(black_box(&utc), &obs))
    });
    let eph = spa::ephemeris(&utc, 69.0);
    c.bench_function("spa_topocentric_only", |b| {
        b.iter(|| spa::topocentric(black_box(&eph), &obs))
    });

    let pv: PvParams = json(
        r#"{"lat_deg": 35, "lon_deg": -106, "tilt_deg": 30, "pdc0_mw": 5, "pac0_mw": 4, "clouds": {}}"#,
    );
    let mut plant = PvPlant::new(pv).unwrap_or_else(|e| panic!("{e}"));
    let w = Weather {
        temp_air_c: 25.0,
        wind_speed_m_per_s: 2.0,
    };
    let mut t = t0();
    c.bench_function("pv_step_own_ephemeris", |b| {
        b.iter(|| {
            t = t.advanced(900.0);
            plant.step_with_weather(&t, 900.0, &w, &mut rng)
        })
    });
    c.bench_function("pv_step_shared_ephemeris", |b| {
        b.iter(|| {
            t = t.advanced(900.0);
            plant.step_shared(&t, 900.0, &eph, &w, &mut rng)
        })
    });

    let mut wind = WindFarm::new(json::<WindParams>(
        r#"{"weibull_scale_m_per_s": 7, "curve": {"rated_mw": 3}}"#,
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    c.bench_function("wind_step", |b| b.iter(|| wind.step(&t, 900.0, &mut rng)));

    let mut load = SyntheticLoad::new(json::<SyntheticLoadParams>(r#"{"base_p_mw": 50}"#))
        .unwrap_or_else(|e| panic!("{e}"));
    c.bench_function("synthetic_load_step", |b| {
        b.iter(|| load.step(&t, 900.0, &mut rng))
    });

    let bp: BatteryParams = json(
        r#"{"p_charge_max_mw": 1, "p_discharge_max_mw": 1, "energy_capacity_mwh": 4, "eta_charge": 0.95, "eta_discharge": 0.95}"#,
    );
    let mut bat = Battery::new(bp).unwrap_or_else(|e| panic!("{e}"));
    let rule = BatteryRule::PeakShaving {
        feeder_limit_mw: 5.0,
        charge_below_mw: 4.0,
    };
    let mut l = 0.0;
    c.bench_function("battery_peak_shaving_step", |b| {
        b.iter(|| {
            l = (l + 0.37) % 8.0;
            rule.control(
                &BatteryObservation {
                    feeder_load_mw: l,
                    ..Default::default()
                },
                &mut bat,
                900.0,
            )
        })
    });

    let fp = FailureParams {
        mttf_h: 450.0,
        mttr_h: 50.0,
        failure_shape: 1.0,
        repair_shape: 1.0,
    };
    let mut fail = FailureProcess::new(&fp, 0.0, &mut rng).unwrap_or_else(|e| panic!("{e}"));
    let mut tf = t0();
    c.bench_function("failure_step", |b| {
        b.iter(|| {
            tf = tf.advanced(900.0);
            fail.step(&tf, 900.0, &mut rng)
        })
    });

    // A JPL-like workplace with 2,000 chargers: arrivals scaled ×40 (≈ 2,000 sessions per weekday).
    let data = EvData::builtin().unwrap_or_else(|e| panic!("{e}"));
    let fleet: EvFleetParams =
        json(r#"{"chargers": 2000, "feeder_limit_kw": 5000, "controller": "least_laxity_first"}"#);
    let mut ev = EvFleet::generated(
        fleet,
        json(r#"{"site": "jpl", "rate_scale": 40}"#),
        &data,
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // Warm up a workday so that the chargers are busy.
    let mut te = StepTime::new(
        Utc.with_ymd_and_hms(2019, 6, 3, 8, 0, 0)
            .single()
            .unwrap_or_default(),
        0.0,
    );
    for _ in 0..40 {
        ev.step(&te, 900.0, &mut rng);
        te = te.advanced(900.0);
    }
    let busy = ev.step(&te, 900.0, &mut rng).active;
    eprintln!("ev fleet: {busy} sessions plugged in at the benchmarked state");
    c.bench_function("ev_fleet_2000_chargers_llf_step", |b| {
        b.iter_batched(
            || ev.clone(),
            |mut f| f.step(&te, 900.0, &mut ChaCha8Rng::seed_from_u64(2)),
            criterion::BatchSize::LargeInput,
        )
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
