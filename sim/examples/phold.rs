//! Runs PHOLD once (events per second of wall and CPU time) or through the Monte Carlo runner (wall and CPU time at T threads).
//!
//! ```text
//! cargo run --release -p gridsim-sim --example phold -- N_LP POPULATION HORIZON_S
//! cargo run --release -p gridsim-sim --example phold -- mc REPLICATIONS THREADS
//! ```
//!
//! Single run: the CPU time is the first field of `/proc/thread-self/schedstat` (nanoseconds
//! on a CPU, Linux), read around `run_until` only: on a shared machine it measures the
//! kernel's work without the time spent waiting for a core.
//!
//! `mc`: each replication is PHOLD with 1 000 LPs and one event each over 1 000 s (about 10⁶
//! events). The process CPU time (`utime + stime` from `/proc/self/stat`, in 10 ms ticks)
//! shows whether more threads add work; on an idle machine the speed-up is then about
//! `T · cpu_1 / cpu_T`.

#[path = "../benches/support/phold.rs"]
mod phold;

use gridsim_sim::montecarlo::{run, MonteCarloSettings, StrategyRow};
use gridsim_sim::{SimError, SimTime};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let monte_carlo = args.first().is_some_and(|a| a == "mc");
    let numbers: Vec<u64> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let outcome = match (monte_carlo, &numbers[..]) {
        (false, &[n_lp, population, horizon_s]) => {
            single(n_lp as usize, population as usize, horizon_s as i64)
        }
        (true, &[replications, threads]) => many(replications, threads as usize),
        _ => {
            eprintln!("usage: phold N_LP POPULATION HORIZON_S | phold mc REPLICATIONS THREADS");
            std::process::exit(2);
        }
    };
    if let Err(e) = outcome {
        eprintln!("{e}");
        std::process::exit(1);
    }
}

fn single(n_lp: usize, population: usize, horizon_s: i64) -> Result<(), SimError> {
    let mut sim = phold::build(n_lp, population);
    let cpu0 = thread_cpu_ns();
    let start = std::time::Instant::now();
    let stats = sim.run_until(SimTime::from_secs(horizon_s))?;
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
    Ok(())
}

fn many(replications: u64, threads: usize) -> Result<(), SimError> {
    let settings = MonteCarloSettings {
        threads,
        start: 0,
        end: replications,
        progress: false,
    };
    let cpu0 = process_cpu_s();
    let start = std::time::Instant::now();
    let table = run(&settings, std::io::sink(), |r| {
        let mut sim = phold::build_replication(1_000, 1, r);
        let events = sim.run_until(SimTime::from_secs(1_000))?.events;
        Ok::<_, SimError>(vec![StrategyRow::new(
            "phold",
            vec![("events".into(), events as f64)],
        )])
    })?;
    let wall_s = start.elapsed().as_secs_f64();
    let cpu_s = match (cpu0, process_cpu_s()) {
        (Some(a), Some(b)) => b - a,
        _ => f64::NAN,
    };
    let events: f64 = (0..table.replications().len())
        .filter_map(|i| table.value(i, "phold", "events"))
        .sum();
    println!(
        "threads {threads} replications {replications} events {events} wall_s {wall_s:.3} cpu_s {cpu_s:.2}"
    );
    Ok(())
}

/// Nanoseconds this thread has spent on a CPU (Linux `schedstat`), if available.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
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
