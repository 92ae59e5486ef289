//! Polishing a QP solution: one exact KKT solve on the active set HiGHS found, then a check
//! of every optimality condition.
//!
//! HiGHS's active-set QP solver finds the right active set but its iterates can drift (rows off
//! by 1e-3 on stiff networks, prices off by 1e-2 $/MWh, or a "solve error" after it claims
//! optimality). With the active set fixed — columns at a bound held there, rows at a bound
//! (and every equality row) held as equalities — the optimum solves the linear system
//!
//! ```text
//! [ Q_FF  −A_AFᵀ ] [ x_F ]   [ −c_F              ]
//! [ A_AF    0    ] [ y_A ] = [ b_A − A_AN x_N    ]
//! ```
//!
//! (`F` free columns, `N` columns at a bound, `A` active rows, HiGHS's sign convention
//! `c + Qx − Aᵀy − z = 0`; `Q` is diagonal in the OPF). It is solved with the crate's sparse
//! LU and two steps of iterative refinement. The result is accepted only if it is primal
//! feasible (every row and column within its bounds, 1e-9 relative) and dual feasible (row
//! duals and reduced costs of the right sign at their bounds): then it *is* the optimum of the
//! convex QP, whatever the accuracy of the iterate it came from.

use super::highs::ModelData;
use crate::sparse::{CscMatrix, SparseLu};

/// Where each column and row stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Active {
    /// Free to move (inactive).
    Free,
    /// Held at its lower bound.
    Lower,
    /// Held at its upper bound.
    Upper,
}

/// HiGHS basis codes (kHighsBasisStatus*).
const BASIS_LOWER: i32 = 0;
const BASIS_UPPER: i32 = 2;

/// The active set from a HiGHS basis; equality rows and fixed columns are always active.
pub(crate) fn active_set_from_basis(md: &ModelData, col_status: &[i32], row_status: &[i32]) -> (Vec<Active>, Vec<Active>) {
    let classify = |lo: f64, hi: f64, st: i32| -> Active {
        if lo == hi {
            Active::Lower
        } else if st == BASIS_LOWER && lo.is_finite() {
            Active::Lower
        } else if st == BASIS_UPPER && hi.is_finite() {
            Active::Upper
        } else {
            Active::Free
        }
    };
    let cols = (0..md.num_col()).map(|j| classify(md.col_lower[j], md.col_upper[j], col_status[j])).collect();
    let rows = (0..md.num_row()).map(|i| classify(md.row_lower[i], md.row_upper[i], row_status[i])).collect();
    (cols, rows)
}

/// A polished solution: column values, row duals, objective (without the model offset).
#[derive(Debug, Clone)]
pub(crate) struct Polished {
    pub x: Vec<f64>,
    pub row_dual: Vec<f64>,
    pub objective: f64,
}

fn q_diag(md: &ModelData) -> Vec<f64> {
    let n = md.num_col();
    let mut q = vec![0.0; n];
    if md.q_start.len() == n + 1 {
        for j in 0..n {
            for p in md.q_start[j]..md.q_start[j + 1] {
                if md.q_index[p] == j {
                    q[j] += md.q_value[p];
                }
            }
        }
    }
    q
}

/// Solves the KKT system of the active set and checks optimality; `Err` says what failed.
pub(crate) fn polish(md: &ModelData, cols: &[Active], rows: &[Active]) -> Result<Polished, String> {
    let n = md.num_col();
    let m = md.num_row();
    let q = q_diag(md);
    // Off-diagonal Hessian entries are not expected in the OPF.
    if md.q_start.len() == n + 1 {
        for j in 0..n {
            if (md.q_start[j]..md.q_start[j + 1]).any(|p| md.q_index[p] != j) {
                return Err("non-diagonal Hessian".into());
            }
        }
    }
    let mut x = vec![0.0; n];
    let mut f_pos = vec![usize::MAX; n];
    let mut nf = 0;
    for j in 0..n {
        match cols[j] {
            Active::Lower => x[j] = md.col_lower[j],
            Active::Upper => x[j] = md.col_upper[j],
            Active::Free => {
                f_pos[j] = nf;
                nf += 1;
            }
        }
    }
    let mut a_pos = vec![usize::MAX; m];
    let mut na = 0;
    for i in 0..m {
        if rows[i] != Active::Free {
            a_pos[i] = nf + na;
            na += 1;
        }
    }
    let dim = nf + na;
    let mut trip: Vec<(usize, usize, f64)> = Vec::with_capacity(nf + 2 * md.a_index.len());
    let mut rhs = vec![0.0; dim];
    for i in 0..m {
        if a_pos[i] != usize::MAX {
            rhs[a_pos[i]] = if rows[i] == Active::Upper { md.row_upper[i] } else { md.row_lower[i] };
        }
    }
    for j in 0..n {
        let fj = f_pos[j];
        if fj != usize::MAX {
            trip.push((fj, fj, q[j]));
            rhs[fj] = -md.col_cost[j];
        }
        for p in md.a_start[j]..md.a_start[j + 1] {
            let (i, v) = (md.a_index[p], md.a_value[p]);
            let ai = a_pos[i];
            if ai == usize::MAX {
                continue;
            }
            if fj != usize::MAX {
                trip.push((ai, fj, v));
                trip.push((fj, ai, -v));
            } else {
                rhs[ai] -= v * x[j];
            }
        }
    }
    // Explicit zero diagonal entries keep the pattern structurally symmetric for the analysis.
    for k in nf..dim {
        trip.push((k, k, 0.0));
    }
    let kkt = CscMatrix::from_triplets(dim, dim, &trip);
    let mut lu = SparseLu::analyze(&kkt).map_err(|e| format!("KKT analysis: {e}"))?;
    lu.factor(&kkt).map_err(|e| format!("KKT factorisation: {e}"))?;
    let mut sol = rhs.clone();
    lu.solve_in_place(&mut sol).map_err(|e| format!("KKT solve: {e}"))?;
    for _ in 0..2 {
        let ks = kkt.mul_vec(&sol);
        let mut r: Vec<f64> = rhs.iter().zip(&ks).map(|(a, b)| a - b).collect();
        lu.solve_in_place(&mut r).map_err(|e| format!("KKT refinement: {e}"))?;
        sol.iter_mut().zip(&r).for_each(|(s, d)| *s += d);
    }
    if sol.iter().any(|v| !v.is_finite()) {
        return Err("KKT solution not finite (singular active set)".into());
    }
    for j in 0..n {
        if f_pos[j] != usize::MAX {
            x[j] = sol[f_pos[j]];
        }
    }
    let mut y = vec![0.0; m];
    for i in 0..m {
        if a_pos[i] != usize::MAX {
            y[i] = sol[a_pos[i]];
        }
    }
    // Check primal feasibility.
    let mut act = vec![0.0; m];
    let mut aty = vec![0.0; n];
    for j in 0..n {
        for p in md.a_start[j]..md.a_start[j + 1] {
            act[md.a_index[p]] += md.a_value[p] * x[j];
            aty[j] += md.a_value[p] * y[md.a_index[p]];
        }
    }
    let ptol = |b: f64| 1e-9 * b.abs().max(1.0);
    for j in 0..n {
        if x[j] < md.col_lower[j] - ptol(md.col_lower[j]) || x[j] > md.col_upper[j] + ptol(md.col_upper[j]) {
            return Err(format!("column {j} leaves its bounds"));
        }
    }
    for i in 0..m {
        if act[i] < md.row_lower[i] - ptol(md.row_lower[i]) || act[i] > md.row_upper[i] + ptol(md.row_upper[i]) {
            return Err(format!("row {i} leaves its bounds"));
        }
    }
    // Check dual feasibility: reduced costs z = c + Qx − Aᵀy, and row duals, of the right sign.
    let scale = md.col_cost.iter().map(|c| c.abs()).fold(1.0, f64::max);
    let dtol = 1e-9 * scale;
    for j in 0..n {
        let z = md.col_cost[j] + q[j] * x[j] - aty[j];
        let ok = match cols[j] {
            Active::Free => z.abs() <= 1e3 * dtol,
            _ if md.col_lower[j] == md.col_upper[j] => true,
            Active::Lower => z >= -dtol,
            Active::Upper => z <= dtol,
        };
        if !ok {
            return Err(format!("column {j}: reduced cost {z:e} of the wrong sign"));
        }
    }
    for i in 0..m {
        let ok = match rows[i] {
            _ if md.row_lower[i] == md.row_upper[i] => true,
            Active::Lower => y[i] >= -dtol,
            Active::Upper => y[i] <= dtol,
            Active::Free => true,
        };
        if !ok {
            return Err(format!("row {i}: dual {:e} of the wrong sign", y[i]));
        }
    }
    let objective = (0..n).map(|j| md.col_cost[j] * x[j] + 0.5 * q[j] * x[j] * x[j]).sum();
    Ok(Polished { x, row_dual: y, objective })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// min ½(x0² + x1²) s.t. x0 + x1 = 2, 0 ≤ x ≤ 10  →  x = (1, 1), y = 1.
    #[test]
    fn polish_solves_a_small_equality_qp_exactly() {
        let md = ModelData {
            col_cost: vec![0.0, 0.0],
            col_lower: vec![0.0, 0.0],
            col_upper: vec![10.0, 10.0],
            row_lower: vec![2.0],
            row_upper: vec![2.0],
            a_start: vec![0, 1, 2],
            a_index: vec![0, 0],
            a_value: vec![1.0, 1.0],
            q_start: vec![0, 1, 2],
            q_index: vec![0, 1],
            q_value: vec![1.0, 1.0],
            offset: 0.0,
        };
        let p = polish(&md, &[Active::Free, Active::Free], &[Active::Lower]).expect("polished");
        assert!((p.x[0] - 1.0).abs() < 1e-14 && (p.x[1] - 1.0).abs() < 1e-14);
        assert!((p.row_dual[0] - 1.0).abs() < 1e-14);
        assert!((p.objective - 1.0).abs() < 1e-14);
        // A wrong active set (x1 held at 0) is refused: its reduced cost has the wrong sign.
        assert!(polish(&md, &[Active::Free, Active::Lower], &[Active::Lower]).is_err());
    }
}
