//! `racesim report FILE` as a library function: runs a scenario (or reads a
//! result folder back: [`report_folder`]) and writes
//! the page a back-of-envelope risk review wants, as one self-contained HTML
//! file and as Markdown with its charts beside it, under `OUT/NAME/`:
//!
//! - `report.html`: charts inline as SVG, styles inline, no external
//!   reference (it opens offline);
//! - `report.md` and the `report-*.svg` charts it links to;
//! - the usual CSV and JSON outputs of `run` (without their charts).
//!
//! The report is written into the run's staging folder, so the result
//! folder appears with its report, whole, in one step. The first failure's
//! timeline is traced again from the seed for the report (see
//! `first_failure`), in both cases: nothing extra is stored with a result.

use std::path::{Path, PathBuf};

use crate::Error;
use crate::experiment::{PointResult, Reporter};
use crate::input::{self, Table};
use crate::model::Registry;
use crate::model::{TraceError, TraceOutcome, TraceQuery};
use crate::output::write_atomic;
use crate::report::daily::DailyTable;
use crate::report::html::{ChartSection, FirstFailure, Page};
use crate::report::page::Detail;
use crate::report::{html, page};
use crate::scenario::{Override, Source};

use super::{Options, Save, run_file};

/// What a report wrote.
#[derive(Debug)]
pub struct Written {
    /// The result folder.
    pub dir: PathBuf,
    /// The chart files beside `report.md`, relative to `dir`.
    pub charts: Vec<PathBuf>,
    /// What the user should know (an earlier result kept aside).
    pub notes: Vec<String>,
}

/// Runs the scenario at `file` (every replication: no shard; no run charts:
/// the report draws its own) and writes the report into its result folder,
/// before the folder is committed, so the report and the figures it shows
/// appear together.
pub fn report(file: &Path, opts: &Options, reporter: &dyn Reporter) -> Result<Written, Error> {
    let opts = Options {
        shard: None,
        charts: false,
        ..opts.clone()
    };
    // Read before the run: the page shows the text the run was made from
    // (run_file reads the file again; both reads happen within one command).
    let source = Source::read(file)?;
    let written = std::cell::RefCell::new(Vec::new());
    let extra = |dir: &Path, results: &[PointResult], swept: bool| -> Result<(), Error> {
        let page = page::build(
            &source,
            results,
            swept,
            &opts.overrides,
            Detail::Simulated,
            first_failure(results)?,
        )?;
        *written.borrow_mut() = write_page(dir, &page)?;
        Ok(())
    };
    let run = run_file(file, &opts, None, Save::FolderWith(&extra), reporter)?;
    Ok(Written {
        dir: run.dir.unwrap_or_default(),
        charts: written.into_inner(),
        notes: run.notes,
    })
}

/// Writes the page's charts, `report.md` and `report.html` into `dir`;
/// gives the chart files written.
fn write_page(dir: &Path, page: &Page) -> Result<Vec<PathBuf>, Error> {
    let mut names = Vec::new();
    for c in &page.charts {
        write_atomic(&dir.join(&c.file), c.svg.as_bytes())?;
        names.push(PathBuf::from(&c.file));
    }
    write_atomic(&dir.join("report.md"), html::to_markdown(page).as_bytes())?;
    write_atomic(&dir.join("report.html"), html::to_html(page).as_bytes())?;
    Ok(names)
}

/// `racesim report DIR`: the page of a result folder (of `run`, `sweep` or
/// `merge`), without running anything. The figures are recomputed from its
/// `replications.csv` exactly as `merge` does (so they equal the folder's
/// `summary.csv`); the detail charts are drawn from its `daily.csv` and the
/// model's tables (`margin.csv`, `volume.csv`) where present. The scenario
/// file it ran must still be there, unchanged (its hash is checked),
/// relative to the current folder. The report files are written into `dir`.
pub fn report_folder(registry: &Registry, dir: &Path) -> Result<Written, Error> {
    let (source, meta, results) = super::merge::read_result(registry, dir)?;
    let Some(first) = results.first() else {
        return Err(Error::Usage(format!(
            "cannot report on {}: it holds no point",
            dir.display()
        )));
    };
    let swept = !first.params.is_empty();
    let name = &first.scenario.name;
    let reps = first.reps.len();
    // the overrides the run was given: the first point's, without the sweep's own keys
    let swept_keys: Vec<&str> = first.params.iter().map(|(k, _)| k.as_str()).collect();
    let overrides: Vec<Override> = meta
        .points
        .first()
        .map(|o| {
            o.iter()
                .filter_map(|o| Override::parse(o).ok())
                .filter(|o| !swept_keys.contains(&o.path.as_str()))
                .collect()
        })
        .unwrap_or_default();
    let mut sections = Vec::new();
    let at = if swept {
        " Drawn for the first sweep point, as the folder's files hold it."
    } else {
        ""
    };
    let kinds = registry
        .get(first.scenario.model.kind())
        .map(|k| k.tables())
        .unwrap_or_default();
    for kind in kinds {
        let Some(t) = read_table(dir, kind.file())? else {
            continue;
        };
        let table = kind
            .parse(&t)
            .map_err(|m| Error::Usage(format!("cannot report on {}: {m}", dir.display())))?;
        for (stem, chart) in table.charts(name)? {
            sections.push(ChartSection {
                title: format!("{} ({})", stem, kind.file()),
                caption: format!(
                    "Drawn from {} in the result folder, as racesim plot draws it.{at}",
                    kind.file()
                ),
                file: format!("report-{stem}.svg"),
                svg: chart.svg,
            });
        }
    }
    if let Some(t) = read_table(dir, "daily.csv")? {
        let daily = DailyTable::parse(&t)
            .map_err(|m| Error::Usage(format!("cannot report on {}: {m}", dir.display())))?
            .with_replications(reps);
        for (_, chart) in daily.charts(name)? {
            sections.push(ChartSection {
                title: "Daily series".into(),
                caption: format!(
                    "Each column of daily.csv per simulated day, the mean over {reps} replications, one panel each on its own axis; a series that is the same every day is named under the panels instead of drawn.{at}"
                ),
                file: "report-daily.svg".into(),
                svg: chart.svg,
            });
        }
    }
    let page = page::build(
        &source,
        &results,
        swept,
        &overrides,
        Detail::Files(sections),
        first_failure(&results)?,
    )?;
    let charts = write_page(dir, &page)?;
    Ok(Written {
        dir: dir.to_path_buf(),
        charts,
        notes: Vec::new(),
    })
}

/// The CSV `file` of the folder `dir`, parsed, if it is there.
fn read_table(dir: &Path, file: &str) -> Result<Option<Table>, Error> {
    let path = dir.join(file);
    if !path.exists() {
        return Ok(None);
    }
    let text = input::read_text(&path, "the result file", input::MAX_RESULT_BYTES)
        .map_err(|m| Error::Usage(format!("cannot report on {}: {m}", dir.display())))?;
    Table::parse(&text, &path.display().to_string(), "the CSV")
        .map(Some)
        .map_err(|m| Error::Usage(format!("cannot report on {}: {m}", dir.display())))
}

/// The first failure's timeline at the page's focus point, traced again from
/// the seed through the model's trace hook (what `racesim trace
/// --first-error` prints): deterministic, and cheap next to the run, so a
/// result folder need not store it and a report on a folder gives the same
/// timeline as the run's own report. It searches the replications the result
/// holds, in order; `None` when the model has no trace.
fn first_failure(results: &[PointResult]) -> Result<Option<FirstFailure>, Error> {
    let Some(p) = results.get(page::focus(results)) else {
        return Ok(None);
    };
    let sc = &p.scenario;
    let query = TraceQuery {
        scenario: &sc.name,
        seed: sc.seed,
        replications: u32::try_from(p.reps.len()).unwrap_or(u32::MAX),
        replication: None,
        user: None,
    };
    match sc.model.trace(&query) {
        Ok(TraceOutcome::Found { text, .. }) => Ok(Some(FirstFailure::Timeline {
            at: page::point_label(p),
            text,
        })),
        Ok(TraceOutcome::NotFound(why)) => {
            let prefix = format!("{}: ", sc.name);
            let why = why.strip_prefix(&prefix).unwrap_or(&why).to_string();
            Ok(Some(FirstFailure::None(why)))
        }
        Err(TraceError::Refused(_)) => Ok(None),
        Err(TraceError::Schedule(e)) => Err(Error::Simulation(e)),
    }
}
