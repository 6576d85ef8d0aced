//! `racesim check FILE... [--baseline FILE] [--history FILE --label L]` as
//! a library function: runs each scenario, evaluates every `[[expect]]` and
//! the baseline ([`crate::report::check`] holds the semantics), appends the
//! history, and says whether everything passed.

use std::path::{Path, PathBuf};

use crate::Error;
use crate::experiment::{PointResult, Reporter};
use crate::fmt::escape_cell;
use crate::input;
use crate::output::update_file;
use crate::report::check::{self, CheckLine, HistoryRow, Verdict};

use super::{Options, Save, run_file};

/// What `check` compares and records besides the expectations.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// A summary.json of an earlier run: fail when a metric got
    /// significantly worse.
    pub baseline: Option<PathBuf>,
    /// Append one row per metric to this CSV history, under this label.
    pub history: Option<(PathBuf, String)>,
    /// Write result folders too (`--out` given).
    pub save: bool,
}

/// What the checks found.
#[derive(Debug, Clone)]
pub struct CheckOutcome {
    /// Every evaluated line, in order.
    pub lines: Vec<CheckLine>,
    /// What the user should know (earlier results kept aside).
    pub notes: Vec<String>,
}

impl CheckOutcome {
    /// `Ok` when every line passed (or there was nothing to check), else
    /// [`Error::CheckFailed`] counting the failing and inconclusive lines.
    pub fn verdict(&self) -> Result<(), Error> {
        let failed = self
            .lines
            .iter()
            .filter(|l| l.verdict != Verdict::Pass)
            .count();
        if failed > 0 {
            return Err(Error::CheckFailed(format!(
                "{failed} of {} checks failed or were inconclusive",
                self.lines.len()
            )));
        }
        Ok(())
    }
}

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

/// Runs the checks of `files` (see the module documentation).
pub fn check(
    files: &[PathBuf],
    opts: &Options,
    copts: &CheckOptions,
    reporter: &dyn Reporter,
) -> Result<CheckOutcome, Error> {
    let baseline = copts.baseline.as_deref().map(read_baseline).transpose()?;
    if let (Some(base), Some(path)) = (&baseline, &copts.baseline) {
        // before anything runs: every scenario must have figures to compare
        for file in files {
            let source = crate::scenario::Source::read(file)?;
            let name = crate::scenario::load_with(&opts.registry, &source, &opts.overrides)?.name;
            baseline_has(base, path, &name)?;
        }
    }
    let mut lines: Vec<CheckLine> = Vec::new();
    let mut notes = Vec::new();
    let mut history = Vec::new();
    let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    for file in files {
        // a gate writes result folders only when asked (`--out DIR`)
        let save = if copts.save {
            Save::Folder
        } else {
            Save::Nothing
        };
        let run = run_file(file, opts, None, save, reporter)?;
        notes.extend(run.notes);
        for p in &run.results {
            lines.extend(expectations(p));
            if let Some(base) = &baseline {
                lines.extend(against_baseline(p, base));
            }
            if let Some((_, label)) = &copts.history {
                history.extend(history_rows(p, label, &now));
            }
        }
    }
    if let Some((path, _)) = &copts.history {
        append_history(path, &history)?;
    }
    Ok(CheckOutcome { lines, notes })
}

/// The `[[expect]]` lines of one point.
fn expectations(p: &PointResult) -> Vec<CheckLine> {
    let sc = &p.scenario;
    let point = point_label(p);
    let n = p.reps.len();
    let mut lines = Vec::new();
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
                value: m.figure.value,
                ci_low: m.figure.ci.low,
                ci_high: m.figure.ci.high,
                verdict,
                note,
            });
        }
    }
    lines
}

/// The baseline lines of one point: every metric that has a worse
/// direction, compared with the baseline's figure at the same point.
fn against_baseline(p: &PointResult, base: &Baseline) -> Vec<CheckLine> {
    let sc = &p.scenario;
    let point = point_label(p);
    let mut lines = Vec::new();
    for m in &p.metrics {
        if check::worse_when_higher(m.direction).is_none() {
            // a volume (users, transactions): no better or worse
            continue;
        }
        let found = base
            .iter()
            .find(|(s, pt, name, _)| *s == sc.name && *pt == point && *name == m.name);
        let outcome = match found {
            None => Some((
                Verdict::Inconclusive,
                "not compared: the baseline has no figure of this metric here".into(),
            )),
            Some((_, _, _, figures)) if !figures.0.is_finite() => Some((
                Verdict::Inconclusive,
                "not compared: the baseline's value is undefined (null)".into(),
            )),
            Some(_) if !m.figure.value.is_finite() => Some((
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
                value: m.figure.value,
                ci_low: m.figure.ci.low,
                ci_high: m.figure.ci.high,
                verdict,
                note,
            });
        }
    }
    lines
}

/// The history rows of one point (one per metric), labelled `label` at
/// time `now`.
fn history_rows(p: &PointResult, label: &str, now: &str) -> Vec<HistoryRow> {
    let sc = &p.scenario;
    let point = point_label(p);
    p.metrics
        .iter()
        .map(|m| HistoryRow {
            label: escape_cell(label),
            time: now.to_string(),
            scenario: escape_cell(&if point.is_empty() {
                sc.name.clone()
            } else {
                format!("{} [{point}]", sc.name)
            }),
            metric: m.name.to_string(),
            value: m.figure.value,
            ci_low: m.figure.ci.low,
            ci_high: m.figure.ci.high,
        })
        .collect()
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
