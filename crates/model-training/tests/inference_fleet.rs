//! Inference is a share of the accelerators a site's connection can run,
//! not of every accelerator installed: chips that wait for a connection
//! serve no one, so they must not draw inference load onto the powered
//! chips. Until the fifteenth session the share was of the installed peak,
//! and a lab under a connection cap trained less the more chips it bought
//! (us-2025: a longer service life kept more unpowered H100s, which cut
//! the 2030 largest run).

mod common;
use common::*;
use model_training::{SECS_PER_MONTH, TrainingConfig};
use scheduler::SECS_PER_DAY;

/// The test lab with inference at 0.3 of the chips (adopted within an hour
/// of its first release, at day 10) and a connection that runs exactly
/// its 1,000 chips, brought to day 20.
fn a_lab_at_its_connection_with_inference() -> Bench {
    let mut l = lab("a");
    l.sites[0].initial_connection_mw = FULL_MW;
    let mut cfg = TrainingConfig::new(vec![l]);
    cfg.inference.max_share_of_chips = 0.3;
    cfg.inference.adoption_time_months = 3600.0 / SECS_PER_MONTH as f64;
    let mut b = Bench::new(cfg, 1);
    b.run_until(days(20.0));
    assert!(
        !b.training.runs().is_empty(),
        "the first run was released at day 10"
    );
    b
}

#[test]
fn chips_waiting_for_a_connection_draw_no_inference_load() {
    let mut b = a_lab_at_its_connection_with_inference();
    let id = b.lab("a");
    let before = b.training.training_rate_flop_s(id).unwrap();
    // Inference holds 0.3 of the powered chips, training the rest.
    let want = 0.7 * FULL_RATE;
    assert!(
        (before / want - 1.0).abs() < 1e-9,
        "training {before:e} FLOP/s, want {want:e}"
    );
    // 1,000 more chips, which the full connection cannot run.
    b.run_until(days(21.0));
    b.training
        .accelerators_delivered(id, batch(CHIPS), &mut b.sched, &mut b.signals)
        .unwrap();
    assert_eq!(b.training.accelerators_installed(id), Some(2.0 * CHIPS as f64));
    let after = b.training.training_rate_flop_s(id).unwrap();
    assert!(
        (after / before - 1.0).abs() < 1e-9,
        "unpowered chips cut training from {before:e} to {after:e} FLOP/s"
    );
}

#[test]
fn a_grid_cut_still_takes_training_first_and_the_lost_compute_adds_up() {
    // With the connection short of the chips, what power takes from
    // training is the full-power training rate (every chip powered, less
    // inference at the share of all of them) less the training rate.
    let mut b = a_lab_at_its_connection_with_inference();
    let id = b.lab("a");
    b.run_until(days(21.0));
    b.training
        .accelerators_delivered(id, batch(CHIPS), &mut b.sched, &mut b.signals)
        .unwrap();
    // The grid serves half the connection: 500 chips run; inference keeps
    // 0.3 of the 1,000 the connection can run.
    b.serve("a", FULL_MW / 2.0);
    let rate = b.training.training_rate_flop_s(id).unwrap();
    let want = (500.0 - 300.0) * CHIP_FLOP_S * MFU;
    assert!(
        (rate / want - 1.0).abs() < 1e-9,
        "training {rate:e} FLOP/s, want {want:e}"
    );
    // Ten days at that: full training would be 0.7 × 2,000 chips.
    b.run_until(days(31.0));
    b.sample();
    let mut s = Vec::new();
    b.training.summary_scalars(&mut |k, v| s.push((k.to_string(), v)));
    let lost = s
        .iter()
        .find(|x| x.0 == "training.flop_lost_power_total")
        .map(|x| x.1)
        .expect("lost to power");
    // Days 20–21 lost nothing (1,000 chips, all powered); days 21–31 lost
    // (1,400 − 200) chips' worth of training.
    let want = (1400.0 - 200.0) * CHIP_FLOP_S * MFU * 10.0 * SECS_PER_DAY as f64;
    assert!(
        (lost / want - 1.0).abs() < 1e-6,
        "lost {lost:e} FLOP, want {want:e}"
    );
}
