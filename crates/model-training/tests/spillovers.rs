//! Open-weight spillovers: when a lab releases, other labs' efficiency
//! multipliers move part of the way toward the releaser's after a delay.

mod common;
use common::*;
use model_training::{LabConfig, TrainingConfig};
use scheduler::math;
use scheduler::{SECS_PER_DAY, SimTime};

const HALVING_MONTHS: f64 = 8.0;
const DELAY_MONTHS: f64 = 1.0;
const SHARE: f64 = 0.5;
const MONTH: f64 = model_training::SECS_PER_MONTH as f64;

/// Leaders `open` and `closed` are identical but for openness; the
/// follower starts 16× less efficient and has no chips (it never releases).
fn world(spillovers: bool, closed_share: f64) -> Bench {
    let mut open = lab("open");
    open.open_share = 1.0;
    let mut closed = lab("closed");
    closed.open_share = 0.0;
    let mut follower: LabConfig = lab("follower");
    follower.initial_accelerators.clear();
    follower.initial_efficiency_multiplier = 1.0 / 16.0;
    for l in [&mut open, &mut closed, &mut follower] {
        l.efficiency_halving_months = HALVING_MONTHS;
        l.spillover_catch_up_share = SHARE;
        l.spillover_delay_months = DELAY_MONTHS;
    }
    let mut cfg = TrainingConfig::new(vec![open, closed, follower]);
    cfg.spillovers_enabled = spillovers;
    cfg.closed_release_spillover_share = closed_share;
    Bench::new(cfg, 3)
}

/// (log2 multiplier of the follower just before and at the absorption of
/// the leaders' first releases, release time in seconds).
fn jump(b: &mut Bench) -> (f64, f64, f64) {
    b.run_until(days(11.0));
    let first = &b.training.releases()[0];
    assert_eq!(first.at, days(10.0));
    assert_eq!(b.training.releases()[1].at, days(10.0));
    let t_r = first.at.0 as f64;
    let absorb = SimTime((t_r + DELAY_MONTHS * MONTH).round() as u64);
    let f = b.lab("follower");
    b.run_until(SimTime(absorb.0 - 1));
    let before = math::log2(
        b.training
            .efficiency_multiplier(f, SimTime(absorb.0 - 1))
            .unwrap(),
    );
    b.run_until(absorb);
    let after = math::log2(b.training.efficiency_multiplier(f, absorb).unwrap());
    (before, after, t_r)
}

#[test]
fn follower_of_an_open_release_gains_the_stated_share_at_release_plus_delay() {
    let mut b = world(true, 0.0);
    let (before, after, t_r) = jump(&mut b);
    let h = HALVING_MONTHS * MONTH;
    // Before the absorption the follower is on its own trend: log2 = −4 + t/h.
    let t_abs = t_r + DELAY_MONTHS * MONTH;
    assert!((before - (-4.0 + (t_abs - 1.0) / h)).abs() < 1e-9);
    // Open releaser at release: log2 = t_r/h. The follower closes SHARE of the gap.
    let releaser = t_r / h;
    let own = -4.0 + t_abs / h;
    let expected = own + SHARE * (releaser - own);
    assert!(
        (after - expected).abs() < 1e-9,
        "after {after}, expected {expected}"
    );
    assert!(after - before > 1.9);
}

#[test]
fn closed_releases_spill_nothing_by_default() {
    let mut b = world(true, 0.0);
    // Turn the open lab closed by comparing against a world where both are closed.
    let mut cfg_labs = vec![lab("open"), lab("closed"), lab("follower")];
    cfg_labs[0].open_share = 0.0;
    cfg_labs[1].open_share = 0.0;
    cfg_labs[2].initial_accelerators.clear();
    cfg_labs[2].initial_efficiency_multiplier = 1.0 / 16.0;
    for l in &mut cfg_labs {
        l.efficiency_halving_months = HALVING_MONTHS;
        l.spillover_catch_up_share = SHARE;
        l.spillover_delay_months = DELAY_MONTHS;
    }
    let mut closed_world = Bench::new(TrainingConfig::new(cfg_labs), 3);
    let (before, after, _) = jump(&mut closed_world);
    assert!(
        (after - before - 1.0 / (HALVING_MONTHS * MONTH)).abs() < 1e-12,
        "only the trend"
    );
    // While in the mixed world the open release moves the follower.
    let (b0, b1, _) = jump(&mut b);
    assert!(b1 - b0 > 1.0);
}

#[test]
fn with_spillovers_off_nothing_spills() {
    let mut b = world(false, 1.0);
    let (before, after, _) = jump(&mut b);
    assert!((after - before - 1.0 / (HALVING_MONTHS * MONTH)).abs() < 1e-12);
}

#[test]
fn distillation_spills_a_smaller_share_of_closed_releases() {
    // Only the closed lab has chips: its releases spill `closed_share` of the share.
    let mut b = world(true, 0.2);
    let (before, after, t_r) = jump(&mut b);
    let h = HALVING_MONTHS * MONTH;
    let t_abs = t_r + DELAY_MONTHS * MONTH;
    let own = -4.0 + t_abs / h;
    // Open lab first (full share), then the closed lab (0.2 × share) at the same instant.
    let after_open = own + SHARE * (t_r / h - own);
    let expected = after_open + 0.2 * SHARE * (t_r / h - after_open);
    assert!(
        (after - expected).abs() < 1e-9,
        "after {after}, expected {expected}, before {before}"
    );
}

#[test]
fn spillovers_raise_the_followers_later_releases() {
    // The follower gets chips: with spillovers its releases carry more effective compute.
    let capability = |spill: bool| {
        let mut labs = vec![lab("open"), lab("follower")];
        labs[1].initial_efficiency_multiplier = 1.0 / 16.0;
        labs[1].initial_target_run_flop = FULL_RATE * 20.0 * SECS_PER_DAY as f64;
        let mut cfg = TrainingConfig::new(labs);
        cfg.spillovers_enabled = spill;
        let mut b = Bench::new(cfg, 5);
        b.run_until(days(400.0));
        let f = b.lab("follower");
        b.training
            .releases()
            .iter()
            .filter(|r| r.lab == f)
            .map(|r| r.capability)
            .fold(0.0, f64::max)
    };
    assert!(capability(true) > capability(false) + 0.5);
}
