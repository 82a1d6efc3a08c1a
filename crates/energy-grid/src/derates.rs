//! Capacity derates: common-mode losses of part of the available capacity
//! of some technologies in some regions for a while (a cold snap that
//! freezes gas supply and plant equipment, as Winter Storm Uri did in
//! Texas in 2021; a coal shortage or rationing order, as in China in 2021),
//! with an optional rise of the regions' non-AI demand (the cold snap's
//! heating load).
//!
//! A derate starts and ends as scheduler events. While it is in force, each
//! matched region's groups of the matched technologies are available at
//! `1 − fraction` of what they would be (after forced outages, maintenance,
//! weather and droughts), and its non-AI demand is multiplied by
//! `demand_factor`; overlapping derates multiply. Nothing else changes:
//! the dispatch program, prices, storage and curtailment see a smaller
//! availability and a larger demand, as for any shortage. Each start or
//! end recomputes the regions' factors from the derates then in force, so
//! they are exact products (1 bit for bit when none is), not a running
//! product divided back.

use crate::grid::Grid;
use crate::state::GridEvent;
use crate::validate::GridError;
use scheduler::Agenda;

impl Grid {
    /// Schedules every derate's start; a derate in force at the start
    /// (dated at or before it) is applied now, as a drought is, so the first
    /// dispatch sees it, and is listed for the event trace.
    pub(crate) fn start_derates(&mut self, agenda: &mut impl Agenda<GridEvent>) -> Result<(), GridError> {
        let now = agenda.now();
        for i in 0..self.derates.len() {
            let event = GridEvent::DerateStart { derate: i as u32 };
            if self.derates[i].start <= now {
                self.on_derate_start(i, agenda)?;
                self.applied_at_start.push(event);
            } else {
                agenda.schedule_at(self.derates[i].start, event)?;
            }
        }
        Ok(())
    }

    /// Derate `i` comes into force: the regions' factors take it in, and its end is scheduled.
    pub(crate) fn on_derate_start(
        &mut self,
        i: usize,
        agenda: &mut impl Agenda<GridEvent>,
    ) -> Result<(), GridError> {
        let Some(d) = self.derates.get_mut(i) else {
            return Ok(());
        };
        d.active = true;
        let duration = d.duration;
        self.refresh_derate_factors();
        agenda.schedule_after(duration, GridEvent::DerateEnd { derate: i as u32 })?;
        Ok(())
    }

    /// Derate `i` ends.
    pub(crate) fn on_derate_end(&mut self, i: usize) {
        if let Some(d) = self.derates.get_mut(i) {
            d.active = false;
            self.refresh_derate_factors();
        }
    }

    /// Recomputes every region's availability factors by technology and
    /// its demand factor from the derates in force (in config order).
    fn refresh_derate_factors(&mut self) {
        for r in &mut self.regions {
            r.derate_factor = [1.0; 7];
            r.demand_factor = 1.0;
            r.derate_in_force = false;
        }
        for d in self.derates.iter().filter(|d| d.active) {
            for &ri in &d.regions {
                let r = &mut self.regions[ri as usize];
                r.derate_in_force = true;
                for (f, hit) in r.derate_factor.iter_mut().zip(d.technologies) {
                    if hit {
                        *f *= 1.0 - d.fraction;
                    }
                }
                r.demand_factor *= d.demand_factor;
            }
        }
    }

    /// A region's derate factors now: the availability multiplier of its
    /// groups of each technology (by [`crate::Technology::index`]) and the
    /// multiplier of its non-AI demand, from the derates in force (all 1
    /// without one).
    pub fn derate_factors(&self, region: crate::RegionId) -> Option<([f64; 7], f64)> {
        self.regions
            .get(region.index())
            .map(|r| (r.derate_factor, r.demand_factor))
    }
}
