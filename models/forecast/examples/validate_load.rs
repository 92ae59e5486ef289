//! Scores one load model on the validation year 2012 (history 2006–2011, daily issues through 2012), so settings are chosen without the test years.
//!
//! `cargo run --release -p gridsim-forecast --example validate_load -- MODEL`; prints MAPE,
//! RMSE, mean pinball and the wall time of the whole backtest.
use std::time::Instant;

use chrono::NaiveDate;
use gridsim_forecast::backtest::{rolling_origin, score, BacktestSettings};
use gridsim_forecast::{data, metrics::percentiles_99, tracks::Target};

fn main() {
    let Some(name) = std::env::args().nth(1) else {
        return eprintln!("usage: validate_load MODEL");
    };
    let d = match data::read_load_e(&data::shipped_dir().join("load_e.csv.gz")) {
        Ok(d) => d,
        Err(e) => return eprintln!("{e}"),
    };
    let at = |y| {
        NaiveDate::from_ymd_opt(y, 1, 1)
            .and_then(|x| x.and_hms_opt(0, 0, 0))
            .and_then(|t| d.timeline.index_at_or_after(t))
    };
    let (Some(first_issue), Some(end)) = (at(2012), at(2013)) else {
        return eprintln!("2012 not in the data");
    };
    let s = BacktestSettings {
        first_issue,
        end,
        step_h: 24,
        horizon: 24,
        levels: percentiles_99(),
    };
    let mut m = match Target::Load.model(&name) {
        Ok(m) => m,
        Err(e) => return eprintln!("{e}"),
    };
    let t = Instant::now();
    let f = match rolling_origin(&d, m.as_mut(), &s) {
        Ok(f) => f,
        Err(e) => return eprintln!("{e}"),
    };
    let sc = score(&[(&d, &f)], &s.levels);
    println!(
        "{name} 2012: MAPE {:.3} %, RMSE {:.1} MW, pinball {:.3}, {} h, {:.1} s",
        sc.point.mape_pct.unwrap_or(f64::NAN),
        sc.point.rmse,
        sc.pinball,
        sc.point.n,
        t.elapsed().as_secs_f64()
    );
}
