//! `aistack run`'s console summary and `aistack explain` answer "does the
//! grid hold the datacenters, and is power or chips the binding
//! constraint?" from what the model already knows (audit s33-headline):
//! who the grid shed, the compute the labs' electricity budgets withheld,
//! grid cuts apart from waiting for a connection, and an import quota that
//! binds.

mod common;
use common::{Scratch, example, minimal_variant, run_then_explain, s};
use std::path::Path;

/// Runs `scenario` into a scratch directory: (its directory, `run`'s
/// standard output, `explain`'s).
fn run_and_explain(scenario: &str, name: &str) -> (Scratch, String, String) {
    let out = Scratch::new(&format!("aistack-headline-{name}-out"));
    let (run, explain) = run_then_explain(scenario, &out);
    (out, run, explain)
}

/// The line of `text` that starts (after its indent) with `label`, without its indent.
fn line<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .map(str::trim_start)
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no `{label}` line in\n{text}"))
}

/// The outcomes of the run in `dir` (`summary.json`).
fn outcomes(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("summary.json")).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&text).unwrap();
    summary["outcomes"].clone()
}

/// Finding 8: minimal.ron leaves 5.6e4 MWh unserved and cuts nothing from
/// AI loads because its (default) curtailment order sheds households, then
/// industry, before datacenters; the summary says who was shed and in
/// which order, and reversing the order moves the cut to the datacenter.
#[test]
fn the_summary_says_who_the_grid_shed_and_in_which_order() {
    let (dir, run, explain) = run_and_explain(&example("minimal.ron"), "shed");
    let o = outcomes(&dir);
    let get = |k: &str| o[k].as_f64().unwrap_or_else(|| panic!("no {k}"));
    let households = get("energy.unserved_household_mwh_total");
    assert!(households > 0.0, "{o}");
    assert_eq!(get("energy.unserved_datacenter_mwh_total"), 0.0);
    let shed = line(&run, "shed by load class");
    assert!(
        shed.contains(&format!("households {households:.2e} MWh, industry "))
            && shed.ends_with(
                "fabs 0 MWh, datacenters 0 MWh (the scenario's curtailment order: households first, \
                 datacenters last)"
            ),
        "{shed}"
    );
    assert!(
        explain.contains("Energy unserved, whole run: ")
            && explain.contains(&format!("of it households {households:.3e}, industry ")),
        "{explain}"
    );

    let first = minimal_variant(
        "headline",
        "dc-first",
        "\"plants.home-gas.installed_mw\": 1000, \"grid.curtailment_order\": [Datacenter, Fab, Industry, Household]",
        "",
    );
    let (dir, run, _) = run_and_explain(s(&first), "dc-first");
    let o = outcomes(&dir);
    let datacenters = o["energy.unserved_datacenter_mwh_total"].as_f64().unwrap();
    assert!(datacenters > 0.0, "{o}");
    let shed = line(&run, "shed by load class");
    assert!(
        shed.starts_with(&format!(
            "shed by load class     datacenters {datacenters:.2e} MWh, fabs 0 MWh, industry "
        )) && shed.ends_with("(the scenario's curtailment order: datacenters first, households last)"),
        "{shed}"
    );
}

/// Finding 2: a lab whose electricity costs several times its budget (a
/// region short every evening, priced at the scarcity price there) has
/// most of its training compute withheld by its budget, not lost to
/// power. `explain` said so and `run` printed "lost to power 0.0 %" alone;
/// now both give the share and say that it follows the electricity price,
/// which the grid's shortfalls set at the scarcity price.
#[test]
fn the_summary_gives_the_compute_the_budgets_withheld_and_why() {
    let file = Scratch::new("aistack-headline-budget.ron");
    std::fs::write(
        &file,
        r#"Scenario(
    name: "budget",
    start: "2025-01-01",
    horizon_years: 1,
    regions: [ (name: "home", demand_avg_mw: 1000, daily_amplitude: 0.3, seasonal_amplitude: 0) ],
    plants: [ (name: "gas", region: "home", technology: Gas, installed_mw: 1200, marginal_cost_usd_per_mwh: 45, failures_per_unit_year: 0) ],
    designs: [ (name: "x", die_area_mm2: 600, peak_flop_s: 1e15, power_w: 700, hbm_stacks: 0, node: "7nm", unit_price_usd: 10000) ],
    labs: [ (name: "poor", sites: [(region: "home", connected_mw: 100)], fleet: [(design: "x", count: 10000)], budget_usd_per_year: 2.4e7) ],
)
"#,
    )
    .unwrap();
    let (dir, run, explain) = run_and_explain(s(&file), "budget");
    let o = outcomes(&dir);
    let share = o["training.share_lost_budget_total"].as_f64().unwrap();
    let flop = o["training.flop_lost_budget_total"].as_f64().unwrap();
    assert!(share > 0.5, "{o}");
    let withheld = line(&run, "withheld by budgets");
    assert!(
        withheld.starts_with(&format!(
            "withheld by budgets    {:.1} % of the labs' training compute ({flop:.2e} FLOP), not counted as lost to power: \
             a budget caps a lab's draw when a month's electricity, at the price its sites paid the month before, would \
             cost more than the month's money, so this follows the electricity price; in the grid's ",
            100.0 * share
        )) && withheld.contains("the regions shedding load were priced at its scarcity price (5000 USD/MWh)"),
        "{withheld}"
    );
    // Next to "lost to power", which it is not counted in.
    let lines: Vec<&str> = run.lines().map(str::trim_start).collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("lost to power"))
        .expect("lost to power");
    assert!(lines[at + 1].starts_with("withheld by budgets"), "{run}");
    assert!(
        explain.contains(&format!(
            "withheld by the labs' electricity budgets, whole run: {:.1} % ({flop:.3e} FLOP), not counted as lost to \
             power: a budget caps a lab's draw",
            100.0 * share
        )) && explain.contains("so this follows the electricity price; in the grid's "),
        "{explain}"
    );
    // A run whose budgets withheld nothing prints no such line.
    let (_, run, explain) = run_and_explain(&example("minimal.ron"), "no-budget");
    assert!(
        !run.contains("withheld by budgets") && !explain.contains("withheld by"),
        "{run}"
    );
}

/// Finding 3: minimal.ron's lab connected for 1 MW of its chips' 2.6, in
/// a queue granting 1 MW a year, on a grid short of power that cuts
/// datacenters first: most of what it loses to power is waiting for its
/// connection, the rest the grid's cuts, and the line says which.
#[test]
fn lost_to_power_tells_the_grids_cuts_from_waiting_for_a_connection() {
    let scenario = minimal_variant(
        "headline",
        "queue",
        "\"labs.lab.sites.home.connected_mw\": 1, \"regions.home.interconnection_mw_per_year\": 1, \
         \"plants.home-gas.installed_mw\": 1000, \"grid.curtailment_order\": [Datacenter, Fab, Industry, Household]",
        "",
    );
    let (dir, run, explain) = run_and_explain(s(&scenario), "queue");
    let o = outcomes(&dir);
    let get = |k: &str| o[k].as_f64().unwrap_or_else(|| panic!("no {k}"));
    let (total, cut, waiting) = (
        get("training.share_lost_power_total"),
        get("training.share_lost_power_curtailed_total"),
        get("training.share_lost_power_connection_total"),
    );
    assert!(cut > 0.05 && waiting > 0.3, "{o}");
    assert!(
        (cut + waiting - total).abs() < 1e-12,
        "{cut} + {waiting} vs {total}"
    );
    let lost = line(&run, "lost to power");
    assert!(
        lost.starts_with(&format!(
            "lost to power          {:.1} % of the labs' training compute, whatever bound the runs ({:.1} % cut by the \
             grid, {:.1} % waiting for grid connections)",
            100.0 * total,
            100.0 * cut,
            100.0 * waiting
        )),
        "{lost}"
    );
    assert!(
        explain.contains(&format!(
            "whatever bound the runs: {:.1} % cut by the grid, {:.1} % waiting for grid connections (chips beyond their \
             site's connection, in the interconnection queue: `energy.interconnection_queue_mw`).",
            100.0 * cut,
            100.0 * waiting
        )),
        "{explain}"
    );
}

/// Finding 4: minimal.ron with 1,000 H100 a month offered for import and
/// a licence cap of 200 a month on all accelerators: the cap binds at
/// every production tick and holds back 800 a month, which "binding input
/// at most production ticks: none" (the fabs' inputs) did not show; a cap
/// above the offer never binds, and says so.
#[test]
fn the_summary_says_when_an_import_quota_binds() {
    let quota = |name: &str, offered: u32| {
        minimal_variant(
            "headline",
            name,
            "",
            &format!(
                "Import((name: \"h100-imports\", design: \"h100\", units_per_month: {offered})), \
                 Policy((name: \"licence-cap\", date: \"2025-01-01\", action: ExportControl(item: Accelerators, \
                 control: QuotaPerMonth(200))))"
            ),
        )
    };
    let scenario = quota("quota", 1000);
    let (dir, run, explain) = run_and_explain(s(&scenario), "quota");
    let o = outcomes(&dir);
    let share = o["fab.import_quota_binding_share"].as_f64().unwrap();
    let withheld = o["fab.imports_withheld_by_quota_total"].as_f64().unwrap();
    assert_eq!(share, 1.0, "{o}");
    // 800 a month over two years, to a tick.
    assert!((withheld - 800.0 * 24.0).abs() < 200.0, "{withheld}");
    let delivered = line(&run, "accelerators delivered");
    assert!(
        delivered.ends_with(&format!(
            "binding input at most production ticks: none; imports held below their paths by the import quota \
             (licence-cap) at 100.0 % of production ticks, {withheld:.2e} chips withheld"
        )),
        "{delivered}"
    );
    assert!(
        explain.contains(&format!(
            "Accelerator imports held below their paths by import quotas at 100.0 % of production ticks \
             ({withheld:.3e} chips withheld"
        )),
        "{explain}"
    );

    let scenario = quota("loose", 100);
    let (_, run, explain) = run_and_explain(s(&scenario), "loose");
    let delivered = line(&run, "accelerators delivered");
    assert!(
        delivered.ends_with(
            "binding input at most production ticks: none; the import quota (licence-cap) never bound"
        ),
        "{delivered}"
    );
    assert!(!explain.contains("held below their paths"), "{explain}");
    // Without a quota, the line is as it was.
    let (_, run, _) = run_and_explain(&example("minimal.ron"), "no-quota");
    assert!(
        line(&run, "accelerators delivered").ends_with("binding input at most production ticks: none"),
        "{run}"
    );
}
