//! `daily.csv`: per point and simulated day, the model's daily columns
//! summed over the replications. Built from a run's results, read back from
//! the file by `plot`, and charted by one function either way.

use crate::charts::{self, ChartError, NamedChart, Series};
use crate::experiment::PointResult;
use crate::fmt::{csv_text, csv_writer, escape_cell, fmt_exact, unescape_cell};
use crate::input::Table;
use crate::model::TableShape;

/// One row: a point's day.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    point: usize,
    params: Vec<String>,
    day: u64,
    values: Vec<f64>,
}

/// `daily.csv`: `point`, the swept values, `day`, then the model's daily
/// columns (sums over the replications).
#[derive(Debug, Clone, PartialEq)]
pub struct DailyTable {
    params: Vec<String>,
    columns: Vec<String>,
    rows: Vec<Row>,
    /// Replications per point, when known (a run's results; not a file
    /// read back): the chart then shows means per replication.
    replications: Option<usize>,
}

/// How `merge` adds up shards' `daily.csv`.
pub const SHAPE: TableShape = TableShape {
    key_end: "day",
    order_by: "day",
    kept: |_| false,
    signed: |_| false,
};

impl DailyTable {
    /// The table of a run's points.
    pub fn of(points: &[PointResult]) -> Self {
        let Some(first) = points.first() else {
            return DailyTable {
                params: Vec::new(),
                columns: Vec::new(),
                rows: Vec::new(),
                replications: None,
            };
        };
        let mut rows = Vec::new();
        for (pi, p) in points.iter().enumerate() {
            let ncol = p.scenario.model.daily_columns().len();
            let days = p.reps.iter().map(|(_, r)| r.daily.len()).max().unwrap_or(0);
            for day in 0..days {
                let mut sums = vec![0.0; ncol];
                for (_, r) in &p.reps {
                    if let Some(d) = r.daily.get(day) {
                        for (s, v) in sums.iter_mut().zip(d) {
                            *s += v;
                        }
                    }
                }
                rows.push(Row {
                    point: pi,
                    params: p.params.iter().map(|(_, v)| v.clone()).collect(),
                    day: day as u64,
                    values: sums,
                });
            }
        }
        DailyTable {
            params: first.params.iter().map(|(k, _)| k.clone()).collect(),
            columns: first
                .scenario
                .model
                .daily_columns()
                .iter()
                .map(|c| c.to_string())
                .collect(),
            rows,
            replications: Some(first.reps.len()).filter(|n| *n > 0),
        }
    }

    /// The CSV text.
    pub fn csv(&self) -> String {
        let mut w = csv_writer();
        let mut header = vec!["point".to_string()];
        header.extend(self.params.iter().map(|k| escape_cell(k)));
        header.push("day".into());
        header.extend(self.columns.iter().cloned());
        let _ = w.write_record(&header);
        for r in &self.rows {
            let mut row = vec![r.point.to_string()];
            row.extend(r.params.iter().map(|v| escape_cell(v)));
            row.push(r.day.to_string());
            row.extend(r.values.iter().map(|v| fmt_exact(*v)));
            let _ = w.write_record(&row);
        }
        csv_text(w)
    }

    /// True when `header` is a daily series' (`point` and `day`).
    pub fn recognizes(header: &[String]) -> bool {
        let has = |c: &str| header.iter().any(|h| h == c);
        has("point") && has("day")
    }

    /// Reads a `daily.csv` (the point and every cell from `day` on a number).
    pub fn parse(t: &Table) -> Result<Self, String> {
        let day = match t.column("day") {
            Some(d) if d > 0 => d,
            _ => return Err(format!("{}: expected `point` first, then `day`", t.name)),
        };
        let mut rows = Vec::new();
        for (r, (line, cells)) in t.rows.iter().enumerate() {
            for c in std::iter::once(0).chain(day..t.header.len()) {
                t.number(r, c)?;
            }
            let d = cells[day].trim();
            rows.push(Row {
                point: cells[0].trim().parse().unwrap_or(usize::MAX),
                params: cells[1..day]
                    .iter()
                    .map(|v| unescape_cell(v).to_string())
                    .collect(),
                day: d.parse().map_err(|_| {
                    format!(
                        "{}: line {line}, column `day`: `{d}` is not a day number",
                        t.name
                    )
                })?,
                values: (day + 1..t.header.len())
                    .map(|c| t.number(r, c))
                    .collect::<Result<_, _>>()?,
            });
        }
        Ok(DailyTable {
            replications: None,
            params: t.header[1..day]
                .iter()
                .map(|h| unescape_cell(h).to_string())
                .collect(),
            columns: t.header[day + 1..].to_vec(),
            rows,
        })
    }

    /// The same table, charted as means over `n` replications (a table read
    /// back from a result folder whose replications are known).
    pub fn with_replications(mut self, n: usize) -> Self {
        self.replications = Some(n).filter(|n| *n > 0);
        self
    }

    /// The daily series of the first point as small multiples (one panel
    /// per column, each on its own axis; a column that is the same every
    /// day is named under the panels instead). With the replications known
    /// (a run) each day is the mean per replication, what one simulated
    /// system sees in a day; read back from `daily.csv` alone it is the sum
    /// over the replications, and the title says so.
    pub fn charts(&self, title: &str) -> Result<Vec<NamedChart>, ChartError> {
        let n = self.replications.map_or(1.0, |n| n as f64);
        let lines: Vec<Series> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, h)| Series {
                name: h.replace('_', " "),
                points: self
                    .rows
                    .iter()
                    .filter(|r| r.point == 0)
                    .map(|r| {
                        (
                            r.day as f64,
                            r.values.get(i).copied().unwrap_or(f64::NAN) / n,
                        )
                    })
                    .collect(),
            })
            .collect();
        let what = match self.replications {
            Some(n) => format!("per day, mean of {n} replications"),
            None => "per day, summed over the replications".to_string(),
        };
        let chart = charts::panels(&format!("{title}: {what}"), "day", &lines)?;
        Ok(vec![("daily".into(), chart)])
    }
}
