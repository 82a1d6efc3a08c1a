//! Storage that trades on its region's merit order (`StorageConfig::arbitrage`):
//! it shifts spill to the hours gas runs, displacing exactly the energy the
//! round trip returns; it never discharges against generation cheaper than
//! what its energy cost; shortfalls come before trading and may use the
//! reserve; and with `arbitrage: false` it is held for shortfalls only.

mod common;

use common::{config, firm, flat_region, hours, run, started};
use energy_grid::{GridConfig, PlantGroupConfig, RegionConfig, StorageConfig, Technology};

/// One region: flat demand of 1,000 MW, 4,000 MW of solar (free, spilling
/// at midday) and 2,000 MW of gas at 45 USD/MWh, with the given storage.
fn sunny(storage: StorageConfig) -> GridConfig {
    let mut r = flat_region("r", 1_000.0);
    r.fleet
        .push(PlantGroupConfig::typical("r-solar", Technology::Solar, 4_000.0));
    r.fleet.push(firm("r-gas", Technology::Gas, 2_000.0, 45.0));
    r.storage = storage;
    config(vec![r])
}

/// A store too large to bind: 10 GW, 1 TWh, empty, 81 % round trip
/// (90 % each way), trading with no wear.
fn big_empty_store() -> StorageConfig {
    let mut s = StorageConfig::batteries(10_000.0, 1e6);
    s.arbitrage = true;
    s.round_trip_efficiency = 0.81;
    s.initial_soc_fraction = 0.0;
    s
}

/// Per hourly step of the first 30 hours (midnight to 06:00 the next day):
/// (spill, gas, charge, discharge) MW.
fn steps(c: GridConfig) -> Vec<(f64, f64, f64, f64)> {
    let (mut grid, mut agenda) = started(c, 1);
    let (r, gas) = (
        grid.region_id("r").expect("r"),
        grid.plant_group_id("r-gas").expect("gas"),
    );
    let mut out = Vec::new();
    run(&mut grid, &mut agenda, hours(29), |g, _, _| {
        let b = g.region_balance(r).expect("balance");
        let gas_mw = g.plant_group_state(gas).expect("gas").generation_mw;
        out.push((b.spill_mw, gas_mw, b.charge_mw, b.discharge_mw));
    });
    assert_eq!(out.len(), 30);
    out
}

#[test]
fn midday_spill_displaces_evening_gas_by_the_round_trip() {
    let without = steps(sunny(StorageConfig::none()));
    let with = steps(sunny(big_empty_store()));
    let spill: f64 = without.iter().map(|s| s.0).sum();
    assert!(spill > 3_000.0, "the midday solar spills {spill} MWh");
    for (h, (a, b)) in without.iter().zip(&with).enumerate() {
        // Every MWh that would spill charges the store (the 10 GW never binds).
        assert!(
            (b.2 - a.0).abs() < 1e-6,
            "hour {h}: charged {} of a spill of {}",
            b.2,
            a.0
        );
        assert!(b.0.abs() < 1e-6, "hour {h}: spilled {} with the store", b.0);
        assert!(b.2 == 0.0 || b.3 == 0.0, "hour {h}: charged and discharged");
    }
    // Closed form: the store, charged for free, discharges whenever gas
    // runs, until empty; it gives back `0.81 × spill` and gas runs that much less.
    let gas_without: f64 = without.iter().map(|s| s.1).sum();
    let gas_with: f64 = with.iter().map(|s| s.1).sum();
    let discharged: f64 = with.iter().map(|s| s.3).sum();
    let expected = 0.81 * spill;
    assert!(
        (discharged - expected).abs() < 1e-6 * expected,
        "discharged {discharged}, expected {expected}"
    );
    assert!(
        (gas_without - gas_with - expected).abs() < 1e-6 * expected,
        "gas {gas_without} → {gas_with} MWh, expected −{expected}"
    );
    // It discharges only after the surplus, in hours gas would run.
    for (h, (a, b)) in without.iter().zip(&with).enumerate() {
        if b.3 > 0.0 {
            assert!(
                b.3 <= a.1 + 1e-9,
                "hour {h}: discharged {} beyond the gas {}",
                b.3,
                a.1
            );
        }
    }
}

#[test]
fn held_for_reliability_the_store_does_not_trade() {
    let mut s = big_empty_store();
    s.arbitrage = false;
    let with = steps(sunny(s));
    assert!(
        with.iter().map(|s| s.2).sum::<f64>() > 3_000.0,
        "it charges from spill"
    );
    assert!(
        with.iter().all(|s| s.3 == 0.0),
        "but never discharges: no shortfall"
    );
}

/// Coal 2,500 MW at 30, gas at `gas_cost`; demand 2,000 MW ± 50 % a day
/// (gas runs above 2,500 MW); an empty 1 GW / 8 GWh store at 81 %.
fn coal_and_gas(gas_cost: f64, wear: f64, initial_soc: f64) -> RegionConfig {
    let mut r = flat_region("r", 2_000.0);
    r.demand.daily_amplitude = 0.5;
    r.fleet.push(firm("r-coal", Technology::Coal, 2_500.0, 30.0));
    r.fleet.push(firm("r-gas", Technology::Gas, 2_000.0, gas_cost));
    let mut s = StorageConfig::batteries(1_000.0, 8_000.0);
    s.arbitrage = true;
    s.round_trip_efficiency = 0.81;
    s.initial_soc_fraction = initial_soc;
    s.wear_cost_usd_per_mwh = wear;
    r.storage = s;
    r
}

/// Over ten days: (MWh charged, MWh discharged, largest discharge beyond
/// the MW gas would have run, in MW).
fn trade(r: RegionConfig) -> (f64, f64, f64) {
    let (mut grid, mut agenda) = started(config(vec![r]), 1);
    let id = grid.region_id("r").expect("r");
    let (mut charged, mut discharged, mut beyond) = (0.0, 0.0, f64::NEG_INFINITY);
    run(&mut grid, &mut agenda, hours(240), |g, _, _| {
        let b = g.region_balance(id).expect("balance");
        charged += b.charge_mw;
        discharged += b.discharge_mw;
        if b.discharge_mw > 0.0 {
            beyond = beyond.max(b.discharge_mw - (b.demand_mw - 2_500.0).max(0.0));
        }
    });
    (charged, discharged, beyond)
}

#[test]
fn the_store_never_discharges_below_its_cost_basis() {
    // Gas at 40: coal at 30 costs 30 / 0.81 = 37.04 a MWh delivered, so the
    // store charges from coal and displaces gas, never coal.
    let (charged, discharged, beyond) = trade(coal_and_gas(40.0, 0.0, 0.0));
    assert!(
        charged > 1_000.0 && discharged > 1_000.0,
        "{charged} in, {discharged} out"
    );
    assert!(beyond <= 1e-9, "displaced {beyond} MW of coal at a loss");
    // Gas at 36 is below 37.04: charging from coal would lose money, so it does not.
    let (charged, discharged, _) = trade(coal_and_gas(36.0, 0.0, 0.0));
    assert_eq!((charged, discharged), (0.0, 0.0));
    // Free energy (the start's) with a wear cost of 35: worth displacing gas
    // at 40 (> 0 + 35), not coal at 30.
    let (_, discharged, beyond) = trade(coal_and_gas(40.0, 35.0, 1.0));
    assert!(discharged > 1_000.0, "discharged {discharged}");
    assert!(
        beyond <= 1e-9,
        "displaced {beyond} MW of coal below its wear cost"
    );
}

#[test]
fn a_store_below_its_reserve_refills_it_and_no_more() {
    // Gas at 36: trading would never charge from coal (above), but half of
    // the 8 GWh is a reserve, refilled from anything under the 60 USD/MWh
    // cap, and left alone without a shortfall.
    let mut r = coal_and_gas(36.0, 0.0, 0.0);
    r.storage.reserve_fraction = 0.5;
    let (mut grid, mut agenda) = started(config(vec![r]), 1);
    let id = grid.region_id("r").expect("r");
    let mut discharged = 0.0;
    run(&mut grid, &mut agenda, hours(240), |g, _, _| {
        discharged += g.region_balance(id).expect("balance").discharge_mw;
    });
    let soc = grid.storage_soc_mwh(id).expect("soc");
    assert!((soc - 4_000.0).abs() < 1e-6, "{soc} MWh in store");
    assert_eq!(discharged, 0.0);
}

#[test]
fn shortfalls_come_first_and_may_use_the_reserve() {
    // 1,000 MW of demand against 900 MW of gas: 100 MW short every hour. A
    // full 1 GW / 1 GWh store keeps half for shortfalls: trading displaces
    // gas down to the reserve, then the rest covers only the shortfall.
    let mut r = flat_region("r", 1_000.0);
    r.fleet.push(firm("r-gas", Technology::Gas, 900.0, 45.0));
    let mut s = StorageConfig::batteries(1_000.0, 1_000.0);
    s.arbitrage = true;
    s.round_trip_efficiency = 0.81;
    s.initial_soc_fraction = 1.0;
    s.reserve_fraction = 0.5;
    r.storage = s;
    let (mut grid, mut agenda) = started(config(vec![r]), 1);
    let id = grid.region_id("r").expect("r");
    let mut soc = 1_000.0;
    let mut below_reserve = 0;
    run(&mut grid, &mut agenda, hours(12), |g, t, _| {
        let b = g.region_balance(id).expect("balance");
        let now = g.storage_soc_mwh(id).expect("soc");
        // Every hour the store can, it covers the shortfall in full.
        if soc * 0.9 >= 100.0 {
            assert!(
                b.curtailed_mw < 1e-9,
                "{t:?}: {} MW curtailed with {soc} MWh in store",
                b.curtailed_mw
            );
        }
        if soc <= 500.0 + 1e-9 {
            // Below the reserve it discharges for the shortfall only.
            below_reserve += 1;
            assert!(
                b.discharge_mw <= 100.0 + 1e-9,
                "{t:?}: traded {} MW of the reserve",
                b.discharge_mw
            );
        } else {
            // Above it, trading takes the store down to the reserve, not below.
            assert!(
                now >= 500.0 - 1e-6 || b.discharge_mw <= 100.0 + 1e-9,
                "{t:?}: {now} MWh left"
            );
        }
        soc = now;
    });
    assert!(soc < 1e-6, "the shortfalls emptied the reserve: {soc} MWh left");
    assert!(below_reserve >= 5, "{below_reserve} hours on the reserve");
}

/// A trading store keeps its energy for the evening peak: with yesterday's
/// profile as the forecast it discharges only what exceeds the level its
/// energy can shave, so the peak's shortfall is covered from the second
/// day on. Without the forecast it discharged from sunset, whenever gas
/// ran, and was empty when the peak came (the thirteenth session's us-2025
/// lost 4.7 TWh more that way).
#[test]
fn a_trading_store_keeps_its_energy_for_the_evening_peak() {
    // Demand 1,000 MW ± 30 % peaking at 19:00 (700–1,300 MW); solar that
    // spills at midday; 1,200 MW of gas, so 19:00 ± 2 h is short by up to
    // 100 MW; a 300 MW / 900 MWh store, empty at the start.
    let region = |arbitrage: bool| {
        let mut r = flat_region("r", 1_000.0);
        r.demand.daily_amplitude = 0.3;
        r.demand.peak_hour = 19.0;
        r.fleet
            .push(PlantGroupConfig::typical("r-solar", Technology::Solar, 3_000.0));
        r.fleet.push(firm("r-gas", Technology::Gas, 1_200.0, 45.0));
        let mut s = StorageConfig::batteries(300.0, 900.0);
        s.round_trip_efficiency = 0.81;
        s.initial_soc_fraction = 0.0;
        s.arbitrage = arbitrage;
        r.storage = s;
        config(vec![r])
    };
    // (MWh curtailed, MWh of gas) over days 2–10 (day 1 has no forecast).
    let days_2_to_10 = |c: GridConfig| {
        let (mut grid, mut agenda) = started(c, 1);
        let r = grid.region_id("r").expect("r");
        let gas = grid.plant_group_id("r-gas").expect("gas");
        let (mut cut, mut gas_mwh, mut step) = (0.0, 0.0, 0);
        run(&mut grid, &mut agenda, hours(24 * 10 - 1), |g, _, _| {
            if step >= 24 {
                cut += g.region_balance(r).expect("balance").curtailed_mw;
                gas_mwh += g.plant_group_state(gas).expect("gas").generation_mw;
            }
            step += 1;
        });
        (cut, gas_mwh)
    };
    let (cut_held, gas_held) = days_2_to_10(region(false));
    let (cut_trading, gas_trading) = days_2_to_10(region(true));
    assert!(
        cut_held < 1e-6,
        "held for reliability, the store covers every peak: cut {cut_held} MWh"
    );
    assert!(
        cut_trading < 1e-6,
        "trading, the store must still cover the peak: cut {cut_trading} MWh"
    );
    // And it trades: charged from spill, not from gas, it burns less gas.
    assert!(
        gas_trading < gas_held - 1_000.0,
        "gas {gas_trading} MWh trading against {gas_held} held"
    );
}
