//! Malformed scenarios get exit code 2 and a message naming the file, line and
//! key; nothing panics.

use crate::util::racesim;

const GOOD: &str = crate::util::CHECKOUT_BASE;

/// Writes `text` to a scenario file, validates it, and returns stderr.
fn refused(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, text).unwrap();
    let out = racesim()
        .arg("validate")
        .arg(&path)
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("bad.toml"), "names the file: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[track_caller]
fn has(err: &str, parts: &[&str]) {
    for p in parts {
        assert!(err.contains(p), "expected {p:?} in:\n{err}");
    }
}

#[test]
fn the_good_file_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("good.toml");
    std::fs::write(&path, GOOD).unwrap();
    racesim().arg("validate").arg(&path).assert().success();
}

#[test]
fn unknown_key_names_the_closest() {
    let err = refused(&GOOD.replace("grace = \"5m\"", "grase = \"5m\""));
    has(
        &err,
        &["bad.toml:14", "transfer.grase", "did you mean `grace`?"],
    );
}

#[test]
fn misspelled_distribution() {
    let err = refused(&GOOD.replace("{ lognormal = {", "{ lognormall = {"));
    has(
        &err,
        &[
            "bad.toml:10",
            "redirect_latency",
            "lognormall",
            "did you mean `lognormal`?",
        ],
    );
}

#[test]
fn bad_duration() {
    let err = refused(&GOOD.replace("poll_interval = \"5m\"", "poll_interval = \"5 parsecs\""));
    has(
        &err,
        &["bad.toml:13", "transfer.poll_interval", "5 parsecs"],
    );
}

#[test]
fn missing_required_key() {
    let err = refused(&GOOD.replace("grace = \"5m\"\n", ""));
    has(&err, &["transfer.grace", "missing"]);
}

#[test]
fn unknown_host_name() {
    let err = refused(&GOOD.replace("host = \"transfer\"", "host = \"transfr\""));
    has(
        &err,
        &[
            "bad.toml:12",
            "transfer.host",
            "unknown host `transfr`",
            "did you mean `transfer`?",
        ],
    );
}

#[test]
fn p99_below_median() {
    let err = refused(&GOOD.replace("p99 = \"5s\"", "p99 = \"500ms\""));
    has(&err, &["bad.toml:10", "redirect_latency", "p99"]);
}

#[test]
fn latency_that_can_go_negative() {
    let err = refused(&GOOD.replace(
        "{ lognormal = { median = \"1s\", p99 = \"5s\" } }",
        "{ normal = { mean = \"1s\", sd = \"1s\" } }",
    ));
    has(&err, &["bad.toml:10", "redirect_latency", "non-negative"]);
}

#[test]
fn horizon_too_long_for_the_time_type() {
    let err = refused(&GOOD.replace("horizon = \"1d\"", "horizon = \"300years\""));
    has(&err, &["bad.toml:3", "horizon", "too long"]);
    let err = refused(&GOOD.replace("horizon = \"1d\"", "horizon = \"200years\""));
    has(&err, &["bad.toml:3", "horizon", "too long"]);
}

#[test]
fn bad_override_points_at_the_command_line() {
    let out = racesim()
        .args([
            "validate",
            "scenarios/lisa.toml",
            "--set",
            "transfer.grace=soon",
        ])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    has(
        &err,
        &["lisa.toml", "transfer.grace", "--set transfer.grace=soon"],
    );
}

#[test]
fn unreadable_file_and_usage_errors() {
    racesim()
        .args(["run", "no/such/file.toml"])
        .assert()
        .code(2);
    racesim().args(["run"]).assert().code(2);
    racesim()
        .args(["run", "scenarios/lisa.toml", "--shard", "3/2"])
        .assert()
        .code(2);
    racesim()
        .args(["run", "scenarios/lisa.toml", "--set", "novalue"])
        .assert()
        .code(2);
}
