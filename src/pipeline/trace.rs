//! `racesim trace FILE [--first-error | --user N] [--replication R]
//! [--events FILE.csv] [--clocks]` as a library function: the timeline of
//! one case in true time and in every host's local time, like the log
//! reconstruction of an incident (the model's
//! [`crate::model::Model::trace`]). With `--events`, also every event of
//! one replication (`--replication R`, default 0, the same replication `run`
//! simulates), written as CSV a batch at a time (the model's
//! [`crate::model::Model::event_log`]). With `--clocks`, every host's clock
//! breakpoints instead ([`crate::report::clocks`]).

use std::path::{Path, PathBuf};

use crate::Error;
use crate::model::{EventLog, Registry, TraceError, TraceOutcome, TraceQuery};
use crate::output::{AtomicFile, WriteError};
use crate::report::clocks;
use crate::scenario::{self, Override, Source};

/// What to trace.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Look in this replication only (with `clocks`: the replication shown,
    /// default 0).
    pub replication: Option<u64>,
    /// Trace this case instead of the first failure.
    pub user: Option<u64>,
    /// Also write every event of the replication to this CSV.
    pub events: Option<PathBuf>,
    /// Every host's clock instead.
    pub clocks: bool,
}

/// What a trace gave.
#[derive(Debug)]
pub enum Traced {
    /// The clocks (`--clocks`), in words and as one JSON document
    /// (pretty-printed).
    Clocks {
        /// For people.
        text: String,
        /// For programs.
        json: String,
    },
    /// A case, or why there is none; `events` says what the event log file
    /// holds when one was written.
    Case {
        /// The trace.
        outcome: TraceOutcome,
        /// `wrote N events of replication R to FILE`.
        events: Option<String>,
    },
}

/// Traces the scenario at `file` under `overrides`.
pub fn trace(
    registry: &Registry,
    file: &Path,
    overrides: &[Override],
    req: &Request,
) -> Result<Traced, Error> {
    let sc = scenario::load_with(registry, &Source::read(file)?, overrides)?;
    if req.clocks {
        let r = req.replication.unwrap_or(0);
        return Ok(Traced::Clocks {
            text: clocks::render(&sc, r),
            json: serde_json::to_string_pretty(&clocks::render_json(&sc, r)).unwrap_or_default(),
        });
    }
    let q = TraceQuery {
        scenario: &sc.name,
        seed: sc.seed,
        replications: sc.replications,
        replication: req.replication,
        user: req.user,
    };
    let refused = |e: TraceError| match e {
        TraceError::Refused(m) => Error::Usage(m),
        TraceError::Schedule(s) => Error::Simulation(s),
    };
    let events = match &req.events {
        None => None,
        Some(path) => {
            let mut log = sc.model.event_log(&q).map_err(refused)?;
            let rows = write_events(&mut *log, path)?;
            Some(format!(
                "wrote {} of replication {} to {}",
                log.summary(rows),
                req.replication.unwrap_or(0),
                path.display()
            ))
        }
    };
    let outcome = sc.model.trace(&q).map_err(refused)?;
    Ok(Traced::Case { outcome, events })
}

/// Writes `log` to `path` as CSV, atomically, a batch at a time; returns
/// the rows written.
fn write_events(log: &mut dyn EventLog, path: &Path) -> Result<u64, Error> {
    let file = AtomicFile::create(path)?;
    let mut w = csv::Writer::from_writer(file);
    // csv's error turned back into the I/O error it wraps: the same message
    let io = |e: csv::Error| write_error(path, e.into());
    w.write_record(log.header()).map_err(io)?;
    let mut rows = 0u64;
    while let Some(batch) = log.next_rows().map_err(|e| match e {
        TraceError::Refused(m) => Error::Usage(m),
        TraceError::Schedule(s) => Error::Simulation(s),
    })? {
        for row in &batch {
            w.write_record(row).map_err(io)?;
            rows += 1;
        }
    }
    let file = w
        .into_inner()
        .map_err(|e| write_error(path, e.into_error()))?;
    file.commit()?;
    Ok(rows)
}

/// A failure to write the event log: the output's fault, not the scenario's.
fn write_error(path: &Path, source: std::io::Error) -> Error {
    Error::from(WriteError {
        path: path.to_path_buf(),
        source,
    })
}
