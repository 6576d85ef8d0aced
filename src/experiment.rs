//! Experiments: replications in parallel, sweep grids, and the metrics with
//! their intervals.
//!
//! This is the only layer that knows about threads. Replication `i` of a
//! scenario always draws from the streams of (seed, i), whatever thread runs
//! it; results are collected in replication order and every sum over
//! replications is made sequentially in that order, so the same scenario and
//! seed give the same bytes whatever the thread count.

pub mod precision;
pub mod sensitivity;
pub mod solve;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::engine::{ScheduleError, Streams, cancel};
use crate::models::{Estimator, MetricDef, MetricKind, RepOutput};
use crate::scenario::{self, ModelConfig, Override, Scenario, ScenarioError, Source};
use crate::stats::{self, Estimate};

/// Receives progress; the CLI attaches a progress bar, tests attach nothing.
pub trait Reporter: Sync {
    /// `total` replications are about to run.
    fn start(&self, _total: u64) {}
    /// One replication finished.
    fn replication_done(&self) {}
    /// Everything finished.
    fn finish(&self) {}
    /// A flag that, once set, asks the run to stop (`--time-limit`): no new
    /// replication starts, the running ones are abandoned, and the finished
    /// prefix is kept (see [`run_replications`]).
    fn stop_flag(&self) -> Option<Arc<AtomicBool>> {
        None
    }
}

/// A reporter that reports nothing.
pub struct Silent;
impl Reporter for Silent {}

/// One metric's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricResult {
    /// Contract name.
    pub name: &'static str,
    /// Unit.
    pub unit: &'static str,
    /// Value and 95% interval.
    pub estimate: Estimate,
    /// Back-of-envelope.
    pub closed_form: Option<f64>,
    /// Naive back-of-envelope (terminal).
    pub closed_form_naive: Option<f64>,
}

/// The result of one scenario (one sweep point).
#[derive(Debug, Clone)]
pub struct PointResult {
    /// The swept keys and their values at this point (empty without a sweep).
    pub params: Vec<(String, String)>,
    /// The scenario with this point's values applied.
    pub scenario: Scenario,
    /// The replications that ran, as (index, output), in index order.
    pub reps: Vec<(u64, RepOutput)>,
    /// Metrics computed from `reps`.
    pub metrics: Vec<MetricResult>,
}

impl PointResult {
    /// Total engine events.
    pub fn events(&self) -> u64 {
        self.reps.iter().map(|(_, r)| r.events).sum()
    }
    /// A metric by name.
    pub fn metric(&self, name: &str) -> Option<&MetricResult> {
        self.metrics.iter().find(|m| m.name == name)
    }
}

/// The raw per-replication column names of a scenario's model (and
/// estimator: importance sampling adds its effective sample size).
pub fn columns(sc: &Scenario) -> &'static [&'static str] {
    match &sc.model {
        ModelConfig::Checkout(_) => crate::models::checkout::columns(sc.estimator),
        ModelConfig::Terminal(_) => crate::models::terminal::COLUMNS,
    }
}

/// The model's per-day column names.
pub fn daily_columns(model: &ModelConfig) -> &'static [&'static str] {
    match model {
        ModelConfig::Checkout(_) => crate::models::checkout::DAILY_COLUMNS,
        ModelConfig::Terminal(_) => crate::models::terminal::DAILY_COLUMNS,
    }
}

/// Runs replication `index` of `sc`.
pub fn run_replication(sc: &Scenario, index: u64) -> Result<RepOutput, ScheduleError> {
    run_replication_part(sc, index, None)
}

/// Runs part `k` of `n` of replication `index` (the whole of it with `None`):
/// for the terminal model, the terminals `t` with `t % n == k - 1`. A model
/// whose replication cannot be split runs it whole.
pub fn run_replication_part(
    sc: &Scenario,
    index: u64,
    part: Option<(u64, u64)>,
) -> Result<RepOutput, ScheduleError> {
    let streams = Streams::new(sc.seed, index);
    match &sc.model {
        ModelConfig::Checkout(c) => {
            crate::models::checkout::run_replication(c, streams, sc.estimator)
        }
        ModelConfig::Terminal(t) => {
            crate::models::terminal::run_part(t, sc.days(), streams, sc.estimator, part)
        }
    }
}

/// A shard's share of one point's work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    /// The replications it runs.
    pub indices: Vec<u64>,
    /// `Some((k, n))` when it runs part `k` of `n` of each of them (terminals).
    pub part: Option<(u64, u64)>,
}

/// What shard `k` of `n` runs of `sc`. Replications are split round robin
/// ([`shard_indices`]); but for the terminal model, when there are more
/// shards than replications, every shard runs every replication for its part
/// of the fleet (terminals `t` with `t % n == k - 1`), so one huge replication
/// spreads over many machines. `merge` adds the parts up exactly.
pub fn shard_share(sc: &Scenario, shard: Option<(u64, u64)>) -> Share {
    match (shard, &sc.model) {
        (Some((k, n)), ModelConfig::Terminal(_)) if n > u64::from(sc.replications) => Share {
            indices: (0..u64::from(sc.replications)).collect(),
            part: Some((k, n)),
        },
        _ => Share {
            indices: shard_indices(sc.replications, shard),
            part: None,
        },
    }
}

/// Runs the replications `indices` of `sc` in parallel on the current rayon
/// pool and returns them in index order.
///
/// Workers take the indices in order from a shared counter, so at any moment
/// the finished replications are (nearly) a prefix of `indices`. When the
/// reporter's stop flag is set ([`Reporter::stop_flag`]), no replication
/// starts, the running ones stop at the engine's next check and are dropped,
/// and the result is the longest prefix of `indices` that finished: exactly
/// what a run of that many replications gives (a replication is never cut
/// short, and which ones are kept does not depend on how long each took
/// beyond the cut).
pub fn run_replications(
    sc: &Scenario,
    indices: &[u64],
    reporter: &dyn Reporter,
) -> Result<Vec<(u64, RepOutput)>, ScheduleError> {
    run_parts(sc, indices, None, reporter)
}

/// [`run_replications`] for part `part` of each replication (see
/// [`run_replication_part`]).
pub fn run_parts(
    sc: &Scenario,
    indices: &[u64],
    part: Option<(u64, u64)>,
    reporter: &dyn Reporter,
) -> Result<Vec<(u64, RepOutput)>, ScheduleError> {
    let flag = reporter.stop_flag();
    let stopped = || flag.as_ref().is_some_and(|f| f.load(Ordering::Relaxed));
    let slots: Vec<Mutex<Option<Result<RepOutput, ScheduleError>>>> =
        indices.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let workers = rayon::current_num_threads().clamp(1, indices.len().max(1));
    rayon::scope(|s| {
        for _ in 0..workers {
            s.spawn(|_| {
                loop {
                    if stopped() {
                        break;
                    }
                    let j = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&i) = indices.get(j) else {
                        break;
                    };
                    let r = cancel::with_flag(flag.clone(), || run_replication_part(sc, i, part));
                    if stopped() {
                        // possibly cut short: never kept
                        break;
                    }
                    reporter.replication_done();
                    if let Ok(mut slot) = slots[j].lock() {
                        *slot = Some(r);
                    }
                }
            });
        }
    });
    let mut out = Vec::with_capacity(indices.len());
    let mut prefix = true;
    for (slot, &i) in slots.into_iter().zip(indices) {
        match slot.into_inner().ok().flatten() {
            Some(Err(e)) => return Err(e),
            Some(Ok(o)) if prefix => out.push((i, o)),
            Some(Ok(_)) => {}
            None => prefix = false,
        }
    }
    Ok(out)
}

/// Computes every metric of `defs` from the replications (sums in index order).
pub fn compute_metrics(
    defs: &[MetricDef],
    reps: &[(u64, RepOutput)],
    estimator: Estimator,
) -> Vec<MetricResult> {
    let col = |c: usize| -> Vec<f64> {
        reps.iter()
            .map(|(_, r)| r.values.get(c).copied().unwrap_or(0.0))
            .collect()
    };
    defs.iter()
        .map(|d| {
            let rare = estimator != Estimator::Sample;
            let estimate = match d.kind {
                // rare-event estimators: fractional or weighted values, see
                // stats::rare
                MetricKind::Count { col: c } if rare => {
                    stats::rare::count_total(&col(c), d.impossible)
                }
                MetricKind::Ratio {
                    num,
                    den,
                    scale,
                    proportion,
                } if rare => stats::rare::rate_estimate(
                    &col(num),
                    &col(den),
                    scale,
                    proportion,
                    d.impossible,
                ),
                MetricKind::RatioDiff { a, b, den } if rare => stats::rare::difference(
                    &col(a),
                    &col(b),
                    &col(den),
                    d.impossible,
                    d.non_negative,
                ),
                MetricKind::Count { col: c } => stats::count_estimate(&col(c)),
                MetricKind::Ratio {
                    num,
                    den,
                    scale,
                    proportion,
                } => stats::ratio_estimate(&col(num), &col(den), scale, proportion),
                MetricKind::RatioDiff { a, b, den } => {
                    stats::ratio_diff_estimate(&col(a), &col(b), &col(den))
                }
                MetricKind::Mean { sum, count } => stats::mean_estimate(&col(sum), &col(count)),
            };
            MetricResult {
                name: d.name,
                unit: d.unit,
                estimate,
                closed_form: d.estimate,
                closed_form_naive: d.estimate_naive,
            }
        })
        .collect()
}

/// What to run: the replications and the extra overrides from the command line.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Overrides applied to every point (`--set`, `--seed`, `--replications`).
    pub overrides: Vec<Override>,
    /// Replace the scenario's sweep with these axes (`sweep --vary`).
    pub vary: Option<Vec<scenario::SweepAxis>>,
    /// Ignore the scenario's sweep (run the base point only).
    pub no_sweep: bool,
    /// Run only this shard `(k, n)`, 1-based `k`.
    pub shard: Option<(u64, u64)>,
}

/// The replication indices shard `k` of `n` runs: every `n`-th, starting at
/// `k - 1` (round robin, so shards stay balanced).
pub fn shard_indices(replications: u32, shard: Option<(u64, u64)>) -> Vec<u64> {
    match shard {
        None => (0..u64::from(replications)).collect(),
        Some((k, n)) => (0..u64::from(replications))
            .filter(|i| i % n == k - 1)
            .collect(),
    }
}

/// A sweep point: the swept (key, value) pairs and the scenario with them applied.
pub type Point = (Vec<(String, String)>, Scenario);

/// The sweep points of a scenario: each is (params, scenario with them applied).
pub fn points(source: &Source, base: &Scenario, plan: &Plan) -> Result<Vec<Point>, ScenarioError> {
    let axes = match (&plan.vary, plan.no_sweep) {
        (_, true) => Vec::new(),
        (Some(v), false) => v.clone(),
        (None, false) => base.sweep.clone(),
    };
    if axes.is_empty() {
        return Ok(vec![(Vec::new(), base.clone())]);
    }
    let mut out = Vec::new();
    let total: usize = axes.iter().map(|a| a.values.len()).product();
    for mut i in 0..total {
        // first axis varies slowest
        let mut choice = vec![0; axes.len()];
        for (j, a) in axes.iter().enumerate().rev() {
            choice[j] = i % a.values.len();
            i /= a.values.len();
        }
        let mut ovs = Vec::new();
        let mut params = Vec::new();
        for (a, &c) in axes.iter().zip(&choice) {
            ovs.push(Override {
                path: a.path.clone(),
                value: a.values[c].clone(),
            });
            params.push((a.path.clone(), a.values[c].trim_matches('"').to_string()));
        }
        // command-line overrides win over sweep values for the same key
        let sc = scenario::load_point(source, &ovs, &plan.overrides, plan.vary.is_none())?;
        out.push((params, sc));
    }
    Ok(out)
}

/// Runs one point: its replications (or this shard's) and its metrics.
///
/// If the reporter's stop flag ends the run early, the point holds the
/// replications that finished (possibly none) and, without a shard, its
/// scenario's `replications` is that number, so the figures are exactly those
/// of a run with `--replications` set to it.
pub fn run_point(
    params: Vec<(String, String)>,
    sc: Scenario,
    shard: Option<(u64, u64)>,
    reporter: &dyn Reporter,
) -> Result<PointResult, ScheduleError> {
    let Share { indices, part } = shard_share(&sc, shard);
    let reps = run_parts(&sc, &indices, part, reporter)?;
    let mut sc = sc;
    if shard.is_none() && reps.len() < indices.len() {
        // stopped early: the result of a run of the replications that finished
        let n = reps.len() as u32;
        sc.replications = n;
        precision::set_replications_override(&mut sc, n);
    }
    let metrics = compute_metrics(&sc.metrics(), &reps, sc.estimator);
    Ok(PointResult {
        params,
        scenario: sc,
        reps,
        metrics,
    })
}
