//! The names of the terminal model's random streams, written once: a
//! replication's numbers depend on them (see [`crate::engine::Streams`]), so
//! a misspelt name in one place would silently change results. Each is
//! indexed: by terminal, or by terminal and day (`terminal << 32 | day`).

/// A terminal's mean daily volume (by terminal).
pub(super) const VOLUME: &str = "volume";
/// The key of a terminal's regulars' usual orders (by terminal).
pub(super) const USUAL: &str = "usual";
/// A terminal-day's number of purchases, for Poisson days (by terminal and day).
pub(super) const COUNTS: &str = "counts";
/// Which purchases are resubmitted (by terminal and day).
pub(super) const RESUBMIT: &str = "resubmit";
/// Times of day at the positions something depends on (by terminal and day).
pub(super) const TIMES: &str = "times";
/// Times of day of every purchase, for the request log and clocks (by
/// terminal and day).
pub(super) const LOG_TIMES: &str = "log_times";
/// Purchases' amounts (by terminal and day).
pub(super) const AMOUNTS: &str = "amounts";
/// The key of the day's cards (by terminal and day).
pub(super) const CARDS: &str = "cards";
/// The processor's clock (index 0), named as a host's clock is
/// ([`crate::clock::stream_name`]).
pub(super) const PROCESSOR_CLOCK: &str = "clock/processor";
/// Each terminal's clock (by terminal).
pub(super) const TERMINAL_CLOCK: &str = "clock/terminal";
/// Which terminals a step with a `share` moves (by terminal).
pub(super) const CLOCK_STEPS: &str = "clock/steps";

#[cfg(test)]
mod tests {
    use super::*;

    /// Two streams with one name would draw the same numbers.
    #[test]
    fn stream_names_are_distinct() {
        let names = [
            VOLUME,
            USUAL,
            COUNTS,
            RESUBMIT,
            TIMES,
            LOG_TIMES,
            AMOUNTS,
            CARDS,
            PROCESSOR_CLOCK,
            TERMINAL_CLOCK,
            CLOCK_STEPS,
        ];
        let set: std::collections::BTreeSet<&str> = names.into_iter().collect();
        assert_eq!(set.len(), names.len());
        assert_eq!(PROCESSOR_CLOCK, crate::clock::stream_name("processor"));
        assert_eq!(TERMINAL_CLOCK, crate::clock::stream_name("terminal"));
    }
}
