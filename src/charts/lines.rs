//! Line charts: the daily series and the host clocks.

use super::axis::{Fit, fit_range};
use super::*;

/// One series, split into runs at its missing values.
struct Line {
    name: String,
    colour: RGBColor,
    runs: Vec<Vec<(f64, f64)>>,
    markers: bool,
    right_axis: bool,
}

/// Named lines, some perhaps on a right axis, and vertical marks: the
/// figure behind [`series`] and [`clocks`].
pub(super) struct LinesFigure<'a> {
    title: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    lines: Vec<Line>,
    marks: Vec<(f64, &'a str)>,
}

impl<'a> LinesFigure<'a> {
    pub(super) fn new(
        title: &'a str,
        x_label: &'a str,
        y_label: &'a str,
        series: &[Series],
        marks: &'a [(f64, String)],
        allow_right_axis: bool,
    ) -> Self {
        let mut lines: Vec<Line> = series
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut points: Vec<(f64, f64)> = s
                    .points
                    .iter()
                    .copied()
                    .filter(|p| p.0.is_finite())
                    .collect();
                points.sort_by(|a, b| a.0.total_cmp(&b.0));
                Line {
                    name: shorten(&s.name, LABEL_MAX_CHARS),
                    colour: PALETTE[i % PALETTE.len()],
                    runs: runs(&points, |p| finite_point(p.0, p.1)),
                    markers: points.len() <= MARKERS_UP_TO,
                    right_axis: false,
                }
            })
            .collect();
        if allow_right_axis {
            let magnitude = |l: &Line| {
                l.runs
                    .iter()
                    .flatten()
                    .fold(0.0f64, |m, p| m.max(p.1.abs()))
            };
            let largest = lines.iter().map(magnitude).fold(0.0f64, f64::max);
            for line in &mut lines {
                let m = magnitude(line);
                line.right_axis = m > 0.0 && m < largest / SECONDARY_AXIS_RATIO;
            }
        }
        LinesFigure {
            title,
            x_label,
            y_label,
            lines,
            marks: marks
                .iter()
                .filter(|m| m.0.is_finite())
                .map(|m| (m.0, m.1.as_str()))
                .collect(),
        }
    }
}

impl Figure for LinesFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let drawn: Vec<&Line> = self.lines.iter().filter(|l| !l.runs.is_empty()).collect();
        let legend: Vec<LegendEntry> = drawn
            .iter()
            .map(|l| {
                let label = if l.right_axis {
                    format!("{} (right axis)", l.name)
                } else {
                    l.name.clone()
                };
                let swatch = if l.markers {
                    Swatch::LineMarker(l.colour)
                } else {
                    Swatch::Line(l.colour)
                };
                LegendEntry::new(label, swatch)
            })
            .collect();
        let area = frame(root, self.title, &legend)?;

        let on_side = |right: bool| {
            drawn
                .iter()
                .filter(move |l| l.right_axis == right)
                .flat_map(|l| l.runs.iter().flatten())
        };
        let x_axis = Axis::fit(
            on_side(false)
                .chain(on_side(true))
                .map(|p| p.0)
                .chain(self.marks.iter().map(|m| m.0)),
            Fit::Data,
        );
        // Headroom above the data for the mark labels, so they never sit on
        // a line.
        let (y_lo, mut y_hi) = fit_range(on_side(false).map(|p| p.1), Fit::FromZero);
        if !self.marks.is_empty() {
            let rows = self.marks.len().min(MARK_ROWS) as f64;
            let label_px = 8.0 + rows * f64::from(MARK_ROW_PX);
            let plot_px =
                f64::from(area.dim_in_pixel().1) - f64::from(X_LABEL_AREA_PX + 2 * MARGIN_PX);
            if plot_px > 2.0 * label_px {
                y_hi += (y_hi - y_lo) * label_px / (plot_px - label_px);
            }
        }
        let y_axis = Axis::linear(y_lo, y_hi);
        let right: Vec<&str> = drawn
            .iter()
            .filter(|l| l.right_axis)
            .map(|l| l.name.as_str())
            .collect();
        let right_axis = Axis::fit(on_side(true).map(|p| p.1), Fit::FromZero);

        let mut builder = ChartBuilder::on(&area);
        builder
            .margin(MARGIN_PX)
            .margin_right(MARGIN_RIGHT_PX)
            .x_label_area_size(X_LABEL_AREA_PX)
            .y_label_area_size(Y_LABEL_AREA_PX);
        if !right.is_empty() {
            builder.right_y_label_area_size(Y_LABEL_AREA_PX);
        }
        let mut chart = builder
            .build_cartesian_2d(x_axis.clone(), y_axis)?
            .set_secondary_coord(x_axis, right_axis);
        draw_mesh(&mut chart, self.x_label, self.y_label)?;
        if !right.is_empty() {
            chart
                .configure_secondary_axes()
                .y_labels(MAX_TICKS)
                .axis_style(INK.stroke_width(1))
                .label_style(text(TICK_FONT_PX, &INK))
                .axis_desc_style(text(AXIS_FONT_PX, &INK))
                .y_desc(right.join(", "))
                .draw()?;
        }
        if drawn.is_empty() && self.marks.is_empty() {
            return draw_no_data(&chart);
        }

        let (x_range, y_range) = (chart.x_range(), chart.y_range());
        for (i, (x, label)) in self.marks.iter().enumerate() {
            chart.draw_series(DashedLineSeries::new(
                [(*x, y_range.start), (*x, y_range.end)],
                DASH_PX / 2,
                DASH_GAP_PX,
                MARK.stroke_width(1),
            ))?;
            // Label on the side with more room, staggered over a few rows.
            let right_half = *x > (x_range.start + x_range.end) / 2.0;
            let (dx, h) = if right_half {
                (-4, HPos::Right)
            } else {
                (4, HPos::Left)
            };
            let dy = 4 + MARK_ROW_PX * (i % MARK_ROWS) as i32;
            let note = EmptyElement::at((*x, y_range.end))
                + Text::new(
                    shorten(label, LABEL_MAX_CHARS),
                    (dx, dy),
                    text(NOTE_FONT_PX, &MARK).pos(Pos::new(h, VPos::Top)),
                );
            chart.plotting_area().draw(&note)?;
        }
        for line in &drawn {
            for run in &line.runs {
                let style = line.colour.stroke_width(LINE_PX);
                let markers = line.markers || run.len() == 1;
                let circles = run
                    .iter()
                    .filter(|_| markers)
                    .map(|p| Circle::new(*p, MARKER_PX - 1, line.colour.filled()));
                if line.right_axis {
                    chart.draw_secondary_series(LineSeries::new(run.iter().copied(), style))?;
                    chart.draw_secondary_series(circles)?;
                } else {
                    chart.draw_series(LineSeries::new(run.iter().copied(), style))?;
                    chart.draw_series(circles)?;
                }
            }
        }
        if drawn.is_empty() {
            draw_no_data(&chart)?;
        }
        Ok(())
    }
}
