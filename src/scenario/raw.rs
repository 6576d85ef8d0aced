//! The raw mirror of a scenario's common keys: serde types that only parse.
//! A model's own tables (`[checkout]`, `[terminal]`...) are parsed by the
//! model ([`crate::model::ModelKind::parse`]), a host's clock by
//! [`crate::clock::raw`].
//!
//! Every table refuses unknown keys and lists its keys in `KEYS` (checked
//! against serde by a test, and against `docs/scenario-reference.md`).
//! Values whose meaning is checked after parsing (host names, ranges that
//! depend on other keys) are wrapped in [`toml::Spanned`] so the check can
//! point at them. Parameter checks that need nothing else (a distribution's
//! `p99 >= median`) happen inside the value's own deserializer and keep their
//! span that way.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::clock::raw::RawClock;
use crate::model::Estimator;
use crate::units::DurationValue;

/// The keys every scenario may have, whatever its model (the model's own
/// tables come between `hosts` and `sweep` in messages).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCommon {
    /// Also the output folder's name.
    pub name: Spanned<String>,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// Which model.
    pub model: Spanned<String>,
    /// Scenario seed.
    #[serde(default)]
    pub seed: Option<Spanned<i64>>,
    /// Replications.
    #[serde(default)]
    pub replications: Option<Spanned<i64>>,
    /// Simulated period of one replication.
    pub horizon: Spanned<DurationValue>,
    /// Estimator (absent: plain sampling), with where it is written.
    #[serde(default)]
    pub estimator: Option<Spanned<Estimator>>,
    /// Hosts by name.
    #[serde(default)]
    pub hosts: BTreeMap<String, RawHost>,
    /// Sweep: dotted key path -> list or range (kept as TOML, checked later).
    pub sweep: Option<Spanned<toml::Table>>,
    /// Checks for `racesim check`.
    #[serde(default)]
    pub expect: Vec<Spanned<RawExpect>>,
}

impl RawCommon {
    /// The estimator asked for (plain sampling when none is written).
    pub fn estimator(&self) -> Estimator {
        self.estimator
            .as_ref()
            .map(|e| *e.get_ref())
            .unwrap_or_default()
    }

    /// The common keys before the model's tables, in message order.
    pub const KEYS_BEFORE_MODEL: &'static [&'static str] = &[
        "name",
        "description",
        "model",
        "seed",
        "replications",
        "horizon",
        "estimator",
        "hosts",
    ];
    /// The common keys after the model's tables.
    pub const KEYS_AFTER_MODEL: &'static [&'static str] = &["sweep", "expect"];

    /// True when `key` is a common key.
    pub fn is_key(key: &str) -> bool {
        Self::KEYS_BEFORE_MODEL.contains(&key) || Self::KEYS_AFTER_MODEL.contains(&key)
    }
}

/// `[hosts.NAME]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHost {
    /// The host's clock.
    #[serde(default)]
    pub clock: Option<RawClock>,
}

impl RawHost {
    /// Every key of `[hosts.NAME]`.
    pub const KEYS: &'static [&'static str] = &["clock"];
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

impl RawExpect {
    /// Every key of `[[expect]]`.
    pub const KEYS: &'static [&'static str] = &["metric", "max", "min"];
}
