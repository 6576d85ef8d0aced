//! The `checkout` model: the redirect races the transfer poller.
//!
//! A user arrives at `a`, is marked paid at `t_paid = a + payment_latency` and
//! stamped `paid_at = stamp.local(t_paid)`; the confirmation page reads the
//! record at `t_read = t_paid + redirect_latency` (then at each retry). The
//! transfer service polls at `T_k = phase + k P + jitter_k`, computes
//! `cutoff = transfer.local(T_k) - grace` and selects, oldest `paid_at` first,
//! every record marked paid at or before `T_k` with `paid_at <= cutoff`; a
//! selected record is deleted at `T_k + move_delay`. A read fails iff the
//! record was deleted strictly before it.
//!
//! Decisions where the design is silent:
//! - A poll handles its selection after every event already queued for the
//!   same instant (it re-queues itself once), so a record marked paid exactly
//!   at `T_k` is seen by that poll, as "at or before `T_k`" says.
//! - A deletion is permanent, so once the first read fails every retry fails
//!   too: `lost_confirmations` equals `error_pages` under these semantics. The
//!   metric is kept because it is part of the contract.
//! - The margin (deletion minus first read) is recorded for every counted
//!   user whose record was deleted before the run ended; records still on the
//!   front-end when the last counted read is over are not in it.
//! - With poll jitter, a poll never goes before the previous one: a jittered
//!   time earlier than the last poll is moved to it.
//! - Arrival profiles are per hour of true time, hour 0 starting at t = 0.
//!
//! The conditional estimator ([`conditional`]) integrates, for each user, the
//! poll phase, the redirect latency and the move delay exactly, given the
//! payment time and the replication's clock paths.

use std::path::Path;
use std::sync::Arc;

use crate::clock::{Clock, ClockSpec};
use crate::dist::DurationDist;
use crate::engine::{Context, Model, ScheduleError, SimRng, Simulation, Streams};
use crate::field::FieldError;
use crate::models::{EstimateReport, Estimator, MetricDef, MetricKind, RepOutput};
use crate::scenario::raw::{RawArrivals, RawCheckout, RawTransfer, TimestampFormat};
use crate::time::{MAX_HORIZON, MIN_PERIOD, SimDuration, SimTime};
use crate::units::parse_rate;

use rand::RngExt;

pub mod conditional;
pub mod exact;
pub mod importance;
mod single_pass;
mod work;

pub use work::work;

const DAY: SimDuration = SimDuration::from_hours(24);

/// Per-replication columns (raw sums; every metric derives from them).
pub const COLUMNS: &[&str] = &[
    "users",
    "error_pages",
    "error_pages_ideal",
    "lost_confirmations",
    "early_moves",
    "margin_sum_s",
    "margin_count",
];
/// What each of [`COLUMNS`] may hold (checked when `merge` reads rows).
pub const COLUMN_RULES: &[crate::models::ColumnRule] = {
    use crate::models::ColumnRule as R;
    &[
        R::count(),
        R::expected(Some("users")),
        R::expected(Some("users")),
        R::expected(Some("error_pages")),
        R::expected(Some("users")),
        R::sum(),
        R::count_of("users"),
    ]
};
/// What each column of [`COLUMNS_IMPORTANCE`] may hold: the counts of
/// error pages and of margins are sums of likelihood ratios (not whole, and
/// not bounded by the users: one weight may exceed 1).
pub const COLUMN_RULES_IMPORTANCE: &[crate::models::ColumnRule] = {
    use crate::models::ColumnRule as R;
    &[
        R::count(),
        R::amount(),
        R::amount(),
        R::amount(),
        R::expected(Some("users")),
        R::sum(),
        R::amount(),
        R::amount(),
    ]
};

/// What each per-replication column may hold under `estimator`.
pub fn column_rules(estimator: Estimator) -> &'static [crate::models::ColumnRule] {
    match estimator {
        Estimator::Importance => COLUMN_RULES_IMPORTANCE,
        Estimator::Sample | Estimator::Conditional => COLUMN_RULES,
    }
}
const C_USERS: usize = 0;
const C_ERRORS: usize = 1;
const C_ERRORS_IDEAL: usize = 2;
const C_LOST: usize = 3;
const C_EARLY: usize = 4;
const C_MARGIN_SUM: usize = 5;
const C_MARGIN_N: usize = 6;

/// The columns under importance sampling: [`COLUMNS`] and the effective
/// sample size of the weighted error pages.
pub const COLUMNS_IMPORTANCE: &[&str] = &[
    "users",
    "error_pages",
    "error_pages_ideal",
    "lost_confirmations",
    "early_moves",
    "margin_sum_s",
    "margin_count",
    "effective_error_pages",
];
const C_ESS: usize = 7;

/// The per-replication columns for an estimator.
pub fn columns(estimator: Estimator) -> &'static [&'static str] {
    match estimator {
        Estimator::Importance => COLUMNS_IMPORTANCE,
        Estimator::Sample | Estimator::Conditional => COLUMNS,
    }
}

/// Per-day series columns.
pub const DAILY_COLUMNS: &[&str] = &["users", "error_pages"];

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
    /// Arrival process.
    pub arrivals: Arrivals,
    /// Arrival to marked paid.
    pub payment_latency: DurationDist,
    /// Marked paid to first read.
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
    raw: &Option<toml::Spanned<crate::dist::RawDist<crate::units::DurationValue>>>,
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
    s: &toml::Spanned<crate::dist::RawDist<crate::units::DurationValue>>,
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

fn positive(
    s: &toml::Spanned<crate::units::DurationValue>,
    what: &str,
) -> Result<SimDuration, FieldError> {
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
    s: &toml::Spanned<crate::units::DurationValue>,
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
    /// Validates the `[checkout]` and `[transfer]` tables against the hosts.
    pub fn from_raw(
        co: &toml::Spanned<RawCheckout>,
        tr: &toml::Spanned<RawTransfer>,
        hosts: &std::collections::BTreeMap<String, ClockSpec>,
        horizon: SimDuration,
        base: &Path,
    ) -> Result<Self, FieldError> {
        let host_index = |name: &toml::Spanned<String>, names: &mut Vec<String>| {
            let n = name.get_ref();
            if !hosts.contains_key(n) {
                let known: Vec<&str> = hosts.keys().map(String::as_str).collect();
                let hint = match crate::suggest::closest(n, &known) {
                    Some(c) => format!(" (did you mean `{c}`?)"),
                    None if known.is_empty() => {
                        format!("; declare it with a [hosts.{n}] table")
                    }
                    None => format!("; the hosts are: {}", known.join(", ")),
                };
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

        let arrivals = arrivals(&c.arrivals, base, horizon)?;
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
        Ok(CheckoutConfig {
            hosts: names,
            clocks,
            stamp,
            transfer,
            arrivals,
            payment_latency: latency(
                &c.payment_latency,
                SimDuration::ZERO,
                base,
                "payment_latency",
            )?,
            redirect_latency: nonneg(&c.redirect_latency, base, "redirect_latency")?,
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
        })
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

fn arrivals(
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
        let hint = crate::suggest::closest(column, &names)
            .map(|c| format!(" (did you mean `{c}`?)"))
            .unwrap_or_default();
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

fn format_name(f: TimestampFormat) -> &'static str {
    match f {
        TimestampFormat::Auto => "expected epoch seconds or RFC 3339",
        TimestampFormat::EpochSeconds => "expected epoch seconds",
        TimestampFormat::EpochMillis => "expected epoch milliseconds",
        TimestampFormat::Rfc3339 => "expected RFC 3339, like 2024-03-01T08:15:02Z",
    }
}

fn parse_timestamp(cell: &str, format: TimestampFormat) -> Option<i128> {
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

/// Bin edges of the margin histogram, in seconds: 0 and +/- {1, 2, 5} x 10^k
/// from 1 ms to 100000 s. Bin `i` holds values in `[edges[i-1], edges[i])`;
/// bin 0 is below the first edge, the last bin at or above the last.
pub fn margin_edges() -> Vec<f64> {
    let mut pos = Vec::new();
    let mut k = 1e-3;
    while k <= 1e5 * 1.000_001 {
        for m in [1.0, 2.0, 5.0] {
            let v: f64 = m * k;
            if v <= 1e5 * 1.000_001 {
                pos.push((v * 1e6).round() / 1e6);
            }
        }
        k *= 10.0;
    }
    let mut edges: Vec<f64> = pos.iter().rev().map(|v| -v).collect();
    edges.push(0.0);
    edges.extend(pos);
    edges
}

/// The metrics of the checkout model with their back-of-envelope figures
/// (and, under importance sampling, `effective_sample_size`).
pub fn metrics(cfg: &CheckoutConfig, replications: u32, estimator: Estimator) -> Vec<MetricDef> {
    let est = closed_form(cfg);
    // error pages provably impossible, with the real clocks and with ideal ones
    let k = kernel(cfg);
    let impossible = match &est {
        Ok(e) => e.impossible,
        Err(_) => k.impossible_beyond(0.0),
    };
    let impossible_ideal = k.impossible_beyond(cfg.grace.as_secs_f64());
    let users = expected_users(cfg) * replications as f64;
    let (rate, rate0, early) = match &est {
        Ok(e) => (
            Some(e.error_rate),
            Some(e.error_rate_ideal),
            Some(e.early_rate),
        ),
        Err(_) => (None, None, None),
    };
    let m = |name, kind, unit, estimate| MetricDef {
        name,
        kind,
        unit,
        estimate,
        estimate_naive: None,
        impossible: false,
        non_negative: false,
    };
    // a skew that stays at or above zero only brings eligibility forward
    let skew_never_negative = est
        .as_ref()
        .is_ok_and(|e| e.skew0 >= 0.0 && e.skew0 + e.skew_slope * cfg.horizon.as_secs_f64() >= 0.0);
    let errors = |name, kind, estimate| MetricDef {
        impossible,
        ..m(name, kind, "", estimate)
    };
    let mut defs = vec![
        m("users", MetricKind::Count { col: C_USERS }, "", Some(users)),
        errors(
            "error_pages",
            MetricKind::Count { col: C_ERRORS },
            rate.map(|r| r * users),
        ),
        errors(
            "error_page_rate",
            MetricKind::Ratio {
                num: C_ERRORS,
                den: C_USERS,
                scale: 1.0,
                proportion: true,
            },
            rate,
        ),
        MetricDef {
            impossible: impossible && impossible_ideal,
            non_negative: skew_never_negative,
            ..m(
                "skew_error_rate",
                MetricKind::RatioDiff {
                    a: C_ERRORS,
                    b: C_ERRORS_IDEAL,
                    den: C_USERS,
                },
                "",
                rate.zip(rate0).map(|(a, b)| a - b),
            )
        },
        errors(
            "lost_confirmations",
            MetricKind::Count { col: C_LOST },
            rate.map(|r| r * users),
        ),
        m(
            "early_moves",
            MetricKind::Count { col: C_EARLY },
            "",
            early.map(|r| r * users),
        ),
        m(
            "margin",
            MetricKind::Mean {
                sum: C_MARGIN_SUM,
                count: C_MARGIN_N,
            },
            "s",
            None,
        ),
    ];
    if estimator == Estimator::Importance {
        defs.push(m(
            "effective_sample_size",
            MetricKind::Count { col: C_ESS },
            "",
            None,
        ));
    }
    defs
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

/// The closed form's results.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClosedForm {
    /// Expected error-page rate.
    pub error_rate: f64,
    /// The same with ideal clocks.
    pub error_rate_ideal: f64,
    /// Probability that a record is moved before `t_paid + grace`.
    pub early_rate: f64,
    /// Skew at t = 0 (transfer minus stamp), seconds.
    pub skew0: f64,
    /// Skew change per second (drift difference), s/s.
    pub skew_slope: f64,
    /// What was integrated numerically rather than in closed form, if
    /// anything: the move delay (both latencies random), the horizon (a
    /// drifting skew), or both.
    pub quadrature: Option<&'static str>,
    /// True when no error page can happen at all: the redirect latency's
    /// support ends before the shortest wait the skew allows.
    pub impossible: bool,
}

/// The exact back-of-envelope (see [`exact`] and the project's
/// `docs/statistics.md`, "Closed forms in the tail"): with a wait
/// `w = max(0, g - s)` between payment and eligibility,
/// `P(error | w) = E_D[C_L(w + D) - C_L(w + D + P)] / P`, averaged (with
/// drift) over the arrival-weighted horizon by adaptive quadrature. `Err`
/// says why it does not apply.
pub fn closed_form(cfg: &CheckoutConfig) -> Result<ClosedForm, String> {
    let mut skew0 = 0.0;
    let mut slope = 0.0;
    for (i, spec) in cfg.clocks.iter().enumerate() {
        let sign = if i == cfg.transfer && i == cfg.stamp {
            0.0
        } else if i == cfg.transfer {
            1.0
        } else if i == cfg.stamp {
            -1.0
        } else {
            0.0
        };
        if sign == 0.0 {
            continue;
        }
        if spec.sync.is_some() {
            return Err(format!(
                "host `{}` synchronises its clock; the closed form assumes a constant or drifting skew",
                cfg.hosts[i]
            ));
        }
        if spec.wander_ppm != 0.0 {
            return Err(format!("host `{}` has clock wander", cfg.hosts[i]));
        }
        if !spec.steps.is_empty() {
            return Err(format!("host `{}` has scheduled clock steps", cfg.hosts[i]));
        }
        let off = spec.offset.as_constant().ok_or_else(|| {
            format!(
                "host `{}` draws its offset from a distribution",
                cfg.hosts[i]
            )
        })?;
        let drift = spec.drift_ppm.as_constant().ok_or_else(|| {
            format!(
                "host `{}` draws its drift from a distribution",
                cfg.hosts[i]
            )
        })?;
        skew0 += sign * off.as_secs_f64();
        slope += sign * drift * 1e-6;
    }
    if cfg.poll_jitter.as_constant() != Some(SimDuration::ZERO) {
        return Err("polls have jitter; the closed form assumes periodic polls".into());
    }
    if cfg.batch_limit != 0 {
        return Err("a batch limit can delay selection; the closed form assumes none".into());
    }
    let g = cfg.grace.as_secs_f64();
    let k = kernel(cfg);
    let wait = |s: f64| (g - s).max(0.0);
    let (rate, early) = if slope == 0.0 {
        (k.error(wait(skew0)), k.early(wait(skew0)))
    } else {
        // the arrival-weighted average over the horizon, by adaptive
        // quadrature in time: split at every hour (the profile's steps) or
        // into 64 pieces, and where the skew crosses the grace (the kink)
        let h = cfg.horizon.as_secs_f64();
        let profile = match &cfg.arrivals {
            Arrivals::Poisson {
                profile: Some(w), ..
            } => Some(*w),
            _ => None,
        };
        let mut points: Vec<f64> = match profile {
            Some(_) => (0..)
                .map(|i| f64::from(i) * 3600.0)
                .take_while(|t| *t < h)
                .collect(),
            None => (0..64).map(|i| h * f64::from(i) / 64.0).collect(),
        };
        let kink = (g - skew0) / slope;
        if kink > 0.0 && kink < h {
            points.push(kink);
        }
        points.push(h);
        points.sort_by(f64::total_cmp);
        points.dedup();
        let weight = |t: f64| match &profile {
            Some(w) => w[((t / 3600.0) as usize) % 24],
            None => 1.0,
        };
        // the weight is constant on each hour, so every piece holds one
        let integral = |f: &dyn Fn(f64) -> f64| {
            crate::dist::quad::integrate(
                &mut |t| weight(t) * f(wait(skew0 + slope * t)),
                &points,
                1e-10,
                0.0,
            )
            .value
        };
        let total = integral(&|_| 1.0);
        (
            integral(&|w| k.error(w)) / total,
            integral(&|w| k.early(w)) / total,
        )
    };
    let quadrature = match (k.quadrature(), slope != 0.0) {
        (true, true) => Some("the move delay and the horizon"),
        (true, false) => Some("the move delay"),
        (false, true) => Some("the horizon"),
        (false, false) => None,
    };
    // the shortest wait over the horizon
    let min_wait = if slope == 0.0 {
        wait(skew0)
    } else {
        wait(skew0).min(wait(skew0 + slope * cfg.horizon.as_secs_f64()))
    };
    Ok(ClosedForm {
        error_rate: rate,
        error_rate_ideal: k.error(wait(0.0)),
        early_rate: early,
        skew0,
        skew_slope: slope,
        quadrature,
        impossible: k.impossible_beyond(min_wait),
    })
}

/// The error kernel of a configuration.
pub(crate) fn kernel(cfg: &CheckoutConfig) -> exact::Kernel<'_> {
    exact::Kernel::new(
        &cfg.redirect_latency.0,
        &cfg.move_delay.0,
        cfg.poll_interval.as_secs_f64(),
        cfg.grace.as_secs_f64(),
    )
}

/// The back-of-envelope as `racesim estimate` prints it.
pub fn estimate(cfg: &CheckoutConfig) -> EstimateReport {
    let mut r = EstimateReport::default();
    r.notes.push(
        "P(error | wait w) = E_D[C_L(w + D) - C_L(w + D + P)] / P, w = max(0, g - s), C_L(c) = E[(L - c)^+] the stop-loss transform of L (exact in the tail)"
            .into(),
    );
    r.notes.push(format!(
        "g = grace {}, P = poll_interval {}, D = move_delay, L = redirect_latency",
        cfg.grace, cfg.poll_interval
    ));
    match closed_form(cfg) {
        Ok(e) => {
            r.notes.push(format!(
                "s = skew (transfer clock minus stamp clock) = {} at t = 0{}",
                SimDuration::from_secs_f64(e.skew0),
                if e.skew_slope != 0.0 {
                    format!(", changing {:+.3} ppm", e.skew_slope * 1e6)
                } else {
                    String::new()
                }
            ));
            if let Some(what) = e.quadrature {
                r.notes.push(format!(
                    "no closed form over {what}: integrated by adaptive Gauss-Kronrod quadrature (relative error below 1e-10, controlled in the tail)"
                ));
            }
            if e.impossible {
                r.notes.push(
                    "0, impossible under these distributions: the redirect latency never exceeds the shortest wait plus the move delay".into(),
                );
            }
            let users = expected_users(cfg);
            r.figures
                .push(("error_page_rate".into(), e.error_rate, String::new()));
            r.figures.push((
                "skew_error_rate".into(),
                e.error_rate - e.error_rate_ideal,
                String::new(),
            ));
            r.figures
                .push(("users".into(), users, "per replication".into()));
            r.figures.push((
                "error_pages".into(),
                e.error_rate * users,
                "per replication".into(),
            ));
            r.figures.push((
                "early_moves".into(),
                e.early_rate * users,
                "per replication".into(),
            ));
        }
        Err(why) => r.not_applicable = Some(why),
    }
    r
}

/// A record on the front-end, not yet selected.
#[derive(Debug, Clone, Copy)]
struct Pending {
    paid_at: i64,
    seq: u64,
    t_paid: SimTime,
    t_read: SimTime,
    day: u32,
    /// The likelihood ratio of its redirect latency (1 but under importance
    /// sampling).
    weight: f64,
}

impl single_pass::Stamped for Pending {
    #[inline]
    fn key(&self) -> (i64, u64) {
        (self.paid_at, self.seq)
    }
}

/// The events of the checkout model.
#[derive(Debug, Clone, Copy)]
pub enum Event {
    /// The next user arrives.
    Arrival,
    /// A user's record is marked paid.
    Paid(PaidUser),
    /// A poll fires (first phase: lets same-instant events go first).
    Poll,
    /// A poll selects and deletes.
    PollSelect,
}

/// A user between arrival and payment.
#[derive(Debug, Clone, Copy)]
pub struct PaidUser {
    seq: u64,
    t_read: SimTime,
    day: u32,
    weight: f64,
}

/// The arrival process of one replication: the `arrivals` stream (Poisson,
/// optionally thinned by the hourly profile) or the position in a trace.
struct ArrivalGen {
    rng: SimRng,
    trace_pos: usize,
    /// The horizon: arrivals at or after it are not counted.
    end: SimTime,
    /// The largest hourly weight (the thinning envelope), 0 without a profile.
    peak: f64,
}

impl ArrivalGen {
    fn new(cfg: &CheckoutConfig, streams: &Streams) -> Self {
        let peak = match &cfg.arrivals {
            Arrivals::Poisson {
                profile: Some(w), ..
            } => w.iter().cloned().fold(0.0, f64::max),
            _ => 0.0,
        };
        ArrivalGen {
            rng: streams.stream("arrivals"),
            trace_pos: 0,
            end: SimTime::ZERO + cfg.horizon,
            peak,
        }
    }

    /// The next arrival strictly after `now` (or at it for a trace), if before the horizon.
    #[inline]
    fn next(&mut self, cfg: &CheckoutConfig, now: SimTime) -> Option<SimTime> {
        let end = self.end;
        let t = match &cfg.arrivals {
            Arrivals::Poisson { rate, profile } => {
                if *rate <= 0.0 {
                    return None;
                }
                let mut t = now;
                match profile {
                    None => {
                        let u: f64 = self.rng.random();
                        t += SimDuration::from_secs_f64(-(1.0 - u).ln() / rate);
                    }
                    Some(w) => {
                        // thinning (Lewis and Shedler 1979) against the peak hour
                        let peak = self.peak;
                        loop {
                            let u: f64 = self.rng.random();
                            t += SimDuration::from_secs_f64(-(1.0 - u).ln() / (rate * peak));
                            if t >= end {
                                break;
                            }
                            let hour = ((t.as_nanos() / 3_600_000_000_000) % 24) as usize;
                            let v: f64 = self.rng.random();
                            if v * peak < w[hour] {
                                break;
                            }
                        }
                    }
                }
                t
            }
            Arrivals::Trace { times } => {
                let t = *times.get(self.trace_pos)?;
                self.trace_pos += 1;
                t
            }
        };
        (t < end).then_some(t)
    }
}

/// The model on the engine: the reference semantics. It runs the
/// conditional estimator, traces and event logs; plain-sampling replications
/// run in [`single_pass`], which reproduces this model's event order exactly
/// (tested against it, ideal-clock rerun included).
struct Sim<'a> {
    cfg: &'a CheckoutConfig,
    conditional: bool,
    /// The conditional estimator's per-user integration.
    outcomes: Option<conditional::Outcomes<'a>>,
    /// The conditional estimator's sums, per column (compensated).
    sums: [conditional::Sum; 7],
    /// Importance sampling of the redirect latency.
    importance: Option<importance::Sampler>,
    clocks: Vec<Clock>,
    arrivals: ArrivalGen,
    r_payment: SimRng,
    r_redirect: SimRng,
    r_retry: SimRng,
    r_jitter: SimRng,
    r_move: SimRng,
    next_seq: u64,
    phase: SimDuration,
    poll_k: i64,
    last_poll: SimTime,
    arrivals_done: bool,
    end_marker: SimTime,
    pending: single_pass::PendingSet<Pending>,
    values: [f64; 7],
    daily: Vec<[f64; 2]>,
    hist: Vec<u64>,
    edges: Vec<f64>,
    /// The user whose timeline is recorded (trace), if any.
    watch: Option<u64>,
    /// The lowest user number that saw an error page.
    first_error: Option<u64>,
    /// Timeline of the watched user.
    timeline: Vec<TraceStep>,
    /// Every event of the run, when asked for (`trace --events`).
    log: Option<Vec<LoggedEvent>>,
}

impl<'a> Sim<'a> {
    fn new(
        cfg: &'a CheckoutConfig,
        streams: &Streams,
        conditional: bool,
        ideal_clocks: bool,
    ) -> Self {
        let clocks = cfg
            .clocks
            .iter()
            .zip(&cfg.hosts)
            .map(|(spec, name)| {
                if ideal_clocks {
                    Clock::ideal()
                } else {
                    Clock::new(spec, streams.stream(&format!("clock/{name}")))
                }
            })
            .collect();
        let mut r_phase = streams.stream("poll_phase");
        let p = cfg.poll_interval.as_nanos();
        let phase = SimDuration::from_nanos(r_phase.random_range(0..p));
        let edges = margin_edges();
        Sim {
            cfg,
            conditional,
            outcomes: conditional
                .then(|| conditional::Outcomes::new(kernel(cfg), cfg.poll_interval, cfg.grace)),
            importance: None,
            sums: Default::default(),
            clocks,
            arrivals: ArrivalGen::new(cfg, streams),
            r_payment: streams.stream("payment_latency"),
            r_redirect: streams.stream("redirect_latency"),
            r_retry: streams.stream("retry_delay"),
            r_jitter: streams.stream("poll_jitter"),
            r_move: streams.stream("move_delay"),
            next_seq: 0,
            phase,
            poll_k: 0,
            last_poll: SimTime::ZERO,
            arrivals_done: false,
            end_marker: SimTime::ZERO,
            pending: single_pass::PendingSet::new(),
            values: [0.0; 7],
            daily: Vec::new(),
            hist: vec![0; edges.len() + 1],
            edges,
            watch: None,
            first_error: None,
            timeline: Vec::new(),
            log: None,
        }
    }

    /// Draws the redirect latencies by importance sampling (see
    /// [`importance`]).
    fn with_importance(mut self, streams: &Streams) -> Self {
        self.importance = Some(importance::Sampler::new(self.cfg, streams));
        self
    }

    /// The next arrival strictly after `now` (or at it for a trace), if before the horizon.
    fn next_arrival(&mut self, now: SimTime) -> Option<SimTime> {
        self.arrivals.next(self.cfg, now)
    }

    fn mark_paid(&mut self, u: PaidUser, now: SimTime) {
        let paid_at = self.clocks[self.cfg.stamp].local(now).as_nanos();
        if self.watch == Some(u.seq) {
            self.step(
                now,
                StepKind::Paid,
                format!(
                    "payment accepted; record marked paid, stamped paid_at = {} by `{}`",
                    crate::time::format_clock_reading(paid_at),
                    self.cfg.hosts[self.cfg.stamp]
                ),
            );
            self.step(
                now,
                StepKind::Redirect,
                "redirect sent to the browser".into(),
            );
        }
        if self.conditional {
            self.conditional_outcome(u, now, paid_at);
            return;
        }
        let rec = Pending {
            paid_at,
            seq: u.seq,
            t_paid: now,
            t_read: u.t_read,
            day: u.day,
            weight: u.weight,
        };
        // later Paid events are later: their stamps are not below this one
        // (unless the clock steps back)
        self.pending.insert(rec, paid_at);
    }

    fn conditional_outcome(&mut self, u: PaidUser, t_paid: SimTime, paid_at: i64) {
        let Some(outcomes) = self.outcomes.as_mut() else {
            return;
        };
        let o = outcomes.user(
            &mut self.clocks[self.cfg.transfer],
            t_paid,
            paid_at,
            self.cfg.grace,
        );
        // the margin keeps this user's sampled move delay and page load
        let d = self.cfg.move_delay.sample(&mut self.r_move);
        self.sums[C_ERRORS].add(o.error);
        self.sums[C_LOST].add(o.error);
        self.sums[C_ERRORS_IDEAL].add(o.error_ideal);
        self.sums[C_EARLY].add(o.early);
        self.sums[C_MARGIN_SUM]
            .add(o.first_poll + d.as_secs_f64() - (u.t_read - t_paid).as_secs_f64());
        self.values[C_MARGIN_N] += 1.0;
        self.daily[u.day as usize][1] += o.error;
    }

    fn select(&mut self, now: SimTime) {
        let cutoff =
            self.clocks[self.cfg.transfer].local(now).as_nanos() - self.cfg.grace.as_nanos();
        let d = self.cfg.move_delay.sample(&mut self.r_move);
        let t_del = now + d;
        if let Some(w) = self.watch {
            self.watch_poll(w, now, cutoff, t_del);
        }
        let mut pending = std::mem::take(&mut self.pending);
        pending.select(cutoff, self.cfg.batch_limit, |&rec| {
            if let Some(log) = &mut self.log {
                let fate = if t_del < rec.t_read {
                    "error page"
                } else {
                    "read before"
                };
                log.push(LoggedEvent {
                    at: t_del,
                    kind: "delete",
                    id: rec.seq,
                    note: fate.into(),
                });
            }
            if t_del < rec.t_read {
                self.first_error = Some(self.first_error.map_or(rec.seq, |f| f.min(rec.seq)));
                self.values[C_ERRORS] += rec.weight;
                self.values[C_LOST] += rec.weight;
                self.daily[rec.day as usize][1] += rec.weight;
                if let Some(imp) = &mut self.importance {
                    imp.error_weight_sq += rec.weight * rec.weight;
                }
            }
            if t_del < rec.t_paid + self.cfg.grace {
                self.values[C_EARLY] += 1.0;
            }
            let margin = (t_del - rec.t_read).as_secs_f64();
            if self.importance.is_some() {
                // weighted: the margin of the latency's own law
                self.values[C_MARGIN_SUM] += rec.weight * margin;
                self.values[C_MARGIN_N] += rec.weight;
            } else {
                self.values[C_MARGIN_SUM] += margin;
                self.values[C_MARGIN_N] += 1.0;
                let bin = self.edges.partition_point(|e| *e <= margin);
                self.hist[bin] += 1;
            }
        });
        self.pending = pending;
    }

    fn schedule_poll(&mut self, ctx: &mut Context<Event>) -> Result<(), ScheduleError> {
        let base = SimTime::ZERO + self.phase + self.cfg.poll_interval.saturating_mul(self.poll_k);
        let jitter = self.cfg.poll_jitter.sample(&mut self.r_jitter);
        let at = (base + jitter).max(self.last_poll).max(ctx.now());
        self.poll_k += 1;
        ctx.schedule_at(at, Event::Poll)
    }
}

impl Model for Sim<'_> {
    type Event = Event;

    fn start(&mut self, ctx: &mut Context<Event>) -> Result<(), ScheduleError> {
        let days = (self.cfg.horizon.as_nanos() + DAY.as_nanos() - 1) / DAY.as_nanos();
        self.daily = vec![[0.0; 2]; days.max(1) as usize];
        match self.next_arrival(SimTime::ZERO) {
            Some(t) => ctx.schedule_at(t, Event::Arrival)?,
            None => self.arrivals_done = true,
        }
        if !self.conditional {
            self.schedule_poll(ctx)?;
        }
        Ok(())
    }

    fn handle(&mut self, ev: Event, ctx: &mut Context<Event>) -> Result<(), ScheduleError> {
        let now = ctx.now();
        if let Some(log) = &mut self.log {
            let (kind, id) = match ev {
                Event::Arrival => ("arrival", self.next_seq),
                Event::Paid(u) => ("paid", u.seq),
                Event::Poll => ("poll", self.poll_k.saturating_sub(1) as u64),
                Event::PollSelect => ("poll_select", self.poll_k.saturating_sub(1) as u64),
            };
            log.push(LoggedEvent {
                at: now,
                kind,
                id,
                note: String::new(),
            });
        }
        match ev {
            Event::Arrival => {
                let cfg = self.cfg;
                let pay = cfg.payment_latency.sample(&mut self.r_payment);
                let (redirect, weight) = match &mut self.importance {
                    None => (cfg.redirect_latency.sample(&mut self.r_redirect), 1.0),
                    Some(imp) => imp.draw(&cfg.redirect_latency.0, now + pay, &mut self.r_redirect),
                };
                let mut last_read = now + pay + redirect;
                for _ in 0..cfg.retries {
                    last_read += cfg.retry_delay.sample(&mut self.r_retry);
                }
                let t_paid = now + pay;
                let day = (now.as_nanos() / DAY.as_nanos()) as u32;
                self.values[C_USERS] += 1.0;
                self.daily[day as usize][0] += 1.0;
                self.end_marker = self.end_marker.max(last_read).max(t_paid + cfg.grace);
                let user = PaidUser {
                    seq: self.next_seq,
                    t_read: t_paid + redirect,
                    day,
                    weight,
                };
                self.next_seq += 1;
                if self.watch == Some(user.seq) {
                    self.watch_arrival(now, t_paid, redirect, last_read);
                }
                if pay == SimDuration::ZERO {
                    self.mark_paid(user, now);
                } else {
                    ctx.schedule_at(t_paid, Event::Paid(user))?;
                }
                match self.next_arrival(now) {
                    Some(t) => ctx.schedule_at(t, Event::Arrival)?,
                    None => self.arrivals_done = true,
                }
            }
            Event::Paid(u) => self.mark_paid(u, now),
            Event::Poll => ctx.schedule_at(now, Event::PollSelect)?,
            Event::PollSelect => {
                self.last_poll = now;
                self.select(now);
                if !(self.arrivals_done && now > self.end_marker) {
                    self.schedule_poll(ctx)?;
                }
            }
        }
        Ok(())
    }
}

/// Runs one replication. Plain sampling runs in one pass (the `single_pass`
/// module), which also gives `error_pages_ideal`: the error pages of the same
/// replication with every clock ideal (same users, latencies and
/// polls by common random numbers). The conditional estimator gets both on
/// the engine, in one pass too.
pub fn run_replication(
    cfg: &CheckoutConfig,
    streams: Streams,
    estimator: Estimator,
) -> Result<RepOutput, ScheduleError> {
    match estimator {
        Estimator::Sample => return Ok(single_pass::run(cfg, &streams)),
        Estimator::Importance => return run_importance(cfg, streams),
        Estimator::Conditional => {}
    }
    let mut sim = Simulation::new(Sim::new(cfg, &streams, true, false), streams);
    let stats = sim.run()?;
    let model = sim.into_model();
    let mut values = model.values;
    for c in [C_ERRORS, C_LOST, C_ERRORS_IDEAL, C_EARLY, C_MARGIN_SUM] {
        values[c] = model.sums[c].total();
    }
    Ok(RepOutput {
        values: values.to_vec(),
        daily: model.daily.iter().map(|d| d.to_vec()).collect(),
        histogram: Vec::new(),
        events: stats.events,
        exact: None,
    })
}

/// One replication by importance sampling (see [`importance`]): the engine
/// with the real clocks, then with ideal clocks (the same weighted
/// latencies) for `error_pages_ideal`.
fn run_importance(cfg: &CheckoutConfig, streams: Streams) -> Result<RepOutput, ScheduleError> {
    let real = Sim::new(cfg, &streams, false, false).with_importance(&streams);
    let mut sim = Simulation::new(real, streams);
    let mut events = sim.run()?.events;
    let model = sim.into_model();
    let mut values = model.values.to_vec();
    if cfg.clocks.iter().all(ClockSpec::is_ideal) {
        values[C_ERRORS_IDEAL] = values[C_ERRORS];
    } else {
        let ideal = Sim::new(cfg, &streams, false, true).with_importance(&streams);
        let mut sim = Simulation::new(ideal, streams);
        events += sim.run()?.events;
        values[C_ERRORS_IDEAL] = sim.model().values[C_ERRORS];
    }
    let sq = model.importance.map_or(0.0, |i| i.error_weight_sq);
    let w = values[C_ERRORS];
    values.push(if sq > 0.0 { w * w / sq } else { 0.0 });
    Ok(RepOutput {
        values,
        daily: model.daily.iter().map(|d| d.to_vec()).collect(),
        histogram: Vec::new(),
        events,
        exact: None,
    })
}

/// What a step of a user's timeline is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// The user enters their card.
    Arrival,
    /// Payment accepted, record marked paid and stamped.
    Paid,
    /// The application redirects the browser.
    Redirect,
    /// A poll considered the record.
    Poll,
    /// The record is deleted from the front-end.
    Move,
    /// The confirmation page reads the record (first read or a reload).
    Read,
}

/// One step of a traced user's timeline.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TraceStep {
    /// True time.
    pub at: SimTime,
    /// What happened.
    pub kind: StepKind,
    /// Details, in words.
    pub detail: String,
}

/// The timeline of one user, as an incident report would reconstruct it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct UserTrace {
    /// Replication index.
    pub replication: u64,
    /// User number within the replication (0 = first arrival).
    pub user: u64,
    /// Steps in time order.
    pub steps: Vec<TraceStep>,
    /// Host names, stamp host first.
    pub hosts: Vec<String>,
    /// For each step, each host's local reading (same order as `hosts`).
    pub local: Vec<Vec<SimTime>>,
    /// Whether the first read failed.
    pub error_page: bool,
    /// One line: why it failed (or why it did not).
    pub explanation: String,
}

/// Which user to trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceTarget {
    /// The lowest-numbered user whose first read failed.
    FirstError,
    /// User number `n` (0 = the first arrival).
    User(u64),
}

impl Sim<'_> {
    fn step(&mut self, at: SimTime, kind: StepKind, detail: String) {
        self.timeline.push(TraceStep { at, kind, detail });
    }

    fn watch_arrival(
        &mut self,
        now: SimTime,
        t_paid: SimTime,
        redirect: SimDuration,
        last_read: SimTime,
    ) {
        self.step(
            now,
            StepKind::Arrival,
            "card entered; payment submitted".into(),
        );
        let t_read = t_paid + redirect;
        self.step(
            t_read,
            StepKind::Read,
            format!(
                "confirmation page reads the record ({:.3} s after payment)",
                redirect.as_secs_f64()
            ),
        );
        if self.cfg.retries > 0 {
            self.step(
                last_read,
                StepKind::Read,
                format!(
                    "last of {} reloads of the confirmation page",
                    self.cfg.retries
                ),
            );
        }
    }

    fn watch_poll(&mut self, seq: u64, now: SimTime, cutoff: i64, t_del: SimTime) {
        const MAX_POLL_STEPS: usize = 20;
        let Some((pos, rec)) = self.pending.find(|p| p.seq == seq) else {
            return;
        };
        let eligible = rec.paid_at <= cutoff;
        // is it within the batch limit? records before it in key order go first
        let selected =
            eligible && (self.cfg.batch_limit == 0 || (pos as u32) < self.cfg.batch_limit);
        let polls = self
            .timeline
            .iter()
            .filter(|s| s.kind == StepKind::Poll)
            .count();
        if polls < MAX_POLL_STEPS || selected {
            let detail = format!(
                "transfer service polls: cutoff = local {} - grace {} = {}; paid_at {} cutoff: {}",
                crate::time::format_clock_reading(cutoff + self.cfg.grace.as_nanos()),
                self.cfg.grace,
                crate::time::format_clock_reading(cutoff),
                if eligible { "<=" } else { ">" },
                if selected {
                    "selected"
                } else if eligible {
                    "eligible, over the batch limit"
                } else {
                    "not eligible yet"
                }
            );
            self.step(now, StepKind::Poll, detail);
        }
        if selected {
            self.step(t_del, StepKind::Move, format!("transfer service moves the record to the back-end and deletes it from the front-end ({} after the poll)", t_del - now));
        }
    }
}

/// Runs replication `streams` of `cfg` and returns the timeline of the chosen
/// user (`None` if there is no such user, e.g. no error page at all). The run
/// is repeated with the same streams, so the trace is the exact case the
/// replication simulated.
pub fn trace(
    cfg: &CheckoutConfig,
    streams: Streams,
    target: TraceTarget,
) -> Result<Option<UserTrace>, ScheduleError> {
    let seq = match target {
        TraceTarget::User(n) => n,
        TraceTarget::FirstError => {
            let mut sim = Simulation::new(Sim::new(cfg, &streams, false, false), streams);
            sim.run()?;
            match sim.model().first_error {
                Some(s) => s,
                None => return Ok(None),
            }
        }
    };
    let mut model = Sim::new(cfg, &streams, false, false);
    model.watch = Some(seq);
    let mut sim = Simulation::new(model, streams);
    sim.run()?;
    let model = sim.into_model();
    let mut steps = model.timeline;
    if steps.is_empty() {
        return Ok(None);
    }
    steps.sort_by_key(|s| s.at);
    let t_read = steps
        .iter()
        .find(|s| s.kind == StepKind::Read)
        .map(|s| s.at)
        .unwrap_or(SimTime::MAX);
    let t_paid = steps
        .iter()
        .find(|s| s.kind == StepKind::Paid)
        .map(|s| s.at);
    let t_del = steps
        .iter()
        .find(|s| s.kind == StepKind::Move)
        .map(|s| s.at);
    let error_page = t_del.is_some_and(|d| d < t_read);
    for s in steps.iter_mut().filter(|s| s.kind == StepKind::Read) {
        let failed = t_del.is_some_and(|d| d < s.at);
        s.detail.push_str(if failed {
            ": record not found, the user sees an error page"
        } else {
            ": record found, confirmation shown"
        });
    }
    // every host's reading at every step, from fresh clocks queried in time order
    let mut clocks: Vec<Clock> = cfg
        .clocks
        .iter()
        .zip(&cfg.hosts)
        .map(|(spec, name)| Clock::new(spec, streams.stream(&format!("clock/{name}"))))
        .collect();
    let local: Vec<Vec<SimTime>> = steps
        .iter()
        .map(|s| clocks.iter_mut().map(|c| c.local(s.at)).collect())
        .collect();
    let explanation = match (t_paid, error_page) {
        (Some(tp), true) => {
            let skew = clocks[cfg.transfer].offset(tp) - clocks[cfg.stamp].offset(tp);
            let (st, tr) = (&cfg.hosts[cfg.stamp], &cfg.hosts[cfg.transfer]);
            if skew >= cfg.grace {
                format!(
                    "the `{tr}` clock was {skew} ahead of `{st}`, more than the {} grace, so the record was eligible {} before it was paid; a poll landed before the confirmation page read it",
                    cfg.grace,
                    skew - cfg.grace
                )
            } else {
                format!(
                    "the confirmation page read the record {} after payment, later than the grace {} minus the skew {skew}, and a poll landed in between",
                    t_read - tp,
                    cfg.grace
                )
            }
        }
        (_, false) => {
            "the record was still on the front-end when the confirmation page read it".into()
        }
        (None, true) => String::new(),
    };
    Ok(Some(UserTrace {
        replication: streams.replication(),
        user: seq,
        steps,
        hosts: cfg.hosts.clone(),
        local,
        error_page,
        explanation,
    }))
}

/// One logged event of a replication (`trace --events`).
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedEvent {
    /// True time.
    pub at: SimTime,
    /// `arrival`, `paid`, `poll`, `poll_select` (engine events) or `delete`
    /// (a record's deletion, decided at its poll).
    pub kind: &'static str,
    /// User number (arrival, paid, delete) or poll number.
    pub id: u64,
    /// For deletions: whether the user had read the record already.
    pub note: String,
}

/// Every event of one replication in time order, with each host's local
/// reading: (event, readings in the order of `cfg.hosts`).
pub fn event_log(
    cfg: &CheckoutConfig,
    streams: Streams,
) -> Result<Vec<(LoggedEvent, Vec<SimTime>)>, ScheduleError> {
    let mut model = Sim::new(cfg, &streams, false, false);
    model.log = Some(Vec::new());
    let mut sim = Simulation::new(model, streams);
    sim.run()?;
    let mut log = sim.into_model().log.unwrap_or_default();
    log.sort_by_key(|e| e.at);
    let mut clocks: Vec<Clock> = cfg
        .clocks
        .iter()
        .zip(&cfg.hosts)
        .map(|(spec, name)| Clock::new(spec, streams.stream(&format!("clock/{name}"))))
        .collect();
    Ok(log
        .into_iter()
        .map(|e| {
            let local = clocks.iter_mut().map(|c| c.local(e.at)).collect();
            (e, local)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{self, ModelConfig, Source};

    /// The two-pass runner that plain sampling used before the single pass
    /// (issue #7): the replication on the engine, then again on the engine
    /// with every clock ideal for `error_pages_ideal`.
    fn two_pass(cfg: &CheckoutConfig, streams: Streams) -> RepOutput {
        let mut sim = Simulation::new(Sim::new(cfg, &streams, false, false), streams);
        let mut events = sim.run().expect("runs").events;
        let model = sim.into_model();
        let mut values = model.values;
        if cfg.clocks.iter().all(ClockSpec::is_ideal) {
            values[C_ERRORS_IDEAL] = values[C_ERRORS];
        } else {
            let mut ideal = Simulation::new(Sim::new(cfg, &streams, false, true), streams);
            events += ideal.run().expect("runs").events;
            values[C_ERRORS_IDEAL] = ideal.model().values[C_ERRORS];
        }
        RepOutput {
            values: values.to_vec(),
            daily: model.daily.iter().map(|d| d.to_vec()).collect(),
            histogram: model.hist,
            events,
            exact: None,
        }
    }

    const BASE: &str = r#"
name = "t"
model = "checkout"
horizon = "1d"
[hosts.web]
[hosts.transfer]
clock = { offset = "6m" }
[checkout]
stamp_host = "web"
arrivals = { rate = "900/h" }
payment_latency = { lognormal = { median = "800ms", p99 = "4s" } }
redirect_latency = { lognormal = { median = "1500ms", p99 = "6s" } }
[transfer]
host = "transfer"
poll_interval = "5m"
grace = "5m"
move_delay = "200ms"
"#;

    fn config(sets: &[(&str, &str)]) -> CheckoutConfig {
        let source = Source {
            path: "t.toml".into(),
            text: BASE.into(),
        };
        let ovs: Vec<scenario::Override> = sets
            .iter()
            .map(|(p, v)| scenario::Override {
                path: p.to_string(),
                value: v.to_string(),
            })
            .collect();
        match scenario::load(&source, &ovs)
            .expect("valid test scenario")
            .model
        {
            ModelConfig::Checkout(c) => c,
            ModelConfig::Terminal(_) => unreachable!(),
        }
    }

    /// Configurations that exercise the clocks (drift, sync steps and slews,
    /// outages, scheduled steps both ways, wander, a shared host), jitter,
    /// random move delays, batch limits, retries and zero payment latency.
    fn configs() -> Vec<(&'static str, CheckoutConfig)> {
        let ntp = r#"{ offset = { normal = { mean = "0s", sd = "3ms" } }, drift_ppm = { normal = { mean = 0, sd = 30 } }, sync = { interval = "1024s", accuracy = "4ms" }, outages = [{ from = "6h", to = "12h" }], steps = [{ at = "3h", by = "7m" }, { at = "8h", by = "6m" }, { at = "14h", by = "-8m" }] }"#;
        let slew = r#"{ offset = "1s", drift_ppm = 200, wander_ppm = 20, sync = { interval = "64s", accuracy = "1ms", mode = "slew" }, outages = [{ from = "2h", to = "5h" }], steps = [{ at = "1h", by = "-6m" }, { at = "10h", by = "9m" }] }"#;
        vec![
            ("lisa", config(&[])),
            (
                "ntp, sync steps and outages",
                config(&[("hosts.transfer.clock", ntp)]),
            ),
            (
                "slewing stamp clock with wander and steps",
                config(&[("hosts.web.clock", slew), ("hosts.transfer.clock", ntp)]),
            ),
            (
                "one host stamps and transfers, with steps",
                config(&[
                    ("transfer.host", "\"web\""),
                    ("hosts.web.clock", ntp),
                    (
                        "checkout.redirect_latency",
                        "{ exponential = { mean = \"3m\" } }",
                    ),
                ]),
            ),
            (
                "jitter, random move delay, retries, drift",
                config(&[
                    (
                        "transfer.poll_jitter",
                        "{ uniform = { low = \"-8m\", high = \"30s\" } }",
                    ),
                    ("transfer.move_delay", "{ exponential = { mean = \"2s\" } }"),
                    ("checkout.retries", "2"),
                    (
                        "hosts.transfer.clock",
                        "{ offset = \"4m\", drift_ppm = 3000 }",
                    ),
                ]),
            ),
            (
                "batch limit and a heavy tail of page loads",
                config(&[
                    ("transfer.batch_limit", "60"),
                    ("checkout.arrivals", "{ rate = \"720/m\" }"),
                    ("horizon", "\"6h\""),
                    (
                        "checkout.redirect_latency",
                        "{ mixture = [ { weight = 95, dist = \"1s\" }, { weight = 5, dist = { exponential = { mean = \"10m\" } } } ] }",
                    ),
                ]),
            ),
            (
                "no payment latency, no move delay, hourly profile",
                config(&[
                    ("checkout.payment_latency", "\"0s\""),
                    ("transfer.move_delay", "\"0s\""),
                    (
                        "checkout.arrivals",
                        "{ rate = \"2000/h\", profile = [1,1,1,1,1,1,2,3,4,5,5,5,5,5,5,5,4,4,3,3,2,2,1,1] }",
                    ),
                ]),
            ),
            (
                "all clocks ideal",
                config(&[("hosts.transfer.clock", "{}")]),
            ),
        ]
    }

    fn assert_same(what: &str, rep: u64, got: &RepOutput, want: &RepOutput) {
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(
            bits(&got.values),
            bits(&want.values),
            "{what}, rep {rep}: values"
        );
        assert_eq!(got.daily, want.daily, "{what}, rep {rep}: daily");
        assert_eq!(
            got.histogram, want.histogram,
            "{what}, rep {rep}: histogram"
        );
        assert_eq!(got.events, want.events, "{what}, rep {rep}: events");
    }

    #[test]
    fn single_pass_equals_the_two_engine_passes() {
        let mut ideal_seen = false;
        for (what, cfg) in configs() {
            for rep in 0..3 {
                let streams = Streams::new(7, rep);
                let got = run_replication(&cfg, streams, Estimator::Sample).unwrap();
                let want = two_pass(&cfg, streams);
                assert_same(what, rep, &got, &want);
                ideal_seen |= got.values[C_ERRORS_IDEAL] > 0.0;
            }
        }
        assert!(
            ideal_seen,
            "some configuration has error pages with ideal clocks"
        );
    }

    #[test]
    fn single_pass_ideal_count_equals_an_ideal_clock_run() {
        // independent of the engine: the same scenario with every host's
        // clock ideal, where error_pages is the ideal count by definition
        for (what, cfg) in configs() {
            let mut ideal = cfg.clone();
            for c in &mut ideal.clocks {
                *c = ClockSpec::ideal();
            }
            for rep in 0..3 {
                let streams = Streams::new(11, rep);
                let got = run_replication(&cfg, streams, Estimator::Sample).unwrap();
                let base = run_replication(&ideal, streams, Estimator::Sample).unwrap();
                assert_eq!(
                    got.values[C_ERRORS_IDEAL], base.values[C_ERRORS],
                    "{what}, rep {rep}"
                );
                assert_eq!(
                    got.values[C_USERS], base.values[C_USERS],
                    "{what}, rep {rep}"
                );
            }
        }
    }

    /// Polls, payments and arrivals at the same nanosecond: the single pass
    /// must see exactly the records the engine's (time, insertion order)
    /// puts before each selection.
    #[test]
    fn ties_at_poll_instants_follow_the_engine_order() {
        // half the polls fall back onto the previous poll's instant
        let repeat =
            r#"{ choice = [ { value = "0s", weight = 1 }, { value = "-5m", weight = 1 } ] }"#;
        for (pay, jitter) in [
            ("0s", "\"0s\""),
            ("1s", "\"0s\""),
            ("0s", repeat),
            ("1s", repeat),
        ] {
            let mut cfg = config(&[
                ("checkout.payment_latency", &format!("\"{pay}\"")),
                ("checkout.redirect_latency", "\"1ms\""),
                ("transfer.move_delay", "\"0s\""),
                ("transfer.grace", "\"0s\""),
                ("transfer.poll_jitter", jitter),
                (
                    "hosts.transfer.clock",
                    "{ offset = \"1ms\", drift_ppm = 0.001 }",
                ),
            ]);
            for rep in 0..4 {
                let streams = Streams::new(3, rep);
                // arrivals at (and one payment latency before) the poll
                // instants, several at the same nanosecond
                let p = cfg.poll_interval.as_nanos();
                let phase = streams.stream("poll_phase").random_range(0..p);
                let pay_ns = if pay == "1s" { 1_000_000_000 } else { 0 };
                let mut times = Vec::new();
                for k in 0..200i64 {
                    let t = phase + k * p - pay_ns;
                    for d in [0, 0, 0, -1, 1, 7] {
                        if t + d >= 0 {
                            times.push(SimTime::from_nanos(t + d));
                        }
                    }
                }
                times.sort();
                cfg.arrivals = Arrivals::Trace {
                    times: times.into(),
                };
                let got = run_replication(&cfg, streams, Estimator::Sample).unwrap();
                let want = two_pass(&cfg, streams);
                assert!(want.values[C_ERRORS] > 0.0, "the test makes error pages");
                assert_same(
                    &format!("ties, pay {pay}, jitter {jitter}"),
                    rep,
                    &got,
                    &want,
                );
            }
        }
    }
}
