//! A time average over a trailing window of a piecewise-constant quantity,
//! exact: the integral is kept at every instant the quantity may have
//! changed, and the window's start is interpolated between two of them.
//!
//! Labs keep one for the share of their full training rate that the grid's
//! power lets them use, so that a run is planned with the share averaged
//! over the last day rather than the share of the planning instant
//! (`docs/model/model-training.md`, "Planning").

use std::collections::VecDeque;

/// The trailing-window mean of a piecewise-constant value.
#[derive(Clone, Debug)]
pub(crate) struct TrailingMean {
    /// Window length, s (> 0).
    window_s: u64,
    /// (instant, s; integral of the value from the first instant kept) —
    /// increasing in time; the first point is at or before the window's
    /// start once the history is longer than the window.
    points: VecDeque<(u64, f64)>,
}

impl TrailingMean {
    /// An empty history with a window of `window_s` seconds (at least 1).
    pub fn new(window_s: u64) -> TrailingMean {
        TrailingMean {
            window_s: window_s.max(1),
            points: VecDeque::new(),
        }
    }

    /// The value was `value` over `[t0, t1]` (seconds; `t1 > t0`, and `t0`
    /// at or after the last instant recorded).
    pub fn record(&mut self, t0: u64, t1: u64, value: f64) {
        if t1 <= t0 {
            return;
        }
        let last = match self.points.back() {
            Some(&(t, i)) if t == t0 => i,
            // A gap in the history (or none yet): start afresh at t0.
            _ => {
                self.points.clear();
                self.points.push_back((t0, 0.0));
                0.0
            }
        };
        self.points.push_back((t1, last + value * (t1 - t0) as f64));
        let start = t1.saturating_sub(self.window_s);
        while self.points.len() > 2 && self.points[1].0 <= start {
            self.points.pop_front();
        }
    }

    /// The mean over `[now − window, now]`, or over the history since its
    /// first instant if that is shorter; `None` without any history up to
    /// `now` (the last instant recorded must be `now`).
    pub fn mean(&self, now: u64) -> Option<f64> {
        let &(t_end, i_end) = self.points.back()?;
        if t_end != now {
            return None;
        }
        let start = now.saturating_sub(self.window_s);
        let &(t0, i0) = self.points.front()?;
        let (from, i_from) = if t0 >= start || self.points.len() < 2 {
            (t0, i0)
        } else {
            let (t1, i1) = self.points[1];
            // t0 < start < t1: the value is constant on [t0, t1].
            let slope = (i1 - i0) / (t1 - t0) as f64;
            (start, i0 + slope * (start - t0) as f64)
        };
        (now > from).then(|| (i_end - i_from) / (now - from) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mean_covers_exactly_the_trailing_window() {
        let day = 86_400;
        let mut m = TrailingMean::new(day);
        // Value 1, except 0.5 from 18:00 to 22:00, for three days, recorded hourly.
        for h in 0..72u64 {
            let v = if (18..22).contains(&(h % 24)) { 0.5 } else { 1.0 };
            m.record(h * 3600, (h + 1) * 3600, v);
            let now = (h + 1) * 3600;
            if now >= day {
                let mean = m.mean(now).unwrap();
                assert!((mean - (1.0 - 0.5 * 4.0 / 24.0)).abs() < 1e-12, "{h}: {mean}");
            }
        }
        // A window start inside a piece is interpolated.
        let mut m = TrailingMean::new(10);
        m.record(0, 20, 2.0);
        m.record(20, 25, 0.0);
        assert!((m.mean(25).unwrap() - 1.0).abs() < 1e-12);
        // Shorter history than the window: its own mean.
        let mut m = TrailingMean::new(100);
        m.record(0, 10, 3.0);
        assert_eq!(m.mean(10), Some(3.0));
        assert_eq!(m.mean(11), None);
    }
}
