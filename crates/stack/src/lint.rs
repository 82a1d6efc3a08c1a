//! Plausibility warnings: values a scenario may hold, but that look like a
//! unit slip — TFLOP/s written where the field is in FLOP/s, kW where it is
//! in W, GW where it is in MW, an exponent where it is a number.
//!
//! The loader refuses what cannot be (a negative capacity, a share above
//! one); it cannot refuse `peak_flop_s: 300`, which is a valid number and
//! runs, only with an accelerator 10¹² times slower than anything made
//! since 2012. A warning names the file, line, column and field as an error
//! does, says what the value would be in the likely unit, and never stops a
//! run: a toy scenario may want such a value on purpose.
//!
//! Each floor sits one or more orders of magnitude below every real value
//! of its field (sources in docs/calibration/scenarios.md, "Plausibility
//! floors"), so a real scenario never trips one and a slip by 10³ or more
//! nearly always does.

use crate::error::ScenarioError;
use crate::run::Scenario;
use scheduler::Dist;

/// Peak throughput below which a design is no datacenter accelerator,
/// FLOP/s: 1 TFLOP/s (NVIDIA's K40 of 2013 already peaked at 4.3 TFLOP/s
/// FP32; an H100 at 989 TFLOP/s dense BF16).
pub const FLOOR_PEAK_FLOP_S: f64 = 1e12;
/// Board power below which a design is no datacenter accelerator, W: 10 W
/// (the lowest-power datacenter inference cards, NVIDIA's T4 and L4, draw
/// 70–72 W; an H100 SXM 700 W).
pub const FLOOR_POWER_W: f64 = 10.0;
/// Unit price below which a design is no datacenter accelerator, USD: 100
/// (a T4 sold for about 2,000 USD; an H100 for 25,000–40,000).
pub const FLOOR_UNIT_PRICE_USD: f64 = 100.0;
/// Power per wafer start a month below which a fab's `power_mw` looks
/// written in GW, kW per (wafer a month): 0.1 (TSMC, all fabs, about
/// 2 kW; a 25 MW, 7,000-wafer line 3.6 kW).
pub const FLOOR_FAB_KW_PER_WPM: f64 = 0.1;
/// A lab's target run below which the number looks like an exponent or a
/// unit slip, FLOP: 10¹⁸ (GPT-2 took about 1.5·10²¹ in 2019; DeepSeek-V3
/// about 3.3·10²⁴ in 2024).
pub const FLOOR_TARGET_RUN_FLOP: f64 = 1e18;

/// One value to check: where it is (a field path, as errors name them)
/// and what it is.
enum Value<'a> {
    /// Written in the scenario, the same in every run.
    Fixed(f64),
    /// Drawn per run from this distribution (an `uncertain` entry).
    Drawn(&'a Dist),
}

impl Value<'_> {
    /// The value a rule judges: a fixed value itself, a drawn value's
    /// median (a slip moves the whole distribution).
    fn typical(&self) -> f64 {
        match self {
            Value::Fixed(v) => *v,
            Value::Drawn(d) => d.quantile(0.5),
        }
    }
    /// "300" or "its median, 300": how the message names the value.
    fn named(&self, unit: &str) -> String {
        match self {
            Value::Fixed(v) => format!("{} {unit}", show(*v)),
            Value::Drawn(_) => format!("its median, {} {unit},", round(self.typical(), 3)),
        }
    }
}

/// `v` rounded to `digits` significant digits, as [`show`] writes it: for
/// numbers the scenario does not hold as written (a median, a product).
fn round(v: f64, digits: usize) -> String {
    let r: f64 = format!("{:.*e}", digits.saturating_sub(1), v)
        .parse()
        .unwrap_or(v);
    show(r)
}

/// A number as a modeler writes it: `300`, `0.15`, `3e14`.
fn show(v: f64) -> String {
    if v != 0.0 && (v.abs() >= 1e7 || v.abs() < 1e-3) {
        format!("{v:e}")
    } else {
        // Shortest form that reads back as `v`, without a trailing `.0`.
        let s = format!("{v}");
        s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
    }
}

impl Scenario {
    /// Plausibility warnings for this scenario (module [`crate::lint`]):
    /// each names the file, line, column and field of a value that looks
    /// like a unit slip, and a hint with the value in the likely unit.
    /// Empty for every example scenario.
    pub fn warnings(&self) -> Vec<ScenarioError> {
        let d = &self.data;
        let file = self.file();
        let mut out = Vec::new();
        // A path drawn per run is judged by its distribution, at its
        // `uncertain` entry; the value written under it is only the
        // nominal one.
        let value = |path: &str, written: f64| match d.uncertain.get(path) {
            Some(dist) => Value::Drawn(dist),
            None => Value::Fixed(written),
        };
        let mut warn = |path: String, message: String, hint: String| {
            let at = if d.uncertain.contains_key(&path) {
                format!("uncertain.{path}")
            } else {
                path
            };
            out.push(self.locate(ScenarioError::new(&file, at, message).hint(hint)));
        };
        // A design's floors: the field, its value, the floor, the unit, why
        // the floor, and the likely slip's unit and factor.
        for x in &d.designs {
            let floors = [
                (
                    "peak_flop_s",
                    Some(x.peak_flop_s.get()),
                    FLOOR_PEAK_FLOP_S,
                    "FLOP/s",
                    "1e12 FLOP/s (1 TFLOP/s), slower than any datacenter accelerator since 2012",
                    "TFLOP/s",
                    1e12,
                ),
                (
                    "fp8_flop_s",
                    x.fp8_flop_s.map(|f| f.get()),
                    FLOOR_PEAK_FLOP_S,
                    "FLOP/s",
                    "1e12 FLOP/s (1 TFLOP/s), slower than any datacenter accelerator since 2012",
                    "TFLOP/s",
                    1e12,
                ),
                (
                    "power_w",
                    Some(x.power_w.get()),
                    FLOOR_POWER_W,
                    "W",
                    "10 W, less than any datacenter accelerator draws (70 W and up)",
                    "kW",
                    1e3,
                ),
                (
                    "unit_price_usd",
                    Some(x.unit_price_usd.get()),
                    FLOOR_UNIT_PRICE_USD,
                    "USD",
                    "100 USD, cheaper than any datacenter accelerator (thousands of USD and up)",
                    "thousands of USD",
                    1e3,
                ),
            ];
            for (field, written, floor, unit, below, slip, factor) in floors {
                let Some(written) = written else { continue };
                let path = format!("designs.{}.{field}", x.name);
                let v = value(&path, written);
                if v.typical() < floor {
                    warn(
                        path,
                        format!("{} is below {below}", v.named(unit)),
                        format!(
                            "the field is in {unit}; if {} is in {slip}, write {}",
                            round(v.typical(), 6),
                            round(v.typical() * factor, 6)
                        ),
                    );
                }
            }
        }
        for f in &d.fabs {
            let path = format!("fabs.{}.power_mw", f.name);
            let v = value(&path, f.power_mw.get());
            // The written capacity, drawn or not: a run's power scales with
            // its drawn capacity, so the MW per wafer start are the written
            // power's at the written capacity (docs/scenarios.md, Fab).
            let wpm = f.capacity_wafers_per_month.get();
            let (mw, wpm) = (v.typical(), wpm);
            if mw > 0.0 && wpm > 0.0 && mw * 1e3 / wpm < FLOOR_FAB_KW_PER_WPM {
                warn(
                    path,
                    format!(
                        "{} for {} wafers a month at full starts is {} kW a wafer start a month, \
                         below 0.1 kW (real fabs draw about 2–4)",
                        v.named("MW"),
                        round(wpm, 3),
                        round(mw * 1e3 / wpm, 3)
                    ),
                    format!(
                        "the field is in MW; if {} is in GW, write {}",
                        round(mw, 6),
                        round(mw * 1e3, 6)
                    ),
                );
            }
        }
        // Fabs whose dies can never become chips: packaging is 0 (its
        // default) at every date. The supply chain then writes off the
        // orders only they could fill (docs/model/fab-supply-chain.md).
        let packaging = "chips.packaging_units_per_month";
        if !d.fabs.is_empty()
            && d.chips.packaging_units_per_month.max() <= 0.0
            && !d.uncertain.contains_key(packaging)
        {
            let n = d.fabs.len();
            warn(
                packaging.to_string(),
                format!(
                    "0 at every date (the default), yet the scenario has {n} fab{}: no die of \
                     theirs can be packaged into a chip, so only imports deliver and orders only \
                     the fabs could fill are written off",
                    if n == 1 { "" } else { "s" }
                ),
                "the field is in units a month (china-2025.ron: 55000); leave it 0 only for fabs \
                 that are meant to deliver nothing"
                    .to_string(),
            );
        }
        for l in &d.labs {
            let path = format!("labs.{}.initial_target_run_flop", l.name);
            let v = value(&path, l.initial_target_run_flop.get());
            let t = v.typical();
            if t < FLOOR_TARGET_RUN_FLOP {
                let hint = if (10.0..=40.0).contains(&t) && t.fract() == 0.0 {
                    format!(
                        "the field is in FLOP; if {} is a power of ten, write 1e{}",
                        show(t),
                        show(t)
                    )
                } else {
                    "the field is in FLOP (DeepSeek-V3's run was about 3.3e24)".to_string()
                };
                warn(
                    path,
                    format!(
                        "{} is below 1e18 FLOP, a millionth of a 2024 frontier run",
                        v.named("FLOP")
                    ),
                    hint,
                );
            }
        }
        out
    }
}
