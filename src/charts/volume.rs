//! False reversals per terminal-day against the day's purchase count.

use super::axis::{Fit, fit_range};
use super::*;

/// The bins as points with their band, the back-of-envelope curve and the
/// counter's range: the figure behind [`volume`].
pub(super) struct VolumeFigure<'a> {
    pub(super) title: &'a str,
    /// Points sorted by x; `estimate` is ignored (the curve is separate).
    pub(super) points: Vec<BandPoint>,
    /// The back-of-envelope, sorted by x.
    pub(super) curve: Vec<(f64, f64)>,
    pub(super) range: Option<f64>,
}

impl Figure for VolumeFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let values: Vec<(f64, f64)> = self
            .points
            .iter()
            .filter_map(|p| finite_point(p.x, p.value))
            .collect();
        let curve: Vec<(f64, f64)> = self
            .curve
            .iter()
            .filter_map(|p| finite_point(p.0, p.1))
            .collect();
        // Bins with few terminal-days have intervals far taller than any
        // value: they say "not enough data", not "risk". Such a bin (its
        // upper bound above a multiple of the largest value) gets no bar,
        // and its point is drawn hollow and grey. When every bin and the
        // back-of-envelope are 0 there is no largest value: the bins' upper
        // bounds are then all the chart says (what the data rule out), and
        // a bin whose bound is above a multiple of the median bin's has too
        // few days to say it.
        let top = values
            .iter()
            .chain(&curve)
            .map(|p| p.1)
            .fold(0.0f64, f64::max);
        let cap = if top > 0.0 {
            top * VOLUME_BAND_CAP
        } else {
            let mut highs: Vec<f64> = self
                .points
                .iter()
                .map(|p| p.low.max(p.high))
                .filter(|h| h.is_finite() && *h > 0.0)
                .collect();
            highs.sort_by(f64::total_cmp);
            highs
                .get(highs.len() / 2)
                .map_or(f64::INFINITY, |m| m * VOLUME_ZERO_BAND_CAP)
        };
        let informative = |p: &BandPoint| p.low.max(p.high) <= cap;
        let bands = runs(&self.points, |p| {
            (p.x.is_finite() && p.low.is_finite() && p.high.is_finite() && informative(p))
                .then_some((p.x, p.low.min(p.high), p.low.max(p.high)))
        });
        let sparse: Vec<(f64, f64)> = self
            .points
            .iter()
            .filter(|p| !informative(p))
            .filter_map(|p| finite_point(p.x, p.value))
            .collect();
        let values: Vec<(f64, f64)> = self
            .points
            .iter()
            .filter(|p| informative(p))
            .filter_map(|p| finite_point(p.x, p.value))
            .collect();

        let mut legend = Vec::new();
        if !values.is_empty() {
            legend.push(LegendEntry::new(
                "simulated (per bin)",
                Swatch::Marker(SIMULATED),
            ));
        }
        if !bands.is_empty() {
            legend.push(LegendEntry::new("95% interval", Swatch::Fill(BAND_BAR)));
        }
        if !sparse.is_empty() {
            legend.push(LegendEntry::new(
                "too few days to tell",
                Swatch::Hollow(MUTED),
            ));
        }
        if !curve.is_empty() {
            legend.push(LegendEntry::new(
                "back-of-envelope",
                Swatch::Dashed(ESTIMATE),
            ));
        }
        let area = frame(root, self.title, &legend)?;

        let x_axis = Axis::fit(
            values
                .iter()
                .map(|p| p.0)
                .chain(bands.iter().flatten().map(|b| b.0))
                .chain(sparse.iter().map(|p| p.0))
                .chain(curve.iter().map(|p| p.0))
                .chain(self.range.filter(|r| r.is_finite())),
            Fit::Data,
        );
        let (y_lo, y_hi) = fit_range(
            values
                .iter()
                .chain(&curve)
                .chain(&sparse)
                .map(|p| p.1)
                .chain(bands.iter().flatten().map(|b| b.2))
                .chain(std::iter::once(0.0)),
            Fit::KeepSign,
        );
        let mut chart = ChartBuilder::on(&area)
            .margin(MARGIN_PX)
            .margin_right(MARGIN_RIGHT_PX)
            .x_label_area_size(X_LABEL_AREA_PX)
            .y_label_area_size(Y_LABEL_AREA_PX)
            .build_cartesian_2d(x_axis, Axis::linear(y_lo, y_hi))?;
        draw_mesh(
            &mut chart,
            "purchases per terminal-day (N, mean of the bin)",
            "false reversals per terminal-day",
        )?;
        if values.is_empty() && curve.is_empty() && bands.is_empty() && sparse.is_empty() {
            return draw_no_data(&chart);
        }
        // One interval bar per bin: the bins are independent, and their
        // terminal-days (hence interval widths) vary too much for a band.
        let clamp = |y: f64| y.clamp(y_lo, y_hi);
        chart.draw_series(bands.iter().flatten().map(|&(x, low, high)| {
            PathElement::new(
                vec![(x, clamp(low)), (x, clamp(high))],
                BAND_BAR.stroke_width(VOLUME_BAR_PX),
            )
        }))?;
        if let Some(r) = self.range.filter(|r| r.is_finite()) {
            let y = chart.y_range();
            chart.draw_series(DashedLineSeries::new(
                [(r, y.start), (r, y.end)],
                DASH_PX / 2,
                DASH_GAP_PX,
                MARK.stroke_width(1),
            ))?;
            // the label on the side of the line with more room
            let x = chart.x_range();
            let (dx, h) = if r > (x.start + x.end) / 2.0 {
                (-5, HPos::Right)
            } else {
                (5, HPos::Left)
            };
            let note = EmptyElement::at((r, y.end))
                + Text::new(
                    format!("counter range R = {}", crate::fmt::fmt_num(r)),
                    (dx, 4),
                    text(NOTE_FONT_PX, &MARK).pos(Pos::new(h, VPos::Top)),
                );
            chart.plotting_area().draw(&note)?;
        }
        if curve.len() > 1 {
            chart.draw_series(DashedLineSeries::new(
                curve.iter().copied(),
                DASH_PX,
                DASH_GAP_PX,
                ESTIMATE.stroke_width(LINE_PX),
            ))?;
        } else if let [p] = curve[..] {
            chart.draw_series(std::iter::once(Cross::new(
                p,
                MARKER_PX + 1,
                ESTIMATE.stroke_width(LINE_PX),
            )))?;
        }
        chart.draw_series(
            sparse
                .iter()
                .map(|p| Circle::new(*p, MARKER_PX, MUTED.stroke_width(1))),
        )?;
        chart.draw_series(
            values
                .iter()
                .map(|p| Circle::new(*p, MARKER_PX, SIMULATED.filled())),
        )?;
        Ok(())
    }
}
