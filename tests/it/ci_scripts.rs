//! The shell and JavaScript inside examples/ci/, run for real: the GitHub
//! workflow's fetch, check, draw and save-history steps against a local bare
//! repository standing for the GitHub repository, its comment script against
//! a stand-in for the GitHub API, and the GitLab job's history restore against
//! a local HTTP server standing for the job artifacts API. Needs bash, git,
//! curl and node: where one is missing the test is skipped with a visible
//! `SKIPPED` line, and fails under `RACESIM_REQUIRE_TOOLS=1` (as in CI).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use yaml_rust2::Yaml;

use super::ci_examples::{path_with_racesim, racesim_bin, root, yaml};

/// The programs these tests run.
const TOOLS: &[&str] = &["bash", "git", "curl", "node"];

const GITHUB: &str = "examples/ci/github-actions.yml";
const GITLAB: &str = "examples/ci/gitlab-ci.yml";
const MARKER: &str = "<!-- racesim-verdict -->";
const BRANCH: &str = "racesim-history";
const HISTORY: &str = "racesim-history.csv";

/// What a step did.
#[derive(Debug)]
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
    outputs: BTreeMap<String, String>,
}

/// Stands for the runner: the files behind GITHUB_OUTPUT, GITHUB_STEP_SUMMARY
/// and GITHUB_PATH, and its home.
struct Runner {
    dir: tempfile::TempDir,
}

impl Runner {
    fn new() -> Runner {
        Runner {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn summary(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("summary")).unwrap_or_default()
    }
}

/// A command that sees only PATH (racesim first), a home of its own and no
/// git configuration of this machine.
fn clean(program: &str, dir: &Path, home: &Path) -> Command {
    let mut c = Command::new(program);
    c.current_dir(dir)
        .env_clear()
        .env("PATH", path_with_racesim())
        .env("HOME", home)
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1");
    c
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = clean("git", dir, dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The `env:` entries of `sources` in order; `${{ }}` values come from
/// `exprs`, and one without a value fails the test, so a new expression in
/// the workflow is noticed here.
fn env_of(sources: &[&Yaml], exprs: &[(&str, &str)], what: &str) -> Vec<(String, String)> {
    let mut env = Vec::new();
    for source in sources {
        for (k, v) in source.as_hash().into_iter().flatten() {
            let (k, v) = (k.as_str().unwrap(), v.as_str().unwrap());
            let value = if v.contains("${{") {
                let given = exprs.iter().find(|(n, _)| *n == k);
                given.unwrap_or_else(|| panic!("{what}: give {k} = {v}")).1
            } else {
                v
            };
            env.push((k.to_string(), value.to_string()));
        }
    }
    env
}

/// Runs the `run:` of step `name` of job `job` as a GitHub runner does
/// (`bash --noprofile --norc -eo pipefail`, with the workflow's and the
/// step's `env:`) in `dir`.
fn github_step(job: &str, name: &str, dir: &Path, runner: &Runner, exprs: &[(&str, &str)]) -> Ran {
    let wf = &yaml(GITHUB)[0];
    let steps = wf["jobs"][job]["steps"]
        .as_vec()
        .expect("the job has steps");
    let step = steps
        .iter()
        .find(|s| s["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no step '{name}' in job {job}"));
    let script = step["run"].as_str().expect("a run: step");
    let file = runner.dir.path().join("step.sh");
    std::fs::write(&file, script).unwrap();
    let output = runner.dir.path().join("output");
    std::fs::write(&output, "").unwrap();
    let run = clean("bash", dir, runner.dir.path())
        .args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&file)
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", runner.dir.path().join("summary"))
        .env("GITHUB_PATH", runner.dir.path().join("path"))
        .envs(env_of(&[&wf["env"], &step["env"]], exprs, name))
        .output()
        .expect("bash runs");
    let outputs = std::fs::read_to_string(&output)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Ran {
        code: run.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&run.stdout).to_string(),
        stderr: String::from_utf8_lossy(&run.stderr).to_string(),
        outputs,
    }
}

/// A bare repository standing for the GitHub repository: main holds the
/// shipped scenarios, plus `extra` files.
struct Remote {
    dir: tempfile::TempDir,
    clones: std::cell::Cell<u32>,
}

impl Remote {
    fn new(scenarios: &[&str], extra: &[(&str, String)]) -> Remote {
        let dir = tempfile::tempdir().unwrap();
        let origin = dir.path().join("origin.git");
        git(
            dir.path(),
            &["init", "-q", "--bare", "-b", "main", "origin.git"],
        );
        let seed = dir.path().join("seed");
        git(dir.path(), &["init", "-q", "-b", "main", "seed"]);
        std::fs::create_dir(seed.join("scenarios")).unwrap();
        for s in scenarios {
            let name = format!("scenarios/{s}");
            std::fs::copy(root().join(&name), seed.join(&name)).unwrap();
        }
        for (name, text) in extra {
            std::fs::write(seed.join(name), text).unwrap();
        }
        git(&seed, &["add", "-A"]);
        git(&seed, &["commit", "-q", "-m", "scenarios"]);
        git(&seed, &["push", "-q", origin.to_str().unwrap(), "main"]);
        Remote {
            dir,
            clones: std::cell::Cell::new(0),
        }
    }
    fn origin(&self) -> PathBuf {
        self.dir.path().join("origin.git")
    }
    /// A fresh clone, as actions/checkout makes.
    fn checkout(&self) -> PathBuf {
        self.clones.set(self.clones.get() + 1);
        let name = format!("clone-{}", self.clones.get());
        git(
            self.dir.path(),
            &["clone", "-q", self.origin().to_str().unwrap(), &name],
        );
        self.dir.path().join(name)
    }
    /// A file on the history branch.
    fn branch_file(&self, file: &str) -> String {
        git(&self.origin(), &["show", &format!("{BRANCH}:{file}")])
    }
    fn tip(&self) -> String {
        git(&self.origin(), &["rev-parse", BRANCH])
    }
}

/// The check job's shell: fetch the history, check, draw. Returns the fetch
/// and check steps and the runner (for the summary).
fn check_job(dir: &Path, sha: &str) -> (Ran, Ran, Runner) {
    let runner = Runner::new();
    let fetch = github_step("check", "Fetch the history", dir, &runner, &[]);
    assert_eq!(fetch.code, 0, "{fetch:?}");
    let check = github_step(
        "check",
        "Check the scenarios",
        dir,
        &runner,
        &[
            ("COMMIT", sha),
            ("RUN_URL", "https://github.example/o/r/actions/runs/1"),
        ],
    );
    let status = check.outputs.get("status").cloned().unwrap_or_default();
    if status == "0" || status == "1" {
        let draw = github_step(
            "check",
            "Draw the history chart",
            dir,
            &runner,
            &[("BASE_LINES", &fetch.outputs["lines"])],
        );
        assert_eq!(draw.code, 0, "{draw:?}");
    }
    (fetch, check, runner)
}

/// The save-history job's shell in a fresh clone, with the check job's files
/// as the artifact download leaves them.
fn save_job(remote: &Remote, check_dir: &Path, sha: &str) -> Ran {
    let co = remote.checkout();
    let runner = Runner::new();
    let run_dir = runner.dir.path().join("racesim");
    std::fs::create_dir(&run_dir).unwrap();
    for f in [HISTORY, "racesim-new-rows.csv"] {
        std::fs::copy(check_dir.join(f), run_dir.join(f)).unwrap();
    }
    let racesim = racesim_bin();
    github_step(
        "save-history",
        "Append the rows to the history branch",
        &co,
        &runner,
        &[
            ("RUN_DIR", run_dir.to_str().unwrap()),
            ("RACESIM", racesim.to_str().unwrap()),
            ("COMMIT", sha),
        ],
    )
}

fn lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

/// Two shipped scenarios, one per model: enough for every path, and quick.
const SCENARIOS: [&str; 2] = ["lisa.toml", "cinnamon-twist.toml"];

/// Pushes to main, one after another and two at once: the history branch
/// holds every run's rows once, in the order they were pushed, with a chart
/// per metric and an index.
#[test]
fn github_history_branch_keeps_every_run_once() {
    if !crate::util::tools_available("github_history_branch_keeps_every_run_once", TOOLS) {
        return;
    }
    let remote = Remote::new(&SCENARIOS, &[]);
    let sha = |c: char| c.to_string().repeat(40);

    // run 1: no branch yet
    let c1 = remote.checkout();
    let (fetch, check, runner) = check_job(&c1, &sha('a'));
    assert!(
        fetch
            .stdout
            .contains("no branch racesim-history yet (first run)"),
        "{fetch:?}"
    );
    assert_eq!(fetch.outputs["lines"], "0");
    assert_eq!(check.outputs["status"], "0", "{check:?}");
    let comment = std::fs::read_to_string(c1.join("racesim-comment.md")).unwrap();
    assert!(
        comment.starts_with(&format!("{MARKER}\n### racesim check: ✅")),
        "{comment}"
    );
    assert!(
        comment.contains("| ✅ pass | lisa | `error_page_rate` |"),
        "{comment}"
    );
    assert_eq!(runner.summary(), comment);
    let h1 = std::fs::read_to_string(c1.join(HISTORY)).unwrap();
    let rows = lines(&h1).len() - 1;
    assert!(rows >= 10, "{rows} rows");
    let new1 = std::fs::read_to_string(c1.join("racesim-new-rows.csv")).unwrap();
    assert_eq!(lines(&new1), lines(&h1)[1..]);
    assert!(lines(&new1).iter().all(|l| l.starts_with("aaaaaaaaaaaa,")));
    assert!(
        c1.join("racesim-charts/history-lisa-error_page_rate.svg")
            .exists()
    );

    let save = save_job(&remote, &c1, &sha('a'));
    assert_eq!(save.code, 0, "{save:?}");
    assert!(
        save.stdout
            .contains("no branch racesim-history yet: creating it"),
        "{save:?}"
    );
    assert!(
        save.stdout.contains(&format!("appended {rows} rows")),
        "{save:?}"
    );
    assert_eq!(remote.branch_file(HISTORY), h1);
    let files = git(&remote.origin(), &["ls-tree", "-r", "--name-only", BRANCH]);
    let svgs: Vec<_> = files
        .lines()
        .filter(|f| f.starts_with("charts/") && f.ends_with(".svg"))
        .collect();
    assert!(
        svgs.contains(&"charts/history-lisa-error_page_rate.svg"),
        "{files}"
    );
    assert!(!files.contains(".png"), "{files}");
    assert_eq!(files.lines().count(), svgs.len() + 2, "{files}"); // + README.md, the CSV
    let readme = remote.branch_file("README.md");
    assert_eq!(readme.matches("![").count(), svgs.len());
    assert!(readme.contains("Last run: `aaaaaaaaaaaa`"));
    let message = git(&remote.origin(), &["log", "-1", "--format=%s", BRANCH]);
    assert_eq!(message.trim(), "racesim history: aaaaaaaaaaaa");

    // run 2 starts from run 1's history and appends its own rows only
    let c2 = remote.checkout();
    let (fetch, check, _) = check_job(&c2, &sha('b'));
    assert!(
        fetch.stdout.contains(&format!(
            "restored {rows} rows from the branch racesim-history"
        )),
        "{fetch:?}"
    );
    assert_eq!(fetch.outputs["lines"], (rows + 1).to_string());
    assert_eq!(check.outputs["status"], "0");
    let h2 = std::fs::read_to_string(c2.join(HISTORY)).unwrap();
    assert!(h2.starts_with(&h1));
    let new2 = std::fs::read_to_string(c2.join("racesim-new-rows.csv")).unwrap();
    assert_eq!(lines(&new2), lines(&h2)[rows + 1..]);
    assert_eq!(lines(&new2).len(), rows);
    let save = save_job(&remote, &c2, &sha('b'));
    assert_eq!(save.code, 0, "{save:?}");
    assert_eq!(remote.branch_file(HISTORY), h2);

    // the save job run again adds nothing
    let tip = remote.tip();
    let again = save_job(&remote, &c2, &sha('b'));
    assert_eq!(again.code, 0, "{again:?}");
    assert!(
        again
            .stdout
            .contains("this run's rows are already on racesim-history"),
        "{again:?}"
    );
    assert_eq!(remote.tip(), tip);

    // runs 3 and 4 both start from run 2's history; 4 pushes first, and 3's
    // first push is rejected: 3 starts again from 4's tip
    let c3 = remote.checkout();
    let c4 = remote.checkout();
    check_job(&c3, &sha('c'));
    check_job(&c4, &sha('d'));
    assert_eq!(save_job(&remote, &c4, &sha('d')).code, 0);
    let hook = remote.origin().join("hooks/pre-receive");
    let once = remote.dir.path().join("rejected-once");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nif [ ! -e '{0}' ]; then touch '{0}'; echo 'rejected for the test' >&2; exit 1; fi\n",
            once.display()
        ),
    )
    .unwrap();
    Command::new("chmod").arg("+x").arg(&hook).status().unwrap();
    let save = save_job(&remote, &c3, &sha('c'));
    assert_eq!(save.code, 0, "{save:?}");
    assert!(
        save.stdout.contains("push rejected (attempt 1)"),
        "{save:?}"
    );
    let new3 = std::fs::read_to_string(c3.join("racesim-new-rows.csv")).unwrap();
    let new4 = std::fs::read_to_string(c4.join("racesim-new-rows.csv")).unwrap();
    assert_eq!(remote.branch_file(HISTORY), format!("{h2}{new4}{new3}"));
}

/// A failed check still draws and keeps its rows, then fails the job; a
/// broken scenario fails at once and says why in the comment.
#[test]
fn github_check_fails_after_drawing_and_explains_bad_input() {
    if !crate::util::tools_available(
        "github_check_fails_after_drawing_and_explains_bad_input",
        TOOLS,
    ) {
        return;
    }
    let lisa = std::fs::read_to_string(root().join("scenarios/lisa.toml")).unwrap();
    assert!(lisa.contains("name = \"lisa\"") && lisa.contains("max = 0.01"));
    // the error page rate is near 0.005: a limit of 0.0001 fails outright
    let strict = lisa
        .replace("name = \"lisa\"", "name = \"strict\"")
        .replace("max = 0.01", "max = 0.0001");
    let remote = Remote::new(&["lisa.toml"], &[("scenarios/strict.toml", strict)]);
    let dir = remote.checkout();
    let (_, check, _) = check_job(&dir, &"e".repeat(40));
    assert_eq!(check.code, 0, "the step itself passes: {check:?}");
    assert_eq!(check.outputs["status"], "1");
    let comment = std::fs::read_to_string(dir.join("racesim-comment.md")).unwrap();
    assert!(comment.contains("### racesim check: ❌"), "{comment}");
    assert!(comment.contains("| ❌ fail | strict |"), "{comment}");
    assert!(
        !std::fs::read_to_string(dir.join("racesim-new-rows.csv"))
            .unwrap()
            .is_empty()
    );
    assert!(
        dir.join("racesim-charts/history-strict-error_page_rate.svg")
            .exists()
    );
    let runner = Runner::new();
    let gate = github_step(
        "check",
        "Fail on a failed or inconclusive check",
        &dir,
        &runner,
        &[("STATUS", "1")],
    );
    assert_eq!(gate.code, 1);
    assert!(
        gate.stdout.contains("::error::racesim check exited 1"),
        "{gate:?}"
    );

    std::fs::write(
        dir.join("scenarios/broken.toml"),
        "name = \"broken\"\nmodel = \"nope\"\n",
    )
    .unwrap();
    std::fs::remove_file(dir.join(HISTORY)).unwrap();
    let (_, check, _) = check_job(&dir, &"f".repeat(40));
    assert_eq!(check.code, 2, "{check:?}");
    assert_eq!(check.outputs["status"], "2");
    let comment = std::fs::read_to_string(dir.join("racesim-comment.md")).unwrap();
    assert!(
        comment.contains("racesim could not check (exit 2"),
        "{comment}"
    );
    assert!(
        comment.contains("```\n") && comment.contains("broken.toml"),
        "{comment}"
    );
    assert!(!dir.join(HISTORY).exists(), "bad input appends nothing");
}

/// The comment job's script against a stand-in for the GitHub API: one
/// comment, found again by its marker; a fork's read-only token falls back
/// to the job summary; other errors fail the job.
#[test]
fn github_comment_script_posts_or_updates_one_comment() {
    if !crate::util::tools_available("github_comment_script_posts_or_updates_one_comment", TOOLS) {
        return;
    }
    let wf = &yaml(GITHUB)[0];
    let steps = wf["jobs"]["comment"]["steps"].as_vec().unwrap();
    let step = steps
        .iter()
        .find(|s| s["name"].as_str() == Some("Post or update the verdict comment"))
        .unwrap();
    assert!(
        step["uses"]
            .as_str()
            .unwrap()
            .starts_with("actions/github-script@")
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("script.js"),
        step["with"]["script"].as_str().unwrap(),
    )
    .unwrap();
    let report = format!("{MARKER}\n### racesim check: ✅ every check passed\n");
    std::fs::write(dir.path().join("report.md"), &report).unwrap();
    std::fs::write(dir.path().join("harness.js"), HARNESS).unwrap();
    let env = env_of(&[&step["env"]], &[], "comment");
    assert_eq!(
        env,
        [(
            "REPORT".to_string(),
            "racesim/racesim-comment.md".to_string()
        )]
    );

    let run = |scenario: &str| -> serde_json::Value {
        let out = Command::new("node")
            .args(["harness.js", "script.js", scenario])
            .current_dir(dir.path())
            .env("REPORT", dir.path().join("report.md"))
            .output()
            .expect("node runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let calls = |v: &serde_json::Value, kind: &str| -> Vec<serde_json::Value> {
        v["calls"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c[0] == kind)
            .cloned()
            .collect()
    };

    let first = run("none");
    assert_eq!(first["ok"], true, "{first}");
    assert_eq!(
        calls(&first, "create"),
        [serde_json::json!(["create", 7, report])]
    );
    assert!(calls(&first, "update").is_empty());

    // a person quoting the marker is not the bot's comment
    let later = run("old");
    assert_eq!(later["ok"], true, "{later}");
    assert_eq!(
        calls(&later, "update"),
        [serde_json::json!(["update", 2, report])]
    );
    assert!(calls(&later, "create").is_empty());

    let fork = run("fork");
    assert_eq!(fork["ok"], true, "{fork}");
    let warning = calls(&fork, "warning");
    assert!(warning[0][1].as_str().unwrap().contains("fork"), "{fork}");
    assert_eq!(
        calls(&fork, "summary"),
        [serde_json::json!(["summary", report])]
    );

    let down = run("down");
    assert_eq!(down["ok"], false, "{down}");
    assert!(calls(&down, "summary").is_empty());
}

/// Runs a github-script body with stand-ins for `github`, `context` and
/// `core` that record every call.
const HARNESS: &str = r#"
const fs = require('node:fs');
const script = fs.readFileSync(process.argv[2], 'utf8');
const scenario = process.argv[3];
const marker = '<!-- racesim-verdict -->';
const calls = [];
const existing = {
  none: [{ id: 1, user: { type: 'User' }, body: 'looks good', html_url: 'u1' }],
  old: [
    { id: 1, user: { type: 'User' }, body: marker + ' quoted by a person', html_url: 'u1' },
    { id: 2, user: { type: 'Bot' }, body: marker + '\nan older verdict', html_url: 'u2' },
  ],
}[scenario] ?? [];
const fail = (status) => { const e = new Error(`HTTP ${status}`); e.status = status; throw e; };
const github = {
  paginate: async (method, params) => { calls.push(['list', params.issue_number]); return existing; },
  rest: { issues: {
    listComments: async () => ({ data: existing }),
    updateComment: async (p) => { calls.push(['update', p.comment_id, p.body]); return { data: {} }; },
    createComment: async (p) => {
      if (scenario === 'fork') fail(403);
      if (scenario === 'down') fail(502);
      calls.push(['create', p.issue_number, p.body]);
      return { data: { html_url: 'u3' } };
    },
  } },
};
const context = {
  repo: { owner: 'o', repo: 'r' },
  issue: { number: 7 },
  payload: { pull_request: { number: 7, head: { repo: { full_name: 'someone/r' } } } },
};
const core = {
  info: (m) => calls.push(['info', m]),
  warning: (m) => calls.push(['warning', m]),
  summary: { addRaw(t) { calls.push(['summary', t]); return this; }, async write() { return this; } },
};
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
new AsyncFunction('require', 'github', 'context', 'core', script)(require, github, context, core).then(
  () => console.log(JSON.stringify({ ok: true, calls })),
  (e) => console.log(JSON.stringify({ ok: false, error: String(e), calls })),
);
"#;

/// A local HTTP server standing for the GitLab API: answers each request
/// with `route(request line)` and records the requests (line and headers).
struct Server {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

fn serve(route: fn(&str) -> (u16, &'static str)) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&requests);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&head).to_string();
            let (code, body) = route(head.lines().next().unwrap_or(""));
            seen.lock().unwrap().push(head);
            let reply = format!(
                "HTTP/1.1 {code} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    Server { url, requests }
}

/// The racesim-check job's script entries and variables.
fn gitlab_job() -> (Vec<String>, Vec<(String, String)>) {
    let doc = &yaml(GITLAB)[0];
    let job = &doc["racesim-check"];
    let script = job["script"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_string())
        .collect();
    let vars = job["variables"]
        .as_hash()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().unwrap().to_string(),
                v.as_str().unwrap().to_string(),
            )
        })
        .collect();
    (script, vars)
}

/// Runs the script entry containing `needle` as the GitLab runner does (bash
/// with errexit and pipefail) in `dir`.
fn gitlab_entry(needle: &str, dir: &Path, env: &[(&str, &str)]) -> Ran {
    let (script, vars) = gitlab_job();
    let entry = script
        .iter()
        .find(|e| e.contains(needle))
        .unwrap_or_else(|| panic!("no script entry with {needle}"));
    let file = dir.join(".entry.sh");
    std::fs::write(&file, entry).unwrap();
    let out = clean("bash", dir, dir)
        .args(["-eo", "pipefail"])
        .arg(&file)
        .envs(vars.iter().filter(|(k, _)| k == "HISTORY").cloned())
        .envs(env.iter().copied())
        .output()
        .expect("bash runs");
    std::fs::remove_file(&file).unwrap();
    Ran {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
        outputs: BTreeMap::new(),
    }
}

const HISTORY_BODY: &str = "label,time,scenario,metric,value,ci_low,ci_high\n\
a,2026-01-01T00:00:00Z,lisa,users,1.0,1.0,1.0\n\
b,2026-01-02T00:00:00Z,lisa,users,2.0,2.0,2.0\n";

fn restore(server_url: &str, extra: &[(&str, &str)]) -> (Ran, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let api = format!("{server_url}/api/v4");
    let mut env = vec![
        ("CI_API_V4_URL", api.as_str()),
        ("CI_PROJECT_ID", "42"),
        ("CI_COMMIT_REF_NAME", "feature/x y"),
        ("CI_DEFAULT_BRANCH", "main"),
        ("CI_JOB_NAME", "racesim-check"),
        ("CI_JOB_TOKEN", "job-token-value"),
    ];
    env.extend_from_slice(extra);
    let ran = gitlab_entry("jobs/artifacts", dir.path(), &env);
    assert_eq!(ran.code, 0, "the restore never fails the job: {ran:?}");
    assert!(!dir.path().join(format!("{HISTORY}.previous")).exists());
    (ran, dir)
}

#[test]
fn gitlab_restore_falls_back_to_the_default_branch() {
    if !crate::util::tools_available("gitlab_restore_falls_back_to_the_default_branch", TOOLS) {
        return;
    }
    let server = serve(|line| {
        if line.contains("/jobs/artifacts/main/raw/") {
            (200, HISTORY_BODY)
        } else {
            (404, "{\"message\":\"404 Not found\"}")
        }
    });
    let (ran, dir) = restore(&server.url, &[]);
    assert!(
        ran.stdout
            .contains("history: none on feature/x y (HTTP 404"),
        "{ran:?}"
    );
    assert!(
        ran.stdout
            .contains("history: restored 2 rows from the latest successful pipeline of main"),
        "{ran:?}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join(HISTORY)).unwrap(),
        HISTORY_BODY
    );
    let requests = server.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 2);
    assert!(
        requests[0].starts_with(
            "GET /api/v4/projects/42/jobs/artifacts/feature%2Fx%20y/raw/racesim-history.csv?job=racesim-check HTTP/1.1\r\n"
        ),
        "{requests:?}"
    );
    assert!(requests[0].contains("JOB-TOKEN: job-token-value\r\n"));
    assert!(requests[1].starts_with("GET /api/v4/projects/42/jobs/artifacts/main/raw/"));
}

#[test]
fn gitlab_restore_says_when_the_token_may_not_read_artifacts() {
    if !crate::util::tools_available(
        "gitlab_restore_says_when_the_token_may_not_read_artifacts",
        TOOLS,
    ) {
        return;
    }
    let server = serve(|_| (403, "{\"message\":\"403 Forbidden\"}"));
    let (ran, dir) = restore(&server.url, &[]);
    assert!(
        ran.stdout
            .contains("history: cannot read it (HTTP 403): the job token may not read"),
        "{ran:?}"
    );
    assert!(ran.stdout.contains("RACESIM_HISTORY_TOKEN"), "{ran:?}");
    assert!(
        ran.stdout.contains("history: starting a new history"),
        "{ran:?}"
    );
    assert!(!dir.path().join(HISTORY).exists());
    assert_eq!(
        server.requests.lock().unwrap().len(),
        1,
        "the same answer for the other ref"
    );

    // with a token of its own the job sends that instead
    let server = serve(|_| (200, HISTORY_BODY));
    let (ran, dir) = restore(&server.url, &[("RACESIM_HISTORY_TOKEN", "project-token")]);
    assert!(ran.stdout.contains("restored 2 rows"), "{ran:?}");
    assert!(dir.path().join(HISTORY).exists());
    let requests = server.requests.lock().unwrap().clone();
    assert!(
        requests[0].contains("PRIVATE-TOKEN: project-token\r\n"),
        "{requests:?}"
    );
    assert!(!requests[0].contains("JOB-TOKEN"), "{requests:?}");
}

#[test]
fn gitlab_restore_says_when_the_api_cannot_be_reached() {
    if !crate::util::tools_available("gitlab_restore_says_when_the_api_cannot_be_reached", TOOLS) {
        return;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (ran, dir) = restore(&format!("http://127.0.0.1:{port}"), &[]);
    assert_eq!(
        ran.stdout.matches("(HTTP 000 (curl exit 7) from").count(),
        2,
        "{ran:?}"
    );
    assert!(
        ran.stdout.contains("history: starting a new history"),
        "{ran:?}"
    );
    assert!(!dir.path().join(HISTORY).exists());

    let server = serve(|_| (500, "oops"));
    let (ran, _) = restore(&server.url, &[]);
    assert!(
        ran.stdout
            .contains("cannot read it from feature/x y (HTTP 500 from"),
        "{ran:?}"
    );
    assert!(
        ran.stdout.contains("history: starting a new history"),
        "{ran:?}"
    );
}

/// The gate entry: charts drawn and the exit code kept, for a pass and a
/// failure; bad input draws nothing.
#[test]
fn gitlab_gate_draws_then_exits_with_the_check_status() {
    if !crate::util::tools_available("gitlab_gate_draws_then_exits_with_the_check_status", TOOLS) {
        return;
    }
    let lisa = std::fs::read_to_string(root().join("scenarios/lisa.toml")).unwrap();
    for (limit, code) in [("0.01", 0), ("0.0001", 1)] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("scenarios")).unwrap();
        let text = lisa.replace("max = 0.01", &format!("max = {limit}"));
        std::fs::write(dir.path().join("scenarios/lisa.toml"), text).unwrap();
        let ran = gitlab_entry(
            "racesim check",
            dir.path(),
            &[("CI_COMMIT_SHORT_SHA", "abcdef12")],
        );
        assert_eq!(ran.code, code, "{ran:?}");
        assert!(
            ran.stdout.contains("| lisa | `error_page_rate` |"),
            "{ran:?}"
        );
        assert!(
            dir.path()
                .join("racesim-charts/history-lisa-error_page_rate.svg")
                .exists()
        );
        let history = std::fs::read_to_string(dir.path().join(HISTORY)).unwrap();
        assert!(history.lines().skip(1).all(|l| l.starts_with("abcdef12,")));
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("scenarios")).unwrap();
    std::fs::write(dir.path().join("scenarios/broken.toml"), "name = 3\n").unwrap();
    let ran = gitlab_entry(
        "racesim check",
        dir.path(),
        &[("CI_COMMIT_SHORT_SHA", "abcdef12")],
    );
    assert_eq!(ran.code, 2, "{ran:?}");
    assert!(ran.stderr.contains("broken.toml"), "{ran:?}");
    assert!(!dir.path().join("racesim-charts").exists());
}
