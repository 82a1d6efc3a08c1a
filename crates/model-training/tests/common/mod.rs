//! Test bench for the training domain alone: a plain `Scheduler<TrainingEvent>`
//! and helpers that play the grid and the fabs by calling the input methods.
#![allow(dead_code)]

use model_training::{
    ChipBatch, LabConfig, LabId, SiteConfig, SiteId, Training, TrainingConfig, TrainingEvent, TrainingSignal,
};
use scheduler::{Dist, RngStreams, SECS_PER_DAY, Scheduler, SimTime, TimePath};

/// Peak FLOP/s per chip of the test accelerator.
pub const CHIP_FLOP_S: f64 = 1e15;
/// Chip power, W.
pub const CHIP_W: f64 = 700.0;
/// Server and network overhead per chip, W.
pub const OVERHEAD_W: f64 = 300.0;
/// Site PUE.
pub const PUE: f64 = 1.25;
/// Accelerators in the test cluster.
pub const CHIPS: u64 = 1000;
/// MFU of the test labs.
pub const MFU: f64 = 0.5;
/// Effective FLOP/s of the full test cluster: 1000 × 1e15 × 0.5.
pub const FULL_RATE: f64 = CHIPS as f64 * CHIP_FLOP_S * MFU;
/// Facility MW of the full test cluster: 1000 × (700 + 300) W × 1.25.
pub const FULL_MW: f64 = CHIPS as f64 * (CHIP_W + OVERHEAD_W) * PUE / 1e6;

pub fn batch(count: u64) -> ChipBatch {
    ChipBatch {
        design: "test-chip".into(),
        count,
        peak_flop_s_per_chip: CHIP_FLOP_S,
        power_w_per_chip: CHIP_W,
        unit_price_usd: 20_000.0,
        age: scheduler::Duration::ZERO,
    }
}

/// A lab with one site in region "r", 1000 chips, no failures, a fixed
/// cadence of one month, runs planned to last 10 days
/// (`max_run_duration_days`) and a target of 10 days of the full cluster:
/// the target fills the cluster, so a run at full power ends at 10 days
/// (a run is never released before its planned duration).
pub fn lab(name: &str) -> LabConfig {
    let mut site = SiteConfig::new("r");
    site.pue = PUE;
    site.overhead_w_per_chip = OVERHEAD_W;
    site.initial_connection_mw = 1e6;
    let mut l = LabConfig::new(name, &["r"]);
    l.sites = vec![site];
    l.initial_accelerators = vec![batch(CHIPS)];
    l.mfu = MFU;
    l.release_cadence_months = Dist::constant(1.0);
    l.max_run_duration_days = 10.0;
    l.initial_target_run_flop = FULL_RATE * 10.0 * SECS_PER_DAY as f64;
    l.compute_growth_per_year = 1.0;
    l.chip_failure_rate_per_hour = 0.0;
    l.restart_overhead_hours = 0.0;
    l.budget_usd_per_year = TimePath::constant(0.0);
    l
}

pub struct Bench {
    pub training: Training,
    pub sched: Scheduler<TrainingEvent>,
    pub signals: Vec<TrainingSignal>,
}

impl Bench {
    pub fn new(cfg: TrainingConfig, seed: u64) -> Bench {
        let training = Training::new(cfg, &RngStreams::new(seed, 0)).expect("valid config");
        let mut sched = Scheduler::new();
        let mut t = training;
        t.start(&mut sched).expect("start");
        let mut b = Bench {
            training: t,
            sched,
            signals: Vec::new(),
        };
        b.run_until(SimTime::ZERO);
        b
    }

    pub fn run_until(&mut self, end: SimTime) {
        while let Some((_, ev)) = self.sched.next_event_until(end).expect("no budget") {
            self.training
                .handle(ev, &mut self.sched, &mut self.signals)
                .expect("handle");
        }
    }

    pub fn lab(&self, name: &str) -> LabId {
        self.training
            .labs()
            .find(|(_, n)| *n == name)
            .map(|(id, _)| id)
            .expect("lab exists")
    }

    pub fn site_of(&self, lab: &str) -> SiteId {
        let prefix = format!("{lab}@");
        self.training
            .sites()
            .find(|(_, n, _)| n.starts_with(&prefix))
            .map(|(id, _, _)| id)
            .expect("site")
    }

    pub fn serve(&mut self, lab: &str, mw: f64) {
        let site = self.site_of(lab);
        self.training
            .set_power_served(site, mw, &mut self.sched, &mut self.signals)
            .expect("serve");
    }

    /// Samples metrics now and returns them as (metric, entity, value).
    pub fn sample(&mut self) -> Vec<(String, String, f64)> {
        let mut out = Vec::new();
        let now = self.sched.now();
        self.training
            .sample_metrics(now, &mut |m, e, v| out.push((m.to_string(), e.to_string(), v)));
        out
    }
}

pub fn metric(rows: &[(String, String, f64)], metric: &str, entity: &str) -> f64 {
    rows.iter()
        .find(|r| r.0 == metric && r.1 == entity)
        .map(|r| r.2)
        .unwrap_or_else(|| panic!("metric {metric} for {entity} missing"))
}

pub fn days(d: f64) -> SimTime {
    SimTime((d * SECS_PER_DAY as f64).round() as u64)
}

/// (planned FLOP, bound) of every run started since the signals were last drained.
pub fn started(b: &Bench) -> Vec<(f64, model_training::RunBound)> {
    b.signals
        .iter()
        .filter_map(|s| match s {
            model_training::TrainingSignal::RunStarted {
                planned_flop, bound, ..
            } => Some((*planned_flop, *bound)),
            _ => None,
        })
        .collect()
}

/// Deliveries of 50–449 chips every 7 days for `weeks`, sizes from a fixed
/// linear congruential sequence, to lab `a`.
pub fn deliver_weekly(b: &mut Bench, weeks: u32) {
    let a = b.lab("a");
    let mut x: u64 = 12345;
    for w in 1..=weeks {
        b.run_until(days(7.0 * w as f64));
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let n = 50 + (x >> 33) % 400;
        b.training
            .install_accelerators(a, batch(n), &mut b.sched, &mut b.signals)
            .expect("install");
    }
}
