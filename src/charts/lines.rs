//! Line charts: the daily series and the host clocks.

use super::axis::{Fit, fit_range};
use super::*;

/// One series, split into runs at its missing values.
struct Line {
    name: String,
    stroke: Stroke,
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
                    stroke: Stroke::nth(i),
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
                LegendEntry::new(label, Swatch::Stroke(l.stroke, l.markers))
            })
            .collect();
        let mut legend = legend;
        // Lines drawn over each other (two ideal clocks): said in words too.
        let points: Vec<Vec<(f64, f64)>> = drawn.iter().map(|l| l.runs.concat()).collect();
        for group in coinciding(&points) {
            let names: Vec<&str> = group.iter().map(|&i| drawn[i].name.as_str()).collect();
            legend.push(LegendEntry::new(coincide_note(&names), Swatch::None));
        }
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
                let path = std::iter::once(line.stroke.line(run.clone(), LINE_PX));
                let markers = (line.markers || run.len() == 1)
                    .then(|| line.stroke.markers(run.clone()))
                    .into_iter();
                if line.right_axis {
                    chart.draw_secondary_series(path)?;
                    chart.draw_secondary_series(markers)?;
                } else {
                    chart.draw_series(path)?;
                    chart.draw_series(markers)?;
                }
            }
        }
        if drawn.is_empty() {
            draw_no_data(&chart)?;
        }
        Ok(())
    }
}

/// One panel per series, stacked, sharing the x axis (small multiples): the
/// figure behind [`panels`]. Series that are constant are listed in a note
/// under the panels instead of drawn flat.
pub(super) struct PanelsFigure<'a> {
    pub(super) title: &'a str,
    pub(super) x_label: &'a str,
    /// (name, points sorted by x) of the series drawn.
    pub(super) drawn: Vec<(String, Vec<(f64, f64)>)>,
    /// "name = value" of the constant series.
    pub(super) constant: Vec<String>,
}

impl<'a> PanelsFigure<'a> {
    pub(super) fn new(title: &'a str, x_label: &'a str, series: &[Series]) -> Self {
        let mut drawn = Vec::new();
        let mut constant = Vec::new();
        for s in series {
            let mut points: Vec<(f64, f64)> = s
                .points
                .iter()
                .copied()
                .filter(|p| p.0.is_finite() && p.1.is_finite())
                .collect();
            if points.is_empty() {
                continue;
            }
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            let first = points[0].1;
            if points.len() > 1 && points.iter().all(|p| p.1 == first) {
                constant.push(format!(
                    "{} = {}",
                    shorten(&s.name, LABEL_MAX_CHARS),
                    crate::fmt::fmt_num(first)
                ));
            } else {
                drawn.push((s.name.clone(), points));
            }
        }
        PanelsFigure {
            title,
            x_label,
            drawn,
            constant,
        }
    }

    /// The image height: room for every panel.
    pub(super) fn height(&self) -> u32 {
        let n = self.drawn.len().max(1) as u32;
        (PANEL_TOP_PX + n * PANEL_PX + X_LABEL_AREA_PX + PANEL_NOTE_PX).max(HEIGHT)
    }
}

impl Figure for PanelsFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let area = frame(root, self.title, &[])?;
        let (area, note) = if self.constant.is_empty() {
            (area, None)
        } else {
            let h = area.dim_in_pixel().1;
            let (a, n) = area.split_vertically(h.saturating_sub(PANEL_NOTE_PX));
            (a, Some(n))
        };
        let x_axis = Axis::fit(
            self.drawn.iter().flat_map(|(_, p)| p.iter().map(|q| q.0)),
            Fit::Data,
        );
        if self.drawn.is_empty() {
            let chart = ChartBuilder::on(&area)
                .margin(MARGIN_PX)
                .x_label_area_size(X_LABEL_AREA_PX)
                .y_label_area_size(Y_LABEL_AREA_PX)
                .build_cartesian_2d(x_axis, Axis::linear(0.0, 1.0))?;
            draw_no_data(&chart)?;
        } else {
            let n = self.drawn.len();
            let h = area.dim_in_pixel().1;
            // equal plots: the last panel also holds the x-axis label
            let per = (h.saturating_sub(X_LABEL_AREA_PX - PANEL_TICKS_PX) / n as u32).max(1);
            let mut rest = area;
            for (i, (name, points)) in self.drawn.iter().enumerate() {
                let last = i + 1 == n;
                let (panel, below) = if last {
                    (rest.clone(), rest.clone())
                } else {
                    rest.split_vertically(per)
                };
                let mut chart = ChartBuilder::on(&panel)
                    .margin(PANEL_MARGIN_PX)
                    .margin_right(MARGIN_RIGHT_PX)
                    .caption(shorten(name, TITLE_MAX_CHARS), text(AXIS_FONT_PX, &INK))
                    .x_label_area_size(if last {
                        X_LABEL_AREA_PX
                    } else {
                        PANEL_TICKS_PX
                    })
                    .y_label_area_size(Y_LABEL_AREA_PX)
                    .build_cartesian_2d(
                        x_axis.clone(),
                        Axis::fit(points.iter().map(|p| p.1), Fit::FromZero).with_few_ticks(),
                    )?;
                chart
                    .configure_mesh()
                    .x_labels(MAX_TICKS)
                    .y_labels(PANEL_Y_TICKS)
                    .bold_line_style(GRID.stroke_width(1))
                    .axis_style(INK.stroke_width(1))
                    .label_style(text(TICK_FONT_PX, &INK))
                    .axis_desc_style(text(AXIS_FONT_PX, &INK))
                    .x_desc(if last { self.x_label } else { "" })
                    .draw()?;
                let colour = PALETTE[i % PALETTE.len()];
                chart.draw_series(LineSeries::new(
                    points.iter().copied(),
                    colour.stroke_width(LINE_PX),
                ))?;
                if points.len() <= MARKERS_UP_TO {
                    chart.draw_series(
                        points
                            .iter()
                            .map(|p| Circle::new(*p, MARKER_PX - 1, colour.filled())),
                    )?;
                }
                rest = below;
            }
        }
        if let Some(note) = note {
            let style = text(LEGEND_FONT_PX, &MUTED).pos(Pos::new(HPos::Left, VPos::Center));
            let (_, h) = note.dim_in_pixel();
            note.draw(&Text::new(
                shorten(
                    &format!("the same every day: {}", self.constant.join(", ")),
                    TITLE_MAX_CHARS + 30,
                ),
                (MARGIN_PX as i32, h as i32 / 2),
                style,
            ))?;
        }
        Ok(())
    }
}
