//! `replications.csv` (the raw per-replication columns, enough to merge
//! shards and recompute every figure), and the sum of shards' tables for
//! `merge`. Pure: they return text. (`summary.csv` and `daily.csv` are
//! [`super::summary`] and [`super::daily`]; a model's own tables are its
//! own.)

use crate::experiment::PointResult;
use crate::fmt::{csv_text, csv_writer, escape_cell, fmt_exact};
use crate::model::TableShape;

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
    header.extend(
        first
            .scenario
            .model
            .columns()
            .into_iter()
            .map(|c| c.name.to_string()),
    );
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

/// Sums tables of one kind (`daily.csv`, `margin.csv`...) from several
/// shards, as `shape` says: rows with the same key (every column up to
/// `shape.key_end`) are added column by column, except the columns that
/// depend on the key only (`shape.kept`), which are copied; rows are ordered
/// by point, then `shape.order_by`, as a single run writes them.
pub fn sum_tables(texts: &[String], shape: &TableShape) -> String {
    let mut header: Vec<String> = Vec::new();
    let mut sums: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    let mut nkey = 1;
    for t in texts {
        let mut r = csv::Reader::from_reader(t.as_bytes());
        let Ok(h) = r.headers() else { continue };
        header = h.iter().map(str::to_string).collect();
        nkey = header
            .iter()
            .position(|c| c == shape.key_end)
            .map_or(1, |i| i + 1);
        for rec in r.records().flatten() {
            let key: Vec<String> = rec.iter().take(nkey).map(str::to_string).collect();
            let vals: Vec<String> = rec.iter().skip(nkey).map(str::to_string).collect();
            match sums.iter_mut().find(|(k, _)| *k == key) {
                Some((_, s)) => {
                    for ((a, b), col) in s.iter_mut().zip(&vals).zip(&header[nkey..]) {
                        if !(shape.kept)(col) {
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
                            if (shape.kept)(col) {
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
        .position(|c| c == shape.order_by)
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
