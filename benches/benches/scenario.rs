//! A whole run of the embedded default scenario (`china-2025`: ten years,
//! seven grid regions, four labs, one fab) through the `aistack-stack`
//! library, as `aistack run` does minus writing files: build the world, run
//! every event, record the monthly series and the summary scalars.
//! Throughput is in handled events, so the cost of domain logic per event
//! can be set beside the hold model's (`--bench hold`).
//!
//! Two seeds, so a change that only suits one sample path shows.
//!
//! `cargo bench -p aistack-benches --bench scenario`

use aistack_benches::Selection;
use criterion::{BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;

const SEEDS: [u64; 2] = [1, 2];

fn bench(c: &mut Criterion, sel: &Selection) {
    let scenario = match stack::Scenario::embedded_default() {
        Ok(s) => s,
        Err(e) => panic!("the embedded scenario does not load: {e}"),
    };
    let mut g = c.benchmark_group("china_2025_10_years");
    // A run takes a fraction of a second: few samples keep the bench short.
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(10));
    for seed in SEEDS {
        let opts = stack::RunOptions {
            seed: Some(seed),
            ..stack::RunOptions::default()
        };
        // The throughput needs one run: only for a benchmark criterion measures.
        if sel.measures(&format!("china_2025_10_years/seed/{seed}")) {
            let events = match stack::run(&scenario, &opts) {
                Ok(out) => out.events,
                Err(e) => panic!("seed {seed}: the run fails: {e}"),
            };
            g.throughput(Throughput::Elements(events));
        }
        g.bench_with_input(BenchmarkId::new("seed", seed), &opts, |b, opts| {
            b.iter(|| match stack::run(&scenario, opts) {
                Ok(out) => black_box(out.events),
                Err(e) => panic!("the run fails: {e}"),
            })
        });
    }
    g.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c, &Selection::from_args());
    c.final_summary();
}
