//! Resource guards and output safety: `--time-limit`, `--max-events`,
//! unwritable `--out`, the output-folder policy (a rerun replaces `NAME/` and
//! keeps one `NAME.previous/`; `--force` keeps none), concurrent runs into
//! the same `--out` (both results survive whole), runs killed at random
//! moments, and processes killed in the middle of a commit (issue 14, item
//! 1). The hostile-input battery of the other items is in `hostile.rs`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{checkout_tables, racesim};

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
    // (the partial result is now the previous one)
    assert_eq!(
        std::fs::read(out.path().join("lisa.previous/summary.csv")).unwrap(),
        std::fs::read(out.path().join("lisa/summary.csv")).unwrap()
    );
    // and a partial result is not merged as if it were a shard of the whole
    let m = racesim()
        .arg("merge")
        .arg(out.path().join("lisa.previous"))
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
    // users: 32 replications x 7 days x 2880 users a day = 645120; polls:
    // each replication polls every 5 min over 7 d plus grace (5m), one poll
    // interval (5m), the clock gap (6m) and the mean latencies (payment
    // lognormal median 0.8 s, p99 4 s: mean 0.8 exp(s^2/2) with
    // s = ln 5 / 2.3263, 1.0163 s; redirect median 1.5 s, p99 6 s: 1.7914 s;
    // move 0.2 s): 605763.0 s / 300 s = 2019.21 polls, x 32 = 64615
    assert!(
        err.contains("about 709,735 events (645,120 users, 64,615 polls;"),
        "{err}"
    );
    assert!(err.contains("--max-events 716833"), "{err}");
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

/// Every entry of `dir`, sorted (hidden ones too).
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The seed a result folder holds, read from summary.json and checked
/// against the metadata line of replications.csv: a folder mixing two runs
/// fails here.
#[track_caller]
fn seed_of(dir: &Path) -> u64 {
    let doc = json(&dir.join("summary.json"));
    let seed = doc["seed"].as_u64().unwrap();
    let reps = std::fs::read_to_string(dir.join("replications.csv")).unwrap();
    let meta: serde_json::Value = serde_json::from_str(
        reps.lines()
            .next()
            .unwrap()
            .trim_start_matches("# racesim "),
    )
    .unwrap();
    assert_eq!(
        meta["seed"].as_u64(),
        Some(seed),
        "{} is mixed",
        dir.display()
    );
    let names: Vec<String> = files(dir).into_iter().map(|(n, _)| n).collect();
    for want in [
        "daily.csv",
        "margin.csv",
        "replications.csv",
        "summary.csv",
        "summary.json",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "{} lacks {want}: {names:?}",
            dir.display()
        );
    }
    seed
}

/// Output folders: a rerun replaces `NAME/` and keeps exactly one previous
/// result as `NAME.previous/`; `--force` replaces without a copy.
#[test]
fn a_rerun_keeps_exactly_one_previous_result() {
    let out = tempfile::tempdir().unwrap();
    let run = |seed: &str, extra: &[&str]| {
        let mut c = racesim();
        c.args(["run", "scenarios/lisa.toml", "--replications", "2"])
            .args(["--seed", seed, "--out"])
            .arg(out.path())
            .args(extra);
        c.output().unwrap()
    };
    assert!(run("1", &["--no-charts"]).status.success());
    assert_eq!(entries(out.path()), ["lisa"]);
    let second = run("2", &["--no-charts"]);
    assert!(second.status.success());
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains("is kept as"), "{err}");
    assert!(err.contains("lisa.previous"), "{err}");
    assert_eq!(seed_of(&out.path().join("lisa")), 2);
    assert_eq!(seed_of(&out.path().join("lisa.previous")), 1);
    assert!(run("3", &[]).status.success());
    assert_eq!(seed_of(&out.path().join("lisa")), 3);
    assert_eq!(seed_of(&out.path().join("lisa.previous")), 2);
    assert_eq!(entries(out.path()), ["lisa", "lisa.previous"], "no clutter");
    // --force replaces without a copy: no chart of the old result stays
    // beside the new CSVs, and the previous result is left as it was
    assert!(
        files(&out.path().join("lisa"))
            .iter()
            .any(|(n, _)| n.ends_with(".svg"))
    );
    assert!(run("4", &["--force", "--no-charts"]).status.success());
    assert_eq!(seed_of(&out.path().join("lisa")), 4);
    let names: Vec<String> = files(&out.path().join("lisa"))
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.ends_with(".svg") || n.ends_with(".png")),
        "an old chart survived --force --no-charts: {names:?}"
    );
    assert_eq!(seed_of(&out.path().join("lisa.previous")), 2);
    assert_eq!(entries(out.path()), ["lisa", "lisa.previous"]);
}

/// A small checkout scenario: the shared checkout tables, 2 hours, 2
/// replications.
const BASE: &str = concat!(
    "name = \"base\"\nmodel = \"checkout\"\nhorizon = \"2h\"\nreplications = 2\n",
    checkout_tables!()
);

/// Two runs into the same `--out` at the same time (the issue's reproducer:
/// `run base.toml --seed 11 --out X & run base.toml --seed 12 --out X`):
/// both results survive whole, one as `base/`, the other as
/// `base.previous/`, never mixed; with an earlier result there, it is the
/// one dropped (exactly one previous is kept). Real processes, many rounds.
#[test]
fn concurrent_runs_into_the_same_out_both_survive_whole() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("base.toml");
    std::fs::write(&file, BASE).unwrap();
    for round in 0..12 {
        let out = dir.path().join(format!("out-{round}"));
        if round % 2 == 1 {
            // an earlier result is there
            racesim()
                .arg("run")
                .arg(&file)
                .args(["--seed", "10", "-q", "--no-charts", "--out"])
                .arg(&out)
                .assert()
                .success();
        }
        let spawn = |seed: &str| {
            Command::new(bin())
                .arg("run")
                .arg(&file)
                .args([
                    "--seed",
                    seed,
                    "-q",
                    "--no-charts",
                    "--threads",
                    "1",
                    "--out",
                ])
                .arg(&out)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn("11"), spawn("12"));
        for c in [a, b] {
            let o = c.wait_with_output().unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        }
        let mut seeds = [
            seed_of(&out.join("base")),
            seed_of(&out.join("base.previous")),
        ];
        seeds.sort();
        assert_eq!(seeds, [11, 12], "round {round}");
        assert_eq!(entries(&out), ["base", "base.previous"], "round {round}");
    }
}

/// Worker for [`killing_commits_never_leaves_a_broken_result`]: commits
/// results into `$RACESIM_COMMIT_WORKER/r` in a loop (each result five
/// files, each holding the result's number) until it is killed. Without
/// the variable (a normal test run) it does nothing.
#[test]
fn commit_worker() {
    use racesim::output::{Replace, ResultDir};
    let Ok(dir) = std::env::var("RACESIM_COMMIT_WORKER") else {
        return;
    };
    let target = Path::new(&dir).join("r");
    for i in 0u64.. {
        let d = ResultDir::prepare(target.clone(), Replace::KeepPrevious).unwrap();
        // plain writes (no flush to disk): the commit steps, not the disk,
        // take most of the time, so the kills land in them
        for f in ["a.csv", "b.csv", "c.json", "d.svg", "e.png"] {
            std::fs::write(d.staging().join(f), i.to_string()).unwrap();
        }
        d.commit().unwrap();
    }
}

/// The number a worker's result holds, checking that all five files are
/// there and agree.
#[track_caller]
fn whole(dir: &Path) -> u64 {
    let f = files(dir);
    assert_eq!(f.len(), 5, "{} is not whole: {f:?}", dir.display());
    let v: Vec<&[u8]> = f.iter().map(|(_, b)| b.as_slice()).collect();
    assert!(
        v.iter().all(|b| *b == v[0]),
        "{} mixes results",
        dir.display()
    );
    String::from_utf8_lossy(v[0]).parse().unwrap()
}

/// kill -9 at random moments of a process that does nothing but commit
/// result folders: whatever the moment (staging, exchange, the rename to
/// `.previous`, the trash), the result folder is whole, the previous one is
/// whole, and the next commit cleans up what the dead one left.
#[test]
fn killing_commits_never_leaves_a_broken_result() {
    use racesim::output::{Replace, ResultDir, write_atomic};
    let exe = std::env::current_exe().unwrap();
    let mut replaced = 0;
    for (i, us) in moments(40, 40_000).into_iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(&exe)
            .args([
                "guards::commit_worker",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("RACESIM_COMMIT_WORKER", dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(2_000 + us));
        let _ = child.kill();
        let _ = child.wait();
        let target = dir.path().join("r");
        if target.exists() {
            let now = whole(&target);
            if dir.path().join("r.previous").exists() {
                let prev = whole(&dir.path().join("r.previous"));
                assert!(prev < now, "kill {i}: previous {prev}, now {now}");
                replaced += 1;
            }
        }
        let d = ResultDir::prepare(target.clone(), Replace::KeepPrevious).unwrap();
        for f in ["a.csv", "b.csv", "c.json", "d.svg", "e.png"] {
            write_atomic(&d.staging().join(f), b"999999").unwrap();
        }
        d.commit().unwrap();
        assert_eq!(whole(&target), 999_999);
        let left = entries(dir.path());
        assert!(
            left == ["r"] || left == ["r", "r.previous"],
            "kill {i} after {us} us left {left:?}"
        );
    }
    // most kills came after the first commit, while results were replaced
    assert!(
        replaced >= 20,
        "only {replaced} of 40 kills after a replacement"
    );
}

/// `check` is a gate: it writes no result folder unless `--out` is given.
#[test]
fn check_writes_a_result_folder_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("base.toml");
    std::fs::write(&file, BASE).unwrap();
    racesim()
        .current_dir(dir.path())
        .args(["check", "base.toml", "-q"])
        .assert()
        .success();
    assert_eq!(entries(dir.path()), ["base.toml"], "no output/ folder");
    racesim()
        .current_dir(dir.path())
        .args(["check", "base.toml", "-q", "--out", "res"])
        .assert()
        .success();
    assert_eq!(seed_of(&dir.path().join("res/base")), 1);
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
    // the same scenario and seed give the same bytes, so the result folder
    // (and the previous one, once a run got to replace it) must read exactly
    // as before whatever the moment.
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
        let prev = out.path().join("lisa.previous");
        if prev.exists() {
            assert_eq!(files(&prev), earlier, "kill {i} after {us} us: previous");
        }
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
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(
        stale.is_empty(),
        "killed runs' staging folders are cleaned: {stale:?}"
    );
}
