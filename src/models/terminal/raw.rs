//! The `[terminal]` table as written (with its `customers`, `menu`,
//! `resubmit`, `dedup`, `alert`, `clock` and `processor` tables): serde types that only parse; see
//! [`super::TerminalConfig::from_raw`] for the checks on meaning. Every table
//! refuses unknown keys and lists its keys in `KEYS` (checked against serde
//! by a test, and against `docs/scenario-reference.md`).

use serde::Deserialize;
use toml::Spanned;

use super::values::{ClockOwner, DayToDay, MatchField, Money, Overflow, TimeOfDay};
use crate::clock::raw::{RawClock, RawOutage, RawStep, RawSync};
use crate::dist::RawDist;
use crate::units::DurationValue;

/// The terminal model's top-level tables.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSections {
    /// `[terminal]`.
    pub terminal: Option<Spanned<RawTerminal>>,
}

impl RawSections {
    /// The tables it owns.
    pub const SECTIONS: &'static [&'static str] = &["terminal"];
}

/// A duplicate-check scope as written: `"batch"`, `"day"` or
/// `{ window = "10m" }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawScope {
    /// The same batch.
    Batch,
    /// The same terminal-day.
    Day,
    /// Requests at most this far apart in time (same terminal-day).
    Window(DurationValue),
}

/// `[terminal]` as written. Only parses; see
/// [`super::TerminalConfig::from_raw`] for the checks on meaning.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTerminal {
    /// Fleet size, >= 1.
    pub terminals: Spanned<i64>,
    /// Each terminal's mean daily count, drawn once per replication.
    pub daily_transactions: Spanned<RawDist<f64>>,
    /// `"poisson"` (default) or `"fixed"`.
    #[serde(default)]
    pub day_to_day: DayToDay,
    /// Opening time, default `"06:00"`.
    #[serde(default)]
    pub open: Option<Spanned<TimeOfDay>>,
    /// Closing time, default `"20:00"`.
    #[serde(default)]
    pub close: Option<Spanned<TimeOfDay>>,
    /// Relative weights, one per opening hour; flat by default.
    #[serde(default)]
    pub hourly_profile: Option<Spanned<Vec<f64>>>,
    /// Counter width in decimal digits, 1..=9, default 3.
    #[serde(default)]
    pub counter_digits: Option<Spanned<i64>>,
    /// `"rollover"` (default) or `"new_batch"`.
    #[serde(default)]
    pub overflow: Overflow,
    /// `[terminal.customers]`.
    #[serde(default)]
    pub customers: RawCustomers,
    /// `[terminal.menu]` (required).
    pub menu: RawMenu,
    /// `[terminal.resubmit]`.
    #[serde(default)]
    pub resubmit: RawResubmit,
    /// `[terminal.dedup]`.
    #[serde(default)]
    pub dedup: RawDedup,
    /// `[terminal.alert]`: present means the daily scan runs.
    #[serde(default)]
    pub alert: Option<RawAlert>,
    /// `[terminal.clock]`: every terminal's clock (drawn per terminal).
    #[serde(default)]
    pub clock: Option<RawTerminalClock>,
    /// `[terminal.processor]`: the processor's clock and time zone.
    #[serde(default)]
    pub processor: Option<RawProcessor>,
}

/// `[terminal.clock]`: a host's `clock` table, the same keys, whose
/// `steps` may each apply to some terminals only ([`RawTerminalStep`]).
/// [`RawTerminalClock::host_form`] gives the host table of the steps that
/// apply to every terminal, validated as a host's.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTerminalClock {
    /// Offset at t = 0, drawn per terminal.
    pub offset: Option<Spanned<RawDist<DurationValue>>>,
    /// Frequency error, ppm, drawn per terminal.
    pub drift_ppm: Option<Spanned<RawDist<f64>>>,
    /// Random walk of the frequency error, ppm per hour.
    pub wander_ppm: Option<Spanned<f64>>,
    /// Time synchronisation.
    pub sync: Option<Spanned<RawSync>>,
    /// Intervals with sync off.
    #[serde(default)]
    pub outages: Vec<Spanned<RawOutage>>,
    /// Scheduled jumps, of every terminal or of some.
    #[serde(default)]
    pub steps: Vec<Spanned<RawTerminalStep>>,
}

/// An item of `[terminal.clock]`'s `steps`: a host's step (`at`, `by`),
/// and which terminals jump: those listed (`terminals`), or each with
/// probability `share`; every terminal when neither is given.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTerminalStep {
    /// True time of the jump.
    pub at: DurationValue,
    /// Size of the jump (negative = backwards).
    pub by: DurationValue,
    /// The terminals (0-based indices) that jump.
    #[serde(default)]
    pub terminals: Option<Spanned<Vec<i64>>>,
    /// The chance that a terminal jumps (each terminal and replication
    /// drawn independently).
    #[serde(default)]
    pub share: Option<Spanned<f64>>,
}

impl RawTerminalStep {
    /// True if the step applies to every terminal.
    pub fn is_fleet_wide(&self) -> bool {
        self.terminals.is_none() && self.share.is_none()
    }

    /// The host form of the step (`at`, `by`), with the same span.
    pub fn host_step(s: &Spanned<Self>) -> Spanned<RawStep> {
        let r = s.get_ref();
        Spanned::new(s.span(), RawStep { at: r.at, by: r.by })
    }
}

impl RawTerminalClock {
    /// Every key of `[terminal.clock]`: a host clock's.
    pub const KEYS: &'static [&'static str] = RawClock::KEYS;

    /// The host clock table of every key and of the steps that apply to
    /// every terminal (those that name no terminals).
    pub fn host_form(&self) -> RawClock {
        RawClock {
            offset: self.offset.clone(),
            drift_ppm: self.drift_ppm.clone(),
            wander_ppm: self.wander_ppm.clone(),
            sync: self.sync.clone(),
            outages: self.outages.clone(),
            steps: self
                .steps
                .iter()
                .filter(|s| s.get_ref().is_fleet_wide())
                .map(RawTerminalStep::host_step)
                .collect(),
        }
    }
}

/// `[terminal.processor]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProcessor {
    /// The processor's clock (default: ideal).
    #[serde(default)]
    pub clock: Option<RawClock>,
    /// The processor's civil time minus the terminals' (default `"0s"`).
    #[serde(default)]
    pub zone: Option<Spanned<DurationValue>>,
}

/// `[terminal.customers]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCustomers {
    /// Share of first visits made with a regular's card, 0..1 (default 0).
    #[serde(default)]
    pub regular_share: Option<Spanned<f64>>,
    /// Regular cards per terminal (default 100).
    #[serde(default)]
    pub regulars: Option<Spanned<i64>>,
    /// Probability that a payment is a return visit of a regular who already
    /// paid today, 0..1 (default 0).
    #[serde(default)]
    pub return_visit: Option<Spanned<f64>>,
    /// Probability that a regular orders their usual, 0..1 (default 0).
    #[serde(default)]
    pub same_order: Option<Spanned<f64>>,
}

/// `[terminal.menu]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMenu {
    /// `[{ price = "4.50", weight = 30 }, ...]`.
    pub prices: Spanned<Vec<RawPrice>>,
}

/// One menu line.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPrice {
    /// The price, a decimal string.
    pub price: Spanned<Money>,
    /// Relative weight (default 1).
    #[serde(default)]
    pub weight: Option<Spanned<f64>>,
}

/// `[terminal.resubmit]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawResubmit {
    /// Probability that a request hits a communication error, 0..1 (default 0).
    #[serde(default)]
    pub probability: Option<Spanned<f64>>,
    /// Delay before the resubmission (default `"20s"`).
    #[serde(default)]
    pub delay: Option<Spanned<RawDist<DurationValue>>>,
}

/// `[terminal.dedup]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDedup {
    /// Key fields (default all three).
    #[serde(default, rename = "match")]
    pub match_fields: Option<Spanned<Vec<MatchField>>>,
    /// Scope (default `"batch"`).
    #[serde(default)]
    pub scope: Option<Spanned<RawScope>>,
    /// Whose clock decides the day and the batch (default `"terminal"`).
    #[serde(default)]
    pub clock: Option<Spanned<ClockOwner>>,
}

/// `[terminal.alert]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAlert {
    /// Scope of the daily scan (default `"day"`).
    #[serde(default)]
    pub scope: Option<Spanned<RawScope>>,
    /// Whose clock decides the scan's day and batch (default `"terminal"`).
    #[serde(default)]
    pub clock: Option<Spanned<ClockOwner>>,
}

impl RawTerminal {
    /// Every key of `[terminal]`.
    pub const KEYS: &'static [&'static str] = &[
        "terminals",
        "daily_transactions",
        "day_to_day",
        "open",
        "close",
        "hourly_profile",
        "counter_digits",
        "overflow",
        "customers",
        "menu",
        "resubmit",
        "dedup",
        "alert",
        "clock",
        "processor",
    ];
}

impl RawCustomers {
    /// Every key of `[terminal.customers]`.
    pub const KEYS: &'static [&'static str] =
        &["regular_share", "regulars", "return_visit", "same_order"];
}

impl RawMenu {
    /// Every key of `[terminal.menu]`.
    pub const KEYS: &'static [&'static str] = &["prices"];
}

impl RawPrice {
    /// Every key of an item of `terminal.menu.prices`.
    pub const KEYS: &'static [&'static str] = &["price", "weight"];
}

impl RawResubmit {
    /// Every key of `[terminal.resubmit]`.
    pub const KEYS: &'static [&'static str] = &["probability", "delay"];
}

impl RawDedup {
    /// Every key of `[terminal.dedup]`.
    pub const KEYS: &'static [&'static str] = &["match", "scope", "clock"];
}

impl RawAlert {
    /// Every key of `[terminal.alert]`.
    pub const KEYS: &'static [&'static str] = &["scope", "clock"];
}

impl RawProcessor {
    /// Every key of `[terminal.processor]`.
    pub const KEYS: &'static [&'static str] = &["clock", "zone"];
}

impl RawTerminalStep {
    /// Every key of an item of `[terminal.clock]`'s `steps`.
    pub const KEYS: &'static [&'static str] = &["at", "by", "terminals", "share"];
}
