//! `racesim check FILE... [--baseline FILE] [--history FILE --label L]`:
//! runs each scenario, evaluates every `[[expect]]` and the baseline, and
//! exits 0 when all pass, 1 when any fails or is inconclusive, 2 on bad input.

use std::path::Path;

use crate::Error;
use crate::cli::run::{Save, run_file};
use crate::cli::{CheckArgs, Format};
use crate::experiment::PointResult;
use crate::fmt::escape_cell;
use crate::input;
use crate::report::check::{self, CheckLine, HistoryRow, Verdict};
use crate::report::output::update_file;
use crate::report::table::render;

/// Baseline figures: (scenario, point, metric) -> (value, low, high); an
/// undefined figure (JSON `null`, as racesim writes a metric without a
/// value) is NaN.
type Baseline = Vec<(String, String, String, (f64, f64, f64))>;

fn point_label(p: &PointResult) -> String {
    p.params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads a baseline: a summary.json of racesim (a regular file of at most
/// [`input::MAX_BASELINE_BYTES`]). Every figure must be a number or `null`;
/// anything else (`"NaN"`, `"abc"`, an object) is refused with the metric
/// named.
fn read_baseline(path: &Path) -> Result<Baseline, Error> {
    let shown = path.display();
    let text =
        input::read_text(path, "the baseline", input::MAX_BASELINE_BYTES).map_err(Error::Usage)?;
    let not_summary = |why: String| {
        Error::Usage(format!(
            "{shown}: not a racesim summary.json ({why}); give --baseline the summary.json of \
             an earlier run"
        ))
    };
    let doc: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| not_summary(e.to_string()))?;
    let docs: Vec<&serde_json::Value> = match doc.get("scenarios").and_then(|s| s.as_array()) {
        Some(a) => a.iter().collect(),
        None => vec![&doc],
    };
    let mut out = Vec::new();
    for d in docs {
        let name = d["scenario"]
            .as_str()
            .ok_or_else(|| not_summary("no `scenario` name".into()))?
            .to_string();
        let mut add = |point: String, metrics: &serde_json::Value| -> Result<(), Error> {
            let m = metrics
                .as_object()
                .ok_or_else(|| not_summary(format!("`metrics` of {name} is not an object")))?;
            for (k, v) in m {
                let f = |key: &str| match &v[key] {
                    serde_json::Value::Null => Ok(f64::NAN),
                    serde_json::Value::Number(n) => n.as_f64().ok_or(()),
                    _ => Err(()),
                };
                let figure = |key: &str| {
                    f(key).map_err(|()| {
                        Error::Usage(format!(
                            "{shown}: metric `{k}` of {name}{}: `{key}` is {}, not a number: \
                             not a summary.json racesim wrote (edited?)",
                            if point.is_empty() {
                                String::new()
                            } else {
                                format!(" at {point}")
                            },
                            v[key]
                        ))
                    })
                };
                out.push((
                    name.clone(),
                    point.clone(),
                    k.clone(),
                    (figure("value")?, figure("ci_low")?, figure("ci_high")?),
                ));
            }
            Ok(())
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
                add(label, &p["metrics"])?;
            }
        } else {
            add(String::new(), &d["metrics"])?;
        }
    }
    if out.is_empty() {
        return Err(not_summary("no metrics found".into()));
    }
    Ok(out)
}

/// Refuses a baseline that holds no figure of scenario `name`: comparing
/// nothing would pass silently.
fn baseline_has(base: &Baseline, path: &Path, name: &str) -> Result<(), Error> {
    if base.iter().any(|(s, ..)| s == name) {
        return Ok(());
    }
    let mut names: Vec<&str> = base.iter().map(|(s, ..)| s.as_str()).collect();
    names.dedup();
    Err(Error::Usage(format!(
        "the baseline {} is a run of {}, not of `{name}`: nothing could be compared; give \
         --baseline the summary.json of a run of `{name}`",
        path.display(),
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// Runs the checks.
pub fn check(a: &CheckArgs) -> Result<(), Error> {
    let baseline = a.baseline.as_deref().map(read_baseline).transpose()?;
    if let (Some(base), Some(path)) = (&baseline, &a.baseline) {
        // before anything runs: every scenario must have figures to compare
        let overrides = a.common.overrides()?;
        for file in &a.files {
            let name = crate::scenario::load_file(file, &overrides)?.name;
            baseline_has(base, path, &name)?;
        }
    }
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
                    if check::worse_when_higher(m.name).is_none() {
                        // a volume (users, transactions): no better or worse
                        continue;
                    }
                    let found = base
                        .iter()
                        .find(|(s, pt, name, _)| *s == sc.name && *pt == point && name == m.name);
                    let outcome = match found {
                        None => Some((
                            Verdict::Inconclusive,
                            "not compared: the baseline has no figure of this metric here".into(),
                        )),
                        Some((_, _, _, figures)) if !figures.0.is_finite() => Some((
                            Verdict::Inconclusive,
                            "not compared: the baseline's value is undefined (null)".into(),
                        )),
                        Some(_) if !m.estimate.value.is_finite() => Some((
                            Verdict::Inconclusive,
                            "not compared: this run's value is undefined".into(),
                        )),
                        Some((_, _, _, figures)) => check::against_baseline(m, *figures),
                    };
                    if let Some((verdict, note)) = outcome {
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
                        label: escape_cell(label),
                        time: now.clone(),
                        scenario: escape_cell(&if point.is_empty() {
                            sc.name.clone()
                        } else {
                            format!("{} [{point}]", sc.name)
                        }),
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
        append_history(path, &history)?;
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

/// Appends `rows` to the history at `path`: a racesim history (its header,
/// every row whole) or a new file; through a symbolic link, the file it
/// points to is updated and the link kept. Two checks appending at once
/// both keep their rows (the update holds the folder's lock).
fn append_history(path: &Path, rows: &[HistoryRow]) -> Result<(), Error> {
    let target = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path).map_err(|_| {
            let to = std::fs::read_link(path)
                .map(|t| t.display().to_string())
                .unwrap_or_else(|_| "?".into());
            Error::Usage(format!(
                "cannot append to the history {}: it is a symbolic link to {to}, which does \
                 not exist",
                path.display()
            ))
        })?,
        _ => path.to_path_buf(),
    };
    let mut refused = None;
    update_file(&target, input::MAX_HISTORY_BYTES, &mut |existing| {
        let existing = match existing {
            None => String::new(),
            Some(Err(why)) => {
                refused = Some(format!(
                    "cannot append to the history {}: {why}",
                    path.display()
                ));
                return None;
            }
            Some(Ok(bytes)) => match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(_) => {
                    refused = Some(format!(
                        "cannot append to the history {}: it is not UTF-8 text",
                        path.display()
                    ));
                    return None;
                }
            },
        };
        match check::append_history(&existing, rows, &path.display().to_string()) {
            Ok(text) => Some(text.into_bytes()),
            Err(why) => {
                refused = Some(format!("cannot append to the history: {why}"));
                None
            }
        }
    })?;
    match refused {
        Some(m) => Err(Error::Usage(m)),
        None => Ok(()),
    }
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Fail => "FAIL",
        Verdict::Inconclusive => "INCONCLUSIVE",
    }
}

fn print_lines(lines: &[CheckLine], format: Format) {
    let fmt = crate::fmt::fmt_num;
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
