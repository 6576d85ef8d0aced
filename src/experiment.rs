//! Experiments: replications in parallel, sweep grids, and the metrics with
//! their intervals.
//!
//! This is the only layer that knows about threads. Replication `i` of a
//! scenario always draws from the streams of (seed, i), whatever thread runs
//! it; results are collected in replication order and every sum over
//! replications is made sequentially in that order, so the same scenario and
//! seed give the same bytes whatever the thread count.

pub mod cost;
pub mod precision;
pub mod sensitivity;
pub mod solve;
pub mod time_limit;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::engine::{ScheduleError, Streams, cancel};
use crate::model::{Direction, Estimator, MetricDef, MetricKind, Name, Part, PointView, RepOutput};
use crate::scenario::Scenario;
use crate::stats::events::{self, Concentration};
use crate::stats::{self, Figure, Method};

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

/// `reporter`, asking the run to stop once `flag` is set (a time limit).
pub struct WithStop<'a> {
    /// What progress goes to.
    pub reporter: &'a dyn Reporter,
    /// The stop flag.
    pub flag: Option<Arc<AtomicBool>>,
}

impl Reporter for WithStop<'_> {
    fn start(&self, total: u64) {
        self.reporter.start(total);
    }
    fn replication_done(&self) {
        self.reporter.replication_done();
    }
    fn finish(&self) {
        self.reporter.finish();
    }
    fn stop_flag(&self) -> Option<Arc<AtomicBool>> {
        self.flag.clone().or_else(|| self.reporter.stop_flag())
    }
}

/// One metric's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricResult {
    /// Contract name.
    pub name: Name,
    /// Unit.
    pub unit: Name,
    /// Which way is worse.
    pub direction: Direction,
    /// The simulated value and its 95% interval.
    pub figure: Figure,
    /// Back-of-envelope.
    pub closed_form: Option<f64>,
    /// Naive back-of-envelope (terminal).
    pub closed_form_naive: Option<f64>,
    /// What a reviewer should know about this figure, in the order found.
    pub warnings: Vec<Warning>,
}

/// Something about a figure that a reviewer should read before trusting it
/// (see `docs/statistics.md`). The report layer puts it in words.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Warning {
    /// A few replications carry most of the events: the interval rests on
    /// few clusters.
    Concentrated(Concentration),
    /// The back-of-envelope lies outside the simulated 95% interval: one of
    /// the two leaves out something the other has, and its assumptions need
    /// a look.
    Disagrees {
        /// The back-of-envelope.
        closed_form: f64,
        /// The interval it lies outside.
        low: f64,
        /// Upper bound of that interval.
        high: f64,
    },
    /// Too few replications to tell events that cluster from independent
    /// ones: the interval allows for clustering and may be wide (see
    /// [`events::FEW_REPLICATIONS`]).
    FewReplications {
        /// Replications run.
        n: usize,
    },
}

/// Relative tolerance for [`Warning::Disagrees`]: an estimate this close to a
/// bound is on it (a constant such as terminal-days is computed in two ways
/// that may differ in the last bits).
const DISAGREE_TOLERANCE: f64 = 1e-9;

/// The disagreement warning for an estimate and an interval, if the estimate
/// lies outside it.
pub fn disagreement(closed_form: Option<f64>, e: &Figure) -> Option<Warning> {
    let x = closed_form.filter(|x| x.is_finite())?;
    if !e.ci.is_defined() {
        return None;
    }
    let slack = DISAGREE_TOLERANCE * x.abs().max(e.ci.low.abs()).max(e.ci.high.abs());
    (x < e.ci.low - slack || x > e.ci.high + slack).then_some(Warning::Disagrees {
        closed_form: x,
        low: e.ci.low,
        high: e.ci.high,
    })
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
    /// The point as its model sees it.
    pub fn view(&self) -> PointView<'_> {
        PointView {
            params: &self.params,
            reps: &self.reps,
            model: &*self.scenario.model,
        }
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
    part: Option<Part>,
) -> Result<RepOutput, ScheduleError> {
    sc.model.run(Streams::new(sc.seed, index), part)
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
/// ([`shard_indices`]); but for a model whose replications split into parts
/// (the terminal model's fleet), when there are more shards than
/// replications, every shard runs its part of every replication (for the
/// terminal model, terminals `t` with `t % n == k - 1`), so one huge
/// replication spreads over many machines. `merge` adds the parts up
/// exactly.
pub fn shard_share(sc: &Scenario, shard: Option<(u64, u64)>) -> Share {
    match shard {
        Some((k, n))
            if sc.model.replication_parts().is_some() && n > u64::from(sc.replications) =>
        {
            Share {
                indices: (0..u64::from(sc.replications)).collect(),
                part: Some((k, n)),
            }
        }
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

/// Computes every metric of `defs` from the replications (sums in index
/// order), with the interval that applies to each kind (see
/// [`crate::stats`]) and its warnings: a concentration of the events in a few
/// replications, a back-of-envelope outside the interval.
///
/// Plain sampling: whole-number counts get the event intervals (see
/// [`crate::stats`]). The rare-event estimators (conditional, importance:
/// fractional or weighted values) get the intervals of [`stats::rare`].
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
    let ones = vec![1.0; reps.len()];
    defs.iter()
        .map(|d| {
            // the estimate, and the events behind it: (counts, exposures,
            // proportion), for the warnings
            let rare = estimator != Estimator::Sample && !d.sampled;
            let (figure, events) = match d.kind {
                // rare-event estimators: fractional or weighted values, see
                // stats::rare
                MetricKind::Count { col: c } if rare => {
                    (stats::rare::count_total(&col(c), d.impossible), None)
                }
                MetricKind::Ratio {
                    num,
                    den,
                    scale,
                    proportion,
                } if rare => (
                    stats::rare::rate_figure(&col(num), &col(den), scale, proportion, d.impossible),
                    None,
                ),
                MetricKind::RatioDiff { a, b, den } if rare => (
                    stats::rare::difference(
                        &col(a),
                        &col(b),
                        &col(den),
                        d.impossible,
                        d.non_negative,
                    ),
                    None,
                ),
                MetricKind::Count { col: c } => {
                    let y = col(c);
                    (stats::count_figure(&y), Some((y, ones.clone(), false)))
                }
                MetricKind::Total { col: c } => (stats::total_figure(&col(c)), None),
                MetricKind::Money {
                    col: c,
                    events: k,
                    max_per_event,
                } => {
                    let y = col(k);
                    (
                        stats::money_figure(&col(c), &y, max_per_event),
                        Some((y, ones.clone(), false)),
                    )
                }
                MetricKind::Ratio {
                    num,
                    den,
                    scale,
                    proportion,
                } => {
                    let (y, x) = (col(num), col(den));
                    let e = stats::ratio_figure(&y, &x, scale, proportion);
                    (e, Some((y, x, proportion)))
                }
                MetricKind::RatioDiff { a, b, den } => {
                    let y: Vec<f64> = col(a).iter().zip(col(b)).map(|(p, q)| p - q).collect();
                    let x = col(den);
                    let e = stats::ratio_diff_figure(&col(a), &col(b), &x);
                    (e, Some((y, x, false)))
                }
                MetricKind::Mean { sum, count } => {
                    (stats::mean_figure(&col(sum), &col(count)), None)
                }
            };
            let mut warnings = Vec::new();
            if let Some((y, x, proportion)) = &events {
                warnings.extend(event_warnings(y, x, *proportion, &figure));
            }
            warnings.extend(disagreement(d.closed_form, &figure));
            MetricResult {
                name: d.name.clone(),
                unit: d.unit.clone(),
                direction: d.direction,
                figure,
                closed_form: d.closed_form,
                closed_form_naive: d.closed_form_naive,
                warnings,
            }
        })
        .collect()
}

/// The warnings about an estimate of events `y` over exposures `x`: a few
/// replications carrying most of them, or too few replications to tell
/// clustered events from independent ones while the counts look independent
/// and are few (the interval then allows for clustering that the data cannot
/// show; where the dispersion test does find clustering, the interval
/// measured it, and where events are many the interval is narrow anyway).
fn event_warnings(y: &[f64], x: &[f64], proportion: bool, e: &Figure) -> Vec<Warning> {
    let mut out = Vec::new();
    if !stats::is_whole(y) {
        return out;
    }
    if let Some(c) = events::concentration(y, x, proportion) {
        out.push(Warning::Concentrated(c));
    }
    let widened = matches!(
        e.ci.method,
        Method::QuasiPoisson | Method::QuasiBinomial | Method::CompoundPoisson
    );
    // undecided: the test finds no clustering, and the interval, allowing
    // for it, rests on few effective events (with many, it is narrow anyway)
    let n = y.len();
    let undecided = events::dispersion(y, x, proportion).is_some_and(|d| {
        let phi = events::dispersion_used(1.0, d.index, n, stats::CONFIDENCE);
        d.p_value >= events::UNDECIDED_LEVEL
            && events::effective_events(y, phi) < events::EFFECTIVE_EVENTS
    });
    if widened && undecided && n < events::FEW_REPLICATIONS {
        out.push(Warning::FewReplications { n });
    }
    out
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

pub use crate::scenario::grid::Point;

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
