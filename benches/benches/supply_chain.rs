//! The supply chain alone on a plain scheduler: five simulated years of the
//! calibrated example configuration (weekly production ticks, tool failures
//! and repairs, lot completions, a subsidy project, an import ban), with the
//! example's fab copied to 1, 10 and 100 fabs. Throughput is reported in
//! events handled per second; metrics are sampled monthly as the stack does.
//!
//! ```text
//! CARGO_TARGET_DIR=/tmp/target-fab cargo bench -p aistack-benches --bench supply_chain
//! ```

use aistack_benches::Selection;
use criterion::{BenchmarkId, Criterion, Throughput};
use fab_supply_chain::{FabConfig, FabEvent, SupplyChain, example_config};
use scheduler::{RngStreams, SECS_PER_YEAR, Scheduler, SimTime};
use std::hint::black_box;

/// Fab counts swept.
const FABS: [usize; 3] = [1, 10, 100];
/// Simulated years per run.
const YEARS: u64 = 5;

/// The example with its fab copied `n` times (distinct names, so each has
/// its own tool stream) and every copy making the same design.
fn config(n: usize) -> FabConfig {
    let mut c = example_config();
    let base = c.fabs[0].clone();
    c.fabs = (0..n)
        .map(|i| {
            let mut f = base.clone();
            if i > 0 {
                f.name = format!("{}-{i}", base.name);
            }
            f
        })
        .collect();
    c
}

/// Runs one replication; returns (events handled, accelerators delivered).
fn run(config: FabConfig, seed: u64) -> (u64, f64) {
    let mut chain = SupplyChain::new(config, &RngStreams::new(seed, 0)).expect("valid example");
    let mut sched: Scheduler<FabEvent> = Scheduler::new();
    chain.start(&mut sched).expect("start");
    if let Some(lab) = chain.buyer_id("lab") {
        chain.place_order(lab, 1e12).expect("order");
    }
    let mut signals = Vec::new();
    let month = SECS_PER_YEAR / 12;
    for k in 1..=YEARS * 12 {
        let end = SimTime(k * month);
        while let Some((_, ev)) = sched.next_event_until(end).expect("no budget") {
            chain.handle(ev, &mut sched, &mut signals).expect("handle");
            signals.clear();
        }
        chain.sample_metrics(end, &mut |_, _, v| {
            black_box(v);
        });
    }
    let mut delivered = 0.0;
    chain.summary_scalars(&mut |name, v| {
        if name == "fab.accelerators_delivered_total" {
            delivered = v;
        }
    });
    (sched.events_processed(), delivered)
}

fn bench(c: &mut Criterion, sel: &Selection) {
    let mut group = c.benchmark_group("supply_chain_5y");
    group.sample_size(10);
    for n in FABS {
        let cfg = config(n);
        // The throughput needs one run: only for a benchmark criterion measures.
        if sel.measures(&format!("supply_chain_5y/fabs/{n}")) {
            let (events, _) = run(cfg.clone(), 1);
            group.throughput(Throughput::Elements(events));
        }
        group.bench_with_input(BenchmarkId::new("fabs", n), &cfg, |b, cfg| {
            b.iter(|| black_box(run(cfg.clone(), 1)));
        });
    }
    group.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c, &Selection::from_args());
    c.final_summary();
}
