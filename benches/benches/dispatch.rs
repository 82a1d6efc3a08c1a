//! One simulated year of hourly dispatch of a seven-region national grid
//! (`GridConfig::example_seven_region`, shaped like China's seven grid areas
//! in 2025), with AI loads and the scheduler in the loop: 8,766 dispatches.
//!
//! Two variants: `with_outages` also runs the forced outages of about 2,900
//! thermal and nuclear units (≈ 46,000 failure and repair events a year);
//! `dispatch_only` switches outages off to show the cost of dispatch alone.
//! Both include trade between neighbours every step and the exact shortfall
//! program in the steps where a region is short after its own storage.
//! Grid construction is setup, outside the measurement. For profilers, the
//! same year runs outside criterion as
//! `cargo run --release -p energy-grid --example dispatch_year -- 1 outages`.
//!
//! Goal (issue 3): under 5 ms per simulated year on one core.
//! Run: `cargo bench -p aistack-benches --bench dispatch`.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use energy_grid::{Grid, GridConfig, GridEvent, LoadClass, LoadSpec, calendar_2025};
use scheduler::{RngStreams, SECS_PER_YEAR, Scheduler, SimTime};
use std::hint::black_box;

fn build(seed: u64, outages: bool) -> (Grid, Scheduler<GridEvent>) {
    let mut config = GridConfig::example_seven_region(calendar_2025());
    if !outages {
        for group in config.regions.iter_mut().flat_map(|r| r.fleet.iter_mut()) {
            group.failure_rate_per_year = 0.0;
        }
    }
    let mut grid = Grid::new(config, &RngStreams::new(seed, 0)).expect("the example grid is valid");
    let names: Vec<String> = grid.region_names().map(str::to_string).collect();
    for name in names {
        let region = grid.region_id(&name).expect("region exists");
        for (class, mw) in [(LoadClass::Datacenter, 2_000.0), (LoadClass::Fab, 500.0)] {
            let load = grid
                .add_load(LoadSpec {
                    name: format!("{name}-{class:?}"),
                    region,
                    class,
                    connected_mw: mw,
                })
                .expect("valid load");
            grid.set_load_demand(load, mw).expect("valid demand");
        }
    }
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
