//! Event queue backends: the ordered index of pending events, behind one trait.
//!
//! A backend orders [`Entry`]s by `(time, seq)`. It never sees the events
//! themselves: the [`Scheduler`](crate::Scheduler) keeps them in a slab and
//! gives the backend only a slot number, so a backend moves 24-byte keys and
//! the hot loop allocates nothing once the slab and the queue have grown.
//!
//! Backends differ in how they cancel. One with true removal
//! ([`IndexedQueue`], on the `priority-queue` crate) deletes the entry; one with
//! lazy cancellation ([`HeapQueue`], on `std::collections::BinaryHeap`) leaves
//! it and lets the scheduler drop it when it surfaces, recognised by a sequence
//! number that no longer matches its slot.

use crate::time::SimTime;
use priority_queue::PriorityQueue;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::collections::hash_map::DefaultHasher;
use std::hash::BuildHasherDefault;

/// One pending event's key: when it fires, its scheduling sequence number
/// (unique, increasing; breaks ties in FIFO order) and its slot in the
/// scheduler's event slab.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Entry {
    /// When the event fires.
    pub time: SimTime,
    /// Sequence number given when the event was (re)scheduled.
    pub seq: u64,
    /// Index of the event in the scheduler's slab.
    pub slot: u32,
}

/// An ordered index of pending events: the smallest `(time, seq)` first.
///
/// Contract: `push` is never given a `time` earlier than the last popped
/// entry's (time never goes backwards), and `seq` values are unique and
/// increasing, so `(time, seq)` is a strict total order.
pub trait EventQueue: Default {
    /// Whether cancelled or rescheduled entries may still surface from
    /// [`pop`](Self::pop) (the scheduler then skips them).
    const LAZY: bool;
    /// Adds an entry.
    fn push(&mut self, entry: Entry);
    /// Removes and returns the smallest entry.
    fn pop(&mut self) -> Option<Entry>;
    /// The smallest entry, without removing it.
    fn peek(&self) -> Option<Entry>;
    /// `old` was cancelled: a true-removal backend deletes it; a lazy one
    /// ignores the call.
    fn cancel(&mut self, old: Entry);
    /// `old` moves to `new` (same slot, new time and seq).
    fn reschedule(&mut self, old: Entry, new: Entry);
    /// Entries held, including stale ones in a lazy backend.
    fn len(&self) -> usize;
    /// Whether no entry is held.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Drops every entry, keeping allocated memory.
    fn clear(&mut self);
}

/// Binary heap with lazy cancellation: `O(log n)` push and pop, `O(1)` cancel.
#[derive(Debug, Default)]
pub struct HeapQueue {
    heap: BinaryHeap<Reverse<Entry>>,
}

impl EventQueue for HeapQueue {
    const LAZY: bool = true;
    #[inline]
    fn push(&mut self, entry: Entry) {
        self.heap.push(Reverse(entry));
    }
    #[inline]
    fn pop(&mut self) -> Option<Entry> {
        self.heap.pop().map(|Reverse(e)| e)
    }
    #[inline]
    fn peek(&self) -> Option<Entry> {
        self.heap.peek().map(|Reverse(e)| *e)
    }
    #[inline]
    fn cancel(&mut self, _old: Entry) {}
    #[inline]
    fn reschedule(&mut self, _old: Entry, new: Entry) {
        self.heap.push(Reverse(new));
    }
    fn len(&self) -> usize {
        self.heap.len()
    }
    fn clear(&mut self) {
        self.heap.clear();
    }
}

/// A deterministic hasher for [`IndexedQueue`]: SipHash with fixed zero keys,
/// so iteration order, and hence any tie in behaviour, never depends on a
/// per-process random key.
pub type DeterministicHasher = BuildHasherDefault<DefaultHasher>;

/// Indexed heap on the `priority-queue` crate: true removal and
/// change-priority, at the price of a hash map beside the heap.
#[derive(Debug)]
pub struct IndexedQueue {
    pq: PriorityQueue<u32, Reverse<(SimTime, u64)>, DeterministicHasher>,
}

impl Default for IndexedQueue {
    fn default() -> Self {
        IndexedQueue {
            pq: PriorityQueue::with_default_hasher(),
        }
    }
}

impl EventQueue for IndexedQueue {
    const LAZY: bool = false;
    #[inline]
    fn push(&mut self, entry: Entry) {
        self.pq.push(entry.slot, Reverse((entry.time, entry.seq)));
    }
    #[inline]
    fn pop(&mut self) -> Option<Entry> {
        self.pq.pop().map(|(slot, Reverse((time, seq)))| Entry { time, seq, slot })
    }
    #[inline]
    fn peek(&self) -> Option<Entry> {
        self.pq.peek().map(|(&slot, &Reverse((time, seq)))| Entry { time, seq, slot })
    }
    #[inline]
    fn cancel(&mut self, old: Entry) {
        self.pq.remove(&old.slot);
    }
    #[inline]
    fn reschedule(&mut self, old: Entry, new: Entry) {
        debug_assert_eq!(old.slot, new.slot);
        self.pq.change_priority(&new.slot, Reverse((new.time, new.seq)));
    }
    fn len(&self) -> usize {
        self.pq.len()
    }
    fn clear(&mut self) {
        self.pq.clear();
    }
}
