//! Charts from racesim's CSV files (`racesim plot`). Each kind of file is
//! read into the typed table a run builds from its results in memory, and
//! drawn by that table's own code, so `run` and `plot` draw the same
//! picture from the same numbers.
//!
//! The kind of file is recognised by its header:
//! - a history file (`label,time,scenario,metric,...`): each scenario and
//!   metric over the labels, with its band: the CI regression chart;
//! - a model's own tables (`margin.csv`, `volume.csv`: see
//!   [`crate::model::ModelKind::tables`]);
//! - `daily.csv`: the daily series of the first point;
//! - `summary.csv` with swept columns: each metric against the (first)
//!   swept key, with its 95% band and the back-of-envelope curve (one chart
//!   per metric); with several swept keys, the other keys are held at the
//!   values of the first row.

use crate::charts::{self, BandPoint, ChartError, NamedChart};
use crate::input::Table;
use crate::model::Registry;
use crate::report::daily::DailyTable;
use crate::report::summary::SummaryTable;

/// A CSV that cannot be plotted.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// Unreadable CSV: a row cut short, a cell that is not a number.
    #[error("{0}")]
    Csv(String),
    /// Not a known kind of file.
    #[error(
        "cannot tell what to plot from the header `{header}`: expected a racesim {expected} or a check history"
    )]
    Unknown {
        /// The header, shortened.
        header: String,
        /// The kinds of file racesim plots.
        expected: String,
    },
    /// Drawing failed (a bug, not the file's fault).
    #[error("{0}")]
    Chart(#[from] ChartError),
}

fn num(s: &str) -> f64 {
    s.trim().parse().unwrap_or(f64::NAN)
}

/// Checks that the cells of `columns` are numbers (or empty: undefined).
fn numbers(t: &Table, columns: impl Iterator<Item = usize>) -> Result<(), PlotError> {
    for c in columns {
        for r in 0..t.rows.len() {
            t.number(r, c).map_err(PlotError::Csv)?;
        }
    }
    Ok(())
}

/// Draws every chart the CSV `text` (the file `name`) supports; `title`
/// names the scenario; `registry` knows the models' own tables;
/// `replications`, when known (from the result folder's `summary.json`),
/// turns the sums of `daily.csv` into the per-replication means `run`
/// draws.
pub fn charts(
    registry: &Registry,
    title: &str,
    text: &str,
    name: &str,
    replications: Option<usize>,
) -> Result<Vec<NamedChart>, PlotError> {
    let t = Table::parse(text, name, "the CSV").map_err(PlotError::Csv)?;
    let header = &t.header;
    let has = |c: &str| header.iter().any(|h| h == c);
    let col = |c: &str| header.iter().position(|h| h == c);
    if header.first().map(String::as_str) == Some("label") && has("metric") && has("ci_low") {
        numbers(
            &t,
            ["value", "ci_low", "ci_high"].into_iter().filter_map(col),
        )?;
        let rows: Vec<Vec<String>> = t.rows.iter().map(|r| r.1.clone()).collect();
        return Ok(history(header, &rows)?);
    }
    for kind in registry.kinds().flat_map(|k| k.tables()) {
        if kind.recognizes(header) {
            let table = kind.parse(&t).map_err(PlotError::Csv)?;
            return Ok(table.charts(title)?);
        }
    }
    if DailyTable::recognizes(header) {
        let mut daily = DailyTable::parse(&t).map_err(PlotError::Csv)?;
        if let Some(n) = replications {
            daily = daily.with_replications(n);
        }
        return Ok(daily.charts(title)?);
    }
    if SummaryTable::recognizes(header) {
        return Ok(SummaryTable::parse(&t)
            .map_err(PlotError::Csv)?
            .charts(title)?);
    }
    let mut files = vec![
        "summary.csv (with swept columns)".to_string(),
        "daily.csv".into(),
    ];
    files.extend(
        registry
            .kinds()
            .flat_map(|k| k.tables())
            .map(|k| k.file().to_string()),
    );
    Err(PlotError::Unknown {
        header: crate::input::shorten(&header.join(",")),
        expected: files.join(", "),
    })
}

fn history(header: &[String], rows: &[Vec<String>]) -> Result<Vec<NamedChart>, ChartError> {
    let col = |n: &str| header.iter().position(|h| h == n).unwrap_or(0);
    let (label, scenario, metric) = (col("label"), col("scenario"), col("metric"));
    let (value, lo, hi) = (col("value"), col("ci_low"), col("ci_high"));
    // (scenario, metric) in order of first appearance
    let mut keys: Vec<(String, String)> = Vec::new();
    for r in rows {
        let k = (r[scenario].clone(), r[metric].clone());
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    let mut out = Vec::new();
    for (sc, m) in keys {
        let sel: Vec<&Vec<String>> = rows
            .iter()
            .filter(|r| r[scenario] == sc && r[metric] == m)
            .collect();
        let labels: Vec<String> = sel
            .iter()
            .map(|r| crate::fmt::unescape_cell(&r[label]).to_string())
            .collect();
        let points: Vec<BandPoint> = sel
            .iter()
            .enumerate()
            .map(|(i, r)| BandPoint {
                x: i as f64,
                value: num(&r[value]),
                low: num(&r[lo]),
                high: num(&r[hi]),
                estimate: None,
            })
            .collect();
        let sc = crate::fmt::unescape_cell(&sc).to_string();
        let chart = charts::history(&format!("{sc}: {m} over runs"), &m, &labels, &points, None)?;
        let stem: String = format!("history-{sc}-{m}")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        out.push((stem, chart));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plot(text: &str) -> Result<Vec<NamedChart>, PlotError> {
        charts(&crate::models::builtin(), "t", text, "the CSV", None)
    }

    #[test]
    fn recognises_each_kind() {
        let summary =
            "x,m,m_ci_low,m_ci_high,m_estimate\n\"1m\",0.1,0.05,0.2,0.1\n\"2m\",0.2,0.1,0.3,0.2\n";
        let c = plot(summary).unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].0, "sweep-m");
        assert!(c[0].1.svg.contains("x (min)"), "a duration axis in minutes");
        let no_sweep = "m,m_ci_low,m_ci_high,m_estimate\n0.1,0.05,0.2,0.1\n";
        assert!(plot(no_sweep).unwrap().is_empty());
        let daily = "point,day,users,error_pages\n0,0,10,1\n0,1,12,0\n";
        assert_eq!(plot(daily).unwrap()[0].0, "daily");
        let margin = "point,low_s,high_s,count\n0,,-100000,1\n0,-1,0,3\n0,0,0.001,7\n";
        assert_eq!(plot(margin).unwrap()[0].0, "margin");
        let volume = "point,low_n,high_n,counter_range,terminal_days,transactions,false_reversals,false_reversals_per_terminal_day_estimate\n0,975,999,999,40,39480,0,0\n0,1000,1024,999,30,30330,4,0.013\n0,2000,,999,1,2100,3,\n";
        let c = plot(volume).unwrap();
        assert_eq!(c[0].0, "volume");
        assert!(c[0].1.svg.contains("counter range R = 999"));
        let hist = "label,time,scenario,metric,value,ci_low,ci_high\na,t,lisa,rate,0.1,0.05,0.2\nb,t,lisa,rate,0.2,0.1,0.3\n";
        assert_eq!(plot(hist).unwrap()[0].0, "history-lisa-rate");
        assert!(matches!(plot("a,b\n1,2\n"), Err(PlotError::Unknown { .. })));
    }
}
