//! A custom model on racesim's engine: an M/M/1 queue.
//!
//! Shows the three things a model does through the engine's `Context`:
//! schedule events, read the current time, and draw from named random
//! streams. The mean time in system is compared with the closed form
//! `1 / (mu - lambda)`.
//!
//! Run: `cargo run --release --example mm1_queue`

use racesim::engine::{Context, Model, ScheduleError, SimRng, Simulation, Streams};
use racesim::time::{SimDuration, SimTime};
use rand::RngExt;

/// Arrival rate (per second) and service rate.
const LAMBDA: f64 = 0.8;
const MU: f64 = 1.0;
const CUSTOMERS: u64 = 200_000;

#[derive(Debug, Clone, Copy)]
enum Event {
    Arrival,
    Departure,
}

struct Queue {
    arrivals: SimRng,
    service: SimRng,
    waiting: std::collections::VecDeque<SimTime>,
    served: u64,
    arrived: u64,
    time_in_system: f64,
}

fn exp(rng: &mut SimRng, rate: f64) -> SimDuration {
    let u: f64 = rng.random();
    SimDuration::from_secs_f64(-(1.0 - u).ln() / rate)
}

impl Model for Queue {
    type Event = Event;

    fn start(&mut self, ctx: &mut Context<Event>) -> Result<(), ScheduleError> {
        let gap = exp(&mut self.arrivals, LAMBDA);
        ctx.schedule_in(gap, Event::Arrival)
    }

    fn handle(&mut self, event: Event, ctx: &mut Context<Event>) -> Result<(), ScheduleError> {
        match event {
            Event::Arrival => {
                self.arrived += 1;
                self.waiting.push_back(ctx.now());
                if self.waiting.len() == 1 {
                    let s = exp(&mut self.service, MU);
                    ctx.schedule_in(s, Event::Departure)?;
                }
                if self.arrived < CUSTOMERS {
                    let gap = exp(&mut self.arrivals, LAMBDA);
                    ctx.schedule_in(gap, Event::Arrival)?;
                }
            }
            Event::Departure => {
                if let Some(t) = self.waiting.pop_front() {
                    self.time_in_system += (ctx.now() - t).as_secs_f64();
                    self.served += 1;
                }
                if !self.waiting.is_empty() {
                    let s = exp(&mut self.service, MU);
                    ctx.schedule_in(s, Event::Departure)?;
                }
            }
        }
        Ok(())
    }
}

fn main() -> Result<(), ScheduleError> {
    let streams = Streams::new(1, 0);
    let model = Queue {
        arrivals: streams.stream("arrivals"),
        service: streams.stream("service"),
        waiting: Default::default(),
        served: 0,
        arrived: 0,
        time_in_system: 0.0,
    };
    let mut sim = Simulation::new(model, streams);
    let stats = sim.run()?;
    let q = sim.model();
    let mean = q.time_in_system / q.served as f64;
    let closed = 1.0 / (MU - LAMBDA);
    println!(
        "M/M/1, lambda {LAMBDA}, mu {MU}: {} customers, {} events, peak {} pending",
        q.served, stats.events, stats.peak_pending
    );
    println!(
        "mean time in system: simulated {mean:.3} s, closed form 1/(mu - lambda) = {closed:.3} s"
    );
    Ok(())
}
