//! `racesim trace FILE [--first-error | --user N] [--replication R]
//! [--events FILE.csv] [--clocks]`: the timeline of one failing case
//! ([`racesim::pipeline::trace`]).

use std::path::PathBuf;

use clap::Args;

use racesim::Error;
use racesim::model::TraceOutcome;
use racesim::pipeline::trace::{Request, Traced};

use super::Ui;

/// `racesim trace`.
#[derive(Debug, Args)]
pub(crate) struct TraceArgs {
    /// Scenario file
    file: PathBuf,
    /// Trace the first failing case (the default)
    #[arg(long, conflicts_with = "user")]
    first_error: bool,
    /// Trace user N (0 = the first arrival) of the replication
    #[arg(long, value_name = "N")]
    user: Option<u64>,
    /// Replication to look in (default: the first one with a failure; 0 with --user)
    #[arg(long, value_name = "R")]
    replication: Option<u64>,
    /// Override a key: PATH=VALUE (repeatable)
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<String>,
    /// Output on standard output
    #[arg(long, value_enum, default_value_t = TraceFormat::Table)]
    format: TraceFormat,
    /// Also write every event of the replication to this CSV (checkout: true and host-local times, kind, id; terminal: every processor request and outcome)
    #[arg(long, value_name = "FILE.csv")]
    events: Option<PathBuf>,
    /// List every host's clock instead: syncs (offsets, slew targets, learned frequency), slew ends, steps and outages of one replication (--replication R, default 0), and the largest offset
    #[arg(long, conflicts_with_all = ["user", "first_error", "events"])]
    clocks: bool,
}

/// How `trace` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum TraceFormat {
    /// An incident report for people
    Table,
    /// One JSON document (every event of the timeline)
    Json,
}

/// Prints the trace.
pub(crate) fn trace(a: TraceArgs, ui: &Ui) -> Result<(), Error> {
    let overrides = super::parse_sets(&a.set)?;
    let req = Request {
        // --user N looks in replication 0 unless told otherwise
        replication: a.replication.or(a.user.map(|_| 0)),
        user: a.user,
        events: a.events.clone(),
        clocks: a.clocks,
    };
    let traced =
        racesim::pipeline::trace::trace(&racesim::models::builtin(), &a.file, &overrides, &req)?;
    let (text, json) = match traced {
        Traced::Clocks { text, json } => (text, json),
        Traced::Case { outcome, events } => {
            if let Some(note) = events.filter(|_| !ui.quiet) {
                eprintln!("{note}");
            }
            match outcome {
                TraceOutcome::Found { text, json } => (text, json),
                TraceOutcome::NotFound(why) => return Err(Error::NotFound(why)),
            }
        }
    };
    match a.format {
        TraceFormat::Json => println!("{json}"),
        TraceFormat::Table if ui.quiet => {}
        TraceFormat::Table => print!("{text}"),
    }
    Ok(())
}
