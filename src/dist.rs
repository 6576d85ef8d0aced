//! Distributions of durations and numbers, and their scenario-file form.
//!
//! This module owns every random quantity a scenario can describe: the kinds
//! of the scenario reference (constant, uniform, normal, lognormal,
//! percentiles, exponential, gamma, Weibull, Pareto, empirical, choice,
//! mixture; the forms given by percentiles are in [`fit`]), their
//! validation, their sampling on the hot path and their closed-form moments.
//! Its child [`tail`] gives what the back-of-envelope formulas integrate:
//! survival functions and stop-loss transforms exact far into the tail, and
//! a deterministic `E[f(X)]` by adaptive quadrature ([`quad`]).
//!
//! A [`Dist`] is an immutable, validated value over `f64`, built only through
//! its checking constructors ([`Dist::normal`]...). Each variant holds its
//! sampler already built (rand_distr objects, weighted indices), so
//! [`Dist::sample`] neither allocates nor re-validates. Durations use a `Dist`
//! in seconds through [`DurationDist`].
//!
//! The scenario form is [`RawDist<S>`], where `S` is the scalar a constant is
//! written in: [`DurationValue`] (a string with units) or `f64`. Its
//! parameters are checked while the TOML is deserialized, so a bad value is
//! reported with its line and column; only `empirical` CSV files are read
//! later, by [`RawDist::build`]. Reading that file is the one piece of I/O in
//! this module; sampling never touches files or the wall clock.

use std::fmt;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use rand::Rng;
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rand_distr as rd;
use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};

use crate::time::{SimDuration, parse_duration};
use crate::units::DurationValue;
use fit::{Level, Percentile, PercentileFit};

pub mod fit;
pub mod quad;
pub mod tail;

/// The standard normal quantile at 0.99: `Phi^-1(0.99)`. A lognormal given by
/// `{ median, p99 }` has `sigma = (ln p99 - ln median) / Z_99`.
pub const Z_99: f64 = 2.326_347_874_040_840_8;

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
enum Unit {
    Number,
    Seconds,
}

impl Unit {
    fn of<S: Scalar>() -> Unit {
        if S::IS_DURATION {
            Unit::Seconds
        } else {
            Unit::Number
        }
    }
    fn show(self, x: f64) -> String {
        match self {
            Unit::Seconds if x.is_finite() => SimDuration::from_secs_f64(x).to_string(),
            _ => format!("{x}"),
        }
    }
}

fn invalid(message: String) -> DistError {
    DistError::Invalid(message)
}

/// `x` if finite.
fn finite(name: &str, x: f64, unit: Unit) -> Result<f64, DistError> {
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
fn positive(name: &str, x: f64, unit: Unit) -> Result<f64, DistError> {
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
fn non_negative(name: &str, x: f64, unit: Unit) -> Result<f64, DistError> {
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
fn probabilities(weights: &[f64], what: &str) -> Result<Vec<f64>, DistError> {
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

fn weighted_index(weights: &[f64]) -> Result<WeightedIndex<f64>, DistError> {
    WeightedIndex::new(weights.iter().copied()).map_err(|e| invalid(format!("weights: {e}")))
}

/// Uniform on `[low, high]`.
#[derive(Debug, Clone)]
pub struct Uniform {
    low: f64,
    high: f64,
    sampler: rand::distr::Uniform<f64>,
}

impl Uniform {
    /// Lower bound.
    pub fn low(&self) -> f64 {
        self.low
    }
    /// Upper bound.
    pub fn high(&self) -> f64 {
        self.high
    }
}

/// Normal (Gaussian) with a mean and a standard deviation.
#[derive(Debug, Clone)]
pub struct Normal {
    mean: f64,
    sd: f64,
    sampler: rd::Normal<f64>,
}

impl Normal {
    /// The mean.
    pub fn mean(&self) -> f64 {
        self.mean
    }
    /// The standard deviation.
    pub fn sd(&self) -> f64 {
        self.sd
    }
}

/// Lognormal: `exp(mu + sigma Z)` with `Z` standard normal.
#[derive(Debug, Clone)]
pub struct LogNormal {
    mu: f64,
    sigma: f64,
    median: f64,
    sampler: rd::LogNormal<f64>,
}

impl LogNormal {
    /// `mu`, the mean of the logarithm (the log of the median).
    pub fn mu(&self) -> f64 {
        self.mu
    }
    /// `sigma`, the standard deviation of the logarithm.
    pub fn sigma(&self) -> f64 {
        self.sigma
    }
    /// The median, `exp(mu)` (as given, when built from the median).
    pub fn median(&self) -> f64 {
        self.median
    }
}

/// Exponential with a mean (rate `1 / mean`).
#[derive(Debug, Clone)]
pub struct Exponential {
    mean: f64,
}

impl Exponential {
    /// The mean.
    pub fn mean(&self) -> f64 {
        self.mean
    }
}

/// Gamma with a shape `k` and a scale `theta` (mean `k theta`).
#[derive(Debug, Clone)]
pub struct Gamma {
    shape: f64,
    scale: f64,
    sampler: rd::Gamma<f64>,
    /// Its quantiles at the breakpoints of [`Dist::expect`], found by
    /// bisection on the incomplete gamma function on first use and kept.
    points: std::sync::OnceLock<Box<[f64]>>,
}

impl Gamma {
    /// The shape `k`.
    pub fn shape(&self) -> f64 {
        self.shape
    }
    /// The scale `theta`.
    pub fn scale(&self) -> f64 {
        self.scale
    }
}

/// Weibull with a shape `k` and a scale `lambda`.
#[derive(Debug, Clone)]
pub struct Weibull {
    shape: f64,
    scale: f64,
    sampler: rd::Weibull<f64>,
}

impl Weibull {
    /// The shape `k`.
    pub fn shape(&self) -> f64 {
        self.shape
    }
    /// The scale `lambda`.
    pub fn scale(&self) -> f64 {
        self.scale
    }
}

/// Pareto (type I) on `[scale, inf)` with tail index `shape`.
#[derive(Debug, Clone)]
pub struct Pareto {
    scale: f64,
    shape: f64,
    sampler: rd::Pareto<f64>,
}

impl Pareto {
    /// The scale `x_m`, the smallest value.
    pub fn scale(&self) -> f64 {
        self.scale
    }
    /// The shape (tail index) `alpha`.
    pub fn shape(&self) -> f64 {
        self.shape
    }
}

/// Resampling of measured values, each equally likely.
#[derive(Debug, Clone)]
pub struct Empirical {
    values: Vec<f64>,
    min: f64,
    max: f64,
    mean: f64,
    index: rand::distr::Uniform<usize>,
}

impl Empirical {
    /// The measured values, in the order given.
    pub fn values(&self) -> &[f64] {
        &self.values
    }
}

/// Discrete values with weights.
#[derive(Debug, Clone)]
pub struct Choice {
    values: Vec<f64>,
    probabilities: Vec<f64>,
    index: WeightedIndex<f64>,
}

impl Choice {
    /// The values, in the order given.
    pub fn values(&self) -> &[f64] {
        &self.values
    }
    /// The probability of each value (the weights normalised to sum to 1).
    pub fn probabilities(&self) -> &[f64] {
        &self.probabilities
    }
}

/// A weighted mixture: draw a component by weight, then draw from it.
#[derive(Debug, Clone)]
pub struct Mixture {
    components: Vec<Dist>,
    probabilities: Vec<f64>,
    index: WeightedIndex<f64>,
}

impl Mixture {
    /// The components, in the order given.
    pub fn components(&self) -> &[Dist] {
        &self.components
    }
    /// The probability of each component (weights normalised to sum to 1).
    pub fn probabilities(&self) -> &[f64] {
        &self.probabilities
    }
    /// Draws a component, then a value from it. Kept out of line so that
    /// [`Dist::sample`] is not itself recursive and can be inlined into the
    /// models' loops (a recursive function is not).
    #[inline(never)]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.components[self.index.sample(rng)].sample(rng)
    }
    /// (probability, component) pairs with a positive probability.
    fn live(&self) -> impl Iterator<Item = (f64, &Dist)> {
        self.probabilities
            .iter()
            .copied()
            .zip(&self.components)
            .filter(|(p, _)| *p > 0.0)
    }
}

/// A validated distribution over `f64`.
///
/// Build one with the checking constructors ([`Dist::uniform`],
/// [`Dist::normal`]...) or from a scenario through [`RawDist::build`]. The
/// variants other than [`Dist::Constant`] hold opaque types whose parameters
/// are readable but cannot be changed.
#[derive(Debug, Clone)]
pub enum Dist {
    /// Always this value.
    Constant(f64),
    /// Uniform on `[low, high]`.
    Uniform(Uniform),
    /// Normal (can be negative: refused for latencies unless `sd = 0`).
    Normal(Normal),
    /// Lognormal.
    LogNormal(LogNormal),
    /// Through three or more percentiles (piecewise lognormal).
    Percentiles(PercentileFit),
    /// Exponential.
    Exponential(Exponential),
    /// Gamma.
    Gamma(Gamma),
    /// Weibull.
    Weibull(Weibull),
    /// Pareto on `[scale, inf)`.
    Pareto(Pareto),
    /// Resampled measurements.
    Empirical(Empirical),
    /// Weighted discrete values.
    Choice(Choice),
    /// Weighted mixture of distributions.
    Mixture(Mixture),
}

impl Dist {
    /// Always `value` (finite).
    pub fn constant(value: f64) -> Result<Dist, DistError> {
        Self::constant_in(value, Unit::Number)
    }
    fn constant_in(value: f64, unit: Unit) -> Result<Dist, DistError> {
        Ok(Dist::Constant(finite("the constant", value, unit)?))
    }

    /// Uniform on `[low, high]`; `low == high` is allowed (a constant).
    pub fn uniform(low: f64, high: f64) -> Result<Dist, DistError> {
        Self::uniform_in(low, high, Unit::Number)
    }
    fn uniform_in(low: f64, high: f64, unit: Unit) -> Result<Dist, DistError> {
        finite("uniform low", low, unit)?;
        finite("uniform high", high, unit)?;
        if low > high {
            return Err(invalid(format!(
                "uniform low ({}) must not be above high ({})",
                unit.show(low),
                unit.show(high)
            )));
        }
        let sampler = rand::distr::Uniform::new_inclusive(low, high)
            .map_err(|e| invalid(format!("uniform [{low}, {high}]: {e}")))?;
        Ok(Dist::Uniform(Uniform { low, high, sampler }))
    }

    /// Normal with `mean` and standard deviation `sd >= 0`.
    pub fn normal(mean: f64, sd: f64) -> Result<Dist, DistError> {
        Self::normal_in(mean, sd, Unit::Number)
    }
    fn normal_in(mean: f64, sd: f64, unit: Unit) -> Result<Dist, DistError> {
        finite("normal mean", mean, unit)?;
        non_negative("normal sd", sd, unit)?;
        let sampler = rd::Normal::new(mean, sd).map_err(|e| invalid(format!("normal: {e}")))?;
        Ok(Dist::Normal(Normal { mean, sd, sampler }))
    }

    /// Lognormal from the parameters of its logarithm: `mu` finite,
    /// `sigma >= 0`. For durations `mu` is the log of seconds.
    pub fn lognormal(mu: f64, sigma: f64) -> Result<Dist, DistError> {
        finite("lognormal mu", mu, Unit::Number)?;
        non_negative("lognormal sigma", sigma, Unit::Number)?;
        Self::lognormal_unchecked(mu, sigma, mu.exp())
    }

    /// Lognormal from its median and 99th percentile (`p99 >= median > 0`):
    /// `mu = ln median`, `sigma = (ln p99 - ln median) / Z_99`.
    pub fn lognormal_median_p99(median: f64, p99: f64) -> Result<Dist, DistError> {
        Self::lognormal_median_p99_in(median, p99, Unit::Number)
    }
    fn lognormal_median_p99_in(median: f64, p99: f64, unit: Unit) -> Result<Dist, DistError> {
        positive("lognormal median", median, unit)?;
        finite("lognormal p99", p99, unit)?;
        if p99 < median {
            return Err(invalid(format!(
                "lognormal p99 ({}) must be at least the median ({})",
                unit.show(p99),
                unit.show(median)
            )));
        }
        let mu = median.ln();
        let sigma = (p99.ln() - mu) / Z_99;
        Self::lognormal_unchecked(mu, sigma, median)
    }
    /// Lognormal through two percentiles, given in either order: with
    /// `z = Φ^-1(p)`, `sigma = (ln x_hi - ln x_lo) / (z_hi - z_lo)`,
    /// `mu = ln x - sigma z` (see [`fit`]). Values positive, not decreasing
    /// with the level (equal values give `sigma = 0`, a constant). `p50` and
    /// `p99` give exactly [`Dist::lognormal_median_p99`].
    pub fn lognormal_percentiles(a: (Level, f64), b: (Level, f64)) -> Result<Dist, DistError> {
        Self::lognormal_percentiles_in(a, b, Unit::Number)
    }
    fn lognormal_percentiles_in(
        a: (Level, f64),
        b: (Level, f64),
        unit: Unit,
    ) -> Result<Dist, DistError> {
        let (lo, hi) = if a.0.p() <= b.0.p() { (a, b) } else { (b, a) };
        let points = [lo, hi];
        fit::check_points("lognormal", &points, false, unit)?;
        let [lo, hi] = points;
        let p50 = Level::parse("p50").expect("a valid level");
        let p99 = Level::parse("p99").expect("a valid level");
        if lo.0 == p50 && hi.0 == p99 {
            return Self::lognormal_median_p99_in(lo.1, hi.1, unit);
        }
        let (mu, sigma) = fit::lognormal_through((&lo.0, lo.1), (&hi.0, hi.1));
        let median = if lo.0 == p50 {
            lo.1
        } else if hi.0 == p50 {
            hi.1
        } else {
            mu.exp()
        };
        Self::lognormal_unchecked(mu, sigma, median)
    }

    /// Through three or more percentiles (any order): `ln Q(p)` piecewise
    /// linear in `Φ^-1(p)`, with lognormal tails (see [`fit`]). Values
    /// positive and strictly increasing with the level.
    pub fn percentiles(points: Vec<(Level, f64)>) -> Result<Dist, DistError> {
        Self::percentiles_in(points, Unit::Number)
    }
    fn percentiles_in(points: Vec<(Level, f64)>, unit: Unit) -> Result<Dist, DistError> {
        PercentileFit::new(points, unit).map(Dist::Percentiles)
    }

    fn lognormal_unchecked(mu: f64, sigma: f64, median: f64) -> Result<Dist, DistError> {
        let sampler =
            rd::LogNormal::new(mu, sigma).map_err(|e| invalid(format!("lognormal: {e}")))?;
        Ok(Dist::LogNormal(LogNormal {
            mu,
            sigma,
            median,
            sampler,
        }))
    }

    /// Exponential with `mean > 0`.
    pub fn exponential(mean: f64) -> Result<Dist, DistError> {
        Self::exponential_in(mean, Unit::Number)
    }
    fn exponential_in(mean: f64, unit: Unit) -> Result<Dist, DistError> {
        positive("exponential mean", mean, unit)?;
        Ok(Dist::Exponential(Exponential { mean }))
    }

    /// Gamma with `shape > 0` and `scale > 0` (mean `shape * scale`).
    pub fn gamma(shape: f64, scale: f64) -> Result<Dist, DistError> {
        Self::gamma_in(shape, scale, Unit::Number)
    }
    fn gamma_in(shape: f64, scale: f64, unit: Unit) -> Result<Dist, DistError> {
        positive("gamma shape", shape, Unit::Number)?;
        positive("gamma scale", scale, unit)?;
        let sampler = rd::Gamma::new(shape, scale).map_err(|e| invalid(format!("gamma: {e}")))?;
        Ok(Dist::Gamma(Gamma {
            shape,
            scale,
            sampler,
            points: std::sync::OnceLock::new(),
        }))
    }

    /// Weibull with `shape > 0` and `scale > 0`.
    pub fn weibull(shape: f64, scale: f64) -> Result<Dist, DistError> {
        Self::weibull_in(shape, scale, Unit::Number)
    }
    fn weibull_in(shape: f64, scale: f64, unit: Unit) -> Result<Dist, DistError> {
        positive("weibull shape", shape, Unit::Number)?;
        positive("weibull scale", scale, unit)?;
        let sampler =
            rd::Weibull::new(scale, shape).map_err(|e| invalid(format!("weibull: {e}")))?;
        Ok(Dist::Weibull(Weibull {
            shape,
            scale,
            sampler,
        }))
    }

    /// Pareto on `[scale, inf)` with `scale > 0` and `shape > 0` (the mean is
    /// infinite for `shape <= 1`).
    pub fn pareto(scale: f64, shape: f64) -> Result<Dist, DistError> {
        Self::pareto_in(scale, shape, Unit::Number)
    }
    fn pareto_in(scale: f64, shape: f64, unit: Unit) -> Result<Dist, DistError> {
        positive("pareto scale", scale, unit)?;
        positive("pareto shape", shape, Unit::Number)?;
        let sampler = rd::Pareto::new(scale, shape).map_err(|e| invalid(format!("pareto: {e}")))?;
        Ok(Dist::Pareto(Pareto {
            scale,
            shape,
            sampler,
        }))
    }

    /// Resamples `values` uniformly (at least one, all finite).
    pub fn empirical(values: Vec<f64>) -> Result<Dist, DistError> {
        if values.is_empty() {
            return Err(invalid(
                "an empirical distribution needs at least one value".into(),
            ));
        }
        if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
            return Err(invalid(format!(
                "empirical values must be finite numbers, got {bad}"
            )));
        }
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let index = rand::distr::Uniform::new(0, values.len())
            .map_err(|e| invalid(format!("empirical: {e}")))?;
        Ok(Dist::Empirical(Empirical {
            values,
            min,
            max,
            mean,
            index,
        }))
    }

    /// Discrete `(value, weight)` pairs: values finite, weights finite,
    /// `>= 0` and not all zero.
    pub fn choice(entries: impl IntoIterator<Item = (f64, f64)>) -> Result<Dist, DistError> {
        Self::choice_in(entries, Unit::Number)
    }
    fn choice_in(
        entries: impl IntoIterator<Item = (f64, f64)>,
        unit: Unit,
    ) -> Result<Dist, DistError> {
        let (values, weights): (Vec<f64>, Vec<f64>) = entries.into_iter().unzip();
        for &v in &values {
            finite("a choice value", v, unit)?;
        }
        let probabilities = probabilities(&weights, "choice")?;
        let index = weighted_index(&weights)?;
        Ok(Dist::Choice(Choice {
            values,
            probabilities,
            index,
        }))
    }

    /// A mixture of `(weight, component)` pairs: weights finite, `>= 0` and
    /// not all zero.
    pub fn mixture(components: impl IntoIterator<Item = (f64, Dist)>) -> Result<Dist, DistError> {
        let (weights, components): (Vec<f64>, Vec<Dist>) = components.into_iter().unzip();
        let probabilities = probabilities(&weights, "mixture")?;
        let index = weighted_index(&weights)?;
        Ok(Dist::Mixture(Mixture {
            components,
            probabilities,
            index,
        }))
    }

    /// The kind's name as written in a scenario (`"normal"`, `"choice"`...),
    /// for messages such as "a normal can be negative".
    pub fn kind(&self) -> &'static str {
        match self {
            Dist::Constant(_) => "constant",
            Dist::Uniform(_) => "uniform",
            Dist::Normal(_) => "normal",
            Dist::LogNormal(_) => "lognormal",
            Dist::Percentiles(_) => "percentiles",
            Dist::Exponential(_) => "exponential",
            Dist::Gamma(_) => "gamma",
            Dist::Weibull(_) => "weibull",
            Dist::Pareto(_) => "pareto",
            Dist::Empirical(_) => "empirical",
            Dist::Choice(_) => "choice",
            Dist::Mixture(_) => "mixture",
        }
    }

    /// Draws one value.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Dist::Constant(c) => *c,
            Dist::Uniform(d) => d.sampler.sample(rng),
            Dist::Normal(d) => d.sampler.sample(rng),
            Dist::LogNormal(d) => d.sampler.sample(rng),
            Dist::Percentiles(d) => d.sample(rng),
            // Exp1 times the mean rather than rand_distr's `Exp::new(1 / mean)`,
            // which would multiply by `1 / (1 / mean)`, not always `mean`.
            Dist::Exponential(d) => {
                d.mean * <rd::Exp1 as Distribution<f64>>::sample(&rd::Exp1, rng)
            }
            Dist::Gamma(d) => d.sampler.sample(rng),
            Dist::Weibull(d) => d.sampler.sample(rng),
            Dist::Pareto(d) => d.sampler.sample(rng),
            Dist::Empirical(d) => d.values[d.index.sample(rng)],
            Dist::Choice(d) => d.values[d.index.sample(rng)],
            Dist::Mixture(d) => d.sample(rng),
        }
    }

    /// The mean (may be infinite, e.g. Pareto with shape <= 1).
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Constant(c) => *c,
            Dist::Uniform(d) => d.low + (d.high - d.low) / 2.0,
            Dist::Normal(d) => d.mean,
            Dist::LogNormal(d) => (d.mu + d.sigma * d.sigma / 2.0).exp(),
            Dist::Percentiles(d) => d.mean(),
            Dist::Exponential(d) => d.mean,
            Dist::Gamma(d) => d.shape * d.scale,
            Dist::Weibull(d) => d.scale * statrs::function::gamma::gamma(1.0 + 1.0 / d.shape),
            Dist::Pareto(d) if d.shape <= 1.0 => f64::INFINITY,
            Dist::Pareto(d) => d.shape * d.scale / (d.shape - 1.0),
            Dist::Empirical(d) => d.mean,
            Dist::Choice(d) => d
                .probabilities
                .iter()
                .zip(&d.values)
                .filter(|(p, _)| **p > 0.0)
                .map(|(p, v)| p * v)
                .sum(),
            Dist::Mixture(d) => d.live().map(|(p, c)| p * c.mean()).sum(),
        }
    }

    /// The lower end of the support (`-inf` for a normal).
    ///
    /// Values and components of weight zero are never drawn and do not count.
    pub fn min_value(&self) -> f64 {
        if let Some(c) = self.as_constant() {
            return c;
        }
        match self {
            Dist::Constant(c) => *c,
            Dist::Uniform(d) => d.low,
            Dist::Normal(_) => f64::NEG_INFINITY,
            Dist::LogNormal(_)
            | Dist::Percentiles(_)
            | Dist::Exponential(_)
            | Dist::Gamma(_)
            | Dist::Weibull(_) => 0.0,
            Dist::Pareto(d) => d.scale,
            Dist::Empirical(d) => d.min,
            Dist::Choice(d) => d
                .probabilities
                .iter()
                .zip(&d.values)
                .filter(|(p, _)| **p > 0.0)
                .map(|(_, v)| *v)
                .fold(f64::INFINITY, f64::min),
            Dist::Mixture(d) => d
                .live()
                .map(|(_, c)| c.min_value())
                .fold(f64::INFINITY, f64::min),
        }
    }

    /// `Some(v)` if the distribution always gives `v`: a constant, and also a
    /// uniform with `low == high`, a normal with `sd = 0`, a lognormal with
    /// `sigma = 0` (its median), an empirical sample or a choice whose values
    /// (of positive weight) are all equal, or a mixture of such components
    /// with one common value.
    pub fn as_constant(&self) -> Option<f64> {
        match self {
            Dist::Constant(c) => Some(*c),
            Dist::Uniform(d) => (d.low == d.high).then_some(d.low),
            Dist::Normal(d) => (d.sd == 0.0).then_some(d.mean),
            Dist::LogNormal(d) => (d.sigma == 0.0).then_some(d.median),
            Dist::Percentiles(_)
            | Dist::Exponential(_)
            | Dist::Gamma(_)
            | Dist::Weibull(_)
            | Dist::Pareto(_) => None,
            Dist::Empirical(d) => (d.min == d.max).then_some(d.min),
            Dist::Choice(d) => {
                let mut live = d
                    .probabilities
                    .iter()
                    .zip(&d.values)
                    .filter(|(p, _)| **p > 0.0)
                    .map(|(_, v)| *v);
                let first = live.next()?;
                live.all(|v| v == first).then_some(first)
            }
            Dist::Mixture(d) => {
                let mut live = d.live().map(|(_, c)| c.as_constant());
                let first = live.next()??;
                live.all(|v| v == Some(first)).then_some(first)
            }
        }
    }
}

impl Distribution<f64> for Dist {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        Dist::sample(self, rng)
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
    /// The mean in seconds (may be infinite).
    pub fn mean(&self) -> f64 {
        self.0.mean()
    }
    /// The lower end of the support in seconds.
    pub fn min_value(&self) -> f64 {
        self.0.min_value()
    }
    /// `E[f(X)]` with `X` in seconds (see [`Dist::expect`]).
    pub fn expect(&self, f: &dyn Fn(f64) -> f64) -> f64 {
        self.0.expect(f)
    }
}

/// The scalar a distribution's constants are written in.
pub trait Scalar: for<'de> Deserialize<'de> + Clone + std::fmt::Debug {
    /// The value in the distribution's unit (seconds for durations).
    fn to_f64(&self) -> f64;
    /// True for durations (empirical `unit` applies, etc.).
    const IS_DURATION: bool;
}

/// One value of a `choice`: `{ value, weight }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, bound(deserialize = ""))]
pub struct ChoiceEntry<S: Scalar> {
    /// The value.
    pub value: S,
    /// Its weight (finite, `>= 0`; relative to the others).
    pub weight: f64,
}

/// One component of a `mixture`: `{ weight, dist }`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, bound(deserialize = ""))]
pub struct MixtureComponent<S: Scalar> {
    /// Its weight (finite, `>= 0`; relative to the others).
    pub weight: f64,
    /// The component, itself any distribution.
    pub dist: RawDist<S>,
}

/// A distribution as written in a scenario file, validated for its own
/// parameters at parse time (so errors keep the file position) but with
/// `empirical` files not yet read.
#[derive(Debug, Clone, PartialEq)]
pub enum RawDist<S: Scalar> {
    /// `"5m"` or `5`.
    Constant(S),
    /// `{ uniform = { low, high } }`.
    Uniform {
        /// Lower bound.
        low: S,
        /// Upper bound (`>= low`).
        high: S,
    },
    /// `{ normal = { mean, sd } }`.
    Normal {
        /// Mean.
        mean: S,
        /// Standard deviation (`>= 0`).
        sd: S,
    },
    /// `{ lognormal = { median, p99 } }`.
    LogNormal {
        /// Median (`> 0`).
        median: S,
        /// 99th percentile (`>= median`).
        p99: S,
    },
    /// `{ lognormal = { mu, sigma } }`: plain numbers, the mean and standard
    /// deviation of the logarithm. For durations `mu` is the log of seconds
    /// (`mu = 0` is a median of 1s).
    LogNormalMuSigma {
        /// Mean of the logarithm.
        mu: f64,
        /// Standard deviation of the logarithm (`>= 0`).
        sigma: f64,
    },
    /// `{ lognormal = { p90 = .., "p99.9" = .. } }`: any two percentiles
    /// other than `{ median, p99 }` (`median` is `p50`), or a 90% range
    /// `"1s to 8s"` (the 5th and 95th percentiles).
    LogNormalPercentiles {
        /// The lower percentile.
        low: Percentile<S>,
        /// The higher percentile.
        high: Percentile<S>,
        /// Written as a range, `"LOW to HIGH"`.
        range: bool,
    },
    /// `{ percentiles = { p50 = .., p90 = .., p99 = .. } }`: three or more
    /// percentiles, sorted by level.
    Percentiles(Vec<Percentile<S>>),
    /// `{ exponential = { mean } }`.
    Exponential {
        /// Mean (`> 0`).
        mean: S,
    },
    /// `{ gamma = { shape, scale } }`.
    Gamma {
        /// Shape, a plain number (`> 0`).
        shape: f64,
        /// Scale (`> 0`).
        scale: S,
    },
    /// `{ weibull = { shape, scale } }`.
    Weibull {
        /// Shape, a plain number (`> 0`).
        shape: f64,
        /// Scale (`> 0`).
        scale: S,
    },
    /// `{ pareto = { scale, shape } }`, support `[scale, inf)`.
    Pareto {
        /// Scale, the smallest value (`> 0`).
        scale: S,
        /// Shape, a plain number (`> 0`).
        shape: f64,
    },
    /// `{ empirical = { file, column, unit } }`: resample a CSV column.
    Empirical {
        /// The CSV file, relative to the scenario's folder.
        file: PathBuf,
        /// The column's header.
        column: String,
        /// For durations: the unit of bare numbers (`ns`, `us`, `ms`, `s`,
        /// `m`, `h`, `d`); without it each cell is a duration string such as
        /// `250ms`. Always absent for numbers.
        unit: Option<String>,
    },
    /// `{ choice = [ { value, weight }, ... ] }`.
    Choice(Vec<ChoiceEntry<S>>),
    /// `{ mixture = [ { weight, dist }, ... ] }`.
    Mixture(Vec<MixtureComponent<S>>),
}

/// The keys of a distribution table (`{ lognormal = { median, p99 } }`):
/// its kinds, then each kind's parameters (`<kind>[]` for a list of tables).
pub const KEYS: &[(&str, &[&str])] = &[
    (
        "distribution",
        &[
            "uniform",
            "normal",
            "lognormal",
            "percentiles",
            "exponential",
            "gamma",
            "weibull",
            "pareto",
            "empirical",
            "choice",
            "mixture",
        ],
    ),
    ("distribution.uniform", &["low", "high"]),
    ("distribution.normal", &["mean", "sd"]),
    ("distribution.lognormal", LOGNORMAL_KEYS),
    ("distribution.percentiles", PERCENTILES_KEYS),
    ("distribution.exponential", &["mean"]),
    ("distribution.gamma", &["shape", "scale"]),
    ("distribution.weibull", &["shape", "scale"]),
    ("distribution.pareto", &["scale", "shape"]),
    ("distribution.empirical", &["file", "column", "unit"]),
    ("distribution.choice[]", &["value", "weight"]),
    ("distribution.mixture[]", &["weight", "dist"]),
];

/// Parameter checks run inside deserialization, on the parameters' own table
/// or array, so that toml reports their position.
trait Check {
    /// What the value should look like, for type errors.
    const EXPECTING: &'static str;
    fn check(&self) -> Result<(), DistError>;
}

/// `T`, deserialized from a table or an array and then checked.
struct Checked<T>(T);

impl<'de, T: Deserialize<'de> + Check> Deserialize<'de> for Checked<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Check> Visitor<'de> for V<T> {
            type Value = T;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(T::EXPECTING)
            }
            // The check runs inside the visitor, so that the error passes back
            // through toml's value deserializer, which attaches the span.
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                let t = T::deserialize(de::value::MapAccessDeserializer::new(map))?;
                t.check().map_err(de::Error::custom)?;
                Ok(t)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
                let t = T::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                t.check().map_err(de::Error::custom)?;
                Ok(t)
            }
        }
        d.deserialize_any(V(PhantomData)).map(Checked)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UniformFields<S> {
    low: S,
    high: S,
}
impl<S: Scalar> Check for UniformFields<S> {
    const EXPECTING: &'static str = "a table { low, high }";
    fn check(&self) -> Result<(), DistError> {
        Dist::uniform_in(self.low.to_f64(), self.high.to_f64(), Unit::of::<S>()).map(drop)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NormalFields<S> {
    mean: S,
    sd: S,
}
impl<S: Scalar> Check for NormalFields<S> {
    const EXPECTING: &'static str = "a table { mean, sd }";
    fn check(&self) -> Result<(), DistError> {
        Dist::normal_in(self.mean.to_f64(), self.sd.to_f64(), Unit::of::<S>()).map(drop)
    }
}

/// The keys of a lognormal table: two percentiles (`median` is `p50`; the
/// historical `{ median, p99 }` is listed on its own), or `mu` and `sigma`.
const LOGNORMAL_KEYS: &[&str] = &["median", "p99", "mu", "sigma", fit::PERCENTILE_KEY];
/// The keys of a `percentiles` table.
const PERCENTILES_KEYS: &[&str] = &["median", fit::PERCENTILE_KEY];

/// A table of percentiles (`p50 = "200ms"`, `median = ..`), with `mu` and
/// `sigma` when `params` is true (a lognormal), read key by key: a key names
/// its level, so serde's derive cannot list them.
struct PercentileTable<S> {
    points: Vec<Percentile<S>>,
    /// Every key as written, in order (for messages).
    written: Vec<String>,
    mu: Option<f64>,
    sigma: Option<f64>,
}

impl<S: Scalar> PercentileTable<S> {
    fn read<'de, A: MapAccess<'de>>(mut map: A, params: bool) -> Result<Self, A::Error> {
        let expected = if params {
            LOGNORMAL_KEYS
        } else {
            PERCENTILES_KEYS
        };
        let mut table = PercentileTable {
            points: Vec::new(),
            written: Vec::new(),
            mu: None,
            sigma: None,
        };
        while let Some(key) = map.next_key::<String>()? {
            table.written.push(key.clone());
            match key.as_str() {
                "mu" if params => table.mu = Some(map.next_value()?),
                "sigma" if params => table.sigma = Some(map.next_value()?),
                k => match Level::parse(k) {
                    Some(level) => {
                        let PercentileValue(value) = map.next_value()?;
                        table.points.push(Percentile { level, value });
                    }
                    None => return Err(de::Error::unknown_field(k, expected)),
                },
            }
        }
        table
            .points
            .sort_by(|a, b| a.level.p().total_cmp(&b.level.p()));
        Ok(table)
    }

    fn values(&self) -> Vec<(Level, f64)> {
        self.points
            .iter()
            .map(|p| (p.level.clone(), p.value.to_f64()))
            .collect()
    }
}

/// A percentile's value: an `S`, with a clear message for TOML's dotted
/// key (`p99.9 = "2s"` unquoted is the key `9` inside a table `p99`).
struct PercentileValue<S>(S);

impl<'de, S: Scalar> Deserialize<'de> for PercentileValue<S> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<S>(PhantomData<S>);
        impl<'de, S: Scalar> Visitor<'de> for V<S> {
            type Value = S;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                if S::IS_DURATION {
                    f.write_str("a duration like \"200ms\"")
                } else {
                    f.write_str("a number")
                }
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<S, E> {
                S::deserialize(de::value::StrDeserializer::<E>::new(s))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<S, E> {
                S::deserialize(de::value::I64Deserializer::<E>::new(n))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<S, E> {
                S::deserialize(de::value::U64Deserializer::<E>::new(n))
            }
            fn visit_f64<E: de::Error>(self, x: f64) -> Result<S, E> {
                S::deserialize(de::value::F64Deserializer::<E>::new(x))
            }
            fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<S, A::Error> {
                Err(de::Error::custom(
                    "a table where a value was expected: a level with a decimal point must be quoted in TOML (`\"p99.9\" = ..`), or written with an underscore (`p99_9 = ..`)",
                ))
            }
        }
        d.deserialize_any(V(PhantomData)).map(PercentileValue)
    }
}

/// Both lognormal forms in one table, so a misspelled key lists them all.
struct LogNormalFields<S>(PercentileTable<S>);

impl<'de, S: Scalar> Deserialize<'de> for LogNormalFields<S> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<S>(PhantomData<S>);
        impl<'de, S: Scalar> Visitor<'de> for V<S> {
            type Value = LogNormalFields<S>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(LogNormalFields::<S>::EXPECTING)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                PercentileTable::read(map, true).map(LogNormalFields)
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

impl<S: Scalar> LogNormalFields<S> {
    fn to_raw(&self) -> Result<RawDist<S>, DistError> {
        let t = &self.0;
        match (t.points.as_slice(), t.mu, t.sigma) {
            ([low, high], None, None) => {
                // `{ median, p99 }` as written keeps its historical form
                let written_median = t.written.iter().any(|k| k == "median");
                if written_median && high.level.label() == "p99" {
                    Ok(RawDist::LogNormal {
                        median: low.value.clone(),
                        p99: high.value.clone(),
                    })
                } else {
                    Ok(RawDist::LogNormalPercentiles {
                        low: low.clone(),
                        high: high.clone(),
                        range: false,
                    })
                }
            }
            ([], Some(mu), Some(sigma)) => Ok(RawDist::LogNormalMuSigma { mu, sigma }),
            _ => {
                let given = &t.written;
                let more = if t.points.len() > 2 && t.mu.is_none() && t.sigma.is_none() {
                    "; through three or more percentiles, write { percentiles = { .. } }"
                } else {
                    ""
                };
                Err(invalid(format!(
                    "lognormal takes two percentiles ({{ median, p99 }}, {{ p90, p99 }}, {{ p5, p95 }}..., `median` is p50) or {{ mu, sigma }}, got {{ {} }}{more}",
                    given.join(", ")
                )))
            }
        }
    }
}
impl<S: Scalar> Check for LogNormalFields<S> {
    const EXPECTING: &'static str =
        "a table of two percentiles { median, p99 }, { p90, p99 }... or { mu, sigma }";
    fn check(&self) -> Result<(), DistError> {
        match self.to_raw()? {
            RawDist::LogNormal { median, p99 } => {
                Dist::lognormal_median_p99_in(median.to_f64(), p99.to_f64(), Unit::of::<S>())
                    .map(drop)
            }
            RawDist::LogNormalMuSigma { mu, sigma } => Dist::lognormal(mu, sigma).map(drop),
            _ => {
                let [a, b]: [(Level, f64); 2] =
                    self.0.values().try_into().expect("two percentiles");
                Dist::lognormal_percentiles_in(a, b, Unit::of::<S>()).map(drop)
            }
        }
    }
}

/// `{ percentiles = { p50 = .., p90 = .., p99 = .. } }`.
struct PercentilesFields<S>(PercentileTable<S>);

impl<'de, S: Scalar> Deserialize<'de> for PercentilesFields<S> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<S>(PhantomData<S>);
        impl<'de, S: Scalar> Visitor<'de> for V<S> {
            type Value = PercentilesFields<S>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(PercentilesFields::<S>::EXPECTING)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                PercentileTable::read(map, false).map(PercentilesFields)
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}
impl<S: Scalar> Check for PercentilesFields<S> {
    const EXPECTING: &'static str = "a table of three or more percentiles { p50, p90, p99, .. }";
    fn check(&self) -> Result<(), DistError> {
        Dist::percentiles_in(self.0.values(), Unit::of::<S>()).map(drop)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExponentialFields<S> {
    mean: S,
}
impl<S: Scalar> Check for ExponentialFields<S> {
    const EXPECTING: &'static str = "a table { mean }";
    fn check(&self) -> Result<(), DistError> {
        Dist::exponential_in(self.mean.to_f64(), Unit::of::<S>()).map(drop)
    }
}

/// Gamma and Weibull share their parameters' names.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShapeScaleFields<S> {
    shape: f64,
    scale: S,
}
struct GammaFields<S>(ShapeScaleFields<S>);
struct WeibullFields<S>(ShapeScaleFields<S>);
impl<'de, S: Scalar> Deserialize<'de> for GammaFields<S> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ShapeScaleFields::deserialize(d).map(GammaFields)
    }
}
impl<'de, S: Scalar> Deserialize<'de> for WeibullFields<S> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ShapeScaleFields::deserialize(d).map(WeibullFields)
    }
}
impl<S: Scalar> Check for GammaFields<S> {
    const EXPECTING: &'static str = "a table { shape, scale }";
    fn check(&self) -> Result<(), DistError> {
        Dist::gamma_in(self.0.shape, self.0.scale.to_f64(), Unit::of::<S>()).map(drop)
    }
}
impl<S: Scalar> Check for WeibullFields<S> {
    const EXPECTING: &'static str = "a table { shape, scale }";
    fn check(&self) -> Result<(), DistError> {
        Dist::weibull_in(self.0.shape, self.0.scale.to_f64(), Unit::of::<S>()).map(drop)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ParetoFields<S> {
    scale: S,
    shape: f64,
}
impl<S: Scalar> Check for ParetoFields<S> {
    const EXPECTING: &'static str = "a table { scale, shape }";
    fn check(&self) -> Result<(), DistError> {
        Dist::pareto_in(self.scale.to_f64(), self.shape, Unit::of::<S>()).map(drop)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EmpiricalFields<S> {
    file: PathBuf,
    column: String,
    unit: Option<String>,
    #[serde(skip)]
    scalar: PhantomData<S>,
}
impl<S: Scalar> Check for EmpiricalFields<S> {
    const EXPECTING: &'static str = "a table { file, column, unit }";
    fn check(&self) -> Result<(), DistError> {
        cell_unit::<S>(self.unit.as_deref()).map(drop)
    }
}

impl<S: Scalar> Check for Vec<ChoiceEntry<S>> {
    const EXPECTING: &'static str = "an array of { value, weight }";
    fn check(&self) -> Result<(), DistError> {
        Dist::choice_in(
            self.iter().map(|e| (e.value.to_f64(), e.weight)),
            Unit::of::<S>(),
        )
        .map(drop)
    }
}

impl<S: Scalar> Check for Vec<MixtureComponent<S>> {
    const EXPECTING: &'static str = "an array of { weight, dist }";
    fn check(&self) -> Result<(), DistError> {
        // The components checked themselves while they were deserialized.
        let weights: Vec<f64> = self.iter().map(|c| c.weight).collect();
        probabilities(&weights, "mixture").map(drop)
    }
}

/// The key of a distribution table.
#[derive(Deserialize)]
#[serde(variant_identifier, rename_all = "lowercase")]
enum Kind {
    Uniform,
    Normal,
    LogNormal,
    Percentiles,
    Exponential,
    Gamma,
    Weibull,
    Pareto,
    Empirical,
    Choice,
    Mixture,
}

struct RawDistVisitor<S>(PhantomData<S>);

impl<S: Scalar> RawDistVisitor<S> {
    fn scalar<'de, D: serde::Deserializer<'de>>(d: D) -> Result<RawDist<S>, D::Error> {
        S::deserialize(d).map(RawDist::Constant)
    }
}

impl<'de, S: Scalar> Visitor<'de> for RawDistVisitor<S> {
    type Value = RawDist<S>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if S::IS_DURATION {
            f.write_str(
                "a duration like \"5m\" or a distribution like { exponential = { mean = \"5m\" } }",
            )
        } else {
            f.write_str("a number or a distribution like { normal = { mean = 10, sd = 2 } }")
        }
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<RawDist<S>, E> {
        if let Some((low, high)) = s.split_once(" to ") {
            return range90::<S, E>(s, low.trim(), high.trim());
        }
        if !S::IS_DURATION {
            // f64's own message would say "expected f64"; say what a scenario takes.
            return Err(E::invalid_type(de::Unexpected::Str(s), &self));
        }
        Self::scalar(de::value::StrDeserializer::<E>::new(s))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<RawDist<S>, E> {
        Self::scalar(de::value::I64Deserializer::<E>::new(n))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<RawDist<S>, E> {
        Self::scalar(de::value::U64Deserializer::<E>::new(n))
    }
    fn visit_f64<E: de::Error>(self, x: f64) -> Result<RawDist<S>, E> {
        if !x.is_finite() {
            return Err(E::custom(format!(
                "the constant must be a finite number, got {x}"
            )));
        }
        Self::scalar(de::value::F64Deserializer::<E>::new(x))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawDist<S>, A::Error> {
        let Some(kind) = map.next_key::<Kind>()? else {
            return Err(de::Error::custom(
                "an empty table is not a distribution: write one key, the kind, e.g. { exponential = { mean = ... } }",
            ));
        };
        let dist = match kind {
            Kind::Uniform => {
                let Checked(UniformFields { low, high }) = map.next_value()?;
                RawDist::Uniform { low, high }
            }
            Kind::Normal => {
                let Checked(NormalFields { mean, sd }) = map.next_value()?;
                RawDist::Normal { mean, sd }
            }
            Kind::LogNormal => {
                let Checked(fields): Checked<LogNormalFields<S>> = map.next_value()?;
                fields.to_raw().map_err(de::Error::custom)?
            }
            Kind::Percentiles => {
                let Checked(PercentilesFields(table)) = map.next_value()?;
                RawDist::Percentiles(table.points)
            }
            Kind::Exponential => {
                let Checked(ExponentialFields { mean }) = map.next_value()?;
                RawDist::Exponential { mean }
            }
            Kind::Gamma => {
                let Checked(GammaFields(ShapeScaleFields { shape, scale })) = map.next_value()?;
                RawDist::Gamma { shape, scale }
            }
            Kind::Weibull => {
                let Checked(WeibullFields(ShapeScaleFields { shape, scale })) = map.next_value()?;
                RawDist::Weibull { shape, scale }
            }
            Kind::Pareto => {
                let Checked(ParetoFields { scale, shape }) = map.next_value()?;
                RawDist::Pareto { scale, shape }
            }
            Kind::Empirical => {
                let Checked(EmpiricalFields::<S> {
                    file, column, unit, ..
                }) = map.next_value()?;
                RawDist::Empirical { file, column, unit }
            }
            Kind::Choice => RawDist::Choice(map.next_value::<Checked<_>>()?.0),
            Kind::Mixture => RawDist::Mixture(map.next_value::<Checked<_>>()?.0),
        };
        if let Some(extra) = map.next_key::<String>()? {
            return Err(de::Error::custom(format!(
                "a distribution table has exactly one key, its kind; `{extra}` is one too many"
            )));
        }
        Ok(dist)
    }
}

/// A 90% range `"LOW to HIGH"`: the lognormal whose 5th and 95th
/// percentiles are `LOW` and `HIGH`.
fn range90<S: Scalar, E: de::Error>(text: &str, low: &str, high: &str) -> Result<RawDist<S>, E> {
    let end = |t: &str| -> Result<S, E> {
        if S::IS_DURATION {
            S::deserialize(de::value::StrDeserializer::<E>::new(t))
        } else {
            let x: f64 = t.parse().map_err(|_| {
                E::custom(format!(
                    "a 90% range \"{text}\": `{t}` is not a number (write \"LOW to HIGH\", e.g. \"2 to 40\")"
                ))
            })?;
            S::deserialize(de::value::F64Deserializer::<E>::new(x))
        }
    };
    let (low, high) = (end(low)?, end(high)?);
    let (p5, p95) = Level::range_ends();
    let (a, b) = (low.to_f64(), high.to_f64());
    let unit = Unit::of::<S>();
    if a >= b && a > 0.0 {
        return Err(E::custom(format!(
            "a 90% range \"{text}\" is written low to high, and its ends must differ ({} is not below {})",
            unit.show(a),
            unit.show(b)
        )));
    }
    Dist::lognormal_percentiles_in((p5.clone(), a), (p95.clone(), b), unit)
        .map_err(|e| E::custom(format!("a 90% range \"{text}\" (a lognormal): {e}")))?;
    Ok(RawDist::LogNormalPercentiles {
        low: Percentile {
            level: p5,
            value: low,
        },
        high: Percentile {
            level: p95,
            value: high,
        },
        range: true,
    })
}

impl<'de, S: Scalar> Deserialize<'de> for RawDist<S> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawDistVisitor(PhantomData))
    }
}

impl<S: Scalar> RawDist<S> {
    /// Builds the distribution; relative `empirical` paths resolve against
    /// `base_dir` (the scenario file's folder).
    pub fn build(&self, base_dir: &Path) -> Result<Dist, DistError> {
        let unit = Unit::of::<S>();
        match self {
            RawDist::Constant(v) => Dist::constant_in(v.to_f64(), unit),
            RawDist::Uniform { low, high } => Dist::uniform_in(low.to_f64(), high.to_f64(), unit),
            RawDist::Normal { mean, sd } => Dist::normal_in(mean.to_f64(), sd.to_f64(), unit),
            RawDist::LogNormal { median, p99 } => {
                Dist::lognormal_median_p99_in(median.to_f64(), p99.to_f64(), unit)
            }
            RawDist::LogNormalMuSigma { mu, sigma } => Dist::lognormal(*mu, *sigma),
            RawDist::LogNormalPercentiles { low, high, .. } => Dist::lognormal_percentiles_in(
                (low.level.clone(), low.value.to_f64()),
                (high.level.clone(), high.value.to_f64()),
                unit,
            ),
            RawDist::Percentiles(points) => Dist::percentiles_in(
                points
                    .iter()
                    .map(|p| (p.level.clone(), p.value.to_f64()))
                    .collect(),
                unit,
            ),
            RawDist::Exponential { mean } => Dist::exponential_in(mean.to_f64(), unit),
            RawDist::Gamma { shape, scale } => Dist::gamma_in(*shape, scale.to_f64(), unit),
            RawDist::Weibull { shape, scale } => Dist::weibull_in(*shape, scale.to_f64(), unit),
            RawDist::Pareto { scale, shape } => Dist::pareto_in(scale.to_f64(), *shape, unit),
            RawDist::Empirical { file, column, unit } => {
                let cell = cell_unit::<S>(unit.as_deref())?;
                let path = base_dir.join(file);
                let values = read_column(&path, base_dir, column, cell)?;
                Dist::empirical(values)
                    .map_err(|e| DistError::Empirical(format!("{}: {e}", path.display())))
            }
            RawDist::Choice(entries) => {
                Dist::choice_in(entries.iter().map(|e| (e.value.to_f64(), e.weight)), unit)
            }
            RawDist::Mixture(components) => {
                let built = components
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let dist = c.dist.build(base_dir).map_err(|e| match e {
                            DistError::Invalid(m) => {
                                DistError::Invalid(format!("mixture component {}: {m}", i + 1))
                            }
                            other => other,
                        })?;
                        Ok((c.weight, dist))
                    })
                    .collect::<Result<Vec<_>, DistError>>()?;
                Dist::mixture(built)
            }
        }
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

/// The duration units an empirical column's bare numbers can be given in,
/// with their length in seconds.
const DURATION_UNITS: [(&str, f64); 7] = [
    ("ns", 1e-9),
    ("us", 1e-6),
    ("ms", 1e-3),
    ("s", 1.0),
    ("m", 60.0),
    ("h", 3600.0),
    ("d", 86_400.0),
];

/// How the cells of an empirical column are read.
#[derive(Debug, Clone, Copy, PartialEq)]
enum CellUnit {
    /// Plain numbers (number distributions).
    Number,
    /// Bare numbers times this many seconds.
    Seconds(f64),
    /// Duration strings such as `250ms`.
    DurationText,
}

fn cell_unit<S: Scalar>(unit: Option<&str>) -> Result<CellUnit, DistError> {
    match (S::IS_DURATION, unit) {
        (false, None) => Ok(CellUnit::Number),
        (false, Some(u)) => Err(invalid(format!(
            "empirical `unit = \"{u}\"` is only for durations; this distribution is of plain numbers, so remove it"
        ))),
        (true, None) => Ok(CellUnit::DurationText),
        (true, Some(u)) => DURATION_UNITS
            .iter()
            .find(|(name, _)| *name == u)
            .map(|&(_, secs)| CellUnit::Seconds(secs))
            .ok_or_else(|| {
                let names: Vec<&str> = DURATION_UNITS.iter().map(|(n, _)| *n).collect();
                invalid(format!(
                    "unknown empirical unit `{u}`, expected one of {}",
                    names.join(", ")
                ))
            }),
    }
}

/// Parses one cell as a value in the distribution's unit (seconds for
/// durations).
fn parse_cell(text: &str, unit: CellUnit) -> Result<f64, String> {
    let number = |t: &str| match t.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err("not a finite number".to_string()),
    };
    match unit {
        CellUnit::Number => number(text),
        CellUnit::Seconds(secs) => number(text).map(|x| x * secs),
        CellUnit::DurationText => {
            if text.parse::<f64>().is_ok() && text.trim() != "0" {
                return Err(
                    "a bare number has no unit: give the column a unit in the scenario, e.g. `unit = \"ms\"`, or write durations such as \"250ms\""
                        .to_string(),
                );
            }
            parse_duration(text)
                .map(|d| d.as_secs_f64())
                .map_err(|e| e.to_string())
        }
    }
}

/// Reads column `column` of the CSV at `path`, as a stream (see
/// [`crate::input::Csv`]: a regular file, at most
/// [`crate::input::MAX_DATA_BYTES`] and [`crate::input::MAX_DATA_ROWS`]
/// rows). A file outside the scenario's folder `base` is named in messages
/// but none of its contents (its header, a bad cell) is printed.
fn read_column(
    path: &Path,
    base: &Path,
    column: &str,
    unit: CellUnit,
) -> Result<Vec<f64>, DistError> {
    use crate::input::{Csv, MAX_DATA_BYTES, MAX_DATA_ROWS, is_inside, shorten};
    let shown = path.display();
    let fail = |message: String| DistError::Empirical(message);
    let inside = is_inside(path, base);
    let mut csv = Csv::open(path, "the empirical data", MAX_DATA_BYTES, MAX_DATA_ROWS)
        .map_err(|e| fail(e.replace("the empirical data ", "")))?;
    let Some(index) = csv.header().iter().position(|h| h == column) else {
        if !inside {
            return Err(fail(format!(
                "{shown}: no column `{column}` in its header row (a file outside the \
                 scenario's folder: its contents are not shown)"
            )));
        }
        let headers = csv.header();
        let available: Vec<String> = headers.iter().map(|h| format!("`{h}`")).collect();
        let names: Vec<&str> = headers.iter().map(String::as_str).collect();
        let hint = crate::suggest::closest(column, &names)
            .map(|c| format!("; did you mean `{c}`?"))
            .unwrap_or_default();
        let list = if available.is_empty() {
            "none".to_string()
        } else {
            available.join(", ")
        };
        return Err(fail(format!(
            "{shown}: no column `{column}`; the columns are {list}{hint}"
        )));
    };
    let mut values = Vec::new();
    let mut record = csv::StringRecord::new();
    while let Some(line) = csv.next_record(&mut record).map_err(fail)? {
        let cell = record.get(index).unwrap_or("");
        let value = parse_cell(cell, unit).map_err(|why| {
            if inside {
                fail(format!(
                    "{shown}: line {line}, column `{column}`: bad value `{}` ({why})",
                    shorten(cell)
                ))
            } else {
                fail(format!(
                    "{shown}: line {line}, column `{column}`: not a valid value"
                ))
            }
        })?;
        values.push(value);
    }
    if values.is_empty() {
        return Err(fail(format!("{shown}: column `{column}` has no values")));
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{SimRng, Streams};

    /// The stream every value-stability test draws from.
    fn test_rng() -> SimRng {
        Streams::new(1, 0).stream("test")
    }

    // ---- value stability -------------------------------------------------

    /// Pins the first samples of `d` from the test stream. Changing any of
    /// these changes every result racesim has produced with that family.
    #[track_caller]
    fn pin(d: Dist, expected: &[f64]) {
        let mut rng = test_rng();
        let got: Vec<f64> = expected.iter().map(|_| d.sample(&mut rng)).collect();
        assert_eq!(got, expected, "{d:?}");
    }

    #[test]
    fn value_stability() {
        pin(Dist::Constant(4.0), &[4.0, 4.0]);
        pin(
            Dist::uniform(2.0, 5.0).unwrap(),
            &[2.8149661681683, 3.410164224719983, 2.9866255125174668],
        );
        pin(
            Dist::normal(10.0, 2.0).unwrap(),
            &[9.228702182362994, 9.531565369029984, 8.650654233358889],
        );
        pin(
            Dist::lognormal_median_p99(5.0, 60.0).unwrap(),
            &[3.311840306316474, 3.8932989514373957, 2.432162557888687],
        );
        pin(
            Dist::exponential(30.0).unwrap(),
            &[5.0441226813296725, 122.64363914565978, 25.30402523083079],
        );
        pin(
            Dist::gamma(2.5, 4.0).unwrap(),
            &[6.588554813584309, 5.270302977087072, 6.223733808965566],
        );
        pin(
            Dist::weibull(1.5, 10.0).unwrap(),
            &[11.931051096374091, 8.290778210212126, 10.733876094715518],
        );
        pin(
            Dist::pareto(1.0, 2.5).unwrap(),
            &[1.6841961483646861, 1.3525104360825233, 1.5602261958071075],
        );
        pin(
            Dist::empirical(vec![0.25, 0.5, 1.0, 8.0]).unwrap(),
            &[0.5, 0.5, 0.5, 8.0, 0.5, 1.0, 0.5, 8.0],
        );
        pin(
            Dist::choice([(4.5, 30.0), (3.0, 50.0), (12.0, 20.0)]).unwrap(),
            &[4.5, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0],
        );
        pin(
            Dist::mixture([
                (0.99, Dist::exponential(2.0).unwrap()),
                (0.01, Dist::uniform(60.0, 600.0).unwrap()),
            ])
            .unwrap(),
            &[8.176242609710652, 2.3772258717052925, 1.1047794335877053],
        );
    }

    // ---- statistical sanity ----------------------------------------------

    /// Draws per statistical test.
    const DRAWS: usize = 200_000;
    /// How many standard errors the sample mean may stray from the mean.
    const MAX_STANDARD_ERRORS: f64 = 4.0;

    /// The sample mean of `DRAWS` draws is within `MAX_STANDARD_ERRORS` of
    /// `mean`, and [`Dist::mean`] agrees with the closed form.
    #[track_caller]
    fn check_sample_mean(d: &Dist, mean: f64, sd: f64) {
        let mut rng = Streams::new(7, 3).stream("sanity");
        let sample_mean = (0..DRAWS).map(|_| d.sample(&mut rng)).sum::<f64>() / DRAWS as f64;
        let standard_error = sd / (DRAWS as f64).sqrt();
        assert!(
            (sample_mean - mean).abs() <= MAX_STANDARD_ERRORS * standard_error,
            "{d:?}: sample mean {sample_mean}, expected {mean} +/- {}",
            MAX_STANDARD_ERRORS * standard_error
        );
        assert!(
            (d.mean() - mean).abs() <= 1e-12 * mean.abs().max(1.0),
            "{d:?}: mean() = {}, expected {mean}",
            d.mean()
        );
    }

    #[test]
    fn uniform_sample_mean() {
        const LOW: f64 = 2.0;
        const HIGH: f64 = 5.0;
        let sd = (HIGH - LOW) / 12f64.sqrt();
        check_sample_mean(&Dist::uniform(LOW, HIGH).unwrap(), (LOW + HIGH) / 2.0, sd);
    }

    #[test]
    fn normal_sample_mean() {
        const MEAN: f64 = 10.0;
        const SD: f64 = 2.0;
        check_sample_mean(&Dist::normal(MEAN, SD).unwrap(), MEAN, SD);
    }

    #[test]
    fn lognormal_sample_mean() {
        const MEDIAN: f64 = 5.0;
        const P99: f64 = 60.0;
        let mu = MEDIAN.ln();
        let sigma = (P99 / MEDIAN).ln() / Z_99;
        let mean = (mu + sigma * sigma / 2.0).exp();
        let sd = ((sigma * sigma).exp() - 1.0).sqrt() * mean;
        check_sample_mean(&Dist::lognormal_median_p99(MEDIAN, P99).unwrap(), mean, sd);
        check_sample_mean(&Dist::lognormal(mu, sigma).unwrap(), mean, sd);
    }

    #[test]
    fn exponential_sample_mean() {
        const MEAN: f64 = 30.0;
        check_sample_mean(&Dist::exponential(MEAN).unwrap(), MEAN, MEAN);
    }

    #[test]
    fn gamma_sample_mean() {
        const SHAPE: f64 = 2.5;
        const SCALE: f64 = 4.0;
        let sd = SHAPE.sqrt() * SCALE;
        check_sample_mean(&Dist::gamma(SHAPE, SCALE).unwrap(), SHAPE * SCALE, sd);
    }

    #[test]
    fn weibull_sample_mean() {
        use statrs::function::gamma::gamma;
        const SHAPE: f64 = 1.5;
        const SCALE: f64 = 10.0;
        let mean = SCALE * gamma(1.0 + 1.0 / SHAPE);
        let sd = SCALE * (gamma(1.0 + 2.0 / SHAPE) - gamma(1.0 + 1.0 / SHAPE).powi(2)).sqrt();
        check_sample_mean(&Dist::weibull(SHAPE, SCALE).unwrap(), mean, sd);
    }

    #[test]
    fn pareto_sample_mean() {
        // shape > 4 so that the sample mean's own spread is well estimated
        const SCALE: f64 = 2.0;
        const SHAPE: f64 = 4.5;
        let mean = SHAPE * SCALE / (SHAPE - 1.0);
        let sd = SCALE / (SHAPE - 1.0) * (SHAPE / (SHAPE - 2.0)).sqrt();
        let d = Dist::pareto(SCALE, SHAPE).unwrap();
        check_sample_mean(&d, mean, sd);
        assert_eq!(Dist::pareto(SCALE, 1.0).unwrap().mean(), f64::INFINITY);
    }

    /// Mean and standard deviation of discrete `(value, probability)` pairs.
    fn discrete_moments(pairs: &[(f64, f64)]) -> (f64, f64) {
        let mean: f64 = pairs.iter().map(|(v, p)| v * p).sum();
        let var: f64 = pairs.iter().map(|(v, p)| p * (v - mean).powi(2)).sum();
        (mean, var.sqrt())
    }

    #[test]
    fn empirical_sample_mean() {
        const VALUES: [f64; 4] = [0.25, 0.5, 1.0, 8.0];
        let pairs: Vec<(f64, f64)> = VALUES.iter().map(|&v| (v, 0.25)).collect();
        let (mean, sd) = discrete_moments(&pairs);
        check_sample_mean(&Dist::empirical(VALUES.to_vec()).unwrap(), mean, sd);
    }

    #[test]
    fn choice_sample_mean() {
        const ENTRIES: [(f64, f64); 3] = [(4.5, 30.0), (3.0, 50.0), (12.0, 20.0)];
        let pairs: Vec<(f64, f64)> = ENTRIES.iter().map(|&(v, w)| (v, w / 100.0)).collect();
        let (mean, sd) = discrete_moments(&pairs);
        check_sample_mean(&Dist::choice(ENTRIES).unwrap(), mean, sd);
    }

    #[test]
    fn mixture_sample_mean() {
        // 99% quick page loads, 1% users who come back minutes later
        const FAST_SHARE: f64 = 0.99;
        const FAST_MEAN: f64 = 2.0;
        const SLOW_LOW: f64 = 60.0;
        const SLOW_HIGH: f64 = 600.0;
        let slow_mean = (SLOW_LOW + SLOW_HIGH) / 2.0;
        let slow_var = (SLOW_HIGH - SLOW_LOW).powi(2) / 12.0;
        let mean = FAST_SHARE * FAST_MEAN + (1.0 - FAST_SHARE) * slow_mean;
        let second_moment = FAST_SHARE * 2.0 * FAST_MEAN * FAST_MEAN
            + (1.0 - FAST_SHARE) * (slow_var + slow_mean * slow_mean);
        let sd = (second_moment - mean * mean).sqrt();
        let d = Dist::mixture([
            (FAST_SHARE, Dist::exponential(FAST_MEAN).unwrap()),
            (
                1.0 - FAST_SHARE,
                Dist::uniform(SLOW_LOW, SLOW_HIGH).unwrap(),
            ),
        ])
        .unwrap();
        check_sample_mean(&d, mean, sd);
    }

    // ---- support, constants, validation ----------------------------------

    #[test]
    fn min_value_is_the_lower_end_of_the_support() {
        assert_eq!(Dist::Constant(-3.0).min_value(), -3.0);
        assert_eq!(Dist::normal(1.0, 1.0).unwrap().kind(), "normal");
        assert_eq!(Dist::uniform(2.0, 5.0).unwrap().min_value(), 2.0);
        assert_eq!(
            Dist::normal(10.0, 2.0).unwrap().min_value(),
            f64::NEG_INFINITY
        );
        assert_eq!(Dist::normal(10.0, 0.0).unwrap().min_value(), 10.0);
        assert_eq!(Dist::lognormal(0.0, 1.0).unwrap().min_value(), 0.0);
        assert_eq!(Dist::exponential(3.0).unwrap().min_value(), 0.0);
        assert_eq!(Dist::gamma(2.0, 3.0).unwrap().min_value(), 0.0);
        assert_eq!(Dist::weibull(2.0, 3.0).unwrap().min_value(), 0.0);
        assert_eq!(Dist::pareto(1.5, 3.0).unwrap().min_value(), 1.5);
        assert_eq!(
            Dist::empirical(vec![3.0, -1.0, 2.0]).unwrap().min_value(),
            -1.0
        );
        // a value of weight zero is never drawn
        let choice = Dist::choice([(-5.0, 0.0), (2.0, 1.0), (7.0, 1.0)]).unwrap();
        assert_eq!(choice.min_value(), 2.0);
        let mixture = Dist::mixture([
            (1.0, Dist::exponential(1.0).unwrap()),
            (1.0, Dist::uniform(-2.0, 1.0).unwrap()),
            (0.0, Dist::Constant(-100.0)),
        ])
        .unwrap();
        assert_eq!(mixture.min_value(), -2.0);
    }

    #[test]
    fn degenerate_distributions_are_constants() {
        assert_eq!(Dist::Constant(2.5).as_constant(), Some(2.5));
        assert_eq!(Dist::constant(2.5).unwrap().as_constant(), Some(2.5));
        assert_eq!(Dist::uniform(3.0, 3.0).unwrap().as_constant(), Some(3.0));
        assert_eq!(Dist::normal(3.0, 0.0).unwrap().as_constant(), Some(3.0));
        assert_eq!(
            Dist::lognormal_median_p99(4.0, 4.0).unwrap().as_constant(),
            Some(4.0)
        );
        assert_eq!(
            Dist::empirical(vec![2.0; 3]).unwrap().as_constant(),
            Some(2.0)
        );
        assert_eq!(
            Dist::choice([(7.0, 1.0), (9.0, 0.0)])
                .unwrap()
                .as_constant(),
            Some(7.0)
        );
        let same = Dist::mixture([
            (1.0, Dist::Constant(5.0)),
            (2.0, Dist::uniform(5.0, 5.0).unwrap()),
        ])
        .unwrap();
        assert_eq!(same.as_constant(), Some(5.0));
        // and a degenerate uniform samples its value
        let mut rng = test_rng();
        assert_eq!(Dist::uniform(3.0, 3.0).unwrap().sample(&mut rng), 3.0);

        assert_eq!(Dist::uniform(3.0, 4.0).unwrap().as_constant(), None);
        assert_eq!(Dist::exponential(1.0).unwrap().as_constant(), None);
        assert_eq!(
            Dist::choice([(7.0, 1.0), (9.0, 1.0)])
                .unwrap()
                .as_constant(),
            None
        );
        let mixed = Dist::mixture([(1.0, Dist::Constant(5.0)), (1.0, Dist::Constant(6.0))]);
        assert_eq!(mixed.unwrap().as_constant(), None);
    }

    #[test]
    fn duration_dist_speaks_seconds() {
        let d = DurationDist(Dist::exponential(2.0).unwrap());
        assert_eq!(d.mean(), 2.0);
        assert_eq!(d.min_value(), 0.0);
        assert!(!d.can_be_negative());
        assert!(DurationDist(Dist::normal(5.0, 1.0).unwrap()).can_be_negative());
        let c = DurationDist::constant(SimDuration::from_millis(250));
        assert_eq!(c.as_constant(), Some(SimDuration::from_millis(250)));
        assert_eq!(c.sample(&mut test_rng()), SimDuration::from_millis(250));
    }

    #[track_caller]
    fn refused(result: Result<Dist, DistError>, needle: &str) {
        match result {
            Ok(d) => panic!("accepted {d:?}, expected an error containing {needle:?}"),
            Err(e) => assert!(e.to_string().contains(needle), "{e}"),
        }
    }

    #[test]
    fn constructors_refuse_bad_parameters() {
        refused(Dist::constant(f64::NAN), "finite");
        refused(
            Dist::uniform(3.0, 2.0),
            "low (3) must not be above high (2)",
        );
        refused(Dist::uniform(0.0, f64::INFINITY), "finite");
        refused(Dist::normal(0.0, -1.0), "sd (-1) must not be negative");
        refused(Dist::normal(f64::NAN, 1.0), "finite");
        refused(
            Dist::lognormal(0.0, -0.5),
            "sigma (-0.5) must not be negative",
        );
        refused(
            Dist::lognormal_median_p99(5.0, 2.0),
            "p99 (2) must be at least the median (5)",
        );
        refused(
            Dist::lognormal_median_p99(0.0, 2.0),
            "median (0) must be positive",
        );
        refused(Dist::exponential(0.0), "mean (0) must be positive");
        refused(Dist::exponential(f64::INFINITY), "finite");
        refused(Dist::gamma(0.0, 1.0), "shape (0) must be positive");
        refused(Dist::gamma(1.0, -1.0), "scale (-1) must be positive");
        refused(Dist::weibull(-1.0, 1.0), "shape (-1) must be positive");
        refused(Dist::pareto(0.0, 1.0), "scale (0) must be positive");
        refused(Dist::pareto(1.0, f64::NAN), "finite");
        refused(Dist::empirical(vec![]), "at least one value");
        refused(Dist::empirical(vec![1.0, f64::NAN]), "finite");
        refused(Dist::choice([]), "at least one entry");
        refused(
            Dist::choice([(1.0, 0.0), (2.0, 0.0)]),
            "all weights of choice are zero",
        );
        refused(
            Dist::choice([(1.0, -1.0), (2.0, 2.0)]),
            "weight -1 of choice entry 1",
        );
        refused(Dist::choice([(1.0, f64::NAN)]), "weight NaN");
        refused(Dist::choice([(f64::INFINITY, 1.0)]), "finite");
        refused(
            Dist::choice([(1.0, f64::MAX), (2.0, f64::MAX)]),
            "scale them down",
        );
        refused(
            Dist::mixture([(0.0, Dist::Constant(1.0))]),
            "all weights of mixture are zero",
        );
    }

    #[test]
    fn distributions_can_be_shared_across_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Dist>();
        send_sync::<DurationDist>();
        send_sync::<RawDist<DurationValue>>();
    }

    // ---- expect ----------------------------------------------------------

    /// Relative tolerance of `expect` against closed forms.
    const EXPECT_REL_TOL: f64 = 1e-4;

    #[track_caller]
    fn close(got: f64, want: f64) {
        assert!(
            (got - want).abs() <= EXPECT_REL_TOL * want.abs(),
            "expect gave {got}, closed form {want} (relative error {:e})",
            (got - want).abs() / want.abs()
        );
    }

    #[test]
    fn expect_matches_exponential_closed_forms() {
        const MEAN: f64 = 30.0;
        const CUTOFF: f64 = 20.0;
        const PERIOD: f64 = 45.0;
        let d = Dist::exponential(MEAN).unwrap();
        // E[max(0, L - c)] = mean * exp(-c / mean)
        close(
            d.expect(&|l| (l - CUTOFF).max(0.0)),
            MEAN * (-CUTOFF / MEAN).exp(),
        );
        // E[min(1, max(0, L - c) / P)] = mean / P * (exp(-c/mean) - exp(-(c+P)/mean))
        close(
            d.expect(&|l| ((l - CUTOFF).max(0.0) / PERIOD).min(1.0)),
            MEAN / PERIOD * ((-CUTOFF / MEAN).exp() - (-(CUTOFF + PERIOD) / MEAN).exp()),
        );
        close(d.expect(&|l| l), MEAN);
    }

    #[test]
    fn expect_matches_uniform_and_normal_closed_forms() {
        const LOW: f64 = 2.0;
        const HIGH: f64 = 8.0;
        const CUTOFF: f64 = 5.0;
        let u = Dist::uniform(LOW, HIGH).unwrap();
        // E[max(0, L - c)] = (high - c)^2 / (2 (high - low)) for low <= c <= high
        close(
            u.expect(&|l| (l - CUTOFF).max(0.0)),
            (HIGH - CUTOFF).powi(2) / (2.0 * (HIGH - LOW)),
        );

        const MEAN: f64 = 10.0;
        const SD: f64 = 3.0;
        const STRIKE: f64 = 12.0;
        let n = Dist::normal(MEAN, SD).unwrap();
        // E[max(0, X - k)] = (mu - k) Phi(d) + sigma phi(d), d = (mu - k) / sigma
        let std = statrs::distribution::Normal::standard();
        use statrs::distribution::ContinuousCDF;
        let z = (MEAN - STRIKE) / SD;
        use statrs::distribution::Continuous;
        close(
            n.expect(&|x| (x - STRIKE).max(0.0)),
            (MEAN - STRIKE) * std.cdf(z) + SD * std.pdf(z),
        );
        close(n.expect(&|x| (x - MEAN).powi(2)), SD * SD);
    }

    #[test]
    fn expect_matches_lognormal_gamma_weibull_pareto_closed_forms() {
        const MU: f64 = 1.0;
        const SIGMA: f64 = 0.5;
        close(
            Dist::lognormal(MU, SIGMA).unwrap().expect(&|x| x),
            (MU + SIGMA * SIGMA / 2.0).exp(),
        );

        const SHAPE: f64 = 2.5;
        const SCALE: f64 = 4.0;
        let g = Dist::gamma(SHAPE, SCALE).unwrap();
        close(g.expect(&|x| x), SHAPE * SCALE);
        close(g.expect(&|x| x * x), SHAPE * (SHAPE + 1.0) * SCALE * SCALE);
        // the second call reuses the kept quantiles and gives the same bits
        assert_eq!(g.expect(&|x| x * x), g.expect(&|x| x * x));
        // shape < 1: the quantiles near 0 are tiny; statrs must still converge
        close(Dist::gamma(0.3, 2.0).unwrap().expect(&|x| x), 0.6);

        const K: f64 = 1.5;
        const LAMBDA: f64 = 10.0;
        let w = Dist::weibull(K, LAMBDA).unwrap();
        close(w.expect(&|x| x), w.mean());

        // E[min(X, M)] = xm + xm^a (M^(1-a) - xm^(1-a)) / (1 - a) for a Pareto
        const XM: f64 = 1.0;
        const ALPHA: f64 = 1.5;
        const CAP: f64 = 50.0;
        let p = Dist::pareto(XM, ALPHA).unwrap();
        close(
            p.expect(&|x| x.min(CAP)),
            XM + XM.powf(ALPHA) * (CAP.powf(1.0 - ALPHA) - XM.powf(1.0 - ALPHA)) / (1.0 - ALPHA),
        );
    }

    #[test]
    fn expect_is_exact_for_discrete_kinds_and_mixtures() {
        let square = |x: f64| x * x;
        assert_eq!(Dist::Constant(3.0).expect(&square), 9.0);
        assert_eq!(
            Dist::empirical(vec![1.0, 2.0, 3.0, 4.0])
                .unwrap()
                .expect(&square),
            7.5
        );
        let c = Dist::choice([(1.0, 1.0), (3.0, 3.0), (-50.0, 0.0)]).unwrap();
        assert_eq!(c.expect(&square), 0.25 + 0.75 * 9.0);
        // a value of weight zero never reaches f (f may be undefined there)
        assert_eq!(c.expect(&|x| if x < 0.0 { f64::NAN } else { x }), 2.5);
        let m = Dist::mixture([
            (3.0, Dist::Constant(2.0)),
            (1.0, Dist::choice([(0.0, 1.0), (4.0, 1.0)]).unwrap()),
        ])
        .unwrap();
        assert_eq!(m.expect(&square), 0.75 * 4.0 + 0.25 * 8.0);
        // continuous components: weighted sum of their expectations
        let e = Dist::exponential(30.0).unwrap();
        let mixed = Dist::mixture([(1.0, e.clone()), (1.0, Dist::Constant(0.0))]).unwrap();
        close(mixed.expect(&|x| x), 15.0);
    }

    // ---- scenario form ---------------------------------------------------

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        d: RawDist<DurationValue>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct NumberDoc {
        d: RawDist<f64>,
    }

    #[track_caller]
    fn parse(src: &str) -> RawDist<DurationValue> {
        match toml::from_str::<Doc>(src) {
            Ok(doc) => doc.d,
            Err(e) => panic!("{src}\n{e}"),
        }
    }

    #[track_caller]
    fn parse_number(src: &str) -> RawDist<f64> {
        match toml::from_str::<NumberDoc>(src) {
            Ok(doc) => doc.d,
            Err(e) => panic!("{src}\n{e}"),
        }
    }

    /// The error for `src` contains every needle (and toml's caret).
    #[track_caller]
    fn parse_error(src: &str, needles: &[&str]) -> String {
        let message = match toml::from_str::<Doc>(src) {
            Ok(doc) => panic!("accepted {src}: {doc:?}"),
            Err(e) => e.to_string(),
        };
        check_message(&message, needles);
        message
    }

    #[track_caller]
    fn parse_number_error(src: &str, needles: &[&str]) -> String {
        let message = match toml::from_str::<NumberDoc>(src) {
            Ok(doc) => panic!("accepted {src}: {doc:?}"),
            Err(e) => e.to_string(),
        };
        check_message(&message, needles);
        message
    }

    #[track_caller]
    fn check_message(message: &str, needles: &[&str]) {
        assert!(message.contains('^'), "no caret in:\n{message}");
        for needle in needles {
            assert!(message.contains(needle), "{needle:?} not in:\n{message}");
        }
    }

    fn dv(text: &str) -> DurationValue {
        DurationValue(parse_duration(text).unwrap())
    }

    #[test]
    fn parses_constants() {
        assert_eq!(parse(r#"d = "5m""#), RawDist::Constant(dv("5m")));
        assert_eq!(parse(r#"d = "-6m""#), RawDist::Constant(dv("-6m")));
        assert_eq!(parse("d = 0"), RawDist::Constant(dv("0s")));
        assert_eq!(parse_number("d = 5"), RawDist::Constant(5.0));
        assert_eq!(parse_number("d = 5.5"), RawDist::Constant(5.5));
        let built = parse(r#"d = "250ms""#)
            .build_duration(Path::new("."))
            .unwrap();
        assert_eq!(built.as_constant(), Some(SimDuration::from_millis(250)));
    }

    #[test]
    fn parses_every_kind() {
        assert_eq!(
            parse(r#"d = { uniform = { low = "1s", high = "3s" } }"#),
            RawDist::Uniform {
                low: dv("1s"),
                high: dv("3s")
            }
        );
        assert_eq!(
            parse(r#"d = { normal = { mean = "5s", sd = "500ms" } }"#),
            RawDist::Normal {
                mean: dv("5s"),
                sd: dv("500ms")
            }
        );
        assert_eq!(
            parse(r#"d = { lognormal = { median = "2s", p99 = "30s" } }"#),
            RawDist::LogNormal {
                median: dv("2s"),
                p99: dv("30s")
            }
        );
        assert_eq!(
            parse("d = { lognormal = { mu = 0.5, sigma = 1 } }"),
            RawDist::LogNormalMuSigma {
                mu: 0.5,
                sigma: 1.0
            }
        );
        assert_eq!(
            parse(r#"d = { exponential = { mean = "5m" } }"#),
            RawDist::Exponential { mean: dv("5m") }
        );
        assert_eq!(
            parse(r#"d = { gamma = { shape = 2, scale = "3s" } }"#),
            RawDist::Gamma {
                shape: 2.0,
                scale: dv("3s")
            }
        );
        assert_eq!(
            parse(r#"d = { weibull = { shape = 1.5, scale = "10s" } }"#),
            RawDist::Weibull {
                shape: 1.5,
                scale: dv("10s")
            }
        );
        assert_eq!(
            parse(r#"d = { pareto = { scale = "1s", shape = 2.5 } }"#),
            RawDist::Pareto {
                scale: dv("1s"),
                shape: 2.5
            }
        );
        assert_eq!(
            parse(r#"d = { empirical = { file = "lat.csv", column = "latency", unit = "ms" } }"#),
            RawDist::Empirical {
                file: "lat.csv".into(),
                column: "latency".into(),
                unit: Some("ms".into())
            }
        );
        assert_eq!(
            parse(
                r#"d = { choice = [ { value = "1s", weight = 3 }, { value = "5s", weight = 1 } ] }"#
            ),
            RawDist::Choice(vec![
                ChoiceEntry {
                    value: dv("1s"),
                    weight: 3.0
                },
                ChoiceEntry {
                    value: dv("5s"),
                    weight: 1.0
                },
            ])
        );
        let mixture = parse(
            r#"
            [d]
            mixture = [
                { weight = 99, dist = { lognormal = { median = "2s", p99 = "20s" } } },
                { weight = 1, dist = { mixture = [
                    { weight = 1, dist = "5m" },
                    { weight = 1, dist = { uniform = { low = "1m", high = "10m" } } },
                ] } },
            ]
            "#,
        );
        let RawDist::Mixture(components) = &mixture else {
            panic!("{mixture:?}")
        };
        assert_eq!(components.len(), 2);
        assert_eq!(components[0].weight, 99.0);
        assert!(matches!(components[1].dist, RawDist::Mixture(ref inner) if inner.len() == 2));
        let built = mixture.build(Path::new(".")).unwrap();
        let slow_mean = (300.0 + 330.0) / 2.0;
        let fast_mean = (2f64.ln() + (10f64.ln() / Z_99).powi(2) / 2.0).exp();
        assert!((built.mean() - (0.99 * fast_mean + 0.01 * slow_mean)).abs() < 1e-9);
        assert_eq!(built.min_value(), 0.0);
    }

    #[test]
    fn parses_number_distributions() {
        assert_eq!(
            parse_number("d = { normal = { mean = 10, sd = 2.5 } }"),
            RawDist::Normal {
                mean: 10.0,
                sd: 2.5
            }
        );
        assert_eq!(
            parse_number(
                "d = { choice = [ { value = 4.5, weight = 30 }, { value = 3, weight = 50 } ] }"
            ),
            RawDist::Choice(vec![
                ChoiceEntry {
                    value: 4.5,
                    weight: 30.0
                },
                ChoiceEntry {
                    value: 3.0,
                    weight: 50.0
                },
            ])
        );
        let gamma = parse_number("d = { gamma = { shape = 2, scale = 60 } }");
        assert_eq!(gamma.build(Path::new(".")).unwrap().mean(), 120.0);
    }

    #[test]
    fn builds_what_was_parsed() {
        let lognormal = parse(r#"d = { lognormal = { median = "5s", p99 = "60s" } }"#)
            .build(Path::new("."))
            .unwrap();
        let Dist::LogNormal(l) = &lognormal else {
            panic!("{lognormal:?}")
        };
        assert_eq!(l.mu(), 5f64.ln());
        assert_eq!(l.sigma(), (60f64.ln() - 5f64.ln()) / Z_99);
        assert_eq!(l.median(), 5.0);
        let mu_sigma = parse("d = { lognormal = { mu = 0, sigma = 0 } }")
            .build_duration(Path::new("."))
            .unwrap();
        assert_eq!(mu_sigma.as_constant(), Some(SimDuration::from_secs(1)));
        let exp = parse(r#"d = { exponential = { mean = "5m" } }"#)
            .build(Path::new("."))
            .unwrap();
        assert_eq!(exp.mean(), 300.0);
    }

    #[test]
    fn names_a_misspelled_kind() {
        parse_error(
            "# latency\nd = { lognormall = { median = \"5s\", p99 = \"2s\" } }",
            &[
                "line 2",
                "unknown variant `lognormall`",
                "expected one of",
                "`lognormal`",
            ],
        );
    }

    #[test]
    fn names_a_misspelled_parameter() {
        parse_error(
            r#"d = { lognormal = { median = "5s", p99s = "20s" } }"#,
            &["unknown field `p99s`", "`p<level>`"],
        );
        parse_error(
            r#"d = { normal = { mean = "5s", stdev = "1s" } }"#,
            &["unknown field `stdev`", "expected `mean` or `sd`"],
        );
        parse_error(
            r#"d = { choice = [ { value = "1s", wieght = 1 } ] }"#,
            &["unknown field `wieght`"],
        );
        parse_error(
            r#"d = { normal = { mean = "5s" } }"#,
            &["missing field `sd`"],
        );
    }

    #[test]
    fn refuses_p99_below_the_median_at_its_position() {
        let message = parse_error(
            "\n\nd = { lognormal = { median = \"5s\", p99 = \"2s\" } }",
            &["line 3", "p99 (2s) must be at least the median (5s)"],
        );
        // the caret underlines the parameter table, from its column
        assert!(message.contains("column 19"), "{message}");
    }

    #[test]
    fn refuses_bad_parameters_at_parse_time() {
        parse_error(
            r#"d = { normal = { mean = "5s", sd = "-1s" } }"#,
            &["sd (-1s) must not be negative"],
        );
        parse_error(
            r#"d = { uniform = { low = "5s", high = "1s" } }"#,
            &["low (5s) must not be above high (1s)"],
        );
        parse_error(
            r#"d = { exponential = { mean = "0s" } }"#,
            &["exponential mean (0s) must be positive"],
        );
        parse_error(
            r#"d = { gamma = { shape = 0, scale = "1s" } }"#,
            &["gamma shape (0) must be positive"],
        );
        parse_error(
            r#"d = { pareto = { scale = "1s", shape = -2 } }"#,
            &["pareto shape (-2) must be positive"],
        );
        parse_error(
            r#"d = { lognormal = { median = "5s", sigma = 1 } }"#,
            &["or { mu, sigma }, got { median, sigma }"],
        );
        parse_error(
            r#"d = { choice = [ { value = "1s", weight = 0 }, { value = "2s", weight = 0 } ] }"#,
            &["all weights of choice are zero"],
        );
        parse_error(
            r#"d = { mixture = [ { weight = 0, dist = "1s" } ] }"#,
            &["all weights of mixture are zero"],
        );
        parse_error(
            r#"d = { choice = [ { value = "1s", weight = -1 } ] }"#,
            &["weight -1 of choice entry 1"],
        );
        // a nested component is reported at its own position
        parse_error(
            r#"d = { mixture = [ { weight = 1, dist = { normal = { mean = "5s", sd = "-1s" } } } ] }"#,
            &["column 51", "sd (-1s) must not be negative"],
        );
    }

    #[test]
    fn refuses_malformed_tables() {
        parse_error("d = {}", &["empty table is not a distribution"]);
        parse_error(
            r#"d = { normal = { mean = "5s", sd = "1s" }, uniform = { low = "1s", high = "2s" } }"#,
            &["exactly one key", "`uniform`"],
        );
        parse_error("d = { normal = 5 }", &["expected a table { mean, sd }"]);
        parse_error("d = true", &["expected a duration like \"5m\""]);
    }

    #[test]
    fn refuses_durations_without_units() {
        parse_error("d = 5", &["bare number 5", "a unit is needed", "\"5m\""]);
        parse_error("d = 1.5", &["bare number 1.5", "a unit is needed"]);
        parse_error(
            r#"d = { uniform = { low = 0, high = 30 } }"#,
            &["bare number 30", "a unit is needed"],
        );
        parse_error(r#"d = "5 parsecs""#, &["`5 parsecs` is not a duration"]);
        parse_error(r#"d = "90""#, &["`90` is not a duration"]);
        parse_error(r#"d = "400y""#, &["too long"]);
    }

    #[test]
    fn refuses_non_finite_and_misplaced_numbers() {
        parse_number_error("d = nan", &["finite number"]);
        parse_number_error("d = inf", &["finite number"]);
        parse_number_error(
            "d = { normal = { mean = nan, sd = 1 } }",
            &["normal mean must be a finite number"],
        );
        parse_number_error(
            "d = { choice = [ { value = 1, weight = inf } ] }",
            &["weight inf"],
        );
        parse_number_error(r#"d = "5""#, &["string \"5\"", "expected a number"]);
        parse_number_error(
            r#"d = { empirical = { file = "x.csv", column = "n", unit = "ms" } }"#,
            &["only for durations"],
        );
        parse_error(
            r#"d = { empirical = { file = "x.csv", column = "n", unit = "sec" } }"#,
            &["unknown empirical unit `sec`", "ns, us, ms, s, m, h, d"],
        );
    }

    #[test]
    fn works_inside_toml_spanned() {
        // The scenario layer wraps values in `toml::Spanned` to report
        // semantic errors found later at the value's position.
        #[derive(Debug, Deserialize)]
        struct SpannedDoc {
            d: toml::Spanned<RawDist<DurationValue>>,
            h: toml::Spanned<DurationValue>,
        }
        let src = "h = \"1d\"\nd = { exponential = { mean = \"5m\" } }";
        let doc: SpannedDoc = toml::from_str(src).unwrap();
        assert_eq!(doc.h.get_ref(), &dv("1d"));
        assert_eq!(&src[doc.d.span()], "{ exponential = { mean = \"5m\" } }");
        assert_eq!(doc.d.get_ref(), &RawDist::Exponential { mean: dv("5m") });
        let err =
            toml::from_str::<SpannedDoc>("h = \"1d\"\nd = { exponential = { mean = \"0s\" } }")
                .unwrap_err()
                .to_string();
        check_message(&err, &["line 2", "exponential mean (0s) must be positive"]);
    }

    // ---- empirical -------------------------------------------------------

    fn write_csv(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[track_caller]
    fn empirical_values(d: &Dist) -> Vec<f64> {
        match d {
            Dist::Empirical(e) => e.values().to_vec(),
            other => panic!("not empirical: {other:?}"),
        }
    }

    #[test]
    fn reads_an_empirical_column_with_a_unit() {
        let dir = tempfile::tempdir().unwrap();
        write_csv(
            dir.path(),
            "lat.csv",
            "ts,latency_ms\n1,250\n2, 500\n3,1000.5\n",
        );
        let raw = parse(
            r#"d = { empirical = { file = "lat.csv", column = "latency_ms", unit = "ms" } }"#,
        );
        let d = raw.build_duration(dir.path()).unwrap();
        assert_eq!(empirical_values(&d.0), [0.25, 0.5, 1.0005]);
        assert_eq!(d.min_value(), 0.25);
    }

    #[test]
    fn reads_an_empirical_column_of_duration_strings() {
        let dir = tempfile::tempdir().unwrap();
        write_csv(
            dir.path(),
            "lat.csv",
            "who,delay\na,250ms\nb,1m\nc,0\nd,-2s\n",
        );
        let raw = parse(r#"d = { empirical = { file = "lat.csv", column = "delay" } }"#);
        let d = raw.build_duration(dir.path()).unwrap();
        assert_eq!(empirical_values(&d.0), [0.25, 60.0, 0.0, -2.0]);
        assert!(d.can_be_negative());
    }

    #[test]
    fn reads_an_empirical_column_of_numbers() {
        let dir = tempfile::tempdir().unwrap();
        write_csv(
            dir.path(),
            "counts.csv",
            "day,count\n1,120\n2,80.5\n3,100\n",
        );
        let raw = parse_number(r#"d = { empirical = { file = "counts.csv", column = "count" } }"#);
        let d = raw.build(dir.path()).unwrap();
        assert_eq!(empirical_values(&d), [120.0, 80.5, 100.0]);
        assert_eq!(d.mean(), 300.5 / 3.0);
        // inside a mixture, relative to the same folder
        let raw = parse_number(
            r#"d = { mixture = [ { weight = 1, dist = { empirical = { file = "counts.csv", column = "count" } } }, { weight = 1, dist = 0 } ] }"#,
        );
        assert_eq!(raw.build(dir.path()).unwrap().mean(), 300.5 / 6.0);
    }

    #[test]
    fn suggests_the_closest_column() {
        let dir = tempfile::tempdir().unwrap();
        write_csv(dir.path(), "lat.csv", "ts,latency_ms\n1,250\n");
        let raw =
            parse(r#"d = { empirical = { file = "lat.csv", column = "latncy_ms", unit = "ms" } }"#);
        let err = raw.build(dir.path()).unwrap_err();
        assert!(matches!(err, DistError::Empirical(_)));
        let message = err.to_string();
        for needle in [
            "lat.csv",
            "no column `latncy_ms`",
            "the columns are `ts`, `latency_ms`",
            "did you mean `latency_ms`?",
        ] {
            assert!(message.contains(needle), "{needle:?} not in {message}");
        }
        // nothing close: the list alone
        let raw = parse(r#"d = { empirical = { file = "lat.csv", column = "zzz", unit = "ms" } }"#);
        let message = raw.build(dir.path()).unwrap_err().to_string();
        assert!(!message.contains("did you mean"), "{message}");
    }

    #[test]
    fn names_the_line_of_a_bad_value() {
        let dir = tempfile::tempdir().unwrap();
        write_csv(
            dir.path(),
            "lat.csv",
            "ts,latency_ms\n1,250\n2,abc\n3,100\n",
        );
        let raw = parse(
            r#"d = { empirical = { file = "lat.csv", column = "latency_ms", unit = "ms" } }"#,
        );
        let message = raw.build(dir.path()).unwrap_err().to_string();
        for needle in ["lat.csv", "line 3", "bad value `abc`"] {
            assert!(message.contains(needle), "{needle:?} not in {message}");
        }

        // a bare number where a duration string was expected
        write_csv(dir.path(), "bare.csv", "delay\n250ms\n250\n");
        let raw = parse(r#"d = { empirical = { file = "bare.csv", column = "delay" } }"#);
        let message = raw.build(dir.path()).unwrap_err().to_string();
        for needle in ["line 3", "bad value `250`", "unit = \"ms\""] {
            assert!(message.contains(needle), "{needle:?} not in {message}");
        }

        // an empty cell, a short row, a missing file, no rows
        write_csv(dir.path(), "gap.csv", "a,b\n1,2\n3,\n");
        let raw = parse_number(r#"d = { empirical = { file = "gap.csv", column = "b" } }"#);
        let message = raw.build(dir.path()).unwrap_err().to_string();
        assert!(
            message.contains("line 3") && message.contains("bad value ``"),
            "{message}"
        );

        write_csv(dir.path(), "short.csv", "a,b\n1,2\n3\n");
        let raw = parse_number(r#"d = { empirical = { file = "short.csv", column = "a" } }"#);
        let message = raw.build(dir.path()).unwrap_err().to_string();
        assert!(message.contains("line 3"), "{message}");

        let raw = parse_number(r#"d = { empirical = { file = "nope.csv", column = "a" } }"#);
        let message = raw.build(dir.path()).unwrap_err().to_string();
        assert!(message.contains("nope.csv"), "{message}");

        write_csv(dir.path(), "empty.csv", "a\n");
        let raw = parse_number(r#"d = { empirical = { file = "empty.csv", column = "a" } }"#);
        let message = raw.build(dir.path()).unwrap_err().to_string();
        assert!(message.contains("no values"), "{message}");
    }
    #[test]
    fn the_key_lists_are_what_serde_accepts() {
        use crate::field::accepted_by;
        for (path, keys) in KEYS {
            let got = match path.split_once('.') {
                None => accepted_by::<RawDist<f64>>(|_| "{ zzz_not_a_key = 1 }".into()),
                Some((_, kind)) => match kind.strip_suffix("[]") {
                    Some(list) => {
                        accepted_by::<RawDist<f64>>(|t| format!("{{ {list} = [ {t} ] }}"))
                    }
                    None => accepted_by::<RawDist<f64>>(|t| format!("{{ {kind} = {t} }}")),
                },
            };
            assert_eq!(&got, keys, "{path}");
        }
    }
}
