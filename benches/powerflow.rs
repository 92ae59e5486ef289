//! Power flow benchmarks: warm Newton–Raphson solves (symbolic analysis reused, start from the
//! case's voltages, as `gridsim pf --repeat`), a cold solve (Ybus, pattern and symbolic
//! analysis included) and the DC power flow, on fixed MATPOWER cases.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use gridsim_networks::acpf::{AcPfSettings, AcPowerFlow, Start};
use gridsim_networks::dcpf::DcPowerFlow;
use gridsim_networks::{matpower, Network};

const CASES: [&str; 5] = [
    "case118",
    "case1354pegase",
    "case2383wp",
    "case9241pegase",
    "case13659pegase",
];

fn network(name: &str) -> Network {
    let path = format!(
        "{}/networks/cases/matpower/{name}.m",
        env!("CARGO_MANIFEST_DIR")
    );
    let case = matpower::read(&path).unwrap_or_else(|e| panic!("{e}"));
    Network::from_case(&case).unwrap_or_else(|e| panic!("{e}"))
}

fn ac_warm(c: &mut Criterion) {
    let mut g = c.benchmark_group("acpf_warm");
    for name in CASES {
        let net = network(name);
        let mut pf = AcPowerFlow::new(&net, AcPfSettings::default());
        assert!(pf.solve(&net, Start::Case).status.is_converged(), "{name}");
        g.bench_with_input(BenchmarkId::from_parameter(name), &net, |b, net| {
            b.iter(|| pf.solve(net, Start::Case))
        });
    }
    g.finish();
}

fn ac_cold(c: &mut Criterion) {
    let mut g = c.benchmark_group("acpf_cold");
    for name in ["case1354pegase", "case9241pegase"] {
        let net = network(name);
        g.bench_with_input(BenchmarkId::from_parameter(name), &net, |b, net| {
            b.iter(|| AcPowerFlow::new(net, AcPfSettings::default()).solve(net, Start::Case))
        });
    }
    g.finish();
}

fn dc(c: &mut Criterion) {
    let mut g = c.benchmark_group("dcpf_warm");
    for name in CASES {
        let net = network(name);
        let mut pf = DcPowerFlow::new(&net);
        g.bench_with_input(BenchmarkId::from_parameter(name), &net, |b, net| {
            b.iter(|| pf.solve(net))
        });
    }
    g.finish();
}

criterion_group!(benches, ac_warm, ac_cold, dc);
criterion_main!(benches);
