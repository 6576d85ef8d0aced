//! Sequential replications to a target precision (`run --target-precision R`).
//!
//! A fixed number of replications is a guess; what a review wants is the
//! headline figure to a known precision. [`run_to_precision`] runs the
//! scenario's replications, then keeps doubling the total (never beyond the
//! cap) until the relative half-width of the headline's 95% interval is at most
//! the target, and says which of the two stopped it.
//!
//! Replication indices continue from batch to batch (0..n, then n..2n, ...),
//! and the metrics are recomputed from all replications in index order, so the
//! result is exactly that of a single run with the final number of
//! replications: the same bytes, whatever the batches were.
//!
//! Relative precision needs a value to be relative to: a headline with zero
//! events (an interval `[0, upper]`) has no relative half-width and can never
//! reach the target, so the run goes on to the cap (more replications may
//! find events) and the outcome says that zero events were seen.
//!
//! Stopping when an interval first looks tight enough biases coverage a little
//! (a sequential procedure peeks at its data). Doubling limits the peeks to
//! about log2(cap / start) of them; for a review figure this is accepted, and
//! the final interval is reported as computed, not adjusted.

use crate::engine::ScheduleError;
use crate::experiment::{PointResult, Reporter, compute_metrics, run_replications};
use crate::model::Name;
use crate::scenario::{Override, Scenario};
use crate::stats::Figure;

/// The cap when `--max-replications` is not given.
pub const DEFAULT_MAX_REPLICATIONS: u32 = 10_000;

/// What to aim for: a relative half-width and a cap on replications.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Goal {
    target: f64,
    max_replications: u32,
}

impl Goal {
    /// A goal of relative half-width `target` (0.05 = 5%) with at most
    /// `max_replications` replications. Refuses a target that is not a finite
    /// number in (0, 1] or a cap of zero, naming the flag to fix.
    pub fn new(target: f64, max_replications: u32) -> Result<Goal, String> {
        if !(target.is_finite() && target > 0.0 && target <= 1.0) {
            return Err(format!(
                "--target-precision {target}: expected a relative half-width in (0, 1], e.g. 0.05 for 5%"
            ));
        }
        if max_replications == 0 {
            return Err("--max-replications must be at least 1".into());
        }
        Ok(Goal {
            target,
            max_replications,
        })
    }
    /// The relative half-width aimed for.
    pub fn target(&self) -> f64 {
        self.target
    }
    /// The cap on replications.
    pub fn max_replications(&self) -> u32 {
        self.max_replications
    }
}

/// Why the replications stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The headline's relative half-width reached the target.
    PrecisionReached,
    /// The cap was hit first.
    MaxReplications,
    /// The reporter's stop flag (`--time-limit`) ended the run: the figures are
    /// those of the replications that finished.
    TimeLimit,
}

impl Stop {
    /// The phrase written in outputs (`"precision reached"`, `"max replications"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Stop::PrecisionReached => "precision reached",
            Stop::MaxReplications => "max replications",
            Stop::TimeLimit => "time limit",
        }
    }
}

/// One batch's state after it finished.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Batch {
    /// Replications so far.
    pub replications: u32,
    /// The headline's relative half-width then (`None`: undefined).
    pub relative_half_width: Option<f64>,
}

/// The outcome of [`run_to_precision`].
#[derive(Debug, Clone)]
pub struct PrecisionRun {
    /// The point with all its replications, as a single run would give it.
    pub point: PointResult,
    /// The headline metric's name.
    pub metric: Name,
    /// The goal.
    pub goal: Goal,
    /// Why it stopped.
    pub stopped: Stop,
    /// The final relative half-width (`None` with zero events or an undefined
    /// interval).
    pub achieved: Option<f64>,
    /// True when the headline saw no event at all (value 0): relative
    /// precision cannot be reached.
    pub zero_events: bool,
    /// Each batch's state, in order.
    pub batches: Vec<Batch>,
}

impl PrecisionRun {
    /// One sentence for a report, e.g. "error_page_rate ±4.1% (target ±5%)
    /// after 64 replications: precision reached".
    pub fn summary(&self) -> String {
        let n = self.point.reps.len();
        let target = pct(self.goal.target);
        match (self.achieved, self.zero_events) {
            (_, true) => format!(
                "{}: no event in {n} replications, so no relative precision can be reached (target ±{target}): stopped at max replications",
                self.metric
            ),
            (Some(r), false) => format!(
                "{} ±{} (target ±{target}) after {n} replications: {}",
                self.metric,
                pct(r),
                self.stopped.as_str()
            ),
            (None, false) => format!(
                "{}: interval undefined after {n} replications (target ±{target}): {}",
                self.metric,
                self.stopped.as_str()
            ),
        }
    }
}

fn pct(x: f64) -> String {
    format!("{}%", crate::fmt::fmt_num(x * 100.0))
}

/// The relative half-width of an estimate, `half_width / |value|`; `None` when
/// the interval is undefined or the value is zero or not finite.
pub fn relative_half_width(e: &Figure) -> Option<f64> {
    if !e.ci.is_defined() || !e.value.is_finite() || e.value == 0.0 {
        return None;
    }
    Some(e.ci.half_width() / e.value.abs())
}

/// Why [`run_to_precision`] could not run.
#[derive(Debug, thiserror::Error)]
pub enum PrecisionError {
    /// The model does not report its headline metric.
    #[error("the {model} model does not report `{metric}`, the metric --target-precision is about")]
    NoHeadline {
        /// The model's name.
        model: &'static str,
        /// The missing metric.
        metric: Name,
    },
    /// A simulation failed (a bug in a model).
    #[error(transparent)]
    Simulation(#[from] ScheduleError),
}

/// Runs `sc` in doubling batches until the headline's relative half-width is
/// at most the goal's target or the cap is reached (see the module docs).
///
/// The first batch is the scenario's `replications` (at most the cap). The
/// reporter is told the running total before each batch (it is restarted with
/// the new total and advanced past the replications already done). The
/// returned point's scenario has `replications` set to the final count, and
/// its `replications` override (if any) updated to match.
pub fn run_to_precision(
    params: Vec<(String, String)>,
    mut sc: Scenario,
    goal: &Goal,
    reporter: &dyn Reporter,
) -> Result<PrecisionRun, PrecisionError> {
    let metric = sc.model.headline_metric();
    if !sc.metric_names().contains(&metric) {
        return Err(PrecisionError::NoHeadline {
            model: sc.model.kind(),
            metric,
        });
    }
    let cap = goal.max_replications;
    let mut reps = Vec::new();
    let mut done: u32 = 0;
    let mut next = sc.replications.clamp(1, cap);
    let mut batches = Vec::new();
    loop {
        reporter.start(u64::from(next));
        for _ in 0..done {
            reporter.replication_done();
        }
        let indices: Vec<u64> = (u64::from(done)..u64::from(next)).collect();
        let batch = run_replications(&sc, &indices, reporter)?;
        let cut = batch.len() < indices.len();
        reps.extend(batch);
        done = reps.len() as u32;
        sc.replications = done;
        let metrics = compute_metrics(&sc.metrics(), &reps, sc.estimator);
        let headline = metrics.iter().find(|m| m.name == metric).map(|m| m.figure);
        let rel = headline.as_ref().and_then(relative_half_width);
        batches.push(Batch {
            replications: done,
            relative_half_width: rel,
        });
        let stopped = if cut {
            Some(Stop::TimeLimit)
        } else if rel.is_some_and(|r| r <= goal.target) {
            Some(Stop::PrecisionReached)
        } else if done >= cap {
            Some(Stop::MaxReplications)
        } else {
            None
        };
        if let Some(stopped) = stopped {
            set_replications_override(&mut sc, done);
            let zero_events = headline.is_some_and(|e| e.value == 0.0);
            return Ok(PrecisionRun {
                point: PointResult {
                    params,
                    scenario: sc,
                    reps,
                    metrics,
                },
                metric,
                goal: *goal,
                stopped,
                achieved: rel,
                zero_events,
                batches,
            });
        }
        next = done.saturating_mul(2).min(cap);
    }
}

/// Records the final count in the scenario's overrides, so its outputs read
/// as those of a run with `--replications N`.
pub fn set_replications_override(sc: &mut Scenario, n: u32) {
    match sc.overrides.iter_mut().rfind(|o| o.path == "replications") {
        Some(o) => o.value = n.to_string(),
        None => sc.overrides.push(Override {
            path: "replications".into(),
            value: n.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{Interval, Method};

    fn est(value: f64, low: f64, high: f64) -> Figure {
        Figure {
            value,
            ci: Interval {
                low,
                high,
                method: Method::RatioT,
            },
        }
    }

    #[test]
    fn relative_half_width_is_half_the_width_over_the_value() {
        assert_eq!(relative_half_width(&est(2.0, 1.5, 2.5)), Some(0.25));
        assert_eq!(
            relative_half_width(&est(0.0, 0.0, 1e-4)),
            None,
            "zero events"
        );
        let undefined = Figure {
            value: 1.0,
            ci: Interval::undefined(Method::SingleReplication),
        };
        assert_eq!(relative_half_width(&undefined), None);
    }

    #[test]
    fn goals_outside_their_range_are_refused() {
        assert!(Goal::new(0.05, 100).is_ok());
        assert!(Goal::new(0.0, 100).is_err());
        assert!(Goal::new(f64::NAN, 100).is_err());
        assert!(Goal::new(2.0, 100).is_err());
        assert!(Goal::new(0.05, 0).is_err());
    }
}
