//! Scenario files: TOML -> raw mirror -> validated, immutable scenario.

pub mod error;

pub use error::{FieldError, ScenarioError};
