//! Metrics of the training domain: the monthly sample (flows since the
//! previous sample, then reset; stocks as of now) and the run's summary scalars.
//!
//! Entities are lab names and `national` (sums of flows and stocks; the
//! maximum for "largest"/"best" quantities; ratios of national sums for shares).
//! With a world frontier configured, `training.frontier_effective_flop` is
//! also emitted for the entity `world`.

use crate::release::{Release, months_behind_frontier};
use crate::run::{CompletedRun, RunBound};
use crate::training::Training;
use crate::{ChipCounts, LabId, SECS_PER_MONTH};
use scheduler::math;
use scheduler::{Calendar, SECS_PER_DAY, SECS_PER_YEAR, SimTime, TimePath};
use std::collections::BTreeMap;

/// Flows accumulated since the previous sample.
#[derive(Clone, Debug, Default)]
pub(crate) struct Flows {
    pub span_s: f64,
    pub energy_mwh: f64,
    pub electricity_usd: f64,
    pub chip_usd: f64,
    /// ∫ installed peak FLOP/s dt.
    pub installed_peak_s: f64,
    /// ∫ peak FLOP/s doing work (inference, or training during a run) dt.
    pub used_peak_s: f64,
    /// ∫ peak FLOP/s serving inference dt.
    pub inference_peak_s: f64,
    pub integrated_flop: f64,
    pub lost_flop: f64,
    /// ∫ training FLOP/s at MFU dt while a run was in progress (up,
    /// restarting or paused), FLOP: what the powered training chips could
    /// have computed.
    pub train_capacity_flop: f64,
    /// ∫ training FLOP/s with every installed accelerator powered dt, FLOP
    /// (as [`PowerLosses::full_flop`], over the period).
    pub power_full_flop: f64,
    /// The part of that power withheld, FLOP (as [`PowerLosses::lost_flop`]).
    pub power_lost_flop: f64,
    /// The part of that the budget withheld, FLOP (as
    /// [`PowerLosses::budget_lost_flop`]).
    pub budget_lost_flop: f64,
    pub limited_power_s: f64,
    pub limited_chips_s: f64,
    pub limited_budget_s: f64,
    pub limited_failures_s: f64,
    /// Seconds the lab's run was bound by its largest cluster
    /// ([`crate::RunBound::Cluster`]).
    pub limited_cluster_s: f64,
    pub releases_open: u64,
    pub releases_closed: u64,
}

impl Flows {
    fn add(&mut self, o: &Flows) {
        self.span_s = self.span_s.max(o.span_s);
        self.energy_mwh += o.energy_mwh;
        self.electricity_usd += o.electricity_usd;
        self.chip_usd += o.chip_usd;
        self.installed_peak_s += o.installed_peak_s;
        self.used_peak_s += o.used_peak_s;
        self.inference_peak_s += o.inference_peak_s;
        self.integrated_flop += o.integrated_flop;
        self.lost_flop += o.lost_flop;
        self.train_capacity_flop += o.train_capacity_flop;
        self.power_full_flop += o.power_full_flop;
        self.power_lost_flop += o.power_lost_flop;
        self.budget_lost_flop += o.budget_lost_flop;
        self.limited_power_s += o.limited_power_s;
        self.limited_chips_s += o.limited_chips_s;
        self.limited_budget_s += o.limited_budget_s;
        self.limited_failures_s += o.limited_failures_s;
        self.limited_cluster_s += o.limited_cluster_s;
        self.releases_open += o.releases_open;
        self.releases_closed += o.releases_closed;
    }
}

/// Training compute a lab's installed accelerators could not do for lack of
/// power (the grid's grant or the site's connection), whatever bound its
/// runs: FLOP at the lab's MFU, over the whole run and by calendar year.
#[derive(Clone, Debug, Default)]
pub(crate) struct PowerLosses {
    /// ∫ training FLOP/s with every installed accelerator powered dt, FLOP.
    pub full_flop: f64,
    /// ∫ (that − training FLOP/s with the power the lab had) dt, FLOP,
    /// less the part its budget withheld (below).
    pub lost_flop: f64,
    /// The part of that its electricity budget withheld while it capped the
    /// lab's draw (whatever the grid served under the cap), FLOP.
    pub budget_lost_flop: f64,
    /// The part of `lost_flop` the sites' connections withheld (chips
    /// beyond the connection, waiting for a larger one), FLOP; the rest of
    /// `lost_flop` is the grid's cuts.
    pub connection_lost_flop: f64,
    /// Calendar year → (full, lost) FLOP within it.
    pub by_year: BTreeMap<i32, (f64, f64)>,
    /// The last year booked: (year, its first instant, the next year's).
    year: Option<(i32, SimTime, SimTime)>,
}

impl PowerLosses {
    /// Books `[t0, t1)` at constant rates (FLOP/s): `full` with every
    /// installed accelerator powered, `lost` the part of it power withheld,
    /// `budget_lost` the part the lab's budget withheld and
    /// `connection_lost` the part of `lost` the connections withheld; with
    /// a calendar, `full` and `lost` split at the new years within.
    pub fn book(
        &mut self,
        calendar: Option<&Calendar>,
        t0: SimTime,
        t1: SimTime,
        full: f64,
        lost: f64,
        (budget_lost, connection_lost): (f64, f64),
    ) {
        use chrono::{Datelike, NaiveDate};
        let span = t1.0.saturating_sub(t0.0) as f64;
        self.full_flop += full * span;
        self.lost_flop += lost * span;
        self.budget_lost_flop += budget_lost * span;
        self.connection_lost_flop += connection_lost * span;
        let Some(cal) = calendar else { return };
        let mut t = t0;
        while t < t1 {
            let (y, _, end) = match self.year {
                Some(c) if c.1 <= t && t < c.2 => c,
                _ => {
                    let Some(y) = cal.date(t).map(|d| d.year()) else {
                        return;
                    };
                    let at = |y: i32| NaiveDate::from_ymd_opt(y, 1, 1).and_then(|d| cal.at_date(d));
                    let c = (
                        y,
                        at(y).unwrap_or(SimTime::ZERO),
                        at(y + 1).unwrap_or(SimTime(u64::MAX)),
                    );
                    self.year = Some(c);
                    c
                }
            };
            let to = end.min(t1);
            if to <= t {
                return;
            }
            let s = (to.0 - t.0) as f64;
            let e = self.by_year.entry(y).or_insert((0.0, 0.0));
            e.0 += full * s;
            e.1 += lost * s;
            t = to;
        }
    }
}

/// The largest run finished in a calendar year, as the summary reports it:
/// its physical FLOP, its bound, and from its record the facility energy
/// its chips drew (MWh) and what that energy cost (USD).
#[derive(Clone, Copy, Debug)]
pub(crate) struct YearLargest {
    pub flop: f64,
    pub bound: RunBound,
    pub energy_mwh: f64,
    pub electricity_usd: f64,
}

impl YearLargest {
    fn of(run: &CompletedRun) -> YearLargest {
        YearLargest {
            flop: run.physical_flop,
            bound: run.bound,
            energy_mwh: run.energy_mwh,
            electricity_usd: run.electricity_usd,
        }
    }
}

/// Totals over the whole run, for summaries and stock metrics.
#[derive(Clone, Debug, Default)]
pub(crate) struct LabTotals {
    pub energy_mwh: f64,
    pub spend_usd: f64,
    pub largest_run_flop: f64,
    pub releases: u64,
    pub open_releases: u64,
    pub best_effective_flop: f64,
    /// What the best release (the one of `best_effective_flop`; the first
    /// of equals) inherited from its open base, FLOP (0 without a base).
    pub best_inherited_flop: f64,
    pub best_capability: Option<f64>,
    pub min_gap_months: Option<f64>,
    /// Calendar year → the largest run finished that year.
    pub largest_by_year: BTreeMap<i32, YearLargest>,
    /// Training compute lost to power.
    pub power: PowerLosses,
}

impl LabTotals {
    /// Records a finished run and its release.
    pub fn record(&mut self, run: &CompletedRun, release: &Release, calendar: Option<&Calendar>) {
        self.record_release(release);
        self.record_run(run, calendar);
    }

    /// Records a finished run, released or not (a run that kept no work
    /// releases nothing).
    pub fn record_run(&mut self, run: &CompletedRun, calendar: Option<&Calendar>) {
        self.largest_run_flop = self.largest_run_flop.max(run.physical_flop);
        if let Some(year) = calendar.and_then(|c| c.fractional_year(run.end)) {
            let this = YearLargest::of(run);
            let e = self
                .largest_by_year
                .entry(year.floor() as i32)
                .or_insert(YearLargest { flop: 0.0, ..this });
            if run.physical_flop > e.flop {
                *e = this;
            }
        }
    }

    /// Records a release (of a run, or a post-trained release of an
    /// earlier base, which is no run).
    pub fn record_release(&mut self, release: &Release) {
        self.releases += 1;
        self.open_releases += u64::from(release.open);
        if self.releases == 1 || release.effective_flop > self.best_effective_flop {
            self.best_inherited_flop = release.base.map_or(0.0, |b| b.inherited_effective_flop);
        }
        self.best_effective_flop = self.best_effective_flop.max(release.effective_flop);
        self.best_capability = Some(
            self.best_capability
                .map_or(release.capability, |c| c.max(release.capability)),
        );
        if let Some(g) = release.frontier_gap_months {
            self.min_gap_months = Some(self.min_gap_months.map_or(g, |m| m.min(g)));
        }
    }
}

/// The largest physical FLOP of `lab`'s runs in `runs` that finished within
/// the year (365.25 days, [`scheduler::SECS_PER_YEAR`]) up to `now`: `end`
/// in `(now − 1 year, now]`; 0 if none did.
pub(crate) fn largest_run_in_year_to(runs: &[CompletedRun], lab: LabId, now: SimTime) -> f64 {
    let from = now.0.saturating_sub(SECS_PER_YEAR);
    runs.iter()
        .filter(|r| r.lab == lab && r.end.0 > from && r.end <= now)
        .map(|r| r.physical_flop)
        .fold(0.0, f64::max)
}

fn ratio(num: f64, den: f64) -> f64 {
    if den > 0.0 { num / den } else { 0.0 }
}

impl Training {
    /// Emits `(metric, entity, value)` for every lab and `national`; flows
    /// cover the time since the previous sample and are then reset.
    ///
    /// Metrics (units in names; *flow* = since the previous sample). Two
    /// words are kept apart: *effective FLOP* (`…effective_flop`) are
    /// algorithm-adjusted, physical FLOP × the efficiency multiplier
    /// (start-date-algorithm FLOP); a rate *at MFU* is peak × MFU, physical
    /// FLOP per second (the internal `…_eff_flop_s` names mean this one):
    /// `training.largest_run_flop` (largest finished run so far: a running
    /// maximum), `training.largest_run_12m_flop` (largest run finished in the
    /// year up to now, 0 if none: it falls when runs shrink; see
    /// `largest_run_in_year_to`),
    /// `training.frontier_effective_flop` (best released effective FLOP so
    /// far; entity `world`: the exogenous frontier now),
    /// `training.releases_open`, `training.releases_closed` (flows),
    /// `training.months_since_release` (since the start if none; national: the
    /// most recent lab), `training.accelerators_installed`,
    /// `training.installed_flop_s` (peak: datasheet dense FLOP/s of the
    /// accelerators in service, powered or not), `training.training_flop_s`
    /// (at MFU: peak × MFU of the powered chips inference leaves for
    /// training, now; physical FLOP/s, not algorithm-adjusted; a paced run
    /// uses part of it), `training.utilisation` (share of
    /// installed peak FLOP/s that was powered and training or serving,
    /// counting work later lost to failures), `training.goodput_share`
    /// (FLOP kept ÷ FLOP the powered training accelerators could have
    /// computed while a run was in progress: failures and restarts are what
    /// it loses; 0 with no run),
    /// `training.share_lost_power` and `training.share_lost_budget` (the
    /// training compute lost to power, and that withheld by the budget
    /// while it capped the draw, ÷ the training compute of every installed
    /// accelerator fully powered, over the period: booked as
    /// `training.share_lost_power_total` and `training.share_lost_budget_total`),
    /// `training.share_lost_failures` (FLOP redone after failures ÷ FLOP
    /// computed), `training.inference_flop_s` (time-average peak FLOP/s
    /// serving inference: peak, no MFU, so not comparable with
    /// `training.training_flop_s` without multiplying by the lab's MFU),
    /// `training.energy_mwh`, `training.spend_usd`
    /// (electricity + accelerators delivered), `training.efficiency_multiplier`,
    /// and the constraint accounting `training.limited_power_days`,
    /// `training.limited_chips_days`, `training.limited_budget_days`,
    /// `training.limited_failures_days` (flows;
    /// definitions in `docs/model/model-training.md`), and, with a world
    /// frontier path and once there is a release, `training.frontier_gap_months`
    /// (how far the best release so far stands behind the frontier now; see
    /// [`Training::frontier_gap_months_at`]); and where some lab's
    /// `open_base_share` is above 0, `training.inherited_effective_flop`
    /// (what the best release so far inherited from its open base, FLOP; 0
    /// before a release or without a base; national: the nation's best
    /// release, the first lab's of equals); and where some lab caps the
    /// chips of a run (`max_chips_per_run`), `training.run_accelerators`
    /// (accelerators in the run in progress at the sampling instant; 0
    /// without one) and `training.limited_cluster_days` (days a run was
    /// bound by the cap). With fleets, their `buyers.…`
    /// metrics follow (entity: the fleet, and `national`); the `training.…`
    /// metrics count labs only.
    pub fn sample_metrics(&mut self, now: SimTime, emit: &mut dyn FnMut(&str, &str, f64)) {
        for li in 0..self.labs.len() {
            self.advance_lab(li, now);
        }
        let mut nat = Flows::default();
        let (mut largest, mut best_eff, mut chips, mut flop_s, mut train, mut mult) =
            (0.0f64, 0.0f64, 0.0, 0.0, 0.0, 0.0f64);
        let mut since = f64::INFINITY;
        let mut largest_recent = 0.0f64;
        let path = self.cfg.frontier_log10_effective_flop.as_ref();
        let gap_now = |path: Option<&TimePath>, best: Option<f64>| months_behind_frontier(path?, now, best?);
        let mut best_capability: Option<f64> = None;
        let builds = self.cfg.builds_on_open_weights();
        // Only with a cap on the chips of a run: its metrics.
        let caps = self.cfg.caps_runs();
        let day = SECS_PER_DAY as f64;
        let mut run_chips = 0.0;
        // The nation's best release so far: (effective FLOP, inherited FLOP).
        let mut nat_best = (0.0f64, 0.0f64);
        for (li, lab) in self.labs.iter_mut().enumerate() {
            let name = lab.cfg.name.as_str();
            let f = std::mem::take(&mut lab.flows);
            let installed: f64 = lab
                .sites
                .iter()
                .map(|&s| self.sites[s].power.installed_chips)
                .sum();
            let peak: f64 = lab
                .sites
                .iter()
                .map(|&s| self.sites[s].power.installed_peak_flop_s)
                .sum();
            let months = now
                .saturating_since(lab.last_release.unwrap_or(SimTime::ZERO))
                .as_secs_f64()
                / SECS_PER_MONTH as f64;
            let m = lab.eff.multiplier_at(now);
            emit_lab(
                emit,
                name,
                &f,
                lab.totals.largest_run_flop,
                lab.totals.best_effective_flop,
            );
            if caps {
                let in_run = if lab.run.is_some() {
                    lab.rate.train_chips * lab.rate.run_share
                } else {
                    0.0
                };
                emit("training.limited_cluster_days", name, f.limited_cluster_s / day);
                emit("training.run_accelerators", name, in_run);
                run_chips += in_run;
            }
            let recent = largest_run_in_year_to(&self.runs, LabId(li as u32), now);
            emit("training.largest_run_12m_flop", name, recent);
            emit("training.months_since_release", name, months);
            emit("training.accelerators_installed", name, installed);
            emit("training.installed_flop_s", name, peak);
            emit("training.training_flop_s", name, lab.rate.train_eff_flop_s);
            emit("training.efficiency_multiplier", name, m);
            if let Some(gap) = gap_now(path, lab.totals.best_capability) {
                emit("training.frontier_gap_months", name, gap);
            }
            if builds {
                emit(
                    "training.inherited_effective_flop",
                    name,
                    lab.totals.best_inherited_flop,
                );
            }
            if lab.totals.best_effective_flop > nat_best.0 {
                nat_best = (lab.totals.best_effective_flop, lab.totals.best_inherited_flop);
            }
            nat.add(&f);
            largest = largest.max(lab.totals.largest_run_flop);
            largest_recent = largest_recent.max(recent);
            best_eff = best_eff.max(lab.totals.best_effective_flop);
            chips += installed;
            flop_s += peak;
            train += lab.rate.train_eff_flop_s;
            mult = mult.max(m);
            since = since.min(months);
            best_capability = match (best_capability, lab.totals.best_capability) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
        }
        emit_lab(emit, "national", &nat, largest, best_eff);
        if caps {
            emit(
                "training.limited_cluster_days",
                "national",
                nat.limited_cluster_s / day,
            );
            emit("training.run_accelerators", "national", run_chips);
        }
        emit("training.largest_run_12m_flop", "national", largest_recent);
        emit("training.months_since_release", "national", since);
        emit("training.accelerators_installed", "national", chips);
        emit("training.installed_flop_s", "national", flop_s);
        emit("training.training_flop_s", "national", train);
        emit("training.efficiency_multiplier", "national", mult);
        if let Some(gap) = gap_now(path, best_capability) {
            emit("training.frontier_gap_months", "national", gap);
        }
        if builds {
            emit("training.inherited_effective_flop", "national", nat_best.1);
        }
        if let Some(path) = &self.cfg.frontier_log10_effective_flop {
            emit(
                "training.frontier_effective_flop",
                "world",
                math::powf(10f64, crate::release::frontier_log10_at(path, now)),
            );
        }
        self.sample_fleets(now, emit);
    }

    /// Emits the run's scalar outcomes (national): `training.largest_run_flop`,
    /// `training.runs_total` (runs finished), `training.releases_total`,
    /// `training.open_releases_total`, `training.best_effective_flop` (every
    /// run: 0 without a release), `training.best_capability` (only if any
    /// release: log10 of the former), `training.min_frontier_gap_months` (only
    /// if computed), `training.best_inherited_share` (only where some lab's
    /// `open_base_share` is above 0, and given a release: the share of the
    /// best release's effective FLOP inherited from its open base),
    /// `training.energy_mwh_total`, `training.spend_usd_total`,
    /// the labs' accelerators (`emit_lab_chips`: at the start, delivered,
    /// awaiting installation and installed at the end, retired),
    /// `training.failures_total`, `training.flop_lost_power_total` (training
    /// FLOP, at MFU, the installed accelerators could not compute for lack
    /// of power, whatever bound the runs) and `training.share_lost_power_total`
    /// (that ÷ the training FLOP they could have computed fully powered; 0
    /// without accelerators), split by cause into
    /// `training.share_lost_power_connection_total` (chips beyond their
    /// site's connection, waiting for a larger one) and
    /// `training.share_lost_power_curtailed_total` (the grid's cuts; the
    /// two sum to the share, to rounding), `training.flop_lost_budget_total` and
    /// `training.share_lost_budget_total` (the same for the compute the
    /// labs' electricity budgets withheld while they capped their draw,
    /// which is not counted as lost to power), and with a calendar,
    /// per year of completion,
    /// `training.largest_run_flop_year_<YYYY>`,
    /// `training.largest_run_bound_year_<YYYY>` (0 target, 1 power, 2 chips,
    /// 3 budget, 4 failures, 5 the largest cluster) and that run's
    /// `training.largest_run_energy_mwh_year_<YYYY>` and
    /// `training.largest_run_electricity_usd_year_<YYYY>` (its record's
    /// `energy_mwh` and `electricity_usd`: the energy its chips drew, and
    /// what it cost), and per calendar year the labs' time reached,
    /// `training.share_lost_power_year_<YYYY>` (the share above, within the year),
    /// and per compute threshold `T` of the configuration, only once a
    /// finished run reached it, `training.year_reached_<T>_flop` (named by
    /// [`crate::compute_threshold_outcome`]): the fractional calendar year
    /// the first run of at least `T` physical FLOP finished, any lab's
    /// (the earliest of [`Training::first_reached`]).
    ///
    /// Then, for every lab, its own outcomes, named by [`crate::lab_outcome`]
    /// (`training.lab.<lab>.<outcome>`, see [`Training::lab_summary_scalars`]),
    /// and, with fleets, theirs (`buyers.…`, in no training outcome above).
    pub fn summary_scalars(&self, emit: &mut dyn FnMut(&str, f64)) {
        let t: Vec<_> = self.labs.iter().map(|l| &l.totals).collect();
        emit(
            "training.largest_run_flop",
            t.iter().map(|x| x.largest_run_flop).fold(0.0, f64::max),
        );
        emit("training.runs_total", self.runs.len() as f64);
        emit(
            "training.releases_total",
            t.iter().map(|x| x.releases as f64).sum(),
        );
        emit(
            "training.open_releases_total",
            t.iter().map(|x| x.open_releases as f64).sum(),
        );
        // Defined in every run: 0 effective FLOP released when nothing was.
        emit(
            "training.best_effective_flop",
            t.iter().map(|x| x.best_effective_flop).fold(0.0, f64::max),
        );
        // Defined only given a release (a gap also needs a frontier path that
        // reaches it): absent otherwise, never a sentinel that would enter means.
        if let Some(c) = t.iter().filter_map(|x| x.best_capability).reduce(f64::max) {
            emit("training.best_capability", c);
        }
        if let Some(g) = t.iter().filter_map(|x| x.min_gap_months).reduce(f64::min) {
            emit("training.min_frontier_gap_months", g);
        }
        // Only where some lab builds on open weights, and given a release:
        // the share of the best release's effective FLOP (the first lab's
        // of equals) inherited from its open base.
        if self.cfg.builds_on_open_weights() {
            let best = t.iter().filter(|x| x.releases > 0).reduce(|b, x| {
                if x.best_effective_flop > b.best_effective_flop {
                    x
                } else {
                    b
                }
            });
            if let Some(b) = best {
                emit(
                    "training.best_inherited_share",
                    ratio(b.best_inherited_flop, b.best_effective_flop),
                );
            }
        }
        emit("training.energy_mwh_total", t.iter().map(|x| x.energy_mwh).sum());
        emit("training.spend_usd_total", t.iter().map(|x| x.spend_usd).sum());
        let mut chips = ChipCounts::default();
        for l in &self.labs {
            chips.add(&l.chips);
        }
        emit_lab_chips(emit, &chips);
        emit(
            "training.failures_total",
            // From +0: a float `sum` of no run is −0 (`-0.0` in summary.json).
            self.runs.iter().fold(0.0, |s, r| s + r.failures as f64),
        );
        let (full, lost) = t.iter().fold((0.0, 0.0), |(f, l), x| {
            (f + x.power.full_flop, l + x.power.lost_flop)
        });
        emit("training.flop_lost_power_total", lost);
        emit("training.share_lost_power_total", ratio(lost, full));
        // Split by cause: chips beyond their site's connection (waiting
        // for a larger one), and the rest, the grid's cuts (review
        // s33-headline, finding 3). Each lab's connection part is at most
        // its loss, booked span by span, so the rest is never below 0.
        let connection = t.iter().fold(0.0, |l, x| l + x.power.connection_lost_flop);
        emit(
            "training.share_lost_power_connection_total",
            ratio(connection, full),
        );
        emit(
            "training.share_lost_power_curtailed_total",
            ratio(lost - connection, full),
        );
        // From +0, as above.
        let budget_lost = t.iter().fold(0.0, |l, x| l + x.power.budget_lost_flop);
        emit("training.flop_lost_budget_total", budget_lost);
        emit("training.share_lost_budget_total", ratio(budget_lost, full));
        let mut power_by_year: BTreeMap<i32, (f64, f64)> = BTreeMap::new();
        for x in &t {
            for (&y, &(f, l)) in &x.power.by_year {
                let e = power_by_year.entry(y).or_insert((0.0, 0.0));
                e.0 += f;
                e.1 += l;
            }
        }
        for (y, (f, l)) in power_by_year {
            emit(&format!("training.share_lost_power_year_{y}"), ratio(l, f));
        }
        let mut by_year: BTreeMap<i32, YearLargest> = BTreeMap::new();
        for x in &t {
            for (&y, &run) in &x.largest_by_year {
                let e = by_year.entry(y).or_insert(run);
                if run.flop > e.flop {
                    *e = run;
                }
            }
        }
        for (y, run) in by_year {
            emit(&format!("training.largest_run_flop_year_{y}"), run.flop);
            emit(&format!("training.largest_run_bound_year_{y}"), run.bound.code());
            emit(
                &format!("training.largest_run_energy_mwh_year_{y}"),
                run.energy_mwh,
            );
            emit(
                &format!("training.largest_run_electricity_usd_year_{y}"),
                run.electricity_usd,
            );
        }
        // Defined only once a finished run reached the threshold: absent
        // otherwise, never a sentinel that would enter means.
        if let Some(cal) = &self.cfg.calendar {
            for &flop in &self.cfg.compute_thresholds_flop {
                let first = self.first_reached(flop).into_iter().flatten().min();
                if let Some(year) = first.and_then(|t| cal.fractional_year(t)) {
                    emit(&crate::compute_threshold_outcome(flop), year);
                }
            }
        }
        self.lab_summary_scalars(emit);
        self.fleet_summary_scalars(emit);
    }

    /// Emits every lab's own scalar outcomes, `training.lab.<lab>.<outcome>`
    /// ([`crate::lab_outcome`]), each defined as the national outcome of
    /// that name restricted to the lab: in every run
    /// `largest_run_flop` (FLOP; 0 without a finished run),
    /// `releases_total`, `open_releases_total`, `best_effective_flop` (FLOP;
    /// 0 without a release), `spend_usd_total` (USD) and
    /// `share_lost_power_total` (0–1; 0 without accelerators), the lab's
    /// accelerators (`emit_lab_chips`); only where
    /// defined (absent otherwise, never a sentinel) `min_frontier_gap_months`
    /// (given a release the frontier path reaches) and, with a calendar,
    /// `year_reached_<T>_flop` for each compute threshold the lab's own
    /// finished runs reached (from [`Training::first_reached`]). The national
    /// largest run and best release are the labs' maxima, the national
    /// counts and spend their sums. The lab's gap at the horizon's end is
    /// the integrator's ([`Training::frontier_gap_months_by_lab`]).
    pub fn lab_summary_scalars(&self, emit: &mut dyn FnMut(&str, f64)) {
        let years: Vec<(String, Vec<Option<f64>>)> = match &self.cfg.calendar {
            Some(cal) => self
                .cfg
                .compute_thresholds_flop
                .iter()
                .map(|&flop| {
                    let by_lab = self.first_reached(flop);
                    let years = by_lab
                        .into_iter()
                        .map(|t| t.and_then(|t| cal.fractional_year(t)))
                        .collect();
                    (crate::compute_threshold_outcome(flop), years)
                })
                .collect(),
            None => Vec::new(),
        };
        for (li, lab) in self.labs.iter().enumerate() {
            let name = lab.cfg.name.as_str();
            let x = &lab.totals;
            let mut put = |national: &str, v: f64| emit(&crate::lab_outcome(name, national), v);
            put("training.largest_run_flop", x.largest_run_flop);
            put("training.releases_total", x.releases as f64);
            put("training.open_releases_total", x.open_releases as f64);
            put("training.best_effective_flop", x.best_effective_flop);
            put("training.spend_usd_total", x.spend_usd);
            emit_lab_chips(&mut put, &lab.chips);
            put(
                "training.share_lost_power_total",
                ratio(x.power.lost_flop, x.power.full_flop),
            );
            if let Some(g) = x.min_gap_months {
                put("training.min_frontier_gap_months", g);
            }
            for (outcome, by_lab) in &years {
                if let Some(year) = by_lab[li] {
                    put(outcome, year);
                }
            }
        }
    }
}

/// The accelerators of a lab, or of the labs (chips, whole numbers):
/// `training.accelerators_at_start` (its `initial_accelerators`, those
/// already a service life old at the start included),
/// `training.accelerators_delivered_total`,
/// `training.accelerators_awaiting_install_end` (delivered, in the install
/// delay at the end), `training.accelerators_installed_end` (in service at
/// the end) and `training.accelerators_retired_total` (after their service
/// life; those a life old at the start retired then, never installed):
/// `at start + delivered = awaiting + installed + retired`.
fn emit_lab_chips(emit: &mut dyn FnMut(&str, f64), c: &ChipCounts) {
    emit("training.accelerators_at_start", c.at_start as f64);
    emit("training.accelerators_delivered_total", c.delivered as f64);
    emit(
        "training.accelerators_awaiting_install_end",
        c.awaiting_install as f64,
    );
    emit("training.accelerators_installed_end", c.in_service as f64);
    emit("training.accelerators_retired_total", c.retired as f64);
}

/// The metrics that are computed the same way for a lab and for the nation.
fn emit_lab(emit: &mut dyn FnMut(&str, &str, f64), name: &str, f: &Flows, largest: f64, best_eff: f64) {
    let day = SECS_PER_DAY as f64;
    emit("training.largest_run_flop", name, largest);
    emit("training.frontier_effective_flop", name, best_eff);
    emit("training.releases_open", name, f.releases_open as f64);
    emit("training.releases_closed", name, f.releases_closed as f64);
    emit(
        "training.utilisation",
        name,
        ratio(f.used_peak_s, f.installed_peak_s),
    );
    emit(
        "training.share_lost_power",
        name,
        ratio(f.power_lost_flop, f.power_full_flop),
    );
    emit(
        "training.share_lost_budget",
        name,
        ratio(f.budget_lost_flop, f.power_full_flop),
    );
    emit(
        "training.share_lost_failures",
        name,
        ratio(f.lost_flop, f.integrated_flop),
    );
    emit(
        "training.goodput_share",
        name,
        ratio(f.integrated_flop - f.lost_flop, f.train_capacity_flop).clamp(0.0, 1.0),
    );
    emit(
        "training.inference_flop_s",
        name,
        ratio(f.inference_peak_s, f.span_s),
    );
    emit("training.energy_mwh", name, f.energy_mwh);
    emit("training.spend_usd", name, f.electricity_usd + f.chip_usd);
    emit("training.limited_power_days", name, f.limited_power_s / day);
    emit("training.limited_chips_days", name, f.limited_chips_s / day);
    emit("training.limited_budget_days", name, f.limited_budget_s / day);
    emit("training.limited_failures_days", name, f.limited_failures_s / day);
}
