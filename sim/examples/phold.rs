//! Runs one PHOLD workload and prints the events delivered, for CPU-time measurements (`time`, `perf stat`).
//!
//! `cargo run --release -p gridsim-sim --example phold -- N_LP POPULATION HORIZON_S`

#[path = "../benches/support/phold.rs"]
mod phold;

use gridsim_sim::SimTime;

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let (n_lp, population, horizon_s) = match args[..] {
        [a, b, c] => (a as usize, b as usize, c as i64),
        _ => {
            eprintln!("usage: phold N_LP POPULATION HORIZON_S");
            std::process::exit(2);
        }
    };
    let mut sim = phold::build(n_lp, population);
    let start = std::time::Instant::now();
    match sim.run_until(SimTime::from_secs(horizon_s)) {
        Ok(stats) => {
            let wall_s = start.elapsed().as_secs_f64();
            println!(
                "events {} wall_s {wall_s:.3} events_per_s {:.0}",
                stats.events,
                stats.events as f64 / wall_s
            );
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
