//! The tail functions against values computed independently with mpmath at
//! 60 digits (`tests/data/tail_reference.py`, stored in `reference.rs`).

use super::reference;
use crate::dist::Dist;

/// The relative error every tail function must meet (the issue's bound is
/// 1e-6; the functions do far better, and this tolerance would catch a
/// formula that loses half its digits).
const REL: f64 = 1e-9;

#[track_caller]
fn close(what: &str, got: f64, want: f64) {
    let err = if want == 0.0 {
        got.abs()
    } else {
        (got / want - 1.0).abs()
    };
    assert!(
        err <= REL,
        "{what}: got {got:e}, mpmath {want:e} (relative error {err:e})"
    );
}

#[test]
fn survival_cdf_and_stop_loss_match_mpmath_down_to_1e_minus_15_and_below() {
    let mut deepest = 1.0f64;
    for (d, uppers, lowers) in reference::cases() {
        for [c, s, f, sl] in uppers {
            close(&format!("{} S({c})", d.kind()), d.survival(c), s);
            // F near 1 is only meaningful to absolute precision; statrs'
            // erfc is good to about 1e-11 relative near 1 (measured here)
            assert!(
                (d.cdf(c) - f).abs() <= 1e-10,
                "{} F({c}) = {} vs {f}",
                d.kind(),
                d.cdf(c)
            );
            close(&format!("{} C({c})", d.kind()), d.stop_loss(c), sl);
            deepest = deepest.min(s);
        }
        for [y, below, f] in lowers {
            close(&format!("{} F({y})", d.kind()), d.cdf(y), f);
            close(
                &format!("{} E[({y} - X)^+]", d.kind()),
                d.stop_loss_below(y),
                below,
            );
            deepest = deepest.min(f);
        }
    }
    assert!(deepest < 1e-15, "the cases reach below 1e-15: {deepest:e}");
}

#[test]
fn bands_match_mpmath_quadrature_even_where_c_a_minus_c_b_cancels() {
    for (d, a, b, want) in reference::bands() {
        close(&format!("{} band({a}, {b})", d.kind()), d.band(a, b), want);
    }
    for (d, a, b, want) in reference::bands_below() {
        close(
            &format!("{} band_below({a}, {b})", d.kind()),
            d.band_below(a, b),
            want,
        );
    }
}

#[test]
fn inverse_survival_matches_mpmath_deep_in_the_tail() {
    for (d, q, want) in reference::inverse() {
        let got = d.inverse_survival(q);
        assert!(
            (got / want - 1.0).abs() < 1e-9,
            "{} S^-1({q:e}) = {got}, mpmath {want}",
            d.kind()
        );
    }
}

#[test]
fn the_lisa_rates_of_the_issue_are_exact() {
    // (C(c) - C(c + P)) / P for lisa's redirect latency, g = P = 5 min,
    // D = 200 ms: 4.09e-7 at 4m45s (the midpoint rule printed 2.69e-7),
    // 6.1e-8 at 4m40s (it printed 0), 2.9e-9 at 4m30s
    let l = Dist::lognormal_median_p99(1.5, 6.0).unwrap();
    for [s, want] in reference::LISA_RATES {
        let c = 0.2 + (300.0 - s).max(0.0);
        close(
            &format!("lisa at {s} s"),
            l.band(c, c + 300.0) / 300.0,
            want,
        );
    }
    // the skew of `solve ... error_page_rate<=1e-7`: 4m 41.377s
    let c = 0.2 + 300.0 - reference::LISA_SKEW_1E7;
    close("lisa at the 1e-7 skew", l.band(c, c + 300.0) / 300.0, 1e-7);
}

#[test]
fn expectations_by_quadrature_match_mpmath() {
    // the checkout error probability with both latencies random
    let l = Dist::lognormal_median_p99(1.5, 6.0).unwrap();
    let d = Dist::exponential(2.0).unwrap();
    let got = d.expect(&|x| l.band(15.0 + x, 315.0 + x) / 300.0);
    close("E_D[band_L]", got, reference::BOTH_RANDOM);
    // (the terminal model's E[max(0, N - 999)] is tested beside its
    // closed form, against reference::TERMINAL_EXCESS)
}

#[test]
fn discrete_kinds_are_exact_sums() {
    let c = Dist::choice([(1.0, 1.0), (2.0, 2.0), (10.0, 1.0)]).unwrap();
    assert_eq!(c.survival(2.0), 0.25);
    assert_eq!(c.survival(1.5), 0.75);
    assert_eq!(c.cdf(1.0), 0.25);
    assert_eq!(c.stop_loss(1.5), 0.5 * 0.5 + 0.25 * 8.5);
    assert_eq!(c.stop_loss_below(3.0), 0.25 * 2.0 + 0.5 * 1.0);
    // ∫_1.5^3.5 S = E[clamp(X - 1.5, 0, 2)]
    assert_eq!(c.band(1.5, 3.5), 0.5 * 0.5 + 0.25 * 2.0);
    assert_eq!(c.band_below(1.5, 3.5), 0.25 * 2.0 + 0.5 * 1.5);
    assert_eq!(c.max_value(), 10.0);
    let e = Dist::empirical(vec![3.0, 1.0, 2.0, 2.0]).unwrap();
    assert_eq!(e.survival(1.5), 0.75);
    assert_eq!(e.stop_loss(2.0), 0.25);
    assert_eq!(e.max_value(), 3.0);
    assert_eq!(Dist::Constant(4.0).band(3.0, 10.0), 1.0);
    assert_eq!(Dist::Constant(4.0).max_value(), 4.0);
}

#[test]
fn bounded_kinds_say_where_their_support_ends() {
    assert_eq!(Dist::uniform(1.0, 3.0).unwrap().max_value(), 3.0);
    assert_eq!(Dist::uniform(1.0, 3.0).unwrap().survival(3.0), 0.0);
    assert_eq!(Dist::uniform(1.0, 3.0).unwrap().band(3.0, 5.0), 0.0);
    assert_eq!(
        Dist::lognormal(0.0, 1.0).unwrap().max_value(),
        f64::INFINITY
    );
    let m = Dist::mixture([
        (1.0, Dist::uniform(0.0, 2.0).unwrap()),
        (0.0, Dist::exponential(1.0).unwrap()),
    ])
    .unwrap();
    assert_eq!(m.max_value(), 2.0, "a component of weight 0 is never drawn");
}

#[test]
fn pareto_with_infinite_mean_has_infinite_stop_loss_but_finite_bands() {
    let p = Dist::pareto(1.0, 0.8).unwrap();
    assert_eq!(p.stop_loss(10.0), f64::INFINITY);
    let b = p.band(10.0, 20.0);
    // ∫_10^20 x^-0.8 dx = 5 (20^0.2 - 10^0.2)
    let want = 5.0 * (20f64.powf(0.2) - 10f64.powf(0.2));
    close("pareto band", b, want);
}

#[test]
fn tail_draws_land_beyond_the_point_with_the_conditional_law() {
    use rand::SeedableRng;
    let mut rng = crate::engine::SimRng::seed_from_u64(5);
    for d in [
        Dist::lognormal_median_p99(1.5, 6.0).unwrap(),
        Dist::gamma(2.5, 0.8).unwrap(),
        Dist::weibull(1.7, 2.0).unwrap(),
        Dist::exponential(2.0).unwrap(),
        Dist::pareto(1.0, 2.5).unwrap(),
        Dist::uniform(1.0, 3.0).unwrap(),
        Dist::choice([(1.0, 1.0), (5.0, 1.0), (9.0, 2.0)]).unwrap(),
    ] {
        let c = d.inverse_survival(1e-6).min(d.max_value() - 0.5);
        let sc = d.survival(c);
        // the conditional median: S(x) = S(c) / 2
        let n = 4000;
        let mut above = 0;
        let med = d.inverse_survival(sc / 2.0);
        for _ in 0..n {
            let x = d.sample_beyond(c, &mut rng);
            assert!(
                x > c || (x >= c && d.as_constant().is_some()),
                "{d:?}: {x} <= {c}"
            );
            if x > med {
                above += 1;
            }
        }
        if matches!(d, Dist::Choice(_)) {
            continue;
        }
        // half of the draws above the conditional median, within 3.3 sd
        let sd = (n as f64 * 0.25).sqrt();
        assert!(
            (above as f64 - n as f64 / 2.0).abs() < 3.3 * sd,
            "{}: {above} of {n} above the conditional median",
            d.kind()
        );
    }
}
