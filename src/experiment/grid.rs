//! Sweep grids, counted and costed before anything is built.
//!
//! A grid's size is the product of its axes' lengths, computed with checked
//! arithmetic (a grid of two 100000-step axes has 10^10 points: it is
//! counted, never built). Its points are loaded one at a time
//! ([`Grid::point`]), so a run holds one point's scenario at a time beside
//! the results. [`Grid::cost`] estimates the work of every point from the
//! validated scenarios: exactly (each point loaded) up to [`EXACT_COST_POINTS`]
//! points, and beyond that from each axis value loaded on its own, assuming
//! the axes' effects multiply (an upper estimate when they do not).

use crate::models::Work;
use crate::scenario::{self, Override, Scenario, ScenarioError, Source, SweepAxis};

use super::{Plan, Point};

/// Grids of at most this many points are costed point by point.
pub const EXACT_COST_POINTS: u64 = 4096;

/// Axes with at most this many values have every value loaded when costing
/// a large grid; longer ones at their ends and middle.
const AXIS_ALL_VALUES: usize = 64;

/// The sweep grid of a scenario under a [`Plan`].
#[derive(Debug, Clone)]
pub struct Grid<'a> {
    source: &'a Source,
    base: &'a Scenario,
    axes: Vec<SweepAxis>,
    overrides: Vec<Override>,
    /// The axes are the file's `[sweep]` (not `--vary`).
    in_file: bool,
}

/// What a grid's points cost, per replication.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridCost {
    /// The points.
    pub points: u64,
    /// The sum over points of one replication's work.
    pub total: Work,
    /// The largest memory one replication of any point holds, in bytes.
    pub peak_held_bytes: f64,
    /// True when every point was loaded (else the axes were, on their own).
    pub exact: bool,
}

impl<'a> Grid<'a> {
    /// The grid of `base` (loaded from `source`) under `plan`.
    pub fn new(source: &'a Source, base: &'a Scenario, plan: &Plan) -> Self {
        let axes = match (&plan.vary, plan.no_sweep) {
            (_, true) => Vec::new(),
            (Some(v), false) => v.clone(),
            (None, false) => base.sweep.clone(),
        };
        Grid {
            source,
            base,
            axes,
            overrides: plan.overrides.clone(),
            in_file: plan.vary.is_none(),
        }
    }

    /// True when the grid sweeps at least one key.
    pub fn is_swept(&self) -> bool {
        !self.axes.is_empty()
    }

    /// The number of points, or `None` beyond `u64::MAX`.
    pub fn len(&self) -> Option<u64> {
        self.axes
            .iter()
            .try_fold(1u64, |n, a| n.checked_mul(a.values.len() as u64))
    }

    /// True when the grid has no point (an axis without values).
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// Point `i` (the first axis varies slowest), loaded and validated.
    pub fn point(&self, i: u64) -> Result<Point, ScenarioError> {
        if self.axes.is_empty() {
            return Ok((Vec::new(), self.base.clone()));
        }
        let mut rest = i;
        let mut choice = vec![0usize; self.axes.len()];
        for (j, a) in self.axes.iter().enumerate().rev() {
            let n = a.values.len() as u64;
            choice[j] = (rest % n) as usize;
            rest /= n;
        }
        let mut ovs = Vec::with_capacity(self.axes.len());
        let mut params = Vec::with_capacity(self.axes.len());
        for (a, &c) in self.axes.iter().zip(&choice) {
            ovs.push(Override {
                path: a.path.clone(),
                value: a.values[c].clone(),
            });
            params.push((a.path.clone(), a.values[c].trim_matches('"').to_string()));
        }
        // command-line overrides win over sweep values for the same key
        let sc = scenario::load_point(self.source, &ovs, &self.overrides, self.in_file)?;
        Ok((params, sc))
    }

    /// Every point, loaded (for grids known to be small).
    pub fn points(&self) -> Result<Vec<Point>, ScenarioError> {
        let n = self.len().unwrap_or(u64::MAX);
        (0..n).map(|i| self.point(i)).collect()
    }

    /// The work of one replication of every point (see the module
    /// documentation); loading a point may fail, which is the error.
    pub fn cost(&self) -> Result<GridCost, ScenarioError> {
        let points = self.len().unwrap_or(u64::MAX);
        if points <= EXACT_COST_POINTS {
            return Ok(cost_of(&self.points()?));
        }
        let base = self.base.work();
        let mut scale = [1.0f64; 4];
        let mut peak = base.held_bytes();
        for a in &self.axes {
            let n = a.values.len();
            let picks: Vec<usize> = if n <= AXIS_ALL_VALUES {
                (0..n).collect()
            } else {
                vec![0, n / 2, n - 1]
            };
            let mut most = [0.0f64; 4];
            for i in picks {
                let point = [Override {
                    path: a.path.clone(),
                    value: a.values[i].clone(),
                }];
                let w = scenario::load_point(self.source, &point, &self.overrides, self.in_file)?
                    .work();
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
}

/// The exact cost of loaded `points` (one replication of each).
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
