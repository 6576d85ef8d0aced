//! The race model's section as written: `[race]` with its `arrivals` table
//! and the arrays of tables `[[race.instant]]`, `[[race.poller]]` and
//! `[[race.failure]]`. Serde types that only parse; every table refuses
//! unknown keys, and each lists its keys in `KEYS` (checked against serde by
//! a test, and against `docs/scenario-reference.md`).

use serde::Deserialize;
use toml::Spanned;

use crate::dist::RawDist;
use crate::models::checkout::RawArrivals;
use crate::units::DurationValue;

/// The race model's top-level tables.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSections {
    /// `[race]`.
    pub race: Option<Spanned<RawRace>>,
}

impl RawSections {
    /// The tables it owns.
    pub const SECTIONS: &'static [&'static str] = &["race"];
}

/// `[race]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRace {
    /// How items arrive (the checkout model's forms).
    pub arrivals: Spanned<RawArrivals>,
    /// How long after the horizon instants may still happen.
    pub run_out: Option<Spanned<DurationValue>>,
    /// `[[race.instant]]`.
    pub instant: Option<Vec<Spanned<RawInstant>>>,
    /// `[[race.poller]]`.
    pub poller: Option<Vec<Spanned<RawPoller>>>,
    /// `[[race.failure]]`.
    pub failure: Option<Vec<Spanned<RawFailure>>>,
}

/// A host, or a list of hosts one of which is chosen per item.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawHosts {
    /// `host = "api"`.
    One(String),
    /// `host = ["web1", "web2", "web3"]`.
    Many(Vec<String>),
}

/// `[[race.instant]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInstant {
    /// Its name.
    pub name: Spanned<String>,
    /// The instant it follows (`"arrival"` by default).
    pub after: Option<Spanned<String>>,
    /// The delay after `after`.
    pub delay: Option<Spanned<RawDist<DurationValue>>>,
    /// Where it happens.
    pub host: Option<Spanned<RawHosts>>,
    /// Records the host's clock reading.
    pub stamp: Option<Spanned<bool>>,
    /// A clock-triggered instant instead of a delay.
    pub deadline: Option<Spanned<RawDeadline>>,
    /// A deadline happens no earlier than this instant.
    pub not_before: Option<Spanned<String>>,
}

/// `deadline = { host, stamp, plus }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDeadline {
    /// Whose clock.
    pub host: Spanned<String>,
    /// The instant whose stamp it counts from.
    pub stamp: Spanned<String>,
    /// Added to the stamp.
    pub plus: Option<Spanned<DurationValue>>,
}

/// `[[race.poller]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPoller {
    /// Its name.
    pub name: Spanned<String>,
    /// Whose clock decides.
    pub host: Spanned<String>,
    /// Time between polls.
    pub every: Spanned<DurationValue>,
    /// Per-poll jitter.
    pub jitter: Option<Spanned<RawDist<DurationValue>>>,
    /// Per-poll delay from selection to the created instant.
    pub delay: Option<Spanned<RawDist<DurationValue>>>,
    /// Items per poll, 0 = no limit.
    pub batch_limit: Option<Spanned<i64>>,
    /// The stamped instant it selects on.
    pub selects: Spanned<String>,
    /// How old the stamp must be on the poller's clock.
    pub older_than: Option<Spanned<DurationValue>>,
    /// The instant it creates.
    pub creates: Spanned<String>,
}

/// `reads_before` / `reads_after = { stamp, plus }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawThreshold {
    /// The instant whose stamp is compared with.
    pub stamp: Spanned<String>,
    /// Added to the stamp.
    pub plus: Option<Spanned<DurationValue>>,
}

/// `[[race.failure]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFailure {
    /// Its name (metrics are named after it).
    pub name: Spanned<String>,
    /// Ordering failure: this instant ...
    pub first: Option<Spanned<String>>,
    /// ... happens before this one (or this one never happens).
    pub before: Option<Spanned<String>>,
    /// Clock-read failure: at this instant ...
    pub at: Option<Spanned<String>>,
    /// ... this host's clock (default: the instant's host) ...
    pub clock: Option<Spanned<String>>,
    /// ... reads earlier than a stamp plus a duration ...
    pub reads_before: Option<Spanned<RawThreshold>>,
    /// ... or later.
    pub reads_after: Option<Spanned<RawThreshold>>,
}

impl RawRace {
    /// Every key of `[race]`.
    pub const KEYS: &'static [&'static str] =
        &["arrivals", "run_out", "instant", "poller", "failure"];
}

impl RawInstant {
    /// Every key of `[[race.instant]]`.
    pub const KEYS: &'static [&'static str] = &[
        "name",
        "after",
        "delay",
        "host",
        "stamp",
        "deadline",
        "not_before",
    ];
}

impl RawDeadline {
    /// Every key of `deadline`.
    pub const KEYS: &'static [&'static str] = &["host", "stamp", "plus"];
}

impl RawPoller {
    /// Every key of `[[race.poller]]`.
    pub const KEYS: &'static [&'static str] = &[
        "name",
        "host",
        "every",
        "jitter",
        "delay",
        "batch_limit",
        "selects",
        "older_than",
        "creates",
    ];
}

impl RawThreshold {
    /// Every key of `reads_before` and `reads_after`.
    pub const KEYS: &'static [&'static str] = &["stamp", "plus"];
}

impl RawFailure {
    /// Every key of `[[race.failure]]`.
    pub const KEYS: &'static [&'static str] = &[
        "name",
        "first",
        "before",
        "at",
        "clock",
        "reads_before",
        "reads_after",
    ];
}
