//! Malformed scenarios: one table of cases, each loaded in-process and its
//! whole message snapshotted (`tests/it/snapshots/it__errors__*.snap`: the
//! file, line, column, key, the source line, what was expected and the
//! closest valid name); then one command-line test per exit code.

use racesim::scenario::{self, Override, Source};

use crate::util::{CHECKOUT_BASE as GOOD, racesim};

/// One malformed scenario: a name (its snapshot), the good file with one
/// thing broken, and overrides as `--set` gives them.
struct Case {
    name: &'static str,
    text: String,
    set: &'static [(&'static str, &'static str)],
}

/// `GOOD` with `from` replaced by `to` (which must be there).
fn broken(from: &str, to: &str) -> String {
    assert!(GOOD.contains(from), "the fixture has no {from:?}");
    GOOD.replace(from, to)
}

/// `GOOD` replaying the request log `log` (an inline `[checkout.log]`)
/// instead of its arrivals and redirect latency.
fn with_log(log: &str) -> String {
    broken(
        "arrivals = { rate = \"120/h\" }\nredirect_latency = { lognormal = { median = \"1s\", p99 = \"5s\" } }\n",
        &format!("log = {log}\n"),
    )
}

/// A `[checkout.log]` of `file` (under `tests/fixtures/`, which the
/// in-process loader reads from the crate's folder) with its redirect
/// latencies, plus `extra` keys.
fn log_of(file: &str, extra: &str) -> String {
    with_log(&format!(
        "{{ file = \"tests/fixtures/{file}\", unit = \"ms\", columns = {{ arrival = \"ts\", redirect_latency = \"redirect_ms\" }}{extra} }}"
    ))
}

fn cases() -> Vec<Case> {
    let case = |name, text| Case {
        name,
        text,
        set: &[],
    };
    vec![
        case(
            "unknown_key_names_the_closest",
            broken("grace = \"5m\"", "grase = \"5m\""),
        ),
        case(
            "misspelled_distribution",
            broken("{ lognormal = {", "{ lognormall = {"),
        ),
        case(
            "bad_duration",
            broken("poll_interval = \"5m\"", "poll_interval = \"5 parsecs\""),
        ),
        case("missing_required_key", broken("grace = \"5m\"\n", "")),
        case(
            "unknown_host_name",
            broken("host = \"transfer\"", "host = \"transfr\""),
        ),
        case(
            "p99_below_median",
            broken("p99 = \"5s\"", "p99 = \"500ms\""),
        ),
        case(
            "latency_that_can_go_negative",
            broken(
                "{ lognormal = { median = \"1s\", p99 = \"5s\" } }",
                "{ normal = { mean = \"1s\", sd = \"1s\" } }",
            ),
        ),
        case(
            "horizon_beyond_100_years",
            broken("horizon = \"1d\"", "horizon = \"200years\""),
        ),
        case(
            "horizon_beyond_the_time_type",
            broken("horizon = \"1d\"", "horizon = \"300years\""),
        ),
        case(
            "unknown_model",
            broken("model = \"checkout\"", "model = \"chekout\""),
        ),
        case(
            "expect_of_an_unknown_metric",
            format!("{GOOD}[[expect]]\nmetric = \"error_rate\"\nmax = 0.1\n"),
        ),
        case(
            "sweep_range_with_an_unknown_key",
            format!(
                "{GOOD}[sweep]\n\"transfer.grace\" = {{ from = \"1m\", to = \"5m\", step = 2 }}\n"
            ),
        ),
        case("not_toml", broken("grace = \"5m\"", "grace = \"5m")),
        case(
            "log_column_that_is_not_there",
            with_log(
                "{ file = \"tests/fixtures/requests.csv\", unit = \"ms\", columns = { arrival = \"ts\", redirect_latency = \"redirect_msec\" } }",
            ),
        ),
        case("log_cell_that_is_not_a_number", log_of("requests-bad-cell.csv", "")),
        case("log_negative_latency", log_of("requests-negative.csv", "")),
        case("log_timestamp_that_is_not_one", log_of("requests-bad-time.csv", "")),
        case("log_without_rows", log_of("requests-empty.csv", "")),
        case(
            "log_shorter_than_the_horizon",
            broken("horizon = \"1d\"", "horizon = \"3d\"")
                .replace(
                    "arrivals = { rate = \"120/h\" }\nredirect_latency = { lognormal = { median = \"1s\", p99 = \"5s\" } }\n",
                    "log = { file = \"tests/fixtures/requests.csv\", unit = \"ms\", columns = { arrival = \"ts\", redirect_latency = \"redirect_ms\" } }\n",
                ),
        ),
        case(
            "log_bare_numbers_without_a_unit",
            with_log(
                "{ file = \"tests/fixtures/requests.csv\", columns = { arrival = \"ts\", redirect_latency = \"redirect_ms\" } }",
            ),
        ),
        case(
            "log_and_a_redirect_distribution",
            broken(
                "arrivals = { rate = \"120/h\" }\n",
                "log = { file = \"tests/fixtures/requests.csv\", unit = \"ms\", columns = { arrival = \"ts\", redirect_latency = \"redirect_ms\" } }\n",
            ),
        ),
        case(
            "log_and_arrivals",
            broken(
                "redirect_latency =",
                "log = { file = \"tests/fixtures/requests.csv\", columns = { arrival = \"ts\" } }\nredirect_latency =",
            ),
        ),
        case(
            "log_days_with_short_log",
            log_of("requests.csv", ", resample = \"days\", short_log = \"loop\""),
        ),
        case(
            "log_redirect_with_the_importance_estimator",
            log_of("requests.csv", "").replace(
                "model = \"checkout\"\n",
                "model = \"checkout\"\nestimator = \"importance\"\n",
            ),
        ),
        case(
            "log_unknown_resample",
            log_of("requests.csv", ", resample = \"row\""),
        ),
        Case {
            name: "bad_override_points_at_the_command_line",
            text: GOOD.to_string(),
            set: &[("transfer.grace", "soon")],
        },
        Case {
            name: "override_of_an_unknown_key",
            text: GOOD.to_string(),
            set: &[("transfer.gracee", "\"1m\"")],
        },
    ]
}

#[test]
fn the_good_file_is_accepted() {
    scenario::load(&Source::from_text("good.toml", GOOD), &[]).unwrap();
}

#[test]
fn every_malformed_scenario_gets_its_message() {
    for c in cases() {
        let overrides: Vec<Override> = c
            .set
            .iter()
            .map(|(p, v)| Override {
                path: p.to_string(),
                value: v.to_string(),
            })
            .collect();
        let e = scenario::load(&Source::from_text("bad.toml", &c.text), &overrides)
            .map(|_| ())
            .expect_err(c.name);
        let message = e.to_string();
        assert!(message.starts_with("bad.toml"), "{}: {message}", c.name);
        insta::assert_snapshot!(c.name, message);
    }
}

// One command-line test per exit code. 3 (an internal error: a model that
// schedules into the past, a chart that cannot be drawn, a panic) has no
// input that reaches it; its mapping is tested in `src/error.rs`.

/// `GOOD` written into a temporary folder, with `extra` appended.
fn scenario_file(extra: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, format!("{GOOD}{extra}")).unwrap();
    (dir, path)
}

#[test]
fn exit_0_when_all_is_well() {
    let (_dir, path) = scenario_file("");
    racesim()
        .arg("validate")
        .arg(&path)
        .assert()
        .code(0)
        .stdout(predicates::str::contains("ok (checkout model"));
}

#[test]
fn exit_1_when_a_check_fails() {
    // at 120 users an hour, a day holds far more than 10 users
    let (_dir, path) = scenario_file("[[expect]]\nmetric = \"users\"\nmax = 10\n");
    racesim()
        .args(["check", "--replications", "2"])
        .arg(&path)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("1 of 1 checks failed"));
}

#[test]
fn exit_2_on_bad_input() {
    let (_dir, path) = scenario_file("");
    let bad = path.with_file_name("bad.toml");
    std::fs::write(&bad, broken("grace = \"5m\"", "grase = \"5m\"")).unwrap();
    let out = racesim().arg("validate").arg(&bad).assert().code(2);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("bad.toml:14"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // and on a file or flag that cannot be used
    racesim()
        .args(["run", "no/such/file.toml"])
        .assert()
        .code(2);
    racesim().args(["run"]).assert().code(2);
    racesim()
        .args(["run", "--shard", "3/2"])
        .arg(&path)
        .assert()
        .code(2);
    racesim()
        .args(["run", "--set", "novalue"])
        .arg(&path)
        .assert()
        .code(2);
}
