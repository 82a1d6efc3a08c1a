//! Misuse is refused, not silently absorbed: a runaway run stops at its
//! budget, scheduling into the past or past the end of time is an error,
//! and stale keys are harmless.

use scheduler::{
    AutoQueue, Backend, Duration, HeapQueue, IndexedQueue, InlineRadixQueue, RadixQueue, RunError,
    ScheduleError, Scheduler, SimTime,
};

fn budget_stops_runaway<Q: Backend>() {
    // Every event schedules two more at the same tick: without a budget this
    // never ends and never advances the clock.
    let mut s: Scheduler<u8, Q> = Scheduler::new().with_budget(1_000);
    s.schedule_at(SimTime(3), 0).unwrap();
    let r = s.run_until(SimTime::MAX, |s, _, e| {
        s.schedule_after(Duration::ZERO, e).unwrap();
        s.schedule_after(Duration::ZERO, e).unwrap();
    });
    assert_eq!(
        r,
        Err(RunError::BudgetExhausted {
            budget: 1_000,
            now: SimTime(3)
        })
    );
    assert_eq!(s.events_processed(), 1_000);
    assert_eq!(s.pending(), 1_001);
    // The budget stays exhausted.
    assert!(matches!(s.next_event(), Err(RunError::BudgetExhausted { .. })));
}

#[test]
fn budget_stops_a_self_rescheduling_runaway() {
    budget_stops_runaway::<HeapQueue>();
    budget_stops_runaway::<IndexedQueue>();
    budget_stops_runaway::<RadixQueue>();
    budget_stops_runaway::<AutoQueue>();
    budget_stops_runaway::<InlineRadixQueue>();
}

fn past_and_overflow_are_errors<Q: Backend>() {
    let mut s: Scheduler<u8, Q> = Scheduler::new();
    let k = s.schedule_at(SimTime(10), 1).unwrap();
    s.schedule_at(SimTime(20), 2).unwrap();
    assert_eq!(s.next_event().unwrap(), Some((SimTime(10), 1)));
    assert_eq!(
        s.schedule_at(SimTime(9), 3),
        Err(ScheduleError::InPast {
            at: SimTime(9),
            now: SimTime(10)
        })
    );
    assert_eq!(
        s.schedule_after(Duration(u64::MAX), 3),
        Err(ScheduleError::Overflow {
            now: SimTime(10),
            delay: Duration(u64::MAX)
        })
    );
    let k2 = s.schedule_at(SimTime(30), 3).unwrap();
    assert_eq!(
        s.reschedule(k2, SimTime(5)),
        Err(ScheduleError::InPast {
            at: SimTime(5),
            now: SimTime(10)
        })
    );
    // The failed calls changed nothing.
    assert_eq!(s.pending(), 2);
    assert_eq!(s.next_event().unwrap(), Some((SimTime(20), 2)));
    assert_eq!(s.next_event().unwrap(), Some((SimTime(30), 3)));
    assert_eq!(s.next_event().unwrap(), None);
    // The key of the fired event is stale.
    assert_eq!(s.reschedule(k, SimTime(40)), Err(ScheduleError::UnknownKey));
}

#[test]
fn scheduling_into_the_past_or_beyond_the_clock_is_an_error() {
    past_and_overflow_are_errors::<HeapQueue>();
    past_and_overflow_are_errors::<IndexedQueue>();
    past_and_overflow_are_errors::<RadixQueue>();
    past_and_overflow_are_errors::<AutoQueue>();
    past_and_overflow_are_errors::<InlineRadixQueue>();
}

fn stale_keys_are_harmless<Q: Backend>() {
    let mut s: Scheduler<&str, Q> = Scheduler::new();
    let a = s.schedule_at(SimTime(1), "a").unwrap();
    assert_eq!(s.cancel(a), Some("a"));
    assert_eq!(s.cancel(a), None, "cancelling twice");
    // The freed slot is reused: the old key must not reach the new event.
    let b = s.schedule_at(SimTime(2), "b").unwrap();
    assert_eq!(s.cancel(a), None);
    assert_eq!(s.reschedule(a, SimTime(3)), Err(ScheduleError::UnknownKey));
    assert_eq!(s.next_event().unwrap(), Some((SimTime(2), "b")));
    assert_eq!(s.cancel(b), None, "cancelling a fired event");
    assert_eq!(s.next_event().unwrap(), None);
    // Cancelling the event just handed out while a handler runs is a no-op,
    // and the handler's next schedule still lands correctly.
    let c = s.schedule_at(SimTime(5), "c").unwrap();
    s.schedule_at(SimTime(6), "d").unwrap();
    assert_eq!(s.next_event().unwrap(), Some((SimTime(5), "c")));
    assert_eq!(s.cancel(c), None);
    s.schedule_at(SimTime(5), "e").unwrap();
    assert_eq!(s.next_event().unwrap(), Some((SimTime(5), "e")));
    assert_eq!(s.next_event().unwrap(), Some((SimTime(6), "d")));
    assert_eq!(s.pending(), 0);
}

#[test]
fn stale_keys_are_harmless_on_every_backend() {
    stale_keys_are_harmless::<HeapQueue>();
    stale_keys_are_harmless::<IndexedQueue>();
    stale_keys_are_harmless::<RadixQueue>();
    stale_keys_are_harmless::<AutoQueue>();
    stale_keys_are_harmless::<InlineRadixQueue>();
}

#[test]
fn run_until_stops_at_the_end_and_reset_starts_over() {
    let mut s: Scheduler<u32> = Scheduler::new();
    for t in [5, 10, 15] {
        s.schedule_at(SimTime(t), t as u32).unwrap();
    }
    let mut seen = Vec::new();
    assert_eq!(s.run_until(SimTime(10), |_, _, e| seen.push(e)), Ok(2));
    assert_eq!(seen, [5, 10]);
    assert_eq!(s.now(), SimTime(10));
    assert_eq!(s.peek_time(), Some(SimTime(15)));
    // Scheduling between the window's end and the next event is allowed.
    s.schedule_at(SimTime(12), 12).unwrap();
    assert_eq!(s.next_event().unwrap(), Some((SimTime(12), 12)));
    s.reset();
    assert_eq!(
        (s.now(), s.pending(), s.events_processed()),
        (SimTime::ZERO, 0, 0)
    );
    s.schedule_at(SimTime(1), 1).unwrap();
    assert_eq!(s.next_event().unwrap(), Some((SimTime(1), 1)));
}

/// Keys handed out before a reset, whatever became of their events (still
/// pending, fired, cancelled, rescheduled), stay stale after it: they neither
/// cancel nor move the events scheduled afterwards, which reuse the slots.
fn keys_from_before_a_reset_are_stale<Q: Backend>() {
    let mut s: Scheduler<&str, Q> = Scheduler::new();
    let pending = s.schedule_at(SimTime(5), "pending").unwrap();
    let fired = s.schedule_at(SimTime(1), "fired").unwrap();
    let cancelled = s.schedule_at(SimTime(7), "cancelled").unwrap();
    let moved = s.schedule_at(SimTime(9), "moved").unwrap();
    assert_eq!(s.next_event().unwrap(), Some((SimTime(1), "fired")));
    assert_eq!(s.cancel(cancelled), Some("cancelled"));
    s.reschedule(moved, SimTime(6)).unwrap();
    s.reset();
    // As many new events as slots were used, at the old keys' times.
    let new: Vec<_> = [5, 1, 7, 9, 6]
        .into_iter()
        .map(|t| s.schedule_at(SimTime(t), "new").unwrap())
        .collect();
    for old in [pending, fired, cancelled, moved] {
        assert_eq!(
            s.cancel(old),
            None,
            "{}: a stale key cancelled a new event",
            std::any::type_name::<Q>()
        );
        assert_eq!(
            s.reschedule(old, SimTime(20)),
            Err(ScheduleError::UnknownKey),
            "{}: a stale key moved a new event",
            std::any::type_name::<Q>()
        );
    }
    assert_eq!(s.pending(), 5);
    let mut times = Vec::new();
    s.run_until(SimTime::MAX, |_, t, _| times.push(t.0)).unwrap();
    assert_eq!(times, [1, 5, 6, 7, 9]);
    // Fired, the new events' keys are stale in turn.
    assert!(new.iter().all(|&k| s.cancel(k).is_none()));
}

#[test]
fn keys_from_before_a_reset_are_stale_on_every_backend() {
    keys_from_before_a_reset_are_stale::<HeapQueue>();
    keys_from_before_a_reset_are_stale::<IndexedQueue>();
    keys_from_before_a_reset_are_stale::<RadixQueue>();
    keys_from_before_a_reset_are_stale::<AutoQueue>();
    keys_from_before_a_reset_are_stale::<InlineRadixQueue>();
}
