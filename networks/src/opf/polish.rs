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
pub(crate) fn active_set_from_basis(
    md: &ModelData,
    col_status: &[i32],
    row_status: &[i32],
) -> (Vec<Active>, Vec<Active>) {
    let classify = |lo: f64, hi: f64, st: i32| -> Active {
        if lo == hi || (st == BASIS_LOWER && lo.is_finite()) {
            Active::Lower
        } else if st == BASIS_UPPER && hi.is_finite() {
            Active::Upper
        } else {
            Active::Free
        }
    };
    let cols = (0..md.num_col())
        .map(|j| classify(md.col_lower[j], md.col_upper[j], col_status[j]))
        .collect();
    let rows = (0..md.num_row())
        .map(|i| classify(md.row_lower[i], md.row_upper[i], row_status[i]))
        .collect();
    (cols, rows)
}

/// The active set read off a solution when HiGHS gives no basis: a column within 1e-7
/// (relative) of a bound, a row whose activity is within 1e-6 of one.
pub(crate) fn active_set_from_values(md: &ModelData, x: &[f64]) -> (Vec<Active>, Vec<Active>) {
    let near = |v: f64, b: f64, tol: f64| b.is_finite() && (v - b).abs() <= tol * b.abs().max(1.0);
    let classify = |v: f64, lo: f64, hi: f64, tol: f64| -> Active {
        if lo == hi || near(v, lo, tol) {
            Active::Lower
        } else if near(v, hi, tol) {
            Active::Upper
        } else {
            Active::Free
        }
    };
    let act = md.row_activity(x);
    let cols = (0..md.num_col())
        .map(|j| classify(x[j], md.col_lower[j], md.col_upper[j], 1e-7))
        .collect();
    let rows = (0..md.num_row())
        .map(|i| classify(act[i], md.row_lower[i], md.row_upper[i], 1e-6))
        .collect();
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
///
/// `x0` is HiGHS's iterate: when the active-set system is singular (a direction of zero
/// curvature, or dependent active rows: the optimum is then not unique), the system is solved
/// with a proximal regularisation `δ‖x − x0‖²` and iterative refinement, which picks the
/// optimum nearest to `x0`. `tol` = (primal, dual) feasibility tolerances, relative.
pub(crate) fn polish(
    md: &ModelData,
    cols: &[Active],
    rows: &[Active],
    x0: &[f64],
    tol: (f64, f64),
) -> Result<Polished, String> {
    let mut cols = cols.to_vec();
    let mut rows = rows.to_vec();
    let mut first = None;
    for _ in 0..REPAIR_ROUNDS {
        match polish_once(md, &cols, &rows, x0, tol) {
            Ok(p) => return Ok(p),
            Err(f) => {
                let msg = first.get_or_insert_with(|| f.msg.clone());
                if f.cols.is_empty() && f.rows.is_empty() {
                    return Err(format!("{msg}; then {}", f.msg));
                }
                for (j, a) in f.cols {
                    cols[j] = a;
                }
                for (i, a) in f.rows {
                    rows[i] = a;
                }
            }
        }
    }
    Err(format!(
        "{}; active set not repaired in {REPAIR_ROUNDS} rounds",
        first.unwrap_or_default()
    ))
}

/// Rounds of active-set repair: a degenerate point (a variable at its bound with a zero
/// multiplier) may be classified on the wrong side; a bound the solution leaves is then held,
/// and a held bound whose multiplier has the wrong sign released.
const REPAIR_ROUNDS: usize = 4;

/// Why one polish failed, and the changes of the active set that would repair it.
struct Failure {
    msg: String,
    cols: Vec<(usize, Active)>,
    rows: Vec<(usize, Active)>,
}

impl From<String> for Failure {
    fn from(msg: String) -> Self {
        Failure {
            msg,
            cols: Vec::new(),
            rows: Vec::new(),
        }
    }
}

impl From<&str> for Failure {
    fn from(msg: &str) -> Self {
        Failure::from(msg.to_string())
    }
}

fn polish_once(
    md: &ModelData,
    cols: &[Active],
    rows: &[Active],
    x0: &[f64],
    tol: (f64, f64),
) -> Result<Polished, Failure> {
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
            rhs[a_pos[i]] = if rows[i] == Active::Upper {
                md.row_upper[i]
            } else {
                md.row_lower[i]
            };
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
    let sol = match solve_exact(&kkt, &rhs) {
        Ok(s) => s,
        Err(exact_err) => {
            let mut start = vec![0.0; dim];
            for j in 0..n {
                if f_pos[j] != usize::MAX {
                    start[f_pos[j]] = x0[j];
                }
            }
            solve_regularised(&kkt, &rhs, nf, &start)
                .map_err(|e| Failure::from(format!("{exact_err}; regularised: {e}")))?
        }
    };
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
    let ptol = |b: f64| tol.0 * b.abs().max(1.0);
    let mut fail = Failure {
        msg: String::new(),
        cols: Vec::new(),
        rows: Vec::new(),
    };
    for j in 0..n {
        if x[j] < md.col_lower[j] - ptol(md.col_lower[j]) {
            fail.cols.push((j, Active::Lower));
        } else if x[j] > md.col_upper[j] + ptol(md.col_upper[j]) {
            fail.cols.push((j, Active::Upper));
        }
    }
    for i in 0..m {
        if act[i] < md.row_lower[i] - ptol(md.row_lower[i]) {
            fail.rows.push((i, Active::Lower));
        } else if act[i] > md.row_upper[i] + ptol(md.row_upper[i]) {
            fail.rows.push((i, Active::Upper));
        }
    }
    if !(fail.cols.is_empty() && fail.rows.is_empty()) {
        fail.msg = format!(
            "{} columns and {} rows leave their bounds",
            fail.cols.len(),
            fail.rows.len()
        );
        return Err(fail);
    }
    // Check dual feasibility: reduced costs z = c + Qx − Aᵀy, and row duals, of the right sign.
    let scale = md.col_cost.iter().map(|c| c.abs()).fold(1.0, f64::max);
    let dtol = tol.1 * scale;
    for j in 0..n {
        let z = md.col_cost[j] + q[j] * x[j] - aty[j];
        let ok = match cols[j] {
            Active::Free => z.abs() <= 1e3 * dtol,
            _ if md.col_lower[j] == md.col_upper[j] => true,
            Active::Lower => z >= -dtol,
            Active::Upper => z <= dtol,
        };
        if !ok {
            fail.cols.push((j, Active::Free));
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
            fail.rows.push((i, Active::Free));
        }
    }
    if !(fail.cols.is_empty() && fail.rows.is_empty()) {
        fail.msg = format!(
            "{} columns and {} rows with multipliers of the wrong sign",
            fail.cols.len(),
            fail.rows.len()
        );
        return Err(fail);
    }
    let objective = (0..n)
        .map(|j| md.col_cost[j] * x[j] + 0.5 * q[j] * x[j] * x[j])
        .sum();
    Ok(Polished {
        x,
        row_dual: y,
        objective,
    })
}

/// `K s = rhs` by sparse LU with two steps of iterative refinement.
fn solve_exact(kkt: &CscMatrix, rhs: &[f64]) -> Result<Vec<f64>, String> {
    let mut lu = SparseLu::analyze(kkt).map_err(|e| format!("KKT analysis: {e}"))?;
    lu.factor(kkt)
        .map_err(|e| format!("KKT factorisation: {e}"))?;
    let mut sol = rhs.to_vec();
    lu.solve_in_place(&mut sol)
        .map_err(|e| format!("KKT solve: {e}"))?;
    for _ in 0..2 {
        let ks = kkt.mul_vec(&sol);
        let mut r: Vec<f64> = rhs.iter().zip(&ks).map(|(a, b)| a - b).collect();
        lu.solve_in_place(&mut r)
            .map_err(|e| format!("KKT refinement: {e}"))?;
        sol.iter_mut().zip(&r).for_each(|(s, d)| *s += d);
    }
    Ok(sol)
}

/// A consistent but singular `K s = rhs`: factorise `K + diag(δ I_nf, −δ I)` (quasi-definite,
/// always factorisable) and refine `s ← s + K_δ⁻¹ (rhs − K s)` from `start`, which converges to
/// a solution of the unregularised system near `start`.
fn solve_regularised(
    kkt: &CscMatrix,
    rhs: &[f64],
    nf: usize,
    start: &[f64],
) -> Result<Vec<f64>, String> {
    let dim = kkt.ncols;
    let scale = kkt.values.iter().map(|v| v.abs()).fold(1.0, f64::max);
    let delta = 1e-9 * scale;
    let mut reg = kkt.clone();
    for j in 0..dim {
        let Some(p) = reg.position(j, j) else {
            return Err("no diagonal entry".into());
        };
        reg.values[p] += if j < nf { delta } else { -delta };
    }
    let mut lu = SparseLu::analyze(&reg).map_err(|e| format!("analysis: {e}"))?;
    lu.factor(&reg).map_err(|e| format!("factorisation: {e}"))?;
    let rnorm = rhs.iter().map(|v| v.abs()).fold(1.0, f64::max);
    let mut sol = start.to_vec();
    for _ in 0..50 {
        let ks = kkt.mul_vec(&sol);
        let mut r: Vec<f64> = rhs.iter().zip(&ks).map(|(a, b)| a - b).collect();
        let res = r.iter().map(|v| v.abs()).fold(0.0, f64::max);
        if res <= 1e-13 * rnorm {
            return Ok(sol);
        }
        lu.solve_in_place(&mut r)
            .map_err(|e| format!("solve: {e}"))?;
        sol.iter_mut().zip(&r).for_each(|(s, d)| *s += d);
    }
    let ks = kkt.mul_vec(&sol);
    let res = rhs
        .iter()
        .zip(&ks)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    if res <= 1e-10 * rnorm {
        Ok(sol)
    } else {
        Err(format!(
            "refinement stalled at residual {res:e} (inconsistent active set)"
        ))
    }
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
        let tol = (1e-9, 1e-9);
        let p = polish(
            &md,
            &[Active::Free, Active::Free],
            &[Active::Lower],
            &[0.0, 0.0],
            tol,
        )
        .expect("polished");
        assert!((p.x[0] - 1.0).abs() < 1e-14 && (p.x[1] - 1.0).abs() < 1e-14);
        assert!((p.row_dual[0] - 1.0).abs() < 1e-14);
        assert!((p.objective - 1.0).abs() < 1e-14);
        // A wrong active set (x1 held at 0: its reduced cost has the wrong sign) is repaired.
        let p = polish(
            &md,
            &[Active::Free, Active::Lower],
            &[Active::Lower],
            &[0.0, 0.0],
            tol,
        )
        .expect("repaired");
        assert!((p.x[0] - 1.0).abs() < 1e-14 && (p.x[1] - 1.0).abs() < 1e-14);
    }

    /// min x0 + x1 s.t. x0 + x1 = 2 with both free: every point of the segment is optimal and
    /// the KKT matrix is singular; the regularised solve returns the optimum nearest to x0.
    #[test]
    fn polish_of_a_non_unique_optimum_picks_the_nearest() {
        let md = ModelData {
            col_cost: vec![1.0, 1.0],
            col_lower: vec![0.0, 0.0],
            col_upper: vec![10.0, 10.0],
            row_lower: vec![2.0],
            row_upper: vec![2.0],
            a_start: vec![0, 1, 2],
            a_index: vec![0, 0],
            a_value: vec![1.0, 1.0],
            q_start: vec![0, 0, 0],
            q_index: vec![],
            q_value: vec![],
            offset: 0.0,
        };
        let p = polish(
            &md,
            &[Active::Free, Active::Free],
            &[Active::Lower],
            &[0.5, 1.5],
            (1e-9, 1e-9),
        )
        .expect("polished");
        assert!(
            (p.x[0] - 0.5).abs() < 1e-9 && (p.x[1] - 1.5).abs() < 1e-9,
            "{:?}",
            p.x
        );
        assert!((p.row_dual[0] - 1.0).abs() < 1e-9);
    }
}
