//! Release cadence: a run planned for `D = min(C, max_run_duration_days)` is
//! paced over `D` and released no earlier than `D` after it started, however
//! much spare compute the lab has; a run short of compute (here: a power cut
//! below its pace) ends later than `D`.

mod common;
use common::*;
use model_training::{SECS_PER_MONTH, TrainingConfig};
use scheduler::{Dist, SECS_PER_DAY, SimTime};

const MONTH: f64 = SECS_PER_MONTH as f64;

fn months(m: f64) -> SimTime {
    SimTime((m * MONTH).round() as u64)
}

/// A lab whose cluster can do `spare` × its target in one cadence of
/// `cadence` months (Const), with the duration cap out of the way.
fn spare_lab(cadence: f64, spare: f64) -> model_training::LabConfig {
    let mut l = lab("a");
    l.release_cadence_months = Dist::constant(cadence);
    l.max_run_duration_days = 365.0;
    l.initial_target_run_flop = FULL_RATE * cadence * MONTH / spare;
    l
}

#[test]
fn a_lab_with_ten_times_its_target_releases_once_per_cadence() {
    // Cadence 3 months, cluster 10× the target: the old model finished each
    // run in 9 days and released about 80 times in two years.
    let mut b = Bench::new(TrainingConfig::new(vec![spare_lab(3.0, 10.0)]), 7);
    b.run_until(months(24.0));
    let rel = b.training.releases();
    // Releases at 3, 6, …, 24 months: 8, the last one at the horizon's edge.
    assert!(
        (7..=8).contains(&rel.len()),
        "{} releases in two years at a 3-month cadence",
        rel.len()
    );
    for r in b.training.runs() {
        let d = r.end.saturating_since(r.start).as_secs_f64();
        assert!(
            d >= 3.0 * MONTH,
            "run {} lasted {} days",
            r.run,
            d / SECS_PER_DAY as f64
        );
        // No failures, no power cut: it ends exactly when due.
        assert!(d <= 3.0 * MONTH + 1.0, "run {} lasted {} s", r.run, d);
        assert!((r.physical_flop / r.planned_flop - 1.0).abs() < 1e-9, "{r:?}");
    }
    let mut last = SimTime::ZERO;
    for r in rel {
        let gap = r.at.saturating_since(last).as_secs_f64();
        assert!(gap >= 3.0 * MONTH - 1.0, "gap {} days", gap / SECS_PER_DAY as f64);
        last = r.at;
    }
}

#[test]
fn a_paced_run_uses_a_tenth_of_the_cluster_and_its_energy() {
    let mut b = Bench::new(TrainingConfig::new(vec![spare_lab(3.0, 10.0)]), 7);
    let a = b.lab("a");
    b.run_until(days(1.0));
    // The lab's training capacity is unchanged; the run uses a tenth of it.
    assert!((b.training.training_rate_flop_s(a).unwrap() - FULL_RATE).abs() < 1.0);
    let rows = b.sample();
    let util = metric(&rows, "training.utilisation", "a");
    assert!((util - 0.1).abs() < 1e-6, "utilisation {util}");
    // Every powered chip draws its power (the rest do other work).
    let e = metric(&rows, "training.energy_mwh", "a");
    assert!((e - FULL_MW * 24.0).abs() < 1e-6, "energy {e}");
    b.run_until(months(3.5));
    let run = &b.training.runs()[0];
    // The run's share of the energy: a tenth of the cluster for 3 months.
    let hours = 3.0 * MONTH / 3600.0;
    assert!(
        (run.energy_mwh / (0.1 * FULL_MW * hours) - 1.0).abs() < 1e-6,
        "run energy {}",
        run.energy_mwh
    );
    assert_eq!(run.limited_power_days, 0.0);
}

#[test]
fn a_power_cut_below_the_pace_delays_the_release_past_its_duration() {
    // Cluster 2× the target over D = 3 months: paced at half the rate. At
    // 0.4 D the grid cuts the site to a quarter of its power, below the
    // pace: 0.4 T is done, 0.6 T is left at T / (2D) per second, so the run
    // ends at 0.4 D + 1.2 D = 1.6 D. (The old model trained on the whole
    // cluster and was done at 0.8 D.)
    let d = 3.0 * MONTH;
    let mut b = Bench::new(TrainingConfig::new(vec![spare_lab(3.0, 2.0)]), 7);
    b.run_until(SimTime((0.4 * d) as u64));
    b.serve("a", FULL_MW / 4.0);
    b.run_until(SimTime((2.0 * d) as u64));
    let run = &b.training.runs()[0];
    let end = run.end.0 as f64;
    assert!((end / (1.6 * d) - 1.0).abs() < 1e-5, "ended at {} D", end / d);
    assert!((run.physical_flop / run.planned_flop - 1.0).abs() < 1e-9);
}

#[test]
fn a_smaller_run_of_a_short_lab_still_lasts_its_duration() {
    // Cluster half the target: with `allow_smaller_runs` the lab plans what
    // it can do in D (its whole cluster) and releases at D.
    let mut b = Bench::new(TrainingConfig::new(vec![spare_lab(3.0, 0.5)]), 7);
    b.run_until(months(3.5));
    let run = &b.training.runs()[0];
    assert!((run.planned_flop / run.target_flop - 0.5).abs() < 1e-9);
    let d = run.end.saturating_since(run.start).as_secs_f64();
    assert!(
        (d - 3.0 * MONTH).abs() <= 1.0,
        "lasted {} days",
        d / SECS_PER_DAY as f64
    );
}

#[test]
fn failures_delay_a_paced_run_a_little_past_its_duration_never_before() {
    let mut l = spare_lab(3.0, 4.0);
    l.chip_failure_rate_per_hour = 2e-5;
    l.checkpoint_interval_hours = 1.0;
    l.restart_overhead_hours = 0.5;
    let mut b = Bench::new(TrainingConfig::new(vec![l]), 11);
    b.run_until(months(24.0));
    let runs = b.training.runs();
    assert!(runs.len() >= 6, "{} runs", runs.len());
    assert!(runs.iter().any(|r| r.failures > 0));
    for r in runs {
        let d = r.end.saturating_since(r.start).as_secs_f64();
        assert!(
            d >= 3.0 * MONTH,
            "run {} lasted {} days",
            r.run,
            d / SECS_PER_DAY as f64
        );
        // Losses are made up at the monthly re-pacing and, after D, at the
        // full rate (4× the pace): well within a week.
        assert!(
            d <= 3.0 * MONTH + 7.0 * SECS_PER_DAY as f64,
            "run {} lasted {} s",
            r.run,
            d
        );
        // Finish instants are rounded to the second: within a second of
        // work at the pace (≈ 1.3e-7 of the run).
        assert!(
            r.physical_flop >= r.planned_flop * (1.0 - 1e-6),
            "run {} kept {} of {} ({} failures, {} s)",
            r.run,
            r.physical_flop,
            r.planned_flop,
            r.failures,
            d
        );
    }
}
