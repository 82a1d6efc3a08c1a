//! Every lab's own scalar outcomes, `training.lab.<lab>.<outcome>`: the
//! national outcome restricted to the lab, so that a batch can ask how far
//! behind one lab ends and what drives it. Three labs of known sizes: the
//! national largest run and best release are the labs' maxima, the counts
//! and spend their sums, the national gap the best lab's, and a lab that
//! never trains has zeros and no conditional outcome at all.

use stack::{RunOptions, RunOutput, Scenario, run};
use std::path::Path;

/// A big lab (10,000 accelerators), a small one (1,000, releasing open
/// weights) and one without accelerators (and no supply to buy any), two
/// years under a world frontier path.
fn three_labs() -> RunOutput {
    labs_run(THREE_LABS)
}

fn labs_run(text: &str) -> RunOutput {
    let s = Scenario::from_text(Path::new("labs.ron"), text).unwrap_or_else(|e| panic!("{e}"));
    run(&s, &RunOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

const THREE_LABS: &str = r#"Scenario(
    name: "labs",
    start: "2025-01-01",
    horizon_years: 2,
    settings: (compute_thresholds_flop: [1e23, 1e25, 1e30]),
    regions: [ (name: "home", demand_avg_mw: 1000) ],
    plants: [ (name: "gas", region: "home", technology: Gas, installed_mw: 3000, marginal_cost_usd_per_mwh: 45, failures_per_unit_year: 0) ],
    designs: [ (name: "x", die_area_mm2: 600, peak_flop_s: 1e15, power_w: 700, hbm_stacks: 0, node: "7nm", unit_price_usd: 10000) ],
    labs: [
        (name: "Big-Lab_1", open_share: 0.0, sites: [(region: "home", connected_mw: 100)], fleet: [(design: "x", count: 10000)]),
        (name: "small", open_share: 1.0, sites: [(region: "home", connected_mw: 100)], fleet: [(design: "x", count: 1000)]),
        (name: "idle", sites: [(region: "home", connected_mw: 10)], fleet: []),
    ],
    ecosystem: ( frontier_log10_effective_flop: [("2025-01-01", 25), ("2027-01-01", 27)] ),
)"#;

fn lab(out: &RunOutput, lab: &str, national: &str) -> Option<f64> {
    out.scalar(&stack::run::lab_outcome(lab, national))
}

fn national(out: &RunOutput, name: &str) -> f64 {
    out.scalar(name).unwrap_or_else(|| panic!("no {name}"))
}

const LABS: [&str; 3] = ["Big-Lab_1", "small", "idle"];

#[test]
fn the_nation_is_the_labs_maximum_or_sum() {
    let out = three_labs();
    let every = |n: &str| -> Vec<f64> {
        LABS.iter()
            .map(|l| lab(&out, l, n).unwrap_or_else(|| panic!("{l}: no {n}")))
            .collect()
    };
    let largest = every("training.largest_run_flop");
    assert!(largest[0] > largest[1] && largest[1] > 0.0, "{largest:?}");
    assert_eq!(largest[2], 0.0);
    assert_eq!(national(&out, "training.largest_run_flop"), largest[0]);
    let best = every("training.best_effective_flop");
    assert!(best[0] > best[1] && best[2] == 0.0, "{best:?}");
    assert_eq!(national(&out, "training.best_effective_flop"), best[0]);
    for (n, tol) in [
        ("training.releases_total", 0.0),
        ("training.open_releases_total", 0.0),
        ("training.spend_usd_total", 1e-12),
        ("training.accelerators_at_start", 0.0),
        ("training.accelerators_delivered_total", 0.0),
        ("training.accelerators_awaiting_install_end", 0.0),
        ("training.accelerators_installed_end", 0.0),
        ("training.accelerators_retired_total", 0.0),
    ] {
        let by_lab = every(n);
        let sum: f64 = by_lab.iter().sum();
        let nat = national(&out, n);
        assert!((nat - sum).abs() <= tol * nat.abs(), "{n}: {nat} vs Σ {by_lab:?}");
    }
    // The big lab's releases are closed, the small one's all open.
    let releases = every("training.releases_total");
    assert!(releases[0] > 0.0 && releases[1] > 0.0, "{releases:?}");
    assert_eq!(every("training.open_releases_total"), vec![0.0, releases[1], 0.0]);
    // Each lab's releases, counted from the run's list of releases.
    for (i, r) in releases.iter().enumerate() {
        let n = out.releases.iter().filter(|x| x.lab.index() == i).count();
        assert_eq!(*r, n as f64, "{}", LABS[i]);
    }
    for (i, share) in every("training.share_lost_power_total").into_iter().enumerate() {
        assert!((0.0..=1.0).contains(&share), "{}: {share}", LABS[i]);
    }
}

#[test]
fn the_best_labs_gap_is_the_nations_and_the_others_trail_it() {
    let out = three_labs();
    let end = national(&out, "training.frontier_gap_months_end");
    let big = lab(&out, "Big-Lab_1", "training.frontier_gap_months_end").expect("big's gap");
    let small = lab(&out, "small", "training.frontier_gap_months_end").expect("small's gap");
    assert_eq!(big, end);
    assert!(small > big, "small {small} vs big {big}");
    // Each lab's gap at the end is the one its monthly series shows then.
    for (name, gap) in [("Big-Lab_1", big), ("small", small)] {
        let sampled = out
            .series
            .iter()
            .find(|r| {
                r.date == "2027-01-01" && r.metric == "training.frontier_gap_months" && r.entity == name
            })
            .unwrap_or_else(|| panic!("no gap of {name} sampled at the end"))
            .value;
        assert_eq!(gap, sampled, "{name}");
    }
    // The national smallest gap of a release is the smallest of the labs'.
    let mins: Vec<f64> = ["Big-Lab_1", "small"]
        .iter()
        .map(|l| lab(&out, l, "training.min_frontier_gap_months").expect("a gap"))
        .collect();
    assert_eq!(
        national(&out, "training.min_frontier_gap_months"),
        mins.iter().copied().fold(f64::INFINITY, f64::min)
    );
}

#[test]
fn the_median_labs_gap_counts_a_lab_without_a_release_as_furthest_behind() {
    // Gaps: big < small < idle (no release). The median of three is the
    // middle one, the small lab's, not the nation's (the big lab's).
    let out = three_labs();
    let small = lab(&out, "small", "training.frontier_gap_months_end").expect("small's gap");
    assert_eq!(
        out.scalar("training.median_lab_frontier_gap_months_end"),
        Some(small)
    );
    assert!(small > national(&out, "training.frontier_gap_months_end"));
    // Without the small lab the middle two are the big lab and the idle
    // one, so half the labs have no model: no median, and a reason.
    let two = labs_run(&THREE_LABS.replace("(name: \"small\"", "//(name: \"small\""));
    assert!(two.scalar("training.frontier_gap_months_end").is_some());
    assert_eq!(two.scalar("training.median_lab_frontier_gap_months_end"), None);
    let why =
        stack::run::conditional_outcome("training.median_lab_frontier_gap_months_end").expect("conditional");
    assert!(why.contains("half the labs"), "{why}");
}

#[test]
fn thresholds_per_lab_and_the_nations_earliest() {
    let out = three_labs();
    let largest = |l: &str| lab(&out, l, "training.largest_run_flop").unwrap();
    // 1e25 lies between the small lab's largest run and the big one's.
    assert!(
        largest("small") < 1e25 && 1e25 <= largest("Big-Lab_1"),
        "{} {}",
        largest("small"),
        largest("Big-Lab_1")
    );
    for t in [1e23, 1e25, 1e30] {
        let key = model_training::compute_threshold_outcome(t);
        let by_lab: Vec<Option<f64>> = LABS.iter().map(|l| lab(&out, l, &key)).collect();
        // A lab's year exactly when one of its runs reached T …
        for (l, year) in LABS.iter().zip(&by_lab) {
            assert_eq!(year.is_some(), largest(l) >= t, "{key} {l}: {year:?}");
            assert!(
                year.is_none_or(|y| (2025.0..2027.0).contains(&y)),
                "{key} {l}: {year:?}"
            );
        }
        // … and the nation's is the earliest lab's.
        let earliest = by_lab.iter().flatten().copied().reduce(f64::min);
        assert_eq!(out.scalar(&key), earliest, "{key}: {by_lab:?}");
    }
    // The year is that of the lab's first release of at least T.
    let key = model_training::compute_threshold_outcome(1e23);
    for (i, l) in LABS.iter().enumerate().take(2) {
        let first = out
            .releases
            .iter()
            .filter(|r| r.lab.index() == i && r.physical_flop >= 1e23)
            .map(|r| r.at)
            .min()
            .and_then(|t| out.calendar.fractional_year(t));
        assert_eq!(lab(&out, l, &key), first, "{l}");
    }
}

#[test]
fn a_lab_that_never_trains_has_zeros_and_no_conditional_outcome() {
    let out = three_labs();
    for n in [
        "training.largest_run_flop",
        "training.releases_total",
        "training.open_releases_total",
        "training.best_effective_flop",
        "training.spend_usd_total",
        "training.share_lost_power_total",
        "training.accelerators_at_start",
        "training.accelerators_delivered_total",
        "training.accelerators_awaiting_install_end",
        "training.accelerators_installed_end",
        "training.accelerators_retired_total",
    ] {
        assert_eq!(lab(&out, "idle", n), Some(0.0), "{n}");
    }
    let idle: Vec<&str> = out
        .scalars
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| k.starts_with("training.lab.idle."))
        .collect();
    assert_eq!(idle.len(), 11, "{idle:?}");
    // The ones it lacks are conditional, with a reason naming the lab and
    // what every run reports instead; the others are not.
    for n in [
        "training.lab.idle.frontier_gap_months_end",
        "training.lab.idle.min_frontier_gap_months",
        "training.lab.idle.year_reached_1e23_flop",
    ] {
        assert_eq!(out.scalar(n), None, "{n}");
        let why = stack::run::conditional_outcome(n).unwrap_or_else(|| panic!("{n} not conditional"));
        assert!(
            why.contains("lab idle") && why.contains("training.lab.idle."),
            "{n}: {why}"
        );
    }
    for n in &idle {
        assert_eq!(stack::run::conditional_outcome(n), None, "{n}");
    }
}

#[test]
fn per_lab_outcomes_follow_the_national_ones_and_have_units() {
    let out = three_labs();
    let names: Vec<&str> = out.scalars.iter().map(|(k, _)| k.as_str()).collect();
    let first = names
        .iter()
        .position(|k| k.starts_with("training.lab."))
        .expect("per-lab outcomes");
    assert!(
        names[first..].iter().all(|k| k.starts_with("training.lab.")),
        "{names:?}"
    );
    assert!(names[..first].contains(&"training.largest_run_flop"));
    assert!(names[first..].windows(2).all(|w| w[0] < w[1]), "{names:?}");
    // The national ones keep their order: by name, `stack.events` last.
    assert_eq!(names[first - 1], "stack.events");
    assert!(names[..first - 1].windows(2).all(|w| w[0] < w[1]), "{names:?}");
    for n in &names[first..] {
        let (l, national) = stack::run::lab_of_outcome(n).expect("a lab's outcome");
        assert!(LABS.contains(&l), "{n}");
        assert_eq!(
            stack::output_units::unit_of(n),
            stack::output_units::unit_of(&national),
            "{n}"
        );
        assert!(stack::output_units::unit_of(n).is_some(), "{n}");
    }
}
