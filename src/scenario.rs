//! Scenario files: TOML -> raw mirror ([`raw`]) -> validated, immutable
//! [`Scenario`].
//!
//! Loading goes through [`source::parse`], which applies `--set` overrides and
//! sweep points through one dotted-path mechanism and keeps every value's
//! position, so every error names the file, line, column and key. After
//! [`load`] nothing downstream sees a raw string.

pub mod error;
pub mod raw;
pub mod source;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use crate::field::FieldError;
pub use error::ScenarioError;
pub use source::{Override, Source};

use crate::clock::{ClockSpec, Discipline, FrequencySpec, Start, SyncMode, SyncSpec};
use crate::dist::Dist;
use crate::dist::DurationDist;
use crate::models::checkout::CheckoutConfig;
use crate::models::terminal::TerminalConfig;
use crate::models::{Estimator, MetricDef};
use crate::time::{MAX_HORIZON, MIN_PERIOD, SimDuration, SimTime};
use raw::{ModelName, RawClock, RawDiscipline, RawScenario, RawStart, RawSyncMode};
use source::Located;

/// A validated scenario, ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Name (also the output folder).
    pub name: String,
    /// Free text.
    pub description: String,
    /// The file it came from.
    pub file: PathBuf,
    /// Scenario seed.
    pub seed: u64,
    /// Replications.
    pub replications: u32,
    /// Simulated period of one replication.
    pub horizon: SimDuration,
    /// Plain sampling or conditional Monte Carlo.
    pub estimator: Estimator,
    /// Host clocks by name.
    pub hosts: BTreeMap<String, ClockSpec>,
    /// The model and its configuration.
    pub model: ModelConfig,
    /// The sweep axes (their grid is the sweep).
    pub sweep: Vec<SweepAxis>,
    /// Checks for `racesim check`.
    pub expects: Vec<Expect>,
    /// Overrides applied on top of the file, in order.
    pub overrides: Vec<Override>,
}

/// The model of a scenario (one per scenario, never in a hot path, so the
/// size difference between variants does not matter).
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum ModelConfig {
    /// Redirect vs transfer poller.
    Checkout(CheckoutConfig),
    /// Sequence counters.
    Terminal(TerminalConfig),
}

impl ModelConfig {
    /// `"checkout"` or `"terminal"`.
    pub fn name(&self) -> &'static str {
        match self {
            ModelConfig::Checkout(_) => "checkout",
            ModelConfig::Terminal(_) => "terminal",
        }
    }
}

/// One swept key and its values (each in TOML syntax, applied as an override).
#[derive(Debug, Clone, PartialEq)]
pub struct SweepAxis {
    /// Dotted key path.
    pub path: String,
    /// Values in TOML syntax.
    pub values: Vec<String>,
}

/// An `[[expect]]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Expect {
    /// Metric name.
    pub metric: String,
    /// Upper limit.
    pub max: Option<f64>,
    /// Lower limit.
    pub min: Option<f64>,
}

impl Scenario {
    /// Whole days the horizon covers (rounded up), for per-day series.
    pub fn days(&self) -> u32 {
        let day = SimDuration::from_hours(24).as_nanos();
        ((self.horizon.as_nanos() + day - 1) / day).max(1) as u32
    }
    /// The names of the metrics this scenario reports, in the order of
    /// [`Self::metrics`], without computing the back-of-envelope (the
    /// terminal model's closed form takes tens of milliseconds).
    pub fn metric_names(&self) -> Vec<&'static str> {
        match &self.model {
            ModelConfig::Checkout(c) => {
                crate::models::checkout::metrics(c, self.replications, self.estimator)
                    .iter()
                    .map(|m| m.name)
                    .collect()
            }
            ModelConfig::Terminal(_) => crate::models::terminal::METRIC_NAMES.to_vec(),
        }
    }
    /// What one replication costs, counted from the configuration (see
    /// [`crate::models::Work`]).
    pub fn work(&self) -> crate::models::Work {
        match &self.model {
            ModelConfig::Checkout(c) => crate::models::checkout::work(c),
            ModelConfig::Terminal(t) => crate::models::terminal::work(t, self.days()),
        }
    }
    /// The metrics this scenario reports, with their back-of-envelope.
    pub fn metrics(&self) -> Vec<MetricDef> {
        match &self.model {
            ModelConfig::Checkout(c) => {
                crate::models::checkout::metrics(c, self.replications, self.estimator)
            }
            ModelConfig::Terminal(t) => {
                crate::models::terminal::metrics_over(t, self.days(), self.replications)
            }
        }
    }
}

/// Reads and validates the scenario at `path` with `overrides` applied.
pub fn load_file(
    path: &std::path::Path,
    overrides: &[Override],
) -> Result<Scenario, ScenarioError> {
    load(&Source::read(path)?, overrides)
}

/// Validates `source` with `overrides` applied.
pub fn load(source: &Source, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
    let mut padded = Vec::new();
    let (raw, located) = source::parse(source, overrides, &mut padded)?;
    let fe = |e: FieldError| located.error(e.span, e.key, &e.message);
    let mut sc = validate(&raw, source, &located).map_err(fe)?;
    sc.overrides = overrides.to_vec();
    Ok(sc)
}

/// Validates one point of a sweep: `point` (one value per swept key, from the
/// file's `[sweep]` when `in_file`, else from `--vary`) under the command-line
/// `overrides`, which win for the same key. An error in a swept value says it
/// comes from the sweep, at its `[sweep]` entry, not from `--set`.
pub fn load_point(
    source: &Source,
    point: &[Override],
    overrides: &[Override],
    in_file: bool,
) -> Result<Scenario, ScenarioError> {
    let all: Vec<Override> = point.iter().chain(overrides).cloned().collect();
    load(source, &all).map_err(|mut e| {
        let shown = e.from_override.clone();
        let is = |o: &Override| shown.as_deref() == Some(o.to_string().as_str());
        if let Some(p) = point.iter().find(|o| is(o))
            && !overrides.iter().any(is)
        {
            source::blame_sweep(&mut e, source, p, in_file);
        }
        e
    })
}

/// Axes with at most this many values have each value checked by
/// [`check_sweep`]; longer ones (ranges) at their ends and middle.
const SWEEP_CHECK_ALL: usize = 64;

/// Checks that every value of `sc`'s sweep loads on its own over the file and
/// `overrides` (each axis at the others' file values, not the whole grid,
/// whose points are loaded when it runs).
pub fn check_sweep(
    source: &Source,
    sc: &Scenario,
    overrides: &[Override],
) -> Result<(), ScenarioError> {
    for axis in &sc.sweep {
        let n = axis.values.len();
        let picks: Vec<usize> = if n <= SWEEP_CHECK_ALL {
            (0..n).collect()
        } else {
            vec![0, n / 2, n - 1]
        };
        for i in picks {
            let point = [Override {
                path: axis.path.clone(),
                value: axis.values[i].clone(),
            }];
            load_point(source, &point, overrides, true)?;
        }
    }
    Ok(())
}

/// [`load_file`], then [`check_sweep`]: what `racesim validate` checks.
pub fn load_file_checked(
    path: &std::path::Path,
    overrides: &[Override],
) -> Result<Scenario, ScenarioError> {
    let source = Source::read(path)?;
    let sc = load(&source, overrides)?;
    check_sweep(&source, &sc, overrides)?;
    Ok(sc)
}

fn validate(
    raw: &RawScenario,
    source: &Source,
    located: &Located<'_>,
) -> Result<Scenario, FieldError> {
    let base = source.base_dir();
    let name = raw.name.get_ref().trim().to_string();
    if name.is_empty()
        || name.starts_with('.')
        || name
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control())
    {
        return Err(FieldError::at(
            &raw.name,
            "name must be a non-empty folder name (no slashes, not starting with a dot)",
        ));
    }
    let seed = match &raw.seed {
        None => 1,
        Some(s) if *s.get_ref() >= 0 => *s.get_ref() as u64,
        Some(s) => return Err(FieldError::at(s, "seed must be an integer >= 0")),
    };
    let replications = match &raw.replications {
        None => 32,
        Some(r) if (1..=10_000_000).contains(r.get_ref()) => *r.get_ref() as u32,
        Some(r) => {
            return Err(FieldError::at(
                r,
                "replications must be an integer from 1 to 10000000",
            ));
        }
    };
    let horizon = raw.horizon.get_ref().0;
    if horizon <= SimDuration::ZERO {
        return Err(FieldError::at(
            &raw.horizon,
            "horizon must be a positive duration, e.g. \"7d\"",
        ));
    }
    if horizon > MAX_HORIZON {
        return Err(FieldError::at(
            &raw.horizon,
            format!(
                "horizon {horizon} is too long for racesim's time type: at most 100 years (36500d)"
            ),
        ));
    }
    let mut hosts = BTreeMap::new();
    for (name, h) in &raw.hosts {
        let spec = match &h.clock {
            None => ClockSpec::ideal(),
            Some(c) => clock_spec(c, &base, name)?,
        };
        hosts.insert(name.clone(), spec);
    }
    let model = match raw.model {
        ModelName::Checkout => {
            if let Some(t) = &raw.terminal {
                return Err(FieldError::at(
                    t,
                    "a [terminal] table belongs to model = \"terminal\", not \"checkout\"",
                ));
            }
            let co = raw.checkout.as_ref().ok_or_else(|| {
                FieldError::key("checkout", "model \"checkout\" needs a [checkout] table")
            })?;
            let tr = raw.transfer.as_ref().ok_or_else(|| {
                FieldError::key("transfer", "model \"checkout\" needs a [transfer] table")
            })?;
            let cfg = CheckoutConfig::from_raw(co, tr, &hosts, horizon, &base)?;
            if raw.estimator == Estimator::Conditional
                && let Some(why) = cfg.conditional_unsupported()
            {
                return Err(FieldError::key("estimator", why));
            }
            ModelConfig::Checkout(cfg)
        }
        ModelName::Terminal => {
            for (t, name) in [
                (raw.checkout.as_ref().map(|s| s.span()), "checkout"),
                (raw.transfer.as_ref().map(|s| s.span()), "transfer"),
            ] {
                if let Some(span) = t {
                    return Err(FieldError {
                        span: Some(span),
                        key: Some(name.into()),
                        message: format!(
                            "a [{name}] table belongs to model = \"checkout\", not \"terminal\""
                        ),
                    });
                }
            }
            let t = raw.terminal.as_ref().ok_or_else(|| {
                FieldError::key("terminal", "model \"terminal\" needs a [terminal] table")
            })?;
            if raw.estimator == Estimator::Importance {
                return Err(FieldError::key(
                    "estimator",
                    "estimator = \"importance\" samples the tail of a checkout redirect latency; the terminal model supports \"sample\" and \"conditional\"",
                ));
            }
            let day = SimDuration::from_hours(24);
            if horizon.as_nanos() % day.as_nanos() != 0 {
                return Err(FieldError::at(
                    &raw.horizon,
                    format!(
                        "the terminal model simulates whole days: horizon {horizon} is not a whole \
                         number of days; use e.g. \"{}d\"",
                        (horizon.as_nanos() / day.as_nanos()).max(1)
                    ),
                ));
            }
            ModelConfig::Terminal(TerminalConfig::from_raw(t.get_ref(), &base)?)
        }
    };
    let mut sc = Scenario {
        name,
        description: raw.description.clone(),
        file: source.path.clone(),
        seed,
        replications,
        horizon,
        estimator: raw.estimator,
        hosts,
        model,
        sweep: Vec::new(),
        expects: Vec::new(),
        overrides: Vec::new(),
    };
    if let Some(sw) = &raw.sweep {
        let mut axes = Vec::new();
        flatten_sweep(sw.get_ref(), "", &mut axes).map_err(|e| FieldError {
            span: located.sweep_entry(&e.path).or(Some(sw.span())),
            key: Some(format!("sweep.{}", e.path)),
            message: e.message,
        })?;
        sc.sweep = axes;
    }
    let names = sc.metric_names();
    for e in &raw.expect {
        let x = e.get_ref();
        let m = x.metric.get_ref();
        if !names.contains(&m.as_str()) {
            let hint = crate::suggest::closest(m, &names)
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_else(|| format!("; the metrics are: {}", names.join(", ")));
            return Err(FieldError::at(
                &x.metric,
                format!("unknown metric `{m}`{hint}"),
            ));
        }
        if x.max.is_none() && x.min.is_none() {
            return Err(FieldError::at(
                e,
                "an [[expect]] needs `max`, `min` or both",
            ));
        }
        if x.max.iter().chain(&x.min).any(|v| !v.is_finite()) {
            return Err(FieldError::at(e, "`max` and `min` must be finite numbers"));
        }
        if let (Some(max), Some(min)) = (x.max, x.min)
            && min > max
        {
            return Err(FieldError::at(
                e,
                format!(
                    "`min` ({min}) is above `max` ({max}): no value can pass; swap them or fix one"
                ),
            ));
        }
        sc.expects.push(Expect {
            metric: m.clone(),
            max: x.max,
            min: x.min,
        });
    }
    Ok(sc)
}

fn clock_spec(c: &RawClock, base: &std::path::Path, host: &str) -> Result<ClockSpec, FieldError> {
    let _ = host;
    let offset = match &c.offset {
        None => DurationDist::constant(SimDuration::ZERO),
        Some(d) => d
            .get_ref()
            .build_duration(base)
            .map_err(|e| FieldError::at(d, e.to_string()))?,
    };
    let drift_ppm = match &c.drift_ppm {
        None => Dist::Constant(0.0),
        Some(d) => d
            .get_ref()
            .build(base)
            .map_err(|e| FieldError::at(d, e.to_string()))?,
    };
    let wander_ppm = match &c.wander_ppm {
        None => 0.0,
        Some(w) if w.get_ref().is_finite() && *w.get_ref() >= 0.0 => *w.get_ref(),
        Some(w) => return Err(FieldError::at(w, "wander_ppm must be a finite number >= 0")),
    };
    let sync = match &c.sync {
        None => None,
        Some(s) => {
            let r = s.get_ref();
            let interval = r.interval.get_ref().0;
            if interval <= SimDuration::ZERO {
                return Err(FieldError::at(
                    &r.interval,
                    "sync interval must be positive, e.g. \"64s\"",
                ));
            }
            if interval < MIN_PERIOD {
                return Err(FieldError::at(
                    &r.interval,
                    format!(
                        "sync interval {interval} is too short: at least {MIN_PERIOD} \
                         (ntpd syncs every 64 s to 17 min, PTP about every 1/8 s)"
                    ),
                ));
            }
            let accuracy = r.accuracy.get_ref().0;
            if accuracy.is_negative() {
                return Err(FieldError::at(&r.accuracy, "sync accuracy must be >= 0"));
            }
            let max_slew_ppm = match &r.max_slew_ppm {
                None => 500.0,
                Some(m) if m.get_ref().is_finite() && *m.get_ref() > 0.0 => *m.get_ref(),
                Some(m) => {
                    return Err(FieldError::at(
                        m,
                        "max_slew_ppm must be a positive number (ntpd: 500, chrony: up to 83333)",
                    ));
                }
            };
            if r.max_slew_ppm.is_some() && r.mode == RawSyncMode::Step {
                return Err(FieldError::at(
                    s,
                    "max_slew_ppm applies to mode = \"slew\" only",
                ));
            }
            Some(SyncSpec {
                interval,
                accuracy,
                mode: match r.mode {
                    RawSyncMode::Step => SyncMode::Step,
                    RawSyncMode::Slew => SyncMode::Slew,
                },
                max_slew_ppm,
                discipline: sync_discipline(r, s, interval)?,
            })
        }
    };
    let mut outages = Vec::new();
    for o in &c.outages {
        let (from, to) = (o.get_ref().from.0, o.get_ref().to.0);
        if from.is_negative() || to <= from {
            return Err(FieldError::at(
                o,
                format!("an outage needs 0 <= from < to, got from = {from}, to = {to}"),
            ));
        }
        outages.push((SimTime::ZERO + from, SimTime::ZERO + to));
    }
    let mut steps = Vec::new();
    for s in &c.steps {
        let at = s.get_ref().at.0;
        if at.is_negative() {
            return Err(FieldError::at(
                s,
                "a step's `at` must be >= 0 (true time since the start)",
            ));
        }
        steps.push((SimTime::ZERO + at, s.get_ref().by.0));
    }
    steps.sort_by_key(|s| s.0);
    Ok(ClockSpec {
        offset,
        drift_ppm,
        wander_ppm,
        sync,
        outages,
        steps,
    })
}

/// The `discipline` of a `sync` table and its keys (`residual_ppm`,
/// `time_constant`, `start`), with the defaults of
/// [`FrequencySpec::daemon`].
fn sync_discipline(
    r: &raw::RawSync,
    s: &toml::Spanned<raw::RawSync>,
    interval: SimDuration,
) -> Result<Discipline, FieldError> {
    if r.discipline == RawDiscipline::Offset {
        for (given, key) in [
            (r.residual_ppm.is_some(), "residual_ppm"),
            (r.time_constant.is_some(), "time_constant"),
            (r.start.is_some(), "start"),
        ] {
            if given {
                return Err(FieldError::at(
                    s,
                    format!(
                        "{key} applies to discipline = \"frequency\" only: add discipline = \"frequency\" for a daemon that learns the frequency (the default, \"offset\", corrects the offset only)"
                    ),
                ));
            }
        }
        return Ok(Discipline::Offset);
    }
    let mut f = FrequencySpec::daemon(interval);
    if let Some(x) = &r.residual_ppm {
        let v = *x.get_ref();
        if !(v.is_finite() && v >= 0.0) {
            return Err(FieldError::at(
                x,
                "residual_ppm must be a finite number >= 0 (typical: 0.01 to 1; default 0.1)",
            ));
        }
        f.residual_ppm = v;
    }
    if let Some(x) = &r.time_constant {
        let v = x.get_ref().0;
        if v <= SimDuration::ZERO {
            return Err(FieldError::at(
                x,
                format!(
                    "time_constant must be a positive duration (default: {} sync intervals, {})",
                    crate::clock::discipline::TIME_CONSTANT_INTERVALS,
                    f.time_constant
                ),
            ));
        }
        f.time_constant = v;
    }
    if let Some(x) = &r.start {
        f.start = match x.get_ref() {
            RawStart::Warm => Start::Warm,
            RawStart::Cold => Start::Cold,
        };
    }
    Ok(Discipline::Frequency(f))
}

/// A malformed `[sweep]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepError {
    /// The swept key's dotted path.
    pub path: String,
    /// What is wrong, naming the path.
    pub message: String,
}

/// Flattens `[sweep]` into axes: a key whose value is a list is an axis of
/// those values; a table with `from`, `to`, `steps` is an axis of `steps + 1`
/// evenly spaced values (numbers or durations); any other table nests.
pub fn flatten_sweep(
    t: &toml::Table,
    prefix: &str,
    out: &mut Vec<SweepAxis>,
) -> Result<(), SweepError> {
    for (k, v) in t {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        let fail = |message: String| SweepError {
            path: path.clone(),
            message,
        };
        match v {
            toml::Value::Array(a) => {
                if a.is_empty() {
                    return Err(fail(format!(
                        "sweep `{path}` has no values: list at least one"
                    )));
                }
                out.push(SweepAxis {
                    path,
                    values: a.iter().map(toml_text).collect(),
                });
            }
            toml::Value::Table(sub)
                if sub.contains_key("from")
                    || sub.contains_key("to")
                    || sub.contains_key("steps") =>
            {
                let from = sub
                    .get("from")
                    .ok_or_else(|| fail(format!("sweep `{path}` needs `from`")))?;
                let to = sub
                    .get("to")
                    .ok_or_else(|| fail(format!("sweep `{path}` needs `to`")))?;
                let steps = sub
                    .get("steps")
                    .and_then(toml::Value::as_integer)
                    .ok_or_else(|| {
                        fail(format!("sweep `{path}` needs `steps`, a whole number >= 1"))
                    })?;
                if let Some(extra) = sub
                    .keys()
                    .find(|k| !["from", "to", "steps"].contains(&k.as_str()))
                {
                    return Err(fail(format!(
                        "sweep `{path}`: unknown key `{extra}`, expected `from`, `to`, `steps`"
                    )));
                }
                let values = range_values(from, to, steps)
                    .map_err(|m| fail(format!("sweep `{path}`: {m}")))?;
                out.push(SweepAxis { values, path });
            }
            toml::Value::Table(sub) => flatten_sweep(sub, &path, out)?,
            other => {
                return Err(fail(format!(
                    "sweep `{path}` = {other}: expected a list of values or {{ from, to, steps }}"
                )));
            }
        }
    }
    Ok(())
}

/// `steps + 1` evenly spaced values from `from` to `to`, in TOML syntax.
pub fn range_values(
    from: &toml::Value,
    to: &toml::Value,
    steps: i64,
) -> Result<Vec<String>, String> {
    if !(1..=100_000).contains(&steps) {
        return Err(format!("steps must be from 1 to 100000, got {steps}"));
    }
    let n = steps as f64;
    match (from, to) {
        (toml::Value::String(a), toml::Value::String(b)) => {
            let a = crate::time::parse_duration(a).map_err(|e| e.to_string())?;
            let b = crate::time::parse_duration(b).map_err(|e| e.to_string())?;
            Ok((0..=steps)
                .map(|i| {
                    let ns =
                        a.as_nanos() as f64 + (b.as_nanos() - a.as_nanos()) as f64 * i as f64 / n;
                    format!("\"{}\"", SimDuration::from_nanos(ns.round() as i64))
                })
                .collect())
        }
        _ => {
            let num = |v: &toml::Value| {
                v.as_float()
                    .or_else(|| v.as_integer().map(|i| i as f64))
                    .ok_or_else(|| format!("`{v}` is neither a number nor a duration"))
            };
            let (a, b) = (num(from)?, num(to)?);
            let ints = from.is_integer() && to.is_integer() && ((b - a) / n).fract() == 0.0;
            Ok((0..=steps)
                .map(|i| {
                    let v = a + (b - a) * i as f64 / n;
                    if ints {
                        format!("{}", v as i64)
                    } else {
                        format!("{v}")
                    }
                })
                .collect())
        }
    }
}

/// A TOML value written back in TOML syntax (inline).
pub fn toml_text(v: &toml::Value) -> String {
    v.to_string()
}
