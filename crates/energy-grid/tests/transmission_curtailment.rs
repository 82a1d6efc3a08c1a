//! Transmission limits, curtailment priority and an ample grid that never curtails.

mod common;

use common::{config, firm, flat_region, hours, run, started};
use energy_grid::{GridConfig, GridSignal, LinkConfig, LoadClass, LoadSpec, RegionConfig, Technology};

fn importer_and_exporter(link_mw: f64, loss: f64) -> GridConfig {
    let empty = flat_region("empty", 500.0);
    let mut full = flat_region("full", 500.0);
    full.fleet.push(firm("full-gas", Technology::Gas, 5_000.0, 40.0));
    let mut c = config(vec![empty, full]);
    let mut link = LinkConfig::new("full", "empty", link_mw);
    link.loss_fraction = loss;
    c.links.push(link);
    c
}

#[test]
fn a_region_without_generation_is_served_up_to_the_link_limit_and_no_further() {
    let (mut grid, mut agenda) = started(importer_and_exporter(200.0, 0.05), 1);
    let (empty, full) = (
        grid.region_id("empty").expect("r"),
        grid.region_id("full").expect("r"),
    );
    let mut steps = 0;
    run(&mut grid, &mut agenda, hours(48), |g, _, _| {
        let b = g.region_balance(empty).expect("balance");
        assert!((b.imports_mw - 200.0).abs() < 1e-6, "imports {}", b.imports_mw);
        assert!((b.served_mw - 190.0).abs() < 1e-6, "served {}", b.served_mw);
        assert!(
            (b.curtailed_mw - 310.0).abs() < 1e-6,
            "curtailed {}",
            b.curtailed_mw
        );
        let f = g.region_balance(full).expect("balance");
        assert!((f.exports_mw - 200.0).abs() < 1e-6 && f.curtailed_mw == 0.0);
        assert!((f.generation_mw - 700.0).abs() < 1e-6);
        steps += 1;
    });
    assert_eq!(steps, 49);
    // A wide link serves all of it: sent = demand / (1 − loss).
    let (mut grid, mut agenda) = started(importer_and_exporter(2_000.0, 0.05), 1);
    run(&mut grid, &mut agenda, hours(3), |g, _, _| {
        let b = g.region_balance(empty).expect("balance");
        assert!(b.curtailed_mw.abs() < 1e-6);
        assert!((b.imports_mw - 500.0 / 0.95).abs() < 1e-6);
    });
}

#[test]
fn power_transits_through_a_region_with_nothing_to_spare() {
    // far (spare) — mid (balanced) — empty; links 300 then 100 MW.
    let mut far = flat_region("far", 0.0);
    far.fleet.push(firm("far-gas", Technology::Gas, 1_000.0, 40.0));
    let mut mid = flat_region("mid", 400.0);
    mid.fleet.push(firm("mid-coal", Technology::Coal, 400.0, 30.0));
    let empty = flat_region("empty", 500.0);
    let mut c = config(vec![empty, mid, far]);
    c.links.push(LinkConfig {
        from: "far".into(),
        to: "mid".into(),
        capacity_mw: 300.0,
        loss_fraction: 0.0,
    });
    c.links.push(LinkConfig {
        from: "mid".into(),
        to: "empty".into(),
        capacity_mw: 100.0,
        loss_fraction: 0.0,
    });
    let (mut grid, mut agenda) = started(c, 1);
    let empty = grid.region_id("empty").expect("r");
    run(&mut grid, &mut agenda, hours(2), |g, _, _| {
        let b = g.region_balance(empty).expect("balance");
        assert!((b.served_mw - 100.0).abs() < 1e-6, "served {}", b.served_mw);
    });
}

/// One region with 1,000 MW average demand peaking at 19:00 (±30 %), 10 %
/// household, plus a 150 MW datacenter, and 1,250 MW of firm supply: short
/// (by up to 200 MW) only around the evening peak.
fn evening_short(order: Vec<LoadClass>) -> GridConfig {
    let mut r = RegionConfig::new("r", 1_000.0);
    r.demand.daily_amplitude = 0.3;
    r.demand.seasonal_amplitude = 0.0;
    r.demand.household_share = 0.1;
    r.fleet.push(firm("r-gas", Technology::Gas, 1_250.0, 40.0));
    let mut c = config(vec![r]);
    c.curtailment_order = order;
    c
}

/// Per dispatch: (hour of day, MW cut from [household, industry, datacenter], household requested MW).
type Cuts = Vec<(u64, [f64; 3], f64)>;

fn curtailed_by_class(order: Vec<LoadClass>) -> (Cuts, f64) {
    let mut c = evening_short(order);
    c.regions[0].storage = energy_grid::StorageConfig::none();
    let (mut grid, mut agenda) = started(c, 1);
    let region = grid.region_id("r").expect("r");
    let dc = grid
        .add_load(LoadSpec {
            name: "dc".into(),
            region,
            class: LoadClass::Datacenter,
            connected_mw: 150.0,
        })
        .expect("load");
    grid.set_load_demand(dc, 150.0).expect("demand");
    let house = grid
        .regional_load(region, LoadClass::Household)
        .expect("household");
    let industry = grid.regional_load(region, LoadClass::Industry).expect("industry");
    let mut cuts = Vec::new();
    let mut worst = 0.0f64;
    run(&mut grid, &mut agenda, hours(47), |g, t, _| {
        let cut = |l| {
            let (_, req, served) = g.load_state(l).expect("load");
            req - served
        };
        let b = g.region_balance(region).expect("balance");
        worst = worst.max(b.curtailed_mw);
        let house_requested = g.load_state(house).expect("load").1;
        cuts.push((
            (t.ticks() / 3600) % 24,
            [cut(house), cut(industry), cut(dc)],
            house_requested,
        ));
    });
    (cuts, worst)
}

#[test]
fn a_grid_short_at_the_evening_peak_curtails_in_priority_order() {
    use LoadClass::*;
    let (cuts, worst) = curtailed_by_class(vec![Household, Industry, Fab, Datacenter]);
    assert!(worst > 190.0, "the peak must be short: {worst}");
    let mut industry_cut = false;
    for (hour, [h, i, d], house_requested) in &cuts {
        let any = h + i + d > 1e-6;
        assert!(!any || (14..=23).contains(hour), "curtailed at hour {hour}");
        // Industry is only cut once households are cut entirely; datacenters never here.
        if *i > 1e-6 {
            industry_cut = true;
            assert!(
                (h - house_requested).abs() < 1e-6,
                "industry cut while households kept power"
            );
        }
        assert!(d.abs() < 1e-9, "datacenter cut {d} at {hour}");
    }
    assert!(industry_cut, "the peak is deeper than the household load");
    // Datacenters first: the datacenter loses power before anyone else.
    let (cuts, _) = curtailed_by_class(vec![Datacenter, Household, Industry, Fab]);
    let dc_cut = cuts.iter().map(|(_, c, _)| c[2]).fold(0.0, f64::max);
    assert!(
        (dc_cut - 150.0).abs() < 1e-6,
        "datacenter fully cut first: {dc_cut}"
    );
    for (hour, [h, _, d], _) in &cuts {
        if *h > 1e-6 {
            assert!(
                (d - 150.0).abs() < 1e-6,
                "households cut at {hour} before the datacenter was"
            );
        }
    }
}

#[test]
fn curtailed_loads_are_told_and_an_ample_grid_never_curtails() {
    use LoadClass::*;
    // Short grid: the datacenter (cut after households and industry) is told when served drops.
    let mut c = evening_short(vec![Datacenter, Household, Industry, Fab]);
    c.regions[0].storage = energy_grid::StorageConfig::none();
    let (mut grid, mut agenda) = started(c, 1);
    let region = grid.region_id("r").expect("r");
    let dc = grid
        .add_load(LoadSpec {
            name: "dc".into(),
            region,
            class: Datacenter,
            connected_mw: 150.0,
        })
        .expect("l");
    grid.set_load_demand(dc, 150.0).expect("demand");
    let signals = run(&mut grid, &mut agenda, hours(47), |_, _, _| {});
    let served: Vec<f64> = signals
        .iter()
        .filter_map(|s| match s {
            GridSignal::LoadServed { load, served_mw, .. } if *load == dc => Some(*served_mw),
            _ => None,
        })
        .collect();
    assert!(served.contains(&0.0) && served.contains(&150.0), "{served:?}");
    // One signal per change, none while nothing changes (most of the 48 hours).
    assert!(served.len() < 40, "signals only on change: {}", served.len());
    assert!(
        served.windows(2).all(|w| (w[0] - w[1]).abs() > 0.01),
        "{served:?}"
    );

    // Ample: the two-region example with twice the fleet never curtails over a year.
    let mut c = GridConfig::example_two_region(energy_grid::calendar_2025());
    for r in &mut c.regions {
        for g in &mut r.fleet {
            g.installed_mw *= 2.0;
        }
    }
    let (mut grid, mut agenda) = started(c, 4);
    let north = grid.region_id("north").expect("r");
    let dc = grid
        .add_load(LoadSpec {
            name: "dc".into(),
            region: north,
            class: Datacenter,
            connected_mw: 100.0,
        })
        .expect("l");
    grid.set_load_demand(dc, 100.0).expect("demand");
    let signals = run(&mut grid, &mut agenda, hours(24 * 365), |g, t, _| {
        for b in g.last_balance() {
            assert_eq!(b.curtailed_mw, 0.0, "curtailed at {t}");
        }
    });
    let mut totals = std::collections::HashMap::new();
    grid.summary_scalars(&mut |k, v| {
        totals.insert(k.to_string(), v);
    });
    assert_eq!(totals["energy.unserved_mwh_total"], 0.0);
    assert_eq!(totals["energy.hours_with_shortfall"], 0.0);
    assert!(totals["energy.generation_mwh_total"] > 1.5e7);
    assert_eq!(signals.len(), 1, "one signal: the datacenter is served");
}

fn lossless(from: &str, to: &str, capacity_mw: f64) -> LinkConfig {
    LinkConfig {
        from: from.into(),
        to: to.into(),
        capacity_mw,
        loss_fraction: 0.0,
    }
}

#[test]
fn two_short_regions_competing_for_one_corridor_get_the_optimum() {
    // a and b are short 100 MW each. The cheap source s reaches both only
    // through the transit region x (s–x 100 MW); the dearer source t reaches
    // only a. Serving a from s first (cheapest source) would leave b dark:
    // the optimum serves b from s through x, and a from t.
    let a = flat_region("a", 100.0);
    let b = flat_region("b", 100.0);
    let x = flat_region("x", 0.0);
    let mut s = flat_region("s", 0.0);
    s.fleet.push(firm("s-gas", Technology::Gas, 1_000.0, 40.0));
    let mut t = flat_region("t", 0.0);
    t.fleet.push(firm("t-gas", Technology::Gas, 1_000.0, 60.0));
    let mut c = config(vec![a, b, x, s, t]);
    c.links = vec![
        lossless("s", "x", 100.0),
        lossless("x", "a", 100.0),
        lossless("x", "b", 100.0),
        lossless("t", "a", 100.0),
    ];
    let (mut grid, mut agenda) = started(c, 1);
    let id = |name: &str| grid.region_id(name).expect("region");
    let (a, b, s, t) = (id("a"), id("b"), id("s"), id("t"));
    let mut steps = 0;
    run(&mut grid, &mut agenda, hours(24), |g, _, _| {
        for r in [a, b] {
            let balance = g.region_balance(r).expect("balance");
            assert!(balance.curtailed_mw.abs() < 1e-6, "{r:?} curtailed {balance:?}");
        }
        let flows: Vec<f64> = g.link_flows().map(|(_, _, f, _)| f).collect();
        // s→x 100, x→a 0, x→b 100, t→a 100: the only way to serve both.
        for (flow, expected) in flows.iter().zip([100.0, 0.0, 100.0, 100.0]) {
            assert!((flow - expected).abs() < 1e-6, "flows {flows:?}");
        }
        let generation = |r| g.region_balance(r).expect("balance").generation_mw;
        assert!((generation(s) - 100.0).abs() < 1e-6 && (generation(t) - 100.0).abs() < 1e-6);
        // Each importer pays what delivering power to it costs.
        assert!(
            (g.price_usd_per_mwh(a) - 60.0).abs() < 0.01,
            "{}",
            g.price_usd_per_mwh(a)
        );
        assert!(
            (g.price_usd_per_mwh(b) - 40.0).abs() < 0.01,
            "{}",
            g.price_usd_per_mwh(b)
        );
        steps += 1;
    });
    assert_eq!(steps, 25);
}

#[test]
fn the_shortfall_program_minimises_cost_when_every_deficit_can_be_met() {
    // a is short 100 MW and reaches a dear neighbour directly and a cheap one
    // through a transit region; both routes are free: the cheap one wins.
    let a = flat_region("a", 100.0);
    let x = flat_region("x", 0.0);
    let mut cheap = flat_region("cheap", 0.0);
    cheap
        .fleet
        .push(firm("cheap-coal", Technology::Coal, 1_000.0, 20.0));
    let mut dear = flat_region("dear", 0.0);
    dear.fleet.push(firm("dear-gas", Technology::Gas, 1_000.0, 70.0));
    let mut c = config(vec![a, x, cheap, dear]);
    c.links = vec![
        lossless("dear", "a", 500.0),
        lossless("cheap", "x", 500.0),
        lossless("x", "a", 500.0),
    ];
    let (mut grid, mut agenda) = started(c, 1);
    let cheap = grid.region_id("cheap").expect("region");
    run(&mut grid, &mut agenda, hours(3), |g, _, _| {
        let flows: Vec<f64> = g.link_flows().map(|(_, _, f, _)| f).collect();
        assert!(
            flows[0].abs() < 1e-6 && (flows[1] - 100.0).abs() < 1e-6,
            "{flows:?}"
        );
        assert!((g.region_balance(cheap).expect("b").exports_mw - 100.0).abs() < 1e-6);
    });
}

/// A cheap region (coal at 20 USD/MWh) and a dear one (gas at 80), each
/// able to serve its own flat demand, joined by one link.
fn cheap_and_dear(dear_demand_mw: f64, link_mw: f64, loss: f64) -> GridConfig {
    let mut cheap = flat_region("cheap", 1_000.0);
    cheap
        .fleet
        .push(firm("cheap-coal", Technology::Coal, 2_000.0, 20.0));
    let mut dear = flat_region("dear", dear_demand_mw);
    dear.fleet.push(firm("dear-gas", Technology::Gas, 2_000.0, 80.0));
    let mut c = config(vec![cheap, dear]);
    let mut link = lossless("cheap", "dear", link_mw);
    link.loss_fraction = loss;
    c.links.push(link);
    c
}

/// After every step of a day: (sent from cheap to dear, cheap generation,
/// dear generation, cheap price, dear price); asserts the step balances.
fn trade_day(config: GridConfig) -> Vec<[f64; 5]> {
    let (mut grid, mut agenda) = started(config, 1);
    let (cheap, dear) = (
        grid.region_id("cheap").expect("r"),
        grid.region_id("dear").expect("r"),
    );
    let mut steps = Vec::new();
    run(&mut grid, &mut agenda, hours(24), |g, _, _| {
        for b in g.last_balance() {
            assert!(b.residual_mw().abs() < 1e-6 && b.curtailed_mw == 0.0, "{b:?}");
        }
        let sent = g.link_flows().map(|(_, _, f, _)| f).sum::<f64>();
        let (c, d) = (
            g.region_balance(cheap).expect("b"),
            g.region_balance(dear).expect("b"),
        );
        steps.push([
            sent,
            c.generation_mw,
            d.generation_mw,
            g.price_usd_per_mwh(cheap),
            g.price_usd_per_mwh(dear),
        ]);
    });
    steps
}

#[test]
fn cheap_generation_displaces_dear_generation_up_to_the_link_limit() {
    let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
    // Demand allows: exactly the link's 300 MW flows; the dear region still
    // runs its gas for the rest, so gas sets its price.
    for [sent, cheap, dear, p_cheap, p_dear] in trade_day(cheap_and_dear(1_000.0, 300.0, 0.0)) {
        assert!(close(sent, 300.0) && close(cheap, 1_300.0) && close(dear, 700.0));
        assert!(close(p_cheap, 20.0) && close(p_dear, 80.0));
    }
    // With 5 % losses, 300 MW sent displaces 285 MW.
    for [sent, cheap, dear, ..] in trade_day(cheap_and_dear(1_000.0, 300.0, 0.05)) {
        assert!(close(sent, 300.0) && close(cheap, 1_300.0) && close(dear, 715.0));
    }
    // Demand is the limit: all 200 MW of the dear region come over the
    // link, its gas stops and the price there is the cheap coal's.
    for [sent, cheap, dear, _, p_dear] in trade_day(cheap_and_dear(200.0, 300.0, 0.0)) {
        assert!(close(sent, 200.0) && close(cheap, 1_200.0) && close(dear, 0.0));
        assert!(close(p_dear, 20.0));
    }
    // Trade switched off: the link carries nothing (no region is short).
    let mut off = cheap_and_dear(1_000.0, 300.0, 0.0);
    off.economic_trade = false;
    for [sent, cheap, dear, p_cheap, p_dear] in trade_day(off) {
        assert!(sent == 0.0 && close(cheap, 1_000.0) && close(dear, 1_000.0));
        assert!(close(p_cheap, 20.0) && close(p_dear, 80.0));
    }
    // No link capacity, no trade.
    for [sent, cheap, dear, p_cheap, p_dear] in trade_day(cheap_and_dear(1_000.0, 0.0, 0.0)) {
        assert!(sent == 0.0 && close(cheap, 1_000.0) && close(dear, 1_000.0));
        assert!(close(p_cheap, 20.0) && close(p_dear, 80.0));
    }
}

#[test]
fn trade_stops_when_losses_eat_the_price_gap() {
    // Coal at 50 against gas at 80 over a link losing 40 %: 80 × 0.6 = 48 < 50,
    // so sending coal would cost more than the gas it displaces.
    let mut c = cheap_and_dear(1_000.0, 300.0, 0.4);
    c.regions[0].fleet[0].marginal_cost_usd_per_mwh = 50.0;
    for [sent, ..] in trade_day(c.clone()) {
        assert_eq!(sent, 0.0);
    }
    // At 45 it pays: 48 > 45.
    c.regions[0].fleet[0].marginal_cost_usd_per_mwh = 45.0;
    for [sent, ..] in trade_day(c) {
        assert!((sent - 300.0).abs() < 1e-6);
    }
}
