//! The crate's own models, one folder each, and the registry that lists
//! them. Adding a model is a folder here and one line in [`builtin`].
//!
//! - [`checkout`]: a redirect races a transfer poller (clock skew against a
//!   grace period);
//! - [`terminal`]: payment terminals' sequence counters and a processor's
//!   duplicate check;
//! - [`race`]: any clock race stated in the scenario file (instants,
//!   stamps, clock-triggered deadlines, pollers, failure conditions).

pub mod checkout;
pub mod race;
pub mod terminal;

use crate::model::Registry;

/// The models a scenario may name, as the `racesim` command knows them.
pub fn builtin() -> Registry {
    Registry::new()
        .with(checkout::Kind)
        .with(terminal::Kind)
        .with(race::Kind)
}
