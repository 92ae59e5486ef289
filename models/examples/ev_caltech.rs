//! Replays Caltech ACN, March 2019, under uncontrolled, EDF and LLF charging and prints the metrics.
//!
//! Run: `cargo run -p gridsim-models --example ev_caltech -- [LIMIT_KW ...]` (default 50 100).

use chrono::{TimeZone, Utc};
use gridsim_models::common::StepTime;
use gridsim_models::ev::data::parse_period_sessions;
use gridsim_models::ev::tariff::TouTariff;
use gridsim_models::ev::{EvController, EvFleet, EvFleetParams};
use rand::SeedableRng;
use std::io::Read;
use std::sync::Arc;

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let limits: Vec<f64> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    let limits = if limits.is_empty() {
        vec![50.0, 100.0]
    } else {
        limits
    };
    let gz = include_bytes!("../data/acn/caltech_mar2019_sessions.csv.gz");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..]).read_to_string(&mut text)?;
    let sessions = parse_period_sessions(&text, "caltech_mar2019_sessions.csv.gz", 300.0)?;
    let tariff = Arc::new(TouTariff::parse(
        include_str!("../data/acn/sce_tou_ev_4_march_2019.json"),
        "sce_tou_ev_4",
    )?);
    let last = sessions.iter().map(|s| s.departure_s).fold(0.0, f64::max);
    println!("controller,limit_kw,sessions,unmet,requested_kwh,delivered_kwh,delivered_pct,peak_kw,energy_cost_usd");
    for &limit in &limits {
        for ctrl in [
            EvController::Uncontrolled,
            EvController::EarliestDeadlineFirst,
            EvController::LeastLaxityFirst,
        ] {
            let params = EvFleetParams {
                chargers: 1000,
                evse_max_kw: 6.6,
                feeder_limit_kw: Some(limit),
                controller: ctrl,
                utc_offset_h: -8.0,
            };
            let mut fleet = EvFleet::replay(params, sessions.clone(), Some(tariff.clone()))?;
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
            // 2019-03-01 00:00 local (UTC−8).
            let mut t = StepTime::new(
                Utc.with_ymd_and_hms(2019, 3, 1, 8, 0, 0)
                    .single()
                    .unwrap_or_default(),
                0.0,
            );
            while t.t_s <= last {
                fleet.step(&t, 300.0, &mut rng);
                t = t.advanced(300.0);
            }
            let m = fleet.finish();
            println!(
                "{ctrl:?},{limit},{},{},{:.4},{:.4},{:.4},{:.4},{:.2}",
                m.sessions,
                m.sessions_unmet,
                m.energy_requested_kwh,
                m.energy_delivered_kwh,
                m.delivered_pct(),
                m.peak_kw,
                m.energy_cost_usd
            );
        }
    }
    Ok(())
}
