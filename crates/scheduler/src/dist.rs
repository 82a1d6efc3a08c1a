//! The samplers the model draws from, with the same bits on every machine.
//!
//! `rand_distr`'s samplers call the platform's maths library (`exp`, `ln`,
//! `powf` through `num-traits`), whose last bits depend on the CPU and the
//! operating system (see [`crate::math`]). These are ports of the ones the
//! workspace uses — the same algorithms, the same ziggurat tables, the same
//! random words consumed in the same order — with every transcendental call
//! through [`crate::math`]. Against `rand_distr` 0.5.1 (tested, drawing
//! from two generators of one seed, which consume the same words): the
//! standard normal and exponential, [`Normal`] and [`Exp`] give the same
//! draws in every case measured (asserted: ≥ 99.9 % identical, all within
//! 4 ulp); [`LogNormal`], [`Beta`], [`Pert`] and [`Weibull`] pass a result
//! of `exp`, `ln` or `powf` on, where libm rounds the last bit otherwise
//! than glibc more often, so 84–99 % of draws are identical (asserted:
//! ≥ 75 % identical, ≥ 90 % within 1 ulp, each within 4 ulp or 1e-13 of
//! its scale; about 100 ulp for Beta(0.05, 0.9) draws near 1e-45).
//!
//! Ported from rand_distr 0.5.1 (MIT OR Apache-2.0, as this crate; Copyright
//! 2018 Developers of the Rand project, 2013 The Rust Project Developers):
//! `src/utils.rs` (the ziggurat), `src/normal.rs` ([`StandardNormal`],
//! [`Normal`], [`LogNormal`]), `src/exponential.rs` ([`Exp1`], [`Exp`]),
//! `src/beta.rs` ([`Beta`], Cheng's BB and BC), `src/pert.rs` ([`Pert`],
//! shape 4) and `src/weibull.rs` ([`Weibull`]); the tables in
//! `dist/ziggurat_tables.rs` are `src/ziggurat_tables.rs` unchanged.
//! `rand_distr::Triangular` needs only `sqrt` (correctly rounded) and stays
//! `rand_distr`'s.
//!
//! Each sampler implements [`rand::distr::Distribution<f64>`], so
//! `rng.sample(StandardNormal)` reads as before. Constructors return `None`
//! where `rand_distr`'s return an error.

mod ziggurat_tables;

use crate::math;
use rand::Rng;
use rand::distr::{Distribution, Open01, OpenClosed01};

/// `bits` (52 significant bits) as the mantissa of a float with the given
/// binary exponent: `[1, 2)` for 0, `[2, 4)` for 1 (rand's
/// `IntoFloat::into_float_with_exponent`).
#[inline(always)]
fn into_float_with_exponent(bits: u64, exponent: i32) -> f64 {
    f64::from_bits(bits | (((1023 + exponent) as u64) << 52))
}

/// The ziggurat method, ZIGNOR variant (Doornik 2005), as rand_distr's
/// `utils::ziggurat`: `x_tab` the abscissae, `f_tab` the density at them,
/// `zero_case` the tail sampler for the bottom box.
#[inline(always)]
fn ziggurat<R: Rng + ?Sized, P, Z>(
    rng: &mut R,
    symmetric: bool,
    x_tab: ziggurat_tables::ZigTable,
    f_tab: ziggurat_tables::ZigTable,
    mut pdf: P,
    mut zero_case: Z,
) -> f64
where
    P: FnMut(f64) -> f64,
    Z: FnMut(&mut R, f64) -> f64,
{
    loop {
        // 8 of the low bits choose the box; the top 52 make the float.
        let bits = rng.next_u64();
        let i = bits as usize & 0xff;
        let u = if symmetric {
            // [2, 4) − 3 = [−1, 1)
            into_float_with_exponent(bits >> 12, 1) - 3.0
        } else {
            // [1, 2) − (1 − ε/2) = (0, 1)
            into_float_with_exponent(bits >> 12, 0) - (1.0 - f64::EPSILON / 2.0)
        };
        let x = u * x_tab[i];
        let test_x = if symmetric { x.abs() } else { x };
        if test_x < x_tab[i + 1] {
            return x;
        }
        if i == 0 {
            return zero_case(rng, u);
        }
        if f_tab[i + 1] + (f_tab[i] - f_tab[i + 1]) * rng.random::<f64>() < pdf(x) {
            return x;
        }
    }
}

/// The standard normal distribution N(0, 1), by the ziggurat.
#[derive(Clone, Copy, Debug)]
pub struct StandardNormal;

impl Distribution<f64> for StandardNormal {
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        #[inline]
        fn pdf(x: f64) -> f64 {
            math::exp(-x * x / 2.0)
        }
        #[inline]
        fn zero_case<R: Rng + ?Sized>(rng: &mut R, u: f64) -> f64 {
            // Marsaglia's tail method (rand_distr's comment: the paper's
            // `x < R` test is dropped, and x is kept positive).
            let mut x = 1.0f64;
            let mut y = 0.0f64;
            while -2.0 * y < x * x {
                let x_: f64 = rng.sample(Open01);
                let y_: f64 = rng.sample(Open01);
                x = math::ln(x_) / ziggurat_tables::ZIG_NORM_R;
                y = math::ln(y_);
            }
            if u < 0.0 {
                x - ziggurat_tables::ZIG_NORM_R
            } else {
                ziggurat_tables::ZIG_NORM_R - x
            }
        }
        ziggurat(
            rng,
            true,
            &ziggurat_tables::ZIG_NORM_X,
            &ziggurat_tables::ZIG_NORM_F,
            pdf,
            zero_case,
        )
    }
}

/// The exponential distribution of rate 1, by the ziggurat.
#[derive(Clone, Copy, Debug)]
pub struct Exp1;

impl Distribution<f64> for Exp1 {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        #[inline]
        fn pdf(x: f64) -> f64 {
            math::exp(-x)
        }
        #[inline]
        fn zero_case<R: Rng + ?Sized>(rng: &mut R, _u: f64) -> f64 {
            ziggurat_tables::ZIG_EXP_R - math::ln(rng.random::<f64>())
        }
        ziggurat(
            rng,
            false,
            &ziggurat_tables::ZIG_EXP_X,
            &ziggurat_tables::ZIG_EXP_F,
            pdf,
            zero_case,
        )
    }
}

/// The normal distribution N(mean, std_dev²): `mean + std_dev · z`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Normal {
    mean: f64,
    std_dev: f64,
}

impl Normal {
    /// `None` if `std_dev` is not finite (a negative one is allowed, as in
    /// rand_distr).
    pub fn new(mean: f64, std_dev: f64) -> Option<Self> {
        std_dev.is_finite().then_some(Normal { mean, std_dev })
    }
}

impl Distribution<f64> for Normal {
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let z: f64 = rng.sample(StandardNormal);
        self.mean + self.std_dev * z
    }
}

/// The log-normal distribution: `exp` of a draw of N(mu, sigma²).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogNormal {
    norm: Normal,
}

impl LogNormal {
    /// `None` if `sigma` is not finite.
    pub fn new(mu: f64, sigma: f64) -> Option<Self> {
        Normal::new(mu, sigma).map(|norm| LogNormal { norm })
    }
}

impl Distribution<f64> for LogNormal {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        math::exp(self.norm.sample(rng))
    }
}

/// The exponential distribution of rate `lambda`: an [`Exp1`] draw times
/// `1 / lambda` (so `Exp::new(1.0 / mean)` multiplies by `1 / (1 / mean)`,
/// as rand_distr does).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Exp {
    lambda_inverse: f64,
}

impl Exp {
    /// `None` unless `lambda ≥ 0` (0 gives infinite draws).
    pub fn new(lambda: f64) -> Option<Self> {
        (lambda >= 0.0).then(|| Exp {
            lambda_inverse: 1.0 / lambda,
        })
    }
}

impl Distribution<f64> for Exp {
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let e: f64 = rng.sample(Exp1);
        e * self.lambda_inverse
    }
}

/// Cheng's algorithm BB (both shapes above 1).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Bb {
    alpha: f64,
    beta: f64,
    gamma: f64,
}

/// Cheng's algorithm BC (a shape at most 1).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Bc {
    alpha: f64,
    beta: f64,
    kappa1: f64,
    kappa2: f64,
}

/// Which of Cheng's algorithms a [`Beta`] uses.
#[derive(Clone, Copy, Debug, PartialEq)]
enum BetaAlgorithm {
    Bb(Bb),
    Bc(Bc),
}

/// The beta distribution on [0, 1], by Cheng's algorithms BB and BC (1978).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Beta {
    a: f64,
    b: f64,
    switched_params: bool,
    algorithm: BetaAlgorithm,
}

impl Beta {
    /// `None` unless both shapes are `> 0`.
    pub fn new(alpha: f64, beta: f64) -> Option<Self> {
        if !(alpha > 0.0 && beta > 0.0) {
            return None;
        }
        let (a, b, switched_params) = if alpha < beta {
            (alpha, beta, false)
        } else {
            (beta, alpha, true)
        };
        if a > 1.0 {
            let alpha = a + b;
            let beta = ((alpha - 2.0) / (2.0 * a * b - alpha)).sqrt();
            let gamma = a + 1.0 / beta;
            Some(Beta {
                a,
                b,
                switched_params,
                algorithm: BetaAlgorithm::Bb(Bb { alpha, beta, gamma }),
            })
        } else {
            // BC wants a ≥ b: swap again.
            let (a, b, switched_params) = (b, a, !switched_params);
            let alpha = a + b;
            let beta = 1.0 / b;
            let delta = 1.0 + a - b;
            let kappa1 = delta * (1. / 18. / 4. + 3. / 18. / 4. * b) / (a * beta - 14. / 18.);
            let kappa2 = 0.25 + (0.5 + 0.25 / delta) * b;
            Some(Beta {
                a,
                b,
                switched_params,
                algorithm: BetaAlgorithm::Bc(Bc {
                    alpha,
                    beta,
                    kappa1,
                    kappa2,
                }),
            })
        }
    }
}

impl Distribution<f64> for Beta {
    // rand_distr's tests, negated where a NaN must decide as it does there.
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let mut w;
        match self.algorithm {
            BetaAlgorithm::Bb(algo) => loop {
                // 1.
                let u1: f64 = rng.sample(Open01);
                let u2: f64 = rng.sample(Open01);
                let v = algo.beta * math::ln(u1 / (1.0 - u1));
                w = self.a * math::exp(v);
                let z = u1 * u1 * u2;
                let r = algo.gamma * v - math::ln(4.0);
                let s = self.a + r - w;
                // 2.
                if s + 1.0 + math::ln(5.0) >= 5.0 * z {
                    break;
                }
                // 3.
                let t = math::ln(z);
                if s >= t {
                    break;
                }
                // 4.
                if !(r + algo.alpha * math::ln(algo.alpha / (self.b + w)) < t) {
                    break;
                }
            },
            BetaAlgorithm::Bc(algo) => loop {
                let z;
                // 1.
                let u1: f64 = rng.sample(Open01);
                let u2: f64 = rng.sample(Open01);
                if u1 < 0.5 {
                    // 2.
                    let y = u1 * u2;
                    z = u1 * y;
                    if 0.25 * u2 + z - y >= algo.kappa1 {
                        continue;
                    }
                } else {
                    // 3.
                    z = u1 * u1 * u2;
                    if z <= 0.25 {
                        let v = algo.beta * math::ln(u1 / (1.0 - u1));
                        w = self.a * math::exp(v);
                        break;
                    }
                    // 4.
                    if z >= algo.kappa2 {
                        continue;
                    }
                }
                // 5.
                let v = algo.beta * math::ln(u1 / (1.0 - u1));
                w = self.a * math::exp(v);
                if !(algo.alpha * (math::ln(algo.alpha / (self.b + w)) + v) - math::ln(4.0) < math::ln(z)) {
                    break;
                }
            },
        }
        // 5. for BB, 6. for BC
        if !self.switched_params {
            if w == f64::INFINITY {
                // Assuming a ≥ 1 and b ≥ 1 (infinite w only in BB).
                return 1.0;
            }
            w / (self.b + w)
        } else {
            self.b / (self.b + w)
        }
    }
}

/// The PERT distribution on [min, max] with a mode (shape 4): a [`Beta`]
/// scaled to the range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pert {
    min: f64,
    range: f64,
    beta: Beta,
}

impl Pert {
    /// rand_distr's `Pert::new(min, max).with_mode(mode)`: `None` unless
    /// `min < max` and `min ≤ mode ≤ max`.
    pub fn new(min: f64, max: f64, mode: f64) -> Option<Self> {
        const SHAPE: f64 = 4.0;
        // Negated so that NaN fails, as in rand_distr.
        if !(max > min && mode >= min && max >= mode) {
            return None;
        }
        let range = max - min;
        let v = 1.0 + SHAPE * (mode - min) / range;
        let w = 1.0 + SHAPE * (max - mode) / range;
        Beta::new(v, w).map(|beta| Pert { min, range, beta })
    }
}

impl Distribution<f64> for Pert {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.beta.sample(rng) * self.range + self.min
    }
}

/// The Weibull distribution: `scale · (−ln x)^(1/shape)`, `x` in (0, 1].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Weibull {
    inv_shape: f64,
    scale: f64,
}

impl Weibull {
    /// `None` unless `scale > 0` and `shape > 0`.
    pub fn new(scale: f64, shape: f64) -> Option<Self> {
        (scale > 0.0 && shape > 0.0).then(|| Weibull {
            inv_shape: 1.0 / shape,
            scale,
        })
    }
}

impl Distribution<f64> for Weibull {
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let x: f64 = rng.sample(OpenClosed01);
        self.scale * math::powf(-math::ln(x), self.inv_shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::ulps;
    use rand::{RngCore, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// How a port's draws must agree with rand_distr's.
    #[derive(Clone, Copy)]
    enum Agree {
        /// The draw is not itself a maths-library result (the ziggurat's
        /// `exp` only decides rare rejections): ≥ 99.9 % identical.
        Exact,
        /// The draw is the result of an `exp`, `ln` or `powf` (LogNormal,
        /// Beta, Pert, Weibull), where libm, not correctly rounded, gives
        /// another last bit than glibc in several percent of arguments; Beta
        /// and Weibull then pass such a result through `exp` or `powf`, which
        /// multiply its relative difference by `|v|` or the exponent (a
        /// Beta(0.05, 0.9) draw near 1e-45 comes from `exp(v)`, `v ≈ −100`,
        /// and differs by about 100 ulp): ≥ 75 % identical, ≥ 90 % within
        /// 1 ulp, every draw within 4 ulp or 1e-13 of the larger of its
        /// magnitude and this scale (Pert's range: `min + range · beta`
        /// cancels near 0).
        LastBit(f64),
    }

    /// Draws `n` values from `ours` and `theirs` on two generators of one
    /// seed and asserts the port is rand_distr's algorithm: every draw
    /// within 4 ulp, the shares of [`Agree`], and the generators in the same
    /// state afterwards (the same words consumed: a rejection step decided
    /// otherwise would show here). Every draw within 4 ulp suffices for
    /// [`Agree::Exact`].
    fn same_draws(
        name: &str,
        seed: u64,
        n: usize,
        agree: Agree,
        ours: &impl Distribution<f64>,
        theirs: &impl rand_distr::Distribution<f64>,
    ) {
        let (mut a, mut b) = (ChaCha8Rng::seed_from_u64(seed), ChaCha8Rng::seed_from_u64(seed));
        let (mut differing, mut beyond_1) = (0, 0);
        for k in 0..n {
            let (x, y) = (ours.sample(&mut a), theirs.sample(&mut b));
            let d = ulps(x, y);
            let close = match agree {
                Agree::Exact => d <= 4,
                Agree::LastBit(scale) => d <= 4 || (x - y).abs() <= 1e-13 * y.abs().max(scale),
            };
            assert!(
                close,
                "{name}, seed {seed}, draw {k}: {x:e} vs rand_distr {y:e} ({d} ulp)"
            );
            differing += usize::from(d != 0);
            beyond_1 += usize::from(d > 1);
        }
        assert_eq!(
            a.next_u64(),
            b.next_u64(),
            "{name}, seed {seed}: other words consumed"
        );
        let (exact_needed, close_needed) = match agree {
            Agree::Exact => (n - n / 1000, n),
            Agree::LastBit(_) => (n * 3 / 4, n - n / 10),
        };
        assert!(
            n - differing >= exact_needed && n - beyond_1 >= close_needed,
            "{name}, seed {seed}: {differing} of {n} draws differ, {beyond_1} by more than 1 ulp"
        );
    }

    const N: usize = 20_000;

    #[test]
    fn standard_normal_and_exp1_are_rand_distrs() {
        for seed in [1, 7, 0x6d61_7468] {
            same_draws(
                "StandardNormal",
                seed,
                200_000,
                Agree::Exact,
                &StandardNormal,
                &rand_distr::StandardNormal,
            );
            same_draws("Exp1", seed, 200_000, Agree::Exact, &Exp1, &rand_distr::Exp1);
        }
    }

    #[test]
    fn normal_lognormal_and_exp_are_rand_distrs() {
        for (k, (m, s)) in [(0.0, 1.0), (3.0, 1.7), (-2.0, 0.01), (1e6, 2e5), (0.0, -1.0)]
            .into_iter()
            .enumerate()
        {
            let seed = 100 + k as u64;
            same_draws(
                "Normal",
                seed,
                N,
                Agree::Exact,
                &Normal::new(m, s).unwrap(),
                &rand_distr::Normal::new(m, s).unwrap(),
            );
        }
        for (k, (mu, sigma)) in [(0.0, 1.0), (2.3, 0.4), (-5.0, 2.0), (10.0, 0.05)]
            .into_iter()
            .enumerate()
        {
            let seed = 200 + k as u64;
            let ours = LogNormal::new(mu, sigma).unwrap();
            same_draws(
                "LogNormal",
                seed,
                N,
                Agree::LastBit(0.0),
                &ours,
                &rand_distr::LogNormal::new(mu, sigma).unwrap(),
            );
            // What differs is only the final `exp`: ours is `math::exp` of
            // rand_distr's normal draw.
            let normal = rand_distr::Normal::new(mu, sigma).unwrap();
            let (mut a, mut b) = (ChaCha8Rng::seed_from_u64(seed), ChaCha8Rng::seed_from_u64(seed));
            let same = (0..N)
                .filter(|_| {
                    ours.sample(&mut a) == math::exp(rand_distr::Distribution::sample(&normal, &mut b))
                })
                .count();
            assert!(same >= N - N / 1000, "LogNormal, seed {seed}: {same} of {N}");
        }
        for (k, mean) in [1.0, 0.125, 3.0, 1e-3, 7.7e4].into_iter().enumerate() {
            let seed = 300 + k as u64;
            let ours = Exp::new(1.0 / mean).unwrap();
            same_draws(
                "Exp",
                seed,
                N,
                Agree::Exact,
                &ours,
                &rand_distr::Exp::new(1.0 / mean).unwrap(),
            );
        }
        assert!(Normal::new(0.0, f64::NAN).is_none() && LogNormal::new(0.0, f64::INFINITY).is_none());
        assert!(Exp::new(-1.0).is_none() && Exp::new(f64::NAN).is_none());
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert_eq!(Exp::new(0.0).unwrap().sample(&mut rng), f64::INFINITY);
    }

    /// Both of Cheng's algorithms (BB: both shapes > 1; BC: one ≤ 1), either
    /// order of the shapes (the switched branch), and the PERT shapes.
    #[test]
    fn beta_and_pert_are_rand_distrs() {
        let shapes = [
            (2.5, 4.0),
            (4.0, 2.5),
            (1.5, 1.5),
            (30.0, 2.0),
            (1.01, 200.0),
            (0.5, 0.5),
            (0.3, 2.0),
            (2.0, 0.3),
            (1.0, 1.0),
            (0.05, 0.9),
            (1.0, 3.0),
        ];
        for (k, (a, b)) in shapes.into_iter().enumerate() {
            let seed = 400 + k as u64;
            let ours = Beta::new(a, b).unwrap();
            let bc = matches!(ours.algorithm, BetaAlgorithm::Bc(_));
            assert_eq!(bc, a.min(b) <= 1.0, "Beta({a}, {b}) takes the other algorithm");
            same_draws(
                "Beta",
                seed,
                N,
                Agree::LastBit(0.0),
                &ours,
                &rand_distr::Beta::new(a, b).unwrap(),
            );
        }
        for (k, (lo, mode, hi)) in [
            (0.2, 0.9, 3.0),
            (0.0, 0.0, 1.0),
            (0.0, 1.0, 1.0),
            (-5.0, 4.0, 5.0),
            (1e3, 1.5e3, 4e3),
        ]
        .into_iter()
        .enumerate()
        {
            let seed = 500 + k as u64;
            let ours = Pert::new(lo, hi, mode).unwrap();
            same_draws(
                "Pert",
                seed,
                N,
                Agree::LastBit(hi - lo),
                &ours,
                &rand_distr::Pert::new(lo, hi).with_mode(mode).unwrap(),
            );
        }
        assert!(Beta::new(0.0, 1.0).is_none() && Beta::new(1.0, f64::NAN).is_none());
        assert!(Pert::new(1.0, 1.0, 1.0).is_none() && Pert::new(0.0, 1.0, 2.0).is_none());
    }

    #[test]
    fn weibull_is_rand_distrs() {
        for (k, (scale, shape)) in [
            (12.0, 1.6),
            (1.0, 0.5),
            (3.0, 0.9),
            (1.0, 1.0),
            (0.2, 5.0),
            (8760.0, 0.3),
        ]
        .into_iter()
        .enumerate()
        {
            let seed = 600 + k as u64;
            let ours = Weibull::new(scale, shape).unwrap();
            same_draws(
                "Weibull",
                seed,
                N,
                Agree::LastBit(0.0),
                &ours,
                &rand_distr::Weibull::new(scale, shape).unwrap(),
            );
        }
        assert!(Weibull::new(0.0, 1.0).is_none() && Weibull::new(1.0, -1.0).is_none());
    }

    /// The tail branches (the bottom box of each ziggurat) are taken and
    /// agree: draws beyond the tables' R.
    #[test]
    fn the_ziggurat_tails_are_drawn() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let normal_tail = (0..400_000)
            .map(|_| Distribution::<f64>::sample(&StandardNormal, &mut rng))
            .filter(|z| z.abs() > ziggurat_tables::ZIG_NORM_R)
            .count();
        let exp_tail = (0..400_000)
            .map(|_| Distribution::<f64>::sample(&Exp1, &mut rng))
            .filter(|&x| x > ziggurat_tables::ZIG_EXP_R)
            .count();
        // P(|z| > 3.654) ≈ 2.6e-4 and P(x > 7.697) ≈ 4.5e-4: about 100 and 180.
        assert!((50..200).contains(&normal_tail), "{normal_tail}");
        assert!((90..300).contains(&exp_tail), "{exp_tail}");
    }
}
