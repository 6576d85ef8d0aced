//! The command line: clap definitions, one file per subcommand. Each parses
//! its arguments into the library's options, calls the library
//! ([`racesim::pipeline`]), prints what it returns, and leaves the exit
//! code to `main`. Only this layer touches the terminal.
//!
//! Conventions (as cargo, ripgrep and hyperfine keep them): results on
//! standard output, status and progress on standard error; `-q` and
//! `--color` on every command ([`style`]); each `--format` a command lists
//! is honoured, and any other is refused by the parser.

mod check;
mod completions;
mod estimate;
mod guard;
mod man;
mod merge;
mod precision;
mod progress;
mod report;
mod run;
mod solve;
mod style;
mod trace;
mod validate;

pub(crate) use style::Ui;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use racesim::Error;
use racesim::pipeline::{DEFAULT_OUT, Options};
use racesim::scenario::Override;

/// racesim: how often a timing race hurts users, with honest intervals.
#[derive(Debug, Parser)]
#[command(name = "racesim", version, about, long_about = None, max_term_width = 100)]
pub(crate) struct Cli {
    /// Print no progress, table, note or status: only errors, and what
    /// --format csv, json or markdown asks for
    #[arg(long, short, global = true)]
    quiet: bool,
    /// Colour pass/fail and warnings: auto (on a terminal, unless NO_COLOR is
    /// set), always, never
    #[arg(long, value_enum, value_name = "WHEN", global = true, default_value_t = style::ColorChoice::Auto)]
    color: style::ColorChoice,
    /// The subcommand.
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Run scenarios: summary table with 95% intervals and the back-of-envelope; CSV under output/NAME/
    Run(run::RunArgs),
    /// Run a scenario's sweep (or the one given with --vary)
    Sweep(run::SweepArgs),
    /// Print the back-of-envelope estimate only (milliseconds)
    Estimate(estimate::EstimateArgs),
    /// Parse and validate scenario files; run nothing
    Validate(validate::ValidateArgs),
    /// Evaluate every expectation (the `expect` tables) and the baseline: exit 0 pass, 1 a check failed, 2 bad input
    Check(check::CheckArgs),
    /// Merge shard outputs (--shard K/N runs) into the result a single run gives
    Merge(merge::MergeArgs),
    /// Redraw charts from a racesim CSV (summary, daily, margin, volume, or a check history)
    Plot(PlotArgs),
    /// Print the timeline of one failing case in true time and every host's local time
    Trace(trace::TraceArgs),
    /// Write a self-contained HTML and Markdown report: question, figures, charts, assumptions
    Report(report::ReportArgs),
    /// Print a shell completion script (bash, zsh, fish, PowerShell, elvish) on standard output
    Completions(completions::CompletionsArgs),
    /// Print the manual page (roff, from the same definitions as --help) on standard output
    Man(man::ManArgs),
    /// Find the value of a key at which a metric crosses a bound (closed form, confirmed by simulation)
    Solve(solve::SolveArgs),
}

/// How `run`, `sweep`, `merge` and `check` print their results on standard
/// output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
enum Format {
    /// Aligned table for people
    #[default]
    Table,
    /// CSV (run, sweep, merge: summary.csv; check: one row per check)
    Csv,
    /// One JSON document
    Json,
    /// Markdown (a pull-request comment)
    Markdown,
}

/// What a scenario runs with: the inputs shared by every command that runs
/// one.
#[derive(Debug, Clone, Args)]
struct Inputs {
    /// Scenario seed (overrides the file's `seed`)
    #[arg(long, allow_negative_numbers = true)]
    seed: Option<u64>,
    /// Number of replications (overrides the file's `replications`)
    #[arg(long, allow_negative_numbers = true)]
    replications: Option<u32>,
    /// Override a key: PATH=VALUE, e.g. --set hosts.transfer.clock.offset=6m (repeatable)
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<String>,
    /// Worker threads (default: all cores); results do not depend on it
    #[arg(long, allow_negative_numbers = true)]
    threads: Option<usize>,
}

/// Options shared by the commands that run simulations and write result
/// folders.
#[derive(Debug, Clone, Args)]
struct Common {
    /// Scenario inputs.
    #[command(flatten)]
    inputs: Inputs,
    /// Folder the NAME/ result folders go in [default: output; `check` writes
    /// result folders only when this is given]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Run only shard K of N (1-based): every N-th replication
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Do not draw charts
    #[arg(long)]
    no_charts: bool,
    /// Resource guards and output safety.
    #[command(flatten)]
    guards: guard::GuardArgs,
}

impl Inputs {
    /// The overrides `--seed`, `--replications` and `--set` stand for.
    fn overrides(&self) -> Result<Vec<Override>, Error> {
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
}

impl Common {
    /// `--shard K/N` parsed.
    fn shard(&self) -> Result<Option<(u64, u64)>, Error> {
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

    /// The library's options.
    fn options(&self) -> Result<Options, Error> {
        Ok(Options {
            overrides: self.inputs.overrides()?,
            threads: self.inputs.threads,
            out: self
                .out
                .clone()
                .unwrap_or_else(|| PathBuf::from(DEFAULT_OUT)),
            shard: self.shard()?,
            charts: !self.no_charts,
            guards: self.guards.parse()?,
            ..Options::default()
        })
    }
}

/// `racesim plot`.
#[derive(Debug, Args)]
struct PlotArgs {
    /// CSV files written by racesim (summary.csv, daily.csv, margin.csv, volume.csv, a history)
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Folder for the charts (default: beside each CSV)
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// Parses the command line; the parser's own messages (usage errors,
/// `--help`) follow `--color` too, read ahead of the parse.
pub(crate) fn parse() -> Result<Cli, clap::Error> {
    use clap::{CommandFactory, FromArgMatches};
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut when = None;
    for (i, a) in args.iter().enumerate() {
        let a = a.to_string_lossy();
        let value = match a.strip_prefix("--color=") {
            Some(v) => Some(v.to_string()),
            None if a == "--color" => args.get(i + 1).map(|v| v.to_string_lossy().into_owned()),
            None => None,
        };
        when = match value.as_deref() {
            Some("always") => Some(clap::ColorChoice::Always),
            Some("never") => Some(clap::ColorChoice::Never),
            Some("auto") => Some(clap::ColorChoice::Auto),
            _ => when,
        };
    }
    let cmd = Cli::command().color(when.unwrap_or(clap::ColorChoice::Auto));
    let mut matches = cmd.try_get_matches_from(args)?;
    Cli::from_arg_matches_mut(&mut matches)
}

impl Cli {
    /// The terminal settings `-q` and `--color` ask for.
    pub(crate) fn ui(&self) -> Ui {
        Ui::new(self.quiet, self.color)
    }
}

/// Runs a parsed command line.
pub(crate) fn execute(cli: Cli, ui: &Ui) -> Result<(), Error> {
    match cli.command {
        Command::Run(a) => run::run(&a, ui),
        Command::Sweep(a) => run::sweep(&a, ui),
        Command::Estimate(a) => estimate::estimate(&a, ui),
        Command::Check(a) => check::check(&a, ui),
        Command::Merge(a) => merge::merge(&a, ui),
        Command::Plot(a) => plot(&a, ui),
        Command::Validate(a) => validate::validate(&a, ui),
        Command::Trace(a) => trace::trace(a, ui),
        Command::Report(a) => report::report(&a, ui),
        Command::Completions(a) => completions::completions(&a),
        Command::Man(a) => man::man(&a),
        Command::Solve(a) => solve::solve(&a, ui),
    }
}

/// `racesim plot FILE...`: redraws the charts of each CSV; the files
/// written are status (standard error).
fn plot(a: &PlotArgs, ui: &Ui) -> Result<(), Error> {
    let registry = racesim::models::builtin();
    for f in &a.files {
        let written = racesim::pipeline::plot::plot(&registry, f, a.out.as_deref())?;
        if ui.quiet {
            continue;
        }
        if written.is_empty() {
            eprintln!(
                "{}: nothing to draw (a summary without a sweep has no curve)",
                f.display()
            );
        }
        for w in written {
            eprintln!("wrote {}", w.display());
        }
    }
    Ok(())
}

/// Parses `--set PATH=VALUE` arguments; a key set twice is refused, as a
/// key written twice in a scenario file is.
fn parse_sets(sets: &[String]) -> Result<Vec<Override>, Error> {
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

/// Prints notes (an earlier result kept aside) on standard error, unless
/// quiet.
fn notes(notes: &[String], ui: &Ui) {
    if !ui.quiet {
        for n in notes {
            eprintln!("{}", ui.status(n));
        }
    }
}

/// Prints status text (throughput, files written) on standard error,
/// unless quiet.
fn status(text: &str, ui: &Ui) {
    if !ui.quiet && !text.is_empty() {
        eprint!("{}", ui.status(text));
    }
}

/// Prints one JSON document.
fn print_json(doc: &serde_json::Value) {
    println!("{}", serde_json::to_string_pretty(doc).unwrap_or_default());
}

/// Writes `bytes` (`what`, for the error) on standard output; a closed pipe
/// (`racesim man | head`) is not an error.
fn write_stdout(bytes: &[u8], what: &str) -> Result<(), Error> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::Usage(format!("cannot write {what}: {e}")))
        }
        _ => Ok(()),
    }
}
