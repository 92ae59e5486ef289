//! Runs PHOLD replications through the Monte Carlo runner and prints wall time and process CPU time, to judge the speed-up from 1 to T threads.
//!
//! `cargo run --release -p gridsim-sim --example mc_phold -- REPLICATIONS THREADS`
//!
//! Each replication is PHOLD with 1 000 LPs and one event each over 1 000 s of simulated
//! time (about 10⁶ events). The process CPU time (`utime + stime` from `/proc/self/stat`, in
//! clock ticks of 10 ms) shows whether running on more threads adds work; on an idle machine
//! the speed-up is then about `T · cpu_1 / cpu_T`.

#[path = "../benches/support/phold.rs"]
mod phold;

use gridsim_sim::montecarlo::{run, MonteCarloSettings, StrategyRow};
use gridsim_sim::{SimError, SimTime};

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let (replications, threads) = match args[..] {
        [r, t] => (r, t as usize),
        _ => {
            eprintln!("usage: mc_phold REPLICATIONS THREADS");
            std::process::exit(2);
        }
    };
    let settings = MonteCarloSettings {
        threads,
        start: 0,
        end: replications,
        progress: false,
    };
    let cpu0 = process_cpu_s();
    let start = std::time::Instant::now();
    let result = run(&settings, std::io::sink(), |r| {
        let mut sim = phold::build_replication(1_000, 1, r);
        let events = sim.run_until(SimTime::from_secs(1_000))?.events;
        Ok::<_, SimError>(vec![StrategyRow::new(
            "phold",
            vec![("events".into(), events as f64)],
        )])
    });
    let wall_s = start.elapsed().as_secs_f64();
    let cpu_s = match (cpu0, process_cpu_s()) {
        (Some(a), Some(b)) => b - a,
        _ => f64::NAN,
    };
    match result {
        Ok(table) => {
            let events: f64 = (0..table.replications().len())
                .filter_map(|i| table.value(i, "phold", "events"))
                .sum();
            println!("threads {threads} replications {replications} events {events} wall_s {wall_s:.3} cpu_s {cpu_s:.2}");
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}

/// `utime + stime` of this process in seconds (Linux `/proc/self/stat`, 100 ticks per second).
fn process_cpu_s() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = text.get(text.rfind(')')? + 2..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}
