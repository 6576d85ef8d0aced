//! Property test: the scenario loader never panics, whatever text it is given.
//!
//! The inputs are the shipped scenarios with a few random mutations (a line
//! deleted, duplicated or swapped, a value replaced by a random string, number
//! or table, the text truncated or random bytes inserted, a key renamed),
//! random `--set` overrides on top, and fully random text. Loading must return
//! `Ok` or `Err`; an `Ok` scenario must satisfy the invariants validation
//! promises, and an `Err` must render a message that names the file.
//!
//! It runs 10,000 cases from a fixed seed ([`FUZZ_SEED`]), about 15 s at the
//! test profile (opt-level 2) on one core; about 20% of them load. Set
//! `PROPTEST_CASES` to run more or fewer, `PROPTEST_RNG_SEED` for other cases.

use proptest::prelude::*;
use proptest::sample::Index;
use racesim::scenario::{self, Override, Source};
use racesim::time::{MAX_HORIZON, SimDuration};

/// The file name every fuzzed source is loaded as.
const FILE: &str = "fuzz.toml";

/// Cases per run in CI.
const CASES: u32 = 10_000;

/// The generator's seed: every run tries the same cases.
const FUZZ_SEED: u64 = 0x7ace_5eed;

/// The shipped checkout scenario, the main text mutations start from.
const LISA: &str = include_str!("../../scenarios/lisa.toml");

/// A shipped terminal scenario, mutated less often: its back-of-envelope makes
/// a successful load cost about 50 ms, against 1.5 ms for lisa.
const CINNAMON: &str = include_str!("../../scenarios/cinnamon-twist.toml");

/// Key paths of the shipped scenarios, for overrides that reach real keys.
const PATHS: &[&str] = &[
    "name",
    "seed",
    "replications",
    "horizon",
    "estimator",
    "hosts.web.clock",
    "hosts.transfer.clock.offset",
    "hosts.transfer.clock.drift_ppm",
    "hosts.transfer.clock.sync",
    "hosts.transfer.clock.outages",
    "checkout.arrivals",
    "checkout.arrivals.profile",
    "checkout.arrivals.profile.3",
    "checkout.redirect_latency",
    "checkout.retries",
    "transfer.grace",
    "transfer.poll_interval",
    "transfer.batch_limit",
    "terminal.terminals",
    "terminal.daily_transactions",
    "terminal.customers.regular_share",
    "terminal.menu.prices.0.weight",
    "terminal.dedup.scope",
    "sweep.transfer.grace",
    "expect.0.max",
];

/// One edit of a scenario's text.
#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(Index),
    DuplicateLine(Index),
    SwapLines(Index, Index),
    /// Replace what follows the first `=` of a line (or, inside a
    /// `{ ... }`, what follows the `=` of one of its entries).
    ReplaceValue(Index, Index, String),
    /// Replace the key before the first `=` (or a `[table]` name).
    RenameKey(Index, String),
    Truncate(Index),
    Insert(Index, String),
}

/// Scalars in TOML syntax (whitespace-separated): edge values, and strings of
/// the format's units and names.
const SCALARS: &str = r#"nan inf -inf -0.0 1e308 -1e308 0 1 -1 0.5 true "" "0s" "-6m" "1e9d" "300years" "120/h" "-1/s" "nan/h" "rollover" "slew" "frequency" "cold" "day" 1979-05-27T07:32:00Z"#;

/// Keys of distributions, sweeps and clocks, for random inline tables.
const KEYS: &str = "mean sd low high median p99 mu sigma shape scale weight value dist uniform normal lognormal exponential gamma weibull pareto empirical choice mixture window from to steps interval accuracy discipline residual_ppm time_constant start rate trace file column";

/// A TOML value, mostly well-formed, often of the wrong type or out of range.
fn value() -> impl Strategy<Value = String> {
    let scalar = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (-3i64..3).prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|x| format!("{x:?}")),
        prop::sample::select(SCALARS.split_whitespace().collect::<Vec<_>>())
            .prop_map(str::to_string),
        "[0-9]{1,4}(ms|s|m|h|d|y|ns|us)".prop_map(|d| format!("\"{d}\"")),
        "[ -~]{0,12}".prop_map(|s| toml::Value::String(s).to_string()),
    ];
    scalar.prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec(
                (
                    prop::sample::select(KEYS.split_whitespace().collect::<Vec<_>>()),
                    inner
                ),
                0..3
            )
            .prop_map(|kv| {
                let body: Vec<String> = kv.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                format!("{{ {} }}", body.join(", "))
            }),
        ]
    })
}

/// A scalar of a type the scenario format takes, often out of range: what a
/// careless edit of a real scenario looks like.
fn plausible() -> impl Strategy<Value = String> {
    prop_oneof![
        (-2i64..5).prop_map(|n| n.to_string()),
        (-1.5f64..2.5).prop_map(|x| format!("{x:?}")),
        prop::sample::select(vec![
            "0",
            "-1",
            "1e9",
            "4294967296",
            "nan",
            "inf",
            "0.0",
            "24"
        ])
        .prop_map(str::to_string),
        (
            "-?[0-9]{1,3}",
            prop::sample::select(vec!["ns", "ms", "s", "m", "h", "d", "w"])
        )
            .prop_map(|(n, u)| format!("\"{n}{u}\"")),
        (
            "[0-9]{1,4}",
            prop::sample::select(vec!["s", "m", "h", "d", "x"])
        )
            .prop_map(|(n, u)| format!("\"{n}/{u}\"")),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => any::<Index>().prop_map(Mutation::DeleteLine),
        1 => any::<Index>().prop_map(Mutation::DuplicateLine),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        3 => (any::<Index>(), any::<Index>(), value())
            .prop_map(|(i, j, v)| Mutation::ReplaceValue(i, j, v)),
        3 => (any::<Index>(), any::<Index>(), plausible())
            .prop_map(|(i, j, v)| Mutation::ReplaceValue(i, j, v)),
        1 => (any::<Index>(), "[a-z_][a-z0-9_.]{0,12}").prop_map(|(i, k)| Mutation::RenameKey(i, k)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        1 => (
            any::<Index>(),
            prop_oneof![
                prop::collection::vec(any::<u8>(), 1..8)
                    .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
                "[\\[\\]{}=\",.\\n#'\\\\ ]{1,4}",
                any::<String>(),
            ]
        )
            .prop_map(|(i, s)| Mutation::Insert(i, s)),
    ]
}

/// The largest char boundary of `s` at or before `i`.
fn boundary(s: &str, i: usize) -> usize {
    (0..=i.min(s.len()))
        .rev()
        .find(|&j| s.is_char_boundary(j))
        .unwrap_or(0)
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let n = lines.len();
    match m {
        Mutation::DeleteLine(i) => {
            lines.remove(i.index(n));
        }
        Mutation::DuplicateLine(i) => {
            let l = lines[i.index(n)].clone();
            lines.insert(i.index(n), l);
        }
        Mutation::SwapLines(a, b) => lines.swap(a.index(n), b.index(n)),
        Mutation::ReplaceValue(i, j, v) => {
            let l = &mut lines[i.index(n)];
            let eqs: Vec<usize> = l.match_indices('=').map(|(k, _)| k).collect();
            if !eqs.is_empty() {
                // the value runs to the next `,` or `}` after a nested `=`, or
                // to the end of the line after the first
                let k = j.index(eqs.len());
                let start = eqs[k] + 1;
                let end = if k == 0 {
                    l.len()
                } else {
                    l[start..].find([',', '}']).map_or(l.len(), |e| start + e)
                };
                *l = format!("{} {v}{}", &l[..start], &l[end..]);
            }
        }
        Mutation::RenameKey(i, k) => {
            let l = &mut lines[i.index(n)];
            if let Some(eq) = l.find('=') {
                *l = format!("{k} {}", &l[eq..]);
            } else if l.starts_with('[') {
                *l = format!("[{k}]");
            }
        }
        Mutation::Truncate(i) => {
            let at = boundary(text, i.index(text.len() + 1));
            return text[..at].to_string();
        }
        Mutation::Insert(i, s) => {
            let at = boundary(text, i.index(text.len() + 1));
            return format!("{}{s}{}", &text[..at], &text[at..]);
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// A source text: a shipped scenario with 1 to 4 mutations, or random text.
fn text() -> impl Strategy<Value = String> {
    let mutated = |seed: &'static str| {
        prop::collection::vec(mutation(), 1..4)
            .prop_map(move |ms| ms.iter().fold(seed.to_string(), |t, m| apply(&t, m)))
    };
    prop_oneof![
        16 => mutated(LISA),
        1 => mutated(CINNAMON),
        2 => any::<String>(),
        2 => "([\\[\\]{}=\",.\\n#a-z0-9 _-]|name|model|horizon|checkout|transfer){0,120}",
    ]
}

/// Zero to two `--set` overrides: known or random paths, random values.
fn overrides() -> impl Strategy<Value = Vec<Override>> {
    let path = prop_oneof![
        3 => prop::sample::select(PATHS.to_vec()).prop_map(str::to_string),
        1 => "[a-z0-9]{1,6}(\\.[a-z0-9]{1,6}){0,3}",
        1 => "[a-z0-9. ]{0,10}",
    ];
    let value = prop_oneof![value(), "[ -~]{0,12}"];
    let some = prop::collection::vec(
        (path, value).prop_map(|(path, value)| Override { path, value }),
        1..3,
    );
    prop_oneof![3 => Just(Vec::new()), 1 => some]
}

/// What a successfully loaded scenario must satisfy.
#[track_caller]
fn check_scenario(sc: &scenario::Scenario) {
    assert!(!sc.name.trim().is_empty(), "empty name");
    assert!(sc.horizon > SimDuration::ZERO, "horizon {}", sc.horizon);
    assert!(sc.horizon <= MAX_HORIZON, "horizon {}", sc.horizon);
    assert!(sc.replications >= 1, "replications {}", sc.replications);
    assert!(sc.days() >= 1);
    let metrics = sc.metrics();
    assert!(!metrics.is_empty(), "no metrics");
    for e in &sc.expects {
        assert!(e.max.is_some() || e.min.is_some(), "{e:?}");
        assert!(metrics.iter().any(|m| m.name == e.metric), "{e:?}");
    }
    for axis in &sc.sweep {
        assert!(!axis.values.is_empty(), "{axis:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(CASES),
        // a fixed seed: the same cases on every run, so a failure is
        // reproducible and CI never flakes (PROPTEST_RNG_SEED picks others)
        rng_seed: match std::env::var("PROPTEST_RNG_SEED") {
            Ok(_) => ProptestConfig::default().rng_seed,
            Err(_) => proptest::test_runner::RngSeed::Fixed(FUZZ_SEED),
        },
        ..ProptestConfig::default()
    })]

    /// Loading random and mutated scenarios returns `Ok` or `Err`, never
    /// panics, and an error names the file and renders.
    #[test]
    fn loading_never_panics(text in text(), overrides in overrides()) {
        let source = Source::from_text(FILE, text.as_str());
        match scenario::load(&source, &overrides) {
            Ok(sc) => check_scenario(&sc),
            Err(e) => {
                let shown = e.to_string();
                prop_assert!(shown.starts_with(FILE), "{shown}");
                prop_assert!(!e.message.is_empty(), "{shown}");
                if let Some(line) = e.line {
                    prop_assert!(line >= 1 && line <= text.lines().count() + 1, "{shown}");
                }
            }
        }
    }
}
