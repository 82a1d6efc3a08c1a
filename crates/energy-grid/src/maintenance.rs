//! Planned maintenance of firm units (nuclear refuelling, thermal
//! overhauls): deterministic outages, staggered inside the allowed months.
//!
//! Each unit of a group needs one outage of `D` days every `C` months, so a
//! group of `N` units needs `N·12/C` outages a year. The allowed months form
//! **windows**: maximal runs of consecutive allowed months within one
//! calendar year (March–May and September–November are two windows). At the
//! start of each window the group plans that window's share of the year's
//! outages from the units it has then: `N·(12/C)·L/W` outages (L the
//! window's length, W the allowed time of that calendar year), plus what
//! earlier windows owed (the fraction left over, and outages that found no
//! running unit), rounded down (after rounding to the nearest integer when
//! within a billionth of it, so an exact whole share is not lost to
//! floating point), the rest carried on. Over a year of
//! constant `N` the windows plan exactly `N·12/C` outages, up to the one
//! carried, so the planned unavailability is `D / (C · 365.25/12)` days per
//! day in the long run.
//!
//! The `k` outages of a window are packed into the fewest **lanes** that
//! hold them whole inside the window: a lane holds `⌊L/D⌋` outages one
//! after another, so `m = ⌈k / ⌊L/D⌋⌉` lanes, and no more than `m` units are
//! ever out for maintenance at once (the least any schedule of whole
//! outages inside the window can achieve); a window never plans more than
//! `⌊L/D⌋·N` outages. Lane `i` holds `q` outages (the `k` dealt round) spaced
//! evenly, with the lane's free time `L − q·D` split into `q` equal gaps and
//! the lanes offset by `(i + ½)/m` of a gap, so that units leave and return
//! at staggered dates. No random draw is involved: the schedule is a
//! function of the calendar, the spec and the unit counts.
//!
//! An outage takes a **running** unit: a unit on forced outage is not taken
//! out for maintenance, and a unit on maintenance cannot fail (failures fall
//! on the running units only). A planned start that finds no running unit
//! is owed to the next window. When units leave or return, the group's next
//! forced failure is redrawn from the units then running (exact by
//! memorylessness). Maintenance events, like failures and repairs, are
//! applied lazily by the catch-up that dispatch (or a change of capacity)
//! makes, in time order with the forced outages (a failure or repair at the
//! same tick as a maintenance event comes first).

use crate::state::Outages;
use chrono::{Datelike, NaiveDate};
use scheduler::{Calendar, SECS_PER_DAY, SimTime};
use std::collections::VecDeque;

/// Days in each month of a common year: the shortest the months get, used
/// to check that an outage fits every window.
pub(crate) const COMMON_MONTH_DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// Planned-maintenance state of a group with units (held by its [`Outages`]).
#[derive(Clone, Debug)]
pub(crate) struct Maintenance {
    /// Length of one outage, seconds.
    pub duration: u64,
    /// Outages each unit needs a year, `12 / every_months`.
    pub per_unit_year: f64,
    /// Allowed calendar months (index 0 = January).
    pub allowed: [bool; 12],
    /// Start of the next window, when its outages are planned (ticks;
    /// `u64::MAX`: none, or not started).
    pub plan_at: u64,
    /// Planned starts of the current window not yet reached, ticks, ascending.
    pub starts: VecDeque<u64>,
    /// Ends of the outages under way, ticks, ascending (all last `duration`).
    pub ends: VecDeque<u64>,
    /// Outages owed to the next window: the fraction left over by the last
    /// plan, and planned starts that found no running unit.
    pub owed: f64,
}

impl Maintenance {
    /// A group's maintenance from its spec and allowed months, not yet started.
    pub(crate) fn new(days: f64, every_months: f64, allowed: [bool; 12]) -> Maintenance {
        Maintenance {
            duration: (days * SECS_PER_DAY as f64).round() as u64,
            per_unit_year: 12.0 / every_months,
            allowed,
            plan_at: u64::MAX,
            starts: VecDeque::new(),
            ends: VecDeque::new(),
            owed: 0.0,
        }
    }

    /// The next maintenance event: a plan, a start or an end (ticks; `u64::MAX`: none).
    pub(crate) fn next_due(&self) -> u64 {
        let start = self.starts.front().copied().unwrap_or(u64::MAX);
        let end = self.ends.front().copied().unwrap_or(u64::MAX);
        self.plan_at.min(start).min(end)
    }

    /// Sets the first plan at the window running at or next after `now`.
    pub(crate) fn start(&mut self, now: u64, calendar: &Calendar) {
        self.plan_at = next_window(calendar, &self.allowed, now).map_or(u64::MAX, |w| w.start);
    }

    /// Plans the window starting at `at` for a group of `units` units (see
    /// the module docs), and sets the next plan at the following window.
    fn plan(&mut self, at: u64, units: u32, calendar: &Calendar) {
        let Some(w) = next_window(calendar, &self.allowed, at) else {
            self.plan_at = u64::MAX;
            return;
        };
        self.plan_at = next_window(calendar, &self.allowed, w.end).map_or(u64::MAX, |n| n.start);
        let len = w.end - w.start;
        self.owed += f64::from(units) * self.per_unit_year * len as f64 / w.year_allowed as f64;
        self.owed = snap_to_integer(self.owed);
        let per_lane = len / self.duration.max(1);
        let most = per_lane.saturating_mul(u64::from(units));
        let k = (self.owed.floor().max(0.0) as u64).min(most);
        self.owed -= k as f64;
        if k == 0 {
            return;
        }
        let lanes = k.div_ceil(per_lane);
        let mut starts = Vec::with_capacity(k as usize);
        for i in 0..lanes {
            let q = k / lanes + u64::from(i < k % lanes);
            let gap = (len - q * self.duration) as f64 / q as f64;
            let phase = (2 * i + 1) as f64 / (2 * lanes) as f64 * gap;
            for j in 0..q {
                let offset = (j as f64 * (self.duration as f64 + gap) + phase).floor() as u64;
                starts.push(w.start + offset.min(len - self.duration));
            }
        }
        starts.sort_unstable();
        // Starts left from an earlier window (none: each window's outages
        // lie inside it) would come first.
        self.starts.extend(starts);
    }
}

/// `x`, or the integer nearest it when within rounding of it (a billionth,
/// relative to its magnitude): the share a window owes is a ratio of whole
/// seconds, so a sum that is a whole number of outages in exact arithmetic
/// (10 · 61/92 − 6 + 10 · 31/92 = 4) may come out a rounding error below it
/// (3.9999999999999996), and flooring that would carry one outage away.
fn snap_to_integer(x: f64) -> f64 {
    let nearest = x.round();
    if (x - nearest).abs() <= 1e-9 * nearest.abs().max(1.0) {
        nearest
    } else {
        x
    }
}

/// A window of allowed months: `[start, end)` in ticks, and the allowed
/// time of its calendar year, seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Window {
    pub start: u64,
    pub end: u64,
    pub year_allowed: u64,
}

fn next_month(y: i32, m: u32) -> (i32, u32) {
    if m == 12 { (y + 1, 1) } else { (y, m + 1) }
}

/// Midnight starting month `m` of year `y`, ticks (0 for a month that
/// starts before the calendar; `None` beyond its range).
fn month_start(calendar: &Calendar, y: i32, m: u32) -> Option<u64> {
    let date = NaiveDate::from_ymd_opt(y, m, 1)?;
    if date <= calendar.start_date() {
        return Some(0);
    }
    calendar.at_date(date).map(SimTime::ticks)
}

/// The window of allowed months running at `from` or the first after it,
/// its start clamped to `from` (`None`: no month allowed, or beyond the
/// calendar's range).
pub(crate) fn next_window(calendar: &Calendar, allowed: &[bool; 12], from: u64) -> Option<Window> {
    let d = calendar.date(SimTime(from))?;
    let (mut y, mut m) = (d.year(), d.month());
    let mut found = false;
    for _ in 0..13 {
        if allowed[m as usize - 1] {
            found = true;
            break;
        }
        (y, m) = next_month(y, m);
    }
    if !found {
        return None;
    }
    let start = month_start(calendar, y, m)?.max(from);
    let mut last = m;
    while last < 12 && allowed[last as usize] {
        last += 1;
    }
    let (ey, em) = next_month(y, last);
    let end = month_start(calendar, ey, em)?;
    let mut year_allowed = 0;
    for (i, _) in allowed.iter().enumerate().filter(|(_, a)| **a) {
        let (ny, nm) = next_month(y, i as u32 + 1);
        let first = NaiveDate::from_ymd_opt(y, i as u32 + 1, 1)?;
        let next = NaiveDate::from_ymd_opt(ny, nm, 1)?;
        year_allowed += (next - first).num_days() as u64 * SECS_PER_DAY;
    }
    Some(Window {
        start,
        end,
        year_allowed,
    })
}

/// The allowed months by default: those whose middle lies 45 to 135 days
/// (circularly, on a 365.25-day year) from `peak_day_of_year`, the region's
/// seasonal demand peak: its shoulder seasons.
pub(crate) fn shoulder_months(peak_day_of_year: f64) -> [bool; 12] {
    let mut allowed = [false; 12];
    let mut first_day = 0.0;
    for (m, days) in COMMON_MONTH_DAYS.iter().enumerate() {
        let middle = first_day + f64::from(*days) / 2.0;
        first_day += f64::from(*days);
        let d = (middle - peak_day_of_year).rem_euclid(365.25);
        let distance = d.min(365.25 - d);
        allowed[m] = (45.0..=135.0).contains(&distance);
    }
    allowed
}

/// The allowed-month mask of a list of months 1–12 (validated before).
pub(crate) fn month_mask(months: &[u32]) -> [bool; 12] {
    let mut allowed = [false; 12];
    for &m in months {
        if (1..=12).contains(&m) {
            allowed[m as usize - 1] = true;
        }
    }
    allowed
}

/// Why a spec cannot be scheduled in `allowed` (checked on a common year,
/// whose February is the shortest): an outage longer than a window, or a
/// unit needing more outages in a window than fit in it one after another.
pub(crate) fn fit_problem(days: f64, every_months: f64, allowed: &[bool; 12]) -> Option<String> {
    let total: u32 = (0..12)
        .filter(|&m| allowed[m])
        .map(|m| COMMON_MONTH_DAYS[m])
        .sum();
    let mut m = 0;
    while m < 12 {
        if !allowed[m] {
            m += 1;
            continue;
        }
        let (first, mut len) = (m, 0);
        while m < 12 && allowed[m] {
            len += COMMON_MONTH_DAYS[m];
            m += 1;
        }
        if days > f64::from(len) {
            return Some(format!(
                "is {days} days, longer than the {len} days of allowed months starting in month {} \
                 (an outage must lie inside a run of allowed months)",
                first + 1
            ));
        }
        let need = 12.0 / every_months * f64::from(len) / f64::from(total);
        let fit = (f64::from(len) / days).floor();
        if need > fit {
            return Some(format!(
                "with one outage every {every_months} months, a unit needs {need:.2} outages in the \
                 {len} days of allowed months starting in month {}, where only {fit} of {days} days fit; \
                 allow more months or plan fewer, shorter outages",
                first + 1
            ));
        }
    }
    None
}

impl Outages {
    /// [`Outages::walk`] with the group's maintenance: forced outages and
    /// maintenance events due at or before `until`, in time order (forced
    /// ones first at a shared tick).
    pub(crate) fn walk_with_maintenance(
        &mut self,
        until: u64,
        calendar: &Calendar,
    ) -> Result<(), (u64, f64)> {
        loop {
            let at = self.maint_due;
            if at > until {
                break;
            }
            self.walk(at)?;
            self.maintenance_events(at, calendar);
        }
        self.walk(until)
    }

    /// Applies the maintenance events at tick `at`: outages that end, the
    /// window's plan, outages that start (each from a running unit, or owed
    /// to the next window); then redraws the next failure from the units
    /// running if any changed.
    fn maintenance_events(&mut self, at: u64, calendar: &Calendar) {
        let units = self.units_total;
        let Some(m) = self.maintenance.as_deref_mut() else {
            self.maint_due = u64::MAX;
            return;
        };
        let mut changed = false;
        while m.ends.front() == Some(&at) {
            m.ends.pop_front();
            self.units_maint = self.units_maint.saturating_sub(1);
            changed = true;
        }
        if m.plan_at == at {
            m.plan(at, units, calendar);
        }
        while m.starts.front() == Some(&at) {
            m.starts.pop_front();
            if self.units_down + self.units_maint < self.units_total {
                self.units_maint += 1;
                m.ends.push_back(at.saturating_add(m.duration));
                changed = true;
            } else {
                m.owed += 1.0;
            }
        }
        self.maint_due = m.next_due();
        if changed && self.failure_rate_per_year > 0.0 {
            // Exact by memorylessness: the next failure among the units running now.
            self.draw_next_failure(SimTime(at));
        } else {
            self.refresh_due();
        }
    }

    /// `count` units retire from maintenance: the outages that end last go.
    pub(crate) fn retire_from_maintenance(&mut self, count: u32) {
        if let Some(m) = self.maintenance.as_deref_mut() {
            for _ in 0..count {
                m.ends.pop_back();
            }
            self.units_maint -= count.min(self.units_maint);
            self.maint_due = m.next_due();
        }
        self.refresh_due();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shoulder_months_of_a_july_peak_are_spring_and_autumn() {
        let a = shoulder_months(196.0);
        let months: Vec<usize> = (0..12).filter(|&m| a[m]).map(|m| m + 1).collect();
        assert_eq!(months, [3, 4, 5, 9, 10, 11]);
        // A winter peak (mid-January) is as far from the shoulders; a peak
        // in mid-April moves them to winter and summer.
        let a = shoulder_months(15.0);
        let months: Vec<usize> = (0..12).filter(|&m| a[m]).map(|m| m + 1).collect();
        assert_eq!(months, [3, 4, 5, 9, 10, 11]);
        let a = shoulder_months(105.0);
        let months: Vec<usize> = (0..12).filter(|&m| a[m]).map(|m| m + 1).collect();
        assert_eq!(months, [1, 2, 6, 7, 8, 12]);
    }
}
