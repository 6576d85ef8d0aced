//! Sweep charts, shared by `run` (from its results), `plot` (from
//! `summary.csv`) and `report`: a metric against the first swept key, one
//! line per value of the second key, one chart per combination of the
//! others (at most a few), the scenario's `[[expect]]` limits drawn across.
//! A metric that does not vary over the sweep gets no chart: a flat line
//! says nothing a table does not.

use crate::charts::{self, BandPoint, BandSeries, Chart, ChartError, Limit};
use crate::report::axis_value;

/// One point of a sweep: its swept values (in key order) and the metric's
/// figures there (`x` is ignored: it is read from the first value).
#[derive(Debug, Clone)]
pub struct SweepRow {
    /// The swept values, in the order of the keys.
    pub params: Vec<String>,
    /// The figures.
    pub figures: BandPoint,
}

/// One drawn chart.
#[derive(Debug, Clone)]
pub struct SweepChart {
    /// The combination of the third and later keys it holds (`k=v, ...`),
    /// empty with two keys or fewer.
    pub held: String,
    /// The chart.
    pub chart: Chart,
}

/// What [`charts_of`] drew for one metric.
#[derive(Debug, Clone, Default)]
pub struct SweepCharts {
    /// The charts, at most `max_charts`.
    pub charts: Vec<SweepChart>,
    /// Combinations of the third and later keys not drawn.
    pub left_out: usize,
    /// Values of the second key not drawn (past the palette).
    pub lines_left_out: usize,
}

/// Most lines on one sweep chart (one per value of the second key).
pub const MAX_LINES: usize = 8;

/// The unit a duration axis reads best in: (name, seconds per unit).
pub fn duration_unit(max_abs_s: f64) -> (&'static str, f64) {
    if max_abs_s >= 2.0 * 86_400.0 {
        ("d", 86_400.0)
    } else if max_abs_s >= 2.0 * 3600.0 {
        ("h", 3600.0)
    } else if max_abs_s >= 120.0 {
        ("min", 60.0)
    } else if max_abs_s >= 2.0 {
        ("s", 1.0)
    } else {
        ("ms", 1e-3)
    }
}

/// True when the metric takes one value (and one interval) at every point
/// where it is defined.
pub fn is_flat(rows: &[SweepRow]) -> bool {
    let same = |a: f64, b: f64| {
        (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
    };
    let Some(first) = rows.first() else {
        return true;
    };
    let f = first.figures;
    rows.iter().all(|r| {
        let g = r.figures;
        same(f.value, g.value) && same(f.low, g.low) && same(f.high, g.high)
    })
}

/// Groups `items` by `key`, in order of first appearance.
fn group_by<'a, T>(items: &[&'a T], key: impl Fn(&T) -> String) -> Vec<(String, Vec<&'a T>)> {
    let mut groups: Vec<(String, Vec<&T>)> = Vec::new();
    for it in items {
        let k = key(it);
        match groups.iter_mut().find(|(g, _)| *g == k) {
            Some((_, v)) => v.push(it),
            None => groups.push((k, vec![it])),
        }
    }
    groups
}

/// Draws `metric` (axis label `y_label`) of the scenario `name` against the
/// first of `keys`, over `rows` (in sweep order), with `limits` across.
/// Nothing when there is no swept key or the metric is flat.
pub fn charts_of(
    name: &str,
    keys: &[String],
    rows: &[SweepRow],
    metric: &str,
    y_label: &str,
    limits: &[Limit],
    max_charts: usize,
) -> Result<SweepCharts, ChartError> {
    let Some(key) = keys.first() else {
        return Ok(SweepCharts::default());
    };
    if rows.is_empty() || is_flat(rows) {
        return Ok(SweepCharts::default());
    }
    let values: Vec<Option<(f64, bool)>> = rows
        .iter()
        .map(|r| r.params.first().and_then(|v| axis_value(v)))
        .collect();
    let numeric = values.iter().all(Option::is_some);
    let durations = numeric && values.iter().flatten().any(|(_, d)| *d);
    let (x_label, scale) = if !numeric {
        (format!("{key} (point number, see the table)"), 1.0)
    } else if durations {
        let max = values
            .iter()
            .flatten()
            .map(|(v, _)| v.abs())
            .fold(0.0, f64::max);
        let (u, s) = duration_unit(max);
        (format!("{key} ({u})"), s)
    } else {
        (key.clone(), 1.0)
    };
    let placed: Vec<(usize, &SweepRow)> = rows.iter().enumerate().collect();
    let refs: Vec<&(usize, &SweepRow)> = placed.iter().collect();
    let kv = |r: &SweepRow, range: std::ops::Range<usize>| {
        keys.iter()
            .zip(&r.params)
            .skip(range.start)
            .take(range.end.saturating_sub(range.start))
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let by_rest = group_by(&refs, |(_, r)| kv(r, 2..keys.len()));
    let mut out = SweepCharts {
        left_out: by_rest.len().saturating_sub(max_charts),
        ..SweepCharts::default()
    };
    for (held, members) in by_rest.into_iter().take(max_charts) {
        // a line is named by the last part of its key (`grace=5m`); the
        // title names the whole key
        let lines = group_by(&members, |(_, r)| {
            keys.get(1)
                .zip(r.params.get(1))
                .map(|(k, v)| format!("{}={v}", k.rsplit('.').next().unwrap_or(k)))
                .unwrap_or_default()
        });
        out.lines_left_out = out
            .lines_left_out
            .max(lines.len().saturating_sub(MAX_LINES));
        let series: Vec<BandSeries> = lines
            .into_iter()
            .take(MAX_LINES)
            .map(|(line, pts)| BandSeries {
                name: line,
                points: pts
                    .iter()
                    .map(|(i, r)| BandPoint {
                        x: match values[*i] {
                            Some((x, _)) => x / scale,
                            None => *i as f64,
                        },
                        ..r.figures
                    })
                    .collect(),
            })
            .collect();
        let by = keys.get(1).map(|k| format!(" by {k}")).unwrap_or_default();
        let title = if held.is_empty() {
            format!("{name}: {metric} against {key}{by}")
        } else {
            format!("{name}: {metric} against {key}{by} ({held})")
        };
        let chart = charts::sweep(&title, &x_label, y_label, &series, limits)?;
        out.charts.push(SweepChart { held, chart });
    }
    Ok(out)
}

/// The limits of `metric` among `expects` (`max`, `min`), labelled.
pub fn limits_of<'a>(
    expects: impl IntoIterator<Item = &'a crate::scenario::Expect>,
    metric: &str,
) -> Vec<Limit> {
    let mut out: Vec<Limit> = Vec::new();
    for e in expects.into_iter().filter(|e| e.metric == metric) {
        for (value, what) in [(e.max, "max"), (e.min, "min")] {
            if let Some(value) = value {
                let label = format!("{what} {}", crate::fmt::fmt_clean(value));
                if !out.iter().any(|l| l.label == label) {
                    out.push(Limit { value, label });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(params: &[&str], value: f64) -> SweepRow {
        SweepRow {
            params: params.iter().map(|s| s.to_string()).collect(),
            figures: BandPoint {
                x: f64::NAN,
                value,
                low: value * 0.8,
                high: value * 1.2,
                estimate: None,
            },
        }
    }

    #[test]
    fn a_flat_metric_gets_no_chart() {
        let keys = vec!["grace".to_string()];
        let flat = [row(&["\"1m\""], 5.0), row(&["\"2m\""], 5.0)];
        let drawn = charts_of("s", &keys, &flat, "users", "users", &[], 6).unwrap();
        assert!(drawn.charts.is_empty());
        let moving = [row(&["\"1m\""], 5.0), row(&["\"2m\""], 6.0)];
        let drawn = charts_of("s", &keys, &moving, "rate", "rate", &[], 6).unwrap();
        assert_eq!(drawn.charts.len(), 1);
        assert!(drawn.charts[0].chart.svg.contains("grace (min)"));
    }

    #[test]
    fn the_second_key_gives_lines_and_the_third_charts() {
        let keys: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let mut rows = Vec::new();
        for c in ["1", "2", "3"] {
            for b in ["10", "20"] {
                for a in ["0", "1", "2"] {
                    let v = a.parse::<f64>().unwrap() + b.parse::<f64>().unwrap();
                    rows.push(row(&[a, b, c], v));
                }
            }
        }
        let limits = vec![Limit {
            value: 15.0,
            label: "max 15".into(),
        }];
        let drawn = charts_of("s", &keys, &rows, "m", "m", &limits, 2).unwrap();
        assert_eq!(drawn.charts.len(), 2);
        assert_eq!(drawn.left_out, 1);
        assert_eq!(drawn.charts[1].held, "c=2");
        let svg = &drawn.charts[0].chart.svg;
        assert!(svg.contains("s: m against a by b (c=1)"), "{svg}");
        assert!(svg.contains("b=10") && svg.contains("b=20"));
        assert!(svg.contains("max 15"));
    }

    #[test]
    fn limits_come_from_the_expectations() {
        let e = [
            crate::scenario::Expect {
                metric: "rate".into(),
                max: Some(0.01),
                min: None,
            },
            crate::scenario::Expect {
                metric: "other".into(),
                max: Some(3.0),
                min: Some(1.0),
            },
        ];
        let l = limits_of(&e, "rate");
        assert_eq!(l.len(), 1);
        assert_eq!((l[0].value, l[0].label.as_str()), (0.01, "max 0.01"));
        assert_eq!(limits_of(&e, "other").len(), 2);
    }

    #[test]
    fn duration_axes_pick_a_readable_unit() {
        assert_eq!(duration_unit(600.0), ("min", 60.0));
        assert_eq!(duration_unit(0.5), ("ms", 1e-3));
    }
}
