//! Golden outputs of the commands the release golden script does not cover
//! (`sweep`, `check`, `merge` of shards, `report`, `solve`, `plot`,
//! `trace --events`, `trace --clocks`, `run --target-precision`, `estimate`
//! as a table): every byte of their standard output, standard error, exit
//! code and files, compared with `tests/golden/CASE.txt`, so a refactor
//! cannot change a figure or a file silently.
//!
//! Text files (CSV, JSON, Markdown, plain text) are stored whole; SVG, PNG
//! and HTML files (large, and generated from the same figures) are stored as
//! their length and FNV-1a hash. The temporary folder a case writes into is
//! written `<W>` in the stored text.
//!
//! Regenerate on purpose only, after checking that a change of output is
//! intended: `RACESIM_UPDATE_GOLDEN=1 cargo test --test it golden`.

use std::path::{Path, PathBuf};

use crate::util::racesim;

/// One command line; `{W}` stands for the case's temporary folder.
type Step = &'static [&'static str];

/// A case: its name (the golden file's stem) and its commands, run in order
/// from the repository's root.
struct Case {
    name: &'static str,
    steps: &'static [Step],
}

const CASES: &[Case] = &[
    Case {
        name: "sweep-checkout",
        steps: &[&[
            "sweep",
            "scenarios/lisa.toml",
            "--vary",
            "transfer.grace=4m..6m/2",
            "--replications",
            "3",
            "--out",
            "{W}",
            "--format",
            "json",
        ]],
    },
    Case {
        name: "sweep-two-keys",
        steps: &[&[
            "sweep",
            "scenarios/lisa.toml",
            "--vary",
            "transfer.grace=4m,6m",
            "--vary",
            "hosts.transfer.clock.offset=5m,7m",
            "--replications",
            "2",
            "--out",
            "{W}",
            "--format",
            "csv",
        ]],
    },
    Case {
        name: "sweep-terminal",
        steps: &[&[
            "sweep",
            "scenarios/cinnamon-twist.toml",
            "--vary",
            "terminal.terminals=20,40",
            "--set",
            "horizon=\"3d\"",
            "--replications",
            "2",
            "--out",
            "{W}",
            "--format",
            "json",
        ]],
    },
    Case {
        name: "check",
        steps: &[
            &[
                "check",
                "scenarios/lisa.toml",
                "scenarios/cinnamon-window.toml",
                "--replications",
                "3",
                "--set",
                "horizon=\"3d\"",
                "--format",
                "markdown",
            ],
            &[
                "check",
                "scenarios/cinnamon-twist.toml",
                "--replications",
                "2",
                "--set",
                "horizon=\"2d\"",
                "--format",
                "json",
            ],
            &[
                "run",
                "scenarios/lisa.toml",
                "--replications",
                "3",
                "--set",
                "horizon=\"1d\"",
                "--out",
                "{W}/base",
                "--quiet",
                "--no-charts",
            ],
            &[
                "check",
                "scenarios/lisa.toml",
                "--replications",
                "4",
                "--set",
                "horizon=\"1d\"",
                "--baseline",
                "{W}/base/lisa/summary.json",
            ],
        ],
    },
    Case {
        name: "merge-checkout",
        steps: &[
            &[
                "run",
                "scenarios/lisa.toml",
                "--replications",
                "5",
                "--set",
                "horizon=\"1d\"",
                "--shard",
                "1/2",
                "--out",
                "{W}/shards",
                "--quiet",
            ],
            &[
                "run",
                "scenarios/lisa.toml",
                "--replications",
                "5",
                "--set",
                "horizon=\"1d\"",
                "--shard",
                "2/2",
                "--out",
                "{W}/shards",
                "--quiet",
            ],
            &[
                "merge",
                "{W}/shards/lisa/shard-1-of-2",
                "{W}/shards/lisa/shard-2-of-2",
                "--out",
                "{W}/merged",
            ],
        ],
    },
    Case {
        name: "merge-sweep",
        steps: &[
            &[
                "run",
                "tests/fixtures/lisa-sweep.toml",
                "--shard",
                "1/2",
                "--out",
                "{W}/shards",
                "--quiet",
                "--no-charts",
            ],
            &[
                "run",
                "tests/fixtures/lisa-sweep.toml",
                "--shard",
                "2/2",
                "--out",
                "{W}/shards",
                "--quiet",
                "--no-charts",
            ],
            &[
                "merge",
                "{W}/shards/lisa-sweep/shard-2-of-2/replications.csv",
                "{W}/shards/lisa-sweep/shard-1-of-2/replications.csv",
                "--out",
                "{W}/merged",
                "--format",
                "csv",
            ],
        ],
    },
    Case {
        name: "merge-terminal-parts",
        steps: &[
            &[
                "run",
                "scenarios/cinnamon-twist.toml",
                "--replications",
                "1",
                "--set",
                "horizon=\"2d\"",
                "--shard",
                "1/3",
                "--out",
                "{W}/shards",
                "--quiet",
            ],
            &[
                "run",
                "scenarios/cinnamon-twist.toml",
                "--replications",
                "1",
                "--set",
                "horizon=\"2d\"",
                "--shard",
                "2/3",
                "--out",
                "{W}/shards",
                "--quiet",
            ],
            &[
                "run",
                "scenarios/cinnamon-twist.toml",
                "--replications",
                "1",
                "--set",
                "horizon=\"2d\"",
                "--shard",
                "3/3",
                "--out",
                "{W}/shards",
                "--quiet",
            ],
            &[
                "merge",
                "{W}/shards/cinnamon-twist/shard-1-of-3",
                "{W}/shards/cinnamon-twist/shard-2-of-3",
                "{W}/shards/cinnamon-twist/shard-3-of-3",
                "--out",
                "{W}/merged",
                "--format",
                "json",
            ],
        ],
    },
    Case {
        name: "report-checkout",
        steps: &[&[
            "report",
            "scenarios/lisa-ntp.toml",
            "--replications",
            "3",
            "--set",
            "horizon=\"1d\"",
            "--out",
            "{W}",
        ]],
    },
    Case {
        name: "report-terminal",
        steps: &[&[
            "report",
            "scenarios/cinnamon-window.toml",
            "--replications",
            "2",
            "--set",
            "horizon=\"3d\"",
            "--out",
            "{W}",
        ]],
    },
    Case {
        name: "report-sweep",
        steps: &[&["report", "tests/fixtures/lisa-sweep.toml", "--out", "{W}"]],
    },
    Case {
        name: "solve",
        steps: &[
            &[
                "solve",
                "scenarios/lisa.toml",
                "--vary",
                "hosts.transfer.clock.offset",
                "--target",
                "error_page_rate<=1e-3",
                "--range",
                "0s..10m",
                "--replications",
                "4",
                "--format",
                "json",
            ],
            &[
                "solve",
                "scenarios/lisa.toml",
                "--vary",
                "transfer.grace",
                "--target",
                "error_page_rate<=1e-3",
                "--range",
                "5m..12m",
                "--replications",
                "2",
                "--set",
                "horizon=\"1d\"",
            ],
            &[
                "solve",
                "scenarios/cinnamon-twist.toml",
                "--vary",
                "terminal.terminals",
                "--target",
                "false_reversals_per_year<=100",
                "--range",
                "10..400",
                "--set",
                "horizon=\"3d\"",
                "--replications",
                "2",
                "--format",
                "csv",
            ],
            &[
                "solve",
                "scenarios/lisa.toml",
                "--vary",
                "hosts.transfer.clock.offset",
                "--target",
                "error_page_rate<=1e-3",
                "--range",
                "0s..10m",
                "--by",
                "simulation",
                "--iterations",
                "3",
                "--replications",
                "2",
                "--set",
                "horizon=\"6h\"",
            ],
        ],
    },
    Case {
        name: "plot",
        steps: &[
            &[
                "sweep",
                "scenarios/lisa.toml",
                "--vary",
                "transfer.grace=4m..6m/2",
                "--replications",
                "2",
                "--set",
                "horizon=\"1d\"",
                "--out",
                "{W}/run",
                "--quiet",
                "--no-charts",
            ],
            &[
                "sweep",
                "scenarios/cinnamon-twist.toml",
                "--vary",
                "terminal.terminals=20,40",
                "--set",
                "horizon=\"3d\"",
                "--replications",
                "2",
                "--out",
                "{W}/run",
                "--quiet",
                "--no-charts",
            ],
            &[
                "plot",
                "{W}/run/lisa/summary.csv",
                "{W}/run/lisa/daily.csv",
                "{W}/run/lisa/margin.csv",
                "{W}/run/cinnamon-twist/volume.csv",
                "{W}/run/cinnamon-twist/summary.csv",
                "--out",
                "{W}/plots",
            ],
            &["plot", "tests/fixtures/history.csv", "--out", "{W}/history"],
        ],
    },
    Case {
        name: "trace-events",
        steps: &[
            &[
                "trace",
                "scenarios/lisa.toml",
                "--set",
                "horizon=\"2h\"",
                "--events",
                "{W}/events.csv",
                "--replication",
                "0",
                "--format",
                "json",
            ],
            &[
                "trace",
                "scenarios/cinnamon-twist.toml",
                "--set",
                "horizon=\"1d\"",
                "--set",
                "terminal.terminals=3",
                "--events",
                "{W}/requests.csv",
            ],
            &["trace", "scenarios/lisa.toml", "--user", "3"],
            &["trace", "scenarios/cinnamon-twist.toml", "--format", "json"],
        ],
    },
    Case {
        name: "trace-clocks",
        steps: &[
            &[
                "trace",
                "scenarios/lisa-ntp.toml",
                "--clocks",
                "--set",
                "horizon=\"3h\"",
            ],
            &[
                "trace",
                "scenarios/lisa-ntp.toml",
                "--clocks",
                "--set",
                "horizon=\"2h\"",
                "--replication",
                "2",
                "--format",
                "json",
            ],
        ],
    },
    Case {
        name: "precision",
        steps: &[&[
            "run",
            "scenarios/lisa.toml",
            "--target-precision",
            "0.3",
            "--replications",
            "2",
            "--max-replications",
            "8",
            "--set",
            "horizon=\"1d\"",
            "--out",
            "{W}",
            "--format",
            "json",
        ]],
    },
    Case {
        name: "estimate",
        steps: &[&[
            "estimate",
            "scenarios/cinnamon-new-batch.toml",
            "scenarios/cinnamon-twist.toml",
            "scenarios/cinnamon-window.toml",
            "scenarios/lisa-ntp.toml",
            "scenarios/lisa.toml",
        ]],
    },
];

/// Files stored as their length and hash instead of their text.
fn stored_as_hash(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("svg" | "png" | "html")
    )
}

/// 64-bit FNV-1a (change detection, not security).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Every file under `dir`, sorted, as paths relative to it.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else if let Ok(rel) = p.strip_prefix(root) {
                out.push(rel.to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// What a case produced, as one text.
fn produce(case: &Case) -> String {
    let dir = tempfile::tempdir().expect("temporary folder");
    let w = dir.path().to_string_lossy().into_owned();
    let mut out = String::new();
    for step in case.steps {
        let args: Vec<String> = step.iter().map(|a| a.replace("{W}", &w)).collect();
        let o = racesim().args(&args).output().expect("racesim runs");
        let shown: Vec<String> = step.iter().map(|a| a.replace("{W}", "<W>")).collect();
        out.push_str(&format!(
            "$ racesim {}\nexit {}\n--- stdout\n{}--- stderr\n{}\n",
            shown.join(" "),
            o.status
                .code()
                .map_or_else(|| "signal".into(), |c| c.to_string()),
            String::from_utf8_lossy(&o.stdout).replace(&w, "<W>"),
            without_timing(&String::from_utf8_lossy(&o.stderr).replace(&w, "<W>")),
        ));
    }
    for rel in files_under(dir.path()) {
        let bytes = std::fs::read(dir.path().join(&rel)).expect("readable");
        let name = rel.to_string_lossy().replace('\\', "/");
        if stored_as_hash(&rel) {
            out.push_str(&format!(
                "=== {name}: {} bytes, fnv1a {:016x}\n",
                bytes.len(),
                fnv1a(&bytes)
            ));
        } else {
            out.push_str(&format!(
                "=== {name}\n{}\n",
                String::from_utf8_lossy(&bytes).replace(&w, "<W>")
            ));
        }
    }
    out
}

/// Standard error with the throughput line (wall-clock timing, different
/// on every run) reduced to its first word.
fn without_timing(stderr: &str) -> String {
    stderr
        .split_inclusive('\n')
        .map(|l| {
            if l.starts_with("throughput: ") {
                "throughput: <timing>\n"
            } else {
                l
            }
        })
        .collect()
}

/// The first line where two texts differ, for the failure message.
fn first_difference(want: &str, got: &str) -> String {
    for (i, (a, b)) in want.lines().zip(got.lines()).enumerate() {
        if a != b {
            return format!("line {}:\n  want: {a}\n  got:  {b}", i + 1);
        }
    }
    format!(
        "one is a prefix of the other ({} and {} lines)",
        want.lines().count(),
        got.lines().count()
    )
}

#[test]
fn commands_give_their_golden_outputs() {
    let update = std::env::var("RACESIM_UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    let golden = Path::new("tests/golden");
    let mut failures = Vec::new();
    for case in CASES {
        let got = produce(case);
        let path = golden.join(format!("{}.txt", case.name));
        if update {
            std::fs::create_dir_all(golden).expect("tests/golden");
            std::fs::write(&path, &got).expect("golden file written");
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; create it with RACESIM_UPDATE_GOLDEN=1 cargo test --test it golden",
                path.display()
            )
        });
        if want != got {
            failures.push(format!(
                "{}: differs from {} at {}",
                case.name,
                path.display(),
                first_difference(&want, &got)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "outputs changed (regenerate with RACESIM_UPDATE_GOLDEN=1 only if intended):\n{}",
        failures.join("\n")
    );
}
