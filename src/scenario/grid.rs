//! Sweep grids, counted before anything is built.
//!
//! A grid's size is the product of its axes' lengths, computed with checked
//! arithmetic (a grid of two 100000-step axes has 10^10 points: it is
//! counted, never built). Its points are validated one by one
//! ([`Grid::point`]); a run validates every point once, before the first
//! replication, once the guards have let the grid through
//! ([`crate::experiment::cost`] costs a large grid from each axis value on
//! its own, [`Grid::axis_point`], without building it).

use crate::model::Registry;

use super::{Override, Scenario, ScenarioError, Source, SweepAxis, load_point};

/// A sweep point: the swept (key, value) pairs and the scenario with them
/// applied, validated.
pub type Point = (Vec<(String, String)>, Scenario);

/// The sweep grid of a scenario.
#[derive(Debug, Clone)]
pub struct Grid<'a> {
    registry: &'a Registry,
    source: &'a Source,
    base: &'a Scenario,
    axes: Vec<SweepAxis>,
    overrides: Vec<Override>,
    /// The axes are the file's `[sweep]` (not `--vary`).
    in_file: bool,
}

impl<'a> Grid<'a> {
    /// The grid of `base` (loaded from `source` under `overrides`): the
    /// axes of its `[sweep]`, or `vary` instead (`sweep --vary`).
    pub fn new(
        registry: &'a Registry,
        source: &'a Source,
        base: &'a Scenario,
        overrides: &[Override],
        vary: Option<Vec<SweepAxis>>,
    ) -> Self {
        let in_file = vary.is_none();
        Grid {
            registry,
            source,
            base,
            axes: vary.unwrap_or_else(|| base.sweep.clone()),
            overrides: overrides.to_vec(),
            in_file,
        }
    }

    /// The scenario without the sweep's values.
    pub fn base(&self) -> &Scenario {
        self.base
    }

    /// The axes.
    pub fn axes(&self) -> &[SweepAxis] {
        &self.axes
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

    /// Point `i` (the first axis varies slowest), validated.
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
        let sc = load_point(
            self.registry,
            self.source,
            &ovs,
            &self.overrides,
            self.in_file,
        )?;
        Ok((params, sc))
    }

    /// Every point, validated once each, in order; the first bad one is the
    /// error. For a grid the guards let through (its size is counted first).
    pub fn points(&self) -> Result<Vec<Point>, ScenarioError> {
        let n = self.len().unwrap_or(u64::MAX);
        (0..n).map(|i| self.point(i)).collect()
    }

    /// The scenario with value `i` of axis `axis` alone applied (the other
    /// axes at the file's values): not a point of the grid, a probe of what
    /// that value costs.
    pub fn axis_point(&self, axis: usize, i: usize) -> Result<Scenario, ScenarioError> {
        let a = &self.axes[axis];
        let point = [Override {
            path: a.path.clone(),
            value: a.values[i].clone(),
        }];
        load_point(
            self.registry,
            self.source,
            &point,
            &self.overrides,
            self.in_file,
        )
    }
}
