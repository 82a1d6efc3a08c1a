//! `energy.shortfall_hours`: the hours of each monthly period in which a
//! region left demand unserved, and for `national` those in which any
//! region did (s16 grid audit: shortfall hours existed only as one national
//! run total, so "does the grid hold at evening peaks?" had no answer by
//! region or month).

mod common;

use common::{config, firm, flat_region, run, started};
use energy_grid::Technology;
use scheduler::{SECS_PER_HOUR, SimTime};
use std::collections::HashMap;

/// Two identical, unlinked regions whose evening peaks exceed their fleet
/// (1,000 MW average demand, ±20 % daily, 1,100 MW of gas), and one that
/// never falls short: each short region's hours are counted from the
/// dispatch steps, month by month, and `national` counts an hour once
/// however many regions are short in it (here the two short regions'
/// hours coincide, so it is half their sum).
#[test]
fn shortfall_hours_count_each_regions_short_hours_and_the_nations_once() {
    let peaky = |name: &str| {
        let mut r = flat_region(name, 1_000.0);
        r.demand.daily_amplitude = 0.2;
        r.fleet
            .push(firm(&format!("{name}-gas"), Technology::Gas, 1_100.0, 45.0));
        r
    };
    let mut ample = flat_region("ample", 500.0);
    ample.fleet.push(firm("ample-gas", Technology::Gas, 600.0, 45.0));
    let (mut grid, mut agenda) = started(config(vec![peaky("a"), peaky("c"), ample]), 1);
    let ids: Vec<_> = ["a", "c", "ample"]
        .iter()
        .map(|n| grid.region_id(n).expect("region"))
        .collect();
    // January (744 h), then the first ten days of February.
    let mut periods = Vec::new();
    for end_h in [744u64, 984] {
        let mut counted = [0.0f64; 4];
        run(
            &mut grid,
            &mut agenda,
            SimTime(end_h * SECS_PER_HOUR - 1),
            |g, _, _| {
                let mut any = false;
                for (k, &r) in ids.iter().enumerate() {
                    if g.region_balance(r).expect("region").curtailed_mw > 1e-6 {
                        counted[k] += 1.0;
                        any = true;
                    }
                }
                if any {
                    counted[3] += 1.0;
                }
            },
        );
        let mut sampled = HashMap::new();
        grid.sample_metrics(SimTime(end_h * SECS_PER_HOUR - 1), &mut |m, e, v| {
            if m == "energy.shortfall_hours" {
                sampled.insert(e.to_string(), v);
            }
        });
        periods.push((counted, sampled));
    }
    for (counted, sampled) in &periods {
        assert!(counted[0] > 0.0, "the evening peaks fall short");
        assert_eq!(sampled["a"], counted[0]);
        assert_eq!(sampled["c"], counted[1]);
        assert_eq!(sampled["ample"], 0.0);
        assert_eq!(sampled["national"], counted[3]);
        assert_eq!(sampled["national"], sampled["a"], "an hour counts once");
    }
    // Flows: the second period counts only its own hours.
    assert!(periods[1].1["a"] < periods[0].1["a"]);
}
