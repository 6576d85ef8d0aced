use super::*;
use crate::stats::{CONFIDENCE, mean_interval};

#[track_caller]
fn close(actual: f64, expected: f64, rel: f64) {
    let scale = expected.abs().max(1e-300);
    assert!(
        (actual - expected).abs() <= rel * scale,
        "{actual} is not within {rel} (relative) of {expected}"
    );
}

// Reference values: Garwood bounds recomputed with mpmath at 30 digits by
// bisection on the regularised lower incomplete gamma function
// (`gammainc(a, 0, x, regularized=True)`); beta quantiles, chi-square tail
// probabilities and t quantiles from scipy 1.x (`stats.beta.ppf`,
// `stats.chi2.sf`, `stats.t.ppf`). The interval examples were computed by a
// separate Python transcription of the formulas in the module docs (scipy's
// `gamma.ppf` and `beta.ppf`), not from this code.

#[test]
fn garwood_real_matches_mpmath() {
    let cases = [
        (0.5, 0.000491034558588, 4.67420180225),
        (2.7, 0.493688449648, 8.31297726115),
        (10.0, 4.79538869613, 18.390356042),
        (0.05, 5.31566188991e-33, 3.79322525609),
        (1000.25, 939.215270792, 1064.2098798),
    ];
    for (k, low, high) in cases {
        let (l, h) = garwood_real(k, CONFIDENCE);
        close(l, low, 1e-9);
        close(h, high, 1e-9);
    }
    assert_eq!(garwood_real(0.0, CONFIDENCE).0, 0.0);
    close(garwood_real(0.0, CONFIDENCE).1, -(0.025f64).ln(), 1e-12);
}

#[test]
fn clopper_pearson_real_matches_scipy() {
    let (l, h) = clopper_pearson_real(2.5, 40.5, CONFIDENCE);
    close(l, 0.0104026263076, 1e-9);
    close(h, 0.184665603386, 1e-9);
    let (l, h) = clopper_pearson_real(0.3, 1e6, CONFIDENCE);
    close(l, 3.1856779167467035e-12, 1e-7);
    close(h, 4.293768536680085e-06, 1e-7);
}

#[test]
fn dispersion_test_matches_scipy() {
    // counts 17, 1, 1, 1, 1, 1, 1, 1: mean 3, variance 32, index 32 / 3
    let y = [17.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0];
    let d = dispersion(&y, &[1.0; 8], false).unwrap();
    close(d.index, 32.0 / 3.0, 1e-12);
    close(d.statistic, 224.0 / 3.0, 1e-12);
    assert_eq!(d.dof, 7.0);
    close(d.p_value, 1.6759580571139356e-13, 1e-6);
    // scipy chi2.sf(24, 7) for a statistic of 24 on 7 degrees of freedom
    let y = [4.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 4.0];
    let d = dispersion(&y, &[1.0; 8], false).unwrap();
    close(d.statistic, 24.0, 1e-12);
    close(d.p_value, 0.001139351178947464, 1e-6);
    assert!(dispersion(&[0.0, 0.0], &[1.0, 1.0], false).is_none());
    assert!(dispersion(&[3.0], &[1.0], false).is_none());
}

#[test]
fn clustered_counts_get_a_quasi_poisson_interval() {
    let y = [17.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0];
    let ci = rate_interval(&y, &[1.0; 8], false, CONFIDENCE);
    assert_eq!(ci.method, Method::QuasiPoisson);
    // index 10.67, c_8 = 1.456: dispersion used 1 + 1.456 * 9.67 = 15.07
    close(ci.low, 0.24349764419642378, 1e-8);
    close(ci.high, 12.37321349263315, 1e-8);
    let ci = rate_interval(
        &[9.0, 0.0, 1.0, 0.0, 6.0, 0.0, 0.0, 0.0],
        &[1.0; 8],
        false,
        CONFIDENCE,
    );
    assert_eq!(ci.method, Method::QuasiPoisson);
    close(ci.low, 0.220198858972198, 1e-8);
    close(ci.high, 7.469777783144127, 1e-8);
}

#[test]
fn few_replications_treat_the_whole_dispersion_as_estimated() {
    // with 4 replications (below FEW_REPLICATIONS) the dispersion used is
    // max(1, c_4 * index) = 2.64 * 1.73 = 4.57, not 1 + 2.64 * 0.73 = 2.93
    const { assert!(4 < FEW_REPLICATIONS && FEW_REPLICATIONS <= 8) };
    close(
        dispersion_used(1.0, 1.7333333333333334, 4, CONFIDENCE),
        4.569914519935435,
        1e-12,
    );
    close(
        dispersion_used(1.0, 1.7333333333333334, 8, CONFIDENCE),
        1.0 + dispersion_allowance(8, CONFIDENCE) * 0.7333333333333334,
        1e-12,
    );
    // below the floor, both give the floor: exact intervals
    assert_eq!(dispersion_used(1.0, 0.1, 3, CONFIDENCE), 1.0);
    assert_eq!(dispersion_used(1.0, 0.9, 8, CONFIDENCE), 1.0);
}

#[test]
fn counts_like_independent_events_get_garwood() {
    // [3, 2, 0, 5]: index 1.73, c_4 = (3.182 / 1.960)² = 2.64, so the
    // allowance puts the dispersion at 4.57: quasi-Poisson, wider than Garwood
    let y = [3.0, 2.0, 0.0, 5.0];
    let ci = rate_interval(&y, &[1.0; 4], false, CONFIDENCE);
    assert_eq!(ci.method, Method::QuasiPoisson);
    close(ci.low, 0.3467205144861728, 1e-8);
    close(ci.high, 8.593404922390135, 1e-8);
    // [3, 2, 3, 2]: index 0.2, allowance 0.53 < 1: Garwood on 10 exactly
    let ci = rate_interval(&[3.0, 2.0, 3.0, 2.0], &[1.0; 4], false, CONFIDENCE);
    assert_eq!(ci.method, Method::Garwood);
    close(ci.low * 4.0, 4.79538869613, 1e-9);
    close(ci.high * 4.0, 18.390356042, 1e-9);
}

#[test]
fn proportions_get_quasi_binomial() {
    let ci = rate_interval(&[1.0, 0.0, 2.0, 0.0], &[25.0; 4], true, CONFIDENCE);
    assert_eq!(ci.method, Method::QuasiBinomial);
    close(ci.low, 0.000539555959713006, 1e-8);
    close(ci.high, 0.1666242809818762, 1e-8);
    let y = [3.0, 0.0, 1.0, 0.0, 0.0, 2.0, 0.0, 0.0];
    let ci = rate_interval(&y, &[1000.0; 8], true, CONFIDENCE);
    assert_eq!(ci.method, Method::QuasiBinomial);
    close(ci.low, 0.0001402918233483037, 1e-8);
    close(ci.high, 0.002285383305572188, 1e-8);
}

#[test]
fn unequal_exposures_weight_the_dispersion() {
    let ci = rate_interval(&[4.0, 6.0, 30.0], &[500.0, 700.0, 600.0], false, CONFIDENCE);
    assert_eq!(ci.method, Method::QuasiPoisson);
    close(ci.low, 3.22133349346288e-05, 1e-7);
    close(ci.high, 0.19798855702131046, 1e-8);
}

#[test]
fn zero_events_give_zero_to_the_exact_upper_bound() {
    let ci = rate_interval(&[0.0; 5], &[2000.0; 5], false, CONFIDENCE);
    assert_eq!((ci.low, ci.method), (0.0, Method::Garwood));
    close(ci.high, 3.6888794541139363 / 10_000.0, 1e-12);
    let ci = rate_interval(&[0.0; 5], &[20.0; 5], true, CONFIDENCE);
    assert_eq!((ci.low, ci.method), (0.0, Method::ClopperPearson));
    close(ci.high, 1.0 - 0.025f64.powf(0.01), 1e-9);
}

#[test]
fn one_replication_cannot_show_clustering() {
    let ci = rate_interval(&[3.0], &[100.0], false, CONFIDENCE);
    assert_eq!(ci.method, Method::SingleReplication);
    assert!(!ci.is_defined());
    assert_eq!(
        rate_interval(&[], &[], false, CONFIDENCE).method,
        Method::NoData
    );
    assert_eq!(
        rate_interval(&[1.0, 2.0], &[0.0, 0.0], false, CONFIDENCE).method,
        Method::NoData
    );
}

/// A sweep's neighbours: the width jumped from +/-40% to +/-100% where the
/// method switched at 30 events. Counts growing one event at a time, spread
/// evenly, now move the relative width by a few percent per event, through 30
/// and beyond. (Events piling onto one replication widen the interval as the
/// spread grows: a change in the data, not in the method; see
/// `continuous_where_the_floor_stops_binding` for the method's own boundary.)
#[test]
fn no_width_jump_as_events_grow() {
    {
        let mut y = [1.0; 8];
        let mut previous: Option<f64> = None;
        for step in 0..120 {
            y[step % 8] += 1.0;
            let ci = rate_interval(&y, &[1.0; 8], false, CONFIDENCE);
            let k: f64 = y.iter().sum();
            let rel = (ci.high - ci.low) * 8.0 / k;
            if let Some(prev) = previous {
                assert!(
                    (rel / prev - 1.0).abs() < 0.1,
                    "relative width {prev} -> {rel} at {k} events ({y:?})"
                );
            }
            previous = Some(rel);
        }
    }
}

/// Continuity at the floor: as the spread crosses `1 / c_n`, the interval
/// leaves Garwood's without a jump.
#[test]
fn continuous_where_the_floor_stops_binding() {
    let c = dispersion_allowance(2, CONFIDENCE);
    // y = [m + e, m - e]: D = 2 e² / m on 1 degree of freedom, so the floor
    // stops binding at c D = 1
    let m = 50.0;
    let e_star = (m / (2.0 * c)).sqrt();
    let at = |e: f64| {
        let ones = [1.0, 1.0];
        // non-integer counts are fine for the formula (effective counts)
        rate_interval(&[m + e, m - e], &ones, false, CONFIDENCE)
    };
    let below = at(e_star * (1.0 - 1e-9));
    let above = at(e_star * (1.0 + 1e-9));
    assert_eq!(below.method, Method::Garwood);
    assert_eq!(above.method, Method::QuasiPoisson);
    close(above.low, below.low, 1e-6);
    close(above.high, below.high, 1e-6);
}

/// Many events: the interval is Student t over replications, with Garwood's
/// small skew.
#[test]
fn many_events_tend_to_student_t() {
    let y = [
        10_400.0, 9_800.0, 10_900.0, 9_500.0, 10_100.0, 9_950.0, 10_600.0, 9_700.0,
    ];
    let ci = rate_interval(&y, &[1.0; 8], false, CONFIDENCE);
    let t = mean_interval(&y, CONFIDENCE);
    assert_eq!(ci.method, Method::QuasiPoisson);
    close(ci.low, t.low, 2e-3);
    close(ci.high, t.high, 2e-3);
}

#[test]
fn amounts_are_compound_poisson() {
    // python: the formulas of amount_interval with scipy's gamma.ppf
    let ci = amount_interval(&[6.8, 0.0, 3.4, 10.2], &[2.0, 0.0, 1.0, 3.0], CONFIDENCE).unwrap();
    assert_eq!(ci.method, Method::CompoundPoisson);
    close(ci.low, 2.5636468372101775, 1e-8);
    close(ci.high, 72.71906356050762, 1e-8);
    // amounts that differ: the floor E[A²] / a² = 1.13 binds
    let ci = amount_interval(
        &[2.2, 6.2, 3.4, 0.0, 4.5],
        &[1.0, 1.0, 1.0, 0.0, 1.0],
        CONFIDENCE,
    )
    .unwrap();
    close(ci.low, 3.975982818458009, 1e-8);
    close(ci.high, 44.076263579422466, 1e-8);
    // eight replications: the excess over the floor (1.017) is estimated
    let ci = amount_interval(
        &[6.8, 0.0, 3.4, 10.2, 0.0, 0.0, 2.2, 0.0],
        &[2.0, 0.0, 1.0, 3.0, 0.0, 0.0, 1.0, 0.0],
        CONFIDENCE,
    )
    .unwrap();
    close(ci.low, 5.776739085660711, 1e-8);
    close(ci.high, 59.73826521311617, 1e-8);
    assert!(amount_interval(&[0.0, 0.0], &[0.0, 0.0], CONFIDENCE).is_none());
    assert!(amount_interval(&[5.0], &[1.0], CONFIDENCE).is_none());
}

#[test]
fn concentration_names_the_replications_and_how_many_to_run() {
    let y = [17.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0];
    let c = concentration(&y, &[1.0; 8], false).unwrap();
    assert_eq!((c.top, c.of), (1, 8));
    close(c.share, 17.0 / 24.0, 1e-12);
    // 8 * 30 * (32/3) / 24 = 106.7 -> 110
    assert_eq!(c.needed, 110);
    assert_eq!(
        c.to_string(),
        "71% of the events came from 1 of 8 replications: the interval rests on few clusters of events; run about 110 replications to trust it"
    );
    // spread like independent events: no warning
    assert!(concentration(&[3.0, 2.0, 0.0, 5.0], &[1.0; 4], false).is_none());
    // many events, even clustered, are many clusters: no warning
    let y = [400.0, 300.0, 500.0, 350.0];
    assert!(concentration(&y, &[1.0; 4], false).is_none());
    // not counts: cannot tell
    assert!(concentration(&[0.5, 7.25], &[1.0; 2], false).is_none());
}

#[test]
fn round_up_to_two_digits() {
    assert_eq!(round_up_2(391.2), 400);
    assert_eq!(round_up_2(23.1), 24);
    assert_eq!(round_up_2(9.2), 10);
    assert_eq!(round_up_2(1234.0), 1300);
    assert_eq!(round_up_2(f64::INFINITY), u64::MAX);
}
