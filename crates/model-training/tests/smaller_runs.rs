//! A smaller run (planned below the lab's target: all its cluster can do in
//! the run's duration) trains on the whole training rate until it is due,
//! so chips delivered mid-run make it larger, not early and idle; a run of
//! the lab's target is paced and keeps exactly its target
//! (docs/model/model-training.md, "Pacing").

mod common;
use common::*;
use model_training::{CompletedRun, RunBound, TrainingConfig};
use scheduler::{SECS_PER_DAY, TimePath};

const DAY: f64 = SECS_PER_DAY as f64;
/// Effective FLOP/s of one test accelerator.
const CHIP_RATE: f64 = CHIP_FLOP_S * MFU;

/// The test lab (1000 chips, 10-day runs back to back, full power) with a
/// target of `chip_days` chip-days of the test accelerator, a floor low
/// enough that every run is worth doing and no inference.
fn lab_with_target(chip_days: f64) -> TrainingConfig {
    let mut l = lab("a");
    l.initial_target_run_flop = chip_days * CHIP_RATE * DAY;
    l.min_run_share_of_target = 1e-3;
    // Money for chips (a lab with none would be budget-bound).
    l.budget_usd_per_year = TimePath::constant(1e9);
    let mut cfg = TrainingConfig::new(vec![l]);
    cfg.inference.max_share_of_chips = 0.0;
    cfg
}

/// Runs the lab to day 5 (half-way through its first run), installs
/// `chips` more accelerators, and runs to day 25.
fn deliver_half_way(cfg: TrainingConfig, chips: u64, seed: u64) -> Vec<CompletedRun> {
    let mut b = Bench::new(cfg, seed);
    let a = b.lab("a");
    b.run_until(days(5.0));
    b.training
        .install_accelerators(a, batch(chips), &mut b.sched, &mut b.signals)
        .expect("install");
    b.run_until(days(25.0));
    assert_eq!(
        b.training.releases()[0].physical_flop,
        b.training.runs()[0].physical_flop
    );
    b.training.runs().to_vec()
}

fn lasted_days(r: &CompletedRun) -> f64 {
    r.end.saturating_since(r.start).as_secs_f64() / DAY
}

#[test]
fn a_chip_bound_run_trains_on_chips_delivered_half_way_until_it_is_due() {
    // Target 10× the cluster: run 0 is planned on 1000 chips × 10 days. 500
    // more arrive at day 5. It trains on all of them until day 10 and is
    // released then with 1000 × 5 + 1500 × 5 chip-days (the old model was
    // done at day 8.33 and held 1.67 days, keeping its plan).
    let runs = deliver_half_way(lab_with_target(100_000.0), 500, 3);
    let r = &runs[0];
    assert_eq!(r.bound, RunBound::Chips);
    assert_eq!(r.planned_flop, CHIPS as f64 * CHIP_RATE * 10.0 * DAY);
    let want = CHIP_RATE * (1000.0 * 5.0 * DAY + 1500.0 * 5.0 * DAY);
    assert_eq!(r.end, days(10.0), "released at {} d, due at 10", r.end.as_days());
    assert_eq!(r.held_days, 0.0);
    assert!(
        (r.physical_flop / want - 1.0).abs() < 1e-12,
        "kept {:.6e}, want {want:.6e}",
        r.physical_flop
    );
    assert_eq!(r.physical_flop, r.integrated_flop);
    // The run used every chip all along: its energy is the cluster's.
    let mwh = FULL_MW * 24.0 * (5.0 + 1.5 * 5.0);
    assert!(
        (r.energy_mwh / mwh - 1.0).abs() < 1e-9,
        "energy {} MWh",
        r.energy_mwh
    );
    // The next run is planned on the 1500 chips, no later.
    assert_eq!(runs[1].start, days(10.0));
    assert_eq!(runs[1].planned_flop, 1500.0 * CHIP_RATE * 10.0 * DAY);
}

#[test]
fn a_chip_bound_run_that_reaches_the_target_before_due_holds_it() {
    // Target 12,000 chip-days, 1000 chips: a smaller run of 10,000. With
    // 1000 more from day 5 it has 5000 by day 5 and reaches the target at
    // day 8.5: it holds it 1.5 days, never larger than the lab's target.
    let runs = deliver_half_way(lab_with_target(12_000.0), 1000, 3);
    let r = &runs[0];
    assert!(r.planned_flop < r.target_flop);
    assert_eq!(r.end, days(10.0));
    assert!(
        (r.physical_flop / r.target_flop - 1.0).abs() < 1e-9,
        "kept {:.6e} of target {:.6e}",
        r.physical_flop,
        r.target_flop
    );
    assert!((r.held_days - 1.5).abs() < 1e-4, "held {} d", r.held_days);
    // Planned `Chips`-bound, it reached the lab's target: nothing bound it
    // in the end, and the label says so (audit s18-training, finding 3:
    // `explain` named the planning label).
    assert_eq!(r.bound, RunBound::Target);
    assert!(
        first_run_is_planned_chips_bound(),
        "the plan's label is still in the RunStarted signal"
    );
}

/// The first run of [`a_chip_bound_run_that_reaches_the_target_before_due_holds_it`]
/// was planned `Chips`-bound (its `RunStarted` signal).
fn first_run_is_planned_chips_bound() -> bool {
    let mut b = Bench::new(lab_with_target(12_000.0), 3);
    b.run_until(days(1.0));
    b.signals.iter().any(|s| {
        matches!(
            s,
            model_training::TrainingSignal::RunStarted {
                bound: RunBound::Chips,
                ..
            }
        )
    })
}

#[test]
fn a_paced_run_of_its_target_with_spare_chips_keeps_exactly_its_target() {
    // Target 3000 chip-days on 1000 chips, 500 more at day 5: paced at
    // 0.3 of the rate, it is released at due with its target, not more.
    let runs = deliver_half_way(lab_with_target(3000.0), 500, 3);
    let r = &runs[0];
    assert_eq!(r.bound, RunBound::Target);
    assert_eq!(r.planned_flop, r.target_flop);
    assert!(
        (lasted_days(r) - 10.0).abs() <= 1.0 / DAY,
        "lasted {} d",
        lasted_days(r)
    );
    assert!(
        (r.physical_flop / r.target_flop - 1.0).abs() < 1e-9,
        "kept {:.6e} of target {:.6e}",
        r.physical_flop,
        r.target_flop
    );
}

#[test]
fn failures_while_a_chip_bound_run_trains_past_its_plan_lose_work_as_usual() {
    // As the first test, with failures (cluster MTBF 50 h, 3-hour
    // checkpoints): the run still trains until due, keeps more than its
    // plan, and what it keeps is what it computed less what failures lost.
    let mut cfg = lab_with_target(100_000.0);
    cfg.labs[0].chip_failure_rate_per_hour = 2e-5;
    cfg.labs[0].checkpoint_interval_hours = 3.0;
    cfg.labs[0].restart_overhead_hours = 0.5;
    let runs = deliver_half_way(cfg, 500, 3);
    let r = &runs[0];
    assert!(r.failures > 0 && r.lost_flop > 0.0, "{} failures", r.failures);
    assert_eq!(r.end, days(10.0));
    assert_eq!(r.held_days, 0.0);
    assert!(
        r.physical_flop > r.planned_flop * 1.2,
        "kept {:.4e} of {:.4e}",
        r.physical_flop,
        r.planned_flop
    );
    assert!((r.physical_flop - (r.integrated_flop - r.lost_flop)).abs() <= 1e-9 * r.integrated_flop);
    // Up time at the rates of the two halves, less the restarts.
    let max = CHIP_RATE * (1000.0 * 5.0 * DAY + 1500.0 * 5.0 * DAY);
    assert!(
        r.integrated_flop < max && r.integrated_flop > max - 1500.0 * CHIP_RATE * r.restart_days * DAY - 1.0
    );
}
