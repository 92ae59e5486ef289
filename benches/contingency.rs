//! Criterion benches of sensitivities and N-1 contingency analysis: PTDF and AC N-1 of case1354pegase, DC N-1 screening of case9241pegase.
//!
//! - `ptdf/case1354pegase`: factorise the reduced B and compute the full PTDF (1991 × 1354),
//!   and the PTDF alone from an existing factorisation.
//! - `dc_n1/case9241pegase`: base-case DC power flow, factorisation and the screening of every
//!   connected branch (16 049 outages, islanding ones included) against `RATE_A`; and the
//!   screening alone.
//! - `ac_n1/case1354pegase`: base-case Newton–Raphson and the warm-started AC power flow of
//!   every connected branch outage (islanding ones included), on all threads and on one.
//!
//! Run: `cargo bench --bench contingency -- --warm-up-time 1 --measurement-time 5 --sample-size 10`.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use gridsim_networks::contingency::{
    ac_n1, dc_n1, AcN1Settings, DcContingencyAnalysis, DcN1Settings,
};
use gridsim_networks::sensitivity::{DcSensitivities, SlackDistribution};
use gridsim_networks::{matpower, Network};

fn load(name: &str) -> Network {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "networks",
        "cases",
        "matpower",
        &format!("{name}.m"),
    ]
    .iter()
    .collect();
    let case = matpower::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Network::from_case(&case).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn one_thread() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("thread pool")
}

fn ptdf(c: &mut Criterion) {
    let net = load("case1354pegase");
    let mut g = c.benchmark_group("ptdf");
    g.bench_function("case1354pegase/factor+all_rows", |b| {
        b.iter(|| {
            let s = DcSensitivities::new(black_box(&net)).expect("factorises");
            s.ptdf(None, &SlackDistribution::ReferenceBuses)
                .expect("ptdf")
        })
    });
    let sens = DcSensitivities::new(&net).expect("factorises");
    g.bench_function("case1354pegase/all_rows", |b| {
        b.iter(|| {
            sens.ptdf(None, &SlackDistribution::ReferenceBuses)
                .expect("ptdf")
        })
    });
    g.finish();
}

fn dc(c: &mut Criterion) {
    let net = load("case9241pegase");
    let mut g = c.benchmark_group("dc_n1");
    g.bench_function("case9241pegase/all_branches", |b| {
        b.iter(|| dc_n1(black_box(&net), None, &DcN1Settings::default()).expect("runs"))
    });
    let dca = DcContingencyAnalysis::new(&net, DcN1Settings::default()).expect("prepares");
    g.bench_function("case9241pegase/screening_only", |b| {
        b.iter(|| dca.run(None).expect("runs"))
    });
    let pool = one_thread();
    g.bench_function("case9241pegase/screening_only_1_thread", |b| {
        b.iter(|| pool.install(|| dca.run(None).expect("runs")))
    });
    g.finish();
}

fn ac(c: &mut Criterion) {
    let net = load("case1354pegase");
    let mut g = c.benchmark_group("ac_n1");
    g.sample_size(10);
    g.bench_function("case1354pegase/all_branches", |b| {
        b.iter(|| ac_n1(black_box(&net), None, &AcN1Settings::default()).expect("runs"))
    });
    let pool = one_thread();
    g.bench_function("case1354pegase/all_branches_1_thread", |b| {
        b.iter(|| {
            pool.install(|| ac_n1(black_box(&net), None, &AcN1Settings::default()).expect("runs"))
        })
    });
    g.finish();
}

criterion_group!(benches, ptdf, dc, ac);
criterion_main!(benches);
