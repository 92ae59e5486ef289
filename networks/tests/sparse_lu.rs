//! Property tests of the sparse LU: solves against a dense reference, refactorisation, pivoting fallback and transpose solves.

use gridsim_networks::sparse::{CscMatrix, LuError, SparseLu};
use proptest::prelude::*;

/// Dense row-major LU with partial pivoting: the reference solution.
fn dense_solve(a: &CscMatrix, b: &[f64]) -> Option<Vec<f64>> {
    let n = a.nrows;
    let mut m = vec![0.0; n * n];
    for j in 0..n {
        for p in a.col_ptr[j]..a.col_ptr[j + 1] {
            m[a.row_idx[p] * n + j] = a.values[p];
        }
    }
    let mut x = b.to_vec();
    for k in 0..n {
        let piv = (k..n).max_by(|&r, &s| m[r * n + k].abs().total_cmp(&m[s * n + k].abs()))?;
        if m[piv * n + k] == 0.0 {
            return None;
        }
        for c in 0..n {
            m.swap(k * n + c, piv * n + c);
        }
        x.swap(k, piv);
        for r in k + 1..n {
            let f = m[r * n + k] / m[k * n + k];
            for c in k..n {
                m[r * n + c] -= f * m[k * n + c];
            }
            x[r] -= f * x[k];
        }
    }
    for k in (0..n).rev() {
        let s: f64 = (k + 1..n).map(|c| m[k * n + c] * x[c]).sum();
        x[k] = (x[k] - s) / m[k * n + k];
    }
    Some(x)
}

fn inf_norm(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

/// `‖A x − b‖∞ / (‖A‖∞ ‖x‖∞ + ‖b‖∞)`.
fn rel_residual(a: &CscMatrix, x: &[f64], b: &[f64]) -> f64 {
    let r: Vec<f64> = a.mul_vec(x).iter().zip(b).map(|(y, b)| y - b).collect();
    let mut row_sums = vec![0.0; a.nrows];
    for j in 0..a.ncols {
        for p in a.col_ptr[j]..a.col_ptr[j + 1] {
            row_sums[a.row_idx[p]] += a.values[p].abs();
        }
    }
    inf_norm(&r) / (inf_norm(&row_sums) * inf_norm(x) + inf_norm(b)).max(f64::MIN_POSITIVE)
}

/// A random sparse matrix: `n`, off-diagonal entries, the diagonal scale relative to the
/// row sums (≥ 1: diagonally dominant; ≪ 1: weak), and a right-hand side.
#[derive(Debug, Clone)]
struct Problem {
    a: CscMatrix,
    b: Vec<f64>,
}

/// Entries `(i, j, v)` with `i != j`; `symmetric` mirrors the pattern (not the values).
fn problem(
    max_n: usize,
    symmetric: bool,
    diag_scale: f64,
    row_permute: bool,
) -> impl Strategy<Value = Problem> {
    (2..max_n)
        .prop_flat_map(move |n| {
            (
                Just(n),
                prop::collection::vec((0..n, 0..n, -1.0..1.0f64), 0..4 * n),
                prop::collection::vec(-1.0..1.0f64, n),
                prop::collection::vec(0.5..1.5f64, n),
                Just(()).prop_perturb(move |_, mut rng| {
                    let mut p: Vec<usize> = (0..n).collect();
                    for i in (1..n).rev() {
                        p.swap(i, rng.random_range(0..=i));
                    }
                    p
                }),
            )
        })
        .prop_map(move |(n, off, b, dscale, perm)| {
            let mut t: Vec<(usize, usize, f64)> = Vec::new();
            for &(i, j, v) in &off {
                if i != j {
                    t.push((i, j, v));
                    if symmetric {
                        t.push((j, i, 0.5 * v));
                    }
                }
            }
            let mut row_abs = vec![0.0; n];
            for &(i, _, v) in &t {
                row_abs[i] += v.abs();
            }
            for i in 0..n {
                t.push((i, i, (row_abs[i] + 1.0) * diag_scale * dscale[i]));
            }
            if row_permute {
                // Rows of a nonsingular matrix shuffled: the big entries leave the diagonal.
                for e in t.iter_mut() {
                    e.0 = perm[e.0];
                }
                // And a weak diagonal in the pattern, so that a diagonal pivot is on offer.
                t.extend((0..n).map(|i| (i, i, 1e-9)));
            }
            Problem {
                a: CscMatrix::from_triplets(n, n, &t),
                b,
            }
        })
}

fn check_solves(lu: &SparseLu, p: &Problem, tol: f64) -> Result<(), TestCaseError> {
    let mut x = p.b.clone();
    lu.solve_in_place(&mut x).unwrap();
    prop_assert!(
        rel_residual(&p.a, &x, &p.b) <= tol,
        "residual {}",
        rel_residual(&p.a, &x, &p.b)
    );
    if let Some(xd) = dense_solve(&p.a, &p.b) {
        let err: f64 = x
            .iter()
            .zip(&xd)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        prop_assert!(
            err <= 1e-8 * (1.0 + inf_norm(&xd)),
            "differs from dense LU by {err}"
        );
    }
    let mut y = p.b.clone();
    lu.solve_transpose_in_place(&mut y).unwrap();
    prop_assert!(rel_residual(&p.a.transpose(), &y, &p.b) <= tol);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Strong diagonal, unsymmetric pattern: diagonal pivots only.
    #[test]
    fn strong_diagonal_solves(p in problem(40, false, 1.0, false)) {
        let mut lu = SparseLu::analyze(&p.a).unwrap();
        lu.factor(&p.a).unwrap();
        prop_assert_eq!(lu.stats().off_diagonal_pivots, 0);
        check_solves(&lu, &p, 1e-12)?;
    }

    /// Structurally symmetric pattern (power-flow shape).
    #[test]
    fn symmetric_pattern_solves(p in problem(60, true, 1.0, false)) {
        let mut lu = SparseLu::analyze(&p.a).unwrap();
        lu.factor(&p.a).unwrap();
        check_solves(&lu, &p, 1e-12)?;
    }

    /// Weak diagonal: rows shuffled so that the dominant entries are off the diagonal.
    #[test]
    fn weak_diagonal_pivots_off_diagonal(p in problem(40, false, 1.0, true)) {
        let mut lu = SparseLu::analyze(&p.a).unwrap();
        lu.factor(&p.a).unwrap();
        check_solves(&lu, &p, 1e-10)?;
    }

    /// Diagonal tiny relative to the off-diagonals: may be numerically singular; when the
    /// factorisation succeeds the solve must be accurate.
    #[test]
    fn tiny_diagonal(p in problem(30, false, 1e-6, false)) {
        let mut lu = SparseLu::analyze(&p.a).unwrap();
        match lu.factor(&p.a) {
            Ok(()) => {
                let mut x = p.b.clone();
                lu.solve_in_place(&mut x).unwrap();
                if let Some(xd) = dense_solve(&p.a, &p.b) {
                    // Compare residuals only: the problem may be ill-conditioned.
                    let scale = 1.0 + inf_norm(&xd);
                    prop_assert!(rel_residual(&p.a, &x, &p.b) <= 1e-9 * scale);
                }
            }
            Err(LuError::Singular { .. }) => {}
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }

    /// Refactorising with new values gives what a fresh factorisation gives.
    #[test]
    fn refactor_matches_fresh_factor(
        p in problem(40, true, 1.0, false),
        scales in prop::collection::vec(0.5..2.0f64, 400),
    ) {
        let mut lu = SparseLu::analyze(&p.a).unwrap();
        lu.factor(&p.a).unwrap();
        let mut a2 = p.a.clone();
        for (v, s) in a2.values.iter_mut().zip(scales.iter().cycle()) {
            *v *= s;
        }
        lu.factor(&a2).unwrap();
        let mut fresh = SparseLu::analyze(&a2).unwrap();
        fresh.factor(&a2).unwrap();
        let (mut x1, mut x2) = (p.b.clone(), p.b.clone());
        lu.solve_in_place(&mut x1).unwrap();
        fresh.solve_in_place(&mut x2).unwrap();
        let err = x1.iter().zip(&x2).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        prop_assert!(err <= 1e-12 * (1.0 + inf_norm(&x2)));
        let s = lu.stats();
        prop_assert_eq!(s.refactorizations + s.fallbacks, 1);
        check_solves(&lu, &Problem { a: a2, b: p.b.clone() }, 1e-12)?;
    }

    /// Values changed so much that the recorded pivots degenerate: the fallback pivots afresh.
    #[test]
    fn refactor_falls_back_when_pivots_degenerate(p in problem(30, false, 1.0, true)) {
        // First factor a diagonally dominant matrix with the same pattern (diagonal pivots),
        // then the row-shuffled one, whose diagonal is weak.
        let mut strong = p.a.clone();
        for j in 0..strong.ncols {
            for q in strong.col_ptr[j]..strong.col_ptr[j + 1] {
                strong.values[q] = if strong.row_idx[q] == j { 1e3 } else { 1e-3 };
            }
        }
        let mut lu = SparseLu::analyze(&strong).unwrap();
        lu.factor(&strong).unwrap();
        lu.factor(&p.a).unwrap();
        let s = lu.stats();
        prop_assert_eq!(s.refactorizations + s.fallbacks, 1);
        // Off-diagonal pivots now mean that the diagonal ones were rejected.
        prop_assert_eq!(s.fallbacks, usize::from(s.off_diagonal_pivots > 0));
        check_solves(&lu, &p, 1e-10)?;
    }
}

/// Identity-permuted rows with all-zero diagonal: refactor must fall back every time the
/// diagonal regains, then loses, dominance.
#[test]
fn fallback_counted() {
    let n = 6;
    let mut t = Vec::new();
    for i in 0..n {
        t.push((i, i, 10.0));
        t.push(((i + 1) % n, i, 1.0));
    }
    let a = CscMatrix::from_triplets(n, n, &t);
    let mut lu = SparseLu::analyze(&a).unwrap();
    lu.factor(&a).unwrap();
    let mut weak = a.clone();
    for j in 0..n {
        for q in weak.col_ptr[j]..weak.col_ptr[j + 1] {
            if weak.row_idx[q] == j {
                weak.values[q] = 0.0;
            }
        }
    }
    lu.factor(&weak).unwrap();
    let s = lu.stats();
    assert_eq!((s.pivoting_factorizations, s.fallbacks), (2, 1));
    assert_eq!(s.off_diagonal_pivots, n);
    let b: Vec<f64> = (0..n).map(|i| i as f64 + 1.0).collect();
    let mut x = b.clone();
    lu.solve_in_place(&mut x).unwrap();
    assert!(rel_residual(&weak, &x, &b) < 1e-15);
}

/// Power-flow-shaped matrices: a random bus graph, one or two unknowns per bus, a dense
/// coupling block per connected pair of buses (structurally symmetric, supernode pairs).
fn block_problem() -> impl Strategy<Value = (CscMatrix, CscMatrix, Vec<f64>)> {
    (3..30usize)
        .prop_flat_map(|nb| {
            (
                Just(nb),
                prop::collection::vec((0..nb, 0..nb), nb..3 * nb),
                prop::collection::vec(prop::bool::ANY, nb),
                prop::collection::vec(-1.0..1.0f64, 8 * nb * nb),
            )
        })
        .prop_map(|(nb, edges, two, vals)| {
            let mut first = vec![0usize; nb + 1];
            for b in 0..nb {
                first[b + 1] = first[b] + if two[b] { 2 } else { 1 };
            }
            let n = first[nb];
            let mut pairs: Vec<(usize, usize)> = (0..nb).map(|b| (b, b)).collect();
            for &(a, b) in &edges {
                if a != b {
                    pairs.push((a, b));
                    pairs.push((b, a));
                }
            }
            let build = |shift: f64| {
                let mut t = Vec::new();
                let mut v = vals.iter().cycle();
                for &(a, b) in &pairs {
                    for r in first[a]..first[a + 1] {
                        for c in first[b]..first[b + 1] {
                            let x = *v.next().unwrap_or(&0.5);
                            let d = if r == c { 4.0 * nb as f64 } else { 0.0 };
                            t.push((r, c, x * (1.0 + shift) + d));
                        }
                    }
                }
                CscMatrix::from_triplets(n, n, &t)
            };
            let b = vals.iter().take(n).copied().collect();
            (build(0.0), build(0.3), b)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Supernode-pair refactorisation of Jacobian-shaped matrices matches a fresh factorisation.
    #[test]
    fn block_matrices_refactor((a1, a2, b) in block_problem()) {
        let mut lu = SparseLu::analyze(&a1).unwrap();
        lu.factor(&a1).unwrap();
        check_solves(&lu, &Problem { a: a1.clone(), b: b.clone() }, 1e-12)?;
        lu.factor(&a2).unwrap();
        prop_assert_eq!(lu.stats().refactorizations, 1);
        let mut fresh = SparseLu::analyze(&a2).unwrap();
        fresh.factor(&a2).unwrap();
        let (mut x1, mut x2) = (b.clone(), b.clone());
        lu.solve_in_place(&mut x1).unwrap();
        fresh.solve_in_place(&mut x2).unwrap();
        // Same pivots, same order of operations: the same bits.
        prop_assert_eq!(x1, x2);
        check_solves(&lu, &Problem { a: a2, b }, 1e-12)?;
    }
}

/// A real grid's structure: case1354pegase's bus graph (in-service branches, all buses but
/// the first), two unknowns per bus coupled by `[[b, b/10], [-b/10, b]]` blocks of the branch
/// susceptances: the shape of its power-flow Jacobian. Factor, refactor, solve.
#[test]
fn case1354pegase_shaped_matrix() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/cases/matpower/case1354pegase.m"
    );
    let case = gridsim_networks::matpower::read(path).expect("case1354pegase");
    let index: std::collections::HashMap<u32, usize> = case
        .bus
        .id
        .iter()
        .enumerate()
        .map(|(k, &id)| (id, k))
        .collect();
    let nb = case.bus.id.len();
    let mut diag = vec![1e-3; nb];
    let mut t = Vec::new();
    let block = |t: &mut Vec<(usize, usize, f64)>, i: usize, k: usize, b: f64| {
        if i == 0 || k == 0 {
            return; // the slack bus is not an unknown
        }
        let (r, c) = (2 * (i - 1), 2 * (k - 1));
        t.extend([
            (r, c, b),
            (r, c + 1, 0.1 * b),
            (r + 1, c, -0.1 * b),
            (r + 1, c + 1, b),
        ]);
    };
    let br = &case.branch;
    for l in 0..br.from_bus.len() {
        let (Some(&f), Some(&to)) = (index.get(&br.from_bus[l]), index.get(&br.to_bus[l])) else {
            continue;
        };
        if !br.in_service[l] || f == to || br.x_pu[l] == 0.0 {
            continue;
        }
        let b = 1.0 / br.x_pu[l];
        block(&mut t, f, to, -b);
        block(&mut t, to, f, -b);
        diag[f] += b.abs();
        diag[to] += b.abs();
    }
    for (i, &d) in diag.iter().enumerate() {
        block(&mut t, i, i, d);
    }
    let n = 2 * (nb - 1);
    let a = CscMatrix::from_triplets(n, n, &t);
    let mut lu = SparseLu::analyze(&a).unwrap();
    lu.factor(&a).unwrap();
    let s = lu.stats();
    assert_eq!(s.off_diagonal_pivots, 0);
    assert!(s.nnz_l + s.nnz_u < 3 * a.nnz(), "AMD fill too high: {s:?}");
    let b: Vec<f64> = (0..n).map(|i| ((i * 37) % 11) as f64 - 5.0).collect();
    let mut x = b.clone();
    lu.solve_in_place(&mut x).unwrap();
    assert!(rel_residual(&a, &x, &b) < 1e-14);
    let mut a2 = a.clone();
    a2.values
        .iter_mut()
        .enumerate()
        .for_each(|(p, v)| *v *= 1.0 + 0.05 * (p as f64).sin());
    lu.factor(&a2).unwrap();
    assert_eq!(lu.stats().refactorizations, 1);
    let mut x2 = b.clone();
    lu.solve_in_place(&mut x2).unwrap();
    assert!(rel_residual(&a2, &x2, &b) < 1e-14);
    let mut y = b.clone();
    lu.solve_transpose_in_place(&mut y).unwrap();
    assert!(rel_residual(&a2.transpose(), &y, &b) < 1e-14);
}
