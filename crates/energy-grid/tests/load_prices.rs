//! What a load pays per MWh (`Grid::load_price_since_sample_usd_per_mwh`)
//! is `Σ served · price · Δt / Σ served · Δt` over the dispatch steps since
//! the last metrics sample, each step at its own price, however often the
//! load's served power changes, and starts afresh at each sample.

mod common;

use common::{config, firm, hours, run, started};
use energy_grid::{LoadClass, LoadSpec, RegionConfig, StorageConfig, Technology};

#[test]
fn a_load_pays_each_steps_price_for_each_steps_energy() {
    // Demand 1,000 MW ± 30 % over the day on 900 MW of gas (40 USD/MWh) and
    // a 250 MW peaker (120 USD/MWh); datacenters are cut first. Over a day
    // the price moves between 40, 120 and scarcity, and the 60 MW site is
    // served in full, in part and not at all.
    let mut r = RegionConfig::new("home", 1_000.0);
    r.demand.daily_amplitude = 0.3;
    r.demand.seasonal_amplitude = 0.0;
    r.storage = StorageConfig::none();
    r.fleet.push(firm("gas", Technology::Gas, 900.0, 40.0));
    r.fleet.push(firm("peaker", Technology::Gas, 250.0, 120.0));
    let mut c = config(vec![r]);
    c.curtailment_order = common::datacenters_first();
    let (mut grid, mut agenda) = started(c, 3);
    let home = grid.region_id("home").expect("region");
    let site = grid
        .add_load(LoadSpec {
            name: "site".into(),
            region: home,
            class: LoadClass::Datacenter,
            connected_mw: 60.0,
        })
        .expect("load");
    grid.set_load_demand(site, 60.0).expect("demand");

    // Brute force: each step's (served MW, price) for 1 h steps.
    let steps = |grid: &mut energy_grid::Grid, agenda: &mut _, end| {
        let mut seen: Vec<(f64, f64)> = Vec::new();
        run(grid, agenda, end, |g, _, _| {
            let (_, _, served) = g.load_state(site).expect("load");
            seen.push((served, g.region_balance(home).expect("region").price_usd_per_mwh));
        });
        seen
    };
    let price_of = |seen: &[(f64, f64)]| {
        seen.iter().map(|(s, p)| s * p).sum::<f64>() / seen.iter().map(|(s, _)| s).sum::<f64>()
    };
    let seen = steps(&mut grid, &mut agenda, hours(71));
    let (paid, expected) = (grid.load_price_since_sample_usd_per_mwh(site), price_of(&seen));
    assert!(
        (paid - expected).abs() <= 1e-9 * expected,
        "paid {paid} USD/MWh, Σ served·price / Σ served = {expected}"
    );
    // The case is the one described: every kind of step occurs.
    let has = |f: &dyn Fn(&(f64, f64)) -> bool| seen.iter().any(f);
    assert!(has(&|s| s.1 == 40.0) && has(&|s| s.1 == 120.0) && has(&|s| s.1 >= 1_000.0));
    assert!(has(&|s| s.0 == 60.0) && has(&|s| s.0 == 0.0));
    assert!(
        has(&|s| s.0 > 0.0 && s.0 < 60.0),
        "a step serving the site in part"
    );

    // A sample starts the sums afresh.
    grid.sample_metrics(hours(72), &mut |_, _, _| {});
    let seen = steps(&mut grid, &mut agenda, hours(72 + 47));
    let (paid, expected) = (grid.load_price_since_sample_usd_per_mwh(site), price_of(&seen));
    assert!(
        (paid - expected).abs() <= 1e-9 * expected,
        "after a sample: paid {paid} USD/MWh, expected {expected}"
    );
}
