//! Rates, proportions and means pooled over replications, and the paired
//! difference of two rates.

use super::student::ratio_interval;
use super::{CONFIDENCE, Figure, Method, events, is_whole, sum};

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
#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::testing::{PUBLISHED, close, close_pair};
    use crate::stats::{garwood, mean_interval};

    // Values marked "python" were computed by a separate transcription of the
    // formulas in `events` (scipy's gamma.ppf, beta.ppf, t.ppf), not from
    // this code.

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
}
