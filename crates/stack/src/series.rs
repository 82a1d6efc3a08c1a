//! Values that may change over the horizon: a number, or a path over dates.
//!
//! In a scenario, a field of this type accepts
//! - a number: constant over the horizon (`demand_growth: 0.05`);
//! - a list of `(date, value)` pairs, joined by straight lines
//!   (`[("2025-01-01", 0.05), ("2030-01-01", 0.03)]`);
//! - `(step: [...])` or `(linear: [...])` to say how points are joined;
//!   `step` holds each value until the next date.
//!
//! Before the first date the first value holds; after the last, the last.
//! Dates may lie before the scenario's start: the path then starts at its own
//! value on the start date (interpolated between the points either side of
//! it for `linear`, the last earlier value for `step`), so a path anchored on
//! historical dates means the same in a scenario that starts later.

use chrono::NaiveDate;
use scheduler::{Calendar, Interp, SimTime, TimePath};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A number, or a path of values over dates (see the module docs).
#[derive(Clone, Debug, PartialEq)]
pub enum Series {
    /// The same value over the whole horizon.
    Constant(f64),
    /// Values at dates, joined as `interp` says.
    Path {
        /// How points are joined.
        interp: Interp,
        /// `(date, value)` in increasing date order.
        points: Vec<(NaiveDate, f64)>,
    },
}

impl Series {
    /// The constant `v`.
    pub fn constant(v: f64) -> Series {
        Series::Constant(v)
    }

    /// The path in simulated time under `calendar`. Points dated before the
    /// start are replaced by one point at the start holding the path's value
    /// there (see the module docs); later points are kept as written.
    pub fn to_time_path(&self, calendar: &Calendar) -> TimePath {
        match self {
            Series::Constant(v) => TimePath::constant(*v),
            Series::Path { interp, points } => {
                let start = calendar.start_date();
                let pre_start = points.first().is_some_and(|p| p.0 < start);
                let mut pts: Vec<(SimTime, f64)> = Vec::with_capacity(points.len() + 1);
                if let Some(v) = self.value_on(start).filter(|_| pre_start) {
                    pts.push((SimTime::ZERO, v));
                }
                for (d, v) in points {
                    match calendar.at_date(*d) {
                        // A point on the start date is the value just pushed.
                        Some(t) if !(pre_start && t == SimTime::ZERO) => pts.push((t, *v)),
                        _ => {}
                    }
                }
                // Points were checked sorted and finite when read.
                TimePath::new(pts, *interp).unwrap_or_else(|| TimePath::constant(f64::NAN))
            }
        }
    }

    /// The value on `date` (at its midnight): the first value before the
    /// first point, the last after the last; between two points, linear
    /// paths interpolate by elapsed seconds and step paths hold the earlier.
    pub fn value_on(&self, date: NaiveDate) -> Option<f64> {
        let (interp, points) = match self {
            Series::Constant(v) => return Some(*v),
            Series::Path { interp, points } => (interp, points),
        };
        let after = points.iter().position(|(d, _)| *d > date);
        Some(match after {
            Some(0) => points[0].1,
            None => points.last()?.1,
            Some(i) => {
                let (d0, v0) = points[i - 1];
                let (d1, v1) = points[i];
                match interp {
                    Interp::Step => v0,
                    Interp::Linear => {
                        let share = (date - d0).num_seconds() as f64 / (d1 - d0).num_seconds() as f64;
                        v0 + (v1 - v0) * share
                    }
                }
            }
        })
    }

    /// Checks every value with `check` (a range check of the field).
    pub fn check(&self, check: impl Fn(f64) -> Result<(), String>) -> Result<(), String> {
        match self {
            Series::Constant(v) => check(*v),
            Series::Path { points, .. } => points.iter().try_for_each(|(_, v)| check(*v)),
        }
    }

    /// The largest value.
    pub fn max(&self) -> f64 {
        match self {
            Series::Constant(v) => *v,
            Series::Path { points, .. } => points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max),
        }
    }

    /// The value at the first instant (the first point, or the constant).
    pub fn first(&self) -> f64 {
        match self {
            Series::Constant(v) => *v,
            Series::Path { points, .. } => points.first().map_or(f64::NAN, |p| p.1),
        }
    }
}

fn check_points(points: &[(String, f64)]) -> Result<Vec<(NaiveDate, f64)>, String> {
    if points.is_empty() {
        return Err("a path needs at least one (date, value) point".into());
    }
    let mut out: Vec<(NaiveDate, f64)> = Vec::with_capacity(points.len());
    for (d, v) in points {
        let date = crate::dates::parse_date(d)?;
        if !v.is_finite() {
            return Err(format!("value at {d} must be finite, got {}", scheduler::Num(*v)));
        }
        if let Some(prev) = out.last()
            && prev.0 >= date
        {
            return Err(format!("path dates must increase: {} then {}", prev.0, date));
        }
        out.push((date, *v));
    }
    Ok(out)
}

impl<'de> Deserialize<'de> for Series {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Series;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a number, a list of (\"YYYY-MM-DD\", value) points, or (step: [...]) / (linear: [...])",
                )
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Series, E> {
                if v.is_finite() {
                    Ok(Series::Constant(v))
                } else {
                    Err(E::custom(format!(
                        "expected a finite number, got {}",
                        scheduler::Num(v)
                    )))
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Series, E> {
                Ok(Series::Constant(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Series, E> {
                Ok(Series::Constant(v as f64))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Series, A::Error> {
                let mut pts = Vec::new();
                while let Some(p) = seq.next_element::<(String, f64)>()? {
                    pts.push(p);
                }
                let points = check_points(&pts).map_err(de::Error::custom)?;
                Ok(Series::Path {
                    interp: Interp::Linear,
                    points,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Series, A::Error> {
                let Some(key) = map.next_key::<String>()? else {
                    return Err(de::Error::custom("expected `step: [...]` or `linear: [...]`"));
                };
                let interp = match key.as_str() {
                    "step" => Interp::Step,
                    "linear" => Interp::Linear,
                    other => {
                        return Err(de::Error::custom(format!(
                            "unknown path kind `{other}`, expected `step` or `linear`"
                        )));
                    }
                };
                let pts: Vec<(String, f64)> = map.next_value()?;
                if map.next_key::<String>()?.is_some() {
                    return Err(de::Error::custom(
                        "a path takes exactly one of `step` or `linear`",
                    ));
                }
                let points = check_points(&pts).map_err(de::Error::custom)?;
                Ok(Series::Path { interp, points })
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for Series {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Series::Constant(v) => s.serialize_f64(*v),
            Series::Path { interp, points } => {
                let mut m = s.serialize_map(Some(1))?;
                let key = match interp {
                    Interp::Step => "step",
                    Interp::Linear => "linear",
                };
                let pts: Vec<(String, f64)> = points.iter().map(|(d, v)| (d.to_string(), *v)).collect();
                m.serialize_entry(key, &pts)?;
                m.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(ron::from_str::<Series>("3").unwrap(), Series::Constant(3.0));
        let lin: Series = ron::from_str(r#"[("2025-01-01", 1.0), ("2026-01-01", 3)]"#).unwrap();
        let cal = Calendar::new(NaiveDate::from_ymd_opt(2025, 1, 1).unwrap());
        let p = lin.to_time_path(&cal);
        let mid = cal.at_date(NaiveDate::from_ymd_opt(2025, 7, 2).unwrap()).unwrap();
        assert!((p.at(mid) - 2.0).abs() < 0.01);
        let step: Series = ron::from_str(r#"(step: [("2025-01-01", 1.0), ("2026-01-01", 3)])"#).unwrap();
        assert_eq!(step.to_time_path(&cal).at(mid), 1.0);
        // Survives a JSON round trip (used to apply parameter overrides).
        let json = serde_json::to_string(&step).unwrap();
        assert_eq!(serde_json::from_str::<Series>(&json).unwrap(), step);
    }

    #[test]
    fn points_before_the_start_give_the_value_at_the_start() {
        let cal = Calendar::new(NaiveDate::from_ymd_opt(2025, 1, 1).unwrap());
        let at = |s: &str, y: i32| {
            let p = ron::from_str::<Series>(s).unwrap().to_time_path(&cal);
            p.at(cal.at_date(NaiveDate::from_ymd_opt(y, 1, 1).unwrap()).unwrap())
        };
        // Linear, 2020 → 2030: halfway at the 2025 start (by seconds; 2020
        // to 2025 holds two leap days, 2025 to 2030 one).
        let lin = r#"[("2020-01-01", 0.0), ("2030-01-01", 1.0)]"#;
        let share = 1827.0 / 3653.0;
        assert!((at(lin, 2025) - share).abs() < 1e-12, "{}", at(lin, 2025));
        assert_eq!(at(lin, 2030), 1.0);
        // Step: the last value before the start holds until the next point.
        let step = r#"(step: [("2020-01-01", 1.0), ("2024-06-01", 2.0), ("2026-01-01", 3.0)])"#;
        assert_eq!(at(step, 2025), 2.0);
        assert_eq!(at(step, 2026), 3.0);
        // All points before the start: the last holds.
        assert_eq!(at(r#"[("2020-01-01", 1.0), ("2021-01-01", 4.0)]"#, 2025), 4.0);
        // A point on the start date is kept once.
        assert_eq!(
            at(
                r#"[("2020-01-01", 1.0), ("2025-01-01", 4.0), ("2027-01-01", 6.0)]"#,
                2026
            ),
            5.0
        );
    }

    #[test]
    fn bad_paths_are_refused() {
        for bad in [
            r#"[("2025-13-01", 1.0)]"#,
            r#"[("2026-01-01", 1.0), ("2025-01-01", 1.0)]"#,
            r#"[]"#,
            r#"(cubic: [("2025-01-01", 1.0)])"#,
        ] {
            assert!(ron::from_str::<Series>(bad).is_err(), "{bad}");
        }
    }
}
