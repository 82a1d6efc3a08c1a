//! What the seeded explorers (`limits.rs`, `mutated_examples.rs`) share,
//! included by `#[path]` in those two alone: reproducible draws, their
//! settings from the environment, and the verdict on one run.

use stack::Scenario;
use stack::run::{RunOptions, run};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Uniform draws in [0, 1) from a seed (xorshift64: they need only be
/// reproducible, not good).
pub struct Draws(u64);

impl Draws {
    pub fn new(seed: u64) -> Draws {
        Draws(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> f64 {
        let x = &mut self.0;
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        (*x >> 11) as f64 / (1u64 << 53) as f64
    }

    /// An index below `k` (> 0).
    pub fn index(&mut self, k: usize) -> usize {
        ((self.next() * k as f64) as usize).min(k - 1)
    }
}

/// The number in environment variable `key`, else `default`.
pub fn env_u64(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs `s` with `seed`: `None` if it ran to its end or stopped with one of
/// the errors a run may meet by design (the adequacy project limit, the
/// event budget); else what went wrong (a panic, another error).
pub fn run_fault(s: &Scenario, seed: u64) -> Option<String> {
    let opts = RunOptions {
        seed: Some(seed),
        ..RunOptions::default()
    };
    match catch_unwind(AssertUnwindSafe(|| run(s, &opts))) {
        Err(_) => Some("the run panicked".to_string()),
        Ok(Ok(_)) => None,
        Ok(Err(e)) => {
            let e = e.to_string();
            let by_design = ["more than a run may hold", "event budget"];
            (!by_design.iter().any(|m| e.contains(m))).then_some(e)
        }
    }
}
