//! The maths library's fingerprint: which last bits this process's `exp`,
//! `ln`, `powf`, `sin`, … give.
//!
//! Rust's `f64::exp` and its kin call the platform's maths library, and
//! glibc picks its code for them when a process starts, by CPU feature
//! (FMA variants where the CPU has FMA and AVX2). The variants agree to
//! within an ulp, not bit for bit, so one binary computes different last
//! bits on two machines, and so do `rand_distr`'s samplers (through the
//! same calls). A batch is byte-identical only where the maths library
//! gives the same bits: [`math_fingerprint`] hashes those bits, so a
//! manifest can record them and a resume or merge can refuse a mix.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::Distribution;
use std::hint::black_box;
use std::sync::OnceLock;

/// Inputs per function: enough that the FMA and non-FMA variants of glibc
/// 2.36 give different hashes for `exp`, `exp_m1`, `log2`, `ln_1p`, `powf`,
/// `sin` and `cos` each (measured under `GLIBC_TUNABLES=glibc.cpu.hwcaps=-FMA`;
/// tested by the `aistack` CLI test `reproducibility.rs`).
const POINTS: u32 = 2048;

/// Draws per `rand_distr` sampler.
const DRAWS: u32 = 256;

/// `fnv1a64:<16 hex digits>` of the result bits of every maths function the
/// model calls (`exp`, `exp2`, `exp_m1`, `ln`, `ln_1p`, `log10`, `log2`,
/// `powf`, `sin`, `cos`, `sin_cos`) over fixed inputs spread across the
/// ranges the model uses, and of fixed-seed draws of the `rand_distr`
/// samplers it uses (StandardNormal, Exp1, Normal, LogNormal, Beta, Pert,
/// Triangular, Weibull, Exp). Computed once per process (about 30,000 calls:
/// not measurable against the 65 ms of an `aistack validate`) and
/// the same in every process on one machine; it differs where the maths
/// library gives other last bits (another CPU feature set under glibc,
/// another libc). `sqrt` and `powi` are exact or inlined and not included.
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
/// so the compiler cannot fold a call at build time (with the build
/// machine's maths library).
fn compute() -> u64 {
    let mut h = Hasher(0xcbf2_9ce4_8422_2325);
    for i in 0..POINTS {
        // t in (0, 1), spread evenly by golden-ratio steps (no round numbers).
        let t = black_box((f64::from(i + 1) * 0.618_033_988_749_894_9).fract());
        let e = black_box(-40.0 + 80.0 * t); // exponents: logistic, decay, growth
        h.add(e.exp());
        h.add(e.exp2());
        h.add((e / 20.0).exp_m1());
        let x = black_box(10f64.powf(-12.0 + 40.0 * t)); // MW, FLOP, prices
        h.add(x.ln());
        h.add(x.log10());
        h.add(x.log2());
        h.add((x * 1e-12).ln_1p());
        h.add((0.1 + 10.0 * t).powf(black_box(-3.0 + 6.5 * t)));
        h.add(x.powf(black_box(0.05 + 0.9 * t)));
        let a = black_box(-50.0 + 100.0 * t); // radians: seasons, days
        h.add(a.sin());
        h.add(a.cos());
        let (s, c) = a.sin_cos();
        h.add(s);
        h.add(c);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(0x6d61_7468);
    let mut draw = |h: &mut Hasher, d: &dyn Fn(&mut ChaCha8Rng) -> f64| {
        for _ in 0..DRAWS {
            h.add(d(&mut rng));
        }
    };
    draw(&mut h, &|r| {
        Distribution::<f64>::sample(&rand_distr::StandardNormal, r)
    });
    draw(&mut h, &|r| Distribution::<f64>::sample(&rand_distr::Exp1, r));
    if let (Ok(normal), Ok(lognormal), Ok(beta), Ok(pert), Ok(tri), Ok(weibull), Ok(exp)) = (
        rand_distr::Normal::new(3.0, 1.7),
        rand_distr::LogNormal::new(2.3, 0.4),
        rand_distr::Beta::new(2.5, 4.0),
        rand_distr::Pert::new(0.2, 3.0).with_mode(0.9),
        rand_distr::Triangular::new(1.0, 9.0, 2.5),
        rand_distr::Weibull::new(12.0, 1.6),
        rand_distr::Exp::new(0.125),
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
