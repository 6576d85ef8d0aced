//! The command-line conventions, checked through the binary: colour only
//! where asked (`NO_COLOR`, `--color`), status on standard error and
//! results on standard output, `-q` silent on a passing run of every
//! command, every `--format` a command lists parseable and every other one
//! refused, numbers without float noise, completions and the man page.

use std::path::Path;

use predicates::prelude::*;

use crate::util::racesim;

const LISA: &str = "scenarios/lisa.toml";
const TWIST: &str = "scenarios/cinnamon-twist.toml";
/// A quick lisa: 3 replications of a day (its expectation passes).
const QUICK: &[&str] = &["--replications", "3", "--set", "horizon=\"1d\""];
/// The escape sequence anstyle writes for bold green `pass`.
const GREEN_PASS: &str = "\u{1b}[1m\u{1b}[32mpass\u{1b}[0m";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `check` of the quick lisa with `extra` arguments: (stdout, stderr, code).
fn check_with(extra: &[&str], no_color: Option<&str>) -> (String, String, Option<i32>) {
    let mut c = racesim();
    c.env_remove("NO_COLOR");
    if let Some(v) = no_color {
        c.env("NO_COLOR", v);
    }
    let o = c
        .args(["check", LISA])
        .args(QUICK)
        .args(extra)
        .output()
        .unwrap();
    (text(&o.stdout), text(&o.stderr), o.status.code())
}

#[test]
fn colour_only_where_asked() {
    // NO_COLOR: no escape codes anywhere
    let (out, err, code) = check_with(&[], Some("1"));
    assert_eq!(code, Some(0));
    assert!(out.starts_with("result  scenario"), "{out}");
    assert!(
        !out.contains('\u{1b}') && !err.contains('\u{1b}'),
        "{out}{err}"
    );
    // auto into a pipe: none either
    let (out, _, _) = check_with(&[], None);
    assert!(!out.contains('\u{1b}'), "{out}");
    // --color always wins over NO_COLOR, and colours the verdict word only
    let (out, _, _) = check_with(&["--color", "always"], Some("1"));
    let second = out.lines().nth(1).unwrap();
    assert!(
        second.starts_with(&format!("{GREEN_PASS}        lisa")),
        "{out:?}"
    );
    assert_eq!(out.matches('\u{1b}').count(), 3, "{out:?}");
    // --color never, even where auto would colour
    let (out, _, _) = check_with(&["--color", "never"], None);
    assert!(!out.contains('\u{1b}'), "{out}");
    // the error label on standard error
    let o = racesim()
        .args(["validate", "no-such-file.toml", "--color", "always"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).starts_with("\u{1b}[1m\u{1b}[31merror:\u{1b}[0m "),
        "{:?}",
        text(&o.stderr)
    );
    // the parser's own messages follow --color too
    let o = racesim()
        .args(["validate", "--no-such-flag", "--color", "always"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains('\u{1b}'), "{:?}", text(&o.stderr));
    let o = racesim()
        .args(["validate", "--no-such-flag", "--color=never"])
        .output()
        .unwrap();
    assert!(!text(&o.stderr).contains('\u{1b}'), "{:?}", text(&o.stderr));
    // a value --color does not know is refused by the parser
    racesim()
        .args(["validate", LISA, "--color", "sometimes"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "[possible values: auto, always, never]",
        ));
}

#[test]
fn results_on_stdout_status_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let o = racesim()
        .args(["run", LISA])
        .args(QUICK)
        .arg("--out")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert!(
        out.starts_with("lisa (checkout model): 3 replications of 1 day, seed 1"),
        "{out}"
    );
    assert!(
        !out.contains("throughput") && !out.contains("wrote"),
        "{out}"
    );
    let err_lines: Vec<&str> = err.lines().collect();
    assert_eq!(err_lines.len(), 2, "{err}");
    assert!(err_lines[0].starts_with("throughput: "), "{err}");
    assert_eq!(
        err_lines[1],
        format!("wrote {}", dir.path().join("lisa/summary.csv").display())
    );
    // plot: the files written are status
    let o = racesim()
        .args(["plot"])
        .arg(dir.path().join("lisa/daily.csv"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "");
    assert!(text(&o.stderr).starts_with("wrote "), "{}", text(&o.stderr));
}

#[test]
fn numbers_have_one_format() {
    let o = racesim()
        .args(["check", LISA])
        .args(QUICK)
        .output()
        .unwrap();
    let out = text(&o.stdout);
    // the note's bound as in the table, not 0.00660...(17 digits)
    let row = out.lines().nth(1).unwrap();
    let interval = row.split('[').nth(1).unwrap().split(']').next().unwrap();
    let high = interval.split(", ").nth(1).unwrap();
    assert!(
        row.ends_with(&format!("upper bound {high} <= 0.01")),
        "{row}"
    );
    let dir = tempfile::tempdir().unwrap();
    let o = racesim()
        .args(["run", LISA, "--replications", "2", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    let out = text(&o.stdout);
    assert!(out.contains("2 replications of 7 days,"), "{out}");
    // counts with thousands separators, and no float noise (a run of 8 or
    // more digits) anywhere
    let users = out.lines().find(|l| l.starts_with("users ")).unwrap();
    let value = users.split_whitespace().nth(1).unwrap();
    assert!(value.len() == 6 && value.as_bytes()[2] == b',', "{users}");
    let long_digits = out
        .split(|c: char| !c.is_ascii_digit())
        .any(|run| run.len() >= 8);
    assert!(!long_digits, "{out}");
}

#[test]
fn quiet_prints_nothing_for_a_passing_run_of_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_string_lossy().into_owned();
    let shards = format!("{out}/shards");
    let silent = |args: &[&str]| {
        let o = racesim().args(args).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o.stderr));
        assert_eq!(text(&o.stdout), "", "{args:?}: standard output");
        assert_eq!(text(&o.stderr), "", "{args:?}: standard error");
    };
    let q = |v: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
        v.push("-q".into());
        v
    };
    let run = |v: Vec<String>| silent(&v.iter().map(String::as_str).collect::<Vec<_>>());
    let quick: Vec<&str> = QUICK.to_vec();
    run(q(&[&["run", LISA, "--out", &out], &quick[..]].concat()));
    run(q(&[
        &[
            "sweep",
            LISA,
            "--vary",
            "transfer.grace=4m,6m",
            "--out",
            &out,
        ],
        &quick[..],
    ]
    .concat()));
    run(q(&[&["check", LISA], &quick[..]].concat()));
    for k in ["1/2", "2/2"] {
        run(q(&[
            &["run", LISA, "--shard", k, "--out", &shards],
            &quick[..],
        ]
        .concat()));
    }
    run(q(&[
        "merge",
        &format!("{shards}/lisa/shard-1-of-2"),
        &format!("{shards}/lisa/shard-2-of-2"),
        "--out",
        &format!("{out}/merged"),
    ]));
    run(q(&["plot", &format!("{out}/lisa/daily.csv")]));
    run(q(&["estimate", LISA]));
    run(q(&["validate", LISA, TWIST]));
    run(q(&["trace", LISA, "--set", "horizon=\"1d\""]));
    run(q(&[
        &["report", LISA, "--out", &format!("{out}/report")],
        &quick[..],
    ]
    .concat()));
    run(q(&[
        &[
            "solve",
            LISA,
            "--vary",
            "hosts.transfer.clock.offset",
            "--target",
            "error_page_rate<=1e-4",
            "--range",
            "0s..10m",
        ],
        &quick[..],
    ]
    .concat()));
    // a failing check with -q prints its failing lines, and exits 1
    racesim()
        .args([
            "check",
            LISA,
            "-q",
            "--set",
            "horizon=\"1d\"",
            "--replications",
            "3",
        ])
        .args(["--set", "transfer.poll_interval=\"10s\""])
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with("result  scenario"))
        .stdout(predicate::str::contains("pass ").not());
}

/// The arguments as `&str`s.
fn s(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Standard output of `racesim ARGS`, which must succeed.
fn stdout_of(args: &[&str]) -> String {
    let o = racesim().args(args).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o.stderr));
    text(&o.stdout)
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = stdout_of(args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}):\n{out}"))
}

/// The CSV header and the number of rows; every row as long as the header.
fn csv(args: &[&str]) -> (Vec<String>, usize) {
    let out = stdout_of(args);
    let mut r = ::csv::Reader::from_reader(out.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let mut rows = 0;
    for rec in r.records() {
        if let Err(e) = rec {
            panic!("{args:?}: not CSV ({e}):\n{out}");
        }
        rows += 1;
    }
    (header, rows)
}

#[test]
fn every_format_a_command_lists_is_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_string_lossy().into_owned();
    let with = |head: &[&str], tail: &[&str]| -> Vec<String> {
        head.iter()
            .chain(QUICK)
            .chain(["--out", out.as_str()].iter())
            .chain(tail)
            .map(|s| s.to_string())
            .collect()
    };

    // run
    let doc = json(&s(&with(&["run", LISA], &["--format", "json"])));
    assert_eq!(doc["scenario"], "lisa");
    let (h, n) = csv(&s(&with(&["run", LISA], &["--format", "csv"])));
    assert_eq!((h[0].as_str(), n), ("users", 1));
    let md = stdout_of(&s(&with(&["run", LISA], &["--format", "markdown"])));
    assert!(
        md.starts_with("**lisa (checkout model): 3 replications of 1 day"),
        "{md}"
    );
    assert!(
        md.contains("| metric | value | 95% interval | back-of-envelope | interval method |\n|---|--:|--:|--:|---|\n| `users` |"),
        "{md}"
    );
    // check
    let doc = json(&s(&with(&["check", LISA], &["--format", "json"])));
    assert_eq!(doc["passed"], true);
    let (h, n) = csv(&s(&with(&["check", LISA], &["--format", "csv"])));
    assert_eq!(
        h.join(","),
        "result,scenario,point,metric,rule,value,ci_low,ci_high,note"
    );
    assert_eq!(n, 1);
    let md = stdout_of(&s(&with(&["check", LISA], &["--format", "markdown"])));
    assert!(md.starts_with("| result | scenario |"), "{md}");
    // sweep
    let (h, n) = csv(&s(&with(
        &["sweep", LISA, "--vary", "transfer.grace=4m,6m"],
        &["--format", "csv"],
    )));
    assert_eq!((h[0].as_str(), n), ("transfer.grace", 2));
    // estimate (no --out)
    let doc = json(&["estimate", LISA, "--format", "json"]);
    assert!(doc["figures"]["error_page_rate"].is_number(), "{doc}");
    let (h, n) = csv(&["estimate", LISA, TWIST, "--format", "csv"]);
    assert_eq!(h.join(","), "scenario,metric,value,unit");
    assert!(n >= 6, "{n} rows");
    // trace
    let doc = json(&["trace", LISA, "--set", "horizon=\"1d\"", "--format", "json"]);
    assert!(doc.is_object(), "{doc}");
    // solve
    let solve = [
        "solve",
        LISA,
        "--vary",
        "hosts.transfer.clock.offset",
        "--target",
        "error_page_rate<=1e-4",
        "--range",
        "0s..10m",
        "--replications",
        "3",
        "--set",
        "horizon=\"1d\"",
    ];
    let doc = json(&[&solve[..], &["--format", "json"]].concat());
    assert_eq!(doc["solve"]["agrees"], true);
    let (_, n) = csv(&[&solve[..], &["--format", "csv"]].concat());
    assert_eq!(n, 1);
    // merge: shards, then every format
    for k in ["1/2", "2/2"] {
        racesim()
            .args(["run", LISA, "--shard", k, "-q", "--out"])
            .arg(Path::new(&out).join("shards"))
            .args(QUICK)
            .assert()
            .success();
    }
    let merge = |f: &str| -> Vec<String> {
        [
            "merge",
            "shards/lisa/shard-1-of-2",
            "shards/lisa/shard-2-of-2",
            "--force",
            "--format",
            f,
        ]
        .iter()
        .map(|a| {
            if a.starts_with("shards/") {
                format!("{out}/{a}")
            } else {
                a.to_string()
            }
        })
        .chain(["--out".to_string(), format!("{out}/merged")])
        .collect()
    };
    assert_eq!(json(&s(&merge("json")))["scenario"], "lisa");
    assert_eq!(csv(&s(&merge("csv"))).1, 1);
    assert!(stdout_of(&s(&merge("markdown"))).starts_with("**lisa"));
}

#[test]
fn formats_a_command_does_not_have_are_refused() {
    for (args, listed) in [
        (
            &["estimate", LISA, "--format", "markdown"][..],
            "table, csv, json",
        ),
        (&["trace", LISA, "--format", "csv"][..], "table, json"),
        (
            &[
                "solve", LISA, "--vary", "x", "--target", "m<=1", "--format", "markdown",
            ][..],
            "table, csv, json",
        ),
    ] {
        racesim()
            .args(args)
            .assert()
            .code(2)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::str::contains(format!(
                "[possible values: {listed}]"
            )));
    }
    // solve writes no folder and draws no chart: the options that would are refused
    for extra in [
        &["--out", "x"][..],
        &["--no-charts"],
        &["--force"],
        &["--max-points", "5"],
        &["--shard", "1/2"],
        &["--time-limit", "1m"],
    ] {
        racesim()
            .args(["solve", LISA, "--vary", "x", "--target", "m<=1"])
            .args(extra)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "unexpected argument '{}'",
                extra[0]
            )));
    }
    // the help of trace lists what it accepts
    racesim()
        .args(["trace", "-h"])
        .assert()
        .success()
        .stdout(predicate::str::contains("[possible values: table, json]"));
}

#[test]
fn completions_for_every_shell_and_a_man_page() {
    for (shell, marker) in [
        ("bash", "complete -F _racesim"),
        ("zsh", "#compdef racesim"),
        ("fish", "complete -c racesim"),
        (
            "powershell",
            "Register-ArgumentCompleter -Native -CommandName 'racesim'",
        ),
        ("elvish", "set edit:completion:arg-completer[racesim]"),
    ] {
        let out = stdout_of(&["completions", shell]);
        assert!(out.contains(marker), "{shell}: {out}");
        assert!(out.contains("solve") && out.contains("color"), "{shell}");
    }
    let page = stdout_of(&["man"]);
    assert!(page.contains(".TH racesim 1"), "{page}");
    // every command is listed on the page
    for cmd in [
        "run",
        "sweep",
        "estimate",
        "validate",
        "check",
        "merge",
        "plot",
        "trace",
        "report",
        "completions",
        "man",
        "solve",
    ] {
        assert!(
            page.contains(&format!("racesim\\-{cmd}(1)")),
            "{cmd} missing:\n{page}"
        );
        let sub = stdout_of(&["man", cmd]);
        assert!(
            sub.contains(&format!(".TH racesim-{cmd} 1")),
            "{cmd}:\n{sub}"
        );
    }
    let check = stdout_of(&["man", "check"]);
    assert!(check.contains("\\-\\-baseline"), "{check}");
    racesim()
        .args(["man", "chek"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `check`?"));
}

#[test]
fn an_estimator_a_model_refuses_is_shown_where_it_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(TWIST).unwrap();
    let at = text
        .lines()
        .position(|l| l.starts_with("replications"))
        .unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(at + 1, "estimator = \"importance\"");
    let file = dir.path().join("twist.toml");
    std::fs::write(&file, lines.join("\n")).unwrap();
    racesim()
        .arg("validate")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(format!(
            "error: {}:{}:13: ",
            file.display(),
            at + 2
        )))
        .stderr(predicate::str::contains("the terminal model supports"));
}

/// Numbers in `text` with more than `max` significant digits, outside
/// `[...]` (an interval prints as many digits as it takes for its ends to
/// differ) and outside code fences (the scenario file as typed).
fn noisy_numbers(text: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let mut number = String::new();
        for c in line.chars().chain(std::iter::once(' ')) {
            if c.is_ascii_digit() || (c == '.' && !number.is_empty()) {
                number.push(c);
                continue;
            }
            let digits: String = number
                .chars()
                .filter(char::is_ascii_digit)
                .skip_while(|d| *d == '0')
                .collect();
            if depth == 0 && number.contains('.') && digits.len() > max {
                out.push(format!("{number} in {line:?}"));
            }
            number.clear();
            match c {
                '[' => depth += 1,
                ']' => depth -= 1,
                _ => {}
            }
        }
        depth = 0;
    }
    out
}

#[test]
fn check_and_report_print_no_float_noise() {
    let mut shipped: Vec<_> = std::fs::read_dir("scenarios")
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    shipped.sort();
    let dir = tempfile::tempdir().unwrap();
    let mut noisy = Vec::new();
    for file in &shipped {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let a = racesim()
            .arg("check")
            .arg(file)
            .args(["--replications", "2", "--set", "horizon=\"1d\""])
            .assert();
        let out = a.get_output();
        noisy.extend(noisy_numbers(&String::from_utf8_lossy(&out.stdout), 8));
        racesim()
            .arg("report")
            .arg(file)
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
        let md = std::fs::read_to_string(dir.path().join(&name).join("report.md")).unwrap();
        noisy.extend(
            noisy_numbers(&md, 8)
                .into_iter()
                .map(|n| format!("{name}/report.md: {n}")),
        );
    }
    assert!(
        noisy.is_empty(),
        "numbers with float noise:\n{}",
        noisy.join("\n")
    );
    assert_eq!(
        noisy_numbers("upper bound 0.006174044401554835 [0.0061740444015, 0.0061740444016]", 8),
        vec!["0.006174044401554835 in \"upper bound 0.006174044401554835 [0.0061740444015, 0.0061740444016]\"".to_string()]
    );
}
