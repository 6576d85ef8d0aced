//! Cooperative cancellation: a stop flag a caller installs on the current
//! thread around a run.
//!
//! The experiment layer runs each replication inside [`with_flag`]; the
//! simulation loop reads the flag every [`CHECK_EVERY`] events and, once it is
//! set, returns early with [`super::RunStats::cancelled`]. The flag is
//! per-thread (each rayon worker installs the shared one around its own
//! replication), so runs on other threads, and code that installs none, are
//! never affected. The engine itself never reads the wall clock: whoever owns
//! the flag decides when to set it (`--time-limit` sets it from a timer
//! thread).

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

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
    use std::sync::atomic::Ordering;

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
