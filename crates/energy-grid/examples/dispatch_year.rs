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

use energy_grid::GridEvent;
use scheduler::{SECS_PER_YEAR, Scheduler, SimTime};

fn main() {
    let mut args = std::env::args().skip(1);
    let years: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let outages = args.next().is_none_or(|a| a != "no-outages");
    let mut grid =
        energy_grid::example_seven_region_with_loads(42, outages).expect("the example grid is valid");
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
