//! `racesim estimate FILE...` as a library function: a scenario's
//! back-of-envelope (its model's closed form), in milliseconds, without
//! simulating.

use std::path::Path;

use crate::Error;
use crate::model::{BackOfEnvelope, Registry};
use crate::scenario::{self, Override, Scenario, Source};

/// Loads `file` under `overrides` and gives its back-of-envelope.
pub fn estimate(
    registry: &Registry,
    file: &Path,
    overrides: &[Override],
) -> Result<(Scenario, BackOfEnvelope), Error> {
    let sc = scenario::load_with(registry, &Source::read(file)?, overrides)?;
    let r = sc.model.back_of_envelope();
    Ok((sc, r))
}
