//! CSV exports: `summary.csv` (one row per sweep point), `replications.csv`
//! (the raw per-replication columns, enough to merge and recompute), the daily
//! series and the margin histogram. Pure: they return text.

use crate::experiment::{PointResult, columns, daily_columns};
use crate::fmt::{csv_text, csv_writer, escape_cell, fmt_exact};
use crate::report::metric_warnings;

/// The swept values of a point, as CSV cells.
fn param_cells(p: &PointResult) -> impl Iterator<Item = String> + '_ {
    p.params.iter().map(|(_, v)| escape_cell(v))
}

fn param_names(points: &[PointResult]) -> Vec<String> {
    points
        .first()
        .map(|p| p.params.iter().map(|(k, _)| escape_cell(k)).collect())
        .unwrap_or_default()
}

/// `summary.csv`: the swept values, then for each metric its value, ci_low,
/// ci_high, estimate (and estimate_naive where the model has one), and last
/// `warnings`: the point's warnings in words (`metric: text`, separated by
/// ` | `; empty when none). The last column is not a metric, so `plot` and
/// readers that look for `_ci_low` pairs are not affected.
pub fn summary(points: &[PointResult]) -> String {
    let mut w = csv_writer();
    let Some(first) = points.first() else {
        return String::new();
    };
    let naive = first.metrics.iter().any(|m| m.closed_form_naive.is_some());
    let mut header = param_names(points);
    for m in &first.metrics {
        header.push(m.name.to_string());
        header.push(format!("{}_ci_low", m.name));
        header.push(format!("{}_ci_high", m.name));
        header.push(format!("{}_estimate", m.name));
        if naive {
            header.push(format!("{}_estimate_naive", m.name));
        }
    }
    header.push("warnings".into());
    let _ = w.write_record(&header);
    for p in points {
        let mut row: Vec<String> = param_cells(p).collect();
        for m in &p.metrics {
            row.push(fmt_exact(m.estimate.value));
            row.push(fmt_exact(m.estimate.ci.low));
            row.push(fmt_exact(m.estimate.ci.high));
            row.push(m.closed_form.map(fmt_exact).unwrap_or_default());
            if naive {
                row.push(m.closed_form_naive.map(fmt_exact).unwrap_or_default());
            }
        }
        let warnings: Vec<String> = p.metrics.iter().flat_map(metric_warnings).collect();
        row.push(warnings.join(" | "));
        let _ = w.write_record(&row);
    }
    csv_text(w)
}

/// `replications.csv`: the metadata line (see [`crate::report::shards`],
/// with the rows' checksum), then point, the swept values, replication, the
/// model's raw columns and the engine events.
pub fn replications(points: &[PointResult], meta: &crate::report::shards::ShardMeta) -> String {
    let mut w = csv_writer();
    let Some(first) = points.first() else {
        return String::new();
    };
    let mut header = vec!["point".to_string()];
    header.extend(param_names(points));
    header.push("replication".into());
    header.extend(columns(&first.scenario).iter().map(|c| c.to_string()));
    header.push("events".into());
    let _ = w.write_record(&header);
    for (pi, p) in points.iter().enumerate() {
        for (i, r) in &p.reps {
            let mut row = vec![pi.to_string()];
            row.extend(param_cells(p));
            row.push(i.to_string());
            row.extend(r.values.iter().map(|v| fmt_exact(*v)));
            row.push(r.events.to_string());
            let _ = w.write_record(&row);
        }
    }
    let rows = csv_text(w);
    let meta = crate::report::shards::ShardMeta {
        checksum: Some(crate::report::shards::rows_checksum(&rows)),
        ..meta.clone()
    };
    format!("{}{rows}", crate::report::shards::meta_line(&meta))
}

/// `daily.csv`: per point and day, the model's daily columns summed over the
/// replications.
pub fn daily(points: &[PointResult]) -> String {
    let mut w = csv_writer();
    let Some(first) = points.first() else {
        return String::new();
    };
    let mut header = vec!["point".to_string()];
    header.extend(param_names(points));
    header.push("day".into());
    header.extend(
        daily_columns(&first.scenario.model)
            .iter()
            .map(|c| c.to_string()),
    );
    let _ = w.write_record(&header);
    for (pi, p) in points.iter().enumerate() {
        let days = p.reps.iter().map(|(_, r)| r.daily.len()).max().unwrap_or(0);
        for day in 0..days {
            let ncol = daily_columns(&p.scenario.model).len();
            let mut sums = vec![0.0; ncol];
            for (_, r) in &p.reps {
                if let Some(d) = r.daily.get(day) {
                    for (s, v) in sums.iter_mut().zip(d) {
                        *s += v;
                    }
                }
            }
            let mut row = vec![pi.to_string()];
            row.extend(param_cells(p));
            row.push(day.to_string());
            row.extend(sums.iter().map(|v| fmt_exact(*v)));
            let _ = w.write_record(&row);
        }
    }
    csv_text(w)
}

/// `margin.csv`: per point, the histogram of (deletion - first read) in
/// seconds, summed over replications: `low,high,count` (an open end is empty).
pub fn histogram(points: &[PointResult], edges: &[f64]) -> String {
    let mut w = csv_writer();
    let mut header = vec!["point".to_string()];
    header.extend(param_names(points));
    header.extend([
        "low_s".to_string(),
        "high_s".to_string(),
        "count".to_string(),
    ]);
    let _ = w.write_record(&header);
    for (pi, p) in points.iter().enumerate() {
        let mut counts = vec![0u64; edges.len() + 1];
        for (_, r) in &p.reps {
            for (c, v) in counts.iter_mut().zip(&r.histogram) {
                *c += v;
            }
        }
        for (b, c) in counts.iter().enumerate() {
            if *c == 0 {
                continue;
            }
            let low = if b == 0 {
                String::new()
            } else {
                fmt_exact(edges[b - 1])
            };
            let high = edges.get(b).map(|e| fmt_exact(*e)).unwrap_or_default();
            let mut row = vec![pi.to_string()];
            row.extend(param_cells(p));
            row.extend([low, high, c.to_string()]);
            let _ = w.write_record(&row);
        }
    }
    csv_text(w)
}

/// `volume.csv` (terminal model): per point, the terminal-days, purchases
/// and false reversals of every bin of the daily purchase count N that holds
/// a terminal-day, summed over replications, with the back-of-envelope false
/// reversals per terminal-day for N uniform over the bin
/// (`mean(max(0, N - R)) * q`, empty where the closed form does not apply
/// and for the open top bin). `low_n` and `high_n` are inclusive; `high_n`
/// is empty for the open bin; `counter_range` is R. Bins are described in
/// [`crate::models::terminal::VolumeLayout`]. Empty for the checkout model.
pub fn volume(points: &[PointResult]) -> String {
    use crate::models::terminal;
    use crate::scenario::ModelConfig;
    let mut w = csv_writer();
    let mut header = vec!["point".to_string()];
    header.extend(param_names(points));
    header.extend(
        [
            "low_n",
            "high_n",
            "counter_range",
            "terminal_days",
            "transactions",
            "false_reversals",
            VOLUME_ESTIMATE,
        ]
        .map(String::from),
    );
    let _ = w.write_record(&header);
    for (pi, p) in points.iter().enumerate() {
        let ModelConfig::Terminal(cfg) = &p.scenario.model else {
            continue;
        };
        let hists: Vec<&[u64]> = p.reps.iter().map(|(_, r)| r.histogram.as_slice()).collect();
        for b in terminal::volume_bins(cfg, &hists) {
            let mut row = vec![pi.to_string()];
            row.extend(param_cells(p));
            row.extend([
                b.low.to_string(),
                b.high.map(|h| h.to_string()).unwrap_or_default(),
                cfg.range.to_string(),
                b.terminal_days.to_string(),
                b.transactions.to_string(),
                fmt_exact(b.false_reversals),
                b.estimate.map(fmt_exact).unwrap_or_default(),
            ]);
            let _ = w.write_record(&row);
        }
    }
    csv_text(w)
}

/// The back-of-envelope column of `volume.csv`.
pub const VOLUME_ESTIMATE: &str = "false_reversals_per_terminal_day_estimate";

/// Columns that close the key of a summable table: `day` (`daily.csv`),
/// `high_s` (`margin.csv`), `high_n` (`volume.csv`).
const KEY_ENDS: [&str; 3] = ["day", "high_s", "high_n"];
/// The column rows are ordered by, after the point.
const ORDER_BY: [&str; 3] = ["day", "low_s", "low_n"];

/// Columns after the key that are functions of it and of the scenario (the
/// same in every shard): copied, not added.
fn kept(column: &str) -> bool {
    column == "counter_range" || column.ends_with("_estimate")
}

/// Sums tables of the shape of `daily.csv`, `margin.csv` or `volume.csv`
/// from several shards: rows with the same key (every column up to `day`,
/// `high_s` or `high_n`) are added column by column, except the columns that
/// depend on the key only (`counter_range`, `*_estimate`), which are copied;
/// rows are ordered by point, then day or bin, as a single run writes them.
pub fn sum_tables(texts: &[String]) -> String {
    let mut header: Vec<String> = Vec::new();
    let mut sums: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    let mut nkey = 1;
    for t in texts {
        let mut r = csv::Reader::from_reader(t.as_bytes());
        let Ok(h) = r.headers() else { continue };
        header = h.iter().map(str::to_string).collect();
        nkey = header
            .iter()
            .position(|c| KEY_ENDS.contains(&c.as_str()))
            .map_or(1, |i| i + 1);
        for rec in r.records().flatten() {
            let key: Vec<String> = rec.iter().take(nkey).map(str::to_string).collect();
            let vals: Vec<String> = rec.iter().skip(nkey).map(str::to_string).collect();
            match sums.iter_mut().find(|(k, _)| *k == key) {
                Some((_, s)) => {
                    for ((a, b), col) in s.iter_mut().zip(&vals).zip(&header[nkey..]) {
                        if !kept(col) {
                            let x: f64 = a.parse().unwrap_or(0.0);
                            let y: f64 = b.parse().unwrap_or(0.0);
                            *a = fmt_exact(x + y);
                        }
                    }
                }
                None => {
                    let vals = vals
                        .iter()
                        .zip(&header[nkey..])
                        .map(|(v, col)| {
                            if kept(col) {
                                v.clone()
                            } else {
                                fmt_exact(v.parse().unwrap_or(0.0))
                            }
                        })
                        .collect();
                    sums.push((key, vals));
                }
            }
        }
    }
    let order = header
        .iter()
        .position(|c| ORDER_BY.contains(&c.as_str()))
        .filter(|&i| i < nkey)
        .unwrap_or(nkey - 1);
    let sort_of = |k: &Vec<String>| -> (usize, f64) {
        let point = k[0].parse().unwrap_or(0);
        let v = k
            .get(order)
            .map(|s| s.parse().unwrap_or(f64::NEG_INFINITY))
            .unwrap_or(0.0);
        (point, v)
    };
    sums.sort_by(|a, b| {
        let (pa, va) = sort_of(&a.0);
        let (pb, vb) = sort_of(&b.0);
        pa.cmp(&pb).then(va.total_cmp(&vb))
    });
    let mut w = csv_writer();
    let _ = w.write_record(&header);
    for (k, v) in &sums {
        let mut row = k.clone();
        row.extend(v.iter().cloned());
        let _ = w.write_record(&row);
    }
    csv_text(w)
}
