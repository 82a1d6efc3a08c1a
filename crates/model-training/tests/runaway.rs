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
