#!/usr/bin/env python3
"""Reference values for racesim's tail functions (src/dist/tail.rs tests).

Every value is computed with mpmath at 60 significant digits, from the
textbook definitions (erfc, the regularised incomplete gamma functions,
direct quadrature where a closed form would be circular), independently of
the Rust code. Regenerate with

    pip install mpmath
    python3 tests/data/tail_reference.py > src/dist/tail/reference.rs

and check the diff: the values must not change.
"""
from mpmath import mp, mpf, log, exp, sqrt, erfc, gamma, gammainc, quad, inf, erfinv

mp.dps = 60

Z99 = sqrt(2) * erfinv(2 * mpf("0.99") - 1)


def phic(z):
    return erfc(z / sqrt(2)) / 2


def phi(z):
    return exp(-z * z / 2) / sqrt(2 * mp.pi)


def Q(a, x):
    return gammainc(a, x, inf, regularized=True)


def P(a, x):
    return gammainc(a, 0, x, regularized=True)


class Normal:
    def __init__(s, m, sd, rust):
        s.m, s.sd, s.rust = mpf(m), mpf(sd), rust

    def S(s, c):
        return phic((c - s.m) / s.sd)

    def F(s, c):
        return phic((s.m - c) / s.sd)

    def C(s, c):
        z = (c - s.m) / s.sd
        return s.sd * (phi(z) - z * phic(z))

    def L(s, y):
        z = (y - s.m) / s.sd
        return s.sd * (phi(z) + z * phic(-z))


class LogNormal:
    def __init__(s, mu, sigma, rust):
        s.mu, s.sigma, s.rust = mu, sigma, rust

    def S(s, c):
        return phic((log(c) - s.mu) / s.sigma)

    def F(s, c):
        return phic((s.mu - log(c)) / s.sigma)

    def C(s, c):
        d = (log(c) - s.mu) / s.sigma
        return exp(s.mu + s.sigma**2 / 2) * phic(d - s.sigma) - c * phic(d)

    def L(s, y):
        d = (log(y) - s.mu) / s.sigma
        return y * phic(-d) - exp(s.mu + s.sigma**2 / 2) * phic(s.sigma - d)


class Exponential:
    def __init__(s, m, rust):
        s.m, s.rust = mpf(m), rust

    def S(s, c):
        return exp(-c / s.m)

    def F(s, c):
        return 1 - exp(-c / s.m)

    def C(s, c):
        return s.m * exp(-c / s.m)

    def L(s, y):
        return y - s.m + s.m * exp(-y / s.m)


class Gamma:
    def __init__(s, k, th, rust):
        s.k, s.th, s.rust = mpf(k), mpf(th), rust

    def S(s, c):
        return Q(s.k, c / s.th)

    def F(s, c):
        return P(s.k, c / s.th)

    def C(s, c):
        x = c / s.th
        return s.k * s.th * Q(s.k + 1, x) - c * Q(s.k, x)

    def L(s, y):
        x = y / s.th
        return y * P(s.k, x) - s.k * s.th * P(s.k + 1, x)


class Weibull:
    def __init__(s, k, lam, rust):
        s.k, s.lam, s.rust = mpf(k), mpf(lam), rust

    def S(s, c):
        return exp(-((c / s.lam) ** s.k))

    def F(s, c):
        return 1 - exp(-((c / s.lam) ** s.k))

    def C(s, c):
        t = (c / s.lam) ** s.k
        a = 1 + 1 / s.k
        return s.lam * gamma(a) * Q(a, t) - c * exp(-t)

    def L(s, y):
        t = (y / s.lam) ** s.k
        a = 1 + 1 / s.k
        return y * (1 - exp(-t)) - s.lam * gamma(a) * P(a, t)


class Pareto:
    def __init__(s, xm, a, rust):
        s.xm, s.a, s.rust = mpf(xm), mpf(a), rust

    def S(s, c):
        return (s.xm / c) ** s.a if c > s.xm else mpf(1)

    def F(s, c):
        return 1 - s.S(c)

    def C(s, c):
        return c * s.S(c) / (s.a - 1)

    def L(s, y):
        return quad(s.F, [s.xm, y])


class Uniform:
    def __init__(s, lo, hi, rust):
        s.lo, s.hi, s.rust = mpf(lo), mpf(hi), rust

    def S(s, c):
        return min(1, max(0, (s.hi - c) / (s.hi - s.lo)))

    def F(s, c):
        return 1 - s.S(c)

    def C(s, c):
        return quad(s.S, [c, s.lo, s.hi]) if c < s.lo else quad(s.S, [c, s.hi])

    def L(s, y):
        return quad(s.F, [s.lo, y])


class Mixture:
    def __init__(s, parts, rust):
        s.parts, s.rust = parts, rust

    def S(s, c):
        return sum(w * d.S(c) for w, d in s.parts)

    def F(s, c):
        return sum(w * d.F(c) for w, d in s.parts)

    def C(s, c):
        return sum(w * d.C(c) for w, d in s.parts)

    def L(s, y):
        return sum(w * d.L(y) for w, d in s.parts)


def band(d, a, b):
    # the integral of the survival function, by quadrature (not C(a) - C(b))
    return quad(d.S, [a, (a + b) / 2, b])


def band_below(d, a, b):
    return quad(d.F, [a, (a + b) / 2, b])


LISA_MU = log(mpf("1.5"))
LISA_SIGMA = (log(mpf(6)) - log(mpf("1.5"))) / Z99
lisa = LogNormal(LISA_MU, LISA_SIGMA, 'Dist::lognormal_median_p99(1.5, 6.0)')

CASES = [
    (Normal(10, 2, "Dist::normal(10.0, 2.0)"), [12, 15, 20, 24, 26], [8, 5, 0, -4]),
    (lisa, [6, "15.2", "30.2", 60, 170, 250], ["0.5", "0.1", "0.02"]),
    (LogNormal(mpf(0), mpf("0.05"), "Dist::lognormal(0.0, 0.05)"), ["1.1", "1.3", "1.45"], ["0.9", "0.75"]),
    (Exponential(2, "Dist::exponential(2.0)"), [5, 20, 40, 60, 69], ["0.5", "1e-3", "1e-8"]),
    (Gamma("2.5", "0.8", "Dist::gamma(2.5, 0.8)"), [4, 10, 20, 32], ["0.1", "1e-3"]),
    (Gamma("0.4", 3, "Dist::gamma(0.4, 3.0)"), [5, 30, 90], ["1e-2", "1e-6"]),
    (Weibull("1.7", 2, "Dist::weibull(1.7, 2.0)"), [3, 8, 12, 16], ["0.01", "1e-4"]),
    (Weibull("0.6", 1, "Dist::weibull(0.6, 1.0)"), [5, 50, 364], ["1e-3"]),
    (Pareto(1, "2.5", "Dist::pareto(1.0, 2.5)"), [10, 1000, 1000000], ["1.001", "1.5"]),
    (Uniform(1, 3, "Dist::uniform(1.0, 3.0)"), ["0.5", "2.5", "2.999999"], ["1.000001", "2"]),
    (
        Mixture([(mpf("0.99"), lisa), (mpf("0.01"), Exponential(600, ""))],
                "Dist::mixture([(99.0, Dist::lognormal_median_p99(1.5, 6.0).unwrap()), (1.0, Dist::exponential(600.0).unwrap())])"),
        [30, 3000, 20000],
        ["0.1"],
    ),
]

BANDS = [
    (lisa, "15.2", "315.2"),
    (lisa, "60", "60.0009765625"),
    (lisa, "170", "470"),
    (Exponential(1000, "Dist::exponential(1000.0)"), "30000", "30000.0009765625"),
    (Gamma("2.5", "0.8", "Dist::gamma(2.5, 0.8)"), "30", "30.0001220703125"),
    (Weibull("1.7", 2, "Dist::weibull(1.7, 2.0)"), "15", "15.0000152587890625"),
    (Pareto(1, "1.5", "Dist::pareto(1.0, 1.5)"), "10000", "10001"),
    (Pareto(1, "0.8", "Dist::pareto(1.0, 0.8)"), "1000000", "1000100"),
    (Normal(10, 2, "Dist::normal(10.0, 2.0)"), "25", "25.0009765625"),
    (Uniform(1, 3, "Dist::uniform(1.0, 3.0)"), "2.875", "2.87500011920928955078125"),
]

BANDS_BELOW = [
    (Exponential(2, "Dist::exponential(2.0)"), "0", "1e-6"),
    (lisa, "0.05", "0.05009765625"),
    (Gamma("2.5", "0.8", "Dist::gamma(2.5, 0.8)"), "0.0009765625", "0.0010986328125"),
    (Weibull("1.7", 2, "Dist::weibull(1.7, 2.0)"), "0.0001220703125", "0.0001373291015625"),
]

INVERSE = [
    (lisa, "1e-12"),
    (Normal(10, 2, "Dist::normal(10.0, 2.0)"), "1e-200"),
    (Gamma("2.5", "0.8", "Dist::gamma(2.5, 0.8)"), "1e-12"),
    (Weibull("0.6", 1, "Dist::weibull(0.6, 1.0)"), "1e-15"),
]


def f(x):
    s = mp.nstr(mpf(x), 17, min_fixed=0, max_fixed=0)
    return s if ("." in s or "e" in s) else s + ".0"


def lit(x):
    s = str(x)
    return s if ("." in s or "e" in s) else s + ".0"


print("// Generated by tests/data/tail_reference.py (mpmath, 60 digits): do not edit.")
print("#![allow(clippy::excessive_precision, clippy::type_complexity)]")
print()
print("use crate::dist::Dist;")
print()
print("// (distribution, [(c, S(c), F(c), E[(X - c)^+])], [(y, E[(y - X)^+], F(y))])")
print("#[rustfmt::skip]")
print("pub(crate) fn cases() -> Vec<(Dist, Vec<[f64; 4]>, Vec<[f64; 3]>)> {")
print("    vec![")
for d, cs, ys in CASES:
    print(f"        ({d.rust}.unwrap(), vec![")
    for c in cs:
        c = mpf(c)
        print(f"            [{lit(c)}, {f(d.S(c))}, {f(d.F(c))}, {f(d.C(c))}],")
    print("        ], vec![")
    for y in ys:
        y = mpf(y)
        print(f"            [{lit(y)}, {f(d.L(y))}, {f(d.F(y))}],")
    print("        ]),")
print("    ]")
print("}")
print()
print("// (distribution, a, b, ∫_a^b S(x) dx by quadrature)")
print("#[rustfmt::skip]")
print("pub(crate) fn bands() -> Vec<(Dist, f64, f64, f64)> {")
print("    vec![")
for d, a, b in BANDS:
    print(f"        ({d.rust}.unwrap(), {lit(a)}, {lit(b)}, {f(band(d, mpf(a), mpf(b)))}),")
print("    ]")
print("}")
print()
print("// (distribution, a, b, ∫_a^b F(x) dx by quadrature)")
print("#[rustfmt::skip]")
print("pub(crate) fn bands_below() -> Vec<(Dist, f64, f64, f64)> {")
print("    vec![")
for d, a, b in BANDS_BELOW:
    print(f"        ({d.rust}.unwrap(), {lit(a)}, {lit(b)}, {f(band_below(d, mpf(a), mpf(b)))}),")
print("    ]")
print("}")
print()
print("// (distribution, q, x with S(x) = q)")
print("#[rustfmt::skip]")
print("pub(crate) fn inverse() -> Vec<(Dist, f64, f64)> {")
print("    vec![")
for d, q in INVERSE:
    qq = mpf(q)
    x = mp.findroot(lambda x: log(d.S(x)) - log(qq), mpf(1) if not isinstance(d, Normal) else mpf(70), tol=mpf(10) ** -40) if False else None
    # bracketed solve in log space (robust): bisection on ln S
    lo, hi = (mpf("1e-6"), mpf(1e6)) if not isinstance(d, Normal) else (mpf(0), mpf(200))
    for _ in range(300):
        m = (lo + hi) / 2 if isinstance(d, Normal) else sqrt(lo * hi)
        if d.S(m) > qq:
            lo = m
        else:
            hi = m
    print(f"        ({d.rust}.unwrap(), {q}, {f((lo + hi) / 2)}),")
print("    ]")
print("}")
print()

# E[f(X)] references.
#
# 1. The checkout error probability with both latencies random: the redirect
#    latency L is lisa's lognormal, the move delay D exponential (mean 2 s),
#    the wait c = 15 s and the poll interval P = 300 s:
#    E_D[ ∫_{c+D}^{c+D+P} S_L(x) dx / P ].
P_ = mpf(300)
D = Exponential(2, "")


def err(d):
    a = mpf(15) + d
    return band(lisa, a, a + P_) / P_


both = quad(lambda d: err(d) * exp(-d / 2) / 2, [0, 2, 10, 40, 120])
print("// E_D[band_L(15 + D, 315 + D) / 300], L lisa's lognormal, D exponential mean 2 s")
print("#[rustfmt::skip]")
print(f"pub(crate) const BOTH_RANDOM: f64 = {f(both)};")


# 2. The terminal model's E[max(0, N - 999)], N Poisson with a mean drawn
#    from a lognormal (median 280, p99 620): for N ~ Poisson(m),
#    E[(N - r)^+] = m P(N >= r) - r P(N >= r + 1), P(N >= r) = P(r, m).
def excess(m, r=999):
    return m * P(r, m) - r * P(r + 1, m)


TM = log(mpf(280))
TS = (log(mpf(620)) - log(mpf(280))) / Z99
dens = lambda m: exp(-((log(m) - TM) ** 2) / (2 * TS**2)) / (m * TS * sqrt(2 * mp.pi))
ex = quad(lambda m: excess(m) * dens(m), [1, 100, 280, 600, 800, 1000, 1200, 1500, 2500, 5000, 20000])
print("// E[E[max(0, N - 999) | M]], N ~ Poisson(M), M lognormal (median 280, p99 620)")
print("#[rustfmt::skip]")
print(f"pub(crate) const TERMINAL_EXCESS: f64 = {f(ex)};")

# 3. The lisa rates of issue 13: the error probability for a transfer clock
#    ahead by s (g = P = 300 s, D = 200 ms).
print("// lisa: (C(c) - C(c + P)) / P, c = 0.2 + 300 - s, for s = 285, 280, 270, 360 s")
rates = []
for s in ["285", "280", "270", "360"]:
    c = mpf("0.2") + max(0, mpf(300) - mpf(s))
    rates.append(f"[{s}.0, {f((lisa.C(c) - lisa.C(c + P_)) / P_)}]")
print("#[rustfmt::skip]")
print(f"pub(crate) const LISA_RATES: [[f64; 2]; 4] = [{', '.join(rates)}];")
lo, hi = mpf(280), mpf(285)
for _ in range(200):
    m = (lo + hi) / 2
    c = mpf("0.2") + mpf(300) - m
    if (lisa.C(c) - lisa.C(c + P_)) / P_ < mpf("1e-7"):
        lo = m
    else:
        hi = m
print("// lisa: the skew s with error rate 1e-7 exactly")
print("#[rustfmt::skip]")
print(f"pub(crate) const LISA_SKEW_1E7: f64 = {f(lo)};")
