//! Scenario files: TOML -> raw mirror ([`raw`]) -> validated, immutable
//! [`Scenario`].
//!
//! Loading goes through [`source::parse`], which applies `--set` overrides and
//! sweep points through one dotted-path mechanism and keeps every value's
//! position, so every error names the file, line, column and key. The
//! common keys (name, seed, replications, horizon, estimator, hosts, sweep,
//! expectations) are read here; the model named by `model` is looked up in a
//! [`Registry`] and given its own tables to parse and validate
//! ([`crate::model::ModelKind`]). After [`load`] nothing downstream sees a
//! raw string.
//!
//! - [`grid`]: a sweep's points, counted before any is built, each validated
//!   once;
//! - [`reference`](mod@reference): every table of the format and the keys it accepts;
//! - [`sweep`]: `[sweep]` and `--vary` as axes of values.

pub mod error;
pub mod grid;
pub mod raw;
pub mod reference;
pub mod source;
pub mod sweep;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

pub use error::ScenarioError;
pub use source::{Override, Source};
pub use sweep::{SweepAxis, flatten_sweep, range_values, toml_text};

use crate::clock::ClockSpec;
use crate::field::FieldError;
use crate::model::{Context, Estimator, MetricDef, Model, Name, Registry, Sections, Work};
use crate::time::{MAX_HORIZON, SimDuration};
use raw::RawCommon;
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
    /// Plain sampling or a rare-event estimator.
    pub estimator: Estimator,
    /// Host clocks by name.
    pub hosts: BTreeMap<String, ClockSpec>,
    /// The model, validated (shared by every replication and thread).
    pub model: Arc<dyn Model>,
    /// The sweep axes (their grid is the sweep).
    pub sweep: Vec<SweepAxis>,
    /// Checks for `racesim check`.
    pub expects: Vec<Expect>,
    /// Overrides applied on top of the file, in order.
    pub overrides: Vec<Override>,
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
    /// The model's name (`"checkout"`).
    pub fn model_name(&self) -> &'static str {
        self.model.kind()
    }
    /// The names of the metrics this scenario reports, in the order of
    /// [`Self::metrics`], without computing the back-of-envelope.
    pub fn metric_names(&self) -> Vec<Name> {
        self.model.metric_names()
    }
    /// What one replication costs, counted from the configuration (see
    /// [`crate::model::Work`]).
    pub fn work(&self) -> Work {
        self.model.work()
    }
    /// The metrics this scenario reports, with their back-of-envelope for
    /// its number of replications.
    pub fn metrics(&self) -> Vec<MetricDef> {
        self.model.metrics(self.replications)
    }
}

/// Reads and validates the scenario at `path` with `overrides` applied,
/// with the crate's own models.
pub fn load_file(path: &Path, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
    load(&Source::read(path)?, overrides)
}

/// Validates `source` with `overrides` applied, with the crate's own models.
pub fn load(source: &Source, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
    load_with(&crate::models::builtin(), source, overrides)
}

/// Validates `source` with `overrides` applied; `model` may name any kind
/// of `registry`.
pub fn load_with(
    registry: &Registry,
    source: &Source,
    overrides: &[Override],
) -> Result<Scenario, ScenarioError> {
    let mut padded = Vec::new();
    let (doc, located) = source::parse(source, overrides, &mut padded)?;
    let mut sc = validate(registry, doc, source, &located)?;
    sc.overrides = overrides.to_vec();
    Ok(sc)
}

/// Validates one point of a sweep: `point` (one value per swept key, from the
/// file's `[sweep]` when `in_file`, else from `--vary`) under the command-line
/// `overrides`, which win for the same key. An error in a swept value says it
/// comes from the sweep, at its `[sweep]` entry, not from `--set`.
pub fn load_point(
    registry: &Registry,
    source: &Source,
    point: &[Override],
    overrides: &[Override],
    in_file: bool,
) -> Result<Scenario, ScenarioError> {
    let all: Vec<Override> = point.iter().chain(overrides).cloned().collect();
    load_with(registry, source, &all).map_err(|mut e| {
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

/// What a scenario document holds at the top: the common keys, the model's
/// tables, and the tables of other models (refused once the common keys
/// are known good).
struct Split<'a> {
    common: Spanned<DeTable<'a>>,
    model: Spanned<DeTable<'a>>,
    foreign: Vec<(String, Range, &'static str)>,
}

type Range = std::ops::Range<usize>;

/// Sorts the document's top-level keys: common ones, the model's tables,
/// other models' tables; any other key is refused here, as serde refuses an
/// unknown field, with the closest valid name. The model is read from the
/// document as written (a later error reports a bad one).
fn split<'a>(registry: &Registry, doc: Spanned<DeTable<'a>>) -> Result<Split<'a>, FieldError> {
    let span = doc.span();
    let named = match doc.get_ref().get("model").map(|v| v.get_ref()) {
        Some(DeValue::String(s)) => registry.get(s),
        _ => None,
    };
    let sections: Vec<&str> = match named {
        Some(kind) => kind.sections().to_vec(),
        None => registry
            .kinds()
            .flat_map(|k| k.sections().to_vec())
            .collect(),
    };
    let mut common = DeTable::new();
    let mut model = DeTable::new();
    let mut foreign = Vec::new();
    for (key, value) in doc.into_inner() {
        let k: &str = key.get_ref();
        if RawCommon::is_key(k) {
            common.insert(key, value);
        } else if sections.contains(&k) {
            model.insert(key, value);
        } else if let Some(owner) = registry.owner_of(k) {
            foreign.push((k.to_string(), value.span(), owner.name()));
        } else {
            let expected: Vec<&str> = RawCommon::KEYS_BEFORE_MODEL
                .iter()
                .copied()
                .chain(sections.iter().copied())
                .chain(RawCommon::KEYS_AFTER_MODEL.iter().copied())
                .collect();
            let list: Vec<String> = expected.iter().map(|e| format!("`{e}`")).collect();
            return Err(FieldError {
                span: Some(key.span()),
                key: None,
                message: format!("unknown field `{k}`, expected one of {}", list.join(", ")),
            });
        }
    }
    Ok(Split {
        common: Spanned::new(span.clone(), common),
        model: Spanned::new(span, model),
        foreign,
    })
}

fn validate(
    registry: &Registry,
    doc: Spanned<DeTable<'_>>,
    source: &Source,
    located: &Located<'_>,
) -> Result<Scenario, ScenarioError> {
    let fe = |e: FieldError| located.field(e);
    let parts = split(registry, doc).map_err(fe)?;
    let raw: RawCommon = located.deserialize(parts.common)?;
    let name = raw.model.get_ref();
    let kind = registry.get(name).ok_or_else(|| {
        let list: Vec<String> = registry.names().iter().map(|n| format!("`{n}`")).collect();
        fe(FieldError::at(
            &raw.model,
            format!(
                "unknown model `{name}`, expected one of {}",
                list.join(", ")
            ),
        ))
    })?;
    let model_raw = kind.parse(Sections::new(parts.model)).map_err(fe)?;
    let common = common(&raw, source).map_err(fe)?;
    if let Some((section, span, owner)) = parts.foreign.into_iter().next() {
        return Err(fe(FieldError {
            span: Some(span),
            key: Some(section.clone()),
            message: format!(
                "a [{section}] table belongs to model = \"{owner}\", not \"{}\"",
                kind.name()
            ),
        }));
    }
    let base = source.base_dir();
    let ctx = Context {
        hosts: &common.hosts,
        horizon: common.horizon,
        horizon_span: Some(raw.horizon.span()),
        estimator: raw.estimator(),
        estimator_span: raw.estimator.as_ref().map(Spanned::span),
        base_dir: &base,
    };
    let model = model_raw.validate(&ctx).map_err(fe)?;
    let mut sc = Scenario {
        name: common.name,
        description: raw.description.clone(),
        file: source.path.clone(),
        seed: common.seed,
        replications: common.replications,
        horizon: common.horizon,
        estimator: raw.estimator(),
        hosts: common.hosts,
        model,
        sweep: Vec::new(),
        expects: Vec::new(),
        overrides: Vec::new(),
    };
    if let Some(sw) = &raw.sweep {
        let mut axes = Vec::new();
        flatten_sweep(sw.get_ref(), "", &mut axes).map_err(|e| {
            fe(FieldError {
                span: located.sweep_entry(&e.path).or(Some(sw.span())),
                key: Some(format!("sweep.{}", e.path)),
                message: e.message,
            })
        })?;
        sc.sweep = axes;
    }
    sc.expects = expects(&raw, &sc.metric_names()).map_err(fe)?;
    Ok(sc)
}

/// The common keys, validated.
struct Common {
    name: String,
    seed: u64,
    replications: u32,
    horizon: SimDuration,
    hosts: BTreeMap<String, ClockSpec>,
}

fn common(raw: &RawCommon, source: &Source) -> Result<Common, FieldError> {
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
            Some(c) => crate::clock::raw::clock_spec(c, &base)?,
        };
        hosts.insert(name.clone(), spec);
    }
    Ok(Common {
        name,
        seed,
        replications,
        horizon,
        hosts,
    })
}

/// The `[[expect]]` entries, each naming one of `metrics`.
fn expects(raw: &RawCommon, metrics: &[Name]) -> Result<Vec<Expect>, FieldError> {
    let names: Vec<&str> = metrics.iter().map(|n| n.as_ref()).collect();
    let mut out = Vec::new();
    for e in &raw.expect {
        let x = e.get_ref();
        let m = x.metric.get_ref();
        if !names.contains(&m.as_str()) {
            let hint = crate::suggest::hint(m, &names, |names| {
                format!("; the metrics are: {}", names.join(", "))
            });
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
        out.push(Expect {
            metric: m.clone(),
            max: x.max,
            min: x.min,
        });
    }
    Ok(out)
}
