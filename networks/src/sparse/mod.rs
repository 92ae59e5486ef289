//! Sparse matrices in compressed-sparse-column form and the sparse LU used by the power flows.
//!
//! [`CscMatrix`] is the one sparse format the solvers exchange. [`lu::SparseLu`] factorises it
//! in two steps, as KLU does: a *symbolic* analysis (fill-reducing ordering, pivot order and the
//! L/U patterns), done once per sparsity pattern, and a *numeric* refactorisation reused across
//! Newton iterations, time steps and scenarios that keep that pattern.

pub mod lu;

pub use lu::{LuError, LuSettings, LuStats, SparseLu};

/// A sparse matrix in compressed-sparse-column form.
///
/// Invariants (checked by [`CscMatrix::check`]): `col_ptr.len() == ncols + 1`, `col_ptr[0] == 0`,
/// `col_ptr` non-decreasing, `row_idx.len() == values.len() == col_ptr[ncols]`, and within each
/// column the row indices are strictly increasing and `< nrows`.
#[derive(Debug, Clone, PartialEq)]
pub struct CscMatrix {
    /// Number of rows.
    pub nrows: usize,
    /// Number of columns.
    pub ncols: usize,
    /// Column `j` holds entries `col_ptr[j]..col_ptr[j+1]`.
    pub col_ptr: Vec<usize>,
    /// Row index of each stored entry.
    pub row_idx: Vec<usize>,
    /// Value of each stored entry.
    pub values: Vec<f64>,
}

impl CscMatrix {
    /// Builds a matrix from (row, col, value) triplets; duplicates are summed, and explicit
    /// entries are kept even when their value is zero (the pattern is what matters for reuse).
    pub fn from_triplets(nrows: usize, ncols: usize, triplets: &[(usize, usize, f64)]) -> Self {
        let mut count = vec![0usize; ncols + 1];
        for &(_, c, _) in triplets {
            count[c + 1] += 1;
        }
        for j in 0..ncols {
            count[j + 1] += count[j];
        }
        let mut next = count.clone();
        let mut rows = vec![0usize; triplets.len()];
        let mut vals = vec![0.0; triplets.len()];
        for &(r, c, v) in triplets {
            let p = next[c];
            rows[p] = r;
            vals[p] = v;
            next[c] += 1;
        }
        let mut col_ptr = Vec::with_capacity(ncols + 1);
        let mut row_idx = Vec::with_capacity(triplets.len());
        let mut values = Vec::with_capacity(triplets.len());
        col_ptr.push(0);
        let mut order: Vec<usize> = Vec::new();
        for j in 0..ncols {
            order.clear();
            order.extend(count[j]..count[j + 1]);
            order.sort_by_key(|&p| rows[p]);
            for &p in &order {
                if let (Some(&last_r), true) = (row_idx.last(), row_idx.len() > col_ptr[j]) {
                    if last_r == rows[p] {
                        *values.last_mut().expect("nonempty") += vals[p];
                        continue;
                    }
                }
                row_idx.push(rows[p]);
                values.push(vals[p]);
            }
            col_ptr.push(row_idx.len());
        }
        CscMatrix {
            nrows,
            ncols,
            col_ptr,
            row_idx,
            values,
        }
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.row_idx.len()
    }

    /// Position of entry (row, col) in `values`, if stored.
    pub fn position(&self, row: usize, col: usize) -> Option<usize> {
        let (a, b) = (self.col_ptr[col], self.col_ptr[col + 1]);
        self.row_idx[a..b].binary_search(&row).ok().map(|k| a + k)
    }

    /// `y = A x`.
    pub fn mul_vec(&self, x: &[f64]) -> Vec<f64> {
        let mut y = vec![0.0; self.nrows];
        for j in 0..self.ncols {
            let xj = x[j];
            for p in self.col_ptr[j]..self.col_ptr[j + 1] {
                y[self.row_idx[p]] += self.values[p] * xj;
            }
        }
        y
    }

    /// The transpose, as a new CSC matrix.
    pub fn transpose(&self) -> CscMatrix {
        let mut count = vec![0usize; self.nrows + 1];
        for &r in &self.row_idx {
            count[r + 1] += 1;
        }
        for i in 0..self.nrows {
            count[i + 1] += count[i];
        }
        let mut next = count.clone();
        let mut row_idx = vec![0usize; self.nnz()];
        let mut values = vec![0.0; self.nnz()];
        for j in 0..self.ncols {
            for p in self.col_ptr[j]..self.col_ptr[j + 1] {
                let r = self.row_idx[p];
                let q = next[r];
                row_idx[q] = j;
                values[q] = self.values[p];
                next[r] += 1;
            }
        }
        CscMatrix {
            nrows: self.ncols,
            ncols: self.nrows,
            col_ptr: count,
            row_idx,
            values,
        }
    }

    /// Checks the structural invariants; returns a description of the first violation.
    pub fn check(&self) -> Result<(), String> {
        if self.col_ptr.len() != self.ncols + 1 || self.col_ptr[0] != 0 {
            return Err("col_ptr must have ncols + 1 entries starting at 0".into());
        }
        if self.row_idx.len() != self.values.len() || self.col_ptr[self.ncols] != self.row_idx.len()
        {
            return Err("row_idx, values and col_ptr[ncols] must agree".into());
        }
        for j in 0..self.ncols {
            if self.col_ptr[j] > self.col_ptr[j + 1] {
                return Err(format!("col_ptr decreases at column {j}"));
            }
            let rows = &self.row_idx[self.col_ptr[j]..self.col_ptr[j + 1]];
            if rows.windows(2).any(|w| w[0] >= w[1]) {
                return Err(format!("rows of column {j} not strictly increasing"));
            }
            if rows.last().is_some_and(|&r| r >= self.nrows) {
                return Err(format!("row index out of range in column {j}"));
            }
        }
        Ok(())
    }
}
