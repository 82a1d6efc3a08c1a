//! The adequacy response written in a scenario: a growing region that sheds
//! load without it sheds less with it, what it builds is reported month by
//! month and counted as projects, its numbers can be uncertain, a variant
//! can add it, runs are deterministic, and bad responses are refused at
//! their line and column.

mod common;
use common::Scratch;
use stack::{RunOptions, RunOutput, Scenario, run};
use std::path::Path;

fn load(text: &str) -> Result<Scenario, String> {
    Scenario::from_text(Path::new("adequacy.ron"), text).map_err(|e| e.to_string())
}

fn run_text(text: &str) -> RunOutput {
    let s = load(text).unwrap_or_else(|e| panic!("{e}"));
    run(&s, &RunOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// Region "east": 900 MW average non-AI demand growing 6 %/yr (±15 %
/// daily, ±10 % seasonal) on 1,200 MW of gas (no outages), beside a small
/// region "west", over eight years; plus `extra` written into the scenario.
fn growing(extra: &str) -> String {
    format!(
        r#"Scenario(
    name: "growing",
    start: "2025-01-01",
    horizon_years: 8,
    regions: [ (name: "east", demand_avg_mw: 900, demand_growth_per_year: 0.06, daily_amplitude: 0.15, seasonal_amplitude: 0.1),
               (name: "west", demand_avg_mw: 100, daily_amplitude: 0, seasonal_amplitude: 0) ],
    plants: [
        (name: "east-gas", region: "east", technology: Gas, installed_mw: 1200, failures_per_unit_year: 0, unit_size_mw: 100, marginal_cost_usd_per_mwh: 40),
        (name: "west-coal", region: "west", technology: Coal, installed_mw: 200, failures_per_unit_year: 0, unit_size_mw: 100),
    ],
    {extra}
    labs: [ (name: "lab", sites: [(region: "west")]) ],
)"#
    )
}

const PLAN: &str = r#"adequacy: [(name: "plan", regions: ["east"], technology: Gas, unit_mw: 100, lead_time_years: Const(value: 3))],"#;

fn total(out: &RunOutput, metric: &str, entity: &str) -> f64 {
    out.series
        .iter()
        .filter(|r| r.metric == metric && r.entity == entity)
        .map(|r| r.value)
        .sum()
}

/// Without the response east sheds more every year; with it (gas in
/// 100 MW units, three years to build, planned three years ahead, target
/// 15 %) it sheds far less: only in the years before its first projects
/// arrive. What it starts is reported per month and region, completes
/// three years later, counts as projects, and the run is deterministic.
#[test]
fn a_growing_region_sheds_less_with_the_response() {
    let without = run_text(&growing(""));
    let with = run_text(&growing(PLAN));
    let (shed_without, shed_with) = (
        without.scalar("energy.unserved_mwh_total").expect("total"),
        with.scalar("energy.unserved_mwh_total").expect("total"),
    );
    assert!(shed_without > 1e5, "{shed_without}");
    assert!(
        shed_with < 0.25 * shed_without,
        "with {shed_with}, without {shed_without}"
    );
    assert!(
        without
            .sample("2026-01-01", "energy.adequacy_started_mw", "east")
            .is_none()
    );
    // The first check, at the start, starts east's gap at 2028's peak; it
    // is in January's row and comes into service three years later.
    let first = with
        .sample("2025-02-01", "energy.adequacy_started_mw", "east")
        .expect("row");
    assert!(first >= 100.0 && first % 100.0 == 0.0, "{first}");
    assert_eq!(
        with.sample("2025-02-01", "energy.adequacy_started_mw", "west"),
        Some(0.0)
    );
    let started = total(&with, "energy.adequacy_started_mw", "national");
    let completed = total(&with, "energy.adequacy_completed_mw", "national");
    assert_eq!(with.scalar("energy.adequacy_started_mw_total"), Some(started));
    assert_eq!(with.scalar("energy.adequacy_completed_mw_total"), Some(completed));
    let pending = with
        .sample("2033-01-01", "energy.adequacy_pending_mw", "east")
        .expect("row");
    assert_eq!(started, completed + pending);
    assert_eq!(
        with.scalar("energy.projects_completed_total"),
        Some(completed / 100.0)
    );
    let capacity = |date: &str| with.sample(date, "energy.capacity_gas_mw", "east").expect("row");
    assert_eq!(capacity("2028-01-01"), 1_200.0);
    assert_eq!(capacity("2028-02-01"), 1_200.0 + first);
    // Same seed, same run.
    assert_eq!(with.scalars, run_text(&growing(PLAN)).scalars);
}

/// A response's numbers may be uncertain, its capacity credits included:
/// drawn per run, used as drawn (a margin of 0 starts less than 0.3).
#[test]
fn a_responses_fields_can_be_uncertain() {
    let text = growing(&format!(
        r#"{PLAN}
    uncertain: {{ "adequacy.plan.target_reserve_margin": Uniform(low: 0, high: 0.3), "adequacy.plan.capacity_credit.gas": Uniform(low: 0.8, high: 1) }},"#
    ));
    let s = load(&text).expect("loads");
    let params: Vec<String> = s.parameters().iter().map(|p| p.path.clone()).collect();
    assert_eq!(
        params,
        [
            "adequacy.plan.capacity_credit.gas",
            "adequacy.plan.target_reserve_margin"
        ]
    );
    let started = |values: Vec<f64>| {
        let out = run(
            &s,
            &RunOptions {
                param_values: Some(values),
                ..RunOptions::default()
            },
        )
        .expect("runs");
        out.scalar("energy.adequacy_started_mw_total").expect("total")
    };
    let low = started(vec![1.0, 0.0]);
    let high = started(vec![1.0, 0.3]);
    let derated = started(vec![0.8, 0.3]);
    assert!(low < high && high < derated, "{low} {high} {derated}");
    // A distribution reaching past [0, 1] is refused at its entry.
    let Err(e) = load(&growing(&format!(
        r#"{PLAN}
    uncertain: {{ "adequacy.plan.capacity_credit.gas": Uniform(low: 0.5, high: 1.5) }},"#
    ))) else {
        panic!("a credit drawn past 1 was accepted");
    };
    assert!(
        e.contains("adequacy.ron:12:") && e.contains("field `uncertain.adequacy.plan.capacity_credit.gas`"),
        "{e}"
    );
}

/// Bad responses are refused with the file, line and column, the field as
/// written and, for a name, a suggestion.
#[test]
fn bad_responses_are_refused_at_their_field() {
    let plan = |fields: &str| {
        format!(
            r#"adequacy: [(name: "plan", technology: Gas, unit_mw: 100, lead_time_years: Const(value: 3){fields})],"#
        )
    };
    let cases = [
        (
            plan(r#", regions: ["esat"]"#),
            "adequacy.ron:11:",
            vec![
                "field `adequacy.plan.regions[0]`",
                "region `esat` does not exist",
                "did you mean `east`?",
            ],
        ),
        (
            plan(", target_reserve_margin: 11"),
            "adequacy.ron:11:119:",
            vec!["expected a reserve margin in [0, 10], got 11"],
        ),
        (
            plan(", check_every_years: 0"),
            "adequacy.ron:11:",
            vec!["years between checks"],
        ),
        (
            plan(", capacity_credit: (gas: 0)"),
            "adequacy.ron:11:",
            vec![
                "field `adequacy.plan.capacity_credit.gas`",
                "no amount of it would close a gap",
            ],
        ),
        (
            plan(", capacity_credit: (wind: 1.2)"),
            "adequacy.ron:11:",
            vec!["expected a fraction in [0, 1], got 1.2"],
        ),
        (
            plan(", max_mw_per_year: 50"),
            "adequacy.ron:11:",
            vec!["field `adequacy.plan.max_mw_per_year`", "less than one unit"],
        ),
        (
            r#"adequacy: [(name: "plan", technology: Gas, unit_mw: 100, lead_time_years: Normal(mean: 3, sd: 1))],"#
                .to_string(),
            "adequacy.ron:11:",
            vec!["field `adequacy.plan.lead_time_years`", "≥ 0"],
        ),
        (
            r#"adequacy: [(name: "plan", regions: ["east"], technology: Gas, unit_mw: 100, lead_time_years: Const(value: 3)),
              (name: "all", technology: Coal, unit_mw: 100, lead_time_years: Const(value: 3))],"#
                .to_string(),
            "adequacy.ron:12:",
            vec![
                "field `adequacy.all.regions`",
                "which adequacy `plan` already plans for",
            ],
        ),
        (
            plan(", margin: 0.15"),
            "adequacy.ron:11:",
            vec!["margin"],
        ),
    ];
    for (extra, position, parts) in cases {
        let e = load(&growing(&extra))
            .err()
            .unwrap_or_else(|| panic!("accepted: {extra}"));
        assert!(e.contains(position), "{extra}\n{e}");
        for part in parts {
            assert!(e.contains(part), "{extra}\nwants `{part}` in\n{e}");
        }
    }
}

/// A variant adds a response as an entity, as us-2025-adequacy does.
#[test]
fn a_variant_adds_a_response() {
    let dir = Scratch::new("adequacy");
    std::fs::create_dir_all(&*dir).expect("dir");
    std::fs::write(dir.join("base.ron"), growing("")).expect("base");
    let variant = r#"Variant(base: "base.ron", add: [
        Adequacy((name: "plan", regions: ["east"], technology: Gas, unit_mw: 100, lead_time_years: Const(value: 3))),
    ])"#;
    std::fs::write(dir.join("v.ron"), variant).expect("variant");
    let s = Scenario::load(&dir.join("v.ron")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.data.adequacy.len(), 1);
    let out = run(&s, &RunOptions::default()).expect("runs");
    assert_eq!(out.scalars, run_text(&growing(PLAN)).scalars);
}
