//! `racesim trace` for the terminal model (placeholder until the model lands).

use crate::Error;
use crate::cli::TraceArgs;
use crate::scenario::Scenario;

/// Prints the first false reversal of the terminal model.
pub fn trace(sc: &Scenario, _a: &TraceArgs) -> Result<(), Error> {
    Err(Error::NotFound(format!(
        "{}: terminal traces are not available yet",
        sc.name
    )))
}
