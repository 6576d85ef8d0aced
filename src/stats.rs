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

pub mod events;
pub mod rare;

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};
use statrs::function::beta::beta_reg;

/// The confidence level of every reported interval.
pub const CONFIDENCE: f64 = 0.95;

/// Degrees of freedom from which [`t_quantile`] uses the Cornish-Fisher
/// expansion (the two methods agree to 2e-13 here).
const T_EXPANSION_DF: f64 = 1e4;

/// How an interval was made.
///
/// Serialised in kebab-case (`"student-t"`, `"ratio-t"`, `"garwood"`, ...);
/// [`Method::description`] gives the phrase a report prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Student t over per-replication values.
    StudentT,
    /// Student t over replications, ratio estimator (Cochran 1977, 6.4).
    RatioT,
    /// Exact Poisson interval for a small count (Garwood 1936).
    Garwood,
    /// Exact binomial interval for a small proportion (Clopper-Pearson 1934).
    ClopperPearson,
    /// Garwood's interval on the effective count `K / φ`, scaled by the
    /// dispersion `φ` the replications show (quasi-Poisson; see
    /// [`events`]).
    QuasiPoisson,
    /// Clopper-Pearson on effective counts, scaled by the dispersion
    /// (quasi-binomial; see [`events`]).
    QuasiBinomial,
    /// A sum of amounts (money): quasi-Poisson in units of the mean amount,
    /// with the spread of the amounts as a floor (see
    /// [`events::amount_interval`]).
    CompoundPoisson,
    /// An amount with no (non-zero) event in any replication: at most the
    /// largest amount one event can carry times the upper bound of the
    /// event count (see [`money_figure`]).
    AmountBound,
    /// An amount with no event in any replication and no known bound on the
    /// amount per event: the interval is undefined.
    NoEvents,
    /// Only one replication: no spread to measure, the interval is undefined.
    SingleReplication,
    /// No replications or a zero denominator: the interval is undefined.
    NoData,
    /// A rare-event estimator proved the event impossible (the latency's
    /// support ends before the margin): `0, impossible under these
    /// distributions`, interval `[0, 0]` (see [`rare`]).
    Impossible,
}

impl Method {
    /// The kebab-case name, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::StudentT => "student-t",
            Method::RatioT => "ratio-t",
            Method::Garwood => "garwood",
            Method::ClopperPearson => "clopper-pearson",
            Method::QuasiPoisson => "quasi-poisson",
            Method::QuasiBinomial => "quasi-binomial",
            Method::CompoundPoisson => "compound-poisson",
            Method::AmountBound => "amount-bound",
            Method::NoEvents => "no-events",
            Method::SingleReplication => "single-replication",
            Method::NoData => "no-data",
            Method::Impossible => "impossible",
        }
    }

    /// A short phrase for a report's footnote.
    pub fn description(self) -> &'static str {
        match self {
            Method::StudentT => "Student t over replications",
            Method::RatioT => "Student t over replications, ratio estimator",
            Method::Garwood => {
                "exact Poisson (Garwood) on the pooled total: replications spread no more than independent events"
            }
            Method::ClopperPearson => {
                "exact binomial (Clopper-Pearson) on the pooled total: replications spread no more than independent events"
            }
            Method::QuasiPoisson => {
                "quasi-Poisson: Garwood on the pooled total, widened by the spread between replications"
            }
            Method::QuasiBinomial => {
                "quasi-binomial: Clopper-Pearson on the pooled total, widened by the spread between replications"
            }
            Method::CompoundPoisson => {
                "compound Poisson: a sum of amounts, widened by the spread between replications"
            }
            Method::AmountBound => {
                "no amount lost: at most the largest amount per event times the upper bound of the event count"
            }
            Method::NoEvents => "n/a: no events, so no amount per event to bound the total by",
            Method::SingleReplication => "n/a: a single replication has no spread",
            Method::NoData => "n/a: no data",
            Method::Impossible => "0, impossible under these distributions",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A two-sided interval.
///
/// Invariant: either `low <= high`, both not NaN (a defined interval), or both
/// NaN with `method` [`Method::SingleReplication`] or [`Method::NoData`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
    /// How it was made.
    pub method: Method,
}

impl Interval {
    /// An interval that could not be computed (both bounds NaN).
    pub fn undefined(method: Method) -> Interval {
        Interval {
            low: f64::NAN,
            high: f64::NAN,
            method,
        }
    }

    /// Whether the bounds are numbers (false for an "n/a" interval).
    pub fn is_defined(&self) -> bool {
        !self.low.is_nan() && !self.high.is_nan()
    }

    /// Half the width, `(high - low) / 2`; NaN when undefined.
    pub fn half_width(&self) -> f64 {
        (self.high - self.low) / 2.0
    }

    fn scaled(self, factor: f64) -> Interval {
        Interval {
            low: self.low * factor,
            high: self.high * factor,
            method: self.method,
        }
    }

    /// Raises both bounds to at least `floor`, for quantities that cannot be
    /// lower. An undefined interval stays undefined (`f64::max` would turn NaN
    /// into `floor`).
    fn clamp_low(self, floor: f64) -> Interval {
        if !self.is_defined() {
            return self;
        }
        Interval {
            low: self.low.max(floor),
            high: self.high.max(floor),
            ..self
        }
    }

    /// Lowers both bounds to at most `ceiling`; undefined stays undefined.
    fn clamp_high(self, ceiling: f64) -> Interval {
        if !self.is_defined() {
            return self;
        }
        Interval {
            low: self.low.min(ceiling),
            high: self.high.min(ceiling),
            ..self
        }
    }
}

/// A simulated figure: a point estimate from the replications with its
/// confidence interval (at [`CONFIDENCE`]). Not a back-of-envelope (a
/// model's closed form), nor an estimator (how replications are sampled).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Figure {
    /// The pooled value (a total, a rate, a mean).
    pub value: f64,
    /// The interval around it.
    pub ci: Interval,
}

impl Figure {
    fn undefined(value: f64, method: Method) -> Figure {
        Figure {
            value,
            ci: Interval::undefined(method),
        }
    }
}

/// `(1 - conf) / 2`, the probability in each tail.
///
/// # Panics
///
/// If `conf` is not strictly between 0 and 1 (a programming error: the
/// confidence level is [`CONFIDENCE`], not user input).
fn tail(conf: f64) -> f64 {
    assert!(
        conf > 0.0 && conf < 1.0,
        "confidence level must be in (0, 1), got {conf}"
    );
    (1.0 - conf) / 2.0
}

/// The `p` quantile of Student's t distribution with `df` degrees of freedom
/// (`df` may be fractional; an infinite `df` gives the normal quantile).
///
/// Below 1e4 degrees of freedom this is `statrs`' exact inversion through the
/// incomplete beta function. From there on, where that inversion loses digits
/// (1e-4 off at a million degrees of freedom), it is the Cornish-Fisher
/// expansion of Abramowitz and Stegun (1964), *Handbook of Mathematical
/// Functions*, 26.7.5, whose first omitted term is of order `df^-5`.
///
/// # Panics
///
/// If `p` is outside `[0, 1]` or `df` is not positive.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    assert!(
        (0.0..=1.0).contains(&p),
        "probability must be in [0, 1], got {p}"
    );
    assert!(df > 0.0, "degrees of freedom must be positive, got {df}");
    if df >= T_EXPANSION_DF {
        let z = normal_quantile(p);
        if !z.is_finite() {
            return z;
        }
        let z2 = z * z;
        let g1 = z * (z2 + 1.0) / 4.0;
        let g2 = z * ((5.0 * z2 + 16.0) * z2 + 3.0) / 96.0;
        let g3 = z * (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) / 384.0;
        let g4 = z * ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) / 92160.0;
        return z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df;
    }
    StudentsT::new(0.0, 1.0, df)
        .unwrap_or_else(|e| panic!("t distribution with {df} degrees of freedom: {e}"))
        .inverse_cdf(p)
}

/// The `p` quantile of the standard normal distribution.
///
/// # Panics
///
/// If `p` is outside `[0, 1]`.
pub fn normal_quantile(p: f64) -> f64 {
    assert!(
        (0.0..=1.0).contains(&p),
        "probability must be in [0, 1], got {p}"
    );
    Normal::standard().inverse_cdf(p)
}

/// The `p` quantile of the beta distribution (`a, b > 0`), by bisection on
/// `statrs`' regularised incomplete beta function.
///
/// Not `statrs`' `Beta::inverse_cdf`: its iteration does not return for shapes
/// like `(4, 4e8)`, the Clopper-Pearson upper bound for 3 events among 4e8
/// users. Bisection ends after at most about 1100 evaluations of a function
/// that cannot fail. While the lower end of the bracket is still 0, the upper
/// end is halved, so a quantile of 1e-12 is found to full relative precision
/// rather than to 1e-16 absolute.
fn beta_quantile(p: f64, a: f64, b: f64) -> f64 {
    let (mut low, mut high) = (0.0_f64, 1.0_f64);
    loop {
        let mid = if low == 0.0 {
            high / 2.0
        } else {
            low + (high - low) / 2.0
        };
        if mid <= low || mid >= high {
            return mid;
        }
        if beta_reg(a, b, mid) < p {
            low = mid;
        } else {
            high = mid;
        }
    }
}

/// Exact (Garwood 1936) confidence interval for the mean of a Poisson count,
/// having observed `count` events: `(chi2(alpha/2; 2k)/2, chi2(1-alpha/2;
/// 2k+2)/2)`. A count of 0 gives a lower bound of exactly 0 and an upper bound
/// of `-ln(alpha/2)` (3.6889 at 95%).
///
/// # Panics
///
/// If `conf` is not in (0, 1).
pub fn garwood(count: u64, conf: f64) -> (f64, f64) {
    events::garwood_real(count as f64, conf)
}

/// Exact (Clopper-Pearson 1934) confidence interval for a proportion, having
/// observed `k` successes in `n` trials. `k = 0` gives a lower bound of exactly
/// 0, `k = n` an upper bound of exactly 1; `n = 0` gives `(0, 1)`, since no
/// trial rules out any proportion.
///
/// Beyond a billion trials the beta quantiles cannot be computed to useful
/// precision in `f64`, and the Poisson limit is used on the rarer outcome:
/// Garwood's interval for `min(k, n - k)` divided by `n` (mirrored when
/// successes are the common outcome), clamped to `[0, 1]`. It agrees with the
/// exact interval to a relative `min(k, n - k) / n` and is never narrower (the
/// Poisson variance `np` exceeds the binomial `np(1 - p)`), so it stays honest.
///
/// # Panics
///
/// If `k > n` or `conf` is not in (0, 1).
pub fn clopper_pearson(k: u64, n: u64, conf: f64) -> (f64, f64) {
    assert!(k <= n, "{k} successes in {n} trials");
    events::clopper_pearson_real(k as f64, n as f64, conf)
}

/// Student t interval for the mean of `xs` (Student 1908), with `n - 1` degrees
/// of freedom.
///
/// With no values the interval is [`Method::NoData`]; with one value it is
/// [`Method::SingleReplication`]: a single replication says nothing about the
/// spread, and an infinite interval would be printed as if it meant something.
/// Both have NaN bounds (see the module docs).
///
/// # Panics
///
/// If `conf` is not in (0, 1).
pub fn mean_interval(xs: &[f64], conf: f64) -> Interval {
    let tail = tail(conf);
    match xs.len() {
        0 => return Interval::undefined(Method::NoData),
        1 => return Interval::undefined(Method::SingleReplication),
        _ => {}
    }
    let n = xs.len() as f64;
    let mean = sum(xs) / n;
    // Two passes: exact enough for values with a large common offset, unlike
    // the textbook one-pass sum of squares.
    let ss: f64 = xs.iter().map(|x| (x - mean) * (x - mean)).sum();
    let se = (ss / (n - 1.0)).sqrt() / n.sqrt();
    let half = t_quantile(1.0 - tail, n - 1.0) * se;
    Interval {
        low: mean - half,
        high: mean + half,
        method: Method::StudentT,
    }
}

/// The total of a count over all replications.
///
/// `value` is `Σ per_rep`. When every value is a whole, non-negative number
/// (events), the interval is [`events::rate_interval`] with unit exposures,
/// times `n`: Garwood on the total when the replications spread no more than
/// independent events, quasi-Poisson otherwise; zero events give
/// `[0, 3.6889]`. Values that are not whole (the conditional estimator's
/// expected counts) get `n` times the Student t interval of the
/// per-replication values, lower bound clamped at 0 (the truth cannot be
/// negative, so clamping never loses coverage). One replication gives
/// [`Method::SingleReplication`]; none give `value` 0 and [`Method::NoData`].
pub fn count_figure(per_rep: &[f64]) -> Figure {
    let total = sum(per_rep);
    if per_rep.is_empty() {
        return Figure::undefined(0.0, Method::NoData);
    }
    let n = per_rep.len() as f64;
    if is_whole(per_rep) {
        let ones = vec![1.0; per_rep.len()];
        let ci = events::rate_interval(per_rep, &ones, false, CONFIDENCE).scaled(n);
        return Figure { value: total, ci };
    }
    total_figure(per_rep)
}

/// The total over replications of a quantity that is not a count of random
/// events (terminal-days, or expected counts): `Σ per_rep` with `n` times the
/// Student t interval of the per-replication values, lower bound clamped at
/// 0. A constant gives a zero-width interval, which is right for it. One
/// replication gives [`Method::SingleReplication`]; none [`Method::NoData`].
pub fn total_figure(per_rep: &[f64]) -> Figure {
    let total = sum(per_rep);
    if per_rep.is_empty() {
        return Figure::undefined(0.0, Method::NoData);
    }
    let n = per_rep.len() as f64;
    let mean_ci = mean_interval(per_rep, CONFIDENCE);
    // Centre on the total itself (not n * mean, which may round differently).
    let half = n * mean_ci.half_width();
    let ci = Interval {
        low: total - half,
        high: total + half,
        method: mean_ci.method,
    };
    Figure {
        value: total,
        ci: ci.clamp_low(0.0),
    }
}

/// A total of money over replications: `amount[i]` is replication `i`'s sum
/// of the amounts of its `events[i]` events, each at most `max_per_event`
/// (0 when unknown).
///
/// Money is not a count, so it never gets a count interval. With whole event
/// counts and at least one amount the interval is compound Poisson
/// ([`events::amount_interval`]): quasi-Poisson in units of the mean amount,
/// never below zero. With no amount at all (no event, or only zero-valued
/// ones) there is no mean amount to scale by, but every event carries at most
/// `max_per_event`: the total is at most that times the upper bound of the
/// event count's own interval ([`count_figure`]), so the interval is
/// `[0, max_per_event * upper]` ([`Method::AmountBound`]); when no bound per
/// event is known it is left undefined ([`Method::NoEvents`]). Expected
/// amounts (not whole event counts: the conditional estimator) get the
/// Student t interval of [`total_figure`].
///
/// # Panics
///
/// If the slices differ in length.
pub fn money_figure(amount: &[f64], events: &[f64], max_per_event: f64) -> Figure {
    assert_eq!(amount.len(), events.len(), "one event count per amount");
    let total = sum(amount);
    match amount.len() {
        0 => return Figure::undefined(0.0, Method::NoData),
        1 => return Figure::undefined(total, Method::SingleReplication),
        _ => {}
    }
    if !is_whole(events) {
        return total_figure(amount);
    }
    match events::amount_interval(amount, events, CONFIDENCE) {
        Some(ci) => Figure { value: total, ci },
        None if max_per_event > 0.0 && max_per_event.is_finite() => {
            let count = count_figure(events);
            Figure {
                value: total,
                ci: Interval {
                    low: 0.0,
                    high: max_per_event * count.ci.high,
                    method: Method::AmountBound,
                },
            }
        }
        None => Figure::undefined(total, Method::NoEvents),
    }
}

/// A rate or proportion pooled over replications: `scale * Σnum / Σden`.
///
/// `scale` (positive) converts the unit, e.g. 1e6 for "per million users".
/// `proportion` says that `num[i]` counts a subset of the `den[i]` trials,
/// which makes the interval binomial and caps the upper bound at `scale`.
///
/// - `Σden == 0` or no replications: `value` NaN, [`Method::NoData`]. A rate
///   over nothing is undefined, and 0 would read as "safe".
/// - One replication: [`Method::SingleReplication`].
/// - Whole-number numerators (events): [`events::rate_interval`], exact
///   (Garwood, or Clopper-Pearson for a proportion) when the replications
///   spread no more than independent events, quasi-Poisson or quasi-binomial
///   otherwise. Zero events give `[0, upper]` with `upper > 0`.
/// - Otherwise (expected counts of the conditional estimator) the ratio
///   estimator over replications ([`Method::RatioT`]; see the module docs),
///   lower bound clamped at 0.
///
/// # Panics
///
/// If `num` and `den` differ in length.
pub fn ratio_figure(num: &[f64], den: &[f64], scale: f64, proportion: bool) -> Figure {
    assert_eq!(num.len(), den.len(), "one numerator per denominator");
    debug_assert!(scale > 0.0, "scale must be positive, got {scale}");
    let (sn, sd) = (sum(num), sum(den));
    if num.is_empty() || sd == 0.0 {
        return Figure::undefined(f64::NAN, Method::NoData);
    }
    let value = scale * sn / sd;
    let ci = if is_whole(num) {
        events::rate_interval(num, den, proportion, CONFIDENCE).scaled(scale)
    } else {
        let ci = ratio_interval(num, den, sd, CONFIDENCE)
            .scaled(scale)
            .clamp_low(0.0);
        if proportion { ci.clamp_high(scale) } else { ci }
    };
    Figure { value, ci }
}

/// The difference of two rates over the same denominators, `(Σa - Σb) /
/// Σden`, paired across replications.
///
/// The two sides were simulated with common random numbers (replication `i` of
/// `a` and of `b` share their random streams), so the interval comes from the
/// paired differences `d_i = a_i - b_i`.
///
/// When every `d_i` is a whole, non-negative number, the differences are
/// counts of extra events (under common random numbers the events of `b` are
/// then a subset of those of `a`), and the interval is that of a rate of
/// events ([`events::rate_interval`]): in particular, when every `d_i` is zero
/// the value is 0 and the interval `[0, 3.6889 / Σden]`, not the zero width
/// Student t would claim. (The lower bound 0 reads "no evidence of a change";
/// it does not claim that `a` cannot be below `b`.)
///
/// Otherwise (some replication has fewer events with `a` than with `b`, or
/// expected counts) it is the ratio estimator over the paired differences
/// with `n - 1` degrees of freedom ([`Method::RatioT`]), not clamped: a
/// difference may be negative (a clock that runs behind can remove errors as
/// well as add them).
///
/// `Σden == 0` or no replications give `value` NaN and [`Method::NoData`]; one
/// replication gives [`Method::SingleReplication`].
///
/// # Panics
///
/// If the slices differ in length.
pub fn ratio_diff_figure(a: &[f64], b: &[f64], den: &[f64]) -> Figure {
    assert_eq!(a.len(), b.len(), "paired replications");
    assert_eq!(a.len(), den.len(), "one denominator per replication");
    let sd = sum(den);
    if a.is_empty() || sd == 0.0 {
        return Figure::undefined(f64::NAN, Method::NoData);
    }
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let value = sum(&d) / sd;
    let ci = if is_whole(&d) {
        events::rate_interval(&d, den, false, CONFIDENCE)
    } else {
        ratio_interval(&d, den, sd, CONFIDENCE)
    };
    Figure { value, ci }
}

/// A mean per unit pooled over replications, `Σsum / Σcount` (e.g. the mean
/// delay per user from per-replication sums of delays and counts of users),
/// with the ratio estimator's interval ([`Method::RatioT`]), not clamped.
///
/// `Σcount == 0` or no replications give `value` NaN and [`Method::NoData`];
/// one replication gives [`Method::SingleReplication`].
///
/// # Panics
///
/// If the slices differ in length.
pub fn mean_figure(sum_per_rep: &[f64], count: &[f64]) -> Figure {
    assert_eq!(sum_per_rep.len(), count.len(), "one count per sum");
    let (ss, sc) = (sum(sum_per_rep), sum(count));
    if sum_per_rep.is_empty() || sc == 0.0 {
        return Figure::undefined(f64::NAN, Method::NoData);
    }
    Figure {
        value: ss / sc,
        ci: ratio_interval(sum_per_rep, count, sc, CONFIDENCE),
    }
}

/// How many replications would shrink an interval's half-width from
/// `half_width` (measured with `current_n` replications) to
/// `target_half_width`: `ceil(current_n * (half_width / target)²)`, since the
/// half-width falls as `1 / sqrt(n)`. Used by `check` to say how many
/// replications would decide an inconclusive check; the t quantile also shrinks
/// as `n` grows, so the figure errs on the side of too many.
///
/// Never less than `current_n` nor 2. When no finite number can be promised (a
/// non-finite `half_width`, e.g. from a single replication, or a target that is
/// not positive) it returns `usize::MAX`; the caller then says "more".
pub fn replications_needed(current_n: usize, half_width: f64, target_half_width: f64) -> usize {
    if !half_width.is_finite() || target_half_width.is_nan() || target_half_width <= 0.0 {
        return usize::MAX;
    }
    let ratio = half_width / target_half_width;
    // `as` saturates, so a huge ratio gives usize::MAX rather than wrapping.
    let needed = (current_n as f64 * ratio * ratio).ceil() as usize;
    needed.max(current_n).max(2)
}

/// Sums in index order, so that the result does not depend on how the values
/// were produced (threads, shards).
fn sum(xs: &[f64]) -> f64 {
    xs.iter().sum()
}

/// Whether every value is a whole, non-negative, finite number (a count).
pub fn is_whole(xs: &[f64]) -> bool {
    xs.iter()
        .all(|&x| x.is_finite() && x >= 0.0 && x.fract() == 0.0)
}

/// The ratio estimator's interval for `Σnum / Σden` (Cochran 1977, 6.4),
/// unscaled and unclamped. `sd` is `Σden`, not zero.
fn ratio_interval(num: &[f64], den: &[f64], sd: f64, conf: f64) -> Interval {
    let tail = tail(conf);
    match num.len() {
        0 => return Interval::undefined(Method::NoData),
        1 => return Interval::undefined(Method::SingleReplication),
        _ => {}
    }
    let n = num.len() as f64;
    let r = sum(num) / sd;
    let mean_den = sd / n;
    let ss: f64 = num
        .iter()
        .zip(den)
        .map(|(y, x)| (y - r * x) * (y - r * x))
        .sum();
    let se = (ss / (n * (n - 1.0))).sqrt() / mean_den.abs();
    let half = t_quantile(1.0 - tail, n - 1.0) * se;
    Interval {
        low: r - half,
        high: r + half,
        method: Method::RatioT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative tolerance for comparisons with published values (printed to
    /// 5-7 significant digits).
    const PUBLISHED: f64 = 1e-4;

    #[track_caller]
    fn close(actual: f64, expected: f64, rel: f64) {
        let scale = expected.abs().max(1e-300);
        assert!(
            (actual - expected).abs() <= rel * scale,
            "{actual} is not within {rel} (relative) of {expected}"
        );
    }

    #[track_caller]
    fn close_pair(actual: (f64, f64), expected: (f64, f64), rel: f64) {
        close(actual.0, expected.0, rel);
        close(actual.1, expected.1, rel);
    }

    // Published values, each recomputed with mpmath at 30 digits by bisection
    // on the defining CDF (regularised incomplete gamma or beta) and checked by
    // substituting back into the definition.

    #[test]
    fn t_quantile_matches_tables() {
        close(t_quantile(0.975, 9.0), 2.262157, PUBLISHED);
        close(t_quantile(0.975, 1.0), 12.706205, PUBLISHED);
        close(t_quantile(0.975, 29.0), 2.045230, PUBLISHED);
        close(t_quantile(0.025, 9.0), -2.262157, PUBLISHED);
        assert_eq!(t_quantile(0.5, 4.0), 0.0);
    }

    #[test]
    fn t_quantile_is_continuous_at_the_expansion_switch() {
        let below = t_quantile(0.975, T_EXPANSION_DF * (1.0 - 1e-12));
        let above = t_quantile(0.975, T_EXPANSION_DF);
        close(above, below, 1e-11);
    }

    #[test]
    fn t_quantile_tends_to_normal() {
        let z = 1.959964;
        close(t_quantile(0.975, f64::INFINITY), z, PUBLISHED);
        // t(0.975; 1e6) = z + (z³ + z) / (4e6) + ..., within 3e-6 of z.
        let t = t_quantile(0.975, 1e6);
        assert!(t > normal_quantile(0.975) && t < z + 3e-6, "{t}");
    }

    #[test]
    fn normal_quantile_matches_tables() {
        close(normal_quantile(0.975), 1.959964, PUBLISHED);
        close(normal_quantile(0.995), 2.575829, PUBLISHED);
    }

    #[test]
    fn garwood_zero_events() {
        let (low, high) = garwood(0, 0.95);
        assert_eq!(low, 0.0);
        // Closed form for k = 0: -ln(alpha / 2).
        close(high, -(0.025f64).ln(), 1e-9);
        close(high, 3.6889, PUBLISHED);
    }

    #[test]
    fn garwood_ten_events() {
        close_pair(garwood(10, 0.95), (4.7954, 18.3904), PUBLISHED);
    }

    #[test]
    fn garwood_one_event() {
        // Low = -ln(1 - alpha/2) in closed form; high from tables.
        let (low, high) = garwood(1, 0.95);
        close(low, -(0.975f64).ln(), 1e-9);
        close(high, 5.5716, PUBLISHED);
    }

    #[test]
    fn clopper_pearson_three_of_hundred() {
        // R's binom.test(3, 100): 0.006229972 0.085176053. The lower bound
        // 0.006187 sometimes quoted is the Poisson one (Garwood 0.61867 / 100);
        // it does not satisfy the definition P(X >= 3 | p) = 0.025.
        close_pair(
            clopper_pearson(3, 100, 0.95),
            (0.00622997, 0.08517605),
            PUBLISHED,
        );
    }

    #[test]
    fn clopper_pearson_edges() {
        let (low, high) = clopper_pearson(0, 10, 0.95);
        assert_eq!(low, 0.0);
        // k = 0: high = 1 - (alpha/2)^(1/n); k = n mirrors it.
        close(high, 1.0 - 0.025f64.powf(0.1), 1e-9);
        let (low, high) = clopper_pearson(10, 10, 0.95);
        close(low, 0.025f64.powf(0.1), 1e-9);
        assert_eq!(high, 1.0);
        // k = n - 1: high = (1 - alpha/2)^(1/n), close to 1.
        close(clopper_pearson(99, 100, 0.95).1, 0.975f64.powf(0.01), 1e-12);
        assert_eq!(clopper_pearson(0, 0, 0.95), (0.0, 1.0));
    }

    /// Regression: `statrs`' beta quantile never returned for Beta(4, 4e8), the
    /// upper bound for 3 error pages among 4e8 users.
    #[test]
    fn clopper_pearson_many_trials_approaches_poisson() {
        for n in [400_000_000_u64, 10_000_000_000] {
            let (low, high) = clopper_pearson(3, n, 0.95);
            let (pl, ph) = garwood(3, 0.95);
            close(low * n as f64, pl, 1e-5);
            close(high * n as f64, ph, 1e-5);
        }
    }

    #[test]
    fn clopper_pearson_beyond_a_billion_mirrors_the_rarer_outcome() {
        let n = 10_000_000_000_u64;
        let (low, high) = clopper_pearson(n - 3, n, 0.95);
        let (pl, ph) = garwood(3, 0.95);
        close(1.0 - high, pl / n as f64, 1e-4);
        close(1.0 - low, ph / n as f64, 1e-4);
    }

    #[test]
    fn mean_interval_student_t() {
        let xs = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        let ci = mean_interval(&xs, 0.95);
        // mean 5.5, s = sqrt(55/6), se = s / sqrt(10).
        let half = 2.262157 * (55.0f64 / 6.0).sqrt() / 10f64.sqrt();
        close(ci.low, 5.5 - half, PUBLISHED);
        close(ci.high, 5.5 + half, PUBLISHED);
        assert_eq!(ci.method, Method::StudentT);
    }

    #[test]
    fn mean_interval_too_few_values_is_undefined() {
        let one = mean_interval(&[3.0], 0.95);
        assert_eq!(one.method, Method::SingleReplication);
        assert!(!one.is_defined());
        let none = mean_interval(&[], 0.95);
        assert_eq!(none.method, Method::NoData);
        assert!(!none.is_defined());
    }

    // Values marked "python" were computed by a separate transcription of the
    // formulas in `events` (scipy's gamma.ppf, beta.ppf, t.ppf), not from
    // this code.

    #[test]
    fn count_estimate_zero_events() {
        let e = count_figure(&[0.0; 8]);
        assert_eq!(e.value, 0.0);
        assert_eq!(e.ci.method, Method::Garwood);
        assert_eq!(e.ci.low, 0.0);
        close(e.ci.high, 3.6889, PUBLISHED);
    }

    #[test]
    fn count_estimate_consistent_counts_use_garwood_on_total() {
        // spread well below independent events: exactly Garwood on 10
        let e = count_figure(&[3.0, 2.0, 3.0, 2.0]);
        assert_eq!(e.value, 10.0);
        assert_eq!(e.ci.method, Method::Garwood);
        close_pair((e.ci.low, e.ci.high), (4.7954, 18.3904), PUBLISHED);
    }

    #[test]
    fn count_estimate_many_events_is_student_t_shaped() {
        let per_rep = [40.0, 50.0, 45.0, 55.0, 60.0];
        let e = count_figure(&per_rep);
        assert_eq!(e.value, 250.0);
        assert_eq!(e.ci.method, Method::QuasiPoisson);
        let m = mean_interval(&per_rep, CONFIDENCE);
        // Garwood's skew moves the bounds up by about the dispersion (1.8)
        close(e.ci.low, 5.0 * m.low, 0.02);
        close(e.ci.high, 5.0 * m.high, 0.02);
        assert!(e.ci.low > 5.0 * m.low && e.ci.high > 5.0 * m.high);
    }

    #[test]
    fn count_estimate_never_negative() {
        // Wildly spread counts: a t interval would dip below zero; the
        // quasi-Poisson one stays above (python: 0.0231, 2344.6).
        let e = count_figure(&[0.0, 0.0, 0.0, 200.0]);
        assert_eq!(e.ci.method, Method::QuasiPoisson);
        assert!(e.ci.low > 0.0);
        close_pair(
            (e.ci.low, e.ci.high),
            (0.02306781991271792, 2344.5916645359093),
            1e-7,
        );
    }

    #[test]
    fn count_estimate_fractional_counts_use_t() {
        // Conditional-estimator expected counts are not whole: no Garwood.
        let e = count_figure(&[0.5, 0.25, 0.75]);
        assert_eq!(e.ci.method, Method::StudentT);
        close(e.value, 1.5, 1e-12);
        assert!(e.ci.low >= 0.0);
    }

    #[test]
    fn count_estimate_degenerate_inputs() {
        let e = count_figure(&[]);
        assert_eq!((e.value, e.ci.method), (0.0, Method::NoData));
        let e = count_figure(&[100.0]);
        assert_eq!((e.value, e.ci.method), (100.0, Method::SingleReplication));
        assert!(!e.ci.is_defined());
        // One replication with few events: its events may be one cluster,
        // and nothing can tell, so no interval either.
        let e = count_figure(&[2.0]);
        assert_eq!(e.ci.method, Method::SingleReplication);
    }

    #[test]
    fn total_estimate_of_a_constant_is_exact() {
        let e = total_figure(&[6000.0; 4]);
        assert_eq!(e.value, 24_000.0);
        assert_eq!((e.ci.low, e.ci.high), (24_000.0, 24_000.0));
        assert_eq!(e.ci.method, Method::StudentT);
    }

    #[test]
    fn money_is_compound_poisson_or_bounded_by_the_dearest_amount() {
        let e = money_figure(&[6.8, 0.0, 3.4, 10.2], &[2.0, 0.0, 1.0, 3.0], 4.5);
        assert_eq!(e.ci.method, Method::CompoundPoisson);
        close(e.value, 20.4, 1e-12);
        close_pair(
            (e.ci.low, e.ci.high),
            (2.5636468372101775, 72.71906356050762),
            1e-8,
        );
        // no event anywhere: at most the dearest amount per event times the
        // count's upper bound, which for zero events is at least Garwood's
        // -ln(0.025) = 3.6889
        let e = money_figure(&[0.0; 4], &[0.0; 4], 4.5);
        assert_eq!((e.value, e.ci.method), (0.0, Method::AmountBound));
        let count = count_figure(&[0.0; 4]);
        assert!(count.ci.high >= 3.688_879_4, "{count:?}");
        assert_eq!((e.ci.low, e.ci.high), (0.0, 4.5 * count.ci.high));
        // and without a known amount per event, no bound at all
        let e = money_figure(&[0.0; 4], &[0.0; 4], 0.0);
        assert_eq!((e.value, e.ci.method), (0.0, Method::NoEvents));
        assert!(!e.ci.is_defined());
        // expected amounts (conditional estimator): Student t, never negative
        let e = money_figure(&[0.5, 0.0, 0.25], &[0.1, 0.0, 0.05], 4.5);
        assert_eq!(e.ci.method, Method::StudentT);
        assert_eq!(e.ci.low, 0.0);
        let e = money_figure(&[3.0], &[1.0], 4.5);
        assert_eq!(e.ci.method, Method::SingleReplication);
    }

    #[test]
    fn ratio_many_events_equal_denominators_tends_to_student_t_of_rates() {
        // Spread far beyond independent events (index 41): the excess the
        // replications measure is nearly all the variance, so the interval is
        // nearly Student t of the per-replication rates.
        let num = [1200.0, 950.0, 1300.0, 1010.0, 880.0, 1430.0];
        let den = [10_000.0; 6];
        let rates: Vec<f64> = num.iter().map(|x| x / 10_000.0).collect();
        let plain = mean_interval(&rates, CONFIDENCE);
        let e = ratio_figure(&num, &den, 1.0, false);
        assert_eq!(e.ci.method, Method::QuasiPoisson);
        close(e.value, rates.iter().sum::<f64>() / 6.0, 1e-12);
        close(e.ci.low, plain.low, 0.02);
        close(e.ci.high, plain.high, 0.02);
    }

    #[test]
    fn ratio_of_expected_counts_is_the_ratio_estimator() {
        let num = [120.5, 95.25, 130.0, 101.0, 88.0, 143.0];
        let den = [1000.0; 6];
        let rates: Vec<f64> = num.iter().map(|x| x / 1000.0).collect();
        let plain = mean_interval(&rates, CONFIDENCE);
        let e = ratio_figure(&num, &den, 1.0, false);
        assert_eq!(e.ci.method, Method::RatioT);
        close(e.ci.low, plain.low, 1e-10);
        close(e.ci.high, plain.high, 1e-10);
    }

    #[test]
    fn ratio_scale_multiplies_value_and_bounds() {
        let num = [40.0, 35.0, 50.0];
        let den = [1e4, 1.2e4, 0.9e4];
        let unit = ratio_figure(&num, &den, 1.0, false);
        let per_million = ratio_figure(&num, &den, 1e6, false);
        close(per_million.value, unit.value * 1e6, 1e-12);
        close(per_million.ci.low, unit.ci.low * 1e6, 1e-12);
        close(per_million.ci.high, unit.ci.high * 1e6, 1e-12);
    }

    #[test]
    fn ratio_zero_events_gives_zero_to_upper() {
        for proportion in [false, true] {
            for den in [2000.0, 1e8] {
                let e = ratio_figure(&[0.0; 5], &[den; 5], 1e6, proportion);
                assert_eq!(e.value, 0.0);
                assert_eq!(e.ci.low, 0.0);
                assert!(e.ci.high > 0.0, "{e:?}");
            }
        }
        let e = ratio_figure(&[0.0; 5], &[2000.0; 5], 1.0, false);
        assert_eq!(e.ci.method, Method::Garwood);
        close(e.ci.high, 3.6889 / 10_000.0, PUBLISHED);
    }

    #[test]
    fn ratio_rare_proportion_is_clopper_pearson_or_quasi_binomial() {
        // spread like independent trials: Clopper-Pearson on 3 of 100
        let e = ratio_figure(&[1.0, 1.0, 1.0, 0.0], &[25.0; 4], 1.0, true);
        assert_eq!(e.ci.method, Method::ClopperPearson);
        close(e.value, 0.03, 1e-12);
        close_pair((e.ci.low, e.ci.high), (0.00622997, 0.08517605), PUBLISHED);
        // clustered: quasi-binomial (python: see events::tests)
        let e = ratio_figure(&[1.0, 0.0, 2.0, 0.0], &[25.0; 4], 1.0, true);
        assert_eq!(e.ci.method, Method::QuasiBinomial);
        close_pair(
            (e.ci.low, e.ci.high),
            (0.000539555959713006, 0.1666242809818762),
            1e-8,
        );
    }

    #[test]
    fn ratio_rate_over_two_replications_allows_for_the_unknown_spread() {
        // two replications: c_2 = (12.706 / 1.960)² = 42, so even a small
        // spread widens the interval a lot (python: 0.00282, 8.1529)
        let e = ratio_figure(&[4.0, 6.0], &[500.0, 500.0], 100.0, false);
        assert_eq!(e.ci.method, Method::QuasiPoisson);
        close(e.value, 1.0, 1e-12);
        close_pair(
            (e.ci.low, e.ci.high),
            (0.002819344566627398, 8.152874933039783),
            1e-7,
        );
    }

    #[test]
    fn ratio_never_negative_and_proportion_capped() {
        let e = ratio_figure(&[0.0, 0.0, 0.0, 90.0], &[100.0; 4], 1.0, false);
        assert_eq!(e.ci.method, Method::QuasiPoisson);
        assert!(e.ci.low >= 0.0);
        let e = ratio_figure(&[100.0, 100.0, 0.0, 100.0], &[100.0; 4], 1.0, true);
        assert!(e.ci.high <= 1.0 && e.ci.low >= 0.0, "{e:?}");
        // Fractional (conditional) numerators take the t route and are clamped.
        let e = ratio_figure(&[0.0, 0.0, 0.0, 0.9], &[100.0; 4], 1.0, false);
        assert_eq!((e.ci.method, e.ci.low), (Method::RatioT, 0.0));
    }

    #[test]
    fn ratio_without_denominator_is_no_data() {
        let e = ratio_figure(&[0.0, 0.0], &[0.0, 0.0], 1.0, false);
        assert!(e.value.is_nan());
        assert_eq!(e.ci.method, Method::NoData);
        let e = ratio_figure(&[], &[], 1.0, true);
        assert_eq!(e.ci.method, Method::NoData);
    }

    #[test]
    fn ratio_single_replication_is_undefined() {
        let e = ratio_figure(&[500.0], &[1000.0], 1.0, false);
        close(e.value, 0.5, 1e-12);
        assert_eq!(e.ci.method, Method::SingleReplication);
        assert!(!e.ci.is_defined());
        let e = ratio_figure(&[5.0], &[1000.0], 1.0, false);
        assert_eq!(e.ci.method, Method::SingleReplication);
    }

    #[test]
    fn ratio_unequal_denominators_by_hand() {
        // Every replication at rate exactly 0.2: no spread, so the floor
        // (independent events) holds: Garwood on 60 over 300.
        let den = [50.0, 100.0, 150.0];
        let e = ratio_figure(&[10.0, 20.0, 30.0], &den, 1.0, false);
        close(e.value, 0.2, 1e-12);
        assert_eq!(e.ci.method, Method::Garwood);
        let (low, high) = garwood(60, CONFIDENCE);
        close_pair((e.ci.low, e.ci.high), (low / 300.0, high / 300.0), 1e-12);
        // Pearson's statistic weights each replication by its exposure
        // (python: dispersion 1.72, interval [0.14755, 0.28995]).
        let e = ratio_figure(&[12.0, 18.0, 33.0], &den, 1.0, false);
        assert_eq!(e.ci.method, Method::QuasiPoisson);
        close_pair(
            (e.ci.low, e.ci.high),
            (0.14755444320249334, 0.2899545720924928),
            1e-7,
        );
    }

    #[test]
    fn ratio_diff_all_zero_is_zero_to_upper() {
        let a = [3.0, 40.0, 7.0];
        let e = ratio_diff_figure(&a, &a, &[1000.0; 3]);
        assert_eq!(e.value, 0.0);
        assert_eq!(e.ci.method, Method::Garwood);
        assert_eq!(e.ci.low, 0.0);
        close(e.ci.high, 3.6889 / 3000.0, PUBLISHED);
    }

    #[test]
    fn ratio_diff_extra_events_are_a_rate_of_events() {
        let a = [5.0, 7.0, 4.0, 9.0];
        let b = [2.0, 4.0, 2.0, 7.0];
        let e = ratio_diff_figure(&a, &b, &[100.0; 4]);
        assert_eq!(e.ci.method, Method::Garwood);
        close(e.value, 10.0 / 400.0, 1e-12);
        close_pair(
            (e.ci.low, e.ci.high),
            (4.7954 / 400.0, 18.3904 / 400.0),
            PUBLISHED,
        );
    }

    #[test]
    fn ratio_diff_is_paired_t_and_may_be_negative() {
        let a = [100.0, 120.0, 90.0, 110.0];
        let b = [130.0, 140.0, 125.0, 150.0];
        let den = [1000.0; 4];
        let e = ratio_diff_figure(&a, &b, &den);
        assert_eq!(e.ci.method, Method::RatioT);
        let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| (x - y) / 1000.0).collect();
        let paired = mean_interval(&d, CONFIDENCE);
        close(e.value, -0.03125, 1e-12);
        close(e.ci.low, paired.low, 1e-10);
        close(e.ci.high, paired.high, 1e-10);
        assert!(e.ci.high < 0.0);
    }

    #[test]
    fn ratio_diff_mixed_small_differences_use_t() {
        let e = ratio_diff_figure(&[1.0, 0.0, 2.0], &[0.0, 1.0, 0.0], &[10.0; 3]);
        assert_eq!(e.ci.method, Method::RatioT);
        assert!(e.ci.low < 0.0 && e.ci.high > 0.0);
    }

    #[test]
    fn mean_estimate_pools_and_is_not_clamped() {
        let sums = [-5.0, -6.0, -4.0, -5.5, -4.5];
        let counts = [10.0; 5];
        let e = mean_figure(&sums, &counts);
        close(e.value, -0.5, 1e-12);
        assert_eq!(e.ci.method, Method::RatioT);
        let plain = mean_interval(&[-0.5, -0.6, -0.4, -0.55, -0.45], CONFIDENCE);
        close(e.ci.low, plain.low, 1e-10);
        close(e.ci.high, plain.high, 1e-10);
        assert!(e.ci.high < 0.0);
        let e = mean_figure(&[1.0], &[0.0]);
        assert_eq!(e.ci.method, Method::NoData);
    }

    #[test]
    fn replications_needed_scales_quadratically() {
        assert_eq!(replications_needed(10, 2.0, 1.0), 40);
        assert_eq!(replications_needed(10, 1.0, 2.0), 10);
        assert_eq!(replications_needed(10, 3.0, 2.0), 23);
        assert_eq!(replications_needed(1, 0.0, 1.0), 2);
        assert_eq!(replications_needed(1, f64::NAN, 1.0), usize::MAX);
        assert_eq!(replications_needed(10, 1.0, 0.0), usize::MAX);
        assert_eq!(replications_needed(10, 1e200, 1e-200), usize::MAX);
    }

    #[test]
    fn method_serialises_kebab_case() {
        for m in [
            Method::StudentT,
            Method::RatioT,
            Method::Garwood,
            Method::ClopperPearson,
            Method::QuasiPoisson,
            Method::QuasiBinomial,
            Method::CompoundPoisson,
            Method::NoEvents,
            Method::SingleReplication,
            Method::NoData,
        ] {
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(json, format!("\"{m}\""));
            assert_eq!(serde_json::from_str::<Method>(&json).unwrap(), m);
        }
    }

    #[test]
    fn undefined_interval_serialises_as_null() {
        let e = count_figure(&[100.0]);
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            r#"{"value":100.0,"ci":{"low":null,"high":null,"method":"single-replication"}}"#
        );
    }
}
