//! A minimal safe owner of one HiGHS instance (C API through `highs-sys`): pass an LP, convex
//! QP or MIP, change bounds, run, read the primal and dual solution, the basis and the MIP bound.
//!
//! The safe `highs` crate has no way to change a solved model's bounds and re-run it, which is
//! what makes a time series cheap (HiGHS then hot-starts from its own basis), so the OPF talks
//! to the C API directly through this wrapper. Every `unsafe` block here passes pointers to
//! Rust slices whose lengths were checked against the model's dimensions first.

use std::ffi::{c_void, CString};
use std::ptr::NonNull;

use highs_sys as hs;
use hs::HighsInt;

/// A model in the form HiGHS takes it: column-wise constraint matrix, and optionally the lower
/// triangle of the objective Hessian (column-wise, objective `½ xᵀQx + cᵀx + offset`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelData {
    /// Objective coefficient of each column.
    pub col_cost: Vec<f64>,
    /// Column lower bounds (`-inf` allowed).
    pub col_lower: Vec<f64>,
    /// Column upper bounds (`inf` allowed).
    pub col_upper: Vec<f64>,
    /// Row lower bounds.
    pub row_lower: Vec<f64>,
    /// Row upper bounds.
    pub row_upper: Vec<f64>,
    /// Column starts, `num_col + 1` entries.
    pub a_start: Vec<usize>,
    /// Row index of each matrix entry.
    pub a_index: Vec<usize>,
    /// Value of each matrix entry.
    pub a_value: Vec<f64>,
    /// Hessian column starts (`num_col + 1` entries), empty for an LP.
    pub q_start: Vec<usize>,
    /// Row index of each Hessian entry.
    pub q_index: Vec<usize>,
    /// Value of each Hessian entry.
    pub q_value: Vec<f64>,
    /// Constant added to the objective.
    pub offset: f64,
}

impl ModelData {
    /// Number of columns (variables).
    pub fn num_col(&self) -> usize {
        self.col_cost.len()
    }
    /// Number of rows (constraints).
    pub fn num_row(&self) -> usize {
        self.row_lower.len()
    }
    /// The linear part of the objective at `x`: `cᵀx + offset` (the whole objective of an LP
    /// or MIP; a QP's `½ xᵀQx` is left out).
    pub fn linear_objective(&self, x: &[f64]) -> f64 {
        self.col_cost.iter().zip(x).map(|(c, v)| c * v).sum::<f64>() + self.offset
    }
    /// Row activities `A x`.
    pub fn row_activity(&self, x: &[f64]) -> Vec<f64> {
        let mut act = vec![0.0; self.num_row()];
        for (j, &xj) in x.iter().enumerate().take(self.num_col()) {
            for p in self.a_start[j]..self.a_start[j + 1] {
                act[self.a_index[p]] += self.a_value[p] * xj;
            }
        }
        act
    }
    /// Checks the dimensions agree, so that the FFI calls never read past a slice.
    fn check(&self) -> Result<(), String> {
        let (n, m) = (self.num_col(), self.num_row());
        let ok = self.col_lower.len() == n
            && self.col_upper.len() == n
            && self.row_upper.len() == m
            && self.a_start.len() == n + 1
            && self.a_index.len() == self.a_value.len()
            && self.a_start.last() == Some(&self.a_index.len())
            && self.a_index.iter().all(|&i| i < m)
            && (self.q_start.is_empty()
                || (self.q_start.len() == n + 1
                    && self.q_index.len() == self.q_value.len()
                    && self.q_start.last() == Some(&self.q_index.len())
                    && self.q_index.iter().all(|&i| i < n)));
        let fits =
            HighsInt::try_from(n.max(m).max(self.a_index.len()).max(self.q_index.len())).is_ok();
        if ok && fits {
            Ok(())
        } else {
            Err("internal error: inconsistent model dimensions".into())
        }
    }
}

/// Value of a HiGHS option.
#[derive(Debug, Clone, PartialEq)]
pub enum HighsOptionValue {
    /// A boolean option (e.g. `presolve` is a string; `output_flag` is a boolean).
    Bool(bool),
    /// An integer option (e.g. `qp_iteration_limit`).
    Int(i32),
    /// A real option (e.g. `primal_feasibility_tolerance`).
    Double(f64),
    /// A string option (e.g. `presolve` = `"off"`).
    Str(String),
}

/// The outcome of a run, as HiGHS reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    /// Solved to optimality (for a MIP: within the relative gap option).
    Optimal,
    /// Proven infeasible.
    Infeasible,
    /// Infeasible or unbounded, not told apart (presolve).
    UnboundedOrInfeasible,
    /// Proven unbounded.
    Unbounded,
    /// Stopped by `time_limit` (a MIP may hold an incumbent: see [`Highs::has_solution`]).
    TimeLimit,
    /// Stopped by an iteration limit.
    IterationLimit,
    /// Any other model status, with its HiGHS code.
    Other(HighsInt),
}

/// One HiGHS instance. Not shared between threads; it may be moved to another thread.
pub struct Highs {
    ptr: NonNull<c_void>,
    num_col: usize,
    num_row: usize,
}

// SAFETY: a HiGHS instance holds no thread-local state of its own; it is only ever used through
// `&mut self`, so moving it to another thread is sound.
unsafe impl Send for Highs {}

impl std::fmt::Debug for Highs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Highs")
            .field("num_col", &self.num_col)
            .field("num_row", &self.num_row)
            .finish()
    }
}

impl Drop for Highs {
    fn drop(&mut self) {
        // SAFETY: the pointer came from Highs_create and is destroyed once.
        unsafe { hs::Highs_destroy(self.ptr.as_ptr()) }
    }
}

fn to_hi(v: &[usize]) -> Vec<HighsInt> {
    // Dimensions were checked to fit a HighsInt in `ModelData::check`.
    v.iter().map(|&x| x as HighsInt).collect()
}

impl Highs {
    /// A new, silent instance.
    pub fn new() -> Result<Highs, String> {
        // SAFETY: plain constructor.
        let raw = unsafe { hs::Highs_create() };
        let ptr = NonNull::new(raw).ok_or_else(|| "HiGHS could not be created".to_string())?;
        let mut h = Highs {
            ptr,
            num_col: 0,
            num_row: 0,
        };
        h.set_option("output_flag", &HighsOptionValue::Bool(false))?;
        Ok(h)
    }

    fn raw(&mut self) -> *mut c_void {
        self.ptr.as_ptr()
    }

    fn raw_const(&self) -> *const c_void {
        self.ptr.as_ptr()
    }

    /// Sets one option; an unknown name or a value of the wrong type is an error.
    pub fn set_option(&mut self, name: &str, value: &HighsOptionValue) -> Result<(), String> {
        let cname =
            CString::new(name).map_err(|_| format!("option name {name:?} contains a NUL"))?;
        // SAFETY: valid instance and NUL-terminated strings.
        let status = unsafe {
            match value {
                HighsOptionValue::Bool(b) => {
                    hs::Highs_setBoolOptionValue(self.raw(), cname.as_ptr(), HighsInt::from(*b))
                }
                HighsOptionValue::Int(i) => {
                    hs::Highs_setIntOptionValue(self.raw(), cname.as_ptr(), *i as HighsInt)
                }
                HighsOptionValue::Double(d) => {
                    hs::Highs_setDoubleOptionValue(self.raw(), cname.as_ptr(), *d)
                }
                HighsOptionValue::Str(s) => {
                    let cval = CString::new(s.as_str())
                        .map_err(|_| format!("option value {s:?} contains a NUL"))?;
                    hs::Highs_setStringOptionValue(self.raw(), cname.as_ptr(), cval.as_ptr())
                }
            }
        };
        if status == hs::kHighsStatusError {
            Err(format!("HiGHS rejected option {name} = {value:?}"))
        } else {
            Ok(())
        }
    }

    /// Sets one option from its text form (`"true"`, `"3"`, `"0.25"`, `"ipm"`), parsed by HiGHS
    /// according to the option's type; an unknown name or an unparsable value is an error.
    pub fn set_option_text(&mut self, name: &str, value: &str) -> Result<(), String> {
        let cname =
            CString::new(name).map_err(|_| format!("option name {name:?} contains a NUL"))?;
        let cval =
            CString::new(value).map_err(|_| format!("option value {value:?} contains a NUL"))?;
        // SAFETY: valid instance and NUL-terminated strings.
        let status = unsafe { hs::Highs_setOptionValue(self.raw(), cname.as_ptr(), cval.as_ptr()) };
        if status == hs::kHighsStatusError {
            Err(format!("HiGHS rejected option {name} = {value}"))
        } else {
            Ok(())
        }
    }

    /// Replaces the model (and discards any basis).
    pub fn pass_model(&mut self, m: &ModelData) -> Result<(), String> {
        m.check()?;
        let (n, nr) = (m.num_col(), m.num_row());
        let a_start = to_hi(&m.a_start[..n]);
        let a_index = to_hi(&m.a_index);
        let (q_start, q_index) = if m.q_start.is_empty() {
            (Vec::new(), Vec::new())
        } else {
            (to_hi(&m.q_start[..n]), to_hi(&m.q_index))
        };
        let nullable = |v: &[HighsInt]| {
            if v.is_empty() {
                std::ptr::null()
            } else {
                v.as_ptr()
            }
        };
        let q_nz = if m.q_start.is_empty() {
            0
        } else {
            m.q_index.len()
        };
        // SAFETY: all slices have the lengths HiGHS reads (checked above); the Hessian
        // pointers are NULL for an LP.
        let status = unsafe {
            hs::Highs_passModel(
                self.raw(),
                n as HighsInt,
                nr as HighsInt,
                m.a_index.len() as HighsInt,
                q_nz as HighsInt,
                hs::kHighsMatrixFormatColwise,
                hs::kHighsHessianFormatTriangular,
                hs::kHighsObjSenseMinimize,
                m.offset,
                m.col_cost.as_ptr(),
                m.col_lower.as_ptr(),
                m.col_upper.as_ptr(),
                m.row_lower.as_ptr(),
                m.row_upper.as_ptr(),
                a_start.as_ptr(),
                a_index.as_ptr(),
                m.a_value.as_ptr(),
                nullable(&q_start),
                nullable(&q_index),
                if m.q_start.is_empty() {
                    std::ptr::null()
                } else {
                    m.q_value.as_ptr()
                },
                std::ptr::null(),
            )
        };
        if status == hs::kHighsStatusError {
            self.num_col = 0;
            self.num_row = 0;
            return Err("HiGHS rejected the model (non-finite coefficient or bound?)".into());
        }
        self.num_col = n;
        self.num_row = nr;
        Ok(())
    }

    /// Replaces all column and row bounds, keeping the matrix, costs and basis.
    pub fn change_bounds(&mut self, m: &ModelData) -> Result<(), String> {
        if m.num_col() != self.num_col || m.num_row() != self.num_row {
            return Err("internal error: bound change on a model of another size".into());
        }
        if m.col_lower.len() != self.num_col
            || m.col_upper.len() != self.num_col
            || m.row_upper.len() != self.num_row
        {
            return Err("internal error: bound vectors of the wrong length".into());
        }
        // SAFETY: lengths checked against the model's dimensions.
        let (s1, s2) = unsafe {
            let s1 = if self.num_col > 0 {
                hs::Highs_changeColsBoundsByRange(
                    self.raw(),
                    0,
                    (self.num_col - 1) as HighsInt,
                    m.col_lower.as_ptr(),
                    m.col_upper.as_ptr(),
                )
            } else {
                hs::kHighsStatusOk
            };
            let s2 = if self.num_row > 0 {
                hs::Highs_changeRowsBoundsByRange(
                    self.raw(),
                    0,
                    (self.num_row - 1) as HighsInt,
                    m.row_lower.as_ptr(),
                    m.row_upper.as_ptr(),
                )
            } else {
                hs::kHighsStatusOk
            };
            (s1, s2)
        };
        if s1 == hs::kHighsStatusError || s2 == hs::kHighsStatusError {
            Err("HiGHS rejected the new bounds (NaN?)".into())
        } else {
            Ok(())
        }
    }

    /// The current basis (column statuses, row statuses), if HiGHS has a valid one.
    pub fn basis(&self) -> Option<(Vec<HighsInt>, Vec<HighsInt>)> {
        let mut cols = vec![0 as HighsInt; self.num_col];
        let mut rows = vec![0 as HighsInt; self.num_row];
        let mut validity: HighsInt = 0;
        let name = CString::new("basis_validity").ok()?;
        // SAFETY: output buffers have the model's dimensions.
        unsafe {
            if hs::Highs_getIntInfoValue(self.raw_const(), name.as_ptr(), &mut validity)
                != hs::kHighsStatusOk
                || validity != hs::kHighsBasisValidityValid
            {
                return None;
            }
            if hs::Highs_getBasis(self.raw_const(), cols.as_mut_ptr(), rows.as_mut_ptr())
                == hs::kHighsStatusError
            {
                return None;
            }
        }
        Some((cols, rows))
    }

    /// Installs a basis for the current model (a warm start); ignored when it does not fit.
    pub fn set_basis(&mut self, cols: &[HighsInt], rows: &[HighsInt]) -> bool {
        if cols.len() != self.num_col || rows.len() != self.num_row {
            return false;
        }
        // SAFETY: lengths checked.
        unsafe {
            hs::Highs_setBasis(self.raw(), cols.as_ptr(), rows.as_ptr()) != hs::kHighsStatusError
        }
    }

    /// Forgets the basis and solution, so that the next run starts cold (with presolve).
    pub fn clear_solver(&mut self) {
        // SAFETY: valid instance.
        unsafe {
            hs::Highs_clearSolver(self.raw());
        }
    }

    /// Solves the current model.
    ///
    /// HiGHS keeps one task scheduler per OS thread, sized by the first solve on that thread,
    /// and refuses a later `threads` option that differs. The thread count last used on this
    /// thread is remembered, and the scheduler is reset when a solve asks for another (or is the
    /// first here, in case HiGHS was used on this thread by other code).
    pub fn run_with_threads(&mut self, threads: usize) -> RunOutcome {
        thread_local! {
            static LAST_THREADS: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
        }
        let last = LAST_THREADS.with(|c| c.replace(Some(threads)));
        if last != Some(threads) {
            // SAFETY: blocking reset of this thread's scheduler; no HiGHS run is in progress
            // on this thread (runs are synchronous).
            unsafe { hs::Highs_resetThreadScheduler(1) };
        }
        self.run()
    }

    /// Solves the current model.
    pub fn run(&mut self) -> RunOutcome {
        // SAFETY: valid instance.
        let status = unsafe { hs::Highs_run(self.raw()) };
        // SAFETY: valid instance.
        let model_status = unsafe { hs::Highs_getModelStatus(self.raw_const()) };
        match model_status {
            hs::kHighsModelStatusOptimal => RunOutcome::Optimal,
            hs::kHighsModelStatusInfeasible => RunOutcome::Infeasible,
            hs::kHighsModelStatusUnboundedOrInfeasible => RunOutcome::UnboundedOrInfeasible,
            hs::kHighsModelStatusUnbounded => RunOutcome::Unbounded,
            hs::kHighsModelStatusTimeLimit => RunOutcome::TimeLimit,
            hs::kHighsModelStatusIterationLimit => RunOutcome::IterationLimit,
            hs::kHighsModelStatusModelEmpty if status != hs::kHighsStatusError => {
                RunOutcome::Optimal
            }
            other => RunOutcome::Other(other),
        }
    }

    /// Objective value of the last solution (including the offset).
    pub fn objective(&self) -> f64 {
        // SAFETY: valid instance.
        unsafe { hs::Highs_getObjectiveValue(self.raw_const()) }
    }

    /// Primal and dual values: (columns, column duals, row activities, row duals).
    pub fn solution(&self) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
        let mut x = vec![0.0; self.num_col];
        let mut xd = vec![0.0; self.num_col];
        let mut r = vec![0.0; self.num_row];
        let mut rd = vec![0.0; self.num_row];
        // SAFETY: output buffers have the model's dimensions.
        unsafe {
            hs::Highs_getSolution(
                self.raw_const(),
                x.as_mut_ptr(),
                xd.as_mut_ptr(),
                r.as_mut_ptr(),
                rd.as_mut_ptr(),
            );
        }
        (x, xd, r, rd)
    }

    fn int_info(&self, name: &str) -> i64 {
        let Ok(cname) = CString::new(name) else {
            return 0;
        };
        let mut v: HighsInt = 0;
        // SAFETY: valid instance, NUL-terminated name, one output integer.
        let s = unsafe { hs::Highs_getIntInfoValue(self.raw_const(), cname.as_ptr(), &mut v) };
        if s == hs::kHighsStatusOk {
            i64::from(v)
        } else {
            0
        }
    }

    /// Iterations of the last run: simplex, interior point and QP iterations together.
    pub fn iterations(&self) -> usize {
        let n = self.int_info("simplex_iteration_count")
            + self.int_info("ipm_iteration_count")
            + self.int_info("qp_iteration_count")
            + self.int_info("crossover_iteration_count");
        usize::try_from(n).unwrap_or(0)
    }

    /// Marks columns as integer (`true`) or continuous; the model becomes a MIP when any is.
    pub fn set_integrality(&mut self, integer: &[bool]) -> Result<(), String> {
        if integer.len() != self.num_col {
            return Err("internal error: integrality vector of the wrong length".into());
        }
        if self.num_col == 0 {
            return Ok(());
        }
        let kinds: Vec<HighsInt> = integer
            .iter()
            .map(|&i| {
                if i {
                    hs::kHighsVarTypeInteger
                } else {
                    hs::kHighsVarTypeContinuous
                }
            })
            .collect();
        // SAFETY: `kinds` has one entry per column of the model.
        let s = unsafe {
            hs::Highs_changeColsIntegralityByRange(
                self.raw(),
                0,
                (self.num_col - 1) as HighsInt,
                kinds.as_ptr(),
            )
        };
        if s == hs::kHighsStatusError {
            Err("HiGHS rejected the integrality vector".into())
        } else {
            Ok(())
        }
    }

    /// Hands HiGHS a complete starting solution (a MIP incumbent if feasible); returns whether
    /// HiGHS accepted it.
    pub fn set_solution(&mut self, col_value: &[f64]) -> bool {
        if col_value.len() != self.num_col {
            return false;
        }
        // SAFETY: one value per column; the row-value and dual pointers may be NULL.
        unsafe {
            hs::Highs_setSolution(
                self.raw(),
                col_value.as_ptr(),
                std::ptr::null(),
                std::ptr::null(),
                std::ptr::null(),
            ) != hs::kHighsStatusError
        }
    }

    /// A real-valued info item of the last run (`mip_dual_bound`, `mip_gap`,
    /// `objective_function_value`, …), if HiGHS has it.
    pub fn double_info(&self, name: &str) -> Option<f64> {
        let cname = CString::new(name).ok()?;
        let mut v = 0.0f64;
        // SAFETY: valid instance, NUL-terminated name, one output double.
        let s = unsafe { hs::Highs_getDoubleInfoValue(self.raw_const(), cname.as_ptr(), &mut v) };
        (s == hs::kHighsStatusOk).then_some(v)
    }

    /// Whether the last run left a feasible primal solution (for a MIP: an incumbent).
    pub fn has_solution(&self) -> bool {
        self.int_info("primal_solution_status") == i64::from(hs::kHighsSolutionStatusFeasible)
    }

    /// Branch-and-bound nodes of the last MIP run.
    pub fn mip_nodes(&self) -> i64 {
        let Ok(cname) = CString::new("mip_node_count") else {
            return 0;
        };
        let mut v: i64 = 0;
        // SAFETY: valid instance, NUL-terminated name, one output 64-bit integer.
        let s = unsafe { hs::Highs_getInt64InfoValue(self.raw_const(), cname.as_ptr(), &mut v) };
        if s == hs::kHighsStatusOk {
            v
        } else {
            0
        }
    }
}
