//! Malformed input, file by file and flag by flag: each is refused with exit
//! code 2, a message that names the problem (the file, line and key where it
//! has them), and no panic.
//!
//! Exit codes of `racesim` (src/main.rs, `Error::exit_code`):
//! - 0: success (for `check`, every expectation passed);
//! - 1: `check` found a failing or inconclusive expectation, or `trace` found
//!   nothing to trace;
//! - 2: bad input or usage: a malformed scenario or data file, a bad flag or
//!   override, an output that cannot be written;
//! - 3: an internal error (a model scheduled an event into the past), which
//!   is a bug to report.
//!
//! A panic exits with 101 and prints "panicked"; every test here asserts that
//! neither happens. tests/it/errors.rs has the first ten cases (misspelled
//! keys and kinds, bad durations, unknown hosts...); this battery covers every
//! numeric range, non-finite numbers, data files, the command line and files
//! that are not scenarios at all.

use crate::util::{edit, racesim};

/// A valid checkout scenario; each case breaks one thing in it. Line numbers
/// below refer to this text.
const CHECKOUT: &str = crate::util::CHECKOUT_BASE;

/// A valid terminal scenario, for the model's probabilities.
const TERMINAL: &str = crate::util::TERMINAL_BASE;

/// Runs racesim in a fresh folder holding `files`, with `args` (where `{dir}`
/// stands for the folder), asserts exit code 2 and no panic, and returns
/// stderr.
#[track_caller]
fn refused_with(files: &[(&str, &[u8])], args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let d = dir.path().to_str().unwrap();
    let args: Vec<String> = args.iter().map(|a| a.replace("{dir}", d)).collect();
    let out = racesim()
        .current_dir(dir.path())
        .args(&args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "args {args:?}, stderr:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.is_empty(), "says nothing: {args:?}");
    err
}

/// `racesim validate bad.toml` on `text`; asserts every part of `expect` is in
/// stderr.
#[track_caller]
fn refused(text: &str, expect: &[&str]) -> String {
    let err = refused_with(&[("bad.toml", text.as_bytes())], &["validate", "bad.toml"]);
    has(&err, expect);
    err
}

#[track_caller]
fn has(err: &str, parts: &[&str]) {
    for p in parts {
        assert!(err.contains(p), "expected {p:?} in:\n{err}");
    }
}

/// Both base texts are valid, so each case fails for its own edit only.
#[test]
fn the_base_scenarios_are_valid() {
    for text in [CHECKOUT, TERMINAL] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ok.toml"), text).unwrap();
        racesim()
            .current_dir(dir.path())
            .args(["validate", "ok.toml"])
            .assert()
            .success();
    }
}

// ---- top-level numbers -------------------------------------------------

#[test]
fn replications_zero() {
    let text = edit(
        CHECKOUT,
        &[("horizon = \"1d\"\n", "horizon = \"1d\"\nreplications = 0\n")],
    );
    refused(&text, &["bad.toml:4", "key `replications`", "from 1 to"]);
}

#[test]
fn replications_negative() {
    let text = edit(
        CHECKOUT,
        &[(
            "horizon = \"1d\"\n",
            "horizon = \"1d\"\nreplications = -3\n",
        )],
    );
    refused(&text, &["bad.toml:4", "key `replications`", "from 1 to"]);
}

#[test]
fn seed_negative() {
    let text = edit(
        CHECKOUT,
        &[("horizon = \"1d\"\n", "horizon = \"1d\"\nseed = -1\n")],
    );
    refused(&text, &["bad.toml:4", "key `seed`", ">= 0"]);
}

#[test]
fn horizon_zero() {
    let text = edit(CHECKOUT, &[("horizon = \"1d\"", "horizon = \"0s\"")]);
    refused(&text, &["bad.toml:3", "key `horizon`", "positive"]);
}

/// A string where an integer goes: the message says "an integer", not
/// serde's "i64".
#[test]
fn string_where_a_number_is_expected() {
    let text = edit(
        CHECKOUT,
        &[(
            "horizon = \"1d\"\n",
            "horizon = \"1d\"\nreplications = \"many\"\n",
        )],
    );
    let err = refused(
        &text,
        &[
            "bad.toml:4",
            "key `replications`",
            "\"many\"",
            "expected an integer",
        ],
    );
    assert!(!err.contains("i64"), "{err}");
}

// ---- checkout and transfer ranges --------------------------------------

#[test]
fn retries_negative() {
    let text = edit(
        CHECKOUT,
        &[("redirect_latency", "retries = -1\nredirect_latency")],
    );
    refused(
        &text,
        &["bad.toml:10", "key `checkout.retries`", "from 0 to 1000"],
    );
}

#[test]
fn batch_limit_negative() {
    let text = edit(
        CHECKOUT,
        &[("grace = \"5m\"\n", "grace = \"5m\"\nbatch_limit = -1\n")],
    );
    refused(
        &text,
        &["bad.toml:15", "key `transfer.batch_limit`", ">= 0"],
    );
}

#[test]
fn poll_interval_zero() {
    let text = edit(
        CHECKOUT,
        &[("poll_interval = \"5m\"", "poll_interval = \"0s\"")],
    );
    refused(
        &text,
        &["bad.toml:13", "key `transfer.poll_interval`", "positive"],
    );
}

#[test]
fn poll_interval_negative() {
    let text = edit(
        CHECKOUT,
        &[("poll_interval = \"5m\"", "poll_interval = \"-5m\"")],
    );
    refused(
        &text,
        &["bad.toml:13", "key `transfer.poll_interval`", "positive"],
    );
}

#[test]
fn grace_negative() {
    let text = edit(CHECKOUT, &[("grace = \"5m\"", "grace = \"-1m\"")]);
    refused(&text, &["bad.toml:14", "key `transfer.grace`", ">= 0"]);
}

#[test]
fn profile_of_23_weights() {
    let weights = vec!["1"; 23].join(", ");
    let text = edit(
        CHECKOUT,
        &[(
            "{ rate = \"120/h\" }",
            &format!("{{ rate = \"120/h\", profile = [{weights}] }}"),
        )],
    );
    refused(
        &text,
        &[
            "bad.toml:9",
            "key `checkout.arrivals.profile`",
            "24 weights",
            "got 23",
        ],
    );
}

#[test]
fn profile_all_zero() {
    let weights = vec!["0"; 24].join(", ");
    let text = edit(
        CHECKOUT,
        &[(
            "{ rate = \"120/h\" }",
            &format!("{{ rate = \"120/h\", profile = [{weights}] }}"),
        )],
    );
    refused(
        &text,
        &[
            "bad.toml:9",
            "key `checkout.arrivals.profile`",
            "not all zero",
        ],
    );
}

#[test]
fn profile_with_nan() {
    let weights = vec!["1"; 23].join(", ");
    let text = edit(
        CHECKOUT,
        &[(
            "{ rate = \"120/h\" }",
            &format!("{{ rate = \"120/h\", profile = [nan, {weights}] }}"),
        )],
    );
    refused(
        &text,
        &["bad.toml:9", "key `checkout.arrivals.profile`", "finite"],
    );
}

#[test]
fn unknown_model_name() {
    let text = edit(CHECKOUT, &[("model = \"checkout\"", "model = \"chekout\"")]);
    refused(
        &text,
        &[
            "bad.toml:2",
            "key `model`",
            "chekout",
            "did you mean `checkout`?",
        ],
    );
}

#[test]
fn checkout_without_transfer() {
    let text = edit(
        CHECKOUT,
        &[(
            "[transfer]\nhost = \"transfer\"\npoll_interval = \"5m\"\ngrace = \"5m\"\n",
            "",
        )],
    );
    refused(&text, &["key `transfer`", "needs a [transfer] table"]);
}

/// A complete `[terminal]` (the terminal scenario's tables), so that the
/// only problem is where it is.
#[test]
fn terminal_table_in_a_checkout_scenario() {
    let tables = &TERMINAL[TERMINAL.find("[terminal]").unwrap()..];
    let text = format!("{CHECKOUT}{tables}");
    refused(
        &text,
        &[
            "bad.toml:15",
            "key `terminal`",
            "belongs to model = \"terminal\"",
        ],
    );
}

// ---- clocks -----------------------------------------------------------

#[test]
fn wander_negative() {
    let text = edit(
        CHECKOUT,
        &[("offset = \"6m\"", "offset = \"6m\", wander_ppm = -1")],
    );
    refused(
        &text,
        &[
            "bad.toml:6",
            "key `hosts.transfer.clock.wander_ppm`",
            ">= 0",
        ],
    );
}

#[test]
fn sync_interval_zero() {
    let text = edit(
        CHECKOUT,
        &[(
            "offset = \"6m\"",
            "offset = \"6m\", sync = { interval = \"0s\", accuracy = \"1ms\" }",
        )],
    );
    refused(
        &text,
        &[
            "bad.toml:6",
            "key `hosts.transfer.clock.sync.interval`",
            "positive",
        ],
    );
}

#[test]
fn max_slew_ppm_with_step_mode() {
    let text = edit(
        CHECKOUT,
        &[(
            "offset = \"6m\"",
            "offset = \"6m\", sync = { interval = \"64s\", accuracy = \"1ms\", mode = \"step\", max_slew_ppm = 500 }",
        )],
    );
    refused(
        &text,
        &[
            "bad.toml:6",
            "key `hosts.transfer.clock.sync`",
            "max_slew_ppm",
            "\"slew\" only",
        ],
    );
}

#[test]
fn frequency_keys_with_the_offset_discipline() {
    for key in [
        "residual_ppm = 0.1",
        "time_constant = \"9h\"",
        "start = \"cold\"",
    ] {
        let text = edit(
            CHECKOUT,
            &[(
                "offset = \"6m\"",
                &format!(
                    "offset = \"6m\", sync = {{ interval = \"64s\", accuracy = \"1ms\", {key} }}"
                ),
            )],
        );
        let name = key.split(' ').next().unwrap();
        refused(
            &text,
            &[
                "bad.toml:6",
                "key `hosts.transfer.clock.sync`",
                &format!("{name} applies to discipline = \"frequency\" only"),
            ],
        );
    }
}

#[test]
fn frequency_discipline_out_of_range() {
    let cases = [
        ("residual_ppm = -0.1", "residual_ppm", ">= 0"),
        ("residual_ppm = nan", "residual_ppm", ">= 0"),
        (
            "time_constant = \"0s\"",
            "time_constant",
            "positive duration (default: 32 sync intervals, 34m 8s)",
        ),
        ("start = \"hot\"", "start", "warm"),
        ("discipline = \"frequence\"", "discipline", "frequency"),
    ];
    for (kv, key, why) in cases {
        let discipline = if kv.starts_with("discipline") {
            ""
        } else {
            "discipline = \"frequency\", "
        };
        let text = edit(
            CHECKOUT,
            &[(
                "offset = \"6m\"",
                &format!(
                    "offset = \"6m\", sync = {{ interval = \"64s\", accuracy = \"1ms\", {discipline}{kv} }}"
                ),
            )],
        );
        refused(
            &text,
            &[
                "bad.toml:6",
                &format!("hosts.transfer.clock.sync.{key}"),
                why,
            ],
        );
    }
}

#[test]
fn outage_ending_before_it_starts() {
    let text = edit(
        CHECKOUT,
        &[(
            "offset = \"6m\"",
            "offset = \"6m\", outages = [{ from = \"2h\", to = \"1h\" }]",
        )],
    );
    refused(
        &text,
        &[
            "bad.toml:6",
            "key `hosts.transfer.clock.outages.0`",
            "from < to",
        ],
    );
}

#[test]
fn outage_of_zero_length() {
    let text = edit(
        CHECKOUT,
        &[(
            "offset = \"6m\"",
            "offset = \"6m\", outages = [{ from = \"2h\", to = \"2h\" }]",
        )],
    );
    refused(
        &text,
        &[
            "bad.toml:6",
            "key `hosts.transfer.clock.outages.0`",
            "from < to",
        ],
    );
}

// ---- non-finite numbers and distributions --------------------------------

#[test]
fn nan_in_a_distribution() {
    let text = edit(
        CHECKOUT,
        &[(
            "offset = \"6m\"",
            "offset = \"6m\", drift_ppm = { normal = { mean = nan, sd = 1 } }",
        )],
    );
    refused(
        &text,
        &[
            "bad.toml:6",
            "hosts.transfer.clock.drift_ppm",
            "normal mean",
            "finite",
        ],
    );
}

#[test]
fn inf_as_a_number() {
    let text = edit(
        CHECKOUT,
        &[("offset = \"6m\"", "offset = \"6m\", drift_ppm = -inf")],
    );
    refused(
        &text,
        &[
            "bad.toml:6",
            "key `hosts.transfer.clock.drift_ppm`",
            "finite",
            "-inf",
        ],
    );
}

#[test]
fn inf_as_a_distribution_parameter() {
    let text = edit(
        CHECKOUT,
        &[(
            "{ lognormal = { median = \"1s\", p99 = \"5s\" } }",
            "{ gamma = { shape = inf, scale = \"1s\" } }",
        )],
    );
    refused(
        &text,
        &[
            "bad.toml:10",
            "checkout.redirect_latency",
            "gamma shape",
            "finite",
        ],
    );
}

#[test]
fn nan_as_an_expect_limit() {
    let text = format!("{CHECKOUT}[[expect]]\nmetric = \"error_page_rate\"\nmax = nan\n");
    refused(&text, &["bad.toml:15", "key `expect.0`", "finite"]);
}

#[test]
fn empty_choice() {
    let text = edit(
        CHECKOUT,
        &[(
            "{ lognormal = { median = \"1s\", p99 = \"5s\" } }",
            "{ choice = [] }",
        )],
    );
    refused(
        &text,
        &[
            "bad.toml:10",
            "checkout.redirect_latency",
            "choice needs at least one entry",
        ],
    );
}

#[test]
fn mixture_with_zero_weights() {
    let text = edit(
        CHECKOUT,
        &[(
            "{ lognormal = { median = \"1s\", p99 = \"5s\" } }",
            "{ mixture = [ { weight = 0, dist = \"1s\" }, { weight = 0, dist = \"2s\" } ] }",
        )],
    );
    refused(
        &text,
        &[
            "bad.toml:10",
            "checkout.redirect_latency",
            "all weights of mixture are zero",
        ],
    );
}

// ---- terminal probabilities --------------------------------------------

#[test]
fn regular_share_above_one() {
    let text = edit(TERMINAL, &[("regular_share = 0.3", "regular_share = 1.5")]);
    refused(
        &text,
        &[
            "bad.toml:8",
            "key `terminal.customers.regular_share`",
            "from 0 to 1",
            "1.5",
        ],
    );
}

#[test]
fn return_visit_negative() {
    let text = edit(TERMINAL, &[("return_visit = 0.05", "return_visit = -0.1")]);
    refused(
        &text,
        &[
            "bad.toml:10",
            "key `terminal.customers.return_visit`",
            "from 0 to 1",
        ],
    );
}

#[test]
fn same_order_nan() {
    let text = edit(TERMINAL, &[("same_order = 0.7", "same_order = nan")]);
    refused(
        &text,
        &[
            "bad.toml:11",
            "key `terminal.customers.same_order`",
            "from 0 to 1",
            "NaN",
        ],
    );
}

#[test]
fn resubmit_probability_above_one() {
    let text = edit(TERMINAL, &[("probability = 0.002", "probability = 2")]);
    refused(
        &text,
        &[
            "bad.toml:15",
            "key `terminal.resubmit.probability`",
            "from 0 to 1",
        ],
    );
}

// ---- TOML and keys -------------------------------------------------------

#[test]
fn unclosed_bracket() {
    let text = edit(CHECKOUT, &[("[hosts.web]", "[hosts.web")]);
    refused(&text, &["bad.toml:4", "not valid TOML", "unclosed table"]);
}

#[test]
fn unknown_top_level_key() {
    let text = edit(
        CHECKOUT,
        &[("horizon = \"1d\"\n", "horizon = \"1d\"\nreplicatons = 4\n")],
    );
    refused(
        &text,
        &["bad.toml:4", "replicatons", "did you mean `replications`?"],
    );
}

// ---- sweeps ------------------------------------------------------------

/// A swept key with a single value instead of a list: the message points at
/// the entry's line (not the `[sweep]` header) and names the key.
#[test]
fn sweep_entry_that_is_not_a_list() {
    let text = format!("{CHECKOUT}[sweep]\n\"transfer.grace\" = \"5m\"\n");
    refused(
        &text,
        &[
            "bad.toml:16",
            "key `sweep.transfer.grace`",
            "expected a list of values",
        ],
    );
}

#[test]
fn sweep_with_an_empty_list() {
    let text = format!("{CHECKOUT}[sweep]\ntransfer.grace = []\n");
    refused(
        &text,
        &["bad.toml:16", "key `sweep.transfer.grace`", "has no values"],
    );
}

#[test]
fn sweep_range_without_steps() {
    let text = format!("{CHECKOUT}[sweep]\ntransfer.grace = {{ from = \"1m\", to = \"5m\" }}\n");
    refused(
        &text,
        &["bad.toml:16", "key `sweep.transfer.grace`", "needs `steps`"],
    );
}

/// `validate` loads every swept value, and blames the sweep, not `--set`.
#[test]
fn sweep_over_a_misspelled_key() {
    let text = format!("{CHECKOUT}[sweep]\ntransfer.grase = [\"1m\", \"2m\"]\n");
    let err = refused(
        &text,
        &[
            "bad.toml:16",
            "grase",
            "did you mean `grace`?",
            "sweep point",
        ],
    );
    assert!(!err.contains("--set"), "{err}");
}

#[test]
fn sweep_with_a_bad_value() {
    let text = format!("{CHECKOUT}[sweep]\ntransfer.grace = [\"1m\", \"soon\"]\n");
    let err = refused(
        &text,
        &[
            "bad.toml:16",
            "key `transfer.grace`",
            "`soon` is not a duration",
            "sweep point",
        ],
    );
    assert!(!err.contains("--set"), "{err}");
}

/// `run` loads every point before it starts: the same message, no output.
#[test]
fn sweep_with_a_bad_value_at_run_time() {
    let text = format!("{CHECKOUT}[sweep]\ntransfer.grace = [\"1m\", \"soon\"]\n");
    let err = refused_with(
        &[("bad.toml", text.as_bytes())],
        &[
            "run",
            "bad.toml",
            "-q",
            "--no-charts",
            "--replications",
            "1",
            "--out",
            "{dir}/out",
        ],
    );
    has(
        &err,
        &["bad.toml:16", "`soon` is not a duration", "sweep point"],
    );
}

// ---- expectations ------------------------------------------------------

#[test]
fn expect_with_an_unknown_metric() {
    let text = format!("{CHECKOUT}[[expect]]\nmetric = \"error_page_rat\"\nmax = 0.1\n");
    refused(
        &text,
        &[
            "bad.toml:16",
            "key `expect.0.metric`",
            "unknown metric `error_page_rat`",
            "did you mean `error_page_rate`?",
        ],
    );
}

#[test]
fn expect_without_max_or_min() {
    let text = format!("{CHECKOUT}[[expect]]\nmetric = \"error_page_rate\"\n");
    refused(
        &text,
        &[
            "bad.toml:15",
            "key `expect.0`",
            "needs `max`, `min` or both",
        ],
    );
}

// ---- data files ----------------------------------------------------------

const EMPIRICAL: &str =
    "{ empirical = { file = \"lat.csv\", column = \"latency_ms\", unit = \"ms\" } }";

fn empirical(text_column: &str) -> String {
    edit(
        CHECKOUT,
        &[(
            "{ lognormal = { median = \"1s\", p99 = \"5s\" } }",
            &EMPIRICAL.replace("latency_ms", text_column),
        )],
    )
}

#[test]
fn empirical_csv_missing() {
    refused(
        &empirical("latency_ms"),
        &[
            "bad.toml:10",
            "checkout.redirect_latency",
            "lat.csv",
            "cannot read",
        ],
    );
}

#[test]
fn empirical_column_missing() {
    let text = empirical("latency");
    let err = refused_with(
        &[
            ("bad.toml", text.as_bytes()),
            ("lat.csv", b"latency_ms,other\n100,1\n"),
        ],
        &["validate", "bad.toml"],
    );
    has(
        &err,
        &[
            "bad.toml:10",
            "lat.csv",
            "no column `latency`",
            "did you mean `latency_ms`?",
        ],
    );
}

/// The bad row is on line 5 of the file: the blank line counts.
#[test]
fn empirical_bad_row() {
    let text = empirical("latency_ms");
    let err = refused_with(
        &[
            ("bad.toml", text.as_bytes()),
            ("lat.csv", b"latency_ms,other\n100,1\n200,2\n\nabc,3\n"),
        ],
        &["validate", "bad.toml"],
    );
    has(&err, &["bad.toml:10", "lat.csv", "line 5", "`abc`"]);
}

fn traced(csv: &str) -> String {
    edit(
        CHECKOUT,
        &[("{ rate = \"120/h\" }", &format!("{{ trace = \"{csv}\" }}"))],
    )
}

/// The bad row is on line 7 of the file: blank lines count.
#[test]
fn trace_bad_timestamp_row() {
    let text = traced("arrivals.csv");
    let err = refused_with(
        &[
            ("bad.toml", text.as_bytes()),
            (
                "arrivals.csv",
                b"timestamp\n1700000000\n\n1700000010\n\n\nyesterday\n",
            ),
        ],
        &["validate", "bad.toml"],
    );
    has(
        &err,
        &[
            "bad.toml:9",
            "checkout.arrivals.trace",
            "arrivals.csv: line 7",
            "`yesterday`",
        ],
    );
}

#[test]
fn trace_column_missing() {
    let text = traced("arrivals.csv");
    let err = refused_with(
        &[
            ("bad.toml", text.as_bytes()),
            ("arrivals.csv", b"ts\n1700000000\n"),
        ],
        &["validate", "bad.toml"],
    );
    has(
        &err,
        &["bad.toml:9", "arrivals.csv", "no column `timestamp`"],
    );
}

/// A positive case: a trace replays exactly its rows, in every replication.
#[test]
fn trace_replays_exactly_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.toml"), traced("arrivals.csv")).unwrap();
    let rows = "timestamp\n1700000000\n1700000010\n1700000020.5\n1700000030\n1700003600\n";
    std::fs::write(dir.path().join("arrivals.csv"), rows).unwrap();
    let out = racesim()
        .current_dir(dir.path())
        .args(["run", "ok.toml", "--replications", "3", "--format", "json"])
        .args(["--no-charts", "--out"])
        .arg(dir.path().join("out"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        doc["metrics"]["users"]["value"], 15.0,
        "5 rows x 3 replications"
    );
}

// ---- files that are not scenarios ------------------------------------------

#[test]
fn missing_file() {
    let err = refused_with(&[], &["validate", "no-such.toml"]);
    has(&err, &["no-such.toml", "cannot read the scenario file"]);
}

#[test]
fn directory_instead_of_a_file() {
    let err = refused_with(&[], &["validate", "{dir}"]);
    has(&err, &["cannot read the scenario file"]);
}

#[test]
fn empty_file() {
    refused("", &["bad.toml", "missing field `name`"]);
}

/// A Latin-1 byte on line 2: the message says where and what to do.
#[test]
fn non_utf8_file() {
    let mut bytes = b"name = \"t\"\ndescription = \"caf".to_vec();
    bytes.extend([0xe9, b'"', b'\n']);
    let err = refused_with(&[("bad.toml", &bytes)], &["validate", "bad.toml"]);
    has(&err, &["bad.toml:2:19", "not UTF-8", "save it as UTF-8"]);
}

// ---- the command line ------------------------------------------------------

/// Runs `racesim run ok.toml ARGS` on the valid scenario and returns stderr.
fn run_refused(args: &[&str]) -> String {
    let mut all = vec!["run", "ok.toml", "-q", "--no-charts", "--out", "{dir}/out"];
    all.extend_from_slice(args);
    refused_with(&[("ok.toml", CHECKOUT.as_bytes())], &all)
}

#[test]
fn set_without_equals() {
    let err = run_refused(&["--set", "transfer.grace"]);
    has(&err, &["`transfer.grace` is not an override", "PATH=VALUE"]);
}

#[test]
fn set_through_a_non_table() {
    let err = run_refused(&["--set", "name.x=1"]);
    has(
        &err,
        &[
            "key `name.x`",
            "`name` holds a string, not a table",
            "--set name.x=1",
        ],
    );
}

#[test]
fn set_of_a_wrong_type() {
    let err = run_refused(&["--set", "transfer=5"]);
    has(
        &err,
        &["key `transfer`", "expected a table", "--set transfer=5"],
    );
    assert!(!err.contains("struct"), "{err}");
}

#[test]
fn threads_zero() {
    let err = run_refused(&["--threads", "0", "--replications", "1"]);
    has(&err, &["--threads must be at least 1"]);
}

#[test]
fn shard_zero() {
    let err = run_refused(&["--shard", "0/3"]);
    has(&err, &["--shard 0/3", "1 <= K <= N"]);
}

#[test]
fn shard_not_a_fraction() {
    let err = run_refused(&["--shard", "x"]);
    has(&err, &["--shard x", "expected K/N"]);
}

/// A negative number for an unsigned flag names the flag (clap would
/// otherwise take `-1` for an unknown option).
#[test]
fn seed_flag_negative() {
    let err = run_refused(&["--seed", "-1"]);
    has(&err, &["--seed", "-1"]);
}

/// Several files: the bad one is reported, the good one is not blamed.
#[test]
fn validate_reports_the_bad_file_among_good_ones() {
    let bad = edit(CHECKOUT, &[("grace = \"5m\"", "grace = \"-5m\"")]);
    let err = refused_with(
        &[
            ("ok.toml", CHECKOUT.as_bytes()),
            ("bad.toml", bad.as_bytes()),
        ],
        &["validate", "ok.toml", "bad.toml"],
    );
    has(&err, &["bad.toml:14", "transfer.grace"]);
    assert!(!err.contains("ok.toml"), "{err}");
}
