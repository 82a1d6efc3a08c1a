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
//! number that no longer matches its slot. [`RadixQueue`] is a monotone radix
//! heap that exploits the rule that time never goes backwards; it is lazy too.

use crate::time::SimTime;
use priority_queue::PriorityQueue;
use std::cell::Cell;
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
    /// Removes the smallest entry and adds `entry`, in one operation where
    /// the backend can (a binary heap sifts once instead of twice). The
    /// scheduler calls it when a handler schedules while the event it is
    /// handling still sits at the top ("hold in place"). `entry` is never
    /// smaller than the removed top.
    #[inline]
    fn replace_top(&mut self, entry: Entry) {
        self.pop();
        self.push(entry);
    }
    /// Removes the smallest entry, which the scheduler found stale (lazy
    /// backends only). Unlike [`pop`](Self::pop) it must not assume the
    /// clock reached the entry's time: later pushes may be earlier than it.
    #[inline]
    fn pop_stale(&mut self) {
        self.pop();
    }
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
    #[inline]
    fn replace_top(&mut self, entry: Entry) {
        if let Some(mut top) = self.heap.peek_mut() {
            // Assigning through PeekMut sifts the new entry down once on drop.
            *top = Reverse(entry);
            return;
        }
        self.heap.push(Reverse(entry));
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
        self.pq
            .pop()
            .map(|(slot, Reverse((time, seq)))| Entry { time, seq, slot })
    }
    #[inline]
    fn peek(&self) -> Option<Entry> {
        self.pq
            .peek()
            .map(|(&slot, &Reverse((time, seq)))| Entry { time, seq, slot })
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

/// Monotone radix heap keyed by the 128-bit key `(time, seq)`, with lazy
/// cancellation: amortised `O(1)` push and `O(log C)` pop that touches memory
/// almost only sequentially, where a binary heap jumps through `log n` cache
/// lines per operation. Fastest of the backends at large queues.
///
/// It relies on the [`EventQueue`] contract: every pushed key is larger than
/// the last popped one (time never goes backwards and `seq` only grows).
/// Entries live in 128 buckets; bucket `b` holds the keys whose highest bit
/// differing from the last popped key is bit `b` of the 128-bit key. The
/// lowest non-empty bucket holds the smallest key; popping it redistributes
/// that bucket's other entries into lower buckets (each entry moves at most
/// 128 times in its life, in practice a few). The smallest entry is cached,
/// so [`peek`](EventQueue::peek) is `O(1)` after a pop.
#[derive(Debug)]
pub struct RadixQueue {
    /// The last popped key `(time, seq)`; every held key is larger.
    last: (SimTime, u64),
    /// `buckets[b]`: keys whose highest bit differing from `last` is `b`
    /// (bits 0–63: `seq`; 64–127: `time`).
    buckets: Vec<Vec<Entry>>,
    /// Bit `b` set when `buckets[b]` is non-empty.
    occupied: u128,
    /// Entries held.
    len: usize,
    /// The smallest held entry, when known (cleared when unknown).
    min: Cell<Option<Entry>>,
}

impl Default for RadixQueue {
    fn default() -> Self {
        RadixQueue {
            last: (SimTime::ZERO, 0),
            buckets: (0..128).map(|_| Vec::new()).collect(),
            occupied: 0,
            len: 0,
            min: Cell::new(None),
        }
    }
}

impl RadixQueue {
    /// Bucket of `e` relative to `last`: the highest differing bit of the
    /// 128-bit key (0 if equal).
    #[inline]
    fn bucket_of(last: (SimTime, u64), e: Entry) -> usize {
        let dt = e.time.0 ^ last.0.0;
        if dt != 0 {
            127 - dt.leading_zeros() as usize
        } else {
            // `| 1`: a key equal to `last` (only the very first key can be)
            // shares bucket 0 with the key differing in bit 0.
            63 - ((e.seq ^ last.1) | 1).leading_zeros() as usize
        }
    }

    /// Appends `e` to bucket `b`. A full bucket first borrows the storage of
    /// a larger empty bucket (swap, then copy its entries over) before it
    /// grows: the entries move between buckets but their total stays `N`,
    /// so once the buckets have grown, the hot loop stops allocating.
    #[inline]
    fn put(&mut self, b: usize, e: Entry) {
        if self.buckets[b].len() == self.buckets[b].capacity() {
            self.make_room(b);
        }
        self.buckets[b].push(e);
        self.occupied |= 1u128 << b;
    }

    #[cold]
    #[inline(never)]
    fn make_room(&mut self, b: usize) {
        let need = self.buckets[b].len();
        let spare = (0..self.buckets.len())
            .filter(|&j| j != b && self.buckets[j].is_empty() && self.buckets[j].capacity() > need)
            .max_by_key(|&j| self.buckets[j].capacity());
        if let Some(j) = spare {
            self.buckets.swap(b, j);
            let mut small = std::mem::take(&mut self.buckets[j]);
            self.buckets[b].extend_from_slice(&small);
            small.clear();
            self.buckets[j] = small;
        }
    }

    /// The smallest entry of the lowest non-empty bucket (the global minimum).
    fn scan_min(&self) -> Option<Entry> {
        if self.occupied == 0 {
            return None;
        }
        let b = self.occupied.trailing_zeros() as usize;
        self.buckets[b].iter().copied().min()
    }
}

impl EventQueue for RadixQueue {
    const LAZY: bool = true;

    #[inline]
    fn push(&mut self, entry: Entry) {
        debug_assert!(
            (entry.time, entry.seq) >= self.last,
            "radix queue: key below the last popped key"
        );
        let b = Self::bucket_of(self.last, entry);
        self.put(b, entry);
        self.len += 1;
        if let Some(m) = self.min.get()
            && entry < m
        {
            self.min.set(Some(entry));
        }
    }

    #[inline]
    fn pop(&mut self) -> Option<Entry> {
        let top = match self.min.take() {
            Some(m) => m,
            None => self.scan_min()?,
        };
        let b = self.occupied.trailing_zeros() as usize;
        self.last = (top.time, top.seq);
        self.len -= 1;
        if b == 0 {
            // Bucket 0 holds at most the keys `last` and `last ^ 1`: it needs
            // no redistribution, and what is left is the new minimum.
            let bucket = &mut self.buckets[0];
            if let Some(i) = bucket.iter().position(|e| *e == top) {
                bucket.swap_remove(i);
            }
            match bucket.first() {
                Some(&rest) => self.min.set(Some(rest)),
                None => self.occupied &= !1,
            }
            return Some(top);
        }
        let mut bucket = std::mem::take(&mut self.buckets[b]);
        self.occupied &= !(1u128 << b);
        if bucket.len() > 1 {
            // Every other entry of bucket `b` now differs from `last` in a
            // lower bit: move it down, noting the new minimum on the way.
            let mut next_min: Option<Entry> = None;
            for &e in &bucket {
                if e == top {
                    continue;
                }
                self.put(Self::bucket_of(self.last, e), e);
                if next_min.is_none_or(|m| e < m) {
                    next_min = Some(e);
                }
            }
            self.min.set(next_min);
        }
        bucket.clear();
        self.buckets[b] = bucket;
        Some(top)
    }

    #[inline]
    fn peek(&self) -> Option<Entry> {
        if let Some(m) = self.min.get() {
            return Some(m);
        }
        let m = self.scan_min();
        self.min.set(m);
        m
    }

    #[inline]
    fn cancel(&mut self, _old: Entry) {}

    #[inline]
    fn reschedule(&mut self, _old: Entry, new: Entry) {
        self.push(new);
    }

    /// Removes the smallest entry without advancing the last popped key (the
    /// scheduler's clock may still be before it): a swap-remove from its
    /// bucket, which stays valid relative to the old key.
    fn pop_stale(&mut self) {
        let Some(top) = self.peek() else { return };
        self.min.set(None);
        let b = self.occupied.trailing_zeros() as usize;
        let bucket = &mut self.buckets[b];
        if let Some(i) = bucket.iter().position(|e| *e == top) {
            bucket.swap_remove(i);
            self.len -= 1;
            if bucket.is_empty() {
                self.occupied &= !(1u128 << b);
            }
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    fn clear(&mut self) {
        for b in &mut self.buckets {
            b.clear();
        }
        self.occupied = 0;
        self.len = 0;
        self.last = (SimTime::ZERO, 0);
        self.min.set(None);
    }
}

/// Adaptive backend: a binary heap while the queue is small, a radix heap
/// once it has held `SWITCH_AT` entries. Small queues fit in cache, where the
/// heap is fastest and holds in place with one sift ([`EventQueue::replace_top`]);
/// large ones miss cache on every heap level, where the radix heap's mostly
/// sequential memory traffic wins. The switch moves every entry once and is
/// one-way until [`clear`](EventQueue::clear). It depends only on the number
/// of entries, and both structures pop in `(time, seq)` order, so the choice
/// never changes the event sequence.
#[derive(Debug, Default)]
pub struct AutoQueue<const SWITCH_AT: usize = 65_536> {
    heap: HeapQueue,
    radix: RadixQueue,
    /// Whether the entries live in `radix` (else in `heap`).
    large: bool,
}

impl<const SWITCH_AT: usize> AutoQueue<SWITCH_AT> {
    /// Whether the entries have moved to the radix heap.
    pub fn is_radix(&self) -> bool {
        self.large
    }

    #[cold]
    fn switch_to_radix(&mut self) {
        // The radix heap starts from key (0, 0), below every key: correct for
        // any entry, and the first pops spread the entries over its buckets.
        self.radix.clear();
        for Reverse(e) in self.heap.heap.drain() {
            self.radix.push(e);
        }
        // Return the heap's memory: a large queue rarely shrinks back.
        self.heap.heap.shrink_to_fit();
        self.large = true;
    }
}

impl<const SWITCH_AT: usize> EventQueue for AutoQueue<SWITCH_AT> {
    const LAZY: bool = true;

    #[inline]
    fn push(&mut self, entry: Entry) {
        if self.large {
            self.radix.push(entry);
        } else {
            self.heap.push(entry);
            if self.heap.len() >= SWITCH_AT {
                self.switch_to_radix();
            }
        }
    }
    #[inline]
    fn pop(&mut self) -> Option<Entry> {
        if self.large {
            self.radix.pop()
        } else {
            self.heap.pop()
        }
    }
    #[inline]
    fn peek(&self) -> Option<Entry> {
        if self.large {
            self.radix.peek()
        } else {
            self.heap.peek()
        }
    }
    #[inline]
    fn cancel(&mut self, _old: Entry) {}
    #[inline]
    fn reschedule(&mut self, _old: Entry, new: Entry) {
        self.push(new);
    }
    fn len(&self) -> usize {
        if self.large {
            self.radix.len()
        } else {
            self.heap.len()
        }
    }
    fn clear(&mut self) {
        self.heap.clear();
        self.radix.clear();
        self.large = false;
    }
    #[inline]
    fn replace_top(&mut self, entry: Entry) {
        if self.large {
            self.radix.pop();
            self.radix.push(entry);
        } else {
            self.heap.replace_top(entry);
        }
    }
    #[inline]
    fn pop_stale(&mut self) {
        if self.large {
            self.radix.pop_stale()
        } else {
            self.heap.pop_stale()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(time: u64, seq: u64) -> Entry {
        Entry {
            time: SimTime(time),
            seq,
            slot: seq as u32,
        }
    }

    #[test]
    fn auto_queue_switches_at_its_threshold_and_back_on_clear() {
        let mut q: AutoQueue<4> = AutoQueue::default();
        for i in 0..3 {
            q.push(entry(10 - i, i));
        }
        assert!(!q.is_radix());
        q.push(entry(5, 3));
        assert!(q.is_radix());
        let popped: Vec<u64> = std::iter::from_fn(|| q.pop()).map(|e| e.time.0).collect();
        assert_eq!(popped, [5, 8, 9, 10]);
        q.clear();
        assert!(!q.is_radix());
    }

    #[test]
    fn radix_pop_stale_keeps_later_pushes_valid() {
        let mut q = RadixQueue::default();
        q.push(entry(100, 0));
        q.push(entry(200, 1));
        // The entry at 100 is stale: dropping it must not forbid a push at 50.
        q.pop_stale();
        q.push(entry(50, 2));
        assert_eq!(q.pop(), Some(entry(50, 2)));
        assert_eq!(q.pop(), Some(entry(200, 1)));
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn heap_replace_top_is_pop_then_push() {
        let mut q = HeapQueue::default();
        for (t, s) in [(3, 0), (1, 1), (2, 2)] {
            q.push(entry(t, s));
        }
        q.replace_top(entry(4, 3));
        let order: Vec<u64> = std::iter::from_fn(|| q.pop()).map(|e| e.time.0).collect();
        assert_eq!(order, [2, 3, 4]);
    }
}
