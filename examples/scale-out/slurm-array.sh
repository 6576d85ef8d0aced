#!/usr/bin/env bash
# 16 shards of scenarios/lisa.toml as a Slurm job array; then the merge step
# runs as a dependent job:
#   jobid=$(sbatch --parsable examples/scale-out/slurm-array.sh)
#   sbatch --dependency=afterok:$jobid --wrap \
#     'racesim merge results/lisa/shard-*-of-16/replications.csv --out results/merged'
#SBATCH --job-name=racesim-lisa
#SBATCH --array=1-16
#SBATCH --cpus-per-task=2
#SBATCH --time=01:00:00
set -euo pipefail
racesim run scenarios/lisa.toml --replications 1024 \
  --shard "${SLURM_ARRAY_TASK_ID}/16" --threads "${SLURM_CPUS_PER_TASK}" \
  --out results --no-charts --quiet --force
