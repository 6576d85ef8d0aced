//! Student t over replications: the interval of a mean and the ratio
//! estimator's interval for a ratio of totals (Cochran 1977, 6.4).

use super::quantile::{t_quantile, tail};
use super::{Interval, Method, sum};

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

/// The ratio estimator's interval for `Σnum / Σden` (Cochran 1977, 6.4),
/// unscaled and unclamped. `sd` is `Σden`, not zero.
pub(super) fn ratio_interval(num: &[f64], den: &[f64], sd: f64, conf: f64) -> Interval {
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
    use crate::stats::testing::{PUBLISHED, close};

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
}
