//! Buyers outside the modelled labs (`chips.other_buyers`): they order a
//! twelfth of their yearly budget at every month start and take delivery
//! under the scenario's allocation, so under `ProRata` they take their
//! share of a short supply; every accelerator delivered went to a lab or to
//! one of them (calibration audit s21, finding 5: china-2025's labs took
//! the whole national supply).

use stack::{RunOptions, RunOutput, Scenario};
use std::path::Path;

/// One imported design (1,000 a month, pushed), far fewer than the orders:
/// the lab orders ≈ 1e9 USD a month (50,000 chips) less its small power
/// bill, the other buyer `OTHER` USD a year.
const SHORT: &str = r#"Scenario(
    name: "short",
    start: "2025-01-01",
    horizon_years: 4,
    regions: [(name: "home", demand_avg_mw: 1000)],
    plants: [(name: "home-gas", region: "home", technology: Gas, installed_mw: 5000)],
    chips: (allocation: ProRata OTHERS),
    designs: [(name: "gpu", die_area_mm2: 800, peak_flop_s: 1e15, power_w: 700, hbm_stacks: 5,
               node: "4nm", unit_price_usd: 20000)],
    imports: [(name: "gpu-imports", design: "gpu", units_per_month: 1000)],
    labs: [
        (name: "lab", sites: [(region: "home", connected_mw: 200)],
         fleet: [(design: "gpu", count: 100)], budget_usd_per_year: 1.2e10),
    ],
)"#;

fn scenario(others: &str) -> Scenario {
    let text = SHORT.replace(" OTHERS", others);
    Scenario::from_text(Path::new("short.ron"), &text).unwrap_or_else(|e| panic!("{e}"))
}

fn get(out: &RunOutput, k: &str) -> f64 {
    out.scalar(k).unwrap_or_else(|| panic!("no {k}"))
}

/// The monthly metric `fab.accelerators_delivered` of `entity`, summed.
fn delivered_series(out: &RunOutput, entity: &str) -> f64 {
    out.series
        .iter()
        .filter(|r| r.metric == "fab.accelerators_delivered" && r.entity == entity)
        .map(|r| r.value)
        .sum()
}

#[test]
fn under_pro_rata_an_other_buyer_with_three_times_the_budget_takes_three_quarters() {
    let s = scenario(", other_buyers: [(name: \"others\", budget_usd_per_year: 3.6e10)]");
    let out = stack::run(&s, &RunOptions::default()).unwrap();
    let (all, labs, others) = (
        get(&out, "fab.accelerators_delivered_total"),
        get(&out, "fab.accelerators_delivered_to_labs_total"),
        get(&out, "fab.accelerators_delivered_to_others_total"),
    );
    // Conservation: every delivered chip went to a lab or to an other buyer,
    // and delivered = imported − stock at the end.
    assert_eq!(all, labs + others);
    assert_eq!(
        all,
        get(&out, "fab.accelerators_imported_total") - get(&out, "fab.accelerators_stock_end")
    );
    // Four years of 1,000 a month, all taken.
    assert!((47_000.0..=49_000.0).contains(&all), "{all}");
    // The split follows the orders: 3.6e10 against 1.2e10 less the lab's
    // power bill (under 1 % of its budget here).
    let share = others / all;
    assert!((share - 0.75).abs() < 0.005, "others' share {share}");
    // The per-buyer monthly metric adds up to the same totals.
    assert_eq!(delivered_series(&out, "others"), others);
    assert_eq!(delivered_series(&out, "lab"), labs);
    // The summary says where the chips went.
    let text = stack::report::summary_text(&s, &out);
    assert!(
        text.contains(&format!(
            "accelerators delivered {all}, {labs} to the labs and {others} to other buyers (of "
        )),
        "{text}"
    );
}

#[test]
fn without_other_buyers_the_lab_takes_everything_and_a_zero_budget_changes_nothing() {
    let alone = stack::run(&scenario(""), &RunOptions::default()).unwrap();
    let idle = stack::run(
        &scenario(", other_buyers: [(name: \"idle\", budget_usd_per_year: 0)]"),
        &RunOptions::default(),
    )
    .unwrap();
    // No other buyer: every accelerator went to the labs, and the split
    // says so (present in every scenario, so that `compare` against a
    // scenario with other buyers shows what they take from the labs).
    assert_eq!(get(&alone, "fab.accelerators_delivered_to_others_total"), 0.0);
    assert_eq!(
        get(&alone, "fab.accelerators_delivered_to_labs_total"),
        get(&alone, "fab.accelerators_delivered_total")
    );
    assert_eq!(get(&idle, "fab.accelerators_delivered_to_others_total"), 0.0);
    // A buyer that never orders leaves every other outcome as it was.
    for (k, v) in &alone.scalars {
        assert_eq!(idle.scalar(k), Some(*v), "{k}");
    }
    assert_eq!(
        get(&idle, "fab.accelerators_delivered_to_labs_total"),
        get(&alone, "fab.accelerators_delivered_total")
    );
}

#[test]
fn a_budget_path_starts_ordering_on_its_date() {
    // Nothing before 2027, then as much as the lab: the others take nothing
    // in 2025-26 and about half from 2027.
    let s = scenario(
        ", other_buyers: [(name: \"late\", budget_usd_per_year: (step: [(\"2025-01-01\", 0), (\"2027-01-01\", 1.2e10)]))]",
    );
    let out = stack::run(&s, &RunOptions::default()).unwrap();
    let others = get(&out, "fab.accelerators_delivered_to_others_total");
    // Half of two years' 24,000 at most (the lab's backlog from 2025-26 is
    // larger than the newcomer's, so the newcomer gets less than half).
    assert!(others > 1_000.0 && others < 12_100.0, "{others}");
    let before: f64 = out
        .series
        .iter()
        .filter(|r| r.metric == "fab.accelerators_delivered" && r.entity == "late" && r.time_year <= 2027.0)
        .map(|r| r.value)
        .sum();
    assert_eq!(before, 0.0);
}

#[test]
fn an_other_buyer_may_not_take_a_labs_name_nor_a_negative_budget() {
    for (others, says) in [
        (
            ", other_buyers: [(name: \"lab\", budget_usd_per_year: 1e9)]",
            "is a lab's name",
        ),
        (
            ", other_buyers: [(name: \"o\", budget_usd_per_year: -1)]",
            "not a finite number ≥ 0",
        ),
        (
            ", other_buyers: [(name: \"o\", budget_usd_per_year: 1), (name: \"o\", budget_usd_per_year: 2)]",
            "used twice",
        ),
        (
            ", other_buyers: [(name: \"national\", budget_usd_per_year: 1)]",
            "the name `national` is reserved",
        ),
    ] {
        let text = SHORT.replace(" OTHERS", others);
        let err = match Scenario::from_text(Path::new("short.ron"), &text) {
            Err(e) => e.to_string(),
            Ok(s) => stack::run(&s, &RunOptions::default())
                .expect_err(others)
                .to_string(),
        };
        assert!(err.contains(says), "{others}: {err}");
    }
}

#[test]
fn a_run_that_starts_or_ends_inside_a_month_orders_only_that_share_of_it() {
    // One year from 15 January: 17/31 of January, eleven whole months, 14/31
    // of the next January: twelve twelfths of the budget, not thirteen (the
    // s21 review: 1.95 M chips ordered for 1.80 M). With imports far above
    // every order, each order is filled at 20,000 USD a chip: 1.2e10 USD
    // buys 600,000 (650,000 with thirteen twelfths).
    let text = SHORT
        .replace(
            " OTHERS",
            ", other_buyers: [(name: \"others\", budget_usd_per_year: 1.2e10)]",
        )
        .replace("units_per_month: 1000", "units_per_month: 1e7")
        .replace("start: \"2025-01-01\"", "start: \"2025-01-15\"")
        .replace("horizon_years: 4", "horizon_years: 1");
    let mid = Scenario::from_text(Path::new("short.ron"), &text).unwrap_or_else(|e| panic!("{e}"));
    let out = stack::run(&mid, &RunOptions::default()).unwrap();
    let others = get(&out, "fab.accelerators_delivered_to_others_total");
    assert!((599_985.0..=600_000.0).contains(&others), "{others}");
}
