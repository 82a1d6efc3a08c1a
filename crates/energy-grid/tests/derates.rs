//! Capacity derates (a Uri-type cold snap, a coal shortage): matched groups
//! lose their stated share of availability for exactly the stated window,
//! the matched regions' non-AI demand rises by the demand factor in that
//! window only, nothing else changes, and the energy balance holds.

mod common;

use common::{config, firm, flat_region, hours, run, started};
use energy_grid::{
    DerateConfig, GridConfig, GridError, GridEvent, LinkConfig, RegionBalance, RegionConfig, Technology,
};
use scheduler::{Duration, SECS_PER_DAY, SimTime};

/// Region "texas": 100 MW of gas (no outages) at 40 USD/MWh and flat
/// demand of `demand_mw`.
fn texas(demand_mw: f64) -> RegionConfig {
    let mut r = flat_region("texas", demand_mw);
    r.fleet.push(firm("texas-gas", Technology::Gas, 100.0, 40.0));
    r
}

fn uri(
    regions: &[&str],
    technologies: &[Technology],
    start_day: u64,
    days: u64,
    fraction: f64,
) -> DerateConfig {
    DerateConfig {
        name: "uri".into(),
        regions: regions.iter().map(|r| r.to_string()).collect(),
        technologies: technologies.to_vec(),
        start: SimTime(start_day * SECS_PER_DAY),
        duration: Duration::from_days(days),
        fraction,
        demand_factor: 1.0,
    }
}

/// Every step's balance of every region, and every group's available MW, over `days` days.
fn trace(c: GridConfig, days: u64) -> (Vec<Vec<RegionBalance>>, Vec<Vec<f64>>) {
    let (mut grid, mut agenda) = started(c, 7);
    let groups: Vec<_> = ["texas-gas", "other-coal"]
        .iter()
        .filter_map(|n| grid.plant_group_id(n))
        .collect();
    let (mut balances, mut available) = (Vec::new(), Vec::new());
    run(&mut grid, &mut agenda, hours(24 * days - 1), |g, _, _| {
        balances.push(g.last_balance().copied().collect());
        available.push(
            groups
                .iter()
                .map(|&i| g.plant_group_state(i).expect("group").available_mw)
                .collect(),
        );
    });
    (balances, available)
}

/// Known answer: 100 MW of gas derated 30 % for 5 days from day 10 is
/// available 70 MW in the 120 hourly steps that start in the window and
/// 100 MW in every other, to the step (also for a derate in force from the
/// start, which the first dispatch must see).
#[test]
fn a_derate_cuts_the_matched_groups_by_its_fraction_for_exactly_its_window() {
    for start_day in [10, 0] {
        let mut c = config(vec![texas(50.0)]);
        c.derates
            .push(uri(&["texas"], &[Technology::Gas], start_day, 5, 0.3));
        let (_, available) = trace(c, 30);
        assert_eq!(available.len(), 30 * 24);
        for (h, a) in available.iter().enumerate() {
            let inside = (start_day * 24..(start_day + 5) * 24).contains(&(h as u64));
            let expected = if inside { 70.0 } else { 100.0 };
            assert!(
                (a[0] - expected).abs() < 1e-12,
                "derate from day {start_day}, hour {h}: {} MW, expected {expected}",
                a[0]
            );
        }
    }
}

/// Overlapping derates multiply: 30 % and 50 % together leave 35 %.
#[test]
fn overlapping_derates_multiply() {
    let mut c = config(vec![texas(10.0)]);
    c.derates.push(uri(&["texas"], &[Technology::Gas], 1, 4, 0.3));
    let mut second = uri(&[], &[Technology::Gas, Technology::Coal], 3, 4, 0.5);
    second.name = "coal-crunch".into();
    c.derates.push(second);
    let (_, available) = trace(c, 10);
    let at = |day: usize| available[day * 24 + 12][0];
    assert!((at(0) - 100.0).abs() < 1e-12);
    assert!((at(2) - 70.0).abs() < 1e-12, "{}", at(2));
    assert!((at(4) - 35.0).abs() < 1e-12, "{}", at(4));
    assert!((at(6) - 50.0).abs() < 1e-12, "{}", at(6));
    assert!((at(8) - 100.0).abs() < 1e-12, "{}", at(8));
}

/// The demand factor multiplies the region's non-AI demand in exactly the
/// derate's window, and the derate's lost capacity is booked: 30 MW × 120 h.
#[test]
fn the_demand_factor_raises_demand_for_exactly_the_window_and_the_loss_is_reported() {
    let mut c = config(vec![texas(50.0)]);
    let mut d = uri(&["texas"], &[Technology::Gas], 10, 5, 0.3);
    d.demand_factor = 1.15;
    c.derates.push(d);
    let (balances, _) = trace(c, 30);
    for (h, b) in balances.iter().enumerate() {
        let inside = (240..360).contains(&h);
        let expected = if inside { 50.0 * 1.15 } else { 50.0 };
        assert!(
            (b[0].demand_mw - expected).abs() < 1e-9,
            "hour {h}: demand {} MW, expected {expected}",
            b[0].demand_mw
        );
    }
    let mut c = config(vec![texas(50.0)]);
    c.derates.push(uri(&["texas"], &[Technology::Gas], 10, 5, 0.3));
    let (mut grid, mut agenda) = started(c, 7);
    run(&mut grid, &mut agenda, hours(24 * 31 - 1), |_, _, _| {});
    let mut derated = Vec::new();
    grid.sample_metrics(hours(24 * 31), &mut |m, e, v| {
        if m == "energy.derated_mwh" {
            derated.push((e.to_string(), v));
        }
    });
    assert_eq!(derated.len(), 2, "{derated:?}");
    for (entity, v) in derated {
        assert!((v - 30.0 * 120.0).abs() < 1e-6, "{entity}: {v} MWh");
    }
    let mut total = None;
    grid.summary_scalars(&mut |m, v| {
        if m == "energy.derated_mwh_total" {
            total = Some(v);
        }
    });
    assert!((total.expect("total") - 3_600.0).abs() < 1e-6);
}

/// A derate whose technologies the regions lack, or whose regions are not
/// joined to the one watched, or of fraction 0 and demand factor 1,
/// changes nothing: every step of the watched region is bit for bit the
/// run without it.
#[test]
fn a_derate_outside_its_matches_changes_nothing() {
    let two = || {
        let mut other = flat_region("other", 30.0);
        other
            .fleet
            .push(firm("other-coal", Technology::Coal, 100.0, 20.0));
        config(vec![texas(50.0), other])
    };
    let (base, base_available) = trace(two(), 20);
    let mut cases = Vec::new();
    let mut c = two();
    c.derates
        .push(uri(&[], &[Technology::Nuclear, Technology::Wind], 2, 5, 0.9));
    cases.push(("no matched technology", c, true));
    let mut c = two();
    let mut d = uri(&["texas"], &[Technology::Gas], 2, 5, 0.0);
    d.demand_factor = 1.0;
    c.derates.push(d);
    cases.push(("fraction 0", c, true));
    let mut c = two();
    let mut d = uri(&["other"], &[Technology::Coal], 2, 5, 0.5);
    d.demand_factor = 1.2;
    c.derates.push(d);
    cases.push(("another, unlinked region", c, false));
    for (what, c, whole) in cases {
        let (b, a) = trace(c, 20);
        for (h, (x, y)) in base.iter().zip(&b).enumerate() {
            assert_eq!(x[0], y[0], "{what}: texas differs at hour {h}");
            if whole {
                assert_eq!(x, y, "{what}: hour {h}");
                assert_eq!(base_available[h], a[h], "{what}: hour {h}");
            }
        }
    }
}

/// Linked to a neighbour, a derate deep enough to short the region is met
/// by imports and then by shedding, and every step's energy balance holds.
#[test]
fn a_deep_derate_sheds_load_and_the_balance_holds() {
    let mut other = flat_region("other", 30.0);
    other.fleet.push(firm("other-coal", Technology::Coal, 60.0, 20.0));
    let mut c = config(vec![texas(80.0), other]);
    c.links.push(LinkConfig::new("texas", "other", 20.0));
    let mut d = uri(&["texas"], &[Technology::Gas], 2, 3, 0.5);
    d.demand_factor = 1.1;
    c.derates.push(d);
    let (balances, _) = trace(c.clone(), 10);
    let mut shed = 0.0;
    for (h, b) in balances.iter().enumerate() {
        for r in b {
            assert!(
                r.residual_mw().abs() < 1e-6,
                "hour {h}: residual {}",
                r.residual_mw()
            );
        }
        if !(48..120).contains(&h) {
            assert_eq!(b[0].curtailed_mw, 0.0, "hour {h}");
        }
        shed += b[0].curtailed_mw;
    }
    // 88 MW of demand, 50 MW of gas and 20 × 0.97 MW of imports: 18.6 MW short for 72 h.
    assert!((shed - 72.0 * (88.0 - 50.0 - 19.4)).abs() < 1e-6, "{shed}");
    assert!(balances[60][0].price_usd_per_mwh == c.scarcity_price_usd_per_mwh);
}

/// Bad derates are refused naming the derate and the field.
#[test]
fn bad_derates_are_refused() {
    let bad = |d: DerateConfig| {
        let mut c = config(vec![texas(50.0)]);
        c.derates.push(d);
        match energy_grid::Grid::new(c, &scheduler::RngStreams::new(1, 0)) {
            Ok(_) => panic!("accepted"),
            Err(e) => e,
        }
    };
    let e = bad(uri(&["texas"], &[Technology::Gas], 1, 5, 1.5));
    assert!(e.to_string().contains("derate `uri`: `fraction`"), "{e}");
    let mut d = uri(&["texas"], &[Technology::Gas], 1, 5, 0.5);
    d.demand_factor = -1.0;
    assert!(bad(d).to_string().contains("`demand_factor`"));
    let e = bad(uri(&["texas"], &[Technology::Battery], 1, 5, 0.5));
    assert!(e.to_string().contains("`technologies`"), "{e}");
    let e = bad(uri(&["texas"], &[], 1, 5, 0.5));
    assert!(e.to_string().contains("`technologies`"), "{e}");
    let e = bad(uri(&["tejas"], &[Technology::Gas], 1, 5, 0.5));
    assert!(
        matches!(&e, GridError::UnknownRegion { field: "regions", name, .. } if name == "tejas"),
        "{e}"
    );
}

/// A derate in force at the start is applied by `Grid::start` and listed
/// for the event trace; a later one is an event.
#[test]
fn a_derate_in_force_at_the_start_is_listed_as_applied_at_start() {
    let mut c = config(vec![texas(50.0)]);
    c.derates.push(uri(&["texas"], &[Technology::Gas], 0, 5, 0.3));
    let mut later = uri(&["texas"], &[Technology::Gas], 9, 5, 0.3);
    later.name = "later".into();
    c.derates.push(later);
    let (mut grid, mut agenda) = started(c, 1);
    assert_eq!(
        grid.take_applied_at_start(),
        [GridEvent::DerateStart { derate: 0 }]
    );
    let mut events = Vec::new();
    while let Some((t, e)) = agenda.next_event_until(hours(24 * 20)).expect("no budget") {
        if e != GridEvent::Dispatch {
            events.push((t, e));
        }
        grid.handle(e, &mut agenda, &mut Vec::new()).expect("handled");
    }
    let day = |d: u64| SimTime(d * SECS_PER_DAY);
    assert!(
        events.contains(&(day(5), GridEvent::DerateEnd { derate: 0 })),
        "{events:?}"
    );
    assert!(events.contains(&(day(9), GridEvent::DerateStart { derate: 1 })));
    assert!(events.contains(&(day(14), GridEvent::DerateEnd { derate: 1 })));
}
