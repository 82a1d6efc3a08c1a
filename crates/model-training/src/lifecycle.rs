//! The life of a training run: planning against the lab's target and its
//! cluster, keeping the finish and failure events in step with the rates,
//! failures and restarts, and the release that ends a run (with its
//! spillovers and inference adoption).

use crate::progress::capability_from_effective_flop;
use crate::release::{OpenBase, Release, is_open, months_behind_frontier};
use crate::run::{CompletedRun, Run, RunBound, after_secs, exp1, expected_goodput};
use crate::training::{Lab, Training};
use crate::{LabId, SECS_PER_MONTH, TrainingError, TrainingEvent, TrainingSignal};
use scheduler::math;
use scheduler::{
    Agenda, Dist, Duration, EventKey, SECS_PER_DAY, SECS_PER_HOUR, ScheduleError, SimTime, StreamRng,
};

/// Schedules `event` at `at`, moving the event behind `key` if it is live;
/// `at = None` cancels it.
fn set_event(
    agenda: &mut impl Agenda<TrainingEvent>,
    key: &mut Option<EventKey>,
    at: Option<SimTime>,
    event: TrainingEvent,
) -> Result<(), TrainingError> {
    let Some(at) = at else {
        if let Some(k) = key.take() {
            agenda.cancel(k);
        }
        return Ok(());
    };
    if let Some(k) = *key {
        match agenda.reschedule(k, at) {
            Ok(()) => return Ok(()),
            Err(ScheduleError::UnknownKey) => {}
            Err(e) => return Err(e.into()),
        }
    }
    *key = Some(agenda.schedule_at(at, event)?);
    Ok(())
}

/// What a lab can do in a planned duration, FLOP kept.
struct PlanCapacity {
    /// At the power share of the last day, after expected failure losses.
    capacity_flop: f64,
    /// The same without failure losses.
    capacity_no_failures_flop: f64,
    /// Every installed accelerator powered, after expected failure losses.
    full_capacity_flop: f64,
    /// Expected goodput with every installed accelerator training.
    full_goodput: f64,
    /// The lab's inference share, averaged over the run (it rises after
    /// each release on a known path).
    inference_share: f64,
    /// Whether the lab's cap on the chips of one run
    /// ([`crate::LabConfig::max_chips_per_run`]) holds the full capacity
    /// below what its training chips could do.
    cap_binds: bool,
}

/// A draw of months from `dist` (a release cadence or a pre-training
/// length), at least one day; not finite, an error naming `lab` and `what`.
fn draw_months(
    dist: &Dist,
    rng: &mut StreamRng,
    lab: &str,
    what: &'static str,
) -> Result<f64, TrainingError> {
    let m = dist.sample(rng);
    if !m.is_finite() {
        return Err(TrainingError::NotFinite {
            entity: lab.to_string(),
            what,
        });
    }
    Ok(m.max(SECS_PER_DAY as f64 / SECS_PER_MONTH as f64))
}

impl Training {
    /// The lab's capacity over `[now, due]` (`duration_s` long): its full
    /// training rate `F` (every installed accelerator powered, minus
    /// inference) integrated over the run, less what the cohorts due to
    /// retire within it will not do ([`Training::retiring_lost_s`]: seconds
    /// of the whole rate), less what the known rise of its inference share
    /// after its releases already out takes ([`Training::inference_rise_flop`];
    /// a release the run itself makes comes after its end), × the share of
    /// it the grid's power allowed on average over the last day (not the
    /// share of this instant, which depends on the hour; inference is served
    /// first, so the rise comes out of that share) × the expected goodput of
    /// its failure process ([`expected_goodput`]) on the chips it has now
    /// (fewer chips later fail less: the plan errs on the side of a run done
    /// early, which holds until due).
    fn plan_capacity(&self, li: usize, now: SimTime, duration_s: f64, due: SimTime) -> PlanCapacity {
        let lost_s = self.retiring_lost_s(li, now, due);
        let lab = &self.labs[li];
        let rate = &lab.rate;
        let share_now = if rate.train_full_eff_flop_s > 0.0 {
            (rate.train_eff_flop_s / rate.train_full_eff_flop_s).clamp(0.0, 1.0)
        } else {
            1.0
        };
        let power_share = lab.power_share.mean(now.0).unwrap_or(share_now).clamp(0.0, 1.0);
        let per_h = lab.cfg.chip_failure_rate_per_hour;
        // The run's chips: the training chips, at most the lab's cap.
        let cap = lab.cfg.max_chips_per_run.as_ref().map(|c| c.at(now));
        let run_chips = |chips: f64| cap.map_or(chips, |c| chips.min(c));
        let goodput = lab.goodput(run_chips(rate.train_full_chips * power_share) * per_h);
        let full_goodput = lab.goodput(run_chips(rate.train_full_chips) * per_h);
        // `duration_s − 0.0` is `duration_s` exactly, and the rise is 0.0
        // exactly while the share stays put: without a retirement in the
        // run and with no release out (or inference off) the plan is the
        // rate now × D.
        let in_service_s = (duration_s - lost_s).max(0.0);
        // The power share `p` was measured at the inference share of the
        // lab's rates over the last day, `s̄` (below the share of now, `s`,
        // while it rises: rates are recomputed at the lab's events): the
        // training rate that power leaves at `s` is `F × p` less what the
        // rise from `s̄` to `s` took of the connectable peak inference
        // serves (inference is served first). Exactly `F × p` while the
        // share stays put.
        let s_now = lab.adoption.share_at(now);
        let s_measured = lab.power_share_inference.mean(now.0).unwrap_or(s_now);
        let staleness = s_now - s_measured;
        let at_power = if staleness == 0.0 {
            rate.train_full_eff_flop_s * power_share
        } else {
            // Inference serves the connectable peak `C` of the installed
            // `I`: `F × p` less `MFU × (C − p × I) × (s − s̄)` (`C − p·I ≥ 0`,
            // as the powered peak is at most `C`).
            let (installed, connectable) = lab.sites.iter().fold((0.0, 0.0), |(i, c), &si| {
                let p = &self.sites[si].power;
                (i + p.installed_peak_flop_s, c + p.connectable_peak_flop_s)
            });
            (rate.train_full_eff_flop_s * power_share
                - lab.cfg.mfu * (connectable - power_share * installed).max(0.0) * staleness)
                .max(0.0)
        };
        let less_rise = |flop: f64, rate: f64| {
            let left = flop - self.inference_rise_flop(li, now, due, rate);
            // Below 1e-9 of the rate's work it is the rounding of a rise
            // that takes it all.
            if left > 1e-9 * flop { left } else { 0.0 }
        };
        let no_failures = less_rise(at_power * in_service_s, at_power);
        let full = less_rise(
            rate.train_full_eff_flop_s * in_service_s,
            rate.train_full_eff_flop_s,
        );
        let rise = lab.adoption.rise_taken(now, 0.0, duration_s, f64::INFINITY);
        let inference_share = s_now + if duration_s > 0.0 { rise / duration_s } else { 0.0 };
        // With a cap, the run does at most the capped chips' rate over the
        // whole duration: retirements and the inference rise take the
        // chips beyond the cap first, so they cut the run only once the
        // pool falls to the cap (the plan then errs on the side of a run
        // done late, made up by the monthly re-pacing).
        let (no_failures, full, cap_binds) = match cap {
            Some(c) if rate.train_full_chips > c => {
                let most = c * rate.train_full_eff_flop_s / rate.train_full_chips * duration_s;
                (no_failures.min(most), full.min(most), full > most)
            }
            _ => (no_failures, full, false),
        };
        PlanCapacity {
            capacity_flop: no_failures * goodput,
            capacity_no_failures_flop: no_failures,
            full_capacity_flop: full * full_goodput,
            full_goodput,
            inference_share,
            cap_binds,
        }
    }
}

impl Lab {
    /// The expected goodput ([`expected_goodput`]) of a training cluster
    /// failing `failures_per_h` times an hour, with the lab's checkpoint
    /// interval and restart time.
    fn goodput(&self, failures_per_h: f64) -> f64 {
        let restart_h = self
            .restart
            .map_or(0.0, |d| d.as_secs_f64() / SECS_PER_HOUR as f64);
        expected_goodput(
            failures_per_h,
            self.checkpoint_s as f64 / SECS_PER_HOUR as f64,
            restart_h,
        )
    }
}

/// `Budget` in place of the planned `bound` where the lab's budget is what
/// is short: power is short while the budget caps the lab's draw (the grid
/// may serve more than the lab can pay for), or chips are short and the
/// lab, its orders filled, has no money left for chips (its yearly budget
/// is at most 12 × (last month's electricity bill + its debt)): even with
/// no price of chips known, more money is what would buy them. Any other
/// bound is kept.
fn budget_bound(lab: &Lab, bound: RunBound, now: SimTime) -> RunBound {
    let chip_money =
        lab.cfg.budget_usd_per_year.at(now) - 12.0 * (lab.last_month_electricity_usd + lab.debt_usd);
    match bound {
        RunBound::Power if lab.budget_share < 1.0 => RunBound::Budget,
        RunBound::Chips if chip_money <= 0.0 && lab.orders.filled() => RunBound::Budget,
        bound => bound,
    }
}

impl Training {
    /// The open base a run of lab `li` starting at `now` builds on, with its
    /// index in `self.releases`: among the open releases released at least
    /// the lab's `spillover_delay_months` before `now` whose lineage does
    /// not hold the lab (the release's lab, its base's lab, that base's
    /// base's lab, …: so neither its own releases nor any built, directly
    /// or through other labs, on one of them), the one with the most
    /// effective FLOP (the earliest of equals), with what the run inherits
    /// from it (`open_base_share` × its effective FLOP). `None` with a share
    /// of 0 or no such release. See docs/model/model-training.md,
    /// "Building on open weights".
    fn open_base(&self, li: usize, now: SimTime) -> Option<(usize, OpenBase)> {
        let cfg = &self.labs[li].cfg;
        let share = cfg.open_base_share;
        if share <= 0.0 {
            return None;
        }
        let delay = Duration::from_secs_f64(cfg.spillover_delay_months * SECS_PER_MONTH as f64)?;
        let lab = li as u32;
        let available = |(_, (r, lineage)): &(usize, (&Release, &Vec<u32>))| {
            r.open
                && r.at.checked_add(delay).is_some_and(|at| at <= now)
                && lineage.binary_search(&lab).is_err()
        };
        let (index, (best, _)) = self
            .releases
            .iter()
            .zip(&self.lineages)
            .enumerate()
            .filter(available)
            .reduce(|best, c| {
                if c.1.0.effective_flop > best.1.0.effective_flop {
                    c
                } else {
                    best
                }
            })?;
        Some((
            index,
            OpenBase {
                lab: best.lab,
                number: best.number,
                base_effective_flop: best.effective_flop,
                inherited_effective_flop: share * best.effective_flop,
            },
        ))
    }

    /// Plans the lab's next run and starts it if the cluster can do it.
    pub(crate) fn try_start_run(
        &mut self,
        li: usize,
        now: SimTime,
        signals: &mut Vec<TrainingSignal>,
    ) -> Result<(), TrainingError> {
        let lab = &mut self.labs[li];
        let months = match lab.pending_cadence_months {
            Some(m) => m,
            None => {
                // The run's length: a pre-training length draw where the
                // lab has one, else a release-cadence draw.
                let (dist, rng, what) = match (&lab.cfg.pretraining_months, lab.pretraining_rng.as_mut()) {
                    (Some(d), Some(r)) => (d, r, "pre-training length draw"),
                    _ => (
                        &lab.cfg.release_cadence_months,
                        &mut lab.cadence_rng,
                        "release cadence draw",
                    ),
                };
                draw_months(dist, rng, &lab.cfg.name, what)?
            }
        };
        lab.pending_cadence_months = Some(months);
        let duration_s =
            (months * SECS_PER_MONTH as f64).min(lab.cfg.max_run_duration_days * SECS_PER_DAY as f64);
        let target =
            lab.cfg.initial_target_run_flop * math::powf(lab.cfg.compute_growth_per_year, now.as_years());
        let due = after_secs(now, duration_s).unwrap_or(SimTime(u64::MAX));
        let plan = self.plan_capacity(li, now, duration_s, due);
        let base = self.open_base(li, now);
        let lab = &mut self.labs[li];
        let capacity = plan.capacity_flop;
        let bound = if capacity >= target {
            RunBound::Target
        } else if plan.capacity_no_failures_flop >= target {
            RunBound::Failures
        } else if plan.full_capacity_flop >= target {
            RunBound::Power
        } else if plan.cap_binds {
            // More chips would not make the run larger: the lab has more
            // than one run can use.
            RunBound::Cluster
        } else {
            // Missing peak FLOP/s at full power (after inference and the
            // expected failure losses), priced at the last delivery, against
            // what the lab has already paid for or ordered and not yet
            // installed: its open orders (at most this month's, if they are
            // being filled) and the chips delivered in the install delay.
            // Money is short if the lab's orders are being filled (its book
            // shows nothing unfilled but this month's order: the supplier
            // had the units) and that would not buy the missing chips: the
            // lab spends a twelfth of its yearly budget a month, so it waits
            // for money, not for a supplier. With earlier orders still open,
            // or written off because nothing can be supplied, more money
            // buys no chips sooner; with what it paid for covering the
            // missing chips it waits for them to arrive; with no price known
            // (nothing delivered) it waits for chips. Until the seventeenth
            // session the test was against a year of the chip budget, so a
            // lab whose supplier had unsold chips read `Chips` whenever the
            // missing ones cost less than a year of budget (audit s17-chips,
            // finding 1).
            let per_peak = duration_s * lab.cfg.mfu * (1.0 - plan.inference_share) * plan.full_goodput;
            let missing = if per_peak > 0.0 {
                (target - plan.full_capacity_flop) / per_peak
            } else {
                f64::INFINITY
            };
            let coming_usd = lab.orders.open_usd().max(0.0) + lab.awaiting_install_usd;
            match lab.usd_per_peak_flop_s {
                Some(price) if missing * price > coming_usd && lab.orders.filled() => RunBound::Budget,
                _ => RunBound::Chips,
            }
        };
        // The smallest run worth doing: `min_run_share_of_target` of the
        // target or, if smaller, of the lab's last run scaled to this
        // duration (its planned FLOP/s × D), so that a target that outruns a
        // cluster that stopped growing does not stop the lab; and a lab that
        // has waited as long as its cadence runs what it can (see
        // docs/model/model-training.md, "Planning").
        let reference = lab.last_run_flop_s.map_or(target, |r| target.min(r * duration_s));
        let waited_cadence = lab
            .waiting_since
            .is_some_and(|w| now.saturating_since(w).as_secs_f64() >= months * SECS_PER_MONTH as f64);
        let bound = budget_bound(lab, bound, now);
        let planned = if capacity >= target {
            Some(target)
        } else if lab.cfg.allow_smaller_runs
            && capacity > 0.0
            && (capacity >= lab.cfg.min_run_share_of_target * reference || waited_cadence)
        {
            Some(capacity)
        } else {
            None
        };
        let Some(planned) = planned else {
            lab.wait_bound = bound;
            lab.waiting_since.get_or_insert(now);
            return Ok(());
        };
        // `exp1` draws what `Dist::Exp { mean: 1.0 }` draws; through the
        // lab's draws taken ahead, as every failure draw.
        let rng = &mut lab.failure_rng;
        let hazard = lab.hazards.take(&mut || exp1(rng));
        // `due` (above) is never beyond the clock: a due time past it holds
        // the release to the end of time, as a run that never finishes.
        let mut run = Run::new(lab.next_run, now, due, target, planned, bound, hazard);
        run.base = base;
        run.waited_s = lab
            .waiting_since
            .take()
            .map_or(0.0, |w| now.saturating_since(w).as_secs_f64());
        lab.next_run += 1;
        lab.pending_cadence_months = None;
        lab.last_run_flop_s = Some(planned / duration_s);
        lab.run = Some(run);
        signals.push(TrainingSignal::RunStarted {
            lab: LabId(li as u32),
            planned_flop: planned,
            bound,
        });
        Ok(())
    }

    /// The pace of `run` (lab `li`) set at `now` (see
    /// [`Training::schedule_run_events`]), FLOP/s at MFU; `∞` (the
    /// whole rate) for a smaller run, at or past `due`, or with no rate.
    /// The rate the lab will have until `due` is the rate now less the
    /// cohorts due to retire (pacing on it front-loads the work so that a
    /// run planned with them ends by `due`) and less what the rising
    /// inference share takes: inference is served first, so the rise takes
    /// the spare rate first and the run's only where the rate left falls
    /// below the pace (`I(φ)`, [`Training::inference_rise_flop`] at the
    /// whole rate less at the spare rate): the pace solves
    /// `φ · g(φ) · avail × (due − from − L) = P − W + g(φ) · I(φ)`.
    fn pace_flop_s(&self, li: usize, now: SimTime, run: &Run) -> f64 {
        let lab = &self.labs[li];
        let full = lab.rate.train_eff_flop_s;
        let cap_share = lab.rate.cap_share;
        // The rate one run can use: the training rate, or the capped chips'.
        let avail = full * cap_share;
        let from = run.restarting_until.map_or(now, |u| u.max(now));
        let left_s = run.due.saturating_since(from).as_secs_f64();
        let in_service_s = left_s - self.retiring_lost_s(li, from, run.due);
        if !(in_service_s > 0.0 && avail > 0.0) || run.trains_to_due() {
            return f64::INFINITY;
        }
        let whole = in_service_s * avail;
        let need = run.remaining_flop() / whole;
        // What the rise takes from a run at φ of the rate, as a share of
        // the rate's work (exactly 0 while the share stays put).
        let rise = self.inference_rise_flop(li, from, run.due, full);
        let taken = |share: f64| {
            if rise == 0.0 {
                0.0
            } else {
                // The spare rate: the training rate less the run's.
                let spare = if cap_share < 1.0 {
                    full - share * avail
                } else {
                    avail * (1.0 - share)
                };
                (rise - self.inference_rise_flop(li, from, run.due, spare)) / whole
            }
        };
        let per_h = lab.cfg.chip_failure_rate_per_hour * lab.rate.train_chips * cap_share;
        // φ ← need / g(φ) + taken(φ), from φ = 1: g falls and what the
        // rise takes grows with φ, so the sequence falls to the fixed
        // point; a few steps are plenty for a pace set again every month
        // (four sufficed without the rise).
        let steps = if rise == 0.0 { 4 } else { 8 };
        let mut share = 1.0f64;
        for _ in 0..steps {
            share = (need / lab.goodput(share * per_h).max(1e-12) + taken(share)).min(1.0);
        }
        if share < 1.0 { share * avail } else { f64::INFINITY }
    }

    /// Paces the run and moves its finish event to match the current rates.
    ///
    /// Pacing: when a run of the lab's target (one the cluster could do
    /// within its duration) is (re)paced — at its start, at each monthly
    /// tick — with `W` of its `P` FLOP kept,
    /// its pace is the rate `p = φ × r_avail` expected to keep the rest by
    /// `due`: `φ · g(φ) = (P − W + g(φ) · I(φ)) / ((due − from − L) ×
    /// r_avail)`, `φ` capped at 1 ([`Training::pace_flop_s`]; `I(φ)` what
    /// the rising inference share takes from the run), with `L` the seconds of the whole rate the batches due to retire
    /// before `due` will miss ([`Training::retiring_lost_s`]; 0 without one),
    /// `r_avail` the lab's training rate, `g(φ)` the expected
    /// goodput ([`expected_goodput`]) of `φ` × its training chips and `from`
    /// now or the end of the restart in progress. Between re-pacings the run
    /// trains at `min(p, r_avail)` on the same share of the training chips,
    /// so inputs that change nothing (power served again at the same level)
    /// change nothing. A smaller run (planned below the target: all the
    /// cluster can do in its duration), and any run from `due` on, has no
    /// pace (`p = ∞`, the whole rate). The finish event goes to `from +
    /// (P − W) / rate`: before `due` if failures were fewer than expected,
    /// and the run then holds ([`Run::done_at`], rate 0) until `due`. A
    /// smaller run trains on at the whole rate until `due` even once it has
    /// kept `P` ([`Run::trains_to_due`]): its event goes to
    /// `max(due, from + (P − W) / rate)`, or to the instant it reaches the
    /// lab's target if that is before `due` (it then holds); a
    /// paced run with work left at `due` (more failures than expected, or
    /// a rate cut below the pace since the last re-pacing) has its event at
    /// `due`, where its pace ends. With a rate of 0 and work left (paused)
    /// it is cancelled. Failures between now and then are walked when the
    /// lab is next brought up to date; a finish event that finds the run
    /// set back by one is placed again. So the rate changes only at the
    /// lab's events that change its inputs, its monthly tick and the run's
    /// own finish event, never with how often the lab is brought up to
    /// date. Rounding to the second changes the run's FLOP by less than
    /// half a second of work.
    pub(crate) fn schedule_run_events(
        &mut self,
        li: usize,
        now: SimTime,
        agenda: &mut impl Agenda<TrainingEvent>,
    ) -> Result<(), TrainingError> {
        // The pace, set again only when the run is re-paced.
        let pace = match self.labs[li].run.as_ref() {
            Some(run) if run.repace || now >= run.due => Some(self.pace_flop_s(li, now, run)),
            _ => None,
        };
        let lab = &mut self.labs[li];
        let id = LabId(li as u32);
        let Some(run) = lab.run.as_mut() else {
            lab.rate.run_share = 1.0;
            return Ok(());
        };
        let avail = lab.rate.train_eff_flop_s;
        let from = run.restarting_until.map_or(now, |u| u.max(now));
        let remaining = run.remaining_flop();
        if let Some(pace) = pace {
            run.repace = false;
            run.pace_flop_s = pace;
        }
        // At most the share of the training chips one run can use.
        let cap_share = lab.rate.cap_share;
        let share = if run.done_at.is_some() {
            0.0
        } else if avail * cap_share > run.pace_flop_s {
            run.pace_flop_s / avail
        } else {
            cap_share
        };
        lab.rate.run_share = share;
        let rate = avail * share;
        let finish_at = if run.done_at.is_some() {
            Some(from.max(run.due))
        } else if run.trains_to_due() {
            // A smaller run trains on the whole rate until `due`: its event
            // comes when it reaches the lab's target if that is before
            // `due` (it then holds), otherwise at `due` if it has kept its
            // plan by then, or when it does.
            let at_rate = |flop: f64| (rate > 0.0).then(|| after_secs(from, flop / rate)).flatten();
            let to_target = (run.target_flop - run.work_flop).max(0.0);
            match at_rate(to_target) {
                Some(t) if now < run.due && t < run.due => Some(t),
                _ if remaining <= 0.0 => Some(now.max(run.due)),
                _ => at_rate(remaining).map(|t| t.max(run.due)),
            }
        } else {
            // A run that has kept its plan finishes now (it then holds
            // until `due`), even at a rate of 0: its chips may all have
            // retired at this very tick, when a pace that planned for their
            // retirement has it done.
            let done = if remaining <= 0.0 {
                Some(from)
            } else {
                (rate > 0.0).then(|| after_secs(from, remaining / rate)).flatten()
            };
            if run.pace_flop_s.is_finite() && rate > 0.0 && done.is_none_or(|t| t > run.due) {
                // The pace ends at `due`: the event comes then, whatever
                // else happens, to go on at the whole rate.
                Some(run.due)
            } else {
                done
            }
        };
        run.failures_at_finish_plan = run.failures;
        let r = run.id;
        set_event(
            agenda,
            &mut run.finish_key,
            finish_at,
            TrainingEvent::RunFinish { lab: id, run: r },
        )
    }

    pub(crate) fn finish_run(
        &mut self,
        li: usize,
        run_id: u64,
        now: SimTime,
        agenda: &mut impl Agenda<TrainingEvent>,
        signals: &mut Vec<TrainingSignal>,
    ) -> Result<(), TrainingError> {
        self.advance_lab(li, now);
        let lab = &mut self.labs[li];
        let Some(run) = lab.run.as_mut().filter(|r| r.id == run_id) else {
            return Ok(());
        };
        // A smaller run that has kept its plan by `due` is released then,
        // even if a failure just set it back to a checkpoint above the plan.
        let kept_when_due = run.trains_to_due() && now >= run.due && run.remaining_flop() <= 0.0;
        if !kept_when_due && (run.is_restarting() || run.failures != run.failures_at_finish_plan) {
            // Failures since the event was placed set the run back: place
            // it again (at the same pace: the monthly re-pacing makes the
            // loss up, so that the pace does not depend on how often the
            // lab is brought up to date).
            run.finish_key = None;
            return self.recompute_lab(li, now, agenda, signals);
        }
        if now < run.due {
            // The work is done ahead of time (a smaller run: it reached the
            // lab's target): hold the model until it is due. A smaller run
            // that reached the target (chips delivered mid-run) was bound
            // by nothing in the end: the lab's own target set its size, so
            // it is relabelled `Target` (its held days then go to no
            // constraint; audit s18-training, finding 3).
            if run.trains_to_due() {
                run.bound = RunBound::Target;
            }
            run.done_at = Some(now);
            run.finish_key = None;
            return self.recompute_lab(li, now, agenda, signals);
        }
        if run.pace_flop_s.is_finite() {
            // Due: the pace ends, the rest (if any) goes at the whole rate.
            run.pace_flop_s = f64::INFINITY;
            run.finish_key = None;
            return self.recompute_lab(li, now, agenda, signals);
        }
        let Some(run) = lab.run.take() else {
            return Ok(());
        };
        let id = LabId(li as u32);
        let record = CompletedRun {
            lab: id,
            run: run.id,
            start: run.started,
            end: now,
            duration_days: now.saturating_since(run.started).as_days(),
            waited_days: run.waited_s / SECS_PER_DAY as f64,
            held_days: run.done_at.map_or(0.0, |d| now.saturating_since(d).as_days()),
            target_flop: run.target_flop,
            planned_flop: run.planned_flop,
            physical_flop: run.work_flop,
            integrated_flop: run.integrated_flop,
            lost_flop: run.lost_flop,
            failures: run.failures,
            energy_mwh: run.energy_mwh,
            cost_usd: run.electricity_usd + run.depreciation_usd,
            electricity_usd: run.electricity_usd,
            // Planned below the target and released with it (reached
            // exactly at `due`): bound by nothing, as above.
            bound: if run.trains_to_due() && run.work_flop >= run.target_flop {
                RunBound::Target
            } else {
                run.bound
            },
            limited_power_days: run.power_limited_s / SECS_PER_DAY as f64,
            restart_days: run.restart_down_s / SECS_PER_DAY as f64,
            limited_failures_days: run.failures_limited_s / SECS_PER_DAY as f64,
        };
        let (physical, base) = (run.work_flop, run.base);
        if physical <= 0.0 {
            // Nothing was kept (failures set every piece back to a
            // checkpoint at zero): there is no model to release. The run
            // is booked, its energy, cost and failures with it, and the
            // lab plans its next one.
            let calendar = self.cfg.calendar.as_ref();
            self.labs[li].totals.record_run(&record, calendar);
            self.runs.push(record);
            return self.recompute_lab(li, now, agenda, signals);
        }
        self.release_model(li, now, physical, base, Some(record), agenda, signals)?;
        if self.labs[li].cfg.pretraining_months.is_some() {
            // A new base: the post-trained releases from now on carry it,
            // the first a cadence draw after this release.
            self.labs[li].latest_base = Some(crate::training::LatestBase {
                physical_flop: physical,
                base,
            });
            self.schedule_post_release(li, now, agenda)?;
        }
        self.recompute_lab(li, now, agenda, signals)
    }

    /// Schedules lab `li`'s next post-trained release a release-cadence
    /// draw after `now` (its last release), moving the one pending.
    fn schedule_post_release(
        &mut self,
        li: usize,
        now: SimTime,
        agenda: &mut impl Agenda<TrainingEvent>,
    ) -> Result<(), TrainingError> {
        let lab = &mut self.labs[li];
        let months = draw_months(
            &lab.cfg.release_cadence_months,
            &mut lab.cadence_rng,
            &lab.cfg.name,
            "release cadence draw",
        )?;
        let mut key = lab.post_release.take().map(|(_, k)| k);
        let at = after_secs(now, months * SECS_PER_MONTH as f64);
        let ev = TrainingEvent::PostTrainedRelease {
            lab: LabId(li as u32),
        };
        set_event(agenda, &mut key, at, ev)?;
        lab.post_release = at.zip(key);
        Ok(())
    }

    /// Lab `li`'s post-trained release due at `now`: a release of its
    /// latest base at its efficiency of today (the base's physical FLOP ×
    /// the lab's multiplier now, plus what the base inherited from its open
    /// base), counted as a release (open by the lab's quota, adopted for
    /// inference, spilling over) but not as a run. None while the lab has
    /// no base, nor from the due time of its pre-training run in progress
    /// on (the new base's release takes its place and schedules the next),
    /// nor while the lab has no accelerators to post-train on (none
    /// installed beyond what serves inference): the release is skipped and
    /// the next is due a cadence draw later, so a lab whose chips have all
    /// retired stops improving instead of re-releasing its last base at
    /// its algorithms of the day (audit s34, finding 1).
    /// See docs/model/model-training.md, "Pre-training and releases".
    pub(crate) fn post_trained_release(
        &mut self,
        li: usize,
        now: SimTime,
        agenda: &mut impl Agenda<TrainingEvent>,
        signals: &mut Vec<TrainingSignal>,
    ) -> Result<(), TrainingError> {
        let lab = &mut self.labs[li];
        if lab.post_release.map(|(t, _)| t) != Some(now) {
            return Ok(());
        }
        lab.post_release = None;
        let Some(base) = lab.latest_base else {
            return Ok(());
        };
        if lab.run.as_ref().is_some_and(|r| now >= r.due) {
            return Ok(());
        }
        self.advance_lab(li, now);
        if self.labs[li].rate.train_full_chips <= 0.0 {
            return self.schedule_post_release(li, now, agenda);
        }
        self.release_model(li, now, base.physical_flop, base.base, None, agenda, signals)?;
        self.schedule_post_release(li, now, agenda)?;
        self.recompute_lab(li, now, agenda, signals)
    }

    /// Releases lab `li`'s model of `physical` FLOP built on `base` at
    /// `now`, with the record of the run that trained it (`None`: a
    /// post-trained release of an earlier base), and books it.
    #[allow(clippy::too_many_arguments)]
    fn release_model(
        &mut self,
        li: usize,
        now: SimTime,
        physical: f64,
        base: Option<(usize, OpenBase)>,
        record: Option<CompletedRun>,
        agenda: &mut impl Agenda<TrainingEvent>,
        signals: &mut Vec<TrainingSignal>,
    ) -> Result<(), TrainingError> {
        let id = LabId(li as u32);
        let lab = &mut self.labs[li];
        // Release.
        let number = lab.releases;
        let open = is_open(number, lab.cfg.open_share);
        lab.releases += 1;
        lab.last_release = Some(now);
        let log2 = lab.eff.log2_at(now);
        // Own compute at the lab's algorithms, plus what the run inherited
        // from its open base (nothing added without one: the sum is then
        // exactly the product of before).
        let effective_flop = match base {
            Some((_, b)) => physical * math::exp2(log2) + b.inherited_effective_flop,
            None => physical * math::exp2(log2),
        };
        let capability =
            capability_from_effective_flop(effective_flop).ok_or_else(|| TrainingError::NotFinite {
                entity: lab.cfg.name.clone(),
                what: "effective FLOP",
            })?;
        let frontier_gap_months = self
            .cfg
            .frontier_log10_effective_flop
            .as_ref()
            .and_then(|p| months_behind_frontier(p, now, capability));
        let release = Release {
            lab: id,
            number,
            at: now,
            open,
            physical_flop: physical,
            effective_flop,
            capability,
            frontier_gap_months,
            base: base.map(|(_, b)| b),
        };
        match &record {
            Some(record) => lab.totals.record(record, &release, self.cfg.calendar.as_ref()),
            None => lab.totals.record_release(&release),
        }
        if open {
            lab.flows.releases_open += 1;
        } else {
            lab.flows.releases_closed += 1;
        }
        let inf = &self.cfg.inference;
        let speedup = if open { inf.open_adoption_speedup } else { 1.0 };
        lab.adoption
            .on_release(now, inf.max_share_of_chips, inf.adoption_time_months, speedup);
        if self.cfg.spillovers_enabled {
            let factor = if open {
                1.0
            } else {
                self.cfg.closed_release_spillover_share
            };
            for (j, other) in self.labs.iter().enumerate().filter(|(j, _)| *j != li) {
                let share = other.cfg.spillover_catch_up_share * factor;
                let delay = Duration::from_secs_f64(other.cfg.spillover_delay_months * SECS_PER_MONTH as f64);
                if share > 0.0
                    && let Some(at) = delay.and_then(|d| now.checked_add(d))
                {
                    let ev = TrainingEvent::Spillover {
                        to: LabId(j as u32),
                        from: id,
                        releaser_log2_multiplier: log2,
                        share,
                    };
                    agenda.schedule_at(at, ev)?;
                }
            }
        }
        if let Some(record) = record {
            self.runs.push(record);
        }
        // Its lineage: its lab and its base's lineage.
        let mut lineage = base.map_or_else(Vec::new, |(i, _)| self.lineages[i].clone());
        if let Err(at) = lineage.binary_search(&id.0) {
            lineage.insert(at, id.0);
        }
        self.releases.push(release.clone());
        self.lineages.push(lineage);
        signals.push(TrainingSignal::Released(release));
        Ok(())
    }
}
