//! What a run says in words when a figure needs a reviewer's eye: a few
//! replications carrying most of the events, a back-of-envelope outside the
//! interval, too few replications to tell clustering. The same sentence goes
//! to the table, `summary.json`, `summary.csv` and the report.
//!
//! The fleet here has rare busy terminals (means lognormal, median 600 and
//! p99 1000, against a 3-digit counter): with seed 1 one replication holds
//! all 5 overflow days; with seed 3 no busy terminal is drawn and 2 overflow
//! days stand against 25.7 expected.

use predicates::prelude::*;

use crate::util::{edit, racesim, terminal_tables};

/// A fleet whose busy terminals are rare: the shared terminal tables with 10
/// terminals, means lognormal (median 600, p99 1000), Poisson days and a
/// 3-digit counter, for 30 days.
fn fleet() -> String {
    edit(
        concat!(
            "# A fleet whose busy terminals are rare.\nname = \"fleet\"\nmodel = \"terminal\"\nreplications = 8\nhorizon = \"30d\"\n",
            terminal_tables!()
        ),
        &[
            ("terminals = 2", "terminals = 10"),
            (
                "daily_transactions = 300\n",
                "daily_transactions = { lognormal = { median = 600, p99 = 1000 } }\nday_to_day = \"poisson\"\ncounter_digits = 3\n",
            ),
        ],
    )
}

const DISAGREES: &str = "overflow_days: the back-of-envelope 25.72 lies above the simulated 95% interval [0.02454, 12.88] (the simulation found less): look at the assumptions of the back-of-envelope and of the scenario";

const CONCENTRATED: &str = "overflow_days: 100% of the events came from 1 of 8 replications: the interval rests on few clusters of events; run about 240 replications to trust it";

fn scenario() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fleet.toml");
    std::fs::write(&file, fleet()).unwrap();
    (dir, file)
}

/// A back-of-envelope outside the interval is said in words by `run`'s
/// table, summary.json, summary.csv and the report.
#[test]
fn a_back_of_envelope_outside_the_interval_is_said_everywhere() {
    let (dir, file) = scenario();
    let out = dir.path().join("out");
    racesim()
        .args(["run", "--seed", "3", "--no-charts", "--out"])
        .arg(&out)
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("warning: {DISAGREES}\n")));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("fleet/summary.json")).unwrap())
            .unwrap();
    let warnings = &json["metrics"]["overflow_days"]["warnings"];
    assert_eq!(
        warnings,
        &serde_json::json!([DISAGREES.trim_start_matches("overflow_days: ")])
    );
    assert_eq!(
        json["metrics"]["terminal_days"]["warnings"],
        serde_json::json!([])
    );
    let csv = std::fs::read_to_string(out.join("fleet/summary.csv")).unwrap();
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().ends_with(",warnings"), "{csv}");
    assert!(lines.next().unwrap().contains(DISAGREES), "{csv}");

    let report = dir.path().join("report");
    racesim()
        .args(["report", "--seed", "3", "--out"])
        .arg(&report)
        .arg(&file)
        .assert()
        .success();
    let md = std::fs::read_to_string(report.join("fleet/report.md")).unwrap();
    // Markdown escapes the underscore and the brackets
    assert!(
        md.contains("_Warning: overflow\\_days: the back-of-envelope 25.72 lies above the simulated 95% interval \\[0.02454, 12.88\\]"),
        "{md}"
    );
    let html = std::fs::read_to_string(report.join("fleet/report.html")).unwrap();
    assert!(html.contains("lies above the simulated 95% interval"));
}

/// A few replications carrying the events: the summary says how many and how
/// many replications would make the interval trustworthy.
#[test]
fn events_from_few_replications_are_named_with_the_replications_needed() {
    let (dir, file) = scenario();
    racesim()
        .args(["run", "--seed", "1", "--no-charts", "--out"])
        .arg(dir.path())
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "warning: {CONCENTRATED}\n"
        )));
}

/// Three replications whose few events look independent: the interval
/// allows for clustering and says why; the same sentence for every such
/// metric, once. (Metrics with thousands of events, or whose spread shows
/// clustering, get no such warning.)
#[test]
fn too_few_replications_are_said_once() {
    let out = racesim()
        .args([
            "run",
            "scenarios/cinnamon-twist.toml",
            "--replications",
            "3",
        ])
        .args(["--no-charts", "--out"])
        .arg(tempfile::tempdir().unwrap().path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let few: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("only 3 replications"))
        .collect();
    assert_eq!(
        few,
        [
            "warning: false_reversals, false_reversals_per_year, lost_amount: only 3 replications: their spread looks like independent events, but so few cannot tell them from events that cluster by replication, so the interval allows for clustering and may be wide; 8 or more tell them apart"
        ],
        "{text}"
    );
}
