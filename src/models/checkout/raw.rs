//! The checkout model's sections as written: `[checkout]` (with its
//! `arrivals` table or its request `log`) and `[transfer]`. Serde types that only parse; every
//! table refuses unknown keys, and each lists its keys in `KEYS` (checked
//! against serde by a test, and against `docs/scenario-reference.md`).

use serde::Deserialize;
use toml::Spanned;

use crate::dist::RawDist;
use crate::units::DurationValue;

/// The checkout model's top-level tables.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSections {
    /// `[checkout]`: the users.
    pub checkout: Option<Spanned<RawCheckout>>,
    /// `[transfer]`: the transfer service.
    pub transfer: Option<Spanned<RawTransfer>>,
}

impl RawSections {
    /// The tables it owns.
    pub const SECTIONS: &'static [&'static str] = &["checkout", "transfer"];
}

/// `[checkout]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCheckout {
    /// Host whose clock stamps `paid_at`.
    pub stamp_host: Spanned<String>,
    /// Arrival process (or the request log's arrivals).
    pub arrivals: Option<Spanned<RawArrivals>>,
    /// A request log replayed row by row: arrivals and latencies together.
    pub log: Option<Spanned<RawLog>>,
    /// Arrival to marked paid.
    pub payment_latency: Option<Spanned<RawDist<DurationValue>>>,
    /// Marked paid to confirmation read (required unless the log gives it).
    pub redirect_latency: Option<Spanned<RawDist<DurationValue>>>,
    /// Reloads after a failed read.
    pub retries: Option<Spanned<i64>>,
    /// Delay before each reload.
    pub retry_delay: Option<Spanned<RawDist<DurationValue>>>,
}

/// `arrivals = { rate, profile }` or `{ trace, column, format }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawArrivals {
    /// `"120/h"`.
    pub rate: Option<Spanned<String>>,
    /// 24 hourly weights.
    pub profile: Option<Spanned<Vec<f64>>>,
    /// CSV file of timestamps.
    pub trace: Option<Spanned<String>>,
    /// Column of the trace.
    pub column: Option<Spanned<String>>,
    /// Timestamp format of the trace.
    pub format: Option<TimestampFormat>,
}

/// How trace timestamps are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimestampFormat {
    /// Epoch seconds if the cell is a number, else RFC 3339.
    #[default]
    Auto,
    /// Seconds since the Unix epoch (fractions allowed).
    EpochSeconds,
    /// Milliseconds since the Unix epoch.
    EpochMillis,
    /// RFC 3339 / ISO 8601, e.g. `2024-03-01T08:15:02.125Z`.
    Rfc3339,
}

/// `[checkout.log]`: a CSV file with one row per request.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLog {
    /// The CSV file.
    pub file: Spanned<String>,
    /// Which column holds what.
    pub columns: Option<Spanned<RawLogColumns>>,
    /// How the arrival column's timestamps are written.
    pub format: Option<TimestampFormat>,
    /// The unit of the latency columns' bare numbers (without it, each
    /// cell is a duration such as `250ms`).
    pub unit: Option<Spanned<LatencyUnit>>,
    /// How each replication draws from the log.
    pub resample: Option<Spanned<Resample>>,
    /// What to do with a log shorter than the horizon.
    pub short_log: Option<Spanned<ShortLog>>,
    /// The instant that is `t = 0` (else the earliest row).
    pub start: Option<Spanned<String>>,
    /// How long the log covers from `start` (else estimated).
    pub covers: Option<Spanned<DurationValue>>,
}

/// `[checkout.log.columns]`: the log's column for each of the model's keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLogColumns {
    /// Arrival timestamps (default `timestamp`).
    pub arrival: Option<Spanned<String>>,
    /// Arrival to marked paid.
    pub payment_latency: Option<Spanned<String>>,
    /// Marked paid to confirmation read.
    pub redirect_latency: Option<Spanned<String>>,
}

/// The unit of a log's latency columns: the units an `empirical`
/// distribution's column takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum LatencyUnit {
    /// Nanoseconds.
    #[serde(rename = "ns")]
    Nanos,
    /// Microseconds.
    #[serde(rename = "us")]
    Micros,
    /// Milliseconds.
    #[serde(rename = "ms")]
    Millis,
    /// Seconds.
    #[serde(rename = "s")]
    Seconds,
    /// Minutes.
    #[serde(rename = "m")]
    Minutes,
    /// Hours.
    #[serde(rename = "h")]
    Hours,
    /// Days.
    #[serde(rename = "d")]
    Days,
}

impl LatencyUnit {
    /// Nanoseconds per unit.
    pub fn nanos(self) -> f64 {
        match self {
            LatencyUnit::Nanos => 1.0,
            LatencyUnit::Micros => 1e3,
            LatencyUnit::Millis => 1e6,
            LatencyUnit::Seconds => 1e9,
            LatencyUnit::Minutes => 60e9,
            LatencyUnit::Hours => 3600e9,
            LatencyUnit::Days => 86_400e9,
        }
    }
    /// The unit in words, for messages.
    pub fn words(self) -> &'static str {
        match self {
            LatencyUnit::Nanos => "nanoseconds",
            LatencyUnit::Micros => "microseconds",
            LatencyUnit::Millis => "milliseconds",
            LatencyUnit::Seconds => "seconds",
            LatencyUnit::Minutes => "minutes",
            LatencyUnit::Hours => "hours",
            LatencyUnit::Days => "days",
        }
    }
}

/// How each replication draws from a request log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resample {
    /// Every replication replays the log as it is.
    #[default]
    None,
    /// Each replication draws as many whole rows as the log has, with
    /// replacement, each at its own logged time.
    Rows,
    /// Each replication fills the horizon with whole log days drawn with
    /// replacement.
    Days,
}

/// What to do with a log that covers less than the horizon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShortLog {
    /// An error.
    #[default]
    Refuse,
    /// Replay it end to end until the horizon, with a note.
    Loop,
    /// Stretch its arrival times over the horizon, with a note.
    Scale,
}

/// `[transfer]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTransfer {
    /// Host whose clock decides eligibility.
    pub host: Spanned<String>,
    /// Time between polls.
    pub poll_interval: Spanned<DurationValue>,
    /// Per-poll jitter.
    pub poll_jitter: Option<Spanned<RawDist<DurationValue>>>,
    /// Grace period.
    pub grace: Spanned<DurationValue>,
    /// Per-poll delay from selection to deletion.
    pub move_delay: Option<Spanned<RawDist<DurationValue>>>,
    /// Records per poll, 0 = no limit.
    pub batch_limit: Option<Spanned<i64>>,
}

impl RawCheckout {
    /// Every key of `[checkout]`.
    pub const KEYS: &'static [&'static str] = &[
        "stamp_host",
        "arrivals",
        "log",
        "payment_latency",
        "redirect_latency",
        "retries",
        "retry_delay",
    ];
}

impl RawArrivals {
    /// Every key of `checkout.arrivals`.
    pub const KEYS: &'static [&'static str] = &["rate", "profile", "trace", "column", "format"];
}

impl RawLog {
    /// Every key of `[checkout.log]`.
    pub const KEYS: &'static [&'static str] = &[
        "file",
        "columns",
        "format",
        "unit",
        "resample",
        "short_log",
        "start",
        "covers",
    ];
}

impl RawLogColumns {
    /// Every key of `[checkout.log.columns]`.
    pub const KEYS: &'static [&'static str] = &["arrival", "payment_latency", "redirect_latency"];
}

impl RawTransfer {
    /// Every key of `[transfer]`.
    pub const KEYS: &'static [&'static str] = &[
        "host",
        "poll_interval",
        "poll_jitter",
        "grace",
        "move_delay",
        "batch_limit",
    ];
}
