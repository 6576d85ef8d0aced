//! Why a distribution is refused: [`DistError`], and the parameter checks
//! (finite, positive, weights) every constructor runs, with values shown in
//! the unit they were written in.

use rand::distr::weighted::WeightedIndex;

use super::Scalar;
use crate::time::SimDuration;

/// Why a distribution was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DistError {
    /// A parameter outside its range (`sd` negative, `p99 < median`...).
    #[error("{0}")]
    Invalid(String),
    /// The empirical CSV could not be used.
    #[error("{0}")]
    Empirical(String),
}

/// How parameter values are shown in error messages: durations in human
/// units (`5s`), numbers as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unit {
    Number,
    Seconds,
}

impl Unit {
    pub(super) fn of<S: Scalar>() -> Unit {
        if S::IS_DURATION {
            Unit::Seconds
        } else {
            Unit::Number
        }
    }
    pub(super) fn show(self, x: f64) -> String {
        match self {
            Unit::Seconds if x.is_finite() => SimDuration::from_secs_f64(x).to_string(),
            _ => format!("{x}"),
        }
    }
}

pub(super) fn invalid(message: String) -> DistError {
    DistError::Invalid(message)
}

/// `x` if finite.
pub(super) fn finite(name: &str, x: f64, unit: Unit) -> Result<f64, DistError> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(invalid(format!(
            "{name} must be a finite number, got {}",
            unit.show(x)
        )))
    }
}

/// `x` if finite and strictly positive.
pub(super) fn positive(name: &str, x: f64, unit: Unit) -> Result<f64, DistError> {
    if finite(name, x, unit)? > 0.0 {
        Ok(x)
    } else {
        Err(invalid(format!(
            "{name} ({}) must be positive",
            unit.show(x)
        )))
    }
}

/// `x` if finite and not negative.
pub(super) fn non_negative(name: &str, x: f64, unit: Unit) -> Result<f64, DistError> {
    if finite(name, x, unit)? >= 0.0 {
        Ok(x)
    } else {
        Err(invalid(format!(
            "{name} ({}) must not be negative",
            unit.show(x)
        )))
    }
}

/// Checks weights (finite, `>= 0`, not all zero, finite sum) and returns
/// them normalised to probabilities. `what` names the list in messages.
pub(super) fn probabilities(weights: &[f64], what: &str) -> Result<Vec<f64>, DistError> {
    if weights.is_empty() {
        return Err(invalid(format!("{what} needs at least one entry")));
    }
    for (i, &w) in weights.iter().enumerate() {
        if !w.is_finite() || w < 0.0 {
            return Err(invalid(format!(
                "weight {w} of {what} entry {} must be a finite number >= 0",
                i + 1
            )));
        }
    }
    let total: f64 = weights.iter().sum();
    if total == 0.0 {
        return Err(invalid(format!(
            "all weights of {what} are zero: at least one must be positive"
        )));
    }
    if !total.is_finite() {
        return Err(invalid(format!(
            "the weights of {what} add up to more than a float can hold; scale them down"
        )));
    }
    Ok(weights.iter().map(|w| w / total).collect())
}

pub(super) fn weighted_index(weights: &[f64]) -> Result<WeightedIndex<f64>, DistError> {
    WeightedIndex::new(weights.iter().copied()).map_err(|e| invalid(format!("weights: {e}")))
}
