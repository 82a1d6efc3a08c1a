//! The model's transcendental functions, with the same bits on every CPU and
//! operating system.
//!
//! Rust's `f64::exp`, `ln`, `powf`, `sin`, … call the platform's maths
//! library. glibc picks FMA or non-FMA code for them when a process starts,
//! by CPU feature, and macOS and Windows ship other libraries again; they
//! agree to within an ulp, not bit for bit, so one seed gave other last bits
//! (and, through thresholds, other discrete outcomes) on another machine.
//! These wrappers call the pure-Rust [`libm`] crate (pinned exactly in the
//! workspace manifest) instead: plain IEEE-754 arithmetic, which Rust never
//! contracts into FMA, so the same source, crate versions and target
//! architecture family give the same bits everywhere.
//!
//! Every call in the workspace goes through here: `clippy.toml` disallows
//! the `f64` methods (this module alone allows them in its tests, as the
//! reference). `sqrt` (correctly rounded by IEEE-754), `abs`, `floor`,
//! `ceil`, `round`, `trunc`, `fract`, `min`, `max` and `clamp` are exact
//! and stay std's. `mul_add` calls the platform's `fma` where the target has
//! no FMA instruction (MinGW's is known to be wrong), so `clippy.toml`
//! disallows it too. std's `powi` with a constant exponent compiles to a
//! chain of multiplications, the same everywhere; its precision is
//! documented as platform-dependent, so an exponent known only at run time
//! goes through [`powi`] here, which writes that chain out.
//!
//! The functions are free functions (`math::exp(x)`, `math::powf(x, y)`),
//! named as the `f64` methods they replace.

/// `eˣ`.
#[inline]
pub fn exp(x: f64) -> f64 {
    libm::exp(x)
}

/// `2ˣ`.
#[inline]
pub fn exp2(x: f64) -> f64 {
    libm::exp2(x)
}

/// `eˣ − 1`, accurate for `x` near 0.
#[inline]
pub fn exp_m1(x: f64) -> f64 {
    libm::expm1(x)
}

/// The natural logarithm.
#[inline]
pub fn ln(x: f64) -> f64 {
    libm::log(x)
}

/// `ln(1 + x)`, accurate for `x` near 0.
#[inline]
pub fn ln_1p(x: f64) -> f64 {
    libm::log1p(x)
}

/// The base-10 logarithm.
#[inline]
pub fn log10(x: f64) -> f64 {
    libm::log10(x)
}

/// The base-2 logarithm.
#[inline]
pub fn log2(x: f64) -> f64 {
    libm::log2(x)
}

/// `xʸ` for a real exponent (an integer one: [`powi`]).
#[inline]
pub fn powf(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

/// `xⁿ` for an integer exponent, by repeated squaring: the algorithm of
/// compiler-builtins' `__powidf2`, which std's `powi` calls for an exponent
/// known only at run time (the same bits: tested), written out so that
/// neither the platform nor constant folding with the build machine's `pow`
/// can change them. (std's `powi` with a constant exponent compiles to
/// LLVM's own code, fixed by the compiler, which for some exponents, 3
/// and 24 among them, rounds otherwise in the last bit.)
#[inline]
pub fn powi(x: f64, n: i32) -> f64 {
    let mut base = x;
    let mut left = n.unsigned_abs();
    let mut product = 1.0;
    loop {
        if left & 1 != 0 {
            product *= base;
        }
        left >>= 1;
        if left == 0 {
            break;
        }
        base *= base;
    }
    if n < 0 { 1.0 / product } else { product }
}

/// The sine of `x` radians.
#[inline]
pub fn sin(x: f64) -> f64 {
    libm::sin(x)
}

/// The cosine of `x` radians.
#[inline]
pub fn cos(x: f64) -> f64 {
    libm::cos(x)
}

/// `(sin x, cos x)` of `x` radians, in one argument reduction.
#[inline]
pub fn sin_cos(x: f64) -> (f64, f64) {
    libm::sincos(x)
}

/// How far apart two values are, in units in the last place (0 for two
/// NaNs, the most for a NaN against a number or values of other signs):
/// the measure the tests of this module and of [`crate::dist`] compare by.
#[cfg(test)]
pub(crate) fn ulps(a: f64, b: f64) -> u64 {
    if a == b || (a.is_nan() && b.is_nan()) {
        return 0;
    }
    if a.is_nan() || b.is_nan() || a.signum() != b.signum() {
        return u64::MAX;
    }
    a.to_bits().abs_diff(b.to_bits())
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // std's functions are the reference here
mod tests {
    use super::*;

    /// Golden-ratio points in (0, 1): no round numbers.
    fn points() -> impl Iterator<Item = f64> {
        (1..=20_000).map(|i| (f64::from(i) * 0.618_033_988_749_894_9).fract())
    }

    /// Each wrapper computes its std namesake to within 2 ulp over the
    /// ranges the model uses (so a wrapper naming the wrong libm function
    /// fails), and `sin_cos` is `(sin, cos)` to the same bound.
    #[test]
    fn the_wrappers_compute_their_std_namesakes() {
        type Pair = (&'static str, fn(f64) -> f64, fn(f64) -> f64, f64, f64);
        let unary: [Pair; 10] = [
            ("exp", exp, f64::exp, -700.0, 700.0),
            ("exp2", exp2, f64::exp2, -1000.0, 1000.0),
            ("exp_m1", exp_m1, f64::exp_m1, -40.0, 40.0),
            ("ln", ln, f64::ln, 1e-300, 1e300),
            ("ln_1p", ln_1p, f64::ln_1p, -0.999, 1e6),
            ("log10", log10, f64::log10, 1e-300, 1e300),
            ("log2", log2, f64::log2, 1e-300, 1e300),
            ("sin", sin, f64::sin, -1e4, 1e4),
            ("cos", cos, f64::cos, -1e4, 1e4),
            ("sin_cos.0", |x| sin_cos(x).0, f64::sin, -1e4, 1e4),
        ];
        for (name, ours, std, lo, hi) in unary {
            let geometric = lo > 0.0;
            for t in points() {
                let x = if geometric {
                    lo * (hi / lo).powf(t)
                } else {
                    lo + (hi - lo) * t
                };
                let (a, b) = (ours(x), std(x));
                assert!(ulps(a, b) <= 2, "{name}({x:e}): {a:e} vs std {b:e}");
            }
        }
        for t in points() {
            let x = -1e4 + 2e4 * t;
            assert!(ulps(sin_cos(x).1, x.cos()) <= 2, "sin_cos.1({x:e})");
            let (b, e) = (0.01 + 100.0 * t, -20.0 + 40.0 * (t * 7.0).fract());
            assert!(ulps(powf(b, e), b.powf(e)) <= 2, "powf({b:e}, {e:e})");
        }
        assert_eq!(powf(0.0, 0.0), 1.0);
        assert!(ln(-1.0).is_nan() && ln(0.0) == f64::NEG_INFINITY);
    }

    /// Known values, exact in the last bit: these fix the bits this module
    /// gives on every machine (a changed `libm` version, or a wrapper routed
    /// back to the platform's library, would show here first: glibc gives
    /// `exp(1) = e` exactly).
    #[test]
    fn known_bits() {
        let values = [
            exp(1.0),
            exp(-7.25),
            exp2(0.3),
            exp_m1(1e-3),
            ln(10.0),
            ln_1p(0.25),
            log10(3.0),
            log2(7.0),
            powf(1.07, 12.5),
            sin(1e3),
            cos(0.7),
            sin_cos(2.5).0,
        ];
        let bits: [u64; 12] = [
            0x4005bf0a8b14576a, // e + 1 ulp: libm's exp is not correctly rounded
            0x3f47455fe323fafe,
            0x3ff3b2c47bff8329,
            0x3f506466dfb8cf3a,
            0x40026bb1bbb55516,
            0x3fcc8ff7c79a9a22,
            0x3fde8927964fd5fd,
            0x400675767f54042d,
            0x4002a331f05b2e64,
            0x3fea75cc150a206b,
            0x3fe87996529f9d93,
            0x3fe326af0dcfcab0,
        ];
        for (k, (v, b)) in values.iter().zip(bits).enumerate() {
            assert_eq!(v.to_bits(), b, "value {k}: {v:e}");
        }
        assert_eq!(exp(1.0), f64::from_bits(std::f64::consts::E.to_bits() + 1));
    }

    /// The rule is kept: `clippy.toml` disallows the std method of every
    /// function here, and no source file of the workspace calls one (a
    /// plain scan of code lines, so this holds even where clippy is not run;
    /// a custom method of the same name, `DayAngles::sin_cos`, is the one
    /// exception).
    /// [`powi`] is std's `powi` bit for bit, for exponents known at run
    /// time (`__powidf2`) and constant ones (LLVM's expansion), so routing a
    /// call through it changes no number; and it is exact where the powers
    /// are representable.
    #[test]
    fn powi_is_the_multiplication_chain_std_uses() {
        for x in points()
            .map(|t| -3.0 + 6.0 * t)
            .chain([0.0, -0.0, 1.0, 10.0, 1e-3])
        {
            for n in -40..=40 {
                let want = std::hint::black_box(x).powi(std::hint::black_box(n));
                assert_eq!(powi(x, n).to_bits(), want.to_bits(), "{x}^{n}");
            }
            // A square is one multiplication whichever way (LLVM's code for
            // a constant 3 or 24 rounds otherwise in the last bit).
            assert_eq!(powi(x, 2).to_bits(), x.powi(2).to_bits());
        }
        assert_eq!(powi(2.0, 10), 1024.0);
        assert_eq!(powi(10.0, -2), 1.0 / 100.0);
        assert_eq!(powi(5.0, 0), 1.0);
    }

    #[test]
    fn the_workspace_calls_no_std_maths() {
        const NAMES: [&str; 11] = [
            "exp", "exp2", "exp_m1", "ln", "ln_1p", "log10", "log2", "powf", "sin", "cos", "sin_cos",
        ];
        // The run-time variable first (cargo sets it for tests): a test
        // binary reused from another checkout of the same sources (a build
        // directory shared with a clean clone) would otherwise read files
        // under a directory that may be gone.
        let manifest = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(
            || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            std::path::PathBuf::from,
        );
        let root = manifest.join("../..");
        let clippy = std::fs::read_to_string(root.join("clippy.toml")).expect("clippy.toml");
        for name in NAMES {
            assert!(
                clippy.contains(&format!("path = \"f64::{name}\"")),
                "clippy.toml does not disallow f64::{name}"
            );
        }
        let mut stack = vec![root.join("crates"), root.join("benches")];
        let (mut files, mut calls) = (0, Vec::new());
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("readable") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs")
                    && !path.ends_with("scheduler/src/math.rs")
                {
                    files += 1;
                    let text = std::fs::read_to_string(&path).expect("utf-8");
                    for (n, line) in text.lines().enumerate() {
                        if line.trim_start().starts_with("//") {
                            continue;
                        }
                        let line = line.replace("cache.sin_cos(", "");
                        for name in NAMES {
                            if line.contains(&format!(".{name}(")) || line.contains(&format!("f64::{name}")) {
                                calls.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                            }
                        }
                    }
                }
            }
        }
        assert!(files > 100, "{files} files scanned");
        assert!(
            calls.is_empty(),
            "std maths called (use scheduler::math):\n{}",
            calls.join("\n")
        );
    }
}
