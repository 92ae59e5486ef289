//! `SimError`: the one error enum of the kernel (scheduling, models, recorder and Monte Carlo I/O).

use crate::time::{Phase, SimDuration, SimTime};

/// Everything that can go wrong in the kernel. Outcomes of the user's own algorithms
/// (a power flow that does not converge, say) are not errors: models record them as
/// statuses and metrics.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// An event was scheduled before the current instant, or at the current instant in a
    /// phase that has already run.
    #[error("cannot schedule an event at {at} ({at_phase}): the simulation is already at {now} ({now_phase})")]
    ScheduledInPast {
        /// The current time.
        now: SimTime,
        /// The phase being processed.
        now_phase: Phase,
        /// The requested time.
        at: SimTime,
        /// The requested phase.
        at_phase: Phase,
    },
    /// A periodic process was given a period that is not strictly positive.
    #[error("periodic process `{name}`: the period must be positive, got {period}")]
    NonPositivePeriod {
        /// The model the process belongs to.
        name: String,
        /// The period given.
        period: SimDuration,
    },
    /// Two models were added with the same name.
    #[error("a model named `{name}` already exists; model names must be unique")]
    DuplicateModel {
        /// The repeated name.
        name: String,
    },
    /// Two distinct model names hash to the same random-stream id (astronomically unlikely;
    /// rename one of them).
    #[error("models `{first}` and `{second}` hash to the same random-stream id {stream:#018x}; rename one")]
    StreamCollision {
        /// The name added first.
        first: String,
        /// The name added second.
        second: String,
        /// The colliding stream id.
        stream: u64,
    },
    /// An event was addressed to a model id that this simulation never handed out.
    #[error("no model with id {id} (the simulation has {count} models)")]
    UnknownModel {
        /// The id used.
        id: usize,
        /// How many models exist.
        count: usize,
    },
    /// A model's handler failed.
    #[error("model `{model}` failed at {t}: {source}")]
    Model {
        /// The model's name.
        model: String,
        /// The simulated time of the failure.
        t: SimTime,
        /// What the model reported.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A replication closure of the Monte Carlo runner failed.
    #[error("replication {replication} failed: {source}")]
    Replication {
        /// The replication number.
        replication: u64,
        /// What the closure reported.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Rows of a Monte Carlo run, or of a `replications.csv`, do not fit together.
    #[error("{origin}: {message}")]
    Rows {
        /// Where the rows came from (file name and line, or the replication number).
        origin: String,
        /// What was expected and what was found.
        message: String,
    },
    /// A malformed `replications.csv`.
    #[error("{file}:{line}:{column}: expected {expected}, found `{found}`")]
    Parse {
        /// The file (or source name) given by the caller.
        file: String,
        /// 1-based line.
        line: u64,
        /// 1-based column (field number in the CSV record).
        column: u64,
        /// What was expected.
        expected: String,
        /// What was found.
        found: String,
    },
    /// Reading or writing CSV failed.
    #[error("{context}: {source}")]
    Csv {
        /// What was being read or written.
        context: String,
        /// The underlying error.
        source: csv::Error,
    },
    /// Writing failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being written.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Invalid settings (e.g. zero threads, an empty shard).
    #[error("invalid settings: {0}")]
    Settings(String),
}

/// Shorthand for results of the kernel.
pub type SimResult<T> = Result<T, SimError>;
