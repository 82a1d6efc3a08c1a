//! A mergeable quantile sketch for bands past the memory budget: a
//! fixed-bin histogram over a known range [lo, hi] (the range observed in a
//! first pass over the runs), refined by the smallest and largest value of
//! each bin a reported quantile reads.
//!
//! **Error bound.** With B bins of width w = (hi − lo)/B, every order
//! statistic x₍ₖ₎ is estimated by a point inside the bin that holds it, so its
//! error is at most w; a type-7 quantile is a convex combination of two order
//! statistics, so its error is also at most w = (hi − lo)/B. `bands.csv`
//! reports this bound per row (`quantile_abs_error_max`; 0 for exact rows).
//! The bound is relative to the whole range of the row: one outlier or a
//! heavy tail makes it as large as the quantiles themselves.
//!
//! **Bin extremes.** A histogram alone places an order statistic by its
//! rank in its bin's edges, so a bin holding one distinct value (every run
//! 0, an integer count) or a cluster far narrower than the bin (a hundred
//! values near 100 in a bin of width 5e5 stretched by a 1e9 outlier)
//! reports values no run had (audit s23 F4). Once the counts are in,
//! [`BinSketch::bins_read_by`] names the bins the quantiles read,
//! [`BinSketch::keep_extremes_of`] keeps their min and max and a second
//! pass over the same values ([`BinSketch::observe`]) fills them; an
//! order statistic is then placed by rank between its bin's min and max:
//! the bin's own value when it holds one, its true min and max at the
//! ends, and still inside the bin, so the bound holds. Only a few bins per
//! sketch are kept (two per quantile at most), so the memory stays that of
//! the counts.
//!
//! Two sketches over the same range and bin count merge by adding counts,
//! and their kept extremes (of the same bins) by min of mins and max of
//! maxes, which gives the sketch of the union, whatever the split.

use crate::{McError, Result};

/// The smallest and largest value seen in one kept bin, and how many
/// values equal each.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Extremes {
    bin: usize,
    min: f64,
    at_min: u32,
    max: f64,
    at_max: u32,
}

/// Fixed-bin histogram over [lo, hi] answering type-7 quantiles within (hi − lo)/B.
#[derive(Clone, Debug, PartialEq)]
pub struct BinSketch {
    lo: f64,
    hi: f64,
    counts: Vec<u32>,
    n: u64,
    /// Kept bins, sorted by bin, with the extremes observed so far (±∞
    /// before any).
    extremes: Vec<Extremes>,
}

impl BinSketch {
    /// An empty sketch of `bins` (≥ 1) bins over [lo, hi].
    pub fn new(lo: f64, hi: f64, bins: usize) -> Self {
        BinSketch {
            lo,
            hi: hi.max(lo),
            counts: vec![0; bins.max(1)],
            n: 0,
            extremes: Vec::new(),
        }
    }

    fn width(&self) -> f64 {
        (self.hi - self.lo) / self.counts.len() as f64
    }

    /// The bin of `x`; values outside [lo, hi] fall into the end bins.
    fn bin(&self, x: f64) -> usize {
        let w = self.width();
        if w > 0.0 {
            ((x - self.lo) / w)
                .floor()
                .clamp(0.0, (self.counts.len() - 1) as f64) as usize
        } else {
            0
        }
    }

    /// Adds a value; values outside [lo, hi] are clamped into the end bins
    /// (callers pass the true range, so this only absorbs rounding).
    pub fn push(&mut self, x: f64) {
        let b = self.bin(x);
        self.counts[b] = self.counts[b].saturating_add(1);
        self.n += 1;
    }

    /// Adds the counts of `other`, which must have the same range and bins,
    /// and the extremes of the bins both keep (min of mins, max of maxes),
    /// which must be the same bins.
    pub fn merge(&mut self, other: &BinSketch) -> Result<()> {
        if self.lo != other.lo || self.hi != other.hi || self.counts.len() != other.counts.len() {
            return Err(McError::Invalid(
                "cannot merge sketches with different ranges or bins".into(),
            ));
        }
        if self.extremes.len() != other.extremes.len()
            || self
                .extremes
                .iter()
                .zip(&other.extremes)
                .any(|(a, b)| a.bin != b.bin)
        {
            return Err(McError::Invalid(
                "cannot merge sketches that keep the extremes of different bins".into(),
            ));
        }
        self.counts
            .iter_mut()
            .zip(&other.counts)
            .for_each(|(a, b)| *a = a.saturating_add(*b));
        self.n += other.n;
        for (a, b) in self.extremes.iter_mut().zip(&other.extremes) {
            if b.min < a.min {
                (a.min, a.at_min) = (b.min, b.at_min);
            } else if b.min == a.min {
                a.at_min = a.at_min.saturating_add(b.at_min);
            }
            if b.max > a.max {
                (a.max, a.at_max) = (b.max, b.at_max);
            } else if b.max == a.max {
                a.at_max = a.at_max.saturating_add(b.at_max);
            }
        }
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

    /// The 0-based ranks of the order statistics a type-7 quantile at `p`
    /// interpolates between (one when it falls on a rank).
    fn ranks(&self, p: f64) -> (u64, u64, f64) {
        let h = (self.n - 1) as f64 * p.clamp(0.0, 1.0);
        let k = h.floor() as u64;
        (k, (k + 1).min(self.n - 1), h - k as f64)
    }

    /// The bin holding the k-th order statistic, and its rank in that bin.
    fn locate(&self, k: u64) -> Option<(usize, u64)> {
        let mut before = 0u64;
        for (b, &c) in self.counts.iter().enumerate() {
            let c = u64::from(c);
            if k < before + c {
                return Some((b, k - before));
            }
            before += c;
        }
        None
    }

    /// The bins holding the order statistics that the quantiles at `probs`
    /// read, sorted, once each: what [`BinSketch::keep_extremes_of`] needs
    /// once every value is counted.
    pub fn bins_read_by(&self, probs: &[f64]) -> Vec<usize> {
        if self.n == 0 {
            return Vec::new();
        }
        let mut bins: Vec<usize> = probs
            .iter()
            .flat_map(|&p| {
                let (k, k1, _) = self.ranks(p);
                [k, k1]
            })
            .filter_map(|k| self.locate(k).map(|(b, _)| b))
            .collect();
        bins.sort_unstable();
        bins.dedup();
        bins
    }

    /// Keeps, from now on, the smallest and largest value that
    /// [`BinSketch::observe`] sees in each of `bins` (replacing any bins
    /// kept before).
    pub fn keep_extremes_of(&mut self, bins: &[usize]) {
        let mut bins: Vec<usize> = bins.iter().copied().filter(|&b| b < self.counts.len()).collect();
        bins.sort_unstable();
        bins.dedup();
        self.extremes = bins
            .into_iter()
            .map(|bin| Extremes {
                bin,
                min: f64::INFINITY,
                at_min: 0,
                max: f64::NEG_INFINITY,
                at_max: 0,
            })
            .collect();
    }

    /// Records `x` in its bin's extremes when that bin is kept, without
    /// counting it: the second pass over the values already pushed.
    pub fn observe(&mut self, x: f64) {
        let b = self.bin(x);
        if let Ok(i) = self.extremes.binary_search_by_key(&b, |e| e.bin) {
            let e = &mut self.extremes[i];
            if x < e.min {
                (e.min, e.at_min) = (x, 1);
            } else if x == e.min {
                e.at_min = e.at_min.saturating_add(1);
            }
            if x > e.max {
                (e.max, e.at_max) = (x, 1);
            } else if x == e.max {
                e.at_max = e.at_max.saturating_add(1);
            }
        }
    }

    /// Estimate of the k-th order statistic (0-based). In a bin whose
    /// extremes were observed: the bin's min for the ranks that equal it
    /// (all of them when the bin holds one value, the zeros of a
    /// zero-inflated cell), its max for those that equal the max, and the
    /// ranks between spread evenly over (min, max); otherwise the centre of
    /// its share of the bin.
    fn order_stat(&self, k: u64) -> f64 {
        let Some((b, r)) = self.locate(k) else {
            return self.hi;
        };
        let c = u64::from(self.counts[b]);
        if let Ok(i) = self.extremes.binary_search_by_key(&b, |e| e.bin) {
            let e = self.extremes[i];
            if e.min <= e.max {
                let (low, high) = (u64::from(e.at_min), u64::from(e.at_max));
                return if r < low {
                    e.min
                } else if r + high >= c {
                    e.max
                } else {
                    // Ranks low..c − high hold the values strictly between.
                    let between = (c - high - low) as f64;
                    e.min + (e.max - e.min) * ((r - low + 1) as f64 / (between + 1.0))
                };
            }
        }
        self.lo + self.width() * (b as f64 + (r as f64 + 0.5) / c as f64)
    }

    /// Type-7 quantile estimate at probability `p` (NaN when empty).
    pub fn quantile(&self, p: f64) -> f64 {
        if self.n == 0 {
            return f64::NAN;
        }
        let (k, k1, f) = self.ranks(p);
        let a = self.order_stat(k);
        if f == 0.0 {
            a
        } else {
            a + f * (self.order_stat(k1) - a)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::open01;
    use crate::stats::quantiles;
    use scheduler::math;

    fn data(n: usize) -> Vec<f64> {
        let mut rng = scheduler::RngStreams::new(3, 0).stream("sketch-test");
        (0..n)
            .map(|_| math::exp(3.0 * scheduler::rng::std_normal_quantile(open01(&mut rng))))
            .collect()
    }

    /// The sketch of `xs` over its range, refined by the extremes of the
    /// bins the quantiles at `probs` read, as `bands.csv` builds it.
    fn refined(xs: &[f64], bins: usize, probs: &[f64]) -> BinSketch {
        let (lo, hi) = range(xs);
        let mut s = BinSketch::new(lo, hi, bins);
        xs.iter().for_each(|&x| s.push(x));
        let read = s.bins_read_by(probs);
        s.keep_extremes_of(&read);
        xs.iter().for_each(|&x| s.observe(x));
        s
    }

    fn range(xs: &[f64]) -> (f64, f64) {
        xs.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        })
    }

    #[test]
    fn sketch_quantiles_stay_within_stated_bound() {
        let xs = data(5000);
        let (lo, hi) = range(&xs);
        let probs = [0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.999, 1.0];
        let exact = quantiles(&xs, &probs);
        for bins in [16, 256, 4096] {
            let mut plain = BinSketch::new(lo, hi, bins);
            xs.iter().for_each(|&x| plain.push(x));
            for s in [plain, refined(&xs, bins, &probs)] {
                for (p, e) in probs.iter().zip(&exact) {
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
    }

    /// Audit s23 F4: one 1e9 outlier among a hundred values near 100 puts
    /// them all in the first of 2,048 bins (width 4.9e5); the bins' edges
    /// reported p5…p95 from 2.5e4 to 4.6e5. With the bin's extremes every
    /// quantile lies within the values' range, and the ends are exact.
    #[test]
    fn an_outlier_no_longer_spreads_the_quantiles_over_the_range() {
        let mut xs: Vec<f64> = (0..100).map(|i| 98.4 + 3.2 * f64::from(i) / 99.0).collect();
        xs.push(1e9);
        let s = refined(&xs, 2048, &crate::stats::REPORTED_QUANTILES);
        let exact = quantiles(&xs, &crate::stats::REPORTED_QUANTILES);
        for (p, e) in crate::stats::REPORTED_QUANTILES.iter().zip(exact) {
            let q = s.quantile(*p);
            assert!((98.4..=101.6).contains(&q), "p {p}: {q}");
            assert!((q - e).abs() < 0.05, "p {p}: {q} vs {e}");
        }
        assert_eq!(s.quantile(0.0), 98.4);
    }

    /// Audit s23 F4: 90 % zeros. The exact p5…p75 are 0, and so are the
    /// sketch's (before: 0.0096 … 0.14, a value no run had); an integer
    /// count that is one value in its bin is returned exactly.
    #[test]
    fn a_bin_holding_one_value_returns_it_exactly() {
        let tail = data(100);
        let xs: Vec<f64> = (0..1000)
            .map(|i| if i % 10 == 3 { tail[i / 10] } else { 0.0 })
            .collect();
        let s = refined(&xs, 2048, &crate::stats::REPORTED_QUANTILES);
        for p in [0.05, 0.25, 0.5, 0.75] {
            assert_eq!(s.quantile(p), 0.0, "p {p}");
        }
        let counts: Vec<f64> = (0..500).map(|i| [0.0, 3.0, 3.0, 7.0, 12.0][i % 5]).collect();
        let s = refined(&counts, 2048, &crate::stats::REPORTED_QUANTILES);
        let exact = quantiles(&counts, &crate::stats::REPORTED_QUANTILES);
        for (p, e) in crate::stats::REPORTED_QUANTILES.iter().zip(exact) {
            assert_eq!(s.quantile(*p), e, "p {p}");
        }
    }

    /// Shards merge into the whole bit for bit, counts and kept extremes:
    /// each shard keeps the bins the whole's counts name and observes its
    /// own values. Sketches keeping other bins are refused.
    #[test]
    fn merged_halves_equal_the_whole() {
        let xs = data(1001);
        let (lo, hi) = (0.0, 1e4);
        let mut whole = BinSketch::new(lo, hi, 300);
        let (mut a, mut b) = (whole.clone(), whole.clone());
        xs.iter().for_each(|&x| whole.push(x));
        let part = |i: usize| i.is_multiple_of(3);
        xs.iter()
            .enumerate()
            .for_each(|(i, &x)| if part(i) { a.push(x) } else { b.push(x) });
        let mut counts = a.clone();
        counts.merge(&b).unwrap();
        assert_eq!(counts, whole);
        assert!(counts.merge(&BinSketch::new(lo, hi, 7)).is_err());

        let read = whole.bins_read_by(&crate::stats::REPORTED_QUANTILES);
        assert!(!read.is_empty() && read.len() <= 10, "{read:?}");
        for s in [&mut whole, &mut a, &mut b] {
            s.keep_extremes_of(&read);
        }
        xs.iter().for_each(|&x| whole.observe(x));
        xs.iter()
            .enumerate()
            .for_each(|(i, &x)| if part(i) { a.observe(x) } else { b.observe(x) });
        let mut other = b.clone();
        other.keep_extremes_of(&[read[0] + 1]);
        assert!(a.clone().merge(&other).is_err());
        a.merge(&b).unwrap();
        assert_eq!(a, whole);
        for p in crate::stats::REPORTED_QUANTILES {
            assert_eq!(a.quantile(p).to_bits(), whole.quantile(p).to_bits());
        }
    }
}
