//! Pre-training length apart from the release cadence
//! (`pretraining_months`): runs last a pre-training draw whatever the
//! cadence, and between two runs the lab releases post-trained versions of
//! its latest base every cadence draw, at its efficiency of the day.

mod common;
use common::*;
use model_training::{SECS_PER_MONTH, TrainingConfig};
use scheduler::{Dist, SimTime};

const MONTH: f64 = SECS_PER_MONTH as f64;

fn months(m: f64) -> SimTime {
    SimTime((m * MONTH).round() as u64)
}

/// The test lab with a release every month and pre-training runs of
/// `pretraining` months (none: a run per release), whose target fits its
/// cluster in a month.
fn lab_with(pretraining: Option<f64>) -> model_training::LabConfig {
    let mut l = lab("a");
    l.release_cadence_months = Dist::constant(1.0);
    l.pretraining_months = pretraining.map(Dist::constant);
    l.max_run_duration_days = 365.0;
    l.initial_target_run_flop = FULL_RATE * MONTH * 0.5;
    l.efficiency_halving_months = 8.0;
    l
}

#[test]
fn runs_last_the_pretraining_draw_and_post_trained_releases_fill_the_cadence() {
    let mut b = Bench::new(TrainingConfig::new(vec![lab_with(Some(6.0))]), 7);
    b.run_until(months(12.0) + scheduler::Duration(60));
    let runs = b.training.runs();
    // Two base runs of 6 months each, back to back.
    assert_eq!(runs.len(), 2, "{runs:?}");
    for (i, r) in runs.iter().enumerate() {
        let d = r.end.saturating_since(r.start).as_secs_f64();
        assert!(
            (d - 6.0 * MONTH).abs() <= 1.0,
            "run {i} lasted {} months",
            d / MONTH
        );
    }
    // Releases: the first base at 6 months, post-trained versions of it at
    // 7, 8, 9, 10 and 11, the second base at 12.
    let rel = b.training.releases();
    let at: Vec<f64> = rel
        .iter()
        .map(|r| (r.at.0 as f64 / MONTH * 1e3).round() / 1e3)
        .collect();
    assert_eq!(at, [6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0], "{rel:?}");
    let base = runs[0].physical_flop;
    for r in &rel[1..6] {
        // The base's physical FLOP at the lab's efficiency on the day:
        // 2^(months / 8) with no spillover.
        assert_eq!(r.physical_flop, base);
        let m = r.at.0 as f64 / MONTH;
        let expected = base * scheduler::math::exp2(m / 8.0);
        assert!((r.effective_flop / expected - 1.0).abs() < 1e-9, "{r:?}");
    }
    assert_eq!(rel[6].physical_flop, runs[1].physical_flop);
    assert!(rel.windows(2).all(|w| w[1].effective_flop > w[0].effective_flop));
    let numbers: Vec<u64> = rel.iter().map(|r| r.number).collect();
    assert_eq!(numbers, [0, 1, 2, 3, 4, 5, 6]);
}

#[test]
fn without_pretraining_each_release_is_a_run_of_a_cadence() {
    // The same lab without the field: a run a month, each released.
    let mut b = Bench::new(TrainingConfig::new(vec![lab_with(None)]), 7);
    b.run_until(months(6.0) + scheduler::Duration(60));
    assert_eq!(b.training.runs().len(), 6);
    assert_eq!(b.training.releases().len(), 6);
}

#[test]
fn the_run_length_is_independent_of_the_cadence() {
    // Cadence 2 or 5 months: base runs of 4 months either way.
    for cadence in [2.0, 5.0] {
        let mut l = lab_with(Some(4.0));
        l.release_cadence_months = Dist::constant(cadence);
        let mut b = Bench::new(TrainingConfig::new(vec![l]), 7);
        b.run_until(months(12.0) + scheduler::Duration(60));
        let runs = b.training.runs();
        assert_eq!(runs.len(), 3, "cadence {cadence}: {runs:?}");
        for r in runs {
            let d = r.end.saturating_since(r.start).as_secs_f64();
            assert!(
                (d - 4.0 * MONTH).abs() <= 1.0,
                "cadence {cadence}: {} months",
                d / MONTH
            );
        }
        // Post-trained releases: with a 2-month cadence one between two
        // bases (at 6 and 10 months); with 5 months none (9 is past the
        // next base's due time... 4 + 5 = 9 > 8).
        let posts = b.training.releases().len() - runs.len();
        assert_eq!(posts, if cadence == 2.0 { 2 } else { 0 }, "cadence {cadence}");
    }
}

#[test]
fn a_lab_without_accelerators_releases_no_post_trained_versions() {
    // The lab's chips retire at 8.5 months, in its second pre-training run:
    // the first base (6 months) is post-trained at 7 and 8; the second
    // base, trained until 8.5, is released at its due time (12), and
    // nothing after, though the lab's algorithms keep improving. Before,
    // it released 9, 10 and 11 as well, and one a month after 12, on bases
    // no chip of its own held any more (audit s34, finding 1).
    let mut cfg = TrainingConfig::new(vec![lab_with(Some(6.0))]);
    cfg.chip_service_life_years = 8.5 / 12.0;
    let mut b = Bench::new(cfg, 7);
    b.run_until(months(24.0));
    let a = b.lab("a");
    assert_eq!(b.training.accelerators_installed(a), Some(0.0));
    let at: Vec<f64> = b
        .training
        .releases()
        .iter()
        .map(|r| (r.at.0 as f64 / MONTH * 1e3).round() / 1e3)
        .collect();
    assert_eq!(at, [6.0, 7.0, 8.0, 12.0]);
}
