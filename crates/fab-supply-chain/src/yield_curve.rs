//! Die yield and dies per wafer: the exponential yield learning curve and the
//! standard gross-die-per-wafer formula.
//!
//! Yield learning (exponential form, as in the learning-curve literature on
//! semiconductor yield ramps):
//!
//! ```text
//! Y(W) = Y_max − (Y_max − Y_0) · exp(−W / W_L)
//! ```
//!
//! where `W` is the fab's cumulative wafers completed, `Y_0` the yield of the
//! first wafers, `Y_max` the ceiling and `W_L` the learning scale: every
//! `W_L` wafers close 63 % of the remaining gap to the ceiling.
//!
//! Gross dies per wafer (de Vries / the usual textbook formula, no edge
//! exclusion, square dies):
//!
//! ```text
//! DPW = π d² / (4 S) − π d / √(2 S)
//! ```
//!
//! with `d` the wafer diameter (mm) and `S` the die area (mm²). For an
//! 814 mm² die on a 300 mm wafer, DPW ≈ 63 (Epoch AI, 2024).

use crate::error::{FabError, invalid};
use scheduler::Num;
use scheduler::math;

/// An exponential yield learning curve (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct YieldCurve {
    /// Yield of the first wafers, a fraction in [0, 1].
    pub initial: f64,
    /// Yield ceiling, a fraction in [`initial`](Self::initial), 1].
    pub ceiling: f64,
    /// Learning scale `W_L`, cumulative wafers: each `W_L` wafers close 63 %
    /// of the gap to the ceiling. Range: (0, 1e12].
    pub learning_wafers: f64,
}

impl YieldCurve {
    /// The yield after `cumulative_wafers` wafers completed: a fraction.
    pub fn at(&self, cumulative_wafers: f64) -> f64 {
        // Y_0 + (Y_max − Y_0)(1 − e^(−W/W_L)), the same curve written so that
        // Y(0) is exactly Y_0.
        self.initial - (self.ceiling - self.initial) * math::exp_m1(-cumulative_wafers / self.learning_wafers)
    }

    /// Checks the parameters; `entity` names the owner in errors.
    pub fn validate(&self, entity: &str) -> Result<(), FabError> {
        let unit = |field: &str, v: f64| {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(invalid(
                    entity,
                    field,
                    format!("must be a fraction in [0, 1], got {}", Num(v)),
                ))
            }
        };
        unit("yield_curve.initial", self.initial)?;
        unit("yield_curve.ceiling", self.ceiling)?;
        if self.ceiling < self.initial {
            return Err(invalid(
                entity,
                "yield_curve.ceiling",
                format!(
                    "must be ≥ yield_curve.initial ({}), got {}",
                    Num(self.initial),
                    Num(self.ceiling)
                ),
            ));
        }
        if !(self.learning_wafers > 0.0 && self.learning_wafers <= 1e12) {
            return Err(invalid(
                entity,
                "yield_curve.learning_wafers",
                format!("must be in (0, 1e12] wafers, got {}", Num(self.learning_wafers)),
            ));
        }
        Ok(())
    }
}

/// Gross (candidate) dies per wafer for a die of `die_area_mm2` on a wafer
/// of `wafer_diameter_mm`, by the standard formula (module docs); never
/// negative. Fractional: the caller rounds where it counts dies.
pub fn gross_dies_per_wafer(wafer_diameter_mm: f64, die_area_mm2: f64) -> f64 {
    let d = wafer_diameter_mm;
    let s = die_area_mm2;
    let pi = std::f64::consts::PI;
    (pi * d * d / (4.0 * s) - pi * d / (2.0 * s).sqrt()).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gross_dies_match_published_figures() {
        // Epoch AI (2024): an 814 mm² H100-class die gives ≈63 gross dies on
        // a 300 mm wafer; Morgan Stanley (2025): 78 Ascend 910B candidates,
        // implying a die of ≈670–680 mm².
        assert_eq!(gross_dies_per_wafer(300.0, 814.0).floor(), 63.0);
        let ascend = gross_dies_per_wafer(300.0, 675.0);
        assert!((78.0..81.0).contains(&ascend), "{ascend}");
        // Smaller dies give more per wafer; a die larger than the wafer none.
        assert!(gross_dies_per_wafer(300.0, 100.0) > gross_dies_per_wafer(300.0, 200.0));
        assert_eq!(gross_dies_per_wafer(300.0, 80_000.0), 0.0);
    }

    #[test]
    fn learning_curve_shape() {
        let c = YieldCurve {
            initial: 0.2,
            ceiling: 0.8,
            learning_wafers: 1000.0,
        };
        assert_eq!(c.at(0.0), 0.2);
        // One learning scale closes 1 − 1/e of the gap.
        let gap_closed = (c.at(1000.0) - 0.2) / 0.6;
        assert!((gap_closed - (1.0 - math::exp(-1.0f64))).abs() < 1e-12);
        assert!(c.at(1e9) > 0.799_999);
        assert!(c.at(10.0) < c.at(20.0));
    }

    #[test]
    fn validation_names_the_field() {
        let bad = YieldCurve {
            initial: 0.5,
            ceiling: 0.4,
            learning_wafers: 1.0,
        };
        let err = bad.validate("fab \"x\"").unwrap_err().to_string();
        assert!(
            err.contains("yield_curve.ceiling") && err.contains("fab \"x\""),
            "{err}"
        );
        let nan = YieldCurve {
            initial: f64::NAN,
            ceiling: 0.4,
            learning_wafers: 1.0,
        };
        assert!(nan.validate("f").is_err());
        let zero = YieldCurve {
            initial: 0.1,
            ceiling: 0.4,
            learning_wafers: 0.0,
        };
        assert!(
            zero.validate("f")
                .unwrap_err()
                .to_string()
                .contains("learning_wafers")
        );
    }
}
