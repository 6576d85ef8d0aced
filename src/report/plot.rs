//! Charts from racesim's CSV files. `run` and `sweep` draw their charts by
//! passing the CSV text they just wrote through these functions, and `racesim
//! plot CSV` redraws any of them from the file, so there is one path from data
//! to picture.
//!
//! The kind of file is recognised by its header:
//! - `summary.csv` with swept columns: each metric against the (first) swept
//!   key, with its 95% band and the back-of-envelope curve (one chart per
//!   metric). With several swept keys, the other keys are held at the values of
//!   the first row.
//! - `daily.csv`: the daily series of the first point.
//! - `margin.csv`: the histogram of deletion minus first read, first point.
//! - `volume.csv` (terminal): false reversals per terminal-day against the
//!   day's purchase count, first point.
//! - a history file (`label,time,scenario,metric,...`): each scenario and
//!   metric over the labels, with its band: the CI regression chart.

use crate::report::charts::{self, BandPoint, Bin, Chart, ChartError, Series};

/// A named chart (the name is the file stem).
pub type Named = (String, Chart);

/// A CSV that cannot be plotted.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// Unreadable CSV: a row cut short, a cell that is not a number.
    #[error("{0}")]
    Csv(String),
    /// Not a known kind of file.
    #[error(
        "cannot tell what to plot from the header `{0}`: expected a racesim summary.csv (with swept columns), daily.csv, margin.csv, volume.csv or a check history"
    )]
    Unknown(String),
    /// Drawing failed.
    #[error("{0}")]
    Chart(#[from] ChartError),
}

/// Reads and checks a CSV: every row has the header's fields (else the
/// line is named; indexing a short row would panic).
fn read(text: &str, name: &str) -> Result<crate::input::Table, PlotError> {
    crate::input::Table::parse(text, name, "the CSV").map_err(PlotError::Csv)
}

/// Checks that the cells of `columns` are numbers (or empty: undefined).
fn numbers(t: &crate::input::Table, columns: impl Iterator<Item = usize>) -> Result<(), PlotError> {
    for c in columns {
        for r in 0..t.rows.len() {
            t.number(r, c).map_err(PlotError::Csv)?;
        }
    }
    Ok(())
}

fn num(s: &str) -> f64 {
    s.trim().parse().unwrap_or(f64::NAN)
}

/// A swept value as a number: plain numbers as they are, durations in seconds.
fn axis_value(s: &str) -> Option<(f64, bool)> {
    let t = crate::fmt::unescape_cell(s.trim()).trim_matches('"');
    if let Ok(v) = t.parse::<f64>() {
        return Some((v, false));
    }
    crate::time::parse_duration(t)
        .ok()
        .map(|d| (d.as_secs_f64(), true))
}

/// Draws every chart `text` (a racesim CSV) supports; `title` names the scenario.
pub fn charts(title: &str, text: &str) -> Result<Vec<Named>, PlotError> {
    charts_named(title, text, "the CSV")
}

/// [`charts()`] of the file `name` (named in messages).
pub fn charts_named(title: &str, text: &str, name: &str) -> Result<Vec<Named>, PlotError> {
    let t = read(text, name)?;
    let (header, rows) = (
        &t.header,
        &t.rows.iter().map(|r| r.1.clone()).collect::<Vec<_>>(),
    );
    let has = |c: &str| header.iter().any(|h| h == c);
    let col = |c: &str| header.iter().position(|h| h == c);
    if header.first().map(String::as_str) == Some("label") && has("metric") && has("ci_low") {
        numbers(
            &t,
            ["value", "ci_low", "ci_high"].into_iter().filter_map(col),
        )?;
        return history(header, rows);
    }
    if has("low_s") && has("high_s") && has("count") {
        numbers(
            &t,
            ["point", "low_s", "high_s", "count"]
                .into_iter()
                .filter_map(col),
        )?;
        return margin(title, header, rows);
    }
    if has("low_n") && has("terminal_days") && has("false_reversals") {
        numbers(&t, col("low_n").unwrap_or(0)..header.len())?;
        return volume(title, header, rows);
    }
    if has("point") && has("day") {
        numbers(
            &t,
            std::iter::once(0).chain(col("day").unwrap_or(0)..header.len()),
        )?;
        return daily(title, header, rows);
    }
    if header.iter().any(|h| h.ends_with("_ci_low")) {
        let is_metric = |h: &String| header.iter().any(|x| *x == format!("{h}_ci_low"));
        // the metrics' columns, up to the text column `warnings` at the end
        let end = col("warnings").unwrap_or(header.len());
        numbers(&t, header.iter().position(is_metric).unwrap_or(0)..end)?;
        return summary(title, header, rows);
    }
    Err(PlotError::Unknown(crate::input::shorten(&header.join(","))))
}

fn summary(title: &str, header: &[String], rows: &[Vec<String>]) -> Result<Vec<Named>, PlotError> {
    let is_metric = |h: &String| header.iter().any(|x| *x == format!("{h}_ci_low"));
    let nparams = header.iter().position(is_metric).unwrap_or(header.len());
    if nparams == 0 || rows.is_empty() {
        return Ok(Vec::new()); // not a sweep: nothing to draw against
    }
    let first = &rows[0];
    let rows: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r[1..nparams] == first[1..nparams])
        .collect();
    let is_duration = rows.iter().any(|r| axis_value(&r[0]).is_some_and(|v| v.1));
    let x_label = if is_duration {
        format!("{} (minutes)", header[0])
    } else {
        header[0].clone()
    };
    let col = |name: &str| header.iter().position(|h| h == name);
    let mut out = Vec::new();
    for (i, h) in header.iter().enumerate().skip(nparams) {
        if !is_metric(h) {
            continue;
        }
        let (Some(lo), Some(hi)) = (col(&format!("{h}_ci_low")), col(&format!("{h}_ci_high")))
        else {
            continue;
        };
        let est = col(&format!("{h}_estimate"));
        let points: Vec<BandPoint> = rows
            .iter()
            .filter_map(|r| {
                let (x, dur) = axis_value(&r[0])?;
                Some(BandPoint {
                    x: if dur { x / 60.0 } else { x },
                    value: num(&r[i]),
                    low: num(&r[lo]),
                    high: num(&r[hi]),
                    estimate: est.map(|e| num(&r[e])).filter(|v| v.is_finite()),
                })
            })
            .collect();
        if points.is_empty() {
            continue;
        }
        let chart = charts::metric_vs_param(&format!("{title}: {h}"), &x_label, h, &points)?;
        out.push((format!("sweep-{h}"), chart));
    }
    Ok(out)
}

fn daily(title: &str, header: &[String], rows: &[Vec<String>]) -> Result<Vec<Named>, PlotError> {
    let day = header.iter().position(|h| h == "day").unwrap_or(0);
    let lines: Vec<Series> = header
        .iter()
        .enumerate()
        .skip(day + 1)
        .map(|(i, h)| Series {
            name: h.replace('_', " "),
            points: rows
                .iter()
                .filter(|r| r[0] == "0")
                .map(|r| (num(&r[day]), num(&r[i])))
                .collect(),
        })
        .collect();
    let chart = charts::series(
        &format!("{title}: per day (all replications)"),
        "day",
        "count per day",
        &lines,
    )?;
    Ok(vec![("daily".into(), chart)])
}

fn margin(title: &str, header: &[String], rows: &[Vec<String>]) -> Result<Vec<Named>, PlotError> {
    let col = |n: &str| header.iter().position(|h| h == n).unwrap_or(0);
    let (lo, hi, count) = (col("low_s"), col("high_s"), col("count"));
    let edge = |s: &str, inf: f64| if s.trim().is_empty() { inf } else { num(s) };
    let bins: Vec<Bin> = rows
        .iter()
        .filter(|r| r[0] == "0")
        .map(|r| Bin {
            low: edge(&r[lo], f64::NEG_INFINITY),
            high: edge(&r[hi], f64::INFINITY),
            count: r[count].trim().parse().unwrap_or(0),
        })
        .collect();
    let chart = charts::histogram(
        &format!("{title}: record deleted minus confirmation read"),
        "margin (s): deletion time minus first read; negative = error page",
        &bins,
    )?;
    Ok(vec![("margin".into(), chart)])
}

/// `volume.csv`: per bin of the first point, false reversals per
/// terminal-day at the bin's mean count, with the exact Poisson (Garwood)
/// interval of the bin's false reversals divided by its terminal-days (for
/// the conditional estimator's fractional counts, the lower bound of the
/// count rounded down and the upper bound of the count rounded up: wider
/// than needed), and the back-of-envelope from the counter's range through
/// the midpoints of the bins above it, where it is linear (zero below).
fn volume(title: &str, header: &[String], rows: &[Vec<String>]) -> Result<Vec<Named>, PlotError> {
    let col = |n: &str| header.iter().position(|h| h == n);
    let get =
        |r: &Vec<String>, c: Option<usize>| c.and_then(|c| r.get(c)).map_or(f64::NAN, |v| num(v));
    let (low, high, range) = (col("low_n"), col("high_n"), col("counter_range"));
    let (days, sales, fr) = (
        col("terminal_days"),
        col("transactions"),
        col("false_reversals"),
    );
    let est = col(crate::report::csvout::VOLUME_ESTIMATE);
    let first: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "0").collect();
    let mut points = Vec::new();
    let mut curve = Vec::new();
    for r in &first {
        let t = get(r, days);
        let f = get(r, fr);
        if t > 0.0 && f >= 0.0 {
            let (lo, _) = crate::stats::garwood(f.floor() as u64, 0.95);
            let (_, hi) = crate::stats::garwood(f.ceil() as u64, 0.95);
            points.push(BandPoint {
                x: get(r, sales) / t,
                value: f / t,
                low: lo / t,
                high: hi / t,
                estimate: None,
            });
        }
        // Below the range the curve is zero: drawn from the kink on.
        let e = get(r, est);
        let mid = (get(r, low) + get(r, high)) / 2.0;
        if e > 0.0 && mid.is_finite() {
            curve.push((mid, e));
        }
    }
    let range = first
        .first()
        .map(|r| get(r, range))
        .filter(|r| r.is_finite());
    let applies = first.iter().any(|r| get(r, est).is_finite());
    if let Some(r) = range
        && applies
    {
        // max(0, N - R) * q has its kink at R.
        curve.push((r, 0.0));
    }
    let chart = charts::volume(
        &format!("{title}: false reversals against daily volume"),
        &points,
        &curve,
        range,
    )?;
    Ok(vec![("volume".into(), chart)])
}

fn history(header: &[String], rows: &[Vec<String>]) -> Result<Vec<Named>, PlotError> {
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

/// The clock picture of replication `replication`: each host's offset (s)
/// against true time (h) over `horizon`, sampled at the clock's breakpoints
/// (syncs, steps, wander steps, slew ends) and on an even grid, with outages
/// and steps marked.
pub fn clock_chart(
    title: &str,
    hosts: &std::collections::BTreeMap<String, crate::clock::ClockSpec>,
    seed: u64,
    replication: u64,
    horizon: crate::time::SimDuration,
) -> Result<Chart, ChartError> {
    use crate::clock::{Clock, ClockEventKind};
    use crate::time::SimTime;
    const GRID: i64 = 400;
    const MAX_BREAKPOINTS: usize = 20_000;
    let streams = crate::engine::Streams::new(seed, replication);
    let end = SimTime::ZERO + horizon;
    let mut lines = Vec::new();
    let mut marks = Vec::new();
    for (name, spec) in hosts {
        let clock = Clock::new(spec, streams.stream(&format!("clock/{name}")));
        let mut times: Vec<SimTime> = (0..=GRID)
            .map(|i| SimTime::from_nanos(horizon.as_nanos() / GRID * i))
            .collect();
        for e in clock
            .events()
            .take_while(|e| e.at <= end)
            .take(MAX_BREAKPOINTS)
        {
            // both sides of a jump
            times.push(SimTime::from_nanos((e.at.as_nanos() - 1).max(0)));
            times.push(e.at);
            match e.kind {
                ClockEventKind::OutageStart => {
                    marks.push((e.at.as_secs_f64() / 3600.0, format!("{name}: sync off")))
                }
                ClockEventKind::OutageEnd => {
                    marks.push((e.at.as_secs_f64() / 3600.0, format!("{name}: sync on")))
                }
                ClockEventKind::Step { by } => {
                    marks.push((e.at.as_secs_f64() / 3600.0, format!("{name}: step {by}")))
                }
                _ => {}
            }
        }
        times.sort();
        times.dedup();
        let mut c = clock.clone();
        let points = times
            .iter()
            .map(|t| (t.as_secs_f64() / 3600.0, c.offset(*t).as_secs_f64()))
            .collect();
        lines.push(Series {
            name: name.clone(),
            points,
        });
    }
    charts::clocks(
        &format!("{title}: clock offsets, replication {replication}"),
        &lines,
        &marks,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_each_kind() {
        let summary =
            "x,m,m_ci_low,m_ci_high,m_estimate\n\"1m\",0.1,0.05,0.2,0.1\n\"2m\",0.2,0.1,0.3,0.2\n";
        let c = charts("t", summary).unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].0, "sweep-m");
        assert!(c[0].1.svg.contains("(minutes)"));
        let no_sweep = "m,m_ci_low,m_ci_high,m_estimate\n0.1,0.05,0.2,0.1\n";
        assert!(charts("t", no_sweep).unwrap().is_empty());
        let daily = "point,day,users,error_pages\n0,0,10,1\n0,1,12,0\n";
        assert_eq!(charts("t", daily).unwrap()[0].0, "daily");
        let margin = "point,low_s,high_s,count\n0,,-100000,1\n0,-1,0,3\n0,0,0.001,7\n";
        assert_eq!(charts("t", margin).unwrap()[0].0, "margin");
        let volume = "point,low_n,high_n,counter_range,terminal_days,transactions,false_reversals,false_reversals_per_terminal_day_estimate\n0,975,999,999,40,39480,0,0\n0,1000,1024,999,30,30330,4,0.013\n0,2000,,999,1,2100,3,\n";
        let c = charts("t", volume).unwrap();
        assert_eq!(c[0].0, "volume");
        assert!(c[0].1.svg.contains("counter range R = 999"));
        let hist = "label,time,scenario,metric,value,ci_low,ci_high\na,t,lisa,rate,0.1,0.05,0.2\nb,t,lisa,rate,0.2,0.1,0.3\n";
        assert_eq!(charts("t", hist).unwrap()[0].0, "history-lisa-rate");
        assert!(matches!(
            charts("t", "a,b\n1,2\n"),
            Err(PlotError::Unknown(_))
        ));
    }
}
