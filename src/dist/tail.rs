//! What the back-of-envelope formulas integrate, exact in the far tail.
//!
//! For every kind of [`Dist`]:
//!
//! - the survival function `S(c) = P(X > c)` and the distribution function
//!   `F(c) = P(X <= c)`, each computed directly on its own side, never as
//!   one minus the other (which would return 0 for a tail below 1e-16);
//! - the stop-loss transform `C(c) = E[(X - c)^+] = ∫_c^∞ S(x) dx` and its
//!   mirror `E[(y - X)^+] = ∫_{-∞}^y F(x) dx`;
//! - the *band* `∫_a^b S(x) dx = E[clamp(X - a, 0, b - a)] = C(a) - C(b)` and
//!   its mirror, computed without subtracting two nearly equal numbers;
//! - `E[f(X)]` by adaptive quadrature over the density, split at the
//!   distribution's quantiles from 1e-300 to 1 - 1e-300 ([`Dist::expect`]);
//! - the inverse survival function and draws from the tail beyond a point,
//!   for importance sampling.
//!
//! # Formulas
//!
//! With `Φc(z) = erfc(z / √2) / 2` (statrs' `erfc`, which keeps its relative
//! precision down to 1e-300), `φ` the standard normal density, `Q(a, x)` and
//! `P(a, x)` the regularised upper and lower incomplete gamma functions
//! (statrs' `gamma_ur`, `gamma_lr`):
//!
//! | kind | `S(c)` | `C(c)` for `c` in the support |
//! |---|---|---|
//! | normal `(μ, σ)`, `z = (c - μ)/σ` | `Φc(z)` | `σ (φ(z) - z Φc(z))` |
//! | lognormal `(μ, σ)`, `d = (ln c - μ)/σ` | `Φc(d)` | `e^{μ+σ²/2} Φc(d - σ) - c Φc(d)` |
//! | percentiles (pieces `ln X = a_k + b_k Z`) | the lognormal `(a_k, b_k)`'s, on `c`'s piece | the sum over the pieces above `c` of each lognormal's band ([`super::fit`]) |
//! | exponential (mean `m`) | `e^{-c/m}` | `m e^{-c/m}` |
//! | gamma `(k, θ)`, `x = c/θ` | `Q(k, x)` | `kθ Q(k+1, x) - c Q(k, x)` |
//! | Weibull `(k, λ)`, `t = (c/λ)^k` | `e^{-t}` | `λ Γ(1+1/k) Q(1+1/k, t) - c e^{-t}` |
//! | Pareto `(x_m, α)` | `(x_m/c)^α` | `c S(c) / (α - 1)` (infinite for `α <= 1`) |
//! | uniform `[l, h]` | `(h - c)/(h - l)` | `(h - c)² / (2 (h - l))` |
//! | choice, empirical | `Σ p_i [v_i > c]` | `Σ p_i (v_i - c)^+` |
//! | mixture | `Σ w_j S_j(c)` | `Σ w_j C_j(c)` |
//!
//! (Johnson, Kotz and Balakrishnan 1994, *Continuous Univariate
//! Distributions*, vol. 1, 2nd ed., Wiley: chapters 13, 14, 17, 19, 20, 21
//! for the densities and partial moments; Klugman, Panjer and Willmot 2012,
//! *Loss Models*, 4th ed., Wiley, appendix A, for the limited expected
//! values `E[min(X, c)] = E[X] - C(c)` of every continuous kind.)
//!
//! **Cancellation.** The closed forms of `C` for the lognormal, normal,
//! gamma and Weibull subtract two tail terms that are nearly equal deep in
//! the tail: the relative loss is about `z²` for the normal, `d/σ` for the
//! lognormal, `x/k` for the gamma, `k t` for the Weibull, a few digits at
//! most for the tails that matter. When the difference keeps less than
//! [`CANCELLATION`] of its larger term, `C` is computed instead as the
//! integral of `S` by adaptive quadrature ([`super::quad`]), whose integrand
//! is positive and exact. A band `C(a) - C(b)` likewise, when `C(b)` is more
//! than half of `C(a)` (the window is short next to the tail's scale), is
//! the quadrature of `S` over `[a, b]`; for the exponential, Pareto and
//! uniform it has an exact form with `expm1`/`ln_1p` instead.
//!
//! The tests compare every function with values computed independently at
//! 50 significant digits with mpmath (the script is
//! `tests/data/tail_reference.py`), to a relative error of 1e-9 or better
//! for tails down to 1e-15 and beyond.

use rand::{Rng, RngExt};
use statrs::function::erf::{erfc, erfc_inv};
use statrs::function::gamma::{gamma, gamma_lr, gamma_ur, ln_gamma};

use super::{Dist, quad};

/// A difference of closed-form terms keeping less than this share of its
/// larger term is recomputed by quadrature (see the module docs).
pub const CANCELLATION: f64 = 1e-3;

/// Relative tolerance of the quadratures of this module.
pub const QUAD_REL: f64 = 1e-11;

/// Standard normal quantiles at which [`Dist::expect`] splits a normal or
/// lognormal: beyond ±38 the density is below 1e-300.
const Z_POINTS: [f64; 17] = [
    -38.0, -30.0, -20.0, -12.0, -8.0, -5.0, -3.0, -1.5, 0.0, 1.5, 3.0, 5.0, 8.0, 12.0, 20.0, 30.0,
    38.0,
];

/// Tail probabilities at which [`Dist::expect`] splits the other continuous
/// kinds, on each side.
const TAIL_POINTS: [f64; 11] = [
    1e-300, 1e-200, 1e-100, 1e-50, 1e-25, 1e-12, 1e-6, 1e-3, 0.05, 0.25, 0.5,
];

/// `P(Z > z)` for a standard normal `Z`.
pub(super) fn phic(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// The standard normal density.
pub(super) fn phi(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// The standard normal upper quantile: `z` with `P(Z > z) = q`.
pub(super) fn z_upper(q: f64) -> f64 {
    std::f64::consts::SQRT_2 * erfc_inv(2.0 * q)
}

/// `Q(a, x)`, with the ends statrs refuses.
fn upper_gamma(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        1.0
    } else if x == f64::INFINITY {
        0.0
    } else {
        gamma_ur(a, x)
    }
}

/// `P(a, x)`, with the ends statrs refuses.
fn lower_gamma(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        0.0
    } else if x == f64::INFINITY {
        1.0
    } else {
        gamma_lr(a, x)
    }
}

/// `x - 1 + e^{-x}` for `x >= 0`, without cancellation near 0.
fn x_minus_one_plus_exp(x: f64) -> f64 {
    if x < 0.1 {
        // alternating series x²/2 - x³/6 + ..., 12 terms reach 1e-17
        let mut term = x * x / 2.0;
        let mut sum = term;
        for n in 3..16 {
            term *= -x / f64::from(n);
            sum += term;
        }
        sum
    } else {
        x + (-x).exp_m1()
    }
}

/// `a - b` for `a >= b >= 0`, or `None` when the difference keeps less than
/// [`CANCELLATION`] of `a`.
fn difference(a: f64, b: f64) -> Option<f64> {
    let d = a - b;
    if d >= CANCELLATION * a {
        Some(d)
    } else if a == 0.0 || !a.is_finite() {
        Some(d.max(0.0))
    } else {
        None
    }
}

/// The variable [`Dist::expect`] integrates in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Var {
    /// `x` itself.
    Linear,
    /// `u = ln x` (positive kinds: spans many orders of magnitude).
    Log,
}

impl Var {
    fn to_x(self, v: f64) -> f64 {
        match self {
            Var::Linear => v,
            Var::Log => v.exp(),
        }
    }
    fn of_x(self, x: f64) -> f64 {
        match self {
            Var::Linear => x,
            Var::Log => x.ln(),
        }
    }
}

/// The largest of `values` with a positive probability.
fn live_max(values: &[f64], probabilities: Option<&[f64]>) -> f64 {
    match probabilities {
        Some(p) => values
            .iter()
            .zip(p)
            .filter(|(_, p)| **p > 0.0)
            .map(|(v, _)| *v)
            .fold(f64::NEG_INFINITY, f64::max),
        None => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    }
}

/// (value, probability) pairs of a discrete kind, `None` for the others.
fn atoms(d: &Dist) -> Option<Vec<(f64, f64)>> {
    match d {
        Dist::Constant(c) => Some(vec![(*c, 1.0)]),
        Dist::Choice(c) => Some(
            c.values
                .iter()
                .copied()
                .zip(c.probabilities.iter().copied())
                .filter(|(_, p)| *p > 0.0)
                .collect(),
        ),
        Dist::Empirical(e) => {
            let p = 1.0 / e.values.len() as f64;
            Some(e.values.iter().map(|&v| (v, p)).collect())
        }
        _ => None,
    }
}

impl Dist {
    /// True when the distribution takes finitely many values: a constant
    /// (or a degenerate kind), a choice, an empirical sample, or a mixture
    /// of those. Its expectations are exact sums.
    pub fn is_discrete(&self) -> bool {
        if self.as_constant().is_some() {
            return true;
        }
        match self {
            Dist::Constant(_) | Dist::Choice(_) | Dist::Empirical(_) => true,
            Dist::Mixture(m) => m.live().all(|(_, c)| c.is_discrete()),
            _ => false,
        }
    }

    /// The upper end of the support (`+inf` for the unbounded kinds).
    ///
    /// Values and components of weight zero are never drawn and do not count.
    pub fn max_value(&self) -> f64 {
        match self {
            Dist::Constant(c) => *c,
            Dist::Uniform(d) => d.high,
            Dist::Normal(d) if d.sd == 0.0 => d.mean,
            Dist::LogNormal(d) if d.sigma == 0.0 => d.median,
            Dist::Normal(_)
            | Dist::LogNormal(_)
            | Dist::Percentiles(_)
            | Dist::Exponential(_)
            | Dist::Gamma(_)
            | Dist::Weibull(_)
            | Dist::Pareto(_) => f64::INFINITY,
            Dist::Empirical(d) => d.max,
            Dist::Choice(d) => live_max(&d.values, Some(&d.probabilities)),
            Dist::Mixture(d) => d
                .live()
                .map(|(_, c)| c.max_value())
                .fold(f64::NEG_INFINITY, f64::max),
        }
    }

    /// `S(c) = P(X > c)`, exact in the upper tail (see the module docs).
    pub fn survival(&self, c: f64) -> f64 {
        if let Some(v) = self.as_constant() {
            return f64::from(v > c);
        }
        match self {
            Dist::Uniform(d) => ((d.high - c) / (d.high - d.low)).clamp(0.0, 1.0),
            Dist::Normal(d) => phic((c - d.mean) / d.sd),
            Dist::LogNormal(d) if c <= 0.0 => 1.0,
            Dist::LogNormal(d) => phic((c.ln() - d.mu) / d.sigma),
            Dist::Percentiles(d) => d.survival(c),
            Dist::Exponential(d) => (-(c.max(0.0)) / d.mean).exp(),
            Dist::Gamma(d) => upper_gamma(d.shape, c / d.scale),
            Dist::Weibull(d) if c <= 0.0 => 1.0,
            Dist::Weibull(d) => (-(c / d.scale).powf(d.shape)).exp(),
            Dist::Pareto(d) if c <= d.scale => 1.0,
            Dist::Pareto(d) => (d.shape * (d.scale / c).ln()).exp(),
            Dist::Mixture(m) => m.live().map(|(p, c0)| p * c0.survival(c)).sum(),
            _ => atoms(self)
                .unwrap_or_default()
                .iter()
                .filter(|(v, _)| *v > c)
                .map(|(_, p)| p)
                .sum(),
        }
    }

    /// `F(c) = P(X <= c)`, exact in the lower tail.
    pub fn cdf(&self, c: f64) -> f64 {
        if let Some(v) = self.as_constant() {
            return f64::from(v <= c);
        }
        match self {
            Dist::Uniform(d) => ((c - d.low) / (d.high - d.low)).clamp(0.0, 1.0),
            Dist::Normal(d) => phic((d.mean - c) / d.sd),
            Dist::LogNormal(d) if c <= 0.0 => 0.0,
            Dist::LogNormal(d) => phic((d.mu - c.ln()) / d.sigma),
            Dist::Percentiles(d) => d.cdf(c),
            Dist::Exponential(d) => -(-(c.max(0.0)) / d.mean).exp_m1(),
            Dist::Gamma(d) => lower_gamma(d.shape, c / d.scale),
            Dist::Weibull(d) if c <= 0.0 => 0.0,
            Dist::Weibull(d) => -(-(c / d.scale).powf(d.shape)).exp_m1(),
            Dist::Pareto(d) if c <= d.scale => 0.0,
            Dist::Pareto(d) => -(d.shape * (d.scale / c).ln()).exp_m1(),
            Dist::Mixture(m) => m.live().map(|(p, c0)| p * c0.cdf(c)).sum(),
            _ => atoms(self)
                .unwrap_or_default()
                .iter()
                .filter(|(v, _)| *v <= c)
                .map(|(_, p)| p)
                .sum(),
        }
    }

    /// The stop-loss transform `C(c) = E[(X - c)^+]` (infinite for a Pareto
    /// with shape <= 1), exact in the upper tail.
    pub fn stop_loss(&self, c: f64) -> f64 {
        if let Some(v) = self.as_constant() {
            return (v - c).max(0.0);
        }
        let closed = match self {
            Dist::Uniform(d) => {
                return if c >= d.high {
                    0.0
                } else if c <= d.low {
                    self.mean() - c
                } else {
                    (d.high - c).powi(2) / (2.0 * (d.high - d.low))
                };
            }
            Dist::Normal(d) => return d.sd * normal_stop_loss((c - d.mean) / d.sd),
            Dist::Percentiles(d) => return d.stop_loss(c),
            Dist::LogNormal(d) => {
                if c <= 0.0 {
                    return self.mean() - c;
                }
                let z = (c.ln() - d.mu) / d.sigma;
                if z > 3.0 && z - d.sigma > -10.0 {
                    return c * phi(z) * mills_difference(z - d.sigma, z);
                }
                difference(self.mean() * phic(z - d.sigma), c * phic(z))
            }
            Dist::Exponential(d) => {
                return if c <= 0.0 {
                    d.mean - c
                } else {
                    d.mean * (-c / d.mean).exp()
                };
            }
            Dist::Gamma(d) => {
                if c <= 0.0 {
                    return self.mean() - c;
                }
                let x = c / d.scale;
                difference(
                    d.shape * d.scale * upper_gamma(d.shape + 1.0, x),
                    c * upper_gamma(d.shape, x),
                )
            }
            Dist::Weibull(d) => {
                if c <= 0.0 {
                    return self.mean() - c;
                }
                let t = (c / d.scale).powf(d.shape);
                let a = 1.0 + 1.0 / d.shape;
                difference(d.scale * gamma(a) * upper_gamma(a, t), c * (-t).exp())
            }
            Dist::Pareto(d) => {
                return if d.shape <= 1.0 {
                    f64::INFINITY
                } else if c <= d.scale {
                    self.mean() - c
                } else {
                    c * self.survival(c) / (d.shape - 1.0)
                };
            }
            Dist::Mixture(m) => return m.live().map(|(p, c0)| p * c0.stop_loss(c)).sum(),
            _ => {
                return atoms(self)
                    .unwrap_or_default()
                    .iter()
                    .map(|(v, p)| p * (v - c).max(0.0))
                    .sum();
            }
        };
        closed.unwrap_or_else(|| self.integrate_survival(c, f64::INFINITY))
    }

    /// `E[(y - X)^+] = ∫_{-∞}^y F(x) dx`, exact in the lower tail.
    pub fn stop_loss_below(&self, y: f64) -> f64 {
        if let Some(v) = self.as_constant() {
            return (y - v).max(0.0);
        }
        let closed = match self {
            Dist::Uniform(d) => {
                return if y <= d.low {
                    0.0
                } else if y >= d.high {
                    y - self.mean()
                } else {
                    (y - d.low).powi(2) / (2.0 * (d.high - d.low))
                };
            }
            // E[(y - X)^+] = σ ψ(-z) by symmetry
            Dist::Normal(d) => return d.sd * normal_stop_loss((d.mean - y) / d.sd),
            Dist::Percentiles(d) => return d.stop_loss_below(y),
            Dist::LogNormal(d) => {
                if y <= 0.0 {
                    return 0.0;
                }
                let z = (y.ln() - d.mu) / d.sigma;
                if z < -3.0 {
                    return y * phi(z) * mills_difference(-z, d.sigma - z);
                }
                difference(y * phic(-z), self.mean() * phic(d.sigma - z))
            }
            Dist::Exponential(d) => {
                return if y <= 0.0 {
                    0.0
                } else {
                    d.mean * x_minus_one_plus_exp(y / d.mean)
                };
            }
            Dist::Gamma(d) => {
                if y <= 0.0 {
                    return 0.0;
                }
                let x = y / d.scale;
                difference(
                    y * lower_gamma(d.shape, x),
                    d.shape * d.scale * lower_gamma(d.shape + 1.0, x),
                )
            }
            Dist::Weibull(d) => {
                if y <= 0.0 {
                    return 0.0;
                }
                let t = (y / d.scale).powf(d.shape);
                let a = 1.0 + 1.0 / d.shape;
                difference(y * -(-t).exp_m1(), d.scale * gamma(a) * lower_gamma(a, t))
            }
            Dist::Pareto(d) => {
                if y <= d.scale {
                    return 0.0;
                }
                // (y - x_m) - ∫_{x_m}^y (x_m / x)^α dx
                let l = (y / d.scale).ln();
                let inner = if d.shape == 1.0 {
                    d.scale * l
                } else {
                    d.scale * -(-(d.shape - 1.0) * l).exp_m1() / (d.shape - 1.0)
                };
                difference(y - d.scale, inner)
            }
            Dist::Mixture(m) => {
                return m.live().map(|(p, c0)| p * c0.stop_loss_below(y)).sum();
            }
            _ => {
                return atoms(self)
                    .unwrap_or_default()
                    .iter()
                    .map(|(v, p)| p * (y - v).max(0.0))
                    .sum();
            }
        };
        closed.unwrap_or_else(|| self.integrate_cdf(f64::NEG_INFINITY, y))
    }

    /// `∫_a^b S(x) dx = E[clamp(X - a, 0, b - a)] = C(a) - C(b)` for `a <= b`
    /// (`b` may be infinite), computed without cancellation. Divided by
    /// `b - a` it is the chance that a uniformly placed instant of a window
    /// `[a, b)` falls before `X`: the checkout error probability for a wait
    /// `a` and a poll interval `b - a`.
    pub fn band(&self, a: f64, b: f64) -> f64 {
        if b <= a || a.is_nan() || b.is_nan() {
            return 0.0;
        }
        if let Some(v) = self.as_constant() {
            return (v - a).clamp(0.0, b - a);
        }
        match self {
            Dist::Uniform(d) => {
                // 1 below low, linear over [low, high], 0 above
                let below = (b.min(d.low) - a).max(0.0);
                let (s, t) = (a.max(d.low), b.min(d.high));
                let inside = if t > s {
                    (t - s) * (2.0 * d.high - s - t) / (2.0 * (d.high - d.low))
                } else {
                    0.0
                };
                below + inside
            }
            Dist::Exponential(d) => {
                let below = (b.min(0.0) - a).max(0.0);
                let s = a.max(0.0);
                if b <= s {
                    return below;
                }
                below + d.mean * (-s / d.mean).exp() * -(-(b - s) / d.mean).exp_m1()
            }
            Dist::Pareto(d) => {
                let below = (b.min(d.scale) - a).max(0.0);
                let s = a.max(d.scale);
                if b <= s {
                    return below;
                }
                if b == f64::INFINITY {
                    return below + self.stop_loss(s);
                }
                // s S(s) (1 - (s/b)^(α-1)) / (α - 1), or s S(s) ln(b/s) for α = 1
                let l = (b / s).ln();
                let k = d.shape - 1.0;
                let factor = if k == 0.0 { l } else { -(-k * l).exp_m1() / k };
                below + s * self.survival(s) * factor
            }
            Dist::Mixture(m) => m.live().map(|(p, c)| p * c.band(a, b)).sum(),
            Dist::Percentiles(d) => d.band(a, b),
            Dist::Normal(_) | Dist::LogNormal(_) | Dist::Gamma(_) | Dist::Weibull(_) => {
                let ca = self.stop_loss(a);
                if b == f64::INFINITY {
                    return ca;
                }
                let cb = self.stop_loss(b);
                if cb <= 0.5 * ca {
                    ca - cb
                } else {
                    self.integrate_survival(a, b)
                }
            }
            _ => atoms(self)
                .unwrap_or_default()
                .iter()
                .map(|(v, p)| p * (v - a).clamp(0.0, b - a))
                .sum(),
        }
    }

    /// `∫_a^b F(x) dx = E[clamp(b - X, 0, b - a)]` for `a <= b` (`a` may be
    /// `-inf`), computed without cancellation.
    pub fn band_below(&self, a: f64, b: f64) -> f64 {
        if b <= a || a.is_nan() || b.is_nan() {
            return 0.0;
        }
        if let Some(v) = self.as_constant() {
            return (b - v).clamp(0.0, b - a);
        }
        match self {
            Dist::Mixture(m) => m.live().map(|(p, c)| p * c.band_below(a, b)).sum(),
            Dist::Percentiles(d) => d.band_below(a, b),
            Dist::Constant(_) | Dist::Choice(_) | Dist::Empirical(_) => atoms(self)
                .unwrap_or_default()
                .iter()
                .map(|(v, p)| p * (b - v).clamp(0.0, b - a))
                .sum(),
            _ => {
                let lb = self.stop_loss_below(b);
                if a == f64::NEG_INFINITY {
                    return lb;
                }
                let la = self.stop_loss_below(a);
                if la <= 0.5 * lb {
                    lb - la
                } else {
                    self.integrate_cdf(a, b)
                }
            }
        }
    }

    /// `∫_a^b S(x) dx` by quadrature (`b` may be infinite), for a
    /// continuous kind.
    fn integrate_survival(&self, a: f64, b: f64) -> f64 {
        let (var, mut points) = self.points();
        let Some(&last) = points.last() else {
            return 0.0;
        };
        if var == Var::Log && a < 0.0 {
            // S = 1 below zero for the positive kinds
            return (b.min(0.0) - a) + self.integrate_survival(0.0, b);
        }
        let lo = if var == Var::Log && a <= 0.0 {
            f64::NEG_INFINITY
        } else {
            var.of_x(a)
        };
        let hi = if b == f64::INFINITY {
            last
        } else {
            var.of_x(b)
        };
        points.retain(|&v| v > lo && v < hi);
        let start = if lo == f64::NEG_INFINITY {
            match points.first() {
                Some(&f) => f,
                None => return 0.0,
            }
        } else {
            lo
        };
        points.insert(0, start);
        points.push(hi);
        points.dedup();
        let q = quad::integrate(
            &mut |v| {
                let x = var.to_x(v);
                let s = self.survival(x);
                match var {
                    Var::Linear => s,
                    Var::Log => s * x,
                }
            },
            &points,
            QUAD_REL,
            0.0,
        );
        q.value
    }

    /// `∫_a^b F(x) dx` by quadrature (`a` may be `-inf`), for a continuous
    /// kind.
    fn integrate_cdf(&self, a: f64, b: f64) -> f64 {
        let (var, mut points) = self.points();
        let Some(&first) = points.first() else {
            return 0.0;
        };
        if var == Var::Log && b <= 0.0 {
            return 0.0;
        }
        let lo = if a == f64::NEG_INFINITY || (var == Var::Log && a <= 0.0) {
            first
        } else {
            var.of_x(a)
        };
        let hi = var.of_x(b);
        points.retain(|&v| v > lo && v < hi);
        points.insert(0, lo);
        points.push(hi);
        points.dedup();
        quad::integrate(
            &mut |v| {
                let x = var.to_x(v);
                let f = self.cdf(x);
                match var {
                    Var::Linear => f,
                    Var::Log => f * x,
                }
            },
            &points,
            QUAD_REL,
            0.0,
        )
        .value
    }

    /// The integration variable of a continuous kind and its breakpoints in
    /// that variable, from the 1e-300 quantile to the 1 - 1e-300 one (empty
    /// for the discrete kinds and mixtures).
    fn points(&self) -> (Var, Vec<f64>) {
        let sides = |lower: &dyn Fn(f64) -> f64, upper: &dyn Fn(f64) -> f64| -> Vec<f64> {
            let mut v: Vec<f64> = TAIL_POINTS.iter().map(|&p| lower(p)).collect();
            v.extend(TAIL_POINTS.iter().rev().skip(1).map(|&q| upper(q)));
            v.retain(|x| x.is_finite());
            v.sort_by(f64::total_cmp);
            v.dedup();
            v
        };
        match self {
            Dist::Normal(d) => (
                Var::Linear,
                Z_POINTS.iter().map(|z| d.mean + d.sd * z).collect(),
            ),
            Dist::LogNormal(d) => (
                Var::Log,
                Z_POINTS.iter().map(|z| d.mu + d.sigma * z).collect(),
            ),
            Dist::Percentiles(d) => (Var::Log, d.log_points(&Z_POINTS)),
            Dist::Exponential(d) => (
                Var::Log,
                sides(&|p| (d.mean * -(-p).ln_1p()).ln(), &|q| {
                    (d.mean * -q.ln()).ln()
                }),
            ),
            Dist::Weibull(d) => (
                Var::Log,
                sides(&|p| d.scale.ln() + (-(-p).ln_1p()).ln() / d.shape, &|q| {
                    d.scale.ln() + (-q.ln()).ln() / d.shape
                }),
            ),
            Dist::Pareto(d) => {
                let mut v = vec![d.scale.ln()];
                v.extend(sides(&|p| d.scale.ln() - (-p).ln_1p() / d.shape, &|q| {
                    d.scale.ln() - q.ln() / d.shape
                }));
                v.retain(|u| u.is_finite() && *u < 700.0);
                v.dedup();
                (Var::Log, v)
            }
            Dist::Uniform(d) => (
                Var::Linear,
                (0..=8)
                    .map(|i| d.low + (d.high - d.low) * f64::from(i) / 8.0)
                    .collect(),
            ),
            Dist::Gamma(d) => {
                let pts = d.points.get_or_init(|| {
                    let (k, th) = (d.shape, d.scale);
                    // ln P(k, e^u / θ) and ln Q(k, e^u / θ) are monotone in u
                    let lo_u = th.ln() - 800.0 / k - 5.0;
                    let hi_u = th.ln() + (k + 800.0 + 60.0 * k.sqrt()).ln() + 1.0;
                    let solve = |target: f64, upper: bool| -> f64 {
                        let (mut a, mut b) = (lo_u, hi_u);
                        for _ in 0..80 {
                            let m = 0.5 * (a + b);
                            let x = m.exp() / th;
                            let v = if upper {
                                upper_gamma(k, x)
                            } else {
                                lower_gamma(k, x)
                            };
                            // the tail grows towards its side
                            let below = if upper { v > target } else { v < target };
                            if below {
                                a = m;
                            } else {
                                b = m;
                            }
                        }
                        0.5 * (a + b)
                    };
                    sides(&|p| solve(p, false), &|q| solve(q, true)).into_boxed_slice()
                });
                (Var::Log, pts.to_vec())
            }
            _ => (Var::Linear, Vec::new()),
        }
    }

    /// The density in the integration variable of [`Dist::points`]:
    /// `pdf(x)` for [`Var::Linear`], `x pdf(x)` for [`Var::Log`], computed
    /// in logarithms where it under- or overflows.
    fn density(&self, v: f64) -> f64 {
        match self {
            Dist::Normal(d) => phi((v - d.mean) / d.sd) / d.sd,
            Dist::LogNormal(d) => phi((v - d.mu) / d.sigma) / d.sigma,
            Dist::Percentiles(d) => d.log_density(v),
            Dist::Exponential(d) => (v - d.mean.ln() - v.exp() / d.mean).exp(),
            Dist::Gamma(d) => {
                let lx = v - d.scale.ln();
                (d.shape * lx - lx.exp() - ln_gamma(d.shape)).exp()
            }
            Dist::Weibull(d) => {
                let lt = d.shape * (v - d.scale.ln());
                d.shape * (lt - lt.exp()).exp()
            }
            Dist::Pareto(d) => {
                let l = v - d.scale.ln();
                if l < 0.0 {
                    0.0
                } else {
                    d.shape * (-d.shape * l).exp()
                }
            }
            Dist::Uniform(d) if (d.low..=d.high).contains(&v) => 1.0 / (d.high - d.low),
            _ => 0.0,
        }
    }

    /// `E[f(X)]`, computed deterministically: exact sums for constants,
    /// choices and empirical samples, weighted sums for mixtures, and for the
    /// continuous kinds adaptive Gauss-Kronrod quadrature of `f` against the
    /// density ([`super::quad`]), in `ln x` for the positive kinds, split
    /// at the quantiles 1e-300, 1e-200, ..., 0.5, ..., 1 - 1e-300 and refined
    /// until the estimated error is below 1e-11 of the result. The mass
    /// beyond the 1e-300 quantiles is left out.
    ///
    /// `f` should be smooth between the points listed in `kinks` (where it
    /// may have a kink or a jump): a step that the quadrature's nodes could
    /// straddle must be listed.
    pub fn expect_with(&self, f: &dyn Fn(f64) -> f64, kinks: &[f64]) -> f64 {
        if let Some(c) = self.as_constant() {
            return f(c);
        }
        if let Dist::Mixture(m) = self {
            return m.live().map(|(p, c)| p * c.expect_with(f, kinks)).sum();
        }
        if let Some(atoms) = atoms(self) {
            return atoms.iter().map(|&(v, p)| p * f(v)).sum();
        }
        let (var, mut points) = self.points();
        let (lo, hi) = match (points.first(), points.last()) {
            (Some(&a), Some(&b)) => (a, b),
            _ => return f64::NAN,
        };
        for &k in kinks {
            if var == Var::Log && k <= 0.0 {
                continue;
            }
            let v = var.of_x(k);
            if v > lo && v < hi {
                points.push(v);
            }
        }
        points.sort_by(f64::total_cmp);
        points.dedup();
        quad::integrate(
            &mut |v| {
                let w = self.density(v);
                if w == 0.0 { 0.0 } else { w * f(var.to_x(v)) }
            },
            &points,
            QUAD_REL,
            0.0,
        )
        .value
    }

    /// `E[f(X)]` for an `f` smooth everywhere (see [`Dist::expect_with`]).
    pub fn expect(&self, f: &dyn Fn(f64) -> f64) -> f64 {
        self.expect_with(f, &[])
    }

    /// The inverse survival function: the `x` with `S(x) = q`, for `q` in
    /// `(0, 1)`, accurate for `q` as small as 1e-300 (a continuous kind; the
    /// discrete kinds and mixtures give the smallest `x` with `S(x) <= q`).
    pub fn inverse_survival(&self, q: f64) -> f64 {
        if let Some(v) = self.as_constant() {
            return v;
        }
        let q = q.clamp(f64::MIN_POSITIVE, 1.0);
        match self {
            Dist::Uniform(d) => d.high - q * (d.high - d.low),
            Dist::Normal(d) => d.mean + d.sd * refine_z(z_upper(q), q),
            Dist::LogNormal(d) => (d.mu + d.sigma * refine_z(z_upper(q), q)).exp(),
            Dist::Percentiles(d) => d.inverse_survival(q),
            Dist::Exponential(d) => -d.mean * q.ln(),
            Dist::Weibull(d) => d.scale * (-q.ln()).powf(1.0 / d.shape),
            Dist::Pareto(d) => d.scale * (-q.ln() / d.shape).exp(),
            _ => {
                // bisection on ln S in the integration variable (gamma), or
                // on the atoms' values
                if let Some(mut atoms) = atoms(self) {
                    atoms.sort_by(|a, b| a.0.total_cmp(&b.0));
                    return atoms
                        .iter()
                        .map(|(v, _)| *v)
                        .find(|&v| self.survival(v) <= q)
                        .unwrap_or(f64::NAN);
                }
                self.bisect_survival(q)
            }
        }
    }

    /// The `x` with `S(x) = q` by bisection (gamma, mixtures).
    fn bisect_survival(&self, q: f64) -> f64 {
        let (mut a, mut b) = (self.min_value(), 1.0f64);
        if a == f64::NEG_INFINITY {
            a = -1.0;
            while self.survival(a) < q {
                a *= 2.0;
            }
        }
        while self.survival(b) > q && b < 1e300 {
            b = if b > 0.0 { b * 2.0 } else { 1.0 };
        }
        for _ in 0..200 {
            let m = 0.5 * (a + b);
            if !(m > a && m < b) {
                break;
            }
            if self.survival(m) > q {
                a = m;
            } else {
                b = m;
            }
        }
        0.5 * (a + b)
    }

    /// A draw from the distribution conditioned on `X > c`, by inversion
    /// (`S(c)` must be positive): the tail proposal of the importance
    /// sampler. One uniform draw.
    pub fn sample_beyond<R: Rng + ?Sized>(&self, c: f64, rng: &mut R) -> f64 {
        // u in (0, 1]: 1 - [0, 1)
        let u: f64 = 1.0 - rng.random::<f64>();
        self.tail_quantile(c, u)
    }

    /// The `x` with `S(x) = u S(c)`, `u` in `(0, 1]`: the inverse of the
    /// survival function of `X` given `X > c`.
    fn tail_quantile(&self, c: f64, u: f64) -> f64 {
        match self {
            Dist::Mixture(m) => {
                // pick a component by its share of the tail, then its quantile
                let total = self.survival(c);
                let mut left = u * total;
                let mut last = None;
                for (p, comp) in m.live() {
                    let share = p * comp.survival(c);
                    if share <= 0.0 {
                        continue;
                    }
                    last = Some((comp, share));
                    if left <= share {
                        return comp.tail_quantile(c, left / share);
                    }
                    left -= share;
                }
                last.map_or(f64::NAN, |(comp, _)| comp.tail_quantile(c, 1.0))
            }
            _ => {
                if let Some(mut atoms) = atoms(self) {
                    atoms.retain(|(v, _)| *v > c);
                    atoms.sort_by(|a, b| a.0.total_cmp(&b.0));
                    let total: f64 = atoms.iter().map(|(_, p)| p).sum();
                    let mut acc = 0.0;
                    for &(v, p) in &atoms {
                        acc += p;
                        if u * total <= acc {
                            return v;
                        }
                    }
                    return atoms.last().map_or(f64::NAN, |a| a.0);
                }
                match self {
                    // exact forms that do not go through S(c) u
                    Dist::Exponential(d) => c.max(0.0) - d.mean * u.ln(),
                    Dist::Weibull(d) => {
                        let t = (c.max(0.0) / d.scale).powf(d.shape);
                        d.scale * (t - u.ln()).powf(1.0 / d.shape)
                    }
                    Dist::Pareto(d) => c.max(d.scale) * (-u.ln() / d.shape).exp(),
                    Dist::Uniform(d) => {
                        let s = c.max(d.low);
                        d.high - u * (d.high - s)
                    }
                    _ => self.inverse_survival(u * self.survival(c)).max(c),
                }
            }
        }
    }
}

/// `ψ(z) = E[(Z - z)^+] = φ(z) - z Φc(z)` for a standard normal `Z`.
///
/// For `z < 3` the direct form loses at most a digit. Beyond, it would lose
/// about `2 log10(z)` digits, so it is computed as `φ(z) K / (z + K)` with
/// `K = 1/(z + 2/(z + 3/(z + ...)))`, from Laplace's continued fraction for
/// Mills' ratio `Φc(z)/φ(z) = 1/(z + K)` (Abramowitz and Stegun 1964,
/// 26.2.14): `1 - z Φc/φ = K / (z + K)`, with nothing subtracted.
fn normal_stop_loss(z: f64) -> f64 {
    if z < 3.0 {
        return phi(z) - z * phic(z);
    }
    phi(z) * mills_slope(z)
}

/// `K(z) = 1/(z + 2/(z + 3/(z + ...)))` for `z >= 3`, so that Mills' ratio
/// is `R(z) = Φc(z)/φ(z) = 1/(z + K)` (Laplace's continued fraction,
/// Abramowitz and Stegun 1964, 26.2.14), evaluated bottom-up.
fn mills_tail(z: f64) -> f64 {
    // 600 / z² + 12 levels reach full precision from z = 3 on (measured
    // against mpmath: 60 are needed at z = 3, 30 at z = 5, 20 at z = 8)
    let depth = (600.0 / (z * z) + 12.0).ceil() as u32;
    let mut k = 0.0;
    for n in (2..=depth).rev() {
        k = f64::from(n) / (z + k);
    }
    1.0 / (z + k)
}

/// `1 - z R(z) = ψ(z) / φ(z)`, with `R(z) = Φc(z)/φ(z)` Mills' ratio: the
/// negated derivative of `R`. Positive; computed without cancellation from
/// `z = 3` on as `K / (z + K)` (see [`mills_tail`]).
fn mills_slope(z: f64) -> f64 {
    if z < 3.0 {
        return (phi(z) - z * phic(z)) / phi(z);
    }
    let k = mills_tail(z);
    k / (z + k)
}

/// `R(a) - R(b) = ∫_a^b (1 - t R(t)) dt` for `a < b`.
///
/// The lognormal's stop-loss transform is
/// `C(c) = e^{μ+σ²/2} Φc(d - σ) - c Φc(d)`; since
/// `e^{σ²/2} φ(d - σ) = e^{σ d} φ(d)`, it equals `c φ(d) (R(d - σ) - R(d))`,
/// and the difference of Mills' ratios, about `σ / d²` against terms of
/// `1 / d` deep in the tail, is computed here without erfc: from `a = 3` on
/// both ratios come from the continued fraction (exact to a few ulps), and
/// their difference is taken directly when it keeps at least 1% of `R(a)`;
/// otherwise it is the quadrature of the positive integrand. Likewise
/// `E[(y - X)^+] = y φ(d) (R(-d) - R(σ - d))`.
fn mills_difference(a: f64, b: f64) -> f64 {
    if a >= 3.0 {
        let ra = 1.0 / (a + mills_tail(a));
        let rb = 1.0 / (b + mills_tail(b));
        if rb <= 0.99 * ra {
            return ra - rb;
        }
    }
    let mut pts = vec![a];
    if a < 3.0 && b > 3.0 {
        pts.push(3.0);
    }
    pts.push(b);
    quad::integrate(&mut mills_slope, &pts, 1e-12, 0.0).value
}

/// Two Newton steps on `ln Φc(z) = ln q`, which make `erfc_inv`'s answer
/// exact to the last bits deep in the tail.
pub(super) fn refine_z(z: f64, q: f64) -> f64 {
    let mut z = z;
    for _ in 0..2 {
        let s = phic(z);
        let d = phi(z);
        if s <= 0.0 || d <= 0.0 || !z.is_finite() {
            break;
        }
        // d ln S / dz = -φ/S
        z += (s.ln() - q.ln()) * s / d;
    }
    z
}

#[cfg(test)]
mod expect_tests;
#[cfg(test)]
pub(crate) mod reference;
#[cfg(test)]
mod tests;
