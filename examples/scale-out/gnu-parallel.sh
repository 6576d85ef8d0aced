#!/usr/bin/env bash
# 16 shards of scenarios/lisa.toml with GNU parallel (locally, or across hosts
# with --sshlogin), then the merge.
set -euo pipefail
parallel -j 16 racesim run scenarios/lisa.toml --replications 1024 --shard {}/16 \
  --out results --no-charts --quiet --force ::: $(seq 1 16)
racesim merge results/lisa/shard-*-of-16/replications.csv --out results/merged
