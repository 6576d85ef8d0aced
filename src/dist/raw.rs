//! [`RawDist`], a distribution as written in a scenario file, its key lists
//! ([`KEYS`]) and building the validated [`Dist`] from it.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::empirical::{cell_unit, read_column};
use super::error::Unit;
use super::fit::Percentile;
use super::parse::{LOGNORMAL_KEYS, PERCENTILES_KEYS};
use super::{Dist, DistError, DurationDist};
use crate::units::DurationValue;

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

#[cfg(test)]
mod tests {
    use super::*;

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
