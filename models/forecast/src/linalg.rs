//! Least squares by accumulated normal equations and a dense Cholesky factorisation.
//!
//! Rows arrive sparse (a handful of non-zeros out of `p` columns): `XᵀX += x xᵀ`,
//! `Xᵀy += x y`, so adding data to a fit costs `O(nnz²)` per row and refitting costs one
//! Cholesky factorisation `O(p³/3)`. The solve minimises `‖y − Xβ‖² + λ‖β‖²` with a tiny
//! ridge `λ = ridge_rel · mean(diag XᵀX)` (ridge_rel = 1e-10 by default) that only guards
//! against round-off; categories without data make the fit [`Singular`](crate::ForecastError::Singular).

use crate::ForecastError;

/// Accumulated `XᵀX` (dense, upper and lower stored) and `Xᵀy`.
#[derive(Debug, Clone)]
pub struct NormalEquations {
    p: usize,
    xtx: Vec<f64>,
    xty: Vec<f64>,
    /// Rows accumulated.
    pub rows: usize,
}

impl NormalEquations {
    /// Empty system with `p` columns.
    pub fn new(p: usize) -> Self {
        Self {
            p,
            xtx: vec![0.0; p * p],
            xty: vec![0.0; p],
            rows: 0,
        }
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.p
    }

    /// Adds one row given as `(column, value)` pairs (columns distinct, `< p`) with target `y`.
    pub fn add_row(&mut self, x: &[(usize, f64)], y: f64) {
        for &(i, xi) in x {
            self.xty[i] += xi * y;
            let row = i * self.p;
            for &(j, xj) in x {
                self.xtx[row + j] += xi * xj;
            }
        }
        self.rows += 1;
    }

    /// Solves for β; `model` names the regression in the error.
    pub fn solve(&self, ridge_rel: f64, model: &str) -> Result<Vec<f64>, ForecastError> {
        let p = self.p;
        let mean_diag = (0..p).map(|i| self.xtx[i * p + i]).sum::<f64>() / p.max(1) as f64;
        let lambda = ridge_rel * mean_diag;
        let mut l = self.xtx.clone();
        for i in 0..p {
            l[i * p + i] += lambda;
        }
        // Without the ridge a pivot would be d − λ: negligible against the column's own
        // norm means the column is empty or a combination of earlier ones.
        let xtx = &self.xtx;
        cholesky_in_place(&mut l, p, |j, d| {
            d - lambda <= 1e-10 * xtx[j * p + j] || !d.is_finite()
        })
        .map_err(|column| ForecastError::Singular {
            model: model.to_string(),
            column,
        })?;
        let mut z = self.xty.clone();
        cholesky_substitute(&l, &mut z, p);
        Ok(z)
    }
}

/// In-place Cholesky factorisation `A = L Lᵀ` of a dense symmetric `p × p` matrix (row-major;
/// the lower triangle of `a` becomes `L`). `singular(j, d)` judges pivot `j` before its
/// square root; a pivot it rejects ends the factorisation with `Err(j)`.
pub fn cholesky_in_place(
    a: &mut [f64],
    p: usize,
    singular: impl Fn(usize, f64) -> bool,
) -> Result<(), usize> {
    for j in 0..p {
        let mut d = a[j * p + j];
        for k in 0..j {
            d -= a[j * p + k] * a[j * p + k];
        }
        if singular(j, d) {
            return Err(j);
        }
        let d = d.sqrt();
        a[j * p + j] = d;
        for i in j + 1..p {
            let mut s = a[i * p + j];
            for k in 0..j {
                s -= a[i * p + k] * a[j * p + k];
            }
            a[i * p + j] = s / d;
        }
    }
    Ok(())
}

/// Solves `L Lᵀ z = b` in place (`z` holds `b` on entry) with `L` from [`cholesky_in_place`].
pub fn cholesky_substitute(l: &[f64], z: &mut [f64], p: usize) {
    for i in 0..p {
        let mut s = z[i];
        for k in 0..i {
            s -= l[i * p + k] * z[k];
        }
        z[i] = s / l[i * p + i];
    }
    for i in (0..p).rev() {
        let mut s = z[i];
        for k in i + 1..p {
            s -= l[k * p + i] * z[k];
        }
        z[i] = s / l[i * p + i];
    }
}

/// `Σ x_k β_k` of a sparse row.
pub fn dot_sparse(x: &[(usize, f64)], beta: &[f64]) -> f64 {
    x.iter()
        .map(|&(i, v)| v * beta.get(i).copied().unwrap_or(0.0))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_known_line() {
        // y = 2 + 3x on x = 0..4 exactly: β = (2, 3).
        let mut ne = NormalEquations::new(2);
        for k in 0..5 {
            let x = k as f64;
            ne.add_row(&[(0, 1.0), (1, x)], 2.0 + 3.0 * x);
        }
        let b = ne.solve(1e-12, "line").unwrap();
        assert!((b[0] - 2.0).abs() < 1e-9 && (b[1] - 3.0).abs() < 1e-9);
    }

    #[test]
    fn least_squares_matches_hand_solution() {
        // Points (0,1), (1,3), (2,4): slope = Σ(x−x̄)(y−ȳ)/Σ(x−x̄)² = 3/2, intercept = 8/3 − 3/2 = 7/6.
        let mut ne = NormalEquations::new(2);
        for (x, y) in [(0.0, 1.0), (1.0, 3.0), (2.0, 4.0)] {
            ne.add_row(&[(0, 1.0), (1, x)], y);
        }
        let b = ne.solve(1e-12, "ls").unwrap();
        assert!((b[0] - 7.0 / 6.0).abs() < 1e-9 && (b[1] - 1.5).abs() < 1e-9);
    }

    #[test]
    fn empty_category_is_singular_not_a_panic() {
        let mut ne = NormalEquations::new(3);
        ne.add_row(&[(0, 1.0), (1, 1.0)], 1.0);
        ne.add_row(&[(0, 1.0)], 0.0);
        assert!(matches!(
            ne.solve(1e-10, "m"),
            Err(ForecastError::Singular { column: 2, .. })
        ));
    }
}
