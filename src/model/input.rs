//! What a model is given to read its sections and validate them.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::DeTable;

use super::Estimator;
use crate::clock::ClockSpec;
use crate::field::FieldError;
use crate::time::SimDuration;

/// A model's sections of one scenario, as a TOML table whose values keep
/// their positions in the scenario text (errors point at them).
pub struct Sections<'a> {
    table: Spanned<DeTable<'a>>,
}

impl<'a> Sections<'a> {
    /// The sections in `table` (the scenario loader builds it).
    pub fn new(table: Spanned<DeTable<'a>>) -> Self {
        Sections { table }
    }
    /// Deserialises the sections into `T`, a struct with one optional field
    /// per section (`deny_unknown_fields`); errors keep their positions.
    pub fn deserialize<T: DeserializeOwned>(self) -> Result<T, FieldError> {
        let de = toml::de::Deserializer::from(self.table);
        T::deserialize(de).map_err(|e| FieldError::from_toml(&e))
    }
}

/// What a model's sections are validated against: the scenario's common
/// keys, already validated.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// The hosts' clocks by name.
    pub hosts: &'a BTreeMap<String, ClockSpec>,
    /// The simulated period of one replication.
    pub horizon: SimDuration,
    /// Where `horizon` is written (for an error about it).
    pub horizon_span: Option<Range<usize>>,
    /// The estimator the scenario asks for.
    pub estimator: Estimator,
    /// Where `estimator` is written (`None` when it is not: the default).
    pub estimator_span: Option<Range<usize>>,
    /// The folder relative data files resolve against.
    pub base_dir: &'a Path,
}

impl Context<'_> {
    /// An error about the scenario's `horizon`.
    pub fn horizon_error(&self, message: impl Into<String>) -> FieldError {
        FieldError {
            span: self.horizon_span.clone(),
            key: None,
            message: message.into(),
        }
    }
    /// An error about the scenario's `estimator`.
    pub fn estimator_error(&self, message: impl Into<String>) -> FieldError {
        FieldError {
            span: self.estimator_span.clone(),
            // without a span (no `estimator` written) the key names it
            key: self.estimator_span.is_none().then(|| "estimator".into()),
            message: message.into(),
        }
    }
    /// The whole days the horizon covers (rounded up, at least 1), for
    /// per-day series.
    pub fn days(&self) -> u32 {
        days(self.horizon)
    }
}

/// Whole days `horizon` covers (rounded up, at least 1).
pub(crate) fn days(horizon: SimDuration) -> u32 {
    let day = SimDuration::from_hours(24).as_nanos();
    ((horizon.as_nanos() + day - 1) / day).max(1) as u32
}
