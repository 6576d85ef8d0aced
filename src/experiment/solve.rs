//! Inverse questions (`racesim solve`): the value of one key at which a metric
//! crosses a bound, e.g. the largest transfer-clock offset that keeps the
//! error-page rate at or below 1e-7, or the smallest grace period that does.
//!
//! # Method
//!
//! The key is searched over a bracket `[A, B]` whose two ends fall on
//! opposite sides of the target (one satisfies it, the other does not). The
//! end that satisfies it says which question is answered: the *largest* value
//! that satisfies the target when `A` does, the *smallest* when `B` does. The
//! answer is always a value that satisfies the target, within the tolerance of
//! the boundary.
//!
//! - **Closed form** ([`By::Auto`] when the metric has a back-of-envelope at
//!   both ends, as `error_page_rate` has for a checkout scenario with
//!   constant or drifting skews and periodic polls; [`By::ClosedForm`] to
//!   insist): each evaluation loads the scenario with the key overridden
//!   ([`scenario::load`]) and reads the metric's closed form, which is exact
//!   in the tail (relative error below 1e-9 down to rates of 1e-15: see the
//!   project's `docs/statistics.md`), so the crossing is located to the
//!   tolerance, not to the closed form's error. The bracket is first scanned
//!   on a grid of [`GRID`] cells (which also tells whether the target is
//!   crossed more than once: the answer is then the crossing nearest the end
//!   that satisfies it, and a note says so), then bisected to the tolerance:
//!   1 ms for durations, 1e-6 of the larger end for numbers, 1 for integer
//!   keys. A terminal scenario with a `{ window }` duplicate check or alert
//!   is refused here: its closed form is a bound, not the value.
//! - **Simulation** (otherwise, or [`By::Simulation`]): bisection on the
//!   simulated metric's point value, for a fixed number of steps
//!   ([`DEFAULT_SIM_STEPS`] unless told; the bracket shrinks by `2^steps`) or
//!   until the tolerance, whichever comes first. Noise is handled by common
//!   random numbers: every evaluation uses the same seed and replication
//!   indices, so for a fixed seed the simulated metric is a deterministic,
//!   and for the shipped models monotone, function of the key, and bisection
//!   converges to that seed's crossing; the confirmation below then says
//!   whether that crossing holds up.
//!
//! Simulations use a **rare-event estimator**: when the scenario's estimator
//! is `sample`, solve switches to the model's own (checkout: `conditional`,
//! or `importance` where polls jitter or batches are limited; terminal:
//! `conditional`) and says so. A target such as 1e-7 is then measured, not
//! waited for.
//!
//! # Confirmation
//!
//! The answer is confirmed by simulation at the answer, with replications
//! added in doubling batches (indices continuing, so the result is that of a
//! single run) until the 95% interval *decides* the target ([`Agreement`]):
//! it lies entirely on one side of the bound, or it contains the bound with
//! a half-width of at most [`DECIDE`] (10%) of it. An interval that holds
//! both 0 and ten times the bound decides nothing, so it never counts as
//! agreement. When the cap (`max_replications`, and the work allowed by
//! `max_work`) is reached first, the verdict is [`Agreement::Inconclusive`]
//! with the number of replications that would decide it (the half-width
//! shrinking as `1/sqrt(n)`).
//!
//! Integer ranges (`1..20`) are bisected over whole numbers when the key
//! refuses a fractional value (e.g. `retries`), and over reals otherwise
//! (e.g. `drift_ppm`): the scenario is loaded once with a fractional value to
//! find out.

use std::fmt;

use crate::engine::ScheduleError;
use crate::experiment::precision::set_replications_override;
use crate::experiment::{PointResult, Reporter, compute_metrics, run_replications};
use crate::model::{Estimator, Registry};
use crate::scenario::{self, Override, Scenario, ScenarioError, Source};
use crate::stats::Figure;
use crate::time::{SimDuration, parse_duration};

/// Bisection steps on simulation when `--iterations` is not given.
pub const DEFAULT_SIM_STEPS: u32 = 12;
/// The default tolerance for a duration key.
pub const DURATION_TOLERANCE: SimDuration = SimDuration::from_millis(1);
/// The default tolerance for a real-valued key, relative to the larger end of
/// the range (in absolute value).
pub const NUMBER_TOLERANCE: f64 = 1e-6;
/// Cells of the grid scanned on the closed form before bisecting.
pub const GRID: usize = 32;
/// The confirmation is decided when its interval contains the bound with a
/// half-width of at most this share of the bound (or lies on one side).
pub const DECIDE: f64 = 0.1;
/// The confirmation's cap on replications, as a multiple of the scenario's,
/// when `max_replications` is not given.
pub const CONFIRM_FACTOR: u32 = 16;
/// A bound on closed-form bisection steps (the tolerance normally stops it
/// far earlier: 10 minutes to 1 ms takes 20).
const MAX_CLOSED_FORM_STEPS: u32 = 200;

/// `<=` or `>=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// The metric must be at most the bound.
    AtMost,
    /// The metric must be at least the bound.
    AtLeast,
}

impl Relation {
    /// `"<="` or `">="`.
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::AtMost => "<=",
            Relation::AtLeast => ">=",
        }
    }
}

/// A condition on a metric, `METRIC<=X` or `METRIC>=X`.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The metric's contract name.
    pub metric: String,
    /// `<=` or `>=`.
    pub relation: Relation,
    /// The bound `X`.
    pub bound: f64,
}

impl Target {
    /// Parses `METRIC<=X` or `METRIC>=X` (spaces allowed).
    pub fn parse(text: &str) -> Result<Target, String> {
        let bad = |why: &str| {
            format!(
                "--target {text}: {why}; expected METRIC<=X or METRIC>=X, e.g. \"error_page_rate<=1e-4\""
            )
        };
        let (metric, relation, bound) = if let Some((m, x)) = text.split_once("<=") {
            (m, Relation::AtMost, x)
        } else if let Some((m, x)) = text.split_once(">=") {
            (m, Relation::AtLeast, x)
        } else {
            return Err(bad("no `<=` or `>=`"));
        };
        let metric = metric.trim();
        if metric.is_empty() {
            return Err(bad("no metric name"));
        }
        let bound: f64 = bound
            .trim()
            .parse()
            .ok()
            .filter(|x: &f64| x.is_finite())
            .ok_or_else(|| bad(&format!("`{}` is not a number", bound.trim())))?;
        Ok(Target {
            metric: metric.to_string(),
            relation,
            bound,
        })
    }

    /// Whether `value` satisfies the condition (NaN never does).
    pub fn holds(&self, value: f64) -> bool {
        match self.relation {
            Relation::AtMost => value <= self.bound,
            Relation::AtLeast => value >= self.bound,
        }
    }
}

impl Target {
    /// The bound as people write it: `1e-4`, `0.05`, `300`.
    pub fn bound_text(&self) -> String {
        let x = self.bound;
        if x != 0.0 && !(1e-3..1e7).contains(&x.abs()) {
            format!("{x:e}")
        } else {
            format!("{x}")
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.metric,
            self.relation.as_str(),
            self.bound_text()
        )
    }
}

/// A value of the solved key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// A duration (`"4m 56s"`).
    Duration(SimDuration),
    /// A whole number, for keys that refuse fractions.
    Integer(i64),
    /// A real number.
    Number(f64),
}

impl Value {
    /// The value in TOML syntax, as an override takes it.
    pub fn toml(&self) -> String {
        match self {
            Value::Duration(d) => format!("\"{d}\""),
            Value::Integer(i) => i.to_string(),
            // Debug keeps a `.0` or an exponent, so TOML reads a float
            Value::Number(x) => format!("{x:?}"),
        }
    }
    /// The value as a number: seconds for a duration.
    pub fn as_f64(&self) -> f64 {
        match self {
            Value::Duration(d) => d.as_secs_f64(),
            Value::Integer(i) => *i as f64,
            Value::Number(x) => *x,
        }
    }

    /// Parses one end of a range: a whole number, a real number or a
    /// duration (quotes allowed).
    pub fn parse(text: &str) -> Result<Value, String> {
        let t = text.trim().trim_matches('"').trim();
        if let Ok(i) = t.parse::<i64>() {
            return Ok(Value::Integer(i));
        }
        if let Ok(x) = t.parse::<f64>()
            && x.is_finite()
        {
            return Ok(Value::Number(x));
        }
        parse_duration(t).map(Value::Duration).map_err(|_| {
            format!("`{t}` is neither a number nor a duration (e.g. 0.5, 3, \"250ms\", \"10m\")")
        })
    }

    /// A value strictly between `self` and `other`, near halfway, or `None`
    /// when there is none. Durations and whole numbers stay on the lattice of
    /// multiples of `tol` (so that an answer reads `4m 55s 208ms`, not a
    /// nanosecond count); reals halve exactly.
    fn midpoint(self, other: Value, tol: Value) -> Option<Value> {
        let lattice = |a: i64, b: i64, t: i64| -> Option<i64> {
            let (lo, hi) = (i128::from(a.min(b)), i128::from(a.max(b)));
            let t = i128::from(t.max(1));
            // the multiples of t strictly inside (lo, hi)
            let (k_lo, k_hi) = (lo.div_euclid(t) + 1, (hi - 1).div_euclid(t));
            if k_lo > k_hi {
                return None;
            }
            let k = ((lo + hi) as f64 / 2.0 / t as f64).round() as i128;
            Some((k.clamp(k_lo, k_hi) * t) as i64)
        };
        match (self, other) {
            (Value::Duration(a), Value::Duration(b)) => {
                let t = match tol {
                    Value::Duration(t) => t.as_nanos(),
                    _ => 1,
                };
                lattice(a.as_nanos(), b.as_nanos(), t)
                    .map(|m| Value::Duration(SimDuration::from_nanos(m)))
            }
            (Value::Integer(a), Value::Integer(b)) => {
                let t = match tol {
                    Value::Integer(t) => t,
                    _ => 1,
                };
                lattice(a, b, t).map(Value::Integer)
            }
            (a, b) => {
                let m = (a.as_f64() + b.as_f64()) / 2.0;
                (m != a.as_f64() && m != b.as_f64()).then_some(Value::Number(m))
            }
        }
    }

    /// `self` rounded to the nearest multiple of `tol` (durations and whole
    /// numbers; reals are returned as they are).
    fn snap(self, tol: Value) -> Value {
        let round = |x: i64, t: i64| -> i64 {
            let t = i128::from(t.max(1));
            ((i128::from(x) as f64 / t as f64).round() as i128 * t) as i64
        };
        match (self, tol) {
            (Value::Duration(d), Value::Duration(t)) => {
                Value::Duration(SimDuration::from_nanos(round(d.as_nanos(), t.as_nanos())))
            }
            (Value::Integer(i), Value::Integer(t)) => Value::Integer(round(i, t)),
            (v, _) => v,
        }
    }

    /// `self + (other - self) * i / n`, in `self`'s kind.
    fn lerp(self, other: Value, i: usize, n: usize) -> Value {
        let t = i as f64 / n as f64;
        match (self, other) {
            (Value::Duration(a), Value::Duration(b)) => {
                let (a, b) = (a.as_nanos() as f64, b.as_nanos() as f64);
                Value::Duration(SimDuration::from_nanos((a + (b - a) * t).round() as i64))
            }
            (Value::Integer(a), Value::Integer(b)) => {
                let (a, b) = (a as f64, b as f64);
                Value::Integer((a + (b - a) * t).round() as i64)
            }
            (a, b) => Value::Number(a.as_f64() + (b.as_f64() - a.as_f64()) * t),
        }
    }

    /// `|self - other|` in the unit of the kind (nanoseconds for durations).
    fn distance(self, other: Value) -> f64 {
        match (self, other) {
            (Value::Duration(a), Value::Duration(b)) => {
                (i128::from(a.as_nanos()) - i128::from(b.as_nanos())).abs() as f64
            }
            (Value::Integer(a), Value::Integer(b)) => (i128::from(a) - i128::from(b)).abs() as f64,
            (a, b) => (a.as_f64() - b.as_f64()).abs(),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Duration(d) => write!(f, "{d}"),
            Value::Integer(i) => write!(f, "{i}"),
            Value::Number(x) => write!(f, "{x}"),
        }
    }
}

/// Parses a range `A..B` into two values of one kind (a whole number next
/// to a duration, such as `0..10m`, is read as a duration; a whole number
/// next to a real, as a real).
pub fn parse_range(text: &str) -> Result<(Value, Value), String> {
    let bad = |why: &str| {
        format!("--range {text}: {why}; expected A..B with durations (0s..10m) or numbers (0..500)")
    };
    let (a, b) = text.split_once("..").ok_or_else(|| bad("no `..`"))?;
    let (a, b) = (
        Value::parse(a).map_err(|m| bad(&m))?,
        Value::parse(b).map_err(|m| bad(&m))?,
    );
    same_kind(a, b).ok_or_else(|| bad("one end is a duration and the other a fractional number"))
}

/// Both values in one kind, if they can be.
fn same_kind(a: Value, b: Value) -> Option<(Value, Value)> {
    use Value::{Duration, Integer, Number};
    let as_duration = |v: Value| match v {
        Duration(d) => Some(d),
        Integer(0) => Some(SimDuration::ZERO),
        _ => None,
    };
    match (a, b) {
        (Duration(_), _) | (_, Duration(_)) => {
            Some((Duration(as_duration(a)?), Duration(as_duration(b)?)))
        }
        (Integer(_), Integer(_)) => Some((a, b)),
        _ => Some((Number(a.as_f64()), Number(b.as_f64()))),
    }
}

/// The question: which key, which condition, where to look, how finely.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The dotted key path to solve for.
    pub path: String,
    /// The condition on the metric.
    pub target: Target,
    /// The bracket; `None` takes the scenario's `[sweep]` of `path`, if any.
    pub range: Option<(Value, Value)>,
    /// Stop when the bracket is this narrow (same kind as the range); `None`
    /// for the defaults of the module docs.
    pub tolerance: Option<Value>,
    /// Bisection steps on simulation (the closed form bisects to the
    /// tolerance).
    pub sim_steps: u32,
    /// Closed form or simulation.
    pub by: By,
    /// The confirmation's cap on replications (`None`: [`CONFIRM_FACTOR`]
    /// times the scenario's).
    pub max_replications: Option<u32>,
    /// The confirmation's cap on simulated users or transactions (as
    /// `--max-events`); infinite for none.
    pub max_work: f64,
}

impl Problem {
    /// A problem with the defaults: the range from the sweep, default
    /// tolerance and steps, the closed form where it applies, the default
    /// caps.
    pub fn new(path: &str, target: Target) -> Problem {
        Problem {
            path: path.to_string(),
            target,
            range: None,
            tolerance: None,
            sim_steps: DEFAULT_SIM_STEPS,
            by: By::Auto,
            max_replications: None,
            max_work: f64::INFINITY,
        }
    }
}

/// What to bisect on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum By {
    /// The exact closed form where it applies, else simulation.
    #[default]
    Auto,
    /// The closed form; refused (with the reason) where it does not apply.
    ClosedForm,
    /// Simulation with the rare-event estimator, even where a closed form
    /// exists.
    Simulation,
}

impl By {
    /// Parses `auto`, `closed-form` or `simulation`.
    pub fn parse(text: &str) -> Result<By, String> {
        match text.trim() {
            "auto" => Ok(By::Auto),
            "closed-form" => Ok(By::ClosedForm),
            "simulation" => Ok(By::Simulation),
            other => Err(format!(
                "--by {other}: expected `closed-form`, `simulation` or `auto`"
            )),
        }
    }
}

/// How the answer was found.
#[derive(Debug, Clone, PartialEq)]
pub enum Method {
    /// Bisection on the back-of-envelope, confirmed by simulation.
    ClosedForm,
    /// Bisection on simulation, because the closed form does not apply.
    Simulation {
        /// Why the closed form does not apply.
        why: String,
    },
}

impl Method {
    /// `"closed-form"` or `"simulation"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::ClosedForm => "closed-form",
            Method::Simulation { .. } => "simulation",
        }
    }
}

/// Which end of the feasible set the answer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The feasible values are below the crossing: the answer is the largest.
    Largest,
    /// The feasible values are above the crossing: the answer is the smallest.
    Smallest,
}

impl Side {
    /// `"largest"` or `"smallest"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Largest => "largest",
            Side::Smallest => "smallest",
        }
    }
}

/// What the simulation at the answer says about the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agreement {
    /// The 95% interval contains the bound: as expected at a crossing.
    ContainsBound,
    /// The interval lies entirely on the side that satisfies the target: the
    /// answer is, if anything, conservative.
    Satisfies,
    /// The interval lies entirely on the side that violates the target.
    Contradicts,
    /// The interval contains the bound but is wider than [`DECIDE`] of it,
    /// after the cap on replications: it cannot confirm anything.
    Inconclusive,
    /// The interval is undefined (e.g. a single replication).
    Undefined,
}

impl Agreement {
    /// How an estimate's interval stands with respect to `target`: on one
    /// side of the bound, or around it within [`DECIDE`] of it, or neither
    /// ([`Agreement::Inconclusive`]).
    pub fn of(e: &Figure, target: &Target) -> Agreement {
        let (lo, hi, x) = (e.ci.low, e.ci.high, target.bound);
        if !e.ci.is_defined() {
            return Agreement::Undefined;
        }
        let (wrong, right) = match target.relation {
            Relation::AtMost => (lo > x, hi <= x),
            Relation::AtLeast => (hi < x, lo >= x),
        };
        if wrong {
            Agreement::Contradicts
        } else if right {
            Agreement::Satisfies
        } else if e.ci.half_width() <= DECIDE * x.abs() {
            Agreement::ContainsBound
        } else {
            Agreement::Inconclusive
        }
    }
    /// True when the interval decides the target (either way).
    pub fn decided(self) -> bool {
        matches!(
            self,
            Agreement::ContainsBound | Agreement::Satisfies | Agreement::Contradicts
        )
    }
    /// `Some(true)` when the interval is consistent with the target, `None`
    /// when it cannot tell.
    pub fn agrees(self) -> Option<bool> {
        match self {
            Agreement::ContainsBound | Agreement::Satisfies => Some(true),
            Agreement::Contradicts => Some(false),
            Agreement::Inconclusive | Agreement::Undefined => None,
        }
    }
    /// A kebab-case name for outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Agreement::ContainsBound => "contains-bound",
            Agreement::Satisfies => "satisfies-target",
            Agreement::Contradicts => "contradicts-target",
            Agreement::Inconclusive => "inconclusive",
            Agreement::Undefined => "undefined",
        }
    }
}

/// The answer and its confirmation.
#[derive(Debug, Clone)]
pub struct Solution {
    /// The key solved for.
    pub path: String,
    /// The condition.
    pub target: Target,
    /// The bracket searched, low end first.
    pub range: (Value, Value),
    /// The tolerance used.
    pub tolerance: Value,
    /// How the answer was found.
    pub method: Method,
    /// Largest or smallest value satisfying the target.
    pub side: Side,
    /// The answer: it satisfies the target (by the method's evaluation).
    pub answer: Value,
    /// The nearest value tried that violates it: the crossing lies between.
    pub beyond: Value,
    /// Interior grid points scanned on the closed form (0 on simulation).
    pub scanned: u32,
    /// Bisection steps.
    pub steps: u32,
    /// The back-of-envelope at the answer, where it applies.
    pub closed_form: Option<f64>,
    /// The simulation at the answer.
    pub point: PointResult,
    /// What the simulation's interval says about the target.
    pub agreement: Agreement,
    /// When inconclusive: about how many replications would decide it.
    pub needed: Option<usize>,
    /// The estimator of the simulations.
    pub estimator: Estimator,
    /// Caveats (several crossings, the estimator chosen, ...).
    pub notes: Vec<String>,
}

impl Solution {
    /// The simulated figure of the target metric at the answer.
    pub fn figure(&self) -> Option<&Figure> {
        self.point.metric(&self.target.metric).map(|m| &m.figure)
    }
}

/// Why a problem could not be solved.
#[derive(Debug, thiserror::Error)]
pub enum SolveError {
    /// The question is malformed (unknown metric, no range, ...).
    #[error("{0}")]
    Usage(String),
    /// The scenario does not load with the key set to a value of the range.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A simulation failed (a bug in a model).
    #[error(transparent)]
    Simulation(#[from] ScheduleError),
    /// Both ends of the range are on the same side of the target.
    #[error("{0}")]
    NoCrossing(String),
}

/// Loads scenarios with the key set and evaluates the metric.
struct Evaluator<'a> {
    registry: &'a Registry,
    source: &'a Source,
    overrides: Vec<Override>,
    path: &'a str,
    metric: &'a str,
}

impl Evaluator<'_> {
    fn scenario(&self, v: Value) -> Result<Scenario, ScenarioError> {
        let mut ovs = self.overrides.clone();
        // last, so that it wins over a --set of the same key
        ovs.push(Override {
            path: self.path.to_string(),
            value: v.toml(),
        });
        scenario::load_with(self.registry, self.source, &ovs)
    }

    /// The metric's back-of-envelope at `v`, or why there is none.
    fn closed_form(&self, v: Value) -> Result<Result<f64, String>, SolveError> {
        let sc = self.scenario(v)?;
        let def = sc.metrics().into_iter().find(|m| m.name == self.metric);
        Ok(match def.and_then(|d| d.closed_form) {
            Some(x) if x.is_finite() => Ok(x),
            Some(x) => Err(format!("the closed form gives {x} at {v}")),
            None => Err(match sc.model.closed_form_unavailable() {
                Some(why) => format!("the closed form does not apply: {why}"),
                None => format!("`{}` has no back-of-envelope", self.metric),
            }),
        })
    }

    fn simulate(&self, v: Value, reporter: &dyn Reporter) -> Result<PointResult, SolveError> {
        self.simulate_more(v, None, None, reporter)
    }

    /// The point at `v` with `n` replications (the scenario's by default),
    /// reusing the replications of `from` (same seed, same indices).
    fn simulate_more(
        &self,
        v: Value,
        n: Option<u32>,
        from: Option<PointResult>,
        reporter: &dyn Reporter,
    ) -> Result<PointResult, SolveError> {
        let mut sc = self.scenario(v)?;
        let n = n.unwrap_or(sc.replications);
        let mut reps = from.map(|p| p.reps).unwrap_or_default();
        let done = reps.len() as u64;
        let indices: Vec<u64> = (done..u64::from(n)).collect();
        reps.extend(run_replications(&sc, &indices, reporter)?);
        let done = reps.len() as u32;
        sc.replications = done;
        set_replications_override(&mut sc, done);
        let metrics = compute_metrics(&sc.metrics(), &reps, sc.estimator);
        Ok(PointResult {
            params: vec![(self.path.to_string(), v.to_string())],
            scenario: sc,
            reps,
            metrics,
        })
    }
}

fn sim_value(p: &PointResult, metric: &str, at: Value) -> Result<f64, SolveError> {
    let v = p.metric(metric).map_or(f64::NAN, |m| m.figure.value);
    if v.is_nan() {
        return Err(SolveError::Usage(format!(
            "`{metric}` is undefined at {at} (no data); choose a range where it is defined"
        )));
    }
    Ok(v)
}

/// Solves `problem` for the scenario `source` with `overrides` applied (see
/// the module docs). `reporter` is told about every simulated replication.
pub fn solve(
    registry: &Registry,
    source: &Source,
    overrides: &[Override],
    problem: &Problem,
    reporter: &dyn Reporter,
) -> Result<Solution, SolveError> {
    let path = problem.path.trim();
    let target = &problem.target;
    let base = scenario::load_with(registry, source, overrides)?;
    let metric_names = base.metric_names();
    let names: Vec<&str> = metric_names.iter().map(|m| m.as_ref()).collect();
    if !names.contains(&target.metric.as_str()) {
        let hint = crate::suggest::hint(&target.metric, &names, |names| {
            format!("; the metrics are: {}", names.join(", "))
        });
        return Err(SolveError::Usage(format!(
            "--target: unknown metric `{}`{hint}",
            target.metric
        )));
    }
    let (mut lo, mut hi) = match problem.range {
        Some(r) => r,
        None => range_from_sweep(&base, path)?,
    };
    if lo.as_f64() > hi.as_f64() {
        std::mem::swap(&mut lo, &mut hi);
    }
    if lo.distance(hi) == 0.0 {
        return Err(SolveError::Usage(format!(
            "--range {lo}..{hi} is empty: give two different ends"
        )));
    }
    // the simulations' estimator: the model's rare-event one unless the
    // scenario already asks for one
    let mut notes = Vec::new();
    let mut sim_overrides = overrides.to_vec();
    let estimator = match rare_estimator(&base) {
        Some((e, why)) => {
            sim_overrides.push(Override {
                path: "estimator".into(),
                value: format!("\"{}\"", e.name()),
            });
            notes.push(format!(
                "simulations use the {} estimator ({why}); the scenario's is sample",
                e.name()
            ));
            e
        }
        None => base.estimator,
    };
    let eval = Evaluator {
        registry,
        source,
        overrides: sim_overrides,
        path,
        metric: &target.metric,
    };
    if let (Value::Integer(a), Value::Integer(b)) = (lo, hi) {
        // a key that takes fractions is bisected over the reals
        if eval.scenario(Value::Number(a as f64 + 0.5)).is_ok() {
            (lo, hi) = (Value::Number(a as f64), Value::Number(b as f64));
        }
    }
    // the ends must load: their errors name the key and the value
    eval.scenario(lo)?;
    eval.scenario(hi)?;
    let tolerance = tolerance(problem.tolerance, lo, hi)?;

    let closed = match (eval.closed_form(lo)?, eval.closed_form(hi)?) {
        (Ok(_), Ok(_)) => match closed_form_is_a_bound(&eval.scenario(lo)?) {
            Some(why) => Err(why),
            None => Ok(()),
        },
        (Err(why), _) | (_, Err(why)) => Err(why),
    };
    let method = match (problem.by, closed) {
        (By::Auto | By::ClosedForm, Ok(())) => Method::ClosedForm,
        (By::Auto, Err(why)) => Method::Simulation { why },
        (By::ClosedForm, Err(why)) => {
            return Err(SolveError::Usage(format!(
                "--by closed-form: {why}; use --by simulation (bisection on the {} estimator)",
                estimator.name()
            )));
        }
        (By::Simulation, _) => Method::Simulation {
            why: "--by simulation".into(),
        },
    };
    let mut steps = 0;
    let mut scanned = 0;
    let solution = match &method {
        Method::ClosedForm => {
            let cf = |v: Value| -> Result<f64, SolveError> {
                eval.closed_form(v)?.map_err(SolveError::Usage)
            };
            // scan the grid: where does the target flip?
            let mut grid = Vec::with_capacity(GRID + 1);
            for i in 0..=GRID {
                let v = match i {
                    0 => lo,
                    GRID => hi,
                    _ => lo.lerp(hi, i, GRID).snap(tolerance),
                };
                grid.push((v, target.holds(cf(v)?)));
            }
            scanned = GRID as u32 - 1;
            let (ok_lo, ok_hi) = (grid[0].1, grid[GRID].1);
            if ok_lo == ok_hi {
                return Err(no_crossing(
                    path,
                    target,
                    (lo, cf(lo)?),
                    (hi, cf(hi)?),
                    "the closed form",
                ));
            }
            let flips = grid.windows(2).filter(|w| w[0].1 != w[1].1).count();
            // the first flip seen from the end that satisfies the target
            let cell = if ok_lo {
                grid.windows(2).position(|w| w[0].1 != w[1].1)
            } else {
                grid.windows(2).rposition(|w| w[0].1 != w[1].1)
            }
            .unwrap_or(0);
            let (a, b) = (grid[cell], grid[cell + 1]);
            let (mut good, mut bad) = if a.1 { (a.0, b.0) } else { (b.0, a.0) };
            if flips > 1 {
                notes.push(format!(
                    "the closed form crosses the target {flips} times over the range; the answer is the crossing nearest the {} end, which satisfies it",
                    if ok_lo { "low" } else { "high" }
                ));
            }
            let mut n = 0;
            while good.distance(bad) > tolerance_units(tolerance) && n < MAX_CLOSED_FORM_STEPS {
                let Some(mid) = good.midpoint(bad, tolerance) else {
                    break;
                };
                if target.holds(cf(mid)?) {
                    good = mid;
                } else {
                    bad = mid;
                }
                n += 1;
            }
            steps += n;
            let closed = cf(good)?;
            (good, bad, ok_lo, Some(closed), None)
        }
        Method::Simulation { .. } => {
            let per_run = u64::from(base.replications);
            reporter.start(per_run * (2 + u64::from(problem.sim_steps)));
            let p_lo = eval.simulate(lo, reporter)?;
            let p_hi = eval.simulate(hi, reporter)?;
            let (v_lo, v_hi) = (
                sim_value(&p_lo, &target.metric, lo)?,
                sim_value(&p_hi, &target.metric, hi)?,
            );
            let (ok_lo, ok_hi) = (target.holds(v_lo), target.holds(v_hi));
            if ok_lo == ok_hi {
                return Err(no_crossing(
                    path,
                    target,
                    (lo, v_lo),
                    (hi, v_hi),
                    "the simulation",
                ));
            }
            let (mut good, mut bad, mut good_point) = if ok_lo {
                (lo, hi, p_lo)
            } else {
                (hi, lo, p_hi)
            };
            while steps < problem.sim_steps && good.distance(bad) > tolerance_units(tolerance) {
                let Some(mid) = good.midpoint(bad, tolerance) else {
                    break;
                };
                let p = eval.simulate(mid, reporter)?;
                if target.holds(sim_value(&p, &target.metric, mid)?) {
                    good = mid;
                    good_point = p;
                } else {
                    bad = mid;
                }
                steps += 1;
            }
            if good.distance(bad) > tolerance_units(tolerance) {
                notes.push(format!(
                    "bisection on simulation stopped after {steps} steps: the crossing lies between {good} and {bad}"
                ));
            }
            (good, bad, ok_lo, None, Some(good_point))
        }
    };
    let (answer, beyond, ok_lo, closed_form, point) = solution;
    let (point, agreement, needed) = confirm(&eval, answer, target, problem, point, reporter)?;
    Ok(Solution {
        path: path.to_string(),
        target: target.clone(),
        range: (lo, hi),
        tolerance,
        method,
        side: if ok_lo { Side::Largest } else { Side::Smallest },
        answer,
        beyond,
        scanned,
        steps,
        closed_form,
        point,
        agreement,
        needed,
        estimator,
        notes,
    })
}

/// The model's rare-event estimator when `sc` uses plain sampling, with the
/// reason in words; `None` when `sc` already uses another estimator.
fn rare_estimator(sc: &Scenario) -> Option<(Estimator, &'static str)> {
    if sc.estimator != Estimator::Sample {
        return None;
    }
    sc.model.rare_estimator()
}

fn closed_form_is_a_bound(sc: &Scenario) -> Option<String> {
    sc.model.closed_form_is_a_bound()
}

fn confirm(
    eval: &Evaluator,
    answer: Value,
    target: &Target,
    problem: &Problem,
    start: Option<PointResult>,
    reporter: &dyn Reporter,
) -> Result<(PointResult, Agreement, Option<usize>), SolveError> {
    let sc = eval.scenario(answer)?;
    let first = sc.replications.max(1);
    let mut cap = problem
        .max_replications
        .unwrap_or(first.saturating_mul(CONFIRM_FACTOR))
        .max(first);
    // the work allowed: the units the model simulates (users,
    // transactions), by the metric that counts them
    let unit = sc.work().unit;
    let per_rep = sc
        .metrics()
        .iter()
        .find(|m| m.name == unit)
        .and_then(|m| m.closed_form)
        .map(|w| w / f64::from(first))
        .unwrap_or(0.0);
    if per_rep > 0.0 && problem.max_work.is_finite() {
        let allowed = (problem.max_work / per_rep).floor();
        cap = cap.min((allowed as u32).max(first));
    }
    let mut point = match start {
        Some(p) => p,
        None => {
            reporter.start(u64::from(first));
            eval.simulate_more(answer, Some(first), None, reporter)?
        }
    };
    loop {
        let e = point.metric(&target.metric).map(|m| m.figure);
        let agreement = e.map_or(Agreement::Undefined, |e| Agreement::of(&e, target));
        let n = point.reps.len() as u32;
        if agreement.decided() || n >= cap {
            let needed = match (agreement, e) {
                (Agreement::Inconclusive | Agreement::Undefined, Some(e)) => {
                    Some(crate::stats::replications_needed(
                        n as usize,
                        e.ci.half_width(),
                        DECIDE * target.bound.abs(),
                    ))
                }
                _ => None,
            };
            let agreement = if agreement == Agreement::Undefined && n >= cap && needed.is_some() {
                Agreement::Inconclusive
            } else {
                agreement
            };
            return Ok((point, agreement, needed));
        }
        let next = n.saturating_mul(2).min(cap);
        reporter.start(u64::from(next));
        for _ in 0..n {
            reporter.replication_done();
        }
        point = eval.simulate_more(answer, Some(next), Some(point), reporter)?;
    }
}

/// The tolerance as a value of the range's kind.
fn tolerance(given: Option<Value>, lo: Value, hi: Value) -> Result<Value, SolveError> {
    let t = match (given, lo) {
        (None, Value::Duration(_)) => Value::Duration(DURATION_TOLERANCE),
        (None, Value::Integer(_)) => Value::Integer(1),
        (None, _) => Value::Number(NUMBER_TOLERANCE * lo.as_f64().abs().max(hi.as_f64().abs())),
        (Some(t), _) => match same_kind(t, lo) {
            Some((t, _)) if t.as_f64() > 0.0 => t,
            _ => {
                return Err(SolveError::Usage(format!(
                    "--tolerance {t}: expected a positive value of the range's kind (a duration for durations, a number for numbers)"
                )));
            }
        },
    };
    Ok(match (t, lo) {
        // no finer than a whole number for an integer key
        (Value::Number(x), Value::Integer(_)) => Value::Integer(x.ceil().max(1.0) as i64),
        _ => t,
    })
}

fn tolerance_units(t: Value) -> f64 {
    t.distance(match t {
        Value::Duration(_) => Value::Duration(SimDuration::ZERO),
        Value::Integer(_) => Value::Integer(0),
        Value::Number(_) => Value::Number(0.0),
    })
}

fn range_from_sweep(base: &Scenario, path: &str) -> Result<(Value, Value), SolveError> {
    let axis = base.sweep.iter().find(|a| a.path == path).ok_or_else(|| {
        SolveError::Usage(format!(
            "solve needs --range A..B for `{path}` (e.g. --range 0s..10m or --range 0..500); the scenario's [sweep] does not cover it"
        ))
    })?;
    let ends = (axis.values.first(), axis.values.last());
    let (Some(a), Some(b)) = ends else {
        return Err(SolveError::Usage(format!(
            "the sweep of `{path}` has no values"
        )));
    };
    let parse = |t: &str| {
        Value::parse(t).map_err(|m| {
            SolveError::Usage(format!("the sweep of `{path}`: {m}; give --range A..B"))
        })
    };
    same_kind(parse(a)?, parse(b)?).ok_or_else(|| {
        SolveError::Usage(format!(
            "the sweep of `{path}` mixes kinds; give --range A..B"
        ))
    })
}

fn no_crossing(
    path: &str,
    target: &Target,
    (lo, v_lo): (Value, f64),
    (hi, v_hi): (Value, f64),
    by: &str,
) -> SolveError {
    let fmt = crate::fmt::fmt_num;
    let side = |v: f64| {
        if target.holds(v) {
            "satisfy"
        } else {
            "violate"
        }
    };
    SolveError::NoCrossing(format!(
        "{target} is not crossed over {path} = {lo}..{hi}: by {by}, {} = {} at {lo} and {} at {hi}; both ends {} it. Widen or move --range",
        target.metric,
        fmt(v_lo),
        fmt(v_hi),
        side(v_lo),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_both_ways_and_refuse_the_rest() {
        let t = Target::parse("error_page_rate<=1e-4").unwrap();
        assert_eq!(t.metric, "error_page_rate");
        assert_eq!(t.relation, Relation::AtMost);
        assert_eq!(t.bound, 1e-4);
        assert!(t.holds(1e-4) && !t.holds(1.1e-4));
        let t = Target::parse(" users >= 10 ").unwrap();
        assert_eq!((t.relation, t.bound), (Relation::AtLeast, 10.0));
        assert!(Target::parse("error_page_rate<1e-4").is_err());
        assert!(Target::parse("<=1").is_err());
        assert!(Target::parse("x<=soon").is_err());
        assert!(Target::parse("x<=inf").is_err());
    }

    #[test]
    fn ranges_of_durations_and_numbers() {
        assert_eq!(
            parse_range("0..10m").unwrap(),
            (
                Value::Duration(SimDuration::ZERO),
                Value::Duration(SimDuration::from_mins(10))
            )
        );
        assert_eq!(
            parse_range("1..20").unwrap(),
            (Value::Integer(1), Value::Integer(20))
        );
        assert_eq!(
            parse_range("0..0.5").unwrap(),
            (Value::Number(0.0), Value::Number(0.5))
        );
        assert!(parse_range("1s").is_err());
        assert!(parse_range("0.5..10m").is_err());
        assert!(parse_range("a..b").is_err());
    }

    #[test]
    fn values_round_trip_through_toml_syntax() {
        let d = Value::Duration(SimDuration::from_nanos(296_510_123_456));
        let text = d.toml();
        let back = parse_duration(text.trim_matches('"')).unwrap();
        assert_eq!(Value::Duration(back), d);
        assert_eq!(Value::Number(100.0).toml(), "100.0");
        assert_eq!(Value::Number(1e-7).toml(), "1e-7");
        assert_eq!(Value::Integer(3).toml(), "3");
    }

    #[test]
    fn midpoints_stay_on_the_tolerance_lattice() {
        let one = Value::Integer(1);
        assert_eq!(Value::Integer(3).midpoint(Value::Integer(4), one), None);
        assert_eq!(
            Value::Integer(3).midpoint(Value::Integer(7), one),
            Some(Value::Integer(5))
        );
        let ms = Value::Duration(SimDuration::from_millis(1));
        let d = |ns| Value::Duration(SimDuration::from_nanos(ns));
        assert_eq!(d(1).midpoint(d(2), ms), None);
        assert_eq!(d(0).midpoint(d(1_000_000), ms), None, "adjacent multiples");
        assert_eq!(d(0).midpoint(d(2_000_000), ms), Some(d(1_000_000)));
        assert_eq!(d(1).midpoint(d(7_500_000), ms), Some(d(4_000_000)));
        assert_eq!(d(-3_000_000).midpoint(d(0), ms), Some(d(-2_000_000)));
        assert_eq!(d(296_510_123_456).snap(ms), d(296_510_000_000));
        assert_eq!(
            Value::Number(0.0).midpoint(Value::Number(1.0), Value::Number(1e-6)),
            Some(Value::Number(0.5))
        );
    }

    #[test]
    fn targets_print_small_bounds_in_scientific_notation() {
        assert_eq!(
            Target::parse("error_page_rate<=1e-4").unwrap().to_string(),
            "error_page_rate <= 1e-4"
        );
        assert_eq!(
            Target::parse("users>=10").unwrap().to_string(),
            "users >= 10"
        );
    }

    #[test]
    fn agreement_reads_the_interval_against_the_bound() {
        use crate::stats::{Interval, Method};
        let e = |lo, hi| Figure {
            value: (lo + hi) / 2.0,
            ci: Interval {
                low: lo,
                high: hi,
                method: Method::RatioT,
            },
        };
        let t = Target::parse("m<=1").unwrap();
        assert_eq!(Agreement::of(&e(0.95, 1.05), &t), Agreement::ContainsBound);
        // around the bound but wider than ±10% of it: decides nothing
        assert_eq!(Agreement::of(&e(0.5, 1.5), &t), Agreement::Inconclusive);
        // the case: [3.9e-8, 8.6e-6] against 1e-7
        let t7 = Target::parse("error_page_rate<=1e-7").unwrap();
        assert_eq!(
            Agreement::of(&e(3.9e-8, 8.6e-6), &t7),
            Agreement::Inconclusive
        );
        assert_eq!(Agreement::Inconclusive.agrees(), None);
        assert_eq!(Agreement::of(&e(0.2, 0.9), &t), Agreement::Satisfies);
        assert_eq!(Agreement::of(&e(1.1, 1.5), &t), Agreement::Contradicts);
        let t = Target::parse("m>=1").unwrap();
        assert_eq!(Agreement::of(&e(0.2, 0.9), &t), Agreement::Contradicts);
        assert_eq!(Agreement::of(&e(1.1, 1.5), &t), Agreement::Satisfies);
    }
}
