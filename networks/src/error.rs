//! The error type of the networks crate: input that cannot be used, with where and why.

use std::path::PathBuf;

/// Where in a source file something was found: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
}

/// A failure to read, write or use a case. Non-convergence and infeasibility are *not* errors:
/// they are statuses on the solver results.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    /// A case file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A case file is malformed; `problems` lists every problem found, each located.
    #[error("{}", format_problems(.path, .problems))]
    Parse {
        /// The file (or a label such as `<string>`).
        path: PathBuf,
        /// Each problem, with its location and what was expected.
        problems: Vec<ParseProblem>,
    },
    /// The case data cannot be used as given (e.g. a generator at a bus that does not exist).
    #[error("invalid case data: {}", .0.join("; "))]
    InvalidData(Vec<String>),
    /// A matrix factorisation failed (structurally or numerically singular).
    #[error("linear solver: {0}")]
    Lu(#[from] crate::sparse::LuError),
}

/// One located problem in a case file.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseProblem {
    /// Where it was found.
    pub location: Location,
    /// What was expected there (e.g. "a number", "`;` or `]`").
    pub expected: String,
    /// What was found instead.
    pub found: String,
}

fn format_problems(path: &std::path::Path, problems: &[ParseProblem]) -> String {
    problems
        .iter()
        .map(|p| {
            format!(
                "{}:{}:{}: expected {}, found {}",
                path.display(),
                p.location.line,
                p.location.column,
                p.expected,
                p.found
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
