//! Electricity billing runs on its own calendar-month clock: the sampling
//! cadence changes only what is recorded, a site the grid cut for a whole
//! month is not billed the scarcity price of hours it never drew, the
//! monthly loss shares book as the summary does, and the fabs' first power
//! demand reaches the grid's first dispatch (review s19-coupling, findings
//! 1 to 4).

use stack::{RunOptions, RunOutput, Scenario, run};
use std::path::Path;

fn run_text(name: &str, text: &str) -> RunOutput {
    let s = Scenario::from_text(Path::new(name), text).unwrap_or_else(|e| panic!("{e}"));
    run(&s, &RunOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn outcome(out: &RunOutput, key: &str) -> f64 {
    out.scalar(key).unwrap_or_else(|| panic!("no outcome {key}"))
}

/// The value of `metric` for `entity` at the sampling instant `date`.
fn at(out: &RunOutput, date: &str, metric: &str, entity: &str) -> f64 {
    out.sample(date, metric, entity)
        .unwrap_or_else(|| panic!("no {metric},{entity} at {date}"))
}

/// One region of 1,000 MW swinging ±15 % over the day on 1,140 MW of
/// nuclear at 10 USD/MWh (no outages): short, and priced at scarcity, for
/// four hours every evening, when its datacenters are cut first. One lab of
/// 10,000 H100s (16.8 MW at the meter) on a 20 MW connection, no inference
/// and no failures, with `budget` USD a year, sampled every `months`.
fn evening_peak(budget: f64, months: u32) -> RunOutput {
    let text = format!(
        r#"Scenario(
    name: "peak",
    start: "2025-01-01",
    horizon_years: 1,
    settings: (sample_every_months: {months}),
    grid: (curtailment_order: [Datacenter, Fab, Industry, Household]),
    regions: [ (name: "home", demand_avg_mw: 1000, daily_amplitude: 0.15, seasonal_amplitude: 0) ],
    plants: [ (name: "nuc", region: "home", technology: Nuclear, installed_mw: 1140, failures_per_unit_year: 0, unit_size_mw: 1140, marginal_cost_usd_per_mwh: 10) ],
    designs: [ (name: "h100", die_area_mm2: 814, peak_flop_s: 989e12, power_w: 700, hbm_stacks: 5, node: "4nm", unit_price_usd: 25000) ],
    ecosystem: (inference_max_share_of_chips: 0),
    labs: [ (name: "lab", budget_usd_per_year: {budget}, initial_target_run_flop: 1e30, release_cadence_months: Const(value: 3), chip_failure_rate_per_hour: 0, sites: [(region: "home", connected_mw: 20)], fleet: [(design: "h100", count: 10000)]) ],
)"#
    );
    run_text("peak.ron", &text)
}

/// Every outcome of `a` and `b` agrees: training's and the fabs' to the
/// bit but for summation order (1e-12), the grid's sums over periods too.
fn same_outcomes(a: &RunOutput, b: &RunOutput, what: &str) {
    assert_eq!(
        a.scalars.iter().map(|(k, _)| k).collect::<Vec<_>>(),
        b.scalars.iter().map(|(k, _)| k).collect::<Vec<_>>(),
        "{what}: the same outcomes"
    );
    for ((k, x), (_, y)) in a.scalars.iter().zip(&b.scalars) {
        assert!(
            (x - y).abs() <= 1e-12 * x.abs().max(y.abs()),
            "{what}: {k} is {x} sampled monthly but {y} otherwise"
        );
    }
}

#[test]
fn the_sampling_cadence_changes_what_is_recorded_not_the_bills() {
    for budget in [1e12, 3e6] {
        let monthly = evening_peak(budget, 1);
        for months in [3, 12] {
            let other = evening_peak(budget, months);
            same_outcomes(
                &monthly,
                &other,
                &format!("budget {budget}, every {months} months"),
            );
        }
        // The case is the one described: the site pays more than the first
        // step's 10 USD/MWh from February on, and 3e6 USD a year binds.
        let paid =
            outcome(&monthly, "training.spend_usd_total") / outcome(&monthly, "training.energy_mwh_total");
        assert!(paid > 40.0, "budget {budget}: {paid} USD/MWh");
        let budget_lost = outcome(&monthly, "training.share_lost_budget_total");
        if budget < 1e9 {
            assert!(budget_lost > 0.5, "the budget binds: {budget_lost}");
        } else {
            assert_eq!(budget_lost, 0.0);
        }
    }
}

/// One region of 1,000 MW (flat) on 1,000 MW of nuclear at 10 USD/MWh and
/// 1,000 MW of hydro at a capacity factor of 0.5: ample, but a drought takes
/// all the hydro for the 30 days of June, and the region's datacenters are
/// cut first: the 16.8 MW site draws nothing in June, in hours all priced
/// at scarcity. The lab has `budget` USD a year.
fn drought(budget: f64) -> RunOutput {
    let text = format!(
        r#"Scenario(
    name: "drought",
    start: "2025-01-01",
    horizon_years: 1,
    grid: (curtailment_order: [Datacenter, Fab, Industry, Household]),
    regions: [ (name: "home", demand_avg_mw: 1000, daily_amplitude: 0, seasonal_amplitude: 0) ],
    plants: [
        (name: "nuc", region: "home", technology: Nuclear, installed_mw: 1000, failures_per_unit_year: 0, unit_size_mw: 1000, marginal_cost_usd_per_mwh: 10),
        (name: "hydro", region: "home", technology: Hydro, installed_mw: 1000, capacity_factor: 0.5, marginal_cost_usd_per_mwh: 5),
    ],
    droughts: [(name: "d", region: "home", start: "2025-06-01", days: 30, depth: 1.0)],
    designs: [ (name: "h100", die_area_mm2: 814, peak_flop_s: 989e12, power_w: 700, hbm_stacks: 5, node: "4nm", unit_price_usd: 25000) ],
    ecosystem: (inference_max_share_of_chips: 0),
    labs: [ (name: "lab", budget_usd_per_year: {budget}, initial_target_run_flop: 1e30, release_cadence_months: Const(value: 3), chip_failure_rate_per_hour: 0, sites: [(region: "home", connected_mw: 20)], fleet: [(design: "h100", count: 10000)]) ],
)"#
    );
    run_text("drought.ron", &text)
}

#[test]
fn a_site_cut_for_a_whole_month_keeps_its_tariff() {
    let out = drought(1e12);
    // June (the row of 1 July): cut throughout, in a region at scarcity.
    assert!(at(&out, "2025-07-01", "training.energy_mwh", "lab") < 1e-6);
    assert!(at(&out, "2025-07-01", "energy.avg_price_usd_per_mwh", "home") > 4_000.0);
    // July (the row of 1 August): served in full at 10 USD/MWh, and billed so.
    let energy = at(&out, "2025-08-01", "training.energy_mwh", "lab");
    let paid = at(&out, "2025-08-01", "training.spend_usd", "lab") / energy;
    assert!(energy > 12_000.0, "July: {energy} MWh");
    assert!((paid - 10.0).abs() < 1e-6, "July billed at {paid} USD/MWh");
    // With a budget that pays for its power at 10 USD/MWh, the drought costs
    // the lab June (to power) and nothing to its budget.
    let tight = drought(2e7);
    assert_eq!(outcome(&tight, "training.flop_lost_budget_total"), 0.0);
    let june = 30.0 / 365.0;
    let lost = outcome(&tight, "training.share_lost_power_total");
    assert!((lost - june).abs() < 1e-9, "lost to power {lost}, June is {june}");
}

#[test]
fn the_monthly_loss_shares_add_up_to_the_summary() {
    // The drought (power, June) with a budget that binds all year (ample
    // nuclear; 6e5 USD a year pays for about 41 % of the site's draw) and
    // the evening peak with a binding budget (power and budget each month).
    let budget_only = {
        let text = r#"Scenario(
    name: "budget",
    start: "2025-01-01",
    horizon_years: 1,
    grid: (curtailment_order: [Datacenter, Fab, Industry, Household]),
    regions: [ (name: "home", demand_avg_mw: 1000, daily_amplitude: 0, seasonal_amplitude: 0) ],
    plants: [ (name: "nuc", region: "home", technology: Nuclear, installed_mw: 2000, failures_per_unit_year: 0, unit_size_mw: 2000, marginal_cost_usd_per_mwh: 10) ],
    designs: [ (name: "h100", die_area_mm2: 814, peak_flop_s: 989e12, power_w: 700, hbm_stacks: 5, node: "4nm", unit_price_usd: 25000) ],
    ecosystem: (inference_max_share_of_chips: 0),
    labs: [ (name: "lab", budget_usd_per_year: 6e5, initial_target_run_flop: 1e30, release_cadence_months: Const(value: 3), chip_failure_rate_per_hour: 0, sites: [(region: "home", connected_mw: 20)], fleet: [(design: "h100", count: 10000)]) ],
)"#;
        run_text("budget.ron", text)
    };
    for (what, out) in [
        ("budget only", budget_only),
        ("drought", drought(2e7)),
        ("evening peak", evening_peak(3e6, 1)),
    ] {
        // A constant fleet without inference: each period's full-power
        // training compute is proportional to its length.
        let rows: Vec<_> = out.series.iter().filter(|r| r.entity == "lab").collect();
        let mut dates: Vec<(&str, f64)> = rows.iter().map(|r| (r.date, r.time_year)).collect();
        dates.dedup();
        let (mut power, mut budget, mut span) = (0.0, 0.0, 0.0);
        for w in dates.windows(2) {
            let (date, dt) = (w[1].0, w[1].1 - w[0].1);
            power += at(&out, date, "training.share_lost_power", "lab") * dt;
            budget += at(&out, date, "training.share_lost_budget", "lab") * dt;
            span += dt;
            let national = at(&out, date, "training.share_lost_budget", "national");
            assert_eq!(national, at(&out, date, "training.share_lost_budget", "lab"));
        }
        let (power, budget) = (power / span, budget / span);
        let (p, b) = (
            outcome(&out, "training.share_lost_power_total"),
            outcome(&out, "training.share_lost_budget_total"),
        );
        assert!(
            (power - p).abs() < 1e-6,
            "{what}: the series' power share {power}, the summary's {p}"
        );
        assert!(
            (budget - b).abs() < 1e-6,
            "{what}: the series' budget share {budget}, the summary's {b}"
        );
        assert!(b > 0.0 || what == "drought", "{what}: the budget binds ({b})");
    }
}

#[test]
fn the_first_dispatch_serves_the_fabs_first_demand() {
    // Daily dispatch; a 100 MW fab on an ample grid with nothing to train:
    // the grid serves 1,000 MW of demand and the fab's 100 MW from the
    // first day on, 365 days.
    let text = r#"Scenario(
    name: "fab",
    start: "2025-01-01",
    horizon_years: 1,
    grid: (dispatch_interval_hours: 24, curtailment_order: [Fab, Datacenter, Industry, Household]),
    regions: [ (name: "home", demand_avg_mw: 1000, daily_amplitude: 0, seasonal_amplitude: 0) ],
    plants: [ (name: "nuc", region: "home", technology: Nuclear, installed_mw: 1200, failures_per_unit_year: 0, unit_size_mw: 1200, marginal_cost_usd_per_mwh: 10) ],
    chips: (tools: (failures_per_tool_year: 0), packaging_units_per_month: 1000000),
    designs: [ (name: "h100", die_area_mm2: 814, peak_flop_s: 989e12, power_w: 700, hbm_stacks: 0, node: "4nm", unit_price_usd: 25000) ],
    fabs: [ (name: "fab1", region: "home", node: "4nm", capacity_wafers_per_month: 10000, yield_initial: 0.5, yield_ceiling: 0.5, yield_learning_wafers: 1e6, power_mw: 100, products: [(design: "h100", share: 1)]) ],
    ecosystem: (inference_max_share_of_chips: 0),
    labs: [ (name: "lab", budget_usd_per_year: 0, chip_failure_rate_per_hour: 0, sites: [(region: "home", connected_mw: 0)]) ],
)"#;
    let out = run_text("fab.ron", text);
    let demand = outcome(&out, "energy.demand_mwh_total");
    let expected = 1_100.0 * 8_760.0;
    assert!(
        (demand - expected).abs() < 1e-6 * expected,
        "demand served {demand} MWh, expected {expected} (the fab from the first day)"
    );
}
