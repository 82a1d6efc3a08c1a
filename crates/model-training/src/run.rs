//! Training runs: progress as the integral of effective FLOP/s, checkpoints,
//! hardware failures as a Poisson process, and the record of a finished run.
//!
//! Between two events the run's rate `r` (effective FLOP/s) and the
//! cluster's failure rate `λ` (failures per second) are constant, so the run
//! advances exactly: work += r·Δt; accumulated hazard += λ·Δt. A failure
//! happens when the accumulated hazard reaches an Exp(1) draw, which is
//! exact for a Poisson process whose rate changes at known instants.
//! Checkpoints are taken every `checkpoint interval` of wall-clock time since
//! the run (re)started, evaluated lazily: the last checkpoint before `t` and
//! the work at that instant follow from the constant rate of the piece.

use crate::LabId;
use scheduler::{EventKey, SimTime};

/// What capped a run below the lab's target (its *bound*), decided when the
/// run is planned (see `docs/model/model-training.md`, "What bound a run").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RunBound {
    /// Nothing: the run is the lab's target size.
    Target,
    /// Power: with every installed accelerator powered, the target would fit.
    Power,
    /// Chips: even fully powered, the installed accelerators fall short, and
    /// a year of the lab's chip budget would buy the missing ones.
    Chips,
    /// Budget: the missing accelerators cost more than a year of the chip budget.
    Budget,
}

impl RunBound {
    /// A numeric code for tables: 0 target, 1 power, 2 chips, 3 budget.
    pub fn code(self) -> f64 {
        match self {
            RunBound::Target => 0.0,
            RunBound::Power => 1.0,
            RunBound::Chips => 2.0,
            RunBound::Budget => 3.0,
        }
    }
    /// A lower-case name: `target`, `power`, `chips`, `budget`.
    pub fn name(self) -> &'static str {
        match self {
            RunBound::Target => "target",
            RunBound::Power => "power",
            RunBound::Chips => "chips",
            RunBound::Budget => "budget",
        }
    }
}

/// A run in progress.
#[derive(Debug)]
pub(crate) struct Run {
    pub id: u64,
    pub target_flop: f64,
    pub planned_flop: f64,
    pub bound: RunBound,
    pub started: SimTime,
    pub waited_s: f64,
    /// Net work kept (after losses to failures), FLOP.
    pub work_flop: f64,
    /// ∫ effective FLOP/s dt over running time, FLOP.
    pub integrated_flop: f64,
    pub lost_flop: f64,
    pub failures: u64,
    /// Start of the current checkpoint segment (run start or restart end).
    pub segment_start: SimTime,
    pub checkpoint_work_flop: f64,
    pub restarting_until: Option<SimTime>,
    /// Expected failures left before the next failure (an Exp(1) draw, used up by λ·Δt).
    pub hazard_left: f64,
    pub finish_key: Option<EventKey>,
    pub failure_key: Option<EventKey>,
    pub energy_mwh: f64,
    pub electricity_usd: f64,
    pub depreciation_usd: f64,
    pub power_limited_s: f64,
    pub restart_down_s: f64,
}

impl Run {
    pub fn new(id: u64, now: SimTime, target: f64, planned: f64, bound: RunBound, hazard: f64) -> Run {
        Run {
            id,
            target_flop: target,
            planned_flop: planned,
            bound,
            started: now,
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
            failure_key: None,
            energy_mwh: 0.0,
            electricity_usd: 0.0,
            depreciation_usd: 0.0,
            power_limited_s: 0.0,
            restart_down_s: 0.0,
        }
    }

    /// Whether the run is down after a failure.
    pub fn is_restarting(&self) -> bool {
        self.restarting_until.is_some()
    }

    /// Advances the run from `t0` to `t1` at `rate` FLOP/s and failure rate
    /// `lambda_per_s`, taking the checkpoints that fall in `(t0, t1]`.
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

    /// A failure at the current instant: the work since the last checkpoint
    /// is lost. Returns the FLOP lost.
    pub fn fail(&mut self) -> f64 {
        let lost = (self.work_flop - self.checkpoint_work_flop).max(0.0);
        self.work_flop = self.checkpoint_work_flop;
        self.lost_flop += lost;
        self.failures += 1;
        lost
    }

    /// Resumes after a failure at `now`: a new checkpoint segment starts
    /// from the restored state.
    pub fn resume(&mut self, now: SimTime) {
        self.restarting_until = None;
        self.segment_start = now;
        self.checkpoint_work_flop = self.work_flop;
    }

    /// FLOP still to do.
    pub fn remaining_flop(&self) -> f64 {
        (self.planned_flop - self.work_flop).max(0.0)
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
    /// The lab's target size when the run was planned, FLOP.
    pub target_flop: f64,
    /// The size the run was planned for, FLOP (≤ target).
    pub planned_flop: f64,
    /// Physical FLOP kept: ∫ effective FLOP/s dt minus FLOP lost to failures.
    pub physical_flop: f64,
    /// ∫ effective FLOP/s dt over the run's running time, FLOP.
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
    /// What capped the run below its target when it was planned.
    pub bound: RunBound,
    /// Days lost to power: Σ Δt × (share of the installed training compute
    /// left unpowered) while the run was running.
    pub limited_power_days: f64,
    /// Days the run was down restarting after failures.
    pub restart_days: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lazy_checkpoints_and_failure_loss() {
        let mut r = Run::new(0, SimTime(0), 1e9, 1e9, RunBound::Target, 10.0);
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
        let mut r = Run::new(0, SimTime(0), 1.0, 1.0, RunBound::Target, 1.0);
        r.advance(SimTime(0), SimTime(100), 0.0, 0.004, 50);
        assert!((r.hazard_left - 0.6).abs() < 1e-12);
        r.restarting_until = Some(SimTime(200));
        r.advance(SimTime(100), SimTime(150), 1.0, 0.004, 50);
        assert!((r.hazard_left - 0.6).abs() < 1e-12);
        assert_eq!(r.work_flop, 0.0);
        assert_eq!(r.restart_down_s, 50.0);
    }
}
