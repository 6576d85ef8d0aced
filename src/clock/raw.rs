//! A host's `clock` table as written ([`RawClock`] and its `sync`,
//! `outages` and `steps`), and its validation into a [`ClockSpec`]. Serde
//! types that only parse; every table refuses unknown keys and lists its
//! keys in `KEYS` (checked against serde by a test, and against
//! `docs/scenario-reference.md`).

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::{ClockSpec, Discipline, FrequencySpec, Start, SyncMode, SyncSpec};
use crate::dist::{Dist, DurationDist, RawDist};
use crate::field::FieldError;
use crate::time::{MIN_PERIOD, SimDuration, SimTime};
use crate::units::DurationValue;

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

impl RawClock {
    /// Every key of a host's `clock` table.
    pub const KEYS: &'static [&'static str] = &[
        "offset",
        "drift_ppm",
        "wander_ppm",
        "sync",
        "outages",
        "steps",
    ];
}

impl RawSync {
    /// Every key of a clock's `sync` table.
    pub const KEYS: &'static [&'static str] = &[
        "interval",
        "accuracy",
        "mode",
        "max_slew_ppm",
        "discipline",
        "residual_ppm",
        "time_constant",
        "start",
    ];
}

impl RawOutage {
    /// Every key of an item of a clock's `outages`.
    pub const KEYS: &'static [&'static str] = &["from", "to"];
}

impl RawStep {
    /// Every key of an item of a clock's `steps`.
    pub const KEYS: &'static [&'static str] = &["at", "by"];
}

/// Validates a host's `clock` table; relative `empirical` files resolve
/// against `base`.
pub fn clock_spec(c: &RawClock, base: &Path) -> Result<ClockSpec, FieldError> {
    let offset = match &c.offset {
        None => DurationDist::constant(SimDuration::ZERO),
        Some(d) => d
            .get_ref()
            .build_duration(base)
            .map_err(|e| FieldError::at(d, e.to_string()))?,
    };
    let drift_ppm = match &c.drift_ppm {
        None => Dist::Constant(0.0),
        Some(d) => d
            .get_ref()
            .build(base)
            .map_err(|e| FieldError::at(d, e.to_string()))?,
    };
    let wander_ppm = match &c.wander_ppm {
        None => 0.0,
        Some(w) if w.get_ref().is_finite() && *w.get_ref() >= 0.0 => *w.get_ref(),
        Some(w) => return Err(FieldError::at(w, "wander_ppm must be a finite number >= 0")),
    };
    let sync = match &c.sync {
        None => None,
        Some(s) => {
            let r = s.get_ref();
            let interval = r.interval.get_ref().0;
            if interval <= SimDuration::ZERO {
                return Err(FieldError::at(
                    &r.interval,
                    "sync interval must be positive, e.g. \"64s\"",
                ));
            }
            if interval < MIN_PERIOD {
                return Err(FieldError::at(
                    &r.interval,
                    format!(
                        "sync interval {interval} is too short: at least {MIN_PERIOD} \
                         (ntpd syncs every 64 s to 17 min, PTP about every 1/8 s)"
                    ),
                ));
            }
            let accuracy = r.accuracy.get_ref().0;
            if accuracy.is_negative() {
                return Err(FieldError::at(&r.accuracy, "sync accuracy must be >= 0"));
            }
            let max_slew_ppm = match &r.max_slew_ppm {
                None => 500.0,
                Some(m) if m.get_ref().is_finite() && *m.get_ref() > 0.0 => *m.get_ref(),
                Some(m) => {
                    return Err(FieldError::at(
                        m,
                        "max_slew_ppm must be a positive number (ntpd: 500, chrony: up to 83333)",
                    ));
                }
            };
            if r.max_slew_ppm.is_some() && r.mode == RawSyncMode::Step {
                return Err(FieldError::at(
                    s,
                    "max_slew_ppm applies to mode = \"slew\" only",
                ));
            }
            Some(SyncSpec {
                interval,
                accuracy,
                mode: match r.mode {
                    RawSyncMode::Step => SyncMode::Step,
                    RawSyncMode::Slew => SyncMode::Slew,
                },
                max_slew_ppm,
                discipline: sync_discipline(r, s, interval)?,
            })
        }
    };
    let mut outages = Vec::new();
    for o in &c.outages {
        let (from, to) = (o.get_ref().from.0, o.get_ref().to.0);
        if from.is_negative() || to <= from {
            return Err(FieldError::at(
                o,
                format!("an outage needs 0 <= from < to, got from = {from}, to = {to}"),
            ));
        }
        outages.push((SimTime::ZERO + from, SimTime::ZERO + to));
    }
    let mut steps = Vec::new();
    for s in &c.steps {
        let at = s.get_ref().at.0;
        if at.is_negative() {
            return Err(FieldError::at(
                s,
                "a step's `at` must be >= 0 (true time since the start)",
            ));
        }
        steps.push((SimTime::ZERO + at, s.get_ref().by.0));
    }
    steps.sort_by_key(|s| s.0);
    Ok(ClockSpec {
        offset,
        drift_ppm,
        wander_ppm,
        sync,
        outages,
        steps,
    })
}

/// The `discipline` of a `sync` table and its keys (`residual_ppm`,
/// `time_constant`, `start`), with the defaults of
/// [`FrequencySpec::daemon`].
fn sync_discipline(
    r: &RawSync,
    s: &Spanned<RawSync>,
    interval: SimDuration,
) -> Result<Discipline, FieldError> {
    if r.discipline == RawDiscipline::Offset {
        for (given, key) in [
            (r.residual_ppm.is_some(), "residual_ppm"),
            (r.time_constant.is_some(), "time_constant"),
            (r.start.is_some(), "start"),
        ] {
            if given {
                return Err(FieldError::at(
                    s,
                    format!(
                        "{key} applies to discipline = \"frequency\" only: add discipline = \"frequency\" for a daemon that learns the frequency (the default, \"offset\", corrects the offset only)"
                    ),
                ));
            }
        }
        return Ok(Discipline::Offset);
    }
    let mut f = FrequencySpec::daemon(interval);
    if let Some(x) = &r.residual_ppm {
        let v = *x.get_ref();
        if !(v.is_finite() && v >= 0.0) {
            return Err(FieldError::at(
                x,
                "residual_ppm must be a finite number >= 0 (typical: 0.01 to 1; default 0.1)",
            ));
        }
        f.residual_ppm = v;
    }
    if let Some(x) = &r.time_constant {
        let v = x.get_ref().0;
        if v <= SimDuration::ZERO {
            return Err(FieldError::at(
                x,
                format!(
                    "time_constant must be a positive duration (default: {} sync intervals, {})",
                    super::discipline::TIME_CONSTANT_INTERVALS,
                    f.time_constant
                ),
            ));
        }
        f.time_constant = v;
    }
    if let Some(x) = &r.start {
        f.start = match x.get_ref() {
            RawStart::Warm => Start::Warm,
            RawStart::Cold => Start::Cold,
        };
    }
    Ok(Discipline::Frequency(f))
}
