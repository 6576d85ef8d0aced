//! `racesim trace`: the incident timeline, pinned by snapshots.

use crate::util::racesim;

fn stdout(args: &[&str]) -> String {
    let out = racesim()
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn lisa_first_error_reads_like_the_incident() {
    let text = stdout(&["trace", "scenarios/lisa.toml", "--first-error"]);
    // the six steps of the incident, in order
    let steps = [
        "card entered",
        "payment accepted; record marked paid",
        "redirect sent",
        "transfer service polls",
        "moves the record",
        "record not found, the user sees an error page",
    ];
    let mut at = 0;
    for s in steps {
        let i = text[at..]
            .find(s)
            .unwrap_or_else(|| panic!("{s:?} missing or out of order in:\n{text}"));
        at += i;
    }
    assert!(
        text.contains("web (local)") && text.contains("transfer (local)"),
        "both clocks"
    );
    assert!(
        text.contains("why: the `transfer` clock was 6m ahead of `web`"),
        "{text}"
    );
    insta::assert_snapshot!("lisa_first_error", text);
}

#[test]
fn trace_of_a_user_without_error_and_json() {
    let text = stdout(&["trace", "scenarios/lisa.toml", "--user", "0"]);
    assert!(text.contains("record found, confirmation shown"), "{text}");
    let json = stdout(&["trace", "scenarios/lisa.toml", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["error_page"], true);
    assert!(doc["steps"].as_array().unwrap().len() >= 6);
}

#[test]
fn no_error_to_trace_exits_1() {
    racesim()
        .args(["trace", "scenarios/lisa-ntp.toml", "--replication", "0"])
        .assert()
        .code(1);
}

#[test]
fn terminal_trace_shows_a_rollover_collision() {
    let text = stdout(&["trace", "scenarios/cinnamon-twist.toml"]);
    insta::assert_snapshot!("cinnamon_first_false_reversal", text);
    let json = stdout(&["trace", "scenarios/cinnamon-twist.toml", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let (a, b) = (&doc["reversed"], &doc["by"]);
    assert_eq!(a["counter"], b["counter"], "equal counters");
    let gap = b["position"].as_u64().unwrap() - a["position"].as_u64().unwrap();
    assert!(
        gap > 0 && gap % 999 == 0,
        "positions differ by a multiple of 999: {gap}"
    );
    assert_eq!(a["card"], b["card"]);
    assert_eq!(a["amount"], b["amount"]);
}

#[test]
fn events_csv_holds_every_deletion_of_the_replication() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.csv");
    racesim()
        .args(["trace", "scenarios/lisa.toml", "--events"])
        .arg(&path)
        .assert()
        .success();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("true_time_ns,true_time,web_local,transfer_local,kind,id,note\n"));
    let errors = text
        .lines()
        .filter(|l| l.contains(",delete,") && l.ends_with("error page"))
        .count();
    // the same replication run on its own reports the same number of error pages
    let out = racesim()
        .args([
            "run",
            "scenarios/lisa.toml",
            "--replications",
            "1",
            "--format",
            "json",
            "--no-charts",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        doc["metrics"]["error_pages"]["value"].as_f64(),
        Some(errors as f64)
    );
    let arrivals = text.lines().filter(|l| l.contains(",arrival,")).count();
    assert_eq!(
        doc["metrics"]["users"]["value"].as_f64(),
        Some(arrivals as f64)
    );
}
