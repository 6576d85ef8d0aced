//! `racesim check` as a CI gate (exit codes, formats, baseline, history and
//! its atomic appends), `racesim report` (a self-contained HTML page and its
//! Markdown) and `racesim completions`.
//!
//! Every run here is lisa cut to a few hours and a few replications, so the
//! whole module takes seconds.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use predicates::prelude::*;

use crate::util::racesim;

/// Arguments that make lisa quick: 3 replications of 6 hours.
const QUICK: [&str; 4] = ["--replications", "3", "--set", "horizon=\"6h\""];

/// The header of a history file.
const HISTORY_HEADER: &str = "label,time,scenario,metric,value,ci_low,ci_high";

/// `racesim check scenarios/lisa.toml` with the quick settings, `extra`
/// arguments, and the output folder in `out`.
fn check_lisa(out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    racesim()
        .args(["check", "scenarios/lisa.toml"])
        .args(QUICK)
        .args(extra)
        .arg("--out")
        .arg(out)
        .assert()
}

/// lisa's error-page rate with the quick settings: (value, ci_low, ci_high),
/// read from `check --format json` so the limits below follow the model.
fn lisa_rate(out: &Path) -> (f64, f64, f64) {
    let a = check_lisa(out, &["--format", "json", "--set", "expect.0.max=1"]).success();
    let doc: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    let line = &doc["checks"][0];
    assert_eq!(line["metric"], "error_page_rate", "{doc}");
    let f = |k: &str| line[k].as_f64().unwrap();
    let (v, lo, hi) = (f("value"), f("ci_low"), f("ci_high"));
    assert!(
        0.0 < lo && lo < v && v < hi,
        "the tests below need an interval around a positive value: {line}"
    );
    (v, lo, hi)
}

#[test]
fn check_exits_0_when_every_expect_passes() {
    let dir = tempfile::tempdir().unwrap();
    check_lisa(dir.path(), &["--set", "expect.0.max=0.5"])
        .code(0)
        .stdout(predicate::str::contains("pass"))
        .stdout(predicate::str::contains("error_page_rate"));
}

#[test]
fn check_exits_1_when_an_expect_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (_, low, _) = lisa_rate(dir.path());
    let max = format!("expect.0.max={}", low / 2.0);
    check_lisa(dir.path(), &["--set", &max])
        .code(1)
        .stdout(predicate::str::contains("FAIL"))
        .stderr(predicate::str::contains("1 of 1 checks failed"));
}

#[test]
fn check_is_inconclusive_when_the_interval_straddles_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let (value, _, high) = lisa_rate(dir.path());
    // the limit sits strictly inside the interval, off the value (a limit
    // exactly on the value is inconclusive whatever the replications)
    let max = format!("expect.0.max={}", (value + high) / 2.0);
    check_lisa(dir.path(), &["--set", &max])
        .code(1)
        .stdout(predicate::str::contains("INCONCLUSIVE"))
        .stdout(predicate::str::contains("replications would decide it"));
    check_lisa(dir.path(), &["--set", &max, "--format", "markdown"])
        .code(1)
        .stdout(predicate::str::contains("inconclusive"));
}

#[test]
fn check_exits_2_for_a_bad_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        std::fs::read_to_string("scenarios/lisa.toml")
            .unwrap()
            .replace("poll_interval", "pol_interval"),
    )
    .unwrap();
    racesim()
        .arg("check")
        .arg(&bad)
        .args(["--out"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("pol_interval"));
    // a bad override is bad input too
    check_lisa(dir.path(), &["--set", "expect.0.max=\"lots\""]).code(2);
}

#[test]
fn check_prints_markdown_for_a_pull_request() {
    let dir = tempfile::tempdir().unwrap();
    let a = check_lisa(
        dir.path(),
        &["--set", "expect.0.max=0.5", "--format", "markdown"],
    )
    .code(0);
    let out = String::from_utf8(a.get_output().stdout.clone()).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("| result | scenario | metric |"),
        "{out}"
    );
    assert!(lines[1].starts_with("|---|"), "{out}");
    assert!(lines[2].contains("| lisa | `error_page_rate` |"), "{out}");
    assert!(lines.iter().all(|l| l.starts_with('|')), "{out}");
}

#[test]
fn check_prints_json_with_passed() {
    let dir = tempfile::tempdir().unwrap();
    let a = check_lisa(
        dir.path(),
        &["--set", "expect.0.max=0.5", "--format", "json"],
    )
    .code(0);
    let doc: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    assert_eq!(doc["passed"], true);
    assert_eq!(doc["checks"][0]["verdict"], "pass");
    assert_eq!(doc["checks"][0]["scenario"], "lisa");
}

#[test]
fn check_fails_a_significant_regression_against_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    // the baseline: clocks in step, so (almost) no error pages
    racesim()
        .args(["run", "scenarios/lisa.toml"])
        .args(QUICK)
        .args(["--set", "hosts.transfer.clock.offset=\"0s\"", "--quiet"])
        .arg("--out")
        .arg(dir.path())
        .assert()
        .success();
    let baseline = dir.path().join("lisa/summary.json");
    assert!(baseline.exists());
    // the same configuration is not worse than itself
    racesim()
        .args(["check", "scenarios/lisa.toml"])
        .args(QUICK)
        .args(["--set", "hosts.transfer.clock.offset=\"0s\"", "--baseline"])
        .arg(&baseline)
        .arg("--out")
        .arg(dir.path().join("same"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("baseline"));
    // the 6-minute skew is: exit 1, and the baseline line says why
    racesim()
        .args(["check", "scenarios/lisa.toml"])
        .args(QUICK)
        .args(["--set", "hosts.transfer.clock.offset=\"6m\"", "--baseline"])
        .arg(&baseline)
        .arg("--out")
        .arg(dir.path().join("worse"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "significantly worse than the baseline",
        ));
}

/// Checks that `text` is a whole history file: the header, then rows of
/// seven fields, as many as whole checks of lisa wrote (one row per metric).
#[track_caller]
fn assert_valid_history(text: &str, rows_per_run: usize) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header.join(","), HISTORY_HEADER);
    let mut n = 0;
    for rec in r.records() {
        let rec = rec.unwrap_or_else(|e| panic!("a broken row: {e}\n{text}"));
        assert_eq!(rec.len(), 7, "{text}");
        for k in 4..7 {
            rec[k]
                .parse::<f64>()
                .unwrap_or_else(|_| panic!("not a number: {:?}\n{text}", &rec[k]));
        }
        n += 1;
    }
    assert!(text.ends_with('\n'), "the last row is complete: {text:?}");
    assert_eq!(n % rows_per_run, 0, "whole runs only:\n{text}");
}

#[test]
fn history_appends_and_keeps_earlier_rows_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let h = dir.path().join("h.csv");
    history_check(dir.path(), &h, "a");
    let first = std::fs::read_to_string(&h).unwrap();
    assert!(first.starts_with(HISTORY_HEADER), "{first}");
    let per_run = first.lines().count() - 1;
    assert!(per_run >= 1);
    assert_valid_history(&first, per_run);
    history_check(dir.path(), &h, "b");
    let second = std::fs::read_to_string(&h).unwrap();
    assert!(
        second.starts_with(&first),
        "earlier rows are kept byte for byte"
    );
    assert_eq!(second.lines().count(), 1 + 2 * per_run);
    assert_valid_history(&second, per_run);
    let labels: Vec<&str> = second
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert!(labels[..per_run].iter().all(|l| *l == "a"), "{second}");
    assert!(labels[per_run..].iter().all(|l| *l == "b"), "{second}");
}

// A writer killed at any moment leaves the history as it was or with the
// whole new run appended, never half a row: the history is rewritten to a
// temporary file and renamed over the old one.
#[test]
fn a_killed_writer_never_corrupts_the_history() {
    let dir = tempfile::tempdir().unwrap();
    let h = dir.path().join("h.csv");
    let bin = env!("CARGO_BIN_EXE_racesim");
    // xorshift64: reproducible "random" moments
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    // how long one check takes, to aim the kills across its whole run
    let started = std::time::Instant::now();
    history_check(dir.path(), &h, "calibrate");
    let full = started.elapsed().as_micros().max(1_000) as u64;
    let per_run = std::fs::read_to_string(&h).unwrap().lines().count() - 1;
    std::fs::remove_file(&h).unwrap();
    let (mut completed, mut killed) = (0, 0);
    for i in 0..40 {
        let before = std::fs::read_to_string(&h).ok();
        let mut child = std::process::Command::new(bin)
            .args(["check", "scenarios/lisa.toml"])
            .args(QUICK)
            .args(["--set", "expect.0.max=0.5", "--quiet", "--history"])
            .arg(&h)
            .args(["--label", &format!("run{i}"), "--out"])
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // 0 to 1.2 times a full run: some kills land early, some late, some
        // after the process has finished (the kill then does nothing)
        std::thread::sleep(Duration::from_micros(next() % (full * 6 / 5)));
        let _ = child.kill();
        if child.wait().unwrap().success() {
            completed += 1;
        } else {
            killed += 1;
        }
        match (&before, std::fs::read_to_string(&h).ok()) {
            (None, None) => {}
            (Some(_), None) => panic!("run{i}: the history disappeared"),
            (None, Some(text)) => assert_valid_history(&text, per_run),
            (Some(old), Some(text)) => {
                assert!(
                    text.starts_with(old.as_str()),
                    "run{i}: earlier rows changed"
                );
                assert_valid_history(&text, per_run);
            }
        }
    }
    eprintln!("{completed} runs completed, {killed} killed");
    assert!(killed > 0, "no run was interrupted ({completed} completed)");
}

/// Runs a passing `check` of lisa that appends to `history` as `label`.
fn history_check(out: &Path, history: &Path, label: &str) {
    racesim()
        .args(["check", "scenarios/lisa.toml"])
        .args(QUICK)
        .args(["--set", "expect.0.max=0.5", "--quiet", "--history"])
        .arg(history)
        .args(["--label", label, "--out"])
        .arg(out)
        .assert()
        .code(0);
}

/// Every `http://` or `https://` in `html`, except the SVG namespace in an
/// `xmlns` attribute (a name, not something a browser fetches).
fn external_references(html: &str) -> Vec<String> {
    const NAMESPACE: &str = "xmlns=\"http://www.w3.org/2000/svg\"";
    let mut found = Vec::new();
    for scheme in ["http://", "https://"] {
        for (at, _) in html.match_indices(scheme) {
            let is_namespace = at >= 7 && html[at - 7..].starts_with(NAMESPACE);
            if !is_namespace {
                let end = (at + 60).min(html.len());
                found.push(html[at.saturating_sub(20)..end].to_string());
            }
        }
    }
    found
}

#[test]
fn report_writes_a_self_contained_html_page_and_markdown() {
    let dir = tempfile::tempdir().unwrap();
    racesim()
        .args(["report", "scenarios/lisa.toml"])
        .args(QUICK)
        .arg("--out")
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("report.html"));
    let lisa = dir.path().join("lisa");
    let html = std::fs::read_to_string(lisa.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg"), "charts are inline");
    assert!(html.matches("<svg").count() >= 2, "margin and daily charts");
    assert_eq!(external_references(&html), Vec::<String>::new());
    assert!(html.contains("xmlns=\"http://www.w3.org/2000/svg\""));
    for external in ["<link", "<script", "<img", "<iframe", "@import", "url("] {
        assert!(!html.contains(external), "no {external} in the page");
    }
    // the question, the figures beside the estimate, assumptions, reproduction
    assert!(html.contains("The redirect race, as Lisa found it."));
    assert!(html.contains("Transfer host 6 min ahead"));
    assert!(html.contains("<td>error_page_rate</td>"));
    assert!(html.contains("back-of-envelope"));
    assert!(html.contains("estimate in the interval?"));
    assert!(
        html.contains("stamp_host = &quot;web&quot;"),
        "the scenario text"
    );
    assert!(html.contains("horizon=&quot;6h&quot;"), "the overrides");
    assert!(html.contains("xoshiro256++"), "the generator");
    assert!(html.contains(env!("CARGO_PKG_VERSION")));

    let md = std::fs::read_to_string(lisa.join("report.md")).unwrap();
    assert!(md.starts_with("## lisa"));
    // the verdict first, in words: the rate as 1 in N, the traffic, the clocks' share
    let verdict = ["**Pass**", "**Fail**", "**Inconclusive**"]
        .iter()
        .find_map(|v| md.find(v))
        .expect("a verdict");
    assert!(verdict < md.find("### Figures").unwrap());
    assert!(md.contains("`error_page_rate`: about 1 in "), "{md}");
    assert!(md.contains("`error_pages` a day"), "{md}");
    assert!(md.contains("of it is `skew_error_rate` (the error pages the clocks cause)"));
    assert!(md.contains("| error\\_page\\_rate |"), "{md}");
    assert!(!md.contains("<svg"), "Markdown names its charts");
    assert!(!md.contains("!["), "no image links: broken in a PR comment");
    assert!(md.contains("<details><summary>Scenario file scenarios/lisa.toml"));
    assert!(!md.contains(&std::env::current_dir().unwrap().display().to_string()));
    for svg in ["report-margin.svg", "report-daily.svg", "report-clocks.svg"] {
        assert!(md.contains(&format!("- `{svg}`")), "{svg} named");
        let text = std::fs::read_to_string(lisa.join(svg)).unwrap();
        assert!(text.contains("<svg"), "{svg}");
    }
    // the run's own outputs are there too
    assert!(lisa.join("summary.json").exists());
}

#[test]
fn report_of_a_terminal_scenario_has_the_volume_chart() {
    let dir = tempfile::tempdir().unwrap();
    racesim()
        .args([
            "report",
            "scenarios/cinnamon-twist.toml",
            "--replications",
            "2",
        ])
        .args(["--set", "horizon=\"5d\"", "--quiet", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let out = dir.path().join("cinnamon-twist");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("False reversals against daily volume"));
    assert!(
        html.contains("counter range R = 999"),
        "the chart is inline"
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("- `report-volume.svg`"), "{md}");
    assert!(
        std::fs::read_to_string(out.join("report-volume.svg"))
            .unwrap()
            .contains("<svg")
    );
}

#[test]
fn report_of_a_sweep_has_the_sweep_chart() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("swept.toml");
    let mut text = std::fs::read_to_string("scenarios/lisa.toml").unwrap();
    text.push_str("\n[sweep]\n\"hosts.transfer.clock.offset\" = [\"0m\", \"6m\"]\n");
    std::fs::write(&file, text).unwrap();
    racesim()
        .arg("report")
        .arg(&file)
        .args(["--replications", "2", "--set", "horizon=\"2h\"", "--quiet"])
        .arg("--out")
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::is_empty());
    let lisa = dir.path().join("lisa");
    let html = std::fs::read_to_string(lisa.join("report.html")).unwrap();
    assert!(html.contains("error_page_rate against hosts.transfer.clock.offset"));
    assert!(html.matches("<svg").count() >= 3);
    assert_eq!(external_references(&html), Vec::<String>::new());
    let md = std::fs::read_to_string(lisa.join("report.md")).unwrap();
    assert!(md.contains("- `report-sweep-error_page_rate.svg`"), "{md}");
    assert!(lisa.join("report-sweep-error_page_rate.svg").exists());
    // users do not vary over the sweep: no chart of them
    assert!(!lisa.join("report-sweep-users.svg").exists());
}

#[test]
fn report_reads_a_result_folder_without_rerunning() {
    let dir = tempfile::tempdir().unwrap();
    racesim()
        .args(["run", "scenarios/lisa.toml", "--replications", "3"])
        .args(["--set", "horizon=\"6h\"", "--quiet", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let lisa = dir.path().join("lisa");
    let summary = std::fs::read_to_string(lisa.join("summary.csv")).unwrap();
    racesim()
        .arg("report")
        .arg(&lisa)
        .assert()
        .success()
        .stderr(predicate::str::contains("report.html"));
    // nothing rerun: the run's files are as they were
    assert_eq!(
        std::fs::read_to_string(lisa.join("summary.csv")).unwrap(),
        summary
    );
    let md = std::fs::read_to_string(lisa.join("report.md")).unwrap();
    // the figures are the folder's: the value in summary.csv is on the page
    let header: Vec<&str> = summary.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = summary.lines().nth(1).unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "users").unwrap();
    // (the page groups thousands: 2,291)
    assert!(
        md.replace(',', "")
            .contains(&format!("| users | {} |", row[col])),
        "{md}"
    );
    assert!(md.contains("- `report-margin.svg`") && lisa.join("report-daily.svg").exists());
    // the overrides the run was given are shown; a folder takes no new ones
    assert!(md.contains("horizon=\"6h\""), "{md}");
    racesim()
        .arg("report")
        .arg(&lisa)
        .args(["--seed", "3"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a result folder"));
    // a shard is not a whole result
    racesim()
        .args([
            "run",
            "scenarios/lisa.toml",
            "--replications",
            "2",
            "--shard",
            "1/2",
        ])
        .args(["--set", "horizon=\"1h\"", "--quiet", "--out"])
        .arg(dir.path().join("shard"))
        .assert()
        .success();
    let shard = dir.path().join("shard").join("lisa").join("shard-1-of-2");
    racesim()
        .arg("report")
        .arg(&shard)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("shard 1 of 2"));
}

#[test]
fn report_refuses_a_bad_scenario() {
    let dir = tempfile::tempdir().unwrap();
    racesim()
        .args([
            "report",
            "scenarios/lisa.toml",
            "--set",
            "transfer.grace=soon",
        ])
        .arg("--out")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("transfer.grace"));
    assert!(!dir.path().join("lisa/report.html").exists());
}

// Optional: the report of each shipped scenario renders in a real browser
// without the network. Runs only where /usr/bin/chromium exists (.ci/run
// installs it when it can).
#[test]
fn reports_render_headless_in_chromium() {
    let chromium = Path::new("/usr/bin/chromium");
    if !crate::util::tools_available(
        "reports_render_headless_in_chromium",
        &["/usr/bin/chromium"],
    ) {
        return;
    }
    let mut shipped: Vec<_> = std::fs::read_dir("scenarios")
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    shipped.sort();
    assert!(shipped.len() >= 5);
    for file in shipped {
        let dir = tempfile::tempdir().unwrap();
        racesim()
            .arg("report")
            .arg(&file)
            .args(["--replications", "2", "--set", "horizon=\"1d\""])
            .args(["--quiet", "--out"])
            .arg(dir.path())
            .assert()
            .success();
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let page = dir.path().join(&name).join("report.html");
        let html = std::fs::read_to_string(&page).unwrap();
        // (the SVG namespace URI is a name, not a reference)
        for external in [
            "href=\"http",
            "src=\"http",
            "url(http",
            "href=\"//",
            "src=\"//",
            "@import",
        ] {
            assert!(
                !html.contains(external),
                "{name}: an external reference {external}"
            );
        }
        let shot = dir.path().join("shot.png");
        let status = std::process::Command::new(chromium)
            .args(["--headless", "--no-sandbox", "--disable-gpu"])
            .arg(format!("--screenshot={}", shot.display()))
            .arg("--window-size=1000,1400")
            .arg(format!("file://{}", page.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "{name}: chromium failed: {status}");
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let pixels = &buf[..info.buffer_size()];
        let first = &pixels[..info.color_type.samples()];
        let differing = pixels
            .chunks(info.color_type.samples())
            .filter(|p| p != &first)
            .count();
        assert!(
            differing > pixels.len() / info.color_type.samples() / 100,
            "{name}: the screenshot is (nearly) blank"
        );
    }
}

#[test]
fn completions_mention_racesim_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let a = racesim().args(["completions", shell]).assert().success();
        let out = String::from_utf8(a.get_output().stdout.clone()).unwrap();
        assert!(!out.trim().is_empty(), "{shell}");
        assert!(out.contains("racesim"), "{shell}");
        assert!(out.contains("report"), "{shell}: the subcommands are there");
    }
    racesim().args(["completions", "tcsh"]).assert().code(2);
}

/// The `### First failure` section of a Markdown report, up to the next
/// folded part.
fn first_failure_section(md: &str) -> &str {
    let start = md
        .find("### First failure")
        .expect("a First failure section");
    let rest = &md[start..];
    &rest[..rest.find("<details>").unwrap_or(rest.len())]
}

#[test]
fn reports_show_the_first_failure_timeline_or_say_there_is_none() {
    let dir = tempfile::tempdir().unwrap();
    racesim()
        .args(["report", "scenarios/lisa.toml", "--replications", "3"])
        .args(["--set", "horizon=\"1d\"", "--quiet", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let lisa = dir.path().join("lisa");
    let md = std::fs::read_to_string(lisa.join("report.md")).unwrap();
    let section = first_failure_section(&md).to_string();
    // the timeline is what `trace --first-error` prints for the same run
    let a = racesim()
        .args(["trace", "scenarios/lisa.toml", "--first-error"])
        .args(["--set", "replications=3", "--set", "horizon=\"1d\""])
        .assert()
        .success();
    let trace = String::from_utf8(a.get_output().stdout.clone()).unwrap();
    assert!(
        trace.contains("(error page)") && trace.contains("why:"),
        "{trace}"
    );
    assert!(
        section.contains(trace.trim_end()),
        "{section}\n---\n{trace}"
    );
    // after the figures and the charts (the clock picture among them)
    let at = md.find("### First failure").unwrap();
    assert!(md.find("### Figures").unwrap() < at && md.find("<summary>Charts").unwrap() < at);
    let html = std::fs::read_to_string(lisa.join("report.html")).unwrap();
    let h = html
        .find("<section id=\"first-failure\">")
        .expect("html section");
    assert!(html.find("<section id=\"charts\">").unwrap() < h);
    assert!(html[h..].contains("user sees an error page"));
    // a report on the result folder traces the same case again
    racesim().arg("report").arg(&lisa).assert().success();
    let again = std::fs::read_to_string(lisa.join("report.md")).unwrap();
    assert_eq!(first_failure_section(&again), section);

    // nothing fails in a short, well-synced run: said plainly
    racesim()
        .args(["report", "scenarios/lisa-ntp.toml", "--replications", "2"])
        .args(["--set", "horizon=\"1h\"", "--quiet", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let md = std::fs::read_to_string(dir.path().join("lisa-ntp/report.md")).unwrap();
    assert!(
        first_failure_section(&md)
            .contains("No failure in this run: no error page in 2 replication(s)."),
        "{md}"
    );
}

/// Decodes a PNG file into (width, height, samples per pixel, pixels).
fn read_png(path: &Path) -> (usize, usize, usize, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (
        info.width as usize,
        info.height as usize,
        info.color_type.samples(),
        buf,
    )
}

/// Runs headless Chromium on `url`, with a screenshot into `shot` when
/// given, else dumping the DOM; gives standard output.
fn chromium(url: &str, shot: Option<(&Path, (u32, u32))>) -> String {
    let mut cmd = std::process::Command::new("/usr/bin/chromium");
    cmd.args(["--headless", "--no-sandbox", "--disable-gpu"]);
    match shot {
        Some((file, (w, h))) => {
            cmd.arg(format!("--screenshot={}", file.display()))
                .arg(format!("--window-size={w},{h}"));
        }
        None => {
            cmd.arg("--dump-dom");
        }
    }
    let out = cmd.arg(url).stderr(Stdio::null()).output().unwrap();
    assert!(
        out.status.success(),
        "chromium failed on {url}: {}",
        out.status
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

// The new charts as a browser draws them: the sweep chart (several lines,
// a limit, a wrapped legend) and the daily panels render with ink in their
// plot area and nothing but paper beyond the image; the report's DOM holds
// the verdict and the first failure's timeline. Skipped visibly without
// Chromium, a failure under RACESIM_REQUIRE_TOOLS=1 (.ci/run).
#[test]
fn sweep_charts_daily_panels_and_the_report_render_in_chromium() {
    if !crate::util::tools_available(
        "sweep_charts_daily_panels_and_the_report_render_in_chromium",
        &["/usr/bin/chromium"],
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    racesim()
        .args(["sweep", "scenarios/lisa.toml"])
        .args(["--vary", "hosts.transfer.clock.offset=0m..10m/4"])
        .args(["--vary", "transfer.grace=2m,4m,6m"])
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
    let lisa = dir.path().join("lisa");
    for (file, (w, h)) in [
        ("sweep-error_page_rate.svg", (900, 540)),
        ("daily.svg", (900, 540)),
    ] {
        let svg = lisa.join(file);
        assert!(svg.exists(), "{file} was not written");
        // a window larger than the image: what lies beyond it must be blank
        let shot = dir.path().join(format!("{file}.png"));
        chromium(
            &format!("file://{}", svg.display()),
            Some((&shot, (w + 100, h + 100))),
        );
        let (sw, sh, n, pixels) = read_png(&shot);
        let at = |x: usize, y: usize| &pixels[(y * sw + x) * n..(y * sw + x) * n + 3];
        let ink = |xs: std::ops::Range<usize>, ys: std::ops::Range<usize>| {
            ys.flat_map(|y| xs.clone().map(move |x| (x, y)))
                .filter(|&(x, y)| at(x, y) != [255, 255, 255])
                .count()
        };
        // the plot area (the middle of the image) has lines in it
        let drawn = ink(
            w as usize / 4..w as usize * 3 / 4,
            h as usize / 3..h as usize * 3 / 4,
        );
        assert!(
            drawn > 500,
            "{file}: the plot area is (nearly) blank ({drawn} pixels)"
        );
        // right of and below the image: nothing
        let beyond = ink(w as usize + 2..sw, 0..sh) + ink(0..sw, h as usize + 2..sh);
        assert_eq!(beyond, 0, "{file}: {beyond} pixels drawn outside the image");
    }
    // the report: its verdict and timeline are in the page the browser built
    racesim()
        .args(["report", "scenarios/lisa.toml", "--replications", "3"])
        .args(["--set", "horizon=\"1d\"", "--quiet", "--out"])
        .arg(dir.path().join("report"))
        .assert()
        .success();
    let page = dir.path().join("report/lisa/report.html");
    let dom = chromium(&format!("file://{}", page.display()), None);
    assert!(dom.contains("<h2>Verdict</h2>"), "no verdict in the DOM");
    let verdict = &dom[dom.find("<h2>Verdict</h2>").unwrap()..];
    assert!(
        ["Pass", "Fail", "Inconclusive"]
            .iter()
            .any(|w| verdict[..300.min(verdict.len())].contains(w)),
        "the verdict does not open with its outcome: {}",
        &verdict[..300.min(verdict.len())]
    );
    assert!(dom.contains("<h2>First failure</h2>") && dom.contains("user sees an error page"));
    let shot = dir.path().join("report.png");
    chromium(
        &format!("file://{}", page.display()),
        Some((&shot, (1000, 1400))),
    );
    let (_, _, n, pixels) = read_png(&shot);
    let inked = pixels
        .chunks(n)
        .filter(|p| p[..3] != [255, 255, 255])
        .count();
    assert!(
        inked > pixels.len() / n / 100,
        "the report screenshot is (nearly) blank"
    );
}
