//! Must-run floors (`PlantGroupConfig::must_run_fraction`): a share of a
//! group's available MW runs whatever its cost, sets no price, spills the
//! wind that demand cannot take beside it, backs down pro rata where a
//! region's floors exceed its demand, and moves with availability.

mod common;

use common::{config, firm, flat_region, hours, run, started};
use energy_grid::{GridError, LinkConfig, PlantGroupConfig, Technology};
use scheduler::RngStreams;

/// The known answer: demand 100 MW, coal 200 MW at 30 USD/MWh, gas 100 MW
/// at 45 with 40 % must-run. Gas runs its 40 MW floor, coal the other 60
/// and sets the price; gas at its floor is a price-taker, not marginal.
#[test]
fn a_floor_runs_the_dearer_unit_and_the_cheaper_one_sets_the_price() {
    let mut r = flat_region("r", 100.0);
    r.fleet.push(firm("r-coal", Technology::Coal, 200.0, 30.0));
    let mut gas = firm("r-gas", Technology::Gas, 100.0, 45.0);
    gas.must_run_fraction = 0.4;
    r.fleet.push(gas);
    let (mut grid, mut agenda) = started(config(vec![r]), 1);
    let (coal, gas) = (
        grid.plant_group_id("r-coal").expect("coal"),
        grid.plant_group_id("r-gas").expect("gas"),
    );
    let region = grid.region_id("r").expect("region");
    let mut steps = 0;
    run(&mut grid, &mut agenda, hours(48), |g, t, _| {
        let gas = g.plant_group_state(gas).expect("gas").generation_mw;
        let coal = g.plant_group_state(coal).expect("coal").generation_mw;
        assert!((gas - 40.0).abs() < 1e-9, "{t}: gas {gas}");
        assert!((coal - 60.0).abs() < 1e-9, "{t}: coal {coal}");
        assert_eq!(g.price_usd_per_mwh(region), 30.0, "{t}");
        let b = g.region_balance(region).expect("balance");
        assert!(
            b.residual_mw().abs() < 1e-9 && b.curtailed_mw == 0.0,
            "{t}: {b:?}"
        );
        steps += 1;
    });
    assert!(steps >= 48, "{steps} steps");
}

/// Must-run gas and wind above demand: the floor holds, the wind that
/// demand cannot take beside it is spilled, and the region is priced at
/// the wind's zero cost while wind is dispatched above its (zero) floor.
#[test]
fn must_run_holds_and_the_wind_above_demand_spills() {
    let mut r = flat_region("r", 100.0);
    let mut gas = firm("r-gas", Technology::Gas, 100.0, 45.0);
    gas.must_run_fraction = 0.8;
    r.fleet.push(gas);
    r.fleet
        .push(PlantGroupConfig::typical("r-wind", Technology::Wind, 500.0));
    let (mut grid, mut agenda) = started(config(vec![r]), 3);
    let (gas, wind) = (
        grid.plant_group_id("r-gas").expect("gas"),
        grid.plant_group_id("r-wind").expect("wind"),
    );
    let region = grid.region_id("r").expect("region");
    let (mut spilling, mut short_of_wind) = (0, 0);
    run(&mut grid, &mut agenda, hours(24 * 30), |g, t, _| {
        let gas = g.plant_group_state(gas).expect("gas").generation_mw;
        let w = g.plant_group_state(wind).expect("wind");
        let b = g.region_balance(region).expect("balance");
        // Wind takes what the floor leaves, up to its availability.
        let wind_expected = w.available_mw.min(20.0);
        assert!((w.generation_mw - wind_expected).abs() < 1e-6, "{t}: wind {w:?}");
        assert!(
            (gas - (100.0 - wind_expected)).abs() < 1e-6,
            "{t}: gas {gas}, wind {w:?}"
        );
        assert!(gas >= 80.0 - 1e-9, "{t}: gas {gas} below its floor");
        assert!(
            (b.spill_mw - (w.available_mw - wind_expected)).abs() < 1e-6,
            "{t}: {b:?}"
        );
        assert!(
            b.residual_mw().abs() < 1e-9 && b.curtailed_mw == 0.0,
            "{t}: {b:?}"
        );
        if w.available_mw > 20.0 + 1e-6 {
            spilling += 1;
            assert_eq!(
                g.price_usd_per_mwh(region),
                0.0,
                "{t}: load met by the floor and wind"
            );
        } else if w.available_mw < 20.0 - 1e-6 {
            short_of_wind += 1;
            assert_eq!(g.price_usd_per_mwh(region), 45.0, "{t}: gas runs above its floor");
        }
    });
    assert!(
        spilling > 100 && short_of_wind > 0,
        "{spilling} spilling, {short_of_wind} short"
    );
}

/// Floors above demand are scaled down pro rata to it: the balance holds,
/// nothing is unserved, and no floor is pushed onto the neighbour (whose
/// coal is cheaper than the gas that would be sent).
#[test]
fn floors_above_demand_back_down_pro_rata() {
    let mut a = flat_region("a", 100.0);
    let mut gas = firm("a-gas", Technology::Gas, 150.0, 45.0);
    gas.must_run_fraction = 1.0;
    a.fleet.push(gas);
    let mut chp = firm("a-coal", Technology::Coal, 100.0, 30.0);
    chp.must_run_fraction = 0.5;
    a.fleet.push(chp);
    let mut b = flat_region("b", 100.0);
    b.fleet.push(firm("b-coal", Technology::Coal, 300.0, 20.0));
    let mut c = config(vec![a, b]);
    c.links.push(LinkConfig::new("a", "b", 500.0));
    let (mut grid, mut agenda) = started(c, 5);
    let gas = grid.plant_group_id("a-gas").expect("gas");
    let coal = grid.plant_group_id("a-coal").expect("coal");
    let (ra, rb) = (grid.region_id("a").expect("a"), grid.region_id("b").expect("b"));
    run(&mut grid, &mut agenda, hours(24), |g, t, _| {
        // Floors 150 + 50 = 200 MW against 100 MW: each runs half of it.
        let gas = g.plant_group_state(gas).expect("gas").generation_mw;
        let coal = g.plant_group_state(coal).expect("coal").generation_mw;
        assert!(
            (gas - 75.0).abs() < 1e-9 && (coal - 25.0).abs() < 1e-9,
            "{t}: gas {gas}, coal {coal}"
        );
        for r in [ra, rb] {
            let bal = g.region_balance(r).expect("balance");
            assert!(bal.residual_mw().abs() < 1e-9, "{t}: {bal:?}");
            assert_eq!(bal.curtailed_mw, 0.0, "{t}: {bal:?}");
            assert!(bal.imports_mw < 1e-9 && bal.exports_mw < 1e-9, "{t}: {bal:?}");
        }
        // Load met by floors alone: priced at zero (must-run is a price-taker).
        assert_eq!(g.price_usd_per_mwh(ra), 0.0, "{t}");
        assert_eq!(g.price_usd_per_mwh(rb), 20.0, "{t}");
    });
}

/// The floor is a share of the group's available MW: forced outages lower
/// it with the units they take.
#[test]
fn outages_lower_the_floor_with_availability() {
    let mut r = flat_region("r", 2_000.0);
    r.fleet.push(firm("r-coal", Technology::Coal, 3_000.0, 30.0));
    let mut gas = PlantGroupConfig::typical("r-gas", Technology::Gas, 1_000.0);
    gas.unit_size_mw = 100.0;
    gas.failure_rate_per_year = 40.0;
    gas.must_run_fraction = 0.5;
    r.fleet.push(gas);
    let (mut grid, mut agenda) = started(config(vec![r]), 11);
    let gas = grid.plant_group_id("r-gas").expect("gas");
    let mut derated = 0;
    run(&mut grid, &mut agenda, hours(24 * 60), |g, t, _| {
        let s = g.plant_group_state(gas).expect("gas");
        assert!(
            (s.generation_mw - 0.5 * s.available_mw).abs() < 1e-9,
            "{t}: gas runs {} of {} available",
            s.generation_mw,
            s.available_mw
        );
        if s.units_down > 0 {
            derated += 1;
            assert!(s.available_mw < 1_000.0 && s.generation_mw < 500.0, "{t}: {s:?}");
        }
    });
    assert!(derated > 100, "outages should take units often: {derated} steps");
}

#[test]
fn a_must_run_share_outside_zero_to_one_is_refused() {
    for bad in [-0.1, 1.5, f64::NAN] {
        let mut r = flat_region("r", 100.0);
        let mut gas = firm("r-gas", Technology::Gas, 100.0, 45.0);
        gas.must_run_fraction = bad;
        r.fleet.push(gas);
        match energy_grid::Grid::new(config(vec![r]), &RngStreams::new(1, 0)) {
            Err(GridError::InvalidConfig { field, entity, .. }) => {
                assert_eq!(field, "must_run_fraction");
                assert!(entity.contains("r-gas"), "{entity}");
            }
            other => panic!("{bad}: expected a refusal, got {:?}", other.map(|_| ())),
        }
    }
}
