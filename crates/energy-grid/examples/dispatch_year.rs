//! This example demonstrates one simulated year of hourly dispatch of the
//! seven-region example grid, the workload of the dispatch bench, outside
//! criterion, so that a profiler sees only the grid:
//!
//! ```text
//! cargo build --release -p energy-grid --example dispatch_year
//! valgrind --tool=callgrind target/release/examples/dispatch_year 1 outages
//! ```
//!
//! Arguments: number of years (default 1) and `outages` or `no-outages`
//! (default `outages`). It prints the run's summary scalars, so two builds
//! can be compared number by number.

use energy_grid::{Grid, GridConfig, GridEvent, LoadClass, LoadSpec, calendar_2025};
use scheduler::{RngStreams, SECS_PER_YEAR, Scheduler, SimTime};

fn main() {
    let mut args = std::env::args().skip(1);
    let years: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let outages = args.next().is_none_or(|a| a != "no-outages");
    let mut config = GridConfig::example_seven_region(calendar_2025());
    if !outages {
        for group in config.regions.iter_mut().flat_map(|r| r.fleet.iter_mut()) {
            group.failure_rate_per_year = 0.0;
        }
    }
    let mut grid = Grid::new(config, &RngStreams::new(42, 0)).expect("the example grid is valid");
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
    let mut agenda: Scheduler<GridEvent> = Scheduler::new();
    grid.start(&mut agenda).expect("start");
    let mut signals = Vec::new();
    let end = SimTime(years * SECS_PER_YEAR);
    while let Some((_, event)) = agenda.next_event_until(end).expect("no budget") {
        grid.handle(event, &mut agenda, &mut signals).expect("dispatch");
        signals.clear();
    }
    let mut generation = 0.0;
    grid.summary_scalars(&mut |name, value| {
        if name == "energy.generation_mwh_total" {
            generation = value;
        }
        println!("{name} = {value}");
    });
    assert!(generation > 0.0, "a year of dispatch generates energy");
}
