//! Validation against a published run: Llama 3.1 405B (Meta, 2024): 16,384
//! H100 at 989 TFLOP/s dense BF16, ≈40% MFU, ≈72 days → ≈3.8e25 FLOP;
//! ≈27 MW at ≈1.7 kW all-in per GPU (Epoch 2024); and Meta's report of more
//! than 90% effective training time with 419 unexpected interruptions in 54 days.

mod common;
use common::Bench;
use model_training::{ChipBatch, LabConfig, TrainingConfig, TrainingSignal};
use scheduler::{Dist, SECS_PER_DAY, TimePath};

fn llama_lab(failures: bool) -> LabConfig {
    let mut l = LabConfig::new("meta", &["us"]);
    l.sites[0].initial_connection_mw = 100.0;
    l.initial_accelerators = vec![ChipBatch {
        design: "H100".into(),
        count: 16_384,
        peak_flop_s_per_chip: 989e12,
        power_w_per_chip: 700.0,
        unit_price_usd: 25_000.0,
        age: scheduler::Duration::ZERO,
    }];
    l.mfu = 0.40;
    l.release_cadence_months = Dist::constant(72.0 / 30.4375);
    l.initial_target_run_flop = 1e27; // more than the cluster can do: the duration decides
    l.min_run_share_of_target = 0.01;
    l.budget_usd_per_year = TimePath::constant(0.0);
    if !failures {
        l.chip_failure_rate_per_hour = 0.0;
    }
    l
}

#[test]
fn llama_3_1_405b_compute_and_power() {
    let mut b = Bench::new(TrainingConfig::new(vec![llama_lab(false)]), 1);
    let mw = b
        .signals
        .iter()
        .find_map(|s| match s {
            TrainingSignal::PowerDemand { mw, .. } => Some(*mw),
            _ => None,
        })
        .unwrap();
    // Default site: (700 W chip + 700 W server/network) × PUE 1.2 = 1.68 kW per GPU.
    assert!((mw - 27.5).abs() < 1.0, "{mw} MW");
    b.run_until(common::days(80.0));
    let run = &b.training.runs()[0];
    assert!((run.duration_days - 72.0).abs() < 0.01);
    assert!(
        (run.physical_flop / 3.8e25 - 1.0).abs() < 0.1,
        "{:e}",
        run.physical_flop
    );
}

#[test]
fn default_failure_practice_keeps_about_ninety_percent_of_training_time() {
    let mut b = Bench::new(TrainingConfig::new(vec![llama_lab(true)]), 2);
    b.run_until(common::days(100.0));
    let run = &b.training.runs()[0];
    let rate = 16_384.0 * 989e12 * 0.40;
    let lost_days = run.lost_flop / rate / SECS_PER_DAY as f64 + run.restart_days;
    let share_lost = lost_days / run.duration_days;
    assert!(share_lost > 0.05 && share_lost < 0.15, "{share_lost}");
    // 419 unexpected interruptions in 54 days: ≈7.8 a day.
    let per_day = run.failures as f64 / (run.duration_days - run.restart_days);
    assert!((per_day - 7.8).abs() < 1.0, "{per_day}");
}
