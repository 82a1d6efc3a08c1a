//! Checked numbers for the scenario format: each refuses NaN, infinities and
//! out-of-range values while the file is read, so the error points at the
//! exact line and column of the offending number.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

macro_rules! checked_number {
    ($(#[$doc:meta])* $name:ident, $check:expr, $expect:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Default)]
        pub struct $name(pub f64);

        impl $name {
            /// The number.
            #[inline]
            pub fn get(self) -> f64 {
                self.0
            }
            /// Checks `v`; the error says what was expected.
            pub fn new(v: f64) -> Result<Self, String> {
                let ok: fn(f64) -> bool = $check;
                if v.is_finite() && ok(v) {
                    Ok($name(v))
                } else {
                    Err(format!(concat!("expected ", $expect, ", got {}"), v))
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let v = f64::deserialize(d)?;
                $name::new(v).map_err(serde::de::Error::custom)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_f64(self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

checked_number!(
    /// Any finite number.
    Finite, |_| true, "a finite number"
);
checked_number!(
    /// A finite number ≥ 0 (capacities, counts, prices).
    NonNeg, |v| v >= 0.0, "a finite number ≥ 0"
);
checked_number!(
    /// A finite number > 0 (durations, rates that divide).
    Positive, |v| v > 0.0, "a finite number > 0"
);
checked_number!(
    /// A fraction or probability in [0, 1].
    Fraction, |v| (0.0..=1.0).contains(&v), "a fraction in [0, 1]"
);
checked_number!(
    /// A growth rate per year in [-1, 10] (−100 % to +1000 %).
    Growth, |v| (-1.0..=10.0).contains(&v), "a growth rate per year in [-1, 10]"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_enforced() {
        assert!(NonNeg::new(-1.0).is_err());
        assert!(NonNeg::new(f64::NAN).is_err());
        assert!(Fraction::new(1.5).is_err());
        assert!(Positive::new(0.0).is_err());
        assert_eq!(Fraction::new(0.5).unwrap().get(), 0.5);
        let e = ron::from_str::<NonNeg>("-3").unwrap_err();
        assert!(
            e.to_string().contains("expected a finite number ≥ 0, got -3"),
            "{e}"
        );
    }
}
