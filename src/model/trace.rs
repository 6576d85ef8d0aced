//! What `racesim trace` asks of a model: one failing case, in words and as
//! JSON, and every event of one replication as CSV rows.

use crate::engine::{ScheduleError, Streams};

/// A trace request.
#[derive(Debug, Clone, Copy)]
pub struct TraceQuery<'a> {
    /// The scenario's name (traces are titled with it).
    pub scenario: &'a str,
    /// The scenario's seed.
    pub seed: u64,
    /// Its replications (the search for a failure looks through them).
    pub replications: u32,
    /// Look in this replication only (`--replication R`).
    pub replication: Option<u64>,
    /// Trace this case (`--user N`) instead of the first failure.
    pub user: Option<u64>,
}

impl TraceQuery<'_> {
    /// The streams of replication `r`.
    pub fn streams(&self, r: u64) -> Streams {
        Streams::new(self.seed, r)
    }
    /// The replications to look through: the one asked for, else all.
    pub fn search(&self) -> Vec<u64> {
        match self.replication {
            Some(r) => vec![r],
            None => (0..u64::from(self.replications)).collect(),
        }
    }
}

/// What a trace found.
#[derive(Debug, Clone, PartialEq)]
pub enum TraceOutcome {
    /// The case, as an incident report (`text`) and as one JSON document
    /// (pretty-printed, its fields in the model's order).
    Found {
        /// For people.
        text: String,
        /// For programs.
        json: String,
    },
    /// Nothing to trace, and why ("no error page in 32 replication(s)").
    NotFound(String),
}

/// Why a trace could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// The request does not apply to this model, or asks too much (e.g. a
    /// request log beyond its row limit).
    #[error("{0}")]
    Refused(String),
    /// A bug: a model scheduled into the past.
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
}

/// Every event of one replication, a batch of CSV rows at a time (memory
/// holds one batch).
pub trait EventLog {
    /// The CSV header.
    fn header(&self) -> Vec<String>;
    /// The next rows in true-time order; `None` at the end.
    fn next_rows(&mut self) -> Result<Option<Vec<Vec<String>>>, TraceError>;
    /// What `rows` rows were, for the message after writing them
    /// (`"1204 events"`).
    fn summary(&self, rows: u64) -> String;
}
