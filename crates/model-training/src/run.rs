//! Training runs: progress as the integral of FLOP/s at MFU, checkpoints,
//! hardware failures as a Poisson process, and the record of a finished run.
//!
//! Between two events the run's rate `r` (FLOP/s at MFU) and the
//! cluster's failure rate `λ` (failures per second) are constant, so the run
//! advances exactly: work += r·Δt; accumulated hazard += λ·Δt. A failure
//! happens when the accumulated hazard reaches an Exp(1) draw, which is
//! exact for a Poisson process whose rate changes at known instants.
//! Checkpoints are taken every `checkpoint interval` of wall-clock time since
//! the run (re)started, evaluated lazily: the last checkpoint before `t` and
//! the work at that instant follow from the constant rate of the piece.
//!
//! Failures and restarts are not scheduler events: between two events of the
//! lab the rates are constant, so [`Run::run_until`] walks the failures that
//! fall in the interval one by one (each at `now + hazard left / λ`, rounded
//! to the second, as an event would be), loses the work since the last
//! checkpoint, draws the next hazard, and counts the restart downtime. The
//! draws, their order and the failure instants are those of a failure event
//! per failure; what changes is that a failure no longer costs two events
//! (failure, restart done), which large clusters produce every few minutes.

use crate::LabId;
use rand_distr::Distribution;
use scheduler::math;
use scheduler::{Duration, EventKey, SimTime, StreamRng};

/// `now + secs` to the nearest second, or `None` if it is beyond the clock
/// (never).
pub(crate) fn after_secs(now: SimTime, secs: f64) -> Option<SimTime> {
    now.0
        .checked_add(Duration::from_secs_f64(secs)?.secs())
        .map(SimTime)
}

/// Seconds as a float, exactly `s as f64`: through `i64` below 2^63, one
/// instruction on x86-64 instead of the unsigned conversion's branches.
#[inline]
fn secs_f64(s: u64) -> f64 {
    if s < 1 << 63 { s as i64 as f64 } else { s as f64 }
}

/// The offset, whole seconds, of a failure whose hazard lasts `q` seconds at
/// the current λ, if it is at most `span`: `Duration::from_secs_f64(q)`
/// (rounded half away from zero; `None` if negative, NaN or too large)
/// compared with `span`, exactly.
///
/// Below 2^51 s it rounds with one addition instead of the conversion's
/// range checks: `q + 2^52` rounds `q` to the nearest integer (ties to
/// even) and holds it in its low bits; a tie rounded down is put up.
#[inline(always)]
fn failure_offset(q: f64, span: u64) -> Option<u64> {
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    if (0.0..TWO_52 / 2.0).contains(&q) {
        let big = q + TWO_52;
        // Exact: both below 2^52, at most 1/2 apart.
        let tie_down = q - (big - TWO_52) == 0.5;
        let d = big.to_bits() - TWO_52.to_bits() + u64::from(tie_down);
        (d <= span).then_some(d)
    } else {
        Duration::from_secs_f64(q)
            .map(Duration::secs)
            .filter(|&d| d <= span)
    }
}

/// An Exp(1) draw from `rng`: the same number as
/// `Dist::Exp { mean: 1.0 }.sample(rng)` (which multiplies this draw by
/// `1 / (1 / 1.0)`, exactly 1), without the distribution's dispatch, its
/// division and two calls that were not inlined (`Dist::sample`,
/// `Rng::sample`): inlined into the failure walk, which draws one per
/// failure, it also spares the walk spilling its state around a call on
/// the common path. A test compares the two draws bit for bit.
#[inline(always)]
pub(crate) fn exp1(rng: &mut StreamRng) -> f64 {
    Distribution::<f64>::sample(&scheduler::dist::Exp1, rng)
}

/// The state of a [`Run`] that the failure walk changes, held in locals
/// while [`Run::run_until`] walks an interval.
struct Walk {
    work: f64,
    integrated: f64,
    hazard: f64,
    ckpt_work: f64,
    seg: u64,
    lost: f64,
    failures: u64,
    down: f64,
    restarting_until: Option<u64>,
}

impl Walk {
    /// [`Run::advance`] for a run that is up (not restarting), on raw
    /// seconds: the same floating-point operations in the same order.
    #[inline(always)]
    fn advance_up(&mut self, t0: u64, t1: u64, rate: f64, lambda_per_s: f64, ckpt: u64) {
        let dt = secs_f64(t1.saturating_sub(t0));
        if dt <= 0.0 {
            return;
        }
        let seg = self.seg;
        // Failures come every few minutes, checkpoints every hour or so:
        // most pieces end before the segment's first checkpoint, and the
        // test spares a 64-bit division (tens of cycles) per failure.
        let since = t1.saturating_sub(seg);
        let k = if since < ckpt { 0 } else { since / ckpt };
        let last_ckpt = seg + k * ckpt;
        if k > 0 && last_ckpt > t0 {
            self.ckpt_work = self.work + rate * secs_f64(last_ckpt - t0);
        }
        self.work += rate * dt;
        self.integrated += rate * dt;
        self.hazard = (self.hazard - lambda_per_s * dt).max(0.0);
    }

    /// The checkpoint part of [`Walk::advance_up`] over `(t0, t1]`, with
    /// `t1 > t0`.
    #[inline(always)]
    fn take_checkpoint(&mut self, t0: u64, t1: u64, rate: f64, ckpt: u64) {
        let since = t1.saturating_sub(self.seg);
        let k = since / ckpt;
        let last_ckpt = self.seg + k * ckpt;
        if k > 0 && last_ckpt > t0 {
            self.ckpt_work = self.work + rate * secs_f64(last_ckpt - t0);
        }
    }

    /// A restart that ends at `until`: the run is down from `t` to
    /// `min(until, t1)` and, if the restart ends by `t1`, resumes then.
    /// Returns where the interval now stands.
    #[inline(always)]
    fn restart_step(&mut self, t: u64, until: u64, t1: u64) -> u64 {
        let end = until.min(t1);
        self.down += secs_f64(end.saturating_sub(t));
        if until <= t1 {
            self.resume(until);
        }
        end
    }

    /// [`Run::resume`] on the walk's locals.
    #[inline(always)]
    fn resume(&mut self, now: u64) {
        self.restarting_until = None;
        self.seg = now;
        self.ckpt_work = self.work;
    }
}

/// How many Exp(1) hazards a lab draws at a time from its failure stream
/// (see [`Hazards`]).
pub(crate) const HAZARDS_AHEAD: usize = 256;

/// A lab's hazard draws taken ahead, used in the order they were drawn: the
/// same numbers, in the same order, as drawing each when it is needed, as
/// long as every draw from the stream goes through here.
#[derive(Clone, Debug)]
pub(crate) struct Hazards {
    buf: [f64; HAZARDS_AHEAD],
    /// The next draw to use; `HAZARDS_AHEAD` when all are used.
    next: usize,
}

impl Hazards {
    /// No draws taken yet.
    pub fn new() -> Hazards {
        Hazards {
            buf: [0.0; HAZARDS_AHEAD],
            next: HAZARDS_AHEAD,
        }
    }

    /// Takes the next `HAZARDS_AHEAD` draws.
    #[inline(never)]
    fn refill(&mut self, draw: &mut impl FnMut() -> f64) {
        for x in &mut self.buf {
            *x = draw();
        }
        self.next = 0;
    }

    /// The next hazard.
    pub fn take(&mut self, draw: &mut impl FnMut() -> f64) -> f64 {
        if self.next >= HAZARDS_AHEAD {
            self.refill(draw);
        }
        let x = self.buf[self.next];
        self.next += 1;
        x
    }
}

/// A lab's failure process while its rates are constant.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FailureProcess {
    /// Cluster failure rate λ, failures per second of running time.
    pub lambda_per_s: f64,
    /// Checkpoint interval, s (≥ 1).
    pub checkpoint_s: u64,
    /// Restart overhead after a failure; `None` resumes at once.
    pub restart: Option<Duration>,
    /// The most failures walked in one interval before giving up
    /// ([`crate::MAX_FAILURES_PER_INTERVAL`]; smaller in tests).
    pub max_failures: u64,
}

/// What [`Run::run_until`] did over one interval.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Progress {
    /// Seconds the run was up (computing, able to fail).
    pub up_s: f64,
    /// FLOP lost to the failures of the interval.
    pub lost_flop: f64,
    /// Whether the walk stopped at [`FailureProcess::max_failures`]
    /// failures, short of the interval's end.
    pub gave_up: bool,
}

/// What capped a run below the lab's target (its *bound*), decided when the
/// run is planned (see `docs/model/model-training.md`, "What bound a run").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RunBound {
    /// Nothing: the run is the lab's target size.
    Target,
    /// Power: with every installed accelerator powered, the target would fit.
    Power,
    /// Chips: even fully powered, the installed accelerators fall short, and
    /// either what the lab paid for or ordered would buy the missing ones
    /// (they have not arrived) or its earlier orders are still unfilled or
    /// were written off as unsuppliable (more money would not bring chips
    /// sooner), or no price is known yet.
    Chips,
    /// Budget: even fully powered, the installed accelerators fall short,
    /// the lab's orders are being filled, and the missing accelerators cost
    /// more than what it has paid for or ordered and not yet installed.
    Budget,
    /// Failures: at the power the lab has, the target would fit in the
    /// planned duration without the work expected to be lost to hardware
    /// failures and restarts ([`expected_goodput`]).
    Failures,
    /// Cluster: even fully powered, the run falls short of the target
    /// because the lab has more training chips than one run can use
    /// ([`crate::LabConfig::max_chips_per_run`]): more chips would not
    /// make it larger.
    Cluster,
}

impl RunBound {
    /// A numeric code for tables: 0 target, 1 power, 2 chips, 3 budget, 4
    /// failures, 5 cluster.
    pub fn code(self) -> f64 {
        match self {
            RunBound::Target => 0.0,
            RunBound::Power => 1.0,
            RunBound::Chips => 2.0,
            RunBound::Budget => 3.0,
            RunBound::Failures => 4.0,
            RunBound::Cluster => 5.0,
        }
    }
    /// A lower-case name: `target`, `power`, `chips`, `budget`, `failures`,
    /// `cluster`.
    pub fn name(self) -> &'static str {
        match self {
            RunBound::Target => "target",
            RunBound::Power => "power",
            RunBound::Chips => "chips",
            RunBound::Budget => "budget",
            RunBound::Failures => "failures",
            RunBound::Cluster => "cluster",
        }
    }
}

/// The long-run share of a run's up-and-restarting time that ends as kept
/// work, for a cluster failing at `lambda_per_h` failures per hour (> 0
/// while it runs), checkpointing every `checkpoint_h` hours of wall-clock
/// time since it (re)started and down `restart_h` hours after each failure.
///
/// By renewal over failure cycles (uptime `X ~ Exp(λ)`, kept work
/// `τ·⌊X/τ⌋`, then the restart):
///
/// ```text
/// g = [λτ·e^(−λτ) / (1 − e^(−λτ))] / (1 + λR)
/// ```
///
/// which is 1 without failures and → `(1 − λτ/2)/(1 + λR)` when `λτ ≪ 1`.
/// Inputs are clamped at 0; the result lies in [0, 1].
pub fn expected_goodput(lambda_per_h: f64, checkpoint_h: f64, restart_h: f64) -> f64 {
    let lambda = lambda_per_h.max(0.0);
    if lambda == 0.0 || !lambda.is_finite() {
        return if lambda == 0.0 { 1.0 } else { 0.0 };
    }
    let x = lambda * checkpoint_h.max(0.0);
    let kept = if x < 1e-12 {
        1.0 - x / 2.0
    } else {
        x * math::exp(-x) / -math::exp_m1(-x)
    };
    (kept / (1.0 + lambda * restart_h.max(0.0))).clamp(0.0, 1.0)
}

/// A run in progress.
#[derive(Debug)]
pub(crate) struct Run {
    pub id: u64,
    pub target_flop: f64,
    pub planned_flop: f64,
    pub bound: RunBound,
    pub started: SimTime,
    /// The run's planned end, `started + D` (D = min(cadence draw,
    /// `max_run_duration_days`)): the run is paced to keep `work_flop`
    /// reaching `planned_flop` at this instant and is never released before
    /// it (see `docs/model/model-training.md`, "Pacing").
    pub due: SimTime,
    /// When the run kept its planned FLOP (a smaller run: the lab's target),
    /// if that was before `due`: it holds its model, not training, until `due`.
    pub done_at: Option<SimTime>,
    /// The run's pace, FLOP/s at MFU: the rate expected to keep its
    /// remaining FLOP by `due`, set when the run is (re)paced; the run
    /// trains at `min(pace, training rate)`. Infinite: no pace (a smaller
    /// run, or at or after `due`).
    pub pace_flop_s: f64,
    /// Whether the pace is to be set again at the next placement of the
    /// finish event (at the start and each monthly tick).
    pub repace: bool,
    pub waited_s: f64,
    /// Net work kept (after losses to failures), FLOP.
    pub work_flop: f64,
    pub lost_flop: f64,
    pub failures: u64,
    /// Start of the current checkpoint segment (run start or restart end).
    pub segment_start: SimTime,
    pub checkpoint_work_flop: f64,
    pub restarting_until: Option<SimTime>,
    /// Expected failures left before the next failure (an Exp(1) draw, used up by λ·Δt).
    pub hazard_left: f64,
    /// ∫ FLOP/s at MFU dt over running time, FLOP. (Not next to
    /// `work_flop`, which the failure walk adds the same product to: as
    /// neighbours, the compiler packs the two into one vector register and
    /// unpacks them at every failure.)
    pub integrated_flop: f64,
    pub finish_key: Option<EventKey>,
    /// `failures` when the finish event was last placed: a finish event
    /// that finds more has been set back and is placed again.
    pub failures_at_finish_plan: u64,
    pub energy_mwh: f64,
    pub electricity_usd: f64,
    pub depreciation_usd: f64,
    pub power_limited_s: f64,
    pub restart_down_s: f64,
    /// Seconds lost to failures (restarts plus lost work ÷ rate).
    pub failures_limited_s: f64,
    /// The open release of another lab the run builds on, chosen at its
    /// start ([`crate::LabConfig::open_base_share`]), with its index in
    /// `Training::releases`.
    pub base: Option<(usize, crate::OpenBase)>,
}

impl Run {
    /// A run started at `now` and due at `due` (its planned end, see
    /// [`Run::due`]), planned to keep `planned` of the lab's `target` FLOP,
    /// with `hazard` expected failures left before its first failure.
    pub fn new(
        id: u64,
        now: SimTime,
        due: SimTime,
        target: f64,
        planned: f64,
        bound: RunBound,
        hazard: f64,
    ) -> Run {
        Run {
            id,
            target_flop: target,
            planned_flop: planned,
            bound,
            started: now,
            due,
            done_at: None,
            pace_flop_s: f64::INFINITY,
            repace: true,
            waited_s: 0.0,
            work_flop: 0.0,
            integrated_flop: 0.0,
            lost_flop: 0.0,
            failures: 0,
            segment_start: now,
            checkpoint_work_flop: 0.0,
            restarting_until: None,
            hazard_left: hazard,
            finish_key: None,
            failures_at_finish_plan: 0,
            energy_mwh: 0.0,
            electricity_usd: 0.0,
            depreciation_usd: 0.0,
            power_limited_s: 0.0,
            restart_down_s: 0.0,
            failures_limited_s: 0.0,
            base: None,
        }
    }

    /// Whether the run is down after a failure.
    pub fn is_restarting(&self) -> bool {
        self.restarting_until.is_some()
    }

    /// Advances the run from `t0` to `t1` at `rate` FLOP/s and failure rate
    /// `lambda_per_s`, taking the checkpoints that fall in `(t0, t1]`, with
    /// no failure inside the interval. (The failure walk in
    /// [`Run::run_until`] does the same through `advance_up`; this whole
    /// form stays as the unit tests' reference.)
    #[cfg(test)]
    pub fn advance(&mut self, t0: SimTime, t1: SimTime, rate: f64, lambda_per_s: f64, checkpoint_s: u64) {
        let dt = t1.saturating_since(t0).as_secs_f64();
        if dt <= 0.0 {
            return;
        }
        if self.is_restarting() {
            self.restart_down_s += dt;
            return;
        }
        let since = t1.saturating_since(self.segment_start).secs();
        let k = since / checkpoint_s.max(1);
        let last_ckpt = SimTime(self.segment_start.0 + k * checkpoint_s.max(1));
        if k > 0 && last_ckpt > t0 {
            self.checkpoint_work_flop = self.work_flop + rate * (last_ckpt.0 - t0.0) as f64;
        }
        self.work_flop += rate * dt;
        self.integrated_flop += rate * dt;
        self.hazard_left = (self.hazard_left - lambda_per_s * dt).max(0.0);
    }

    /// Advances the run from `t0` to `t1` at `rate` FLOP/s under the failure
    /// process `p`, walking every failure and restart that falls in
    /// `(t0, t1]`; each new Exp(1) hazard is the next of `hazards`, which
    /// `draw` refills [`HAZARDS_AHEAD`] at a time.
    ///
    /// Large clusters fail every few minutes, so this loop runs about once
    /// per failure (~850,000 times in a ten-year china-2025 run). It does
    /// exactly the floating-point operations, in the same order, of
    /// advancing piece by piece with [`Run::advance`] and taking each
    /// restart as its own step; only the integer bookkeeping is shortened
    /// (times as `u64`, the restart that follows a failure taken at once),
    /// and the hazard a failure replaces is not brought up to the failure.
    /// The draws are taken ahead so that the loop over failures calls
    /// nothing (a call on its path, even a rare one, made the compiler keep
    /// the walk's state in memory): refilling is the outer loop.
    pub fn run_until(
        &mut self,
        t0: SimTime,
        t1: SimTime,
        rate: f64,
        p: &FailureProcess,
        hazards: &mut Hazards,
        draw: &mut impl FnMut() -> f64,
    ) -> Progress {
        let (mut t, t1) = (t0.0, t1.0);
        // The walk keeps the run's state in locals (registers) and writes it
        // back once.
        let mut w = Walk {
            work: self.work_flop,
            integrated: self.integrated_flop,
            hazard: self.hazard_left,
            ckpt_work: self.checkpoint_work_flop,
            seg: self.segment_start.0,
            lost: self.lost_flop,
            failures: self.failures,
            down: self.restart_down_s,
            restarting_until: self.restarting_until.map(|u| u.0),
        };
        if t < t1
            && let Some(until) = w.restarting_until
        {
            t = w.restart_step(t, until, t1);
        }
        let mut out = Progress::default();
        let lambda = p.lambda_per_s;
        let ckpt = p.checkpoint_s.max(1);
        if t < t1 && lambda > 0.0 {
            // The restart, or its absence, is a constant of the loop.
            match p.restart.map(|d| d.secs()) {
                Some(r) => Run::walk_failures::<true>(&mut w, &mut out, t, t1, rate, p, r, hazards, draw),
                None => Run::walk_failures::<false>(&mut w, &mut out, t, t1, rate, p, 0, hazards, draw),
            }
        } else if t < t1 {
            // No failures: one piece.
            w.advance_up(t, t1, rate, lambda, ckpt);
            out.up_s += secs_f64(t1 - t);
        }
        self.work_flop = w.work;
        self.integrated_flop = w.integrated;
        self.hazard_left = w.hazard;
        self.checkpoint_work_flop = w.ckpt_work;
        self.segment_start = SimTime(w.seg);
        self.lost_flop = w.lost;
        self.failures = w.failures;
        self.restart_down_s = w.down;
        self.restarting_until = w.restarting_until.map(SimTime);
        out
    }

    /// The failures of [`Run::run_until`] from `t < t1`, the run up and
    /// `λ > 0`: each piece up to the next failure, the failure, its restart.
    ///
    /// The loop over failures takes the hazards already drawn (at most
    /// those left, and at most the failures left before giving up) and
    /// calls nothing; the outer loop refills the draws, and walks the piece
    /// at which the walk gives up.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn walk_failures<const RESTART: bool>(
        w: &mut Walk,
        out: &mut Progress,
        mut t: u64,
        t1: u64,
        rate: f64,
        p: &FailureProcess,
        restart_s: u64,
        hazards: &mut Hazards,
        draw: &mut impl FnMut() -> f64,
    ) {
        let lambda = p.lambda_per_s;
        let ckpt = p.checkpoint_s.max(1);
        let restart_f = secs_f64(restart_s);
        // The first instant at which the segment has a checkpoint: before
        // it, a piece takes none (`advance_up`'s `k` is 0).
        let mut next_ckpt = w.seg.saturating_add(ckpt);
        let mut walked = 0u64;
        loop {
            // Here `t < t1` and the run is up.
            if walked >= p.max_failures {
                // The piece whose failure would be one too many.
                match failure_offset(w.hazard / lambda, t1 - t) {
                    Some(d) => {
                        w.advance_up(t, t + d, rate, lambda, ckpt);
                        out.up_s += secs_f64(d);
                        out.gave_up = true;
                    }
                    None => {
                        w.advance_up(t, t1, rate, lambda, ckpt);
                        out.up_s += secs_f64(t1 - t);
                    }
                }
                break;
            }
            if hazards.next >= HAZARDS_AHEAD {
                hazards.refill(draw);
            }
            let room = (HAZARDS_AHEAD - hazards.next) as u64;
            let n = room.min(p.max_failures - walked) as usize;
            let draws = &hazards.buf[hazards.next..hazards.next + n];
            let mut used = 0;
            let mut done = false;
            for &h in draws {
                let Some(d) = failure_offset(w.hazard / lambda, t1 - t) else {
                    // No failure before `t1`: the last piece.
                    w.advance_up(t, t1, rate, lambda, ckpt);
                    out.up_s += secs_f64(t1 - t);
                    done = true;
                    break;
                };
                // `advance_up` to the failure, but for the hazard, which
                // the failure replaces. `d <= t1 - t`, so `d < 2^63` and
                // `t + d` does not overflow.
                let end = t + d;
                let dt = d as i64 as f64;
                if d > 0 {
                    if end >= next_ckpt {
                        w.take_checkpoint(t, end, rate, ckpt);
                    }
                    w.work += rate * dt;
                    w.integrated += rate * dt;
                }
                out.up_s += dt;
                t = end;
                // `Run::fail`: the work since the last checkpoint is lost.
                let lost = (w.work - w.ckpt_work).max(0.0);
                w.work = w.ckpt_work;
                w.lost += lost;
                out.lost_flop += lost;
                w.hazard = h;
                used += 1;
                let until = if RESTART { t.checked_add(restart_s) } else { None };
                match until {
                    Some(until) if until < t1 => {
                        // `restart_step`: down from `t` to `until`, then up.
                        w.down += restart_f;
                        w.resume(until);
                        next_ckpt = until.saturating_add(ckpt);
                        t = until;
                    }
                    Some(until) => {
                        // Down until `t1` at least: the interval ends.
                        w.restarting_until = Some(until);
                        if t < t1 {
                            w.restart_step(t, until, t1);
                        }
                        done = true;
                        break;
                    }
                    None => {
                        w.resume(t);
                        next_ckpt = t.saturating_add(ckpt);
                        if t >= t1 {
                            done = true;
                            break;
                        }
                    }
                }
            }
            hazards.next += used;
            walked += used as u64;
            if done {
                break;
            }
        }
        w.failures += walked;
    }

    /// A failure at the current instant: the work since the last checkpoint
    /// is lost. Returns the FLOP lost. (The failure walk does the same on
    /// its locals; this form stays as the reference of the tests.)
    #[cfg(test)]
    pub fn fail(&mut self) -> f64 {
        let lost = (self.work_flop - self.checkpoint_work_flop).max(0.0);
        self.work_flop = self.checkpoint_work_flop;
        self.lost_flop += lost;
        self.failures += 1;
        lost
    }

    /// Resumes after a failure at `now`: a new checkpoint segment starts
    /// from the restored state. (The failure walk does the same on its
    /// locals; this form stays as the reference of the tests.)
    #[cfg(test)]
    pub fn resume(&mut self, now: SimTime) {
        self.restarting_until = None;
        self.segment_start = now;
        self.checkpoint_work_flop = self.work_flop;
    }

    /// FLOP still to do before the run may be released: its plan less the
    /// work kept (a smaller run trains on beyond it until `due`, see
    /// [`Run::trains_to_due`]).
    pub fn remaining_flop(&self) -> f64 {
        (self.planned_flop - self.work_flop).max(0.0)
    }

    /// Whether the run is a smaller run (planned below the lab's target: all
    /// the cluster could do in its duration): it has no pace and trains on
    /// the whole training rate until `due` even once it has kept its plan,
    /// so chips delivered mid-run make it larger instead of early; it holds
    /// only if it reaches the lab's target before `due`. A run of the
    /// target is paced and holds once it has kept its plan (see
    /// `docs/model/model-training.md`, "Pacing").
    pub fn trains_to_due(&self) -> bool {
        self.planned_flop < self.target_flop
    }
}

/// A finished training run, as recorded by [`crate::Training::runs`].
#[derive(Clone, Debug, PartialEq)]
pub struct CompletedRun {
    /// The lab.
    pub lab: LabId,
    /// The run's number within the lab (0, 1, …).
    pub run: u64,
    /// When it started.
    pub start: SimTime,
    /// When it finished (and the model was released).
    pub end: SimTime,
    /// Wall-clock duration, days.
    pub duration_days: f64,
    /// Days the lab waited for enough compute before the run could start.
    pub waited_days: f64,
    /// Days the finished model waited for its due time without training:
    /// `end` minus the instant the run kept its planned FLOP, when a run of
    /// the lab's target did so early (fewer failures than expected), or the
    /// instant a smaller run reached the lab's target before due; 0 for a
    /// smaller run otherwise (it trains until due).
    pub held_days: f64,
    /// The lab's target size when the run was planned, FLOP.
    pub target_flop: f64,
    /// The size the run was planned for, FLOP (≤ target): the least it
    /// keeps before release.
    pub planned_flop: f64,
    /// Physical FLOP kept: ∫ FLOP/s at MFU dt minus FLOP lost to failures.
    /// At least `planned_flop` (to the second's rounding); more for a
    /// smaller run whose cluster did more than planned by due (chips
    /// delivered mid-run), up to `target_flop`.
    pub physical_flop: f64,
    /// ∫ FLOP/s at MFU dt over the run's running time, FLOP.
    pub integrated_flop: f64,
    /// FLOP redone after failures (work since the last checkpoint).
    pub lost_flop: f64,
    /// Hardware failures during the run.
    pub failures: u64,
    /// Facility energy of the accelerators used by the run, MWh.
    pub energy_mwh: f64,
    /// Cost of the run: electricity plus straight-line depreciation of the
    /// accelerators used over their service life, USD.
    pub cost_usd: f64,
    /// Of which electricity, USD.
    pub electricity_usd: f64,
    /// What capped the run below its target when it was planned; `Target`
    /// for a smaller run that reached the lab's target anyway (chips
    /// delivered mid-run): nothing bound it in the end.
    pub bound: RunBound,
    /// Days lost to power: Σ Δt × (share of the installed training compute
    /// left unpowered) while the run was running.
    pub limited_power_days: f64,
    /// Days the run was down restarting after failures.
    pub restart_days: f64,
    /// Days lost to failures: the restart days plus the time the run's
    /// rate took to compute the work lost to failures (Σ lost FLOP ÷ rate).
    pub limited_failures_days: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The failure walk as it was first written (one step per piece or
    /// restart, through [`Run::advance`]): the reference that the
    /// shortened walk must match bit for bit.
    fn run_until_reference(
        r: &mut Run,
        t0: SimTime,
        t1: SimTime,
        rate: f64,
        p: &FailureProcess,
        draw_hazard: &mut impl FnMut() -> f64,
    ) -> Progress {
        let mut out = Progress::default();
        let mut t = t0;
        let mut walked = 0u64;
        while t < t1 {
            if let Some(until) = r.restarting_until {
                let end = until.min(t1);
                r.restart_down_s += end.saturating_since(t).as_secs_f64();
                t = end;
                if until <= t1 {
                    r.resume(until);
                }
                continue;
            }
            let fail_at = (p.lambda_per_s > 0.0)
                .then(|| t.checked_add(Duration::from_secs_f64(r.hazard_left / p.lambda_per_s)?))
                .flatten()
                .filter(|&at| at <= t1);
            let end = fail_at.unwrap_or(t1);
            r.advance(t, end, rate, p.lambda_per_s, p.checkpoint_s);
            out.up_s += end.saturating_since(t).as_secs_f64();
            t = end;
            if fail_at.is_some() {
                walked += 1;
                if walked > p.max_failures {
                    out.gave_up = true;
                    break;
                }
                out.lost_flop += r.fail();
                r.hazard_left = draw_hazard();
                match p.restart.and_then(|d| t.checked_add(d)) {
                    Some(until) => r.restarting_until = Some(until),
                    None => r.resume(t),
                }
            }
        }
        out
    }

    fn bits(r: &Run) -> [u64; 12] {
        [
            r.work_flop.to_bits(),
            r.integrated_flop.to_bits(),
            r.lost_flop.to_bits(),
            r.failures,
            r.segment_start.0,
            r.checkpoint_work_flop.to_bits(),
            r.restarting_until.map_or(u64::MAX, |t| t.0),
            r.hazard_left.to_bits(),
            r.restart_down_s.to_bits(),
            r.energy_mwh.to_bits(),
            r.power_limited_s.to_bits(),
            r.id,
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Cut into random pieces, with and without restarts, the walk
        /// leaves a run in exactly (bit for bit) the reference's state; its
        /// hazards, taken ahead, are the reference's draws in order, also
        /// when new runs take theirs from the same draws between intervals
        /// and when the walk gives up.
        #[test]
        fn walk_matches_the_reference_bit_for_bit(
            cuts in proptest::collection::vec((1u64..50_000, 0u8..8), 1..12),
            max_failures in prop_oneof![3 => Just(u64::MAX), 1 => 0u64..200],
            lambda in prop_oneof![Just(0.0), 1e-6..1e-2f64],
            ckpt in 1u64..5_000,
            restart in prop_oneof![Just(None), (0u64..3_000).prop_map(Some)],
            rate in 0.0..1e18f64,
            seed in 1u64..u64::MAX,
            // Where the walk starts: also at large times, up to where a
            // failure or restart instant overflows the clock (`checked_add`).
            base in prop_oneof![
                3 => Just(0u64),
                1 => Just((1u64 << 63) - 300_000),
                1 => Just(u64::MAX - 1_000_000),
            ],
        ) {
            let p = FailureProcess {
                lambda_per_s: lambda,
                checkpoint_s: ckpt,
                restart: restart.map(Duration),
                max_failures,
            };
            let draws = |mut s: u64| move || {
                // xorshift, then −ln(u): an Exp(1) draw, the same for both walks.
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                -math::ln((s >> 11) as f64 / (1u64 << 53) as f64 + 1e-300)
            };
            let (mut da, mut db) = (draws(seed), draws(seed));
            let mut ahead = Hazards::new();
            let mut a = Run::new(3, SimTime(base), SimTime(base), 1e30, 1e30, RunBound::Target, ahead.take(&mut da));
            let mut b = Run::new(3, SimTime(base), SimTime(base), 1e30, 1e30, RunBound::Target, db());
            let mut t = base;
            for (c, new_run) in cuts {
                if new_run == 0 {
                    // A new run starts (the lab's next): its first hazard
                    // is the next draw.
                    a = Run::new(4, SimTime(t), SimTime(t), 1e30, 1e30, RunBound::Target, ahead.take(&mut da));
                    b = Run::new(4, SimTime(t), SimTime(t), 1e30, 1e30, RunBound::Target, db());
                }
                let (t0, t1) = (SimTime(t), SimTime(t + c));
                let pa = a.run_until(t0, t1, rate, &p, &mut ahead, &mut da);
                let pb = run_until_reference(&mut b, t0, t1, rate, &p, &mut db);
                prop_assert_eq!(bits(&a), bits(&b));
                prop_assert_eq!(
                    (pa.up_s.to_bits(), pa.lost_flop.to_bits(), pa.gave_up),
                    (pb.up_s.to_bits(), pb.lost_flop.to_bits(), pb.gave_up)
                );
                t += c;
            }
        }
    }

    /// `failure_offset` is `Duration::from_secs_f64` compared with the span,
    /// on both sides of its short path's bound, at ties (which the short
    /// path rounds up by hand) and on what has no duration.
    #[test]
    fn failure_offset_is_the_rounded_duration() {
        let reference = |q: f64, span: u64| {
            Duration::from_secs_f64(q)
                .map(Duration::secs)
                .filter(|&d| d <= span)
        };
        let two_51 = (1u64 << 51) as f64;
        let mut qs = vec![
            0.0,
            -0.0,
            -1e-300,
            -0.4,
            -0.5,
            1e-300,
            0.49999999999999994,
            0.5,
            0.5000000000000001,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            two_51,
            two_51 - 0.5,
            two_51 - 0.25,
            two_51 + 1.0,
            two_51.next_down(),
            8.9e18,
            9.1e18,
            1.7e19,
            1e300,
        ];
        for k in 0..2_000u64 {
            // Ties, and their neighbours, at even and odd integers.
            let x = k as f64 + 0.5;
            qs.extend([x, x.next_up(), x.next_down(), k as f64]);
            let big = (1u64 << 50) as f64 + k as f64 + 0.5;
            qs.extend([big, big.next_up(), big.next_down()]);
        }
        let mut x = 0.37f64;
        for _ in 0..20_000 {
            x = (x * 3.7 + 0.11).fract();
            qs.extend([x * 1e4, x * 10.0, x * 1e15, (x * 1e6).floor() + 0.5]);
        }
        for &q in &qs {
            let d = reference(q, u64::MAX);
            for span in [0, 1, 2, 1_000, 1 << 51, u64::MAX] {
                assert_eq!(
                    failure_offset(q, span),
                    reference(q, span),
                    "q = {q:e}, span {span}"
                );
            }
            if let Some(d) = d {
                for span in [d.saturating_sub(1), d, d.saturating_add(1)] {
                    assert_eq!(
                        failure_offset(q, span),
                        reference(q, span),
                        "q = {q:e}, span {span}"
                    );
                }
            }
        }
    }

    /// `exp1` draws exactly what `Dist::Exp { mean: 1.0 }` draws, and
    /// leaves the stream in the same place (the ziggurat's rare second
    /// draws included: 200,000 draws take about 2,000 of them).
    #[test]
    fn exp1_is_the_dist_draw_bit_for_bit() {
        let streams = scheduler::RngStreams::new(2025, 3);
        for name in ["training/failures/a", "training/failures/b"] {
            let mut a = streams.stream(name);
            let mut b = streams.stream(name);
            for i in 0..200_000 {
                let x = exp1(&mut a);
                let y = scheduler::Dist::Exp { mean: 1.0 }.sample(&mut b);
                assert_eq!(x.to_bits(), y.to_bits(), "draw {i} of {name}");
            }
        }
    }

    #[test]
    fn lazy_checkpoints_and_failure_loss() {
        let mut r = Run::new(0, SimTime(0), SimTime(0), 1e9, 1e9, RunBound::Target, 10.0);
        // Rate 2 FLOP/s, checkpoints every 100 s. Advance in uneven pieces.
        r.advance(SimTime(0), SimTime(70), 2.0, 0.0, 100);
        assert_eq!(r.checkpoint_work_flop, 0.0);
        r.advance(SimTime(70), SimTime(250), 2.0, 0.0, 100);
        // Last checkpoint at t = 200, work there 400.
        assert_eq!(r.checkpoint_work_flop, 400.0);
        assert_eq!(r.work_flop, 500.0);
        assert_eq!(r.fail(), 100.0);
        assert_eq!(r.work_flop, 400.0);
        assert_eq!(r.integrated_flop, 500.0);
        r.resume(SimTime(250));
        r.advance(SimTime(250), SimTime(340), 1.0, 0.0, 100);
        assert_eq!(r.checkpoint_work_flop, 400.0);
        assert_eq!(r.fail(), 90.0);
        assert_eq!(r.lost_flop, 190.0);
    }

    #[test]
    fn hazard_is_used_up_by_rate_times_time() {
        let mut r = Run::new(0, SimTime(0), SimTime(0), 1.0, 1.0, RunBound::Target, 1.0);
        r.advance(SimTime(0), SimTime(100), 0.0, 0.004, 50);
        assert!((r.hazard_left - 0.6).abs() < 1e-12);
        r.restarting_until = Some(SimTime(200));
        r.advance(SimTime(100), SimTime(150), 1.0, 0.004, 50);
        assert!((r.hazard_left - 0.6).abs() < 1e-12);
        assert_eq!(r.work_flop, 0.0);
        assert_eq!(r.restart_down_s, 50.0);
    }

    #[test]
    fn failures_inside_an_interval_are_walked_one_by_one() {
        // Hazards 100, 50, 1e9 at λ = 1/s: failures at t = 100 and, after a
        // 10 s restart, at t = 160. Checkpoints every 30 s at rate 1.
        let mut r = Run::new(0, SimTime(0), SimTime(0), 1e9, 1e9, RunBound::Target, 100.0);
        let mut draws = [50.0, 1e9].into_iter();
        let p = FailureProcess {
            lambda_per_s: 1.0,
            checkpoint_s: 30,
            restart: Some(Duration(10)),
            max_failures: crate::MAX_FAILURES_PER_INTERVAL,
        };
        let out = r.run_until(
            SimTime(0),
            SimTime(200),
            1.0,
            &p,
            &mut Hazards::new(),
            &mut || draws.next().unwrap_or(1e9),
        );
        assert_eq!(r.failures, 2);
        // First failure loses 100 − 90 = 10; the second, 50 s after the
        // restart at 110, loses 50 − 30 = 20.
        assert_eq!(r.lost_flop, 30.0);
        assert_eq!(out.lost_flop, 30.0);
        assert_eq!(r.restart_down_s, 20.0);
        assert_eq!(out.up_s, 180.0);
        // Up again at 170: 30 more by t = 200 on top of the 120 kept.
        assert_eq!(r.work_flop, 150.0);
        assert_eq!(r.integrated_flop, 180.0);
        assert!(!r.is_restarting());
        // Cut into pieces, the same interval gives the same state.
        let mut q = Run::new(0, SimTime(0), SimTime(0), 1e9, 1e9, RunBound::Target, 100.0);
        let mut draws = [50.0, 1e9].into_iter();
        let mut draw = || draws.next().unwrap_or(1e9);
        let mut ahead = Hazards::new();
        for (a, b) in [(0, 37), (37, 105), (105, 110), (110, 163), (163, 200)] {
            q.run_until(SimTime(a), SimTime(b), 1.0, &p, &mut ahead, &mut draw);
        }
        assert_eq!(
            (q.work_flop, q.lost_flop, q.failures),
            (r.work_flop, r.lost_flop, r.failures)
        );
        assert_eq!(q.restart_down_s, r.restart_down_s);
    }
}
