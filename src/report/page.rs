//! Builds the report page ([`crate::report::html::Page`]) from a scenario's results: the
//! question from the file's leading comment, the figures beside their
//! back-of-envelope, the `[[expect]]` verdicts, the charts and what
//! reproduces them. Pure: results in, a page (with its SVG charts) out.
//!
//! Chart data comes from the same per-replication outputs the CSV files are
//! made of, so the page and `margin.csv` / `daily.csv` / `summary.csv` always
//! agree:
//!
//! - **sweep** (a scenario with `[sweep]`): each headline metric against the
//!   first swept key, with its 95% band and the back-of-envelope curve; with
//!   several swept keys, one chart per combination of the others (at most
//!   [`MAX_SWEEP_GROUPS`]).
//! - **the model's own charts** ([`crate::model::Model::report_charts`]):
//!   the checkout model's margin histogram (`margin.csv`), the terminal
//!   model's false reversals against daily volume (`volume.csv`).
//! - **daily series**: the columns of `daily.csv`, as the mean per replication.
//!
//! The headline metrics are those named in `[[expect]]`; without any, the
//! rates (every metric whose name contains `rate`); failing that, the first
//! metric. The model's and the daily charts are drawn for one point: the
//! only one without a sweep, else the point where the first headline metric
//! is worst.

use crate::charts::{self, BandPoint, ChartError, Series};
use crate::engine::GENERATOR;
use crate::experiment::{MetricResult, PointResult};
use crate::report::check::{self, CheckLine};
use crate::report::html::{ChartSection, Figure, FirstFailure, Page, PointFigures, Reproduce};
use crate::report::sweepchart::{self, SweepRow};
use crate::report::{clocks, point_warnings, verdict};
use crate::scenario::{Override, Source};

/// Where the detail charts (the model's own, the daily series) come from.
#[derive(Debug, Clone)]
pub enum Detail {
    /// From the replications in memory (a run that just finished).
    Simulated,
    /// Drawn already, from a result folder's files (`report DIR`).
    Files(Vec<ChartSection>),
}

/// Most sweep charts drawn per metric when a grid has several swept keys.
pub const MAX_SWEEP_GROUPS: usize = 6;

/// Builds the page of one scenario run.
///
/// `source` is the scenario file as read, `results` its points in sweep
/// order, `swept` whether it was a sweep, and `overrides` the command-line
/// overrides (`--seed`, `--replications`, `--set`) the run applied.
pub fn build(
    source: &Source,
    results: &[PointResult],
    swept: bool,
    overrides: &[Override],
    detail: Detail,
    first_failure: Option<FirstFailure>,
) -> Result<Page, ChartError> {
    let Some(first) = results.first() else {
        return Err(ChartError::Draw("no results to report".into()));
    };
    let sc = &first.scenario;
    let headline = headline_metrics(first);
    let focus = focus(results);
    let mut charts_out = Vec::new();
    if swept {
        for metric in &headline {
            charts_out.extend(sweep_charts(&sc.name, results, metric)?);
        }
    }
    let point = &results[focus];
    let at = if swept && !point.params.is_empty() {
        format!(
            " Drawn at {}, the sweep point where {} is worst.",
            label(point),
            headline.first().map(String::as_str).unwrap_or("the metric")
        )
    } else {
        String::new()
    };
    if !sc.hosts.is_empty() && sc.hosts.values().any(|h| !h.is_ideal()) {
        let chart = clocks::clock_chart(&sc.name, &sc.hosts, sc.seed, 0, sc.horizon)?;
        charts_out.push(ChartSection {
            title: "Host clocks".into(),
            caption: "Each host's clock offset from true time in replication 0 (positive = ahead), with its syncs, steps and outages marked: the clock picture behind the figures (racesim trace FILE --clocks lists every sync).".into(),
            file: "report-clocks.svg".into(),
            svg: chart.svg,
        });
    } else if let Some(chart) = sc.model.clock_chart(&sc.name, sc.seed, 0)? {
        charts_out.push(ChartSection {
            title: "Model clocks".into(),
            caption: "The model's own clocks in replication 0 (for terminals: a sample of terminals, those whose clocks step first, and the processor), each one's offset from true time (positive = ahead), steps marked: whose day is whose near midnight.".into(),
            file: "report-clocks.svg".into(),
            svg: chart.svg,
        });
    }
    match detail {
        Detail::Simulated => {
            charts_out.extend(
                point
                    .scenario
                    .model
                    .report_charts(&point.view(), &sc.name, &at)?,
            );
            if let Some(c) = daily_chart(&sc.name, point, &at)? {
                charts_out.push(c);
            }
        }
        Detail::Files(sections) => charts_out.extend(sections),
    }

    let sweep = if swept {
        sc.sweep
            .iter()
            .map(|a| {
                (
                    a.path.clone(),
                    a.values
                        .iter()
                        .map(|v| v.trim_matches('"').to_string())
                        .collect(),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let checks = checks(results);
    let where_ = if swept && !point.params.is_empty() {
        format!("At {}, the sweep point where it is worst: ", label(point))
    } else {
        String::new()
    };
    let verdict = verdict::paragraphs(results, &headline, focus, &where_, &checks);
    Ok(Page {
        name: sc.name.clone(),
        model: sc.model_name().into(),
        file: shown_path(&source.path),
        verdict,
        description: sc.description.trim().to_string(),
        question: leading_comment(&source.text),
        points: results
            .iter()
            .map(|p| PointFigures {
                label: label(p),
                figures: p.metrics.iter().map(figure).collect(),
            })
            .collect(),
        notes: notes(results),
        checks,
        charts: charts_out,
        first_failure,
        sweep,
        overrides: overrides.iter().map(Override::to_string).collect(),
        scenario_text: source.text.clone(),
        reproduce: Reproduce {
            seed: sc.seed,
            replications: sc.replications,
            horizon: sc.horizon.to_string(),
            estimator: sc.estimator.name().into(),
            generator: GENERATOR.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            command: command(source, sc.seed, sc.replications, overrides),
        },
    })
}

/// The leading comment of a scenario file, one string per paragraph (a
/// comment line with nothing after `#` separates paragraphs). It ends at the
/// first line that is neither a comment nor blank.
pub fn leading_comment(text: &str) -> Vec<String> {
    let mut paragraphs = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut flush = |current: &mut Vec<&str>| {
        if !current.is_empty() {
            paragraphs.push(current.join(" "));
            current.clear();
        }
    };
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() {
            flush(&mut current);
            continue;
        }
        let Some(body) = t.strip_prefix('#') else {
            break;
        };
        let body = body.trim();
        if body.is_empty() {
            flush(&mut current);
        } else {
            current.push(body);
        }
    }
    flush(&mut current);
    paragraphs
}

fn label(p: &PointResult) -> String {
    p.params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn figure(m: &MetricResult) -> Figure {
    Figure {
        metric: m.name.to_string(),
        unit: m.unit.to_string(),
        value: m.figure.value,
        low: m.figure.ci.low,
        high: m.figure.ci.high,
        method: m.figure.ci.method.as_str().into(),
        estimate: m.closed_form,
        estimate_naive: m.closed_form_naive,
        definition: verdict::short_definition(&m.name),
    }
}

/// A path as the page shows it: as given when relative, only its file name
/// when absolute (a page is shared: a local folder means nothing to its
/// reader and may say more than it should).
pub fn shown_path(path: &std::path::Path) -> String {
    if path.is_absolute() {
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    } else {
        path.display().to_string()
    }
}

fn headline_metrics(p: &PointResult) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in &p.scenario.expects {
        if p.metric(&e.metric).is_some() && !out.contains(&e.metric) {
            out.push(e.metric.clone());
        }
    }
    if out.is_empty() {
        out = p
            .metrics
            .iter()
            .filter(|m| m.name.contains("rate"))
            .map(|m| m.name.to_string())
            .collect();
    }
    if out.is_empty()
        && let Some(m) = p.metrics.first()
    {
        out.push(m.name.to_string());
    }
    out
}

/// The point the page's detail charts and first failure are drawn at: the
/// only one, or the sweep point where the first headline metric is worst.
pub fn focus(results: &[PointResult]) -> usize {
    let Some(first) = results.first() else {
        return 0;
    };
    focus_point(results, headline_metrics(first).first().map(String::as_str))
}

/// The `key=value, ...` label of a sweep point (empty without a sweep).
pub fn point_label(p: &PointResult) -> String {
    label(p)
}

/// The point the margin and daily charts show: the only one, or the one where
/// `metric` is worst (the first of equals).
fn focus_point(results: &[PointResult], metric: Option<&str>) -> usize {
    let Some(metric) = metric else { return 0 };
    let direction = results
        .iter()
        .find_map(|p| p.metric(metric))
        .map(|m| m.direction);
    let Some(higher_worse) = direction.and_then(check::worse_when_higher) else {
        return 0;
    };
    let mut best: Option<(usize, f64)> = None;
    for (i, p) in results.iter().enumerate() {
        let Some(v) = p.metric(metric).map(|m| m.figure.value) else {
            continue;
        };
        if !v.is_finite() {
            continue;
        }
        let worse = match best {
            None => true,
            Some((_, b)) => (higher_worse && v > b) || (!higher_worse && v < b),
        };
        if worse {
            best = Some((i, v));
        }
    }
    best.map(|(i, _)| i).unwrap_or(0)
}

fn notes(results: &[PointResult]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in results {
        if let Some(why) = p.scenario.model.closed_form_unavailable() {
            let at = if p.params.is_empty() {
                String::new()
            } else {
                format!(" at {}", label(p))
            };
            let note = format!("The back-of-envelope does not apply{at}: {why}.");
            if !out.contains(&note) {
                out.push(note);
            }
        }
    }
    for p in results {
        let at = if p.params.is_empty() {
            String::new()
        } else {
            format!(" (at {})", label(p))
        };
        for w in point_warnings(&p.metrics) {
            out.push(format!("Warning{at}: {w}."));
        }
    }
    if let Some(p) = results.first() {
        out.push(format!(
            "Figures from the {} estimator over {} replications of {} each.",
            p.scenario.estimator.name(),
            p.reps.len(),
            p.scenario.horizon
        ));
    }
    out
}

fn checks(results: &[PointResult]) -> Vec<CheckLine> {
    let mut lines = Vec::new();
    for p in results {
        for e in &p.scenario.expects {
            let Some(m) = p.metric(&e.metric) else {
                continue;
            };
            for (rule, verdict, note) in check::evaluate(m, e.max, e.min, p.reps.len()) {
                lines.push(CheckLine {
                    scenario: p.scenario.name.clone(),
                    point: label(p),
                    metric: e.metric.clone(),
                    rule,
                    value: m.figure.value,
                    ci_low: m.figure.ci.low,
                    ci_high: m.figure.ci.high,
                    verdict,
                    note,
                });
            }
        }
    }
    lines
}

fn sweep_charts(
    name: &str,
    results: &[PointResult],
    metric: &str,
) -> Result<Vec<ChartSection>, ChartError> {
    let Some(first) = results.first() else {
        return Ok(Vec::new());
    };
    let keys: Vec<String> = first.params.iter().map(|(k, _)| k.clone()).collect();
    let Some(key) = keys.first() else {
        return Ok(Vec::new());
    };
    let rows: Vec<SweepRow> = results
        .iter()
        .filter_map(|p| {
            let m = p.metric(metric)?;
            Some(SweepRow {
                params: p.params.iter().map(|(_, v)| v.clone()).collect(),
                figures: BandPoint {
                    x: f64::NAN,
                    value: m.figure.value,
                    low: m.figure.ci.low,
                    high: m.figure.ci.high,
                    estimate: m.closed_form,
                },
            })
        })
        .collect();
    let unit = first
        .metric(metric)
        .map(|m| m.unit.as_ref())
        .filter(|u| !u.is_empty())
        .map(|u| format!(" ({u})"))
        .unwrap_or_default();
    let limits = sweepchart::limits_of(&first.scenario.expects, metric);
    let drawn = sweepchart::charts_of(
        name,
        &keys,
        &rows,
        metric,
        &format!("{metric}{unit}"),
        &limits,
        MAX_SWEEP_GROUPS,
    )?;
    let shown = drawn.charts.len();
    let by = keys.get(1).map(|k| format!(" by {k}")).unwrap_or_default();
    let mut out = Vec::new();
    for (gi, c) in drawn.charts.into_iter().enumerate() {
        let file = if shown == 1 && drawn.left_out == 0 {
            format!("report-sweep-{metric}.svg")
        } else {
            format!("report-sweep-{metric}-{}.svg", gi + 1)
        };
        let mut caption = if keys.len() > 1 {
            format!(
                "{metric} at each sweep point, one line per value of {} with its 95% intervals (bars) and the back-of-envelope (dashed, where it applies).",
                keys[1]
            )
        } else {
            format!(
                "{metric} at each sweep point (line), its 95% interval (band) and the back-of-envelope (dashed orange, where it applies)."
            )
        };
        if !limits.is_empty() {
            caption.push_str(" The red dashed line is the scenario's [[expect]] limit.");
        }
        if !c.held.is_empty() {
            caption.push_str(&format!(" Other swept keys held at {}.", c.held));
        }
        if gi + 1 == shown && drawn.left_out > 0 {
            caption.push_str(&format!(
                " {} more combinations of the other swept keys are in summary.csv.",
                drawn.left_out
            ));
        }
        if gi + 1 == shown && drawn.lines_left_out > 0 {
            caption.push_str(&format!(
                " {} more values of the second key are in summary.csv.",
                drawn.lines_left_out
            ));
        }
        out.push(ChartSection {
            title: if c.held.is_empty() {
                format!("{metric} against {key}{by}")
            } else {
                format!("{metric} against {key}{by} ({})", c.held)
            },
            caption,
            file,
            svg: c.chart.svg,
        });
    }
    Ok(out)
}

/// The daily series of this point: each `daily.csv` column as the mean per
/// replication and day (`daily.csv` holds the sums).
pub fn daily_series(p: &PointResult) -> Vec<Series> {
    let cols = p.scenario.model.daily_columns();
    let n = p.reps.len().max(1) as f64;
    let days = p.reps.iter().map(|(_, r)| r.daily.len()).max().unwrap_or(0);
    cols.iter()
        .enumerate()
        .map(|(c, name)| Series {
            name: (*name).to_string(),
            points: (0..days)
                .map(|d| {
                    let sum: f64 = p
                        .reps
                        .iter()
                        .filter_map(|(_, r)| r.daily.get(d).and_then(|row| row.get(c)))
                        .sum();
                    (d as f64, sum / n)
                })
                .collect(),
        })
        .collect()
}

fn daily_chart(name: &str, p: &PointResult, at: &str) -> Result<Option<ChartSection>, ChartError> {
    let series = daily_series(p);
    if series.is_empty() {
        return Ok(None);
    }
    let chart = charts::panels(
        &format!("{name}: per simulated day, mean per replication"),
        "day (0 = the first)",
        &series,
    )?;
    let names: Vec<&str> = series.iter().map(|s| s.name.as_str()).collect();
    Ok(Some(ChartSection {
        title: "Daily series".into(),
        caption: format!(
            "{} per simulated day, the mean over {} replications (daily.csv holds the sums), one panel each on its own axis; a series that is the same every day is named under the panels instead of drawn.{at}",
            names.join(", "),
            p.reps.len()
        ),
        file: "report-daily.svg".into(),
        svg: chart.svg,
    }))
}

/// Quotes `s` for a POSIX shell when it holds anything but safe characters.
fn shell_quote(s: &str) -> String {
    let safe = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The command that regenerates the page: the file, the seed and replications
/// it ran with, and every `--set`.
fn command(source: &Source, seed: u64, replications: u32, overrides: &[Override]) -> String {
    let mut parts = vec![
        "racesim".to_string(),
        "report".into(),
        shell_quote(&shown_path(&source.path)),
        "--seed".into(),
        seed.to_string(),
        "--replications".into(),
        replications.to_string(),
    ];
    for o in overrides {
        if o.path == "seed" || o.path == "replications" {
            continue;
        }
        parts.push("--set".into());
        parts.push(shell_quote(&o.to_string()));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_question_is_the_leading_comment() {
        let text = "\n# The redirect race.\n#\n# A web front-end\n#   marks records paid.\n\nname = \"x\"\n# not this\n";
        assert_eq!(
            leading_comment(text),
            vec!["The redirect race.", "A web front-end marks records paid."]
        );
        assert!(leading_comment("name = \"x\"\n# late\n").is_empty());
    }

    #[test]
    fn commands_are_quoted_for_the_shell() {
        assert_eq!(shell_quote("scenarios/lisa.toml"), "scenarios/lisa.toml");
        assert_eq!(shell_quote("horizon=\"6h\""), "'horizon=\"6h\"'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        let src = Source::from_text("my dir/lisa.toml", "");
        let ovs = [
            Override {
                path: "seed".into(),
                value: "9".into(),
            },
            Override {
                path: "transfer.grace".into(),
                value: "10m".into(),
            },
        ];
        assert_eq!(
            command(&src, 9, 4, &ovs),
            "racesim report 'my dir/lisa.toml' --seed 9 --replications 4 --set transfer.grace=10m"
        );
    }
}
