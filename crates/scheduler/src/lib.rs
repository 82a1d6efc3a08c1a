//! A small, fast, deterministic discrete-event scheduler.
//!
//! - [`SimTime`] is an integer count of seconds; [`Calendar`] maps it to dates.
//! - [`Scheduler`] hands out events in `(time, scheduling order)` order:
//!   **events at the same tick fire in the order they were scheduled**, and a
//!   rescheduled event counts as scheduled at the moment of the reschedule.
//!   Scheduling into the past is an error, so time never goes backwards.
//! - Backends are chosen by type parameter ([`Backend`]). The default,
//!   [`InlineRadixQueue`], is a monotone radix queue on times with the events
//!   stored inside its entries and the earliest few kept in a sorted run:
//!   pops walk memory sequentially, and scheduling and firing touch no
//!   per-event record (keys carry the event's time). Key queues
//!   ([`EventQueue`]) are backends through a slab of events: [`HeapQueue`]
//!   (binary heap, lazy cancellation), [`RadixQueue`] (monotone radix heap
//!   on `(time, seq)`), [`AutoQueue`] (a heap while small, a radix heap from
//!   65,536 entries) and [`IndexedQueue`] (the `priority-queue` crate: true
//!   removal and change-priority, with a deterministic hasher). Every
//!   backend gives the same event sequence.
//! - Hold in place (key queues): when a handler schedules right after
//!   receiving an event, the new entry replaces the handled one at the top of
//!   the queue in one operation ([`EventQueue::replace_top`]).
//! - The hot loop allocates nothing per event once the queue has grown
//!   (guarded by `tests/alloc.rs`).
//! - [`RngStreams`] derives an independent, reproducible random stream per
//!   (replication, name); [`Dist`] is the distributions scenarios may use.
//! - [`math`] is the model's `exp`, `ln`, `powf`, `sin`, … and [`dist`] its
//!   samplers (ports of `rand_distr`'s), through the pure-Rust `libm`: the
//!   same bits on every CPU and operating system, where std's methods call
//!   the platform's maths library.
//!
//! The scheduler knows nothing of any domain: events are any type `E`.
//!
//! ```
//! use scheduler::{Scheduler, SimTime, Duration};
//! let mut s: Scheduler<&str> = Scheduler::new();
//! s.schedule_at(SimTime(10), "b").unwrap();
//! s.schedule_at(SimTime(5), "a").unwrap();
//! s.schedule_at(SimTime(10), "c").unwrap(); // same tick as "b": fires after it
//! let mut seen = Vec::new();
//! s.run_until(SimTime(100), |_, t, e| seen.push((t.ticks(), e))).unwrap();
//! assert_eq!(seen, [(5, "a"), (10, "b"), (10, "c")]);
//! assert_eq!(s.now(), SimTime(100));
//! ```

#![forbid(unsafe_code)]

pub mod backend;
pub mod dist;
pub mod inline;
pub mod math;
pub mod mathprint;
pub mod num;
pub mod path;
pub mod queue;
pub mod rng;
mod sched;
pub mod time;

pub use backend::{Backend, EventStore, SlabStore};
pub use inline::InlineRadixQueue;
pub use mathprint::math_fingerprint;
pub use num::Num;
pub use path::{Interp, TimePath};
pub use queue::{AutoQueue, Entry, EventQueue, HeapQueue, IndexedQueue, RadixQueue};
pub use rng::{Dist, RngStreams, StreamRng};
pub use sched::{Agenda, EventKey, Mapped, RunError, ScheduleError, Scheduler};
pub use time::{Calendar, Duration, SECS_PER_DAY, SECS_PER_HOUR, SECS_PER_YEAR, SimTime, StepClock};
