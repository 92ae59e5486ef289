//! Errors of the unit-commitment area: unreadable or meaningless input (never solver outcomes).

use std::path::PathBuf;

/// Input that cannot be used. Solver outcomes (infeasible, time limit) are statuses instead.
#[derive(Debug, thiserror::Error)]
pub enum UcError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// The JSON is malformed or a field has the wrong type or is missing.
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        /// File name as given.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What was expected and what was found.
        message: String,
    },
    /// The instance parses but its values make no sense (each problem on its own line).
    #[error("{file}: {count} problem(s) in the instance:\n{details}")]
    Invalid {
        /// File name as given, or `instance` for one built in code.
        file: String,
        /// Number of problems found.
        count: usize,
        /// One line per problem, each naming the unit and field.
        details: String,
    },
    /// Settings outside their documented range.
    #[error("invalid setting: {0}")]
    Settings(String),
    /// HiGHS refused the model or failed to start (not an outcome of the optimisation).
    #[error("solver: {0}")]
    Solver(String),
}
