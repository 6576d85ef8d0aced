//! Intervals for events counted per replication, honest when events cluster.
//!
//! Events inside one replication share its draws (a clock offset, a poll
//! phase, a terminal's mean volume), so they may arrive in clusters: one
//! replication with many, the next with none. An exact interval on the pooled
//! total (Garwood, Clopper-Pearson) assumes independent events and is far too
//! narrow then. The intervals here measure how much more the per-replication
//! counts spread than independent events would, and widen by that much.
//!
//! # The dispersion index and its test
//!
//! For counts `y_i` over exposures `x_i` (users, terminal-days; 1 for a
//! total), `n` replications, `K = Σy`, `X = Σx` and `R = K / X`, Pearson's
//! statistic is
//!
//! `D = Σ (y_i - R x_i)² / (R x_i)` (counts), or the same divided by `1 - R`
//! (proportions: binomial variance `x_i R (1 - R)`).
//!
//! Under independent events `D` is approximately chi-square with `n - 1`
//! degrees of freedom: Fisher's index-of-dispersion test (Fisher 1950, "The
//! significance of deviations from expectation in a Poisson series",
//! *Biometrics* 6(1): 17-24; Cochran 1954, "Some methods for strengthening the
//! common χ² tests", *Biometrics* 10(4): 417-451; Böhning 1994, "A note on a
//! test for Poisson overdispersion", *Biometrika* 81(2): 418-419). The
//! dispersion index `φ̂ = D / (n - 1)` is 1 on average for independent events
//! and the factor by which clustering inflates the variance otherwise
//! (McCullagh and Nelder 1989, *Generalized Linear Models*, 2nd ed., section
//! 4.5, the moment estimator of the dispersion parameter).
//!
//! # The interval
//!
//! The quasi-Poisson model (Wedderburn 1974, "Quasi-likelihood functions,
//! generalized linear models, and the Gauss-Newton method", *Biometrika*
//! 61(3): 439-447; McCullagh and Nelder 1989, 4.5) keeps the Poisson mean and
//! multiplies its variance by `φ`: `K` then carries the information of `K / φ`
//! independent events. The interval is Garwood's exact interval for an
//! effective count `K / φ`, scaled back by `φ`:
//!
//! `[φ G_low(K / φ), φ G_high(K / φ)] / X`,
//!
//! with `G_low(k) = Γ⁻¹(alpha/2; k)` and `G_high(k) = Γ⁻¹(1 - alpha/2; k + 1)`
//! (Garwood's chi-square form `chi2(p; 2k) / 2`, for any real `k`). For
//! proportions it is Clopper-Pearson on `(K / φ, X / φ)` the same way.
//!
//! The dispersion used is, with `c_n = (t(1 - alpha/2; n - 1) / z(1 -
//! alpha/2))²` the allowance for `φ̂` being estimated from `n` replications:
//!
//! - `φ = 1 + c_n max(0, φ̂ - 1)` from [`FEW_REPLICATIONS`] replications on.
//!   The variance of the total splits into the part independent events
//!   explain (`K`: known from the count itself, as in Garwood's interval) and
//!   an excess `(φ - 1) K` that only the spread between replications can
//!   measure, so only the excess gets the allowance. For many events the
//!   interval tends to `K ± z sqrt(K (1 + c_n (φ̂ - 1)))`, close to the
//!   Student t interval over replications when the excess dominates; with
//!   few events it keeps Garwood's skew and never goes below zero.
//! - `φ = max(1, c_n φ̂)` with fewer replications: with 2 to 6 degrees of
//!   freedom `φ̂` cannot tell clustered events from independent ones (a
//!   dispersion of 2.3 reads below 1 a third of the time with 3
//!   replications), so the whole dispersion is treated as estimated, as a
//!   t interval over replications would. This is wider, and deliberately so:
//!   with 3 replications of cinnamon-twist the split form covered 91.5%, this
//!   one 97.0%.
//!
//! In both, events that cluster vary more than independent ones, never less,
//! so the exact interval for independent events is the least an honest
//! interval can be: when `φ = 1` the interval is exactly Garwood's
//! (Clopper-Pearson's) on the pooled total, and the method says so. The
//! counts are then consistent with independent events: `φ̂ <= 1` never
//! rejects the dispersion test.
//!
//! `φ` is a continuous function of the counts, and the interval a continuous
//! function of `φ` and `K`: there is no threshold in the counts at which its
//! width jumps.
//!
//! Zero events in every replication give `[0, G_high(0) / X]`: nothing can
//! be measured about clustering then, and the exact bound for independent
//! events is the honest statement.
//!
//! # Concentration
//!
//! [`concentration`] says when a few replications carry most of the events:
//! the dispersion test rejects at [`DISPERSION_TEST_LEVEL`] and the effective
//! count `K / φ̂` is below [`EFFECTIVE_EVENTS`]. It reports the smallest number
//! of replications that hold half the events or more, their share, and the
//! replications that would bring the effective count to
//! [`EFFECTIVE_EVENTS`]: `n × EFFECTIVE_EVENTS × φ̂ / K` (the effective count
//! grows in proportion to the replications while `φ̂` stays).

use statrs::distribution::{ChiSquared, ContinuousCDF};
use statrs::function::gamma::gamma_lr;

use super::{Interval, Method, beta_quantile, normal_quantile, sum, t_quantile, tail};

/// Significance level of the dispersion test behind a concentration warning.
pub const DISPERSION_TEST_LEVEL: f64 = 0.01;

/// Above this p-value the dispersion test finds the counts consistent with
/// independent events; with fewer than [`FEW_REPLICATIONS`] replications
/// that is no evidence of independence, and the run says so.
pub const UNDECIDED_LEVEL: f64 = 0.05;

/// Effective independent events (`K / φ̂`) from which an interval over
/// replications is trusted without a concentration warning: the count at
/// which normal approximations of a Poisson total hold well (skewness
/// `1 / sqrt(30) = 0.18`), as the rule of thumb for exact intervals has it.
pub const EFFECTIVE_EVENTS: f64 = 30.0;

/// Below this many replications the dispersion is too uncertain to split
/// into the part independent events explain and an excess: the interval
/// treats all of it as estimated (see [`dispersion_used`]), which is wider.
/// Measured: with 3 replications of cinnamon-twist, the split covered 91.5%
/// and the whole 97.0%; on synthetic clustered counts (Poisson with
/// gamma-distributed means, shape 1) the split covered 92% with 6
/// replications and 93% with 8 (`docs/statistics.md`).
pub const FEW_REPLICATIONS: usize = 8;

/// Trials beyond which the incomplete beta function loses digits (see
/// [`super::clopper_pearson`]); past it the binomial interval uses the
/// Poisson limit.
const LARGE_TRIALS: f64 = 1e9;

/// The spread of per-replication counts against independent events.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dispersion {
    /// `φ̂ = D / (n - 1)`: 1 on average for independent events.
    pub index: f64,
    /// Pearson's statistic `D`.
    pub statistic: f64,
    /// Degrees of freedom, `n - 1`.
    pub dof: f64,
    /// `P(chi2(n - 1) >= D)`: small when the counts spread more than
    /// independent events would.
    pub p_value: f64,
}

/// The dispersion of counts `y` over exposures `x` (see the module docs).
///
/// `None` with fewer than two replications, no events, or no exposure; for a
/// proportion with every trial an event (`R = 1`), the index is 0 (no
/// spread is possible).
pub fn dispersion(y: &[f64], x: &[f64], proportion: bool) -> Option<Dispersion> {
    let n = y.len();
    let (k, total) = (sum(y), sum(x));
    if n < 2 || k <= 0.0 || total <= 0.0 {
        return None;
    }
    let r = k / total;
    let binomial = if proportion { 1.0 - r } else { 1.0 };
    let statistic = if binomial <= 0.0 {
        0.0
    } else {
        y.iter()
            .zip(x)
            .filter(|&(_, &xi)| xi > 0.0)
            .map(|(&yi, &xi)| (yi - r * xi).powi(2) / (r * xi * binomial))
            .sum()
    };
    let dof = (n - 1) as f64;
    let p_value = ChiSquared::new(dof)
        .map(|c| c.sf(statistic))
        .unwrap_or(f64::NAN);
    Some(Dispersion {
        index: statistic / dof,
        statistic,
        dof,
        p_value,
    })
}

/// `c_n = (t(1 - alpha/2; n - 1) / z(1 - alpha/2))²`, the allowance for a
/// dispersion estimated from `n >= 2` replications.
pub fn dispersion_allowance(n: usize, conf: f64) -> f64 {
    let p = 1.0 - tail(conf);
    let ratio = t_quantile(p, (n - 1) as f64) / normal_quantile(p);
    ratio * ratio
}

/// The dispersion an interval uses, from the measured index `index`, the
/// `floor` that independent events account for (1; for money, the spread of
/// the amounts too) and `n` replications (see the module docs):
///
/// - from [`FEW_REPLICATIONS`] on, `floor + c_n max(0, index - floor)`: the
///   floor is known, only the excess over it is estimated, and only the
///   excess gets the allowance `c_n`;
/// - below, `max(floor, c_n index)`: the whole dispersion is treated as
///   estimated, as in a plain t interval over replications.
pub fn dispersion_used(floor: f64, index: f64, n: usize, conf: f64) -> f64 {
    let c = dispersion_allowance(n, conf);
    if n >= FEW_REPLICATIONS {
        floor + c * (index - floor).max(0.0)
    } else {
        floor.max(c * index)
    }
}

/// The `p` quantile of the gamma distribution with unit scale and shape
/// `shape > 0`, by bisection on the regularised lower incomplete gamma
/// function. Relative precision is kept for tiny quantiles (small shapes put
/// the lower Garwood bound near 1e-30): while the bracket's lower end is 0,
/// the upper end is halved.
pub fn gamma_quantile(p: f64, shape: f64) -> f64 {
    assert!(shape > 0.0, "gamma shape must be positive, got {shape}");
    assert!(p > 0.0 && p < 1.0, "probability must be in (0, 1), got {p}");
    let mut high = shape + 10.0 * shape.sqrt() + 10.0;
    while gamma_lr(shape, high) < p {
        high *= 2.0;
    }
    let mut low = 0.0_f64;
    loop {
        let mid = if low == 0.0 {
            high / 2.0
        } else {
            low + (high - low) / 2.0
        };
        if mid <= low || mid >= high {
            return mid;
        }
        if gamma_lr(shape, mid) < p {
            low = mid;
        } else {
            high = mid;
        }
    }
}

/// Garwood's interval for a Poisson mean from a count `k >= 0` that need not
/// be whole (an effective count): `(Γ⁻¹(alpha/2; k), Γ⁻¹(1 - alpha/2; k +
/// 1))`, the lower bound 0 when `k = 0`. For whole `k` this is
/// [`super::garwood`].
pub fn garwood_real(k: f64, conf: f64) -> (f64, f64) {
    let tail = tail(conf);
    assert!(k >= 0.0, "a count cannot be negative, got {k}");
    let low = if k == 0.0 {
        0.0
    } else {
        gamma_quantile(tail, k)
    };
    (low, gamma_quantile(1.0 - tail, k + 1.0))
}

/// Clopper-Pearson's interval for `k` events in `n` trials, both possibly
/// fractional (effective counts), `0 <= k <= n`: beta quantiles
/// `B(alpha/2; k, n - k + 1)` and `B(1 - alpha/2; k + 1, n - k)`, with 0 at
/// `k = 0` and 1 at `k = n`. Beyond a billion trials, the Poisson limit on the
/// rarer outcome (see [`super::clopper_pearson`]).
pub fn clopper_pearson_real(k: f64, n: f64, conf: f64) -> (f64, f64) {
    let tail = tail(conf);
    assert!(
        k >= 0.0 && k <= n,
        "{k} events in {n} trials is not a proportion"
    );
    if n <= 0.0 {
        return (0.0, 1.0);
    }
    if n > LARGE_TRIALS {
        let rarer = k.min(n - k);
        let (low, high) = garwood_real(rarer, conf);
        let (low, high) = ((low / n).min(1.0), (high / n).min(1.0));
        return if rarer == k {
            (low, high)
        } else {
            (1.0 - high, 1.0 - low)
        };
    }
    let low = if k == 0.0 {
        0.0
    } else {
        beta_quantile(tail, k, n - k + 1.0)
    };
    let high = if k >= n {
        1.0
    } else {
        beta_quantile(1.0 - tail, k + 1.0, n - k)
    };
    (low, high)
}

/// The interval for the rate `Σy / Σx` of whole-number counts `y` over
/// exposures `x` (see the module docs), unscaled.
///
/// No replications or no exposure: [`Method::NoData`]. One replication:
/// [`Method::SingleReplication`] (its events may all belong to one cluster,
/// and nothing can tell). Otherwise Garwood or Clopper-Pearson when the floor
/// holds (independent events), else quasi-Poisson or quasi-binomial. A
/// proportion needs whole exposures with `Σy <= Σx`; otherwise the count
/// interval is used.
pub fn rate_interval(y: &[f64], x: &[f64], proportion: bool, conf: f64) -> Interval {
    let (n, k, total) = (y.len(), sum(y), sum(x));
    if n == 0 || total <= 0.0 {
        return Interval::undefined(Method::NoData);
    }
    if n == 1 {
        return Interval::undefined(Method::SingleReplication);
    }
    let proportion = proportion && k <= total && x.iter().all(|v| v.fract() == 0.0);
    let phi = dispersion(y, x, proportion)
        .map(|d| dispersion_used(1.0, d.index, n, conf))
        .unwrap_or(1.0);
    let exact = phi == 1.0;
    let (low, high, method) = if proportion {
        let (low, high) = clopper_pearson_real(k / phi, total / phi, conf);
        let method = if exact {
            Method::ClopperPearson
        } else {
            Method::QuasiBinomial
        };
        (low, high, method)
    } else {
        let (low, high) = garwood_real(k / phi, conf);
        let method = if exact {
            Method::Garwood
        } else {
            Method::QuasiPoisson
        };
        (low * phi / total, high * phi / total, method)
    };
    Interval { low, high, method }
}

/// The interval for a total of amounts (money) over `n` replications: per
/// replication the sum of the amounts `amount_i` of `events_i` whole-number
/// events. `None` unless there are at least two replications and an event.
///
/// A sum of amounts is a compound Poisson variable when events are
/// independent: with mean amount `a`, `Var(S) = λ E[A²]`, the variance of a
/// count of `S / a` events inflated by `E[A²] / a²`. So the interval is the
/// quasi-Poisson one of [`rate_interval`], in units of the mean amount
/// `a = ΣS / ΣK`, with dispersion [`dispersion_used`]`(φ_A, φ̂, n)`:
///
/// - `φ̂` from the per-replication sums in units of `a` (which holds both
///   clustering and the spread of amounts), and
/// - the floor `φ_A = max(1, Σ_i (S_i² / K_i) / (a ΣS))`, a lower estimate of
///   `E[A²] / a²` (by Cauchy-Schwarz, the replication's amounts have a mean
///   square at least `(S_i / K_i)²`), in the place of 1 for counts.
pub fn amount_interval(amount: &[f64], events: &[f64], conf: f64) -> Option<Interval> {
    let n = amount.len();
    let (total, k) = (sum(amount), sum(events));
    if n < 2 || k <= 0.0 || total <= 0.0 {
        return None;
    }
    let mean = total / k;
    let units: Vec<f64> = amount.iter().map(|s| s / mean).collect();
    let ones = vec![1.0; n];
    let spread = dispersion(&units, &ones, false).map_or(0.0, |d| d.index);
    let square: f64 = amount
        .iter()
        .zip(events)
        .filter(|&(_, &e)| e > 0.0)
        .map(|(s, e)| s * s / e)
        .sum();
    let floor = (square / (mean * total)).max(1.0);
    let phi = dispersion_used(floor, spread, n, conf);
    let (low, high) = garwood_real(k / phi, conf);
    Some(Interval {
        low: low * phi * mean,
        high: high * phi * mean,
        method: Method::CompoundPoisson,
    })
}

/// The effective number of independent events behind counts `y` at
/// dispersion `phi`: `Σy / phi`.
pub fn effective_events(y: &[f64], phi: f64) -> f64 {
    sum(y) / phi
}

/// A few replications carrying most of the events.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Concentration {
    /// The fewest replications that hold at least half the events.
    pub top: usize,
    /// Replications in all.
    pub of: usize,
    /// The share of the events those `top` replications hold.
    pub share: f64,
    /// About how many replications would give [`EFFECTIVE_EVENTS`] effective
    /// events (two significant digits, rounded up).
    pub needed: u64,
}

impl std::fmt::Display for Concentration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let of = if self.top == 1 {
            format!("1 of {} replications", self.of)
        } else {
            format!("{} of {} replications", self.top, self.of)
        };
        write!(
            f,
            "{:.0}% of the events came from {of}: the interval rests on few clusters of events; run about {} replications to trust it",
            self.share * 100.0,
            self.needed
        )
    }
}

/// Whether a few replications carry most of the events of whole-number
/// counts `y` over exposures `x` (see the module docs): `None` when they do
/// not, or when it cannot be told (fewer than two replications, no events,
/// counts that are not whole).
pub fn concentration(y: &[f64], x: &[f64], proportion: bool) -> Option<Concentration> {
    if !super::is_whole(y) {
        return None;
    }
    let d = dispersion(y, x, proportion)?;
    let k = sum(y);
    let effective = k / d.index;
    if !(d.p_value < DISPERSION_TEST_LEVEL && effective < EFFECTIVE_EVENTS) {
        return None;
    }
    let mut sorted = y.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let mut held = 0.0;
    let mut top = 0;
    for v in &sorted {
        held += v;
        top += 1;
        if held >= k / 2.0 {
            break;
        }
    }
    let n = y.len() as f64;
    let needed = round_up_2(n * EFFECTIVE_EVENTS / effective);
    Some(Concentration {
        top,
        of: y.len(),
        share: held / k,
        needed,
    })
}

/// `x` rounded up to two significant digits (`391.2 -> 400`, `23.1 -> 24`).
fn round_up_2(x: f64) -> u64 {
    if !x.is_finite() || x <= 0.0 {
        return u64::MAX;
    }
    let digits = x.log10().floor() as i32;
    let unit = 10f64.powi((digits - 1).max(0));
    ((x / unit).ceil() * unit) as u64
}

#[cfg(test)]
mod tests;
