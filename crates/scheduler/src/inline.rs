//! [`InlineRadixQueue`]: a monotone radix queue on event times, 256 buckets per
//! byte of the time, with each event stored inside its queue entry and the
//! earliest few events kept sorted in a short run.
//!
//! **Why.** A binary heap touches `log n` scattered cache lines per operation
//! and a slab-backed queue adds one more, random, line per pop (the popped
//! event's slot). Here the pending events live in the buckets themselves, in
//! chunks of 16 entries that the queue fills and drains front to back, so a
//! push appends to one of a few hundred bucket tails and a pop reads the
//! front of a short sorted run: memory is walked sequentially.
//!
//! **Ordering.** Let `last` be a time no later than the clock and than every
//! pending event (the earliest time of the bucket last opened). Pending events
//! are split in two:
//!
//! - the *run*: the earliest events, sorted by time (ties in scheduling
//!   order), every time in `[last, run_max]`;
//! - the *radix buckets*, every time above `run_max`: an entry at time `t`
//!   sits in bucket `(d, digit)`, where `d` is the byte holding the highest bit
//!   in which `t` and `last` differ and `digit` is byte `d` of `t`. Bucket
//!   `(d, digit)` holds only times larger than those of every bucket
//!   `(d, digit')` with `digit' < digit` and of every level below `d`, so the
//!   lowest non-empty bucket holds the earliest time.
//!
//! Pops come from the run. When it is empty, the lowest bucket is opened:
//! `last` becomes its earliest time; a small bucket (at most 64 live entries,
//! times within 2³² ticks) is sorted into the run (each entry's place is
//! the count of smaller 32-bit keys `low time bits << 6 | position`, a
//! branch-free rank sort), a large one is moved down to lower levels (its
//! entries at `last` going to the run); entries of other buckets keep their
//! place, because `last` did not change in their bytes. An entry moves down at
//! most 8 times in its life; under the hold model about 1–3 times. A new event
//! at or before `run_max` is inserted into the run in order (or, if that would
//! shift more than 32 entries, the run's later part is moved back to the
//! buckets first); a later one goes to its bucket.
//!
//! **FIFO ties without sequence numbers.** Entries with equal times always
//! share a bucket (the bucket is a function of the time and `last`). Pushes
//! append, and a move appends a bucket's entries in their order to buckets
//! that were empty (only lower levels are targets, and the lowest non-empty
//! bucket is the one moved), so equal times keep their scheduling order in
//! every bucket; the run is sorted with a stable sort and takes a new event
//! after those of equal time.
//!
//! **Cancellation without touching memory per event.** A key carries its
//! slot, a generation and the event's time; the entry carries the same slot
//! and generation; free slots carry the generation of their next key. So
//! scheduling and firing never read or write a per-slot record: the only one,
//! 16 bytes per slot, notes where a rescheduled event went and is written by
//! `reschedule` alone. Cancelling or rescheduling finds the entry in the run
//! (binary search by time) or in the bucket its time maps to (a linear scan of
//! that bucket), takes the event out and leaves a tombstone that the queue
//! drops when it moves or pops it. A key whose time is before `last`, or whose
//! entry is no longer live where its time maps (fired, cancelled, or its slot
//! reused under a new generation), is stale.

use crate::backend::{Backend, EventStore};
use crate::sched::{EventKey, ScheduleError};
use crate::time::SimTime;

/// Backend: monotone radix queue on event times with 8-bit digits and a short
/// sorted run of the earliest events, events stored inline; see the
/// [module docs](crate::inline).
///
/// Amortised `O(1)` insert and pop (each entry moves between buckets at most
/// 8 times), FIFO among equal times, memory traffic per event that is almost
/// all sequential. Cancel and reschedule cost a scan of the bucket the
/// event's time falls in (small for near events; for a far-future event in a
/// huge queue, up to a large share of the queue). About 40–50 bytes per
/// pending `u32` event (24-byte entry, 16-byte reschedule record, 8-byte free
/// slot once fired) plus chunk and growth slack, and a fixed 48 KiB of bucket
/// heads (2,048 × 24 bytes).
#[derive(Debug, Default, Clone, Copy)]
pub struct InlineRadixQueue;

impl Backend for InlineRadixQueue {
    type Store<E> = InlineStore<E>;
}

/// Entries per chunk (a chunk is 16 × 24 = 384 bytes for `u32` events).
const CHUNK: usize = 16;
/// Bytes of a `u64` time.
const LEVELS: usize = 8;
/// Buckets per level.
const DIGITS: usize = 256;
/// Radix buckets.
const BUCKETS: usize = LEVELS * DIGITS;
/// What [`bucket_of`] returns for a time equal to `last`: the run.
const RUN: usize = BUCKETS;
/// An insert into the run shifts at most this many entries (else the run's
/// tail goes back to the buckets).
const SMALL: u32 = 32;
/// An opened bucket with at most this many live entries (a power of two) is
/// rank-sorted into the run instead of being moved down.
const SORTED: usize = 64;
/// No chunk.
const NIL: u32 = u32::MAX;

/// One queue entry: the event and what identifies its key.
#[derive(Debug)]
struct Item<E> {
    time: u64,
    slot: u32,
    generation: u32,
    /// `None`: a tombstone (cancelled or moved), or an unused arena place.
    event: Option<E>,
}

impl<E> Item<E> {
    const fn vacant() -> Self {
        Item {
            time: 0,
            slot: 0,
            generation: 0,
            event: None,
        }
    }

    /// Moves the event out, leaving a tombstone; the moved entry if live.
    #[inline]
    fn take(&mut self) -> Option<Item<E>> {
        let event = self.event.take()?;
        Some(Item {
            time: self.time,
            slot: self.slot,
            generation: self.generation,
            event: Some(event),
        })
    }
}

/// A radix bucket: a chain of chunks, full except the tail chunk.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    head: u32,
    tail: u32,
    /// Entries in the tail chunk.
    tail_len: u32,
    /// Live entries (tombstones are not counted).
    live: u32,
    /// The earliest time of a live entry (meaningless when `live == 0`).
    min: u64,
}

// The docs above count 24 bytes per bucket head.
const _: () = assert!(std::mem::size_of::<Bucket>() == 24);

const EMPTY: Bucket = Bucket {
    head: NIL,
    tail: NIL,
    tail_len: 0,
    live: 0,
    min: u64::MAX,
};

/// Where a rescheduled event went: written by `reschedule` only, so that
/// scheduling and firing never touch a per-slot record. Applies to the key
/// with this generation.
#[derive(Debug, Clone, Copy)]
struct Moved {
    time: u64,
    generation: u32,
    valid: bool,
}

/// Where a live entry was found.
#[derive(Debug, Clone, Copy)]
enum Place {
    /// `run[i]`.
    Run(usize),
    /// `items[i]`, in radix bucket `b`.
    Bucket(usize, usize),
}

/// The store of [`InlineRadixQueue`]: pending events of type `E`.
#[derive(Debug)]
pub struct InlineStore<E> {
    /// At or before the clock and every pending time; the radix buckets are
    /// relative to it.
    last: u64,
    /// The radix buckets.
    buckets: Vec<Bucket>,
    /// Bit `digit` of `occupied[d]` set when radix bucket `(d, digit)` is
    /// non-empty.
    occupied: [[u64; DIGITS / 64]; LEVELS],
    /// Bit `d` set when level `d` has a non-empty bucket.
    levels: u8,
    /// The earliest events, sorted by time then scheduling order; entries
    /// before `run_head` are spent.
    run: Vec<Item<E>>,
    run_head: usize,
    /// Every time in the run is at most this; every bucket time is above it.
    run_max: u64,
    /// Scratch for moving the run's tail back to the buckets.
    spill: Vec<Item<E>>,
    /// The chunk arena: chunk `c` is `items[c * CHUNK..(c + 1) * CHUNK]`.
    items: Vec<Item<E>>,
    /// The chunk after chunk `c` in its bucket.
    next: Vec<u32>,
    /// Unused chunks.
    free_chunks: Vec<u32>,
    /// Per slot: the new time of a rescheduled event.
    slots: Vec<Moved>,
    /// Free slots with the generation their next key gets.
    free_slots: Vec<(u32, u32)>,
    /// The top of the free-slot stack, kept out of `free_slots`: a fire
    /// followed by an insert (the hold pattern) never touches the `Vec`.
    spare: Option<(u32, u32)>,
    /// Pending (live) events.
    live: usize,
}

impl<E> Default for InlineStore<E> {
    fn default() -> Self {
        InlineStore {
            last: 0,
            buckets: vec![EMPTY; BUCKETS],
            occupied: [[0; DIGITS / 64]; LEVELS],
            levels: 0,
            run: Vec::new(),
            run_head: 0,
            run_max: 0,
            spill: Vec::new(),
            items: Vec::new(),
            next: Vec::new(),
            free_chunks: Vec::new(),
            slots: Vec::new(),
            free_slots: Vec::new(),
            spare: None,
            live: 0,
        }
    }
}

/// The radix bucket of time `t` when the buckets are relative to `last`
/// (`t >= last`); [`RUN`] when `t == last`.
#[inline]
fn bucket_of(last: u64, t: u64) -> usize {
    let x = t ^ last;
    if x == 0 {
        return RUN;
    }
    let d = (63 - x.leading_zeros() as usize) / 8;
    d * DIGITS + ((t >> (8 * d)) & 0xFF) as usize
}

impl<E> InlineStore<E> {
    #[inline]
    fn run_is_empty(&self) -> bool {
        self.run_head == self.run.len()
    }

    #[inline]
    fn alloc_chunk(&mut self) -> u32 {
        if let Some(c) = self.free_chunks.pop() {
            return c;
        }
        self.grow()
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self) -> u32 {
        let c = u32::try_from(self.next.len()).expect("fewer than 2^32 chunks");
        self.items.extend((0..CHUNK).map(|_| Item::vacant()));
        self.next.push(NIL);
        c
    }

    #[inline]
    fn mark(&mut self, b: usize) {
        let d = b / DIGITS;
        let g = b % DIGITS;
        self.occupied[d][g / 64] |= 1 << (g % 64);
        self.levels |= 1 << d;
    }

    #[inline]
    fn unmark(&mut self, b: usize) {
        let d = b / DIGITS;
        let g = b % DIGITS;
        self.occupied[d][g / 64] &= !(1 << (g % 64));
        if self.occupied[d].iter().all(|&w| w == 0) {
            self.levels &= !(1 << d);
        }
    }

    /// The lowest non-empty radix bucket.
    #[inline]
    fn lowest(&self) -> Option<usize> {
        if self.levels == 0 {
            return None;
        }
        let d = self.levels.trailing_zeros() as usize;
        let words = &self.occupied[d];
        let k = words.iter().position(|&w| w != 0)?;
        Some(d * DIGITS + k * 64 + words[k].trailing_zeros() as usize)
    }

    /// Appends the live entry `item` to radix bucket `b`.
    #[inline(always)]
    fn append(&mut self, b: usize, item: Item<E>) {
        let bk = self.buckets[b];
        let (chunk, pos) = if bk.tail == NIL || bk.tail_len as usize == CHUNK {
            let c = self.alloc_chunk();
            if bk.tail == NIL {
                self.buckets[b].head = c;
                self.mark(b);
            } else {
                self.next[bk.tail as usize] = c;
            }
            self.buckets[b].tail = c;
            (c, 0)
        } else {
            (bk.tail, bk.tail_len)
        };
        let t = item.time;
        self.items[chunk as usize * CHUNK + pos as usize] = item;
        let bk = &mut self.buckets[b];
        bk.tail_len = pos + 1;
        bk.live += 1;
        bk.min = bk.min.min(t);
    }

    /// Adds a live entry where its time belongs: the run or a bucket.
    #[inline(always)]
    fn push_live(&mut self, item: Item<E>) {
        let t = item.time;
        if self.run_is_empty() {
            if t == self.last {
                self.run.clear();
                self.run_head = 0;
                self.run.push(item);
                self.run_max = t;
            } else {
                self.append(bucket_of(self.last, t), item);
            }
        } else if t > self.run_max {
            self.append(bucket_of(self.last, t), item);
        } else {
            self.insert_into_run(item);
        }
    }

    /// Inserts an entry with a time at or before `run_max` into the run,
    /// after the entries of equal time.
    fn insert_into_run(&mut self, item: Item<E>) {
        let t = item.time;
        let p = self.run_head + self.run[self.run_head..].partition_point(|x| x.time <= t);
        if self.run.len() - p > SMALL as usize {
            // Move the run's later part (all after `t`) back to the buckets.
            let mut spill = std::mem::take(&mut self.spill);
            spill.extend(self.run.drain(p..));
            self.run_max = t;
            for x in spill.drain(..) {
                if x.event.is_some() {
                    self.append(bucket_of(self.last, x.time), x);
                }
            }
            self.spill = spill;
        }
        if p == self.run.len() {
            self.run_max = t;
            self.run.push(item);
        } else {
            self.run.insert(p, item);
        }
    }

    /// Every arena index of radix bucket `b`'s entries, in order.
    fn positions(&self, b: usize) -> impl Iterator<Item = usize> + '_ {
        self.positions_of(self.buckets[b])
    }

    /// Every arena index of the entries of bucket `bk` (possibly detached),
    /// in order.
    fn positions_of(&self, bk: Bucket) -> impl Iterator<Item = usize> + '_ {
        let mut chunk = bk.head;
        let mut pos = 0;
        std::iter::from_fn(move || {
            loop {
                if chunk == NIL {
                    return None;
                }
                let end = if chunk == bk.tail {
                    bk.tail_len as usize
                } else {
                    CHUNK
                };
                if pos < end {
                    pos += 1;
                    return Some(chunk as usize * CHUNK + pos - 1);
                }
                if chunk == bk.tail {
                    return None;
                }
                chunk = self.next[chunk as usize];
                pos = 0;
            }
        })
    }

    /// Recomputes the earliest live time of bucket `b` (after a cancel).
    fn rescan_min(&mut self, b: usize) {
        let min = self
            .positions(b)
            .filter_map(|i| {
                let it = &self.items[i];
                it.event.as_ref().map(|_| it.time)
            })
            .min();
        self.buckets[b].min = min.unwrap_or(u64::MAX);
    }

    /// Detaches radix bucket `b`.
    #[inline]
    fn take_bucket(&mut self, b: usize) -> Bucket {
        self.unmark(b);
        std::mem::replace(&mut self.buckets[b], EMPTY)
    }

    /// Calls `f` on every entry of a detached bucket, in order, and returns
    /// its chunks to the free list.
    #[inline]
    fn drain_bucket(&mut self, bk: Bucket, mut f: impl FnMut(&mut Self, usize)) {
        let mut chunk = bk.head;
        loop {
            let end = if chunk == bk.tail {
                bk.tail_len as usize
            } else {
                CHUNK
            };
            let base = chunk as usize * CHUNK;
            for i in base..base + end {
                f(self, i);
            }
            let done = chunk;
            let last_chunk = chunk == bk.tail;
            chunk = self.next[chunk as usize];
            self.free_chunks.push(done);
            if last_chunk {
                break;
            }
        }
    }

    /// Returns the chunks of a detached bucket to the free list.
    #[inline]
    fn free_bucket_chunks(&mut self, bk: Bucket) {
        let mut chunk = bk.head;
        while chunk != NIL {
            self.free_chunks.push(chunk);
            if chunk == bk.tail {
                break;
            }
            chunk = self.next[chunk as usize];
        }
    }

    /// The lowest radix bucket with a live entry and its earliest live time;
    /// drops buckets holding only tombstones on the way.
    #[inline]
    fn lowest_live(&mut self) -> Option<(usize, u64)> {
        loop {
            let b = self.lowest()?;
            let bk = self.buckets[b];
            if bk.live > 0 {
                return Some((b, bk.min));
            }
            self.take_bucket(b);
            self.free_bucket_chunks(bk);
        }
    }

    /// Opens radix bucket `b`, whose earliest live time is the new `last`
    /// (the run is empty): a small bucket becomes the sorted run, a large one
    /// moves down, its entries at `last` going to the run.
    fn open(&mut self, b: usize) {
        let bk = self.take_bucket(b);
        self.run.clear();
        self.run_head = 0;
        self.run_max = self.last;
        // A small bucket whose times lie within 2^32 ticks of `last` (levels
        // 0–3) is sorted into the run.
        if bk.live as usize <= SORTED && b < 4 * DIGITS {
            self.sort_into_run(bk, b / DIGITS);
            self.free_bucket_chunks(bk);
            self.run_max = self.run.last().map_or(self.last, |x| x.time);
        } else {
            let last = self.last;
            self.drain_bucket(bk, |s, i| {
                if let Some(item) = s.items[i].take() {
                    match bucket_of(last, item.time) {
                        RUN => s.run.push(item),
                        nb => s.append(nb, item),
                    }
                }
            });
        }
    }

    /// Moves the live entries of the detached radix bucket `bk` of level `d`
    /// (`d <= 3`, at most `SORTED` live entries) into the empty run, sorted by
    /// time, ties in bucket order.
    ///
    /// The times of a level-`d` bucket agree in every byte from `d` up, so
    /// their low `8 d` (at most 24) bits order them: each live entry gets the
    /// 32-bit key `low bits << 6 | its rank in the bucket`, and its place in
    /// the run is the number of smaller keys, counted branch-free over a
    /// fixed array (the compiler vectorises the count); no comparison sort,
    /// no mispredicted branch per entry.
    fn sort_into_run(&mut self, bk: Bucket, d: usize) {
        const PAD: u32 = u32::MAX;
        let mut keys = [PAD; SORTED];
        let mut at = [0usize; SORTED];
        let mask = (1u64 << (8 * d)) - 1;
        let mut n = 0usize;
        let mut chunk = bk.head;
        loop {
            let last_chunk = chunk == bk.tail;
            let len = if last_chunk { bk.tail_len as usize } else { CHUNK };
            let base = chunk as usize * CHUNK;
            for (i, it) in self.items[base..base + len].iter().enumerate() {
                if it.event.is_some() && n < SORTED {
                    keys[n] = (((it.time & mask) as u32) << 6) | n as u32;
                    at[n] = base + i;
                    n += 1;
                }
            }
            if last_chunk {
                break;
            }
            chunk = self.next[chunk as usize];
        }
        debug_assert_eq!(n, bk.live as usize);
        // Only the first `m` keys can be smaller than a live one (the rest
        // are padding); `m` is a multiple of 8 so the count vectorises.
        let m = (n + 7) & !7;
        let mut order = [0u8; SORTED];
        for k in 0..n {
            let x = keys[k];
            let mut acc = [0u32; 8];
            for c in keys[..m].chunks_exact(8) {
                for (a, &y) in acc.iter_mut().zip(c) {
                    *a += u32::from(y < x);
                }
            }
            let rank: u32 = acc.iter().sum();
            order[rank as usize & (SORTED - 1)] = k as u8;
        }
        let items = &mut self.items;
        self.run.extend(order[..n].iter().map(|&k| {
            let it = &mut items[at[k as usize]];
            // Live (checked above): never a tombstone in the run.
            Item {
                time: it.time,
                slot: it.slot,
                generation: it.generation,
                event: it.event.take(),
            }
        }));
    }

    /// Frees `slot`; its next key gets `generation`.
    #[inline]
    fn free_slot(&mut self, slot: u32, generation: u32) {
        if let Some(older) = self.spare.replace((slot, generation)) {
            self.free_slots.push(older);
        }
    }

    /// Hands out a live entry just removed from the queue.
    #[inline]
    fn fire(&mut self, item: Item<E>) -> Option<(SimTime, E)> {
        let event = item.event?;
        self.live -= 1;
        // No per-slot record is written: the key goes stale because its time
        // is now at or before `last` and its entry is gone, and for good when
        // the slot is reused under the next generation.
        self.free_slot(item.slot, item.generation.wrapping_add(1));
        Some((SimTime(item.time), event))
    }

    /// Where the live entry of `key` is.
    fn locate(&self, key: EventKey) -> Option<Place> {
        let moved = self.slots.get(key.slot as usize)?;
        let time = if moved.valid && moved.generation == key.generation {
            moved.time
        } else {
            key.time.0
        };
        if time < self.last {
            return None;
        }
        let is_it =
            |it: &Item<E>| it.slot == key.slot && it.generation == key.generation && it.event.is_some();
        if !self.run_is_empty() && time <= self.run_max {
            let run = &self.run[self.run_head..];
            let from = run.partition_point(|x| x.time < time);
            let i = run[from..]
                .iter()
                .take_while(|x| x.time == time)
                .position(is_it)?;
            return Some(Place::Run(self.run_head + from + i));
        }
        if time == self.last {
            // Its time was the run's, and the run is spent.
            return None;
        }
        let b = bucket_of(self.last, time);
        let i = self.positions(b).find(|&i| is_it(&self.items[i]))?;
        Some(Place::Bucket(b, i))
    }

    /// Takes the live entry at `place` out, leaving a tombstone.
    fn take_at(&mut self, place: Place) -> Option<Item<E>> {
        match place {
            Place::Run(i) => self.run[i].take(),
            Place::Bucket(b, i) => {
                let item = self.items[i].take()?;
                let bk = &mut self.buckets[b];
                bk.live -= 1;
                if item.time == bk.min {
                    self.rescan_min(b);
                }
                Some(item)
            }
        }
    }
}

impl<E> EventStore<E> for InlineStore<E> {
    #[inline(always)]
    fn insert(&mut self, time: SimTime, _seq: u64, event: E) -> Result<EventKey, ScheduleError> {
        let (slot, generation) = match self.spare.take().or_else(|| self.free_slots.pop()) {
            Some(free) => free,
            None => {
                let slot = u32::try_from(self.slots.len()).map_err(|_| ScheduleError::TooManyPending)?;
                self.slots.push(Moved {
                    time: 0,
                    generation: 0,
                    valid: false,
                });
                (slot, 0)
            }
        };
        self.push_live(Item {
            time: time.0,
            slot,
            generation,
            event: Some(event),
        });
        self.live += 1;
        Ok(EventKey {
            slot,
            generation,
            time,
        })
    }

    #[inline]
    fn pop_until(&mut self, end: SimTime) -> Option<(SimTime, E)> {
        loop {
            if let Some(front) = self.run.get_mut(self.run_head) {
                if front.time > end.0 {
                    return None;
                }
                let item = front.take();
                self.run_head += 1;
                if self.run_head >= 1024 && 2 * self.run_head >= self.run.len() {
                    // A long-lived run: drop its spent prefix.
                    self.run.drain(..self.run_head);
                    self.run_head = 0;
                }
                if let Some(item) = item {
                    return self.fire(item);
                }
                continue;
            }
            let (b, t) = self.lowest_live()?;
            if t > end.0 {
                return None;
            }
            self.last = t;
            if self.buckets[b].live == 1 {
                // The one live entry is the earliest: hand it out directly.
                let bk = self.take_bucket(b);
                let mut found = None;
                self.drain_bucket(bk, |s, i| {
                    if let Some(item) = s.items[i].take() {
                        found = Some(item);
                    }
                });
                if let Some(item) = found {
                    return self.fire(item);
                }
                continue;
            }
            self.open(b);
        }
    }

    fn peek_time(&mut self) -> Option<SimTime> {
        while let Some(front) = self.run.get(self.run_head) {
            if front.event.is_some() {
                return Some(SimTime(front.time));
            }
            self.run_head += 1;
        }
        self.lowest_live().map(|(_, t)| SimTime(t))
    }

    fn cancel(&mut self, key: EventKey) -> Option<E> {
        let place = self.locate(key)?;
        let item = self.take_at(place)?;
        self.live -= 1;
        self.free_slot(key.slot, key.generation.wrapping_add(1));
        item.event
    }

    fn reschedule(
        &mut self,
        key: EventKey,
        time: SimTime,
        _seq: u64,
        now: SimTime,
    ) -> Result<(), ScheduleError> {
        let place = self.locate(key).ok_or(ScheduleError::UnknownKey)?;
        if time < now {
            return Err(ScheduleError::InPast { at: time, now });
        }
        let mut item = self.take_at(place).ok_or(ScheduleError::UnknownKey)?;
        self.slots[key.slot as usize] = Moved {
            time: time.0,
            generation: key.generation,
            valid: true,
        };
        item.time = time.0;
        self.push_live(item);
        Ok(())
    }

    fn len(&self) -> usize {
        self.live
    }

    fn clear(&mut self) {
        // Each slot's next generation, past every key handed out for it: a
        // free slot's is recorded with it, a live event's key is its item's
        // (the next is one more). Slots are kept under those generations, so
        // a key from before the clear stays stale instead of naming a new event.
        let mut next_generation = vec![0u32; self.slots.len()];
        for &(slot, generation) in self.free_slots.iter().chain(&self.spare) {
            next_generation[slot as usize] = generation;
        }
        let live = self.run[self.run_head..].iter().chain(&self.items);
        for it in live.filter(|it| it.event.is_some()) {
            next_generation[it.slot as usize] = it.generation.wrapping_add(1);
        }
        for it in &mut self.items {
            it.event = None;
        }
        self.buckets.fill(EMPTY);
        self.occupied = [[0; DIGITS / 64]; LEVELS];
        self.levels = 0;
        self.run.clear();
        self.run_head = 0;
        self.run_max = 0;
        self.free_chunks.clear();
        self.free_chunks.extend((0..self.next.len() as u32).rev());
        for m in &mut self.slots {
            m.valid = false;
        }
        self.free_slots.clear();
        self.free_slots.extend(
            next_generation
                .iter()
                .enumerate()
                .rev()
                .map(|(s, &g)| (s as u32, g)),
        );
        self.spare = None;
        self.live = 0;
        self.last = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(s: &mut InlineStore<u32>) -> Vec<(u64, u32)> {
        std::iter::from_fn(|| s.pop_until(SimTime::MAX))
            .map(|(t, e)| (t.0, e))
            .collect()
    }

    #[test]
    fn buckets_follow_the_highest_differing_byte() {
        assert_eq!(bucket_of(5, 5), RUN);
        assert_eq!(bucket_of(0, 7), 7);
        assert_eq!(bucket_of(0x100, 0x1ff), 0xff);
        assert_eq!(bucket_of(0x1ff, 0x200), DIGITS + 2);
        assert_eq!(bucket_of(0, u64::MAX), 7 * DIGITS + 255);
    }

    #[test]
    fn pops_in_time_then_fifo_order_across_levels() {
        let mut s = InlineStore::default();
        let times = [1u64 << 40, 300, 5, 300, 70_000, 5, 1 << 40, 0];
        for (i, &t) in times.iter().enumerate() {
            s.insert(SimTime(t), i as u64, i as u32).unwrap();
        }
        assert_eq!(
            drain(&mut s),
            [
                (0, 7),
                (5, 2),
                (5, 5),
                (300, 1),
                (300, 3),
                (70_000, 4),
                (1 << 40, 0),
                (1 << 40, 6)
            ]
        );
        assert!(s.is_empty());
    }

    #[test]
    fn a_large_bucket_moves_down_and_a_small_one_is_sorted_into_the_run() {
        let mut s = InlineStore::default();
        // 100 events in one level-1 bucket (times 256..=355, reversed), then
        // ties at the end: more than SORTED, so the bucket moves down first.
        for i in 0..100u32 {
            s.insert(SimTime(355 - u64::from(i)), 0, i).unwrap();
        }
        s.insert(SimTime(355), 0, 100).unwrap();
        let popped = drain(&mut s);
        let times: Vec<u64> = popped.iter().map(|p| p.0).collect();
        assert_eq!(times, (256..=355).chain([355]).collect::<Vec<_>>());
        assert_eq!(&popped[99..], [(355, 0), (355, 100)]);
    }

    #[test]
    fn inserts_into_the_run_keep_order_and_spill_when_long() {
        let mut s = InlineStore::default();
        // 30 events in radix bucket (1, 1): times 256..=488.
        for i in 0..30u32 {
            s.insert(SimTime(256 + 8 * u64::from(i)), 0, i).unwrap();
        }
        // Opens the bucket (30 <= SORTED): the rest is the sorted run.
        assert_eq!(s.pop_until(SimTime::MAX), Some((SimTime(256), 0)));
        assert_eq!(s.run.len() - s.run_head, 29);
        s.insert(SimTime(270), 0, 100).unwrap(); // shifts 28 entries
        s.insert(SimTime(488), 0, 101).unwrap(); // ties the last: after it
        for i in 0..10u32 {
            s.insert(SimTime(488), 0, 200 + i).unwrap();
        }
        assert_eq!(s.run.len() - s.run_head, 41);
        // Would shift 40 entries: the run's later part goes back to buckets.
        s.insert(SimTime(265), 0, 102).unwrap();
        assert_eq!(s.run.len() - s.run_head, 2);
        let popped = drain(&mut s);
        let mut expected: Vec<(u64, u32)> = (1..30u32).map(|i| (256 + 8 * u64::from(i), i)).collect();
        expected.extend([(270, 100), (488, 101)]);
        expected.extend((0..10u32).map(|i| (488, 200 + i)));
        expected.push((265, 102));
        expected.sort_by_key(|&(t, _)| t); // stable: ties keep insertion order
        assert_eq!(popped, expected);
    }

    #[test]
    fn a_small_bucket_of_every_level_is_rank_sorted_with_ties_in_order() {
        for d in 1..4u32 {
            let mut s = InlineStore::default();
            let base = 1u64 << (8 * d); // radix bucket (d, 1)
            let span = base; // times base..2 * base share bytes d and up
            // 80 entries, 16 cancelled: 64 live, the most a sorted bucket
            // holds; every 5th at the bucket's last tick (16 ties), the rest
            // spread over it with a few more equal times.
            let mut keys = Vec::new();
            for i in 0..80u64 {
                let t = base + (i * 7_919 * span / 80 + (i % 3) * 13) % span / 2 * 2;
                let t = if i % 5 == 0 { base + span - 1 } else { t };
                keys.push((t, s.insert(SimTime(t), 0, i as u32).unwrap()));
            }
            for (i, &(_, k)) in keys.iter().enumerate() {
                if i % 5 == 1 {
                    assert!(s.cancel(k).is_some());
                }
            }
            let mut expected: Vec<(u64, u32)> = keys
                .iter()
                .enumerate()
                .filter(|&(i, _)| i % 5 != 1)
                .map(|(i, &(t, _))| (t, i as u32))
                .collect();
            expected.sort_by_key(|&(t, _)| t); // stable: ties keep insertion order
            assert_eq!(drain(&mut s), expected, "level {d}");
        }
    }

    #[test]
    fn tombstones_are_dropped_and_chunks_reused() {
        let mut s = InlineStore::default();
        let keys: Vec<EventKey> = (0..100u32)
            .map(|i| s.insert(SimTime(1_000 + u64::from(i)), 0, i).unwrap())
            .collect();
        for k in keys.iter().step_by(2) {
            assert!(s.cancel(*k).is_some());
            assert!(s.cancel(*k).is_none(), "a cancelled key is stale");
        }
        assert_eq!(s.len(), 50);
        let popped = drain(&mut s);
        assert_eq!(popped.len(), 50);
        assert!(popped.iter().all(|&(_, e)| e % 2 == 1));
        // Everything back on the free list: refilling allocates no chunk.
        let chunks = s.next.len();
        for i in 0..100u32 {
            s.insert(SimTime(5_000 + u64::from(i)), 0, i).unwrap();
        }
        assert_eq!(s.next.len(), chunks);
    }

    #[test]
    fn a_fired_key_is_stale_even_before_its_slot_is_reused() {
        let mut s = InlineStore::default();
        let a = s.insert(SimTime(10), 0, 1u32).unwrap();
        let b = s.insert(SimTime(10), 1, 2u32).unwrap();
        assert_eq!(s.pop_until(SimTime::MAX), Some((SimTime(10), 1)));
        assert_eq!(s.cancel(a), None);
        assert_eq!(s.cancel(b), Some(2));
    }
}
