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
