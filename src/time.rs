//! Simulation time: integer nanoseconds of *true* time.
//!
//! [`SimTime`] is an instant (nanoseconds since the start of a replication),
//! [`SimDuration`] a signed span. Both are `i64` nanoseconds, so ordering is
//! exact and a run is reproducible bit for bit. Host-local time is a function
//! of true time and lives in [`crate::clock`].
//!
//! Arithmetic saturates instead of overflowing: sampled durations are clamped
//! to [`SimDuration::MAX_SAMPLE`] and horizons to [`MAX_HORIZON`], so any sum a
//! model forms stays far from `i64::MAX` (about 292 years).

use std::fmt;
use std::ops::{Add, AddAssign, Neg, Sub};

const NANOS_PER_SEC: i64 = 1_000_000_000;

/// The longest horizon a scenario may ask for: 100 years, leaving room below
/// `i64::MAX` nanoseconds (292 years) for latencies and retries after it.
pub const MAX_HORIZON: SimDuration = SimDuration(100 * 365 * 86_400 * NANOS_PER_SEC);

/// The shortest period racesim accepts for anything that repeats through a
/// run (clock syncs, transfer polls): 1 ms. Shorter periods make a run step
/// through billions of instants a day (a 1 ns sync over one hour is 3.6e12
/// syncs) while no real daemon or poller runs that often.
pub const MIN_PERIOD: SimDuration = SimDuration(NANOS_PER_SEC / 1000);

/// An instant of true time, in nanoseconds since the start of the replication.
/// Serialised as integer nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct SimTime(i64);

/// A signed span of time in nanoseconds.
/// Serialised as integer nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct SimDuration(i64);

impl SimTime {
    /// The start of every replication.
    pub const ZERO: SimTime = SimTime(0);
    /// The latest representable instant.
    pub const MAX: SimTime = SimTime(i64::MAX);

    /// An instant from nanoseconds since the start.
    pub const fn from_nanos(ns: i64) -> Self {
        SimTime(ns)
    }
    /// Nanoseconds since the start.
    pub const fn as_nanos(self) -> i64 {
        self.0
    }
    /// Seconds since the start, as a float (for reports and closed forms).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SEC as f64
    }
    /// An instant from seconds since the start (saturating, rounded to the ns).
    pub fn from_secs_f64(s: f64) -> Self {
        SimTime(SimDuration::from_secs_f64(s).0)
    }
    /// The span from `earlier` to `self` (negative if `earlier` is later).
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
    /// `self + d`, or `None` on overflow.
    pub fn checked_add(self, d: SimDuration) -> Option<SimTime> {
        self.0.checked_add(d.0).map(SimTime)
    }
}

impl SimDuration {
    /// Zero length.
    pub const ZERO: SimDuration = SimDuration(0);
    /// The largest duration a distribution sample is clamped to (100 years).
    pub const MAX_SAMPLE: SimDuration = MAX_HORIZON;

    /// A duration from nanoseconds.
    pub const fn from_nanos(ns: i64) -> Self {
        SimDuration(ns)
    }
    /// A duration from whole seconds.
    pub const fn from_secs(s: i64) -> Self {
        SimDuration(s * NANOS_PER_SEC)
    }
    /// A duration from whole milliseconds.
    pub const fn from_millis(ms: i64) -> Self {
        SimDuration(ms * 1_000_000)
    }
    /// A duration from whole minutes.
    pub const fn from_mins(m: i64) -> Self {
        SimDuration(m * 60 * NANOS_PER_SEC)
    }
    /// A duration from whole hours.
    pub const fn from_hours(h: i64) -> Self {
        SimDuration(h * 3600 * NANOS_PER_SEC)
    }
    /// A duration from float seconds, rounded to the nanosecond and clamped to
    /// +/- [`SimDuration::MAX_SAMPLE`] (NaN becomes zero).
    #[inline]
    pub fn from_secs_f64(s: f64) -> Self {
        let ns = s * NANOS_PER_SEC as f64;
        // Fast path, bit for bit `ns.round()` (half away from zero): below
        // 2^52 the truncation is exact in an i64 and `ns - trunc` is the exact
        // fractional part. `f64::round` is a library call on baseline x86-64,
        // and every sampled duration goes through here (issue #7).
        if ns.abs() < 4_503_599_627_370_496.0 {
            let t = ns as i64;
            let frac = ns - t as f64;
            let r = if frac >= 0.5 {
                t + 1
            } else if frac <= -0.5 {
                t - 1
            } else {
                t
            };
            return SimDuration(r);
        }
        if s.is_nan() {
            return SimDuration::ZERO;
        }
        let max = Self::MAX_SAMPLE.0 as f64;
        let ns = (s * NANOS_PER_SEC as f64).round().clamp(-max, max);
        SimDuration(ns as i64)
    }
    /// Nanoseconds.
    pub const fn as_nanos(self) -> i64 {
        self.0
    }
    /// Seconds as a float.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SEC as f64
    }
    /// True if strictly negative.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }
    /// Absolute value (saturating).
    pub const fn abs(self) -> Self {
        SimDuration(self.0.saturating_abs())
    }
    /// `self * k`, saturating.
    pub const fn saturating_mul(self, k: i64) -> Self {
        SimDuration(self.0.saturating_mul(k))
    }
    /// `self * k`, or `None` on overflow.
    pub fn checked_mul(self, k: i64) -> Option<Self> {
        self.0.checked_mul(k).map(SimDuration)
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}
impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        *self = *self + d;
    }
}
impl Sub<SimDuration> for SimTime {
    type Output = SimTime;
    fn sub(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_sub(d.0))
    }
}
impl Sub for SimTime {
    type Output = SimDuration;
    fn sub(self, other: SimTime) -> SimDuration {
        self.since(other)
    }
}
impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(d.0))
    }
}
impl AddAssign for SimDuration {
    fn add_assign(&mut self, d: SimDuration) {
        *self = *self + d;
    }
}
impl Sub for SimDuration {
    type Output = SimDuration;
    fn sub(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_sub(d.0))
    }
}
impl Neg for SimDuration {
    type Output = SimDuration;
    fn neg(self) -> SimDuration {
        SimDuration(self.0.saturating_neg())
    }
}

impl fmt::Display for SimDuration {
    /// Human units with a sign, e.g. `-6m 12ms`, `250ms`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let d = std::time::Duration::new(
            abs / NANOS_PER_SEC as u64,
            (abs % NANOS_PER_SEC as u64) as u32,
        );
        write!(
            f,
            "{sign}{}",
            spaced(&humantime::format_duration(d).to_string())
        )
    }
}

/// humantime's `7days 2h` written `7 days 2h`: a unit spelled out as a word
/// gets a space before it (`1 day`, `2 months`, `1 year`); symbols (`h`,
/// `m`, `ms`) stay attached. Both forms parse back.
fn spaced(text: &str) -> String {
    text.split(' ')
        .map(|part| {
            let at = part
                .find(|c: char| c.is_ascii_alphabetic())
                .unwrap_or(part.len());
            let (num, unit) = part.split_at(at);
            if unit.len() > 2 && !num.is_empty() {
                format!("{num} {unit}")
            } else {
                part.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl fmt::Display for SimTime {
    /// True time since the start as `d+hh:mm:ss.nnnnnnnnn` (day count first).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", format_clock_reading(self.0))
    }
}

/// Formats nanoseconds since the start as `Dd HH:MM:SS.mmm` (negative readings,
/// possible for a local clock behind at t = 0, get a leading `-`).
pub fn format_clock_reading(ns: i64) -> String {
    let sign = if ns < 0 { "-" } else { "" };
    let abs = ns.unsigned_abs();
    let total_ms = abs / 1_000_000;
    let ms = total_ms % 1000;
    let s = (total_ms / 1000) % 60;
    let m = (total_ms / 60_000) % 60;
    let h = (total_ms / 3_600_000) % 24;
    let d = total_ms / 86_400_000;
    format!("{sign}day {d} {h:02}:{m:02}:{s:02}.{ms:03}")
}

/// Why a duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Not a number with a unit.
    #[error(
        "`{text}` is not a duration: expected a number with a unit, like \"250ms\", \"5m\", \"1h30m\" or \"7d\" ({reason})"
    )]
    Syntax {
        /// The text given.
        text: String,
        /// humantime's reason.
        reason: String,
    },
    /// Too long for the `i64` nanosecond time type.
    #[error(
        "`{text}` is too long for racesim's time type (at most about 292 years of nanoseconds)"
    )]
    TooLong {
        /// The text given.
        text: String,
    },
}

/// Parses a signed duration with units: `"250ms"`, `"5m"`, `"1h30m"`, `"7d"`,
/// `"-6m"`, `"+2s"`, `"1.5s"`. A bare `"0"` is accepted as zero; any other bare
/// number is refused because its unit would be a guess.
pub fn parse_duration(text: &str) -> Result<SimDuration, DurationError> {
    let t = text.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, t.strip_prefix('+').unwrap_or(t).trim_start()),
    };
    if body == "0" {
        return Ok(SimDuration::ZERO);
    }
    let d = humantime::parse_duration(body).map_err(|e| DurationError::Syntax {
        text: text.to_string(),
        reason: e.to_string(),
    })?;
    let ns = i64::try_from(d.as_nanos()).map_err(|_| DurationError::TooLong {
        text: text.to_string(),
    })?;
    Ok(SimDuration(if neg { -ns } else { ns }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition the fast path of `from_secs_f64` must match bit for bit.
    fn from_secs_f64_reference(s: f64) -> SimDuration {
        if s.is_nan() {
            return SimDuration::ZERO;
        }
        let max = SimDuration::MAX_SAMPLE.0 as f64;
        SimDuration((s * NANOS_PER_SEC as f64).round().clamp(-max, max) as i64)
    }

    #[test]
    fn from_secs_f64_rounds_half_away_from_zero_exactly() {
        let ns = NANOS_PER_SEC as f64;
        let two52 = 4_503_599_627_370_496.0;
        let mut cases = vec![
            0.0,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            1e300,
            -1e300,
        ];
        for x in [
            0.25f64,
            0.5,
            1.5,
            2.5,
            0.49999999999999994,
            0.5000000000000001,
            123_456_789.5,
            two52 - 0.5,
            two52 - 1.0,
            two52,
            two52 + 2.0,
            2.0 * two52,
            9.3e18,
        ] {
            for v in [
                x,
                f64::from_bits(x.to_bits() - 1),
                f64::from_bits(x.to_bits() + 1),
            ] {
                cases.push(v / ns);
                cases.push(-v / ns);
            }
        }
        // a pseudo-random sweep over magnitudes from 1e-12 s to 1e10 s
        let mut z = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..200_000 {
            z = crate::engine::rng::splitmix64(z);
            let mant = (z >> 11) as f64 / (1u64 << 53) as f64;
            let exp = ((z & 0x3f) as i32) - 40;
            let v = mant * 2f64.powi(exp);
            cases.push(if z & 0x40 != 0 { -v } else { v });
            // exact halves in nanoseconds
            let half = ((z >> 20) % 10_000_000_000) as f64 + 0.5;
            cases.push(half / ns);
        }
        for s in cases {
            assert_eq!(
                SimDuration::from_secs_f64(s),
                from_secs_f64_reference(s),
                "s = {s:e} ({:#x})",
                s.to_bits()
            );
        }
    }

    #[test]
    fn parses_units_and_signs() {
        assert_eq!(
            parse_duration("250ms").unwrap(),
            SimDuration::from_millis(250)
        );
        assert_eq!(parse_duration("5m").unwrap(), SimDuration::from_mins(5));
        assert_eq!(parse_duration("1h30m").unwrap(), SimDuration::from_mins(90));
        assert_eq!(parse_duration("7d").unwrap(), SimDuration::from_hours(168));
        assert_eq!(parse_duration("-6m").unwrap(), -SimDuration::from_mins(6));
        assert_eq!(parse_duration("+2s").unwrap(), SimDuration::from_secs(2));
        assert_eq!(
            parse_duration("1.5s").unwrap(),
            SimDuration::from_millis(1500)
        );
        assert_eq!(parse_duration("0").unwrap(), SimDuration::ZERO);
    }

    #[test]
    fn refuses_bare_numbers_and_overflow() {
        assert!(matches!(
            parse_duration("90"),
            Err(DurationError::Syntax { .. })
        ));
        assert!(matches!(
            parse_duration("300y"),
            Err(DurationError::TooLong { .. })
        ));
        assert!(matches!(
            parse_duration("5 parsecs"),
            Err(DurationError::Syntax { .. })
        ));
    }

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(SimTime::MAX + SimDuration::from_secs(1), SimTime::MAX);
        assert_eq!(
            SimDuration::from_secs_f64(1e30),
            SimDuration::MAX_SAMPLE,
            "samples are clamped"
        );
        assert_eq!(SimDuration::from_secs_f64(f64::NAN), SimDuration::ZERO);
    }

    #[test]
    fn displays_human_units() {
        assert_eq!(SimDuration::from_mins(-6).to_string(), "-6m");
        assert_eq!(SimDuration::from_millis(250).to_string(), "250ms");
        assert_eq!(SimDuration::from_hours(24 * 7).to_string(), "7 days");
        assert_eq!(SimDuration::from_hours(25).to_string(), "1 day 1h");
        // the spaced form parses back
        assert_eq!(
            parse_duration("1 day 1h").unwrap(),
            SimDuration::from_hours(25)
        );
        assert_eq!(
            SimTime::from_nanos(86_400_000_000_000 + 3_723_004_000_000).to_string(),
            "day 1 01:02:03.004"
        );
    }
}
