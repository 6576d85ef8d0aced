//! The `terminal` model: payment terminals number each
//! transaction of a batch with a short sequence counter, and a processor that
//! treats a repeated (counter, card, amount) as a resubmission reverses the
//! earlier one. Under `rollover`, two distinct purchases can share all three
//! and the merchant silently loses a sale: a **false reversal**.
//!
//! - `raw`: the `[terminal]` table as written ([`RawTerminal`]); `values`:
//!   prices, times of day and the enumerations; `config`: the validated
//!   form ([`TerminalConfig`]).
//! - `metrics`: the per-replication columns and the metrics; `work`: the
//!   cost the guards count.
//! - `sim`: the model on the engine, one event per terminal-day; `day`: one
//!   terminal-day played in a tight loop over reused buffers (`state`),
//!   times of day from `times`; `tally`: exact sums; `streams`: the random
//!   streams' names.
//! - `closed_form`: the back-of-envelope, `E[max(0, N - R)] * q`, and the
//!   naive version that treats card and amount as independent; `envelope`:
//!   the `estimate` command's report.
//! - `volume`: terminal-days, purchases and false reversals binned by the
//!   day's purchase count, with the closed form per bin; `volume_table`:
//!   `volume.csv` and its chart.
//! - `requests`, `log`, `trace`: the requests a trace shows, the request
//!   log of `trace --events` ([`RequestLog`]), and their rendering.
//!
//! Semantics decided here:
//! - Transactions are numbered in time order; counter = `(position - 1) %
//!   (10^digits - 1) + 1`, and under `new_batch` the batch is
//!   `(position - 1) / (10^digits - 1) + 1`.
//! - A resubmission carries its original's counter, card, amount and batch,
//!   and arrives `resubmit.delay` after it (after closing time if need be: it
//!   still belongs to that terminal-day). One resubmission per failed request.
//! - The processor keeps, per key, the most recent request; when a request
//!   arrives and the most recent earlier one with its key is in scope, that
//!   one is reversed. (Any earlier one was already reversed by it.) A
//!   reversal is a true duplicate when both requests are for the same
//!   purchase, a false reversal otherwise; a resubmission whose original is
//!   not caught is a `missed_duplicates` (a double charge).
//! - Every scope stays within the terminal-day (the batch settles at close).
//! - The alert scan uses the processor's `match` fields with its own scope and
//!   flags each request whose most recent same-key request is in the scan's
//!   scope (consecutive same-key pairs). A flagged pair the processor did not
//!   reverse is a false alert.
//! - A terminal's mean is clamped to `[0, 1e7]`; `fixed` day-to-day counts are
//!   the mean rounded to the nearest integer.
//! - Opening hours are hour-long segments from `open`, the last one cut at
//!   `close`; `hourly_profile` has one weight per segment, a weight per hour
//!   (a half-hour segment gets half the mass of a full one at equal weight).
//! - Menu lines at the same price are one amount: the processor compares
//!   amounts, not items.
//!
//! The `conditional` estimator (see `docs/statistics.md`): for each fresh purchase,
//! before its card and amount are drawn, it adds the probability, given
//! everything drawn so far (who has paid today, the earlier requests' cards
//! and amounts, the regulars' usual orders), that the purchase repeats the key
//! of each distinct key among the earlier same-counter requests in scope; then
//! it draws them as the `sample` estimator does. A sum of conditional
//! expectations, it is unbiased with return visits and usual orders, and
//! replaces the rare card-and-amount coincidence by its probability.
//! Resubmissions are sampled in both. When the counter is not part of the key
//! the candidates are no longer a handful, and it samples.

mod clock_chart;
mod closed_form;
mod config;
mod day;
mod envelope;
mod log;
mod metrics;
mod raw;
mod requests;
mod sim;
mod state;
mod streams;
mod tally;
mod times;
mod trace;
mod values;
mod volume;
mod volume_table;
mod work;

#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::sync::Arc;

pub use config::{
    Clocks, Hours, Jumpers, MAX_DAILY_MEAN, MatchSet, Menu, TerminalConfig, TerminalStep,
};
pub use envelope::{back_of_envelope, closed_form_is_a_bound};
pub use log::{LogError, MAX_LOG_ROWS, RequestLog};
pub use metrics::{COLUMNS, DAILY_COLUMNS, METRIC_NAMES, col, metrics, metrics_over};
pub use raw::{
    RawAlert, RawCustomers, RawDedup, RawMenu, RawPrice, RawProcessor, RawResubmit, RawScope,
    RawSections, RawTerminal, RawTerminalClock, RawTerminalStep,
};
pub use requests::{
    Card, CollisionTrace, Failure, LoggedRequest, Readings, RequestKind, RequestRef, TracedRequest,
};
pub use values::{ClockOwner, DayToDay, MatchField, Money, Overflow, Scope, TimeOfDay};
pub use volume::{VolumeBin, VolumeLayout, volume_bins, volume_estimate};
pub use volume_table::{VolumeKind, VolumeTable};
pub use work::work;

use sim::TerminalSim;
use tally::Tally;

use crate::charts::{Chart, ChartError, ChartSection};
use crate::clock::{Clock, ClockSpec};
use crate::engine::{ScheduleError, Simulation, Streams};
use crate::field::FieldError;
use crate::model::{
    BackOfEnvelope, Column, Context, Estimator, EventLog, ExactSums, KeyTable, MetricDef, Model,
    ModelKind, ModelTable, Name, Part, PointView, RawModel, RepOutput, Sections, TableKind,
    TraceError, TraceOutcome, TraceQuery, Work,
};
use crate::time::SimDuration;

/// The `terminal` kind of model.
#[derive(Debug, Clone, Copy, Default)]
pub struct Kind;

impl ModelKind for Kind {
    fn name(&self) -> &'static str {
        "terminal"
    }
    fn sections(&self) -> &'static [&'static str] {
        RawSections::SECTIONS
    }
    fn key_tables(&self) -> Vec<KeyTable> {
        vec![
            KeyTable::new("terminal", RawTerminal::KEYS),
            KeyTable::new("terminal.customers", RawCustomers::KEYS),
            KeyTable::new("terminal.menu", RawMenu::KEYS),
            KeyTable::new("terminal.menu.prices[]", RawPrice::KEYS),
            KeyTable::new("terminal.resubmit", RawResubmit::KEYS),
            KeyTable::new("terminal.dedup", RawDedup::KEYS),
            KeyTable::new("terminal.alert", RawAlert::KEYS),
            KeyTable::new("terminal.clock", RawTerminalClock::KEYS),
            KeyTable::new("terminal.clock.steps[]", RawTerminalStep::KEYS),
            KeyTable::new("terminal.processor", RawProcessor::KEYS),
        ]
    }
    fn parse(&self, sections: Sections<'_>) -> Result<Box<dyn RawModel>, FieldError> {
        Ok(Box::new(sections.deserialize::<RawSections>()?))
    }
    fn tables(&self) -> Vec<&'static dyn TableKind> {
        vec![&VolumeKind]
    }
}

impl RawModel for RawSections {
    fn validate(&self, ctx: &Context<'_>) -> Result<Arc<dyn Model>, FieldError> {
        let t = self.terminal.as_ref().ok_or_else(|| {
            FieldError::key("terminal", "model \"terminal\" needs a [terminal] table")
        })?;
        if ctx.estimator == Estimator::Importance {
            return Err(ctx.estimator_error(
                "estimator = \"importance\" samples the tail of a checkout redirect latency; the terminal model supports \"sample\" and \"conditional\"",
            ));
        }
        if let Some(name) = ctx.hosts.keys().next() {
            return Err(FieldError::key(
                format!("hosts.{name}"),
                "the terminal model has no hosts: give the terminals' clock as [terminal.clock] \
                 and the processor's as [terminal.processor] (clock, zone), with the same keys \
                 as a host's clock",
            ));
        }
        let day = SimDuration::from_hours(24);
        let horizon = ctx.horizon;
        if horizon.as_nanos() % day.as_nanos() != 0 {
            return Err(ctx.horizon_error(format!(
                "the terminal model simulates whole days: horizon {horizon} is not a whole \
                 number of days; use e.g. \"{}d\"",
                (horizon.as_nanos() / day.as_nanos()).max(1)
            )));
        }
        Ok(Arc::new(Terminal {
            config: TerminalConfig::from_raw(t.get_ref(), ctx.base_dir)?,
            estimator: ctx.estimator,
            days: ctx.days(),
        }))
    }
}

/// A validated terminal scenario's model: its configuration, estimator and
/// the whole days of its horizon.
#[derive(Debug, Clone)]
pub struct Terminal {
    /// The configuration.
    pub config: TerminalConfig,
    /// How replications are estimated.
    pub estimator: Estimator,
    /// Days per replication.
    pub days: u32,
}

impl Terminal {
    /// The configuration of `model`, if it is a terminal model.
    pub fn config_of(model: &dyn Model) -> Option<&TerminalConfig> {
        model.downcast_ref::<Terminal>().map(|t| &t.config)
    }
}

impl Model for Terminal {
    fn kind(&self) -> &'static str {
        "terminal"
    }
    fn columns(&self) -> Vec<Column> {
        metrics::columns(self.config.clocks.is_some())
    }
    fn daily_columns(&self) -> Vec<Name> {
        DAILY_COLUMNS.iter().map(|c| Cow::Borrowed(*c)).collect()
    }
    fn metrics(&self, replications: u32) -> Vec<MetricDef> {
        metrics_over(&self.config, self.days, replications)
    }
    fn metric_names(&self) -> Vec<Name> {
        let clocks: &[&'static str] = if self.config.clocks.is_some() {
            metrics::CLOCK_METRIC_NAMES
        } else {
            &[]
        };
        METRIC_NAMES
            .iter()
            .chain(clocks)
            .map(|c| Cow::Borrowed(*c))
            .collect()
    }
    fn headline_metric(&self) -> Name {
        "false_reversals_per_year".into()
    }
    fn work(&self) -> Work {
        work(&self.config, self.days)
    }
    fn run(&self, streams: Streams, part: Option<Part>) -> Result<RepOutput, ScheduleError> {
        run_part(&self.config, self.days, streams, self.estimator, part)
    }
    fn replication_parts(&self) -> Option<&'static str> {
        Some("terminals")
    }
    fn values_from_exact(&self, sums: &ExactSums) -> Option<(Vec<f64>, Vec<Vec<f64>>)> {
        let values = values_from_exact(&sums.total)?;
        let daily = sums
            .daily
            .iter()
            .map(|d| daily_values_from_exact(d))
            .collect::<Option<Vec<_>>>()?;
        Some((values, daily))
    }
    fn back_of_envelope(&self) -> BackOfEnvelope {
        back_of_envelope(&self.config, self.days)
    }
    fn closed_form_is_a_bound(&self) -> Option<String> {
        closed_form_is_a_bound(&self.config)
    }
    fn rare_estimator(&self) -> Option<(Estimator, &'static str)> {
        Some((
            Estimator::Conditional,
            "the probability that each same-counter pair shares card and amount",
        ))
    }
    fn tables(&self, points: &[PointView<'_>]) -> Vec<Box<dyn ModelTable>> {
        vec![Box::new(VolumeTable::of(points))]
    }
    fn report_charts(
        &self,
        point: &PointView<'_>,
        name: &str,
        at: &str,
    ) -> Result<Vec<ChartSection>, ChartError> {
        Ok(vec![volume_table::report_chart(point, name, at)?])
    }
    fn clock_chart(
        &self,
        title: &str,
        seed: u64,
        replication: u64,
    ) -> Result<Option<Chart>, ChartError> {
        match &self.config.clocks {
            None => Ok(None),
            Some(c) => clock_chart::clock_chart(
                title,
                c,
                self.config.terminals,
                seed,
                replication,
                SimDuration::from_hours(24 * i64::from(self.days)),
            ),
        }
    }
    fn own_clocks(&self, streams: &Streams) -> Vec<(String, ClockSpec, Clock)> {
        match &self.config.clocks {
            None => Vec::new(),
            Some(c) => clock_chart::own_clocks(c, self.config.terminals, streams),
        }
    }
    fn trace(&self, query: &TraceQuery<'_>) -> Result<TraceOutcome, TraceError> {
        trace::find(&self.config, self.days, query)
    }
    fn event_log(&self, query: &TraceQuery<'_>) -> Result<Box<dyn EventLog + '_>, TraceError> {
        trace::refuse_user(query)?;
        Ok(Box::new(trace::Requests::new(
            &self.config,
            self.days,
            query,
        )))
    }
}

/// Runs one replication of `days` whole days on the engine.
pub fn run_replication(
    cfg: &TerminalConfig,
    days: u32,
    streams: Streams,
    estimator: Estimator,
) -> Result<RepOutput, ScheduleError> {
    run_part(cfg, days, streams, estimator, None)
}

/// Runs part `k` of `n` of one replication: the terminals `t` with
/// `t % n == k - 1` (all of them with `None`). The parts' [`RepOutput::exact`]
/// sums add up to exactly the whole replication's; [`values_from_exact`] and
/// [`daily_values_from_exact`] turn the sum into the replication's values.
pub fn run_part(
    cfg: &TerminalConfig,
    days: u32,
    streams: Streams,
    estimator: Estimator,
    part: Option<(u64, u64)>,
) -> Result<RepOutput, ScheduleError> {
    let model = TerminalSim::new(cfg, days, estimator, false).with_part(part);
    let mut sim = Simulation::new(model, streams);
    let stats = sim.run()?;
    let model = sim.into_model();
    let clocks = cfg.clocks.is_some();
    Ok(RepOutput {
        values: model.total.values(clocks),
        daily: model.daily.iter().map(|t| t.daily_values()).collect(),
        histogram: model.volume.words(),
        events: stats.events,
        exact: Some(ExactSums {
            total: model.total.raw(clocks),
            daily: model.daily.iter().map(|t| t.raw(false)).collect(),
        }),
    })
}

/// The replication's [`metrics::COLUMNS`] values from its exact sums (`None` if the
/// sums are not a terminal tally).
pub fn values_from_exact(raw: &[u128]) -> Option<Vec<f64>> {
    let clocks = raw.len() > COLUMNS.len();
    Tally::from_raw(raw).map(|t| t.values(clocks))
}

/// One day's [`metrics::DAILY_COLUMNS`] values from its exact sums.
pub fn daily_values_from_exact(raw: &[u128]) -> Option<Vec<f64>> {
    Tally::from_raw(raw).map(|t| t.daily_values())
}

/// The first false reversal of the replication `streams` (earliest day, then
/// lowest terminal), with both requests, or `None` if there is none within
/// `days`. The replication is the same as [`run_replication`]'s with the
/// `sample` estimator (times of day come from their own streams).
pub fn find_false_reversal(
    cfg: &TerminalConfig,
    days: u32,
    streams: Streams,
) -> Option<CollisionTrace> {
    let mut sim = Simulation::new(
        TerminalSim::new(cfg, days, Estimator::Sample, true),
        streams,
    );
    sim.run().ok()?;
    sim.into_model().first
}
