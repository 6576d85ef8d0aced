//! The CI, container and scheduler examples (examples/ci/, examples/scale-out/,
//! Dockerfile): every racesim command in them uses flags the CLI has, the
//! Dockerfile agrees with Cargo.toml and its build context is enough to build,
//! and the Slurm array script really shards and merges into a single run's
//! result. The shell inside the CI files is run in `ci_scripts`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use yaml_rust2::{Yaml, YamlLoader};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A repository file as text.
pub fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The YAML documents of a repository file.
pub fn yaml(rel: &str) -> Vec<Yaml> {
    YamlLoader::load_from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The racesim binary under test.
pub fn racesim_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_racesim"))
}

/// PATH with the racesim binary's folder first.
pub fn path_with_racesim() -> String {
    let dir = racesim_bin().parent().unwrap().to_path_buf();
    let old = std::env::var("PATH").unwrap_or_default();
    format!("{}:{old}", dir.display())
}

fn help(args: &[&str]) -> String {
    let out = Command::new(racesim_bin())
        .args(args)
        .arg("--help")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "racesim {args:?} --help failed");
    String::from_utf8(out.stdout).unwrap()
}

/// The subcommands listed by `racesim --help`.
fn subcommands() -> BTreeSet<String> {
    let text = help(&[]);
    let list = text.split("Commands:").nth(1).expect("a Commands: section");
    list.lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .filter(|c| c != "help")
        .collect()
}

/// The flags (`--name`, `-x`) that `racesim SUB --help` lists.
fn flags_of(sub: &str) -> BTreeSet<String> {
    let mut flags = BTreeSet::new();
    for line in help(&[sub]).lines() {
        let line = line.trim_start();
        if !line.starts_with('-') {
            continue;
        }
        for token in line.split_whitespace() {
            let token = token.trim_end_matches(',');
            if !token.starts_with('-') {
                break;
            }
            flags.insert(token.split('=').next().unwrap().to_string());
        }
    }
    flags
}

/// One racesim command line found in a file.
#[derive(Debug)]
struct Use {
    line: String,
    sub: String,
    flags: Vec<String>,
}

/// Every racesim command in `text`: a `racesim` word (or `"$RACESIM"`)
/// followed by a subcommand, then its arguments up to the end of the shell
/// command. Comments count (their commands are for copying too); backslash
/// continuations are joined.
fn commands_in(text: &str, subs: &BTreeSet<String>) -> Vec<Use> {
    let mut joined = Vec::new();
    let mut current = String::new();
    for raw in text.lines() {
        let mut line = raw.trim();
        line = line.strip_prefix('#').unwrap_or(line).trim_start();
        line = line.strip_prefix("$ ").unwrap_or(line);
        if let Some(head) = line.strip_suffix('\\') {
            current.push_str(head);
            current.push(' ');
        } else {
            current.push_str(line);
            joined.push(std::mem::take(&mut current));
        }
    }
    joined.push(current);

    let mut uses = Vec::new();
    for line in &joined {
        let line = &line.replace("\"$RACESIM\"", "racesim");
        for (at, _) in line.match_indices("racesim") {
            let before = line[..at].chars().next_back();
            if matches!(before, Some(c) if c.is_alphanumeric() || "-_$.".contains(c)) {
                continue;
            }
            let rest = &line[at + "racesim".len()..];
            if !rest.starts_with(char::is_whitespace) {
                continue;
            }
            let mut tokens = rest.split_whitespace();
            let Some(first) = tokens.next() else { continue };
            let sub = first.trim_matches(|c: char| !c.is_alphanumeric());
            if !subs.contains(sub) {
                continue;
            }
            let mut flags = Vec::new();
            for token in tokens {
                if [";", "&&", "||", "|", "<"].contains(&token)
                    || token.starts_with('>')
                    || token.starts_with("2>")
                {
                    break;
                }
                let t = token.trim_start_matches(['"', '\'', '[', '`']);
                if t.starts_with('-') && t.len() > 1 && t != "--" {
                    let name = t.split('=').next().unwrap();
                    let name = name.trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '-'));
                    flags.push(name.to_string());
                }
                if token.ends_with(';') || token.ends_with('`') || token.ends_with(')') {
                    break;
                }
            }
            uses.push(Use {
                line: line.clone(),
                sub: sub.to_string(),
                flags,
            });
        }
    }
    uses
}

/// The example files and the subcommands each must be seen to use (so the
/// scan cannot pass by finding nothing).
const EXAMPLES: &[(&str, &[&str])] = &[
    ("examples/ci/github-actions.yml", &["check", "plot"]),
    ("examples/ci/gitlab-ci.yml", &["check", "plot"]),
    ("examples/ci/README.md", &["check", "plot"]),
    ("examples/scale-out/gnu-parallel.sh", &["run", "merge"]),
    ("examples/scale-out/slurm-array.sh", &["run", "merge"]),
    ("examples/scale-out/k8s-indexed-job.yaml", &["run"]),
    ("examples/scale-out/k8s-merge-job.yaml", &["merge"]),
    ("examples/scale-out/README.md", &["run", "merge"]),
    ("Dockerfile", &["run"]),
];

/// The text of a file as the scan reads it: for YAML, the comments plus every
/// string value (folded scalars such as Kubernetes `args` are joined by the
/// parser, not by backslashes).
fn scan_text(rel: &str) -> String {
    let mut text = read(rel);
    if rel.ends_with(".yml") || rel.ends_with(".yaml") {
        text = text
            .lines()
            .filter(|l| l.trim_start().starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        fn strings(y: &Yaml, out: &mut String) {
            match y {
                Yaml::String(s) => {
                    out.push('\n');
                    out.push_str(s);
                }
                Yaml::Array(a) => a.iter().for_each(|v| strings(v, out)),
                Yaml::Hash(h) => h.values().for_each(|v| strings(v, out)),
                _ => {}
            }
        }
        for doc in yaml(rel) {
            strings(&doc, &mut text);
        }
    }
    text
}

#[test]
fn every_racesim_command_in_the_examples_uses_existing_flags() {
    let subs = subcommands();
    assert!(subs.contains("run") && subs.contains("merge"), "{subs:?}");
    let mut known = std::collections::BTreeMap::new();
    let mut bad = Vec::new();
    let mut checked = 0;
    for (rel, must) in EXAMPLES {
        let uses = commands_in(&scan_text(rel), &subs);
        for sub in *must {
            assert!(
                uses.iter().any(|u| u.sub == *sub),
                "{rel}: no `racesim {sub}` command found (found {uses:?})"
            );
        }
        for u in &uses {
            let flags = known
                .entry(u.sub.clone())
                .or_insert_with(|| flags_of(&u.sub));
            for f in &u.flags {
                checked += 1;
                if !flags.contains(f) {
                    bad.push(format!(
                        "{rel}: `racesim {}` has no flag {f}: {}",
                        u.sub, u.line
                    ));
                }
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    // the scan reads flags at all: the examples use dozens
    assert!(checked >= 40, "only {checked} flags found");
}

#[test]
fn the_flag_scan_catches_a_wrong_flag() {
    let subs = subcommands();
    let text =
        "x:\n  racesim run a.toml \\\n    --shard 1/2 --no-such-flag=3 > out.txt --ignored\n";
    let uses = commands_in(text, &subs);
    assert_eq!(uses.len(), 1, "{uses:?}");
    assert_eq!(uses[0].flags, ["--shard", "--no-such-flag"]);
    assert!(!flags_of("run").contains("--no-such-flag"));
    assert!(flags_of("run").contains("--threads"));
    // "$RACESIM" counts, other words ending in racesim do not
    let uses = commands_in(
        "\"$RACESIM\" plot h.csv --out c\nlisa-racesim run --x\n",
        &subs,
    );
    assert_eq!(uses.len(), 1, "{uses:?}");
    assert_eq!(
        (uses[0].sub.as_str(), uses[0].flags.as_slice()),
        ("plot", &["--out".to_string()][..])
    );
}

/// Every scheduler example gives each task as many worker threads as the
/// CPUs it was given, and replaces a retried shard's files.
#[test]
fn scale_out_examples_set_threads_and_force_per_shard() {
    let subs = subcommands();
    for rel in [
        "examples/scale-out/gnu-parallel.sh",
        "examples/scale-out/slurm-array.sh",
        "examples/scale-out/k8s-indexed-job.yaml",
    ] {
        let uses = commands_in(&scan_text(rel), &subs);
        let runs: Vec<_> = uses.iter().filter(|u| u.sub == "run").collect();
        assert!(!runs.is_empty(), "{rel}");
        for u in runs {
            for f in ["--shard", "--threads", "--force"] {
                assert!(
                    u.flags.iter().any(|x| x == f),
                    "{rel}: no {f} in {}",
                    u.line
                );
            }
        }
    }
    assert!(
        read("examples/scale-out/slurm-array.sh").contains("--threads \"${SLURM_CPUS_PER_TASK")
    );
    // Kubernetes: CPU and memory requests and limits, threads from limits.cpu
    let docs = yaml("examples/scale-out/k8s-indexed-job.yaml");
    let pvc = docs
        .iter()
        .find(|d| d["kind"].as_str() == Some("PersistentVolumeClaim"));
    let pvc = pvc.expect("the claim is in the file");
    assert_eq!(
        pvc["spec"]["accessModes"][0].as_str(),
        Some("ReadWriteMany")
    );
    let job = docs
        .iter()
        .find(|d| d["kind"].as_str() == Some("Job"))
        .unwrap();
    let c = &job["spec"]["template"]["spec"]["containers"][0];
    for kind in ["requests", "limits"] {
        for r in ["cpu", "memory"] {
            assert!(c["resources"][kind][r].as_str().is_some(), "no {kind}.{r}");
        }
    }
    let env = c["env"].as_vec().unwrap();
    let threads = env
        .iter()
        .find(|e| e["name"].as_str() == Some("THREADS"))
        .unwrap();
    assert_eq!(
        threads["valueFrom"]["resourceFieldRef"]["resource"].as_str(),
        Some("limits.cpu")
    );
    assert!(
        c["args"][0]
            .as_str()
            .unwrap()
            .contains("--threads \"$THREADS\"")
    );
    let claim = |d: &Yaml| {
        d["spec"]["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"]
            .as_str()
            .map(str::to_string)
    };
    assert_eq!(
        claim(job),
        pvc["metadata"]["name"].as_str().map(str::to_string)
    );
    let merge = &yaml("examples/scale-out/k8s-merge-job.yaml")[0];
    assert_eq!(claim(merge), claim(job));
}

/// `FROM image:tag` of each stage, in order.
fn from_images(dockerfile: &str) -> Vec<String> {
    dockerfile
        .lines()
        .filter_map(|l| l.strip_prefix("FROM "))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect()
}

#[test]
fn dockerfile_builds_the_binary_cargo_toml_names() {
    let cargo: toml::Table = toml::from_str(&read("Cargo.toml")).unwrap();
    let bin = cargo["bin"].as_array().unwrap()[0]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let rust_version = cargo["package"]["rust-version"]
        .as_str()
        .unwrap()
        .to_string();
    let docker = read("Dockerfile");

    let images = from_images(&docker);
    assert_eq!(images.len(), 2, "a builder and a runtime stage: {images:?}");
    // rust:X.Y-slim-CODENAME, then debian:CODENAME-slim
    let builder = images[0]
        .strip_prefix("rust:")
        .expect("the builder is a rust image");
    let (version, variant) = builder.split_once('-').unwrap();
    let parse = |v: &str| -> Vec<u32> { v.split('.').map(|p| p.parse().unwrap()).collect() };
    assert!(
        parse(version) >= parse(&rust_version),
        "builder Rust {version} is older than rust-version {rust_version}"
    );
    let codename = variant
        .strip_prefix("slim-")
        .expect("rust:X.Y-slim-CODENAME");
    assert_eq!(
        images[1],
        format!("debian:{codename}-slim"),
        "the runtime must be the builder's Debian release (glibc)"
    );

    assert!(docker.contains("cargo build --release --locked"));
    assert!(docker.contains(&format!("cp target/release/{bin} /usr/local/bin/{bin}")));
    assert!(docker.contains(&format!(
        "COPY --from=build /usr/local/bin/{bin} /usr/local/bin/{bin}"
    )));
    assert!(docker.contains(&format!("ENTRYPOINT [\"{bin}\"]")));

    // a numeric non-root user, the same the Kubernetes Jobs run as
    let user = docker
        .lines()
        .find_map(|l| l.strip_prefix("USER "))
        .unwrap();
    let uid: u32 = user
        .split(':')
        .next()
        .unwrap()
        .parse()
        .expect("numeric USER");
    assert_ne!(uid, 0);
    for rel in [
        "examples/scale-out/k8s-indexed-job.yaml",
        "examples/scale-out/k8s-merge-job.yaml",
    ] {
        for doc in yaml(rel)
            .iter()
            .filter(|d| d["kind"].as_str() == Some("Job"))
        {
            let sc = &doc["spec"]["template"]["spec"]["securityContext"];
            assert_eq!(sc["runAsUser"].as_i64(), Some(i64::from(uid)), "{rel}");
        }
    }
    // the Jobs run scenarios/lisa.toml relative to the image's WORKDIR
    let workdir = docker
        .lines()
        .filter_map(|l| l.strip_prefix("WORKDIR "))
        .next_back()
        .unwrap();
    assert!(docker.contains(&format!("COPY scenarios/ {workdir}/scenarios/")));
    assert!(root().join("scenarios/lisa.toml").exists());
}

/// The paths `.dockerignore` keeps out of the build context. Only plain path
/// prefixes are used, so this reading of them is exact.
fn docker_ignored() -> Vec<String> {
    read(".dockerignore")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            assert!(
                !l.contains(['*', '?', '[', '!']),
                ".dockerignore: `{l}` is more than a path; teach this test its meaning"
            );
            l.trim_end_matches('/').to_string()
        })
        .collect()
}

fn copy_context(from: &Path, to: &Path, rel: &Path, ignored: &[String]) -> usize {
    let mut files = 0;
    for entry in std::fs::read_dir(from.join(rel)).unwrap() {
        let entry = entry.unwrap();
        let r = rel.join(entry.file_name());
        let name = r.to_string_lossy().to_string();
        if ignored.contains(&name) {
            continue;
        }
        let ty = entry.file_type().unwrap();
        if ty.is_dir() {
            std::fs::create_dir_all(to.join(&r)).unwrap();
            files += copy_context(from, to, &r, ignored);
        } else if ty.is_file() {
            std::fs::copy(entry.path(), to.join(&r)).unwrap();
            files += 1;
        }
    }
    files
}

/// The Docker build context (the repository less `.dockerignore`) holds what
/// `cargo build --release --locked` needs: a manifest whose targets all exist
/// and a lock file that matches it (`cargo fetch --locked --offline` checks
/// both), and every file the sources compile in.
#[test]
fn docker_build_context_is_enough_to_build() {
    let ignored = docker_ignored();
    for needed in ["target", ".git", "output"] {
        assert!(
            ignored.iter().any(|i| i == needed),
            "{needed} is not ignored"
        );
    }
    let ctx = tempfile::tempdir().unwrap();
    let files = copy_context(&root(), ctx.path(), Path::new(""), &ignored);
    assert!(files > 20, "{files} files in the context");
    // the image is built for this machine's kind of host; other targets'
    // dependencies (windows-sys...) are not in the offline cache
    let rustc = Command::new("rustc").arg("-vV").output().unwrap();
    let rustc = String::from_utf8(rustc.stdout).unwrap();
    let host = rustc
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "fetch",
            "--locked",
            "--offline",
            "--quiet",
            "--target",
            host,
        ])
        .current_dir(ctx.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo fetch --locked in the build context: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                rust_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut sources = Vec::new();
    rust_files(&root().join("src"), &mut sources);
    let mut includes = 0;
    for file in sources {
        let text = std::fs::read_to_string(&file).unwrap();
        for (at, _) in text
            .match_indices("include_bytes!(\"")
            .chain(text.match_indices("include_str!(\""))
        {
            let rest = &text[at..];
            let start = rest.find('"').unwrap() + 1;
            let end = start + rest[start..].find('"').unwrap();
            let rel_file = file.strip_prefix(root()).unwrap();
            let target = ctx
                .path()
                .join(rel_file)
                .parent()
                .unwrap()
                .join(&rest[start..end]);
            assert!(
                target.exists(),
                "{}: {} is not in the build context",
                rel_file.display(),
                &rest[start..end]
            );
            includes += 1;
        }
    }
    assert!(includes >= 1, "the chart font is compiled in");
}

/// examples/scale-out/slurm-array.sh as Slurm would run it (one process per
/// array task, environment from Slurm), then the merge from its header:
/// byte for byte the single run's summary. A requeued task replaces its own
/// shard.
#[test]
fn slurm_array_script_merges_into_the_single_run() {
    if !crate::util::tools_available("slurm_array_script_merges_into_the_single_run", &["bash"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("scenarios")).unwrap();
    std::fs::copy(
        root().join("scenarios/lisa.toml"),
        dir.path().join("scenarios/lisa.toml"),
    )
    .unwrap();
    let script = root().join("examples/scale-out/slurm-array.sh");
    let task = |k: u32| {
        let out = Command::new("bash")
            .arg(&script)
            .current_dir(dir.path())
            .env("PATH", path_with_racesim())
            .env("SLURM_ARRAY_TASK_ID", k.to_string())
            .env("SLURM_ARRAY_TASK_COUNT", "4")
            .env("SLURM_CPUS_PER_TASK", "1")
            .env("REPLICATIONS", "12")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "task {k}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    for k in 1..=4 {
        task(k);
    }
    task(2); // requeued
    let shards: BTreeSet<String> = std::fs::read_dir(dir.path().join("results/lisa"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    let expected: BTreeSet<String> = (1..=4).map(|k| format!("shard-{k}-of-4")).collect();
    assert_eq!(shards, expected);

    // the merge command of the script's header, for 4 shards
    let text = read("examples/scale-out/slurm-array.sh");
    let merge = text
        .lines()
        .find_map(|l| l.split_once("'racesim merge").map(|(_, r)| r))
        .expect("a merge command in the header");
    let merge = format!("racesim merge{}", merge.trim_end_matches('\'')).replace("-of-16", "-of-4");
    let out = Command::new("bash")
        .args(["-c", &format!("{merge} --no-charts")])
        .current_dir(dir.path())
        .env("PATH", path_with_racesim())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{merge}: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = Command::new(racesim_bin())
        .args([
            "run",
            "scenarios/lisa.toml",
            "--replications",
            "12",
            "--out",
            "single",
        ])
        .args(["--no-charts", "--quiet"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let merged = std::fs::read(dir.path().join("results/merged/lisa/summary.csv")).unwrap();
    let single = std::fs::read(dir.path().join("single/lisa/summary.csv")).unwrap();
    assert_eq!(merged, single);

    // outside Slurm the script says so instead of running shard "/"
    let out = Command::new("bash")
        .arg(&script)
        .current_dir(dir.path())
        .env("PATH", path_with_racesim())
        .env_remove("SLURM_ARRAY_TASK_ID")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("run this script with sbatch"));
}
