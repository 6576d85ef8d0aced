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

#[test]
fn terminal_events_csv_is_the_replication_run_simulates() {
    // A small, busy fleet: some false reversals, resubmissions, the scan.
    let sets = [
        "--set",
        "terminal.terminals=6",
        "--set",
        "horizon=\"3d\"",
        "--set",
        "terminal.daily_transactions={ uniform = { low = 1000, high = 1400 } }",
        "--set",
        "terminal.customers.regulars=15",
        "--set",
        "terminal.resubmit.probability=0.01",
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("requests.csv");
    let out = racesim()
        .args([
            "trace",
            "scenarios/cinnamon-twist.toml",
            "--replication",
            "1",
            "--events",
        ])
        .arg(&path)
        .args(sets)
        .assert()
        .success()
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("of replication 1 to"), "{err}");
    let mut r = csv::Reader::from_path(&path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header.join(","),
        "true_time_ns,true_time,terminal,day,kind,request,position,counter,batch,card,amount,related"
    );
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    let count = |k: &str| rows.iter().filter(|r| &r[4] == k).count() as f64;
    let times: Vec<i64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "rows in time order");

    // replications.csv of a run of the same scenario: replication 1.
    racesim()
        .args([
            "run",
            "scenarios/cinnamon-twist.toml",
            "--replications",
            "2",
        ])
        .args(sets)
        .args(["--no-charts", "--quiet", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let text = std::fs::read_to_string(dir.path().join("cinnamon-twist/replications.csv")).unwrap();
    let mut rr = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let h: Vec<String> = rr.headers().unwrap().iter().map(String::from).collect();
    let rep = rr
        .records()
        .map(|x| x.unwrap())
        .find(|x| &x[1] == "1")
        .expect("replication 1");
    let value = |name: &str| -> f64 {
        rep[h.iter().position(|c| c == name).unwrap()]
            .parse()
            .unwrap()
    };
    assert!(
        value("false_reversals") > 0.0,
        "the case has false reversals"
    );
    assert_eq!(count("false_reversal"), value("false_reversals"));
    assert_eq!(count("purchase"), value("transactions"));
    assert_eq!(count("resubmission"), value("resubmissions"));
    assert_eq!(count("reversal_true_duplicate"), value("true_duplicates"));
    assert_eq!(count("missed_duplicate"), value("missed_duplicates"));
    assert_eq!(count("alert") + count("false_alert"), value("alerts"));
    // A false reversal names the request it reversed, logged before it.
    let fr = rows.iter().find(|r| &r[4] == "false_reversal").unwrap();
    let reversed = rows
        .iter()
        .position(|r| &r[4] == "purchase" && r[5] == fr[5])
        .expect("the reversed purchase");
    let by = rows
        .iter()
        .position(|r| &r[4] == "purchase" && r[5] == fr[11])
        .expect("the later purchase");
    assert!(reversed < by);
    assert_eq!(rows[reversed][7], rows[by][7], "same counter");
    assert_eq!(rows[reversed][9], rows[by][9], "same card");
}

/// A tiny clocked fleet for the request log: one terminal, 3 purchases a
/// day between 00:00 and 02:00 on its clock, each resubmitted 10 minutes
/// later; the terminal 4 minutes fast, the processor an hour behind (its
/// midnight at the terminal's 01:04), the duplicate check on the
/// processor's day.
const TINY_CLOCKS: &str = r#"name = "tiny-clocks"
model = "terminal"
seed = 6
horizon = "2d"

[terminal]
terminals = 1
daily_transactions = 3
day_to_day = "fixed"
open = "00:00"
close = "02:00"

[terminal.menu]
prices = [{ price = "2.50" }]

[terminal.resubmit]
probability = 1
delay = "10m"

[terminal.dedup]
scope = "day"
clock = "processor"

[terminal.clock]
offset = "4m"

[terminal.processor]
zone = "-1h"
"#;

/// `[-]day D HH:MM:SS.mmm` in milliseconds.
fn reading_ms(s: &str) -> i64 {
    let (sign, s) = match s.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, s),
    };
    let (day, hms) = s
        .strip_prefix("day ")
        .and_then(|r| r.split_once(' '))
        .unwrap();
    let (h, rest) = hms.split_once(':').unwrap();
    let (m, rest) = rest.split_once(':').unwrap();
    let (sec, ms) = rest.split_once('.').unwrap();
    let v = |x: &str| x.parse::<i64>().unwrap();
    sign * ((((v(day) * 24 + v(h)) * 60 + v(m)) * 60 + v(sec)) * 1000 + v(ms))
}

#[test]
fn terminal_events_with_clocks_show_true_time_and_both_readings() {
    // The bug this guards: the log's `true_time` was the terminal's clock
    // reading. Now `true_time` is true time, `terminal_clock` reads 4
    // minutes ahead of it and `processor_clock` an hour behind, on every
    // row; rows are in true-time order. The two resubmissions whose
    // original is before the processor's midnight (the terminal's 01:04)
    // and which arrive after it are not caught (`missed_duplicate`), as in
    // `run`'s replication 0 of the same scenario.
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("tiny-clocks.toml");
    std::fs::write(&scenario, TINY_CLOCKS).unwrap();
    let path = dir.path().join("requests.csv");
    racesim()
        .arg("trace")
        .arg(&scenario)
        .arg("--events")
        .arg(&path)
        .assert()
        .success();
    let text = std::fs::read_to_string(&path).unwrap();
    let expected = "\
true_time_ns,true_time,terminal_clock,processor_clock,terminal,day,kind,request,position,counter,batch,card,amount,related
2429742560580,day 0 00:40:29.742,day 0 00:44:29.742,-day 0 00:19:30.257,0,0,purchase,0-0-1,1,001,1,**** **** **** 5003 (one-off #0),2.50,
3029742560580,day 0 00:50:29.742,day 0 00:54:29.742,-day 0 00:09:30.257,0,0,resubmission,0-0-1r,1,001,1,**** **** **** 5003 (one-off #0),2.50,0-0-1
3029742560580,day 0 00:50:29.742,day 0 00:54:29.742,-day 0 00:09:30.257,0,0,reversal_true_duplicate,0-0-1,1,001,1,**** **** **** 5003 (one-off #0),2.50,0-0-1r
3333509687048,day 0 00:55:33.509,day 0 00:59:33.509,-day 0 00:04:26.490,0,0,purchase,0-0-2,2,002,1,**** **** **** 2922 (one-off #1),2.50,
3650287271769,day 0 01:00:50.287,day 0 01:04:50.287,day 0 00:00:50.287,0,0,purchase,0-0-3,3,003,1,**** **** **** 0841 (one-off #2),2.50,
3933509687048,day 0 01:05:33.509,day 0 01:09:33.509,day 0 00:05:33.509,0,0,resubmission,0-0-2r,2,002,1,**** **** **** 2922 (one-off #1),2.50,0-0-2
3933509687048,day 0 01:05:33.509,day 0 01:09:33.509,day 0 00:05:33.509,0,0,missed_duplicate,0-0-2r,2,002,1,**** **** **** 2922 (one-off #1),2.50,0-0-2
4250287271769,day 0 01:10:50.287,day 0 01:14:50.287,day 0 00:10:50.287,0,0,resubmission,0-0-3r,3,003,1,**** **** **** 0841 (one-off #2),2.50,0-0-3
4250287271769,day 0 01:10:50.287,day 0 01:14:50.287,day 0 00:10:50.287,0,0,reversal_true_duplicate,0-0-3,3,003,1,**** **** **** 0841 (one-off #2),2.50,0-0-3r
88701463344465,day 1 00:38:21.463,day 1 00:42:21.463,day 0 23:38:21.463,0,1,purchase,0-1-1,1,001,1,**** **** **** 5003 (one-off #0),2.50,
89301463344465,day 1 00:48:21.463,day 1 00:52:21.463,day 0 23:48:21.463,0,1,resubmission,0-1-1r,1,001,1,**** **** **** 5003 (one-off #0),2.50,0-1-1
89301463344465,day 1 00:48:21.463,day 1 00:52:21.463,day 0 23:48:21.463,0,1,reversal_true_duplicate,0-1-1,1,001,1,**** **** **** 5003 (one-off #0),2.50,0-1-1r
89622148939817,day 1 00:53:42.148,day 1 00:57:42.148,day 0 23:53:42.148,0,1,purchase,0-1-2,2,002,1,**** **** **** 2922 (one-off #1),2.50,
90222148939817,day 1 01:03:42.148,day 1 01:07:42.148,day 1 00:03:42.148,0,1,resubmission,0-1-2r,2,002,1,**** **** **** 2922 (one-off #1),2.50,0-1-2
90222148939817,day 1 01:03:42.148,day 1 01:07:42.148,day 1 00:03:42.148,0,1,missed_duplicate,0-1-2r,2,002,1,**** **** **** 2922 (one-off #1),2.50,0-1-2
92764249203978,day 1 01:46:04.249,day 1 01:50:04.249,day 1 00:46:04.249,0,1,purchase,0-1-3,3,003,1,**** **** **** 0841 (one-off #2),2.50,
93364249203978,day 1 01:56:04.249,day 1 02:00:04.249,day 1 00:56:04.249,0,1,resubmission,0-1-3r,3,003,1,**** **** **** 0841 (one-off #2),2.50,0-1-3
93364249203978,day 1 01:56:04.249,day 1 02:00:04.249,day 1 00:56:04.249,0,1,reversal_true_duplicate,0-1-3,3,003,1,**** **** **** 0841 (one-off #2),2.50,0-1-3r
";
    assert_eq!(text, expected);
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let mut last = i64::MIN;
    for row in r.records().map(|x| x.unwrap()) {
        let true_ns: i64 = row[0].parse().unwrap();
        assert!(true_ns >= last, "true-time order");
        last = true_ns;
        // `true_time` is `true_time_ns` (truncated to the millisecond).
        assert_eq!(reading_ms(&row[1]), true_ns.div_euclid(1_000_000));
        let t = reading_ms(&row[1]);
        let (term, proc) = (reading_ms(&row[2]), reading_ms(&row[3]));
        assert!((term - t - 240_000).abs() <= 1, "{:?}", row);
        assert!((t - proc - 3_600_000).abs() <= 1, "{:?}", row);
    }
    assert_eq!(text.matches(",missed_duplicate,").count(), 2);
}

#[test]
fn trace_clocks_lists_the_terminals_and_the_processor() {
    // Terminal 1's clock steps back 30 minutes at 22:55 on day 0 and
    // forward again at noon on day 1; terminal 0's is ideal. The listing
    // shows both terminals (the whole fleet: fewer than the sample's 6)
    // and the processor, as a host's clock is listed.
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("step-back.toml");
    let text = TINY_CLOCKS
        .replace("name = \"tiny-clocks\"", "name = \"step-back\"")
        .replace("terminals = 1", "terminals = 2")
        .replace(
            "[terminal.clock]\noffset = \"4m\"",
            "[terminal.clock]\nsteps = [\n  { at = \"22h55m\", by = \"-30m\", terminals = [1] },\n  { at = \"1d12h\", by = \"30m\", terminals = [1] },\n]",
        )
        .replace("[terminal.processor]\nzone = \"-1h\"\n", "");
    std::fs::write(&scenario, text).unwrap();
    let out = racesim()
        .arg("trace")
        .arg(&scenario)
        .arg("--clocks")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "step-back: clocks of replication 0 (seed 6) over 2 days

terminal 0: ideal (reads true time)
  largest offset: 0s at day 0 00:00:00.000

terminal 1: offset 0s at t = 0; frequency error 0.000 ppm at t = 0
  step by -30m at day 0 22:55:00.000: offset 0s -> -30m
  step by 30m at day 1 12:00:00.000: offset -30m -> 0s
  largest offset: -30m at day 0 22:55:00.000

processor: ideal (reads true time)
  largest offset: 0s at day 0 00:00:00.000
"
    );
}
