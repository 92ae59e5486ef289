//! Runs one model of one track on the shipped data and prints its scores (development aid; the CLI is `gridsim forecast backtest`).
use gridsim_forecast::{data, tracks};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let target = match args.get(1).map(String::as_str) {
        Some("solar") => tracks::Target::Solar,
        Some("wind") => tracks::Target::Wind,
        _ => tracks::Target::Load,
    };
    let dir = data::shipped_dir();
    let sets = match target {
        tracks::Target::Load => data::read_load_e(&dir.join("load_e.csv.gz")).map(|d| vec![d]),
        tracks::Target::Solar => data::read_solar(&dir.join("solar.csv.gz")),
        tracks::Target::Wind => data::read_wind(&dir.join("wind.csv.gz")),
    };
    let sets = match sets {
        Ok(s) => s,
        Err(e) => return eprintln!("{e}"),
    };
    for m in args.iter().skip(2) {
        match tracks::run_model(target, m, &sets, 24) {
            Ok(r) => println!(
                "{m}: {:?} pinball {:.5} in {:.2} s",
                r.scores.point, r.scores.pinball, r.elapsed_s
            ),
            Err(e) => println!("{m}: {e}"),
        }
    }
}
