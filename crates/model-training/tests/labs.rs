//! Lab strategy and bookkeeping: planning against the target, waiting or
//! starting smaller, what bound a run, budget and orders, inference load,
//! metrics and summaries.

mod common;
use common::*;
use model_training::{RunBound, TrainingConfig, TrainingSignal};
use scheduler::math;
use scheduler::{Calendar, SECS_PER_DAY, SimTime, TimePath};

#[test]
fn too_few_chips_start_a_smaller_run_when_allowed() {
    let mut l = lab("a");
    // Target: 60 days of the full cluster; planned duration: one month (cadence).
    l.max_run_duration_days = 180.0;
    l.initial_target_run_flop = FULL_RATE * 60.0 * SECS_PER_DAY as f64;
    l.allow_smaller_runs = true;
    l.min_run_share_of_target = 0.25;
    // Money for chips (a lab with none would be budget-bound).
    l.budget_usd_per_year = TimePath::constant(1e9);
    let b = Bench::new(TrainingConfig::new(vec![l]), 1);
    let s = started(&b);
    let month = model_training::SECS_PER_MONTH as f64;
    assert!((s[0].0 - FULL_RATE * month).abs() < 1.0);
    assert_eq!(s[0].1, RunBound::Chips);
}

#[test]
fn without_smaller_runs_the_lab_waits_for_chips_and_counts_the_days() {
    let mut l = lab("a");
    // Target: 60 days of the full cluster; planned duration: one month (cadence).
    l.max_run_duration_days = 180.0;
    l.initial_target_run_flop = FULL_RATE * 60.0 * SECS_PER_DAY as f64;
    l.allow_smaller_runs = false;
    // Money for chips (a lab with none would be budget-bound).
    l.budget_usd_per_year = TimePath::constant(1e9);
    let mut b = Bench::new(TrainingConfig::new(vec![l]), 1);
    assert!(started(&b).is_empty());
    b.run_until(days(20.0));
    let rows = b.sample();
    assert!((metric(&rows, "training.limited_chips_days", "a") - 20.0).abs() < 1e-9);
    assert_eq!(metric(&rows, "training.limited_power_days", "a"), 0.0);
    // Deliveries of enough chips let it start: 3× the cluster could do 60
    // days of work in 20, and the run is paced over its planned month.
    let a = b.lab("a");
    b.training
        .accelerators_delivered(a, batch(2 * CHIPS), &mut b.sched, &mut b.signals)
        .unwrap();
    assert_eq!(started(&b).len(), 1);
    let due = SimTime(days(20.0).0 + model_training::SECS_PER_MONTH);
    b.run_until(SimTime(due.0 + 1));
    let run = &b.training.runs()[0];
    assert_eq!(run.end, due);
    assert!((run.waited_days - 20.0).abs() < 1e-9);
}

#[test]
fn a_lab_that_would_fit_at_full_power_is_power_bound() {
    let mut l = lab("a");
    // Planned duration: one month (cadence).
    l.max_run_duration_days = 180.0;
    l.initial_target_run_flop = FULL_RATE * 25.0 * SECS_PER_DAY as f64;
    l.allow_smaller_runs = false;
    l.sites[0].initial_connection_mw = FULL_MW * 0.5;
    l.sites[0].connection_headroom_share = 0.0;
    let mut b = Bench::new(TrainingConfig::new(vec![l]), 1);
    b.run_until(days(10.0));
    let rows = b.sample();
    assert!((metric(&rows, "training.limited_power_days", "a") - 10.0).abs() < 1e-9);
    assert_eq!(metric(&rows, "training.limited_chips_days", "a"), 0.0);
    assert!((metric(&rows, "training.share_lost_power", "a") - 0.5).abs() < 1e-9);
}

#[test]
fn a_lab_whose_missing_chips_cost_more_than_its_budget_is_budget_bound() {
    let bound_with_budget = |usd_per_year: f64| {
        let mut l = lab("a");
        l.initial_accelerators.clear();
        l.budget_usd_per_year = TimePath::constant(usd_per_year);
        let mut b = Bench::new(TrainingConfig::new(vec![l]), 1);
        let a = b.lab("a");
        // 100 chips at 20,000 USD: the target needs ~1000.
        b.training
            .accelerators_delivered(a, batch(100), &mut b.sched, &mut b.signals)
            .unwrap();
        b.run_until(days(5.0));
        let rows = b.sample();
        (
            metric(&rows, "training.limited_budget_days", "a"),
            metric(&rows, "training.limited_chips_days", "a"),
        )
    };
    // Missing ≈ 900 × 20,000 = 18 M USD (with the cadence of a month, a bit less).
    let (budget_days, chips_days) = bound_with_budget(1e6);
    assert!(
        budget_days > 4.9 && chips_days == 0.0,
        "{budget_days} {chips_days}"
    );
    let (budget_days, chips_days) = bound_with_budget(1e9);
    assert!(
        budget_days == 0.0 && chips_days > 4.9,
        "{budget_days} {chips_days}"
    );
}

#[test]
fn the_monthly_order_is_the_budget_left_after_electricity() {
    let mut l = lab("a");
    l.budget_usd_per_year = TimePath::constant(12e6);
    let mut b = Bench::new(TrainingConfig::new(vec![l]), 1);
    let site = b.site_of("a");
    b.training
        .set_electricity_price(site, 100.0, SimTime::ZERO, &mut b.sched, &mut b.signals)
        .unwrap();
    let month = model_training::SECS_PER_MONTH;
    b.run_until(SimTime(month));
    let orders: Vec<f64> = b
        .signals
        .iter()
        .filter_map(|s| match s {
            TrainingSignal::Order { budget_usd, .. } => Some(*budget_usd),
            _ => None,
        })
        .collect();
    assert_eq!(orders.len(), 2);
    assert!((orders[0] - 1e6).abs() < 1e-6);
    // Chips draw full power all month (training, then the next run).
    let bill = FULL_MW * (month as f64 / 3600.0) * 100.0;
    assert!(
        (orders[1] - (1e6 - bill)).abs() < 1e-3,
        "{} vs {}",
        orders[1],
        1e6 - bill
    );
    let rows = b.sample();
    assert!((metric(&rows, "training.energy_mwh", "a") - FULL_MW * month as f64 / 3600.0).abs() < 1e-6);
    assert!((metric(&rows, "training.spend_usd", "national") - bill).abs() < 1e-3);
}

#[test]
fn inference_takes_chips_from_training_faster_for_open_weights() {
    let share_after = |open: f64| {
        let mut l = lab("a");
        l.open_share = open;
        let mut cfg = TrainingConfig::new(vec![l]);
        cfg.inference.max_share_of_chips = 0.4;
        cfg.inference.adoption_time_months = 3.0;
        cfg.inference.open_adoption_speedup = 3.0;
        let mut b = Bench::new(cfg, 1);
        b.run_until(days(10.0 + 31.0));
        let rows = b.sample();
        let a = b.lab("a");
        let train = b.training.training_rate_flop_s(a).unwrap();
        (metric(&rows, "training.inference_flop_s", "a"), train)
    };
    let (inf_open, train_open) = share_after(1.0);
    let (inf_closed, train_closed) = share_after(0.0);
    assert!(inf_open > inf_closed && inf_closed > 0.0);
    assert!(train_open < train_closed && train_closed < FULL_RATE);
    // Training gets what inference leaves: a share between 0 and the 0.4 ceiling,
    // about 1 − e^−1 of the way there one adoption time (1 month, open) after.
    let share = 1.0 - train_open / FULL_RATE;
    assert!(share > 0.15 && share < 0.4, "{share}");
}

#[test]
fn releases_follow_the_open_quota_and_measure_the_frontier_gap() {
    let mut l = lab("a");
    l.open_share = 0.5;
    let mut cfg = TrainingConfig::new(vec![l]);
    let year = scheduler::SECS_PER_YEAR;
    let target = math::log10(FULL_RATE * 10.0 * SECS_PER_DAY as f64);
    // Frontier one order of magnitude ahead, growing one order per year.
    cfg.frontier_log10_effective_flop = Some(
        TimePath::new(
            vec![(SimTime(0), target + 1.0), (SimTime(10 * year), target + 11.0)],
            scheduler::Interp::Linear,
        )
        .unwrap(),
    );
    let mut b = Bench::new(cfg, 1);
    b.run_until(days(100.0));
    let r = b.training.releases();
    assert!(r.len() >= 4);
    assert_eq!(r.iter().filter(|x| x.open).count(), r.len() / 2);
    // First release: 10 days in; behind by 12 months minus the efficiency gain.
    let gap = r[0].frontier_gap_months.unwrap();
    assert!(gap > 11.0 && gap < 12.5, "{gap}");
    let rows = b.sample();
    assert!(metric(&rows, "training.frontier_effective_flop", "world") > 0.0);
}

/// The gap "now" is the release's own gap at its release date, then grows
/// one month a month until a better model is released; before the first
/// release there is none. Known answer: with a linear frontier, the gap at
/// `t` is `t` minus the instant the path reached the best capability so far.
#[test]
fn the_gap_now_grows_a_month_a_month_between_releases() {
    let mut cfg = TrainingConfig::new(vec![lab("a")]);
    let year = scheduler::SECS_PER_YEAR;
    let target = math::log10(FULL_RATE * 10.0 * SECS_PER_DAY as f64);
    let (start, slope_per_s) = (target + 1.0, 1.0 / year as f64);
    cfg.frontier_log10_effective_flop = Some(
        TimePath::new(
            vec![(SimTime(0), start), (SimTime(10 * year), start + 10.0)],
            scheduler::Interp::Linear,
        )
        .unwrap(),
    );
    let mut b = Bench::new(cfg, 1);
    assert_eq!(
        b.training.frontier_gap_months_at(SimTime(0)),
        None,
        "no release yet"
    );
    b.run_until(days(100.0));
    let r = b.training.releases().to_vec();
    assert!(r.len() >= 3, "{}", r.len());
    let first_gap = r[0].frontier_gap_months.unwrap();
    assert_eq!(b.training.frontier_gap_months_at(r[0].at), Some(first_gap));
    // Between the first and second release the gap grows with the clock.
    let mid = SimTime((r[0].at.0 + r[1].at.0) / 2);
    let grown = b.training.frontier_gap_months_at(mid).unwrap();
    let month = scheduler::SECS_PER_YEAR as f64 / 12.0;
    let expected = first_gap + (mid.0 - r[0].at.0) as f64 / month;
    assert!((grown - expected).abs() < 1e-9, "{grown} vs {expected}");
    // At any instant: t minus when the path reached the best capability so far.
    let t = SimTime(days(100.0).0 - 1);
    let best = r
        .iter()
        .filter(|x| x.at <= t)
        .map(|x| x.capability)
        .fold(f64::MIN, f64::max);
    let reached_s = (best - start) / slope_per_s;
    let want = (t.0 as f64 - reached_s) / month;
    let got = b.training.frontier_gap_months_at(t).unwrap();
    assert!((got - want).abs() < 1e-6, "{got} vs {want}");
    // The monthly metric reports the same figure, per lab and national.
    let now = b.training.frontier_gap_months_at(b.sched.now()).unwrap();
    let rows = b.sample();
    assert_eq!(metric(&rows, "training.frontier_gap_months", "national"), now);
    assert_eq!(metric(&rows, "training.frontier_gap_months", "a"), now);
}

#[test]
fn summary_reports_the_largest_run_per_year_and_its_bound() {
    // Planned duration one month (cadence): the cluster does at most 30.4
    // days of work in it (less once inference takes its share); the
    // target, 40 days growing 1.3×/yr, does not fit in 2025, and 2026's
    // targets (52–68 days) fit four times the chips.
    let mut l = lab("a");
    l.max_run_duration_days = 180.0;
    l.initial_target_run_flop = FULL_RATE * 40.0 * SECS_PER_DAY as f64;
    l.compute_growth_per_year = 1.3;
    // Money for chips (a lab with none would be budget-bound).
    l.budget_usd_per_year = TimePath::constant(1e9);
    let mut cfg = TrainingConfig::new(vec![l]);
    cfg.calendar = Some(Calendar::new(chrono_date(2025)));
    let mut b = Bench::new(cfg, 1);
    b.run_until(SimTime(scheduler::SECS_PER_YEAR));
    // Four times the chips in 2026.
    let a = b.lab("a");
    b.training
        .accelerators_delivered(a, batch(3 * CHIPS), &mut b.sched, &mut b.signals)
        .unwrap();
    // To the end of 2026 (two model years of 365.25 days reach into 2027,
    // where a monthly run now falls due).
    b.run_until(SimTime(2 * scheduler::SECS_PER_YEAR - SECS_PER_DAY));
    let mut s = Vec::new();
    b.training.summary_scalars(&mut |k, v| s.push((k.to_string(), v)));
    let get = |k: &str| s.iter().find(|x| x.0 == k).map(|x| x.1);
    let y25 = get("training.largest_run_flop_year_2025").unwrap();
    let y26 = get("training.largest_run_flop_year_2026").unwrap();
    assert!(y26 > y25);
    assert_eq!(get("training.largest_run_flop"), Some(y26.max(y25)));
    // In 2025 the target outgrows the fixed cluster: the largest run is
    // chip-bound; with four times the chips, 2026's is not.
    assert_eq!(
        get("training.largest_run_bound_year_2025"),
        Some(RunBound::Chips.code()),
        "{s:?}"
    );
    assert_eq!(
        get("training.largest_run_bound_year_2026"),
        Some(RunBound::Target.code())
    );
    assert!(get("training.releases_total").unwrap() >= 20.0);
}

fn chrono_date(year: i32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap()
}

#[test]
fn the_summary_gives_each_years_largest_run_energy_and_electricity_from_its_record() {
    // Two labs at 40 USD/MWh: b has twice a's chips and target, so each
    // year's largest run is b's; its energy and electricity are that run's
    // record, not the lab's or the nation's (training audit s34, F6).
    let mut a = lab("a");
    a.budget_usd_per_year = TimePath::constant(1e9);
    let mut b_cfg = lab("b");
    b_cfg.initial_accelerators = vec![batch(2 * CHIPS)];
    b_cfg.initial_target_run_flop *= 2.0;
    b_cfg.budget_usd_per_year = TimePath::constant(1e9);
    let mut cfg = TrainingConfig::new(vec![a, b_cfg]);
    // No inference: each run takes its lab's whole cluster.
    cfg.inference.max_share_of_chips = 0.0;
    let cal = Calendar::new(chrono_date(2025));
    cfg.calendar = Some(cal);
    let mut b = Bench::new(cfg, 1);
    for name in ["a", "b"] {
        let site = b.site_of(name);
        b.training
            .set_electricity_price(site, 40.0, SimTime::ZERO, &mut b.sched, &mut b.signals)
            .unwrap();
    }
    b.run_until(SimTime(2 * scheduler::SECS_PER_YEAR - SECS_PER_DAY));
    let mut s = Vec::new();
    b.training.summary_scalars(&mut |k, v| s.push((k.to_string(), v)));
    let get = |k: &str| s.iter().find(|x| x.0 == k).map(|x| x.1);
    let blab = b.lab("b");
    for year in [2025, 2026] {
        let largest = b
            .training
            .runs()
            .iter()
            .filter(|r| cal.fractional_year(r.end).map(|y| y.floor() as i32) == Some(year))
            .max_by(|x, y| x.physical_flop.total_cmp(&y.physical_flop))
            .expect("runs finished in the year");
        assert_eq!(largest.lab, blab);
        let flop = get(&format!("training.largest_run_flop_year_{year}")).unwrap();
        let energy = get(&format!("training.largest_run_energy_mwh_year_{year}")).unwrap();
        let usd = get(&format!("training.largest_run_electricity_usd_year_{year}")).unwrap();
        assert_eq!(flop, largest.physical_flop);
        assert_eq!(energy, largest.energy_mwh);
        assert_eq!(usd, largest.electricity_usd);
        // The run's 2,000 chips at 1.25 kW each for its 10 days, billed at
        // 40 USD/MWh: the run's own energy, not the lab's year.
        let run_mwh = 2.0 * FULL_MW * 10.0 * 24.0;
        assert!(
            (energy - run_mwh).abs() < 1e-6 * run_mwh,
            "{energy} against {run_mwh}"
        );
        assert!(
            (usd - 40.0 * energy).abs() < 1e-6 * usd,
            "{usd} against {energy} MWh"
        );
    }
}
