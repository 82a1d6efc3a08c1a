//! A Monte Carlo batch of the toy growth model (`montecarlo::toy::ToyGrowth`:
//! 5 simulated years, 120 series points per run, 1 ms of busy work per
//! run so the parallel speed-up is visible) at 1 and 2 threads: sampling,
//! parallel runs, per-run files (not fsynced) and the rebuild of runs.csv,
//! bands.csv and summary.json. Throughput is in runs. The whole-scenario
//! batch replaces the toy once `stack` implements `montecarlo::Model`.
//!
//! `cargo bench -p aistack-benches --bench batch`

use criterion::{BenchmarkId, Criterion, Throughput};
use montecarlo::toy::ToyGrowth;
use montecarlo::{BatchOptions, NoProgress, run_batch};
use std::hint::black_box;

const RUNS: u64 = 200;

fn batch(threads: usize) -> u64 {
    // Removed on drop, also when the batch fails.
    let scratch = tempfile::Builder::new()
        .prefix(&format!("aistack-bench-batch-{threads}-"))
        .tempdir()
        .expect("a temporary directory");
    let dir = scratch.path().join("out");
    let mut o = BatchOptions::new(&dir, RUNS, 1);
    o.threads = Some(threads);
    o.durable = false;
    let model = ToyGrowth {
        work_micros: 1_000,
        ..ToyGrowth::default()
    };
    let report = run_batch(&model, &o, &NoProgress).expect("toy batch");
    report.runs_in_outputs
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("batch_toy_200_runs");
    g.sample_size(10);
    g.throughput(Throughput::Elements(RUNS));
    for threads in [1usize, 2] {
        g.bench_with_input(
            BenchmarkId::from_parameter(format!("{threads}_threads")),
            &threads,
            |b, &t| b.iter(|| black_box(batch(t))),
        );
    }
    g.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
