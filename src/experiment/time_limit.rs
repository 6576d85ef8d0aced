//! `--time-limit`: a timer thread that sets the stop flag the experiment
//! layer watches (see [`super::Reporter::stop_flag`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::Duration;

/// A timer that sets a stop flag after a time limit; dropping it ends the
/// timer thread.
pub struct TimeLimit {
    flag: Arc<AtomicBool>,
    limit: Duration,
    _done: Sender<()>,
}

impl TimeLimit {
    /// Starts the timer.
    pub fn start(limit: Duration) -> Self {
        let flag = Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::channel::<()>();
        let f = flag.clone();
        std::thread::spawn(move || {
            if let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
                f.store(true, Ordering::Relaxed);
            }
        });
        TimeLimit {
            flag,
            limit,
            _done: tx,
        }
    }
    /// The flag the run watches.
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.flag.clone()
    }
    /// True once the limit was reached.
    pub fn reached(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }
    /// The limit as the user wrote it would read (`1s`, `2m 30s`...).
    pub fn describe(&self) -> String {
        humantime(self.limit)
    }
}

fn humantime(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) || ms < 1000 {
        return format!("{:.3}s", d.as_secs_f64());
    }
    let s = ms / 1000;
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h}h"));
    }
    if m > 0 {
        parts.push(format!("{m}m"));
    }
    if s > 0 {
        parts.push(format!("{s}s"));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_as_written() {
        assert_eq!(humantime(Duration::from_secs(3725)), "1h 2m 5s");
        assert_eq!(humantime(Duration::from_millis(1500)), "1.500s");
    }
}
