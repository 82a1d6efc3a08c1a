//! A site's connection stops at 10^7 MW, the most the grid connects to one
//! load. A large fleet (within the documented limits) asked for its whole
//! need plus headroom in one request; past 10^7 MW the grid refused it and
//! the run stopped with the grid's internal `request_connection` error.

use stack::{RunOptions, Scenario, run};
use std::path::Path;

fn scenario(site: &str, count: u64) -> String {
    format!(
        r#"Scenario(name: "conn", start: "2025-01-01", horizon_years: 1,
    grid: (dispatch_interval_hours: 24),
    regions: [ (name: "home", demand_avg_mw: 1000, interconnection_mw_per_year: 2e6) ],
    plants: [ (name: "gas", region: "home", technology: Gas, installed_mw: 2000, failures_per_unit_year: 0) ],
    designs: [ (name: "h100", die_area_mm2: 814, peak_flop_s: 989e12, power_w: 700, hbm_stacks: 5, node: "4nm", unit_price_usd: 25000) ],
    labs: [ (name: "lab", sites: [{site}], fleet: [(design: "h100", count: {count})]) ],
)"#
    )
}

/// The region's interconnection queue at each sample: the queue approves
/// 2 × 10^6 MW a year, so a request of about 10^7 MW is still waiting when
/// the one-year run ends.
fn queue_mw(site: &str, count: u64) -> Vec<f64> {
    let s =
        Scenario::from_text(Path::new("conn.ron"), &scenario(site, count)).unwrap_or_else(|e| panic!("{e}"));
    let out = run(&s, &RunOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    out.series
        .iter()
        .filter(|r| r.metric == "energy.interconnection_queue_mw" && r.entity == "home")
        .map(|r| r.value)
        .collect()
}

#[test]
fn the_grid_and_training_agree_on_the_most_a_site_can_be_connected() {
    assert_eq!(model_training::MAX_CONNECTION_MW, energy_grid::MAX_MW);
}

/// Need 100,700 MW, × 101 with a headroom share of 100: the request stops
/// at 10^7 MW (10 MW connected, 9,999,990 MW asked for).
#[test]
fn headroom_past_the_limit_asks_up_to_it() {
    let site = "(region: \"home\", connected_mw: 10, pue: 5, overhead_w_per_chip: 100000, connection_headroom_share: 100)";
    let queue = queue_mw(site, 200_000);
    assert!(
        !queue.is_empty() && queue.iter().all(|&q| q == 1e7 - 10.0),
        "{queue:?}"
    );
}

/// 2^40 accelerators (the most a batch may hold) need about 1.85 × 10^9 MW:
/// the site asks up to the limit, and the chips past it never run.
#[test]
fn a_fleet_past_the_limit_runs_on_the_most_it_can_be_connected() {
    let queue = queue_mw("(region: \"home\", connected_mw: 10)", 1 << 40);
    assert!(
        !queue.is_empty() && queue.iter().all(|&q| q == 1e7 - 10.0),
        "{queue:?}"
    );
}
