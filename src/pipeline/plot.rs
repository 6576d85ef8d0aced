//! `racesim plot FILE...` as a library function: redraws the charts of a
//! racesim CSV (summary, daily, a model's table, or a check history)
//! through the same typed tables a run draws them from. A `daily.csv` in a
//! result folder is drawn as `run` draws it, the mean per replication (the
//! count is read from the folder's `summary.json`); alone, as its sums.

use std::path::{Path, PathBuf};

use crate::Error;
use crate::input;
use crate::model::Registry;
use crate::report::plot::{self, PlotError};

use super::outputs;

/// Draws the charts of the CSV at `file` into `out` (default: beside it),
/// titled after the folder the file is in (a run's folder is named after
/// its scenario); returns the files written (none: nothing to draw).
pub fn plot(registry: &Registry, file: &Path, out: Option<&Path>) -> Result<Vec<PathBuf>, Error> {
    let text = input::read_text(file, "the CSV", input::MAX_RESULT_BYTES).map_err(Error::Usage)?;
    let dir = match out {
        Some(d) => d.to_path_buf(),
        None => file
            .parent()
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(".")),
    };
    let title = file
        .parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "racesim".into());
    let name = file.display().to_string();
    let replications = file.parent().and_then(replications_beside);
    let charts =
        plot::charts(registry, &title, &text, &name, replications).map_err(|e| match e {
            PlotError::Chart(c) => Error::Chart(c),
            e @ PlotError::Unknown { .. } => Error::Usage(format!("{name}: {e}")),
            e @ PlotError::Csv(_) => Error::Usage(e.to_string()),
        })?;
    outputs::write_charts(&dir, charts)
}

/// The replications of the result folder `dir`, from its `summary.json`
/// (`replications_run`, else `replications`), if it is there and says: a
/// `daily.csv` holds sums over them, and `plot` draws the means `run` drew.
fn replications_beside(dir: &Path) -> Option<usize> {
    let path = dir.join("summary.json");
    let text = input::read_text(&path, "the result file", input::MAX_RESULT_BYTES).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    ["replications_run", "replications"]
        .iter()
        .find_map(|k| json.get(k)?.as_u64())
        .and_then(|n| usize::try_from(n).ok())
        .filter(|n| *n > 0)
}
