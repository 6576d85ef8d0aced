//! Shard files: `replications.csv` opens with one metadata line,
//! `# racesim {json}`, that says what produced it (scenario name, file and the
//! hash of its text, every point's overrides, seed, replications, estimator,
//! generator, version and shard `K/N`). `merge` checks that shards belong
//! together and recomputes everything from the rows, in replication order, so
//! the merged result is byte-identical to a single run.

use serde::{Deserialize, Serialize};

use crate::engine::GENERATOR;
use crate::engine::rng::fnv1a;
use crate::experiment::PointResult;

/// The prefix of the metadata line.
pub const META_PREFIX: &str = "# racesim ";

/// What produced a replications file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardMeta {
    /// Scenario name.
    pub scenario: String,
    /// Scenario file as given on the command line.
    pub file: String,
    /// FNV-1a hash of the scenario file's text, hex.
    pub hash: String,
    /// Overrides of each point (`PATH=VALUE`), in point order.
    pub points: Vec<Vec<String>>,
    /// The swept (key, value) pairs of each point, as reports show them.
    pub params: Vec<Vec<(String, String)>>,
    /// Scenario seed.
    pub seed: u64,
    /// Replications of the whole study.
    pub replications: u32,
    /// Estimator.
    pub estimator: String,
    /// Generator name.
    pub generator: String,
    /// racesim version.
    pub version: String,
    /// `(K, N)`: shard K of N, or `None` for a whole run.
    pub shard: Option<(u64, u64)>,
    /// Set when `--time-limit` stopped the run early: what finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial: Option<String>,
    /// `"terminals"` when the shard ran its part of the fleet in every
    /// replication (more shards than replications, terminal model); its
    /// exact sums are in [`PARTS_FILE`] beside the replications file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<String>,
    /// `fnv1a64:HEX`, the FNV-1a 64 hash of every byte after the metadata
    /// line (the header and the rows): `merge` recomputes it and refuses a
    /// file whose rows were edited. It detects edits, not forgery: anyone
    /// can recompute it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
}

/// The checksum of the rows of a replications file (every byte after the
/// metadata line), as [`ShardMeta::checksum`] holds it.
pub fn rows_checksum(rows: &str) -> String {
    format!("fnv1a64:{:016x}", fnv1a(rows))
}

/// The file of exact sums a terminal-split shard writes.
pub const PARTS_FILE: &str = "parts.csv";

/// `parts.csv`: per point and replication, the exact sums of the shard's
/// part (fixed-point integers, see [`crate::model::ExactSums`]): one row
/// with an empty `day` for the whole horizon, then one per day.
pub fn parts_csv(points: &[PointResult]) -> String {
    let mut out = String::new();
    let Some(first) = points.first() else {
        return out;
    };
    out.push_str("point,replication,day,events");
    for c in first.scenario.model.columns() {
        out.push(',');
        out.push_str(&c.name);
    }
    out.push('\n');
    let row = |out: &mut String, head: String, raw: &[u128]| {
        out.push_str(&head);
        for v in raw {
            out.push(',');
            out.push_str(&v.to_string());
        }
        out.push('\n');
    };
    for (pi, p) in points.iter().enumerate() {
        for (i, r) in &p.reps {
            let Some(ex) = &r.exact else { continue };
            row(&mut out, format!("{pi},{i},,{}", r.events), &ex.total);
            for (d, raw) in ex.daily.iter().enumerate() {
                row(&mut out, format!("{pi},{i},{d},0"), raw);
            }
        }
    }
    out
}

/// The exact sums of one shard's `parts.csv`, keyed by (point, replication):
/// the events and the sums.
pub type Parts = std::collections::BTreeMap<(usize, u64), (u64, crate::model::ExactSums)>;

/// Parses a `parts.csv`.
pub fn parse_parts(text: &str) -> Result<Parts, String> {
    let mut parts = Parts::new();
    let mut lines = text.lines();
    let header = lines.next().ok_or("empty file")?;
    let ncols = header.split(',').count();
    for (i, line) in lines.enumerate() {
        let lno = i + 2;
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != ncols || ncols < 4 {
            return Err(format!("line {lno}: {} fields, expected {ncols}", f.len()));
        }
        let bad = |what: &str| format!("line {lno}: bad {what}");
        let point: usize = f[0].parse().map_err(|_| bad("point"))?;
        let rep: u64 = f[1].parse().map_err(|_| bad("replication"))?;
        let events: u64 = f[3].parse().map_err(|_| bad("events"))?;
        let raw = f[4..]
            .iter()
            .map(|v| v.parse::<u128>().map_err(|_| bad("sum")))
            .collect::<Result<Vec<u128>, _>>()?;
        let entry = parts.entry((point, rep)).or_default();
        if f[2].is_empty() {
            if !entry.1.total.is_empty() {
                return Err(format!("line {lno}: replication {rep} given twice"));
            }
            entry.0 = events;
            entry.1.total = raw;
        } else {
            let day: usize = f[2].parse().map_err(|_| bad("day"))?;
            if day != entry.1.daily.len() {
                return Err(format!("line {lno}: day {day} out of order"));
            }
            entry.1.daily.push(raw);
        }
    }
    Ok(parts)
}

/// Adds `b` into `a` (exact; `None` on overflow or mismatched shapes).
pub fn add_parts(a: &mut crate::model::ExactSums, b: &crate::model::ExactSums) -> Option<()> {
    fn add(x: &mut Vec<u128>, y: &[u128]) -> Option<()> {
        if x.is_empty() {
            x.extend_from_slice(y);
            return Some(());
        }
        if x.len() != y.len() {
            return None;
        }
        for (u, v) in x.iter_mut().zip(y) {
            *u = u.checked_add(*v)?;
        }
        Some(())
    }
    add(&mut a.total, &b.total)?;
    if a.daily.is_empty() {
        a.daily = b.daily.clone();
    } else if a.daily.len() != b.daily.len() {
        return None;
    } else {
        for (x, y) in a.daily.iter_mut().zip(&b.daily) {
            add(x, y)?;
        }
    }
    Some(())
}

/// Hash of a scenario file's text.
pub fn text_hash(text: &str) -> String {
    format!("{:016x}", fnv1a(text))
}

/// The metadata of a run of `points` from a file whose text hashes to `hash`.
pub fn meta(points: &[PointResult], hash: &str, shard: Option<(u64, u64)>) -> ShardMeta {
    let sc = &points[0].scenario;
    ShardMeta {
        scenario: sc.name.clone(),
        file: sc.file.display().to_string(),
        hash: hash.to_string(),
        points: points
            .iter()
            .map(|p| p.scenario.overrides.iter().map(|o| o.to_string()).collect())
            .collect(),
        params: points.iter().map(|p| p.params.clone()).collect(),
        seed: sc.seed,
        replications: sc.replications,
        estimator: sc.estimator.name().to_string(),
        generator: GENERATOR.to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        shard,
        partial: None,
        split: None,
        checksum: None,
    }
}

/// The metadata line (with its newline).
pub fn meta_line(m: &ShardMeta) -> String {
    format!(
        "{META_PREFIX}{}\n",
        serde_json::to_string(m).unwrap_or_default()
    )
}

/// One row of a replications file.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The line of the file it is on.
    pub line: u64,
    /// Point index.
    pub point: usize,
    /// Replication index.
    pub replication: u64,
    /// The model's raw columns.
    pub values: Vec<f64>,
    /// Engine events.
    pub events: u64,
}

/// Parses a replications file (`name` in messages): its metadata, header
/// and rows. Refuses a file whose rows do not match the checksum of its
/// metadata line, a row with a missing or extra field, and a cell that is
/// not a number; the values' meaning is checked by the caller, which knows
/// the model ([`crate::model::check_row`]).
pub fn parse(text: &str, name: &str) -> Result<(ShardMeta, Vec<String>, Vec<Row>), String> {
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    let json = first.strip_prefix(META_PREFIX).ok_or_else(|| {
        format!("{name}: no `# racesim` metadata line: not a replications.csv written by racesim")
    })?;
    let meta: ShardMeta =
        serde_json::from_str(json).map_err(|e| format!("{name}: unreadable metadata line: {e}"))?;
    match &meta.checksum {
        None => {
            return Err(format!(
                "{name}: its metadata line has no checksum of the rows: written by an older \
                 racesim, or edited; run the shard again"
            ));
        }
        Some(c) if *c != rows_checksum(rest) => {
            return Err(format!(
                "{name}: its rows do not match the checksum in its metadata line: the file was \
                 edited or damaged after racesim wrote it; run the shard again"
            ));
        }
        Some(_) => {}
    }
    let table = crate::input::Table::parse_at(rest, name, "the replications file", 2)?;
    let header = table.header.clone();
    let rep_col = table
        .column("replication")
        .ok_or_else(|| format!("{name}: no `replication` column"))?;
    let n = header.len();
    if n < rep_col + 2 || header.last().map(String::as_str) != Some("events") {
        return Err(format!(
            "{name}: the header does not end with the model's columns and `events`"
        ));
    }
    let mut rows = Vec::with_capacity(table.rows.len());
    for (r, (line, cells)) in table.rows.iter().enumerate() {
        let line = *line;
        let whole = |j: usize| -> Result<u64, String> {
            cells[j].trim().parse::<u64>().map_err(|_| {
                format!(
                    "{name}: line {line}, column `{}`: `{}` is not a whole number",
                    header[j],
                    crate::input::shorten(&cells[j])
                )
            })
        };
        let point = whole(0)? as usize;
        let replication = whole(rep_col)?;
        let events = whole(n - 1)?;
        let values = (rep_col + 1..n - 1)
            .map(|j| table.number(r, j))
            .collect::<Result<Vec<_>, _>>()?;
        rows.push(Row {
            line,
            point,
            replication,
            values,
            events,
        });
    }
    Ok((meta, header, rows))
}
