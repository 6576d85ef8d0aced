#!/usr/bin/env bash
# 16 shards of scenarios/lisa.toml with GNU parallel on this machine, then the
# merge. JOBS shards run at once, each with THREADS worker threads; JOBS x
# THREADS is kept within the cores, so shards do not fight over them. Override
# any of them from the environment, e.g. THREADS=4 ./gnu-parallel.sh.
#
# Across hosts (--sshlogin), -j counts shards per host: set JOBS to each
# host's cores / THREADS, and make sure every host sees the same scenario
# file, the same racesim version and the shared results/ folder.
set -euo pipefail
SHARDS=${SHARDS:-16}
REPLICATIONS=${REPLICATIONS:-1024}
THREADS=${THREADS:-2}
cores=$(nproc)
JOBS=${JOBS:-$((cores / THREADS > 0 ? cores / THREADS : 1))}
# --halt: stop at the first failed shard; a merge of the others would refuse
# anyway (every shard must be there once).
seq 1 "$SHARDS" | parallel --halt now,fail=1 -j "$JOBS" \
  racesim run scenarios/lisa.toml --replications "$REPLICATIONS" --shard "{}/$SHARDS" \
  --threads "$THREADS" --out results --no-charts --quiet --force
racesim merge results/lisa/shard-*-of-"$SHARDS"/replications.csv --out results/merged --force
