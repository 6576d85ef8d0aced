//! The summary table printed on the terminal.

use std::fmt::Write as _;
use std::path::Path;

use crate::experiment::PointResult;
use crate::fmt::fmt_num;
use crate::report::{point_warnings, sensitivity};

/// The heading line of a scenario.
pub fn heading(p: &PointResult) -> String {
    let sc = &p.scenario;
    format!(
        "{} ({} model): {} replications of {}, seed {}, estimator {}",
        sc.name,
        sc.model_name(),
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
            format!("{}{unit}", fmt_num(m.figure.value)),
            if m.figure.ci.method == crate::stats::Method::Impossible {
                // the value column reads 0: "0, impossible under ..."
                "impossible under these distributions".into()
            } else {
                format!(
                    "[{}, {}]",
                    fmt_num(m.figure.ci.low),
                    fmt_num(m.figure.ci.high)
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
            serde_json::to_value(m.figure.ci.method)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        );
        rows.push(r);
    }
    let mut out = crate::fmt::columns(&rows);
    for w in point_warnings(&p.metrics) {
        out.push_str(&format!("warning: {w}\n"));
    }
    out
}

/// The summary of a run as the terminal shows it: the heading, each point's
/// table, the sensitivity of a sweep over several keys, why the closed form
/// does not apply (if it does not), the throughput (when the run's
/// `elapsed` seconds are known, with `threads` workers) and the result
/// folder written.
pub fn run_text(
    results: &[PointResult],
    swept: bool,
    elapsed: Option<f64>,
    threads: usize,
    dir: Option<&Path>,
) -> String {
    let mut out = String::new();
    let Some(first) = results.first() else {
        return out;
    };
    let _ = writeln!(out, "{}", heading(first));
    if !first.scenario.description.is_empty() {
        let _ = writeln!(out, "{}", first.scenario.description.trim());
    }
    for p in results {
        out.push('\n');
        if swept {
            let params: Vec<String> = p.params.iter().map(|(k, v)| format!("{k} = {v}")).collect();
            let _ = writeln!(out, "{}", params.join(", "));
        }
        out.push_str(&metrics(p));
    }
    if let Some((metric, rows)) = crate::experiment::sensitivity::headline_sensitivity(results) {
        out.push('\n');
        out.push_str(&sensitivity::table(&rows, &metric));
    }
    if let Some(why) = first.scenario.model.closed_form_unavailable() {
        let _ = writeln!(out, "\nestimate: the closed form does not apply: {why}");
    }
    if let Some(elapsed) = elapsed.filter(|e| e.is_finite()) {
        // the units the model simulates, by the metric that counts them
        let what = first.scenario.work().unit;
        let units: f64 = results
            .iter()
            .filter_map(|p| p.metric(what))
            .map(|m| m.figure.value)
            .sum();
        let events: u64 = results.iter().map(PointResult::events).sum();
        let _ = writeln!(
            out,
            "\nthroughput: {} {what}/s, {} events/s ({} {what} in {:.2} s, {threads} threads)",
            fmt_num((units / elapsed.max(1e-9)).round()),
            fmt_num((events as f64 / elapsed.max(1e-9)).round()),
            fmt_num(units),
            elapsed
        );
    }
    if let Some(dir) = dir {
        let _ = writeln!(out, "wrote {}", dir.join("summary.csv").display());
    }
    out
}
