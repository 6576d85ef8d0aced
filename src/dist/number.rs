//! [`Dist`], a validated distribution over `f64`: its checking constructors,
//! sampling on the hot path and closed-form moments.

use rand::Rng;
use rand::distr::Distribution;
use rand_distr as rd;

use super::error::{Unit, finite, invalid, non_negative, positive, probabilities, weighted_index};
use super::fit::{Level, PercentileFit};
use super::kinds::{
    Choice, Empirical, Exponential, Gamma, LogNormal, Mixture, Normal, Pareto, Uniform, Weibull,
};
use super::{DistError, Z_99};

/// A validated distribution over `f64`.
///
/// Build one with the checking constructors ([`Dist::uniform`],
/// [`Dist::normal`]...) or from a scenario through [`RawDist::build`](super::RawDist::build). The
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
    pub(super) fn constant_in(value: f64, unit: Unit) -> Result<Dist, DistError> {
        Ok(Dist::Constant(finite("the constant", value, unit)?))
    }

    /// Uniform on `[low, high]`; `low == high` is allowed (a constant).
    pub fn uniform(low: f64, high: f64) -> Result<Dist, DistError> {
        Self::uniform_in(low, high, Unit::Number)
    }
    pub(super) fn uniform_in(low: f64, high: f64, unit: Unit) -> Result<Dist, DistError> {
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
    pub(super) fn normal_in(mean: f64, sd: f64, unit: Unit) -> Result<Dist, DistError> {
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
    pub(super) fn lognormal_median_p99_in(
        median: f64,
        p99: f64,
        unit: Unit,
    ) -> Result<Dist, DistError> {
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
    /// `mu = ln x - sigma z` (see [`fit`](super::fit)). Values positive, not decreasing
    /// with the level (equal values give `sigma = 0`, a constant). `p50` and
    /// `p99` give exactly [`Dist::lognormal_median_p99`].
    pub fn lognormal_percentiles(a: (Level, f64), b: (Level, f64)) -> Result<Dist, DistError> {
        Self::lognormal_percentiles_in(a, b, Unit::Number)
    }
    pub(super) fn lognormal_percentiles_in(
        a: (Level, f64),
        b: (Level, f64),
        unit: Unit,
    ) -> Result<Dist, DistError> {
        let (lo, hi) = if a.0.p() <= b.0.p() { (a, b) } else { (b, a) };
        let points = [lo, hi];
        super::fit::check_points("lognormal", &points, false, unit)?;
        let [lo, hi] = points;
        let p50 = Level::parse("p50").expect("a valid level");
        let p99 = Level::parse("p99").expect("a valid level");
        if lo.0 == p50 && hi.0 == p99 {
            return Self::lognormal_median_p99_in(lo.1, hi.1, unit);
        }
        let (mu, sigma) = super::fit::lognormal_through((&lo.0, lo.1), (&hi.0, hi.1));
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
    /// linear in `Φ^-1(p)`, with lognormal tails (see [`fit`](super::fit)). Values
    /// positive and strictly increasing with the level.
    pub fn percentiles(points: Vec<(Level, f64)>) -> Result<Dist, DistError> {
        Self::percentiles_in(points, Unit::Number)
    }
    pub(super) fn percentiles_in(points: Vec<(Level, f64)>, unit: Unit) -> Result<Dist, DistError> {
        PercentileFit::new(points, unit).map(Dist::Percentiles)
    }

    pub(super) fn lognormal_unchecked(mu: f64, sigma: f64, median: f64) -> Result<Dist, DistError> {
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
    pub(super) fn exponential_in(mean: f64, unit: Unit) -> Result<Dist, DistError> {
        positive("exponential mean", mean, unit)?;
        Ok(Dist::Exponential(Exponential { mean }))
    }

    /// Gamma with `shape > 0` and `scale > 0` (mean `shape * scale`).
    pub fn gamma(shape: f64, scale: f64) -> Result<Dist, DistError> {
        Self::gamma_in(shape, scale, Unit::Number)
    }
    pub(super) fn gamma_in(shape: f64, scale: f64, unit: Unit) -> Result<Dist, DistError> {
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
    pub(super) fn weibull_in(shape: f64, scale: f64, unit: Unit) -> Result<Dist, DistError> {
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
    pub(super) fn pareto_in(scale: f64, shape: f64, unit: Unit) -> Result<Dist, DistError> {
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
    pub(super) fn choice_in(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::testing::test_rng;
    use crate::dist::{DurationDist, RawDist};
    use crate::engine::Streams;
    use crate::units::DurationValue;

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
}
