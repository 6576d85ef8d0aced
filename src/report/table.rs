//! The summary table printed on the terminal.

use crate::experiment::PointResult;
use crate::fmt::fmt_num;
use crate::report::point_warnings;

/// The heading line of a scenario.
pub fn heading(p: &PointResult) -> String {
    let sc = &p.scenario;
    format!(
        "{} ({} model): {} replications of {}, seed {}, estimator {}",
        sc.name,
        sc.model.name(),
        p.reps.len(),
        sc.horizon,
        sc.seed,
        sc.estimator.name()
    )
}

/// The metric table of one point: metric, value, 95% interval, back-of-envelope,
/// method; then one line per warning (see [`crate::experiment::Warning`]).
pub fn metrics(p: &PointResult) -> String {
    let naive = p.metrics.iter().any(|m| m.closed_form_naive.is_some());
    let mut rows: Vec<Vec<String>> = vec![{
        let mut h = vec![
            "metric".into(),
            "value".into(),
            "95% interval".into(),
            "estimate".into(),
        ];
        if naive {
            h.push("naive".into());
        }
        h.push("interval method".into());
        h
    }];
    for m in &p.metrics {
        let unit = if m.unit.is_empty() {
            String::new()
        } else {
            format!(" {}", m.unit)
        };
        let mut r = vec![
            m.name.to_string(),
            format!("{}{unit}", fmt_num(m.estimate.value)),
            if m.estimate.ci.method == crate::stats::Method::Impossible {
                // the value column reads 0: "0, impossible under ..."
                "impossible under these distributions".into()
            } else {
                format!(
                    "[{}, {}]",
                    fmt_num(m.estimate.ci.low),
                    fmt_num(m.estimate.ci.high)
                )
            },
            m.closed_form.map(fmt_num).unwrap_or_else(|| "-".into()),
        ];
        if naive {
            r.push(
                m.closed_form_naive
                    .map(fmt_num)
                    .unwrap_or_else(|| "-".into()),
            );
        }
        r.push(
            serde_json::to_value(m.estimate.ci.method)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        );
        rows.push(r);
    }
    let mut out = render(&rows);
    for w in point_warnings(&p.metrics) {
        out.push_str(&format!("warning: {w}\n"));
    }
    out
}

/// Renders rows as aligned columns (first column left-aligned, others right).
pub fn render(rows: &[Vec<String>]) -> String {
    let ncol = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..ncol)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            if c > 0 {
                line.push_str("  ");
            }
            let pad = widths[c] - cell.chars().count();
            if c == 0 || c == ncol - 1 {
                line.push_str(cell);
                if c != ncol - 1 {
                    line.push_str(&" ".repeat(pad));
                }
            } else {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
