//! Values of the `[terminal]` table with a syntax or meaning of their own,
//! shared by the raw tables ([`super::raw`]) and the validated
//! configuration: prices, times of day, and the enumerations.

use serde::Deserialize;

use crate::time::SimDuration;

/// The largest price, in cents (ten billion currency units).
pub(crate) const MAX_PRICE_CENTS: u64 = 1_000_000_000_000;

/// How a terminal's count varies from day to day around its mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayToDay {
    /// Poisson with the terminal's mean.
    #[default]
    Poisson,
    /// Exactly the terminal's mean, rounded to the nearest integer.
    Fixed,
}

/// What the terminal does when the counter passes its largest value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Overflow {
    /// Continue at 1 in the same batch (the new policy).
    #[default]
    Rollover,
    /// Close the batch and open the next one with the counter at 1 (the old
    /// policy).
    NewBatch,
}

/// A field of the processor's duplicate key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchField {
    /// The terminal's sequence counter.
    Counter,
    /// The card number.
    Card,
    /// The amount.
    Amount,
}

/// Whose clock decides which day (and batch) a request belongs to, for the
/// processor's duplicate check or the alert scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockOwner {
    /// The terminal's: its day starts when its clock reads midnight, when
    /// its counter starts again (the only choice before clocks existed).
    #[default]
    Terminal,
    /// The processor's: the day starts at the processor's midnight in its
    /// own time zone (`processor.zone`), read on its own clock.
    Processor,
}

/// A validated scope.
///
/// Every scope stays inside one terminal-day: the terminal settles its batch
/// at the end of the day, so the processor never pairs requests of two days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The same batch (under `rollover`, the same as the day).
    Batch,
    /// The same terminal-day.
    Day,
    /// Arrival times at most this far apart (and the same terminal-day).
    Window(SimDuration),
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scope::Batch => f.write_str("batch"),
            Scope::Day => f.write_str("day"),
            Scope::Window(w) => write!(f, "window of {w}"),
        }
    }
}

/// A price in whole cents, written as a decimal string (`"4.50"`, `"12"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Money {
    /// The amount in cents.
    pub cents: u64,
}

impl Money {
    /// Parses `"4.50"`, `"4.5"` or `"4"`: digits, then optionally a point and
    /// one or two digits. No sign, no exponent, no thousands separator.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = |why: &str| {
            format!("`{text}` is not a price: {why}; write a decimal string like \"4.50\"")
        };
        let t = text.trim();
        let (whole, frac) = match t.split_once('.') {
            Some((w, f)) => (w, f),
            None => (t, ""),
        };
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("expected digits before the decimal point"));
        }
        if t.contains('.') && (frac.is_empty() || frac.len() > 2) {
            return Err(bad("expected one or two digits after the decimal point"));
        }
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("expected digits after the decimal point"));
        }
        let too_large = || bad("too large");
        let units: u64 = whole.parse().map_err(|_| too_large())?;
        let mut cents_part: u64 = if frac.is_empty() {
            0
        } else {
            frac.parse()
                .map_err(|_| bad("expected digits after the decimal point"))?
        };
        if frac.len() == 1 {
            cents_part *= 10;
        }
        let cents = units
            .checked_mul(100)
            .and_then(|c| c.checked_add(cents_part))
            .filter(|&c| c <= MAX_PRICE_CENTS)
            .ok_or_else(too_large)?;
        if cents == 0 {
            return Err(bad("a price must be more than zero"));
        }
        Ok(Money { cents })
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{:02}", self.cents / 100, self.cents % 100)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Money;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a price as a decimal string, like \"4.50\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Money, E> {
                Money::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

/// A local time of day, `"HH:MM"` (`"24:00"` is the end of the day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeOfDay {
    /// Minutes since midnight, 0..=1440.
    pub minutes: u32,
}

impl TimeOfDay {
    /// Parses `"HH:MM"` with HH in 00..=23 (or `"24:00"`) and MM in 00..=59.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("`{text}` is not a time of day: expected \"HH:MM\", like \"06:30\"");
        let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
        let digits =
            |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(h) || m.len() != 2 || !digits(m) {
            return Err(bad());
        }
        let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if m > 59 || h > 24 || (h == 24 && m != 0) {
            return Err(bad());
        }
        Ok(TimeOfDay {
            minutes: h * 60 + m,
        })
    }
}

impl std::fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.minutes / 60, self.minutes % 60)
    }
}

impl<'de> Deserialize<'de> for TimeOfDay {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = TimeOfDay;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a local time of day as \"HH:MM\", like \"06:30\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<TimeOfDay, E> {
                TimeOfDay::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}
