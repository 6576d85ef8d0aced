//! Shared helpers: run a scenario from text, compare with a closed form.

use racesim::experiment::{self, PointResult, Silent};
use racesim::scenario::{self, Override, Source};

/// Loads `text` as a scenario (with `overrides`) and runs all its replications.
pub fn run_text(text: &str, overrides: &[(&str, &str)]) -> PointResult {
    let source = Source::from_text("test.toml", text);
    let ovs: Vec<Override> = overrides
        .iter()
        .map(|(p, v)| Override {
            path: p.to_string(),
            value: v.to_string(),
        })
        .collect();
    let sc =
        scenario::load(&source, &ovs).unwrap_or_else(|e| panic!("scenario does not load: {e}"));
    experiment::run_point(Vec::new(), sc, None, &Silent).expect("simulation runs")
}

/// Asserts `truth` lies within the metric's 95% interval widened to 3.3
/// standard errors (half-width * 3.3 / 1.96). Zero-width exact intervals
/// ([0, upper] for zero events) are used as they are.
#[track_caller]
pub fn check_within(p: &PointResult, metric: &str, truth: f64) {
    let m = p
        .metric(metric)
        .unwrap_or_else(|| panic!("no metric {metric}"));
    let (lo, hi, v) = (m.figure.ci.low, m.figure.ci.high, m.figure.value);
    let widen = 3.3 / 1.96;
    let lo_w = v - (v - lo) * widen;
    let hi_w = v + (hi - v) * widen;
    assert!(
        lo_w <= truth && truth <= hi_w,
        "{metric}: closed form {truth} outside the widened interval [{lo_w}, {hi_w}] (value {v}, 95% [{lo}, {hi}], {:?})",
        m.figure.ci.method
    );
}

/// The racesim binary.
pub fn racesim() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("racesim").expect("binary builds");
    c.env("NO_COLOR", "1");
    c
}

/// The tables of a small valid checkout scenario (two hosts, the transfer
/// clock 6 minutes ahead, 120 users an hour, polls every 5 minutes, grace 5
/// minutes), as a literal so that `concat!` can put top-level keys before
/// it in a `const`.
macro_rules! checkout_tables {
    () => {
        r#"[hosts.web]
[hosts.transfer]
clock = { offset = "6m" }
[checkout]
stamp_host = "web"
arrivals = { rate = "120/h" }
redirect_latency = { lognormal = { median = "1s", p99 = "5s" } }
[transfer]
host = "transfer"
poll_interval = "5m"
grace = "5m"
"#
    };
}
pub(crate) use checkout_tables;

/// The tables of a small valid terminal scenario (two terminals, 300
/// transactions a day each, regulars, one price, resubmissions), as a
/// literal for `concat!`.
macro_rules! terminal_tables {
    () => {
        r#"[terminal]
terminals = 2
daily_transactions = 300
[terminal.customers]
regular_share = 0.3
regulars = 100
return_visit = 0.05
same_order = 0.7
[terminal.menu]
prices = [ { price = "3.40", weight = 1 } ]
[terminal.resubmit]
probability = 0.002
"#
    };
}
pub(crate) use terminal_tables;

/// A small valid checkout scenario; tests break one thing in it, and their
/// expected line numbers refer to this text (grace is on line 14).
pub const CHECKOUT_BASE: &str = concat!(
    "name = \"t\"\nmodel = \"checkout\"\nhorizon = \"1d\"\n",
    checkout_tables!()
);

/// A small valid terminal scenario (line numbers as in [`CHECKOUT_BASE`]:
/// the tables start on line 4).
pub const TERMINAL_BASE: &str = concat!(
    "name = \"t\"\nmodel = \"terminal\"\nhorizon = \"2d\"\n",
    terminal_tables!()
);

/// `base` with each `(from, to)` replaced once; `from` must occur, so a
/// fixture that drifts from its base fails loudly instead of silently
/// testing another scenario.
#[track_caller]
pub fn edit(base: &str, edits: &[(&str, &str)]) -> String {
    let mut text = base.to_string();
    for (from, to) in edits {
        assert!(text.contains(from), "the base text has no {from:?}");
        text = text.replacen(from, to, 1);
    }
    text
}

/// What a run of the racesim binary did.
#[derive(Debug)]
pub struct Measured {
    /// The exit code (`None`: killed by a signal, e.g. the watchdog, or an
    /// abort when memory ran out under the cap).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Wall-clock time.
    pub wall: std::time::Duration,
}

/// Runs racesim with `args` in `dir`; a process still running after
/// `limit` is killed (`code` is then `None`), so a hang fails the test
/// instead of hanging it. With `memory`, the process may not hold more than
/// that many bytes of data (`RLIMIT_DATA`: heap and private writable
/// mappings): a run that would build gigabytes dies instead of exiting 2,
/// and the test fails.
pub fn measured(
    dir: &std::path::Path,
    args: &[&str],
    limit: std::time::Duration,
    memory: Option<u64>,
) -> Measured {
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    use std::sync::atomic::{AtomicBool, Ordering};
    let start = std::time::Instant::now();
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("racesim"));
    cmd.current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(bytes) = memory {
        // SAFETY: setrlimit is async-signal-safe; nothing else runs between
        // fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                let lim = libc::rlimit {
                    rlim_cur: bytes as libc::rlim_t,
                    rlim_max: bytes as libc::rlim_t,
                };
                if libc::setrlimit(libc::RLIMIT_DATA, &lim) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
    }
    let mut child = cmd.spawn().expect("racesim starts");
    let pid = child.id() as libc::pid_t;
    fn drain(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = r.read_to_string(&mut s);
            s
        })
    }
    let out_t = drain(child.stdout.take().expect("stdout"));
    let err_t = drain(child.stderr.take().expect("stderr"));
    let done = std::sync::Arc::new(AtomicBool::new(false));
    let watchdog = {
        let done = done.clone();
        std::thread::spawn(move || {
            let until = std::time::Instant::now() + limit;
            while std::time::Instant::now() < until {
                if done.load(Ordering::Relaxed) {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            if !done.load(Ordering::Relaxed) {
                // SAFETY: signals the child we spawned, not yet reaped.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        })
    };
    let status = child.wait().expect("racesim ends");
    done.store(true, Ordering::Relaxed);
    let _ = watchdog.join();
    Measured {
        code: status.code(),
        stdout: out_t.join().unwrap_or_default(),
        stderr: err_t.join().unwrap_or_default(),
        wall: start.elapsed(),
    }
}

/// Whether every program of `tools` is on the PATH, for a test that runs
/// them. A machine with only Rust may lack them: the test is then skipped
/// with a visible `SKIPPED` line on standard error, never passed silently.
/// CI sets `RACESIM_REQUIRE_TOOLS=1` (after installing them), and there a
/// missing tool fails the test.
pub fn tools_available(test: &str, tools: &[&str]) -> bool {
    let on_path = |t: &str| {
        let p = std::path::Path::new(t);
        if p.is_absolute() {
            return p.is_file();
        }
        std::env::var_os("PATH")
            .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(t).is_file()))
    };
    let missing: Vec<&str> = tools.iter().copied().filter(|t| !on_path(t)).collect();
    if missing.is_empty() {
        return true;
    }
    let required = std::env::var("RACESIM_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "{test}: needs {} (RACESIM_REQUIRE_TOOLS=1 makes a missing tool a failure)",
        missing.join(", ")
    );
    eprintln!(
        "SKIPPED {test}: {} not installed (set RACESIM_REQUIRE_TOOLS=1 to make this a failure)",
        missing.join(", ")
    );
    false
}
