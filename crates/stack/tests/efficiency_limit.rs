//! A lab's efficiency multiplier grows as `2^(t / halving time)`: over a long
//! horizon with a short halving time it passes what a float holds, and a run
//! that loaded stopped when it was sampled (and a batch with it). The loader
//! refuses such a scenario, and an uncertain halving time whose tail gets
//! there, naming the field and the shortest halving time that fits.

use stack::{RunOptions, Scenario, run};
use std::path::Path;

fn scenario(horizon_years: f64, halving: &str) -> String {
    format!(
        r#"Scenario(name: "eff", start: "2025-01-01", horizon_years: {horizon_years},
    grid: (dispatch_interval_hours: 24),
    regions: [ (name: "home", demand_avg_mw: 1000) ],
    plants: [ (name: "gas", region: "home", technology: Gas, installed_mw: 2000, failures_per_unit_year: 0) ],
    designs: [ (name: "h100", die_area_mm2: 814, peak_flop_s: 989e12, power_w: 700, hbm_stacks: 5, node: "4nm", unit_price_usd: 25000) ],
    labs: [ (name: "lab", sites: [(region: "home", connected_mw: 10)], fleet: [(design: "h100", count: 2000)],
             efficiency_halving_months: {halving}) ],
)"#
    )
}

#[test]
fn a_halving_time_whose_multiplier_overflows_by_the_horizon_is_refused() {
    let e = Scenario::from_text(Path::new("eff.ron"), &scenario(45.0, "0.1")).unwrap_err();
    assert_eq!(e.path, "labs.lab.efficiency_halving_months", "{e}");
    assert!(
        e.message.contains("10^200") && e.message.contains("at least 0.81"),
        "{e}"
    );
}

#[test]
fn an_uncertain_halving_time_whose_tail_overflows_is_refused_with_its_mass() {
    let text = scenario(30.0, "8").replace(
        "\n)",
        "\n    uncertain: { \"labs.lab.efficiency_halving_months\": Uniform(low: 0.1, high: 8) },\n)",
    );
    let e = Scenario::from_text(Path::new("eff.ron"), &text).unwrap_err();
    assert_eq!(e.path, "uncertain.labs.lab.efficiency_halving_months", "{e}");
    // The bound is 360 months / log2(1e200) = 0.5418 months: (0.5418 − 0.1) / 7.9.
    assert!(
        e.message.contains("lower tail") && e.message.contains("5.59e-2"),
        "{e}"
    );
}

/// Just inside the bound the run ends, its multiplier near 10^200 and its
/// releases' effective FLOP finite.
#[test]
fn a_run_at_the_bound_ends_with_a_finite_multiplier() {
    // 12 years: the bound is 144 months / log2(1e200) = 0.21674 months.
    let s = Scenario::from_text(Path::new("eff.ron"), &scenario(12.0, "0.2168"))
        .unwrap_or_else(|e| panic!("{e}"));
    let out = run(&s, &RunOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let last = out
        .series
        .iter()
        .filter(|r| r.metric == "training.efficiency_multiplier")
        .map(|r| r.value)
        .fold(0.0, f64::max);
    assert!(last.is_finite() && last > 1e190, "{last}");
    let best = out
        .scalars
        .iter()
        .find(|(k, _)| k == "training.best_effective_flop")
        .map_or(0.0, |(_, v)| *v);
    assert!(best.is_finite() && best > 1e100, "{best}");
}
