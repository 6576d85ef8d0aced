//! CSV exports: `summary.csv` (one row per sweep point), `replications.csv`
//! (the raw per-replication columns, enough to merge and recompute), the daily
//! series and the margin histogram. Pure: they return text.

use crate::experiment::{PointResult, columns, daily_columns};
use crate::report::fmt_exact;

fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().from_writer(Vec::new())
}

fn finish(w: csv::Writer<Vec<u8>>) -> String {
    // writing to a Vec cannot fail
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn param_names(points: &[PointResult]) -> Vec<String> {
    points
        .first()
        .map(|p| p.params.iter().map(|(k, _)| k.clone()).collect())
        .unwrap_or_default()
}

/// `summary.csv`: the swept values, then for each metric its value, ci_low,
/// ci_high, estimate (and estimate_naive where the model has one).
pub fn summary(points: &[PointResult]) -> String {
    let mut w = writer();
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
    let _ = w.write_record(&header);
    for p in points {
        let mut row: Vec<String> = p.params.iter().map(|(_, v)| v.clone()).collect();
        for m in &p.metrics {
            row.push(fmt_exact(m.estimate.value));
            row.push(fmt_exact(m.estimate.ci.low));
            row.push(fmt_exact(m.estimate.ci.high));
            row.push(m.closed_form.map(fmt_exact).unwrap_or_default());
            if naive {
                row.push(m.closed_form_naive.map(fmt_exact).unwrap_or_default());
            }
        }
        let _ = w.write_record(&row);
    }
    finish(w)
}

/// `replications.csv`: the metadata line (see [`crate::report::shards`]), then
/// point, the swept values, replication, the model's raw columns and the
/// engine events.
pub fn replications(points: &[PointResult], meta_line: &str) -> String {
    let mut w = writer();
    let Some(first) = points.first() else {
        return String::new();
    };
    let mut header = vec!["point".to_string()];
    header.extend(param_names(points));
    header.push("replication".into());
    header.extend(columns(&first.scenario.model).iter().map(|c| c.to_string()));
    header.push("events".into());
    let _ = w.write_record(&header);
    for (pi, p) in points.iter().enumerate() {
        for (i, r) in &p.reps {
            let mut row = vec![pi.to_string()];
            row.extend(p.params.iter().map(|(_, v)| v.clone()));
            row.push(i.to_string());
            row.extend(r.values.iter().map(|v| fmt_exact(*v)));
            row.push(r.events.to_string());
            let _ = w.write_record(&row);
        }
    }
    format!("{meta_line}{}", finish(w))
}

/// `daily.csv`: per point and day, the model's daily columns summed over the
/// replications.
pub fn daily(points: &[PointResult]) -> String {
    let mut w = writer();
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
            row.extend(p.params.iter().map(|(_, v)| v.clone()));
            row.push(day.to_string());
            row.extend(sums.iter().map(|v| fmt_exact(*v)));
            let _ = w.write_record(&row);
        }
    }
    finish(w)
}

/// `margin.csv`: per point, the histogram of (deletion - first read) in
/// seconds, summed over replications: `low,high,count` (an open end is empty).
pub fn histogram(points: &[PointResult], edges: &[f64]) -> String {
    let mut w = writer();
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
            row.extend(p.params.iter().map(|(_, v)| v.clone()));
            row.extend([low, high, c.to_string()]);
            let _ = w.write_record(&row);
        }
    }
    finish(w)
}

/// Sums tables of the shape of `daily.csv` or `margin.csv` from several
/// shards: rows with the same key (every column up to `day`, or up to
/// `high_s`) are added column by column; rows are ordered by point, then day
/// or bin, as a single run writes them.
pub fn sum_tables(texts: &[String]) -> String {
    let mut header: Vec<String> = Vec::new();
    let mut sums: Vec<(Vec<String>, Vec<f64>)> = Vec::new();
    for t in texts {
        let mut r = csv::Reader::from_reader(t.as_bytes());
        let Ok(h) = r.headers() else { continue };
        header = h.iter().map(str::to_string).collect();
        let nkey = header
            .iter()
            .position(|c| c == "day" || c == "high_s")
            .map_or(1, |i| i + 1);
        for rec in r.records().flatten() {
            let key: Vec<String> = rec.iter().take(nkey).map(str::to_string).collect();
            let vals: Vec<f64> = rec
                .iter()
                .skip(nkey)
                .map(|v| v.parse().unwrap_or(0.0))
                .collect();
            match sums.iter_mut().find(|(k, _)| *k == key) {
                Some((_, s)) => s.iter_mut().zip(&vals).for_each(|(a, b)| *a += b),
                None => sums.push((key, vals)),
            }
        }
    }
    let sort_of = |k: &Vec<String>| -> (usize, f64) {
        let point = k[0].parse().unwrap_or(0);
        let last = k
            .len()
            .saturating_sub(if header.iter().any(|c| c == "high_s") {
                2
            } else {
                1
            });
        let v = k
            .get(last)
            .map(|s| s.parse().unwrap_or(f64::NEG_INFINITY))
            .unwrap_or(0.0);
        (point, v)
    };
    sums.sort_by(|a, b| {
        let (pa, va) = sort_of(&a.0);
        let (pb, vb) = sort_of(&b.0);
        pa.cmp(&pb).then(va.total_cmp(&vb))
    });
    let mut w = writer();
    let _ = w.write_record(&header);
    for (k, v) in &sums {
        let mut row = k.clone();
        row.extend(v.iter().map(|x| fmt_exact(*x)));
        let _ = w.write_record(&row);
    }
    finish(w)
}
