//! Runs one PHOLD workload and prints events per second of wall time and of this thread's CPU time.
//!
//! `cargo run --release -p gridsim-sim --example phold -- N_LP POPULATION HORIZON_S`
//!
//! The CPU time is the first field of `/proc/thread-self/schedstat` (nanoseconds on a CPU,
//! Linux), read around `run_until` only: on a shared machine it measures the kernel's work
//! without the time spent waiting for a core.

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
    let cpu0 = thread_cpu_ns();
    let start = std::time::Instant::now();
    match sim.run_until(SimTime::from_secs(horizon_s)) {
        Ok(stats) => {
            let wall_s = start.elapsed().as_secs_f64();
            let cpu_s = match (cpu0, thread_cpu_ns()) {
                (Some(a), Some(b)) => (b - a) as f64 * 1e-9,
                _ => f64::NAN,
            };
            let ev = stats.events as f64;
            println!(
                "events {} wall_s {wall_s:.3} cpu_s {cpu_s:.3} events_per_wall_s {:.0} events_per_cpu_s {:.0}",
                stats.events,
                ev / wall_s,
                ev / cpu_s
            );
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}

/// Nanoseconds this thread has spent on a CPU (Linux `schedstat`), if available.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}
