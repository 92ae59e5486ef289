//! A primal–dual interior-point method (Mehrotra predictor–corrector) for the OPF's convex QP,
//! on the crate's sparse LU.
//!
//! HiGHS's active-set QP solver is exact when it works, but on penalised or stressed cases it
//! cycles (hundreds of thousands of iterations among tied shedding variables) or spends seconds
//! per iteration on a large null space. An interior-point method has neither problem: its
//! iteration count (20–40) hardly depends on size or degeneracy.
//!
//! # Method
//!
//! The model `min ½xᵀQx + cᵀx` s.t. `rl ≤ Ax ≤ ru`, `l ≤ x ≤ u` (`Q` diagonal) is put in the
//! form `min ½vᵀQv + cᵀv` s.t. `M v = b`, `L ≤ v ≤ U`, with `v = (x, w)`, `w = Ax` the row
//! activities and `M = [A  −I]`; fixed variables (equal bounds: equality rows, reference
//! angles, switched-off generators) are substituted into `b`. With slacks `s_l = v − L`,
//! `s_u = U − v` and multipliers `z_l, z_u ≥ 0` of the finite bounds, each iteration solves the
//! regularised, quasi-definite augmented system
//!
//! ```text
//! [ −(Q + Σ + ρI)   Mᵀ ] [ Δv ]   [ −h   ]        Σ = Z_l S_l⁻¹ + Z_u S_u⁻¹
//! [      M          δI ] [ Δy ] = [ −r_p ]
//! ```
//!
//! twice (predictor, then corrector with `σ = (μ_aff/μ)³`), with `r_d = Qv + c − Mᵀy − z_l + z_u`,
//! `r_p = Mv − b`, `h = −r_d + r_l/s_l − r_u/s_u` and the complementarity targets `r_l, r_u`.
//! The LU's symbolic analysis is done once; each iteration refactorises numerically. Costs are
//! scaled to at most 1 inside. It stops when the primal and dual residuals are below
//! `1e-10` (relative) and `μ` below `1e-12`; the caller then polishes the solution on the
//! active set it identifies (`z > s`), see [`super::polish`].

use super::highs::ModelData;
use crate::sparse::{CscMatrix, SparseLu};

/// A converged interior point: columns, row duals (HiGHS's sign convention), and which bounds
/// are active (`z > s`) for the polish.
#[derive(Debug, Clone)]
pub(crate) struct IpmSolution {
    pub x: Vec<f64>,
    pub row_dual: Vec<f64>,
    pub col_active: Vec<super::polish::Active>,
    pub row_active: Vec<super::polish::Active>,
    /// Some bound is neither clearly active nor clearly inactive (`s` and `z` within a factor
    /// 1e4 of each other): the optimum is degenerate and the polish would have to guess.
    pub degenerate: bool,
    pub iterations: usize,
}

/// A Newton direction: (Δv, Δy, Δz_l, Δz_u).
type Direction = (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>);

const MAX_ITER: usize = 150;
const TOL_RES: f64 = 1e-10;
const TOL_MU: f64 = 1e-12;
const REG_PRIMAL: f64 = 1e-10;
const STALL_ITER: usize = 30;
/// Complementarity accepted once it has stopped falling for [`MU_STALL_ITER`] iterations with
/// both residuals met: on badly scaled models (value of lost load next to generation costs)
/// the gap floors in double precision just above [`TOL_MU`] (e.g. at 2.4e-12) and the active
/// set is settled; the polish then solves the KKT system on it exactly.
const TOL_MU_STALLED: f64 = 1e-9;
const MU_STALL_ITER: usize = 10;
const REG_DUAL: f64 = 1e-10;

/// Solves the model's QP (or LP) by the interior-point method; `Err` says why it stopped.
pub(crate) fn solve_qp(md: &ModelData) -> Result<IpmSolution, String> {
    let n = md.num_col();
    let m = md.num_row();
    let nt = n + m;
    // Bounds and costs of v = (x, w).
    let mut lo = Vec::with_capacity(nt);
    let mut hi = Vec::with_capacity(nt);
    lo.extend_from_slice(&md.col_lower);
    lo.extend_from_slice(&md.row_lower);
    hi.extend_from_slice(&md.col_upper);
    hi.extend_from_slice(&md.row_upper);
    if lo.iter().zip(&hi).any(|(l, u)| {
        l.is_nan() || u.is_nan() || l > u || *l == f64::INFINITY || *u == f64::NEG_INFINITY
    }) {
        return Err("inconsistent bounds".into());
    }
    let mut q = vec![0.0; nt];
    if md.q_start.len() == n + 1 {
        for j in 0..n {
            for p in md.q_start[j]..md.q_start[j + 1] {
                if md.q_index[p] != j {
                    return Err("non-diagonal Hessian".into());
                }
                q[j] += md.q_value[p];
            }
        }
    }
    let mut c = vec![0.0; nt];
    c[..n].copy_from_slice(&md.col_cost);
    let cs = c
        .iter()
        .chain(q.iter())
        .map(|v| v.abs())
        .fold(1.0, f64::max);
    c.iter_mut().for_each(|v| *v /= cs);
    q.iter_mut().for_each(|v| *v /= cs);

    // Variables kept (not fixed), and the right-hand side with the fixed ones substituted.
    let fixed: Vec<bool> = (0..nt).map(|k| lo[k] == hi[k]).collect();
    let mut pos = vec![usize::MAX; nt];
    let mut var = Vec::new();
    for k in 0..nt {
        if !fixed[k] {
            pos[k] = var.len();
            var.push(k);
        }
    }
    let nv = var.len();
    let mut b = vec![0.0; m];
    // Columns of M over the kept variables: (row, value).
    let mut mcols: Vec<Vec<(usize, f64)>> = vec![Vec::new(); nv];
    for j in 0..n {
        for p in md.a_start[j]..md.a_start[j + 1] {
            let (i, a) = (md.a_index[p], md.a_value[p]);
            if fixed[j] {
                b[i] -= a * lo[j];
            } else {
                mcols[pos[j]].push((i, a));
            }
        }
    }
    for i in 0..m {
        let k = n + i;
        if fixed[k] {
            b[i] += lo[k];
        } else {
            mcols[pos[k]].push((i, -1.0));
        }
    }
    let has_l: Vec<bool> = var.iter().map(|&k| lo[k].is_finite()).collect();
    let has_u: Vec<bool> = var.iter().map(|&k| hi[k].is_finite()).collect();
    let vl: Vec<f64> = var.iter().map(|&k| lo[k]).collect();
    let vu: Vec<f64> = var.iter().map(|&k| hi[k]).collect();
    let vq: Vec<f64> = var.iter().map(|&k| q[k]).collect();
    let vc: Vec<f64> = var.iter().map(|&k| c[k]).collect();

    // The augmented matrix's pattern, built once; its diagonal positions are updated.
    // Variables with a single entry in M (generator outputs, shedding, spill and overload
    // slacks, row activities) are eliminated from the augmented system into its row block:
    // from −d_k Δv_k + a_k Δy_i = −h_k, Δv_k = (h_k + a_k Δy_i)/d_k. Only the others (the
    // angles) stay, with the rows.
    let single: Vec<bool> = mcols.iter().map(|c| c.len() == 1).collect();
    let mut kpos = vec![usize::MAX; nv];
    let mut nk = 0;
    for k in 0..nv {
        if !single[k] {
            kpos[k] = nk;
            nk += 1;
        }
    }
    let dim = nk + m;
    let mut trip: Vec<(usize, usize, f64)> =
        Vec::with_capacity(dim + 2 * mcols.iter().map(Vec::len).sum::<usize>());
    for (kv, col) in mcols.iter().enumerate() {
        if single[kv] {
            continue;
        }
        let kk = kpos[kv];
        trip.push((kk, kk, -1.0));
        for &(i, a) in col {
            trip.push((nk + i, kk, a));
            trip.push((kk, nk + i, a));
        }
    }
    for i in 0..m {
        trip.push((nk + i, nk + i, REG_DUAL));
    }
    let mut kkt = CscMatrix::from_triplets(dim, dim, &trip);
    let diag: Vec<usize> = (0..dim)
        .map(|k| {
            kkt.position(k, k)
                .ok_or_else(|| "KKT pattern without diagonal".to_string())
        })
        .collect::<Result<_, _>>()?;
    let mut lu = SparseLu::analyze(&kkt).map_err(|e| format!("KKT analysis: {e}"))?;

    // Starting point.
    let mut v: Vec<f64> = (0..nv)
        .map(|k| match (has_l[k], has_u[k]) {
            (true, true) => 0.5 * (vl[k] + vu[k]),
            (true, false) => vl[k] + 1.0,
            (false, true) => vu[k] - 1.0,
            (false, false) => 0.0,
        })
        .collect();
    let mut y = vec![0.0; m];
    let mut zl: Vec<f64> = has_l.iter().map(|&h| if h { 1.0 } else { 0.0 }).collect();
    let mut zu: Vec<f64> = has_u.iter().map(|&h| if h { 1.0 } else { 0.0 }).collect();
    let ncompl = has_l.iter().chain(&has_u).filter(|&&h| h).count().max(1) as f64;
    let bnorm = b.iter().map(|v| v.abs()).fold(1.0, f64::max);

    let mul_m = |v: &[f64]| -> Vec<f64> {
        let mut r = vec![0.0; m];
        for (kv, col) in mcols.iter().enumerate() {
            for &(i, a) in col {
                r[i] += a * v[kv];
            }
        }
        r
    };
    let mul_mt = |y: &[f64]| -> Vec<f64> {
        mcols
            .iter()
            .map(|col| col.iter().map(|&(i, a)| a * y[i]).sum())
            .collect()
    };

    let mut best_rp = f64::INFINITY;
    let mut best_at = 0;
    let mut best_mu = f64::INFINITY;
    let mut best_mu_at = 0;
    for iter in 0..MAX_ITER {
        let sl: Vec<f64> = (0..nv)
            .map(|k| if has_l[k] { v[k] - vl[k] } else { 1.0 })
            .collect();
        let su: Vec<f64> = (0..nv)
            .map(|k| if has_u[k] { vu[k] - v[k] } else { 1.0 })
            .collect();
        let mty = mul_mt(&y);
        let rd: Vec<f64> = (0..nv)
            .map(|k| vq[k] * v[k] + vc[k] - mty[k] - zl[k] + zu[k])
            .collect();
        let mv = mul_m(&v);
        let rp: Vec<f64> = (0..m).map(|i| mv[i] - b[i]).collect();
        let mu = (0..nv)
            .map(|k| {
                sl[k] * zl[k] * f64::from(u8::from(has_l[k]))
                    + su[k] * zu[k] * f64::from(u8::from(has_u[k]))
            })
            .sum::<f64>()
            / ncompl;
        let rp_n = rp.iter().map(|v| v.abs()).fold(0.0, f64::max);
        let rd_n = rd.iter().map(|v| v.abs()).fold(0.0, f64::max);
        if !(rp_n.is_finite() && rd_n.is_finite() && mu.is_finite()) {
            return Err(format!("interior point diverged at iteration {iter}"));
        }
        if mu < 0.9 * best_mu {
            best_mu = mu;
            best_mu_at = iter;
        }
        let mu_done = mu <= TOL_MU || (mu <= TOL_MU_STALLED && iter - best_mu_at >= MU_STALL_ITER);
        if rp_n <= TOL_RES * bnorm && rd_n <= TOL_RES && mu_done {
            return Ok(finish(
                md, &var, &fixed, &lo, &v, &y, &sl, &su, &zl, &zu, &has_l, &has_u, cs, iter,
            ));
        }
        // An infeasible model shows as a primal residual that stops falling.
        if rp_n < 0.9 * best_rp {
            best_rp = rp_n;
            best_at = iter;
        } else if iter - best_at >= STALL_ITER && rp_n > TOL_RES * bnorm {
            return Err(format!(
                "interior point stalled at primal residual {rp_n:.1e} (infeasible?)"
            ));
        }
        // Factorise the augmented matrix for this iteration.
        let sigma: Vec<f64> = (0..nv)
            .map(|k| {
                (if has_l[k] { zl[k] / sl[k] } else { 0.0 })
                    + (if has_u[k] { zu[k] / su[k] } else { 0.0 })
            })
            .collect();
        let d: Vec<f64> = (0..nv).map(|k| vq[k] + sigma[k] + REG_PRIMAL).collect();
        let mut row_diag = vec![REG_DUAL; m];
        for k in 0..nv {
            if single[k] {
                let (i, a) = mcols[k][0];
                row_diag[i] += a * a / d[k];
            } else {
                kkt.values[diag[kpos[k]]] = -d[k];
            }
        }
        for i in 0..m {
            kkt.values[diag[nk + i]] = row_diag[i];
        }
        lu.factor(&kkt)
            .map_err(|e| format!("KKT factorisation at iteration {iter}: {e}"))?;
        let solve = |rl: &[f64], ru: &[f64]| -> Result<Direction, String> {
            let mut rhs = vec![0.0; dim];
            let mut h = vec![0.0; nv];
            for k in 0..nv {
                h[k] = -rd[k] + (if has_l[k] { rl[k] / sl[k] } else { 0.0 })
                    - (if has_u[k] { ru[k] / su[k] } else { 0.0 });
            }
            for i in 0..m {
                rhs[nk + i] = -rp[i];
            }
            for k in 0..nv {
                if single[k] {
                    let (i, a) = mcols[k][0];
                    rhs[nk + i] -= a * h[k] / d[k];
                } else {
                    rhs[kpos[k]] = -h[k];
                }
            }
            lu.solve_in_place(&mut rhs)
                .map_err(|e| format!("KKT solve: {e}"))?;
            let dy = rhs[nk..].to_vec();
            let dv: Vec<f64> = (0..nv)
                .map(|k| {
                    if single[k] {
                        let (i, a) = mcols[k][0];
                        (h[k] + a * dy[i]) / d[k]
                    } else {
                        rhs[kpos[k]]
                    }
                })
                .collect();
            let dzl = (0..nv)
                .map(|k| {
                    if has_l[k] {
                        (rl[k] - zl[k] * dv[k]) / sl[k]
                    } else {
                        0.0
                    }
                })
                .collect();
            let dzu = (0..nv)
                .map(|k| {
                    if has_u[k] {
                        (ru[k] + zu[k] * dv[k]) / su[k]
                    } else {
                        0.0
                    }
                })
                .collect();
            Ok((dv, dy, dzl, dzu))
        };
        let step = |dv: &[f64], dzl: &[f64], dzu: &[f64]| -> (f64, f64) {
            let (mut ap, mut ad) = (1.0f64, 1.0f64);
            for k in 0..nv {
                if has_l[k] {
                    if dv[k] < 0.0 {
                        ap = ap.min(-sl[k] / dv[k]);
                    }
                    if dzl[k] < 0.0 {
                        ad = ad.min(-zl[k] / dzl[k]);
                    }
                }
                if has_u[k] {
                    if dv[k] > 0.0 {
                        ap = ap.min(su[k] / dv[k]);
                    }
                    if dzu[k] < 0.0 {
                        ad = ad.min(-zu[k] / dzu[k]);
                    }
                }
            }
            (ap, ad)
        };
        // Predictor (affine scaling).
        let rl0: Vec<f64> = (0..nv)
            .map(|k| if has_l[k] { -sl[k] * zl[k] } else { 0.0 })
            .collect();
        let ru0: Vec<f64> = (0..nv)
            .map(|k| if has_u[k] { -su[k] * zu[k] } else { 0.0 })
            .collect();
        let (dv_a, _, dzl_a, dzu_a) = solve(&rl0, &ru0)?;
        let (ap, ad) = step(&dv_a, &dzl_a, &dzu_a);
        let a = ap.min(ad);
        let mu_aff = (0..nv)
            .map(|k| {
                let l = if has_l[k] {
                    (sl[k] + a * dv_a[k]) * (zl[k] + a * dzl_a[k])
                } else {
                    0.0
                };
                let u = if has_u[k] {
                    (su[k] - a * dv_a[k]) * (zu[k] + a * dzu_a[k])
                } else {
                    0.0
                };
                l + u
            })
            .sum::<f64>()
            / ncompl;
        let sig = (mu_aff / mu).clamp(0.0, 1.0).powi(3);
        // Corrector.
        let rl: Vec<f64> = (0..nv)
            .map(|k| {
                if has_l[k] {
                    sig * mu - sl[k] * zl[k] - dv_a[k] * dzl_a[k]
                } else {
                    0.0
                }
            })
            .collect();
        let ru: Vec<f64> = (0..nv)
            .map(|k| {
                if has_u[k] {
                    sig * mu - su[k] * zu[k] + dv_a[k] * dzu_a[k]
                } else {
                    0.0
                }
            })
            .collect();
        let (dv, dy, dzl, dzu) = solve(&rl, &ru)?;
        let (ap, ad) = step(&dv, &dzl, &dzu);
        let a = (0.995 * ap.min(ad)).min(1.0);
        for k in 0..nv {
            v[k] += a * dv[k];
            zl[k] += a * dzl[k];
            zu[k] += a * dzu[k];
        }
        for i in 0..m {
            y[i] += a * dy[i];
        }
    }
    Err(format!(
        "interior point did not converge in {MAX_ITER} iterations"
    ))
}

/// Maps the interior point back to the model's columns and rows.
#[allow(clippy::too_many_arguments)]
fn finish(
    md: &ModelData,
    var: &[usize],
    fixed: &[bool],
    lo: &[f64],
    v: &[f64],
    y: &[f64],
    sl: &[f64],
    su: &[f64],
    zl: &[f64],
    zu: &[f64],
    has_l: &[bool],
    has_u: &[bool],
    cs: f64,
    iterations: usize,
) -> IpmSolution {
    use super::polish::Active;
    let n = md.num_col();
    let m = md.num_row();
    let nt = n + m;
    let mut full = vec![0.0; nt];
    let mut act = vec![Active::Free; nt];
    for k in 0..nt {
        if fixed[k] {
            full[k] = lo[k];
            act[k] = Active::Lower;
        }
    }
    let mut degenerate = false;
    let unclear = |s: f64, z: f64| s < 1e4 * z && z < 1e4 * s;
    for (kv, &k) in var.iter().enumerate() {
        full[k] = v[kv];
        if has_l[kv] && zl[kv] > sl[kv] {
            act[k] = Active::Lower;
        } else if has_u[kv] && zu[kv] > su[kv] {
            act[k] = Active::Upper;
        }
        degenerate |=
            (has_l[kv] && unclear(sl[kv], zl[kv])) || (has_u[kv] && unclear(su[kv], zu[kv]));
    }
    IpmSolution {
        x: full[..n].to_vec(),
        row_dual: y.iter().map(|v| v * cs).collect(),
        col_active: act[..n].to_vec(),
        row_active: act[n..n + m].to_vec(),
        degenerate,
        iterations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// min ½(x0² + x1²) − 3 x1 s.t. x0 + x1 = 2, 0 ≤ x ≤ 10  →  x1 − x0 = 3 clipped: x = (0, 2),
    /// with x0 at its lower bound, and y = −1 (x1: 2 − 3 − y = 0).
    #[test]
    fn ipm_solves_a_small_qp_with_an_active_bound() {
        let md = ModelData {
            col_cost: vec![0.0, -3.0],
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
        let s = solve_qp(&md).expect("converges");
        assert!(
            s.x[0].abs() < 1e-8 && (s.x[1] - 2.0).abs() < 1e-8,
            "{:?}",
            s.x
        );
        assert!((s.row_dual[0] + 1.0).abs() < 1e-8, "{:?}", s.row_dual);
        assert_eq!(s.col_active[0], super::super::polish::Active::Lower);
        assert_eq!(s.col_active[1], super::super::polish::Active::Free);
    }
}
