//! Axes: ranges that follow the data, and the one axis type behind every
//! chart (linear, symmetric-log or categories), which labels its own ticks.

use std::f64::consts::LN_10;
use std::ops::Range;

use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};

use super::*;

/// Smallest and largest finite value, if any.
pub(super) fn finite_extent(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// How an axis range follows its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fit {
    /// The data's extent, padded (x axes).
    Data,
    /// As `Data`, but the padding does not cross zero when the data does
    /// not: a rate axis does not invent negative rates.
    KeepSign,
    /// Always include zero: daily counts, and clock offsets, where zero is
    /// the ideal clock every offset is read against.
    FromZero,
}

/// The padded range of the finite `values`, `[0, 1]` if there are none.
pub(super) fn fit_range(values: impl IntoIterator<Item = f64>, fit: Fit) -> (f64, f64) {
    match finite_extent(values) {
        None => (0.0, 1.0),
        Some((lo, hi)) if fit == Fit::FromZero => pad(lo.min(0.0), hi.max(0.0), true),
        Some((lo, hi)) => pad(lo, hi, fit == Fit::KeepSign),
    }
}

/// Widens `[lo, hi]` by [`RANGE_PAD`] on each side (without crossing zero
/// when `keep_sign` and the data does not); gives a zero-width range a width
/// of its own: half the value either side, or one unit from zero.
fn pad(lo: f64, hi: f64, keep_sign: bool) -> (f64, f64) {
    let span = hi - lo;
    if !span.is_finite() {
        // Only reachable with values near f64::MAX: no room to pad.
        (lo, hi)
    } else if span > 1e-12 * lo.abs().max(hi.abs()) {
        let d = span * RANGE_PAD;
        let mut padded = (lo - d, hi + d);
        if keep_sign && lo >= 0.0 && padded.0 < 0.0 {
            padded.0 = 0.0;
        }
        if keep_sign && hi <= 0.0 && padded.1 > 0.0 {
            padded.1 = 0.0;
        }
        padded
    } else if lo != 0.0 {
        (lo - lo.abs() * 0.5, lo + lo.abs() * 0.5)
    } else if keep_sign {
        (0.0, 1.0)
    } else {
        (-1.0, 1.0)
    }
}

// ---- Axes ----

/// How an axis maps values to positions.
#[derive(Debug, Clone, Copy)]
pub(super) enum Scale {
    Linear,
    /// `sign(x)·log10(1 + |x|/unit)`: linear near zero, logarithmic beyond.
    SymLog {
        unit: f64,
    },
    /// `log10(x)`, for positive values only.
    Log,
}

impl Scale {
    pub(super) fn forward(self, x: f64) -> f64 {
        match self {
            Scale::Linear => x,
            Scale::SymLog { unit } => x.signum() * (x.abs() / unit).ln_1p() / LN_10,
            Scale::Log => x.log10(),
        }
    }

    pub(super) fn inverse(self, y: f64) -> f64 {
        match self {
            Scale::Linear => y,
            Scale::SymLog { unit } => y.signum() * unit * (y.abs() * LN_10).exp_m1(),
            Scale::Log => 10f64.powf(y),
        }
    }
}

/// One chart axis with its ticks and their labels decided up front, so
/// linear, symmetric-log and category axes all share one type and label
/// themselves (tick values print as "2.5e-6", not "0.00000").
#[derive(Debug, Clone)]
pub(super) struct Axis {
    lo: f64,
    hi: f64,
    scale: Scale,
    ticks: Vec<(f64, String)>,
}

impl Axis {
    /// A linear axis over `[lo, hi]` (`lo < hi`) with about
    /// [`LINEAR_TICKS`] ticks at multiples of 1, 2, 2.5 or 5 times a power of ten.
    pub(super) fn linear(lo: f64, hi: f64) -> Axis {
        let raw = (hi - lo) / LINEAR_TICKS;
        let mut ticks = Vec::new();
        if raw.is_finite() && raw > 0.0 {
            let magnitude = 10f64.powf(raw.log10().floor());
            let step = magnitude
                * [1.0, 2.0, 2.5, 5.0, 10.0]
                    .into_iter()
                    .find(|m| raw / magnitude <= m * (1.0 + 1e-9))
                    .unwrap_or(10.0);
            let first = (lo / step).ceil();
            let values: Vec<f64> = (0..=MAX_TICKS)
                .map(|i| (first + i as f64) * step)
                .take_while(|v| *v <= hi + step * 1e-9)
                .collect();
            let biggest = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let scientific = !(SCI_BELOW..SCI_FROM).contains(&biggest);
            ticks = values
                .into_iter()
                .map(|v| (v, fmt_tick(v, step, scientific)))
                .collect();
        }
        Axis {
            lo,
            hi,
            scale: Scale::Linear,
            ticks,
        }
    }

    /// A linear axis over the range of `values` as `fit` says.
    pub(super) fn fit(values: impl IntoIterator<Item = f64>, fit: Fit) -> Axis {
        let (lo, hi) = fit_range(values, fit);
        Axis::linear(lo, hi)
    }

    /// A symmetric-log axis over `[lo, hi]` (`lo < 0 < hi`) with ticks at
    /// zero and at ±`unit`·10^k, k ≥ 1 (±`unit` itself sits too close to
    /// zero to label).
    pub(super) fn symlog(lo: f64, hi: f64, unit: f64) -> Axis {
        let reach = lo.abs().max(hi);
        let decades = ((reach / unit).log10().floor() as i32).clamp(0, 300);
        let stride = if decades > SYMLOG_MAX_DECADES { 2 } else { 1 };
        let mut ticks = vec![(0.0, "0".to_string())];
        for k in (1..=decades).filter(|k| (decades - k) % stride == 0) {
            let v = unit * 10f64.powi(k);
            if v <= hi {
                ticks.push((v, fmt_tick(v, v, !(SCI_BELOW..SCI_FROM).contains(&v))));
            }
            if -v >= lo {
                ticks.push((-v, fmt_tick(-v, v, !(SCI_BELOW..SCI_FROM).contains(&v))));
            }
        }
        ticks.sort_by(|a, b| a.0.total_cmp(&b.0));
        Axis {
            lo,
            hi,
            scale: Scale::SymLog { unit },
            ticks,
        }
    }

    /// A logarithmic axis over `[lo, hi]` (`0 < lo < hi`) with a tick at each
    /// power of ten (every other one past 8 decades) and, over less than
    /// three decades, at 2 and 5 times each.
    pub(super) fn log(lo: f64, hi: f64) -> Axis {
        let (k0, k1) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
        let decades = k1 - k0;
        let stride = if decades > 8 { 2 } else { 1 };
        let steps: &[f64] = if decades < 3 {
            &[1.0, 2.0, 5.0]
        } else {
            &[1.0]
        };
        let mut ticks = Vec::new();
        for k in (k0..=k1).filter(|k| (k - k0) % stride == 0) {
            for m in steps {
                let v = m * 10f64.powi(k);
                if v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9) {
                    let sci = !(SCI_BELOW..SCI_FROM).contains(&v);
                    ticks.push((v, fmt_tick(v, v, sci)));
                }
            }
        }
        Axis {
            lo,
            hi,
            scale: Scale::Log,
            ticks,
        }
    }

    /// A logarithmic axis when the `values` (the lines) are all positive and
    /// span more than [`LOG_AXIS_SPAN`]; it covers the positive `extent`
    /// (values, interval bounds, limits), padded by 5% of its decades.
    pub(super) fn log_if_spread(values: &[f64], extent: &[f64]) -> Option<Axis> {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        if finite.is_empty() || finite.iter().any(|v| *v <= 0.0) {
            return None;
        }
        let (vlo, vhi) = finite_extent(finite)?;
        if vhi <= vlo * LOG_AXIS_SPAN {
            return None;
        }
        let (lo, hi) = finite_extent(extent.iter().copied().filter(|v| *v > 0.0))?;
        let (a, b) = (lo.log10(), hi.log10());
        let d = (b - a) * RANGE_PAD;
        Some(Axis::log(10f64.powf(a - d), 10f64.powf(b + d)))
    }

    /// The same range with about [`PANEL_Y_TICKS`] ticks (a small panel).
    pub(super) fn with_few_ticks(self) -> Axis {
        if !matches!(self.scale, Scale::Linear) || self.ticks.len() <= PANEL_Y_TICKS + 1 {
            return self;
        }
        let raw = (self.hi - self.lo) / PANEL_Y_TICKS as f64;
        let magnitude = 10f64.powf(raw.log10().floor());
        let step = magnitude
            * [1.0, 2.0, 2.5, 5.0, 10.0]
                .into_iter()
                .find(|m| raw / magnitude <= m * (1.0 + 1e-9))
                .unwrap_or(10.0);
        let first = (self.lo / step).ceil();
        let values: Vec<f64> = (0..=MAX_TICKS)
            .map(|i| (first + i as f64) * step)
            .take_while(|v| *v <= self.hi + step * 1e-9)
            .collect();
        let biggest = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let scientific = !(SCI_BELOW..SCI_FROM).contains(&biggest);
        Axis {
            ticks: values
                .into_iter()
                .map(|v| (v, fmt_tick(v, step, scientific)))
                .collect(),
            ..self
        }
    }

    /// The lower end of the axis.
    pub(super) fn lo(&self) -> f64 {
        self.lo
    }

    /// The upper end of the axis.
    pub(super) fn hi(&self) -> f64 {
        self.hi
    }

    /// A category axis: position `i` is `labels[i]`; every `stride`-th label
    /// is shown, counted back from the last.
    pub(super) fn categories(labels: &[String], stride: usize) -> Axis {
        let n = labels.len();
        let ticks = (0..n)
            .rev()
            .step_by(stride.max(1))
            .map(|i| (i as f64, shorten(&labels[i], LABEL_MAX_CHARS)))
            .rev()
            .collect();
        Axis {
            lo: -0.5,
            hi: n.max(1) as f64 - 0.5,
            scale: Scale::Linear,
            ticks,
        }
    }
}

impl Ranged for Axis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let a = self.scale.forward(self.lo);
        let b = self.scale.forward(self.hi);
        let f = (self.scale.forward(*value) - a) / (b - a);
        // Nothing is drawn outside the plot area: a value beyond the axis
        // (or NaN, or zero on a log axis) lands on its edge. Figures clip
        // what they know can go beyond (intervals cut at the top) before
        // this; the clamp is the guarantee.
        let f = if f.is_nan() { 0.0 } else { f.clamp(0.0, 1.0) };
        (f64::from(limit.0) + f * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        // Only major grid lines: a request that allows light points is the
        // minor grid, which these charts leave out.
        if hint.weight().allow_light_points() {
            return Vec::new();
        }
        let stride = self
            .ticks
            .len()
            .div_ceil(hint.max_num_points().max(1))
            .max(1);
        self.ticks.iter().step_by(stride).map(|t| t.0).collect()
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

impl ValueFormatter<f64> for Axis {
    fn format(value: &f64) -> String {
        fmt_tick(*value, value.abs(), false)
    }

    fn format_ext(&self, value: &f64) -> String {
        self.ticks
            .iter()
            .find(|t| t.0 == *value)
            .map(|t| t.1.clone())
            .unwrap_or_default()
    }
}

/// Formats a tick value with as many decimals as the step between ticks
/// needs, trailing zeros removed; in scientific notation ("2.5e-6") when
/// `scientific`.
fn fmt_tick(v: f64, step: f64, scientific: bool) -> String {
    let step = step.abs();
    if !v.is_finite() {
        return String::new();
    }
    if v == 0.0 || v.abs() < step * 1e-9 {
        return "0".into();
    }
    if scientific {
        let exp = (v.abs().log10() + 1e-9).floor() as i32;
        let scale = 10f64.powi(exp);
        let digits = decimals_for(step / scale).min(6);
        format!("{}e{exp}", trim_zeros(format!("{:.*}", digits, v / scale)))
    } else {
        trim_zeros(format!("{:.*}", decimals_for(step), v))
    }
}

/// Formats a fraction as a percentage with two significant digits below 10%
/// ("0.042%", "3.9%", "96%").
pub(super) fn fmt_percent(fraction: f64) -> String {
    let p = fraction * 100.0;
    if p == 0.0 || p >= 10.0 {
        format!("{p:.0}%")
    } else {
        let decimals = (1 - p.log10().floor() as i32).max(0) as usize;
        format!("{p:.decimals$}%")
    }
}

/// Fewest decimals that write multiples of `step` exactly.
fn decimals_for(step: f64) -> usize {
    if !(step.is_finite() && step > 0.0) {
        return 3;
    }
    (0..=12)
        .find(|&d| {
            let s = step * 10f64.powi(d);
            (s - s.round()).abs() <= 1e-6 * s.max(1.0)
        })
        .unwrap_or(12) as usize
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_are_short_and_exact() {
        assert_eq!(fmt_tick(0.30000000000000004, 0.1, false), "0.3");
        assert_eq!(fmt_tick(0.75, 0.25, false), "0.75");
        assert_eq!(fmt_tick(15000.0, 5000.0, false), "15000");
        assert_eq!(fmt_tick(2.5e-6, 5e-7, true), "2.5e-6");
        assert_eq!(fmt_tick(1e-6, 5e-7, true), "1e-6");
        assert_eq!(fmt_tick(3e6, 1e6, true), "3e6");
        assert_eq!(fmt_tick(-1e-17, 0.1, false), "0");
        assert_eq!(fmt_tick(f64::NAN, 0.1, false), "");
        let ticks: Vec<String> = Axis::linear(0.0, 1e-5)
            .ticks
            .into_iter()
            .map(|t| t.1)
            .collect();
        assert_eq!(ticks, ["0", "2e-6", "4e-6", "6e-6", "8e-6", "1e-5"]);
        assert_eq!(fmt_percent(0.96), "96%");
        assert_eq!(fmt_percent(0.039), "3.9%");
        assert_eq!(fmt_percent(0.00042), "0.042%");
        assert_eq!(fmt_percent(0.0), "0%");
    }

    #[test]
    fn symlog_axis_maps_both_ways_and_ticks_decades() {
        let scale = Scale::SymLog { unit: 0.001 };
        for x in [-1000.0, -0.5, -0.001, 0.0, 0.002, 3.0, 900.0] {
            let back = scale.inverse(scale.forward(x));
            assert!((back - x).abs() <= 1e-9 * x.abs().max(1.0), "{x} -> {back}");
        }
        assert!((scale.forward(1000.0) - 6.0).abs() < 1e-6);
        let axis = Axis::symlog(-2000.0, 2000.0, 0.001);
        let labels: Vec<&str> = axis.ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(
            labels,
            [
                "-1000", "-100", "-10", "-1", "-0.1", "-0.01", "0", "0.01", "0.1", "1", "10",
                "100", "1000"
            ]
        );
    }

    #[test]
    fn log_axes_tick_decades_and_only_when_values_spread() {
        let labels = |a: &Axis| a.ticks.iter().map(|t| t.1.clone()).collect::<Vec<_>>();
        assert_eq!(
            labels(&Axis::log(1e-6, 0.5)),
            ["1e-6", "1e-5", "1e-4", "0.001", "0.01", "0.1"]
        );
        assert_eq!(
            labels(&Axis::log(1.0, 100.0)),
            ["1", "2", "5", "10", "20", "50", "100"]
        );
        let scale = Scale::Log;
        assert!((scale.forward(1000.0) - 3.0).abs() < 1e-12);
        assert!((scale.inverse(-2.0) - 0.01).abs() < 1e-15);
        // three decades of positive values: log
        let axis = Axis::log_if_spread(&[1e-5, 3e-3, 0.02], &[0.0, 1e-5, 0.03]).unwrap();
        assert!(axis.lo < 1e-5 && axis.lo > 1e-6 && axis.hi > 0.03);
        // a zero value cannot sit on a log axis; a narrow spread needs none
        assert!(Axis::log_if_spread(&[0.0, 1e-5, 0.02], &[0.02]).is_none());
        assert!(Axis::log_if_spread(&[1.0, 99.0], &[1.0, 99.0]).is_none());
        // the map never leaves the plot
        let a = Axis::linear(0.0, 10.0);
        assert_eq!(a.map(&-5.0, (100, 200)), 100);
        assert_eq!(a.map(&50.0, (100, 200)), 200);
        assert_eq!(a.map(&f64::NAN, (100, 200)), 100);
    }

    #[test]
    fn padding_gives_zero_ranges_a_width_and_keeps_rates_non_negative() {
        assert_eq!(pad(5.0, 5.0, false), (2.5, 7.5));
        assert_eq!(pad(0.0, 0.0, false), (-1.0, 1.0));
        assert_eq!(pad(0.0, 0.0, true), (0.0, 1.0));
        let (lo, hi) = pad(0.0, 0.01, true);
        assert_eq!(lo, 0.0);
        assert!(hi > 0.01);
        let (lo, hi) = pad(0.0, 0.01, false);
        assert!(lo < 0.0 && hi > 0.01);
        let (lo, hi) = pad(-3.0, -1.0, true);
        assert!(lo < -3.0 && hi == 0.0 - 1.0 + 0.1);
        assert_eq!(fit_range([3.0, 5.0], Fit::FromZero), (0.0, 5.25));
        assert_eq!(fit_range([f64::NAN], Fit::Data), (0.0, 1.0));
    }
}
