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
                    Err(format!(concat!("expected ", $expect, ", got {}"), scheduler::Num(v)))
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

// Ranges of single fields, equal to the range the domain checks when it is
// built, so that the reference states the real range and a value out of it
// is refused at its own line and column.
checked_number!(
    /// An hour of the day in [0, 24].
    HourOfDay, |v| (0.0..=24.0).contains(&v), "an hour of day in [0, 24]"
);
checked_number!(
    /// A day of the year in [0, 366].
    DayOfYear, |v| (0.0..=366.0).contains(&v), "a day of year in [0, 366]"
);
checked_number!(
    /// A region's UTC offset in [-12, 14] hours (the world's time zones;
    /// the grid's `UTC_OFFSET_RANGE_HOURS`).
    UtcOffset, |v| (-12.0..=14.0).contains(&v), "a UTC offset in [-12, 14] hours"
);
checked_number!(
    /// A log standard deviation of demand's weather noise in [0, 0.5] (the
    /// grid's `MAX_DEMAND_NOISE_SD`).
    NoiseSd, |v| (0.0..=0.5).contains(&v), "a log standard deviation in [0, 0.5]"
);
checked_number!(
    /// The correlation time of demand's weather noise in [1, 8766] hours
    /// (the grid's `DEMAND_NOISE_HOURS_RANGE`: an hour to a year).
    NoiseHours, |v| (1.0..=8766.0).contains(&v), "a correlation time in [1, 8766] hours"
);
checked_number!(
    /// Hours of storage of the batteries a region builds, in (0, 10000]
    /// (the grid's `MAX_BUILD_HOURS`).
    BuildHours, |v| v > 0.0 && v <= 1e4, "hours of storage in (0, 10000]"
);
checked_number!(
    /// A hydro reservoir's capacity in [0, 10000] hours of its installed
    /// MW (the grid's `MAX_RESERVOIR_HOURS`).
    ReservoirHours, |v| (0.0..=1e4).contains(&v), "hours of reservoir in [0, 10000]"
);
checked_number!(
    /// A battery round-trip efficiency in [0.01, 1].
    RoundTrip, |v| (0.01..=1.0).contains(&v), "a round-trip efficiency in [0.01, 1]"
);
checked_number!(
    /// A grid-connection approval rate in [0.001, 1e7] MW/yr (the grid
    /// divides by it).
    ApprovalRate, |v| (1e-3..=1e7).contains(&v), "an approval rate in [0.001, 10000000] MW/yr"
);
checked_number!(
    /// A generation marginal cost in [0, 1e5] USD/MWh.
    MarginalCost, |v| (0.0..=1e5).contains(&v), "a marginal cost in [0, 100000] USD/MWh"
);
checked_number!(
    /// A transmission loss fraction in [0, 0.5].
    LossFraction, |v| (0.0..=0.5).contains(&v), "a loss fraction in [0, 0.5]"
);
checked_number!(
    /// A fab's power at full wafer starts in [0, 1e4] MW.
    FabPower, |v| (0.0..=1e4).contains(&v), "a fab power in [0, 10000] MW"
);
checked_number!(
    /// A dated drought's length in (0, 36,525] days: 100 years, the longest
    /// horizon, so a drought this long outlasts any run (the grid's
    /// `MAX_DROUGHT_DAYS`).
    DroughtDays, |v| v > 0.0 && v <= 36_525.0, "a drought length in (0, 36525] days"
);
checked_number!(
    /// A dated capacity derate's length in (0, 36,525] days (the grid's
    /// `MAX_DERATE_DAYS`, as for a drought).
    DerateDays, |v| v > 0.0 && v <= 36_525.0, "a derate length in (0, 36525] days"
);
checked_number!(
    /// An adequacy response's target reserve margin in [0, 10] (the grid's
    /// `MAX_TARGET_RESERVE_MARGIN`).
    ReserveMargin, |v| (0.0..=10.0).contains(&v), "a reserve margin in [0, 10]"
);
checked_number!(
    /// Years between an adequacy response's checks, in [0.05, 50] (the
    /// grid's `MIN_CHECK_EVERY_YEARS`, `MAX_ADEQUACY_YEARS`).
    CheckYears, |v| (0.05..=50.0).contains(&v), "years between checks in [0.05, 50]"
);
checked_number!(
    /// How far ahead an adequacy response forecasts, years in [0, 50].
    ForecastYears, |v| (0.0..=50.0).contains(&v), "a forecast horizon in [0, 50] years"
);
checked_number!(
    /// A size in MW of at least 0.001 and at most 10⁷ (a unit built, a cap a year).
    UnitMw, |v| (1e-3..=1e7).contains(&v), "MW in [0.001, 10000000]"
);
checked_number!(
    /// A derate's multiplier of non-AI demand in [0, 10] (the grid's
    /// `MAX_DERATE_DEMAND_FACTOR`).
    DemandFactor, |v| (0.0..=10.0).contains(&v), "a demand factor in [0, 10]"
);
checked_number!(
    /// An accelerator's unit price in (0, 1e8] USD: the range of the supply
    /// chain (which divides an order's dollars by it) and of training.
    UnitPrice, |v| v > 0.0 && v <= 1e8, "a unit price in (0, 100000000] USD"
);
checked_number!(
    /// A count of accelerators in [0, 2⁴⁰] (rounded): training's limit,
    /// which keeps every sum of them exact in an `f64`.
    AcceleratorCount,
    |v| (0.0..=1_099_511_627_776.0).contains(&v),
    "an accelerator count in [0, 1099511627776]"
);
checked_number!(
    /// A count of lithography tools in [0, 1e6] (rounded): the supply
    /// chain's limit.
    ToolCount, |v| (0.0..=1e6).contains(&v), "a tool count in [0, 1000000]"
);
checked_number!(
    /// The world's algorithmic halving time in [0.1, 10,000] months (the
    /// range of a lab's own halving time).
    HalvingMonths, |v| (0.1..=1e4).contains(&v), "a halving time in [0.1, 10000] months"
);
checked_number!(
    /// A lab's rate of algorithmic progress relative to the world's, in
    /// [0.1, 10].
    RateRatio, |v| (0.1..=10.0).contains(&v), "a rate ratio in [0.1, 10]"
);
checked_number!(
    /// A die-bank target in [0, 520] weeks of the back end's consumption
    /// (the supply chain's `MAX_DIE_BANK_TARGET`).
    BankWeeks, |v| (0.0..=520.0).contains(&v), "a die-bank target in [0, 520] weeks"
);
checked_number!(
    /// A stock of HBM stacks or of banked dies in [0, 1e10] (rounded): the
    /// supply chain's limit.
    StockCount, |v| (0.0..=1e10).contains(&v), "a count in [0, 10000000000]"
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
