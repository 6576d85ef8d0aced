//! Tables a model adds to a run's outputs beside `summary.csv` (the
//! checkout model's `margin.csv`, the terminal model's `volume.csv`): built
//! from the results in memory for a run, parsed from the file by `plot`,
//! charted by the same code either way, and summed over shards by `merge`.

use super::{Model, RepOutput};
use crate::charts::{ChartError, NamedChart};

/// One point of a run as a model sees it: its swept values, its
/// replications, and its validated model.
#[derive(Clone, Copy)]
pub struct PointView<'a> {
    /// The swept keys and their values (empty without a sweep).
    pub params: &'a [(String, String)],
    /// The replications, as (index, output), in index order.
    pub reps: &'a [(u64, RepOutput)],
    /// The point's model.
    pub model: &'a dyn Model,
}

/// A table of a run: its file, its text and its charts.
pub trait ModelTable {
    /// The file name (`margin.csv`).
    fn file(&self) -> &'static str;
    /// The CSV text: `point`, the swept keys, then the table's columns.
    fn csv(&self) -> String;
    /// Its charts, titled after `title` (the scenario's name).
    fn charts(&self, title: &str) -> Result<Vec<NamedChart>, ChartError>;
}

/// How `merge` adds up one kind of table from several shards: rows with the
/// same key (every column up to `key_end`) are added column by column,
/// except the columns `kept` says are functions of the key (copied); rows
/// are ordered by point, then `order_by`.
#[derive(Debug, Clone, Copy)]
pub struct TableShape {
    /// The last column of a row's key (`day`, `high_s`).
    pub key_end: &'static str,
    /// The column rows are ordered by after the point; the first numeric
    /// column (the swept values before it are text).
    pub order_by: &'static str,
    /// Columns copied from the first shard, not added.
    pub kept: fn(&str) -> bool,
    /// Columns that may be negative.
    pub signed: fn(&str) -> bool,
}

/// A kind of table: how to recognise, read and add up its file.
pub trait TableKind: Send + Sync {
    /// The file name (`margin.csv`).
    fn file(&self) -> &'static str;
    /// True when a CSV header is this kind's.
    fn recognizes(&self, header: &[String]) -> bool;
    /// How shards' tables add up.
    fn shape(&self) -> TableShape;
    /// Reads the table (every row checked: numbers where numbers go).
    fn parse(&self, table: &crate::input::Table) -> Result<Box<dyn ModelTable>, String>;
}
