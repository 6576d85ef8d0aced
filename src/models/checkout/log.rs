//! A request log replayed row by row (`[checkout.log]`): each row is one
//! request, its arrival time and any of the model's per-request latencies
//! (`payment_latency`, `redirect_latency`) measured together, so a slow
//! payment and a slow redirect of the same browser stay paired.
//!
//! Time zero is `start` (an instant written as the arrival column is), else
//! the log's earliest row. The log *covers* the window it was taken over
//! from time zero: `covers` when the scenario says so; else, for `n` rows
//! whose latest arrives `span` after time zero, `span x (n + 1) / (n - 1)`
//! (without `start`) or `span x (n + 1) / n` (with it), the unbiased
//! estimates of a window's length from the extreme points of `n` points
//! spread uniformly over it (one mean gap added at each open end). It is
//! also the period of a looped log, which keeps the log's mean rate.
//!
//! What a replication replays ([`Resample`]):
//!
//! - `none`: the log as it is, in every replication (only the poll phase,
//!   the clocks and the latencies not in the log vary);
//! - `rows`: as many rows as the log has, drawn uniformly with replacement,
//!   each a whole row (its arrival time and every logged latency), sorted by
//!   time; a row drawn twice arrives twice at its time. Everything a row
//!   holds stays together, including the time of day of its latencies;
//! - `days`: the horizon's days, each a whole day of the log (24 h from the
//!   earliest row, the `k`-th day `[k d, (k + 1) d)`) drawn uniformly with
//!   replacement with every row of that day; rows after the last whole day
//!   are left out (with a note).
//!
//! A log that covers less than the horizon ([`ShortLog`], for `none` and
//! `rows`; `days` fills the horizon by construction) is refused, looped end
//! to end (copy `k` shifted by `k` coverages) or scaled (every arrival time
//! multiplied by horizon / coverage, which divides the arrival rate by that
//! factor and keeps the latencies).
//!
//! The draws come from the replication's own stream `log_resample`, so a
//! replication's rows depend on the seed and its index only.

use std::path::Path;
use std::sync::Arc;

use rand::RngExt;

use super::raw::{LatencyUnit, RawLog, Resample, ShortLog, TimestampFormat};
use super::streams as stream;
use crate::dist::{Dist, DurationDist};
use crate::engine::{SimRng, Streams};
use crate::field::FieldError;
use crate::input::{Csv, MAX_DATA_BYTES, MAX_DATA_ROWS, is_inside, shorten};
use crate::time::{MAX_HORIZON, SimDuration, SimTime};

/// One day, the unit `resample = "days"` draws.
const DAY: SimDuration = SimDuration::from_hours(24);

/// One request of the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogRow {
    /// Arrival, relative to the earliest row (after loop or scale).
    pub at: SimTime,
    /// Logged payment latency (zero when the log has none).
    pub payment: SimDuration,
    /// Logged redirect latency (zero when the log has none).
    pub redirect: SimDuration,
    /// The row's line in the file (the header is line 1).
    pub line: u64,
}

/// A validated request log.
#[derive(Debug, Clone)]
pub struct RequestLog {
    /// The file as the scenario names it.
    pub file: String,
    /// How replications draw from it.
    pub resample: Resample,
    /// The log gives `payment_latency`.
    pub payment: bool,
    /// The log gives `redirect_latency`.
    pub redirect: bool,
    /// The rows replayed, in time order (then line): for `none` and `rows`
    /// after loop or scale; for `days` the whole days of the log.
    pub rows: Arc<[LogRow]>,
    /// For `days`: where each whole day starts in `rows`, and the end
    /// (`days + 1` entries). Empty otherwise.
    pub day_starts: Arc<[usize]>,
    /// What the log covers (see the module).
    pub coverage: SimDuration,
    /// What a reader of the results should know (a loop, a scale, rows left
    /// out).
    pub notes: Vec<String>,
    horizon: SimDuration,
}

/// The rows of one replication, in time order, one at a time
/// ([`Replay::next`]): no replication copies the log.
#[derive(Debug)]
pub(super) struct Replay {
    rows: Arc<[LogRow]>,
    how: Drawn,
    /// The next position (in `rows`, in the drawn indexes, or in the day).
    pos: usize,
}

/// How a replication's rows are drawn.
#[derive(Debug)]
enum Drawn {
    /// The log's rows themselves.
    All,
    /// These rows, by index, sorted (the rows are in time order: so are
    /// their indexes).
    Rows(Vec<u32>),
    /// Whole days, drawn as the replay reaches them.
    Days {
        rng: SimRng,
        starts: Arc<[usize]>,
        /// The simulated day being replayed and the log day drawn for it.
        day: i64,
        drawn: usize,
        end: SimTime,
    },
}

impl Replay {
    /// The next row, if any is left before the horizon (`none` and `rows`
    /// give every row; the caller stops at the horizon).
    #[inline]
    pub(super) fn next(&mut self) -> Option<LogRow> {
        match &mut self.how {
            Drawn::All => {
                let r = *self.rows.get(self.pos)?;
                self.pos += 1;
                Some(r)
            }
            Drawn::Rows(idx) => {
                let i = *idx.get(self.pos)?;
                self.pos += 1;
                Some(self.rows[i as usize])
            }
            Drawn::Days {
                rng,
                starts,
                day,
                drawn,
                end,
            } => loop {
                let at = starts[*drawn] + self.pos;
                if at < starts[*drawn + 1] {
                    self.pos += 1;
                    let r = self.rows[at];
                    let shift = DAY.saturating_mul(*day) - DAY.saturating_mul(*drawn as i64);
                    return Some(LogRow {
                        at: r.at + shift,
                        ..r
                    });
                }
                // the next simulated day, if it starts before the horizon
                if SimTime::ZERO + DAY.saturating_mul(*day + 1) >= *end {
                    return None;
                }
                *day += 1;
                *drawn = rng.random_range(0..starts.len() - 1);
                self.pos = 0;
            },
        }
    }
}

/// Which of the log's columns.
#[derive(Debug, Clone, Copy)]
enum Col {
    Arrival,
    Payment,
    Redirect,
}

/// The column names a log is read with.
struct Columns<'a> {
    arrival: &'a str,
    payment: Option<&'a str>,
    redirect: Option<&'a str>,
}

impl RequestLog {
    /// Reads and validates `[checkout.log]` against the horizon.
    pub fn from_raw(
        raw: &toml::Spanned<RawLog>,
        base: &Path,
        horizon: SimDuration,
    ) -> Result<Self, FieldError> {
        let l = raw.get_ref();
        let cols = l.columns.as_ref().map(|c| c.get_ref());
        fn name(c: Option<&toml::Spanned<String>>) -> Option<&str> {
            c.map(|s| s.get_ref().as_str())
        }
        let columns = Columns {
            arrival: name(cols.and_then(|c| c.arrival.as_ref())).unwrap_or("timestamp"),
            payment: name(cols.and_then(|c| c.payment_latency.as_ref())),
            redirect: name(cols.and_then(|c| c.redirect_latency.as_ref())),
        };
        let unit = l.unit.as_ref().map(|u| *u.get_ref());
        let resample = l
            .resample
            .as_ref()
            .map(|r| *r.get_ref())
            .unwrap_or_default();
        if resample == Resample::Days
            && let Some(s) = &l.short_log
        {
            return Err(FieldError::at(
                s,
                "short_log does not apply to resample = \"days\", which fills the horizon with whole days drawn from the log; remove it",
            ));
        }
        let short = l
            .short_log
            .as_ref()
            .map(|s| *s.get_ref())
            .unwrap_or_default();
        let file = l.file.get_ref();
        let format = l.format.unwrap_or_default();
        let origin = match &l.start {
            None => None,
            Some(s) => Some(
                super::config::parse_timestamp(s.get_ref().trim(), format).ok_or_else(|| {
                    FieldError::at(
                        s,
                        format!(
                            "start: not a timestamp ({}), written as the log's arrival column",
                            super::config::format_name(format)
                        ),
                    )
                })?,
            ),
        };
        let rows = read_log(&base.join(file), base, &columns, format, unit, origin).map_err(
            |(col, m)| {
                // a missing column is the fault of the key that names it
                let key = match col {
                    Some(Col::Arrival) => cols.and_then(|c| c.arrival.as_ref()),
                    Some(Col::Payment) => cols.and_then(|c| c.payment_latency.as_ref()),
                    Some(Col::Redirect) => cols.and_then(|c| c.redirect_latency.as_ref()),
                    None => None,
                };
                match key {
                    Some(k) => FieldError::at(k, m),
                    None => FieldError::at(&l.file, m),
                }
            },
        )?;
        let n = rows.len() as i128;
        let span = rows.last().map_or(0, |r| r.at.as_nanos()) as i128;
        if span == 0 || (n < 2 && origin.is_none()) {
            return Err(FieldError::at(
                &l.file,
                format!(
                    "{file}: all {n} row(s) arrive at the same instant{}, so the log covers no \
                     time; a log needs rows at two different times or more",
                    if origin.is_some() { " as `start`" } else { "" }
                ),
            ));
        }
        // the unbiased window lengths (see the module)
        let (num, den) = if origin.is_some() {
            (n + 1, n)
        } else {
            (n + 1, n - 1)
        };
        let coverage = match &l.covers {
            None => SimDuration::from_nanos(
                i64::try_from(span * num / den)
                    .unwrap_or(MAX_HORIZON.as_nanos())
                    .min(MAX_HORIZON.as_nanos()),
            ),
            Some(c) => {
                let d = c.get_ref().0;
                if (d.as_nanos() as i128) <= span {
                    return Err(FieldError::at(
                        c,
                        format!(
                            "covers = {d}, but {file}'s latest row arrives {} after time zero \
                             (`start`, else its earliest row): the window the log covers is \
                             longer than that",
                            SimDuration::from_nanos(span as i64)
                        ),
                    ));
                }
                d
            }
        };
        let how = if l.covers.is_some() {
            "as `covers` says".to_string()
        } else {
            format!(
                "its {n} rows span {}{}, plus one mean gap at each open end",
                SimDuration::from_nanos(span as i64),
                if origin.is_some() {
                    " from `start`"
                } else {
                    ""
                }
            )
        };
        let mut log = RequestLog {
            file: file.clone(),
            resample,
            payment: columns.payment.is_some(),
            redirect: columns.redirect.is_some(),
            rows: Arc::from(Vec::new()),
            day_starts: Arc::from(Vec::new()),
            coverage,
            notes: Vec::new(),
            horizon,
        };
        if resample == Resample::Days {
            let whole = coverage.as_nanos() / DAY.as_nanos();
            if whole == 0 {
                return Err(FieldError {
                    span: Some(l.resample.as_ref().map_or(raw.span(), |r| r.span())),
                    key: None,
                    message: format!(
                        "resample = \"days\" draws whole days of the log, but {file} covers {coverage} \
                         ({how}), less than one day; use resample = \"rows\" or \"none\""
                    ),
                });
            }
            let end = SimTime::ZERO + DAY.saturating_mul(whole);
            let kept = rows.partition_point(|r| r.at < end);
            if kept < rows.len() {
                log.notes.push(format!(
                    "{file}: its last {} ({} row(s)) after {whole} whole day(s) are left out: \
                     resample = \"days\" draws whole days",
                    coverage - DAY.saturating_mul(whole),
                    rows.len() - kept
                ));
            }
            log.day_starts = (0..=whole)
                .map(|k| rows.partition_point(|r| r.at < SimTime::ZERO + DAY.saturating_mul(k)))
                .collect();
            log.rows = Arc::from(&rows[..kept]);
            return Ok(log);
        }
        if coverage >= horizon {
            log.rows = rows.into();
            return Ok(log);
        }
        let options = "set short_log = \"loop\" to replay it end to end, \"scale\" to stretch its \
                       arrival times over the horizon, or shorten the horizon (or, if the log \
                       covers more than its rows show, say how long with `covers`)";
        let at = l.short_log.as_ref().map_or(l.file.span(), |s| s.span());
        match short {
            ShortLog::Refuse => Err(FieldError::at(
                &l.file,
                format!(
                    "{file} covers {coverage} ({how}), less than the horizon {horizon}: replayed \
                     as it is, the last {} would have no users; {options}",
                    horizon - coverage
                ),
            )),
            ShortLog::Loop => {
                let (h, c) = (horizon.as_nanos() as i128, coverage.as_nanos() as i128);
                let copies = (h + c - 1) / c;
                let total = copies * n;
                if total > MAX_DATA_ROWS as i128 {
                    return Err(FieldError {
                        span: Some(at),
                        key: None,
                        message: format!(
                            "looping {file} ({coverage}) over the horizon {horizon} takes {copies} \
                             copies, {total} rows, more than the {MAX_DATA_ROWS} racesim holds; \
                             use short_log = \"scale\" or a longer log"
                        ),
                    });
                }
                let end = SimTime::ZERO + horizon;
                let mut out = Vec::with_capacity(total as usize);
                for k in 0..copies as i64 {
                    let shift = coverage.saturating_mul(k);
                    out.extend(
                        rows.iter()
                            .map(|r| LogRow {
                                at: r.at + shift,
                                ..*r
                            })
                            .take_while(|r| r.at < end),
                    );
                }
                log.notes.push(format!(
                    "{file} covers {coverage} of the horizon {horizon}: short_log = \"loop\" replays \
                     it {copies} times end to end (the last copy cut at the horizon), so the same \
                     requests come back"
                ));
                log.rows = out.into();
                Ok(log)
            }
            ShortLog::Scale => {
                let (h, c) = (horizon.as_nanos() as i128, coverage.as_nanos() as i128);
                let out: Vec<LogRow> = rows
                    .iter()
                    .map(|r| LogRow {
                        at: SimTime::from_nanos((r.at.as_nanos() as i128 * h / c) as i64),
                        ..*r
                    })
                    .collect();
                log.notes.push(format!(
                    "{file} covers {coverage} of the horizon {horizon}: short_log = \"scale\" \
                     stretches its arrival times by {:.4}, so users arrive {:.4} times as often \
                     as in the log (latencies unchanged)",
                    h as f64 / c as f64,
                    c as f64 / h as f64
                ));
                log.rows = out.into();
                Ok(log)
            }
        }
    }

    /// The rows replication `streams` replays (see the module).
    pub(super) fn replay(&self, streams: &Streams) -> Replay {
        let how = match self.resample {
            Resample::None => Drawn::All,
            Resample::Rows => {
                let mut rng = streams.stream(stream::LOG_RESAMPLE);
                // at most MAX_DATA_ROWS rows: an index fits in 32 bits
                let m = self.rows.len() as u32;
                let mut drawn: Vec<u32> = (0..m).map(|_| rng.random_range(0..m)).collect();
                drawn.sort_unstable();
                Drawn::Rows(drawn)
            }
            Resample::Days => {
                let mut rng = streams.stream(stream::LOG_RESAMPLE);
                let drawn = rng.random_range(0..self.day_starts.len() - 1);
                Drawn::Days {
                    rng,
                    starts: self.day_starts.clone(),
                    day: 0,
                    drawn,
                    end: SimTime::ZERO + self.horizon,
                }
            }
        };
        Replay {
            rows: self.rows.clone(),
            how,
            pos: 0,
        }
    }

    /// Each row's expected number of replays within the horizon per
    /// replication (`none` and `rows`: 1 before the horizon, else 0; `days`:
    /// the horizon's days in which its time of day falls, over the log's
    /// days).
    fn weights(&self) -> Vec<f64> {
        let end = SimTime::ZERO + self.horizon;
        if self.resample != Resample::Days {
            return self
                .rows
                .iter()
                .map(|r| if r.at < end { 1.0 } else { 0.0 })
                .collect();
        }
        let whole = (self.day_starts.len() - 1) as f64;
        let full = self.horizon.as_nanos() / DAY.as_nanos();
        let rest = self.horizon.as_nanos() - full * DAY.as_nanos();
        self.rows
            .iter()
            .map(|r| {
                let in_day = r.at.as_nanos() % DAY.as_nanos();
                (full + i64::from(in_day < rest)) as f64 / whole
            })
            .collect()
    }

    /// The expected users of one replication: the rows before the horizon
    /// (`none`, and `rows` in expectation), or for `days` each row weighted
    /// by how many of the horizon's days its time of day falls in, over the
    /// log's days.
    pub fn expected_users(&self) -> f64 {
        self.weights().iter().sum()
    }

    /// What the back-of-envelope says of the log.
    pub fn envelope_note(&self) -> String {
        let file = &self.file;
        let what = match self.resample {
            Resample::None => "replayed as it is",
            Resample::Rows => "its rows drawn with replacement",
            Resample::Days => "its whole days drawn with replacement",
        };
        if self.redirect {
            format!(
                "request log {file} ({what}): L is the empirical law of its {} logged redirect \
                 latencies, each row weighted by its expected replays within the horizon; a \
                 request's chance of an error page depends only on its own L (its payment \
                 latency moves it in time only), so with a constant skew the figure is exact in \
                 expectation over the poll phase; with a drifting skew the horizon is weighted \
                 evenly, not by the log's arrivals",
                self.rows.len()
            )
        } else {
            format!(
                "request log {file} ({what}): users counted from its rows; L is the \
                 redirect_latency distribution"
            )
        }
    }

    /// The arrival times replayed without resampling.
    pub fn times(&self) -> Arc<[SimTime]> {
        self.rows.iter().map(|r| r.at).collect()
    }

    /// The distribution of a logged latency over the requests of a
    /// replication: each row's value with its expected replays in the
    /// horizon as weight (the empirical joint law's marginal, which is what
    /// the back-of-envelope needs). All rows when none is in the horizon.
    pub fn marginal(&self, pick: impl Fn(&LogRow) -> SimDuration) -> DurationDist {
        let w = self.weights();
        let total: f64 = w.iter().sum();
        let entries: Vec<(f64, f64)> = self
            .rows
            .iter()
            .zip(&w)
            .map(|(r, &w)| (pick(r).as_secs_f64(), if total > 0.0 { w } else { 1.0 }))
            .collect();
        let dist = if entries.iter().all(|e| e.1 == entries[0].1) {
            Dist::empirical(entries.into_iter().map(|e| e.0).collect())
        } else {
            Dist::choice(entries)
        };
        // the values are finite and the weights not all zero
        DurationDist(dist.unwrap_or_else(|_| Dist::Constant(0.0)))
    }
}

/// Reads the rows of a request log: each row's arrival (relative to
/// `origin`, else the earliest) and logged latencies, in time order (then line). The file is
/// read as a stream ([`Csv`]: a regular file of at most [`MAX_DATA_BYTES`]
/// and [`MAX_DATA_ROWS`] rows); a file outside the scenario's folder `base`
/// is named in messages, its contents never printed.
fn read_log(
    path: &Path,
    base: &Path,
    columns: &Columns<'_>,
    format: TimestampFormat,
    unit: Option<LatencyUnit>,
    origin: Option<i128>,
) -> Result<Vec<LogRow>, (Option<Col>, String)> {
    let inside = is_inside(path, base);
    let mut csv =
        Csv::open(path, "the request log", MAX_DATA_BYTES, MAX_DATA_ROWS).map_err(|m| (None, m))?;
    let index = |column: &str, col: Col| -> Result<usize, (Option<Col>, String)> {
        if let Some(i) = csv.header().iter().position(|h| h == column) {
            return Ok(i);
        }
        let missing = |m: String| (Some(col), m);
        if !inside {
            return Err(missing(format!(
                "{}: no column `{column}` in its header row (a file outside the scenario's \
                 folder: its contents are not shown)",
                path.display()
            )));
        }
        let names: Vec<&str> = csv.header().iter().map(String::as_str).collect();
        let hint = crate::suggest::hint(column, &names, |_| String::new());
        Err(missing(format!(
            "{}: no column `{column}`{hint}; the columns are: {}",
            path.display(),
            names.join(", ")
        )))
    };
    let arrival = index(columns.arrival, Col::Arrival)?;
    let payment = columns
        .payment
        .map(|c| index(c, Col::Payment).map(|i| (c, i)))
        .transpose()?;
    let redirect = columns
        .redirect
        .map(|c| index(c, Col::Redirect).map(|i| (c, i)))
        .transpose()?;
    read_rows(
        &mut csv,
        path,
        inside,
        (columns.arrival, arrival),
        payment,
        redirect,
        format,
        unit,
        origin,
    )
    .map_err(|m| (None, m))
}

/// The rows of a log whose columns are found (see [`read_log`]).
#[allow(clippy::too_many_arguments)]
fn read_rows(
    csv: &mut Csv<std::fs::File>,
    path: &Path,
    inside: bool,
    (arrival_name, arrival): (&str, usize),
    payment: Option<(&str, usize)>,
    redirect: Option<(&str, usize)>,
    format: TimestampFormat,
    unit: Option<LatencyUnit>,
    origin: Option<i128>,
) -> Result<Vec<LogRow>, String> {
    let latency = |rec: &csv::StringRecord, line: u64, col: Option<(&str, usize)>| {
        let Some((name, i)) = col else {
            return Ok(SimDuration::ZERO);
        };
        let cell = rec.get(i).unwrap_or("").trim();
        let shown = if inside {
            format!("`{}` ", shorten(cell))
        } else {
            String::new()
        };
        let what = unit.map_or("a duration such as 250ms", |u| u.words());
        let ns = match unit {
            Some(u) => {
                let v: f64 = cell.parse().map_err(|_| {
                    format!(
                        "{}: line {line}, column `{name}`: {shown}is not a number of {what}",
                        path.display()
                    )
                })?;
                v * u.nanos()
            }
            None => {
                if cell.parse::<f64>().is_ok() && cell != "0" {
                    return Err(format!(
                        "{}: line {line}, column `{name}`: {shown}is a bare number without a \
                         unit: give the log a unit (e.g. unit = \"ms\") or write durations \
                         such as 250ms",
                        path.display()
                    ));
                }
                crate::time::parse_duration(cell)
                    .map_err(|e| {
                        format!(
                            "{}: line {line}, column `{name}`: {shown}is not {what}: {e}",
                            path.display()
                        )
                    })?
                    .as_nanos() as f64
            }
        };
        if !ns.is_finite() || ns < 0.0 {
            return Err(format!(
                "{}: line {line}, column `{name}`: {shown}is not a latency: a latency is \
                 finite and >= 0",
                path.display()
            ));
        }
        if ns >= MAX_HORIZON.as_nanos() as f64 {
            return Err(format!(
                "{}: line {line}, column `{name}`: {shown}is beyond {MAX_HORIZON} (100 years), \
                 the longest time racesim holds; check the unit",
                path.display()
            ));
        }
        Ok(SimDuration::from_nanos(ns.round() as i64))
    };
    let mut raw: Vec<(i128, SimDuration, SimDuration, u64)> = Vec::new();
    let mut rec = csv::StringRecord::new();
    while let Some(line) = csv.next_record(&mut rec)? {
        let cell = rec.get(arrival).unwrap_or("").trim();
        let t = super::config::parse_timestamp(cell, format).ok_or_else(|| {
            let shown = if inside {
                format!("`{}` ", shorten(cell))
            } else {
                String::new()
            };
            format!(
                "{}: line {line}, column `{}`: {shown}is not a timestamp ({})",
                path.display(),
                arrival_name,
                super::config::format_name(format)
            )
        })?;
        raw.push((
            t,
            latency(&rec, line, payment)?,
            latency(&rec, line, redirect)?,
            line,
        ));
    }
    if raw.is_empty() {
        return Err(format!(
            "{}: the request log has no rows under its header",
            path.display()
        ));
    }
    let first = origin.unwrap_or_else(|| raw.iter().map(|r| r.0).min().unwrap_or(0));
    if let Some(&(_, _, _, line)) = raw.iter().find(|r| r.0 < first) {
        return Err(format!(
            "{}: line {line}: this row arrives before `start`",
            path.display()
        ));
    }
    let mut rows: Vec<LogRow> = raw
        .into_iter()
        .map(|(t, payment, redirect, line)| {
            i64::try_from(t - first)
                .ok()
                .filter(|ns| *ns <= MAX_HORIZON.as_nanos())
                .map(|ns| LogRow {
                    at: SimTime::from_nanos(ns),
                    payment,
                    redirect,
                    line,
                })
                .ok_or_else(|| {
                    format!(
                        "{}: line {line}: the log spans more than {MAX_HORIZON} (100 years), the \
                         longest time racesim holds",
                        path.display()
                    )
                })
        })
        .collect::<Result<_, _>>()?;
    // stable: rows at the same instant keep the file's order
    rows.sort_by_key(|r| r.at);
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::super::raw::RawLogColumns;
    use super::*;
    use crate::field::accepted_by;

    #[test]
    fn the_key_lists_are_what_serde_accepts() {
        assert_eq!(accepted_by::<RawLog>(|t| t.to_string()), RawLog::KEYS);
        assert_eq!(
            accepted_by::<RawLogColumns>(|t| t.to_string()),
            RawLogColumns::KEYS
        );
    }
}
