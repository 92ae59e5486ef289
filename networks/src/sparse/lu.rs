//! Sparse LU factorisation in the manner of KLU: AMD ordering, Gilbert–Peierls LU with threshold partial pivoting, and pattern-reusing refactorisation.
//!
//! # Mathematics
//!
//! For a square sparse `A` (n × n) the factorisation is
//!
//! ```text
//! A[prow[i], pcol[j]] = (L U)[i, j]          i.e.   P A Q = L U,
//! ```
//!
//! with `L` unit lower triangular, `U` upper triangular, `pcol` a fill-reducing column order
//! and `prow` the pivot (row) order. It is computed in three stages:
//!
//! 1. **Analysis** ([`SparseLu::analyze`], once per sparsity pattern). The column order `pcol`
//!    is the approximate-minimum-degree (AMD) order of the pattern of `A + Aᵀ`. Rows are
//!    pre-ordered the same way, so that when the diagonal is an acceptable pivot the
//!    factorisation is a symmetric permutation `Qᵀ A Q = L U`, whose fill is that of the
//!    Cholesky factor of `Qᵀ (A + Aᵀ) Q`. Power-flow Jacobians and B matrices are
//!    structurally symmetric with a nonzero diagonal, which is the case this is made for.
//!
//! 2. **First numeric factorisation** (Gilbert & Peierls, 1988; left-looking, column by
//!    column). For step `k` with `c = pcol[k]`, the sparse triangular system
//!    `L[:, :k] x = A[:, c]` is solved: a graph search from the rows of `A[:, c]` through the
//!    columns of `L` computed so far yields the nonzero pattern of `x` (the rows already
//!    pivotal form `U[:, k]`, the others are candidate rows of `L[:, k]`), and the numeric
//!    update `x ← x − L[:, j] · x_j` is applied for the pivotal `j` in increasing pivot order
//!    (a topological order, since `L[i, j] ≠ 0` only for pivot positions `i > j`). The pivot
//!    is chosen among the candidates by *threshold partial pivoting*, as in KLU: the diagonal
//!    candidate (row `c`) is kept when `|x_c| ≥ τ · maxᵢ |x_i|` with `τ = 10⁻³`
//!    ([`PIVOT_TOLERANCE`]), otherwise the candidate of largest magnitude is taken. Then
//!    `U[k, k] = x_piv` and `L[i, k] = x_i / x_piv`. Every entry reached by the search is
//!    kept, even when it is numerically zero, so the recorded patterns are structural.
//!
//! 3. **Refactorisation** (every later [`SparseLu::factor`]). With the pivot order and the
//!    patterns of `L` and `U` fixed, only the numeric step runs: for each column, scatter
//!    `A[:, pcol[k]]` into a dense work vector indexed by pivot position, apply the updates
//!    of `U[:, k]`, and gather `U[:, k]`, `U[k, k]` and `L[:, k]`, clearing the work vector
//!    as it goes. There is no graph search, no allocation and no pivot search. A pivot is
//!    *degenerate* when it is zero or not finite, or when `|U[k, k]| < τ_r · maxᵢ |x_i|` over
//!    its column's `L` candidates, with `τ_r = 10⁻⁵` ([`REFACTOR_PIVOT_TOLERANCE`]; below `τ`
//!    for hysteresis, see [`LuSettings`]); then the
//!    whole factorisation is redone with fresh pivoting (stage 2), automatically.
//!
//!    Supernodes: when `L[:, j] = {j + 1} ∪ L[:, j + 1]` for `j₀ ≤ j < j₀ + s − 1` (AMD
//!    numbers indistinguishable unknowns consecutively, e.g. the angle and magnitude of a
//!    PQ bus, so such chains cover most of a power-flow factor), a column `k` that reaches
//!    row `j` of the chain reaches all the later ones below `k` too (fill), so `U[:, k]`
//!    meets the chain in one run of `t` consecutive rows. The run is applied as a dense
//!    `t × t` unit triangular solve on its diagonal block and then one pass over the shared
//!    rows below it, `x_i ← x_i − Σₐ L[i, j₀+a] x_{j₀+a}`, reading each row index once instead
//!    of `t` times. The subtractions keep the order of the column-by-column update, so a
//!    refactorisation of unchanged values reproduces stage 2 bit for bit.
//!
//! Solving `A x = b`: `b̂ = b[prow]`, `L y = b̂`, `U x̂ = y`, `x[pcol] = x̂`; and `Aᵀ x = b`:
//! `b̃ = b[pcol]`, `Uᵀ y = b̃`, `Lᵀ x̃ = y`, `x[prow] = x̃`. The permutations are applied in
//! place by following their precomputed cycles, so the solves allocate nothing and take
//! `&self` (a factorisation can be shared by threads solving different right-hand sides).
//!
//! Reference: T. A. Davis and E. Palamadai Natarajan, "Algorithm 907: KLU, a direct sparse
//! solver for circuit simulation problems", ACM TOMS 37(3), 2010.
//!
//! ```
//! use gridsim_networks::sparse::{CscMatrix, SparseLu};
//! let a = CscMatrix::from_triplets(2, 2, &[(0, 0, 4.0), (1, 0, 1.0), (0, 1, 2.0), (1, 1, 3.0)]);
//! let mut lu = SparseLu::analyze(&a).unwrap();
//! lu.factor(&a).unwrap();
//! let mut b = vec![8.0, 7.0]; // A [1, 2] = [8, 7]
//! lu.solve_in_place(&mut b).unwrap();
//! assert!((b[0] - 1.0).abs() < 1e-12 && (b[1] - 2.0).abs() < 1e-12);
//! ```

use super::CscMatrix;

/// Default threshold `τ` of partial pivoting (KLU's): the diagonal is kept as pivot while
/// `|x_c| ≥ τ · max |candidates|`.
pub const PIVOT_TOLERANCE: f64 = 1e-3;

/// Default threshold `τ_r` of the refactorisation: a recorded pivot is kept while
/// `|U[k, k]| ≥ τ_r · max |candidates|`, otherwise the factorisation pivots afresh.
/// `τ_r < τ` gives hysteresis, so that a pivot hovering near the pivoting threshold does not
/// cost a pivoting factorisation at every Newton iteration; the growth of one elimination
/// step stays bounded by `1 / τ_r`.
pub const REFACTOR_PIVOT_TOLERANCE: f64 = 1e-5;

/// Numerical settings of [`SparseLu`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LuSettings {
    /// `τ` of threshold partial pivoting, in `(0, 1]`; default [`PIVOT_TOLERANCE`]. 1 is
    /// classical partial pivoting; smaller values keep more diagonal pivots (less fill).
    pub pivot_tolerance: f64,
    /// `τ_r` of the refactorisation's degenerate-pivot test, in `(0, pivot_tolerance]`;
    /// default [`REFACTOR_PIVOT_TOLERANCE`].
    pub refactor_pivot_tolerance: f64,
}

impl Default for LuSettings {
    fn default() -> Self {
        LuSettings {
            pivot_tolerance: PIVOT_TOLERANCE,
            refactor_pivot_tolerance: REFACTOR_PIVOT_TOLERANCE,
        }
    }
}

impl LuSettings {
    /// Checks the ranges documented on the fields.
    pub fn validate(&self) -> Result<(), String> {
        let (t, r) = (self.pivot_tolerance, self.refactor_pivot_tolerance);
        if !(t > 0.0 && t <= 1.0) {
            return Err(format!("pivot_tolerance must be in (0, 1], got {t}"));
        }
        if !(r > 0.0 && r <= t) {
            return Err(format!(
                "refactor_pivot_tolerance must be in (0, {t}], got {r}"
            ));
        }
        Ok(())
    }
}

/// Marks a row that has not been chosen as pivot yet.
const NONE: u32 = u32::MAX;

/// Why a factorisation or solve failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LuError {
    /// The matrix is not square.
    #[error("matrix is not square ({nrows}x{ncols})")]
    NotSquare { nrows: usize, ncols: usize },
    /// The matrix passed to `factor` has another sparsity pattern than the one analysed.
    #[error("sparsity pattern differs from the analysed one")]
    PatternMismatch,
    /// No usable pivot in this column of `A` (original numbering): structurally or
    /// numerically singular.
    #[error("matrix is singular at column {column}")]
    Singular { column: usize },
    /// A right-hand side of the wrong length.
    #[error("right-hand side has length {got}, expected {expected}")]
    DimensionMismatch { expected: usize, got: usize },
    /// `solve_in_place` before a successful `factor`.
    #[error("solve called before a successful factorisation")]
    NotFactored,
    /// The matrix given to `analyze` breaks the CSC invariants ([`CscMatrix::check`]).
    #[error("invalid CSC matrix: {reason}")]
    InvalidMatrix { reason: String },
    /// A NaN or infinite value in this column of `A` (original numbering), or one produced
    /// while eliminating it.
    #[error("non-finite value in column {column}")]
    NonFinite { column: usize },
    /// [`LuSettings::validate`] refused the settings.
    #[error("invalid LU settings: {reason}")]
    InvalidSettings { reason: String },
    /// The dimension does not fit the 32-bit row indices used by the factors.
    #[error("matrix dimension {n} is too large (at most {max})")]
    TooLarge { n: usize, max: usize },
}

/// Counters and sizes of a factorisation, for tests, benchmarks and diagnostics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LuStats {
    /// Stored entries of `L`, unit diagonal excluded.
    pub nnz_l: usize,
    /// Stored entries of `U`, diagonal included.
    pub nnz_u: usize,
    /// Multiply–subtract pairs in one refactorisation (`Σ_{U[j,k] ≠ 0, j<k} nnz(L[:, j])`).
    pub refactor_flops: usize,
    /// Pivots of the current factorisation that are off the (AMD-permuted) diagonal.
    pub off_diagonal_pivots: usize,
    /// Factorisations with pivot search (the first, and every fallback).
    pub pivoting_factorizations: usize,
    /// Successful refactorisations that reused pivot order and patterns.
    pub refactorizations: usize,
    /// Refactorisations abandoned for a degenerate pivot (each followed by a pivoting one).
    pub fallbacks: usize,
}

/// A permutation `p` with the leaders of its nontrivial cycles, so that the gather
/// `x ← x[p]` can be applied in place without a work vector.
#[derive(Debug, Clone, Default)]
struct CyclePerm {
    /// `p[i]`: where entry `i` of the result comes from.
    p: Vec<u32>,
    /// Smallest index of each cycle of length > 1.
    leaders: Vec<u32>,
}

impl CyclePerm {
    fn new(p: Vec<u32>) -> Self {
        let mut seen = vec![false; p.len()];
        let mut leaders = Vec::new();
        for start in 0..p.len() {
            if seen[start] {
                continue;
            }
            let mut i = start;
            let mut len = 0usize;
            while !seen[i] {
                seen[i] = true;
                i = p[i] as usize;
                len += 1;
            }
            if len > 1 {
                leaders.push(start as u32);
            }
        }
        CyclePerm { p, leaders }
    }

    /// `x ← x[p]`, in place. `x.len()` must equal `p.len()` (checked by the callers).
    fn gather_in_place(&self, x: &mut [f64]) {
        let p = &self.p[..];
        for &lead in &self.leaders {
            let lead = lead as usize;
            let first = x[lead];
            let mut i = lead;
            loop {
                let next = p[i] as usize;
                if next == lead {
                    x[i] = first;
                    break;
                }
                x[i] = x[next];
                i = next;
            }
        }
    }
}

/// LU factorisation `P A Q = L U` with symbolic analysis reused across numeric factorisations.
///
/// `analyze` once per pattern, `factor` for every new set of values (the first call pivots,
/// later calls refactorise and fall back to pivoting by themselves), then solve as often as
/// needed. See the [module documentation](self) for the algorithm.
#[derive(Debug, Clone)]
pub struct SparseLu {
    n: usize,
    /// Pattern of the analysed `A`, to check that `factor` gets the same one.
    a_col_ptr: Vec<usize>,
    a_row_idx: Vec<usize>,
    /// Column order: step `k` eliminates column `pcol[k]` of `A` (AMD order).
    pcol: Vec<u32>,
    /// Row order: pivot `k` is row `prow[k]` of `A`.
    prow: Vec<u32>,
    /// Inverse of `prow`: the pivot position of each row of `A` ([`NONE`] while unset).
    prow_inv: Vec<u32>,
    /// For each stored entry of `A`, the pivot position of its row (valid once factored).
    a_piv_row: Vec<u32>,
    /// `L` by columns in pivot numbering, strictly lower part, rows increasing.
    l_ptr: Vec<usize>,
    l_idx: Vec<u32>,
    l_val: Vec<f64>,
    /// `U` by columns in pivot numbering, strictly upper part, rows increasing.
    u_ptr: Vec<usize>,
    u_idx: Vec<u32>,
    u_val: Vec<f64>,
    /// Diagonal of `U`.
    u_diag: Vec<f64>,
    /// Supernode runs of `U`: `u_run[p] = t > 0` where entries `p .. p + t` of a column of
    /// `U` are the consecutive rows `j .. j + t` of one supernode of `L`, i.e.
    /// `L[:, i] = {i + 1} ∪ L[:, i + 1]` for `j ≤ i < j + t - 1`; 0 inside a run. The
    /// refactorisation applies such a run as a small dense triangular solve and one pass
    /// over the rows of `L[:, j + t - 1]`.
    u_run: Vec<u32>,
    /// Supernode partition of `L` for the solves: supernode `s` is the columns
    /// `l_super[s] .. l_super[s + 1]` (maximal chains `L[:, j] = {j + 1} ∪ L[:, j + 1]`).
    l_super: Vec<u32>,
    /// Gathers for the solves: `b[prow]`, `x̂[pcol⁻¹]`, `b[pcol]`, `x̃[prow⁻¹]`.
    gather_prow: CyclePerm,
    gather_pcol_inv: CyclePerm,
    gather_pcol: CyclePerm,
    gather_prow_inv: CyclePerm,
    /// Dense work vector, all zero between calls.
    work: Vec<f64>,
    /// Scratch of the pivoting factorisation: visit stamps, search stack, patterns.
    mark: Vec<u32>,
    stack: Vec<u32>,
    u_pattern: Vec<u32>,
    l_pattern: Vec<u32>,
    /// Pivot order and patterns are recorded (a refactorisation may be tried).
    has_structure: bool,
    settings: LuSettings,
    /// The last `factor` succeeded: the factors are usable by the solves.
    factored: bool,
    stats: LuStats,
}

impl SparseLu {
    /// Symbolic analysis of `a`'s pattern: validity checks and the AMD column order of
    /// `A + Aᵀ`. The values of `a` are not used.
    pub fn analyze(a: &CscMatrix) -> Result<Self, LuError> {
        Self::check_analyzable(a)?;
        Self::with_order(a, amd_order(a))
    }

    /// Symbolic analysis with a column order given by the caller instead of AMD: step `k`
    /// eliminates column `column_order[k]` (rows are pre-ordered the same way). For
    /// reproducing or comparing orderings. [`LuError::InvalidMatrix`] when `column_order` is
    /// not a permutation of `0..n`.
    pub fn analyze_with_column_order(
        a: &CscMatrix,
        column_order: &[usize],
    ) -> Result<Self, LuError> {
        Self::check_analyzable(a)?;
        if !is_permutation(column_order, a.ncols) {
            return Err(LuError::InvalidMatrix {
                reason: "the column order is not a permutation of 0..n".into(),
            });
        }
        Self::with_order(a, column_order.iter().map(|&c| c as u32).collect())
    }

    fn check_analyzable(a: &CscMatrix) -> Result<(), LuError> {
        if a.nrows != a.ncols {
            return Err(LuError::NotSquare {
                nrows: a.nrows,
                ncols: a.ncols,
            });
        }
        let max = (u32::MAX - 1) as usize;
        if a.nrows > max {
            return Err(LuError::TooLarge { n: a.nrows, max });
        }
        a.check()
            .map_err(|reason| LuError::InvalidMatrix { reason })
    }

    /// `a` checked by [`Self::check_analyzable`], `pcol` a permutation.
    fn with_order(a: &CscMatrix, pcol: Vec<u32>) -> Result<Self, LuError> {
        let n = a.nrows;
        Ok(SparseLu {
            n,
            a_col_ptr: a.col_ptr.clone(),
            a_row_idx: a.row_idx.clone(),
            pcol,
            prow: vec![NONE; n],
            prow_inv: vec![NONE; n],
            a_piv_row: vec![0; a.nnz()],
            l_ptr: vec![0],
            l_idx: Vec::new(),
            l_val: Vec::new(),
            u_ptr: vec![0],
            u_idx: Vec::new(),
            u_val: Vec::new(),
            u_diag: vec![0.0; n],
            u_run: Vec::new(),
            l_super: vec![0],
            gather_prow: CyclePerm::default(),
            gather_pcol_inv: CyclePerm::default(),
            gather_pcol: CyclePerm::default(),
            gather_prow_inv: CyclePerm::default(),
            work: vec![0.0; n],
            mark: vec![0; n],
            stack: Vec::new(),
            u_pattern: Vec::new(),
            l_pattern: Vec::new(),
            has_structure: false,
            settings: LuSettings::default(),
            factored: false,
            stats: LuStats::default(),
        })
    }

    /// Dimension of the analysed matrix.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Replaces the default [`LuSettings`]; takes effect at the next [`SparseLu::factor`].
    pub fn with_settings(mut self, settings: LuSettings) -> Result<Self, LuError> {
        settings
            .validate()
            .map_err(|reason| LuError::InvalidSettings { reason })?;
        self.settings = settings;
        Ok(self)
    }

    /// The settings in force.
    pub fn settings(&self) -> LuSettings {
        self.settings
    }

    /// Sizes and counters of the current factorisation.
    pub fn stats(&self) -> LuStats {
        self.stats
    }

    /// The fill-reducing column order chosen by the analysis: step `k` eliminates column
    /// `column_order()[k]` of `A`.
    pub fn column_order(&self) -> Vec<usize> {
        self.pcol.iter().map(|&c| c as usize).collect()
    }

    /// Numeric factorisation of `a`, which must have the analysed pattern (same `col_ptr`
    /// and `row_idx`).
    ///
    /// The first call factorises with threshold partial pivoting and records pivot order and
    /// patterns; later calls refactorise with them, and redo a pivoting factorisation by
    /// themselves when a pivot degenerates (see the module documentation).
    ///
    /// A refactorisation costs no allocation; checking the pattern reads `col_ptr` and
    /// `row_idx` once (about 2 % of a refactorisation of a power-flow Jacobian).
    /// [`LuError::PatternMismatch`] leaves the previous factors usable; after
    /// [`LuError::Singular`] or [`LuError::NonFinite`] they are not (the solves return
    /// [`LuError::NotFactored`]) and the next call pivots afresh.
    pub fn factor(&mut self, a: &CscMatrix) -> Result<(), LuError> {
        if a.nrows != self.n
            || a.ncols != self.n
            || a.values.len() != self.a_row_idx.len()
            || a.col_ptr != self.a_col_ptr
            || a.row_idx != self.a_row_idx
        {
            return Err(LuError::PatternMismatch);
        }
        self.factored = false;
        if self.has_structure {
            if self.refactor(&a.values) {
                self.stats.refactorizations += 1;
                self.factored = true;
                return Ok(());
            }
            self.stats.fallbacks += 1;
        }
        self.has_structure = false;
        self.stats.pivoting_factorizations += 1;
        let result = self.factor_pivoting(&a.values);
        if result.is_err() {
            self.work.iter_mut().for_each(|x| *x = 0.0);
            return result;
        }
        self.finish_structure();
        self.has_structure = true;
        self.factored = true;
        Ok(())
    }

    /// Left-looking Gilbert–Peierls factorisation with threshold partial pivoting. Leaves `L`
    /// with row indices of `A` (converted by [`Self::finish_structure`]).
    fn factor_pivoting(&mut self, values: &[f64]) -> Result<(), LuError> {
        let n = self.n;
        self.prow.iter_mut().for_each(|p| *p = NONE);
        self.prow_inv.iter_mut().for_each(|p| *p = NONE);
        self.mark.iter_mut().for_each(|m| *m = 0);
        self.l_ptr.clear();
        self.l_ptr.push(0);
        self.l_idx.clear();
        self.l_val.clear();
        self.u_ptr.clear();
        self.u_ptr.push(0);
        self.u_idx.clear();
        self.u_val.clear();
        // First-time guess: nnz(L) ≈ nnz(U) ≈ nnz(A) for AMD-ordered power-flow matrices.
        let guess = values.len();
        self.l_idx.reserve(guess);
        self.l_val.reserve(guess);
        self.u_idx.reserve(guess);
        self.u_val.reserve(guess);
        self.stats.off_diagonal_pivots = 0;

        let tol = self.settings.pivot_tolerance;
        let x = &mut self.work[..];
        let mark = &mut self.mark[..];
        let prow_inv = &mut self.prow_inv[..];
        let prow = &mut self.prow[..];
        let stack = &mut self.stack;
        let u_pat = &mut self.u_pattern;
        let l_pat = &mut self.l_pattern;

        for k in 0..n {
            let c = self.pcol[k] as usize;
            let stamp = k as u32 + 1;
            u_pat.clear();
            l_pat.clear();
            stack.clear();

            // Scatter A[:, c] and find the pattern of the solution of L x = A[:, c].
            let (start, end) = (self.a_col_ptr[c], self.a_col_ptr[c + 1]);
            for (&r, &v) in self.a_row_idx[start..end].iter().zip(&values[start..end]) {
                if !v.is_finite() {
                    return Err(LuError::NonFinite { column: c });
                }
                x[r] = v;
                visit(r as u32, stamp, mark, prow_inv, u_pat, l_pat, stack);
            }
            while let Some(j) = stack.pop() {
                let j = j as usize;
                let (ls, le) = (self.l_ptr[j], self.l_ptr[j + 1]);
                for &i in &self.l_idx[ls..le] {
                    visit(i, stamp, mark, prow_inv, u_pat, l_pat, stack);
                }
            }

            // Numeric: x ← x − L[:, j] x_j for the pivotal j, in increasing pivot order.
            u_pat.sort_unstable();
            for &j in u_pat.iter() {
                let j = j as usize;
                let xj = x[prow[j] as usize];
                if xj != 0.0 {
                    let (ls, le) = (self.l_ptr[j], self.l_ptr[j + 1]);
                    for (&i, &l) in self.l_idx[ls..le].iter().zip(&self.l_val[ls..le]) {
                        x[i as usize] -= l * xj;
                    }
                }
            }

            // Threshold partial pivoting, preferring the diagonal row c.
            let mut max_abs = 0.0f64;
            let mut arg_max = NONE;
            for &i in l_pat.iter() {
                let v = x[i as usize];
                if !v.is_finite() {
                    return Err(LuError::NonFinite { column: c });
                }
                if v.abs() > max_abs {
                    max_abs = v.abs();
                    arg_max = i;
                }
            }
            if arg_max == NONE {
                return Err(LuError::Singular { column: c });
            }
            let diag_ok = prow_inv[c] == NONE && mark[c] == stamp && x[c].abs() >= tol * max_abs;
            let piv_row = if diag_ok { c as u32 } else { arg_max };
            if piv_row as usize != c {
                self.stats.off_diagonal_pivots += 1;
            }
            let pivot = x[piv_row as usize];
            x[piv_row as usize] = 0.0;

            // Gather U[:, k] (pivot numbering) and L[:, k] (row numbering of A for now).
            for &j in u_pat.iter() {
                let r = prow[j as usize] as usize;
                let v = x[r];
                x[r] = 0.0;
                if !v.is_finite() {
                    return Err(LuError::NonFinite { column: c });
                }
                self.u_idx.push(j);
                self.u_val.push(v);
            }
            self.u_ptr.push(self.u_idx.len());
            self.u_diag[k] = pivot;
            for &i in l_pat.iter() {
                if i != piv_row {
                    let v = x[i as usize];
                    x[i as usize] = 0.0;
                    self.l_idx.push(i);
                    self.l_val.push(v / pivot);
                }
            }
            self.l_ptr.push(self.l_idx.len());
            prow[k] = piv_row;
            prow_inv[piv_row as usize] = k as u32;
        }
        Ok(())
    }

    /// After a pivoting factorisation: renumber `L` by pivot position, sort its columns,
    /// and precompute the refactorisation scatter map and the solve permutations.
    fn finish_structure(&mut self) {
        let n = self.n;
        let prow_inv = &self.prow_inv;
        for i in self.l_idx.iter_mut() {
            *i = prow_inv[*i as usize];
        }
        let mut pairs: Vec<(u32, f64)> = Vec::new();
        for j in 0..n {
            let (s, e) = (self.l_ptr[j], self.l_ptr[j + 1]);
            let idx = &mut self.l_idx[s..e];
            if idx.windows(2).all(|w| w[0] < w[1]) {
                continue;
            }
            let val = &mut self.l_val[s..e];
            pairs.clear();
            pairs.extend(idx.iter().copied().zip(val.iter().copied()));
            pairs.sort_unstable_by_key(|&(i, _)| i);
            for ((i, v), (ni, nv)) in idx.iter_mut().zip(val.iter_mut()).zip(&pairs) {
                *i = *ni;
                *v = *nv;
            }
        }
        // Supernodes: L[:, j] = {j + 1} ∪ L[:, j + 1] (rows sorted, so compare slices);
        // `sn_end[j]` is the last column of the chain through j.
        let l_ptr = &self.l_ptr;
        let l_idx = &self.l_idx;
        let nested = |j: usize| {
            j + 1 < n && {
                let a = &l_idx[l_ptr[j]..l_ptr[j + 1]];
                let b = &l_idx[l_ptr[j + 1]..l_ptr[j + 2]];
                a.first() == Some(&(j as u32 + 1)) && a.get(1..) == Some(b)
            }
        };
        let mut sn_end: Vec<usize> = (0..n).collect();
        for j in (0..n.saturating_sub(1)).rev() {
            if nested(j) {
                sn_end[j] = sn_end[j + 1];
            }
        }
        self.l_super.clear();
        let mut j = 0;
        while j < n {
            self.l_super.push(j as u32);
            j = sn_end[j] + 1;
        }
        self.l_super.push(n as u32);
        // In column k, a row j of U brings j + 1 .. min(sn_end[j], k - 1) along (fill), so
        // each supernode meets U[:, k] in one run of consecutive rows.
        self.u_run.clear();
        self.u_run.resize(self.u_idx.len(), 0);
        for k in 0..n {
            let (s, e) = (self.u_ptr[k], self.u_ptr[k + 1]);
            let mut p = s;
            while p < e {
                let j = self.u_idx[p] as usize;
                let mut t = 1;
                while p + t < e && j + t <= sn_end[j] && self.u_idx[p + t] as usize == j + t {
                    t += 1;
                }
                self.u_run[p] = t as u32;
                p += t;
            }
        }
        for (p, &r) in self.a_piv_row.iter_mut().zip(&self.a_row_idx) {
            *p = prow_inv[r];
        }
        let mut pcol_inv = vec![0u32; n];
        for (k, &c) in self.pcol.iter().enumerate() {
            pcol_inv[c as usize] = k as u32;
        }
        self.gather_prow = CyclePerm::new(self.prow.clone());
        self.gather_pcol_inv = CyclePerm::new(pcol_inv);
        self.gather_pcol = CyclePerm::new(self.pcol.clone());
        self.gather_prow_inv = CyclePerm::new(self.prow_inv.clone());
        self.stats.nnz_l = self.l_idx.len();
        self.stats.nnz_u = self.u_idx.len() + n;
        let l_ptr = &self.l_ptr;
        self.stats.refactor_flops = self
            .u_idx
            .iter()
            .map(|&j| l_ptr[j as usize + 1] - l_ptr[j as usize])
            .sum();
        // Only this function writes the index arrays: check them once, here.
        debug_assert!(self.structure_is_valid());
    }

    /// Numeric refactorisation with the recorded pivot order and patterns. Returns `false`
    /// (with the work vector cleared) at the first degenerate pivot.
    fn refactor(&mut self, values: &[f64]) -> bool {
        let n = self.n;
        let tol_r = self.settings.refactor_pivot_tolerance;
        let x = &mut self.work[..];
        let a_ptr = &self.a_col_ptr[..];
        let a_piv = &self.a_piv_row[..];
        let (l_ptr, l_idx, l_val) = (&self.l_ptr[..], &self.l_idx[..], &mut self.l_val[..]);
        let (u_ptr, u_idx, u_val) = (&self.u_ptr[..], &self.u_idx[..], &mut self.u_val[..]);
        let (pcol, u_diag, u_run) = (&self.pcol[..], &mut self.u_diag[..], &self.u_run[..]);
        // The bounds checks of this loop nest are the hot spot of the power flows; the indices
        // are checked once instead (`finish_structure` built them, `factor` checked the pattern).
        assert!(
            x.len() == n
                && pcol.len() == n
                && u_diag.len() == n
                && l_ptr.len() == n + 1
                && u_ptr.len() == n + 1
                && a_ptr.len() == n + 1
                && a_piv.len() == values.len()
                && a_ptr[n] == values.len()
                && l_ptr[n] == l_idx.len()
                && l_idx.len() == l_val.len()
                && u_ptr[n] == u_idx.len()
                && u_idx.len() == u_val.len()
                && u_run.len() == u_idx.len()
        );
        for k in 0..n {
            // SAFETY (all `get_unchecked` below): `structure_is_valid` holds after every
            // pivoting factorisation (`finish_structure` asserts it in debug builds and the
            // tests) and nothing else writes these arrays: every pointer array
            // is non-decreasing and ends at its index array's length (checked above), every
            // row index of `L`, `U` and `a_piv` is `< n`, every `pcol` entry is `< n`, and every
            // `U` row index `j` indexes `l_ptr[j + 1]` with `j < k < n`.
            unsafe {
                let c = *pcol.get_unchecked(k) as usize;
                let (s, e) = (*a_ptr.get_unchecked(c), *a_ptr.get_unchecked(c + 1));
                for p in s..e {
                    *x.get_unchecked_mut(*a_piv.get_unchecked(p) as usize) =
                        *values.get_unchecked(p);
                }
                let mut finite = true;
                let (us, ue) = (*u_ptr.get_unchecked(k), *u_ptr.get_unchecked(k + 1));
                let mut p = us;
                while p < ue {
                    let t = *u_run.get_unchecked(p) as usize;
                    let j = *u_idx.get_unchecked(p) as usize;
                    if t == 1 {
                        let xj = *x.get_unchecked(j);
                        *x.get_unchecked_mut(j) = 0.0;
                        *u_val.get_unchecked_mut(p) = xj;
                        finite &= xj.is_finite();
                        let (ls, le) = (*l_ptr.get_unchecked(j), *l_ptr.get_unchecked(j + 1));
                        for q in ls..le {
                            let i = *l_idx.get_unchecked(q) as usize;
                            *x.get_unchecked_mut(i) -= *l_val.get_unchecked(q) * xj;
                        }
                    } else if t == 2 {
                        // L[:, j] = {j + 1} ∪ L[:, j + 1]: finish x_{j+1}, then update the
                        // shared rows with both columns in one pass (same operation order).
                        let xj = *x.get_unchecked(j);
                        *x.get_unchecked_mut(j) = 0.0;
                        let (ls, le) = (*l_ptr.get_unchecked(j), *l_ptr.get_unchecked(j + 1));
                        let xj1 = *x.get_unchecked(j + 1) - *l_val.get_unchecked(ls) * xj;
                        *x.get_unchecked_mut(j + 1) = 0.0;
                        *u_val.get_unchecked_mut(p) = xj;
                        *u_val.get_unchecked_mut(p + 1) = xj1;
                        finite &= xj.is_finite() & xj1.is_finite();
                        for q in 1..le - ls {
                            let i = *l_idx.get_unchecked(ls + q) as usize;
                            let xi = x.get_unchecked_mut(i);
                            *xi = (*xi - *l_val.get_unchecked(ls + q) * xj)
                                - *l_val.get_unchecked(le + q - 1) * xj1;
                        }
                    } else {
                        finite &= supernode_run(x, &mut u_val[p..p + t], j, l_ptr, l_idx, l_val);
                    }
                    p += t;
                }
                let pivot = *x.get_unchecked(k);
                *x.get_unchecked_mut(k) = 0.0;
                *u_diag.get_unchecked_mut(k) = pivot;
                let mut max_abs = 0.0f64;
                let (ls, le) = (*l_ptr.get_unchecked(k), *l_ptr.get_unchecked(k + 1));
                for q in ls..le {
                    let i = *l_idx.get_unchecked(q) as usize;
                    let v = *x.get_unchecked(i);
                    *x.get_unchecked_mut(i) = 0.0;
                    *l_val.get_unchecked_mut(q) = v / pivot;
                    let av = v.abs();
                    if av > max_abs || av.is_nan() {
                        max_abs = av;
                    }
                }
                let ok = finite
                    && pivot != 0.0
                    && pivot.is_finite()
                    && max_abs.is_finite()
                    && pivot.abs() >= tol_r * max_abs;
                if !ok {
                    return false;
                }
            }
        }
        true
    }

    /// The invariants the unchecked loops rely on (checked in debug builds and tests).
    fn structure_is_valid(&self) -> bool {
        let n = self.n;
        let monotone = |p: &[usize], len: usize| {
            p.len() == n + 1
                && p.first() == Some(&0)
                && p.windows(2).all(|w| w[0] <= w[1])
                && p[n] == len
        };
        monotone(&self.l_ptr, self.l_idx.len())
            && monotone(&self.u_ptr, self.u_idx.len())
            && self.l_val.len() == self.l_idx.len()
            && self.u_val.len() == self.u_idx.len()
            && (0..n).all(|k| {
                self.l_idx[self.l_ptr[k]..self.l_ptr[k + 1]]
                    .iter()
                    .all(|&i| (i as usize) > k && (i as usize) < n)
                    && self.u_idx[self.u_ptr[k]..self.u_ptr[k + 1]]
                        .iter()
                        .all(|&j| (j as usize) < k)
            })
            && self.a_piv_row.iter().all(|&i| (i as usize) < n)
            && self.pcol.iter().all(|&c| (c as usize) < n)
            && self.a_col_ptr.len() == n + 1
            && self.l_super.first() == Some(&0)
            && self.l_super.last() == Some(&(n as u32))
            && self.l_super.windows(2).all(|w| {
                w[0] < w[1]
                    && (w[0] as usize..w[1] as usize - 1).all(|c| {
                        self.l_ptr[c + 1] - self.l_ptr[c]
                            == self.l_ptr[c + 2] - self.l_ptr[c + 1] + 1
                    })
            })
            && self.u_run.len() == self.u_idx.len()
            && (0..n).all(|k| {
                let (s, e) = (self.u_ptr[k], self.u_ptr[k + 1]);
                let mut p = s;
                while p < e {
                    let t = self.u_run[p] as usize;
                    let j = self.u_idx[p] as usize;
                    let ok = t >= 1
                        && p + t <= e
                        && (1..t)
                            .all(|a| self.u_idx[p + a] as usize == j + a && self.u_run[p + a] == 0)
                        && (0..t.saturating_sub(1)).all(|a| {
                            let c = j + a;
                            self.l_ptr[c + 1] - self.l_ptr[c]
                                == self.l_ptr[c + 2] - self.l_ptr[c + 1] + 1
                        });
                    if !ok {
                        return false;
                    }
                    p += t;
                }
                true
            })
    }

    /// Checks that the factors exist and that `len` is a multiple `n · nrhs` of `n`.
    fn check_solve(&self, len: usize, nrhs: usize) -> Result<(), LuError> {
        if !self.factored {
            return Err(LuError::NotFactored);
        }
        let expected = self.n.saturating_mul(nrhs);
        if len != expected {
            return Err(LuError::DimensionMismatch { expected, got: len });
        }
        Ok(())
    }

    /// Solves `A x = b`, overwriting `b` with `x`. Allocates nothing.
    pub fn solve_in_place(&self, b: &mut [f64]) -> Result<(), LuError> {
        self.check_solve(b.len(), 1)?;
        self.solve_one(b);
        Ok(())
    }

    /// Solves `A X = B` for `nrhs` right-hand sides stored one after another (column-major
    /// `n × nrhs`) in `b`, overwriting `b` with `X`.
    pub fn solve_many_in_place(&self, b: &mut [f64], nrhs: usize) -> Result<(), LuError> {
        self.check_solve(b.len(), nrhs)?;
        if self.n > 0 {
            for col in b.chunks_exact_mut(self.n) {
                self.solve_one(col);
            }
        }
        Ok(())
    }

    /// Solves `Aᵀ x = b`, overwriting `b` with `x`. Allocates nothing.
    pub fn solve_transpose_in_place(&self, b: &mut [f64]) -> Result<(), LuError> {
        self.check_solve(b.len(), 1)?;
        self.solve_transpose_one(b);
        Ok(())
    }

    /// Solves `Aᵀ X = B` for `nrhs` right-hand sides stored one after another in `b`.
    pub fn solve_transpose_many_in_place(&self, b: &mut [f64], nrhs: usize) -> Result<(), LuError> {
        self.check_solve(b.len(), nrhs)?;
        if self.n > 0 {
            for col in b.chunks_exact_mut(self.n) {
                self.solve_transpose_one(col);
            }
        }
        Ok(())
    }

    /// `x ← A⁻¹ x`; `x.len() == n` checked by the caller.
    fn solve_one(&self, x: &mut [f64]) {
        let n = self.n;
        self.gather_prow.gather_in_place(x);
        // L y = b̂ (unit diagonal), column oriented, a supernode at a time.
        for w in self.l_super.windows(2) {
            let (j, e) = (w[0] as usize, w[1] as usize);
            if e == j + 1 {
                let xj = x[j];
                if xj != 0.0 {
                    let (s, e) = (self.l_ptr[j], self.l_ptr[j + 1]);
                    for (&i, &l) in self.l_idx[s..e].iter().zip(&self.l_val[s..e]) {
                        x[i as usize] -= l * xj;
                    }
                }
            } else if e == j + 2 {
                // A pair: L[:, j] = {j + 1} ∪ L[:, j + 1].
                let (ls, le) = (self.l_ptr[j], self.l_ptr[j + 1]);
                let xj = x[j];
                let xj1 = x[j + 1] - self.l_val[ls] * xj;
                x[j + 1] = xj1;
                if xj != 0.0 || xj1 != 0.0 {
                    let rows = &self.l_idx[ls + 1..le];
                    let v0 = &self.l_val[ls + 1..le];
                    let v1 = &self.l_val[le..le + rows.len()];
                    for ((&i, &l0), &l1) in rows.iter().zip(v0).zip(v1) {
                        let xi = &mut x[i as usize];
                        *xi = (*xi - l0 * xj) - l1 * xj1;
                    }
                }
            } else {
                let (head, tail) = x.split_at_mut(e);
                let block = &mut head[j..];
                block_lower_solve(block, j, &self.l_ptr, &self.l_val);
                if block.iter().any(|&v| v != 0.0) {
                    shared_rows_update(tail, e, block, j, &self.l_ptr, &self.l_idx, &self.l_val);
                }
            }
        }
        // U x̂ = y, column oriented.
        for k in (0..n).rev() {
            let xk = x[k] / self.u_diag[k];
            x[k] = xk;
            if xk != 0.0 {
                let (s, e) = (self.u_ptr[k], self.u_ptr[k + 1]);
                for (&j, &u) in self.u_idx[s..e].iter().zip(&self.u_val[s..e]) {
                    x[j as usize] -= u * xk;
                }
            }
        }
        self.gather_pcol_inv.gather_in_place(x);
    }

    /// `x ← A⁻ᵀ x`; `x.len() == n` checked by the caller.
    fn solve_transpose_one(&self, x: &mut [f64]) {
        let n = self.n;
        self.gather_pcol.gather_in_place(x);
        // Uᵀ y = b̃: row k of Uᵀ is column k of U (dot products).
        for k in 0..n {
            let (s, e) = (self.u_ptr[k], self.u_ptr[k + 1]);
            let mut acc = x[k];
            for (&j, &u) in self.u_idx[s..e].iter().zip(&self.u_val[s..e]) {
                acc -= u * x[j as usize];
            }
            x[k] = acc / self.u_diag[k];
        }
        // Lᵀ x̃ = y (unit diagonal).
        for j in (0..n).rev() {
            let (s, e) = (self.l_ptr[j], self.l_ptr[j + 1]);
            let mut acc = x[j];
            for (&i, &l) in self.l_idx[s..e].iter().zip(&self.l_val[s..e]) {
                acc -= l * x[i as usize];
            }
            x[j] = acc;
        }
        self.gather_prow_inv.gather_in_place(x);
    }
}

/// Applies the run of `U[:, k]` rows `j .. j + t` (`t = u.len() ≥ 2`) of one supernode:
/// `x_{j+a}` is final once the rows before it in the run are applied (a dense unit lower
/// triangular solve with the supernode's diagonal block), and all the columns share the rows
/// of `L[:, j + t - 1]` below the run. The values go to `u` and their places in `x` are
/// cleared. Returns whether every `x_{j+a}` is finite.
#[inline]
fn supernode_run(
    x: &mut [f64],
    u: &mut [f64],
    j: usize,
    l_ptr: &[usize],
    l_idx: &[u32],
    l_val: &[f64],
) -> bool {
    let t = u.len();
    let (head, tail) = x.split_at_mut(j + t);
    let block = &mut head[j..];
    block_lower_solve(block, j, l_ptr, l_val);
    u.copy_from_slice(block);
    block.iter_mut().for_each(|v| *v = 0.0);
    shared_rows_update(tail, j + t, u, j, l_ptr, l_idx, l_val);
    u.iter().all(|v| v.is_finite())
}

/// `block ← L_bb⁻¹ block` for the unit lower triangular diagonal block `L_bb` of the supernode
/// columns `j .. j + block.len()`: column `j + a` of `L` starts with the rows
/// `j + a + 1 .. j + t` of the block.
#[inline]
fn block_lower_solve(block: &mut [f64], j: usize, l_ptr: &[usize], l_val: &[f64]) {
    let t = block.len();
    for a in 0..t {
        let xa = block[a];
        let s = l_ptr[j + a];
        for (xb, &l) in block[a + 1..].iter_mut().zip(&l_val[s..s + (t - 1 - a)]) {
            *xb -= l * xa;
        }
    }
}

/// `x_i ← x_i − Σₐ L[i, j+a] xs[a]` over the rows `i` of `L[:, j + t − 1]`
/// (`t = xs.len()`), which every column `j + a` of the supernode run shares after its
/// `t − 1 − a` block rows. `tail` is `x[offset..]` with `offset = j + t` ≤ every such row.
/// Four columns per pass over the rows, subtracting in column order (the same rounding as
/// one column at a time).
#[inline]
fn shared_rows_update(
    tail: &mut [f64],
    offset: usize,
    xs: &[f64],
    j: usize,
    l_ptr: &[usize],
    l_idx: &[u32],
    l_val: &[f64],
) {
    let t = xs.len();
    let last = j + t - 1;
    let rows = &l_idx[l_ptr[last]..l_ptr[last + 1]];
    let m = rows.len();
    let shared = |a: usize| {
        let s = l_ptr[j + a] + (t - 1 - a);
        &l_val[s..s + m]
    };
    debug_assert!(rows
        .iter()
        .all(|&i| (i as usize) >= offset && (i as usize) - offset < tail.len()));
    // SAFETY (each `get_unchecked_mut` below): rows of `L[:, last]` are in `last + 1 .. n`
    // (`structure_is_valid`), so `i - offset` is in `0 .. n - offset = tail.len()`.
    let mut a = 0;
    while a < t {
        match t - a {
            1 => {
                let (v0, x0) = (shared(a), xs[a]);
                for (&i, &l0) in rows.iter().zip(v0) {
                    let xi = unsafe { tail.get_unchecked_mut(i as usize - offset) };
                    *xi -= l0 * x0;
                }
                a += 1;
            }
            2 => {
                let (v0, v1) = (shared(a), shared(a + 1));
                let (x0, x1) = (xs[a], xs[a + 1]);
                for ((&i, &l0), &l1) in rows.iter().zip(v0).zip(v1) {
                    let xi = unsafe { tail.get_unchecked_mut(i as usize - offset) };
                    *xi = (*xi - l0 * x0) - l1 * x1;
                }
                a += 2;
            }
            3 => {
                let (v0, v1, v2) = (shared(a), shared(a + 1), shared(a + 2));
                let (x0, x1, x2) = (xs[a], xs[a + 1], xs[a + 2]);
                for (((&i, &l0), &l1), &l2) in rows.iter().zip(v0).zip(v1).zip(v2) {
                    let xi = unsafe { tail.get_unchecked_mut(i as usize - offset) };
                    *xi = ((*xi - l0 * x0) - l1 * x1) - l2 * x2;
                }
                a += 3;
            }
            _ => {
                let (v0, v1, v2, v3) = (shared(a), shared(a + 1), shared(a + 2), shared(a + 3));
                let (x0, x1, x2, x3) = (xs[a], xs[a + 1], xs[a + 2], xs[a + 3]);
                for ((((&i, &l0), &l1), &l2), &l3) in rows.iter().zip(v0).zip(v1).zip(v2).zip(v3) {
                    let xi = unsafe { tail.get_unchecked_mut(i as usize - offset) };
                    *xi = (((*xi - l0 * x0) - l1 * x1) - l2 * x2) - l3 * x3;
                }
                a += 4;
            }
        }
    }
}

/// Marks row `r` as reached in the current step; a pivotal row goes to the U pattern and the
/// search stack, any other to the L candidates.
#[inline]
fn visit(
    r: u32,
    stamp: u32,
    mark: &mut [u32],
    prow_inv: &[u32],
    u_pat: &mut Vec<u32>,
    l_pat: &mut Vec<u32>,
    stack: &mut Vec<u32>,
) {
    let ru = r as usize;
    if mark[ru] == stamp {
        return;
    }
    mark[ru] = stamp;
    match prow_inv[ru] {
        NONE => l_pat.push(r),
        j => {
            u_pat.push(j);
            stack.push(j);
        }
    }
}

/// AMD order of the pattern of `A + Aᵀ` (`a` square and valid). Falls back to the natural
/// order if the AMD port rejects the input, which a valid matrix never causes.
fn amd_order(a: &CscMatrix) -> Vec<u32> {
    let n = a.nrows;
    let natural = || (0..n as u32).collect::<Vec<u32>>();
    if n == 0 {
        return Vec::new();
    }
    match amd::order::<usize>(n, &a.col_ptr, &a.row_idx, &amd::Control::default()) {
        Ok((p, _, _)) if is_permutation(&p, n) => p.into_iter().map(|i| i as u32).collect(),
        _ => natural(),
    }
}

fn is_permutation(p: &[usize], n: usize) -> bool {
    if p.len() != n {
        return false;
    }
    let mut seen = vec![false; n];
    for &i in p {
        match seen.get_mut(i) {
            Some(s) if !*s => *s = true,
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csc(n: usize, t: &[(usize, usize, f64)]) -> CscMatrix {
        CscMatrix::from_triplets(n, n, t)
    }

    fn residual(a: &CscMatrix, x: &[f64], b: &[f64]) -> f64 {
        a.mul_vec(x)
            .iter()
            .zip(b)
            .map(|(y, b)| (y - b).abs())
            .fold(0.0, f64::max)
    }

    /// Tridiagonal, diagonally dominant: only diagonal pivots.
    fn tridiag(n: usize, d: f64) -> CscMatrix {
        let mut t = Vec::new();
        for i in 0..n {
            t.push((i, i, d + i as f64 * 0.1));
            if i + 1 < n {
                t.push((i + 1, i, -1.0));
                t.push((i, i + 1, -1.5));
            }
        }
        csc(n, &t)
    }

    #[test]
    fn solves_tridiagonal_and_refactors() {
        let a = tridiag(50, 4.0);
        let mut lu = SparseLu::analyze(&a).unwrap();
        assert_eq!(lu.n(), 50);
        lu.factor(&a).unwrap();
        let b: Vec<f64> = (0..50).map(|i| (i as f64).sin()).collect();
        let mut x = b.clone();
        lu.solve_in_place(&mut x).unwrap();
        assert!(residual(&a, &x, &b) < 1e-12);
        assert_eq!(lu.stats().off_diagonal_pivots, 0);
        let a2 = tridiag(50, 5.0);
        lu.factor(&a2).unwrap();
        let s = lu.stats();
        assert_eq!(
            (s.pivoting_factorizations, s.refactorizations, s.fallbacks),
            (1, 1, 0)
        );
        let mut x = b.clone();
        lu.solve_in_place(&mut x).unwrap();
        assert!(residual(&a2, &x, &b) < 1e-12);
    }

    #[test]
    fn zero_diagonal_needs_off_diagonal_pivots() {
        // A permutation-like matrix with a zero diagonal.
        let a = csc(3, &[(1, 0, 2.0), (2, 1, 3.0), (0, 2, 4.0), (0, 0, 0.0)]);
        let mut lu = SparseLu::analyze(&a).unwrap();
        lu.factor(&a).unwrap();
        assert!(lu.stats().off_diagonal_pivots > 0);
        let b = vec![4.0, 2.0, 3.0];
        let mut x = b.clone();
        lu.solve_in_place(&mut x).unwrap();
        assert!(residual(&a, &x, &b) < 1e-14);
        let mut y = b.clone();
        lu.solve_transpose_in_place(&mut y).unwrap();
        assert!(residual(&a.transpose(), &y, &b) < 1e-14);
    }

    #[test]
    fn degenerate_pivot_falls_back_to_pivoting() {
        let a1 = csc(2, &[(0, 0, 4.0), (1, 0, 1.0), (0, 1, 1.0), (1, 1, 4.0)]);
        let mut lu = SparseLu::analyze(&a1).unwrap();
        lu.factor(&a1).unwrap();
        assert_eq!(lu.stats().off_diagonal_pivots, 0);
        // Tiny diagonal: passes no threshold test.
        let a2 = csc(2, &[(0, 0, 1e-9), (1, 0, 1.0), (0, 1, 1.0), (1, 1, 1e-9)]);
        lu.factor(&a2).unwrap();
        let s = lu.stats();
        assert_eq!(
            (s.pivoting_factorizations, s.refactorizations, s.fallbacks),
            (2, 0, 1)
        );
        assert!(s.off_diagonal_pivots > 0);
        let b = vec![1.0, 2.0];
        let mut x = b.clone();
        lu.solve_in_place(&mut x).unwrap();
        assert!(residual(&a2, &x, &b) < 1e-14);
        // Exactly zero diagonal: the refactor with the new (off-diagonal) pivots works.
        let a3 = csc(2, &[(0, 0, 0.0), (1, 0, 3.0), (0, 1, 2.0), (1, 1, 0.0)]);
        lu.factor(&a3).unwrap();
        assert_eq!(lu.stats().refactorizations, 1);
        let mut x = b.clone();
        lu.solve_in_place(&mut x).unwrap();
        assert!(residual(&a3, &x, &b) < 1e-14);
    }

    #[test]
    fn refactor_hysteresis_keeps_a_weak_but_acceptable_pivot() {
        let a1 = csc(2, &[(0, 0, 4.0), (1, 0, 1.0), (0, 1, 1.0), (1, 1, 4.0)]);
        // |diag| / max = 1e-4: below τ = 1e-3 (a fresh factorisation pivots off the
        // diagonal), above τ_r = 1e-5 (a refactorisation keeps the diagonal).
        let a2 = csc(2, &[(0, 0, 1e-4), (1, 0, 1.0), (0, 1, 1.0), (1, 1, 1e-4)]);
        let mut lu = SparseLu::analyze(&a1).unwrap();
        lu.factor(&a1).unwrap();
        lu.factor(&a2).unwrap();
        let s = lu.stats();
        assert_eq!(
            (s.refactorizations, s.fallbacks, s.off_diagonal_pivots),
            (1, 0, 0)
        );
        let mut x = vec![1.0, 2.0];
        lu.solve_in_place(&mut x).unwrap();
        assert!(residual(&a2, &x, &[1.0, 2.0]) < 1e-12);
        // The same refactorisation with τ_r = τ pivots afresh.
        let strict = LuSettings {
            refactor_pivot_tolerance: PIVOT_TOLERANCE,
            ..LuSettings::default()
        };
        let mut lu = SparseLu::analyze(&a1)
            .unwrap()
            .with_settings(strict)
            .unwrap();
        lu.factor(&a1).unwrap();
        lu.factor(&a2).unwrap();
        let s = lu.stats();
        assert_eq!(
            (s.refactorizations, s.fallbacks, s.off_diagonal_pivots),
            (0, 1, 2)
        );
    }

    #[test]
    fn invalid_settings() {
        let a = tridiag(3, 4.0);
        for (t, r) in [
            (0.0, 0.0),
            (2.0, 1e-5),
            (1e-3, 1e-2),
            (f64::NAN, 1e-5),
            (1e-3, 0.0),
        ] {
            let s = LuSettings {
                pivot_tolerance: t,
                refactor_pivot_tolerance: r,
            };
            let got = SparseLu::analyze(&a).unwrap().with_settings(s);
            assert!(
                matches!(got, Err(LuError::InvalidSettings { .. })),
                "{t} {r}"
            );
        }
        assert!(SparseLu::analyze(&a)
            .unwrap()
            .with_settings(LuSettings::default())
            .is_ok());
    }

    #[test]
    fn custom_column_order() {
        let a = tridiag(5, 4.0);
        assert!(matches!(
            SparseLu::analyze_with_column_order(&a, &[0, 1, 2, 3, 3]),
            Err(LuError::InvalidMatrix { .. })
        ));
        let order = [4, 2, 0, 1, 3];
        let mut lu = SparseLu::analyze_with_column_order(&a, &order).unwrap();
        assert_eq!(lu.column_order(), order);
        lu.factor(&a).unwrap();
        let b = vec![1.0; 5];
        let mut x = b.clone();
        lu.solve_in_place(&mut x).unwrap();
        assert!(residual(&a, &x, &b) < 1e-12);
    }

    #[test]
    fn too_large() {
        // The dimension is checked before the (here absent) arrays.
        let n = 1usize << 33;
        let a = CscMatrix {
            nrows: n,
            ncols: n,
            col_ptr: vec![],
            row_idx: vec![],
            values: vec![],
        };
        assert_eq!(
            SparseLu::analyze(&a).unwrap_err(),
            LuError::TooLarge {
                n,
                max: (u32::MAX - 1) as usize
            }
        );
    }

    #[test]
    fn not_square() {
        let a = CscMatrix::from_triplets(2, 3, &[(0, 0, 1.0)]);
        assert_eq!(
            SparseLu::analyze(&a).unwrap_err(),
            LuError::NotSquare { nrows: 2, ncols: 3 }
        );
    }

    #[test]
    fn invalid_matrix() {
        let a = CscMatrix {
            nrows: 2,
            ncols: 2,
            col_ptr: vec![0, 2, 2],
            row_idx: vec![1, 0],
            values: vec![1.0, 2.0],
        };
        assert!(matches!(
            SparseLu::analyze(&a),
            Err(LuError::InvalidMatrix { .. })
        ));
    }

    #[test]
    fn pattern_mismatch() {
        let a = tridiag(4, 4.0);
        let mut lu = SparseLu::analyze(&a).unwrap();
        let b = csc(4, &[(0, 0, 1.0), (1, 1, 1.0), (2, 2, 1.0), (3, 3, 1.0)]);
        assert_eq!(lu.factor(&b), Err(LuError::PatternMismatch));
        let c = tridiag(5, 4.0);
        assert_eq!(lu.factor(&c), Err(LuError::PatternMismatch));
        let mut d = a.clone();
        d.values.pop();
        assert_eq!(lu.factor(&d), Err(LuError::PatternMismatch));
    }

    #[test]
    fn structurally_singular() {
        // Column 1 is empty.
        let a = csc(3, &[(0, 0, 1.0), (2, 2, 1.0), (1, 2, 1.0)]);
        let mut lu = SparseLu::analyze(&a).unwrap();
        assert_eq!(lu.factor(&a), Err(LuError::Singular { column: 1 }));
    }

    #[test]
    fn numerically_singular_then_recovers() {
        let good = csc(2, &[(0, 0, 2.0), (1, 0, 1.0), (0, 1, 1.0), (1, 1, 2.0)]);
        let bad = csc(2, &[(0, 0, 1.0), (1, 0, 1.0), (0, 1, 1.0), (1, 1, 1.0)]);
        let mut lu = SparseLu::analyze(&good).unwrap();
        lu.factor(&good).unwrap();
        assert!(matches!(lu.factor(&bad), Err(LuError::Singular { .. })));
        let mut b = vec![1.0, 1.0];
        assert_eq!(lu.solve_in_place(&mut b), Err(LuError::NotFactored));
        lu.factor(&good).unwrap();
        lu.solve_in_place(&mut b).unwrap();
        assert!(residual(&good, &b, &[1.0, 1.0]) < 1e-14);
    }

    #[test]
    fn non_finite_values() {
        let a = csc(2, &[(0, 0, 2.0), (1, 0, 1.0), (0, 1, 1.0), (1, 1, 2.0)]);
        let mut nan = a.clone();
        nan.values[2] = f64::NAN;
        let mut lu = SparseLu::analyze(&a).unwrap();
        assert_eq!(lu.factor(&nan), Err(LuError::NonFinite { column: 1 }));
        lu.factor(&a).unwrap();
        // In a refactorisation too: the fallback reports it.
        let mut inf = a.clone();
        inf.values[0] = f64::INFINITY;
        assert_eq!(lu.factor(&inf), Err(LuError::NonFinite { column: 0 }));
        assert_eq!(lu.stats().fallbacks, 1);
    }

    #[test]
    fn dimension_mismatch_and_not_factored() {
        let a = tridiag(3, 4.0);
        let mut lu = SparseLu::analyze(&a).unwrap();
        let mut b = vec![1.0; 3];
        assert_eq!(lu.solve_in_place(&mut b), Err(LuError::NotFactored));
        assert_eq!(
            lu.solve_transpose_in_place(&mut b),
            Err(LuError::NotFactored)
        );
        lu.factor(&a).unwrap();
        let mut short = vec![1.0; 2];
        assert_eq!(
            lu.solve_in_place(&mut short),
            Err(LuError::DimensionMismatch {
                expected: 3,
                got: 2
            })
        );
        assert_eq!(
            lu.solve_transpose_in_place(&mut short),
            Err(LuError::DimensionMismatch {
                expected: 3,
                got: 2
            })
        );
        let mut many = vec![1.0; 7];
        assert_eq!(
            lu.solve_many_in_place(&mut many, 2),
            Err(LuError::DimensionMismatch {
                expected: 6,
                got: 7
            })
        );
    }

    #[test]
    fn empty_matrix() {
        let a = CscMatrix::from_triplets(0, 0, &[]);
        let mut lu = SparseLu::analyze(&a).unwrap();
        lu.factor(&a).unwrap();
        let mut b: Vec<f64> = vec![];
        lu.solve_in_place(&mut b).unwrap();
        lu.solve_many_in_place(&mut b, 3).unwrap();
    }

    #[test]
    fn many_right_hand_sides() {
        let a = tridiag(10, 3.0);
        let mut lu = SparseLu::analyze(&a).unwrap();
        lu.factor(&a).unwrap();
        let mut b: Vec<f64> = (0..30).map(|i| i as f64).collect();
        let orig = b.clone();
        lu.solve_many_in_place(&mut b, 3).unwrap();
        for (x, rhs) in b.chunks(10).zip(orig.chunks(10)) {
            assert!(residual(&a, x, rhs) < 1e-12);
        }
        let mut bt = orig.clone();
        lu.solve_transpose_many_in_place(&mut bt, 3).unwrap();
        let at = a.transpose();
        for (x, rhs) in bt.chunks(10).zip(orig.chunks(10)) {
            assert!(residual(&at, x, rhs) < 1e-12);
        }
    }

    /// A ring of `nb` buses with two unknowns each and full 2×2 coupling blocks: the shape
    /// of a power-flow Jacobian, whose factors are made of supernode pairs.
    fn two_per_bus_ring(nb: usize, scale: f64) -> CscMatrix {
        let mut t = Vec::new();
        for b in 0..nb {
            for nbr in [b, (b + 1) % nb, (b + nb - 1) % nb] {
                for (r, c) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                    let v = if nbr == b {
                        if r == c {
                            10.0
                        } else {
                            1.0
                        }
                    } else {
                        -1.0 - 0.1 * r as f64
                    };
                    t.push((
                        2 * b + r,
                        2 * nbr + c,
                        v * scale * (1.0 + 0.01 * (b + c) as f64),
                    ));
                }
            }
        }
        csc(2 * nb, &t)
    }

    #[test]
    fn refactor_of_same_values_is_bit_identical() {
        let a = two_per_bus_ring(40, 1.0);
        let mut lu = SparseLu::analyze(&a).unwrap();
        lu.factor(&a).unwrap();
        assert!(
            lu.u_run.iter().any(|&t| t > 1),
            "the ring should produce supernode pairs"
        );
        let b: Vec<f64> = (0..80).map(|i| (i as f64 * 0.7).cos()).collect();
        let mut x1 = b.clone();
        lu.solve_in_place(&mut x1).unwrap();
        let (l1, u1, d1) = (lu.l_val.clone(), lu.u_val.clone(), lu.u_diag.clone());
        lu.factor(&a).unwrap();
        assert_eq!(lu.stats().refactorizations, 1);
        assert_eq!(
            (l1, u1, d1),
            (lu.l_val.clone(), lu.u_val.clone(), lu.u_diag.clone())
        );
        let mut x2 = b.clone();
        lu.solve_in_place(&mut x2).unwrap();
        assert_eq!(x1, x2);
        assert!(residual(&a, &x2, &b) < 1e-12);
        // New values on the same pattern.
        let a2 = two_per_bus_ring(40, 2.5);
        lu.factor(&a2).unwrap();
        let mut x3 = b.clone();
        lu.solve_in_place(&mut x3).unwrap();
        assert!(residual(&a2, &x3, &b) < 1e-12);
    }

    #[test]
    fn cycle_permutation_gathers_in_place() {
        let p = vec![2u32, 0, 1, 3, 5, 4];
        let perm = CyclePerm::new(p.clone());
        let mut x = vec![10.0, 11.0, 12.0, 13.0, 14.0, 15.0];
        let expect: Vec<f64> = p.iter().map(|&i| x[i as usize]).collect();
        perm.gather_in_place(&mut x);
        assert_eq!(x, expect);
    }
}
