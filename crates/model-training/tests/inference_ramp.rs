//! Planning with the known rise of the inference share: after each release
//! the share of a lab's chips serving inference rises toward its maximum on
//! a known path (`inference.rs`), and inference is served first, so a run
//! is planned on the training rate that path leaves it over `[now, now +
//! D]`. With no failures and full power every run is then released at its
//! due date with the default inference share, as without inference
//! (docs/model/model-training.md, "Planning"; audit s18-training, finding 2:
//! a run planned at the share of now was released up to 9.5 % late).

mod common;
use common::*;
use model_training::{CompletedRun, TrainingConfig};
use scheduler::{Dist, SECS_PER_DAY, SECS_PER_YEAR, SimTime};

const DAY: f64 = SECS_PER_DAY as f64;

fn lasted_days(r: &CompletedRun) -> f64 {
    r.end.saturating_since(r.start).as_secs_f64() / DAY
}

fn assert_on_time(name: &str, runs: &[CompletedRun], due_days: f64, at_least: usize) {
    assert!(runs.len() >= at_least, "{name}: {} runs", runs.len());
    for r in runs {
        assert!(
            (lasted_days(r) - due_days).abs() <= 1.0 / DAY,
            "{name}: run {} lasted {} days, due after {due_days}",
            r.run,
            lasted_days(r)
        );
    }
}

#[test]
fn a_fixed_cluster_with_inference_on_releases_every_run_when_due() {
    // The audit's late1: one lab, a fixed cluster, a target far above it
    // (smaller runs on the whole rate), 3-month runs, the default inference
    // share (0.3, 6-month adoption). Run 1, planned at share 0 when run 0
    // is released, was 8.7 days late; the runs after it 3.4, 1.2, … days.
    let mut l = lab("a");
    l.release_cadence_months = Dist::constant(3.0);
    l.max_run_duration_days = 365.0;
    l.initial_target_run_flop = 1e30;
    l.min_run_share_of_target = 1e-9;
    let cfg = TrainingConfig::new(vec![l]);
    assert_eq!(cfg.inference.max_share_of_chips, 0.3, "the default share");
    let mut b = Bench::new(cfg, 1);
    b.run_until(SimTime(3 * SECS_PER_YEAR));
    let d = 3.0 * model_training::SECS_PER_MONTH as f64 / DAY;
    assert_on_time("fixed cluster", b.training.runs(), d, 10);
    // The plan sees less than the rate now × D once a model is out, and
    // the run keeps at least its plan.
    let runs = b.training.runs();
    assert!(
        runs[1].planned_flop < FULL_RATE * d * DAY * 0.99,
        "{:e}",
        runs[1].planned_flop
    );
    for r in runs {
        assert!(r.physical_flop >= r.planned_flop * (1.0 - 1e-12), "run {}", r.run);
    }
}

#[test]
fn with_inference_retirements_and_deliveries_every_run_is_released_when_due() {
    // As tests/retirement.rs's test of the same name, with inference on at
    // the default maximum share and a one-month adoption time, so that the
    // share rises well within each 10-day run: chip-bound (smaller runs on
    // the whole rate) and target-bound (paced) labs alike, with no failures
    // and full power, release every run at its due date.
    // "paced near its rate": the rise of the share takes the rate below
    // the pace of a run paced on the rate of now. Each with the weekly
    // deliveries and with none (a fixed cluster, whose retirements end at
    // day 45).
    for weeks in [40, 0] {
        for (name, target_share) in [("chip-bound", 10.0), ("paced", 0.3), ("paced near its rate", 0.6)] {
            let mut l = lab("a");
            l.initial_target_run_flop = target_share * FULL_RATE * 10.0 * DAY;
            l.min_run_share_of_target = 1e-3;
            let mut cfg = TrainingConfig::new(vec![l]);
            cfg.inference.adoption_time_months = 1.0;
            if weeks > 0 {
                cfg.chip_service_life_years = 45.0 * DAY / SECS_PER_YEAR as f64;
            }
            let mut b = Bench::new(cfg, 5);
            deliver_weekly(&mut b, weeks);
            b.run_until(SimTime((300.0 * DAY) as u64));
            assert_on_time(
                &format!("{name}, {weeks} weeks of deliveries"),
                b.training.runs(),
                10.0,
                25,
            );
        }
    }
}

#[test]
fn the_rise_is_planned_on_the_chips_the_connection_can_run() {
    // A quarter of the cluster connected and no more coming: inference
    // serves the connected chips only, so its rise takes its share of
    // those, not of the installed peak (review s18-rev-dom, finding 1: runs
    // were planned about 3× too small, and a lab with a minimum run share
    // sat out a cadence).
    let mut l = lab("a");
    l.sites[0].initial_connection_mw = FULL_MW / 4.0;
    l.release_cadence_months = Dist::constant(3.0);
    l.max_run_duration_days = 365.0;
    l.initial_target_run_flop = 1e30;
    l.min_run_share_of_target = 1e-9;
    let mut b = Bench::new(TrainingConfig::new(vec![l]), 1);
    b.run_until(SimTime(2 * SECS_PER_YEAR));
    let d = 3.0 * model_training::SECS_PER_MONTH as f64 / DAY;
    assert_on_time("a quarter connected", b.training.runs(), d, 6);
    for r in b.training.runs() {
        assert!(
            r.planned_flop >= 0.9 * r.physical_flop,
            "run {}: planned {:e}, did {:e}",
            r.run,
            r.planned_flop,
            r.physical_flop
        );
    }
}
