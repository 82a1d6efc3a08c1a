//! A lab's budget caps its electricity through the whole stack: in a region
//! priced at scarcity every evening (its datacenters served last, so they
//! pay the scarcity price), a lab whose power costs several times its
//! budget draws only what it can pay for, and spends within its budget plus
//! one month's budget; a lab with no budget draws nothing and trains
//! nothing; a lab with an ample budget is not held back.

use stack::{RunOptions, RunOutput, Scenario, run};
use std::path::Path;

/// One region, 1,000 MW of demand swinging ±30 % over the day against
/// 1,200 MW of gas at 45 USD/MWh: around the evening peak it is short and
/// priced at scarcity. Three labs of 10,000 chips (16.8 MW at the meter
/// each) draw there, served last: "poor" (2.4e7 USD a year, about a
/// quarter of what its power costs), "broke" (0) and "rich" (1e9).
fn scarce() -> RunOutput {
    let lab = |name: &str, budget: f64| {
        format!(
            r#"(name: "{name}", sites: [(region: "home", connected_mw: 100)], fleet: [(design: "x", count: 10000)], budget_usd_per_year: {budget})"#
        )
    };
    let text = format!(
        r#"Scenario(
    name: "budget",
    start: "2025-01-01",
    horizon_years: 1,
    grid: ( curtailment_order: [Household, Industry, Fab, Datacenter] ),
    regions: [ (name: "home", demand_avg_mw: 1000, daily_amplitude: 0.3, seasonal_amplitude: 0) ],
    plants: [ (name: "gas", region: "home", technology: Gas, installed_mw: 1200, marginal_cost_usd_per_mwh: 45, failures_per_unit_year: 0) ],
    designs: [ (name: "x", die_area_mm2: 600, peak_flop_s: 1e15, power_w: 700, hbm_stacks: 0, node: "7nm", unit_price_usd: 10000) ],
    labs: [ {}, {}, {} ],
)"#,
        lab("poor", 2.4e7),
        lab("broke", 0.0),
        lab("rich", 1e9)
    );
    let s = Scenario::from_text(Path::new("budget.ron"), &text).unwrap_or_else(|e| panic!("{e}"));
    run(&s, &RunOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// The sum of `metric` for `entity` over every sample.
fn total(out: &RunOutput, metric: &str, entity: &str) -> f64 {
    out.series
        .iter()
        .filter(|r| r.metric == metric && r.entity == entity)
        .map(|r| r.value)
        .sum()
}

#[test]
fn labs_spend_within_their_budget_at_scarcity_prices() {
    let out = scarce();
    // The horizon: 2025, to 2026-01-01.
    let days = 365.0;
    // "rich" pays scarcity prices, far more than 45 USD/MWh on average:
    // the poor lab's power would cost several times its budget.
    let rich_usd_per_mwh =
        total(&out, "training.spend_usd", "rich") / total(&out, "training.energy_mwh", "rich");
    let rich_mwh = total(&out, "training.energy_mwh", "rich");
    assert!(
        rich_usd_per_mwh * rich_mwh > 3.0 * 2.4e7,
        "{rich_usd_per_mwh} USD/MWh"
    );
    assert_eq!(total(&out, "training.limited_budget_days", "rich"), 0.0);
    // 12 monthly ticks of 2e6 USD, plus at most one month's.
    let spend = total(&out, "training.spend_usd", "poor");
    assert!(spend <= 2.4e7 + 2e6, "{spend}");
    assert!(spend > 0.9 * 2.4e7, "it draws what it can pay for: {spend}");
    let poor_mwh = total(&out, "training.energy_mwh", "poor");
    assert!(poor_mwh < 0.5 * rich_mwh, "{poor_mwh} vs {rich_mwh} MWh");
    assert!(total(&out, "training.limited_budget_days", "poor") > 0.5 * days);
    assert_eq!(total(&out, "training.limited_power_days", "poor"), 0.0);
    // No budget: no power, no spend, no release, every day budget-bound.
    assert_eq!(total(&out, "training.spend_usd", "broke"), 0.0);
    assert_eq!(total(&out, "training.energy_mwh", "broke"), 0.0);
    let broke = out.lab_names.iter().position(|n| n == "broke").unwrap();
    assert!(out.releases.iter().all(|r| r.lab.index() != broke));
    let budget_days = total(&out, "training.limited_budget_days", "broke");
    assert!((budget_days - days).abs() < 1e-6, "{budget_days}");
}
