//! A request log replayed row by row (`[checkout.log]`): exact counts where
//! the log decides every outcome, the back-of-envelope from the log's own
//! latencies, the pairing of a row's time and latency surviving the
//! bootstraps, short logs refused, looped or scaled, the row named by
//! `trace --first-error`, and the same bytes whatever the thread count.
//!
//! Every test writes its log into a temporary folder. The transfer service
//! polls every minute (ten seconds in the pairing test) with a 5-minute
//! grace, so without skew a record is deleted within `[5m, 6m)` of its
//! payment: a redirect of 400 s always sees an error page, one of 1 s
//! never, whatever the poll phase.

use racesim::experiment::PointResult;

use crate::util::{check_within, racesim, run_text};

/// A log file in a fresh folder: `rows` of (arrival offset in seconds from
/// 2024-03-04T00:00:00Z, redirect latency in milliseconds).
fn log_file(rows: &[(u64, u64)]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("requests.csv");
    let mut text = String::from("ts,redirect_ms\n");
    for (t, ms) in rows {
        // 2024-03-04T00:00:00Z is 1709510400 s since 1970
        text.push_str(&format!("{},{ms}\n", 1_709_510_400 + t));
    }
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// A checkout scenario replaying `log` with `keys` added to
/// `[checkout.log]`; `clock` is the transfer host's clock table (or empty).
fn scenario(
    log: &std::path::Path,
    keys: &str,
    horizon: &str,
    reps: u32,
    poll: &str,
    clock: &str,
) -> String {
    format!(
        r#"name = "replay"
model = "checkout"
horizon = "{horizon}"
replications = {reps}
[hosts.web]
[hosts.transfer]
{clock}
[checkout]
stamp_host = "web"
[checkout.log]
file = "{}"
unit = "ms"
{keys}
[checkout.log.columns]
arrival = "ts"
redirect_latency = "redirect_ms"
[transfer]
host = "transfer"
poll_interval = "{poll}"
grace = "5m"
"#,
        log.display()
    )
}

/// Column `name` of every replication, in index order.
fn column(p: &PointResult, name: &str) -> Vec<f64> {
    let i = p
        .scenario
        .model
        .columns()
        .iter()
        .position(|c| c.name == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    p.reps.iter().map(|(_, r)| r.values[i]).collect()
}

/// Ten rows 150 minutes apart (the log covers 22h30m x 11 / 9 = 27h30m), rows
/// 3, 5 and 8 (file lines 5, 7 and 10) with a 400 s redirect.
fn ten_rows() -> Vec<(u64, u64)> {
    (0..10)
        .map(|i| {
            (
                i * 150 * 60,
                if [3, 5, 8].contains(&i) {
                    400_000
                } else {
                    1000
                },
            )
        })
        .collect()
}

#[test]
fn replayed_as_it_is_every_replication_counts_exactly_the_rows_that_must_fail() {
    let (_dir, log) = log_file(&ten_rows());
    for resample in ["none", "rows"] {
        let p = run_text(
            &scenario(
                &log,
                &format!("resample = \"{resample}\""),
                "1d",
                8,
                "1m",
                "",
            ),
            &[],
        );
        let users = column(&p, "users");
        let errors = column(&p, "error_pages");
        if resample == "none" {
            assert!(users.iter().all(|&u| u == 10.0), "{users:?}");
            assert!(errors.iter().all(|&e| e == 3.0), "{errors:?}");
        } else {
            // a drawn row fails iff it is one of the three slow ones: every
            // replication has as many users as the log has rows, and its
            // errors are its draws of slow rows (not the same in all)
            assert!(users.iter().all(|&u| u == 10.0), "{users:?}");
            assert!(errors.iter().all(|&e| (0.0..=10.0).contains(&e)));
            assert!(errors.iter().any(|&e| e != 3.0), "{errors:?}");
        }
        // the back-of-envelope from the log's own redirect latencies:
        // 3 of 10 requests fail surely, 7 never
        let est = p.metric("error_page_rate").unwrap().closed_form.unwrap();
        assert!((est - 0.3).abs() < 1e-12, "{resample}: {est}");
    }
}

#[test]
fn the_back_of_envelope_is_the_logs_own_mixture() {
    // one request in four fails surely (400 s), one half the time (330 s:
    // it fails iff the first poll after its eligibility, uniform over the
    // minute, comes within 30 s), two never: 1.5 / 4 = 0.375
    let rows = [
        (0, 1000),
        (6 * 3600, 1000),
        (12 * 3600, 330_000),
        (18 * 3600, 400_000),
    ];
    let (_dir, log) = log_file(&rows);
    let p = run_text(&scenario(&log, "", "1d", 400, "1m", ""), &[]);
    let est = p.metric("error_page_rate").unwrap().closed_form.unwrap();
    assert!((est - 0.375).abs() < 1e-12, "{est}");
    check_within(&p, "error_page_rate", 0.375);
    // every replication: the 400 s row, and the 330 s row or not
    let errors = column(&p, "error_pages");
    assert!(errors.iter().all(|&e| e == 1.0 || e == 2.0), "{errors:?}");
}

/// A day of 48 requests, one every 30 minutes from 00:15: the morning's
/// redirects take 90 s, the afternoon's 1 s. The transfer clock jumps 4
/// minutes ahead at noon, so an afternoon record is deleted 60 to 70 s
/// after its payment (10 s polls): a 90 s redirect would fail then, but
/// the log has none in the afternoon.
fn morning_slow() -> Vec<(u64, u64)> {
    (0..48)
        .map(|i| (i * 1800 + 900, if i < 24 { 90_000 } else { 1000 }))
        .collect()
}

const NOON_STEP: &str = "clock = { steps = [ { at = \"12h\", by = \"4m\" } ] }";

#[test]
fn the_pairing_of_time_and_latency_survives_every_resampling() {
    let (_dir, log) = log_file(&morning_slow());
    for resample in ["none", "rows", "days"] {
        let p = run_text(
            &scenario(
                &log,
                &format!("resample = \"{resample}\""),
                "1d",
                40,
                "10s",
                NOON_STEP,
            ),
            &[],
        );
        let errors = column(&p, "error_pages");
        assert!(errors.iter().all(|&e| e == 0.0), "{resample}: {errors:?}");
        assert!(column(&p, "users").iter().all(|&u| u == 48.0), "{resample}");
    }
    // the same arrivals and latencies resampled independently (a trace and
    // an empirical distribution): half the afternoon's users draw 90 s and
    // fail, an error-page rate of 24 x 0.5 / 48 = 0.25
    let independent = format!(
        r#"name = "independent"
model = "checkout"
horizon = "1d"
replications = 40
[hosts.web]
[hosts.transfer]
{NOON_STEP}
[checkout]
stamp_host = "web"
arrivals = {{ trace = "{0}", column = "ts" }}
redirect_latency = {{ empirical = {{ file = "{0}", column = "redirect_ms", unit = "ms" }} }}
[transfer]
host = "transfer"
poll_interval = "10s"
grace = "5m"
"#,
        log.display()
    );
    let p = run_text(&independent, &[]);
    check_within(&p, "error_page_rate", 0.25);
}

#[test]
fn days_are_drawn_whole() {
    // day 0: four rows that never fail; day 1: four that always do (the
    // log covers 42h x 9 / 7 = 54h, two whole days and no row after them);
    // three days drawn
    let rows: Vec<(u64, u64)> = (0..8)
        .map(|i| (i * 6 * 3600, if i < 4 { 1000 } else { 400_000 }))
        .collect();
    let (_dir, log) = log_file(&rows);
    let p = run_text(
        &scenario(&log, "resample = \"days\"", "3d", 64, "1m", ""),
        &[],
    );
    let errors = column(&p, "error_pages");
    assert!(column(&p, "users").iter().all(|&u| u == 12.0));
    // each simulated day is one log day: 0 or 4 error pages, never between
    for (_, r) in &p.reps {
        for day in &r.daily {
            assert!(
                (day[0], day[1]) == (4.0, 0.0) || (day[0], day[1]) == (4.0, 4.0),
                "{day:?}"
            );
        }
    }
    assert!(errors.contains(&4.0) && errors.contains(&8.0));
    // each day a slow one with probability 1/2: the rate is 1/2
    let est = p.metric("error_page_rate").unwrap().closed_form.unwrap();
    assert!((est - 0.5).abs() < 1e-12, "{est}");
}

/// Six requests ten minutes apart over an hour: the rows alone say the log
/// covers 50m x 7 / 5 = 70m; `covers = "1h"` says it is the hour.
fn one_hour() -> Vec<(u64, u64)> {
    (0..6).map(|i| (i * 600, 1000)).collect()
}

#[test]
fn a_short_log_is_refused_by_default_and_says_how_short() {
    let (dir, log) = log_file(&one_hour());
    let file = dir.path().join("s.toml");
    std::fs::write(&file, scenario(&log, "", "1d", 2, "1m", "")).unwrap();
    let out = racesim().arg("validate").arg(&file).assert().code(2);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("covers 1h 10m"), "{err}");
    assert!(err.contains("less than the horizon 1 day"), "{err}");
    assert!(
        err.contains("short_log = \"loop\"") && err.contains("\"scale\""),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_short_log_looped_or_scaled_fills_the_horizon() {
    let (_dir, log) = log_file(&one_hour());
    // looped: 24 copies of 6 rows
    let p = run_text(
        &scenario(
            &log,
            "short_log = \"loop\"\ncovers = \"1h\"",
            "1d",
            2,
            "1m",
            "",
        ),
        &[],
    );
    assert!(column(&p, "users").iter().all(|&u| u == 144.0));
    let notes = p.scenario.model.notes();
    assert!(
        notes.len() == 1 && notes[0].contains("replays it 24 times"),
        "{notes:?}"
    );
    // scaled: the 6 rows stretched over the day (rate divided by 24)
    let p = run_text(
        &scenario(
            &log,
            "short_log = \"scale\"\ncovers = \"1h\"",
            "1d",
            2,
            "1m",
            "",
        ),
        &[],
    );
    assert!(column(&p, "users").iter().all(|&u| u == 6.0));
    let notes = p.scenario.model.notes();
    assert!(
        notes[0].contains("stretches its arrival times by 24.0000"),
        "{notes:?}"
    );
}

#[test]
fn a_looped_log_says_so_on_stderr_and_in_the_summary() {
    let (dir, log) = log_file(&one_hour());
    let file = dir.path().join("s.toml");
    std::fs::write(
        &file,
        scenario(
            &log,
            "short_log = \"loop\"\ncovers = \"1h\"",
            "1d",
            2,
            "1m",
            "",
        ),
    )
    .unwrap();
    let out = racesim()
        .args(["run", "--out"])
        .arg(dir.path().join("out"))
        .arg(&file)
        .assert()
        .success();
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        err.contains("note: ") && err.contains("replays it 24 times"),
        "{err}"
    );
    let summary = std::fs::read_to_string(dir.path().join("out/replay/summary.csv")).unwrap();
    assert!(summary.contains("replays it 24 times"), "{summary}");
    let out = racesim().arg("validate").arg(&file).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        text.contains("\n  note: ") && text.contains("replays it 24 times"),
        "{text}"
    );
}

#[test]
fn trace_first_error_names_the_log_row() {
    let (dir, _) = log_file(&ten_rows());
    let file = dir.path().join("s.toml");
    // the log named relative to the scenario's folder
    std::fs::write(
        &file,
        scenario(std::path::Path::new("requests.csv"), "", "1d", 2, "1m", ""),
    )
    .unwrap();
    let out = racesim()
        .arg("trace")
        .arg(&file)
        .arg("--first-error")
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    // the first error page is row 3, the fourth under the header: line 5
    assert!(text.contains("user 3 (error page)"), "{text}");
    assert!(text.contains("request log: requests.csv line 5"), "{text}");
    let out = racesim()
        .arg("trace")
        .arg(&file)
        .args(["--first-error", "--format", "json"])
        .assert()
        .success();
    let doc: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(doc["log_row"]["line"], 5);
    assert_eq!(doc["log_row"]["file"], "requests.csv");
}

#[test]
fn a_resampled_log_gives_the_same_bytes_on_any_thread_count() {
    let (dir, log) = log_file(&ten_rows());
    let file = dir.path().join("s.toml");
    std::fs::write(
        &file,
        scenario(&log, "resample = \"rows\"", "1d", 16, "1m", ""),
    )
    .unwrap();
    let run = |threads: &str| {
        let out = dir.path().join(format!("t{threads}"));
        racesim()
            .args([
                "run",
                "--quiet",
                "--no-charts",
                "--threads",
                threads,
                "--out",
            ])
            .arg(&out)
            .arg(&file)
            .assert()
            .success();
        std::fs::read(out.join("replay/replications.csv")).unwrap()
    };
    assert_eq!(run("1"), run("2"));
}
