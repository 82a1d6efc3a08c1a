//! Weather's noise on non-AI demand (`DemandConfig::noise_sd`): demand
//! moves about its smooth shape in spells of days, so a grid sized for the
//! smooth peak runs short in the hot spells; without noise nothing changes.

mod common;

use common::{config, firm, hours, run, started};
use energy_grid::{GridConfig, GridError, RegionConfig, Technology};

/// One region of 1,000 MW average demand (±20 % daily, ±10 % seasonal, the
/// typical shape's peak days) with `firm_mw` of gas, and noise `sd`.
fn one_region(firm_mw: f64, sd: f64) -> GridConfig {
    let mut r = RegionConfig::new("r", 1_000.0);
    r.demand.daily_amplitude = 0.2;
    r.demand.noise_sd = sd;
    r.fleet.push(firm("r-gas", Technology::Gas, firm_mw, 40.0));
    config(vec![r])
}

/// A year of hourly dispatch: each step's demand, MW, and the hours with a shortfall.
fn year(c: GridConfig, seed: u64) -> (Vec<f64>, usize) {
    let (mut grid, mut agenda) = started(c, seed);
    let id = grid.region_id("r").expect("region");
    let (mut demand, mut short) = (Vec::new(), 0);
    run(&mut grid, &mut agenda, hours(8760), |g, _, _| {
        let b = g.region_balance(id).expect("balance");
        demand.push(b.demand_mw);
        short += usize::from(b.curtailed_mw > 0.0);
    });
    (demand, short)
}

/// The smooth shape's peak: 1,000 × 1.2 × 1.1 (the daily and seasonal
/// peaks nearly coincide on the grid's clock), MW.
const SMOOTH_PEAK: f64 = 1_320.0;

#[test]
fn without_noise_demand_is_the_smooth_shape_whatever_the_noise_settings() {
    let (smooth, short) = year(one_region(2_000.0, 0.0), 1);
    let mut c = one_region(2_000.0, 0.0);
    c.demand_noise_hours = 5.0;
    c.demand_noise_shared_share = 0.8;
    let (same, _) = year(c, 2);
    assert_eq!(smooth, same, "no region has noise: the settings do nothing");
    assert_eq!(short, 0);
    let peak = smooth.iter().copied().fold(0.0, f64::max);
    assert!(peak <= SMOOTH_PEAK && peak > 0.99 * SMOOTH_PEAK, "{peak}");
}

#[test]
fn noise_keeps_the_mean_raises_the_peak_and_a_grid_sized_for_the_smooth_peak_runs_short() {
    let firm_mw = 1.03 * SMOOTH_PEAK;
    let (smooth, smooth_short) = year(one_region(firm_mw, 0.0), 7);
    assert_eq!(smooth_short, 0, "3 % above the smooth peak: never short");
    let (noisy, short) = year(one_region(firm_mw, 0.05), 7);
    // The factor has mean 1: the year's demand stays within a few standard
    // errors of the smooth year's (σ = 5 %, ~120 independent spells: ±0.5 %).
    let total = |v: &[f64]| v.iter().sum::<f64>();
    let ratio = total(&noisy) / total(&smooth);
    assert!((ratio - 1.0).abs() < 0.02, "energy ratio {ratio}");
    // Step by step it is the shape times a factor that moves in spells.
    let factors: Vec<f64> = noisy.iter().zip(&smooth).map(|(n, s)| n / s).collect();
    let moved = factors.iter().filter(|f| (**f - 1.0).abs() > 0.01).count();
    assert!(
        moved > factors.len() / 2,
        "{moved} of {} steps moved",
        factors.len()
    );
    let lag_one_change = factors.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f64>() / factors.len() as f64;
    assert!(
        lag_one_change < 0.02,
        "a spell lasts days, not an hour: {lag_one_change}"
    );
    // The year's peak rises above the smooth one, and the grid sized 3 %
    // above the smooth peak is short in the hot spells.
    let peak = noisy.iter().copied().fold(0.0, f64::max);
    assert!(peak > firm_mw, "peak {peak} vs firm {firm_mw}");
    assert!(short > 0, "no shortfall hour");
    // Same seed, same bits.
    assert_eq!(year(one_region(firm_mw, 0.05), 7).0, noisy);
    assert_ne!(year(one_region(firm_mw, 0.05), 8).0, noisy);
}

#[test]
fn noise_settings_out_of_range_are_refused_by_field() {
    for (field, c) in [
        ("demand.noise_sd", one_region(2_000.0, 0.6)),
        ("demand.noise_sd", one_region(2_000.0, -0.1)),
        ("demand_noise_hours", {
            let mut c = one_region(2_000.0, 0.1);
            c.demand_noise_hours = 0.5;
            c
        }),
        ("demand_noise_shared_share", {
            let mut c = one_region(2_000.0, 0.1);
            c.demand_noise_shared_share = 1.5;
            c
        }),
    ] {
        match energy_grid::Grid::new(c, &scheduler::RngStreams::new(1, 0)) {
            Err(GridError::InvalidConfig { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {:?}", other.map(|_| ())),
        }
    }
}
