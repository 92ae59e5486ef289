//! Times one load model: fit on 2006–2011 (six years, hourly), then forecast 2012-01-01 (24 h) many times.
//!
//! `cargo run --release -p gridsim-forecast --example speed -- MODEL [REPEATS]`. Prints the
//! wall time of the fit and the median and minimum wall time of one day-ahead forecast
//! with 99 quantiles; run it under `/usr/bin/time` for the CPU time on a loaded machine.
//! (The criterion bench `benches/forecast.rs` measures the same two things.)
use std::time::Instant;

use chrono::NaiveDate;
use gridsim_forecast::{data, metrics::percentiles_99, tracks::Target};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(name) = args.get(1) else {
        return eprintln!("usage: speed MODEL [REPEATS]");
    };
    let repeats: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(200);
    let d = match data::read_load_e(&data::shipped_dir().join("load_e.csv.gz")) {
        Ok(d) => d,
        Err(e) => return eprintln!("{e}"),
    };
    let Some(issue) = NaiveDate::from_ymd_opt(2012, 1, 1)
        .and_then(|x| x.and_hms_opt(0, 0, 0))
        .and_then(|t| d.timeline.index_at_or_after(t))
    else {
        return eprintln!("2012 not in the data");
    };
    let view = d.view(issue, 24);
    let mut m = match Target::Load.model(name) {
        Ok(m) => m,
        Err(e) => return eprintln!("{e}"),
    };
    let t = Instant::now();
    if let Err(e) = m.fit(&view) {
        return eprintln!("{e}");
    }
    let fit_s = t.elapsed().as_secs_f64();
    let levels = percentiles_99();
    let mut times = Vec::with_capacity(repeats);
    for _ in 0..repeats {
        let t = Instant::now();
        if let Err(e) = m.predict(&view, 24, &levels) {
            return eprintln!("{e}");
        }
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{name}: fit on {} h in {fit_s:.3} s; one day with 99 quantiles: median {:.4} ms, min {:.4} ms ({repeats} runs)",
        issue,
        times[times.len() / 2],
        times[0]
    );
}
