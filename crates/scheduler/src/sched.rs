//! The scheduler: a clock, a queue of pending events, and cancellable keys.

use crate::queue::{Entry, EventQueue, HeapQueue};
use crate::time::{Duration, SimTime};
use std::marker::PhantomData;

/// A handle on one scheduled event, for [`Scheduler::cancel`] and
/// [`Scheduler::reschedule`]. It goes stale once the event has fired or been
/// cancelled; using a stale key is harmless (cancel returns `None`,
/// reschedule returns [`ScheduleError::UnknownKey`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EventKey {
    slot: u32,
    generation: u32,
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

#[derive(Debug)]
struct Slot<E> {
    /// Sequence number of the live entry for this slot; meaningless when free.
    seq: u64,
    /// Time of the live entry.
    time: SimTime,
    /// Bumped every time the slot is freed, so old keys go stale.
    generation: u32,
    event: Option<E>,
}

/// A discrete-event scheduler over events of type `E`, with the queue
/// backend `Q` chosen by type parameter (default [`HeapQueue`]; pick
/// [`AutoQueue`](crate::AutoQueue) for queues that may grow past ~65,000
/// pending events, where it is 2–4× faster).
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
#[derive(Debug)]
pub struct Scheduler<E, Q: EventQueue = HeapQueue> {
    now: SimTime,
    next_seq: u64,
    queue: Q,
    slots: Vec<Slot<E>>,
    free: Vec<u32>,
    pending: usize,
    processed: u64,
    budget: u64,
    /// The queue's top entry is the event last handed out, not yet removed:
    /// a `schedule_*` right after can replace it in one queue operation
    /// ("hold in place"); any other queue operation removes it first.
    held: bool,
}

impl<E, Q: EventQueue> Default for Scheduler<E, Q> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E, Q: EventQueue> Scheduler<E, Q> {
    /// An empty scheduler at time zero, with no event budget.
    pub fn new() -> Self {
        Scheduler {
            now: SimTime::ZERO,
            next_seq: 0,
            queue: Q::default(),
            slots: Vec::new(),
            free: Vec::new(),
            pending: 0,
            processed: 0,
            budget: u64::MAX,
            held: false,
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
        self.pending
    }

    /// Schedules `event` at `at`; an error if `at` is before [`now`](Self::now).
    #[inline]
    pub fn schedule_at(&mut self, at: SimTime, event: E) -> Result<EventKey, ScheduleError> {
        if at < self.now {
            return Err(ScheduleError::InPast { at, now: self.now });
        }
        let seq = self.take_seq();
        let slot = match self.free.pop() {
            Some(slot) => {
                let s = &mut self.slots[slot as usize];
                s.seq = seq;
                s.time = at;
                s.event = Some(event);
                slot
            }
            None => {
                let slot = u32::try_from(self.slots.len()).map_err(|_| ScheduleError::TooManyPending)?;
                self.slots.push(Slot {
                    seq,
                    time: at,
                    generation: 0,
                    event: Some(event),
                });
                slot
            }
        };
        let entry = Entry { time: at, seq, slot };
        if self.held {
            self.held = false;
            self.queue.replace_top(entry);
        } else {
            self.queue.push(entry);
        }
        self.pending += 1;
        Ok(EventKey {
            slot,
            generation: self.slots[slot as usize].generation,
        })
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
        let slot = self.live_slot(key)?;
        self.drop_held();
        let s = &mut self.slots[slot as usize];
        let old = Entry {
            time: s.time,
            seq: s.seq,
            slot,
        };
        let event = s.event.take();
        self.queue.cancel(old);
        self.release(slot);
        event
    }

    /// Moves a pending event to `at`. It takes a new sequence number, so it
    /// fires after the events already scheduled for `at`.
    pub fn reschedule(&mut self, key: EventKey, at: SimTime) -> Result<(), ScheduleError> {
        let slot = self.live_slot(key).ok_or(ScheduleError::UnknownKey)?;
        if at < self.now {
            return Err(ScheduleError::InPast { at, now: self.now });
        }
        self.drop_held();
        let seq = self.take_seq();
        let s = &mut self.slots[slot as usize];
        let old = Entry {
            time: s.time,
            seq: s.seq,
            slot,
        };
        s.time = at;
        s.seq = seq;
        self.queue.reschedule(old, Entry { time: at, seq, slot });
        Ok(())
    }

    /// The time of the next pending event, if any.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.drop_held();
        self.skip_stale();
        self.queue.peek().map(|e| e.time)
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
        self.drop_held();
        loop {
            let Some(top) = self.queue.peek() else {
                if end != SimTime::MAX {
                    self.now = self.now.max(end);
                }
                return Ok(None);
            };
            if top.time > end {
                self.now = self.now.max(end);
                return Ok(None);
            }
            if Q::LAZY && !self.is_live(top) {
                self.queue.pop_stale();
                continue;
            }
            if self.processed >= self.budget {
                return Err(RunError::BudgetExhausted {
                    budget: self.budget,
                    now: self.now,
                });
            }
            let Some(event) = self.slots[top.slot as usize].event.take() else {
                // Unreachable: a live entry's slot holds its event. Drop the
                // entry rather than panic.
                self.queue.pop_stale();
                continue;
            };
            self.release(top.slot);
            // Leave the entry at the top: the handler's next schedule may
            // replace it in place (see `held`).
            self.held = true;
            self.now = top.time;
            self.processed += 1;
            return Ok(Some((top.time, event)));
        }
    }

    /// Runs every event up to and including `end` through `handler`, which
    /// may schedule, cancel and reschedule; leaves the clock at `end`.
    /// Returns the number of events handled.
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
    /// allocated memory (for replications that reuse one scheduler).
    pub fn reset(&mut self) {
        self.held = false;
        self.queue.clear();
        self.slots.clear();
        self.free.clear();
        self.now = SimTime::ZERO;
        self.next_seq = 0;
        self.pending = 0;
        self.processed = 0;
    }

    /// Removes the entry of the event last handed out, if still at the top.
    #[inline]
    fn drop_held(&mut self) {
        if self.held {
            self.held = false;
            self.queue.pop();
        }
    }

    #[inline]
    fn take_seq(&mut self) -> u64 {
        let s = self.next_seq;
        self.next_seq += 1;
        s
    }

    #[inline]
    fn is_live(&self, e: Entry) -> bool {
        let s = &self.slots[e.slot as usize];
        s.seq == e.seq && s.event.is_some()
    }

    fn skip_stale(&mut self) {
        if Q::LAZY {
            while let Some(top) = self.queue.peek() {
                if self.is_live(top) {
                    break;
                }
                self.queue.pop_stale();
            }
        }
    }

    fn live_slot(&self, key: EventKey) -> Option<u32> {
        let s = self.slots.get(key.slot as usize)?;
        (s.generation == key.generation && s.event.is_some()).then_some(key.slot)
    }

    #[inline]
    fn release(&mut self, slot: u32) {
        let s = &mut self.slots[slot as usize];
        s.generation = s.generation.wrapping_add(1);
        self.free.push(slot);
        self.pending -= 1;
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

impl<E, Q: EventQueue> Agenda<E> for Scheduler<E, Q> {
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
