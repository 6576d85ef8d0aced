//! The band charts: a metric against a swept parameter, and the CI history.

use super::axis::Fit;
use super::*;

/// A value line over its 95% band, with the estimate and an optional limit:
/// [`metric_vs_param`] on a linear x axis, [`history`] on categories.
pub(super) struct BandFigure<'a> {
    pub(super) title: &'a str,
    pub(super) x_label: &'a str,
    pub(super) y_label: &'a str,
    /// `Some` for the history chart: point `i` sits at category `i`.
    pub(super) categories: Option<&'a [String]>,
    /// Points with their resolved x position, sorted by it.
    pub(super) points: Vec<(f64, BandPoint)>,
    pub(super) limit: Option<f64>,
}

impl Figure for BandFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let value_runs = runs(&self.points, |(x, p)| finite_point(*x, p.value));
        let estimate_runs = runs(&self.points, |(x, p)| finite_point(*x, p.estimate?));
        let band_runs = runs(&self.points, |(x, p)| {
            (x.is_finite() && p.low.is_finite() && p.high.is_finite()).then_some((
                *x,
                p.low.min(p.high),
                p.low.max(p.high),
            ))
        });
        let has_data = !value_runs.is_empty() || !estimate_runs.is_empty() || !band_runs.is_empty();
        let markers = value_runs.iter().map(Vec::len).sum::<usize>() <= MARKERS_UP_TO;

        let mut legend = Vec::new();
        if !value_runs.is_empty() {
            let swatch = if markers {
                Swatch::LineMarker(SIMULATED)
            } else {
                Swatch::Line(SIMULATED)
            };
            legend.push(LegendEntry::new("simulated", swatch));
        }
        if !band_runs.is_empty() {
            legend.push(LegendEntry::new("95% interval", Swatch::Fill(BAND)));
        }
        if !estimate_runs.is_empty() {
            legend.push(LegendEntry::new(
                "back-of-envelope",
                Swatch::Dashed(ESTIMATE),
            ));
        }
        if self.limit.is_some() {
            legend.push(LegendEntry::new("limit", Swatch::Dashed(LIMIT)));
        }
        let area = frame(root, self.title, &legend)?;

        // Room on the right for half the last tick label, which is centred on
        // the last category.
        let mut margin_right = MARGIN_RIGHT_PX;
        let x_axis = match self.categories {
            Some(labels) => {
                // Thin the labels until the widest fits in its slot.
                let style = text(TICK_FONT_PX, &INK);
                let mut widest = 1;
                for label in labels {
                    let shown = shorten(label, LABEL_MAX_CHARS);
                    widest = widest.max(area.estimate_text_size(&shown, &style)?.0 as i32);
                }
                let plot_w =
                    area.dim_in_pixel().0 as i32 - (Y_LABEL_AREA_PX + 2 * MARGIN_PX) as i32;
                let slot = (plot_w / labels.len().max(1) as i32).max(1);
                let stride = ((widest + CATEGORY_GAP_PX) as f64 / slot as f64).ceil();
                margin_right = margin_right.max(widest as u32 / 2 + 4);
                Axis::categories(labels, stride as usize)
            }
            None => Axis::fit(
                self.points.iter().filter_map(|(x, p)| {
                    let shown = p.value.is_finite()
                        || p.estimate.is_some_and(f64::is_finite)
                        || (p.low.is_finite() && p.high.is_finite());
                    shown.then_some(*x)
                }),
                Fit::Data,
            ),
        };
        let mut ys: Vec<f64> = value_runs
            .iter()
            .chain(&estimate_runs)
            .flatten()
            .map(|p| p.1)
            .collect();
        ys.extend(band_runs.iter().flatten().flat_map(|b| [b.1, b.2]));
        ys.extend(self.limit);
        let y_axis = Axis::fit(ys, Fit::KeepSign);

        let mut chart = ChartBuilder::on(&area)
            .margin(MARGIN_PX)
            .margin_right(margin_right)
            .x_label_area_size(X_LABEL_AREA_PX)
            .y_label_area_size(Y_LABEL_AREA_PX)
            .build_cartesian_2d(x_axis, y_axis)?;
        draw_mesh(&mut chart, self.x_label, self.y_label)?;
        if !has_data {
            return draw_no_data(&chart);
        }

        for run in &band_runs {
            if let [(x, low, high)] = run[..] {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(x, low), (x, high)],
                    BAND_BAR.stroke_width(LONE_BAND_PX),
                )))?;
            } else {
                // Upper edge forward, lower edge back: one closed shape.
                let outline: Vec<(f64, f64)> = run
                    .iter()
                    .map(|b| (b.0, b.2))
                    .chain(run.iter().rev().map(|b| (b.0, b.1)))
                    .collect();
                chart.draw_series(std::iter::once(Polygon::new(outline, BAND.filled())))?;
            }
        }
        for run in &estimate_runs {
            if let [p] = run[..] {
                chart.draw_series(std::iter::once(Cross::new(
                    p,
                    MARKER_PX + 1,
                    ESTIMATE.stroke_width(LINE_PX),
                )))?;
            } else {
                chart.draw_series(DashedLineSeries::new(
                    run.iter().copied(),
                    DASH_PX,
                    DASH_GAP_PX,
                    ESTIMATE.stroke_width(LINE_PX),
                ))?;
            }
        }
        for run in &value_runs {
            chart.draw_series(LineSeries::new(
                run.iter().copied(),
                SIMULATED.stroke_width(LINE_PX),
            ))?;
            let markers = markers || run.len() == 1;
            chart.draw_series(
                run.iter()
                    .filter(|_| markers)
                    .map(|p| Circle::new(*p, MARKER_PX, SIMULATED.filled())),
            )?;
        }
        if let Some(limit) = self.limit {
            let x = chart.x_range();
            chart.draw_series(DashedLineSeries::new(
                [(x.start, limit), (x.end, limit)],
                DASH_PX,
                DASH_GAP_PX,
                LIMIT.stroke_width(LINE_PX),
            ))?;
            let label = EmptyElement::at((x.end, limit))
                + Text::new(
                    "limit",
                    (-6, -4),
                    text(NOTE_FONT_PX, &LIMIT).pos(Pos::new(HPos::Right, VPos::Bottom)),
                );
            chart.plotting_area().draw(&label)?;
        }
        Ok(())
    }
}
