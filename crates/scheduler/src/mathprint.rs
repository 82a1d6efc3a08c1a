//! The maths fingerprint: which last bits this build's `exp`, `ln`, `powf`,
//! `sin`, … and samplers give.
//!
//! The model's maths goes through [`crate::math`] (the pure-Rust `libm`)
//! and its samplers through [`crate::dist`], so the bits no longer depend on
//! the CPU or the operating system (std's `f64::exp` calls the platform's
//! library, whose glibc picks FMA or non-FMA code by CPU feature).
//! [`math_fingerprint`] hashes those bits all the same, as a safety net: a
//! manifest records it and a resume or merge refuses a mix, which still
//! catches another `libm` version, a call routed back to the platform's
//! library, or a miscompile.

use crate::dist;
use crate::math;
use rand::SeedableRng;
use rand::distr::Distribution;
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;
use std::sync::OnceLock;

/// Inputs per function: enough that the FMA and non-FMA variants of glibc
/// 2.36 gave different hashes for `exp`, `exp_m1`, `log2`, `ln_1p`, `powf`,
/// `sin` and `cos` each when the model called std's functions (measured
/// under `GLIBC_TUNABLES=glibc.cpu.hwcaps=-FMA`).
const POINTS: u32 = 2048;

/// Draws per sampler.
const DRAWS: u32 = 256;

/// `fnv1a64:<16 hex digits>` of the result bits of every maths function the
/// model calls ([`crate::math`]'s `exp`, `exp2`, `exp_m1`, `ln`, `ln_1p`,
/// `log10`, `log2`, `powf`, `sin`, `cos`, `sin_cos`) over fixed inputs
/// spread across the ranges the model uses, and of fixed-seed draws of the
/// samplers it uses ([`crate::dist`]'s StandardNormal, Exp1, Normal,
/// LogNormal, Beta, Pert, Weibull, Exp and `rand_distr`'s Triangular).
/// Computed once per process (about 30,000 calls: not measurable against
/// the 65 ms of an `aistack validate`); the same on every machine for one
/// source and crate versions (tested under glibc's non-FMA code by the
/// `aistack` CLI test `reproducibility.rs`); it differs where the maths
/// gives other bits (another `libm` version, a call to the platform's
/// library, a miscompile). `sqrt` (correctly rounded) and
/// [`crate::math::powi`] (plain multiplications) are not included.
pub fn math_fingerprint() -> &'static str {
    static FINGERPRINT: OnceLock<String> = OnceLock::new();
    FINGERPRINT.get_or_init(|| format!("fnv1a64:{:016x}", compute()))
}

/// FNV-1a 64 over the little-endian bits of each value fed to it.
struct Hasher(u64);

impl Hasher {
    fn add(&mut self, x: f64) {
        for b in x.to_bits().to_le_bytes() {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// The hash behind [`math_fingerprint`]. Inputs pass through `black_box`,
/// so the compiler cannot fold a call at build time: the hash is of the
/// code as it runs.
fn compute() -> u64 {
    let mut h = Hasher(0xcbf2_9ce4_8422_2325);
    for i in 0..POINTS {
        // t in (0, 1), spread evenly by golden-ratio steps (no round numbers).
        let t = black_box((f64::from(i + 1) * 0.618_033_988_749_894_9).fract());
        let e = black_box(-40.0 + 80.0 * t); // exponents: logistic, decay, growth
        h.add(math::exp(e));
        h.add(math::exp2(e));
        h.add(math::exp_m1(e / 20.0));
        let x = black_box(math::powf(10f64, -12.0 + 40.0 * t)); // MW, FLOP, prices
        h.add(math::ln(x));
        h.add(math::log10(x));
        h.add(math::log2(x));
        h.add(math::ln_1p(x * 1e-12));
        h.add(math::powf(0.1 + 10.0 * t, black_box(-3.0 + 6.5 * t)));
        h.add(math::powf(x, black_box(0.05 + 0.9 * t)));
        let a = black_box(-50.0 + 100.0 * t); // radians: seasons, days
        h.add(math::sin(a));
        h.add(math::cos(a));
        let (s, c) = math::sin_cos(a);
        h.add(s);
        h.add(c);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(0x6d61_7468);
    let mut draw = |h: &mut Hasher, d: &dyn Fn(&mut ChaCha8Rng) -> f64| {
        for _ in 0..DRAWS {
            h.add(d(&mut rng));
        }
    };
    draw(&mut h, &|r| Distribution::<f64>::sample(&dist::StandardNormal, r));
    draw(&mut h, &|r| Distribution::<f64>::sample(&dist::Exp1, r));
    if let (Some(normal), Some(lognormal), Some(beta), Some(pert), Ok(tri), Some(weibull), Some(exp)) = (
        dist::Normal::new(3.0, 1.7),
        dist::LogNormal::new(2.3, 0.4),
        dist::Beta::new(2.5, 4.0),
        dist::Pert::new(0.2, 3.0, 0.9),
        rand_distr::Triangular::new(1.0, 9.0, 2.5),
        dist::Weibull::new(12.0, 1.6),
        dist::Exp::new(0.125),
    ) {
        draw(&mut h, &|r| normal.sample(r));
        draw(&mut h, &|r| lognormal.sample(r));
        draw(&mut h, &|r| beta.sample(r));
        draw(&mut h, &|r| pert.sample(r));
        draw(&mut h, &|r| tri.sample(r));
        draw(&mut h, &|r| weibull.sample(r));
        draw(&mut h, &|r| exp.sample(r));
    }
    h.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_is_stable_within_a_process() {
        let first = math_fingerprint();
        assert!(first.starts_with("fnv1a64:") && first.len() == 8 + 16, "{first}");
        assert_eq!(compute(), compute());
        assert_eq!(format!("fnv1a64:{:016x}", compute()), first);
    }

    /// The same value on every machine: the maths is the pure-Rust `libm`
    /// and the samplers are ours, so no CPU feature or operating system
    /// changes a bit. It moves only with the code it hashes, a new `libm`
    /// (or `rand`, `rand_chacha`, `rand_distr`) version, or a miscompile:
    /// update it deliberately then, as a batch's manifest records it and
    /// resume and merge refuse the old value.
    #[test]
    fn the_fingerprint_is_pinned() {
        assert_eq!(math_fingerprint(), "fnv1a64:9b498aaed65218ce");
    }

    #[test]
    fn the_fingerprint_is_cheap() {
        let start = std::time::Instant::now();
        for _ in 0..10 {
            black_box(compute());
        }
        // About 30,000 maths calls each: far below a millisecond; a generous bound.
        assert!(start.elapsed().as_millis() < 500, "{:?}", start.elapsed());
    }
}
