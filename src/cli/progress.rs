//! The progress bar: drawn on a terminal only (indicatif hides itself when
//! standard error is not one), never with `--quiet`.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::experiment::Reporter;

/// A progress bar over replications; it also carries the stop flag of
/// `--time-limit` to the experiment layer.
pub struct Bar(ProgressBar, Option<Arc<AtomicBool>>);

impl Bar {
    /// A bar, hidden when `quiet`.
    pub fn new(quiet: bool, label: &str) -> Self {
        let pb = if quiet {
            ProgressBar::hidden()
        } else {
            ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr())
        };
        pb.set_style(
            ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} replications ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        pb.set_prefix(label.to_string());
        Bar(pb, None)
    }

    /// The same bar, asking the run to stop once `flag` is set.
    pub fn with_stop(mut self, flag: Option<Arc<AtomicBool>>) -> Self {
        self.1 = flag;
        self
    }
}

impl Reporter for Bar {
    fn start(&self, total: u64) {
        self.0.set_length(total);
        self.0.set_position(0);
    }
    fn replication_done(&self) {
        self.0.inc(1);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
    fn stop_flag(&self) -> Option<Arc<AtomicBool>> {
        self.1.clone()
    }
}
