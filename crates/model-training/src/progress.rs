//! Algorithmic progress: each lab's efficiency multiplier, which grows with
//! a halving time of compute-for-fixed-capability, jumps on spillovers, and
//! turns physical FLOP into effective FLOP and capability.
//!
//! The multiplier is kept as its base-2 logarithm `L`: `L(t) = L(a) + (t − a) / h`,
//! with `h` the halving time. A spillover of share `s` from a releaser whose
//! log multiplier was `L_r` at its release moves the absorber to
//! `L + s · max(0, L_r − L)`: part of the way toward the releaser, never back.

use crate::SECS_PER_MONTH;
use scheduler::SimTime;
use scheduler::math;

/// A lab's algorithmic efficiency over time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Efficiency {
    log2_at_anchor: f64,
    anchor: SimTime,
    /// Halving time of compute needed for a fixed capability, seconds.
    halving_s: f64,
}

impl Efficiency {
    /// Starts at `initial_multiplier` at time zero.
    pub fn new(initial_multiplier: f64, halving_months: f64) -> Efficiency {
        Efficiency {
            log2_at_anchor: math::log2(initial_multiplier),
            anchor: SimTime::ZERO,
            halving_s: halving_months * SECS_PER_MONTH as f64,
        }
    }

    /// log2 of the multiplier at `t` (t not before the last jump).
    pub fn log2_at(&self, t: SimTime) -> f64 {
        let dt = t.0 as f64 - self.anchor.0 as f64;
        self.log2_at_anchor + dt / self.halving_s
    }

    /// The multiplier at `t`: effective FLOP per physical FLOP.
    pub fn multiplier_at(&self, t: SimTime) -> f64 {
        math::exp2(self.log2_at(t))
    }

    /// Absorbs a release at `now`: closes `share` of the gap to
    /// `releaser_log2`. Returns the jump in log2 multiplier (≥ 0).
    pub fn absorb(&mut self, now: SimTime, releaser_log2: f64, share: f64) -> f64 {
        let own = self.log2_at(now);
        let jump = share * (releaser_log2 - own).max(0.0);
        self.log2_at_anchor = own + jump;
        self.anchor = now;
        jump
    }
}

/// Capability of a model: log10 of its effective training compute
/// (physical FLOP × the lab's efficiency multiplier at release), in orders
/// of magnitude of FLOP at start-date algorithms. A documented, monotone
/// stand-in for benchmark scores; differences are what matter (one unit =
/// ten times the effective compute). `None` for non-positive compute.
pub fn capability_from_effective_flop(effective_flop: f64) -> Option<f64> {
    (effective_flop > 0.0 && effective_flop.is_finite()).then(|| math::log10(effective_flop))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_compute_every_halving_time() {
        let e = Efficiency::new(1.0, 8.0);
        let t = SimTime(8 * SECS_PER_MONTH);
        assert!((e.multiplier_at(t) - 2.0).abs() < 1e-12);
        assert!((e.multiplier_at(SimTime(24 * SECS_PER_MONTH)) - 8.0).abs() < 1e-9);
    }

    #[test]
    fn absorb_moves_part_way_and_never_back() {
        let mut e = Efficiency::new(1.0, 8.0);
        let jump = e.absorb(SimTime::ZERO, 4.0, 0.25);
        assert_eq!(jump, 1.0);
        assert!((e.multiplier_at(SimTime::ZERO) - 2.0).abs() < 1e-12);
        assert_eq!(e.absorb(SimTime::ZERO, -3.0, 1.0), 0.0);
        assert!((e.multiplier_at(SimTime(8 * SECS_PER_MONTH)) - 4.0).abs() < 1e-9);
    }

    #[test]
    fn capability_is_log10() {
        assert_eq!(capability_from_effective_flop(1e25), Some(25.0));
        assert_eq!(capability_from_effective_flop(0.0), None);
        assert_eq!(capability_from_effective_flop(f64::NAN), None);
    }
}
