//! Storage charging over links and the trading store's scarcity value
//! (s27 grid review, B4 and B3): a store charges from its neighbours'
//! spare generation over links with headroom once its own region's spare is
//! taken, and a trading store whose region would shed without it values
//! refilling at the scarcity it avoids.

mod common;

use common::{config, firm, hours, run, started};
use energy_grid::{GridConfig, LinkConfig, RegionConfig, StorageConfig, Technology};

/// A region with demand `mw` ±15 % over the day, no seasonal shape, no store.
fn daily_region(name: &str, mw: f64) -> RegionConfig {
    let mut r = common::flat_region(name, mw);
    r.demand.daily_amplitude = 0.15;
    r
}

/// The review's p10: region a (3,000 MW of gas at 45 USD/MWh) feeds region b
/// (no plants, demand 700 MW ±15 % daily) over an 800 MW, 3 % link (776 MW
/// delivered; b peaks at 805 MW). b holds `storage`.
fn load_pocket(storage: StorageConfig, b_demand: RegionConfig) -> GridConfig {
    let mut a = common::flat_region("a", 100.0);
    a.fleet.push(firm("a-gas", Technology::Gas, 3_000.0, 45.0));
    let mut b = b_demand;
    b.storage = storage;
    let mut c = config(vec![a, b]);
    let mut l = LinkConfig::new("a", "b", 800.0);
    l.loss_fraction = 0.03;
    c.links.push(l);
    c
}

/// Over `days` of hourly steps of `config`: (b's unserved MWh, b's charge
/// MWh, hours with b short) from the second day on (a trading store has no
/// forecast on the first day and spends its starting charge on its first
/// dear hours, as before), checking every step's balances and link limit.
fn pocket_run(config: GridConfig, days: u64) -> (f64, f64, f64) {
    let (mut grid, mut agenda) = started(config, 7);
    let (a, b) = (grid.region_id("a").expect("a"), grid.region_id("b").expect("b"));
    let (mut unserved, mut charged, mut short) = (0.0, 0.0, 0.0);
    run(&mut grid, &mut agenda, hours(24 * days), |g, t, _| {
        let (ba, bb) = (g.region_balance(a).expect("a"), g.region_balance(b).expect("b"));
        for x in [ba, bb] {
            let scale = 1.0 + x.demand_mw + x.generation_mw + x.imports_mw;
            assert!(x.residual_mw().abs() < 1e-9 * scale, "{t}: unbalanced {x:?}");
            assert!(
                !(x.charge_mw > 1e-9 && x.discharge_mw > 1e-9),
                "{t}: both ways {x:?}"
            );
        }
        let (_, _, flow, cap) = g.link_flows().next().expect("the link");
        assert!(
            flow >= 0.0 && flow <= cap * (1.0 + 1e-12),
            "{t}: link flow {flow}"
        );
        assert!((bb.imports_mw - flow).abs() < 1e-9 && (ba.exports_mw - flow).abs() < 1e-9);
        assert!(
            (ba.generation_mw - ba.demand_mw - flow).abs() < 1e-6,
            "{t}: a generates b's charge"
        );
        if t >= hours(24) {
            unserved += bb.curtailed_mw;
            charged += bb.charge_mw;
            short += if bb.curtailed_mw > 1e-6 { 1.0 } else { 0.0 };
        }
    });
    (unserved, charged, short)
}

/// b's store, held for reliability or trading, covers every evening from
/// the link's night-time headroom: nothing unserved over 60 days (without a
/// store b sheds every evening; before charging over links the store
/// emptied on the first evening and never refilled).
#[test]
fn a_load_pocket_store_charges_over_the_link_and_covers_every_evening() {
    let (unserved, charged, short) =
        pocket_run(load_pocket(StorageConfig::none(), daily_region("b", 700.0)), 60);
    assert!(
        unserved > 60.0 * 50.0 && short >= 60.0 * 4.0,
        "the case is tight: {unserved} MWh in {short} h"
    );
    for arbitrage in [false, true] {
        let mut s = StorageConfig::batteries(200.0, 800.0);
        s.arbitrage = arbitrage;
        let (unserved, charged, short) = pocket_run(load_pocket(s, daily_region("b", 700.0)), 60);
        assert_eq!(
            (unserved, short),
            (0.0, 0.0),
            "arbitrage {arbitrage}: {unserved} MWh unserved"
        );
        assert!(
            charged > 50.0 * 50.0,
            "arbitrage {arbitrage}: charged only {charged} MWh"
        );
    }
    let _ = charged;
}

/// A link already at its capacity toward the store's region gives it no
/// charge: b's flat 800 MW demand takes the link's whole 776 MW delivered.
#[test]
fn a_link_at_capacity_gives_no_charging() {
    let mut s = StorageConfig::batteries(200.0, 800.0);
    s.arbitrage = false;
    s.initial_soc_fraction = 0.0;
    let (unserved, charged, short) = pocket_run(load_pocket(s, common::flat_region("b", 800.0)), 10);
    assert_eq!(charged, 0.0);
    // Hourly steps from 24 h to 240 h, both included: 217, each 24 MW short.
    assert!((unserved - 24.0 * 217.0).abs() < 1e-6, "{unserved}");
    assert_eq!(short, 217.0);
}

/// The review's p8: one region, coal 800 + gas 300 MW without outages,
/// demand 1,000 MW ±15 % daily, a 100 MW / 400 MWh store. Every evening
/// exceeds the fleet by up to 50 MW. Before, a trading store refilled only
/// after a day at the scarcity price, so every other evening shed (11 GWh,
/// 370 h a year); valuing the shortfalls it covers at the scarcity price,
/// it sheds nothing, as a store held for reliability.
#[test]
fn a_trading_store_in_a_tight_region_covers_every_evening() {
    let run_p8 = |storage: StorageConfig| {
        let mut r = daily_region("r", 1_000.0);
        r.fleet.push(firm("r-coal", Technology::Coal, 800.0, 30.0));
        r.fleet.push(firm("r-gas", Technology::Gas, 300.0, 45.0));
        r.storage = storage;
        let (mut grid, mut agenda) = started(config(vec![r]), 3);
        let id = grid.region_id("r").expect("r");
        let (mut unserved, mut charged) = (0.0, 0.0);
        run(&mut grid, &mut agenda, hours(24 * 60), |g, t, _| {
            // From the second day: see `pocket_run`.
            if t >= hours(24) {
                let b = g.region_balance(id).expect("r");
                unserved += b.curtailed_mw;
                charged += b.charge_mw;
            }
        });
        (unserved, charged)
    };
    let (none, _) = run_p8(StorageConfig::none());
    assert!(none > 60.0 * 100.0, "every evening is short: {none} MWh");
    for arbitrage in [false, true] {
        let mut s = StorageConfig::batteries(100.0, 400.0);
        s.arbitrage = arbitrage;
        let (unserved, charged) = run_p8(s);
        assert_eq!(unserved, 0.0, "arbitrage {arbitrage}");
        assert!(charged > 50.0 * 100.0, "arbitrage {arbitrage}: {charged}");
    }
}
