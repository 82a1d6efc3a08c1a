//! A target that outruns the cluster does not stop the lab: the smallest
//! run worth doing is `min_run_share_of_target` of the target *or of the
//! lab's last run* (scaled to the new duration), whichever is smaller, and
//! a lab that has waited as long as its cadence runs what it can. So a lab
//! whose cluster stopped growing keeps releasing models of about its
//! cluster's size at its cadence, whatever its target growth.

mod common;
use common::*;
use model_training::{RunBound, SECS_PER_MONTH, TrainingConfig};
use scheduler::{Dist, SimTime};

const MONTH: f64 = SECS_PER_MONTH as f64;
const YEARS: f64 = 10.0;

fn months(m: f64) -> SimTime {
    SimTime((m * MONTH).round() as u64)
}

/// One lab with the test cluster (1000 chips, full rate `FULL_RATE`) and no
/// budget, so the cluster never grows; chips that outlive the horizon, no
/// inference, no failures; a Const 3-month cadence and a first target that
/// the cluster just does in one cadence; targets grow `growth`×/yr.
fn fixed_cluster(growth: f64) -> TrainingConfig {
    let mut l = lab("a");
    l.release_cadence_months = Dist::constant(3.0);
    l.max_run_duration_days = 365.0;
    l.initial_target_run_flop = FULL_RATE * 3.0 * MONTH;
    l.compute_growth_per_year = growth;
    // The default: the lab waits for a run of a quarter of its target.
    l.min_run_share_of_target = 0.25;
    let mut cfg = TrainingConfig::new(vec![l]);
    cfg.chip_service_life_years = 100.0;
    cfg.inference.max_share_of_chips = 0.0;
    cfg
}

/// (releases, physical FLOP of each run) over `YEARS` years.
fn run_fixed(growth: f64) -> (usize, Vec<f64>) {
    let mut b = Bench::new(fixed_cluster(growth), 3);
    b.run_until(months(12.0 * YEARS));
    let flops = b.training.runs().iter().map(|r| r.physical_flop).collect();
    (b.training.releases().len(), flops)
}

#[test]
fn a_fixed_cluster_keeps_releasing_runs_of_its_size_at_its_cadence_whatever_the_target_growth() {
    // Closed form: every 3 months a run of K = FULL_RATE × 3 months (the
    // whole cluster, no failures, no inference): 4 a year, 40 in ten
    // years (the last one at the horizon's edge, so 39 or 40). Before this
    // rule a lab whose target grew 4.5×/yr stopped for good once the target
    // passed 4 K (after 0.9 years): 4 releases in ten years.
    let k = FULL_RATE * 3.0 * MONTH;
    for growth in [1.5, 3.0, 4.5, 20.0] {
        let (releases, flops) = run_fixed(growth);
        assert!(
            (39..=40).contains(&releases),
            "growth {growth}: {releases} releases in {YEARS} years at a 3-month cadence"
        );
        for (i, f) in flops.iter().enumerate() {
            assert!(
                (f / k - 1.0).abs() < 1e-6,
                "growth {growth}: run {i} kept {f:e} FLOP, the cluster does {k:e} in a cadence"
            );
        }
    }
}

#[test]
fn more_target_growth_never_means_fewer_releases_or_smaller_runs() {
    // The audit's non-monotonicity (a higher growth target made the nation
    // stop training): with a fixed cluster, each growth from 1 to 30×/yr
    // gives as many releases, and as large a last run, as a lower one.
    let mut prev: Option<(usize, f64)> = None;
    for growth in [1.0, 2.0, 3.0, 4.5, 6.0, 10.0, 30.0] {
        let (releases, flops) = run_fixed(growth);
        let last = *flops.last().expect("a run");
        if let Some((r0, f0)) = prev {
            assert!(
                releases >= r0,
                "growth {growth}: {releases} releases, fewer than {r0} at a lower growth"
            );
            assert!(
                last >= f0 * (1.0 - 1e-9),
                "growth {growth}: last run {last:e}, smaller than {f0:e} at a lower growth"
            );
        }
        prev = Some((releases, last));
    }
}

#[test]
fn a_lab_cut_to_a_tenth_of_its_power_for_good_runs_what_it_can_after_one_cadence() {
    // The target stays what the full cluster does in a cadence (growth 1),
    // and the last run was that size; from 4 months on the grid serves a
    // tenth of the site's power for good. Both floors (a quarter of the
    // target, a quarter of the last run) are out of reach, so the lab
    // waits — at most one cadence (3 months; it re-plans at the monthly
    // tick at the latest), then runs the tenth it has. (The run the cut
    // hits, started at 3 months, ends about 20 months later at a tenth of
    // its rate; the runs planned after it are the ones checked.)
    let mut b = Bench::new(fixed_cluster(1.0), 5);
    b.run_until(months(4.0));
    b.serve("a", FULL_MW / 10.0);
    b.run_until(months(60.0));
    let runs = b.training.runs();
    let k = FULL_RATE * 3.0 * MONTH;
    let cut: Vec<_> = runs.iter().filter(|r| r.start >= months(4.0)).collect();
    // From about 24 months: wait 3 (to 4) months, train 3: 5 or more by 60.
    assert!(cut.len() >= 4, "{} runs planned after the cut", cut.len());
    for r in &cut {
        assert!(
            (r.planned_flop / (0.1 * k) - 1.0).abs() < 1e-6,
            "run {} planned {:e}",
            r.run,
            r.planned_flop
        );
        assert_eq!(r.bound, RunBound::Power);
        // Waited at most one cadence, plus up to a month to the next tick.
        assert!(
            r.waited_days <= 4.0 * MONTH / 86_400.0,
            "waited {} days",
            r.waited_days
        );
    }
}

/// The audit's pace4 (s18-training, finding 1): with inference on, a lab
/// cut for good to a quarter of its power, below the share of its chips its
/// released models come to serve (0.3 by default), has less and less left
/// for training as that share rises, and nothing once it passes a quarter:
/// inference is served first. Each run it starts is planned on what the
/// rising share leaves it, so it is released at its due date; once nothing
/// is left it starts no run (it would never finish: the run planned at the
/// share of now, 0 at the first release, was still in progress years
/// later) and waits, its days booked as limited by power, until power
/// comes back.
#[test]
fn a_lab_cut_below_its_inference_share_trains_what_is_left_then_waits_for_power() {
    let mut cfg = fixed_cluster(1.0);
    cfg.inference.max_share_of_chips = 0.3;
    // A target the whole cluster reaches after inference: power binds.
    cfg.labs[0].initial_target_run_flop *= 0.5;
    let mut b = Bench::new(cfg, 5);
    // The cut comes during run 0 (planned at full power, no model out yet:
    // it ends late, at a quarter of its rate).
    b.run_until(months(1.0));
    b.serve("a", FULL_MW / 4.0);
    b.run_until(months(48.0));
    let _ = b.sample();
    b.run_until(months(60.0));
    let rows = b.sample();
    let runs = b.training.runs();
    assert!(runs.len() >= 2, "{} runs", runs.len());
    for r in runs.iter().filter(|r| r.start >= months(1.0)) {
        let lasted = r.end.saturating_since(r.start).as_secs_f64();
        assert!(
            (lasted - 3.0 * MONTH).abs() <= 1.0,
            "run {} lasted {} months",
            r.run,
            lasted / MONTH
        );
        assert_eq!(r.bound, RunBound::Power, "run {}", r.run);
    }
    assert_eq!(
        b.training.run_in_progress(b.lab("a")),
        None,
        "a run it cannot finish is not started"
    );
    let last = runs.last().expect("a run").end;
    assert!(
        last < months(48.0),
        "training stopped by 4 years: last release at {}",
        last.as_days()
    );
    let power_days = metric(&rows, "training.limited_power_days", "a");
    assert!(
        (power_days - 12.0 * MONTH / 86_400.0).abs() < 1e-6,
        "the fifth year waiting on power: {power_days} days"
    );
    // Power back: the lab trains again within a month and a cadence.
    let before = b.training.releases().len();
    b.serve("a", FULL_MW);
    b.run_until(months(64.0));
    assert!(
        b.training.releases().len() > before,
        "no release after power came back"
    );
}
