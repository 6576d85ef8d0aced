//! The raw mirror of a scenario file: serde types that only parse.
//!
//! Every table refuses unknown keys. Values whose meaning is checked after
//! parsing (host names, ranges that depend on other keys) are wrapped in
//! [`toml::Spanned`] so the check can point at them. Parameter checks that need
//! nothing else (a distribution's `p99 >= median`) happen inside the value's
//! own deserializer and keep their span that way.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::dist::RawDist;
use crate::models::Estimator;
use crate::models::terminal::RawTerminal;
use crate::units::DurationValue;

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Also the output folder's name.
    pub name: Spanned<String>,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// Which model.
    pub model: ModelName,
    /// Scenario seed.
    #[serde(default)]
    pub seed: Option<Spanned<i64>>,
    /// Replications.
    #[serde(default)]
    pub replications: Option<Spanned<i64>>,
    /// Simulated period of one replication.
    pub horizon: Spanned<DurationValue>,
    /// Estimator.
    #[serde(default)]
    pub estimator: Estimator,
    /// Hosts by name.
    #[serde(default)]
    pub hosts: BTreeMap<String, RawHost>,
    /// The checkout model's users.
    pub checkout: Option<Spanned<RawCheckout>>,
    /// The checkout model's transfer service.
    pub transfer: Option<Spanned<RawTransfer>>,
    /// The terminal model.
    pub terminal: Option<Spanned<RawTerminal>>,
    /// Sweep: dotted key path -> list or range (kept as TOML, checked later).
    pub sweep: Option<Spanned<toml::Table>>,
    /// Checks for `racesim check`.
    #[serde(default)]
    pub expect: Vec<Spanned<RawExpect>>,
}

/// `model = ...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelName {
    /// Redirect vs transfer poller.
    Checkout,
    /// Sequence counters and duplicate checks.
    Terminal,
}

/// `[hosts.NAME]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHost {
    /// The host's clock.
    #[serde(default)]
    pub clock: Option<RawClock>,
}

/// `clock = { ... }`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClock {
    /// Offset at t = 0.
    pub offset: Option<Spanned<RawDist<DurationValue>>>,
    /// Frequency error, ppm.
    pub drift_ppm: Option<Spanned<RawDist<f64>>>,
    /// Random walk of the frequency error, ppm per hour.
    pub wander_ppm: Option<Spanned<f64>>,
    /// Time synchronisation.
    pub sync: Option<Spanned<RawSync>>,
    /// Intervals with sync off.
    #[serde(default)]
    pub outages: Vec<Spanned<RawOutage>>,
    /// Scheduled jumps.
    #[serde(default)]
    pub steps: Vec<Spanned<RawStep>>,
}

/// `sync = { interval, accuracy, mode, max_slew_ppm, discipline,
/// residual_ppm, time_constant, start }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSync {
    /// Time between syncs.
    pub interval: Spanned<DurationValue>,
    /// Residual offset standard deviation.
    pub accuracy: Spanned<DurationValue>,
    /// Step or slew.
    #[serde(default)]
    pub mode: RawSyncMode,
    /// Largest slew, ppm.
    pub max_slew_ppm: Option<Spanned<f64>>,
    /// Offset only, or the frequency too.
    #[serde(default)]
    pub discipline: RawDiscipline,
    /// Residual frequency error standard deviation, ppm (frequency only).
    pub residual_ppm: Option<Spanned<f64>>,
    /// Convergence time constant (frequency only).
    pub time_constant: Option<Spanned<DurationValue>>,
    /// Frequency learned at t = 0 or not (frequency only).
    pub start: Option<Spanned<RawStart>>,
}

/// `discipline = "offset" | "frequency"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawDiscipline {
    /// Offset only.
    #[default]
    Offset,
    /// Learn the frequency.
    Frequency,
}

/// `start = "warm" | "cold"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawStart {
    /// Learned at t = 0.
    Warm,
    /// Not learned.
    Cold,
}

/// `mode = "step" | "slew"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawSyncMode {
    /// Jump.
    #[default]
    Step,
    /// Converge.
    Slew,
}

/// `{ from, to }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutage {
    /// Start (true time since the start of the replication).
    pub from: DurationValue,
    /// End.
    pub to: DurationValue,
}

/// `{ at, by }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    /// True time of the jump.
    pub at: DurationValue,
    /// Size of the jump (negative = backwards).
    pub by: DurationValue,
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

/// `[[expect]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExpect {
    /// Metric name.
    pub metric: Spanned<String>,
    /// Upper limit.
    pub max: Option<f64>,
    /// Lower limit.
    pub min: Option<f64>,
}
