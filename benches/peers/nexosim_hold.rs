//! The hold model in NeXosim 1.0, for the peer comparison of
//! `benches/benches/hold.rs` (compiled only with `--features peers`).
//!
//! One model on one executor thread (`SimInit::with_num_threads(1)`; NeXosim's
//! docs advise few threads when handlers are light). Its init schedules N
//! self-events at `incs[0..N]` nanoseconds (one tick of the other engines is
//! one nanosecond here); each firing schedules the next one
//! `incs[pos & mask]` nanoseconds later, reading the same increments in the
//! same order as every other engine. `Simulation::step` runs every event of
//! the next timestamp; a shared counter counts the events actually fired.

use nexosim::model::{Context, Model, schedulable};
use nexosim::simulation::{Mailbox, SimInit, Simulation};
use nexosim::time::MonotonicTime;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// N pending self-events; each firing schedules one more.
#[derive(Default, Serialize, Deserialize)]
pub struct HoldModel {
    /// The increments (power-of-two length), shared with the bench.
    #[serde(skip)]
    incs: Arc<Vec<u64>>,
    /// Events pending from the start.
    n: usize,
    /// Next increment to read.
    pos: usize,
    /// Events fired so far, read by the bench.
    #[serde(skip)]
    fired: Arc<AtomicU64>,
}

#[Model]
impl HoldModel {
    #[nexosim(init)]
    async fn init(&mut self, cx: &Context<Self>) {
        for i in 0..self.n {
            cx.schedule_event(Duration::from_nanos(self.incs[i]), schedulable!(Self::fire), ())
                .expect("nexosim hold: increments are at least 1 ns");
        }
        self.pos = self.n;
    }

    #[nexosim(schedulable)]
    fn fire(&mut self, _: (), cx: &Context<Self>) {
        let inc = self.incs[self.pos & (self.incs.len() - 1)];
        self.pos += 1;
        self.fired.fetch_add(1, Ordering::Relaxed);
        cx.schedule_event(Duration::from_nanos(inc), schedulable!(Self::fire), ())
            .expect("nexosim hold: increments are at least 1 ns");
    }
}

/// A NeXosim simulation running the hold model with `n` pending events.
pub struct NexosimHold {
    sim: Simulation,
    fired: Arc<AtomicU64>,
}

impl NexosimHold {
    /// Builds the simulation: one model, one thread, `n` events pending.
    pub fn build(n: usize, incs: Arc<Vec<u64>>) -> Self {
        assert!(incs.len().is_power_of_two() && incs.len() > n);
        let fired = Arc::new(AtomicU64::new(0));
        let model = HoldModel {
            incs,
            n,
            pos: 0,
            fired: Arc::clone(&fired),
        };
        let mbox = Mailbox::new();
        let sim = SimInit::with_num_threads(1)
            .add_model(model, mbox, "hold")
            .init(MonotonicTime::EPOCH)
            .expect("nexosim hold: init");
        NexosimHold { sim, fired }
    }

    /// Runs at least `k` events (whole timestamps; ties are rare); returns
    /// the number actually run.
    pub fn hold(&mut self, k: usize) -> u64 {
        let start = self.fired.load(Ordering::Relaxed);
        let target = start + k as u64;
        while self.fired.load(Ordering::Relaxed) < target {
            self.sim.step().expect("nexosim hold: step");
        }
        self.fired.load(Ordering::Relaxed) - start
    }
}
