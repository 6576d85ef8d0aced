//! The band charts: a metric against a swept parameter (one line per value
//! of a grid's second key), and the CI history.

use super::axis::Fit;
use super::*;

/// One line of a band chart with its points at their resolved x position,
/// sorted by it.
pub(super) struct Group {
    pub(super) name: String,
    pub(super) points: Vec<(f64, BandPoint)>,
}

/// Value lines over their 95% intervals, with the estimate and horizontal
/// limits: [`sweep`] on a linear x axis, [`history`] on categories.
///
/// One group draws its interval as a shaded band; several groups draw each
/// in its own colour with its intervals as bars (bands would hide each
/// other). The y axis is logarithmic when every value is positive and they
/// span more than [`LOG_AXIS_SPAN`]; a history of a non-negative metric
/// starts at zero (so run-to-run noise is not magnified into a trend).
pub(super) struct BandFigure<'a> {
    pub(super) title: &'a str,
    pub(super) x_label: &'a str,
    pub(super) y_label: &'a str,
    /// `Some` for the history chart: point `i` sits at category `i`.
    pub(super) categories: Option<&'a [String]>,
    pub(super) groups: Vec<Group>,
    /// Horizontal lines (an `[[expect]]` limit) with their labels.
    pub(super) limits: Vec<Limit>,
}

/// The drawable parts of one group.
struct Parts {
    stroke: Stroke,
    values: Vec<Vec<(f64, f64)>>,
    estimates: Vec<Vec<(f64, f64)>>,
    bands: Vec<Vec<(f64, f64, f64)>>,
}

fn parts(g: &Group, stroke: Stroke) -> Parts {
    Parts {
        stroke,
        values: runs(&g.points, |(x, p)| finite_point(*x, p.value)),
        estimates: runs(&g.points, |(x, p)| finite_point(*x, p.estimate?)),
        bands: runs(&g.points, |(x, p)| {
            (x.is_finite() && p.low.is_finite() && p.high.is_finite()).then_some((
                *x,
                p.low.min(p.high),
                p.low.max(p.high),
            ))
        }),
    }
}

impl Figure for BandFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let single = self.groups.len() <= 1;
        let drawn: Vec<(&Group, Parts)> = self
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let stroke = if single {
                    Stroke::solid(SIMULATED)
                } else {
                    Stroke::nth(i)
                };
                (g, parts(g, stroke))
            })
            .collect();
        let any = |f: fn(&Parts) -> bool| drawn.iter().any(|(_, p)| f(p));
        let has_values = any(|p| !p.values.is_empty());
        let has_bands = any(|p| !p.bands.is_empty());
        let has_estimates = any(|p| !p.estimates.is_empty());
        let has_data = has_values || has_bands || has_estimates;
        let markers = drawn
            .iter()
            .flat_map(|(_, p)| &p.values)
            .map(Vec::len)
            .max()
            .unwrap_or(0)
            <= MARKERS_UP_TO;

        let mut legend = Vec::new();
        if single {
            if has_values {
                let swatch = if markers {
                    Swatch::LineMarker(SIMULATED)
                } else {
                    Swatch::Line(SIMULATED)
                };
                legend.push(LegendEntry::new("simulated", swatch));
            }
            if has_bands {
                legend.push(LegendEntry::new("95% interval", Swatch::Fill(BAND)));
            }
            if has_estimates {
                legend.push(LegendEntry::new(
                    "back-of-envelope",
                    Swatch::Dashed(ESTIMATE),
                ));
            }
        } else {
            for (g, p) in &drawn {
                if !p.values.is_empty() || !p.bands.is_empty() {
                    legend.push(LegendEntry::new(
                        shorten(&g.name, LABEL_MAX_CHARS),
                        Swatch::Stroke(p.stroke, markers),
                    ));
                }
            }
            if has_bands {
                legend.push(LegendEntry::new("95% interval", Swatch::Bar(MUTED)));
            }
            if has_estimates {
                legend.push(LegendEntry::new("back-of-envelope", Swatch::Dashed(MUTED)));
            }
        }
        for l in &self.limits {
            legend.push(LegendEntry::new(
                shorten(&l.label, LABEL_MAX_CHARS),
                Swatch::Dashed(LIMIT),
            ));
        }
        let values: Vec<f64> = drawn
            .iter()
            .flat_map(|(_, p)| p.values.iter().chain(&p.estimates))
            .flatten()
            .map(|p| p.1)
            .collect();
        // An interval far above every value (a few replications, a rare
        // event) would flatten the lines: the axis stops at BAND_CAP times
        // the largest value or limit and such a bar is cut at the top.
        let top = values
            .iter()
            .copied()
            .chain(self.limits.iter().map(|l| l.value))
            .filter(|v| v.is_finite())
            .fold(f64::NEG_INFINITY, f64::max);
        let cap = if top > 0.0 {
            top * BAND_CAP
        } else {
            f64::INFINITY
        };
        let cut = drawn
            .iter()
            .flat_map(|(_, p)| &p.bands)
            .flatten()
            .any(|b| b.2 > cap);
        if cut {
            legend.push(LegendEntry::new("↑ interval cut at the top", Swatch::None));
        }
        // Lines drawn over each other: said in words too.
        let lines: Vec<Vec<(f64, f64)>> = drawn.iter().map(|(_, p)| p.values.concat()).collect();
        for group in coinciding(&lines) {
            let names: Vec<String> = group
                .iter()
                .map(|&i| shorten(&drawn[i].0.name, LABEL_MAX_CHARS))
                .collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            legend.push(LegendEntry::new(coincide_note(&names), Swatch::None));
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
                self.groups
                    .iter()
                    .flat_map(|g| &g.points)
                    .filter_map(|(x, p)| {
                        let shown = p.value.is_finite()
                            || p.estimate.is_some_and(f64::is_finite)
                            || (p.low.is_finite() && p.high.is_finite());
                        shown.then_some(*x)
                    }),
                Fit::Data,
            ),
        };
        let mut ys = values.clone();
        ys.extend(
            drawn
                .iter()
                .flat_map(|(_, p)| &p.bands)
                .flatten()
                .flat_map(|b| [b.1, b.2.min(cap)]),
        );
        ys.extend(self.limits.iter().map(|l| l.value));
        let y_axis = if let Some(axis) = Axis::log_if_spread(&values, &ys) {
            axis
        } else if self.categories.is_some() && ys.iter().all(|y| *y >= 0.0) {
            Axis::fit(ys, Fit::FromZero)
        } else {
            Axis::fit(ys, Fit::KeepSign)
        };
        let (y_lo, y_hi) = (y_axis.lo(), y_axis.hi());
        let clamp = |y: f64| y.clamp(y_lo, y_hi);

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

        for (_, p) in &drawn {
            for run in &p.bands {
                if single && run.len() > 1 {
                    // Upper edge forward, lower edge back: one closed shape.
                    let outline: Vec<(f64, f64)> = run
                        .iter()
                        .map(|b| (b.0, clamp(b.2)))
                        .chain(run.iter().rev().map(|b| (b.0, clamp(b.1))))
                        .collect();
                    chart.draw_series(std::iter::once(Polygon::new(outline, BAND.filled())))?;
                } else {
                    let (colour, width) = if single {
                        (BAND_BAR, LONE_BAND_PX)
                    } else {
                        (p.stroke.colour, 1)
                    };
                    chart.draw_series(run.iter().map(|&(x, low, high)| {
                        PathElement::new(
                            vec![(x, clamp(low)), (x, clamp(high))],
                            colour.stroke_width(width),
                        )
                    }))?;
                }
            }
        }
        for (_, p) in &drawn {
            let colour = if single { ESTIMATE } else { p.stroke.colour };
            for run in &p.estimates {
                if let [(x, y)] = run[..] {
                    chart.draw_series(std::iter::once(Cross::new(
                        (x, clamp(y)),
                        MARKER_PX + 1,
                        colour.stroke_width(LINE_PX),
                    )))?;
                } else {
                    chart.draw_series(DashedLineSeries::new(
                        run.iter().map(|&(x, y)| (x, clamp(y))),
                        DASH_PX,
                        DASH_GAP_PX,
                        colour.stroke_width(if single { LINE_PX } else { 1 }),
                    ))?;
                }
            }
        }
        for (_, p) in &drawn {
            for run in &p.values {
                let clamped: Vec<(f64, f64)> = run.iter().map(|&(x, y)| (x, clamp(y))).collect();
                chart.draw_series(std::iter::once(p.stroke.line(clamped.clone(), LINE_PX)))?;
                if markers || run.len() == 1 {
                    chart.draw_series(std::iter::once(p.stroke.markers(clamped)))?;
                }
            }
        }
        for l in &self.limits {
            let x = chart.x_range();
            chart.draw_series(DashedLineSeries::new(
                [(x.start, l.value), (x.end, l.value)],
                DASH_PX,
                DASH_GAP_PX,
                LIMIT.stroke_width(LINE_PX),
            ))?;
            let label = EmptyElement::at((x.end, l.value))
                + Text::new(
                    shorten(&l.label, LABEL_MAX_CHARS),
                    (-6, -4),
                    text(NOTE_FONT_PX, &LIMIT).pos(Pos::new(HPos::Right, VPos::Bottom)),
                );
            chart.plotting_area().draw(&label)?;
        }
        Ok(())
    }
}
