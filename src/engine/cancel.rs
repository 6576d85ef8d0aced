//! Cooperative cancellation: a stop flag a caller installs on the current
//! thread around a run.
//!
//! The experiment layer runs each replication inside [`with_flag`]; the
//! simulation loop reads the flag every [`CHECK_EVERY`] events and, once it is
//! set, returns early with [`super::RunStats::cancelled`]. A model whose
//! single event or inner loop can do unbounded work (a terminal-day of ten
//! million purchases, a clock passing billions of syncs, a poll selecting a
//! million records) checks by the work it does, through a [`Check`]: every
//! [`CHECK_EVERY`] units of work (each a small, bounded step), so a stop is
//! seen within microseconds to milliseconds whatever the loop. The flag is
//! per-thread (each rayon worker installs the shared one around its own
//! replication), so runs on other threads, and code that installs none, are
//! never affected. The engine itself never reads the wall clock: whoever owns
//! the flag decides when to set it (`--time-limit` sets it from a timer
//! thread).

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The loop reads the flag once per this many events (a relaxed atomic load:
/// negligible next to an event, and at most a fraction of a millisecond late).
pub const CHECK_EVERY: u64 = 1024;

thread_local! {
    static FLAG: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// The flag installed on this thread, if any.
pub fn current() -> Option<Arc<AtomicBool>> {
    FLAG.with(|f| f.borrow().clone())
}

/// A stop check by work done, for a model's inner loops: [`Check::tick`]
/// adds units of work and reads the flag each time [`CHECK_EVERY`] units
/// have accumulated. Once it has seen the flag set it stays stopped. Without
/// a flag (code that installs none) it never stops and costs one branch.
#[derive(Debug, Clone, Default)]
pub struct Check {
    flag: Option<Arc<AtomicBool>>,
    work: u64,
    stopped: bool,
}

impl Check {
    /// A check of the flag installed on this thread (none: never stops).
    pub fn current() -> Self {
        Check {
            flag: current(),
            work: 0,
            stopped: false,
        }
    }

    /// Adds `units` of work; true when the run should stop.
    #[inline]
    pub fn tick(&mut self, units: u64) -> bool {
        if self.flag.is_none() {
            return false;
        }
        self.work += units;
        if self.work >= CHECK_EVERY {
            self.work = 0;
            self.stopped = self.stopped
                || self
                    .flag
                    .as_ref()
                    .is_some_and(|f| f.load(Ordering::Relaxed));
        }
        self.stopped
    }

    /// True once a tick has seen the flag set.
    #[inline]
    pub fn stopped(&self) -> bool {
        self.stopped
    }
}

/// Runs `f` with `flag` installed on this thread (restoring the previous one
/// afterwards, also when `f` panics).
pub fn with_flag<T>(flag: Option<Arc<AtomicBool>>, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Arc<AtomicBool>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let prev = self.0.take();
            FLAG.with(|f| *f.borrow_mut() = prev);
        }
    }
    let prev = FLAG.with(|f| std::mem::replace(&mut *f.borrow_mut(), flag));
    let _restore = Restore(prev);
    f()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Context, Model, ScheduleError, Simulation, Streams};
    use crate::time::SimDuration;

    /// Ticks forever, setting the flag at tick 5000.
    struct Forever {
        ticks: u64,
        flag: Arc<AtomicBool>,
    }
    impl Model for Forever {
        type Event = ();
        fn start(&mut self, ctx: &mut Context<()>) -> Result<(), ScheduleError> {
            ctx.schedule_in(SimDuration::from_nanos(1), ())
        }
        fn handle(&mut self, _: (), ctx: &mut Context<()>) -> Result<(), ScheduleError> {
            self.ticks += 1;
            if self.ticks == 5000 {
                self.flag.store(true, Ordering::Relaxed);
            }
            ctx.schedule_in(SimDuration::from_nanos(1), ())
        }
    }

    #[test]
    fn a_set_flag_stops_the_loop_within_check_every_events() {
        let flag = Arc::new(AtomicBool::new(false));
        let model = Forever {
            ticks: 0,
            flag: flag.clone(),
        };
        let mut sim = Simulation::new(model, Streams::new(1, 0));
        let stats = with_flag(Some(flag), || sim.run().unwrap());
        assert!(stats.cancelled);
        // set after event 5000, seen at the next multiple of CHECK_EVERY
        assert_eq!(stats.events, 5000_u64.div_ceil(CHECK_EVERY) * CHECK_EVERY);
        assert!(current().is_none(), "the flag is removed afterwards");
    }

    #[test]
    fn without_a_flag_nothing_is_cancelled() {
        struct Ten(u32);
        impl Model for Ten {
            type Event = ();
            fn start(&mut self, ctx: &mut Context<()>) -> Result<(), ScheduleError> {
                ctx.schedule_in(SimDuration::from_nanos(1), ())
            }
            fn handle(&mut self, _: (), ctx: &mut Context<()>) -> Result<(), ScheduleError> {
                self.0 += 1;
                if self.0 < 10_000 {
                    ctx.schedule_in(SimDuration::from_nanos(1), ())?;
                }
                Ok(())
            }
        }
        let set = Arc::new(AtomicBool::new(true));
        // a flag set on another thread's run does not reach this one
        std::thread::spawn(move || with_flag(Some(set), || ()))
            .join()
            .unwrap();
        let mut sim = Simulation::new(Ten(0), Streams::new(1, 0));
        let stats = sim.run().unwrap();
        assert!(!stats.cancelled);
        assert_eq!(stats.events, 10_000);
    }
}
