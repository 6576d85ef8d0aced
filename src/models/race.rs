//! The `race` model: any clock race stated in a scenario file.
//!
//! Items arrive (a rate with an hourly profile, or a trace). Each has named
//! instants in true time: a random delay after another instant (or the
//! arrival) on a host, possibly stamping the host's clock reading; a
//! deadline, when a host's clock first reads a stamp plus a duration (the
//! clock inverted: offset, drift, wander, sync, outages and steps apply; a
//! clock that steps back may read it twice, the first time counts); or an
//! instant a poller creates when it selects the item by the age of its stamp
//! on the poller's clock. Failures are "A happens before B" or "at A, a
//! clock reads earlier (later) than a stamp plus a duration"; each is
//! counted with its ideal-clock twin from the same draws, so the share the
//! clocks cause is a paired difference. The semantics (never-happening
//! instants, ties, the run-out) are in `docs/race.md`.
//!
//! Files: `raw` (the `[race]` section as written), `config` (validated:
//! names resolved, instants ordered, cycles refused), `sim` (one
//! replication in a single pass), `metrics` (columns and metrics named after
//! each failure), `closed_form` (the back-of-envelope where the structure
//! has one), `margin` (each failure's margin distribution, `margin.csv`),
//! `trace` (the first failing item's timeline), `conditional` (the
//! conditional estimator: each item's exact failure probability given the
//! rest of its history).

mod closed_form;
pub mod conditional;
mod config;
mod margin;
mod metrics;
mod raw;
mod sim;
mod trace;

#[cfg(test)]
mod tests;

use std::sync::Arc;

pub use closed_form::{Closed, back_of_envelope, expected_items};
pub use config::{Failure, FailureKind, Instant, InstantKind, Poller, RaceConfig};
pub use margin::{MarginKind, MarginTable};
pub use raw::{
    RawDeadline, RawFailure, RawHosts, RawInstant, RawPoller, RawRace, RawSections, RawThreshold,
};
pub use trace::{ItemTrace, TracedFailure, TracedInstant};

use crate::charts::{ChartError, ChartSection};
use crate::engine::{ScheduleError, Streams};
use crate::field::FieldError;
use crate::model::{
    BackOfEnvelope, Column, Context, Estimator, EventLog, KeyTable, MetricDef, Model, ModelKind,
    ModelTable, Name, Part, PointView, RawModel, RepOutput, Sections, TableKind, TraceError,
    TraceOutcome, TraceQuery, Work,
};
use crate::models::checkout::RawArrivals;
use crate::time::{MAX_HORIZON, SimDuration};

/// The `race` kind of model.
#[derive(Debug, Clone, Copy, Default)]
pub struct Kind;

impl ModelKind for Kind {
    fn name(&self) -> &'static str {
        "race"
    }
    fn sections(&self) -> &'static [&'static str] {
        RawSections::SECTIONS
    }
    fn key_tables(&self) -> Vec<KeyTable> {
        vec![
            KeyTable::new("race", RawRace::KEYS),
            KeyTable::new("race.arrivals", RawArrivals::KEYS),
            KeyTable::new("race.instant[]", RawInstant::KEYS),
            KeyTable::new("race.instant[].deadline", RawDeadline::KEYS),
            KeyTable::new("race.poller[]", RawPoller::KEYS),
            KeyTable::new("race.failure[]", RawFailure::KEYS),
            KeyTable::new("race.failure[].reads_before", RawThreshold::KEYS),
            KeyTable::new("race.failure[].reads_after", RawThreshold::KEYS),
        ]
    }
    fn parse(&self, sections: Sections<'_>) -> Result<Box<dyn RawModel>, FieldError> {
        Ok(Box::new(sections.deserialize::<RawSections>()?))
    }
    fn tables(&self) -> Vec<&'static dyn TableKind> {
        vec![&MarginKind]
    }
}

impl RawModel for RawSections {
    fn validate(&self, ctx: &Context<'_>) -> Result<Arc<dyn Model>, FieldError> {
        let race = self
            .race
            .as_ref()
            .ok_or_else(|| FieldError::key("race", "model \"race\" needs a [race] table"))?;
        if ctx.estimator == Estimator::Importance {
            return Err(ctx.estimator_error(
                "the race model has no importance sampling; use estimator = \"sample\" or \"conditional\"",
            ));
        }
        let config = RaceConfig::from_raw(race, ctx.hosts, ctx.horizon, ctx.base_dir)?;
        if ctx.estimator == Estimator::Conditional {
            let plans = conditional::plans(&config);
            if plans
                .iter()
                .all(|p| matches!(p, conditional::Plan::Sampled(_)))
            {
                let why: Vec<String> = config
                    .failures
                    .iter()
                    .zip(&plans)
                    .filter_map(|(f, p)| match p {
                        conditional::Plan::Sampled(w) => Some(format!("`{}`: {w}", f.name)),
                        conditional::Plan::Integrated { .. } => None,
                    })
                    .collect();
                return Err(ctx.estimator_error(format!(
                    "the conditional estimator has nothing to integrate in this race ({}); it needs a failure \"A before B\" where A or B is created by a poller without jitter or batch limit, or is a random delay after its parent that the other side does not depend on",
                    why.join("; ")
                )));
            }
        }
        Ok(Arc::new(Race {
            config,
            estimator: ctx.estimator,
        }))
    }
}

/// A validated race scenario's model.
#[derive(Debug, Clone)]
pub struct Race {
    /// The configuration.
    pub config: RaceConfig,
    /// How replications are estimated (`sample` or `conditional`).
    pub estimator: Estimator,
}

impl Race {
    /// The configuration of `model`, if it is a race model.
    pub fn config_of(model: &dyn Model) -> Option<&RaceConfig> {
        model.downcast_ref::<Race>().map(|c| &c.config)
    }

    /// Under the conditional estimator, per failure: true when it is scored
    /// by plain sampling (nothing to integrate).
    fn sampled(&self) -> Option<Vec<bool>> {
        (self.estimator == Estimator::Conditional).then(|| {
            conditional::plans(&self.config)
                .iter()
                .map(|p| matches!(p, conditional::Plan::Sampled(_)))
                .collect()
        })
    }
}

/// Whole days `horizon` covers (rounded up, at least 1).
fn days(horizon: SimDuration) -> usize {
    let day = SimDuration::from_hours(24).as_nanos();
    ((horizon.as_nanos() + day - 1) / day).max(1) as usize
}

impl Model for Race {
    fn kind(&self) -> &'static str {
        "race"
    }
    fn columns(&self) -> Vec<Column> {
        metrics::columns(&self.config)
    }
    fn daily_columns(&self) -> Vec<Name> {
        metrics::daily_columns(&self.config)
    }
    fn metrics(&self, replications: u32) -> Vec<MetricDef> {
        metrics::metrics(&self.config, replications, self.sampled().as_deref())
    }
    fn metric_names(&self) -> Vec<Name> {
        metrics::metric_names(&self.config)
    }
    fn headline_metric(&self) -> Name {
        format!("{}_rate", self.config.failures[0].name).into()
    }
    fn work(&self) -> Work {
        work(&self.config)
    }
    fn run(&self, streams: Streams, _part: Option<Part>) -> Result<RepOutput, ScheduleError> {
        let conditional = self.estimator == Estimator::Conditional;
        Ok(sim::run_with(&self.config, &streams, None, conditional).output)
    }
    fn back_of_envelope(&self) -> BackOfEnvelope {
        let mut r = back_of_envelope(&self.config);
        if self.estimator == Estimator::Conditional {
            let plans = conditional::plans(&self.config);
            for (f, p) in self.config.failures.iter().zip(&plans) {
                r.notes
                    .push(format!("{}: {}", f.name, p.describe(&self.config)));
            }
        }
        r
    }
    fn closed_form_unavailable(&self) -> Option<String> {
        back_of_envelope(&self.config).not_applicable
    }
    fn tables(&self, points: &[PointView<'_>]) -> Vec<Box<dyn ModelTable>> {
        vec![Box::new(MarginTable::of(points))]
    }
    fn report_charts(
        &self,
        point: &PointView<'_>,
        name: &str,
        at: &str,
    ) -> Result<Vec<ChartSection>, ChartError> {
        margin::report_charts(self, point, name, at)
    }
    fn trace(&self, query: &TraceQuery<'_>) -> Result<TraceOutcome, TraceError> {
        trace::find(&self.config, query)
    }
    fn event_log(&self, query: &TraceQuery<'_>) -> Result<Box<dyn EventLog + '_>, TraceError> {
        Ok(Box::new(trace::Events::new(&self.config, query)?))
    }
}

/// What one replication costs: the items, every poller's polls over the
/// horizon and run-out, the clocks' breakpoints over the same span (and
/// those every item's deadlines walk past, as the run counts them), and the
/// items held: with pollers, those arriving during the longest
/// `older_than` plus one poll interval at the peak rate (every item when a
/// batch limit may back up), else one.
pub fn work(cfg: &RaceConfig) -> Work {
    let items = expected_items(cfg);
    let span = cfg.horizon + cfg.run_out;
    let span_s = span.as_secs_f64().min(2.0 * MAX_HORIZON.as_secs_f64());
    let polls = cfg
        .pollers
        .iter()
        .map(|p| span_s / p.every.as_secs_f64())
        .sum();
    // the clocks' breakpoints over the run, and those each item's deadline
    // searches walk past: its clock's breakpoints over `plus` (spread evenly
    // over the run; a far deadline on a clock that syncs often walks many)
    let span_ns = span.as_nanos().max(1) as f64;
    let walks: f64 = cfg
        .instants
        .iter()
        .map(|i| match i.kind {
            InstantKind::Deadline { host, plus, .. } => {
                let reach = (plus.as_nanos().max(0) as f64).min(span_ns);
                items * cfg.clocks[host].breakpoints_over(span) * reach / span_ns
            }
            _ => 0.0,
        })
        .sum();
    let clock_steps = cfg
        .clocks
        .iter()
        .map(|c| c.breakpoints_over(span))
        .sum::<f64>()
        + walks;
    let horizon = cfg.horizon.as_secs_f64().max(1e-9);
    let peak = match &cfg.arrivals {
        crate::models::checkout::Arrivals::Poisson { rate, profile } => {
            rate * profile.map_or(1.0, |w| w.iter().copied().fold(0.0, f64::max))
        }
        _ => items / horizon,
    };
    let held = if cfg.pollers.is_empty() {
        1.0
    } else if cfg.pollers.iter().any(|p| p.batch_limit > 0) {
        items
    } else {
        let wait = cfg
            .pollers
            .iter()
            .map(|p| p.older_than.as_secs_f64() + p.every.as_secs_f64())
            .fold(0.0, f64::max);
        items.min(peak * wait).max(1.0)
    };
    let n = cfg.instants.len() as f64;
    Work {
        units: items,
        unit: "items",
        polls,
        clock_steps,
        held,
        // a row of 6 numbers per instant and the heap entries, doubled for
        // the room a growing buffer keeps
        bytes_per_held: 2.0 * (n * 6.0 * 8.0 + 2.0 * 32.0),
    }
}
