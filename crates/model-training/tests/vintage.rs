//! Vintages: accelerators owned at the start were installed before it
//! (`ChipBatch::age`), so they retire a service life after their installed
//! date, at the power clock's dispatch instant, not a life after the start;
//! a batch already a life old is retired at the start, never in service;
//! and straight-line depreciation books only the remaining life's share of
//! their price (docs/model/model-training.md, "Initial fleets").

mod common;

use common::*;
use model_training::{ChipBatch, FleetConfig, FleetId, SiteConfig, TrainingConfig, TrainingError};
use scheduler::{Duration, SECS_PER_DAY, SECS_PER_HOUR, SECS_PER_YEAR, SimTime, StepClock};

/// Dispatches every 7 days from hour 5: the instants a retirement waits for.
const CLOCK: StepClock = StepClock {
    first: SimTime(5 * SECS_PER_HOUR),
    step: Duration(7 * SECS_PER_DAY),
};

/// `count` test accelerators installed `years` before the start.
fn aged(count: u64, years: u64) -> ChipBatch {
    ChipBatch {
        age: Duration(years * SECS_PER_YEAR),
        ..batch(count)
    }
}

fn site(region: &str) -> SiteConfig {
    let mut s = SiteConfig::new(region);
    s.pue = PUE;
    s.overhead_w_per_chip = OVERHEAD_W;
    s.initial_connection_mw = 1e6;
    s
}

/// Lab `a` owning `lab_stock` and fleet `cloud` owning `fleet_stock`, a
/// service life of `life` years and the weekly [`CLOCK`]; no inference.
fn bench(lab_stock: Vec<ChipBatch>, fleet_stock: Vec<ChipBatch>, life: f64) -> Bench {
    let mut l = lab("a");
    l.initial_accelerators = lab_stock;
    let mut cfg = TrainingConfig::new(vec![l]);
    cfg.inference.max_share_of_chips = 0.0;
    cfg.chip_service_life_years = life;
    cfg.power_clock = Some(CLOCK);
    cfg.fleets = vec![FleetConfig {
        name: "cloud".into(),
        sites: vec![site("x")],
        initial_accelerators: fleet_stock,
    }];
    Bench::new(cfg, 1)
}

fn cloud(b: &Bench) -> FleetId {
    b.training.fleets().next().unwrap().0
}

/// (at start, delivered, awaiting install, in service, retired), after
/// checking that the counts are conserved.
fn counts(b: &Bench) -> (u64, u64, u64, u64, u64) {
    let c = b.training.fleet_chips(cloud(b)).unwrap();
    assert_eq!(
        c.at_start + c.delivered,
        c.awaiting_install + c.in_service + c.retired,
        "{c:?}"
    );
    (
        c.at_start,
        c.delivered,
        c.awaiting_install,
        c.in_service,
        c.retired,
    )
}

/// Lab `a`'s (at start, delivered, awaiting install, in service,
/// retired), after checking that they are conserved and that the run's
/// outcomes, the lab's own and the nation's (one lab: the same), say so.
fn lab_counts(b: &Bench) -> (u64, u64, u64, u64, u64) {
    let c = b.training.lab_chips(b.lab("a")).unwrap();
    assert_eq!(
        c.at_start + c.delivered,
        c.awaiting_install + c.in_service + c.retired,
        "{c:?}"
    );
    let mut outcomes = Vec::new();
    b.training
        .summary_scalars(&mut |k, v| outcomes.push((k.to_string(), v)));
    let get = |k: &str| {
        let found: Vec<f64> = outcomes.iter().filter(|(n, _)| n == k).map(|p| p.1).collect();
        assert_eq!(found.len(), 1, "{k}: {found:?}");
        found[0]
    };
    for (outcome, n) in [
        ("accelerators_at_start", c.at_start),
        ("accelerators_delivered_total", c.delivered),
        ("accelerators_awaiting_install_end", c.awaiting_install),
        ("accelerators_installed_end", c.in_service),
        ("accelerators_retired_total", c.retired),
    ] {
        assert_eq!(get(&format!("training.{outcome}")), n as f64, "{outcome}");
        assert_eq!(get(&format!("training.lab.a.{outcome}")), n as f64, "{outcome}");
    }
    (
        c.at_start,
        c.delivered,
        c.awaiting_install,
        c.in_service,
        c.retired,
    )
}

fn lab_chips(b: &mut Bench) -> f64 {
    metric(&b.sample(), "training.accelerators_installed", "a")
}

#[test]
fn stock_installed_two_years_before_the_start_retires_three_years_in_at_the_dispatch_instant() {
    // A 5-year life, installed 2 years before the start: due at 3 years,
    // retired at the first weekly dispatch at or after it (not at 5 years).
    let mut b = bench(vec![aged(1000, 2)], vec![aged(400, 2)], 5.0);
    let due = CLOCK.at_or_after(SimTime(3 * SECS_PER_YEAR));
    assert!(
        due.0 > 3 * SECS_PER_YEAR,
        "the test wants a dispatch after the due instant"
    );
    b.run_until(SimTime(due.0 - 1));
    assert_eq!(lab_chips(&mut b), 1000.0);
    assert_eq!(counts(&b), (400, 0, 0, 400, 0));
    assert_eq!(lab_counts(&b), (1000, 0, 0, 1000, 0));
    b.run_until(due);
    assert_eq!(lab_chips(&mut b), 0.0);
    assert_eq!(counts(&b), (400, 0, 0, 0, 400));
    assert_eq!(lab_counts(&b), (1000, 0, 0, 0, 1000));
}

#[test]
fn cohorts_of_several_vintages_retire_each_at_its_own_date_whatever_their_order() {
    // Listed newest first: 100 new (retire at 5 y), 200 installed 1 year
    // before (4 y), 300 installed 3 years before (2 y), at the lab and the
    // fleet alike.
    let stock = || vec![batch(100), aged(200, 1), aged(300, 3)];
    let mut b = bench(stock(), stock(), 5.0);
    let mut held = 600.0;
    for (years, left) in [(2, 300.0), (4, 100.0), (5, 0.0)] {
        let due = CLOCK.at_or_after(SimTime(years * SECS_PER_YEAR));
        b.run_until(SimTime(due.0 - 1));
        assert_eq!(lab_chips(&mut b), held, "just before {years} y");
        assert_eq!(counts(&b).3 as f64, held, "just before {years} y");
        b.run_until(due);
        assert_eq!(lab_chips(&mut b), left, "at {years} y");
        assert_eq!(counts(&b).3 as f64, left, "at {years} y");
        assert_eq!(lab_counts(&b).3 as f64, left, "at {years} y");
        assert_eq!(lab_counts(&b).4 as f64, 600.0 - left, "at {years} y");
        held = left;
    }
}

#[test]
fn stock_older_than_its_life_is_retired_at_the_start_and_draws_nothing() {
    // 300 installed 6 years before the start (life 5 years) and 200 new,
    // at the lab and the fleet.
    let mut b = bench(
        vec![aged(300, 6), batch(200)],
        vec![aged(300, 6), batch(200)],
        5.0,
    );
    assert_eq!(counts(&b), (500, 0, 0, 200, 300));
    assert_eq!(lab_counts(&b), (500, 0, 0, 200, 300));
    assert_eq!(lab_chips(&mut b), 200.0);
    b.run_until(days(10.0));
    let rows = b.sample();
    let h = 10.0 * 24.0;
    let mw = 200.0 * (CHIP_W + OVERHEAD_W) * PUE / 1e6;
    let e = metric(&rows, "buyers.energy_mwh", "cloud");
    assert!(
        (e - mw * h).abs() < 1e-9 * e,
        "fleet drew {e} MWh, 200 chips draw {}",
        mw * h
    );
    let e = metric(&rows, "training.energy_mwh", "a");
    assert!(
        (e - mw * h).abs() < 1e-9 * e,
        "lab drew {e} MWh, 200 chips draw {}",
        mw * h
    );

    // Only expired stock: nothing in service, nothing drawn, no retirement
    // left to come; a delivery afterwards is counted as usual.
    let mut b = bench(vec![aged(300, 5)], vec![aged(300, 5)], 5.0);
    assert_eq!(counts(&b), (300, 0, 0, 0, 300));
    assert_eq!(lab_counts(&b), (300, 0, 0, 0, 300));
    assert_eq!(lab_chips(&mut b), 0.0);
    let fleet = cloud(&b);
    b.training
        .fleet_accelerators_delivered(fleet, &batch(50))
        .unwrap();
    assert_eq!(counts(&b), (300, 50, 50, 0, 300));
    b.training
        .install_fleet_accelerators(fleet, batch(50), &mut b.sched, &mut b.signals)
        .unwrap();
    assert_eq!(counts(&b), (300, 50, 0, 50, 300));
    b.run_until(days(10.0));
    let rows = b.sample();
    let mw = 50.0 * (CHIP_W + OVERHEAD_W) * PUE / 1e6;
    let e = metric(&rows, "buyers.energy_mwh", "cloud");
    assert!(e <= mw * 240.0 * (1.0 + 1e-9), "{e}");
    assert_eq!(metric(&rows, "training.energy_mwh", "a"), 0.0);
    b.run_until(SimTime(6 * SECS_PER_YEAR));
    assert_eq!(counts(&b), (300, 50, 0, 0, 350));
}

#[test]
fn a_lab_counts_stock_past_its_life_a_mid_run_retirement_and_deliveries() {
    // A 5-year life: 300 installed 6 years before the start (retired at
    // it, never installed), 200 installed 3 years before (retire at 2 y),
    // 100 new (retire at 5 y).
    let mut b = bench(vec![aged(300, 6), aged(200, 3), batch(100)], Vec::new(), 5.0);
    let a = b.lab("a");
    assert_eq!(lab_counts(&b), (600, 0, 0, 300, 300));
    assert_eq!(lab_chips(&mut b), 300.0);
    // 50 delivered (charged), installed after a delay; 30 charged and
    // still awaiting at the end.
    b.run_until(days(10.0));
    b.training
        .accelerators_charged(a, &batch(50), days(10.0))
        .unwrap();
    assert_eq!(lab_counts(&b), (600, 50, 50, 300, 300));
    b.run_until(days(40.0));
    b.training
        .install_accelerators(a, batch(50), &mut b.sched, &mut b.signals)
        .unwrap();
    assert_eq!(lab_counts(&b), (600, 50, 0, 350, 300));
    assert_eq!(lab_chips(&mut b), 350.0);
    let due = CLOCK.at_or_after(SimTime(2 * SECS_PER_YEAR));
    b.run_until(SimTime(due.0 - 1));
    assert_eq!(lab_counts(&b), (600, 50, 0, 350, 300));
    b.run_until(due);
    assert_eq!(lab_counts(&b), (600, 50, 0, 150, 500));
    assert_eq!(lab_chips(&mut b), 150.0);
    b.training
        .accelerators_charged(a, &batch(30), b.sched.now())
        .unwrap();
    assert_eq!(lab_counts(&b), (600, 80, 30, 150, 500));
    // A zero delivery changes nothing; one installed at once
    // (`accelerators_delivered`) passes through awaiting to in service.
    b.training
        .accelerators_charged(a, &batch(0), b.sched.now())
        .unwrap();
    b.training
        .accelerators_delivered(a, batch(5), &mut b.sched, &mut b.signals)
        .unwrap();
    assert_eq!(lab_counts(&b), (600, 85, 30, 155, 500));
}

#[test]
fn an_aged_stock_depreciates_only_its_remaining_life_s_share() {
    // A 50-day life, no power clock, 10-day runs back to back on 1000
    // chips at 20,000 USD, free electricity: a run's cost is its
    // depreciation. New chips write off their whole price over the 50
    // days; chips installed 20 days before the start the 30 days left.
    let total = |stock: ChipBatch| {
        let mut l = lab("a");
        l.initial_accelerators = vec![stock];
        let mut cfg = TrainingConfig::new(vec![l]);
        cfg.inference.max_share_of_chips = 0.0;
        cfg.chip_service_life_years = 50.0 * SECS_PER_DAY as f64 / SECS_PER_YEAR as f64;
        let mut b = Bench::new(cfg, 1);
        b.run_until(days(80.0));
        b.training.runs().iter().map(|r| r.cost_usd).sum::<f64>()
    };
    let value = 1000.0 * 20_000.0;
    let new = total(batch(1000));
    let old = total(ChipBatch {
        age: Duration(20 * SECS_PER_DAY),
        ..batch(1000)
    });
    assert!(
        (new / value - 1.0).abs() < 1e-6,
        "new chips depreciated {new} of {value}"
    );
    assert!(
        (old / value - 0.6).abs() < 1e-6,
        "aged chips depreciated {old} of {value}"
    );
}

#[test]
fn a_delivery_is_new_an_aged_one_is_refused() {
    let mut b = bench(Vec::new(), Vec::new(), 5.0);
    let a = b.lab("a");
    let old = aged(10, 1);
    let e = b
        .training
        .accelerators_charged(a, &old, SimTime::ZERO)
        .unwrap_err();
    assert!(
        matches!(e, TrainingError::InvalidConfig { field: "age", .. }),
        "{e:?}"
    );
    let fleet = cloud(&b);
    let e = b.training.fleet_accelerators_delivered(fleet, &old).unwrap_err();
    assert!(
        matches!(e, TrainingError::InvalidConfig { field: "age", .. }),
        "{e:?}"
    );
}

#[test]
fn a_lab_plans_its_runs_with_the_retirements_of_every_vintage_whatever_their_order() {
    // A 15-day life; 400 new chips (retire at day 15) listed before 600
    // installed 10 days before the start (retire at day 5). Chip-bound
    // 10-day runs: run 0 (days 0–10) loses the 600 half way, so its plan is
    // rate × (1000 × 5 d + 400 × 5 d) and it is released when due. Walking
    // the cohorts in list order would stop at the 400 (not due in the run)
    // and plan 1000 × 10 d, to be released days late.
    let day = SECS_PER_DAY as f64;
    let mut l = lab("a");
    l.initial_accelerators = vec![
        batch(400),
        ChipBatch {
            age: Duration(10 * SECS_PER_DAY),
            ..batch(600)
        },
    ];
    l.initial_target_run_flop = 10.0 * FULL_RATE * 10.0 * day;
    l.min_run_share_of_target = 1e-3;
    let mut cfg = TrainingConfig::new(vec![l]);
    cfg.inference.max_share_of_chips = 0.0;
    cfg.chip_service_life_years = 15.0 * day / SECS_PER_YEAR as f64;
    let mut b = Bench::new(cfg, 3);
    b.run_until(days(12.0));
    let r = &b.training.runs()[0];
    let rate = CHIP_FLOP_S * MFU;
    let want = rate * (1000.0 * 5.0 * day + 400.0 * 5.0 * day);
    assert!(
        (r.planned_flop / want - 1.0).abs() < 1e-12,
        "planned {:.6e}, want {want:.6e}",
        r.planned_flop
    );
    assert_eq!(r.end, days(10.0), "released at {:?}", r.end);
}
