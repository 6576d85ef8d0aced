//! What the charts look like as files: every text inside the image (the
//! legend wraps instead of running off the right edge), and `plot` drawing
//! the same daily chart as `run`.

use std::path::Path;

use plotters::prelude::*;
use racesim::charts::{self, BandPoint, BandSeries, Limit};

use crate::util::racesim;

/// The font the charts are drawn with, registered here to measure their
/// texts as plotters does.
const FONT: &[u8] = include_bytes!("../../assets/DejaVuSans-subset.ttf");

/// plotters writes `size / 1.24` as the SVG font size; its own layout (and
/// the PNG) uses `size`, which is wider than a browser's rendering of the
/// SVG, so measuring at `size` is the cautious choice.
const SVG_FONT_SCALE: f64 = 1.24;

/// One text of an SVG with the box it covers, in pixels.
#[derive(Debug)]
struct TextBox {
    text: String,
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

fn attr(element: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = element.find(&key)? + key.len();
    let end = element[start..].find('"')? + start;
    Some(element[start..end].to_string())
}

/// (width, height) of an SVG document.
fn svg_size(svg: &str) -> (f64, f64) {
    let head = &svg[svg.find("<svg").unwrap()..];
    let num = |n| attr(head, n).unwrap().parse::<f64>().unwrap();
    (num("width"), num("height"))
}

/// Every `<text>` of `svg` with the box its characters cover: the width
/// measured with the chart font, placed by `text-anchor`, turned for the
/// rotated y-axis labels.
fn text_boxes(svg: &str) -> Vec<TextBox> {
    plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| "font")
        .unwrap();
    let mut out = Vec::new();
    for piece in svg.split("<text").skip(1) {
        let Some(close) = piece.find('>') else {
            continue;
        };
        let element = &piece[..close];
        let body = &piece[close + 1..piece.find("</text>").unwrap()];
        let text = body
            .trim()
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&amp;", "&");
        let num = |n| attr(element, n).unwrap().parse::<f64>().unwrap();
        let (x, y, size) = (num("x"), num("y"), num("font-size"));
        let (w, _) = ("sans-serif", size * SVG_FONT_SCALE)
            .into_font()
            .box_size(&text)
            .unwrap();
        let w = f64::from(w);
        let before = match attr(element, "text-anchor").as_deref() {
            Some("middle") => w / 2.0,
            Some("end") => w,
            _ => 0.0,
        };
        // the glyphs span from 0.76 em above the baseline to 0.24 em below
        // it; `dy` moves the baseline from y (1 ex taken as 0.5 em)
        let dy = match attr(element, "dy").as_deref() {
            Some("0.76em") => 0.76 * size,
            Some("0.5ex") => 0.25 * size,
            Some("-0.5ex") => -0.25 * size,
            None => 0.0,
            Some(other) => panic!("dy={other}: teach this test about it"),
        };
        let (top, bottom) = (dy - 0.76 * size, dy + 0.24 * size);
        let rotated = attr(element, "transform").is_some_and(|t| t.starts_with("rotate(270"));
        out.push(if rotated {
            // turned a quarter left: the text runs up from y, and "down"
            // (the baseline shift) points right
            TextBox {
                text,
                x0: x + top,
                x1: x + bottom,
                y0: y - (w - before),
                y1: y + before,
            }
        } else {
            TextBox {
                text,
                x0: x - before,
                x1: x - before + w,
                y0: y + top,
                y1: y + bottom,
            }
        });
    }
    out
}

/// Asserts that every text of `svg` lies inside the image.
#[track_caller]
fn texts_inside(name: &str, svg: &str) {
    let (w, h) = svg_size(svg);
    let boxes = text_boxes(svg);
    assert!(!boxes.is_empty(), "{name}: no text");
    for b in boxes {
        assert!(
            b.x0 >= 0.0 && b.x1 <= w && b.y0 >= 0.0 && b.y1 <= h,
            "{name}: {:?} reaches outside the {w} x {h} image",
            b
        );
    }
}

#[test]
fn six_long_named_lines_and_limits_keep_the_legend_inside() {
    let series: Vec<BandSeries> = (0..6)
        .map(|i| BandSeries {
            name: format!("hosts.transfer.clock.offset={i}m and more"),
            points: (0..5)
                .map(|x| {
                    let v = 0.001 * f64::from(x * (i + 1));
                    BandPoint {
                        x: f64::from(x),
                        value: v,
                        low: v * 0.8,
                        high: v * 1.2,
                        estimate: Some(v * 0.9),
                    }
                })
                .collect(),
        })
        .collect();
    let limits = [
        Limit {
            value: 0.02,
            label: "max 0.02".into(),
        },
        Limit {
            value: 0.001,
            label: "min 0.001".into(),
        },
    ];
    let chart = charts::sweep(
        "a scenario with a long name: error_page_rate against a key",
        "offset (min)",
        "error_page_rate",
        &series,
        &limits,
    )
    .unwrap();
    texts_inside("six lines", &chart.svg);
    // the ten legend entries need more than one row
    let boxes = text_boxes(&chart.svg);
    let legend_rows: std::collections::BTreeSet<i64> = boxes
        .iter()
        .filter(|b| {
            b.text.contains("offset=") || b.text.starts_with("max ") || b.text == "95% interval"
        })
        .map(|b| b.y0 as i64)
        .collect();
    assert!(legend_rows.len() >= 2, "{legend_rows:?}");
}

/// Every SVG in `dir`, checked.
fn every_svg_inside(dir: &Path) -> usize {
    let mut n = 0;
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "svg"))
        .collect();
    files.sort();
    for f in files {
        texts_inside(
            &f.display().to_string(),
            &std::fs::read_to_string(&f).unwrap(),
        );
        n += 1;
    }
    n
}

#[test]
fn the_widest_shipped_sweep_keeps_every_text_inside() {
    // lisa swept over two keys, eight lines (the most a chart draws), with
    // its [[expect]] limit: the longest legend a shipped scenario gives
    let dir = tempfile::tempdir().unwrap();
    racesim()
        .args(["sweep", "scenarios/lisa.toml"])
        .args(["--vary", "hosts.transfer.clock.offset=0m..10m/2"])
        .args(["--vary", "transfer.grace=1m,2m,3m,4m,5m,6m,7m,8m"])
        .args([
            "--replications",
            "2",
            "--set",
            "horizon=\"2h\"",
            "--quiet",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success();
    assert!(every_svg_inside(&dir.path().join("lisa")) >= 3);
}

#[test]
fn every_chart_of_every_shipped_scenario_keeps_its_text_inside() {
    let mut shipped: Vec<_> = std::fs::read_dir("scenarios")
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    shipped.sort();
    for file in shipped {
        let dir = tempfile::tempdir().unwrap();
        racesim()
            .arg("run")
            .arg(&file)
            .args([
                "--replications",
                "2",
                "--set",
                "horizon=\"1d\"",
                "--quiet",
                "--out",
            ])
            .arg(dir.path())
            .assert()
            .success();
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        every_svg_inside(&dir.path().join(&name));
    }
}

#[test]
fn plot_draws_the_daily_chart_run_drew() {
    let dir = tempfile::tempdir().unwrap();
    racesim()
        .args(["run", "scenarios/lisa.toml", "--replications", "3"])
        .args(["--set", "horizon=\"2d\"", "--quiet", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let lisa = dir.path().join("lisa");
    let again = dir.path().join("again");
    racesim()
        .arg("plot")
        .arg(lisa.join("daily.csv"))
        .arg("--out")
        .arg(&again)
        .assert()
        .success();
    let run_svg = std::fs::read_to_string(lisa.join("daily.svg")).unwrap();
    assert!(
        run_svg.contains("mean of 3 replications"),
        "run draws means"
    );
    assert_eq!(
        std::fs::read_to_string(again.join("daily.svg")).unwrap(),
        run_svg,
        "plot daily.csv draws what run drew"
    );
    assert_eq!(
        std::fs::read(again.join("daily.png")).unwrap(),
        std::fs::read(lisa.join("daily.png")).unwrap()
    );
    // alone, without its folder's summary.json, daily.csv gives sums and
    // the title says so
    let alone = dir.path().join("alone");
    std::fs::create_dir(&alone).unwrap();
    std::fs::copy(lisa.join("daily.csv"), alone.join("daily.csv")).unwrap();
    racesim()
        .arg("plot")
        .arg(alone.join("daily.csv"))
        .assert()
        .success();
    let sums = std::fs::read_to_string(alone.join("daily.svg")).unwrap();
    assert!(sums.contains("summed over the replications"));
}
