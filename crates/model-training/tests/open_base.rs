//! Building on open weights: a run of a lab with `open_base_share` s starts
//! from the best open release of another lab available to it (released at
//! least its `spillover_delay_months` before the run starts) and releases
//! its own effective FLOP plus s × the base's.
//!
//! The bench's labs (`common::lab`) start runs of 10 days (no failures,
//! full power) at days 0, 10, 20, 30, …, each at the previous release
//! (a release can come a few minutes after its due time: the inference
//! share that grows after the first release takes training chips at the
//! monthly tick, which the run's plan did not foresee). With a delay of half a month
//! (15.2 days) a release of day 10 is available from day 25.2, so the
//! follower's run started on day 30 (released on day 40) is its first to
//! build on it; its runs started on days 0, 10 and 20 inherit nothing.

mod common;
use common::*;
use model_training::{LabConfig, LabId, Release, TrainingConfig, months_behind_frontier};
use scheduler::math;
use scheduler::{Interp, SimTime, TimePath};

const DELAY_MONTHS: f64 = 0.5;
const SHARE: f64 = 0.5;
/// The follower's chips: a hundredth of the leader's.
const FOLLOWER_CHIPS: u64 = 10;

/// A follower with a hundredth of the bench cluster and a target that
/// fills it in its 10-day runs (so it releases every 10 days too).
fn follower(share: f64) -> LabConfig {
    let mut f = lab("follower");
    f.initial_accelerators = vec![batch(FOLLOWER_CHIPS)];
    f.initial_target_run_flop /= (CHIPS / FOLLOWER_CHIPS) as f64;
    f.open_base_share = share;
    f
}

/// A world of `labs` and `follower(share)`, every lab with the same
/// delay, spillovers off (building on open weights does not need them).
fn world(mut labs: Vec<LabConfig>, share: f64, frontier: Option<TimePath>) -> Bench {
    labs.push(follower(share));
    for l in &mut labs {
        l.spillover_delay_months = DELAY_MONTHS;
    }
    let mut cfg = TrainingConfig::new(labs);
    cfg.spillovers_enabled = false;
    cfg.frontier_log10_effective_flop = frontier;
    Bench::new(cfg, 7)
}

fn open_leader(open: bool) -> LabConfig {
    let mut l = lab("leader");
    l.open_share = if open { 1.0 } else { 0.0 };
    l
}

fn releases_of(b: &Bench, lab: LabId) -> Vec<Release> {
    b.training
        .releases()
        .iter()
        .filter(|r| r.lab == lab)
        .cloned()
        .collect()
}

/// The start of the run of each of `lab`'s releases (runs and releases are
/// recorded together, in the same order).
fn starts_of(b: &Bench, lab: LabId) -> Vec<SimTime> {
    b.training
        .runs()
        .iter()
        .zip(b.training.releases())
        .filter(|(_, r)| r.lab == lab)
        .map(|(run, r)| {
            assert_eq!(run.end, r.at);
            run.start
        })
        .collect()
}

/// The delay in seconds: half a month.
const DELAY_S: u64 = model_training::SECS_PER_MONTH / 2;

/// The follower's own effective FLOP of a release: physical × its multiplier then.
fn own(b: &Bench, r: &Release) -> f64 {
    r.physical_flop * b.training.efficiency_multiplier(r.lab, r.at).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

#[test]
fn a_follower_releases_its_own_compute_plus_the_share_of_the_available_base() {
    // The world frontier: 20 at the start, one order of magnitude a year.
    let year = scheduler::SECS_PER_YEAR;
    let frontier = TimePath::new(
        vec![(SimTime(0), 20.0), (SimTime(10 * year), 30.0)],
        Interp::Linear,
    )
    .unwrap();
    let mut b = world(vec![open_leader(true)], SHARE, Some(frontier.clone()));
    b.run_until(days(45.0));
    let (leader, f) = (b.lab("leader"), b.lab("follower"));
    let led = releases_of(&b, leader);
    let fol = releases_of(&b, f);
    assert_eq!(starts_of(&b, f), [0.0, 10.0, 20.0, 30.0].map(days));
    assert_eq!(led[0].at, days(10.0));
    assert!(led[1].at.0 + DELAY_S > days(30.0).0);
    // Runs started on days 0, 10 and 20 inherit nothing: no release was
    // available when they started (the leader's day-10 release becomes
    // available on day 25.2, during the run started on day 20).
    for r in &fol[..3] {
        assert_eq!(r.base, None, "{r:?}");
        assert_eq!(r.effective_flop, own(&b, r));
    }
    // The run started on day 30 builds on the leader's day-10 release (its
    // day-20 release is available only from day 35.2).
    let r = &fol[3];
    let base = r.base.expect("a base");
    assert_eq!((base.lab, base.number), (leader, 0));
    assert_eq!(base.base_effective_flop, led[0].effective_flop);
    assert_eq!(base.inherited_effective_flop, SHARE * led[0].effective_flop);
    let expected = own(&b, r) + SHARE * led[0].effective_flop;
    assert!(
        close(r.effective_flop, expected),
        "{} vs {expected}",
        r.effective_flop
    );
    // The base is far larger than the follower's own compute: the
    // capability is about log10(SHARE × E_leader).
    assert!(close(r.capability, math::log10(expected)));
    assert!(r.capability > led[0].capability - 0.31);
    // The frontier gap shrinks by the capability gained ÷ the frontier's
    // slope (one order a year: 12 months per unit).
    let gap = r.frontier_gap_months.unwrap();
    let own_gap = months_behind_frontier(&frontier, r.at, math::log10(own(&b, r))).unwrap();
    let gained = math::log10(expected / own(&b, r));
    assert!((own_gap - gap - 12.0 * gained).abs() < 1e-9, "{own_gap} → {gap}");
    assert!(own_gap - gap > 12.0, "two orders of magnitude more than its own");
}

#[test]
fn with_share_zero_every_release_is_its_own_compute_exactly() {
    let mut with = world(vec![open_leader(true)], SHARE, None);
    let mut without = world(vec![open_leader(true)], 0.0, None);
    with.run_until(days(75.0));
    without.run_until(days(75.0));
    let f = without.lab("follower");
    for r in without.training.releases() {
        assert_eq!(r.base, None);
        assert_eq!(r.effective_flop, own(&without, r), "{r:?}");
    }
    // Building changes no run, only what the follower's releases carry.
    let (a, b) = (with.training.releases(), without.training.releases());
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert_eq!((x.lab, x.at, x.physical_flop), (y.lab, y.at, y.physical_flop));
        if x.lab != f || x.base.is_none() {
            assert_eq!(x, y);
        } else {
            assert!(x.effective_flop > y.effective_flop);
        }
    }
    // And no metric of inherited compute where no lab builds.
    let rows = without.sample();
    assert!(rows.iter().all(|r| r.0 != "training.inherited_effective_flop"));
    let mut scalars = Vec::new();
    without
        .training
        .summary_scalars(&mut |k, v| scalars.push((k.to_string(), v)));
    assert!(scalars.iter().all(|(k, _)| k != "training.best_inherited_share"));
}

#[test]
fn a_closed_release_is_no_base() {
    let mut b = world(vec![open_leader(false)], 1.0, None);
    b.run_until(days(75.0));
    let f = b.lab("follower");
    let fol = releases_of(&b, f);
    assert_eq!(fol.len(), 7);
    for r in &fol {
        assert_eq!(r.base, None);
        assert_eq!(r.effective_flop, own(&b, r));
    }
}

#[test]
fn the_base_is_the_best_available_open_release_of_another_lab() {
    // `small`: open, half the leader's chips but 4× its efficiency, so its
    // releases carry twice the leader's effective FLOP; `closed`: 4× the
    // chips, closed. The follower gets 8× the leader's chips and is open
    // itself: its own releases are the largest, and it never builds on them.
    let mut small = lab("small");
    small.open_share = 1.0;
    small.initial_accelerators = vec![batch(CHIPS / 2)];
    small.initial_target_run_flop /= 2.0;
    small.initial_efficiency_multiplier = 4.0;
    let mut closed = lab("closed");
    closed.open_share = 0.0;
    closed.initial_accelerators = vec![batch(4 * CHIPS)];
    closed.initial_target_run_flop *= 4.0;
    let mut labs = vec![open_leader(true), small, closed];
    labs.push({
        let mut f = follower(1.0);
        f.initial_accelerators = vec![batch(8 * CHIPS)];
        f.initial_target_run_flop = lab("x").initial_target_run_flop * 8.0;
        f.open_share = 1.0;
        f.name = "big".into();
        f
    });
    labs.iter_mut()
        .for_each(|l| l.spillover_delay_months = DELAY_MONTHS);
    let mut cfg = TrainingConfig::new(labs);
    cfg.spillovers_enabled = false;
    let mut b = Bench::new(cfg, 7);
    b.run_until(days(75.0));
    let (small_id, big) = (b.lab("small"), b.lab("big"));
    let small_rel = releases_of(&b, small_id);
    let big_rel = releases_of(&b, big);
    // Each run from day 30 on builds on the largest of `small`'s releases
    // out for the delay when it started (the leader's are half as large,
    // the closed lab's are not available, and `big`'s own are the largest
    // of all).
    let starts = starts_of(&b, big);
    let mut built = Vec::new();
    for (r, &start) in big_rel.iter().zip(&starts) {
        let best = small_rel
            .iter()
            .filter(|s| s.at.0 + DELAY_S <= start.0)
            .reduce(|a, s| if s.effective_flop > a.effective_flop { s } else { a });
        let Some(base) = r.base else {
            assert_eq!(best, None, "{r:?}");
            continue;
        };
        built.push(r.number);
        let chosen = best.expect("a base was available");
        assert_eq!((base.lab, base.number), (small_id, chosen.number), "{r:?}");
        assert_eq!(base.inherited_effective_flop, chosen.effective_flop);
        assert!(close(r.effective_flop, own(&b, r) + chosen.effective_flop));
        // Its own earlier releases were available and larger: not used.
        assert!(big_rel[0].effective_flop > chosen.effective_flop);
    }
    // Runs 3 to 6 (started on days 30, 40, 50, 60) built.
    assert_eq!(built, [3, 4, 5, 6]);
    assert_eq!(starts[3], days(30.0));
    assert_eq!(
        big_rel[3].base.unwrap().number,
        0,
        "day 30: small's day-10 release"
    );
    // The best, not the latest: the run started on day 50 builds on
    // `small`'s day-20 release, though its day-30 release was out for the
    // delay too, with less effective FLOP (`small`'s inference took chips
    // from its runs after its first release).
    assert!(small_rel[2].at.0 + DELAY_S <= starts[5].0);
    assert!(small_rel[2].effective_flop < small_rel[1].effective_flop);
    assert_eq!(big_rel[5].base.unwrap().number, 1);
    // Sampled: `big`'s best release inherited its base's whole effective FLOP;
    // the leader's and the closed lab's nothing; the nation's best release
    // is `big`'s.
    let rows = b.sample();
    let best_big = big_rel.last().unwrap();
    let inherited = best_big.base.unwrap().inherited_effective_flop;
    assert_eq!(
        metric(&rows, "training.inherited_effective_flop", "big"),
        inherited
    );
    assert_eq!(metric(&rows, "training.inherited_effective_flop", "leader"), 0.0);
    assert_eq!(
        metric(&rows, "training.inherited_effective_flop", "national"),
        inherited
    );
    let mut scalars = Vec::new();
    b.training
        .summary_scalars(&mut |k, v| scalars.push((k.to_string(), v)));
    let share = scalars
        .iter()
        .find(|(k, _)| k == "training.best_inherited_share")
        .expect("emitted")
        .1;
    assert!(close(share, inherited / best_big.effective_flop));
}

#[test]
fn a_follower_that_only_lacks_compute_closes_its_gap_only_by_building() {
    // The auditor's case (s16 F1): the same algorithms, a hundredth of the
    // compute, catch-up share 1 and spillovers on. Spillovers give it
    // nothing; building on the leader's open releases does.
    let best = |share: f64, spill: bool| {
        let mut labs = vec![open_leader(true), follower(share)];
        for l in &mut labs {
            l.spillover_delay_months = DELAY_MONTHS;
            l.spillover_catch_up_share = 1.0;
        }
        let mut cfg = TrainingConfig::new(labs);
        cfg.spillovers_enabled = spill;
        let mut b = Bench::new(cfg, 7);
        b.run_until(days(75.0));
        let f = b.lab("follower");
        releases_of(&b, f)
            .iter()
            .map(|r| r.capability)
            .fold(f64::MIN, f64::max)
    };
    assert_eq!(best(0.0, true), best(0.0, false));
    // Two orders of magnitude less compute; with a share of 1 the follower
    // gets within a few weeks of algorithmic progress of the leader.
    assert!(best(1.0, true) > best(0.0, true) + 1.9);
}

/// The labs in the lineage of `r`: its lab, its base's lab, that base's
/// base's lab, … (followed through the recorded releases).
fn lineage(b: &Bench, r: &Release) -> Vec<LabId> {
    let mut labs = vec![r.lab];
    let mut base = r.base;
    while let Some(o) = base {
        labs.push(o.lab);
        let next = b
            .training
            .releases()
            .iter()
            .find(|x| x.lab == o.lab && x.number == o.number)
            .expect("the base was released");
        base = next.base;
    }
    labs
}

/// `labs`, all open with `open_base_share` `share` and the bench's delay,
/// spillovers off, run to day `until`.
fn open_world(labs: Vec<LabConfig>, share: f64, until: f64) -> Bench {
    let mut labs = labs;
    for l in &mut labs {
        l.open_share = 1.0;
        l.open_base_share = share;
        l.spillover_delay_months = DELAY_MONTHS;
    }
    let mut cfg = TrainingConfig::new(labs);
    cfg.spillovers_enabled = false;
    let mut b = Bench::new(cfg, 7);
    b.run_until(days(until));
    b
}

/// Checks every release against the rule: its base is the open release
/// with the most effective FLOP (the earliest of equals) among those out for
/// the delay when its run started whose lineage does not hold its lab (so no
/// release inherits its own lab's compute). Returns, per release that built,
/// the releases excluded only by their lineage that were larger than the
/// base chosen (what the run would have built on if a lab skipped only its
/// own releases), with the length of the chain back to the lab.
fn check_lineage_rule(b: &Bench, share: f64) -> Vec<(Release, Release, usize)> {
    let all = b.training.releases();
    let starts: Vec<SimTime> = b.training.runs().iter().map(|r| r.start).collect();
    let mut skipped = Vec::new();
    for (r, &start) in all.iter().zip(&starts) {
        let own = lineage(b, r);
        assert_eq!(
            own.iter().filter(|&&l| l == r.lab).count(),
            1,
            "release {r:?} inherits its own lab's compute: lineage {own:?}"
        );
        let out: Vec<&Release> = all
            .iter()
            .filter(|x| x.open && x.lab != r.lab && x.at.0 + DELAY_S <= start.0)
            .collect();
        let allowed = |x: &&&Release| !lineage(b, x).contains(&r.lab);
        let best = out
            .iter()
            .filter(allowed)
            .reduce(|a, x| if x.effective_flop > a.effective_flop { x } else { a });
        match (r.base, best) {
            (None, None) => {}
            (Some(base), Some(best)) => {
                assert_eq!((base.lab, base.number), (best.lab, best.number), "{r:?}");
                assert_eq!(base.inherited_effective_flop, share * best.effective_flop);
                for x in out.iter().filter(|x| !allowed(x)) {
                    if x.effective_flop > best.effective_flop {
                        let l = lineage(b, x);
                        let depth = l.iter().position(|&y| y == r.lab).unwrap();
                        skipped.push((r.clone(), (*x).clone(), depth));
                    }
                }
            }
            (base, best) => panic!("{r:?}: base {base:?}, expected {best:?}"),
        }
    }
    skipped
}

#[test]
fn two_labs_building_on_each_other_never_get_their_own_compute_back() {
    // The reviewer's mutual case (s16-rev-mc finding 1): two identical open
    // labs, both with a share. Each run started on day 30 builds on the
    // other's day-10 release (nothing built on then); from day 60 on, the
    // other's largest releases were built on the lab's own: skipped, and
    // the lab builds on the other's best release that was not.
    let b = open_world(vec![lab("a"), lab("b")], 1.0, 105.0);
    let skipped = check_lineage_rule(&b, 1.0);
    assert!(!skipped.is_empty(), "the rule mattered");
    for (r, x, depth) in &skipped {
        assert_eq!(*depth, 1, "{r:?} skipped {x:?}");
    }
    for name in ["a", "b"] {
        let id = b.lab(name);
        let rel = releases_of(&b, id);
        // Runs started on days 30 and later built on the other lab.
        let built: Vec<u64> = rel
            .iter()
            .filter(|r| r.base.is_some())
            .map(|r| r.number)
            .collect();
        assert_eq!(built, (3..rel.len() as u64).collect::<Vec<_>>(), "{name}");
        for r in &rel[6..] {
            let base = r.base.unwrap();
            assert_ne!(base.lab, id);
            // The base itself built on nothing: every later release of the
            // other lab built on this one's.
            let x = &releases_of(&b, base.lab)[base.number as usize];
            assert_eq!(x.base, None, "{r:?}");
        }
    }
}

#[test]
fn a_lab_never_builds_on_a_chain_through_a_third_lab_back_to_itself() {
    // Three open labs, each with a share, and more chips further down the
    // alphabet (so their releases are larger): chains a → c → b (b built on
    // c's release built on a's) come back to a in two links.
    let mut labs = Vec::new();
    for (name, k) in [("a", 1u64), ("b", 2), ("c", 3)] {
        let mut l = lab(name);
        l.initial_accelerators = vec![batch(k * CHIPS)];
        l.initial_target_run_flop *= k as f64;
        labs.push(l);
    }
    let b = open_world(labs, 1.0, 135.0);
    let skipped = check_lineage_rule(&b, 1.0);
    assert!(
        skipped.iter().any(|(_, _, depth)| *depth >= 2),
        "a chain through a third lab was skipped: {skipped:?}"
    );
    // Every lab still builds.
    for name in ["a", "b", "c"] {
        let rel = releases_of(&b, b.lab(name));
        assert!(rel.iter().skip(3).all(|r| r.base.is_some()), "{name}");
    }
}
