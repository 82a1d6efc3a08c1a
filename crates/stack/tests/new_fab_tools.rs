//! A fab that opens during the run equips from the national tool
//! inventory, as an expansion does, so tool export controls hold it back;
//! a fab operating at the start comes with its tools. Until the fifteenth
//! session a new fab opened with every tool it needed, from nowhere, even
//! under a total tool ban (audit s15-fab, finding 3).

use stack::{RunOptions, Scenario, run};
use std::path::Path;

/// Wafers started over two years by a fab that a `NewFab` project opens
/// after half a year, with `inventory` tools in the national inventory and
/// tool imports banned; `extra` adds fields to the fab.
fn wafers_started_by_a_new_fab(inventory: u32, extra: &str) -> f64 {
    wafers_started(
        inventory,
        extra,
        r#"fab_projects: [(name: "build", fab: "new", kind: NewFab, start: "2025-01-01", lead_time_years: Const(value: 0.5))],"#,
    )
}

/// Wafers started over two years by the fab `new` (fields `extra`), opened
/// as `opening` says (a `fab_projects` list, or nothing with `opens` in
/// `extra`), with `inventory` tools and tool imports banned.
fn wafers_started(inventory: u32, extra: &str, opening: &str) -> f64 {
    let text = format!(
        r#"Scenario(name: "newfab", start: "2025-01-01", horizon_years: 2,
    regions: [(name: "home", demand_avg_mw: 1000)],
    plants: [(name: "home-nuc", region: "home", technology: Nuclear, installed_mw: 5000, failures_per_unit_year: 0)],
    chips: (tools: (inventory_at_start: {inventory}, imports_per_year: 120, domestic_per_year: 0)),
    designs: [(name: "ascend", die_area_mm2: 670, dies_per_chip: 2, peak_flop_s: 780e12, power_w: 1000,
               hbm_stacks: 8, node: "7nm", unit_price_usd: 20000)],
    fabs: [(name: "new", region: "home", node: "7nm", capacity_wafers_per_month: 7000, ramp_months: 0,
            yield_initial: 0.3, yield_ceiling: 0.6, yield_learning_wafers: 300000, power_mw: 25,
            products: [(design: "ascend", share: 1)], tools_per_kwpm: 1 {extra})],
    {opening}
    policies: [(name: "ban", date: "2024-01-01", action: ExportControl(item: Tools, control: Ban))],
    labs: [(name: "lab", budget_usd_per_year: 1e10, sites: [(region: "home", connected_mw: 2000)])],
)"#
    );
    let s = Scenario::from_text(Path::new("newfab.ron"), &text).unwrap_or_else(|e| panic!("{e}"));
    let out = run(&s, &RunOptions::default()).expect("runs");
    out.scalars
        .iter()
        .find(|(k, _)| k == "fab.wafers_started_total")
        .map(|(_, v)| *v)
        .expect("fab.wafers_started_total")
}

#[test]
fn a_new_fab_under_a_tool_ban_starts_only_the_wafers_its_inventory_tools_allow() {
    // No tools in the country and imports banned: nothing to equip it with.
    assert_eq!(wafers_started_by_a_new_fab(0, ""), 0.0);
    // 7 tools in the inventory (1 per 1,000 wafers a month): the fab takes
    // them at the first production tick after it opens, so it starts what
    // a fab opened with its 7 tools starts, less at most one weekly tick.
    let given = wafers_started_by_a_new_fab(0, ", tools_at_opening: 7");
    let taken = wafers_started_by_a_new_fab(7, "");
    let week = 7000.0 * 7.0 / 30.4375;
    assert!(given > 7000.0 * 17.0, "{given} wafers");
    assert!(
        taken <= given && given - taken <= week + 1.0,
        "{taken} against {given}"
    );
    // 3 tools: 3,000 wafers a month.
    let part = wafers_started_by_a_new_fab(3, "");
    assert!(
        (part / taken / (3.0 / 7.0) - 1.0).abs() < 0.02,
        "{part} of {taken}"
    );
}

#[test]
fn a_fab_built_before_the_run_comes_with_its_tools() {
    // Under the same ban, with no tools in the country: a fab that opens on
    // the start date, or one whose NewFab project began years before the
    // start, was built before the run and has its tools (the session's
    // first version gave both none; review s15, finding 3).
    let on_the_start = wafers_started(0, r#", opens: "2025-01-01""#, "");
    let operating = wafers_started(0, "", "");
    assert!(operating > 7000.0 * 23.0, "{operating}");
    assert!(
        (on_the_start / operating - 1.0).abs() < 0.01,
        "{on_the_start} against {operating}"
    );
    let long_begun = wafers_started(
        0,
        "",
        r#"fab_projects: [(name: "build", fab: "new", kind: NewFab, start: "2020-01-01", lead_time_years: Const(value: 0.5))],"#,
    );
    assert!(
        (long_begun / operating - 1.0).abs() < 0.01,
        "{long_begun} against {operating}"
    );
    // Opening a day later, it equips from the (empty) inventory.
    assert_eq!(wafers_started(0, r#", opens: "2025-01-02""#, ""), 0.0);
    // So does a fab whose project began before the start but is still being
    // built then (a year's lead from 2024-12-31): it opens during the run
    // (review s15 b, finding 1: it came with every tool from nowhere).
    let still_building = wafers_started(
        0,
        "",
        r#"fab_projects: [(name: "build", fab: "new", kind: NewFab, start: "2024-12-31", lead_time_years: Const(value: 1))],"#,
    );
    assert_eq!(still_building, 0.0);
}
