//! The crate's one error type: unusable input, located by file, line and column.

use std::path::PathBuf;

/// Input a forecaster or a reader cannot use. Model outcomes (a singular fit, a horizon a
/// model does not support) that depend on the data are reported here too, with what was
/// expected, because they stop the forecast; they never panic.
#[derive(Debug, thiserror::Error)]
pub enum ForecastError {
    /// A data file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// A field of a CSV file is malformed.
    #[error("{path}:{line}:{column}: expected {expected}, found `{found}`")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// 1-based column number (field index).
        column: usize,
        /// What the reader expected there.
        expected: String,
        /// The text found.
        found: String,
    },
    /// Rows of a series are not one hour apart.
    #[error("{path}:{line}: expected the hour after {previous}, found {found}")]
    Gap {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// The previous timestamp.
        previous: String,
        /// The timestamp found.
        found: String,
    },
    /// An exogenous value needed for a forecast is missing (NaN) or out of range.
    #[error("exogenous series `{name}` has no value at index {index} ({time}); a forecast for this horizon needs it")]
    MissingExogenous {
        /// Name of the exogenous series.
        name: String,
        /// Index in the timeline.
        index: usize,
        /// Timestamp of that index.
        time: String,
    },
    /// An exogenous series the model needs is absent from the data set.
    #[error("the model `{model}` needs an exogenous series `{name}`, which the data set does not have (it has: {available})")]
    NoSuchExogenous {
        /// The model.
        model: String,
        /// The missing series.
        name: String,
        /// The series the data set has.
        available: String,
    },
    /// The history is too short for the model.
    #[error("the model `{model}` needs at least {needed} hours of history, got {got}")]
    ShortHistory {
        /// The model.
        model: String,
        /// Hours needed.
        needed: usize,
        /// Hours given.
        got: usize,
    },
    /// A setting is outside its valid range.
    #[error("invalid setting: {0}")]
    Setting(String),
    /// The normal equations of a regression are not positive definite (collinear features).
    #[error("the regression `{model}` is singular at column {column}: features are collinear or a category has no data")]
    Singular {
        /// The model.
        model: String,
        /// The column where Cholesky found a non-positive pivot.
        column: usize,
    },
    /// A plot could not be drawn.
    #[error("plot: {0}")]
    Plot(String),
    /// A tensor operation failed (a shape or type mismatch inside a model: a bug, never a
    /// data problem, reported rather than panicking).
    #[error("the model `{model}`: tensor operation failed: {message}")]
    Tensor {
        /// The model.
        model: String,
        /// candle's message.
        message: String,
    },
    /// The predict was called before fit.
    #[error("the model `{0}` was asked to predict before it was fitted")]
    NotFitted(String),
}
