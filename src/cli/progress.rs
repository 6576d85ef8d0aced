//! The progress bar: drawn on a terminal only (indicatif hides itself when
//! standard error is not one), never with `--quiet`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use racesim::experiment::Reporter;

/// A progress bar over replications.
pub(crate) struct Bar(ProgressBar);

impl Bar {
    /// A bar labelled `label`, hidden when `quiet`.
    pub(crate) fn new(quiet: bool, label: &str) -> Self {
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
        Bar(pb)
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
}
