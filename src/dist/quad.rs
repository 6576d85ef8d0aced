//! Adaptive Gauss-Kronrod quadrature with a global error criterion.
//!
//! The back-of-envelope integrates where no closed form exists: over a random
//! move delay when the redirect latency is random too, over the horizon when
//! a skew drifts, over a terminal's daily mean. Those integrals may be
//! dominated by a far tail (a rate of 1e-12 lives where the integrand is tiny
//! almost everywhere), so the rule is *global* adaptive: every interval keeps
//! its own error estimate, and the interval with the largest one is halved
//! until the sum of the estimates is below the tolerance relative to the
//! whole integral. An interval in the tail whose error is small compared with
//! the integral is left alone; one that carries the integral is refined, so
//! the error is controlled where the mass is, however deep in the tail that
//! is (Piessens, de Doncker-Kapenga, Ueberhuber and Kahaner 1983,
//! *QUADPACK*, Springer, routine QAG, with the 7-point Gauss and 15-point
//! Kronrod pair; the error estimate here is the plain `|K15 - G7|`, more
//! cautious than QAG's rescaled one).
//!
//! The caller gives the initial breakpoints: the ends of the range and every
//! point where the integrand has a kink or changes scale (the quantiles of a
//! distribution at 1e-300, 1e-100, ..., so that no initial interval spans a
//! tail and its bulk at once). The result is deterministic: same integrand,
//! same breakpoints, same bits.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Kronrod nodes on `[-1, 1]`, the non-negative half, largest first
/// (QUADPACK `qk15`).
const XGK: [f64; 8] = [
    0.991_455_371_120_812_6,
    0.949_107_912_342_758_5,
    0.864_864_423_359_769_1,
    0.741_531_185_599_394_4,
    0.586_087_235_467_691_1,
    0.405_845_151_377_397_2,
    0.207_784_955_007_898_5,
    0.0,
];
/// Kronrod weights for [`XGK`].
const WGK: [f64; 8] = [
    0.022_935_322_010_529_22,
    0.063_092_092_629_978_55,
    0.104_790_010_322_250_18,
    0.140_653_259_715_525_92,
    0.169_004_726_639_267_9,
    0.190_350_578_064_785_4,
    0.204_432_940_075_298_9,
    0.209_482_141_084_727_83,
];
/// Gauss weights for the nodes `XGK[1], XGK[3], XGK[5], XGK[7]`.
const WG: [f64; 4] = [
    0.129_484_966_168_869_7,
    0.279_705_391_489_276_7,
    0.381_830_050_505_118_9,
    0.417_959_183_673_469_4,
];

/// The largest number of intervals a quadrature keeps before it stops
/// refining (and reports that it did not converge).
pub const MAX_INTERVALS: usize = 4000;

/// The result of a quadrature.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quadrature {
    /// The integral.
    pub value: f64,
    /// The sum of the intervals' error estimates.
    pub error: f64,
    /// Whether the error met the tolerance before [`MAX_INTERVALS`].
    pub converged: bool,
}

#[derive(Debug, Clone, Copy)]
struct Piece {
    a: f64,
    b: f64,
    value: f64,
    error: f64,
}

impl PartialEq for Piece {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Piece {}
impl PartialOrd for Piece {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Piece {
    fn cmp(&self, other: &Self) -> Ordering {
        // largest error first; ties by position, so the order is total
        self.error
            .total_cmp(&other.error)
            .then(other.a.total_cmp(&self.a))
    }
}

/// The 15-point Kronrod estimate of `∫_a^b f` and its distance from the
/// embedded 7-point Gauss estimate.
fn gk15(f: &mut dyn FnMut(f64) -> f64, a: f64, b: f64) -> (f64, f64) {
    let c = 0.5 * (a + b);
    let h = 0.5 * (b - a);
    let fc = f(c);
    let mut k = fc * WGK[7];
    let mut g = fc * WG[3];
    for (j, (&x, &w)) in XGK.iter().zip(&WGK).take(7).enumerate() {
        let dx = h * x;
        let s = f(c - dx) + f(c + dx);
        k += w * s;
        if j % 2 == 1 {
            g += WG[j / 2] * s;
        }
    }
    (k * h, ((k - g) * h).abs())
}

/// `∫ f` over `[points[0], points[last]]`, split first at every one of
/// `points` (sorted, finite; equal neighbours are skipped), refined until the
/// summed error estimate is at most `max(abs, rel * |integral|)`.
pub fn integrate(f: &mut dyn FnMut(f64) -> f64, points: &[f64], rel: f64, abs: f64) -> Quadrature {
    let mut heap = BinaryHeap::new();
    for w in points.windows(2) {
        let (a, b) = (w[0], w[1]);
        if a < b && a.is_finite() && b.is_finite() {
            let (value, error) = gk15(f, a, b);
            heap.push(Piece { a, b, value, error });
        }
    }
    let sum = |heap: &BinaryHeap<Piece>| -> (f64, f64) {
        // in the order of position, so that the sum does not depend on
        // the heap's layout
        let mut v: Vec<&Piece> = heap.iter().collect();
        v.sort_by(|x, y| x.a.total_cmp(&y.a));
        v.iter()
            .fold((0.0, 0.0), |(s, e), p| (s + p.value, e + p.error))
    };
    let (mut value, mut error) = sum(&heap);
    let mut converged = true;
    while error > abs.max(rel * value.abs()) {
        if heap.len() >= MAX_INTERVALS {
            converged = false;
            break;
        }
        let Some(worst) = heap.pop() else { break };
        let m = 0.5 * (worst.a + worst.b);
        if !(m > worst.a && m < worst.b) {
            // too narrow to split: keep it as it is
            heap.push(Piece {
                error: 0.0,
                ..worst
            });
            converged = false;
            let (v, e) = sum(&heap);
            value = v;
            error = e;
            continue;
        }
        let (v1, e1) = gk15(f, worst.a, m);
        let (v2, e2) = gk15(f, m, worst.b);
        heap.push(Piece {
            a: worst.a,
            b: m,
            value: v1,
            error: e1,
        });
        heap.push(Piece {
            a: m,
            b: worst.b,
            value: v2,
            error: e2,
        });
        // running totals drift; they only steer the loop
        value += v1 + v2 - worst.value;
        error += e1 + e2 - worst.error;
        if error <= abs.max(rel * value.abs()) {
            let (v, e) = sum(&heap);
            value = v;
            error = e;
        }
    }
    let (value, error) = sum(&heap);
    Quadrature {
        value,
        error,
        converged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polynomials_up_to_degree_22_are_exact_on_one_interval() {
        // K15 integrates polynomials of degree 3 * 7 + 1 = 22 exactly
        let q = integrate(&mut |x| x.powi(22), &[0.0, 1.0], 1e-15, 0.0);
        assert!((q.value - 1.0 / 23.0).abs() < 1e-16, "{q:?}");
    }

    #[test]
    fn a_narrow_peak_deep_in_a_long_range_is_found_from_a_breakpoint() {
        // ∫ exp(-(x - 700)^2 / 2e-6) over [0, 1000] = sqrt(2 pi) * 1e-3
        let want = (2.0 * std::f64::consts::PI).sqrt() * 1e-3;
        let q = integrate(
            &mut |x: f64| (-(x - 700.0).powi(2) / 2e-6).exp(),
            &[0.0, 699.99, 700.01, 1000.0],
            1e-12,
            0.0,
        );
        assert!(q.converged);
        assert!((q.value / want - 1.0).abs() < 1e-11, "{q:?}");
    }

    #[test]
    fn the_relative_tolerance_holds_for_tiny_integrals() {
        // ∫_0^40 exp(-x) = 1 - e^-40, scaled by 1e-200
        let q = integrate(&mut |x: f64| 1e-200 * (-x).exp(), &[0.0, 40.0], 1e-12, 0.0);
        let want = 1e-200 * -(-40.0f64).exp_m1();
        assert!(q.converged && (q.value / want - 1.0).abs() < 1e-12, "{q:?}");
    }
}
