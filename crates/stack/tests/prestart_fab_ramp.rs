//! A fab opened before the scenario start, by its `opens` date or by a
//! `NewFab` project whose fixed lead time ran out before the start, ramps
//! from its real opening date: part-way through its ramp at the start if
//! the ramp is not over (audit s19-chips, finding 2: the project's ramp
//! restarted at the start, and `opens` was refused).

use stack::{RunOptions, Scenario, run};
use std::path::Path;

/// `fab.capacity_wafers_per_month` of fab `f` (1,000 wafers/month, a
/// 12-month ramp, opened as `opening` says) on 1 February 2025, a month
/// after the start.
fn capacity_a_month_in(opens: &str, projects: &str) -> f64 {
    capacity_on(opens, projects, "2025-02-01")
}

/// The same on `date` (a sampling instant).
fn capacity_on(opens: &str, projects: &str, date: &str) -> f64 {
    let text = format!(
        r#"Scenario(name: "prestart", start: "2025-01-01", horizon_years: 1,
    regions: [(name: "home", demand_avg_mw: 1000)],
    plants: [(name: "nuc", region: "home", technology: Nuclear, installed_mw: 5000, failures_per_unit_year: 0)],
    chips: (tools: (failures_per_tool_year: 0), packaging_units_per_month: 1000, hbm: (stockpile_stacks: 1e6)),
    designs: [(name: "d", die_area_mm2: 600, peak_flop_s: 1e15, power_w: 700, hbm_stacks: 4, node: "7nm",
               unit_price_usd: 10000)],
    fabs: [(name: "f", region: "home", node: "7nm", capacity_wafers_per_month: 1000, ramp_months: 12,
            yield_initial: 0.3, yield_ceiling: 0.6, yield_learning_wafers: 300000, power_mw: 5,
            products: [(design: "d", share: 1)] {opens})],
    {projects}
    labs: [(name: "lab", budget_usd_per_year: 1e9, sites: [(region: "home", connected_mw: 100)])],
)"#
    );
    let s = Scenario::from_text(Path::new("prestart.ron"), &text).unwrap_or_else(|e| panic!("{e}"));
    let out = run(&s, &RunOptions::default()).expect("runs");
    out.sample(date, "fab.capacity_wafers_per_month", "f")
        .unwrap_or_else(|| panic!("a sample on {date}"))
}

#[test]
fn a_fab_opened_before_the_start_ramps_from_its_real_date() {
    // Opened 1 July 2024: 215 days of a 12-month ramp by 1 February 2025.
    let want = 1000.0 * (215.0 * 86_400.0) / (12.0 * 2_629_800.0);
    let opens = capacity_a_month_in(r#", opens: "2024-07-01""#, "");
    assert!((opens - want).abs() < 1e-6, "{opens} ≠ {want}");
    // Built by a project begun 1 January 2024 with half a (Julian) year's
    // lead time: done 182.625 days later, on 1 July 2024 at 15:00, so 15
    // hours less of its ramp.
    let project = capacity_a_month_in(
        "",
        r#"fab_projects: [(name: "build", fab: "f", kind: NewFab, start: "2024-01-01",
                           lead_time_years: Const(value: 0.5))],"#,
    );
    let want = 1000.0 * (214.375 * 86_400.0) / (12.0 * 2_629_800.0);
    assert!((project - want).abs() < 1e-6, "{project} ≠ {want}");
    // Opened two years before the start: fully ramped.
    assert_eq!(capacity_a_month_in(r#", opens: "2023-01-01""#, ""), 1000.0);
    // The first sample (the start) sees both: the project completes as
    // the supply chain starts, before it (review s19-review2, finding 4:
    // it read 0 wafers/month, the project not yet completed).
    let at_start = |days: f64| 1000.0 * (days * 86_400.0) / (12.0 * 2_629_800.0);
    let opens = capacity_on(r#", opens: "2024-07-01""#, "", "2025-01-01");
    assert!((opens - at_start(184.0)).abs() < 1e-6, "{opens}");
    let project = capacity_on(
        "",
        r#"fab_projects: [(name: "build", fab: "f", kind: NewFab, start: "2024-01-01",
                           lead_time_years: Const(value: 0.5))],"#,
        "2025-01-01",
    );
    assert!((project - at_start(183.375)).abs() < 1e-6, "{project}");
}
