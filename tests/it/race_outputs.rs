//! The race model's outputs beyond the figures: each failure's margin
//! distribution (`margin.csv` and its charts) against counts and a closed
//! form, merged shards against a single run byte for byte, the event log of
//! `trace --events` line for line, and the guards counting the clock work of
//! far deadlines.

use std::path::Path;

use crate::util::{racesim, run_text};

/// A `margin.csv` row: low_s, high_s (open ends as infinities), the count
/// of each failure.
type MarginRow = (f64, f64, Vec<u64>);

/// `margin.csv`'s count columns and rows.
fn margin_rows(text: &str) -> (Vec<String>, Vec<MarginRow>) {
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    let lo = header.iter().position(|h| h == "low_s").unwrap();
    let rows = lines
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            let edge = |s: &str, open: f64| {
                if s.is_empty() {
                    open
                } else {
                    s.parse().unwrap()
                }
            };
            (
                edge(c[lo], f64::NEG_INFINITY),
                edge(c[lo + 1], f64::INFINITY),
                c[lo + 2..].iter().map(|v| v.parse().unwrap()).collect(),
            )
        })
        .collect();
    (header[lo + 2..].to_vec(), rows)
}

/// The sum over replications of column `col` of `replications.csv`.
fn column_sum(dir: &Path, col: &str) -> f64 {
    let text = std::fs::read_to_string(dir.join("replications.csv")).unwrap();
    // the first line is the shard metadata comment
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let i = header.iter().position(|h| *h == col).unwrap();
    lines
        .map(|l| l.split(',').nth(i).unwrap().parse::<f64>().unwrap())
        .sum()
}

/// An order race whose later instant often never happens: `b` comes
/// a lognormal time (median 30 min) after the arrival and the run-out is an
/// hour, so the items arriving late in the hour often fail with no margin.
const NEVER: &str = r#"
name = "never"
model = "race"
seed = 5
replications = 3
horizon = "1h"
[hosts.h]
[race]
arrivals = { rate = "3000/h" }
run_out = "1h"
[[race.instant]]
name = "a"
delay = { lognormal = { median = "20m", p99 = "2h" } }
host = "h"
[[race.instant]]
name = "b"
delay = { lognormal = { median = "30m", p99 = "3h" } }
host = "h"
[[race.failure]]
name = "early"
first = "a"
before = "b"
[[race.failure]]
name = "late"
first = "b"
before = "a"
"#;

#[test]
fn margins_below_zero_add_up_to_the_failures_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("never.toml");
    std::fs::write(&file, NEVER).unwrap();
    racesim()
        .args(["run", "--quiet", "--no-charts", "--out"])
        .arg(dir.path())
        .arg(&file)
        .assert()
        .success();
    let out = dir.path().join("never");
    let (failures, rows) = margin_rows(&std::fs::read_to_string(out.join("margin.csv")).unwrap());
    assert_eq!(failures, ["early_count", "late_count"]);
    for (k, f) in ["early", "late"].iter().enumerate() {
        let below: u64 = rows.iter().filter(|r| r.1 <= 0.0).map(|r| r.2[k]).sum();
        let all: u64 = rows.iter().map(|r| r.2[k]).sum();
        let never = rows
            .iter()
            .find(|r| r.0 == f64::NEG_INFINITY)
            .map_or(0, |r| r.2[k]);
        assert_eq!(below as f64, column_sum(&out, f), "{f}: bins below 0");
        // every margin is counted once; the open bottom bin holds the
        // failures whose other instant never happened (no finite margin
        // here comes near -100000 s)
        assert_eq!(
            (all - never) as f64,
            column_sum(&out, &format!("{f}_margin_count")),
            "{f}: finite margins"
        );
        assert!(never > 100, "{f}: {never} items with a `never` margin");
    }
}

/// Bins of the margin `30 s - D` of a message whose visibility timeout (30 s
/// on the broker's clock, stamped by the broker) races its processing time
/// D, lognormal with median 8 s and 99th percentile 40 s: the bin
/// `[lo, hi)` holds `P(30 - hi < D <= 30 - lo) = F(30 - lo) - F(30 - hi)`,
/// `F(x) = ncdf(ln(x / 8) / sigma)`, `sigma = ln(40 / 8) / z99`,
/// `z99 = sqrt(2) erfinv(0.98)`: computed with mpmath at 40 digits,
/// independently of racesim, for every bin of the checkout model's edges
/// (0, +/- {1, 2, 5} x 10^k s, 1 ms to 100000 s) with a probability above
/// 1e-12 (printed as the nearest f64).
const QUEUE_BINS: [(f64, f64, f64); 35] = [
    (-2000.0, -1000.0, 1.094771865093003e-12),
    (-1000.0, -500.0, 6.737628434431984e-10),
    (-500.0, -200.0, 6.021299784083058e-07),
    (-200.0, -100.0, 2.7282730271029673e-05),
    (-100.0, -50.0, 0.0004090793324858779),
    (-50.0, -20.0, 0.003600880573213837),
    (-20.0, -10.0, 0.005962154559192622),
    (-10.0, -5.0, 0.006448582543737574),
    (-5.0, -2.0, 0.006096787317423775),
    (-2.0, -1.0, 0.002574558522328579),
    (-1.0, -0.5, 0.0014112878107124392),
    (-0.5, -0.2, 0.0008898620701166233),
    (-0.2, -0.1, 0.0003041072979145017),
    (-0.1, -0.05, 0.00015348704319601038),
    (-0.05, -0.02, 9.255477859513882e-05),
    (-0.02, -0.01, 3.0929009556865195e-05),
    (-0.01, -0.005, 1.547905094918502e-05),
    (-0.005, -0.002, 9.29208926065646e-06),
    (-0.002, -0.001, 3.0981398620247257e-06),
    (-0.001, 0.0, 3.098528340355788e-06),
    (0.0, 0.001, 3.09891687315634e-06),
    (0.001, 0.002, 3.0993054604347994e-06),
    (0.002, 0.005, 9.300248449880532e-06),
    (0.005, 0.01, 1.5508190915750404e-05),
    (0.01, 0.02, 3.104556950204605e-05),
    (0.02, 0.05, 9.337070174699916e-05),
    (0.05, 0.1, 0.0001564011049616443),
    (0.1, 0.2, 0.0003157643342112108),
    (0.2, 0.5, 0.0009714966906238218),
    (0.5, 1.0, 0.0017033457612157812),
    (1.0, 2.0, 0.0037507237305446422),
    (2.0, 5.0, 0.01469425880457611),
    (5.0, 10.0, 0.042897214470825916),
    (10.0, 20.0, 0.2808437332953567),
    (20.0, 50.0, 0.6264785146727422),
];

#[test]
fn the_margin_histogram_of_a_delay_against_a_deadline_is_the_lognormal() {
    let text = r#"
name = "queue-margin"
model = "race"
seed = 11
replications = 4
horizon = "1d"
[hosts.broker]
[hosts.consumer]
clock = { offset = "-7s" }
[race]
arrivals = { rate = "5000/h" }
[[race.instant]]
name = "delivered"
host = "broker"
stamp = true
[[race.instant]]
name = "acked"
after = "delivered"
delay = { lognormal = { median = "8s", p99 = "40s" } }
host = "consumer"
[[race.instant]]
name = "visible_again"
deadline = { host = "broker", stamp = "delivered", plus = "30s" }
[[race.failure]]
name = "processed_twice"
first = "visible_again"
before = "acked"
"#;
    let p = run_text(text, &[]);
    let n = p.metric("items").unwrap().figure.value;
    let table = racesim::models::race::MarginTable::of(&[p.view()]);
    let csv = racesim::model::ModelTable::csv(&table);
    let (_, rows) = margin_rows(&csv);
    let mut seen = 0;
    for (lo, hi, counts) in &rows {
        let c = counts[0] as f64;
        let Some(&(_, _, prob)) = QUEUE_BINS.iter().find(|b| b.0 == *lo && b.1 == *hi) else {
            panic!("bin [{lo}, {hi}) has {c} items; its probability is below 1e-12");
        };
        seen += 1;
        let mean = n * prob;
        // 3.3 binomial standard errors (items are independent: no clock
        // varies); a bin expecting few items gets a Poisson allowance
        let tol = 3.3 * (n * prob * (1.0 - prob)).sqrt() + if mean < 20.0 { 3.0 } else { 0.0 };
        assert!(
            (c - mean).abs() <= tol,
            "bin [{lo}, {hi}): {c} items, expected {mean:.1} +- {tol:.1}"
        );
    }
    for &(lo, hi, prob) in &QUEUE_BINS {
        if n * prob >= 5.0 {
            assert!(
                rows.iter().any(|r| r.0 == lo && r.1 == hi),
                "bin [{lo}, {hi}) expected {:.1} items, has none",
                n * prob
            );
        }
    }
    assert!(seen >= 25, "{seen} bins");
    // the bins below zero are the failures
    let below: u64 = rows.iter().filter(|r| r.1 <= 0.0).map(|r| r.2[0]).sum();
    assert_eq!(
        below as f64,
        p.metric("processed_twice").unwrap().figure.value
    );
}

const SHARD_ARGS: [&str; 5] = ["--replications", "5", "--set", "horizon=\"6h\"", "--quiet"];

/// The CSV files of a race result folder and its margin charts (the
/// daily chart of a merge is drawn from `daily.csv` alone, as `plot` draws
/// it, not from the replications).
fn folder(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().to_string();
            n.ends_with(".csv") || (n.starts_with("margin") && n.ends_with(".svg"))
        })
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().to_string(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn race_shards_merge_into_the_bytes_of_a_single_run() {
    let base = tempfile::tempdir().unwrap();
    racesim()
        .args([
            "run",
            "scenarios/three-frontends.toml",
            "--threads",
            "1",
            "--out",
        ])
        .arg(base.path())
        .args(SHARD_ARGS)
        .assert()
        .success();
    let whole = folder(&base.path().join("three-frontends"));
    let names: Vec<&str> = whole.iter().map(|(n, _)| n.as_str()).collect();
    for want in [
        "margin.csv",
        "margin-error_page.svg",
        "margin-link_expired.svg",
    ] {
        assert!(names.contains(&want), "no {want} in {names:?}");
    }
    for n in [2u64, 3] {
        let dir = tempfile::tempdir().unwrap();
        for k in 1..=n {
            racesim()
                .args([
                    "run",
                    "scenarios/three-frontends.toml",
                    "--threads",
                    "2",
                    "--shard",
                    &format!("{k}/{n}"),
                    "--out",
                ])
                .arg(dir.path())
                .args(SHARD_ARGS)
                .assert()
                .success();
        }
        let out = tempfile::tempdir().unwrap();
        let mut cmd = racesim();
        cmd.args(["merge", "--quiet", "--out"]).arg(out.path());
        for k in 1..=n {
            cmd.arg(dir.path().join(format!("three-frontends/shard-{k}-of-{n}")));
        }
        cmd.assert().success();
        let merged = folder(&out.path().join("three-frontends"));
        assert_eq!(
            merged.iter().map(|f| &f.0).collect::<Vec<_>>(),
            whole.iter().map(|f| &f.0).collect::<Vec<_>>(),
            "{n} shards: files"
        );
        for ((name, a), (_, b)) in merged.iter().zip(&whole) {
            assert!(a == b, "{n} shards: {name} differs from the single run's");
        }
    }
}

/// A race with replayed arrivals and constant delays: every row of its
/// event log follows by hand. Arrivals at 0, 2.5 s and 60 s; `paid` 500 ms
/// later on `web` (ideal clock), stamping its reading; `used` 1.2 s after
/// that on `api`, whose clock is 2 s ahead; `expiry` when `api`'s clock
/// reads the stamp plus 3 s, so 1 s after `paid` in true time.
#[test]
fn the_event_log_of_a_tiny_race_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("arrivals.csv"),
        "timestamp\n100\n102.5\n160\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("tiny.toml"),
        r#"name = "tiny"
model = "race"
seed = 1
replications = 1
horizon = "2m"
[hosts.web]
[hosts.api]
clock = { offset = "2s" }
[race]
arrivals = { trace = "arrivals.csv" }
[[race.instant]]
name = "paid"
delay = "500ms"
host = "web"
stamp = true
[[race.instant]]
name = "used"
after = "paid"
delay = "1200ms"
host = "api"
[[race.instant]]
name = "expiry"
deadline = { host = "api", stamp = "paid", plus = "3s" }
[[race.failure]]
name = "expired"
first = "expiry"
before = "used"
"#,
    )
    .unwrap();
    let events = dir.path().join("ev.csv");
    let out = racesim()
        .arg("trace")
        .arg(dir.path().join("tiny.toml"))
        .arg("--events")
        .arg(&events)
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("wrote 12 events (3 items, 0 polls) of replication 0 to"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want = "\
true_time_ns,true_time,web_local,api_local,kind,id,name,host,host_local,note
0,day 0 00:00:00.000,day 0 00:00:00.000,day 0 00:00:02.000,arrival,0,arrival,,,
500000000,day 0 00:00:00.500,day 0 00:00:00.500,day 0 00:00:02.500,instant,0,paid,web,day 0 00:00:00.500,stamp
1500000000,day 0 00:00:01.500,day 0 00:00:01.500,day 0 00:00:03.500,deadline,0,expiry,api,day 0 00:00:03.500,
1700000000,day 0 00:00:01.700,day 0 00:00:01.700,day 0 00:00:03.700,instant,0,used,api,day 0 00:00:03.700,
2500000000,day 0 00:00:02.500,day 0 00:00:02.500,day 0 00:00:04.500,arrival,1,arrival,,,
3000000000,day 0 00:00:03.000,day 0 00:00:03.000,day 0 00:00:05.000,instant,1,paid,web,day 0 00:00:03.000,stamp
4000000000,day 0 00:00:04.000,day 0 00:00:04.000,day 0 00:00:06.000,deadline,1,expiry,api,day 0 00:00:06.000,
4200000000,day 0 00:00:04.200,day 0 00:00:04.200,day 0 00:00:06.200,instant,1,used,api,day 0 00:00:06.200,
60000000000,day 0 00:01:00.000,day 0 00:01:00.000,day 0 00:01:02.000,arrival,2,arrival,,,
60500000000,day 0 00:01:00.500,day 0 00:01:00.500,day 0 00:01:02.500,instant,2,paid,web,day 0 00:01:00.500,stamp
61500000000,day 0 00:01:01.500,day 0 00:01:01.500,day 0 00:01:03.500,deadline,2,expiry,api,day 0 00:01:03.500,
61700000000,day 0 00:01:01.700,day 0 00:01:01.700,day 0 00:01:03.700,instant,2,used,api,day 0 00:01:03.700,
";
    assert_eq!(std::fs::read_to_string(&events).unwrap(), want);
}

/// The event log of a poller race: every poll is a row, time never goes
/// back, and the items the polls took are the `created` rows.
#[test]
fn the_event_log_lists_every_poll_and_what_it_took() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("ev.csv");
    racesim()
        .args([
            "trace",
            "scenarios/race-checkout.toml",
            "--set",
            "horizon=\"2h\"",
            "--events",
        ])
        .arg(&events)
        .assert()
        .success();
    let text = std::fs::read_to_string(&events).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let (t, kind, note, name) = (col("true_time_ns"), col("kind"), col("note"), col("name"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let times: Vec<i64> = rows.iter().map(|r| r[t].parse().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "not in time order");
    let took: u64 = rows
        .iter()
        .filter(|r| r[kind] == "poll")
        .map(|r| {
            r[note]
                .strip_prefix("took ")
                .unwrap()
                .parse::<u64>()
                .unwrap()
        })
        .sum();
    let created = rows.iter().filter(|r| r[kind] == "created").count() as u64;
    let arrivals = rows.iter().filter(|r| r[kind] == "arrival").count() as u64;
    let polls = rows.iter().filter(|r| r[kind] == "poll").count();
    assert!(
        arrivals > 50 && polls > 20,
        "{arrivals} arrivals, {polls} polls"
    );
    assert_eq!(took, created, "the polls took the created instants' items");
    assert_eq!(created, arrivals, "every item is moved in the end");
    assert!(
        rows.iter()
            .filter(|r| r[kind] == "created")
            .all(|r| r[name] == "moved")
    );
}

/// A deadline a day away on a clock that syncs every 64 s walks past
/// about 1350 syncs per item: the guard counts them before running, and
/// the run counts them among its events.
#[test]
fn a_far_deadline_on_a_syncing_clock_counts_for_the_guards() {
    let text = |plus: &str| {
        format!(
            r#"name = "far"
model = "race"
seed = 2
replications = 1
horizon = "1d"
[hosts.a]
clock = {{ sync = {{ interval = "64s", accuracy = "1ms", mode = "step" }} }}
[race]
arrivals = {{ rate = "100/h" }}
[[race.instant]]
name = "s"
host = "a"
stamp = true
[[race.instant]]
name = "d"
deadline = {{ host = "a", stamp = "s", plus = "{plus}" }}
[[race.instant]]
name = "u"
after = "s"
delay = "1s"
host = "a"
[[race.failure]]
name = "f"
first = "d"
before = "u"
"#
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let near = dir.path().join("near.toml");
    let far = dir.path().join("far.toml");
    std::fs::write(&near, text("1s")).unwrap();
    std::fs::write(&far, text("1d")).unwrap();
    // 2400 items; 1350 syncs each for the far deadline: about 3.2e6 events
    let err = racesim()
        .args(["run", "--max-events", "1e6", "--no-charts", "--out"])
        .arg(dir.path())
        .arg(&far)
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains("clock steps"), "{err}");
    racesim()
        .args([
            "run",
            "--quiet",
            "--max-events",
            "1e6",
            "--no-charts",
            "--out",
        ])
        .arg(dir.path())
        .arg(&near)
        .assert()
        .success();
    racesim()
        .args(["run", "--quiet", "--no-charts", "--out"])
        .arg(dir.path())
        .arg(&far)
        .assert()
        .success();
    let items = column_sum(&dir.path().join("far"), "items");
    let events = column_sum(&dir.path().join("far"), "events");
    assert!(
        events > items * 1000.0,
        "{events} events for {items} items: the deadlines' clock work is counted"
    );
}

/// The estimate says the run-out is left out and by how much it can change
/// the rate, and gives no closed form when that is not small.
#[test]
fn the_estimate_accounts_for_the_run_out() {
    let est = |extra: &[&str]| {
        let out = racesim()
            .args(["estimate", "scenarios/jwt-not-yet-valid.toml"])
            .args(extra)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap() + &String::from_utf8(out.stderr).unwrap()
    };
    let default = est(&[]);
    assert!(
        default
            .contains("the run-out (run_out = 1 day) is left out: it changes the rate by at most"),
        "{default}"
    );
    assert!(default.contains("not_yet_valid_rate = 0.341"), "{default}");
    // a use delay (median 300 ms, p99 3 s) beyond 1 s: P = 1 - ncdf(ln(1 /
    // 0.3) / (ln 10 / z99)) = 0.1119 (mpmath), far from small beside 0.341
    let short = est(&["--set", "race.run_out=\"1s\""]);
    assert!(
        short.contains("no closed form: the run-out (run_out = 1s) may cut off the instants of up to 1.119e-1 of the items"),
        "{short}"
    );
    assert!(!short.contains("not_yet_valid_rate = "), "{short}");
}
