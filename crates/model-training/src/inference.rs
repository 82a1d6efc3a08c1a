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
use scheduler::math;

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
        self.target + (self.share_at_anchor - self.target) * math::exp(-self.rate_per_s * dt)
    }

    /// `∫ min(k, s(from + u) − s(from)) du` over `u ∈ [u0, u1]` (seconds
    /// after `from`, `0 ≤ u0 ≤ u1`, `k ≥ 0`): how much of a training share
    /// `k` of the peak inference serves (what is left after inference at
    /// `from`) the rise of the share after `from` takes, share × seconds. Inference
    /// is served first, so it takes training's share up to all of it.
    /// Exactly 0 while the share does not move (before the first release,
    /// with a maximum share of 0, or at the maximum); negative (a gain) if
    /// it falls. `k = ∞` gives the whole rise `∫ (s − s(from))`.
    pub fn rise_taken(&self, from: SimTime, u0: f64, u1: f64, k: f64) -> f64 {
        let rise = self.target - self.share_at(from);
        let r = self.rate_per_s;
        if rise == 0.0 || r == 0.0 || u1 <= u0 {
            return 0.0;
        }
        // ∫ rise × (1 − e^{−r u}) du over [a, b].
        let uncapped = |a: f64, b: f64| rise * ((b - a) + math::exp(-r * a) * math::exp_m1(-r * (b - a)) / r);
        if rise < 0.0 || k >= rise {
            return uncapped(u0, u1);
        }
        // The rise reaches `k` at u* (0 with nothing left to take).
        let at = if k > 0.0 { -math::ln_1p(-k / rise) / r } else { 0.0 };
        let at = at.clamp(u0, u1);
        uncapped(u0, at) + k * (u1 - at)
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
        assert!((closed.share_at(t) - 0.3 * (1.0 - math::exp(-1.0f64))).abs() < 1e-12);
        assert!((open.share_at(t) - 0.3 * (1.0 - math::exp(-2.0f64))).abs() < 1e-12);
        assert!(open.share_at(SimTime(600 * SECS_PER_MONTH)) <= 0.3 + 1e-12);
    }

    /// `rise_taken` against a midpoint sum of `min(k, s(t) − s(from))`.
    #[test]
    fn the_rise_taken_is_the_integral_of_the_capped_rise() {
        let mut a = Adoption::new();
        assert_eq!(a.rise_taken(SimTime(5), 0.0, 1e7, 1.0), 0.0);
        a.on_release(SimTime::ZERO, 0.3, 1.0, 1.0);
        let from = SimTime(SECS_PER_MONTH / 4);
        for (u0, u1, k) in [
            (0.0, 4e6, 1.0f64),
            (0.0, 8e6, 0.1),
            (1e6, 8e6, 0.05),
            (2e6, 3e6, 0.0),
        ] {
            let n = 100_000;
            let du = (u1 - u0) / n as f64;
            let s0 = a.share_at(from);
            let sum: f64 = (0..n)
                .map(|i| {
                    let u = u0 + (i as f64 + 0.5) * du;
                    let s = a.target + (s0 - a.target) * math::exp(-a.rate_per_s * u);
                    k.min(s - s0) * du
                })
                .sum();
            let got = a.rise_taken(from, u0, u1, k);
            assert!(
                (got - sum).abs() <= 1e-6 * sum.abs().max(1.0),
                "{u0} {u1} {k}: {got} vs {sum}"
            );
        }
    }
}
