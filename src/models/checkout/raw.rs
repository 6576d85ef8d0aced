//! The checkout model's sections as written: `[checkout]` (with its
//! `arrivals` table) and `[transfer]`. Serde types that only parse; every
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
    /// Arrival process.
    pub arrivals: Spanned<RawArrivals>,
    /// Arrival to marked paid.
    pub payment_latency: Option<Spanned<RawDist<DurationValue>>>,
    /// Marked paid to confirmation read.
    pub redirect_latency: Spanned<RawDist<DurationValue>>,
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
