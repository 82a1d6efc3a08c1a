//! Training compute lost to power is counted whatever bound the runs: a
//! chip-bound lab cut to half its power loses half its training compute,
//! and the summary says so (`training.share_lost_power_year_Y`,
//! `training.share_lost_power_total`, `training.flop_lost_power_total`)
//! though every run reads "chips".

mod common;
use chrono::NaiveDate;
use common::*;
use model_training::{LabConfig, RunBound, SECS_PER_MONTH, TrainingConfig};
use scheduler::{Calendar, Dist, SECS_PER_DAY, SimTime, TimePath};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Lab `l` alone with a budget of 1e9 USD a year and no inference, from
/// 2025-01-01: fully served until 2025-07-01, then `served_mw` until `end`.
/// The bench, its calendar and its summary scalars at `end`.
fn cut_from_july(mut l: LabConfig, served_mw: f64, end: NaiveDate) -> (Bench, Calendar, Vec<(String, f64)>) {
    l.budget_usd_per_year = TimePath::constant(1e9);
    let mut cfg = TrainingConfig::new(vec![l]);
    cfg.inference.max_share_of_chips = 0.0;
    let cal = Calendar::new(date(2025, 1, 1));
    cfg.calendar = Some(cal);
    let mut b = Bench::new(cfg, 1);
    b.run_until(cal.at_date(date(2025, 7, 1)).unwrap());
    b.serve("a", served_mw);
    b.run_until(cal.at_date(end).unwrap());
    b.sample();
    let mut s = Vec::new();
    b.training.summary_scalars(&mut |k, v| s.push((k.to_string(), v)));
    (b, cal, s)
}

/// The summary scalar `k` of `s`.
fn scalar(s: &[(String, f64)], k: &str) -> f64 {
    s.iter()
        .find(|x| x.0 == k)
        .map(|x| x.1)
        .unwrap_or_else(|| panic!("no {k} in {s:?}"))
}

#[test]
fn a_chip_bound_lab_cut_to_half_power_loses_half_its_training_compute_and_the_summary_says_so() {
    // The test cluster, a budget but no supplier (no chips to buy:
    // chip-bound; with no budget it would be budget-bound), a target
    // ten times what it can do in a cadence, no inference (so the whole
    // cluster trains), from 2025-01-01; from 2025-07-01 the grid serves
    // half the site's power, to the end at 2026-07-01.
    let mut l = lab("a");
    l.release_cadence_months = Dist::constant(3.0);
    l.max_run_duration_days = 365.0;
    l.initial_target_run_flop = 10.0 * FULL_RATE * 3.0 * SECS_PER_MONTH as f64;
    l.min_run_share_of_target = 0.01;
    let (b, cal, s) = cut_from_july(l, FULL_MW / 2.0, date(2026, 7, 1));
    let get = |k: &str| scalar(&s, k);
    let (cut, end) = (
        cal.at_date(date(2025, 7, 1)).unwrap(),
        cal.at_date(date(2026, 7, 1)).unwrap(),
    );
    let days = |a: SimTime, b: SimTime| b.saturating_since(a).as_secs_f64() / SECS_PER_DAY as f64;
    let y26 = cal.at_date(date(2026, 1, 1)).unwrap();
    // 2025: half the power for the 184 days from July on, of 365.
    let want_2025 = 0.5 * days(cut, y26) / 365.0;
    let got_2025 = get("training.share_lost_power_year_2025");
    assert!(
        (got_2025 - want_2025).abs() < 1e-9,
        "2025: {got_2025}, want {want_2025}"
    );
    let got_2026 = get("training.share_lost_power_year_2026");
    assert!((got_2026 - 0.5).abs() < 1e-9, "2026: {got_2026}");
    let lost = get("training.flop_lost_power_total");
    let want = 0.5 * FULL_RATE * end.saturating_since(cut).as_secs_f64();
    assert!(
        (lost / want - 1.0).abs() < 1e-9,
        "lost {lost:e} FLOP, want {want:e}"
    );
    let total = get("training.share_lost_power_total");
    let want = 0.5 * days(cut, end) / days(SimTime::ZERO, end);
    assert!((total - want).abs() < 1e-9, "whole run {total}, want {want}");
    // Yet every run reads "chips": the power loss is visible only above.
    assert!(b.training.runs().len() >= 4, "{} runs", b.training.runs().len());
    for r in b.training.runs() {
        assert_eq!(r.bound, RunBound::Chips, "run {}", r.run);
    }
}

#[test]
fn full_power_loses_nothing() {
    let mut cfg = TrainingConfig::new(vec![lab("a")]);
    let cal = Calendar::new(date(2025, 1, 1));
    cfg.calendar = Some(cal);
    let mut b = Bench::new(cfg, 1);
    b.run_until(cal.at_date(date(2026, 3, 1)).unwrap());
    b.sample();
    let mut s = Vec::new();
    b.training.summary_scalars(&mut |k, v| s.push((k.to_string(), v)));
    for k in [
        "training.share_lost_power_year_2025",
        "training.share_lost_power_year_2026",
        "training.share_lost_power_total",
        "training.flop_lost_power_total",
    ] {
        assert_eq!(s.iter().find(|x| x.0 == k).map(|x| x.1), Some(0.0), "{k}: {s:?}");
    }
}

/// What is lost to power is split by cause (review s33-headline, finding 3:
/// "lost to power" mixed the grid's cuts with chips waiting for a grid
/// connection): a lab whose site is connected for half its chips, never
/// granted more, loses half its training compute to the connection all
/// along; from 2025-07-01 the grid serves a quarter of its chips' MW, and
/// the quarter between is the grid's cut.
/// `training.share_lost_power_connection_total` and
/// `training.share_lost_power_curtailed_total` say so, and sum to
/// `training.share_lost_power_total`, which is unchanged.
#[test]
fn power_lost_to_the_connection_is_told_apart_from_the_grids_cuts() {
    let mut l = lab("a");
    l.sites[0].initial_connection_mw = FULL_MW / 2.0;
    let (_, cal, s) = cut_from_july(l, FULL_MW / 4.0, date(2026, 1, 1));
    let get = |k: &str| scalar(&s, k);
    let (cut, end) = (
        cal.at_date(date(2025, 7, 1)).unwrap(),
        cal.at_date(date(2026, 1, 1)).unwrap(),
    );
    let span = |a: SimTime, b: SimTime| b.saturating_since(a).as_secs_f64();
    let whole = span(SimTime::ZERO, end);
    let connection = get("training.share_lost_power_connection_total");
    let curtailed = get("training.share_lost_power_curtailed_total");
    let total = get("training.share_lost_power_total");
    assert!((connection - 0.5).abs() < 1e-9, "connection {connection}");
    let want = 0.25 * span(cut, end) / whole;
    assert!(
        (curtailed - want).abs() < 1e-9,
        "curtailed {curtailed}, want {want}"
    );
    assert!(
        (connection + curtailed - total).abs() < 1e-12,
        "{connection} + {curtailed} vs {total}"
    );
    let lost = get("training.flop_lost_power_total");
    let want = FULL_RATE * (0.5 * whole + 0.25 * span(cut, end));
    assert!((lost / want - 1.0).abs() < 1e-9, "lost {lost:e}, want {want:e}");
}
