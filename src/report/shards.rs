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
    /// Point index.
    pub point: usize,
    /// Replication index.
    pub replication: u64,
    /// The model's raw columns.
    pub values: Vec<f64>,
    /// Engine events.
    pub events: u64,
}

/// Parses a replications file: its metadata and rows. `ncols` is the number
/// of model columns (the rows' last `ncols + 1` fields are the values and
/// events).
pub fn parse(text: &str) -> Result<(ShardMeta, Vec<String>, Vec<Row>), String> {
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    let json = first
        .strip_prefix(META_PREFIX)
        .ok_or("no `# racesim` metadata line: not a replications.csv written by racesim")?;
    let meta: ShardMeta =
        serde_json::from_str(json).map_err(|e| format!("unreadable metadata line: {e}"))?;
    let mut r = csv::ReaderBuilder::new().from_reader(rest.as_bytes());
    let header: Vec<String> = r
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(str::to_string)
        .collect();
    let rep_col = header
        .iter()
        .position(|h| h == "replication")
        .ok_or("no `replication` column")?;
    let mut rows = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let line = i + 3;
        let rec = rec.map_err(|e| format!("line {line}: {e}"))?;
        let field = |j: usize| rec.get(j).unwrap_or("").trim().to_string();
        let bad = |what: &str| format!("line {line}: bad {what}");
        let point = field(0).parse().map_err(|_| bad("point"))?;
        let replication = field(rep_col).parse().map_err(|_| bad("replication"))?;
        let n = rec.len();
        let values = (rep_col + 1..n - 1)
            .map(|j| field(j).parse::<f64>().map_err(|_| bad(&header[j])))
            .collect::<Result<Vec<_>, _>>()?;
        let events = field(n - 1).parse().map_err(|_| bad("events"))?;
        rows.push(Row {
            point,
            replication,
            values,
            events,
        });
    }
    Ok((meta, header, rows))
}
