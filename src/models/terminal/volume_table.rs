//! `volume.csv`: per point and bin of the daily purchase count N, the
//! terminal-days, purchases and false reversals summed over replications,
//! with the back-of-envelope false reversals per terminal-day for N uniform
//! over the bin (empty where the closed form does not apply, and for the
//! open top bin). `low_n` and `high_n` are inclusive; `high_n` is empty for
//! the open bin; `counter_range` is R. The same typed table is built from a
//! run's results, read back from the file by `plot`, and drawn by one
//! function either way.

use super::Terminal;
use super::volume::{VolumeBin, volume_bins};
use crate::charts::{self, BandPoint, ChartError, ChartSection, NamedChart};
use crate::fmt::{csv_text, csv_writer, escape_cell, fmt_exact, unescape_cell};
use crate::input::Table;
use crate::model::{ModelTable, PointView, TableKind, TableShape};

/// The file name.
const FILE: &str = "volume.csv";
/// The back-of-envelope column.
pub(crate) const VOLUME_CLOSED_FORM: &str = "false_reversals_per_terminal_day_estimate";

/// One row of `volume.csv`.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    point: usize,
    params: Vec<String>,
    counter_range: u32,
    bin: VolumeBin,
}

impl Row {
    /// The bin's false reversals per terminal-day with their exact Poisson
    /// (Garwood) interval at the figures' confidence level (for the
    /// conditional estimator's fractional counts: the lower bound of the
    /// count rounded down and the upper bound of the count rounded up, wider
    /// than needed), `None` for a bin without terminal-days.
    fn band(&self) -> Option<BandPoint> {
        let b = &self.bin;
        let t = b.terminal_days as f64;
        let f = b.false_reversals;
        if !(t > 0.0 && f >= 0.0) {
            return None;
        }
        let conf = crate::stats::CONFIDENCE;
        let (lo, _) = crate::stats::garwood(f.floor() as u64, conf);
        let (_, hi) = crate::stats::garwood(f.ceil() as u64, conf);
        Some(BandPoint {
            x: b.transactions as f64 / t,
            value: f / t,
            low: lo / t,
            high: hi / t,
            estimate: None,
        })
    }
}

/// `volume.csv` of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct VolumeTable {
    params: Vec<String>,
    rows: Vec<Row>,
}

impl VolumeTable {
    /// The table of a run's points (points of another model are left out).
    pub fn of(points: &[PointView<'_>]) -> Self {
        let params = points
            .first()
            .map(|p| p.params.iter().map(|(k, _)| k.clone()).collect())
            .unwrap_or_default();
        let mut rows = Vec::new();
        for (pi, p) in points.iter().enumerate() {
            let Some(t) = p.model.downcast_ref::<Terminal>() else {
                continue;
            };
            let hists: Vec<&[u64]> = p.reps.iter().map(|(_, r)| r.histogram.as_slice()).collect();
            for bin in volume_bins(&t.config, &hists) {
                rows.push(Row {
                    point: pi,
                    params: p.params.iter().map(|(_, v)| v.clone()).collect(),
                    counter_range: t.config.range,
                    bin,
                });
            }
        }
        VolumeTable { params, rows }
    }

    /// The chart of point 0: false reversals per terminal-day against the
    /// day's purchases with their intervals, and the back-of-envelope from
    /// the counter's range through the midpoints of the bins above it,
    /// where it is linear (zero below).
    fn chart(&self, title: &str) -> Result<charts::Chart, ChartError> {
        let first: Vec<&Row> = self.rows.iter().filter(|r| r.point == 0).collect();
        let points: Vec<BandPoint> = first.iter().filter_map(|r| r.band()).collect();
        let mut curve = Vec::new();
        for r in &first {
            // Below the range the curve is zero: drawn from the kink on.
            let e = r.bin.closed_form.unwrap_or(f64::NAN);
            let high = r.bin.high.map_or(f64::NAN, |h| h as f64);
            let mid = (r.bin.low as f64 + high) / 2.0;
            if e > 0.0 && mid.is_finite() {
                curve.push((mid, e));
            }
        }
        let range = first.first().map(|r| f64::from(r.counter_range));
        let applies = first.iter().any(|r| r.bin.closed_form.is_some());
        if let Some(r) = range
            && applies
        {
            // max(0, N - R) * q has its kink at R.
            curve.push((r, 0.0));
        }
        charts::volume(
            &format!("{title}: false reversals against daily volume"),
            &points,
            &curve,
            range,
        )
    }
}

impl ModelTable for VolumeTable {
    fn file(&self) -> &'static str {
        FILE
    }
    fn csv(&self) -> String {
        let mut w = csv_writer();
        let mut header = vec!["point".to_string()];
        header.extend(self.params.iter().map(|k| escape_cell(k)));
        header.extend(
            [
                "low_n",
                "high_n",
                "counter_range",
                "terminal_days",
                "transactions",
                "false_reversals",
                VOLUME_CLOSED_FORM,
            ]
            .map(String::from),
        );
        let _ = w.write_record(&header);
        for r in &self.rows {
            let b = &r.bin;
            let mut row = vec![r.point.to_string()];
            row.extend(r.params.iter().map(|v| escape_cell(v)));
            row.extend([
                b.low.to_string(),
                b.high.map(|h| h.to_string()).unwrap_or_default(),
                r.counter_range.to_string(),
                b.terminal_days.to_string(),
                b.transactions.to_string(),
                fmt_exact(b.false_reversals),
                b.closed_form.map(fmt_exact).unwrap_or_default(),
            ]);
            let _ = w.write_record(&row);
        }
        csv_text(w)
    }
    fn charts(&self, title: &str) -> Result<Vec<NamedChart>, ChartError> {
        Ok(vec![("volume".into(), self.chart(title)?)])
    }
}

/// How `plot` and `merge` read `volume.csv`.
pub struct VolumeKind;

impl TableKind for VolumeKind {
    fn file(&self) -> &'static str {
        FILE
    }
    fn recognizes(&self, header: &[String]) -> bool {
        let has = |c: &str| header.iter().any(|h| h == c);
        has("low_n") && has("terminal_days") && has("false_reversals")
    }
    fn shape(&self) -> TableShape {
        TableShape {
            key_end: "high_n",
            order_by: "low_n",
            kept: |c| c == "counter_range" || c == VOLUME_CLOSED_FORM,
            signed: |c| c == VOLUME_CLOSED_FORM,
        }
    }
    fn parse(&self, t: &Table) -> Result<Box<dyn ModelTable>, String> {
        let col = |n: &str| {
            t.column(n)
                .ok_or_else(|| format!("{}: no column `{n}`", t.name))
        };
        let point = col("point")?;
        let low = col("low_n")?;
        let cols = [
            low,
            col("high_n")?,
            col("counter_range")?,
            col("terminal_days")?,
            col("transactions")?,
            col("false_reversals")?,
            col(VOLUME_CLOSED_FORM)?,
        ];
        let params = t.header[point + 1..low]
            .iter()
            .map(|h| unescape_cell(h).to_string())
            .collect();
        let mut rows = Vec::new();
        for (r, (line, cells)) in t.rows.iter().enumerate() {
            for c in std::iter::once(point).chain(cols) {
                t.number(r, c)?;
            }
            let whole = |c: usize| -> Result<Option<u64>, String> {
                let s = cells[c].trim();
                if s.is_empty() {
                    return Ok(None);
                }
                s.parse().map(Some).map_err(|_| {
                    format!(
                        "{}: line {line}, column `{}`: `{s}` is not a whole number",
                        t.name, t.header[c]
                    )
                })
            };
            let real = |c: usize| t.number(r, c).map(|v| (!v.is_nan()).then_some(v));
            let [lo, hi, range, days, sales, fr, est] = cols;
            rows.push(Row {
                point: cells[point].trim().parse().unwrap_or(usize::MAX),
                params: cells[point + 1..low]
                    .iter()
                    .map(|v| unescape_cell(v).to_string())
                    .collect(),
                counter_range: whole(range)?.unwrap_or(0) as u32,
                bin: VolumeBin {
                    low: whole(lo)?.unwrap_or(0),
                    high: whole(hi)?,
                    terminal_days: whole(days)?.unwrap_or(0),
                    transactions: whole(sales)?.unwrap_or(0),
                    false_reversals: real(fr)?.unwrap_or(f64::NAN),
                    closed_form: real(est)?,
                },
            });
        }
        Ok(Box::new(VolumeTable { params, rows }))
    }
}

/// The report page's volume chart of `point`.
pub(super) fn report_chart(
    point: &PointView<'_>,
    name: &str,
    at: &str,
) -> Result<ChartSection, ChartError> {
    let chart = VolumeTable::of(std::slice::from_ref(point)).chart(name)?;
    Ok(ChartSection {
        title: "False reversals against daily volume".into(),
        caption: format!(
            "Terminal-days grouped by their number of purchases N: false reversals per terminal-day in each group with its 95% interval, and the back-of-envelope (N - R) q above the counter range R. Summed over {} replications (volume.csv).{at}",
            point.reps.len()
        ),
        file: "report-volume.svg".into(),
        svg: chart.svg,
    })
}
