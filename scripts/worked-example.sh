#!/bin/bash
# Regenerates the worked example of docs/montecarlo.md with the real binary:
# a 500-run batch of china-2025, its charts, Morris screening, scenario
# discovery (over the batch and over a comparison) and six
# common-random-number comparisons (about 1,860 runs: 10 min of CPU), then writes the section's text from the outputs and
# splices it, with the three charts, into the docs.
#
#   cargo build --release -p aistack
#   scripts/worked-example.sh [OUT_DIR]      # default: target/worked-example
#
# The outputs stay in OUT_DIR for inspection; `git diff docs/` shows what
# moved. The text's claims are checked against the numbers (the script
# prints a warning for any that no longer holds: edit the prose then).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
A=${AISTACK:-$root/target/release/aistack}
out=${1:-$root/target/worked-example}
rm -rf "$out"
mkdir -p "$out"
cd "$out"
# The commands as the docs show them: relative paths under out/.
ln -sfn "$root/examples" examples
S=examples/scenarios
"$A" batch $S/china-2025.ron --runs 500 --seed 1 --threads 2 --out out/batch > batch.txt 2>&1
"$A" plot out/batch > plot.txt 2>&1
for v in grid-crunch export-controls-tighten export-controls-tighten-hbm no-spillovers; do
  "$A" compare $S/china-2025.ron $S/$v.ron --runs 100 --seed 1 --threads 2 \
    --out out/compare-$v > compare-$v.txt 2>&1
done
"$A" compare $S/grid-crunch.ron $S/grid-crunch-ai-first.ron --runs 100 --seed 1 --threads 2 \
  --out out/compare-ai-first > compare-ai-first.txt 2>&1
"$A" compare $S/export-controls-tighten-hbm.ron $S/export-controls-tighten.ron --runs 100 --seed 1 \
  --threads 2 --out out/compare-tighten-rest > compare-tighten-rest.txt 2>&1
"$A" sensitivity $S/china-2025.ron --method morris --outcome training.frontier_gap_months_end \
  --trajectories 20 --seed 1 --threads 2 --out out/morris > morris.txt 2>&1
"$A" discover out/batch --outcome training.largest_run_flop --below 1e27 > discover.txt 2>&1
"$A" discover out/batch --outcome training.largest_run_bound_year_2028 --equals chips \
  > discover-2028.txt 2>&1
"$A" discover out/compare-export-controls-tighten --outcome training.largest_run_flop_year_2030 \
  --relative --below -0.15 > discover-tighten.txt 2>&1
ln -sfn out/batch batch
rev=$(git -C "$root" rev-parse --short HEAD)
when=$(date -u +"%-d %b %Y")
python3 "$root/scripts/worked-example.py" "$out" "$rev" "$when" "$root/docs/montecarlo.md"
cp out/batch/plots/fan-training_frontier_gap_months-national.svg "$root/docs/img/worked-fan-gap.svg"
cp out/batch/plots/tornado-training_frontier_gap_months_end.svg "$root/docs/img/worked-tornado-gap.svg"
cp out/batch/discover/training.largest_run_flop-below-1e27/trajectory.svg \
  "$root/docs/img/discover-largest-run.svg"
