//! `settings.compute_thresholds_flop` and the outcomes it names,
//! `training.year_reached_<T>_flop`: the year the labs' first run of at
//! least T FLOP finished, absent in a run that never reached T, the
//! nation's being the earliest lab's; and what the run summary says.

use stack::{RunOptions, RunOutput, Scenario, run};
use std::path::Path;

/// Two labs of 2,000 and 500 H100s over two years, with `settings`.
fn two_labs(settings: &str) -> (Scenario, RunOutput) {
    let text = format!(
        r#"Scenario(
    name: "thresholds",
    start: "2025-01-01",
    horizon_years: 2,
    {settings}
    regions: [ (name: "home", demand_avg_mw: 1000) ],
    plants: [ (name: "gas", region: "home", technology: Gas, installed_mw: 4000, failures_per_unit_year: 0) ],
    designs: [ (name: "h100", die_area_mm2: 814, peak_flop_s: 989e12, power_w: 700, hbm_stacks: 5, node: "4nm", unit_price_usd: 25000) ],
    labs: [
        (name: "big", sites: [(region: "home", connected_mw: 10)], fleet: [(design: "h100", count: 2000)]),
        (name: "small", sites: [(region: "home", connected_mw: 10)], fleet: [(design: "h100", count: 500)]),
    ],
)"#
    );
    let s = Scenario::from_text(Path::new("thresholds.ron"), &text).unwrap_or_else(|e| panic!("{e}"));
    let out = run(&s, &RunOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    (s, out)
}

/// When each lab's releases (every finished run is released as it
/// finishes) first reached `flop`, by lab index.
fn first_by_lab(out: &RunOutput, flop: f64) -> Vec<Option<f64>> {
    (0..out.lab_names.len())
        .map(|lab| {
            out.releases
                .iter()
                .filter(|r| r.lab.index() == lab && r.physical_flop >= flop)
                .map(|r| r.at)
                .min()
                .and_then(|t| out.calendar.fractional_year(t))
        })
        .collect()
}

#[test]
fn the_defaults_are_the_eu_and_us_policy_thresholds() {
    let (s, out) = two_labs("");
    assert_eq!(s.data.settings.compute_thresholds_flop, vec![1e25, 1e26]);
    // These labs' runs stay below 1e25 in two years: both outcomes absent.
    let largest = out.scalar("training.largest_run_flop").unwrap();
    assert!(largest < 1e25, "{largest:e}");
    assert_eq!(out.scalar("training.year_reached_1e25_flop"), None);
    assert_eq!(out.scalar("training.year_reached_1e26_flop"), None);
    let text = stack::report::summary_text(&s, &out);
    assert!(
        text.contains(
            "  compute thresholds     first run at or above each in this simulation, runs before the \
             start not counted: 1e25 FLOP not reached; 1e26 FLOP not reached\n"
        ),
        "{text}"
    );
}

#[test]
fn the_year_is_the_first_release_over_the_threshold_the_nation_its_earliest_lab() {
    let (s, out) = two_labs("settings: (compute_thresholds_flop: [1e23, 1e24, 4e24, 1e30]),");
    let mut reached = 0;
    for t in [1e23, 1e24, 4e24, 1e30] {
        let by_lab = first_by_lab(&out, t);
        let national = by_lab.iter().flatten().copied().reduce(f64::min);
        let key = model_training::compute_threshold_outcome(t);
        assert_eq!(out.scalar(&key), national, "{key}: by lab {by_lab:?}");
        reached += usize::from(national.is_some());
        // Conditional: a batch reports it over the runs that have it.
        assert!(stack::run::conditional_outcome(&key).is_some(), "{key}");
        assert_eq!(stack::output_units::unit_of(&key), Some("year"), "{key}");
    }
    // 1e23 and 1e24 are reached (the big lab's runs are ≈4.5e24), 1e30 not.
    assert!(reached >= 2, "{reached}");
    assert_eq!(out.scalar("training.year_reached_1e30_flop"), None);
    // The big lab reached 1e24 first, and within the horizon.
    let by_lab = first_by_lab(&out, 1e24);
    let y = out.scalar("training.year_reached_1e24_flop").unwrap();
    assert_eq!(by_lab[0], Some(y));
    assert!((2025.0..2027.0).contains(&y), "{y}");
    let text = stack::report::summary_text(&s, &out);
    let line = text
        .lines()
        .find(|l| l.starts_with("  compute thresholds"))
        .expect("a thresholds line");
    // The dates are the simulation's, not history's: the line says so.
    assert!(
        line.contains("in this simulation, runs before the start not counted: "),
        "{line}"
    );
    assert!(line.contains("1e24 FLOP on 20"), "{line}");
    assert!(line.contains(&format!("({y:.2}, lab big)")), "{line}");
    assert!(line.ends_with("1e30 FLOP not reached"), "{line}");
    // summary.json gives each lab's year, the nation's being the earliest.
    let json = stack::report::summary_json(&s, &out);
    let th = json["compute_thresholds"].as_array().expect("a list");
    assert_eq!(th.len(), 4);
    for (entry, t) in th.iter().zip([1e23, 1e24, 4e24, 1e30]) {
        let key = model_training::compute_threshold_outcome(t);
        assert_eq!(entry["flop"], t);
        assert_eq!(entry["outcome"], key.as_str());
        assert_eq!(entry["year"].as_f64(), out.scalar(&key), "{entry}");
        let by_lab = first_by_lab(&out, t);
        assert_eq!(entry["by_lab"]["big"].as_f64(), by_lab[0], "{entry}");
        assert_eq!(entry["by_lab"]["small"].as_f64(), by_lab[1], "{entry}");
        let earliest = ["big", "small"]
            .iter()
            .filter_map(|l| entry["by_lab"][*l].as_f64())
            .reduce(f64::min);
        assert_eq!(entry["year"].as_f64(), earliest, "{entry}");
        assert_eq!(entry["lab"].is_null(), earliest.is_none(), "{entry}");
        assert_eq!(entry["scope"], stack::report::THRESHOLD_SCOPE, "{entry}");
        assert!(
            entry["scope"].as_str().unwrap().contains("in this simulation"),
            "{entry}"
        );
    }
    assert_eq!(th[1]["lab"], "big");
}

#[test]
fn an_empty_list_reports_no_threshold() {
    let (s, out) = two_labs("settings: (compute_thresholds_flop: []),");
    assert!(
        !out.scalars
            .iter()
            .any(|(k, _)| k.starts_with("training.year_reached_"))
    );
    assert!(!stack::report::summary_text(&s, &out).contains("compute thresholds"));
}
