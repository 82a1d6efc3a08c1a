//! DESIGN's minimal scenario ("at least a start date, a horizon, one region
//! and one lab; everything else has a documented default") is valid and
//! runs: `tests/minimal/bare.ron` declares no plants, no accelerator designs,
//! no fabs and no fleet. The run completes with finite outputs, energy
//! balances (all demand unserved without generation), nothing is delivered
//! and the lab, with no chips to train on, trains nothing.

mod common;
use common::Scratch;
use stack::{RunOptions, RunOutput, Scenario, report, run};
use std::path::PathBuf;

fn bare() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/minimal/bare.ron")
}

fn scalar(out: &RunOutput, key: &str) -> f64 {
    out.scalar(key).unwrap_or_else(|| panic!("no scalar `{key}`"))
}

/// The sum over the run of a monthly metric of one entity.
fn monthly_sum(out: &RunOutput, metric: &str, entity: &str) -> f64 {
    out.series
        .iter()
        .filter(|r| r.metric == metric && r.entity == entity)
        .map(|r| r.value)
        .sum()
}

fn load_and_run() -> (Scenario, RunOutput) {
    let s = Scenario::load(&bare()).unwrap_or_else(|e| panic!("bare.ron does not load: {e}"));
    assert!(s.data.designs.is_empty() && s.data.plants.is_empty() && s.data.fabs.is_empty());
    let out = run(&s, &RunOptions::default()).unwrap_or_else(|e| panic!("bare.ron does not run: {e}"));
    (s, out)
}

#[test]
fn the_design_minimal_scenario_loads_and_runs_with_finite_outputs() {
    let (s, out) = load_and_run();
    if let Some(r) = out.series.iter().find(|r| !r.value.is_finite()) {
        panic!("{} of {} on {} is {}", r.metric, r.entity, r.date, r.value);
    }
    for (k, v) in &out.scalars {
        assert!(v.is_finite(), "scalar {k} is {v}");
    }
    // Samples cover the horizon, for every domain.
    let (first, last) = out
        .series
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), r| {
            (a.min(r.time_year), b.max(r.time_year))
        });
    assert!(
        last - first >= s.data.horizon_years.get() - 0.01,
        "{first}..{last}"
    );
    for domain in ["energy.", "fab.", "training."] {
        assert!(
            out.series.iter().any(|r| r.metric.starts_with(domain)),
            "no {domain} metric"
        );
    }
    // No entity is named after a design (there is none).
    assert!(
        out.series
            .iter()
            .filter(|r| r.metric == "fab.accelerators_out")
            .all(|r| r.entity == "national")
    );
    // summary.json is well formed: every outcome a number, one bound per
    // year of the horizon (no run finished), no release.
    let json = report::summary_json(&s, &out);
    let outcomes = json["outcomes"].as_object().expect("outcomes");
    assert!(outcomes.values().all(|v| v.as_f64().is_some_and(f64::is_finite)));
    // Outcomes that count nothing are +0 (not `-0.0`); the bounds of years
    // without a run are −1.
    for (k, v) in outcomes {
        let v = v.as_f64().unwrap_or(f64::NAN);
        if v == 0.0 {
            assert!(v.is_sign_positive(), "{k} is -0");
        }
    }
    // Two calendar years from 2025-01-01 end on 2027-01-01 at midnight: a
    // row for each of them and none for 2027.
    let bounds = json["largest_run_bound_by_year"].as_object().expect("bounds");
    assert_eq!(bounds.keys().collect::<Vec<_>>(), ["2025", "2026"]);
    assert!(bounds.values().all(|b| b == "no run finished"));
    assert_eq!(json["releases"].as_array().map(Vec::len), Some(0));
    let text = report::summary_text(&s, &out);
    assert!(!text.contains("NaN"), "{text}");
}

#[test]
fn energy_balances_with_no_generation() {
    let (_, out) = load_and_run();
    let demand = scalar(&out, "energy.demand_mwh_total");
    let unserved = scalar(&out, "energy.unserved_mwh_total");
    let generation = scalar(&out, "energy.generation_mwh_total");
    // 1,000 MW on average for two years.
    let hours = 2.0 * 365.25 * 24.0;
    assert!(
        (demand / (1000.0 * hours) - 1.0).abs() < 0.01,
        "demand {demand:e} MWh"
    );
    // Demand = served + unserved, and nothing is served without generation.
    assert_eq!(generation, 0.0);
    assert!(
        (unserved / demand - 1.0).abs() < 1e-9,
        "unserved {unserved:e} of {demand:e}"
    );
    assert!((scalar(&out, "energy.unserved_fraction") - 1.0).abs() < 1e-9);
    let monthly = monthly_sum(&out, "energy.demand_mwh", "national");
    assert!(
        (monthly / demand - 1.0).abs() < 1e-6,
        "monthly {monthly:e} vs {demand:e}"
    );
    let monthly_unserved = monthly_sum(&out, "energy.unserved_mwh", "national");
    assert!((monthly_unserved / unserved - 1.0).abs() < 1e-6);
}

#[test]
fn no_accelerator_is_delivered_and_nothing_is_trained() {
    let (s, out) = load_and_run();
    for k in [
        "fab.accelerators_delivered_total",
        "fab.accelerators_built_total",
        "fab.accelerators_imported_total",
        "fab.flop_s_delivered_total",
        "fab.wafers_started_total",
        "fab.order_backlog_usd_end",
        "fab.binding_input_mode",
        "training.runs_total",
        "training.releases_total",
        "training.largest_run_flop",
        "training.energy_mwh_total",
        "training.spend_usd_total",
        "training.failures_total",
        "training.largest_run_flop_year_2025",
        "training.largest_run_flop_year_2026",
        "training.largest_run_energy_mwh_year_2025",
        "training.largest_run_electricity_usd_year_2026",
    ] {
        assert_eq!(scalar(&out, k), 0.0, "{k}");
    }
    assert_eq!(scalar(&out, "training.largest_run_bound_year_2025"), -1.0);
    assert!(out.releases.is_empty());
    assert!(out.scalars.iter().all(|(k, _)| k != "training.best_capability"));
    for (metric, entity) in [
        ("fab.accelerators_delivered", "lab"),
        ("fab.accelerators_delivered", "national"),
        ("fab.accelerators_out", "national"),
        ("fab.accelerators_stock", "national"),
        ("training.accelerators_installed", "national"),
        ("training.training_flop_s", "national"),
        ("training.energy_mwh", "national"),
        ("training.utilisation", "national"),
        ("training.limited_power_days", "lab"),
        ("training.limited_budget_days", "lab"),
    ] {
        assert!(
            out.series
                .iter()
                .filter(|r| r.metric == metric && r.entity == entity)
                .all(|r| r.value == 0.0),
            "{metric} of {entity} is not 0 throughout"
        );
    }
    // What kept the lab from training, all along: it had no chips.
    let days = monthly_sum(&out, "training.limited_chips_days", "lab");
    let horizon_days = s.data.horizon_years.get() * 365.25;
    assert!(
        (days / horizon_days - 1.0).abs() < 0.01,
        "{days} chip-limited days"
    );
    // The lab's budget is ordered every month and every order closes
    // unfilled, so none is left open and none is spent.
    let residual = monthly_sum(&out, "fab.order_residual_usd", "national");
    assert!(residual > 0.0, "no order was placed");
    assert!(
        (residual / (s.data.horizon_years.get() * 1e9) - 1.0).abs() < 1e-9,
        "{residual:e} USD of residue, budget 1e9 USD a year"
    );
    // An order is open only until the next production tick: the backlog
    // never holds more than one month's order.
    assert!(
        out.series
            .iter()
            .filter(|r| r.metric == "fab.order_backlog_usd")
            .all(|r| (0.0..=1e9 / 12.0 * (1.0 + 1e-9)).contains(&r.value)),
        "an order stayed open"
    );
}

/// A region without demand: the grid reports no unserved fraction (there is
/// nothing to divide by), and the text summary says so instead of printing
/// `NaN % of demand`.
#[test]
fn a_run_without_demand_says_so_instead_of_nan() {
    let text = std::fs::read_to_string(bare()).unwrap();
    let path = Scratch::new("bare-no-demand.ron");
    std::fs::write(&path, text.replace("demand_avg_mw: 1000", "demand_avg_mw: 0")).unwrap();
    let s = Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let out = run(&s, &RunOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(scalar(&out, "energy.demand_mwh_total"), 0.0);
    let text = report::summary_text(&s, &out);
    assert!(!text.contains("NaN"), "{text}");
    assert!(text.contains("0 MWh unserved (no demand)"), "{text}");
}
