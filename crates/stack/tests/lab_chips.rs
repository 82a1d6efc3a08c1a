//! The labs' accelerators, counted as the other buyers' are: owned at the
//! start (`training.accelerators_at_start`, an entry already a service life
//! past its `installed` date included), delivered, awaiting installation
//! and installed at the end, and retired, for the labs together and each
//! lab (`training.lab.<lab>.…`), with `at start + delivered = awaiting +
//! installed + retired` exactly (docs/model/model-training.md,
//! "Accelerators counted"). Every example is checked too
//! (`tests/examples.rs`).

use stack::{RunOptions, RunOutput, Scenario};
use std::path::Path;

/// Lab `old` owns 300 accelerators installed 5.5 years before the start
/// (a 5-year life: retired at the start, never installed) and 200
/// installed 4 years before it (retiring a year in, 2026-01-01) and buys
/// nothing; lab `buyer` owns none and orders 1,000 (2e7 USD at 20,000 USD,
/// a twelfth of its yearly budget) at the start, nothing after (its budget
/// is 0 from 15 January, before its next monthly tick, a month of 30.44
/// days in); a pushed import flow supplies them in the first weeks.
const BASE: &str = r#"Scenario(
    name: "lab-chips",
    start: "2025-01-01",
    horizon_years: HORIZON,
    regions: [(name: "home", demand_avg_mw: 1000)],
    plants: [(name: "home-gas", region: "home", technology: Gas, installed_mw: 5000)],
    designs: [(name: "gpu", die_area_mm2: 800, peak_flop_s: 1e15, power_w: 700, hbm_stacks: 5,
               node: "4nm", unit_price_usd: 20000)],
    imports: [(name: "gpu-imports", design: "gpu", units_per_month: 2000)],
    labs: [
        (name: "old", sites: [(region: "home", connected_mw: 10)], budget_usd_per_year: 0,
         fleet: [(design: "gpu", count: 300, installed: "2019-07-01"),
                 (design: "gpu", count: 200, installed: "2021-01-01")]),
        (name: "buyer", sites: [(region: "home", connected_mw: 10)],
         budget_usd_per_year: (step: [("2025-01-01", 2.4e8), ("2025-01-15", 0)])),
    ],
    ecosystem: (chip_service_life_years: 5),
)"#;

fn run_for(years: &str) -> RunOutput {
    let t = BASE.replace("HORIZON", years);
    let s = Scenario::from_text(Path::new("lab-chips.ron"), &t).unwrap_or_else(|e| panic!("{e}"));
    stack::run(&s, &RunOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn get(out: &RunOutput, k: &str) -> f64 {
    out.scalar(k).unwrap_or_else(|| panic!("no {k}"))
}

/// The counts, in the order of the identity: (at start, delivered,
/// awaiting install, installed, retired), of lab `lab` or, with `None`, of
/// the labs together.
fn counts(out: &RunOutput, lab: Option<&str>) -> [f64; 5] {
    [
        "training.accelerators_at_start",
        "training.accelerators_delivered_total",
        "training.accelerators_awaiting_install_end",
        "training.accelerators_installed_end",
        "training.accelerators_retired_total",
    ]
    .map(|n| match lab {
        Some(l) => get(out, &stack::run::lab_outcome(l, n)),
        None => get(out, n),
    })
}

#[test]
fn a_lab_s_stock_past_its_life_mid_life_retirements_and_deliveries_are_all_counted() {
    // A month in: the 300 past their life were retired at the start; the
    // 200 serve; the buyer's 1,000 have arrived (30-day install delay
    // from deliveries in the first weeks: some may still wait).
    let early = run_for("0.1");
    assert_eq!(counts(&early, Some("old")), [500.0, 0.0, 0.0, 200.0, 300.0]);
    let [at, delivered, awaiting, installed, retired] = counts(&early, Some("buyer"));
    assert_eq!((at, delivered, retired), (0.0, 1000.0, 0.0));
    assert_eq!(awaiting + installed, 1000.0);
    // Two years: the 200 retired on 2026-01-01, the 1,000 serve.
    let late = run_for("2");
    assert_eq!(counts(&late, Some("old")), [500.0, 0.0, 0.0, 0.0, 500.0]);
    assert_eq!(counts(&late, Some("buyer")), [0.0, 1000.0, 0.0, 1000.0, 0.0]);
    assert_eq!(counts(&late, None), [500.0, 1000.0, 0.0, 1000.0, 500.0]);
    // The series agrees: the old lab's 200 serve until the retirement.
    let served = |date: &str| {
        late.sample(date, "training.accelerators_installed", "old")
            .unwrap_or_else(|| panic!("no sample on {date}"))
    };
    assert_eq!(served("2025-12-01"), 200.0);
    assert_eq!(served("2026-02-01"), 0.0);
}

#[test]
fn deliveries_still_in_the_install_delay_at_the_end_are_awaiting() {
    // Ten days: every delivery is still on its way (30 days).
    let out = run_for("0.03");
    let [_, delivered, awaiting, installed, _] = counts(&out, Some("buyer"));
    assert!(delivered > 0.0);
    assert_eq!((awaiting, installed), (delivered, 0.0));
}

#[test]
fn the_identity_holds_per_lab_and_nationally_and_the_labs_add_up() {
    for years in ["0.03", "0.1", "2"] {
        let out = run_for(years);
        let labs = [counts(&out, Some("old")), counts(&out, Some("buyer"))];
        let nation = counts(&out, None);
        for c in labs.iter().chain([&nation]) {
            assert_eq!(c[0] + c[1], c[2] + c[3] + c[4], "{years} y: {c:?}");
        }
        for i in 0..5 {
            assert_eq!(nation[i], labs[0][i] + labs[1][i], "{years} y: count {i}");
        }
        // Installed at the end is the series' last sample (at the end).
        for (entity, c) in [("old", labs[0]), ("buyer", labs[1]), ("national", nation)] {
            let last = out
                .series
                .iter()
                .filter(|r| r.metric == "training.accelerators_installed" && r.entity == entity)
                .max_by(|a, b| a.time_year.total_cmp(&b.time_year))
                .map(|r| r.value);
            assert_eq!(last, Some(c[3]), "{years} y: {entity}");
        }
        // The training domain's deliveries are the wiring's.
        assert_eq!(
            nation[1],
            get(&out, "fab.accelerators_delivered_to_labs_total"),
            "{years} y"
        );
    }
}

#[test]
fn the_run_summary_says_where_the_labs_accelerators_ended_up() {
    let s = Scenario::from_text(Path::new("lab-chips.ron"), &BASE.replace("HORIZON", "2"))
        .unwrap_or_else(|e| panic!("{e}"));
    let out = stack::run(&s, &RunOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let text = stack::report::summary_text(&s, &out);
    let line = text
        .lines()
        .find(|l| l.contains("labs' accelerators"))
        .unwrap_or_else(|| panic!("no labs' accelerators line in\n{text}"));
    assert_eq!(
        line,
        "  labs' accelerators     1000 installed at the end, 0 awaiting installation, 500 retired \
         (of 500 held at the start and 1000 delivered)"
    );
}
