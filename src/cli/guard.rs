//! The guard options (`--time-limit`, `--max-events`, `--max-points`,
//! `--max-memory`, `--force`) as written on the command line; the guards
//! themselves are [`racesim::pipeline::guard`].

use clap::Args;

use racesim::Error;
use racesim::output::Replace;
use racesim::pipeline::Guards;
use racesim::pipeline::guard::{
    DEFAULT_MAX_EVENTS, DEFAULT_MAX_MEMORY, DEFAULT_MAX_POINTS, parse_count, parse_memory,
    parse_time_limit,
};

/// The cost guards every command that simulates takes (`solve` too).
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct CostArgs {
    /// Refuse a run expected to simulate more than N users or transactions,
    /// polls and clock steps in all (default 1e11); raise it to run a bigger
    /// study
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    max_events: Option<String>,
    /// Refuse a run expected to hold more than SIZE of records in memory at
    /// once (default 4GB; e.g. 500MB, 16GB)
    #[arg(long, value_name = "SIZE", allow_negative_numbers = true)]
    max_memory: Option<String>,
}

impl CostArgs {
    /// The guards with these limits (the defaults for everything else).
    pub(crate) fn parse(&self) -> Result<Guards, Error> {
        Ok(Guards {
            max_events: match &self.max_events {
                None => DEFAULT_MAX_EVENTS,
                Some(t) => parse_count(t, "--max-events", "e.g. 1e12")?,
            },
            max_memory: match &self.max_memory {
                None => DEFAULT_MAX_MEMORY,
                Some(t) => parse_memory(t)?,
            },
            ..Guards::default()
        })
    }
}

/// The guard options shared by the commands that run simulations and write
/// result folders.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct GuardArgs {
    /// Stop after this long (e.g. 30s, 10m, 2h): write the replications that
    /// finished, marked partial
    #[arg(long, value_name = "DURATION", allow_negative_numbers = true)]
    time_limit: Option<String>,
    /// Cost limits.
    #[command(flatten)]
    cost: CostArgs,
    /// Refuse a sweep of more than N points (default 10000)
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    max_points: Option<String>,
    /// Replace the earlier result without keeping it (default: it is kept
    /// as NAME.previous)
    #[arg(long)]
    force: bool,
}

impl GuardArgs {
    /// The guards, parsed (the defaults where a flag is absent).
    pub(crate) fn parse(&self) -> Result<Guards, Error> {
        let max_points = match &self.max_points {
            None => DEFAULT_MAX_POINTS,
            Some(t) => {
                let n = parse_count(t, "--max-points", "e.g. 50000")?;
                if n >= u64::MAX as f64 {
                    u64::MAX
                } else {
                    n as u64
                }
            }
        };
        let cost = self.cost.parse()?;
        Ok(Guards {
            time_limit: self
                .time_limit
                .as_deref()
                .map(parse_time_limit)
                .transpose()?,
            max_events: cost.max_events,
            max_points,
            max_memory: cost.max_memory,
            replace: if self.force {
                Replace::Discard
            } else {
                Replace::KeepPrevious
            },
        })
    }

    /// The guards' defaults with `--force` as given.
    pub(crate) fn forced(force: bool) -> Self {
        GuardArgs {
            force,
            ..GuardArgs::default()
        }
    }
}
