//! Forced outages of firm units and hydro droughts: discrete events that take
//! capacity away and give it back.
//!
//! Outages: each running unit of a group fails at `failure_rate_per_year`,
//! independently, so the time to the group's next failure is exponential
//! with rate `units_up × rate`. The group keeps the instant of its next
//! failure; after a failure it draws the next one afresh from the units still
//! running (exact, by memorylessness). When units come back (repair, or new
//! capacity) each draws its own failure time and the group's next failure
//! moves earlier only if one of them would fail first (exact, by
//! superposition of independent exponentials). Each failed unit gets its own
//! repair instant, drawn from the group's repair-time distribution. Over a
//! long run a unit is down `λ·r / (1 + λ·r)` of the time (λ the failure
//! rate, r the mean repair time), which the tests check.
//!
//! Failures and repairs are not scheduler events: a group's availability is
//! only read by dispatch, so each group keeps its next failure instant and a
//! small heap of repair instants, and every dispatch (and every change of the
//! group's capacity) first applies, in time order, the failures and repairs
//! due by then. The draws, their order and their instants are those one event
//! per failure and per repair would give; an outage or repair at the very tick
//! of a dispatch counts for that dispatch.
//!
//! Droughts multiply the availability of a region's hydro by `1 − depth`
//! while they last (overlapping droughts multiply).

use crate::grid::{Grid, SECS_PER_YEAR_F};
use crate::state::{GridEvent, Outages, RegionId};
use crate::validate::GridError;
use rand::Rng;
use rand_distr::Exp1;
use scheduler::{Agenda, Duration, SECS_PER_DAY, SimTime};
use std::cmp::Reverse;

impl Outages {
    /// Recomputes [`Outages::next_due`] after a change.
    fn refresh_due(&mut self) {
        let repair = self.repairs.peek().map_or(u64::MAX, |r| r.0);
        let failure = self.next_failure_at.map_or(u64::MAX, SimTime::ticks);
        self.next_due = repair.min(failure);
    }

    /// Draws the next failure from the units running at `now`.
    pub(crate) fn draw_next_failure(&mut self, now: SimTime) {
        self.next_failure_at = None;
        let up = self.units_total.saturating_sub(self.units_down);
        if up == 0 {
            return;
        }
        let draw: f64 = self.rng.sample(Exp1);
        let secs = draw / (f64::from(up) * self.failure_rate_per_year) * SECS_PER_YEAR_F;
        // A failure beyond the clock's range never happens in practice.
        self.next_failure_at = Duration::from_secs_f64(secs).and_then(|d| now.checked_add(d));
        self.refresh_due();
    }

    /// `returned` more units are running at `now`: each draws its own time to
    /// failure; the group's next failure moves earlier if one of them fails first.
    pub(crate) fn units_returned(&mut self, returned: u32, now: SimTime) {
        let Some(at) = self.next_failure_at else {
            // No failure pending (every unit was down): draw from scratch.
            self.draw_next_failure(now);
            return;
        };
        let draw: f64 = self.rng.sample(Exp1);
        let secs = draw / (f64::from(returned) * self.failure_rate_per_year) * SECS_PER_YEAR_F;
        if let Some(candidate) = Duration::from_secs_f64(secs).and_then(|d| now.checked_add(d)) {
            if candidate < at {
                self.next_failure_at = Some(candidate);
            }
        }
        self.refresh_due();
    }

    /// Applies, in time order, every failure and repair due at or before
    /// `until` (a repair first when both fall on one tick). `group` names the
    /// group in errors.
    pub(crate) fn catch_up(&mut self, until: SimTime, group: &str) -> Result<(), GridError> {
        if self.next_due > until.ticks() {
            return Ok(());
        }
        loop {
            let repair = self.repairs.peek().map(|r| SimTime(r.0));
            let failure = self.next_failure_at;
            match (repair, failure) {
                (Some(r), f) if r <= until && f.is_none_or(|f| r <= f) => {
                    self.repairs.pop();
                    self.units_down = self.units_down.saturating_sub(1);
                    self.units_returned(1, r);
                }
                (_, Some(f)) if f <= until => self.fail_one(f, group)?,
                _ => {
                    self.refresh_due();
                    return Ok(());
                }
            }
        }
    }

    /// One running unit fails at `now`: it goes down until its repair, and the
    /// next failure is drawn from the units still running.
    fn fail_one(&mut self, now: SimTime, group: &str) -> Result<(), GridError> {
        self.next_failure_at = None;
        if self.units_down < self.units_total {
            self.units_down += 1;
            let days = self.repair_time_days.sample(self.rng.as_mut());
            let repair = Duration::from_secs_f64(days * SECS_PER_DAY as f64).ok_or_else(|| {
                GridError::NotComputable {
                    what: format!("repair time of plant group `{group}`"),
                    at_secs: now.ticks(),
                    detail: format!("drew {days} days"),
                }
            })?;
            // A repair beyond the clock's range never comes.
            if let Some(at) = now.checked_add(repair) {
                self.repairs.push(Reverse(at.ticks()));
            }
        }
        self.draw_next_failure(now);
        Ok(())
    }
}

impl Grid {
    /// Brings group `g`'s forced outages up to `now` (see the module docs).
    pub(crate) fn catch_up_outages(&mut self, g: usize, now: SimTime) -> Result<(), GridError> {
        let group = &mut self.groups[g];
        if let Some(o) = group.outages.as_mut() {
            o.catch_up(now, &group.name)?;
            self.sync_outages(g);
        }
        Ok(())
    }

    /// Copies group `g`'s outage state into its [`GroupHot`](crate::state::GroupHot) and `outage_due` (its running
    /// fraction and when it is next due); call after every change to its units.
    pub(crate) fn sync_outages(&mut self, g: usize) {
        if let Some(o) = &self.groups[g].outages {
            self.hot[g].fraction = o.running_fraction();
            self.outage_due[g] = o.next_due;
        }
    }

    /// Schedules the configured droughts and the first drought of each process.
    pub(crate) fn start_droughts(&mut self, agenda: &mut impl Agenda<GridEvent>) -> Result<(), GridError> {
        let now = agenda.now();
        for &(region, start, duration, depth_fraction) in &self.droughts {
            let event = GridEvent::DroughtStart {
                region: RegionId(region),
                depth_fraction,
                duration,
                from_process: false,
            };
            agenda.schedule_at(start.max(now), event)?;
        }
        for p in 0..self.drought_processes.len() {
            self.schedule_next_drought(p, agenda)?;
        }
        Ok(())
    }

    fn schedule_next_drought(
        &mut self,
        p: usize,
        agenda: &mut impl Agenda<GridEvent>,
    ) -> Result<(), GridError> {
        let now = agenda.now();
        let proc_ = &mut self.drought_processes[p];
        let wait_years: f64 = proc_.rng.sample::<f64, _>(Exp1) / proc_.rate_per_year;
        let days = proc_.duration_days.sample(proc_.rng.as_mut());
        let depth = proc_.depth_fraction.sample(proc_.rng.as_mut());
        let region_name = &self.regions[proc_.region as usize].name;
        let not_computable = |detail: String| GridError::NotComputable {
            what: format!("drought process of region `{region_name}`"),
            at_secs: now.ticks(),
            detail,
        };
        let wait = Duration::from_years_f64(wait_years)
            .ok_or_else(|| not_computable(format!("wait {wait_years} yr")))?;
        let duration =
            Duration::from_days_f64(days).ok_or_else(|| not_computable(format!("duration {days} days")))?;
        if !(0.0..=1.0).contains(&depth) {
            return Err(not_computable(format!("depth {depth}")));
        }
        let event = GridEvent::DroughtStart {
            region: RegionId(proc_.region),
            depth_fraction: depth,
            duration,
            from_process: true,
        };
        // Far-future onsets (beyond the clock) are simply never scheduled.
        if let Some(at) = now.checked_add(wait) {
            agenda.schedule_at(at, event)?;
        }
        Ok(())
    }

    pub(crate) fn on_drought_start(
        &mut self,
        region: RegionId,
        depth_fraction: f64,
        duration: Duration,
        from_process: bool,
        agenda: &mut impl Agenda<GridEvent>,
    ) -> Result<(), GridError> {
        let Some(r) = self.regions.get_mut(region.index()) else {
            return Ok(());
        };
        r.drought_depths.push(depth_fraction);
        r.drought_factor = r.drought_depths.iter().map(|d| 1.0 - d).product();
        agenda.schedule_after(
            duration,
            GridEvent::DroughtEnd {
                region,
                depth_fraction,
            },
        )?;
        if from_process {
            if let Some(p) = self.drought_processes.iter().position(|p| p.region == region.0) {
                self.schedule_next_drought(p, agenda)?;
            }
        }
        Ok(())
    }

    pub(crate) fn on_drought_end(&mut self, region: RegionId, depth_fraction: f64) {
        let Some(r) = self.regions.get_mut(region.index()) else {
            return;
        };
        if let Some(i) = r
            .drought_depths
            .iter()
            .position(|d| d.to_bits() == depth_fraction.to_bits())
        {
            r.drought_depths.swap_remove(i);
        }
        r.drought_factor = r.drought_depths.iter().map(|d| 1.0 - d).product();
    }

    /// Whether a region is in drought now, and its hydro availability factor.
    pub fn hydro_drought_factor(&self, region: RegionId) -> Option<f64> {
        self.regions.get(region.index()).map(|r| r.drought_factor)
    }
}
