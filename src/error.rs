//! The library's error type and the exit codes it maps to.

use crate::charts::ChartError;
use crate::engine::ScheduleError;
use crate::output::WriteError;
use crate::scenario::ScenarioError;

/// Everything that can stop a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A scenario file is malformed.
    #[error("{0}")]
    Scenario(Box<ScenarioError>),
    /// What the user gave is not usable: a flag's value, a file given on
    /// the command line (a shard, a baseline, a CSV to plot), a run the
    /// guards refuse.
    #[error("{0}")]
    Usage(String),
    /// An output could not be written.
    #[error("{0}")]
    Write(Box<WriteError>),
    /// A bug: a model scheduled into the past.
    #[error("internal error: {0}; please report it with the scenario file")]
    Simulation(#[from] ScheduleError),
    /// A bug or a broken installation: a chart could not be drawn.
    #[error("internal error: {0}; please report it with the scenario file")]
    Chart(#[from] ChartError),
    /// A bug: something racesim built itself could not be used (the manual
    /// page could not be rendered).
    #[error("internal error: {0}; please report it")]
    Internal(String),
    /// The system refused a resource the run needs (worker threads).
    #[error("internal error: {0}")]
    System(String),
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

impl From<ScenarioError> for Error {
    fn from(e: ScenarioError) -> Self {
        Error::Scenario(Box::new(e))
    }
}

impl From<WriteError> for Error {
    fn from(e: WriteError) -> Self {
        Error::Write(Box::new(e))
    }
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
            Error::Simulation(_) | Error::Chart(_) | Error::Internal(_) | Error::System(_) => 3,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_by_cause() {
        assert_eq!(Error::CheckFailed(String::new()).exit_code(), 1);
        assert_eq!(Error::NotFound(String::new()).exit_code(), 1);
        assert_eq!(Error::Incomplete(String::new()).exit_code(), 1);
        assert_eq!(Error::Usage(String::new()).exit_code(), 2);
        assert_eq!(
            Error::from(ScenarioError::whole_file("x.toml", "bad")).exit_code(),
            2
        );
        assert_eq!(Error::Chart(ChartError::Font).exit_code(), 3);
        assert_eq!(Error::System(String::new()).exit_code(), 3);
        assert_eq!(Error::Internal(String::new()).exit_code(), 3);
        let write = Error::from(WriteError {
            path: "out/t.csv".into(),
            source: std::io::Error::other("disk full"),
        });
        assert_eq!(write.exit_code(), 2);
        assert_eq!(write.to_string(), "cannot write out/t.csv: disk full");
        let e = Error::Chart(ChartError::Draw("backend".into()));
        assert!(
            e.to_string()
                .starts_with("internal error: drawing the chart failed")
        );
    }
}
