//! Regression guards that time nothing: the hold loop (pop, then schedule)
//! allocates nothing per event once warmed up, on every backend; and a fixed
//! scenario processes a pinned number of events.

#![allow(unsafe_code)] // the counting allocator below; the library forbids unsafe.

mod common;

use scheduler::{
    AutoQueue, Backend, HeapQueue, IndexedQueue, InlineRadixQueue, RadixQueue, Scheduler, SimTime,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Counts allocation calls made by the current thread (so other test threads
/// cannot disturb the count).
struct CountingAlloc;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count() {
    // `try_with`: the thread local may be gone while a thread shuts down.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

// SAFETY: forwards every call to `System` unchanged; only counts.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// Hold model with `n` pending events and pseudo-random increments (ties,
/// near and far times); every 16th event also cancels a pending one and
/// schedules a replacement, every 16th reschedules one. Returns the
/// allocations made during the measured `measure` events, after `warm_up`.
fn hold_allocations<Q: Backend>(n: usize, warm_up: usize, measure: usize) -> u64 {
    let mut s: Scheduler<u64, Q> = Scheduler::new();
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut keys = Vec::with_capacity(n);
    for i in 0..n {
        keys.push(s.schedule_at(SimTime(rnd() % 1_000_000), i as u64).unwrap());
    }
    let mut step = |s: &mut Scheduler<u64, Q>, i: usize| {
        let (t, e) = s.next_event().unwrap().unwrap();
        let r = rnd();
        let dt = if r % 8 == 0 { 0 } else { r % 2_000_000 };
        let k = s.schedule_at(SimTime(t.ticks() + dt), e).unwrap();
        let j = (r >> 20) as usize % keys.len();
        keys[j] = k;
        if i.is_multiple_of(16) {
            let victim = keys[(r >> 40) as usize % keys.len()];
            if let Some(ev) = s.cancel(victim) {
                let k = s.schedule_at(SimTime(t.ticks() + r % 3_000_000), ev).unwrap();
                let j = (r >> 40) as usize % keys.len();
                keys[j] = k;
            }
        }
        if i % 16 == 8 {
            let _ = s.reschedule(
                keys[(r >> 30) as usize % keys.len()],
                SimTime(t.ticks() + r % 500_000),
            );
        }
    };
    for i in 0..warm_up {
        step(&mut s, i);
    }
    let before = allocations();
    for i in warm_up..warm_up + measure {
        step(&mut s, i);
    }
    allocations() - before
}

#[test]
fn hold_loop_allocates_nothing_per_event_after_warm_up() {
    // The counter sees this thread's allocations.
    let before = allocations();
    drop(std::hint::black_box(vec![0u8; 16]));
    assert_eq!(allocations() - before, 1, "the counting allocator counts");

    let runs: [(&str, u64); 8] = [
        ("heap", hold_allocations::<HeapQueue>(1_000, 200_000, 200_000)),
        (
            "indexed",
            hold_allocations::<IndexedQueue>(1_000, 200_000, 200_000),
        ),
        ("radix", hold_allocations::<RadixQueue>(1_000, 1_000_000, 200_000)),
        (
            "radix, 20k pending",
            hold_allocations::<RadixQueue>(20_000, 1_000_000, 200_000),
        ),
        (
            "auto (radix above 512)",
            hold_allocations::<AutoQueue<512>>(1_000, 1_000_000, 200_000),
        ),
        (
            "auto (default)",
            hold_allocations::<AutoQueue>(1_000, 200_000, 200_000),
        ),
        (
            "inline radix",
            hold_allocations::<InlineRadixQueue>(1_000, 1_000_000, 200_000),
        ),
        (
            "inline radix, 20k pending",
            hold_allocations::<InlineRadixQueue>(20_000, 1_000_000, 200_000),
        ),
    ];
    for (name, n) in runs {
        assert_eq!(n, 0, "{name}: {n} allocations in 200,000 held events");
    }
}

/// The fixed M/M/1 scenario (seed 1, 10,000 customers) processes exactly this
/// many events: a change in event count means a change in behaviour.
#[test]
fn fixed_scenario_processes_a_pinned_number_of_events() {
    let (m, s) = common::run_mm1::<<Scheduler<common::Mm1Event> as DefaultQueue>::Q>(1, 10_000);
    assert_eq!(m.sojourn_ticks.len(), 10_000);
    assert_eq!(s.events_processed(), PINNED_EVENTS);
    assert_eq!(m.sojourn_ticks.iter().sum::<u64>(), PINNED_SOJOURN_SUM_TICKS);
}

const PINNED_EVENTS: u64 = 20_000;
const PINNED_SOJOURN_SUM_TICKS: u64 = 43_568_704;

/// Names the default backend of `Scheduler<E>`.
trait DefaultQueue {
    type Q: Backend;
}
impl<E, Q: Backend> DefaultQueue for Scheduler<E, Q> {
    type Q = Q;
}
