//! The M/M/1 queue as a racesim model, written against the public API only.
//!
//! Two layers, as the crate's own models have them:
//!
//! - the simulation ([`Queue`]), an [`engine::Model`]: it schedules events,
//!   reads the current time and draws from named random streams;
//! - the model as the pipeline sees it: a [`ModelKind`] (`model = "mm1"`,
//!   the `[queue]` table, parsed and validated) and a [`Model`] (its
//!   per-replication columns, its metrics with their closed forms, its cost,
//!   and running one replication). Registered with
//!   [`racesim::model::Registry::register`], it gets scenario files,
//!   replications with intervals, sweeps, shards, merge, check and report.
//!
//! Columns: `customers` (customers whose service started before the
//! horizon) and `wait_sum_s` (the sum of their waits in the queue, seconds);
//! the metric `mean_wait` is their ratio, with the closed form
//! `Wq = rho / (mu - lambda)`, `rho = lambda / mu` (Kleinrock, *Queueing
//! Systems* vol. 1, 1975, section 3.2).

use std::collections::VecDeque;
use std::sync::Arc;

use racesim::engine::{self, ScheduleError, SimRng, Simulation, Streams};
use racesim::field::FieldError;
use racesim::model::{
    BackOfEnvelope, Column, ColumnRule, Context, Direction, KeyTable, MetricDef, MetricKind, Model,
    ModelKind, Name, Part, RawModel, RepOutput, Sections, Work,
};
use racesim::time::{SimDuration, SimTime};
use rand::RngExt;
use serde::Deserialize;
use toml::Spanned;

/// The random streams' names (each named once).
const ARRIVALS: &str = "mm1/arrivals";
const SERVICE: &str = "mm1/service";

/// The `mm1` kind: owns the `[queue]` table.
#[derive(Debug, Clone, Copy, Default)]
pub struct Mm1Kind;

/// The tables the kind owns, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSections {
    queue: Option<Spanned<RawQueue>>,
}

/// `[queue]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQueue {
    /// lambda, a rate such as `"0.5/s"`.
    arrival_rate: Spanned<String>,
    /// mu, a rate such as `"1/s"`.
    service_rate: Spanned<String>,
}

impl RawQueue {
    const KEYS: &'static [&'static str] = &["arrival_rate", "service_rate"];
}

impl ModelKind for Mm1Kind {
    fn name(&self) -> &'static str {
        "mm1"
    }
    fn sections(&self) -> &'static [&'static str] {
        &["queue"]
    }
    fn key_tables(&self) -> Vec<KeyTable> {
        vec![KeyTable::new("queue", RawQueue::KEYS)]
    }
    fn parse(&self, sections: Sections<'_>) -> Result<Box<dyn RawModel>, FieldError> {
        Ok(Box::new(sections.deserialize::<RawSections>()?))
    }
}

/// A rate in events per second, or an error at its value.
fn rate(text: &Spanned<String>) -> Result<f64, FieldError> {
    match racesim::units::parse_rate(text.get_ref()) {
        Ok(r) if r > 0.0 => Ok(r),
        Ok(_) => Err(FieldError::at(text, "a rate must be above 0")),
        Err(e) => Err(FieldError::at(text, e)),
    }
}

impl RawModel for RawSections {
    fn validate(&self, ctx: &Context<'_>) -> Result<Arc<dyn Model>, FieldError> {
        let q = self
            .queue
            .as_ref()
            .ok_or_else(|| FieldError::key("queue", "model \"mm1\" needs a [queue] table"))?
            .get_ref();
        let (lambda, mu) = (rate(&q.arrival_rate)?, rate(&q.service_rate)?);
        if lambda >= mu {
            return Err(FieldError::at(
                &q.arrival_rate,
                format!(
                    "the queue is unstable: arrival_rate ({lambda}/s) must be below \
                     service_rate ({mu}/s)"
                ),
            ));
        }
        Ok(Arc::new(Mm1 {
            lambda,
            mu,
            horizon: ctx.horizon,
            days: ctx.days(),
        }))
    }
}

/// A validated M/M/1 scenario.
#[derive(Debug, Clone)]
pub struct Mm1 {
    /// Arrivals per second.
    pub lambda: f64,
    /// Services per second.
    pub mu: f64,
    horizon: SimDuration,
    days: u32,
}

impl Mm1 {
    /// The closed-form mean wait in the queue, `rho / (mu - lambda)`, seconds.
    pub fn mean_wait(&self) -> f64 {
        (self.lambda / self.mu) / (self.mu - self.lambda)
    }
}

impl Model for Mm1 {
    fn kind(&self) -> &'static str {
        "mm1"
    }
    fn columns(&self) -> Vec<Column> {
        vec![
            Column::new("customers", ColumnRule::count()),
            Column::new("wait_sum_s", ColumnRule::amount()),
        ]
    }
    fn daily_columns(&self) -> Vec<Name> {
        vec!["customers".into()]
    }
    fn metrics(&self, replications: u32) -> Vec<MetricDef> {
        let expected = self.lambda * self.horizon.as_secs_f64() * f64::from(replications);
        vec![
            MetricDef::new("customers", MetricKind::Count { col: 0 }, "")
                .with_closed_form(Some(expected))
                .with_direction(Direction::Neither),
            MetricDef::new("mean_wait", MetricKind::Mean { sum: 1, count: 0 }, "s")
                .with_closed_form(Some(self.mean_wait())),
        ]
    }
    fn metric_names(&self) -> Vec<Name> {
        vec!["customers".into(), "mean_wait".into()]
    }
    fn headline_metric(&self) -> Name {
        "mean_wait".into()
    }
    fn work(&self) -> Work {
        let rho = self.lambda / self.mu;
        Work {
            units: self.lambda * self.horizon.as_secs_f64(),
            unit: "customers",
            // the queue's length is geometric: its 1 - 1e-9 quantile
            held: (1e-9f64.ln() / rho.ln()).ceil().max(1.0),
            bytes_per_held: 16.0,
            ..Work::default()
        }
    }
    fn run(&self, streams: Streams, _part: Option<Part>) -> Result<RepOutput, ScheduleError> {
        let queue = Queue {
            lambda: self.lambda,
            mu: self.mu,
            arrivals: streams.stream(ARRIVALS),
            service: streams.stream(SERVICE),
            waiting: VecDeque::new(),
            customers: 0,
            wait_sum: 0.0,
            daily: vec![0; self.days as usize],
        };
        let mut sim = Simulation::new(queue, streams);
        let stats = sim.run_until(SimTime::ZERO + self.horizon)?;
        let q = sim.into_model();
        Ok(RepOutput {
            values: vec![q.customers as f64, q.wait_sum],
            daily: q.daily.iter().map(|&n| vec![n as f64]).collect(),
            events: stats.events,
            ..RepOutput::default()
        })
    }
    fn back_of_envelope(&self) -> BackOfEnvelope {
        let rho = self.lambda / self.mu;
        BackOfEnvelope {
            figures: vec![("mean_wait".into(), self.mean_wait(), "s".into())],
            notes: vec![
                format!(
                    "Wq = rho / (mu - lambda), rho = lambda / mu = {rho}: the mean wait in the \
                     queue of a stationary M/M/1 queue"
                ),
                "each replication starts empty, so the simulated mean is below it by the \
                 start-up transient (small when the horizon is long)"
                    .into(),
            ],
            not_applicable: None,
        }
    }
}

/// The simulation: one server, first come first served.
struct Queue {
    lambda: f64,
    mu: f64,
    arrivals: SimRng,
    service: SimRng,
    /// Arrival times of the customers in the system, the one in service first.
    waiting: VecDeque<SimTime>,
    customers: u64,
    wait_sum: f64,
    /// Customers whose service started, per day.
    daily: Vec<u64>,
}

#[derive(Debug, Clone, Copy)]
enum Event {
    Arrival,
    Departure,
}

/// An exponential duration of rate `rate` (per second), by inversion.
fn exp(rng: &mut SimRng, rate: f64) -> SimDuration {
    let u: f64 = rng.random();
    SimDuration::from_secs_f64(-(1.0 - u).ln() / rate)
}

impl Queue {
    /// The customer at the front starts service now, after waiting since
    /// `arrived`.
    fn start_service(
        &mut self,
        arrived: SimTime,
        ctx: &mut engine::Context<Event>,
    ) -> Result<(), ScheduleError> {
        let now = ctx.now();
        self.customers += 1;
        self.wait_sum += (now - arrived).as_secs_f64();
        let day = (now.as_secs_f64() / 86_400.0) as usize;
        if let Some(d) = self.daily.get_mut(day) {
            *d += 1;
        }
        let s = exp(&mut self.service, self.mu);
        ctx.schedule_in(s, Event::Departure)
    }
}

impl engine::Model for Queue {
    type Event = Event;

    fn start(&mut self, ctx: &mut engine::Context<Event>) -> Result<(), ScheduleError> {
        let gap = exp(&mut self.arrivals, self.lambda);
        ctx.schedule_in(gap, Event::Arrival)
    }

    fn handle(
        &mut self,
        event: Event,
        ctx: &mut engine::Context<Event>,
    ) -> Result<(), ScheduleError> {
        match event {
            Event::Arrival => {
                let now = ctx.now();
                self.waiting.push_back(now);
                if self.waiting.len() == 1 {
                    self.start_service(now, ctx)?;
                }
                let gap = exp(&mut self.arrivals, self.lambda);
                ctx.schedule_in(gap, Event::Arrival)?;
            }
            Event::Departure => {
                self.waiting.pop_front();
                if let Some(&next) = self.waiting.front() {
                    self.start_service(next, ctx)?;
                }
            }
        }
        Ok(())
    }
}
