//! A mergeable quantile sketch for bands past the memory budget: a
//! fixed-bin histogram over a known range [lo, hi] (the range observed in a
//! first pass over the runs).
//!
//! **Error bound.** With B bins of width w = (hi − lo)/B, every order
//! statistic x₍ₖ₎ is estimated by a point inside the bin that holds it, so its
//! error is at most w; a type-7 quantile is a convex combination of two order
//! statistics, so its error is also at most w = (hi − lo)/B. `bands.csv`
//! reports this bound per row (`quantile_abs_error_max`; 0 for exact rows).
//!
//! Two sketches over the same range and bin count merge by adding counts,
//! which gives the sketch of the union, whatever the split.

use crate::{McError, Result};

/// Fixed-bin histogram over [lo, hi] answering type-7 quantiles within (hi − lo)/B.
#[derive(Clone, Debug, PartialEq)]
pub struct BinSketch {
    lo: f64,
    hi: f64,
    counts: Vec<u32>,
    n: u64,
}

impl BinSketch {
    /// An empty sketch of `bins` (≥ 1) bins over [lo, hi].
    pub fn new(lo: f64, hi: f64, bins: usize) -> Self {
        BinSketch {
            lo,
            hi: hi.max(lo),
            counts: vec![0; bins.max(1)],
            n: 0,
        }
    }

    fn width(&self) -> f64 {
        (self.hi - self.lo) / self.counts.len() as f64
    }

    /// Adds a value; values outside [lo, hi] are clamped into the end bins
    /// (callers pass the true range, so this only absorbs rounding).
    pub fn push(&mut self, x: f64) {
        let w = self.width();
        let b = if w > 0.0 {
            ((x - self.lo) / w)
                .floor()
                .clamp(0.0, (self.counts.len() - 1) as f64)
        } else {
            0.0
        };
        self.counts[b as usize] = self.counts[b as usize].saturating_add(1);
        self.n += 1;
    }

    /// Adds the counts of `other`, which must have the same range and bins.
    pub fn merge(&mut self, other: &BinSketch) -> Result<()> {
        if self.lo != other.lo || self.hi != other.hi || self.counts.len() != other.counts.len() {
            return Err(McError::Invalid(
                "cannot merge sketches with different ranges or bins".into(),
            ));
        }
        self.counts
            .iter_mut()
            .zip(&other.counts)
            .for_each(|(a, b)| *a = a.saturating_add(*b));
        self.n += other.n;
        Ok(())
    }

    /// Number of values added.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// The guaranteed bound on the absolute error of [`quantile`](Self::quantile): (hi − lo)/B.
    pub fn error_bound(&self) -> f64 {
        self.width()
    }

    /// Estimate of the k-th order statistic (0-based): the centre of its share of its bin.
    fn order_stat(&self, k: u64) -> f64 {
        let w = self.width();
        let mut before = 0u64;
        for (b, &c) in self.counts.iter().enumerate() {
            let c = u64::from(c);
            if k < before + c {
                let r = (k - before) as f64;
                return self.lo + w * (b as f64 + (r + 0.5) / c as f64);
            }
            before += c;
        }
        self.hi
    }

    /// Type-7 quantile estimate at probability `p` (NaN when empty).
    pub fn quantile(&self, p: f64) -> f64 {
        if self.n == 0 {
            return f64::NAN;
        }
        let h = (self.n - 1) as f64 * p.clamp(0.0, 1.0);
        let k = h.floor() as u64;
        let f = h - k as f64;
        let a = self.order_stat(k);
        if f == 0.0 {
            a
        } else {
            a + f * (self.order_stat((k + 1).min(self.n - 1)) - a)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::open01;
    use crate::stats::quantiles;

    fn data(n: usize) -> Vec<f64> {
        let mut rng = scheduler::RngStreams::new(3, 0).stream("sketch-test");
        (0..n)
            .map(|_| (3.0 * scheduler::rng::std_normal_quantile(open01(&mut rng))).exp())
            .collect()
    }

    #[test]
    fn sketch_quantiles_stay_within_stated_bound() {
        let xs = data(5000);
        let (lo, hi) = xs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
        for bins in [16, 256, 4096] {
            let mut s = BinSketch::new(lo, hi, bins);
            xs.iter().for_each(|&x| s.push(x));
            let probs = [0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.999, 1.0];
            let exact = quantiles(&xs, &probs);
            for (p, e) in probs.iter().zip(exact) {
                let err = (s.quantile(*p) - e).abs();
                assert!(
                    err <= s.error_bound() * (1.0 + 1e-9),
                    "bins {bins} p {p}: {err} > {}",
                    s.error_bound()
                );
            }
            assert!((s.error_bound() - (hi - lo) / bins as f64).abs() < 1e-9 * hi);
        }
    }

    #[test]
    fn merged_halves_equal_the_whole() {
        let xs = data(1001);
        let (lo, hi) = (0.0, 1e4);
        let mut whole = BinSketch::new(lo, hi, 300);
        let (mut a, mut b) = (whole.clone(), whole.clone());
        xs.iter().for_each(|&x| whole.push(x));
        xs.iter()
            .enumerate()
            .for_each(|(i, &x)| if i % 3 == 0 { a.push(x) } else { b.push(x) });
        a.merge(&b).unwrap();
        assert_eq!(a, whole);
        assert!(a.merge(&BinSketch::new(lo, hi, 7)).is_err());
    }
}
