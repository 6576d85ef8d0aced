//! `racesim check FILE... [--baseline FILE] [--history FILE --label L]`:
//! runs each scenario, evaluates every `[[expect]]` and the baseline, and
//! exits 0 when all pass, 1 when any fails or is inconclusive, 2 on bad input.

use std::path::Path;

use crate::Error;
use crate::cli::run::{Save, run_file};
use crate::cli::{CheckArgs, Format};
use crate::experiment::PointResult;
use crate::report::check::{self, CheckLine, HistoryRow, Verdict};
use crate::report::output::write_atomic;
use crate::report::table::render;

/// Baseline figures: (scenario, point, metric) -> (value, low, high).
type Baseline = Vec<(String, String, String, (f64, f64, f64))>;

fn point_label(p: &PointResult) -> String {
    p.params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn read_baseline(path: &Path) -> Result<Baseline, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Usage(format!("cannot read the baseline {}: {e}", path.display())))?;
    let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Error::Usage(format!(
            "{}: not a racesim summary.json: {e}",
            path.display()
        ))
    })?;
    let docs: Vec<&serde_json::Value> = match doc.get("scenarios").and_then(|s| s.as_array()) {
        Some(a) => a.iter().collect(),
        None => vec![&doc],
    };
    let mut out = Vec::new();
    for d in docs {
        let name = d["scenario"].as_str().unwrap_or_default().to_string();
        let mut add = |point: String, metrics: &serde_json::Value| {
            if let Some(m) = metrics.as_object() {
                for (k, v) in m {
                    let f = |key: &str| v[key].as_f64().unwrap_or(f64::NAN);
                    out.push((
                        name.clone(),
                        point.clone(),
                        k.clone(),
                        (f("value"), f("ci_low"), f("ci_high")),
                    ));
                }
            }
        };
        if let Some(points) = d["points"].as_array() {
            for p in points {
                let label = p["params"]
                    .as_object()
                    .map(|o| {
                        o.iter()
                            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default();
                add(label, &p["metrics"]);
            }
        } else {
            add(String::new(), &d["metrics"]);
        }
    }
    if out.is_empty() {
        return Err(Error::Usage(format!(
            "{}: no metrics found in the baseline",
            path.display()
        )));
    }
    Ok(out)
}

/// Runs the checks.
pub fn check(a: &CheckArgs) -> Result<(), Error> {
    let baseline = a.baseline.as_deref().map(read_baseline).transpose()?;
    let mut lines: Vec<CheckLine> = Vec::new();
    let mut history = Vec::new();
    let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let mut common = a.common.clone();
    common.quiet = common.quiet || a.common.format != Format::Table;
    for file in &a.files {
        // a gate writes result folders only when asked (`--out DIR`)
        let save = if a.common.out.is_some() {
            Save::Folder
        } else {
            Save::Nothing
        };
        let run = run_file(file, &common, None, save)?;
        for p in &run.results {
            let sc = &p.scenario;
            let point = point_label(p);
            let n = p.reps.len();
            for e in &sc.expects {
                let Some(m) = p.metric(&e.metric) else {
                    continue;
                };
                for (rule, verdict, note) in check::evaluate(m, e.max, e.min, n) {
                    lines.push(CheckLine {
                        scenario: sc.name.clone(),
                        point: point.clone(),
                        metric: e.metric.clone(),
                        rule,
                        value: m.estimate.value,
                        ci_low: m.estimate.ci.low,
                        ci_high: m.estimate.ci.high,
                        verdict,
                        note,
                    });
                }
            }
            if let Some(base) = &baseline {
                for m in &p.metrics {
                    let found = base
                        .iter()
                        .find(|(s, pt, name, _)| *s == sc.name && *pt == point && name == m.name);
                    if let Some((_, _, _, figures)) = found
                        && let Some((verdict, note)) = check::against_baseline(m, *figures)
                    {
                        lines.push(CheckLine {
                            scenario: sc.name.clone(),
                            point: point.clone(),
                            metric: m.name.to_string(),
                            rule: "baseline".into(),
                            value: m.estimate.value,
                            ci_low: m.estimate.ci.low,
                            ci_high: m.estimate.ci.high,
                            verdict,
                            note,
                        });
                    }
                }
            }
            if let Some(label) = &a.label {
                for m in &p.metrics {
                    history.push(HistoryRow {
                        label: label.clone(),
                        time: now.clone(),
                        scenario: if point.is_empty() {
                            sc.name.clone()
                        } else {
                            format!("{} [{point}]", sc.name)
                        },
                        metric: m.name.to_string(),
                        value: m.estimate.value,
                        ci_low: m.estimate.ci.low,
                        ci_high: m.estimate.ci.high,
                    });
                }
            }
        }
    }
    if let Some(path) = &a.history {
        let existing = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => {
                return Err(Error::Usage(format!(
                    "cannot read the history {}: {e}",
                    path.display()
                )));
            }
        };
        write_atomic(path, check::append_history(&existing, &history).as_bytes())?;
    }
    print_lines(&lines, a.common.format);
    let failed = lines.iter().filter(|l| l.verdict != Verdict::Pass).count();
    if lines.is_empty() {
        if a.common.format == Format::Table {
            println!("no [[expect]] in the scenarios and no baseline: nothing to check");
        }
        return Ok(());
    }
    if failed > 0 {
        return Err(Error::CheckFailed(format!(
            "{failed} of {} checks failed or were inconclusive",
            lines.len()
        )));
    }
    Ok(())
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Fail => "FAIL",
        Verdict::Inconclusive => "INCONCLUSIVE",
    }
}

fn print_lines(lines: &[CheckLine], format: Format) {
    let fmt = crate::report::fmt_num;
    match format {
        Format::Json => {
            let doc = serde_json::json!({
                "passed": lines.iter().all(|l| l.verdict == Verdict::Pass),
                "checks": lines,
            });
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        Format::Markdown => {
            println!("| result | scenario | metric | rule | value | 95% interval | note |");
            println!("|---|---|---|---|---|---|---|");
            for l in lines {
                let icon = match l.verdict {
                    Verdict::Pass => "✅ pass",
                    Verdict::Fail => "❌ fail",
                    Verdict::Inconclusive => "⚠️ inconclusive",
                };
                let sc = if l.point.is_empty() {
                    l.scenario.clone()
                } else {
                    format!("{} ({})", l.scenario, l.point)
                };
                println!(
                    "| {icon} | {sc} | `{}` | {} | {} | [{}, {}] | {} |",
                    l.metric,
                    l.rule,
                    fmt(l.value),
                    fmt(l.ci_low),
                    fmt(l.ci_high),
                    l.note
                );
            }
        }
        Format::Table | Format::Csv => {
            let mut rows = vec![vec![
                "result".to_string(),
                "scenario".into(),
                "metric".into(),
                "rule".into(),
                "value".into(),
                "95% interval".into(),
                "note".into(),
            ]];
            for l in lines {
                let sc = if l.point.is_empty() {
                    l.scenario.clone()
                } else {
                    format!("{} ({})", l.scenario, l.point)
                };
                rows.push(vec![
                    verdict_word(l.verdict).into(),
                    sc,
                    l.metric.clone(),
                    l.rule.clone(),
                    fmt(l.value),
                    format!("[{}, {}]", fmt(l.ci_low), fmt(l.ci_high)),
                    l.note.clone(),
                ]);
            }
            print!("{}", render(&rows));
        }
    }
}
