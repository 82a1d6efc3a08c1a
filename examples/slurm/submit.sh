#!/bin/bash
# Submits a sharded aistack batch to Slurm: a job array of SHARDS tasks
# (batch.sbatch, one shard each), then a merge job (merge.sbatch) that
# starts only when every shard succeeded. Prints the two job ids.
#   examples/slurm/submit.sh SCENARIO RUNS SEED SHARDS OUT_ROOT [DESIGN] [--wait]
# Environment: AISTACK (path of the aistack binary, default `aistack` on PATH),
# and any sbatch options through SBATCH_* variables (e.g. SBATCH_PARTITION).
set -euo pipefail
if [ $# -lt 5 ]; then
  echo "usage: $0 SCENARIO RUNS SEED SHARDS OUT_ROOT [DESIGN] [--wait]" >&2
  exit 2
fi
RUNS=$2 SEED=$3 SHARDS=$4 DESIGN=${6:-mc}
WAIT=()
[ "${7:-}" = "--wait" ] && WAIT=(--wait)
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$5/logs"
# Jobs start in OUT_ROOT/logs, so every path they get is made absolute here.
SCENARIO=$(realpath "$1") OUT_ROOT=$(realpath "$5")
AISTACK=${AISTACK:-aistack}
case "$AISTACK" in */*) AISTACK=$(realpath "$AISTACK") ;; esac
export AISTACK
array=$(sbatch --parsable --export=ALL --chdir="$OUT_ROOT/logs" --array=0-$((SHARDS - 1)) \
  "$HERE/batch.sbatch" "$SCENARIO" "$RUNS" "$SEED" "$OUT_ROOT" "$DESIGN")
merge=$(sbatch --parsable --export=ALL --chdir="$OUT_ROOT/logs" --dependency=afterok:"$array" \
  --kill-on-invalid-dep=yes "${WAIT[@]}" "$HERE/merge.sbatch" "$OUT_ROOT" "$SHARDS")
echo "array job $array, merge job $merge"
