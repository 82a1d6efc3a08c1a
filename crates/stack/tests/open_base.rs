//! Building on open weights through the whole stack: a small follower with
//! `open_base_share` releases its own effective FLOP plus that share of the
//! best open release of the leader it could build on, says which in
//! `summary.json`, and closes its frontier gap; with the share at 0 (the
//! default) nothing changes.

use serde_json::Value;
use stack::{RunOptions, RunOutput, Scenario, run};
use std::path::Path;

fn scenario(follower_extra: &str) -> Scenario {
    let text = format!(
        r#"Scenario(
    name: "open-base",
    start: "2025-01-01",
    horizon_years: 2,
    regions: [ (name: "home", demand_avg_mw: 1000) ],
    plants: [ (name: "gas", region: "home", technology: Gas, installed_mw: 2000, marginal_cost_usd_per_mwh: 45, failures_per_unit_year: 0) ],
    designs: [ (name: "x", die_area_mm2: 600, peak_flop_s: 1e15, power_w: 700, hbm_stacks: 0, node: "7nm", unit_price_usd: 10000) ],
    labs: [
        (name: "leader", open_share: 1, sites: [(region: "home", connected_mw: 100)], fleet: [(design: "x", count: 10000)]),
        (name: "follower", open_share: 1, spillover_delay_months: 2, {follower_extra}
         sites: [(region: "home", connected_mw: 10)], fleet: [(design: "x", count: 100)]),
    ],
    ecosystem: ( frontier_log10_effective_flop: [("2025-01-01", 25), ("2027-01-01", 27)] ),
)"#
    );
    Scenario::from_text(Path::new("open-base.ron"), &text).unwrap_or_else(|e| panic!("{e}"))
}

fn go(s: &Scenario) -> RunOutput {
    run(s, &RunOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn last(out: &RunOutput, metric: &str, entity: &str) -> f64 {
    out.series
        .iter()
        .rev()
        .find(|r| r.metric == metric && r.entity == entity)
        .unwrap_or_else(|| panic!("no {metric} of {entity}"))
        .value
}

#[test]
fn a_follower_building_on_the_leaders_open_weights_inherits_their_compute() {
    let (s0, s1) = (scenario(""), scenario("open_base_share: 1,"));
    let (off, on) = (go(&s0), go(&s1));
    let names = &on.lab_names;
    let follower = names.iter().position(|n| n == "follower").unwrap();
    // The same runs: building changes what a release carries, not when or
    // how much the follower trains.
    assert_eq!(off.releases.len(), on.releases.len());
    let mut built = 0;
    for (a, b) in off.releases.iter().zip(&on.releases) {
        assert_eq!((a.lab, a.at, a.physical_flop), (b.lab, b.at, b.physical_flop));
        assert_eq!(a.base, None);
        match b.base {
            None => assert_eq!(a, b),
            Some(base) => {
                built += 1;
                assert_eq!(b.lab.index(), follower);
                assert_eq!(names[base.lab.index()], "leader");
                let src = on
                    .releases
                    .iter()
                    .find(|r| r.lab == base.lab && r.number == base.number)
                    .unwrap();
                // Out for at least the two months' delay, and the best of
                // the leader's releases that were.
                assert!(src.at < b.at);
                assert_eq!(base.inherited_effective_flop, src.effective_flop);
                assert_eq!(b.effective_flop, a.effective_flop + src.effective_flop);
            }
        }
    }
    assert!(built >= 3, "{built}");
    // The follower's gap shrinks; the nation's best model is the leader's.
    let gap = "training.frontier_gap_months";
    assert!(last(&on, gap, "follower") < last(&off, gap, "follower") - 6.0);
    assert_eq!(last(&on, gap, "national"), last(&off, gap, "national"));
    // What came from bases: per lab, nation, and the outcome.
    let inherited = "training.inherited_effective_flop";
    assert!(last(&on, inherited, "follower") > 0.0);
    assert_eq!(last(&on, inherited, "leader"), 0.0);
    assert_eq!(last(&on, inherited, "national"), 0.0);
    assert!(off.series.iter().all(|r| r.metric != inherited));
    let outcome = |o: &RunOutput| {
        o.scalars
            .iter()
            .find(|(k, _)| k == "training.best_inherited_share")
            .map(|(_, v)| *v)
    };
    assert_eq!(outcome(&on), Some(0.0), "the best release is the leader's own");
    assert_eq!(outcome(&off), None);
    // summary.json names the base of a release built on one, and only then.
    let json = stack::report::summary_json(&s1, &on);
    let rel = json["releases"].as_array().unwrap();
    let with_base: Vec<&Value> = rel.iter().filter(|r| r.get("base").is_some()).collect();
    assert_eq!(with_base.len(), built);
    assert!(
        with_base
            .iter()
            .all(|r| r["lab"] == "follower" && r["base"]["lab"] == "leader")
    );
    let json0 = stack::report::summary_json(&s0, &off);
    assert!(
        json0["releases"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r.get("base").is_none())
    );
}

#[test]
fn a_share_of_zero_written_out_is_the_default() {
    let (a, b) = (go(&scenario("")), go(&scenario("open_base_share: 0,")));
    assert_eq!(a.scalars, b.scalars);
    assert_eq!(a.releases, b.releases);
    assert!(a.series == b.series);
}

/// The numbers docs/model/model-training.md quotes from
/// `examples/scenarios/open-base/` ("Open-weight spillovers" and "Building
/// on open weights"): the follower's and the leader's frontier gaps at the
/// end, to the two decimals the doc gives. A change that moves them must
/// move the doc too (audit s18-training, finding 5: the doc's numbers were
/// stale and their scenario was not in the repository).
#[test]
fn the_open_base_numbers_of_the_model_doc_are_what_the_examples_give() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/scenarios/open-base");
    for (file, follower, leader) in [
        ("follower.ron", 19.47, 5.88),
        ("follower-base-half.ron", 13.05, 5.88),
        ("follower-base-1.ron", 10.41, 5.88),
        ("leader-closed.ron", 19.47, 5.87),
        ("leader-closed-base-1.ron", 19.47, 5.87),
    ] {
        let s = Scenario::load(&dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let out = go(&s);
        let gap = "training.frontier_gap_months";
        let f = last(&out, gap, "follower");
        let l = last(&out, gap, "leader");
        assert!(
            (f - follower).abs() < 0.005,
            "{file}: follower {f}, the doc says {follower}"
        );
        assert!(
            (l - leader).abs() < 0.005,
            "{file}: leader {l}, the doc says {leader}"
        );
        assert!(
            (last(&out, gap, "national") - l).abs() < 1e-12,
            "{file}: the nation's is the leader's"
        );
    }
}
