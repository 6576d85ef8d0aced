//! Exact intervals for a count of events: Garwood (Poisson) and
//! Clopper-Pearson (binomial), as their integer forms.

use super::events;

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
#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::testing::{PUBLISHED, close, close_pair};

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
}
