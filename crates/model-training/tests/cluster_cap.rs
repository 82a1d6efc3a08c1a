//! The largest cluster (`max_chips_per_run`): a lab with more training
//! chips than one run can use trains with exactly the cap, its failures are
//! those of the capped run (goodput in closed form at the capped size), its
//! other chips stay powered and billed outside the run, and a cap the lab
//! never reaches changes nothing.

mod common;
use common::*;
use model_training::{RunBound, SECS_PER_MONTH, TrainingConfig, expected_goodput};
use scheduler::{Dist, SECS_PER_DAY, SECS_PER_HOUR, TimePath};

const DAY: f64 = SECS_PER_DAY as f64;

/// The test lab (1000 chips, runs of 10 days) with a target far above its
/// cluster, so the run is all the capped cluster can do.
fn big_target_lab(cap: Option<f64>) -> model_training::LabConfig {
    let mut l = lab("a");
    l.initial_target_run_flop = FULL_RATE * 10.0 * DAY * 100.0;
    l.min_run_share_of_target = 1e-4;
    l.max_chips_per_run = cap.map(TimePath::constant);
    l
}

#[test]
fn a_lab_with_more_chips_than_the_cap_trains_with_exactly_the_cap() {
    let mut b = Bench::new(TrainingConfig::new(vec![big_target_lab(Some(250.0))]), 3);
    let s = started(&b);
    // Planned: 250 of 1000 chips for 10 days, no failures; more chips would
    // not help, so the cap is the bound.
    let expected = FULL_RATE * 0.25 * 10.0 * DAY;
    assert!((s[0].0 / expected - 1.0).abs() < 1e-12, "{s:?}");
    assert_eq!(s[0].1, RunBound::Cluster);
    b.run_until(days(5.0));
    let rows = b.sample();
    // In the run: exactly the cap; the other 750 stay installed and powered
    // (the lab's energy is the whole cluster's for 5 days), outside the run.
    assert_eq!(metric(&rows, "training.run_accelerators", "a"), 250.0);
    assert_eq!(metric(&rows, "training.run_accelerators", "national"), 250.0);
    assert_eq!(metric(&rows, "training.accelerators_installed", "a"), 1000.0);
    let energy = metric(&rows, "training.energy_mwh", "a");
    assert!((energy / (FULL_MW * 5.0 * 24.0) - 1.0).abs() < 1e-9, "{energy}");
    // The run's days go to the cap.
    let cluster = metric(&rows, "training.limited_cluster_days", "a");
    assert!((cluster - 5.0).abs() < 1e-6, "{cluster}");
    b.run_until(days(10.5));
    let run = &b.training.runs()[0];
    assert!((run.physical_flop / expected - 1.0).abs() < 1e-9, "{run:?}");
    assert_eq!(run.bound, RunBound::Cluster);
}

#[test]
fn the_cap_follows_its_path_over_time() {
    // 100 chips until day 5, 400 from then on: the first run (planned at
    // day 0) uses 100, the second (planned at day 10) 400. The cap is read
    // when the lab's rates are recomputed (at its events, at least monthly).
    let mut l = big_target_lab(None);
    l.max_chips_per_run = TimePath::new(
        vec![(days(0.0), 100.0), (days(5.0), 400.0)],
        scheduler::Interp::Step,
    );
    let mut b = Bench::new(TrainingConfig::new(vec![l]), 3);
    b.run_until(days(20.5));
    let runs = b.training.runs();
    assert_eq!(runs.len(), 2, "{runs:?}");
    let r0 = FULL_RATE * 0.1 * 10.0 * DAY;
    assert!((runs[0].physical_flop / r0 - 1.0).abs() < 1e-9, "{:?}", runs[0]);
    assert!(
        (runs[1].physical_flop / (4.0 * r0) - 1.0).abs() < 1e-9,
        "{:?}",
        runs[1]
    );
}

#[test]
fn goodput_is_the_closed_form_at_the_capped_size() {
    // 1e-3 failures per chip-hour, hourly checkpoints, 30-minute restarts:
    // the whole cluster (1000 chips) fails once an hour, the capped run
    // (250 chips) once in four hours.
    let plan = |cap: Option<f64>| {
        let mut l = big_target_lab(cap);
        l.chip_failure_rate_per_hour = 1e-3;
        l.checkpoint_interval_hours = 1.0;
        l.restart_overhead_hours = 0.5;
        l.release_cadence_months = Dist::constant(1.0);
        l.max_run_duration_days = 20.0;
        Bench::new(TrainingConfig::new(vec![l]), 11)
    };
    let g_cap = expected_goodput(0.25, 1.0, 0.5);
    let g_all = expected_goodput(1.0, 1.0, 0.5);
    let mut capped = plan(Some(250.0));
    let uncapped = plan(None);
    let d = 20.0 * DAY;
    let s = started(&capped);
    assert!(
        (s[0].0 / (FULL_RATE * 0.25 * d * g_cap) - 1.0).abs() < 1e-9,
        "{s:?} vs g {g_cap}"
    );
    assert_eq!(s[0].1, RunBound::Cluster);
    let u = started(&uncapped);
    assert!((u[0].0 / (FULL_RATE * d * g_all) - 1.0).abs() < 1e-9, "{u:?}");
    // Run: the failures are those of 250 chips (≈ 0.25 an hour over 19 days:
    // ≈ 114), and the goodput is g at that size, not at 1000 chips.
    capped.run_until(days(19.0));
    let rows = capped.sample();
    let goodput = metric(&rows, "training.goodput_share", "a");
    assert!(
        (goodput - g_cap).abs() < 0.03,
        "goodput {goodput} vs {g_cap} (uncapped {g_all})"
    );
    // Days lost to failures: 1 − g of the 19 days, roughly.
    let lost = metric(&rows, "training.limited_failures_days", "a");
    let hours = 19.0 * DAY / SECS_PER_HOUR as f64;
    assert!(
        (lost / 19.0 - (1.0 - g_cap)).abs() < 0.03,
        "{lost} days of {hours} h"
    );
}

#[test]
fn a_cap_the_lab_never_reaches_changes_nothing() {
    // With failures on and a paced run, a cap above the cluster leaves
    // every run, release and metric as without one, bit for bit (except the
    // cap's own metrics, emitted only with a cap).
    let make = |cap: Option<f64>| {
        let mut l = lab("a");
        l.chip_failure_rate_per_hour = 2e-4;
        l.restart_overhead_hours = 0.1;
        l.initial_target_run_flop = FULL_RATE * 10.0 * DAY * 0.6;
        l.compute_growth_per_year = 3.0;
        l.max_chips_per_run = cap.map(TimePath::constant);
        let mut b = Bench::new(TrainingConfig::new(vec![l]), 5);
        b.run_until(scheduler::SimTime(4 * SECS_PER_MONTH));
        let rows: Vec<_> = b
            .sample()
            .into_iter()
            .filter(|r| !r.0.contains("cluster") && r.0 != "training.run_accelerators")
            .map(|(m, e, v)| (m, e, v.to_bits()))
            .collect();
        (b.training.runs().to_vec(), b.training.releases().to_vec(), rows)
    };
    let (runs, releases, rows) = make(None);
    assert!(runs.len() > 5 && runs.iter().any(|r| r.failures > 0), "{runs:?}");
    let capped = make(Some(1e9));
    assert_eq!(capped.0, runs);
    assert_eq!(capped.1, releases);
    assert_eq!(capped.2, rows);
}
