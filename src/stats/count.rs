//! Totals over replications: counts of events, other totals, money.

use super::{CONFIDENCE, Figure, Interval, Method, events, mean_interval, sum};

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

/// Whether every value is a whole, non-negative, finite number (a count).
pub fn is_whole(xs: &[f64]) -> bool {
    xs.iter()
        .all(|&x| x.is_finite() && x >= 0.0 && x.fract() == 0.0)
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::testing::{PUBLISHED, close, close_pair};

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
}
