//! Forced outages of firm units and hydro droughts: discrete events that take
//! capacity away and give it back.
//!
//! Outages: each running unit of a group fails at `failure_rate_per_year`,
//! independently, so the time to the group's next failure is exponential
//! with rate `units_up × rate`. The grid keeps one pending failure event per
//! group. After a failure it draws the next one afresh from the units still
//! running (exact, by memorylessness). When units come back (repair, or new
//! capacity) each draws its own failure time and the group's event moves
//! earlier only if one of them would fail first (exact, by superposition of
//! independent exponentials), so a repair rarely touches the queue. Each
//! failed unit gets its own repair event, with a repair time drawn from the
//! group's distribution. Over a long run a unit is
//! down `λ·r / (1 + λ·r)` of the time (λ the failure rate, r the mean repair
//! time), which the tests check.
//!
//! Droughts multiply the availability of a region's hydro by `1 − depth`
//! while they last (overlapping droughts multiply).

use crate::grid::{Grid, SECS_PER_YEAR_F};
use crate::state::{GridEvent, PlantGroupId, RegionId};
use crate::validate::GridError;
use rand::Rng;
use rand_distr::Exp1;
use scheduler::{Agenda, Duration, SECS_PER_DAY};

impl Grid {
    /// Cancels the group's pending failure and draws the next one from the
    /// units now running.
    pub(crate) fn reschedule_failure(
        &mut self,
        g: usize,
        agenda: &mut impl Agenda<GridEvent>,
    ) -> Result<(), GridError> {
        let Some(o) = self.groups[g].outages.as_mut() else {
            return Ok(());
        };
        if let Some(key) = o.next_failure.take() {
            agenda.cancel(key);
        }
        o.next_failure_at = None;
        let up = o.units_total - o.units_down;
        if up == 0 {
            return Ok(());
        }
        let draw: f64 = o.rng.sample(Exp1);
        let secs = draw / (f64::from(up) * o.failure_rate_per_year) * SECS_PER_YEAR_F;
        // A failure beyond the clock's range never happens in practice.
        if let Some(at) = Duration::from_secs_f64(secs).and_then(|d| agenda.now().checked_add(d)) {
            let key = agenda.schedule_at(
                at,
                GridEvent::UnitFailure {
                    group: PlantGroupId(g as u32),
                },
            )?;
            o.next_failure = Some(key);
            o.next_failure_at = Some(at);
        }
        Ok(())
    }

    /// `returned` more units are running: each draws its own time to failure;
    /// the group's pending failure moves earlier if one of them fails first.
    pub(crate) fn units_returned(
        &mut self,
        g: usize,
        returned: u32,
        agenda: &mut impl Agenda<GridEvent>,
    ) -> Result<(), GridError> {
        let Some(o) = self.groups[g].outages.as_mut() else {
            return Ok(());
        };
        let (Some(key), Some(at)) = (o.next_failure, o.next_failure_at) else {
            // No failure pending (every unit was down): draw from scratch.
            return self.reschedule_failure(g, agenda);
        };
        let draw: f64 = o.rng.sample(Exp1);
        let secs = draw / (f64::from(returned) * o.failure_rate_per_year) * SECS_PER_YEAR_F;
        if let Some(candidate) = Duration::from_secs_f64(secs).and_then(|d| agenda.now().checked_add(d)) {
            if candidate < at {
                agenda.reschedule(key, candidate)?;
                o.next_failure_at = Some(candidate);
            }
        }
        Ok(())
    }

    pub(crate) fn on_unit_failure(
        &mut self,
        g: usize,
        agenda: &mut impl Agenda<GridEvent>,
    ) -> Result<(), GridError> {
        let now = agenda.now();
        let group = &mut self.groups[g];
        let Some(o) = group.outages.as_mut() else {
            return Ok(());
        };
        o.next_failure = None;
        o.next_failure_at = None;
        if o.units_down < o.units_total {
            o.units_down += 1;
            let days = o.repair_time_days.sample(o.rng.as_mut());
            let repair = Duration::from_secs_f64(days * SECS_PER_DAY as f64).ok_or_else(|| {
                GridError::NotComputable {
                    what: format!("repair time of plant group `{}`", group.name),
                    at_secs: now.ticks(),
                    detail: format!("drew {days} days"),
                }
            })?;
            agenda.schedule_after(
                repair,
                GridEvent::UnitRepaired {
                    group: PlantGroupId(g as u32),
                },
            )?;
        }
        // The fired event is gone: draw the next failure from the units still running.
        self.reschedule_failure(g, agenda)
    }

    pub(crate) fn on_unit_repaired(
        &mut self,
        g: usize,
        agenda: &mut impl Agenda<GridEvent>,
    ) -> Result<(), GridError> {
        if let Some(o) = self.groups[g].outages.as_mut() {
            o.units_down = o.units_down.saturating_sub(1);
        }
        self.units_returned(g, 1, agenda)
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
