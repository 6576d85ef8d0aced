//! The command line: outputs, formats and options.

use predicates::prelude::*;

use crate::util::racesim;

#[test]
fn run_prints_the_table_and_writes_the_csv_files() {
    let dir = tempfile::tempdir().unwrap();
    racesim()
        .args([
            "run",
            "scenarios/lisa.toml",
            "--replications",
            "2",
            "--set",
            "horizon=\"1d\"",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("error_page_rate"))
        .stdout(predicate::str::contains("95% interval"))
        .stdout(predicate::str::contains("back-of-envelope"))
        .stdout(predicate::str::contains("throughput:").not())
        .stderr(predicate::str::starts_with("throughput: "))
        .stderr(predicate::str::contains("wrote "));
    let summary = std::fs::read_to_string(dir.path().join("lisa/summary.csv")).unwrap();
    let header = summary.lines().next().unwrap();
    assert!(
        header.starts_with("users,users_ci_low,users_ci_high,users_estimate,error_pages,"),
        "{header}"
    );
    assert_eq!(summary.lines().count(), 2);
    let reps = std::fs::read_to_string(dir.path().join("lisa/replications.csv")).unwrap();
    assert_eq!(
        reps.lines().count(),
        4,
        "metadata, header and two replications"
    );
    assert!(
        reps.starts_with("# racesim {\"scenario\":\"lisa\""),
        "{reps}"
    );
    assert!(
        reps.lines()
            .nth(1)
            .unwrap()
            .starts_with("point,replication,users,error_pages,error_pages_ideal,")
    );
    for f in [
        "daily.csv",
        "margin.csv",
        "summary.json",
        "clocks.svg",
        "clocks.png",
        "margin.png",
        "daily.svg",
    ] {
        assert!(dir.path().join("lisa").join(f).exists(), "{f}");
    }
}

#[test]
fn csv_format_prints_summary_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = racesim()
        .args([
            "run",
            "scenarios/lisa.toml",
            "--replications",
            "2",
            "--set",
            "horizon=\"6h\"",
            "--format",
            "csv",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let file = std::fs::read(dir.path().join("lisa/summary.csv")).unwrap();
    assert_eq!(out, file);
}

#[test]
fn json_has_the_contract_fields() {
    let dir = tempfile::tempdir().unwrap();
    let out = racesim()
        .args([
            "run",
            "scenarios/lisa.toml",
            "--replications",
            "3",
            "--set",
            "horizon=\"6h\"",
            "--format",
            "json",
            "--seed",
            "5",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(doc["scenario"], "lisa");
    assert_eq!(doc["seed"], 5);
    assert_eq!(doc["replications"], 3);
    assert_eq!(doc["estimator"], "sample");
    assert!(doc["generator"].as_str().unwrap().contains("xoshiro256++"));
    assert!(doc["version"].is_string());
    for m in [
        "users",
        "error_pages",
        "error_page_rate",
        "skew_error_rate",
        "lost_confirmations",
        "early_moves",
        "margin",
    ] {
        let x = &doc["metrics"][m];
        for k in ["value", "ci_low", "ci_high", "method"] {
            assert!(!x[k].is_null(), "metrics.{m}.{k} missing in {x}");
        }
    }
    assert!(doc["metrics"]["error_page_rate"]["estimate"].is_number());
}

#[test]
fn several_files_give_a_scenarios_array() {
    let dir = tempfile::tempdir().unwrap();
    let out = racesim()
        .args([
            "run",
            "scenarios/lisa.toml",
            "scenarios/lisa-ntp.toml",
            "--replications",
            "2",
            "--set",
            "horizon=\"2h\"",
            "--format",
            "json",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(doc["scenarios"].as_array().unwrap().len(), 2);
}

#[test]
fn a_sweep_gives_one_row_per_point() {
    let dir = tempfile::tempdir().unwrap();
    let out = racesim()
        .args([
            "sweep",
            "scenarios/lisa.toml",
            "--vary",
            "hosts.transfer.clock.offset=0m..6m/3",
            "--replications",
            "2",
        ])
        .args(["--set", "horizon=\"6h\"", "--format", "json", "--out"])
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let points = doc["points"].as_array().unwrap();
    assert_eq!(points.len(), 4);
    assert_eq!(points[2]["params"]["hosts.transfer.clock.offset"], "4m");
    let summary = std::fs::read_to_string(dir.path().join("lisa/summary.csv")).unwrap();
    assert_eq!(summary.lines().count(), 5);
    assert!(summary.starts_with("hosts.transfer.clock.offset,users,"));
}

#[test]
fn estimate_prints_the_closed_form() {
    racesim()
        .args(["estimate", "scenarios/lisa.toml"])
        .assert()
        .success()
        .stdout(predicate::str::contains("error_page_rate = 0.00"));
}

#[test]
fn validate_accepts_the_shipped_scenarios() {
    racesim()
        .args(["validate", "scenarios/lisa.toml", "scenarios/lisa-ntp.toml"])
        .assert()
        .success()
        .stdout(predicate::str::contains("scenarios/lisa.toml: ok"));
}

/// Regression: `racesim ... | head` used to panic with "failed printing to
/// stdout: Broken pipe" and exit 101.
#[test]
fn a_closed_pipe_ends_quietly() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("racesim"))
        // 301 sweep points: far more JSON than a pipe buffer holds
        .args([
            "sweep",
            "scenarios/lisa.toml",
            "--vary",
            "hosts.transfer.clock.offset=0m..10m/300",
        ])
        .args([
            "--replications",
            "1",
            "--set",
            "horizon=\"10m\"",
            "--format",
            "json",
            "--no-charts",
            "--out",
        ])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 1];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("internal error") && !err.contains("panicked"),
        "{err}"
    );
    assert_eq!(out.status.code(), Some(0));
}

/// `validate` prints each distribution fitted to percentiles: the fitted
/// parameters and the implied mean and p99.9. Checked by hand for the
/// range: `mu = (ln 0.8 + ln 4) / 2 = 0.5816`, `sigma = ln 5 / (2 x 1.6449)
/// = 0.4892`, mean `e^{mu + sigma²/2} = 2.016 s`, p99.9 `e^{mu + 3.0902
/// sigma} = 8.113 s`; the others by `tests/data/fit_reference.py`'s method.
#[test]
fn validate_prints_the_fitted_distributions() {
    racesim()
        .args([
            "validate",
            "scenarios/lisa.toml",
            "--set",
            "checkout.payment_latency=800ms to 4s",
            "--set",
            r#"checkout.redirect_latency={ lognormal = { p90 = "3s", "p99.9" = "12s" } }"#,
            "--set",
            r#"checkout.retry_delay={ percentiles = { p50 = "1s", p90 = "3s", p99 = "10s" } }"#,
        ])
        .assert()
        .success()
        .stdout(
            "scenarios/lisa.toml: ok (checkout model, 32 replications of 7 days)\n\
             \x20 checkout.payment_latency: lognormal from the 90% range p5 = 800ms, p95 = 4s: mu = 0.5816, sigma = 0.4892 (median 1.789s); mean 2.016s, p99.9 8.113s\n\
             \x20 checkout.redirect_latency: lognormal through p90 = 3s, p99.9 = 12s: mu = 0.1163, sigma = 0.7665 (median 1.123s); mean 1.507s, p99.9 12s\n\
             \x20 checkout.retry_delay: piecewise lognormal through p50 = 1s, p90 = 3s, p99 = 10s; below p50: lognormal mu = 0, sigma = 0.8573 (median 1s); beyond p99: lognormal mu = -0.3782, sigma = 1.152 (median 685.1ms); mean 1.556s, p99.9 24.12s\n",
        );
    // the historical form prints nothing more
    racesim()
        .args(["validate", "scenarios/lisa.toml"])
        .assert()
        .success()
        .stdout("scenarios/lisa.toml: ok (checkout model, 32 replications of 7 days)\n");
}

/// Percentiles that do not increase are refused with the file, line and key.
#[test]
fn percentiles_that_do_not_increase_are_refused_at_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("scenarios/lisa.toml")
        .unwrap()
        .replace(
            r#"redirect_latency = { lognormal = { median = "1500ms", p99 = "6s" } }"#,
            r#"redirect_latency = { percentiles = { p50 = "1500ms", p90 = "1s", p99 = "6s" } }"#,
        );
    let line = text
        .lines()
        .position(|l| l.starts_with("redirect_latency"))
        .unwrap()
        + 1;
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, text).unwrap();
    racesim()
        .args(["validate", file.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!("bad.toml:{line}:")))
        .stderr(predicate::str::contains(
            "key `checkout.redirect_latency.percentiles`: percentiles: the percentiles must increase with their level, but p90 (1s) is below p50 (1s 500ms)",
        ));
}
