//! The command line: clap definitions and one file per subcommand. Only this
//! layer touches the terminal.

pub mod check;
pub mod completions;
pub mod estimate;
pub mod guard;
pub mod merge;
pub mod precision;
pub mod progress;
pub mod report_cmd;
pub mod run;
pub mod solve;
pub mod trace;
pub mod trace_clocks;
pub mod trace_terminal;
pub mod validate;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::Error;
use crate::scenario::Override;

/// racesim: how often a timing race hurts users, with honest intervals.
#[derive(Debug, Parser)]
#[command(name = "racesim", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run scenarios: summary table with 95% intervals and the back-of-envelope; CSV under output/NAME/
    Run(RunArgs),
    /// Run a scenario's sweep (or the one given with --vary)
    Sweep(SweepArgs),
    /// Print the back-of-envelope estimate only (milliseconds)
    Estimate(EstimateArgs),
    /// Parse and validate scenario files; run nothing
    Validate(ValidateArgs),
    /// Evaluate every expectation (the `expect` tables) and the baseline: exit 0 pass, 1 a check failed, 2 bad input
    Check(CheckArgs),
    /// Merge shard outputs (--shard K/N runs) into the result a single run gives
    Merge(MergeArgs),
    /// Redraw charts from a racesim CSV (summary, daily, margin, volume, or a check history)
    Plot(PlotArgs),
    /// Print the timeline of one failing case in true time and every host's local time
    Trace(TraceArgs),
    /// Write a self-contained HTML and Markdown report: question, figures, charts, assumptions
    Report(report_cmd::ReportArgs),
    /// Print a shell completion script (bash, zsh, fish) on standard output
    Completions(completions::CompletionsArgs),
    /// Find the value of a key at which a metric crosses a bound (closed form, confirmed by simulation)
    Solve(solve::SolveArgs),
}

/// How results are printed on standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// Aligned table for people.
    #[default]
    Table,
    /// summary.csv on standard output.
    Csv,
    /// One JSON document on standard output.
    Json,
    /// Markdown (for `check`: a summary a CI system shows on a pull request).
    Markdown,
}

/// The folder result folders go in when `--out` is not given.
pub const DEFAULT_OUT: &str = "output";

/// Options shared by the commands that run simulations.
#[derive(Debug, Clone, Args)]
pub struct Common {
    /// Scenario seed (overrides the file's `seed`)
    #[arg(long, allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// Number of replications (overrides the file's `replications`)
    #[arg(long, allow_negative_numbers = true)]
    pub replications: Option<u32>,
    /// Override a key: PATH=VALUE, e.g. --set hosts.transfer.clock.offset=6m (repeatable)
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Worker threads (default: all cores); results do not depend on it
    #[arg(long, allow_negative_numbers = true)]
    pub threads: Option<usize>,
    /// Folder the NAME/ result folders go in [default: output; `check` writes
    /// result folders only when this is given]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Output on standard output
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Run only shard K of N (1-based): every N-th replication
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// No progress bar, no table or notes (csv/json still print)
    #[arg(long, short)]
    pub quiet: bool,
    /// Do not draw charts
    #[arg(long)]
    pub no_charts: bool,
    /// Resource guards and output safety.
    #[command(flatten)]
    pub guards: guard::Guards,
}

impl Common {
    /// The overrides `--seed`, `--replications` and `--set` stand for.
    pub fn overrides(&self) -> Result<Vec<Override>, Error> {
        let mut v = Vec::new();
        if let Some(s) = self.seed {
            v.push(Override {
                path: "seed".into(),
                value: s.to_string(),
            });
        }
        if let Some(r) = self.replications {
            v.push(Override {
                path: "replications".into(),
                value: r.to_string(),
            });
        }
        v.extend(parse_sets(&self.set)?);
        no_duplicates(&v)?;
        Ok(v)
    }

    /// The folder result folders go in: `--out`, or `output`.
    pub fn out_dir(&self) -> PathBuf {
        self.out
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_OUT))
    }

    /// The replications that run at once: `--threads`, or the pool's size.
    pub fn threads(&self) -> usize {
        self.threads
            .unwrap_or_else(rayon::current_num_threads)
            .max(1)
    }

    /// `--shard K/N` parsed.
    pub fn shard(&self) -> Result<Option<(u64, u64)>, Error> {
        let Some(s) = &self.shard else {
            return Ok(None);
        };
        let bad = || {
            Error::Usage(format!(
                "--shard {s}: expected K/N with 1 <= K <= N, e.g. --shard 2/8"
            ))
        };
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (k, n): (u64, u64) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if k == 0 || n == 0 || k > n {
            return Err(bad());
        }
        Ok(Some((k, n)))
    }

    /// Runs `f` on a pool of `--threads` threads.
    pub fn with_pool<T: Send>(&self, f: impl FnOnce() -> T + Send) -> Result<T, Error> {
        match self.threads {
            None => Ok(f()),
            Some(0) => Err(Error::Usage("--threads must be at least 1".into())),
            Some(n) => {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .build()
                    .map_err(|e| Error::Usage(format!("cannot start {n} threads: {e}")))?;
                Ok(pool.install(f))
            }
        }
    }
}

/// `racesim run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario files
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Shared options.
    #[command(flatten)]
    pub common: Common,
    /// Sequential replications to a target precision.
    #[command(flatten)]
    pub precision: precision::PrecisionArgs,
}

/// `racesim sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Scenario file
    pub file: PathBuf,
    /// Vary a key: PATH=A..B/STEPS (STEPS intervals) or PATH=V1,V2,...; repeat for a grid
    #[arg(long, value_name = "SPEC")]
    pub vary: Vec<String>,
    /// Shared options.
    #[command(flatten)]
    pub common: Common,
}

/// `racesim estimate`.
#[derive(Debug, Args)]
pub struct EstimateArgs {
    /// Scenario files
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Override a key: PATH=VALUE (repeatable)
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Output on standard output
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `racesim validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Override a key: PATH=VALUE (repeatable)
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}

/// `racesim check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario files
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// A summary.json of an earlier run: fail when a metric got significantly worse
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Append one row per metric to this CSV history (never loses earlier rows)
    #[arg(long, value_name = "FILE", requires = "label")]
    pub history: Option<PathBuf>,
    /// The label of this run in the history (a commit, a build number)
    #[arg(long, value_name = "L", requires = "history")]
    pub label: Option<String>,
    /// Shared options.
    #[command(flatten)]
    pub common: Common,
}

/// `racesim merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shards' replications.csv files (or their folders)
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Folder the merged NAME/ result folder goes in (a path relative to the
    /// current folder, like every path given on the command line)
    #[arg(long, value_name = "DIR", default_value = DEFAULT_OUT)]
    pub out: PathBuf,
    /// Replace the earlier result without keeping it (default: it is kept
    /// as NAME.previous)
    #[arg(long)]
    pub force: bool,
    /// No table or notes (csv/json still print)
    #[arg(long, short)]
    pub quiet: bool,
    /// Output on standard output
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Do not draw charts
    #[arg(long)]
    pub no_charts: bool,
}

/// `racesim plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// CSV files written by racesim (summary.csv, daily.csv, margin.csv, volume.csv, a history)
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Folder for the charts (default: beside each CSV)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// `racesim trace`.
#[derive(Debug, Args)]
pub struct TraceArgs {
    /// Scenario file
    pub file: PathBuf,
    /// Trace the first failing case (the default)
    #[arg(long, conflicts_with = "user")]
    pub first_error: bool,
    /// Trace user N (0 = the first arrival) of the replication
    #[arg(long, value_name = "N")]
    pub user: Option<u64>,
    /// Replication to look in (default: the first one with a failure; 0 with --user)
    #[arg(long, value_name = "R")]
    pub replication: Option<u64>,
    /// Override a key: PATH=VALUE (repeatable)
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Output: table (an incident report) or json
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write every event of the replication to this CSV (checkout: true and host-local times, kind, id; terminal: every processor request and outcome)
    #[arg(long, value_name = "FILE.csv")]
    pub events: Option<PathBuf>,
    /// List every host's clock instead: syncs (offsets, slew targets, learned frequency), slew ends, steps and outages of one replication (--replication R, default 0), and the largest offset
    #[arg(long, conflicts_with_all = ["user", "first_error", "events"])]
    pub clocks: bool,
}

/// Runs a parsed command line; returns the text for standard output.
pub fn execute(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Run(a) => match a.precision.goal()? {
            Some(goal) => precision::run(&a.files, &a.common, &goal),
            None => run::run(&a.files, &a.common, None),
        },
        Command::Sweep(a) => {
            // no --vary: the file's own [sweep]
            let vary = if a.vary.is_empty() {
                None
            } else {
                Some(run::parse_vary(&a.vary)?)
            };
            if vary.is_none() {
                run::require_sweep(&a.file, &a.common)?;
            }
            run::run(std::slice::from_ref(&a.file), &a.common, vary)
        }
        Command::Estimate(a) => estimate::estimate(&a),
        Command::Check(a) => check::check(&a),
        Command::Merge(a) => merge::merge(&a),
        Command::Plot(a) => plot_files(&a),
        Command::Validate(a) => validate::validate(&a),
        Command::Trace(mut a) => {
            if a.user.is_some() && a.replication.is_none() {
                a.replication = Some(0);
            }
            trace::trace(&a)
        }
        Command::Report(a) => report_cmd::report(&a),
        Command::Completions(a) => completions::completions(&a),
        Command::Solve(a) => solve::solve(&a),
    }
}

/// `racesim plot FILE...`: redraws the charts of each CSV.
fn plot_files(a: &PlotArgs) -> Result<(), Error> {
    for f in &a.files {
        let text = crate::input::read_text(f, "the CSV", crate::input::MAX_RESULT_BYTES)
            .map_err(Error::Usage)?;
        let dir = match &a.out {
            Some(d) => d.clone(),
            None => f
                .parent()
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(".")),
        };
        // a run's folder is named after its scenario
        let title = f
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "racesim".into());
        let written = run::write_charts_named(&dir, &title, &text, &f.display().to_string())?;
        if written.is_empty() {
            println!(
                "{}: nothing to draw (a summary without a sweep has no curve)",
                f.display()
            );
        }
        for w in written {
            println!("wrote {}", w.display());
        }
    }
    Ok(())
}

/// Parses `--set PATH=VALUE` arguments; a key set twice is refused, as a
/// key written twice in a scenario file is.
pub fn parse_sets(sets: &[String]) -> Result<Vec<Override>, Error> {
    let v = sets
        .iter()
        .map(|s| Override::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Error::Usage)?;
    no_duplicates(&v)?;
    Ok(v)
}

/// Refuses two overrides of the same key (`--seed 3 --set seed=4` too).
fn no_duplicates(v: &[Override]) -> Result<(), Error> {
    for (i, a) in v.iter().enumerate() {
        if let Some(b) = v[..i].iter().find(|b| b.path == a.path) {
            return Err(Error::Usage(format!(
                "the key `{}` is set twice on the command line ({b} and {a}): give it once",
                a.path
            )));
        }
    }
    Ok(())
}

/// Prints one JSON document: the only scenario's, or `{ "scenarios": [...] }`.
pub fn print_json_docs(mut docs: Vec<serde_json::Value>) {
    let doc = if docs.len() == 1 {
        docs.remove(0)
    } else {
        serde_json::json!({ "scenarios": docs })
    };
    println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
}
