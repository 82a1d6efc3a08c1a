//! Default parameters per technology and two example grids, for tests,
//! benches and scenario defaults.
//!
//! Every number here is listed with its source and year in
//! `docs/calibration/energy-grid.md`; numbers marked there as assumptions are
//! order-of-magnitude placeholders a scenario should override.

use crate::config::{
    Availability, GridConfig, LinkConfig, PlantGroupConfig, RegionConfig, StorageConfig, Technology,
};
use crate::{Grid, GridError, LoadClass, LoadSpec, RegionId};
use scheduler::{Calendar, Dist, RngStreams};

/// Per-technology defaults: (marginal cost USD/MWh, emissions tCO2/MWh,
/// unit size MW, failures per unit-year, mean repair days).
fn firm_defaults(technology: Technology) -> (f64, f64, f64, f64, f64) {
    match technology {
        // IPCC AR5 WGIII Annex III (2014) life-cycle medians 820 / 490 g/kWh;
        // outage rates shaped to NERC GADS equivalent forced-outage rates
        // (coal ~7-8 %, gas ~3 %, nuclear ~3 %): assumptions, see calibration doc.
        Technology::Coal => (30.0, 0.82, 600.0, 10.0, 3.0),
        Technology::Gas => (45.0, 0.49, 400.0, 6.0, 2.0),
        Technology::Nuclear => (10.0, 0.0, 1_000.0, 1.5, 7.0),
        _ => (0.0, 0.0, 100.0, 0.0, 1.0),
    }
}

impl PlantGroupConfig {
    /// A plant group with the default parameters of its technology (see
    /// `docs/calibration/energy-grid.md`). `Battery` is not a plant group:
    /// batteries belong in [`StorageConfig`]; it yields a firm group that
    /// `Grid::new` refuses.
    pub fn typical(name: &str, technology: Technology, installed_mw: f64) -> PlantGroupConfig {
        let (cost, emissions, unit, failures, repair_days) = firm_defaults(technology);
        let (availability, cost) = match technology {
            Technology::Coal | Technology::Gas | Technology::Nuclear | Technology::Battery => {
                (Availability::Firm, cost)
            }
            Technology::Hydro => (
                Availability::Weather {
                    capacity_factor: 0.38,
                    logit_sd: 0.5,
                    autocorrelation_per_hour: 0.999,
                    seasonal_amplitude: 0.3,
                    peak_day_of_year: 200.0,
                    hold_hours: None,
                },
                5.0,
            ),
            Technology::Wind => (
                Availability::Weather {
                    capacity_factor: 0.30,
                    logit_sd: 1.2,
                    autocorrelation_per_hour: 0.97,
                    seasonal_amplitude: 0.1,
                    peak_day_of_year: 60.0,
                    hold_hours: None,
                },
                0.0,
            ),
            Technology::Solar => (
                Availability::Solar {
                    capacity_factor: 0.20,
                    seasonal_amplitude: 0.2,
                },
                0.0,
            ),
        };
        PlantGroupConfig {
            name: name.to_string(),
            technology,
            installed_mw,
            availability,
            marginal_cost_usd_per_mwh: cost,
            emissions_t_per_mwh: emissions,
            unit_size_mw: unit,
            failure_rate_per_year: failures,
            repair_time_days: Dist::Exp { mean: repair_days },
            maintenance: None,
            must_run_fraction: 0.0,
            reservoir_hours: 0.0,
        }
    }
}

/// A calendar starting at midnight on 1 January 2025, the start of the examples.
pub fn calendar_2025() -> Calendar {
    // 2025-01-01 is a valid date; the fallback is never taken.
    Calendar::new(chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default())
}

/// The dispatch bench's workload: the seven-region example grid (random
/// streams of `seed`; forced outages off unless `outages`) with a 2,000 MW
/// datacenter and a 500 MW fab drawing their full connection in every
/// region. One definition, so the profiling example measures what the bench
/// measures.
pub fn example_seven_region_with_loads(seed: u64, outages: bool) -> Result<Grid, GridError> {
    let mut config = GridConfig::example_seven_region(calendar_2025());
    if !outages {
        for group in config.regions.iter_mut().flat_map(|r| r.fleet.iter_mut()) {
            group.failure_rate_per_year = 0.0;
        }
    }
    let mut grid = Grid::new(config, &RngStreams::new(seed, 0))?;
    let names: Vec<String> = grid.region_names().map(str::to_string).collect();
    for (ri, name) in names.iter().enumerate() {
        let region = RegionId(ri as u32);
        for (class, mw) in [(LoadClass::Datacenter, 2_000.0), (LoadClass::Fab, 500.0)] {
            let load = grid.add_load(LoadSpec {
                name: format!("{name}-{class:?}"),
                region,
                class,
                connected_mw: mw,
            })?;
            grid.set_load_demand(load, mw)?;
        }
    }
    Ok(grid)
}

impl GridConfig {
    /// Two regions joined by a 300 MW link: a thermal-and-wind `north`
    /// (1,000 MW average demand) and a hydro-and-nuclear `south` (800 MW),
    /// both with solar, gas and batteries. A small, adequate grid for tests.
    pub fn example_two_region(calendar: Calendar) -> GridConfig {
        let mut north = RegionConfig::new("north", 1_000.0)
            .with_plant(Technology::Coal, 900.0)
            .with_plant(Technology::Gas, 500.0)
            .with_plant(Technology::Wind, 500.0)
            .with_plant(Technology::Solar, 300.0);
        north.storage = StorageConfig::batteries(100.0, 400.0);
        let mut south = RegionConfig::new("south", 800.0)
            .with_plant(Technology::Hydro, 700.0)
            .with_plant(Technology::Nuclear, 400.0)
            .with_plant(Technology::Gas, 500.0)
            .with_plant(Technology::Solar, 400.0);
        south.storage = StorageConfig::batteries(100.0, 400.0);
        let mut config = GridConfig::new(calendar);
        config.regions = vec![north, south];
        config.links = vec![LinkConfig::new("north", "south", 300.0)];
        config
    }

    /// A seven-region national grid shaped like China's seven grid areas in
    /// 2025: national average demand 1,187 GW (10.4 PWh/yr, NEA 2026), fleet
    /// coal 1,190 / other thermal 349 / solar 1,200 / wind 640 / hydro 440 /
    /// nuclear 62 GW (NEA 2026, CNEA 2025). The split between regions, the
    /// storage and the link capacities are assumptions (see the calibration
    /// doc). Used by the dispatch bench and the larger tests.
    pub fn example_seven_region(calendar: Calendar) -> GridConfig {
        const NATIONAL_DEMAND_MW: f64 = 1_187_000.0;
        // capacity in MW: coal, gas (other thermal), solar, wind, hydro, nuclear
        const NATIONAL_MW: [f64; 6] = [
            1_190_000.0,
            349_000.0,
            1_200_000.0,
            640_000.0,
            440_000.0,
            62_000.0,
        ];
        const TECHS: [Technology; 6] = [
            Technology::Coal,
            Technology::Gas,
            Technology::Solar,
            Technology::Wind,
            Technology::Hydro,
            Technology::Nuclear,
        ];
        // name, demand share, then capacity shares in TECHS order (assumptions):
        // the coastal east and south lean on imports from the northwest's coal
        // bases and the southwest's hydro at the evening peak, as China's
        // West-to-East transmission does.
        const REGIONS: [(&str, f64, [f64; 6]); 7] = [
            ("north", 0.19, [0.22, 0.15, 0.17, 0.25, 0.02, 0.05]),
            ("northeast", 0.06, [0.07, 0.03, 0.05, 0.12, 0.02, 0.08]),
            ("east", 0.23, [0.14, 0.35, 0.14, 0.06, 0.05, 0.40]),
            ("central", 0.16, [0.15, 0.10, 0.15, 0.07, 0.20, 0.00]),
            ("south", 0.16, [0.08, 0.27, 0.10, 0.05, 0.13, 0.47]),
            ("northwest", 0.10, [0.28, 0.05, 0.30, 0.40, 0.08, 0.00]),
            ("southwest", 0.10, [0.06, 0.05, 0.09, 0.05, 0.50, 0.00]),
        ];
        let mut config = GridConfig::new(calendar);
        for (name, demand_share, shares) in REGIONS {
            let mut region = RegionConfig::new(name, NATIONAL_DEMAND_MW * demand_share);
            region.interconnection_approval_mw_per_year = 20_000.0;
            for ((tech, national), share) in TECHS.iter().zip(NATIONAL_MW).zip(shares) {
                if share > 0.0 {
                    region = region.with_plant(*tech, national * share);
                }
            }
            // Assumed batteries: 2 % of average demand, 4 hours.
            let power = 0.02 * NATIONAL_DEMAND_MW * demand_share;
            region.storage = StorageConfig::batteries(power, 4.0 * power);
            config.regions.push(region);
        }
        // Inter-regional corridors, MW (assumptions: a few 8-12 GW UHV lines each).
        const LINKS: [(&str, &str, f64); 12] = [
            ("north", "northeast", 20_000.0),
            ("north", "east", 30_000.0),
            ("north", "central", 20_000.0),
            ("north", "northwest", 40_000.0),
            ("northwest", "central", 20_000.0),
            ("northwest", "southwest", 10_000.0),
            ("southwest", "central", 30_000.0),
            ("southwest", "east", 30_000.0),
            ("central", "east", 30_000.0),
            ("central", "south", 20_000.0),
            ("southwest", "south", 30_000.0),
            ("east", "south", 10_000.0),
        ];
        config.links = LINKS
            .iter()
            .map(|(a, b, mw)| LinkConfig::new(a, b, *mw))
            .collect();
        config
    }
}
