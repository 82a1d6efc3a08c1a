//! One simulated year of hourly dispatch of a seven-region national grid
//! (`GridConfig::example_seven_region`, shaped like China's seven grid areas
//! in 2025), with AI loads and the scheduler in the loop: 8,766 dispatches.
//!
//! Two variants: `with_outages` also runs the forced outages of about 2,900
//! thermal and nuclear units (≈ 46,000 failures and repairs a year, caught up by the dispatch steps,
//! not scheduler events);
//! `dispatch_only` switches outages off to show the cost of dispatch alone.
//! Both solve the network-wide economic dispatch every step (one linear
//! program over every plant group and link, warm-started from the last
//! step's basis).
//! Grid construction is setup, outside the measurement. For profilers, the
//! same year runs outside criterion as
//! `cargo run --release -p energy-grid --example dispatch_year -- 1 outages`.
//!
//! Goal (issue 3): under 5 ms per simulated year on one core.
//! Run: `cargo bench -p aistack-benches --bench dispatch`.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use energy_grid::{Grid, GridEvent};
use scheduler::{SECS_PER_YEAR, Scheduler, SimTime};
use std::hint::black_box;

fn build(seed: u64, outages: bool) -> (Grid, Scheduler<GridEvent>) {
    let mut grid =
        energy_grid::example_seven_region_with_loads(seed, outages).expect("the example grid is valid");
    let mut agenda = Scheduler::new();
    grid.start(&mut agenda).expect("start");
    (grid, agenda)
}

fn run_year(grid: &mut Grid, agenda: &mut Scheduler<GridEvent>, signals: &mut Vec<energy_grid::GridSignal>) {
    let end = SimTime(SECS_PER_YEAR);
    while let Some((_, event)) = agenda.next_event_until(end).expect("no budget") {
        grid.handle(event, agenda, signals).expect("dispatch");
        signals.clear();
    }
}

fn dispatch(c: &mut Criterion) {
    let mut group = c.benchmark_group("dispatch");
    group.sample_size(20);
    for (name, outages) in [("with_outages", true), ("dispatch_only", false)] {
        group.bench_function(format!("seven_regions_one_year_hourly/{name}"), |b| {
            let mut signals = Vec::with_capacity(64);
            b.iter_batched(
                || build(42, outages),
                |(mut grid, mut agenda)| {
                    run_year(&mut grid, &mut agenda, &mut signals);
                    black_box(grid.price_usd_per_mwh(grid.region_id("east").expect("east")))
                },
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, dispatch);
criterion_main!(benches);
