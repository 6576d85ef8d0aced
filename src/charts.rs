//! Charts: pure functions from plain data to SVG text and PNG bytes.
//!
//! Each public function draws one kind of chart twice, once as SVG and once
//! into an RGB bitmap that is encoded as PNG, from the same drawing code, so
//! the two files always show the same thing. Nothing here touches files: the
//! caller writes [`Chart::svg`] and [`Chart::png`] wherever it likes.
//!
//! Conventions shared by every chart:
//!
//! - **Non-finite values are skipped.** A point whose value is NaN or infinite
//!   is left out of its line (the line breaks there rather than bridging the
//!   gap); a point whose interval bound is not finite is left out of the band.
//! - **Lines run in x order**, whatever order the points come in.
//! - **No data is not an error.** Empty input, or input with nothing finite in
//!   it, still gives `Ok`: a chart with its title, axis labels and a "no data"
//!   note, so a report never lacks a file and its reader sees why it is empty.
//!   [`ChartError`] is kept for what better data cannot fix: the font, the
//!   drawing backend, the PNG encoder, and inputs that contradict each other.
//! - **Axes follow the data**, padded 5% each side. A metric axis does not
//!   pad below zero when its data does not go there (no negative rates); the
//!   daily-series and clock axes always include zero, the reference every
//!   count and offset is read against. A zero range (one point, a flat line)
//!   is widened to half its value either side, or one unit around zero.
//!
//! This file holds the public API, the sizes and colours, and the frame
//! every chart shares (title, legend row, mesh); `axis` holds the axis type
//! and range rules, and `band`, `histogram` and `lines` one figure each.
//!
//! Text uses the DejaVu Sans subset compiled into the binary (licence in
//! `assets/LICENSE-DejaVu.txt`), registered once with plotters as
//! `"sans-serif"`; plotters needs it even for SVG, to measure labels.

mod axis;
mod band;
mod histogram;
mod lines;
mod volume;

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::element::{Drawable, PointCollection};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_backend::{BackendCoord, DrawingErrorKind};

use axis::Axis;
use band::BandFigure;
use histogram::HistogramFigure;
use lines::{LinesFigure, PanelsFigure};
use volume::VolumeFigure;

/// The font every chart is drawn with (a DejaVu Sans subset: Latin, digits,
/// arrows, ≤ ≥ − ± µ …).
const FONT_BYTES: &[u8] = include_bytes!("../assets/DejaVuSans-subset.ttf");
/// Family name the font is registered under; plotters looks text up by it.
const FONT_FAMILY: &str = "sans-serif";

// ---- Sizes (pixels) ----

/// Width of every chart.
const WIDTH: u32 = 900;
/// Height of every chart.
const HEIGHT: u32 = 540;
/// Space around the plot, inside the image.
const MARGIN_PX: u32 = 16;
/// Space right of the plot, where the last x tick label overhangs.
const MARGIN_RIGHT_PX: u32 = 28;
/// Height of the legend row under the title.
const LEGEND_ROW_PX: u32 = 30;
/// Height reserved under the plot for tick labels and the x-axis label.
const X_LABEL_AREA_PX: u32 = 56;
/// Width reserved left (and right, with a second axis) for ticks and label.
const Y_LABEL_AREA_PX: u32 = 96;
/// Height of one panel of a small-multiples chart.
const PANEL_PX: u32 = 150;
/// Space above the first panel (the title).
const PANEL_TOP_PX: u32 = 40;
/// Height of the note under the panels (series left out as constant).
const PANEL_NOTE_PX: u32 = 28;
/// Space around each panel.
const PANEL_MARGIN_PX: u32 = 6;
/// Height of the tick labels under a panel that is not the last.
const PANEL_TICKS_PX: u32 = 22;
/// Ticks on a panel's y axis.
const PANEL_Y_TICKS: usize = 4;
/// Title font size.
const TITLE_FONT_PX: f64 = 22.0;
/// Axis label font size.
const AXIS_FONT_PX: f64 = 16.0;
/// Tick label font size.
const TICK_FONT_PX: f64 = 13.0;
/// Legend font size.
const LEGEND_FONT_PX: f64 = 14.0;
/// Font size of notes drawn inside the plot (zero line, marks, limit).
const NOTE_FONT_PX: f64 = 13.0;
/// Font size of the "no data" note.
const EMPTY_FONT_PX: f64 = 20.0;
/// Titles longer than this are cut with an ellipsis so they fit the width.
const TITLE_MAX_CHARS: usize = 75;
/// Category (history) and legend labels longer than this are cut.
const LABEL_MAX_CHARS: usize = 24;
/// Width of the main data lines.
const LINE_PX: u32 = 2;
/// Radius of a point marker.
const MARKER_PX: u32 = 4;
/// Dash and gap of a dashed line.
const DASH_PX: u32 = 8;
/// Gap between dashes.
const DASH_GAP_PX: u32 = 5;
/// Width of the interval bar drawn for a band of a single point.
const LONE_BAND_PX: u32 = 8;
/// Legend swatch width.
const SWATCH_PX: i32 = 26;
/// Space between a legend swatch and its text.
const SWATCH_GAP_PX: i32 = 6;
/// Space between legend entries.
const LEGEND_GAP_PX: i32 = 26;
/// Horizontal space kept between neighbouring category labels.
const CATEGORY_GAP_PX: i32 = 10;
/// Vertical distance between the rows of staggered mark labels.
const MARK_ROW_PX: i32 = 16;
/// Mark labels are staggered over this many rows so neighbours do not collide.
const MARK_ROWS: usize = 3;
/// The volume chart cuts intervals at this multiple of its largest value.
const VOLUME_BAND_CAP: f64 = 2.0;
/// With no false reversal anywhere, a volume bin whose upper bound is above
/// this multiple of the median bin's upper bound has too few terminal-days
/// to show a bar (its bound says "no data", not "risk").
const VOLUME_ZERO_BAND_CAP: f64 = 4.0;
/// The sweep and history charts stop their axis at this multiple of the
/// largest value or limit; an interval reaching higher is cut at the top.
const BAND_CAP: f64 = 2.0;
/// Width of the volume chart's interval bars.
const VOLUME_BAR_PX: u32 = 5;

// ---- Axis rules ----

/// Fraction of the data range added on either side of an axis.
const RANGE_PAD: f64 = 0.05;
/// A value axis turns logarithmic when every value is positive and the
/// largest is more than this many times the smallest (two decades).
pub const LOG_AXIS_SPAN: f64 = 100.0;
/// Roughly how many ticks a linear axis gets.
const LINEAR_TICKS: f64 = 8.0;
/// Upper bound on the ticks any axis asks plotters to draw.
const MAX_TICKS: usize = 64;
/// Tick labels switch to scientific notation at or above this magnitude...
const SCI_FROM: f64 = 1e6;
/// ...and when every tick is below this one.
const SCI_BELOW: f64 = 1e-3;
/// A series whose largest magnitude is under 1/this of the largest series'
/// moves to a right-hand axis (daily error pages beside daily users).
const SECONDARY_AXIS_RATIO: f64 = 10.0;
/// Lines with at most this many points also get a marker on each point.
const MARKERS_UP_TO: usize = 40;
/// Decades on either side of zero shown on the histogram axis before ticks
/// are thinned to every other decade.
const SYMLOG_MAX_DECADES: i32 = 7;
/// Most decades the histogram axis spans on either side of zero; edges
/// closer to zero than that share the linear part around it.
const SYMLOG_MAX_SPAN_DECADES: i32 = 15;
/// Width (in decades) given to an open-ended outer histogram bin.
const OPEN_BIN_DECADES: f64 = 1.0;
/// Linear part of the histogram axis when no bin edge suggests one (seconds).
const DEFAULT_SYMLOG_UNIT: f64 = 1e-3;

// ---- Colours ----

/// Background.
const PAPER: RGBColor = WHITE;
/// Text, axes and the zero line.
const INK: RGBColor = RGBColor(34, 34, 34);
/// Grid lines.
const GRID: RGBColor = RGBColor(226, 226, 226);
/// The simulated value.
const SIMULATED: RGBColor = RGBColor(31, 100, 180);
/// The 95% band: opaque, so SVG and PNG agree and overlaps do not darken.
const BAND: RGBColor = RGBColor(192, 215, 240);
/// A band of a single point, drawn as a bar: a little darker to be seen.
const BAND_BAR: RGBColor = RGBColor(150, 185, 225);
/// The back-of-envelope estimate (dashed).
const ESTIMATE: RGBColor = RGBColor(228, 110, 0);
/// A limit line (dashed).
const LIMIT: RGBColor = RGBColor(200, 20, 20);
/// Histogram bars below zero: the record was deleted before the read.
const ERROR_BAR: RGBColor = RGBColor(214, 45, 40);
/// Histogram bars at or above zero.
const OK_BAR: RGBColor = RGBColor(55, 120, 190);
/// Histogram bars that straddle zero.
const MIXED_BAR: RGBColor = RGBColor(150, 150, 150);
/// Vertical marks (outages, steps).
const MARK: RGBColor = RGBColor(120, 120, 120);
/// The "no data" note.
const MUTED: RGBColor = RGBColor(140, 140, 140);
/// Line colours of the series and clock charts, in order (colour-blind safe
/// Okabe-Ito hues, darkened to read on white).
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(200, 160, 0),
    RGBColor(60, 60, 60),
    RGBColor(150, 60, 30),
];

// ---- Public data types ----

/// A finished chart: the same drawing as SVG text and as PNG bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// The chart as a standalone SVG document.
    pub svg: String,
    /// The chart as a PNG image (8-bit RGB, 900 x 540; small multiples are
    /// taller).
    pub png: Vec<u8>,
}

/// A chart with its file stem (`daily`, `sweep-error_page_rate`): the files
/// are STEM.svg and STEM.png.
pub type NamedChart = (String, Chart);

/// A chart as a report page shows it: its SVG (inlined in HTML), its
/// heading and caption, and the sibling file name Markdown links to.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartSection {
    /// Heading above the chart.
    pub title: String,
    /// What the chart shows and how to read it.
    pub caption: String,
    /// File name of the SVG beside `report.md` (e.g. `report-margin.svg`).
    pub file: String,
    /// The SVG document.
    pub svg: String,
}

/// Why a chart could not be drawn. Missing or non-finite data is not an
/// error (see the module documentation).
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The compiled-in font was rejected by the font loader.
    #[error("the chart font (assets/DejaVuSans-subset.ttf) could not be loaded")]
    Font,
    /// The drawing backend failed.
    #[error("drawing the chart failed: {0}")]
    Draw(String),
    /// The PNG encoder failed.
    #[error("encoding the chart as PNG failed: {0}")]
    Png(#[from] png::EncodingError),
    /// The history chart needs exactly one label per point.
    #[error("history chart: {labels} labels for {points} points; give one label per point")]
    LengthMismatch {
        /// Number of labels given.
        labels: usize,
        /// Number of points given.
        points: usize,
    },
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for ChartError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        ChartError::Draw(e.to_string())
    }
}

/// One point of a metric with its 95% interval and, where one applies, the
/// closed-form back-of-envelope estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandPoint {
    /// Position on the x axis (the swept value). Ignored by [`history`],
    /// which places point `i` at label `i`.
    pub x: f64,
    /// The simulated value.
    pub value: f64,
    /// Lower bound of the 95% interval.
    pub low: f64,
    /// Upper bound of the 95% interval.
    pub high: f64,
    /// The back-of-envelope value, if it applies at this point.
    pub estimate: Option<f64>,
}

/// One histogram bin: `count` observations in `[low, high)`. The outer bins
/// may be open (`low = -inf` or `high = +inf`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bin {
    /// Lower edge (may be `-inf`).
    pub low: f64,
    /// Upper edge (may be `+inf`).
    pub high: f64,
    /// Observations in the bin.
    pub count: u64,
}

/// One line of a [`sweep`] chart: its legend text and points.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BandSeries {
    /// Legend text (`key=value` of the grid's second key); unused when the
    /// chart has one series.
    pub name: String,
    /// The points, in any order.
    pub points: Vec<BandPoint>,
}

/// A horizontal limit line: an `[[expect]]` `max` or `min`.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    /// Where the line is drawn.
    pub value: f64,
    /// Its label (`max 0.01`), in the legend and at the line's right end.
    pub label: String,
}

/// A named line of `(x, y)` points.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    /// Legend text.
    pub name: String,
    /// The points, in any order; non-finite coordinates are skipped.
    pub points: Vec<(f64, f64)>,
}

// ---- The charts ----

/// A metric against a swept parameter: the 95% interval as a shaded band, the
/// simulated value as a line with markers and, where present, the
/// back-of-envelope estimate as a dashed orange line.
///
/// The legend names "simulated", "95% interval" and "back-of-envelope"
/// (each only when the chart has one). A point with a band but no finite
/// neighbour is drawn as an interval bar. The same as [`sweep`] with one
/// line and no limit.
pub fn metric_vs_param(
    title: &str,
    x_label: &str,
    y_label: &str,
    points: &[BandPoint],
) -> Result<Chart, ChartError> {
    sweep(
        title,
        x_label,
        y_label,
        &[BandSeries {
            name: String::new(),
            points: points.to_vec(),
        }],
        &[],
    )
}

/// A metric against a swept parameter, one line per series (the values of
/// a grid's second key), with horizontal `limits` (the scenario's
/// `[[expect]]` limits) drawn dashed red and labelled.
///
/// One series looks like [`metric_vs_param`]. Several are drawn in
/// distinct colours, each with its 95% intervals as thin bars and its
/// back-of-envelope dashed, named in the legend. The y axis is
/// logarithmic when every value is positive and the largest is more than
/// [`LOG_AXIS_SPAN`] times the smallest; interval bounds at or below zero
/// are then drawn at the bottom of the plot. Nothing is drawn outside the
/// plot area.
pub fn sweep(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[BandSeries],
    limits: &[Limit],
) -> Result<Chart, ChartError> {
    let groups = series
        .iter()
        .map(|s| {
            let mut placed: Vec<(f64, BandPoint)> = s
                .points
                .iter()
                .filter(|p| p.x.is_finite())
                .map(|p| (p.x, *p))
                .collect();
            placed.sort_by(|a, b| a.0.total_cmp(&b.0));
            band::Group {
                name: s.name.clone(),
                points: placed,
            }
        })
        .collect();
    render(&BandFigure {
        title,
        x_label,
        y_label,
        categories: None,
        groups,
        limits: limits
            .iter()
            .filter(|l| l.value.is_finite())
            .cloned()
            .collect(),
    })
}

/// The CI regression chart: one point per run (label `i` for point `i`,
/// oldest first), the value line with its 95% band and estimate, and
/// optionally a red dashed horizontal line at `limit`, labelled "limit".
/// A metric that is never negative is drawn from zero, so run-to-run noise
/// does not read as a trend.
///
/// The x axis is categorical; when the labels do not fit side by side only
/// every k-th is shown, counted back from the newest so the latest run is
/// always labelled. Labels longer than 24 characters are shortened.
///
/// # Errors
///
/// [`ChartError::LengthMismatch`] when `labels` and `points` differ in length.
pub fn history(
    title: &str,
    y_label: &str,
    labels: &[String],
    points: &[BandPoint],
    limit: Option<f64>,
) -> Result<Chart, ChartError> {
    let limits: Vec<Limit> = limit
        .filter(|l| l.is_finite())
        .map(|value| Limit {
            value,
            label: "limit".into(),
        })
        .into_iter()
        .collect();
    history_with_limits(title, y_label, labels, points, &limits)
}

/// [`history`] with any number of labelled limits (a metric's `max` and
/// `min`).
///
/// # Errors
///
/// [`ChartError::LengthMismatch`] when `labels` and `points` differ in length.
pub fn history_with_limits(
    title: &str,
    y_label: &str,
    labels: &[String],
    points: &[BandPoint],
    limits: &[Limit],
) -> Result<Chart, ChartError> {
    if labels.len() != points.len() {
        return Err(ChartError::LengthMismatch {
            labels: labels.len(),
            points: points.len(),
        });
    }
    let placed = points
        .iter()
        .enumerate()
        .map(|(i, p)| (i as f64, *p))
        .collect();
    render(&BandFigure {
        title,
        x_label: "run",
        y_label,
        categories: Some(labels),
        groups: vec![band::Group {
            name: String::new(),
            points: placed,
        }],
        limits: limits
            .iter()
            .filter(|l| l.value.is_finite())
            .cloned()
            .collect(),
    })
}

/// The margin histogram on a symmetric-log x axis
/// (`sign(x)·log10(1 + |x|/u)`, with `u` the smallest non-zero bin edge), so
/// that milliseconds and hours are both visible and zero stays in the middle.
///
/// Bars below zero (the record was deleted before the read: an error page)
/// are red, bars at or above zero blue, a bar straddling zero grey; a vertical
/// line at zero is labelled "deleted before the read" on its left and "after"
/// on its right. Open-ended outer bins are drawn one decade wide. Bins with a
/// NaN edge are skipped; a histogram with no counts shows "no data".
pub fn histogram(title: &str, x_label: &str, bins: &[Bin]) -> Result<Chart, ChartError> {
    render(&HistogramFigure::new(
        title,
        x_label,
        bins,
        HistogramWords::CHECKOUT,
    ))
}

/// What a margin histogram's two sides are called: the legend's entries for
/// the bars below zero and at or above it, and the labels on either side of
/// the line at zero.
#[derive(Debug, Clone, Copy)]
pub struct HistogramWords<'a> {
    /// Legend entry of the bars below zero.
    pub negative: &'a str,
    /// Legend entry of the bars at or above zero.
    pub positive: &'a str,
    /// Label left of zero (followed by its count and share).
    pub left: &'a str,
    /// Label right of zero (followed by its count and share).
    pub right: &'a str,
}

impl HistogramWords<'static> {
    /// The checkout model's: an error page when the record was deleted
    /// before the read.
    pub const CHECKOUT: Self = HistogramWords {
        negative: "error page (negative)",
        positive: "no error (zero or positive)",
        left: "deleted before the read",
        right: "after",
    };
}

/// [`histogram()`] with its sides called `words`.
pub fn histogram_with(
    title: &str,
    x_label: &str,
    bins: &[Bin],
    words: HistogramWords<'_>,
) -> Result<Chart, ChartError> {
    render(&HistogramFigure::new(title, x_label, bins, words))
}

/// Several named lines on shared axes, with a legend (the daily series:
/// users and error pages per day).
///
/// A series whose largest magnitude is under a tenth of the largest series'
/// is drawn against a second axis on the right (named after it, and marked
/// "(right axis)" in the legend), so that error pages are not flattened
/// against users. Lines of at most 40 points get a marker on each point.
pub fn series(
    title: &str,
    x_label: &str,
    y_label: &str,
    lines: &[Series],
) -> Result<Chart, ChartError> {
    render(&LinesFigure::new(title, x_label, y_label, lines, &[], true))
}

/// Small multiples: one panel per series, stacked over a shared x axis, each
/// with its own y axis from zero (so a series of tens is not flattened by
/// one of thousands, and no two axes share a panel). A series that takes
/// the same value at every point is not drawn: a note under the panels
/// names it with its value. The image is as tall as its panels need
/// (at least the usual height).
pub fn panels(title: &str, x_label: &str, lines: &[Series]) -> Result<Chart, ChartError> {
    let figure = PanelsFigure::new(title, x_label, lines);
    render_sized(&figure, WIDTH, figure.height())
}

/// Each host's clock offset (seconds, positive = ahead) against true time
/// (hours), on one shared axis so hosts compare directly, with a labelled
/// dashed vertical line at each mark (an outage starting, a step).
pub fn clocks(title: &str, hosts: &[Series], marks: &[(f64, String)]) -> Result<Chart, ChartError> {
    render(&LinesFigure::new(
        title,
        "true time (h)",
        "clock offset (s, positive = ahead)",
        hosts,
        marks,
        false,
    ))
}

/// False reversals per terminal-day against the day's purchase count (the
/// terminal model's `volume.csv`): one marker per bin of the count, at the
/// bin's mean count, over its 95% interval (a bar; intervals reaching above
/// twice the largest value are cut at the top of the chart), the
/// back-of-envelope `max(0, N - R) * q` as a dashed orange curve, and a
/// labelled dashed vertical line at the counter's range `R`. Axis labels
/// name the units (purchases per terminal-day; false reversals per
/// terminal-day). The `estimate` of the points is not drawn: the curve is
/// given apart, since it is a function of N, not of a bin.
pub fn volume(
    title: &str,
    points: &[BandPoint],
    curve: &[(f64, f64)],
    range: Option<f64>,
) -> Result<Chart, ChartError> {
    let mut points = points.to_vec();
    points.sort_by(|a, b| a.x.total_cmp(&b.x));
    let mut curve = curve.to_vec();
    curve.sort_by(|a, b| a.0.total_cmp(&b.0));
    render(&VolumeFigure {
        title,
        points,
        curve,
        range,
    })
}

// ---- Rendering ----

/// A chart that can draw itself on any plotters backend.
trait Figure {
    /// Draws the whole chart on `root`.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError>;
}

/// Draws `figure` as SVG and as an RGB bitmap, and encodes the bitmap as PNG.
fn render(figure: &impl Figure) -> Result<Chart, ChartError> {
    render_sized(figure, WIDTH, HEIGHT)
}

/// [`render`] at `width` x `height` pixels.
fn render_sized(figure: &impl Figure, width: u32, height: u32) -> Result<Chart, ChartError> {
    ensure_font()?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        figure.draw(&root)?;
        root.present()?;
    }
    let mut pixels = vec![0u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        figure.draw(&root)?;
        root.present()?;
    }
    let mut png_bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut png_bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(Chart {
        svg,
        png: png_bytes,
    })
}

/// Registers the compiled-in font with plotters, once per process.
fn ensure_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT_BYTES).is_ok()
    });
    if ok { Ok(()) } else { Err(ChartError::Font) }
}

fn text(size: f64, colour: &'static RGBColor) -> TextStyle<'static> {
    (FONT_FAMILY, size).into_font().color(colour)
}

/// Cuts `s` to at most `max` characters, marking the cut with an ellipsis.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut cut: String = s.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// What a legend entry shows beside its text.
#[derive(Debug, Clone, Copy)]
enum Swatch {
    /// A solid line.
    Line(RGBColor),
    /// A solid line with a point marker.
    LineMarker(RGBColor),
    /// A point marker alone.
    Marker(RGBColor),
    /// A hollow point marker.
    Hollow(RGBColor),
    /// A dashed line.
    Dashed(RGBColor),
    /// A filled box.
    Fill(RGBColor),
    /// A vertical interval bar.
    Bar(RGBColor),
    /// A line of a multi-line chart: its dash pattern, and its marker if
    /// the flag is set.
    Stroke(Stroke, bool),
    /// Nothing: the entry is a note.
    None,
}

/// The marker shapes lines of a multi-line chart cycle through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Circle,
    Square,
    Triangle,
    Cross,
}

/// How one line of a multi-line chart is drawn: its colour, dash pattern
/// (`None`: solid) and marker shape. Lines differ in all three, so two that
/// coincide stay visible: the later one's gaps and markers show the
/// earlier one under it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Stroke {
    colour: RGBColor,
    dash: Option<(u32, u32)>,
    marker: Marker,
}

/// Dash patterns (dash, gap in pixels) of the lines of a multi-line chart,
/// one per palette colour: only the first line is solid, and it is drawn
/// first, so a later line over it leaves it showing through its gaps.
const LINE_DASHES: [Option<(u32, u32)>; 8] = [
    None,
    Some((12, 5)),
    Some((3, 4)),
    Some((20, 6)),
    Some((8, 8)),
    Some((2, 9)),
    Some((16, 3)),
    Some((5, 12)),
];
/// Marker shapes of the lines of a multi-line chart.
const LINE_MARKERS: [Marker; 4] = [
    Marker::Circle,
    Marker::Square,
    Marker::Triangle,
    Marker::Cross,
];

impl Stroke {
    /// The stroke of line `i` of a multi-line chart.
    fn nth(i: usize) -> Stroke {
        Stroke {
            colour: PALETTE[i % PALETTE.len()],
            dash: LINE_DASHES[i % LINE_DASHES.len()],
            marker: LINE_MARKERS[i % LINE_MARKERS.len()],
        }
    }

    /// A solid line with round markers (a chart's only line).
    fn solid(colour: RGBColor) -> Stroke {
        Stroke {
            colour,
            dash: None,
            marker: Marker::Circle,
        }
    }

    /// The line through `points` (data coordinates), `width` pixels wide.
    fn line<C>(&self, points: Vec<C>, width: u32) -> Stroked<C> {
        Stroked {
            points,
            stroke: *self,
            width,
            markers: false,
        }
    }

    /// A marker at each of `points` (data coordinates).
    fn markers<C>(&self, points: Vec<C>) -> Stroked<C> {
        Stroked {
            points,
            stroke: *self,
            width: LINE_PX,
            markers: true,
        }
    }

    /// The legend swatch: the line from `x0` to `x1` at `y` and, if
    /// `marker`, the marker in the middle (pixel coordinates).
    fn swatch<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        (x0, x1, y): (i32, i32, i32),
        marker: bool,
    ) -> Result<(), ChartError> {
        area.draw(&self.line(vec![(x0, y), (x1, y)], LINE_PX))?;
        if marker {
            area.draw(&self.markers(vec![((x0 + x1) / 2, y)]))?;
        }
        Ok(())
    }
}

/// A line, or a marker at each point, drawn in a [`Stroke`]: one element
/// plotters draws on any backend (the dashes are laid out in pixels, so they
/// look the same whatever the axes).
struct Stroked<C> {
    points: Vec<C>,
    stroke: Stroke,
    width: u32,
    markers: bool,
}

impl<'a, C> PointCollection<'a, C> for &'a Stroked<C> {
    type Point = &'a C;
    type IntoIter = &'a [C];
    fn point_iter(self) -> &'a [C] {
        &self.points
    }
}

impl<C, DB: DrawingBackend> Drawable<DB> for Stroked<C> {
    fn draw<I: Iterator<Item = BackendCoord>>(
        &self,
        pos: I,
        backend: &mut DB,
        _: (u32, u32),
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        let pixels: Vec<BackendCoord> = pos.collect();
        let colour = self.stroke.colour;
        let line = colour.stroke_width(self.width);
        if !self.markers {
            return match self.stroke.dash {
                None => backend.draw_path(pixels, &line),
                Some((dash, gap)) => {
                    let (w, h) = backend.get_size();
                    let bounds = (w as i32, h as i32);
                    for (a, b) in dashes(&pixels, f64::from(dash), f64::from(gap), bounds) {
                        backend.draw_line(a, b, &line)?;
                    }
                    Ok(())
                }
            };
        }
        let fill = colour.filled();
        let r = MARKER_PX as i32;
        for (x, y) in pixels {
            match self.stroke.marker {
                Marker::Circle => backend.draw_circle((x, y), MARKER_PX, &fill, true)?,
                Marker::Square => backend.draw_rect(
                    (x - r + 1, y - r + 1),
                    (x + r - 1, y + r - 1),
                    &fill,
                    true,
                )?,
                Marker::Triangle => backend.fill_polygon(
                    [
                        (x, y - r - 1),
                        (x + r + 1, y + r - 1),
                        (x - r - 1, y + r - 1),
                    ],
                    &fill,
                )?,
                Marker::Cross => {
                    let cross = colour.stroke_width(LINE_PX);
                    backend.draw_line((x - r, y - r), (x + r, y + r), &cross)?;
                    backend.draw_line((x - r, y + r), (x + r, y - r), &cross)?;
                }
            }
        }
        Ok(())
    }
}

/// The dashes of the polyline `path` (pixels): pieces `dash` long separated
/// by gaps `gap` long, measured along the path, so a dash may turn a corner
/// (it is then two pieces). Only what lies within `bounds` (the image's
/// width and height, a few pixels more) is dashed, so a far-off point costs
/// nothing.
fn dashes(
    path: &[BackendCoord],
    dash: f64,
    gap: f64,
    bounds: (i32, i32),
) -> Vec<(BackendCoord, BackendCoord)> {
    let mut out = Vec::new();
    // distance into the current dash-and-gap period
    let mut phase = 0.0;
    let period = dash + gap;
    let pad = f64::from(LINE_PX) * 2.0;
    let (lo, hi) = (
        (-pad, -pad),
        (f64::from(bounds.0) + pad, f64::from(bounds.1) + pad),
    );
    for w in path.windows(2) {
        let p = |c: BackendCoord| (f64::from(c.0), f64::from(c.1));
        let Some((a, b)) = clip(p(w[0]), p(w[1]), lo, hi) else {
            continue;
        };
        let len = (b.0 - a.0).hypot(b.1 - a.1);
        let at = |t: f64| {
            let f = if len > 0.0 { t / len } else { 0.0 };
            (
                (a.0 + (b.0 - a.0) * f).round() as i32,
                (a.1 + (b.1 - a.1) * f).round() as i32,
            )
        };
        let mut t = 0.0;
        // (1e-9 pixel steps are taken as done, so rounding cannot stall it)
        while len - t > 1e-9 {
            let in_dash = phase < dash;
            let left = if in_dash {
                dash - phase
            } else {
                period - phase
            };
            let step = left.min(len - t);
            if in_dash {
                out.push((at(t), at(t + step)));
            }
            t += step;
            phase += step;
            if phase >= period - 1e-9 {
                phase = 0.0;
            } else if in_dash && phase >= dash - 1e-9 {
                phase = dash;
            }
        }
    }
    out
}

/// The part of the segment `a`-`b` inside the box `lo`-`hi`
/// (Liang-Barsky), if any.
fn clip(
    a: (f64, f64),
    b: (f64, f64),
    lo: (f64, f64),
    hi: (f64, f64),
) -> Option<((f64, f64), (f64, f64))> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a.0 - lo.0),
        (dx, hi.0 - a.0),
        (-dy, a.1 - lo.1),
        (dy, hi.1 - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    (t0 <= t1).then_some((
        (a.0 + t0 * dx, a.1 + t0 * dy),
        (a.0 + t1 * dx, a.1 + t1 * dy),
    ))
}

/// The names of lines that coincide: every group of two or more lines
/// (by index into `lines`, each a list of points sorted by x) whose points
/// are the same, to a relative 1e-9.
fn coinciding(lines: &[Vec<(f64, f64)>]) -> Vec<Vec<usize>> {
    let same = |a: &[(f64, f64)], b: &[(f64, f64)]| {
        let close = |u: f64, v: f64| u == v || (u - v).abs() <= 1e-9 * u.abs().max(v.abs());
        !a.is_empty()
            && a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(p, q)| close(p.0, q.0) && close(p.1, q.1))
    };
    let mut taken = vec![false; lines.len()];
    let mut groups = Vec::new();
    for i in 0..lines.len() {
        if taken[i] {
            continue;
        }
        let group: Vec<usize> = (i..lines.len())
            .filter(|&j| !taken[j] && same(&lines[i], &lines[j]))
            .collect();
        if group.len() > 1 {
            for &j in &group {
                taken[j] = true;
            }
            groups.push(group);
        }
    }
    groups
}

/// "a and b coincide", "a, b and c coincide".
fn coincide_note(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last} coincide", init.join(", ")),
    }
}

struct LegendEntry {
    label: String,
    swatch: Swatch,
}

impl LegendEntry {
    fn new(label: impl Into<String>, swatch: Swatch) -> Self {
        LegendEntry {
            label: label.into(),
            swatch,
        }
    }
}

/// Paints the background, the title and the legend; returns the area left
/// for the plot. The legend sits above the plot so it never hides data, and
/// wraps into as many centred rows as its entries need to fit the width
/// ([`legend_rows`]).
fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    legend: &[LegendEntry],
) -> Result<DrawingArea<DB, Shift>, ChartError> {
    root.fill(&PAPER)?;
    let below_title = root.titled(&shorten(title, TITLE_MAX_CHARS), text(TITLE_FONT_PX, &INK))?;
    if legend.is_empty() {
        return Ok(below_title);
    }
    let style = text(LEGEND_FONT_PX, &INK).pos(Pos::new(HPos::Left, VPos::Center));
    let mut widths = Vec::with_capacity(legend.len());
    for entry in legend {
        let text_w = below_title.estimate_text_size(&entry.label, &style)?.0 as i32;
        widths.push(match entry.swatch {
            Swatch::None => text_w,
            _ => SWATCH_PX + SWATCH_GAP_PX + text_w,
        });
    }
    let area_w = below_title.dim_in_pixel().0 as i32;
    let rows = legend_rows(&widths, area_w - 2 * MARGIN_PX as i32);
    let (legend_area, plot_area) = below_title.split_vertically(LEGEND_ROW_PX * rows.len() as u32);
    for (r, row) in rows.iter().enumerate() {
        let total: i32 =
            row.iter().map(|&i| widths[i]).sum::<i32>() + LEGEND_GAP_PX * (row.len() as i32 - 1);
        let x = ((area_w - total) / 2).max(MARGIN_PX as i32);
        let y = LEGEND_ROW_PX as i32 * r as i32 + LEGEND_ROW_PX as i32 / 2;
        draw_legend_row(
            &legend_area,
            row.iter().map(|&i| (&legend[i], widths[i])),
            x,
            y,
            &style,
        )?;
    }
    Ok(plot_area)
}

/// Splits legend entries of the given widths (swatch and text) into rows no
/// wider than `avail`, in order, as few as greedy filling gives; an entry
/// wider than `avail` gets a row of its own.
fn legend_rows(widths: &[i32], avail: i32) -> Vec<Vec<usize>> {
    let mut rows: Vec<Vec<usize>> = Vec::new();
    let mut used = 0;
    for (i, &w) in widths.iter().enumerate() {
        match rows.last_mut() {
            Some(row) if used + LEGEND_GAP_PX + w <= avail => {
                row.push(i);
                used += LEGEND_GAP_PX + w;
            }
            _ => {
                rows.push(vec![i]);
                used = w;
            }
        }
    }
    rows
}

/// Draws one legend row starting at `x`, centred on `y`.
fn draw_legend_row<'e, DB: DrawingBackend>(
    legend_area: &DrawingArea<DB, Shift>,
    entries: impl Iterator<Item = (&'e LegendEntry, i32)>,
    mut x: i32,
    y: i32,
    style: &TextStyle<'_>,
) -> Result<(), ChartError> {
    for (entry, w) in entries {
        let (x0, x1) = (x, x + SWATCH_PX);
        match entry.swatch {
            Swatch::Line(c) => {
                legend_area.draw(&PathElement::new(
                    vec![(x0, y), (x1, y)],
                    c.stroke_width(LINE_PX),
                ))?;
            }
            Swatch::LineMarker(c) => {
                legend_area.draw(&PathElement::new(
                    vec![(x0, y), (x1, y)],
                    c.stroke_width(LINE_PX),
                ))?;
                legend_area.draw(&Circle::new(((x0 + x1) / 2, y), MARKER_PX, c.filled()))?;
            }
            Swatch::Marker(c) => {
                legend_area.draw(&Circle::new(((x0 + x1) / 2, y), MARKER_PX, c.filled()))?;
            }
            Swatch::Hollow(c) => {
                legend_area.draw(&Circle::new(
                    ((x0 + x1) / 2, y),
                    MARKER_PX,
                    c.stroke_width(1),
                ))?;
            }
            Swatch::Dashed(c) => {
                let dash = (SWATCH_PX - DASH_GAP_PX as i32) / 2;
                for start in [x0, x1 - dash] {
                    legend_area.draw(&PathElement::new(
                        vec![(start, y), (start + dash, y)],
                        c.stroke_width(LINE_PX),
                    ))?;
                }
            }
            Swatch::Fill(c) => {
                legend_area.draw(&Rectangle::new([(x0, y - 6), (x1, y + 6)], c.filled()))?;
            }
            Swatch::Bar(c) => {
                let mid = (x0 + x1) / 2;
                legend_area.draw(&PathElement::new(
                    vec![(mid, y - 8), (mid, y + 8)],
                    c.stroke_width(LINE_PX),
                ))?;
            }
            Swatch::Stroke(stroke, marker) => stroke.swatch(legend_area, (x0, x1, y), marker)?,
            Swatch::None => {}
        }
        let text_x = match entry.swatch {
            Swatch::None => x,
            _ => x1 + SWATCH_GAP_PX,
        };
        legend_area.draw(&Text::new(entry.label.as_str(), (text_x, y), style.clone()))?;
        x += w + LEGEND_GAP_PX;
    }
    Ok(())
}

/// Draws the grid, ticks and axis labels of a chart.
fn draw_mesh<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<Axis, Axis>>,
    x_label: &str,
    y_label: &str,
) -> Result<(), ChartError> {
    chart
        .configure_mesh()
        .x_labels(MAX_TICKS)
        .y_labels(MAX_TICKS)
        .bold_line_style(GRID.stroke_width(1))
        .axis_style(INK.stroke_width(1))
        .label_style(text(TICK_FONT_PX, &INK))
        .axis_desc_style(text(AXIS_FONT_PX, &INK))
        .x_desc(x_label)
        .y_desc(y_label)
        .draw()?;
    Ok(())
}

/// Writes "no data" in the middle of the plot.
fn draw_no_data<DB: DrawingBackend>(
    chart: &ChartContext<'_, DB, Cartesian2d<Axis, Axis>>,
) -> Result<(), ChartError> {
    let (x, y) = (chart.x_range(), chart.y_range());
    let centre = ((x.start + x.end) / 2.0, (y.start + y.end) / 2.0);
    let style = text(EMPTY_FONT_PX, &MUTED).pos(Pos::new(HPos::Center, VPos::Center));
    chart
        .plotting_area()
        .draw(&Text::new("no data", centre, style))?;
    Ok(())
}

/// Splits x-sorted items into runs of consecutive items for which `f` gives
/// a point, so a missing value breaks a line instead of bridging the gap.
fn runs<T, P>(items: &[T], f: impl Fn(&T) -> Option<P>) -> Vec<Vec<P>> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    for item in items {
        match f(item) {
            Some(p) => current.push(p),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// `(x, y)` if both are finite.
fn finite_point(x: f64, y: f64) -> Option<(f64, f64)> {
    (x.is_finite() && y.is_finite()).then_some((x, y))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Decodes a PNG into (width, height, RGB bytes).
    fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder.read_info().expect("PNG header");
        let mut pixels = vec![0; reader.output_buffer_size().expect("buffer size")];
        let info = reader.next_frame(&mut pixels).expect("PNG frame");
        assert_eq!(info.color_type, png::ColorType::Rgb);
        pixels.truncate(info.buffer_size());
        (info.width, info.height, pixels)
    }

    /// Checks that the SVG is one document holding every text in `texts`
    /// and that the PNG decodes to the chart size with more than a few
    /// colours. With RACESIM_CHART_PREVIEW set, also writes the chart to
    /// /tmp/charts-preview/`name`.{png,svg} to look at.
    #[track_caller]
    fn check(name: &str, chart: &Chart, texts: &[&str]) {
        let svg = chart.svg.trim();
        assert!(
            svg.starts_with("<svg"),
            "{name}: SVG starts {:?}",
            &svg[..svg.len().min(40)]
        );
        assert!(svg.ends_with("</svg>"), "{name}: SVG is not closed");
        for t in texts {
            assert!(svg.contains(t), "{name}: SVG lacks the text {t:?}");
        }
        let (w, h, pixels) = decode(&chart.png);
        assert_eq!((w, h), (WIDTH, HEIGHT), "{name}: PNG size");
        let colours: BTreeSet<&[u8]> = pixels.chunks(3).collect();
        assert!(
            colours.len() > 3,
            "{name}: PNG has {} colours",
            colours.len()
        );
        if std::env::var_os("RACESIM_CHART_PREVIEW").is_some() {
            let dir = std::path::Path::new("/tmp/charts-preview");
            std::fs::create_dir_all(dir).expect("preview folder");
            std::fs::write(dir.join(format!("{name}.png")), &chart.png).expect("preview PNG");
            std::fs::write(dir.join(format!("{name}.svg")), &chart.svg).expect("preview SVG");
        }
    }

    /// Whether the PNG has at least `min` pixels of exactly `colour`.
    fn has_colour(chart: &Chart, colour: RGBColor, min: usize) -> bool {
        let (_, _, pixels) = decode(&chart.png);
        let want = [colour.0, colour.1, colour.2];
        pixels.chunks(3).filter(|p| *p == want).count() >= min
    }

    fn point(x: f64, value: f64, half_width: f64, estimate: Option<f64>) -> BandPoint {
        BandPoint {
            x,
            value,
            low: value - half_width,
            high: value + half_width,
            estimate,
        }
    }

    /// An error-page rate rising with skew, as the checkout sweep gives it.
    fn skew_sweep() -> Vec<BandPoint> {
        (0..=8)
            .map(|i| {
                let skew = i as f64;
                let estimate = (skew - 5.0).max(0.0) * 0.002;
                point(
                    skew,
                    estimate * 1.1 + 0.0004,
                    0.0006 + estimate * 0.15,
                    Some(estimate),
                )
            })
            .collect()
    }

    fn bins() -> Vec<Bin> {
        let edges = [
            f64::NEG_INFINITY,
            -1000.0,
            -100.0,
            -10.0,
            -1.0,
            -0.1,
            -0.01,
            -0.001,
            0.0,
            0.001,
            0.01,
            0.1,
            1.0,
            10.0,
            100.0,
            1000.0,
            f64::INFINITY,
        ];
        let counts = [0, 2, 5, 14, 30, 22, 6, 1, 3, 40, 260, 900, 400, 120, 30, 4];
        edges
            .windows(2)
            .zip(counts)
            .map(|(e, count)| Bin {
                low: e[0],
                high: e[1],
                count,
            })
            .collect()
    }

    fn labels(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| format!("2025-01-{:02}", i % 28 + 1))
            .collect()
    }

    #[test]
    fn metric_vs_param_shows_band_value_and_estimate() {
        let chart = metric_vs_param(
            "checkout: error-page rate vs skew",
            "transfer clock skew (min)",
            "error-page rate (per user)",
            &skew_sweep(),
        )
        .unwrap();
        check(
            "metric_vs_param",
            &chart,
            &[
                "checkout: error-page rate vs skew",
                "transfer clock skew (min)",
                "error-page rate (per user)",
                "simulated",
                "95% interval",
                "back-of-envelope",
            ],
        );
        assert!(has_colour(&chart, BAND, 2000), "band not visible");
        assert!(
            has_colour(&chart, ESTIMATE, 100),
            "estimate line not visible"
        );
        assert!(has_colour(&chart, SIMULATED, 100), "value line not visible");
    }

    #[test]
    fn metric_without_estimate_leaves_it_out_of_the_legend() {
        let points: Vec<BandPoint> = skew_sweep()
            .into_iter()
            .map(|p| BandPoint {
                estimate: None,
                ..p
            })
            .collect();
        let chart = metric_vs_param("no estimate", "skew (min)", "rate", &points).unwrap();
        check("metric_no_estimate", &chart, &["simulated", "95% interval"]);
        assert!(!chart.svg.contains("back-of-envelope"));
    }

    #[test]
    fn metric_vs_param_survives_empty_single_nan_and_flat_input() {
        let empty = metric_vs_param("empty sweep", "skew (min)", "rate", &[]).unwrap();
        check(
            "metric_empty",
            &empty,
            &["empty sweep", "skew (min)", "rate", "no data"],
        );

        let single = metric_vs_param(
            "one point",
            "skew (min)",
            "rate",
            &[point(6.0, 0.002, 0.0005, Some(0.0018))],
        )
        .unwrap();
        check(
            "metric_single",
            &single,
            &["one point", "simulated", "95% interval"],
        );
        assert!(!single.svg.contains("no data"));

        let nan = BandPoint {
            x: 1.0,
            value: f64::NAN,
            low: f64::NAN,
            high: f64::NAN,
            estimate: Some(f64::NAN),
        };
        let all_nan = metric_vs_param(
            "all NaN",
            "skew (min)",
            "rate",
            &[nan, BandPoint { x: f64::NAN, ..nan }],
        )
        .unwrap();
        check("metric_all_nan", &all_nan, &["no data"]);

        // A NaN in the middle breaks the line; infinities are skipped too.
        let mut gappy = skew_sweep();
        gappy[3].value = f64::NAN;
        gappy[4].high = f64::INFINITY;
        gappy[5].estimate = None;
        check(
            "metric_gappy",
            &metric_vs_param("gaps", "skew (min)", "rate", &gappy).unwrap(),
            &["simulated"],
        );

        // Every value equal, and every x equal: both axes get padded.
        let flat: Vec<BandPoint> = (0..4).map(|_| point(2.0, 0.0, 0.0, Some(0.0))).collect();
        check(
            "metric_flat",
            &metric_vs_param("flat", "skew (min)", "rate", &flat).unwrap(),
            &["simulated"],
        );
    }

    #[test]
    fn histogram_marks_the_error_side() {
        let chart = histogram(
            "checkout: margin between deletion and read",
            "deletion time minus read time (s)",
            &bins(),
        )
        .unwrap();
        check(
            "histogram",
            &chart,
            &[
                "checkout: margin between deletion and read",
                "deletion time minus read time (s)",
                "count",
                "deleted before the read",
                "after",
                "error page",
            ],
        );
        assert!(has_colour(&chart, ERROR_BAR, 200), "no red bars");
        assert!(has_colour(&chart, OK_BAR, 2000), "no blue bars");
        assert!(!chart.svg.contains("no data"));
    }

    #[test]
    fn histogram_survives_odd_bins() {
        let cases: [(&str, Vec<Bin>); 6] = [
            ("hist_empty", vec![]),
            (
                "hist_zero_counts",
                bins().into_iter().map(|b| Bin { count: 0, ..b }).collect(),
            ),
            (
                "hist_one_open_bin",
                vec![Bin {
                    low: f64::NEG_INFINITY,
                    high: f64::INFINITY,
                    count: 7,
                }],
            ),
            (
                "hist_nan_edges",
                vec![
                    Bin {
                        low: f64::NAN,
                        high: 1.0,
                        count: 3,
                    },
                    Bin {
                        low: 1.0,
                        high: 1.0,
                        count: 3,
                    },
                    Bin {
                        low: 2.0,
                        high: 1.0,
                        count: 3,
                    },
                ],
            ),
            (
                "hist_positive_only",
                vec![Bin {
                    low: 0.5,
                    high: 2.0,
                    count: 10,
                }],
            ),
            (
                "hist_straddles_zero",
                vec![Bin {
                    low: -0.5,
                    high: 0.5,
                    count: 10,
                }],
            ),
        ];
        for (name, bins) in cases {
            let chart = histogram(name, "margin (s)", &bins).unwrap();
            check(name, &chart, &[name, "margin (s)", "count", "error page"]);
        }
        let empty = histogram("empty", "margin (s)", &[]).unwrap();
        assert!(empty.svg.contains("no data"));
        assert!(!empty.svg.contains("deleted before the read"));
        let open = histogram(
            "open",
            "margin (s)",
            &[Bin {
                low: f64::NEG_INFINITY,
                high: f64::INFINITY,
                count: 7,
            }],
        )
        .unwrap();
        assert!(open.svg.contains("deleted before the read"));
        assert!(!open.svg.contains("no data"));
        let straddle = histogram(
            "s",
            "margin (s)",
            &[Bin {
                low: -0.5,
                high: 0.5,
                count: 10,
            }],
        )
        .unwrap();
        assert!(straddle.svg.contains("bin spans zero"));
    }

    #[test]
    fn series_puts_a_small_series_on_a_right_axis() {
        let users = Series {
            name: "users".into(),
            points: (0..30)
                .map(|d| (d as f64, 4000.0 + 600.0 * ((d % 7) as f64)))
                .collect(),
        };
        let errors = Series {
            name: "error pages".into(),
            points: (0..30)
                .map(|d| (d as f64, 10.0 + (d * 7 % 11) as f64))
                .collect(),
        };
        let chart = series(
            "checkout: users and error pages per day",
            "day",
            "users per day",
            &[users.clone(), errors],
        )
        .unwrap();
        check(
            "series",
            &chart,
            &[
                "checkout: users and error pages per day",
                "day",
                "users per day",
                "users",
                "error pages (right axis)",
            ],
        );

        // Comparable magnitudes share one axis.
        let other = Series {
            name: "returning users".into(),
            points: users.points.iter().map(|p| (p.0, p.1 * 0.5)).collect(),
        };
        let shared = series("same scale", "day", "users per day", &[users, other]).unwrap();
        check("series_shared", &shared, &["users", "returning users"]);
        assert!(!shared.svg.contains("right axis"));
    }

    #[test]
    fn series_survives_empty_single_and_nan() {
        let empty = series("no series", "day", "per day", &[]).unwrap();
        check(
            "series_empty",
            &empty,
            &["no series", "day", "per day", "no data"],
        );
        let blank = Series {
            name: "blank".into(),
            points: vec![(f64::NAN, 1.0), (1.0, f64::NAN), (f64::INFINITY, 2.0)],
        };
        let nothing = series("only NaN", "day", "per day", std::slice::from_ref(&blank)).unwrap();
        check("series_nan", &nothing, &["no data"]);
        let single = Series {
            name: "one day".into(),
            points: vec![(3.0, 12.0)],
        };
        let chart = series("one point", "day", "per day", &[single, blank]).unwrap();
        check("series_single", &chart, &["one day"]);
        assert!(!chart.svg.contains("no data"));
        assert!(
            !chart.svg.contains(">blank<"),
            "a series with nothing to draw has no legend entry"
        );
    }

    #[test]
    fn history_labels_runs_and_draws_the_limit() {
        let points: Vec<BandPoint> = (0..8)
            .map(|i| point(0.0, 0.003 + 0.0002 * (i % 4) as f64, 0.0008, None))
            .collect();
        let chart = history(
            "checkout: error-page rate per CI run",
            "error-page rate (per user)",
            &labels(8),
            &points,
            Some(0.005),
        )
        .unwrap();
        check(
            "history",
            &chart,
            &[
                "checkout: error-page rate per CI run",
                "error-page rate (per user)",
                "run",
                "limit",
                "simulated",
                "95% interval",
                "2025-01-01",
                "2025-01-08",
            ],
        );
        assert!(has_colour(&chart, LIMIT, 100), "limit line not visible");
    }

    #[test]
    fn history_thins_many_labels_but_keeps_the_latest() {
        let n = 200;
        let names: Vec<String> = (0..n).map(|i| format!("run-{i:04}")).collect();
        let points: Vec<BandPoint> = (0..n)
            .map(|i| point(0.0, 1.0 + (i as f64 / 10.0).sin(), 0.2, Some(1.0)))
            .collect();
        let chart = history("200 runs", "rate", &names, &points, None).unwrap();
        check(
            "history_many",
            &chart,
            &["200 runs", "run-0199", "back-of-envelope"],
        );
        let shown = names
            .iter()
            .filter(|l| chart.svg.contains(l.as_str()))
            .count();
        assert!((5..=40).contains(&shown), "{shown} of {n} labels shown");
        assert!(!chart.svg.contains(">limit<"));
    }

    #[test]
    fn history_survives_empty_nan_and_single() {
        let empty = history("no runs", "rate", &[], &[], Some(0.01)).unwrap();
        check("history_empty", &empty, &["no runs", "rate", "no data"]);
        let nan = BandPoint {
            x: 0.0,
            value: f64::NAN,
            low: f64::NAN,
            high: f64::NAN,
            estimate: None,
        };
        let nan_chart = history("NaN run", "rate", &labels(1), &[nan], Some(f64::NAN)).unwrap();
        check("history_nan", &nan_chart, &["no data"]);
        let single = history(
            "one run",
            "rate",
            &labels(1),
            &[point(0.0, 0.2, 0.05, None)],
            Some(0.3),
        )
        .unwrap();
        check("history_single", &single, &["2025-01-01", "limit"]);
    }

    #[test]
    fn history_refuses_labels_that_do_not_match_points() {
        let err = history("t", "rate", &labels(3), &skew_sweep(), None).unwrap_err();
        assert!(
            matches!(
                err,
                ChartError::LengthMismatch {
                    labels: 3,
                    points: 9
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("3 labels for 9 points"));
    }

    #[test]
    fn clocks_draw_each_host_and_the_marks() {
        // Front-end synced near zero; the transfer host drifts during an outage.
        let front = Series {
            name: "front-end".into(),
            points: (0..=96)
                .map(|h| (h as f64, 0.002 * ((h % 5) as f64 - 2.0)))
                .collect(),
        };
        let transfer = Series {
            name: "transfer".into(),
            points: (0..=96)
                .map(|h| {
                    let h = h as f64;
                    let drift = if (24.0..72.0).contains(&h) {
                        (h - 24.0) * 7.5
                    } else {
                        0.0
                    };
                    (h, drift)
                })
                .collect(),
        };
        let marks = vec![
            (24.0, "ntpd stopped".to_string()),
            (72.0, "ntpd restarted".to_string()),
        ];
        let chart = clocks("checkout: host clocks", &[front, transfer], &marks).unwrap();
        check(
            "clocks",
            &chart,
            &[
                "checkout: host clocks",
                "true time (h)",
                "clock offset (s, positive = ahead)",
                "front-end",
                "transfer",
                "ntpd stopped",
                "ntpd restarted",
            ],
        );
        assert!(!chart.svg.contains("right axis"), "clocks share one axis");
    }

    #[test]
    fn clocks_survive_empty_input_and_marks_alone() {
        let empty = clocks("no hosts", &[], &[]).unwrap();
        check(
            "clocks_empty",
            &empty,
            &["no hosts", "true time (h)", "no data"],
        );
        let marks_only = clocks(
            "marks only",
            &[],
            &[(5.0, "step".into()), (f64::NAN, "lost".into())],
        )
        .unwrap();
        check("clocks_marks_only", &marks_only, &["step", "no data"]);
        assert!(!marks_only.svg.contains("lost"));
        let single = Series {
            name: "host".into(),
            points: vec![(1.0, 360.0)],
        };
        check(
            "clocks_single",
            &clocks("one sample", &[single], &[]).unwrap(),
            &["host"],
        );
    }

    #[test]
    fn extreme_magnitudes_draw_without_panicking() {
        let huge = [
            point(-1e300, 1e308, 1e307, Some(-1e308)),
            point(1e300, -1e308, 1e307, None),
        ];
        check(
            "metric_huge",
            &metric_vs_param("huge", "x", "y", &huge).unwrap(),
            &["huge"],
        );
        let tiny = [
            point(1e-300, 1e-320, 1e-321, None),
            point(2e-300, 2e-320, 0.0, None),
        ];
        check(
            "metric_tiny",
            &metric_vs_param("tiny", "x", "y", &tiny).unwrap(),
            &["tiny"],
        );
        let bins = [
            Bin {
                low: -1e300,
                high: -1e-300,
                count: u64::MAX,
            },
            Bin {
                low: 1e-300,
                high: f64::INFINITY,
                count: u64::MAX,
            },
        ];
        check(
            "hist_huge",
            &histogram("huge bins", "margin (s)", &bins).unwrap(),
            &["huge bins"],
        );
        let line = Series {
            name: "wild".into(),
            points: vec![(0.0, f64::MAX), (1.0, -f64::MAX), (2.0, f64::MIN_POSITIVE)],
        };
        check(
            "series_huge",
            &series("wild", "day", "per day", &[line]).unwrap(),
            &["wild"],
        );
    }

    /// False reversals per terminal-day by daily volume, as a busy fleet
    /// gives them: zero up to the range, then rising; sparse top bins.
    fn volume_bins() -> (Vec<BandPoint>, Vec<(f64, f64)>) {
        let q = 2.0e-4;
        let mut points = Vec::new();
        let mut curve = vec![(999.0, 0.0)];
        for b in 30..56 {
            let (low, high) = (b as f64 * 25.0, b as f64 * 25.0 + 24.0);
            let mid = (low + high) / 2.0;
            let days: f64 = if b < 50 { 400.0 } else { 4.0 };
            let expected = (mid - 999.0).max(0.0) * q;
            let count = (expected * days).round();
            let (lo, hi) = crate::stats::garwood(count as u64, 0.95);
            points.push(BandPoint {
                x: mid + 1.5,
                value: count / days,
                low: lo / days,
                high: hi / days,
                estimate: None,
            });
            if expected > 0.0 {
                curve.push((mid, expected));
            }
        }
        (points, curve)
    }

    #[test]
    fn volume_shows_bins_their_intervals_the_curve_and_the_range() {
        let (points, curve) = volume_bins();
        let chart = volume(
            "cinnamon-twist: false reversals against daily volume",
            &points,
            &curve,
            Some(999.0),
        )
        .unwrap();
        check(
            "volume",
            &chart,
            &[
                "cinnamon-twist: false reversals against daily volume",
                "purchases per terminal-day (N, mean of the bin)",
                "false reversals per terminal-day",
                "simulated (per bin)",
                "95% interval",
                "back-of-envelope",
                "counter range R = 999",
            ],
        );
        assert!(
            has_colour(&chart, BAND_BAR, 500),
            "interval bars not visible"
        );
        assert!(has_colour(&chart, ESTIMATE, 100), "curve not visible");
        assert!(has_colour(&chart, SIMULATED, 100), "points not visible");
        // The sparse top bins' intervals are cut, not stretching the axis.
        let top = points.iter().map(|p| p.value).fold(0.0, f64::max);
        assert!(points.iter().any(|p| p.high > 3.0 * top));
        assert_eq!(
            chart,
            volume(
                "cinnamon-twist: false reversals against daily volume",
                &points,
                &curve,
                Some(999.0)
            )
            .unwrap()
        );
    }

    /// With no false reversal anywhere (the bins all 0, the curve 0), the
    /// bins with many days show their bounds and a bin of one day, whose
    /// bound is hundreds of times taller, is drawn as "too few days" with
    /// no bar: its bound would read as risk.
    #[test]
    fn volume_with_no_event_marks_sparse_bins_instead_of_drawing_their_bounds() {
        let points: Vec<BandPoint> = [
            (400.0, 900.0),
            (425.0, 1400.0),
            (450.0, 1200.0),
            (880.0, 1.0),
        ]
        .iter()
        .map(|&(x, days)| {
            let (lo, hi) = crate::stats::garwood(0, 0.95);
            BandPoint {
                x,
                value: 0.0,
                low: lo / days,
                high: hi / days,
                estimate: None,
            }
        })
        .collect();
        let chart = volume(
            "no event",
            &points,
            &[(400.0, 0.0), (880.0, 0.0)],
            Some(999.0),
        )
        .unwrap();
        check(
            "volume_no_event",
            &chart,
            &["no event", "95% interval", "too few days to tell"],
        );
        // The axis is scaled to the informative bounds (about 0.004), so the
        // ticks are thousandths, not the one-day bin's 3.7.
        assert!(
            chart.svg.contains("\n0.003\n") && !chart.svg.contains("\n3.5\n"),
            "axis not zoomed to the informative bounds"
        );
    }

    #[test]
    fn volume_survives_empty_nan_and_no_estimate() {
        let empty = volume("empty", &[], &[], None).unwrap();
        check(
            "volume_empty",
            &empty,
            &["empty", "false reversals per terminal-day", "no data"],
        );
        let (mut points, _) = volume_bins();
        points[3].value = f64::NAN;
        points[4].high = f64::INFINITY;
        let chart = volume("no estimate", &points, &[], Some(f64::NAN)).unwrap();
        check("volume_no_estimate", &chart, &["simulated (per bin)"]);
        assert!(!chart.svg.contains("back-of-envelope"));
        assert!(!chart.svg.contains("counter range"));
        let zeros: Vec<BandPoint> = (0..5)
            .map(|i| point(f64::from(i) * 25.0, 0.0, 0.0, None))
            .collect();
        check(
            "volume_zeros",
            &volume("all zero", &zeros, &[(999.0, 0.0)], Some(999.0)).unwrap(),
            &["counter range R = 999"],
        );
    }

    /// `#RRGGBB` of a colour, as plotters writes it in SVG.
    fn hex(c: RGBColor) -> String {
        format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
    }

    /// The numbers of attribute `name` in an SVG element's text.
    fn attr(element: &str, name: &str) -> Option<String> {
        let key = format!(" {name}=\"");
        let start = element.find(&key)? + key.len();
        let end = element[start..].find('"')? + start;
        Some(element[start..end].to_string())
    }

    /// Every point of every element in `svg` drawn in one of `colours`
    /// (stroke or fill): polyline and polygon points, circle centres, rect
    /// corners, line ends.
    fn points_in(svg: &str, colours: &[RGBColor]) -> Vec<(f64, f64)> {
        elements_in(svg, colours).into_iter().flatten().collect()
    }

    /// [`points_in`], one list per element.
    fn elements_in(svg: &str, colours: &[RGBColor]) -> Vec<Vec<(f64, f64)>> {
        let wanted: Vec<String> = colours.iter().map(|c| hex(*c)).collect();
        let mut all = Vec::new();
        for element in svg.split('<').skip(1) {
            let mut out = Vec::new();
            let paint = [attr(element, "stroke"), attr(element, "fill")];
            if !paint.iter().flatten().any(|p| wanted.contains(p)) {
                continue;
            }
            let num = |n: &str| attr(element, n).and_then(|v| v.parse::<f64>().ok());
            if let Some(points) = attr(element, "points") {
                for xy in points.split_whitespace() {
                    if let Some((x, y)) = xy.split_once(',') {
                        out.push((x.parse().unwrap(), y.parse().unwrap()));
                    }
                }
            } else if let (Some(x), Some(y)) = (num("cx"), num("cy")) {
                out.push((x, y));
            } else if let (Some(a), Some(b), Some(c), Some(d)) =
                (num("x1"), num("y1"), num("x2"), num("y2"))
            {
                out.push((a, b));
                out.push((c, d));
            } else if let (Some(x), Some(y), Some(w), Some(h)) =
                (num("x"), num("y"), num("width"), num("height"))
            {
                out.push((x, y));
                out.push((x + w, y + h));
            }
            if !out.is_empty() {
                all.push(out);
            }
        }
        all
    }

    /// The plot area: the extent of the grid lines, which span it.
    fn plot_rect(svg: &str) -> (f64, f64, f64, f64) {
        let grid = points_in(svg, &[GRID]);
        assert!(!grid.is_empty(), "no grid lines");
        let xs = grid.iter().map(|p| p.0);
        let ys = grid.iter().map(|p| p.1);
        (
            xs.clone().fold(f64::INFINITY, f64::min),
            ys.clone().fold(f64::INFINITY, f64::min),
            xs.fold(f64::NEG_INFINITY, f64::max),
            ys.fold(f64::NEG_INFINITY, f64::max),
        )
    }

    /// Asserts that every data mark of `chart` lies inside its plot area
    /// (one pixel of tolerance for rounding and stroke).
    #[track_caller]
    fn inside_the_plot(name: &str, chart: &Chart) {
        let (x0, y0, x1, y1) = plot_rect(&chart.svg);
        let mut data = vec![
            SIMULATED, BAND, BAND_BAR, ESTIMATE, LIMIT, ERROR_BAR, OK_BAR, MIXED_BAR,
        ];
        data.extend(PALETTE);
        // the legend rows, above the plot, hold swatches in the data colours
        let elements: Vec<Vec<(f64, f64)>> = elements_in(&chart.svg, &data)
            .into_iter()
            .filter(|e| !e.iter().all(|p| p.1 <= y0 - MARGIN_PX as f64))
            .collect();
        assert!(!elements.is_empty(), "{name}: nothing drawn");
        for (x, y) in elements.into_iter().flatten() {
            assert!(
                (x0 - 1.0..=x1 + 1.0).contains(&x) && (y0 - 1.0..=y1 + 1.0).contains(&y),
                "{name}: ({x}, {y}) outside the plot [{x0}, {x1}] x [{y0}, {y1}]"
            );
        }
    }

    #[test]
    fn nothing_is_drawn_outside_the_plot_area() {
        // a limit far above the data, a sweep over four decades (log axis),
        // intervals reaching below zero
        let decades: Vec<BandPoint> = (0..6)
            .map(|i| point(i as f64, 10f64.powi(-i), 10f64.powi(-i), None))
            .collect();
        let limits = [Limit {
            value: 5.0,
            label: "max 5".into(),
        }];
        let series = [BandSeries {
            name: "one".into(),
            points: decades.clone(),
        }];
        let log = sweep("decades", "x", "rate", &series, &limits).unwrap();
        inside_the_plot("sweep_log", &log);
        assert!(log.svg.contains("1e-5"), "a log axis labels decades");
        // several lines, one per value of a second key
        let two = [
            BandSeries {
                name: "b=1".into(),
                points: skew_sweep(),
            },
            BandSeries {
                name: "b=2".into(),
                points: skew_sweep()
                    .into_iter()
                    .map(|p| BandPoint {
                        value: p.value * 2.0,
                        ..p
                    })
                    .collect(),
            },
        ];
        let grid = sweep("grid", "skew", "rate", &two, &limits).unwrap();
        inside_the_plot("sweep_lines", &grid);
        assert!(grid.svg.contains("b=1") && grid.svg.contains("b=2"));
        inside_the_plot("histogram", &histogram("h", "margin (s)", &bins()).unwrap());
        let (points, curve) = volume_bins();
        inside_the_plot(
            "volume",
            &volume("v", &points, &curve, Some(999.0)).unwrap(),
        );
        let wild = Series {
            name: "wild".into(),
            points: (0..50)
                .map(|h| (h as f64, ((h * 37) % 11) as f64 - 5.0))
                .collect(),
        };
        let marks = vec![(10.0, "sync".to_string()), (60.0, "late".to_string())];
        inside_the_plot(
            "clocks",
            &clocks("c", std::slice::from_ref(&wild), &marks).unwrap(),
        );
        let history_points: Vec<BandPoint> = (0..60)
            .map(|i| point(0.0, 0.005 + 0.0001 * ((i % 3) as f64), 0.0002, None))
            .collect();
        let h = history("h", "rate", &labels(60), &history_points, Some(0.01)).unwrap();
        inside_the_plot("history", &h);
    }

    #[test]
    fn histogram_counts_over_decades_get_a_log_axis() {
        let chart = histogram("h", "margin (s)", &bins()).unwrap();
        assert!(chart.svg.contains("count (log scale)"));
        let even = [
            Bin {
                low: -1.0,
                high: 0.0,
                count: 40,
            },
            Bin {
                low: 0.0,
                high: 1.0,
                count: 90,
            },
        ];
        let linear = histogram("h", "margin (s)", &even).unwrap();
        assert!(!linear.svg.contains("log scale"));
    }

    #[test]
    fn panels_give_each_series_its_own_axis_and_name_the_constant_ones() {
        let users = Series {
            name: "users".into(),
            points: (0..30)
                .map(|d| (d as f64, 2800.0 + (d % 7) as f64 * 40.0))
                .collect(),
        };
        let errors = Series {
            name: "error pages".into(),
            points: (0..30).map(|d| (d as f64, (d % 5) as f64)).collect(),
        };
        let zero = Series {
            name: "false alerts".into(),
            points: (0..30).map(|d| (d as f64, 0.0)).collect(),
        };
        let chart = panels("p", "day", &[users, errors, zero]).unwrap();
        check(
            "panels",
            &chart,
            &[
                "users",
                "error pages",
                "the same every day: false alerts = 0",
            ],
        );
        inside_the_plot("panels", &chart);
        assert!(!chart.svg.contains("right axis"));
        let (w, h, _) = decode(&chart.png);
        assert_eq!((w, h), (WIDTH, HEIGHT));
        let many: Vec<Series> = (0..6)
            .map(|i| Series {
                name: format!("s{i}"),
                points: (0..10).map(|d| (d as f64, (d * (i + 1)) as f64)).collect(),
            })
            .collect();
        let tall = panels("many", "day", &many).unwrap();
        let (_, h, _) = decode(&tall.png);
        assert!(h > HEIGHT, "six panels need more height ({h})");
        assert!(tall.svg.contains(&format!("height=\"{h}\"")));
    }

    #[test]
    fn legend_rows_fill_the_width_in_order() {
        assert_eq!(legend_rows(&[100, 100, 100], 400), vec![vec![0, 1, 2]]);
        // 100 + 26 + 100 + 26 + 100 = 352 > 300
        assert_eq!(
            legend_rows(&[100, 100, 100], 300),
            vec![vec![0, 1], vec![2]]
        );
        // an entry wider than the row gets a row of its own
        assert_eq!(
            legend_rows(&[50, 500, 50], 300),
            vec![vec![0], vec![1], vec![2]]
        );
        assert!(legend_rows(&[], 300).is_empty());
    }

    #[test]
    fn dashes_follow_the_path_and_keep_their_rhythm() {
        // 40 pixels of dash 10, gap 5: dashes at 0-10, 15-25, 30-40
        let d = dashes(&[(0, 0), (40, 0)], 10.0, 5.0, (900, 540));
        assert_eq!(
            d,
            vec![((0, 0), (10, 0)), ((15, 0), (25, 0)), ((30, 0), (40, 0))]
        );
        // the rhythm carries over a corner: the gap begun at x = 10 ends 3
        // pixels down the second leg
        let d = dashes(&[(0, 0), (12, 0), (12, 20)], 10.0, 5.0, (900, 540));
        assert_eq!(
            d,
            vec![((0, 0), (10, 0)), ((12, 3), (12, 13)), ((12, 18), (12, 20))]
        );
        assert!(dashes(&[(3, 3)], 10.0, 5.0, (900, 540)).is_empty());
        // a point far off the image costs nothing: only the visible part
        // (x up to 904) is dashed, 905 / 15 periods
        let far = dashes(&[(0, 0), (i32::MAX, 0)], 10.0, 5.0, (900, 540));
        assert_eq!(far.len(), 61);
    }

    #[test]
    fn coinciding_lines_stay_visible_and_are_named() {
        let base = skew_sweep();
        let line = |name: &str, scale: f64| BandSeries {
            name: name.into(),
            points: base
                .iter()
                .map(|p| BandPoint {
                    value: p.value * scale,
                    ..*p
                })
                .collect(),
        };
        // b=1 and b=2 are the same line; b=3 lies elsewhere
        let chart = sweep(
            "coincide",
            "skew",
            "rate",
            &[line("b=1", 1.0), line("b=2", 1.0), line("b=3", 3.0)],
            &[],
        )
        .unwrap();
        check("coincide", &chart, &["b=1 and b=2 coincide"]);
        assert!(!chart.svg.contains("b=3 coincide") && !chart.svg.contains("and b=3"));
        // the first line is drawn solid, the second dashed over it: both
        // colours show in the plot, not only in the legend
        let (x0, y0, x1, y1) = plot_rect(&chart.svg);
        let (w, _, pixels) = decode(&chart.png);
        let in_plot = |c: RGBColor| {
            let want = [c.0, c.1, c.2];
            pixels
                .chunks(3)
                .enumerate()
                .filter(|(i, p)| {
                    let (x, y) = ((i % w as usize) as f64, (i / w as usize) as f64);
                    *p == want && (x0..=x1).contains(&x) && (y0..=y1).contains(&y)
                })
                .count()
        };
        assert!(in_plot(PALETTE[0]) > 150, "the first line is hidden");
        assert!(in_plot(PALETTE[1]) > 150, "the second line is hidden");
        // each line has its own marker shape: circles, squares, triangles
        assert!(chart.svg.contains("<circle") && chart.svg.contains("<rect"));
        assert!(chart.svg.contains("<polygon"));
        // lines that merely touch do not coincide
        let apart = sweep(
            "apart",
            "skew",
            "rate",
            &[line("a", 1.0), line("b", 1.5)],
            &[],
        )
        .unwrap();
        assert!(!apart.svg.contains("coincide"));
    }

    #[test]
    fn intervals_far_above_the_values_are_cut_not_fitted() {
        let wide: Vec<BandPoint> = skew_sweep()
            .into_iter()
            .map(|p| BandPoint {
                high: p.value + 1.0,
                ..p
            })
            .collect();
        let two = [
            BandSeries {
                name: "a".into(),
                points: wide.clone(),
            },
            BandSeries {
                name: "b".into(),
                points: skew_sweep(),
            },
        ];
        let chart = sweep("cut", "skew", "rate", &two, &[]).unwrap();
        check("cut", &chart, &["interval cut at the top"]);
        inside_the_plot("cut", &chart);
        // the axis stops near twice the largest value (about 0.014), far
        // below the intervals' 1.0
        assert!(!chart.svg.contains(">1<") && !chart.svg.contains(">0.5<"));
        let plain = sweep("plain", "skew", "rate", &two[1..], &[]).unwrap();
        assert!(!plain.svg.contains("cut at the top"));
    }

    #[test]
    fn charts_are_pure_functions_of_their_input() {
        let a = metric_vs_param("t", "x", "y", &skew_sweep()).unwrap();
        let b = metric_vs_param("t", "x", "y", &skew_sweep()).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn text_with_markup_characters_is_escaped_in_the_svg() {
        let chart = metric_vs_param("p < 0.05 & q > 1", "x", "y", &skew_sweep()).unwrap();
        check("escaped", &chart, &["p &lt; 0.05 &amp; q &gt; 1"]);
    }
}
