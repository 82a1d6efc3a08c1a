//! The event trace (`events.jsonl`) at time zero: what the domains apply as
//! they start, because it is dated at or before the start, is listed there
//! as the event it would otherwise have been (s19 review3: since the
//! nineteenth session a drought in force at the start and a fab project
//! begun by then were applied inside `start()` and left the trace, which
//! then had a `DroughtEnd` with no `DroughtStart`).

use stack::{RunOptions, RunOutput, Scenario, run};
use std::path::Path;

/// One region starting 2025-01-01 with a drought begun in December (in
/// force for 20 more days), a retirement dated before the start, a grid
/// project finished before it, a fab project begun before it and still
/// being built, and one finished before it.
const TEXT: &str = r#"Scenario(name: "t", start: "2025-01-01", horizon_years: 0.25,
    regions: [ (name: "home", demand_avg_mw: 1000, daily_amplitude: 0, seasonal_amplitude: 0) ],
    plants: [ (name: "home-gas", region: "home", technology: Gas, installed_mw: 1600, failures_per_unit_year: 0),
              (name: "home-coal", region: "home", technology: Coal, installed_mw: 400, failures_per_unit_year: 0,
               retire_date: "2024-06-01", retire_mw: 100),
              (name: "home-hydro", region: "home", technology: Hydro, installed_mw: 500) ],
    grid_projects: [ (name: "gp", region: "home", technology: Nuclear, mw: 1000,
                      start: "2010-01-01", lead_time_years: Const(value: 6)) ],
    droughts: [ (name: "dry", region: "home", start: "2024-12-12", days: 40, depth: 0.5) ],
    designs: [ ( name: "h100", die_area_mm2: 814, peak_flop_s: 989e12, power_w: 700, hbm_stacks: 5, node: "4nm", unit_price_usd: 25000) ],
    chips: (tools: (inventory_at_start: 1000, failures_per_tool_year: 0)),
    fabs: [ (name: "f", region: "home", node: "4nm", capacity_wafers_per_month: 1000, ramp_months: 0,
             yield_initial: 0.5, yield_ceiling: 0.9, yield_learning_wafers: 1000, power_mw: 1,
             products: [(design: "h100", share: 1.0)]) ],
    fab_projects: [ (name: "building", fab: "f", kind: Expansion(added_wafers_per_month: 1000),
                     start: "2024-06-01", lead_time_years: Const(value: 2)),
                    (name: "built", fab: "f", kind: Expansion(added_wafers_per_month: 500),
                     start: "2023-01-01", lead_time_years: Const(value: 1)) ],
    labs: [ ( name: "lab", sites: [(region: "home", connected_mw: 0.001)], fleet: [(design: "h100", count: 1)]) ],
)"#;

fn traced() -> RunOutput {
    let s = Scenario::from_text(Path::new("t.ron"), TEXT).unwrap_or_else(|e| panic!("{e}"));
    run(
        &s,
        &RunOptions {
            trace: true,
            dispatch_window: None,
            ..RunOptions::default()
        },
    )
    .expect("runs")
}

fn lines(out: &RunOutput) -> Vec<serde_json::Value> {
    out.trace
        .iter()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

fn what(line: &serde_json::Value) -> &str {
    line["what"].as_str().expect("a `what`")
}

#[test]
fn items_applied_at_the_start_are_traced_at_time_zero_as_their_events() {
    let out = traced();
    let lines = lines(&out);
    let at_start: Vec<&str> = lines
        .iter()
        .filter(|l| l["at_start"] == true)
        .map(|l| {
            assert_eq!(l["t_s"], 0, "{l}");
            assert_eq!(l["time"], "2025-01-01 00:00:00", "{l}");
            assert_eq!(l["kind"], "event", "{l}");
            what(l)
        })
        .collect();
    // The supply chain starts before the grid; each lists its items in the
    // order it applied them (the grid: retirements, projects, droughts).
    assert_eq!(
        at_start,
        [
            "Fab(ProjectStart { project: ProjectId(0) })",
            "Fab(ProjectStart { project: ProjectId(1) })",
            "Fab(ProjectComplete { project: ProjectId(1) })",
            "Grid(Retirement { retirement: 0 })",
            "Grid(ProjectResolved { project: ProjectId(0) })",
            "Grid(DroughtStart { region: RegionId(0), depth_fraction: 0.5, duration: Duration(1728000), from_process: false })",
        ]
    );
    // They come first: before every event the scheduler handles.
    assert!(lines[..at_start.len()].iter().all(|l| l["at_start"] == true));
    // Every drought that ends started, and the project still being built
    // completes by its event (2026-06-01, after this run).
    let count = |needle: &str| lines.iter().filter(|l| what(l).contains(needle)).count();
    assert_eq!(count("DroughtStart"), 1);
    assert_eq!(count("DroughtEnd"), 1);
    // The grid project's completion is still signalled, with the first
    // event handled.
    assert_eq!(count("ProjectCompleted { project: ProjectId(0)"), 1);
}

#[test]
fn the_trace_changes_nothing_in_the_run() {
    let s = Scenario::from_text(Path::new("t.ron"), TEXT).unwrap_or_else(|e| panic!("{e}"));
    let quiet = run(&s, &RunOptions::default()).expect("runs");
    let traced = traced();
    assert!(quiet.trace.is_empty());
    assert_eq!(quiet.scalars, traced.scalars);
    assert_eq!(quiet.events, traced.events);
    let rows = |o: &RunOutput| -> Vec<(String, String, String, u64)> {
        o.series
            .iter()
            .map(|r| {
                (
                    r.date.to_string(),
                    r.metric.to_string(),
                    r.entity.to_string(),
                    r.value.to_bits(),
                )
            })
            .collect()
    };
    assert_eq!(rows(&quiet), rows(&traced));
    // The events of the trace are those the scheduler handled, and the
    // items applied at the start besides.
    let events = traced
        .trace
        .iter()
        .filter(|l| l.contains(r#""kind":"event""#))
        .count() as u64;
    let at_start = traced
        .trace
        .iter()
        .filter(|l| l.contains(r#""at_start":true"#))
        .count() as u64;
    assert_eq!(at_start, 6);
    assert_eq!(events, traced.events + at_start);
}
