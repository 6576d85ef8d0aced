//! Host clocks from the outside: the key reference in docs/clocks.md against
//! the keys the loader accepts, and `racesim trace --clocks`.

use racesim::scenario::{self, Source};

use crate::util::racesim;

/// The keys the loader accepts in a table, read from its error for an
/// unknown key ("unknown field `bogus`, expected one of `a`, `b`, ...").
fn accepted_keys(clock: &str) -> Vec<String> {
    let text = crate::util::CHECKOUT_BASE.replacen("offset = \"6m\"", clock, 1);
    let err = scenario::load(&Source::from_text("t.toml", &text), &[])
        .expect_err("an unknown key is refused")
        .to_string();
    let list = err
        .split("expected one of ")
        .nth(1)
        .unwrap_or_else(|| panic!("no list of keys in: {err}"));
    let list = list.lines().next().unwrap();
    list.split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, k)| k.to_string())
        .collect()
}

#[test]
fn docs_list_every_clock_and_sync_key() {
    let docs = std::fs::read_to_string("docs/clocks.md").unwrap();
    let clock = accepted_keys("bogus = 1");
    let sync = accepted_keys("sync = { interval = \"64s\", accuracy = \"1ms\", bogus = 1 }");
    assert!(
        clock.len() >= 6 && clock.contains(&"sync".to_string()),
        "{clock:?}"
    );
    assert!(sync.contains(&"discipline".to_string()), "{sync:?}");
    for key in clock.iter().chain(&sync) {
        assert!(
            docs.contains(&format!("\n| `{key}` |")),
            "docs/clocks.md has no table row for `{key}`"
        );
    }
}

#[test]
fn docs_example_loads() {
    // The first TOML example of docs/clocks.md is a valid host.
    let docs = std::fs::read_to_string("docs/clocks.md").unwrap();
    let example = docs
        .split("```toml\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .unwrap();
    let text = crate::util::CHECKOUT_BASE.replacen("[hosts.web]\n", example, 1);
    let sc =
        scenario::load(&Source::from_text("t.toml", &text), &[]).unwrap_or_else(|e| panic!("{e}"));
    let web = &sc.hosts["web"];
    assert!(matches!(
        web.sync.as_ref().map(|s| &s.discipline),
        Some(racesim::clock::Discipline::Frequency(_))
    ));
}

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
fn trace_clocks_lists_every_sync_with_the_frequency_learned() {
    let text = stdout(&["trace", "scenarios/lisa-ntp.toml", "--clocks"]);
    // 7 days of syncs every 1024 s: 590 or 591 per host (the phase is drawn).
    for host in ["web", "transfer"] {
        let block = text
            .split(&format!("\n{host}: "))
            .nth(1)
            .unwrap_or_else(|| panic!("no {host} in:\n{text}"));
        let block = block.split("\n\n").next().unwrap();
        let syncs = block
            .lines()
            .filter(|l| l.starts_with("  sync at "))
            .count();
        assert!((590..=591).contains(&syncs), "{host}: {syncs} syncs");
        let first = block.lines().find(|l| l.starts_with("  sync at ")).unwrap();
        assert!(
            first.contains(", slewing to ") && first.contains(", frequency "),
            "{first}"
        );
        assert!(
            block.contains(
                "frequency learned: residual sd 0.1 ppm, time constant 9h 6m 8s, warm start"
            ),
            "{block}"
        );
        assert!(block.contains("\n  largest offset: "), "{block}");
    }
    let json = stdout(&[
        "trace",
        "scenarios/lisa-ntp.toml",
        "--clocks",
        "--format",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let hosts = doc["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), 2);
    for h in hosts {
        let events = h["events"].as_array().unwrap();
        let sync = events.iter().find(|e| e["kind"] == "sync").unwrap();
        // warm start: nothing left to learn, before == after
        assert_eq!(sync["frequency_before_ppm"], sync["frequency_ppm"]);
        // the largest offset is a breakpoint's offset or an end's
        let largest = h["largest_offset_ns"].as_i64().unwrap();
        assert!(largest.abs() < 20_000_000, "{largest} ns");
    }
}

#[test]
fn trace_clocks_of_an_ideal_and_a_stepped_clock() {
    let text = stdout(&["trace", "scenarios/lisa.toml", "--clocks"]);
    assert!(text.contains("\nweb: ideal (reads true time)\n"), "{text}");
    assert!(text.contains("\ntransfer: offset 6m at t = 0; frequency error 0.000 ppm at t = 0\n  largest offset: 6m at day 0 00:00:00.000\n"), "{text}");
}
