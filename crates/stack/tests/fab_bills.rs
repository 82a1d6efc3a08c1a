//! Fabs pay for their electricity: each fab's grid load is billed, by the
//! grid's own bookkeeping for loads (`Grid::take_load_bill`, as datacenter
//! sites are), each dispatch step's energy at that step's price in its
//! region, and the supply chain reports it (`fab.energy_mwh`,
//! `fab.electricity_usd`, their `_total`s and
//! `fab.avg_electricity_price_usd_per_mwh`). The bill is reported only: it
//! changes nothing else.

use stack::{RunOptions, RunOutput, Scenario, run};
use std::path::{Path, PathBuf};

/// Runs a scenario written in full.
fn run_text(name: &str, text: &str) -> RunOutput {
    let s = Scenario::from_text(Path::new(name), text).unwrap_or_else(|e| panic!("{e}"));
    run(&s, &RunOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// The value of `metric` for `entity` at the sampling instant `date`.
fn at(out: &RunOutput, date: &str, metric: &str, entity: &str) -> f64 {
    out.sample(date, metric, entity)
        .unwrap_or_else(|| panic!("no {metric},{entity} at {date}"))
}

fn scalar(out: &RunOutput, key: &str) -> f64 {
    out.scalar(key).unwrap_or_else(|| panic!("no outcome {key}"))
}

/// `a` equals `b` to `rel` of `b` (or `rel` absolutely near 0).
fn assert_close(a: f64, b: f64, rel: f64, what: &str) {
    assert!(
        (a - b).abs() <= rel * b.abs().max(1.0),
        "{what}: {a} against {b} (off by {:e})",
        (a - b) / b
    );
}

/// The sampling dates after the start (each closes a month).
fn month_ends(out: &RunOutput) -> Vec<String> {
    let mut dates: Vec<String> = out
        .series
        .iter()
        .filter(|r| r.metric == "fab.energy_mwh" && r.entity == "national" && r.time_year > 2025.0)
        .map(|r| r.date.to_string())
        .collect();
    dates.dedup();
    dates
}

/// One region, 1,000 MW of demand swinging ± `swing` over the day,
/// `nuclear_mw` of nuclear at 10 USD/MWh and `gas_mw` of gas at 45 USD/MWh
/// (no outages), loads cut in the order `[Fab, Datacenter, Household,
/// Industry]`, and one fab drawing a flat 40 MW (`base_power_fraction: 1`:
/// its power does not follow its starts) for `years`. The lab's site draws
/// nothing (no accelerators).
fn one_fab(swing: f64, nuclear_mw: f64, gas_mw: f64, years: f64) -> RunOutput {
    run_text("fabbill.ron", &one_fab_text(swing, nuclear_mw, gas_mw, years))
}

/// The text of [`one_fab`]'s scenario.
fn one_fab_text(swing: f64, nuclear_mw: f64, gas_mw: f64, years: f64) -> String {
    format!(
        r#"Scenario(name: "fabbill", start: "2025-01-01", horizon_years: {years},
    grid: (curtailment_order: [Fab, Datacenter, Household, Industry]),
    regions: [(name: "home", demand_avg_mw: 1000, daily_amplitude: {swing}, seasonal_amplitude: 0)],
    plants: [
        (name: "nuc", region: "home", technology: Nuclear, installed_mw: {nuclear_mw}, marginal_cost_usd_per_mwh: 10, failures_per_unit_year: 0),
        (name: "gas", region: "home", technology: Gas, installed_mw: {gas_mw}, marginal_cost_usd_per_mwh: 45, failures_per_unit_year: 0),
    ],
    chips: (packaging_units_per_month: 100000),
    designs: [(name: "chip", die_area_mm2: 600, peak_flop_s: 600e12, power_w: 800, hbm_stacks: 0, node: "7nm", unit_price_usd: 15000)],
    fabs: [(name: "fab", region: "home", node: "7nm", capacity_wafers_per_month: 1000, ramp_months: 0,
            yield_initial: 0.5, yield_ceiling: 0.5, yield_learning_wafers: 1000, power_mw: 40, base_power_fraction: 1,
            products: [(design: "chip", share: 1)])],
    labs: [(name: "lab", budget_usd_per_year: 1e9, sites: [(region: "home", connected_mw: 10)])],
)"#
    )
}

#[test]
fn a_fab_pays_its_power_times_hours_at_the_marginal_plants_cost() {
    // Flat demand of 1,040 MW with the fab: the nuclear fleet (900 MW) runs
    // flat out and gas, at 45 USD/MWh, sets the price in every hour. A year
    // of 8,760 hours at 40 MW is 350,400 MWh, 15,768,000 USD.
    let out = one_fab(0.0, 900.0, 3000.0, 1.0);
    assert_close(
        scalar(&out, "fab.energy_mwh_total"),
        40.0 * 8760.0,
        1e-9,
        "energy",
    );
    assert_close(
        scalar(&out, "fab.electricity_usd_total"),
        40.0 * 8760.0 * 45.0,
        1e-9,
        "cost",
    );
    assert_close(
        scalar(&out, "fab.avg_electricity_price_usd_per_mwh"),
        45.0,
        1e-9,
        "average price",
    );
    // Each month is billed its own hours (January 744, February 672), in
    // the fab's row and the national one.
    for (date, hours) in [
        ("2025-02-01", 744.0),
        ("2025-03-01", 672.0),
        ("2026-01-01", 744.0),
    ] {
        for entity in ["fab", "national"] {
            assert_close(
                at(&out, date, "fab.energy_mwh", entity),
                40.0 * hours,
                1e-9,
                &format!("{date} {entity} energy"),
            );
            assert_close(
                at(&out, date, "fab.electricity_usd", entity),
                40.0 * hours * 45.0,
                1e-9,
                &format!("{date} {entity} cost"),
            );
        }
    }
    // The monthly flows add up to the run's totals.
    let months = month_ends(&out);
    assert_eq!(months.len(), 12, "{months:?}");
    let sum: f64 = months
        .iter()
        .map(|d| at(&out, d, "fab.electricity_usd", "national"))
        .sum();
    assert_close(
        sum,
        scalar(&out, "fab.electricity_usd_total"),
        1e-12,
        "months against total",
    );
}

#[test]
fn a_fab_the_grid_cuts_pays_only_for_what_it_was_served() {
    // Demand ± 35 % over the day against 1,200 MW of gas alone: in the
    // evening peak the fab, cut first, is cut whole (the deficit passes its
    // 40 MW within a step) and the region is priced at scarcity; in every
    // other hour the fab is served in full at gas's 45 USD/MWh. It pays
    // 45 USD/MWh for what it drew, though the region's average is far higher.
    let out = one_fab(0.35, 0.0, 1200.0, 0.25);
    for (date, hours) in [
        ("2025-02-01", 744.0),
        ("2025-03-01", 672.0),
        ("2025-04-01", 744.0),
    ] {
        let cut = at(&out, date, "energy.ai_curtailed_mwh", "home");
        let energy = at(&out, date, "fab.energy_mwh", "fab");
        let cost = at(&out, date, "fab.electricity_usd", "fab");
        assert!(cut > 1000.0, "{date}: the fab is cut ({cut} MWh)");
        assert!(
            at(&out, date, "energy.avg_price_usd_per_mwh", "home") > 500.0,
            "{date}: scarcity hours raise the region's average"
        );
        // Only the fab is cut (the site draws nothing): it was served its
        // 40 MW less what the grid cut.
        assert_close(energy, 40.0 * hours - cut, 1e-9, &format!("{date} energy"));
        assert_close(cost, 45.0 * (40.0 * hours - cut), 1e-9, &format!("{date} cost"));
    }
    let total = scalar(&out, "fab.energy_mwh_total");
    assert!(
        total < 40.0 * 2160.0 * 0.9,
        "{total} MWh: the cuts are not billed"
    );
    assert_close(
        scalar(&out, "fab.avg_electricity_price_usd_per_mwh"),
        45.0,
        1e-9,
        "average price",
    );
}

#[test]
fn a_fab_cut_throughout_pays_nothing_and_has_no_average_price() {
    // 900 MW of nuclear and no gas for 1,000 MW of demand: the fab, cut
    // first, is never served.
    let out = one_fab(0.0, 900.0, 0.0, 0.25);
    assert_eq!(scalar(&out, "fab.energy_mwh_total"), 0.0);
    assert_eq!(scalar(&out, "fab.electricity_usd_total"), 0.0);
    assert_eq!(out.scalar("fab.avg_electricity_price_usd_per_mwh"), None);
}

/// Two regions: "home" (1,000 MW of demand swinging ± 30 %, 900 MW of
/// nuclear at 10 and `gas_mw` of gas at 45 USD/MWh) and "fabland", with
/// no demand or plants of its own, fed over a link of `link_mw` with 5 %
/// losses. Two fabs in fabland: "ramping" (50 MW at full starts, a base
/// share of 0.25, ramping over six months) and "steady" (a flat 30 MW).
/// Five-hour dispatch steps, so steps span month starts.
fn fabland(gas_mw: f64, gas_failures: f64, link_mw: f64) -> RunOutput {
    let text = format!(
        r#"Scenario(name: "fabland", start: "2025-01-01", horizon_years: 1,
    grid: (dispatch_interval_hours: 5, curtailment_order: [Fab, Datacenter, Household, Industry]),
    regions: [(name: "home", demand_avg_mw: 1000, daily_amplitude: 0.3),
              (name: "fabland", demand_avg_mw: 0)],
    links: [(name: "tie", from: "home", to: "fabland", capacity_mw: {link_mw}, loss_fraction: 0.05)],
    plants: [
        (name: "nuc", region: "home", technology: Nuclear, installed_mw: 900, marginal_cost_usd_per_mwh: 10, failures_per_unit_year: 0),
        (name: "gas", region: "home", technology: Gas, installed_mw: {gas_mw}, marginal_cost_usd_per_mwh: 45, failures_per_unit_year: {gas_failures}),
    ],
    chips: (packaging_units_per_month: 100000),
    designs: [(name: "chip", die_area_mm2: 600, peak_flop_s: 600e12, power_w: 800, hbm_stacks: 0, node: "7nm", unit_price_usd: 15000)],
    fabs: [
        (name: "ramping", region: "fabland", node: "7nm", capacity_wafers_per_month: 1000, ramp_months: 6,
         yield_initial: 0.5, yield_ceiling: 0.5, yield_learning_wafers: 1000, power_mw: 50, base_power_fraction: 0.25,
         products: [(design: "chip", share: 1)]),
        (name: "steady", region: "fabland", node: "7nm", capacity_wafers_per_month: 1000, ramp_months: 0,
         yield_initial: 0.5, yield_ceiling: 0.5, yield_learning_wafers: 1000, power_mw: 30, base_power_fraction: 1,
         products: [(design: "chip", share: 1)]),
    ],
    labs: [(name: "lab", budget_usd_per_year: 1e9, sites: [(region: "home", connected_mw: 10)])],
)"#
    );
    run_text("fabland.ron", &text)
}

/// Checks that in every month the fabs' energy billed (each fab's and
/// their national sum) is the energy the grid reports serving fabland,
/// whose only loads are the fabs; returns the months the fabs were cut in.
fn check_fabland_energy(out: &RunOutput, what: &str) -> usize {
    let mut cut_months = 0;
    let months = month_ends(out);
    assert_eq!(months.len(), 12, "{what}: {months:?}");
    let mut total = 0.0;
    for date in &months {
        let served = at(out, date, "energy.served_mwh", "fabland");
        let national = at(out, date, "fab.energy_mwh", "national");
        let each = at(out, date, "fab.energy_mwh", "ramping") + at(out, date, "fab.energy_mwh", "steady");
        assert!(served > 0.0, "{what} {date}: fabland is served");
        assert_close(
            national,
            served,
            1e-9,
            &format!("{what} {date}: billed against served"),
        );
        assert_close(
            each,
            national,
            1e-12,
            &format!("{what} {date}: fabs against national"),
        );
        let usd =
            at(out, date, "fab.electricity_usd", "ramping") + at(out, date, "fab.electricity_usd", "steady");
        assert_close(
            usd,
            at(out, date, "fab.electricity_usd", "national"),
            1e-12,
            &format!("{what} {date}: fabs' cost against national"),
        );
        if at(out, date, "energy.ai_curtailed_mwh", "fabland") > 1.0 {
            cut_months += 1;
        }
        total += national;
    }
    assert_close(
        total,
        scalar(out, "fab.energy_mwh_total"),
        1e-12,
        &format!("{what}: months against total"),
    );
    cut_months
}

#[test]
fn the_fabs_energy_billed_is_the_energy_the_grid_served_them() {
    // Ample generation and link: never cut, so fabland's demand is the
    // fabs' energy, and its demand-weighted price (each step's delivered
    // price c / (1 − loss)) times that demand is what they paid.
    let ample = fabland(1000.0, 0.0, 200.0);
    assert_eq!(check_fabland_energy(&ample, "ample"), 0);
    for date in month_ends(&ample) {
        let demand = at(&ample, &date, "energy.demand_mwh", "fabland");
        let price = at(&ample, &date, "energy.avg_price_usd_per_mwh", "fabland");
        let paid = at(&ample, &date, "fab.electricity_usd", "national");
        assert_close(
            paid,
            price * demand,
            1e-9,
            &format!("{date}: paid against price × demand"),
        );
        assert!(
            paid / demand > 10.0 / 0.95 - 1e-9 && paid / demand < 45.0 / 0.95 + 1e-9,
            "{date}: {} USD/MWh, between the two plants' delivered costs",
            paid / demand
        );
    }
    // A crunch: a link too small for the fabs and gas outages at home. The
    // fabs are cut, pay only for what they were served, and pay more per MWh.
    let crunch = fabland(400.0, 2.0, 60.0);
    assert!(check_fabland_energy(&crunch, "crunch") >= 6);
    assert!(scalar(&crunch, "fab.energy_mwh_total") < scalar(&ample, "fab.energy_mwh_total"));
    assert!(
        scalar(&crunch, "fab.avg_electricity_price_usd_per_mwh")
            > 2.0 * scalar(&ample, "fab.avg_electricity_price_usd_per_mwh")
    );
}

#[test]
fn china_2025_bills_its_fabs_and_the_same_seed_gives_the_same_bills() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/scenarios/china-2025.ron");
    let s = Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let a = run(&s, &RunOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let energy = scalar(&a, "fab.energy_mwh_total");
    let usd = scalar(&a, "fab.electricity_usd_total");
    assert!(energy > 0.0 && usd > 0.0, "{energy} MWh, {usd} USD");
    assert_close(
        scalar(&a, "fab.avg_electricity_price_usd_per_mwh"),
        usd / energy,
        1e-15,
        "average price",
    );
    let months = month_ends(&a);
    let sum: f64 = months
        .iter()
        .map(|d| at(&a, d, "fab.electricity_usd", "national"))
        .sum();
    assert_close(sum, usd, 1e-12, "months against total");
    // Determinism: the new series and outcomes are bit for bit the same.
    let b = run(&s, &RunOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let bills = |o: &RunOutput| -> Vec<(String, String, u64)> {
        o.series
            .iter()
            .filter(|r| r.metric == "fab.energy_mwh" || r.metric == "fab.electricity_usd")
            .map(|r| (r.date.to_string(), r.entity.to_string(), r.value.to_bits()))
            .collect()
    };
    assert!(bills(&a).len() > 2 * months.len());
    assert_eq!(bills(&a), bills(&b));
    let outcomes = |o: &RunOutput| -> Vec<(String, u64)> {
        o.scalars.iter().map(|(k, v)| (k.clone(), v.to_bits())).collect()
    };
    assert_eq!(outcomes(&a), outcomes(&b));
}

#[test]
fn a_horizon_ending_mid_month_sampled_quarterly_bills_every_hour_once() {
    // 0.3 years of 8,766 h: 2,629.8 h, to 2025-04-20 13:48, sampled every
    // 3 months. The 2025-04-01 sample holds January to March's three bills
    // (2,160 h); the end's, the bill of the partial month after (469.8 h);
    // together the run's total, 40 MW × 2,629.8 h at 45 USD/MWh (review
    // s25, F8).
    let text = one_fab_text(0.0, 900.0, 3000.0, 0.3).replacen(
        "grid: (",
        "settings: (sample_every_months: 3),\n    grid: (",
        1,
    );
    let out = run_text("fabbill.ron", &text);
    let hours = 0.3 * 8766.0;
    let total = scalar(&out, "fab.energy_mwh_total");
    assert_close(total, 40.0 * hours, 1e-9, "total energy");
    assert_close(
        scalar(&out, "fab.electricity_usd_total"),
        40.0 * hours * 45.0,
        1e-9,
        "total cost",
    );
    let samples = month_ends(&out);
    assert_eq!(samples, ["2025-04-01", "2025-04-20"], "{samples:?}");
    assert_close(
        at(&out, "2025-04-01", "fab.energy_mwh", "national"),
        40.0 * 2160.0,
        1e-9,
        "January to March",
    );
    assert_close(
        at(&out, "2025-04-20", "fab.energy_mwh", "fab"),
        40.0 * (hours - 2160.0),
        1e-9,
        "the partial month at the end",
    );
    for metric in ["fab.energy_mwh", "fab.electricity_usd"] {
        let sum: f64 = samples.iter().map(|d| at(&out, d, metric, "national")).sum();
        assert_close(
            sum,
            scalar(&out, &format!("{metric}_total")),
            1e-12,
            &format!("{metric}: samples against total"),
        );
    }
}
