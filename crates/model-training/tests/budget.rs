//! A lab's budget pays its electricity first and caps it: the lab draws no
//! more power than the money left of its month's allowance pays for, a bill
//! its next month's budget cannot pay is carried as debt, and over any run
//! its spend stays within its budget plus one month's budget.

mod common;
use common::*;
use model_training::{SECS_PER_MONTH, TrainingConfig, TrainingSignal};
use scheduler::{Interp, SimTime, TimePath};

/// Price of electricity in these tests, USD/MWh.
const PRICE: f64 = 100.0;

/// What the full test cluster's power costs in a month, USD (≈ 91,300).
fn full_month_usd() -> f64 {
    FULL_MW * (SECS_PER_MONTH as f64 / 3600.0) * PRICE
}

/// Runs lab "a" with `budget` for `months` months at `PRICE`, the supplier
/// filling every order at once with whole chips (so orders turn into spend
/// and more demand) and closing it with the rest as a residue. Returns the bench, the monthly budgets of the ticks
/// that ran (USD), and the rows of one sample taken at the end.
fn run_months(budget: TimePath, months: u64) -> (Bench, Vec<f64>, Vec<(String, String, f64)>) {
    run_lab_months(lab("a"), budget, months)
}

/// [`run_months`] for the lab `l` (named "a").
fn run_lab_months(
    mut l: model_training::LabConfig,
    budget: TimePath,
    months: u64,
) -> (Bench, Vec<f64>, Vec<(String, String, f64)>) {
    l.budget_usd_per_year = budget.clone();
    let mut b = Bench::new(TrainingConfig::new(vec![l]), 1);
    let a = b.lab("a");
    let site = b.site_of("a");
    b.training
        .set_electricity_price(site, PRICE, SimTime::ZERO, &mut b.sched, &mut b.signals)
        .unwrap();
    let mut monthly = Vec::new();
    for m in 0..months {
        monthly.push(budget.at(SimTime(m * SECS_PER_MONTH)) / 12.0);
        let ordered: f64 = b
            .signals
            .drain(..)
            .filter_map(|s| match s {
                TrainingSignal::Order { budget_usd, .. } => Some(budget_usd),
                _ => None,
            })
            .sum();
        let units = (ordered / batch(1).unit_price_usd).floor() as u64;
        if units > 0 {
            b.training
                .accelerators_delivered(a, batch(units), &mut b.sched, &mut b.signals)
                .unwrap();
        }
        if ordered > 0.0 {
            // The rest is below one unit's price: closed as a residue.
            let residue = ordered - units as f64 * batch(1).unit_price_usd;
            b.training.order_closed(a, residue, false).unwrap();
        }
        // Up to just before the next tick: the horizon ends mid-month.
        b.run_until(SimTime((m + 1) * SECS_PER_MONTH - 1));
    }
    let rows = b.sample();
    (b, monthly, rows)
}

#[test]
fn a_lab_draws_only_the_power_its_budget_pays_for() {
    // 30,000 USD a month against ≈ 91,300 USD of power at full draw.
    let monthly = 30_000.0;
    assert!(full_month_usd() > 3.0 * monthly);
    let (b, budgets, rows) = run_months(TimePath::constant(12.0 * monthly), 12);
    let spend = metric(&rows, "training.spend_usd", "a");
    let energy = metric(&rows, "training.energy_mwh", "a");
    let total: f64 = budgets.iter().sum();
    assert!(spend <= total + monthly, "{spend} vs {total} + {monthly}");
    // Every month's bill is its allowance (the lab draws all it can pay),
    // and nothing is left for chips after the first month's order.
    let electricity = energy * PRICE;
    assert!(electricity <= total * (1.0 + 1e-9), "{electricity} vs {total}");
    assert!(electricity >= total * 0.99, "{electricity} vs {total}");
    // Its power is short because of its budget, not the grid.
    assert_eq!(metric(&rows, "training.limited_power_days", "a"), 0.0);
    assert!(metric(&rows, "training.limited_budget_days", "a") > 300.0);
    // The compute its budget withheld is counted, as the budget's (audit
    // s18-training, finding 4: it was counted nowhere): about two thirds
    // of the cluster's power was never paid for, and inference, served
    // first, takes its share of what was.
    let mut s = Vec::new();
    b.training.summary_scalars(&mut |k, v| s.push((k.to_string(), v)));
    let get = |k: &str| s.iter().find(|x| x.0 == k).map(|x| x.1);
    assert_eq!(get("training.flop_lost_power_total"), Some(0.0));
    let share = get("training.share_lost_budget_total").expect("share lost to the budget");
    assert!(share > 0.6 && share <= 1.0, "share lost to the budget {share}");
    let flop = get("training.flop_lost_budget_total").expect("FLOP lost to the budget");
    // Over a year of (at least) the full test cluster's training rate.
    let year = 12.0 * SECS_PER_MONTH as f64;
    assert!(flop > 0.6 * 0.7 * FULL_RATE * year, "{flop:e} FLOP");
}

#[test]
fn a_bill_the_next_budget_cannot_pay_is_debt_and_stops_the_draw() {
    // 100,000 USD a month for three months (more than full power costs),
    // then nothing: the third month's bill is a debt that no budget repays.
    let month = |m: u64| SimTime(m * SECS_PER_MONTH);
    let budget = TimePath::new(vec![(month(0), 1.2e6), (month(3), 0.0)], Interp::Step).unwrap();
    let (b, budgets, rows) = run_months(budget, 12);
    let spend = metric(&rows, "training.spend_usd", "a");
    let energy = metric(&rows, "training.energy_mwh", "a");
    let total: f64 = budgets.iter().sum();
    let largest = budgets.iter().copied().fold(0.0, f64::max);
    assert!(spend <= total + largest, "{spend} vs {total} + {largest}");
    // Three months at full power (the cluster grows with the chips bought
    // from the first order, ≈ 5 % more power), then none.
    let full_mwh = FULL_MW * 3.0 * SECS_PER_MONTH as f64 / 3600.0;
    assert!(
        energy > full_mwh && energy < 1.1 * full_mwh,
        "{energy} vs {full_mwh}"
    );
    assert!(b.training.training_rate_flop_s(b.lab("a")).unwrap() == 0.0);
}

#[test]
fn a_lab_with_no_budget_trains_nothing_and_is_budget_bound() {
    for chips in [true, false] {
        let mut l = lab("a");
        if !chips {
            l.initial_accelerators.clear();
        }
        l.budget_usd_per_year = TimePath::constant(0.0);
        let mut b = Bench::new(TrainingConfig::new(vec![l]), 1);
        let site = b.site_of("a");
        b.training
            .set_electricity_price(site, PRICE, SimTime::ZERO, &mut b.sched, &mut b.signals)
            .unwrap();
        b.run_until(days(60.0));
        let rows = b.sample();
        assert!(b.training.runs().is_empty(), "chips: {chips}");
        assert_eq!(metric(&rows, "training.energy_mwh", "a"), 0.0);
        assert_eq!(metric(&rows, "training.spend_usd", "a"), 0.0);
        assert!(
            (metric(&rows, "training.limited_budget_days", "a") - 60.0).abs() < 1e-9,
            "chips: {chips}"
        );
        assert_eq!(metric(&rows, "training.limited_power_days", "a"), 0.0);
        assert_eq!(metric(&rows, "training.limited_chips_days", "a"), 0.0);
    }
}

#[test]
fn an_ample_budget_changes_nothing() {
    // The same lab with a budget that pays for its power many times over
    // and with no price at all: the same energy, the same runs.
    let run = |budget: f64, price: f64| {
        let mut l = lab("a");
        l.budget_usd_per_year = TimePath::constant(budget);
        let mut b = Bench::new(TrainingConfig::new(vec![l]), 1);
        let site = b.site_of("a");
        b.training
            .set_electricity_price(site, price, SimTime::ZERO, &mut b.sched, &mut b.signals)
            .unwrap();
        b.run_until(days(90.0));
        let rows = b.sample();
        (metric(&rows, "training.energy_mwh", "a"), b.training.runs().len())
    };
    assert_eq!(run(1e9, PRICE), run(1e9, 0.0));
    assert_eq!(run(1e9, PRICE), run(0.0, 0.0));
    // Nothing withheld by an ample budget.
    let mut l = lab("a");
    l.budget_usd_per_year = TimePath::constant(1e9);
    let mut b = Bench::new(TrainingConfig::new(vec![l]), 1);
    b.run_until(days(90.0));
    let mut s = Vec::new();
    b.training.summary_scalars(&mut |k, v| s.push((k.to_string(), v)));
    for k in [
        "training.flop_lost_budget_total",
        "training.share_lost_budget_total",
    ] {
        assert_eq!(s.iter().find(|x| x.0 == k).map(|x| x.1), Some(0.0), "{k}");
    }
}

#[test]
fn chips_beyond_the_connection_stay_lost_to_power_under_a_budget_cap() {
    // Half the cluster connected (and no more granted), and a budget that
    // pays about half of what the connected half draws: the connection
    // holds back half the cluster's power, the budget about a quarter.
    // Only the budget's part is lost to the budget (review s18-rev-dom,
    // finding 2: all of it was, while the budget capped the draw).
    let mut l = lab("a");
    l.sites[0].initial_connection_mw = FULL_MW / 2.0;
    let monthly = full_month_usd() / 4.0;
    let (b, _, _) = run_lab_months(l, TimePath::constant(12.0 * monthly), 12);
    let mut s = Vec::new();
    b.training.summary_scalars(&mut |k, v| s.push((k.to_string(), v)));
    let get = |k: &str| s.iter().find(|x| x.0 == k).map(|x| x.1).unwrap();
    let (power, budget) = (
        get("training.share_lost_power_total"),
        get("training.share_lost_budget_total"),
    );
    assert!(power > 0.3 && power < 0.6, "lost to power {power}");
    assert!(budget > 0.1 && budget < 0.4, "lost to the budget {budget}");
    assert!(power + budget <= 1.0, "{power} + {budget}");
}
