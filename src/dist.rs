//! Distributions of durations and numbers, and their scenario-file form.
//!
//! INTERFACE FILE (being implemented): the public items below are the contract
//! other modules code against. Bodies marked `todo!()` are filled in by the
//! distribution work.
//!
//! A [`Dist`] is an immutable, validated value over `f64`; durations use it in
//! seconds through [`DurationDist`]. The scenario form is [`RawDist<S>`], where
//! `S` is the scalar a constant is written in: [`DurationValue`] (a string with
//! units) or `f64`.

use std::path::Path;

use rand::Rng;
use serde::Deserialize;

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

/// A validated distribution over `f64`.
#[derive(Debug, Clone)]
pub enum Dist {
    /// Always this value.
    Constant(f64),
}

impl Dist {
    /// Draws one value.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let _ = rng;
        todo!()
    }
    /// The mean (may be infinite, e.g. Pareto with shape <= 1).
    pub fn mean(&self) -> f64 {
        todo!()
    }
    /// The lower end of the support (`-inf` for a normal).
    pub fn min_value(&self) -> f64 {
        todo!()
    }
    /// `Some(v)` if the distribution always gives `v`.
    pub fn as_constant(&self) -> Option<f64> {
        todo!()
    }
    /// `E[f(X)]`, computed deterministically (quadrature over quantiles,
    /// exact sums for choice/empirical, weighted sum for mixtures).
    pub fn expect(&self, f: &dyn Fn(f64) -> f64) -> f64 {
        let _ = f;
        todo!()
    }
}

/// A distribution of durations (a [`Dist`] in seconds).
#[derive(Debug, Clone)]
pub struct DurationDist(pub Dist);

impl DurationDist {
    /// A constant duration.
    pub fn constant(d: SimDuration) -> Self {
        DurationDist(Dist::Constant(d.as_secs_f64()))
    }
    /// Draws one duration (rounded to the nanosecond, clamped).
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimDuration {
        SimDuration::from_secs_f64(self.0.sample(rng))
    }
    /// `Some(d)` if constant.
    pub fn as_constant(&self) -> Option<SimDuration> {
        self.0.as_constant().map(SimDuration::from_secs_f64)
    }
    /// True if a sample can be negative (refused for latencies).
    pub fn can_be_negative(&self) -> bool {
        self.0.min_value() < 0.0
    }
}

/// A duration written in a scenario: a string with units (`"250ms"`, `"-6m"`)
/// or the integer `0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationValue(pub SimDuration);

impl<'de> Deserialize<'de> for DurationValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let _ = d;
        todo!()
    }
}

/// The scalar a distribution's constants are written in.
pub trait Scalar: for<'de> Deserialize<'de> + Clone + std::fmt::Debug {
    /// The value in the distribution's unit (seconds for durations).
    fn to_f64(&self) -> f64;
    /// True for durations (empirical `unit` applies, etc.).
    const IS_DURATION: bool;
}

/// A distribution as written in a scenario file, validated for its own
/// parameters at parse time (so errors keep the file position) but with
/// `empirical` files not yet read.
#[derive(Debug, Clone)]
pub enum RawDist<S: Scalar> {
    /// `"5m"` or `5`.
    Constant(S),
}

impl<'de, S: Scalar> Deserialize<'de> for RawDist<S> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let _ = d;
        todo!()
    }
}

impl<S: Scalar> RawDist<S> {
    /// Builds the distribution; relative `empirical` paths resolve against
    /// `base_dir` (the scenario file's folder).
    pub fn build(&self, base_dir: &Path) -> Result<Dist, DistError> {
        let _ = base_dir;
        todo!()
    }
}

impl RawDist<DurationValue> {
    /// Builds a duration distribution.
    pub fn build_duration(&self, base_dir: &Path) -> Result<DurationDist, DistError> {
        self.build(base_dir).map(DurationDist)
    }
}

impl Scalar for DurationValue {
    fn to_f64(&self) -> f64 {
        self.0.as_secs_f64()
    }
    const IS_DURATION: bool = true;
}

impl Scalar for f64 {
    fn to_f64(&self) -> f64 {
        *self
    }
    const IS_DURATION: bool = false;
}
