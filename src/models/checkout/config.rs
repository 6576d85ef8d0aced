//! The validated checkout configuration ([`CheckoutConfig`]), built from
//! the raw sections ([`super::raw`]) against the scenario's hosts and
//! horizon, and the arrival trace reader. A request log is read in
//! [`super::log`].

use std::path::Path;
use std::sync::Arc;

use super::log::RequestLog;
use super::raw::{RawArrivals, RawCheckout, RawTransfer, TimestampFormat};
use crate::clock::ClockSpec;
use crate::dist::DurationDist;
use crate::field::FieldError;
use crate::time::{MAX_HORIZON, MIN_PERIOD, SimDuration, SimTime};
use crate::units::{DurationValue, parse_rate};

/// How users arrive.
#[derive(Debug, Clone)]
pub enum Arrivals {
    /// Poisson arrivals at an average `rate` per second, optionally shaped by
    /// 24 hourly weights (normalised to mean 1).
    Poisson {
        /// Mean arrivals per second.
        rate: f64,
        /// Relative weight of each hour of the day, mean 1.
        profile: Option<[f64; 24]>,
    },
    /// Replayed arrival times (relative to the first row of the trace).
    Trace {
        /// Sorted arrival times.
        times: Arc<[SimTime]>,
    },
}

/// A validated checkout scenario.
#[derive(Debug, Clone)]
pub struct CheckoutConfig {
    /// Host names, in a fixed order (stamp first).
    pub hosts: Vec<String>,
    /// Their clocks.
    pub clocks: Vec<ClockSpec>,
    /// Index of the stamping host.
    pub stamp: usize,
    /// Index of the transfer host (may equal `stamp`).
    pub transfer: usize,
    /// Arrival process. With a request log ([`super::Checkout::log`]): its
    /// arrival times as replayed without resampling (what the
    /// back-of-envelope reads; replications replay the log).
    pub arrivals: Arrivals,
    /// Arrival to marked paid. Logged: the rows' empirical distribution
    /// (see [`RequestLog::marginal`]), for the back-of-envelope only.
    pub payment_latency: DurationDist,
    /// Marked paid to first read. Logged: as `payment_latency`.
    pub redirect_latency: DurationDist,
    /// Reloads after a failed read.
    pub retries: u32,
    /// Delay before each reload.
    pub retry_delay: DurationDist,
    /// Poll period `P`.
    pub poll_interval: SimDuration,
    /// Per-poll jitter.
    pub poll_jitter: DurationDist,
    /// Grace period `g`.
    pub grace: SimDuration,
    /// Selection to deletion, per poll.
    pub move_delay: DurationDist,
    /// Records per poll (0 = unlimited).
    pub batch_limit: u32,
    /// Users arriving before this are counted.
    pub horizon: SimDuration,
}

fn latency(
    raw: &Option<toml::Spanned<crate::dist::RawDist<DurationValue>>>,
    default: SimDuration,
    base: &Path,
    what: &str,
) -> Result<DurationDist, FieldError> {
    match raw {
        None => Ok(DurationDist::constant(default)),
        Some(s) => nonneg(s, base, what),
    }
}

fn nonneg(
    s: &toml::Spanned<crate::dist::RawDist<DurationValue>>,
    base: &Path,
    what: &str,
) -> Result<DurationDist, FieldError> {
    let d = s
        .get_ref()
        .build_duration(base)
        .map_err(|e| FieldError::at(s, e.to_string()))?;
    if d.can_be_negative() {
        return Err(FieldError::at(
            s,
            format!(
                "{what} must be non-negative, but this distribution can go below zero; use a lognormal, gamma, exponential or a uniform with low >= 0"
            ),
        ));
    }
    // a latency whose typical value racesim cannot hold would be clamped to
    // 100 years without a word
    let limit = MAX_HORIZON.as_secs_f64();
    let beyond = d.0.survival(limit);
    if beyond.is_nan() || beyond >= 0.5 {
        return Err(FieldError::at(
            s,
            format!(
                "{what}: half of this distribution's values are beyond {MAX_HORIZON} (100 years), \
                 the longest time racesim holds; check its parameters (durations are in seconds, \
                 and a lognormal's mu is the logarithm of its median)"
            ),
        ));
    }
    Ok(d)
}

fn positive(s: &toml::Spanned<DurationValue>, what: &str) -> Result<SimDuration, FieldError> {
    let d = s.get_ref().0;
    if d <= SimDuration::ZERO {
        return Err(FieldError::at(
            s,
            format!("{what} must be a positive duration, got {d}"),
        ));
    }
    Ok(d)
}

/// A period of something that repeats through the run: positive and at
/// least [`MIN_PERIOD`].
fn at_least_min_period(
    s: &toml::Spanned<DurationValue>,
    what: &str,
) -> Result<SimDuration, FieldError> {
    let d = positive(s, what)?;
    if d < MIN_PERIOD {
        return Err(FieldError::at(
            s,
            format!("{what} {d} is too short: at least {MIN_PERIOD}"),
        ));
    }
    Ok(d)
}

impl CheckoutConfig {
    /// Validates the `[checkout]` and `[transfer]` tables against the hosts;
    /// the request log too, if `[checkout.log]` names one.
    pub fn from_raw(
        co: &toml::Spanned<RawCheckout>,
        tr: &toml::Spanned<RawTransfer>,
        hosts: &std::collections::BTreeMap<String, ClockSpec>,
        horizon: SimDuration,
        base: &Path,
    ) -> Result<(Self, Option<RequestLog>), FieldError> {
        let host_index = |name: &toml::Spanned<String>, names: &mut Vec<String>| {
            let n = name.get_ref();
            if !hosts.contains_key(n) {
                let known: Vec<&str> = hosts.keys().map(String::as_str).collect();
                let hint = crate::suggest::hint(n, &known, |known| {
                    if known.is_empty() {
                        format!("; declare it with a [hosts.{n}] table")
                    } else {
                        format!("; the hosts are: {}", known.join(", "))
                    }
                });
                return Err(FieldError::at(name, format!("unknown host `{n}`{hint}")));
            }
            Ok(match names.iter().position(|x| x == n) {
                Some(i) => i,
                None => {
                    names.push(n.clone());
                    names.len() - 1
                }
            })
        };
        let c = co.get_ref();
        let t = tr.get_ref();
        let mut names = Vec::new();
        let stamp = host_index(&c.stamp_host, &mut names)?;
        let transfer = host_index(&t.host, &mut names)?;
        let clocks = names.iter().map(|n| hosts[n].clone()).collect();

        let (arrivals, log) = match (&c.arrivals, &c.log) {
            (Some(a), None) => (arrivals(a, base, horizon)?, None),
            (None, Some(l)) => {
                let log = RequestLog::from_raw(l, base, horizon)?;
                (Arrivals::Trace { times: log.times() }, Some(log))
            }
            (Some(a), Some(_)) => {
                return Err(FieldError::at(
                    a,
                    "give either `arrivals` or a request log [checkout.log], not both: the log's rows are the arrivals",
                ));
            }
            (None, None) => {
                return Err(FieldError::key(
                    "checkout.arrivals",
                    "[checkout] needs `arrivals` (e.g. arrivals = { rate = \"120/h\" }) or a request log [checkout.log] (e.g. file = \"requests.csv\")",
                ));
            }
        };
        // a latency the log gives is not also a distribution
        let logged = |key: &Option<toml::Spanned<crate::dist::RawDist<DurationValue>>>,
                      from_log: bool,
                      what: &str|
         -> Result<(), FieldError> {
            match key {
                Some(k) if from_log => Err(FieldError::at(
                    k,
                    format!(
                        "{what} comes from the request log ([checkout.log.columns] names its column); remove this key or that column"
                    ),
                )),
                _ => Ok(()),
            }
        };
        let payment_latency = match &log {
            Some(l) if l.payment => {
                logged(&c.payment_latency, true, "payment_latency")?;
                l.marginal(|r| r.payment)
            }
            _ => latency(
                &c.payment_latency,
                SimDuration::ZERO,
                base,
                "payment_latency",
            )?,
        };
        let redirect_latency = match (&log, &c.redirect_latency) {
            (Some(l), _) if l.redirect => {
                logged(&c.redirect_latency, true, "redirect_latency")?;
                l.marginal(|r| r.redirect)
            }
            (_, Some(r)) => nonneg(r, base, "redirect_latency")?,
            (_, None) => {
                return Err(FieldError::key(
                    "checkout.redirect_latency",
                    "missing field `redirect_latency`: the page load, a duration distribution (e.g. { lognormal = { median = \"1s\", p99 = \"5s\" } }) or a column of the request log ([checkout.log.columns] redirect_latency = \"...\")",
                ));
            }
        };
        let retries = match &c.retries {
            None => 0,
            Some(r) if (0..=1000).contains(r.get_ref()) => *r.get_ref() as u32,
            Some(r) => {
                return Err(FieldError::at(
                    r,
                    "retries must be an integer from 0 to 1000",
                ));
            }
        };
        let batch_limit = match &t.batch_limit {
            None => 0,
            Some(b) if (0..=u32::MAX as i64).contains(b.get_ref()) => *b.get_ref() as u32,
            Some(b) => {
                return Err(FieldError::at(
                    b,
                    "batch_limit must be an integer >= 0 (0 = no limit)",
                ));
            }
        };
        let poll_jitter = match &t.poll_jitter {
            None => DurationDist::constant(SimDuration::ZERO),
            Some(s) => s
                .get_ref()
                .build_duration(base)
                .map_err(|e| FieldError::at(s, e.to_string()))?,
        };
        let grace = t.grace.get_ref().0;
        if grace.is_negative() {
            return Err(FieldError::at(&t.grace, "grace must be a duration >= 0"));
        }
        let config = CheckoutConfig {
            hosts: names,
            clocks,
            stamp,
            transfer,
            arrivals,
            payment_latency,
            redirect_latency,
            retries,
            retry_delay: latency(
                &c.retry_delay,
                SimDuration::from_secs(2),
                base,
                "retry_delay",
            )?,
            poll_interval: at_least_min_period(&t.poll_interval, "poll_interval")?,
            poll_jitter,
            grace,
            move_delay: latency(&t.move_delay, SimDuration::ZERO, base, "move_delay")?,
            batch_limit,
            horizon,
        };
        Ok((config, log))
    }

    /// Why the conditional estimator cannot be used, if it cannot.
    pub fn conditional_unsupported(&self) -> Option<&'static str> {
        if self.poll_jitter.as_constant() != Some(SimDuration::ZERO) {
            Some("the conditional estimator needs periodic polls: set poll_jitter to \"0s\"")
        } else if self.batch_limit != 0 {
            Some("the conditional estimator needs batch_limit = 0 (no limit)")
        } else {
            None
        }
    }
}

pub(crate) fn arrivals(
    raw: &toml::Spanned<RawArrivals>,
    base: &Path,
    horizon: SimDuration,
) -> Result<Arrivals, FieldError> {
    let a = raw.get_ref();
    match (&a.rate, &a.trace) {
        (Some(rate), None) => {
            if a.column.is_some() || a.format.is_some() {
                return Err(FieldError::at(
                    raw,
                    "`column` and `format` go with `trace`, not with `rate`",
                ));
            }
            let r = parse_rate(rate.get_ref()).map_err(|m| FieldError::at(rate, m))?;
            let profile = match &a.profile {
                None => None,
                Some(p) => {
                    let w = p.get_ref();
                    if w.len() != 24 {
                        return Err(FieldError::at(
                            p,
                            format!("profile needs 24 weights (one per hour), got {}", w.len()),
                        ));
                    }
                    if w.iter().any(|x| !x.is_finite() || *x < 0.0) || w.iter().sum::<f64>() <= 0.0
                    {
                        return Err(FieldError::at(
                            p,
                            "profile weights must be finite, >= 0 and not all zero",
                        ));
                    }
                    let mean = w.iter().sum::<f64>() / 24.0;
                    let mut out = [0.0; 24];
                    for (o, x) in out.iter_mut().zip(w) {
                        *o = x / mean;
                    }
                    Some(out)
                }
            };
            Ok(Arrivals::Poisson { rate: r, profile })
        }
        (None, Some(file)) => {
            if a.profile.is_some() {
                return Err(FieldError::at(
                    raw,
                    "`profile` goes with `rate`, not with `trace`",
                ));
            }
            let column = a
                .column
                .as_ref()
                .map(|c| c.get_ref().as_str())
                .unwrap_or("timestamp");
            let times = read_trace(
                &base.join(file.get_ref()),
                base,
                column,
                a.format.unwrap_or_default(),
            )
            .map_err(|m| FieldError::at(file, m))?;
            let _ = horizon;
            Ok(Arrivals::Trace {
                times: times.into(),
            })
        }
        (Some(_), Some(_)) => Err(FieldError::at(
            raw,
            "give either `rate` or `trace`, not both",
        )),
        (None, None) => Err(FieldError::at(
            raw,
            "arrivals need `rate` (e.g. { rate = \"120/h\" }) or `trace` (e.g. { trace = \"arrivals.csv\", column = \"timestamp\" })",
        )),
    }
}

/// Reads arrival timestamps; times are relative to the earliest row. The
/// file is read as a stream ([`crate::input::Csv`]: a regular file, at most
/// [`crate::input::MAX_DATA_BYTES`] and [`crate::input::MAX_DATA_ROWS`]
/// rows); a file outside the scenario's folder `base` is named in messages,
/// its contents never printed.
pub fn read_trace(
    path: &Path,
    base: &Path,
    column: &str,
    format: TimestampFormat,
) -> Result<Vec<SimTime>, String> {
    use crate::input::{Csv, MAX_DATA_BYTES, MAX_DATA_ROWS, is_inside, shorten};
    let inside = is_inside(path, base);
    let mut csv = Csv::open(path, "the arrival trace", MAX_DATA_BYTES, MAX_DATA_ROWS)?;
    let Some(idx) = csv.header().iter().position(|h| h == column) else {
        if !inside {
            return Err(format!(
                "{}: no column `{column}` in its header row (a file outside the scenario's \
                 folder: its contents are not shown)",
                path.display()
            ));
        }
        let names: Vec<&str> = csv.header().iter().map(String::as_str).collect();
        let hint = crate::suggest::hint(column, &names, |_| String::new());
        return Err(format!(
            "{}: no column `{column}`{hint}; the columns are: {}",
            path.display(),
            names.join(", ")
        ));
    };
    let mut ns: Vec<i128> = Vec::new();
    let mut rec = csv::StringRecord::new();
    while let Some(line) = csv.next_record(&mut rec)? {
        let cell = rec.get(idx).unwrap_or("").trim();
        let parsed = parse_timestamp(cell, format).ok_or_else(|| {
            if inside {
                format!(
                    "{}: line {line}: `{}` is not a timestamp ({})",
                    path.display(),
                    shorten(cell),
                    format_name(format)
                )
            } else {
                format!(
                    "{}: line {line}: not a timestamp ({})",
                    path.display(),
                    format_name(format)
                )
            }
        })?;
        ns.push(parsed);
    }
    if ns.is_empty() {
        return Err(format!("{}: the trace has no rows", path.display()));
    }
    let first = *ns.iter().min().unwrap_or(&0);
    let mut out: Vec<SimTime> = ns
        .iter()
        .map(|t| i64::try_from(t - first).map(SimTime::from_nanos))
        .collect::<Result<_, _>>()
        .map_err(|_| {
            format!(
                "{}: the trace spans more than racesim's time type holds",
                path.display()
            )
        })?;
    out.sort();
    Ok(out)
}

pub(super) fn format_name(f: TimestampFormat) -> &'static str {
    match f {
        TimestampFormat::Auto => "expected epoch seconds or RFC 3339",
        TimestampFormat::EpochSeconds => "expected epoch seconds",
        TimestampFormat::EpochMillis => "expected epoch milliseconds",
        TimestampFormat::Rfc3339 => "expected RFC 3339, like 2024-03-01T08:15:02Z",
    }
}

pub(super) fn parse_timestamp(cell: &str, format: TimestampFormat) -> Option<i128> {
    let num = |scale: f64| -> Option<i128> {
        let v: f64 = cell.parse().ok()?;
        v.is_finite().then(|| (v * scale).round() as i128)
    };
    let rfc = || -> Option<i128> {
        let t = humantime::parse_rfc3339_weak(cell).ok()?;
        let d = t.duration_since(std::time::UNIX_EPOCH).ok()?;
        Some(d.as_nanos() as i128)
    };
    match format {
        TimestampFormat::EpochSeconds => num(1e9),
        TimestampFormat::EpochMillis => num(1e6),
        TimestampFormat::Rfc3339 => rfc(),
        TimestampFormat::Auto => num(1e9).or_else(rfc),
    }
}

/// Expected counted users in one replication.
pub fn expected_users(cfg: &CheckoutConfig) -> f64 {
    match &cfg.arrivals {
        Arrivals::Poisson { rate, profile } => {
            let h = cfg.horizon.as_secs_f64();
            match profile {
                None => rate * h,
                Some(w) => {
                    // integrate the hourly weights over [0, horizon)
                    let full_days = (h / 86_400.0).floor();
                    let mut total = full_days * 86_400.0;
                    let mut rest = h - full_days * 86_400.0;
                    let mut hour = 0;
                    while rest > 0.0 && hour < 24 {
                        let span = rest.min(3600.0);
                        total += span * w[hour];
                        rest -= span;
                        hour += 1;
                    }
                    rate * total
                }
            }
        }
        Arrivals::Trace { times } => {
            let end = SimTime::ZERO + cfg.horizon;
            times.partition_point(|t| *t < end) as f64
        }
    }
}
