//! An M/M/1 queue built on the public API only, shared by the statistical,
//! determinism and allocation tests.
//!
//! One tick is one millisecond of model time. Interarrival and service times
//! are exponential draws (from their own named streams) rounded to the
//! nearest tick: rounding keeps the mean unbiased to far below a tick, so the
//! discretisation error (< 0.001 ms on a 5,000 ms mean) is negligible beside
//! the confidence interval (tens of ms).

#![allow(dead_code)]

use scheduler::{Backend, Dist, Duration, RngStreams, Scheduler, SimTime, StreamRng};
use std::collections::VecDeque;
use std::fmt::Write;

/// The two events of the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mm1Event {
    /// A customer arrives.
    Arrival,
    /// The customer in service leaves.
    Departure,
}

/// An M/M/1 queue: state, streams, and the times in system of served customers.
pub struct Mm1 {
    interarrival: Dist,
    service: Dist,
    arrivals_rng: StreamRng,
    service_rng: StreamRng,
    /// Arrival times of the customers in the system, in FIFO order.
    waiting: VecDeque<SimTime>,
    /// Time in system of each departed customer, in ticks (ms), in order.
    pub sojourn_ticks: Vec<u64>,
}

/// Draws a duration in whole ticks, rounded to nearest.
fn draw_ticks(d: &Dist, rng: &mut StreamRng) -> Duration {
    Duration(d.sample(rng).round() as u64)
}

impl Mm1 {
    /// Arrival rate `lambda` and service rate `mu`, per second of model time.
    pub fn new(lambda: f64, mu: f64, streams: &RngStreams) -> Mm1 {
        Mm1 {
            interarrival: Dist::Exp {
                mean: 1000.0 / lambda,
            },
            service: Dist::Exp { mean: 1000.0 / mu },
            arrivals_rng: streams.stream("mm1/arrivals"),
            service_rng: streams.stream("mm1/service"),
            waiting: VecDeque::new(),
            sojourn_ticks: Vec::new(),
        }
    }

    /// Schedules the first arrival.
    pub fn start<Q: Backend>(&mut self, s: &mut Scheduler<Mm1Event, Q>) {
        let dt = draw_ticks(&self.interarrival, &mut self.arrivals_rng);
        s.schedule_after(dt, Mm1Event::Arrival).expect("first arrival");
    }

    /// Handles one event.
    pub fn handle<Q: Backend>(&mut self, s: &mut Scheduler<Mm1Event, Q>, now: SimTime, e: Mm1Event) {
        match e {
            Mm1Event::Arrival => {
                self.waiting.push_back(now);
                if self.waiting.len() == 1 {
                    let dt = draw_ticks(&self.service, &mut self.service_rng);
                    s.schedule_after(dt, Mm1Event::Departure).expect("service end");
                }
                let dt = draw_ticks(&self.interarrival, &mut self.arrivals_rng);
                s.schedule_after(dt, Mm1Event::Arrival).expect("next arrival");
            }
            Mm1Event::Departure => {
                let arrived = self.waiting.pop_front().expect("a customer is in service");
                self.sojourn_ticks.push((now - arrived).secs());
                if !self.waiting.is_empty() {
                    let dt = draw_ticks(&self.service, &mut self.service_rng);
                    s.schedule_after(dt, Mm1Event::Departure).expect("service end");
                }
            }
        }
    }

    /// Customers in the system.
    pub fn in_system(&self) -> usize {
        self.waiting.len()
    }
}

/// Runs an M/M/1 (λ = 0.8, μ = 1.0 per second) until `customers` have left;
/// returns the model and the scheduler.
pub fn run_mm1<Q: Backend>(seed: u64, customers: usize) -> (Mm1, Scheduler<Mm1Event, Q>) {
    let mut s: Scheduler<Mm1Event, Q> = Scheduler::new();
    let mut m = Mm1::new(0.8, 1.0, &RngStreams::new(seed, 0));
    m.sojourn_ticks.reserve(customers);
    m.start(&mut s);
    while m.sojourn_ticks.len() < customers {
        let Some((t, e)) = s.next_event().expect("no budget") else {
            break;
        };
        m.handle(&mut s, t, e);
    }
    (m, s)
}

/// A text trace of the first `events` events: time, event, customers in system.
pub fn mm1_trace<Q: Backend>(seed: u64, events: usize) -> String {
    let mut s: Scheduler<Mm1Event, Q> = Scheduler::new();
    let mut m = Mm1::new(0.8, 1.0, &RngStreams::new(seed, 0));
    m.start(&mut s);
    let mut out = String::new();
    for _ in 0..events {
        let Some((t, e)) = s.next_event().expect("no budget") else {
            break;
        };
        m.handle(&mut s, t, e);
        writeln!(out, "{} {:?} {}", t.ticks(), e, m.in_system()).expect("write to String");
    }
    out
}
