//! The library's error type and the exit codes it maps to.

use crate::engine::ScheduleError;
use crate::report::output::WriteError;
use crate::scenario::ScenarioError;

/// Everything that can stop a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A scenario file is malformed.
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    /// The command line is malformed.
    #[error("{0}")]
    Usage(String),
    /// An output could not be written.
    #[error("{0}")]
    Write(#[from] WriteError),
    /// A bug: a model scheduled into the past.
    #[error("internal error: {0}; please report it with the scenario file")]
    Simulation(#[from] ScheduleError),
    /// What was asked for does not exist (e.g. no failure to trace).
    #[error("{0}")]
    NotFound(String),
    /// `check` found a failing or inconclusive expectation.
    #[error("{0}")]
    CheckFailed(String),
    /// A time limit stopped a run before anything finished.
    #[error("{0}")]
    Incomplete(String),
}

impl Error {
    /// The process exit code: 1 a check failed (or nothing to trace, or a time
    /// limit stopped a run before any replication finished), 2 bad input or
    /// usage (also an output that cannot be written, or a run beyond
    /// `--max-events`), 3 an internal error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::CheckFailed(_) | Error::NotFound(_) | Error::Incomplete(_) => 1,
            Error::Scenario(_) | Error::Usage(_) | Error::Write(_) => 2,
            Error::Simulation(_) => 3,
        }
    }
}
