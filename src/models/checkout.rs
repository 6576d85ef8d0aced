//! The `checkout` model: the redirect races the transfer poller.
//!
//! A user arrives at `a`, is marked paid at `t_paid = a + payment_latency` and
//! stamped `paid_at = stamp.local(t_paid)`; the confirmation page reads the
//! record at `t_read = t_paid + redirect_latency` (then at each retry). The
//! transfer service polls at `T_k = phase + k P + jitter_k`, computes
//! `cutoff = transfer.local(T_k) - grace` and selects, oldest `paid_at` first,
//! every record marked paid at or before `T_k` with `paid_at <= cutoff`; a
//! selected record is deleted at `T_k + move_delay`. A read fails iff the
//! record was deleted strictly before it.
//!
//! Decisions made here:
//! - A poll handles its selection after every event already queued for the
//!   same instant (it re-queues itself once), so a record marked paid exactly
//!   at `T_k` is seen by that poll, as "at or before `T_k`" says.
//! - A deletion is permanent, so once the first read fails every retry fails
//!   too: `lost_confirmations` equals `error_pages` under these semantics. The
//!   metric is kept because it is part of the contract.
//! - The margin (deletion minus first read) is recorded for every counted
//!   user whose record was deleted before the run ended; records still on the
//!   front-end when the last counted read is over are not in it.
//! - With poll jitter, a poll never goes before the previous one: a jittered
//!   time earlier than the last poll is moved to it.
//! - Arrival profiles are per hour of true time, hour 0 starting at t = 0.
//!
//! The conditional estimator ([`conditional`]) integrates, for each user, the
//! poll phase, the redirect latency and the move delay exactly, given the
//! payment time and the replication's clock paths.
//!
//! Files: `raw` (the `[checkout]` and `[transfer]` tables as written),
//! `config` (validated), `log` (a request log replayed row by row: its
//! rows' arrivals and logged latencies, resampled by rows or days),
//! `metrics` (columns and metrics), `closed_form` (the
//! back-of-envelope) with `exact` (the per-record error probability),
//! `sim` (the model on the engine), `single_pass` (plain sampling without
//! the event queue), `conditional` and `importance` (the rare-event
//! estimators), `work` (the cost guards count), `margin` (`margin.csv` and
//! its chart), `trace` (timelines and event logs), `streams` (the random
//! streams' names).

mod closed_form;
pub mod conditional;
mod config;
pub mod exact;
pub mod importance;
mod log;
mod margin;
mod metrics;
mod raw;
mod sim;
mod single_pass;
mod streams;
mod trace;
mod work;

#[cfg(test)]
mod tests;

use std::sync::Arc;

pub use closed_form::{ClosedForm, back_of_envelope, closed_form};
pub(crate) use config::arrivals as parse_arrivals;
pub use config::{Arrivals, CheckoutConfig, expected_users, read_trace};
pub use log::{LogRow, RequestLog};
pub use margin::{MarginKind, MarginTable, margin_edges};
pub(crate) use margin::{bin_bounds, edge_cell, parse_edge};
pub use raw::{
    LatencyUnit, RawArrivals, RawCheckout, RawLog, RawLogColumns, RawSections, RawTransfer,
    Resample, ShortLog, TimestampFormat,
};
pub use trace::{LoggedEvent, StepKind, TraceStep, TraceTarget, UserTrace, event_log, trace};
pub use work::work;

use crate::charts::{ChartError, ChartSection};
use crate::engine::{ScheduleError, Streams};
use crate::field::FieldError;
use crate::model::{
    BackOfEnvelope, Column, Context, Estimator, EventLog, KeyTable, MetricDef, Model, ModelKind,
    ModelTable, Name, Part, PointView, RawModel, RepOutput, Sections, TableKind, TraceError,
    TraceOutcome, TraceQuery, Work,
};

/// The `checkout` kind of model.
#[derive(Debug, Clone, Copy, Default)]
pub struct Kind;

impl ModelKind for Kind {
    fn name(&self) -> &'static str {
        "checkout"
    }
    fn sections(&self) -> &'static [&'static str] {
        RawSections::SECTIONS
    }
    fn key_tables(&self) -> Vec<KeyTable> {
        vec![
            KeyTable::new("checkout", RawCheckout::KEYS),
            KeyTable::new("checkout.arrivals", RawArrivals::KEYS),
            KeyTable::new("checkout.log", RawLog::KEYS),
            KeyTable::new("checkout.log.columns", RawLogColumns::KEYS),
            KeyTable::new("transfer", RawTransfer::KEYS),
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
        let co = self.checkout.as_ref().ok_or_else(|| {
            FieldError::key("checkout", "model \"checkout\" needs a [checkout] table")
        })?;
        let tr = self.transfer.as_ref().ok_or_else(|| {
            FieldError::key("transfer", "model \"checkout\" needs a [transfer] table")
        })?;
        let (config, log) = CheckoutConfig::from_raw(co, tr, ctx.hosts, ctx.horizon, ctx.base_dir)?;
        if ctx.estimator != Estimator::Sample && log.as_ref().is_some_and(|l| l.redirect) {
            return Err(ctx.estimator_error(
                "the redirect latencies are the request log's, row by row, and this estimator integrates or tilts a redirect distribution; use estimator = \"sample\"",
            ));
        }
        if ctx.estimator == Estimator::Conditional
            && let Some(why) = config.conditional_unsupported()
        {
            return Err(ctx.estimator_error(why));
        }
        Ok(Arc::new(Checkout {
            config,
            log: log.map(Arc::new),
            estimator: ctx.estimator,
        }))
    }
}

/// A validated checkout scenario's model: its configuration and estimator.
#[derive(Debug, Clone)]
pub struct Checkout {
    /// The configuration.
    pub config: CheckoutConfig,
    /// The request log replayed row by row (`[checkout.log]`), if any: its
    /// rows are the arrivals and its logged latencies replace their
    /// distributions.
    pub log: Option<Arc<RequestLog>>,
    /// How replications are estimated.
    pub estimator: Estimator,
}

impl Checkout {
    /// The configuration of `model`, if it is a checkout model.
    pub fn config_of(model: &dyn Model) -> Option<&CheckoutConfig> {
        Self::of(model).map(|c| &c.config)
    }

    /// `model` as a checkout model, if it is one.
    pub fn of(model: &dyn Model) -> Option<&Checkout> {
        model.downcast_ref::<Checkout>()
    }

    /// The request log, if the scenario replays one.
    pub fn log(&self) -> Option<&RequestLog> {
        self.log.as_deref()
    }

    /// Expected users of one replication.
    pub fn expected_users(&self) -> f64 {
        self.log()
            .map_or_else(|| expected_users(&self.config), RequestLog::expected_users)
    }
}

impl Model for Checkout {
    fn kind(&self) -> &'static str {
        "checkout"
    }
    fn columns(&self) -> Vec<Column> {
        metrics::columns(self.estimator)
    }
    fn daily_columns(&self) -> Vec<Name> {
        metrics::daily_columns()
    }
    fn metrics(&self, replications: u32) -> Vec<MetricDef> {
        metrics::metrics(
            &self.config,
            self.expected_users(),
            replications,
            self.estimator,
        )
    }
    fn metric_names(&self) -> Vec<Name> {
        metrics::metric_names(self.estimator)
    }
    fn headline_metric(&self) -> Name {
        "error_page_rate".into()
    }
    fn work(&self) -> Work {
        work::work_for(&self.config, self.expected_users())
    }
    fn run(&self, streams: Streams, _part: Option<Part>) -> Result<RepOutput, ScheduleError> {
        sim::run_replication(&self.config, self.log(), streams, self.estimator)
    }
    fn back_of_envelope(&self) -> BackOfEnvelope {
        closed_form::back_of_envelope_for(&self.config, self.log())
    }
    fn notes(&self) -> Vec<String> {
        self.log().map_or_else(Vec::new, |l| l.notes.clone())
    }
    fn closed_form_unavailable(&self) -> Option<String> {
        closed_form(&self.config).err()
    }
    fn rare_estimator(&self) -> Option<(Estimator, &'static str)> {
        if self.log().is_some_and(|l| l.redirect) {
            return None;
        }
        Some(match self.config.conditional_unsupported() {
            None => (
                Estimator::Conditional,
                "each user's exact error probability given the clocks",
            ),
            Some(_) => (
                Estimator::Importance,
                "importance sampling of the redirect latency's tail: polls jitter or batches are limited",
            ),
        })
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
        Ok(vec![margin::report_chart(point, name, at)?])
    }
    fn trace(&self, query: &TraceQuery<'_>) -> Result<TraceOutcome, TraceError> {
        trace::find(self, query)
    }
    fn event_log(&self, query: &TraceQuery<'_>) -> Result<Box<dyn EventLog + '_>, TraceError> {
        Ok(Box::new(trace::Events::new(self, query)?))
    }
}
