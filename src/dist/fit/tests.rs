//! Distributions from percentiles against values computed independently
//! with mpmath at 60 digits (`tests/data/fit_reference.py`, stored in
//! `reference.rs`), their scenario forms and their errors.

use std::path::Path;

use serde::Deserialize;

use super::reference::{FITS, LOGNORMALS};
use super::*;
use crate::dist::RawDist;
use crate::engine::Streams;
use crate::units::DurationValue;

#[track_caller]
fn close(what: &str, got: f64, want: f64, rel: f64) {
    let err = if want == 0.0 {
        got.abs()
    } else {
        (got / want - 1.0).abs()
    };
    assert!(
        err <= rel,
        "{what}: got {got:e}, mpmath {want:e} (relative error {err:e})"
    );
}

fn level(key: &str) -> Level {
    Level::parse(key).unwrap_or_else(|| panic!("{key} is a level"))
}

#[derive(Debug, Deserialize)]
struct NumberDoc {
    d: RawDist<f64>,
}

#[derive(Debug, Deserialize)]
struct DurationDoc {
    d: RawDist<DurationValue>,
}

fn number(src: &str) -> Dist {
    match toml::from_str::<NumberDoc>(src) {
        Ok(doc) => doc.d.build(Path::new(".")).unwrap(),
        Err(e) => panic!("{src}\n{e}"),
    }
}

fn duration(src: &str) -> Dist {
    match toml::from_str::<DurationDoc>(src) {
        Ok(doc) => doc.d.build(Path::new(".")).unwrap(),
        Err(e) => panic!("{src}\n{e}"),
    }
}

/// The error for `src` (a duration distribution) names the line (toml's
/// caret) and contains every needle.
#[track_caller]
fn error(src: &str, needles: &[&str]) {
    let message = match toml::from_str::<DurationDoc>(src) {
        Ok(doc) => panic!("accepted {src}: {doc:?}"),
        Err(e) => e.to_string(),
    };
    assert!(message.contains('^'), "no caret in:\n{message}");
    assert!(message.contains("line 1"), "no line in:\n{message}");
    for needle in needles {
        assert!(message.contains(needle), "{needle:?} not in:\n{message}");
    }
}

fn lognormal_of(d: &Dist) -> (f64, f64) {
    match d {
        Dist::LogNormal(l) => (l.mu(), l.sigma()),
        other => panic!("not a lognormal: {other:?}"),
    }
}

fn draws(d: &Dist, n: usize) -> Vec<f64> {
    let mut rng = Streams::new(7, 0).stream("test");
    (0..n).map(|_| d.sample(&mut rng)).collect()
}

#[test]
fn levels_are_read_from_their_keys() {
    let l = level("p99.9");
    assert_eq!((l.p(), l.q(), l.label()), (0.999, 0.001, "p99.9".into()));
    assert_eq!(level("p99_9"), l);
    assert_eq!(level("median"), level("p50"));
    assert_eq!(level("p50").z(), 0.0);
    assert_eq!(level("p05").label(), "p5");
    assert_eq!(level("p99.990").q(), 1e-4);
    for bad in [
        "p0", "p100", "p", "p99.", "p-1", "q50", "p1e2", "p50 ", "P50",
    ] {
        assert!(Level::parse(bad).is_none(), "{bad}");
    }
    // Φ^-1(0.99), mpmath at 50 digits: 2.3263478740408411008856061...
    assert_eq!(level("p99").z(), crate::dist::Z_99);
    // Φ^-1(1e-6) (p0.0001): -4.753424308822898...
    close(
        "z(p0.0001)",
        level("p0.0001").z(),
        -4.753_424_308_822_899,
        1e-14,
    );
}

#[test]
fn two_percentile_lognormals_match_mpmath() {
    for &(k1, x1, k2, x2, mu, sigma, mean, rows) in LOGNORMALS {
        let quoted = |k: &str| format!("\"{k}\"");
        let src = format!(
            "d = {{ lognormal = {{ {} = {x2}, {} = {x1} }} }}",
            quoted(k2),
            quoted(k1)
        );
        let d = number(&src);
        let (m, s) = lognormal_of(&d);
        close(&format!("{src} mu"), m, mu, 1e-12);
        close(&format!("{src} sigma"), s, sigma, 1e-12);
        close(&format!("{src} mean"), d.mean(), mean, 1e-9);
        close(
            &format!("{src} Q({k1})"),
            d.inverse_survival(level(k1).q()),
            x1,
            1e-9,
        );
        close(
            &format!("{src} Q({k2})"),
            d.inverse_survival(level(k2).q()),
            x2,
            1e-9,
        );
        for &[c, s_c, c_c] in rows {
            close(&format!("{src} S({c})"), d.survival(c), s_c, 1e-9);
            close(&format!("{src} C({c})"), d.stop_loss(c), c_c, 1e-9);
        }
    }
}

#[test]
fn median_and_p99_keep_their_exact_sampling_by_any_name() {
    let old = Dist::lognormal_median_p99(0.2, 2.0).unwrap();
    let want = draws(&old, 50);
    for src in [
        "d = { lognormal = { median = 0.2, p99 = 2 } }",
        "d = { lognormal = { p99 = 2, p50 = 0.2 } }",
        "d = { lognormal = { p50 = 0.2, p99 = 2.0 } }",
    ] {
        let d = number(src);
        assert_eq!(lognormal_of(&d), lognormal_of(&old), "{src}");
        assert_eq!(draws(&d, 50), want, "{src}");
    }
}

#[test]
fn a_90_percent_range_is_the_lognormal_through_p5_and_p95() {
    let range = duration(r#"d = "1s to 8s""#);
    let table = duration(r#"d = { lognormal = { p5 = "1s", p95 = "8s" } }"#);
    assert_eq!(lognormal_of(&range), lognormal_of(&table));
    // mpmath: mu = ln 8 / 2, sigma = ln 8 / (2 Φ^-1(0.95)) (LOGNORMALS[1])
    let (_, _, _, _, mu, sigma, _, _) = LOGNORMALS[1];
    close("range mu", lognormal_of(&range).0, mu, 1e-12);
    close("range sigma", lognormal_of(&range).1, sigma, 1e-12);
    assert_eq!(
        lognormal_of(&number(r#"d = "2.5 to 40""#)),
        lognormal_of(&number("d = { lognormal = { p5 = 2.5, p95 = 40 } }"))
    );
    // a duration range in milliseconds is the same law in seconds
    let ms = duration(r#"d = "200ms to 1.6s""#);
    let (m, s) = lognormal_of(&ms);
    close("ms range mu", m, mu + 0.2f64.ln(), 1e-12);
    close("ms range sigma", s, sigma, 1e-12);
}

#[test]
fn fits_through_three_or_more_percentiles_match_mpmath() {
    for &(points, mean, second, uppers, lowers, quantiles, bands) in FITS {
        let fit = Dist::percentiles(points.iter().map(|&(k, x)| (level(k), x)).collect()).unwrap();
        let what = format!("{points:?}");
        close(&format!("{what} mean"), fit.mean(), mean, 1e-9);
        close(
            &format!("{what} E[X^2]"),
            fit.expect(&|x| x * x),
            second,
            1e-9,
        );
        for &[c, s, f, sl] in uppers {
            close(&format!("{what} S({c})"), fit.survival(c), s, 1e-9);
            close(&format!("{what} F({c})"), fit.cdf(c), f, 1e-9);
            close(&format!("{what} C({c})"), fit.stop_loss(c), sl, 1e-9);
        }
        for &[y, l] in lowers {
            close(&format!("{what} L({y})"), fit.stop_loss_below(y), l, 1e-9);
        }
        for &[q, x] in quantiles {
            close(
                &format!("{what} Q(1 - {q})"),
                fit.inverse_survival(q),
                x,
                1e-9,
            );
        }
        for &[a, b, band] in bands {
            close(
                &format!("{what} band({a}, {b})"),
                fit.band(a, b),
                band,
                1e-9,
            );
            // and its mirror: ∫_a^b F = (b - a) - ∫_a^b S
            close(
                &format!("{what} band_below({a}, {b})"),
                fit.band_below(a, b),
                (b - a) - band,
                1e-9,
            );
        }
        // the given percentiles are exact
        for &(k, x) in points {
            close(
                &format!("{what} S({k})"),
                fit.survival(x),
                level(k).q(),
                1e-9,
            );
        }
    }
}

#[test]
fn a_fit_samples_its_percentiles() {
    // 200 000 draws: each given level's share below its value is within
    // 3.3 standard errors of the level
    let fit = number(r#"d = { percentiles = { p50 = 0.2, p90 = 0.6, p99 = 2, "p99.9" = 8 } }"#);
    let n = 200_000;
    let xs = draws(&fit, n);
    for (k, x) in [("p50", 0.2), ("p90", 0.6), ("p99", 2.0), ("p99.9", 8.0)] {
        let p = level(k).p();
        let share = xs.iter().filter(|&&v| v <= x).count() as f64 / n as f64;
        let se = (p * (1.0 - p) / n as f64).sqrt();
        assert!((share - p).abs() < 3.3 * se, "{k}: {share} vs {p}");
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    let sd = (fit.expect(&|x| x * x) - fit.mean().powi(2)).sqrt();
    assert!(
        (mean - fit.mean()).abs() < 3.3 * sd / (n as f64).sqrt(),
        "{mean} vs {}",
        fit.mean()
    );
}

#[test]
fn value_stability_of_a_fit() {
    let fit = Dist::percentiles(vec![
        (level("p50"), 0.2),
        (level("p90"), 0.6),
        (level("p99"), 2.0),
    ])
    .unwrap();
    let mut rng = Streams::new(1, 0).stream("test");
    let got: Vec<f64> = (0..3).map(|_| fit.sample(&mut rng)).collect();
    assert_eq!(
        got,
        [0.1436987615422503, 0.16361795525777476, 0.11216296678920448]
    );
}

#[test]
fn bad_percentiles_are_refused_with_the_key() {
    error(
        r#"d = { lognormal = { p90 = "2s", p99 = "1s" } }"#,
        &[
            "percentiles must increase with their level",
            "p99 (1s) is below p90 (2s)",
        ],
    );
    error(
        r#"d = { percentiles = { p50 = "1s", p90 = "3s", p99 = "3s" } }"#,
        &["p99 (3s) is equal to p90 (3s)"],
    );
    error(
        r#"d = { lognormal = { p50 = "0s", p99 = "1s" } }"#,
        &["p50", "must be positive"],
    );
    error(
        r#"d = { lognormal = { median = "1s", p50 = "2s" } }"#,
        &["p50 is given twice"],
    );
    error(
        r#"d = { lognormal = { p50 = "1s", p90 = "2s", p99 = "3s" } }"#,
        &["two percentiles", "{ percentiles = { .. } }"],
    );
    error(
        r#"d = { percentiles = { p50 = "1s", p99 = "3s" } }"#,
        &["at least three", "{ lognormal = { p50 = .., p99 = .. } }"],
    );
    error(
        r#"d = { lognormal = { p50 = "1s", p99.9 = "3s" } }"#,
        &["must be quoted", "p99_9"],
    );
    error(
        r#"d = { lognormal = { p50 = "1s", p999 = "3s" } }"#,
        &["unknown field `p999`"],
    );
    error(
        r#"d = { lognormal = { p50 = "1s", p100 = "3s" } }"#,
        &["unknown field `p100`", "p<level>"],
    );
    error(
        r#"d = { lognormal = { medain = "1s", p99 = "3s" } }"#,
        &["unknown field `medain`", "median"],
    );
    error(r#"d = "8s to 1s""#, &["written low to high"]);
    error(r#"d = "0s to 1s""#, &["p5", "must be positive"]);
    error(r#"d = "1 to 8s""#, &["1"]);
    error(
        r#"d = { lognormal = { mu = 0, p99 = "1s" } }"#,
        &["{ mu, sigma }", "got { mu, p99 }"],
    );
}

#[test]
fn a_fit_through_points_of_one_lognormal_is_that_lognormal() {
    // every piece then has the lognormal's (mu, sigma): the fit's tail
    // functions must agree with the lognormal's closed forms
    let (mu, sigma) = (1.5f64.ln(), 0.6);
    let ln = Dist::lognormal(mu, sigma).unwrap();
    let points: Vec<(Level, f64)> = ["p5", "p50", "p90", "p99", "p99.9"]
        .iter()
        .map(|k| (level(k), (mu + sigma * level(k).z()).exp()))
        .collect();
    let fit = Dist::percentiles(points).unwrap();
    close("mean", fit.mean(), ln.mean(), 1e-12);
    close(
        "E[X^2]",
        fit.expect(&|x| x * x),
        ln.expect(&|x| x * x),
        1e-10,
    );
    for c in [0.3, 1.0, 2.9, 6.0, 15.0, 40.0] {
        close(&format!("S({c})"), fit.survival(c), ln.survival(c), 1e-10);
        close(&format!("C({c})"), fit.stop_loss(c), ln.stop_loss(c), 1e-10);
        close(
            &format!("L({c})"),
            fit.stop_loss_below(c),
            ln.stop_loss_below(c),
            1e-10,
        );
        close(
            &format!("band({c}, +0.3)"),
            fit.band(c, c + 0.3),
            ln.band(c, c + 0.3),
            1e-10,
        );
    }
    for q in [0.5, 1e-3, 1e-9, 1e-15] {
        close(
            &format!("Q(1 - {q})"),
            fit.inverse_survival(q),
            ln.inverse_survival(q),
            1e-10,
        );
    }
}
