//! Intervals for the rare-event estimators (the conditional estimator and
//! importance sampling): per-replication values that are exact
//! probabilities or weighted counts, not whole counts of events.
//!
//! Replications stay the independent unit: the interval is Student t over
//! them (the ratio estimator for rates, [`Method::RatioT`]), as for plain
//! sampling with many events, with three rules that keep it honest:
//!
//! - **Never below zero** for a rate or a count: the lower bound is clamped
//!   at 0 (a difference of two rates, which can be negative, is not).
//! - **Never zero width** from zero. When every replication contributes
//!   exactly 0:
//!   - if the model proves the event impossible (the redirect latency's
//!     support ends before the shortest wait plus the move delay), the
//!     figure is `0, impossible under these distributions`
//!     ([`Method::Impossible`], interval `[0, 0]`);
//!   - otherwise (every probability underflowed, or no draw reached the
//!     tail) the interval is `[0, upper]` with the upper bound plain
//!     sampling of the same users would give for zero events
//!     (Clopper-Pearson for a proportion, Garwood for a count): the
//!     conditional estimator's variance is never larger than plain
//!     sampling's on the same users (Rao-Blackwell), so its zero can claim
//!     no more than plain sampling's.
//! - **Not narrower than the arithmetic.** With constant clocks every user
//!   of the conditional estimator has the same probability, so the spread
//!   between replications is only rounding, while each probability is an
//!   integral computed to about 1e-9 relative (the closed forms of
//!   `dist::tail`, tested against mpmath to 1e-9). The half-width is never
//!   below [`PRECISION`] of the value, so the interval holds the exact figure
//!   even when the replications agree to the last digit.

use super::{
    CONFIDENCE, Figure, Interval, Method, clopper_pearson, count_figure, garwood, mean_figure,
    ratio_diff_figure, sum,
};

/// The smallest relative half-width of a rare-event interval (see the module
/// docs): ten times the relative accuracy of the integrals behind each
/// user's probability.
pub const PRECISION: f64 = 1e-8;

/// Widens `ci` to at least [`PRECISION`] of `value` on each side (the low
/// side clamped at `floor`).
fn at_least_precision(value: f64, ci: Interval, floor: Option<f64>) -> Interval {
    if !ci.is_defined() {
        return ci;
    }
    let h = PRECISION * value.abs();
    let mut low = ci.low.min(value - h);
    if let Some(f) = floor {
        low = low.max(f);
    }
    Interval {
        low,
        high: ci.high.max(value + h),
        method: ci.method,
    }
}

/// `0, impossible under these distributions`.
fn impossible() -> Figure {
    Figure {
        value: 0.0,
        ci: Interval {
            low: 0.0,
            high: 0.0,
            method: Method::Impossible,
        },
    }
}

/// A rate `scale * Σnum / Σden` from a rare-event estimator (see the module
/// docs). `proportion`: each unit of `den` contributes at most 1 to `num`.
/// `impossible`: the model proved every contribution is 0.
pub fn rate_figure(
    num: &[f64],
    den: &[f64],
    scale: f64,
    proportion: bool,
    impossible_event: bool,
) -> Figure {
    let mut e = mean_figure(num, den);
    if !e.value.is_finite() {
        return e;
    }
    if num.iter().all(|&x| x == 0.0) {
        if impossible_event {
            return impossible();
        }
        let sd = sum(den);
        let high = if proportion {
            clopper_pearson(0, sd.round().max(1.0) as u64, CONFIDENCE).1
        } else {
            garwood(0, CONFIDENCE).1 / sd
        };
        let method = if proportion {
            Method::ClopperPearson
        } else {
            Method::Garwood
        };
        return Figure {
            value: 0.0,
            ci: Interval {
                low: 0.0,
                high: high * scale,
                method,
            },
        };
    }
    e.value *= scale;
    e.ci.low *= scale;
    e.ci.high *= scale;
    let mut ci = at_least_precision(e.value, e.ci, Some(0.0));
    if proportion && ci.is_defined() {
        ci.high = ci.high.min(scale);
    }
    Figure { value: e.value, ci }
}

/// A total over replications from a rare-event estimator: `Σ per_rep`.
pub fn count_total(per_rep: &[f64], impossible_event: bool) -> Figure {
    if !per_rep.is_empty() && per_rep.iter().all(|&x| x == 0.0) && impossible_event {
        return impossible();
    }
    // zero everywhere: Garwood's [0, 3.69]; otherwise Student t, clamped
    let e = count_figure(per_rep);
    Figure {
        value: e.value,
        ci: at_least_precision(e.value, e.ci, Some(0.0)),
    }
}

/// The paired difference `(Σa - Σb) / Σden` from a rare-event estimator;
/// `non_negative`: the model proved it cannot be below 0 (its lower bound is
/// then clamped at 0).
pub fn difference(
    a: &[f64],
    b: &[f64],
    den: &[f64],
    impossible_event: bool,
    non_negative: bool,
) -> Figure {
    if !a.is_empty() && a.iter().chain(b).all(|&x| x == 0.0) && impossible_event {
        return impossible();
    }
    let e = ratio_diff_figure(a, b, den);
    Figure {
        value: e.value,
        ci: at_least_precision(e.value, e.ci, non_negative.then_some(0.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_everywhere_is_impossible_only_when_proved() {
        let den = [1000.0, 1000.0, 1000.0];
        let zero = [0.0; 3];
        let e = rate_figure(&zero, &den, 1.0, true, true);
        assert_eq!(e.ci.method, Method::Impossible);
        assert_eq!((e.value, e.ci.low, e.ci.high), (0.0, 0.0, 0.0));
        let e = rate_figure(&zero, &den, 1.0, true, false);
        // Clopper-Pearson upper for 0 of 3000: 1 - 0.025^(1/3000)
        let want = 1.0 - 0.025f64.powf(1.0 / 3000.0);
        assert_eq!(e.ci.low, 0.0);
        assert!((e.ci.high / want - 1.0).abs() < 1e-9, "{e:?}");
    }

    #[test]
    fn lower_bounds_are_never_negative_and_widths_never_zero() {
        // two replications far apart: Student t would go below 0
        let e = rate_figure(&[1e-6, 9e-3], &[1000.0, 1000.0], 1.0, true, false);
        assert_eq!(e.ci.low, 0.0);
        assert!(e.ci.high > e.value);
        // identical replications (constant clocks): a width of the rounding
        let e = rate_figure(&[0.4, 0.4, 0.4], &[1000.0; 3], 1.0, true, false);
        assert!(e.ci.high > e.value && e.ci.low < e.value, "{e:?}");
        assert!(e.ci.high - e.value <= 2.0 * PRECISION * e.value);
        // a difference may be negative
        let d = difference(&[1.0, 2.0], &[2.0, 1.5], &[10.0, 10.0], false, false);
        assert!(d.ci.low < 0.0);
        // unless the model proved it cannot be
        let d = difference(&[1e-9, 9e-6], &[0.0, 0.0], &[10.0, 10.0], false, true);
        assert_eq!(d.ci.low, 0.0);
    }
}
