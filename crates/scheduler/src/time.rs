//! Simulated time: integer ticks of one second, durations, and the calendar.
//!
//! Time is a `u64` count of seconds since the scenario's start instant, so
//! equal times compare exactly and a run never depends on floating-point
//! rounding of the clock. Arithmetic is checked: an overflow is either an
//! `Option::None` (the `checked_*` methods) or a panic with a message (the
//! operators), never a silent wrap.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// Seconds in one day.
pub const SECS_PER_DAY: u64 = 86_400;
/// Seconds in one hour.
pub const SECS_PER_HOUR: u64 = 3_600;
/// Seconds in one Julian year (365.25 days), the unit of `years` everywhere.
pub const SECS_PER_YEAR: u64 = 31_557_600;

/// An instant of simulated time, in whole seconds since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

/// A span of simulated time, in whole seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub u64);

impl SimTime {
    /// The start of the run.
    pub const ZERO: SimTime = SimTime(0);
    /// The largest representable instant (about 585 billion years).
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// Seconds since the start of the run.
    pub const fn ticks(self) -> u64 {
        self.0
    }
    /// Days since the start of the run (fractional).
    pub fn as_days(self) -> f64 {
        self.0 as f64 / SECS_PER_DAY as f64
    }
    /// Julian years (365.25 days) since the start of the run (fractional).
    pub fn as_years(self) -> f64 {
        self.0 as f64 / SECS_PER_YEAR as f64
    }
    /// `self + d`, or `None` on overflow.
    pub fn checked_add(self, d: Duration) -> Option<SimTime> {
        self.0.checked_add(d.0).map(SimTime)
    }
    /// The duration from `earlier` to `self`, or `None` if `earlier` is later.
    pub fn checked_since(self, earlier: SimTime) -> Option<Duration> {
        self.0.checked_sub(earlier.0).map(Duration)
    }
    /// The duration from `earlier` to `self`, zero if `earlier` is later.
    pub fn saturating_since(self, earlier: SimTime) -> Duration {
        Duration(self.0.saturating_sub(earlier.0))
    }
}

impl Duration {
    /// No time at all.
    pub const ZERO: Duration = Duration(0);

    /// A duration of `s` seconds.
    pub const fn from_secs(s: u64) -> Duration {
        Duration(s)
    }
    /// A duration of `h` hours.
    pub const fn from_hours(h: u64) -> Duration {
        Duration(h * SECS_PER_HOUR)
    }
    /// A duration of `d` whole days.
    pub const fn from_days(d: u64) -> Duration {
        Duration(d * SECS_PER_DAY)
    }
    /// A duration of `days` (fractional, rounded to the nearest second).
    /// `None` if negative, not finite or too large.
    #[inline]
    pub fn from_days_f64(days: f64) -> Option<Duration> {
        Self::from_secs_f64(days * SECS_PER_DAY as f64)
    }
    /// A duration of `years` Julian years (fractional, rounded to the nearest
    /// second). `None` if negative, not finite or too large.
    #[inline]
    pub fn from_years_f64(years: f64) -> Option<Duration> {
        Self::from_secs_f64(years * SECS_PER_YEAR as f64)
    }
    /// A duration of `secs` seconds, rounded to the nearest second. `None` if
    /// negative, not finite or too large for a `u64`. Inlined across crates:
    /// forced outages and training failures call it once per draw.
    #[inline]
    pub fn from_secs_f64(secs: f64) -> Option<Duration> {
        // 1.8e19 is just below u64::MAX. Rounds half away from zero like
        // `f64::round`, without its libm call (forced outages and training
        // failures call this once per draw): the truncation is exact, and so
        // is `secs - whole` (Sterbenz below 2^52; zero above it, where every
        // float is whole).
        // Below 2^63 the conversions go through `i64`: one instruction each
        // on x86-64, where the unsigned ones branch.
        if (0.0..9.0e18).contains(&secs) {
            let whole = secs as i64;
            Some(Duration(whole as u64 + u64::from(secs - whole as f64 >= 0.5)))
        } else if (9.0e18..1.8e19).contains(&secs) {
            // Every float here is whole.
            Some(Duration(secs as u64))
        } else {
            None
        }
    }
    /// Whole seconds.
    pub const fn secs(self) -> u64 {
        self.0
    }
    /// Seconds, as a float (for rates: FLOP = FLOP/s × seconds).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64
    }
    /// Hours, as a float (for energy: MWh = MW × hours).
    pub fn as_hours(self) -> f64 {
        self.0 as f64 / SECS_PER_HOUR as f64
    }
    /// Days, as a float.
    pub fn as_days(self) -> f64 {
        self.0 as f64 / SECS_PER_DAY as f64
    }
    /// Julian years, as a float.
    pub fn as_years(self) -> f64 {
        self.0 as f64 / SECS_PER_YEAR as f64
    }
    /// `self + other`, or `None` on overflow.
    pub fn checked_add(self, other: Duration) -> Option<Duration> {
        self.0.checked_add(other.0).map(Duration)
    }
    /// `self × n`, or `None` on overflow.
    pub fn checked_mul(self, n: u64) -> Option<Duration> {
        self.0.checked_mul(n).map(Duration)
    }
}

/// Instants every `step` from `first` (a domain's fixed clock, such as the
/// grid's dispatches), so that another domain can time its changes to it:
/// a change made at one of these instants is seen by that instant's step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepClock {
    /// The clock's first instant.
    pub first: SimTime,
    /// Time between two instants (a zero step counts as one second).
    pub step: Duration,
}

impl StepClock {
    /// The first instant of the clock at or after `t`: `first` for a `t`
    /// before it, `t` itself if no later instant fits in `u64` seconds.
    pub fn at_or_after(&self, t: SimTime) -> SimTime {
        let step = self.step.secs().max(1);
        let Some(since) = t.ticks().checked_sub(self.first.ticks()) else {
            return self.first;
        };
        since
            .div_ceil(step)
            .checked_mul(step)
            .and_then(|k| self.first.ticks().checked_add(k))
            .map_or(t, SimTime)
    }
}

impl Add<Duration> for SimTime {
    type Output = SimTime;
    /// Panics on overflow (as `std::time::Instant` does); use
    /// [`SimTime::checked_add`] where the operands come from input.
    fn add(self, d: Duration) -> SimTime {
        self.checked_add(d)
            .expect("SimTime + Duration overflowed u64 seconds")
    }
}

impl AddAssign<Duration> for SimTime {
    fn add_assign(&mut self, d: Duration) {
        *self = *self + d;
    }
}

impl Sub<SimTime> for SimTime {
    type Output = Duration;
    /// Panics if `rhs` is later than `self`; use [`SimTime::checked_since`]
    /// where that can happen.
    fn sub(self, rhs: SimTime) -> Duration {
        self.checked_since(rhs)
            .expect("SimTime - SimTime: rhs is later than self")
    }
}

impl Add for Duration {
    type Output = Duration;
    /// Panics on overflow; use [`Duration::checked_add`] where the operands
    /// come from input.
    fn add(self, rhs: Duration) -> Duration {
        self.checked_add(rhs)
            .expect("Duration + Duration overflowed u64 seconds")
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t={}s", self.0)
    }
}

/// Converts between simulated time and calendar dates, from the scenario's
/// start date (taken as midnight, proleptic Gregorian calendar, no time zone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Calendar {
    start: NaiveDateTime,
}

impl Calendar {
    /// A calendar whose `SimTime::ZERO` is midnight at the start of `start`.
    pub fn new(start: NaiveDate) -> Calendar {
        Calendar {
            start: start.and_hms_opt(0, 0, 0).expect("midnight is valid"),
        }
    }
    /// The start date.
    pub fn start_date(&self) -> NaiveDate {
        self.start.date()
    }
    /// The calendar date and time of `t`, or `None` past year 262,143.
    pub fn datetime(&self, t: SimTime) -> Option<NaiveDateTime> {
        let secs = i64::try_from(t.0).ok()?;
        self.start.checked_add_signed(TimeDelta::try_seconds(secs)?)
    }
    /// The calendar date of `t`, or `None` when out of the calendar's range.
    pub fn date(&self, t: SimTime) -> Option<NaiveDate> {
        self.datetime(t).map(|dt| dt.date())
    }
    /// The instant at midnight starting `date`; `None` if `date` is before the
    /// start date.
    pub fn at_date(&self, date: NaiveDate) -> Option<SimTime> {
        let midnight = date.and_hms_opt(0, 0, 0)?;
        let secs = (midnight - self.start).num_seconds();
        u64::try_from(secs).ok().map(SimTime)
    }
    /// The instant at midnight on the first day of the month after `t`'s
    /// month: the monthly sampling grid. `None` out of range.
    pub fn next_month_start(&self, t: SimTime) -> Option<SimTime> {
        use chrono::Datelike;
        let d = self.date(t)?;
        let (y, m) = if d.month() == 12 {
            (d.year() + 1, 1)
        } else {
            (d.year(), d.month() + 1)
        };
        self.at_date(NaiveDate::from_ymd_opt(y, m, 1)?)
    }
    /// Fractional calendar year of `t`, e.g. 2026.5 near 2 July 2026:
    /// the year plus the elapsed share of that year.
    pub fn fractional_year(&self, t: SimTime) -> Option<f64> {
        use chrono::Datelike;
        let dt = self.datetime(t)?;
        let y = dt.year();
        let y0 = NaiveDate::from_ymd_opt(y, 1, 1)?.and_hms_opt(0, 0, 0)?;
        let y1 = NaiveDate::from_ymd_opt(y + 1, 1, 1)?.and_hms_opt(0, 0, 0)?;
        let share = (dt - y0).num_seconds() as f64 / (y1 - y0).num_seconds() as f64;
        Some(y as f64 + share)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert_eq!(Duration::from_days(2).as_hours(), 48.0);
        assert_eq!(SimTime(SECS_PER_YEAR).as_years(), 1.0);
        assert_eq!(Duration::from_years_f64(0.5), Some(Duration(SECS_PER_YEAR / 2)));
        assert_eq!(Duration::from_days_f64(-1.0), None);
        assert_eq!(Duration::from_secs_f64(f64::NAN), None);
        assert_eq!(Duration::from_secs_f64(1e300), None);
    }

    #[test]
    fn from_secs_f64_rounds_like_f64_round() {
        let mut xs = vec![
            0.0,
            -0.0,
            0.49,
            0.5,
            0.51,
            1.5,
            2.5,
            0.49999999999999994,
            0.5000000000000001,
            1e-300,
            86_399.5,
            123456.49999999999,
            4.5e15 + 0.5,
            9.1e15,
            8.9e18,
            9.0e18,
            9.3e18,
            1.7e19,
        ];
        let mut x = 0.37f64;
        for _ in 0..10_000 {
            x = (x * 3.7 + 0.11).fract();
            xs.extend([x * 1e7, x * 10.0, (x * 1e6).floor() + 0.5]);
        }
        for secs in xs {
            assert_eq!(
                Duration::from_secs_f64(secs),
                Some(Duration(secs.round() as u64)),
                "{secs:e}"
            );
        }
        for bad in [-0.5, 1.8e19, f64::NAN, f64::INFINITY] {
            assert_eq!(Duration::from_secs_f64(bad), None, "{bad:e}");
        }
    }

    #[test]
    fn overflow_is_never_silent() {
        assert_eq!(SimTime::MAX.checked_add(Duration(1)), None);
        assert_eq!(Duration(u64::MAX).checked_mul(2), None);
        assert!(std::panic::catch_unwind(|| SimTime::MAX + Duration(1)).is_err());
        assert_eq!(SimTime(1).checked_since(SimTime(2)), None);
    }

    #[test]
    fn calendar_round_trip_and_months() {
        let cal = Calendar::new(NaiveDate::from_ymd_opt(2025, 1, 1).unwrap());
        let mar1 = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        let t = cal.at_date(mar1).unwrap();
        assert_eq!(t, SimTime((31 + 28) * SECS_PER_DAY));
        assert_eq!(cal.date(t), Some(mar1));
        assert_eq!(cal.next_month_start(SimTime(5)), Some(SimTime(31 * SECS_PER_DAY)));
        let dec = cal
            .at_date(NaiveDate::from_ymd_opt(2025, 12, 15).unwrap())
            .unwrap();
        let jan = cal.next_month_start(dec).unwrap();
        assert_eq!(cal.date(jan), NaiveDate::from_ymd_opt(2026, 1, 1));
        assert_eq!(cal.at_date(NaiveDate::from_ymd_opt(2024, 12, 31).unwrap()), None);
        assert_eq!(cal.fractional_year(SimTime::ZERO), Some(2025.0));
    }

    #[test]
    fn a_step_clock_rounds_up_to_its_next_instant() {
        let c = StepClock {
            first: SimTime(100),
            step: Duration(3600),
        };
        assert_eq!(c.at_or_after(SimTime(100)), SimTime(100));
        assert_eq!(c.at_or_after(SimTime(101)), SimTime(3700));
        assert_eq!(c.at_or_after(SimTime(3700)), SimTime(3700));
        assert_eq!(c.at_or_after(SimTime(7299)), SimTime(7300));
        // Before the first instant: the first; past the last that fits: `t`.
        assert_eq!(c.at_or_after(SimTime(5)), SimTime(100));
        assert_eq!(c.at_or_after(SimTime::MAX), SimTime::MAX);
        // A zero step counts as a second.
        let z = StepClock {
            first: SimTime(0),
            step: Duration(0),
        };
        assert_eq!(z.at_or_after(SimTime(7)), SimTime(7));
    }
}
