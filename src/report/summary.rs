//! `summary.csv`: one row per sweep point, each metric's value, interval and
//! back-of-envelope, and the point's warnings in words. Built from a run's
//! results, read back from the file by `plot`, and charted by one function
//! either way (each metric against the first swept key).

use crate::charts::{BandPoint, ChartError, NamedChart};
use crate::experiment::PointResult;
use crate::fmt::{csv_text, csv_writer, escape_cell, fmt_exact, unescape_cell};
use crate::input::Table;
use crate::report::metric_warnings;
use crate::report::sweepchart::{self, SweepRow};

/// One metric's figures at one point.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Figures {
    value: f64,
    low: f64,
    high: f64,
    closed_form: Option<f64>,
    naive: Option<f64>,
}

/// One row: a point.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    params: Vec<String>,
    figures: Vec<Figures>,
    warnings: String,
}

/// `summary.csv`: the swept values, then for each metric its value,
/// `_ci_low`, `_ci_high`, `_estimate` (the back-of-envelope) and, where the
/// model has one, `_estimate_naive`; last `warnings`: the point's warnings
/// in words (`metric: text`, separated by ` | `; empty when none). The last
/// column is not a metric, so readers that look for `_ci_low` pairs are not
/// affected.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryTable {
    params: Vec<String>,
    metrics: Vec<String>,
    naive: bool,
    rows: Vec<Row>,
}

impl SummaryTable {
    /// The table of a run's points.
    pub fn of(points: &[PointResult]) -> Self {
        let Some(first) = points.first() else {
            return SummaryTable {
                params: Vec::new(),
                metrics: Vec::new(),
                naive: false,
                rows: Vec::new(),
            };
        };
        let rows = points
            .iter()
            .map(|p| Row {
                params: p.params.iter().map(|(_, v)| v.clone()).collect(),
                figures: p
                    .metrics
                    .iter()
                    .map(|m| Figures {
                        value: m.figure.value,
                        low: m.figure.ci.low,
                        high: m.figure.ci.high,
                        closed_form: m.closed_form,
                        naive: m.closed_form_naive,
                    })
                    .collect(),
                warnings: p
                    .scenario
                    .model
                    .notes()
                    .into_iter()
                    .chain(p.metrics.iter().flat_map(metric_warnings))
                    .collect::<Vec<_>>()
                    .join(" | "),
            })
            .collect();
        SummaryTable {
            params: first.params.iter().map(|(k, _)| k.clone()).collect(),
            metrics: first.metrics.iter().map(|m| m.name.to_string()).collect(),
            naive: first.metrics.iter().any(|m| m.closed_form_naive.is_some()),
            rows,
        }
    }

    /// The CSV text (empty without points).
    pub fn csv(&self) -> String {
        if self.rows.is_empty() && self.metrics.is_empty() {
            return String::new();
        }
        let mut w = csv_writer();
        let mut header: Vec<String> = self.params.iter().map(|k| escape_cell(k)).collect();
        for m in &self.metrics {
            header.push(m.clone());
            header.push(format!("{m}_ci_low"));
            header.push(format!("{m}_ci_high"));
            header.push(format!("{m}_estimate"));
            if self.naive {
                header.push(format!("{m}_estimate_naive"));
            }
        }
        header.push("warnings".into());
        let _ = w.write_record(&header);
        let opt = |x: Option<f64>| x.map(fmt_exact).unwrap_or_default();
        for r in &self.rows {
            let mut row: Vec<String> = r.params.iter().map(|v| escape_cell(v)).collect();
            for f in &r.figures {
                row.push(fmt_exact(f.value));
                row.push(fmt_exact(f.low));
                row.push(fmt_exact(f.high));
                row.push(opt(f.closed_form));
                if self.naive {
                    row.push(opt(f.naive));
                }
            }
            row.push(r.warnings.clone());
            let _ = w.write_record(&row);
        }
        csv_text(w)
    }

    /// True when `header` is a summary's (a metric has a `_ci_low` column).
    pub fn recognizes(header: &[String]) -> bool {
        header.iter().any(|h| h.ends_with("_ci_low"))
    }

    /// Reads a `summary.csv` (every figure a number or empty).
    pub fn parse(t: &Table) -> Result<Self, String> {
        let is_metric = |h: &String| t.column(&format!("{h}_ci_low")).is_some();
        let nparams = t
            .header
            .iter()
            .position(is_metric)
            .unwrap_or(t.header.len());
        let end = t.column("warnings").unwrap_or(t.header.len());
        let metrics: Vec<(String, [Option<usize>; 5])> = t.header[nparams..end]
            .iter()
            .enumerate()
            .filter(|(_, h)| is_metric(h))
            .map(|(i, h)| {
                let c = |s: &str| t.column(&format!("{h}{s}"));
                (
                    h.clone(),
                    [
                        Some(nparams + i),
                        c("_ci_low"),
                        c("_ci_high"),
                        c("_estimate"),
                        c("_estimate_naive"),
                    ],
                )
            })
            .collect();
        let mut rows = Vec::new();
        for (r, (_, cells)) in t.rows.iter().enumerate() {
            for c in nparams..end {
                t.number(r, c)?;
            }
            let get = |c: Option<usize>| -> Result<f64, String> {
                c.map_or(Ok(f64::NAN), |c| t.number(r, c))
            };
            let some = |x: f64| x.is_finite().then_some(x);
            let mut figures = Vec::new();
            for (_, [v, lo, hi, est, naive]) in &metrics {
                figures.push(Figures {
                    value: get(*v)?,
                    low: get(*lo)?,
                    high: get(*hi)?,
                    closed_form: some(get(*est)?),
                    naive: some(get(*naive)?),
                });
            }
            rows.push(Row {
                params: cells[..nparams]
                    .iter()
                    .map(|v| unescape_cell(v).to_string())
                    .collect(),
                figures,
                warnings: t
                    .column("warnings")
                    .and_then(|c| cells.get(c).cloned())
                    .unwrap_or_default(),
            });
        }
        Ok(SummaryTable {
            params: t.header[..nparams]
                .iter()
                .map(|h| unescape_cell(h).to_string())
                .collect(),
            naive: metrics.iter().any(|(_, c)| c[4].is_some()),
            metrics: metrics.into_iter().map(|(h, _)| h).collect(),
            rows,
        })
    }

    /// One chart per metric against the first swept key, with its 95% band
    /// and the back-of-envelope curve, one line per value of the second
    /// key, one chart per combination of the third and later keys (at most
    /// [`crate::report::page::MAX_SWEEP_GROUPS`], numbered `sweep-METRIC-K`).
    /// A metric that does not vary over the sweep gets none; so does a run
    /// without a sweep.
    pub fn charts(&self, title: &str) -> Result<Vec<NamedChart>, ChartError> {
        if self.params.is_empty() {
            return Ok(Vec::new()); // not a sweep: nothing to draw against
        }
        let mut out = Vec::new();
        for (i, h) in self.metrics.iter().enumerate() {
            let rows: Vec<SweepRow> = self
                .rows
                .iter()
                .filter_map(|r| {
                    let f = r.figures.get(i)?;
                    Some(SweepRow {
                        params: r.params.clone(),
                        figures: BandPoint {
                            x: f64::NAN,
                            value: f.value,
                            low: f.low,
                            high: f.high,
                            estimate: f.closed_form.filter(|v| v.is_finite()),
                        },
                    })
                })
                .collect();
            let drawn = sweepchart::charts_of(
                title,
                &self.params,
                &rows,
                h,
                h,
                &[],
                crate::report::page::MAX_SWEEP_GROUPS,
            )?;
            let single = drawn.charts.len() == 1 && drawn.left_out == 0;
            for (k, c) in drawn.charts.into_iter().enumerate() {
                let stem = if single {
                    format!("sweep-{h}")
                } else {
                    format!("sweep-{h}-{}", k + 1)
                };
                out.push((stem, c.chart));
            }
        }
        Ok(out)
    }
}
