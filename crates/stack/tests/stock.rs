//! The run report's accelerator line adds up: delivered = assembled at home +
//! imported − still in stock at the end (before, "delivered 242713 (251831
//! built at home, 0 imported)" read as if the parts made the total).

use stack::{RunOptions, Scenario};

const TRIO: &str = r#"Scenario(
    name: "trio",
    start: "2026-01-01",
    horizon_years: 3,
    seed: 7,
    regions: [
        (name: "north", demand_avg_mw: 20000, storage_mw: 500, storage_mwh: 2000),
        (name: "west", demand_avg_mw: 8000),
    ],
    plants: [
        (name: "north-coal", region: "north", technology: Coal, installed_mw: 26000),
        (name: "west-hydro", region: "west", technology: Hydro, installed_mw: 12000, capacity_factor: 0.45),
    ],
    links: [(name: "n-w", from: "north", to: "west", capacity_mw: 3000)],
    chips: (packaging_units_per_month: 20000,
            hbm: (stockpile_stacks: 500000, domestic_stacks_per_month: 40000, domestic_yield: 0.7)),
    designs: [
        (name: "acc1", die_area_mm2: 700, peak_flop_s: 8e14, power_w: 600, hbm_stacks: 6, node: "n7",
         unit_price_usd: 15000),
    ],
    imports: [(name: "imp", design: "acc1", units_per_month: 500)],
    fabs: [
        (name: "fab1", region: "north", node: "n7", capacity_wafers_per_month: 8000, yield_initial: 0.3,
         yield_ceiling: 0.7, yield_learning_wafers: 100000, power_mw: 150, products: [(design: "acc1", share: 1)]),
    ],
    labs: [
        (name: "lab1", open_share: 0.5, budget_usd_per_year: 5e9,
         sites: [(region: "west", connected_mw: 200), (region: "north")],
         fleet: [(design: "acc1", count: 10000)]),
    ],
)"#;

#[test]
fn delivered_is_built_plus_imported_less_the_stock_at_the_end() {
    let s = Scenario::from_text(std::path::Path::new("trio.ron"), TRIO).unwrap_or_else(|e| panic!("{e}"));
    let out = stack::run(&s, &RunOptions::default()).unwrap();
    let get = |k: &str| {
        out.scalars
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("no {k}"))
    };
    let (delivered, built, imported, stock) = (
        get("fab.accelerators_delivered_total"),
        get("fab.accelerators_built_total"),
        get("fab.accelerators_imported_total"),
        get("fab.accelerators_stock_end"),
    );
    // The case the line misled in: more built than delivered.
    assert!(
        stock > 0.0 && built > delivered,
        "{delivered} {built} {imported} {stock}"
    );
    assert_eq!(delivered, built + imported - stock);
    let text = stack::report::summary_text(&s, &out);
    let line = text
        .lines()
        .find(|l| l.contains("accelerators delivered"))
        .unwrap();
    assert!(
        line.contains(&format!(
            "accelerators delivered {delivered} (of {built} assembled at home and {imported} imported, {stock} still in stock at the end)"
        )),
        "{line}"
    );
}
