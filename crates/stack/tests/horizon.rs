//! Where a horizon ends: whole years are calendar years, so "10 years from
//! 2025-01-01" covers 2025–2034 and not half a day of 2035 (which gave every
//! batch a `…_year_2035` column of runs that could not finish anything).

use scheduler::{Calendar, Duration, SimTime};
use stack::world::horizon_end;
use stack::{RunOptions, Scenario, run};
use std::path::Path;

fn date(s: &str) -> chrono::NaiveDate {
    s.parse().expect("a date")
}

#[test]
fn whole_years_are_calendar_years_and_a_fraction_counts_julian_days() {
    let c = Calendar::new(date("2025-01-01"));
    assert_eq!(horizon_end(&c, 10.0), c.at_date(date("2035-01-01")));
    assert_eq!(horizon_end(&c, 1.0), c.at_date(date("2026-01-01")));
    // Half a year is half of 365.25 days, after the whole years.
    let half = Duration::from_secs_f64(0.5 * 365.25 * 86_400.0).expect("half a year");
    assert_eq!(
        horizon_end(&c, 2.5),
        c.at_date(date("2027-01-01")).map(|t| t + half)
    );
    assert_eq!(horizon_end(&c, 0.5), Some(SimTime::ZERO + half));
    // From a leap day a whole year ends on 28 February.
    let leap = Calendar::new(date("2024-02-29"));
    assert_eq!(horizon_end(&leap, 1.0), leap.at_date(date("2025-02-28")));
    assert_eq!(horizon_end(&leap, 4.0), leap.at_date(date("2028-02-29")));
    // Out of range.
    for bad in [0.0, -1.0, 100.5, f64::NAN, f64::INFINITY] {
        assert_eq!(horizon_end(&c, bad), None, "{bad}");
    }
    assert!(horizon_end(&c, 100.0).is_some());
}

#[test]
fn a_two_year_run_reports_its_two_years_and_ends_on_new_year() {
    let text = r#"Scenario(
    name: "horizon",
    start: "2025-01-01",
    horizon_years: 2,
    regions: [ (name: "home", demand_avg_mw: 1000) ],
    plants: [ (name: "gas", region: "home", technology: Gas, installed_mw: 2000, marginal_cost_usd_per_mwh: 45, failures_per_unit_year: 0) ],
    designs: [ (name: "x", die_area_mm2: 600, peak_flop_s: 1e15, power_w: 700, hbm_stacks: 0, node: "7nm", unit_price_usd: 10000) ],
    labs: [ (name: "lab", sites: [(region: "home", connected_mw: 100)], fleet: [(design: "x", count: 10000)]) ],
)"#;
    let s = Scenario::from_text(Path::new("horizon.ron"), text).unwrap_or_else(|e| panic!("{e}"));
    let out = run(&s, &RunOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let years: Vec<&str> = out
        .scalars
        .iter()
        .filter_map(|(k, _)| k.strip_prefix("training.largest_run_flop_year_"))
        .collect();
    assert_eq!(years, ["2025", "2026"]);
    let last = out
        .series
        .iter()
        .map(|r| r.date.to_string())
        .max()
        .expect("samples");
    assert_eq!(last, "2027-01-01");
    // Time zero and the first of each of the 24 months after it: no sample
    // at noon on 1 January 2027.
    let samples = out
        .series
        .iter()
        .filter(|r| r.metric == "energy.demand_mwh" && r.entity == "national")
        .count();
    assert_eq!(samples, 25);
}
