//! Algorithmic progress: each lab's efficiency multiplier, which grows with
//! a halving time of compute-for-fixed-capability, jumps on spillovers, and
//! turns physical FLOP into effective FLOP and capability.
//!
//! The multiplier is kept as its base-2 logarithm `L`: `L(t) = L(a) + (t − a) / h`,
//! with `h` the halving time. A spillover of share `s` from a releaser whose
//! log multiplier was `L_r` at its release moves the absorber to
//! `L + s · max(0, L_r − L)`: part of the way toward the releaser, never back.

use crate::SECS_PER_MONTH;
use scheduler::math;
use scheduler::{Interp, SimTime, TimePath};

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

/// The world frontier of effective compute (log10 FLOP at start-date
/// algorithms) from a frontier of *physical* compute and the world's
/// algorithmic progress, a halving time `halving_months` of the compute a
/// fixed capability needs, counted from the start (time zero, where the two
/// agree):
///
/// `effective(t) = physical(t) + log10(2) · t / halving_months`.
///
/// The world term is linear in time, so each point of a linear `physical`
/// path is shifted by it and the result is exact between points; beyond the
/// ends, where the frontier is extended at the path's average slope
/// ([`crate::frontier_log10_at`]), that slope is the physical path's plus
/// the world's, so the extension is exact too. A path of one point (a
/// constant) gets a second point a year later, so that the world's progress
/// still sets the slope. `None` for a step path that changes value (a step
/// plus a line is no path of points) or a halving time that is not finite
/// and above zero.
pub fn frontier_with_world_progress(physical: &TimePath, halving_months: f64) -> Option<TimePath> {
    if !(halving_months.is_finite() && halving_months > 0.0) {
        return None;
    }
    let per_sec = std::f64::consts::LOG10_2 / (halving_months * SECS_PER_MONTH as f64);
    let pts = physical.points();
    let steps = physical.interp() == Interp::Step && pts.windows(2).any(|w| w[1].1 != w[0].1);
    if steps {
        return None;
    }
    let mut shifted: Vec<(SimTime, f64)> = pts.iter().map(|&(t, v)| (t, v + per_sec * t.0 as f64)).collect();
    if let [(t, v)] = pts {
        let later = SimTime(t.0 + scheduler::SECS_PER_YEAR);
        shifted.push((later, v + per_sec * later.0 as f64));
    }
    TimePath::new(shifted, Interp::Linear)
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

    /// Known answer: the effective frontier is the physical path plus
    /// `log10(2) · t / h`, at the points, between them and beyond both ends
    /// (where the frontier is extended at its average slope).
    #[test]
    fn world_progress_adds_log10_2_per_halving_time() {
        let year = scheduler::SECS_PER_YEAR;
        let physical = TimePath::new(
            vec![
                (SimTime::ZERO, 26.7),
                (SimTime(2 * year), 28.0),
                (SimTime(10 * year), 33.2),
            ],
            Interp::Linear,
        )
        .unwrap();
        let h = 6.5;
        let eff = frontier_with_world_progress(&physical, h).unwrap();
        let phys_at = |t: SimTime| crate::frontier_log10_at(&physical, t);
        for months in [0.0, 1.0, 8.0, 24.0, 37.5, 120.0, 150.0, 400.0] {
            let t = SimTime((months * SECS_PER_MONTH as f64) as u64);
            let want = phys_at(t) + std::f64::consts::LOG10_2 * (t.0 as f64 / SECS_PER_MONTH as f64) / h;
            let got = crate::frontier_log10_at(&eff, t);
            assert!((got - want).abs() < 1e-9, "{months} months: {got} vs {want}");
        }
        // A constant physical frontier rises by the world's progress alone.
        let flat = frontier_with_world_progress(&TimePath::constant(25.0), 8.0).unwrap();
        let t = SimTime(8 * SECS_PER_MONTH);
        assert!((crate::frontier_log10_at(&flat, t) - (25.0 + std::f64::consts::LOG10_2)).abs() < 1e-12);
        assert!(
            (crate::frontier_log10_at(&flat, SimTime(30 * t.0)) - (25.0 + 30.0 * std::f64::consts::LOG10_2))
                .abs()
                < 1e-9
        );
        // A step path that changes, or a halving time out of range: none.
        let step = TimePath::new(vec![(SimTime::ZERO, 1.0), (SimTime(year), 2.0)], Interp::Step).unwrap();
        assert_eq!(frontier_with_world_progress(&step, 8.0), None);
        assert_eq!(frontier_with_world_progress(&physical, 0.0), None);
        assert_eq!(frontier_with_world_progress(&physical, f64::NAN), None);
    }

    /// A lab on the world's rate keeps a constant gap to a frontier whose
    /// physical compute grows as the lab's does: the world term and the
    /// lab's efficiency grow alike, so the gap in orders of magnitude, and
    /// in months, never moves.
    #[test]
    fn a_lab_at_the_world_rate_keeps_its_gap() {
        let year = scheduler::SECS_PER_YEAR;
        let h = 7.0;
        // Physical frontier x4.5 a year from 1e27; the lab's runs x4.5 a year from 1e26.
        let growth = math::log10(4.5);
        let physical = TimePath::new(
            vec![(SimTime::ZERO, 27.0), (SimTime(10 * year), 27.0 + 10.0 * growth)],
            Interp::Linear,
        )
        .unwrap();
        let eff = frontier_with_world_progress(&physical, h).unwrap();
        let lab = Efficiency::new(1.0, h);
        let gaps: Vec<f64> = (0..=20)
            .map(|half_years| {
                let t = SimTime(half_years * year / 2);
                let run_log10 = 26.0 + growth * t.0 as f64 / year as f64;
                let capability = run_log10 + lab.log2_at(t) * std::f64::consts::LOG10_2;
                crate::months_behind_frontier(&eff, t, capability).unwrap()
            })
            .collect();
        for g in &gaps {
            assert!((g - gaps[0]).abs() < 1e-6, "{gaps:?}");
        }
        // One order of magnitude at (growth + world) orders a year.
        let world = 12.0 / h * std::f64::consts::LOG10_2;
        assert!((gaps[0] - 12.0 / (growth + world)).abs() < 1e-6, "{}", gaps[0]);
    }
}
