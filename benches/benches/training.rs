//! The training domain alone on a plain scheduler: `n` labs of 20,000
//! accelerators each (default failure rate: ≈0.4 failures an hour per
//! cluster), three simulated years, a grid played by the bench that sets
//! every site's served power each week (a fixed pseudo-random share of its
//! demand, so runs slow, pause and reschedule their finish events), and a
//! monthly metrics sample. Sizes: 1, 4 and 16 labs. Throughput is in
//! handled events.
//!
//! `cargo bench -p aistack-benches --bench training`

use aistack_benches::Selection;
use criterion::{BenchmarkId, Criterion, Throughput};
use model_training::{ChipBatch, LabConfig, Training, TrainingConfig, TrainingEvent, TrainingSignal};
use scheduler::{RngStreams, SECS_PER_DAY, SECS_PER_YEAR, Scheduler, SimTime};
use std::hint::black_box;

const LAB_COUNTS: [usize; 3] = [1, 4, 16];
const WEEK: u64 = 7 * SECS_PER_DAY;

fn config(labs: usize) -> TrainingConfig {
    let labs = (0..labs)
        .map(|i| {
            let mut l = LabConfig::new(format!("lab{i}"), &["r"]);
            l.sites[0].initial_connection_mw = 1e5;
            l.initial_accelerators = vec![ChipBatch {
                design: "h100".into(),
                count: 20_000,
                peak_flop_s_per_chip: 989e12,
                power_w_per_chip: 700.0,
                unit_price_usd: 25_000.0,
                age: scheduler::Duration::ZERO,
            }];
            l.open_share = (i % 2) as f64;
            l
        })
        .collect();
    TrainingConfig::new(labs)
}

/// Runs three years; returns the number of events handled.
fn simulate(labs: usize, seed: u64) -> u64 {
    let mut t = Training::new(config(labs), &RngStreams::new(seed, 0)).expect("valid");
    let mut sched: Scheduler<TrainingEvent> = Scheduler::new();
    let mut signals: Vec<TrainingSignal> = Vec::new();
    t.start(&mut sched).expect("start");
    let sites: Vec<_> = t.sites().map(|(id, _, _)| id).collect();
    let mut demand = vec![0.0; sites.len()];
    let mut state = seed | 1;
    let mut week = 0u64;
    let mut metrics = 0.0;
    while week * WEEK < 3 * SECS_PER_YEAR {
        week += 1;
        let end = SimTime(week * WEEK);
        while let Some((_, ev)) = sched.next_event_until(end).expect("no budget") {
            t.handle(ev, &mut sched, &mut signals).expect("handle");
        }
        for s in signals.drain(..) {
            if let TrainingSignal::PowerDemand { site, mw } = s {
                demand[site.index()] = mw;
            }
        }
        for (i, &site) in sites.iter().enumerate() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let share = [1.0, 1.0, 0.8, 0.5, 0.0][(state % 5) as usize];
            t.set_power_served(site, demand[i] * share, &mut sched, &mut signals)
                .expect("serve");
        }
        if week.is_multiple_of(4) {
            t.sample_metrics(end, &mut |_, _, v| metrics += v);
        }
    }
    black_box(metrics);
    sched.events_processed()
}

fn bench(c: &mut Criterion, sel: &Selection) {
    let mut g = c.benchmark_group("training_3_years");
    g.sample_size(10);
    for labs in LAB_COUNTS {
        // The throughput needs one run: only for a benchmark criterion measures.
        if sel.measures(&format!("training_3_years/{labs}_labs")) {
            g.throughput(Throughput::Elements(simulate(labs, 1)));
        }
        g.bench_with_input(
            BenchmarkId::from_parameter(format!("{labs}_labs")),
            &labs,
            |b, &labs| b.iter(|| simulate(labs, 1)),
        );
    }
    g.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c, &Selection::from_args());
    c.final_summary();
}
