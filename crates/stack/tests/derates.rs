//! Capacity derates written in a scenario: a Uri-like cold snap sheds load
//! that the same scenario without it does not, its lost capacity is
//! reported month by month, its fields can be uncertain, runs are
//! deterministic, and bad derates are refused at their line and column.

mod common;
use common::Scratch;
use stack::{RunOptions, RunOutput, Scenario, run};
use std::path::Path;

fn load(text: &str) -> Result<Scenario, String> {
    Scenario::from_text(Path::new("derate.ron"), text).map_err(|e| e.to_string())
}

fn run_text(text: &str) -> RunOutput {
    let s = load(text).unwrap_or_else(|e| panic!("{e}"));
    run(&s, &RunOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// A Uri-like winter: one region "texas" of 700 MW average non-AI demand
/// (±15 % daily, no season) on 600 MW of gas and 300 MW of coal (no
/// outages) and 100 MW of wind, plus `extra` written into the scenario.
fn texas(extra: &str) -> String {
    format!(
        r#"Scenario(
    name: "texas",
    start: "2027-01-01",
    horizon_years: 1,
    regions: [ (name: "texas", demand_avg_mw: 700, daily_amplitude: 0.15, seasonal_amplitude: 0),
               (name: "east", demand_avg_mw: 100, daily_amplitude: 0, seasonal_amplitude: 0) ],
    plants: [
        (name: "texas-gas", region: "texas", technology: Gas, installed_mw: 600, failures_per_unit_year: 0, unit_size_mw: 100, marginal_cost_usd_per_mwh: 30),
        (name: "texas-coal", region: "texas", technology: Coal, installed_mw: 300, failures_per_unit_year: 0, unit_size_mw: 100, marginal_cost_usd_per_mwh: 25),
        (name: "texas-wind", region: "texas", technology: Wind, installed_mw: 100, capacity_factor: 0.3),
        (name: "east-coal", region: "east", technology: Coal, installed_mw: 200, failures_per_unit_year: 0, unit_size_mw: 100),
    ],
    {extra}
    labs: [ (name: "lab", sites: [(region: "east")]) ],
)"#
    )
}

const URI: &str = r#"derates: [(name: "uri", regions: ["texas"], technologies: [Gas, Coal], start: "2027-02-15", days: 5, fraction: 0.32, demand_factor: 1.15)],"#;

fn at(out: &RunOutput, date: &str, metric: &str, entity: &str) -> f64 {
    out.sample(date, metric, entity)
        .unwrap_or_else(|| panic!("no {metric},{entity} at {date}"))
}

/// The cold snap sheds load in February in texas only; without it nothing
/// is shed all year. Its lost capacity is reported in February's row
/// (dated 1 March): 32 % of 900 MW for 120 h, and the run's total.
#[test]
fn a_uri_like_cold_snap_sheds_load_the_same_scenario_without_it_does_not() {
    let base = run_text(&texas(""));
    let cold = run_text(&texas(URI));
    assert_eq!(base.scalar("energy.unserved_mwh_total"), Some(0.0));
    assert!(base.sample("2027-03-01", "energy.derated_mwh", "texas").is_none());
    let unserved = at(&cold, "2027-03-01", "energy.unserved_mwh", "texas");
    assert!(unserved > 1_000.0, "{unserved}");
    assert_eq!(cold.scalar("energy.unserved_mwh_total"), Some(unserved));
    assert_eq!(at(&cold, "2027-03-01", "energy.unserved_mwh", "east"), 0.0);
    // In the hours it sheds, texas is priced at the scarcity price.
    assert!(at(&cold, "2027-03-01", "energy.avg_price_usd_per_mwh", "texas") > 100.0);
    let lost = 0.32 * 900.0 * 120.0;
    for entity in ["texas", "national"] {
        let d = at(&cold, "2027-03-01", "energy.derated_mwh", entity);
        assert!((d - lost).abs() < 1e-6, "{entity}: {d}");
        assert_eq!(at(&cold, "2027-02-01", "energy.derated_mwh", entity), 0.0);
        assert_eq!(at(&cold, "2027-04-01", "energy.derated_mwh", entity), 0.0);
    }
    assert_eq!(at(&cold, "2027-03-01", "energy.derated_mwh", "east"), 0.0);
    let total = cold.scalar("energy.derated_mwh_total").expect("total");
    assert!((total - lost).abs() < 1e-6, "{total}");
    // The heating load: February's demand in texas rises by 15 % of five days'.
    let extra = at(&cold, "2027-03-01", "energy.demand_mwh", "texas")
        - at(&base, "2027-03-01", "energy.demand_mwh", "texas");
    assert!((extra - 0.15 * 700.0 * 120.0).abs() < 1e-3, "{extra}");
    // Same seed, same run.
    let again = run_text(&texas(URI));
    assert_eq!(cold.scalars, again.scalars);
}

/// A derate's numbers may be uncertain: drawn per run, used as drawn.
#[test]
fn a_derates_fields_can_be_uncertain() {
    let text = texas(&format!(
        r#"{URI}
    uncertain: {{ "derates.uri.fraction": Uniform(low: 0.1, high: 0.5), "derates.uri.days": Triangular(low: 2, mode: 5, high: 9) }},"#
    ));
    let s = load(&text).expect("loads");
    let params: Vec<String> = s.parameters().iter().map(|p| p.path.clone()).collect();
    assert_eq!(params, ["derates.uri.days", "derates.uri.fraction"]);
    let out = run(
        &s,
        &RunOptions {
            param_values: Some(vec![4.0, 0.5]),
            ..RunOptions::default()
        },
    )
    .expect("runs");
    let d = at(&out, "2027-03-01", "energy.derated_mwh", "texas");
    assert!((d - 0.5 * 900.0 * 96.0).abs() < 1e-6, "{d}");
    // A distribution reaching past [0, 1] is refused at its entry.
    let Err(e) = load(&texas(&format!(
        r#"{URI}
    uncertain: {{ "derates.uri.fraction": Uniform(low: 0.5, high: 1.5) }},"#
    ))) else {
        panic!("a fraction drawn past 1 was accepted");
    };
    assert!(
        e.contains("derate.ron:14:18:") && e.contains("field `uncertain.derates.uri.fraction`"),
        "{e}"
    );
}

/// Bad derates are refused with the file, line and column, the field as
/// written and, for a name, a suggestion.
#[test]
fn bad_derates_are_refused_at_their_field() {
    let cases = [
        (
            r#"derates: [(name: "uri", regions: ["texsa"], technologies: [Gas], start: "2027-02-15", days: 5, fraction: 0.3)],"#,
            "derate.ron:13:",
            vec![
                "field `derates.uri.regions[0]`",
                "region `texsa` does not exist",
                "did you mean `texas`?",
            ],
        ),
        (
            r#"derates: [(name: "uri", technologies: [Gas], start: "2027-02-15", days: 5, fraction: 1.3)],"#,
            "derate.ron:13:90:",
            vec!["expected a fraction in [0, 1], got 1.3"],
        ),
        (
            r#"derates: [(name: "uri", technologies: [Gas], start: "2027-02-15", days: 0, fraction: 0.3)],"#,
            "derate.ron:13:",
            vec!["expected a derate length in (0, 36525] days, got 0"],
        ),
        (
            r#"derates: [(name: "uri", technologies: [Gas], start: "2027-02-15", days: 5, fraction: 0.3, demand_factor: -1)],"#,
            "derate.ron:13:",
            vec!["expected a demand factor in [0, 10], got -1"],
        ),
        (
            r#"derates: [(name: "uri", technologies: [Gas, Battery], start: "2027-02-15", days: 5, fraction: 0.3)],"#,
            "derate.ron:13:",
            vec![
                "field `derates.uri.technologies[1]`",
                "`Battery` is a region's storage",
            ],
        ),
        (
            r#"derates: [(name: "uri", technologies: [], start: "2027-02-15", days: 5, fraction: 0.3)],"#,
            "derate.ron:13:",
            vec!["field `derates.uri.technologies`", "name at least one technology"],
        ),
        (
            r#"derates: [(name: "uri", regions: ["east"], technologies: [Gas, Nuclear], start: "2027-02-15", days: 5, fraction: 0.3)],"#,
            "derate.ron:13:",
            vec![
                "field `derates.uri.technologies`",
                "no plant group of Gas, Nuclear is in or built in region `east`",
            ],
        ),
        (
            r#"derates: [(name: "uri", technologies: [Gas], start: "2027-02-15", days: 5, fraction: 0.3),
              (name: "uri", technologies: [Coal], start: "2027-03-15", days: 5, fraction: 0.3)],"#,
            "derate.ron:14:",
            vec!["the name `uri` is used twice in `derates`"],
        ),
        (
            r#"derates: [(name: "uri", technologies: [Gas], start: "2027-02-15", days: 5, fraction: 0.3, depth: 0.3)],"#,
            "derate.ron:13:",
            vec!["depth"],
        ),
    ];
    for (extra, position, parts) in cases {
        let e = load(&texas(extra))
            .err()
            .unwrap_or_else(|| panic!("accepted: {extra}"));
        assert!(e.contains(position), "{extra}\n{e}");
        for part in parts {
            assert!(e.contains(part), "{extra}\nwants `{part}` in\n{e}");
        }
    }
}

/// A variant adds a derate as an entity, as cold-snap-2027 does.
#[test]
fn a_variant_adds_a_derate() {
    let dir = Scratch::new("derate");
    std::fs::create_dir_all(&*dir).expect("dir");
    std::fs::write(dir.join("base.ron"), texas("")).expect("base");
    let variant = r#"Variant(base: "base.ron", add: [
        Derate((name: "uri", regions: ["texas"], technologies: [Gas, Coal], start: "2027-02-15", days: 5, fraction: 0.32, demand_factor: 1.15)),
    ])"#;
    std::fs::write(dir.join("v.ron"), variant).expect("variant");
    let s = Scenario::load(&dir.join("v.ron")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.data.derates.len(), 1);
    let out = run(&s, &RunOptions::default()).expect("runs");
    assert_eq!(out.scalars, run_text(&texas(URI)).scalars);
}
