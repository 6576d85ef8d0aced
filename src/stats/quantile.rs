//! The quantiles the intervals are built from: Student t, normal, beta.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};
use statrs::function::beta::beta_reg;

/// Degrees of freedom from which [`t_quantile`] uses the Cornish-Fisher
/// expansion (the two methods agree to 2e-13 here).
const T_EXPANSION_DF: f64 = 1e4;

/// `(1 - conf) / 2`, the probability in each tail.
///
/// # Panics
///
/// If `conf` is not strictly between 0 and 1 (a programming error: the
/// confidence level is [`CONFIDENCE`], not user input).
pub(super) fn tail(conf: f64) -> f64 {
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
pub(super) fn beta_quantile(p: f64, a: f64, b: f64) -> f64 {
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
#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::testing::{PUBLISHED, close};

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
}
