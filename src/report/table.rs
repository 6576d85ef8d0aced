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
            "back-of-envelope".into(),
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
                let (l, h) = crate::fmt::fmt_interval(m.figure.ci.low, m.figure.ci.high);
                format!("[{l}, {h}]")
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

/// The summary of a run as the terminal shows it on standard output: the
/// heading, each point's table, the sensitivity of a sweep over several
/// keys, and why the closed form does not apply (if it does not). The
/// status lines (throughput, folder written) are [`run_status`]'s.
pub fn run_text(results: &[PointResult], swept: bool) -> String {
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
            let _ = writeln!(out, "{}", point_label(p));
        }
        out.push_str(&metrics(p));
    }
    if let Some((metric, rows)) = crate::experiment::sensitivity::headline_sensitivity(results) {
        out.push('\n');
        out.push_str(&sensitivity::table(&rows, &metric));
    }
    if let Some(why) = first.scenario.model.closed_form_unavailable() {
        let _ = writeln!(
            out,
            "\nback-of-envelope: the closed form does not apply: {why}"
        );
    }
    out
}

/// The swept values of a point: `key = value, ...`.
fn point_label(p: &PointResult) -> String {
    let params: Vec<String> = p.params.iter().map(|(k, v)| format!("{k} = {v}")).collect();
    params.join(", ")
}

/// The status lines of a run, for standard error: the throughput (when the
/// run's `elapsed` seconds are known, with `threads` workers) and the
/// result folder written.
pub fn run_status(
    results: &[PointResult],
    elapsed: Option<f64>,
    threads: usize,
    dir: Option<&Path>,
) -> String {
    let mut out = String::new();
    let Some(first) = results.first() else {
        return out;
    };
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
            "throughput: {} {what}/s, {} events/s ({} {what} in {} s, {threads} threads)",
            fmt_num((units / elapsed.max(1e-9)).round()),
            fmt_num((events as f64 / elapsed.max(1e-9)).round()),
            fmt_num(units),
            fmt_num(elapsed)
        );
    }
    if let Some(dir) = dir {
        let _ = writeln!(out, "wrote {}", dir.join("summary.csv").display());
    }
    out
}

/// The summary of a run as Markdown (a pull-request comment, a wiki page):
/// the heading in bold, each point's metric table as a Markdown table, the
/// warnings as a list.
pub fn run_markdown(results: &[PointResult], swept: bool) -> String {
    let mut out = String::new();
    let Some(first) = results.first() else {
        return out;
    };
    let _ = writeln!(out, "**{}**\n", md_escape(&heading(first)));
    if !first.scenario.description.is_empty() {
        let _ = writeln!(out, "{}\n", md_escape(first.scenario.description.trim()));
    }
    for p in results {
        if swept {
            let _ = writeln!(out, "_{}_\n", md_escape(&point_label(p)));
        }
        let mut rows: Vec<Vec<String>> = Vec::new();
        rows.push(vec![
            "metric".into(),
            "value".into(),
            "95% interval".into(),
            "back-of-envelope".into(),
            "interval method".into(),
        ]);
        for m in &p.metrics {
            let unit = if m.unit.is_empty() {
                String::new()
            } else {
                format!(" {}", m.unit)
            };
            rows.push(vec![
                format!("`{}`", m.name),
                format!("{}{unit}", fmt_num(m.figure.value)),
                if m.figure.ci.method == crate::stats::Method::Impossible {
                    "impossible under these distributions".into()
                } else {
                    format!(
                        "[{}, {}]",
                        fmt_num(m.figure.ci.low),
                        fmt_num(m.figure.ci.high)
                    )
                },
                m.closed_form.map(fmt_num).unwrap_or_else(|| "-".into()),
                serde_json::to_value(m.figure.ci.method)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
            ]);
        }
        for (i, r) in rows.iter().enumerate() {
            let _ = writeln!(out, "| {} |", r.join(" | "));
            if i == 0 {
                let _ = writeln!(out, "|---|--:|--:|--:|---|");
            }
        }
        for w in point_warnings(&p.metrics) {
            let _ = writeln!(out, "\n- warning: {}", md_escape(&w));
        }
        out.push('\n');
    }
    if let Some(why) = first.scenario.model.closed_form_unavailable() {
        let _ = writeln!(
            out,
            "Back-of-envelope: the closed form does not apply: {}",
            md_escape(&why)
        );
    }
    out
}

/// Text made literal in Markdown: `\`, `*`, `_`, `[`, `]`, `|`, `<`, `>`,
/// `` ` `` get a backslash.
fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '*' | '_' | '[' | ']' | '|' | '<' | '>' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
