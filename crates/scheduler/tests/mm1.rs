//! An M/M/1 queue on the public API reproduces queueing theory: the mean time
//! in system is 1/(μ−λ) = 5 s within a 99% batch-means confidence interval,
//! over a million customers, on every backend, with identical results.

mod common;

use common::run_mm1;
use scheduler::{AutoQueue, HeapQueue, IndexedQueue, InlineRadixQueue, RadixQueue};

/// Customers discarded while the queue warms up from empty.
const WARM_UP: usize = 20_000;
/// Customers measured: 20 batches of 50,000 (batches much longer than the
/// queue's correlation time, ~100 customers at ρ = 0.8).
const BATCHES: usize = 20;
const BATCH: usize = 50_000;
/// Student t, 99% two-sided, 19 degrees of freedom.
const T_995_19: f64 = 2.861;

#[test]
fn mm1_mean_time_in_system_matches_theory_on_every_backend() {
    let (m, s) = run_mm1::<HeapQueue>(20_251_128, WARM_UP + BATCHES * BATCH);
    let measured = &m.sojourn_ticks[WARM_UP..];
    assert_eq!(measured.len(), BATCHES * BATCH);
    let batch_means: Vec<f64> = measured
        .chunks_exact(BATCH)
        .map(|b| b.iter().sum::<u64>() as f64 / BATCH as f64 / 1000.0)
        .collect();
    let mean = batch_means.iter().sum::<f64>() / BATCHES as f64;
    let var = batch_means.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (BATCHES - 1) as f64;
    let half_width = T_995_19 * (var / BATCHES as f64).sqrt();
    let expected = 1.0 / (1.0 - 0.8);
    eprintln!("M/M/1: mean time in system {mean:.4} s ± {half_width:.4} (99%), theory {expected}");
    assert!(
        (mean - expected).abs() <= half_width,
        "mean time in system {mean:.4} s, 99% CI ±{half_width:.4}, theory {expected}"
    );
    // The interval is informative: a biased engine (say, LIFO ties or a
    // lost event) could not hide in it.
    assert!(half_width < 0.25, "CI too wide to test anything: ±{half_width}");
    assert!(s.events_processed() >= 2 * measured.len() as u64);

    // Every backend gives exactly the same customers' times.
    assert_eq!(
        m.sojourn_ticks,
        run_mm1::<IndexedQueue>(20_251_128, m.sojourn_ticks.len())
            .0
            .sojourn_ticks
    );
    assert_eq!(
        m.sojourn_ticks,
        run_mm1::<RadixQueue>(20_251_128, m.sojourn_ticks.len())
            .0
            .sojourn_ticks
    );
    assert_eq!(
        m.sojourn_ticks,
        run_mm1::<AutoQueue>(20_251_128, m.sojourn_ticks.len())
            .0
            .sojourn_ticks
    );
    assert_eq!(
        m.sojourn_ticks,
        run_mm1::<InlineRadixQueue>(20_251_128, m.sojourn_ticks.len())
            .0
            .sojourn_ticks
    );
}
