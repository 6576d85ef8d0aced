//! The hostile-input battery of issue 14 ("Reliability under attack"): each
//! case the issue reported, as a new user or a careless CI script would hit
//! it, with the exit code, the words of the message, no panic, and, where
//! the issue was about resources, a bound on memory (the process runs with
//! its data capped, so a run that builds gigabytes before refusing dies and
//! fails the test) or time (a correctness bound: a run that must stop,
//! generous enough for a loaded machine). Items 1 (concurrent runs,
//! kills during commit) are in `guards.rs` and the unit tests of
//! `report::output`; this module holds items 2 to 9.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::util::{Measured, checkout_tables, edit, measured, terminal_tables};

/// A small checkout scenario: the shared checkout tables, 4 replications.
const BASE: &str = concat!(
    "name = \"base\"\nmodel = \"checkout\"\nhorizon = \"1d\"\nreplications = 4\n",
    checkout_tables!()
);

/// A small terminal scenario: the shared terminal tables with three
/// terminals, two prices, the default return visits and no resubmissions.
fn fleet() -> String {
    edit(
        concat!(
            "name = \"fleet\"\nmodel = \"terminal\"\nhorizon = \"2d\"\nreplications = 2\n",
            terminal_tables!()
        ),
        &[
            ("terminals = 2", "terminals = 3"),
            ("return_visit = 0.05\nsame_order = 0.7\n", ""),
            (
                "{ price = \"3.40\", weight = 1 } ]",
                "{ price = \"3.40\", weight = 1 }, { price = \"4.50\", weight = 1 } ]",
            ),
            ("[terminal.resubmit]\nprobability = 0.002\n", ""),
        ],
    )
}

/// A folder holding `files`.
fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// Asserts the run ended with `code`, no panic or internal error, and a
/// message holding every one of `words`; returns stderr.
#[track_caller]
fn ended(m: &Measured, code: i32, words: &[&str]) -> String {
    let err = &m.stderr;
    assert_eq!(m.code, Some(code), "stderr:\n{err}\nstdout:\n{}", m.stdout);
    assert!(
        !err.contains("panicked") && !err.contains("internal error"),
        "{err}"
    );
    for w in words {
        assert!(err.contains(w), "expected {w:?} in:\n{err}");
    }
    err.clone()
}

/// Runs racesim in `dir` (at most 60 s).
fn run(dir: &Path, args: &[&str]) -> Measured {
    measured(dir, args, Duration::from_secs(60), None)
}

/// The data cap of runs that must refuse before building anything (the
/// issue's cases built 1.67 GB to 4.2 GB first).
const SMALL: u64 = 200 << 20;

/// Runs racesim in `dir` with its data capped at `bytes`.
fn capped(dir: &Path, args: &[&str], bytes: u64) -> Measured {
    measured(dir, args, Duration::from_secs(60), Some(bytes))
}

// ---- 2. guards run before the work they guard ------------------------------

/// `--vary ...0m..10m/10000 --max-events 1` built 10001 points (1.67 GB)
/// before refusing: now the points are counted first.
#[test]
fn a_large_sweep_is_refused_before_any_point_is_built() {
    let dir = folder(&[("base.toml", BASE)]);
    let vary = [
        "sweep",
        "base.toml",
        "--vary",
        "transfer.grace=0m..10m/10000",
    ];
    let m = capped(
        dir.path(),
        &[&vary[..], &["--max-events", "1"]].concat(),
        SMALL,
    );
    ended(&m, 2, &["10,001 points", "--max-points 10001"]);
    // with the points let through, the events guard refuses, still before
    // anything is built (each axis value is costed on its own)
    let m = capped(
        dir.path(),
        &[&vary[..], &["--max-points", "20000", "--max-events", "1"]].concat(),
        SMALL,
    );
    ended(
        &m,
        2,
        &["events", "beyond --max-events 1", "10,001 point(s)"],
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "nothing written"
    );
}

/// Two 100000-step axes aborted with exit 134 (allocation failure).
#[test]
fn a_grid_of_ten_billion_points_is_counted_not_built() {
    let dir = folder(&[("base.toml", BASE)]);
    let m = capped(
        dir.path(),
        &[
            "sweep",
            "base.toml",
            "--vary",
            "transfer.grace=0m..10m/100000",
            "--vary",
            "transfer.poll_interval=1m..10m/100000",
        ],
        SMALL,
    );
    ended(&m, 2, &["1.000e10 points", "--max-points"]);
}

/// `validate` called a 10^10-point sweep "ok".
#[test]
fn validate_reports_the_sweep_size_and_refuses_an_absurd_one() {
    let sweep = "[sweep]\ntransfer.grace = { from = \"0m\", to = \"10m\", steps = 100000 }\n\
                 \"transfer.poll_interval\" = { from = \"1m\", to = \"10m\", steps = 100000 }\n";
    let small = "[sweep]\ntransfer.grace = [\"1m\", \"2m\", \"3m\"]\n";
    let dir = folder(&[
        ("big.toml", &format!("{BASE}{sweep}")),
        ("small.toml", &format!("{BASE}{small}")),
    ]);
    let m = capped(dir.path(), &["validate", "big.toml"], SMALL);
    ended(&m, 2, &["1.000e10 points", "--max-points"]);
    let m = run(dir.path(), &["validate", "small.toml"]);
    ended(&m, 0, &[]);
    assert!(m.stdout.contains("sweep of 3 points"), "{}", m.stdout);
}

/// Polls, clock syncs and held records count in the guards, not only users.
#[test]
fn polls_syncs_and_held_records_count_in_the_guards() {
    let dir = folder(&[("base.toml", BASE)]);
    // a 1 ms sync over 1000 days: 8.6e10 clock steps a replication
    let m = capped(
        dir.path(),
        &[
            "run",
            "base.toml",
            "--set",
            "horizon=\"1000d\"",
            "--set",
            "hosts.transfer.clock={ offset = \"6m\", sync = { interval = \"1ms\", accuracy = \"1ms\" } }",
        ],
        SMALL,
    );
    ended(&m, 2, &["clock steps", "--max-events"]);
    // 1 ms polls over 1000 days
    let m = capped(
        dir.path(),
        &[
            "run",
            "base.toml",
            "--set",
            "horizon=\"1000d\"",
            "--set",
            "transfer.poll_interval=\"1ms\"",
        ],
        SMALL,
    );
    ended(&m, 2, &["polls", "--max-events"]);
    // records never moved: poll_interval = 100000d at 4e7/h held 2.5 GB
    let m = capped(
        dir.path(),
        &[
            "run",
            "base.toml",
            "--replications",
            "1",
            "--set",
            "horizon=\"1h\"",
            "--set",
            "checkout.arrivals.rate=\"4e7/h\"",
            "--set",
            "transfer.poll_interval=\"100000d\"",
        ],
        SMALL,
    );
    ended(&m, 2, &["in memory at once", "--max-memory"]);
}

// ---- 3. --time-limit always stops ------------------------------------------

/// Asserts a run with `--time-limit 1s` stopped within a few seconds (exit
/// 1: nothing finished, or 0: a partial result).
#[track_caller]
fn stops(m: &Measured) {
    assert!(m.code == Some(1) || m.code == Some(0), "{m:?}");
    assert!(!m.stderr.contains("panicked"), "{}", m.stderr);
    // a correctness bound (it used to run on past 60 s), not a speed test
    assert!(m.wall < Duration::from_secs(10), "took {:?}", m.wall);
}

/// A clock syncing every millisecond over a long horizon: the stop is seen
/// inside the clock's loop over its syncs.
#[test]
fn time_limit_stops_a_clock_with_a_fast_sync() {
    let dir = folder(&[("base.toml", BASE)]);
    let m = run(
        dir.path(),
        &[
            "run",
            "base.toml",
            "--replications",
            "1",
            "--set",
            "horizon=\"300d\"",
            "--set",
            "hosts.transfer.clock={ offset = \"6m\", sync = { interval = \"1ms\", accuracy = \"1ms\" } }",
            "--max-events",
            "1e13",
            "--time-limit",
            "1s",
            "--no-charts",
        ],
    );
    stops(&m);
    // and periods too short to finish are refused, saying the minimum
    for (key, value) in [
        (
            "hosts.transfer.clock",
            "{ offset = \"6m\", sync = { interval = \"1us\", accuracy = \"1ms\" } }",
        ),
        ("transfer.poll_interval", "\"1ns\""),
    ] {
        let set = format!("{key}={value}");
        let m = run(dir.path(), &["validate", "base.toml", "--set", &set]);
        ended(&m, 2, &["too short", "at least 1ms"]);
    }
}

/// One terminal with ten million purchases a day on a one-digit counter.
#[test]
fn time_limit_stops_a_huge_terminal_day() {
    let dir = folder(&[("fleet.toml", &fleet())]);
    let m = run(
        dir.path(),
        &[
            "run",
            "fleet.toml",
            "--replications",
            "1",
            "--set",
            "terminal.terminals=1",
            "--set",
            "terminal.daily_transactions=1e7",
            "--set",
            "terminal.counter_digits=1",
            "--time-limit",
            "1s",
            "--no-charts",
        ],
    );
    stops(&m);
}

/// Checkout at 1e7 users an hour with a grace of 1000 days: the stop is
/// seen while users arrive and while polls select.
#[test]
fn time_limit_stops_a_checkout_flood() {
    let dir = folder(&[("base.toml", BASE)]);
    let m = run(
        dir.path(),
        &[
            "run",
            "base.toml",
            "--replications",
            "2",
            "--set",
            "horizon=\"1h\"",
            "--set",
            "checkout.arrivals.rate=\"1e7/h\"",
            "--set",
            "transfer.grace=\"1000d\"",
            "--time-limit",
            "1s",
            "--no-charts",
        ],
    );
    stops(&m);
}

// ---- 5. crashes on short rows ----------------------------------------------

/// A racesim output of each kind with its last row cut short, for `plot`.
fn cut_short(text: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    let last = lines.pop().unwrap();
    let cut = &last[..last.rfind(',').unwrap()];
    lines.push(cut);
    format!("{}\n", lines.join("\n"))
}

/// `plot` exited 3 ("index out of bounds") on any racesim CSV with a short
/// row: now exit 2, naming the line.
#[test]
fn plot_refuses_short_rows_with_the_line() {
    let dir = folder(&[
        (
            "base.toml",
            &format!("{BASE}[sweep]\ntransfer.grace = [\"1m\", \"5m\"]\n"),
        ),
        ("fleet.toml", &fleet()),
    ]);
    for f in ["base.toml", "fleet.toml"] {
        let m = run(dir.path(), &["run", f, "-q", "--no-charts", "--out", "out"]);
        ended(&m, 0, &[]);
    }
    let files = [
        "out/base/summary.csv",
        "out/base/daily.csv",
        "out/base/margin.csv",
        "out/fleet/volume.csv",
    ];
    for f in files {
        let path = dir.path().join(f);
        let text = std::fs::read_to_string(&path).unwrap();
        let lines = text.lines().count();
        std::fs::write(&path, cut_short(&text)).unwrap();
        let m = run(dir.path(), &["plot", f]);
        ended(
            &m,
            2,
            &[f, &format!("line {lines} has"), "where the header has"],
        );
    }
    // a cell that is not a number, and an empty file
    std::fs::write(
        dir.path().join("x.csv"),
        "point,day,users,error_pages\n0,0,12,abc\n",
    )
    .unwrap();
    let m = run(dir.path(), &["plot", "x.csv"]);
    ended(
        &m,
        2,
        &["x.csv: line 2, column `error_pages`: `abc` is not a number"],
    );
    std::fs::write(dir.path().join("e.csv"), "").unwrap();
    let m = run(dir.path(), &["plot", "e.csv"]);
    ended(&m, 2, &["e.csv", "is empty: it has no header row"]);
}

// ---- 5 and 9. check and history files ---------------------------------------

/// `check --history` with label `l` into `history` (a path in `dir`).
fn check_history(dir: &Path, history: &str, label: &str) -> Measured {
    run(
        dir,
        &[
            "check",
            "base.toml",
            "-q",
            "--history",
            history,
            "--label",
            label,
        ],
    )
}

/// A history with a truncated row was appended to, so the next `plot`
/// crashed; a foreign history was appended to as well.
#[test]
fn check_refuses_a_cut_or_foreign_history_and_leaves_it_alone() {
    let dir = folder(&[("base.toml", BASE)]);
    ended(&check_history(dir.path(), "h.csv", "v1"), 0, &[]);
    ended(&check_history(dir.path(), "h.csv", "v2"), 0, &[]);
    let h = dir.path().join("h.csv");
    let good = std::fs::read_to_string(&h).unwrap();
    assert_eq!(
        good.lines().count(),
        1 + 2 * 7,
        "header and 7 metrics twice"
    );
    // cut the last row short
    let cut = cut_short(&good);
    std::fs::write(&h, &cut).unwrap();
    let lines = cut.lines().count();
    let m = check_history(dir.path(), "h.csv", "v3");
    ended(
        &m,
        2,
        &[
            "h.csv",
            &format!("line {lines} has"),
            "cannot append to the history",
        ],
    );
    assert_eq!(std::fs::read_to_string(&h).unwrap(), cut, "left as it was");
    let m = run(dir.path(), &["plot", "h.csv"]);
    ended(&m, 2, &[&format!("line {lines} has")]);
    // a file that is not a history
    std::fs::write(&h, "name,age\nann,3\n").unwrap();
    let m = check_history(dir.path(), "h.csv", "v3");
    ended(&m, 2, &["not a racesim history", "name,age"]);
    assert_eq!(std::fs::read_to_string(&h).unwrap(), "name,age\nann,3\n");
}

/// Appending through a symbolic link replaced the link with a file: now the
/// file it points to gets the rows and the link stays; a link to nowhere is
/// refused.
#[cfg(unix)]
#[test]
fn a_history_behind_a_link_is_appended_to_and_the_link_kept() {
    let dir = folder(&[("base.toml", BASE)]);
    std::fs::create_dir(dir.path().join("store")).unwrap();
    ended(&check_history(dir.path(), "store/h.csv", "v1"), 0, &[]);
    std::os::unix::fs::symlink("store/h.csv", dir.path().join("h.csv")).unwrap();
    ended(&check_history(dir.path(), "h.csv", "v2"), 0, &[]);
    let link = std::fs::symlink_metadata(dir.path().join("h.csv")).unwrap();
    assert!(link.file_type().is_symlink(), "the link is kept");
    let text = std::fs::read_to_string(dir.path().join("store/h.csv")).unwrap();
    assert!(text.contains("\nv1,") && text.contains("\nv2,"), "{text}");
    std::os::unix::fs::symlink("nowhere.csv", dir.path().join("dangling.csv")).unwrap();
    let m = check_history(dir.path(), "dangling.csv", "v3");
    ended(&m, 2, &["symbolic link to nowhere.csv", "does not exist"]);
}

/// A label starting with `=`, `+`, `-` or `@` is written with a `'` in
/// front (OWASP's advice against formula injection), and `plot` shows it
/// without; negative numbers are numbers, written as they are.
#[test]
fn labels_that_look_like_formulas_are_quoted_and_numbers_are_not() {
    let dir = folder(&[(
        "base.toml",
        &format!(
            "{BASE}[sweep]\n\"hosts.transfer.clock.drift_ppm\" = [-5, 5]\n\"hosts.transfer.clock.offset\" = [\"-6m\", \"6m\"]\n"
        ),
    )]);
    ended(
        &check_history(dir.path(), "h.csv", "=HYPERLINK(\"x\")"),
        0,
        &[],
    );
    ended(&check_history(dir.path(), "h.csv", "@SUM(A1)"), 0, &[]);
    let h = std::fs::read_to_string(dir.path().join("h.csv")).unwrap();
    assert!(h.contains("\n\"'=HYPERLINK(\"\"x\"\")\","), "{h}");
    assert!(h.contains("\n'@SUM(A1),"), "{h}");
    let m = run(dir.path(), &["plot", "h.csv", "--out", "charts"]);
    ended(&m, 0, &[]);
    let svg = std::fs::read_dir(dir.path().join("charts"))
        .unwrap()
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().ends_with(".svg"))
        .unwrap();
    let svg = std::fs::read_to_string(svg.path()).unwrap();
    assert!(
        svg.contains("@SUM(A1)") && !svg.contains("'@SUM"),
        "label shown as written"
    );
    let m = run(
        dir.path(),
        &["run", "base.toml", "-q", "--no-charts", "--out", "out"],
    );
    ended(&m, 0, &[]);
    let summary = std::fs::read_to_string(dir.path().join("out/base/summary.csv")).unwrap();
    assert!(summary.contains("\n-5,'-6m,"), "{summary}");
    assert!(summary.contains("\n5,6m,"), "{summary}");
}

// ---- 6. tampered or impossible inputs ---------------------------------------

/// Runs two shards of `base.toml` into `dir/out`.
fn two_shards(dir: &Path) -> [PathBuf; 2] {
    for k in 1..=2 {
        let shard = format!("{k}/2");
        let m = run(
            dir,
            &[
                "run",
                "base.toml",
                "-q",
                "--no-charts",
                "--shard",
                &shard,
                "--out",
                "out",
            ],
        );
        ended(&m, 0, &[]);
    }
    [1, 2].map(|k| dir.join(format!("out/base/shard-{k}-of-2/replications.csv")))
}

/// Edits cell `column` of the first row of a replications file to `value`;
/// with `reseal`, recomputes the checksum as a careful forger would (the
/// value checks must still refuse it).
fn tamper(path: &Path, column: &str, value: &str, reseal: bool) {
    let text = std::fs::read_to_string(path).unwrap();
    let (meta, rows) = text.split_once('\n').unwrap();
    let mut lines: Vec<String> = rows.lines().map(str::to_string).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let c = header.iter().position(|h| *h == column).unwrap();
    let mut cells: Vec<String> = lines[1].split(',').map(str::to_string).collect();
    cells[c] = value.to_string();
    lines[1] = cells.join(",");
    let rows = format!("{}\n", lines.join("\n"));
    let meta = if reseal {
        let mut m: serde_json::Value =
            serde_json::from_str(meta.trim_start_matches("# racesim ")).unwrap();
        m["checksum"] = racesim::report::shards::rows_checksum(&rows).into();
        format!("# racesim {}", serde_json::to_string(&m).unwrap())
    } else {
        meta.to_string()
    };
    std::fs::write(path, format!("{meta}\n{rows}")).unwrap();
}

/// `merge` accepted `error_pages` changed from 14 to 1400, `users = -2955`,
/// `NaN`, `1e23`: an edit is refused by the checksum, and a resealed edit by
/// the value checks.
#[test]
fn merge_refuses_edited_and_impossible_rows() {
    let cases: [(&str, &str, &[&str]); 7] = [
        // 1400 is fewer than the users: the daily series gives it away
        (
            "error_pages",
            "1400",
            &["daily.csv", "adds up to", "do not belong together"],
        ),
        ("error_pages", "99999", &["line 3", "more than `users`"]),
        ("users", "-2955", &["line 3", "`users` is -2955, below 0"]),
        ("users", "NaN", &["line 3", "not a finite number"]),
        ("users", "1e23", &["line 3", "beyond any count"]),
        ("users", "12.5", &["line 3", "not a whole number"]),
        ("users", "abc", &["line 3", "`abc` is not a number"]),
    ];
    for (column, value, words) in cases {
        let dir = folder(&[("base.toml", BASE)]);
        let shards = two_shards(dir.path());
        let merge = |dir: &Path| {
            run(
                dir,
                &[
                    "merge",
                    shards[0].to_str().unwrap(),
                    shards[1].to_str().unwrap(),
                    "--out",
                    "merged",
                    "-q",
                ],
            )
        };
        tamper(&shards[0], column, value, false);
        ended(&merge(dir.path()), 2, &["checksum", "edited"]);
        tamper(&shards[0], column, value, true);
        let mut w = vec!["cannot merge", "shard-1-of-2"];
        w.extend_from_slice(words);
        ended(&merge(dir.path()), 2, &w);
        assert!(!dir.path().join("merged").exists(), "nothing written");
    }
}

/// A shard whose daily series was edited apart from its rows, and mismatched
/// shard counts (which printed `Some(3)`/`None`).
#[test]
fn merge_names_mismatches_in_plain_words() {
    let dir = folder(&[("base.toml", BASE)]);
    let shards = two_shards(dir.path());
    let daily = shards[0].with_file_name("daily.csv");
    let text = std::fs::read_to_string(&daily).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[1] = {
        let mut c: Vec<String> = lines[1].split(',').map(str::to_string).collect();
        c[2] = "9999".into();
        c.join(",")
    };
    std::fs::write(&daily, format!("{}\n", lines.join("\n"))).unwrap();
    let args = [
        "merge",
        shards[0].to_str().unwrap(),
        shards[1].to_str().unwrap(),
        "-q",
        "--out",
        "m",
    ];
    ended(
        &run(dir.path(), &args),
        2,
        &["daily.csv", "adds up to", "do not belong together"],
    );
    // a whole run beside a shard
    let m = run(
        dir.path(),
        &["run", "base.toml", "-q", "--no-charts", "--out", "whole"],
    );
    ended(&m, 0, &[]);
    let whole = dir.path().join("whole/base/replications.csv");
    let m = run(
        dir.path(),
        &[
            "merge",
            shards[1].to_str().unwrap(),
            whole.to_str().unwrap(),
            "-q",
        ],
    );
    let err = ended(
        &m,
        2,
        &["different shard counts", "2 shards", "a whole run"],
    );
    assert!(!err.contains("Some(") && !err.contains("None"), "{err}");
}

/// `merge` read the scenario path relative to the current folder without
/// saying so.
#[test]
fn merge_from_another_folder_says_where_to_run_it() {
    let dir = folder(&[("base.toml", BASE)]);
    let shards = two_shards(dir.path());
    let elsewhere = tempfile::tempdir().unwrap();
    let m = run(
        elsewhere.path(),
        &[
            "merge",
            shards[0].to_str().unwrap(),
            shards[1].to_str().unwrap(),
            "-q",
        ],
    );
    ended(
        &m,
        2,
        &[
            "base.toml",
            "relative to the folder they ran in",
            "run merge from that folder",
        ],
    );
}

/// `check --baseline` with a baseline from another scenario, or with a
/// metric of `null`, `"NaN"` or `"abc"`, compared nothing and passed.
#[test]
fn check_refuses_a_baseline_it_cannot_compare_with() {
    let dir = folder(&[("base.toml", BASE), ("fleet.toml", &fleet())]);
    ended(
        &run(
            dir.path(),
            &["run", "fleet.toml", "-q", "--no-charts", "--out", "out"],
        ),
        0,
        &[],
    );
    ended(
        &run(
            dir.path(),
            &["run", "base.toml", "-q", "--no-charts", "--out", "out"],
        ),
        0,
        &[],
    );
    let m = run(
        dir.path(),
        &[
            "check",
            "base.toml",
            "-q",
            "--baseline",
            "out/fleet/summary.json",
        ],
    );
    ended(
        &m,
        2,
        &[
            "is a run of `fleet`, not of `base`",
            "nothing could be compared",
        ],
    );
    let json = std::fs::read_to_string(dir.path().join("out/base/summary.json")).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    for bad in [
        serde_json::json!("NaN"),
        serde_json::json!("abc"),
        serde_json::json!({}),
    ] {
        doc["metrics"]["error_page_rate"]["value"] = bad.clone();
        std::fs::write(dir.path().join("b.json"), doc.to_string()).unwrap();
        let m = run(
            dir.path(),
            &["check", "base.toml", "-q", "--baseline", "b.json"],
        );
        ended(
            &m,
            2,
            &["b.json", "metric `error_page_rate`", "not a number"],
        );
    }
    // null: what racesim writes for an undefined figure; the comparison is
    // reported as not made, and the check does not pass
    doc["metrics"]["error_page_rate"]["value"] = serde_json::Value::Null;
    std::fs::write(dir.path().join("b.json"), doc.to_string()).unwrap();
    let m = run(dir.path(), &["check", "base.toml", "--baseline", "b.json"]);
    assert_eq!(m.code, Some(1), "{}", m.stderr);
    assert!(
        m.stdout.contains("INCONCLUSIVE") && m.stdout.contains("undefined (null)"),
        "{}",
        m.stdout
    );
}

/// `[[expect]]` with `min > max` is refused at validation.
#[test]
fn an_expectation_with_min_above_max_is_refused() {
    let text = format!("{BASE}[[expect]]\nmetric = \"error_page_rate\"\nmin = 0.5\nmax = 0.1\n");
    let dir = folder(&[("bad.toml", &text)]);
    let m = run(dir.path(), &["validate", "bad.toml"]);
    ended(
        &m,
        2,
        &[
            "bad.toml:16",
            "key `expect.0`",
            "`min` (0.5) is above `max` (0.1)",
        ],
    );
}

// ---- 7. inputs read without limits ------------------------------------------

/// A scenario whose redirect latency is an empirical column of `file`.
fn empirical(file: &str) -> String {
    BASE.replace(
        "{ lognormal = { median = \"1s\", p99 = \"5s\" } }",
        &format!("{{ empirical = {{ file = \"{file}\", column = \"ms\", unit = \"ms\" }} }}"),
    )
}

/// `/dev/zero` as an empirical file, a baseline or a merge input read 4.2
/// GB; a FIFO history hung.
#[cfg(unix)]
#[test]
fn devices_and_fifos_are_refused_at_once() {
    let dir = folder(&[("base.toml", BASE), ("zero.toml", &empirical("/dev/zero"))]);
    for args in [
        &["validate", "zero.toml"][..],
        &["check", "base.toml", "-q", "--baseline", "/dev/zero"],
        &["merge", "/dev/zero", "-q"],
        &["plot", "/dev/zero"],
    ] {
        let m = capped(dir.path(), args, SMALL);
        ended(&m, 2, &["/dev/zero", "a device", "regular files"]);
    }
    let fifo = dir.path().join("h.csv");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let m = run(
        dir.path(),
        &[
            "check",
            "base.toml",
            "-q",
            "--history",
            "h.csv",
            "--label",
            "x",
        ],
    );
    ended(&m, 2, &["h.csv", "FIFO"]);
    let m = run(dir.path(), &["validate", "h.csv"]);
    ended(&m, 2, &["h.csv", "FIFO"]);
}

/// An empirical CSV of ten million and one rows is refused at the row cap
/// (a 1e8-row file took 1.6 GB), reading it as a stream.
#[test]
fn an_empirical_file_beyond_the_row_cap_is_refused_with_bounded_memory() {
    let dir = folder(&[("big.toml", &empirical("big.csv"))]);
    let mut text = String::with_capacity(21_000_000);
    text.push_str("ms\n");
    for _ in 0..10_000_001 {
        text.push_str("1\n");
    }
    std::fs::write(dir.path().join("big.csv"), text).unwrap();
    // the values read (80 MB), never a copy of the file
    let m = capped(dir.path(), &["validate", "big.toml"], 300 << 20);
    ended(&m, 2, &["big.csv", "more than 10000000 rows"]);
}

// ---- 8. silent or wrong messages ---------------------------------------------

/// `racesim sweep FILE` ignored the file's `[sweep]`.
#[test]
fn sweep_without_vary_runs_the_files_sweep() {
    let text = format!("{BASE}[sweep]\ntransfer.grace = [\"1m\", \"5m\"]\n");
    let dir = folder(&[("s.toml", &text), ("base.toml", BASE)]);
    let m = run(
        dir.path(),
        &[
            "sweep",
            "s.toml",
            "-q",
            "--no-charts",
            "--format",
            "csv",
            "--out",
            "o",
        ],
    );
    ended(&m, 0, &[]);
    assert_eq!(
        m.stdout.lines().count(),
        3,
        "header and two points:\n{}",
        m.stdout
    );
    assert!(m.stdout.starts_with("transfer.grace,"), "{}", m.stdout);
    let m = run(dir.path(), &["sweep", "base.toml", "-q"]);
    ended(&m, 2, &["nothing to sweep", "--vary"]);
}

/// A shard with no replications said "the time limit () was reached" and
/// left an empty folder.
#[test]
fn a_shard_without_replications_is_refused_before_anything_is_written() {
    let dir = folder(&[("base.toml", BASE)]);
    let m = run(
        dir.path(),
        &[
            "run",
            "base.toml",
            "--replications",
            "2",
            "--shard",
            "3/4",
            "--out",
            "out",
        ],
    );
    let err = ended(
        &m,
        2,
        &["shard 3/4", "no replication to run", "at most 2 shards"],
    );
    assert!(!err.contains("time limit"), "{err}");
    assert!(!dir.path().join("out").exists(), "no folder left");
}

/// Small messages: a terminal horizon of part of a day, a key set twice, a
/// latency beyond racesim's time range, a missing `model`, a huge seed, an
/// empty data file, a dangling output link.
#[test]
fn messages_say_what_is_wrong() {
    let dir = folder(&[
        ("fleet.toml", &fleet()),
        ("base.toml", BASE),
        ("nomodel.toml", &BASE.replace("model = \"checkout\"\n", "")),
        (
            "seed.toml",
            &BASE.replace("replications = 4", "seed = 99999999999999999999999"),
        ),
        ("empty.toml", &empirical("empty.csv")),
        ("empty.csv", ""),
    ]);
    let m = run(
        dir.path(),
        &["run", "fleet.toml", "--set", "horizon=\"1h\"", "-q"],
    );
    ended(&m, 2, &["whole days", "horizon 1h"]);
    let m = run(
        dir.path(),
        &[
            "run",
            "base.toml",
            "--set",
            "transfer.grace=1m",
            "--set",
            "transfer.grace=2m",
        ],
    );
    ended(
        &m,
        2,
        &[
            "`transfer.grace` is set twice",
            "transfer.grace=1m",
            "transfer.grace=2m",
        ],
    );
    let m = run(
        dir.path(),
        &[
            "validate",
            "base.toml",
            "--set",
            "checkout.redirect_latency={ lognormal = { mu = 1e300, sigma = 1 } }",
        ],
    );
    ended(&m, 2, &["redirect_latency", "beyond", "100 years"]);
    let err = ended(
        &run(dir.path(), &["validate", "nomodel.toml"]),
        2,
        &["key `model`", "missing field `model`"],
    );
    assert!(!err.contains("name.model"), "{err}");
    let err = ended(
        &run(dir.path(), &["validate", "seed.toml"]),
        2,
        &["key `seed`", "too large"],
    );
    assert!(!err.contains("i128"), "{err}");
    let err = ended(
        &run(dir.path(), &["validate", "empty.toml"]),
        2,
        &["empty.csv", "is empty: it has no header row"],
    );
    assert!(!err.contains("the columns are"), "{err}");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("gone", dir.path().join("out")).unwrap();
        let m = run(dir.path(), &["run", "base.toml", "-q", "--out", "out"]);
        ended(
            &m,
            2,
            &["out is a symbolic link to gone, which does not exist"],
        );
    }
}

/// An empirical file outside the scenario's folder was read and its first
/// line printed in the error: now only its path is.
#[test]
fn a_data_file_outside_the_scenario_folder_is_named_not_shown() {
    let secret = tempfile::tempdir().unwrap();
    let path = secret.path().join("private.csv");
    std::fs::write(&path, "token-3f9a1c,other\nsecret-value,1\n").unwrap();
    let dir = folder(&[("x.toml", &empirical(path.to_str().unwrap()))]);
    let err = ended(
        &run(dir.path(), &["validate", "x.toml"]),
        2,
        &["private.csv", "no column `ms`", "not shown"],
    );
    assert!(!err.contains("token-3f9a1c"), "{err}");
    let text =
        empirical(path.to_str().unwrap()).replace("column = \"ms\"", "column = \"token-3f9a1c\"");
    std::fs::write(dir.path().join("y.toml"), text).unwrap();
    let err = ended(
        &run(dir.path(), &["validate", "y.toml"]),
        2,
        &["private.csv", "line 2", "not a valid value"],
    );
    assert!(!err.contains("secret-value"), "{err}");
}

/// `merge` refused `-q`.
#[test]
fn merge_takes_quiet() {
    let dir = folder(&[("base.toml", BASE)]);
    let shards = two_shards(dir.path());
    let m = run(
        dir.path(),
        &[
            "merge",
            shards[0].to_str().unwrap(),
            shards[1].to_str().unwrap(),
            "-q",
            "--out",
            "m",
        ],
    );
    ended(&m, 0, &[]);
    assert!(m.stdout.is_empty(), "{}", m.stdout);
}
