//! Distributions given by their percentiles, as dashboards show them.
//!
//! Three scenario forms end here (see `docs/scenario-reference.md`,
//! "Distributions from percentiles"):
//!
//! - a lognormal through **any two** named percentiles
//!   (`{ lognormal = { p50 = "200ms", p99 = "2s" } }`, `p90`, `p99.9`...):
//!   with `z_i = Φ^-1(p_i)`, `sigma = (ln x_2 - ln x_1) / (z_2 - z_1)` and
//!   `mu = ln x_1 - sigma z_1`; `{ median, p99 }` and `{ p50, p99 }` take the
//!   historical path ([`Dist::lognormal_median_p99`]) and sample identically;
//! - a **90% range**, `"1s to 8s"`: the lognormal whose 5th and 95th
//!   percentiles are the two ends (the Squiggle and Guesstimate convention);
//! - a distribution through **three or more** percentiles,
//!   `{ percentiles = { p50 = .., p90 = .., p99 = .. } }`: a [`PercentileFit`].
//!
//! # Why a piecewise lognormal and not a metalog
//!
//! A [`PercentileFit`] makes `ln Q(p)` piecewise linear in the normal score
//! `z = Φ^-1(p)` through the given points: between two neighbouring
//! percentiles the distribution *is* the lognormal through those two, and
//! beyond the last (or before the first) it continues as the lognormal
//! through the last (first) two. So it
//!
//! - passes exactly through every given percentile, and is valid (a
//!   quantile function that increases) whenever the percentiles increase,
//!   which a metalog is not: a metalog with three or more terms can fail
//!   to be monotone for perfectly ordinary dashboard numbers, and then
//!   has no distribution at all;
//! - has a stated tail: beyond the last given percentile it is the
//!   lognormal through the last two, so `p50, p99, p99.9` pins the far tail
//!   to the slope between p99 and p99.9, and a reviewer reads the tail
//!   assumption off `racesim validate`; a metalog's tail depends on every
//!   term together;
//! - keeps every back-of-envelope quantity exact: on each piece the survival
//!   function, stop-loss transform and quantile are the lognormal's closed
//!   forms ([`super::tail`]), so `S(c)`, `E[(X - c)^+]` and the inverse
//!   survival function are as exact as the lognormal's, where a metalog's
//!   CDF must be found by root-finding;
//! - reduces to the two-percentile lognormal when given two points.
//!
//! The price is a density that jumps at the given percentiles (the quantile
//! function is continuous, its slope is not), which no simulated figure can
//! see.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use super::tail::{phi, phic, refine_z, z_upper};
use super::{Dist, DistError, Unit, invalid, positive};

/// The keys that name a percentile: `median`, or `p` and a level in percent
/// (`p50`, `p99`, `p99.9`; `p99_9` also works and needs no quotes in TOML).
pub const PERCENTILE_KEY: &str = "p<level>";

/// A percentile level, read from a key such as `p99.9`: `p = 0.999` and
/// `q = 1 - p = 0.001`, each the double nearest the decimal written (both
/// come from integers, so `q` keeps its digits deep in the tail).
#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    p: f64,
    q: f64,
    /// The level in percent, as written (`99.9`).
    percent: String,
}

impl Level {
    /// The level of a key: `median` is `p50`; `p` then digits, optionally a
    /// `.` or `_` and more digits, strictly between 0 and 100. `None` for
    /// anything else.
    pub fn parse(key: &str) -> Option<Level> {
        if key == "median" {
            return Level::parse("p50");
        }
        let digits = key.strip_prefix('p')?;
        let (whole, frac) = match digits.split_once(['.', '_']) {
            Some((w, f)) => (w, f),
            None => (digits, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || !all_digits(whole)
            || !all_digits(frac)
            || (digits.len() > whole.len() && frac.is_empty())
            || whole.len() + frac.len() > 15
        {
            return None;
        }
        // the level is n / 10^(2 + frac digits)
        let n: u64 = format!("{whole}{frac}").parse().ok()?;
        let scale = 10u64.checked_pow(2 + u32::try_from(frac.len()).ok()?)?;
        if n == 0 || n >= scale {
            return None;
        }
        let percent = {
            let w = whole.trim_start_matches('0');
            let w = if w.is_empty() { "0" } else { w };
            let f = frac.trim_end_matches('0');
            if f.is_empty() {
                w.to_string()
            } else {
                format!("{w}.{f}")
            }
        };
        Some(Level {
            p: n as f64 / scale as f64,
            q: (scale - n) as f64 / scale as f64,
            percent,
        })
    }

    /// The 5th or 95th percentile, for a 90% range.
    pub(super) fn range_ends() -> (Level, Level) {
        (
            Level::parse("p5").expect("a valid level"),
            Level::parse("p95").expect("a valid level"),
        )
    }

    /// The probability below, `p`.
    pub fn p(&self) -> f64 {
        self.p
    }

    /// The probability above, `1 - p` (exact to the decimal written).
    pub fn q(&self) -> f64 {
        self.q
    }

    /// The canonical key, `p99.9` (`median` is `p50`).
    pub fn label(&self) -> String {
        format!("p{}", self.percent)
    }

    /// The normal score `Φ^-1(p)`, computed on the smaller side (`0` at the
    /// median) from statrs' `erfc_inv`, which is exact to a few ulps here
    /// (measured against mpmath at p1, p5, p10, p90, p95, p99, p99.9). No
    /// Newton step on `erfc`: statrs' `erfc` is off by about 4e-11 relative
    /// at these points, and a step would move `z` by as much; only levels
    /// beyond 1e-10 from either end take the refined tail quantile.
    pub fn z(&self) -> f64 {
        let upper = |q: f64| {
            if q < 1e-10 {
                refine_z(z_upper(q), q)
            } else {
                z_upper(q)
            }
        };
        if self.q == 0.5 {
            0.0
        } else if self.q < 0.5 {
            upper(self.q)
        } else {
            -upper(self.p)
        }
    }
}

/// One given percentile: its level and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Percentile<S> {
    /// The level.
    pub level: Level,
    /// The value (in the distribution's unit).
    pub value: S,
}

/// Checks that `points`, sorted by level, have positive values that
/// increase with the level: strictly when `strict` (a fit through three or
/// more), else at least not decreasing (two equal values are a constant).
/// `what` names the distribution in messages.
pub(super) fn check_points(
    what: &str,
    points: &[(Level, f64)],
    strict: bool,
    unit: Unit,
) -> Result<(), DistError> {
    for (level, x) in points {
        positive(&format!("{what} {}", level.label()), *x, unit)?;
    }
    for pair in points.windows(2) {
        let ((l1, x1), (l2, x2)) = (&pair[0], &pair[1]);
        if l1.p == l2.p {
            return Err(invalid(format!(
                "{what}: {} is given twice (`median` is p50)",
                l1.label()
            )));
        }
        if x2 < x1 || (strict && x2 == x1) {
            return Err(invalid(format!(
                "{what}: the percentiles must increase with their level, but {} ({}) is {} {} ({})",
                l2.label(),
                unit.show(*x2),
                if x2 == x1 { "equal to" } else { "below" },
                l1.label(),
                unit.show(*x1),
            )));
        }
    }
    Ok(())
}

/// `(mu, sigma)` of the lognormal through two percentiles, `lo` below `hi`
/// in level and not above in value (checked by [`check_points`]).
pub(super) fn lognormal_through(lo: (&Level, f64), hi: (&Level, f64)) -> (f64, f64) {
    let (z1, z2) = (lo.0.z(), hi.0.z());
    let (y1, y2) = (lo.1.ln(), hi.1.ln());
    let sigma = (y2 - y1) / (z2 - z1);
    // from the point nearer the median: its z is smaller, so is the error
    let mu = if z1.abs() <= z2.abs() {
        y1 - sigma * z1
    } else {
        y2 - sigma * z2
    };
    (mu, sigma)
}

/// One piece of a [`PercentileFit`]: `ln X = a + b Z` for the standard
/// normal `Z` in `[z_lo, z_hi]`, i.e. `X` in `[x_lo, x_hi]`.
#[derive(Debug, Clone)]
struct Piece {
    a: f64,
    b: f64,
    z_hi: f64,
    /// `ln x_hi`.
    y_hi: f64,
    x_lo: f64,
    x_hi: f64,
    /// The whole lognormal `(a, b)`, whose closed forms hold on this piece.
    lognormal: Dist,
}

/// A distribution through three or more percentiles: `ln Q(p)` piecewise
/// linear in `z = Φ^-1(p)` through the given points, continued below the
/// first and beyond the last by the lognormal through the first (last) two
/// (see the module docs for why this and not a metalog).
#[derive(Debug, Clone)]
pub struct PercentileFit {
    points: Vec<(Level, f64)>,
    pieces: Vec<Piece>,
    mean: f64,
}

impl PercentileFit {
    /// Fits through `points` (at least three; sorted here by level).
    pub(super) fn new(mut points: Vec<(Level, f64)>, unit: Unit) -> Result<Self, DistError> {
        points.sort_by(|a, b| a.0.p.total_cmp(&b.0.p));
        if points.len() < 3 {
            return Err(invalid(format!(
                "percentiles needs at least three percentiles, got {}; for two, write {{ lognormal = {{ {} }} }}",
                points.len(),
                points
                    .iter()
                    .map(|(l, _)| format!("{} = ..", l.label()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        check_points("percentiles", &points, true, unit)?;
        let n = points.len();
        let z: Vec<f64> = points.iter().map(|(l, _)| l.z()).collect();
        let x: Vec<f64> = points.iter().map(|(_, x)| *x).collect();
        let mut pieces = Vec::with_capacity(n + 1);
        for k in 0..=n {
            // the pair of knots whose line this piece follows
            let (i, j) = match k {
                0 => (0, 1),
                k if k == n => (n - 2, n - 1),
                k => (k - 1, k),
            };
            let (a, b) = lognormal_through((&points[i].0, x[i]), (&points[j].0, x[j]));
            let (x_lo, x_hi) = match k {
                0 => (0.0, x[0]),
                k if k == n => (x[n - 1], f64::INFINITY),
                k => (x[k - 1], x[k]),
            };
            let z_hi = z.get(k).copied().unwrap_or(f64::INFINITY);
            pieces.push(Piece {
                a,
                b,
                z_hi,
                y_hi: x_hi.ln(),
                x_lo,
                x_hi,
                lognormal: Dist::lognormal(a, b)?,
            });
        }
        let mut fit = PercentileFit {
            points,
            pieces,
            mean: 0.0,
        };
        fit.mean = fit.partial_means();
        Ok(fit)
    }

    /// The given percentiles, by level.
    pub fn points(&self) -> &[(Level, f64)] {
        &self.points
    }

    /// `(mu, sigma)` of the lognormal below the first given percentile and
    /// of the one beyond the last: the two tails.
    pub fn tails(&self) -> ((f64, f64), (f64, f64)) {
        let first = &self.pieces[0];
        let last = &self.pieces[self.pieces.len() - 1];
        ((first.a, first.b), (last.a, last.b))
    }

    /// The mean: `Σ e^{a + b²/2} P(z_lo - b < Z < z_hi - b)` over the pieces.
    pub fn mean(&self) -> f64 {
        self.mean
    }

    fn partial_means(&self) -> f64 {
        let mut z_lo = f64::NEG_INFINITY;
        let mut sum = 0.0;
        for piece in &self.pieces {
            sum += (piece.a + piece.b * piece.b / 2.0).exp()
                * normal_interval(z_lo - piece.b, piece.z_hi - piece.b);
            z_lo = piece.z_hi;
        }
        sum
    }

    /// The piece whose values contain `x > 0`.
    fn piece_at(&self, x: f64) -> &Piece {
        let k = self.pieces.partition_point(|p| p.x_hi < x);
        &self.pieces[k.min(self.pieces.len() - 1)]
    }

    /// The piece whose normal scores contain `z`.
    fn piece_at_z(&self, z: f64) -> &Piece {
        let k = self.pieces.partition_point(|p| p.z_hi < z);
        &self.pieces[k.min(self.pieces.len() - 1)]
    }

    /// Draws one value: `exp(a + b Z)` on `Z`'s piece (inversion of the
    /// quantile function through one standard normal draw).
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let z: f64 = StandardNormal.sample(rng);
        self.quantile_z(z)
    }

    /// `Q(Φ(z))`.
    fn quantile_z(&self, z: f64) -> f64 {
        let p = self.piece_at_z(z);
        (p.a + p.b * z).exp()
    }

    /// `P(X > c)`.
    pub(super) fn survival(&self, c: f64) -> f64 {
        if c <= 0.0 {
            return 1.0;
        }
        self.piece_at(c).lognormal.survival(c)
    }

    /// `P(X <= c)`.
    pub(super) fn cdf(&self, c: f64) -> f64 {
        if c <= 0.0 {
            return 0.0;
        }
        self.piece_at(c).lognormal.cdf(c)
    }

    /// `∫_a^b S(x) dx` for `0 <= a <= b`: on each piece, its lognormal's
    /// band (the survival functions agree there).
    pub(super) fn band(&self, a: f64, b: f64) -> f64 {
        let below = (b.min(0.0) - a).max(0.0);
        let a = a.max(0.0);
        below
            + self
                .pieces
                .iter()
                .map(|p| {
                    let (s, t) = (a.max(p.x_lo), b.min(p.x_hi));
                    if t > s { p.lognormal.band(s, t) } else { 0.0 }
                })
                .sum::<f64>()
    }

    /// `∫_a^b F(x) dx`, piece by piece as [`PercentileFit::band`].
    pub(super) fn band_below(&self, a: f64, b: f64) -> f64 {
        self.pieces
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let lo = if k == 0 { f64::NEG_INFINITY } else { p.x_lo };
                let (s, t) = (a.max(lo), b.min(p.x_hi));
                if t > s {
                    p.lognormal.band_below(s, t)
                } else {
                    0.0
                }
            })
            .sum()
    }

    /// `E[(X - c)^+]`.
    pub(super) fn stop_loss(&self, c: f64) -> f64 {
        if c <= 0.0 {
            return self.mean - c;
        }
        self.band(c, f64::INFINITY)
    }

    /// `E[(y - X)^+]`.
    pub(super) fn stop_loss_below(&self, y: f64) -> f64 {
        if y <= 0.0 {
            return 0.0;
        }
        self.band_below(f64::NEG_INFINITY, y)
    }

    /// The `x` with `S(x) = q`.
    pub(super) fn inverse_survival(&self, q: f64) -> f64 {
        self.quantile_z(refine_z(z_upper(q), q))
    }

    /// Breakpoints in `ln x` for [`Dist::expect`]: `points` (normal scores)
    /// mapped through each piece, and the given percentiles.
    pub(super) fn log_points(&self, z_points: &[f64]) -> Vec<f64> {
        let mut v: Vec<f64> = z_points
            .iter()
            .map(|&z| {
                let p = self.piece_at_z(z);
                p.a + p.b * z
            })
            .collect();
        v.extend(self.points.iter().map(|(_, x)| x.ln()));
        v.sort_by(f64::total_cmp);
        v.dedup();
        v
    }

    /// `x f(x)` at `x = e^v`: `φ(z) / b` on `v`'s piece.
    pub(super) fn log_density(&self, v: f64) -> f64 {
        let k = self.pieces.partition_point(|p| p.y_hi < v);
        let p = &self.pieces[k.min(self.pieces.len() - 1)];
        phi((v - p.a) / p.b) / p.b
    }
}

/// A value for people: 4 significant digits, in a duration unit when
/// `duration` (seconds otherwise plain).
fn show(x: f64, duration: bool) -> String {
    use crate::fmt::fmt_num;
    if !duration || !x.is_finite() || x == 0.0 {
        return fmt_num(x);
    }
    let (scale, unit) = match x {
        x if x < 1e-6 => (1e9, "ns"),
        x if x < 1e-3 => (1e6, "us"),
        x if x < 1.0 => (1e3, "ms"),
        x if x < 600.0 => (1.0, "s"),
        x if x < 36_000.0 => (1.0 / 60.0, "m"),
        _ => (1.0 / 3600.0, "h"),
    };
    format!("{}{unit}", fmt_num(x * scale))
}

impl<S: super::Scalar> super::RawDist<S> {
    /// For a distribution given by percentiles in one of the forms of this
    /// module (two named percentiles other than `{ median, p99 }`, a 90%
    /// range, a fit through three or more), what `racesim validate` prints
    /// of it: the percentiles given, the fitted parameters (`mu`, `sigma` of
    /// the lognormal, in the log of seconds for durations; the tail
    /// lognormals of a fit), and the implied mean and 99.9th percentile.
    /// `None` for every other form.
    pub fn fitted_summary(&self, dist: &Dist) -> Option<String> {
        use super::RawDist;
        let duration = S::IS_DURATION;
        let given = |points: &[(String, f64)]| {
            points
                .iter()
                .map(|(k, x)| format!("{k} = {}", show(*x, duration)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let params = |mu: f64, sigma: f64| {
            format!(
                "mu = {}, sigma = {} (median {})",
                crate::fmt::fmt_num(mu),
                crate::fmt::fmt_num(sigma),
                show(mu.exp(), duration)
            )
        };
        let what = match (self, dist) {
            (RawDist::LogNormalPercentiles { low, high, range }, Dist::LogNormal(l)) => {
                let points = [
                    (low.level.label(), low.value.to_f64()),
                    (high.level.label(), high.value.to_f64()),
                ];
                format!(
                    "lognormal {} {}: {}",
                    if *range {
                        "from the 90% range"
                    } else {
                        "through"
                    },
                    given(&points),
                    params(l.mu(), l.sigma())
                )
            }
            (RawDist::Percentiles(_), Dist::Percentiles(fit)) => {
                let points: Vec<(String, f64)> =
                    fit.points().iter().map(|(l, x)| (l.label(), *x)).collect();
                let ((mu0, s0), (mu1, s1)) = fit.tails();
                format!(
                    "piecewise lognormal through {}; below {}: lognormal {}; beyond {}: lognormal {}",
                    given(&points),
                    points[0].0,
                    params(mu0, s0),
                    points[points.len() - 1].0,
                    params(mu1, s1)
                )
            }
            _ => return None,
        };
        Some(format!(
            "{what}; mean {}, p99.9 {}",
            show(dist.mean(), duration),
            show(dist.inverse_survival(1e-3), duration)
        ))
    }
}

/// `P(l < Z < u)` for a standard normal `Z`, from the tail on the side
/// away from the mass (no `1 - x` for tails).
fn normal_interval(l: f64, u: f64) -> f64 {
    if u <= l {
        0.0
    } else if l >= 0.0 {
        phic(l) - phic(u)
    } else if u <= 0.0 {
        phic(-u) - phic(-l)
    } else {
        1.0 - phic(u) - phic(-l)
    }
}

#[cfg(test)]
mod reference;
#[cfg(test)]
mod tests;
