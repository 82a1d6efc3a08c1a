//! One simulated year of hourly dispatch of a seven-region national grid
//! (`GridConfig::example_seven_region`, shaped like China's seven grid areas
//! in 2025), with forced outages, AI loads and the scheduler in the loop.
//!
//! Goal (issue 3): under 5 ms per simulated year on one core.
//! Run: `cargo bench -p aistack-benches --bench dispatch`.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use energy_grid::{Grid, GridConfig, GridEvent, LoadClass, LoadSpec, calendar_2025};
use scheduler::{RngStreams, SECS_PER_YEAR, Scheduler, SimTime};
use std::hint::black_box;

fn build(seed: u64) -> (Grid, Scheduler<GridEvent>) {
    let calendar = calendar_2025();
    let mut grid = Grid::new(
        GridConfig::example_seven_region(calendar),
        &RngStreams::new(seed, 0),
    )
    .expect("the example grid is valid");
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
    group.bench_function("seven_regions_one_year_hourly", |b| {
        let mut signals = Vec::with_capacity(64);
        b.iter_batched(
            || build(42),
            |(mut grid, mut agenda)| {
                run_year(&mut grid, &mut agenda, &mut signals);
                black_box(grid.price_usd_per_mwh(grid.region_id("east").expect("east")))
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, dispatch);
criterion_main!(benches);
