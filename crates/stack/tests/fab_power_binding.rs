//! A fab the grid cuts reports power as its binding input, in the run's
//! summary and in `explain`'s name for it; a fab the grid protects reports
//! wafers; one short of tools, tools. Until session 16 every grid cut read
//! "wafers" (audit s16-thesis F4: AI loads cut first, 76 % of the starts
//! scrapped, `binding input at most production ticks: wafers`).

use stack::report::binding_input_name;
use stack::{RunOptions, Scenario, run};
use std::path::Path;

/// `fab.binding_input_mode` and the wafers scrapped over a year in a
/// region short of power (900 MW of nuclear for about 1,000 MW of
/// household demand), with loads cut in `order`; `tools` tools per 1,000
/// wafers/month make the fab's 1,000 wafers/month need 2 tools.
fn binding_mode(order: &str, tools: u32) -> (f64, f64) {
    let text = format!(
        r#"Scenario(name: "fabpower", start: "2025-01-01", horizon_years: 1,
    grid: (curtailment_order: {order}),
    regions: [(name: "home", demand_avg_mw: 1000)],
    plants: [(name: "home-nuc", region: "home", technology: Nuclear, installed_mw: 900, failures_per_unit_year: 0)],
    chips: (tools: (inventory_at_start: 0, imports_per_year: 0, domestic_per_year: 0),
            packaging_units_per_month: 1000000),
    designs: [(name: "chip", die_area_mm2: 600, peak_flop_s: 600e12, power_w: 800,
               hbm_stacks: 0, node: "7nm", unit_price_usd: 15000)],
    fabs: [(name: "fab", region: "home", node: "7nm", capacity_wafers_per_month: 1000, ramp_months: 0,
            yield_initial: 0.5, yield_ceiling: 0.5, yield_learning_wafers: 1000, power_mw: 20,
            products: [(design: "chip", share: 1)], tools_per_kwpm: 2, tools_at_opening: {tools})],
    labs: [(name: "lab", budget_usd_per_year: 1e9, sites: [(region: "home", connected_mw: 10)])],
)"#
    );
    let s = Scenario::from_text(Path::new("fabpower.ron"), &text).unwrap_or_else(|e| panic!("{e}"));
    let out = run(&s, &RunOptions::default()).expect("runs");
    let get = |k: &str| {
        out.scalars
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("no {k}"))
    };
    (get("fab.binding_input_mode"), get("fab.wafers_scrapped_total"))
}

#[test]
fn a_fab_cut_by_the_grid_reports_power_not_wafers() {
    const AI_FIRST: &str = "[Datacenter, Fab, Industry, Household]";
    const PROTECTED: &str = "[Household, Industry, Fab, Datacenter]";
    let (cut, scrapped) = binding_mode(AI_FIRST, 2);
    assert_eq!(binding_input_name(cut), "power at the fabs", "code {cut}");
    assert!(scrapped > 0.0, "{scrapped}");
    let (protected, scrapped) = binding_mode(PROTECTED, 2);
    assert_eq!(binding_input_name(protected), "wafers", "code {protected}");
    assert_eq!(scrapped, 0.0);
    let (short_of_tools, _) = binding_mode(PROTECTED, 1);
    assert_eq!(
        binding_input_name(short_of_tools),
        "tools",
        "code {short_of_tools}"
    );
}

/// A year of a fab "f" making design "d" with all its tools beside a fab
/// "g" of 1,000 wafers/month (100 MW at full starts, a base share of 0.25)
/// that makes only design "e", available from 2027 (after the run); "g"
/// has no tools if `g_tooled` is false, all it needs otherwise. Returns the
/// run's output.
fn waiting_fab(g_tooled: bool) -> stack::RunOutput {
    let g_tools = if g_tooled { "" } else { "tools_at_opening: 0," };
    let text = format!(
        r#"Scenario(name: "waiting", start: "2025-01-01", horizon_years: 1,
    grid: (curtailment_order: [Household, Industry, Fab, Datacenter]),
    regions: [(name: "home", demand_avg_mw: 1000)],
    plants: [(name: "home-gas", region: "home", technology: Gas, installed_mw: 20000)],
    chips: (tools: (failures_per_tool_year: 0, inventory_at_start: 0, imports_per_year: 0, domestic_per_year: 0),
            hbm: (stockpile_stacks: 100000000), packaging_units_per_month: 1000000),
    designs: [
        (name: "d", die_area_mm2: 400, peak_flop_s: 1e15, power_w: 700, hbm_stacks: 4, node: "n", unit_price_usd: 10000),
        (name: "e", die_area_mm2: 400, peak_flop_s: 1e15, power_w: 700, hbm_stacks: 4, node: "n", unit_price_usd: 10000,
         available_from: "2027-01-01"),
    ],
    fabs: [
        (name: "f", region: "home", node: "n", capacity_wafers_per_month: 5000, ramp_months: 0, cycle_time_weeks: 4,
         yield_initial: 0.5, yield_ceiling: 0.5, yield_learning_wafers: 10000, power_mw: 10,
         products: [(design: "d", share: 1)]),
        (name: "g", region: "home", node: "n", capacity_wafers_per_month: 1000, ramp_months: 0, cycle_time_weeks: 4,
         yield_initial: 0.5, yield_ceiling: 0.5, yield_learning_wafers: 10000, power_mw: 100, {g_tools}
         base_power_fraction: 0.25, products: [(design: "e", share: 1)]),
    ],
    labs: [(name: "lab", budget_usd_per_year: 2e10, sites: [(region: "home", connected_mw: 10000)],
            fleet: [(design: "d", count: 1000)])],
)"#
    );
    let s = Scenario::from_text(Path::new("waiting.ron"), &text).unwrap_or_else(|e| panic!("{e}"));
    run(&s, &RunOptions::default()).expect("runs")
}

#[test]
fn a_fab_waiting_for_its_design_does_not_make_tools_bind() {
    // "g" starts nothing because "e" is not available, not because it has
    // no tools: "f"'s wafers bind (audit s17-chips, finding 2: `tools` at
    // every tick before).
    let out = waiting_fab(false);
    let mode = out
        .scalars
        .iter()
        .find(|(n, _)| n == "fab.binding_input_mode")
        .map(|(_, v)| *v)
        .expect("binding mode");
    assert_eq!(binding_input_name(mode), "wafers", "code {mode}");
    for r in out.series.iter() {
        if r.metric == "fab.binding_input" && r.entity == "national" && r.time_year > 2025.01 {
            assert_eq!(r.value, 1.0, "{}: code {}", r.date, r.value);
        }
    }
}

#[test]
fn a_fab_waiting_for_its_design_draws_only_its_base_power() {
    // "g" starts nothing all year: only its base share (0.25 of 100 MW)
    // runs (audit s17-chips, finding 6: 100 MW before), though it has all
    // the tools its capacity needs.
    let out = waiting_fab(true);
    let mut n = 0;
    for r in out.series.iter() {
        if r.metric == "fab.power_mw" && r.entity == "g" && r.time_year > 2025.01 {
            assert!((r.value - 25.0).abs() < 1e-9, "{}: {} MW", r.date, r.value);
            n += 1;
        }
    }
    assert!(n >= 12, "{n} samples of g's power");
}
