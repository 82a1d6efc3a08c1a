//! Numbers as error messages show them.
//!
//! `f64`'s `Display` never uses an exponent, so a value a user typed as
//! `1e300` comes back as a 301-digit integer and `1e-300` as 300 zeros.
//! [`Num`] prints the shortest form that reads back to the same `f64`,
//! plainly between 10⁻⁵ and 10¹⁶ (`0.25`, `1600`, `10000000`) and in
//! exponent form outside it (`1e300`, `2.5e-7`), so a message quotes the
//! number as the scenario wrote it, or close to it.

use std::fmt;

/// An `f64` displayed for a message: plain between 10⁻⁵ and 10¹⁶ in
/// magnitude (and zero), exponent form outside it; `NaN`, `inf`, `-inf` as
/// Rust writes them. Either form reads back to the same value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num(pub f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        let magnitude = v.abs();
        if !v.is_finite() || v == 0.0 || (1e-5..1e16).contains(&magnitude) {
            write!(f, "{v}")
        } else {
            write!(f, "{v:e}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Num;

    #[test]
    fn large_and_small_numbers_take_an_exponent_the_rest_do_not() {
        let shown = |v: f64| Num(v).to_string();
        assert_eq!(shown(1e300), "1e300");
        assert_eq!(shown(-2.5e20), "-2.5e20");
        assert_eq!(shown(1e-300), "1e-300");
        assert_eq!(shown(2.5e-7), "2.5e-7");
        assert_eq!(shown(1600.0), "1600");
        assert_eq!(shown(10_000_000.0), "10000000");
        assert_eq!(shown(0.25), "0.25");
        assert_eq!(shown(1e-5), "0.00001");
        assert_eq!(shown(9.999e15), "9999000000000000");
        assert_eq!(shown(0.0), "0");
        assert_eq!(shown(-0.0), "-0");
        assert_eq!(shown(f64::NAN), "NaN");
        assert_eq!(shown(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn both_forms_read_back_to_the_same_value() {
        for v in [1e300, 1.234_567_890_123_456_7e-9, 123.456, 6.02214076e23, -1e-5] {
            assert_eq!(Num(v).to_string().parse::<f64>().unwrap(), v);
        }
    }
}
