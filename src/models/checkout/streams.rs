//! The names of the checkout model's random streams, written once: a
//! replication's numbers depend on them (see [`crate::engine::Streams`]),
//! so a misspelt name in one place would silently change results. Host
//! clocks draw from [`crate::clock::Clock::of_host`].

/// Arrival times (Poisson gaps and the profile's thinning).
pub(super) const ARRIVALS: &str = "arrivals";
/// The phase of the first poll.
pub(super) const POLL_PHASE: &str = "poll_phase";
/// Arrival to marked paid.
pub(super) const PAYMENT_LATENCY: &str = "payment_latency";
/// Marked paid to confirmation read.
pub(super) const REDIRECT_LATENCY: &str = "redirect_latency";
/// Delays before reloads.
pub(super) const RETRY_DELAY: &str = "retry_delay";
/// Per-poll jitter.
pub(super) const POLL_JITTER: &str = "poll_jitter";
/// Per-poll selection to deletion.
pub(super) const MOVE_DELAY: &str = "move_delay";
/// A request log's resampled rows or days (`[checkout.log]` `resample`).
pub(super) const LOG_RESAMPLE: &str = "log_resample";
