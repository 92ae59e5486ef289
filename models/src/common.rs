//! Types shared by every agent: the step clock, the error enum and parameter validation.
//!
//! Agents are kernel-agnostic state machines: the co-simulation loop owns time and the random
//! streams and calls `step(&StepTime, dt_s, &mut rng)` on each agent. An agent never reads the
//! wall clock and draws randomness only from the generator passed in, so one seed gives one
//! trace.

use chrono::{DateTime, Utc};
use std::fmt;

/// The instant of a step as the loop sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepTime {
    /// Start of the step, UTC.
    pub utc: DateTime<Utc>,
    /// Seconds since the start of the simulation.
    pub t_s: f64,
}

impl StepTime {
    /// A step time at `utc`, `t_s` seconds after the start.
    pub fn new(utc: DateTime<Utc>, t_s: f64) -> Self {
        Self { utc, t_s }
    }

    /// The step time `dt_s` seconds later (sub-millisecond parts are rounded to milliseconds).
    pub fn advanced(&self, dt_s: f64) -> Self {
        let ms = (dt_s * 1000.0).round() as i64;
        Self {
            utc: self.utc + chrono::Duration::milliseconds(ms),
            t_s: self.t_s + dt_s,
        }
    }
}

/// One physically impossible or inconsistent parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamProblem {
    /// Dotted path of the field, e.g. `battery.eta_charge`.
    pub field: String,
    /// The value found, as text.
    pub found: String,
    /// What was expected, e.g. `a value in (0, 1]`.
    pub expected: String,
}

impl fmt::Display for ParamProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is {}, expected {}",
            self.field, self.found, self.expected
        )
    }
}

/// Errors of the agents: unusable parameters or data files. Outcomes of a step (a battery that
/// could not deliver, an EV left unmet) are reported in the outputs, never here.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// One or more parameters are physically impossible; every problem is listed.
    #[error("invalid parameters: {}", join_problems(.0))]
    InvalidParameters(Vec<ParamProblem>),
    /// A data file (profile, session table, reliability table) could not be used.
    #[error("{file}:{line}:{column}: expected {expected}, found {found}")]
    Data {
        /// File name as given.
        file: String,
        /// 1-based line.
        line: u64,
        /// 1-based column (field number for CSV files).
        column: u64,
        /// What was expected there.
        expected: String,
        /// What was found.
        found: String,
    },
    /// A file could not be opened or read.
    #[error("{file}: {source}")]
    Io {
        /// File name as given.
        file: String,
        /// Underlying error.
        source: std::io::Error,
    },
}

fn join_problems(p: &[ParamProblem]) -> String {
    p.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Collects parameter problems so that all of them are reported at once.
#[derive(Debug, Default)]
pub struct Validator {
    prefix: String,
    problems: Vec<ParamProblem>,
}

impl Validator {
    /// A validator whose field names are prefixed by `prefix.` (empty for none).
    pub fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_string(),
            problems: Vec::new(),
        }
    }

    fn path(&self, field: &str) -> String {
        if self.prefix.is_empty() {
            field.to_string()
        } else {
            format!("{}.{}", self.prefix, field)
        }
    }

    /// Records a problem unless `ok`.
    pub fn check(&mut self, ok: bool, field: &str, found: impl fmt::Display, expected: &str) {
        if !ok {
            let field = self.path(field);
            self.problems.push(ParamProblem {
                field,
                found: found.to_string(),
                expected: expected.to_string(),
            });
        }
    }

    /// `value` must be finite and ≥ 0.
    pub fn non_negative(&mut self, field: &str, value: f64) {
        self.check(
            value.is_finite() && value >= 0.0,
            field,
            value,
            "a finite value >= 0",
        );
    }

    /// `value` must be finite and > 0.
    pub fn positive(&mut self, field: &str, value: f64) {
        self.check(
            value.is_finite() && value > 0.0,
            field,
            value,
            "a finite value > 0",
        );
    }

    /// `value` must be finite.
    pub fn finite(&mut self, field: &str, value: f64) {
        self.check(value.is_finite(), field, value, "a finite number");
    }

    /// `value` must lie in the closed interval `[lo, hi]`.
    pub fn in_range(&mut self, field: &str, value: f64, lo: f64, hi: f64) {
        let ok = value.is_finite() && value >= lo && value <= hi;
        self.check(ok, field, value, &format!("a value in [{lo}, {hi}]"));
    }

    /// `value` must lie in `(0, 1]` (an efficiency).
    pub fn efficiency(&mut self, field: &str, value: f64) {
        self.check(
            value.is_finite() && value > 0.0 && value <= 1.0,
            field,
            value,
            "an efficiency in (0, 1]",
        );
    }

    /// `lo` must not exceed `hi` (`lo_field` names both in the message).
    pub fn ordered(&mut self, lo_field: &str, lo: f64, hi_field: &str, hi: f64) {
        let field = format!("{lo_field}/{hi_field}");
        self.check(
            lo <= hi,
            &field,
            format!("{lo} > {hi}"),
            &format!("{lo_field} <= {hi_field}"),
        );
    }

    /// Adds the problems of a nested validator.
    pub fn merge(&mut self, other: Validator) {
        self.problems.extend(other.problems);
    }

    /// `Ok(())` when no problem was recorded, otherwise every problem.
    pub fn finish(self) -> Result<(), AgentError> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(AgentError::InvalidParameters(self.problems))
        }
    }
}

/// Linear interpolation in a table of increasing `xs`; clamps outside the table.
/// Returns 0 for an empty table.
pub fn interp(xs: &[f64], ys: &[f64], x: f64) -> f64 {
    let n = xs.len().min(ys.len());
    if n == 0 {
        return 0.0;
    }
    if x <= xs[0] {
        return ys[0];
    }
    if x >= xs[n - 1] {
        return ys[n - 1];
    }
    let k = xs[..n].partition_point(|&v| v <= x);
    let (x0, x1, y0, y1) = (xs[k - 1], xs[k], ys[k - 1], ys[k]);
    if x1 > x0 {
        y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    } else {
        y1
    }
}

/// Standard normal cumulative distribution Φ(z) = erfc(−z/√2)/2, with [`erfc`] below
/// (absolute error < 1e-7).
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// Complementary error function erfc(x) (Numerical Recipes' Chebyshev fit `erfcc`,
/// fractional error < 1.2e-7 everywhere).
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.26551223
            + t * (1.00002368
                + t * (0.37409196
                    + t * (0.09678418
                        + t * (-0.18628806
                            + t * (0.27886807
                                + t * (-1.13520398
                                    + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
            .exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// Text of the error of `r`, or an empty string when it is `Ok` (unit-test helper).
#[cfg(test)]
pub(crate) fn err_text<T, E: std::fmt::Display>(r: Result<T, E>) -> String {
    r.err().map(|e| e.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validator_reports_every_problem_with_its_field() {
        let mut v = Validator::new("battery");
        v.efficiency("eta_charge", 1.2);
        v.non_negative("energy_kwh", -1.0);
        v.ordered("soc_min_frac", 0.9, "soc_max_frac", 0.1);
        let Err(AgentError::InvalidParameters(p)) = v.finish() else {
            panic!("expected problems")
        };
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].field, "battery.eta_charge");
        assert_eq!(p[1].field, "battery.energy_kwh");
        assert_eq!(p[2].field, "battery.soc_min_frac/soc_max_frac");
    }

    #[test]
    fn interp_matches_hand_values() {
        let xs = [0.0, 1.0, 3.0];
        let ys = [0.0, 10.0, 30.0];
        assert_eq!(interp(&xs, &ys, -1.0), 0.0);
        assert_eq!(interp(&xs, &ys, 2.0), 20.0);
        assert_eq!(interp(&xs, &ys, 9.0), 30.0);
    }

    #[test]
    fn normal_cdf_matches_tables() {
        // Φ(1) = 0.841344746, Φ(-1.96) = 0.024997895 (standard tables); erfcc error < 1.2e-7.
        assert!((normal_cdf(1.0) - 0.841344746).abs() < 2e-7);
        assert!((normal_cdf(-1.96) - 0.024997895).abs() < 2e-7);
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
    }
}
