//! Electricity bills: a site pays, per MWh, what the energy it was served
//! cost at each dispatch step's price in its region (over the previous
//! sampling period), not the region's average over hours it drew nothing.
//!
//! One region: 1,000 MW of demand swinging ±30 % over the day, 1,200 MW of
//! gas at 45 USD/MWh without outages, and a site of 10,000 chips of 700 W
//! (16.8 MW at the meter, with server overhead and PUE) cut first. Around
//! the evening peak demand passes the gas fleet, the site is cut to nothing
//! and the region is priced at scarcity (5,000 USD/MWh by default); in every
//! other hour it is served in full at 45 USD/MWh. So the site's power always
//! costs 45 USD/MWh, while the region's average price is far higher. (Energy
//! served in part in a scarcity step would be billed at the scarcity price:
//! every MWh of a step clears at its price. Here the deficit passes the
//! site's 16.8 MW within a step, so no step serves it in part.)

use stack::{RunOptions, RunOutput, Scenario, run};
use std::path::Path;

fn evening_cut(gas_mw: u32) -> RunOutput {
    let text = format!(
        r#"Scenario(
    name: "bill",
    start: "2025-01-01",
    horizon_years: 0.25,
    grid: ( curtailment_order: [Datacenter, Fab, Household, Industry] ),
    regions: [ (name: "home", demand_avg_mw: 1000, daily_amplitude: 0.3, seasonal_amplitude: 0) ],
    plants: [ (name: "gas", region: "home", technology: Gas, installed_mw: {gas_mw}, marginal_cost_usd_per_mwh: 45, failures_per_unit_year: 0) ],
    designs: [ (name: "x", die_area_mm2: 600, peak_flop_s: 1e15, power_w: 700, hbm_stacks: 0, node: "7nm", unit_price_usd: 10000) ],
    labs: [ (name: "lab", sites: [(region: "home", connected_mw: 100)], fleet: [(design: "x", count: 10000)]) ],
)"#
    );
    let s = Scenario::from_text(Path::new("bill.ron"), &text).unwrap_or_else(|e| panic!("{e}"));
    run(&s, &RunOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// The value of `metric` for `entity` at the sampling instant `date`.
fn at(out: &RunOutput, date: &str, metric: &str, entity: &str) -> f64 {
    out.sample(date, metric, entity)
        .unwrap_or_else(|| panic!("no {metric},{entity} at {date}"))
}

#[test]
fn a_site_cut_in_scarcity_hours_pays_the_price_of_the_hours_it_drew() {
    let out = evening_cut(1200);
    // February and March: billed at the tariff each site paid in the month before.
    for date in ["2025-03-01", "2025-04-01"] {
        let cut = at(&out, date, "energy.ai_curtailed_mwh", "home");
        let energy = at(&out, date, "training.energy_mwh", "lab");
        let spend = at(&out, date, "training.spend_usd", "lab");
        let average = at(&out, date, "energy.avg_price_usd_per_mwh", "home");
        assert!(
            cut > 1000.0 && energy > 1000.0,
            "{date}: the site is cut ({cut} MWh) and runs ({energy} MWh)"
        );
        assert!(
            average > 500.0,
            "{date}: scarcity hours raise the region's average to {average}"
        );
        let paid = spend / energy;
        assert!(
            (paid - 45.0).abs() < 1e-6,
            "{date}: the site paid {paid} USD/MWh for power it drew only in hours priced at 45"
        );
    }
}

#[test]
fn a_site_never_cut_pays_the_same_as_in_an_ample_grid() {
    let ample = evening_cut(3000);
    for date in ["2025-03-01", "2025-04-01"] {
        assert_eq!(at(&ample, date, "energy.ai_curtailed_mwh", "home"), 0.0);
        let paid =
            at(&ample, date, "training.spend_usd", "lab") / at(&ample, date, "training.energy_mwh", "lab");
        assert!((paid - 45.0).abs() < 1e-6, "{date}: {paid} USD/MWh");
    }
}
