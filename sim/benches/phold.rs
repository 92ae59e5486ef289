//! PHOLD benchmark of the kernel: events per second on one thread, through `Simulation` (models, context, streams) and through the bare `EventQueue`.
//!
//! The workload is in `support/phold.rs`. Throughput is the number of events delivered before
//! the horizon divided by the time of `run_until` (setup excluded).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use gridsim_sim::montecarlo::{run, MonteCarloSettings, StrategyRow};
use gridsim_sim::{EventQueue, Phase, SimDuration, SimTime};
use rand_distr::{Distribution, Exp};

mod support;
use support::phold::{build, build_replication, MEAN_DELAY_MS, SEED};

fn phold(c: &mut Criterion) {
    let mut group = c.benchmark_group("phold");
    for (n_lp, population, horizon_s) in [(1_000, 1, 1_000), (1_000, 16, 60)] {
        let horizon = SimTime::from_secs(horizon_s);
        let events = build(n_lp, population)
            .run_until(horizon)
            .expect("runs")
            .events;
        group.throughput(Throughput::Elements(events));
        group.bench_function(format!("simulation/lp{n_lp}_pop{population}"), |b| {
            b.iter_batched(
                || build(n_lp, population),
                |mut sim| sim.run_until(horizon).expect("runs"),
                BatchSize::LargeInput,
            )
        });
    }
    // The bare queue in the hold model: pop one, push one with the same delay law.
    for pending in [1_000usize, 16_000] {
        const OPS: u64 = 1_000_000;
        group.throughput(Throughput::Elements(OPS));
        group.bench_function(format!("queue_hold/pending{pending}"), |b| {
            b.iter_batched(
                || {
                    let mut q = EventQueue::new();
                    for k in 0..pending {
                        q.schedule(SimTime::from_ms(k as i64 % 1000), Phase::MEASURE, k)
                            .expect("future");
                    }
                    let rng = gridsim_sim::RandomStreams::new(SEED, 0).stream("hold");
                    (q, rng)
                },
                |(mut q, mut rng)| {
                    let exp = Exp::new(1.0 / MEAN_DELAY_MS).expect("positive rate");
                    for _ in 0..OPS {
                        let e = q.pop().expect("never empty");
                        let t = e.t + SimDuration::from_ms(1 + exp.sample(&mut rng) as i64);
                        q.schedule(t, e.phase, e.payload).expect("future");
                    }
                    q
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

/// Monte Carlo speed-up: 8 PHOLD replications (1 000 LPs, 200 s, about 2·10⁵ events each) on
/// 1 and on 2 threads, rows streamed to a sink.
fn montecarlo(c: &mut Criterion) {
    let mut group = c.benchmark_group("montecarlo_phold");
    group.sample_size(10);
    for threads in [1, 2] {
        let settings = MonteCarloSettings {
            threads,
            start: 0,
            end: 8,
            progress: false,
        };
        group.bench_function(format!("8_replications/threads{threads}"), |b| {
            b.iter(|| {
                run(&settings, std::io::sink(), |r| {
                    let mut sim = build_replication(1_000, 1, r);
                    let events = sim.run_until(SimTime::from_secs(200))?.events;
                    Ok::<_, gridsim_sim::SimError>(vec![StrategyRow::new(
                        "phold",
                        vec![("events".into(), events as f64)],
                    )])
                })
                .expect("runs")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, phold, montecarlo);
criterion_main!(benches);
