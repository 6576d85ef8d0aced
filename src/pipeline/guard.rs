//! Resource guards for the commands that run simulations.
//!
//! Before anything is built, the run is counted from the validated scenario
//! ([`crate::scenario::grid::Grid`], [`crate::model::Work`]) and refused
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
//! `--time-limit D`: a timer thread sets a stop flag after `D`
//! ([`crate::experiment::time_limit`]); no new replication starts, running
//! ones stop at their model's next check (made by work done, at most a few
//! milliseconds apart) and are dropped, and the replications that finished
//! (a prefix, in index order) are written and marked partial (see
//! [`crate::experiment::run_replications`]).
//!
//! Result folders are staged, locked and committed by
//! [`crate::output::ResultDir`]; `--force` replaces a result without keeping
//! the previous one.

use std::time::Duration;

use crate::Error;
use crate::experiment::cost::GridCost;
use crate::experiment::time_limit::TimeLimit;
use crate::fmt::fmt_num;
use crate::output::{Committed, Replace, ResultDir};

/// The default of `--max-events`: 10^11 users, transactions, polls and clock
/// breakpoints (hours of work for the checkout model, over ten minutes for
/// the terminal model, on a laptop).
pub const DEFAULT_MAX_EVENTS: f64 = 1e11;

/// The default of `--max-points`.
pub const DEFAULT_MAX_POINTS: u64 = 10_000;

/// The default of `--max-memory`: 4 GB.
pub const DEFAULT_MAX_MEMORY: f64 = 4e9;

/// The guards' limits, parsed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Guards {
    /// `--time-limit`.
    pub time_limit: Option<Duration>,
    /// `--max-events`.
    pub max_events: f64,
    /// `--max-points`.
    pub max_points: u64,
    /// `--max-memory`, in bytes.
    pub max_memory: f64,
    /// What a commit does with the result it replaces (`--force`).
    pub replace: Replace,
}

impl Default for Guards {
    fn default() -> Self {
        Guards {
            time_limit: None,
            max_events: DEFAULT_MAX_EVENTS,
            max_points: DEFAULT_MAX_POINTS,
            max_memory: DEFAULT_MAX_MEMORY,
            replace: Replace::KeepPrevious,
        }
    }
}

/// Parses `--time-limit`: a positive duration.
pub fn parse_time_limit(text: &str) -> Result<Duration, Error> {
    let bad = |why: String| {
        Error::Usage(format!(
            "--time-limit {text}: {why}; expected a positive duration such as 30s, 10m or 2h"
        ))
    };
    let d = crate::time::parse_duration(text).map_err(|e| bad(e.to_string()))?;
    if d.as_nanos() <= 0 {
        return Err(bad("not positive".into()));
    }
    Ok(Duration::from_nanos(d.as_nanos() as u64))
}

/// Parses `--max-events` or `--max-points` (`flag`): a finite count at
/// least 0 (`1e12`, `50_000`).
pub fn parse_count(text: &str, flag: &str, example: &str) -> Result<f64, Error> {
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

/// Parses `--max-memory`: a size in bytes.
pub fn parse_memory(text: &str) -> Result<f64, Error> {
    parse_size(text).ok_or_else(|| {
        Error::Usage(format!(
            "--max-memory {text}: expected a size such as 500MB, 8GB or 2GiB"
        ))
    })
}

/// A size in bytes: a number with an optional unit (B, KB, MB, GB, TB, or
/// KiB, MiB, GiB, TiB).
pub fn parse_size(text: &str) -> Option<f64> {
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
    let max = guards.max_points;
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
    let max_events = guards.max_events;
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
            flag_value((events * 1.01).ceil())
        )));
    }
    let max_memory = guards.max_memory;
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

/// A number to type after a flag (`--max-events 716833`): no thousands
/// separators, so that it can be copied; `1.23e9` from a million.
fn flag_value(x: f64) -> String {
    if x < 1e6 {
        format!("{}", x.round())
    } else {
        format!("{x:.3e}")
    }
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
    Ok(ResultDir::prepare(target, guards.replace)?)
}

/// Where the replaced result went, as a note for the user (`None` when
/// nothing was replaced, or it was discarded).
pub fn kept_previous(c: &Committed) -> Option<String> {
    c.previous.as_ref().map(|prev| {
        format!(
            "note: the earlier result in {} is kept as {} (--force replaces it without a copy)",
            c.dir.display(),
            prev.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse_and_bad_ones_are_refused() {
        assert_eq!(
            parse_time_limit("1.5s").unwrap(),
            Duration::from_millis(1500)
        );
        assert_eq!(parse_count("1e12", "--max-events", "").unwrap(), 1e12);
        for bad in ["0s", "-1s", "soon"] {
            assert!(parse_time_limit(bad).is_err(), "{bad}");
        }
        for bad in ["lots", "-5", "inf", "NaN"] {
            assert!(parse_count(bad, "--max-events", "").is_err(), "{bad}");
        }
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
