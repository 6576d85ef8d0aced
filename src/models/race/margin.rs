//! The margin distribution of every failure, `margin.csv`: per item and
//! failure `F`, its margin (real clocks) binned on the checkout model's
//! symmetric log scale ([`margin_edges`]: 0 and +/- {1, 2, 5} x 10^k s from
//! 1 ms to 100000 s), counted per bin and summed over replications in index
//! order. A margin is below 0 exactly when the item fails, so the bins below
//! 0 add up to `F` exactly: an item whose `first` happened but whose
//! `before` never did (it fails, with a margin of minus infinity) is counted
//! in the open bottom bin. Items with no margin (`first` never happened, or
//! a clock reading's instant or stamp never happened) are not counted.
//!
//! Bins are compared in whole nanoseconds (the edges are whole
//! nanoseconds), so a margin exactly on an edge falls in the bin above it,
//! whatever the floating point. The same typed table is built from a run's
//! results, read back from the file by `plot` and `report`, summed by
//! `merge`, and drawn by one function either way.

use super::Race;
use crate::charts::{self, Bin, ChartError, ChartSection, NamedChart};
use crate::fmt::{csv_text, csv_writer, escape_cell, unescape_cell};
use crate::input::Table;
use crate::model::{ModelTable, PointView, TableKind, TableShape};
use crate::models::checkout::{bin_bounds, edge_cell, margin_edges, parse_edge};

/// The file name.
const FILE: &str = "margin.csv";
/// The suffix of a failure's count column.
const COUNT: &str = "_count";

/// The bin edges in nanoseconds (the checkout model's margin edges).
pub(super) fn edges_ns() -> Vec<i64> {
    margin_edges()
        .iter()
        .map(|e| (e * 1e9).round() as i64)
        .collect()
}

/// The bin of a margin of `m` ns: bin `i` holds `[edges[i-1], edges[i])`,
/// bin 0 everything below the first edge (`i64::MIN`, minus infinity,
/// included), the last bin everything at or above the last edge.
pub(super) fn bin_of(edges: &[i64], m: i64) -> usize {
    edges.partition_point(|&e| e <= m)
}

/// One row: a bin of one point, with each failure's count.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    point: usize,
    params: Vec<String>,
    low: f64,
    high: f64,
    counts: Vec<u64>,
}

/// `margin.csv` of a race: per point and bin in which some failure has an
/// item, `low_s`, `high_s` (an open end is empty) and `F_count` per failure.
#[derive(Debug, Clone, PartialEq)]
pub struct MarginTable {
    params: Vec<String>,
    failures: Vec<String>,
    rows: Vec<Row>,
}

/// Per bin, each of the `nf` failures' counts over `reps` (summed in index
/// order; a replication's histogram holds failure `k`'s bin `b` at
/// `k * nb + b`).
fn counts(reps: &[(u64, crate::model::RepOutput)], nf: usize, nb: usize) -> Vec<Vec<u64>> {
    let mut c = vec![vec![0u64; nf]; nb];
    for (_, r) in reps {
        if r.histogram.len() != nf * nb {
            continue;
        }
        for (b, cb) in c.iter_mut().enumerate() {
            for (k, v) in cb.iter_mut().enumerate() {
                *v += r.histogram[k * nb + b];
            }
        }
    }
    c
}

impl MarginTable {
    /// The table of a run's points (points of another model are left out).
    pub fn of(points: &[PointView<'_>]) -> Self {
        let params = points
            .first()
            .map(|p| p.params.iter().map(|(k, _)| k.clone()).collect())
            .unwrap_or_default();
        let failures: Vec<String> = points
            .iter()
            .find_map(|p| p.model.downcast_ref::<Race>())
            .map(|r| r.config.failures.iter().map(|f| f.name.clone()).collect())
            .unwrap_or_default();
        let edges = margin_edges();
        let nb = edges.len() + 1;
        let mut rows = Vec::new();
        for (pi, p) in points.iter().enumerate() {
            let Some(race) = p.model.downcast_ref::<Race>() else {
                continue;
            };
            let names: Vec<&str> = race.config.failures.iter().map(|f| &*f.name).collect();
            let c = counts(p.reps, names.len(), nb);
            for (b, cb) in c.iter().enumerate() {
                // this point's counts in the table's failure order
                let counts: Vec<u64> = failures
                    .iter()
                    .map(|f| names.iter().position(|n| n == f).map_or(0, |k| cb[k]))
                    .collect();
                if counts.iter().all(|&n| n == 0) {
                    continue;
                }
                let (low, high) = bin_bounds(&edges, b);
                rows.push(Row {
                    point: pi,
                    params: p.params.iter().map(|(_, v)| v.clone()).collect(),
                    low,
                    high,
                    counts,
                });
            }
        }
        MarginTable {
            params,
            failures,
            rows,
        }
    }

    /// The bins of failure `k` at point `point`.
    fn bins(&self, point: usize, k: usize) -> Vec<Bin> {
        self.rows
            .iter()
            .filter(|r| r.point == point && r.counts[k] > 0)
            .map(|r| Bin {
                low: r.low,
                high: r.high,
                count: r.counts[k],
            })
            .collect()
    }
}

/// A failure's chart: title and axis.
fn chart(title: &str, failure: &str, bins: &[Bin]) -> Result<charts::Chart, ChartError> {
    let negative = format!("{failure} (negative)");
    charts::histogram_with(
        &format!("{title}: margin of {failure}"),
        &format!("margin (s); below 0 = {failure} (never = open bottom bin)"),
        bins,
        charts::HistogramWords {
            negative: &negative,
            positive: "no failure (zero or positive)",
            left: failure,
            right: "no failure",
        },
    )
}

impl ModelTable for MarginTable {
    fn file(&self) -> &'static str {
        FILE
    }
    fn csv(&self) -> String {
        let mut w = csv_writer();
        let mut header = vec!["point".to_string()];
        header.extend(self.params.iter().map(|k| escape_cell(k)));
        header.extend(["low_s", "high_s"].map(String::from));
        header.extend(self.failures.iter().map(|f| format!("{f}{COUNT}")));
        let _ = w.write_record(&header);
        for r in &self.rows {
            let mut row = vec![r.point.to_string()];
            row.extend(r.params.iter().map(|v| escape_cell(v)));
            row.extend([edge_cell(r.low), edge_cell(r.high)]);
            row.extend(r.counts.iter().map(u64::to_string));
            let _ = w.write_record(&row);
        }
        csv_text(w)
    }
    fn charts(&self, title: &str) -> Result<Vec<NamedChart>, ChartError> {
        self.failures
            .iter()
            .enumerate()
            .map(|(k, f)| Ok((format!("margin-{f}"), chart(title, f, &self.bins(0, k))?)))
            .collect()
    }
}

/// How `plot`, `report` and `merge` read a race's `margin.csv`.
pub struct MarginKind;

impl TableKind for MarginKind {
    fn file(&self) -> &'static str {
        FILE
    }
    fn recognizes(&self, header: &[String]) -> bool {
        let has = |c: &str| header.iter().any(|h| h == c);
        let after = header
            .iter()
            .position(|h| h == "high_s")
            .map(|i| &header[i + 1..]);
        has("low_s")
            && !has("count")
            && after.is_some_and(|a| !a.is_empty() && a.iter().all(|h| h.ends_with(COUNT)))
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
        let (point, lo, hi) = (col("point")?, col("low_s")?, col("high_s")?);
        let params = t.header[point + 1..lo]
            .iter()
            .map(|h| unescape_cell(h).to_string())
            .collect();
        let failures = t.header[hi + 1..]
            .iter()
            .map(|h| h.strip_suffix(COUNT).unwrap_or(h).to_string())
            .collect();
        let mut rows = Vec::new();
        for (r, (_, cells)) in t.rows.iter().enumerate() {
            t.number(r, point)?;
            for c in lo..t.header.len() {
                t.number(r, c)?;
            }
            let edge = |c: usize, open: f64| parse_edge(&cells[c], open);
            rows.push(Row {
                point: cells[point].trim().parse().unwrap_or(usize::MAX),
                params: cells[point + 1..lo]
                    .iter()
                    .map(|v| unescape_cell(v).to_string())
                    .collect(),
                low: edge(lo, f64::NEG_INFINITY),
                high: edge(hi, f64::INFINITY),
                counts: cells[hi + 1..]
                    .iter()
                    .map(|v| v.trim().parse().unwrap_or(0))
                    .collect(),
            });
        }
        Ok(Box::new(MarginTable {
            params,
            failures,
            rows,
        }))
    }
}

/// What failure `kind`'s margin measures, in words.
fn words(cfg: &super::RaceConfig, kind: &super::FailureKind) -> String {
    let name = |i: usize| &cfg.instants[i].name;
    match *kind {
        super::FailureKind::Order { first, before } => {
            format!("`{}` minus `{}`", name(first), name(before))
        }
        super::FailureKind::Read {
            at,
            clock,
            after,
            stamp,
            plus,
        } => {
            let reading = match clock {
                Some(h) => format!("`{}`'s clock at `{}`", cfg.hosts[h], name(at)),
                None => format!("the clock of `{}`'s host", name(at)),
            };
            let threshold = format!("the stamp of `{}` plus {plus}", name(stamp));
            if after {
                format!("{threshold} minus {reading}")
            } else {
                format!("{reading} minus {threshold}")
            }
        }
    }
}

/// The report page's margin charts of `point`, one per failure.
pub(super) fn report_charts(
    race: &Race,
    point: &PointView<'_>,
    name: &str,
    at: &str,
) -> Result<Vec<ChartSection>, ChartError> {
    let edges = margin_edges();
    let nb = edges.len() + 1;
    let nf = race.config.failures.len();
    let c = counts(point.reps, nf, nb);
    let mut out = Vec::new();
    for (k, f) in race.config.failures.iter().enumerate() {
        let bins: Vec<Bin> = c
            .iter()
            .enumerate()
            .filter(|(_, cb)| cb[k] > 0)
            .map(|(b, cb)| {
                let (low, high) = bin_bounds(&edges, b);
                Bin {
                    low,
                    high,
                    count: cb[k],
                }
            })
            .collect();
        out.push(ChartSection {
            title: format!("Margin of {}", f.name),
            caption: format!(
                "Each item by its margin for {} ({}; symmetric log scale). Red bars left of zero are the items that failed; an item whose later instant never happened is in the open bottom bin. Counts summed over {} replications (margin.csv).{at}",
                f.name,
                words(&race.config, &f.kind),
                point.reps.len()
            ),
            file: format!("report-margin-{}.svg", f.name),
            svg: chart(name, &f.name, &bins)?.svg,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_margin_on_an_edge_falls_in_the_bin_above_it() {
        let e = edges_ns();
        let zero = e.iter().position(|&x| x == 0).unwrap();
        // bin i holds [e[i-1], e[i])
        assert_eq!(bin_of(&e, 0), zero + 1);
        assert_eq!(bin_of(&e, -1), zero);
        assert_eq!(bin_of(&e, 1_000_000), zero + 2, "1 ms is the next edge");
        assert_eq!(bin_of(&e, 999_999), zero + 1);
        assert_eq!(bin_of(&e, 10_000_000), zero + 5, "10 ms: 0, 1, 2, 5, 10 ms");
        assert_eq!(bin_of(&e, i64::MIN), 0, "never: the open bottom bin");
        assert_eq!(bin_of(&e, -100_000_000_000_000), 1);
        assert_eq!(bin_of(&e, -100_000_000_000_001), 0);
        assert_eq!(bin_of(&e, i64::MAX), e.len());
        assert_eq!(e[0], -100_000_000_000_000);
        assert_eq!(e.len(), 2 * 25 + 1);
    }

    #[test]
    fn the_table_reads_back_as_written_and_only_as_a_race_table() {
        let text = "point,low_s,high_s,late_count,count_count\n0,,-100000,3,0\n0,-0.001,0,1,2\n0,100000,,0,5\n";
        let t = Table::parse(text, "margin.csv", "the CSV").unwrap();
        assert!(MarginKind.recognizes(&t.header));
        assert!(!crate::models::checkout::MarginKind.recognizes(&t.header));
        let table = MarginKind.parse(&t).unwrap();
        assert_eq!(table.csv(), text);
        let charts = table.charts("x").unwrap();
        let names: Vec<&str> = charts.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(names, ["margin-late", "margin-count"]);
        let checkout = Table::parse(
            "point,low_s,high_s,count\n0,-1,0,2\n",
            "margin.csv",
            "the CSV",
        )
        .unwrap();
        assert!(!MarginKind.recognizes(&checkout.header));
    }
}
