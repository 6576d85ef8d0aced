//! Confidence intervals: the statistics every reported
//! figure goes through.
//!
//! This module owns the interval arithmetic and nothing else: pure functions
//! over per-replication values, no I/O, no threads, no randomness. Replications
//! are the independent units (users in one replication share a clock path and a
//! poll phase), so every interval here is computed from per-replication values
//! or from totals over replications, never from per-user values.
//!
//! # Formulas
//!
//! Throughout, `alpha = 1 - conf` and `n` is the number of replications.
//!
//! - **Student t** ([`mean_interval`], [`Method::StudentT`]). Student (1908),
//!   "The probable error of a mean", *Biometrika* 6(1): 1-25. For values
//!   `x_1..x_n` with mean `m` and sample standard deviation `s` (divisor
//!   `n - 1`): `m ± t(1 - alpha/2; n - 1) * s / sqrt(n)`.
//! - **Exact Poisson** ([`garwood`], [`Method::Garwood`]). Garwood (1936),
//!   "Fiducial limits for the Poisson distribution", *Biometrika* 28(3/4):
//!   437-442. For `k` events: `low = chi2(alpha/2; 2k) / 2` (`0` when `k = 0`),
//!   `high = chi2(1 - alpha/2; 2k + 2) / 2`, where `chi2(p; v)` is the
//!   chi-square quantile with `v` degrees of freedom.
//! - **Exact binomial** ([`clopper_pearson`], [`Method::ClopperPearson`]).
//!   Clopper and Pearson (1934), "The use of confidence or fiducial limits
//!   illustrated in the case of the binomial", *Biometrika* 26(4): 404-413. For
//!   `k` of `n`: `low = B(alpha/2; k, n - k + 1)` (`0` when `k = 0`),
//!   `high = B(1 - alpha/2; k + 1, n - k)` (`1` when `k = n`), where
//!   `B(p; a, b)` is the beta quantile.
//! - **Ratio estimator** ([`ratio_figure`], [`mean_figure`],
//!   [`ratio_diff_figure`], [`Method::RatioT`]). Cochran (1977), *Sampling
//!   Techniques*, 3rd ed., Wiley, section 6.4 (the estimated variance of a
//!   ratio estimate; equivalently the delta method), without the finite
//!   population correction because replications are drawn from an unbounded
//!   population. For numerators `y_i` and denominators `x_i`,
//!   `R = Σy / Σx`, `se = sqrt(Σ (y_i - R x_i)² / (n (n - 1))) / mean(x)` and
//!   the interval is `R ± t(1 - alpha/2; n - 1) * se`. Pooling the totals
//!   weights each replication by its denominator, which is what "errors per
//!   user over all users" means; with equal denominators it is exactly the
//!   Student t interval of the per-replication rates.
//!
//! Quantiles come from `statrs`, except where its routines were measured to
//! fail (see [`t_quantile`] and [`clopper_pearson`]); the tests check published
//! values.
//!
//! # Choosing a method
//!
//! The `*_estimate` functions choose the interval for the caller (the rules
//! and their measured coverage are in `docs/statistics.md`):
//!
//! - Whole-number counts of events (and rates and proportions of them) get the
//!   interval of [`events`]: exact (Garwood for counts and rates,
//!   Clopper-Pearson for proportions) on the pooled total when the
//!   per-replication counts spread no more than independent events would,
//!   otherwise quasi-Poisson or quasi-binomial, widened by the dispersion the
//!   replications show. It is one formula, continuous in the counts, from no
//!   event to millions: no width jumps at a threshold. Zero events always give
//!   `[0, upper]` with `upper > 0`, and no bound is ever negative.
//! - Money (a sum of amounts) is not a count: [`money_figure`] builds its
//!   interval from the events behind the amounts and the spread between
//!   replications ([`Method::CompoundPoisson`]).
//! - Values that are not whole numbers (the conditional estimator's expected
//!   counts) take Student t over replications (the ratio estimator for
//!   rates), with the lower bound clamped at zero for quantities that cannot
//!   be negative and the upper bound at one for proportions. Clamping at a
//!   bound the truth cannot cross never lowers coverage.
//! - Differences of paired rates may be negative and are not clamped.

//! # Undefined intervals
//!
//! Some intervals cannot be computed honestly. Rather than print something that
//! cannot be right, such an [`Interval`] has `low` and `high` both NaN and a
//! method that says why: [`Method::SingleReplication`] (one replication has no
//! spread to measure; `value` is still the point estimate) or
//! [`Method::NoData`] (no replications, or a zero denominator: `value` is NaN
//! for a ratio). [`Interval::is_defined`] tells them apart; a report prints
//! them as "n/a", and `serde_json` writes NaN as `null`. A `check` must treat an
//! undefined interval as inconclusive.
//!
//! # Files
//!
//! One concept per file: `interval.rs` ([`Figure`], [`Interval`],
//! [`Method`]), `quantile.rs` (Student t, normal and beta quantiles),
//! `exact.rs` (Garwood, Clopper-Pearson), `student.rs` (the Student t
//! interval of a mean and the ratio estimator's interval), `count.rs` (totals:
//! counts, other totals, money), `ratio.rs` (rates, proportions, means,
//! paired differences), `precision.rs` ([`replications_needed`]); [`events`]
//! (dispersion test; quasi-Poisson, quasi-binomial, compound Poisson) and
//! [`rare`] (the rare-event estimators' intervals).

mod count;
pub mod events;
mod exact;
mod interval;
mod precision;
mod quantile;
pub mod rare;
mod ratio;
mod student;
#[cfg(test)]
mod testing;

pub use count::{count_figure, is_whole, money_figure, total_figure};
pub use exact::{clopper_pearson, garwood};
pub use interval::{Figure, Interval, Method};
pub use precision::replications_needed;
pub use quantile::{normal_quantile, t_quantile};
// for the children (`events`) that build intervals from the quantiles
use quantile::{beta_quantile, tail};
pub use ratio::{mean_figure, ratio_diff_figure, ratio_figure};
pub use student::mean_interval;

/// The confidence level of every reported interval.
pub const CONFIDENCE: f64 = 0.95;

/// Sums in index order, so that the result does not depend on how the values
/// were produced (threads, shards).
fn sum(xs: &[f64]) -> f64 {
    xs.iter().sum()
}
