//! `training.largest_run_12m_flop`: the largest run finished in the year up
//! to the sample, which falls when runs shrink, beside the running maximum
//! `training.largest_run_flop`, which never does (audit s16-thesis F3).

mod common;
use common::*;
use model_training::TrainingConfig;
use scheduler::{SECS_PER_YEAR, SimTime};

/// The largest run of the bench's runs that ended in `(now − 1 year, now]`.
fn expected(b: &Bench, now: SimTime) -> f64 {
    b.training
        .runs()
        .iter()
        .filter(|r| r.end.0 + SECS_PER_YEAR > now.0 && r.end <= now)
        .map(|r| r.physical_flop)
        .fold(0.0, f64::max)
}

/// The largest run so far.
fn ever(b: &Bench) -> f64 {
    b.training
        .runs()
        .iter()
        .map(|r| r.physical_flop)
        .fold(0.0, f64::max)
}

#[test]
fn the_trailing_year_largest_run_falls_when_power_halves_the_runs() {
    let mut b = Bench::new(TrainingConfig::new(vec![lab("a")]), 1);
    let rows = b.sample();
    assert_eq!(
        metric(&rows, "training.largest_run_12m_flop", "national"),
        0.0,
        "no run yet"
    );
    // A year at full power: monthly runs of the target, 10 days of the cluster.
    b.run_until(days(400.0));
    let full = expected(&b, b.sched.now());
    assert!(full > 0.9 * FULL_RATE * 10.0 * 86_400.0, "{full}");
    let rows = b.sample();
    assert_eq!(metric(&rows, "training.largest_run_12m_flop", "a"), full);
    assert_eq!(metric(&rows, "training.largest_run_12m_flop", "national"), full);
    assert_eq!(metric(&rows, "training.largest_run_flop", "national"), ever(&b));
    // Half the power from then on: every later run is half the size.
    b.serve("a", FULL_MW / 2.0);
    let mut checked = 0;
    for d in (430..=800).step_by(30) {
        b.run_until(days(f64::from(d)));
        let now = b.sched.now();
        let rows = b.sample();
        let want = expected(&b, now);
        assert_eq!(
            metric(&rows, "training.largest_run_12m_flop", "a"),
            want,
            "day {d}"
        );
        assert_eq!(
            metric(&rows, "training.largest_run_12m_flop", "national"),
            want,
            "day {d}"
        );
        // The running maximum keeps the full-power runs.
        assert!(ever(&b) >= full);
        assert_eq!(
            metric(&rows, "training.largest_run_flop", "national"),
            ever(&b),
            "day {d}"
        );
        checked += 1;
    }
    assert!(checked > 10);
    // A year after the cut (and after the run in progress at the cut, on
    // time before it and slowed by it, has ended), the trailing year holds
    // only half-size runs.
    b.run_until(days(840.0));
    let recent = metric(&b.sample(), "training.largest_run_12m_flop", "national");
    assert!(recent > 0.0 && recent < 0.6 * full, "{recent} vs {full}");
}
