//! What the pipeline needs of a model, and the registry of models.
//!
//! A *kind* of model ([`ModelKind`]: `checkout`, `terminal`, or one written
//! outside the crate) owns some top-level tables of a scenario file (its
//! *sections*). The scenario loader hands it those tables to parse
//! ([`ModelKind::parse`], serde only) and then to validate against the
//! scenario's hosts, horizon and estimator ([`RawModel::validate`]), which
//! gives a [`Model`]: an immutable, validated configuration shared by every
//! replication.
//!
//! Everything the experiment, report and command layers do with a model
//! goes through [`Model`]: its per-replication columns and what each may
//! hold, its metrics with their back-of-envelope figures, the work one
//! replication costs, running one replication (or one part of it), the
//! `estimate` command's report, the tables and charts it adds to a run's
//! outputs, and its traces. None of them names a model.
//!
//! A [`Registry`] lists the kinds a scenario may name; the crate's own are
//! in [`crate::models::builtin`], and [`Registry::register`] adds one.
//!
//! Every metric is a function of the per-replication columns
//! ([`MetricKind`]), so `replications.csv` holds enough to merge shards and
//! recompute every figure.

mod columns;
mod envelope;
mod estimator;
mod input;
mod metrics;
mod output;
mod registry;
mod tables;
mod trace;
mod work;

use std::any::Any;
use std::sync::Arc;

pub use crate::field::KeyTable;
pub use columns::{Column, ColumnRule, MAX_COUNT, Name, Whole, check_row};
pub use envelope::BackOfEnvelope;
pub use estimator::Estimator;
pub use input::{Context, Sections};
pub use metrics::{Direction, MetricDef, MetricKind};
pub use output::{ExactSums, Part, RepOutput};
pub use registry::Registry;
pub use tables::{ModelTable, PointView, TableKind, TableShape};
pub use trace::{EventLog, TraceError, TraceOutcome, TraceQuery};
pub use work::Work;

use crate::charts::{Chart, ChartError, ChartSection};
use crate::clock::{Clock, ClockSpec};
use crate::engine::{ScheduleError, Streams};
use crate::field::FieldError;

/// A kind of model: its name, the scenario tables it owns, and how to read
/// them. One value per kind, registered once.
pub trait ModelKind: Send + Sync + 'static {
    /// The name a scenario gives it: `model = "checkout"`.
    fn name(&self) -> &'static str;
    /// The top-level tables it owns (`["checkout", "transfer"]`). A
    /// scenario of another model may not have them.
    fn sections(&self) -> &'static [&'static str];
    /// Every table of its sections (nested ones included) and the keys each
    /// accepts, for the scenario reference and its test.
    fn key_tables(&self) -> Vec<KeyTable>;
    /// Parses its sections (only those present in the file are given).
    /// Serde only: unknown keys and wrong types are refused here, meaning
    /// is checked by [`RawModel::validate`].
    fn parse(&self, sections: Sections<'_>) -> Result<Box<dyn RawModel>, FieldError>;
    /// The tables its runs add beside `summary.csv` (`margin.csv`), as
    /// `plot` recognises them and `merge` adds them up.
    fn tables(&self) -> Vec<&'static dyn TableKind> {
        Vec::new()
    }
}

/// A model's sections as parsed, not yet checked for meaning.
pub trait RawModel {
    /// Checks the sections against the scenario (hosts, horizon, estimator)
    /// and builds the validated model.
    fn validate(&self, ctx: &Context<'_>) -> Result<Arc<dyn Model>, FieldError>;
}

/// A validated model configuration: immutable, shared by every replication
/// (and thread) of a scenario.
pub trait Model: Any + Send + Sync + std::fmt::Debug {
    /// The kind's name (`"checkout"`).
    fn kind(&self) -> &'static str;
    /// The per-replication columns, in [`RepOutput::values`] order, with
    /// what each may hold.
    fn columns(&self) -> Vec<Column>;
    /// The per-day columns, in the order of each [`RepOutput::daily`] row.
    fn daily_columns(&self) -> Vec<Name>;
    /// The metrics, with their back-of-envelope figures for a run of
    /// `replications` replications.
    fn metrics(&self, replications: u32) -> Vec<MetricDef>;
    /// The names of [`Self::metrics`], in its order, without computing any
    /// closed form (scenario validation checks `[[expect]]` names against
    /// them).
    fn metric_names(&self) -> Vec<Name>;
    /// The metric a run's precision (`--target-precision`) and a sweep's
    /// sensitivity are about.
    fn headline_metric(&self) -> Name;
    /// What one replication costs, counted before anything is built.
    fn work(&self) -> Work;
    /// Runs one replication on `streams` (the whole of it with `None`, else
    /// part `k` of `n`: see [`Self::replication_parts`]).
    fn run(&self, streams: Streams, part: Option<Part>) -> Result<RepOutput, ScheduleError>;
    /// What one replication splits into (`Some("terminals")`), when its
    /// parts' [`RepOutput::exact`] sums add up to the whole: with more
    /// shards than replications, each shard runs its part of every
    /// replication, and `replications.csv` says so under this name.
    fn replication_parts(&self) -> Option<&'static str> {
        None
    }
    /// A replication's values and daily rows from its exact sums (`None`
    /// when the sums cannot be this model's).
    fn values_from_exact(&self, sums: &ExactSums) -> Option<(Vec<f64>, Vec<Vec<f64>>)> {
        let _ = sums;
        None
    }
    /// The back-of-envelope, as `racesim estimate` prints it.
    fn back_of_envelope(&self) -> BackOfEnvelope;
    /// Why the closed form does not apply to this configuration at all, if
    /// it does not (said under the results).
    fn closed_form_unavailable(&self) -> Option<String> {
        None
    }
    /// Why the closed form is only a bound here (not a value to solve on),
    /// if it is.
    fn closed_form_is_a_bound(&self) -> Option<String> {
        None
    }
    /// What a reader of this model's results should know that no figure
    /// says (a request log replayed in a loop), in words: each goes to
    /// standard error when a run starts and into `summary.csv`'s
    /// `warnings`.
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }
    /// The rare-event estimator `solve` simulates with when the scenario
    /// samples plainly, and why it suits this configuration.
    fn rare_estimator(&self) -> Option<(Estimator, &'static str)> {
        None
    }
    /// The tables this model adds to a run's outputs (`margin.csv`), built
    /// from every point's replications.
    fn tables(&self, points: &[PointView<'_>]) -> Vec<Box<dyn ModelTable>> {
        let _ = points;
        Vec::new()
    }
    /// The charts a report page shows for `point` besides the generic ones,
    /// in the scenario `name`'s words; `at` ends each caption (which sweep
    /// point it is, if any).
    fn report_charts(
        &self,
        point: &PointView<'_>,
        name: &str,
        at: &str,
    ) -> Result<Vec<ChartSection>, ChartError> {
        let _ = (point, name, at);
        Ok(Vec::new())
    }
    /// The picture of the model's own clocks (not the hosts', drawn apart)
    /// in replication `replication` of a run seeded `seed`, when some are
    /// not ideal: a run writes it as `clocks.svg`, the report page shows
    /// it with the host clocks.
    fn clock_chart(
        &self,
        title: &str,
        seed: u64,
        replication: u64,
    ) -> Result<Option<Chart>, ChartError> {
        let _ = (title, seed, replication);
        Ok(None)
    }
    /// The model's own clocks (not the hosts') in the replication of
    /// `streams`, as `racesim trace --clocks` lists them: a name, the spec
    /// and the clock drawn. Empty when the model has none, or only ideal
    /// ones.
    fn own_clocks(&self, streams: &Streams) -> Vec<(String, ClockSpec, Clock)> {
        let _ = streams;
        Vec::new()
    }
    /// The timeline of one failing case (`racesim trace`).
    fn trace(&self, query: &TraceQuery<'_>) -> Result<TraceOutcome, TraceError> {
        let _ = query;
        Err(TraceError::Refused(format!(
            "the {} model has no trace",
            self.kind()
        )))
    }
    /// Every event of one replication (`racesim trace --events`), a batch
    /// of CSV rows at a time.
    fn event_log(&self, query: &TraceQuery<'_>) -> Result<Box<dyn EventLog + '_>, TraceError> {
        let _ = query;
        Err(TraceError::Refused(format!(
            "the {} model has no event log",
            self.kind()
        )))
    }
}

impl dyn Model {
    /// The model as its concrete type, when it is a `T`.
    pub fn downcast_ref<T: Model>(&self) -> Option<&T> {
        (self as &dyn Any).downcast_ref()
    }
}
