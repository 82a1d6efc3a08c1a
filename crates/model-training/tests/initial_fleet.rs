//! Where the initial fleet sits: it ran before the start, so it fills the
//! connections the scenario gave the lab's sites before any of it asks the
//! grid for more (calibration audit s21-calib, finding 3: us-2025 put each
//! lab's whole fleet at its first site and queued 2.3 GW at t = 0 for power
//! its other sites already had).

mod common;

use common::*;
use model_training::{TrainingConfig, TrainingSignal};

fn requests(b: &Bench) -> Vec<(String, f64)> {
    b.signals
        .iter()
        .filter_map(|s| match s {
            TrainingSignal::ConnectionRequest { site, additional_mw } => {
                let name = b
                    .training
                    .sites()
                    .find(|(id, _, _)| id == site)
                    .map(|(_, n, _)| n.to_string())
                    .expect("site");
                Some((name, *additional_mw))
            }
            _ => None,
        })
        .collect()
}

/// Lab `a` with two sites, in regions "r" and "s", connected for `first` and
/// `second` MW; the fleet is the bench's 1,000 chips (`FULL_MW` in all).
fn two_sites(first: f64, second: f64) -> Bench {
    let mut l = lab("a");
    l.sites[0].initial_connection_mw = first;
    let mut other = l.sites[0].clone();
    other.region = "s".into();
    other.initial_connection_mw = second;
    l.sites.push(other);
    Bench::new(TrainingConfig::new(vec![l]), 1)
}

#[test]
fn a_fleet_connected_over_two_sites_runs_at_once_and_asks_for_nothing() {
    let b = two_sites(FULL_MW * 0.6, FULL_MW * 0.4);
    let a = b.lab("a");
    assert_eq!(requests(&b), vec![], "no connection request at t = 0");
    let rate = b.training.training_rate_flop_s(a).unwrap();
    assert!(
        (rate - FULL_RATE).abs() < 1e-9 * FULL_RATE,
        "every chip runs: {rate:e} of {FULL_RATE:e} FLOP/s"
    );
}

#[test]
fn only_what_no_connection_runs_goes_to_the_first_site_and_queues() {
    // 0.5 + 0.3 of the fleet's MW: 200 chips are left over and go to the
    // first site, which asks for their need plus headroom.
    let b = two_sites(FULL_MW * 0.5, FULL_MW * 0.3);
    let a = b.lab("a");
    let rate = b.training.training_rate_flop_s(a).unwrap();
    assert!(
        (rate - 0.8 * FULL_RATE).abs() < 1e-9 * FULL_RATE,
        "the connected 80 % run: {rate:e}"
    );
    let r = requests(&b);
    assert_eq!(r.len(), 1, "one request: {r:?}");
    assert!(r[0].0.ends_with('r'), "at the first site: {r:?}");
    // The first site holds 700 chips (0.7 FULL_MW) on 0.5 FULL_MW; it asks
    // for 0.7 × 1.5 − 0.5 = 0.55 FULL_MW (default headroom 0.5).
    assert!((r[0].1 - 0.55 * FULL_MW).abs() < 1e-9, "{r:?}");
}

#[test]
fn a_fleet_sized_to_its_connections_fills_them_exactly() {
    // Connections of exactly count × MW per chip (as us-2025 writes them,
    // 1.68 kW per H100) take the whole fleet despite rounding.
    let per_chip = FULL_MW / CHIPS as f64;
    let b = two_sites(per_chip * 297.0, per_chip * 703.0);
    assert_eq!(requests(&b), vec![]);
    let a = b.lab("a");
    let rate = b.training.training_rate_flop_s(a).unwrap();
    assert!((rate - FULL_RATE).abs() < 1e-9 * FULL_RATE, "{rate:e}");
}

#[test]
fn connections_that_are_not_whole_chips_leave_no_request_for_the_rounding() {
    // Two batches (600 + 400 chips) on connections of 500.5 and 499.5
    // chips' MW, 1,000 in all, as us-2025's sites are sized in MW: whole
    // chips leave one chip over, at the first site, 0.5 of a chip's MW
    // (0.6 kW) beyond its connection. That is rounding, not a request for
    // the site's need plus headroom.
    let per_chip = FULL_MW / CHIPS as f64;
    let mut l = lab("a");
    l.initial_accelerators = vec![batch(600), batch(400)];
    l.sites[0].initial_connection_mw = per_chip * 500.5;
    let mut other = l.sites[0].clone();
    other.region = "s".into();
    other.initial_connection_mw = per_chip * 499.5;
    l.sites.push(other);
    let b = Bench::new(TrainingConfig::new(vec![l]), 1);
    assert_eq!(requests(&b), vec![]);
    let a = b.lab("a");
    let rate = b.training.training_rate_flop_s(a).unwrap();
    assert!(
        (rate - FULL_RATE).abs() <= 1.0001 * CHIP_FLOP_S * MFU,
        "at most the one chip over waits: {rate:e} of {FULL_RATE:e}"
    );
}

#[test]
fn a_site_with_no_connection_asks_for_even_a_few_chips() {
    // Five chips (6.25 kW) at a site connected for nothing: below the
    // rounding slack, but the site has no connection for it to forgive, so
    // it asks (with the slack applied there, it never did and the chips
    // stayed dark: the s21 review).
    let mut l = lab("a");
    l.initial_accelerators = vec![batch(5)];
    l.sites[0].initial_connection_mw = 0.0;
    let b = Bench::new(TrainingConfig::new(vec![l]), 1);
    let r = requests(&b);
    assert_eq!(r.len(), 1, "one request: {r:?}");
    let need = 5.0 * (CHIP_W + OVERHEAD_W) * PUE / 1e6;
    assert!((r[0].1 - need * 1.5).abs() < 1e-12, "need plus headroom: {r:?}");
}
