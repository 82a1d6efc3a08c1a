//! Power: a curtailed cluster runs the share of chips the granted power
//! supports, its run finishes correspondingly later; connections and retirement.

mod common;
use common::*;
use model_training::{TrainingConfig, TrainingSignal};
use scheduler::SimTime;

fn one_lab() -> Bench {
    Bench::new(TrainingConfig::new(vec![lab("a")]), 1)
}

#[test]
fn full_power_run_takes_its_planned_time() {
    let mut b = one_lab();
    b.run_until(days(11.0));
    let run = &b.training.runs()[0];
    assert_eq!(run.end, days(10.0));
    assert!((run.physical_flop / run.planned_flop - 1.0).abs() < 1e-9);
    // Energy of the run: full facility MW for 240 hours.
    assert!((run.energy_mwh - FULL_MW * 240.0).abs() < 1e-6);
}

#[test]
fn half_power_from_the_start_takes_twice_as_long() {
    let mut b = one_lab();
    let a = b.lab("a");
    assert!((b.training.training_rate_flop_s(a).unwrap() - FULL_RATE).abs() < 1.0);
    // The grid grants half the facility power (chips × (chip + overhead) W × PUE).
    b.serve("a", FULL_MW / 2.0);
    assert!((b.training.training_rate_flop_s(a).unwrap() - FULL_RATE / 2.0).abs() < 1.0);
    b.run_until(days(25.0));
    let run = &b.training.runs()[0];
    assert_eq!(run.end, days(20.0));
    assert!(
        (run.limited_power_days - 10.0).abs() < 1e-6,
        "{}",
        run.limited_power_days
    );
    // Same energy, spread over twice the time.
    assert!((run.energy_mwh - FULL_MW * 240.0).abs() < 1e-6);
}

#[test]
fn curtailment_mid_run_moves_the_finish() {
    let mut b = one_lab();
    b.run_until(days(5.0));
    b.serve("a", FULL_MW / 2.0);
    b.run_until(days(12.0));
    assert!(b.training.runs().is_empty(), "must not finish at the old time");
    b.run_until(days(16.0));
    assert_eq!(b.training.runs()[0].end, days(15.0));
}

#[test]
fn a_paused_cluster_resumes_where_it_stopped() {
    let mut b = one_lab();
    b.run_until(days(4.0));
    b.serve("a", 0.0);
    b.run_until(days(9.0));
    b.serve("a", FULL_MW * 3.0); // more than needed: capped at what the chips draw
    b.run_until(days(20.0));
    assert_eq!(b.training.runs()[0].end, days(15.0));
}

#[test]
fn pue_is_counted_once() {
    // Same granted MW at a worse PUE runs fewer chips.
    let mut l = lab("a");
    l.sites[0].pue = 2.5; // twice the test PUE
    let mut b = Bench::new(TrainingConfig::new(vec![l]), 1);
    b.serve("a", FULL_MW);
    let a = b.lab("a");
    assert!((b.training.training_rate_flop_s(a).unwrap() - FULL_RATE / 2.0).abs() < 1.0);
}

#[test]
fn connection_limits_chips_and_is_requested() {
    let mut l = lab("a");
    l.sites[0].initial_connection_mw = FULL_MW * 0.4;
    l.sites[0].connection_headroom_share = 0.5;
    let mut b = Bench::new(TrainingConfig::new(vec![l]), 1);
    let a = b.lab("a");
    let site = b.site_of("a");
    assert!((b.training.training_rate_flop_s(a).unwrap() - 0.4 * FULL_RATE).abs() < 1.0);
    let demand: Vec<f64> = b
        .signals
        .iter()
        .filter_map(|s| match s {
            TrainingSignal::PowerDemand { site: s2, mw } if *s2 == site => Some(*mw),
            _ => None,
        })
        .collect();
    assert!(
        (demand[0] - 0.4 * FULL_MW).abs() < 1e-12,
        "demand is capped by the connection"
    );
    let requests: Vec<f64> = b
        .signals
        .iter()
        .filter_map(|s| match s {
            TrainingSignal::ConnectionRequest { additional_mw, .. } => Some(*additional_mw),
            _ => None,
        })
        .collect();
    assert_eq!(requests.len(), 1, "one request until granted");
    assert!((requests[0] - (1.5 * FULL_MW - 0.4 * FULL_MW)).abs() < 1e-9);
    b.training
        .connection_granted(site, 2.0 * FULL_MW, &mut b.sched, &mut b.signals)
        .unwrap();
    assert!((b.training.training_rate_flop_s(a).unwrap() - FULL_RATE).abs() < 1.0);
}

#[test]
fn chips_retire_after_their_service_life() {
    let mut cfg = TrainingConfig::new(vec![lab("a")]);
    cfg.chip_service_life_years = 0.25;
    let mut b = Bench::new(cfg, 1);
    let a = b.lab("a");
    let quarter = SimTime(scheduler::SECS_PER_YEAR / 4);
    b.run_until(SimTime(quarter.0 - 1));
    assert_eq!(b.training.accelerators_installed(a), Some(CHIPS as f64));
    b.run_until(quarter);
    assert_eq!(b.training.accelerators_installed(a), Some(0.0));
    assert_eq!(b.training.training_rate_flop_s(a), Some(0.0));
    assert!(matches!(b.signals.last(), Some(TrainingSignal::PowerDemand { mw, .. }) if *mw == 0.0));
}

#[test]
fn bad_inputs_are_refused() {
    let mut b = one_lab();
    let site = b.site_of("a");
    assert!(
        b.training
            .set_power_served(site, f64::NAN, &mut b.sched, &mut b.signals)
            .is_err()
    );
    assert!(
        b.training
            .set_power_served(site, -1.0, &mut b.sched, &mut b.signals)
            .is_err()
    );
    assert!(
        b.training
            .set_electricity_price(site, f64::INFINITY, SimTime::ZERO, &mut b.sched, &mut b.signals)
            .is_err()
    );
}
