//! The frontier gap by year: how far the nation's best model stands behind
//! the world frontier at the end of each year and at the horizon's end, the
//! figure that says whether a country keeps pace (the smallest gap of any
//! release is usually the first release's, and says nothing about the trend).

use stack::{RunOptions, RunOutput, Scenario, run};
use std::path::Path;

fn two_years(ecosystem: &str) -> RunOutput {
    let text = format!(
        r#"Scenario(
    name: "gap",
    start: "2025-01-01",
    horizon_years: 2,
    regions: [ (name: "home", demand_avg_mw: 1000) ],
    plants: [ (name: "gas", region: "home", technology: Gas, installed_mw: 2000, marginal_cost_usd_per_mwh: 45, failures_per_unit_year: 0) ],
    designs: [ (name: "x", die_area_mm2: 600, peak_flop_s: 1e15, power_w: 700, hbm_stacks: 0, node: "7nm", unit_price_usd: 10000) ],
    labs: [ (name: "lab", sites: [(region: "home", connected_mw: 100)], fleet: [(design: "x", count: 10000)]) ],
    {ecosystem}
)"#
    );
    let s = Scenario::from_text(Path::new("gap.ron"), &text).unwrap_or_else(|e| panic!("{e}"));
    run(&s, &RunOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn scalar(out: &RunOutput, name: &str) -> Option<f64> {
    out.scalar(name)
}

fn sampled(out: &RunOutput, date: &str) -> f64 {
    out.series
        .iter()
        .find(|r| r.date == date && r.metric == "training.frontier_gap_months" && r.entity == "national")
        .unwrap_or_else(|| panic!("no gap sampled at {date}"))
        .value
}

#[test]
fn each_year_ends_with_the_gap_the_monthly_series_shows_then() {
    // A frontier 3 orders of magnitude above this lab's first runs, growing
    // one order a year: the lab falls further behind.
    let out = two_years(
        r#"ecosystem: ( frontier_log10_effective_flop: [("2025-01-01", 25), ("2027-01-01", 27)] ),"#,
    );
    let y25 = scalar(&out, "training.frontier_gap_months_year_2025").expect("a release in 2025");
    let y26 = scalar(&out, "training.frontier_gap_months_year_2026").expect("and in 2026");
    assert_eq!(y25, sampled(&out, "2026-01-01"));
    assert_eq!(y26, sampled(&out, "2027-01-01"));
    // Two years end on 1 January 2027: the end's gap is 2026's.
    let end = scalar(&out, "training.frontier_gap_months_end").expect("a gap at the end");
    assert_eq!(end, y26);
    assert_eq!(scalar(&out, "training.frontier_gap_months_year_2027"), None);
    // The smallest gap of any release is at most every year-end gap.
    let min = scalar(&out, "training.min_frontier_gap_months").expect("a gap");
    assert!(min <= y25 && min <= y26);
}

#[test]
fn without_a_frontier_path_there_is_no_gap_and_no_sentinel() {
    let out = two_years("");
    assert!(
        out.scalars.iter().all(|(k, _)| !k.contains("frontier_gap")),
        "{:?}",
        out.scalars
    );
    assert!(
        out.series
            .iter()
            .all(|r| r.metric != "training.frontier_gap_months")
    );
}

/// The summary's line for the smallest gap says something true on both
/// sides of the frontier: ahead, the smallest gap is the largest lead, not
/// the "closest" a release came (audit s16-thesis F5b: `closest to
/// frontier    63.6 months ahead`).
#[test]
fn the_best_gap_line_is_true_behind_and_ahead() {
    use stack::report::best_gap_line;
    assert_eq!(best_gap_line(7.24), "closest to frontier    7.2 months behind");
    assert_eq!(best_gap_line(0.01), "closest to frontier    at the frontier");
    assert_eq!(
        best_gap_line(-63.58),
        "furthest ahead         63.6 months ahead of the frontier"
    );
}
