"""Writes the shell scripts embedded in the CI examples to files for shellcheck.

One file per GitHub Actions `run:` step and one per GitLab job (its
before_script, script and after_script entries run in one shell, in order).
A GitHub `run:` must not contain `${{ }}`: a value pasted into a script by the
expression engine can inject shell code and hides the script from shellcheck;
pass it through the step's `env:` instead. Exit 1 when one does.

Usage: python embedded_shell.py OUT_DIR
"""

import pathlib
import sys

import yaml

GITHUB = "examples/ci/github-actions.yml"
GITLAB = "examples/ci/gitlab-ci.yml"
# GitHub runs `shell: bash` steps as `bash --noprofile --norc -eo pipefail`;
# GitLab runs a job's entries in one bash with errexit and pipefail.
HEADER = "#!/usr/bin/env bash\nset -eo pipefail\n"


def main(out: pathlib.Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    errors = 0
    written = 0
    with open(GITHUB, encoding="utf-8") as f:
        workflow = yaml.safe_load(f)
    for job_id, job in workflow["jobs"].items():
        for index, step in enumerate(job.get("steps", [])):
            script = step.get("run")
            if script is None:
                continue
            name = step.get("name", f"step {index + 1}")
            if "${{" in script:
                print(f"{GITHUB}: job {job_id}, step '{name}': '${{{{' inside run:; "
                      "pass the value through env: instead")
                errors += 1
            (out / f"github-{job_id}-{index + 1}.sh").write_text(HEADER + script)
            written += 1
    with open(GITLAB, encoding="utf-8") as f:
        pipeline = yaml.safe_load(f)
    for job_id, job in pipeline.items():
        if not isinstance(job, dict) or "script" not in job:
            continue
        entries = job.get("before_script", []) + job["script"] + job.get("after_script", [])
        (out / f"gitlab-{job_id}.sh").write_text(HEADER + "\n".join(entries) + "\n")
        written += 1
    if written == 0:
        print("no embedded scripts found: the example files changed shape")
        return 1
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1])))
