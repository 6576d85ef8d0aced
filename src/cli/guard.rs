//! Resource guards and output safety for the commands that run simulations.
//!
//! Before anything is built, the run is counted from the validated scenario
//! ([`crate::experiment::grid::Grid`], [`crate::models::Work`]) and refused
//! (exit 2) with the estimate and the flag that lets it through:
//!
//! - `--max-points N` (default 10000): sweep points, counted as the product
//!   of the axes' lengths;
//! - `--max-events N` (default 1e11): users or transactions, transfer polls
//!   and clock breakpoints, over every point and replication this invocation
//!   runs;
//! - `--max-memory SIZE` (default 4GB): the records the replications running
//!   at once hold (checkout records not yet moved, the largest terminal-day).
//!
//! `--time-limit D`: a timer thread sets a stop flag after `D`; no new
//! replication starts, running ones stop at their model's next check (made
//! by work done, at most a few milliseconds apart) and are dropped, and the
//! replications that finished (a prefix, in index order) are written and
//! marked partial (see [`crate::experiment::run_replications`]).
//!
//! Result folders are staged, locked and committed by
//! [`crate::report::output::ResultDir`]; `--force` replaces a result without
//! keeping the previous one.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::Duration;

use clap::Args;

use crate::Error;
use crate::experiment::grid::GridCost;
use crate::fmt::fmt_num;
use crate::report::output::{Committed, Replace, ResultDir};
use crate::time::parse_duration;

/// The default of `--max-events`: 10^11 users, transactions, polls and clock
/// breakpoints (hours of work for the checkout model, over ten minutes for
/// the terminal model, on a laptop).
pub const DEFAULT_MAX_EVENTS: f64 = 1e11;

/// The default of `--max-points`.
pub const DEFAULT_MAX_POINTS: u64 = 10_000;

/// The default of `--max-memory`: 4 GB.
pub const DEFAULT_MAX_MEMORY: f64 = 4e9;

/// The guard options shared by the commands that run simulations.
#[derive(Debug, Clone, Default, Args)]
pub struct Guards {
    /// Stop after this long (e.g. 30s, 10m, 2h): write the replications that
    /// finished, marked partial
    #[arg(long, value_name = "DURATION", allow_negative_numbers = true)]
    pub time_limit: Option<String>,
    /// Refuse a run expected to simulate more than N users or transactions,
    /// polls and clock steps in all (default 1e11); raise it to run a bigger
    /// study
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub max_events: Option<String>,
    /// Refuse a sweep of more than N points (default 10000)
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub max_points: Option<String>,
    /// Refuse a run expected to hold more than SIZE of records in memory at
    /// once (default 4GB; e.g. 500MB, 16GB)
    #[arg(long, value_name = "SIZE", allow_negative_numbers = true)]
    pub max_memory: Option<String>,
    /// Replace the earlier result without keeping it (default: it is kept
    /// as NAME.previous)
    #[arg(long)]
    pub force: bool,
}

impl Guards {
    /// `--time-limit` parsed.
    pub fn time_limit(&self) -> Result<Option<Duration>, Error> {
        let Some(text) = &self.time_limit else {
            return Ok(None);
        };
        let bad = |why: String| {
            Error::Usage(format!(
                "--time-limit {text}: {why}; expected a positive duration such as 30s, 10m or 2h"
            ))
        };
        let d = parse_duration(text).map_err(|e| bad(e.to_string()))?;
        if d.as_nanos() <= 0 {
            return Err(bad("not positive".into()));
        }
        Ok(Some(Duration::from_nanos(d.as_nanos() as u64)))
    }

    /// `--max-events` parsed (the default when absent).
    pub fn max_events(&self) -> Result<f64, Error> {
        let Some(text) = &self.max_events else {
            return Ok(DEFAULT_MAX_EVENTS);
        };
        count(text, "--max-events", "e.g. 1e12")
    }

    /// `--max-points` parsed (the default when absent).
    pub fn max_points(&self) -> Result<u64, Error> {
        let Some(text) = &self.max_points else {
            return Ok(DEFAULT_MAX_POINTS);
        };
        let n = count(text, "--max-points", "e.g. 50000")?;
        Ok(if n >= u64::MAX as f64 {
            u64::MAX
        } else {
            n as u64
        })
    }

    /// `--max-memory` parsed, in bytes (the default when absent).
    pub fn max_memory(&self) -> Result<f64, Error> {
        let Some(text) = &self.max_memory else {
            return Ok(DEFAULT_MAX_MEMORY);
        };
        parse_size(text).ok_or_else(|| {
            Error::Usage(format!(
                "--max-memory {text}: expected a size such as 500MB, 8GB or 2GiB"
            ))
        })
    }

    /// What a commit does with the result it replaces.
    pub fn replace(&self) -> Replace {
        if self.force {
            Replace::Discard
        } else {
            Replace::KeepPrevious
        }
    }
}

/// A finite count at least 0 (`1e12`, `50_000`).
fn count(text: &str, flag: &str, example: &str) -> Result<f64, Error> {
    let n: f64 = text
        .trim()
        .replace('_', "")
        .parse()
        .map_err(|_| Error::Usage(format!("{flag} {text}: expected a number, {example}")))?;
    if !(n.is_finite() && n >= 0.0) {
        return Err(Error::Usage(format!(
            "{flag} {text}: expected a finite number at least 0, {example}"
        )));
    }
    Ok(n)
}

/// A size in bytes: a number with an optional unit (B, KB, MB, GB, TB, or
/// KiB, MiB, GiB, TiB).
fn parse_size(text: &str) -> Option<f64> {
    const UNITS: [(&str, f64); 13] = [
        ("kib", 1024.0),
        ("mib", 1048576.0),
        ("gib", 1073741824.0),
        ("tib", 1099511627776.0),
        ("kb", 1e3),
        ("mb", 1e6),
        ("gb", 1e9),
        ("tb", 1e12),
        ("k", 1e3),
        ("m", 1e6),
        ("g", 1e9),
        ("t", 1e12),
        ("b", 1.0),
    ];
    let t = text.trim().to_ascii_lowercase();
    let (num, k) = UNITS
        .iter()
        .find_map(|(u, k)| t.strip_suffix(u).map(|n| (n, *k)))
        .unwrap_or((t.as_str(), 1.0));
    let n: f64 = num.trim().parse().ok()?;
    let bytes = n * k;
    (bytes.is_finite() && bytes >= 0.0).then_some(bytes)
}

/// A size for a message: `1.2 GB`.
fn size(bytes: f64) -> String {
    let (v, u) = if bytes >= 1e12 {
        (bytes / 1e12, "TB")
    } else if bytes >= 1e9 {
        (bytes / 1e9, "GB")
    } else if bytes >= 1e6 {
        (bytes / 1e6, "MB")
    } else {
        (bytes / 1e3, "KB")
    };
    format!("{v:.1}{u}")
}

/// Refuses a sweep of more than `--max-points` points (`None`: beyond
/// `u64::MAX`).
pub fn check_points(points: Option<u64>, guards: &Guards) -> Result<(), Error> {
    let max = guards.max_points()?;
    match points {
        Some(n) if n <= max => Ok(()),
        Some(n) => Err(Error::Usage(format!(
            "this sweep has {} points, beyond --max-points {}; sweep fewer values (fewer STEPS, \
             fewer keys), or pass --max-points {n} to run it anyway",
            sci(n as f64),
            fmt_num(max as f64)
        ))),
        None => Err(Error::Usage(format!(
            "this sweep has more than 1.8e19 points (the product of its axes' lengths), beyond \
             --max-points {}; sweep fewer values",
            fmt_num(max as f64)
        ))),
    }
}

/// Refuses a run of `cost` (one replication of each point) times
/// `replications` (this invocation's replications per point; a fraction for
/// a shard that runs part of each) beyond `--max-events` or `--max-memory`,
/// with `threads` replications running at once.
pub fn check_cost(
    cost: &GridCost,
    replications: f64,
    guards: &Guards,
    threads: usize,
) -> Result<(), Error> {
    let max_events = guards.max_events()?;
    let t = &cost.total;
    let events = t.events() * replications;
    let about = if cost.exact { "about" } else { "at most about" };
    if events > max_events {
        let mut parts = vec![format!("{} {}", sci(t.units * replications), t.unit)];
        if t.polls > 0.0 {
            parts.push(format!("{} polls", sci(t.polls * replications)));
        }
        if t.clock_steps > 0.0 {
            parts.push(format!("{} clock steps", sci(t.clock_steps * replications)));
        }
        return Err(Error::Usage(format!(
            "this run would simulate {about} {} events ({}; {} point(s), {} replication(s) each), \
             beyond --max-events {}; lower the replications, horizon or sweep (or lengthen \
             poll and sync intervals), or pass --max-events {} to run it anyway",
            sci(events),
            parts.join(", "),
            fmt_num(cost.points as f64),
            fmt_num(replications.ceil()),
            sci(max_events),
            sci((events * 1.01).ceil())
        )));
    }
    let max_memory = guards.max_memory()?;
    let at_once = (threads.max(1) as f64).min(replications.ceil().max(1.0));
    let memory = cost.peak_held_bytes * at_once;
    if memory > max_memory {
        return Err(Error::Usage(format!(
            "this run would hold {about} {} in memory at once ({} record(s) per replication, \
             {} replication(s) at a time: records not yet moved, or the largest terminal-day), \
             beyond --max-memory {}; shorten the grace or poll interval, lower the rate or \
             --threads, or pass --max-memory {} to run it anyway",
            size(memory),
            sci(t.held),
            fmt_num(at_once),
            size(max_memory),
            size((memory * 1.01).ceil())
        )));
    }
    Ok(())
}

/// A number for a message: plain below a million, else `1.23e9`.
pub fn sci(x: f64) -> String {
    if x < 1e6 {
        fmt_num(x.round())
    } else {
        format!("{x:.3e}")
    }
}

/// The error when a time limit ran out before any replication of
/// `scenario` finished.
pub fn nothing_finished(limit: &TimeLimit, scenario: &str) -> Error {
    Error::Incomplete(format!(
        "the time limit ({}) was reached before any replication of {scenario} finished: \
         nothing written; raise --time-limit, or lower the horizon",
        limit.describe()
    ))
}

/// Prepares the result folder `target` (see [`ResultDir::prepare`]).
pub fn result_dir(target: std::path::PathBuf, guards: &Guards) -> Result<ResultDir, Error> {
    Ok(ResultDir::prepare(target, guards.replace())?)
}

/// Prints where the replaced result went (on standard error) unless `quiet`.
pub fn announce(c: &Committed, quiet: bool) {
    if let Some(prev) = &c.previous
        && !quiet
    {
        eprintln!(
            "note: the earlier result in {} is kept as {} (--force replaces it without a copy)",
            c.dir.display(),
            prev.display()
        );
    }
}

/// A timer that sets a stop flag after a time limit; dropping it ends the
/// timer thread.
pub struct TimeLimit {
    flag: Arc<AtomicBool>,
    limit: Duration,
    _done: Sender<()>,
}

impl TimeLimit {
    /// Starts the timer.
    pub fn start(limit: Duration) -> Self {
        let flag = Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::channel::<()>();
        let f = flag.clone();
        std::thread::spawn(move || {
            if let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
                f.store(true, Ordering::Relaxed);
            }
        });
        TimeLimit {
            flag,
            limit,
            _done: tx,
        }
    }
    /// The flag the run watches.
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.flag.clone()
    }
    /// True once the limit was reached.
    pub fn reached(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }
    /// The limit as the user wrote it would read (`1s`, `2m 30s`...).
    pub fn describe(&self) -> String {
        humantime(self.limit)
    }
}

fn humantime(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) || ms < 1000 {
        return format!("{:.3}s", d.as_secs_f64());
    }
    let s = ms / 1000;
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h}h"));
    }
    if m > 0 {
        parts.push(format!("{m}m"));
    }
    if s > 0 {
        parts.push(format!("{s}s"));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse_and_bad_ones_are_refused() {
        let g = |t: Option<&str>, m: Option<&str>| Guards {
            time_limit: t.map(String::from),
            max_events: m.map(String::from),
            ..Guards::default()
        };
        assert_eq!(
            g(Some("1.5s"), None).time_limit().unwrap(),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(g(None, Some("1e12")).max_events().unwrap(), 1e12);
        assert_eq!(g(None, None).max_events().unwrap(), DEFAULT_MAX_EVENTS);
        for bad in ["0s", "-1s", "soon"] {
            assert!(g(Some(bad), None).time_limit().is_err(), "{bad}");
        }
        for bad in ["lots", "-5", "inf", "NaN"] {
            assert!(g(None, Some(bad)).max_events().is_err(), "{bad}");
        }
        assert_eq!(humantime(Duration::from_secs(3725)), "1h 2m 5s");
        assert_eq!(humantime(Duration::from_millis(1500)), "1.500s");
    }

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("500MB"), Some(5e8));
        assert_eq!(parse_size("2GiB"), Some(2.0 * 1024.0 * 1024.0 * 1024.0));
        assert_eq!(parse_size("1e9"), Some(1e9));
        assert_eq!(parse_size("1.5 gb"), Some(1.5e9));
        for bad in ["lots", "-1GB", "5 parsecs", "inf"] {
            assert_eq!(parse_size(bad), None, "{bad}");
        }
        assert_eq!(size(2.5e9), "2.5GB");
    }
}
