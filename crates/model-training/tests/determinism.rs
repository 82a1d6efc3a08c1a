//! Determinism: the same seed gives the same run, byte for byte; another
//! seed gives another (failures and release cadence are stochastic).

mod common;
use common::*;
use model_training::TrainingConfig;
use scheduler::{Dist, SimTime};

fn trace(seed: u64) -> String {
    let mut labs = vec![lab("a"), lab("b"), lab("c")];
    for (i, l) in labs.iter_mut().enumerate() {
        l.release_cadence_months = Dist::Triangular {
            low: 1.0,
            mode: 2.0,
            high: 4.0,
        };
        l.chip_failure_rate_per_hour = 1e-5;
        l.restart_overhead_hours = 1.0;
        l.open_share = i as f64 / 2.0;
        l.compute_growth_per_year = 2.0;
        l.initial_efficiency_multiplier = 1.0 + i as f64;
    }
    let mut b = Bench::new(TrainingConfig::new(labs), seed);
    let mut out = String::new();
    let month = model_training::SECS_PER_MONTH;
    for m in 1..=24 {
        b.run_until(SimTime(m * month));
        for (k, e, v) in b.sample() {
            out.push_str(&format!("{m},{k},{e},{v:?}\n"));
        }
    }
    out.push_str(&format!(
        "{:?}\n{:?}\n{:?}",
        b.training.releases(),
        b.training.runs(),
        b.signals
    ));
    out
}

#[test]
fn same_seed_same_bytes_other_seed_other_run() {
    let a = trace(42);
    assert_eq!(a, trace(42));
    assert_ne!(a, trace(43));
}
