//! The energy grid: regions with fleets, storage and demand, joined by
//! transmission links, dispatched at a fixed interval, with forced outages,
//! droughts, build-out and an interconnection queue; it tells the other
//! domains how much power their loads get.
//!
//! # The cycle
//!
//! ```text
//! GridConfig ──Grid::new──▶ Grid ──start──▶ Dispatch, ProjectResolved, ProgrammeStep, DroughtStart …
//!                             ▲                                 │
//!   add_load / set_load_demand / request_connection (wiring)    ▼
//!                             └──────── handle(event) ──▶ GridSignal::{LoadServed, ConnectionGranted, ProjectCompleted}
//! ```
//!
//! Each dispatch step (default hourly) computes availability (solar shape,
//! AR(1) wind and hydro, units on forced outage, droughts), demand (non-AI
//! shape and growth plus AI loads), storage discharge where a region's own
//! fleet falls short, then one network-wide economic dispatch: every plant
//! group's output and every link's flow at least cost, a small linear
//! program warm-started from the previous step's basis (see the `network`
//! module), then storage charging from spare generation and curtailment by
//! the configured class order. The step allocates nothing.
//!
//! The model, its equations and what it leaves out: `docs/model/energy-grid.md`;
//! sources of default numbers: `docs/calibration/energy-grid.md`.
//!
//! ```
//! use energy_grid::{calendar_2025, Grid, GridConfig, GridEvent, LoadClass, LoadSpec};
//! use scheduler::{RngStreams, Scheduler, SimTime, SECS_PER_DAY};
//!
//! let calendar = calendar_2025();
//! let mut grid = Grid::new(GridConfig::example_two_region(calendar), &RngStreams::new(1, 0)).unwrap();
//! let north = grid.region_id("north").unwrap();
//! let dc = grid
//!     .add_load(LoadSpec { name: "dc".into(), region: north, class: LoadClass::Datacenter, connected_mw: 50.0 })
//!     .unwrap();
//! grid.set_load_demand(dc, 50.0).unwrap();
//! let mut agenda: Scheduler<GridEvent> = Scheduler::new();
//! grid.start(&mut agenda).unwrap();
//! let mut signals = Vec::new();
//! while let Some((_, event)) = agenda.next_event_until(SimTime(SECS_PER_DAY)).unwrap() {
//!     grid.handle(event, &mut agenda, &mut signals).unwrap();
//! }
//! for balance in grid.last_balance() {
//!     assert!(balance.residual_mw().abs() < 1e-6);
//! }
//! ```

mod adequacy;
mod buildout;
mod config;
mod defaults;
mod derates;
mod dispatch;
mod grid;
mod maintenance;
mod metrics;
mod network;
mod outages;
mod profiles;
mod state;
mod validate;

pub use adequacy::{
    AdequacyConfig, MAX_ADEQUACY_YEARS, MAX_PROJECTS, MAX_TARGET_RESERVE_MARGIN, MIN_CHECK_EVERY_YEARS,
};
pub use config::{
    Availability, DEFAULT_DEMAND_NOISE_HOURS, DEFAULT_DISPATCH_HOURS, DEFAULT_HYDRO_HOLD_HOURS,
    DEFAULT_SEMIANNUAL_PEAK_DAY, DEMAND_NOISE_HOURS_RANGE, DemandConfig, DerateConfig, DroughtConfig,
    DroughtProcessConfig, GridConfig, LinkConfig, LoadClass, MAX_DEMAND_NOISE_SD, MAX_HOLD_HOURS,
    MAX_RESERVOIR_HOURS, MaintenanceConfig, PlantGroupConfig, ProgrammeConfig, ProjectConfig, RegionConfig,
    RetirementConfig, StorageConfig, Technology, UTC_OFFSET_RANGE_HOURS,
};
pub use defaults::{calendar_2025, example_seven_region_with_loads};
pub use grid::{Grid, LoadBill};
pub use metrics::UNSERVED_BY_CLASS;
pub use state::{
    GridEvent, GridSignal, LoadId, LoadSpec, PlantGroupId, PlantGroupState, ProjectId, RegionBalance,
    RegionId,
};
pub use validate::{
    GridError, MAX_DERATE_DAYS, MAX_DERATE_DEMAND_FACTOR, MAX_DROUGHT_DAYS, MAX_LEAD_TIME_YEARS, MAX_MW,
    MAX_REPAIR_DAYS, MAX_SEASONAL_SWING,
};

/// The name of the plant group the grid creates in `region` for projects
/// and programmes that build `technology` there when the region has no
/// group of it: `<region>-<technology>-build` (`north-wind-build`). A
/// scenario's own group of that name would clash with it.
pub fn build_group_name(region: &str, technology: Technology) -> String {
    format!("{region}-{}-build", technology.key())
}
