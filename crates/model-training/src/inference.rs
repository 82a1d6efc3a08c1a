//! Inference: released models draw a growing share of a lab's accelerators.
//!
//! The share `s(t)` relaxes exponentially toward the configured maximum
//! after each release: `s(t) = S + (s(a) − S)·exp(−(t − a)/τ)`, anchored at
//! the release `a`, with `τ` the adoption time, divided by the open-weight
//! speed-up for open releases. Before the first release the share is 0.
//! Inference is served before training: under a power limit it keeps its
//! chips and training gets what is left.

use crate::SECS_PER_MONTH;
use scheduler::SimTime;

/// A lab's inference adoption.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Adoption {
    share_at_anchor: f64,
    anchor: SimTime,
    target: f64,
    /// 1/τ, per second.
    rate_per_s: f64,
}

impl Adoption {
    /// No released model yet: share 0.
    pub fn new() -> Adoption {
        Adoption {
            share_at_anchor: 0.0,
            anchor: SimTime::ZERO,
            target: 0.0,
            rate_per_s: 0.0,
        }
    }

    /// Share of installed accelerators serving inference at `t`, 0..1.
    pub fn share_at(&self, t: SimTime) -> f64 {
        let dt = t.saturating_since(self.anchor).as_secs_f64();
        self.target + (self.share_at_anchor - self.target) * (-self.rate_per_s * dt).exp()
    }

    /// A release at `t`: adoption restarts toward `max_share`, `speedup`
    /// times faster than the adoption time (open weights).
    pub fn on_release(&mut self, t: SimTime, max_share: f64, adoption_time_months: f64, speedup: f64) {
        self.share_at_anchor = self.share_at(t);
        self.anchor = t;
        self.target = max_share;
        self.rate_per_s = speedup / (adoption_time_months * SECS_PER_MONTH as f64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_weights_are_adopted_faster() {
        let tau = 6.0;
        let mut closed = Adoption::new();
        let mut open = Adoption::new();
        assert_eq!(closed.share_at(SimTime(1000)), 0.0);
        closed.on_release(SimTime::ZERO, 0.3, tau, 1.0);
        open.on_release(SimTime::ZERO, 0.3, tau, 2.0);
        let t = SimTime(6 * SECS_PER_MONTH);
        // One time constant: 1 − e^−1 of the way; open: two time constants.
        assert!((closed.share_at(t) - 0.3 * (1.0 - (-1.0f64).exp())).abs() < 1e-12);
        assert!((open.share_at(t) - 0.3 * (1.0 - (-2.0f64).exp())).abs() < 1e-12);
        assert!(open.share_at(SimTime(600 * SECS_PER_MONTH)) <= 0.3 + 1e-12);
    }
}
