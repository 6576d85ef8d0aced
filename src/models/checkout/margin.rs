//! The margin histogram, `margin.csv`: for each user whose record was
//! deleted during the run, the deletion time minus the first read, in
//! seconds, binned on a symmetric log scale and summed over replications.
//! Negative margins are error pages. The same typed table is built from a
//! run's results, read back from the file by `plot`, and drawn by one
//! function either way.

use crate::charts::{self, Bin, ChartError, ChartSection, NamedChart};
use crate::fmt::{csv_text, csv_writer, escape_cell, fmt_exact, unescape_cell};
use crate::input::Table;
use crate::model::{ModelTable, PointView, RepOutput, TableKind, TableShape};

/// The file name.
const FILE: &str = "margin.csv";

/// Bin edges of the margin histogram, in seconds: 0 and +/- {1, 2, 5} x 10^k
/// from 1 ms to 100000 s. Bin `i` holds values in `[edges[i-1], edges[i])`;
/// bin 0 is below the first edge, the last bin at or above the last.
pub fn margin_edges() -> Vec<f64> {
    let mut pos = Vec::new();
    let mut k = 1e-3;
    while k <= 1e5 * 1.000_001 {
        for m in [1.0, 2.0, 5.0] {
            let v: f64 = m * k;
            if v <= 1e5 * 1.000_001 {
                pos.push((v * 1e6).round() / 1e6);
            }
        }
        k *= 10.0;
    }
    let mut edges: Vec<f64> = pos.iter().rev().map(|v| -v).collect();
    edges.push(0.0);
    edges.extend(pos);
    edges
}

/// The non-empty bins of replications `reps`, counts summed: `low` is
/// `-inf` for the open bottom bin, `high` `inf` for the open top one.
pub(crate) fn bins(reps: &[(u64, RepOutput)]) -> Vec<Bin> {
    let edges = margin_edges();
    let mut counts = vec![0u64; edges.len() + 1];
    for (_, r) in reps {
        for (c, v) in counts.iter_mut().zip(&r.histogram) {
            *c += v;
        }
    }
    counts
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .map(|(b, c)| {
            let (low, high) = bin_bounds(&edges, b);
            Bin {
                low,
                high,
                count: *c,
            }
        })
        .collect()
}

/// One row of `margin.csv`.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    point: usize,
    params: Vec<String>,
    bin: Bin,
}

/// `margin.csv`: per point and non-empty bin, `low_s`, `high_s` (an open
/// end is empty) and `count`.
#[derive(Debug, Clone, PartialEq)]
pub struct MarginTable {
    params: Vec<String>,
    rows: Vec<Row>,
}

impl MarginTable {
    /// The table of a run's points.
    pub fn of(points: &[PointView<'_>]) -> Self {
        let params = points
            .first()
            .map(|p| p.params.iter().map(|(k, _)| k.clone()).collect())
            .unwrap_or_default();
        let rows = points
            .iter()
            .enumerate()
            .flat_map(|(pi, p)| {
                let values: Vec<String> = p.params.iter().map(|(_, v)| v.clone()).collect();
                bins(p.reps).into_iter().map(move |bin| Row {
                    point: pi,
                    params: values.clone(),
                    bin,
                })
            })
            .collect();
        MarginTable { params, rows }
    }

    /// The bins of point `point`.
    fn point(&self, point: usize) -> Vec<Bin> {
        self.rows
            .iter()
            .filter(|r| r.point == point)
            .map(|r| r.bin)
            .collect()
    }
}

/// The edges of bin `b` of `edges` in seconds (`-inf`, `inf` for the open
/// ends).
pub(crate) fn bin_bounds(edges: &[f64], b: usize) -> (f64, f64) {
    let low = if b == 0 {
        f64::NEG_INFINITY
    } else {
        edges[b - 1]
    };
    (low, edges.get(b).copied().unwrap_or(f64::INFINITY))
}

/// An edge as a cell: empty for an open end.
pub(crate) fn edge_cell(x: f64) -> String {
    if x.is_finite() {
        fmt_exact(x)
    } else {
        String::new()
    }
}

/// A cell read back as an edge: empty is the open end `open`.
pub(crate) fn parse_edge(cell: &str, open: f64) -> f64 {
    let s = cell.trim();
    if s.is_empty() {
        open
    } else {
        s.parse().unwrap_or(f64::NAN)
    }
}

impl ModelTable for MarginTable {
    fn file(&self) -> &'static str {
        FILE
    }
    fn csv(&self) -> String {
        let mut w = csv_writer();
        let mut header = vec!["point".to_string()];
        header.extend(self.params.iter().map(|k| escape_cell(k)));
        header.extend(["low_s", "high_s", "count"].map(String::from));
        let _ = w.write_record(&header);
        for r in &self.rows {
            let mut row = vec![r.point.to_string()];
            row.extend(r.params.iter().map(|v| escape_cell(v)));
            row.extend([
                edge_cell(r.bin.low),
                edge_cell(r.bin.high),
                r.bin.count.to_string(),
            ]);
            let _ = w.write_record(&row);
        }
        csv_text(w)
    }
    fn charts(&self, title: &str) -> Result<Vec<NamedChart>, ChartError> {
        let chart = charts::histogram(
            &format!("{title}: record deleted minus confirmation read"),
            "margin (s): deletion time minus first read; negative = error page",
            &self.point(0),
        )?;
        Ok(vec![("margin".into(), chart)])
    }
}

/// How `plot` and `merge` read `margin.csv`.
pub struct MarginKind;

impl TableKind for MarginKind {
    fn file(&self) -> &'static str {
        FILE
    }
    fn recognizes(&self, header: &[String]) -> bool {
        let has = |c: &str| header.iter().any(|h| h == c);
        has("low_s") && has("high_s") && has("count")
    }
    fn shape(&self) -> TableShape {
        TableShape {
            key_end: "high_s",
            order_by: "low_s",
            kept: |_| false,
            signed: |c| c.ends_with("_s"),
        }
    }
    fn parse(&self, t: &Table) -> Result<Box<dyn ModelTable>, String> {
        let col = |n: &str| {
            t.column(n)
                .ok_or_else(|| format!("{}: no column `{n}`", t.name))
        };
        let (point, lo, hi, count) = (col("point")?, col("low_s")?, col("high_s")?, col("count")?);
        let params = t.header[point + 1..lo]
            .iter()
            .map(|h| unescape_cell(h).to_string())
            .collect();
        let mut rows = Vec::new();
        for (r, (_, cells)) in t.rows.iter().enumerate() {
            for c in [point, lo, hi, count] {
                t.number(r, c)?;
            }
            let edge = |c: usize, open: f64| parse_edge(&cells[c], open);
            rows.push(Row {
                point: cells[point].trim().parse().unwrap_or(usize::MAX),
                params: cells[point + 1..lo]
                    .iter()
                    .map(|v| unescape_cell(v).to_string())
                    .collect(),
                bin: Bin {
                    low: edge(lo, f64::NEG_INFINITY),
                    high: edge(hi, f64::INFINITY),
                    count: cells[count].trim().parse().unwrap_or(0),
                },
            });
        }
        Ok(Box::new(MarginTable { params, rows }))
    }
}

/// The report page's margin chart of `point`.
pub(super) fn report_chart(
    point: &PointView<'_>,
    name: &str,
    at: &str,
) -> Result<ChartSection, ChartError> {
    let chart = charts::histogram(
        &format!("{name}: deletion minus first read"),
        "deletion − first read (s)",
        &bins(point.reps),
    )?;
    Ok(ChartSection {
        title: "Margin: deletion minus first read".into(),
        caption: format!(
            "Each user whose record was moved during the run, by how long after its first confirmation-page read the deletion came (symmetric log scale). Red bars left of zero are deletions before the read: error pages. Counts summed over {} replications (margin.csv).{at}",
            point.reps.len()
        ),
        file: "report-margin.svg".into(),
        svg: chart.svg,
    })
}
