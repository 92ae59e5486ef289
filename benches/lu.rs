//! Criterion benches of the sparse LU on power-flow Jacobians: symbolic analysis, first factor, refactor and solve, against faer's sparse LU.
//!
//! The matrix is the polar Newton–Raphson Jacobian `[[∂P/∂θ, ∂P/∂|V|], [∂Q/∂θ, ∂Q/∂|V|]]`
//! (θ for PV and PQ buses, |V| for PQ buses, MATPOWER's `dSbus_dV`) evaluated at the case's
//! own voltages, built here from the branch and bus tables (π model with taps and shifts,
//! bus shunts). The refactor benches factor a second Jacobian, evaluated at perturbed
//! voltages, with the pattern analysed on the first: what each Newton iteration does.
//!
//! Run: `cargo bench --bench lu -- --warm-up-time 1 --measurement-time 3`.

use std::collections::HashMap;
use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::sparse::linalg::lu::{factorize_symbolic_lu, LuRef, NumericLu, SymbolicLu};
use faer::sparse::{SparseColMatRef, SymbolicSparseColMatRef};
use faer::{Conj, MatMut, Par};
use gridsim_networks::sparse::{CscMatrix, SparseLu};
use gridsim_networks::{matpower, BusType, Case};

/// The cases timed, smallest first.
const CASES: &[&str] = &[
    "case118",
    "case1354pegase",
    "case9241pegase",
    "case13659pegase",
    "case_ACTIVSg10k",
];

/// Minimal complex arithmetic for the Jacobian.
#[derive(Clone, Copy, Debug, Default)]
struct C {
    re: f64,
    im: f64,
}

impl C {
    fn new(re: f64, im: f64) -> C {
        C { re, im }
    }
    fn polar(r: f64, th: f64) -> C {
        C::new(r * th.cos(), r * th.sin())
    }
    fn conj(self) -> C {
        C::new(self.re, -self.im)
    }
    fn add(self, o: C) -> C {
        C::new(self.re + o.re, self.im + o.im)
    }
    fn sub(self, o: C) -> C {
        C::new(self.re - o.re, self.im - o.im)
    }
    fn mul(self, o: C) -> C {
        C::new(
            self.re * o.re - self.im * o.im,
            self.re * o.im + self.im * o.re,
        )
    }
    fn scale(self, s: f64) -> C {
        C::new(self.re * s, self.im * s)
    }
    fn inv(self) -> C {
        let d = self.re * self.re + self.im * self.im;
        C::new(self.re / d, -self.im / d)
    }
    fn norm(self) -> f64 {
        self.re.hypot(self.im)
    }
    /// Multiplication by j.
    fn j(self) -> C {
        C::new(-self.im, self.re)
    }
}

/// Polar NR Jacobian of `case` at its own voltages, with angles and magnitudes scaled by
/// `(1 + perturb · sin(i))` to give a second set of values on the same pattern.
fn jacobian(case: &Case, perturb: f64) -> CscMatrix {
    let bus = &case.bus;
    let nb_all = bus.id.len();
    let live: Vec<usize> = (0..nb_all)
        .filter(|&i| bus.bus_type[i] != BusType::Isolated)
        .collect();
    let index: HashMap<u32, usize> = live
        .iter()
        .enumerate()
        .map(|(k, &i)| (bus.id[i], k))
        .collect();
    let nb = live.len();
    let base = case.base_mva;

    // Ybus as a map per row (the benchmark's own, simple and clear rather than fast).
    let mut y: Vec<HashMap<usize, C>> = vec![HashMap::new(); nb];
    for (k, &i) in live.iter().enumerate() {
        let ysh = C::new(bus.gs_mw[i] / base, bus.bs_mvar[i] / base);
        *y[k].entry(k).or_default() = y[k].get(&k).copied().unwrap_or_default().add(ysh);
    }
    let br = &case.branch;
    for l in 0..br.from_bus.len() {
        let (Some(&f), Some(&t)) = (index.get(&br.from_bus[l]), index.get(&br.to_bus[l])) else {
            continue;
        };
        if !br.in_service[l] || f == t {
            continue;
        }
        let ys = C::new(br.r_pu[l], br.x_pu[l]).inv();
        let bc = C::new(0.0, br.b_pu[l] / 2.0);
        let ratio = if br.tap_ratio[l] == 0.0 {
            1.0
        } else {
            br.tap_ratio[l]
        };
        let tap = C::polar(ratio, br.shift_deg[l].to_radians());
        let ytt = ys.add(bc);
        let yff = ytt.scale(1.0 / (ratio * ratio));
        let yft = C::new(0.0, 0.0).sub(ys.mul(tap.conj().inv()));
        let ytf = C::new(0.0, 0.0).sub(ys.mul(tap.inv()));
        for (r, c, v) in [(f, f, yff), (f, t, yft), (t, f, ytf), (t, t, ytt)] {
            let e = y[r].entry(c).or_default();
            *e = e.add(v);
        }
    }

    // Bus roles: PV needs an in-service generator, as in MATPOWER.
    let mut has_gen = vec![false; nb];
    for g in 0..case.gen.bus.len() {
        if let (true, Some(&k)) = (case.gen.in_service[g], index.get(&case.gen.bus[g])) {
            has_gen[k] = true;
        }
    }
    let kind: Vec<BusType> = live
        .iter()
        .enumerate()
        .map(|(k, &i)| match bus.bus_type[i] {
            BusType::Pv if !has_gen[k] => BusType::Pq,
            t => t,
        })
        .collect();
    let pv: Vec<usize> = (0..nb).filter(|&k| kind[k] == BusType::Pv).collect();
    let pq: Vec<usize> = (0..nb).filter(|&k| kind[k] == BusType::Pq).collect();
    let mut th_var = vec![usize::MAX; nb];
    let mut vm_var = vec![usize::MAX; nb];
    for (v, &k) in pv.iter().chain(&pq).enumerate() {
        th_var[k] = v;
    }
    let npvpq = pv.len() + pq.len();
    for (v, &k) in pq.iter().enumerate() {
        vm_var[k] = npvpq + v;
    }
    let n = npvpq + pq.len();

    let v: Vec<C> = live
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let s = 1.0 + perturb * (k as f64).sin();
            C::polar(bus.vm_pu[i] * s, bus.va_deg[i].to_radians() * s)
        })
        .collect();
    let ibus: Vec<C> = (0..nb)
        .map(|i| {
            y[i].iter()
                .fold(C::default(), |acc, (&k, &yik)| acc.add(yik.mul(v[k])))
        })
        .collect();

    // MATPOWER dSbus_dV, entry by entry.
    let mut t: Vec<(usize, usize, f64)> = Vec::new();
    for i in 0..nb {
        let (pi, qi) = (th_var[i], vm_var[i]);
        if pi == usize::MAX {
            continue;
        }
        for (&k, &yik) in &y[i] {
            let vk_unit = v[k].scale(1.0 / v[k].norm());
            let (ds_dva, ds_dvm) = if k == i {
                (
                    v[i].mul(ibus[i].sub(yik.mul(v[i])).conj()).j(),
                    v[i].mul(yik.mul(vk_unit).conj())
                        .add(ibus[i].conj().mul(vk_unit)),
                )
            } else {
                (
                    v[i].mul(yik.mul(v[k]).conj()).j().scale(-1.0),
                    v[i].mul(yik.mul(vk_unit).conj()),
                )
            };
            let (tk, mk) = (th_var[k], vm_var[k]);
            if tk != usize::MAX {
                t.push((pi, tk, ds_dva.re));
                if qi != usize::MAX {
                    t.push((qi, tk, ds_dva.im));
                }
            }
            if mk != usize::MAX {
                t.push((pi, mk, ds_dvm.re));
                if qi != usize::MAX {
                    t.push((qi, mk, ds_dvm.im));
                }
            }
        }
    }
    CscMatrix::from_triplets(n, n, &t)
}

fn load(name: &str) -> Case {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "networks", "cases", "matpower"]
        .iter()
        .collect::<PathBuf>()
        .join(format!("{name}.m"));
    matpower::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// faer's sparse LU with the symbolic part reused and the numeric storage and scratch kept.
struct FaerLu {
    symbolic: SymbolicLu<usize>,
    numeric: NumericLu<usize, f64>,
    buf: MemBuffer,
}

impl FaerLu {
    fn analyze(a: &CscMatrix) -> FaerLu {
        let sym =
            SymbolicSparseColMatRef::new_checked(a.nrows, a.ncols, &a.col_ptr, None, &a.row_idx);
        let symbolic = factorize_symbolic_lu(sym, Default::default()).expect("faer symbolic");
        let req = symbolic
            .factorize_numeric_lu_scratch::<f64>(Par::Seq, Default::default())
            .or(symbolic.solve_in_place_scratch::<f64>(1, Par::Seq));
        FaerLu {
            symbolic,
            numeric: NumericLu::new(),
            buf: MemBuffer::new(req),
        }
    }

    fn factor(&mut self, a: &CscMatrix) {
        let sym =
            SymbolicSparseColMatRef::new_checked(a.nrows, a.ncols, &a.col_ptr, None, &a.row_idx);
        let mat = SparseColMatRef::new(sym, &a.values);
        self.symbolic
            .factorize_numeric_lu(
                &mut self.numeric,
                mat,
                Par::Seq,
                MemStack::new(&mut self.buf),
                Default::default(),
            )
            .expect("faer numeric");
    }

    fn solve(&mut self, x: &mut [f64]) {
        let n = x.len();
        let lu = LuRef::new_unchecked(&self.symbolic, &self.numeric);
        lu.solve_in_place_with_conj(
            Conj::No,
            MatMut::from_column_major_slice_mut(x, n, 1),
            Par::Seq,
            MemStack::new(&mut self.buf),
        );
    }
}

fn residual(a: &CscMatrix, x: &[f64], b: &[f64]) -> f64 {
    a.mul_vec(x)
        .iter()
        .zip(b)
        .map(|(y, b)| (y - b).abs())
        .fold(0.0, f64::max)
}

fn bench_lu(c: &mut Criterion) {
    for &name in CASES {
        let case = load(name);
        let j1 = jacobian(&case, 0.0);
        let j2 = jacobian(&case, 0.02);
        let n = j1.nrows;
        let b: Vec<f64> = (0..n)
            .map(|i| ((i * 7919) % 1000) as f64 / 500.0 - 1.0)
            .collect();

        // Correctness and sizes, printed once per case.
        let mut ours = SparseLu::analyze(&j1).expect("analyze");
        ours.factor(&j1).expect("factor");
        ours.factor(&j2).expect("refactor");
        let mut x = b.clone();
        ours.solve_in_place(&mut x).expect("solve");
        let mut theirs = FaerLu::analyze(&j1);
        theirs.factor(&j2);
        let mut xf = b.clone();
        theirs.solve(&mut xf);
        let s = ours.stats();
        eprintln!(
            "{name}: n = {n}, nnz(A) = {}, nnz(L+U) = {}, refactor flops = {}, \
             off-diagonal pivots = {}, refactorizations = {}, fallbacks = {}, \
             residual gridsim = {:.1e}, residual faer = {:.1e}",
            j1.nnz(),
            s.nnz_l + s.nnz_u,
            s.refactor_flops,
            s.off_diagonal_pivots,
            s.refactorizations,
            s.fallbacks,
            residual(&j2, &x, &b),
            residual(&j2, &xf, &b),
        );

        let mut g = c.benchmark_group(format!("lu/{name}"));
        g.bench_function("symbolic/gridsim", |bch| {
            bch.iter(|| SparseLu::analyze(black_box(&j1)).expect("analyze"))
        });
        g.bench_function("symbolic/faer", |bch| {
            bch.iter(|| FaerLu::analyze(black_box(&j1)))
        });

        let analysed = SparseLu::analyze(&j1).expect("analyze");
        g.bench_function("first_factor/gridsim", |bch| {
            bch.iter_batched_ref(
                || analysed.clone(),
                |lu| lu.factor(black_box(&j1)).expect("factor"),
                BatchSize::LargeInput,
            )
        });

        g.bench_function("refactor/gridsim", |bch| {
            bch.iter(|| ours.factor(black_box(&j2)).expect("refactor"))
        });
        g.bench_function("refactor/faer", |bch| {
            bch.iter(|| theirs.factor(black_box(&j2)))
        });

        g.bench_function("solve/gridsim", |bch| {
            bch.iter_batched_ref(
                || b.clone(),
                |x| ours.solve_in_place(x).expect("solve"),
                BatchSize::SmallInput,
            )
        });
        g.bench_function("solve/faer", |bch| {
            bch.iter_batched_ref(|| b.clone(), |x| theirs.solve(x), BatchSize::SmallInput)
        });
        g.finish();
    }
}

criterion_group!(benches, bench_lu);
criterion_main!(benches);
