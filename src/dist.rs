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
//! written in: [`DurationValue`](crate::units::DurationValue) (a string with units) or `f64`. Its
//! parameters are checked while the TOML is deserialized, so a bad value is
//! reported with its line and column; only `empirical` CSV files are read
//! later, by [`RawDist::build`]. Reading that file is the one piece of I/O in
//! this module; sampling never touches files or the wall clock.
//!
//! One concept per file: `error.rs` ([`DistError`] and the parameter
//! checks), `kinds.rs` (each kind's parameters: [`Uniform`], [`Normal`]...),
//! `number.rs` ([`Dist`]: constructors, sampling, moments), `duration.rs`
//! ([`DurationDist`]), `raw.rs` ([`RawDist`], [`KEYS`], building), `parse.rs`
//! (the serde visitor that reads a [`RawDist`] and checks it in place),
//! `empirical.rs` (reading an `empirical` CSV column); [`fit`], [`tail`] and
//! [`quad`] as above.

mod duration;
mod empirical;
mod error;
pub mod fit;
mod kinds;
mod number;
mod parse;
pub mod quad;
mod raw;
pub mod tail;
#[cfg(test)]
mod testing;

pub use duration::DurationDist;
pub use error::DistError;
// the parameter checks, for the children (`fit`) that build distributions
use error::{Unit, invalid, positive};
pub use kinds::{
    Choice, Empirical, Exponential, Gamma, LogNormal, Mixture, Normal, Pareto, Uniform, Weibull,
};
pub use number::Dist;
pub use raw::{ChoiceEntry, KEYS, MixtureComponent, RawDist, Scalar};

/// The standard normal quantile at 0.99: `Phi^-1(0.99)`. A lognormal given by
/// `{ median, p99 }` has `sigma = (ln p99 - ln median) / Z_99`.
pub const Z_99: f64 = 2.326_347_874_040_840_8;
