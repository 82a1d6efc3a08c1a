//! Accounting (property test): the FLOP a run keeps equal the integral of
//! its effective FLOP/s over running time minus the work lost to failures,
//! whatever the grid does to its power.

mod common;
use common::*;
use model_training::TrainingConfig;
use proptest::prelude::*;
use scheduler::{SECS_PER_DAY, SECS_PER_HOUR, SimTime};

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn kept_flop_is_integral_minus_losses(
        steps in prop::collection::vec((1u64..200, 0.0f64..1.3), 1..12),
        seed in 0u64..1000,
    ) {
        let mut l = lab("a");
        l.chip_failure_rate_per_hour = 2e-5; // cluster MTBF 50 h
        l.checkpoint_interval_hours = 3.0;
        let mut b = Bench::new(TrainingConfig::new(vec![l]), seed);
        // Play the grid: a share of full power for a number of hours, then full.
        let mut t = SimTime::ZERO;
        let mut pieces = Vec::new();
        for (hours, share) in &steps {
            b.serve("a", share * FULL_MW);
            let end = SimTime(t.0 + hours * SECS_PER_HOUR);
            b.run_until(end);
            pieces.push((t, end, share.min(1.0) * FULL_RATE));
            t = end;
        }
        b.serve("a", FULL_MW);
        b.run_until(days(400.0));
        let run = &b.training.runs()[0];
        pieces.push((t, SimTime(u64::MAX), FULL_RATE));
        // Independent integral of the rate from start to the instant the
        // run kept its plan: its end, or earlier if it then held its model
        // until its due time (fewer failures than expected).
        let work_end = SimTime(run.end.0 - (run.held_days * SECS_PER_DAY as f64).round() as u64);
        let integral: f64 = pieces
            .iter()
            .map(|&(t0, t1, r)| r * (t1.min(work_end).0.saturating_sub(t0.0)) as f64)
            .sum();
        prop_assert!((run.integrated_flop / integral - 1.0).abs() < 1e-9, "{} {} end {:?} held {} start {:?} failures {}", run.integrated_flop, integral, run.end, run.held_days, run.start, run.failures);
        prop_assert!((run.physical_flop - (run.integrated_flop - run.lost_flop)).abs() <= 1e-9 * integral);
        // Released after due, the run ends when the kept FLOP reach the plan
        // (to the nearest second). Released when due, it kept at least its
        // plan: a smaller run (all these are, with failures expected) trains
        // on until due, up to the target.
        if run.end > SimTime(run.start.0 + 10 * SECS_PER_DAY) {
            prop_assert!((run.physical_flop - run.planned_flop).abs() <= FULL_RATE);
        } else {
            prop_assert_eq!(run.end, SimTime(run.start.0 + 10 * SECS_PER_DAY));
            prop_assert!(run.physical_flop >= run.planned_flop - FULL_RATE);
            prop_assert!(run.physical_flop <= run.target_flop + FULL_RATE);
        }
        if run.failures > 0 {
            prop_assert!(run.lost_flop > 0.0);
        }
    }
}
