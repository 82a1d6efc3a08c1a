//! The year the labs' largest finished run first reached a compute
//! threshold (`training.year_reached_<T>_flop`): known answers, absence
//! when never reached, the nation as its earliest lab, and validation.

mod common;
use common::*;
use model_training::{MAX_COMPUTE_THRESHOLDS, Training, TrainingConfig, compute_threshold_outcome};
use scheduler::{Calendar, RngStreams, SECS_PER_DAY, SimTime};

/// Lab `a`: runs of 10 days of the full cluster (4.32e23 FLOP), the first
/// finishing at day 10; lab `b`: runs of 20 days (8.64e23 FLOP) planned
/// over 20 days, the first finishing at day 20. From 2025-01-01.
fn two_labs(thresholds: Vec<f64>) -> Bench {
    let a = lab("a");
    let mut b = lab("b");
    b.max_run_duration_days = 20.0;
    b.initial_target_run_flop = FULL_RATE * 20.0 * SECS_PER_DAY as f64;
    let mut cfg = TrainingConfig::new(vec![a, b]);
    cfg.calendar = Some(Calendar::new(
        chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
    ));
    cfg.compute_thresholds_flop = thresholds;
    Bench::new(cfg, 1)
}

fn scalars(b: &Bench) -> Vec<(String, f64)> {
    let mut s = Vec::new();
    b.training.summary_scalars(&mut |k, v| s.push((k.to_string(), v)));
    s
}

fn get(s: &[(String, f64)], k: &str) -> Option<f64> {
    s.iter().find(|x| x.0 == k).map(|x| x.1)
}

#[test]
fn the_year_is_when_the_first_run_over_the_threshold_finished() {
    let mut b = two_labs(vec![4e23, 5e23, 1e30]);
    b.run_until(days(25.0));
    // The runs are as the bench says: a's first ends at day 10, b's at day 20.
    let runs = b.training.runs();
    let first_end = |lab: &str| {
        let id = b.lab(lab);
        runs.iter()
            .find(|r| r.lab == id)
            .map(|r| (r.end, r.physical_flop))
    };
    let (a_end, a_flop) = first_end("a").unwrap();
    let (b_end, b_flop) = first_end("b").unwrap();
    assert_eq!((a_end, b_end), (days(10.0), days(20.0)));
    assert!((4e23..5e23).contains(&a_flop), "{a_flop}");
    assert!(b_flop >= 5e23, "{b_flop}");
    let s = scalars(&b);
    // 4e23: a's first run, day 10 of 2025 (365 days): 2025 + 10/365.
    let y = get(&s, "training.year_reached_4e23_flop").expect("reached");
    assert!((y - (2025.0 + 10.0 / 365.0)).abs() < 1e-12, "{y}");
    // 5e23: only b's runs reach it, the first at day 20.
    let y = get(&s, "training.year_reached_5e23_flop").expect("reached");
    assert!((y - (2025.0 + 20.0 / 365.0)).abs() < 1e-12, "{y}");
    // 1e30: never reached, so absent (never a sentinel).
    assert_eq!(get(&s, "training.year_reached_1e30_flop"), None, "{s:?}");
}

#[test]
fn the_nation_reached_a_threshold_when_its_earliest_lab_did() {
    let mut b = two_labs(vec![4e23, 5e23, 1e30]);
    b.run_until(days(45.0));
    let cal = Calendar::new(chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap());
    let s = scalars(&b);
    for (t, per_lab) in [
        (4e23, vec![Some(days(10.0)), Some(days(20.0))]),
        (5e23, vec![None, Some(days(20.0))]),
        (1e30, vec![None, None]),
    ] {
        let got = b.training.first_reached(t);
        assert_eq!(got, per_lab, "{t:e}");
        let national = got
            .iter()
            .flatten()
            .min()
            .map(|&t| cal.fractional_year(t).unwrap());
        assert_eq!(get(&s, &compute_threshold_outcome(t)), national, "{t:e}");
    }
}

#[test]
fn before_any_run_finished_no_threshold_is_reached() {
    let mut b = two_labs(vec![1.0]);
    b.run_until(days(5.0));
    assert!(b.training.runs().is_empty());
    let s = scalars(&b);
    assert!(
        !s.iter().any(|(k, _)| k.starts_with("training.year_reached_")),
        "{s:?}"
    );
    // Once the first run finishes even a threshold of 1 FLOP is reached.
    b.run_until(SimTime(days(10.0).0 + 1));
    assert!(get(&scalars(&b), "training.year_reached_1e0_flop").is_some());
}

#[test]
fn outcome_names_are_stable_and_distinct() {
    assert_eq!(compute_threshold_outcome(1e25), "training.year_reached_1e25_flop");
    assert_eq!(compute_threshold_outcome(1e26), "training.year_reached_1e26_flop");
    assert_eq!(
        compute_threshold_outcome(2.5e25),
        "training.year_reached_2p5e25_flop"
    );
    assert_eq!(compute_threshold_outcome(3e23), "training.year_reached_3e23_flop");
    assert_ne!(
        compute_threshold_outcome(1e25),
        compute_threshold_outcome(1.0000000000000002e25)
    );
}

#[test]
fn thresholds_are_validated() {
    let check = |t: Vec<f64>| {
        let mut cfg = TrainingConfig::new(vec![lab("a")]);
        cfg.compute_thresholds_flop = t;
        Training::new(cfg, &RngStreams::new(1, 0))
            .err()
            .map(|e| e.to_string())
    };
    assert_eq!(check(vec![1e25, 1e26]), None);
    assert_eq!(check(vec![]), None);
    for bad in [
        vec![0.0],
        vec![-1e25],
        vec![f64::NAN],
        vec![f64::INFINITY],
        vec![1e26, 1e25],
        vec![1e25, 1e25],
        vec![1e25; MAX_COMPUTE_THRESHOLDS + 1],
    ] {
        let e = check(bad.clone()).unwrap_or_else(|| panic!("{bad:?} accepted"));
        assert!(e.contains("compute_thresholds_flop"), "{e}");
    }
    let many: Vec<f64> = (0..MAX_COMPUTE_THRESHOLDS)
        .map(|i| 10f64.powi(20 + i as i32))
        .collect();
    assert_eq!(check(many), None);
}

#[test]
fn no_calendar_no_years() {
    let mut cfg = TrainingConfig::new(vec![lab("a")]);
    cfg.compute_thresholds_flop = vec![1.0];
    let mut b = Bench::new(cfg, 1);
    b.run_until(days(25.0));
    assert!(!b.training.runs().is_empty());
    assert!(
        !scalars(&b)
            .iter()
            .any(|(k, _)| k.starts_with("training.year_reached_"))
    );
}
