//! False reversals against daily volume: per replication, terminal-days,
//! purchases and false reversals binned by the terminal-day's purchase count
//! N (`volume.csv` and its chart).
//!
//! Bins are fixed-width in N: the width is `(R + 1) / 40` (at least 1) for a
//! counter range R, so 25 for 3 digits (R = 999), 250 for 4, 2 for 2 and 1
//! for 1 digit. `R + 1` is then always a bin edge: every bin lies wholly at
//! or below the range (no counter value repeats) or wholly above it, where the
//! back-of-envelope `max(0, N - R) * q` is linear in N. There are
//! `2 (R + 1) / width` bounded bins (80 for 3 digits: N from 0 to 1999, the
//! region where the closed form counts pairs exactly) and one open bin for
//! N >= 2 (R + 1). The shipped cinnamon scenarios (N from about 100 to 1450)
//! fill about 55 bins. The bin layout depends on the counter width only, so
//! replications, shards and sweep points with the same width add up bin by
//! bin.
//!
//! Per replication the bins travel in [`crate::model::RepOutput::histogram`]
//! as four words per bin: terminal-days, purchases, and the false reversals
//! as a [`Fixed`] sum (whole part, then the fraction in units of 2^-64), so the
//! conditional estimator's expected values add up exactly, whatever the order.

use super::closed_form;
use super::config::{MatchSet, TerminalConfig};
use super::tally::{Fixed, Tally};
use super::values::{Overflow, Scope};

/// Bins up to the counter's range (and as many again up to twice it).
const BINS_PER_RANGE: u32 = 40;
/// Words per bin in the histogram encoding.
const WORDS: usize = 4;

/// The bin layout of a counter range: fixed width, bounded bins, one open bin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VolumeLayout {
    /// Width of a bounded bin, in purchases.
    pub width: u32,
    /// Bounded bins; bin `bounded` is open (N >= bounded * width).
    pub bounded: u32,
}

impl VolumeLayout {
    /// The layout for counter range `range` (999 for 3 digits).
    pub fn new(range: u32) -> Self {
        let top = u64::from(range) + 1;
        let width = (top / u64::from(BINS_PER_RANGE)).max(1);
        let bounded = (2 * top).div_ceil(width);
        VolumeLayout {
            width: width as u32,
            bounded: bounded.min(u64::from(u32::MAX - 1)) as u32,
        }
    }
    /// Number of bins, the open one included.
    pub fn bins(self) -> usize {
        self.bounded as usize + 1
    }
    /// The bin of a terminal-day of `n` purchases.
    pub fn bin(self, n: u64) -> usize {
        (n / u64::from(self.width)).min(u64::from(self.bounded)) as usize
    }
    /// Inclusive bounds of bin `b` in purchases (`None` above: open).
    pub fn bounds(self, b: usize) -> (u64, Option<u64>) {
        let w = u64::from(self.width);
        let low = b as u64 * w;
        if b as u64 >= u64::from(self.bounded) {
            (low, None)
        } else {
            (low, Some(low + w - 1))
        }
    }
}

/// One bin's totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct BinTally {
    terminal_days: u64,
    transactions: u64,
    false_reversals: Fixed,
}

/// The bins of one replication (or a sum of them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct VolumeTally {
    layout: VolumeLayout,
    bins: Vec<BinTally>,
}

impl VolumeTally {
    pub(super) fn new(range: u32) -> Self {
        let layout = VolumeLayout::new(range);
        VolumeTally {
            layout,
            bins: vec![BinTally::default(); layout.bins()],
        }
    }

    /// Counts a played (or counted) terminal-day.
    pub(super) fn add(&mut self, day: &Tally) {
        let b = &mut self.bins[self.layout.bin(day.transactions)];
        b.terminal_days += day.terminal_days;
        b.transactions += day.transactions;
        b.false_reversals.merge(day.false_reversals);
    }

    /// The histogram encoding (four words per bin).
    pub(super) fn words(&self) -> Vec<u64> {
        let mut out = Vec::with_capacity(self.bins.len() * WORDS);
        for b in &self.bins {
            let bits = b.false_reversals.to_bits();
            out.extend([
                b.terminal_days,
                b.transactions,
                (bits >> 64) as u64,
                bits as u64,
            ]);
        }
        out
    }
}

/// One bin of `volume.csv`, summed over replications.
#[derive(Debug, Clone, PartialEq)]
pub struct VolumeBin {
    /// Smallest purchase count of the bin.
    pub low: u64,
    /// Largest purchase count of the bin (`None`: open above).
    pub high: Option<u64>,
    /// Terminal-days with a count in the bin.
    pub terminal_days: u64,
    /// Their purchases.
    pub transactions: u64,
    /// Their false reversals (expected values with the conditional estimator).
    pub false_reversals: f64,
    /// Back-of-envelope false reversals per terminal-day for a count drawn
    /// uniformly from the bin, where the closed form covers the processor's
    /// rule (see [`volume_estimate`]).
    pub closed_form: Option<f64>,
}

/// Sums the volume bins of several replications (their
/// [`crate::model::RepOutput::histogram`]s) exactly and returns the bins
/// that hold at least one terminal-day, in order of N. Histograms of another
/// length (another model, or none) are skipped.
pub fn volume_bins(cfg: &TerminalConfig, histograms: &[&[u64]]) -> Vec<VolumeBin> {
    let layout = VolumeLayout::new(cfg.range);
    let n = layout.bins();
    let mut sums = vec![(0u64, 0u64, 0u128); n];
    for h in histograms.iter().filter(|h| h.len() == n * WORDS) {
        for (s, w) in sums.iter_mut().zip(h.chunks_exact(WORDS)) {
            s.0 += w[0];
            s.1 += w[1];
            s.2 += (u128::from(w[2]) << 64) | u128::from(w[3]);
        }
    }
    let q = pair_q(cfg);
    sums.iter()
        .enumerate()
        .filter(|(_, s)| s.0 > 0)
        .map(|(b, s)| {
            let (low, high) = layout.bounds(b);
            VolumeBin {
                low,
                high,
                terminal_days: s.0,
                transactions: s.1,
                false_reversals: Fixed::from_bits(s.2).to_f64(),
                closed_form: q.and_then(|q| mean_excess(cfg.range, low, high?).map(|e| e * q)),
            }
        })
        .collect()
}

/// The back-of-envelope false reversals per terminal-day for counts in
/// `low..=high`: the mean of `max(0, N - R)` over those counts times `q`
/// (exact for N <= 2R), or `None` where the closed form
/// does not cover the processor's rule (key other than counter + card +
/// amount, or a window scope) or the bin is open.
pub fn volume_estimate(cfg: &TerminalConfig, low: u64, high: Option<u64>) -> Option<f64> {
    Some(pair_q(cfg)? * mean_excess(cfg.range, low, high?)?)
}

/// `q` as the processor's scope sees the same-counter pairs: all of them
/// for a day scope (or a batch under rollover), none for a batch under
/// `new_batch`; `None` where the closed form does not apply.
fn pair_q(cfg: &TerminalConfig) -> Option<f64> {
    if cfg.dedup_match != MatchSet::ALL {
        return None;
    }
    match cfg.dedup_scope {
        Scope::Window(_) => None,
        Scope::Batch if cfg.overflow == Overflow::NewBatch => Some(0.0),
        Scope::Batch | Scope::Day => Some(closed_form::pair_probabilities(cfg).0),
    }
}

/// The mean of `max(0, N - r)` over `N` in `low..=high`.
fn mean_excess(r: u32, low: u64, high: u64) -> Option<f64> {
    if high < low {
        return None;
    }
    let r = u64::from(r);
    let from = low.max(r + 1);
    let sum = if from > high {
        0.0
    } else {
        // (from - r) + ... + (high - r)
        let (a, b) = ((from - r) as f64, (high - r) as f64);
        (a + b) * (b - a + 1.0) / 2.0
    };
    Some(sum / (high - low + 1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_put_the_range_on_an_edge() {
        for (digits, width, bounded) in
            [(1u32, 1u32, 20u32), (2, 2, 100), (3, 25, 80), (4, 250, 80)]
        {
            let range = 10u32.pow(digits) - 1;
            let l = VolumeLayout::new(range);
            assert_eq!((l.width, l.bounded), (width, bounded), "{digits} digits");
            assert_eq!((u64::from(range) + 1) % u64::from(l.width), 0);
            assert_eq!(l.bin(u64::from(range)) + 1, l.bin(u64::from(range) + 1));
            assert_eq!(l.bin(u64::MAX), l.bounded as usize);
        }
        let l = VolumeLayout::new(999);
        assert_eq!(l.bounds(0), (0, Some(24)));
        assert_eq!(l.bounds(40), (1000, Some(1024)));
        assert_eq!(l.bounds(80), (2000, None));
        assert_eq!(VolumeLayout::new(999_999_999).bins(), 81);
    }

    #[test]
    fn mean_excess_is_the_closed_form_over_the_bin() {
        assert_eq!(mean_excess(999, 975, 999), Some(0.0));
        // 1..=25 over 25 counts
        assert_eq!(mean_excess(999, 1000, 1024), Some(13.0));
        assert_eq!(mean_excess(9, 8, 11), Some((0.0 + 0.0 + 1.0 + 2.0) / 4.0));
        assert_eq!(mean_excess(9, 3, 2), None);
    }

    #[test]
    fn words_round_trip_with_fractions() {
        let mut v = VolumeTally::new(999);
        let mut day = Tally {
            transactions: 1010,
            terminal_days: 1,
            ..Tally::default()
        };
        day.false_reversals = Fixed::from_bits((3u128 << 64) | (1u128 << 63));
        v.add(&day);
        v.add(&day);
        day.transactions = 10;
        day.false_reversals = Fixed::default();
        v.add(&day);
        let w = v.words();
        assert_eq!(w.len(), 81 * 4);
        let bins = volume_bins_for_range(999, &[&w, &w]);
        assert_eq!(
            bins,
            vec![(0, Some(24), 2, 20, 0.0), (1000, Some(1024), 4, 4040, 14.0)]
        );
    }

    /// [`volume_bins`] without a configuration (no estimate).
    fn volume_bins_for_range(range: u32, h: &[&[u64]]) -> Vec<(u64, Option<u64>, u64, u64, f64)> {
        let layout = VolumeLayout::new(range);
        let mut out = Vec::new();
        for b in 0..layout.bins() {
            let (mut d, mut t, mut f) = (0, 0, 0u128);
            for x in h {
                d += x[b * WORDS];
                t += x[b * WORDS + 1];
                f += (u128::from(x[b * WORDS + 2]) << 64) | u128::from(x[b * WORDS + 3]);
            }
            if d > 0 {
                let (lo, hi) = layout.bounds(b);
                out.push((lo, hi, d, t, Fixed::from_bits(f).to_f64()));
            }
        }
        out
    }
}
