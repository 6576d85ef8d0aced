//! What a sweep costs per replication, for the guards (`--max-events`,
//! `--max-memory`), from the validated scenarios: exactly (every point) up
//! to [`EXACT_COST_POINTS`] points, and beyond that from each axis value
//! loaded on its own, assuming the axes' effects multiply (an upper
//! estimate when they do not), so a large grid is costed without being
//! built.

use crate::model::Work;
use crate::scenario::ScenarioError;
use crate::scenario::grid::{Grid, Point};

/// Grids of at most this many points are built (every point validated)
/// and costed point by point.
pub const EXACT_COST_POINTS: u64 = 4096;

/// Axes with at most this many values have every value loaded when costing
/// a large grid; longer ones at their ends and middle.
const AXIS_ALL_VALUES: usize = 64;

/// What a grid's points cost, per replication.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridCost {
    /// The points.
    pub points: u64,
    /// The sum over points of one replication's work.
    pub total: Work,
    /// The largest memory one replication of any point holds, in bytes.
    pub peak_held_bytes: f64,
    /// True when every point was costed (else the axes were, on their own).
    pub exact: bool,
}

/// The exact cost of validated `points` (one replication of each).
pub fn cost_of(points: &[Point]) -> GridCost {
    let mut total = Work::default();
    let mut peak = 0.0f64;
    for (_, sc) in points {
        let w = sc.work();
        add(&mut total, &w);
        peak = peak.max(w.held_bytes());
    }
    GridCost {
        points: points.len() as u64,
        total,
        peak_held_bytes: peak,
        exact: true,
    }
}

/// An upper estimate of the cost of one replication of every point of a
/// grid too large to build before the guards have seen it: each axis value
/// is loaded on its own (see the module documentation); loading one may
/// fail, which is the error.
pub fn approximate(grid: &Grid<'_>) -> Result<GridCost, ScenarioError> {
    let points = grid.len().unwrap_or(u64::MAX);
    let base = grid.base().work();
    let mut scale = [1.0f64; 4];
    let mut peak = base.held_bytes();
    for (ai, a) in grid.axes().iter().enumerate() {
        let n = a.values.len();
        let picks: Vec<usize> = if n <= AXIS_ALL_VALUES {
            (0..n).collect()
        } else {
            vec![0, n / 2, n - 1]
        };
        let mut most = [0.0f64; 4];
        for i in picks {
            let w = grid.axis_point(ai, i)?.work();
            for (m, (v, b)) in most.iter_mut().zip(parts(&w).into_iter().zip(parts(&base))) {
                *m = m.max(if b > 0.0 { v / b } else { v.max(1.0) });
            }
            peak = peak.max(w.held_bytes());
        }
        for (s, m) in scale.iter_mut().zip(most) {
            *s *= m.max(1.0);
        }
    }
    let n = points as f64;
    let [u, p, c, h] = parts(&base);
    let total = Work {
        units: n * (if u > 0.0 { u } else { 1.0 }) * scale[0],
        unit: base.unit,
        polls: n * p * scale[1],
        clock_steps: n * c * scale[2],
        held: h * scale[3],
        bytes_per_held: base.bytes_per_held,
    };
    Ok(GridCost {
        points,
        total,
        peak_held_bytes: peak.max(total.held_bytes()),
        exact: false,
    })
}

fn parts(w: &Work) -> [f64; 4] {
    [w.units, w.polls, w.clock_steps, w.held]
}

fn add(total: &mut Work, w: &Work) {
    total.units += w.units;
    total.unit = w.unit;
    total.polls += w.polls;
    total.clock_steps += w.clock_steps;
    total.held = total.held.max(w.held);
    total.bytes_per_held = w.bytes_per_held;
}
