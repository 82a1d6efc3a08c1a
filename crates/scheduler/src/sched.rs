//! The scheduler: a clock, a queue of pending events, and cancellable keys.

use crate::backend::{Backend, EventStore};
use crate::inline::InlineRadixQueue;
use crate::time::{Duration, SimTime};
use std::marker::PhantomData;

/// A handle on one scheduled event, for [`Scheduler::cancel`] and
/// [`Scheduler::reschedule`]. It goes stale once the event has fired or been
/// cancelled; using a stale key is harmless (cancel returns `None`,
/// reschedule returns [`ScheduleError::UnknownKey`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EventKey {
    pub(crate) slot: u32,
    pub(crate) generation: u32,
    /// When the event was scheduled to fire (a reschedule records the new
    /// time in the backend), so that a backend can find the event without
    /// writing anything per event.
    pub(crate) time: SimTime,
}

/// Why an event could not be scheduled or rescheduled. None is fatal to the
/// scheduler: its state is unchanged after an error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScheduleError {
    /// The requested time is earlier than the current time.
    #[error("cannot schedule at {at} before the current time {now}")]
    InPast {
        /// Requested time.
        at: SimTime,
        /// Current time.
        now: SimTime,
    },
    /// `now + delay` does not fit in a `u64` of seconds.
    #[error("scheduling {delay:?} after {now} overflows the clock")]
    Overflow {
        /// Current time.
        now: SimTime,
        /// Requested delay.
        delay: Duration,
    },
    /// The key's event already fired or was cancelled.
    #[error("the event key is stale (the event fired or was cancelled)")]
    UnknownKey,
    /// More than `u32::MAX` events pending at once.
    #[error("too many pending events (more than 4,294,967,295)")]
    TooManyPending,
}

/// Why a run stopped early. Fatal to the run: a scenario that hits it is
/// either runaway or needs a larger budget.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The run processed its maximum number of events.
    #[error("event budget of {budget} events exhausted at {now}: a runaway scenario, or raise the budget")]
    BudgetExhausted {
        /// The budget that was exhausted.
        budget: u64,
        /// The time the budget ran out.
        now: SimTime,
    },
}

/// A discrete-event scheduler over events of type `E`, with the backend `Q`
/// chosen by type parameter. The default, [`InlineRadixQueue`], keeps the
/// events inside a monotone radix queue; it was the fastest backend at
/// 10³, 10⁵ and 10⁶ pending events in the hold bench (`docs/benchmarks.md`).
/// Any [`EventQueue`](crate::EventQueue) (`HeapQueue`, `IndexedQueue`,
/// `RadixQueue`, `AutoQueue`) is a backend too, through a slab of events;
/// `IndexedQueue` removes cancelled events at once instead of lazily.
///
/// # Ordering guarantee
///
/// Events fire in increasing time. Events at the same tick fire in the order
/// they were scheduled: each `schedule_*` and each `reschedule` takes the next
/// value of one increasing sequence number, and `(time, sequence)` orders the
/// queue. A rescheduled event therefore goes behind every event already
/// scheduled for its new tick. Given the same calls, every backend yields the
/// same sequence of events, so a run is a pure function of its inputs.
///
/// # Time never goes backwards
///
/// Scheduling before [`now`](Self::now) is an error, so the clock is
/// monotone and backends may rely on it.
pub struct Scheduler<E, Q: Backend = InlineRadixQueue> {
    now: SimTime,
    next_seq: u64,
    store: Q::Store<E>,
    processed: u64,
    budget: u64,
}

impl<E, Q: Backend> std::fmt::Debug for Scheduler<E, Q> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("now", &self.now)
            .field("pending", &self.store.len())
            .field("processed", &self.processed)
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}

impl<E, Q: Backend> Default for Scheduler<E, Q> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E, Q: Backend> Scheduler<E, Q> {
    /// An empty scheduler at time zero, with no event budget.
    pub fn new() -> Self {
        Scheduler {
            now: SimTime::ZERO,
            next_seq: 0,
            store: Q::Store::<E>::default(),
            processed: 0,
            budget: u64::MAX,
        }
    }

    /// Sets the maximum number of events this scheduler will hand out; the
    /// next one after that is a [`RunError::BudgetExhausted`].
    pub fn with_budget(mut self, max_events: u64) -> Self {
        self.budget = max_events;
        self
    }

    /// The current time: the time of the last event handed out, or the end
    /// of the last [`next_event_until`](Self::next_event_until) window.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Events handed out so far.
    pub fn events_processed(&self) -> u64 {
        self.processed
    }

    /// Events scheduled and not yet fired or cancelled.
    pub fn pending(&self) -> usize {
        self.store.len()
    }

    /// Schedules `event` at `at`; an error if `at` is before [`now`](Self::now).
    #[inline(always)]
    pub fn schedule_at(&mut self, at: SimTime, event: E) -> Result<EventKey, ScheduleError> {
        if at < self.now {
            return Err(ScheduleError::InPast { at, now: self.now });
        }
        let key = self.store.insert(at, self.next_seq, event)?;
        self.next_seq += 1;
        Ok(key)
    }

    /// Schedules `event` after `delay` from now.
    #[inline]
    pub fn schedule_after(&mut self, delay: Duration, event: E) -> Result<EventKey, ScheduleError> {
        let at = self
            .now
            .checked_add(delay)
            .ok_or(ScheduleError::Overflow { now: self.now, delay })?;
        self.schedule_at(at, event)
    }

    /// Cancels a pending event and returns it; `None` if the key is stale.
    pub fn cancel(&mut self, key: EventKey) -> Option<E> {
        self.store.cancel(key)
    }

    /// Moves a pending event to `at`. It takes a new sequence number, so it
    /// fires after the events already scheduled for `at`.
    pub fn reschedule(&mut self, key: EventKey, at: SimTime) -> Result<(), ScheduleError> {
        self.store.reschedule(key, at, self.next_seq, self.now)?;
        self.next_seq += 1;
        Ok(())
    }

    /// The time of the next pending event, if any.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.store.peek_time()
    }

    /// Hands out the next event and advances the clock to its time
    /// (`step`). `Ok(None)` when nothing is pending.
    #[inline]
    pub fn next_event(&mut self) -> Result<Option<(SimTime, E)>, RunError> {
        self.next_event_until(SimTime::MAX)
    }

    /// Hands out the next event if it fires at or before `end`; otherwise
    /// advances the clock to `end` (if later than now) and returns `Ok(None)`.
    #[inline]
    pub fn next_event_until(&mut self, end: SimTime) -> Result<Option<(SimTime, E)>, RunError> {
        if self.processed >= self.budget {
            return self.budget_exhausted(end);
        }
        match self.store.pop_until(end) {
            Some((t, event)) => {
                self.now = t;
                self.processed += 1;
                Ok(Some((t, event)))
            }
            None => {
                if end != SimTime::MAX {
                    self.now = self.now.max(end);
                }
                Ok(None)
            }
        }
    }

    /// The budget is spent: an error if an event is due by `end`, else the
    /// clock moves to `end` as usual.
    #[cold]
    fn budget_exhausted(&mut self, end: SimTime) -> Result<Option<(SimTime, E)>, RunError> {
        match self.store.peek_time() {
            Some(t) if t <= end => Err(RunError::BudgetExhausted {
                budget: self.budget,
                now: self.now,
            }),
            _ => {
                if end != SimTime::MAX {
                    self.now = self.now.max(end);
                }
                Ok(None)
            }
        }
    }

    /// Runs every event up to and including `end` through `handler`, which
    /// may schedule, cancel and reschedule; leaves the clock at `end` (for
    /// `end = SimTime::MAX`, at the last event handled). Returns the number
    /// of events handled.
    pub fn run_until<F>(&mut self, end: SimTime, mut handler: F) -> Result<u64, RunError>
    where
        F: FnMut(&mut Self, SimTime, E),
    {
        let before = self.processed;
        while let Some((t, e)) = self.next_event_until(end)? {
            handler(self, t, e);
        }
        Ok(self.processed - before)
    }

    /// Drops every pending event and resets the clock to zero, keeping
    /// allocated memory (for replications that reuse one scheduler). Keys
    /// handed out before stay stale: they never name an event scheduled after.
    pub fn reset(&mut self) {
        self.store.clear();
        self.now = SimTime::ZERO;
        self.next_seq = 0;
        self.processed = 0;
    }
}

/// What a domain needs from the scheduler: the clock and its own events.
///
/// Domains are written against `Agenda<TheirEvent>`; the stack hands them a
/// [`Mapped`] view of the one shared scheduler that wraps their events into
/// the stack's event type. A domain therefore never names another domain's
/// events, and is tested alone on a plain `Scheduler<TheirEvent>`.
pub trait Agenda<E> {
    /// The current time.
    fn now(&self) -> SimTime;
    /// Schedules `event` at `at` (not before now).
    fn schedule_at(&mut self, at: SimTime, event: E) -> Result<EventKey, ScheduleError>;
    /// Cancels a pending event; `false` if the key was stale.
    fn cancel(&mut self, key: EventKey) -> bool;
    /// Moves a pending event to `at` (not before now).
    fn reschedule(&mut self, key: EventKey, at: SimTime) -> Result<(), ScheduleError>;
    /// Schedules `event` after `delay` from now.
    fn schedule_after(&mut self, delay: Duration, event: E) -> Result<EventKey, ScheduleError> {
        let now = self.now();
        let at = now
            .checked_add(delay)
            .ok_or(ScheduleError::Overflow { now, delay })?;
        self.schedule_at(at, event)
    }
}

impl<E, Q: Backend> Agenda<E> for Scheduler<E, Q> {
    #[inline]
    fn now(&self) -> SimTime {
        self.now
    }
    #[inline]
    fn schedule_at(&mut self, at: SimTime, event: E) -> Result<EventKey, ScheduleError> {
        Scheduler::schedule_at(self, at, event)
    }
    #[inline]
    fn cancel(&mut self, key: EventKey) -> bool {
        Scheduler::cancel(self, key).is_some()
    }
    #[inline]
    fn reschedule(&mut self, key: EventKey, at: SimTime) -> Result<(), ScheduleError> {
        Scheduler::reschedule(self, key, at)
    }
}

/// A view of an `Agenda<Outer>` as an `Agenda<Inner>`, wrapping each
/// scheduled `Inner` event with `wrap` (typically an enum variant
/// constructor such as `StackEvent::Grid`).
pub struct Mapped<'a, A: ?Sized, F, Outer> {
    inner: &'a mut A,
    wrap: F,
    _outer: PhantomData<fn() -> Outer>,
}

impl<'a, A: ?Sized, F, Outer> Mapped<'a, A, F, Outer> {
    /// Wraps `inner` so that events of another type can be scheduled on it.
    pub fn new(inner: &'a mut A, wrap: F) -> Self {
        Mapped {
            inner,
            wrap,
            _outer: PhantomData,
        }
    }
}

impl<A, F, Inner, Outer> Agenda<Inner> for Mapped<'_, A, F, Outer>
where
    A: Agenda<Outer> + ?Sized,
    F: Fn(Inner) -> Outer,
{
    #[inline]
    fn now(&self) -> SimTime {
        self.inner.now()
    }
    #[inline]
    fn schedule_at(&mut self, at: SimTime, event: Inner) -> Result<EventKey, ScheduleError> {
        self.inner.schedule_at(at, (self.wrap)(event))
    }
    #[inline]
    fn cancel(&mut self, key: EventKey) -> bool {
        self.inner.cancel(key)
    }
    #[inline]
    fn reschedule(&mut self, key: EventKey, at: SimTime) -> Result<(), ScheduleError> {
        self.inner.reschedule(key, at)
    }
}
