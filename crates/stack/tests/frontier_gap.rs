//! The frontier gap by year: how far the nation's best model stands behind
//! the world frontier at the end of each year and at the horizon's end, the
//! figure that says whether a country keeps pace (the smallest gap of any
//! release is usually the first release's, and says nothing about the trend).

use scheduler::math;
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

fn world_at(out: &RunOutput, date: &str) -> f64 {
    out.sample(date, "training.frontier_effective_flop", "world")
        .unwrap_or_else(|| panic!("no world frontier sampled at {date}"))
}

/// Past the frontier path's last point the gap extends the path by its
/// average slope; the `world` series once held the last value instead, so
/// a country could stand far above the plotted frontier and still read
/// years behind it (audit s22-long, finding 1). The series and the gap now
/// measure against the same frontier: the gap is the months the series
/// took to reach the nation's best capability.
#[test]
fn past_its_last_point_the_world_series_extends_the_frontier_as_the_gap_does() {
    // One order of magnitude a year, written for the first year only.
    let out = two_years(
        r#"ecosystem: ( frontier_log10_effective_flop: [("2025-01-01", 25), ("2026-01-01", 26)] ),"#,
    );
    let at = |date: &str| math::log10(world_at(&out, date));
    assert!(
        (at("2025-07-01") - (25.0 + 181.0 / 365.0)).abs() < 1e-9,
        "{}",
        at("2025-07-01")
    );
    assert!((at("2026-01-01") - 26.0).abs() < 1e-12);
    // Held flat, these were 26 and 26.
    assert!(
        (at("2026-07-01") - (26.0 + 181.0 / 365.0)).abs() < 1e-9,
        "{}",
        at("2026-07-01")
    );
    assert!((at("2027-01-01") - 27.0).abs() < 1e-9, "{}", at("2027-01-01"));
    // The gap at the end is how long before the end the extended frontier
    // stood at the nation's best capability.
    let best = scalar(&out, "training.best_capability").expect("a release");
    let gap = scalar(&out, "training.frontier_gap_months_end").expect("a gap at the end");
    let years_behind = 27.0 - best; // one order of magnitude a year
    assert!(
        (gap - years_behind * 365.0 * 86_400.0 / (365.25 * 86_400.0 / 12.0)).abs() < 1e-6,
        "gap {gap} months, best capability {best}"
    );
}

/// Before the path's first point the `world` series extends the path back
/// at its average slope too: a path written from 2028 reads, at the start,
/// its first value less three years of its slope.
#[test]
fn before_its_first_point_the_world_series_extends_the_frontier_back() {
    let out = two_years(
        r#"ecosystem: ( frontier_log10_effective_flop: [("2028-01-01", 29), ("2030-01-01", 31)] ),"#,
    );
    let day = 86_400.0;
    let slope = 2.0 / (731.0 * day); // 2028 is a leap year
    let want = 29.0 - slope * (1_095.0 * day); // 2025-01-01 to 2028-01-01
    let got = math::log10(world_at(&out, "2025-01-01"));
    assert!((got - want).abs() < 1e-9, "{got} vs {want}");
}
