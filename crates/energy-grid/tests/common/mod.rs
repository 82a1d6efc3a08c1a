//! Shared helpers for the grid's integration tests: small configs and a run loop.
#![allow(dead_code)]

use energy_grid::{
    Grid, GridConfig, GridEvent, GridSignal, LoadClass, PlantGroupConfig, RegionConfig, StorageConfig,
    Technology, calendar_2025,
};

/// The curtailment order that cuts AI loads first: datacenters, fabs,
/// industry, households.
pub fn datacenters_first() -> Vec<LoadClass> {
    vec![
        LoadClass::Datacenter,
        LoadClass::Fab,
        LoadClass::Industry,
        LoadClass::Household,
    ]
}
use scheduler::{RngStreams, SECS_PER_HOUR, Scheduler, SimTime};

/// Runs the grid until `end`, calling `after_dispatch(grid, time, signals of that dispatch)`
/// after each dispatch. Returns every signal.
pub fn run(
    grid: &mut Grid,
    agenda: &mut Scheduler<GridEvent>,
    end: SimTime,
    mut after_dispatch: impl FnMut(&Grid, SimTime, &[GridSignal]),
) -> Vec<GridSignal> {
    let mut all = Vec::new();
    let mut signals = Vec::new();
    while let Some((t, event)) = agenda.next_event_until(end).expect("no budget") {
        grid.handle(event, agenda, &mut signals).expect("event handled");
        if event == GridEvent::Dispatch {
            after_dispatch(grid, t, &signals);
        }
        all.append(&mut signals);
    }
    all
}

/// Builds and starts a grid.
pub fn started(config: GridConfig, seed: u64) -> (Grid, Scheduler<GridEvent>) {
    let mut grid = Grid::new(config, &RngStreams::new(seed, 0)).expect("valid config");
    let mut agenda = Scheduler::new();
    grid.start(&mut agenda).expect("start");
    (grid, agenda)
}

/// `h` hours after the start.
pub fn hours(h: u64) -> SimTime {
    SimTime(h * SECS_PER_HOUR)
}

/// A firm group without outages: `installed_mw` always available at `cost`.
pub fn firm(name: &str, technology: Technology, installed_mw: f64, cost: f64) -> PlantGroupConfig {
    let mut g = PlantGroupConfig::typical(name, technology, installed_mw);
    g.failure_rate_per_year = 0.0;
    g.marginal_cost_usd_per_mwh = cost;
    g
}

/// A region with flat demand (no daily or seasonal shape) and no storage.
pub fn flat_region(name: &str, demand_mw: f64) -> RegionConfig {
    let mut r = RegionConfig::new(name, demand_mw);
    r.demand.daily_amplitude = 0.0;
    r.demand.seasonal_amplitude = 0.0;
    r.storage = StorageConfig::none();
    r
}

/// An empty config on the 2025 calendar.
pub fn config(regions: Vec<RegionConfig>) -> GridConfig {
    let mut c = GridConfig::new(calendar_2025());
    c.regions = regions;
    c
}
