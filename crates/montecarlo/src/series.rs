//! A run's time series as a dense table: each distinct (metric, entity) key
//! and each distinct sampling instant is stored once, and the values sit in
//! an instants × keys grid (`NaN` where the run reported nothing).
//!
//! Why not one row per point with its own strings: a ten-year scenario
//! reports about 47,000 points per run over a few hundred keys and ~120
//! instants. Interning the names once per run keeps per-run files small
//! (8 bytes per value), makes bands an array walk instead of a string-keyed
//! map lookup per point, and lets outputs be rebuilt quickly in run order.
//!
//! **Canonical order.** Keys and instants are numbered in order of first
//! appearance; [`Series::points`] yields points instant by instant, keys in
//! key order. For a model that reports every key at every instant in a fixed
//! order (the `stack` recorder does), that is exactly the order it reported.

use crate::model::SeriesPoint;
use stack::output::KeyInterner;
use std::collections::HashMap;

/// One (metric, entity) key of a series.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeriesKey {
    /// Dotted metric name carrying its unit (`energy.unserved_mwh`).
    pub metric: String,
    /// Entity name, or `national` for totals.
    pub entity: String,
}

/// One sampling instant of a series.
#[derive(Clone, Debug, PartialEq)]
pub struct Instant {
    /// Simulated time in years (the model decides the origin, consistently).
    pub time_year: f64,
    /// The instant as an ISO date (`2026-01-01`); the first date seen for this `time_year`.
    pub date: String,
}

/// A run's series: keys × instants, each value finite or absent. Built with
/// [`SeriesBuilder`] (or [`Series::from_points`]), which checks that every
/// value and time is finite and that no (key, instant) is reported twice.
#[derive(Clone, Debug, Default)]
pub struct Series {
    keys: Vec<SeriesKey>,
    instants: Vec<Instant>,
    /// `instants.len() × keys.len()`, instant-major; `NaN` = not reported.
    values: Vec<f64>,
}

/// Equal when keys, instants and every value's bits agree (absent points are `NaN`).
impl PartialEq for Series {
    fn eq(&self, o: &Series) -> bool {
        self.keys == o.keys
            && self.instants == o.instants
            && self.values.len() == o.values.len()
            && self
                .values
                .iter()
                .zip(&o.values)
                .all(|(a, b)| a.to_bits() == b.to_bits())
    }
}

/// A point of a [`Series`] by reference, in canonical order.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PointRef<'a> {
    /// The key.
    pub key: &'a SeriesKey,
    /// The instant.
    pub instant: &'a Instant,
    /// The value (finite).
    pub value: f64,
}

impl Series {
    /// Starts building a series.
    pub fn builder() -> SeriesBuilder {
        SeriesBuilder::default()
    }

    /// Builds a series from points in any order (see [`SeriesBuilder::finish`] for the checks).
    pub fn from_points(points: impl IntoIterator<Item = SeriesPoint>) -> Result<Series, String> {
        let mut b = Series::builder();
        for p in points {
            b.push(p.time_year, &p.date, &p.metric, &p.entity, p.value);
        }
        b.finish()
    }

    /// Assembles a series from its parts; `values` is instant-major with `NaN`
    /// for absent points. Used by the run-file decoder; checks shapes and values.
    pub fn from_parts(
        keys: Vec<SeriesKey>,
        instants: Vec<Instant>,
        values: Vec<f64>,
    ) -> Result<Series, String> {
        if values.len() != keys.len() * instants.len() {
            return Err(format!(
                "{} values for {} keys × {} instants",
                values.len(),
                keys.len(),
                instants.len()
            ));
        }
        if values.iter().any(|v| v.is_infinite()) || instants.iter().any(|i| !i.time_year.is_finite()) {
            return Err("a series value or time is not finite".into());
        }
        Ok(Series {
            keys,
            instants,
            values,
        })
    }

    /// The (metric, entity) keys, in order of first appearance.
    pub fn keys(&self) -> &[SeriesKey] {
        &self.keys
    }

    /// The sampling instants, in order of first appearance.
    pub fn instants(&self) -> &[Instant] {
        &self.instants
    }

    /// The grid, instant-major (`values()[i * keys().len() + k]`), `NaN` where absent.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The value of key `k` at instant `i`, if reported.
    pub fn value(&self, instant: usize, key: usize) -> Option<f64> {
        let v = *self.values.get(instant * self.keys.len() + key)?;
        (!v.is_nan()).then_some(v)
    }

    /// Number of reported points.
    pub fn len(&self) -> usize {
        self.values.iter().filter(|v| !v.is_nan()).count()
    }

    /// Whether no point was reported.
    pub fn is_empty(&self) -> bool {
        self.values.iter().all(|v| v.is_nan())
    }

    /// The reported points in canonical order (instant by instant, keys in key order).
    pub fn points(&self) -> impl Iterator<Item = PointRef<'_>> {
        self.indexed_points().map(move |(key, instant, value)| PointRef {
            key: &self.keys[key],
            instant: &self.instants[instant],
            value,
        })
    }

    /// The reported points in canonical order as (index into [`keys`](Self::keys),
    /// index into [`instants`](Self::instants), value): the one walk of the
    /// values' layout, for writers that convert each key and instant once.
    pub fn indexed_points(&self) -> impl Iterator<Item = (usize, usize, f64)> + '_ {
        let k = self.keys.len().max(1);
        self.values
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_nan())
            .map(move |(idx, &value)| (idx % k, idx / k, value))
    }
}

/// Collects points into a [`Series`], interning keys and instants as they come.
///
/// A model that reports keys in the same order at every instant hits a
/// one-comparison fast path; any other order falls back to a hash lookup
/// (keys through the stack recorder's [`KeyInterner`]).
#[derive(Debug, Default)]
pub struct SeriesBuilder {
    keys: KeyInterner,
    instants: Vec<Instant>,
    instant_index: HashMap<u64, u32>,
    points: Vec<(u32, u32, f64)>,
    last_instant: Option<u32>,
}

impl SeriesBuilder {
    fn instant_id(&mut self, time_year: f64, date: &str) -> u32 {
        if let Some(i) = self.last_instant
            && self.instants[i as usize].time_year.to_bits() == time_year.to_bits()
        {
            return i;
        }
        let n = self.instants.len() as u32;
        let id = *self.instant_index.entry(time_year.to_bits()).or_insert(n);
        if id == n {
            self.instants.push(Instant {
                time_year,
                date: date.to_string(),
            });
        }
        self.last_instant = Some(id);
        id
    }

    /// Adds one point: `value` of `metric` for `entity` at `time_year` (`date`).
    pub fn push(&mut self, time_year: f64, date: &str, metric: &str, entity: &str, value: f64) {
        let k = self.keys.id(metric, entity);
        let i = self.instant_id(time_year, date);
        self.points.push((k, i, value));
    }

    /// The series; refuses a non-finite value or time, or a (key, instant) reported twice,
    /// naming the metric, entity and date.
    pub fn finish(self) -> Result<Series, String> {
        let keys = self
            .keys
            .into_keys()
            .into_iter()
            .map(|(metric, entity)| SeriesKey { metric, entity })
            .collect();
        Series::from_indexed(keys, self.instants, &self.points)
    }
}

impl Series {
    /// A series from keys and instants already interned and points that
    /// index them, `(key, instant, value)` (what [`SeriesBuilder`] makes, and
    /// what the stack's recorder keeps), with [`SeriesBuilder::finish`]'s
    /// checks; an index out of range is refused too.
    pub fn from_indexed(
        keys: Vec<SeriesKey>,
        instants: Vec<Instant>,
        points: &[(u32, u32, f64)],
    ) -> Result<Series, String> {
        let kn = keys.len();
        let mut values = vec![f64::NAN; kn * instants.len()];
        for &(k, i, v) in points {
            let (Some(key), Some(inst)) = (keys.get(k as usize), instants.get(i as usize)) else {
                return Err(format!("point ({k}, {i}) indexes no key or instant"));
            };
            let at = || format!("`{}` of `{}` at {}", key.metric, key.entity, inst.date);
            if !v.is_finite() {
                return Err(format!("{} is {v}, not a finite number", at()));
            }
            if !inst.time_year.is_finite() {
                return Err(format!("time of {} is not finite", at()));
            }
            let slot = &mut values[i as usize * kn + k as usize];
            if !slot.is_nan() {
                return Err(format!("{} reported twice", at()));
            }
            *slot = v;
        }
        Ok(Series {
            keys,
            instants,
            values,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(t: f64, m: &str, e: &str, v: f64) -> SeriesPoint {
        SeriesPoint {
            time_year: t,
            date: format!("d{t}"),
            metric: m.into(),
            entity: e.into(),
            value: v,
        }
    }

    #[test]
    fn points_come_back_in_canonical_order_and_absent_ones_are_skipped() {
        let s = Series::from_points([
            pt(0.0, "a", "x", 1.0),
            pt(0.0, "b", "x", 2.0),
            pt(1.0, "a", "x", 3.0),
            pt(1.0, "c", "y", 4.0), // new key mid-run
            pt(1.0, "b", "x", 5.0), // out of the usual order
        ])
        .unwrap();
        assert_eq!(s.keys().len(), 3);
        assert_eq!(s.len(), 5);
        let got: Vec<(f64, &str, f64)> = s
            .points()
            .map(|p| (p.instant.time_year, p.key.metric.as_str(), p.value))
            .collect();
        assert_eq!(
            got,
            vec![
                (0.0, "a", 1.0),
                (0.0, "b", 2.0),
                (1.0, "a", 3.0),
                (1.0, "b", 5.0),
                (1.0, "c", 4.0)
            ]
        );
        assert_eq!(s.value(0, 2), None);
        assert_eq!(s.value(1, 2), Some(4.0));
        // The index walk skips the same absent point ((instant 0, key c)).
        let indexed: Vec<(usize, usize, f64)> = s.indexed_points().collect();
        assert_eq!(
            indexed,
            vec![(0, 0, 1.0), (1, 0, 2.0), (0, 1, 3.0), (1, 1, 5.0), (2, 1, 4.0)]
        );
    }

    #[test]
    fn duplicates_and_non_finite_values_are_refused_with_their_names() {
        let e = Series::from_points([pt(0.0, "a", "x", 1.0), pt(0.0, "a", "x", 2.0)]).unwrap_err();
        assert!(e.contains("`a` of `x`") && e.contains("twice"), "{e}");
        let e = Series::from_points([pt(0.0, "m", "x", f64::NAN)]).unwrap_err();
        assert!(e.contains("`m`") && e.contains("finite"), "{e}");
        let e = Series::from_points([pt(f64::INFINITY, "m", "x", 1.0)]).unwrap_err();
        assert!(e.contains("time"), "{e}");
    }
}
