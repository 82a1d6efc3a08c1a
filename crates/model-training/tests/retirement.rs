//! Planning with the retirements a lab knows: a run is planned on the
//! training rate the lab will have over `[now, now + D]` (each installed
//! cohort retires at install + service life), so chips that retire during a
//! run do not make it late (docs/model/model-training.md, "Planning").

mod common;
use common::*;
use model_training::{CompletedRun, TrainingConfig};
use scheduler::{SECS_PER_DAY, SECS_PER_YEAR, SimTime};

const DAY: f64 = SECS_PER_DAY as f64;
/// Effective FLOP/s of one test accelerator.
const CHIP_RATE: f64 = CHIP_FLOP_S * MFU;

/// A service life of `d` days, in years (exact to the second).
fn life_days(d: f64) -> f64 {
    d * DAY / SECS_PER_YEAR as f64
}

/// A chip-bound lab: 10-day runs back to back, a target ten times what
/// the whole test cluster does in a run, and a floor low enough that every
/// run is worth doing. No failures, no inference, full power.
fn chip_bound_lab(initial: u64) -> model_training::LabConfig {
    let mut l = lab("a");
    l.initial_accelerators = vec![batch(initial)];
    l.initial_target_run_flop = 10.0 * FULL_RATE * 10.0 * DAY;
    l.min_run_share_of_target = 1e-3;
    l
}

/// `lab` with a service life of `life` days, `delivered` more chips
/// installed at day `at`, run to `until_day`. No failures, no inference,
/// full power.
fn a_delivery(lab: model_training::LabConfig, life: f64, at: f64, delivered: u64, until_day: f64) -> Bench {
    let mut cfg = TrainingConfig::new(vec![lab]);
    cfg.inference.max_share_of_chips = 0.0;
    cfg.chip_service_life_years = life_days(life);
    let mut b = Bench::new(cfg, 3);
    let a = b.lab("a");
    b.run_until(days(at));
    b.training
        .install_accelerators(a, batch(delivered), &mut b.sched, &mut b.signals)
        .expect("install");
    b.run_until(days(until_day));
    b
}

/// [`a_delivery`] with a 15-day life and the chips delivered at day 9 (so
/// run 1, days 10–20, sees the first cohort retire at day 15).
fn a_delivery_at_day_9(lab: model_training::LabConfig, delivered: u64, until_day: f64) -> Bench {
    a_delivery(lab, 15.0, 9.0, delivered, until_day)
}

fn lasted_s(r: &CompletedRun) -> f64 {
    r.end.saturating_since(r.start).as_secs_f64()
}

#[test]
fn a_cohort_retiring_half_way_is_planned_out_and_the_run_is_released_when_due() {
    // 400 chips at day 0 (retire at day 15), 600 more at day 9 (retire at
    // day 24). Run 1 spans days 10–20 on 1000 chips, of which 400 retire at
    // D/2. Its plan is rate × (1000 × D/2 + 600 × D/2); the old plan
    // (1000 × D) left 400 × D/2 chip-seconds for the 600 chips after due:
    // released 3.33 days late.
    let b = a_delivery_at_day_9(chip_bound_lab(400), 600, 30.0);
    let runs = b.training.runs();
    assert!(runs.len() >= 2, "{} runs", runs.len());
    let r = &runs[1];
    assert_eq!(r.start, days(10.0));
    let want = CHIP_RATE * (1000.0 * 5.0 * DAY + 600.0 * 5.0 * DAY);
    assert!(
        (lasted_s(r) - 10.0 * DAY).abs() <= 1.0,
        "run 1 lasted {} days, due after 10",
        lasted_s(r) / DAY
    );
    assert!(
        (r.planned_flop / want - 1.0).abs() < 1e-12,
        "planned {:.6e}, want {want:.6e}",
        r.planned_flop
    );
    assert!((r.physical_flop / r.planned_flop - 1.0).abs() < 1e-9);
}

#[test]
fn without_a_retirement_in_the_run_the_plan_is_the_rate_now_times_d_exactly() {
    // 1000 chips at day 0 retiring at day 30 and 500 more at day 15:
    // runs 0 (days 0–10, 1000 chips) and 1 (10–20, 1000) see no retirement and plan exactly
    // F × D, bit for bit as before; run 2 (20–30) has its 1000 chips retire
    // exactly at its due time, which takes nothing out of it. Run 3 (30–40)
    // has the 500 left.
    let b = a_delivery(chip_bound_lab(CHIPS), 30.0, 15.0, 500, 41.0);
    let runs = b.training.runs();
    assert_eq!(runs.len(), 4, "runs {runs:?}");
    for (r, chips) in runs.iter().zip([1000.0, 1000.0, 1500.0, 500.0]) {
        assert_eq!(
            r.planned_flop.to_bits(),
            (chips * CHIP_RATE * (10.0 * DAY)).to_bits(),
            "run {}",
            r.run
        );
        assert!(
            (lasted_s(r) - 10.0 * DAY).abs() <= 1.0,
            "lasted {} d",
            lasted_s(r) / DAY
        );
    }
}

#[test]
fn with_retirements_and_deliveries_every_run_is_released_when_due() {
    // Service life 45 days, chips delivered every week: most runs see
    // cohorts retire and others arrive. Chip-bound (smaller runs on the
    // whole rate) and target-bound (paced) labs alike, with no failures and
    // full power, release every run exactly at its due date.
    for (name, target_share) in [("chip-bound", 10.0), ("paced", 0.3)] {
        let mut l = chip_bound_lab(CHIPS);
        l.initial_target_run_flop = target_share * FULL_RATE * 10.0 * DAY;
        let mut cfg = TrainingConfig::new(vec![l]);
        cfg.inference.max_share_of_chips = 0.0;
        cfg.chip_service_life_years = life_days(45.0);
        let mut b = Bench::new(cfg, 5);
        deliver_weekly(&mut b, 40);
        b.run_until(SimTime((300.0 * DAY) as u64));
        let runs = b.training.runs();
        assert!(runs.len() >= 25, "{name}: {} runs", runs.len());
        for r in runs {
            let d = lasted_s(r);
            assert!(
                (d - 10.0 * DAY).abs() <= 1.0,
                "{name}: run {} lasted {} days, due after 10",
                r.run,
                d / DAY
            );
        }
    }
}

#[test]
fn a_paced_run_trains_ahead_of_the_chips_it_will_lose() {
    // 1000 chips at day 0 (retire at day 15), 200 more at day 9. Run 1
    // (days 10–20, target 6000 chip-days) can do 1200 × 5 + 200 × 5 = 7000
    // chip-days: a run of its target, paced. Paced on the rate now (1200
    // chips: half of it) it would keep 3000 by day 15 and 1000 after, and
    // end 10 days late; paced on the rate it will have (6/7 of it) it keeps
    // 6000 by due.
    let mut l = chip_bound_lab(CHIPS);
    l.initial_target_run_flop = 6000.0 * CHIP_RATE * DAY;
    let b = a_delivery_at_day_9(l, 200, 40.0);
    let runs = b.training.runs();
    assert!(runs.len() >= 2, "{} runs", runs.len());
    let r = &runs[1];
    assert_eq!(r.start, days(10.0));
    assert_eq!(r.planned_flop, r.target_flop, "a run of its target");
    assert!(
        (lasted_s(r) - 10.0 * DAY).abs() <= 1.0,
        "run 1 lasted {} days, due after 10",
        lasted_s(r) / DAY
    );
    assert!(r.held_days > 0.5, "held {} d", r.held_days);
}

/// Sixty days of a lab with the test cluster (1000 chips, 10-day runs), a
/// target of `target_chip_days` × a chip's rate × a day (so runs are paced:
/// the cluster can do more), and a service life of `life` days. No
/// failures, no inference, full power.
fn sixty_days_of_a_paced_lab(target_chip_days: f64, life: f64) -> Bench {
    let mut l = lab("a");
    l.initial_target_run_flop = target_chip_days * CHIP_RATE * DAY;
    let mut cfg = TrainingConfig::new(vec![l]);
    cfg.inference.max_share_of_chips = 0.0;
    cfg.chip_service_life_years = life_days(life);
    let mut b = Bench::new(cfg, 3);
    b.run_until(days(60.0));
    b
}

/// A paced run whose chips all retire mid-run: its pace planned for the
/// retirement, so it has kept its plan at the very tick its chips go, and
/// must be released at its due date (it was never released: at a rate of
/// 0 its finish event was cancelled although no work was left; audit of
/// the fourteenth session).
#[test]
fn a_paced_run_whose_chips_all_retire_mid_run_is_released_when_due() {
    // 1000 chips retiring at day 15; 10-day runs; a target of 2000
    // chip-days: run 1 (days 10–20) could do 5000 before its chips retire,
    // so it is a run of its target, paced to keep it by day 15.
    let b = sixty_days_of_a_paced_lab(2000.0, 15.0);
    let runs = b.training.runs();
    assert!(
        runs.len() >= 2,
        "run 1 still in progress at day 60: {:?}",
        b.training.run_in_progress(b.lab("a"))
    );
    let r = &runs[1];
    assert!(
        (lasted_s(r) - 10.0 * DAY).abs() <= 1.0,
        "run 1 lasted {} days",
        lasted_s(r) / DAY
    );
    assert!(
        (r.physical_flop / r.planned_flop - 1.0).abs() < 1e-9,
        "kept {:e} of {:e}",
        r.physical_flop,
        r.planned_flop
    );
    assert!(r.held_days > 0.0, "it kept its plan at day 15 and held until due");
}

/// A paced run whose chips all retire exactly at its due tick is released
/// then, with its plan kept (the same cancelled event, before this session).
#[test]
fn a_paced_run_whose_chips_retire_exactly_at_due_is_released() {
    let b = sixty_days_of_a_paced_lab(5000.0, 30.0);
    let runs = b.training.runs();
    assert!(
        runs.iter().any(|r| r.end == days(30.0)),
        "no run released when the chips retired at day 30: {:?}; in progress {:?}",
        runs.iter()
            .map(|r| (r.start.as_days(), r.end.as_days()))
            .collect::<Vec<_>>(),
        b.training.run_in_progress(b.lab("a"))
    );
}
