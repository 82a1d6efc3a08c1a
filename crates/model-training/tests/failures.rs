//! Hardware failures: a Poisson process per cluster (per-chip rate × chips);
//! each failure loses the work since the last checkpoint.

mod common;
use common::*;
use model_training::TrainingConfig;
use scheduler::math;
use scheduler::{Dist, SECS_PER_DAY, SECS_PER_YEAR, SimTime};

/// A two-year run on 1000 chips at 1e-4 failures per chip-hour (cluster MTBF
/// 10 h) with 4-hour checkpoints.
fn long_failing_run(restart_hours: f64, seed: u64) -> model_training::CompletedRun {
    let mut l = lab("a");
    l.chip_failure_rate_per_hour = 1e-4;
    l.checkpoint_interval_hours = 4.0;
    l.restart_overhead_hours = restart_hours;
    l.release_cadence_months = Dist::constant(24.0);
    l.max_run_duration_days = 800.0;
    l.initial_target_run_flop = FULL_RATE * 730.0 * SECS_PER_DAY as f64;
    let mut b = Bench::new(TrainingConfig::new(vec![l]), seed);
    b.run_until(SimTime(4 * SECS_PER_YEAR));
    b.training.runs()[0].clone()
}

#[test]
fn mean_loss_per_failure_matches_the_renewal_formula() {
    let run = long_failing_run(0.0, 7);
    let lambda: f64 = 1000.0 * 1e-4; // failures per hour
    let tau: f64 = 4.0; // checkpoint interval, hours
    // Time since the segment start at a failure is Exp(λ); the work lost is
    // that time modulo τ: E = 1/λ − τ·e^{−λτ}/(1 − e^{−λτ}).
    let expected = 1.0 / lambda - tau * math::exp(-lambda * tau) / (1.0 - math::exp(-lambda * tau));
    let n = run.failures as f64;
    let mean_loss_h = run.lost_flop / n / FULL_RATE / 3600.0;
    // Loss per failure lies in [0, τ): standard deviation at most τ/√12.
    let tol = 4.0 * tau / 12f64.sqrt() / n.sqrt();
    assert!(
        (mean_loss_h - expected).abs() < tol,
        "mean loss {mean_loss_h} h, expected {expected} h ± {tol}"
    );
    // The count is Poisson with mean λ × running hours (a run that kept
    // its plan before it was due holds its model, not training, until then).
    let hours = (run.duration_days - run.held_days) * 24.0;
    let mean = lambda * hours;
    assert!(
        (n - mean).abs() < 4.0 * mean.sqrt(),
        "{n} failures, expected {mean}"
    );
    // The running time is the work kept plus the work lost, at the full
    // rate: the lost work takes exactly that much time. (The run is planned
    // at its expected goodput, smaller than the target, so it trains on at
    // the whole rate until due, or past it until it keeps its plan.)
    let extra_h = hours - run.physical_flop / FULL_RATE / 3600.0;
    assert!(
        (extra_h - run.lost_flop / FULL_RATE / 3600.0).abs() < 0.01,
        "{extra_h}"
    );
}

#[test]
fn restarts_add_downtime_without_failures_while_down() {
    let run = long_failing_run(0.5, 8);
    assert!((run.restart_days * 24.0 - 0.5 * run.failures as f64).abs() < 1e-6);
    let up_hours = (run.duration_days - run.held_days) * 24.0 - run.restart_days * 24.0;
    let mean = 0.1 * up_hours;
    let n = run.failures as f64;
    assert!(
        (n - mean).abs() < 4.0 * mean.sqrt(),
        "{n} failures, expected {mean}"
    );
}

#[test]
fn no_failures_when_the_rate_is_zero() {
    let mut b = Bench::new(TrainingConfig::new(vec![lab("a")]), 1);
    b.run_until(days(11.0));
    assert_eq!(b.training.runs()[0].failures, 0);
    assert_eq!(b.training.runs()[0].lost_flop, 0.0);
}

#[test]
fn a_curtailed_cluster_fails_in_proportion_to_the_chips_running() {
    // Half the power runs half the chips: half the failures per hour.
    let mut l = lab("a");
    l.chip_failure_rate_per_hour = 1e-4;
    l.release_cadence_months = Dist::constant(24.0);
    l.max_run_duration_days = 800.0;
    l.initial_target_run_flop = FULL_RATE * 365.0 * SECS_PER_DAY as f64;
    let mut b = Bench::new(TrainingConfig::new(vec![l]), 9);
    b.serve("a", FULL_MW / 2.0);
    b.run_until(SimTime(3 * SECS_PER_YEAR));
    let run = &b.training.runs()[0];
    let mean = 0.5 * 1000.0 * 1e-4 * (run.duration_days - run.held_days) * 24.0;
    let n = run.failures as f64;
    assert!(
        (n - mean).abs() < 4.0 * mean.sqrt(),
        "{n} failures, expected {mean}"
    );
}

#[test]
fn failures_do_not_depend_on_how_often_the_lab_is_brought_up_to_date() {
    // Failures are walked inside the accounting, so the same run served
    // its full power every hour (an accounting step each time) or never
    // draws the same failures at the same instants. The run is paced (it
    // could do its 60 days of work in its 120): serving the same power
    // again does not re-pace it.
    let run_with = |hourly: bool| {
        let mut l = lab("a");
        l.chip_failure_rate_per_hour = 1e-4;
        l.checkpoint_interval_hours = 4.0;
        l.restart_overhead_hours = 0.5;
        l.release_cadence_months = Dist::constant(24.0);
        l.max_run_duration_days = 120.0;
        l.initial_target_run_flop = FULL_RATE * 60.0 * SECS_PER_DAY as f64;
        let mut b = Bench::new(TrainingConfig::new(vec![l]), 11);
        let end = SimTime(SECS_PER_YEAR / 2);
        if hourly {
            while b.sched.now() < end && b.training.runs().is_empty() {
                let next = SimTime(b.sched.now().0 + 3600);
                b.run_until(next);
                b.serve("a", FULL_MW);
            }
        }
        b.run_until(end);
        b.training.runs()[0].clone()
    };
    let (a, b) = (run_with(false), run_with(true));
    assert!(a.failures > 100, "{} failures", a.failures);
    assert_eq!(a.failures, b.failures);
    assert!((a.lost_flop / b.lost_flop - 1.0).abs() < 1e-9);
    assert!((a.restart_days - b.restart_days).abs() < 1e-9);
    assert!((a.duration_days - b.duration_days).abs() * SECS_PER_DAY as f64 <= 1.0);
}

/// A cluster that fails far more often than it checkpoints keeps no work:
/// its runs release nothing (no model of 0 FLOP, whose capability would be
/// log10 0), yet they are booked, with their failures and energy, and the
/// lab goes on planning runs. (At 1 failure per chip-hour, the top of the
/// accepted range, a run used to stop the whole simulation with "effective
/// FLOP is not a finite number".)
#[test]
fn a_run_that_keeps_no_work_releases_nothing_and_is_booked() {
    let mut l = lab("a");
    // 1000 chips at 1 failure per chip-hour: a failure every 3.6 s, and
    // each restart takes 12 minutes, so no half-hour checkpoint is reached
    // (the expected goodput, e^-500 or so, is positive but below any work).
    l.chip_failure_rate_per_hour = 1.0;
    l.checkpoint_interval_hours = 0.5;
    l.restart_overhead_hours = 0.2;
    // A target far above the cluster: a run is all it can do (a smaller run,
    // on every chip until due), expected to keep next to nothing.
    l.initial_target_run_flop = FULL_RATE * 10.0 * SECS_PER_DAY as f64 * 100.0;
    let mut b = Bench::new(TrainingConfig::new(vec![l]), 3);
    b.run_until(days(95.0));
    assert!(b.training.releases().is_empty(), "{:?}", b.training.releases());
    let runs = b.training.runs().to_vec();
    assert!(runs.len() >= 2, "the lab goes on planning runs: {runs:?}");
    for r in &runs {
        assert_eq!(r.physical_flop, 0.0, "{r:?}");
        assert!(r.failures > 0 && r.energy_mwh > 0.0, "{r:?}");
    }
    let mut scalars = std::collections::BTreeMap::new();
    b.training.summary_scalars(&mut |k, v| {
        scalars.insert(k.to_string(), v);
    });
    assert_eq!(scalars["training.releases_total"], 0.0);
    assert_eq!(scalars["training.runs_total"], runs.len() as f64);
    let failures: u64 = runs.iter().map(|r| r.failures).sum();
    assert_eq!(scalars["training.failures_total"], failures as f64);
}
