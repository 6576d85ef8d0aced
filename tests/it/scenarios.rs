//! Every shipped scenario runs, with few replications, and shows what its
//! comment claims.

use crate::util::racesim;

fn run_json(file: &str, replications: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let out = racesim()
        .args([
            "run",
            file,
            "--format",
            "json",
            "--replications",
            replications,
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("one JSON document on stdout")
}

#[test]
fn every_shipped_scenario_validates_and_runs() {
    let mut n = 0;
    for e in std::fs::read_dir("scenarios").unwrap() {
        let path = e.unwrap().path();
        if path.extension().and_then(|x| x.to_str()) != Some("toml") {
            continue;
        }
        n += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with('#'),
            "{} must open with a comment saying what it shows",
            path.display()
        );
        racesim().arg("validate").arg(&path).assert().success();
        let doc = run_json(path.to_str().unwrap(), "2");
        assert!(doc["metrics"].is_object(), "{}: {doc}", path.display());
    }
    assert!(n >= 2, "found {n} scenarios");
}

#[test]
fn lisa_shows_a_small_error_rate_caused_by_the_skew() {
    let doc = run_json("scenarios/lisa.toml", "4");
    let rate = doc["metrics"]["error_page_rate"]["value"].as_f64().unwrap();
    let skew = doc["metrics"]["skew_error_rate"]["value"].as_f64().unwrap();
    assert!(rate > 0.0 && rate < 0.01, "error_page_rate {rate}");
    assert_eq!(rate, skew, "every error page is caused by the clocks");
    let est = doc["metrics"]["error_page_rate"]["estimate"]
        .as_f64()
        .unwrap();
    assert!(est > 0.0 && est < 0.01);
}

#[test]
fn lisa_ntp_has_no_error_page_caused_by_the_clocks() {
    let doc = run_json("scenarios/lisa-ntp.toml", "4");
    let skew = &doc["metrics"]["skew_error_rate"];
    assert_eq!(skew["value"].as_f64(), Some(0.0));
    assert_eq!(skew["ci_low"].as_f64(), Some(0.0));
    assert!(skew["ci_high"].as_f64().unwrap() > 0.0);
    assert_eq!(doc["metrics"]["error_pages"]["value"].as_f64(), Some(0.0));
}

#[test]
fn cinnamon_twist_reverses_sales_beyond_the_naive_estimate() {
    let doc = run_json("scenarios/cinnamon-twist.toml", "4");
    let m = &doc["metrics"]["false_reversals_per_year"];
    assert!(m["value"].as_f64().unwrap() > 0.0);
    assert!(m["ci_low"].as_f64().unwrap() > 0.0);
    assert!(m["estimate"].as_f64().unwrap() > m["estimate_naive"].as_f64().unwrap());
    assert!(m["value"].as_f64().unwrap() > m["estimate_naive"].as_f64().unwrap());
}

#[test]
fn cinnamon_new_batch_trades_reversals_for_extra_batches() {
    let doc = run_json("scenarios/cinnamon-new-batch.toml", "4");
    assert_eq!(
        doc["metrics"]["false_reversals"]["value"].as_f64(),
        Some(0.0)
    );
    assert_eq!(
        doc["metrics"]["false_reversals"]["ci_low"].as_f64(),
        Some(0.0)
    );
    assert!(doc["metrics"]["extra_batches"]["value"].as_f64().unwrap() > 0.0);
}

#[test]
fn cinnamon_window_alerts_are_all_false() {
    let doc = run_json("scenarios/cinnamon-window.toml", "4");
    let alerts = doc["metrics"]["alerts"]["value"].as_f64().unwrap();
    assert!(alerts > 0.0);
    assert_eq!(
        doc["metrics"]["false_alerts"]["value"].as_f64(),
        Some(alerts)
    );
    assert_eq!(
        doc["metrics"]["false_reversals"]["value"].as_f64(),
        Some(0.0)
    );
}

#[test]
fn lisa_replay_shows_the_logs_error_rate_and_names_the_row() {
    let doc = run_json("scenarios/lisa-replay.toml", "4");
    let m = &doc["metrics"];
    let rate = m["error_page_rate"]["value"].as_f64().unwrap();
    let skew = m["skew_error_rate"]["value"].as_f64().unwrap();
    assert!(rate > 0.0 && rate < 0.01, "error_page_rate {rate}");
    assert_eq!(rate, skew, "every error page is caused by the clocks");
    // the back-of-envelope from the log's 1360 redirect latencies
    let est = m["error_page_rate"]["estimate"].as_f64().unwrap();
    assert!(est > 0.004 && est < 0.01, "{est}");
    // every replication draws as many rows as the log has (1360), all
    // within the two days
    let users = m["users"]["value"].as_f64().unwrap();
    assert_eq!(users, 4.0 * 1360.0);
    let out = racesim()
        .args(["trace", "scenarios/lisa-replay.toml", "--first-error"])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        text.contains("request log: data/requests.csv line "),
        "{text}"
    );
}
