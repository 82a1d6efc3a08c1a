//! A run is a pure function of its seed: the same seed gives a byte-identical
//! trace (on any backend), a different seed a different one.

mod common;

use common::mm1_trace;
use scheduler::{AutoQueue, HeapQueue, IndexedQueue, InlineRadixQueue, RadixQueue, Scheduler};

#[test]
fn same_seed_gives_byte_identical_trace() {
    let a = mm1_trace::<HeapQueue>(7, 20_000);
    let b = mm1_trace::<HeapQueue>(7, 20_000);
    assert!(a.lines().count() == 20_000);
    assert_eq!(a.as_bytes(), b.as_bytes());
}

#[test]
fn different_seed_gives_different_trace() {
    assert_ne!(mm1_trace::<HeapQueue>(7, 2_000), mm1_trace::<HeapQueue>(8, 2_000));
}

#[test]
fn every_backend_gives_the_same_trace() {
    let heap = mm1_trace::<HeapQueue>(11, 20_000);
    assert_eq!(heap, mm1_trace::<IndexedQueue>(11, 20_000));
    assert_eq!(heap, mm1_trace::<RadixQueue>(11, 20_000));
    assert_eq!(heap, mm1_trace::<AutoQueue>(11, 20_000));
    assert_eq!(heap, mm1_trace::<AutoQueue<2>>(11, 20_000));
    assert_eq!(heap, mm1_trace::<InlineRadixQueue>(11, 20_000));
}

/// Same-tick events fire in scheduling order, whatever the backend, also
/// after a reschedule (which counts as scheduled at the moment of the call).
#[test]
fn ties_fire_in_scheduling_order() {
    fn order<Q: scheduler::Backend>() -> Vec<u32> {
        let mut s: Scheduler<u32, Q> = Scheduler::new();
        let t = scheduler::SimTime(5);
        let k0 = s.schedule_at(t, 0).unwrap();
        for i in 1..50 {
            s.schedule_at(t, i).unwrap();
        }
        s.reschedule(k0, t).unwrap(); // 0 now goes last
        let mut out = Vec::new();
        while let Some((_, e)) = s.next_event().unwrap() {
            out.push(e);
        }
        out
    }
    let expected: Vec<u32> = (1..50).chain([0]).collect();
    assert_eq!(order::<HeapQueue>(), expected);
    assert_eq!(order::<IndexedQueue>(), expected);
    assert_eq!(order::<RadixQueue>(), expected);
    assert_eq!(order::<AutoQueue<4>>(), expected);
    assert_eq!(order::<InlineRadixQueue>(), expected);
}
