//! The parameters of each kind of [`Dist`]: opaque values whose parameters
//! are readable but cannot be changed, each holding its sampler already built.

use rand::Rng;
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rand_distr as rd;

use super::Dist;

/// Uniform on `[low, high]`.
#[derive(Debug, Clone)]
pub struct Uniform {
    pub(super) low: f64,
    pub(super) high: f64,
    pub(super) sampler: rand::distr::Uniform<f64>,
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
    pub(super) mean: f64,
    pub(super) sd: f64,
    pub(super) sampler: rd::Normal<f64>,
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
    pub(super) mu: f64,
    pub(super) sigma: f64,
    pub(super) median: f64,
    pub(super) sampler: rd::LogNormal<f64>,
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
    pub(super) mean: f64,
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
    pub(super) shape: f64,
    pub(super) scale: f64,
    pub(super) sampler: rd::Gamma<f64>,
    /// Its quantiles at the breakpoints of [`Dist::expect`], found by
    /// bisection on the incomplete gamma function on first use and kept.
    pub(super) points: std::sync::OnceLock<Box<[f64]>>,
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
    pub(super) shape: f64,
    pub(super) scale: f64,
    pub(super) sampler: rd::Weibull<f64>,
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
    pub(super) scale: f64,
    pub(super) shape: f64,
    pub(super) sampler: rd::Pareto<f64>,
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
    pub(super) values: Vec<f64>,
    pub(super) min: f64,
    pub(super) max: f64,
    pub(super) mean: f64,
    pub(super) index: rand::distr::Uniform<usize>,
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
    pub(super) values: Vec<f64>,
    pub(super) probabilities: Vec<f64>,
    pub(super) index: WeightedIndex<f64>,
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
    pub(super) components: Vec<Dist>,
    pub(super) probabilities: Vec<f64>,
    pub(super) index: WeightedIndex<f64>,
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
    pub(super) fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.components[self.index.sample(rng)].sample(rng)
    }
    /// (probability, component) pairs with a positive probability.
    pub(super) fn live(&self) -> impl Iterator<Item = (f64, &Dist)> {
        self.probabilities
            .iter()
            .copied()
            .zip(&self.components)
            .filter(|(p, _)| *p > 0.0)
    }
}
