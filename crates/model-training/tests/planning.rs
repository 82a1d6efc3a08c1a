//! What bounds a run and what it costs: budget only when the lab's orders
//! are filled, failures as a bound of their own, the plan's power share
//! averaged over a day, and chips paid for at delivery.

mod common;
use common::*;
use model_training::{RunBound, TrainingConfig, TrainingSignal, expected_goodput};
use scheduler::math;
use scheduler::{SECS_PER_DAY, SECS_PER_HOUR, SimTime, TimePath};

/// Orders placed since the signals were last drained, USD.
fn drain_orders(b: &mut Bench) -> f64 {
    let mut usd = 0.0;
    b.signals.retain(|s| match s {
        TrainingSignal::Order { budget_usd, .. } => {
            usd += budget_usd;
            false
        }
        _ => true,
    });
    usd
}

/// A lab with 100 of the 1000 chips its target needs (missing ≈ 18 M USD)
/// and a chip budget of `budget_usd_per_year` that waits for chips; its
/// monthly orders are either filled by the supplier (charged half a month
/// after the order) or left open. Returns its (budget, chips) limited days
/// from the middle of its fourth month to the middle of its fifth.
fn limited_days_in_month_four(orders_filled: bool, budget_usd_per_year: f64) -> (f64, f64) {
    let mut l = lab("a");
    l.initial_accelerators = vec![batch(100)];
    l.allow_smaller_runs = false;
    l.budget_usd_per_year = TimePath::constant(budget_usd_per_year);
    let mut b = Bench::new(TrainingConfig::new(vec![l]), 1);
    let a = b.lab("a");
    let month = model_training::SECS_PER_MONTH;
    // Each month's order, placed at the monthly tick, is handled half a
    // month later; the first (at the start) is always filled, so the lab
    // knows the price of chips.
    for m in 0..5u64 {
        let ordered = drain_orders(&mut b);
        if orders_filled || m == 0 {
            // The supplier fills the order with whole chips at once
            // (100,000 USD buys 5 chips of 20,000 USD: no residue).
            let units = (ordered / batch(1).unit_price_usd).floor() as u64;
            let now = b.sched.now();
            b.training.accelerators_charged(a, &batch(units), now).unwrap();
        }
        b.run_until(SimTime(m * month + month / 2));
        if m == 3 {
            b.sample();
        }
    }
    let rows = b.sample();
    (
        metric(&rows, "training.limited_budget_days", "a"),
        metric(&rows, "training.limited_chips_days", "a"),
    )
}

#[test]
fn budget_binds_only_when_the_labs_orders_are_filled() {
    // Unfilled orders pile up: more money would not bring chips sooner.
    let (budget, chips) = limited_days_in_month_four(false, 1.2e6);
    assert!(
        budget == 0.0 && chips > 29.0,
        "unfilled: budget {budget}, chips {chips}"
    );
    // Every order filled, and the missing chips cost more than a year's budget.
    let (budget, chips) = limited_days_in_month_four(true, 1.2e6);
    assert!(
        budget > 29.0 && chips == 0.0,
        "filled: budget {budget}, chips {chips}"
    );
}

#[test]
fn a_filled_lab_is_budget_bound_though_a_year_of_budget_would_buy_its_chips() {
    // The missing chips (≈ 18 M USD) cost less than a year of a 30 M USD
    // budget, and every order is filled: the supplier had the chips, and
    // what the lab paid for or ordered (four monthly orders of 2.5 M USD)
    // would not buy them. Its money (a twelfth of the budget a month) is
    // short. Before the seventeenth session this read `Chips` (audit
    // s17-chips, finding 1), and `aistack explain` blamed a supply-chain
    // input.
    let (budget, chips) = limited_days_in_month_four(true, 3e7);
    assert!(
        budget > 29.0 && chips == 0.0,
        "filled: budget {budget}, chips {chips}"
    );
    // The same lab with its orders left open waits for chips.
    let (budget, chips) = limited_days_in_month_four(false, 3e7);
    assert!(
        budget == 0.0 && chips > 29.0,
        "unfilled: budget {budget}, chips {chips}"
    );
}

/// What the supplier does with a month's order.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Supply {
    /// Delivers every chip the order can buy at once and writes off the
    /// residue below a chip's price.
    Filled,
    /// Delivers nothing; the order stays open (an outage, a licence hold).
    Open,
    /// Delivers half the chips; the rest of the order stays open.
    Half,
    /// Writes the whole order off: nothing can be supplied any more.
    Unsuppliable,
}

/// A lab with 100 of the 1000 chips its target needs (missing ≈ 18 M USD,
/// against a chip budget of 1.25 M USD a year) that waits for chips. Each
/// monthly order (104,167 USD) buys 5 chips of 20,000 USD with a residue
/// of 4,167 USD. The supplier treats the orders of the first `filled`
/// months as `Supply::Filled`, later ones as `starved`. Returns the lab's
/// (budget, chips) limited days in each month, by month.
fn bound_days(filled: u64, starved: Supply, months: u64) -> Vec<(f64, f64)> {
    let mut l = lab("a");
    l.initial_accelerators = vec![batch(100)];
    l.allow_smaller_runs = false;
    l.budget_usd_per_year = TimePath::constant(1.25e6);
    let mut b = Bench::new(TrainingConfig::new(vec![l]), 1);
    let a = b.lab("a");
    let price = batch(1).unit_price_usd;
    let month = model_training::SECS_PER_MONTH;
    let mut days = Vec::new();
    for m in 0..months {
        // The tick of month m places its order and plans; the sample
        // covers month m − 1.
        b.run_until(SimTime(m * month));
        if m > 0 {
            let rows = b.sample();
            days.push((
                metric(&rows, "training.limited_budget_days", "a"),
                metric(&rows, "training.limited_chips_days", "a"),
            ));
        }
        let order = drain_orders(&mut b);
        let now = b.sched.now();
        let units = (order / price).floor() as u64;
        match if m < filled { Supply::Filled } else { starved } {
            Supply::Filled => {
                b.training.accelerators_charged(a, &batch(units), now).unwrap();
                let residue = order - units as f64 * price;
                b.training.order_closed(a, residue, false).unwrap();
            }
            Supply::Open => {}
            Supply::Half => b
                .training
                .accelerators_charged(a, &batch(units / 2), now)
                .unwrap(),
            Supply::Unsuppliable => b.training.order_closed(a, order, true).unwrap(),
        }
        // A filled order leaves nothing open in the lab's book.
        if m < filled {
            let open = b.training.chip_orders(a).unwrap().open_usd();
            assert!(open.abs() < 1e-6, "month {m}: {open} USD open");
        }
    }
    days
}

#[test]
fn a_lab_filled_for_years_then_starved_is_chips_bound_within_a_month() {
    // Four years of filled orders (48 residues of 4,167 USD written off),
    // then the supplier stops filling them: the month that began with the
    // first unfilled order is still budget-bound (the order was just
    // placed); the next one, and every later one, is chips-bound. (The old
    // test allowed one chip price per order placed as write-offs: after 48
    // orders that hid 960,000 USD, over nine months of unfilled orders.)
    for starved in [Supply::Open, Supply::Half, Supply::Unsuppliable] {
        let days = bound_days(48, starved, 54);
        for (m, &(budget, chips)) in days.iter().enumerate().take(48).skip(1) {
            assert!(
                budget > 30.0 && chips == 0.0,
                "{starved:?}, month {m} (filled): budget {budget}, chips {chips}"
            );
        }
        let (budget, chips) = days[48];
        assert!(
            budget > 30.0 && chips == 0.0,
            "{starved:?}, month 48 (first order unfilled): budget {budget}, chips {chips}"
        );
        for (m, &(budget, chips)) in days.iter().enumerate().skip(49) {
            assert!(
                budget == 0.0 && chips > 30.0,
                "{starved:?}, month {m} (starved): budget {budget}, chips {chips}"
            );
        }
    }
}

#[test]
fn a_lab_whose_orders_are_filled_stays_budget_bound() {
    // Filled for all of its eight years, residues written off every month.
    let days = bound_days(u64::MAX, Supply::Filled, 97);
    for (m, &(budget, chips)) in days.iter().enumerate().skip(1) {
        assert!(
            budget > 30.0 && chips == 0.0,
            "month {m}: budget {budget}, chips {chips}"
        );
    }
}

#[test]
fn a_written_off_order_must_be_a_finite_nonnegative_sum() {
    let mut b = Bench::new(TrainingConfig::new(vec![lab("a")]), 1);
    let a = b.lab("a");
    for bad in [f64::NAN, f64::INFINITY, -1.0] {
        let e = b.training.order_closed(a, bad, false).unwrap_err();
        assert!(e.to_string().contains("residue_usd"), "{e}");
    }
    assert_eq!(b.training.chip_orders(a).unwrap().residue_usd, 0.0);
}

#[test]
fn chips_are_paid_for_at_delivery_not_installation() {
    let mut l = lab("a");
    l.budget_usd_per_year = TimePath::constant(0.0);
    let mut b = Bench::new(TrainingConfig::new(vec![l]), 1);
    let a = b.lab("a");
    let site = b.site_of("a");
    b.training
        .set_electricity_price(site, 100.0, SimTime::ZERO, &mut b.sched, &mut b.signals)
        .unwrap();
    b.run_until(days(1.0));
    // Delivered on day 1, installed only on day 31 (after the sample).
    b.training.accelerators_charged(a, &batch(50), days(1.0)).unwrap();
    b.run_until(days(20.0));
    let rows = b.sample();
    let energy = metric(&rows, "training.energy_mwh", "a");
    let spend = metric(&rows, "training.spend_usd", "a");
    let chips = 50.0 * batch(1).unit_price_usd;
    assert!(
        (spend - (energy * 100.0 + chips)).abs() < 1e-6 * spend,
        "{spend} vs {energy} MWh + {chips}"
    );
    let mut total = 0.0;
    b.training.summary_scalars(&mut |k, v| {
        if k == "training.spend_usd_total" {
            total = v;
        }
    });
    assert!((total - spend).abs() < 1e-6 * spend);
    // Installing them later adds chips, not spend.
    b.training
        .install_accelerators(a, batch(50), &mut b.sched, &mut b.signals)
        .unwrap();
    b.run_until(days(21.0));
    let rows = b.sample();
    let energy = metric(&rows, "training.energy_mwh", "a");
    assert!((metric(&rows, "training.spend_usd", "a") - energy * 100.0).abs() < 1e-6);
    assert_eq!(
        metric(&rows, "training.accelerators_installed", "a"),
        (CHIPS + 50) as f64
    );
}

/// Serves the site a day of power hour by hour from `from_h`, at `cut` of
/// `full_mw` from 18:00 to 22:00 and in full otherwise, up to `to_h`.
fn evening_cuts(b: &mut Bench, from_h: u64, to_h: u64, full_mw: f64, cut: f64) {
    for h in from_h..to_h {
        b.run_until(SimTime(h * SECS_PER_HOUR));
        let mw = if (18..22).contains(&(h % 24)) {
            full_mw * cut
        } else {
            full_mw
        };
        b.serve("a", mw);
    }
    b.run_until(SimTime(to_h * SECS_PER_HOUR));
}

#[test]
fn a_run_planned_in_an_evening_cut_is_as_large_as_one_planned_at_night() {
    // The lab waits (its target is 33 × what its cluster can do), its site
    // cut to half power every evening; on day 3 at hour `h` it receives 20×
    // its chips and plans a run.
    let planned_at = |h: u64| {
        let mut l = lab("a");
        // Planned duration: one month (cadence).
        l.max_run_duration_days = 180.0;
        l.initial_target_run_flop = FULL_RATE * 1000.0 * SECS_PER_DAY as f64;
        l.allow_smaller_runs = true;
        l.min_run_share_of_target = 0.5;
        let mut b = Bench::new(TrainingConfig::new(vec![l]), 1);
        assert!(started(&b).is_empty());
        evening_cuts(&mut b, 0, 48 + h, FULL_MW, 0.5);
        let a = b.lab("a");
        b.training
            .accelerators_delivered(a, batch(19 * CHIPS), &mut b.sched, &mut b.signals)
            .unwrap();
        let s = started(&b);
        assert_eq!(s.len(), 1, "hour {h}: {s:?}");
        s[0]
    };
    let night = planned_at(3);
    let evening = planned_at(20);
    // The power share of the last day: 1 − 0.5 × 4/24, whatever the hour.
    let month = model_training::SECS_PER_MONTH as f64;
    let expected = 20.0 * FULL_RATE * month * (1.0 - 0.5 * 4.0 / 24.0);
    assert!(
        (night.0 / expected - 1.0).abs() < 1e-9,
        "{night:?} vs {expected:e}"
    );
    assert!(
        (evening.0 / night.0 - 1.0).abs() < 1e-9,
        "{evening:?} vs {night:?}"
    );
    // No budget, no orders open: money is what is short.
    assert_eq!(night.1, RunBound::Budget);
    assert_eq!(evening.1, RunBound::Budget);
}

#[test]
fn a_run_that_fits_but_for_its_failures_is_failure_bound() {
    // 1000 chips at 1e-3 failures per chip-hour: one failure an hour;
    // checkpoints every hour and restarts of 30 minutes keep
    // g = e^(−1)/(1 − e^(−1)) / 1.5 ≈ 0.39 of the time as work.
    let mut l = lab("a");
    // Planned duration: one month (cadence).
    l.max_run_duration_days = 180.0;
    l.chip_failure_rate_per_hour = 1e-3;
    l.checkpoint_interval_hours = 1.0;
    l.restart_overhead_hours = 0.5;
    let g = expected_goodput(1.0, 1.0, 0.5);
    assert!((g - math::exp(-1f64) / (1.0 - math::exp(-1f64)) / 1.5).abs() < 1e-12);
    let month = model_training::SECS_PER_MONTH as f64;
    // Target: 80 % of a month at full rate: fits without failures, not with them.
    l.initial_target_run_flop = FULL_RATE * month * 0.8;
    let mut b = Bench::new(TrainingConfig::new(vec![l]), 7);
    let s = started(&b);
    assert_eq!(s[0].1, RunBound::Failures);
    assert!((s[0].0 / (FULL_RATE * month * g) - 1.0).abs() < 1e-9, "{s:?}");
    b.run_until(days(20.0));
    let rows = b.sample();
    // The run is failure-bound: its days go to failures (restarts and lost
    // work first, the rest as the run's bound).
    let failures = metric(&rows, "training.limited_failures_days", "a");
    assert!((failures - 20.0).abs() < 1e-6, "{failures}");
    // Goodput: kept ÷ what the powered training chips could compute ≈ g.
    let goodput = metric(&rows, "training.goodput_share", "a");
    assert!((goodput - g).abs() < 0.05, "goodput {goodput} vs {g}");
    assert!(metric(&rows, "training.utilisation", "a") > goodput + 0.2);
    // Without failures the same lab is target-bound, with goodput 1.
    let mut l = lab("a");
    // Planned duration: one month (cadence).
    l.max_run_duration_days = 180.0;
    l.initial_target_run_flop = FULL_RATE * month * 0.8;
    let mut b = Bench::new(TrainingConfig::new(vec![l]), 7);
    assert_eq!(started(&b)[0].1, RunBound::Target);
    b.run_until(days(10.0));
    let rows = b.sample();
    assert_eq!(metric(&rows, "training.goodput_share", "a"), 1.0);
    assert_eq!(metric(&rows, "training.limited_failures_days", "a"), 0.0);
}

#[test]
fn time_lost_to_failures_is_counted_for_an_uncapped_run() {
    // A target-bound run on a failing cluster: the failure days are the
    // restarts plus the lost work's time, ≈ (1 − g) of the time.
    let mut l = lab("a");
    // Planned duration: one month (cadence).
    l.max_run_duration_days = 180.0;
    l.chip_failure_rate_per_hour = 1e-4;
    l.checkpoint_interval_hours = 1.0;
    l.restart_overhead_hours = 0.25;
    let month = model_training::SECS_PER_MONTH as f64;
    l.initial_target_run_flop = FULL_RATE * month * 0.9;
    let mut b = Bench::new(TrainingConfig::new(vec![l]), 3);
    assert_eq!(started(&b)[0].1, RunBound::Target);
    b.run_until(days(25.0));
    let rows = b.sample();
    let g = expected_goodput(0.1, 1.0, 0.25);
    let failures = metric(&rows, "training.limited_failures_days", "a");
    assert!(
        (failures / 25.0 - (1.0 - g)).abs() < 0.03,
        "{failures} days, g {g}"
    );
    assert_eq!(metric(&rows, "training.limited_power_days", "a"), 0.0);
}
