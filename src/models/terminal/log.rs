//! The request log of `trace --events`: one replication replayed as every
//! processor request and outcome, a day of the fleet at a time.

use super::config::TerminalConfig;
use super::requests::LoggedRequest;
use super::sim::TerminalSim;
use crate::engine::{ScheduleError, Simulation, Streams};
use crate::model::Estimator;
use crate::time::SimTime;

/// Most rows [`RequestLog`] makes by default before it gives up (about a
/// gigabyte of CSV).
pub const MAX_LOG_ROWS: u64 = 10_000_000;

/// The request log of `trace --events` could not be made.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The replication has more rows than the limit.
    #[error(
        "the request log would exceed {limit} rows (passed it on day {day} of {days}); \
         use fewer terminals or a shorter horizon (e.g. --set terminal.terminals=N or --set horizon=\"7d\")"
    )]
    TooManyRows {
        /// The limit.
        limit: u64,
        /// Day (1-based) on which it was passed.
        day: u32,
        /// Days of the replication.
        days: u32,
    },
    /// A bug: a model scheduled into the past.
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
}

/// Every processor request and outcome of one replication, in true-time
/// order, day by day (`trace --events`).
///
/// The replication is the one [`super::run_replication`] simulates with the
/// `sample` estimator: the same streams, the same counts. Every purchase of
/// every terminal-day is a request, including the terminal-days the run
/// counts without playing (no counter value used twice, nothing
/// resubmitted), which cannot produce a reversal. The times of purchases
/// that share no key with another request (their counter value is used once
/// that day) come from a stream of their own, drawn given the others' times,
/// so they do not move any other draw.
///
/// Memory: the rows of one day of the fleet (and the resubmissions that
/// arrive after the next day opens), at most about `limit` rows of 64 bytes.
pub struct RequestLog<'c> {
    sim: Simulation<TerminalSim<'c>>,
    cfg: &'c TerminalConfig,
    days: u32,
    next_day: u32,
    pending: Vec<LoggedRequest>,
}

impl<'c> RequestLog<'c> {
    /// The log of replication `streams`, over `days` days, refusing to make
    /// more than `limit` rows.
    pub fn new(cfg: &'c TerminalConfig, days: u32, streams: Streams, limit: u64) -> Self {
        let model = TerminalSim::new(cfg, days, Estimator::Sample, false).with_log(limit);
        RequestLog {
            sim: Simulation::new(model, streams),
            cfg,
            days,
            next_day: 0,
            pending: Vec::new(),
        }
    }

    /// The next rows in true-time order (ties: terminal, then the order the
    /// processor saw them), one day at a time; `None` at the end.
    pub fn next_rows(&mut self) -> Result<Option<Vec<LoggedRequest>>, LogError> {
        if self.next_day > self.days {
            return Ok(None);
        }
        let d = self.next_day;
        self.next_day += 1;
        let day_ns = 86_400 * 1_000_000_000i64;
        let close = self.cfg.hours.close_ns();
        if d < self.days {
            // Every terminal-day of day `d` is one event at its close.
            self.sim
                .run_until(SimTime::from_nanos(i64::from(d) * day_ns + close))?;
        }
        let log = self.sim.model_mut().log.as_mut();
        let Some(log) = log else {
            return Ok(None);
        };
        if log.overflow {
            return Err(LogError::TooManyRows {
                limit: log.limit,
                day: d + 1,
                days: self.days,
            });
        }
        self.pending.append(&mut log.rows);
        self.pending.sort_by_key(|r| r.at);
        // No later terminal-day has a request before the next day opens
        // (with clocks, before its terminal's clock can read the opening).
        let split = if d + 1 < self.days {
            let next_open = i64::from(d + 1) * day_ns + self.cfg.hours.open_ns();
            let from = self
                .sim
                .model()
                .arrivals_from(d + 1)
                .unwrap_or(SimTime::from_nanos(next_open));
            self.pending.partition_point(|r| r.at < from)
        } else {
            self.pending.len()
        };
        let rest = self.pending.split_off(split);
        Ok(Some(std::mem::replace(&mut self.pending, rest)))
    }

    /// The replication's raw columns (as [`crate::model::RepOutput::values`]) once the
    /// log is read to its end.
    pub fn values(&self) -> Vec<f64> {
        self.sim.model().total.values(self.cfg.clocks.is_some())
    }
}
