//! `check` semantics: expectations against the 95%
//! interval, baseline comparison, and the regression history rows. Pure: the
//! CLI runs the scenarios and writes the files.
//!
//! `max = X` passes when the upper 95% bound is at most X, fails when the
//! lower bound is above X, and is inconclusive otherwise (which fails too, and
//! says how many replications would decide it: the half-width shrinks as
//! 1/sqrt(n), so deciding needs a half-width of |value - X|). `min` mirrors it.
//!
//! A baseline comparison fails when a metric got significantly worse: the
//! difference in the worse direction exceeds 1.96 times the combined standard
//! error, each standard error read off its 95% interval (half-width / 1.96,
//! on the side facing the other value). Which direction is worse is the
//! metric's ([`crate::model::Direction`]).

use serde::Serialize;

use crate::experiment::MetricResult;
use crate::model::Direction;
use crate::stats;

/// The verdict of one expectation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Confidently within the limit.
    Pass,
    /// Confidently beyond it.
    Fail,
    /// The interval straddles the limit.
    Inconclusive,
}

/// One evaluated line of a check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckLine {
    /// Scenario name.
    pub scenario: String,
    /// Swept values, if any (`key=value, ...`).
    pub point: String,
    /// Metric name.
    pub metric: String,
    /// `max <= X`, `min >= X`, or `baseline`.
    pub rule: String,
    /// The value.
    pub value: f64,
    /// Lower 95% bound.
    pub ci_low: f64,
    /// Upper 95% bound.
    pub ci_high: f64,
    /// The outcome.
    pub verdict: Verdict,
    /// Explanation (e.g. how many replications would decide).
    pub note: String,
}

/// Evaluates `max`/`min` limits against a metric with `n` replications.
pub fn evaluate(
    m: &MetricResult,
    max: Option<f64>,
    min: Option<f64>,
    n: usize,
) -> Vec<(String, Verdict, String)> {
    let e = &m.figure;
    let (num, clean) = (crate::fmt::fmt_num, crate::fmt::fmt_clean);
    let mut out = Vec::new();
    let needed = |limit: f64| -> String {
        let hw = (e.ci.high - e.ci.low) / 2.0;
        let gap = (e.value - limit).abs();
        if gap == 0.0 || !hw.is_finite() {
            "the value sits on the limit: more replications cannot decide it".into()
        } else {
            format!(
                "about {} replications would decide it (now {n})",
                stats::replications_needed(n, hw, gap)
            )
        }
    };
    if let Some(x) = max {
        let (v, note) = if e.ci.high <= x {
            (
                Verdict::Pass,
                format!("upper bound {} <= {}", num(e.ci.high), clean(x)),
            )
        } else if e.ci.low > x {
            (
                Verdict::Fail,
                format!("lower bound {} > {}", num(e.ci.low), clean(x)),
            )
        } else {
            (Verdict::Inconclusive, needed(x))
        };
        out.push((format!("max {}", clean(x)), v, note));
    }
    if let Some(x) = min {
        let (v, note) = if e.ci.low >= x {
            (
                Verdict::Pass,
                format!("lower bound {} >= {}", num(e.ci.low), clean(x)),
            )
        } else if e.ci.high < x {
            (
                Verdict::Fail,
                format!("upper bound {} < {}", num(e.ci.high), clean(x)),
            )
        } else {
            (Verdict::Inconclusive, needed(x))
        };
        out.push((format!("min {}", clean(x)), v, note));
    }
    out
}

/// `Some(true)` when a higher value is worse, `Some(false)` when lower is
/// worse, `None` for volumes that are neither (users, transactions...).
pub fn worse_when_higher(d: Direction) -> Option<bool> {
    match d {
        Direction::HigherIsWorse => Some(true),
        Direction::LowerIsWorse => Some(false),
        Direction::Neither => None,
    }
}

/// Compares a metric with its baseline figures `(value, ci_low, ci_high)`.
pub fn against_baseline(m: &MetricResult, base: (f64, f64, f64)) -> Option<(Verdict, String)> {
    let higher_worse = worse_when_higher(m.direction)?;
    let e = &m.figure;
    let (bv, bl, bh) = base;
    if !(e.value.is_finite() && bv.is_finite()) {
        return None;
    }
    let diff = if higher_worse {
        e.value - bv
    } else {
        bv - e.value
    };
    // standard errors on the sides facing each other
    let (se_new, se_base) = if (e.value >= bv) == higher_worse || e.value == bv {
        if higher_worse {
            ((e.value - e.ci.low) / 1.96, (bh - bv) / 1.96)
        } else {
            ((e.ci.high - e.value) / 1.96, (bv - bl) / 1.96)
        }
    } else {
        return Some((
            Verdict::Pass,
            format!("better than the baseline {}", crate::fmt::fmt_num(bv)),
        ));
    };
    let se = (se_new.max(0.0).powi(2) + se_base.max(0.0).powi(2)).sqrt();
    if diff > 1.96 * se && diff > 0.0 {
        Some((
            Verdict::Fail,
            format!(
                "significantly worse than the baseline {} (z = {:.2})",
                crate::fmt::fmt_num(bv),
                diff / se.max(f64::MIN_POSITIVE)
            ),
        ))
    } else {
        Some((
            Verdict::Pass,
            format!(
                "not significantly worse than the baseline {}",
                crate::fmt::fmt_num(bv)
            ),
        ))
    }
}

/// A row of the regression history CSV.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct HistoryRow {
    /// The CI label (commit, build number...).
    pub label: String,
    /// When the check ran (RFC 3339, UTC).
    pub time: String,
    /// Scenario name.
    pub scenario: String,
    /// Metric name.
    pub metric: String,
    /// Value.
    pub value: f64,
    /// Lower 95% bound.
    pub ci_low: f64,
    /// Upper 95% bound.
    pub ci_high: f64,
}

/// The header of a history file.
pub const HISTORY_HEADER: &str = "label,time,scenario,metric,value,ci_low,ci_high";

/// The history file's text after appending `rows` to `existing` (kept byte
/// for byte; a header is written only for a new file). `existing` must be a
/// racesim history (`name` in messages): its header, and every row whole
/// with numbers where numbers go; otherwise nothing is appended and the
/// error says which line is wrong.
pub fn append_history(existing: &str, rows: &[HistoryRow], name: &str) -> Result<String, String> {
    if !existing.trim().is_empty() {
        let t = crate::input::Table::parse(existing, name, "the history")?;
        if t.header.join(",") != HISTORY_HEADER {
            return Err(format!(
                "{name} is not a racesim history: its header is `{}`, expected `{HISTORY_HEADER}`",
                crate::input::shorten(&t.header.join(","))
            ));
        }
        for r in 0..t.rows.len() {
            for c in 4..7 {
                t.number(r, c)?;
            }
        }
    }
    let mut w = csv::WriterBuilder::new()
        .has_headers(existing.trim().is_empty())
        .from_writer(Vec::new());
    for r in rows {
        w.serialize(r).map_err(|e| e.to_string())?;
    }
    let added =
        String::from_utf8(w.into_inner().map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    let mut out = existing.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&added);
    Ok(out)
}

/// A verdict in one word, for the terminal's table.
fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Fail => "FAIL",
        Verdict::Inconclusive => "INCONCLUSIVE",
    }
}

/// The scenario of a line, with its point.
fn line_scenario(l: &CheckLine) -> String {
    if l.point.is_empty() {
        l.scenario.clone()
    } else {
        format!("{} ({})", l.scenario, l.point)
    }
}

/// The lines as one JSON document: `passed` and `checks`.
pub fn lines_json(lines: &[CheckLine]) -> String {
    let doc = serde_json::json!({
        "passed": lines.iter().all(|l| l.verdict == Verdict::Pass),
        "checks": lines,
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    )
}

/// The lines as CSV: a header, then one row per line (values exact; text
/// cells made safe for spreadsheets).
pub fn lines_csv(lines: &[CheckLine]) -> String {
    use crate::fmt::{escape_cell, fmt_exact};
    let mut w = crate::fmt::csv_writer();
    let _ = w.write_record([
        "result", "scenario", "point", "metric", "rule", "value", "ci_low", "ci_high", "note",
    ]);
    for l in lines {
        let verdict = match l.verdict {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Inconclusive => "inconclusive",
        };
        let _ = w.write_record([
            verdict.to_string(),
            escape_cell(&l.scenario),
            escape_cell(&l.point),
            l.metric.clone(),
            l.rule.clone(),
            fmt_exact(l.value),
            fmt_exact(l.ci_low),
            fmt_exact(l.ci_high),
            escape_cell(&l.note),
        ]);
    }
    crate::fmt::csv_text(w)
}

/// The lines as a Markdown table (what a CI system shows on a pull request).
pub fn lines_markdown(lines: &[CheckLine]) -> String {
    let fmt = crate::fmt::fmt_num;
    let mut out = String::from(
        "| result | scenario | metric | rule | value | 95% interval | note |\n|---|---|---|---|---|---|---|\n",
    );
    for l in lines {
        let icon = match l.verdict {
            Verdict::Pass => "✅ pass",
            Verdict::Fail => "❌ fail",
            Verdict::Inconclusive => "⚠️ inconclusive",
        };
        out.push_str(&format!(
            "| {icon} | {} | `{}` | {} | {} | [{}, {}] | {} |\n",
            line_scenario(l),
            l.metric,
            l.rule,
            fmt(l.value),
            fmt(l.ci_low),
            fmt(l.ci_high),
            l.note
        ));
    }
    out
}

/// The lines as the terminal's aligned table.
pub fn lines_table(lines: &[CheckLine]) -> String {
    let fmt = crate::fmt::fmt_num;
    let mut rows = vec![vec![
        "result".to_string(),
        "scenario".into(),
        "metric".into(),
        "rule".into(),
        "value".into(),
        "95% interval".into(),
        "note".into(),
    ]];
    for l in lines {
        rows.push(vec![
            verdict_word(l.verdict).into(),
            line_scenario(l),
            l.metric.clone(),
            l.rule.clone(),
            fmt(l.value),
            format!("[{}, {}]", fmt(l.ci_low), fmt(l.ci_high)),
            l.note.clone(),
        ]);
    }
    crate::fmt::columns(&rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{Figure, Interval, Method};

    fn metric(value: f64, low: f64, high: f64) -> MetricResult {
        MetricResult {
            name: "error_page_rate".into(),
            unit: "".into(),
            direction: Direction::HigherIsWorse,
            figure: Figure {
                value,
                ci: Interval {
                    low,
                    high,
                    method: Method::RatioT,
                },
            },
            closed_form: None,
            closed_form_naive: None,
            warnings: Vec::new(),
        }
    }

    #[test]
    fn max_semantics() {
        assert_eq!(
            evaluate(&metric(0.004, 0.003, 0.005), Some(0.01), None, 10)[0].1,
            Verdict::Pass
        );
        assert_eq!(
            evaluate(&metric(0.004, 0.003, 0.005), Some(0.002), None, 10)[0].1,
            Verdict::Fail
        );
        let v = evaluate(&metric(4.0, 3.0, 5.0), Some(4.5), None, 10);
        assert_eq!(v[0].1, Verdict::Inconclusive);
        // half-width 1 must shrink to 0.5: four times the replications
        assert!(v[0].2.contains("about 40 replications"), "{}", v[0].2);
    }

    #[test]
    fn min_mirrors_max() {
        assert_eq!(
            evaluate(&metric(5.0, 4.0, 6.0), None, Some(3.0), 4)[0].1,
            Verdict::Pass
        );
        assert_eq!(
            evaluate(&metric(5.0, 4.0, 6.0), None, Some(7.0), 4)[0].1,
            Verdict::Fail
        );
        assert_eq!(
            evaluate(&metric(5.0, 4.0, 6.0), None, Some(5.5), 4)[0].1,
            Verdict::Inconclusive
        );
    }

    #[test]
    fn baseline_flags_significant_regressions_only() {
        let now = metric(0.010, 0.009, 0.011);
        assert_eq!(
            against_baseline(&now, (0.005, 0.004, 0.006)).unwrap().0,
            Verdict::Fail
        );
        assert_eq!(
            against_baseline(&now, (0.0098, 0.0088, 0.0108)).unwrap().0,
            Verdict::Pass
        );
        assert_eq!(
            against_baseline(&now, (0.02, 0.019, 0.021)).unwrap().0,
            Verdict::Pass
        );
    }

    #[test]
    fn history_keeps_earlier_rows() {
        let row = |l: &str| HistoryRow {
            label: l.into(),
            time: "2026-01-01T00:00:00Z".into(),
            scenario: "lisa".into(),
            metric: "error_page_rate".into(),
            value: 0.5,
            ci_low: 0.25,
            ci_high: 0.75,
        };
        let one = append_history("", &[row("a")], "h.csv").unwrap();
        assert_eq!(
            one,
            "label,time,scenario,metric,value,ci_low,ci_high\na,2026-01-01T00:00:00Z,lisa,error_page_rate,0.5,0.25,0.75\n"
        );
        let two = append_history(&one, &[row("b")], "h.csv").unwrap();
        assert!(two.starts_with(&one));
        assert_eq!(two.lines().count(), 3);
        // a foreign file or a cut row is refused, never appended to
        let e = append_history("a,b\n1,2\n", &[row("c")], "h.csv").unwrap_err();
        assert!(e.contains("not a racesim history"), "{e}");
        let cut = format!("{HISTORY_HEADER}\nv1,2026,lisa,rate,0.5\n");
        let e = append_history(&cut, &[row("c")], "h.csv").unwrap_err();
        assert!(
            e.contains("h.csv: line 2 has 5 field(s) where the header has 7"),
            "{e}"
        );
    }
}
