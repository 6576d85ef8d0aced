//! Resource guards and output safety (issue: robustness): `--time-limit`,
//! `--max-events`, unwritable `--out`, never overwriting an earlier result,
//! and runs killed at random moments.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::racesim;

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("racesim")
}

/// Every file of a folder (not hidden), with its bytes, sorted by name.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .filter(|(n, _)| !n.starts_with('.'))
        .collect();
    v.sort();
    v
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn time_limit_writes_the_finished_replications_marked_partial() {
    let out = tempfile::tempdir().unwrap();
    let start = Instant::now();
    // far more than a second of work, even in release
    let a = racesim()
        .args(["run", "scenarios/lisa.toml", "--replications", "1000000"])
        .args(["--time-limit", "1s", "--no-charts", "--quiet", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    let took = start.elapsed();
    assert_eq!(
        a.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&a.stderr)
    );
    // generous: the check is that it stopped, not how fast the machine is
    assert!(took < Duration::from_secs(30), "took {took:?}");
    let err = String::from_utf8_lossy(&a.stderr);
    assert!(
        err.contains("PARTIAL: the time limit (1s) stopped the run"),
        "{err}"
    );
    let doc = json(&out.path().join("lisa/summary.json"));
    let n = doc["partial"]["replications_finished"][0].as_u64().unwrap();
    assert_eq!(doc["partial"]["replications_requested"], 1_000_000);
    assert!((1..1_000_000).contains(&n), "{n}");
    assert_eq!(doc["replications"], n);
    let reps = std::fs::read_to_string(out.path().join("lisa/replications.csv")).unwrap();
    assert!(
        reps.lines()
            .next()
            .unwrap()
            .contains("\"partial\":\"PARTIAL")
    );
    assert_eq!(
        reps.lines().count() as u64,
        n + 2,
        "metadata, header, n rows"
    );
    // the finished replications are a prefix: the same figures as --replications n
    racesim()
        .args([
            "run",
            "scenarios/lisa.toml",
            "--replications",
            &n.to_string(),
        ])
        .args(["--no-charts", "--quiet", "--out"])
        .arg(out.path())
        .assert()
        .success();
    assert_eq!(
        std::fs::read(out.path().join("lisa/summary.csv")).unwrap(),
        std::fs::read(out.path().join("lisa-2/summary.csv")).unwrap()
    );
    // and a partial result is not merged as if it were a shard of the whole
    let m = racesim()
        .arg("merge")
        .arg(out.path().join("lisa"))
        .arg("--out")
        .arg(out.path().join("merged"))
        .output()
        .unwrap();
    assert_eq!(m.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&m.stderr).contains("partial result"));
}

#[test]
fn time_limit_before_any_replication_finished_writes_nothing() {
    let out = tempfile::tempdir().unwrap();
    // one replication of a fleet far too big for a tenth of a second
    let a = racesim()
        .args([
            "run",
            "scenarios/cinnamon-twist.toml",
            "--replications",
            "1",
        ])
        .args([
            "--set",
            "terminal.terminals=2000000",
            "--set",
            "horizon=\"365d\"",
        ])
        .args([
            "--max-events",
            "1e13",
            "--time-limit",
            "0.1s",
            "--quiet",
            "--out",
        ])
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(a.status.code(), Some(1));
    let err = String::from_utf8_lossy(&a.stderr);
    assert!(err.contains("before any replication"), "{err}");
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        0,
        "no result and no staging folder left"
    );
}

#[test]
fn a_run_beyond_max_events_is_refused_with_the_estimate_and_the_flag() {
    let out = tempfile::tempdir().unwrap();
    let a = racesim()
        .args(["run", "scenarios/lisa.toml", "--max-events", "1e5", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(a.status.code(), Some(2));
    let err = String::from_utf8_lossy(&a.stderr);
    // 32 replications x 7 days x 3840 users a day
    assert!(err.contains("about 645120 users"), "{err}");
    assert!(err.contains("--max-events 651572"), "{err}");
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
    // the default is generous, and the flag lets a big study through
    let big = racesim()
        .args([
            "run",
            "scenarios/cinnamon-twist.toml",
            "--replications",
            "1000",
        ])
        .args(["--set", "terminal.terminals=100000", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(big.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&big.stderr).contains("beyond --max-events 1.000e11"));
    racesim()
        .args([
            "run",
            "scenarios/lisa.toml",
            "--replications",
            "2",
            "--max-events",
            "1e6",
        ])
        .args(["--no-charts", "--quiet", "--out"])
        .arg(out.path())
        .assert()
        .success();
    for bad in ["lots", "-1"] {
        let a = racesim()
            .args(["run", "scenarios/lisa.toml", "--max-events", bad])
            .output()
            .unwrap();
        assert_eq!(a.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&a.stderr).contains("--max-events"));
    }
    let a = racesim()
        .args(["run", "scenarios/lisa.toml", "--time-limit", "soon"])
        .output()
        .unwrap();
    assert_eq!(a.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&a.stderr).contains("--time-limit soon"));
}

#[test]
fn an_unwritable_out_is_exit_2_naming_the_path_before_anything_runs() {
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let a = racesim()
        .args(["run", "scenarios/lisa.toml", "--replications", "1000000"])
        .arg("--out")
        .arg(file.join("results"))
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(a.status.code(), Some(2));
    let err = String::from_utf8_lossy(&a.stderr);
    assert!(err.contains("cannot write"), "{err}");
    assert!(err.contains(&*file.to_string_lossy()), "{err}");
    assert!(err.contains("is a file, not a folder"), "{err}");
}

#[test]
fn an_earlier_result_is_never_overwritten_without_force() {
    let out = tempfile::tempdir().unwrap();
    let run = |seed: &str, force: bool| {
        let mut c = racesim();
        c.args([
            "run",
            "scenarios/lisa.toml",
            "--replications",
            "2",
            "--seed",
            seed,
        ])
        .args(["--no-charts", "--out"])
        .arg(out.path());
        if force {
            c.arg("--force");
        }
        c.output().unwrap()
    };
    assert!(run("1", false).status.success());
    let first = files(&out.path().join("lisa"));
    let second = run("2", false);
    assert!(second.status.success());
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains("holds an earlier result"), "{err}");
    assert!(String::from_utf8_lossy(&second.stdout).contains("lisa-2"));
    assert_eq!(files(&out.path().join("lisa")), first, "untouched");
    assert_ne!(files(&out.path().join("lisa-2")), first);
    // --force replaces in place
    assert!(run("2", true).status.success());
    assert_eq!(
        files(&out.path().join("lisa")),
        files(&out.path().join("lisa-2"))
    );
    assert!(!out.path().join("lisa-3").exists());
    let hidden: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "no staging folder is left behind");
}

/// A fixed sequence of "random" moments: runs are killed at these delays.
fn moments(n: usize, max: u64) -> Vec<u64> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % max
        })
        .collect()
}

fn spawn_and_kill(args: &[&str], out: &Path, after_us: u64) {
    let mut child = Command::new(bin())
        .args(args)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_micros(after_us));
    let _ = child.kill(); // SIGKILL: no chance to clean up
    let _ = child.wait();
}

#[test]
fn killing_runs_at_random_moments_never_corrupts_an_earlier_result() {
    let out = tempfile::tempdir().unwrap();
    let args = [
        "run",
        "scenarios/lisa.toml",
        "--replications",
        "4",
        "--quiet",
    ];
    let start = Instant::now();
    racesim()
        .args(args)
        .arg("--out")
        .arg(out.path())
        .assert()
        .success();
    let whole = start.elapsed().as_micros() as u64;
    let earlier = files(&out.path().join("lisa"));
    assert!(earlier.len() >= 5, "csv, json and charts");
    // Kills spread over the whole run (0 to 1.2 times as long as it took):
    // with --force the same scenario and seed give the same bytes, so every
    // file must read exactly as before whether or not the run got to replace
    // it; without --force the earlier folder must not change at all.
    for (i, us) in moments(12, whole * 6 / 5 + 1).into_iter().enumerate() {
        let mut a: Vec<&str> = args.to_vec();
        if i % 2 == 0 {
            a.push("--force");
        }
        spawn_and_kill(&a, out.path(), us);
        assert_eq!(
            files(&out.path().join("lisa")),
            earlier,
            "kill {i} after {us} us changed the earlier result"
        );
    }
    // a later run still succeeds next to whatever the killed runs left
    racesim()
        .args(args)
        .arg("--force")
        .arg("--out")
        .arg(out.path())
        .assert()
        .success();
    assert_eq!(files(&out.path().join("lisa")), earlier);
    let stale: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".partial-"))
        .collect();
    assert!(
        stale.is_empty(),
        "killed runs' staging folders are cleaned: {stale:?}"
    );
}
