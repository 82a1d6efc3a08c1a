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
//! Units on planned maintenance (see `maintenance`) are neither running nor
//! down: failures fall on the running units only, and the walk that applies
//! a group's failures and repairs is interleaved with its maintenance events
//! by [`Outages::walk_with_maintenance`].
//!
//! Droughts multiply the availability of a region's hydro by `1 − depth`
//! while they last (overlapping droughts multiply).

use crate::grid::{Grid, SECS_PER_YEAR_F};
use crate::state::{GridEvent, Outages, RegionId};
use crate::validate::{GridError, MAX_DROUGHT_DAYS};
use rand::Rng;
use rand::distr::Distribution;
use scheduler::dist::Exp1;
use scheduler::{Agenda, Dist, Duration, SECS_PER_DAY, SimTime, StreamRng};
use std::cmp::Reverse;

impl Outages {
    /// Recomputes [`Outages::next_due`] after a change.
    pub(crate) fn refresh_due(&mut self) {
        let repair = self.repairs.peek().map_or(u64::MAX, |r| r.0);
        let failure = self.next_failure_at.map_or(u64::MAX, SimTime::ticks);
        self.next_due = repair.min(failure).min(self.maint_due);
    }

    /// Draws the next failure from the units running at `now`.
    pub(crate) fn draw_next_failure(&mut self, now: SimTime) {
        let up = self
            .units_total
            .saturating_sub(self.units_down + self.units_maint);
        self.next_failure_at = next_failure(self.rng.as_mut(), up, self.failure_rate_per_year, now);
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
        let rate = self.failure_rate_per_year;
        self.next_failure_at = Some(earlier_failure(self.rng.as_mut(), returned, rate, now, at));
        self.refresh_due();
    }

    /// [`Outages::walk`] with the check [`Grid::catch_up_outages`] makes
    /// and its error: what the tests compare with `catch_up_reference`.
    #[cfg(test)]
    pub(crate) fn catch_up(&mut self, until: SimTime, group: &str) -> Result<(), GridError> {
        if self.next_due > until.ticks() {
            return Ok(());
        }
        self.walk(until.ticks())
            .map_err(|(at, days)| repair_not_computable(group, at, days))
    }

    /// Applies, in time order, every failure and repair due at or before
    /// `until` (a repair first when both fall on one tick). A repair time
    /// that is not a duration comes back as the failure's instant and the
    /// days drawn (the caller names the group).
    ///
    /// The walk keeps the group's units and next failure in locals and draws
    /// inline: forced outages come to about 300,000 failures and as many
    /// repairs in a ten-year run of a large grid, and dispatch calls this
    /// about five times a step. Each step is the one of
    /// [`Outages::units_returned`] (for a repair: one unit returned), or of
    /// `fail_one` and [`Outages::draw_next_failure`] (for a failure): the
    /// same draws from the group's stream, in the same order, and the same
    /// floating-point operations (the tests compare it with the one-call-a-step
    /// walk it replaced, `catch_up_reference`).
    #[inline(always)]
    pub(crate) fn walk(&mut self, until: u64) -> Result<(), (u64, f64)> {
        // Units on maintenance neither fail nor are repaired: the walk sees the others.
        let (rate, total) = (self.failure_rate_per_year, self.units_total - self.units_maint);
        let mut down = self.units_down;
        let mut failure = self.next_failure_at;
        let rng = self.rng.as_mut();
        let repairs = &mut self.repairs;
        let mut result = Ok(());
        let next_repair = loop {
            let repair = repairs.peek().map(|r| r.0);
            match (repair, failure) {
                (Some(r), f) if r <= until && f.is_none_or(|f| r <= f.ticks()) => {
                    repairs.pop();
                    down = down.saturating_sub(1);
                    let r = SimTime(r);
                    failure = match failure {
                        // No failure pending (every unit was down): draw from scratch.
                        None => next_failure(rng, total.saturating_sub(down), rate, r),
                        Some(at) => Some(earlier_failure(rng, 1, rate, r, at)),
                    };
                }
                (_, Some(f)) if f.ticks() <= until => {
                    failure = None;
                    if down < total {
                        down += 1;
                        let days = repair_days(&self.repair_time_days, rng);
                        let Some(repair) = Duration::from_secs_f64(days * SECS_PER_DAY as f64) else {
                            result = Err((f.ticks(), days));
                            break repairs.peek().map(|r| r.0);
                        };
                        // A repair beyond the clock's range never comes.
                        if let Some(at) = f.checked_add(repair) {
                            repairs.push(Reverse(at.ticks()));
                        }
                    }
                    failure = next_failure(rng, total.saturating_sub(down), rate, f);
                }
                _ => break repair,
            }
        };
        self.units_down = down;
        self.next_failure_at = failure;
        self.next_due = next_repair
            .unwrap_or(u64::MAX)
            .min(failure.map_or(u64::MAX, SimTime::ticks))
            .min(self.maint_due);
        result
    }

    /// One running unit fails at `now`: it goes down until its repair, and the
    /// next failure is drawn from the units still running. The reference for
    /// [`Outages::walk`]'s failure step.
    #[cfg(test)]
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

    /// The walk [`Outages::walk`] replaces, one call per failure and
    /// repair: the reference its tests compare with.
    #[cfg(test)]
    pub(crate) fn catch_up_reference(&mut self, until: SimTime, group: &str) -> Result<(), GridError> {
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
}

/// An Exp(1) draw, inlined: what `rng.sample(Exp1)` draws.
#[inline(always)]
fn exp1(rng: &mut StreamRng) -> f64 {
    Distribution::<f64>::sample(&Exp1, rng)
}

/// The next failure among `up` running units from `now` (no draw when no
/// unit runs): one Exp(1) draw scaled by the group's rate, shared by
/// [`Outages::draw_next_failure`] and the catch-up walk.
#[inline(always)]
fn next_failure(rng: &mut StreamRng, up: u32, rate: f64, now: SimTime) -> Option<SimTime> {
    if up == 0 {
        return None;
    }
    let secs = exp1(rng) / (f64::from(up) * rate) * SECS_PER_YEAR_F;
    // A failure beyond the clock's range never happens in practice.
    Duration::from_secs_f64(secs).and_then(|d| now.checked_add(d))
}

/// The group's next failure once `returned` units come back at `now`, when
/// it was due at `at`: each returned unit draws its own time to failure (as
/// one draw at `returned` times the rate), and the earlier instant wins.
///
/// Usually `at` wins (one unit's rate is a small share of the group's), so
/// a draw that cannot round to an instant before `at` is not converted:
/// `Duration::from_secs_f64` rounds half away from zero, so a draw of at
/// least `gap − ½` seconds (`gap = at − now`; the threshold is exact below
/// 2^52) is no duration or one of at least `gap`, and a NaN draw is no
/// duration — `at` either way.
#[inline(always)]
fn earlier_failure(rng: &mut StreamRng, returned: u32, rate: f64, now: SimTime, at: SimTime) -> SimTime {
    let secs = exp1(rng) / (f64::from(returned) * rate) * SECS_PER_YEAR_F;
    earlier(secs, now, at)
}

/// The earlier of `at` and `now` plus a draw of `secs` seconds (see
/// [`earlier_failure`]).
#[inline(always)]
fn earlier(secs: f64, now: SimTime, at: SimTime) -> SimTime {
    // Wrapping: when `at` is before `now` no draw comes earlier, and both
    // branches give `at`.
    let gap = at.ticks().wrapping_sub(now.ticks());
    if (gap >= 1 << 52 || secs < gap as f64 - 0.5)
        && let Some(candidate) = Duration::from_secs_f64(secs).and_then(|d| now.checked_add(d))
        && candidate < at
    {
        return candidate;
    }
    at
}

/// A repair time in days, as `dist.sample(rng)` draws it. The default
/// repair time is exponential; `Dist::sample` draws it through
/// `scheduler::dist::Exp::new(1 / mean)`, which refuses a rate that is not `≥ 0`
/// (NaN, without a draw) and otherwise returns `Exp1 × (1 / rate)`: the
/// same operations here, inlined.
#[inline(always)]
fn repair_days(dist: &Dist, rng: &mut StreamRng) -> f64 {
    match *dist {
        Dist::Exp { mean } => {
            let rate = 1.0 / mean;
            if rate >= 0.0 {
                exp1(rng) * (1.0 / rate)
            } else {
                f64::NAN
            }
        }
        _ => dist.sample(rng),
    }
}

/// The error of a repair time of `days` drawn at `at_secs` that is not a duration.
#[cold]
#[inline(never)]
fn repair_not_computable(group: &str, at_secs: u64, days: f64) -> GridError {
    GridError::NotComputable {
        what: format!("repair time of plant group `{group}`"),
        at_secs,
        detail: format!("drew {days} days"),
    }
}

impl Grid {
    /// Brings group `g`'s forced outages up to `now` (see the module docs).
    ///
    /// Always inlined (with the walk) into its callers: as a function of its
    /// own it cost about 16 instructions more a call (saving registers,
    /// spilling its arguments, returning the `Result` through memory), and
    /// dispatch calls it some 420,000 times in a ten-year run of china-2025.
    #[inline(always)]
    pub(crate) fn catch_up_outages(&mut self, g: usize, now: SimTime) -> Result<(), GridError> {
        if let Some(o) = self.groups[g].outages.as_mut() {
            if o.next_due <= now.ticks() {
                let walked = if o.maintenance.is_some() {
                    o.walk_with_maintenance(now.ticks(), &self.calendar)
                } else {
                    o.walk(now.ticks())
                };
                if let Err((at, days)) = walked {
                    return Err(repair_not_computable(&self.groups[g].name, at, days));
                }
            }
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

    /// Schedules the configured droughts and the first drought of each
    /// process. A drought in force at the start (dated at or before it) is
    /// applied now, as a retirement dated then is, so that the first
    /// dispatch sees it (before the nineteenth session its start event came
    /// after that dispatch, which ran with full hydro).
    pub(crate) fn start_droughts(&mut self, agenda: &mut impl Agenda<GridEvent>) -> Result<(), GridError> {
        let now = agenda.now();
        for i in 0..self.droughts.len() {
            let (region, start, duration, depth_fraction) = self.droughts[i];
            let event = GridEvent::DroughtStart {
                region: RegionId(region),
                depth_fraction,
                duration,
                from_process: false,
            };
            if start <= now {
                self.on_drought_start(RegionId(region), depth_fraction, duration, false, agenda)?;
                // For the event trace, which lists it at the start.
                self.applied_at_start.push(event);
                continue;
            }
            agenda.schedule_at(start, event)?;
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
        // A drought longer than the longest run lasts as long as that run.
        let days = proc_.duration_days.sample(proc_.rng.as_mut());
        let days = if days > MAX_DROUGHT_DAYS {
            MAX_DROUGHT_DAYS
        } else {
            days
        };
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
        if from_process && let Some(p) = self.drought_processes.iter().position(|p| p.region == region.0) {
            self.schedule_next_drought(p, agenda)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use scheduler::RngStreams;

    fn outages(seed: u64, units: u32, rate: f64, repair: Dist) -> Outages {
        let mut o = Outages {
            rng: Box::new(RngStreams::new(seed, 0).stream("grid/outage/test")),
            failure_rate_per_year: rate,
            repair_time_days: repair,
            unit_size_mw: 100.0,
            units_total: units,
            units_down: 0,
            next_failure_at: None,
            repairs: std::collections::BinaryHeap::new(),
            next_due: u64::MAX,
            units_maint: 0,
            maint_due: u64::MAX,
            maintenance: None,
        };
        o.draw_next_failure(SimTime(0));
        o
    }

    /// Everything a catch-up changes: units, next failure, due time, the
    /// repair instants (as a set) and the stream's position.
    fn assert_same(a: &Outages, b: &Outages) {
        assert_eq!(a.units_down, b.units_down);
        assert_eq!(a.next_failure_at, b.next_failure_at);
        assert_eq!(a.next_due, b.next_due);
        assert_eq!(
            a.repairs.clone().into_sorted_vec(),
            b.repairs.clone().into_sorted_vec()
        );
        assert!(a.rng == b.rng, "the streams are at different positions");
    }

    fn repair_dist() -> impl Strategy<Value = Dist> {
        prop_oneof![
            (0.01f64..30.0).prop_map(|mean| Dist::Exp { mean }),
            (-1.0f64..3.0, 0.0f64..1.5).prop_map(|(mu, sigma)| Dist::LogNormal { mu, sigma }),
            (0.0f64..10.0).prop_map(|value| Dist::Const { value }),
            // Repair times a `u64` of seconds cannot hold: every third failure
            // becomes an error; the walks must report the same one.
            Just(Dist::Discrete {
                values: vec![1.0, 2.0, 1e30],
                weights: vec![1.0, 1.0, 1.0],
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// [`earlier`] is the converted comparison for draws of any size
        /// against gaps of any size.
        #[test]
        fn earlier_matches_converting(
            secs in prop_oneof![0.0f64..1e4, 0.0f64..1e8, 0.0f64..1e16, 0.0f64..2e19, any::<f64>()],
            gap in prop_oneof![0u64..10_000, 0u64..100_000_000, 0u64..(1 << 54), any::<u64>()],
            now in prop_oneof![0u64..(1 << 40), any::<u64>()],
        ) {
            let (at, now) = (SimTime(now.saturating_add(gap)), SimTime(now));
            prop_assert_eq!(earlier(secs, now, at), earlier_converted(secs, now, at));
            let near = secs.round();
            let (at, now) = (SimTime(now.ticks().saturating_add(near as u64)), now);
            prop_assert_eq!(earlier(secs, now, at), earlier_converted(secs, now, at));
        }

        /// The inlined walk changes the group exactly as one call per
        /// failure and repair did: over random groups (one unit, a few, a
        /// large fleet), rates, repair distributions and catch-up instants,
        /// with units added (build-out) and redrawn (retirement) between them.
        #[test]
        fn catch_up_matches_the_reference(
            seed in any::<u64>(),
            units in prop_oneof![Just(1u32), 1u32..8, 100u32..500],
            rate in prop_oneof![0.5f64..20.0, 50.0f64..400.0],
            repair in repair_dist(),
            steps in proptest::collection::vec((1u64..400_000, 0u8..20), 1..120),
        ) {
            let mut new = outages(seed, units, rate, repair);
            let mut reference = new.clone();
            let mut now = 0u64;
            for (gap, action) in steps {
                now += gap;
                let until = SimTime(now);
                let (a, b) = (new.catch_up(until, "g"), reference.catch_up_reference(until, "g"));
                prop_assert_eq!(&a, &b);
                if a.is_err() {
                    return Ok(());
                }
                assert_same(&new, &reference);
                match action {
                    0 => {
                        for o in [&mut new, &mut reference] {
                            o.units_total += 2;
                            o.units_returned(2, until);
                        }
                    }
                    1 => {
                        for o in [&mut new, &mut reference] {
                            o.draw_next_failure(until);
                        }
                    }
                    _ => {}
                }
                assert_same(&new, &reference);
            }
        }
    }

    /// What [`earlier`] gives, converting every draw.
    fn earlier_converted(secs: f64, now: SimTime, at: SimTime) -> SimTime {
        match Duration::from_secs_f64(secs).and_then(|d| now.checked_add(d)) {
            Some(candidate) if candidate < at => candidate,
            _ => at,
        }
    }

    /// `x` moved by `k` representable steps (for finite `x > 0`).
    fn ulps(x: f64, k: i64) -> f64 {
        f64::from_bits(x.to_bits().wrapping_add_signed(k))
    }

    /// Skipping the conversion never changes the instant: draws on and
    /// around every rounding boundary of the gap (`gap − ½`, `gap`,
    /// `gap + ½`), gaps on both sides of 2^52 and 2^53, an `at` before
    /// `now`, instants at the clock's end, and draws that are no duration.
    #[test]
    fn earlier_is_the_converted_comparison() {
        let two52 = (1u64 << 52) as f64;
        let gaps = [
            0,
            1,
            2,
            3,
            1_000,
            86_400,
            (1 << 52) - 3,
            (1 << 52) - 2,
            (1 << 52) - 1,
            1 << 52,
            (1 << 52) + 1,
            (1 << 53) - 1,
            1 << 53,
            (1 << 53) + 1,
            u64::MAX / 2,
            u64::MAX - 1,
            u64::MAX,
        ];
        let nows = [
            0,
            1,
            7,
            1_000_000,
            u64::MAX / 2,
            u64::MAX - 86_400,
            u64::MAX - 1,
            u64::MAX,
        ];
        let special = [
            0.0,
            -0.0,
            0.5,
            -0.5,
            1e-300,
            -1e-300,
            two52,
            2.0 * two52,
            9.0e18,
            1.8e19,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        let mut checked = 0;
        for &now in &nows {
            for &gap in &gaps {
                for at in [now.saturating_add(gap), now.saturating_sub(gap)] {
                    let (now, at) = (SimTime(now), SimTime(at));
                    let g = gap as f64;
                    let mut draws = special.to_vec();
                    for base in [g - 1.0, g - 0.5, g, g + 0.5, g + 1.0] {
                        if base > 0.0 {
                            draws.extend((-3..=3).map(|k| ulps(base, k)));
                        } else {
                            draws.push(base);
                        }
                    }
                    for secs in draws {
                        assert_eq!(
                            earlier(secs, now, at),
                            earlier_converted(secs, now, at),
                            "secs {secs:e}, now {now:?}, at {at:?}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 10_000);
    }

    /// A repair time drawn as `Dist::Exp` inline is `Dist::sample`'s draw,
    /// bit for bit, and leaves the stream at the same position; a mean whose
    /// rate is not `≥ 0` gives NaN without a draw.
    #[test]
    fn repair_days_is_the_dist_draw_bit_for_bit() {
        let means = [
            1e-300,
            0.3,
            1.0,
            2.0,
            3.0,
            7.0,
            1e300,
            f64::INFINITY,
            -1.0,
            -0.0,
            f64::NAN,
        ];
        for (i, &mean) in means.iter().enumerate() {
            let dist = Dist::Exp { mean };
            let streams = RngStreams::new(i as u64, 3);
            let (mut a, mut b) = (streams.stream("a"), streams.stream("a"));
            for _ in 0..20_000 {
                let (x, y) = (repair_days(&dist, &mut a), dist.sample(&mut b));
                assert!(
                    x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
                    "{mean}: {x} != {y}"
                );
            }
            assert!(a == b, "{mean}: the streams moved differently");
        }
    }
}
