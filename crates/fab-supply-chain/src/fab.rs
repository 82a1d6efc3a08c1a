//! One fab: capacity tranches with their ramps, the tool limit, wafer starts
//! split by product mix, lots in process, yield at completion, scrap on a
//! power shortfall, and the wafer balance that must always close.

use crate::MONTH_SECS;
use crate::apportion::largest_remainder;
use crate::config::{FabSiteConfig, PowerShortfallRule};
use crate::yield_curve::YieldCurve;
use scheduler::{Duration, EventKey, SimTime, StreamRng};
use std::collections::VecDeque;

/// The wafer balance of one fab, in wafers. Conservation:
/// `started == out + scrapped + in_process` at every instant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WaferBalance {
    /// Wafers started since the run began.
    pub started: u64,
    /// Wafers completed (their good dies went to the die stock).
    pub out: u64,
    /// Wafers scrapped (power shortfalls).
    pub scrapped: u64,
    /// Wafers started and neither completed nor scrapped.
    pub in_process: u64,
}

/// Flows of one fab since the last metrics sample.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FabFlows {
    pub starts: u64,
    pub out: u64,
    pub scrapped: u64,
    pub good_dies: u64,
    /// Wafers the planner left unstarted (capacity it did not need).
    pub forgone: u64,
    /// Energy the grid served the fab, MWh (as billed to it).
    pub energy_mwh: f64,
    /// What that energy cost, USD.
    pub electricity_usd: f64,
}

/// Wafers of one design started together at one tick.
#[derive(Clone, Debug)]
struct Lot {
    id: u64,
    /// Position in the fab's product mix.
    slot: usize,
    wafers: u64,
}

/// A fab's state.
pub(crate) struct Fab {
    pub name: String,
    pub region: String,
    /// Design index per product-mix slot.
    pub mix_designs: Vec<usize>,
    mix_shares: Vec<f64>,
    pub ramp: Duration,
    pub cycle_time: Duration,
    pub yield_curve: YieldCurve,
    /// Power at full starts of the configured capacity, MW.
    power_mw_full: f64,
    /// Power at full starts per wafer/month of nameplate, MW per
    /// (wafer/month): `power_mw_full / configured capacity`; `None` for a fab
    /// configured with zero capacity (its power does not scale).
    power_mw_per_wpm: Option<f64>,
    base_power_fraction: f64,
    pub tools_per_kwpm: f64,
    pub tools_at_opening: u64,
    rule: PowerShortfallRule,
    /// Capacity tranches: (wafers per month at full ramp, ramp start or
    /// `None` if fully ramped from the start). A ramp start is in seconds
    /// from time zero and may be negative: a fab or expansion completed
    /// before the run ramps from its real date.
    tranches: Vec<(f64, Option<f64>)>,
    pub open: bool,
    /// When the open fab's ramp began (seconds from time zero, maybe
    /// negative; `None`: operating at the start, fully ramped). No tranche
    /// ramps before it.
    opened_from: Option<f64>,
    pub tools_up: u64,
    pub tools_down: u64,
    pub failure_key: Option<EventKey>,
    /// Stream `fab/tools/<name>`: failures and repairs.
    pub rng: StreamRng,
    start_carry: f64,
    die_carry: Vec<f64>,
    lots: VecDeque<Lot>,
    next_lot: u64,
    /// Share of its asked-for power the grid serves now (last told).
    served_fraction: f64,
    /// When `served_fraction` last changed, or the last tick if later.
    served_since: SimTime,
    /// Start of the current production interval (the last tick).
    interval_start: SimTime,
    /// `Σ f·Δt` over `[interval_start, served_since)`, fraction × seconds.
    served_integral: f64,
    pub balance: WaferBalance,
    pub period: FabFlows,
    /// Power last reported in a `PowerDemand` signal, MW.
    pub power_mw_reported: f64,
    /// Whether the last tick's starts were cut by the tool limit (false
    /// while closed or with no available design to start).
    pub tool_limited: bool,
    /// Wafer starts per month the last tick's served power share withheld:
    /// capacity × (1 − mean served share); 0 while closed or with nothing
    /// to start.
    pub power_cut_wpm: f64,
    /// Wafer starts per month the last tick's tools withheld: ramped
    /// capacity − tool capacity, if positive; 0 while closed or with
    /// nothing to start.
    pub tool_cut_wpm: f64,
    /// The wafer-start planner's rate at the last tick, wafers per month,
    /// when it held the fab below its capacity (`None`: the fab started at
    /// its capacity, or runs without a planner). The fab asks power for
    /// this rate, not its capacity.
    planned_wpm: Option<f64>,
}

impl Fab {
    pub fn new(cfg: &FabSiteConfig, mix_designs: Vec<usize>, rng: StreamRng) -> Fab {
        let n = mix_designs.len();
        Fab {
            name: cfg.name.clone(),
            region: cfg.region.clone(),
            mix_designs,
            mix_shares: cfg.product_mix.iter().map(|p| p.share).collect(),
            ramp: cfg.ramp,
            cycle_time: cfg.cycle_time,
            yield_curve: cfg.yield_curve,
            power_mw_full: cfg.power_mw_at_full_starts,
            power_mw_per_wpm: (cfg.capacity_wafers_per_month > 0.0)
                .then(|| cfg.power_mw_at_full_starts / cfg.capacity_wafers_per_month),
            base_power_fraction: cfg.base_power_fraction,
            tools_per_kwpm: cfg.tools_per_kwpm,
            tools_at_opening: cfg.tools_at_opening,
            rule: cfg.power_shortfall,
            tranches: Vec::new(),
            open: false,
            opened_from: None,
            tools_up: 0,
            tools_down: 0,
            failure_key: None,
            rng,
            start_carry: 0.0,
            die_carry: vec![0.0; n],
            lots: VecDeque::new(),
            next_lot: 0,
            served_fraction: 1.0,
            served_since: SimTime::ZERO,
            interval_start: SimTime::ZERO,
            served_integral: 0.0,
            balance: WaferBalance::default(),
            period: FabFlows::default(),
            power_mw_reported: 0.0,
            tool_limited: false,
            power_cut_wpm: 0.0,
            tool_cut_wpm: 0.0,
            planned_wpm: None,
        }
    }

    /// Opens the fab with `wpm` nameplate capacity ramping from `ramp_from`
    /// (seconds from time zero, negative for a fab built before the run;
    /// `None`: already fully ramped), and installs the tools it comes with.
    /// An expansion completed while the fab was closed ramps from the
    /// opening too, not from its own completion (before the nineteenth
    /// session it ramped while the fab was closed, so the fab opened at the
    /// expansion's full capacity; audit s19-chips, finding 1).
    pub fn open(&mut self, wpm: f64, ramp_from: Option<f64>) {
        self.open = true;
        self.opened_from = ramp_from;
        if let Some(opened) = ramp_from {
            for from in self.tranches.iter_mut().filter_map(|t| t.1.as_mut()) {
                *from = from.max(opened);
            }
        }
        self.tranches.push((wpm, ramp_from));
        self.tools_up += self.tools_at_opening;
    }

    /// Adds an expansion tranche completed at `from` (seconds from time
    /// zero, negative for one completed before the run). It ramps from
    /// `from`, or from the fab's opening if that is later (a closed fab's
    /// tranche waits for [`Fab::open`]).
    pub fn expand(&mut self, wpm: f64, from: f64) {
        let from = match (self.open, self.opened_from) {
            (true, Some(opened)) => from.max(opened),
            _ => from,
        };
        self.tranches.push((wpm, Some(from)));
    }

    /// Nameplate capacity at full ramp, wafers per month.
    pub fn nameplate_wpm(&self) -> f64 {
        self.tranches.iter().map(|t| t.0).sum()
    }

    /// Capacity after ramps at `now`, wafers per month (linear ramps).
    pub fn ramped_wpm(&self, now: SimTime) -> f64 {
        let ramp = self.ramp.as_secs_f64();
        self.tranches
            .iter()
            .map(|&(wpm, from)| match from {
                Some(from) if ramp > 0.0 => wpm * ((now.ticks() as f64 - from) / ramp).clamp(0.0, 1.0),
                _ => wpm,
            })
            .sum()
    }

    /// What the working tools allow, wafers per month.
    pub fn tool_capacity_wpm(&self) -> f64 {
        self.tools_up as f64 * 1000.0 / self.tools_per_kwpm
    }

    /// Wafer-start capacity at `now`: ramped capacity capped by tools; zero
    /// while closed. Wafers per month.
    pub fn effective_wpm(&self, now: SimTime) -> f64 {
        if !self.open {
            0.0
        } else {
            self.ramped_wpm(now).min(self.tool_capacity_wpm())
        }
    }

    /// Tools installed (working or under repair).
    pub fn tools_installed(&self) -> u64 {
        self.tools_up + self.tools_down
    }

    /// More tools the fab needs to run its full nameplate capacity.
    pub fn tools_wanted(&self) -> u64 {
        if !self.open {
            return 0;
        }
        let need = (self.nameplate_wpm() * self.tools_per_kwpm / 1000.0 - 1e-9)
            .ceil()
            .max(0.0) as u64;
        need.saturating_sub(self.tools_installed())
    }

    /// Power the fab asks for at `now`, MW (0 while closed). Every tranche
    /// brings its power at the fab's intensity `k = power_mw_at_full_starts /
    /// configured capacity` (MW per wafer/month): the built nameplate `N`
    /// draws its base share, the start capacity the rest:
    /// `P = k × (b × N + (1 − b) × capacity(t))`. A fab configured with zero
    /// capacity has no intensity and draws
    /// `power_mw_at_full_starts × (b + (1 − b) × capacity(t) / N)`. With no
    /// design of its mix available (`available[d]`, as for
    /// [`Fab::start_wafers`]) it starts nothing, so `capacity(t)` counts as
    /// 0: only the base share runs (before the seventeenth session such a
    /// fab drew its full power; audit s17-chips, finding 6). A fab the
    /// wafer-start planner held below its capacity at the last tick asks
    /// for its planned rate instead of `capacity(t)`: capacity left idle
    /// draws no variable power.
    pub fn power_demand_mw(&self, now: SimTime, available: &[bool]) -> f64 {
        if !self.open {
            return 0.0;
        }
        let b = self.base_power_fraction;
        let nameplate = self.nameplate_wpm();
        let capacity = if self.has_available_design(available) {
            let c = self.effective_wpm(now);
            self.planned_wpm.map_or(c, |p| p.min(c))
        } else {
            0.0
        };
        match self.power_mw_per_wpm {
            Some(k) => k * (b * nameplate + (1.0 - b) * capacity),
            None => {
                let utilisation = if nameplate > 0.0 {
                    capacity / nameplate
                } else {
                    0.0
                };
                self.power_mw_full * (b + (1.0 - b) * utilisation)
            }
        }
    }

    /// Power at full starts of `nameplate_wpm` wafers/month, MW: what the
    /// fab draws once that nameplate is built and fully running.
    pub fn full_power_mw(&self, nameplate_wpm: f64) -> f64 {
        self.power_mw_per_wpm
            .map_or(self.power_mw_full, |k| k * nameplate_wpm)
    }

    /// The time-weighted mean served share since the last tick, `Σ f·Δt /
    /// (now − last tick)` (the share now if no time passed), and starts a
    /// new interval at `now`.
    fn take_served_average(&mut self, now: SimTime) -> f64 {
        self.served_integral += self.served_fraction * now.saturating_since(self.served_since).as_secs_f64();
        let span = now.saturating_since(self.interval_start).as_secs_f64();
        let mean = if span > 0.0 {
            (self.served_integral / span).clamp(0.0, 1.0)
        } else {
            self.served_fraction
        };
        self.served_integral = 0.0;
        self.served_since = now;
        self.interval_start = now;
        mean
    }

    /// Whether some design of the fab's product mix (with a positive share)
    /// may be started: `available[d]` for design `d`.
    pub fn has_available_design(&self, available: &[bool]) -> bool {
        self.mix_designs
            .iter()
            .zip(&self.mix_shares)
            .any(|(&d, &s)| s > 0.0 && available.get(d).copied().unwrap_or(false))
    }

    /// Starts the wafers of one tick of length `dt` and returns the new
    /// lots' ids. `available[d]` says whether design `d` may be started.
    ///
    /// The start rate is the capacity now times the time-weighted mean share
    /// of power served over the interval since the previous tick (a one-tick
    /// lag: the grid's service of the coming step is not known yet, so the
    /// starts of a step follow the service of the step before).
    ///
    /// With a wafer-start planner, `wanted[d]` is the good dies of design
    /// `d` still wanted this tick (`gross[d]` gross dies per wafer): each
    /// design's starts are cut to the whole wafers that yield at most what
    /// is wanted at the fab's yield now, and `wanted` is reduced by the
    /// dies they are expected to yield. A fab whose yield now is 0 cannot
    /// plan in dies and starts at its capacity (it learns by running).
    pub fn start_wafers(
        &mut self,
        now: SimTime,
        dt: Duration,
        available: &[bool],
        plan: Option<(&mut [f64], &[f64])>,
    ) -> Vec<u64> {
        let served = self.take_served_average(now);
        let ramped = self.ramped_wpm(now);
        let tools = self.tool_capacity_wpm();
        self.tool_limited = false;
        self.power_cut_wpm = 0.0;
        self.tool_cut_wpm = 0.0;
        let weights: Vec<f64> = self
            .mix_designs
            .iter()
            .zip(&self.mix_shares)
            .map(|(&d, &s)| {
                if available.get(d).copied().unwrap_or(false) {
                    s
                } else {
                    0.0
                }
            })
            .collect();
        self.planned_wpm = None;
        if !self.open || !self.has_available_design(available) {
            self.start_carry = 0.0;
            return Vec::new();
        }
        // Only a fab that starts wafers of an available design says what cut
        // its starts: one with nothing to start is held back by no input
        // (before the seventeenth session its tools could make the national
        // binding input `Tools`; audit s17-chips, finding 2).
        self.tool_limited = tools < ramped;
        let capacity = self.effective_wpm(now);
        let rate = capacity * served;
        self.power_cut_wpm = capacity - rate;
        self.tool_cut_wpm = (ramped - tools).max(0.0);
        self.start_carry += rate * dt.as_secs_f64() / MONTH_SECS;
        let whole = self.start_carry.floor();
        self.start_carry -= whole;
        let mut wafers = whole as u64;
        let mut split = largest_remainder(wafers, &weights);
        if let Some((wanted, gross)) = plan {
            let y = self.yield_curve.at(self.balance.out as f64);
            let mut forgone = 0;
            for (slot, w) in split.iter_mut().enumerate() {
                let d = self.mix_designs[slot];
                let per_wafer = gross.get(d).copied().unwrap_or(0.0) * y;
                if per_wafer <= 0.0 {
                    continue;
                }
                let want = &mut wanted[d];
                let keep = (*w).min((want.max(0.0) / per_wafer).floor() as u64);
                *want -= keep as f64 * per_wafer;
                forgone += *w - keep;
                *w = keep;
            }
            if forgone > 0 {
                // The planner, not the tools or the grid, set the starts.
                wafers -= forgone;
                self.period.forgone += forgone;
                self.tool_limited = false;
                self.power_cut_wpm = 0.0;
                self.tool_cut_wpm = 0.0;
                let month_share = dt.as_secs_f64() / MONTH_SECS;
                if month_share > 0.0 {
                    self.planned_wpm = Some(wafers as f64 / month_share);
                }
            }
        }
        let mut ids = Vec::new();
        for (slot, &w) in split.iter().enumerate() {
            if w == 0 {
                continue;
            }
            let id = self.next_lot;
            self.next_lot += 1;
            self.lots.push_back(Lot { id, slot, wafers: w });
            ids.push(id);
        }
        self.balance.started += wafers;
        self.balance.in_process += wafers;
        self.period.starts += wafers;
        ids
    }

    /// Good dies of design `d` expected from the wafers in the line, at the
    /// fab's yield now (`gross` gross dies per wafer): the wafer-start
    /// planner's pipeline. 0 while the line holds no lot of `d`.
    pub(crate) fn pipeline_dies(&self, d: usize, gross: f64) -> f64 {
        let wafers: u64 = self
            .lots
            .iter()
            .filter(|l| self.mix_designs[l.slot] == d)
            .map(|l| l.wafers)
            .sum();
        if wafers == 0 {
            return 0.0;
        }
        wafers as f64 * gross * self.yield_curve.at(self.balance.out as f64)
    }

    /// Whether the wafer-start planner held the fab's starts at the last
    /// tick below what its capacity, tools and power allowed (it forwent
    /// wafers): the back end, not the fab, set them.
    pub(crate) fn planner_cut(&self) -> bool {
        self.open && self.planned_wpm.is_some()
    }

    /// Whether the fab is open and its product mix has design `d`.
    pub(crate) fn makes(&self, d: usize) -> bool {
        self.open && self.mix_designs.contains(&d)
    }

    /// The wafers of the lots in the line, summed lot by lot.
    pub(crate) fn wafers_in_lots(&self) -> u64 {
        self.lots.iter().map(|l| l.wafers).sum()
    }

    /// Completes lot `id`: its wafers leave the line and yield
    /// `gross × wafers × Y(cumulative wafers out before it)` good dies
    /// (fractions carried per design to the next lot). Returns (design
    /// index, good dies); `None` for an unknown lot.
    pub fn complete_lot(&mut self, id: u64, gross_dies_per_wafer: &[f64]) -> Option<(usize, u64)> {
        let pos = self.lots.iter().position(|l| l.id == id)?;
        let lot = self.lots.remove(pos)?;
        let design = self.mix_designs[lot.slot];
        let y = self.yield_curve.at(self.balance.out as f64);
        let gross = gross_dies_per_wafer.get(design).copied().unwrap_or(0.0);
        let carry = &mut self.die_carry[lot.slot];
        *carry += gross * lot.wafers as f64 * y;
        let good = carry.floor();
        *carry -= good;
        let good = good as u64;
        self.balance.out += lot.wafers;
        self.balance.in_process -= lot.wafers;
        self.period.out += lot.wafers;
        self.period.good_dies += good;
        Some((design, good))
    }

    /// Sets the served power fraction from `now` on (time-weighted into the
    /// next tick's starts); returns the wafers scrapped by the shortfall
    /// rule (see [`PowerShortfallRule`]).
    pub fn set_served(&mut self, now: SimTime, served: f64) -> u64 {
        let threshold = self.rule.scrap_below_served_fraction;
        let dropped = self.served_fraction >= threshold && served < threshold;
        self.served_integral += self.served_fraction * now.saturating_since(self.served_since).as_secs_f64();
        self.served_since = self.served_since.max(now);
        self.served_fraction = served;
        if !dropped {
            return 0;
        }
        let share = self.rule.scrap_share_of_in_process;
        let mut scrapped = 0;
        for lot in &mut self.lots {
            let s = ((share * lot.wafers as f64).round() as u64).min(lot.wafers);
            lot.wafers -= s;
            scrapped += s;
        }
        self.balance.scrapped += scrapped;
        self.balance.in_process -= scrapped;
        self.period.scrapped += scrapped;
        scrapped
    }
}
