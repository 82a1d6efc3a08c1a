//! Shapes over time: the hour and season of a dispatch step, non-AI demand's
//! daily and seasonal shape, solar's daily shape and the autocorrelated
//! weather process behind wind and hydro.
//!
//! Every shape is a cosine in an angle computed once per step
//! ([`TimeFeatures`]), so a region costs a few multiply-adds per step:
//! `cos(θ − p) = cos θ cos p + sin θ sin p` with `cos p`, `sin p` precomputed.

use rand::Rng;
use scheduler::dist::StandardNormal;
use scheduler::math;
use scheduler::{Calendar, SECS_PER_DAY, SimTime};
use std::f64::consts::TAU;

/// Days in the mean calendar year used for seasonal angles.
pub(crate) const DAYS_PER_YEAR: f64 = 365.25;
/// Day of the year of the June solstice (solar seasonal peak).
const SOLSTICE_DAY: f64 = 171.0;

/// The angles of one dispatch step: hour of day and day of year, as
/// cosine/sine pairs, evaluated at the middle of the step.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TimeFeatures {
    pub cos_day: f64,
    pub sin_day: f64,
    pub cos_year: f64,
    pub sin_year: f64,
}

/// Maps simulated time to [`TimeFeatures`], from the calendar's start date.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    /// Days from 1 January of the start year to the start date.
    start_day_of_year: f64,
}

impl Clock {
    pub fn new(calendar: &Calendar) -> Clock {
        let frac = calendar
            .fractional_year(SimTime::ZERO)
            .map_or(0.0, |y| y - y.floor());
        Clock {
            start_day_of_year: frac * DAYS_PER_YEAR,
        }
    }

    /// The angles at `mid_secs` seconds after the start (the middle of a
    /// step or of a held weather window), computed afresh: for instants
    /// that do not recur daily, and the reference [`Clock::features_cached`]
    /// is checked against.
    pub fn features(&self, mid_secs: f64) -> TimeFeatures {
        self.features_with(mid_secs, day_sin_cos)
    }

    /// [`Clock::features`], the day angle's sine and cosine looked up in
    /// `cache` (the same numbers: the same function of the same second of
    /// the day, computed once).
    pub fn features_cached(&self, mid_secs: f64, cache: &mut DayAngles) -> TimeFeatures {
        self.features_with(mid_secs, |in_day| cache.sin_cos(in_day))
    }

    /// The angles at `mid_secs`, the day angle's `(sin, cos)` from
    /// `day(in_day)` (`in_day`: seconds since midnight).
    #[inline(always)]
    fn features_with(&self, mid_secs: f64, day: impl FnOnce(f64) -> (f64, f64)) -> TimeFeatures {
        // `mid_secs % day` by integer arithmetic (a float remainder is a libm call).
        let whole = mid_secs as u64;
        let in_day = (whole % SECS_PER_DAY) as f64 + (mid_secs - whole as f64);
        let year_angle = TAU * (self.start_day_of_year + mid_secs / SECS_PER_DAY as f64) / DAYS_PER_YEAR;
        let (sin_day, cos_day) = day(in_day);
        let (sin_year, cos_year) = math::sin_cos(year_angle);
        TimeFeatures {
            cos_day,
            sin_day,
            cos_year,
            sin_year,
        }
    }
}

/// The day angle's `(sin, cos)` at `in_day` seconds since midnight.
fn day_sin_cos(in_day: f64) -> (f64, f64) {
    math::sin_cos(TAU * in_day / SECS_PER_DAY as f64)
}

/// The day angle's `(sin, cos)` by second of the day, for steps whose
/// middles recur at the same seconds every day (any step that divides a
/// day): `sin_cos` was half of a step's time features, a cache hit is a
/// comparison. Direct-mapped by the minute of the day: the 24 hourly (or
/// 96 quarter-hourly) middles each get their own slot, and a slot that
/// two seconds share is only recomputed, never wrong (it is keyed by the
/// exact second).
#[derive(Clone, Debug)]
pub(crate) struct DayAngles {
    /// `(in_day bits, sin, cos)`; `u64::MAX` (a NaN, never a second of
    /// the day) when empty.
    slots: [(u64, f64, f64); DayAngles::SLOTS],
}

impl Default for DayAngles {
    fn default() -> Self {
        DayAngles {
            slots: [(u64::MAX, 0.0, 0.0); DayAngles::SLOTS],
        }
    }
}

impl DayAngles {
    /// Slots: a power of two above the 96 quarter-hours of a day.
    const SLOTS: usize = 128;

    /// [`day_sin_cos`] of `in_day`, from the cache when it holds it.
    #[inline(always)]
    fn sin_cos(&mut self, in_day: f64) -> (f64, f64) {
        let slot = &mut self.slots[(in_day as usize / 60) % Self::SLOTS];
        if slot.0 != in_day.to_bits() {
            let (sin, cos) = day_sin_cos(in_day);
            *slot = (in_day.to_bits(), sin, cos);
        }
        (slot.1, slot.2)
    }
}

/// A phase, stored as its cosine and sine.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Phase {
    cos: f64,
    sin: f64,
}

impl Phase {
    /// The phase of hour `h` of the day.
    pub fn hour(h: f64) -> Phase {
        let (sin, cos) = math::sin_cos(TAU * h / 24.0);
        Phase { cos, sin }
    }
    /// The phase of day `d` of the year.
    pub fn day(d: f64) -> Phase {
        let (sin, cos) = math::sin_cos(TAU * d / DAYS_PER_YEAR);
        Phase { cos, sin }
    }
    /// `cos(day angle − phase)`.
    #[inline]
    pub fn daily(&self, f: &TimeFeatures) -> f64 {
        f.cos_day * self.cos + f.sin_day * self.sin
    }
    /// `cos(year angle − phase)`.
    #[inline]
    pub fn yearly(&self, f: &TimeFeatures) -> f64 {
        f.cos_year * self.cos + f.sin_year * self.sin
    }
}

/// Non-AI demand shape: `(1 + a_d cos(day − peak_hour)) S(year)` with the
/// seasonal factor `S = 1 + a_s cos(year − peak_day) + a_2 cos(2(year −
/// semiannual_peak))`, which averages to one over a day and over a year
/// (every cosine, and every product of the daily with a seasonal one, has
/// mean zero over a year).
#[derive(Clone, Copy, Debug)]
pub(crate) struct DemandShape {
    pub daily_amplitude: f64,
    pub peak_hour: Phase,
    pub seasonal_amplitude: f64,
    pub peak_day: Phase,
    /// The semi-annual harmonic's amplitude `a_2` (0: none, and no cost).
    pub semiannual_amplitude: f64,
    /// The semi-annual harmonic's phase: one of its two peaks.
    pub semiannual_peak: Phase,
}

impl DemandShape {
    /// The factor at the instant whose angles are `f` (inlined into the
    /// dispatch's region loop, as it was before the semi-annual term).
    #[inline(always)]
    pub fn factor(&self, f: &TimeFeatures) -> f64 {
        (1.0 + self.daily_amplitude * self.peak_hour.daily(f)) * self.seasonal(f)
    }

    /// The seasonal factor `1 + a_s cos(year − peak_day) + a_2 cos(2(year −
    /// semiannual_peak))`. `cos 2u = 2 cos²u − 1`, so the semi-annual
    /// cosine needs no angle of its own; a shape without it skips it (the
    /// one-harmonic shape's bits and cost).
    #[inline(always)]
    pub fn seasonal(&self, f: &TimeFeatures) -> f64 {
        let mut season = 1.0 + self.seasonal_amplitude * self.peak_day.yearly(f);
        // Compared by its bits (an integer test, cheaper than a float
        // comparison in the region loop); a −0.0 amplitude takes the
        // branch and adds ±0, the same bits.
        if self.semiannual_amplitude.to_bits() != 0 {
            let c = self.semiannual_peak.yearly(f);
            season += self.semiannual_amplitude * (2.0 * c * c - 1.0);
        }
        season
    }
}

/// Step averages for dispatch intervals longer than an hour: one sample at
/// a step's middle is a fair value of a shape only when the step is short
/// against the day (at 12 h the solar shape sampled at 06:00 and 18:00 is
/// about zero; at 24 h it reads noon all day). Intervals of at most an hour
/// sample the middle, as before (`None` in the grid), so hourly runs are
/// unchanged; sampled hourly midpoints average to the same daily and yearly
/// means as the continuous shapes.
#[derive(Clone, Debug)]
pub(crate) struct StepAverage {
    /// `sinc(ω·Δt/2)` of the daily angle, the yearly angle, their sum and
    /// their difference: a cosine's mean over a step of `Δt` centred at `t`
    /// is its value at `t` times `sinc` of half the angle it sweeps.
    sinc_day: f64,
    sinc_year: f64,
    sinc_sum: f64,
    sinc_diff: f64,
    /// The same for the semi-annual angle (twice the yearly speed), and
    /// for the daily angle plus and minus it.
    sinc_semi: f64,
    sinc_sum_semi: f64,
    sinc_diff_semi: f64,
    /// Offsets of the sub-points (the middles of `n` equal parts of the
    /// step, each at most an hour) from the step's middle, as rotations of
    /// the daily and yearly angles: (cos, sin) of day, (cos, sin) of year.
    offsets: Vec<[f64; 4]>,
    /// The current step's sub-point angles (filled by [`StepAverage::set_step`]).
    sub: Vec<TimeFeatures>,
}

/// `sin x / x`, 1 at 0.
fn sinc(x: f64) -> f64 {
    if x.abs() < 1e-12 { 1.0 } else { math::sin(x) / x }
}

/// The mean of a yearly cosine over a step of `dt_secs` seconds, as a
/// multiple of its value at the step's middle: `sinc(ω_year·Δt/2)`. Exactly
/// 1 for steps of at most an hour, which sample the middle.
pub(crate) fn yearly_step_mean(dt_secs: f64) -> f64 {
    if dt_secs <= 3600.0 {
        return 1.0;
    }
    sinc(0.5 * TAU / (SECS_PER_DAY as f64 * DAYS_PER_YEAR) * dt_secs)
}

impl StepAverage {
    /// The averages for a step of `dt_secs` seconds; `None` for steps of at
    /// most an hour (sampled at their middle).
    pub fn new(dt_secs: u64) -> Option<StepAverage> {
        if dt_secs <= 3600 {
            return None;
        }
        let dt = dt_secs as f64;
        let day = SECS_PER_DAY as f64;
        let w_day = TAU / day;
        let w_year = TAU / (day * DAYS_PER_YEAR);
        let n = dt_secs.div_ceil(3600) as usize;
        let offsets = (0..n)
            .map(|j| {
                let delta = ((j as f64 + 0.5) / n as f64 - 0.5) * dt;
                let (sd, cd) = math::sin_cos(w_day * delta);
                let (sy, cy) = math::sin_cos(w_year * delta);
                [cd, sd, cy, sy]
            })
            .collect();
        Some(StepAverage {
            sinc_day: sinc(0.5 * w_day * dt),
            sinc_year: yearly_step_mean(dt),
            sinc_sum: sinc(0.5 * (w_day + w_year) * dt),
            sinc_diff: sinc(0.5 * (w_day - w_year) * dt),
            sinc_semi: sinc(w_year * dt),
            sinc_sum_semi: sinc(0.5 * (w_day + 2.0 * w_year) * dt),
            sinc_diff_semi: sinc(0.5 * (w_day - 2.0 * w_year) * dt),
            offsets,
            sub: vec![TimeFeatures::default(); n],
        })
    }

    /// Sets the sub-point angles of the step whose middle has angles `f`.
    pub fn set_step(&mut self, f: &TimeFeatures) {
        for (s, [cd, sd, cy, sy]) in self.sub.iter_mut().zip(&self.offsets) {
            *s = TimeFeatures {
                cos_day: f.cos_day * cd - f.sin_day * sd,
                sin_day: f.sin_day * cd + f.cos_day * sd,
                cos_year: f.cos_year * cy - f.sin_year * sy,
                sin_year: f.sin_year * cy + f.cos_year * sy,
            };
        }
    }

    /// The mean of `shape`'s factor over the step whose middle is `f`, in
    /// closed form: with `x`, `y` the daily and yearly angles less their
    /// peaks, `(1 + a cos x)(1 + b cos y) = 1 + a cos x + b cos y +
    /// ab/2 (cos(x + y) + cos(x − y))`, each cosine's mean its middle value
    /// times the sinc of its angular speed. A semi-annual harmonic `c cos
    /// 2v` (`v` the yearly angle less its peak) adds `c cos 2v + ac/2
    /// (cos(x + 2v) + cos(x − 2v))`, averaged the same way.
    pub fn demand_factor(&self, shape: &DemandShape, f: &TimeFeatures) -> f64 {
        let (a, b) = (shape.daily_amplitude, shape.seasonal_amplitude);
        let cx = shape.peak_hour.daily(f);
        let sx = f.sin_day * shape.peak_hour.cos - f.cos_day * shape.peak_hour.sin;
        let cy = shape.peak_day.yearly(f);
        let sy = f.sin_year * shape.peak_day.cos - f.cos_year * shape.peak_day.sin;
        let mean = 1.0
            + a * self.sinc_day * cx
            + b * self.sinc_year * cy
            + 0.5 * a * b * (self.sinc_sum * (cx * cy - sx * sy) + self.sinc_diff * (cx * cy + sx * sy));
        let c = shape.semiannual_amplitude;
        if c == 0.0 {
            return mean;
        }
        let p = shape.semiannual_peak;
        let (cv, sv) = (p.yearly(f), f.sin_year * p.cos - f.cos_year * p.sin);
        let (c2v, s2v) = (2.0 * cv * cv - 1.0, 2.0 * sv * cv);
        let cross = self.sinc_sum_semi * (cx * c2v - sx * s2v) + self.sinc_diff_semi * (cx * c2v + sx * s2v);
        mean + c * self.sinc_semi * c2v + 0.5 * a * c * cross
    }

    /// The mean of `shape`'s solar fraction over the step set by
    /// [`StepAverage::set_step`]: the mean of its sub-points (clipping
    /// leaves no closed form). `LOCAL` as in [`SolarShape::fraction_at`].
    pub fn solar_fraction<const LOCAL: bool>(&self, shape: &SolarShape) -> f64 {
        self.sub
            .iter()
            .map(|s| shape.fraction_at::<LOCAL>(s))
            .sum::<f64>()
            / self.sub.len() as f64
    }
}

/// Solar availability: `min(1, scale · max(0, cos(day − noon) + k cos(year − solstice)))`.
/// `k` lengthens and strengthens summer days; `scale` is solved so that the
/// mean over a year equals the capacity factor. Noon and the solstice are
/// the region's local ones ([`SolarShape::local`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct SolarShape {
    scale: f64,
    seasonal_amplitude: f64,
    solstice: Phase,
    /// Local noon on the grid's clock: 12:00 less the region's UTC offset.
    noon: Phase,
}

impl SolarShape {
    /// Solves `scale` for `capacity_factor`; `None` if the shape cannot reach it.
    pub fn new(capacity_factor: f64, seasonal_amplitude: f64) -> Option<SolarShape> {
        let scale = solved(Solve::SolarScale, capacity_factor, seasonal_amplitude, || {
            Self::solve_scale(capacity_factor, seasonal_amplitude).unwrap_or(f64::NAN)
        });
        (!scale.is_nan()).then(|| SolarShape {
            scale,
            seasonal_amplitude,
            solstice: Phase::day(SOLSTICE_DAY),
            // cos and sin of π exactly (`Phase::hour(12.0)` gives a sine of
            // 1.2e-16): `noon.daily(f)` is then `−cos(day)` bit for bit, the
            // shape before regions had local clocks.
            noon: Phase { cos: -1.0, sin: 0.0 },
        })
    }

    /// The shape on a region's local clock, `utc_offset_hours` ahead of the
    /// grid's: local noon falls at `12 − offset` on the grid's clock and
    /// the solstice `offset/24` days earlier. The scale needs no new solve
    /// (a shifted clock has the same annual mean). Offset 0: the same shape.
    pub fn local(self, utc_offset_hours: f64) -> SolarShape {
        if utc_offset_hours == 0.0 {
            return self;
        }
        SolarShape {
            solstice: Phase::day(SOLSTICE_DAY - utc_offset_hours / 24.0),
            noon: Phase::hour(12.0 - utc_offset_hours),
            ..self
        }
    }

    /// The `scale` that gives `capacity_factor`, by bisection; `None` if unreachable.
    fn solve_scale(capacity_factor: f64, seasonal_amplitude: f64) -> Option<f64> {
        // Raw shape on a grid of 24 hours × 73 days (every 5th day).
        let mut raw = Vec::with_capacity(24 * 73);
        for d in 0..73 {
            let season = math::cos(TAU * (5.0 * d as f64 + 2.5 - SOLSTICE_DAY) / DAYS_PER_YEAR);
            for h in 0..24 {
                let sun = math::cos(TAU * (h as f64 + 0.5 - 12.0) / 24.0);
                raw.push((sun + seasonal_amplitude * season).max(0.0));
            }
        }
        let mean_at = |scale: f64| raw.iter().map(|r| (scale * r).min(1.0)).sum::<f64>() / raw.len() as f64;
        let (mut lo, mut hi) = (0.0f64, 1e6f64);
        if mean_at(hi) < capacity_factor {
            return None;
        }
        for _ in 0..100 {
            let mid = (lo * hi).sqrt().max(0.5 * (lo + hi) * 1e-3);
            if mean_at(mid) < capacity_factor {
                lo = mid;
            } else {
                hi = mid;
            }
            if hi - lo < 1e-12 * hi {
                break;
            }
        }
        Some(hi)
    }

    /// Available MW per installed MW at `f`. `LOCAL`: the shape's own noon
    /// (a region off the grid's clock); otherwise noon at 12:00, where
    /// `cos(day − noon) = −cos(day)` costs a sign (the grid keeps its solar
    /// groups in two lists, so that a scenario without local clocks pays
    /// nothing for them).
    #[inline]
    pub fn fraction_at<const LOCAL: bool>(&self, f: &TimeFeatures) -> f64 {
        let day = if LOCAL { self.noon.daily(f) } else { -f.cos_day };
        let raw = day + self.seasonal_amplitude * self.solstice.yearly(f);
        (self.scale * raw.max(0.0)).min(1.0)
    }

    /// Available MW per installed MW at `f`, at the shape's own noon.
    #[cfg(test)]
    pub fn fraction(&self, f: &TimeFeatures) -> f64 {
        self.fraction_at::<true>(f)
    }

    /// Whether noon is the grid's 12:00 ([`SolarShape::fraction_at`] may
    /// take `LOCAL = false`).
    pub fn on_grid_clock(&self) -> bool {
        self.noon.cos == -1.0 && self.noon.sin == 0.0
    }
}

/// Wind or hydro availability: a stationary AR(1) `z` (unit variance),
/// availability `logistic(mu + sd·z) · (1 + k cos(year − peak))`, clamped to [0, 1].
/// For steps over an hour the seasonal factor is its mean over the step
/// (`k` times [`yearly_step_mean`], the cosine taken at the step's middle),
/// as demand's is; `z` is one state a step, so it needs no averaging.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WeatherProcess {
    mu: f64,
    sd: f64,
    phi: f64,
    innovation_sd: f64,
    z: f64,
    seasonal_amplitude: f64,
    peak_day: Phase,
}

/// `1 / (1 + e^-x)`.
#[inline]
fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + exp(-x))
}

/// `e^x` without a libm call (it is the largest cost of a weather step):
/// `e^x = 2^k · e^r` with `k = round(x / ln 2)`, `|r| ≤ ln 2 / 2`, and `e^r`
/// by its Taylor polynomial of degree 13 (truncation error below 2e-17
/// relative, so within a few ulp of the libm result), evaluated by Estrin's
/// scheme so that the dependency chain is short (a Horner chain of 13
/// multiply-adds costs more latency than the libm call). Arguments are
/// clamped to ±700, where `e^x` is still a normal number.
#[inline]
pub(crate) fn exp(x: f64) -> f64 {
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    // Adding and subtracting 1.5·2^52 rounds to the nearest integer.
    const ROUND: f64 = 6_755_399_441_055_744.0;
    // 1/n! for n = 0..=13.
    const C: [f64; 14] = [
        1.0,
        1.0,
        0.5,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5_040.0,
        1.0 / 40_320.0,
        1.0 / 362_880.0,
        1.0 / 3_628_800.0,
        1.0 / 39_916_800.0,
        1.0 / 479_001_600.0,
        1.0 / 6_227_020_800.0,
    ];
    let x = x.clamp(-700.0, 700.0);
    let t = x * std::f64::consts::LOG2_E + ROUND;
    let k = t - ROUND;
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let pair = |i: usize| C[i] + C[i + 1] * r;
    let low = pair(0) + r2 * pair(2) + r4 * (pair(4) + r2 * pair(6));
    let high = pair(8) + r2 * pair(10) + r4 * pair(12);
    // 2^k from the bits of `t`: its low mantissa bits hold 2^51 + k, so
    // adding the bias and shifting leaves exactly k + 1023 in the exponent
    // field (|k| ≤ 1010 here). Integer lanes, so a loop of `exp` vectorises
    // (a float-to-i64 conversion would not, without AVX-512).
    (low + r8 * high) * f64::from_bits((t.to_bits().wrapping_add(1023)) << 52)
}

/// Which setup equation [`solved`] remembers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Solve {
    /// [`SolarShape`]'s scale for (capacity factor, seasonal amplitude); NaN: unreachable.
    SolarScale,
    /// [`WeatherProcess`]'s logit mean for (capacity factor, logit sd).
    LogitMean,
}

thread_local! {
    /// Setup equations already solved on this thread, by the exact bits of
    /// their inputs. A batch builds the same grid for every run and a grid
    /// has the same technology in every region; each solve is a bisection
    /// of thousands of `exp` calls. The answer is a pure function of the
    /// inputs, so remembering it changes nothing but the time.
    static SOLVED: std::cell::RefCell<Vec<(Solve, u64, u64, f64)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The remembered answer of `kind` for `(a, b)`, or `solve()`'s (then remembered).
fn solved(kind: Solve, a: f64, b: f64, solve: impl FnOnce() -> f64) -> f64 {
    const KEEP: usize = 256;
    let key = (kind, a.to_bits(), b.to_bits());
    let hit = SOLVED.with_borrow(|memo| memo.iter().find(|m| (m.0, m.1, m.2) == key).map(|m| m.3));
    hit.unwrap_or_else(|| {
        let value = solve();
        SOLVED.with_borrow_mut(|memo| {
            if memo.len() == KEEP {
                memo.clear();
            }
            memo.push((key.0, key.1, key.2, value));
        });
        value
    })
}

/// Points of the rule behind [`mean_logistic`].
const RULE_POINTS: usize = 97;

/// The nodes `z_i` on [−6, 6] and the normal-density weights `e^(−z²/2)` of
/// a 97-point rule, and the weights' sum.
fn normal_rule() -> ([(f64, f64); RULE_POINTS], f64) {
    let mut rule = [(0.0, 0.0); RULE_POINTS];
    let mut den = 0.0;
    for (i, node) in rule.iter_mut().enumerate() {
        let z = -6.0 + 12.0 * i as f64 / 96.0;
        let w = math::exp(-0.5 * z * z);
        *node = (z, w);
        den += w;
    }
    (rule, den)
}

/// `E[logistic(mu + sd Z)]` for standard normal `Z`, by the rule of [`normal_rule`].
fn mean_logistic(mu: f64, sd: f64, rule: &[(f64, f64); RULE_POINTS], den: f64) -> f64 {
    let mut num = 0.0;
    for &(z, w) in rule {
        num += w * logistic(mu + sd * z);
    }
    num / den
}

/// The weather's factor on non-AI demand ([`crate::DemandConfig::noise_sd`]):
/// region `r`'s factor at a step is `exp(σ_r·x_r − σ_r²/2)` with
/// `x_r = √w·c + √(1 − w)·e_r`, where `c` (shared by every region) and each
/// `e_r` are standard AR(1) processes, `z' = φ·z + √(1 − φ²)·ε` with
/// `φ = exp(−Δt/τ)`, started from their stationary N(0, 1). So `x_r` is
/// standard normal at every step, its lag-one correlation is `φ`, two
/// regions' `x` correlate by `w`, and the factor is lognormal with mean
/// exactly 1 (`E[e^{σx}] = e^{σ²/2}`): the noise moves demand about its
/// shape and leaves its expected energy alone. Each process draws from its
/// own stream (`grid/demand-noise` and `grid/demand-noise/<region>`), and
/// only where it has weight: a region of σ = 0 draws nothing and its factor
/// is exactly 1.
#[derive(Clone, Debug)]
pub(crate) struct DemandNoise {
    phi: f64,
    innovation_sd: f64,
    /// `√w` and `√(1 − w)`.
    shared_weight: f64,
    own_weight: f64,
    /// The shared process's state and stream (`None` when `w` = 0).
    shared: Option<(f64, Box<scheduler::StreamRng>)>,
    /// The shared process's states over a block.
    shared_block: Vec<f64>,
    /// Each noisy region: index, σ, its own state and stream (`None` when `w` = 1).
    regions: Vec<NoisyRegion>,
}

#[derive(Clone, Debug)]
struct NoisyRegion {
    index: usize,
    sd: f64,
    own: Option<(f64, Box<scheduler::StreamRng>)>,
}

impl DemandNoise {
    /// The noise of the regions with `sd > 0` (`(index, σ, own stream)`),
    /// stepping every `step_hours` with correlation time `tau_hours` and a
    /// shared share `w`; `None` when no region has noise. Each process's
    /// first draw is its stationary start.
    pub fn new(
        regions: Vec<(usize, f64, Box<scheduler::StreamRng>)>,
        shared_rng: Box<scheduler::StreamRng>,
        shared_share: f64,
        tau_hours: f64,
        step_hours: f64,
    ) -> Option<DemandNoise> {
        if regions.is_empty() {
            return None;
        }
        let phi = math::exp(-step_hours / tau_hours);
        let start = |mut rng: Box<scheduler::StreamRng>| {
            let z: f64 = rng.sample(StandardNormal);
            (z, rng)
        };
        Some(DemandNoise {
            phi,
            innovation_sd: (1.0 - phi * phi).max(0.0).sqrt(),
            shared_weight: shared_share.sqrt(),
            own_weight: (1.0 - shared_share).sqrt(),
            shared: (shared_share > 0.0).then(|| start(shared_rng)),
            shared_block: Vec::new(),
            regions: regions
                .into_iter()
                .map(|(index, sd, rng)| NoisyRegion {
                    index,
                    sd,
                    own: (shared_share < 1.0).then(|| start(rng)),
                })
                .collect(),
        })
    }

    /// Advances every process `steps` steps and writes the factors of the
    /// block to `out[k · regions + r]` (step-major; a region without noise
    /// keeps what `out` holds, 1).
    pub fn fill(&mut self, steps: usize, regions: usize, out: &mut [f64]) {
        let (phi, innovation_sd) = (self.phi, self.innovation_sd);
        let advance = |state: &mut (f64, Box<scheduler::StreamRng>), v: &mut f64| {
            let eps: f64 = state.1.sample(StandardNormal);
            state.0 = phi * state.0 + innovation_sd * eps;
            *v = state.0;
        };
        self.shared_block.clear();
        self.shared_block.resize(steps, 0.0);
        if let Some(shared) = self.shared.as_mut() {
            for v in &mut self.shared_block {
                advance(shared, v);
            }
        }
        for r in &mut self.regions {
            let (sd, half_var) = (r.sd, 0.5 * r.sd * r.sd);
            for (k, &c) in self.shared_block.iter().enumerate() {
                let mut own = 0.0;
                if let Some(state) = r.own.as_mut() {
                    advance(state, &mut own);
                }
                let x = self.shared_weight * c + self.own_weight * own;
                out[k * regions + r.index] = exp(sd * x - half_var);
            }
        }
    }
}

impl WeatherProcess {
    /// A process with mean `capacity_factor` stepping every `step_hours`,
    /// started from its stationary distribution with a draw from `rng`.
    pub fn new<R: Rng + ?Sized>(
        capacity_factor: f64,
        logit_sd: f64,
        autocorrelation_per_hour: f64,
        seasonal_amplitude: f64,
        peak_day_of_year: f64,
        step_hours: f64,
        rng: &mut R,
    ) -> WeatherProcess {
        // Bisection for the logit mean. It stops once the midpoint is one of
        // the ends (the interval is two adjacent floats and cannot shrink),
        // which gives the same answer as running all 80 halvings. The rule is
        // computed once: this runs for every wind and hydro group of every
        // run of a batch.
        let mu = solved(Solve::LogitMean, capacity_factor, logit_sd, || {
            let (rule, den) = normal_rule();
            let (mut lo, mut hi) = (-40.0f64, 40.0f64);
            for _ in 0..80 {
                let mid = 0.5 * (lo + hi);
                if mid == lo || mid == hi {
                    break;
                }
                if mean_logistic(mid, logit_sd, &rule, den) < capacity_factor {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            0.5 * (lo + hi)
        });
        let phi = math::powf(autocorrelation_per_hour, step_hours);
        WeatherProcess {
            mu,
            sd: logit_sd,
            phi,
            innovation_sd: (1.0 - phi * phi).max(0.0).sqrt(),
            z: rng.sample(StandardNormal),
            // The seasonal cosine's mean over the step is its middle value
            // times this (exactly 1 for hourly steps, which stay bit-identical).
            seasonal_amplitude: seasonal_amplitude * yearly_step_mean(step_hours * 3600.0),
            peak_day: Phase::day(peak_day_of_year),
        }
    }

    /// Advances one step with a draw from `rng`; returns available MW per installed MW.
    #[cfg(test)]
    pub fn step<R: Rng + ?Sized>(&mut self, f: &TimeFeatures, rng: &mut R) -> f64 {
        let eps: f64 = rng.sample(StandardNormal);
        self.z = self.phi * self.z + self.innovation_sd * eps;
        let season = 1.0 + self.seasonal_amplitude * self.peak_day.yearly(f);
        (logistic(self.mu + self.sd * self.z) * season).clamp(0.0, 1.0)
    }

    /// Advances `z.len()` steps at once and writes each step's state to
    /// `z[k]`: the same draws, in the same order, and the same state as that
    /// many calls of [`step`](Self::step). The state does not depend on
    /// time; [`availability`](Self::availability) turns it into availability
    /// at a step's time. Drawing a block first lets the logistic run over the
    /// whole block, where it vectorises and no step waits on the previous
    /// step's `exp`.
    pub fn advance<R: Rng + ?Sized>(&mut self, rng: &mut R, z: &mut [f64]) {
        for v in z.iter_mut() {
            *v = rng.sample(StandardNormal);
        }
        let (phi, innovation_sd) = (self.phi, self.innovation_sd);
        for v in z.iter_mut() {
            self.z = phi * self.z + innovation_sd * *v;
            *v = self.z;
        }
    }

    /// Correlation of the state from one step to the next.
    #[cfg(test)]
    pub fn phi(&self) -> f64 {
        self.phi
    }

    /// Advances `windows ≥ 1` of its steps at once with one draw from
    /// `rng`: `φ^windows` in place of `φ`, so a stretch no step fell in
    /// costs one draw (a held process skipping windows). One window is
    /// exactly a [`step`](Self::step)'s update.
    fn leap<R: Rng + ?Sized>(&mut self, windows: u64, rng: &mut R) {
        let eps: f64 = rng.sample(StandardNormal);
        let (phi, innovation_sd) = if windows == 1 {
            (self.phi, self.innovation_sd)
        } else {
            let phi = math::powf(self.phi, windows as f64);
            (phi, (1.0 - phi * phi).max(0.0).sqrt())
        };
        self.z = phi * self.z + innovation_sd * eps;
    }

    /// Available MW per installed MW for the current state at `f`.
    pub fn current(&self, f: &TimeFeatures) -> f64 {
        let season = 1.0 + self.seasonal_amplitude * self.peak_day.yearly(f);
        (logistic(self.mu + self.sd * self.z) * season).clamp(0.0, 1.0)
    }

    /// Available MW per installed MW for states `z[k]` (from
    /// [`advance`](Self::advance)) at times `features[k]`, into `out[k]`, for
    /// as many steps as the shortest of the three has: what
    /// [`step`](Self::step) returns for the same state and time.
    pub fn availability(&self, z: &[f64], features: &[TimeFeatures], out: &mut [f64]) {
        let (mu, sd, amplitude, peak) = (self.mu, self.sd, self.seasonal_amplitude, self.peak_day);
        for ((a, &z), f) in out.iter_mut().zip(z).zip(features) {
            let season = 1.0 + amplitude * peak.yearly(f);
            *a = (logistic(mu + sd * z) * season).clamp(0.0, 1.0);
        }
    }
}

/// A [`WeatherProcess`] whose state is held for windows of `hold_secs`
/// seconds counted from the simulation start (see
/// [`Availability::Weather`](crate::Availability::Weather)'s `hold_hours`):
/// the process steps once a window (its `φ` is `ρ_h^hold_hours`, its
/// seasonal factor the window's mean, taken at the window's middle), and
/// only when a dispatch step starts in a window after the held one, with
/// one draw and one logistic whatever the number of windows skipped
/// (`φ^windows`). Nothing is computed ahead: a step in the held window
/// costs a comparison, and the draws depend only on which windows steps
/// start in, never on how dispatch groups its steps.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HeldWeather {
    /// The process, one step a window.
    process: WeatherProcess,
    /// Length of a window, seconds (≥ 1).
    hold_secs: u64,
    /// The window whose state `process` holds (window 0: its initial draw).
    window: u64,
    /// First tick after the window `fraction` is for (0: none computed yet).
    until_tick: u64,
    /// Available MW per installed MW in window `window`.
    fraction: f64,
}

impl HeldWeather {
    /// Holds `process` (built with `step_hours` = the window's hours, its
    /// initial state window 0's) for windows of `hold_secs` seconds.
    pub fn new(process: WeatherProcess, hold_secs: u64) -> HeldWeather {
        HeldWeather {
            process,
            hold_secs: hold_secs.max(1),
            window: 0,
            until_tick: 0,
            fraction: 0.0,
        }
    }

    /// Available MW per installed MW of a dispatch step starting at `tick`
    /// (seconds after the start; ticks never go back), drawing from `rng`
    /// only when the step starts in a new window.
    #[inline]
    pub fn fraction_at<R: Rng + ?Sized>(&mut self, tick: u64, clock: &Clock, rng: &mut R) -> f64 {
        if tick >= self.until_tick {
            self.enter(tick, clock, rng);
        }
        self.fraction
    }

    /// The process as held now and the window length, seconds.
    #[cfg(test)]
    pub fn parts(&self) -> (WeatherProcess, u64) {
        (self.process, self.hold_secs)
    }

    /// Moves to the window `tick` falls in and computes its availability.
    #[inline(never)]
    fn enter<R: Rng + ?Sized>(&mut self, tick: u64, clock: &Clock, rng: &mut R) {
        let window = tick / self.hold_secs;
        if window > self.window {
            self.process.leap(window - self.window, rng);
            self.window = window;
        }
        let start = window * self.hold_secs;
        let f = clock.features(start as f64 + 0.5 * self.hold_secs as f64);
        self.fraction = self.process.current(&f);
        self.until_tick = start.saturating_add(self.hold_secs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demand noise's known answers over a million hourly steps in
    /// blocks: the factor's mean is 1, its log's variance σ², the log's
    /// lag-one correlation φ = exp(−1/τ), two noisy regions' logs correlate
    /// by the shared share w, and a region of σ = 0 stays exactly 1.
    #[test]
    fn demand_noise_has_its_stated_moments() {
        let streams = scheduler::RngStreams::new(29, 0);
        let stream = |name: &str| Box::new(streams.stream(name));
        let (tau, w, sds) = (72.0, 0.5, [0.1, 0.0, 0.05]);
        let noisy = vec![(0, sds[0], stream("a")), (2, sds[2], stream("c"))];
        let mut noise = DemandNoise::new(noisy, stream("shared"), w, tau, 1.0).expect("noisy");
        let (regions, steps, blocks) = (3, 64, 16_000);
        let mut out = vec![1.0; regions * steps];
        let mut logs: [Vec<f64>; 3] = Default::default();
        let mut factor_sum = [0.0; 3];
        for _ in 0..blocks {
            noise.fill(steps, regions, &mut out);
            for k in 0..steps {
                for r in 0..regions {
                    let f = out[k * regions + r];
                    factor_sum[r] += f;
                    logs[r].push(math::ln(f));
                }
            }
        }
        let n = (steps * blocks) as f64;
        assert!(
            logs[1].iter().all(|&l| l == 0.0),
            "a region without noise stays 1"
        );
        let phi = math::exp(-1.0 / tau);
        // Effective sample size of an AR(1): n(1 − φ)/(1 + φ) ≈ 7,000.
        let n_eff = n * (1.0 - phi) / (1.0 + phi);
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let cov = |a: &[f64], b: &[f64]| {
            let (ma, mb) = (mean(a), mean(b));
            a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum::<f64>() / a.len() as f64
        };
        for r in [0, 2] {
            let sd = sds[r];
            let m = factor_sum[r] / n;
            assert!((m - 1.0).abs() < 4.0 * sd / n_eff.sqrt(), "region {r}: mean {m}");
            let var = cov(&logs[r], &logs[r]);
            let var_se = sd * sd * (2.0 / n_eff).sqrt();
            assert!(
                (var - sd * sd).abs() < 4.0 * var_se,
                "region {r}: log variance {var}"
            );
            let lag = cov(&logs[r][1..], &logs[r][..logs[r].len() - 1]) / var;
            assert!(
                (lag - phi).abs() < 0.005,
                "region {r}: lag-one correlation {lag} vs {phi}"
            );
        }
        let rho = cov(&logs[0], &logs[2]) / (cov(&logs[0], &logs[0]) * cov(&logs[2], &logs[2])).sqrt();
        assert!(
            (rho - w).abs() < 4.0 * (1.0 - w * w) / n_eff.sqrt(),
            "cross-correlation {rho}"
        );
    }

    /// Without a noisy region there is no process; with every share of the
    /// variance shared, two regions' logs are proportional (one weather).
    #[test]
    fn demand_noise_at_its_ends() {
        let streams = scheduler::RngStreams::new(3, 0);
        let stream = |name: &str| Box::new(streams.stream(name));
        assert!(DemandNoise::new(Vec::new(), stream("s"), 0.5, 72.0, 1.0).is_none());
        let noisy = vec![(0, 0.1, stream("a")), (1, 0.2, stream("b"))];
        let mut noise = DemandNoise::new(noisy, stream("s"), 1.0, 24.0, 1.0).expect("noisy");
        let mut out = vec![1.0; 2 * 64];
        noise.fill(64, 2, &mut out);
        for k in 0..64 {
            let (a, b) = (out[2 * k], out[2 * k + 1]);
            let (xa, xb) = ((math::ln(a) + 0.005) / 0.1, (math::ln(b) + 0.02) / 0.2);
            assert!((xa - xb).abs() < 1e-9, "step {k}: {xa} vs {xb}");
        }
    }

    fn year_of_features(step_hours: f64) -> Vec<TimeFeatures> {
        let clock = Clock {
            start_day_of_year: 0.0,
        };
        let n = (8766.0 / step_hours) as usize;
        (0..n)
            .map(|i| clock.features((i as f64 + 0.5) * step_hours * 3600.0))
            .collect()
    }

    #[test]
    fn cached_day_angles_match_the_computed_ones_bit_for_bit() {
        let clock = Clock {
            start_day_of_year: 37.25,
        };
        let mut cache = DayAngles::default();
        // Steps that divide a day (hits), odd steps whose seconds collide in
        // a slot (recomputed), and a long walk that goes round the slots.
        for step_secs in [3_600u64, 900, 86_400, 7_777, 1_801, 61] {
            let mut t = 12_345u64 * step_secs % 86_400;
            for _ in 0..3_000 {
                let mid = t as f64 + 0.5 * step_secs as f64;
                let (a, b) = (clock.features(mid), clock.features_cached(mid, &mut cache));
                for (x, y) in [
                    (a.cos_day, b.cos_day),
                    (a.sin_day, b.sin_day),
                    (a.cos_year, b.cos_year),
                    (a.sin_year, b.sin_year),
                ] {
                    assert_eq!(x.to_bits(), y.to_bits(), "step {step_secs} s at {mid} s");
                }
                t += step_secs;
            }
        }
    }

    #[test]
    fn demand_shape_averages_to_one_and_peaks_at_the_peak_hour() {
        let shape = DemandShape {
            daily_amplitude: 0.2,
            peak_hour: Phase::hour(19.0),
            seasonal_amplitude: 0.1,
            peak_day: Phase::day(196.0),
            semiannual_amplitude: 0.0,
            semiannual_peak: Phase::day(15.0),
        };
        let feats = year_of_features(1.0);
        let mean = feats.iter().map(|f| shape.factor(f)).sum::<f64>() / feats.len() as f64;
        assert!((mean - 1.0).abs() < 2e-3, "mean {mean}");
        let clock = Clock {
            start_day_of_year: 0.0,
        };
        let at = |h: f64| shape.factor(&clock.features(196.0 * 86_400.0 + h * 3600.0));
        assert!(at(19.0) > at(18.0) && at(19.0) > at(20.0) && at(19.0) > at(7.0));
    }

    /// The semi-annual harmonic alone: peaks of 1 + a_2 at its peak day and
    /// half a year later, troughs of 1 − a_2 a quarter of a year either
    /// side (each within an hour, at hourly middles), and a mean of one
    /// over the 8,766 hours of a mean year to rounding (its cosine has two
    /// whole periods there). Without the term the factor is flat.
    #[test]
    fn semiannual_harmonic_peaks_twice_a_year_and_averages_to_one() {
        let shape = DemandShape {
            daily_amplitude: 0.0,
            peak_hour: Phase::hour(19.0),
            seasonal_amplitude: 0.0,
            peak_day: Phase::day(196.0),
            semiannual_amplitude: 0.2,
            semiannual_peak: Phase::day(15.0),
        };
        let feats = year_of_features(1.0);
        let values: Vec<f64> = feats.iter().map(|f| shape.factor(f)).collect();
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        assert!((mean - 1.0).abs() < 1e-12, "mean {mean}");
        let quarter = 365.25 / 4.0;
        // (first hour, last hour) of each quarter-year window, centred on
        // an extreme, with the extreme's day and value.
        for (day, want) in [
            (15.0, 1.2),
            (15.0 + quarter, 0.8),
            (15.0 + 2.0 * quarter, 1.2),
            (15.0 + 3.0 * quarter, 0.8),
        ] {
            let at = day * 24.0;
            let window = (at - 0.5 * quarter * 24.0) as usize..(at + 0.5 * quarter * 24.0) as usize;
            let pick = if want > 1.0 { f64::max } else { f64::min };
            let (hour, value) = window
                .map(|h| (h as f64 + 0.5, values[h]))
                .fold(
                    (0.0, 1.0),
                    |best, x| if pick(best.1, x.1) == x.1 { x } else { best },
                );
            assert!((hour - at).abs() <= 1.0, "extreme at hour {hour}, expected {at}");
            assert!((value - want).abs() < 1e-6, "extreme {value}, expected {want}");
        }
        let flat = DemandShape {
            semiannual_amplitude: 0.0,
            ..shape
        };
        assert!(feats.iter().all(|f| flat.factor(f) == 1.0));
    }

    #[test]
    fn solar_is_zero_at_night_and_averages_to_its_capacity_factor() {
        let shape = SolarShape::new(0.2, 0.2).expect("reachable");
        let feats = year_of_features(1.0);
        let mean = feats.iter().map(|f| shape.fraction(f)).sum::<f64>() / feats.len() as f64;
        assert!((mean - 0.2).abs() < 3e-3, "mean {mean}");
        let clock = Clock {
            start_day_of_year: 0.0,
        };
        assert_eq!(shape.fraction(&clock.features(2.0 * 3600.0)), 0.0);
        let june_noon = shape.fraction(&clock.features(171.0 * 86_400.0 + 12.0 * 3600.0));
        let dec_noon = shape.fraction(&clock.features(355.0 * 86_400.0 + 12.0 * 3600.0));
        assert!(june_noon > dec_noon && dec_noon > 0.0);
        assert!(SolarShape::new(0.6, 0.2).is_none());
    }

    #[test]
    fn weather_blocks_match_one_step_at_a_time_bit_for_bit() {
        // Dispatch computes weather ahead in blocks; the draws and results
        // must be those of stepping the process once per dispatch.
        let features = year_of_features(1.0);
        let make = || {
            let mut rng = scheduler::RngStreams::new(11, 0).stream("block");
            let w = WeatherProcess::new(0.35, 1.2, 0.97, 0.25, 80.0, 1.0, &mut rng);
            (w, rng)
        };
        let (mut one, mut rng_one) = make();
        let stepped: Vec<f64> = features.iter().map(|f| one.step(f, &mut rng_one)).collect();
        for block in [1, 7, 64, 1000] {
            let (mut w, mut rng) = make();
            let mut blocked = vec![0.0; features.len()];
            let mut z = vec![0.0; block];
            for (f, out) in features.chunks(block).zip(blocked.chunks_mut(block)) {
                let z = &mut z[..f.len()];
                w.advance(&mut rng, z);
                w.availability(z, f, out);
            }
            let same = stepped
                .iter()
                .zip(&blocked)
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "blocks of {block} steps differ from single steps");
        }
    }

    #[test]
    fn fast_exp_matches_libm_to_a_few_ulp() {
        let mut worst = 0.0f64;
        for i in -69_000..=69_000 {
            let x = f64::from(i) * 0.01 + 0.003;
            let (fast, libm) = (exp(x), math::exp(x));
            worst = worst.max(((fast - libm) / libm).abs());
        }
        assert!(worst < 1e-15, "worst relative error {worst}");
        assert_eq!(exp(0.0), 1.0);
        assert!(exp(-1e9) > 0.0 && exp(1e9).is_finite());
    }

    #[test]
    fn remembered_setup_solves_match_full_bisection_bit_for_bit() {
        // The logit mean solved the plain way: all 80 halvings, weights per call.
        let full = |cf: f64, sd: f64| {
            let mean = |mu: f64| {
                let (mut num, mut den) = (0.0, 0.0);
                for i in 0..97 {
                    let z = -6.0 + 12.0 * i as f64 / 96.0;
                    let w = math::exp(-0.5 * z * z);
                    num += w * logistic(mu + sd * z);
                    den += w;
                }
                num / den
            };
            let (mut lo, mut hi) = (-40.0, 40.0);
            for _ in 0..80 {
                let mid = 0.5 * (lo + hi);
                if mean(mid) < cf {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            0.5 * (lo + hi)
        };
        let mut rng = scheduler::RngStreams::new(1, 0).stream("test");
        for (cf, sd) in [(0.3, 1.0), (0.05, 2.5), (0.42, 0.7), (0.3, 1.0)] {
            let w = WeatherProcess::new(cf, sd, 0.9, 0.0, 0.0, 1.0, &mut rng);
            assert_eq!(w.mu.to_bits(), full(cf, sd).to_bits(), "cf {cf} sd {sd}");
        }
        // Twice each, so that the second answer comes from the memo.
        for _ in 0..2 {
            for (cf, k) in [(0.2, 0.2), (0.15, 0.35)] {
                let shape = SolarShape::new(cf, k).expect("reachable");
                let solved = SolarShape::solve_scale(cf, k).expect("reachable");
                assert_eq!(shape.scale.to_bits(), solved.to_bits(), "cf {cf} k {k}");
            }
        }
        assert!(SolarShape::new(0.6, 0.2).is_none() && SolarShape::new(0.6, 0.2).is_none());
    }

    #[test]
    fn weather_process_has_its_mean_and_its_autocorrelation() {
        let mut rng = scheduler::RngStreams::new(7, 0).stream("test");
        let mut w = WeatherProcess::new(0.3, 1.0, 0.9, 0.0, 0.0, 1.0, &mut rng);
        let features = vec![TimeFeatures::default(); 200_000];
        let mut z = vec![0.0; features.len()];
        w.advance(&mut rng, &mut z);
        let mut xs = vec![0.0; features.len()];
        w.availability(&z, &features, &mut xs);
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!((mean - 0.3).abs() < 0.01, "mean {mean}");
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        let lag1 = xs.windows(2).map(|p| (p[0] - mean) * (p[1] - mean)).sum::<f64>() / (xs.len() - 1) as f64;
        let rho = lag1 / var;
        assert!(rho > 0.8 && rho < 0.95, "lag-1 correlation {rho}");
    }

    /// Sample mean and lag-1 autocorrelation of `xs`.
    fn mean_and_lag1(xs: &[f64]) -> (f64, f64) {
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        let lag1 = xs.windows(2).map(|p| (p[0] - mean) * (p[1] - mean)).sum::<f64>() / (xs.len() - 1) as f64;
        (mean, lag1 / var)
    }

    /// A process held for a day and stepped hourly: availability constant
    /// within each day and new each day; the daily state's lag-1
    /// autocorrelation is `ρ_h^24`, its variance 1, and the mean
    /// availability (with a ±30 % seasonal swing, taken at each day's
    /// middle) the capacity factor, each within 4 standard errors over
    /// 400,000 days; and the
    /// same bits as stepping once a day (no draw within a day). Stepped
    /// every fifth day, one draw covers the skipped days: lag `ρ_h^120`.
    #[test]
    fn held_weather_is_constant_within_a_day_and_correlated_across_days() {
        let (cf, rho_h) = (0.38, 0.999);
        let clock = Clock {
            start_day_of_year: 0.0,
        };
        let new = |seed: u64| {
            let mut rng = scheduler::RngStreams::new(seed, 0).stream("held");
            let w = WeatherProcess::new(cf, 0.5, rho_h, 0.3, 200.0, 24.0, &mut rng);
            (HeldWeather::new(w, 86_400), rng)
        };
        let days = 400_000u64;
        let (mut hourly, mut rng) = new(3);
        let (mut daily, mut daily_rng) = new(3);
        let (mut z, mut xs) = (Vec::new(), Vec::new());
        let mut changes = 0;
        for d in 0..days {
            let x = hourly.fraction_at(d * 86_400, &clock, &mut rng);
            for h in 1..24 {
                let again = hourly.fraction_at(d * 86_400 + h * 3600, &clock, &mut rng);
                assert_eq!(again.to_bits(), x.to_bits(), "day {d} hour {h}");
            }
            let once = daily.fraction_at(d * 86_400 + 7_200, &clock, &mut daily_rng);
            assert_eq!(once.to_bits(), x.to_bits(), "day {d}: stepped daily");
            changes += usize::from(xs.last().is_some_and(|&last| last != x));
            assert!(z.last() != Some(&hourly.process.z), "day {d}: the state moves");
            z.push(hourly.process.z);
            xs.push(x);
        }
        // Every day but the rare ones clamped at 1 on both sides.
        assert!(
            changes as u64 > days - days / 1000,
            "availability changes daily: {changes}"
        );
        let n = days as f64;
        let phi = rho_h.powi(24);
        let (z_mean, r) = mean_and_lag1(&z);
        let se = ((1.0 - phi * phi) / n).sqrt();
        assert!(
            (r - phi).abs() < 4.0 * se,
            "daily lag-1 {r} vs {phi} ± {}",
            4.0 * se
        );
        // The state stays stationary with unit variance (AR(1): the sample
        // variance's standard error is √(2(1 + φ²)/((1 − φ²)n))).
        let var = z.iter().map(|v| (v - z_mean).powi(2)).sum::<f64>() / n;
        let se = (2.0 * (1.0 + phi * phi) / ((1.0 - phi * phi) * n)).sqrt();
        assert!(
            (var - 1.0).abs() < 4.0 * se,
            "daily variance {var} vs 1 ± {}",
            4.0 * se
        );
        let (mean, rx) = mean_and_lag1(&xs);
        let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
        let se = sd * ((1.0 + rx) / ((1.0 - rx) * n)).sqrt();
        assert!((mean - cf).abs() < 4.0 * se, "mean {mean} vs {cf} ± {}", 4.0 * se);

        let (mut sparse, mut rng) = new(4);
        let every = 5u64;
        let samples = 40_000u64;
        let z: Vec<f64> = (0..samples)
            .map(|i| {
                sparse.fraction_at(i * every * 86_400 + 60, &clock, &mut rng);
                sparse.process.z
            })
            .collect();
        let phi = rho_h.powi(24 * every as i32);
        let (_, r) = mean_and_lag1(&z);
        let se = ((1.0 - phi * phi) / samples as f64).sqrt();
        assert!(
            (r - phi).abs() < 4.0 * se,
            "5-day lag-1 {r} vs {phi} ± {}",
            4.0 * se
        );
    }

    /// s10 item 4(a): a wind or hydro group's seasonal factor over a step
    /// longer than an hour is its mean over the step, as demand's is: with
    /// the weather state held (one state a step), a year of daily and of
    /// weekly steps matches the mean of the hourly values each step spans.
    /// Sampled at the middle (the old rule), daily steps erred by up to
    /// 1.3e-6 of installed MW here (seasonal amplitude 0.25), weekly ones
    /// about 50 times more. Hourly steps keep the amplitude bit for bit.
    #[test]
    fn weather_seasonal_factor_is_averaged_over_long_steps() {
        let clock = Clock {
            start_day_of_year: 0.0,
        };
        let mut rng = scheduler::RngStreams::new(5, 0).stream("season");
        let hourly = WeatherProcess::new(0.35, 1.2, 0.97, 0.25, 80.0, 1.0, &mut rng);
        assert_eq!(hourly.seasonal_amplitude.to_bits(), 0.25f64.to_bits());
        for step_h in [24usize, 168] {
            let long = WeatherProcess::new(0.35, 1.2, 0.97, 0.25, 80.0, step_h as f64, &mut rng);
            let steps = 8766 / step_h;
            let z = vec![0.4; steps * step_h];
            let hour_features: Vec<TimeFeatures> = (0..steps * step_h)
                .map(|i| clock.features((i as f64 + 0.5) * 3600.0))
                .collect();
            let mut by_hour = vec![0.0; hour_features.len()];
            hourly.availability(&z, &hour_features, &mut by_hour);
            let step_features: Vec<TimeFeatures> = (0..steps)
                .map(|i| clock.features((i as f64 + 0.5) * step_h as f64 * 3600.0))
                .collect();
            let mut by_step = vec![0.0; steps];
            long.availability(&z[..steps], &step_features, &mut by_step);
            let worst = by_step
                .iter()
                .zip(by_hour.chunks(step_h))
                .map(|(s, h)| (s - h.iter().sum::<f64>() / step_h as f64).abs())
                .fold(0.0, f64::max);
            assert!(worst < 1e-8, "{step_h} h steps: worst error {worst:e}");
        }
    }
}
