//! What a load pays per MWh (`Grid::load_bill`) is `Σ served · price · Δt /
//! Σ served · Δt` over the dispatch steps since its bill was last taken,
//! each step at its own price, however often the load's served power
//! changes; taking the bill starts the next afresh, a metrics sample does not.

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
    let paid = |bill: energy_grid::LoadBill| bill.price_usd_per_mwh().expect("energy drawn");
    let (paid_now, expected) = (paid(grid.load_bill(site)), price_of(&seen));
    let paid = |bill| {
        let p = paid(bill);
        assert_eq!(p, paid_now, "reading the bill changes nothing");
        p
    };
    let paid = paid(grid.take_load_bill(site));
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

    // Taking the bill starts the sums afresh; a sample in between does not.
    let first = steps(&mut grid, &mut agenda, hours(72 + 20));
    grid.sample_metrics(hours(72 + 21), &mut |_, _, _| {});
    let mut seen = steps(&mut grid, &mut agenda, hours(72 + 47));
    seen.extend(first);
    let bill = grid.take_load_bill(site);
    let (paid, expected) = (bill.price_usd_per_mwh().expect("energy drawn"), price_of(&seen));
    assert!(
        (paid - expected).abs() <= 1e-9 * expected,
        "across a sample: paid {paid} USD/MWh, expected {expected}"
    );
    let energy: f64 = seen.iter().map(|(s, _)| s).sum();
    assert!((bill.energy_mwh - energy).abs() <= 1e-9 * energy);
}

#[test]
fn a_load_that_drew_nothing_pays_the_price_of_the_hours_it_was_not_cut() {
    // 1,000 MW flat on 1,100 MW of gas at 40 USD/MWh, datacenters cut
    // first. An idle site (asking for nothing) is never cut: it gets the
    // region's price over the span. A second site asking for 50 MW is
    // served in full at 40; asking for 150 MW it is cut to 100 MW every
    // hour, each MWh at the scarcity price, and it has no hour uncut.
    let mut r = RegionConfig::new("home", 1_000.0);
    r.demand.daily_amplitude = 0.0;
    r.demand.seasonal_amplitude = 0.0;
    r.storage = StorageConfig::none();
    r.fleet.push(firm("gas", Technology::Gas, 1_100.0, 40.0));
    let mut c = config(vec![r]);
    c.curtailment_order = common::datacenters_first();
    let (mut grid, mut agenda) = started(c, 3);
    let home = grid.region_id("home").expect("region");
    let site = |grid: &mut energy_grid::Grid, name: &str, mw: f64| {
        grid.add_load(LoadSpec {
            name: name.into(),
            region: home,
            class: LoadClass::Datacenter,
            connected_mw: mw,
        })
        .expect("load")
    };
    let idle = site(&mut grid, "idle", 60.0);
    let big = site(&mut grid, "big", 150.0);
    grid.set_load_demand(big, 50.0).expect("demand");
    run(&mut grid, &mut agenda, hours(24), |_, _, _| {});
    let idle_bill = grid.take_load_bill(idle);
    assert_eq!(idle_bill.energy_mwh, 0.0);
    assert_eq!(idle_bill.price_usd_per_mwh(), Some(40.0), "{idle_bill:?}");
    assert_eq!(grid.take_load_bill(big).price_usd_per_mwh(), Some(40.0));

    grid.set_load_demand(big, 150.0).expect("demand");
    run(&mut grid, &mut agenda, hours(48), |_, _, _| {});
    let big_bill = grid.take_load_bill(big);
    assert!(
        (big_bill.energy_mwh - 100.0 * 24.0).abs() < 1e-6 && big_bill.open_hours == 0.0,
        "{big_bill:?}"
    );
    assert!(big_bill.price_usd_per_mwh().expect("energy drawn") > 1_000.0);
    // Drawing nothing and cut throughout: no price of its own (the caller
    // keeps the previous one).
    assert_eq!(energy_grid::LoadBill::default().price_usd_per_mwh(), None);
}
