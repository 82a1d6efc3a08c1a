#!/usr/bin/env bash
# Build a profile-guided (PGO) release binary of aistack for large batches.
#
# Why: a batch's time is almost all simulation, and after many rounds of
# tuning the profile has no hot spot left (docs/benchmarks.md). PGO lets the
# compiler lay out and inline the code by how a real run uses it: the same
# source, the same arithmetic, byte-identical outputs, a portable binary; in
# the seventeenth session it ran china-2025 batches 3–8 % faster
# (docs/montecarlo.md, "Making a batch faster").
#
# How: (1) build an instrumented binary, (2) run it on the example scenarios
# and a small china-2025 batch to record which branches and calls are taken,
# (3) merge the profiles with LLVM's llvm-profdata, (4) build again using
# them. It needs the rustup component `llvm-tools` (installed here if
# missing; that step needs the network) and takes two release builds
# (≈ 3 minutes each on 2 cores).
#
# Usage: scripts/build-pgo.sh            # -> target/pgo/release/aistack
# RUSTFLAGS (for example "-C target-cpu=native") are passed to both builds.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
target=${CARGO_TARGET_DIR:-$root/target}

sysroot=$(rustc --print sysroot)
host=$(rustc -vV | sed -n 's/^host: //p')
profdata="$sysroot/lib/rustlib/$host/bin/llvm-profdata"
if [ ! -x "$profdata" ]; then
    echo "build-pgo: llvm-profdata not found; installing the rustup component llvm-tools" >&2
    rustup component add llvm-tools
fi
if [ ! -x "$profdata" ]; then
    echo "build-pgo: $profdata is still missing; cannot build with PGO" >&2
    exit 1
fi

profiles="$target/pgo-profiles"
scratch="$target/pgo-training"
rm -rf "$profiles" "$scratch"
mkdir -p "$profiles" "$scratch"

user_flags=${RUSTFLAGS:-}

echo "build-pgo: 1/4 building the instrumented binary" >&2
CARGO_TARGET_DIR="$target/pgo-gen" RUSTFLAGS="$user_flags -Cprofile-generate=$profiles" \
    cargo build --release --locked -p aistack
instrumented="$target/pgo-gen/release/aistack"

echo "build-pgo: 2/4 recording profiles (the example scenarios, a small batch)" >&2
for scenario in examples/scenarios/*.ron; do
    name=$(basename "$scenario" .ron)
    "$instrumented" run "$scenario" --out "$scratch/$name" >/dev/null
done
"$instrumented" batch examples/scenarios/china-2025.ron --runs 8 --seed 1 --threads 2 \
    --out "$scratch/batch" >/dev/null 2>&1

echo "build-pgo: 3/4 merging the profiles" >&2
"$profdata" merge -o "$target/pgo-merged.profdata" "$profiles"

echo "build-pgo: 4/4 building with the profiles" >&2
CARGO_TARGET_DIR="$target/pgo" RUSTFLAGS="$user_flags -Cprofile-use=$target/pgo-merged.profdata" \
    cargo build --release --locked -p aistack

rm -rf "$scratch"
echo "build-pgo: done: $target/pgo/release/aistack" >&2
