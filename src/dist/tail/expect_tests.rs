//! [`Dist::expect`] against closed forms.

use crate::dist::Dist;

/// Relative tolerance of `expect` against closed forms.
const EXPECT_REL_TOL: f64 = 1e-4;

#[track_caller]
fn close(got: f64, want: f64) {
    assert!(
        (got - want).abs() <= EXPECT_REL_TOL * want.abs(),
        "expect gave {got}, closed form {want} (relative error {:e})",
        (got - want).abs() / want.abs()
    );
}

#[test]
fn expect_matches_exponential_closed_forms() {
    const MEAN: f64 = 30.0;
    const CUTOFF: f64 = 20.0;
    const PERIOD: f64 = 45.0;
    let d = Dist::exponential(MEAN).unwrap();
    // E[max(0, L - c)] = mean * exp(-c / mean)
    close(
        d.expect(&|l| (l - CUTOFF).max(0.0)),
        MEAN * (-CUTOFF / MEAN).exp(),
    );
    // E[min(1, max(0, L - c) / P)] = mean / P * (exp(-c/mean) - exp(-(c+P)/mean))
    close(
        d.expect(&|l| ((l - CUTOFF).max(0.0) / PERIOD).min(1.0)),
        MEAN / PERIOD * ((-CUTOFF / MEAN).exp() - (-(CUTOFF + PERIOD) / MEAN).exp()),
    );
    close(d.expect(&|l| l), MEAN);
}

#[test]
fn expect_matches_uniform_and_normal_closed_forms() {
    const LOW: f64 = 2.0;
    const HIGH: f64 = 8.0;
    const CUTOFF: f64 = 5.0;
    let u = Dist::uniform(LOW, HIGH).unwrap();
    // E[max(0, L - c)] = (high - c)^2 / (2 (high - low)) for low <= c <= high
    close(
        u.expect(&|l| (l - CUTOFF).max(0.0)),
        (HIGH - CUTOFF).powi(2) / (2.0 * (HIGH - LOW)),
    );

    const MEAN: f64 = 10.0;
    const SD: f64 = 3.0;
    const STRIKE: f64 = 12.0;
    let n = Dist::normal(MEAN, SD).unwrap();
    // E[max(0, X - k)] = (mu - k) Phi(d) + sigma phi(d), d = (mu - k) / sigma
    let std = statrs::distribution::Normal::standard();
    use statrs::distribution::ContinuousCDF;
    let z = (MEAN - STRIKE) / SD;
    use statrs::distribution::Continuous;
    close(
        n.expect(&|x| (x - STRIKE).max(0.0)),
        (MEAN - STRIKE) * std.cdf(z) + SD * std.pdf(z),
    );
    close(n.expect(&|x| (x - MEAN).powi(2)), SD * SD);
}

#[test]
fn expect_matches_lognormal_gamma_weibull_pareto_closed_forms() {
    const MU: f64 = 1.0;
    const SIGMA: f64 = 0.5;
    close(
        Dist::lognormal(MU, SIGMA).unwrap().expect(&|x| x),
        (MU + SIGMA * SIGMA / 2.0).exp(),
    );

    const SHAPE: f64 = 2.5;
    const SCALE: f64 = 4.0;
    let g = Dist::gamma(SHAPE, SCALE).unwrap();
    close(g.expect(&|x| x), SHAPE * SCALE);
    close(g.expect(&|x| x * x), SHAPE * (SHAPE + 1.0) * SCALE * SCALE);
    // the second call reuses the kept quantiles and gives the same bits
    assert_eq!(g.expect(&|x| x * x), g.expect(&|x| x * x));
    // shape < 1: the quantiles near 0 are tiny; statrs must still converge
    close(Dist::gamma(0.3, 2.0).unwrap().expect(&|x| x), 0.6);

    const K: f64 = 1.5;
    const LAMBDA: f64 = 10.0;
    let w = Dist::weibull(K, LAMBDA).unwrap();
    close(w.expect(&|x| x), w.mean());

    // E[min(X, M)] = xm + xm^a (M^(1-a) - xm^(1-a)) / (1 - a) for a Pareto
    const XM: f64 = 1.0;
    const ALPHA: f64 = 1.5;
    const CAP: f64 = 50.0;
    let p = Dist::pareto(XM, ALPHA).unwrap();
    close(
        p.expect(&|x| x.min(CAP)),
        XM + XM.powf(ALPHA) * (CAP.powf(1.0 - ALPHA) - XM.powf(1.0 - ALPHA)) / (1.0 - ALPHA),
    );
}

#[test]
fn expect_is_exact_for_discrete_kinds_and_mixtures() {
    let square = |x: f64| x * x;
    assert_eq!(Dist::Constant(3.0).expect(&square), 9.0);
    assert_eq!(
        Dist::empirical(vec![1.0, 2.0, 3.0, 4.0])
            .unwrap()
            .expect(&square),
        7.5
    );
    let c = Dist::choice([(1.0, 1.0), (3.0, 3.0), (-50.0, 0.0)]).unwrap();
    assert_eq!(c.expect(&square), 0.25 + 0.75 * 9.0);
    // a value of weight zero never reaches f (f may be undefined there)
    assert_eq!(c.expect(&|x| if x < 0.0 { f64::NAN } else { x }), 2.5);
    let m = Dist::mixture([
        (3.0, Dist::Constant(2.0)),
        (1.0, Dist::choice([(0.0, 1.0), (4.0, 1.0)]).unwrap()),
    ])
    .unwrap();
    assert_eq!(m.expect(&square), 0.75 * 4.0 + 0.25 * 8.0);
    // continuous components: weighted sum of their expectations
    let e = Dist::exponential(30.0).unwrap();
    let mixed = Dist::mixture([(1.0, e.clone()), (1.0, Dist::Constant(0.0))]).unwrap();
    close(mixed.expect(&|x| x), 15.0);
}
