//! Reproducible random streams and the distributions scenarios may use.
//!
//! One master seed drives a run. Every (replication, stream name) pair gets
//! its own ChaCha8 generator: the 256-bit key comes from the master seed and
//! the replication through SplitMix64, the 64-bit ChaCha stream number from
//! the name through FNV-1a. Streams are independent of each other and of the
//! order in which they are created, so adding an entity to one domain leaves
//! every other entity's draws unchanged (common random numbers).
//!
//! Values are pinned by a value-stability test: the generator (ChaCha8 from
//! `rand_chacha`), the derivation below and the sampling algorithms of
//! [`crate::dist`] (ports of `rand_distr`'s, with their maths through
//! [`crate::math`], so the same bits on every machine; `Triangular` is
//! `rand_distr`'s, which needs only `sqrt`) must not change without a
//! deliberate, documented update of the pinned values.

use crate::math;
use crate::num::Num;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::Distribution;
use serde::{Deserialize, Serialize};

/// The generator behind every stream: portable, seekable, fast.
pub type StreamRng = ChaCha8Rng;

/// SplitMix64 step: a well-mixed 64-bit output from a 64-bit state.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a, 64-bit: a stable hash of a stream name (never `std`'s hasher,
/// whose output may change between Rust releases).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Derives per-(replication, name) random streams from one master seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RngStreams {
    master_seed: u64,
    replication: u64,
}

impl RngStreams {
    /// Streams of replication `replication` under `master_seed`.
    pub fn new(master_seed: u64, replication: u64) -> Self {
        RngStreams {
            master_seed,
            replication,
        }
    }
    /// The master seed.
    pub fn master_seed(&self) -> u64 {
        self.master_seed
    }
    /// The replication number.
    pub fn replication(&self) -> u64 {
        self.replication
    }
    /// The generator for stream `name` (e.g. `"grid/outage/sichuan-coal"`).
    /// The same (seed, replication, name) always gives the same sequence.
    pub fn stream(&self, name: &str) -> StreamRng {
        let mut state = self.master_seed ^ splitmix64(&mut self.replication.clone());
        let mut key = [0u8; 32];
        for chunk in key.chunks_exact_mut(8) {
            chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
        }
        let mut rng = ChaCha8Rng::from_seed(key);
        rng.set_stream(fnv1a64(name.as_bytes()));
        rng
    }
}

/// A probability distribution over `f64`, as scenarios write it.
///
/// Parameters are checked by [`Dist::validate`]; a `Dist` built by
/// deserialization has already been validated. Per sample, Const draws no
/// generator value; Uniform (unless its bounds are equal, then none),
/// Triangular, Weibull, Discrete and Truncated draw one; the others draw a
/// variable number (Normal, LogNormal and Exp by the ziggurat of [`crate::dist`],
/// which retries outside its boxes; Beta, Pert and the Gamma-based by
/// rejection). Every draw is deterministic given the stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "DistData")]
pub enum Dist {
    /// Always `value`.
    Const {
        /// The value.
        value: f64,
    },
    /// Normal with `mean` and standard deviation `sd` (≥ 0).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation, ≥ 0.
        sd: f64,
    },
    /// Log-normal: `exp(N(mu, sigma))`; the median is `exp(mu)`.
    LogNormal {
        /// Mean of the logarithm.
        mu: f64,
        /// Standard deviation of the logarithm, ≥ 0.
        sigma: f64,
    },
    /// Uniform on `[low, high)` (`low ≤ high`).
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// Triangular on `[low, high]` with peak at `mode`.
    Triangular {
        /// Lower bound.
        low: f64,
        /// Most likely value.
        mode: f64,
        /// Upper bound.
        high: f64,
    },
    /// Beta(`alpha`, `beta`) on `[0, 1]`.
    Beta {
        /// First shape parameter, > 0.
        alpha: f64,
        /// Second shape parameter, > 0.
        beta: f64,
    },
    /// PERT on `[low, high]` with peak at `mode` (shape 4).
    Pert {
        /// Lower bound.
        low: f64,
        /// Most likely value.
        mode: f64,
        /// Upper bound.
        high: f64,
    },
    /// Exponential with the given `mean` (> 0).
    Exp {
        /// Mean, > 0.
        mean: f64,
    },
    /// Weibull with `scale` (> 0) and `shape` (> 0).
    Weibull {
        /// Scale parameter, > 0.
        scale: f64,
        /// Shape parameter, > 0.
        shape: f64,
    },
    /// One of `values`, with probabilities proportional to `weights`.
    Discrete {
        /// The possible values.
        values: Vec<f64>,
        /// Non-negative weights, one per value, not all zero.
        weights: Vec<f64>,
    },
    /// `dist` conditioned on `[low, high]`: its density renormalised over the
    /// interval, zero outside. Drawn by inverse CDF on
    /// `[F(low), F(high)]` (`F` the CDF of `dist`), so stratified designs
    /// (Latin hypercube, Sobol, Morris) stay stratified. `dist` must be
    /// continuous (not `Const`, `Discrete` or another `Truncated`) and hold
    /// at least [`MIN_TRUNCATED_MASS`] of its probability in `[low, high]`.
    Truncated {
        /// The distribution before truncation.
        dist: Box<Dist>,
        /// Lower bound, in the parameter's own unit.
        low: f64,
        /// Upper bound, in the parameter's own unit (> `low`).
        high: f64,
    },
}

/// The smallest probability [`Dist::quantile`] evaluates: 2⁻⁵⁴, the smallest
/// value the Monte Carlo designs' uniform draws take. Any `u` below it is
/// raised to it.
pub const P_MIN: f64 = 1.0 / 18_014_398_509_481_984.0;
/// The largest probability [`Dist::quantile`] evaluates: 1 − 2⁻⁵³, the
/// largest `f64` below 1. Any `u` above it is lowered to it, so
/// `quantile(1.0)` is finite for every distribution.
pub const P_MAX: f64 = 1.0 - f64::EPSILON / 2.0;
/// The least probability a [`Dist::Truncated`] must keep of its inner
/// distribution (10⁻⁶). A thinner slice sits so far in a tail that the inner
/// quantile cannot resolve it; write the narrow distribution directly instead.
pub const MIN_TRUNCATED_MASS: f64 = 1e-6;

/// Deserialization mirror of [`Dist`], validated on conversion.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
enum DistData {
    Const { value: f64 },
    Normal { mean: f64, sd: f64 },
    LogNormal { mu: f64, sigma: f64 },
    Uniform { low: f64, high: f64 },
    Triangular { low: f64, mode: f64, high: f64 },
    Beta { alpha: f64, beta: f64 },
    Pert { low: f64, mode: f64, high: f64 },
    Exp { mean: f64 },
    Weibull { scale: f64, shape: f64 },
    Discrete { values: Vec<f64>, weights: Vec<f64> },
    Truncated { dist: Box<Dist>, low: f64, high: f64 },
}

impl TryFrom<DistData> for Dist {
    type Error = String;
    fn try_from(d: DistData) -> Result<Dist, String> {
        let dist = match d {
            DistData::Const { value } => Dist::Const { value },
            DistData::Normal { mean, sd } => Dist::Normal { mean, sd },
            DistData::LogNormal { mu, sigma } => Dist::LogNormal { mu, sigma },
            DistData::Uniform { low, high } => Dist::Uniform { low, high },
            DistData::Triangular { low, mode, high } => Dist::Triangular { low, mode, high },
            DistData::Beta { alpha, beta } => Dist::Beta { alpha, beta },
            DistData::Pert { low, mode, high } => Dist::Pert { low, mode, high },
            DistData::Exp { mean } => Dist::Exp { mean },
            DistData::Weibull { scale, shape } => Dist::Weibull { scale, shape },
            DistData::Discrete { values, weights } => Dist::Discrete { values, weights },
            DistData::Truncated { dist, low, high } => Dist::Truncated { dist, low, high },
        };
        dist.validate()?;
        Ok(dist)
    }
}

/// An invalid distribution parameter, described for a modeler.
pub type DistError = String;

impl Dist {
    /// A constant.
    pub fn constant(value: f64) -> Dist {
        Dist::Const { value }
    }

    /// The distribution's name as scenario files write it (`Const`,
    /// `Normal`, `LogNormal`, `Uniform`, `Triangular`, `Beta`, `Pert`,
    /// `Exp`, `Weibull`, `Discrete`, `Truncated`), for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Dist::Const { .. } => "Const",
            Dist::Normal { .. } => "Normal",
            Dist::LogNormal { .. } => "LogNormal",
            Dist::Uniform { .. } => "Uniform",
            Dist::Triangular { .. } => "Triangular",
            Dist::Beta { .. } => "Beta",
            Dist::Pert { .. } => "Pert",
            Dist::Exp { .. } => "Exp",
            Dist::Weibull { .. } => "Weibull",
            Dist::Discrete { .. } => "Discrete",
            Dist::Truncated { .. } => "Truncated",
        }
    }

    /// Checks every parameter is finite and in range; the message names the
    /// parameter and what was expected.
    pub fn validate(&self) -> Result<(), DistError> {
        fn finite(name: &str, v: f64) -> Result<(), DistError> {
            if v.is_finite() {
                Ok(())
            } else {
                Err(format!("`{name}` must be a finite number, got {}", Num(v)))
            }
        }
        fn positive(name: &str, v: f64) -> Result<(), DistError> {
            finite(name, v)?;
            if v > 0.0 {
                Ok(())
            } else {
                Err(format!("`{name}` must be > 0, got {}", Num(v)))
            }
        }
        fn non_negative(name: &str, v: f64) -> Result<(), DistError> {
            finite(name, v)?;
            if v >= 0.0 {
                Ok(())
            } else {
                Err(format!("`{name}` must be ≥ 0, got {}", Num(v)))
            }
        }
        fn ordered3(low: f64, mode: f64, high: f64) -> Result<(), DistError> {
            finite("low", low)?;
            finite("mode", mode)?;
            finite("high", high)?;
            if low <= mode && mode <= high && low < high {
                Ok(())
            } else {
                Err(format!(
                    "need low ≤ mode ≤ high and low < high, got low {}, mode {}, high {}",
                    Num(low),
                    Num(mode),
                    Num(high)
                ))
            }
        }
        match *self {
            Dist::Const { value } => finite("value", value),
            Dist::Normal { mean, sd } => finite("mean", mean).and(non_negative("sd", sd)),
            Dist::LogNormal { mu, sigma } => finite("mu", mu).and(non_negative("sigma", sigma)),
            Dist::Uniform { low, high } => {
                finite("low", low)?;
                finite("high", high)?;
                if low <= high {
                    Ok(())
                } else {
                    Err(format!(
                        "need low ≤ high, got low {}, high {}",
                        Num(low),
                        Num(high)
                    ))
                }
            }
            Dist::Triangular { low, mode, high } | Dist::Pert { low, mode, high } => {
                ordered3(low, mode, high)
            }
            Dist::Beta { alpha, beta } => positive("alpha", alpha).and(positive("beta", beta)),
            Dist::Exp { mean } => positive("mean", mean),
            Dist::Weibull { scale, shape } => positive("scale", scale).and(positive("shape", shape)),
            Dist::Discrete {
                ref values,
                ref weights,
            } => {
                if values.is_empty() {
                    return Err("`values` must not be empty".into());
                }
                if values.len() != weights.len() {
                    return Err(format!(
                        "`values` and `weights` must have the same length, got {} and {}",
                        values.len(),
                        weights.len()
                    ));
                }
                for &v in values {
                    finite("values", v)?;
                }
                for &w in weights {
                    non_negative("weights", w)?;
                }
                if weights.iter().sum::<f64>() > 0.0 {
                    Ok(())
                } else {
                    Err("`weights` must not all be zero".into())
                }
            }
            Dist::Truncated { ref dist, low, high } => {
                finite("low", low)?;
                finite("high", high)?;
                if low >= high {
                    return Err(format!(
                        "need low < high, got low {}, high {}",
                        Num(low),
                        Num(high)
                    ));
                }
                match **dist {
                    Dist::Const { .. } | Dist::Discrete { .. } | Dist::Truncated { .. } => {
                        return Err(
                            "`dist` must be a continuous distribution (not Const, Discrete or Truncated); \
                             to drop values of a Discrete, list only the values you want"
                                .into(),
                        );
                    }
                    _ => {}
                }
                dist.validate().map_err(|e| format!("in `dist`: {e}"))?;
                let mass = dist.cdf(high) - dist.cdf(low);
                if mass >= MIN_TRUNCATED_MASS {
                    Ok(())
                } else {
                    Err(format!(
                        "[low, high] = [{low}, {high}] holds {mass:.3e} of `dist`'s probability; \
                         keep at least {MIN_TRUNCATED_MASS:e}"
                    ))
                }
            }
        }
    }

    /// The distribution of a duration already `spent` long at time zero and
    /// still running then: `self` conditioned on being longer than `spent`
    /// (same unit as the values, years for the lead times of construction
    /// projects, the one use so far: the grid's and the supply chain's).
    ///
    /// `self` itself when nothing was spent (`spent ≤ 0`) or when it is
    /// fixed: a `Const` that has run out ends at time zero. Otherwise a
    /// `Discrete` keeps only its values above `spent`, a `Truncated` raises
    /// its `low` to `spent`, and any other distribution is truncated to
    /// `[spent, f64::MAX]`, drawn by its inverse CDF over `[F(spent), 1]`
    /// (so any distribution works, and stratified designs stay stratified).
    /// A draw of the result less `spent` is the time still to run, ≥ 0.
    ///
    /// Refused, with a message that states `spent`, the probability beyond
    /// it and ends "has almost surely completed before the start", when
    /// less than [`MIN_TRUNCATED_MASS`] of the probability lies beyond
    /// `spent`: the duration has then almost surely ended before time zero.
    pub fn still_to_run(&self, spent: f64) -> Result<Dist, DistError> {
        if spent <= 0.0 || matches!(self, Dist::Const { .. }) {
            return Ok(self.clone());
        }
        let beyond = 1.0 - self.cdf(spent);
        if beyond.is_nan() || beyond < MIN_TRUNCATED_MASS {
            return Err(format!(
                "is {spent:.4} years (construction began that long before the start), and the lead time \
                 is longer than that with probability {beyond:.3e} (at least {MIN_TRUNCATED_MASS:e} needed): \
                 the project has almost surely completed before the start"
            ));
        }
        let conditioned = match self {
            Dist::Discrete { values, weights } => Dist::Discrete {
                values: values.clone(),
                weights: values
                    .iter()
                    .zip(weights)
                    .map(|(v, w)| if *v > spent { *w } else { 0.0 })
                    .collect(),
            },
            Dist::Truncated { dist, low, high } => Dist::Truncated {
                dist: dist.clone(),
                low: low.max(spent),
                high: *high,
            },
            other => Dist::Truncated {
                dist: Box::new(other.clone()),
                low: spent,
                high: f64::MAX,
            },
        };
        conditioned.validate()?;
        Ok(conditioned)
    }

    /// The smallest and largest values the distribution can take
    /// (infinite for unbounded tails).
    pub fn support(&self) -> (f64, f64) {
        match *self {
            Dist::Const { value } => (value, value),
            Dist::Normal { sd, mean } => {
                if sd == 0.0 {
                    (mean, mean)
                } else {
                    (f64::NEG_INFINITY, f64::INFINITY)
                }
            }
            Dist::LogNormal { .. } | Dist::Exp { .. } | Dist::Weibull { .. } => (0.0, f64::INFINITY),
            Dist::Uniform { low, high }
            | Dist::Triangular { low, high, .. }
            | Dist::Pert { low, high, .. } => (low, high),
            Dist::Beta { .. } => (0.0, 1.0),
            Dist::Discrete { ref values, .. } => values
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                }),
            Dist::Truncated { ref dist, low, high } => {
                let (a, b) = dist.support();
                (a.max(low), b.min(high))
            }
        }
    }

    /// The cumulative distribution function P(X ≤ x). Exact (to the
    /// precision of `erfc` and the incomplete beta function) for every
    /// variant; NaN for an invalid distribution.
    pub fn cdf(&self, x: f64) -> f64 {
        if x.is_nan() {
            return f64::NAN;
        }
        match *self {
            Dist::Const { value } => f64::from(u8::from(x >= value)),
            Dist::Normal { mean, sd } => {
                if sd == 0.0 {
                    f64::from(u8::from(x >= mean))
                } else {
                    normal_cdf((x - mean) / sd)
                }
            }
            Dist::LogNormal { mu, sigma } => {
                if x <= 0.0 {
                    0.0
                } else if sigma == 0.0 {
                    f64::from(u8::from(math::ln(x) >= mu))
                } else {
                    normal_cdf((math::ln(x) - mu) / sigma)
                }
            }
            Dist::Uniform { low, high } => {
                if x < low {
                    0.0
                } else if x >= high {
                    1.0
                } else {
                    (x - low) / (high - low)
                }
            }
            Dist::Triangular { low, mode, high } => {
                if x <= low {
                    0.0
                } else if x >= high {
                    1.0
                } else if x <= mode {
                    (x - low) * (x - low) / ((high - low) * (mode - low))
                } else {
                    1.0 - (high - x) * (high - x) / ((high - low) * (high - mode))
                }
            }
            Dist::Beta { alpha, beta } => incomplete_beta(alpha, beta, x),
            Dist::Pert { low, mode, high } => {
                let r = high - low;
                let a = 1.0 + 4.0 * (mode - low) / r;
                let b = 1.0 + 4.0 * (high - mode) / r;
                incomplete_beta(a, b, (x - low) / r)
            }
            Dist::Exp { mean } => {
                if x <= 0.0 {
                    0.0
                } else {
                    -math::exp_m1(-x / mean)
                }
            }
            Dist::Weibull { scale, shape } => {
                if x <= 0.0 {
                    0.0
                } else {
                    -math::exp_m1(-math::powf(x / scale, shape))
                }
            }
            Dist::Discrete {
                ref values,
                ref weights,
            } => {
                let total: f64 = weights.iter().sum();
                values
                    .iter()
                    .zip(weights)
                    .filter(|(v, _)| **v <= x)
                    .map(|(_, w)| w)
                    .sum::<f64>()
                    / total
            }
            Dist::Truncated { ref dist, low, high } => {
                let (fl, fh) = (dist.cdf(low), dist.cdf(high));
                ((dist.cdf(x.clamp(low, high)) - fl) / (fh - fl)).clamp(0.0, 1.0)
            }
        }
    }

    /// The distribution's mean (analytic).
    pub fn mean(&self) -> f64 {
        match *self {
            Dist::Const { value } => value,
            Dist::Normal { mean, .. } => mean,
            Dist::LogNormal { mu, sigma } => math::exp(mu + sigma * sigma / 2.0),
            Dist::Uniform { low, high } => (low + high) / 2.0,
            Dist::Triangular { low, mode, high } => (low + mode + high) / 3.0,
            Dist::Beta { alpha, beta } => alpha / (alpha + beta),
            Dist::Pert { low, mode, high } => (low + 4.0 * mode + high) / 6.0,
            Dist::Exp { mean } => mean,
            Dist::Weibull { scale, shape } => scale * gamma_fn(1.0 + 1.0 / shape),
            Dist::Discrete {
                ref values,
                ref weights,
            } => {
                let total: f64 = weights.iter().sum();
                values.iter().zip(weights).map(|(v, w)| v * w).sum::<f64>() / total
            }
            Dist::Truncated { ref dist, low, high } => match **dist {
                // μ + σ·(φ(α) − φ(β)) / (Φ(β) − Φ(α)), α = (low − μ)/σ, β = (high − μ)/σ.
                Dist::Normal { mean, sd } if sd > 0.0 => {
                    let (a, b) = ((low - mean) / sd, (high - mean) / sd);
                    let phi = |z: f64| math::exp(-0.5 * z * z) / (2.0 * std::f64::consts::PI).sqrt();
                    mean + sd * (phi(a) - phi(b)) / (normal_cdf(b) - normal_cdf(a))
                }
                // Otherwise numerically: the mean is ∫₀¹ Q(v) dv, and Q is
                // bounded by [low, high], so the midpoint rule errs by at most
                // (high − low) / 4096.
                _ => {
                    const N: usize = 4096;
                    (0..N)
                        .map(|i| self.quantile((i as f64 + 0.5) / N as f64))
                        .sum::<f64>()
                        / N as f64
                }
            },
        }
    }

    /// Draws one value. The distribution must be valid (see
    /// [`validate`](Self::validate)); an invalid one yields NaN rather than
    /// panicking, which callers treat as an error.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match *self {
            Dist::Const { value } => value,
            Dist::Normal { mean, sd } => {
                crate::dist::Normal::new(mean, sd).map_or(f64::NAN, |d| d.sample(rng))
            }
            Dist::LogNormal { mu, sigma } => {
                crate::dist::LogNormal::new(mu, sigma).map_or(f64::NAN, |d| d.sample(rng))
            }
            Dist::Uniform { low, high } => {
                if low == high {
                    low
                } else {
                    low + (high - low) * rng.random::<f64>()
                }
            }
            Dist::Triangular { low, mode, high } => {
                rand_distr::Triangular::new(low, high, mode).map_or(f64::NAN, |d| d.sample(rng))
            }
            Dist::Beta { alpha, beta } => {
                crate::dist::Beta::new(alpha, beta).map_or(f64::NAN, |d| d.sample(rng))
            }
            Dist::Pert { low, mode, high } => {
                crate::dist::Pert::new(low, high, mode).map_or(f64::NAN, |d| d.sample(rng))
            }
            Dist::Exp { mean } => crate::dist::Exp::new(1.0 / mean).map_or(f64::NAN, |d| d.sample(rng)),
            Dist::Weibull { scale, shape } => {
                crate::dist::Weibull::new(scale, shape).map_or(f64::NAN, |d| d.sample(rng))
            }
            Dist::Discrete {
                ref values,
                ref weights,
            } => {
                let total: f64 = weights.iter().sum();
                let mut u = rng.random::<f64>() * total;
                for (v, w) in values.iter().zip(weights) {
                    if u < *w {
                        return *v;
                    }
                    u -= w;
                }
                // Rounding left u just above the last weight: take the last
                // value with positive weight.
                values
                    .iter()
                    .zip(weights)
                    .rev()
                    .find(|(_, w)| **w > 0.0)
                    .map_or(f64::NAN, |(v, _)| *v)
            }
            Dist::Truncated { .. } => self.quantile(rng.random::<f64>()),
        }
    }

    /// The value at probability `u` of the distribution's inverse CDF, for
    /// designs that pick `u` themselves (Monte Carlo, Latin hypercube, Sobol,
    /// Morris).
    ///
    /// `u` is first clamped to [[`P_MIN`], [`P_MAX`]], the range of the
    /// designs' uniform draws, so `quantile(0.0)` and `quantile(1.0)` are the
    /// most extreme values any draw can take (finite for every valid
    /// distribution; the scenario load check tests a parameter there).
    /// Closed form for every variant but Normal and LogNormal (Acklam's
    /// approximation, relative error below 1.15e-9), Beta and Pert (bisection
    /// of the continued-fraction incomplete beta function to an interval of
    /// 1e-12) and Truncated (the inner quantile at `F(low) + u·(F(high) −
    /// F(low))`, kept within `[low, high]`).
    pub fn quantile(&self, u: f64) -> f64 {
        let u = if u.is_nan() { u } else { u.clamp(P_MIN, P_MAX) };
        match *self {
            Dist::Const { value } => value,
            Dist::Normal { mean, sd } => mean + sd * std_normal_quantile(u),
            Dist::LogNormal { mu, sigma } => math::exp(mu + sigma * std_normal_quantile(u)),
            Dist::Uniform { low, high } => low + (high - low) * u,
            Dist::Triangular { low, mode, high } => {
                let fc = (mode - low) / (high - low);
                if u < fc {
                    low + (u * (high - low) * (mode - low)).sqrt()
                } else {
                    high - ((1.0 - u) * (high - low) * (high - mode)).sqrt()
                }
            }
            // ln_1p keeps the lower tail above 0: math::ln(1 − u) rounds to 0 below u = 2⁻⁵³.
            Dist::Exp { mean } => -mean * math::ln_1p(-u),
            Dist::Weibull { scale, shape } => scale * math::powf(-math::ln_1p(-u), 1.0 / shape),
            Dist::Beta { alpha, beta } => beta_quantile(alpha, beta, u),
            Dist::Pert { low, mode, high } => {
                let r = high - low;
                let a = 1.0 + 4.0 * (mode - low) / r;
                let b = 1.0 + 4.0 * (high - mode) / r;
                low + r * beta_quantile(a, b, u)
            }
            Dist::Discrete {
                ref values,
                ref weights,
            } => {
                let total: f64 = weights.iter().sum();
                let mut acc = 0.0;
                for (v, w) in values.iter().zip(weights) {
                    acc += w / total;
                    if u <= acc && *w > 0.0 {
                        return *v;
                    }
                }
                values
                    .iter()
                    .zip(weights)
                    .rev()
                    .find(|(_, w)| **w > 0.0)
                    .map_or(f64::NAN, |(v, _)| *v)
            }
            Dist::Truncated { ref dist, low, high } => {
                let (fl, fh) = (dist.cdf(low), dist.cdf(high));
                let v = (fl + u * (fh - fl)).clamp(fl, fh);
                // The inner quantile clamps again to [P_MIN, P_MAX]; the
                // result is kept in [low, high] against rounding there.
                dist.quantile(v).clamp(low, high)
            }
        }
    }
}

/// Standard normal CDF Φ(x), via [`erfc`] (relative error below 1e-14).
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// Complementary error function: a Taylor series of erf below 2 and Lentz's
/// continued fraction above (relative error below 1e-14).
pub fn erfc(x: f64) -> f64 {
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    if x < 2.0 {
        // erf series: erf(x) = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1))
        let mut sum: f64 = 0.0;
        let mut term = x;
        let x2 = x * x;
        let mut n = 0.0;
        while term.abs() > 1e-17 * sum.abs().max(1e-300) {
            sum += term / (2.0 * n + 1.0);
            n += 1.0;
            term *= -x2 / n;
            if n > 200.0 {
                break;
            }
        }
        1.0 - 2.0 / std::f64::consts::PI.sqrt() * sum
    } else {
        // Continued fraction (Lentz) for erfc: e^{-x²}/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...))))
        let tiny = 1e-300;
        let mut f = x;
        let mut c = x;
        let mut d = 0.0;
        for k in 1..300 {
            let a = k as f64 / 2.0;
            d = x + a * d;
            d = if d.abs() < tiny { tiny } else { d };
            c = x + a / c;
            c = if c.abs() < tiny { tiny } else { c };
            d = 1.0 / d;
            let delta = c * d;
            f *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        math::exp(-x * x) / std::f64::consts::PI.sqrt() / f
    }
}

/// Inverse of the standard normal CDF (Acklam's rational approximation:
/// relative error below 1.15e-9 over the whole range).
pub fn std_normal_quantile(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let plow = 0.02425;
    let x = if p < plow {
        let q = (-2.0 * math::ln(p)).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - plow {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * math::ln(1.0 - p)).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    // No refinement step: a Halley step is only as good as the CDF it
    // evaluates, and a 1e-7 erfc made the result worse than Acklam's own
    // 1.15e-9 (a regression test in tests/rng.rs pins this).
    x
}

/// Lanczos approximation of the gamma function (g = 7, n = 9), for `x > 0`.
pub fn gamma_fn(x: f64) -> f64 {
    math::exp(ln_gamma(x))
}

/// Natural log of the gamma function, Lanczos (g = 7, n = 9), for `x > 0`.
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEF: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return math::ln(pi / math::sin(pi * x)) - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = COEF[0];
    let t = x + G + 0.5;
    for (i, c) in COEF.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * math::ln(2.0 * std::f64::consts::PI) + (x + 0.5) * math::ln(t) - t + math::ln(a)
}

/// Regularized incomplete beta function I_x(a, b), by its continued
/// fraction (modified Lentz, Numerical Recipes 3rd ed. §6.4), evaluated
/// directly below x = (a + 1)/(a + b + 2) and as 1 − I_{1−x}(b, a) above.
/// The one implementation in the workspace: Beta and Pert CDFs and
/// quantiles here, Student-t quantiles (`t95`) in montecarlo.
///
/// Relative error against mpmath (40 digits) on a grid of a, b in
/// [0.05, 5000] and x in [1e-10, 1 − 1e-6]: median 1e-15, mean 1.5e-13,
/// largest 1e-10 (a = 5000, b = 0.05, x = 0.9999), where the front factor's
/// log-gamma terms cancel; values below about 1e-290 underflow to 0.
pub fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    if x > (a + 1.0) / (a + b + 2.0) {
        return 1.0 - incomplete_beta(b, a, 1.0 - x);
    }
    let front =
        math::exp(ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * math::ln(x) + b * math::ln(1.0 - x));
    let tiny = 1e-300;
    let (mut c, mut d) = (1.0, 1.0 - (a + b) * x / (a + 1.0));
    d = if d.abs() < tiny { tiny } else { d };
    d = 1.0 / d;
    let mut f = d;
    for m in 1..500 {
        let m = f64::from(m);
        for num in [
            m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0)),
        ] {
            d = 1.0 + num * d;
            d = if d.abs() < tiny { tiny } else { d };
            c = 1.0 + num / c;
            c = if c.abs() < tiny { tiny } else { c };
            d = 1.0 / d;
            f *= c * d;
        }
        if (c * d - 1.0).abs() < 1e-15 {
            break;
        }
    }
    front * f / a
}

fn beta_quantile(a: f64, b: f64, u: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if incomplete_beta(a, b, mid) < u {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-12 {
            break;
        }
    }
    0.5 * (lo + hi)
}
