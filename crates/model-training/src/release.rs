//! Releases: what a finished run puts into the world, whether it is open,
//! and how far it stands behind an exogenous world frontier, in months.

use crate::{LabId, SECS_PER_MONTH};
use scheduler::{Interp, SimTime, TimePath};

/// One model release (also sent as [`crate::TrainingSignal::Released`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Release {
    /// The releasing lab.
    pub lab: LabId,
    /// The lab's release number (0, 1, …).
    pub number: u64,
    /// Release date.
    pub at: SimTime,
    /// Open weights (`true`) or closed.
    pub open: bool,
    /// Physical training compute of the model, FLOP.
    pub physical_flop: f64,
    /// Physical FLOP × the lab's efficiency multiplier at release, plus
    /// what the run inherited from its open base model (`base`), FLOP.
    pub effective_flop: f64,
    /// log10 of effective FLOP (see [`crate::capability_from_effective_flop`]).
    pub capability: f64,
    /// Months the world frontier was ahead of this model at release (negative
    /// when the model is ahead); `None` without a frontier path, or when the
    /// path is flat and does not reach the capability.
    pub frontier_gap_months: Option<f64>,
    /// The open release of another lab that the run built on, chosen when
    /// it started (see [`crate::LabConfig::open_base_share`]); `None` when
    /// the lab's share is 0 or no open release was available to it.
    pub base: Option<OpenBase>,
}

/// The open base model a run built on, and what its release inherited.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OpenBase {
    /// The lab that released the base.
    pub lab: LabId,
    /// The base's release number at that lab ([`Release::number`]).
    pub number: u64,
    /// The base's effective FLOP ([`Release::effective_flop`]).
    pub base_effective_flop: f64,
    /// The part of the new release's effective FLOP inherited from the base:
    /// the building lab's `open_base_share` × `base_effective_flop`, FLOP.
    pub inherited_effective_flop: f64,
}

/// Whether release number `n` (from 0) is open under the quota `open_share`:
/// after `k` releases, exactly ⌊k × share⌋ have been open.
pub(crate) fn is_open(n: u64, open_share: f64) -> bool {
    let before = (n as f64 * open_share + 1e-9).floor();
    let after = ((n + 1) as f64 * open_share + 1e-9).floor();
    after > before
}

/// Months between the instant the world frontier `path` (log10 effective
/// FLOP over time, non-decreasing) first reaches `capability` and `t`:
/// positive when the frontier got there earlier (the model is behind).
/// Beyond the path's ends the path is extended by its average slope; `None`
/// when that slope is zero and the capability is outside the path's values.
pub fn months_behind_frontier(path: &TimePath, t: SimTime, capability: f64) -> Option<f64> {
    let reached = first_reached_secs(path, capability)?;
    Some((t.0 as f64 - reached) / SECS_PER_MONTH as f64)
}

/// The path's average slope, from its first point to its last, per
/// second: how the world frontier is extended beyond its ends (0 for a
/// path of one point or none).
pub fn frontier_slope_per_sec(path: &TimePath) -> f64 {
    let pts = path.points();
    match (pts.first(), pts.last()) {
        (Some(first), Some(last)) if last.0 > first.0 => {
            (last.1 - first.1) / (last.0.0 as f64 - first.0.0 as f64)
        }
        _ => 0.0,
    }
}

/// The world frontier `path` (log10 effective FLOP) at `t`: the path's
/// value within its points, and beyond its ends the path extended by its
/// average slope ([`frontier_slope_per_sec`]), as the gaps
/// ([`months_behind_frontier`]) extend it, so that the `world` series and
/// every gap measure against the same frontier.
pub fn frontier_log10_at(path: &TimePath, t: SimTime) -> f64 {
    let pts = path.points();
    let slope = frontier_slope_per_sec(path);
    match (pts.first(), pts.last()) {
        (Some(first), _) if t < first.0 => first.1 - slope * (first.0.0 - t.0) as f64,
        (_, Some(last)) if t > last.0 => last.1 + slope * (t.0 - last.0.0) as f64,
        _ => path.at(t),
    }
}

/// The earliest time (seconds, possibly negative or past the path) at which
/// `path` reaches `value`.
fn first_reached_secs(path: &TimePath, value: f64) -> Option<f64> {
    let pts = path.points();
    let (first, last) = (*pts.first()?, *pts.last()?);
    let slope = frontier_slope_per_sec(path);
    if value <= first.1 {
        return if value == first.1 {
            Some(first.0.0 as f64)
        } else if slope > 0.0 {
            Some(first.0.0 as f64 - (first.1 - value) / slope)
        } else {
            None
        };
    }
    for w in pts.windows(2) {
        let ((t0, v0), (t1, v1)) = (w[0], w[1]);
        if v0 < value && value <= v1 {
            return Some(match path.interp() {
                Interp::Step => t1.0 as f64,
                Interp::Linear => t0.0 as f64 + (value - v0) / (v1 - v0) * (t1.0 - t0.0) as f64,
            });
        }
    }
    (slope > 0.0).then(|| last.0.0 as f64 + (value - last.1) / slope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_quota_is_exact() {
        let opens = |share: f64| (0..10).filter(|&n| is_open(n, share)).count();
        assert_eq!(opens(0.0), 0);
        assert_eq!(opens(1.0), 10);
        assert_eq!(opens(0.5), 5);
        assert_eq!(opens(0.3), 3);
        assert!(!is_open(0, 0.5) && is_open(1, 0.5));
    }

    #[test]
    fn gap_inverts_a_linear_frontier() {
        let year = scheduler::SECS_PER_YEAR;
        // Frontier: 26 at t=0, 28 at t=2 years (one order of magnitude a year).
        let path = TimePath::new(
            vec![(SimTime(0), 26.0), (SimTime(2 * year), 28.0)],
            Interp::Linear,
        )
        .unwrap();
        let t = SimTime(year);
        // At t = 1 year the frontier is at 27; a model at 26.5 is 6 months behind.
        assert!((months_behind_frontier(&path, t, 26.5).unwrap() - 6.0).abs() < 1e-9);
        assert!((months_behind_frontier(&path, t, 27.0).unwrap()).abs() < 1e-9);
        // Ahead of the frontier: negative.
        assert!((months_behind_frontier(&path, t, 27.25).unwrap() + 3.0).abs() < 1e-9);
        // Extrapolated beyond both ends.
        assert!((months_behind_frontier(&path, t, 25.0).unwrap() - 24.0).abs() < 1e-9);
        assert!((months_behind_frontier(&path, t, 29.0).unwrap() + 24.0).abs() < 1e-9);
        let flat = TimePath::constant(26.0);
        assert_eq!(months_behind_frontier(&flat, t, 27.0), None);
    }
}
