//! The margin histogram on a symmetric-log axis, error side in red.

use super::axis::{Scale, finite_extent, fmt_percent};
use super::*;

/// The bins of a [`histogram()`], ready to draw.
pub(super) struct HistogramFigure<'a> {
    title: &'a str,
    x_label: &'a str,
    words: HistogramWords<'a>,
    /// Bars with finite edges (open bins already clipped), by position.
    bars: Vec<(f64, f64, u64)>,
    unit: f64,
}

impl<'a> HistogramFigure<'a> {
    pub(super) fn new(
        title: &'a str,
        x_label: &'a str,
        bins: &[Bin],
        words: HistogramWords<'a>,
    ) -> Self {
        let usable: Vec<(f64, f64, u64)> = bins
            .iter()
            .filter(|b| !b.low.is_nan() && !b.high.is_nan())
            .map(|b| (b.low.min(b.high), b.low.max(b.high), b.count))
            .filter(|(low, high, _)| {
                low < high && *low != f64::INFINITY && *high != f64::NEG_INFINITY
            })
            .collect();
        // The linear part of the axis is the smallest non-zero edge, but no
        // more than SYMLOG_MAX_SPAN_DECADES below the largest one.
        let edges = finite_extent(
            usable
                .iter()
                .flat_map(|(low, high, _)| [low.abs(), high.abs()])
                .filter(|e| *e > 0.0),
        );
        let unit = edges.map_or(DEFAULT_SYMLOG_UNIT, |(smallest, largest)| {
            smallest.max(largest * 10f64.powi(-SYMLOG_MAX_SPAN_DECADES))
        });
        let scale = Scale::SymLog { unit };
        let clip = |edge: f64, other: f64, direction: f64| {
            if edge.is_finite() {
                edge
            } else if other.is_finite() {
                scale.inverse(scale.forward(other) + direction * OPEN_BIN_DECADES)
            } else {
                direction * unit * 10.0
            }
        };
        let mut bars: Vec<(f64, f64, u64)> = usable
            .into_iter()
            .map(|(low, high, count)| (clip(low, high, -1.0), clip(high, low, 1.0), count))
            .collect();
        bars.sort_by(|a, b| a.0.total_cmp(&b.0));
        HistogramFigure {
            title,
            x_label,
            words,
            bars,
            unit,
        }
    }
}

impl Figure for HistogramFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let colour = |low: f64, high: f64| {
            if high <= 0.0 {
                ERROR_BAR
            } else if low >= 0.0 {
                OK_BAR
            } else {
                MIXED_BAR
            }
        };
        let counted: Vec<&(f64, f64, u64)> = self.bars.iter().filter(|b| b.2 > 0).collect();
        let mut legend = vec![
            LegendEntry::new(self.words.negative, Swatch::Fill(ERROR_BAR)),
            LegendEntry::new(self.words.positive, Swatch::Fill(OK_BAR)),
        ];
        if counted.iter().any(|b| b.0 < 0.0 && b.1 > 0.0) {
            legend.push(LegendEntry::new("bin spans zero", Swatch::Fill(MIXED_BAR)));
        }
        let area = frame(root, self.title, &legend)?;

        // Zero always in view, with room on both sides for its labels.
        let scale = Scale::SymLog { unit: self.unit };
        let (lo, hi) =
            finite_extent(self.bars.iter().flat_map(|b| [b.0, b.1])).unwrap_or((0.0, 0.0));
        let reach = scale.forward(lo.abs().max(hi)).max(1.0);
        let (t_lo, t_hi) = (
            scale.forward(lo).min(-0.3 * reach),
            scale.forward(hi).max(0.3 * reach),
        );
        let t_pad = (t_hi - t_lo) * 0.02;
        let x_axis = Axis::symlog(
            scale.inverse(t_lo - t_pad),
            scale.inverse(t_hi + t_pad),
            self.unit,
        );
        let top = counted.iter().map(|b| b.2).max().unwrap_or(0);
        // Counts spanning more than two decades (a few hundred error pages
        // beside tens of thousands of safe reads) get a log axis, so the
        // small bars are seen; bars then rise from 0.5, under a count of 1.
        let smallest = counted.iter().map(|b| b.2).filter(|c| *c > 0).min();
        let log = smallest.is_some_and(|s| top as f64 > LOG_AXIS_SPAN * s as f64);
        let (base, y_axis, y_label) = if log {
            (0.5, Axis::log(0.5, top as f64 * 4.0), "count (log scale)")
        } else {
            (
                0.0,
                Axis::linear(0.0, if top == 0 { 1.0 } else { top as f64 * 1.12 }),
                "count",
            )
        };

        let mut chart = ChartBuilder::on(&area)
            .margin(MARGIN_PX)
            .margin_right(MARGIN_RIGHT_PX)
            .x_label_area_size(X_LABEL_AREA_PX)
            .y_label_area_size(Y_LABEL_AREA_PX)
            .build_cartesian_2d(x_axis, y_axis)?;
        draw_mesh(&mut chart, self.x_label, y_label)?;
        chart.draw_series(counted.iter().map(|&&(low, high, count)| {
            Rectangle::new(
                [(low, base), (high, count as f64)],
                colour(low, high).filled(),
            )
        }))?;
        // A paper-coloured outline keeps neighbouring bars of one colour apart.
        chart.draw_series(counted.iter().map(|&&(low, high, count)| {
            Rectangle::new([(low, base), (high, count as f64)], PAPER.stroke_width(1))
        }))?;

        if counted.is_empty() {
            return draw_no_data(&chart);
        }
        let y_top = chart.y_range().end;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, base), (0.0, y_top)],
            INK.stroke_width(LINE_PX),
        )))?;
        // The share on each side, so a thin red sliver still reads as a number.
        let total = counted.iter().fold(0u64, |t, b| t.saturating_add(b.2));
        let side = |keep: fn(f64, f64) -> bool| {
            let n = counted
                .iter()
                .filter(|b| keep(b.0, b.1))
                .fold(0u64, |t, b| t.saturating_add(b.2));
            if total == 0 {
                String::new()
            } else {
                format!(": {n} ({})", fmt_percent(n as f64 / total as f64))
            }
        };
        let before = format!("← {}{}", self.words.left, side(|_, high| high <= 0.0));
        let after = format!("{}{} →", self.words.right, side(|low, _| low >= 0.0));
        for (s, dx, h) in [(before, -6, HPos::Right), (after, 6, HPos::Left)] {
            let note = EmptyElement::at((0.0, y_top))
                + Text::new(
                    s,
                    (dx, 6),
                    text(NOTE_FONT_PX, &INK).pos(Pos::new(h, VPos::Top)),
                );
            chart.plotting_area().draw(&note)?;
        }
        Ok(())
    }
}
