//! A unit run to charge a battery prices the power its region exports.

mod common;

use common::{config, firm, flat_region, hours, run, started};
use energy_grid::{LinkConfig, StorageConfig, Technology};

#[test]
fn an_exporter_charging_from_gas_passes_the_gas_price_to_its_importer() {
    // a: 2 GW nuclear at 10, 1 GW gas at 50, 1 GW demand, an empty battery
    // that charges from anything up to 60 USD/MWh; b: 500 MW demand, gas at
    // 55, one 1 GW link at 3 % loss. a exports its cheap nuclear to b and
    // runs its gas to charge: while it does, its price is the gas's, and
    // b's marginal MW (delivered from a) costs 50 / 0.97.
    let mut a = flat_region("a", 1_000.0);
    a.fleet
        .push(firm("a-nuclear", Technology::Nuclear, 2_000.0, 10.0));
    a.fleet.push(firm("a-gas", Technology::Gas, 1_000.0, 50.0));
    a.storage = StorageConfig {
        power_mw: 1_000.0,
        energy_mwh: 100_000.0,
        round_trip_efficiency: 0.9,
        initial_soc_fraction: 0.0,
        charge_max_cost_usd_per_mwh: 60.0,
        // Held for reliability: it charges from anything under its cap
        // (trading, it would not pay 50 for what it cannot sell dearer).
        arbitrage: false,
        wear_cost_usd_per_mwh: 0.0,
        reserve_fraction: 0.0,
        build_hours: None,
    };
    let mut b = flat_region("b", 500.0);
    b.fleet.push(firm("b-gas", Technology::Gas, 1_000.0, 55.0));
    let mut c = config(vec![a, b]);
    let mut link = LinkConfig::new("a", "b", 1_000.0);
    link.loss_fraction = 0.03;
    c.links.push(link);
    let (mut grid, mut agenda) = started(c, 1);
    let (a, b) = (grid.region_id("a").expect("a"), grid.region_id("b").expect("b"));
    let mut charging_steps = 0;
    run(&mut grid, &mut agenda, hours(12), |g, _, _| {
        let (ba, bb) = (g.region_balance(a).expect("a"), g.region_balance(b).expect("b"));
        assert!(bb.imports_mw > 500.0, "b imports {} MW", bb.imports_mw);
        if ba.charge_mw > 0.0 {
            charging_steps += 1;
            assert_eq!(ba.price_usd_per_mwh, 50.0, "a runs gas to charge");
            assert!(
                (bb.price_usd_per_mwh - 50.0 / 0.97).abs() < 1e-9,
                "b pays {} USD/MWh",
                bb.price_usd_per_mwh
            );
        }
    });
    assert!(charging_steps > 0, "the battery charges from gas");
}
