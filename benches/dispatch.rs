//! Economic dispatch benchmarks: one solve of the closed-form lossless dispatch
//! (`gridsim_networks::dispatch`, as a co-simulation step calls it, the load changing between
//! solves) and, for scale, the same dispatch as an LP/QP on HiGHS (`opf::EconomicDispatch`).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use gridsim_networks::dispatch::{DispatchStatus, EconomicDispatch};
use gridsim_networks::opf::{self, DcOpfSettings};
use gridsim_networks::{matpower, Case, Network};

fn load(name: &str) -> (Case, Network) {
    let path = format!(
        "{}/networks/cases/matpower/{name}.m",
        env!("CARGO_MANIFEST_DIR")
    );
    let case = matpower::read(&path).unwrap_or_else(|e| panic!("{e}"));
    let net = Network::from_case(&case).unwrap_or_else(|e| panic!("{e}"));
    (case, net)
}

fn closed_form(c: &mut Criterion) {
    let mut g = c.benchmark_group("dispatch_solve");
    for name in ["case118", "case9241pegase"] {
        let (case, mut net) = load(name);
        let mut ed = EconomicDispatch::new(&net, &case).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            ed.solve(&net, None).status,
            DispatchStatus::Balanced,
            "{name}"
        );
        let pd0 = net.pd_pu.clone();
        let mut step = 0u32;
        g.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| {
                // ±5 % load, alternating: every solve sees a new demand.
                step = step.wrapping_add(1);
                let s = if step % 2 == 0 { 0.95 } else { 1.05 };
                for (p, &p0) in net.pd_pu.iter_mut().zip(&pd0) {
                    *p = p0 * s;
                }
                ed.solve(&net, None).cost_usd_per_h
            })
        });
    }
    g.finish();
}

fn on_highs(c: &mut Criterion) {
    let mut g = c.benchmark_group("opf_economic_dispatch_solve");
    g.sample_size(10);
    let (case, net) = load("case118");
    let mut ed = opf::EconomicDispatch::new(&net, &case.gencost, DcOpfSettings::default())
        .unwrap_or_else(|e| panic!("{e}"));
    g.bench_function(BenchmarkId::from_parameter("case118"), |b| {
        b.iter(|| ed.solve(&net).objective_usd_per_h)
    });
    g.finish();
}

criterion_group!(benches, closed_form, on_highs);
criterion_main!(benches);
