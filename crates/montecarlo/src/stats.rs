//! Descriptive statistics across runs: Welford mean and variance, type-7
//! quantiles, Monte Carlo standard errors, ranks and correlations.
//!
//! Every function is deterministic in its input order; callers feed values in
//! run order so results never depend on thread count or completion order.

use scheduler::math;
use scheduler::rng::incomplete_beta;
use serde::Serialize;

/// The quantile probabilities reported in `bands.csv` and `summary.json`.
pub const REPORTED_QUANTILES: [f64; 5] = [0.05, 0.25, 0.50, 0.75, 0.95];

/// Largest relative size of a difference, or of a spread, that is
/// floating-point rounding rather than variation: the same sums taken in
/// another order (a policy that adds an entity reorders them, a run that
/// accumulates in another order) differ by a few units in the last place,
/// about 1e-16 of the value. `compare` counts a paired difference within it
/// of the larger value as 0, and an sd within it of |mean| counts as no
/// variation ([`Welford::varies`]).
pub const ROUNDING_REL: f64 = 1e-12;

/// z value of a two-sided 95% normal confidence interval (the limit of
/// [`t95`] as the degrees of freedom grow).
pub const Z95: f64 = 1.959_963_984_540_054;

/// The 97.5th percentile of Student's t with `df` degrees of freedom: the
/// multiplier of sd/√n in a two-sided 95% confidence interval of a mean of
/// `df + 1` values (t₁ = 12.706, t₄ = 2.776, t₉ = 2.262, t₉₉ = 1.984;
/// [`Z95`] as df → ∞). NaN for `df` = 0, where no interval exists.
///
/// Found by bisection on the t distribution's upper tail, computed from the
/// regularised incomplete beta function ([`scheduler::rng::incomplete_beta`],
/// relative error below 1e-10 for these arguments).
pub fn t95(df: u64) -> f64 {
    if df == 0 {
        return f64::NAN;
    }
    let nu = df as f64;
    // Upper tail P(T > t) = I_{ν/(ν+t²)}(ν/2, 1/2) / 2, decreasing in t.
    let upper = |t: f64| 0.5 * incomplete_beta(nu / 2.0, 0.5, nu / (nu + t * t));
    let (mut lo, mut hi) = (Z95, 13.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if upper(mid) > 0.025 {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-13 {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// Running mean and variance by Welford's algorithm (numerically stable, one pass).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Welford {
    n: u64,
    mean: f64,
    m2: f64,
    min: f64,
    max: f64,
}

impl Welford {
    /// An empty accumulator.
    pub fn new() -> Self {
        Welford {
            n: 0,
            mean: 0.0,
            m2: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
    /// Adds one observation.
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
        self.min = self.min.min(x);
        self.max = self.max.max(x);
    }
    /// The accumulator of `values` computed in two passes: the mean as
    /// `Σx / n`, then `Σ(x − mean)²`. Where the values are at hand this is
    /// the more exact of the two: a mean of whole numbers that cancel (e.g.
    /// differences of +1 and −1 releases) is exactly 0, where the running
    /// update leaves rounding such as 1.6e-17.
    pub fn two_pass(values: &[f64]) -> Self {
        let n = values.len();
        let mean = if n == 0 {
            0.0
        } else {
            values.iter().sum::<f64>() / n as f64
        };
        let m2 = values.iter().map(|x| (x - mean) * (x - mean)).sum();
        Welford {
            n: n as u64,
            mean,
            m2,
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        }
    }
    /// Number of observations.
    pub fn count(&self) -> u64 {
        self.n
    }
    /// Sample mean (0 when empty).
    pub fn mean(&self) -> f64 {
        self.mean
    }
    /// Sample standard deviation with the n − 1 denominator (0 below two observations).
    pub fn sd(&self) -> f64 {
        if self.n < 2 {
            0.0
        } else {
            (self.m2 / (self.n - 1) as f64).max(0.0).sqrt()
        }
    }
    /// Monte Carlo standard error of the mean: sd / √n (0 when empty).
    pub fn mcse(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.sd() / (self.n as f64).sqrt()
        }
    }
    /// Whether the values varied by more than floating-point rounding: some
    /// two differ and the sd exceeds [`ROUNDING_REL`]·|mean|. An outcome
    /// that is the same sum in every run, taken in different orders, has
    /// an sd of a few ulps (1e-11 on 58,867.2) which is no variation.
    pub fn varies(&self) -> bool {
        self.min != self.max && self.sd() > ROUNDING_REL * self.mean.abs()
    }
    /// [`Welford::sd`], or 0 when the values did not vary beyond rounding
    /// ([`Welford::varies`]).
    pub fn sd_beyond_rounding(&self) -> f64 {
        if self.varies() { self.sd() } else { 0.0 }
    }
    /// For values that never varied (n ≥ 2, all equal up to rounding:
    /// not [`Welford::varies`]), the one-sided 95%
    /// upper bound on the share of runs that would give another value:
    /// 1 − 0.05^(1/n), Clopper–Pearson with no such run, ≈ 3/n (the rule
    /// of three). A rare event not yet seen (an outage, a shortfall) leaves
    /// its outcome constant with sd 0 and a 0 half-width, which says nothing
    /// about the mean's precision; this bound is what n runs do say. `None`
    /// when the values varied or below two.
    pub fn unseen_share_95(&self) -> Option<f64> {
        (self.n >= 2 && !self.varies()).then(|| 1.0 - math::powf(0.05f64, 1.0 / self.n as f64))
    }
    /// 95% confidence half-width of the mean: t₀.₉₇₅(n − 1) · sd / √n
    /// (Student's t, see [`t95`]). NaN below two observations: one value says
    /// nothing about the spread, so there is no interval.
    pub fn half_width_95(&self) -> f64 {
        if self.n < 2 {
            f64::NAN
        } else {
            t95(self.n - 1) * self.mcse()
        }
    }
    /// Smallest observation (+∞ when empty).
    pub fn min(&self) -> f64 {
        self.min
    }
    /// Largest observation (−∞ when empty).
    pub fn max(&self) -> f64 {
        self.max
    }
}

/// Quantile of already **sorted** data by Hyndman & Fan type 7 (the default
/// of R and NumPy): with h = (n − 1)·p, linear interpolation between the
/// order statistics x₍⌊h⌋₎ and x₍⌊h⌋+1₎ (0-based). NaN for empty data.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            let f = h - lo as f64;
            sorted[lo] + f * (sorted[hi] - sorted[lo])
        }
    }
}

/// Sorts a copy of `values` (total order) and returns the type-7 quantiles
/// at `probs` (see [`quantiles_in_place`]).
pub fn quantiles(values: &[f64], probs: &[f64]) -> Vec<f64> {
    quantiles_in_place(&mut values.to_vec(), probs)
}

/// [`quantiles`] without the copy: sorts `values` itself (total order).
///
/// The sort is unstable: under `f64::total_cmp` two values are equal only
/// when their bits are, so any sort gives the same sequence, and the
/// unstable one is faster (a batch's bands sort one column per metric,
/// entity and instant: 48,000 columns of 1,000 values for a 1,000-run
/// china-2025 batch). Selecting only the order statistics the quantiles
/// read was tried and counted more instructions than this sort.
pub fn quantiles_in_place(values: &mut [f64], probs: &[f64]) -> Vec<f64> {
    values.sort_unstable_by(f64::total_cmp);
    probs.iter().map(|&p| quantile_sorted(values, p)).collect()
}

/// Summary of one scalar outcome across runs, as written to `summary.json`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutcomeSummary {
    /// Number of runs with a value.
    pub n: u64,
    /// Sample mean.
    pub mean: f64,
    /// Monte Carlo standard error of the mean (sd/√n); `None` (JSON null)
    /// below two runs, where it is undefined.
    pub mcse: Option<f64>,
    /// Sample standard deviation (n − 1); `None` (JSON null) below two runs.
    pub sd: Option<f64>,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Type-7 quantiles 5, 25, 50, 75, 95%.
    pub p5: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Only when every run gave the same value, up to floating-point
    /// rounding ([`Welford::varies`]; n ≥ 2): the share of runs
    /// that could give another one, 95% upper bound
    /// ([`Welford::unseen_share_95`], ≈ 3/n); absent from JSON otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unseen_share_95: Option<f64>,
    /// Replicated Latin hypercube only ([`OutcomeSummary::replicated`]):
    /// the 95 % half-width of the mean, t₀.₉₇₅(R − 1)·mcse; absent from
    /// JSON otherwise, and where `mcse` is null.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub half_width_95: Option<f64>,
    /// Replicated Latin hypercube only: the number of replicates R the
    /// standard error is taken over (those holding runs of the outputs);
    /// absent from JSON otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicates: Option<u64>,
}

impl OutcomeSummary {
    /// Summarises values given in run order.
    pub fn of(values: &[f64]) -> Self {
        let mut w = Welford::new();
        values.iter().for_each(|&x| w.push(x));
        let q = quantiles(values, &REPORTED_QUANTILES);
        OutcomeSummary {
            n: w.count(),
            mean: w.mean(),
            mcse: (w.count() >= 2).then(|| w.mcse()),
            sd: (w.count() >= 2).then(|| w.sd()),
            min: w.min(),
            max: w.max(),
            p5: q[0],
            p25: q[1],
            p50: q[2],
            p75: q[3],
            p95: q[4],
            unseen_share_95: w.unseen_share_95(),
            half_width_95: None,
            replicates: None,
        }
    }

    /// Summarises the values of a replicated Latin hypercube, given per
    /// replicate (`groups[k]`, in run order): as [`OutcomeSummary::of`]
    /// over all the values pooled (mean, sd, quantiles), but `mcse` is the
    /// between-replicate standard error of the pooled mean
    /// ([`replicated_se`]), `half_width_95` is t₀.₉₇₅(R − 1)·mcse
    /// (Student's t, [`t95`]) and `replicates` is R = `groups.len()`.
    pub fn replicated(groups: &[Vec<f64>]) -> Self {
        let pooled: Vec<f64> = groups.iter().flatten().copied().collect();
        let mut s = OutcomeSummary::of(&pooled);
        let r = groups.len() as u64;
        s.mcse = replicated_se(groups);
        s.half_width_95 = s.mcse.map(|se| t95(r.saturating_sub(1)) * se);
        s.replicates = Some(r);
        s
    }
}

/// Standard error of the pooled mean of independent replicates (a
/// replicated Latin hypercube's), from each replicate's values of one
/// outcome: `groups[k]` holds replicate k's values (in run order).
///
/// When every replicate has the same number of values (an outcome every
/// run reports), the pooled mean is the mean of the R replicate means ȳₖ,
/// and its standard error is their sd over √R:
/// √(Σₖ (ȳₖ − ȳ)² / (R(R − 1))), ȳ the mean of the ȳₖ. When the counts nₖ
/// differ (an outcome only some runs report), the pooled mean ȳ = ΣSₖ/Σnₖ
/// (Sₖ the sum of replicate k's values) is a ratio estimator, and its
/// standard error is the linearised one of cluster sampling (Cochran 1977,
/// §6.9): √(Σₖ (Sₖ − ȳ·nₖ)² / (R(R − 1)·n̄²)), n̄ = Σnₖ/R, which is the
/// first formula when the counts are equal (so this one computes both). A
/// replicate without values counts (Sₖ = nₖ = 0). `None` below two replicates holding values: one
/// replicate's values alone say nothing of the spread between replicates
/// (the sum above would be 0 exactly).
pub fn replicated_se(groups: &[Vec<f64>]) -> Option<f64> {
    let r = groups.len();
    if r < 2 || groups.iter().filter(|g| !g.is_empty()).count() < 2 {
        return None;
    }
    let rf = r as f64;
    let total: usize = groups.iter().map(Vec::len).sum();
    let mean = groups.iter().flatten().sum::<f64>() / total as f64;
    let n_bar = total as f64 / rf;
    let ss: f64 = groups
        .iter()
        .map(|g| {
            let d = (g.iter().sum::<f64>() - mean * g.len() as f64) / n_bar;
            d * d
        })
        .sum();
    Some((ss / (rf * (rf - 1.0))).sqrt())
}

/// Ranks 1..=n, ties given their average rank.
pub fn ranks(values: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..values.len()).collect();
    idx.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
    let mut r = vec![0.0; values.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && values[idx[j + 1]] == values[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    r
}

/// Pearson correlation; NaN when either side has zero variance.
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    if n < 2 {
        return f64::NAN;
    }
    let mx = x[..n].iter().sum::<f64>() / n as f64;
    let my = y[..n].iter().sum::<f64>() / n as f64;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let (dx, dy) = (x[i] - mx, y[i] - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx == 0.0 || syy == 0.0 {
        f64::NAN
    } else {
        sxy / (sxx * syy).sqrt()
    }
}

/// Spearman rank correlation (Pearson on average ranks).
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    pearson(&ranks(x), &ranks(y))
}

/// Standard normal CDF Φ(x) (relative error below 1e-14; the scheduler's
/// [`scheduler::rng::normal_cdf`], which truncated distributions also use).
pub fn normal_cdf(x: f64) -> f64 {
    scheduler::rng::normal_cdf(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Student's t quantiles against R's `qt(0.975, df)`, and the
    /// half-width uses them (n − 1 degrees of freedom).
    #[test]
    fn t95_matches_r_and_half_width_uses_n_minus_1_df() {
        let cases = [
            (1, 12.706_204_736_174_7),
            (2, 4.302_652_729_749_464),
            (4, 2.776_445_105_197_793),
            (9, 2.262_157_162_798_205),
            (29, 2.045_229_642_132_703),
            (99, 1.984_216_951_558_525),
            (10_000, 1.960_201_263_621_358),
        ];
        for (df, want) in cases {
            assert!((t95(df) - want).abs() < 1e-6, "df {df}: {} vs {want}", t95(df));
        }
        assert!(t95(0).is_nan());
        // Ten values 1..=10: sd = √(55/6), half-width = t₉ · sd/√10.
        let mut w = Welford::new();
        (1..=10).for_each(|i| w.push(f64::from(i)));
        let want = 2.262_157_162_798_205 * (55.0f64 / 6.0).sqrt() / 10f64.sqrt();
        assert!((w.half_width_95() - want).abs() < 1e-9, "{}", w.half_width_95());
        let mut one = Welford::new();
        one.push(3.0);
        assert!(one.half_width_95().is_nan());
        let s = OutcomeSummary::of(&[3.0]);
        assert_eq!((s.n, s.sd, s.mcse), (1, None, None));
    }

    /// Issue 7: the between-replicate standard error against hand
    /// computations: equal counts give sd(replicate means)/√R, unequal
    /// counts the ratio estimator's linearised one, which is the same when
    /// the counts agree; and the replicated summary pools the rest.
    #[test]
    fn replicated_se_is_sd_of_replicate_means_over_sqrt_r() {
        // Means 1.5, 3.5, 7 (mean 4): sd = √((6.25 + 0.25 + 9)/2), se = sd/√3.
        let g = vec![vec![1.0, 2.0], vec![3.0, 4.0], vec![5.0, 9.0]];
        let want = (15.5f64 / 2.0).sqrt() / 3f64.sqrt();
        assert!((replicated_se(&g).unwrap() - want).abs() < 1e-14);
        // Unequal counts: sums 3, 3, 14, counts 2, 1, 2; mean 20/5 = 4, n̄ = 5/3.
        let u = vec![vec![1.0, 2.0], vec![3.0], vec![5.0, 9.0]];
        let d = [
            (3.0 - 8.0) / (5.0 / 3.0),
            (3.0 - 4.0) / (5.0 / 3.0),
            (14.0 - 8.0) / (5.0 / 3.0),
        ];
        let want_u = (d.iter().map(|x: &f64| x * x).sum::<f64>() / 6.0).sqrt();
        assert!((replicated_se(&u).unwrap() - want_u).abs() < 1e-14);
        assert_eq!(replicated_se(&g[..1]), None);
        assert_eq!(replicated_se(&[vec![], vec![]]), None);
        // One replicate holding values (the others none: an outcome few
        // runs report) says nothing of the spread between replicates
        // (review s18-rev-mc, finding 2: it reported 0).
        assert_eq!(replicated_se(&[vec![24.6], vec![], vec![], vec![]]), None);
        assert_eq!(replicated_se(&[vec![1.0, 2.0], vec![], vec![]]), None);
        assert!(replicated_se(&[vec![1.0], vec![], vec![3.0]]).unwrap() > 0.0);
        let s = OutcomeSummary::replicated(&g);
        let pooled = OutcomeSummary::of(&[1.0, 2.0, 3.0, 4.0, 5.0, 9.0]);
        assert_eq!((s.mean, s.sd, s.p50), (pooled.mean, pooled.sd, pooled.p50));
        assert_eq!(s.mcse, replicated_se(&g));
        assert_eq!(s.half_width_95, Some(t95(2) * s.mcse.unwrap()));
        assert_eq!(s.replicates, Some(3));
        assert_eq!((pooled.half_width_95, pooled.replicates), (None, None));
    }

    #[test]
    fn welford_matches_two_pass_on_shifted_data() {
        let xs: Vec<f64> = (0..1000).map(|i| 1e9 + ((i * 37) % 101) as f64 * 0.25).collect();
        let mut w = Welford::new();
        xs.iter().for_each(|&x| w.push(x));
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (xs.len() - 1) as f64;
        assert!((w.mean() - mean).abs() < 1e-6);
        assert!((w.sd() - var.sqrt()).abs() < 1e-9 * var.sqrt().max(1.0));
        assert!((w.mcse() - var.sqrt() / (1000f64).sqrt()).abs() < 1e-9);
    }

    #[test]
    fn quantile_type7_matches_r_definition() {
        // R: quantile(c(1,2,3,4,10), c(.05,.25,.5,.75,.95), type=7) = 1.2 2 3 4 8.8
        let q = quantiles(&[10.0, 1.0, 4.0, 3.0, 2.0], &REPORTED_QUANTILES);
        let want = [1.2, 2.0, 3.0, 4.0, 8.8];
        for (a, b) in q.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{q:?}");
        }
    }

    #[test]
    fn ranks_average_ties_and_spearman_detects_monotone() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
        let x: Vec<f64> = (0..50).map(f64::from).collect();
        let y: Vec<f64> = x.iter().map(|v| v.powi(3)).collect();
        assert!((spearman(&x, &y) - 1.0).abs() < 1e-12);
        assert!(pearson(&x, &y) < 0.95);
    }

    #[test]
    fn normal_cdf_matches_reference_values() {
        // Reference values from R's pnorm.
        let cases = [
            (0.0, 0.5),
            (1.0, 0.841_344_746_068_542_9),
            (-1.959_963_984_540_054, 0.025),
            (-3.0, 0.001_349_898_031_630_094_6),
            (-5.0, 2.866_515_718_791_939e-7),
            (2.5, 0.993_790_334_674_223_8),
        ];
        for (x, p) in cases {
            assert!(
                (normal_cdf(x) - p).abs() < 1e-13 * p.max(1e-3) + 1e-16,
                "x={x}: {} vs {p}",
                normal_cdf(x)
            );
        }
    }

    /// Under `total_cmp` an unstable sort gives the stable sort's sequence,
    /// and `quantiles` gives the quantiles of the stably sorted values, bit
    /// for bit: ±0, NaNs of both signs, infinities, subnormals
    /// and many repeats, in random orders, at the reported probabilities,
    /// the ends, repeated and unordered ones, and out-of-range and NaN ones.
    #[test]
    fn unstable_sort_quantiles_are_the_stable_sort_ones_bit_for_bit() {
        let specials = [
            0.0,
            -0.0,
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE / 2.0,
            1.0,
            1.0,
            -2.5,
        ];
        let mut s = 0x9E37_79B9_7F4A_7C15u64;
        for n in [0usize, 1, 2, 7, 20, 33, 100, 1000] {
            for _ in 0..20 {
                let v: Vec<f64> = (0..n)
                    .map(|_| {
                        s ^= s << 13;
                        s ^= s >> 7;
                        s ^= s << 17;
                        if s.is_multiple_of(3) {
                            specials[(s >> 8) as usize % specials.len()]
                        } else {
                            ((s >> 11) % 50) as f64 - 25.0
                        }
                    })
                    .collect();
                let (mut a, mut b) = (v.clone(), v.clone());
                a.sort_by(f64::total_cmp);
                b.sort_unstable_by(f64::total_cmp);
                let bits = |x: &[f64]| x.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&a), bits(&b));
                for probs in [
                    &REPORTED_QUANTILES[..],
                    &[0.0, 1.0, 0.5, 0.5, 0.999, 0.001][..],
                    &[0.95, 0.05, 0.3333, f64::NAN, -1.0, 2.0][..],
                ] {
                    // Bits, but any NaN as one: the sign of a NaN that
                    // arithmetic produces is not specified (constant folding
                    // may differ), and NaNs never reach the outputs' quantiles.
                    let key = |f: f64| if f.is_nan() { u64::MAX } else { f.to_bits() };
                    let q: Vec<u64> = quantiles(&v, probs).into_iter().map(key).collect();
                    let r: Vec<u64> = probs.iter().map(|&p| key(quantile_sorted(&a, p))).collect();
                    assert_eq!(q, r, "n = {n}, probs = {probs:?}");
                }
            }
        }
    }
}
