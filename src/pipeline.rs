//! The commands as library functions: what `racesim run`, `sweep`, `check`,
//! `merge`, `report`, `solve`, `trace`, `validate`, `estimate` and `plot`
//! do, without a terminal. Each loads and validates its scenarios
//! ([`crate::scenario`]), counts the work and refuses what the guards do not
//! let through ([`guard`]), runs the experiments ([`crate::experiment`]),
//! and writes its outputs ([`crate::output`]); it returns what happened for
//! the caller to show. The `racesim` binary parses its command line into
//! these options, prints what they return and maps errors to exit codes;
//! a program can call them with its own [`crate::model::Registry`].

pub mod check;
pub mod estimate;
pub mod guard;
pub mod merge;
pub mod outputs;
pub mod plot;
pub mod precision;
pub mod report;
pub mod run;
pub mod solve;
pub mod trace;
pub mod validate;

use std::path::PathBuf;

pub use guard::Guards;
pub use run::{FileRun, Partial, Save, run_file};

use crate::Error;
use crate::model::Registry;
use crate::scenario::Override;

/// The folder result folders go in when no other is given.
pub const DEFAULT_OUT: &str = "output";

/// What the commands that run simulations share.
#[derive(Debug, Clone)]
pub struct Options {
    /// The models scenarios may name.
    pub registry: Registry,
    /// Overrides applied to every scenario (`--seed`, `--replications`,
    /// `--set`), in order.
    pub overrides: Vec<Override>,
    /// Worker threads (`None`: all cores); results do not depend on it.
    pub threads: Option<usize>,
    /// The folder result folders go in.
    pub out: PathBuf,
    /// Run only shard `(k, n)`, 1-based `k`.
    pub shard: Option<(u64, u64)>,
    /// Draw the charts.
    pub charts: bool,
    /// The resource guards and what a commit does with an earlier result.
    pub guards: Guards,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            registry: crate::models::builtin(),
            overrides: Vec::new(),
            threads: None,
            out: PathBuf::from(DEFAULT_OUT),
            shard: None,
            charts: true,
            guards: Guards::default(),
        }
    }
}

impl Options {
    /// The replications that run at once: `threads`, or the pool's size.
    pub fn threads(&self) -> usize {
        self.threads
            .unwrap_or_else(rayon::current_num_threads)
            .max(1)
    }

    /// Runs `f` on a pool of `threads` threads (the global pool without).
    pub fn with_pool<T: Send>(&self, f: impl FnOnce() -> T + Send) -> Result<T, Error> {
        match self.threads {
            None => Ok(f()),
            Some(0) => Err(Error::Usage("--threads must be at least 1".into())),
            Some(n) => {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .build()
                    .map_err(|e| Error::System(format!("cannot start {n} threads: {e}")))?;
                Ok(pool.install(f))
            }
        }
    }
}
