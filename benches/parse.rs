//! MATPOWER parsing benchmarks: `matpower::parse_str` on fixed cases (file reading excluded).

use std::path::PathBuf;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use gridsim_networks::matpower;

fn case_text(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("networks/cases/matpower")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("matpower_parse");
    for name in ["case118.m", "case9241pegase.m", "case13659pegase.m"] {
        let text = case_text(name);
        group.bench_function(name.trim_end_matches(".m"), |b| {
            b.iter(|| matpower::parse_str(black_box(&text), name).expect("shipped case parses"))
        });
    }
    group.finish();
}

fn write(c: &mut Criterion) {
    let case =
        matpower::parse_str(&case_text("case13659pegase.m"), "case13659pegase.m").expect("parses");
    c.bench_function("matpower_write/case13659pegase", |b| {
        b.iter(|| matpower::to_string(black_box(&case)))
    });
}

criterion_group!(benches, parse, write);
criterion_main!(benches);
