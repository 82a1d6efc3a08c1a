//! Build-out and retirements: construction projects (drawn lead time,
//! possible cancellation), programmes that add capacity at a rate in MW per
//! year, and retirements that take capacity away at a date.
//!
//! A project draws, from its own stream `grid/project/<name>`, whether it is
//! cancelled (probability `cancellation_probability`), then its lead time;
//! it completes at `start + lead time`, or, if cancelled, is abandoned at a
//! uniformly drawn point of its lead time. A project begun before time zero
//! (`years_spent_at_start`) is still being built then: its lead time is
//! drawn conditioned on outlasting the years spent, it completes after what
//! is left, and if cancelled it is abandoned at a uniform point of what is
//! left (the exact conditional timing given the lead time; the probability
//! of cancellation is taken as stated, for the construction still to come).
//! A project whose draw resolves it at the start (begun before time zero
//! with its lead time used up, or abandoned at once) is resolved by
//! [`Grid::start`] itself, before any event: the first dispatch has its
//! capacity, the t = 0 sample reports it completed (in that sample's
//! `projects_completed`) and not pending, and its
//! [`GridSignal::ProjectCompleted`] comes with the first event handled.
//! A retirement, project or drought that [`Grid::start`] applies so is
//! listed, as the event it would otherwise have been, by
//! [`Grid::take_applied_at_start`], for the event trace.
//!
//! A programme adds a tranche at the start of every calendar month from
//! time zero, `mw_per_year(t) / 12` (see [`tranche_years`]): the tranches
//! of a calendar year are in by its end, `mw_per_year × years` over a run
//! of whole calendar years. (Until s16 they came at the end of each twelfth
//! of a 365.25-day year, so the twelfth of a calendar year landed 6–18 h
//! after it and a run of `n` years built `12n − 1` tranches.) The tranche at
//! time zero, like every event there, comes after the first dispatch.
//!
//! Capacity goes to the first plant group of the technology in the region
//! (batteries: to the region's storage, at its `build_hours` if the
//! scenario gives them, else keeping its hours of storage, 4 h if it had
//! none). New firm capacity arrives as running units. Build-out that
//! would give a group with forced outages more units than validation allows
//! its configured capacity (10⁶) stops the run with
//! [`GridError::TooManyUnits`]. That is a backstop: projects that could do
//! so are refused when the grid is built, and programmes that could within
//! a run's horizon by [`GridConfig::check_horizon`](crate::GridConfig::check_horizon)
//! (the grid does not know the horizon; `stack` calls it when a scenario loads).
//!
//! A retirement removes up to its MW from its plant group at its date; a
//! firm group loses whole units, running ones first, then units on planned
//! maintenance, then units on forced outage, and its next failure is
//! redrawn from the units still running (exact by memorylessness). One
//! dated at or before the start is applied by [`Grid::start`] itself,
//! before any event: the t = 0 sample reports the group without it (and
//! the MW in that sample's `retired_mw`), and the first dispatch does not
//! run it. (Until s16 it was an event at t = 0 that ran after the t = 0
//! sample and the first dispatch.) At an instant it shares with build-out a
//! retirement comes first: before the projects that complete then
//! (including those resolved at the start) and before a programme's
//! tranche, so a retirement of all a group has (`mw` at least the group's
//! capacity) takes the build-out of earlier instants, not of its own.

use crate::config::Technology;
use crate::grid::{Grid, units_for};
use crate::state::{GridEvent, GridSignal, ProjectId, ProjectState, RegionId};
use crate::validate::{GridError, MAX_MW, MAX_STORAGE_MWH, MAX_UNITS};
use chrono::Datelike;
use rand::Rng;
use scheduler::{Agenda, Calendar, Duration, SimTime};

/// The years of building a programme step at `t` adds: a twelfth of a
/// year at the start of a calendar month; inside a month (the first step of
/// a run that starts mid-month), the twelfth times the share of the month
/// left. `None` beyond the calendar's range.
pub(crate) fn tranche_years(calendar: &Calendar, t: SimTime) -> Option<f64> {
    let next = calendar.next_month_start(t)?;
    let first = calendar.date(t)?.with_day(1)?;
    let month_secs = (calendar.date(next)? - first).num_seconds() as f64;
    let left = (next.ticks() - t.ticks()) as f64;
    Some((left / month_secs).min(1.0) / 12.0)
}

/// The programme steps of a run over `[0, end)`: each step's instant
/// (ticks) and the years of building it adds ([`tranche_years`]).
pub(crate) fn programme_steps(calendar: &Calendar, end: SimTime) -> Vec<(u64, f64)> {
    let mut steps = Vec::new();
    let mut t = SimTime::ZERO;
    while t < end {
        let Some(years) = tranche_years(calendar, t) else {
            break;
        };
        steps.push((t.ticks(), years));
        match calendar.next_month_start(t) {
            Some(next) => t = next,
            None => break,
        }
    }
    steps
}

/// Draws whether project `p` is abandoned and its lead time from `rng`
/// (see the module docs), records them (`cancelled`, `planned_at`) and
/// returns when it resolves: completes, or is abandoned.
pub(crate) fn draw_resolution(
    p: &mut ProjectState,
    rng: &mut scheduler::StreamRng,
    now: SimTime,
) -> Result<SimTime, GridError> {
    let cancelled = rng.random::<f64>() < p.cancellation_probability;
    let lead_years = p.lead_time_years.sample(&mut *rng);
    // What is left of it after the years already spent (all of it
    // for a project begun at or after time zero); a cancelled project
    // is abandoned at a uniform point of that.
    let left = (lead_years - p.years_spent).max(0.0);
    let share = if cancelled { rng.random::<f64>() } else { 1.0 };
    let not_computable = || GridError::NotComputable {
        what: format!("lead time of project `{}`", p.name),
        at_secs: now.ticks(),
        detail: format!("drew {lead_years} years"),
    };
    let lead = Duration::from_years_f64(left * share).ok_or_else(not_computable)?;
    let begin = p.start.max(now);
    let at = begin
        .checked_add(lead)
        .ok_or(scheduler::ScheduleError::Overflow { now, delay: lead })?;
    p.planned_at = Duration::from_years_f64(left)
        .and_then(|whole| begin.checked_add(whole))
        .unwrap_or(SimTime(u64::MAX));
    p.cancelled = cancelled;
    Ok(at)
}

/// Hours of storage given to batteries built in a region that had none.
const DEFAULT_STORAGE_HOURS: f64 = 4.0;

impl Grid {
    pub(crate) fn start_buildout(&mut self, agenda: &mut impl Agenda<GridEvent>) -> Result<(), GridError> {
        let now = agenda.now();
        // Retirements first: one dated at or before the start is applied now
        // (the first sample and the first dispatch go without it), and at an
        // instant it shares with a project's completion or a programme's
        // tranche a retirement comes first (events at one instant run in
        // the order they were scheduled; `check_horizon` counts them so).
        for i in 0..self.retirements.len() {
            let at = self.retirements[i].at;
            if at <= now {
                self.on_retirement(i, now)?;
                let retirement = i as u32;
                self.applied_at_start.push(GridEvent::Retirement { retirement });
            } else {
                agenda.schedule_at(at, GridEvent::Retirement { retirement: i as u32 })?;
            }
        }
        for i in 0..self.projects.len() {
            let p = &mut self.projects[i];
            let at = draw_resolution(p, self.project_rngs[i].as_mut(), now)?;
            self.regions[p.region as usize].projects_pending += 1;
            if at == now {
                // Completes (or is abandoned) at the start: resolved now,
                // so the first sample and the first dispatch see it.
                let project = ProjectId(i as u32);
                let mut signals = std::mem::take(&mut self.start_signals);
                self.on_project_resolved(project, agenda, &mut signals)?;
                self.start_signals = signals;
                self.applied_at_start.push(GridEvent::ProjectResolved { project });
                continue;
            }
            agenda.schedule_at(
                at,
                GridEvent::ProjectResolved {
                    project: ProjectId(i as u32),
                },
            )?;
        }
        // After the retirements: one at the instant of a step comes first.
        for i in 0..self.programmes.len() {
            self.programmes[i].next_at = now.ticks();
            agenda.schedule_at(now, GridEvent::ProgrammeStep { programme: i as u32 })?;
        }
        Ok(())
    }

    pub(crate) fn on_project_resolved(
        &mut self,
        project: ProjectId,
        agenda: &mut impl Agenda<GridEvent>,
        signals: &mut Vec<GridSignal>,
    ) -> Result<(), GridError> {
        let i = project.index();
        let Some(p) = self.projects.get_mut(i) else {
            return Ok(());
        };
        if p.resolved {
            return Ok(());
        }
        p.resolved = true;
        let (region, technology, mw, cancelled) = (p.region, p.technology, p.mw, p.cancelled);
        let r = &mut self.regions[region as usize];
        r.projects_pending = r.projects_pending.saturating_sub(1);
        if p.adequacy {
            r.adequacy_pending_mw = (r.adequacy_pending_mw - mw).max(0.0);
            let flow = if cancelled {
                &mut r.period.adequacy_mw.cancelled
            } else {
                &mut r.period.adequacy_mw.completed
            };
            *flow += mw;
            let total = if cancelled {
                &mut self.totals.adequacy_mw.cancelled
            } else {
                &mut self.totals.adequacy_mw.completed
            };
            *total += mw;
        }
        if cancelled {
            self.totals.projects_cancelled += 1;
            return Ok(());
        }
        r.period.projects_completed += 1;
        self.totals.projects_completed += 1;
        self.add_capacity(region as usize, technology, mw, agenda)?;
        signals.push(GridSignal::ProjectCompleted {
            project,
            region: RegionId(region),
            technology,
            mw,
        });
        Ok(())
    }

    pub(crate) fn on_programme_step(
        &mut self,
        i: usize,
        agenda: &mut impl Agenda<GridEvent>,
    ) -> Result<(), GridError> {
        let now = agenda.now();
        let Some(p) = self.programmes.get(i) else {
            return Ok(());
        };
        let (region, technology) = (p.region as usize, p.technology);
        let years = tranche_years(&self.calendar, now).unwrap_or(0.0);
        let mw = p.mw_per_year.at(now) * years;
        if mw > 0.0 {
            self.add_capacity(region, technology, mw, agenda)?;
        }
        // Beyond the calendar's range (year 262,143) no step follows.
        let next = self.calendar.next_month_start(now);
        self.programmes[i].next_at = next.map_or(u64::MAX, SimTime::ticks);
        if let Some(next) = next {
            agenda.schedule_at(next, GridEvent::ProgrammeStep { programme: i as u32 })?;
        }
        Ok(())
    }

    /// Adds `mw` of `technology` in region `ri` (see the module docs).
    pub(crate) fn add_capacity(
        &mut self,
        ri: usize,
        technology: Technology,
        mw: f64,
        agenda: &mut impl Agenda<GridEvent>,
    ) -> Result<(), GridError> {
        if technology == Technology::Battery {
            let s = &mut self.regions[ri].storage;
            // New batteries take the hours the scenario gives them, else the
            // region's hours of storage, or 4 h if its configured storage
            // had none: power but no energy (0 h) or energy but no power
            // (unbounded hours) gives no duration to copy, now or after the
            // first tranche (see `Storage::copy_hours`).
            let hours = if let Some(h) = s.build_hours {
                h
            } else if s.copy_hours {
                s.energy_mwh / s.power_mw
            } else {
                DEFAULT_STORAGE_HOURS
            };
            // Only the power actually added brings energy: past the power
            // limit a tranche adds neither (else each tranche at the limit
            // added energy at hours that grew with it, geometrically).
            // (Below the limit, `mw` itself: the same arithmetic as before.)
            let added = if s.power_mw + mw <= MAX_MW {
                mw
            } else {
                (MAX_MW - s.power_mw).max(0.0)
            };
            s.power_mw = (s.power_mw + added).min(MAX_MW);
            s.energy_mwh = (s.energy_mwh + added * hours).min(MAX_STORAGE_MWH);
            return Ok(());
        }
        let (m0, m1) = self.regions[ri].merit;
        let target = (m0..m1)
            .filter(|&g| self.groups[g].technology == technology)
            .min_by_key(|&g| self.groups[g].config_order);
        let Some(g) = target else {
            // Grid::new creates a group for every build-out target, so this is unreachable.
            return Ok(());
        };
        let now = agenda.now();
        let installed = (self.hot[g].installed_mw + mw).min(MAX_MW);
        if let Some(o) = &self.groups[g].outages {
            // Compared before rounding up, as validation compares the configured capacity.
            let units = installed / o.unit_size_mw;
            if units > MAX_UNITS {
                return Err(GridError::TooManyUnits {
                    group: self.groups[g].name.clone(),
                    added_mw: mw,
                    at_secs: now.ticks(),
                    units,
                    unit_size_mw: o.unit_size_mw,
                    limit: MAX_UNITS,
                });
            }
        }
        if self.started {
            // Outages due by now happen on the old fleet.
            self.catch_up_outages(g, now)?;
        }
        self.hot[g].installed_mw = installed;
        if let Some(o) = self.groups[g].outages.as_mut() {
            let units = units_for(installed, o.unit_size_mw).max(o.units_total);
            let added = units - o.units_total;
            o.units_total = units;
            if added > 0 && self.started {
                o.units_returned(added, now);
            }
            self.sync_outages(g);
        }
        Ok(())
    }

    /// Applies retirement `i` at `now` (see the module docs).
    pub(crate) fn on_retirement(&mut self, i: usize, now: SimTime) -> Result<(), GridError> {
        let Some(ret) = self.retirements.get_mut(i) else {
            return Ok(());
        };
        ret.done = true;
        let (g, mw) = (ret.group as usize, ret.mw);
        // Outages due by now happen on the old fleet.
        self.catch_up_outages(g, now)?;
        let installed = &mut self.hot[g].installed_mw;
        let retired = mw.min(*installed);
        *installed -= retired;
        let group = &mut self.groups[g];
        if let Some(o) = group.outages.as_mut() {
            let units = units_for(*installed, o.unit_size_mw).min(o.units_total);
            let running = o.units_total - o.units_down - o.units_maint;
            let beyond_running = (o.units_total - units).saturating_sub(running);
            // Then units on maintenance (the outages that end last), then on forced outage.
            let from_maint = beyond_running.min(o.units_maint);
            let from_down = beyond_running - from_maint;
            if from_maint > 0 {
                o.retire_from_maintenance(from_maint);
            }
            o.units_total = units;
            if from_down > 0 {
                // Units on outage retire too: the latest repairs are dropped
                // (a sorted heap of `Reverse` instants starts with the latest).
                let mut repairs = std::mem::take(&mut o.repairs).into_sorted_vec();
                repairs.drain(..(from_down as usize).min(repairs.len()));
                o.repairs = repairs.into();
                o.units_down -= from_down.min(o.units_down);
            }
            if self.started {
                o.draw_next_failure(now);
            }
        }
        let region = group.region as usize;
        self.sync_outages(g);
        self.regions[region].period.retired_mw += retired;
        self.totals.retired_mw += retired;
        Ok(())
    }

    /// Projects not yet completed or abandoned, in `region`.
    pub fn projects_pending(&self, region: RegionId) -> u32 {
        self.regions.get(region.index()).map_or(0, |r| r.projects_pending)
    }

    /// Installed capacity of `technology` in `region`, MW (batteries: storage power).
    pub fn installed_mw(&self, region: RegionId, technology: Technology) -> f64 {
        let Some(r) = self.regions.get(region.index()) else {
            return 0.0;
        };
        if technology == Technology::Battery {
            return r.storage.power_mw;
        }
        (r.merit.0..r.merit.1)
            .filter(|&g| self.groups[g].technology == technology)
            .map(|g| self.hot[g].installed_mw)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use crate::{Grid, GridConfig, RegionConfig, StorageConfig, Technology, calendar_2025};
    use scheduler::{RngStreams, Scheduler};

    /// Batteries built where storage has power but no energy, or energy but
    /// no power, get 4 hours, every tranche (not 0 h, nor the hours of
    /// energy ÷ a first tranche's power); where storage has both, its own
    /// hours.
    #[test]
    fn batteries_built_beside_storage_without_a_duration_get_four_hours() {
        let mut config = GridConfig::new(calendar_2025());
        for (name, power_mw, energy_mwh) in [("a", 500.0, 0.0), ("b", 0.0, 2_000.0), ("c", 100.0, 200.0)] {
            let mut r = RegionConfig::new(name, 100.0);
            r.storage = StorageConfig::batteries(power_mw, energy_mwh);
            config.regions.push(r);
        }
        let mut grid = Grid::new(config, &RngStreams::new(1, 0)).expect("valid");
        let mut agenda: Scheduler<crate::GridEvent> = Scheduler::new();
        for ri in 0..3 {
            for _ in 0..2 {
                grid.add_capacity(ri, Technology::Battery, 100.0, &mut agenda)
                    .expect("built");
            }
        }
        let energy: Vec<f64> = grid.regions.iter().map(|r| r.storage.energy_mwh).collect();
        assert_eq!(energy, [800.0, 2_000.0 + 800.0, 200.0 + 400.0]);
        let power: Vec<f64> = grid.regions.iter().map(|r| r.storage.power_mw).collect();
        assert_eq!(power, [700.0, 200.0, 300.0]);
    }

    /// Past the power limit a battery tranche adds no energy either: it
    /// added `mw × energy ÷ power` with the power capped, so the hours grew
    /// with each tranche and the energy geometrically (s21 audit). Energy
    /// stops at the configured limit.
    #[test]
    fn battery_tranches_past_the_power_limit_add_no_energy() {
        use super::{MAX_MW, MAX_STORAGE_MWH};
        let mut config = GridConfig::new(calendar_2025());
        let mut r = RegionConfig::new("a", 100.0);
        r.storage = StorageConfig::batteries(1_000.0, 4_000.0);
        config.regions.push(r);
        let mut r = RegionConfig::new("b", 100.0);
        r.storage = StorageConfig::batteries(1e-3, 1e6);
        config.regions.push(r);
        let mut grid = Grid::new(config, &RngStreams::new(1, 0)).expect("valid");
        let mut agenda: Scheduler<crate::GridEvent> = Scheduler::new();
        for _ in 0..10 {
            grid.add_capacity(0, Technology::Battery, 5e6, &mut agenda)
                .expect("built");
        }
        let s = &grid.regions[0].storage;
        assert_eq!(s.power_mw, MAX_MW);
        // 4 h on every MW added, up to the limit.
        assert_eq!(s.energy_mwh, 4.0 * MAX_MW);
        // 10^9 hours of storage: the energy stops at its limit.
        grid.add_capacity(1, Technology::Battery, 1.0, &mut agenda)
            .expect("built");
        assert_eq!(grid.regions[1].storage.energy_mwh, MAX_STORAGE_MWH);
    }

    /// Batteries built beside a store given `build_hours` take those hours,
    /// whatever the store's own (pumped storage at 6 h beside batteries at
    /// 2 h): the store's hours move toward them tranche by tranche. Without
    /// it, the store's own hours, as before.
    #[test]
    fn batteries_are_built_at_the_build_hours_when_given() {
        let mut config = GridConfig::new(calendar_2025());
        for (name, build_hours) in [("a", Some(2.0)), ("b", None)] {
            let mut r = RegionConfig::new(name, 100.0);
            r.storage = StorageConfig::batteries(1_000.0, 5_000.0);
            r.storage.build_hours = build_hours;
            config.regions.push(r);
        }
        let mut grid = Grid::new(config, &RngStreams::new(1, 0)).expect("valid");
        let mut agenda: Scheduler<crate::GridEvent> = Scheduler::new();
        for ri in 0..2 {
            for _ in 0..3 {
                grid.add_capacity(ri, Technology::Battery, 100.0, &mut agenda)
                    .expect("built");
            }
        }
        let energy: Vec<f64> = grid.regions.iter().map(|r| r.storage.energy_mwh).collect();
        assert_eq!(energy, [5_000.0 + 600.0, 5_000.0 + 1_500.0]);
        let power: Vec<f64> = grid.regions.iter().map(|r| r.storage.power_mw).collect();
        assert_eq!(power, [1_300.0, 1_300.0]);
    }

    /// `build_hours` outside (0, 10⁴] is refused, naming the field.
    #[test]
    fn build_hours_out_of_range_are_refused() {
        for h in [0.0, -1.0, 10_001.0, f64::NAN, f64::INFINITY] {
            let mut config = GridConfig::new(calendar_2025());
            let mut r = RegionConfig::new("a", 100.0);
            r.storage = StorageConfig::batteries(1_000.0, 5_000.0);
            r.storage.build_hours = Some(h);
            config.regions.push(r);
            let Err(err) = Grid::new(config, &RngStreams::new(1, 0)) else {
                panic!("{h}: accepted");
            };
            assert!(err.to_string().contains("storage.build_hours"), "{h}: {err}");
        }
    }
}
