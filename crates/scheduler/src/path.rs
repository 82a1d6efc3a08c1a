//! Time paths: a quantity that changes over the horizon (demand growth, an
//! import quota, additions per year), as points joined by steps or lines.

use crate::time::SimTime;

/// How a [`TimePath`] fills the time between its points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interp {
    /// Holds each point's value until the next point.
    Step,
    /// Joins points by straight lines.
    Linear,
}

/// A piecewise value over simulated time. Before the first point it takes the
/// first value; after the last, the last value. A path with one point is a
/// constant.
#[derive(Clone, Debug, PartialEq)]
pub struct TimePath {
    points: Vec<(SimTime, f64)>,
    interp: Interp,
}

impl TimePath {
    /// A constant path.
    pub fn constant(value: f64) -> TimePath {
        TimePath {
            points: vec![(SimTime::ZERO, value)],
            interp: Interp::Step,
        }
    }
    /// A path through `points` (sorted by time, at least one, finite values).
    /// `None` if empty, unsorted or not finite.
    pub fn new(points: Vec<(SimTime, f64)>, interp: Interp) -> Option<TimePath> {
        let sorted = points.windows(2).all(|w| w[0].0 <= w[1].0);
        let finite = points.iter().all(|p| p.1.is_finite());
        (!points.is_empty() && sorted && finite).then_some(TimePath { points, interp })
    }
    /// The points.
    pub fn points(&self) -> &[(SimTime, f64)] {
        &self.points
    }
    /// The interpolation.
    pub fn interp(&self) -> Interp {
        self.interp
    }
    /// The value at `t`.
    pub fn at(&self, t: SimTime) -> f64 {
        let i = self.points.partition_point(|p| p.0 <= t);
        if i == 0 {
            return self.points[0].1;
        }
        let (t0, v0) = self.points[i - 1];
        match (self.interp, self.points.get(i)) {
            (Interp::Linear, Some(&(t1, v1))) if t1 > t0 => {
                let w = (t.0 - t0.0) as f64 / (t1.0 - t0.0) as f64;
                v0 + w * (v1 - v0)
            }
            _ => v0,
        }
    }
    /// The largest value the path takes.
    pub fn max(&self) -> f64 {
        self.points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max)
    }
    /// The smallest value the path takes.
    pub fn min(&self) -> f64 {
        self.points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_and_linear() {
        let pts = vec![(SimTime(10), 1.0), (SimTime(20), 3.0)];
        let step = TimePath::new(pts.clone(), Interp::Step).unwrap();
        let lin = TimePath::new(pts, Interp::Linear).unwrap();
        assert_eq!(step.at(SimTime(0)), 1.0);
        assert_eq!(step.at(SimTime(15)), 1.0);
        assert_eq!(step.at(SimTime(20)), 3.0);
        assert_eq!(lin.at(SimTime(15)), 2.0);
        assert_eq!(lin.at(SimTime(99)), 3.0);
        assert!(TimePath::new(vec![], Interp::Step).is_none());
        assert!(TimePath::new(vec![(SimTime(2), 1.0), (SimTime(1), 1.0)], Interp::Step).is_none());
    }
}
