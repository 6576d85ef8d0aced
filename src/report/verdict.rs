//! The verdict a report opens with: the answer in words, generated from the
//! figures, so that a reviewer can act on it without reading a table.
//!
//! For each headline metric (at the worst sweep point of a sweep):
//!
//! - a proportion as "about 1 in N", with its 95% interval, and, when the
//!   model counts both its events and its units, what that means per day
//!   and per week at the scenario's own traffic (the counts are totals over
//!   every replication, so they are divided by replications x days);
//! - the share of it a paired-difference metric on the same units accounts
//!   for (the checkout model's `skew_error_rate`: the error pages the clocks
//!   cause), read as the ratio of the two point values;
//! - whether the back-of-envelope lies inside the 95% interval;
//!
//! then every `[[expect]]` line as pass, fail or inconclusive with the
//! figure and interval it was judged on. Metric definitions are the
//! "counts" column of `docs/metrics.md`, compiled in, so the page and the
//! documentation never disagree.

use crate::experiment::{MetricResult, PointResult};
use crate::fmt::fmt_num;
use crate::model::{MetricDef, MetricKind};
use crate::report::check::{CheckLine, Verdict};

/// The metric glossary the definitions come from.
const METRICS_DOC: &str = include_str!("../../docs/metrics.md");

/// The full definition of `metric`: the "counts" cell of its row in
/// `docs/metrics.md` (first column a backquoted name, second its meaning).
pub fn definition(metric: &str) -> Option<String> {
    let mut in_table = false;
    for line in METRICS_DOC.lines() {
        if line.starts_with("| metric | counts |") {
            in_table = true;
            continue;
        }
        if !line.starts_with('|') {
            in_table = false;
            continue;
        }
        if !in_table {
            continue;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // cells[0] is the empty text before the first bar
        if cells.len() > 2 && cells[1] == format!("`{metric}`") {
            return Some(cells[2].to_string());
        }
    }
    None
}

/// The first clause of a definition (up to its first colon, semicolon or
/// full stop), for a sentence that names the metric in passing.
pub fn short_definition(metric: &str) -> Option<String> {
    let d = definition(metric)?;
    let cut = [": ", "; ", ". "]
        .iter()
        .filter_map(|sep| d.find(sep))
        .min()
        .unwrap_or(d.len());
    Some(d[..cut].trim().to_string())
}

/// `x` rounded to two significant digits, with thousands separators, for
/// prose ("about 3,400"); small values keep their two digits ("0.052").
pub fn about(x: f64) -> String {
    if !x.is_finite() {
        return fmt_num(x);
    }
    if x == 0.0 {
        return "0".into();
    }
    let magnitude = x.abs().log10().floor() as i32;
    let scale = 10f64.powi(magnitude - 1);
    let rounded = (x / scale).round() * scale;
    if rounded.abs() >= 100.0 {
        thousands(rounded.round() as i64)
    } else {
        let decimals = (1 - magnitude).max(0) as usize;
        let s = format!("{rounded:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    }
}

/// An integer with comma thousands separators.
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A share as a percentage with two significant digits ("99%", "4.2%").
fn percent(share: f64) -> String {
    format!("{}%", about(share * 100.0))
}

/// "1 in N" for a proportion `p` in (0, 1].
fn one_in(p: f64) -> String {
    format!("1 in {}", about(1.0 / p))
}

fn interval(m: &MetricResult) -> String {
    let ci = &m.figure.ci;
    if ci.low.is_finite() && ci.high.is_finite() {
        let (l, h) = crate::fmt::fmt_interval(ci.low, ci.high);
        format!("95% interval {l} to {h}")
    } else {
        "no interval".into()
    }
}

fn with_unit(x: f64, unit: &str) -> String {
    if unit.is_empty() {
        fmt_num(x)
    } else {
        format!("{} {unit}", fmt_num(x))
    }
}

fn code(s: &str) -> String {
    format!("`{s}`")
}

/// Per-day figures of a count at point `p`: its total over every
/// replication divided by replications x simulated days.
fn per_day(p: &PointResult, total: f64) -> Option<f64> {
    let days = p.scenario.horizon.as_nanos() as f64 / 86_400e9;
    let n = p.reps.len() as f64;
    (days > 0.0 && n > 0.0 && total.is_finite()).then(|| total / (n * days))
}

/// The count metric whose column is `col`, if the model reports one.
fn count_of(defs: &[MetricDef], col: usize) -> Option<&MetricDef> {
    defs.iter()
        .find(|d| matches!(d.kind, MetricKind::Count { col: c } if c == col))
}

/// The sentence about one headline metric at point `p`.
pub fn metric_sentence(p: &PointResult, defs: &[MetricDef], m: &MetricResult) -> String {
    let def = defs.iter().find(|d| d.name == m.name);
    let v = m.figure.value;
    let mut s = match def.map(|d| d.kind) {
        Some(MetricKind::Ratio {
            num,
            den,
            proportion: true,
            ..
        }) => {
            let mut s = if v > 0.0 && v <= 1.0 {
                format!(
                    "{}: about {} ({}, {})",
                    code(&m.name),
                    one_in(v),
                    fmt_num(v),
                    interval(m)
                )
            } else if v == 0.0 && m.figure.ci.high > 0.0 {
                format!(
                    "{}: none seen (95% upper bound {}, at most about {})",
                    code(&m.name),
                    fmt_num(m.figure.ci.high),
                    one_in(m.figure.ci.high)
                )
            } else {
                format!("{}: {} ({})", code(&m.name), fmt_num(v), interval(m))
            };
            if let (Some(events), Some(units)) = (count_of(defs, num), count_of(defs, den)) {
                let e = p.metric(&events.name).map(|x| x.figure.value);
                let u = p.metric(&units.name).map(|x| x.figure.value);
                if let (Some(e), Some(u)) =
                    (e.and_then(|e| per_day(p, e)), u.and_then(|u| per_day(p, u)))
                    && u > 0.0
                {
                    s.push_str(&format!(
                        "; at the scenario's traffic of about {} {} a day, that is about {} {} a day, {} a week",
                        about(u),
                        code(&units.name),
                        about(e),
                        code(&events.name),
                        about(7.0 * e)
                    ));
                }
            }
            // a paired difference on the same units: the part of it one cause accounts for
            for d in defs {
                if let MetricKind::RatioDiff { a, den: dd, .. } = d.kind
                    && a == num
                    && dd == den
                    && let Some(diff) = p.metric(&d.name)
                    && v > 0.0
                    && diff.figure.value.is_finite()
                {
                    let what = short_definition(&d.name)
                        .map(|w| format!(" ({w})"))
                        .unwrap_or_default();
                    s.push_str(&format!(
                        "; {} of it is {}{what}",
                        percent(diff.figure.value / v),
                        code(&d.name)
                    ));
                }
            }
            s
        }
        _ => format!(
            "{}: {} ({})",
            code(&m.name),
            with_unit(v, &m.unit),
            interval(m)
        ),
    };
    if let Some(e) = m.closed_form.filter(|e| e.is_finite()) {
        let (lo, hi) = (m.figure.ci.low, m.figure.ci.high);
        let agree = if !(lo.is_finite() && hi.is_finite()) {
            "with no interval to judge it against"
        } else if e < lo {
            "below the interval: the simulation found more than the closed form"
        } else if e > hi {
            "above the interval: the simulation found less than the closed form"
        } else {
            "inside the interval: they agree"
        };
        s.push_str(&format!(
            "; the back-of-envelope gives {}, {agree}",
            with_unit(e, &m.unit)
        ));
    }
    s.push('.');
    s
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "passes",
        Verdict::Fail => "FAILS",
        Verdict::Inconclusive => "is INCONCLUSIVE",
    }
}

/// One expectation in words.
pub fn check_sentence(l: &CheckLine) -> String {
    let at = if l.point.is_empty() {
        String::new()
    } else {
        format!(" at {}", l.point)
    };
    let interval = if l.ci_low.is_finite() && l.ci_high.is_finite() {
        let (lo, hi) = crate::fmt::fmt_interval(l.ci_low, l.ci_high);
        format!("95% interval {lo} to {hi}")
    } else {
        "no interval".into()
    };
    let upper = l.rule.starts_with("max");
    let why = match (l.verdict, upper) {
        (Verdict::Pass, true) => "the whole interval lies below the limit".to_string(),
        (Verdict::Pass, false) => "the whole interval lies above the limit".to_string(),
        (Verdict::Fail, true) => "the whole interval lies above the limit".to_string(),
        (Verdict::Fail, false) => "the whole interval lies below the limit".to_string(),
        (Verdict::Inconclusive, _) => format!("the interval straddles the limit: {}", l.note),
    };
    format!(
        "{} {}{at} {}: simulated {} ({interval}); {why}.",
        code(&l.metric),
        l.rule,
        verdict_word(l.verdict),
        fmt_num(l.value),
    )
}

/// Most expectation lines the verdict spells out; the rest are counted (the
/// full table follows on the page).
pub const MAX_CHECK_SENTENCES: usize = 8;

/// The verdict paragraphs: the expectations' outcome first, then each
/// headline metric at point `focus` (`where_` says which point, for a
/// sweep), then the expectation lines (failures first).
pub fn paragraphs(
    results: &[PointResult],
    headline: &[String],
    focus: usize,
    where_: &str,
    checks: &[CheckLine],
) -> Vec<String> {
    let mut out = Vec::new();
    let count = |v: Verdict| checks.iter().filter(|l| l.verdict == v).count();
    let (pass, fail, inconclusive) = (
        count(Verdict::Pass),
        count(Verdict::Fail),
        count(Verdict::Inconclusive),
    );
    out.push(if checks.is_empty() {
        "No `[[expect]]` limit: nothing passes or fails; the figures below are the answer."
            .to_string()
    } else if pass == checks.len() {
        if checks.len() == 1 {
            "Pass: the one expectation holds with 95% confidence.".to_string()
        } else {
            format!(
                "Pass: all {} expectations hold with 95% confidence.",
                checks.len()
            )
        }
    } else {
        let mut parts = Vec::new();
        if fail > 0 {
            parts.push(format!("{fail} fail{}", if fail == 1 { "s" } else { "" }));
        }
        if inconclusive > 0 {
            parts.push(format!(
                "{inconclusive} {} inconclusive (the interval straddles the limit)",
                if inconclusive == 1 { "is" } else { "are" }
            ));
        }
        format!(
            "{}: of {} expectation{}, {} pass{}, {}.",
            if fail > 0 { "Fail" } else { "Inconclusive" },
            checks.len(),
            if checks.len() == 1 { "" } else { "s" },
            pass,
            if pass == 1 { "es" } else { "" },
            parts.join(", ")
        )
    });
    if let Some(p) = results.get(focus) {
        let defs = p.scenario.metrics();
        let sentences: Vec<String> = headline
            .iter()
            .filter_map(|h| p.metric(h))
            .map(|m| metric_sentence(p, &defs, m))
            .collect();
        if !sentences.is_empty() {
            out.push(format!("{where_}{}", sentences.join(" ")));
        }
    }
    let mut ordered: Vec<&CheckLine> = checks
        .iter()
        .filter(|l| l.verdict != Verdict::Pass)
        .collect();
    // passes spelled out only when there are few (the table lists them all)
    if pass <= 2 {
        ordered.extend(checks.iter().filter(|l| l.verdict == Verdict::Pass));
    }
    let spelled: Vec<String> = ordered
        .iter()
        .take(MAX_CHECK_SENTENCES)
        .map(|l| check_sentence(l))
        .collect();
    if !spelled.is_empty() {
        let mut s = spelled.join(" ");
        if ordered.len() > MAX_CHECK_SENTENCES {
            s.push_str(&format!(
                " {} more in the table below.",
                ordered.len() - MAX_CHECK_SENTENCES
            ));
        }
        out.push(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_come_from_the_metrics_glossary() {
        assert_eq!(
            definition("error_page_rate").as_deref(),
            Some("the share of users who see an error page")
        );
        assert_eq!(
            short_definition("skew_error_rate").as_deref(),
            Some("the error pages the clocks cause")
        );
        assert!(definition("false_alerts").is_some());
        assert!(definition("no_such_metric").is_none());
        // the first-column name of a non-metric table is not a metric
        assert!(definition("summary.csv").is_none());
    }

    #[test]
    fn about_rounds_to_two_significant_digits() {
        assert_eq!(about(189.7), "190");
        assert_eq!(about(3412.0), "3,400");
        assert_eq!(about(2_880_000.0), "2,900,000");
        assert_eq!(about(0.05234), "0.052");
        assert_eq!(about(7.04), "7");
        assert_eq!(about(12.6), "13");
        assert_eq!(about(0.0), "0");
        assert_eq!(one_in(0.005263), "1 in 190");
        assert_eq!(percent(0.9934), "99%");
        assert_eq!(thousands(-1234567), "-1,234,567");
    }
}
