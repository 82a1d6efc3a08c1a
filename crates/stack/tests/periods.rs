//! Period boundaries of a run: the t = 0 sample carries no flows (but what
//! the grid resolves at the start: projects completed, capacity retired), each
//! month gets exactly its own dispatch steps, nothing runs at or past the
//! end, and every calendar year the horizon touches gets its per-year
//! outcomes.
//!
//! The scenarios are flat: 1,000 MW of non-AI demand every hour (no daily or
//! seasonal swing), gas with no outages, and one lab with one accelerator
//! (about 0.002 MW at the meter), so national demand is 1,000 MWh per hourly
//! step plus under 0.01 MWh: one step more or less is 1,000 MWh.

use stack::{RunOptions, RunOutput, Scenario, run};
use std::path::Path;

fn flat(start: &str, horizon_years: &str) -> Scenario {
    let text = format!(
        r#"Scenario(
    name: "flat",
    start: "{start}",
    horizon_years: {horizon_years},
    regions: [ (name: "home", demand_avg_mw: 1000, daily_amplitude: 0, seasonal_amplitude: 0) ],
    plants: [ (name: "home-gas", region: "home", technology: Gas, installed_mw: 1600, failures_per_unit_year: 0) ],
    designs: [ ( name: "h100", die_area_mm2: 814, peak_flop_s: 989e12, power_w: 700, hbm_stacks: 5, node: "4nm", unit_price_usd: 25000) ],
    labs: [ ( name: "lab", sites: [(region: "home", connected_mw: 0.001)], fleet: [(design: "h100", count: 1)]) ],
)"#
    );
    Scenario::from_text(Path::new("flat.ron"), &text).unwrap_or_else(|e| panic!("{e}"))
}

fn run_it(s: &Scenario) -> RunOutput {
    run(s, &RunOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// The value of `metric` for `entity` at the sampling instant `date`.
fn at(out: &RunOutput, date: &str, metric: &str, entity: &str) -> f64 {
    out.sample(date, metric, entity)
        .unwrap_or_else(|| panic!("no {metric},{entity} at {date}"))
}

fn scalar(out: &RunOutput, key: &str) -> Option<f64> {
    out.scalar(key)
}

/// MWh of national demand in `hours` hourly steps: 1,000 MWh each plus
/// under 0.01 MWh of the site.
fn assert_steps(mwh: f64, hours: f64, what: &str) {
    let base = 1000.0 * hours;
    assert!(
        mwh >= base - 1e-6 && mwh <= base + 0.01 * hours,
        "{what}: {mwh} MWh of demand, expected {hours} hourly steps of 1,000 MWh ({base})"
    );
}

#[test]
fn the_first_sample_has_no_flows_and_january_has_744_hours() {
    let out = run_it(&flat("2025-01-01", "0.1"));
    let first = out.series.iter().next().expect("samples").date.to_string();
    assert_eq!(first, "2025-01-01");
    let flows: Vec<_> = out
        .series
        .iter()
        .filter(|r| {
            r.date == "2025-01-01" && (r.metric.ends_with("_mwh") || r.metric == "energy.emissions_t")
        })
        .collect();
    assert!(flows.len() >= 10, "energy flows at t = 0: {}", flows.len());
    for r in flows {
        assert_eq!(
            r.value, 0.0,
            "{},{} at t = 0: the first step's flow",
            r.metric, r.entity
        );
    }
    for metric in ["fab.wafer_starts", "fab.accelerators_out", "fab.imports"] {
        assert_eq!(
            at(&out, "2025-01-01", metric, "national"),
            0.0,
            "{metric} at t = 0"
        );
    }
    // The row dated 2025-02-01 holds January: 31 × 24 = 744 hourly steps.
    assert_steps(
        at(&out, "2025-02-01", "energy.demand_mwh", "national"),
        744.0,
        "January",
    );
}

#[test]
fn a_one_year_hourly_run_dispatches_the_hours_of_its_calendar_year() {
    // One year from 2025-01-01 is 2025: 8,760 h, steps at hours 0..=8759,
    // none at the end (2026-01-01 00:00); from 2024-01-01 it is the leap
    // year's 8,784 h.
    for (start, hours) in [("2025-01-01", 8760.0), ("2024-01-01", 8784.0)] {
        let out = run_it(&flat(start, "1"));
        let total = scalar(&out, "energy.demand_mwh_total").expect("demand total");
        assert_steps(total, hours, start);
        // The monthly rows add up to the total, and the last row (dated on
        // New Year's Day) holds December's 744 h.
        let rows: Vec<f64> = out
            .series
            .iter()
            .filter(|r| r.metric == "energy.demand_mwh" && r.entity == "national")
            .map(|r| r.value)
            .collect();
        assert_eq!(rows.len(), 13, "{start}: t = 0 and 12 month ends");
        let sum: f64 = rows.iter().sum();
        assert!(
            (sum - total).abs() < 1e-6 * total,
            "rows sum to {sum}, total {total}"
        );
        assert_steps(*rows.last().unwrap(), 744.0, "December");
    }
}

#[test]
fn every_calendar_year_the_horizon_reaches_has_per_year_outcomes() {
    // 2025-07-01 + 0.6 years ends in February 2026.
    let out = run_it(&flat("2025-07-01", "0.6"));
    for y in [2025, 2026] {
        let flop = scalar(&out, &format!("training.largest_run_flop_year_{y}"));
        let bound = scalar(&out, &format!("training.largest_run_bound_year_{y}"));
        assert!(flop.is_some() && bound.is_some(), "no per-year outcomes for {y}");
        if flop == Some(0.0) {
            assert_eq!(bound, Some(-1.0), "{y}: no run, so no bound");
        }
    }
    assert_eq!(scalar(&out, "training.largest_run_flop_year_2027"), None);
    // A horizon ending exactly at midnight on 1 January (4 years from
    // 2025-01-01 end at 2029-01-01 00:00): nothing runs in 2029, so no 2029 column.
    let out = run_it(&flat("2025-01-01", "4"));
    assert!(scalar(&out, "training.largest_run_flop_year_2028").is_some());
    assert_eq!(scalar(&out, "training.largest_run_flop_year_2029"), None);
    // 2025-01-01 + 1 year ends at 2026-01-01 00:00 too; 1.5 years reach
    // half a Julian year into 2026.
    let out = run_it(&flat("2025-01-01", "1"));
    assert!(scalar(&out, "training.largest_run_flop_year_2025").is_some());
    assert_eq!(scalar(&out, "training.largest_run_flop_year_2026"), None);
    let out = run_it(&flat("2025-01-01", "1.5"));
    assert!(scalar(&out, "training.largest_run_flop_year_2026").is_some());
}

/// A horizon that ends a minute after a month starts samples twice within
/// that minute: `timeseries.csv` must still tell the two instants apart
/// (its `time_year` was written to 4 decimals, about 53 minutes, so each
/// metric had two rows with one key; audit s7 #11).
#[test]
fn instants_minutes_apart_get_distinct_rows() {
    let out = run_it(&flat("2025-01-01", "0.0848753707"));
    let mut csv = Vec::new();
    stack::output::write_timeseries(&mut csv, 0, &out.series, true).expect("written");
    let text = String::from_utf8(csv).expect("utf-8");
    let mut keys = std::collections::BTreeSet::new();
    let mut rows = 0;
    for line in text.lines().skip(1) {
        let key = line.rsplit_once(',').expect("a value").0;
        assert!(keys.insert(key.to_string()), "two rows with the key `{key}`");
        rows += 1;
    }
    assert!(rows > 0);
    let febs = text
        .lines()
        .filter(|l| l.contains(",2025-02-01,energy.demand_mwh,national,"))
        .count();
    assert_eq!(febs, 2, "the 1 February sample and the end a minute later");
}

#[test]
fn a_plant_retired_before_the_start_is_gone_from_the_first_sample_and_the_first_hour() {
    // s16 (grid review finding 3, the reviewer's rs.ron): the retirement was
    // an event at t = 0 after the first sample and the first dispatch, so
    // the first row showed 200 MW of coal and January 100 MWh of coal
    // generation (the first hour, on the cheaper coal).
    let text = r#"Scenario(
    name: "rs",
    start: "2025-01-01",
    horizon_years: 0.1,
    regions: [ (name: "a", demand_avg_mw: 100, daily_amplitude: 0, seasonal_amplitude: 0) ],
    plants: [ (name: "a-coal", region: "a", technology: Coal, installed_mw: 200, failures_per_unit_year: 0, retire_date: "2024-01-01"),
              (name: "a-gas", region: "a", technology: Gas, installed_mw: 200, failures_per_unit_year: 0) ],
    designs: [(name: "h100", die_area_mm2: 814, peak_flop_s: 989e12, power_w: 700, hbm_stacks: 5, node: "4nm", unit_price_usd: 25000)],
    labs: [(name: "lab", sites: [(region: "a", connected_mw: 0)], fleet: [(design: "h100", count: 1)])],
)"#;
    let s = Scenario::from_text(Path::new("rs.ron"), text).unwrap_or_else(|e| panic!("{e}"));
    let out = run_it(&s);
    assert_eq!(at(&out, "2025-01-01", "energy.capacity_coal_mw", "a"), 0.0);
    assert_eq!(at(&out, "2025-01-01", "energy.retired_mw", "a"), 200.0);
    assert_eq!(at(&out, "2025-02-01", "energy.generation_coal_mwh", "a"), 0.0);
    assert_eq!(at(&out, "2025-02-01", "energy.retired_mw", "a"), 0.0);
    assert!(at(&out, "2025-02-01", "energy.generation_gas_mwh", "a") > 0.0);
}
