//! Where pending events live: the storage behind a [`Scheduler`](crate::Scheduler).
//!
//! A [`Backend`] is the type parameter a user names (`Scheduler<E, HeapQueue>`);
//! its [`Store`](Backend::Store) holds the pending events of type `E` and their
//! keys. Two kinds exist:
//!
//! - Every key queue ([`EventQueue`]: [`HeapQueue`](crate::HeapQueue),
//!   [`IndexedQueue`](crate::IndexedQueue), [`RadixQueue`](crate::RadixQueue),
//!   [`AutoQueue`](crate::AutoQueue)) is a backend through [`SlabStore`]: the
//!   events sit in a slab and the queue orders 24-byte keys that point into
//!   it. Popping an event reads its slab slot, one cache miss per event once
//!   the slab outgrows the cache.
//! - [`InlineRadixQueue`](crate::InlineRadixQueue) keeps each event inside its
//!   queue entry, so a pop touches only memory the queue walks sequentially;
//!   scheduling and firing touch no per-slot record (the key carries the
//!   event's time; only a reschedule writes one).

use crate::queue::{Entry, EventQueue};
use crate::sched::{EventKey, ScheduleError};
use crate::time::SimTime;

/// A scheduler backend: names the store that holds pending events of any
/// type `E`. Implemented by every [`EventQueue`] (through [`SlabStore`]) and
/// by [`InlineRadixQueue`](crate::InlineRadixQueue).
pub trait Backend {
    /// The storage of pending events of type `E`.
    type Store<E>: EventStore<E>;
}

/// Pending events and their keys, ordered by `(time, scheduling order)`.
///
/// Contract (upheld by the [`Scheduler`](crate::Scheduler)): `time` given to
/// [`insert`](Self::insert) and [`reschedule`](Self::reschedule) is never
/// earlier than the time of the last event returned by
/// [`pop_until`](Self::pop_until), and `seq` values are unique and increasing.
pub trait EventStore<E>: Default {
    /// Adds `event` at `time` with sequence number `seq`; its key.
    fn insert(&mut self, time: SimTime, seq: u64, event: E) -> Result<EventKey, ScheduleError>;
    /// Removes and returns the earliest pending event if it fires at or
    /// before `end`.
    fn pop_until(&mut self, end: SimTime) -> Option<(SimTime, E)>;
    /// The time of the earliest pending event.
    fn peek_time(&mut self) -> Option<SimTime>;
    /// Removes a pending event and returns it; `None` if the key is stale.
    fn cancel(&mut self, key: EventKey) -> Option<E>;
    /// Moves a pending event to `time` with the new sequence number `seq`:
    /// [`ScheduleError::UnknownKey`] if the key is stale, else
    /// [`ScheduleError::InPast`] if `time` is before `now`; unchanged on error.
    fn reschedule(
        &mut self,
        key: EventKey,
        time: SimTime,
        seq: u64,
        now: SimTime,
    ) -> Result<(), ScheduleError>;
    /// Pending events.
    fn len(&self) -> usize;
    /// Whether nothing is pending.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Drops every pending event, keeping allocated memory; time restarts
    /// from zero.
    fn clear(&mut self);
}

impl<Q: EventQueue> Backend for Q {
    type Store<E> = SlabStore<E, Q>;
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

/// The events of a key-queue backend: a slab of events indexed by slot, a
/// free list, and the queue `Q` of `(time, seq, slot)` keys. Lazy backends
/// leave cancelled keys in the queue and drop them when they surface.
#[derive(Debug)]
pub struct SlabStore<E, Q> {
    queue: Q,
    slots: Vec<Slot<E>>,
    free: Vec<u32>,
    pending: usize,
    /// The queue's top entry is the event last handed out, not yet removed:
    /// an insert right after can replace it in one queue operation ("hold in
    /// place"); any other queue operation removes it first.
    held: bool,
}

impl<E, Q: EventQueue> Default for SlabStore<E, Q> {
    fn default() -> Self {
        SlabStore {
            queue: Q::default(),
            slots: Vec::new(),
            free: Vec::new(),
            pending: 0,
            held: false,
        }
    }
}

impl<E, Q: EventQueue> SlabStore<E, Q> {
    /// Removes the entry of the event last handed out, if still at the top.
    #[inline]
    fn drop_held(&mut self) {
        if self.held {
            self.held = false;
            self.queue.pop();
        }
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

impl<E, Q: EventQueue> EventStore<E> for SlabStore<E, Q> {
    #[inline]
    fn insert(&mut self, time: SimTime, seq: u64, event: E) -> Result<EventKey, ScheduleError> {
        let slot = match self.free.pop() {
            Some(slot) => {
                let s = &mut self.slots[slot as usize];
                s.seq = seq;
                s.time = time;
                s.event = Some(event);
                slot
            }
            None => {
                let slot = u32::try_from(self.slots.len()).map_err(|_| ScheduleError::TooManyPending)?;
                self.slots.push(Slot {
                    seq,
                    time,
                    generation: 0,
                    event: Some(event),
                });
                slot
            }
        };
        let entry = Entry { time, seq, slot };
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
            time,
        })
    }

    #[inline]
    fn pop_until(&mut self, end: SimTime) -> Option<(SimTime, E)> {
        self.drop_held();
        loop {
            let top = self.queue.peek()?;
            if top.time > end {
                return None;
            }
            if Q::LAZY && !self.is_live(top) {
                self.queue.pop_stale();
                continue;
            }
            let Some(event) = self.slots[top.slot as usize].event.take() else {
                // Unreachable: a live entry's slot holds its event. Drop the
                // entry rather than panic.
                self.queue.pop_stale();
                continue;
            };
            self.release(top.slot);
            // Leave the entry at the top: the handler's next insert may
            // replace it in place (see `held`).
            self.held = true;
            return Some((top.time, event));
        }
    }

    fn peek_time(&mut self) -> Option<SimTime> {
        self.drop_held();
        self.skip_stale();
        self.queue.peek().map(|e| e.time)
    }

    fn cancel(&mut self, key: EventKey) -> Option<E> {
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

    fn reschedule(
        &mut self,
        key: EventKey,
        time: SimTime,
        seq: u64,
        now: SimTime,
    ) -> Result<(), ScheduleError> {
        let slot = self.live_slot(key).ok_or(ScheduleError::UnknownKey)?;
        if time < now {
            return Err(ScheduleError::InPast { at: time, now });
        }
        self.drop_held();
        let s = &mut self.slots[slot as usize];
        let old = Entry {
            time: s.time,
            seq: s.seq,
            slot,
        };
        s.time = time;
        s.seq = seq;
        self.queue.reschedule(old, Entry { time, seq, slot });
        Ok(())
    }

    fn len(&self) -> usize {
        self.pending
    }

    fn clear(&mut self) {
        self.held = false;
        self.queue.clear();
        // Slots are kept, each under a generation no key handed out before
        // has (a live one is released as a cancel would), so a key from
        // before the clear stays stale instead of naming a new event.
        for s in &mut self.slots {
            if s.event.take().is_some() {
                s.generation = s.generation.wrapping_add(1);
            }
        }
        self.free.clear();
        self.free.extend((0..self.slots.len() as u32).rev());
        self.pending = 0;
    }
}
