//! The discrete-event engine: an event queue with FIFO ties, a simulation
//! loop generic over a [`Model`], and named random streams.
//!
//! A model is a type with an event enum. The engine is monomorphised over it:
//! events are stored by value in the queue, never boxed. A model schedules
//! events, reads the current time and opens its random streams through the
//! [`Context`] handed to every callback. The engine does no I/O and never reads
//! the wall clock.

pub mod cancel;
pub mod queue;
pub mod rng;

pub use queue::EventQueue;
pub use rng::{GENERATOR, SimRng, Streams};

use crate::time::{SimDuration, SimTime};

/// A simulated system: its state and how it reacts to its events.
pub trait Model {
    /// The model's event type (usually an enum).
    type Event;
    /// Called once at time zero: schedule the first events.
    fn start(&mut self, ctx: &mut Context<Self::Event>) -> Result<(), ScheduleError>;
    /// Called for each event, in (time, insertion order).
    fn handle(
        &mut self,
        event: Self::Event,
        ctx: &mut Context<Self::Event>,
    ) -> Result<(), ScheduleError>;
}

/// Scheduling an event before the current time: a bug in a model, reported as
/// a value rather than a panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an event was scheduled at {at} but the simulation is already at {now}")]
pub struct ScheduleError {
    /// The requested time.
    pub at: SimTime,
    /// The current time.
    pub now: SimTime,
}

/// What a model sees of the engine: the clock, the queue and the streams.
pub struct Context<E> {
    now: SimTime,
    queue: EventQueue<E>,
    streams: Streams,
    handled: u64,
    stopped: bool,
}

impl<E> Context<E> {
    fn new(streams: Streams) -> Self {
        Context {
            now: SimTime::ZERO,
            queue: EventQueue::new(),
            streams,
            handled: 0,
            stopped: false,
        }
    }
    /// The current true time.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }
    /// Schedules `event` at `at`; `at` earlier than now is an error.
    #[inline]
    pub fn schedule_at(&mut self, at: SimTime, event: E) -> Result<(), ScheduleError> {
        if at < self.now {
            return Err(ScheduleError { at, now: self.now });
        }
        self.queue.push(at, event);
        Ok(())
    }
    /// Schedules `event` after `delay` (a negative delay is an error).
    #[inline]
    pub fn schedule_in(&mut self, delay: SimDuration, event: E) -> Result<(), ScheduleError> {
        self.schedule_at(self.now + delay, event)
    }
    /// The random stream named `source` for this replication.
    pub fn rng(&self, source: &str) -> SimRng {
        self.streams.stream(source)
    }
    /// The random stream named `source`, member `index` (one per terminal...).
    pub fn rng_indexed(&self, source: &str, index: u64) -> SimRng {
        self.streams.indexed(source, index)
    }
    /// The stream factory of this replication.
    pub fn streams(&self) -> &Streams {
        &self.streams
    }
    /// Ends the run after the current event.
    pub fn stop(&mut self) {
        self.stopped = true;
    }
    /// Number of events pending.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }
}

/// Counters of one run of the loop.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Events handled.
    pub events: u64,
    /// Largest number of pending events seen (the in-flight memory bound).
    pub peak_pending: usize,
    /// Time of the last event handled.
    pub end: SimTime,
    /// True when the run stopped early because a stop was requested through
    /// [`cancel`] (the model's results are then incomplete).
    pub cancelled: bool,
}

/// A model on the engine, ready to run.
pub struct Simulation<M: Model> {
    model: M,
    ctx: Context<M::Event>,
}

impl<M: Model> Simulation<M> {
    /// A simulation of `model` whose streams derive from `streams`.
    pub fn new(model: M, streams: Streams) -> Self {
        Simulation {
            model,
            ctx: Context::new(streams),
        }
    }

    /// Runs until the queue is empty or the model calls [`Context::stop`].
    pub fn run(&mut self) -> Result<RunStats, ScheduleError> {
        self.run_until(SimTime::MAX)
    }

    /// Runs events with time `<= until`, then returns (later events stay queued).
    pub fn run_until(&mut self, until: SimTime) -> Result<RunStats, ScheduleError> {
        let mut stats = RunStats::default();
        if self.ctx.handled == 0 && self.ctx.now == SimTime::ZERO && !self.ctx.stopped {
            self.model.start(&mut self.ctx)?;
        }
        let flag = cancel::current();
        while !self.ctx.stopped {
            if stats.events.is_multiple_of(cancel::CHECK_EVERY)
                && let Some(f) = &flag
                && f.load(std::sync::atomic::Ordering::Relaxed)
            {
                stats.cancelled = true;
                break;
            }
            stats.peak_pending = stats.peak_pending.max(self.ctx.queue.len());
            let Some(t) = self.ctx.queue.peek_time() else {
                break;
            };
            if t > until {
                break;
            }
            let Some((time, event)) = self.ctx.queue.pop() else {
                break;
            };
            self.ctx.now = time;
            self.ctx.handled += 1;
            stats.events += 1;
            self.model.handle(event, &mut self.ctx)?;
        }
        stats.end = self.ctx.now;
        Ok(stats)
    }

    /// The model, for reading results.
    pub fn model(&self) -> &M {
        &self.model
    }
    /// The model, for taking results out between [`Self::run_until`] calls.
    pub fn model_mut(&mut self) -> &mut M {
        &mut self.model
    }
    /// Consumes the simulation, returning the model.
    pub fn into_model(self) -> M {
        self.model
    }
    /// The current time.
    pub fn now(&self) -> SimTime {
        self.ctx.now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records the order events are handled in; schedules ties.
    struct Recorder {
        log: Vec<(i64, u32)>,
    }
    impl Model for Recorder {
        type Event = u32;
        fn start(&mut self, ctx: &mut Context<u32>) -> Result<(), ScheduleError> {
            for (i, t) in [5, 1, 5, 3, 5, 1].into_iter().enumerate() {
                ctx.schedule_at(SimTime::from_nanos(t), i as u32)?;
            }
            Ok(())
        }
        fn handle(&mut self, e: u32, ctx: &mut Context<u32>) -> Result<(), ScheduleError> {
            self.log.push((ctx.now().as_nanos(), e));
            if e == 0 {
                // scheduling at the current time goes after the queued ties
                ctx.schedule_in(SimDuration::ZERO, 100)?;
            }
            Ok(())
        }
    }

    #[test]
    fn equal_times_are_first_in_first_out() {
        let mut sim = Simulation::new(Recorder { log: vec![] }, Streams::new(1, 0));
        let stats = sim.run().unwrap();
        assert_eq!(stats.events, 7);
        assert_eq!(
            sim.model().log,
            vec![(1, 1), (1, 5), (3, 3), (5, 0), (5, 2), (5, 4), (5, 100)]
        );
    }

    struct Backwards;
    impl Model for Backwards {
        type Event = ();
        fn start(&mut self, ctx: &mut Context<()>) -> Result<(), ScheduleError> {
            ctx.schedule_at(SimTime::from_nanos(10), ())
        }
        fn handle(&mut self, _: (), ctx: &mut Context<()>) -> Result<(), ScheduleError> {
            ctx.schedule_at(SimTime::from_nanos(5), ())
        }
    }

    #[test]
    fn scheduling_into_the_past_is_an_error() {
        let mut sim = Simulation::new(Backwards, Streams::new(1, 0));
        let err = sim.run().unwrap_err();
        assert_eq!(err.at, SimTime::from_nanos(5));
        assert_eq!(err.now, SimTime::from_nanos(10));
    }
}
