#!/usr/bin/env bash
# 16 shards of scenarios/lisa.toml as a Slurm job array, then the merge as a
# dependent job:
#   jobid=$(sbatch --parsable examples/scale-out/slurm-array.sh)
#   sbatch --dependency=afterok:$jobid --wrap \
#     'racesim merge results/lisa/shard-*-of-16/replications.csv --out results/merged --force'
#
# Each task runs one shard with as many worker threads as the CPUs Slurm gave
# it (--cpus-per-task), so tasks sharing a node never oversubscribe it. The
# shard count is the array's task count: the array must run 1..N (1-based),
# as racesim's --shard K/N does. A requeued task reruns the same shard, and
# --force replaces what its earlier attempt wrote. Memory: a lisa shard peaks
# near 7 MB; check yours with `sacct -j JOBID --format=JobID,MaxRSS`.
#SBATCH --job-name=racesim-lisa
#SBATCH --array=1-16
#SBATCH --cpus-per-task=2
#SBATCH --mem=1G
#SBATCH --time=01:00:00
set -euo pipefail
: "${SLURM_ARRAY_TASK_ID:?run this script with sbatch: it is a job array}"
: "${SLURM_ARRAY_TASK_COUNT:?run this script with sbatch: it is a job array}"
racesim run scenarios/lisa.toml --replications "${REPLICATIONS:-1024}" \
  --shard "${SLURM_ARRAY_TASK_ID}/${SLURM_ARRAY_TASK_COUNT}" \
  --threads "${SLURM_CPUS_PER_TASK:-1}" \
  --out results --no-charts --quiet --force
